//! Backups from the app: one click (manual, never deleted by the app), daily automatic ones kept
//! for a number of days, and restores that the store checks before replacing anything.

use std::path::{Path, PathBuf};
use std::time::Duration;

use seller_store::backup::{self, BackupKind, BackupManifest};
use seller_store::data_dir::BACKUPS_DIR;
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::error::{AppError, ErrorCode};
use crate::state::AppState;

const AUTO_KEY: &str = "backup_auto_daily";
const KEEP_DAYS_KEY: &str = "backup_keep_days";
const DEFAULT_KEEP_DAYS: u32 = 14;

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackupSettings {
    pub auto_daily: bool,
    pub keep_days: u32,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackupFile {
    pub file_name: String,
    /// Automatic (daily, deleted after the days to keep) or manual (never deleted by the app).
    pub kind: BackupKind,
    pub size_bytes: u64,
    pub modified_at: String,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackupMade {
    pub file_name: String,
    pub folder: String,
    pub manifest: BackupManifest,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RestoreOutcome {
    pub manifest: BackupManifest,
    /// Where the replaced data was kept, if there was any.
    pub previous_data: Option<String>,
}

fn backups_dir(state: &AppState) -> PathBuf {
    state.data_dir().join(BACKUPS_DIR)
}

fn settings_from(auto: Option<String>, keep: Option<String>) -> BackupSettings {
    BackupSettings {
        auto_daily: auto.as_deref() != Some("false"),
        keep_days: keep
            .and_then(|k| k.parse().ok())
            .unwrap_or(DEFAULT_KEEP_DAYS),
    }
}

async fn backup_settings(state: &AppState) -> Result<BackupSettings, AppError> {
    state
        .with_store(|store| {
            Ok(settings_from(
                store.setting(AUTO_KEY)?,
                store.setting(KEEP_DAYS_KEY)?,
            ))
        })
        .await
}

async fn write_backup(state: &AppState) -> Result<BackupMade, AppError> {
    let (data_dir, folder) = (state.data_dir().to_owned(), backups_dir(state));
    let file_name = backup::default_file_name();
    let dest = folder.join(&file_name);
    let manifest = state
        .with_store(move |store| Ok(store.backup_to(&data_dir, &dest)?))
        .await?;
    Ok(BackupMade {
        file_name,
        folder: folder.display().to_string(),
        manifest,
    })
}

#[tauri::command]
#[specta::specta]
pub async fn get_backup_settings(state: State<'_, AppState>) -> Result<BackupSettings, AppError> {
    backup_settings(&state).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_backup_settings(
    state: State<'_, AppState>,
    settings: BackupSettings,
) -> Result<BackupSettings, AppError> {
    if !(1..=3650).contains(&settings.keep_days) {
        return Err(AppError::field(
            "keepDays",
            seller_store::FieldErrorCode::Invalid,
            format!(
                "keep {} days: choose between 1 and 3650",
                settings.keep_days
            ),
        ));
    }
    let saved = settings.clone();
    state
        .with_store(move |store| {
            store.set_setting(AUTO_KEY, if saved.auto_daily { "true" } else { "false" })?;
            Ok(store.set_setting(KEEP_DAYS_KEY, &saved.keep_days.to_string())?)
        })
        .await?;
    Ok(settings)
}

#[tauri::command]
#[specta::specta]
pub async fn backup_now(state: State<'_, AppState>) -> Result<BackupMade, AppError> {
    write_backup(&state).await
}

/// The backups in the data folder, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_backups(state: State<'_, AppState>) -> Result<Vec<BackupFile>, AppError> {
    let folder = backups_dir(&state);
    tauri::async_runtime::spawn_blocking(move || backup_files(&folder))
        .await
        .map_err(AppError::internal)?
}

fn backup_files(folder: &Path) -> Result<Vec<BackupFile>, AppError> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err.into()),
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

/// Restores one of the backups listed by [`list_backups`] (a bare file name: nothing outside
/// the backups folder can be named). The UI asks the user first.
#[tauri::command]
#[specta::specta]
pub async fn restore_backup(
    state: State<'_, AppState>,
    file_name: String,
) -> Result<RestoreOutcome, AppError> {
    let is_plain_name = !file_name.is_empty()
        && !file_name.contains(['/', '\\'])
        && !file_name.starts_with('.')
        && file_name.ends_with(&format!(".{}", backup::EXTENSION));
    if !is_plain_name {
        return Err(AppError::new(
            ErrorCode::NotABackup,
            format!("{file_name:?} is not a backup of this app"),
        ));
    }
    let file = backups_dir(&state).join(&file_name);
    let restored = state
        .replace_data(move |data_dir| Ok(backup::restore(&file, data_dir)?))
        .await?;
    Ok(RestoreOutcome {
        manifest: restored.manifest,
        previous_data: restored.previous_data.map(|p| p.display().to_string()),
    })
}

/// Once an hour: when daily backups are on and no automatic backup was made today (local
/// time), write one and delete the automatic backups older than the days to keep. Manual
/// backups are never deleted.
pub fn spawn_daily_backups(state: AppState) {
    tauri::async_runtime::spawn(async move {
        // Let the window open first.
        tokio::time::sleep(Duration::from_secs(60)).await;
        loop {
            if let Err(err) = daily_backup_if_due(&state).await {
                tracing::error!(%err, "automatic backup failed");
            }
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    });
}

async fn daily_backup_if_due(state: &AppState) -> Result<(), AppError> {
    let settings = backup_settings(state).await?;
    if !settings.auto_daily {
        return Ok(());
    }
    let (data_dir, folder) = (state.data_dir().to_owned(), backups_dir(state));
    // Decided and written under the store's lock, so two checks cannot both write today's.
    let made = state
        .with_store(move |store| {
            Ok(store.daily_backup_if_due(
                &data_dir,
                &folder,
                settings.keep_days,
                &chrono::Local::now(),
            )?)
        })
        .await?;
    if let Some(made) = made {
        tracing::info!(file = %made.file.display(), removed = made.removed, "automatic backup written");
    }
    Ok(())
}
