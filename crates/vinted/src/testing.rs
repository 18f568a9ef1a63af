//! What the unit tests share: a store in a temporary folder opened as the app opens it (a sync
//! replica, so proxy changes from other devices are recorded), and a keyring in memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use seller_secrets::{Secret, SecretError, SecretKind, SecretStore};
use seller_store::Store;
use seller_store::accounts::{AccountDraft, Proxy, ProxyType, SellerAccount};
use seller_sync::capture::Capture;

use crate::{Error, StoreAccess};

#[derive(Clone)]
pub struct TestStore {
    pub store: Arc<Mutex<Store>>,
    pub capture: Capture,
}

impl StoreAccess for TestStore {
    type Error = Error;

    async fn with_store<T, F>(&self, work: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, Error> + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || work(&mut store.lock().unwrap()))
            .await
            .unwrap()
    }
}

pub fn open_store(dir: &std::path::Path) -> TestStore {
    let (store, capture) =
        seller_sync::device::open(&dir.join(seller_store::data_dir::DATABASE_FILE)).unwrap();
    TestStore {
        store: Arc::new(Mutex::new(store)),
        capture,
    }
}

pub fn store() -> (tempfile::TempDir, TestStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path());
    (dir, store)
}

pub fn block_on<F: std::future::Future>(task: F) -> F::Output {
    tokio::runtime::Runtime::new().unwrap().block_on(task)
}

pub async fn accounts(store: &TestStore) -> Vec<SellerAccount> {
    store
        .with_store(|store| Ok(store.accounts()?))
        .await
        .unwrap()
}

/// A keyring in memory that fails, as a locked one would, when asked to save `fail_on`.
#[derive(Clone, Default)]
pub struct FakeKeyring {
    pub entries: Arc<Mutex<HashMap<(String, SecretKind), String>>>,
    pub fail_on: Option<SecretKind>,
}

impl FakeKeyring {
    pub fn failing_on(kind: SecretKind) -> Self {
        Self {
            fail_on: Some(kind),
            ..Self::default()
        }
    }
    pub fn value(&self, id: &str, kind: SecretKind) -> Option<String> {
        self.entries
            .lock()
            .unwrap()
            .get(&(id.to_owned(), kind))
            .cloned()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.lock().unwrap().is_empty()
    }
}

impl SecretStore for FakeKeyring {
    fn reference(&self, id: &str, kind: SecretKind) -> String {
        format!("keyring:fake/{id}/{}", kind.as_str())
    }
    fn set(&self, id: &str, kind: SecretKind, secret: &Secret) -> Result<String, SecretError> {
        if self.fail_on == Some(kind) {
            return Err(SecretError::Locked("collection is locked".into()));
        }
        self.entries
            .lock()
            .unwrap()
            .insert((id.to_owned(), kind), secret.expose().to_owned());
        Ok(self.reference(id, kind))
    }
    fn get(&self, id: &str, kind: SecretKind) -> Result<Option<Secret>, SecretError> {
        Ok(self.value(id, kind).map(Secret::new))
    }
    fn delete(&self, id: &str, kind: SecretKind) -> Result<(), SecretError> {
        self.entries.lock().unwrap().remove(&(id.to_owned(), kind));
        Ok(())
    }
}

pub fn draft(name: &str) -> AccountDraft {
    AccountDraft {
        name: name.into(),
        username: Some("marie".into()),
        email: None,
        avatar: Some("M".into()),
        vinted_base_url: "https://www.vinted.fr".into(),
        proxy: Some(Proxy {
            kind: ProxyType::Socks5,
            host: "10.0.0.1".into(),
            port: 1080,
            user: Some("u".into()),
        }),
    }
}
