//! End to end, a reseller's books on the real app: import a French Excel CSV with two wrong rows
//! and see them reported (nothing imported), import the fixed file, record a bundle sale, see the
//! stock fall and the dashboard's profit move by the sale's profit, then export the receipts
//! register and check its total.

use seller_panel_tests::{desktop, ui};

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};
use desktop::{TauriDriver, VirtualDisplay, eventually, launch_app, save_failure_artifacts};
use thirtyfour::prelude::*;
use ui::{
    attrs, by_test_id, click, click_element, count, fill, fill_element, select, text_of, texts,
};

/// French amounts use narrow no-break spaces before the euro sign.
fn plain(text: &str) -> String {
    text.replace(['\u{a0}', '\u{202f}'], " ")
}

async fn choose_import_file(session: &WebDriver, file: &Path) -> Result<()> {
    click(session, "import-open").await?;
    let input = session.query(by_test_id("import-file")).first().await?;
    input.send_keys(file.display().to_string()).await?;
    Ok(())
}

async fn import_with_errors_is_blocked(session: &WebDriver, fixtures: &Path) -> Result<()> {
    choose_import_file(session, &fixtures.join("stock-errors-fr.csv")).await?;
    eventually("the two wrong rows to be reported", || async {
        Ok(count(session, "import-error-row").await? == 2)
    })
    .await?;
    let lines = attrs(session, "import-error-row", "data-line").await?;
    let columns = attrs(session, "import-error-row", "data-column").await?;
    ensure!(lines == ["5", "6"], "reported lines {lines:?}");
    ensure!(columns == ["Prix", "Titre"], "reported columns {columns:?}");
    // Each report says what is wrong, in French.
    let sentences = texts(session, "import-error-row").await?;
    ensure!(
        sentences
            .iter()
            .all(|s| s.contains("ligne") || s.contains("Ligne")),
        "{sentences:?}"
    );

    click(session, "import-mode-block").await?;
    click(session, "import-start").await?;
    session
        .query(by_test_id("import-stopped"))
        .first()
        .await
        .context("the import to stop on the wrong rows")?;
    click(session, "import-close").await?;
    session
        .query(by_test_id("inventory-empty"))
        .first()
        .await
        .context("nothing imported")?;
    Ok(())
}

async fn import_fixed_file(session: &WebDriver, fixtures: &Path) -> Result<()> {
    choose_import_file(session, &fixtures.join("stock-fixed-fr.csv")).await?;
    eventually("the preview of the fixed file", || async {
        Ok(count(session, "import-start").await? == 1
            && session
                .find(by_test_id("import-start"))
                .await?
                .is_enabled()
                .await?)
    })
    .await?;
    ensure!(count(session, "import-error-row").await? == 0);
    click(session, "import-start").await?;
    eventually("the import summary", || async {
        Ok(attrs(session, "import-summary", "data-imported").await? == ["5"])
    })
    .await?;
    click(session, "import-close").await?;
    eventually("five products in the list", || async {
        Ok(count(session, "product-row").await? == 5)
    })
    .await
}

async fn dashboard_figure(session: &WebDriver, id: &str) -> Result<String> {
    click(session, "nav-dashboard").await?;
    session.query(by_test_id("dashboard")).first().await?;
    eventually(&format!("the dashboard's {id}"), || async {
        Ok(plain(&texts(session, id).await?.concat()).contains('€'))
    })
    .await?;
    Ok(plain(&texts(session, id).await?.concat()))
}

async fn pick_item(session: &WebDriver, sku: &str) -> Result<()> {
    fill(session, "order-item-search", sku).await?;
    let option = By::Css(format!(
        "[data-testid='order-item-option'][data-sku='{sku}']"
    ));
    let element = session
        .query(option)
        .first()
        .await
        .with_context(|| format!("the search result {sku}"))?;
    click_element(session, &element).await
}

/// ROBE-01 ×2 (unit cost 12,50) and JEAN-02 ×1 (8,00) sold together for 95,00 with 4,50 of
/// fees: profit 95,00 − 33,00 − 4,50 = 57,50.
async fn record_bundle_sale(session: &WebDriver) -> Result<()> {
    click(session, "nav-orders").await?;
    click(session, "new-order").await?;
    session.query(by_test_id("order-form")).first().await?;
    select(session, "order-type", "sale").await?;
    pick_item(session, "ROBE-01").await?;
    pick_item(session, "JEAN-02").await?;
    eventually("two order lines", || async {
        Ok(attrs(session, "order-line", "data-sku").await? == ["ROBE-01", "JEAN-02"])
    })
    .await?;
    let quantities = session.find_all(by_test_id("order-item-quantity")).await?;
    fill_element(&quantities[0], "2").await?;
    fill(session, "order-buyer", "Camille Martin").await?;
    fill(session, "order-price", "95,00").await?;
    fill(session, "order-service-fee", "4,50").await?;
    click(session, "save-order").await?;
    eventually("the sale in the orders list", || async {
        Ok(count(session, "order-row").await? == 1)
    })
    .await
}

