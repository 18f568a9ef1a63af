//! A publish queue survives the app being killed: the real app binary (under tauri-driver and
//! Xvfb) publishes several items through the account's session, behind tinyproxy demanding a
//! password, against the local Vinted; it is killed outright (SIGKILL) just after a publish
//! click reached Vinted. Started again on the same data folder, it goes on where it was: each
//! item ends with exactly one listing, none lost, none twice, and the jobs done before the kill
//! are not run again.
//!
//! Run inside `scripts/with-test-keyring` (a throwaway Secret Service).

#![cfg(target_os = "linux")]

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use seller_panel_tests::desktop::{
    TauriDriver, VirtualDisplay, launch_app, save_failure_artifacts,
};
use seller_panel_tests::fake_vinted::FakeVinted;
use seller_panel_tests::proxies;
use seller_panel_tests::ui::{attrs, click};
use seller_panel_tests::vinted::{
    Db, create_account, creates, dress, listings_titled, log_in_once, quick_pacing,
};
use seller_panel_tests::wait::wait_until;
use seller_store::products::Product;
use seller_store::vinted::{Job, JobKind, JobState, NewJob};
use seller_vinted::flows::publish::PublishRequest;
use thirtyfour::prelude::*;

const ITEMS: usize = 4;

/// The app tauri-driver started on `data_dir`: the process run with `--data-dir <data_dir>` (the
/// session reaper the app starts names the folder after another flag).
fn app_pid(data_dir: &Path) -> Option<u32> {
    let wanted = data_dir.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .ok()?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .find(|pid| {
            let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
                return false;
            };
            let args: Vec<String> = cmdline
                .split(|b| *b == 0)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            args.windows(2)
                .any(|pair| pair[0] == "--data-dir" && pair[1] == wanted)
        })
}

fn jobs_of(data_dir: &Path, ids: &[String]) -> HashMap<String, Job> {
    let db = Db::open(data_dir);
    let store = db.lock();
    ids.iter()
        .map(|id| (id.clone(), store.job(id).expect("a job")))
        .collect()
}

async fn start_session(app: &WebDriver) -> Result<()> {
    click(app, "nav-accounts").await?;
    click(app, "session-start").await?;
    wait_until("the session logged in", Duration::from_secs(90), || async {
        let bar = app.find(By::Css("[data-testid=\"session-bar\"]")).await?;
        Ok(bar.attr("data-state").await?.as_deref() == Some("loggedIn"))
    })
    .await
}

/// How the first run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// SIGKILL: nothing of the app runs after it.
    Kill,
    /// SIGTERM (a logout, a shutdown): the app stops its sessions as a normal quit does.
    Quit,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_queue_killed_midway_goes_on_after_a_restart_without_a_duplicate_or_a_loss()
