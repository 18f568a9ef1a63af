//! End to end, an account's browser session from the Accounts area of the real app: start it
//! behind a real tinyproxy demanding a password, see it running, reach its screen with a real
//! VNC client (right password in, wrong one out) and in the app's live view (noVNC through the
//! bridge), log in to Vinted by typing in the live view and see the session "connected", see a
//! captcha raise "needs attention" and a desktop notification (a real dunst on the
//! test's display and D-Bus session), see a killed Chromium marked stopped, and quit the app
//! (closing the window; WebKitWebDriver may then kill it outright) leaving no process of the
//! session behind, and find the session shown and recorded stopped at the next start; then quit
//! by SIGTERM, which the app handles itself: session stopped, recorded stopped, nothing left.
//!
//! The account is written to the data folder before the app starts, as the app's own form would
//! (store row + keyring secrets), because its Vinted address is the local fake site, which the
//! form's list of Vinted domains rightly does not offer.
//!
//! Run inside `scripts/with-test-keyring` (a throwaway Secret Service).

#![cfg(target_os = "linux")]

use seller_panel_tests::wait::wait_until;
use seller_panel_tests::{desktop, fake_vinted, procs, proxies, ui};

use std::net::IpAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use desktop::{TauriDriver, VirtualDisplay, launch_app, save_failure_artifacts};
use fake_vinted::FakeVinted;
use seller_automation::process::marked_processes;
use seller_secrets::{Keyring, Secret, SecretKind};
use seller_store::Store;
use seller_store::accounts::{AccountDraft, AccountSecret, Proxy, ProxyType, SellerAccount};
use seller_store::data_dir::DATABASE_FILE;
use thirtyfour::prelude::*;
use ui::{by_test_id, click, text_of};

const ACCOUNT_NAME: &str = "Boutique Session";
const VNC_PASSWORD: &str = "Vnc-e2e-9";

/// A notification daemon on the test's display and session bus; its history is what the person
/// would have seen pop up.
struct Dunst(Child);

impl Dunst {
    fn start(display: &VirtualDisplay) -> Result<Dunst> {
        let child = Command::new("dunst")
            .env("DISPLAY", display.env())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting dunst (scripts/setup installs it)")?;
        Ok(Dunst(child))
    }

