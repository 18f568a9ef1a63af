//! The app's database as a sync replica: opened with capture on from the first write
//! ([`open`]), signed in to a server ([`sign_in`]), and what the Sync area shows ([`status`]).

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use seller_store::Store;
use seller_store::raw::RawSql;
use seller_store::raw::RawTx;

use std::sync::Arc;

use crate::capture::{Capture, CaptureError, WallClock};
use crate::client::{ClientError, SyncClient};
use crate::protocol::{ApiError, ApiErrorCode, LoginRequest, REFERENCE_SCOPE, Role};
use crate::replica::{self, LocalDb, SyncError, Waiting};
use crate::tables::{SYNCED_TABLES, user_scope};

#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error(transparent)]
    Store(#[from] seller_store::StoreError),
    #[error(transparent)]
    Capture(#[from] CaptureError),
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("this server serves app data versions {min} to {max}; this app's is {ours}")]
    SchemaOutOfRange { min: u32, max: u32, ours: u32 },
}

/// Opens the app's database with change capture installed: the functions its triggers call are
/// registered before anything is written, the triggers follow the current columns, and rows
/// written before capture existed are recorded once as this device's own.
pub fn open(path: &Path) -> Result<(Store, Capture), DeviceError> {
    open_with_clock(path, Arc::new(crate::hlc::wall_ms_now))
}

/// [`open`], with the device's time read from `wall`.
///
/// A database just restored from a backup (the backup left its marker beside it) takes a new
/// device id: the backup's may be that of the computer it was made on, still running, and the
/// server numbers each device's batches, so a restored outbox would reuse numbers the server
/// has already acknowledged and its later changes would be dropped as repeats.
pub fn open_with_clock(path: &Path, wall: WallClock) -> Result<(Store, Capture), DeviceError> {
    let marker = path.with_file_name(seller_store::backup::RESTORED_MARKER);
    let restored = marker.exists();
    let mut capture = None;
    let mut previous_id = None;
    let mut columns_before = std::collections::BTreeSet::new();
    let mut store = Store::open_with(path, |conn| {
        previous_id = stored_device_id(conn)?;
        // Read before the file is migrated: what an update adds is told from them.
        columns_before = replica::synced_column_list(conn)?;
        let device = match (&previous_id, restored) {
            (Some(id), false) => id.clone(),
            _ => uuid::Uuid::now_v7().to_string(),
        };
        capture = Some(Capture::register_with_clock(conn, &device, wall)?);
        Ok(())
    })?;
    let capture = capture.expect("open_with runs its preparation");
    store.write(|tx| attach(tx.transaction(), &capture, &columns_before))?;
    if restored {
        if let Some(previous) = previous_id.filter(|p| p != capture.device_id()) {
            store
                .write(|tx| take_new_identity(tx.transaction(), &previous, capture.device_id()))?;
            tracing::info!(
                previous,
                new = capture.device_id(),
                "restored from a backup: this device took a new sync id"
            );
        }
        if let Err(error) = std::fs::remove_file(&marker) {
            tracing::warn!(%error, "the restore marker could not be removed");
        }
    }
    Ok((store, capture))
}

/// After a restore, this replica becomes a new device: what the backup had numbered for the
/// server goes back to the changes waiting to be pushed, those changes carry the new id, and
/// the account is signed out (its token belonged to the old id): signing in again registers
/// this device afresh. In the caller's transaction.
fn take_new_identity(tx: &Connection, previous: &str, new: &str) -> Result<(), DeviceError> {
    let batches = replica::outbox(tx, usize::MAX)?;
    for batch in batches {
        crate::merge::mark_unpushed(tx, &crate::merge::Batch { rows: batch.rows }, previous)?;
    }
    tx.execute("DELETE FROM sync_outbox", [])?;
    clear_meta(tx, "next_device_seq")?;
    tx.execute(
        "UPDATE sync_clock SET device = ?2 WHERE pushed = 0 AND device = ?1",
        params![previous, new],
    )?;
    sign_out(tx)?;
    set_meta(tx, "restored_at", &seller_store::now_rfc3339())?;
    Ok(())
}

fn stored_device_id(conn: &Connection) -> rusqlite::Result<Option<String>> {
    let has_meta: bool = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sync_meta'",
        [],
        |r| r.get(0),
    )?;
    if !has_meta {
        return Ok(None);
    }
    meta(conn, "device_id")
}

