//! Backups: one file holding a consistent copy of the database and every photo, made while the
//! app runs; restores that check the file before replacing anything and keep what they replace.
//!
//! The file is a plain tar archive (photos are already compressed) with a `manifest.json`, the
//! database `seller-panel.sqlite3` and the `photos/` folder.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};

use crate::{LATEST_VERSION, Store, now_rfc3339};

pub const EXTENSION: &str = "spbackup";
pub const DATABASE_ENTRY: &str = "seller-panel.sqlite3";
pub const PHOTOS_DIR: &str = "photos";
/// Left in the data folder by [`restore`], before the database is put in place: that database
/// came from a backup, so the sync identity it carries (device id, numbered outbox) may be
/// another running copy's. The sync engine takes a new identity at the next open and removes
/// this file.
pub const RESTORED_MARKER: &str = "restored-from-backup";
const MANIFEST_ENTRY: &str = "manifest.json";
const FORMAT: u32 = 1;

/// What a backup file says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BackupManifest {
    pub format: u32,
    pub app_version: String,
    pub schema_version: u32,
    pub created_at: String,
    pub photo_count: u32,
    pub product_count: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("could not write the backup {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a Seller Panel backup: {reason}")]
    NotABackup { path: PathBuf, reason: String },
    #[error(
        "{path} was made by a newer version of Seller Panel (schema {found}; this version supports up to {supported})"
    )]
    NewerSchema {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("the database inside {path} is damaged: {detail}")]
    Damaged { path: PathBuf, detail: String },
    #[error("could not replace the current data in {dir}: {source}")]
    Replace {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("could not read or clean up the backups folder {dir}: {source}")]
    Folder {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("database error during backup: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

type Result<T> = std::result::Result<T, BackupError>;

/// How every automatic backup's file name begins; [`prune`] deletes only these.
pub const AUTO_PREFIX: &str = "seller-panel-auto-";

/// Who made a backup, told by its file name: the daily automatic backups are named by
/// [`auto_file_name`]; every other backup (the app's button, `seller backup`, a file the user
/// named or copied in) is manual and is never deleted by [`prune`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum BackupKind {
    Manual,
    Automatic,
}

impl BackupKind {
    /// The kind of a backup file from its name; `None` when the name is not a backup's
    /// (`*.spbackup`).
    pub fn of_file_name(name: &str) -> Option<Self> {
        if !name.ends_with(&format!(".{EXTENSION}")) {
            return None;
        }
        Some(if name.starts_with(AUTO_PREFIX) {
            Self::Automatic
        } else {
            Self::Manual
        })
    }
}

fn dated_name(prefix: &str) -> String {
    format!(
        "{prefix}{}.{EXTENSION}",
        now_rfc3339().replace([':', '.'], "-")
    )
}

/// The name of a manual backup, sorting by date: `seller-panel-2026-11-25T03-11-28-123Z.spbackup`.
pub fn default_file_name() -> String {
    dated_name("seller-panel-")
}

/// The name of an automatic (daily) backup:
/// `seller-panel-auto-2026-11-25T03-11-28-123Z.spbackup`.
pub fn auto_file_name() -> String {
    dated_name(AUTO_PREFIX)
}

impl Store {
    /// Writes a backup of this store and the photos under `data_dir` to `dest`, atomically: the
    /// archive is written beside `dest` and renamed into place only once complete.
    pub fn backup_to(&self, data_dir: &Path, dest: &Path) -> Result<BackupManifest> {
        let write_err = |source| BackupError::Write {
            path: dest.to_owned(),
            source,
        };
        let parent = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(write_err)?;
        let scratch = tempfile::tempdir_in(parent).map_err(write_err)?;

        let db_copy = scratch.path().join(DATABASE_ENTRY);
        online_copy(&self.conn, &db_copy)?;
        // Counted in the copy, not the live file, which others may be writing to meanwhile.
        let (schema_version, product_count) = {
            let copy = Connection::open_with_flags(&db_copy, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            let version: u32 = copy.pragma_query_value(None, "user_version", |r| r.get(0))?;
            let products: u32 =
                copy.query_row("SELECT count(*) FROM seller_products", [], |r| r.get(0))?;
            (version, products)
        };
        let photos = photo_files(&data_dir.join(PHOTOS_DIR)).map_err(write_err)?;
        let manifest = BackupManifest {
            format: FORMAT,
            app_version: env!("CARGO_PKG_VERSION").to_owned(),
            schema_version,
            created_at: now_rfc3339(),
            photo_count: photos.len() as u32,
            product_count,
        };

        let partial = scratch.path().join("backup.partial");
        write_archive(&partial, &manifest, &db_copy, data_dir, &photos).map_err(write_err)?;
        // The whole shop: readable by this user only, wherever it is written.
        #[cfg(unix)]
        std::fs::set_permissions(
            &partial,
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .map_err(write_err)?;
        std::fs::rename(&partial, dest).map_err(write_err)?;
        tracing::info!(dest = %dest.display(), photos = photos.len(), "backup written");
        Ok(manifest)
    }
}

fn online_copy(conn: &Connection, target: &Path) -> Result<()> {
    let mut dst = Connection::open(target)?;
    rusqlite::backup::Backup::new(conn, &mut dst)?.run_to_completion(1024, Duration::ZERO, None)?;
    Ok(())
}

fn photo_files(dir: &Path) -> std::io::Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // Skips half-written imports (`.name.partial`) and anything that is not a photo file.
        if entry.file_type()?.is_file()
            && crate::products::is_photo_file_name(&format!("{PHOTOS_DIR}/{name}"))
        {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

fn write_archive(
    path: &Path,
    manifest: &BackupManifest,
    db_copy: &Path,
    data_dir: &Path,
    photos: &[String],
) -> std::io::Result<()> {
    let mut tar = tar::Builder::new(BufWriter::new(File::create(path)?));
    let json = serde_json::to_vec_pretty(manifest).map_err(std::io::Error::other)?;
    let mut header = tar::Header::new_gnu();
    header.set_size(json.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, MANIFEST_ENTRY, json.as_slice())?;
    tar.append_path_with_name(db_copy, DATABASE_ENTRY)?;
    for name in photos {
        tar.append_path_with_name(
            data_dir.join(PHOTOS_DIR).join(name),
            format!("{PHOTOS_DIR}/{name}"),
        )?;
    }
    let file = tar.into_inner()?.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()
}

/// Unpacks a backup into `dir` and checks it: a manifest, a schema this version can open, a
/// database that passes `PRAGMA integrity_check`, and only expected entries.
fn unpack_and_check(file: &Path, dir: &Path) -> Result<BackupManifest> {
    let not_backup = |reason: String| BackupError::NotABackup {
        path: file.to_owned(),
        reason,
    };
    check_entries(file)?;
    let reader = File::open(file).map_err(|e| not_backup(e.to_string()))?;
    let mut archive = tar::Archive::new(BufReader::new(reader));
    let entries = archive.entries().map_err(|e| not_backup(e.to_string()))?;
    std::fs::create_dir_all(dir.join(PHOTOS_DIR)).map_err(|e| not_backup(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| not_backup(e.to_string()))?;
        let name = entry
            .path()
            .map_err(|e| not_backup(e.to_string()))?
            .to_string_lossy()
            .into_owned();
        let allowed = name == MANIFEST_ENTRY
            || name == DATABASE_ENTRY
            || crate::products::is_photo_file_name(&name);
        if !allowed {
            return Err(not_backup(format!("unexpected entry {name:?}")));
        }
        entry
            .unpack(dir.join(&name))
            .map_err(|e| not_backup(e.to_string()))?;
    }
    let manifest: BackupManifest = std::fs::read(dir.join(MANIFEST_ENTRY))
        .map_err(|_| not_backup("no manifest".into()))
        .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| not_backup(e.to_string())))?;
    if manifest.schema_version > LATEST_VERSION {
        return Err(BackupError::NewerSchema {
            path: file.to_owned(),
            found: manifest.schema_version,
            supported: LATEST_VERSION,
        });
    }
    let damaged = |detail: String| BackupError::Damaged {
        path: file.to_owned(),
        detail,
    };
    let db = dir.join(DATABASE_ENTRY);
    if !db.is_file() {
        return Err(not_backup("no database".into()));
    }
    let conn = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| damaged(e.to_string()))?;
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| damaged(e.to_string()))?;
    if check != "ok" {
        return Err(damaged(check));
    }
    Ok(manifest)
}

