//! End to end, a Vinted account and its secrets on the real app: create an account with known
//! Vinted, proxy and VNC passwords, change the proxy's, find the new one in the OS keyring (read
//! by another program, `secret-tool`), back up, quit, and search every byte of the data folder
//! (database, WAL, logs, backups and the files inside them) for each secret in several encodings:
//! none may be there. The form never shows a saved secret; deleting the account empties the
//! keyring.
//!
//! "Test the proxy", against a real tinyproxy (Basic auth, outgoing connections from 127.0.0.2)
//! and an address echo on 127.0.0.1 chosen in Settings: the exit address with the right password
//! (typed, then saved and kept), the "refused credentials" sentence with a wrong one.
//!
//! Run inside `scripts/with-test-keyring` (a throwaway Secret Service): the app writes to the
//! keyring of the session bus it finds.

use seller_panel_tests::wait::wait_until_blocking;
use seller_panel_tests::{desktop, ui};

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use base64::Engine;
use desktop::{TauriDriver, VirtualDisplay, eventually, launch_app, save_failure_artifacts};
use thirtyfour::prelude::*;
use ui::{attrs, by_test_id, click, click_element, count, fill, select, text_of, texts};

const VINTED: &str = "Vinted-Secret-7f3a9c51e2d8";
const PROXY_OLD: &str = "Proxy-Secret-0b8d4e2a71c6";
const PROXY_NEW: &str = "Proxy-Secret-New-5c9e13f0aa";
const VNC: &str = "Vnc12345";
const PROXY_USER: &str = "proxy-user-e2e";
const SECRETS: [&str; 4] = [VINTED, PROXY_OLD, PROXY_NEW, VNC];

/// The app files its entries under this service (`seller_secrets::APP_SERVICE`).
const SERVICE: &str = "seller-panel";

/// What another program reads from the Secret Service for this entry (`None`: no entry).
fn keyring_lookup(account_id: &str, kind: &str) -> Result<Option<String>> {
    let out = Command::new("secret-tool")
        .args([
            "lookup",
            "service",
            SERVICE,
            "username",
            &format!("{account_id}/{kind}"),
        ])
        .output()
        .context("secret-tool (Debian package libsecret-tools, installed by scripts/setup)")?;
    let value = String::from_utf8(out.stdout)?;
    Ok((out.status.success() && !value.is_empty()).then_some(value))
}

/// Every form a secret could take in a file: as typed, UTF-16 (a webview's strings), hex, base64,
/// and the proxy's `user:password` in base64 (an HTTP `Proxy-Authorization` header).
fn needles() -> Vec<(String, Vec<u8>)> {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s.as_bytes());
    let mut out = Vec::new();
    for secret in SECRETS {
        out.push((format!("{secret} (UTF-8)"), secret.as_bytes().to_vec()));
        let utf16: Vec<u8> = secret.encode_utf16().flat_map(u16::to_le_bytes).collect();
        out.push((format!("{secret} (UTF-16LE)"), utf16));
        let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
        out.push((format!("{secret} (hex)"), hex.into_bytes()));
        out.push((format!("{secret} (base64)"), b64(secret).into_bytes()));
    }
    for proxy in [PROXY_OLD, PROXY_NEW] {
        let pair = format!("{PROXY_USER}:{proxy}");
        out.push((format!("base64({pair})"), b64(&pair).into_bytes()));
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(files_under(&path)?);
        } else {
            out.push(path);
        }
    }
    Ok(out)
}

