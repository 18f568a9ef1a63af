//! Sync benchmarks on the app's real schema, each beside its baseline in the same run:
//! the write overhead of change capture (the same inserts with capture off), and merge
//! throughput (cells applied per second from another device's batch).
//!
//! `cargo bench -p seller-sync` (20,000 rows; `SYNC_BENCH_ROWS=N` for another count).

use std::time::Instant;

use rusqlite::Connection;
use seller_store::Store;
use seller_store::raw::RawSql;
use seller_sync::capture::Capture;
use seller_sync::merge::{merge, pending};

const SYNCED: &[&str] = &["seller_products"];

fn insert_products(conn: &Connection, rows: usize, prefix: &str) -> f64 {
    let started = Instant::now();
    conn.execute_batch("BEGIN").unwrap();
    {
        let mut stmt = conn
            .prepare(
                "INSERT INTO seller_products (id, shop_id, sku, title, description, brand, price,
                     purchase_cost, quantity, status)
                 SELECT ?1, id, ?2, ?3, 'Une description de quelques mots', 'Marque', ?4, ?5, 1, 'listed'
                 FROM shops",
            )
            .unwrap();
        for i in 0..rows {
            stmt.execute(rusqlite::params![
                format!("{prefix}-{i:08}"),
                format!("SKU-{prefix}-{i:08}"),
                format!("Robe d'été n° {i}"),
                1000 + (i % 5000) as i64,
                500 + (i % 3000) as i64,
            ])
            .unwrap();
        }
    }
    conn.execute_batch("COMMIT").unwrap();
    started.elapsed().as_secs_f64()
}

fn main() {
    let rows: usize = std::env::var("SYNC_BENCH_ROWS")
        .ok()
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let dir = tempfile::tempdir().unwrap();
    let open = |name: &str| Store::open(&dir.path().join(name)).unwrap();

    // Warm-up: the first store pays for page cache and allocator growth.
    insert_products(open("warm.sqlite3").connection(), rows / 10, "w");

    let plain = open("plain.sqlite3");
    let plain_s = insert_products(plain.connection(), rows, "p");
    let captured = open("captured.sqlite3");
    let _capture = Capture::install(captured.connection(), "device-a", SYNCED).unwrap();
    let captured_s = insert_products(captured.connection(), rows, "c");
    let columns: i64 = captured
        .connection()
        .query_row("SELECT count(*) FROM sync_clock", [], |r| r.get(0))
        .unwrap();
    println!("bench-sync: {rows} products inserted in one transaction (prepared INSERT)");
    println!(
        "capture off: {plain_s:.2} s ({:.0} rows/s); capture on: {captured_s:.2} s ({:.0} rows/s, {columns} clock rows); overhead {:.2}x (goal <= 2x)",
        rows as f64 / plain_s,
        rows as f64 / captured_s,
        captured_s / plain_s
    );

    // Merge: the captured device's changes into another device.
    let batch = pending(captured.connection()).unwrap();
    seller_sync::merge::mark_pushed(captured.connection(), &batch).unwrap();
    let cells: usize = batch.rows.iter().map(|r| r.cells.len()).sum();
    let target_path = dir.path().join("target.sqlite3");
    std::fs::copy(dir.path().join("plain.sqlite3"), &target_path).unwrap();
    let target = Store::open(&target_path).unwrap();
    // The target must know the source's shop: same file lineage is not the case here, so the
    // rows are re-pointed at the target's own shop (a shop is synced before its products).
    let shop: String = target
        .connection()
        .query_row("SELECT id FROM shops", [], |r| r.get(0))
        .unwrap();
    let mut batch = batch;
    for row in &mut batch.rows {
        for cell in &mut row.cells {
            if cell.column == "shop_id" {
                cell.value = seller_sync::value::Value::Text(shop.clone());
            }
        }
    }
    let target_capture = Capture::install(target.connection(), "device-b", SYNCED).unwrap();
    let started = Instant::now();
    target.connection().execute_batch("BEGIN").unwrap();
    let merged = merge(target.connection(), &target_capture, &batch).unwrap();
    target.connection().execute_batch("COMMIT").unwrap();
    let merge_s = started.elapsed().as_secs_f64();
    println!(
        "merge of new rows: {} rows / {cells} cells applied in {merge_s:.2} s: {:.0} cells/s (goal >= 20,000); baseline, the same rows inserted plainly: {:.0} cells/s",
        merged.rows_created,
        cells as f64 / merge_s,
        cells as f64 / plain_s,
    );

    // Then edits of two cells in every row, merged into rows the target has.
    let started = Instant::now();
    captured
        .connection()
        .execute_batch(
            "UPDATE seller_products SET price = price + 1, title = title || ' (retouche)'",
        )
        .unwrap();
    let edit_s = started.elapsed().as_secs_f64();
    let edits = pending(captured.connection()).unwrap();
    let edited: usize = edits.rows.iter().map(|r| r.cells.len()).sum();
    let started = Instant::now();
    target.connection().execute_batch("BEGIN").unwrap();
    let merged = merge(target.connection(), &target_capture, &edits).unwrap();
    target.connection().execute_batch("COMMIT").unwrap();
    let merge_s = started.elapsed().as_secs_f64();
    println!(
        "merge of edits: {} cells applied in {merge_s:.2} s: {:.0} cells/s (goal >= 20,000); baseline, the same edits made locally in one UPDATE: {:.0} cells/s",
        merged.cells_applied,
        edited as f64 / merge_s,
        edited as f64 / edit_s,
    );
}
