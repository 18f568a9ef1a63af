//! What a round of a signed-in device does, for the [`Scheduler`](crate::scheduler::Scheduler):
//! the account's client, with its token from wherever the app keeps it (the OS keyring), a
//! round with the server, the local changes and the server's news that wake the next one.

use std::time::Duration;

use crate::capture::Capture;
use crate::client::SyncClient;
use crate::device::{self, DeviceError, ErrorKind, StoreAccess, SyncedStore};
use crate::scheduler::Rounds;

/// Where a device's token is kept; the app's is the OS keyring, which never crosses IPC.
pub trait TokenSource: Send + Sync + 'static {
    type Error: std::error::Error + Send + 'static;

    /// The token of `device_id`; `None` when there is none (signed out).
    fn token(&self, device_id: &str) -> Result<Option<String>, Self::Error>;
}

/// The app's database as the rounds reach it: the store, and its capture while it is open.
pub trait Replica: StoreAccess + 'static {
    /// `None` while the database is closed (a restore).
    fn capture(&self) -> Option<Capture>;
}

#[derive(Debug, thiserror::Error)]
pub enum RoundError<E> {
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// The token could not be read (a locked keyring…).
    #[error(transparent)]
    Token(E),
    #[error("the database is not open")]
    NotOpen,
}

impl<E> RoundError<E> {
    /// Whether the server could not be reached (the scheduler then tries again sooner).
    pub fn is_offline(&self) -> bool {
        matches!(self, RoundError::Device(e) if ErrorKind::of(e) == ErrorKind::Unreachable)
    }
}

/// The client of the signed-in account, with its token; `None` when signed out (no account, no
/// token, or the database closed).
pub async fn signed_in_client<R: Replica, T: TokenSource>(
    replica: &R,
    tokens: &T,
) -> Result<Option<SyncClient>, RoundError<T::Error>> {
    let Some(capture) = replica.capture() else {
        return Ok(None);
    };
    let account = replica
        .with_store(|store| {
            store
                .sync_account()
                .map_err(|e| DeviceError::Store(seller_store::StoreError::from(e)))
        })
        .await?;
    let Some(account) = account else {
        return Ok(None);
    };
    let Some(token) = tokens
        .token(capture.device_id())
        .map_err(RoundError::Token)?
    else {
        return Ok(None);
    };
    let client = SyncClient::new(&account.server, device::schema_version(), Some(token))
        .map_err(DeviceError::Client)?;
    Ok(Some(client))
}

/// The rounds of a device: `replica`'s database with the signed-in account, its token from
/// `tokens`.
pub struct DeviceRounds<R, T> {
    pub replica: R,
    pub tokens: T,
}

/// How long one long poll waits for the server's news.
const LONG_POLL: Duration = Duration::from_secs(55);

impl<R: Replica, T: TokenSource> Rounds for DeviceRounds<R, T> {
    type Error = RoundError<T::Error>;

    async fn round(&self) -> Result<bool, Self::Error> {
        let Some(client) = signed_in_client(&self.replica, &self.tokens).await? else {
            return Ok(false);
        };
        let capture = self.replica.capture().ok_or(RoundError::NotOpen)?;
        let report = device::sync_round(&self.replica, &capture, &client).await?;
        tracing::info!(
            pushed = report.rows_pushed,
            pulled = report.rows_pulled,
            "sync round done"
        );
        Ok(true)
    }

    fn is_offline(error: &Self::Error) -> bool {
        error.is_offline()
    }

    async fn local_change(&self) {
        match self.replica.capture() {
            Some(capture) => capture.local_change().await,
            None => std::future::pending().await,
        }
    }

    /// Never when signed out; a long poll otherwise.
    async fn server_changes(&self) {
        let client = match signed_in_client(&self.replica, &self.tokens).await {
            Ok(Some(client)) => client,
            _ => return std::future::pending().await,
        };
        loop {
            match device::wait_for_server(&self.replica, &client, LONG_POLL).await {
                Ok(changed) if !changed.is_empty() => return,
                Ok(_) => continue,
                Err(_) => return std::future::pending().await,
            }
        }
    }
}