/// Searches every file of the data folder, and every file inside each backup, for every form of
/// every secret. `marker` (stored in the database on purpose) must be found in a backup's
/// database, which shows the search does look inside them.
fn assert_no_secret_in(data_dir: &Path, marker: &str) -> Result<()> {
    let needles = needles();
    let mut searched = Vec::new();
    let mut found = Vec::new();
    let mut marker_in_backup = false;
    let mut check = |what: String, bytes: &[u8]| {
        for (name, needle) in &needles {
            if contains(bytes, needle) {
                found.push(format!("{name} in {what}"));
            }
        }
        searched.push(what);
    };
    let files = files_under(data_dir)?;
    for file in &files {
        let bytes = std::fs::read(file)?;
        let shown = file
            .strip_prefix(data_dir)
            .unwrap_or(file)
            .display()
            .to_string();
        check(shown.clone(), &bytes);
        if file.extension().is_some_and(|e| e == "spbackup") {
            let mut archive = tar::Archive::new(bytes.as_slice());
            for entry in archive.entries()? {
                let mut entry = entry?;
                let inner = entry.path()?.display().to_string();
                let mut content = Vec::new();
                entry.read_to_end(&mut content)?;
                marker_in_backup |= contains(&content, marker.as_bytes());
                check(format!("{shown} → {inner}"), &content);
            }
        }
    }
    let names: Vec<String> = files
        .iter()
        .map(|f| {
            f.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    for expected in ["seller-panel.sqlite3", "seller-panel.log"] {
        ensure!(
            names.iter().any(|n| n == expected),
            "{expected} not searched: {searched:?}"
        );
    }
    ensure!(
        names.iter().any(|n| n.ends_with(".spbackup")),
        "no backup searched: {searched:?}"
    );
    ensure!(
        marker_in_backup,
        "the account's id is not in any backup: the search of backups proves nothing"
    );
    ensure!(
        found.is_empty(),
        "secrets found in the data folder:\n{}",
        found.join("\n")
    );
    eprintln!("no secret in {} files: {searched:?}", searched.len());
    Ok(())
}

/// Waits until no process runs with this data folder on its command line (the app has quit and
/// closed the database).
fn wait_for_app_exit(data_dir: &Path) -> Result<()> {
    let needle = data_dir.as_os_str().as_encoded_bytes().to_vec();
    wait_until_blocking("the app to quit", Duration::from_secs(15), || {
        let running = std::fs::read_dir("/proc")?
            .flatten()
            .any(|e| std::fs::read(e.path().join("cmdline")).is_ok_and(|c| contains(&c, &needle)));
        Ok(!running)
    })
}

async fn open_accounts(session: &WebDriver) -> Result<()> {
    click(session, "nav-accounts").await?;
    session
        .query(by_test_id("accounts"))
        .first()
        .await
        .context("the Accounts area")?;
    Ok(())
}

async fn create_account(session: &WebDriver) -> Result<String> {
    open_accounts(session).await?;
    session
        .query(by_test_id("accounts-empty"))
        .first()
        .await
        .context("no account yet")?;
    click(session, "new-account").await?;
    session.query(by_test_id("account-form")).first().await?;
    fill(session, "account-name", "Boutique E2E").await?;
    fill(session, "account-username", "boutique_e2e").await?;
    fill(session, "account-email", "e2e@example.org").await?;
    select(session, "account-domain", "https://www.vinted.de").await?;
    select(session, "account-proxy-type", "socks5").await?;
    fill(session, "account-proxy-host", "127.0.0.1").await?;
    fill(session, "account-proxy-port", "1080").await?;
    fill(session, "account-proxy-user", PROXY_USER).await?;
    fill(session, "account-proxy-password", PROXY_OLD).await?;
    fill(session, "account-vinted-password", VINTED).await?;
    fill(session, "account-vnc-password", VNC).await?;
    click(session, "save-account").await?;
    eventually("the new account in the list", || async {
        Ok(count(session, "account-row").await? == 1)
    })
    .await?;
    let id = attrs(session, "account-row", "data-id")
        .await?
        .pop()
        .context("the row's id")?;
    let proxy = texts(session, "account-row-proxy").await?;
    ensure!(
        proxy == ["socks5 · 127.0.0.1:1080"],
        "proxy summary {proxy:?}"
    );
    let domain = texts(session, "account-row-domain").await?;
    ensure!(domain == ["vinted.de"], "domain {domain:?}");
    let saved = attrs(session, "account-row-secret", "data-kind").await?;
    ensure!(
        saved == ["vinted", "proxy", "vnc"],
        "saved secrets {saved:?}"
    );
    Ok(id)
}

async fn open_account(session: &WebDriver, id: &str) -> Result<()> {
    let row = session
        .query(By::Css(format!(
            "[data-testid='account-row'][data-id='{id}']"
        )))
        .first()
        .await?;
    let button = row.find(By::Tag("button")).await?;
    click_element(session, &button).await?;
    session.query(by_test_id("account-form")).first().await?;
    Ok(())
}

/// The form of a saved account shows that each secret is saved and none of them, and neither
/// does anything else in the window.
async fn form_shows_no_secret(session: &WebDriver) -> Result<()> {
    for kind in ["vinted", "proxy", "vnc"] {
        let saved = session
            .query(by_test_id(&format!("secret-saved-{kind}")))
            .first()
            .await
            .with_context(|| format!("the {kind} password shown as saved"))?;
        ensure!(text_of(&saved).await?.contains("enregistré"));
    }
    let name = session.find(by_test_id("account-name")).await?;
    ensure!(name.prop("value").await?.as_deref() == Some("Boutique E2E"));
    for input in session
        .find_all(By::Css("[data-testid='account-form'] input"))
        .await?
    {
        let value = input.prop("value").await?.unwrap_or_default();
        let kind = input.attr("type").await?.unwrap_or_default();
        ensure!(
            kind != "password" || value.is_empty(),
            "a password input holds {} characters",
            value.len()
        );
        ensure!(
            !SECRETS.iter().any(|s| value.contains(s)),
            "an input shows a secret"
        );
    }
    let page = session.source().await?;
    for secret in SECRETS {
        ensure!(
            !page.contains(secret),
            "the window's page holds a secret ({} characters)",
            secret.len()
        );
    }
    Ok(())
}

async fn change_proxy_password(session: &WebDriver, id: &str) -> Result<()> {
    open_account(session, id).await?;
    form_shows_no_secret(session).await?;
    ensure!(count(session, "account-proxy-password").await? == 0);
    click(session, "secret-change-proxy").await?;
    let input = session
        .query(by_test_id("account-proxy-password"))
        .first()
        .await?;
    ensure!(input.prop("value").await?.unwrap_or_default().is_empty());
    fill(session, "account-proxy-password", PROXY_NEW).await?;
    click(session, "save-account").await?;
    eventually("back to the list after saving", || async {
        Ok(count(session, "account-form").await? == 0 && count(session, "account-row").await? == 1)
    })
    .await
}

async fn back_up(session: &WebDriver, data_dir: &Path) -> Result<()> {
    click(session, "nav-settings").await?;
    click(session, "backup-now").await?;
    let manual = || {
        std::fs::read_dir(data_dir.join("backups"))
            .map(|entries| {
                entries.flatten().any(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.ends_with(".spbackup") && !name.contains("-auto-")
                })
            })
            .unwrap_or(false)
    };
    eventually("a manual backup in the backups folder", || async {
        Ok(manual() && count(session, "backup-item").await? >= 1)
    })
    .await
}

async fn first_run(session: &WebDriver, data_dir: &Path) -> Result<String> {
    let id = create_account(session).await?;
    ensure!(
        keyring_lookup(&id, "proxy")?.as_deref() == Some(PROXY_OLD),
        "the proxy password is not in the keyring"
    );
    change_proxy_password(session, &id).await?;
    ensure!(
        keyring_lookup(&id, "proxy")?.as_deref() == Some(PROXY_NEW),
        "the keyring does not hold the new proxy password"
    );
    ensure!(keyring_lookup(&id, "vinted")?.as_deref() == Some(VINTED));
    ensure!(keyring_lookup(&id, "vnc")?.as_deref() == Some(VNC));
    open_account(session, &id).await?;
    form_shows_no_secret(session).await?;
    click(session, "cancel-account-form").await?;
    back_up(session, data_dir).await?;
    Ok(id)
}

async fn second_run(session: &WebDriver, id: &str) -> Result<()> {
    open_accounts(session).await?;
    eventually("the account after a restart", || async {
        Ok(count(session, "account-row").await? == 1)
    })
    .await?;
    open_account(session, id).await?;
    form_shows_no_secret(session).await?;
    click(session, "delete-account").await?;
    click(session, "confirm-delete-account").await?;
    session
        .query(by_test_id("accounts-empty"))
        .first()
        .await
        .context("no account left")?;
    for kind in ["vinted", "proxy", "vnc"] {
        ensure!(
            keyring_lookup(id, kind)?.is_none(),
            "the {kind} entry is still in the keyring"
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_secrets_live_in_the_keyring_and_nowhere_in_the_data_folder() -> Result<()> {
    // The app writes to the keyring of the session bus: only ever a throwaway one.
    ensure!(
        std::env::var("SELLER_PANEL_TEST_KEYRING").as_deref() == Ok("1"),
        "run through scripts/with-test-keyring (a throwaway Secret Service): \
         dbus-run-session -- scripts/with-test-keyring cargo nextest run"
    );
    let display = VirtualDisplay::start()?;
    let driver = TauriDriver::start(&display, &[("LANG", "fr_FR.UTF-8"), ("LC_ALL", "")])?;
    let data = tempfile::tempdir()?;

    let session = launch_app(&driver, data.path()).await?;
    let outcome = first_run(&session, data.path()).await;
    if outcome.is_err() {
        save_failure_artifacts("e2e-accounts", Some(&session), data.path()).await;
    }
    session.quit().await?;
    let id = outcome?;
    wait_for_app_exit(data.path())?;
    assert_no_secret_in(data.path(), &id)?;

    let session = launch_app(&driver, data.path()).await?;
    let outcome = second_run(&session, &id).await;
    if outcome.is_err() {
        save_failure_artifacts("e2e-accounts-delete", Some(&session), data.path()).await;
    }
    session.quit().await?;
    outcome?;
    wait_for_app_exit(data.path())?;
    assert_no_secret_in(data.path(), &id)
}

// ---------------------------------------------------------------- "Test the proxy"

/// tinyproxy's outgoing connections come from this address: the exit the test must show.
const TINYPROXY_EXIT: &str = "127.0.0.2";
const TINYPROXY_USER: &str = "proxy-e2e";
const TINYPROXY_PASSWORD: &str = "Tiny-Proxy-Pw-3e81";
const WRONG_PASSWORD: &str = "Wrong-Proxy-Pw-77d0";

/// Answers every HTTP request with the address it came from, as api.ipify.org does; records
/// those addresses. Threads, not tasks: the test's runtime stays free for WebDriver.
fn start_echo() -> Result<(u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>)> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    let port = listener.local_addr()?.port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = std::sync::Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let record = std::sync::Arc::clone(&record);
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match stream.read(&mut byte) {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                let Ok(peer) = stream.peer_addr() else { return };
                let ip = peer.ip().to_string();
                record.lock().unwrap().push(ip.clone());
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{ip}",
                    ip.len()
                );
            });
        }
    });
    Ok((port, seen))
}

