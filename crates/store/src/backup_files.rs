//! The backups folder as the app shows it: its settings (daily backups, days to keep), the
//! files in it, a backup written there in one click, and a restore named by a bare file name.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::backup::{self, BackupError, BackupKind, BackupManifest};
use crate::data_dir::BACKUPS_DIR;
use crate::{Store, StoreError};

const AUTO_KEY: &str = "backup_auto_daily";
const KEEP_DAYS_KEY: &str = "backup_keep_days";
const DEFAULT_KEEP_DAYS: u32 = 14;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BackupSettings {
    pub auto_daily: bool,
    pub keep_days: u32,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BackupFile {
    pub file_name: String,
    /// Automatic (daily, deleted after the days to keep) or manual (never deleted by the app).
    pub kind: BackupKind,
    pub size_bytes: u64,
    pub modified_at: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BackupMade {
    pub file_name: String,
    pub folder: String,
    pub manifest: BackupManifest,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RestoreOutcome {
    pub manifest: BackupManifest,
    /// Where the replaced data was kept, if there was any.
    pub previous_data: Option<String>,
}

pub fn backups_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(BACKUPS_DIR)
}

impl Store {
    pub fn backup_settings(&self) -> Result<BackupSettings, StoreError> {
        Ok(BackupSettings {
            auto_daily: self.setting(AUTO_KEY)?.as_deref() != Some("false"),
            keep_days: self
                .setting(KEEP_DAYS_KEY)?
                .and_then(|k| k.parse().ok())
                .unwrap_or(DEFAULT_KEEP_DAYS),
        })
    }

    pub fn set_backup_settings(&mut self, settings: &BackupSettings) -> Result<(), StoreError> {
        let auto = if settings.auto_daily { "true" } else { "false" };
        self.set_setting(AUTO_KEY, auto)?;
        self.set_setting(KEEP_DAYS_KEY, &settings.keep_days.to_string())
    }

    /// A manual backup (never deleted by the app) in the data folder's backups folder.
    pub fn backup_now(&self, data_dir: &Path) -> Result<BackupMade, BackupError> {
        let folder = backups_dir(data_dir);
        let file_name = backup::default_file_name();
        let manifest = self.backup_to(data_dir, &folder.join(&file_name))?;
        Ok(BackupMade {
            file_name,
            folder: folder.display().to_string(),
            manifest,
        })
    }
}

/// The backups in `folder`, newest first.
pub fn list_backups(folder: &Path) -> std::io::Result<Vec<BackupFile>> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(kind) = BackupKind::of_file_name(&file_name) else {
            continue;
        };
        let meta = entry.metadata()?;
        let modified: chrono::DateTime<chrono::Utc> = meta.modified()?.into();
        files.push(BackupFile {
            file_name,
            kind,
            size_bytes: meta.len(),
            modified_at: modified.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        });
    }
    files.sort_by(|a, b| b.modified_at.cmp(&a.modified_at));
    Ok(files)
}

/// The backup `file_name` names in the backups folder, for a bare backup file name only:
/// nothing outside the folder can be named.
pub fn named_backup(data_dir: &Path, file_name: &str) -> Option<PathBuf> {
    let is_plain_name = !file_name.is_empty()
        && !file_name.contains(['/', '\\'])
        && !file_name.starts_with('.')
        && file_name.ends_with(&format!(".{}", backup::EXTENSION));
    is_plain_name.then(|| backups_dir(data_dir).join(file_name))
}

/// Restores `file` into `data_dir` (the store must be closed), checking everything first.
pub fn restore(file: &Path, data_dir: &Path) -> Result<RestoreOutcome, BackupError> {
    let restored = backup::restore(file, data_dir)?;
    Ok(RestoreOutcome {
        manifest: restored.manifest,
        previous_data: restored.previous_data.map(|p| p.display().to_string()),
    })
}
