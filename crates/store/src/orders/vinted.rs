//! Orders read from Vinted (`docs/VINTED.md`, "Read endpoints": orders, transaction, wallet
//! invoices): each sale or purchase becomes a `seller_orders` row with its lines, its timeline
//! and, for a sale of items the inventory knows, its stock movements, through the same money
//! model as manual orders (module [`super`]), so stock, profit, the dashboard and the registers
//! follow by themselves. What only Vinted has (its ids, the net payout, the ship-by date, the
//! label file, the transaction as first read) goes to `vinted_order_details` (migration 0017).
//!
//! Reading the same order again changes nothing: every row an order makes has an id derived from
//! (account, Vinted transaction id) ([`vinted_order_row_id`]), the lines, events and movements
//! from the order's id, so two devices importing the same orders make the same rows and a second
//! read inserts nothing (`INSERT OR IGNORE`) and updates only what differs.
//!
//! # Money of a Vinted order
//!
//! - A sale: `price` is the price the items went for (the offer); what the buyer pays on top
//!   (buyer protection, postage) is not the seller's and is only shown
//!   (`buyer_protection_fee`, `shipping_price` of the details). The seller's fees are what the
//!   wallet did not credit: `fees_service_fee = fees_total = max(0, price − net payout)`, unknown
//!   (`NULL`) until the wallet's invoice line is read. Profit = net payout − cost of the goods.
//! - A purchase: `price` is the item price, `fees_shipping_fee` the postage and
//!   `fees_service_fee` the buyer protection the reseller paid (the money model of 0004). Its
//!   lines are not linked to the inventory (the goods bought are someone else's listings).
//!
//! # Stock
//!
//! A sale's lines link to the inventory through the listing they came from (an imported
//! `seller_listings` row or a `seller_published_listings` row with the same Vinted id, and its
//! SKU), else through a SKU in the pattern of the shop found in the item's title or
//! description. A sale that is not canceled takes one unit of each linked item (when it has one
//! left) at its first read; a sale canceled later gives them back once; a sale canceled before
//! it was first read moves nothing. Links are decided at the first read and kept.

use std::collections::HashSet;

use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::line::{Stocked, stocked};
use super::pricing::{LineInput, price_order};
use super::validate::truncate_chars;
use super::{CANCELED_STATUS, OrderSource, OrderType, StockReason};
use crate::products::{MAX_TITLE_CHARS, ProductStatus, find_sku_in_text};
use crate::{Result, Store, StoreTx, now_rfc3339};

/// Where an order stands, as the store names it in the timeline and `seller_orders.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum VintedOrderStatus {
    /// Paid, waiting for the parcel.
    Paid,
    Shipped,
    Delivered,
    Completed,
    Canceled,
}

impl VintedOrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VintedOrderStatus::Paid => "paid",
            VintedOrderStatus::Shipped => "shipped",
            VintedOrderStatus::Delivered => "delivered",
            VintedOrderStatus::Completed => "completed",
            VintedOrderStatus::Canceled => CANCELED_STATUS,
        }
    }
}

/// The other party of an order: the buyer of a sale, the seller of a purchase.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counterpart {
    pub id: Option<String>,
    pub login: Option<String>,
    pub city: Option<String>,
    pub country_code: Option<String>,
}

/// An order's parcel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VintedShipment {
    pub id: Option<String>,
    pub status: Option<i64>,
    pub tracking_code: Option<String>,
    pub carrier: Option<String>,
    /// `http(s)` only; anything else is dropped.
    pub tracking_url: Option<String>,
}

/// One item of an order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VintedOrderItem {
    /// Vinted's listing id.
    pub listing_id: Option<String>,
    pub title: String,
    /// Its price as Vinted shows it (cents); the order's price is split in proportion.
    pub price_cents: Option<i64>,
    pub thumbnail_url: Option<String>,
    /// Text that may name a SKU (the item's description, when Vinted sends it).
    pub description: Option<String>,
}

/// An order as read from Vinted: its `my_orders` row and its transaction, mapped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VintedOrder {
    pub order_type: OrderType,
    pub transaction_id: String,
    pub conversation_id: Option<String>,
    pub title: String,
    /// The my_orders row's status text (localised).
    pub row_status: Option<String>,
    pub transaction_status: Option<i64>,
    /// Every status the order went through with its date (RFC 3339), oldest first; the last is
    /// the current one.
    pub events: Vec<(VintedOrderStatus, String)>,
    /// When the order was made (paid), RFC 3339.
    pub created_at: String,
    pub currency: Option<String>,
    /// The price the items went for (cents).
    pub price_cents: i64,
    pub buyer_protection_fee_cents: Option<i64>,
    pub shipping_price_cents: Option<i64>,
    pub counterpart: Counterpart,
    pub thumbnail_url: Option<String>,
    pub shipment: Option<VintedShipment>,
    pub items: Vec<VintedOrderItem>,
    /// The last day to ship (a sale), RFC 3339.
    pub ship_by: Option<String>,
    /// The transaction as Vinted sent it.
    pub snapshot: Value,
    /// Vinted no longer serves the transaction (404): the order was written from its
    /// `my_orders` row, and is not asked for again until that row's status changes.
    #[serde(default)]
    pub details_gone: bool,
}

