//! Reading a stored order with its lines and timeline.

use rusqlite::{Connection, OptionalExtension, Row};

use super::pricing::profit_cents;
use super::{Order, OrderEvent, OrderItem, OrderType, Tracking, not_found};
use crate::Result;

pub(super) fn read_order(conn: &Connection, id: &str) -> Result<Order> {
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
