//! Browser sessions on real parts: Chromium and chromedriver under Xvfb, tinyproxy and squid
//! demanding a password, microsocks without one, x11vnc with a real VNC client (vncsnapshot),
//! against the fake Vinted site. Each test's sessions carry a marker of their own, so "nothing left behind" is
//! checked on exactly the processes the test started.

#![cfg(target_os = "linux")]

use seller_panel_tests::wait::wait_until;
use seller_panel_tests::{fake_vinted, login, procs, proxies};

use std::future::Future;
use std::net::IpAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use seller_automation::browser::BrowserInstall;
use seller_automation::fingerprint::Fingerprint;
use seller_automation::process::marked_processes;
use seller_automation::proxy::{ProxyError, ProxyKind, Upstream};
use seller_automation::session::{Session, SessionError, SessionSpec};
use seller_automation::sessions::{
    Attention, Health, HealthEvent, Sessions, SessionsError, StopCause,
};
use seller_automation::site::PageState;
use seller_secrets::Secret;
use tokio::sync::broadcast;

use fake_vinted::FakeVinted;
use procs::{browser_process, describe, kill_hard};

const VNC_PASSWORD: &str = "Vnc-4711";
const WAIT: Duration = Duration::from_secs(20);

/// One test's sessions, in a temporary data folder of their own.
struct Harness {
    dir: tempfile::TempDir,
    sessions: Sessions,
    scope: String,
    install: BrowserInstall,
}

