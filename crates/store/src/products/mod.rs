//! Seller products (the reseller's inventory) with their photos, materials and colours.

use rusqlite::{Connection, OptionalExtension, Row, Transaction};
use serde::{Deserialize, Serialize};

use crate::enums::text_enum;

mod bulk;
mod list;
mod sku;

use crate::{FieldError, FieldErrorCode, Result, Store, StoreError, StoreTx, new_id, now_rfc3339};
pub use bulk::{BulkChange, BulkOutcome, ProductSelection};
pub use list::{
    MAX_PAGE_SIZE, ProductFacets, ProductPage, ProductQuery, ProductSummary, SortDir, SortField,
};
pub(crate) use sku::pattern_and_counter;
pub use sku::{DEFAULT_SKU_PATTERN, find_sku_in_text};

text_enum!(
    /// Where an item stands in the reseller's workflow.
    ProductStatus {
        Draft = "draft",
        Ready = "ready",
        Listed = "listed",
        Reserved = "reserved",
        Sold = "sold",
        Archived = "archived",
    }
);

text_enum!(
    /// Vinted's item conditions.
    Condition {
        NewWithTags = "new_with_tags",
        NewWithoutTags = "new_without_tags",
        VeryGood = "very_good",
        Good = "good",
        Satisfactory = "satisfactory",
    }
);

text_enum!(
    /// Vinted's parcel sizes.
    PackageSize { Small = "small", Medium = "medium", Large = "large" }
);

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 5000;
pub const MAX_SHORT_TEXT_CHARS: usize = 100;
pub const MAX_MONEY_CENTS: i64 = 100_000_000; // one million euros
pub const MAX_QUANTITY: i64 = 1_000_000;
pub const MAX_PHOTOS: usize = 20;

/// What a user fills in to create or edit a product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ProductDraft {
    /// Empty means "generate one".
    pub sku: Option<String>,
    pub title: String,
    pub description: String,
    pub category: Option<String>,
    pub brand: Option<String>,
    pub condition: Option<Condition>,
    pub size: Option<String>,
    pub price_cents: i64,
    pub purchase_cost_cents: i64,
    pub quantity: i64,
    pub package_size: Option<PackageSize>,
    pub status: ProductStatus,
    pub internal_notes: Option<String>,
    pub materials: Vec<String>,
    pub colors: Vec<String>,
    /// Photo files relative to the data folder, in display order.
    pub photos: Vec<String>,
}

impl ProductDraft {
    /// A draft with only a title; handy for tools and tests.
    pub fn titled(title: &str) -> Self {
        Self {
            sku: None,
            title: title.to_owned(),
            description: String::new(),
            category: None,
            brand: None,
            condition: None,
            size: None,
            price_cents: 0,
            purchase_cost_cents: 0,
            quantity: 1,
            package_size: None,
            status: ProductStatus::Draft,
            internal_notes: None,
            materials: Vec::new(),
            colors: Vec::new(),
            photos: Vec::new(),
        }
    }
}

/// A product as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Product {
    pub id: String,
    pub sku: String,
    pub title: String,
    pub description: String,
    pub category: Option<String>,
    pub brand: Option<String>,
    pub condition: Option<Condition>,
    pub size: Option<String>,
    pub price_cents: i64,
    pub purchase_cost_cents: i64,
    /// The price before the last change, shown as a struck-through price.
    pub last_price_cents: Option<i64>,
    pub quantity: i64,
    pub package_size: Option<PackageSize>,
    pub status: ProductStatus,
    pub internal_notes: Option<String>,
    pub materials: Vec<String>,
    pub colors: Vec<String>,
    pub photos: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Store {
    pub fn create_product(&mut self, draft: ProductDraft) -> Result<Product> {
        self.write(|tx| tx.create_product(draft))
    }

    pub fn update_product(&mut self, id: &str, draft: ProductDraft) -> Result<Product> {
        self.write(|tx| tx.update_product(id, draft))
    }

    /// See [`StoreTx::delete_product`].
    pub fn delete_product(&mut self, id: &str) -> Result<Vec<String>> {
        self.write(|tx| tx.delete_product(id))
    }

    /// Every photo file a product refers to, for sweeping files left behind (a bulk delete keeps
    /// them while it can be undone; a form closed without saving leaves its uploads).
    pub fn photo_files_in_use(&self) -> Result<std::collections::HashSet<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT url FROM seller_product_photos")?;
        let files = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(files)
    }

    pub fn product(&self, id: &str) -> Result<Product> {
        read_product(&self.conn, id)
    }

    pub fn product_by_sku(&self, sku: &str) -> Result<Option<Product>> {
        let id: Option<String> = self
            .conn
            .query_row(
                "SELECT id FROM seller_products WHERE shop_id = ?1 AND sku = ?2",
                [self.shop_id(), sku],
                |r| r.get(0),
            )
            .optional()?;
        id.map(|id| self.product(&id)).transpose()
    }
}

