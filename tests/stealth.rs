//! What the pages of the site see of a session's browser, and whom the browser calls, on real
//! parts: Chromium started by `Session::start` (the app's own path: the private chromedriver,
//! its flags and preferences) under Xvfb, behind tinyproxy or squid demanding a password, against
//! the fake Vinted site, whose pages report what public bot-detection pages read.

#![cfg(target_os = "linux")]

use seller_panel_tests::{fake_vinted, login, proxies};

use std::collections::HashSet;
use std::time::{Duration, Instant};

use seller_automation::browser::BrowserInstall;
use seller_automation::fingerprint::Fingerprint;
use seller_automation::proxy::{ProxyKind, Upstream};
use seller_automation::session::{Session, SessionSpec};
use seller_automation::sessions::Sessions;
use seller_automation::site::PageState;
use seller_secrets::Secret;
use serde_json::Value;
use thirtyfour::prelude::*;

use fake_vinted::FakeVinted;

const WAIT: Duration = Duration::from_secs(20);
/// How long the browser runs before its proxy's traffic is read: Chromium's background
/// services call out within seconds of a start.
const OBSERVED: Duration = Duration::from_secs(20);

/// Waits until the site received `count` probe reports from `page`, and returns them.
async fn reports(fake: &FakeVinted, page: &str, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + WAIT;
    loop {
        let found: Vec<Value> = fake
            .all_probes()
            .into_iter()
            .filter(|report| report["page"] == page)
            .collect();
        if found.len() >= count {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "{count} {page} probe report(s) never came: {:#?}",
            fake.all_probes()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One page's report shows an ordinary Chromium with the account's fingerprint.
fn assert_looks_human(report: &Value, fingerprint: &Fingerprint) {
    let context = serde_json::to_string_pretty(report).unwrap();
    assert_eq!(report["webdriver"], false, "{context}");
    assert_eq!(report["cdc_properties"], serde_json::json!([]), "{context}");
    assert_eq!(report["has_window_chrome"], true, "{context}");
    assert!(report["plugins_length"].as_u64().unwrap() > 0, "{context}");
    let languages: Vec<String> = fingerprint
        .accept_language()
        .split(',')
        .map(str::to_owned)
        .collect();
    assert_eq!(
        report["languages"],
        serde_json::json!(languages),
        "{context}"
    );
    assert_eq!(report["language"], fingerprint.locale.as_str(), "{context}");
    assert_eq!(
        report["time_zone"],
        fingerprint.timezone.as_str(),
        "{context}"
    );
    assert_eq!(report["platform"], fingerprint.platform(), "{context}");
    assert_eq!(
        report["user_agent"],
        fingerprint.user_agent.as_str(),
        "{context}"
    );
    let (width, height) = fingerprint.screen();
    let screen = &report["screen"];
    assert_eq!(screen["width"], width, "{context}");
    assert_eq!(screen["height"], height, "{context}");
    assert_eq!(screen["avail_width"], width, "{context}");
    assert_eq!(screen["avail_height"], height, "{context}");
    // Xvfb has no GPU: SwiftShader stands in, so WebGL answers rather than reading null.
    for field in ["webgl_vendor", "webgl_renderer"] {
        assert!(
            report[field].as_str().is_some_and(|v| !v.is_empty()),
            "{field}: {context}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_site_sees_an_ordinary_chromium_and_the_proxy_sees_only_the_site() {
    let fake = FakeVinted::start();
    let tiny = proxies::tinyproxy();
    an_ordinary_chromium_behind(&fake, &tiny, proxies::TINYPROXY_EXIT).await;
}

/// The same through squid, the proxy a person is likeliest to run themselves: its Basic auth
/// goes through a helper program and an htpasswd file, it answers a missing or wrong password
/// with 407, and it marks what it forwards (`Via`, `X-Forwarded-For`, `X-Cache`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_squid_too_the_site_sees_an_ordinary_chromium_and_squid_sees_only_the_site() {
    let fake = FakeVinted::start();
    let squid = proxies::squid();
    an_ordinary_chromium_behind(&fake, &squid, proxies::SQUID_EXIT).await;
    // squid checked the password of every request it served; none was refused.
    let entries = squid.squid_log();
    for entry in &entries {
        assert_eq!(entry.user, proxies::USER, "{entries:#?}");
        assert_ne!(entry.action, "TCP_DENIED", "{entries:#?}");
    }
}

/// A session behind `proxy` (leaving from `exit`): the probes of the site's pages look like an
/// ordinary Chromium's, and the proxy carried the site's requests and nothing else.
async fn an_ordinary_chromium_behind(fake: &FakeVinted, proxy: &proxies::ProxyProcess, exit: &str) {
    let dir = tempfile::tempdir().unwrap();
    let sessions = Sessions::new(dir.path().display().to_string());
    let install = BrowserInstall::locate().expect("chromium and chromedriver (scripts/setup)");
    // A vinted.de seller: language and time zone differ from this machine's.
    let fingerprint = Fingerprint::for_base_url("https://www.vinted.de", install.major_version);
    let spec = SessionSpec {
        account_id: "stealth".to_owned(),
        base_url: fake.base_url(),
        profile_dir: dir.path().join("browser-profiles").join("stealth"),
        runtime_dir: dir.path().join("run").join("stealth"),
        upstream: Some(
            Upstream::new(ProxyKind::Http, "127.0.0.1", proxy.port)
                .with_credentials(proxies::USER, Secret::new(proxies::PASSWORD)),
        ),
        vnc_password: None,
        fingerprint: fingerprint.clone(),
        install: install.clone(),
        marker: sessions.marker("stealth"),
    };
    let started = Instant::now();
    let session = Session::start(spec).await.unwrap();

    // The logged-out home (the session opens it), then the login form, the logged-in home it
    // leads to, the upload form through the sell link, and the home once more: each step runs
    // WebDriver scripts in the page, which is when chromedriver leaves its properties.
    assert_eq!(session.probe().await.unwrap(), PageState::LoggedOut);
    login::submit_login_form(&session, fake).await.unwrap();
    let deadline = Instant::now() + WAIT;
    while session.probe().await.unwrap() != PageState::LoggedIn {
        assert!(
            Instant::now() < deadline,
            "the login never showed the user menu"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    reports(fake, "home", 1).await;
    session
        .driver()
        .find(By::Css(fake_vinted::SELL_LINK_SELECTOR))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let upload = reports(fake, "upload_form", 1).await;
    session.open(&fake.base_url()).await.unwrap();
    let homes = reports(fake, "home", 2).await;
    for report in homes.iter().chain(&upload) {
        eprintln!("probe report: {report}");
        assert_looks_human(report, &fingerprint);
    }

    // Nor under another name: after all those WebDriver scripts, no property of the page's
    // window holds a copy of the built-ins chromedriver saves for itself.
    let aliases = session
        .driver()
        .execute(
            "const saved = [Array, Object, Promise, Proxy, Symbol, JSON, Window];\n\
             return Object.getOwnPropertyNames(window).filter(name => {\n\
               try { return saved.includes(window[name]) && window[name].name !== name\n\
                 && !(name === 'JSON' && window[name] === JSON); } catch (e) { return false; }\n\
             });",
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(aliases.json(), &serde_json::json!([]));

    // The private chromedriver ran, without the marker; the installed one is untouched.
    let private = dir.path().join("browser-profiles").join(".chromedriver");
    let copy = std::fs::read(private.join("chromedriver")).unwrap();
    assert!(!copy.windows(4).any(|w| w == b"cdc_"));
    let installed = std::fs::read(&install.chromedriver).unwrap();
    assert!(installed.windows(4).any(|w| w == b"cdc_"));

    // Whatever the browser asked the proxy for while it ran: the site only.
    if let Some(left) = OBSERVED.checked_sub(started.elapsed()) {
        tokio::time::sleep(left).await;
    }
    let asked = session.proxied_requests();
    eprintln!(
        "hosts asked of the proxy over {:?}: {asked:?}",
        started.elapsed()
    );
    assert_eq!(
        asked.keys().cloned().collect::<HashSet<_>>(),
        HashSet::from(["127.0.0.1".to_owned()]),
        "{asked:?}"
    );
    let site = fake.addr().to_string();
    let logged = proxy.logged_requests();
    assert!(!logged.is_empty());
    for request in &logged {
        assert!(
            request.contains(&site),
            "the proxy served {request}: {logged:#?}"
        );
    }
    // And the site heard from the proxy only.
    let requests = fake.requests();
    for request in &requests {
        assert_eq!(request.peer.ip().to_string(), exit, "{requests:#?}");
        assert!(request.header("proxy-authorization").is_none());
    }
    session.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_chromedriver_that_cannot_run_gives_way_to_the_installed_one() {
    let fake = FakeVinted::start();
    let dir = tempfile::tempdir().unwrap();
    let sessions = Sessions::new(dir.path().display().to_string());
    let mut install = BrowserInstall::locate().expect("chromium and chromedriver (scripts/setup)");
    // An "installed" driver with a marker to hide, whose copy refuses to run (as a copy whose
    // signature the OS rejects would): started from the private folder it exits at once.
    let wrapper = dir.path().join("chromedriver");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\n# window.cdc_adoQpoasnfa76pfcZLmcfl_Array\n\
             case \"$0\" in */.chromedriver/*) exit 1 ;; esac\nexec '{}' \"$@\"\n",
            install.chromedriver.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    install.chromedriver = wrapper;
    let spec = SessionSpec {
        account_id: "fallback".to_owned(),
        base_url: fake.base_url(),
        profile_dir: dir.path().join("browser-profiles").join("fallback"),
        runtime_dir: dir.path().join("run").join("fallback"),
        upstream: None,
        vnc_password: None,
        fingerprint: Fingerprint::for_base_url("https://www.vinted.de", install.major_version),
        install,
        marker: sessions.marker("fallback"),
    };
    let session = Session::start(spec).await.unwrap();
    assert_eq!(session.probe().await.unwrap(), PageState::LoggedOut);
    let copy = dir
        .path()
        .join("browser-profiles")
        .join(".chromedriver")
        .join("chromedriver");
    let copy = std::fs::read_to_string(copy).unwrap();
    assert!(!copy.contains("cdc_") && copy.contains("exit 1"), "{copy}");
    session.stop().await;
}
