//! Where Seller Panel keeps its data: one folder with the database, `photos/`, `logs/` and
//! `backups/`. The desktop app and the `seller` command line resolve it the same way.

use std::path::PathBuf;

/// The app's identifier (as in `src-tauri/tauri.conf.json`), which names its data folder.
pub const APP_IDENTIFIER: &str = "app.sellerpanel.desktop";
/// Environment variable overriding the data folder (tests, portable installs, scripts).
pub const ENV: &str = "SELLER_PANEL_DATA_DIR";
/// The database file inside the data folder.
pub const DATABASE_FILE: &str = "seller-panel.sqlite3";
/// Automatic and one-click backups go here unless the user picks another place.
pub const BACKUPS_DIR: &str = "backups";

/// The folder given explicitly (a command-line flag), else `SELLER_PANEL_DATA_DIR`, else the
/// OS application-data folder (`~/.local/share/app.sellerpanel.desktop` on Linux,
/// `%APPDATA%\app.sellerpanel.desktop` on Windows, `~/Library/Application Support/…` on macOS).
pub fn resolve(explicit: Option<PathBuf>) -> Option<PathBuf> {
    explicit
        .or_else(|| {
            std::env::var_os(ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .or_else(|| dirs::data_dir().map(|d| d.join(APP_IDENTIFIER)))
}
