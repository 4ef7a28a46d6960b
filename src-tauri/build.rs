//! Builds the shell against tauri.conf.json beside it and declares the app's commands, so the
//! capability grants only the commands the UI calls.

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(tend_commands::ALL);
    let attributes = tauri_build::Attributes::new().app_manifest(manifest);
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {e:#}");
    }
}

#[path = "src/command_names.rs"]
mod tend_commands;
