//! The HTTP API: JSON in, JSON out, every refusal an [`ApiError`] with its status.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use seller_sync_core::hlc::wall_ms_now;
use seller_sync_core::protocol::{
    ApiError, ApiErrorCode, EmailChangeRequest, LoginRequest, LoginResponse, MAX_WAIT_MS, Me,
    PullQuery, PullResponse, PushRequest, PushResponse, REFERENCE_SCOPE, Role, SCHEMA_HEADER,
    SchemaRange, WaitRequest, WaitResponse,
};
use seller_sync_core::tables::user_scope;
use serde::Serialize;

use crate::auth::{LoginThrottle, dummy_hash, new_token, token_hash, verify_password};
use crate::push::PushContext;
use crate::schema::supported_schema;
use crate::storage::{DeviceAuth, Storage, StorageError};
use crate::validate::{check_email, check_sign_in};

/// The most rows a pull page holds.
pub const MAX_PAGE: u32 = 5_000;
/// A token unused this long is refused: the device signs in again. Each use moves the expiry
/// (a sliding window), so a device in use never has to.
pub const TOKEN_IDLE: Duration = Duration::from_secs(30 * 24 * 3600);
/// A token's last use is written at most this often, so most requests only read.
pub const SEEN_EVERY: Duration = Duration::from_secs(3600);

/// What one client may ask of the server, so that it cannot slow the others down.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The largest request body. A device pushes at most 8 batches of 500 rows a request
    /// (`replica::BATCHES_PER_REQUEST`, `BATCH_ROWS`), rows typically well under 1 KiB: 32 MiB
    /// leaves it 8 KiB a row, and bounds what one request holds in memory.
    pub body_bytes: usize,
    /// Batches per push request (twice what a device sends).
    pub batches_per_request: usize,
    /// Rows per pushed batch (twice what a device stages).
    pub rows_per_batch: usize,
    /// Long polls held at once for one user (all their devices together).
    pub waits_per_user: usize,
    /// Long polls held at once in all: each holds a connection (a file descriptor).
    pub waits_total: usize,
    /// Sign-in attempts not proven right, per e-mail, within `login_window`.
    pub login_failures_per_account: u32,
    /// Sign-in attempts not proven right, per client address (an IPv6 /64), within the window.
    pub login_failures_per_address: u32,
    pub login_window: Duration,
    /// Password checks (argon2, 19 MiB and tens of milliseconds of one core each) run at once.
    pub hashing_threads: usize,
    /// Sign-ins waiting for a password check past which more are refused at once.
    pub hashing_queue: usize,
    /// The longest a request may take, its body read included (a long poll takes up to 60 s).
    pub request_timeout: Duration,
    /// The header a reverse proxy puts the client's address in (`X-Forwarded-For`: its last
    /// entry, the one the proxy added); without it, the TCP peer's address counts.
    pub client_address_header: Option<HeaderName>,
}

impl Default for Limits {
    fn default() -> Limits {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Limits {
            body_bytes: 32 * 1024 * 1024,
            batches_per_request: 16,
            rows_per_batch: 1_000,
            waits_per_user: 8,
            waits_total: 1_000,
            login_failures_per_account: 10,
            login_failures_per_address: 30,
            login_window: Duration::from_secs(15 * 60),
            // One core left for the requests that need no password.
            hashing_threads: cores.saturating_sub(1).max(1),
            hashing_queue: 64,
            request_timeout: Duration::from_secs(300),
            client_address_header: None,
        }
    }
}

pub struct AppState<S> {
    pub storage: S,
    pub schema: SchemaRange,
    /// Bumped after every push, so long polls look again.
    pushes: tokio::sync::watch::Sender<u64>,
    limits: Limits,
    logins: LoginThrottle,
    hashing: Arc<tokio::sync::Semaphore>,
    hashing_waiting: AtomicUsize,
    waits: WaitSlots,
}

pub fn router<S: Storage>(storage: S) -> Router {
    router_with(storage, Limits::default())
}

