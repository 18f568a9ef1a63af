//! Where the server keeps everything: one [`Storage`] trait, two backends ([`sqlite`], the
//! default, and [`postgres`]), each with its own migrations and the same behaviour, which one
//! conformance suite checks (`tests/conformance.rs`).
//!
//! Both keep the same three things:
//! - the sync log, `sync_cells`: per cell its latest value and clock, and per row (`col = ''`)
//!   its causal length and the scope's sequence number of its latest change; a pull reads the
//!   rows of a scope in sequence order, so the log compacts itself and an initial sync is a pull
//!   from 0;
//! - the typed marketplace tables (schema.rs), written in the same transaction as each push;
//! - devices, their tokens (SHA-256 of the token only) and the batches already applied. A
//!   signed-out or revoked device's token column holds `signed-out:<device id>` (unique, never
//!   a hash: those are 64 hex digits), so no token finds it.

pub mod postgres;
pub mod sqlite;

use std::future::Future;

use seller_sync_core::hlc::Hlc;
use seller_sync_core::protocol::{
    ApiError, ApiErrorCode, PullResponse, PushBatch, PushResponse, Role,
};

use crate::push::PushContext;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("PostgreSQL pool: {0}")]
    Pool(String),
    #[error("{0}")]
    Refused(ApiError),
    #[error("corrupt sync log: {0}")]
    Corrupt(String),
}

impl StorageError {
    /// The error as the client sees it: a refusal as it is, anything else as an internal error
    /// (logged in full on the server).
    pub fn to_api(&self) -> ApiError {
        match self {
            StorageError::Refused(e) => e.clone(),
            other => ApiError::new(
                ApiErrorCode::Internal,
                format!("the server failed: {other}"),
            ),
        }
    }
}

impl From<ApiError> for StorageError {
    fn from(e: ApiError) -> Self {
        StorageError::Refused(e)
    }
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Prints without its password hash (an offline guess needs only the hash).
#[derive(Clone)]
pub struct UserAuth {
    pub id: String,
    pub role: Role,
    /// The argon2 PHC string.
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct DeviceAuth {
    pub device_id: String,
    pub user_id: String,
    pub role: Role,
    /// When the token was last used (written at most once per [`crate::api::SEEN_EVERY`]) or,
    /// never used, when it was issued: a token unused for [`crate::api::TOKEN_IDLE`] is refused.
    pub last_seen: chrono::DateTime<chrono::Utc>,
}

/// A device as the operator lists it (`seller-sync-server devices`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub id: String,
    pub name: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    pub last_seen_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// Prints without its password hash.
#[derive(Clone)]
pub struct NewUser {
    pub id: String,
    pub name: String,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
}

impl std::fmt::Debug for UserAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserAuth")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("password_hash", &"<redacted>")
            .finish()
    }
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("email", &self.email)
            .field("password_hash", &"<redacted>")
            .field("role", &self.role)
            .finish()
    }
}

