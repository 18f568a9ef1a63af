//! Checking rows against the mapping (the preview) and importing them in one transaction.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior};

use super::decode::{Sheet, read_sheet};
use super::mapping;
use super::values::{
    allowed_values, parse_condition, parse_money_cents, parse_package_size, parse_quantity,
    parse_status, parse_stocked_at, split_list, unguard_formula,
};
use super::{
    CsvError, CsvField, CsvImportOptions, CsvPreview, CsvSampleRow, ImportReport,
    MAX_ERROR_VALUE_CHARS, MAX_LISTED_ERRORS, MappingSource, OnRowError, PROGRESS_EVERY, RowError,
    RowErrorCode, SAMPLE_ROWS,
};
use crate::products::{ProductDraft, checked_draft, insert_product};
use crate::{FieldErrorCode, Store};

impl Store {
    /// Reads a CSV file and tells what importing it would do, writing nothing: the format found,
    /// the header, the mapping (the caller's, else the one remembered for this header, else one
    /// guessed from the header names), every wrong row with its line, column and reason, and
    /// a sample of valid rows. SKUs already in the shop count as errors.
    pub fn preview_inventory_csv(
        &self,
        bytes: &[u8],
        options: &CsvImportOptions,
    ) -> Result<CsvPreview, CsvError> {
        let sheet = read_sheet(bytes, options.encoding, options.delimiter)?;
        let (mapping, mapping_source) =
            resolve_mapping(&self.conn, &sheet.headers, options.mapping.as_deref())?;
        let mapping_issues = mapping::issues(sheet.headers.len(), &mapping);
        let mut preview = CsvPreview {
            format: sheet.format,
            headers: sheet.headers.clone(),
            mapping,
            mapping_source,
            mapping_issues,
            total_rows: count(sheet.rows.len()),
            valid_rows: 0,
            invalid_rows: 0,
            errors: Vec::new(),
            errors_truncated: false,
            sample: Vec::new(),
        };
        if !preview.mapping_issues.is_empty() {
            return Ok(preview);
        }
        let checked = check_rows(&sheet, &preview.mapping, &self.conn, self.shop_id(), None)?;
        preview.valid_rows = count(checked.valid.len());
        preview.invalid_rows = checked.invalid_rows;
        preview.errors = checked.errors;
        preview.errors_truncated = checked.errors_truncated;
        preview.sample = checked
            .valid
            .into_iter()
            .take(SAMPLE_ROWS)
            .map(|(line, row)| CsvSampleRow {
                line,
                product: row.draft,
            })
            .collect();
        Ok(preview)
    }

