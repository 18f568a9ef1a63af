//! End to end, sync from the real app's Sync area (tauri-driver, Xvfb) against a real sync
//! server on 127.0.0.1: a wrong password is said in French; signing in sends the shop and its
//! items to the server; a change made on another device reaches the app by itself (no click),
//! and one made in the app reaches the other device; the status says nothing waits; an item the
//! other device made offline with the app's item's SKU is listed as a conflict naming both
//! items, and the app's choice reaches the other device; the token is in the keyring, never in
//! the data folder or the logs.
//!
//! Run inside `scripts/with-test-keyring` (the token goes to the keyring of the session bus).

use seller_panel_tests::{desktop, sync as sync_support, ui};
use seller_store::raw::RawSql;

use std::path::Path;

use anyhow::{Context, Result, ensure};
use desktop::{TauriDriver, VirtualDisplay, eventually, launch_app, save_failure_artifacts};
use seller_store::products::ProductDraft;
use sync_support::{Backend, Device, PASSWORD, Server, server_rows, start_server};
use thirtyfour::prelude::*;
use ui::{attrs, by_test_id, click, fill, texts};

const EMAIL: &str = "camille@example.fr";

async fn sign_in(session: &WebDriver, server: &Server, password: &str) -> Result<()> {
    fill(session, "sync-server", &server.address).await?;
    fill(session, "sync-email", EMAIL).await?;
    fill(session, "sync-password", password).await?;
    click(session, "sync-sign-in").await
}

