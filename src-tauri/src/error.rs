use seller_store::{FieldError, FieldErrorCode, StoreError};
use serde::Serialize;

/// The one error type the UI receives. It branches on `code` (and each field's code) to show a
/// translated sentence; `message` is English detail for logs and bug reports.
#[derive(Debug, Clone, Serialize, specta::Type, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{code:?}: {message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    pub fields: Vec<FieldError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ErrorCode {
    Validation,
    DuplicateSku,
    UnknownSku,
    InsufficientStock,
    NotFound,
    Database,
    NewerSchema,
    NotABackup,
    BackupDamaged,
    BackupFromNewerVersion,
    Io,
    Internal,
    /// The CSV file holds no header row (empty, or not a CSV file).
    CsvNoHeader,
    /// The column mapping cannot be used (two columns for one field, no title, …).
    CsvMapping,
    /// Rows of the CSV file are wrong and the import was asked to block; nothing was imported.
    CsvInvalidRows,
    /// The user stopped the import; nothing was imported.
    ImportCancelled,
    /// No bulk action to undo.
    NothingToUndo,
    /// The last bulk action can no longer be undone: the data changed since.
    UndoOutdated,
    /// No system keyring answers (on Linux: no Secret Service), or it failed; nothing was saved.
    KeyringUnavailable,
    /// The system keyring is locked or refused access; nothing was saved.
    KeyringLocked,
    /// "Test the proxy": the proxy refused the user name or password (HTTP 401/407, SOCKS5
    /// authentication failure).
    ProxyAuthRejected,
    /// The proxy cannot be reached: connection refused, unknown host, network unreachable.
    ProxyUnreachable,
    /// The proxy (or the address echo through it) did not answer in time.
    ProxyTimeout,
    /// Something answers on the proxy's port, but not as a proxy of the chosen type.
    NotAProxy,
    /// The proxy works but would not reach the address echo.
    ProxyTargetRefused,
    /// An `https` proxy whose TLS failed: its certificate is not trusted, or not for its name.
    ProxyTls,
    /// A proxy this version cannot use (an empty or too long SOCKS5 password, …).
    ProxyUnsupported,
    /// The connection through the proxy broke off in the middle of the exchange.
    ProxyConnectionLost,
    /// Through the proxy, the address echo answered something else than an IP address.
    ProxyEchoFailed,
    /// The address echo setting is not an `http://` URL.
    ProxyEchoUrlInvalid,
    /// Sessions: Chromium (or Chrome) is not installed.
    ChromiumMissing,
    /// Sessions: chromedriver is not installed.
    ChromedriverMissing,
    /// A session is already running (or starting) for this account.
    SessionAlreadyRunning,
    /// The account's session is not running.
    SessionNotRunning,
    /// The session has no VNC server (not on Linux).
    VncUnavailable,
    /// Starting a session: the proxy works but would not reach the account's Vinted site.
    ProxyCannotReachSite,
    /// The session was stopped while it was starting.
    SessionCancelled,
    /// The session's virtual display (Xvfb) could not start.
    SessionDisplay,
    /// The session's VNC server (x11vnc, vncpasswd) could not start.
    SessionVnc,
    /// The session could not start for another reason (the message says which part failed).
    SessionFailed,
    /// Sync: the server cannot be reached (offline, or the server is down); retried soon.
    SyncUnreachable,
    /// Sync: the server address is not a valid http(s) address.
    SyncBadAddress,
    /// Sync: the server's TLS certificate is not trusted, or not for its name.
    SyncTls,
    /// Sync: wrong e-mail or password.
    SyncBadCredentials,
    /// Sync: the device's sign-in was revoked or has expired; sign in again.
    SyncSignedOut,
    /// Sync: the server needs a newer version of the app.
    SyncAppTooOld,
    /// Sync: the app needs a newer version of the server.
    SyncServerTooOld,
    /// Sync: the server refused a change (outside the account's shop, a row moved between shops).
    SyncRefused,
    /// Sync: the server failed, or answered something that is not a sync server.
    SyncServerError,
    /// Sync: the database is being replaced (a restore); try again in a moment.
    SyncStoreBusy,
    /// Sync: the address is plain http to another computer; only https (or http to this
    /// computer) is allowed, so the password never crosses the network unencrypted.
    SyncPlainHttp,
    /// Sync: the server sent a row this device refuses (not a synced table or column, an id
    /// that is not a UUID, a value of the wrong type); nothing of it was applied.
    SyncUntrusted,
    /// Sync: too many failed sign-ins (or the server is busy with sign-ins); try again later.
    SyncRateLimited,
    /// Sync: the server's operator revoked this device; it cannot sign in again as it is.
    SyncDeviceRevoked,
    /// The account's proxy or Vinted site was changed on another device: its proxy password is
    /// not sent to the new proxy until the user confirms it on this device.
    ProxyNeedsConfirmation,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    pub fn field(field: &str, code: FieldErrorCode, message: impl Into<String>) -> Self {
        Self {
            code: ErrorCode::Validation,
            message: message.into(),
            fields: vec![FieldError::new(field, code)],
        }
    }

    pub fn internal(message: impl std::fmt::Display) -> Self {
        Self::new(ErrorCode::Internal, message.to_string())
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        let message = err.to_string();
        let (code, fields) = match err {
            StoreError::Validation(fields) => (ErrorCode::Validation, fields),
            StoreError::DuplicateSku { .. } => (
                ErrorCode::DuplicateSku,
                vec![FieldError::new("sku", FieldErrorCode::Duplicate)],
            ),
            StoreError::UnknownSku { .. } => (ErrorCode::UnknownSku, vec![]),
            StoreError::InsufficientStock { .. } => (ErrorCode::InsufficientStock, vec![]),
            StoreError::NotFound { .. } => (ErrorCode::NotFound, vec![]),
            StoreError::NewerSchema { .. } => (ErrorCode::NewerSchema, vec![]),
            StoreError::NothingToUndo => (ErrorCode::NothingToUndo, vec![]),
            StoreError::UndoOutdated => (ErrorCode::UndoOutdated, vec![]),
            StoreError::Backup { .. } => (ErrorCode::Io, vec![]),
            StoreError::ForeignKey(_) | StoreError::Migration(_) | StoreError::Sqlite(_) => {
                (ErrorCode::Database, vec![])
            }
        };
        if matches!(code, ErrorCode::Database | ErrorCode::Io) {
            tracing::error!(%message, "store error");
        }
        Self {
            code,
            message,
            fields,
        }
    }
}

