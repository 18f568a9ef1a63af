//! The HTTP API: JSON in, JSON out, every refusal an [`ApiError`] with its status.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use seller_sync::hlc::wall_ms_now;
use seller_sync::protocol::{
    ApiError, ApiErrorCode, LoginRequest, LoginResponse, MAX_WAIT_MS, Me, PullQuery, PullResponse,
    PushRequest, PushResponse, REFERENCE_SCOPE, Role, SCHEMA_HEADER, SchemaRange, WaitRequest,
    WaitResponse,
};
use seller_sync::tables::user_scope;
use serde::Serialize;

use crate::auth::{new_token, token_hash, verify_password};
use crate::push::PushContext;
use crate::schema::supported_schema;
use crate::storage::{DeviceAuth, Storage, StorageError};

/// The most rows a pull page holds.
pub const MAX_PAGE: u32 = 5_000;
/// Pushes carry up to this many bytes of JSON.
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

pub struct AppState<S> {
    pub storage: S,
    pub schema: SchemaRange,
    /// Bumped after every push, so long polls look again.
    pushes: tokio::sync::watch::Sender<u64>,
}

pub fn router<S: Storage>(storage: S) -> Router {
    let state = Arc::new(AppState {
        storage,
        schema: supported_schema(),
        pushes: tokio::sync::watch::Sender::new(0),
    });
    Router::new()
        .route("/v1/health", get(health::<S>))
        .route("/v1/login", post(login::<S>))
        .route("/v1/logout", post(logout::<S>))
        .route("/v1/me", get(me::<S>))
        .route("/v1/wait", post(wait::<S>))
        .route("/v1/push", post(push::<S>))
        .route("/v1/pull", get(pull::<S>))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
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
        ApiErrorCode::MovesBetweenShops
        | ApiErrorCode::SchemaTooNew
        | ApiErrorCode::MissingParent => StatusCode::CONFLICT,
        ApiErrorCode::UnknownTable => StatusCode::UNPROCESSABLE_ENTITY,
        ApiErrorCode::SchemaTooOld => StatusCode::UPGRADE_REQUIRED,
        ApiErrorCode::BadRequest => StatusCode::BAD_REQUEST,
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

/// Refuses a client whose schema version this server does not serve.
fn check_schema(headers: &HeaderMap, range: SchemaRange) -> Result<(), Failure> {
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
    Ok(())
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
        Ok(Device(device))
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
    headers: HeaderMap,
    Json(request): Json<LoginRequest>,
) -> Result<Json<LoginResponse>, Failure> {
    check_schema(&headers, state.schema)?;
    let wrong = || refuse(ApiErrorCode::BadCredentials, "wrong e-mail or password");
    let user = state
        .storage
        .user_by_email(request.email.trim())
        .await?
        .ok_or_else(wrong)?;
    let password = request.password.clone();
    let hash = user.password_hash.clone();
    let verified = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    if !verified {
        return Err(wrong());
    }
    if request.device_id.trim().is_empty() || request.device_id == crate::SERVER_DEVICE {
        return Err(refuse(ApiErrorCode::BadRequest, "a device id is required"));
    }
    let token = new_token();
    state
        .storage
        .register_device(
            &request.device_id,
            &user.id,
            &request.device_name,
            &token_hash(&token),
        )
        .await?;
    tracing::info!(user = %user.id, device = %request.device_id, "device signed in");
    Ok(Json(LoginResponse {
        token,
        scopes: scopes_of(&state.storage, &user.id, user.role).await?,
        user_id: user.id,
        role: user.role,
        schema: state.schema,
    }))
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

async fn push<S: Storage>(
    State(state): State<Arc<AppState<S>>>,
    Device(device): Device,
    Json(request): Json<PushRequest>,
) -> Result<Json<PushResponse>, Failure> {
    let ctx = PushContext {
        shops: state.storage.shops_of(&device.user_id).await?,
        device_id: device.device_id,
        user_id: device.user_id,
        role: device.role,
    };
    let mut response = PushResponse::default();
    for batch in &request.batches {
        let outcome = state.storage.push(&ctx, batch, wall_ms_now()).await?;
        // Each batch is committed on its own: waiting devices may pull it at once.
        state.pushes.send_modify(|n| *n += 1);
        response.acked.extend(outcome.acked);
        response.clamped.extend(outcome.clamped);
    }
    Ok(Json(response))
}

/// A long poll: answers as soon as one of the device's scopes moves past its cursor. One server
/// process wakes its own waiters; several processes behind one database still answer within the
/// wait's timeout, when the device pulls anyway.
async fn wait<S: Storage>(
    State(state): State<Arc<AppState<S>>>,
    Device(device): Device,
    Json(request): Json<WaitRequest>,
) -> Result<Json<WaitResponse>, Failure> {
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
            return Ok(Json(WaitResponse { changed }));
        }
        tokio::select! {
            changed = pushes.changed() => {
                if changed.is_err() {
                    return Ok(Json(WaitResponse::default()));
                }
            }
            () = tokio::time::sleep_until(deadline) => return Ok(Json(WaitResponse::default())),
        }
    }
}

async fn pull<S: Storage>(
    State(state): State<Arc<AppState<S>>>,
    Device(device): Device,
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
    Ok(Json(
        state.storage.pull(&query.scope, query.after, limit).await?,
    ))
}