/// Reads every entry's header before anything is unpacked: a backup holds plain files only,
/// each with a name a backup writes (the manifest, the database, `photos/<name>`). A symbolic
/// link, a hard link, a device, a folder entry, an absolute path or a `..` refuses the whole
/// file, so nothing of it is written anywhere.
fn check_entries(file: &Path) -> Result<()> {
    let not_backup = |reason: String| BackupError::NotABackup {
        path: file.to_owned(),
        reason,
    };
    let reader = File::open(file).map_err(|e| not_backup(e.to_string()))?;
    let mut archive = tar::Archive::new(BufReader::new(reader));
    let entries = archive.entries().map_err(|e| not_backup(e.to_string()))?;
    for entry in entries {
        let entry = entry.map_err(|e| not_backup(e.to_string()))?;
        let path = entry.path().map_err(|e| not_backup(e.to_string()))?;
        let name = path.to_string_lossy().into_owned();
        if path.is_absolute()
            || path
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(not_backup(format!(
                "entry {name:?} leaves the backup's folder"
            )));
        }
        let kind = entry.header().entry_type();
        if kind != tar::EntryType::Regular {
            return Err(not_backup(format!(
                "entry {name:?} is not a plain file ({kind:?})"
            )));
        }
        let allowed = name == MANIFEST_ENTRY
            || name == DATABASE_ENTRY
            || crate::products::is_photo_file_name(&name);
        if !allowed {
            return Err(not_backup(format!("unexpected entry {name:?}")));
        }
    }
    Ok(())
}

