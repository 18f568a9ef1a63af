//! A local fake of the Vinted web site for the browser-session tests and benchmarks (Vinted
//! itself is unreachable from the tests, and production code holds no test shortcuts).
//!
//! It mirrors what `VINTED.md` documents and what `crates/automation` probes: the logged-in page
//! shows `[data-testid="user-menu-button"]` and carries `"CSRF_TOKEN":"…"` (and the older
//! `meta[name=csrf-token]`); the cookies are `access_token_web`, `refresh_token_web`, `anon_id` and
//! `_vinted_fr_session`; a DataDome challenge is a 403 page with an
//! `iframe[src*="captcha-delivery.com"]` (and, for API calls, a JSON body naming
//! `geo.captcha-delivery.com`); an expired session answers
//! `{"code":100,"message_code":"invalid_authentication_token"}`; a rate limit answers 429 with
//! code 106; an unknown API path answers HTML (what a moved endpoint looks like). The read
//! endpoints hold a small, fixed data set (see `ITEMS`).
//!
//! Things VINTED.md does not document are the fake's own choices, kept in the constants below:
//! the login button's and login form's test ids, the JSON login path, the notifications and
//! favourites paths.
//!
//! The server runs on a thread of its own (its own Tokio runtime), so it serves sync and async
//! tests alike and keeps serving while a test blocks. Every request is recorded with its peer
//! address: a test proves that traffic came through a proxy bound to 127.0.0.2 or 127.0.0.3
//! rather than straight from 127.0.0.1. Dropping [`FakeVinted`] stops it.
//!
//! The `fake-vinted` binary serves it for manual runs.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, COOKIE, HOST, LOCATION, SET_COOKIE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// The test account. Its login accepts the username or the e-mail address.
pub const USER_ID: u64 = 4242;
pub const USERNAME: &str = "fake_seller";
pub const EMAIL: &str = "fake.seller@example.test";
pub const PASSWORD: &str = "Bonjour-Vinted-42";

/// The cookie that makes a request logged in (VINTED.md: about 2 h on Vinted; here it lives as
/// long as [`COOKIE_MAX_AGE_SECS`] so a kept profile stays logged in across browser restarts).
pub const SESSION_COOKIE: &str = "access_token_web";
pub const REFRESH_COOKIE: &str = "refresh_token_web";
pub const RAILS_SESSION_COOKIE: &str = "_vinted_fr_session";
pub const ANON_ID_COOKIE: &str = "anon_id";
/// 30 days: every cookie the fake sets is persistent, never a session-only cookie.
pub const COOKIE_MAX_AGE_SECS: u64 = 30 * 24 * 3600;
/// The token in `"CSRF_TOKEN":"…"` and `meta[name=csrf-token]`; `POST /web/api/auth/refresh`
/// wants it in `x-csrf-token`.
pub const CSRF_TOKEN: &str = "fake-csrf-4f0c2b7e9d15";

/// The logged-in home fills the whole viewport with this solid colour (`#7a1fa2`, a purple no
/// browser chrome uses), so a VNC snapshot can be checked by its pixels. The logged-out pages
/// are white.
pub const LOGGED_IN_BACKGROUND: [u8; 3] = [0x7a, 0x1f, 0xa2];
pub const LOGGED_IN_BACKGROUND_CSS: &str = "#7a1fa2";

/// VINTED.md: logged in = the page shows this.
pub const USER_MENU_SELECTOR: &str = r#"[data-testid="user-menu-button"]"#;
/// The fake's own choice (not in VINTED.md): the logged-out header's login link.
pub const LOGIN_BUTTON_SELECTOR: &str = r#"[data-testid="header--login-button"]"#;
/// VINTED.md: a challenge names `geo.captcha-delivery.com`; the page embeds it in an iframe.
pub const CAPTCHA_IFRAME_SELECTOR: &str = r#"iframe[src*="captcha-delivery.com"]"#;
pub const CAPTCHA_MARKER: &str = "geo.captcha-delivery.com";

pub const HOME_PATH: &str = "/";
/// The login form (GET) and its form POST (`username`, `password`, optional `ref_url`).
pub const LOGIN_PATH: &str = "/member/login";
/// The fake's own (not Vinted's): the login page fetches it once its user name field has the
/// keyboard focus, so a test typing into the page sees when typing would land in the field.
pub const LOGIN_FOCUSED_PATH: &str = "/member/login/focused";
/// JSON login, `{"username","password"}`: the fake's own choice (not in VINTED.md).
pub const JSON_LOGIN_PATH: &str = "/web/api/auth/oauth";
pub const REFRESH_PATH: &str = "/web/api/auth/refresh";
/// Always the challenge page, whatever the mode.
pub const CHALLENGE_PATH: &str = "/challenge";
/// Answers the peer's address as a bare IP (`127.0.0.1`), the proxy test's echo URL.
pub const IP_PATH: &str = "/ip";
/// Where the challenge page's iframe points: local, so a challenge sends nothing off the machine,
/// while its `src` still contains `captcha-delivery.com`.
pub const CAPTCHA_FRAME_PATH: &str = "/geo.captcha-delivery.com/captcha/";