impl From<std::io::Error> for AppError {
    fn from(err: std::io::Error) -> Self {
        tracing::error!(%err, "i/o error");
        Self::new(ErrorCode::Io, err.to_string())
    }
}

impl From<seller_store::backup::BackupError> for AppError {
    fn from(err: seller_store::backup::BackupError) -> Self {
        use seller_store::backup::BackupError;
        let code = match &err {
            BackupError::NotABackup { .. } => ErrorCode::NotABackup,
            BackupError::Damaged { .. } => ErrorCode::BackupDamaged,
            BackupError::NewerSchema { .. } => ErrorCode::BackupFromNewerVersion,
            BackupError::Write { .. }
            | BackupError::Replace { .. }
            | BackupError::Folder { .. } => ErrorCode::Io,
            BackupError::Sqlite(_) => ErrorCode::Database,
        };
        tracing::warn!(%err, "backup error");
        Self::new(code, err.to_string())
    }
}

impl From<seller_store::csv::CsvError> for AppError {
    fn from(err: seller_store::csv::CsvError) -> Self {
        use seller_store::csv::CsvError;
        let code = match &err {
            CsvError::NoHeader => ErrorCode::CsvNoHeader,
            CsvError::Mapping(_) => ErrorCode::CsvMapping,
            CsvError::InvalidRows { .. } => ErrorCode::CsvInvalidRows,
            CsvError::Cancelled => ErrorCode::ImportCancelled,
            CsvError::Io(_) | CsvError::Store(_) => {
                return match err {
                    CsvError::Store(err) => err.into(),
                    CsvError::Io(err) => err.into(),
                    _ => unreachable!("matched above"),
                };
            }
        };
        tracing::warn!(%err, "csv import refused");
        Self::new(code, err.to_string())
    }
}

impl From<seller_secrets::SecretError> for AppError {
    fn from(err: seller_secrets::SecretError) -> Self {
        use seller_secrets::SecretError;
        let code = match &err {
            SecretError::Locked(_) => ErrorCode::KeyringLocked,
            SecretError::Unavailable(_) | SecretError::Failed(_) => ErrorCode::KeyringUnavailable,
        };
        // The error names the keyring's failure, never a secret.
        tracing::warn!(%err, "keyring error");
        Self::new(code, err.to_string())
    }
}

impl From<seller_automation::proxy::ProxyError> for AppError {
    fn from(err: seller_automation::proxy::ProxyError) -> Self {
        // The error names what failed (never a credential: no variant carries one).
        tracing::info!(%err, "proxy test failed");
        Self::new(proxy_error_code(&err), err.to_string())
    }
}

