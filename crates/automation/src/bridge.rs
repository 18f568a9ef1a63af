//! The WebSocket bridge between the app's live view and a session's VNC server.
//!
//! One [`Bridge`] per app listens on `127.0.0.1:<port>`. A session is [registered](Bridge::register)
//! with the address of its x11vnc and gets a random [`Token`]; the live view then opens
//! `ws://127.0.0.1:<port>/vnc/<session_id>?token=<token>`. The bridge checks, before any upgrade,
//! that the peer is on loopback, the path names a registered session, the token matches (compared
//! in constant time) and the `Origin`, if any, is the app's own; anything else gets HTTP 403. It
//! echoes the `binary` subprotocol if offered, then copies bytes both ways between binary
//! WebSocket frames and a TCP connection to the target.
//!
//! Tokens live in memory only and never appear in a log line, an error or a `Debug` print.
//! [Unregistering](Bridge::unregister) a session (or registering it again) invalidates its token
//! and closes the connections opened with it.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::{Bytes, Message};
use zeroize::Zeroize;

/// The path prefix of live-view connections: `/vnc/<session_id>`.
const PATH_PREFIX: &str = "/vnc/";
/// The subprotocol noVNC may offer; echoed when offered.
const SUBPROTOCOL: &str = "binary";
/// Origins of the app's webview (Linux/macOS and Windows). Connections without `Origin` (not
/// from a browser page) are allowed too.
const ALLOWED_ORIGINS: [&str; 2] = ["tauri://localhost", "http://tauri.localhost"];
/// Bytes of OS randomness in a token (hex-encoded, so tokens have twice as many characters).
const TOKEN_BYTES: usize = 32;

/// A session's access token to the bridge: 32 bytes of OS randomness, hex-encoded.
///
/// Its `Debug` print is redacted and its memory is wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    fn generate() -> io::Result<Token> {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes).map_err(io::Error::other)?;
        let mut hex = String::with_capacity(TOKEN_BYTES * 2);
        for byte in bytes {
            const DIGITS: &[u8; 16] = b"0123456789abcdef";
            hex.push(DIGITS[usize::from(byte >> 4)] as char);
            hex.push(DIGITS[usize::from(byte & 0x0f)] as char);
        }
        bytes.zeroize();
        Ok(Token(hex))
    }

    /// The token's text, to put in the live view's URL (`?token=…`). Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// A registered session: its token, its VNC server, and the switch that closes its connections.
struct Entry {
    token: Token,
    target: SocketAddr,
    /// Dropped when the session is unregistered or registered again: its connections then end.
    alive: watch::Sender<()>,
}

type Sessions = Arc<Mutex<HashMap<String, Entry>>>;

/// The app's WebSocket bridge to its sessions' VNC servers. Stops listening when dropped.
pub struct Bridge {
    port: u16,
    sessions: Sessions,
    accept: JoinHandle<()>,
}

impl fmt::Debug for Bridge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bridge").field("port", &self.port).finish()
    }
}

impl Bridge {
    /// Starts listening on `127.0.0.1:0` (a free port; see [`Bridge::port`]).
    ///
    /// Must be called inside a Tokio runtime.
    pub async fn start() -> io::Result<Bridge> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let port = listener.local_addr()?.port();
        let sessions: Sessions = Arc::default();
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&sessions)));
        Ok(Bridge {
            port,
            sessions,
            accept,
        })
    }

    /// The port the bridge listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Lets the live view reach `target` (the session's VNC server) with the returned token.
    /// Registering a session again replaces its token and target and closes its connections.
    pub fn register(&self, session_id: &str, target: SocketAddr) -> io::Result<Token> {
        let token = Token::generate()?;
        let (alive, _) = watch::channel(());
        let entry = Entry {
            token: token.clone(),
            target,
            alive,
        };
        lock(&self.sessions).insert(session_id.to_owned(), entry);
        tracing::debug!(session_id, %target, "live view bridge: session registered");
        Ok(token)
    }

    /// Forgets a session: its token stops working and its open connections are closed.
    pub fn unregister(&self, session_id: &str) {
        if lock(&self.sessions).remove(session_id).is_some() {
            tracing::debug!(session_id, "live view bridge: session unregistered");
        }
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        self.accept.abort();
        lock(&self.sessions).clear();
    }
}

