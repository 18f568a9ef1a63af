//! The local forwarding proxy of one session: the browser uses `http://127.0.0.1:<port>` without
//! credentials, the forwarder reaches the account's upstream proxy with them.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use zeroize::Zeroizing;

use super::head::{HeadError, MAX_HEADERS, find, parse_response, read_head};
use super::upstream::{basic_credentials, classify_head_error, connect, io_error, tcp_connect};
use super::{ProxyError, ProxyKind, Upstream, authority, parse_http_url, split_authority};

/// How long the browser has to send a request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long reaching the upstream proxy (and, for `CONNECT`, the target through it) may take.
pub const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(30);

/// A running forwarder. Stops (listener and every open connection) on [`Forwarder::stop`] or
/// when dropped.
pub struct Forwarder {
    port: u16,
    shared: Arc<Shared>,
    task: Option<JoinHandle<()>>,
}

struct Shared {
    upstream: Upstream,
    requests: Mutex<HashMap<String, u64>>,
    failures: AtomicU64,
    last_error: Mutex<Option<ProxyError>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn count(&self, host: &str) {
        *lock(&self.requests).entry(host.to_owned()).or_default() += 1;
    }

    fn succeeded(&self) {
        *lock(&self.last_error) = None;
    }

    fn failed(&self, host: &str, port: u16, error: &ProxyError) {
        tracing::warn!(target_host = host, target_port = port, %error, code = error.code(), "proxy forwarder: request failed");
        self.failures.fetch_add(1, Ordering::Relaxed);
        *lock(&self.last_error) = Some(error.clone());
    }
}