/// Makes the database a replica of this device, in the caller's transaction: the sync
/// tables, the capture triggers, the rows written before capture recorded once, and the synced
/// columns an update added pulled again (`columns_before`: read before this open migrated).
fn attach(
    conn: &Connection,
    capture: &Capture,
    columns_before: &std::collections::BTreeSet<String>,
) -> Result<(), DeviceError> {
    replica::install(conn)?;
    set_meta(conn, "device_id", capture.device_id())?;
    replica::note_synced_columns(conn, columns_before)?;
    let names: Vec<&str> = SYNCED_TABLES.iter().map(|t| t.name).collect();
    capture.install_triggers(conn, &names)?;
    for table in names {
        let key = format!("recorded:{table}");
        if meta(conn, &key)?.is_none() {
            capture.record_existing(conn, table)?;
            set_meta(conn, &key, "1")?;
        }
    }
    Ok(())
}

pub fn meta(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM sync_meta WHERE key = ?1", [key], |r| {
        r.get(0)
    })
    .optional()
}

pub fn set_meta(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO sync_meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

fn clear_meta(conn: &Connection, key: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM sync_meta WHERE key = ?1", [key])?;
    Ok(())
}

/// The app's data version, as sent to servers.
pub fn schema_version() -> u32 {
    seller_store::LATEST_VERSION
}

/// Who this device is signed in as, on which server (the token is in the keyring).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub server: String,
    pub email: String,
    pub user_id: String,
    pub role: Role,
}

pub fn account(conn: &Connection) -> rusqlite::Result<Option<Account>> {
    let (Some(server), Some(email), Some(user_id), Some(role)) = (
        meta(conn, "server")?,
        meta(conn, "email")?,
        meta(conn, "user_id")?,
        meta(conn, "role")?,
    ) else {
        return Ok(None);
    };
    let role = match role.as_str() {
        "admin" => Role::Admin,
        "customer" => Role::Customer,
        _ => Role::Seller,
    };
    Ok(Some(Account {
        server,
        email,
        user_id,
        role,
    }))
}

/// A device signed in: its account, and the token to keep in the keyring.
pub struct SignedIn {
    pub account: Account,
    pub token: String,
}

/// Access to the app's store from async code, for [`sign_in`] and [`sync_round`].
/// The store may be closed for a moment (a backup being restored): then `f` does not run and
/// the answer is [`SyncError::Closed`].
pub trait StoreAccess: Send + Sync {
    fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, DeviceError> + Send + 'static,
    ) -> impl std::future::Future<Output = Result<T, DeviceError>> + Send;
}

/// The store's connection, as the replica functions want it.
pub struct ViaStore<'a, A>(pub &'a A);

impl<A: StoreAccess> LocalDb for ViaStore<'_, A> {
    async fn with_conn<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, SyncError> + Send + 'static,
    ) -> Result<T, SyncError> {
        self.0
            .with_store(|store| Ok(f(store.connection_mut())?))
            .await
            .map_err(|e| match e {
                DeviceError::Sync(e) => e,
                DeviceError::Sqlite(e) => SyncError::Local(e),
                _ => SyncError::Closed,
            })
    }
}

