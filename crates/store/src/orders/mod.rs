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
//! whose deltas add up to the change of `seller_products.quantity` (`docs/SYNC.md`). A sale needs every
//! linked SKU to exist with enough stock (negative stock is refused) and marks an item `sold`
//! when its quantity reaches 0. A purchase raises stock, creating a `draft` item for a SKU the
//! shop does not have yet, and moves the item's unit cost to the weighted average of the stock
//! on hand and the units bought. Cancelling an order compensates its movements exactly once.

mod insert;
mod line;
mod list;
mod pricing;
mod read;
mod stock;
mod validate;
pub mod vinted;

use rusqlite::{OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use crate::enums::text_enum;
use crate::products::SortDir;
use crate::{FieldError, FieldErrorCode, Result, Store, StoreError, StoreTx, new_id, now_rfc3339};
pub(crate) use insert::insert_order;
pub(crate) use pricing::div_round;
pub use pricing::profit_cents;
use read::read_order;
pub use validate::checked_order;
pub(crate) use validate::normalize_time;
use validate::{checked_status, checked_tracking};

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
}

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
        stock::compensate(tx, id, order_type)?;
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

/// The reference of an order in the registers and exports: Vinted's order id when it has one,
/// else `M-` and the last 8 characters of its own id, upper case (the random part of a UUIDv7:
/// stable, short, and unique in practice).
pub fn order_reference(id: &str, vinted_order_id: Option<&str>) -> String {
    if let Some(vinted) = vinted_order_id.map(str::trim).filter(|v| !v.is_empty()) {
        return vinted.to_owned();
    }
    let hex: Vec<char> = id.chars().filter(char::is_ascii_alphanumeric).collect();
    let tail: String = hex[hex.len().saturating_sub(8)..].iter().collect();
    format!("M-{}", tail.to_uppercase())
}
