//! Change capture on the app's real schema and store: the store's own writes (with their FTS,
//! summary and stock triggers) are recorded cell by cell in the same transaction, a failed write
//! records nothing, and writes applied from elsewhere are not recorded as local.

use rusqlite::Connection;
use seller_store::Store;
use seller_store::products::ProductDraft;
use seller_store::raw::RawSql;
use seller_sync::capture::{Capture, CaptureError};

const DEVICE: &str = "device-a";
const SYNCED: &[&str] = &[
    "seller_products",
    "seller_product_photos",
    "seller_product_colors",
];

fn store_with_capture() -> (tempfile::TempDir, Store, Capture) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("seller-panel.sqlite3")).unwrap();
    let capture = Capture::install(store.connection(), DEVICE, SYNCED).unwrap();
    (dir, store, capture)
}

/// (col, hlc, device, cl, pushed) of every clock row of one product, by column.
fn clock_of(conn: &Connection, pk: &str) -> Vec<(String, i64, String, i64, i64)> {
    let mut stmt = conn
        .prepare(
            "SELECT col, hlc, device, cl, pushed FROM sync_clock
             WHERE tbl = 'seller_products' AND pk = ?1 ORDER BY col",
        )
        .unwrap();
    stmt.query_map([pk], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn hlc_of(clock: &[(String, i64, String, i64, i64)], col: &str) -> i64 {
    clock.iter().find(|c| c.0 == col).unwrap().1
}

#[test]
fn inserts_updates_and_deletes_are_recorded_cell_by_cell() {
    let (_dir, mut store, _capture) = store_with_capture();
    let mut draft = ProductDraft::titled("Robe d'été");
    draft.price_cents = 1500;
    let product = store.create_product(draft.clone()).unwrap();

    // A creation is one clock row, the row's life: its cells carry the life's stamp.
    let created = clock_of(store.connection(), &product.id);
    assert_eq!(created.len(), 1, "{created:?}");
    let life = created.iter().find(|c| c.0.is_empty()).unwrap();
    assert_eq!((life.2.as_str(), life.3, life.4), (DEVICE, 1, 0));
    // Pushed, it goes whole: every synced column, stamped like the life; the quantity and the
    // last sale (derived from the stock movements and the orders, which sync) stay home.
    let pending = seller_sync::merge::pending(store.connection()).unwrap();
    let row = pending.rows.iter().find(|r| r.pk == product.id).unwrap();
    let columns: i64 = store
        .connection()
        .query_row(
            "SELECT count(*) FROM pragma_table_info('seller_products')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(row.cells.len() as i64, columns - 3, "{:?}", row.cells);
    assert!(
        row.cells
            .iter()
            .all(|c| c.column != "quantity" && c.column != "last_sold_at")
    );
    assert!(row.cells.iter().all(|c| c.hlc.to_i64() == life.1));

    draft.price_cents = 1200;
    store.update_product(&product.id, draft).unwrap();
    let updated = clock_of(store.connection(), &product.id);
    // Only what changed gets a clock of its own, newer than the creation.
    assert!(hlc_of(&updated, "price") > life.1, "{updated:?}");
    assert!(!updated.iter().any(|c| c.0 == "title"), "{updated:?}");

    store.delete_product(&product.id).unwrap();
    let deleted = clock_of(store.connection(), &product.id);
    assert_eq!(
        deleted.len(),
        1,
        "a deleted row keeps its life only: {deleted:?}"
    );
    assert_eq!(deleted[0].3, 2, "a deleted row's causal length is even");
}

#[test]
fn a_failed_write_records_nothing() {
    let (_dir, mut store, _capture) = store_with_capture();
    let mut draft = ProductDraft::titled("A");
    draft.sku = Some("SKU-1".into());
    store.create_product(draft.clone()).unwrap();
    let before: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM sync_clock", [], |r| r.get(0))
        .unwrap();
    // The same SKU again: the store refuses it and its transaction rolls back, clock included.
    assert!(store.create_product(draft).is_err());
    let after: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM sync_clock", [], |r| r.get(0))
        .unwrap();
    assert_eq!(before, after);
}

#[test]
fn changes_applied_from_elsewhere_are_not_recorded_and_capture_resumes() {
    let (_dir, mut store, capture) = store_with_capture();
    let conn = store.connection();
    capture.applying_remote(|| {
        conn.execute(
            "INSERT INTO seller_products (id, shop_id, sku, title, price, quantity, status)
             SELECT 'remote-1', id, 'R-1', 'Venue d''ailleurs', 100, 1, 'draft' FROM shops",
            [],
        )
        .unwrap();
    });
    assert!(clock_of(conn, "remote-1").is_empty());
    // A panic inside does not leave capture off.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        capture.applying_remote(|| panic!("a failing merge"))
    }));
    let product = store.create_product(ProductDraft::titled("Local")).unwrap();
    assert!(!clock_of(store.connection(), &product.id).is_empty());
}

#[test]
fn a_deleted_then_recreated_row_is_alive_with_a_longer_history() {
    let (_dir, store, _capture) = store_with_capture();
    let conn = store.connection();
    let insert = "INSERT INTO seller_products (id, shop_id, sku, title, price, quantity, status)
                  SELECT 'p1', id, 'S-1', 'T', 100, 1, 'draft' FROM shops";
    conn.execute(insert, []).unwrap();
    conn.execute("DELETE FROM seller_products WHERE id = 'p1'", [])
        .unwrap();
    conn.execute(insert, []).unwrap();
    let life = clock_of(conn, "p1")
        .into_iter()
        .find(|c| c.0.is_empty())
        .unwrap();
    assert_eq!(life.3, 3);
}

#[test]
fn stamps_resume_after_the_greatest_recorded_when_installed_again() {
    let (dir, mut store, _capture) = store_with_capture();
    let first = store.create_product(ProductDraft::titled("A")).unwrap();
    let greatest: i64 = store
        .connection()
        .query_row("SELECT max(hlc) FROM sync_clock", [], |r| r.get(0))
        .unwrap();
    drop(store);
    let mut store = Store::open(&dir.path().join("seller-panel.sqlite3")).unwrap();
    Capture::install(store.connection(), DEVICE, SYNCED).unwrap();
    let second = store.create_product(ProductDraft::titled("B")).unwrap();
    assert_ne!(first.id, second.id);
    let clock = clock_of(store.connection(), &second.id);
    assert!(clock.iter().all(|c| c.1 > greatest));
}

#[test]
fn a_table_without_an_id_key_is_refused_by_name() {
    let (_dir, store, _capture) = store_with_capture();
    match Capture::install(store.connection(), DEVICE, &["app_settings"]) {
        Err(CaptureError::NoIdColumn(table)) => assert_eq!(table, "app_settings"),
        other => panic!("{:?}", other.err()),
    }
    assert!(matches!(
        Capture::install(store.connection(), DEVICE, &["nope"]),
        Err(CaptureError::NoSuchTable(_))
    ));
}
