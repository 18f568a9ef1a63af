//! Sync benchmarks, each beside a baseline measured in the same run (`scripts/bench sync`):
//!
//! - 100,000 rows changed offline on one device, pushed to a local server (goal ≤ 60 s, no
//!   duplicates); baseline: the same rows written straight into a server database;
//! - the initial sync of those 100,000 rows to a new device (goal ≤ 10 s), and the same sync
//!   interrupted after a page and resumed, ending identical; baseline: the same rows written
//!   straight into an app database;
//! - one change reaching another online device over loopback (p50, p95; goal p95 ≤ 100 ms);
//!   baseline: one authenticated request's round trip.
//!
//! Usage: bench-sync [--rows N] [--changes N]

use seller_panel_tests::sync as sync_support;
use seller_store::raw::RawSql;

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use seller_sync::device::{self, ViaStore};
use seller_sync::replica::{self, LocalDb};
use sync_support::{Backend, Device, fresh_database, start_server};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `rows` items in one statement (as an import would), on `device`'s shop.
fn insert_items(conn: &rusqlite::Connection, shop: &str, rows: usize) -> Result<()> {
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?2 - 1)
         INSERT INTO seller_products (id, shop_id, sku, title, description, brand, size, price,
                                      purchase_cost, quantity, status)
         SELECT printf('0193f0c0-%04x-7000-8000-%012d', i / 100000000, i), ?1,
                printf('B-%07d', i), 'Robe en lin ' || i, 'Portée deux fois, aucun défaut.',
                'Zara', '38', 1000 + i % 5000, 400 + i % 900, 0, 'listed' FROM n",
        rusqlite::params![shop, rows as i64],
    )
    .context("inserting the items")?;
    Ok(())
}

