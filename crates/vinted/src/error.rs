use seller_automation::browser::BrowserError;
use seller_automation::proxy::ProxyError;
use seller_automation::sessions::SessionsError;
use seller_secrets::SecretError;
use seller_store::data_dir::UnsafeId;
use seller_store::{FieldError, StoreError};

/// What can go wrong in an account's flows; each kind is one thing the UI can explain.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// "Test the proxy" failed (the error names what failed, never a credential).
    #[error(transparent)]
    Proxy(#[from] ProxyError),
    /// Fields of the form are wrong; nothing was written.
    #[error("{message}")]
    Invalid {
        message: String,
        fields: Vec<FieldError>,
    },
    #[error(
        "this account's proxy was changed on another device: confirm it in Accounts before its password is sent there"
    )]
    ProxyNeedsConfirmation,
    /// An account id that cannot name a folder (a forged synced row): no file was touched.
    #[error(transparent)]
    UnsafeId(#[from] UnsafeId),
    #[error(transparent)]
    Browser(#[from] BrowserError),
    /// A session could not start; the error says which part failed.
    #[error(transparent)]
    Sessions(#[from] SessionsError),
    #[error("the session is not running")]
    SessionNotRunning,
    #[error("this session has no VNC server")]
    VncUnavailable,
    /// The live view's bridge could not make a token.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A worker thread failed.
    #[error("{0}")]
    Internal(String),
}
