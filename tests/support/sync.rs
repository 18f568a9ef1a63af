//! Sync test harness: a sync server on 127.0.0.1 (in this process, on SQLite or on the
//! PostgreSQL of `scripts/with-test-postgres`) and devices, each a real app database opened as
//! the app opens it (capture on), syncing over HTTP.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use seller_store::Store;
use seller_store::raw::RawSql;
use seller_sync::capture::Capture;
use seller_sync::client::SyncClient;
use seller_sync::device::{self, StoreAccess};
use seller_sync::protocol::Role;
use seller_sync_server::api::Limits;
use seller_sync_server::auth::hash_password;
use seller_sync_server::storage::postgres::PostgresStorage;
use seller_sync_server::storage::sqlite::SqliteStorage;
use seller_sync_server::storage::{NewUser, Storage};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The server's storage, to add users while it serves.
#[derive(Clone)]
pub enum AnyStorage {
    Sqlite(SqliteStorage),
    Postgres(PostgresStorage),
}

impl AnyStorage {
    async fn create_user(&self, user: &NewUser, hlc: seller_sync::hlc::Hlc) {
        match self {
            AnyStorage::Sqlite(s) => s.create_user(user, hlc).await.unwrap(),
            AnyStorage::Postgres(s) => s.create_user(user, hlc).await.unwrap(),
        }
    }
}

pub struct Server {
    pub address: String,
    pub storage: AnyStorage,
    /// `sqlite:PATH` or the PostgreSQL URL: where the server's data is, for plain SQL checks.
    pub database: String,
    /// (e-mail, user id) of each seller.
    pub users: Vec<(String, String)>,
    _dir: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

// The server crate's test helpers: a fresh PostgreSQL database, plain SQL on the server's own
// database.
pub use seller_test_sync_backends::{new_postgres_database, sql_rows as server_rows};

pub const PASSWORD: &str = "mot de passe solide";

/// Starts a server with one seller per e-mail in `sellers` (password [`PASSWORD`]).
pub async fn start_server(backend: Backend, sellers: &[&str]) -> Server {
    start_server_with(backend, sellers, Limits::default()).await
}

/// [`start_server`], with the server's request limits given.
pub async fn start_server_with(backend: Backend, sellers: &[&str], limits: Limits) -> Server {
    let dir = tempfile::tempdir().unwrap();
    match backend {
        Backend::Sqlite => {
            let path = dir.path().join("server.sqlite3");
            let storage = SqliteStorage::open(&path).unwrap();
            let any = AnyStorage::Sqlite(storage.clone());
            serve(
                storage,
                any,
                format!("sqlite:{}", path.display()),
                dir,
                sellers,
                limits,
            )
            .await
        }
        Backend::Postgres => {
            let url = new_postgres_database().await;
            let storage = PostgresStorage::connect(&url).await.unwrap();
            let any = AnyStorage::Postgres(storage.clone());
            serve(storage, any, url, dir, sellers, limits).await
        }
    }
}

async fn serve<S: Storage + Clone>(
    storage: S,
    any: AnyStorage,
    database: String,
    dir: tempfile::TempDir,
    sellers: &[&str],
    limits: Limits,
) -> Server {
    let clock = seller_sync::hlc::Clock::new();
    let mut users = Vec::new();
    for email in sellers {
        let id = uuid::Uuid::now_v7().to_string();
        storage
            .create_user(
                &NewUser {
                    id: id.clone(),
                    name: email.to_string(),
                    email: email.to_string(),
                    password_hash: hash_password(PASSWORD).unwrap(),
                    role: Role::Seller,
                },
                clock.stamp(seller_sync::hlc::wall_ms_now()),
            )
            .await
            .unwrap();
        users.push((email.to_string(), id));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let app = seller_sync_server::api::router_with(storage, limits);
    let task = tokio::spawn(async move {
        let _ = seller_sync_server::serve::serve(listener, app, None, std::future::pending()).await;
    });
    Server {
        address,
        storage: any,
        database,
        users,
        _dir: dir,
        task,
    }
}

impl Server {
    /// Adds a seller whose password hash is cheap to check (argon2 with the smallest cost: the
    /// server reads the cost from the hash), for tests that sign in thousands of devices.
    pub async fn add_seller(&self, email: &str) -> String {
        use std::sync::OnceLock;
        static CHEAP: OnceLock<String> = OnceLock::new();
        let hash = CHEAP
            .get_or_init(|| {
                use argon2::password_hash::{PasswordHasher, SaltString};
                let params = argon2::Params::new(8, 1, 1, None).unwrap();
                let argon = argon2::Argon2::new(
                    argon2::Algorithm::Argon2id,
                    argon2::Version::V0x13,
                    params,
                );
                let salt = SaltString::encode_b64(b"convergence-salt").unwrap();
                argon
                    .hash_password(PASSWORD.as_bytes(), &salt)
                    .unwrap()
                    .to_string()
            })
            .clone();
        let id = uuid::Uuid::now_v7().to_string();
        let user = NewUser {
            id: id.clone(),
            name: email.to_owned(),
            email: email.to_owned(),
            password_hash: hash,
            role: Role::Seller,
        };
        self.storage
            .create_user(
                &user,
                seller_sync::hlc::Clock::new().stamp(seller_sync::hlc::wall_ms_now()),
            )
            .await;
        id
    }
}

/// An empty app database, migrated once per test process and copied for each device, with a
/// local shop and owner of its own (as a first start makes).
pub fn fresh_database(path: &Path) {
    use std::sync::OnceLock;
    static TEMPLATE: OnceLock<(tempfile::TempDir, std::path::PathBuf)> = OnceLock::new();
    let (_, template) = TEMPLATE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("template.sqlite3");
        let store = Store::open(&file).unwrap();
        store
            .connection()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
        drop(store);
        (dir, file)
    });
    std::fs::copy(template, path).unwrap();
    let conn = rusqlite::Connection::open(path).unwrap();
    let (user, shop) = (
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
    );
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = ON;
         PRAGMA defer_foreign_keys = ON;
         BEGIN;
         UPDATE users SET id = '{user}', email = 'local-{user}@seller-panel.invalid';
         UPDATE shops SET id = '{shop}', owner_id = '{user}', slug = 'local-{shop}';
         UPDATE app_settings SET value = '{shop}' WHERE key = 'local_shop_id';
         COMMIT;"
    ))
    .unwrap();
}

