//! Orders bookkeeping: sales and purchases, from Vinted or entered by hand, with their lines
//! (one inventory item, or several for a bundle), a timeline of dated events and the stock
//! movements they cause.
//!
//! # Money model (cents, the same for every order)
//!
//! - [`Order::price_cents`]: for a sale, the money the seller receives for the items (the
//!   revenue; what the receipts register records). For a purchase, what the seller pays the
//!   supplier for the items.
//! - Fees are only those **borne by the seller**: [`Order::shipping_fee_cents`] (postage the
//!   seller pays; none on a Vinted sale, where the buyer pays shipping) and
//!   [`Order::service_fee_cents`] (platform, commission or payment fees; on a purchase from
//!   Vinted, the buyer-protection fee the reseller paid). What the buyer pays on top of the price
//!   (Vinted's shipping and buyer protection on a sale) is neither revenue nor a fee of the seller
//!   and is not recorded.
//! - [`Order::fees_total_cents`] = shipping fee + service fee whenever either part is known (a
//!   draft whose total disagrees with its parts is refused); a bare total is accepted when no part
//!   is known. `None` means no fee reported and counts as 0.
//! - [`Order::item_price_cents`] is the item price as the marketplace shows it (listed or offered
//!   price). Informational only: it is not a fee and never enters profit.
//! - [`Order::cost_cents`]: for a sale, the cost of the goods sold, i.e. the sum over its lines
//!   of quantity × the unit purchase cost **snapshotted at the sale** (later cost edits do not
//!   rewrite past profit). For a purchase, price + fees (the landed cost of the goods).
//! - [`Order::profit_cents`] (sales only) = price − cost − fees total. See [`profit_cents`].
//!
//! # Stock
//!
//! Stock is never overwritten by the books: each change is a row of `seller_stock_movements`
//! whose deltas add up to the change of `seller_products.quantity` (SYNC.md). A sale needs every
//! linked SKU to exist with enough stock (negative stock is refused) and marks an item `sold`
//! when its quantity reaches 0. A purchase raises stock, creating a `draft` item for a SKU the
//! shop does not have yet, and moves the item's unit cost to the weighted average of the stock
//! on hand and the units bought. Cancelling an order compensates its movements exactly once.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params_from_iter, types::Value};
use serde::{Deserialize, Serialize};

use crate::enums::text_enum;
use crate::products::{
    MAX_MONEY_CENTS, MAX_PAGE_SIZE, MAX_QUANTITY, MAX_SHORT_TEXT_CHARS, MAX_TITLE_CHARS,
    ProductDraft, ProductStatus, SortDir, insert_product,
};
use crate::{
    FieldError, FieldErrorCode, Result, Store, StoreError, StoreTx, new_id, now_rfc3339,
};

text_enum!(
    /// A sale (stock leaves) or a purchase (stock enters).
    OrderType { Sale = "sale", Purchase = "purchase" }
);

text_enum!(
    /// Where an order comes from.
    OrderSource { Vinted = "vinted", Manual = "manual" }
);

text_enum!(
    /// How an order was paid, as the registers of a micro-entrepreneur record it.
    PaymentMethod {
        VintedWallet = "vinted_wallet",
        Card = "card",
        Paypal = "paypal",
        Cash = "cash",
        Transfer = "transfer",
        Other = "other",
    }
);

text_enum!(
    /// Why an item's stock moved.
    StockReason {
        Sale = "sale",
        SaleCanceled = "sale_canceled",
        Purchase = "purchase",
        PurchaseCanceled = "purchase_canceled",
        Manual = "manual",
        Import = "import",
    }
);

text_enum!(
    OrderSortField {
        CreatedAt = "createdAt",
        Price = "price",
        Profit = "profit",
        Title = "title",
    }
);

/// The status an order gets when it is canceled; reserved for [`Store::cancel_order`].
pub const CANCELED_STATUS: &str = "canceled";
/// At most this many lines in one order.
pub const MAX_ORDER_LINES: usize = 200;
pub const MAX_URL_CHARS: usize = 2000;

/// One line of an order as the user (or a sync) enters it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct OrderItemDraft {
    /// The inventory item. Sale: must exist in the shop with enough stock; `None` records a line
    /// not linked to the inventory (no stock change). Purchase: an existing item is restocked; an
    /// unknown SKU, or `None` (a generated SKU), creates a `draft` item titled like the line.
    pub sku: Option<String>,
    /// The line's title; `None` takes the item's. Required when the line creates an item or is
    /// not linked to one.
    pub title: Option<String>,
    pub quantity: i64,
    /// The line's share of the order's price, for all its units. Give it on every line (they must
    /// add up to the order's price) or on none: the store then splits the price in proportion to
    /// the items' list prices × quantities for a sale, to the quantities for a purchase.
    pub price_cents: Option<i64>,
    /// Only for a sale line not linked to the inventory: what one unit cost the seller.
    pub unit_cost_cents: Option<i64>,
}

impl OrderItemDraft {
    /// `quantity` units of the inventory item `sku`.
    pub fn sku(sku: &str, quantity: i64) -> Self {
        Self {
            sku: Some(sku.to_owned()),
            title: None,
            quantity,
            price_cents: None,
            unit_cost_cents: None,
        }
    }
}

