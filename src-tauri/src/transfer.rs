//! Files in and out: the inventory CSV import (preview, import with progress, cancel) and the
//! exports (inventory, orders, accounting registers) written into the exports folder. Thin: the
//! store reads, checks and writes; this module only names files and moves bytes.
//!
//! Exports never overwrite: a name already taken gets `-2`, `-3`, … before its extension, and a
//! file whose writing fails is removed. There is no save dialog (end-to-end tests cannot drive
//! one): the folder is an app setting, shown and editable in Settings, and each command returns
//! the full path it wrote.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;
use chrono::NaiveDate;
use seller_store::FieldErrorCode;
use seller_store::csv::{CsvImportOptions, CsvLanguage, CsvPreview, ImportReport};
use seller_store::orders::OrderQuery;
use seller_store::products::{ProductQuery, SortDir};
use seller_store::registers::{self, RegisterKind};
use serde::{Deserialize, Serialize};
use tauri::State;
use tauri::ipc::Channel;

use crate::error::{AppError, ErrorCode};
use crate::state::AppState;

const EXPORT_DIR_KEY: &str = "export_dir";
const BUSINESS_NAME_KEY: &str = "business_name";
/// The folder inside the data folder used when the OS has no Downloads folder.
pub const EXPORTS_DIR: &str = "exports";
/// Longest business name kept.
const MAX_BUSINESS_NAME_CHARS: usize = 200;

/// What the transfer commands share besides the store: where exports go by default, and the
/// import in progress (so that a cancel reaches it without waiting for the store).
pub struct Transfer {
    default_export_dir: PathBuf,
    current_import: Mutex<Option<Arc<AtomicBool>>>,
}

impl Transfer {
    /// Exports go to the OS Downloads folder by default; to `<data>/exports/` when the data
    /// folder was chosen explicitly (tests, portable installs) or the OS has no Downloads folder.
    pub fn new(data_dir: &Path, data_dir_is_explicit: bool) -> Self {
        let downloads = (!data_dir_is_explicit).then(dirs::download_dir).flatten();
        Self {
            default_export_dir: downloads.unwrap_or_else(|| data_dir.join(EXPORTS_DIR)),
            current_import: Mutex::new(None),
        }
    }
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportSettings {
    /// Where exports are written.
    pub export_dir: String,
    /// Where they go when the user has not chosen a folder.
    pub default_export_dir: String,
    /// Printed at the top of the PDF registers; empty when not given.
    pub business_name: String,
}

#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportSettingsDraft {
    /// An absolute path; empty for the default folder.
    pub export_dir: String,
    pub business_name: String,
}

/// A file an export wrote.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportedFile {
    /// The full path.
    pub path: String,
    pub file_name: String,
    /// Products, orders or register entries written.
    pub count: u32,
}

/// Where an import is: rows inserted out of rows to insert.
#[derive(Debug, Clone, Copy, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportProgress {
    pub done: u32,
    pub total: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum RegisterFormat {
    Csv,
    Pdf,
}

/// Which register to export, for which days (`YYYY-MM-DD`, both included) and account, how.
#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RegisterExport {
    pub kind: RegisterKind,
    pub from: String,
    pub to: String,
    /// One account's id; `None` for all.
    pub account: Option<String>,
    pub format: RegisterFormat,
    pub lang: CsvLanguage,
}

fn export_settings(
    transfer: &Transfer,
    dir: Option<String>,
    name: Option<String>,
) -> ExportSettings {
    let default = transfer.default_export_dir.display().to_string();
    ExportSettings {
        export_dir: dir
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| default.clone()),
        default_export_dir: default,
        business_name: name.unwrap_or_default(),
    }
}

async fn current_export_settings(
    state: &AppState,
    transfer: &Transfer,
) -> Result<ExportSettings, AppError> {
    let (dir, name) = state
        .with_store(|store| {
            Ok((
                store.setting(EXPORT_DIR_KEY)?,
                store.setting(BUSINESS_NAME_KEY)?,
            ))
        })
        .await?;
    Ok(export_settings(transfer, dir, name))
}

