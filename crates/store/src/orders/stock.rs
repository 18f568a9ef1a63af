//! Stock moved by orders: each change is a row of `seller_stock_movements` (the item's quantity
//! follows by trigger, migration 0007), a purchase restocks at the weighted average cost, and a
//! cancellation compensates what its order moved.

use rusqlite::Transaction;

use super::line::{Line, stocked};
use super::pricing::weighted_average_cost;
use super::{OrderType, StockMovement, StockReason};
use crate::products::{ProductDraft, ProductStatus, insert_product};
use crate::{Result, Store, StoreError, new_id, now_rfc3339};

impl Store {
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

/// Gives back what order `order_id` moved, item by item (a sale's stock returns, a purchase's
/// goes out again), refusing when an item no longer has the units to give back.
pub(super) fn compensate(
    tx: &Transaction<'_>,
    order_id: &str,
    order_type: OrderType,
) -> Result<()> {
    let reason = match order_type {
        OrderType::Sale => StockReason::SaleCanceled,
        OrderType::Purchase => StockReason::PurchaseCanceled,
    };
    let moved: Vec<(String, i64)> = {
        let mut stmt = tx.prepare(
            "SELECT product_id, SUM(delta) FROM seller_stock_movements WHERE order_id = ?1
             GROUP BY product_id HAVING SUM(delta) <> 0 ORDER BY min(rowid)",
        )?;
        stmt.query_map([order_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    for (product_id, sum) in moved {
        let delta = -sum;
        if delta < 0 {
            check_available(tx, &product_id, -delta)?;
        }
        move_stock(tx, &product_id, Some(order_id), delta, reason)?;
    }
    Ok(())
}

fn check_available(tx: &Transaction<'_>, product_id: &str, requested: i64) -> Result<()> {
    let (sku, available): (String, i64) = tx.query_row(
        "SELECT sku, quantity FROM seller_products WHERE id = ?1",
        [product_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if available < requested {
        return Err(StoreError::InsufficientStock {
            sku,
            available,
            requested,
        });
    }
    Ok(())
}

/// Stocks a purchase line into its item (created as a `draft` when the shop does not have the
/// SKU yet); the item's unit cost becomes the weighted average of the stock on hand and the
/// units bought. Returns the item's id and fills `line.product` with what was snapshotted.
pub(super) fn restock(
    tx: &Transaction<'_>,
    shop_id: &str,
    line: &mut Line,
    order_id: &str,
) -> Result<String> {
    let bought = line.draft.quantity;
    let product_id = match &line.product {
        Some(p) => {
            let average =
                weighted_average_cost(p.quantity, p.purchase_cost, bought, line.unit_cost);
            tx.execute(
                "UPDATE seller_products SET purchase_cost = ?2 WHERE id = ?1",
                (&p.id, average),
            )?;
            p.id.clone()
        }
        None => create_bought_item(tx, shop_id, line)?,
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

/// A `draft` item for a purchase line whose SKU the shop does not have (or a generated SKU),
/// at the line's unit cost and no stock yet; the line snapshots it.
fn create_bought_item(tx: &Transaction<'_>, shop_id: &str, line: &mut Line) -> Result<String> {
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
    Ok(id)
}

/// Records one movement; the item's quantity follows it (migration 0007). Stock reaching 0
/// through a sale marks the item `sold`; stock coming back to a `sold` item makes it `ready`.
pub(super) fn move_stock(
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
