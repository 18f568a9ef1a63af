//! The IPC surface of sync, and what the background rounds do in the app.
//!
//! The device token goes to the OS keyring on sign-in and never crosses IPC; the password
//! crosses once, on entry. When rounds run is `seller_sync::scheduler`'s: every few minutes,
//! soon again after the server could not be reached (the network coming back), after a local
//! change, when the server has news, and on "Sync now". Rounds run on the async runtime, each
//! store step on a worker thread, so the window never waits on the network.

use seller_secrets::{Keyring, Secret, SecretError};
use seller_store::Store;
use seller_sync::capture::Capture;
use seller_sync::conflicts;
use seller_sync::device::{self, DeviceError, ErrorKind, StoreAccess, SyncedStore};
use seller_sync::replica::SyncError;
use seller_sync::rounds::{self, DeviceRounds, Replica, RoundError, TokenSource};
use seller_sync::scheduler::{Scheduler, Timing};
use serde::{Deserialize, Deserializer, Serialize};
use tauri::State;

use crate::error::{AppError, ErrorCode};
use crate::state::AppState;

/// The background rounds and "Sync now" share this; one round runs at a time.
pub type SyncState = Scheduler;

/// The store, as the sync engine reaches it.
struct Access(AppState);

impl Replica for Access {
    fn capture(&self) -> Option<Capture> {
        self.0.capture()
    }
}

/// The device token, from the OS keyring.
struct KeyringTokens;

impl TokenSource for KeyringTokens {
    type Error = SecretError;

    fn token(&self, device_id: &str) -> Result<Option<String>, SecretError> {
        Ok(token_keyring()
            .sync_token(device_id)?
            .map(|token| token.expose().to_owned()))
    }
}

impl StoreAccess for Access {
    async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, DeviceError> + Send + 'static,
    ) -> Result<T, DeviceError> {
        self.0
            .with_store(move |store| Ok(f(store)))
            .await
            .unwrap_or(Err(DeviceError::Sync(SyncError::Closed)))
    }
}

#[derive(Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatusView {
    pub signed_in: bool,
    pub server: Option<String>,
    pub email: Option<String>,
    pub last_sync_at: Option<String>,
    /// The last round's failure, in English (the UI shows `lastErrorCode` translated).
    pub last_error: Option<String>,
    pub last_error_code: Option<ErrorCode>,
    /// Rows changed here and not on the server yet.
    pub waiting_rows: i64,
    pub conflicts: Vec<device::Conflict>,
    pub syncing: bool,
    /// When this database was restored from a backup and took a new device id: why it is
    /// signed out (cleared at the next sign-in).
    pub restored_at: Option<String>,
}

fn secret_from_str<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
    String::deserialize(deserializer).map(Secret::new)
}

#[derive(Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SignInInput {
    pub server: String,
    pub email: String,
    #[serde(deserialize_with = "secret_from_str")]
    #[specta(type = String)]
    pub password: Secret,
}

impl From<DeviceError> for AppError {
    fn from(err: DeviceError) -> Self {
        tracing::warn!(%err, "sync failed");
        AppError::new(code_of(ErrorKind::of(&err)), err.to_string())
    }
}

impl From<RoundError<SecretError>> for AppError {
    fn from(err: RoundError<SecretError>) -> Self {
        match err {
            RoundError::Device(err) => err.into(),
            RoundError::Token(err) => err.into(),
            RoundError::NotOpen => AppError::new(ErrorCode::SyncStoreBusy, err.to_string()),
        }
    }
}

fn code_of(kind: ErrorKind) -> ErrorCode {
    match kind {
        ErrorKind::Unreachable => ErrorCode::SyncUnreachable,
        ErrorKind::BadAddress => ErrorCode::SyncBadAddress,
        ErrorKind::Tls => ErrorCode::SyncTls,
        ErrorKind::BadCredentials => ErrorCode::SyncBadCredentials,
        ErrorKind::SignedOut => ErrorCode::SyncSignedOut,
        ErrorKind::AppTooOld => ErrorCode::SyncAppTooOld,
        ErrorKind::ServerTooOld => ErrorCode::SyncServerTooOld,
        ErrorKind::Refused => ErrorCode::SyncRefused,
        ErrorKind::ServerError => ErrorCode::SyncServerError,
        ErrorKind::StoreBusy => ErrorCode::SyncStoreBusy,
        ErrorKind::PlainHttp => ErrorCode::SyncPlainHttp,
        ErrorKind::Untrusted => ErrorCode::SyncUntrusted,
        ErrorKind::RateLimited => ErrorCode::SyncRateLimited,
        ErrorKind::DeviceRevoked => ErrorCode::SyncDeviceRevoked,
        ErrorKind::Local => ErrorCode::Database,
    }
}

fn token_keyring() -> Keyring {
    Keyring::default()
}