fn lock(sessions: &Sessions) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
    sessions.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn accept_loop(listener: TcpListener, sessions: Sessions) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                if !peer.ip().is_loopback() {
                    tracing::warn!(%peer, "live view bridge: refused a non-loopback connection");
                    continue;
                }
                tokio::spawn(serve(stream, Arc::clone(&sessions)));
            }
            Err(error) => {
                tracing::warn!(%error, "live view bridge: accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

/// What the handshake callback found: the session's target and its liveness switch.
struct Admitted {
    session_id: String,
    target: SocketAddr,
    alive: watch::Receiver<()>,
}

// The callback's error type is fixed by tungstenite's `Callback` trait.
#[allow(clippy::result_large_err)]
async fn serve(stream: TcpStream, sessions: Sessions) {
    let mut admitted = None;
    let callback = |request: &Request, response: Response| {
        check(request, response, &sessions, &mut admitted).map_err(|Refused| forbidden())
    };
    let ws = match tokio_tungstenite::accept_hdr_async(stream, callback).await {
        Ok(ws) => ws,
        Err(error) => {
            // The error never holds the request's URL, so no token is logged.
            tracing::debug!(%error, "live view bridge: handshake refused or failed");
            return;
        }
    };
    let Some(Admitted {
        session_id,
        target,
        mut alive,
    }) = admitted
    else {
        return;
    };
    let tcp = match TcpStream::connect(target).await {
        Ok(tcp) => tcp,
        Err(error) => {
            tracing::warn!(session_id, %target, %error, "live view bridge: VNC server unreachable");
            let mut ws = ws;
            let _ = ws.close(None).await;
            return;
        }
    };
    let _ = tcp.set_nodelay(true);
    let (mut tcp_read, mut tcp_write) = tcp.into_split();
    let (mut ws_write, mut ws_read) = ws.split();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        tokio::select! {
            read = tcp_read.read(&mut buffer) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let frame = Message::Binary(Bytes::copy_from_slice(&buffer[..n]));
                    if ws_write.send(frame).await.is_err() {
                        return;
                    }
                }
            },
            message = ws_read.next() => match message {
                Some(Ok(Message::Binary(bytes))) => {
                    if tcp_write.write_all(&bytes).await.is_err() {
                        break;
                    }
                }
                // Pings are answered by tungstenite; text frames have no place in RFB.
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                Some(Ok(Message::Text(_))) => break,
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
            },
            _ = alive.changed() => break,
        }
    }
    let _ = ws_write.send(Message::Close(None)).await;
    let _ = tcp_write.shutdown().await;
}

/// The handshake check: loopback is checked by the caller; here path, session, token, Origin.
fn check(
    request: &Request,
    mut response: Response,
    sessions: &Sessions,
    admitted: &mut Option<Admitted>,
) -> Result<Response, Refused> {
    let Some(session_id) = request.uri().path().strip_prefix(PATH_PREFIX) else {
        return Err(Refused);
    };
    if session_id.is_empty() || session_id.contains('/') {
        return Err(Refused);
    }
    if let Some(origin) = request.headers().get("origin") {
        let allowed = origin
            .to_str()
            .is_ok_and(|origin| ALLOWED_ORIGINS.contains(&origin));
        if !allowed {
            return Err(Refused);
        }
    }
    let Some(given) = request.uri().query().and_then(token_param) else {
        return Err(Refused);
    };
    {
        let sessions = lock(sessions);
        let Some(entry) = sessions.get(session_id) else {
            return Err(Refused);
        };
        if !constant_time_eq(given.as_bytes(), entry.token.expose().as_bytes()) {
            return Err(Refused);
        }
        *admitted = Some(Admitted {
            session_id: session_id.to_owned(),
            target: entry.target,
            alive: entry.alive.subscribe(),
        });
    }
    let offers_binary = request
        .headers()
        .get_all("sec-websocket-protocol")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|protocol| protocol.trim() == SUBPROTOCOL);
    if offers_binary {
        response.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_static(SUBPROTOCOL),
        );
    }
    Ok(response)
}

/// The value of the `token` query parameter (tokens are hex: no percent-decoding needed).
fn token_param(query: &str) -> Option<&str> {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
}

/// A connection the handshake check refuses: it gets HTTP 403.
struct Refused;

fn forbidden() -> ErrorResponse {
    let mut response = ErrorResponse::new(Some("Forbidden".to_owned()));
    *response.status_mut() = StatusCode::FORBIDDEN;
    response
}

/// Compares in time that depends only on the lengths (tokens all have the same length).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_64_hex_characters_and_differ() {
        let a = Token::generate().unwrap();
        let b = Token::generate().unwrap();
        assert_eq!(a.expose().len(), 64);
        assert!(a.expose().bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert_eq!(format!("{a:?}"), "Token(<redacted>)");
    }

    #[test]
    fn token_parameter_and_comparison() {
        assert_eq!(token_param("a=1&token=abc"), Some("abc"));
        assert_eq!(token_param("tokens=abc"), None);
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
