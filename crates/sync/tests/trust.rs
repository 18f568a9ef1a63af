//! A device trusts nothing it pulls: a page holding a row of a table or column that does not
//! sync, a key that is not a UUID (`../x`), a value of the wrong type or a stamp no clock can
//! hold is refused whole, nothing applied and the cursor left in place; a stamp from the far
//! future is taken for its cell but moves the device's clock no further than a week ahead.

use rusqlite::types::Value;
use seller_sync::hlc::{Hlc, wall_ms_now};
use seller_sync::merge::{Cell, Life, RowChange};
use seller_sync::protocol::PullResponse;
use seller_sync::replica::{self, SyncError};

const OTHER_DEVICE: &str = "0193a5b0-0000-7000-8000-00000000000b";

fn cell(column: &str, value: Value, hlc: Hlc) -> Cell {
    Cell {
        column: column.to_owned(),
        value,
        hlc,
        device: OTHER_DEVICE.to_owned(),
    }
}

/// A new account row of the shop `shop`, with `extra` cells.
fn account(pk: &str, shop: &str, hlc: Hlc, extra: Vec<Cell>) -> RowChange {
    let mut cells = vec![
        cell("shop_id", Value::Text(shop.to_owned()), hlc),
        cell("name", Value::Text("Compte".into()), hlc),
    ];
    cells.extend(extra);
    RowChange {
        table: "seller_accounts".into(),
        pk: pk.to_owned(),
        life: Some(Life {
            cl: 1,
            hlc,
            device: OTHER_DEVICE.to_owned(),
        }),
        cells,
    }
}

fn page(rows: Vec<RowChange>) -> PullResponse {
    PullResponse {
        rows,
        cursor: 42,
        has_more: false,
    }
}

fn count(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn hostile_rows_refuse_the_page_and_nothing_lands() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, capture) = seller_sync::device::open(&dir.path().join("db.sqlite3")).unwrap();
    let shop = store.shop_id().to_owned();
    let now = Hlc::new(wall_ms_now(), 0);
    let good = || account("0193a5b0-0000-7000-8000-000000000001", &shop, now, vec![]);
    let with_cell = |column: &str, value: Value| {
        account(
            "0193a5b0-0000-7000-8000-000000000002",
            &shop,
            now,
            vec![cell(column, value, now)],
        )
    };
    let mut unknown_table = good();
    unknown_table.table = "sync_meta".into();
    let mut forged_stamp = good();
    forged_stamp.cells[1].hlc = serde_json::from_str::<Hlc>(&u64::MAX.to_string()).unwrap();
    let mut dead_life = good();
    dead_life.life.as_mut().unwrap().cl = -1;
    let hostile: Vec<(&str, RowChange)> = vec![
        ("a path as id", account("../x", &shop, now, vec![])),
        (
            "an upper-case id",
            account("0193A5B0-0000-7000-8000-000000000003", &shop, now, vec![]),
        ),
        (
            "a scope as parent",
            account("0193a5b0-0000-7000-8000-000000000004", "admin", now, vec![]),
        ),
        ("a table that does not sync", unknown_table),
        (
            "a column that does not exist",
            with_cell("is_admin", Value::Integer(1)),
        ),
        (
            "the id as a cell",
            with_cell("id", Value::Text("../y".into())),
        ),
        (
            "text in an integer column",
            with_cell("proxy_port", Value::Text("8080; DROP".into())),
        ),
        (
            "an integer in a text column",
            with_cell("proxy_host", Value::Integer(7)),
        ),
        (
            "a NUL in text",
            with_cell("username", Value::Text("a\0b".into())),
        ),
        ("a stamp no clock holds", forged_stamp),
        ("a negative causal length", dead_life),
    ];
    for (what, row) in hostile {
        // The bad row comes after a good one: the good one must not land either.
        let result = replica::apply_page(
            store.connection_mut(),
            &capture,
            &shop,
            &page(vec![good(), row]),
        );
        assert!(
            matches!(result, Err(SyncError::Untrusted(_))),
            "{what}: {result:?}"
        );
        let conn = store.connection();
        assert_eq!(
            count(conn, "SELECT count(*) FROM seller_accounts"),
            0,
            "{what}"
        );
        assert_eq!(
            count(conn, "SELECT count(*) FROM sync_cursors"),
            0,
            "{what}"
        );
    }

    // A stamp from the year 2100 is kept for its cell (every replica orders it alike), but this
    // device's next stamp stays within a week of its own time.
    let year_2100 = Hlc::new(4_102_444_800_000, 0);
    let far = account(
        "0193a5b0-0000-7000-8000-000000000005",
        &shop,
        year_2100,
        vec![],
    );
    replica::apply_page(
        store.connection_mut(),
        &capture,
        &shop,
        &page(vec![good(), far]),
    )
    .unwrap();
    let conn = store.connection();
    assert_eq!(count(conn, "SELECT count(*) FROM seller_accounts"), 2);
    assert_eq!(count(conn, "SELECT seq FROM sync_cursors"), 42);
    let next = capture.stamp();
    assert!(
        next.wall_ms() <= wall_ms_now() + seller_sync::capture::MAX_OBSERVED_AHEAD_MS,
        "the clock followed the far future: {next:?}"
    );
}
