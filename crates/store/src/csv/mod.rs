//! CSV import and export of the inventory, for files as Excel and LibreOffice write them in
//! French and English settings.
//!
//! - **Reading** ([`Store::preview_inventory_csv`], [`Store::import_inventory_csv`]): the bytes
//!   are decoded as UTF-8 (with or without BOM), UTF-16 (with BOM) or else Windows-1252; the
//!   separator (`,` `;` or tab, or an Excel `sep=` first line) is detected; both can be
//!   overridden. The first non-blank record is the header; blank records are ignored. Each
//!   file column maps to one [`CsvField`] or is ignored; the mapping used for a header is
//!   remembered in `app_settings` under `csv_mapping:<hash of the normalised headers>`.
//! - **Values**: money as `12,50`, `12.50`, `1 234,56`, `1.234,56`, `1,234.56`, `12 €`,
//!   `€12.50` (exact cents, never through floats; at most 2 decimals; `1,234` and `1.234` are
//!   refused as ambiguous); enumerations by stored value or French/English label; materials
//!   and colours as one cell split on `|` (or, when the cell holds no `|`, on `,` and `;`).
//!   Empty cells take the defaults of a new product (price 0, quantity 1, status draft).
//! - **Stock-entry date** (`created_at`, from which the dashboard counts days in stock and dead
//!   stock): exported in the machine's time zone to the minute, `31/12/2026 14:05` in French and
//!   `2026-12-31 14:05` in English, as spreadsheets in those settings read dates; imported from
//!   those, from a day alone (`31/12/2026`, `2026-12-31`: its midnight), or from RFC 3339
//!   (`2026-12-31T14:05:09Z`). A round trip keeps it to the minute. An empty cell or no such
//!   column dates the item at the import, as before; a date in the future is a row error.
//! - **SKUs**: an empty SKU is generated; an SKU repeated in the file (after its first row) or
//!   already used in the shop is a row error. Import never updates existing products.
//! - **Photos** are files in the app's folder: exported as file names for reference only, never
//!   imported (a row could otherwise point at another product's file, which deleting one of them
//!   would remove).
//! - **Writing** ([`Store::export_inventory_csv`]): the products a [`ProductQuery`] matches, in
//!   its order, page by page inside one read transaction; headers and labels in French or
//!   English, which the importer recognises, so an export re-imports without loss.
//!
//! [`ProductQuery`]: crate::products::ProductQuery

mod decode;
mod export;
mod import;
mod mapping;
mod orders;
mod sentences;
mod values;

use serde::{Deserialize, Serialize};

use crate::StoreError;
use crate::enums::text_enum;
use crate::products::ProductDraft;

pub(crate) use export::csv_writer;
pub use export::{EXPORT_FIELDS, PHOTOS_HEADER};
pub use sentences::describe_row_error;
pub use values::format_day;
pub(crate) use values::{format_date, format_money, guard_formula, local_day};
pub use values::{parse_money_cents, parse_quantity};

/// At most this many row errors are listed (counts stay exact), so a file that is wrong on every
/// one of 100,000 rows does not flood the UI.
pub const MAX_LISTED_ERRORS: usize = 5_000;
/// Rows of the preview's sample.
pub const SAMPLE_ROWS: usize = 5;
/// The import calls its progress callback every this many rows (and at the start and end).
pub const PROGRESS_EVERY: u32 = 500;
/// Raw cell values in row errors are cut to this many characters.
pub const MAX_ERROR_VALUE_CHARS: usize = 80;
/// Materials and colours are written joined by this character.
pub const LIST_SEPARATOR: char = '|';

text_enum!(
    /// A text encoding of a CSV file.
    CsvEncoding {
        Utf8 = "utf-8",
        Utf16Le = "utf-16le",
        Utf16Be = "utf-16be",
        Windows1252 = "windows-1252",
    }
);

text_enum!(
    /// The field separator of a CSV file.
    CsvDelimiter { Comma = "comma", Semicolon = "semicolon", Tab = "tab" }
);

