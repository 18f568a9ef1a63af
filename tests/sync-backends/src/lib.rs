//! The sync server's two storage backends, each fresh for one test: a SQLite file in a temporary
//! folder, or a new database on the PostgreSQL server `scripts/with-test-postgres` started. For
//! the server's own tests and the cross-crate sync tests alike.

use seller_sync_server::storage::postgres::PostgresStorage;
use seller_sync_server::storage::sqlite::SqliteStorage;

pub struct Fresh<S> {
    pub storage: S,
    /// Where the data lives, for a second storage opened on it (a restarted server).
    pub location: String,
    _dir: Option<tempfile::TempDir>,
}

pub fn sqlite() -> Fresh<SqliteStorage> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.sqlite3");
    Fresh {
        storage: SqliteStorage::open(&path).unwrap(),
        location: format!("sqlite:{}", path.display()),
        _dir: Some(dir),
    }
}

/// The admin URL of the test PostgreSQL server.
pub fn postgres_admin_url() -> String {
    std::env::var("SELLER_TEST_POSTGRES_URL").expect(
        "SELLER_TEST_POSTGRES_URL is not set: run the tests through scripts/test, or wrap them in \
         scripts/with-test-postgres",
    )
}

/// A new, empty database on the test server; its URL.
pub async fn new_postgres_database() -> String {
    let admin = postgres_admin_url();
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

pub async fn postgres() -> Fresh<PostgresStorage> {
    let url = new_postgres_database().await;
    Fresh {
        storage: PostgresStorage::connect(&url).await.unwrap(),
        location: url,
        _dir: None,
    }
}

/// Runs a query on the backend's own database with plain SQL (as an operator would), each row's
/// columns as text joined by `|`.
pub async fn sql_rows(location: &str, sql: &str) -> Vec<String> {
    if let Some(path) = location.strip_prefix("sqlite:") {
        let conn = rusqlite::Connection::open(path).unwrap();
        let mut stmt = conn.prepare(sql).unwrap();
        let n = stmt.column_count();
        stmt.query_map([], |r| {
            Ok((0..n)
                .map(|i| match r.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Null => "NULL".to_owned(),
                    rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                    rusqlite::types::ValueRef::Real(f) => f.to_string(),
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    rusqlite::types::ValueRef::Blob(_) => "<blob>".to_owned(),
                })
                .collect::<Vec<_>>()
                .join("|"))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    } else {
        let (client, connection) = tokio_postgres::connect(location, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        // The simple query protocol returns every column as text.
        client
            .simple_query(sql)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => Some(
                    (0..r.len())
                        .map(|i| r.get(i).unwrap_or("NULL").to_owned())
                        .collect::<Vec<_>>()
                        .join("|"),
                ),
                _ => None,
            })
            .collect()
    }
}