impl StoreTx<'_> {
    pub fn create_product(&mut self, draft: ProductDraft) -> Result<Product> {
        let id = insert_product(&self.tx, self.shop_id(), draft, None)?;
        read_product(&self.tx, &id)
    }

    pub fn update_product(&mut self, id: &str, draft: ProductDraft) -> Result<Product> {
        let draft = checked_draft(draft).map_err(StoreError::Validation)?;
        let tx = &self.tx;
        let old_sku: String = tx
            .query_row("SELECT sku FROM seller_products WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| not_found(id))?;
        let sku = draft.sku.clone().unwrap_or(old_sku);
        tx.execute(
            "UPDATE seller_products SET sku = ?2, title = ?3, description = ?4, category = ?5,
                brand = ?6, condition_status = ?7, size = ?8, price = ?9, purchase_cost = ?10,
                quantity = ?11, package_size = ?12, status = ?13, internal_notes = ?14,
                last_price = CASE WHEN price <> ?9 THEN price ELSE last_price END,
                updated_at = ?15
             WHERE id = ?1",
            rusqlite::params![
                id,
                sku,
                draft.title,
                draft.description,
                draft.category,
                draft.brand,
                draft.condition,
                draft.size,
                draft.price_cents,
                draft.purchase_cost_cents,
                draft.quantity,
                draft.package_size,
                draft.status,
                draft.internal_notes,
                now_rfc3339(),
            ],
        )
        .map_err(|e| StoreError::from_write(e, Some(&sku)))?;
        for table in [
            "seller_product_photos",
            "seller_product_materials",
            "seller_product_colors",
        ] {
            tx.execute(&format!("DELETE FROM {table} WHERE product_id = ?1"), [id])?;
        }
        // Saving the item rewrites its photos at positions 0..n, which no longer line up with
        // the listing's: an import filling in the listing's photos by position would attach
        // duplicates and bring back photos the person removed. Once the person has saved the
        // item, its photos are theirs and the import stops completing them.
        tx.execute(
            "DELETE FROM vinted_items_from_listings WHERE product_id = ?1",
            [id],
        )?;
        write_children(tx, id, &draft)?;
        read_product(tx, id)
    }

    /// Deletes a product and (by cascade) its photos, materials and colours; returns the photo
    /// files no other product uses (a duplicate shares its original's), so the caller can remove
    /// them from disk.
    pub fn delete_product(&mut self, id: &str) -> Result<Vec<String>> {
        let tx = &self.tx;
        let photos = photo_files(tx, id)?;
        if tx.execute("DELETE FROM seller_products WHERE id = ?1", [id])? == 0 {
            return Err(not_found(id));
        }
        let mut still_used = tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM seller_product_photos WHERE url = ?1)")?;
        let mut unused = Vec::new();
        for file in photos {
            if !still_used.query_row([&file], |r| r.get::<_, bool>(0))? {
                unused.push(file);
            }
        }
        Ok(unused)
    }

    /// A product as this transaction sees it.
    pub fn product(&self, id: &str) -> Result<Product> {
        read_product(&self.tx, id)
    }
}

fn read_product(conn: &Connection, id: &str) -> Result<Product> {
    let mut product = conn
        .query_row(
            "SELECT id, sku, title, description, category, brand, condition_status, size,
                    price, purchase_cost, last_price, quantity, package_size, status,
                    internal_notes, created_at, updated_at
             FROM seller_products WHERE id = ?1",
            [id],
            product_from_row,
        )
        .optional()?
        .ok_or_else(|| not_found(id))?;
    product.photos = photo_files(conn, id)?;
    product.materials = child_values(conn, "seller_product_materials", "material", id)?;
    product.colors = child_values(conn, "seller_product_colors", "color", id)?;
    Ok(product)
}

