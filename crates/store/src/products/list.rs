//! The inventory list: one page of products, filtered, searched and sorted in SQL, so the list
//! stays quick with 100,000 items (it never loads the whole table).

use chrono::{Duration, SecondsFormat, Utc};
use rusqlite::{params_from_iter, types::Value};
use serde::{Deserialize, Serialize};

use super::{Condition, ProductStatus};
use crate::enums::text_enum;
use crate::{Result, Store};

pub const MAX_PAGE_SIZE: u32 = 500;
/// Most values offered per filter list (brands, sizes…).
const MAX_FACET_VALUES: u32 = 1000;

text_enum!(
    SortField {
        Title = "title",
        Price = "price",
        Quantity = "quantity",
        CreatedAt = "createdAt",
        UpdatedAt = "updatedAt",
    }
);

text_enum!(SortDir { Asc = "asc", Desc = "desc" });

impl SortDir {
    pub fn reversed(self) -> SortDir {
        match self {
            SortDir::Asc => SortDir::Desc,
            SortDir::Desc => SortDir::Asc,
        }
    }
}

/// What the inventory list asks for: one page of the products matching a search and filters.
/// Every filter is optional; text filters match whole values, ignoring case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct ProductQuery {
    /// Words that must all start a word of the title, description, brand or SKU, accents
    /// ignored ("robe ete" finds "Robe d'été").
    pub search: Option<String>,
    pub status: Option<ProductStatus>,
    pub category: Option<String>,
    pub brand: Option<String>,
    pub size: Option<String>,
    pub condition: Option<Condition>,
    pub color: Option<String>,
    pub material: Option<String>,
    /// Items published (or being published) on this Vinted account.
    pub seller_account_id: Option<String>,
    /// In stock for at least this many days (entered that long ago or more).
    pub min_days_in_stock: Option<u32>,
    /// In stock for at most this many days.
    pub max_days_in_stock: Option<u32>,
    pub min_price_cents: Option<i64>,
    pub max_price_cents: Option<i64>,
    pub sort_by: SortField,
    pub sort_dir: SortDir,
    pub limit: u32,
    pub offset: u32,
}

impl ProductQuery {
    /// Whether a filter other than the search and the status is set.
    fn has_attribute_filters(&self) -> bool {
        let set = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
        set(&self.category)
            || set(&self.brand)
            || set(&self.size)
            || set(&self.color)
            || set(&self.material)
            || set(&self.seller_account_id)
            || self.condition.is_some()
            || self.min_days_in_stock.is_some()
            || self.max_days_in_stock.is_some()
            || self.min_price_cents.is_some()
            || self.max_price_cents.is_some()
    }
}

impl Default for ProductQuery {
    fn default() -> Self {
        Self {
            search: None,
            status: None,
            category: None,
            brand: None,
            size: None,
            condition: None,
            color: None,
            material: None,
            seller_account_id: None,
            min_days_in_stock: None,
            max_days_in_stock: None,
            min_price_cents: None,
            max_price_cents: None,
            sort_by: SortField::UpdatedAt,
            sort_dir: SortDir::Desc,
            limit: 50,
            offset: 0,
        }
    }
}

/// One row of the inventory list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ProductSummary {
    pub id: String,
    pub sku: String,
    pub title: String,
    pub brand: Option<String>,
    pub category: Option<String>,
    pub size: Option<String>,
    pub status: ProductStatus,
    pub price_cents: i64,
    pub quantity: i64,
    /// First photo, as a file name relative to the app's data folder.
    pub photo_file: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ProductPage {
    pub items: Vec<ProductSummary>,
    /// How many products match the query in all.
    pub total: u32,
}

/// The values the inventory's filters offer, taken from the inventory itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ProductFacets {
    pub categories: Vec<String>,
    pub brands: Vec<String>,
    pub sizes: Vec<String>,
    pub colors: Vec<String>,
    pub materials: Vec<String>,
}

/// A `WHERE` clause over `seller_products p` with its arguments.
pub(crate) struct Filter {
    pub sql: String,
    pub args: Vec<Value>,
}

impl Filter {
    fn push(&mut self, condition: &str, arg: impl Into<Value>) {
        self.sql.push_str(" AND ");
        self.sql.push_str(condition);
        self.args.push(arg.into());
    }
}

impl Store {
    /// One page of the inventory, filtered and sorted in SQL, with the number of matches.
    pub fn list_products(&self, query: &ProductQuery) -> Result<ProductPage> {
        // A page larger than the list ever asks for, or days in stock beyond a century, are a
        // caller's mistake, said rather than cut.
        let too_large =
            |field: &str| crate::FieldError::new(field, crate::FieldErrorCode::TooLarge);
        let mut errors = Vec::new();
        if query.limit > MAX_PAGE_SIZE {
            errors.push(too_large("limit"));
        }
        if query
            .min_days_in_stock
            .is_some_and(|d| d > MAX_DAYS_IN_STOCK)
        {
            errors.push(too_large("minDaysInStock"));
        }
        if query
            .max_days_in_stock
            .is_some_and(|d| d > MAX_DAYS_IN_STOCK)
        {
            errors.push(too_large("maxDaysInStock"));
        }
        if !errors.is_empty() {
            return Err(crate::StoreError::Validation(errors));
        }
        let total = self.count_products(query)?;
        let items = self.product_rows(query, total)?;
        Ok(ProductPage { items, total })
    }

