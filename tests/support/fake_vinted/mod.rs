//! A local fake of the Vinted web site for the tests and benchmarks (Vinted itself is
//! unreachable from the tests, and production code holds no test shortcuts): the automation knows
//! nothing of it but its base URL, and can log in, import, publish, edit, hide, delete and relist
//! against it as against the real site.
//!
//! It mirrors `docs/VINTED.md`; each module says which section and which choices are its own:
//! - `pages`: home, login, the upload and edit form (`upload_form.html`), item and member
//!   pages;
//! - `api`: the JSON reads, reference data, hide and delete; `upload`: photos, create, edit,
//!   drafts;
//! - `state`: accounts, sessions and CSRF, the wardrobe; `data`: reference and seed data;
//! - `faults`: misbehaviour on demand ([`FakeVinted::fail_next`]); `probes`: bot-detection
//!   probes the pages run ([`FakeVinted::probes`]);
//! - `http`: the request record, replies and parsers.
//!
//! Things VINTED.md does not document are the fake's own choices, kept in the constants below:
//! the login button's and login form's test ids, the JSON login path, the notifications and
//! favourites paths, the probes path; and this rule: `/items/new` serves the form only when the
//! request's `Referer` is a page of this site (the sell link was followed, or the form reloaded);
//! opened directly it redirects home, as VINTED.md says Vinted may.
//!
//! The server runs on a thread of its own (its own Tokio runtime), so it serves sync and async
//! tests alike and keeps serving while a test blocks. Every request is recorded with its peer
//! address and arrival time: a test proves that traffic came through a proxy bound to 127.0.0.2
//! or 127.0.0.3 rather than straight from 127.0.0.1, and checks the pacing. Dropping
//! [`FakeVinted`] stops it.
//!
//! The `fake-vinted` binary serves it for manual runs.

mod api;
mod data;
mod faults;
mod http;
mod inbox;
mod notifications;
mod orders;
mod pages;
mod probes;
mod state;
mod upload;

use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{COOKIE, HOST};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::sync::oneshot;

pub use data::{
    BRANDS, CATALOGS, COLORS, CONDITIONS, Catalog, MATERIALS, OFFER_TRANSACTION_ID, PACKAGE_SIZES,
    SALE_TRANSACTION_ID, SIZE_GROUPS, SOLD_ITEM_ID,
};
pub use data::{photo_host, seeded_jpeg};
pub use faults::{Failure, Step};
pub use http::Request;
pub use inbox::{
    AnswerMethods, Conversation, Entry as ThreadEntry, Member, ThreadShape, seller_range,
};
pub use notifications::{FavouriteLink, NewNotification};
pub use orders::{FakeOrder, OrderItem as FakeOrderItem, OrderStage, label_pdf};
pub use state::{Account, Item, Photo};

use http::{Reply, clear_cookie, form_pairs, parse_cookies, set_cookie};
use state::{ACCESS, RAILS, REFRESH, State};

/// The test account. Its login accepts the username or the e-mail address.
pub const USER_ID: u64 = 4242;
pub const USERNAME: &str = "fake_seller";
pub const EMAIL: &str = "fake.seller@example.test";
pub const PASSWORD: &str = "Bonjour-Vinted-42";

/// A second account with listings of its own, for "another account's item" (403/106).
pub const OTHER_USER_ID: u64 = 5353;
pub const OTHER_USERNAME: &str = "autre_vendeuse";
pub const OTHER_EMAIL: &str = "autre.vendeuse@example.test";
pub const OTHER_PASSWORD: &str = "Bonsoir-Vinted-53";
/// Two of the other account's live listings.
pub const OTHER_ITEM_IDS: [u64; 2] = [5101, 5102];

/// The cookie that makes a request logged in (VINTED.md: about 2 h on Vinted; here it lives as
/// long as [`COOKIE_MAX_AGE_SECS`] so a kept profile stays logged in across browser restarts).
pub const SESSION_COOKIE: &str = "access_token_web";
pub const REFRESH_COOKIE: &str = "refresh_token_web";
/// The session the CSRF token belongs to: a new one (login, refresh) means a new CSRF token.
pub const RAILS_SESSION_COOKIE: &str = "_vinted_fr_session";
pub const ANON_ID_COOKIE: &str = "anon_id";
/// 30 days: every cookie the fake sets is persistent, never a session-only cookie.
pub const COOKIE_MAX_AGE_SECS: u64 = 30 * 24 * 3600;

