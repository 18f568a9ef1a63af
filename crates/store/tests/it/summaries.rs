//! The running totals of migration 0006 must always equal the rows they sum, whoever writes:
//! the store, or plain SQL as a sync will (deleting an order, moving its date, re-pointing a
//! line, changing an item's stock).

use crate::common::{db_path, fresh_store, full_draft};
use rusqlite::Connection;
use seller_store::orders::{OrderDraft, OrderItemDraft};
use seller_store::products::ProductDraft;

/// Each summary beside the same figures recomputed from the base tables, as sorted rows.
fn summaries_and_recomputed(conn: &Connection) -> Vec<(Vec<String>, Vec<String>)> {
    let rows = |sql: &str| -> Vec<String> {
        conn.prepare(sql)
            .unwrap()
            .query_map([], |r| {
                let n = r.as_ref().column_count();
                let mut cells = Vec::with_capacity(n);
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i)?;
                    cells.push(match v {
                        rusqlite::types::Value::Real(f) => format!("{f:.6}"),
                        other => format!("{other:?}"),
                    });
                }
                Ok(cells.join("|"))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    vec![
        (
            rows("SELECT order_type, hour, account_key, orders, price, fees, cost, quantity
                  FROM seller_books_hourly WHERE orders <> 0 ORDER BY 1, 2, 3"),
            rows("SELECT order_type, substr(created_at, 1, 13), COALESCE(seller_account_id, ''),
                         count(*), SUM(price), SUM(COALESCE(fees_total, 0)), SUM(purchase_cost),
                         SUM(quantity)
                  FROM seller_orders WHERE canceled_at IS NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"),
        ),
        (
            rows("SELECT day, account_key, kind, key, units, revenue, stocked_units, stocked_days
                  FROM seller_sales_breakdown_daily WHERE units <> 0 ORDER BY 1, 2, 3, 4"),
            rows("SELECT substr(o.created_at, 1, 10), COALESCE(o.seller_account_id, ''), k.kind,
                         CASE k.kind WHEN 'category' THEN COALESCE(l.category, '')
                              ELSE COALESCE(l.brand, '') END,
                         SUM(l.quantity), SUM(l.price), SUM((l.stocked_at IS NOT NULL) * l.quantity),
                         SUM(COALESCE(l.quantity * MAX(0.0, julianday(o.created_at)
                             - julianday(l.stocked_at)), 0.0))
                  FROM seller_orders o JOIN seller_order_bundle_items l ON l.order_id = o.id
                  CROSS JOIN (SELECT 'category' AS kind UNION ALL SELECT 'brand') k
                  WHERE o.order_type = 'sale' AND o.canceled_at IS NULL
                  GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"),
        ),
        (
            rows("SELECT shop_id, status, products, stocked, units, cost_value, price_value
                  FROM seller_inventory_totals WHERE products <> 0 ORDER BY 1, 2"),
            rows("SELECT shop_id, status, count(*), SUM(quantity > 0), SUM(quantity),
                         SUM(quantity * purchase_cost), SUM(quantity * price)
                  FROM seller_products GROUP BY 1, 2 ORDER BY 1, 2"),
        ),
        (
            rows("SELECT shop_id, day, items, units, cost_value, price_value
                  FROM seller_stock_staleness_daily WHERE items <> 0 ORDER BY 1, 2"),
            rows("SELECT shop_id, substr(max(created_at, COALESCE(last_sold_at, '')), 1, 10),
                         count(*), SUM(quantity), SUM(quantity * purchase_cost),
                         SUM(quantity * price)
                  FROM seller_products WHERE quantity > 0 AND status <> 'archived'
                  GROUP BY 1, 2 ORDER BY 1, 2"),
        ),
        (
            rows("SELECT id, last_sold_at FROM seller_products ORDER BY id"),
            rows("SELECT p.id, (SELECT max(o.created_at) FROM seller_order_bundle_items l
                                JOIN seller_orders o ON o.id = l.order_id
                                WHERE l.product_id = p.id AND o.order_type = 'sale'
                                  AND o.canceled_at IS NULL)
                  FROM seller_products p ORDER BY p.id"),
        ),
    ]
}

fn assert_summaries_agree(conn: &Connection, when: &str) {
    for (n, (summary, recomputed)) in summaries_and_recomputed(conn).into_iter().enumerate() {
        assert_eq!(summary, recomputed, "summary #{n} after {when}");
    }
}

#[test]
fn running_totals_follow_store_writes_and_raw_sync_writes() {
    let (dir, mut store) = fresh_store();
    let mut skus = Vec::new();
    for (i, (category, brand)) in [("Robes", "Zara"), ("Jeans", "Levi's"), ("Vestes", "Zara")]
        .into_iter()
        .enumerate()
    {
        let product = store
            .create_product(ProductDraft {
                category: Some(category.into()),
                brand: Some(brand.into()),
                quantity: 5,
                price_cents: 2_000 + i as i64 * 500,
                purchase_cost_cents: 700,
                ..full_draft(&format!("Article {i}"))
            })
            .unwrap();
        skus.push(product.sku);
    }
    let conn = Connection::open(db_path(&dir)).unwrap();
    assert_summaries_agree(&conn, "creating products");

    let bundle = store
        .create_order(OrderDraft {
            created_at: Some("2026-03-05T23:30:00.000Z".into()),
            service_fee_cents: Some(150),
            ..OrderDraft::sale(
                5_000,
                vec![
                    OrderItemDraft::sku(&skus[0], 2),
                    OrderItemDraft::sku(&skus[1], 1),
                ],
            )
        })
        .unwrap();
    let single = store
        .create_order(OrderDraft {
            created_at: Some("2026-03-06T08:00:00.000Z".into()),
            ..OrderDraft::sale(2_500, vec![OrderItemDraft::sku(&skus[2], 1)])
        })
        .unwrap();
    store
        .create_order(OrderDraft::purchase(
            1_000,
            vec![OrderItemDraft::sku(&skus[2], 3)],
        ))
        .unwrap();
    assert_summaries_agree(&conn, "a bundle sale, a sale and a purchase");

    store.cancel_order(&single.id).unwrap();
    assert_summaries_agree(&conn, "canceling a sale");

    // What a sync may do with plain SQL.
    conn.execute(
        "UPDATE seller_orders SET created_at = '2025-12-31T10:00:00.000Z' WHERE id = ?1",
        [&bundle.id],
    )
    .unwrap();
    assert_summaries_agree(&conn, "moving a sale to another day");
    conn.execute(
        "UPDATE seller_order_bundle_items SET quantity = 3, price = 3500 WHERE order_id = ?1
         AND position = 0",
        [&bundle.id],
    )
    .unwrap();
    assert_summaries_agree(&conn, "changing a line");
    conn.execute(
        "UPDATE seller_products SET quantity = 0, status = 'archived' WHERE sku = ?1",
        [&skus[1]],
    )
    .unwrap();
    assert_summaries_agree(&conn, "archiving an item");
    conn.execute("DELETE FROM seller_orders WHERE id = ?1", [&bundle.id])
        .unwrap();
    assert_summaries_agree(&conn, "deleting a bundle sale");
    conn.execute("DELETE FROM seller_products WHERE sku = ?1", [&skus[0]])
        .unwrap();
    assert_summaries_agree(&conn, "deleting an item");
}