impl VintedOrder {
    pub fn status(&self) -> VintedOrderStatus {
        self.events
            .iter()
            .map(|(status, _)| *status)
            .find(|status| *status == VintedOrderStatus::Canceled)
            .or_else(|| self.events.last().map(|(status, _)| *status))
            .unwrap_or(VintedOrderStatus::Paid)
    }
}

/// What writing one order did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VintedOrderWrite {
    pub created: bool,
    /// An order already stored changed (status, tracking, fees, a new event).
    pub changed: bool,
    /// Units taken from (negative) or given back to (positive) the inventory.
    pub stock_moved: i64,
    /// Lines linked to an inventory item.
    pub linked: i64,
}

/// What the flow needs to know of an order it sees in a `my_orders` page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KnownVintedOrder {
    pub row_status: Option<String>,
    pub finished: bool,
}

/// An order of the Orders area's Vinted list, with what only Vinted gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct VintedOrderRow {
    /// The `seller_orders` row.
    pub id: String,
    pub seller_account_id: Option<String>,
    pub order_type: OrderType,
    pub transaction_id: String,
    pub conversation_id: Option<String>,
    pub shipment_id: Option<String>,
    pub title: String,
    pub status: String,
    pub row_status: Option<String>,
    pub thumbnail_url: Option<String>,
    pub counterpart: Option<String>,
    pub price_cents: i64,
    pub fees_total_cents: Option<i64>,
    pub cost_cents: i64,
    pub profit_cents: Option<i64>,
    pub net_payout_cents: Option<i64>,
    pub buyer_protection_fee_cents: Option<i64>,
    pub shipping_price_cents: Option<i64>,
    pub currency: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_carrier: Option<String>,
    pub tracking_url: Option<String>,
    pub is_bundle: bool,
    pub quantity: i64,
    /// Set while the parcel still has to go (a sale, not shipped, not canceled).
    pub ship_by: Option<String>,
    pub label_path: Option<String>,
    /// Why the last label download failed, until one is saved.
    pub label_error: Option<String>,
    pub canceled_at: Option<String>,
    pub created_at: String,
}

/// What the Vinted list asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct VintedOrderFilter {
    pub account_id: Option<String>,
    pub order_type: Option<OrderType>,
    /// Only sales still to ship, the nearest deadline first.
    #[serde(default)]
    pub to_ship: bool,
    pub limit: u32,
    pub offset: u32,
}

/// An order's label, to download or to print.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct VintedLabel {
    pub order_id: String,
    pub seller_account_id: String,
    pub transaction_id: String,
    pub shipment_id: Option<String>,
    /// Relative to the data folder, once downloaded.
    pub label_path: Option<String>,
    /// Why the last download failed (cleared when a label is saved).
    pub label_error: Option<String>,
}

/// The id of the `seller_orders` row of the account's Vinted transaction: the same on every
/// device (a UUIDv8 of SHA-256 over a fixed label, the account's id and the transaction's id,
/// as [`crate::vinted::listings::listing_row_id`] for listings).
pub fn vinted_order_row_id(account_id: &str, transaction_id: &str) -> String {
    derived_id(&["seller_orders", account_id, transaction_id])
}

/// A UUIDv8 of the first 128 bits of SHA-256 over `parts`, each ended by a NUL byte.
fn derived_id(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.as_bytes());
        hash.update(b"\0");
    }
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes)
        .into_uuid()
        .to_string()
}

impl Store {
    /// See [`StoreTx::upsert_vinted_order`].
    pub fn upsert_vinted_order(
        &mut self,
        account_id: &str,
        order: &VintedOrder,
    ) -> Result<VintedOrderWrite> {
        self.write(|tx| tx.upsert_vinted_order(account_id, order))
    }

    /// See [`StoreTx::set_vinted_payout_month`].
    pub fn set_vinted_payout_month(
        &mut self,
        account_id: &str,
        (year, month): (i32, u32),
        parts: &[(String, i64)],
    ) -> Result<i64> {
        self.write(|tx| tx.set_vinted_payout_month(account_id, (year, month), parts))
    }