pub fn router_with<S: Storage>(storage: S, limits: Limits) -> Router {
    // Each served version's columns are read from the migrations once, here rather than in the
    // first pull's request.
    let _ = crate::schema::columns_at(supported_schema().min);
    let state = Arc::new(AppState {
        storage,
        schema: supported_schema(),
        pushes: tokio::sync::watch::Sender::new(0),
        logins: LoginThrottle::new(
            limits.login_failures_per_account,
            limits.login_failures_per_address,
            limits.login_window,
        ),
        hashing: Arc::new(tokio::sync::Semaphore::new(limits.hashing_threads.max(1))),
        hashing_waiting: AtomicUsize::new(0),
        waits: WaitSlots::new(limits.waits_total, limits.waits_per_user),
        limits: limits.clone(),
    });
    Router::new()
        .route("/v1/health", get(health::<S>))
        .route("/v1/login", post(login::<S>))
        .route("/v1/logout", post(logout::<S>))
        .route("/v1/me", get(me::<S>))
        .route("/v1/wait", post(wait::<S>))
        .route("/v1/push", post(push::<S>))
        .route("/v1/pull", get(pull::<S>))
        .route("/v1/account/email", post(change_email::<S>))
        .layer(DefaultBodyLimit::max(limits.body_bytes))
        .layer(axum::middleware::map_response(refusals_as_json))
        .layer(axum::middleware::from_fn_with_state(
            limits.request_timeout,
            bounded_time,
        ))
        .with_state(state)
}

/// Refusals axum makes itself (a body over the limit, JSON that does not parse, an unknown
/// path) answered as every other: an [`ApiError`] in JSON, with the same status.
async fn refusals_as_json(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !status.is_client_error() || is_json {
        return response;
    }
    let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiErrorCode::TooLarge
    } else {
        ApiErrorCode::BadRequest
    };
    let text = axum::body::to_bytes(response.into_body(), 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let message = if code == ApiErrorCode::TooLarge {
        "the request is larger than this server takes".to_owned()
    } else if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("bad request")
            .to_owned()
    } else {
        text
    };
    (status, Json(ApiError::new(code, message))).into_response()
}

/// Ends a request that takes longer than the bound (a body trickled in byte by byte).
async fn bounded_time(
    State(bound): State<Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match tokio::time::timeout(bound, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (
            StatusCode::REQUEST_TIMEOUT,
            Json(ApiError::new(
                ApiErrorCode::BadRequest,
                "the request took too long to arrive",
            )),
        )
            .into_response(),
    }
}

/// A refusal, sent as JSON with its HTTP status.
#[derive(Debug)]
pub struct Failure(pub ApiError);

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure(e)
    }
}

impl From<StorageError> for Failure {
    fn from(e: StorageError) -> Self {
        if !matches!(e, StorageError::Refused(_)) {
            tracing::error!(error = %e, "storage failed");
        }
        Failure(e.to_api())
    }
}

pub fn status_of(code: ApiErrorCode) -> StatusCode {
    match code {
        ApiErrorCode::BadCredentials | ApiErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
        ApiErrorCode::OutOfScope | ApiErrorCode::ForeignDevice => StatusCode::FORBIDDEN,
        ApiErrorCode::ForbiddenField => StatusCode::FORBIDDEN,
        ApiErrorCode::InvalidValue => StatusCode::UNPROCESSABLE_ENTITY,
        ApiErrorCode::EmailTaken => StatusCode::CONFLICT,
        ApiErrorCode::MovesBetweenShops
        | ApiErrorCode::SchemaTooNew
        | ApiErrorCode::MissingParent => StatusCode::CONFLICT,
        ApiErrorCode::UnknownTable => StatusCode::UNPROCESSABLE_ENTITY,
        ApiErrorCode::SchemaTooOld => StatusCode::UPGRADE_REQUIRED,
        ApiErrorCode::BadRequest => StatusCode::BAD_REQUEST,
        ApiErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ApiErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ApiErrorCode::DeviceRevoked => StatusCode::FORBIDDEN,
        ApiErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (status_of(self.0.code), Json(self.0)).into_response()
    }
}

fn refuse(code: ApiErrorCode, message: impl Into<String>) -> Failure {
    Failure(ApiError::new(code, message))
}