async fn status_view(state: &AppState, sync: &SyncState) -> Result<SyncStatusView, AppError> {
    let syncing = sync.is_running();
    state
        .with_store(move |store| {
            let status = store
                .sync_status()
                .map_err(seller_store::StoreError::from)?;
            Ok(SyncStatusView {
                signed_in: status.account.is_some(),
                server: status.account.as_ref().map(|a| a.server.clone()),
                email: status.account.as_ref().map(|a| a.email.clone()),
                last_sync_at: status.last_sync_at,
                last_error_code: status.last_error_kind.map(code_of),
                last_error: status.last_error,
                waiting_rows: status.waiting.staged_rows + status.waiting.unstaged_rows,
                conflicts: status.conflicts,
                syncing,
                restored_at: status.restored_at,
            })
        })
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn sync_status(
    state: State<'_, AppState>,
    sync: State<'_, SyncState>,
) -> Result<SyncStatusView, AppError> {
    status_view(&state, &sync).await
}

/// Signs this device in, keeps the token in the keyring, then runs a first round in the
/// background.
#[tauri::command]
#[specta::specta]
pub async fn sync_sign_in(
    state: State<'_, AppState>,
    sync: State<'_, SyncState>,
    input: SignInInput,
) -> Result<SyncStatusView, AppError> {
    let capture = state
        .capture()
        .ok_or_else(|| AppError::new(ErrorCode::SyncStoreBusy, "the database is not open"))?;
    let device_name = rounds::host_name();
    let signed = device::sign_in(
        &Access(state.inner().clone()),
        &capture,
        &input.server,
        &input.email,
        input.password.expose(),
        &device_name,
    )
    .await?;
    token_keyring().set_sync_token(capture.device_id(), &Secret::new(signed.token))?;
    tracing::info!(server = %signed.account.server, "signed in to a sync server");
    sync.kick();
    status_view(&state, &sync).await
}

/// Signs out: the server forgets the token (when it can be reached), the keyring too; the data
/// stays on this device.
#[tauri::command]
#[specta::specta]
pub async fn sync_sign_out(
    state: State<'_, AppState>,
    sync: State<'_, SyncState>,
) -> Result<SyncStatusView, AppError> {
    let access = Access(state.inner().clone());
    if let Some(client) = rounds::signed_in_client(&access, &KeyringTokens).await?
        && let Err(error) = client.logout().await
    {
        tracing::warn!(%error, "the server could not be told of the sign-out");
    }
    if let Some(capture) = state.capture() {
        token_keyring().delete_sync_token(capture.device_id())?;
    }
    state.with_store(|store| Ok(store.sync_sign_out()?)).await?;
    status_view(&state, &sync).await
}

/// Runs a round now (or waits for the one running) and returns the status after it.
#[tauri::command]
#[specta::specta]
pub async fn sync_now(
    state: State<'_, AppState>,
    sync: State<'_, SyncState>,
) -> Result<SyncStatusView, AppError> {
    round(&state, &sync).await?;
    status_view(&state, &sync).await
}

/// The user settled a conflict (kept the distinct value, or changed it).
#[tauri::command]
#[specta::specta]
pub async fn resolve_sync_conflict(
    state: State<'_, AppState>,
    sync: State<'_, SyncState>,
    table: String,
    id: String,
    column: String,
) -> Result<SyncStatusView, AppError> {
    state
        .with_store(move |store| {
            store
                .resolve_sync_conflict(&table, &id, &column)
                .map_err(seller_store::StoreError::from)?;
            Ok(())
        })
        .await?;
    status_view(&state, &sync).await
}

/// The user chose which item keeps a conflict's value: the two swap in one transaction (this
/// device's own edits, which sync) or nothing changes; the conflict is then resolved.
#[tauri::command]
#[specta::specta]
pub async fn choose_sync_conflict_value(
    state: State<'_, AppState>,
    sync: State<'_, SyncState>,
    table: String,
    id: String,
    column: String,
    keep: conflicts::Keep,
) -> Result<SyncStatusView, AppError> {
    state
        .with_store(move |store| {
            store
                .choose_sync_conflict_value(&table, &id, &column, keep)
                .map_err(|e| match e {
                    conflicts::ResolveError::Sqlite(e) => {
                        AppError::from(seller_store::StoreError::from(e))
                    }
                    held @ conflicts::ResolveError::HeldElsewhere { .. } => {
                        AppError::new(ErrorCode::DuplicateSku, held.to_string())
                    }
                    missing => AppError::new(ErrorCode::NotFound, missing.to_string()),
                })
        })
        .await?;
    sync.kick();
    status_view(&state, &sync).await
}

/// One round, unless one is running (then this waits for it). `Ok(false)` when signed out.
async fn round(state: &AppState, sync: &SyncState) -> Result<bool, AppError> {
    Ok(sync.run_now(&app_rounds(state.clone())).await?)
}

/// Starts the background rounds (see `seller_sync::scheduler` for when they run).
pub fn spawn_background_rounds(state: AppState, sync: SyncState) {
    tauri::async_runtime::spawn(async move {
        sync.run_background(app_rounds(state), Timing::default())
            .await;
    });
}

/// The rounds of the app: its store, the token from the keyring.
fn app_rounds(state: AppState) -> DeviceRounds<Access, KeyringTokens> {
    DeviceRounds {
        replica: Access(state),
        tokens: KeyringTokens,
    }
}
