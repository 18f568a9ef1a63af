//! What devices and the server say to each other over HTTP, as JSON.
//!
//! - `POST /v1/login` [`LoginRequest`] → [`LoginResponse`]: a device token for this device;
//! - `POST /v1/push` [`PushRequest`] → [`PushResponse`]: batches of local changes, each
//!   identified by the device's own sequence number so a batch sent twice is applied once;
//! - `GET /v1/pull?scope=…&after=…&limit=…` → [`PullResponse`]: the rows of one scope (a shop, or
//!   [`REFERENCE_SCOPE`]) changed after a server sequence number, in commit order, in pages;
//! - `GET /v1/me` → [`Me`]: the signed-in user and the scopes they read now;
//! - `POST /v1/wait` [`WaitRequest`] → [`WaitResponse`]: a long poll for changes;
//! - `POST /v1/logout`: revokes the token.
//!
//! Every refusal is an [`ApiError`] whose [`ApiErrorCode`] the app translates.

use serde::{Deserialize, Serialize};

use crate::hlc::Hlc;
use crate::value::Value;

/// The scope of the read-only reference tables (plans, categories, attributes, pages, coupons).
pub const REFERENCE_SCOPE: &str = "";

/// Requests carry the app's schema version; each side serves a range of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaRange {
    pub min: u32,
    pub max: u32,
}

impl SchemaRange {
    pub fn contains(self, version: u32) -> bool {
        (self.min..=self.max).contains(&version)
    }
}

/// The header that carries the client's schema version on every request.
pub const SCHEMA_HEADER: &str = "x-seller-schema";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Seller,
    Customer,
}

/// Debug shows no password (see below): requests are logged and appear in test failures.
#[derive(Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// The device's own id: the one its changes are stamped with.
    pub device_id: String,
    /// A name the user recognises the device by ("Laptop", the host name).
    pub device_name: String,
}

/// Debug shows no token (see below).
#[derive(Clone, Serialize, Deserialize)]
pub struct LoginResponse {
    /// Sent back as `Authorization: Bearer …`; kept in the device's keyring.
    pub token: String,
    pub user_id: String,
    pub role: Role,
    /// The scopes this token reads: the user's shops, then [`REFERENCE_SCOPE`].
    pub scopes: Vec<String>,
    pub schema: SchemaRange,
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .field("device_id", &self.device_id)
            .field("device_name", &self.device_name)
            .finish()
    }
}

impl std::fmt::Debug for LoginResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginResponse")
            .field("token", &"<redacted>")
            .field("user_id", &self.user_id)
            .field("role", &self.role)
            .field("scopes", &self.scopes)
            .field("schema", &self.schema)
            .finish()
    }
}

/// `POST /v1/account/email`: a new sign-in e-mail for the token's user, with their password
/// (a token alone cannot take an account over). Answered `204 No Content`; the user's row, its
/// new e-mail in it, reaches their devices by sync.
#[derive(Clone, Serialize, Deserialize)]
pub struct EmailChangeRequest {
    pub email: String,
    pub password: String,
}

impl std::fmt::Debug for EmailChangeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailChangeRequest")
            .field("email", &self.email)
            .field("password", &"<hidden>")
            .finish()
    }
}

/// `GET /v1/me`: who the token signs in, and what they read now (a shop made since sign-in is
/// among the scopes).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Me {
    pub user_id: String,
    pub role: Role,
    pub scopes: Vec<String>,
}

/// `POST /v1/wait`: answers as soon as one of the scopes has changes after its cursor, or after
/// `timeout_ms` with none (a long poll, so a change reaches the other devices at once).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WaitRequest {
    /// Scope → the cursor the device holds.
    pub cursors: std::collections::BTreeMap<String, i64>,
    pub timeout_ms: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitResponse {
    /// The scopes with changes after the device's cursor (empty when the wait timed out).
    pub changed: Vec<String>,
}

/// The longest device id a server signs in (and so the longest a device accepts in a pulled
/// stamp).
pub const MAX_DEVICE_ID_BYTES: usize = 100;

/// The longest wait a server holds a request for.
pub const MAX_WAIT_MS: u64 = 60_000;

/// One changed cell, with its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub column: String,
    pub value: Value,
    pub hlc: Hlc,
    pub device: String,
}