/// A `rate_limited` refusal with its `Retry-After` header (whole seconds, at least 1).
fn throttled(message: &str, wait: Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    let mut response = refuse(
        ApiErrorCode::RateLimited,
        format!("{message}: try again in {seconds} s"),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// The client's schema version; refuses one this server does not serve.
fn check_schema(headers: &HeaderMap, range: SchemaRange) -> Result<u32, Failure> {
    let version: u32 = headers
        .get(SCHEMA_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            refuse(
                ApiErrorCode::BadRequest,
                format!("the {SCHEMA_HEADER} header is missing"),
            )
        })?;
    if version < range.min {
        return Err(refuse(
            ApiErrorCode::SchemaTooOld,
            format!(
                "this app's data version {version} is older than this server serves ({}–{}): update the app",
                range.min, range.max
            ),
        ));
    }
    if version > range.max {
        return Err(refuse(
            ApiErrorCode::SchemaTooNew,
            format!(
                "this app's data version {version} is newer than this server serves ({}–{}): update the server",
                range.min, range.max
            ),
        ));
    }
    Ok(version)
}

/// The app schema version the request announces (its `x-seller-schema` header), one this
/// server serves: what it pulls is cut to that version's columns, and what it pushes is
/// checked against them.
pub struct SchemaVersion(pub u32);

impl<S: Storage> FromRequestParts<Arc<AppState<S>>> for SchemaVersion {
    type Rejection = Failure;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState<S>>,
    ) -> Result<Self, Failure> {
        check_schema(&parts.headers, state.schema).map(SchemaVersion)
    }
}

/// The signed-in device of a request (`Authorization: Bearer <token>`).
pub struct Device(pub DeviceAuth);

impl<S: Storage> FromRequestParts<Arc<AppState<S>>> for Device {
    type Rejection = Failure;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState<S>>,
    ) -> Result<Self, Failure> {
        check_schema(&parts.headers, state.schema)?;
        let token = bearer(&parts.headers)
            .ok_or_else(|| refuse(ApiErrorCode::Unauthorized, "sign in to this server first"))?;
        let device = state
            .storage
            .device_by_token(&token_hash(token))
            .await?
            .ok_or_else(|| {
                refuse(
                    ApiErrorCode::Unauthorized,
                    "this device's sign-in was revoked or has expired: sign in again",
                )
            })?;
        let unused = (chrono::Utc::now() - device.last_seen)
            .to_std()
            .unwrap_or_default();
        if unused > TOKEN_IDLE {
            return Err(refuse(
                ApiErrorCode::Unauthorized,
                format!(
                    "this device's sign-in has expired (unused for more than {} days): sign in again",
                    TOKEN_IDLE.as_secs() / 86_400
                ),
            ));
        }
        if unused > SEEN_EVERY {
            state.storage.touch_device(&device.device_id).await?;
        }
        Ok(Device(device))
    }
}

/// The client's address: the TCP peer's (the accept loop in `serve` records it), or the one a
/// reverse proxy names in the header the operator configured.
pub struct ClientAddress(pub Option<IpAddr>);

