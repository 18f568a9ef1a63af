//! Files in and out: the inventory CSV import (preview, import with progress over a channel,
//! cancel) and the exports into the exports folder, which the store writes
//! (`seller_store::transfer`).

use std::path::{Path, PathBuf};

use base64::Engine;
use seller_store::FieldErrorCode;
use seller_store::csv::{CsvImportOptions, CsvLanguage, CsvPreview, ImportReport};
use seller_store::products::ProductQuery;
use seller_store::transfer::{
    ExportSettings, ExportSettingsDraft, ExportedFile, ImportProgress, ImportSlot, RegisterExport,
};
use tauri::State;
use tauri::ipc::Channel;

use crate::error::AppError;
use crate::state::AppState;

/// What the transfer commands share besides the store: where exports go by default, and the
/// import in progress (so that a cancel reaches it without waiting for the store).
pub struct Transfer {
    pub(crate) default_export_dir: PathBuf,
    import: ImportSlot,
}

impl Transfer {
    pub fn new(data_dir: &Path, data_dir_is_explicit: bool) -> Self {
        Self {
            default_export_dir: seller_store::transfer::default_export_dir(
                data_dir,
                data_dir_is_explicit,
            ),
            import: ImportSlot::default(),
        }
    }
}

#[tauri::command]
#[specta::specta]
pub async fn get_export_settings(
    state: State<'_, AppState>,
    transfer: State<'_, Transfer>,
) -> Result<ExportSettings, AppError> {
    let default = transfer.default_export_dir.clone();
    state
        .with_store(move |store| Ok(store.export_settings(&default)?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn set_export_settings(
    state: State<'_, AppState>,
    transfer: State<'_, Transfer>,
    settings: ExportSettingsDraft,
) -> Result<ExportSettings, AppError> {
    let default = transfer.default_export_dir.clone();
    state
        .with_store(move |store| Ok(store.set_export_settings(&settings, &default)?))
        .await
}

fn decode(file_name: &str, contents_base64: &str) -> Result<Vec<u8>, AppError> {
    base64::engine::general_purpose::STANDARD
        .decode(contents_base64.as_bytes())
        .map_err(|e| AppError::field("file", FieldErrorCode::Invalid, format!("{file_name}: {e}")))
}

/// What importing a CSV file would do, writing nothing: the format found, the column mapping
/// (the caller's, else the one remembered for this header, else a guess), every wrong row and a
/// sample of the valid ones.
#[tauri::command]
#[specta::specta]
pub async fn preview_inventory_import(
    state: State<'_, AppState>,
    file_name: String,
    contents_base64: String,
    options: CsvImportOptions,
) -> Result<CsvPreview, AppError> {
    let bytes = decode(&file_name, &contents_base64)?;
    state
        .with_store(move |store| Ok(store.preview_inventory_csv(&bytes, &options)?))
        .await
}

/// Imports a CSV file in one transaction (every valid row, or nothing), reporting progress on
/// `progress`; [`cancel_import`] stops it and leaves nothing behind.
#[tauri::command]
#[specta::specta]
pub async fn import_inventory(
    state: State<'_, AppState>,
    transfer: State<'_, Transfer>,
    file_name: String,
    contents_base64: String,
    options: CsvImportOptions,
    progress: Channel<ImportProgress>,
) -> Result<ImportReport, AppError> {
    let bytes = decode(&file_name, &contents_base64)?;
    let cancel = transfer.import.begin();
    let flag = cancel.clone();
    let outcome = state
        .with_store(move |store| {
            let mut report = |done: u32, total: u32| {
                // A closed window is no reason to stop the import.
                let _ = progress.send(ImportProgress { done, total });
            };
            Ok(store.import_inventory_csv(&bytes, &options, &mut report, &flag)?)
        })
        .await;
    transfer.import.end(&cancel);
    let report = outcome?;
    tracing::info!(file = %file_name, imported = report.imported, skipped = report.skipped, "inventory imported");
    Ok(report)
}

/// Asks the import in progress to stop (it then rolls back). `false` when none is running.
#[tauri::command]
#[specta::specta]
pub async fn cancel_import(transfer: State<'_, Transfer>) -> Result<bool, AppError> {
    Ok(transfer.import.cancel())
}

/// The products `query` matches (what the inventory list shows, every page), as a CSV the
/// importer reads back.
#[tauri::command]
#[specta::specta]
pub async fn export_inventory(
    state: State<'_, AppState>,
    transfer: State<'_, Transfer>,
    query: ProductQuery,
    lang: CsvLanguage,
) -> Result<ExportedFile, AppError> {
    let default = transfer.default_export_dir.clone();
    state
        .with_store(move |store| Ok(store.export_inventory_file(&default, &query, lang)?))
        .await
}

/// Every order of the days `from` to `to` (included, `YYYY-MM-DD`, in this machine's time
/// zone), one account or all, oldest first, as CSV.
#[tauri::command]
#[specta::specta]
pub async fn export_orders(
    state: State<'_, AppState>,
    transfer: State<'_, Transfer>,
    from: String,
    to: String,
    account: Option<String>,
    lang: CsvLanguage,
) -> Result<ExportedFile, AppError> {
    let default = transfer.default_export_dir.clone();
    state
        .with_store(move |store| {
            Ok(store.export_orders_file(&default, (&from, &to), account, lang)?)
        })
        .await
}

/// The receipts or purchases register of the days `from` to `to` (included, `YYYY-MM-DD`, in
/// this machine's time zone), one account or all, as CSV or PDF.
#[tauri::command]
#[specta::specta]
pub async fn export_register(
    state: State<'_, AppState>,
    transfer: State<'_, Transfer>,
    request: RegisterExport,
) -> Result<ExportedFile, AppError> {
    let default = transfer.default_export_dir.clone();
    state
        .with_store(move |store| Ok(store.export_register_file(&default, request)?))
        .await
}