async fn run(session: &WebDriver, server: &Server, data_dir: &Path) -> Result<()> {
    click(session, "nav-sync").await?;
    session
        .query(by_test_id("sync"))
        .first()
        .await
        .context("the Sync area")?;

    // A wrong password, said in the UI's language; nothing signed in.
    sign_in(session, server, "pas le bon").await?;
    eventually("the wrong-password message", || async {
        Ok(texts(session, "sync-sign-in-error")
            .await?
            .iter()
            .any(|t| t.contains("mot de passe incorrect")))
    })
    .await?;
    ensure!(attrs(session, "sync", "data-signed-in").await? == ["false"]);

    sign_in(session, server, PASSWORD).await?;
    eventually("signed in", || async {
        Ok(attrs(session, "sync", "data-signed-in").await? == ["true"])
    })
    .await?;
    // The item made before signing in is on the server.
    eventually("the item on the server", || async {
        Ok(
            server_rows(&server.database, "SELECT title FROM seller_products").await
                == ["Veste en jean"],
        )
    })
    .await?;
    eventually("nothing waiting", || async {
        Ok(attrs(session, "sync-waiting", "data-count").await? == ["0"])
    })
    .await?;

    // Another device joins the account, adds an item: the app gets it without a click.
    let other_dir = tempfile::tempdir()?;
    let path = other_dir.path().join("other.sqlite3");
    sync_support::fresh_database(&path);
    let mut other = Device::open(&path);
    // Offline, before it joined, it too made an item with the app's item's SKU.
    let mut twin = ProductDraft::titled("Veste noire");
    twin.sku = Some("VESTE-1".into());
    let twin = other.store().create_product(twin)?;
    other.sign_in(server, EMAIL).await;
    let mut draft = ProductDraft::titled("Robe venue d'ailleurs");
    draft.sku = Some("AILLEURS-1".into());
    other.store().create_product(draft)?;
    other.sync().await;
    let db = data_dir.join("seller-panel.sqlite3");
    eventually("the other device's item in the app", || async {
        let conn =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let n: i64 = conn.query_row(
            "SELECT count(*) FROM seller_products WHERE sku = 'AILLEURS-1'",
            [],
            |r| r.get(0),
        )?;
        Ok(n == 1)
    })
    .await?;
    // It shows in the inventory.
    click(session, "nav-inventory").await?;
    eventually("the item in the inventory list", || async {
        Ok(session
            .source()
            .await?
            .contains("Robe venue d&apos;ailleurs")
            || session.source().await?.contains("Robe venue d'ailleurs"))
    })
    .await?;

    // "Sync now" from the app, after the other device renames its item.
    other.store().connection().execute(
        "UPDATE seller_products SET title = 'Robe renommée' WHERE sku = 'AILLEURS-1'",
        [],
    )?;
    other.sync().await;
    click(session, "nav-sync").await?;
    click(session, "sync-now").await?;
    eventually("the rename in the app", || async {
        let conn =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let title: String = conn.query_row(
            "SELECT title FROM seller_products WHERE sku = 'AILLEURS-1'",
            [],
            |r| r.get(0),
        )?;
        Ok(title == "Robe renommée")
    })
    .await?;
    ensure!(
        !attrs(session, "sync-last", "data-value").await?[0].is_empty(),
        "the last sync time is shown"
    );

    // The other device's twin was given a distinct SKU when it joined: the Sync area lists the
    // conflict, both items named; the app gives VESTE-1 back to the twin, and it syncs.
    eventually("the conflict in the Sync area", || async {
        Ok(attrs(session, "sync-conflict", "data-id").await? == [twin.id.clone()])
    })
    .await?;
    ensure!(texts(session, "sync-conflict-label").await? == ["Veste noire"]);
    ensure!(texts(session, "sync-conflict-original").await? == ["VESTE-1"]);
    ensure!(texts(session, "sync-conflict-other-label").await? == ["Veste en jean"]);
    ensure!(texts(session, "sync-conflict-other-current").await? == ["VESTE-1"]);
    click(session, "sync-conflict-keep-here").await?;
    eventually("no conflict left", || async {
        Ok(attrs(session, "sync-conflicts", "data-count").await? == ["0"])
    })
    .await?;
    let twin_sku = format!("SELECT sku FROM seller_products WHERE id = '{}'", twin.id);
    eventually("the choice on the other device", || async {
        other.sync().await;
        Ok(other.rows(&twin_sku) == ["VESTE-1"])
    })
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sync_area_signs_in_and_keeps_devices_in_step() -> Result<()> {
    ensure!(
        std::env::var("SELLER_PANEL_TEST_KEYRING").as_deref() == Ok("1"),
        "run through scripts/with-test-keyring (a throwaway Secret Service): \
         dbus-run-session -- scripts/with-test-keyring cargo nextest run"
    );
    let server = start_server(Backend::Sqlite, &[EMAIL]).await;
    let data = tempfile::tempdir()?;
    {
        // An item made before the app ever signs in.
        let (mut store, _) = seller_sync::device::open(&data.path().join("seller-panel.sqlite3"))?;
        let mut draft = ProductDraft::titled("Veste en jean");
        draft.sku = Some("VESTE-1".into());
        store.create_product(draft)?;
    }
    let display = VirtualDisplay::start()?;
    let driver = TauriDriver::start(
        &display,
        &[
            ("LANG", "fr_FR.UTF-8"),
            ("LC_ALL", ""),
            ("RUST_LOG", "debug"),
        ],
    )?;
    let session = launch_app(&driver, data.path()).await?;
    let outcome = run(&session, &server, data.path()).await;
    if outcome.is_err() {
        save_failure_artifacts("e2e-sync", Some(&session), data.path()).await;
    }
    session.quit().await?;
    outcome?;
    // The token is in the keyring only: not in the database, its WAL or the logs.
    let tokens: Vec<String> =
        server_rows(&server.database, "SELECT token_hash FROM sync_devices").await;
    ensure!(!tokens.is_empty());
    for entry in walk(data.path()) {
        let bytes = std::fs::read(&entry)?;
        let text = String::from_utf8_lossy(&bytes);
        ensure!(!text.contains("spt_"), "a token in {}", entry.display());
        ensure!(
            !text.contains(PASSWORD),
            "the password in {}",
            entry.display()
        );
    }
    Ok(())
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