impl Forwarder {
    /// Listens on `127.0.0.1:0` and serves the browser until stopped. Must run inside a Tokio
    /// runtime.
    pub async fn start(upstream: Upstream) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let port = listener.local_addr()?.port();
        tracing::info!(port, kind = %upstream.kind, upstream_host = %upstream.host, upstream_port = upstream.port, "proxy forwarder started");
        let shared = Arc::new(Shared {
            upstream,
            requests: Mutex::default(),
            failures: AtomicU64::new(0),
            last_error: Mutex::default(),
        });
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Ok(Self {
            port,
            shared,
            task: Some(task),
        })
    }

    /// The port on 127.0.0.1: the browser's `--proxy-server=http://127.0.0.1:<port>`.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The error of the latest failed request, cleared by a later successful one.
    pub fn last_error(&self) -> Option<ProxyError> {
        lock(&self.shared.last_error).clone()
    }

    /// Requests received per target host (lower case, IPv6 without brackets), failed ones
    /// included. A `CONNECT` tunnel counts once, whatever it carries.
    pub fn requests(&self) -> HashMap<String, u64> {
        lock(&self.shared.requests).clone()
    }

    pub fn requests_to(&self, host: &str) -> u64 {
        lock(&self.shared.requests)
            .get(&host.to_ascii_lowercase())
            .copied()
            .unwrap_or(0)
    }

    /// Requests answered with an error (502) because of the upstream proxy or the target.
    pub fn failures(&self) -> u64 {
        self.shared.failures.load(Ordering::Relaxed)
    }

    /// Stops listening and closes every connection; the port is closed when this returns.
    pub async fn stop(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
            tracing::info!(port = self.port, "proxy forwarder stopped");
        }
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Dropping this future (on abort) drops the set, which aborts every connection task.
async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    connections.spawn(serve(stream, peer, Arc::clone(&shared)));
                }
                Err(error) => {
                    // E.g. out of file descriptors: wait instead of spinning.
                    tracing::warn!(%error, "proxy forwarder: accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve(mut client: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    // The forwarder adds the account's proxy credentials: only this user's programs (the
    // session's browser) may use it, not another account on the same machine.
    // A connection whose owner cannot be told (its own address unreadable) is refused too.
    let same_user = client
        .local_addr()
        .is_ok_and(|local| crate::peer::is_same_user(local, peer));
    if !same_user {
        tracing::warn!(%peer, "proxy forwarder: refused a connection from another local user");
        return;
    }
    let head = match tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut client, None)).await {
        Ok(Ok(head)) => head,
        Ok(Err(HeadError::TooLarge)) => {
            return answer(&mut client, 400, "request head too large").await;
        }
        Ok(Err(HeadError::Closed { .. } | HeadError::Io(_) | HeadError::WrongPrefix)) => return,
        Err(_) => return answer(&mut client, 408, "no request in time").await,
    };
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let (method, target) = match request.parse(head.head()) {
        Ok(httparse::Status::Complete(_)) => (
            request.method.unwrap_or_default(),
            request.path.unwrap_or_default(),
        ),
        _ => return answer(&mut client, 400, "malformed request").await,
    };

    if method.eq_ignore_ascii_case("CONNECT") {
        let Some((host, port)) = split_authority(target, None) else {
            return answer(&mut client, 400, "CONNECT needs host:port").await;
        };
        tracing::debug!(%peer, target_host = %host, target_port = port, "proxy forwarder: CONNECT");
        shared.count(&host);
        match connect(&shared.upstream, &host, port, UPSTREAM_TIMEOUT).await {
            Err(error) => {
                shared.failed(&host, port, &error);
                bad_gateway(&mut client, &error).await;
            }
            Ok(mut tunnel) => {
                shared.succeeded();
                let opened = async {
                    client
                        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                        .await?;
                    tunnel.write_all(head.rest()).await?;
                    tokio::io::copy_bidirectional(&mut client, &mut tunnel).await
                };
                if let Err(error) = opened.await {
                    tracing::debug!(target_host = %host, target_port = port, %error, "proxy forwarder: tunnel ended");
                }
            }
        }
        return;
    }

    let Some(url) = parse_http_url(target) else {
        return answer(
            &mut client,
            400,
            "only CONNECT and absolute http:// requests are served",
        )
        .await;
    };
    tracing::debug!(%peer, %method, target_host = %url.host, target_port = url.port, "proxy forwarder: plain HTTP");
    shared.count(&url.host);
    let host_header = match authority(&url.host, url.port) {
        with_port if url.port == 80 => with_port[..with_port.len() - 3].to_owned(),
        with_port => with_port,
    };
    let result = match shared.upstream.kind {
        ProxyKind::Http => {
            // The upstream gets the absolute form and our credentials.
            let credentials = basic_credentials(&shared.upstream);
            let out = rewrite_head(
                &request,
                target,
                &host_header,
                credentials.as_deref().map(String::as_str),
            );
            plain_via_http(&mut client, &shared.upstream, &out, head.rest()).await
        }
        // A tunnel to the origin, which gets the origin form. (An `https` proxy could take the
        // absolute form inside TLS too; one tunnel path for both keeps the code to one.)
        ProxyKind::Socks5 | ProxyKind::Https => {
            let out = rewrite_head(&request, &url.path, &host_header, None);
            plain_via_tunnel(
                &mut client,
                &shared.upstream,
                &url.host,
                url.port,
                &out,
                head.rest(),
            )
            .await
        }
    };
    match result {
        Ok(()) => shared.succeeded(),
        Err(error) => {
            shared.failed(&url.host, url.port, &error);
            bad_gateway(&mut client, &error).await;
        }
    }
}

