//! End to end in the real app: a person starts an account's session from the Accounts area
//! (logged in from an earlier visit: the login is kept in the account's browser profile), asks
//! for the import of its listings in the Vinted listings area, sees the job finish in the Vinted
//! jobs area, and finds every listing in the table. The session runs behind a real tinyproxy
//! demanding a password, against the local Vinted.
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
use seller_panel_tests::ui::{attrs, click, count, select};
use seller_panel_tests::vinted::{Db, create_account, log_in_once, quick_pacing};
use seller_panel_tests::wait::wait_until;
use thirtyfour::prelude::*;

const LISTINGS: usize = 30;

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
    let outcome = import_from_the_app(&app, &account_id).await;
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
