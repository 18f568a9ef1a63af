//! The proxy part of sessions against real proxies: tinyproxy (HTTP, Basic auth, outgoing
//! connections bound to 127.0.0.2) and microsocks (SOCKS5, bound to 127.0.0.3), each a child
//! process killed when its test ends, and an echo server that answers every request with the
//! address it came from. Tests are independent and run in parallel.

use std::io::{Read as _, Write as _};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener as StdListener};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use seller_automation::proxy::{self, Forwarder, ProxyError, ProxyKind, Upstream};
use seller_secrets::Secret;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const TIMEOUT: Duration = Duration::from_secs(5);
/// The proxies' password, distinctive enough to be searched for in logs.
const PASSWORD: &str = "Pr0xy-pa55";

// ---------------------------------------------------------------- echo server

/// One request as the echo server received it.
#[derive(Debug, Clone)]
struct Seen {
    peer: IpAddr,
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Answers GET/POST/HEAD with the peer's address as the body, anything else (CONNECT) with 405,
/// as a web server does; records every request.
struct Echo {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: JoinHandle<()>,
}

impl Echo {
    async fn start() -> Self {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, peer)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(echo_one(stream, peer, Arc::clone(&record)));
            }
        });
        Self { port, seen, task }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Echo {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn echo_one(mut stream: TcpStream, peer: SocketAddr, record: Arc<Mutex<Vec<Seen>>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_len = loop {
        let Ok(n) = stream.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    request.parse(&buf[..head_len]).unwrap();
    let headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_owned(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse().unwrap())
        .unwrap_or(0);
    let mut body = buf[head_len..].to_vec();
    while body.len() < length {
        let Ok(n) = stream.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let method = request.method.unwrap().to_owned();
    record.lock().unwrap().push(Seen {
        peer: peer.ip(),
        method: method.clone(),
        target: request.path.unwrap().to_owned(),
        headers,
        body,
    });
    let response = if matches!(method.as_str(), "GET" | "POST" | "HEAD") {
        let ip = peer.ip().to_string();
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{ip}",
            ip.len()
        )
    } else {
        "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, POST, HEAD\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned()
    };
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Accepts connections and never answers.
async fn silent_listener() -> (u16, JoinHandle<()>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    (port, task)
}

// Free ports below the ephemeral range, shared with the workspace's other tests: a port from
// `bind(:0)` could be taken meanwhile by a server that an end-to-end test running alongside
// starts on `:0`.
use seller_test_net::ports::free_port;

// ---------------------------------------------------------------- proxies as child processes

// The workspace's proxy launchers (tinyproxy, microsocks), with this file's credentials.
use seller_test_net::proxies::{self, MICROSOCKS_EXIT, ProxyProcess, TINYPROXY_EXIT, spawn};

/// tinyproxy with Basic auth `user`/[`PASSWORD`]; its outgoing connections come from 127.0.0.2.
fn tinyproxy() -> ProxyProcess {
    proxies::tinyproxy_as("user", PASSWORD)
}

/// microsocks, with `user`/[`PASSWORD`] when `auth`; its outgoing connections come from 127.0.0.3.
fn microsocks(auth: bool) -> ProxyProcess {
    proxies::microsocks_as(auth.then_some(("user", PASSWORD)))
}

/// Waits until `text` is in tinyproxy's log (it may lag the answer a little).
async fn wait_log(proxy: &ProxyProcess, text: &str) {
    let deadline = Instant::now() + TIMEOUT;
    while !proxy.log().contains(text) {
        assert!(
            Instant::now() < deadline,
            "tinyproxy's log never listed {text:?}:\n{}",
            proxy.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn http(port: u16) -> Upstream {
    Upstream::new(ProxyKind::Http, "127.0.0.1", port)
}

fn socks5(port: u16) -> Upstream {
    Upstream::new(ProxyKind::Socks5, "127.0.0.1", port)
}

fn with(upstream: Upstream, password: &str) -> Upstream {
    upstream.with_credentials("user", Secret::new(password))
}

fn reqwest_via(forwarder: &Forwarder) -> reqwest::Client {
    let proxy = reqwest::Proxy::all(format!("http://127.0.0.1:{}", forwarder.port())).unwrap();
    reqwest::Client::builder()
        .proxy(proxy)
        .timeout(TIMEOUT)
        .build()
        .unwrap()
}

/// Sends raw bytes to the forwarder and reads everything until it closes.
async fn raw_exchange(port: u16, request: &str) -> String {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))
        .await
        .unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(TIMEOUT, stream.read_to_end(&mut out))
        .await
        .expect("the forwarder closes")
        .unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

fn assert_all_from(echo: &Echo, exit: &str, expected: usize) {
    let seen = echo.seen();
    assert_eq!(seen.len(), expected, "{seen:#?}");
    for request in &seen {
        assert_eq!(request.peer.to_string(), exit, "{request:#?}");
        assert_ne!(request.peer, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert!(
            request.header("proxy-authorization").is_none(),
            "{request:#?}"
        );
    }
}

// ---------------------------------------------------------------- check() and connect()

#[tokio::test]
async fn http_check_with_good_credentials_exits_from_the_proxy() {
    let (echo, tiny) = (Echo::start().await, tinyproxy());
    let found = proxy::check(&with(http(tiny.port), PASSWORD), &echo.url("/ip"), TIMEOUT)
        .await
        .unwrap();
    assert_eq!(found.exit_ip, TINYPROXY_EXIT);
    assert!(found.latency_ms < 5_000);
    assert_all_from(&echo, TINYPROXY_EXIT, 1);
    assert_eq!(echo.seen()[0].target, "/ip");
    wait_log(&tiny, &format!("CONNECT 127.0.0.1:{} HTTP/1.1", echo.port)).await;
}

#[tokio::test]
async fn http_with_a_wrong_or_missing_password_is_auth_rejected() {
    let (echo, tiny) = (Echo::start().await, tinyproxy());
    let wrong = with(http(tiny.port), "not-the-password");
    assert_eq!(
        proxy::check(&wrong, &echo.url("/ip"), TIMEOUT)
            .await
            .unwrap_err(),
        ProxyError::AuthRejected
    );
    let error = proxy::connect(&http(tiny.port), "127.0.0.1", echo.port, TIMEOUT)
        .await
        .unwrap_err();
    assert_eq!(error, ProxyError::AuthRejected);
    assert!(echo.seen().is_empty());
}

#[tokio::test]
async fn http_target_the_proxy_cannot_reach_is_target_refused() {
    let tiny = tinyproxy();
    let error = proxy::connect(
        &with(http(tiny.port), PASSWORD),
        "127.0.0.1",
        free_port(),
        TIMEOUT,
    )
    .await
    .unwrap_err();
    // tinyproxy answers "500 Unable to connect".
    assert_eq!(error, ProxyError::TargetRefused { status: 500 });
}

#[tokio::test]
async fn a_closed_port_or_unknown_host_is_unreachable() {
    for kind in [ProxyKind::Http, ProxyKind::Socks5] {
        let closed = Upstream::new(kind, "127.0.0.1", free_port());
        let error = proxy::check(&closed, "http://127.0.0.1:9/ip", TIMEOUT)
            .await
            .unwrap_err();
        assert_eq!(
            error,
            ProxyError::Unreachable {
                reason: "connection refused".into()
            }
        );
        let unknown = Upstream::new(kind, "no-such-proxy.invalid", 3128);
        let error = proxy::connect(&unknown, "example.com", 443, TIMEOUT)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, ProxyError::Unreachable { reason } if reason.contains("cannot resolve no-such-proxy.invalid")),
            "{error:?}"
        );
    }
}

#[tokio::test]
async fn a_proxy_that_never_answers_times_out() {
    let (port, _task) = silent_listener().await;
    for kind in [ProxyKind::Http, ProxyKind::Socks5] {
        let started = Instant::now();
        let error = proxy::check(
            &Upstream::new(kind, "127.0.0.1", port),
            "http://127.0.0.1:9/",
            Duration::from_millis(300),
        )
        .await
        .unwrap_err();
        assert_eq!(error, ProxyError::Timeout);
        assert!(started.elapsed() < Duration::from_secs(3));
    }
}

#[tokio::test]
async fn a_server_that_is_not_a_proxy_of_that_kind_is_not_a_proxy() {
    let (echo, socks) = (Echo::start().await, microsocks(false));
    // A web server answers 405 to CONNECT.
    let error = proxy::check(&http(echo.port), &echo.url("/ip"), TIMEOUT)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ProxyError::NotAProxy { detail } if detail.contains("405")),
        "{error:?}"
    );
    // A SOCKS5 server hangs up on an HTTP CONNECT.
    let error = proxy::check(&http(socks.port), &echo.url("/ip"), TIMEOUT)
        .await
        .unwrap_err();
    assert!(matches!(error, ProxyError::NotAProxy { .. }), "{error:?}");
    // Only CONNECT reached the echo server, from the client itself: no GET went through.
    assert!(
        echo.seen().iter().all(|r| r.method == "CONNECT"),
        "{:#?}",
        echo.seen()
    );
}

// ---------------------------------------------------------------- https proxies (TLS to the proxy)

/// A test certificate authority and a certificate it signed for the proxy at 127.0.0.1 (and no
/// host name), made with the openssl command line.
struct TestPki {
    dir: tempfile::TempDir,
}

impl TestPki {
    fn new() -> TestPki {
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| {
            let status = std::process::Command::new("openssl")
                .args(args)
                .current_dir(dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("openssl (scripts/setup)");
            assert!(status.success(), "openssl {args:?}");
        };
        run(&[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Seller Panel test CA",
        ]);
        run(&[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "proxy.key",
            "-out",
            "proxy.csr",
            "-subj",
            "/CN=127.0.0.1",
        ]);
        std::fs::write(dir.path().join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
        run(&[
            "x509",
            "-req",
            "-in",
            "proxy.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "proxy.pem",
            "-days",
            "2",
            "-extfile",
            "san.ext",
        ]);
        TestPki { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Makes the test CA one of the roots the crate trusts, the way a user adds a root for
    /// any program: `SSL_CERT_FILE`. Must run before the first TLS connection of the process.
    fn trust(&self) {
        // SAFETY: nextest runs each test in a process of its own and this runs before any
        // thread of the test reads the environment.
        unsafe { std::env::set_var("SSL_CERT_FILE", self.path("ca.pem")) };
    }
}

/// stunnel in front of `backend_port`, serving TLS with the test certificate: together with
/// tinyproxy, an HTTP proxy reached over TLS, as providers' "https" proxies are.
fn stunnel(pki: &TestPki, backend_port: u16) -> ProxyProcess {
    let (cert, key) = (pki.path("proxy.pem"), pki.path("proxy.key"));
    spawn(|port, dir| {
        let config = format!(
            "foreground = yes\npid =\n[proxy]\naccept = 127.0.0.1:{port}\n\
             connect = 127.0.0.1:{backend_port}\ncert = {}\nkey = {}\n",
            cert.display(),
            key.display()
        );
        let path = dir.join("stunnel.conf");
        std::fs::write(&path, config).unwrap();
        let mut command = Command::new("stunnel4");
        command.arg(path);
        command
    })
}

fn https(port: u16) -> Upstream {
    Upstream::new(ProxyKind::Https, "127.0.0.1", port)
}

#[tokio::test]
async fn https_proxies_check_tunnel_and_forward_through_tls() {
    let pki = TestPki::new();
    pki.trust();
    let (echo, tiny) = (Echo::start().await, tinyproxy());
    let tls = stunnel(&pki, tiny.port);

    let found = proxy::check(&with(https(tls.port), PASSWORD), &echo.url("/ip"), TIMEOUT)
        .await
        .unwrap();
    assert_eq!(found.exit_ip, TINYPROXY_EXIT);
    let error = proxy::check(&with(https(tls.port), "wrong"), &echo.url("/ip"), TIMEOUT)
        .await
        .unwrap_err();
    assert!(matches!(error, ProxyError::AuthRejected), "{error:?}");

    // The browser's forwarder: CONNECT and plain http:// both leave through the TLS proxy.
    let forwarder = Forwarder::start(with(https(tls.port), PASSWORD))
        .await
        .unwrap();
    let answer = reqwest_via(&forwarder)
        .get(echo.url("/through-tls"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.unwrap(), TINYPROXY_EXIT);
    let seen = echo.seen();
    assert!(
        seen.iter().all(|r| r.peer.to_string() == TINYPROXY_EXIT),
        "{seen:#?}"
    );
    assert!(
        seen.iter().any(|r| r.target.ends_with("/through-tls")),
        "{seen:#?}"
    );
}

#[tokio::test]
async fn an_https_proxy_with_an_untrusted_or_misnamed_certificate_is_a_tls_error() {
    let pki = TestPki::new();
    // Not trusted: the test CA is not among the system's roots.
    let tiny = tinyproxy();
    let tls = stunnel(&pki, tiny.port);
    let error = proxy::connect(
        &with(https(tls.port), PASSWORD),
        "example.com",
        443,
        TIMEOUT,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&error, ProxyError::Tls { detail } if detail.contains("certificate")),
        "{error:?}"
    );
    // A plain HTTP proxy's port given as https: tinyproxy waits for a request line that never
    // comes (the TLS hello is not one), so the handshake runs out of time; no tunnel either way.
    let error = proxy::connect(
        &with(https(tiny.port), PASSWORD),
        "example.com",
        443,
        Duration::from_secs(2),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            error,
            ProxyError::Tls { .. } | ProxyError::NotAProxy { .. } | ProxyError::Timeout
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_https_proxy_named_otherwise_than_its_certificate_is_refused() {
    let pki = TestPki::new();
    pki.trust();
    let tiny = tinyproxy();
    let tls = stunnel(&pki, tiny.port);
    // The certificate names 127.0.0.1 only.
    let misnamed = Upstream::new(ProxyKind::Https, "localhost", tls.port)
        .with_credentials("user", Secret::new(PASSWORD));
    let error = proxy::connect(&misnamed, "example.com", 443, TIMEOUT)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ProxyError::Tls { detail } if detail.contains("certificate")),
        "{error:?}"
    );
}

#[tokio::test]
async fn socks5_without_credentials_exits_from_microsocks() {
    let (echo, socks) = (Echo::start().await, microsocks(false));
    let found = proxy::check(&socks5(socks.port), &echo.url("/ip"), TIMEOUT)
        .await
        .unwrap();
    assert_eq!(found.exit_ip, MICROSOCKS_EXIT);
    // Credentials offered to a proxy that needs none are not in the way.
    let found = proxy::check(
        &with(socks5(socks.port), "anything"),
        &echo.url("/ip"),
        TIMEOUT,
    )
    .await
    .unwrap();
    assert_eq!(found.exit_ip, MICROSOCKS_EXIT);
    assert_all_from(&echo, MICROSOCKS_EXIT, 2);
}

#[tokio::test]
async fn socks5_with_credentials_good_wrong_and_missing() {
    let (echo, socks) = (Echo::start().await, microsocks(true));
    let found = proxy::check(
        &with(socks5(socks.port), PASSWORD),
        &echo.url("/ip"),
        TIMEOUT,
    )
    .await
    .unwrap();
    assert_eq!(found.exit_ip, MICROSOCKS_EXIT);
    let wrong = proxy::check(
        &with(socks5(socks.port), "wrong"),
        &echo.url("/ip"),
        TIMEOUT,
    )
    .await
    .unwrap_err();
    assert_eq!(wrong, ProxyError::AuthRejected);
    // No credentials: no acceptable method.
    let missing = proxy::check(&socks5(socks.port), &echo.url("/ip"), TIMEOUT)
        .await
        .unwrap_err();
    assert_eq!(missing, ProxyError::AuthRejected);
    assert_all_from(&echo, MICROSOCKS_EXIT, 1);
}

#[tokio::test]
async fn socks5_target_refused_carries_the_reply_code() {
    let socks = microsocks(false);
    let error = proxy::connect(&socks5(socks.port), "127.0.0.1", free_port(), TIMEOUT)
        .await
        .unwrap_err();
    assert_eq!(error, ProxyError::TargetRefused { status: 5 });
}

// ---------------------------------------------------------------- the forwarder

#[tokio::test]
async fn forwarder_through_tinyproxy_sends_everything_from_the_proxy() {
    let (echo, tiny) = (Echo::start().await, tinyproxy());
    let forwarder = Forwarder::start(with(http(tiny.port), PASSWORD))
        .await
        .unwrap();
    let client = reqwest_via(&forwarder);

    // Plain HTTP (absolute form), with and without a body.
    for i in 0..3 {
        let response = client
            .get(echo.url(&format!("/plain-{i}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        // The forwarder closes after each plain answer, and says so.
        assert_eq!(response.headers()["connection"], "close");
        assert_eq!(response.text().await.unwrap(), TINYPROXY_EXIT);
    }
    let response = client
        .post(echo.url("/form"))
        .body("a=1&b=2")
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), TINYPROXY_EXIT);

    // CONNECT, with the first request pipelined behind it (bytes already read are forwarded)…
    let target = format!("127.0.0.1:{}", echo.port);
    let out = raw_exchange(
        forwarder.port(),
        &format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\nGET /tunnel-1 HTTP/1.1\r\nHost: {target}\r\n\r\n"),
    )
    .await;
    assert!(
        out.starts_with("HTTP/1.1 200 Connection established\r\n\r\nHTTP/1.1 200 OK\r\n"),
        "{out}"
    );
    assert!(out.ends_with(TINYPROXY_EXIT), "{out}");
    // … and step by step.
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, forwarder.port()))
        .await
        .unwrap();
    stream
        .write_all(format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut established = [0u8; 39];
    stream.read_exact(&mut established).await.unwrap();
    assert_eq!(&established, b"HTTP/1.1 200 Connection established\r\n\r\n");
    stream
        .write_all(format!("GET /tunnel-2 HTTP/1.1\r\nHost: {target}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).await.unwrap();
    assert!(out.ends_with(TINYPROXY_EXIT), "{out}");

    assert_all_from(&echo, TINYPROXY_EXIT, 6);
    let seen = echo.seen();
    let post = seen.iter().find(|r| r.target == "/form").unwrap();
    assert_eq!(
        (post.method.as_str(), post.body.as_slice()),
        ("POST", b"a=1&b=2".as_slice())
    );
    for path in ["/plain-0", "/plain-1", "/plain-2", "/form"] {
        wait_log(
            &tiny,
            &format!("http://127.0.0.1:{}{path} HTTP/1.1", echo.port),
        )
        .await;
    }
    wait_log(&tiny, &format!("CONNECT {target} HTTP/1.1")).await;
    assert_eq!(forwarder.requests_to("127.0.0.1"), 6);
    assert_eq!(forwarder.failures(), 0);
    assert_eq!(forwarder.last_error(), None);
    forwarder.stop().await;
}

#[tokio::test]
async fn forwarder_through_microsocks_sends_everything_from_the_proxy() {
    let (echo, socks) = (Echo::start().await, microsocks(true));
    let forwarder = Forwarder::start(with(socks5(socks.port), PASSWORD))
        .await
        .unwrap();
    let client = reqwest_via(&forwarder);
    for i in 0..2 {
        let response = client
            .get(echo.url(&format!("/plain-{i}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.text().await.unwrap(), MICROSOCKS_EXIT);
    }
    // The browser's proxy headers never go further; the origin gets the origin form.
    let target = format!("127.0.0.1:{}", echo.port);
    let out = raw_exchange(
        forwarder.port(),
        &format!(
            "GET http://{target}/raw?q=1 HTTP/1.1\r\nHost: {target}\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\n\
             Proxy-Connection: keep-alive\r\nConnection: keep-alive\r\nX-Kept: yes\r\n\r\n"
        ),
    )
    .await;
    assert!(
        out.starts_with("HTTP/1.1 200 OK\r\n") && out.ends_with(MICROSOCKS_EXIT),
        "{out}"
    );
    let out = raw_exchange(
        forwarder.port(),
        &format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\nGET /tunnel HTTP/1.1\r\nHost: {target}\r\n\r\n"),
    )
    .await;
    assert!(out.ends_with(MICROSOCKS_EXIT), "{out}");

    assert_all_from(&echo, MICROSOCKS_EXIT, 4);
    let raw = echo
        .seen()
        .into_iter()
        .find(|r| r.target.starts_with("/raw"))
        .unwrap();
    assert_eq!(raw.target, "/raw?q=1");
    assert_eq!(raw.header("connection"), Some("close"));
    assert_eq!(raw.header("x-kept"), Some("yes"));
    assert!(raw.header("proxy-connection").is_none());
    assert_eq!(forwarder.requests_to("127.0.0.1"), 4);
}

#[tokio::test]
async fn forwarder_with_a_wrong_password_answers_502_and_remembers_why() {
    let (echo, tiny, socks) = (Echo::start().await, tinyproxy(), microsocks(true));
    let wrong = "Wr0ng-s3cret";
    let leaked = |out: &str| out.contains(wrong) || out.contains("dXNlcjpXcjBuZy1zM2NyZXQ="); // base64("user:Wr0ng-s3cret")
    for upstream in [
        with(http(tiny.port), wrong),
        with(socks5(socks.port), wrong),
    ] {
        let forwarder = Forwarder::start(upstream).await.unwrap();
        let response = reqwest_via(&forwarder)
            .get(echo.url("/plain"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 502);
        assert!(!leaked(&response.text().await.unwrap()));
        let target = format!("127.0.0.1:{}", echo.port);
        let out = raw_exchange(
            forwarder.port(),
            &format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n"),
        )
        .await;
        assert!(out.starts_with("HTTP/1.1 502 Bad Gateway\r\n"), "{out}");
        assert!(
            !leaked(&out) && out.contains("proxy_auth_rejected"),
            "{out}"
        );
        assert_eq!(forwarder.last_error(), Some(ProxyError::AuthRejected));
        assert_eq!(forwarder.failures(), 2);
        assert_eq!(forwarder.requests_to("127.0.0.1"), 2);
    }
    assert!(echo.seen().is_empty(), "{:#?}", echo.seen());
}

#[tokio::test]
async fn forwarder_refuses_what_is_not_a_proxy_request_and_stops() {
    let tiny = tinyproxy();
    let forwarder = Forwarder::start(with(http(tiny.port), PASSWORD))
        .await
        .unwrap();
    let port = forwarder.port();
    for request in [
        "GET /relative HTTP/1.1\r\nHost: x\r\n\r\n",
        "CONNECT nohost HTTP/1.1\r\n\r\n",
        "garbage\r\n\r\n",
    ] {
        let out = raw_exchange(port, request).await;
        assert!(
            out.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{request:?}: {out}"
        );
    }
    assert_eq!(forwarder.failures(), 0);
    // An idle connection is held open until the forwarder stops, which closes it.
    let mut idle = TcpStream::connect((Ipv4Addr::LOCALHOST, port))
        .await
        .unwrap();
    forwarder.stop().await;
    let mut buf = [0u8; 1];
    let read = tokio::time::timeout(TIMEOUT, idle.read(&mut buf))
        .await
        .expect("closed at stop");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    assert!(
        TcpStream::connect((Ipv4Addr::LOCALHOST, port))
            .await
            .is_err()
    );
}

/// Everything logged at every level while credentials are in use, in memory.
#[derive(Clone, Default)]
struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn credentials_never_reach_the_logs() {
    let logs = CapturedLogs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // The test runtime is single-threaded: every task logs through this thread's default.
    let _guard = tracing::subscriber::set_default(subscriber);

    let (echo, tiny, socks) = (Echo::start().await, tinyproxy(), microsocks(true));
    for password in [PASSWORD, "Wr0ng-s3cret"] {
        for upstream in [
            with(http(tiny.port), password),
            with(socks5(socks.port), password),
        ] {
            let _ = proxy::check(&upstream, &echo.url("/ip"), TIMEOUT).await;
            let forwarder = Forwarder::start(upstream).await.unwrap();
            let _ = reqwest_via(&forwarder)
                .get(echo.url("/plain"))
                .send()
                .await
                .unwrap();
            let target = format!("127.0.0.1:{}", echo.port);
            raw_exchange(
                forwarder.port(),
                &format!("CONNECT {target} HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n"),
            )
            .await;
            forwarder.stop().await;
        }
    }
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("proxy forwarder started") && logs.contains("proxy_auth_rejected"),
        "{logs}"
    );
    // base64 of "user:Pr0xy-pa55" and "user:Wr0ng-s3cret".
    for secret in [
        PASSWORD,
        "Wr0ng-s3cret",
        "dXNlcjpQcjB4eS1wYTU1",
        "dXNlcjpXcjBuZy1zM2NyZXQ=",
    ] {
        assert!(!logs.contains(secret), "{secret:?} in the logs:\n{logs}");
    }
}

#[test]
fn proxies_bind_their_exit_addresses() {
    // The exit addresses are loopback aliases Linux routes without configuration; fail loudly if
    // this machine cannot bind them, since every exit assertion relies on it.
    for ip in [TINYPROXY_EXIT, MICROSOCKS_EXIT] {
        let listener = StdListener::bind((ip.parse::<Ipv4Addr>().unwrap(), 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut client =
            std::net::TcpStream::connect((ip.parse::<Ipv4Addr>().unwrap(), port)).unwrap();
        client.write_all(b"x").unwrap();
        let (mut server, _) = listener.accept().unwrap();
        let mut byte = [0u8; 1];
        server.read_exact(&mut byte).unwrap();
    }
}

/// Sends `request` to the forwarder from a bash child, as another user when `uid` is given
/// (`setpriv`, which needs root), and returns everything the forwarder answered.
fn exchange_from_a_child(uid: Option<u32>, port: u16, request: &str) -> String {
    let script = format!(
        "exec 3<>/dev/tcp/127.0.0.1/{port} || exit 9; printf '%s' \"$1\" >&3; timeout 10 cat <&3"
    );
    let mut command = match uid {
        Some(uid) => {
            let mut c = Command::new("setpriv");
            c.args([
                format!("--reuid={uid}"),
                format!("--regid={uid}"),
                "--clear-groups".to_owned(),
                "bash".to_owned(),
            ]);
            c
        }
        None => Command::new("bash"),
    };
    let out = command
        .args(["-c", &script, "exchange", request])
        .stdin(Stdio::null())
        .output()
        .expect("bash (and setpriv from util-linux)");
    // 9: the connection itself failed; a reset while reading (a refused client) is an answer.
    assert_ne!(
        out.status.code(),
        Some(9),
        "the client could not connect: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").unwrap().uid() == 0
}

#[tokio::test(flavor = "multi_thread")]
async fn another_local_user_cannot_use_the_forwarder() {
    // Nothing listens there: the upstream refuses, and the forwarder answers 502 at once.
    let closed_port = free_port();
    let forwarder = Forwarder::start(with(http(closed_port), PASSWORD))
        .await
        .unwrap();
    let port = forwarder.port();
    let request = "GET http://example.invalid/ HTTP/1.1\r\nHost: example.invalid\r\n\r\n";
    // This user's program is served (a 502: the upstream refused).
    let own = tokio::task::spawn_blocking(move || exchange_from_a_child(None, port, request))
        .await
        .unwrap();
    assert!(own.starts_with("HTTP/1.1 "), "{own:?}");
    assert_eq!(forwarder.requests_to("example.invalid"), 1);
    assert!(
        running_as_root(),
        "this test runs a client as another user (nobody) with setpriv, which needs root"
    );
    // nobody (uid 65534) gets the connection closed before a byte is read.
    let other =
        tokio::task::spawn_blocking(move || exchange_from_a_child(Some(65534), port, request))
            .await
            .unwrap();
    assert_eq!(other, "", "another user is answered nothing");
    assert_eq!(
        forwarder.requests_to("example.invalid"),
        1,
        "another user's request never reached the upstream"
    );
}
