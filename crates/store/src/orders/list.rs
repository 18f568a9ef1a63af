//! The orders list: one page, filtered, searched and sorted in SQL.

use rusqlite::{params_from_iter, types::Value};

use super::pricing::{PROFIT_SQL, profit_cents};
use super::validate::{normalize_time, trimmed};
use super::{OrderPage, OrderQuery, OrderSortField, OrderSummary, OrderType};
use crate::products::{MAX_PAGE_SIZE, SortDir};
use crate::{FieldError, FieldErrorCode, Result, Store, StoreError};

impl Store {
    /// One page of orders, filtered and sorted in SQL.
    pub fn list_orders(&self, query: &OrderQuery) -> Result<OrderPage> {
        let mut errors = Vec::new();
        let mut filter = String::from("1 = 1");
        let mut args: Vec<Value> = Vec::new();
        if let Some(order_type) = query.order_type {
            filter.push_str(" AND o.order_type = ?");
            args.push(order_type.as_str().to_owned().into());
        }
        if let Some(status) = trimmed(query.status.clone()) {
            filter.push_str(" AND o.status = ?");
            args.push(status.into());
        }
        if let Some(account) = trimmed(query.seller_account_id.clone()) {
            filter.push_str(" AND o.seller_account_id = ?");
            args.push(account.into());
        }
        if let Some(processed) = query.processed {
            filter.push_str(" AND o.processed = ?");
            args.push(i64::from(processed).into());
        }
        for (field, bound, op) in [("from", &query.from, ">="), ("to", &query.to, "<")] {
            if let Some(bound) = trimmed(bound.clone()) {
                match normalize_time(&bound) {
                    Some(at) => {
                        filter.push_str(&format!(" AND o.created_at {op} ?"));
                        args.push(at.into());
                    }
                    None => errors.push(FieldError::new(field, FieldErrorCode::Invalid)),
                }
            }
        }
        if query.limit > MAX_PAGE_SIZE {
            errors.push(FieldError::new("limit", FieldErrorCode::TooLarge));
        }
        if !errors.is_empty() {
            return Err(StoreError::Validation(errors));
        }
        for word in query.search.as_deref().unwrap_or("").split_whitespace() {
            filter.push_str(SEARCH_SQL);
            let pattern = Value::from(format!("%{}%", escape_like(word)));
            args.extend(std::iter::repeat_n(
                pattern,
                SEARCH_SQL.matches('?').count(),
            ));
        }
        let total: u32 = self.conn.query_row(
            &format!("SELECT count(*) FROM seller_orders o WHERE {filter}"),
            params_from_iter(&args),
            |r| r.get(0),
        )?;
        let column = match query.sort_by {
            OrderSortField::CreatedAt => "o.created_at".to_owned(),
            OrderSortField::Price => "o.price".to_owned(),
            OrderSortField::Profit => {
                format!("CASE WHEN o.order_type = 'sale' THEN {PROFIT_SQL} END")
            }
            OrderSortField::Title => "o.title COLLATE NOCASE".to_owned(),
        };
        let dir = match query.sort_dir {
            SortDir::Asc => "ASC",
            SortDir::Desc => "DESC",
        };
        let sql = format!(
            "SELECT o.id, o.order_type, o.source, o.seller_account_id, o.order_id, o.title, o.sku,
                    o.thumbnail_url, o.status, o.payment_method, o.buyer_name, o.seller_name,
                    o.processed, o.price, o.fees_total, o.purchase_cost, o.quantity, o.is_bundle,
                    o.canceled_at, o.created_at
             FROM seller_orders o WHERE {filter}
             ORDER BY {column} {dir}, o.id {dir} LIMIT ? OFFSET ?"
        );
        args.push(i64::from(query.limit.clamp(1, MAX_PAGE_SIZE)).into());
        args.push(i64::from(query.offset).into());
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let items = stmt
            .query_map(params_from_iter(&args), |r| {
                let order_type: OrderType = r.get(1)?;
                let price: i64 = r.get(13)?;
                let fees: Option<i64> = r.get(14)?;
                let cost: i64 = r.get(15)?;
                Ok(OrderSummary {
                    id: r.get(0)?,
                    order_type,
                    source: r.get(2)?,
                    seller_account_id: r.get(3)?,
                    order_id: r.get(4)?,
                    title: r.get(5)?,
                    sku: r.get(6)?,
                    thumbnail_url: r.get(7)?,
                    status: r.get(8)?,
                    payment_method: r.get(9)?,
                    buyer_name: r.get(10)?,
                    seller_name: r.get(11)?,
                    processed: r.get(12)?,
                    price_cents: price,
                    fees_total_cents: fees,
                    cost_cents: cost,
                    quantity: r.get(16)?,
                    is_bundle: r.get(17)?,
                    profit_cents: (order_type == OrderType::Sale)
                        .then(|| profit_cents(price, cost, fees)),
                    canceled_at: r.get(18)?,
                    created_at: r.get(19)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(OrderPage { items, total })
    }
}

/// One search word (every `?` is the same `%word%` pattern): found in the order's title, Vinted
/// id, buyer, seller or tracking number, or in one of its lines' SKU or title.
const SEARCH_SQL: &str = " AND (o.title LIKE ? ESCAPE '\\' OR o.order_id LIKE ? ESCAPE '\\'
    OR o.buyer_name LIKE ? ESCAPE '\\' OR o.buyer_username LIKE ? ESCAPE '\\'
    OR o.seller_name LIKE ? ESCAPE '\\' OR o.seller_username LIKE ? ESCAPE '\\'
    OR o.tracking_number LIKE ? ESCAPE '\\'
    OR EXISTS (SELECT 1 FROM seller_order_bundle_items l WHERE l.order_id = o.id
               AND (l.sku LIKE ? ESCAPE '\\' OR l.title LIKE ? ESCAPE '\\')))";

fn escape_like(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