/// A row's life: its causal length (odd alive, even deleted) and the stamp of its latest
/// creation or deletion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Life {
    pub cl: i64,
    pub hlc: Hlc,
    pub device: String,
}

/// One row's changes: its life, if it changed, and its changed cells. What a push carries and
/// a pull answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowChange {
    pub table: String,
    pub pk: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub life: Option<Life>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cells: Vec<Cell>,
}

/// Rows per batch a device pushes (a server's default limits take at least this).
pub const BATCH_ROWS: usize = 500;
/// Batches per push request a device sends (a server's default limits take at least this).
pub const BATCHES_PER_REQUEST: usize = 8;
/// Rows per page a device pulls.
pub const PAGE_ROWS: u32 = 2_000;

/// One batch of changes, numbered by the device (1, 2, 3…). A number the server already has is
/// acknowledged again without being applied again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushBatch {
    pub device_seq: i64,
    pub rows: Vec<RowChange>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushRequest {
    pub batches: Vec<PushBatch>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// The device sequence numbers now held by the server (applied now or before).
    pub acked: Vec<i64>,
    /// Cells whose stamp was too far in the server's future and was brought back; the device
    /// takes these stamps for its own cells so every replica orders them alike.
    pub clamped: Vec<ClampedCell>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClampedCell {
    pub table: String,
    pub pk: String,
    /// `""` for the row's life.
    pub column: String,
    pub hlc: Hlc,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PullQuery {
    pub scope: String,
    pub after: i64,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    /// Each row changed after the cursor, once, whole (a row moves to the end of the sequence
    /// at each change: sending only the cells changed after the page's cursor would miss those
    /// changed between the device's last pull and that cursor).
    pub rows: Vec<RowChange>,
    /// The server sequence number to ask after next time.
    pub cursor: i64,
    pub has_more: bool,
}

/// Why the server refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiErrorCode {
    /// Wrong e-mail or password.
    BadCredentials,
    /// No token, an unknown one, or a revoked one.
    Unauthorized,
    /// A row of a shop this user does not own, or a reference table written by a seller.
    OutOfScope,
    /// A change that would move a row from one shop to another.
    MovesBetweenShops,
    /// A table or column the server does not sync.
    UnknownTable,
    /// A new row whose parent the server does not have yet: batches arrived out of order.
    /// Nothing of the batch was applied; sending the outbox again, in order, succeeds.
    MissingParent,
    /// A cell stamped by another device than the token's.
    ForeignDevice,
    SchemaTooOld,
    SchemaTooNew,
    BadRequest,
    /// A value its column may not hold: a row id or a foreign key that is not a UUID, a value
    /// of the wrong type, NULL in a NOT NULL column, a NUL character, a cell over 1 MiB.
    InvalidValue,
    /// A change of a `users` column this account may not make: only an admin changes roles,
    /// and an e-mail changes through its own request, with the password.
    ForbiddenField,
    /// Another user signs in with this e-mail address (compared case-insensitively).
    EmailTaken,
    /// Too many requests of this kind (failed sign-ins, long polls): the `Retry-After` header
    /// says in how many seconds to try again.
    RateLimited,
    /// The request is larger than the server takes (body, batches per request, rows per batch).
    TooLarge,
    /// The server's operator revoked this device: it never signs in again under its id.
    DeviceRevoked,
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ApiErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ApiErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod debug_redaction_tests {
    use super::*;

    #[test]
    fn debug_output_of_a_sign_in_holds_no_password_or_token() {
        let request = LoginRequest {
            email: "camille@example.fr".into(),
            password: "Correct-Horse-42".into(),
            device_id: "0190f0aa-1111-7abc-8def-0123456789ab".into(),
            device_name: "Laptop".into(),
        };
        let shown = format!("{request:?} {request:#?}");
        assert!(!shown.contains("Correct-Horse-42"), "{shown}");
        assert!(shown.contains("camille@example.fr") && shown.contains("Laptop"));
        let response: LoginResponse = serde_json::from_value(serde_json::json!({
            "token": "tok-5ecret-0123456789",
            "user_id": "u",
            "role": "seller",
            "scopes": ["s"],
            "schema": {"min": 1, "max": 2},
        }))
        .unwrap();
        let shown = format!("{response:?} {response:#?}");
        assert!(!shown.contains("tok-5ecret-0123456789"), "{shown}");
        assert!(shown.contains("Seller"));
    }
}
