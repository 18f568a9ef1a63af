//! Backups from the app: one click (manual, never deleted by the app), daily automatic ones kept
//! for a number of days, and restores that the store checks before replacing anything.

use std::time::Duration;

use seller_store::backup_files::{
    self, BackupFile, BackupMade, BackupSettings, RestoreOutcome, backups_dir,
};
use tauri::State;

use crate::error::{AppError, ErrorCode};
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn get_backup_settings(state: State<'_, AppState>) -> Result<BackupSettings, AppError> {
    state.with_store(|store| Ok(store.backup_settings()?)).await
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
        .with_store(move |store| Ok(store.set_backup_settings(&saved)?))
        .await?;
    Ok(settings)
}

#[tauri::command]
#[specta::specta]
pub async fn backup_now(state: State<'_, AppState>) -> Result<BackupMade, AppError> {
    let data_dir = state.data_dir().to_owned();
    state
        .with_store(move |store| Ok(store.backup_now(&data_dir)?))
        .await
}

/// The backups in the data folder, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_backups(state: State<'_, AppState>) -> Result<Vec<BackupFile>, AppError> {
    let folder = backups_dir(state.data_dir());
    tauri::async_runtime::spawn_blocking(move || Ok(backup_files::list_backups(&folder)?))
        .await
        .map_err(AppError::internal)?
}

/// Restores one of the backups listed by [`list_backups`] (a bare file name: nothing outside
/// the backups folder can be named). The UI asks the user first.
#[tauri::command]
#[specta::specta]
pub async fn restore_backup(
    state: State<'_, AppState>,
    file_name: String,
) -> Result<RestoreOutcome, AppError> {
    let Some(file) = backup_files::named_backup(state.data_dir(), &file_name) else {
        return Err(AppError::new(
            ErrorCode::NotABackup,
            format!("{file_name:?} is not a backup of this app"),
        ));
    };
    state
        .replace_data(move |data_dir| Ok(backup_files::restore(&file, data_dir)?))
        .await
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
    let data_dir = state.data_dir().to_owned();
    // Decided and written under the store's lock, so two checks cannot both write today's.
    let made = state
        .with_store(move |store| {
            let settings = store.backup_settings()?;
            if !settings.auto_daily {
                return Ok(None);
            }
            let folder = backups_dir(&data_dir);
            let now = chrono::Local::now();
            Ok(store.daily_backup_if_due(&data_dir, &folder, settings.keep_days, &now)?)
        })
        .await?;
    if let Some(made) = made {
        tracing::info!(file = %made.file.display(), removed = made.removed, "automatic backup written");
    }
    Ok(())
}
