//! Sync test harness: a sync server on 127.0.0.1 (in this process, on SQLite or on the
//! PostgreSQL of `scripts/with-test-postgres`) and devices, each a real app database opened as
//! the app opens it (capture on), syncing over HTTP.

use std::path::Path;
use std::sync::{Arc, Mutex};

use seller_store::Store;
use seller_sync::capture::Capture;
use seller_sync::client::SyncClient;
use seller_sync::device::{self, StoreAccess};
use seller_sync::protocol::Role;
use seller_sync_server::auth::hash_password;
use seller_sync_server::storage::postgres::PostgresStorage;
use seller_sync_server::storage::sqlite::SqliteStorage;
use seller_sync_server::storage::{NewUser, Storage};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct Server {
    pub address: String,
    /// `sqlite:PATH` or the PostgreSQL URL: where the server's data is, for plain SQL checks.
    pub database: String,
    /// (e-mail, user id) of each seller.
    #[allow(dead_code)]
    pub users: Vec<(String, String)>,
    _dir: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub const PASSWORD: &str = "mot de passe solide";

/// A new, empty database on the test PostgreSQL server; its URL.
pub async fn new_postgres_database() -> String {
    let admin = std::env::var("SELLER_TEST_POSTGRES_URL").expect(
        "SELLER_TEST_POSTGRES_URL is not set: run the tests through scripts/test, or wrap them in \
         scripts/with-test-postgres",
    );
    let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let name = format!("t_{}", uuid::Uuid::now_v7().simple());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let (base, _) = admin.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

/// Starts a server with one seller per e-mail in `sellers` (password [`PASSWORD`]).
pub async fn start_server(backend: Backend, sellers: &[&str]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    match backend {
        Backend::Sqlite => {
            let path = dir.path().join("server.sqlite3");
            let storage = SqliteStorage::open(&path).unwrap();
            serve(storage, format!("sqlite:{}", path.display()), dir, sellers).await
        }
        Backend::Postgres => {
            let url = new_postgres_database().await;
            let storage = PostgresStorage::connect(&url).await.unwrap();
            serve(storage, url, dir, sellers).await
        }
    }
}

async fn serve<S: Storage + Clone>(
    storage: S,
    database: String,
    dir: tempfile::TempDir,
    sellers: &[&str],
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
    let app = seller_sync_server::api::router(storage);
    let task = tokio::spawn(async move {
        let _ = seller_sync_server::serve::serve(listener, app, None, std::future::pending()).await;
    });
    Server {
        address,
        database,
        users,
        _dir: dir,
        task,
    }
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
        let (store, capture) = device::open(path).unwrap();
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
        let signed = device::sign_in(
            self,
            &self.capture.clone(),
            &server.address,
            email,
            PASSWORD,
            "test",
        )
        .await
        .unwrap();
        self.client = Some(
            SyncClient::new(
                &server.address,
                device::schema_version(),
                Some(signed.token),
            )
            .unwrap(),
        );
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