-> Result<()> {
    interrupted_then_restarted(Stop::Kill).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_queue_quit_midway_goes_on_after_a_restart_without_a_duplicate_or_a_loss()
-> Result<()> {
    interrupted_then_restarted(Stop::Quit).await
}

async fn interrupted_then_restarted(stop: Stop) -> Result<()> {
    ensure!(
        std::env::var("SELLER_PANEL_TEST_KEYRING").as_deref() == Ok("1"),
        "run through scripts/with-test-keyring (a throwaway Secret Service)"
    );
    let display = VirtualDisplay::start()?;
    let fake = FakeVinted::start();
    fake.seed_wardrobe(0);
    let tiny = proxies::tinyproxy();
    let root = tempfile::tempdir()?;
    let data = root.path().join("data");
    std::fs::create_dir_all(&data)?;
    let (account_id, products, job_ids) = {
        let db = Db::open(&data);
        let id = create_account(&db, &fake, tiny.port, quick_pacing()).await;
        log_in_once(&data, &db, &id, &fake).await;
        let products: Vec<Product> = (0..ITEMS)
            .map(|n| dress(&data, &db, &format!("restart{n}")))
            .collect();
        // Queued as the app's publish command queues them (the session is not running yet).
        let mut job_ids = Vec::new();
        for product in &products {
            let payload = serde_json::to_value(PublishRequest {
                product_id: product.id.clone(),
            })?;
            let job = db.lock().enqueue_job(NewJob {
                account_id: id.clone(),
                kind: JobKind::Publish,
                payload,
                dry_run: false,
                progress_total: Some(1),
            })?;
            job_ids.push(job.id);
        }
        (id, products, job_ids)
    };

    // First run: killed just after the second publish click reached Vinted.
    let driver = TauriDriver::start(&display, &[("LANG", "fr_FR.UTF-8"), ("LC_ALL", "")])?;
    let app = launch_app(&driver, &data).await?;
    let first = async {
        start_session(&app).await?;
        wait_until(
            "the second publish click",
            Duration::from_secs(240),
            || async { Ok(creates(&fake).len() >= 2) },
        )
        .await
    }
    .await;
    if first.is_err() {
        save_failure_artifacts("vinted-restart-first", Some(&app), &data).await;
    }
    let pid = app_pid(&data).context("the app's process")?;
    let signal = match stop {
        Stop::Kill => "-KILL",
        Stop::Quit => "-TERM",
    };
    let sent = std::process::Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()?;
    ensure!(sent.success(), "kill {signal} {pid}");
    first?;
    wait_until("the app to end", Duration::from_secs(30), || async {
        Ok(!Path::new(&format!("/proc/{pid}")).exists())
    })
    .await?;
    drop(app);
    drop(driver);
    let clicks_at_kill = creates(&fake).len();
    let at_kill = jobs_of(&data, &job_ids);
    eprintln!(
        "at the {stop:?}: {clicks_at_kill} clicks on Vinted, jobs {:?}",
        job_ids
            .iter()
            .map(|id| at_kill[id].state)
            .collect::<Vec<_>>()
    );

    // Second run on the same folder: the queue goes on once the session is logged in.
    let driver = TauriDriver::start(&display, &[("LANG", "fr_FR.UTF-8"), ("LC_ALL", "")])?;
    let app = launch_app(&driver, &data).await?;
    let second = async {
        start_session(&app).await?;
        click(&app, "nav-jobs").await?;
        wait_until(
            "every publish shown done",
            Duration::from_secs(300),
            || async {
                let states = attrs(&app, "job-row", "data-state").await?;
                if states
                    .iter()
                    .any(|s| s == "failed" || s == "needs_attention")
                {
                    bail!("a job stopped: {states:?}");
                }
                Ok(states.len() == ITEMS && states.iter().all(|s| s == "done"))
            },
        )
        .await
    }
    .await;
    if second.is_err() {
        save_failure_artifacts("vinted-restart-second", Some(&app), &data).await;
    }
    let _ = app.close_window().await;
    let _ = app.quit().await;
    second?;
    drop(driver);

    // One listing per item on Vinted and in the store; no click made twice.
    for product in &products {
        let listings = listings_titled(&fake, &product.title);
        ensure!(
            listings.len() == 1,
            "{}: {} listings: {listings:#?}",
            product.title,
            listings.len()
        );
    }
    let clicks = creates(&fake);
    ensure!(
        clicks.len() == ITEMS,
        "{} publish clicks for {ITEMS} items",
        clicks.len()
    );
    let db = Db::open(&data);
    let after = {
        let store = db.lock();
        for product in &products {
            let published = store.published_listings_of(&product.id)?;
            ensure!(published.len() == 1, "{published:#?}");
        }
        job_ids
            .iter()
            .map(|id| Ok((id.clone(), store.job(id)?)))
            .collect::<Result<HashMap<String, Job>>>()?
    };
    for id in &job_ids {
        let (before, now) = (&at_kill[id], &after[id]);
        ensure!(now.state == JobState::Done, "{now:#?}");
        // Stopping the app is no failure of the job's: it is not counted against its tries,
        // nor made to wait as after one.
        ensure!(now.failures == 0, "{stop:?} counted as a failure: {now:#?}");
        match before.state {
            // Done before the kill: not run again.
            JobState::Done => ensure!(
                now.attempts == before.attempts && now.finished_at == before.finished_at,
                "run again after the restart: {before:#?} {now:#?}"
            ),
            // Interrupted mid-way: one more turn, from its checkpoint; when its click had
            // reached Vinted, the listing it made is adopted rather than made again.
            JobState::Running => {
                ensure!(now.attempts == before.attempts + 1, "{now:#?}");
                let done_at_kill = at_kill
                    .values()
                    .filter(|job| job.state == JobState::Done)
                    .count();
                if clicks_at_kill > done_at_kill {
                    let adopted = now.result.as_ref().map(|r| r["adopted"].clone());
                    ensure!(adopted == Some(true.into()), "{now:#?}");
                }
            }
            _ => ensure!(now.attempts >= 1, "{now:#?}"),
        }
    }
    seller_secrets::Keyring::default().delete_all(&account_id)?;
    Ok(())
}