/// How the site behaves from now on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Every page is DataDome's 403 challenge page; every API call a 403 JSON body naming
    /// `geo.captcha-delivery.com`. `/ip` and the captcha frame are still served.
    Challenge,
    /// Entering this mode revokes every session issued so far (as Vinted does when it asks for
    /// the login again): pages show the logged-out header and clear the dead cookie, API calls
    /// answer 401 code 100. Logging in again works, in this mode too.
    SessionExpired,
    /// API calls answer 429 `{"code":106,"message_code":"rate_limit_exceeded"}`; pages as normal.
    RateLimited,
}

/// One request as the fake saw it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// The `Host` header as sent.
    pub host: Option<String>,
    /// The TCP peer: the proxy's bind address when the browser went through one.
    pub peer: SocketAddr,
    /// The `Cookie` header's pairs, in order.
    pub cookies: Vec<(String, String)>,
    /// Every header (names lower-case), for user agent and language checks.
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of one query parameter, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        form_pairs(self.query.as_deref()?.as_bytes())
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

struct State {
    mode: Mode,
    requests: Vec<Request>,
    /// Serial of the next token; tokens below `revoked_below` are dead.
    next_serial: u64,
    revoked_below: u64,
    next_anon: u64,
}

/// The running fake site. Dropping it stops the server.
pub struct FakeVinted {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeVinted {
    /// Serves on 127.0.0.1 on a free port. Panics if it cannot (a test harness failure).
    pub fn start() -> Self {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("starting the fake Vinted site")
    }

