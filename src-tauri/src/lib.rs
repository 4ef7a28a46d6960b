//! Tend's desktop shell: one window showing the bundled UI, one [`Desktop`] holding the clinic,
//! and the commands in [`commands`]. Nothing here decides anything; tend-core does.

#[macro_use]
mod registry;
mod commands;

use std::path::PathBuf;

use tauri::Manager;
use tend_core::Environment;
use tend_core::desktop::Desktop;

/// The clinic folder: `--data-dir DIR` or `TEND_DATA_DIR` when given (as for the `tend`
/// command), otherwise the user's data folder, the same one the `tend` command uses.
fn data_dir() -> Option<PathBuf> {
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--data-dir" {
            return args.next().map(PathBuf::from);
        }
    }
    if let Some(dir) = std::env::var_os("TEND_DATA_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("org", "Tend", "Tend").map(|d| d.data_dir().to_owned())
}

/// WebKitGTK's defaults suit a web browser: it composites through OpenGL (software GL where
/// there is no GPU, as under Xvfb) and caches pages for going back and forth. Tend shows one
/// bundled page of forms, so it draws without GL and keeps a document viewer's caches. Measured
/// with `scripts/measure-desktop.sh` (docs/benchmarks.md): the web process fell from 320 MB to
/// about 200 MB RSS after opening a chart.
#[cfg(target_os = "linux")]
fn lean_webkit(webview: tauri::webview::PlatformWebview) {
    use webkit2gtk::{
        CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
    };
    let view = webview.inner();
    if let Some(settings) = WebViewExt::settings(&view) {
        settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
    }
    if let Some(context) = view.context() {
        context.set_cache_model(CacheModel::DocumentViewer);
    }
}

/// Starts the app; returns when its window is closed.
pub fn run() -> Result<(), String> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TEND_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    const SYNC_EVERY: std::time::Duration = std::time::Duration::from_secs(30);
    const BACKUP_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
    let dir = data_dir().ok_or("no data folder: set TEND_DATA_DIR to where the clinic lives")?;
    let desktop = Desktop::new(dir, Environment::system());
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(desktop)
        .setup(|app| {
            #[cfg(target_os = "linux")]
            if let Some(window) = app.get_webview_window("main") {
                window.with_webview(lean_webkit)?;
            }
            // Backups that are due, checked every minute while the app runs.
            let backups = app.handle().clone();
            std::thread::Builder::new()
                .name("backup".into())
                .spawn(move || {
                    std::thread::sleep(std::time::Duration::from_secs(20));
                    loop {
                        backups.state::<Desktop>().backup_tick();
                        std::thread::sleep(BACKUP_CHECK_EVERY);
                    }
                })?;
            // Sync in the background while the app runs: a round every half minute when the
            // clinic is open and connected to a server (nothing at all otherwise).
            let handle = app.handle().clone();
            std::thread::Builder::new()
                .name("sync".into())
                .spawn(move || {
                    std::thread::sleep(std::time::Duration::from_secs(5));
                    loop {
                        handle.state::<Desktop>().sync_tick();
                        std::thread::sleep(SYNC_EVERY);
                    }
                })?;
            Ok(())
        })
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                // Closing the window signs out, so the audit log shows the session's end.
                let _ = window.state::<Desktop>().sign_out();
                // When the last good backup is more than a day old, one is taken before the
                // app ends: the window goes at once, the app when the backup is written.
                api.prevent_close();
                let _ = window.hide();
                let handle = window.app_handle().clone();
                std::thread::spawn(move || {
                    handle.state::<Desktop>().backup_on_quit();
                    handle.exit(0);
                });
            }
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
        .map_err(|e| format!("the window could not start: {e}"))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Writes `contents` to `path` when it differs, and fails the test when it did: the generated
    /// files in the repository must be what the code generates (rust-analyzer's sourcegen).
    fn ensure_file_contents(path: &Path, contents: &str) {
        if std::fs::read_to_string(path).is_ok_and(|old| old == contents) {
            return;
        }
        std::fs::write(path, contents).expect("the generated file could not be written");
        panic!(
            "{} was stale and has been written again: look at the change and commit it",
            path.display()
        );
    }

    /// The UI's client and types are generated from the command list and the Rust types.
    #[test]
    fn generated_typescript_is_fresh() {
        let mut client = crate::registry::typescript::Client::new();
        crate::commands::describe(&mut client);
        client.also::<tend_core::api::ApiError>();
        client.union(
            "Permission",
            "An action of the permission table, as `DeskDto.can` lists those the person may do.",
            tend_domain::permission::TABLE
                .iter()
                .map(|(a, _)| a.as_str().to_owned()),
        );
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        ensure_file_contents(
            &root.join("ui/src/lib/backend/generated.ts"),
            &client.finish(),
        );
    }

    /// What the PDF prints for money and dates in every locale, for the page's tests to print
    /// the same (`ui/src/lib/format.test.ts` with Node's `Intl`, the e2e test
    /// `test_the_window_formats_as_the_paper_does` with the webview's). Each locale is tried
    /// with the currency a clinic there bills in.
    #[test]
    fn locale_samples_are_fresh() {
        use iso_currency::Currency;
        use tend_domain::billing::Money;
        use tend_domain::locale::Locale;
        let home = |l: Locale| match l {
            Locale::EnUs => vec![Currency::USD, Currency::JPY],
            Locale::EnGb => vec![Currency::GBP, Currency::EUR],
            Locale::EsMx => vec![Currency::MXN],
            Locale::PtBr => vec![Currency::BRL],
            _ => vec![Currency::EUR],
        };
        let amounts = [
            "1234.5",
            "-5",
            "0",
            "0.05",
            "12345.6",
            "1234567.891",
            "-1234.5",
        ];
        let dates = ["2026-03-04", "2026-11-24", "1958-02-03", "2000-01-01"];
        let mut money = Vec::new();
        let mut days = Vec::new();
        let mut locales = Vec::new();
        for locale in Locale::ALL {
            locales.push(serde_json::json!({
                "locale": locale.as_str(),
                "groups_four_digits": locale.groups_four_digits(),
            }));
            for currency in home(locale) {
                for amount in amounts {
                    let m = Money::new(amount.parse().expect("amount"), currency);
                    money.push(serde_json::json!({
                        "locale": locale.as_str(),
                        "currency": currency.code(),
                        "amount": m.amount.to_string(),
                        "text": locale.money(m),
                    }));
                }
            }
            for ymd in dates {
                let d = chrono::NaiveDate::parse_from_str(ymd, "%Y-%m-%d").expect("date");
                days.push(serde_json::json!({
                    "locale": locale.as_str(),
                    "date": ymd,
                    "text": locale.date(d),
                }));
            }
        }
        let samples = serde_json::json!({
            "about": "Written by tend-desktop's test locale_samples_are_fresh: what Tend prints on paper (ICU4X). Do not edit.",
            "locales": locales,
            "money": money,
            "dates": days,
        });
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let text = serde_json::to_string_pretty(&samples).expect("json") + "\n";
        ensure_file_contents(&root.join("ui/src/lib/locale-samples.json"), &text);
    }

    /// The window is granted exactly the commands of the list (`build.rs` writes the file).
    #[test]
    fn every_command_is_granted() {
        let granted = include_str!("../permissions/desk-commands.toml");
        let listed: Vec<&str> = granted
            .lines()
            .filter_map(|l| l.trim().strip_prefix('"'))
            .filter_map(|l| l.strip_suffix("\","))
            .collect();
        assert_eq!(listed, crate::commands::ALL);
    }
}
