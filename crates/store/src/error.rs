use serde::Serialize;

/// Everything that can go wrong in the store, typed so the app can tell the user what happened.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "this database was written by a newer version of Seller Panel (schema version {found}; \
         this version supports up to {supported}); update the app to open it"
    )]
    NewerSchema { found: u32, supported: u32 },
    #[error("the SKU {sku} is already used by another product of this shop")]
    DuplicateSku { sku: String },
    #[error("no product of this shop has the SKU {sku}")]
    UnknownSku { sku: String },
    #[error("not enough stock for the SKU {sku}: {available} available, {requested} requested")]
    InsufficientStock {
        sku: String,
        available: i64,
        requested: i64,
    },
    #[error("{entity} {id} does not exist")]
    NotFound { entity: &'static str, id: String },
    #[error("invalid input: {}", describe_fields(.0))]
    Validation(Vec<FieldError>),
    #[error("there is no bulk action to undo")]
    NothingToUndo,
    #[error("the last bulk action can no longer be undone: the data changed since")]
    UndoOutdated,
    #[error("a referenced row does not exist: {0}")]
    ForeignKey(String),
    #[error("could not back up {path} before migrating it: {source}")]
    Backup {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("migrating the database failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl StoreError {
    /// Builds the error for a constraint violation, naming what the user can act on.
    pub(crate) fn from_write(err: rusqlite::Error, sku: Option<&str>) -> Self {
        use rusqlite::ffi;
        if let rusqlite::Error::SqliteFailure(code, msg) = &err {
            let msg = msg.clone().unwrap_or_default();
            match code.extended_code {
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                    if msg.contains("seller_products.sku") =>
                {
                    return StoreError::DuplicateSku {
                        sku: sku.unwrap_or_default().to_owned(),
                    };
                }
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => return StoreError::ForeignKey(msg),
                _ => {}
            }
        }
        StoreError::Sqlite(err)
    }
}

fn describe_fields(fields: &[FieldError]) -> String {
    fields
        .iter()
        .map(|f| format!("{} {:?}", f.field, f.code))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One invalid field of a form, by the name the UI uses for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FieldError {
    pub field: String,
    pub code: FieldErrorCode,
}

impl FieldError {
    pub fn new(field: &str, code: FieldErrorCode) -> Self {
        Self {
            field: field.to_owned(),
            code,
        }
    }
}

/// Why a field is invalid; the UI turns it into a sentence in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum FieldErrorCode {
    Required,
    TooLong,
    Negative,
    TooLarge,
    Duplicate,
    Invalid,
}
