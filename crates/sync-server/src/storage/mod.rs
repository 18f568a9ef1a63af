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
//! - devices, their tokens (SHA-256 of the token only) and the batches already applied.

pub mod postgres;
pub mod sqlite;

use std::future::Future;

use seller_sync::hlc::Hlc;
use seller_sync::protocol::{ApiError, ApiErrorCode, PullResponse, PushBatch, PushResponse, Role};

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

#[derive(Debug, Clone)]
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
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: String,
    pub name: String,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
}

/// One backend. Every method is one transaction.
pub trait Storage: Send + Sync + 'static {
    /// The user with this e-mail (compared case-insensitively), with their password hash.
    fn user_by_email(&self, email: &str) -> impl Future<Output = Result<Option<UserAuth>>> + Send;

    /// Creates a user (the server's `add-user` command): the typed row with its password hash,
    /// and its synced cells (without the hash) stamped by the server.
    fn create_user(&self, user: &NewUser, hlc: Hlc) -> impl Future<Output = Result<()>> + Send;

    /// Records (or renews) a device's token; a device signing in again gets a new token and its
    /// old one stops working.
    fn register_device(
        &self,
        device_id: &str,
        user_id: &str,
        name: &str,
        token_hash: &str,
    ) -> impl Future<Output = Result<()>> + Send;

    fn device_by_token(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<Option<DeviceAuth>>> + Send;

    fn revoke_token(&self, token_hash: &str) -> impl Future<Output = Result<()>> + Send;

    /// The shops a user owns, oldest first.
    fn shops_of(&self, user_id: &str) -> impl Future<Output = Result<Vec<String>>> + Send;

    /// Every scope that holds rows (what an admin reads).
    fn all_scopes(&self) -> impl Future<Output = Result<Vec<String>>> + Send;

    /// Applies one batch in one transaction, unless the device's batch of that number is
    /// already applied; either way the batch is acknowledged.
    fn push(
        &self,
        ctx: &PushContext,
        batch: &PushBatch,
        now_ms: u64,
    ) -> impl Future<Output = Result<PushResponse>> + Send;

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
