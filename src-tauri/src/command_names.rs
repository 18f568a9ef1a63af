/// Every IPC command of the app, by its Rust name. Shared by `build.rs` (permissions) and the
/// command registry (a test checks they agree).
pub const NAMES: &[&str] = &[
    "list_products",
    "get_product",
    "create_product",
    "update_product",
    "delete_product",
    "import_photo",
    "get_settings",
    "set_language",
    "get_backup_settings",
    "set_backup_settings",
    "backup_now",
    "list_backups",
    "restore_backup",
];