impl CsvDelimiter {
    pub fn byte(self) -> u8 {
        match self {
            CsvDelimiter::Comma => b',',
            CsvDelimiter::Semicolon => b';',
            CsvDelimiter::Tab => b'\t',
        }
    }
}

text_enum!(
    /// A product field a file column can fill. Photos are not importable (see the module doc);
    /// `createdAt` is when the item entered the stock (days in stock, dead stock).
    CsvField {
        Sku = "sku",
        Title = "title",
        Description = "description",
        Category = "category",
        Brand = "brand",
        Condition = "condition",
        Size = "size",
        Price = "price",
        PurchaseCost = "purchaseCost",
        Quantity = "quantity",
        PackageSize = "packageSize",
        Status = "status",
        InternalNotes = "internalNotes",
        Materials = "materials",
        Colors = "colors",
        CreatedAt = "createdAt",
    }
);

text_enum!(
    /// What an import does with rows that have errors.
    /// What an import does with rows that have errors: `block` refuses the whole import if any
    /// row is wrong; `skip` imports the valid rows and reports the wrong ones, left out.
    OnRowError { Block = "block", Skip = "skip" }
);

text_enum!(
    /// Language of an export's header row and labels.
    CsvLanguage { Fr = "fr", En = "en" }
);

text_enum!(
    /// How an export writes money.
    DecimalSeparator { Comma = "comma", Point = "point" }
);

/// How a file was read: detected, or as the caller forced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct CsvFormat {
    pub encoding: CsvEncoding,
    pub delimiter: CsvDelimiter,
}

/// Options of both the preview and the import, so the UI passes the same object to each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct CsvImportOptions {
    /// Forces the encoding instead of detecting it.
    pub encoding: Option<CsvEncoding>,
    /// Forces the separator instead of detecting it.
    pub delimiter: Option<CsvDelimiter>,
    /// One entry per file column (by index): the field it fills, or `None` to ignore it.
    /// `None` uses the mapping remembered for this header, else the suggested one.
    pub mapping: Option<Vec<Option<CsvField>>>,
    /// Ignored by the preview.
    pub on_error: OnRowError,
}

impl Default for CsvImportOptions {
    fn default() -> Self {
        Self {
            encoding: None,
            delimiter: None,
            mapping: None,
            on_error: OnRowError::Block,
        }
    }
}

/// Where the mapping a preview used comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum MappingSource {
    /// Given in the options.
    Caller,
    /// Remembered from an earlier import of a file with the same header.
    Remembered,
    /// Guessed from the header names.
    Suggested,
}

/// Why a mapping cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum MappingIssueCode {
    /// The mapping does not have one entry per file column.
    WrongLength,
    /// Two columns fill the same field.
    DuplicateField,
    /// No column fills the title, which every product needs.
    MissingTitle,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct MappingIssue {
    pub code: MappingIssueCode,
    pub field: Option<CsvField>,
}

/// Why a row cannot be imported; the UI turns it into a sentence in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum RowErrorCode {
    /// An empty cell where a value is needed (the title).
    Required,
    /// Longer than the field allows.
    TooLong,
    /// Not a number (money or quantity).
    InvalidNumber,
    /// `1,234` or `1.234`: a thousands separator or three decimals; write `1234` or `1234.00`.
    AmbiguousNumber,
    /// Below zero.
    Negative,
    /// Money with more than 2 decimals.
    TooManyDecimals,
    /// Above the largest amount or quantity allowed.
    TooLarge,
    /// Not one of the values of a list (condition, status, package size).
    UnknownValue,
    /// Refused by the product's own checks.
    Invalid,
    /// This SKU is on an earlier row of the file.
    DuplicateSkuInFile,
    /// This SKU is already used by a product of the shop.
    SkuExists,
    /// The row does not have as many cells as the header.
    WrongFieldCount,
    /// Not a date (the stock-entry date): see the module doc for the formats read.
    InvalidDate,
    /// A stock-entry date after the time of the import.
    FutureDate,
}