impl<S: Storage> FromRequestParts<Arc<AppState<S>>> for ClientAddress {
    type Rejection = Failure;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState<S>>,
    ) -> Result<Self, Failure> {
        if let Some(name) = &state.limits.client_address_header {
            let named = parts
                .headers
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|v| v.trim().parse::<IpAddr>().ok())
                .next_back();
            return Ok(ClientAddress(named));
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        Ok(ClientAddress(peer))
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// The scopes a user reads: their shops and own row, the reference data; for an admin, all.
async fn scopes_of<S: Storage>(
    storage: &S,
    user_id: &str,
    role: Role,
) -> Result<Vec<String>, Failure> {
    let mut scopes = match role {
        Role::Admin => storage.all_scopes().await?,
        _ => {
            let mut s = storage.shops_of(user_id).await?;
            s.push(user_scope(user_id));
            s
        }
    };
    scopes.retain(|s| s != REFERENCE_SCOPE);
    scopes.push(REFERENCE_SCOPE.to_owned());
    Ok(scopes)
}

#[derive(Serialize)]
struct Health {
    schema: SchemaRange,
    version: &'static str,
}

async fn health<S: Storage>(State(state): State<Arc<AppState<S>>>) -> Json<Health> {
    Json(Health {
        schema: state.schema,
        version: env!("CARGO_PKG_VERSION"),
    })
}

async fn login<S: Storage>(
    State(state): State<Arc<AppState<S>>>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Json(request): Json<LoginRequest>,
) -> Response {
    match sign_in(&state, address, &headers, &request).await {
        Ok(signed) => Json(signed).into_response(),
        Err(refusal) => refusal,
    }
}

async fn sign_in<S: Storage>(
    state: &AppState<S>,
    address: Option<IpAddr>,
    headers: &HeaderMap,
    request: &LoginRequest,
) -> Result<LoginResponse, Response> {
    check_schema(headers, state.schema).map_err(IntoResponse::into_response)?;
    check_sign_in(&request.email, &request.device_id, &request.device_name)
        .map_err(|e| Failure(e).into_response())?;
    let email = request.email.trim();
    if let Err(wait) = state.logins.begin(email, address) {
        tracing::warn!(?address, "sign-in refused: too many failed attempts");
        return Err(throttled("too many failed sign-ins", wait));
    }
    let user = state
        .storage
        .user_by_email(email)
        .await
        .map_err(|e| Failure::from(e).into_response())?;
    // An unknown e-mail is checked against a dummy hash: the same work, the same time.
    let hash = user
        .as_ref()
        .map_or_else(|| dummy_hash().to_owned(), |u| u.password_hash.clone());
    let verified = check_password(state, &request.password, hash).await?;
    let user = match user {
        Some(user) if verified => user,
        _ => {
            return Err(
                refuse(ApiErrorCode::BadCredentials, "wrong e-mail or password").into_response(),
            );
        }
    };
    state.logins.succeeded(email, address);
    let registered = register(state, &user.id, request).await;
    let token = registered.map_err(IntoResponse::into_response)?;
    tracing::info!(user = %user.id, device = %request.device_id, "device signed in");
    Ok(LoginResponse {
        token,
        scopes: scopes_of(&state.storage, &user.id, user.role)
            .await
            .map_err(IntoResponse::into_response)?,
        user_id: user.id,
        role: user.role,
        schema: state.schema,
    })
}

/// Records the device under a new token; the token.
async fn register<S: Storage>(
    state: &AppState<S>,
    user_id: &str,
    request: &LoginRequest,
) -> Result<String, Failure> {
    if request.device_id.trim().is_empty() || request.device_id == crate::SERVER_DEVICE {
        return Err(refuse(ApiErrorCode::BadRequest, "a device id is required"));
    }
    let token = new_token();
    state
        .storage
        .register_device(
            &request.device_id,
            user_id,
            &request.device_name,
            &token_hash(&token),
        )
        .await?;
    Ok(token)
}

/// Checks a password on the bounded hashing pool: at most `hashing_threads` argon2 runs at
/// once, so a flood of sign-ins leaves the other cores to syncing devices (which never hash),
/// and past `hashing_queue` waiting sign-ins more are refused at once instead of piling up.
async fn check_password<S: Storage>(
    state: &AppState<S>,
    password: &str,
    hash: String,
) -> Result<bool, Response> {
    struct Waiting<'a>(&'a AtomicUsize);
    impl Drop for Waiting<'_> {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::Relaxed);
        }
    }
    let ahead = state.hashing_waiting.fetch_add(1, Ordering::Relaxed);
    let waiting = Waiting(&state.hashing_waiting);
    if ahead >= state.limits.hashing_queue {
        return Err(throttled(
            "the server is busy with sign-ins",
            Duration::from_secs(1),
        ));
    }
    let permit = Arc::clone(&state.hashing)
        .acquire_owned()
        .await
        .map_err(|_| refuse(ApiErrorCode::Internal, "the server is stopping").into_response())?;
    drop(waiting);
    let password = password.to_owned();
    // The permit moves into the check: a client that hangs up does not free it early.
    Ok(tokio::task::spawn_blocking(move || {
        let _permit = permit;
        verify_password(&password, &hash)
    })
    .await
    .unwrap_or(false))
}

