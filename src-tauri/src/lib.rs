//! Tend's desktop shell: one window showing the bundled UI, one [`Desktop`] holding the clinic,
//! and the commands in [`commands`]. Nothing here decides anything; tend-core does.

#[cfg(test)]
mod command_names;
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
        .invoke_handler(tauri::generate_handler![
            commands::app_start,
            commands::app_set_up,
            commands::app_unlock,
            commands::app_restore,
            commands::backup_status,
            commands::backup_overdue,
            commands::backup_folder_add,
            commands::backup_folder_remove,
            commands::backup_schedule,
            commands::backup_run_now,
            commands::backup_check,
            commands::backup_step,
            commands::backup_restore,
            commands::pick_folder,
            commands::pick_backup_file,
            commands::chart_break_glass,
            commands::audit_break_glass,
            commands::sign_in,
            commands::sign_out,
            commands::unlock_admin,
            commands::desk,
            commands::document_bytes,
            commands::document_save,
            commands::document_close,
            commands::patient_search,
            commands::patient_duplicates,
            commands::patient_register,
            commands::patient_get,
            commands::patient_edit,
            commands::chart_banner,
            commands::chart_summary,
            commands::chart_lists,
            commands::allergy_record,
            commands::allergy_none_known,
            commands::allergy_end,
            commands::problem_add,
            commands::problem_resolve,
            commands::medication_start,
            commands::medication_stop,
            commands::vitals_record,
            commands::immunization_record,
            commands::entered_in_error,
            commands::icd_search,
            commands::visit_start,
            commands::visit_get,
            commands::visit_list,
            commands::note_edit,
            commands::visit_sign,
            commands::visit_addendum,
            commands::note_templates,
            commands::drug_search,
            commands::drug_add_strength,
            commands::rx_create,
            commands::rx_edit,
            commands::rx_check,
            commands::rx_sign,
            commands::rx_cancel,
            commands::rx_renew,
            commands::rx_list,
            commands::rx_print,
            commands::schedule_day,
            commands::schedule_week,
            commands::schedule_extend,
            commands::schedule_setup,
            commands::appointment_book,
            commands::appointment_move,
            commands::appointment_cancel,
            commands::appointment_check_in,
            commands::appointment_undo_check_in,
            commands::appointment_start,
            commands::appointment_complete,
            commands::appointment_no_show,
            commands::schedule_queue,
            commands::schedule_free_slots,
            commands::waitlist,
            commands::waitlist_add,
            commands::waitlist_remove,
            commands::waitlist_book,
            commands::fee_schedule,
            commands::fee_save,
            commands::fee_archive,
            commands::tax_rates,
            commands::visit_services,
            commands::visit_service_add,
            commands::billable_visits,
            commands::invoice_create,
            commands::invoice_get,
            commands::invoice_list,
            commands::invoice_add_line,
            commands::invoice_remove_line,
            commands::invoice_discount,
            commands::invoice_delete,
            commands::invoice_issue,
            commands::invoice_void,
            commands::payment_refund,
            commands::credit_note_issue,
            commands::payment_take,
            commands::account_balance,
            commands::unpaid_invoices,
            commands::closeout,
            commands::invoice_print,
            commands::receipt_print,
            commands::statement_print,
            commands::closeout_print,
            commands::user_list,
            commands::user_add,
            commands::user_set_roles,
            commands::user_set_disabled,
            commands::user_unlock,
            commands::user_reset_password,
            commands::clinic_settings,
            commands::clinic_update,
            commands::clinic_letterhead,
            commands::clinic_billing,
            commands::clinic_logo,
            commands::clinic_idle_lock,
            commands::clinic_break_glass,
            commands::clinic_keyring,
            commands::audit_verify,
            commands::audit_search,
            commands::app_join,
            commands::sync_activity,
            commands::sync_status,
            commands::sync_now,
            commands::sync_connect,
            commands::sync_pairing_code,
            commands::sync_conflicts,
            commands::sync_quarantine,
            commands::sync_pull_again,
            commands::sync_rotate_key,
            commands::sync_allow_managing,
            commands::sync_allow_insecure_http,
            commands::sync_resolve,
            commands::sync_devices,
            commands::sync_revoke,
            commands::sync_disconnect,
        ])
        .run(tauri::generate_context!())
        .map_err(|e| format!("the window could not start: {e}"))
}

#[cfg(test)]
mod tests {
    /// Every command in `commands.rs` is registered and granted, and nothing else is.
    #[test]
    fn the_command_lists_agree() {
        let source = include_str!("commands.rs");
        let declared: Vec<&str> = source
            .lines()
            .filter_map(|l| l.trim().strip_prefix("pub async fn "))
            .filter_map(|l| l.split('(').next())
            .collect();
        assert_eq!(declared, super::command_names::ALL);
        let lib = include_str!("lib.rs");
        let granted = include_str!("../permissions/desk-commands.toml");
        for name in super::command_names::ALL {
            assert!(
                lib.contains(&format!("commands::{name},")),
                "{name} is not registered"
            );
            assert!(
                granted.contains(&format!("\"{name}\",")),
                "{name} is not granted"
            );
        }
        assert_eq!(
            granted.matches("\",").count(),
            super::command_names::ALL.len()
        );
    }
}
