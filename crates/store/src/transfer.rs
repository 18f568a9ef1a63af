//! Files in and out: the import in progress (to cancel it), and the inventory, orders and
//! register exports, written into the exports folder (an
//! app setting, shown and editable in Settings), and the settings that name it.
//!
//! Exports never overwrite: a name already taken gets `-2`, `-3`, … before its extension, and a
//! file whose writing fails is removed. There is no save dialog (end-to-end tests cannot drive
//! one); each export returns the full path it wrote.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::csv::{CsvError, CsvExportOptions, CsvLanguage};
use crate::orders::OrderQuery;
use crate::products::{ProductQuery, SortDir};
use crate::registers::{self, RegisterKind};
use crate::{FieldErrorCode, Store, StoreError};

const EXPORT_DIR_KEY: &str = "export_dir";
const BUSINESS_NAME_KEY: &str = "business_name";
/// The folder inside the data folder used when the OS has no Downloads folder.
pub const EXPORTS_DIR: &str = "exports";
/// Longest business name kept.
const MAX_BUSINESS_NAME_CHARS: usize = 200;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ExportSettings {
    /// Where exports are written.
    pub export_dir: String,
    /// Where they go when the user has not chosen a folder.
    pub default_export_dir: String,
    /// Printed at the top of the PDF registers; empty when not given.
    pub business_name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ExportSettingsDraft {
    /// An absolute path; empty for the default folder.
    pub export_dir: String,
    pub business_name: String,
}

/// A file an export wrote.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ExportedFile {
    /// The full path.
    pub path: String,
    pub file_name: String,
    /// Products, orders or register entries written.
    pub count: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum RegisterFormat {
    Csv,
    Pdf,
}

/// Which register to export, for which days (`YYYY-MM-DD`, both included) and account, how.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
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

/// Why an export (or its settings) failed; nothing is left half written.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// A field of the request is wrong (`field` as the UI names it).
    #[error("{message}")]
    Invalid {
        field: &'static str,
        code: FieldErrorCode,
        message: String,
    },
    /// The exports folder cannot be created, or holds too many files of that name.
    #[error("{0}")]
    Folder(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Csv(#[from] CsvError),
}

fn invalid(field: &'static str, message: String) -> TransferError {
    TransferError::Invalid {
        field,
        code: FieldErrorCode::Invalid,
        message,
    }
}

/// Where an import is: rows inserted out of rows to insert.
#[derive(Debug, Clone, Copy, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ImportProgress {
    pub done: u32,
    pub total: u32,
}

/// The import in progress, so that a cancel reaches it without waiting for the store's lock:
/// its flag, which the import checks between rows (and then rolls back).
#[derive(Debug, Default)]
pub struct ImportSlot {
    current: Mutex<Option<Arc<AtomicBool>>>,
}

impl ImportSlot {
    /// A new import's cancel flag, which a later [`ImportSlot::cancel`] raises.
    pub fn begin(&self) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        *self.lock() = Some(flag.clone());
        flag
    }

    /// The import of `flag` is over; a newer import's flag stays.
    pub fn end(&self, flag: &Arc<AtomicBool>) {
        let mut current = self.lock();
        if current.as_ref().is_some_and(|c| Arc::ptr_eq(c, flag)) {
            *current = None;
        }
    }

    /// Asks the import in progress to stop; `false` when none is running.
    pub fn cancel(&self) -> bool {
        match self.lock().as_ref() {
            Some(flag) => {
                flag.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// The guard even after a panic elsewhere: the slot holds only a flag, always whole.
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Arc<AtomicBool>>> {
        self.current.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Where exports go by default: the OS Downloads folder; `<data>/exports/` when the data folder
/// was chosen explicitly (tests, portable installs) or the OS has no Downloads folder.
pub fn default_export_dir(data_dir: &Path, data_dir_is_explicit: bool) -> PathBuf {
    let downloads = (!data_dir_is_explicit).then(dirs::download_dir).flatten();
    downloads.unwrap_or_else(|| data_dir.join(EXPORTS_DIR))
}

fn export_settings(
    default_dir: &Path,
    dir: Option<String>,
    name: Option<String>,
) -> ExportSettings {
    let default = default_dir.display().to_string();
    ExportSettings {
        export_dir: dir
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| default.clone()),
        default_export_dir: default,
        business_name: name.unwrap_or_default(),
    }
}

impl Store {
    /// The export settings; `default_dir` is where exports go when no folder was chosen.
    pub fn export_settings(&self, default_dir: &Path) -> Result<ExportSettings, StoreError> {
        Ok(export_settings(
            default_dir,
            self.setting(EXPORT_DIR_KEY)?,
            self.setting(BUSINESS_NAME_KEY)?,
        ))
    }

    pub fn set_export_settings(
        &mut self,
        draft: &ExportSettingsDraft,
        default_dir: &Path,
    ) -> Result<ExportSettings, TransferError> {
        let dir = draft.export_dir.trim();
        if !dir.is_empty() && !Path::new(dir).is_absolute() {
            return Err(invalid(
                "exportDir",
                format!("{dir:?} is not an absolute path"),
            ));
        }
        let name = draft.business_name.trim();
        if name.chars().count() > MAX_BUSINESS_NAME_CHARS {
            return Err(TransferError::Invalid {
                field: "businessName",
                code: FieldErrorCode::TooLong,
                message: "the business name is too long".to_owned(),
            });
        }
        self.set_setting(EXPORT_DIR_KEY, dir)?;
        self.set_setting(BUSINESS_NAME_KEY, name)?;
        Ok(self.export_settings(default_dir)?)
    }

    /// The products `query` matches (what the inventory list shows, every page), as a CSV the
    /// importer reads back, in the exports folder.
    pub fn export_inventory_file(
        &self,
        default_dir: &Path,
        query: &ProductQuery,
        lang: CsvLanguage,
    ) -> Result<ExportedFile, TransferError> {
        let folder = PathBuf::from(self.export_settings(default_dir)?.export_dir);
        let stem = match lang {
            CsvLanguage::Fr => "inventaire",
            CsvLanguage::En => "inventory",
        };
        let name = format!("{stem}-{}", chrono::Local::now().format("%Y-%m-%d"));
        let options = CsvExportOptions::for_language(lang);
        write_unique(&folder, &name, "csv", |out| {
            Ok(self.export_inventory_csv(query, &options, out)?)
        })
    }

    /// Every order of the days `from` to `to` (included, `YYYY-MM-DD`, in this machine's time
    /// zone), one account or all, oldest first, as CSV in the exports folder.
    pub fn export_orders_file(
        &self,
        default_dir: &Path,
        (from, to): (&str, &str),
        account: Option<String>,
        lang: CsvLanguage,
    ) -> Result<ExportedFile, TransferError> {
        let (first, last, start, end) = period(from, to)?;
        let folder = PathBuf::from(self.export_settings(default_dir)?.export_dir);
        let stem = match lang {
            CsvLanguage::Fr => "commandes",
            CsvLanguage::En => "orders",
        };
        let query = OrderQuery {
            seller_account_id: account.filter(|a| !a.trim().is_empty()),
            from: Some(start),
            to: Some(end),
            sort_dir: SortDir::Asc,
            ..OrderQuery::default()
        };
        write_unique(&folder, &format!("{stem}-{first}_{last}"), "csv", |out| {
            Ok(self.export_orders_csv(&query, lang, out)?)
        })
    }

    /// The Vinted audit log (one account's, or every account's), newest first, as CSV in the
    /// exports folder.
    pub fn export_audit_file(
        &self,
        default_dir: &Path,
        account: Option<String>,
        lang: CsvLanguage,
    ) -> Result<ExportedFile, TransferError> {
        let folder = PathBuf::from(self.export_settings(default_dir)?.export_dir);
        let stem = match lang {
            CsvLanguage::Fr => "journal-vinted",
            CsvLanguage::En => "vinted-audit-log",
        };
        let today = chrono::Utc::now().format("%Y-%m-%d");
        let account = account.filter(|a| !a.trim().is_empty());
        write_unique(&folder, &format!("{stem}-{today}"), "csv", |out| {
            Ok(self.write_audit_csv(account.as_deref(), lang, out)?)
        })
    }

    /// The receipts or purchases register of the days `from` to `to` (included, `YYYY-MM-DD`,
    /// in this machine's time zone), one account or all, as CSV or PDF in the exports folder.
    pub fn export_register_file(
        &self,
        default_dir: &Path,
        request: RegisterExport,
    ) -> Result<ExportedFile, TransferError> {
        let RegisterExport {
            kind,
            from,
            to,
            account,
            format,
            lang,
        } = request;
        let (first, last, start, end) = period(&from, &to)?;
        let settings = self.export_settings(default_dir)?;
        let folder = PathBuf::from(&settings.export_dir);
        let stem = match (kind, lang) {
            (RegisterKind::Receipts, CsvLanguage::Fr) => "livre-des-recettes",
            (RegisterKind::Purchases, CsvLanguage::Fr) => "registre-des-achats",
            (RegisterKind::Receipts, CsvLanguage::En) => "receipts-register",
            (RegisterKind::Purchases, CsvLanguage::En) => "purchases-register",
        };
        let name = format!("{stem}-{first}_{last}");
        let account = account.filter(|a| !a.trim().is_empty());
        let register = self.register(kind, &start, &end, account.as_deref())?;
        let shop = match (settings.business_name, &account) {
            (business, _) if !business.is_empty() => business,
            (_, Some(id)) => self.account(id)?.name,
            (_, None) => String::new(),
        };
        let count = u32::try_from(register.rows.len()).unwrap_or(u32::MAX);
        let extension = match format {
            RegisterFormat::Csv => "csv",
            RegisterFormat::Pdf => "pdf",
        };
        write_unique(&folder, &name, extension, |out| {
            match format {
                RegisterFormat::Csv => registers::write_register_csv(&register, lang, out)?,
                RegisterFormat::Pdf => registers::write_register_pdf(&register, lang, &shop, out)?,
            }
            Ok(count)
        })
    }
}

/// The days of a period and its bounds `[start, end)` in RFC 3339.
fn period(from: &str, to: &str) -> Result<(NaiveDate, NaiveDate, String, String), TransferError> {
    let day = |field: &'static str, text: &str| {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| invalid(field, format!("{text:?} is not a day")))
    };
    let (first, last) = (day("from", from)?, day("to", to)?);
    if last < first {
        return Err(invalid("to", format!("{last} is before {first}")));
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
    write: impl FnOnce(&mut dyn Write) -> Result<u32, TransferError>,
) -> Result<ExportedFile, TransferError> {
    std::fs::create_dir_all(folder).map_err(|e| {
        TransferError::Folder(format!(
            "cannot create the exports folder {}: {e}",
            folder.display()
        ))
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

fn create_unique(
    folder: &Path,
    stem: &str,
    extension: &str,
) -> Result<(PathBuf, File), TransferError> {
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
    Err(TransferError::Folder(format!(
        "too many files named {stem} in {}",
        folder.display()
    )))
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
            Err(TransferError::Folder("boom".into()))
        })
        .unwrap_err();
        assert!(matches!(err, TransferError::Folder(_)), "{err:?}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn periods_are_whole_days_in_order() {
        let (first, last, start, end) = period("2026-01-01", "2026-12-31").unwrap();
        assert_eq!(first.to_string(), "2026-01-01");
        assert_eq!(last.to_string(), "2026-12-31");
        assert!(start < end);
        let field = |err| match err {
            TransferError::Invalid { field, .. } => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(period("2026-02-01", "2026-01-01").unwrap_err()), "to");
        assert_eq!(
            field(period("01/02/2026", "2026-03-01").unwrap_err()),
            "from"
        );
    }

    #[test]
    fn exports_go_to_the_data_folder_when_it_was_chosen() {
        let default = default_export_dir(Path::new("/data"), true);
        assert_eq!(default, Path::new("/data/exports"));
        let settings = export_settings(&default, Some("  ".into()), None);
        assert_eq!(settings.export_dir, "/data/exports");
        let settings = export_settings(&default, Some("/tmp/x".into()), Some("Zoé".into()));
        assert_eq!(settings.export_dir, "/tmp/x");
        assert_eq!(settings.business_name, "Zoé");
    }

    #[test]
    fn a_cancel_reaches_the_import_in_progress_only() {
        let slot = ImportSlot::default();
        assert!(!slot.cancel(), "no import is running");
        let first = slot.begin();
        let second = slot.begin();
        slot.end(&first);
        assert!(slot.cancel());
        assert!(second.load(Ordering::Relaxed) && !first.load(Ordering::Relaxed));
        slot.end(&second);
        assert!(!slot.cancel());
    }
}