/// This computer's name, as the server lists the device.
pub fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "Seller Panel".to_owned())
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use seller_store::Store;
    use seller_store::raw::RawSql;

    use super::*;

    /// A database open in a temporary folder, or closed (`capture` taken away).
    struct Db {
        store: Arc<Mutex<Store>>,
        capture: Option<Capture>,
        _dir: tempfile::TempDir,
    }

    fn open() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let (store, capture) = device::open(&dir.path().join("db.sqlite3")).unwrap();
        Db {
            store: Arc::new(Mutex::new(store)),
            capture: Some(capture),
            _dir: dir,
        }
    }

    impl StoreAccess for Db {
        async fn with_store<T: Send + 'static>(
            &self,
            f: impl FnOnce(&mut Store) -> Result<T, DeviceError> + Send + 'static,
        ) -> Result<T, DeviceError> {
            let store = self.store.clone();
            tokio::task::spawn_blocking(move || f(&mut store.lock().unwrap()))
                .await
                .unwrap()
        }
    }

    impl Replica for Db {
        fn capture(&self) -> Option<Capture> {
            self.capture.clone()
        }
    }

    fn sign_in_as_if(db: &Db, server: &str) {
        let store = db.store.lock().unwrap();
        for (key, value) in [
            ("server", server),
            ("email", "a@example.com"),
            ("user_id", "u1"),
            ("role", "seller"),
        ] {
            device::set_meta(store.connection(), key, value).unwrap();
        }
    }

    #[derive(Debug, thiserror::Error)]
    #[error("the keyring is locked")]
    struct Locked;

    /// Answers `token`, or fails when it is `Err`; counts the questions.
    struct Tokens {
        token: Result<Option<&'static str>, ()>,
        asked: Mutex<usize>,
    }

    fn tokens(token: Result<Option<&'static str>, ()>) -> Tokens {
        Tokens {
            token,
            asked: Mutex::new(0),
        }
    }

    impl TokenSource for Tokens {
        type Error = Locked;

        fn token(&self, _device_id: &str) -> Result<Option<String>, Locked> {
            *self.asked.lock().unwrap() += 1;
            self.token
                .map(|t| t.map(str::to_owned))
                .map_err(|()| Locked)
        }
    }

    #[tokio::test]
    async fn signed_out_devices_have_no_round_and_the_token_is_not_asked() {
        let rounds = DeviceRounds {
            replica: open(),
            tokens: tokens(Ok(Some("token"))),
        };
        assert!(!rounds.round().await.unwrap());
        assert_eq!(*rounds.tokens.asked.lock().unwrap(), 0);
    }

    #[tokio::test]
    async fn a_closed_database_has_no_round() {
        let mut db = open();
        sign_in_as_if(&db, "http://127.0.0.1:1");
        db.capture = None;
        let rounds = DeviceRounds {
            replica: db,
            tokens: tokens(Ok(Some("token"))),
        };
        assert!(!rounds.round().await.unwrap());
    }

    #[tokio::test]
    async fn an_account_without_a_token_has_no_round() {
        let db = open();
        sign_in_as_if(&db, "http://127.0.0.1:1");
        let rounds = DeviceRounds {
            replica: db,
            tokens: tokens(Ok(None)),
        };
        assert!(!rounds.round().await.unwrap());
        assert_eq!(*rounds.tokens.asked.lock().unwrap(), 1);
    }

    #[tokio::test]
    async fn a_locked_keyring_fails_the_round_and_is_not_offline() {
        let db = open();
        sign_in_as_if(&db, "http://127.0.0.1:1");
        let rounds = DeviceRounds {
            replica: db,
            tokens: tokens(Err(())),
        };
        let error = rounds.round().await.unwrap_err();
        assert!(matches!(error, RoundError::Token(Locked)), "{error}");
        assert!(!DeviceRounds::<Db, Tokens>::is_offline(&error));
    }

    #[tokio::test]
    async fn a_server_out_of_reach_is_offline() {
        let db = open();
        sign_in_as_if(&db, "http://127.0.0.1:1");
        let rounds = DeviceRounds {
            replica: db,
            tokens: tokens(Ok(Some("token"))),
        };
        let error = rounds.round().await.unwrap_err();
        assert!(DeviceRounds::<Db, Tokens>::is_offline(&error), "{error}");
    }

    #[test]
    fn a_host_name_is_never_empty() {
        assert!(!host_name().is_empty());
    }
}