async fn logout<S: Storage>(
    State(state): State<Arc<AppState<S>>>,
    headers: HeaderMap,
    _device: Device,
) -> Result<StatusCode, Failure> {
    if let Some(token) = bearer(&headers) {
        state.storage.revoke_token(&token_hash(token)).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn me<S: Storage>(
    State(state): State<Arc<AppState<S>>>,
    Device(device): Device,
) -> Result<Json<Me>, Failure> {
    Ok(Json(Me {
        scopes: scopes_of(&state.storage, &device.user_id, device.role).await?,
        user_id: device.user_id,
        role: device.role,
    }))
}

/// A new e-mail for the signed-in user. It takes their password, checked on the hashing pool
/// and throttled per account and address as a sign-in is: a stolen token alone can neither take
/// the account over nor guess its password fast.
async fn change_email<S: Storage>(
    State(state): State<Arc<AppState<S>>>,
    ClientAddress(address): ClientAddress,
    Device(device): Device,
    Json(request): Json<EmailChangeRequest>,
) -> Response {
    match email_change(&state, address, &device, &request).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(refusal) => refusal,
    }
}

async fn email_change<S: Storage>(
    state: &AppState<S>,
    address: Option<IpAddr>,
    device: &DeviceAuth,
    request: &EmailChangeRequest,
) -> Result<(), Response> {
    let refused = |e: StorageError| Failure::from(e).into_response();
    let email = request.email.trim();
    check_email(email).map_err(|e| Failure(e).into_response())?;
    let account = user_scope(&device.user_id);
    if let Err(wait) = state.logins.begin(&account, address) {
        return Err(throttled("too many wrong passwords", wait));
    }
    let user = state
        .storage
        .user_by_id(&device.user_id)
        .await
        .map_err(refused)?;
    let hash = user.map_or_else(|| dummy_hash().to_owned(), |u| u.password_hash);
    if !check_password(state, &request.password, hash).await? {
        return Err(refuse(ApiErrorCode::BadCredentials, "wrong password").into_response());
    }
    state.logins.succeeded(&account, address);
    state
        .storage
        .change_email(&device.user_id, email, wall_ms_now())
        .await
        .map_err(refused)?;
    // The user's row changed: their devices waiting on it pull it now.
    state.pushes.send_modify(|n| *n += 1);
    tracing::info!(user = %device.user_id, "e-mail changed");
    Ok(())
}

async fn push<S: Storage>(
    State(state): State<Arc<AppState<S>>>,
    Device(device): Device,
    SchemaVersion(version): SchemaVersion,
    Json(request): Json<PushRequest>,
) -> Result<Json<PushResponse>, Failure> {
    check_push_size(&request, &state.limits)?;
    crate::push::check_version_columns(version, &request.batches)?;
    let ctx = PushContext {
        shops: state.storage.shops_of(&device.user_id).await?,
        device_id: device.device_id,
        user_id: device.user_id,
        role: device.role,
    };
    crate::push::check_request(&ctx, &request.batches)?;
    // One transaction for the request: a batch refused (another's scope, the users row) refuses
    // the batches before it too, so a refused request changes nothing.
    let response = state
        .storage
        .push_all(&ctx, &request.batches, wall_ms_now())
        .await?;
    state.pushes.send_modify(|n| *n += 1);
    Ok(Json(response))
}

/// Refuses a push with more batches, or a batch with more rows, than the limits (`too_large`):
/// one request holds one client's work for a bounded time.
fn check_push_size(request: &PushRequest, limits: &Limits) -> Result<(), Failure> {
    if request.batches.len() > limits.batches_per_request {
        return Err(refuse(
            ApiErrorCode::TooLarge,
            format!(
                "{} batches in one request: this server takes at most {}",
                request.batches.len(),
                limits.batches_per_request
            ),
        ));
    }
    if let Some(batch) = request
        .batches
        .iter()
        .find(|b| b.rows.len() > limits.rows_per_batch)
    {
        return Err(refuse(
            ApiErrorCode::TooLarge,
            format!(
                "batch {} holds {} rows: this server takes at most {} a batch",
                batch.device_seq,
                batch.rows.len(),
                limits.rows_per_batch
            ),
        ));
    }
    Ok(())
}

/// The long polls held now, in all and per user.
struct WaitSlots {
    total: Arc<tokio::sync::Semaphore>,
    per_user: Arc<Mutex<HashMap<String, usize>>>,
    max_per_user: usize,
}

/// One long poll's place, given back when the poll ends (answered, or the client gone).
struct WaitSlot {
    _total: tokio::sync::OwnedSemaphorePermit,
    per_user: Arc<Mutex<HashMap<String, usize>>>,
    user_id: String,
}

impl WaitSlots {
    fn new(total: usize, max_per_user: usize) -> WaitSlots {
        WaitSlots {
            total: Arc::new(tokio::sync::Semaphore::new(total)),
            per_user: Arc::new(Mutex::new(HashMap::new())),
            max_per_user,
        }
    }

    /// A place for one more long poll of `user_id`, if the bounds allow it.
    fn take(&self, user_id: &str) -> Option<WaitSlot> {
        let mut per_user = self.per_user.lock().unwrap_or_else(|e| e.into_inner());
        let held = per_user.get(user_id).copied().unwrap_or(0);
        if held >= self.max_per_user {
            return None;
        }
        let total = Arc::clone(&self.total).try_acquire_owned().ok()?;
        per_user.insert(user_id.to_owned(), held + 1);
        Some(WaitSlot {
            _total: total,
            per_user: Arc::clone(&self.per_user),
            user_id: user_id.to_owned(),
        })
    }
}

impl Drop for WaitSlot {
    fn drop(&mut self) {
        let mut per_user = self.per_user.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(held) = per_user.get_mut(&self.user_id) {
            *held -= 1;
            if *held == 0 {
                per_user.remove(&self.user_id);
            }
        }
    }
}

/// A long poll: answers as soon as one of the device's scopes moves past its cursor. One server
/// process wakes its own waiters; several processes behind one database still answer within the
/// wait's timeout, when the device pulls anyway.
async fn wait<S: Storage>(
    State(state): State<Arc<AppState<S>>>,
    Device(device): Device,
    Json(request): Json<WaitRequest>,
) -> Result<Json<WaitResponse>, Response> {
    // Past the bounds, refused rather than answered at once: the app then stops long-polling
    // until its next round (minutes), where an empty answer would have it ask again at once.
    let Some(_slot) = state.waits.take(&device.user_id) else {
        return Err(throttled(
            "too many devices are waiting for changes",
            Duration::from_millis(MAX_WAIT_MS),
        ));
    };
    wait_for_changes(&state, &device, request)
        .await
        .map(Json)
        .map_err(IntoResponse::into_response)
}

async fn wait_for_changes<S: Storage>(
    state: &AppState<S>,
    device: &DeviceAuth,
    request: WaitRequest,
) -> Result<WaitResponse, Failure> {
    let allowed = scopes_of(&state.storage, &device.user_id, device.role).await?;
    let cursors: Vec<(String, i64)> = request
        .cursors
        .into_iter()
        .filter(|(scope, _)| allowed.contains(scope))
        .collect();
    let scopes: Vec<String> = cursors.iter().map(|(s, _)| s.clone()).collect();
    let deadline = tokio::time::Instant::now()
        + std::time::Duration::from_millis(request.timeout_ms.min(MAX_WAIT_MS));
    let mut pushes = state.pushes.subscribe();
    loop {
        pushes.mark_unchanged();
        let seqs = state.storage.scope_seqs(&scopes).await?;
        let changed: Vec<String> = cursors
            .iter()
            .filter(|(scope, after)| seqs.get(scope).is_some_and(|seq| seq > after))
            .map(|(scope, _)| scope.clone())
            .collect();
        if !changed.is_empty() {
            return Ok(WaitResponse { changed });
        }
        tokio::select! {
            changed = pushes.changed() => {
                if changed.is_err() {
                    return Ok(WaitResponse::default());
                }
            }
            () = tokio::time::sleep_until(deadline) => return Ok(WaitResponse::default()),
        }
    }
}

async fn pull<S: Storage>(
    State(state): State<Arc<AppState<S>>>,
    Device(device): Device,
    SchemaVersion(version): SchemaVersion,
    Query(query): Query<PullQuery>,
) -> Result<Json<PullResponse>, Failure> {
    let scopes = scopes_of(&state.storage, &device.user_id, device.role).await?;
    if !scopes.contains(&query.scope) {
        return Err(refuse(
            ApiErrorCode::OutOfScope,
            "this account may not read that shop",
        ));
    }
    let limit = query.limit.clamp(1, MAX_PAGE);
    let mut page = state.storage.pull(&query.scope, query.after, limit).await?;
    crate::schema::page_for_version(version, &mut page);
    Ok(Json(page))
}