/// The logged-in home fills the whole viewport with this solid colour (`#7a1fa2`, a purple no
/// browser chrome uses), so a VNC snapshot can be checked by its pixels. The logged-out pages
/// are white.
pub const LOGGED_IN_BACKGROUND: [u8; 3] = [0x7a, 0x1f, 0xa2];
pub const LOGGED_IN_BACKGROUND_CSS: &str = "#7a1fa2";

/// VINTED.md: logged in = the page shows this.
pub const USER_MENU_SELECTOR: &str = r#"[data-testid="user-menu-button"]"#;
/// VINTED.md: the link to the upload form on the logged-in pages.
pub const SELL_LINK_SELECTOR: &str =
    r#"[data-testid="prohibited-listing-education-upload-button"]"#;
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
pub const UPLOAD_FORM_PATH: &str = "/items/new";
/// Always the challenge page, whatever the mode.
pub const CHALLENGE_PATH: &str = "/challenge";
/// Answers the peer's address as a bare IP (`127.0.0.1`), the proxy test's echo URL.
pub const IP_PATH: &str = "/ip";
/// Where the challenge page's iframe points: local, so a challenge sends nothing off the machine,
/// while its `src` still contains `captcha-delivery.com`.
pub const CAPTCHA_FRAME_PATH: &str = "/geo.captcha-delivery.com/captcha/";
/// The fake's own: where the pages' bot-detection probes report (served in every mode).
pub const PROBES_PATH: &str = "/__probes";

