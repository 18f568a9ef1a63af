//! The WebSocket bridge between the app's live view and a session's VNC server.
//!
//! One [`Bridge`] per app listens on `127.0.0.1:<port>`. A session is [registered](Bridge::register)
//! with the address of its x11vnc and its VNC password and gets a random [`Token`]; the live view
//! then opens `ws://127.0.0.1:<port>/vnc/<session_id>?token=<token>`. The bridge checks, before any
//! upgrade, that the peer is on loopback, the path names a registered session, the token matches
//! (compared in constant time) and has not opened a connection yet, and the `Origin`, if any, is
//! the app's own; anything else gets HTTP 403. It echoes the `binary` subprotocol if offered.
//!
//! After the upgrade the bridge logs in to x11vnc itself, as an RFB client with VNC
//! Authentication, and then plays the RFB server toward the live view offering only the security
//! type None: the viewer never holds the VNC password. From the initialisation messages on
//! (ClientInit, ServerInit and everything after) it copies bytes both ways between binary
//! WebSocket frames and the TCP connection. If the login fails, the WebSocket is closed with a
//! reason saying why. Every handshake read gives up after ten seconds.
//!
//! Tokens and passwords live in memory only and never appear in a log line, an error or a `Debug`
//! print. [Unregistering](Bridge::unregister) a session (or registering it again) invalidates its
//! token and closes the connections opened with it.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use des::Des;
use des::cipher::{Block, BlockCipherEncrypt, KeyInit};
use futures_util::{SinkExt, StreamExt};
use seller_secrets::Secret;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Bytes, Message, Utf8Bytes};
use zeroize::{Zeroize, Zeroizing};

/// The path prefix of live-view connections: `/vnc/<session_id>`.
const PATH_PREFIX: &str = "/vnc/";
/// The subprotocol noVNC may offer; echoed when offered.
const SUBPROTOCOL: &str = "binary";
/// Origins of the app's webview (Linux/macOS and Windows). Connections without `Origin` (not
/// from a browser page) are allowed too.
const ALLOWED_ORIGINS: [&str; 2] = ["tauri://localhost", "http://tauri.localhost"];
/// Bytes of OS randomness in a token (hex-encoded, so tokens have twice as many characters).
const TOKEN_BYTES: usize = 32;
/// How long each read of the RFB handshake, toward x11vnc or the viewer, may wait.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest WebSocket close reason the protocol allows (a control frame carries 125 bytes,
/// two of which are the close code).
const MAX_CLOSE_REASON: usize = 123;

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

/// A registered session: its token, its VNC server and password, and the switch that closes its
/// connections.
struct Entry {
    token: Token,
    /// A token opens one connection: a copied live-view address cannot be used again.
    used: bool,
    target: SocketAddr,
    password: Secret,
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