    /// The orders of the account already stored among `transaction_ids`, by transaction id.
    pub fn known_vinted_orders(
        &self,
        account_id: &str,
        transaction_ids: &[String],
    ) -> Result<Vec<(String, KnownVintedOrder)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT d.row_status,
                    o.canceled_at IS NOT NULL OR o.status = 'completed' OR d.details_gone
             FROM vinted_order_details d JOIN seller_orders o ON o.id = d.order_id
             WHERE d.seller_account_id = ?1 AND d.transaction_id = ?2",
        )?;
        let mut known = Vec::new();
        for id in transaction_ids {
            let found = stmt
                .query_row([account_id, id], |r| {
                    Ok(KnownVintedOrder {
                        row_status: r.get(0)?,
                        finished: r.get(1)?,
                    })
                })
                .optional()?;
            if let Some(found) = found {
                known.push((id.clone(), found));
            }
        }
        Ok(known)
    }

    /// The months (year, month) whose wallet invoices the read asks for: from the month of the
    /// oldest sale of the last 13 months still without its net payout up to `today`'s month
    /// (a sale is credited when it is delivered or completed, weeks after it was paid, and a
    /// refund may come later still), oldest first; none when every sale has its payout.
    pub fn vinted_months_without_payout(
        &self,
        account_id: &str,
        today: (i32, u32),
    ) -> Result<Vec<(i32, u32)>> {
        let oldest: Option<String> = self.conn.query_row(
            "SELECT min(o.created_at)
             FROM vinted_order_details d JOIN seller_orders o ON o.id = d.order_id
             WHERE d.seller_account_id = ?1 AND o.order_type = 'sale'
               AND o.canceled_at IS NULL AND d.net_payout IS NULL
               AND o.created_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-13 months')",
            [account_id],
            |r| r.get(0),
        )?;
        let Some(oldest) = oldest else {
            return Ok(Vec::new());
        };
        let year: Option<i32> = oldest.get(0..4).and_then(|y| y.parse().ok());
        let month: Option<u32> = oldest.get(5..7).and_then(|m| m.parse().ok());
        let (Some(mut year), Some(mut month)) = (year, month) else {
            return Ok(Vec::new());
        };
        let mut months = Vec::new();
        while (year, month) <= today && months.len() < 13 {
            months.push((year, month));
            (year, month) = if month == 12 {
                (year + 1, 1)
            } else {
                (year, month + 1)
            };
        }
        Ok(months)
    }

    /// Vinted orders, newest first (or, with `to_ship`, the nearest deadline first).
    pub fn vinted_orders(&self, filter: &VintedOrderFilter) -> Result<Vec<VintedOrderRow>> {
        let order_by = if filter.to_ship {
            "d.ship_by, o.created_at"
        } else {
            "o.created_at DESC, o.id"
        };
        let sql = format!(
            "SELECT o.id, o.seller_account_id, o.order_type, coalesce(d.transaction_id, o.order_id),
                    d.conversation_id,
                    d.shipment_id, o.title, o.status, d.row_status, o.thumbnail_url,
                    coalesce(o.buyer_username, o.seller_username), o.price, o.fees_total,
                    o.purchase_cost, d.net_payout, d.buyer_protection_fee, d.shipping_price,
                    d.currency, o.tracking_number, o.tracking_carrier, o.tracking_url,
                    o.is_bundle, o.quantity,
                    CASE WHEN o.order_type = 'sale' AND o.canceled_at IS NULL
                              AND o.status = 'paid' THEN d.ship_by END,
                    d.label_path, o.canceled_at, o.created_at, d.label_error
             FROM seller_orders o LEFT JOIN vinted_order_details d ON d.order_id = o.id
             WHERE o.source = 'vinted' AND o.seller_account_id IS NOT NULL
               AND (?1 IS NULL OR o.seller_account_id = ?1)
               AND (?2 IS NULL OR o.order_type = ?2)
               AND (?3 = 0 OR (o.order_type = 'sale' AND o.canceled_at IS NULL
                               AND o.status = 'paid' AND d.ship_by IS NOT NULL))
             ORDER BY {order_by} LIMIT ?4 OFFSET ?5"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let limit = if filter.limit == 0 { 100 } else { filter.limit };
        let rows = stmt.query_map(
            params![
                filter.account_id,
                filter.order_type,
                filter.to_ship,
                i64::from(limit.min(1000)),
                i64::from(filter.offset)
            ],
            |r| {
                let order_type: OrderType = r.get(2)?;
                let price: i64 = r.get(11)?;
                let fees: Option<i64> = r.get(12)?;
                let cost: i64 = r.get(13)?;
                Ok(VintedOrderRow {
                    id: r.get(0)?,
                    seller_account_id: r.get(1)?,
                    order_type,
                    transaction_id: r.get(3)?,
                    conversation_id: r.get(4)?,
                    shipment_id: r.get(5)?,
                    title: r.get(6)?,
                    status: r.get(7)?,
                    row_status: r.get(8)?,
                    thumbnail_url: r.get(9)?,
                    counterpart: r.get(10)?,
                    price_cents: price,
                    fees_total_cents: fees,
                    cost_cents: cost,
                    profit_cents: (order_type == OrderType::Sale)
                        .then(|| super::profit_cents(price, cost, fees)),
                    net_payout_cents: r.get(14)?,
                    buyer_protection_fee_cents: r.get(15)?,
                    shipping_price_cents: r.get(16)?,
                    currency: r.get(17)?,
                    tracking_number: r.get(18)?,
                    tracking_carrier: r.get(19)?,
                    tracking_url: r.get(20)?,
                    is_bundle: r.get(21)?,
                    quantity: r.get(22)?,
                    ship_by: r.get(23)?,
                    label_path: r.get(24)?,
                    canceled_at: r.get(25)?,
                    created_at: r.get(26)?,
                    label_error: r.get(27)?,
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The labels of these orders: only sales read from Vinted that are not canceled (a
    /// purchase's or a canceled sale's label is never asked for).
    pub fn vinted_labels(&self, order_ids: &[String]) -> Result<Vec<VintedLabel>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT d.order_id, d.seller_account_id, d.transaction_id, d.shipment_id,
                    d.label_path, d.label_error
             FROM vinted_order_details d JOIN seller_orders o ON o.id = d.order_id
             WHERE d.order_id = ?1 AND o.order_type = 'sale' AND o.canceled_at IS NULL",
        )?;
        let mut labels = Vec::new();
        for id in order_ids {
            if let Some(label) = stmt
                .query_row([id], |r| {
                    Ok(VintedLabel {
                        order_id: r.get(0)?,
                        seller_account_id: r.get(1)?,
                        transaction_id: r.get(2)?,
                        shipment_id: r.get(3)?,
                        label_path: r.get(4)?,
                        label_error: r.get(5)?,
                    })
                })
                .optional()?
            {
                labels.push(label);
            }
        }
        Ok(labels)
    }

    /// Records where an order's label was saved (relative to the data folder).
    pub fn set_vinted_label(&mut self, order_id: &str, label_path: &str) -> Result<()> {
        let now = now_rfc3339();
        self.write(|tx| {
            tx.tx.execute(
                "UPDATE vinted_order_details SET label_path = ?2, label_downloaded_at = ?3,
                    label_error = NULL, label_error_at = NULL
                 WHERE order_id = ?1",
                (order_id, label_path, now),
            )?;
            Ok(())
        })
    }

    /// Records why an order's label could not be downloaded (a short reason), so the Orders
    /// area says it instead of asking again.
    pub fn set_vinted_label_error(&mut self, order_id: &str, reason: &str) -> Result<()> {
        let now = now_rfc3339();
        let reason = truncate_chars(reason, 200);
        self.write(|tx| {
            tx.tx.execute(
                "UPDATE vinted_order_details SET label_error = ?2, label_error_at = ?3
                 WHERE order_id = ?1",
                (order_id, reason, now),
            )?;
            Ok(())
        })
    }
}

/// A sale a payout is for: its row, the payout stored, its price, its fees and its type.
type PayoutTarget = (String, Option<i64>, i64, Option<i64>, OrderType);

/// The stored state of an order an upsert compares with.
struct Stored {
    status: String,
    canceled_at: Option<String>,
    tracking: (Option<String>, Option<String>, Option<String>),
    city: Option<String>,
    country: Option<String>,
    thumbnail: Option<String>,
    counterpart_login: Option<String>,
}

impl StoreTx<'_> {
    /// Writes one order read from Vinted: a new one with its lines, events, stock movements and
    /// details; a known one brought up to date (new events, status, tracking, a cancellation
    /// giving its stock back), writing only what changed. Details Vinted no longer sends are
    /// kept.
    pub fn upsert_vinted_order(
        &mut self,
        account_id: &str,
        order: &VintedOrder,
    ) -> Result<VintedOrderWrite> {
        let order = &bounded(order);
        let shop_id = self.shop_id().to_owned();
        let tx = &self.tx;
        let existing: Option<String> = tx
            .query_row(
                "SELECT id FROM seller_orders WHERE seller_account_id = ?1 AND order_id = ?2",
                [account_id, &order.transaction_id],
                |r| r.get(0),
            )
            .optional()?;
        let mut write = VintedOrderWrite::default();
        let id = match existing {
            Some(id) => {
                update_order(tx, &id, order, &mut write)?;
                id
            }
            None => {
                let id = vinted_order_row_id(account_id, &order.transaction_id);
                insert_order(tx, &shop_id, account_id, &id, order, &mut write)?;
                write.created = true;
                id
            }
        };
        for (status, at) in &order.events {
            let added = add_event(tx, &id, *status, at)?;
            write.changed |= added && !write.created;
        }
        if !write.created && write.changed {
            refresh_status(tx, &id)?;
        }
        upsert_details(tx, account_id, &id, order)?;
        Ok(write)
    }

    /// Records what one month's wallet invoice (all its pages added up) credited or took back
    /// per conversation, replacing what an earlier read of that month recorded; then the net
    /// payout of each sale concerned is the sum of its conversation's parts over every month,
    /// and its fees what the wallet kept (price − net payout, at least 0). Returns how many
    /// orders changed.
    pub fn set_vinted_payout_month(
        &mut self,
        account_id: &str,
        (year, month): (i32, u32),
        parts: &[(String, i64)],
    ) -> Result<i64> {
        let tx = &self.tx;
        let mut conversations: Vec<String> = {
            let mut stmt = tx.prepare_cached(
                "SELECT conversation_id FROM vinted_payout_parts
                 WHERE seller_account_id = ?1 AND year = ?2 AND month = ?3",
            )?;
            let rows = stmt.query_map(params![account_id, year, month], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        tx.execute(
            "DELETE FROM vinted_payout_parts
             WHERE seller_account_id = ?1 AND year = ?2 AND month = ?3",
            params![account_id, year, month],
        )?;
        for (conversation_id, cents) in parts {
            tx.execute(
                "INSERT INTO vinted_payout_parts (seller_account_id, conversation_id, year,
                    month, cents)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (seller_account_id, conversation_id, year, month)
                 DO UPDATE SET cents = cents + excluded.cents",
                params![account_id, conversation_id, year, month, cents],
            )?;
            conversations.push(conversation_id.clone());
        }
        conversations.sort();
        conversations.dedup();
        let mut changed = 0;
        for conversation_id in &conversations {
            let net: Option<i64> = tx.query_row(
                "SELECT sum(cents) FROM vinted_payout_parts
                 WHERE seller_account_id = ?1 AND conversation_id = ?2",
                [account_id, conversation_id],
                |r| r.get(0),
            )?;
            let found: Option<PayoutTarget> = tx
                .query_row(
                    "SELECT d.order_id, d.net_payout, o.price, o.fees_total, o.order_type
                     FROM vinted_order_details d JOIN seller_orders o ON o.id = d.order_id
                     WHERE d.seller_account_id = ?1 AND d.conversation_id = ?2",
                    [account_id, conversation_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
            let Some((order_id, stored, price, fees_total, order_type)) = found else {
                continue;
            };
            if order_type != OrderType::Sale {
                continue;
            }
            if stored != net {
                tx.execute(
                    "UPDATE vinted_order_details SET net_payout = ?2 WHERE order_id = ?1",
                    params![&order_id, net],
                )?;
            }
            let Some(net) = net else {
                continue;
            };
            let fees = (price - net).max(0);
            if fees_total != Some(fees) {
                tx.execute(
                    "UPDATE seller_orders SET fees_service_fee = ?2, fees_total = ?2,
                        fees_shipping_fee = NULL, updated_at = ?3
                     WHERE id = ?1",
                    params![order_id, fees, now_rfc3339()],
                )?;
                changed += 1;
            } else if stored != Some(net) {
                changed += 1;
            }
        }
        Ok(changed)
    }
}

/// The longest tracking code, carrier, login or city kept (Vinted's answers are not trusted).
pub const MAX_VINTED_TEXT_CHARS: usize = 100;

/// The order with its free texts cut to [`MAX_VINTED_TEXT_CHARS`].
fn bounded(order: &VintedOrder) -> VintedOrder {
    let cut = |text: &mut Option<String>| {
        if let Some(value) = text {
            *value = truncate_chars(value, MAX_VINTED_TEXT_CHARS);
        }
    };
    let mut order = order.clone();
    cut(&mut order.counterpart.login);
    cut(&mut order.counterpart.city);
    cut(&mut order.counterpart.country_code);
    cut(&mut order.row_status);
    cut(&mut order.currency);
    if let Some(shipment) = &mut order.shipment {
        cut(&mut shipment.tracking_code);
        cut(&mut shipment.carrier);
    }
    order
}

/// A new order: lines resolved against the inventory, priced, written with its stock.
fn insert_order(
    tx: &Transaction<'_>,
    shop_id: &str,
    account_id: &str,
    id: &str,
    order: &VintedOrder,
    write: &mut VintedOrderWrite,
) -> Result<()> {
    let is_sale = order.order_type == OrderType::Sale;
    let canceled = order.status() == VintedOrderStatus::Canceled;
    let mut products: Vec<Option<Stocked>> = Vec::new();
    let mut taken = HashSet::new();
    for item in &order.items {
        let product = if is_sale {
            linked_product(tx, shop_id, account_id, item)?
                // One unit of an item per order: a second line naming it stays unlinked.
                .filter(|p| taken.insert(p.id.clone()))
        } else {
            None
        };
        products.push(product);
    }
    let (shipping_fee, service_fee, fees_total) = if is_sale {
        (None, None, None)
    } else {
        let shipping = order.shipping_price_cents;
        let service = order.buyer_protection_fee_cents;
        let total = (shipping.is_some() || service.is_some())
            .then(|| shipping.unwrap_or(0) + service.unwrap_or(0));
        (shipping, service, total)
    };
    let inputs: Vec<LineInput> = order
        .items
        .iter()
        .zip(&products)
        .map(|(item, product)| LineInput {
            quantity: 1,
            price_cents: None,
            list_price_cents: item
                .price_cents
                .or(product.as_ref().map(|p| p.price))
                .unwrap_or(0),
            sale_unit_cost_cents: product.as_ref().map_or(0, |p| p.purchase_cost),
        })
        .collect();
    let pricing = price_order(order.order_type, order.price_cents, fees_total, &inputs);
    let single = (order.items.len() == 1)
        .then(|| products[0].as_ref())
        .flatten();
    let now = now_rfc3339();
    let status = order.status();
    let (buyer, seller) = if is_sale {
        (order.counterpart.login.clone(), None)
    } else {
        (None, order.counterpart.login.clone())
    };
    let shipment = order.shipment.clone().unwrap_or_default();
    tx.execute(
        "INSERT INTO seller_orders (id, order_id, order_type, source, seller_account_id, title,
            sku, price, status, category, thumbnail_url, buyer_username, seller_username,
            shipping_city, shipping_country, fees_item_price, fees_shipping_fee,
            fees_service_fee, fees_total, purchase_cost, quantity, tracking_number,
            tracking_carrier, tracking_url, is_bundle, payment_method, canceled_at, created_at,
            updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
            ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, 'vinted_wallet', ?26, ?27, ?28)",
        params![
            id,
            order.transaction_id,
            order.order_type,
            OrderSource::Vinted,
            account_id,
            truncate_chars(&order.title, MAX_TITLE_CHARS),
            single
                .map(|_| sku_of(tx, products[0].as_ref()))
                .transpose()?
                .flatten(),
            order.price_cents,
            status.as_str(),
            single.and_then(|p| p.category.clone()),
            order.thumbnail_url,
            buyer,
            seller,
            order.counterpart.city,
            order.counterpart.country_code,
            order.price_cents,
            shipping_fee,
            service_fee,
            fees_total,
            pricing.cost_cents,
            order.items.len().max(1) as i64,
            shipment.tracking_code,
            shipment.carrier,
            shipment.tracking_url,
            order.items.len() > 1,
            canceled.then(|| last_event_at(order)),
            order.created_at,
            now,
        ],
    )?;
    for (position, ((item, product), price)) in order
        .items
        .iter()
        .zip(&products)
        .zip(&pricing.lines)
        .enumerate()
    {
        let line_id = derived_id(&["seller_order_bundle_items", id, &position.to_string()]);
        let sku = sku_of(tx, product.as_ref())?;
        tx.execute(
            "INSERT OR IGNORE INTO seller_order_bundle_items (id, order_id, title, sku,
                thumbnail_url, product_id, quantity, price, purchase_cost, category, brand,
                stocked_at, position)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                line_id,
                id,
                truncate_chars(&item.title, MAX_TITLE_CHARS),
                sku,
                item.thumbnail_url
                    .clone()
                    .or_else(|| product.as_ref().and_then(|p| p.thumbnail.clone())),
                product.as_ref().map(|p| p.id.clone()),
                price.price_cents,
                price.unit_cost_cents,
                product.as_ref().and_then(|p| p.category.clone()),
                product.as_ref().and_then(|p| p.brand.clone()),
                product.as_ref().map(|p| p.created_at.clone()),
                position as i64,
            ],
        )?;
        if let Some(product) = product {
            write.linked += 1;
            // A sale canceled before it was first read never took its stock. The unit is taken
            // even when the stock is already 0 (the stock is max(0, movements), and a resale read
            // before the first sale's cancellation must still cancel that cancellation's unit
            // out); the movement's id keeps it once.
            if !canceled {
                write.stock_moved += move_stock_once(tx, &product.id, id, -1, StockReason::Sale)?;
            }
        }
    }
    Ok(())
}

/// A known order brought up to date; only what differs is written.
fn update_order(
    tx: &Transaction<'_>,
    id: &str,
    order: &VintedOrder,
    write: &mut VintedOrderWrite,
) -> Result<()> {
    let stored = tx.query_row(
        "SELECT status, canceled_at, tracking_number, tracking_carrier, tracking_url,
                shipping_city, shipping_country, thumbnail_url,
                coalesce(buyer_username, seller_username), order_type
         FROM seller_orders WHERE id = ?1",
        [id],
        |r| {
            Ok(Stored {
                status: r.get(0)?,
                canceled_at: r.get(1)?,
                tracking: (r.get(2)?, r.get(3)?, r.get(4)?),
                city: r.get(5)?,
                country: r.get(6)?,
                thumbnail: r.get(7)?,
                counterpart_login: r.get(8)?,
            })
        },
    )?;
    let shipment = order.shipment.clone().unwrap_or_default();
    // What Vinted stopped sending is kept: a value only replaces another value.
    let keep = |new: &Option<String>, old: &Option<String>| new.clone().or_else(|| old.clone());
    let tracking = (
        keep(&shipment.tracking_code, &stored.tracking.0),
        keep(&shipment.carrier, &stored.tracking.1),
        keep(&shipment.tracking_url, &stored.tracking.2),
    );
    let city = keep(&order.counterpart.city, &stored.city);
    let country = keep(&order.counterpart.country_code, &stored.country);
    let thumbnail = keep(&order.thumbnail_url, &stored.thumbnail);
    let login = keep(&order.counterpart.login, &stored.counterpart_login);
    let now = now_rfc3339();
    if tracking != stored.tracking
        || city != stored.city
        || country != stored.country
        || thumbnail != stored.thumbnail
        || login != stored.counterpart_login
    {
        tx.execute(
            "UPDATE seller_orders SET tracking_number = ?2, tracking_carrier = ?3,
                tracking_url = ?4, shipping_city = ?5, shipping_country = ?6,
                thumbnail_url = ?7,
                buyer_username = CASE WHEN order_type = 'sale' THEN ?8 ELSE buyer_username END,
                seller_username = CASE WHEN order_type = 'purchase' THEN ?8
                                       ELSE seller_username END,
                updated_at = ?9
             WHERE id = ?1",
            params![
                id, tracking.0, tracking.1, tracking.2, city, country, thumbnail, login, now
            ],
        )?;
        write.changed = true;
    }
    if order.status() == VintedOrderStatus::Canceled && stored.canceled_at.is_none() {
        // Given back once: the movements' ids are the order's.
        let moved: Vec<(String, i64)> = {
            let mut stmt = tx.prepare(
                "SELECT product_id, SUM(delta) FROM seller_stock_movements WHERE order_id = ?1
                 GROUP BY product_id HAVING SUM(delta) <> 0 ORDER BY min(rowid)",
            )?;
            stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        for (product_id, sum) in moved {
            if sum < 0 {
                write.stock_moved +=
                    move_stock_once(tx, &product_id, id, -sum, StockReason::SaleCanceled)?;
            }
        }
        tx.execute(
            "UPDATE seller_orders SET canceled_at = ?2, status = ?3, updated_at = ?4
             WHERE id = ?1",
            params![id, last_event_at(order), CANCELED_STATUS, now],
        )?;
        write.changed = true;
    }
    let _ = stored.status;
    Ok(())
}

/// The order's status becomes its latest event's (a canceled order stays canceled).
fn refresh_status(tx: &Transaction<'_>, id: &str) -> Result<()> {
    tx.execute(
        "UPDATE seller_orders SET updated_at = ?2,
            status = CASE WHEN canceled_at IS NOT NULL THEN ?3 ELSE
                (SELECT status FROM seller_order_timelines WHERE order_id = ?1
                 ORDER BY occurred_at DESC, rowid DESC LIMIT 1) END
         WHERE id = ?1 AND status <> CASE WHEN canceled_at IS NOT NULL THEN ?3 ELSE
                (SELECT status FROM seller_order_timelines WHERE order_id = ?1
                 ORDER BY occurred_at DESC, rowid DESC LIMIT 1) END",
        params![id, now_rfc3339(), CANCELED_STATUS],
    )?;
    Ok(())
}

/// Adds an event once per (order, status); true when it was new.
fn add_event(
    tx: &Transaction<'_>,
    order_id: &str,
    status: VintedOrderStatus,
    at: &str,
) -> Result<bool> {
    let id = derived_id(&["seller_order_timelines", order_id, status.as_str()]);
    let added = tx.execute(
        "INSERT OR IGNORE INTO seller_order_timelines (id, order_id, status, occurred_at)
         VALUES (?1, ?2, ?3, ?4)",
        (id, order_id, status.as_str(), at),
    )?;
    Ok(added > 0)
}

/// One stock movement of an order for an item and a reason, with an id derived from them, so
/// it is written once whatever reads the order again (here or on another device). Returns the
/// units moved (0 when it was there already).
fn move_stock_once(
    tx: &Transaction<'_>,
    product_id: &str,
    order_id: &str,
    delta: i64,
    reason: StockReason,
) -> Result<i64> {
    let id = derived_id(&[
        "seller_stock_movements",
        order_id,
        product_id,
        reason.as_str(),
    ]);
    let now = now_rfc3339();
    let added = tx.execute(
        "INSERT OR IGNORE INTO seller_stock_movements (id, product_id, order_id, delta, reason,
            created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, product_id, order_id, delta, reason, now],
    )?;
    if added == 0 {
        return Ok(0);
    }
    tx.execute(
        "UPDATE seller_products SET updated_at = ?2,
            status = CASE
                WHEN quantity = 0 AND ?3 = 'sale' THEN ?4
                WHEN quantity > 0 AND status = ?4 THEN ?5
                ELSE status END
         WHERE id = ?1",
        params![
            product_id,
            now,
            reason,
            ProductStatus::Sold,
            ProductStatus::Ready
        ],
    )?;
    Ok(delta)
}

/// The details row: created at the first read (the snapshot taken then), then kept up to date
/// (a value Vinted stops sending keeps its last one; the snapshot keeps every key it ever had).
fn upsert_details(
    tx: &Transaction<'_>,
    account_id: &str,
    order_id: &str,
    order: &VintedOrder,
) -> Result<()> {
    let now = now_rfc3339();
    let stored: Option<String> = tx
        .query_row(
            "SELECT snapshot_json FROM vinted_order_details WHERE order_id = ?1",
            [order_id],
            |r| r.get(0),
        )
        .optional()?;
    let shipment = order.shipment.clone().unwrap_or_default();
    let snapshot = match &stored {
        Some(text) => {
            let mut merged: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            merge_kept(&mut merged, &order.snapshot);
            merged
        }
        None => order.snapshot.clone(),
    };
    let snapshot = serde_json::to_string(&snapshot).unwrap_or_else(|_| "{}".to_owned());
    tx.execute(
        "INSERT INTO vinted_order_details (order_id, seller_account_id, transaction_id,
            conversation_id, shipment_id, row_status, transaction_status, shipment_status,
            currency, buyer_protection_fee, shipping_price, ship_by, snapshot_json,
            first_seen_at, last_read_at, details_gone)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?15)
         ON CONFLICT (order_id) DO UPDATE SET
            conversation_id = coalesce(excluded.conversation_id, conversation_id),
            shipment_id = coalesce(excluded.shipment_id, shipment_id),
            row_status = coalesce(excluded.row_status, row_status),
            transaction_status = coalesce(excluded.transaction_status, transaction_status),
            shipment_status = coalesce(excluded.shipment_status, shipment_status),
            currency = coalesce(excluded.currency, currency),
            buyer_protection_fee = coalesce(excluded.buyer_protection_fee, buyer_protection_fee),
            shipping_price = coalesce(excluded.shipping_price, shipping_price),
            ship_by = coalesce(ship_by, excluded.ship_by),
            snapshot_json = excluded.snapshot_json,
            last_read_at = excluded.last_read_at,
            details_gone = excluded.details_gone",
        params![
            order_id,
            account_id,
            order.transaction_id,
            order.conversation_id,
            shipment.id,
            order.row_status,
            order.transaction_status,
            shipment.status,
            order.currency,
            order.buyer_protection_fee_cents,
            order.shipping_price_cents,
            order.ship_by,
            snapshot,
            now,
            order.details_gone,
        ],
    )?;
    Ok(())
}

/// `new` over `kept`, key by key, keeping what `new` no longer has (or has as `null`).
fn merge_kept(kept: &mut Value, new: &Value) {
    match (kept, new) {
        (Value::Object(kept), Value::Object(new)) => {
            for (key, value) in new {
                match kept.get_mut(key) {
                    Some(old) if !value.is_null() => merge_kept(old, value),
                    Some(_) => {}
                    None => {
                        kept.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (kept, new) if !new.is_null() => *kept = new.clone(),
        _ => {}
    }
}

/// The inventory item a sold item is: through its listing (imported or published by the app)
/// and that listing's SKU, else a SKU of the shop's pattern in its title or description.
fn linked_product(
    tx: &Transaction<'_>,
    shop_id: &str,
    account_id: &str,
    item: &VintedOrderItem,
) -> Result<Option<Stocked>> {
    if let Some(listing_id) = &item.listing_id {
        let sku: Option<String> = tx
            .query_row(
                "SELECT product_sku FROM seller_listings
                 WHERE seller_account_id = ?1 AND listing_id = ?2 AND product_sku IS NOT NULL
                 UNION ALL
                 SELECT sku FROM seller_published_listings
                 WHERE seller_account_id = ?1 AND vinted_listing_id = ?2
                 LIMIT 1",
                [account_id, listing_id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(sku) = sku
            && let Some(product) = stocked(tx, shop_id, &sku)?
        {
            return Ok(Some(product));
        }
    }
    let pattern = crate::products::pattern_and_counter(tx, shop_id)?.0;
    for text in [Some(&item.title), item.description.as_ref()]
        .into_iter()
        .flatten()
    {
        if let Some(sku) = find_sku_in_text(&pattern, text)
            && let Some(product) = stocked(tx, shop_id, &sku)?
        {
            return Ok(Some(product));
        }
    }
    Ok(None)
}

fn sku_of(tx: &Transaction<'_>, product: Option<&Stocked>) -> Result<Option<String>> {
    let Some(product) = product else {
        return Ok(None);
    };
    Ok(tx
        .query_row(
            "SELECT sku FROM seller_products WHERE id = ?1",
            [&product.id],
            |r| r.get(0),
        )
        .optional()?)
}

fn last_event_at(order: &VintedOrder) -> String {
    order
        .events
        .iter()
        .find(|(status, _)| *status == VintedOrderStatus::Canceled)
        .or(order.events.last())
        .map_or_else(|| order.created_at.clone(), |(_, at)| at.clone())
}

#[cfg(test)]
mod tests;