async fn quantity_and_status(session: &WebDriver, sku: &str) -> Result<(String, String)> {
    let row = session
        .query(By::Css(format!(
            "[data-testid='product-row'][data-sku='{sku}']"
        )))
        .first()
        .await?;
    let quantity = text_of(&row.find(by_test_id("row-quantity")).await?).await?;
    let status = row
        .find(by_test_id("row-status"))
        .await?
        .attr("data-status")
        .await?
        .unwrap_or_default();
    Ok((quantity, status))
}

async fn stock_fell(session: &WebDriver) -> Result<()> {
    click(session, "nav-inventory").await?;
    eventually("the stock after the sale", || async {
        Ok(
            quantity_and_status(session, "ROBE-01").await? == ("1".into(), "listed".into())
                && quantity_and_status(session, "JEAN-02").await? == ("0".into(), "sold".into())
                && quantity_and_status(session, "PULL-03").await? == ("2".into(), "ready".into()),
        )
    })
    .await
}

/// The newest file of the exports folder whose name contains `part`.
fn newest_export(data_dir: &Path, part: &str) -> Option<PathBuf> {
    std::fs::read_dir(data_dir.join("exports"))
        .ok()?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(part))
        .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok())
        .map(|e| e.path())
}

async fn export_receipts_register(session: &WebDriver, data_dir: &Path) -> Result<String> {
    click(session, "nav-settings").await?;
    select(session, "register-kind", "receipts").await?;
    select(session, "register-format", "csv").await?;
    click(session, "register-export").await?;
    let register = || {
        newest_export(data_dir, ".csv").filter(|f| {
            let name = f
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_lowercase();
            name.contains("recette") || name.contains("receipt")
        })
    };
    eventually("the receipts register in the exports folder", || async {
        Ok(register().is_some())
    })
    .await?;
    let file = register().context("the register vanished")?;
    let bytes = std::fs::read(&file)?;
    Ok(String::from_utf8_lossy(&bytes)
        .trim_start_matches('\u{feff}')
        .to_owned())
}

async fn books(session: &WebDriver, fixtures: &Path, data_dir: &Path) -> Result<()> {
    session
        .query(by_test_id("inventory-empty"))
        .first()
        .await
        .context("a fresh inventory")?;
    import_with_errors_is_blocked(session, fixtures).await?;
    import_fixed_file(session, fixtures).await?;

    let profit_before = dashboard_figure(session, "dash-profit").await?;
    ensure!(
        profit_before == "0,00 €",
        "profit before the sale: {profit_before}"
    );

    record_bundle_sale(session).await?;
    stock_fell(session).await?;

    let profit_after = eventually("the dashboard's profit to include the sale", || async {
        Ok(dashboard_figure(session, "dash-profit").await? == "57,50 €")
    })
    .await;
    if let Err(err) = profit_after {
        let shown = dashboard_figure(session, "dash-profit").await?;
        return Err(err.context(format!("profit shown: {shown}, expected 57,50 €")));
    }
    let revenue = dashboard_figure(session, "dash-revenue").await?;
    ensure!(revenue == "95,00 €", "revenue shown: {revenue}");

    let register = export_receipts_register(session, data_dir).await?;
    let total = register
        .lines()
        .find(|l| l.to_lowercase().starts_with("total"))
        .with_context(|| format!("no total line in the register:\n{register}"))?;
    ensure!(
        total.contains("95,00"),
        "register total {total:?}, expected 95,00 (the dashboard's revenue):\n{register}"
    );
    ensure!(
        register.contains("Camille Martin"),
        "the client is missing from the register:\n{register}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_sell_a_bundle_and_find_it_in_the_stock_the_dashboard_and_the_register() -> Result<()>
{
    let display = VirtualDisplay::start()?;
    let driver = TauriDriver::start(&display, &[("LANG", "fr_FR.UTF-8"), ("LC_ALL", "")])?;
    let data = tempfile::tempdir()?;
    let fixtures = desktop::workspace_root().join("tests/fixtures/e2e");
    let session = launch_app(&driver, data.path()).await?;
    let outcome = books(&session, &fixtures, data.path()).await;
    if outcome.is_err() {
        save_failure_artifacts("e2e-books", Some(&session), data.path()).await;
    }
    session.quit().await?;
    outcome
}