    /// Lets the live view reach `target` (the session's VNC server) with the returned token; the
    /// bridge logs in to `target` with `password` on the viewer's behalf. Registering a session
    /// again replaces its token, target and password and closes its connections.
    pub fn register(
        &self,
        session_id: &str,
        target: SocketAddr,
        password: Secret,
    ) -> io::Result<Token> {
        let token = Token::generate()?;
        let (alive, _) = watch::channel(());
        let entry = Entry {
            token: token.clone(),
            used: false,
            target,
            password,
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

/// What the handshake callback found: the session's VNC server and password and its liveness
/// switch.
struct Admitted {
    session_id: String,
    target: SocketAddr,
    password: Secret,
    alive: watch::Receiver<()>,
}

// The callback's error type is fixed by tungstenite's `Callback` trait.
#[allow(clippy::result_large_err)]
async fn serve(stream: TcpStream, sessions: Sessions) {
    let mut admitted = None;
    let callback = |request: &Request, response: Response| {
        check(request, response, &sessions, &mut admitted).map_err(|Refused| forbidden())
    };
    let handshake = tokio_tungstenite::accept_hdr_async(stream, callback);
    let ws = match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
        Ok(Ok(ws)) => ws,
        Err(_) => {
            tracing::debug!("live view bridge: handshake timed out");
            return;
        }
        Ok(Err(error)) => {
            // The error never holds the request's URL, so no token is logged.
            tracing::debug!(%error, "live view bridge: handshake refused or failed");
            return;
        }
    };
    let Some(Admitted {
        session_id,
        target,
        password,
        mut alive,
    }) = admitted
    else {
        return;
    };
    let mut viewer = Viewer::new(ws);
    let opened = tokio::select! {
        opened = open(&mut viewer, target, &password) => Some(opened),
        _ = alive.changed() => None,
    };
    drop(password);
    match opened {
        Some(Ok(vnc)) => relay(viewer, vnc, alive).await,
        Some(Err(error)) => {
            error.log(&session_id, target);
            viewer.close(error.close_code(), error.close_reason()).await;
        }
        None => {
            viewer
                .close(CloseCode::Away, "the session was closed")
                .await
        }
    }
}

/// Logs in to the VNC server, then greets the viewer; returns the connection to the VNC server,
/// ready for the viewer's ClientInit.
async fn open(
    viewer: &mut Viewer,
    target: SocketAddr,
    password: &Secret,
) -> Result<TcpStream, HandshakeError> {
    let mut vnc = connect_vnc(target).await?;
    log_in_to_vnc(&mut vnc, password).await?;
    greet_viewer(viewer).await?;
    Ok(vnc)
}

async fn connect_vnc(target: SocketAddr) -> Result<TcpStream, VncLoginError> {
    let vnc = tokio::time::timeout(HANDSHAKE_TIMEOUT, TcpStream::connect(target))
        .await
        .map_err(|_| VncLoginError::Timeout)?
        .map_err(VncLoginError::Unreachable)?;
    // RFB input events are tiny; without this they would wait for Nagle's algorithm.
    let _ = vnc.set_nodelay(true);
    Ok(vnc)
}

/// Copies bytes both ways until either side ends or the session is unregistered.
async fn relay(viewer: Viewer, vnc: TcpStream, mut alive: watch::Receiver<()>) {
    let Viewer { ws, received } = viewer;
    let (mut tcp_read, mut tcp_write) = vnc.into_split();
    // What the viewer sent after its security choice (its ClientInit, say) is already RFB
    // initialisation and belongs to the VNC server.
    if !received.is_empty() && tcp_write.write_all(&received).await.is_err() {
        return;
    }
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
        let mut sessions = lock(sessions);
        let Some(entry) = sessions.get_mut(session_id) else {
            return Err(Refused);
        };
        if entry.used || !constant_time_eq(given.as_bytes(), entry.token.expose().as_bytes()) {
            return Err(Refused);
        }
        entry.used = true;
        *admitted = Some(Admitted {
            session_id: session_id.to_owned(),
            target: entry.target,
            password: entry.password.clone(),
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

// The RFB handshake (RFC 6143): the bridge is a client toward x11vnc, a server toward the viewer.

/// The ProtocolVersion messages the bridge understands.
const RFB_3_3: &[u8; 12] = b"RFB 003.003\n";
const RFB_3_7: &[u8; 12] = b"RFB 003.007\n";
const RFB_3_8: &[u8; 12] = b"RFB 003.008\n";
/// Security types.
const SECURITY_NONE: u8 = 1;
const SECURITY_VNC_AUTHENTICATION: u8 = 2;
/// The SecurityResult of a successful login.
const SECURITY_OK: u32 = 0;
/// The longest failure reason read from the VNC server: a broken server must not make the bridge
/// allocate whatever length it announces.
const MAX_REASON: u32 = 4096;

/// An RFB protocol version; the handshake differs between them in small ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RfbVersion {
    V3_3,
    V3_7,
    V3_8,
}

impl RfbVersion {
    fn parse(message: &[u8; 12]) -> Option<RfbVersion> {
        match message {
            RFB_3_3 => Some(RfbVersion::V3_3),
            RFB_3_7 => Some(RfbVersion::V3_7),
            RFB_3_8 => Some(RfbVersion::V3_8),
            _ => None,
        }
    }

    fn message(self) -> &'static [u8; 12] {
        match self {
            RfbVersion::V3_3 => RFB_3_3,
            RfbVersion::V3_7 => RFB_3_7,
            RfbVersion::V3_8 => RFB_3_8,
        }
    }
}

/// A ProtocolVersion message as printable text, for an error.
fn printable(message: &[u8]) -> String {
    String::from_utf8_lossy(message)
        .trim_end()
        .escape_debug()
        .to_string()
}

/// Why a live-view connection ended before the blind copy began.
#[derive(Debug, thiserror::Error)]
enum HandshakeError {
    #[error("VNC login failed: {0}")]
    Vnc(#[from] VncLoginError),
    #[error("RFB handshake with the viewer failed: {0}")]
    Viewer(#[from] ViewerError),
}

impl HandshakeError {
    fn log(&self, session_id: &str, target: SocketAddr) {
        match self {
            HandshakeError::Vnc(error) => {
                tracing::warn!(session_id, %target, %error, "live view bridge: VNC login failed");
            }
            // A viewer closing mid-handshake is ordinary (its window was closed).
            HandshakeError::Viewer(error) => {
                tracing::debug!(session_id, %error, "live view bridge: viewer handshake failed");
            }
        }
    }

    fn close_code(&self) -> CloseCode {
        match self {
            HandshakeError::Vnc(_) => CloseCode::Error,
            HandshakeError::Viewer(_) => CloseCode::Protocol,
        }
    }

    /// What the viewer is told: short (a close frame holds 123 bytes) and free of secrets.
    fn close_reason(&self) -> &'static str {
        match self {
            HandshakeError::Vnc(error) => error.close_reason(),
            HandshakeError::Viewer(_) => "RFB handshake with the live view failed",
        }
    }
}

/// Why the bridge could not log in to a session's VNC server.
#[derive(Debug, thiserror::Error)]
enum VncLoginError {
    #[error("the VNC server is unreachable: {0}")]
    Unreachable(io::Error),
    #[error("the VNC server did not answer within {HANDSHAKE_TIMEOUT:?}")]
    Timeout,
    #[error("the VNC server closed the connection during the login")]
    Closed,
    #[error("the connection to the VNC server failed: {0}")]
    Io(#[from] io::Error),
    #[error("the VNC server speaks an unsupported protocol version \"{0}\"")]
    UnsupportedVersion(String),
    #[error("the VNC server refused the connection: {0}")]
    Refused(String),
    #[error("the VNC server does not offer VNC Authentication (security types offered: {0:?})")]
    NoVncAuthentication(Vec<u32>),
    #[error("the VNC server rejected the password: {0}")]
    Rejected(String),
}

impl VncLoginError {
    fn close_reason(&self) -> &'static str {
        match self {
            VncLoginError::Unreachable(_)
            | VncLoginError::Timeout
            | VncLoginError::Closed
            | VncLoginError::Io(_) => "VNC login failed: the VNC server is not answering",
            VncLoginError::UnsupportedVersion(_) | VncLoginError::NoVncAuthentication(_) => {
                "VNC login failed: the VNC server speaks an unsupported protocol"
            }
            VncLoginError::Refused(_) => "VNC login failed: the VNC server refused the connection",
            VncLoginError::Rejected(_) => "VNC login failed: the VNC password was rejected",
        }
    }
}

/// Logs in to the VNC server as an RFB client with VNC Authentication, up to and including a
/// successful SecurityResult; what follows is the viewer's ClientInit.
async fn log_in_to_vnc<S>(server: &mut S, password: &Secret) -> Result<(), VncLoginError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let offered = read_array::<12, _>(server).await?;
    let version = RfbVersion::parse(&offered)
        .ok_or_else(|| VncLoginError::UnsupportedVersion(printable(&offered)))?;
    // A client answers with the highest version both sides speak: here the server's own.
    server.write_all(version.message()).await?;
    choose_vnc_authentication(server, version).await?;
    let challenge = read_array::<16, _>(server).await?;
    server
        .write_all(&vnc_authentication_response(password, &challenge))
        .await?;
    if read_u32(server).await? == SECURITY_OK {
        return Ok(());
    }
    // Only 3.8 explains a failure.
    let reason = match version {
        RfbVersion::V3_8 => read_reason(server).await?,
        RfbVersion::V3_3 | RfbVersion::V3_7 => "no reason given".to_owned(),
    };
    Err(VncLoginError::Rejected(reason))
}

/// Agrees on VNC Authentication: from 3.7 the client picks from the server's list; in 3.3 the
/// server decides alone.
async fn choose_vnc_authentication<S>(
    server: &mut S,
    version: RfbVersion,
) -> Result<(), VncLoginError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if version == RfbVersion::V3_3 {
        return match read_u32(server).await? {
            0 => Err(VncLoginError::Refused(read_reason(server).await?)),
            chosen if chosen == u32::from(SECURITY_VNC_AUTHENTICATION) => Ok(()),
            chosen => Err(VncLoginError::NoVncAuthentication(vec![chosen])),
        };
    }
    let [count] = read_array::<1, _>(server).await?;
    if count == 0 {
        return Err(VncLoginError::Refused(read_reason(server).await?));
    }
    let mut types = vec![0u8; usize::from(count)];
    read_exact(server, &mut types).await?;
    if !types.contains(&SECURITY_VNC_AUTHENTICATION) {
        return Err(VncLoginError::NoVncAuthentication(
            types.into_iter().map(u32::from).collect(),
        ));
    }
    server.write_all(&[SECURITY_VNC_AUTHENTICATION]).await?;
    Ok(())
}

/// A failure reason: a u32 length, then that many bytes of text. An overlong reason is cut short;
/// the connection is abandoned anyway.
async fn read_reason<S>(server: &mut S) -> Result<String, VncLoginError>
where
    S: AsyncRead + Unpin,
{
    let length = read_u32(server).await?;
    let mut reason = vec![0u8; length.min(MAX_REASON) as usize];
    read_exact(server, &mut reason).await?;
    Ok(String::from_utf8_lossy(&reason).trim().to_owned())
}

async fn read_u32<S>(server: &mut S) -> Result<u32, VncLoginError>
where
    S: AsyncRead + Unpin,
{
    Ok(u32::from_be_bytes(read_array(server).await?))
}

async fn read_array<const N: usize, S>(server: &mut S) -> Result<[u8; N], VncLoginError>
where
    S: AsyncRead + Unpin,
{
    let mut bytes = [0u8; N];
    read_exact(server, &mut bytes).await?;
    Ok(bytes)
}

async fn read_exact<S>(server: &mut S, buffer: &mut [u8]) -> Result<(), VncLoginError>
where
    S: AsyncRead + Unpin,
{
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, server.read_exact(buffer)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(error)) if error.kind() == io::ErrorKind::UnexpectedEof => {
            Err(VncLoginError::Closed)
        }
        Ok(Err(error)) => Err(VncLoginError::Io(error)),
        Err(_) => Err(VncLoginError::Timeout),
    }
}