    /// Serves on `addr` (port 0 = any free port).
    pub fn start_on(addr: SocketAddr) -> std::io::Result<Self> {
        let listener = StdListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        // Serials start at the clock in microseconds, so a token issued by an earlier run of the
        // fake still validates (a kept profile stays logged in across restarts of the fake too).
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as u64);
        let state = Arc::new(Mutex::new(State {
            mode: Mode::Normal,
            requests: Vec::new(),
            next_serial: now,
            revoked_below: 0,
            next_anon: 1,
        }));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (shutdown, shutdown_rx) = oneshot::channel();
        let served = state.clone();
        let thread = std::thread::Builder::new()
            .name("fake-vinted".into())
            .spawn(move || runtime.block_on(serve(listener, served, shutdown_rx)))?;
        Ok(Self {
            addr,
            state,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `path` (starting with `/`) on this site.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// Every request seen so far, oldest first.
    pub fn requests(&self) -> Vec<Request> {
        self.lock().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    pub fn mode(&self) -> Mode {
        self.lock().mode
    }

    pub fn set_mode(&self, mode: Mode) {
        let mut state = self.lock();
        if mode == Mode::SessionExpired {
            state.revoked_below = state.next_serial;
        }
        state.mode = mode;
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for FakeVinted {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(
    listener: StdListener,
    state: Arc<Mutex<State>>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    // Dropping the set at shutdown aborts the open (keep-alive) connections.
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let state = state.clone();
                connections.spawn(async move {
                    let service = service_fn(move |request| handle(state.clone(), peer, request));
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

type Response = hyper::Response<Full<Bytes>>;

async fn handle(
    state: Arc<Mutex<State>>,
    peer: SocketAddr,
    request: hyper::Request<Incoming>,
) -> Result<Response, Infallible> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let cookies = parts
        .headers
        .get_all(COOKIE)
        .iter()
        .flat_map(|v| parse_cookies(&String::from_utf8_lossy(v.as_bytes())))
        .collect();
    let record = Request {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        host: parts
            .headers
            .get(HOST)
            .map(|h| String::from_utf8_lossy(h.as_bytes()).into_owned()),
        peer,
        cookies,
        headers,
    };
    let mut state = state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    state.requests.push(record.clone());
    let reply = route(&mut state, &parts.method, &record, &body);
    Ok(reply.into_response())
}

/// What a handler answers, before it becomes an HTTP response.
struct Reply {
    status: StatusCode,
    content_type: &'static str,
    body: String,
    cookies: Vec<String>,
    location: Option<String>,
}

impl Reply {
    fn html(status: StatusCode, body: String) -> Self {
        Self {
            status,
            content_type: "text/html; charset=utf-8",
            body,
            cookies: Vec::new(),
            location: None,
        }
    }

    fn json(status: StatusCode, body: Value) -> Self {
        Self {
            status,
            content_type: "application/json; charset=utf-8",
            body: body.to_string(),
            cookies: Vec::new(),
            location: None,
        }
    }

    fn text(status: StatusCode, body: String) -> Self {
        Self {
            status,
            content_type: "text/plain; charset=utf-8",
            body,
            cookies: Vec::new(),
            location: None,
        }
    }

    fn redirect(to: &str) -> Self {
        Self {
            location: Some(to.to_owned()),
            ..Self::text(StatusCode::FOUND, String::new())
        }
    }

    fn into_response(self) -> Response {
        let mut builder = hyper::Response::builder()
            .status(self.status)
            .header(CONTENT_TYPE, self.content_type)
            .header(CACHE_CONTROL, "no-store");
        for cookie in &self.cookies {
            builder = builder.header(SET_COOKIE, cookie);
        }
        if let Some(location) = &self.location {
            builder = builder.header(LOCATION, location);
        }
        builder
            .body(Full::new(Bytes::from(self.body)))
            .expect("a valid response")
    }
}

fn set_cookie(name: &str, value: &str, http_only: bool) -> String {
    let http_only = if http_only { "; HttpOnly" } else { "" };
    format!("{name}={value}; Path=/; Max-Age={COOKIE_MAX_AGE_SECS}; SameSite=Lax{http_only}")
}

fn clear_cookie(name: &str) -> String {
    format!("{name}=; Path=/; Max-Age=0; SameSite=Lax")
}

// --- Sessions -----------------------------------------------------------------------------------

const TOKEN_KEY: &str = "fake-vinted-token-key";

fn signature(kind: &str, serial: u64) -> u64 {
    let mut hasher = DefaultHasher::new();
    (TOKEN_KEY, kind, USER_ID, serial).hash(&mut hasher);
    hasher.finish()
}

fn issue_token(state: &mut State, kind: &str) -> String {
    let serial = state.next_serial;
    state.next_serial += 1;
    format!("{kind}.{USER_ID}.{serial}.{:016x}", signature(kind, serial))
}

fn token_valid(state: &State, kind: &str, token: &str) -> bool {
    let mut parts = token.split('.');
    let (Some(k), Some(user), Some(serial), Some(sig), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let Ok(serial) = serial.parse::<u64>() else {
        return false;
    };
    k == kind
        && user == USER_ID.to_string()
        && sig == format!("{:016x}", signature(kind, serial))
        && serial >= state.revoked_below
}

const ACCESS: &str = "fka";
const REFRESH: &str = "fkr";

fn logged_in(state: &State, request: &Request) -> bool {
    request
        .cookie(SESSION_COOKIE)
        .is_some_and(|t| token_valid(state, ACCESS, t))
}

/// Cookies a successful login or refresh sets.
fn login_cookies(state: &mut State) -> Vec<String> {
    let access = issue_token(state, ACCESS);
    let refresh = issue_token(state, REFRESH);
    let rails = issue_token(state, "fks");
    vec![
        set_cookie(SESSION_COOKIE, &access, true),
        set_cookie(REFRESH_COOKIE, &refresh, true),
        set_cookie(RAILS_SESSION_COOKIE, &rails, true),
    ]
}

fn credentials_match(login: &str, password: &str) -> bool {
    (login == USERNAME || login.eq_ignore_ascii_case(EMAIL)) && password == PASSWORD
}

// --- Routing ------------------------------------------------------------------------------------

fn route(state: &mut State, method: &Method, request: &Request, body: &[u8]) -> Reply {
    let path = request.path.as_str();
    let is_api = path.starts_with("/api/") || path.starts_with("/web/api/");
    let mut reply = match (method, path) {
        (&Method::GET, IP_PATH) => {
            return Reply::text(StatusCode::OK, request.peer.ip().to_string());
        }
        (&Method::GET, "/favicon.ico") => return Reply::text(StatusCode::NOT_FOUND, String::new()),
        (&Method::GET, LOGIN_FOCUSED_PATH) => {
            return Reply::text(StatusCode::NO_CONTENT, String::new());
        }
        (&Method::GET, CAPTCHA_FRAME_PATH) => return Reply::html(StatusCode::OK, captcha_frame()),
        (&Method::GET, CHALLENGE_PATH) => Reply::html(StatusCode::FORBIDDEN, challenge_page()),
        _ if state.mode == Mode::Challenge => {
            if is_api {
                Reply::json(
                    StatusCode::FORBIDDEN,
                    json!({"url": format!("https://{CAPTCHA_MARKER}/captcha/?initialCid=fake-cid&hash=FAKE&cid=fake&t=fe")}),
                )
            } else {
                Reply::html(StatusCode::FORBIDDEN, challenge_page())
            }
        }
        (&Method::GET, HOME_PATH) => home(state, request),
        (&Method::GET, LOGIN_PATH) if logged_in(state, request) => Reply::redirect(HOME_PATH),
        (&Method::GET, LOGIN_PATH) => Reply::html(StatusCode::OK, login_page(None)),
        (&Method::POST, LOGIN_PATH) => form_login(state, body),
        (&Method::POST, JSON_LOGIN_PATH) => json_login(state, body),
        (&Method::POST, REFRESH_PATH) => refresh(state, request),
        _ if path.starts_with("/api/") => api(state, method, request),
        _ => Reply::html(StatusCode::NOT_FOUND, not_found_page()),
    };
    // Vinted gives every visitor an anonymous id on the first response.
    if request.cookie(ANON_ID_COOKIE).is_none() {
        let anon = format!("00000000-fake-4000-8000-{:012x}", state.next_anon);
        state.next_anon += 1;
        reply.cookies.push(set_cookie(ANON_ID_COOKIE, &anon, false));
    }
    reply
}

fn home(state: &State, request: &Request) -> Reply {
    if logged_in(state, request) {
        return Reply::html(StatusCode::OK, logged_in_home());
    }
    let mut reply = Reply::html(StatusCode::OK, logged_out_home());
    // A dead session cookie is cleared, as Vinted's logged-out page does.
    if request.cookie(SESSION_COOKIE).is_some() {
        reply.cookies.push(clear_cookie(SESSION_COOKIE));
        reply.cookies.push(clear_cookie(REFRESH_COOKIE));
    }
    reply
}

fn form_login(state: &mut State, body: &[u8]) -> Reply {
    let fields = form_pairs(body);
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    if !credentials_match(field("username"), field("password")) {
        return Reply::html(
            StatusCode::UNAUTHORIZED,
            login_page(Some("Identifiant ou mot de passe incorrect.")),
        );
    }
    let target = match field("ref_url") {
        url if url.starts_with('/') && !url.starts_with("//") => url.to_owned(),
        _ => HOME_PATH.to_owned(),
    };
    let mut reply = Reply::redirect(&target);
    reply.cookies = login_cookies(state);
    reply
}

fn json_login(state: &mut State, body: &[u8]) -> Reply {
    let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let login = body["username"].as_str().unwrap_or("");
    let password = body["password"].as_str().unwrap_or("");
    if !credentials_match(login, password) {
        return invalid_authentication();
    }
    let mut reply = Reply::json(
        StatusCode::OK,
        json!({"code": 0, "user": {"id": USER_ID, "login": USERNAME}}),
    );
    reply.cookies = login_cookies(state);
    reply
}

fn refresh(state: &mut State, request: &Request) -> Reply {
    let refresh_ok = request
        .cookie(REFRESH_COOKIE)
        .is_some_and(|t| token_valid(state, REFRESH, t));
    if !refresh_ok || request.header("x-csrf-token") != Some(CSRF_TOKEN) {
        return invalid_authentication();
    }
    let mut reply = Reply::json(StatusCode::OK, json!({"code": 0}));
    reply.cookies = login_cookies(state);
    reply
}

/// VINTED.md's "session expired" answer; also what a refused login gets (VINTED.md documents no
/// other authentication error).
fn invalid_authentication() -> Reply {
    Reply::json(
        StatusCode::UNAUTHORIZED,
        json!({"code": 100, "message_code": "invalid_authentication_token", "message": "Invalid authentication token"}),
    )
}

fn access_denied() -> Reply {
    Reply::json(
        StatusCode::FORBIDDEN,
        json!({"code": 0, "message_code": "access_denied", "message": "Access denied"}),
    )
}

fn not_found_json() -> Reply {
    Reply::json(
        StatusCode::NOT_FOUND,
        json!({"code": 404, "message_code": "not_found", "message": "Not found"}),
    )
}

fn api(state: &State, method: &Method, request: &Request) -> Reply {
    if state.mode == Mode::RateLimited {
        return Reply::json(
            StatusCode::TOO_MANY_REQUESTS,
            json!({"code": 106, "message_code": "rate_limit_exceeded", "message": "Rate limit exceeded"}),
        );
    }
    if !logged_in(state, request) {
        return invalid_authentication();
    }
    let host = request.host.clone().unwrap_or_else(|| "127.0.0.1".into());
    let segments: Vec<&str> = request
        .path
        .trim_start_matches("/api/v2/")
        .split('/')
        .collect();
    let page = request
        .query_param("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1usize)
        .max(1);
    let per_page = request
        .query_param("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(20usize)
        .clamp(1, 96);
    let id = |s: &str| s.parse::<u64>().ok();
    match (method, segments.as_slice()) {
        (&Method::GET, ["users", "current"]) => {
            Reply::json(StatusCode::OK, json!({"code": 0, "user": current_user()}))
        }
        (&Method::GET, ["users", user]) if id(user) == Some(USER_ID) => {
            Reply::json(StatusCode::OK, json!({"code": 0, "user": current_user()}))
        }
        (&Method::GET, ["wardrobe", user, "items"]) if id(user).is_some() => {
            let own: Vec<Value> = if id(user) == Some(USER_ID) {
                ITEMS.iter().map(|item| item.json(&host)).collect()
            } else {
                Vec::new()
            };
            let (items, pagination) = paginate(&own, page, per_page);
            Reply::json(
                StatusCode::OK,
                json!({"code": 0, "items": items, "pagination": pagination}),
            )
        }
        (&Method::GET, ["item_upload", "items", item]) => {
            match ITEMS.iter().find(|i| Some(i.id) == id(item)) {
                Some(item) if item.is_closed => access_denied(),
                Some(item) => Reply::json(
                    StatusCode::OK,
                    json!({"code": 0, "item": item.edit_payload(&host)}),
                ),
                None => not_found_json(),
            }
        }
        (&Method::GET, ["inbox"]) => {
            let (conversations, pagination) = paginate(&conversations(), page, per_page);
            Reply::json(
                StatusCode::OK,
                json!({"code": 0, "conversations": conversations, "pagination": pagination}),
            )
        }
        (&Method::GET, ["conversations", conversation]) => match id(conversation)
            .and_then(conversation_detail)
        {
            Some(detail) => Reply::json(StatusCode::OK, json!({"code": 0, "conversation": detail})),
            None => not_found_json(),
        },
        (&Method::GET, ["my_orders"]) => {
            let orders = match request.query_param("type").as_deref() {
                Some("purchased") => purchased_orders(),
                _ => sold_orders(),
            };
            let (orders, pagination) = paginate(&orders, page, per_page);
            Reply::json(
                StatusCode::OK,
                json!({"code": 0, "my_orders": orders, "pagination": pagination}),
            )
        }
        (&Method::GET, ["transactions", transaction]) => match id(transaction)
            .and_then(transaction_detail)
        {
            Some(detail) => Reply::json(StatusCode::OK, json!({"code": 0, "transaction": detail})),
            None => not_found_json(),
        },
        (&Method::GET, ["notifications"]) => {
            let (notifications, pagination) = paginate(&notifications(), page, per_page);
            Reply::json(
                StatusCode::OK,
                json!({"code": 0, "notifications": notifications, "pagination": pagination}),
            )
        }
        (&Method::GET, ["users", user, "items", "favourites"]) if id(user) == Some(USER_ID) => {
            let (items, pagination) = paginate(&favourites(&host), page, per_page);
            Reply::json(
                StatusCode::OK,
                json!({"code": 0, "items": items, "pagination": pagination}),
            )
        }
        // A path Vinted does not (or no longer) serve: HTML where JSON was expected.
        _ => Reply::html(StatusCode::NOT_FOUND, not_found_page()),
    }
}

fn paginate(all: &[Value], page: usize, per_page: usize) -> (Vec<Value>, Value) {
    let total = all.len();
    let items = all
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .cloned()
        .collect();
    let pagination = json!({
        "current_page": page,
        "total_pages": total.div_ceil(per_page),
        "total_entries": total,
        "per_page": per_page,
    });
    (items, pagination)
}

// --- Data ---------------------------------------------------------------------------------------

/// One of the test account's listings.
pub struct Item {
    pub id: u64,
    pub title: &'static str,
    /// Vinted sends the amount as a string.
    pub price: &'static str,
    pub view_count: u64,
    pub favourite_count: u64,
    pub is_draft: bool,
    pub is_closed: bool,
    pub is_reserved: bool,
    pub is_hidden: bool,
}

impl Item {
    fn photos(&self, host: &str) -> Value {
        json!([{
            "id": 90_000 + self.id,
            "full_size_url": format!("http://{host}/photos/{}/full.jpg", self.id),
            "high_resolution": {"id": format!("hr-{}", self.id), "timestamp": 1_763_600_000 + self.id},
        }])
    }

    fn json(&self, host: &str) -> Value {
        json!({
            "id": self.id,
            "title": self.title,
            "price": {"amount": self.price, "currency_code": "EUR"},
            "photos": self.photos(host),
            "view_count": self.view_count,
            "favourite_count": self.favourite_count,
            "is_draft": self.is_draft,
            "is_closed": self.is_closed,
            "is_reserved": self.is_reserved,
            "is_hidden": self.is_hidden,
            "item_closing_action": if self.is_closed { Value::from("sold") } else { Value::Null },
            "url": format!("http://{host}/items/{}", self.id),
        })
    }

    fn edit_payload(&self, host: &str) -> Value {
        json!({
            "id": self.id,
            "title": self.title,
            "description": format!("{} — état impeccable.", self.title),
            "price": {"amount": self.price, "currency_code": "EUR"},
            "currency": "EUR",
            "brand_id": 53,
            "catalog_id": 1206,
            "size_id": 207,
            "item_attributes": [{"code": "condition", "ids": [2]}],
            "package_size_id": 1,
            "color_ids": [1],
            "photos": self.photos(host),
            "is_draft": self.is_draft,
        })
    }
}

const fn item(
    id: u64,
    title: &'static str,
    price: &'static str,
    views: u64,
    favourites: u64,
) -> Item {
    Item {
        id,
        title,
        price,
        view_count: views,
        favourite_count: favourites,
        is_draft: false,
        is_closed: false,
        is_reserved: false,
        is_hidden: false,
    }
}

/// The test account's wardrobe: two plain listings, a reserved one, a hidden one, a sold one and
/// a draft.
pub const ITEMS: [Item; 6] = [
    item(5001, "Veste en jean Levi's", "25.00", 120, 8),
    item(5002, "Robe d'été Zara", "12.50", 45, 3),
    Item {
        is_reserved: true,
        ..item(5003, "Baskets Nike Air Max 90", "48.00", 300, 21)
    },
    Item {
        is_hidden: true,
        ..item(5004, "Pull en laine Sézane", "35.00", 80, 5)
    },
    Item {
        is_closed: true,
        ..item(5005, "Sac Longchamp Le Pliage", "40.00", 210, 17)
    },
    Item {
        is_draft: true,
        ..item(5006, "Chemise Uniqlo", "9.00", 0, 0)
    },
];

pub const SOLD_ITEM_ID: u64 = 5005;
pub const SALE_TRANSACTION_ID: u64 = 8001;
pub const OFFER_TRANSACTION_ID: u64 = 8002;

fn current_user() -> Value {
    json!({
        "id": USER_ID,
        "login": USERNAME,
        "email": EMAIL,
        "real_name": "Fake Seller",
        "item_count": ITEMS.len(),
        "followers_count": 12,
        "feedback_reputation": 0.98,
        "locale": "fr",
        "photo": Value::Null,
    })
}

fn buyer(id: u64, login: &str) -> Value {
    json!({"id": id, "login": login, "photo": Value::Null})
}

fn conversations() -> Vec<Value> {
    vec![
        json!({
            "id": 7001,
            "unread": false,
            "updated_at": "2026-11-20T10:30:00+01:00",
            "opposite_user": buyer(6101, "acheteuse_marie"),
            "item_photos": [{"id": 95_005, "url": "/photos/5005/full.jpg"}],
        }),
        json!({
            "id": 7002,
            "unread": true,
            "updated_at": "2026-11-22T18:05:00+01:00",
            "opposite_user": buyer(6102, "bob_offres"),
            "item_photos": [{"id": 95_003, "url": "/photos/5003/full.jpg"}],
        }),
    ]
}

fn conversation_detail(id: u64) -> Option<Value> {
    let (user, messages, transaction) = match id {
        7001 => (
            buyer(6101, "acheteuse_marie"),
            json!([
                {"id": 1, "entity_type": "message", "entity": {"body": "Bonjour, le sac est-il toujours disponible ?", "user_id": 6101}, "created_at_ts": "2026-11-19T09:00:00+01:00"},
                {"id": 2, "entity_type": "message", "entity": {"body": "Oui, toujours !", "user_id": USER_ID}, "created_at_ts": "2026-11-19T09:10:00+01:00"},
                {"id": 3, "entity_type": "status_message", "entity": {"title": "Commande payée", "subtitle": "Envoie le colis sous 5 jours"}, "created_at_ts": "2026-11-20T10:15:00+01:00"},
                {"id": 4, "entity_type": "action_message", "entity": {"title": "Télécharge l'étiquette d'envoi", "actions": [{"action": "shipping_label"}]}, "created_at_ts": "2026-11-20T10:30:00+01:00"},
            ]),
            json!({"id": SALE_TRANSACTION_ID, "status": 230, "offer_price": {"amount": "40.00", "currency_code": "EUR"}, "item_ids": [SOLD_ITEM_ID], "is_bundle": false}),
        ),
        7002 => (
            buyer(6102, "bob_offres"),
            json!([
                {"id": 5, "entity_type": "offer_request_message", "entity": {"offer_request_id": 31, "price": {"amount": "40.00", "currency_code": "EUR"}, "status": 10, "user_id": 6102}, "created_at_ts": "2026-11-22T18:05:00+01:00"},
            ]),
            json!({"id": OFFER_TRANSACTION_ID, "status": 10, "offer_price": {"amount": "40.00", "currency_code": "EUR"}, "item_ids": [5003], "is_bundle": false}),
        ),
        _ => return None,
    };
    Some(json!({"id": id, "opposite_user": user, "messages": messages, "transaction": transaction}))
}

fn sold_orders() -> Vec<Value> {
    vec![json!({
        "transaction_id": SALE_TRANSACTION_ID,
        "conversation_id": 7001,
        "item_id": SOLD_ITEM_ID,
        "title": "Sac Longchamp Le Pliage",
        "price": {"amount": "40.00", "currency_code": "EUR"},
        "status": "Commande payée, à expédier",
        "date": "2026-11-20T10:15:00+01:00",
        "photo_url": "/photos/5005/full.jpg",
        "transaction_user_status": "needs_action",
    })]
}

fn purchased_orders() -> Vec<Value> {
    vec![json!({
        "transaction_id": 8003,
        "conversation_id": 7003,
        "item_id": 6001,
        "title": "Livre « L'Étranger »",
        "price": {"amount": "3.00", "currency_code": "EUR"},
        "status": "Commande terminée",
        "date": "2026-11-10T14:00:00+01:00",
        "photo_url": "/photos/6001/full.jpg",
        "transaction_user_status": "completed",
    })]
}

fn transaction_detail(id: u64) -> Option<Value> {
    match id {
        SALE_TRANSACTION_ID => Some(json!({
            "id": SALE_TRANSACTION_ID,
            "status": 230,
            "buyer": buyer(6101, "acheteuse_marie"),
            "seller": {"id": USER_ID, "login": USERNAME},
            "items": [{"id": SOLD_ITEM_ID, "title": "Sac Longchamp Le Pliage", "price": {"amount": "40.00", "currency_code": "EUR"}}],
            "offer_price": {"amount": "40.00", "currency_code": "EUR"},
            "service_fee": {"amount": "2.70", "currency_code": "EUR"},
            "shipment": {"id": 9901, "status": 200, "tracking_code": "FAKE123456FR", "carrier": "Mondial Relay"},
            "is_bundle": false,
        })),
        OFFER_TRANSACTION_ID => Some(json!({
            "id": OFFER_TRANSACTION_ID,
            "status": 10,
            "buyer": buyer(6102, "bob_offres"),
            "seller": {"id": USER_ID, "login": USERNAME},
            "items": [{"id": 5003, "title": "Baskets Nike Air Max 90", "price": {"amount": "48.00", "currency_code": "EUR"}}],
            "offer_price": {"amount": "40.00", "currency_code": "EUR"},
            "shipment": Value::Null,
            "is_bundle": false,
        })),
        _ => None,
    }
}

/// VINTED.md's `entry_type`s: 20 favourite, 30 new follower, 110 message, 120 offer, 300
/// favourited item sold.
fn notifications() -> Vec<Value> {
    let entry = |id: u64,
                 entry_type: u64,
                 user: Value,
                 subject_id: u64,
                 body: &str,
                 read: bool,
                 at: &str| {
        json!({
            "id": id,
            "entry_type": entry_type,
            "user": user,
            "subject_id": subject_id,
            "body": body,
            "is_read": read,
            "updated_at": at,
            "link": format!("/items/{subject_id}"),
        })
    };
    vec![
        entry(
            3001,
            20,
            buyer(6201, "fan_lea"),
            5001,
            "fan_lea a ajouté ton article à ses favoris",
            false,
            "2026-11-24T08:00:00+01:00",
        ),
        entry(
            3002,
            30,
            buyer(6202, "paul_suit"),
            USER_ID,
            "paul_suit s'est abonné à ton dressing",
            true,
            "2026-11-23T12:00:00+01:00",
        ),
        entry(
            3003,
            110,
            buyer(6101, "acheteuse_marie"),
            7001,
            "Nouveau message de acheteuse_marie",
            true,
            "2026-11-19T09:00:00+01:00",
        ),
        entry(
            3004,
            120,
            buyer(6102, "bob_offres"),
            5003,
            "bob_offres te propose 40,00 €",
            false,
            "2026-11-22T18:05:00+01:00",
        ),
        entry(
            3005,
            300,
            buyer(6203, "autre_vendeur"),
            6002,
            "Un article de tes favoris a été vendu",
            true,
            "2026-11-21T16:00:00+01:00",
        ),
    ]
}

/// Items the test account favourited (other sellers' listings).
fn favourites(host: &str) -> Vec<Value> {
    vec![
        json!({"id": 6002, "title": "Manteau Sandro", "price": {"amount": "60.00", "currency_code": "EUR"}, "user": buyer(6203, "autre_vendeur"), "url": format!("http://{host}/items/6002"), "is_closed": true}),
        json!({"id": 6003, "title": "Jean Levi's 501", "price": {"amount": "22.00", "currency_code": "EUR"}, "user": buyer(6204, "vintage_jo"), "url": format!("http://{host}/items/6003"), "is_closed": false}),
    ]
}

// --- Pages --------------------------------------------------------------------------------------

fn page(title: &str, background: &str, body_attrs: &str, head: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{title}</title>{head}\
         <style>html,body{{margin:0;height:100%;background:{background};font-family:sans-serif}}\
         header{{display:flex;gap:16px;align-items:center;justify-content:space-between;padding:8px 16px}}\
         a,button{{font:inherit}}</style></head><body {body_attrs}>{body}</body></html>"
    )
}

fn logged_in_home() -> String {
    let head = format!(
        "<meta name=\"csrf-token\" content=\"{CSRF_TOKEN}\">\
         <script>window.__FAKE_VINTED__={{\"CSRF_TOKEN\":\"{CSRF_TOKEN}\",\"user_id\":{USER_ID}}};</script>"
    );
    let body = format!(
        "<header><a href=\"/\" data-testid=\"header-logo-id\" style=\"color:#fff\">Vinted</a>\
         <a href=\"/items/new\" data-testid=\"side-bar-sell-btn\" style=\"color:#fff\">Vends tes articles</a>\
         <button type=\"button\" data-testid=\"user-menu-button\" aria-label=\"{USERNAME}\">{USERNAME}</button></header>\
         <main data-testid=\"feed\"></main>"
    );
    page(
        "Vinted",
        LOGGED_IN_BACKGROUND_CSS,
        "data-page=\"home-logged-in\"",
        &head,
        &body,
    )
}

fn logged_out_home() -> String {
    let body = format!(
        "<header><a href=\"/\" data-testid=\"header-logo-id\">Vinted</a>\
         <a href=\"{LOGIN_PATH}?ref_url=%2F\" role=\"button\" data-testid=\"header--login-button\">S'inscrire | Se connecter</a></header>\
         <main><h1>Vends les vêtements que tu ne portes plus</h1></main>"
    );
    page(
        "Vinted",
        "#ffffff",
        "data-page=\"home-logged-out\"",
        "",
        &body,
    )
}

fn login_page(error: Option<&str>) -> String {
    let mut body = format!(
        "<main><h1>Connexion</h1>\
         <form method=\"post\" action=\"{LOGIN_PATH}\" data-testid=\"login-form\">\
         <input type=\"hidden\" name=\"ref_url\" value=\"/\">\
         <label>E-mail ou nom d'utilisateur <input id=\"username\" name=\"username\" data-testid=\"login-username--input\" autocomplete=\"username\" autofocus></label>\
         <label>Mot de passe <input id=\"password\" name=\"password\" type=\"password\" data-testid=\"login-password--input\" autocomplete=\"current-password\"></label>\
         <button type=\"submit\" data-testid=\"login-submit-button\">Continuer</button>"
    );
    if let Some(error) = error {
        let _ = write!(
            body,
            "<p role=\"alert\" data-testid=\"login-error\">{error}</p>"
        );
    }
    body.push_str("</form></main>");
    // `autofocus` applies after this runs, once the page has the keyboard.
    let _ = write!(
        body,
        "<script>(function () {{\
           var field = document.getElementById('username');\
           function told() {{ new Image().src = '{LOGIN_FOCUSED_PATH}'; }}\
           if (document.activeElement === field && document.hasFocus()) {{ told(); }}\
           else {{ field.addEventListener('focus', told, {{ once: true }}); }}\
         }})();</script>"
    );
    page(
        "Connexion | Vinted",
        "#ffffff",
        "data-page=\"login\"",
        "",
        &body,
    )
}

/// DataDome's block page as Vinted serves it: a 403 whose body names `geo.captcha-delivery.com`
/// and embeds the captcha in an iframe.
fn challenge_page() -> String {
    let head = format!(
        "<script>var dd={{'rt':'c','cid':'fake-cid','hsh':'FAKE','t':'fe','s':0,'e':'fake','host':'{CAPTCHA_MARKER}'}}</script>"
    );
    let body = format!(
        "<iframe src=\"{CAPTCHA_FRAME_PATH}?initialCid=fake-cid&amp;hash=FAKE&amp;cid=fake&amp;t=fe\" \
         title=\"DataDome CAPTCHA\" width=\"100%\" height=\"100%\" style=\"height:100vh;border:0\"></iframe>"
    );
    page(
        "vinted.fr",
        "#ffffff",
        "data-page=\"challenge\"",
        &head,
        &body,
    )
}

fn captcha_frame() -> String {
    page(
        "DataDome CAPTCHA",
        "#f4f4f4",
        "data-page=\"captcha\"",
        "",
        "<main><p>Faites glisser vers la droite pour compléter le puzzle</p><div class=\"slider\"></div></main>",
    )
}

fn not_found_page() -> String {
    page(
        "Page introuvable | Vinted",
        "#ffffff",
        "data-page=\"not-found\"",
        "",
        "<main><h1>Page introuvable</h1></main>",
    )
}

// --- Parsing ------------------------------------------------------------------------------------

fn parse_cookies(header: &str) -> Vec<(String, String)> {
    header
        .split(';')
        .filter_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            Some((name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect()
}

/// `application/x-www-form-urlencoded` pairs (also a query string), decoded.
fn form_pairs(input: &[u8]) -> Vec<(String, String)> {
    input
        .split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let mut halves = pair.splitn(2, |&b| b == b'=');
            let name = percent_decode(halves.next().unwrap_or_default());
            let value = percent_decode(halves.next().unwrap_or_default());
            (name, value)
        })
        .collect()
}

fn percent_decode(input: &[u8]) -> String {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < input.len() => match (hex(input[i + 1]), hex(input[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push((hi << 4) | lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