    /// Every notification shown so far, as dunstctl's JSON (closing them moves them there; one
    /// closed just now may show at the next call).
    fn history() -> Result<String> {
        Command::new("dunstctl").arg("close-all").status()?;
        let out = Command::new("dunstctl").arg("history").output()?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl Drop for Dunst {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The account, as the app's form saves it: the row, and its secrets in the OS keyring.
fn seed_account(data_dir: &Path, fake: &FakeVinted, proxy_port: u16) -> Result<String> {
    let mut store = Store::open(&data_dir.join(DATABASE_FILE))?;
    let account = store.create_account(AccountDraft {
        name: ACCOUNT_NAME.into(),
        username: Some(fake_vinted::USERNAME.into()),
        email: None,
        avatar: None,
        vinted_base_url: fake.base_url(),
        proxy: Some(Proxy {
            kind: ProxyType::Http,
            host: "127.0.0.1".into(),
            port: proxy_port,
            user: Some(proxies::USER.into()),
        }),
    })?;
    let keyring = Keyring::default();
    let proxy_ref = keyring.set(
        &account.id,
        SecretKind::Proxy,
        &Secret::new(proxies::PASSWORD),
    )?;
    let vnc_ref = keyring.set(&account.id, SecretKind::Vnc, &Secret::new(VNC_PASSWORD))?;
    store.set_account_secret_ref(&account.id, AccountSecret::Proxy, Some(&proxy_ref))?;
    store.set_account_secret_ref(&account.id, AccountSecret::Vnc, Some(&vnc_ref))?;
    Ok(account.id)
}

fn stored_account(data_dir: &Path, id: &str) -> Result<SellerAccount> {
    Ok(Store::open(&data_dir.join(DATABASE_FILE))?.account(id)?)
}

/// Every process of this app instance's sessions (their marker names the data folder).
fn session_processes(data_dir: &Path) -> Vec<u32> {
    marked_processes(&format!("{}#", data_dir.display()))
}

async fn session_state(app: &WebDriver) -> Result<(String, Option<String>)> {
    let bar = app.find(by_test_id("session-bar")).await?;
    let state = bar.attr("data-state").await?.unwrap_or_default();
    let reason = match bar.find(by_test_id("session-reason")).await {
        Ok(reason) => reason.attr("data-reason").await?,
        Err(_) => None,
    };
    Ok((state, reason))
}

async fn wait_for_state(app: &WebDriver, state: &str, reason: Option<&str>) -> Result<()> {
    wait_until(
        &format!("the session state {state} ({reason:?})"),
        Duration::from_secs(40),
        || async {
            let (now, why) = session_state(app).await?;
            Ok(now == state && why.as_deref() == reason)
        },
    )
    .await
}

/// Takes a screenshot of the session with vncsnapshot; returns whether it logged in.
fn vnc_snapshot(port: u16, password: &str, dir: &Path) -> Result<bool> {
    let folder = dir.join(format!("vnc-{password}"));
    std::fs::create_dir_all(&folder)?;
    let file = seller_automation::vnc::write_password_file(&folder, &Secret::new(password))?;
    let out = folder.join("shot.jpg");
    let status = Command::new("vncsnapshot")
        .args(["-quiet", "-passwd"])
        .arg(&file)
        .arg(format!("127.0.0.1::{port}"))
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .context("vncsnapshot (scripts/setup installs it)")?;
    Ok(status.success() && std::fs::metadata(&out).is_ok_and(|m| m.len() > 1000))
}

async fn start_from_the_row(app: &WebDriver, expected_state: &str) -> Result<()> {
    click(app, "session-start").await?;
    wait_for_state(app, expected_state, None).await
}

async fn the_session_runs_behind_its_proxy_and_can_be_watched(
    app: &WebDriver,
    data_dir: &Path,
    id: &str,
    fake: &FakeVinted,
) -> Result<()> {
    click(app, "nav-accounts").await?;
    app.query(by_test_id("session-bar")).first().await?;
    wait_for_state(app, "stopped", None).await?;
    start_from_the_row(app, "running").await?;

    let account = stored_account(data_dir, id)?;
    ensure!(account.is_running && !account.is_connected, "{account:?}");
    ensure!(account.last_session_start.is_some());
    let requests = fake.requests();
    ensure!(!requests.is_empty(), "the session never reached the site");
    let exit: IpAddr = proxies::TINYPROXY_EXIT.parse()?;
    for request in &requests {
        ensure!(
            request.peer.ip() == exit,
            "{} {} went around the proxy",
            request.method,
            request.path
        );
    }

    // An external VNC client: the address the row shows, the account's VNC password.
    let vnc_text = text_of(&app.find(by_test_id("session-vnc")).await?).await?;
    let port: u16 = vnc_text
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .context("no VNC address shown")?
        .parse()?;
    let shots = data_dir.join("..").join(format!("shots-{id}"));
    ensure!(
        vnc_snapshot(port, VNC_PASSWORD, &shots)?,
        "the right VNC password was refused"
    );
    ensure!(
        !vnc_snapshot(port, "Wrong-pw", &shots)?,
        "a wrong VNC password was accepted"
    );

    // The live view in the app: noVNC through the bridge, connected, drawing a canvas.
    click(app, "session-watch").await?;
    wait_until(
        "the live view to connect",
        Duration::from_secs(20),
        || async {
            let view = app.find(by_test_id("live-view")).await?;
            Ok(view.attr("data-phase").await?.as_deref() == Some("connected"))
        },
    )
    .await?;
    let canvas = app
        .find(By::Css("[data-testid='live-view-screen'] canvas"))
        .await?;
    let width: i64 = canvas
        .attr("width")
        .await?
        .unwrap_or_default()
        .parse()
        .unwrap_or(0);
    ensure!(
        width == 1366,
        "the live view's canvas is {width} wide, not the session's screen"
    );
    log_in_through_the_live_view(app, &canvas, fake).await?;
    click(app, "live-view-close").await?;
    wait_for_state(app, "loggedIn", None).await?;
    let account = stored_account(data_dir, id)?;
    ensure!(account.is_running && account.is_connected, "{account:?}");
    Ok(())
}

/// Logs in as a person would in the live view, with the keyboard only: the address bar
/// (Ctrl+L), then the login form. Every key goes app → noVNC → bridge → x11vnc → Chromium.
async fn log_in_through_the_live_view(
    app: &WebDriver,
    canvas: &WebElement,
    fake: &FakeVinted,
) -> Result<()> {
    // A click gives noVNC the keyboard (and lands on the blank page, which does nothing).
    canvas.click().await?;
    app.action_chain()
        .key_down(Key::Control)
        .send_keys("l")
        .key_up(Key::Control)
        .perform()
        .await?;
    // Chromium's address bar takes the keyboard a moment after Ctrl+L, and nothing outside the
    // session's browser shows when it has: keys typed sooner would go to the blank page.
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.action_chain()
        .send_keys(fake.url(fake_vinted::LOGIN_PATH))
        .send_keys(Key::Enter)
        .perform()
        .await?;
    wait_until("the login page", Duration::from_secs(15), || async {
        Ok(fake
            .requests()
            .iter()
            .any(|r| r.method == "GET" && r.path.starts_with(fake_vinted::LOGIN_PATH)))
    })
    .await?;
    wait_until(
        "the login form's user name field to have the keyboard",
        Duration::from_secs(15),
        || async {
            Ok(fake
                .requests()
                .iter()
                .any(|r| r.path == fake_vinted::LOGIN_FOCUSED_PATH))
        },
    )
    .await?;
    app.action_chain()
        .send_keys(fake_vinted::USERNAME)
        .send_keys(Key::Tab)
        .send_keys(fake_vinted::PASSWORD)
        .send_keys(Key::Enter)
        .perform()
        .await?;
    wait_until("the login form posted", Duration::from_secs(15), || async {
        Ok(fake
            .requests()
            .iter()
            .any(|r| r.method == "POST" && r.path == fake_vinted::LOGIN_PATH))
    })
    .await
}

async fn a_captcha_needs_attention_and_notifies(app: &WebDriver, fake: &FakeVinted) -> Result<()> {
    click(app, "session-stop").await?;
    wait_for_state(app, "stopped", None).await?;
    fake.set_mode(fake_vinted::Mode::Challenge);
    click(app, "session-start").await?;
    wait_for_state(app, "needsAttention", Some("challenge")).await?;
    let mut history = String::new();
    // A timeout is reported by the check below, with the history seen last.
    let _ = wait_until(
        "a notification of the challenge",
        Duration::from_secs(20),
        || {
            let seen = Dunst::history().map(|now| {
                let found = now.contains(ACCOUNT_NAME);
                history = now;
                found
            });
            async move { seen }
        },
    )
    .await;
    ensure!(
        history.contains(&format!("Seller Panel — {ACCOUNT_NAME}")) && history.contains("captcha"),
        "no notification of the challenge: {history}"
    );
    fake.set_mode(fake_vinted::Mode::Normal);
    Ok(())
}

async fn a_killed_browser_is_shown_stopped(
    app: &WebDriver,
    data_dir: &Path,
    id: &str,
) -> Result<()> {
    let processes = session_processes(data_dir);
    let chromium = procs::browser_process(&processes)
        .with_context(|| format!("no Chromium among {:?}", procs::describe(&processes)))?;
    procs::kill_hard(chromium);
    wait_for_state(app, "stopped", Some("browserExited")).await?;
    let account = stored_account(data_dir, id)?;
    ensure!(!account.is_running, "{account:?}");
    // It starts again (the killed browser's stale profile lock is cleared), still logged in:
    // the profile kept the login's cookies.
    start_from_the_row(app, "loggedIn").await
}

/// Closes the window as a person does; the app quits, stopping its sessions.
async fn quit_like_a_person(app: WebDriver) -> Result<()> {
    let _ = app.close_window().await;
    let _ = app.quit().await;
    Ok(())
}

/// No process of the sessions is left, by their markers and, apart from them, by the data
/// folder on a command line (the app, its reaper, a browser's profile path).
async fn nothing_is_left(data_dir: &Path) -> Result<()> {
    let left = || {
        let mut pids = session_processes(data_dir);
        pids.extend(procs::naming(data_dir));
        pids
    };
    wait_until(
        "no process of the app or its sessions left",
        Duration::from_secs(20),
        || async { Ok(left().is_empty()) },
    )
    .await
    .with_context(|| format!("left: {:?}", procs::describe(&left())))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_started_from_the_accounts_area_runs_is_watched_and_ends_with_the_app()
-> Result<()> {
    ensure!(
        std::env::var("SELLER_PANEL_TEST_KEYRING").as_deref() == Ok("1"),
        "run through scripts/with-test-keyring (a throwaway Secret Service)"
    );
    let display = VirtualDisplay::start()?;
    let _dunst = Dunst::start(&display)?;
    let fake = FakeVinted::start();
    let tiny = proxies::tinyproxy();
    let root = tempfile::tempdir()?;
    let data = root.path().join("data");
    std::fs::create_dir_all(&data)?;
    let id = seed_account(&data, &fake, tiny.port)?;
    // Debug logs on: they must still hold no secret.
    let driver = TauriDriver::start(
        &display,
        &[
            ("LANG", "fr_FR.UTF-8"),
            ("LC_ALL", ""),
            ("RUST_LOG", "debug"),
        ],
    )?;

    let app = launch_app(&driver, &data).await?;
    let outcome = async {
        the_session_runs_behind_its_proxy_and_can_be_watched(&app, &data, &id, &fake).await?;
        a_captcha_needs_attention_and_notifies(&app, &fake).await?;
        a_killed_browser_is_shown_stopped(&app, &data, &id).await
    }
    .await;
    if outcome.is_err() {
        save_failure_artifacts("e2e-sessions", Some(&app), &data).await;
    }
    quit_like_a_person(app).await?;
    outcome?;
    nothing_is_left(&data).await?;

    // However the app ended (WebKitWebDriver may kill it outright), the next start shows the
    // session stopped and records it so.
    // Then a quit by signal (a logout, `kill`): the app itself stops the session and records it.
    let app = launch_app(&driver, &data).await?;
    let outcome = async {
        click(&app, "nav-accounts").await?;
        wait_for_state(&app, "stopped", None).await?;
        let account = stored_account(&data, &id)?;
        ensure!(!account.is_running && !account.is_connected, "{account:?}");
        start_from_the_row(&app, "loggedIn").await?;
        let fingerprint = Store::open(&data.join(DATABASE_FILE))?
            .account_fingerprint(&id)?
            .context("no fingerprint stored")?;
        ensure!(
            fingerprint.locale == "fr-FR"
                && fingerprint.timezone == "Europe/Paris"
                && fingerprint.user_agent.contains("Chrome/"),
            "{fingerprint:?}"
        );
        let pid = app_pid(&data).context("the app's process")?;
        Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()?;
        wait_until("the app to quit", Duration::from_secs(20), || async {
            Ok(!Path::new(&format!("/proc/{pid}")).exists())
        })
        .await
    }
    .await;
    if outcome.is_err() {
        save_failure_artifacts("e2e-sessions-signal", Some(&app), &data).await;
    }
    let _ = app.quit().await;
    outcome?;
    nothing_is_left(&data).await?;
    let account = stored_account(&data, &id)?;
    ensure!(
        !account.is_running && !account.is_connected,
        "the app did not record its session stopped on SIGTERM: {account:?}"
    );
    let log = std::fs::read_to_string(data.join("logs/seller-panel.log"))?;
    ensure!(log.contains("quit signal received: stopping the sessions"));
    ensure!(
        log.contains(" DEBUG "),
        "the app did not log at debug level"
    );
    no_secret_in_the_database_or_logs(&data)?;
    Keyring::default().delete_all(&id)?;
    Ok(())
}

/// The proxy and VNC passwords, the Vinted password typed in the live view and the live view's
/// token appear in no byte of the database, its WAL or the logs, although the app ran with
/// `RUST_LOG=debug`.
fn no_secret_in_the_database_or_logs(data_dir: &Path) -> Result<()> {
    let mut files = vec![
        data_dir.join(DATABASE_FILE),
        data_dir.join(format!("{DATABASE_FILE}-wal")),
    ];
    for entry in std::fs::read_dir(data_dir.join("logs"))? {
        files.push(entry?.path());
    }
    let needles = [
        proxies::PASSWORD,
        VNC_PASSWORD,
        fake_vinted::PASSWORD,
        "token=",
    ];
    for file in files.iter().filter(|f| f.exists()) {
        let bytes = std::fs::read(file)?;
        for needle in needles {
            ensure!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle:?} found in {}",
                file.display()
            );
        }
    }
    Ok(())
}

/// The app's own process (not its session reaper) for this data folder.
fn app_pid(data_dir: &Path) -> Option<u32> {
    let needle = data_dir.display().to_string();
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let args: Vec<String> = cmdline
                .split(|b| *b == 0)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            let is_app = args.first()?.ends_with("seller-panel")
                && args.iter().any(|a| a == "--data-dir")
                && args.contains(&needle);
            is_app.then_some(pid)
        })
}