/// What a user fills in for a manual order, or what a sync brings from Vinted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct OrderDraft {
    pub order_type: OrderType,
    pub source: OrderSource,
    pub seller_account_id: Option<String>,
    /// Vinted's order (transaction) id; unique per account. `None` for a manual order.
    pub order_id: Option<String>,
    /// `None` or blank: the lines' titles, joined.
    pub title: Option<String>,
    /// Free text (Vinted has many statuses), e.g. `pending`, `paid`, `shipped`, `completed`;
    /// `canceled` is reserved for [`Store::cancel_order`].
    pub status: String,
    /// When the sale or purchase happened (RFC 3339); `None` = now.
    pub created_at: Option<String>,
    pub payment_method: Option<PaymentMethod>,
    /// The client of a sale.
    pub buyer_name: Option<String>,
    pub buyer_username: Option<String>,
    /// The supplier of a purchase.
    pub seller_name: Option<String>,
    pub seller_username: Option<String>,
    pub shipping_street: Option<String>,
    pub shipping_city: Option<String>,
    pub shipping_postal_code: Option<String>,
    pub shipping_country: Option<String>,
    pub tracking: Tracking,
    pub processed: bool,
    /// Sale: money received by the seller; purchase: money paid to the supplier (fees apart).
    pub price_cents: i64,
    /// The marketplace's item price; informational.
    pub item_price_cents: Option<i64>,
    /// Shipping borne by the seller.
    pub shipping_fee_cents: Option<i64>,
    /// Platform, commission or payment fees borne by the seller.
    pub service_fee_cents: Option<i64>,
    /// Fees borne by the seller; when given with parts, must equal their sum.
    pub fees_total_cents: Option<i64>,
    pub items: Vec<OrderItemDraft>,
}

impl OrderDraft {
    /// A manual sale of `items` for `price_cents`, status `completed`; handy for tools and tests.
    pub fn sale(price_cents: i64, items: Vec<OrderItemDraft>) -> Self {
        Self::new(OrderType::Sale, price_cents, items)
    }

    /// A manual purchase of `items` for `price_cents`, status `completed`.
    pub fn purchase(price_cents: i64, items: Vec<OrderItemDraft>) -> Self {
        Self::new(OrderType::Purchase, price_cents, items)
    }

    fn new(order_type: OrderType, price_cents: i64, items: Vec<OrderItemDraft>) -> Self {
        Self {
            order_type,
            source: OrderSource::Manual,
            seller_account_id: None,
            order_id: None,
            title: None,
            status: "completed".to_owned(),
            created_at: None,
            payment_method: None,
            buyer_name: None,
            buyer_username: None,
            seller_name: None,
            seller_username: None,
            shipping_street: None,
            shipping_city: None,
            shipping_postal_code: None,
            shipping_country: None,
            tracking: Tracking::default(),
            processed: false,
            price_cents,
            item_price_cents: None,
            shipping_fee_cents: None,
            service_fee_cents: None,
            fees_total_cents: None,
            items,
        }
    }
}

/// A parcel's tracking.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Tracking {
    pub number: Option<String>,
    pub carrier: Option<String>,
    /// `http://` or `https://`.
    pub url: Option<String>,
}

/// One line of a stored order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct OrderItem {
    pub id: String,
    /// `None` when not linked to the inventory or the item was deleted since.
    pub product_id: Option<String>,
    pub sku: Option<String>,
    pub title: String,
    pub thumbnail_url: Option<String>,
    pub quantity: i64,
    /// The line's share of the order's price, all units.
    pub price_cents: i64,
    /// Sale: the unit cost when sold; purchase: the landed unit cost.
    pub unit_cost_cents: i64,
    pub category: Option<String>,
    pub brand: Option<String>,
}

/// A dated event of an order's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct OrderEvent {
    pub id: String,
    pub status: String,
    pub icon: Option<String>,
    pub occurred_at: String,
}

/// An order as stored, with its lines and its timeline (oldest event first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: String,
    pub order_type: OrderType,
    pub source: OrderSource,
    pub seller_account_id: Option<String>,
    pub order_id: Option<String>,
    pub title: String,
    /// The SKU of a single-line order; `None` for a bundle (see its lines).
    pub sku: Option<String>,
    pub category: Option<String>,
    pub thumbnail_url: Option<String>,
    /// The latest event's status.
    pub status: String,
    pub payment_method: Option<PaymentMethod>,
    pub buyer_name: Option<String>,
    pub buyer_username: Option<String>,
    pub seller_name: Option<String>,
    pub seller_username: Option<String>,
    pub shipping_street: Option<String>,
    pub shipping_city: Option<String>,
    pub shipping_postal_code: Option<String>,
    pub shipping_country: Option<String>,
    pub tracking: Tracking,
    pub processed: bool,
    pub price_cents: i64,
    pub item_price_cents: Option<i64>,
    pub shipping_fee_cents: Option<i64>,
    pub service_fee_cents: Option<i64>,
    pub fees_total_cents: Option<i64>,
    /// Sale: cost of the goods sold; purchase: price + fees.
    pub cost_cents: i64,
    /// Units, all lines together.
    pub quantity: i64,
    pub is_bundle: bool,
    /// Sales only: price − cost − fees total.
    pub profit_cents: Option<i64>,
    pub canceled_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub items: Vec<OrderItem>,
    pub timeline: Vec<OrderEvent>,
}

/// One row of the orders list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct OrderSummary {
    pub id: String,
    pub order_type: OrderType,
    pub source: OrderSource,
    pub seller_account_id: Option<String>,
    pub order_id: Option<String>,
    pub title: String,
    pub sku: Option<String>,
    pub thumbnail_url: Option<String>,
    pub status: String,
    pub payment_method: Option<PaymentMethod>,
    pub buyer_name: Option<String>,
    pub seller_name: Option<String>,
    pub processed: bool,
    pub price_cents: i64,
    pub fees_total_cents: Option<i64>,
    pub cost_cents: i64,
    pub quantity: i64,
    pub is_bundle: bool,
    pub profit_cents: Option<i64>,
    pub canceled_at: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct OrderPage {
    pub items: Vec<OrderSummary>,
    pub total: u32,
}