/// The answer to a VNC Authentication challenge: both 8-byte halves DES-encrypted (ECB) with the
/// password as the key.
fn vnc_authentication_response(password: &Secret, challenge: &[u8; 16]) -> [u8; 16] {
    let key = vnc_des_key(password.expose().as_bytes());
    // The `zeroize` feature of `des` wipes the key schedule when `cipher` is dropped.
    let cipher = Des::new((&*key).into());
    let mut response = *challenge;
    for half in response.chunks_exact_mut(8) {
        let block: &mut Block<Des> = half.try_into().expect("halves of 8 bytes");
        cipher.encrypt_block(block);
    }
    response
}

/// VNC's DES key: the password's first 8 bytes, zero-padded, each byte's bits mirrored. The
/// original VNC used a DES implementation that numbered key bits the other way round, and every
/// server since expects its keys.
fn vnc_des_key(password: &[u8]) -> Zeroizing<[u8; 8]> {
    let mut key = Zeroizing::new([0u8; 8]);
    for (key_byte, password_byte) in key.iter_mut().zip(password) {
        *key_byte = password_byte.reverse_bits();
    }
    key
}

/// Why the RFB handshake with the viewer failed.
#[derive(Debug, thiserror::Error)]
enum ViewerError {
    #[error("the viewer did not answer within {HANDSHAKE_TIMEOUT:?}")]
    Timeout,
    #[error("the viewer closed the connection")]
    Closed,
    #[error("the viewer sent a text frame; RFB travels in binary frames")]
    TextFrame,
    #[error("the WebSocket failed: {0}")]
    WebSocket(Box<tokio_tungstenite::tungstenite::Error>),
    #[error("the viewer answered an unsupported protocol version \"{0}\"")]
    UnsupportedVersion(String),
    #[error("the viewer chose security type {0}; only None (1) is offered")]
    WrongSecurityType(u8),
}