/// Hop-by-hop headers the browser sent for us, and those its `Connection` header names, are
/// dropped; `Connection: close` keeps one request per connection, so no request ever leaves
/// without our credentials. The request line keeps the method and version.
fn rewrite_head(
    request: &httparse::Request<'_, '_>,
    target: &str,
    host_header: &str,
    credentials: Option<&str>,
) -> Zeroizing<Vec<u8>> {
    let version = if request.version == Some(0) {
        "HTTP/1.0"
    } else {
        "HTTP/1.1"
    };
    let method = request.method.unwrap_or("GET");
    let mut out = Zeroizing::new(Vec::with_capacity(1024));
    out.extend_from_slice(format!("{method} {target} {version}\r\n").as_bytes());
    let named: Vec<String> = request
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("connection"))
        .flat_map(|h| {
            String::from_utf8_lossy(h.value)
                .split(',')
                .map(|t| t.trim().to_ascii_lowercase())
                .collect::<Vec<_>>()
        })
        .collect();
    let mut has_host = false;
    for header in request.headers.iter() {
        let name = header.name.to_ascii_lowercase();
        if matches!(
            name.as_str(),
            "proxy-authorization" | "proxy-connection" | "connection" | "keep-alive"
        ) || named.contains(&name)
        {
            continue;
        }
        has_host |= name == "host";
        out.extend_from_slice(header.name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(header.value);
        out.extend_from_slice(b"\r\n");
    }
    if !has_host {
        out.extend_from_slice(format!("Host: {host_header}\r\n").as_bytes());
    }
    if let Some(credentials) = credentials {
        out.extend_from_slice(b"Proxy-Authorization: Basic ");
        out.extend_from_slice(credentials.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"Connection: close\r\n\r\n");
    out
}

/// Absolute-form request to an HTTP upstream, with our credentials.
async fn plain_via_http(
    client: &mut TcpStream,
    upstream: &Upstream,
    head: &[u8],
    body_start: &[u8],
) -> Result<(), ProxyError> {
    let mut proxy = tokio::time::timeout(UPSTREAM_TIMEOUT, tcp_connect(upstream))
        .await
        .unwrap_or(Err(ProxyError::Timeout))?;
    proxy.write_all(head).await.map_err(|e| io_error(&e))?;
    proxy
        .write_all(body_start)
        .await
        .map_err(|e| io_error(&e))?;
    let (mut client_read, mut client_write) = client.split();
    let (mut proxy_read, mut proxy_write) = proxy.split();
    let response = relay_response(&mut proxy_read, &mut client_write, Answerer::HttpProxy);
    while_sending_request(&mut client_read, &mut proxy_write, response).await
}

/// Plain HTTP through a tunnel to the origin (SOCKS5, or CONNECT inside TLS).
async fn plain_via_tunnel(
    client: &mut TcpStream,
    upstream: &Upstream,
    host: &str,
    port: u16,
    head: &[u8],
    body_start: &[u8],
) -> Result<(), ProxyError> {
    let tunnel = connect(upstream, host, port, UPSTREAM_TIMEOUT).await?;
    let (mut tunnel_read, mut tunnel_write) = tokio::io::split(tunnel);
    tunnel_write
        .write_all(head)
        .await
        .map_err(|e| io_error(&e))?;
    tunnel_write
        .write_all(body_start)
        .await
        .map_err(|e| io_error(&e))?;
    let (mut client_read, mut client_write) = client.split();
    let response = relay_response(&mut tunnel_read, &mut client_write, Answerer::Origin);
    while_sending_request(&mut client_read, &mut tunnel_write, response).await
}

/// Who writes the answer to a plain HTTP request.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Answerer {
    /// An HTTP proxy: a 401 or 407 may be its own refusal of our credentials.
    HttpProxy,
    /// The origin itself, through a SOCKS5 tunnel.
    Origin,
}

/// Reads the answer's head before anything goes to the browser, says `Connection: close` in it
/// (the connection ends with this answer, so the browser must not reuse it), then relays the
/// rest until the upstream closes.
///
/// From an HTTP proxy, a 407, or a 401 asking for credentials, becomes a 502 and
/// `AuthRejected`: proxies differ (tinyproxy answers a wrong password with `401` and
/// `WWW-Authenticate`, a missing one with `407`), and either would open a login dialog
/// WebDriver cannot see. A 401 asking for nothing is the site's own answer (Vinted's "session
/// expired" is a bare 401 with a JSON body) and goes to the page as it is.
async fn relay_response<R, W>(
    upstream: &mut R,
    client: &mut W,
    answerer: Answerer,
) -> Result<(), ProxyError>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let head = read_head(upstream, Some(b"HTTP/1."))
        .await
        .map_err(|e| match answerer {
            Answerer::HttpProxy => classify_head_error(e),
            Answerer::Origin => ProxyError::Io {
                detail: "the site gave no HTTP/1.x answer".into(),
            },
        })?;
    let Some(parsed) = parse_response(head.head()) else {
        return Err(match answerer {
            Answerer::HttpProxy => ProxyError::NotAProxy {
                detail: "malformed answer".into(),
            },
            Answerer::Origin => ProxyError::Io {
                detail: "malformed answer from the site".into(),
            },
        });
    };
    let proxy_refusal = parsed.status == 407 || (parsed.status == 401 && parsed.asks_credentials);
    if answerer == Answerer::HttpProxy && proxy_refusal {
        return Err(ProxyError::AuthRejected);
    }
    let relay = async {
        if parsed.status < 200 {
            // An interim answer (100 Continue): the final head follows in the relayed bytes.
            client.write_all(&head.buf).await?;
        } else {
            client
                .write_all(&closing_response_head(head.head()))
                .await?;
            client.write_all(head.rest()).await?;
        }
        tokio::io::copy(upstream, client).await?;
        client.shutdown().await
    };
    if let Err(error) = relay.await {
        tracing::debug!(%error, "proxy forwarder: plain response relay ended");
    }
    Ok(())
}