/// What the orders list asks for. Periods are half-open, `[from, to)`, in RFC 3339.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct OrderQuery {
    pub order_type: Option<OrderType>,
    pub status: Option<String>,
    pub seller_account_id: Option<String>,
    pub processed: Option<bool>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Words found in the title, Vinted order id, buyer, seller, tracking number or a line's
    /// SKU or title.
    pub search: Option<String>,
    pub sort_by: OrderSortField,
    pub sort_dir: SortDir,
    pub limit: u32,
    pub offset: u32,
}

impl Default for OrderQuery {
    fn default() -> Self {
        Self {
            order_type: None,
            status: None,
            seller_account_id: None,
            processed: None,
            from: None,
            to: None,
            search: None,
            sort_by: OrderSortField::CreatedAt,
            sort_dir: SortDir::Desc,
            limit: 50,
            offset: 0,
        }
    }
}

/// One change of an item's stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct StockMovement {
    pub id: String,
    pub product_id: String,
    pub order_id: Option<String>,
    pub delta: i64,
    pub reason: StockReason,
    pub created_at: String,
}

/// Profit of a sale: money received − cost of the goods − fees borne by the seller (a missing
/// fee total counts as 0). The one definition; `PROFIT_SQL` is the same in SQL.
pub const fn profit_cents(price_cents: i64, cost_cents: i64, fees_total_cents: Option<i64>) -> i64 {
    let fees = match fees_total_cents {
        Some(f) => f,
        None => 0,
    };
    price_cents - cost_cents - fees
}

/// [`profit_cents`] over a `seller_orders` row aliased `o`.
const PROFIT_SQL: &str = "(o.price - o.purchase_cost - COALESCE(o.fees_total, 0))";