/// Checks and inserts one product with its photos, materials and colours inside the caller's
/// transaction (so an import of many rows commits or rolls back as one); returns its id.
///
/// `created_at` is when the item entered the stock, as stored (RFC 3339 UTC with milliseconds),
/// for an import restoring an exported inventory; `None` is now. `updated_at` is always now.
pub(crate) fn insert_product(
    tx: &Transaction<'_>,
    shop_id: &str,
    draft: ProductDraft,
    created_at: Option<&str>,
) -> Result<String> {
    let draft = checked_draft(draft).map_err(StoreError::Validation)?;
    let sku = match &draft.sku {
        Some(sku) => sku.clone(),
        None => sku::next_free_sku(tx, shop_id)?,
    };
    let (id, now) = (new_id(), now_rfc3339());
    tx.prepare_cached(
        "INSERT INTO seller_products (id, shop_id, sku, title, description, category, brand,
            condition_status, size, price, purchase_cost, quantity, package_size, status,
            internal_notes, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    )?
    .execute(rusqlite::params![
        id,
        shop_id,
        sku,
        draft.title,
        draft.description,
        draft.category,
        draft.brand,
        draft.condition,
        draft.size,
        draft.price_cents,
        draft.purchase_cost_cents,
        draft.quantity,
        draft.package_size,
        draft.status,
        draft.internal_notes,
        created_at.unwrap_or(&now),
        now,
    ])
    .map_err(|e| StoreError::from_write(e, Some(&sku)))?;
    if draft.quantity != 0 {
        // The stock is the sum of the movements (migration 0007): the first one is this.
        let reason = if created_at.is_some() {
            "import"
        } else {
            "manual"
        };
        tx.prepare_cached(
            "INSERT INTO seller_stock_movements (id, product_id, order_id, delta, reason, created_at)
             VALUES (?1, ?2, NULL, ?3, ?4, ?5)",
        )?
        .execute(rusqlite::params![
            new_id(),
            id,
            draft.quantity,
            reason,
            created_at.unwrap_or(&now)
        ])?;
    }
    write_children(tx, &id, &draft)?;
    Ok(id)
}

/// The draft as it would be stored (trimmed, blank fields as `None`, repeated tags dropped), or
/// every field that is wrong. Used by forms and imports to report problems before writing.
pub fn checked_draft(draft: ProductDraft) -> std::result::Result<ProductDraft, Vec<FieldError>> {
    let draft = normalize(draft);
    let errors = field_errors(&draft);
    if errors.is_empty() {
        Ok(draft)
    } else {
        Err(errors)
    }
}

fn not_found(id: &str) -> StoreError {
    StoreError::NotFound {
        entity: "product",
        id: id.to_owned(),
    }
}

fn product_from_row(r: &Row<'_>) -> rusqlite::Result<Product> {
    Ok(Product {
        id: r.get(0)?,
        sku: r.get(1)?,
        title: r.get(2)?,
        description: r.get(3)?,
        category: r.get(4)?,
        brand: r.get(5)?,
        condition: r.get(6)?,
        size: r.get(7)?,
        price_cents: r.get(8)?,
        purchase_cost_cents: r.get(9)?,
        last_price_cents: r.get(10)?,
        quantity: r.get(11)?,
        package_size: r.get(12)?,
        status: r.get(13)?,
        internal_notes: r.get(14)?,
        materials: Vec::new(),
        colors: Vec::new(),
        photos: Vec::new(),
        created_at: r.get(15)?,
        updated_at: r.get(16)?,
    })
}

fn photo_files(conn: &Connection, id: &str) -> Result<Vec<String>> {
    child_values(conn, "seller_product_photos", "url", id)
}

fn child_values(conn: &Connection, table: &str, column: &str, id: &str) -> Result<Vec<String>> {
    let order = if table == "seller_product_photos" {
        "position"
    } else {
        "rowid"
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {column} FROM {table} WHERE product_id = ?1 ORDER BY {order}"
    ))?;
    let values = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(values)
}

