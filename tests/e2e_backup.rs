//! End to end: back up from Settings, keep working, restore the backup after confirming, and
//! find the data as it was.

use seller_panel_tests::{desktop, ui};

use anyhow::Result;
use desktop::{TauriDriver, VirtualDisplay, eventually, launch_app, save_failure_artifacts};
use seller_store::Store;
use seller_store::products::ProductDraft;
use thirtyfour::prelude::*;
use ui::{by_test_id, click, count};

async fn row_titles(session: &WebDriver) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for cell in session.find_all(by_test_id("row-title")).await? {
        out.push(
            cell.prop("textContent")
                .await?
                .unwrap_or_default()
                .trim()
                .to_owned(),
        );
    }
    Ok(out)
}

async fn backup_work_restore(session: &WebDriver) -> Result<()> {
    eventually("the seeded product", || async {
        Ok(row_titles(session).await? == ["Veste avant sauvegarde"])
    })
    .await?;

    click(session, "nav-settings").await?;
    click(session, "backup-now").await?;
    eventually("one backup listed", || async {
        Ok(count(session, "backup-item").await? == 1)
    })
    .await?;

    // Keep working after the backup.
    click(session, "nav-inventory").await?;
    click(session, "new-product").await?;
    let title = session.query(by_test_id("field-title")).first().await?;
    title.send_keys("Ajouté après la sauvegarde").await?;
    session
        .find(by_test_id("field-price"))
        .await?
        .send_keys("12,00")
        .await?;
    click(session, "save-product").await?;
    eventually("two products", || async {
        Ok(row_titles(session).await?.len() == 2)
    })
    .await?;

    // Restoring asks first; cancelling changes nothing.
    click(session, "nav-settings").await?;
    click(session, "backup-restore").await?;
    click(session, "confirm-restore-cancel").await?;
    click(session, "nav-inventory").await?;
    eventually("still two products", || async {
        Ok(row_titles(session).await?.len() == 2)
    })
    .await?;

    click(session, "nav-settings").await?;
    click(session, "backup-restore").await?;
    click(session, "confirm-restore").await?;
    eventually("the restore to finish", || async {
        Ok(count(session, "confirm-restore-dialog").await? == 0)
    })
    .await?;
    click(session, "nav-inventory").await?;
    eventually("the data as it was at the backup", || async {
        Ok(row_titles(session).await? == ["Veste avant sauvegarde"])
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_up_keep_working_restore_and_find_the_data_as_it_was() -> Result<()> {
    let display = VirtualDisplay::start()?;
    let driver = TauriDriver::start(&display, &[("LANG", "fr_FR.UTF-8"), ("LC_ALL", "")])?;
    let data = tempfile::tempdir()?;
    // As a folder another tool or an older version made: readable by others.
    #[cfg(unix)]
    std::fs::set_permissions(
        data.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )?;
    {
        let mut store = Store::open(&data.path().join(seller_store::data_dir::DATABASE_FILE))?;
        store.create_product(ProductDraft::titled("Veste avant sauvegarde"))?;
    }
    let session = launch_app(&driver, data.path()).await?;
    let outcome = backup_work_restore(&session).await;
    if outcome.is_err() {
        save_failure_artifacts("backup-restore", Some(&session), data.path()).await;
    }
    session.quit().await?;
    outcome?;
    let kept = std::fs::read_dir(data.path())?
        .filter_map(|e| e.ok())
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("before-restore-")
        });
    anyhow::ensure!(kept, "the replaced data was not kept aside");
    assert_private(data.path())?;
    Ok(())
}

/// The data folder, made before the app started with this test's umask, and what the app
/// wrote there: folders 0700 and files 0600 (the app fixes an existing folder at start).
#[cfg(unix)]
fn assert_private(dir: &std::path::Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &std::path::Path| -> Result<u32> {
        Ok(std::fs::symlink_metadata(path)?.permissions().mode() & 0o777)
    };
    anyhow::ensure!(mode(dir)? == 0o700, "the data folder is {:o}", mode(dir)?);
    let database = dir.join(seller_store::data_dir::DATABASE_FILE);
    anyhow::ensure!(
        mode(&database)? == 0o600,
        "the database is {:o}",
        mode(&database)?
    );
    let backups = dir.join(seller_store::data_dir::BACKUPS_DIR);
    anyhow::ensure!(
        mode(&backups)? == 0o700,
        "backups/ is {:o}",
        mode(&backups)?
    );
    for entry in std::fs::read_dir(&backups)? {
        let path = entry?.path();
        anyhow::ensure!(
            mode(&path)? == 0o600,
            "{} is {:o}",
            path.display(),
            mode(&path)?
        );
    }
    let log = dir.join("logs/seller-panel.log");
    anyhow::ensure!(mode(&log)? == 0o600, "the log is {:o}", mode(&log)?);
    Ok(())
}

#[cfg(not(unix))]
fn assert_private(_dir: &std::path::Path) -> Result<()> {
    Ok(())
}