impl Harness {
    fn new() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let scope = dir.path().display().to_string();
        Harness {
            sessions: Sessions::new(scope.clone()),
            scope,
            install: BrowserInstall::locate().expect("chromium and chromedriver (scripts/setup)"),
            dir,
        }
    }

    /// An account on the fake site with the fingerprint of a vinted.de seller (so language and
    /// time zone differ from this machine's).
    fn spec(&self, account: &str, base_url: &str, upstream: Option<Upstream>) -> SessionSpec {
        SessionSpec {
            account_id: account.to_owned(),
            base_url: base_url.to_owned(),
            profile_dir: self.dir.path().join("browser-profiles").join(account),
            runtime_dir: self.dir.path().join("run").join(account),
            upstream,
            vnc_password: Some(Secret::new(VNC_PASSWORD)),
            fingerprint: Fingerprint::for_base_url(
                "https://www.vinted.de",
                self.install.major_version,
            ),
            install: self.install.clone(),
            marker: self.sessions.marker(account),
        }
    }

    fn marked(&self, account: &str) -> Vec<u32> {
        marked_processes(self.sessions.marker(account).as_str())
    }

    fn marked_in_scope(&self) -> Vec<u32> {
        marked_processes(&format!("{}#", self.scope))
    }

    /// Waits until no process of `account` (or, with none, of the harness) is left: none
    /// carrying its marker and, checked apart from the markers, none naming its folder on its
    /// command line (a Chromium that left its process group would show there).
    async fn assert_nothing_left(&self, account: Option<&str>) {
        let folder = match account {
            Some(account) => self.dir.path().join("browser-profiles").join(account),
            None => self.dir.path().to_path_buf(),
        };
        let left = || {
            let mut pids = match account {
                Some(account) => self.marked(account),
                None => self.marked_in_scope(),
            };
            pids.extend(procs::naming(&folder));
            pids
        };
        let deadline = Instant::now() + Duration::from_secs(8);
        while !left().is_empty() {
            assert!(
                Instant::now() < deadline,
                "processes left behind: {:?}",
                describe(&left())
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn with<T>(&self, account: &str, work: impl AsyncFnOnce(&Session) -> T) -> T {
        self.sessions
            .with_session(account, work)
            .await
            .expect("the session runs")
    }

    async fn probe(&self, account: &str) -> PageState {
        self.with(account, async |s: &Session| s.probe().await.unwrap())
            .await
    }
}

fn http_proxy(port: u16, password: &str) -> Upstream {
    Upstream::new(ProxyKind::Http, "127.0.0.1", port)
        .with_credentials(proxies::USER, Secret::new(password))
}

fn socks5_proxy(port: u16) -> Upstream {
    Upstream::new(ProxyKind::Socks5, "127.0.0.1", port)
}

/// Logs in through the fake site's form, as a person would over VNC.
async fn log_in(session: &Session, fake: &FakeVinted) {
    login::submit_login_form(session, fake).await.unwrap();
    let deadline = Instant::now() + WAIT;
    while session.probe().await.unwrap() != PageState::LoggedIn {
        assert!(
            Instant::now() < deadline,
            "the login never showed the user menu"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits for `account`'s health to become what `wanted` accepts, and returns it.
async fn wait_health(
    events: &mut broadcast::Receiver<HealthEvent>,
    account: &str,
    wanted: impl Fn(Health) -> bool,
) -> Health {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = tokio::time::timeout(left, events.recv())
            .await
            .unwrap_or_else(|_| panic!("{account}'s health never reached the wanted state"))
            .unwrap();
        if event.account_id == account && wanted(event.health) {
            return event.health;
        }
    }
}

async fn both<A, B>(a: impl Future<Output = A>, b: impl Future<Output = B>) -> (A, B) {
    tokio::join!(a, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_of_a_session_goes_through_its_authenticating_proxy() {
    let fake = FakeVinted::start();
    let tiny = proxies::tinyproxy();
    let h = Harness::new();

    // A wrong proxy password is reported as such, before any browser starts.
    let wrong = h.spec(
        "wrong",
        &fake.base_url(),
        Some(http_proxy(tiny.port, "not-the-password")),
    );
    match h.sessions.start(wrong).await {
        Err(SessionsError::Start(SessionError::Proxy(ProxyError::AuthRejected))) => {}
        other => panic!("expected a refused proxy password, got {other:?}"),
    }
    assert_eq!(h.sessions.health("wrong"), Health::Stopped { cause: None });
    assert!(h.marked("wrong").is_empty());
    assert!(
        fake.requests().is_empty(),
        "something reached the site without the proxy"
    );

    let view = h
        .sessions
        .start(h.spec(
            "a",
            &fake.base_url(),
            Some(http_proxy(tiny.port, proxies::PASSWORD)),
        ))
        .await
        .unwrap();
    assert_eq!(view.health, Health::Running { logged_in: false });
    assert!(view.vnc_port.is_some());
    let forwarded = h.with("a", async |s: &Session| {
        log_in(s, &fake).await;
        let found = s
            .driver()
            .execute(
                "return [navigator.language, Intl.DateTimeFormat().resolvedOptions().timeZone, navigator.userAgent]",
                Vec::new(),
            )
            .await
            .unwrap();
        (found.json().clone(), s.proxied_requests())
    })
    .await;
    let (page, forwarded) = forwarded;
    assert_eq!(page[0], "de-DE", "{page}");
    assert_eq!(page[1], "Europe/Berlin", "{page}");
    let ua = format!("Chrome/{}.0.0.0 ", h.install.major_version);
    assert!(page[2].as_str().unwrap().contains(&ua), "{page}");

    let requests = fake.requests();
    assert!(requests.len() >= 3, "{requests:#?}");
    for request in &requests {
        assert_eq!(
            request.peer.ip(),
            proxies::TINYPROXY_EXIT.parse::<IpAddr>().unwrap(),
            "a request did not come through the proxy: {} {}",
            request.method,
            request.path
        );
        assert!(request.header("proxy-authorization").is_none());
        assert!(request.header("user-agent").unwrap().contains(&ua));
        assert!(
            request
                .header("accept-language")
                .unwrap()
                .starts_with("de-DE")
        );
    }
    assert!(
        requests
            .iter()
            .any(|r| r.method == "POST" && r.path == fake_vinted::LOGIN_PATH)
    );
    // The proxy's own log lists the site's requests, and the forwarder counted them.
    let logged = tiny.logged_requests();
    let site = fake.addr().to_string();
    assert!(
        logged.iter().filter(|r| r.contains(&site)).count() >= requests.len().min(3),
        "{logged:#?}"
    );
    assert!(
        forwarded.get("127.0.0.1").copied().unwrap_or(0) >= 1,
        "{forwarded:?}"
    );

    h.sessions.stop("a").await;
    assert_eq!(h.sessions.health("a"), Health::Stopped { cause: None });
    h.assert_nothing_left(None).await;
}

/// A person's own squid (Basic auth through `basic_ncsa_auth`, 407 for a missing or wrong
/// password, `Via` / `X-Forwarded-For` added to what it forwards): the wrong password is told
/// apart before any browser starts, the login goes through it, and the login's cookies survive
/// a restart of the session behind it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_logs_in_through_squid_and_keeps_its_login_across_a_restart() {
    let fake = FakeVinted::start();
    let squid = proxies::squid();
    let h = Harness::new();
    let wrong = h.spec(
        "wrong",
        &fake.base_url(),
        Some(http_proxy(squid.port, "not-the-password")),
    );
    match h.sessions.start(wrong).await {
        Err(SessionsError::Start(SessionError::Proxy(ProxyError::AuthRejected))) => {}
        other => panic!("expected a refused proxy password, got {other:?}"),
    }
    assert!(h.marked("wrong").is_empty());
    assert!(fake.requests().is_empty(), "{:#?}", fake.requests());
    let refused = squid.squid_log();
    assert!(
        refused
            .iter()
            .all(|e| e.action == "TCP_DENIED" && e.status == 407),
        "{refused:#?}"
    );

    let upstream = || Some(http_proxy(squid.port, proxies::PASSWORD));
    let view = h
        .sessions
        .start(h.spec("s", &fake.base_url(), upstream()))
        .await
        .unwrap();
    assert_eq!(view.health, Health::Running { logged_in: false });
    h.with("s", async |s: &Session| log_in(s, &fake).await)
        .await;

    let squid_exit: IpAddr = proxies::SQUID_EXIT.parse().unwrap();
    let requests = fake.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.method == "POST" && r.path == fake_vinted::LOGIN_PATH),
        "{requests:#?}"
    );
    for request in &requests {
        assert_eq!(request.peer.ip(), squid_exit, "{request:#?}");
        assert!(request.header("proxy-authorization").is_none());
    }
    // squid served each of them under the account's proxy user.
    let site = fake.addr().to_string();
    let served: Vec<_> = squid
        .squid_log()
        .into_iter()
        .filter(|e| e.user == proxies::USER && e.url.contains(&site))
        .collect();
    assert!(served.iter().any(|e| e.method == "POST"), "{served:#?}");

    h.sessions.stop("s").await;
    h.assert_nothing_left(Some("s")).await;
    let again = h
        .sessions
        .start(h.spec("s", &fake.base_url(), upstream()))
        .await
        .unwrap();
    assert_eq!(again.health, Health::Running { logged_in: true });
    h.sessions.stop_all().await;
    h.assert_nothing_left(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_accounts_run_at_once_each_behind_its_own_proxy_sharing_no_cookies() {
    let fake = FakeVinted::start();
    let tiny = proxies::tinyproxy();
    let socks = proxies::microsocks(false);
    let h = Harness::new();
    let (a, b) = both(
        h.sessions.start(h.spec(
            "a",
            &fake.base_url(),
            Some(http_proxy(tiny.port, proxies::PASSWORD)),
        )),
        h.sessions
            .start(h.spec("b", &fake.base_url(), Some(socks5_proxy(socks.port)))),
    )
    .await;
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_ne!(a.vnc_port, b.vnc_port);

    h.with("a", async |s: &Session| log_in(s, &fake).await)
        .await;
    h.with("b", async |s: &Session| {
        s.open(&fake.base_url()).await.unwrap()
    })
    .await;
    assert_eq!(h.probe("a").await, PageState::LoggedIn);
    assert_eq!(h.probe("b").await, PageState::LoggedOut);

    let tiny_exit: IpAddr = proxies::TINYPROXY_EXIT.parse().unwrap();
    let socks_exit: IpAddr = proxies::MICROSOCKS_EXIT.parse().unwrap();
    let requests = fake.requests();
    let from = |ip: IpAddr| requests.iter().filter(move |r| r.peer.ip() == ip);
    assert!(
        from(tiny_exit).count() >= 2 && from(socks_exit).count() >= 2,
        "{requests:#?}"
    );
    assert_eq!(
        from(tiny_exit).count() + from(socks_exit).count(),
        requests.len(),
        "a request went around the proxies"
    );
    // B's browser never sent A's login, and each profile got its own anonymous id.
    for request in from(socks_exit) {
        assert!(
            request.cookie(fake_vinted::SESSION_COOKIE).is_none(),
            "{request:#?}"
        );
    }
    let anon_ids = |ip| {
        from(ip)
            .filter_map(|r| r.cookie(fake_vinted::ANON_ID_COOKIE).map(str::to_owned))
            .collect::<std::collections::HashSet<_>>()
    };
    let (anon_a, anon_b) = (anon_ids(tiny_exit), anon_ids(socks_exit));
    assert!(!anon_a.is_empty() && !anon_b.is_empty());
    assert!(anon_a.is_disjoint(&anon_b), "{anon_a:?} {anon_b:?}");
    let b_cookies = h
        .with("b", async |s: &Session| {
            s.driver().get_all_cookies().await.unwrap()
        })
        .await;
    assert!(
        b_cookies
            .iter()
            .all(|c| c.name != fake_vinted::SESSION_COOKIE),
        "{b_cookies:?}"
    );

    // A's login survives a restart of its session: the profile kept the cookies.
    h.sessions.stop("a").await;
    h.assert_nothing_left(Some("a")).await;
    assert_eq!(
        h.sessions.health("b"),
        Health::Running { logged_in: false },
        "stopping A touched B"
    );
    let again = h
        .sessions
        .start(h.spec(
            "a",
            &fake.base_url(),
            Some(http_proxy(tiny.port, proxies::PASSWORD)),
        ))
        .await
        .unwrap();
    assert_eq!(again.health, Health::Running { logged_in: true });

    h.sessions.stop_all().await;
    h.assert_nothing_left(None).await;
}

/// Takes a screenshot with vncsnapshot; returns its exit success and the decoded RGB pixels.
fn vnc_snapshot(port: u16, password: &str, dir: &Path) -> (bool, Vec<u8>) {
    let password_dir = dir.join(format!("pw-{password}"));
    std::fs::create_dir_all(&password_dir).unwrap();
    let file =
        seller_automation::vnc::write_password_file(&password_dir, &Secret::new(password)).unwrap();
    let out = dir.join(format!("shot-{password}.jpg"));
    let status = std::process::Command::new("vncsnapshot")
        .args(["-quiet", "-passwd"])
        .arg(&file)
        .arg(format!("127.0.0.1::{port}"))
        .arg(&out)
        .status()
        .expect("vncsnapshot (scripts/setup)");
    let pixels = std::fs::read(&out)
        .ok()
        .and_then(|jpeg| jpeg_decoder::Decoder::new(jpeg.as_slice()).decode().ok())
        .unwrap_or_default();
    (status.success(), pixels)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vnc_client_sees_the_browser_page_with_the_password_and_is_refused_without() {
    let fake = FakeVinted::start();
    let h = Harness::new();
    let view = h
        .sessions
        .start(h.spec("v", &fake.base_url(), None))
        .await
        .unwrap();
    let port = view.vnc_port.expect("a VNC port");
    h.with("v", async |s: &Session| log_in(s, &fake).await)
        .await;
    let shots = h.dir.path().join("shots");
    std::fs::create_dir_all(&shots).unwrap();
    let (ok, pixels) = vnc_snapshot(port, "Wrong-99", &shots);
    assert!(
        !ok && pixels.is_empty(),
        "a wrong VNC password was accepted"
    );
    // The screen repaints a moment after the navigation: snapshots until it shows the page.
    let [r, g, b] = fake_vinted::LOGGED_IN_BACKGROUND.map(i32::from);
    let (mut purple, mut total) = (0, 0);
    let _ = wait_until("the logged-in page on the VNC screen", WAIT, || {
        let (ok, pixels) = vnc_snapshot(port, VNC_PASSWORD, &shots);
        assert!(ok, "the right VNC password was refused");
        purple = pixels
            .chunks_exact(3)
            .filter(|p| {
                (i32::from(p[0]) - r).abs() < 24
                    && (i32::from(p[1]) - g).abs() < 24
                    && (i32::from(p[2]) - b).abs() < 24
            })
            .count();
        total = pixels.len() / 3;
        let shown = purple * 2 > total;
        async move { Ok(shown) }
    })
    .await;
    assert!(
        purple * 2 > total,
        "the screenshot does not show the logged-in page: {purple} of {total} pixels"
    );
    h.sessions.stop_all().await;
    h.assert_nothing_left(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_browser_or_driver_marks_the_session_stopped_and_it_starts_again() {
    let fake = FakeVinted::start();
    let h = Harness::new();
    let mut events = h.sessions.subscribe();
    h.sessions
        .start(h.spec("k", &fake.base_url(), None))
        .await
        .unwrap();
    let marked = h.marked("k");
    let chromium = browser_process(&marked).unwrap_or_else(|| {
        panic!(
            "no Chromium among the marked processes {:?}",
            describe(&marked)
        )
    });
    kill_hard(chromium);
    let killed = Instant::now();
    let health = wait_health(&mut events, "k", |h| matches!(h, Health::Stopped { .. })).await;
    assert_eq!(
        health,
        Health::Stopped {
            cause: Some(StopCause::BrowserExited)
        }
    );
    assert!(
        killed.elapsed() < Duration::from_secs(6),
        "noticed after {:?}",
        killed.elapsed()
    );
    assert_eq!(
        h.sessions.health("k"),
        Health::Stopped {
            cause: Some(StopCause::BrowserExited)
        }
    );
    h.assert_nothing_left(Some("k")).await;

    // The stale profile lock left by the killed browser does not stop a restart.
    let view = h
        .sessions
        .start(h.spec("k", &fake.base_url(), None))
        .await
        .unwrap();
    assert!(view.health.is_running());

    // chromedriver dying is noticed the same way.
    let driver = h
        .with("k", async |s: &Session| s.driver_pid())
        .await
        .expect("chromedriver's pid");
    kill_hard(driver);
    let health = wait_health(&mut events, "k", |h| matches!(h, Health::Stopped { .. })).await;
    assert_eq!(
        health,
        Health::Stopped {
            cause: Some(StopCause::BrowserExited)
        }
    );
    h.assert_nothing_left(Some("k")).await;
    h.sessions.stop_all().await;
    h.assert_nothing_left(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_challenge_or_an_expired_login_needs_attention() {
    let fake = FakeVinted::start();
    let h = Harness::new();
    let mut events = h.sessions.subscribe();
    h.sessions
        .start(h.spec("c", &fake.base_url(), None))
        .await
        .unwrap();
    h.with("c", async |s: &Session| log_in(s, &fake).await)
        .await;
    wait_health(&mut events, "c", |h| {
        h == Health::Running { logged_in: true }
    })
    .await;

    // Vinted answers the next page in `mode`; the health that follows.
    let mut next_page_in = async |mode| {
        fake.set_mode(mode);
        h.with("c", async |s: &Session| {
            s.open(&fake.base_url()).await.unwrap()
        })
        .await;
        wait_health(&mut events, "c", |h| {
            h != Health::Running { logged_in: false }
        })
        .await
    };
    let challenge = Health::NeedsAttention {
        reason: Attention::Challenge,
    };
    assert_eq!(next_page_in(fake_vinted::Mode::Challenge).await, challenge);
    // The person passes the challenge; later Vinted ends the login.
    assert_eq!(
        next_page_in(fake_vinted::Mode::Normal).await,
        Health::Running { logged_in: true }
    );
    assert_eq!(
        next_page_in(fake_vinted::Mode::SessionExpired).await,
        Health::NeedsAttention {
            reason: Attention::LoginExpired
        }
    );

    h.sessions.stop_all().await;
    h.assert_nothing_left(None).await;
}