impl StoreTx<'_> {
    /// Records a sale or a purchase with its lines, moves the stock and starts the timeline, in
    /// one transaction: on any error nothing is written.
    pub fn create_order(&mut self, draft: OrderDraft) -> Result<Order> {
        let id = insert_order(&self.tx, self.shop_id(), draft)?;
        self.order(&id)
    }

    /// Cancels an order: its stock movements are compensated (a sale gives its stock back, a
    /// purchase takes it out again; an item `sold` by it becomes `ready` when stock returns), the
    /// status becomes `canceled` and the timeline records it. Cancelling a canceled order changes
    /// nothing. Cancelling a purchase whose units have been sold since is refused
    /// ([`StoreError::InsufficientStock`]). The units' purchase cost is left as it is.
    pub fn cancel_order(&mut self, id: &str) -> Result<Order> {
        let tx = &self.tx;
        let (order_type, canceled_at) = order_state(tx, id)?;
        if canceled_at.is_some() {
            return self.order(id);
        }
        let reason = match order_type {
            OrderType::Sale => StockReason::SaleCanceled,
            OrderType::Purchase => StockReason::PurchaseCanceled,
        };
        let moved: Vec<(String, i64)> = {
            let mut stmt = tx.prepare(
                "SELECT product_id, SUM(delta) FROM seller_stock_movements WHERE order_id = ?1
                 GROUP BY product_id HAVING SUM(delta) <> 0 ORDER BY min(rowid)",
            )?;
            stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        for (product_id, sum) in moved {
            let delta = -sum;
            if delta < 0 {
                let (sku, available): (String, i64) = tx.query_row(
                    "SELECT sku, quantity FROM seller_products WHERE id = ?1",
                    [&product_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                if available + delta < 0 {
                    return Err(StoreError::InsufficientStock {
                        sku,
                        available,
                        requested: -delta,
                    });
                }
            }
            move_stock(tx, &product_id, Some(id), delta, reason)?;
        }
        let now = now_rfc3339();
        tx.execute(
            "UPDATE seller_orders SET canceled_at = ?2, status = ?3, updated_at = ?2 WHERE id = ?1",
            (id, &now, CANCELED_STATUS),
        )?;
        add_event(tx, id, CANCELED_STATUS, &now)?;
        self.order(id)
    }

    /// Adds a dated event to an order's timeline (`occurred_at` RFC 3339, `None` = now). The
    /// order's status becomes that of its latest event, so a back-dated event fills the history
    /// without changing the current status.
    pub fn update_order_status(
        &mut self,
        id: &str,
        status: &str,
        occurred_at: Option<&str>,
    ) -> Result<Order> {
        let mut errors = Vec::new();
        let status = checked_status(status, &mut errors);
        let occurred_at = match occurred_at {
            Some(at) => normalize_time(at).unwrap_or_else(|| {
                errors.push(FieldError::new("occurredAt", FieldErrorCode::Invalid));
                String::new()
            }),
            None => now_rfc3339(),
        };
        if !errors.is_empty() {
            return Err(StoreError::Validation(errors));
        }
        let tx = &self.tx;
        let (_, canceled_at) = order_state(tx, id)?;
        if canceled_at.is_some() {
            return Err(StoreError::Validation(vec![FieldError::new(
                "status",
                FieldErrorCode::Invalid,
            )]));
        }
        add_event(tx, id, &status, &occurred_at)?;
        tx.execute(
            "UPDATE seller_orders SET updated_at = ?2,
                status = (SELECT status FROM seller_order_timelines WHERE order_id = ?1
                          ORDER BY occurred_at DESC, rowid DESC LIMIT 1)
             WHERE id = ?1",
            (id, now_rfc3339()),
        )?;
        self.order(id)
    }

    pub fn set_order_processed(&mut self, id: &str, processed: bool) -> Result<Order> {
        let changed = self.tx.execute(
            "UPDATE seller_orders SET processed = ?2, updated_at = ?3 WHERE id = ?1",
            rusqlite::params![id, processed, now_rfc3339()],
        )?;
        if changed == 0 {
            return Err(not_found(id));
        }
        self.order(id)
    }

    pub fn update_order_tracking(&mut self, id: &str, tracking: Tracking) -> Result<Order> {
        let mut errors = Vec::new();
        let tracking = checked_tracking(tracking, &mut errors);
        if !errors.is_empty() {
            return Err(StoreError::Validation(errors));
        }
        let changed = self.tx.execute(
            "UPDATE seller_orders SET tracking_number = ?2, tracking_carrier = ?3,
                tracking_url = ?4, updated_at = ?5
             WHERE id = ?1",
            (
                id,
                &tracking.number,
                &tracking.carrier,
                &tracking.url,
                now_rfc3339(),
            ),
        )?;
        if changed == 0 {
            return Err(not_found(id));
        }
        self.order(id)
    }

    /// An order as this transaction sees it.
    pub fn order(&self, id: &str) -> Result<Order> {
        read_order(&self.tx, id)
    }
}

fn read_order(conn: &Connection, id: &str) -> Result<Order> {
    let mut order = conn
        .query_row(
            &format!("SELECT {ORDER_COLUMNS} FROM seller_orders o WHERE o.id = ?1"),
            [id],
            order_from_row,
        )
        .optional()?
        .ok_or_else(|| not_found(id))?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, product_id, sku, title, thumbnail_url, quantity, price, purchase_cost,
                category, brand
         FROM seller_order_bundle_items WHERE order_id = ?1 ORDER BY position, rowid",
    )?;
    order.items = stmt
        .query_map([id], |r| {
            Ok(OrderItem {
                id: r.get(0)?,
                product_id: r.get(1)?,
                sku: r.get(2)?,
                title: r.get(3)?,
                thumbnail_url: r.get(4)?,
                quantity: r.get(5)?,
                price_cents: r.get(6)?,
                unit_cost_cents: r.get(7)?,
                category: r.get(8)?,
                brand: r.get(9)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, status, icon, occurred_at FROM seller_order_timelines WHERE order_id = ?1
         ORDER BY occurred_at, rowid",
    )?;
    order.timeline = stmt
        .query_map([id], |r| {
            Ok(OrderEvent {
                id: r.get(0)?,
                status: r.get(1)?,
                icon: r.get(2)?,
                occurred_at: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(order)
}

impl Store {
    /// Records a sale or a purchase; see [`StoreTx::create_order`].
    pub fn create_order(&mut self, draft: OrderDraft) -> Result<Order> {
        self.write(|tx| tx.create_order(draft))
    }

    /// Cancels an order; see [`StoreTx::cancel_order`].
    pub fn cancel_order(&mut self, id: &str) -> Result<Order> {
        self.write(|tx| tx.cancel_order(id))
    }

    /// Adds a dated event to an order's timeline; see [`StoreTx::update_order_status`].
    pub fn update_order_status(
        &mut self,
        id: &str,
        status: &str,
        occurred_at: Option<&str>,
    ) -> Result<Order> {
        self.write(|tx| tx.update_order_status(id, status, occurred_at))
    }

    pub fn set_order_processed(&mut self, id: &str, processed: bool) -> Result<Order> {
        self.write(|tx| tx.set_order_processed(id, processed))
    }

    pub fn update_order_tracking(&mut self, id: &str, tracking: Tracking) -> Result<Order> {
        self.write(|tx| tx.update_order_tracking(id, tracking))
    }

    pub fn order(&self, id: &str) -> Result<Order> {
        read_order(&self.conn, id)
    }

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

    /// An item's stock movements, oldest first; their deltas add up to every change of its
    /// quantity the books made.
    pub fn stock_movements(&self, product_id: &str) -> Result<Vec<StockMovement>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, product_id, order_id, delta, reason, created_at
             FROM seller_stock_movements WHERE product_id = ?1 ORDER BY created_at, rowid",
        )?;
        let rows = stmt.query_map([product_id], |r| {
            Ok(StockMovement {
                id: r.get(0)?,
                product_id: r.get(1)?,
                order_id: r.get(2)?,
                delta: r.get(3)?,
                reason: r.get(4)?,
                created_at: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// An item of the shop as a line needs it.
struct Stocked {
    id: String,
    title: String,
    quantity: i64,
    price: i64,
    purchase_cost: i64,
    category: Option<String>,
    brand: Option<String>,
    created_at: String,
    thumbnail: Option<String>,
}

/// A line resolved against the inventory, ready to write.
struct Line {
    draft: OrderItemDraft,
    product: Option<Stocked>,
    title: String,
    price: i64,
    unit_cost: i64,
}

/// Checks and writes one order, its lines, stock movements and first event inside the caller's
/// transaction (so a sync or an import of many orders commits as one); returns its id.
pub(crate) fn insert_order(
    tx: &Transaction<'_>,
    shop_id: &str,
    draft: OrderDraft,
) -> Result<String> {
    let mut draft = checked_order(draft).map_err(StoreError::Validation)?;
    if let Some(account) = &draft.seller_account_id {
        let known: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM seller_accounts WHERE id = ?1 AND shop_id = ?2)",
            [account, shop_id],
            |r| r.get(0),
        )?;
        if !known {
            return Err(StoreError::Validation(vec![FieldError::new(
                "sellerAccountId",
                FieldErrorCode::Invalid,
            )]));
        }
    }
    let is_sale = draft.order_type == OrderType::Sale;

    // Resolve every line against the inventory before writing anything.
    let mut lines = Vec::with_capacity(draft.items.len());
    for (n, item) in std::mem::take(&mut draft.items).into_iter().enumerate() {
        let product = match &item.sku {
            Some(sku) => stocked(tx, shop_id, sku)?,
            None => None,
        };
        // A purchase line that creates an item must name it.
        if !is_sale && product.is_none() && item.title.is_none() {
            return Err(StoreError::Validation(vec![FieldError::new(
                &format!("items.{n}.title"),
                FieldErrorCode::Required,
            )]));
        }
        if is_sale && let Some(sku) = &item.sku {
            match &product {
                None => return Err(StoreError::UnknownSku { sku: sku.clone() }),
                Some(p) if p.quantity < item.quantity => {
                    return Err(StoreError::InsufficientStock {
                        sku: sku.clone(),
                        available: p.quantity,
                        requested: item.quantity,
                    });
                }
                Some(_) => {}
            }
        }
        let title = item
            .title
            .clone()
            .or_else(|| product.as_ref().map(|p| p.title.clone()))
            .unwrap_or_default();
        lines.push(Line {
            draft: item,
            product,
            title,
            price: 0,
            unit_cost: 0,
        });
    }

    // Split the price over the lines when the draft did not.
    let prices: Vec<i64> = if lines.iter().all(|l| l.draft.price_cents.is_some()) {
        lines.iter().filter_map(|l| l.draft.price_cents).collect()
    } else {
        let by_quantity: Vec<i64> = lines.iter().map(|l| l.draft.quantity).collect();
        let weights: Vec<i64> = if is_sale {
            lines
                .iter()
                .map(|l| l.product.as_ref().map_or(0, |p| p.price) * l.draft.quantity)
                .collect()
        } else {
            by_quantity.clone()
        };
        allocate(draft.price_cents, &weights, &by_quantity)
    };
    let fees_total = draft.fees_total_cents.unwrap_or(0);
    let fee_shares = if is_sale {
        vec![0; lines.len()]
    } else {
        let by_quantity: Vec<i64> = lines.iter().map(|l| l.draft.quantity).collect();
        allocate(fees_total, &prices, &by_quantity)
    };
    for ((line, price), fee_share) in lines.iter_mut().zip(prices).zip(fee_shares) {
        line.price = price;
        line.unit_cost = if is_sale {
            match &line.product {
                Some(p) => p.purchase_cost,
                None => line.draft.unit_cost_cents.unwrap_or(0),
            }
        } else {
            div_round(price + fee_share, line.draft.quantity)
        };
    }
    let cost = if is_sale {
        lines.iter().map(|l| l.unit_cost * l.draft.quantity).sum()
    } else {
        draft.price_cents + fees_total
    };
    let quantity: i64 = lines.iter().map(|l| l.draft.quantity).sum();
    let single = (lines.len() == 1).then(|| &lines[0]);
    let title = draft.title.clone().unwrap_or_else(|| {
        truncate_chars(
            &lines
                .iter()
                .map(|l| l.title.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            MAX_TITLE_CHARS,
        )
    });
    let thumbnail = lines
        .iter()
        .find_map(|l| l.product.as_ref().and_then(|p| p.thumbnail.clone()));

    let (id, now) = (new_id(), now_rfc3339());
    let created_at = draft.created_at.clone().unwrap_or_else(|| now.clone());
    tx.execute(
        "INSERT INTO seller_orders (id, order_id, order_type, source, seller_account_id, title,
            sku, price, status, category, thumbnail_url, buyer_name, buyer_username, seller_name,
            seller_username, shipping_street, shipping_city, shipping_postal_code,
            shipping_country, fees_item_price, fees_shipping_fee, fees_service_fee, fees_total,
            processed, purchase_cost, quantity, tracking_number, tracking_carrier, tracking_url,
            is_bundle, payment_method, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
            ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33)",
        rusqlite::params![
            id,
            draft.order_id,
            draft.order_type,
            draft.source,
            draft.seller_account_id,
            title,
            single.and_then(|l| l.draft.sku.clone()),
            draft.price_cents,
            draft.status,
            single.and_then(|l| l.product.as_ref().and_then(|p| p.category.clone())),
            thumbnail,
            draft.buyer_name,
            draft.buyer_username,
            draft.seller_name,
            draft.seller_username,
            draft.shipping_street,
            draft.shipping_city,
            draft.shipping_postal_code,
            draft.shipping_country,
            draft.item_price_cents,
            draft.shipping_fee_cents,
            draft.service_fee_cents,
            draft.fees_total_cents,
            draft.processed,
            cost,
            quantity,
            draft.tracking.number,
            draft.tracking.carrier,
            draft.tracking.url,
            lines.len() > 1,
            draft.payment_method,
            created_at,
            now,
        ],
    )
    .map_err(order_write_error)?;

    for (position, line) in lines.iter_mut().enumerate() {
        let product_id = if is_sale {
            if let Some(p) = &line.product {
                move_stock(
                    tx,
                    &p.id,
                    Some(&id),
                    -line.draft.quantity,
                    StockReason::Sale,
                )?;
            }
            line.product.as_ref().map(|p| p.id.clone())
        } else {
            Some(restock(tx, shop_id, line, &id)?)
        };
        let p = line.product.as_ref();
        tx.execute(
            "INSERT INTO seller_order_bundle_items (id, order_id, title, sku, thumbnail_url,
                product_id, quantity, price, purchase_cost, category, brand, stocked_at, position)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            rusqlite::params![
                new_id(),
                id,
                line.title,
                line.draft.sku,
                p.and_then(|p| p.thumbnail.clone()),
                product_id,
                line.draft.quantity,
                line.price,
                line.unit_cost,
                p.and_then(|p| p.category.clone()),
                p.and_then(|p| p.brand.clone()),
                p.map(|p| p.created_at.clone()),
                position as i64,
            ],
        )?;
    }
    add_event(tx, &id, &draft.status, &created_at)?;
    Ok(id)
}

/// Stocks a purchase line into its item (created as a `draft` when the shop does not have the
/// SKU yet); the item's unit cost becomes the weighted average of the stock on hand and the
/// units bought. Returns the item's id and fills `line.product` with what was snapshotted.
fn restock(tx: &Transaction<'_>, shop_id: &str, line: &mut Line, order_id: &str) -> Result<String> {
    let bought = line.draft.quantity;
    let product_id = match &line.product {
        Some(p) => {
            let on_hand = p.quantity.max(0);
            let average = div_round(
                on_hand * p.purchase_cost + bought * line.unit_cost,
                on_hand + bought,
            );
            tx.execute(
                "UPDATE seller_products SET purchase_cost = ?2 WHERE id = ?1",
                (&p.id, average),
            )?;
            p.id.clone()
        }
        None => {
            let mut product = ProductDraft::titled(&line.title);
            product.sku = line.draft.sku.clone();
            product.quantity = 0;
            product.purchase_cost_cents = line.unit_cost;
            let id = insert_product(tx, shop_id, product, None)?;
            let sku: String = tx.query_row(
                "SELECT sku FROM seller_products WHERE id = ?1",
                [&id],
                |r| r.get(0),
            )?;
            line.draft.sku = Some(sku.clone());
            line.product = stocked(tx, shop_id, &sku)?;
            id
        }
    };
    move_stock(
        tx,
        &product_id,
        Some(order_id),
        bought,
        StockReason::Purchase,
    )?;
    Ok(product_id)
}

/// Records one movement; the item's quantity follows it (migration 0007). Stock reaching 0
/// through a sale marks the item `sold`; stock coming back to a `sold` item makes it `ready`.
fn move_stock(
    tx: &Transaction<'_>,
    product_id: &str,
    order_id: Option<&str>,
    delta: i64,
    reason: StockReason,
) -> Result<()> {
    let now = now_rfc3339();
    tx.execute(
        "INSERT INTO seller_stock_movements (id, product_id, order_id, delta, reason, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        rusqlite::params![new_id(), product_id, order_id, delta, reason, now],
    )?;
    tx.execute(
        "UPDATE seller_products SET updated_at = ?2,
            status = CASE
                WHEN quantity = 0 AND ?3 = 'sale' THEN ?4
                WHEN quantity > 0 AND status = ?4 THEN ?5
                ELSE status END
         WHERE id = ?1",
        rusqlite::params![
            product_id,
            now,
            reason,
            ProductStatus::Sold,
            ProductStatus::Ready
        ],
    )?;
    Ok(())
}

fn stocked(tx: &Transaction<'_>, shop_id: &str, sku: &str) -> Result<Option<Stocked>> {
    Ok(tx
        .query_row(
            "SELECT p.id, p.title, p.quantity, p.price, p.purchase_cost, p.category, p.brand,
                    p.created_at,
                    (SELECT url FROM seller_product_photos ph WHERE ph.product_id = p.id
                     ORDER BY ph.position LIMIT 1)
             FROM seller_products p WHERE p.shop_id = ?1 AND p.sku = ?2",
            [shop_id, sku],
            |r| {
                Ok(Stocked {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    quantity: r.get(2)?,
                    price: r.get(3)?,
                    purchase_cost: r.get(4)?,
                    category: r.get(5)?,
                    brand: r.get(6)?,
                    created_at: r.get(7)?,
                    thumbnail: r.get(8)?,
                })
            },
        )
        .optional()?)
}

fn add_event(tx: &Transaction<'_>, order_id: &str, status: &str, occurred_at: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO seller_order_timelines (id, order_id, status, occurred_at)
         VALUES (?1, ?2, ?3, ?4)",
        (new_id(), order_id, status, occurred_at),
    )?;
    Ok(())
}

fn order_state(tx: &Transaction<'_>, id: &str) -> Result<(OrderType, Option<String>)> {
    tx.query_row(
        "SELECT order_type, canceled_at FROM seller_orders WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?
    .ok_or_else(|| not_found(id))
}

fn order_write_error(err: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(code, Some(msg)) = &err
        && code.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
        && msg.contains("seller_orders.order_id")
    {
        return StoreError::Validation(vec![FieldError::new("orderId", FieldErrorCode::Duplicate)]);
    }
    StoreError::from_write(err, None)
}

fn not_found(id: &str) -> StoreError {
    StoreError::NotFound {
        entity: "order",
        id: id.to_owned(),
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

const ORDER_COLUMNS: &str = "o.id, o.order_type, o.source, o.seller_account_id, o.order_id,
    o.title, o.sku, o.category, o.thumbnail_url, o.status, o.payment_method, o.buyer_name,
    o.buyer_username, o.seller_name, o.seller_username, o.shipping_street, o.shipping_city,
    o.shipping_postal_code, o.shipping_country, o.tracking_number, o.tracking_carrier,
    o.tracking_url, o.processed, o.price, o.fees_item_price, o.fees_shipping_fee,
    o.fees_service_fee, o.fees_total, o.purchase_cost, o.quantity, o.is_bundle, o.canceled_at,
    o.created_at, o.updated_at";

fn order_from_row(r: &Row<'_>) -> rusqlite::Result<Order> {
    let order_type: OrderType = r.get(1)?;
    let price: i64 = r.get(23)?;
    let fees_total: Option<i64> = r.get(27)?;
    let cost: i64 = r.get(28)?;
    Ok(Order {
        id: r.get(0)?,
        order_type,
        source: r.get(2)?,
        seller_account_id: r.get(3)?,
        order_id: r.get(4)?,
        title: r.get(5)?,
        sku: r.get(6)?,
        category: r.get(7)?,
        thumbnail_url: r.get(8)?,
        status: r.get(9)?,
        payment_method: r.get(10)?,
        buyer_name: r.get(11)?,
        buyer_username: r.get(12)?,
        seller_name: r.get(13)?,
        seller_username: r.get(14)?,
        shipping_street: r.get(15)?,
        shipping_city: r.get(16)?,
        shipping_postal_code: r.get(17)?,
        shipping_country: r.get(18)?,
        tracking: Tracking {
            number: r.get(19)?,
            carrier: r.get(20)?,
            url: r.get(21)?,
        },
        processed: r.get(22)?,
        price_cents: price,
        item_price_cents: r.get(24)?,
        shipping_fee_cents: r.get(25)?,
        service_fee_cents: r.get(26)?,
        fees_total_cents: fees_total,
        cost_cents: cost,
        quantity: r.get(29)?,
        is_bundle: r.get(30)?,
        profit_cents: (order_type == OrderType::Sale)
            .then(|| profit_cents(price, cost, fees_total)),
        canceled_at: r.get(31)?,
        created_at: r.get(32)?,
        updated_at: r.get(33)?,
        items: Vec::new(),
        timeline: Vec::new(),
    })
}

/// Splits `total` into parts proportional to `weights` that add up to exactly `total` (largest
/// remainder; ties go to the earlier line). Falls back to `fallback` when the weights are all 0,
/// and to equal parts when that is all 0 too.
pub(crate) fn allocate(total: i64, weights: &[i64], fallback: &[i64]) -> Vec<i64> {
    let n = weights.len();
    if n == 0 {
        return Vec::new();
    }
    let pick = |w: &[i64]| -> Option<Vec<i128>> {
        let sum: i128 = w.iter().map(|&x| i128::from(x.max(0))).sum();
        (sum > 0).then(|| w.iter().map(|&x| i128::from(x.max(0))).collect())
    };
    let weights = pick(weights)
        .or_else(|| pick(fallback))
        .unwrap_or_else(|| vec![1; n]);
    let sum: i128 = weights.iter().sum();
    let total128 = i128::from(total);
    let mut parts: Vec<i64> = weights
        .iter()
        .map(|w| (total128 * w / sum) as i64)
        .collect();
    let rest = total - parts.iter().sum::<i64>();
    let mut by_remainder: Vec<usize> = (0..n).collect();
    by_remainder.sort_by_key(|&i| std::cmp::Reverse((total128 * weights[i]) % sum));
    for &i in by_remainder.iter().take(rest.max(0) as usize) {
        parts[i] += 1;
    }
    parts
}

/// `numerator / denominator` rounded to the nearest integer, halves away from zero.
pub(crate) fn div_round(numerator: i64, denominator: i64) -> i64 {
    if denominator <= 0 {
        return 0;
    }
    let (q, r) = (numerator / denominator, numerator % denominator);
    if 2 * r.abs() >= denominator {
        q + numerator.signum()
    } else {
        q
    }
}

/// An RFC 3339 time as the database stores it (UTC, milliseconds, `Z`), or `None` when it is
/// not one. Needed before comparing times as text.
pub(crate) fn normalize_time(text: &str) -> Option<String> {
    DateTime::parse_from_rfc3339(text.trim()).ok().map(|t| {
        t.with_timezone(&Utc)
            .to_rfc3339_opts(SecondsFormat::Millis, true)
    })
}

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

fn trimmed(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => text[..at].to_owned(),
        None => text.to_owned(),
    }
}

fn checked_status(status: &str, errors: &mut Vec<FieldError>) -> String {
    let status = status.trim().to_owned();
    if status.is_empty() {
        errors.push(FieldError::new("status", FieldErrorCode::Required));
    } else if status.chars().count() > MAX_SHORT_TEXT_CHARS {
        errors.push(FieldError::new("status", FieldErrorCode::TooLong));
    } else if status == CANCELED_STATUS {
        errors.push(FieldError::new("status", FieldErrorCode::Invalid));
    }
    status
}

fn checked_tracking(tracking: Tracking, errors: &mut Vec<FieldError>) -> Tracking {
    let tracking = Tracking {
        number: trimmed(tracking.number),
        carrier: trimmed(tracking.carrier),
        url: trimmed(tracking.url),
    };
    for (field, value) in [
        ("trackingNumber", &tracking.number),
        ("trackingCarrier", &tracking.carrier),
    ] {
        if value
            .as_ref()
            .is_some_and(|v| v.chars().count() > MAX_SHORT_TEXT_CHARS)
        {
            errors.push(FieldError::new(field, FieldErrorCode::TooLong));
        }
    }
    if let Some(url) = &tracking.url {
        if url.chars().count() > MAX_URL_CHARS {
            errors.push(FieldError::new("trackingUrl", FieldErrorCode::TooLong));
        } else if !(url.starts_with("https://") || url.starts_with("http://")) {
            errors.push(FieldError::new("trackingUrl", FieldErrorCode::Invalid));
        }
    }
    tracking
}

/// The draft as it would be stored (trimmed, blanks as `None`, the fee total resolved from its
/// parts), or every field that is wrong, by the name the UI uses (`items.2.quantity` for a line).
pub fn checked_order(mut draft: OrderDraft) -> std::result::Result<OrderDraft, Vec<FieldError>> {
    use FieldErrorCode::*;
    let mut errors = Vec::new();
    let money = |cents: i64| match cents {
        c if c < 0 => Some(Negative),
        c if c > MAX_MONEY_CENTS => Some(TooLarge),
        _ => None,
    };
    let check = |errors: &mut Vec<FieldError>, field: &str, code: Option<FieldErrorCode>| {
        if let Some(code) = code {
            errors.push(FieldError::new(field, code));
        }
    };

    draft.status = checked_status(&draft.status, &mut errors);
    draft.seller_account_id = trimmed(draft.seller_account_id);
    draft.order_id = trimmed(draft.order_id);
    draft.title = trimmed(draft.title);
    check(
        &mut errors,
        "title",
        draft
            .title
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_TITLE_CHARS)
            .then_some(TooLong),
    );
    if let Some(at) = trimmed(draft.created_at.take()) {
        match normalize_time(&at) {
            Some(at) => draft.created_at = Some(at),
            None => errors.push(FieldError::new("createdAt", Invalid)),
        }
    }
    for (field, value) in [
        ("orderId", &mut draft.order_id),
        ("buyerName", &mut draft.buyer_name),
        ("buyerUsername", &mut draft.buyer_username),
        ("sellerName", &mut draft.seller_name),
        ("sellerUsername", &mut draft.seller_username),
        ("shippingStreet", &mut draft.shipping_street),
        ("shippingCity", &mut draft.shipping_city),
        ("shippingPostalCode", &mut draft.shipping_postal_code),
        ("shippingCountry", &mut draft.shipping_country),
    ] {
        *value = trimmed(value.take());
        let max = if field == "shippingStreet" {
            MAX_TITLE_CHARS
        } else {
            MAX_SHORT_TEXT_CHARS
        };
        check(
            &mut errors,
            field,
            value
                .as_ref()
                .is_some_and(|v| v.chars().count() > max)
                .then_some(TooLong),
        );
    }
    draft.tracking = checked_tracking(std::mem::take(&mut draft.tracking), &mut errors);

    check(&mut errors, "priceCents", money(draft.price_cents));
    for (field, value) in [
        ("itemPriceCents", draft.item_price_cents),
        ("shippingFeeCents", draft.shipping_fee_cents),
        ("serviceFeeCents", draft.service_fee_cents),
        ("feesTotalCents", draft.fees_total_cents),
    ] {
        check(&mut errors, field, value.and_then(money));
    }
    if draft.shipping_fee_cents.is_some() || draft.service_fee_cents.is_some() {
        let parts = draft.shipping_fee_cents.unwrap_or(0) + draft.service_fee_cents.unwrap_or(0);
        if draft.fees_total_cents.is_some_and(|total| total != parts) {
            errors.push(FieldError::new("feesTotalCents", Invalid));
        }
        draft.fees_total_cents = Some(parts);
    }

    let is_sale = draft.order_type == OrderType::Sale;
    if draft.items.is_empty() {
        errors.push(FieldError::new("items", Required));
    }
    check(
        &mut errors,
        "items",
        (draft.items.len() > MAX_ORDER_LINES).then_some(TooLarge),
    );
    let mut seen = std::collections::HashSet::new();
    let priced = draft
        .items
        .iter()
        .filter(|i| i.price_cents.is_some())
        .count();
    for (n, item) in draft.items.iter_mut().enumerate() {
        let field = |name: &str| format!("items.{n}.{name}");
        item.sku = trimmed(item.sku.take());
        item.title = trimmed(item.title.take());
        if let Some(sku) = &item.sku {
            if sku.chars().count() > MAX_SHORT_TEXT_CHARS {
                errors.push(FieldError::new(&field("sku"), TooLong));
            }
            if !seen.insert(sku.clone()) {
                errors.push(FieldError::new(&field("sku"), Duplicate));
            }
        }
        // A line not linked to an existing item needs a title; for a purchase with a SKU the
        // title is only needed when the SKU turns out new, which `insert_product` checks.
        if item.sku.is_none() && item.title.is_none() {
            errors.push(FieldError::new(&field("title"), Required));
        }
        if item
            .title
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_TITLE_CHARS)
        {
            errors.push(FieldError::new(&field("title"), TooLong));
        }
        match item.quantity {
            q if q < 0 => errors.push(FieldError::new(&field("quantity"), Negative)),
            0 => errors.push(FieldError::new(&field("quantity"), Required)),
            q if q > MAX_QUANTITY => errors.push(FieldError::new(&field("quantity"), TooLarge)),
            _ => {}
        }
        match item.price_cents {
            Some(cents) => check(&mut errors, &field("priceCents"), money(cents)),
            None if priced > 0 => errors.push(FieldError::new(&field("priceCents"), Required)),
            None => {}
        }
        if let Some(cost) = item.unit_cost_cents {
            if !is_sale || item.sku.is_some() {
                errors.push(FieldError::new(&field("unitCostCents"), Invalid));
            } else {
                check(&mut errors, &field("unitCostCents"), money(cost));
            }
        }
    }
    if priced == draft.items.len() && priced > 0 {
        let sum: i64 = draft.items.iter().filter_map(|i| i.price_cents).sum();
        if sum != draft.price_cents {
            errors.push(FieldError::new("items", Invalid));
        }
    }

    if errors.is_empty() {
        Ok(draft)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocate_adds_up_exactly_and_follows_weights() {
        assert_eq!(allocate(100, &[1, 1, 1], &[1, 1, 1]), [34, 33, 33]);
        assert_eq!(allocate(1000, &[3000, 1000], &[1, 1]), [750, 250]);
        assert_eq!(allocate(7, &[0, 0], &[1, 2]), [2, 5]);
        assert_eq!(allocate(5, &[0, 0], &[0, 0]), [3, 2]);
        assert_eq!(allocate(0, &[5, 5], &[1, 1]), [0, 0]);
        for total in [0, 1, 99, 12_345] {
            let parts = allocate(total, &[7, 13, 1, 0], &[1, 1, 1, 1]);
            assert_eq!(parts.iter().sum::<i64>(), total);
        }
    }

    #[test]
    fn div_round_rounds_halves_up() {
        assert_eq!(div_round(10, 4), 3);
        assert_eq!(div_round(9, 4), 2);
        assert_eq!(div_round(11, 4), 3);
        assert_eq!(div_round(5, 0), 0);
    }

    #[test]
    fn times_are_normalized_to_utc_milliseconds() {
        assert_eq!(
            normalize_time("2026-03-01T10:00:00+01:00").as_deref(),
            Some("2026-03-01T09:00:00.000Z")
        );
        assert_eq!(normalize_time("yesterday"), None);
    }
}
