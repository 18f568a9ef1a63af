fn main() {
    // Our own commands go under Tauri's permission system, so a capability must grant each one.
    let manifest = tauri_build::AppManifest::new().commands(seller_panel_commands::NAMES);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri build script");
}

/// Kept beside `src/commands.rs`; a test checks the two lists agree.
mod seller_panel_commands {
    include!("src/command_names.rs");
}