    /// Imports a CSV file in one transaction: every valid row, or nothing.
    ///
    /// With [`OnRowError::Block`] any wrong row refuses the import ([`CsvError::InvalidRows`]);
    /// with [`OnRowError::Skip`] wrong rows are left out and reported. `progress(done, total)` is
    /// called with rows inserted out of rows to insert, at the start, every
    /// [`PROGRESS_EVERY`] rows and at the end. Setting `cancel` stops the import and rolls it
    /// back ([`CsvError::Cancelled`]). The mapping used is remembered for the next file with the
    /// same header, when the import is done or blocked by wrong rows (but not when cancelled).
    ///
    /// Rows with an SKU are inserted before rows without one, so SKUs generated for the latter
    /// never take one that a later row of the file names.
    pub fn import_inventory_csv(
        &mut self,
        bytes: &[u8],
        options: &CsvImportOptions,
        progress: &mut dyn FnMut(u32, u32),
        cancel: &AtomicBool,
    ) -> Result<ImportReport, CsvError> {
        let sheet = read_sheet(bytes, options.encoding, options.delimiter)?;
        let shop_id = self.shop_id().to_owned();
        // Immediate: the SKU checks and the inserts see the same table, whoever else writes.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (mapping, _) = resolve_mapping(&tx, &sheet.headers, options.mapping.as_deref())?;
        let issues = mapping::issues(sheet.headers.len(), &mapping);
        if !issues.is_empty() {
            return Err(CsvError::Mapping(issues));
        }
        let checked = check_rows(&sheet, &mapping, &tx, &shop_id, Some(cancel))?;
        if checked.invalid_rows > 0 && options.on_error == OnRowError::Block {
            mapping::remember(&tx, &sheet.headers, &mapping)?;
            tx.commit()?;
            return Err(CsvError::InvalidRows {
                invalid_rows: checked.invalid_rows,
                errors: checked.errors,
                errors_truncated: checked.errors_truncated,
            });
        }
        let total = count(checked.valid.len());
        progress(0, total);
        let (named, unnamed): (Vec<_>, Vec<_>) = checked
            .valid
            .into_iter()
            .partition(|(_, row)| row.draft.sku.is_some());
        let mut done = 0;
        for (_, row) in named.into_iter().chain(unnamed) {
            if cancel.load(Ordering::Relaxed) {
                return Err(CsvError::Cancelled);
            }
            insert_product(&tx, &shop_id, row.draft, row.created_at.as_deref())?;
            done += 1;
            if done % PROGRESS_EVERY == 0 {
                progress(done, total);
            }
        }
        mapping::remember(&tx, &sheet.headers, &mapping)?;
        if cancel.load(Ordering::Relaxed) {
            return Err(CsvError::Cancelled);
        }
        tx.commit()?;
        if done % PROGRESS_EVERY != 0 || done == 0 {
            progress(done, total);
        }
        tracing::info!(
            imported = done,
            skipped = checked.invalid_rows,
            "inventory CSV imported"
        );
        Ok(ImportReport {
            format: sheet.format,
            imported: done,
            skipped: checked.invalid_rows,
            errors: checked.errors,
            errors_truncated: checked.errors_truncated,
        })
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn resolve_mapping(
    conn: &Connection,
    headers: &[String],
    given: Option<&[Option<CsvField>]>,
) -> rusqlite::Result<(Vec<Option<CsvField>>, MappingSource)> {
    if let Some(given) = given {
        return Ok((given.to_vec(), MappingSource::Caller));
    }
    Ok(match mapping::remembered(conn, headers)? {
        Some(remembered) => (remembered, MappingSource::Remembered),
        None => (mapping::suggest(headers), MappingSource::Suggested),
    })
}

/// A valid row: the product to insert and, when the file gives it, its stock-entry date (RFC 3339
/// UTC, as stored), which only an import sets.
struct ImportRow {
    draft: ProductDraft,
    created_at: Option<String>,
}

struct Checked {
    valid: Vec<(u32, ImportRow)>,
    invalid_rows: u32,
    errors: Vec<RowError>,
    errors_truncated: bool,
}

/// Every row as a checked draft, or its errors. `mapping` must have no issues.
fn check_rows(
    sheet: &Sheet,
    mapping: &[Option<CsvField>],
    conn: &Connection,
    shop_id: &str,
    cancel: Option<&AtomicBool>,
) -> Result<Checked, CsvError> {
    let mut sku_in_shop = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM seller_products WHERE shop_id = ?1 AND sku = ?2)",
    )?;
    let sku_column = mapping.iter().position(|f| *f == Some(CsvField::Sku));
    let mut seen_skus = HashSet::new();
    // One "now" for the whole file: a stock-entry date after it is refused.
    let now = Utc::now();
    let mut checked = Checked {
        valid: Vec::new(),
        invalid_rows: 0,
        errors: Vec::new(),
        errors_truncated: false,
    };
    for (line, record) in &sheet.rows {
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(CsvError::Cancelled);
        }
        let (row, mut errors) = match parse_row(*line, record, &sheet.headers, mapping, now) {
            Ok(parsed) => parsed,
            Err(error) => (None, vec![error]),
        };
        let readable = errors
            .iter()
            .all(|e| e.code != RowErrorCode::WrongFieldCount);
        if let (true, Some(column)) = (readable, sku_column) {
            let sku = record.get(column).map(unguard_formula).unwrap_or("").trim();
            let cell_ok = !errors.iter().any(|e| e.column_index == Some(column as u32));
            if !sku.is_empty() && cell_ok {
                let code = if !seen_skus.insert(sku.to_owned()) {
                    Some(RowErrorCode::DuplicateSkuInFile)
                } else if sku_in_shop.query_row((shop_id, sku), |r| r.get::<_, bool>(0))? {
                    Some(RowErrorCode::SkuExists)
                } else {
                    None
                };
                if let Some(code) = code {
                    let field = Some(CsvField::Sku);
                    errors.push(cell_error(*line, column, &sheet.headers, field, code, sku));
                    errors.sort_by_key(|e| e.column_index.map_or(u32::MAX, |c| c));
                }
            }
        }
        match row {
            Some(row) if errors.is_empty() => checked.valid.push((*line, row)),
            _ => {
                checked.invalid_rows += 1;
                for error in errors {
                    if checked.errors.len() < MAX_LISTED_ERRORS {
                        checked.errors.push(error);
                    } else {
                        checked.errors_truncated = true;
                    }
                }
            }
        }
    }
    Ok(checked)
}

fn cell_error(
    line: u32,
    column: usize,
    headers: &[String],
    field: Option<CsvField>,
    code: RowErrorCode,
    raw: &str,
) -> RowError {
    let mut value: String = raw.chars().take(MAX_ERROR_VALUE_CHARS).collect();
    if raw.chars().nth(MAX_ERROR_VALUE_CHARS).is_some() {
        value.push('…');
    }
    RowError {
        line,
        column_index: Some(column as u32),
        column: headers.get(column).cloned(),
        field,
        code,
        value: Some(value),
        allowed: if code == RowErrorCode::UnknownValue {
            allowed_values(field)
        } else {
            Vec::new()
        },
    }
}