/// The code the UI translates for each way a proxy can fail. No wildcard: a new kind of
/// failure does not compile until it has its code (and its sentence in the UI).
pub fn proxy_error_code(err: &seller_automation::proxy::ProxyError) -> ErrorCode {
    use seller_automation::proxy::ProxyError;
    match err {
        ProxyError::AuthRejected => ErrorCode::ProxyAuthRejected,
        ProxyError::Unreachable { .. } => ErrorCode::ProxyUnreachable,
        ProxyError::Timeout => ErrorCode::ProxyTimeout,
        ProxyError::NotAProxy { .. } => ErrorCode::NotAProxy,
        ProxyError::TargetRefused { .. } => ErrorCode::ProxyTargetRefused,
        ProxyError::Tls { .. } => ErrorCode::ProxyTls,
        ProxyError::Unsupported { .. } => ErrorCode::ProxyUnsupported,
        ProxyError::Io { .. } => ErrorCode::ProxyConnectionLost,
        ProxyError::EchoFailed { .. } => ErrorCode::ProxyEchoFailed,
        ProxyError::InvalidTarget { .. } => ErrorCode::ProxyEchoUrlInvalid,
    }
}

impl From<seller_store::transfer::TransferError> for AppError {
    fn from(err: seller_store::transfer::TransferError) -> Self {
        use seller_store::transfer::TransferError;
        match err {
            TransferError::Invalid {
                field,
                code,
                message,
            } => Self::field(field, code, message),
            TransferError::Folder(message) => Self::new(ErrorCode::Io, message),
            TransferError::Io(err) => err.into(),
            TransferError::Store(err) => err.into(),
            TransferError::Csv(err) => err.into(),
        }
    }
}

impl From<seller_store::photos::PhotoError> for AppError {
    fn from(err: seller_store::photos::PhotoError) -> Self {
        use seller_store::photos::PhotoError;
        match err {
            PhotoError::Refused { code, message } => Self::field("photos", code, message),
            PhotoError::Io(err) => err.into(),
        }
    }
}

impl From<seller_vinted::Error> for AppError {
    fn from(err: seller_vinted::Error) -> Self {
        use seller_vinted::Error;
        match err {
            Error::Store(err) => err.into(),
            Error::Secret(err) => err.into(),
            Error::Proxy(err) => err.into(),
            Error::Io(err) => err.into(),
            Error::Invalid { message, fields } => Self {
                fields,
                ..Self::new(ErrorCode::Validation, message)
            },
            Error::ProxyNeedsConfirmation => {
                Self::new(ErrorCode::ProxyNeedsConfirmation, err.to_string())
            }
            Error::UnsafeId(err) => {
                Self::field("accountId", FieldErrorCode::Invalid, err.to_string())
            }
            Error::Browser(err) => browser_error(err),
            Error::Sessions(err) => sessions_error(err),
            Error::SessionNotRunning => Self::new(ErrorCode::SessionNotRunning, err.to_string()),
            Error::VncUnavailable => Self::new(ErrorCode::VncUnavailable, err.to_string()),
            Error::Internal(message) => Self::internal(message),
        }
    }
}

fn browser_error(error: seller_automation::browser::BrowserError) -> AppError {
    use seller_automation::browser::BrowserError;
    let code = match error {
        BrowserError::ChromiumMissing => ErrorCode::ChromiumMissing,
        BrowserError::ChromedriverMissing => ErrorCode::ChromedriverMissing,
        _ => ErrorCode::SessionFailed,
    };
    AppError::new(code, error.to_string())
}

