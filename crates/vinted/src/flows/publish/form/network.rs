//! The answers to the upload form's own requests as the browser received them, headers
//! included: Resource Timing, which the form reads statuses from, has no headers, and a 429's
//! `Retry-After` is what the pacing governor must obey (`docs/VINTED.md`, "Error signals").
//!
//! Read through the DevTools protocol, never through the page: a script hooking the page's
//! `fetch` is something an anti-bot script can find. A second DevTools client is attached to
//! the driver's own tab (its window handle is its DevTools target id) with the `Network` domain
//! only, which the page cannot observe, for as long as the form's writes run, then closed.
//! The WebSocket goes straight to Chromium's loopback DevTools port, never through a proxy.
//!
//! Anything that goes wrong here is logged and ends the listening: the publish goes on, and a
//! 429 is then taken without its `Retry-After` (the governor's own cooldown applies).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use thirtyfour::WebDriver;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{WebSocketStream, client_async_with_config};

/// How long connecting and enabling the `Network` domain may take.
const CONNECT_WAIT: Duration = Duration::from_secs(3);
/// How long a 429 the page recorded may wait for its DevTools event (both come from the same
/// answer, on two channels).
const EVENT_WAIT: Duration = Duration::from_secs(2);
/// How long closing the WebSocket cleanly may take before it is dropped.
const CLOSE_WAIT: Duration = Duration::from_secs(1);
/// Most answers kept; a form makes a few dozen of its own requests at most.
const MAX_KEPT: usize = 64;
const POLL: Duration = Duration::from_millis(50);
/// Largest DevTools message (and frame) read, in bytes. The domain is enabled without bodies,
/// so an event is a few kilobytes of headers; tungstenite's default (64 MiB) would let a page
/// with huge headers make this process hold that much. A larger message ends the listening,
/// which the publish survives (see the module's note).
const MAX_MESSAGE_BYTES: usize = 4 << 20;

/// One answer to a watched path.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Answer {
    path: String,
    status: u16,
    retry_after: Option<String>,
}

type Answers = Arc<Mutex<Vec<Answer>>>;