/// One backend. Every method is one transaction.
pub trait Storage: Send + Sync + 'static {
    /// The user with this e-mail (compared case-insensitively), with their password hash.
    fn user_by_email(&self, email: &str) -> impl Future<Output = Result<Option<UserAuth>>> + Send;

    /// Creates a user (the server's `add-user` command): the typed row with its password hash,
    /// and its synced cells (without the hash) stamped by the server.
    fn create_user(&self, user: &NewUser, hlc: Hlc) -> impl Future<Output = Result<()>> + Send;

    /// The user with this id, with their password hash.
    fn user_by_id(&self, user_id: &str) -> impl Future<Output = Result<Option<UserAuth>>> + Send;

    /// Gives a user a new e-mail: the typed row and its synced cell, stamped by the server
    /// (`now_ms` by its clock), so the user's devices pull it. Refused with `email_taken` when
    /// another user has it, whatever its case.
    fn change_email(
        &self,
        user_id: &str,
        email: &str,
        now_ms: u64,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Records (or renews) a device's token; a device signing in again gets a new token and its
    /// old one stops working. A device another user holds is refused (`foreign_device`), and a
    /// revoked one stays revoked (`device_revoked`).
    fn register_device(
        &self,
        device_id: &str,
        user_id: &str,
        name: &str,
        token_hash: &str,
    ) -> impl Future<Output = Result<()>> + Send;

    /// The device holding this token, unless it is revoked or signed out.
    fn device_by_token(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<Option<DeviceAuth>>> + Send;

    /// Records that the device used its token now (its sign-in lasts from here).
    fn touch_device(&self, device_id: &str) -> impl Future<Output = Result<()>> + Send;

    /// Signs out: the token stops working; the device may sign in again.
    fn revoke_token(&self, token_hash: &str) -> impl Future<Output = Result<()>> + Send;

    /// A user's devices, oldest first.
    fn devices_of(&self, user_id: &str) -> impl Future<Output = Result<Vec<DeviceInfo>>> + Send;

    /// Revokes one device for good: its token stops working and it never signs in again under
    /// this id. False when no such device exists.
    fn revoke_device(&self, device_id: &str) -> impl Future<Output = Result<bool>> + Send;

    /// Revokes every device of a user not revoked yet; how many.
    fn revoke_devices(&self, user_id: &str) -> impl Future<Output = Result<u64>> + Send;

    /// The shops a user owns, oldest first.
    fn shops_of(&self, user_id: &str) -> impl Future<Output = Result<Vec<String>>> + Send;

    /// Every scope that holds rows (what an admin reads).
    fn all_scopes(&self) -> impl Future<Output = Result<Vec<String>>> + Send;

    /// Applies a request's batches in order, in one transaction: a batch the device already
    /// sent is acknowledged without being applied again; one refused batch refuses them all,
    /// so a refused request changes nothing.
    fn push_all(
        &self,
        ctx: &PushContext,
        batches: &[PushBatch],
        now_ms: u64,
    ) -> impl Future<Output = Result<PushResponse>> + Send;

    /// [`Storage::push_all`] of one batch.
    fn push(
        &self,
        ctx: &PushContext,
        batch: &PushBatch,
        now_ms: u64,
    ) -> impl Future<Output = Result<PushResponse>> + Send {
        self.push_all(ctx, std::slice::from_ref(batch), now_ms)
    }

    /// The latest sequence number of each of `scopes` (0 for a scope with no rows yet).
    fn scope_seqs(
        &self,
        scopes: &[String],
    ) -> impl Future<Output = Result<std::collections::HashMap<String, i64>>> + Send;

    /// The rows of `scope` changed after `after`, at most `limit`, in sequence order.
    fn pull(
        &self,
        scope: &str,
        after: i64,
        limit: u32,
    ) -> impl Future<Output = Result<PullResponse>> + Send;
}

/// The error a revoked device signing in gets.
pub(crate) fn device_revoked() -> StorageError {
    StorageError::Refused(ApiError::new(
        ApiErrorCode::DeviceRevoked,
        "this device was revoked by the server's operator: it cannot sign in again under its \
         id; sign in from a new device (or a fresh data folder)",
    ))
}

/// The unique index that keeps e-mails unique whatever their case, on both backends.
pub(crate) const EMAIL_INDEX: &str = "users_email_lower";

/// The SQL creating [`EMAIL_INDEX`] (the same in both dialects).
pub(crate) fn email_index_ddl() -> String {
    format!("CREATE UNIQUE INDEX IF NOT EXISTS {EMAIL_INDEX} ON users (lower(email))")
}

/// The refusal of an e-mail another user has.
pub(crate) fn email_taken() -> StorageError {
    StorageError::Refused(ApiError::new(
        ApiErrorCode::EmailTaken,
        "another user signs in with this e-mail address",
    ))
}

/// Whether `error` is a write that [`EMAIL_INDEX`] refused: then it is [`email_taken`].
pub(crate) fn as_email_clash(error: StorageError) -> StorageError {
    let clash = match &error {
        StorageError::Sqlite(rusqlite::Error::SqliteFailure(e, Some(message))) => {
            e.code == rusqlite::ErrorCode::ConstraintViolation && message.contains(EMAIL_INDEX)
        }
        StorageError::Postgres(e) => e.as_db_error().is_some_and(|db| {
            *db.code() == tokio_postgres::error::SqlState::UNIQUE_VIOLATION
                && db.constraint() == Some(EMAIL_INDEX)
        }),
        _ => false,
    };
    if clash { email_taken() } else { error }
}

/// Why a server whose users share an e-mail (possible before e-mails were unique whatever their
/// case) does not start, and what to do.
pub(crate) fn shared_emails(emails: &[String]) -> StorageError {
    StorageError::Corrupt(format!(
        "several users sign in with the same e-mail ({}): give each user their own address in \
         the users table, then start the server again",
        emails.join(", ")
    ))
}

pub(crate) fn role_from_text(role: &str) -> Role {
    match role {
        "admin" => Role::Admin,
        "seller" => Role::Seller,
        _ => Role::Customer,
    }
}

pub(crate) fn role_text(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::Seller => "seller",
        Role::Customer => "customer",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_print_without_their_password_hash() {
        let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned();
        let new = NewUser {
            id: "0190b3a2-0000-7000-8000-000000000001".into(),
            name: "Camille".into(),
            email: "camille@example.fr".into(),
            password_hash: hash.clone(),
            role: Role::Seller,
        };
        let auth = UserAuth {
            id: new.id.clone(),
            role: Role::Seller,
            password_hash: hash.clone(),
        };
        for printed in [format!("{new:?}"), format!("{auth:?}")] {
            assert!(!printed.contains("argon2"), "{printed}");
            assert!(printed.contains("<redacted>"), "{printed}");
        }
    }
}