/// How the site behaves from now on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Every page is DataDome's 403 challenge page; every API call a 403 JSON body naming
    /// `geo.captcha-delivery.com` (with `x-datadome: protected`). `/ip`, the captcha frame and
    /// the probes path are still served.
    Challenge,
    /// Entering this mode revokes every session issued so far (as Vinted does when it asks for
    /// the login again): pages show the logged-out header and clear the dead cookie, API calls
    /// answer 401 code 100. Logging in again works, in this mode too.
    SessionExpired,
    /// API calls answer 429 `{"code":106,"message_code":"rate_limit_exceeded"}` with
    /// `Retry-After: 60`; pages as normal.
    RateLimited,
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
        let mut items = data::starting_items();
        let mut photos = Vec::new();
        for (photo, item) in (90_001..).zip(items.iter_mut()) {
            photos.push(data::seeded_photo(photo, item.user_id, item.created_at));
            item.photo_ids.push(photo);
        }
        let state = Arc::new(Mutex::new(State {
            mode: Mode::Normal,
            requests: Vec::new(),
            next_serial: now,
            revoked_below: 0,
            next_anon: 1,
            csrf_epoch: 0,
            last_session: None,
            accounts: data::accounts(),
            items,
            photos,
            next_item_id: 7_000_001,
            next_photo_id: 3_000_001,
            faults: Vec::new(),
            publish_navigates: true,
            probes: Vec::new(),
            orders: orders::Orders::default(),
            inbox: inbox::Inbox::default(),
            notifications: notifications::Notifications::default(),
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

    /// The CSRF token of the session issued last (what its pages show), if any.
    pub fn csrf_token(&self) -> Option<String> {
        let state = self.lock();
        let session = state.last_session.as_deref()?;
        Some(state::csrf_token(session, state.csrf_epoch))
    }

    /// The CSRF token the pages show to the session whose `_vinted_fr_session` cookie is
    /// `session`.
    pub fn csrf_token_of(&self, session: &str) -> String {
        state::csrf_token(session, self.lock().csrf_epoch)
    }

    /// Makes every CSRF token issued so far stale (writes then answer 403/106 until the page is
    /// reloaded and shows the new one).
    pub fn rotate_csrf(&self) {
        self.lock().csrf_epoch += 1;
    }

    /// Replaces the test account's wardrobe with `n` generated listings (1–3 photos each, mixed
    /// statuses, SKUs in some descriptions); returns their ids, oldest first. `0` empties it.
    pub fn seed_wardrobe(&self, n: usize) -> Vec<u64> {
        self.seed_wardrobe_of(USER_ID, n)
    }

    /// [`Self::seed_wardrobe`] for any account.
    pub fn seed_wardrobe_of(&self, user_id: u64, n: usize) -> Vec<u64> {
        let mut state = self.lock();
        state.items.retain(|i| i.user_id != user_id);
        let (items, photos) = data::generate(user_id, n, state.next_item_id, state.next_photo_id);
        state.next_item_id += n as u64;
        state.next_photo_id += photos.len() as u64;
        let ids = items.iter().map(|i| i.id).collect();
        state.items.extend(items);
        state.photos.extend(photos);
        ids
    }

    /// Every item stored, of every account, deleted ones included (`is_deleted`), with every
    /// field the creates and edits sent (`sent`) and the photo order.
    pub fn items(&self) -> Vec<Item> {
        self.lock().items.clone()
    }

    pub fn item(&self, id: u64) -> Option<Item> {
        self.lock().item(id).cloned()
    }

    /// Adds or replaces an item as is (no validation), for tests that need a precise state.
    pub fn put_item(&self, item: Item) {
        let mut state = self.lock();
        state.items.retain(|i| i.id != item.id);
        state.items.push(item);
    }

    /// Every photo stored (uploaded ones keep their bytes).
    pub fn photos(&self) -> Vec<Photo> {
        self.lock().photos.clone()
    }

    /// The next request of `step` gets `failure`, then the site behaves again.
    pub fn fail_next(&self, step: Step, failure: Failure) {
        self.fail_next_n(step, failure, 1);
    }

    /// The next `n` requests of `step` get `failure`.
    pub fn fail_next_n(&self, step: Step, failure: Failure, n: u32) {
        if n > 0 {
            self.lock().faults.push(faults::Fault {
                step,
                failure,
                remaining: n,
            });
        }
    }

    /// Forgets every fault not fired yet.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// How many queued fault firings are left.
    pub fn pending_faults(&self) -> u32 {
        self.lock().faults.iter().map(|f| f.remaining).sum()
    }

    /// Restricts `user_id` until `until` (`None` lifts it): writes answer 403
    /// `account_restricted`, `users/current` shows `restricted_until`.
    pub fn restrict(&self, user_id: u64, until: Option<SystemTime>) {
        if let Some(account) = self.lock().account_mut(user_id) {
            account.restricted_until = until;
        }
    }

    /// After a successful publish the form goes to `/items/{id}` (`true`, the default) or stays
    /// on the form (both happen on Vinted).
    pub fn set_publish_navigates(&self, navigates: bool) {
        self.lock().publish_navigates = navigates;
    }

    /// The latest bot-detection report a page sent (see `probes.rs` for its fields).
    pub fn probes(&self) -> Option<Value> {
        self.lock().probes.last().cloned()
    }

    /// Every bot-detection report, oldest first.
    pub fn all_probes(&self) -> Vec<Value> {
        self.lock().probes.clone()
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

/// The connection closed without an answer ([`Failure::NetworkDrop`]): hyper drops a connection
/// whose service fails, writing nothing.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

enum Outcome {
    Answer(Reply),
    Drop,
}

async fn handle(
    state: Arc<Mutex<State>>,
    peer: SocketAddr,
    request: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Dropped> {
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
    let mut record = Request {
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
        at: Instant::now(),
        time: SystemTime::now(),
        body: None,
    };
    record.body = recorded_body(&record, &body);
    let mut state = state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    state.requests.push(record.clone());
    match route(&mut state, &parts.method, &record, &body) {
        Outcome::Answer(reply) => Ok(reply.into_response()),
        Outcome::Drop => Err(Dropped),
    }
}

/// A JSON write's body, or a multipart upload's text fields.
fn recorded_body(request: &Request, body: &[u8]) -> Option<Value> {
    if request.method == "GET" || body.is_empty() {
        return None;
    }
    let content_type = request.header("content-type").unwrap_or("");
    if content_type.starts_with("multipart/form-data") {
        let parts = http::multipart(content_type, body)?;
        let fields: serde_json::Map<String, Value> = parts
            .into_iter()
            .map(|p| {
                let value = match p.filename {
                    Some(name) => json!({"filename": name, "file_bytes": p.data.len()}),
                    None => Value::from(String::from_utf8_lossy(&p.data).into_owned()),
                };
                (p.name, value)
            })
            .collect();
        return Some(Value::Object(fields));
    }
    serde_json::from_slice(body).ok()
}

// --- Routing ------------------------------------------------------------------------------------

fn route(state: &mut State, method: &Method, request: &Request, body: &[u8]) -> Outcome {
    let path = request.path.as_str();
    let is_api = path.starts_with("/api/") || path.starts_with("/web/api/");
    // Vinted gives every visitor an anonymous id on the first response.
    let (anon, new_anon) = match request.cookie(ANON_ID_COOKIE) {
        Some(anon) => (anon.to_owned(), false),
        None => {
            let anon = format!("00000000-fake-4000-8000-{:012x}", state.next_anon);
            state.next_anon += 1;
            (anon, true)
        }
    };
    let mut outcome = match (method, path) {
        (&Method::GET, IP_PATH) => {
            Outcome::Answer(Reply::text(StatusCode::OK, request.peer.ip().to_string()))
        }
        (&Method::GET, "/favicon.ico") => {
            Outcome::Answer(Reply::text(StatusCode::NOT_FOUND, String::new()))
        }
        (&Method::GET, LOGIN_FOCUSED_PATH) => {
            Outcome::Answer(Reply::text(StatusCode::NO_CONTENT, String::new()))
        }
        (&Method::GET, CAPTCHA_FRAME_PATH) => {
            Outcome::Answer(Reply::html(StatusCode::OK, pages::captcha_frame()))
        }
        (&Method::POST, PROBES_PATH) => {
            state
                .probes
                .push(serde_json::from_slice(body).unwrap_or(Value::Null));
            Outcome::Answer(Reply::text(StatusCode::NO_CONTENT, String::new()))
        }
        (&Method::GET, CHALLENGE_PATH) => {
            Outcome::Answer(Reply::html(StatusCode::FORBIDDEN, pages::challenge_page()))
        }
        _ if state.mode == Mode::Challenge => Outcome::Answer(if is_api {
            faults::datadome_json()
        } else {
            Reply::html(StatusCode::FORBIDDEN, pages::challenge_page())
        }),
        _ => with_faults(state, method, request, body, &anon),
    };
    if new_anon && let Outcome::Answer(reply) = &mut outcome {
        reply.cookies.push(set_cookie(ANON_ID_COOKIE, &anon, false));
    }
    outcome
}

/// Fires a queued fault for this request's step, if any; otherwise serves it.
fn with_faults(
    state: &mut State,
    method: &Method,
    request: &Request,
    body: &[u8],
    anon: &str,
) -> Outcome {
    let is_api = request.path.starts_with("/api/");
    let failure = faults::step_of(method, &request.path)
        .and_then(|step| faults::take(&mut state.faults, step, is_api));
    let Some(failure) = failure else {
        return Outcome::Answer(serve_site(state, method, request, body, anon, false));
    };
    match failure {
        Failure::NetworkDrop => Outcome::Drop,
        Failure::AcceptThenDrop => {
            let _ = serve_site(state, method, request, body, anon, false);
            Outcome::Drop
        }
        Failure::FormHalfway => {
            Outcome::Answer(serve_site(state, method, request, body, anon, true))
        }
        Failure::Restricted { until } => {
            let user = state.session_user(request).unwrap_or(USER_ID);
            if let Some(account) = state.account_mut(user) {
                account.restricted_until = Some(until);
            }
            Outcome::Answer(faults::restricted(until))
        }
        failure => match faults::reply(&failure) {
            Some(reply) => Outcome::Answer(reply),
            None => Outcome::Answer(serve_site(state, method, request, body, anon, false)),
        },
    }
}

fn serve_site(
    state: &mut State,
    method: &Method,
    request: &Request,
    body: &[u8],
    anon: &str,
    halfway: bool,
) -> Reply {
    let path = request.path.as_str();
    match (method, path) {
        (&Method::GET, HOME_PATH) => home(state, request, anon),
        (&Method::GET, LOGIN_PATH) if state.session_user(request).is_some() => {
            Reply::redirect(HOME_PATH)
        }
        (&Method::GET, LOGIN_PATH) => Reply::html(StatusCode::OK, pages::login_page(None)),
        (&Method::POST, LOGIN_PATH) => form_login(state, body),
        (&Method::POST, JSON_LOGIN_PATH) => json_login(state, body),
        (&Method::POST, REFRESH_PATH) => refresh(state, request),
        (&Method::GET, UPLOAD_FORM_PATH) => upload_form(state, request, anon, halfway),
        _ if path.starts_with("/api/") => api(state, request, body),
        // The API host's notifications, served on this one origin (`notifications.rs`).
        _ if path == notifications::API_HOST_PATH => api(state, request, body),
        (&Method::GET, _) if path.starts_with("/items/") && path.ends_with("/edit") => {
            match path
                .trim_start_matches("/items/")
                .trim_end_matches("/edit")
                .parse()
            {
                Ok(id) => edit_form(state, request, id, anon, halfway),
                Err(_) => Reply::html(StatusCode::NOT_FOUND, pages::not_found_page()),
            }
        }
        (&Method::GET, _) if path.starts_with("/items/") => item_page(state, request),
        (&Method::GET, _) if path.starts_with("/member/") => member_page(state, request),
        (&Method::GET, _) if path.starts_with("/photos/") => photo_file(state, path),
        _ => Reply::html(StatusCode::NOT_FOUND, pages::not_found_page()),
    }
}

fn home(state: &State, request: &Request, anon: &str) -> Reply {
    if let Some(user) = state.session_user(request) {
        let login = state.account(user).map_or("", |a| a.login.as_str());
        let csrf = state.csrf_of(request).unwrap_or_default();
        return Reply::html(
            StatusCode::OK,
            pages::logged_in_home(&csrf, anon, user, login),
        );
    }
    let mut reply = Reply::html(StatusCode::OK, pages::logged_out_home());
    // A dead session cookie is cleared, as Vinted's logged-out page does.
    if request.cookie(SESSION_COOKIE).is_some() {
        reply.cookies.push(clear_cookie(SESSION_COOKIE));
        reply.cookies.push(clear_cookie(REFRESH_COOKIE));
    }
    reply
}

/// Served only when the request comes from a page of this site (see the module doc).
fn upload_form(state: &State, request: &Request, anon: &str, halfway: bool) -> Reply {
    let Some(user) = state.session_user(request) else {
        return Reply::redirect(&format!("{LOGIN_PATH}?ref_url=%2Fitems%2Fnew"));
    };
    let host = request.host.as_deref().unwrap_or("");
    let from_site = request
        .header("referer")
        .is_some_and(|r| r.starts_with(&format!("http://{host}/")) && !host.is_empty());
    if !from_site {
        return Reply::redirect(HOME_PATH);
    }
    let csrf = state.csrf_of(request).unwrap_or_default();
    let login = state.account(user).map_or("", |a| a.login.as_str());
    Reply::html(
        StatusCode::OK,
        pages::upload_form(&pages::FormOptions {
            csrf: &csrf,
            anon,
            user_id: user,
            login,
            navigate_after_publish: state.publish_navigates,
            halfway,
            item: None,
        }),
    )
}

/// `/items/{id}/edit`: the upload form filled with one of the viewer's editable items (the
/// fake's own rule: no `Referer` needed; another's, sold, reserved or deleted items are 404).
fn edit_form(state: &State, request: &Request, id: u64, anon: &str, halfway: bool) -> Reply {
    let Some(user) = state.session_user(request) else {
        return Reply::redirect(&format!("{LOGIN_PATH}?ref_url=%2Fitems%2F{id}%2Fedit"));
    };
    let item = state
        .item(id)
        .filter(|i| i.user_id == user && !(i.is_deleted || i.is_sold || i.is_reserved));
    let Some(item) = item else {
        return Reply::html(StatusCode::NOT_FOUND, pages::not_found_page());
    };
    let csrf = state.csrf_of(request).unwrap_or_default();
    let login = state.account(user).map_or("", |a| a.login.as_str());
    Reply::html(
        StatusCode::OK,
        pages::upload_form(&pages::FormOptions {
            csrf: &csrf,
            anon,
            user_id: user,
            login,
            navigate_after_publish: state.publish_navigates,
            halfway,
            item: Some(item),
        }),
    )
}

fn viewer_login(state: &State, request: &Request) -> (Option<u64>, String) {
    let user = state.session_user(request);
    let login = user
        .and_then(|u| state.account(u))
        .map_or_else(String::new, |a| a.login.clone());
    (user, login)
}

fn item_page(state: &State, request: &Request) -> Reply {
    let id = request
        .path
        .trim_start_matches("/items/")
        .parse::<u64>()
        .ok();
    let (viewer, login) = viewer_login(state, request);
    match id.and_then(|id| state.item(id)) {
        Some(item)
            if !item.is_deleted
                && (item.is_live() || viewer == Some(item.user_id) || item.is_sold) =>
        {
            pages::item_page(state, item, viewer, &login)
        }
        _ => Reply::html(StatusCode::NOT_FOUND, pages::not_found_page()),
    }
}

fn member_page(state: &State, request: &Request) -> Reply {
    let id = request
        .path
        .trim_start_matches("/member/")
        .split(['/', '-'])
        .next()
        .and_then(|s| s.parse::<u64>().ok());
    let (viewer, login) = viewer_login(state, request);
    match id {
        Some(id) => pages::member_page(state, id, viewer, &login),
        None => Reply::html(StatusCode::NOT_FOUND, pages::not_found_page()),
    }
}

/// A photo's bytes: an uploaded photo's as uploaded, a seeded photo's generated from its id
/// ([`data::seeded_jpeg`]), cacheable; 404 for an unknown photo.
fn photo_file(state: &State, path: &str) -> Reply {
    let id = path
        .trim_start_matches("/photos/")
        .trim_end_matches(".jpg")
        .parse::<u64>()
        .ok();
    let bytes = match id.and_then(|id| state.photo(id)) {
        Some(photo) if photo.bytes.is_empty() => data::seeded_jpeg(photo.id),
        Some(photo) => photo.bytes.clone(),
        None => return Reply::text(StatusCode::NOT_FOUND, String::new()),
    };
    // A photo never changes under its address: Vinted's CDN lets browsers keep it.
    Reply::bytes(StatusCode::OK, "image/jpeg", bytes)
        .with_header("cache-control", "public, max-age=31536000, immutable")
}

fn api(state: &mut State, request: &Request, body: &[u8]) -> Reply {
    if state.mode == Mode::RateLimited {
        return faults::rate_limited().with_header("retry-after", "60");
    }
    let Some(user) = state.session_user(request) else {
        return faults::invalid_authentication();
    };
    if request.method != "GET" {
        if let Some(until) = state.restricted_until(user) {
            return faults::restricted(until);
        }
        if !state.csrf_ok(request) {
            return faults::access_denied();
        }
    }
    api::route(state, user, request, body)
}

// --- Sessions -----------------------------------------------------------------------------------

/// Cookies a successful login or refresh sets.
fn login_cookies(state: &mut State, user: u64) -> Vec<String> {
    let access = state.issue_token(ACCESS, user);
    let refresh = state.issue_token(REFRESH, user);
    let rails = state.issue_token(RAILS, user);
    state.last_session = Some(rails.clone());
    vec![
        set_cookie(SESSION_COOKIE, &access, true),
        set_cookie(REFRESH_COOKIE, &refresh, true),
        set_cookie(RAILS_SESSION_COOKIE, &rails, true),
        set_cookie("v_uid", &user.to_string(), false),
    ]
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
    let Some(user) = state.account_by_credentials(field("username"), field("password")) else {
        return Reply::html(
            StatusCode::UNAUTHORIZED,
            pages::login_page(Some("Identifiant ou mot de passe incorrect.")),
        );
    };
    let target = match field("ref_url") {
        url if url.starts_with('/') && !url.starts_with("//") => url.to_owned(),
        _ => HOME_PATH.to_owned(),
    };
    let mut reply = Reply::redirect(&target);
    reply.cookies = login_cookies(state, user);
    reply
}

fn json_login(state: &mut State, body: &[u8]) -> Reply {
    let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let login = body["username"].as_str().unwrap_or("");
    let password = body["password"].as_str().unwrap_or("");
    let Some(user) = state.account_by_credentials(login, password) else {
        return faults::invalid_authentication();
    };
    let name = state
        .account(user)
        .map_or_else(String::new, |a| a.login.clone());
    let mut reply = Reply::ok(json!({"code": 0, "user": {"id": user, "login": name}}));
    reply.cookies = login_cookies(state, user);
    reply
}

fn refresh(state: &mut State, request: &Request) -> Reply {
    let user = request
        .cookie(REFRESH_COOKIE)
        .and_then(|t| state.token_user(REFRESH, t));
    let Some(user) = user.filter(|_| state.csrf_ok(request)) else {
        return faults::invalid_authentication();
    };
    let mut reply = Reply::ok(json!({"code": 0}));
    reply.cookies = login_cookies(state, user);
    reply
}