impl From<tokio_tungstenite::tungstenite::Error> for ViewerError {
    fn from(error: tokio_tungstenite::tungstenite::Error) -> ViewerError {
        ViewerError::WebSocket(Box::new(error))
    }
}

/// Plays the RFB server toward the viewer up to the end of the security handshake, offering
/// only None: the bridge has logged in to the VNC server already.
async fn greet_viewer(viewer: &mut Viewer) -> Result<(), ViewerError> {
    viewer.send(RFB_3_8).await?;
    let answered = viewer.read_array::<12>().await?;
    let version = RfbVersion::parse(&answered)
        .ok_or_else(|| ViewerError::UnsupportedVersion(printable(&answered)))?;
    if version == RfbVersion::V3_3 {
        // A 3.3 client is told the type, and with None no SecurityResult follows.
        return viewer.send(&u32::from(SECURITY_NONE).to_be_bytes()).await;
    }
    viewer.send(&[1, SECURITY_NONE]).await?;
    let [chosen] = viewer.read_array::<1>().await?;
    if chosen != SECURITY_NONE {
        return Err(ViewerError::WrongSecurityType(chosen));
    }
    // Before 3.8, None skips the SecurityResult.
    if version == RfbVersion::V3_8 {
        viewer.send(&SECURITY_OK.to_be_bytes()).await?;
    }
    Ok(())
}