/// tinyproxy on 127.0.0.1 with Basic auth, killed on drop.
struct Tinyproxy {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_tinyproxy() -> Result<Tinyproxy> {
    for _ in 0..5 {
        let dir = tempfile::tempdir()?;
        let port = desktop::free_port();
        let config = dir.path().join("tinyproxy.conf");
        std::fs::write(
            &config,
            format!(
                "Port {port}\nListen 127.0.0.1\nBind {TINYPROXY_EXIT}\nTimeout 30\nMaxClients 20\n\
                 LogLevel Info\nBasicAuth {TINYPROXY_USER} {TINYPROXY_PASSWORD}\n"
            ),
        )?;
        let child = Command::new("/usr/bin/tinyproxy")
            .arg("-d")
            .arg("-c")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("tinyproxy (Debian package tinyproxy-bin, installed by scripts/setup)")?;
        let mut proxy = Tinyproxy {
            child,
            port,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if proxy.child.try_wait()?.is_some() {
                break; // the port was taken: another one
            }
            if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
                return Ok(proxy);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    bail!("tinyproxy could not be started")
}

/// Clicks "Tester le proxy" and waits for its outcome: `Ok(text)` of `proxy-test-ok` (with its
/// exit address), or `Err((code, sentence))` of `proxy-test-error`.
async fn test_proxy_in_form(
    session: &WebDriver,
) -> Result<std::result::Result<(String, String), (String, String)>> {
    click(session, "test-proxy").await?;
    eventually("the proxy test's outcome", || async {
        Ok(count(session, "proxy-test-ok").await? + count(session, "proxy-test-error").await? > 0)
    })
    .await?;
    if let Some(ok) = session.find_all(by_test_id("proxy-test-ok")).await?.pop() {
        let ip = ok.attr("data-exit-ip").await?.unwrap_or_default();
        return Ok(Ok((ip, text_of(&ok).await?)));
    }
    let err = session.find(by_test_id("proxy-test-error")).await?;
    let code = err.attr("data-code").await?.unwrap_or_default();
    Ok(Err((code, text_of(&err).await?)))
}

fn expect_exit(outcome: std::result::Result<(String, String), (String, String)>) -> Result<()> {
    let (ip, text) = match outcome {
        Ok(found) => found,
        Err(failed) => bail!("the proxy test failed: {failed:?}"),
    };
    ensure!(ip == TINYPROXY_EXIT, "exit address {ip}");
    let latency = text
        .strip_prefix(&format!("Sortie : {TINYPROXY_EXIT} · "))
        .and_then(|rest| rest.strip_suffix(" ms"))
        .with_context(|| format!("the outcome reads {text:?}"))?;
    ensure!(latency.parse::<u32>().is_ok(), "latency {latency:?}");
    Ok(())
}

async fn proxy_test_run(session: &WebDriver, proxy_port: u16, echo_port: u16) -> Result<String> {
    // The address echo is an advanced setting: the local one instead of api.ipify.org.
    click(session, "nav-settings").await?;
    let echo_url = format!("http://127.0.0.1:{echo_port}/");
    fill(session, "settings-proxy-echo-url", &echo_url).await?;
    click(session, "settings-proxy-echo-save").await?;
    session
        .query(by_test_id("settings-proxy-echo-default"))
        .first()
        .await
        .context("the echo URL saved")?;

    open_accounts(session).await?;
    click(session, "new-account").await?;
    session.query(by_test_id("account-form")).first().await?;
    fill(session, "account-name", "Boutique Proxy").await?;
    select(session, "account-proxy-type", "http").await?;
    let button = session.query(by_test_id("test-proxy")).first().await?;
    ensure!(
        button.attr("disabled").await?.is_some(),
        "the test button is enabled without host and port"
    );
    fill(session, "account-proxy-host", "127.0.0.1").await?;
    fill(session, "account-proxy-port", &proxy_port.to_string()).await?;
    fill(session, "account-proxy-user", TINYPROXY_USER).await?;

    fill(session, "account-proxy-password", WRONG_PASSWORD).await?;
    let refused = test_proxy_in_form(session).await?;
    ensure!(
        refused
            == Err((
                "proxyAuthRejected".to_owned(),
                "Le proxy a refusé l’identifiant ou le mot de passe.".to_owned()
            )),
        "with a wrong password: {refused:?}"
    );

    fill(session, "account-proxy-password", TINYPROXY_PASSWORD).await?;
    expect_exit(test_proxy_in_form(session).await?)?;

    // Saved, then tested again with the password kept in the keyring.
    fill(session, "account-vinted-password", "Vinted-Proxy-E2E").await?;
    click(session, "save-account").await?;
    eventually("the account in the list", || async {
        Ok(count(session, "account-row").await? == 1)
    })
    .await?;
    let id = attrs(session, "account-row", "data-id")
        .await?
        .pop()
        .context("the row's id")?;
    open_account(session, &id).await?;
    ensure!(count(session, "secret-saved-proxy").await? == 1);
    expect_exit(test_proxy_in_form(session).await?)?;

    // Nobody listens on this port.
    fill(
        session,
        "account-proxy-port",
        &desktop::free_port().to_string(),
    )
    .await?;
    let unreachable = test_proxy_in_form(session).await?;
    ensure!(
        matches!(&unreachable, Err((code, _)) if code == "proxyUnreachable"),
        "with a closed port: {unreachable:?}"
    );
    Ok(id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_test_shows_the_exit_address_or_what_failed() -> Result<()> {
    ensure!(
        std::env::var("SELLER_PANEL_TEST_KEYRING").as_deref() == Ok("1"),
        "run through scripts/with-test-keyring (a throwaway Secret Service): \
         dbus-run-session -- scripts/with-test-keyring cargo nextest run"
    );
    let proxy = start_tinyproxy()?;
    let (echo_port, seen) = start_echo()?;
    let display = VirtualDisplay::start()?;
    let driver = TauriDriver::start(&display, &[("LANG", "fr_FR.UTF-8"), ("LC_ALL", "")])?;
    let data = tempfile::tempdir()?;

    let session = launch_app(&driver, data.path()).await?;
    let outcome = proxy_test_run(&session, proxy.port, echo_port).await;
    if outcome.is_err() {
        save_failure_artifacts("e2e-proxy-test", Some(&session), data.path()).await;
    }
    session.quit().await?;
    let id = outcome?;
    wait_for_app_exit(data.path())?;

    // The echo was reached only through the proxy, and only when the password was right.
    let seen = seen.lock().unwrap().clone();
    ensure!(
        seen == [TINYPROXY_EXIT, TINYPROXY_EXIT],
        "the echo saw {seen:?}"
    );
    // Neither password reached the data folder (logs included).
    for file in files_under(data.path())? {
        let bytes = std::fs::read(&file)?;
        for secret in [TINYPROXY_PASSWORD, WRONG_PASSWORD] {
            ensure!(
                !contains(&bytes, secret.as_bytes()),
                "a proxy password in {}",
                file.display()
            );
        }
    }
    ensure!(keyring_lookup(&id, "proxy")?.as_deref() == Some(TINYPROXY_PASSWORD));
    Ok(())
}