/// The response head with its `Connection`, `Keep-Alive` and `Proxy-Connection` headers replaced
/// by `Connection: close`.
fn closing_response_head(head: &[u8]) -> Vec<u8> {
    let status_line_end = find(head, b"\r\n").map_or(head.len(), |p| p + 2);
    let mut out = head[..status_line_end].to_vec();
    for line in head[status_line_end..].split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let name = line.split(|&b| b == b':').next().unwrap_or_default();
        if [&b"connection"[..], b"keep-alive", b"proxy-connection"]
            .iter()
            .any(|n| name.trim_ascii().eq_ignore_ascii_case(n))
        {
            continue;
        }
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"Connection: close\r\n\r\n");
    out
}

/// Runs `response` while the rest of the request (a body) flows from the browser to the
/// upstream; the exchange is over when the response is.
async fn while_sending_request<R, W, F>(
    from_client: &mut R,
    to_upstream: &mut W,
    response: F,
) -> F::Output
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
    F: Future,
{
    let request = async {
        if tokio::io::copy(from_client, to_upstream).await.is_ok() {
            let _ = to_upstream.shutdown().await;
        }
        std::future::pending::<()>().await
    };
    tokio::select! {
        output = response => output,
        () = request => unreachable!("the request side never completes"),
    }
}

async fn bad_gateway(client: &mut TcpStream, error: &ProxyError) {
    answer(client, 502, &format!("{} ({})", error, error.code())).await;
}

/// A short plain-text answer, then close. Never 401/407: those would open a login dialog in
/// the browser.
async fn answer(client: &mut TcpStream, status: u16, message: &str) {
    let reason = match status {
        400 => "Bad Request",
        408 => "Request Timeout",
        _ => "Bad Gateway",
    };
    let body = format!("{message}\n");
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = client.write_all(response.as_bytes()).await;
    let _ = client.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_the_browser_head() {
        let raw = b"GET http://h/x HTTP/1.1\r\nHost: h\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nProxy-Connection: keep-alive\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: 300\r\nAccept: */*\r\n\r\n";
        let mut headers = [httparse::EMPTY_HEADER; 16];
        let mut request = httparse::Request::new(&mut headers);
        request.parse(raw).unwrap();
        let out = rewrite_head(&request, "/x", "h", None);
        assert_eq!(
            String::from_utf8_lossy(&out),
            "GET /x HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nConnection: close\r\n\r\n"
        );
        let out = rewrite_head(&request, "http://h/x", "h", Some("dTpw"));
        assert_eq!(
            String::from_utf8_lossy(&out),
            "GET http://h/x HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nProxy-Authorization: Basic dTpw\r\nConnection: close\r\n\r\n"
        );
    }

    #[test]
    fn closes_the_response() {
        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nVia: 1.1 tinyproxy\r\n\r\n";
        assert_eq!(
            String::from_utf8_lossy(&closing_response_head(head)),
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nVia: 1.1 tinyproxy\r\nConnection: close\r\n\r\n"
        );
    }

    #[test]
    fn adds_a_missing_host() {
        let raw = b"GET http://h:81/ HTTP/1.0\r\n\r\n";
        let mut headers = [httparse::EMPTY_HEADER; 4];
        let mut request = httparse::Request::new(&mut headers);
        request.parse(raw).unwrap();
        let out = rewrite_head(&request, "/", "h:81", None);
        assert_eq!(
            String::from_utf8_lossy(&out),
            "GET / HTTP/1.0\r\nHost: h:81\r\nConnection: close\r\n\r\n"
        );
    }
}
