//! An app update that gives synced tables new columns: a device that has pulled before pulls
//! every scope again, one that never pulled has nothing to fetch again, and an open that adds
//! nothing leaves the cursors alone.

use rusqlite::Connection;
use seller_sync::device;

fn meta(conn: &Connection, key: &str) -> Option<String> {
    device::meta(conn, key).unwrap()
}

fn cursors(conn: &Connection) -> i64 {
    conn.query_row("SELECT count(*) FROM sync_cursors", [], |r| r.get(0))
        .unwrap()
}

/// Opens the device as the app does, and gives it a cursor as a pull would.
fn opened_and_pulled(path: &std::path::Path) {
    let (store, _capture) = device::open(path).unwrap();
    let conn = seller_store::raw::RawSql::connection(&store);
    conn.execute(
        "INSERT INTO sync_cursors (scope, seq) VALUES ('shop', 42)",
        [],
    )
    .unwrap();
}

#[test]
fn only_columns_gained_since_the_last_open_start_the_scopes_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.sqlite3");
    opened_and_pulled(&path);
    {
        let (store, _) = device::open(&path).unwrap();
        let conn = seller_store::raw::RawSql::connection(&store);
        assert_eq!(cursors(conn), 1, "nothing new: the cursors stay");
        assert_eq!(meta(conn, "unreceived_columns"), None);
        let recorded = meta(conn, "synced_columns").unwrap();
        assert!(recorded.lines().any(|c| c == "seller_listings.listed_at"));
        assert!(recorded.lines().any(|c| c == "seller_products.title"));
        assert!(
            !recorded.lines().any(|c| c == "seller_products.quantity"),
            "derived here, never synced"
        );
        // As if the last open had been of an app without these columns.
        let older: Vec<&str> = recorded
            .lines()
            .filter(|c| !c.starts_with("seller_listings.listed_at"))
            .filter(|c| !c.starts_with("seller_listings.gone_at"))
            .collect();
        device::set_meta(conn, "synced_columns", &older.join("\n")).unwrap();
    }
    let (mut store, _) = device::open(&path).unwrap();
    let conn = seller_store::raw::RawSql::connection(&store);
    assert_eq!(cursors(conn), 0, "every scope is pulled again");
    assert_eq!(
        meta(conn, "unreceived_columns").as_deref(),
        Some("seller_listings.gone_at\nseller_listings.listed_at")
    );
    // Once every scope was pulled to its end, the gained columns merge as any other.
    seller_sync::replica::all_scopes_pulled(seller_store::raw::RawSql::connection_mut(&mut store))
        .unwrap();
    let conn = seller_store::raw::RawSql::connection(&store);
    assert_eq!(meta(conn, "unreceived_columns"), None);
}

#[test]
fn a_device_that_never_pulled_has_nothing_to_fetch_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.sqlite3");
    {
        let (store, _) = device::open(&path).unwrap();
        let conn = seller_store::raw::RawSql::connection(&store);
        device::set_meta(conn, "synced_columns", "seller_products.title").unwrap();
    }
    let (store, _) = device::open(&path).unwrap();
    let conn = seller_store::raw::RawSql::connection(&store);
    assert_eq!(meta(conn, "unreceived_columns"), None);
    assert!(meta(conn, "synced_columns").unwrap().lines().count() > 100);
}