    /// How many products match the query's search and filters. The common cases are answered
    /// without counting rows: the whole inventory or one status from the running totals
    /// (`seller_inventory_totals`), a bare search from the full-text index alone.
    pub fn count_products(&self, query: &ProductQuery) -> Result<u32> {
        let searching = query.search.as_deref().and_then(fts_query);
        if !query.has_attribute_filters() {
            match (&searching, query.status) {
                (None, status) => {
                    return Ok(self
                        .conn
                        .prepare_cached(
                            "SELECT COALESCE(SUM(products), 0) FROM seller_inventory_totals
                             WHERE shop_id = ?1 AND (?2 IS NULL OR status = ?2)",
                        )?
                        .query_row((self.shop_id(), status), |r| r.get(0))?);
                }
                (Some(fts), None) if !self.holds_other_shops_products()? => {
                    return Ok(self
                        .conn
                        .prepare_cached(
                            "SELECT count(*) FROM seller_products_fts WHERE seller_products_fts MATCH ?1",
                        )?
                        .query_row([fts], |r| r.get(0))?);
                }
                _ => {}
            }
        }
        let filter = self.product_filter(query);
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM seller_products p WHERE {}",
                filter.sql
            ))?
            .query_row(params_from_iter(&filter.args), |r| r.get(0))?)
    }

    /// The ids of every product matching the query's search and filters (for "select all"),
    /// in the query's order.
    pub fn matching_product_ids(&self, query: &ProductQuery) -> Result<Vec<String>> {
        let filter = self.product_filter(query);
        let sql = format!(
            "SELECT p.id FROM seller_products p WHERE {} ORDER BY {}",
            filter.sql,
            order_by(query.sort_by, query.sort_dir)
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let ids = stmt
            .query_map(params_from_iter(&filter.args), |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    /// The categories, brands, sizes, colours and materials in use, for the filter lists.
    pub fn product_facets(&self) -> Result<ProductFacets> {
        let shop = self.shop_id();
        let values = |sql: &str| -> Result<Vec<String>> {
            let mut stmt = self.conn.prepare_cached(sql)?;
            let values = stmt
                .query_map((shop, MAX_FACET_VALUES), |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(values)
        };
        let column = |name: &str| {
            format!(
                "SELECT DISTINCT {name} COLLATE NOCASE FROM seller_products
                 WHERE shop_id = ?1 AND {name} IS NOT NULL ORDER BY 1 LIMIT ?2"
            )
        };
        let tag = |table: &str, name: &str| {
            format!(
                "SELECT DISTINCT t.{name} COLLATE NOCASE FROM {table} t
                 JOIN seller_products p ON p.id = t.product_id
                 WHERE p.shop_id = ?1 ORDER BY 1 LIMIT ?2"
            )
        };
        Ok(ProductFacets {
            categories: values(&column("category"))?,
            brands: values(&column("brand"))?,
            sizes: values(&column("size"))?,
            colors: values(&tag("seller_product_colors", "color"))?,
            materials: values(&tag("seller_product_materials", "material"))?,
        })
    }

    /// The rows `[offset, offset + limit)` of the query's order, `total` being how many match.
    fn product_rows(&self, query: &ProductQuery, total: u32) -> Result<Vec<ProductSummary>> {
        let mut filter = self.product_filter(query);
        let limit = query.limit.clamp(1, MAX_PAGE_SIZE);
        // OFFSET walks every entry it skips, so a page in the second half is read from the other
        // end of the order (the id tie-break makes the order total, so this is the same page),
        // halving the deepest walk.
        let end = query.offset.saturating_add(limit).min(total);
        let from_far_end = query.offset > total / 2 && query.offset < total;
        let (dir, limit, offset) = if from_far_end {
            (query.sort_dir.reversed(), end - query.offset, total - end)
        } else {
            (query.sort_dir, limit, query.offset)
        };
        // The page's rows are chosen first, from an index where one covers the filter and the
        // sort, and only those rows are read: skipping rows by OFFSET then costs index entries,
        // not table rows.
        let order = order_by(query.sort_by, dir);
        let sql = format!(
            "SELECT p.id, p.sku, p.title, p.brand, p.category, p.size, p.status, p.price,
                    p.quantity,
                    (SELECT url FROM seller_product_photos ph WHERE ph.product_id = p.id
                     ORDER BY ph.position LIMIT 1),
                    p.created_at, p.updated_at
             FROM seller_products p
             WHERE p.rowid IN (SELECT p.rowid FROM seller_products p WHERE {}
                               ORDER BY {order} LIMIT ? OFFSET ?)
             ORDER BY {order}",
            filter.sql
        );
        filter.args.push(i64::from(limit).into());
        filter.args.push(i64::from(offset).into());
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut items = stmt
            .query_map(params_from_iter(&filter.args), |r| {
                Ok(ProductSummary {
                    id: r.get(0)?,
                    sku: r.get(1)?,
                    title: r.get(2)?,
                    brand: r.get(3)?,
                    category: r.get(4)?,
                    size: r.get(5)?,
                    status: r.get(6)?,
                    price_cents: r.get(7)?,
                    quantity: r.get(8)?,
                    photo_file: r.get(9)?,
                    created_at: r.get(10)?,
                    updated_at: r.get(11)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if from_far_end {
            items.reverse();
        }
        Ok(items)
    }

    /// Whether products of shops other than this device's are stored (an admin's sync), so that
    /// the full-text index alone no longer tells how many of this shop's products match.
    fn holds_other_shops_products(&self) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM seller_products WHERE shop_id < ?1)
                     OR EXISTS (SELECT 1 FROM seller_products WHERE shop_id > ?1)",
            )?
            .query_row([self.shop_id()], |r| r.get(0))?)
    }

    /// The `WHERE` clause of a query: the shop, then each filter that is set.
    pub(crate) fn product_filter(&self, query: &ProductQuery) -> Filter {
        let mut filter = Filter {
            sql: "p.shop_id = ?".to_owned(),
            args: vec![self.shop_id().to_owned().into()],
        };
        if let Some(fts) = query.search.as_deref().and_then(fts_query) {
            filter.push(
                "p.rowid IN (SELECT rowid FROM seller_products_fts WHERE seller_products_fts MATCH ?)",
                fts,
            );
        }
        if let Some(status) = query.status {
            filter.push("p.status = ?", status.as_str().to_owned());
        }
        if let Some(condition) = query.condition {
            filter.push("p.condition_status = ?", condition.as_str().to_owned());
        }
        for (column, value) in [
            ("p.category", &query.category),
            ("p.brand", &query.brand),
            ("p.size", &query.size),
        ] {
            if let Some(value) = non_blank(value) {
                filter.push(&format!("{column} = ? COLLATE NOCASE"), value);
            }
        }
        for (table, column, value) in [
            ("seller_product_colors", "color", &query.color),
            ("seller_product_materials", "material", &query.material),
        ] {
            if let Some(value) = non_blank(value) {
                filter.push(
                    &format!(
                        "EXISTS (SELECT 1 FROM {table} t WHERE t.product_id = p.id
                                 AND t.{column} = ? COLLATE NOCASE)"
                    ),
                    value,
                );
            }
        }
        if let Some(account) = non_blank(&query.seller_account_id) {
            filter.push(
                "EXISTS (SELECT 1 FROM seller_published_listings l WHERE l.product_id = p.id
                         AND l.seller_account_id = ?)",
                account,
            );
        }
        if let Some(days) = query.min_days_in_stock {
            filter.push("p.created_at <= ?", days_ago(days));
        }
        if let Some(days) = query.max_days_in_stock {
            filter.push("p.created_at >= ?", days_ago(days));
        }
        if let Some(cents) = query.min_price_cents {
            filter.push("p.price >= ?", cents);
        }
        if let Some(cents) = query.max_price_cents {
            filter.push("p.price <= ?", cents);
        }
        filter
    }
}

fn non_blank(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The days-in-stock filters accept at most a century.
pub const MAX_DAYS_IN_STOCK: u32 = 36_500;

/// The time `days` ago; a number of days beyond any date saturates (never panics) for the
/// callers that do not check it first (a bulk selection, an export).
fn days_ago(days: u32) -> String {
    Utc::now()
        .checked_sub_signed(Duration::days(i64::from(days)))
        .unwrap_or(chrono::DateTime::<Utc>::MIN_UTC)
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn order_by(field: SortField, dir: SortDir) -> String {
    let column = match field {
        SortField::Title => "p.title COLLATE NOCASE",
        SortField::Price => "p.price",
        SortField::Quantity => "p.quantity",
        SortField::CreatedAt => "p.created_at",
        SortField::UpdatedAt => "p.updated_at",
    };
    let dir = match dir {
        SortDir::Asc => "ASC",
        SortDir::Desc => "DESC",
    };
    // The id tie-break keeps pages stable when many rows share a value.
    format!("{column} {dir}, p.id {dir}")
}

/// Turns what the user typed into an FTS5 query: every word must match, as a prefix, so
/// "robe ete" finds "Robe d'été" (the index folds accents). Only letters and digits reach FTS5,
/// so no user input can break its query syntax.
fn fts_query(search: &str) -> Option<String> {
    let terms: Vec<String> = search
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| format!("\"{t}\"*"))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}
