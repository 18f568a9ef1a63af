//! End to end in the real app: a person starts an account's session from the Accounts area
//! (logged in from an earlier visit: the login is kept in the account's browser profile), asks
//! for the import of its listings in the Vinted listings area, sees the job finish in the Vinted
//! jobs area, and finds every listing in the table. Then, in the same window, the inbox is read
//! and a reply typed in a thread reaches Vinted, and the orders are read into the Orders area.
//! The session runs behind a real tinyproxy demanding a password, against the local Vinted.
//!
//! Run inside `scripts/with-test-keyring` (a throwaway Secret Service).

#![cfg(target_os = "linux")]

use std::time::Duration;

use anyhow::{Result, ensure};
use seller_panel_tests::desktop::{
    TauriDriver, VirtualDisplay, launch_app, save_failure_artifacts,
};
use seller_panel_tests::fake_vinted::FakeVinted;
use seller_panel_tests::proxies;
use seller_panel_tests::ui::{attrs, click, count, fill, select};
use seller_panel_tests::vinted::{Db, create_account, log_in_once, quick_pacing};
use seller_panel_tests::wait::wait_until;
use thirtyfour::prelude::*;

const LISTINGS: usize = 30;
const THREADS: usize = 4;
const SALES: usize = 3;
const PURCHASES: usize = 1;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_imported_from_the_app_appear_with_their_finished_job() -> Result<()> {
    ensure!(
        std::env::var("SELLER_PANEL_TEST_KEYRING").as_deref() == Ok("1"),
        "run through scripts/with-test-keyring (a throwaway Secret Service)"
    );
    let display = VirtualDisplay::start()?;
    let fake = FakeVinted::start();
    fake.seed_wardrobe(LISTINGS);
    let tiny = proxies::tinyproxy();
    let root = tempfile::tempdir()?;
    let data = root.path().join("data");
    std::fs::create_dir_all(&data)?;
    let account_id = {
        let db = Db::open(&data);
        let id = create_account(&db, &fake, tiny.port, quick_pacing()).await;
        log_in_once(&data, &db, &id, &fake).await;
        id
    };
    let driver = TauriDriver::start(&display, &[("LANG", "fr_FR.UTF-8"), ("LC_ALL", "")])?;
    let app = launch_app(&driver, &data).await?;
    let mut outcome = import_from_the_app(&app, &account_id).await;
    if outcome.is_ok() {
        // Sales close listings: seeded once the listings are in, so the import saw them all.
        fake.seed_inbox(THREADS);
        fake.seed_orders(SALES, PURCHASES);
        outcome = inbox_and_orders_from_the_app(&app, &fake).await;
    }
    if outcome.is_err() {
        save_failure_artifacts("e2e-vinted-import", Some(&app), &data).await;
    }
    let _ = app.close_window().await;
    let _ = app.quit().await;
    outcome?;
    seller_secrets::Keyring::default().delete_all(&account_id)?;
    Ok(())
}

async fn import_from_the_app(app: &WebDriver, account_id: &str) -> Result<()> {
    click(app, "nav-accounts").await?;
    click(app, "session-start").await?;
    wait_until("the session logged in", Duration::from_secs(60), || async {
        let bar = app.find(By::Css("[data-testid=\"session-bar\"]")).await?;
        Ok(bar.attr("data-state").await?.as_deref() == Some("loggedIn"))
    })
    .await?;

    click(app, "nav-listings").await?;
    click(app, "listings-empty-import").await?;
    select(app, "listings-import-account", account_id).await?;
    click(app, "listings-import-start").await?;

    wait_until(
        "every listing in the table",
        Duration::from_secs(120),
        || async { Ok(count(app, "listing-row").await? == LISTINGS) },
    )
    .await?;
    click(app, "nav-jobs").await?;
    wait_until("the import shown done", Duration::from_secs(30), || async {
        Ok(attrs(app, "job-row", "data-state").await? == ["done"])
    })
    .await
}

async fn inbox_and_orders_from_the_app(app: &WebDriver, fake: &FakeVinted) -> Result<()> {
    click(app, "nav-inbox").await?;
    click(app, "inbox-read-now").await?;
    let rows = By::Css("[data-testid^=\"inbox-row-\"]");
    wait_until(
        "every thread in the inbox",
        Duration::from_secs(120),
        || async { Ok(app.find_all(rows.clone()).await?.len() == THREADS) },
    )
    .await?;
    let first = app.find(rows.clone()).await?;
    first.click().await?;
    fill(app, "inbox-reply-body", "Merci, je l'envoie demain !").await?;
    // Sent from the keyboard, as the form offers (Ctrl+Enter): the toasts of the reads just
    // asked for may cover the send button at 1280×800.
    app.find(By::Css("[data-testid=\"inbox-reply-body\"]"))
        .await?
        .send_keys(Key::Control + Key::Enter)
        .await?;
    wait_until(
        "the reply reached Vinted",
        Duration::from_secs(120),
        || async {
            Ok(fake.requests().iter().any(|r| {
                r.method == "POST"
                    && r.path.ends_with("/replies")
                    && r.body.as_ref().and_then(|b| b["reply"]["body"].as_str())
                        == Some("Merci, je l'envoie demain !")
            }))
        },
    )
    .await?;
    wait_until(
        "the reply shown in the thread",
        Duration::from_secs(60),
        || async {
            let messages = app
                .find_all(By::Css("[data-testid=\"inbox-message\"]"))
                .await?;
            for message in messages {
                if message
                    .text()
                    .await?
                    .contains("Merci, je l'envoie demain !")
                {
                    return Ok(true);
                }
            }
            Ok(false)
        },
    )
    .await?;

    click(app, "nav-orders").await?;
    click(app, "orders-tab-vinted").await?;
    click(app, "import-orders").await?;
    wait_until(
        "every order in the Orders area",
        Duration::from_secs(120),
        || async { Ok(count(app, "vinted-order-row").await? == SALES + PURCHASES) },
    )
    .await
}