/// Signs this device in to `server` as `email`, then makes the local shop the account's:
/// - the account has no shop on the server yet: the local shop becomes theirs, and is pushed
///   with everything in it on the next sync;
/// - it has one (made from another device): that shop is pulled, and this device's data moves
///   into it (an item whose SKU it already has is kept, its SKU made distinct).
pub async fn sign_in<A: StoreAccess>(
    access: &A,
    capture: &Capture,
    server: &str,
    email: &str,
    password: &str,
    device_name: &str,
) -> Result<SignedIn, DeviceError> {
    let ours = schema_version();
    let client = SyncClient::new(server, ours, None)?;
    let device_id = capture.device_id().to_owned();
    let response = client
        .login(&LoginRequest {
            email: email.trim().to_owned(),
            password: password.to_owned(),
            device_id,
            device_name: device_name.to_owned(),
        })
        .await?;
    if !response.schema.contains(ours) {
        return Err(DeviceError::SchemaOutOfRange {
            min: response.schema.min,
            max: response.schema.max,
            ours,
        });
    }
    let account = Account {
        server: client.address().to_owned(),
        email: email.trim().to_owned(),
        user_id: response.user_id.clone(),
        role: response.role,
    };
    let client = client.with_token(response.token.clone());
    let server_shop = response
        .scopes
        .iter()
        .find(|s| *s != REFERENCE_SCOPE && !s.starts_with("user:") && response.role != Role::Admin)
        .cloned();
    // Both become ids in this database (the user's row, the shop every item moves into).
    let not_an_id = [Some(&response.user_id), server_shop.as_ref()]
        .into_iter()
        .flatten()
        .find(|id| !crate::trust::is_canonical_uuid(id));
    if let Some(id) = not_an_id {
        return Err(ClientError::BadAnswer {
            status: 200,
            detail: format!("the server named an account or shop whose id {id:?} is not a UUID"),
        }
        .into());
    }
    // The user's own row first: the local shop's owner is about to become them.
    let own = [user_scope(&account.user_id)];
    let db = ViaStore(access);
    replica::pull_scopes(&db, capture, &client, &own).await?;
    if let Some(shop) = &server_shop {
        replica::pull_scopes(&db, capture, &client, std::slice::from_ref(shop)).await?;
    }
    let (acc, capture2, shop) = (account.clone(), capture.clone(), server_shop.clone());
    access
        .with_store(move |store| adopt(store, &capture2, &acc, shop.as_deref()))
        .await?;
    if server_shop.is_none() {
        // The account's shop is this one from now: pushed at once, so a device signing in next
        // joins it instead of making a second shop.
        replica::push_all(&db, &client).await?;
    }
    Ok(SignedIn {
        account,
        token: response.token,
    })
}

/// Makes the local shop the account's (see [`sign_in`]) and records the account, in one
/// transaction: a failure half way leaves the device as it was, signed out.
fn adopt(
    store: &mut Store,
    capture: &Capture,
    account: &Account,
    server_shop: Option<&str>,
) -> Result<(), DeviceError> {
    store.write(|tx| {
        let local_shop = tx.shop_id().to_owned();
        let conn = tx.transaction();
        let placeholder_owner: Option<String> = conn
            .query_row(
                "SELECT owner_id FROM shops WHERE id = ?1",
                [&local_shop],
                |r| r.get(0),
            )
            .optional()?;
        // The user's row normally came with the pull; a placeholder until it does.
        capture.applying_remote(|| {
            conn.execute(
                "INSERT OR IGNORE INTO users (id, name, email, role) VALUES (?1, ?2, ?2, ?3)",
                params![account.user_id, account.email, role_text(account.role)],
            )
        })?;
        match server_shop {
            Some(shop) if shop != local_shop => {
                tx.move_to_shop(shop)?;
                let conn = tx.transaction();
                forget_unpushed(conn, "shops", &local_shop)?;
                // An item whose SKU the shop had was given a distinct one: listed, for the user.
                crate::conflicts::detect_table(conn, "seller_products")?;
            }
            Some(_) => {}
            None => {
                tx.transaction().execute(
                    "UPDATE shops SET owner_id = ?2 WHERE id = ?1 AND owner_id <> ?2",
                    params![local_shop, account.user_id],
                )?;
            }
        }
        let conn = tx.transaction();
        // The first start's stand-in owner, never pushed, goes once nothing refers to it.
        if let Some(owner) = placeholder_owner.filter(|o| *o != account.user_id) {
            let still_used: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM shops WHERE owner_id = ?1)",
                [&owner],
                |r| r.get(0),
            )?;
            if !still_used {
                capture.applying_remote(|| {
                    conn.execute(
                        "DELETE FROM users WHERE id = ?1 AND email LIKE 'local-%@seller-panel.invalid'",
                        [&owner],
                    )
                })?;
                forget_unpushed(conn, "users", &owner)?;
            }
        }
        set_meta(conn, "server", &account.server)?;
        set_meta(conn, "email", &account.email)?;
        set_meta(conn, "user_id", &account.user_id)?;
        set_meta(conn, "role", role_text(account.role))?;
        clear_meta(conn, "last_error")?;
        clear_meta(conn, "last_error_kind")?;
        clear_meta(conn, "restored_at")?;
        Ok(())
    })
}

/// Drops the clocks of a row no server has ever had, so its deletion is not pushed.
fn forget_unpushed(conn: &Connection, table: &str, pk: &str) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM sync_clock WHERE tbl = ?1 AND pk = ?2",
        params![table, pk],
    )?;
    Ok(())
}