#[tauri::command]
#[specta::specta]
pub async fn get_export_settings(
    state: State<'_, AppState>,
    transfer: State<'_, Transfer>,
) -> Result<ExportSettings, AppError> {
    current_export_settings(&state, &transfer).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_export_settings(
    state: State<'_, AppState>,
    transfer: State<'_, Transfer>,
    settings: ExportSettingsDraft,
) -> Result<ExportSettings, AppError> {
    let dir = settings.export_dir.trim().to_owned();
    if !dir.is_empty() && !Path::new(&dir).is_absolute() {
        return Err(AppError::field(
            "exportDir",
            FieldErrorCode::Invalid,
            format!("{dir:?} is not an absolute path"),
        ));
    }
    let name = settings.business_name.trim().to_owned();
    if name.chars().count() > MAX_BUSINESS_NAME_CHARS {
        return Err(AppError::field(
            "businessName",
            FieldErrorCode::TooLong,
            "the business name is too long",
        ));
    }
    state
        .with_store(move |store| {
            store.set_setting(EXPORT_DIR_KEY, &dir)?;
            Ok(store.set_setting(BUSINESS_NAME_KEY, &name)?)
        })
        .await?;
    current_export_settings(&state, &transfer).await
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
    let cancel = Arc::new(AtomicBool::new(false));
    *lock(&transfer.current_import) = Some(cancel.clone());
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
    let mut current = lock(&transfer.current_import);
    if current.as_ref().is_some_and(|c| Arc::ptr_eq(c, &cancel)) {
        *current = None;
    }
    drop(current);
    let report = outcome?;
    tracing::info!(file = %file_name, imported = report.imported, skipped = report.skipped, "inventory imported");
    Ok(report)
}

/// The guard even after a panic elsewhere: the slot holds only a cancel flag, always whole.
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Asks the import in progress to stop (it then rolls back). `false` when none is running.
#[tauri::command]
#[specta::specta]
pub async fn cancel_import(transfer: State<'_, Transfer>) -> Result<bool, AppError> {
    let current = lock(&transfer.current_import);
    Ok(match current.as_ref() {
        Some(flag) => {
            flag.store(true, Ordering::Relaxed);
            true
        }
        None => false,
    })
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
    let folder = export_folder(&state, &transfer).await?;
    let stem = match lang {
        CsvLanguage::Fr => "inventaire",
        CsvLanguage::En => "inventory",
    };
    let name = format!("{stem}-{}", today());
    let options = seller_store::csv::CsvExportOptions::for_language(lang);
    state
        .with_store(move |store| {
            write_unique(&folder, &name, "csv", |out| {
                Ok(store.export_inventory_csv(&query, &options, out)?)
            })
        })
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
    let (first, last, start, end) = period(&from, &to)?;
    let folder = export_folder(&state, &transfer).await?;
    let stem = match lang {
        CsvLanguage::Fr => "commandes",
        CsvLanguage::En => "orders",
    };
    let name = format!("{stem}-{first}_{last}");
    let query = OrderQuery {
        seller_account_id: account.filter(|a| !a.trim().is_empty()),
        from: Some(start),
        to: Some(end),
        sort_dir: SortDir::Asc,
        ..OrderQuery::default()
    };
    state
        .with_store(move |store| {
            write_unique(&folder, &name, "csv", |out| {
                Ok(store.export_orders_csv(&query, lang, out)?)
            })
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
    let RegisterExport {
        kind,
        from,
        to,
        account,
        format,
        lang,
    } = request;
    let (first, last, start, end) = period(&from, &to)?;
    let settings = current_export_settings(&state, &transfer).await?;
    let folder = PathBuf::from(&settings.export_dir);
    let stem = match (kind, lang) {
        (RegisterKind::Receipts, CsvLanguage::Fr) => "livre-des-recettes",
        (RegisterKind::Purchases, CsvLanguage::Fr) => "registre-des-achats",
        (RegisterKind::Receipts, CsvLanguage::En) => "receipts-register",
        (RegisterKind::Purchases, CsvLanguage::En) => "purchases-register",
    };
    let name = format!("{stem}-{first}_{last}");
    let account = account.filter(|a| !a.trim().is_empty());
    let business = settings.business_name;
    state
        .with_store(move |store| {
            let register = store.register(kind, &start, &end, account.as_deref())?;
            let shop = if business.is_empty() {
                match &account {
                    Some(id) => store.account(id)?.name,
                    None => String::new(),
                }
            } else {
                business
            };
            let count = u32::try_from(register.rows.len()).unwrap_or(u32::MAX);
            let extension = match format {
                RegisterFormat::Csv => "csv",
                RegisterFormat::Pdf => "pdf",
            };
            write_unique(&folder, &name, extension, |out| {
                match format {
                    RegisterFormat::Csv => registers::write_register_csv(&register, lang, out)?,
                    RegisterFormat::Pdf => {
                        registers::write_register_pdf(&register, lang, &shop, out)?
                    }
                }
                Ok(count)
            })
        })
        .await
}

async fn export_folder(state: &AppState, transfer: &Transfer) -> Result<PathBuf, AppError> {
    Ok(PathBuf::from(
        current_export_settings(state, transfer).await?.export_dir,
    ))
}

fn today() -> String {
    chrono::Local::now().format("%Y-%m-%d").to_string()
}

/// The days of a period and its bounds `[start, end)` in RFC 3339.
fn period(from: &str, to: &str) -> Result<(NaiveDate, NaiveDate, String, String), AppError> {
    let day = |field: &str, text: &str| {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
            AppError::field(
                field,
                FieldErrorCode::Invalid,
                format!("{text:?} is not a day"),
            )
        })
    };
    let (first, last) = (day("from", from)?, day("to", to)?);
    if last < first {
        return Err(AppError::field(
            "to",
            FieldErrorCode::Invalid,
            format!("{last} is before {first}"),
        ));
    }
    let (start, end) = registers::local_day_period(first, last);
    Ok((first, last, start, end))
}

/// Creates `<folder>/<stem>.<extension>`, or `<stem>-2.<extension>`, `-3`, … when taken (never
/// overwriting), lets `write` fill it, and removes it if that fails.
fn write_unique(
    folder: &Path,
    stem: &str,
    extension: &str,
    write: impl FnOnce(&mut dyn Write) -> Result<u32, AppError>,
) -> Result<ExportedFile, AppError> {
    std::fs::create_dir_all(folder).map_err(|e| {
        AppError::new(
            ErrorCode::Io,
            format!("cannot create the exports folder {}: {e}", folder.display()),
        )
    })?;
    let (path, file) = create_unique(folder, stem, extension)?;
    let mut out = BufWriter::new(file);
    let written = write(&mut out).and_then(|count| {
        out.flush()?;
        Ok(count)
    });
    drop(out);
    match written {
        Ok(count) => {
            tracing::info!(path = %path.display(), count, "export written");
            Ok(ExportedFile {
                file_name: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                path: path.display().to_string(),
                count,
            })
        }
        Err(err) => {
            let _ = std::fs::remove_file(&path);
            Err(err)
        }
    }
}

fn create_unique(folder: &Path, stem: &str, extension: &str) -> Result<(PathBuf, File), AppError> {
    for n in 1..10_000 {
        let name = if n == 1 {
            format!("{stem}.{extension}")
        } else {
            format!("{stem}-{n}.{extension}")
        };
        let path = folder.join(name);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(AppError::new(
        ErrorCode::Io,
        format!("too many files named {stem} in {}", folder.display()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_never_overwrite_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("nested");
        let names: Vec<String> = (0..3)
            .map(|n| {
                write_unique(&folder, "inventaire-2026-11-25", "csv", |out| {
                    out.write_all(format!("file {n}").as_bytes())?;
                    Ok(1)
                })
                .unwrap()
                .file_name
            })
            .collect();
        assert_eq!(
            names,
            [
                "inventaire-2026-11-25.csv",
                "inventaire-2026-11-25-2.csv",
                "inventaire-2026-11-25-3.csv"
            ]
        );
        assert_eq!(
            std::fs::read_to_string(folder.join("inventaire-2026-11-25.csv")).unwrap(),
            "file 0"
        );
    }

    #[test]
    fn a_failed_export_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_unique(dir.path(), "x", "pdf", |out| {
            out.write_all(b"half")?;
            Err(AppError::internal("boom"))
        })
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::Internal);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn periods_are_whole_days_in_order() {
        let (first, last, start, end) = period("2026-01-01", "2026-12-31").unwrap();
        assert_eq!(first.to_string(), "2026-01-01");
        assert_eq!(last.to_string(), "2026-12-31");
        assert!(start < end);
        assert_eq!(
            period("2026-02-01", "2026-01-01").unwrap_err().fields[0].field,
            "to"
        );
        assert_eq!(
            period("01/02/2026", "2026-03-01").unwrap_err().fields[0].field,
            "from"
        );
    }

    #[test]
    fn exports_go_to_the_data_folder_when_it_was_chosen() {
        let transfer = Transfer::new(Path::new("/data"), true);
        assert_eq!(transfer.default_export_dir, Path::new("/data/exports"));
        let settings = export_settings(&transfer, Some("  ".into()), None);
        assert_eq!(settings.export_dir, "/data/exports");
        let settings = export_settings(&transfer, Some("/tmp/x".into()), Some("Zoé".into()));
        assert_eq!(settings.export_dir, "/tmp/x");
        assert_eq!(settings.business_name, "Zoé");
    }
}