/// Listens to the answers to `paths` in the driver's tab until closed (or dropped).
#[derive(Debug)]
pub struct Listener {
    answers: Answers,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Listener {
    /// Starts listening to the answers to `paths` on the origin of the page the tab shows
    /// (the account's site, where the form is); `None` (logged) when the browser's DevTools
    /// cannot be reached.
    pub async fn start(driver: &WebDriver, paths: &[&str]) -> Option<Listener> {
        match tokio::time::timeout(CONNECT_WAIT, connect(driver)).await {
            Ok(Ok((socket, site))) => Some(Listener::run(socket, site, paths)),
            Ok(Err(why)) => {
                tracing::warn!(%why, "no DevTools listener on the form's requests: a 429 will be taken without its Retry-After");
                None
            }
            Err(_) => {
                tracing::warn!(
                    "the DevTools listener on the form's requests took too long to connect: a 429 will be taken without its Retry-After"
                );
                None
            }
        }
    }

    fn run(mut socket: Socket, site: String, paths: &[&str]) -> Listener {
        let answers: Answers = Arc::default();
        let (stop, mut stopped) = oneshot::channel::<()>();
        let kept = answers.clone();
        let watched = Watched {
            site,
            paths: paths.iter().map(|p| (*p).to_owned()).collect(),
        };
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut stopped => {
                        let _ = tokio::time::timeout(CLOSE_WAIT, socket.close(None)).await;
                        break;
                    }
                    frame = socket.next() => match frame {
                        Some(Ok(Message::Text(text))) => keep(&kept, &watched, text.as_str()),
                        Some(Ok(_)) => {}
                        Some(Err(error)) => {
                            tracing::warn!(%error, "the DevTools listener on the form's requests was cut");
                            break;
                        }
                        None => break,
                    },
                }
            }
        });
        Listener {
            answers,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// The `Retry-After` of the latest 429 to `path`, waiting briefly for its event when the
    /// page recorded the 429 first. `None`: no such header (or no 429 seen).
    pub async fn retry_after(&self, path: &str) -> Option<Duration> {
        let started = Instant::now();
        loop {
            let latest = self
                .answers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .iter()
                .rev()
                .find(|a| a.path == path && a.status == 429)
                .cloned();
            if let Some(answer) = latest {
                let wait = answer
                    .retry_after
                    .as_deref()
                    .and_then(|value| crate::reply::parse_retry_after(value, Utc::now()));
                tracing::info!(path, retry_after = ?answer.retry_after, "a 429 on the form, its Retry-After read through DevTools");
                return wait;
            }
            if started.elapsed() >= EVENT_WAIT {
                tracing::warn!(path, "the form's 429 was not seen through DevTools");
                return None;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Detaches: the WebSocket is closed and nothing more is kept.
    pub async fn close(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Listener {
    /// A publish cancelled halfway still leaves no DevTools client behind.
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// The `Retry-After` of the latest 429 to `path`, when there is a listener.
pub async fn retry_after_of(listener: Option<&Listener>, path: &str) -> Option<Duration> {
    match listener {
        Some(listener) => listener.retry_after(path).await,
        None => None,
    }
}

type Socket = WebSocketStream<TcpStream>;

/// What the listener keeps: the answers to these paths on this origin.
#[derive(Debug, Clone)]
struct Watched {
    /// The origin (`scheme://host[:port]`, as [`origin_of`] gives it) of the account's site.
    site: String,
    paths: Vec<String>,
}

/// Connects to the driver's tab and enables the `Network` domain, its ack awaited so that
/// every answer from then on is seen. Also returns the origin of the page the tab shows.
async fn connect(driver: &WebDriver) -> Result<(Socket, String), String> {
    // The form is on the account's site: answers from any other host (a third-party script's
    // requests to a path of the same name) are not Vinted's and must not set the pacing.
    let page = driver.current_url().await.map_err(|e| e.to_string())?;
    let site = origin_of(page.as_str())
        .ok_or_else(|| format!("the page's address {page} has no web origin"))?;
    let address = driver
        .handle()
        .capabilities()
        .get("goog:chromeOptions")
        .and_then(|options| options.get("debuggerAddress"))
        .and_then(Value::as_str)
        .ok_or("the session names no DevTools address")?;
    let address = loopback(address)
        .ok_or_else(|| format!("the DevTools address {address} is not a loopback one"))?;
    let window = driver
        .window()
        .await
        .map_err(|e| e.to_string())?
        .to_string();
    let target = target_id(&window).ok_or_else(|| format!("odd window handle {window}"))?;
    let stream = TcpStream::connect(address)
        .await
        .map_err(|e| format!("DevTools port: {e}"))?;
    let url = format!("ws://{address}/devtools/page/{target}");
    let mut socket = handshake(&url, stream).await?;
    // No response bodies or request bodies kept for this client: it reads headers only.
    let enable = json!({
        "id": 1,
        "method": "Network.enable",
        "params": {"maxTotalBufferSize": 0, "maxResourceBufferSize": 0, "maxPostDataSize": 0},
    });
    socket
        .send(Message::text(enable.to_string()))
        .await
        .map_err(|e| format!("Network.enable: {e}"))?;
    while let Some(frame) = socket.next().await {
        let frame = frame.map_err(|e| format!("Network.enable: {e}"))?;
        let Message::Text(text) = frame else { continue };
        let reply: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
        if reply["id"] == 1 {
            if let Some(error) = reply.get("error") {
                return Err(format!("Network.enable refused: {error}"));
            }
            return Ok((socket, site));
        }
    }
    Err("the DevTools WebSocket closed before Network.enable was answered".to_owned())
}

/// The WebSocket handshake over `stream`, with this client's limits on what it reads.
async fn handshake(url: &str, stream: TcpStream) -> Result<Socket, String> {
    let (socket, _) = client_async_with_config(url, stream, Some(socket_config()))
        .await
        .map_err(|e| format!("DevTools WebSocket: {e}"))?;
    Ok(socket)
}

fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_MESSAGE_BYTES))
}

/// The DevTools address as a loopback socket address; any other host is refused (the
/// WebSocket must never leave the machine, nor go through the account's proxy).
fn loopback(address: &str) -> Option<SocketAddr> {
    let (host, port) = address.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    let ip = if host.eq_ignore_ascii_case("localhost") {
        // Chromium's DevTools listens on IPv4's loopback unless told otherwise.
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .ok()?
    };
    ip.is_loopback().then_some(SocketAddr::new(ip, port))
}

/// chromedriver's window handle is the tab's DevTools target id (older versions prefix it).
fn target_id(window: &str) -> Option<&str> {
    let id = window.strip_prefix("CDwindow-").unwrap_or(window);
    (!id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')).then_some(id)
}

/// Keeps a `Network.responseReceived` to one of the watched paths on the site; every other
/// frame is dropped.
fn keep(answers: &Answers, watched: &Watched, frame: &str) {
    let Some(answer) = answer_of(watched, frame) else {
        return;
    };
    let mut answers = answers.lock().unwrap_or_else(PoisonError::into_inner);
    if answers.len() >= MAX_KEPT {
        answers.remove(0);
    }
    answers.push(answer);
}

fn answer_of(watched: &Watched, frame: &str) -> Option<Answer> {
    // Cheap test first: most frames are other events.
    if !frame.contains("\"Network.responseReceived\"") {
        return None;
    }
    let event: Value = serde_json::from_str(frame).ok()?;
    if event["method"] != "Network.responseReceived" {
        return None;
    }
    let response = &event["params"]["response"];
    let url = response["url"].as_str()?;
    if origin_of(url)? != watched.site {
        return None;
    }
    let path = path_of(url)?;
    if !watched.paths.iter().any(|p| p == path) {
        return None;
    }
    let status = u16::try_from(response["status"].as_u64()?).ok()?;
    // Header names come as the server sent them (HTTP/1.1) or lower-cased (HTTP/2); repeated
    // headers are joined with new lines.
    let retry_after = response["headers"]
        .as_object()
        .and_then(|headers| {
            headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case("retry-after"))
        })
        .and_then(|(_, value)| value.as_str())
        .and_then(|value| value.lines().next())
        .map(|value| value.trim().to_owned());
    Some(Answer {
        path: path.to_owned(),
        status,
        retry_after,
    })
}

/// The origin of an http(s) URL: its scheme and authority, lower-cased, the default port
/// dropped. `None` for another scheme, an empty host or an authority with user info (whose
/// host is not what it seems to be at a glance).
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => ":443",
        "http" => ":80",
        _ => return None,
    };
    let authority = rest
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if authority.is_empty() || authority.contains(['@', '\\']) {
        return None;
    }
    let host = authority
        .strip_suffix(default_port)
        .unwrap_or(authority.as_str());
    (!host.is_empty() && !host.starts_with(':')).then(|| format!("{scheme}://{host}"))
}

/// The path of an absolute URL, without its query or fragment.
fn path_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let path = &rest[rest.find('/')?..];
    Some(path.split(['?', '#']).next().unwrap_or(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_loopback_devtools_address() {
        assert_eq!(
            loopback("localhost:9222"),
            Some("127.0.0.1:9222".parse().expect("an address"))
        );
        assert_eq!(
            loopback("127.0.0.1:41000"),
            Some("127.0.0.1:41000".parse().expect("an address"))
        );
        assert_eq!(
            loopback("[::1]:9222"),
            Some("[::1]:9222".parse().expect("an address"))
        );
        assert_eq!(loopback("10.0.0.2:9222"), None);
        assert_eq!(loopback("proxy.example:9222"), None);
        assert_eq!(loopback("127.0.0.1"), None);
    }

    #[test]
    fn the_window_handle_names_the_target() {
        assert_eq!(
            target_id("8D6F3A0C9A1B2C3D4E5F60718293A4B5"),
            Some("8D6F3A0C9A1B2C3D4E5F60718293A4B5")
        );
        assert_eq!(target_id("CDwindow-ABC123"), Some("ABC123"));
        assert_eq!(target_id("../browser/x"), None);
        assert_eq!(target_id(""), None);
    }

    fn event(url: &str, status: u16, headers: Value) -> String {
        json!({
            "method": "Network.responseReceived",
            "sessionId": null,
            "params": {
                "requestId": "1.2",
                "type": "Fetch",
                "response": {"url": url, "status": status, "headers": headers},
            },
        })
        .to_string()
    }

    fn watched(site: &str, paths: &[&str]) -> Watched {
        Watched {
            site: origin_of(site).expect("an origin"),
            paths: paths.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    #[test]
    fn the_answers_to_the_watched_paths_with_their_retry_after() {
        let paths = watched("https://www.vinted.fr/items/new", &["/api/v2/photos"]);
        let local = watched("http://127.0.0.1:8080/items/new", &["/api/v2/photos"]);
        assert_eq!(
            answer_of(
                &paths,
                &event(
                    "https://www.vinted.fr/api/v2/photos?x=1",
                    429,
                    json!({"Content-Type": "application/json", "Retry-After": "7200"})
                )
            ),
            Some(Answer {
                path: "/api/v2/photos".to_owned(),
                status: 429,
                retry_after: Some("7200".to_owned()),
            })
        );
        assert_eq!(
            answer_of(
                &local,
                &event(
                    "http://127.0.0.1:8080/api/v2/photos",
                    201,
                    json!({"retry-after": "Mon, 07 Dec 2026 18:10:00 GMT\n30"})
                )
            )
            .and_then(|a| a.retry_after),
            Some("Mon, 07 Dec 2026 18:10:00 GMT".to_owned())
        );
        assert_eq!(
            answer_of(
                &paths,
                &event("https://www.vinted.fr/api/v2/photos", 200, json!({}))
            )
            .map(|a| a.retry_after),
            Some(None)
        );
        assert_eq!(
            answer_of(
                &paths,
                &event("https://www.vinted.fr/api/v2/items", 429, json!({}))
            ),
            None
        );
        assert_eq!(
            answer_of(&paths, r#"{"id":1,"result":{}}"#),
            None,
            "a command's reply"
        );
    }

    #[test]
    fn only_the_answers_from_the_accounts_site_count() {
        let paths = watched("https://www.vinted.fr/items/new", &["/api/v2/photos"]);
        let from = |url: &str| answer_of(&paths, &event(url, 429, json!({"Retry-After": "9"})));
        for url in [
            "https://www.vinted.fr/api/v2/photos",
            "https://WWW.Vinted.FR/api/v2/photos?x",
            "https://www.vinted.fr:443/api/v2/photos",
        ] {
            assert!(from(url).is_some(), "{url}");
        }
        for url in [
            "https://tracker.example/api/v2/photos",
            "https://www.vinted.de/api/v2/photos",
            "http://www.vinted.fr/api/v2/photos",
            "https://www.vinted.fr:8443/api/v2/photos",
            "https://www.vinted.fr.example/api/v2/photos",
            "https://www.vinted.fr@tracker.example/api/v2/photos",
            "wss://www.vinted.fr/api/v2/photos",
            "/api/v2/photos",
        ] {
            assert_eq!(from(url), None, "{url}");
        }
        let local = watched("http://127.0.0.1:8080/items/new", &["/api/v2/photos"]);
        assert!(
            answer_of(
                &local,
                &event("http://127.0.0.1:8080/api/v2/photos", 429, json!({}))
            )
            .is_some()
        );
        assert_eq!(
            answer_of(
                &local,
                &event("http://127.0.0.1:8081/api/v2/photos", 429, json!({}))
            ),
            None
        );
    }

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://www.vinted.fr/items/new?x#y").as_deref(),
            Some("https://www.vinted.fr")
        );
        assert_eq!(
            origin_of("HTTP://Example.test:80").as_deref(),
            Some("http://example.test")
        );
        assert_eq!(
            origin_of("http://[::1]:8080/a").as_deref(),
            Some("http://[::1]:8080")
        );
        for url in [
            "about:blank",
            "data:text/html,x",
            "https:///a",
            "https://:443/",
            "file:///x",
        ] {
            assert_eq!(origin_of(url), None, "{url}");
        }
    }

    #[tokio::test]
    async fn a_message_over_the_limit_ends_the_socket() {
        let server = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let address = server.local_addr().expect("its address");
        let serve = tokio::spawn(async move {
            let (stream, _) = server.accept().await.expect("a client");
            let mut socket = tokio_tungstenite::accept_async(stream)
                .await
                .expect("a handshake");
            socket
                .send(Message::text("x".repeat(1024)))
                .await
                .expect("sent");
            let _ = socket
                .send(Message::text("y".repeat(MAX_MESSAGE_BYTES + 1)))
                .await;
        });
        let stream = TcpStream::connect(address).await.expect("connected");
        let mut socket = handshake(&format!("ws://{address}/devtools/page/A1"), stream)
            .await
            .expect("a socket");
        match socket.next().await {
            Some(Ok(Message::Text(text))) => assert_eq!(text.len(), 1024),
            other => panic!("the small message, not {other:?}"),
        }
        match socket.next().await {
            Some(Err(error)) => assert!(
                matches!(error, tokio_tungstenite::tungstenite::Error::Capacity(_)),
                "{error}"
            ),
            other => panic!(
                "a capacity error, not {:?}",
                other.map(|m| m.map(|m| m.len()))
            ),
        }
        // The server may still be writing what the client will never read.
        drop(socket);
        serve.abort();
    }

    #[tokio::test]
    async fn the_latest_429_of_the_path_counts_and_little_is_kept() {
        let (stop, _stopped) = oneshot::channel();
        let listener = Listener {
            answers: Arc::default(),
            stop: Some(stop),
            task: None,
        };
        let paths = watched("http://h/", &["/a", "/b"]);
        for frame in [
            event("http://h/a", 429, json!({"Retry-After": "60"})),
            event("http://h/b", 429, json!({"Retry-After": "5"})),
            event("http://h/a", 200, json!({})),
            event("http://h/a", 429, json!({"Retry-After": "120"})),
        ] {
            keep(&listener.answers, &paths, &frame);
        }
        assert_eq!(
            listener.retry_after("/a").await,
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            listener.retry_after("/b").await,
            Some(Duration::from_secs(5))
        );
        for _ in 0..(MAX_KEPT * 2) {
            keep(
                &listener.answers,
                &paths,
                &event("http://h/a", 200, json!({})),
            );
        }
        assert_eq!(
            listener
                .answers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .len(),
            MAX_KEPT
        );
    }
}