fn role_text(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::Seller => "seller",
        Role::Customer => "customer",
    }
}

/// Forgets the account (the caller removes the token from the keyring). Local data stays.
pub fn sign_out(conn: &Connection) -> rusqlite::Result<()> {
    for key in [
        "server",
        "email",
        "user_id",
        "role",
        "last_error",
        "last_error_kind",
    ] {
        clear_meta(conn, key)?;
    }
    conn.execute("DELETE FROM sync_cursors", [])?;
    Ok(())
}

/// The scopes a signed-in device reads now.
pub async fn scopes(client: &SyncClient) -> Result<Vec<String>, ClientError> {
    Ok(client.me().await?.scopes)
}

/// One sync round for a signed-in device: scopes asked afresh (a shop made since sign-in
/// included), push, pull, push; the outcome recorded for the Sync area.
pub async fn sync_round<A: StoreAccess>(
    access: &A,
    capture: &Capture,
    client: &SyncClient,
) -> Result<replica::SyncReport, DeviceError> {
    let db = ViaStore(access);
    let outcome = round(&db, capture, client).await;
    let message = outcome
        .as_ref()
        .err()
        .map(|e| (e.to_string(), ErrorKind::of(e)));
    access
        .with_store(move |store| {
            store.write(|tx| {
                let conn = tx.transaction();
                match message {
                    None => {
                        set_meta(conn, "last_sync_at", &seller_store::now_rfc3339())?;
                        clear_meta(conn, "last_error")?;
                        clear_meta(conn, "last_error_kind")?;
                    }
                    Some((message, kind)) => {
                        set_meta(conn, "last_error", &message)?;
                        set_meta(conn, "last_error_kind", kind.as_str())?;
                    }
                }
                Ok(())
            })
        })
        .await?;
    outcome
}

/// Waits up to `timeout` for another device's changes to reach the server; the scopes that
/// changed (none when the wait timed out).
pub async fn wait_for_server<A: StoreAccess>(
    access: &A,
    client: &SyncClient,
    timeout: std::time::Duration,
) -> Result<Vec<String>, DeviceError> {
    let scopes = scopes(client).await?;
    Ok(replica::wait_for_changes(&ViaStore(access), client, &scopes, timeout).await?)
}

/// What went wrong, in words the app translates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The server cannot be reached (offline, server down): retried soon.
    Unreachable,
    BadAddress,
    /// Plain http to another computer, refused (the password would cross unencrypted).
    PlainHttp,
    Tls,
    BadCredentials,
    /// The token was revoked or is unknown: sign in again.
    SignedOut,
    /// The server needs a newer app.
    AppTooOld,
    /// The app needs a newer server.
    ServerTooOld,
    /// The server refused a change (out of scope, moved between shops…).
    Refused,
    /// The server failed or answered something else than the sync API.
    ServerError,
    /// The database is closed for a moment (a restore).
    StoreBusy,
    /// The server sent a row this device refuses (nothing of it was applied).
    Untrusted,
    /// Too many failed sign-ins (or the server is busy with sign-ins): wait, then try again.
    RateLimited,
    /// The server's operator revoked this device: it never signs in again under its id.
    DeviceRevoked,
    /// Reading or writing the local database failed.
    Local,
}