fn count(device: &Device) -> i64 {
    device.rows("SELECT count(*) FROM seller_products")[0]
        .parse()
        .unwrap()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let rows = arg("--rows", 100_000);
    let changes = arg("--changes", 200);
    let server = start_server(Backend::Sqlite, &[]).await;
    let email = "bench@example.fr";
    server.add_seller(email).await;
    let dir = tempfile::tempdir()?;
    let device_at = |name: &str| {
        let path = dir.path().join(name);
        fresh_database(&path);
        Device::open(&path)
    };
    let mut a = device_at("a.sqlite3");
    a.sign_in(&server, email).await;
    let mut b = device_at("b.sqlite3");
    b.sign_in(&server, email).await;
    let shop = a.store().shop_id().to_owned();
    println!(
        "sync benchmark: {rows} rows, {changes} single changes, server on SQLite over loopback"
    );

    // ---- push of rows changed offline
    {
        let store = a.store();
        insert_items(store.connection(), &shop, rows)?;
    }
    let started = Instant::now();
    let pushed = replica::push_all(&ViaStore(&a), a.client.as_ref().unwrap()).await?;
    let push_time = started.elapsed();
    let on_server = sync_support::server_rows(
        &server.database,
        "SELECT count(*), count(DISTINCT id) FROM seller_products",
    )
    .await;
    let baseline_push = {
        let path = dir.path().join("baseline-server.sqlite3");
        let conn = rusqlite::Connection::open(&path)?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
        conn.execute_batch(
            "CREATE TABLE seller_products (id TEXT PRIMARY KEY, shop_id TEXT, sku TEXT, title TEXT,
                 description TEXT, brand TEXT, size TEXT, price INTEGER, purchase_cost INTEGER,
                 quantity INTEGER, status TEXT)",
        )?;
        let started = Instant::now();
        let tx = conn.unchecked_transaction()?;
        insert_items(&tx, &shop, rows)?;
        tx.commit()?;
        started.elapsed()
    };
    println!(
        "push of {rows} rows changed offline: {:.2} s ({pushed} rows sent, server holds {} rows, distinct ids {}) (goal <= 60 s); baseline, the same rows written straight into a server database: {:.2} s",
        push_time.as_secs_f64(),
        on_server[0].split('|').next().unwrap_or("?"),
        on_server[0].split('|').nth(1).unwrap_or("?"),
        baseline_push.as_secs_f64()
    );

    // ---- initial sync to a new device
    let client_b = b.client.clone().unwrap();
    let scopes = device::scopes(&client_b).await?;
    let started = Instant::now();
    let report = replica::pull_scopes(&ViaStore(&b), &b.capture, &client_b, &scopes).await?;
    let pulled = report.rows_pulled;
    let initial = started.elapsed();
    assert_eq!(count(&b), rows as i64, "B holds every row");
    let baseline_initial = {
        let path = dir.path().join("baseline-device.sqlite3");
        fresh_database(&path);
        let store = seller_store::Store::open(&path)?;
        let started = Instant::now();
        let tx = store.connection().unchecked_transaction()?;
        insert_items(&tx, store.shop_id(), rows)?;
        tx.commit()?;
        started.elapsed()
    };
    println!(
        "initial sync of {rows} rows to a new device: {:.2} s ({pulled} rows pulled in pages of {}, {:.0} rows/s; the next page fetched while one merges) (goal <= 10 s); baseline, the same rows written straight into an app database: {:.2} s",
        initial.as_secs_f64(),
        replica::PAGE_ROWS,
        rows as f64 / initial.as_secs_f64(),
        baseline_initial.as_secs_f64()
    );

    // ---- the same initial sync, killed after some pages and resumed
    let pages = rows.div_ceil(replica::PAGE_ROWS as usize);
    for stop_after in [1, pages / 2, pages.saturating_sub(1).max(1)] {
        let path = dir.path().join(format!("c-{stop_after}.sqlite3"));
        fresh_database(&path);
        let c = Device::open(&path);
        // Signed in without the first download that `device::sign_in` makes: the download is
        // what this measures.
        let signed =
            seller_sync::client::SyncClient::new(&server.address, device::schema_version(), None)?
                .login(&seller_sync::protocol::LoginRequest {
                    email: email.into(),
                    password: sync_support::PASSWORD.into(),
                    device_id: c.capture.device_id().into(),
                    device_name: "bench".into(),
                })
                .await?;
        let client_c = seller_sync::client::SyncClient::new(
            &server.address,
            device::schema_version(),
            Some(signed.token),
        )?;
        // Pages applied one by one, then the device "dies": its database is closed as it is.
        let shop_scope = shop.clone();
        for _ in 0..stop_after {
            let scope = shop_scope.clone();
            let after = ViaStore(&c)
                .with_conn(move |conn| Ok(replica::cursor(conn, &scope)?))
                .await?;
            let shop_scope = shop_scope.clone();
            let page = client_c
                .pull(&shop_scope, after, replica::PAGE_ROWS)
                .await?;
            let capture = c.capture.clone();
            ViaStore(&c)
                .with_conn(move |conn| replica::apply_page(conn, &capture, &shop_scope, &page))
                .await?;
        }
        let held_before = count(&c);
        drop(c);
        let mut c = Device::open(&path);
        c.client = Some(client_c.clone());
        let resumed = Instant::now();
        replica::pull_scopes(&ViaStore(&c), &c.capture, &client_c, &scopes).await?;
        let items = "SELECT id, sku, title, price FROM seller_products ORDER BY id";
        let same = c.rows(items) == a.rows(items);
        println!(
            "initial sync killed after {stop_after} of {pages} pages ({held_before} rows kept), resumed in {:.2} s: {} rows, identical to the first device: {same}",
            resumed.elapsed().as_secs_f64(),
            count(&c)
        );
        assert!(same);
    }

    // ---- one change reaching another online device
    let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel::<(i64, Instant)>();
    let watcher = {
        let b = b.clone();
        let client = client_b.clone();
        let scopes = scopes.clone();
        tokio::spawn(async move {
            loop {
                let changed = replica::wait_for_changes(
                    &ViaStore(&b),
                    &client,
                    &scopes,
                    Duration::from_secs(30),
                )
                .await
                .unwrap();
                if changed.is_empty() {
                    continue;
                }
                replica::pull_scopes(&ViaStore(&b), &b.capture, &client, &changed)
                    .await
                    .unwrap();
                let price: i64 = b
                    .rows("SELECT price FROM seller_products WHERE sku = 'B-0000000'")[0]
                    .parse()
                    .unwrap();
                let _ = seen_tx.send((price, Instant::now()));
            }
        })
    };
    let mut trips = Vec::new();
    for i in 0..changes {
        let price = 500_000 + i as i64;
        let started = Instant::now();
        a.store().connection().execute(
            "UPDATE seller_products SET price = ?1 WHERE sku = 'B-0000000'",
            [price],
        )?;
        replica::push_all(&ViaStore(&a), a.client.as_ref().unwrap()).await?;
        loop {
            let (seen, at) = tokio::time::timeout(Duration::from_secs(10), seen_rx.recv())
                .await
                .context("the change never reached the other device")?
                .unwrap();
            if seen == price {
                trips.push(at - started);
                break;
            }
        }
    }
    watcher.abort();
    trips.sort();
    let mut round_trips = Vec::new();
    for _ in 0..changes {
        let started = Instant::now();
        client_b.me().await?;
        round_trips.push(started.elapsed());
    }
    round_trips.sort();
    println!(
        "one change reaching another device over loopback, {changes} changes: p50 {}, p95 {}, max {} (goal p95 <= 100 ms); baseline, one authenticated request's round trip: p50 {}, p95 {}",
        ms(percentile(&trips, 0.5)),
        ms(percentile(&trips, 0.95)),
        ms(*trips.last().unwrap()),
        ms(percentile(&round_trips, 0.5)),
        ms(percentile(&round_trips, 0.95)),
    );
    Ok(())
}
