//! End to end, as a reseller would: the real app binary under Xvfb, driven by tauri-driver.
//! Create a product with two photos, find it, change its price, restart, find it again.

use seller_panel_tests::{desktop, ui};

use std::path::Path;

use anyhow::{Context, Result, ensure};
use desktop::{TauriDriver, VirtualDisplay, eventually, launch_app, save_failure_artifacts};
use thirtyfour::prelude::*;
use ui::{attrs, by_test_id, click, fill, texts};

const TITLE: &str = "Robe d'été fleurie";

async fn photo_files(session: &WebDriver) -> Result<Vec<String>> {
    attrs(session, "photo-thumb", "data-file").await
}

/// Types a search and waits until the list shows exactly the rows expected.
async fn search_for(session: &WebDriver, search: &str, expected_titles: &[&str]) -> Result<()> {
    fill(session, "inventory-search", search).await?;
    eventually(
        &format!("search {search:?} to list {expected_titles:?}"),
        || async { Ok(texts(session, "row-title").await? == expected_titles) },
    )
    .await
}

async fn create_product_with_two_photos(
    session: &WebDriver,
    fixtures: &Path,
) -> Result<Vec<String>> {
    click(session, "new-product").await?;
    session.query(by_test_id("product-form")).first().await?;
    fill(session, "field-title", TITLE).await?;
    fill(session, "field-brand", "Sézane").await?;
    fill(session, "field-size", "38").await?;
    fill(session, "field-price", "24,90").await?;
    fill(session, "field-purchase-cost", "6,50").await?;
    fill(session, "field-materials", "Coton").await?;
    session
        .find(by_test_id("field-materials"))
        .await?
        .send_keys(Key::Enter)
        .await?;
    eventually("the material tag", || async {
        Ok(attrs(session, "tag", "data-value").await? == ["Coton"])
    })
    .await?;

    // A person picks files in the dialog; WebDriver sends their paths to the same input.
    let paths = [
        fixtures.join("robe-face.png"),
        fixtures.join("robe-dos.jpg"),
    ];
    let input = session.find(by_test_id("photo-input")).await?;
    input
        .send_keys(format!("{}\n{}", paths[0].display(), paths[1].display()))
        .await?;
    eventually("two photo thumbnails", || async {
        Ok(photo_files(session).await?.len() == 2)
    })
    .await?;

    // Put the back view first: the saved order must be the one shown.
    let before = photo_files(session).await?;
    click(session, "photo-right").await?;
    let reordered = vec![before[1].clone(), before[0].clone()];
    eventually("the photos to swap", || async {
        Ok(photo_files(session).await? == reordered)
    })
    .await?;

    click(session, "save-product").await?;
    eventually("the new product in the list", || async {
        Ok(texts(session, "row-title")
            .await?
            .contains(&TITLE.to_owned()))
    })
    .await?;
    Ok(reordered)
}

async fn change_price(session: &WebDriver, price: &str) -> Result<()> {
    click(session, "row-title").await?;
    session.query(by_test_id("product-form")).first().await?;
    eventually("the form to load the product", || async {
        Ok(session
            .find(by_test_id("field-title"))
            .await?
            .value()
            .await?
            .as_deref()
            == Some(TITLE))
    })
    .await?;
    fill(session, "field-price", price).await?;
    click(session, "save-product").await?;
    eventually("the list to show the new price", || async {
        Ok(texts(session, "row-price")
            .await?
            .iter()
            .any(|p| p.contains(price)))
    })
    .await
}

/// Every photo of the open form actually rendered (served by the app through its CSP).
async fn photos_rendered(session: &WebDriver) -> Result<bool> {
    let ret = session
        .execute(
            "return Array.from(document.querySelectorAll('[data-testid=photo-thumb] img'))
                .map(img => img.complete && img.naturalWidth > 0);",
            Vec::new(),
        )
        .await?;
    let loaded: Vec<bool> = ret.convert()?;
    Ok(!loaded.is_empty() && loaded.iter().all(|l| *l))
}

async fn first_run(session: &WebDriver, fixtures: &Path) -> Result<Vec<String>> {
    // French by default.
    let nav = session.query(by_test_id("nav-inventory")).first().await?;
    ensure!(
        nav.text().await?.contains("Inventaire"),
        "the UI is not in French by default"
    );
    session
        .query(by_test_id("inventory-empty"))
        .first()
        .await
        .context("empty state")?;

    let photos = create_product_with_two_photos(session, fixtures).await?;
    search_for(session, "robe ete", &[TITLE]).await?;
    search_for(session, "pantalon", &[]).await?;
    search_for(session, "robe ete", &[TITLE]).await?;
    change_price(session, "19,90").await?;
    Ok(photos)
}

async fn after_restart(session: &WebDriver, photos: &[String]) -> Result<()> {
    search_for(session, "robe", &[TITLE]).await?;
    let prices = texts(session, "row-price").await?;
    ensure!(
        prices.len() == 1 && prices[0].contains("19,90"),
        "price after restart: {prices:?}"
    );
    click(session, "row-title").await?;
    eventually("the photos in their saved order", || async {
        Ok(photo_files(session).await? == photos)
    })
    .await?;
    eventually("the photos to render", || photos_rendered(session)).await?;
    let price = session
        .find(by_test_id("field-price"))
        .await?
        .value()
        .await?
        .unwrap_or_default();
    ensure!(price.contains("19,90"), "the form shows {price}");
    Ok(())
}

/// Runs one app session; on failure keeps a screenshot and the app log under target/.
async fn with_app<T>(
    name: &str,
    driver: &TauriDriver,
    data_dir: &Path,
    body: impl AsyncFnOnce(&WebDriver) -> Result<T>,
) -> Result<T> {
    let session = launch_app(driver, data_dir).await?;
    let outcome = body(&session).await;
    if outcome.is_err() {
        save_failure_artifacts(name, Some(&session), data_dir).await;
    }
    session.quit().await?;
    outcome
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_find_edit_restart_and_find_again() -> Result<()> {
    let display = VirtualDisplay::start()?;
    let driver = TauriDriver::start(&display, &[("LANG", "C.UTF-8"), ("LC_ALL", "")])?;
    let data = tempfile::tempdir()?;
    let fixtures = desktop::workspace_root().join("tests/fixtures");

    let photos = with_app("inventory-first-run", &driver, data.path(), async |s| {
        first_run(s, &fixtures).await
    })
    .await?;
    for photo in &photos {
        ensure!(
            data.path().join(photo).is_file(),
            "{photo} was not copied into the data folder"
        );
    }
    with_app("inventory-after-restart", &driver, data.path(), async |s| {
        after_restart(s, &photos).await
    })
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_english_system_gets_an_english_ui() -> Result<()> {
    let display = VirtualDisplay::start()?;
    let driver = TauriDriver::start(&display, &[("LANG", "en_GB.UTF-8"), ("LC_ALL", "")])?;
    let data = tempfile::tempdir()?;
    with_app("english-ui", &driver, data.path(), async |session| {
        let nav = session.query(by_test_id("nav-inventory")).first().await?;
        eventually("English labels", || async {
            Ok(nav.text().await?.contains("Inventory"))
        })
        .await?;
        click(session, "new-product").await?;
        session
            .query(by_test_id("save-product"))
            .first()
            .await?
            .click()
            .await?;
        // Saving an empty form shows the error next to the title, in English.
        let error = session.query(by_test_id("error-title")).first().await?;
        let text = error.text().await?;
        ensure!(
            !text.is_empty() && !text.contains("obligatoire"),
            "title error not in English: {text}"
        );
        Ok(())
    })
    .await
}
