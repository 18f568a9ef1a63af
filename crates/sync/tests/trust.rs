//! A device trusts nothing it pulls: a page holding a row of a table or column that does not
//! sync, a key that is not a UUID (`../x`), a value of the wrong type or a stamp no clock can
//! hold, or one dated more than a week past the device's own time, is refused whole, nothing
//! applied and the cursor left in place.

use seller_store::raw::RawSql;
use seller_sync::hlc::{Hlc, wall_ms_now};
use seller_sync::merge::{Cell, Life, RowChange};
use seller_sync::protocol::PullResponse;
use seller_sync::replica::{self, SyncError};
use seller_sync::value::Value;

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

    // A stamp from the year 2100 would win over every later edit here: the page is refused, and
    // this device's clock does not follow it either.
    let year_2100 = Hlc::new(4_102_444_800_000, 0);
    let far = account(
        "0193a5b0-0000-7000-8000-000000000005",
        &shop,
        year_2100,
        vec![],
    );
    let refused = replica::apply_page(
        store.connection_mut(),
        &capture,
        &shop,
        &page(vec![good(), far]),
    )
    .unwrap_err();
    assert!(
        matches!(refused, SyncError::Untrusted(_)),
        "a far-future stamp: {refused}"
    );
    let conn = store.connection();
    assert_eq!(count(conn, "SELECT count(*) FROM seller_accounts"), 0);
    assert_eq!(count(conn, "SELECT count(*) FROM sync_cursors"), 0);
    let next = capture.stamp();
    assert!(
        next.wall_ms() <= wall_ms_now() + seller_sync::capture::MAX_OBSERVED_AHEAD_MS,
        "the clock followed the far future: {next:?}"
    );
    // A stamp a few days ahead (a device whose clock is off) is taken.
    let days_ahead = Hlc::new(wall_ms_now() + 3 * 24 * 3_600_000, 0);
    let near = account(
        "0193a5b0-0000-7000-8000-000000000006",
        &shop,
        days_ahead,
        vec![],
    );
    replica::apply_page(
        store.connection_mut(),
        &capture,
        &shop,
        &page(vec![good(), near]),
    )
    .unwrap();
    let conn = store.connection();
    assert_eq!(count(conn, "SELECT count(*) FROM seller_accounts"), 2);
    assert_eq!(count(conn, "SELECT seq FROM sync_cursors"), 42);
}

/// The device's store, as the sync round reaches it.
struct Shared(std::sync::Arc<std::sync::Mutex<seller_store::Store>>);

impl seller_sync::device::StoreAccess for Shared {
    async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut seller_store::Store) -> Result<T, seller_sync::device::DeviceError>
        + Send
        + 'static,
    ) -> Result<T, seller_sync::device::DeviceError> {
        let store = self.0.clone();
        tokio::task::spawn_blocking(move || f(&mut store.lock().unwrap()))
            .await
            .unwrap()
    }
}

/// Something answering as a sync server whose pull pages hold `page` (a server broken into,
/// or someone answering in its place): an HTTP/1.1 server on 127.0.0.1, one request per
/// connection.
async fn hostile_server(me: serde_json::Value, page: PullResponse, ack: bool) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let (me, page) = (me.clone(), page.clone());
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 8192];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let split = request.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                let head = String::from_utf8_lossy(&request[..split]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map_or(0, |v| v.trim().parse().unwrap_or(0));
                while request.len() < split + length {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
                let body = if path.starts_with("/v1/me") {
                    me.to_string()
                } else if path.starts_with("/v1/pull") {
                    serde_json::to_string(&page).unwrap()
                } else {
                    // Every pushed batch acknowledged, so the round goes on to pull.
                    let push: seller_sync::protocol::PushRequest =
                        serde_json::from_slice(&request[split..split + length]).unwrap();
                    let acked: Vec<i64> = if ack {
                        push.batches.iter().map(|b| b.device_seq).collect()
                    } else {
                        Vec::new()
                    };
                    serde_json::json!({ "acked": acked, "clamped": [] }).to_string()
                };
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    address
}

/// A whole sync round against a server that sends an account whose id is a path: the round
/// fails with the kind the app translates ("the server sent data this device refuses"), the
/// Sync area's last error says so, and nothing of the page is in the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_against_a_hostile_server_applies_nothing() {
    use seller_sync::device::{self, ErrorKind};
    let dir = tempfile::tempdir().unwrap();
    let (store, capture) = device::open(&dir.path().join("db.sqlite3")).unwrap();
    let shop = store.shop_id().to_owned();
    let now = Hlc::new(wall_ms_now(), 0);
    let me = serde_json::json!({
        "user_id": "0193a5b0-0000-7000-8000-0000000000aa",
        "role": "seller",
        "scopes": [shop.clone()],
    });
    let hostile = page(vec![account("../x", &shop, now, vec![])]);
    let address = hostile_server(me, hostile, true).await;
    let client =
        seller_sync::client::SyncClient::new(&address, device::schema_version(), Some("t".into()))
            .unwrap();
    let access = Shared(std::sync::Arc::new(std::sync::Mutex::new(store)));
    let error = device::sync_round(&access, &capture, &client)
        .await
        .expect_err("refused");
    assert_eq!(ErrorKind::of(&error), ErrorKind::Untrusted, "{error}");
    assert!(
        error.to_string().contains("the row id is not a UUID"),
        "{error}"
    );
    let store = access.0.lock().unwrap();
    let conn = store.connection();
    assert_eq!(count(conn, "SELECT count(*) FROM seller_accounts"), 0);
    assert_eq!(count(conn, "SELECT count(*) FROM sync_cursors"), 0);
    let status = device::status(conn).unwrap();
    assert_eq!(status.last_error_kind, Some(ErrorKind::Untrusted));
}

/// A server that acknowledges none of the batches pushed: the round stops with an error instead
/// of sending them again for ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_acknowledging_nothing_stops_the_round() {
    use seller_sync::device::{self, ErrorKind};
    let dir = tempfile::tempdir().unwrap();
    let (store, capture) = device::open(&dir.path().join("db.sqlite3")).unwrap();
    let me = serde_json::json!({ "user_id": "0193a5b0-0000-7000-8000-0000000000aa", "role": "seller", "scopes": [] });
    let address = hostile_server(me, page(vec![]), false).await;
    let client =
        seller_sync::client::SyncClient::new(&address, device::schema_version(), Some("t".into()))
            .unwrap();
    let access = Shared(std::sync::Arc::new(std::sync::Mutex::new(store)));
    let error = device::sync_round(&access, &capture, &client)
        .await
        .expect_err("refused");
    assert_eq!(ErrorKind::of(&error), ErrorKind::ServerError, "{error}");
    assert!(error.to_string().contains("acknowledged none"), "{error}");
    // The batches wait in the outbox for a server that takes them.
    let store = access.0.lock().unwrap();
    assert!(count(store.connection(), "SELECT count(*) FROM sync_outbox") > 0);
}