impl ErrorKind {
    pub fn of(error: &DeviceError) -> ErrorKind {
        match error {
            DeviceError::Client(e) | DeviceError::Sync(SyncError::Client(e)) => match e {
                ClientError::Unreachable(_) => ErrorKind::Unreachable,
                ClientError::BadAddress(_) => ErrorKind::BadAddress,
                ClientError::PlainHttp(_) => ErrorKind::PlainHttp,
                ClientError::Tls(_) => ErrorKind::Tls,
                ClientError::BadAnswer { .. } => ErrorKind::ServerError,
                ClientError::Refused(ApiError { code, .. }) => match code {
                    ApiErrorCode::BadCredentials => ErrorKind::BadCredentials,
                    ApiErrorCode::Unauthorized => ErrorKind::SignedOut,
                    ApiErrorCode::DeviceRevoked => ErrorKind::DeviceRevoked,
                    ApiErrorCode::RateLimited => ErrorKind::RateLimited,
                    ApiErrorCode::SchemaTooOld => ErrorKind::AppTooOld,
                    ApiErrorCode::SchemaTooNew => ErrorKind::ServerTooOld,
                    ApiErrorCode::Internal => ErrorKind::ServerError,
                    ApiErrorCode::OutOfScope
                    | ApiErrorCode::MovesBetweenShops
                    | ApiErrorCode::ForeignDevice
                    | ApiErrorCode::UnknownTable
                    | ApiErrorCode::MissingParent
                    | ApiErrorCode::InvalidValue
                    | ApiErrorCode::ForbiddenField
                    | ApiErrorCode::EmailTaken
                    | ApiErrorCode::BadRequest
                    | ApiErrorCode::TooLarge => ErrorKind::Refused,
                },
            },
            DeviceError::SchemaOutOfRange { .. } => ErrorKind::ServerTooOld,
            DeviceError::Sync(SyncError::Closed) => ErrorKind::StoreBusy,
            DeviceError::Sync(SyncError::Untrusted(_)) => ErrorKind::Untrusted,
            DeviceError::Store(_)
            | DeviceError::Capture(_)
            | DeviceError::Sqlite(_)
            | DeviceError::Sync(_) => ErrorKind::Local,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Unreachable => "unreachable",
            ErrorKind::BadAddress => "bad_address",
            ErrorKind::PlainHttp => "plain_http",
            ErrorKind::Tls => "tls",
            ErrorKind::BadCredentials => "bad_credentials",
            ErrorKind::SignedOut => "signed_out",
            ErrorKind::AppTooOld => "app_too_old",
            ErrorKind::ServerTooOld => "server_too_old",
            ErrorKind::Refused => "refused",
            ErrorKind::ServerError => "server_error",
            ErrorKind::StoreBusy => "store_busy",
            ErrorKind::Untrusted => "untrusted",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::DeviceRevoked => "device_revoked",
            ErrorKind::Local => "local",
        }
    }

    pub fn parse(text: &str) -> Option<ErrorKind> {
        [
            ErrorKind::Unreachable,
            ErrorKind::BadAddress,
            ErrorKind::PlainHttp,
            ErrorKind::Tls,
            ErrorKind::BadCredentials,
            ErrorKind::SignedOut,
            ErrorKind::AppTooOld,
            ErrorKind::ServerTooOld,
            ErrorKind::Refused,
            ErrorKind::ServerError,
            ErrorKind::StoreBusy,
            ErrorKind::Untrusted,
            ErrorKind::RateLimited,
            ErrorKind::DeviceRevoked,
            ErrorKind::Local,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// Push first (a shop made on this device is the server's, hence in scope, only once pushed),
/// then pull every scope the server names now, then push what the merge changed on its own.
async fn round<D: LocalDb>(
    db: &D,
    capture: &Capture,
    client: &SyncClient,
) -> Result<replica::SyncReport, DeviceError> {
    let pushed = replica::push_all(db, client).await?;
    let scopes = scopes(client).await?;
    let mut report = replica::pull_scopes(db, capture, client, &scopes).await?;
    db.with_conn(|conn| Ok(replica::all_scopes_pulled(conn)?))
        .await?;
    report.rows_pushed += pushed + replica::push_all(db, client).await?;
    Ok(report)
}

/// What the Sync area shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub account: Option<Account>,
    pub last_sync_at: Option<String>,
    pub last_error: Option<String>,
    pub last_error_kind: Option<ErrorKind>,
    pub waiting: Waiting,
    pub conflicts: Vec<Conflict>,
    /// When this database was restored from a backup and took a new device id (cleared at the
    /// next sign-in): the reason it is signed out.
    pub restored_at: Option<String>,
}

// A unique-key clash settled by a merge or by signing in, for the user to resolve. The doc
// comments are the app's TypeScript ones too.
/// A SKU or slug given to two items (offline on two devices, or by signing a device in): the
/// later one got a distinct value, for the user to choose which item keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "specta",
    derive(serde::Serialize, specta::Type),
    serde(rename = "ConflictView", rename_all = "camelCase")
)]
pub struct Conflict {
    pub table: String,
    #[cfg_attr(feature = "specta", serde(rename = "id"))]
    pub pk: String,
    pub column: String,
    /// The value the row was given where it was made.
    pub original: String,
    // `None` once the row is gone.
    /// The value it holds now.
    pub current: Option<String>,
    /// What the user knows the row by (an item's title).
    pub label: Option<String>,
    /// The item that kept the original value.
    #[cfg_attr(feature = "specta", serde(rename = "otherId"))]
    pub other_pk: String,
    pub other_current: Option<String>,
    pub other_label: Option<String>,
    pub detected_at: String,
}