/// Reads and checks a backup without touching any data.
pub fn inspect(file: &Path) -> Result<BackupManifest> {
    let scratch = tempfile::tempdir().map_err(|e| BackupError::NotABackup {
        path: file.to_owned(),
        reason: e.to_string(),
    })?;
    unpack_and_check(file, scratch.path())
}

/// What a restore did: the backup's manifest, and where the data it replaced was kept.
#[derive(Debug, Clone)]
pub struct Restored {
    pub manifest: BackupManifest,
    pub previous_data: Option<PathBuf>,
}

/// Replaces the database and photos in `data_dir` with the backup's, after checking the whole
/// backup. The current data is moved to `data_dir/before-restore-<date>/`, never deleted. The
/// store must be closed (dropped) while this runs; open it again afterwards (an older backup
/// is then migrated, with its own pre-migration copy).
pub fn restore(file: &Path, data_dir: &Path) -> Result<Restored> {
    let replace_err = |source| BackupError::Replace {
        dir: data_dir.to_owned(),
        source,
    };
    let staging = tempfile::tempdir_in(data_dir).map_err(replace_err)?;
    let manifest = unpack_and_check(file, staging.path())?;

    let previous = data_dir.join(format!(
        "before-restore-{}",
        now_rfc3339().replace([':', '.'], "-")
    ));
    let mut moved_any = false;
    std::fs::create_dir_all(&previous).map_err(replace_err)?;
    for name in [
        DATABASE_ENTRY.to_owned(),
        format!("{DATABASE_ENTRY}-wal"),
        format!("{DATABASE_ENTRY}-shm"),
        PHOTOS_DIR.to_owned(),
    ] {
        let current = data_dir.join(&name);
        if current.exists() {
            std::fs::rename(&current, previous.join(&name)).map_err(replace_err)?;
            moved_any = true;
        }
    }
    std::fs::write(data_dir.join(RESTORED_MARKER), now_rfc3339()).map_err(replace_err)?;
    for name in [DATABASE_ENTRY, PHOTOS_DIR] {
        std::fs::rename(staging.path().join(name), data_dir.join(name)).map_err(replace_err)?;
    }
    if !moved_any {
        let _ = std::fs::remove_dir(&previous);
    }
    tracing::info!(file = %file.display(), previous = %previous.display(), "backup restored");
    Ok(Restored {
        manifest,
        previous_data: moved_any.then_some(previous),
    })
}

/// Deletes the automatic backups in `dir` (named by [`auto_file_name`]) last modified more than
/// `keep_days` before `now`; returns how many were removed. Manual backups and any other file
/// are never touched.
pub fn prune(dir: &Path, keep_days: u32, now: SystemTime) -> std::io::Result<usize> {
    let max_age = Duration::from_secs(u64::from(keep_days) * 24 * 3600);
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if BackupKind::of_file_name(&name) != Some(BackupKind::Automatic)
            || !entry.file_type()?.is_file()
        {
            continue;
        }
        let age = now
            .duration_since(entry.metadata()?.modified()?)
            .unwrap_or_default();
        if age > max_age {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Whether the daily automatic backup is due in `dir`: true unless an automatic backup there was
/// last modified on `now`'s calendar day (in `now`'s time zone). Manual backups do not count, so
/// a one-click backup does not skip the day's automatic one. A missing folder means due.
pub fn daily_backup_due<Tz: TimeZone>(dir: &Path, now: &DateTime<Tz>) -> std::io::Result<bool> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(true),
        Err(err) => return Err(err),
    };
    let today = now.date_naive();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if BackupKind::of_file_name(&name) != Some(BackupKind::Automatic)
            || !entry.file_type()?.is_file()
        {
            continue;
        }
        let modified = DateTime::<Utc>::from(entry.metadata()?.modified()?);
        if modified.with_timezone(&now.timezone()).date_naive() == today {
            return Ok(false);
        }
    }
    Ok(true)
}

/// What [`Store::daily_backup_if_due`] did when it wrote a backup.
#[derive(Debug, Clone)]
pub struct DailyBackup {
    pub file: PathBuf,
    pub manifest: BackupManifest,
    /// Automatic backups deleted because they were older than the days to keep.
    pub removed: usize,
}

impl Store {
    /// The daily automatic backup: when none was made in `backups_dir` on `now`'s day, writes
    /// one there (named by [`auto_file_name`]) and then deletes the automatic backups older than
    /// `keep_days` ([`prune`]). Returns `None` when today's was already made.
    pub fn daily_backup_if_due<Tz: TimeZone>(
        &self,
        data_dir: &Path,
        backups_dir: &Path,
        keep_days: u32,
        now: &DateTime<Tz>,
    ) -> Result<Option<DailyBackup>> {
        let io_err = |source| BackupError::Folder {
            dir: backups_dir.to_owned(),
            source,
        };
        if !daily_backup_due(backups_dir, now).map_err(io_err)? {
            return Ok(None);
        }
        let file = backups_dir.join(auto_file_name());
        let manifest = self.backup_to(data_dir, &file)?;
        let removed =
            prune(backups_dir, keep_days, SystemTime::from(now.clone())).map_err(io_err)?;
        Ok(Some(DailyBackup {
            file,
            manifest,
            removed,
        }))
    }
}
