use seller_store::{FieldError, FieldErrorCode, StoreError};
use serde::Serialize;

/// The one error type the UI receives. It branches on `code` (and each field's code) to show a
/// translated sentence; `message` is English detail for logs and bug reports.
#[derive(Debug, Clone, Serialize, specta::Type, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{code:?}: {message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    pub fields: Vec<FieldError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ErrorCode {
    Validation,
    DuplicateSku,
    UnknownSku,
    InsufficientStock,
    NotFound,
    Database,
    NewerSchema,
    NotABackup,
    BackupDamaged,
    BackupFromNewerVersion,
    Io,
    Internal,
    /// The CSV file holds no header row (empty, or not a CSV file).
    CsvNoHeader,
    /// The column mapping cannot be used (two columns for one field, no title, …).
    CsvMapping,
    /// Rows of the CSV file are wrong and the import was asked to block; nothing was imported.
    CsvInvalidRows,
    /// The user stopped the import; nothing was imported.
    ImportCancelled,
    /// No bulk action to undo.
    NothingToUndo,
    /// The last bulk action can no longer be undone: the data changed since.
    UndoOutdated,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    pub fn field(field: &str, code: FieldErrorCode, message: impl Into<String>) -> Self {
        Self {
            code: ErrorCode::Validation,
            message: message.into(),
            fields: vec![FieldError::new(field, code)],
        }
    }

    pub fn internal(message: impl std::fmt::Display) -> Self {
        Self::new(ErrorCode::Internal, message.to_string())
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        let message = err.to_string();
        let (code, fields) = match err {
            StoreError::Validation(fields) => (ErrorCode::Validation, fields),
            StoreError::DuplicateSku { .. } => (
                ErrorCode::DuplicateSku,
                vec![FieldError::new("sku", FieldErrorCode::Duplicate)],
            ),
            StoreError::UnknownSku { .. } => (ErrorCode::UnknownSku, vec![]),
            StoreError::InsufficientStock { .. } => (ErrorCode::InsufficientStock, vec![]),
            StoreError::NotFound { .. } => (ErrorCode::NotFound, vec![]),
            StoreError::NewerSchema { .. } => (ErrorCode::NewerSchema, vec![]),
            StoreError::NothingToUndo => (ErrorCode::NothingToUndo, vec![]),
            StoreError::UndoOutdated => (ErrorCode::UndoOutdated, vec![]),
            StoreError::Backup { .. } => (ErrorCode::Io, vec![]),
            StoreError::ForeignKey(_) | StoreError::Migration(_) | StoreError::Sqlite(_) => {
                (ErrorCode::Database, vec![])
            }
        };
        if matches!(code, ErrorCode::Database | ErrorCode::Io) {
            tracing::error!(%message, "store error");
        }
        Self {
            code,
            message,
            fields,
        }
    }
}

impl From<std::io::Error> for AppError {
    fn from(err: std::io::Error) -> Self {
        tracing::error!(%err, "i/o error");
        Self::new(ErrorCode::Io, err.to_string())
    }
}

impl From<seller_store::backup::BackupError> for AppError {
    fn from(err: seller_store::backup::BackupError) -> Self {
        use seller_store::backup::BackupError;
        let code = match &err {
            BackupError::NotABackup { .. } => ErrorCode::NotABackup,
            BackupError::Damaged { .. } => ErrorCode::BackupDamaged,
            BackupError::NewerSchema { .. } => ErrorCode::BackupFromNewerVersion,
            BackupError::Write { .. }
            | BackupError::Replace { .. }
            | BackupError::Folder { .. } => ErrorCode::Io,
            BackupError::Sqlite(_) => ErrorCode::Database,
        };
        tracing::warn!(%err, "backup error");
        Self::new(code, err.to_string())
    }
}

impl From<seller_store::csv::CsvError> for AppError {
    fn from(err: seller_store::csv::CsvError) -> Self {
        use seller_store::csv::CsvError;
        let code = match &err {
            CsvError::NoHeader => ErrorCode::CsvNoHeader,
            CsvError::Mapping(_) => ErrorCode::CsvMapping,
            CsvError::InvalidRows { .. } => ErrorCode::CsvInvalidRows,
            CsvError::Cancelled => ErrorCode::ImportCancelled,
            CsvError::Io(_) | CsvError::Store(_) => {
                return match err {
                    CsvError::Store(err) => err.into(),
                    CsvError::Io(err) => err.into(),
                    _ => unreachable!("matched above"),
                };
            }
        };
        tracing::warn!(%err, "csv import refused");
        Self::new(code, err.to_string())
    }
}