pub fn status(conn: &Connection) -> rusqlite::Result<Status> {
    Ok(Status {
        account: account(conn)?,
        last_sync_at: meta(conn, "last_sync_at")?,
        last_error: meta(conn, "last_error")?,
        last_error_kind: meta(conn, "last_error_kind")?
            .as_deref()
            .and_then(ErrorKind::parse),
        waiting: replica::waiting(conn)?,
        conflicts: conflicts(conn)?,
        restored_at: meta(conn, "restored_at")?,
    })
}

pub fn conflicts(conn: &Connection) -> rusqlite::Result<Vec<Conflict>> {
    conn.prepare(
        "SELECT tbl, pk, col, coalesce(CAST(value AS TEXT), ''), other_pk, detected_at
         FROM sync_conflicts WHERE resolved_at IS NULL ORDER BY detected_at, tbl, pk",
    )?
    .query_map([], |r| {
        let (table, pk, column, other_pk): (String, String, String, String) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(4)?);
        Ok(Conflict {
            current: crate::conflicts::current(conn, &table, &pk, &column),
            label: crate::conflicts::label(conn, &table, &pk),
            other_current: crate::conflicts::current(conn, &table, &other_pk, &column),
            other_label: crate::conflicts::label(conn, &table, &other_pk),
            original: r.get(3)?,
            detected_at: r.get(5)?,
            table,
            pk,
            column,
            other_pk,
        })
    })?
    .collect()
}

/// Marks a conflict resolved (the user kept, renamed or deleted the row).
pub fn resolve_conflict(
    conn: &Connection,
    table: &str,
    pk: &str,
    column: &str,
) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE sync_conflicts SET resolved_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE tbl = ?1 AND pk = ?2 AND col = ?3 AND resolved_at IS NULL",
        params![table, pk, column],
    )? == 1)
}

/// What the app asks sync about its database, through the store rather than SQL of its own:
/// the same as [`account`], [`status`], [`conflicts`], [`sign_out`], [`resolve_conflict`] and
/// [`crate::conflicts::choose`], on the store's connection.
pub trait SyncedStore {
    /// The account this device is signed in to, if any.
    fn sync_account(&self) -> rusqlite::Result<Option<Account>>;
    /// What the Sync area shows.
    fn sync_status(&self) -> rusqlite::Result<Status>;
    /// The open conflicts.
    fn sync_conflicts(&self) -> rusqlite::Result<Vec<Conflict>>;
    /// Forgets the account (the caller removes the token from the keyring), in one
    /// transaction. Local data stays.
    fn sync_sign_out(&mut self) -> Result<(), seller_store::StoreError>;
    /// Marks a conflict resolved; `false` when none was open.
    fn resolve_sync_conflict(
        &mut self,
        table: &str,
        pk: &str,
        column: &str,
    ) -> rusqlite::Result<bool>;
    /// Which of a conflict's two rows keeps the value both were given.
    fn choose_sync_conflict_value(
        &mut self,
        table: &str,
        pk: &str,
        column: &str,
        keep: crate::conflicts::Keep,
    ) -> Result<(), crate::conflicts::ResolveError>;
}

impl SyncedStore for Store {
    fn sync_account(&self) -> rusqlite::Result<Option<Account>> {
        account(self.connection())
    }

    fn sync_status(&self) -> rusqlite::Result<Status> {
        status(self.connection())
    }

    fn sync_conflicts(&self) -> rusqlite::Result<Vec<Conflict>> {
        conflicts(self.connection())
    }

    fn sync_sign_out(&mut self) -> Result<(), seller_store::StoreError> {
        self.write(|tx| Ok(sign_out(tx.transaction())?))
    }

    fn resolve_sync_conflict(
        &mut self,
        table: &str,
        pk: &str,
        column: &str,
    ) -> rusqlite::Result<bool> {
        resolve_conflict(self.connection(), table, pk, column)
    }

    fn choose_sync_conflict_value(
        &mut self,
        table: &str,
        pk: &str,
        column: &str,
        keep: crate::conflicts::Keep,
    ) -> Result<(), crate::conflicts::ResolveError> {
        crate::conflicts::choose(self.connection(), table, pk, column, keep)
    }
}