/// One problem of one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RowError {
    /// Physical line (1-based, the header's first line is 1) where the row starts.
    pub line: u32,
    /// 0-based index of the column at fault; `None` when the whole row is (wrong field count).
    pub column_index: Option<u32>,
    /// Header text of that column.
    pub column: Option<String>,
    /// The field the column fills.
    pub field: Option<CsvField>,
    pub code: RowErrorCode,
    /// The raw cell, cut to [`MAX_ERROR_VALUE_CHARS`] characters.
    pub value: Option<String>,
    /// For [`RowErrorCode::UnknownValue`]: the values the field takes, in their stored
    /// spelling (`draft`, `new_with_tags`, `small`…), which the UI and the command line name
    /// in the user's language ([`describe_row_error`]); empty otherwise.
    pub allowed: Vec<String>,
}

/// A row of the preview's sample, as it would be imported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct CsvSampleRow {
    pub line: u32,
    pub product: ProductDraft,
}

/// What an import would do, computed without writing anything.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct CsvPreview {
    pub format: CsvFormat,
    pub headers: Vec<String>,
    /// The mapping the rows were checked with (see `mapping_source`).
    pub mapping: Vec<Option<CsvField>>,
    pub mapping_source: MappingSource,
    /// When not empty the rows were not checked: the mapping must be fixed first.
    pub mapping_issues: Vec<MappingIssue>,
    /// Data rows (blank rows and the header excluded).
    pub total_rows: u32,
    pub valid_rows: u32,
    pub invalid_rows: u32,
    /// Every problem of every wrong row, by line then column (at most [`MAX_LISTED_ERRORS`]).
    pub errors: Vec<RowError>,
    pub errors_truncated: bool,
    /// The first valid rows as they would be imported (at most [`SAMPLE_ROWS`]).
    pub sample: Vec<CsvSampleRow>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub format: CsvFormat,
    pub imported: u32,
    /// Wrong rows left out (skip mode only; block mode refuses instead).
    pub skipped: u32,
    pub errors: Vec<RowError>,
    pub errors_truncated: bool,
}

/// How an export writes the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct CsvExportOptions {
    pub language: CsvLanguage,
    pub delimiter: CsvDelimiter,
    pub decimal: DecimalSeparator,
    /// Starts the file with a UTF-8 byte order mark, which Excel needs to read accents right.
    pub bom: bool,
}

impl CsvExportOptions {
    /// What Excel in French settings reads as is: `;`, decimal comma, UTF-8 with BOM.
    pub fn excel_fr() -> Self {
        Self {
            language: CsvLanguage::Fr,
            delimiter: CsvDelimiter::Semicolon,
            decimal: DecimalSeparator::Comma,
            bom: true,
        }
    }

    /// What an export in `language` uses: [`Self::excel_fr`] or [`Self::english`].
    pub fn for_language(language: CsvLanguage) -> Self {
        match language {
            CsvLanguage::Fr => Self::excel_fr(),
            CsvLanguage::En => Self::english(),
        }
    }

    /// Plain English CSV: `,`, decimal point, UTF-8 without BOM.
    pub fn english() -> Self {
        Self {
            language: CsvLanguage::En,
            delimiter: CsvDelimiter::Comma,
            decimal: DecimalSeparator::Point,
            bom: false,
        }
    }
}

/// Why a CSV import or export did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("the file holds no header row")]
    NoHeader,
    #[error("the column mapping cannot be used: {0:?}")]
    Mapping(Vec<MappingIssue>),
    #[error("{invalid_rows} rows of the file are wrong; nothing was imported")]
    InvalidRows {
        invalid_rows: u32,
        errors: Vec<RowError>,
        errors_truncated: bool,
    },
    #[error("the import was cancelled; nothing was imported")]
    Cancelled,
    #[error("could not write the file: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for CsvError {
    fn from(err: rusqlite::Error) -> Self {
        CsvError::Store(StoreError::Sqlite(err))
    }
}
