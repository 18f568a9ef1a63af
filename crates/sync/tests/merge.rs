//! Two devices on the app's real schema exchange their changes through `pending` and `merge`:
//! rows created, cells edited on both sides, a delete against an edit, a re-creation.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::Connection;
use seller_store::Store;
use seller_store::raw::RawSql;
use seller_sync::capture::{Capture, WallClock};
use seller_sync::merge::{Merged, mark_pushed, merge, pending};

const SYNCED: &[&str] = &["seller_products"];

struct Device {
    store: Store,
    capture: Capture,
}

impl Device {
    fn conn(&self) -> &Connection {
        self.store.connection()
    }

    fn exec(&self, sql: &str) {
        self.conn().execute_batch(sql).unwrap();
    }

    /// The product's synced columns as text, or None when it does not exist. (Its quantity is
    /// the sum of its stock movements, which these tests do not sync: tests/sync.rs does.)
    fn product(&self, id: &str) -> Option<Vec<String>> {
        self.conn()
            .query_row(
                "SELECT title, price, status, sku, created_at FROM seller_products WHERE id = ?1",
                [id],
                |r| {
                    Ok(vec![
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?.to_string(),
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                    ])
                },
            )
            .ok()
    }
}

/// One wall clock both devices read, a millisecond later at every reading: changes made one
/// after the other are stamped in that order, without waiting for the real clock to move.
fn ticking_clock() -> WallClock {
    let now = Arc::new(AtomicU64::new(1_765_000_000_000));
    Arc::new(move || now.fetch_add(1, Ordering::SeqCst))
}

/// Two devices that start from the same data (as after a first download), each capturing.
fn two_devices() -> (tempfile::TempDir, Device, Device) {
    let dir = tempfile::tempdir().unwrap();
    let (a_path, b_path) = (dir.path().join("a.sqlite3"), dir.path().join("b.sqlite3"));
    drop(Store::open(&a_path).unwrap());
    std::fs::copy(&a_path, &b_path).unwrap();
    let clock = ticking_clock();
    let device = |path: &std::path::Path, id: &str| {
        let store = Store::open(path).unwrap();
        let capture =
            Capture::register_with_clock(store.connection(), id, Arc::clone(&clock)).unwrap();
        capture
            .install_triggers(store.connection(), SYNCED)
            .unwrap();
        Device { store, capture }
    };
    let (a, b) = (device(&a_path, "device-a"), device(&b_path, "device-b"));
    (dir, a, b)
}

/// Sends what `from` has not pushed yet to `to`, in one transaction there.
fn send(from: &Device, to: &Device) -> Merged {
    let batch = pending(from.conn()).unwrap();
    to.exec("BEGIN");
    let merged = merge(to.conn(), &to.capture, &batch).unwrap();
    to.exec("COMMIT");
    mark_pushed(from.conn(), &batch).unwrap();
    merged
}

fn insert(device: &Device, id: &str, title: &str, price: i64) {
    device
        .conn()
        .execute(
            "INSERT INTO seller_products (id, shop_id, sku, title, price, quantity, status)
             SELECT ?1, id, 'SKU-' || ?1, ?2, ?3, 1, 'draft' FROM shops",
            rusqlite::params![id, title, price],
        )
        .unwrap();
}

#[test]
fn a_created_row_arrives_whole_and_is_not_sent_back() {
    let (_dir, a, b) = two_devices();
    insert(&a, "p1", "Robe d'été", 1500);
    let merged = send(&a, &b);
    assert_eq!(merged.rows_created, 1);
    assert_eq!(b.product("p1"), a.product("p1"));
    // What B merged is not B's own change: nothing to send back.
    assert!(pending(b.conn()).unwrap().rows.is_empty());
    assert!(pending(a.conn()).unwrap().rows.is_empty());
}

#[test]
fn edits_of_different_cells_on_two_devices_both_survive() {
    let (_dir, a, b) = two_devices();
    insert(&a, "p1", "Robe", 1500);
    send(&a, &b);
    a.exec("UPDATE seller_products SET price = 1200 WHERE id = 'p1'");
    b.exec("UPDATE seller_products SET title = 'Robe longue' WHERE id = 'p1'");
    send(&a, &b);
    send(&b, &a);
    let expected = a.product("p1").unwrap();
    assert_eq!(b.product("p1").unwrap(), expected);
    assert_eq!(
        (expected[0].as_str(), expected[1].as_str()),
        ("Robe longue", "1200")
    );
}

#[test]
fn the_later_edit_of_one_cell_wins_on_both_devices() {
    let (_dir, a, b) = two_devices();
    insert(&a, "p1", "Robe", 1500);
    send(&a, &b);
    a.exec("UPDATE seller_products SET price = 1000 WHERE id = 'p1'");
    b.exec("UPDATE seller_products SET price = 2000 WHERE id = 'p1'");
    // Delivered in either order, the later stamp wins.
    send(&b, &a);
    send(&a, &b);
    assert_eq!(a.product("p1").unwrap()[1], "2000");
    assert_eq!(b.product("p1").unwrap()[1], "2000");
}

#[test]
fn a_delete_beats_the_edits_made_before_it_was_seen_and_a_re_creation_beats_the_delete() {
    let (_dir, a, b) = two_devices();
    insert(&a, "p1", "Robe", 1500);
    send(&a, &b);
    a.exec("DELETE FROM seller_products WHERE id = 'p1'");
    b.exec("UPDATE seller_products SET price = 999 WHERE id = 'p1'");
    send(&a, &b);
    send(&b, &a);
    assert_eq!(a.product("p1"), None);
    assert_eq!(b.product("p1"), None);

    insert(&b, "p1", "Robe revenue", 800);
    send(&b, &a);
    assert_eq!(a.product("p1").unwrap()[0], "Robe revenue");
    assert_eq!(a.product("p1"), b.product("p1"));
}
