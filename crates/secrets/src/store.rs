//! The keyring calls an account's secrets need, as a trait: the OS keyring in the app, a fake
//! one that fails on demand in the tests of the paths that undo a half-saved change.

use crate::{Keyring, Result, Secret, SecretKind};

pub trait SecretStore: Clone + Send + Sync + 'static {
    /// What the database stores in place of the secret.
    fn reference(&self, account_id: &str, kind: SecretKind) -> String;
    /// Saves (or replaces) a secret; returns the reference to store in its place.
    fn set(&self, account_id: &str, kind: SecretKind, secret: &Secret) -> Result<String>;
    /// The secret, or `None` when none was saved.
    fn get(&self, account_id: &str, kind: SecretKind) -> Result<Option<Secret>>;
    /// Forgets a secret; forgetting one that was never saved is not an error.
    fn delete(&self, account_id: &str, kind: SecretKind) -> Result<()>;
}

impl SecretStore for Keyring {
    fn reference(&self, account_id: &str, kind: SecretKind) -> String {
        Keyring::reference(self, account_id, kind)
    }
    fn set(&self, account_id: &str, kind: SecretKind, secret: &Secret) -> Result<String> {
        Keyring::set(self, account_id, kind, secret)
    }
    fn get(&self, account_id: &str, kind: SecretKind) -> Result<Option<Secret>> {
        Keyring::get(self, account_id, kind)
    }
    fn delete(&self, account_id: &str, kind: SecretKind) -> Result<()> {
        Keyring::delete(self, account_id, kind)
    }
}