/// A wall clock for devices that starts at the time it is made and moves one millisecond at each
/// reading. Devices sharing it stamp their writes in the order the test makes them, with no
/// sleeping between writes and no two writes read at the same millisecond.
pub fn ticking_clock() -> seller_sync::capture::WallClock {
    let next = Arc::new(AtomicU64::new(seller_sync::hlc::wall_ms_now()));
    Arc::new(move || next.fetch_add(1, Ordering::SeqCst))
}

/// A device: the app's database, opened as the app opens it.
#[derive(Clone)]
pub struct Device {
    pub store: Arc<Mutex<Store>>,
    pub capture: Capture,
    pub client: Option<SyncClient>,
}

impl StoreAccess for Device {
    async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, device::DeviceError> + Send + 'static,
    ) -> Result<T, device::DeviceError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&mut store.lock().unwrap()))
            .await
            .unwrap()
    }
}

impl Device {
    pub fn open(path: &Path) -> Device {
        Device::open_with_clock(path, std::sync::Arc::new(seller_sync::hlc::wall_ms_now))
    }

    /// A device whose clock reads `wall`.
    pub fn open_with_clock(path: &Path, wall: seller_sync::capture::WallClock) -> Device {
        let (store, capture) = device::open_with_clock(path, wall).unwrap();
        Device {
            store: Arc::new(Mutex::new(store)),
            capture,
            client: None,
        }
    }

    pub fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap()
    }

    pub async fn sign_in(&mut self, server: &Server, email: &str) {
        self.sign_in_at(&server.address, email).await;
    }

    /// Signs in to the server at `address` as `email` (password [`PASSWORD`]).
    pub async fn sign_in_at(&mut self, address: &str, email: &str) {
        let signed = device::sign_in(
            self,
            &self.capture.clone(),
            address,
            email,
            PASSWORD,
            "test",
        )
        .await
        .unwrap();
        self.client =
            Some(SyncClient::new(address, device::schema_version(), Some(signed.token)).unwrap());
    }

    pub async fn sync(&self) -> seller_sync::replica::SyncReport {
        device::sync_round(
            self,
            &self.capture,
            self.client.as_ref().expect("signed in"),
        )
        .await
        .unwrap()
    }

    /// Rows of a query, each as its columns joined by `|`.
    pub fn rows(&self, sql: &str) -> Vec<String> {
        let store = self.store();
        let mut stmt = store.connection().prepare(sql).unwrap();
        let n = stmt.column_count();
        stmt.query_map([], |r| {
            Ok((0..n)
                .map(|i| match r.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Null => "NULL".to_owned(),
                    rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                    rusqlite::types::ValueRef::Real(f) => f.to_string(),
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    rusqlite::types::ValueRef::Blob(b) => format!("<{} bytes>", b.len()),
                })
                .collect::<Vec<_>>()
                .join("|"))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }
}
