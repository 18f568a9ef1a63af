//! Secrets of Seller Panel — Vinted, proxy and VNC passwords — kept in the OS keyring (Secret
//! Service on Linux, Credential Manager on Windows, Keychain on macOS) and nowhere else.
//!
//! The database only ever holds a reference to an entry (`keyring:<service>/<account>/<kind>`),
//! never the secret. A [`Secret`] cannot be serialised, prints as `<redacted>` and is wiped from
//! memory when dropped, so it cannot end up in a log, the UI or a backup by accident.

use std::fmt;

use zeroize::Zeroizing;

mod store;
pub use store::SecretStore;

/// The keyring service every entry of the app is filed under.
pub const APP_SERVICE: &str = "seller-panel";

/// A password as typed by the user. Read it with [`Secret::expose`], only where it is used.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Which of an account's secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretKind {
    /// The Vinted account's password.
    Vinted,
    /// The password of the account's proxy.
    Proxy,
    /// The password protecting the session's VNC display.
    Vnc,
}

impl SecretKind {
    pub const ALL: [SecretKind; 3] = [SecretKind::Vinted, SecretKind::Proxy, SecretKind::Vnc];

    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::Vinted => "vinted",
            SecretKind::Proxy => "proxy",
            SecretKind::Vnc => "vnc",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// No keyring service answers (on Linux: no Secret Service on the session bus).
    #[error("the system keyring is not available: {0}")]
    Unavailable(String),
    /// The keyring exists but refused access (locked, or access denied).
    #[error("the system keyring is locked or refused access: {0}")]
    Locked(String),
    #[error("the system keyring failed: {0}")]
    Failed(String),
}

pub type Result<T, E = SecretError> = std::result::Result<T, E>;

impl From<keyring::Error> for SecretError {
    fn from(err: keyring::Error) -> Self {
        match err {
            keyring::Error::PlatformFailure(e) => SecretError::Unavailable(e.to_string()),
            keyring::Error::NoStorageAccess(e) => SecretError::Locked(e.to_string()),
            other => SecretError::Failed(other.to_string()),
        }
    }
}

/// The app's entries in the OS keyring, filed under one service name.
#[derive(Debug, Clone)]
pub struct Keyring {
    service: String,
}

impl Default for Keyring {
    fn default() -> Self {
        Self::new(APP_SERVICE)
    }
}

impl Keyring {
    /// Entries filed under `service` (the app uses [`APP_SERVICE`]; tests use their own).
    pub fn new(service: &str) -> Self {
        Self {
            service: service.to_owned(),
        }
    }

    /// What the database stores in place of the secret.
    pub fn reference(&self, account_id: &str, kind: SecretKind) -> String {
        format!("keyring:{}/{}/{}", self.service, account_id, kind.as_str())
    }

    fn entry(&self, account_id: &str, kind: SecretKind) -> Result<keyring::Entry> {
        Ok(keyring::Entry::new(
            &self.service,
            &format!("{account_id}/{}", kind.as_str()),
        )?)
    }

    /// Saves (or replaces) a secret; returns the reference to store in its place.
    pub fn set(&self, account_id: &str, kind: SecretKind, secret: &Secret) -> Result<String> {
        self.entry(account_id, kind)?
            .set_password(secret.expose())?;
        Ok(self.reference(account_id, kind))
    }

    /// The secret, or `None` when none was saved.
    pub fn get(&self, account_id: &str, kind: SecretKind) -> Result<Option<Secret>> {
        match self.entry(account_id, kind)?.get_password() {
            Ok(password) => Ok(Some(Secret::new(password))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// Forgets a secret; forgetting one that was never saved is not an error.
    pub fn delete(&self, account_id: &str, kind: SecretKind) -> Result<()> {
        match self.entry(account_id, kind)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    /// Forgets every secret of an account.
    pub fn delete_all(&self, account_id: &str) -> Result<()> {
        for kind in SecretKind::ALL {
            self.delete(account_id, kind)?;
        }
        Ok(())
    }

    /// A sync server's device token for this device (filed as `sync-token/<device id>`).
    pub fn sync_token(&self, device_id: &str) -> Result<Option<Secret>> {
        match self.sync_entry(device_id)?.get_password() {
            Ok(token) => Ok(Some(Secret::new(token))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    pub fn set_sync_token(&self, device_id: &str, token: &Secret) -> Result<()> {
        Ok(self.sync_entry(device_id)?.set_password(token.expose())?)
    }

    pub fn delete_sync_token(&self, device_id: &str) -> Result<()> {
        match self.sync_entry(device_id)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    fn sync_entry(&self, device_id: &str) -> Result<keyring::Entry> {
        Ok(keyring::Entry::new(
            &self.service,
            &format!("sync-token/{device_id}"),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints() {
        let secret = Secret::new("hunter2-ÉTÉ");
        assert_eq!(format!("{secret:?}"), "<redacted>");
        assert_eq!(format!("{:?}", Some(secret.clone())), "Some(<redacted>)");
        assert_eq!(secret.expose(), "hunter2-ÉTÉ");
    }

    #[test]
    fn references_name_the_entry_not_the_secret() {
        let keyring = Keyring::default();
        assert_eq!(
            keyring.reference("0193-abc", SecretKind::Proxy),
            "keyring:seller-panel/0193-abc/proxy"
        );
    }
}