/// One row as a checked draft (`None` when a cell or the product's checks refuse it) with its
/// errors, ordered by column; `Err` when the row does not have the header's cells.
fn parse_row(
    line: u32,
    record: &::csv::StringRecord,
    headers: &[String],
    mapping: &[Option<CsvField>],
    now: DateTime<Utc>,
) -> Result<(Option<ImportRow>, Vec<RowError>), RowError> {
    let width = headers.len();
    // Trailing empty cells beyond the header (as some tools pad rows) are harmless.
    if record.len() < width || record.iter().skip(width).any(|c| !c.trim().is_empty()) {
        return Err(RowError {
            line,
            column_index: None,
            column: None,
            field: None,
            code: RowErrorCode::WrongFieldCount,
            value: None,
            allowed: Vec::new(),
        });
    }
    let mut draft = ProductDraft::titled("");
    let mut created_at = None;
    let mut errors = Vec::new();
    for (column, field) in mapping.iter().enumerate() {
        let Some(field) = *field else { continue };
        let raw = record.get(column).unwrap_or("");
        let text = unguard_formula(raw);
        let blank = raw.trim().is_empty();
        let parsed = match field {
            CsvField::Sku => set(&mut draft.sku, Some(text.to_owned())),
            CsvField::Title => set(&mut draft.title, text.to_owned()),
            CsvField::Description => set(&mut draft.description, text.to_owned()),
            CsvField::Category => set(&mut draft.category, Some(text.to_owned())),
            CsvField::Brand => set(&mut draft.brand, Some(text.to_owned())),
            CsvField::Size => set(&mut draft.size, Some(text.to_owned())),
            CsvField::InternalNotes => set(&mut draft.internal_notes, Some(text.to_owned())),
            CsvField::Materials => set(&mut draft.materials, split_list(text)),
            CsvField::Colors => set(&mut draft.colors, split_list(text)),
            // Empty cells keep the defaults of a new product.
            _ if blank => Ok(()),
            CsvField::Condition => parse_condition(raw).map(|v| draft.condition = Some(v)),
            CsvField::PackageSize => parse_package_size(raw).map(|v| draft.package_size = Some(v)),
            CsvField::Status => parse_status(raw).map(|v| draft.status = v),
            CsvField::Price => parse_money_cents(raw).map(|v| draft.price_cents = v),
            CsvField::PurchaseCost => parse_money_cents(raw).map(|v| draft.purchase_cost_cents = v),
            CsvField::Quantity => parse_quantity(raw).map(|v| draft.quantity = v),
            CsvField::CreatedAt => parse_stocked_at(raw, now).map(|v| created_at = Some(v)),
        };
        if let Err(code) = parsed {
            errors.push(cell_error(line, column, headers, Some(field), code, raw));
        }
    }
    let draft = match checked_draft(draft) {
        Ok(draft) => Some(draft),
        Err(field_errors) => {
            for error in field_errors {
                let field = field_of(&error.field);
                let column = field.and_then(|f| mapping.iter().position(|m| *m == Some(f)));
                let code = row_code(error.code);
                match column {
                    Some(column) => {
                        let raw = record.get(column).unwrap_or("");
                        errors.push(cell_error(line, column, headers, field, code, raw));
                    }
                    None => errors.push(RowError {
                        line,
                        column_index: None,
                        column: None,
                        field,
                        code,
                        value: None,
                        allowed: Vec::new(),
                    }),
                }
            }
            None
        }
    };
    errors.sort_by_key(|e| e.column_index.map_or(u32::MAX, |c| c));
    let row = draft
        .filter(|_| errors.is_empty())
        .map(|draft| ImportRow { draft, created_at });
    Ok((row, errors))
}

fn set<T>(slot: &mut T, value: T) -> Result<(), RowErrorCode> {
    *slot = value;
    Ok(())
}

/// The CSV field behind a field name of [`checked_draft`]'s errors.
fn field_of(name: &str) -> Option<CsvField> {
    Some(match name {
        "sku" => CsvField::Sku,
        "title" => CsvField::Title,
        "description" => CsvField::Description,
        "category" => CsvField::Category,
        "brand" => CsvField::Brand,
        "size" => CsvField::Size,
        "priceCents" => CsvField::Price,
        "purchaseCostCents" => CsvField::PurchaseCost,
        "quantity" => CsvField::Quantity,
        "internalNotes" => CsvField::InternalNotes,
        "materials" => CsvField::Materials,
        "colors" => CsvField::Colors,
        _ => return None,
    })
}

fn row_code(code: FieldErrorCode) -> RowErrorCode {
    match code {
        FieldErrorCode::Required => RowErrorCode::Required,
        FieldErrorCode::TooLong => RowErrorCode::TooLong,
        FieldErrorCode::Negative => RowErrorCode::Negative,
        FieldErrorCode::TooLarge => RowErrorCode::TooLarge,
        FieldErrorCode::Duplicate | FieldErrorCode::Invalid => RowErrorCode::Invalid,
    }
}