fn sessions_error(error: seller_automation::sessions::SessionsError) -> AppError {
    use seller_automation::proxy::ProxyError;
    use seller_automation::session::SessionError;
    use seller_automation::sessions::SessionsError;
    let message = error.to_string();
    let code = match error {
        SessionsError::AlreadyRunning => ErrorCode::SessionAlreadyRunning,
        SessionsError::Cancelled => ErrorCode::SessionCancelled,
        // The proxy works but would not reach the account's Vinted site (not the address echo
        // of the proxy test, whose sentence the generic code carries).
        SessionsError::Start(SessionError::Proxy(ProxyError::TargetRefused { .. })) => {
            ErrorCode::ProxyCannotReachSite
        }
        SessionsError::Start(SessionError::Proxy(proxy)) => proxy_error_code(&proxy),
        SessionsError::Start(SessionError::Browser(browser)) => return browser_error(browser),
        #[cfg(target_os = "linux")]
        SessionsError::Start(SessionError::Display(_)) => ErrorCode::SessionDisplay,
        #[cfg(target_os = "linux")]
        SessionsError::Start(SessionError::Vnc(_)) => ErrorCode::SessionVnc,
        SessionsError::Start(SessionError::Folder(_) | SessionError::BaseUrl(_)) => {
            ErrorCode::SessionFailed
        }
    };
    AppError::new(code, message)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use seller_automation::proxy::ProxyError;

    use super::*;

    /// One of each kind of proxy failure. The match has no wildcard, so a new variant of
    /// `ProxyError` does not compile until it is listed here (and so tested below).
    fn every_proxy_error() -> Vec<ProxyError> {
        let all = vec![
            ProxyError::AuthRejected,
            ProxyError::Unreachable {
                reason: "connection refused".into(),
            },
            ProxyError::Timeout,
            ProxyError::NotAProxy {
                detail: "the answer is not HTTP/1.x".into(),
            },
            ProxyError::TargetRefused { status: 403 },
            ProxyError::Tls {
                detail: "invalid peer certificate: UnknownIssuer".into(),
            },
            ProxyError::Unsupported {
                what: "an empty SOCKS5 password".into(),
            },
            ProxyError::InvalidTarget {
                detail: "not http://".into(),
            },
            ProxyError::Io {
                detail: "reset".into(),
            },
            ProxyError::EchoFailed {
                detail: "HTTP 500".into(),
            },
        ];
        let mut seen = [false; 10];
        for err in &all {
            let index = match err {
                ProxyError::AuthRejected => 0,
                ProxyError::Unreachable { .. } => 1,
                ProxyError::Timeout => 2,
                ProxyError::NotAProxy { .. } => 3,
                ProxyError::TargetRefused { .. } => 4,
                ProxyError::Unsupported { .. } => 5,
                ProxyError::InvalidTarget { .. } => 6,
                ProxyError::Io { .. } => 7,
                ProxyError::EchoFailed { .. } => 8,
                ProxyError::Tls { .. } => 9,
            };
            seen[index] = true;
        }
        assert!(seen.iter().all(|s| *s), "one sample per variant");
        all
    }

    #[test]
    fn every_proxy_failure_has_its_own_code() {
        let all = every_proxy_error();
        let mut codes = HashSet::new();
        for err in &all {
            let app = AppError::from(err.clone());
            assert_eq!(app.code, proxy_error_code(err));
            assert!(
                !matches!(
                    app.code,
                    ErrorCode::Internal | ErrorCode::Io | ErrorCode::Validation
                ),
                "{err:?} maps to the generic {:?}",
                app.code
            );
            assert_eq!(app.message, err.to_string());
            codes.insert(serde_json::to_string(&app.code).unwrap());
        }
        assert_eq!(
            codes.len(),
            all.len(),
            "two failures share a code: {codes:?}"
        );
        // The ones the UI must tell apart, under the names it translates.
        for expected in [
            "proxyAuthRejected",
            "proxyUnreachable",
            "proxyTimeout",
            "notAProxy",
            "proxyTargetRefused",
            "proxyTls",
            "proxyUnsupported",
        ] {
            assert!(
                codes.contains(&format!("\"{expected}\"")),
                "{expected} in {codes:?}"
            );
        }
    }

    #[test]
    fn a_failed_start_says_which_part_failed() {
        use seller_automation::browser::BrowserError;
        use seller_automation::session::SessionError;
        use seller_automation::sessions::SessionsError;
        let code = |error| sessions_error(error).code;
        assert_eq!(
            code(SessionsError::Start(SessionError::Proxy(
                ProxyError::AuthRejected
            ))),
            ErrorCode::ProxyAuthRejected
        );
        assert_eq!(
            code(SessionsError::Start(SessionError::Proxy(
                ProxyError::TargetRefused { status: 403 }
            ))),
            ErrorCode::ProxyCannotReachSite
        );
        assert_eq!(
            code(SessionsError::Start(SessionError::Browser(
                BrowserError::ChromiumMissing
            ))),
            ErrorCode::ChromiumMissing
        );
        assert_eq!(
            code(SessionsError::AlreadyRunning),
            ErrorCode::SessionAlreadyRunning
        );
        assert_eq!(code(SessionsError::Cancelled), ErrorCode::SessionCancelled);
    }

    /// The errors of the accounts' flows keep the codes and fields the UI translates.
    #[test]
    fn account_flow_errors_keep_their_codes() {
        use seller_vinted::Error;
        let unsafe_id =
            seller_store::data_dir::safe_child(std::path::Path::new("/d"), "../x").unwrap_err();
        let app = AppError::from(Error::UnsafeId(unsafe_id));
        assert_eq!(app.code, ErrorCode::Validation);
        assert_eq!(app.fields[0].field, "accountId");
        let locked = Error::Secret(seller_secrets::SecretError::Locked("locked".into()));
        assert_eq!(AppError::from(locked).code, ErrorCode::KeyringLocked);
        assert_eq!(
            AppError::from(Error::ProxyNeedsConfirmation).code,
            ErrorCode::ProxyNeedsConfirmation
        );
        let invalid = Error::Invalid {
            message: "a password to save is empty".into(),
            fields: vec![FieldError::new("vintedPassword", FieldErrorCode::Required)],
        };
        let app = AppError::from(invalid);
        assert_eq!(app.code, ErrorCode::Validation);
        assert_eq!(app.message, "a password to save is empty");
        assert_eq!(app.fields[0].field, "vintedPassword");
    }
}
