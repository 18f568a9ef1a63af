//! An order's line resolved against the inventory: the item it names, as the line snapshots it.

use rusqlite::{OptionalExtension, Transaction};

use super::OrderItemDraft;
use crate::Result;

/// An item of the shop as a line needs it.
pub(super) struct Stocked {
    pub id: String,
    pub title: String,
    pub quantity: i64,
    pub price: i64,
    pub purchase_cost: i64,
    pub category: Option<String>,
    pub brand: Option<String>,
    pub created_at: String,
    pub thumbnail: Option<String>,
}

/// A line resolved against the inventory, ready to write.
pub(super) struct Line {
    pub draft: OrderItemDraft,
    pub product: Option<Stocked>,
    pub title: String,
    pub price: i64,
    pub unit_cost: i64,
}

/// The shop's item with this SKU, as a line snapshots it.
pub(super) fn stocked(tx: &Transaction<'_>, shop_id: &str, sku: &str) -> Result<Option<Stocked>> {
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