/// The viewer's WebSocket during the handshake. Frames need not line up with RFB messages, so
/// received bytes are buffered: a read may span frames, and what it leaves belongs to the next.
struct Viewer {
    ws: WebSocketStream<TcpStream>,
    received: Vec<u8>,
}

impl Viewer {
    fn new(ws: WebSocketStream<TcpStream>) -> Viewer {
        Viewer {
            ws,
            received: Vec::new(),
        }
    }

    async fn send(&mut self, bytes: &[u8]) -> Result<(), ViewerError> {
        let frame = Message::Binary(Bytes::copy_from_slice(bytes));
        Ok(self.ws.send(frame).await?)
    }

    async fn read_array<const N: usize>(&mut self) -> Result<[u8; N], ViewerError> {
        tokio::time::timeout(HANDSHAKE_TIMEOUT, self.receive_at_least(N))
            .await
            .map_err(|_| ViewerError::Timeout)??;
        let mut bytes = [0u8; N];
        bytes.copy_from_slice(&self.received[..N]);
        self.received.drain(..N);
        Ok(bytes)
    }

    async fn receive_at_least(&mut self, count: usize) -> Result<(), ViewerError> {
        while self.received.len() < count {
            match self.ws.next().await {
                Some(Ok(Message::Binary(bytes))) => self.received.extend_from_slice(&bytes),
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                Some(Ok(Message::Text(_))) => return Err(ViewerError::TextFrame),
                Some(Ok(Message::Close(_))) | None => return Err(ViewerError::Closed),
                Some(Err(error)) => return Err(error.into()),
            }
        }
        Ok(())
    }

