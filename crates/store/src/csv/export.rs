//! Writing the products a query matches, page by page, as a CSV the importer reads back.

use std::io::Write;

use super::values::{
    condition_label, format_money, format_stocked_at, guard_formula, join_list, package_size_label,
    status_label,
};
use super::{CsvError, CsvExportOptions, CsvField, LIST_SEPARATOR};
use crate::Store;
use crate::products::{MAX_PAGE_SIZE, Product, ProductQuery};

/// The columns of an export, in order; a last "Photos" column follows.
pub const EXPORT_FIELDS: &[CsvField] = &[
    CsvField::Sku,
    CsvField::Title,
    CsvField::Description,
    CsvField::Category,
    CsvField::Brand,
    CsvField::Condition,
    CsvField::Size,
    CsvField::Price,
    CsvField::PurchaseCost,
    CsvField::Quantity,
    CsvField::PackageSize,
    CsvField::Status,
    CsvField::InternalNotes,
    CsvField::Materials,
    CsvField::Colors,
    CsvField::CreatedAt,
];

/// Header of the photo file names, written for reference and ignored by the importer.
pub const PHOTOS_HEADER: &str = "Photos";

impl Store {
    /// Writes every product `query` matches (its search and filters and its order; its paging is
    /// ignored) to `out`, with a header row in the chosen language. Products are read
    /// [`MAX_PAGE_SIZE`] at a time inside one read transaction, so the file is one consistent
    /// snapshot and the table is never loaded whole. Returns the number of products written.
    pub fn export_inventory_csv<W: Write>(
        &self,
        query: &ProductQuery,
        options: &CsvExportOptions,
        out: W,
    ) -> Result<u32, CsvError> {
        let mut writer = csv_writer(options, out)?;
        let header = EXPORT_FIELDS
            .iter()
            .map(|f| f.header(options.language))
            .chain([PHOTOS_HEADER]);
        writer.write_record(header).map_err(io_error)?;

        let snapshot = self.conn.unchecked_transaction()?;
        let mut page = query.clone();
        page.limit = MAX_PAGE_SIZE;
        page.offset = 0;
        let mut written = 0u32;
        loop {
            let items = self.list_products(&page)?.items;
            for summary in &items {
                let product = self.product(&summary.id)?;
                writer
                    .write_record(row(&product, options))
                    .map_err(io_error)?;
                written += 1;
            }
            if items.len() < MAX_PAGE_SIZE as usize {
                break;
            }
            page.offset += MAX_PAGE_SIZE;
        }
        snapshot.commit()?;
        writer.flush()?;
        Ok(written)
    }
}

/// A CSV writer as `options` say (separator, CRLF line ends, and the UTF-8 byte order mark when
/// asked, written first): the one setup of every export, inventory, orders and registers alike.
pub(crate) fn csv_writer<W: Write>(
    options: &CsvExportOptions,
    mut out: W,
) -> std::io::Result<::csv::Writer<W>> {
    if options.bom {
        out.write_all("\u{feff}".as_bytes())?;
    }
    Ok(::csv::WriterBuilder::new()
        .delimiter(options.delimiter.byte())
        .terminator(::csv::Terminator::CRLF)
        .from_writer(out))
}

fn io_error(err: ::csv::Error) -> CsvError {
    CsvError::Io(err.into())
}

fn row(product: &Product, options: &CsvExportOptions) -> Vec<String> {
    let text = |value: &str| guard_formula(value).into_owned();
    let optional = |value: &Option<String>| value.as_deref().map(text).unwrap_or_default();
    let money = |cents: i64| format_money(cents, options.decimal);
    let language = options.language;
    let mut cells: Vec<String> = EXPORT_FIELDS
        .iter()
        .map(|field| match field {
            CsvField::Sku => text(&product.sku),
            CsvField::Title => text(&product.title),
            CsvField::Description => text(&product.description),
            CsvField::Category => optional(&product.category),
            CsvField::Brand => optional(&product.brand),
            CsvField::Condition => product
                .condition
                .map(|c| condition_label(c, language).to_owned())
                .unwrap_or_default(),
            CsvField::Size => optional(&product.size),
            CsvField::Price => money(product.price_cents),
            CsvField::PurchaseCost => money(product.purchase_cost_cents),
            CsvField::Quantity => product.quantity.to_string(),
            CsvField::PackageSize => product
                .package_size
                .map(|p| package_size_label(p, language).to_owned())
                .unwrap_or_default(),
            CsvField::Status => status_label(product.status, language).to_owned(),
            CsvField::InternalNotes => optional(&product.internal_notes),
            CsvField::Materials => text(&join_list(&product.materials)),
            CsvField::Colors => text(&join_list(&product.colors)),
            // Local time to the minute, as the user's spreadsheet reads it (see the function).
            CsvField::CreatedAt => format_stocked_at(&product.created_at, language),
        })
        .collect();
    // Names the app made (`photos/<uuid>.jpg`), guarded all the same: a synced row could hold
    // anything.
    cells.push(text(&product.photos.join(&LIST_SEPARATOR.to_string())));
    cells
}
