//! The real `seller-sync-server` binary, killed with SIGKILL in the middle of a push, on SQLite
//! and on PostgreSQL: after a restart the device pushes again, the server holds every row once,
//! and a second device downloads exactly what the first has.

use seller_panel_tests::sync as sync_support;
use seller_store::raw::RawSql;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sync_support::{Device, PASSWORD, server_rows};

fn server_binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let path = target.join("debug/seller-sync-server");
    assert!(
        path.exists(),
        "{} is missing: `cargo build -p seller-sync-server` (the test command builds it)",
        path.display()
    );
    path
}

/// Starts the server on `database`, on a port of its own choosing; (process, address).
fn start(database: &str) -> (Child, String) {
    let mut child = Command::new(server_binary())
        .args(["--database", database, "serve", "--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (child, address)
}

/// Starts the server again on the same port (the device keeps its address).
fn restart(database: &str, address: &str) -> Child {
    let listen = address.trim_start_matches("http://");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut child = Command::new(server_binary())
            .args(["--database", database, "serve", "--listen", listen])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        if line.starts_with("listening on") {
            return child;
        }
        let _ = child.wait();
        assert!(
            Instant::now() < deadline,
            "the server would not start again on {listen}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn add_user(database: &str, email: &str) {
    let mut child = Command::new(server_binary())
        .args([
            "--database",
            database,
            "add-user",
            "--email",
            email,
            "--name",
            "Camille",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
}

/// The server process, killed with SIGKILL when dropped (a failing test leaves none behind).
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        kill9(&mut self.0);
    }
}

fn kill9(child: &mut Child) {
    // SAFETY: a plain kill(2) of our own child.
    unsafe { libc_kill(child.id() as i32, 9) };
    let _ = child.wait();
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, signal: i32) -> i32;
}

async fn killed_mid_push(database: String) {
    add_user(&database, "camille@example.fr");
    let (server, address) = start(&database);
    let mut server = Running(server);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.sqlite3");
    sync_support::fresh_database(&path);
    let mut a = Device::open(&path);
    a.sign_in_at(&address, "camille@example.fr").await;

    // Enough rows for a push of several requests (each request's batches are one transaction on
    // the server; written here in one statement: the push is the test).
    {
        let store = a.store();
        let shop = store.shop_id().to_owned();
        store
            .connection()
            .execute(
                "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9999)
                 INSERT INTO seller_products (id, shop_id, sku, title, price, quantity, status)
                 SELECT printf('0193f0c0-0000-7000-8000-%012d', i), ?1, printf('K-%05d', i),
                        'Article ' || i, 100 + i, 0, 'draft' FROM n",
                [&shop],
            )
            .unwrap();
    }
    let pushing = {
        let a = a.clone();
        tokio::spawn(async move {
            seller_sync::device::sync_round(&a, &a.capture, a.client.as_ref().unwrap()).await
        })
    };
    // Kill it once some batches are in and others are not.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let on_server: i64 = server_rows(&database, "SELECT count(*) FROM seller_products").await
            [0]
        .parse()
        .unwrap();
        if on_server > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "nothing reached the server");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    kill9(&mut server.0);
    let outcome = pushing.await.unwrap();
    assert!(
        matches!(outcome, Err(ref e) if seller_sync::device::ErrorKind::of(e) == seller_sync::device::ErrorKind::Unreachable),
        "{:?}",
        outcome.map(|_| ())
    );
    let partial: i64 = server_rows(&database, "SELECT count(*) FROM seller_products").await[0]
        .parse()
        .unwrap();
    assert!(
        partial < 10_000,
        "the kill came after the whole push ({partial} rows): nothing was tested"
    );

    let _server = Running(restart(&database, &address));
    a.sync().await;
    assert_eq!(
        server_rows(
            &database,
            "SELECT count(*), count(DISTINCT sku) FROM seller_products"
        )
        .await,
        vec!["10000|10000"],
        "every row once"
    );
    assert_eq!(
        server_rows(
            &database,
            "SELECT count(*) FROM sync_cells WHERE tbl = 'seller_products' AND col = ''"
        )
        .await,
        vec!["10000"]
    );
    // A second device gets exactly the first one's items and stock.
    let path_b = dir.path().join("b.sqlite3");
    sync_support::fresh_database(&path_b);
    let mut b = Device::open(&path_b);
    b.sign_in_at(&address, "camille@example.fr").await;
    b.sync().await;
    let items = "SELECT id, sku, title, quantity FROM seller_products ORDER BY id";
    assert_eq!(b.rows(items), a.rows(items));
    assert_eq!(
        b.rows("SELECT count(*) FROM seller_products"),
        vec!["10000"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_push_loses_nothing_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    killed_mid_push(format!(
        "sqlite:{}",
        dir.path().join("server.sqlite3").display()
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_push_loses_nothing_on_postgres() {
    killed_mid_push(sync_support::new_postgres_database().await).await;
}