    /// Closes with `reason`, then waits briefly for the viewer's own close frame: ending the TCP
    /// connection before it has read ours could lose the reason.
    async fn close(mut self, code: CloseCode, reason: &'static str) {
        debug_assert!(reason.len() <= MAX_CLOSE_REASON, "close reason too long");
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        };
        let _ = tokio::time::timeout(HANDSHAKE_TIMEOUT, async {
            if self.ws.close(Some(frame)).await.is_ok() {
                while let Some(Ok(_)) = self.ws.next().await {}
            }
        })
        .await;
    }
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

    #[test]
    fn des_keys_are_the_first_8_password_bytes_bit_mirrored_and_zero_padded() {
        // 'a' = 0110_0001 and 'b' = 0110_0010, mirrored.
        assert_eq!(*vnc_des_key(b"ab"), [0x86, 0x46, 0, 0, 0, 0, 0, 0]);
        assert_eq!(*vnc_des_key(b""), [0; 8]);
        assert_eq!(*vnc_des_key(b"abcdefghXYZ"), *vnc_des_key(b"abcdefgh"));
        // VNC's fixed password-file key, as VNC writes it, mirrors to its standard DES form.
        assert_eq!(
            *vnc_des_key(VNC_FILE_KEY),
            [0xe8, 0x4a, 0xd6, 0x60, 0xc4, 0x72, 0x1a, 0xe0]
        );
    }

    #[test]
    fn the_response_is_des_of_each_challenge_half_with_the_mirrored_key() {
        // A VNC password file is DES-ECB of the password under that fixed key, so encrypting the
        // "challenge" secret12 with the fixed key as "password" must give the file `vncpasswd -f`
        // writes for secret12.
        let password = Secret::new(std::str::from_utf8(VNC_FILE_KEY).unwrap());
        let response = vnc_authentication_response(&password, b"secret12secret12");
        let file = [0x24, 0xb5, 0xae, 0x4c, 0xe1, 0x55, 0x03, 0xc6];
        assert_eq!(response[..8], file);
        assert_eq!(response[8..], file);
    }

    /// VNC's fixed key for password files, as the original code spells it: 23 82 107 6 35 78 88 7.
    const VNC_FILE_KEY: &[u8; 8] = b"\x17Rk\x06#NX\x07";

    const CHALLENGE: [u8; 16] = *b"0123456789abcdef";

    /// Runs the login against a scripted server: `script` plays the server on the other end.
    async fn log_in_against<F, Fut>(password: &str, script: F) -> Result<(), VncLoginError>
    where
        F: FnOnce(tokio::io::DuplexStream) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let (mut client, server) = tokio::io::duplex(1024);
        let password = Secret::new(password);
        let (result, ()) = tokio::join!(log_in_to_vnc(&mut client, &password), script(server));
        result
    }

    async fn expect(server: &mut tokio::io::DuplexStream, expected: &[u8]) {
        let mut received = vec![0u8; expected.len()];
        server.read_exact(&mut received).await.unwrap();
        assert_eq!(received, expected);
    }

    /// The challenge, then the response it expects for `password`.
    async fn challenge(server: &mut tokio::io::DuplexStream, password: &str) {
        server.write_all(&CHALLENGE).await.unwrap();
        let response = vnc_authentication_response(&Secret::new(password), &CHALLENGE);
        expect(server, &response).await;
    }

    #[tokio::test]
    async fn logs_in_to_a_3_8_server_choosing_vnc_authentication() {
        let result = log_in_against("Vnc12345", |mut server| async move {
            server.write_all(RFB_3_8).await.unwrap();
            expect(&mut server, RFB_3_8).await;
            server.write_all(&[3, 1, 2, 16]).await.unwrap();
            expect(&mut server, &[2]).await;
            challenge(&mut server, "Vnc12345").await;
            server.write_all(&0u32.to_be_bytes()).await.unwrap();
        })
        .await;
        result.unwrap();
    }

    #[tokio::test]
    async fn answers_a_3_7_server_in_3_7_and_a_3_3_server_in_3_3() {
        let result = log_in_against("pw", |mut server| async move {
            server.write_all(RFB_3_7).await.unwrap();
            expect(&mut server, RFB_3_7).await;
            server.write_all(&[1, 2]).await.unwrap();
            expect(&mut server, &[2]).await;
            challenge(&mut server, "pw").await;
            server.write_all(&0u32.to_be_bytes()).await.unwrap();
        })
        .await;
        result.unwrap();

        let result = log_in_against("pw", |mut server| async move {
            server.write_all(RFB_3_3).await.unwrap();
            expect(&mut server, RFB_3_3).await;
            server.write_all(&2u32.to_be_bytes()).await.unwrap();
            challenge(&mut server, "pw").await;
            server.write_all(&0u32.to_be_bytes()).await.unwrap();
        })
        .await;
        result.unwrap();
    }

    #[tokio::test]
    async fn a_rejected_password_carries_the_servers_reason() {
        let result = log_in_against("wrong", |mut server| async move {
            server.write_all(RFB_3_8).await.unwrap();
            expect(&mut server, RFB_3_8).await;
            server.write_all(&[1, 2]).await.unwrap();
            expect(&mut server, &[2]).await;
            challenge(&mut server, "wrong").await;
            server.write_all(&1u32.to_be_bytes()).await.unwrap();
            server.write_all(&6u32.to_be_bytes()).await.unwrap();
            server.write_all(b"nope!\n").await.unwrap();
        })
        .await;
        let error = result.unwrap_err();
        assert!(matches!(&error, VncLoginError::Rejected(reason) if reason == "nope!"));
        assert_eq!(
            error.close_reason(),
            "VNC login failed: the VNC password was rejected"
        );
        assert!(!error.to_string().contains("wrong"));
    }

    #[tokio::test]
    async fn refusals_other_security_types_and_other_versions_fail_clearly() {
        let result = log_in_against("pw", |mut server| async move {
            server.write_all(RFB_3_8).await.unwrap();
            expect(&mut server, RFB_3_8).await;
            server.write_all(&[0, 0, 0, 0, 4]).await.unwrap();
            server.write_all(b"busy").await.unwrap();
        })
        .await;
        assert!(matches!(result, Err(VncLoginError::Refused(reason)) if reason == "busy"));

        let result = log_in_against("pw", |mut server| async move {
            server.write_all(RFB_3_8).await.unwrap();
            expect(&mut server, RFB_3_8).await;
            server.write_all(&[2, 1, 18]).await.unwrap();
        })
        .await;
        assert!(
            matches!(result, Err(VncLoginError::NoVncAuthentication(types)) if types == [1, 18])
        );

        let result = log_in_against("pw", |mut server| async move {
            server.write_all(b"RFB 004.001\n").await.unwrap();
        })
        .await;
        let Err(VncLoginError::UnsupportedVersion(version)) = result else {
            panic!("expected an unsupported version, got {result:?}");
        };
        assert_eq!(version, "RFB 004.001");

        let result = log_in_against("pw", |server| async move { drop(server) }).await;
        assert!(matches!(result, Err(VncLoginError::Closed)));
    }

    #[test]
    fn close_reasons_fit_in_a_close_frame() {
        let errors = [
            VncLoginError::Timeout,
            VncLoginError::UnsupportedVersion(String::new()),
            VncLoginError::Refused(String::new()),
            VncLoginError::Rejected(String::new()),
        ];
        for error in errors {
            assert!(error.close_reason().len() <= MAX_CLOSE_REASON);
        }
        let viewer = HandshakeError::Viewer(ViewerError::Closed);
        assert!(viewer.close_reason().len() <= MAX_CLOSE_REASON);
    }
}
