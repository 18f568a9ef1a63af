//! Where Seller Panel keeps its data: one folder with the database, `photos/`, `logs/` and
//! `backups/`. The desktop app and the `seller` command line resolve it the same way.

use std::path::{Path, PathBuf};

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

/// Each account's own Chromium profile, `browser-profiles/<account id>/`.
pub const BROWSER_PROFILES_DIR: &str = "browser-profiles";

/// Whether `id` is a UUID written the one way this app writes ids: lowercase, hyphenated
/// (`0190f0aa-1111-7abc-8def-0123456789ab`). Only such an id may name a file or folder.
pub fn is_canonical_uuid(id: &str) -> bool {
    uuid::Uuid::try_parse(id).is_ok_and(|parsed| parsed.hyphenated().to_string() == id)
}

/// An id that cannot name a file or folder: not a canonical UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{id:?} is not an id this app made (a lowercase hyphenated UUID); no path is built from it"
)]
pub struct UnsafeId {
    pub id: String,
}

/// `base/<id>`, for an id that is a canonical UUID; anything else (`..`, `../x`, `/etc`, an
/// empty or a synced value someone forged) is refused, so a path built from an id, which the
/// app later creates or deletes, always stays inside `base`.
pub fn safe_child(base: &Path, id: &str) -> Result<PathBuf, UnsafeId> {
    if is_canonical_uuid(id) {
        Ok(base.join(id))
    } else {
        Err(UnsafeId { id: id.to_owned() })
    }
}

/// The Chromium profile folder of an account: `<data>/browser-profiles/<account id>`.
pub fn browser_profile_dir(data_dir: &Path, account_id: &str) -> Result<PathBuf, UnsafeId> {
    safe_child(&data_dir.join(BROWSER_PROFILES_DIR), account_id)
}

/// Makes the data folder private to this OS user and keeps it so: on Unix the process's
/// umask becomes `077` (every file the app, `seller` and the browsers they start create later
/// is `0600`, every folder `0700`, whatever umask the session had), the folder is created
/// `0700`, and an existing one has its modes fixed (folders `0700`, files `0600`; symbolic
/// links are not followed). Elsewhere the folder is created and the OS's per-user application
/// folder already keeps others out. Only creating the folder can fail: an entry whose mode
/// cannot be changed (owned by another user) is logged and left, so the app still starts.
pub fn prepare_private(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        // SAFETY: umask only sets the process's file-creation mask; it cannot fail.
        unsafe { libc::umask(0o077) };
    }
    std::fs::create_dir_all(dir)?;
    make_private(dir);
    Ok(())
}

/// Folders `0700` and files `0600` from `dir` down (Unix), without following symbolic links.
/// Inside a browser profile only the profile folders are fixed: the folder above them already
/// keeps others out, and a profile holds thousands of files.
pub fn make_private(dir: &Path) {
    #[cfg(unix)]
    {
        set_private_mode(dir, true);
        fix_tree(dir, 0);
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(unix)]
fn fix_tree(dir: &Path, depth: u32) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            tracing::warn!(folder = %dir.display(), %error, "could not read a folder to make it private");
            return;
        }
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() {
            set_private_mode(&path, true);
            if depth == 0 && entry.file_name() == BROWSER_PROFILES_DIR {
                for profile in std::fs::read_dir(&path).into_iter().flatten().flatten() {
                    if profile.file_type().is_ok_and(|k| k.is_dir()) {
                        set_private_mode(&profile.path(), true);
                    }
                }
            } else {
                fix_tree(&path, depth + 1);
            }
        } else if kind.is_file() {
            set_private_mode(&path, false);
        }
    }
}

#[cfg(unix)]
fn set_private_mode(path: &Path, is_dir: bool) {
    use std::os::unix::fs::PermissionsExt;
    let fix = || -> std::io::Result<()> {
        let current = std::fs::symlink_metadata(path)?.permissions().mode() & 0o7777;
        // Only the owner's bits of a file are kept (an executable stays executable to its owner).
        let wanted = if is_dir {
            0o700
        } else {
            0o600 | (current & 0o100)
        };
        if current != wanted {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(wanted))?;
        }
        Ok(())
    };
    if let Err(error) = fix() {
        tracing::warn!(path = %path.display(), %error, "could not make a file of the data folder private");
    }
}