fn write_children(tx: &Transaction<'_>, id: &str, draft: &ProductDraft) -> Result<()> {
    for (position, url) in draft.photos.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO seller_product_photos (id, product_id, url, position) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute((new_id(), id, url, position as i64))?;
    }
    for material in &draft.materials {
        tx.prepare_cached(
            "INSERT INTO seller_product_materials (id, product_id, material) VALUES (?1, ?2, ?3)",
        )?
        .execute((new_id(), id, material))?;
    }
    for color in &draft.colors {
        tx.prepare_cached(
            "INSERT INTO seller_product_colors (id, product_id, color) VALUES (?1, ?2, ?3)",
        )?
        .execute((new_id(), id, color))?;
    }
    Ok(())
}

fn trimmed(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Trims text, turns blank optional fields into `None` and drops repeated tags, so that what is
/// stored is what the user meant.
fn normalize(mut draft: ProductDraft) -> ProductDraft {
    draft.sku = trimmed(draft.sku);
    draft.title = draft.title.trim().to_owned();
    draft.description = draft.description.trim_end().to_owned();
    draft.category = trimmed(draft.category);
    draft.brand = trimmed(draft.brand);
    draft.size = trimmed(draft.size);
    draft.internal_notes = trimmed(draft.internal_notes);
    for tags in [&mut draft.materials, &mut draft.colors] {
        let mut seen = std::collections::HashSet::new();
        *tags = std::mem::take(tags)
            .into_iter()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty() && seen.insert(t.to_lowercase()))
            .collect();
    }
    draft
}

fn field_errors(draft: &ProductDraft) -> Vec<FieldError> {
    use FieldErrorCode::*;
    let mut errors = Vec::new();
    let mut check = |field: &str, code: Option<FieldErrorCode>| {
        if let Some(code) = code {
            errors.push(FieldError::new(field, code));
        }
    };
    let too_long = |text: Option<&str>, max: usize| {
        text.is_some_and(|t| t.chars().count() > max)
            .then_some(TooLong)
    };
    let money = |cents: i64| match cents {
        c if c < 0 => Some(Negative),
        c if c > MAX_MONEY_CENTS => Some(TooLarge),
        _ => None,
    };
    check("title", draft.title.is_empty().then_some(Required));
    check("title", too_long(Some(&draft.title), MAX_TITLE_CHARS));
    check(
        "description",
        too_long(Some(&draft.description), MAX_DESCRIPTION_CHARS),
    );
    check("sku", too_long(draft.sku.as_deref(), MAX_SHORT_TEXT_CHARS));
    check(
        "category",
        too_long(draft.category.as_deref(), MAX_SHORT_TEXT_CHARS),
    );
    check(
        "brand",
        too_long(draft.brand.as_deref(), MAX_SHORT_TEXT_CHARS),
    );
    check(
        "size",
        too_long(draft.size.as_deref(), MAX_SHORT_TEXT_CHARS),
    );
    check(
        "internalNotes",
        too_long(draft.internal_notes.as_deref(), MAX_DESCRIPTION_CHARS),
    );
    check("priceCents", money(draft.price_cents));
    check("purchaseCostCents", money(draft.purchase_cost_cents));
    check(
        "quantity",
        match draft.quantity {
            q if q < 0 => Some(Negative),
            q if q > MAX_QUANTITY => Some(TooLarge),
            _ => None,
        },
    );
    check(
        "photos",
        (draft.photos.len() > MAX_PHOTOS).then_some(TooLarge),
    );
    check(
        "photos",
        draft
            .photos
            .iter()
            .any(|p| !is_photo_file_name(p))
            .then_some(Invalid),
    );
    for (field, tags) in [("materials", &draft.materials), ("colors", &draft.colors)] {
        check(
            field,
            tags.iter()
                .any(|t| t.chars().count() > MAX_SHORT_TEXT_CHARS)
                .then_some(TooLong),
        );
    }
    errors
}

/// Photos are files the app itself copied into `photos/`; anything else (absolute paths, `..`)
/// is refused so a draft can never point the app at an arbitrary file.
pub fn is_photo_file_name(name: &str) -> bool {
    name.strip_prefix("photos/").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && !rest.starts_with('.')
    })
}
