//! Tokens and operators: a sign-in lasts while the device is used and expires after 30 unused
//! days; the operator lists a user's devices and revokes one or all, and a revoked device never
//! signs in again; the database address comes from a variable or a file; PostgreSQL over TLS.

use std::path::Path;
use std::process::Command;

use crate::support::backends::sql_rows;
use crate::support::process::{Served, run, stderr, throwaway_ca, try_run};
use chrono::{SecondsFormat, Utc};
use seller_sync_client::{ClientError, SyncClient};
use seller_sync_core::protocol::{ApiErrorCode, LoginRequest, Role};
use seller_sync_server::schema::supported_schema;
use seller_sync_server::storage::postgres::PostgresStorage;
use seller_sync_server::storage::{NewUser, Storage, StorageError};

const PASSWORD: &str = "un mot de passe solide";

async fn new_seller<S: Storage>(storage: &S, email: &str) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    storage
        .create_user(
            &NewUser {
                id: id.clone(),
                name: email.into(),
                email: email.into(),
                password_hash: seller_sync_server::auth::hash_password(PASSWORD).unwrap(),
                role: Role::Seller,
            },
            seller_sync_core::hlc::Clock::new().stamp(seller_sync_core::hlc::wall_ms_now()),
        )
        .await
        .unwrap();
    id
}

fn refusal<T: std::fmt::Debug>(result: Result<T, StorageError>) -> ApiErrorCode {
    match result {
        Err(StorageError::Refused(e)) => e.code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// An RFC 3339 time this many minutes ago, as the SQLite backend writes it.
fn ago(minutes: i64) -> String {
    (Utc::now() - chrono::Duration::minutes(minutes)).to_rfc3339_opts(SecondsFormat::Millis, true)
}

const DAY: i64 = 24 * 60;

/// Signing out ends a token, not the device; revoking ends the device for good; the operator's
/// list shows both; a device's last use is kept.
async fn sign_out_revoke_and_last_use<S: Storage>(s: &S, db: &str) {
    let user = new_seller(s, "devices@example.fr").await;
    let other = new_seller(s, "other@example.fr").await;
    let (d1, d2, d3) = (
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
    );
    s.register_device(&d1, &user, "Portable", "h1")
        .await
        .unwrap();
    s.register_device(&d2, &user, "Bureau", "h2").await.unwrap();
    s.register_device(&d3, &other, "Autre", "h3").await.unwrap();
    let listed = s.devices_of(&user).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|d| (d.id.as_str(), d.name.as_str(), d.revoked_at.is_none()))
            .collect::<Vec<_>>(),
        vec![
            (d1.as_str(), "Portable", true),
            (d2.as_str(), "Bureau", true)
        ]
    );
    assert!(listed.iter().all(|d| d.last_seen_at.is_some()));
    assert!(listed[0].created_at.ends_with('Z'), "{:?}", listed[0]);

    // Signing out: the token stops, the device signs in again.
    s.revoke_token("h1").await.unwrap();
    assert!(s.device_by_token("h1").await.unwrap().is_none());
    s.register_device(&d1, &user, "Portable", "h1b")
        .await
        .unwrap();
    assert!(s.device_by_token("h1b").await.unwrap().is_some());

    // Revoked: the token stops and signing in again is refused, whatever the token.
    assert!(s.revoke_device(&d1).await.unwrap());
    assert!(s.device_by_token("h1b").await.unwrap().is_none());
    assert_eq!(
        refusal(s.register_device(&d1, &user, "Portable", "h1c").await),
        ApiErrorCode::DeviceRevoked
    );
    assert!(s.device_by_token("h1c").await.unwrap().is_none());
    assert!(!s.revoke_device("no-such-device").await.unwrap());
    // All of a user's devices: only those not revoked yet count; another user's stay.
    assert_eq!(s.revoke_devices(&user).await.unwrap(), 1);
    assert!(s.device_by_token("h2").await.unwrap().is_none());
    assert!(s.device_by_token("h3").await.unwrap().is_some());
    let listed = s.devices_of(&user).await.unwrap();
    assert!(listed.iter().all(|d| d.revoked_at.is_some()), "{listed:?}");

    // The last use: read back as written, moved to now by touch_device.
    let long_ago = ago(40 * DAY);
    sql_rows(
        db,
        &format!("UPDATE sync_devices SET last_seen_at = '{long_ago}' WHERE id = '{d3}'"),
    )
    .await;
    let seen = s.device_by_token("h3").await.unwrap().unwrap().last_seen;
    assert!(Utc::now() - seen > chrono::Duration::days(39), "{seen}");
    s.touch_device(&d3).await.unwrap();
    let seen = s.device_by_token("h3").await.unwrap().unwrap().last_seen;
    assert!(Utc::now() - seen < chrono::Duration::days(1), "{seen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_sign_out_revoke_and_last_use() {
    let fresh = crate::support::backends::sqlite();
    sign_out_revoke_and_last_use(&fresh.storage, &fresh.location).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_sign_out_revoke_and_last_use() {
    let fresh = crate::support::backends::postgres().await;
    sign_out_revoke_and_last_use(&fresh.storage, &fresh.location).await;
}

/// Devices signed in before last uses were recorded count their 30 days from the upgrade.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_from_before_the_upgrade_count_from_the_upgrade() {
    let fresh = crate::support::backends::sqlite();
    let user = new_seller(&fresh.storage, "old@example.fr").await;
    let device = uuid::Uuid::now_v7().to_string();
    fresh
        .storage
        .register_device(&device, &user, "Ancien", "h-old")
        .await
        .unwrap();
    let signed_in = ago(400 * DAY);
    sql_rows(
        &fresh.location,
        &format!("UPDATE sync_devices SET last_seen_at = NULL, created_at = '{signed_in}'"),
    )
    .await;
    let seen = fresh
        .storage
        .device_by_token("h-old")
        .await
        .unwrap()
        .unwrap()
        .last_seen;
    assert!(Utc::now() - seen > chrono::Duration::days(399), "{seen}");
    let path = fresh.location.strip_prefix("sqlite:").unwrap();
    let upgraded =
        seller_sync_server::storage::sqlite::SqliteStorage::open(Path::new(path)).unwrap();
    let seen = upgraded
        .device_by_token("h-old")
        .await
        .unwrap()
        .unwrap()
        .last_seen;
    assert!(Utc::now() - seen < chrono::Duration::days(1), "{seen}");
}

fn login(email: &str, device: &str) -> LoginRequest {
    LoginRequest {
        email: email.into(),
        password: PASSWORD.into(),
        device_id: device.into(),
        device_name: "Portable".into(),
    }
}

/// A token unused for more than 30 days is refused with a message saying to sign in again; a
/// token in use moves its expiry, written once an hour at most.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_expire_unused_and_are_renewed_by_use() {
    let fresh = crate::support::backends::sqlite();
    new_seller(&fresh.storage, "alice@example.fr").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(seller_sync_server::serve::serve(
        listener,
        seller_sync_server::api::router(fresh.storage.clone()),
        None,
        std::future::pending(),
    ));
    let anonymous = SyncClient::new(&address, supported_schema().max, None).unwrap();
    let device = uuid::Uuid::now_v7().to_string();
    let token = anonymous
        .login(&login("alice@example.fr", &device))
        .await
        .unwrap()
        .token;
    let alice = anonymous.clone().with_token(token);
    let db = &fresh.location;
    let set_seen = |at: String| {
        let sql = format!("UPDATE sync_devices SET last_seen_at = '{at}' WHERE id = '{device}'");
        async move { sql_rows(db, &sql).await }
    };
    let seen = || {
        let sql = format!("SELECT last_seen_at FROM sync_devices WHERE id = '{device}'");
        async move { sql_rows(db, &sql).await.remove(0) }
    };

    // Used ten minutes ago: served, and nothing written.
    let recent = ago(10);
    set_seen(recent.clone()).await;
    alice.me().await.unwrap();
    assert_eq!(seen().await, recent);
    // Used two hours ago: served, and the expiry moves on.
    let earlier = ago(120);
    set_seen(earlier.clone()).await;
    alice.me().await.unwrap();
    let moved = seen().await;
    assert!(moved > earlier, "{moved} after {earlier}");
    // Unused for 31 days: refused, with what to do.
    set_seen(ago(31 * DAY)).await;
    match alice.me().await {
        Err(ClientError::Refused(e)) => {
            assert_eq!(e.code, ApiErrorCode::Unauthorized);
            assert!(e.message.contains("sign in again"), "{}", e.message);
            assert!(e.message.contains("30 days"), "{}", e.message);
        }
        other => panic!("{other:?}"),
    }
    // Signing in again (same device) works and the new token is served.
    let token = anonymous
        .login(&login("alice@example.fr", &device))
        .await
        .unwrap()
        .token;
    assert!(anonymous.clone().with_token(token).me().await.is_ok());
}

/// The operator's commands on the real binary: the address from the variable or a file, the
/// devices listed, one revoked then all, a revoked device refused when it signs in again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_lists_and_revokes_devices() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("server.sqlite3").display());
    // From the variable, no option at all.
    let user_id = run(
        &["add-user", "--email", "alice@example.fr", "--name", "Alice"],
        &[("SELLER_SYNC_DATABASE", &database)],
        &format!("{PASSWORD}\n"),
    );
    assert!(dir.path().join("server.sqlite3").exists());
    // From a file: its first line.
    let file = dir.path().join("database");
    std::fs::write(&file, format!("{database}\nignored\n")).unwrap();
    let file = file.to_str().unwrap().to_owned();
    let server = Served::start(&[], &["--database-file", &file], &[]);
    let anonymous = SyncClient::new(&server.address, supported_schema().max, None).unwrap();
    let (laptop, desk) = (
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
    );
    let signed = anonymous
        .login(&login("alice@example.fr", &laptop))
        .await
        .unwrap();
    assert_eq!(signed.user_id, user_id.trim());
    let laptop_client = anonymous.clone().with_token(signed.token);
    let desk_client = anonymous.clone().with_token(
        anonymous
            .login(&login("alice@example.fr", &desk))
            .await
            .unwrap()
            .token,
    );

    let listed = run(
        &[
            "devices",
            "--email",
            "ALICE@example.fr",
            "--database-file",
            &file,
        ],
        &[],
        "",
    );
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 2, "{listed}");
    assert!(
        lines[0].starts_with(&laptop) && lines[0].ends_with("active"),
        "{listed}"
    );
    assert!(
        lines[1].starts_with(&desk) && lines[1].contains("last used 20"),
        "{listed}"
    );

    let said = run(
        &[
            "revoke-device",
            "--device",
            &laptop,
            "--database",
            &database,
        ],
        &[],
        "",
    );
    assert!(said.contains("revoked"), "{said}");
    let code = |r: Result<seller_sync_core::protocol::Me, ClientError>| match r {
        Err(ClientError::Refused(e)) => Some(e.code),
        Ok(_) => None,
        Err(other) => panic!("{other:?}"),
    };
    assert_eq!(
        code(laptop_client.me().await),
        Some(ApiErrorCode::Unauthorized)
    );
    assert_eq!(code(desk_client.me().await), None);
    match anonymous.login(&login("alice@example.fr", &laptop)).await {
        Err(ClientError::Refused(e)) => {
            assert_eq!(e.code, ApiErrorCode::DeviceRevoked);
            assert!(e.message.contains("new device"), "{}", e.message);
        }
        other => panic!("a revoked device signed in again: {other:?}"),
    }

    let said = run(
        &[
            "revoke-devices",
            "--email",
            "alice@example.fr",
            "--database",
            &database,
        ],
        &[],
        "",
    );
    assert!(said.starts_with("1 device"), "{said}");
    assert_eq!(
        code(desk_client.me().await),
        Some(ApiErrorCode::Unauthorized)
    );
    let listed = run(
        &[
            "devices",
            "--email",
            "alice@example.fr",
            "--database",
            &database,
        ],
        &[],
        "",
    );
    assert_eq!(listed.matches("revoked 20").count(), 2, "{listed}");

    // Mistakes are said, not ignored.
    let both = try_run(
        &[
            "devices",
            "--email",
            "a@b.fr",
            "--database",
            &database,
            "--database-file",
            &file,
        ],
        &[],
        "",
    );
    assert!(!both.status.success());
    assert!(
        stderr(&both).contains("cannot be used with"),
        "{}",
        stderr(&both)
    );
    let unknown = try_run(
        &["revoke-device", "--device", "nope", "--database", &database],
        &[],
        "",
    );
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("no device nope"),
        "{}",
        stderr(&unknown)
    );
    let nobody = try_run(
        &[
            "devices",
            "--email",
            "nobody@example.fr",
            "--database",
            &database,
        ],
        &[],
        "",
    );
    assert!(
        stderr(&nobody).contains("no user signs in as nobody@example.fr"),
        "{}",
        stderr(&nobody)
    );
}

/// A throwaway PostgreSQL cluster that takes TLS connections only (pg_hba: `hostssl`), with a
/// certificate from a throwaway CA; stopped when dropped.
struct TlsPostgres {
    bin: String,
    dir: tempfile::TempDir,
    port: u16,
}

/// Runs a PostgreSQL program, as the `postgres` user when this is root (as
/// scripts/with-test-postgres does: PostgreSQL refuses to run as root).
fn as_postgres(program: &str, args: &[&str]) -> std::process::Output {
    let root = Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
    let mut command = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", program]);
        c
    } else {
        Command::new(program)
    };
    command.args(args).output().unwrap()
}

impl TlsPostgres {
    fn start() -> TlsPostgres {
        let bin = std::env::var("SELLER_TEST_POSTGRES_BIN").expect(
            "SELLER_TEST_POSTGRES_BIN is not set: wrap the tests in scripts/with-test-postgres",
        );
        let dir = tempfile::tempdir().unwrap();
        let root = Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
        let chown = |path: &Path| {
            if root {
                let out = Command::new("chown")
                    .args(["-R", "postgres", path.to_str().unwrap()])
                    .output()
                    .unwrap();
                assert!(out.status.success());
            }
        };
        chown(dir.path());
        let data = dir.path().join("data");
        let ok = |out: std::process::Output, what: &str| {
            assert!(
                out.status.success(),
                "{what}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        ok(
            as_postgres(
                &format!("{bin}/initdb"),
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                ],
            ),
            "initdb",
        );
        let certs = dir.path().join("certs");
        std::fs::create_dir(&certs).unwrap();
        let (_, cert, key) = throwaway_ca(&certs);
        std::fs::copy(&cert, data.join("server.crt")).unwrap();
        std::fs::copy(&key, data.join("server.key")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            data.join("server.key"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
        // TLS or nothing: no `host` line, so a connection in the clear is refused.
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\n",
        )
        .unwrap();
        chown(dir.path());
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap().port()
        };
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c ssl=on -c fsync=off",
            dir.path().display()
        );
        ok(
            as_postgres(
                &format!("{bin}/pg_ctl"),
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-l",
                    dir.path().join("log").to_str().unwrap(),
                    "-w",
                    "-o",
                    &options,
                    "start",
                ],
            ),
            "pg_ctl start",
        );
        TlsPostgres { bin, dir, port }
    }

    fn url(&self, query: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres{query}",
            self.port
        )
    }

    fn ca(&self) -> std::path::PathBuf {
        self.dir.path().join("certs").join("ca.pem")
    }
}

impl Drop for TlsPostgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = as_postgres(
            &format!("{}/pg_ctl", self.bin),
            &["-D", data.to_str().unwrap(), "-m", "immediate", "stop"],
        );
    }
}

/// `sslmode=require` (or libpq's `verify-full`) connects over TLS, verifying the server's
/// certificate against --database-ca; without that CA, or in the clear, nothing connects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_over_tls_with_the_operators_ca() {
    let pg = TlsPostgres::start();
    let ca = pg.ca();
    let storage = PostgresStorage::connect_with_ca(&pg.url("?sslmode=require"), Some(&ca))
        .await
        .unwrap();
    let id = new_seller(&storage, "tls@example.fr").await;
    assert_eq!(
        storage
            .user_by_email("tls@example.fr")
            .await
            .unwrap()
            .unwrap()
            .id,
        id
    );
    assert!(
        PostgresStorage::connect_with_ca(&pg.url("?sslmode=verify-full"), Some(&ca))
            .await
            .is_ok()
    );
    let untrusted = PostgresStorage::connect_with_ca(&pg.url("?sslmode=require"), None).await;
    let message = untrusted
        .err()
        .expect("an unknown CA was trusted")
        .to_string();
    assert!(message.to_lowercase().contains("certificate"), "{message}");
    let clear = PostgresStorage::connect_with_ca(&pg.url(""), Some(&ca)).await;
    let message = clear.err().expect("a connection in the clear").to_string();
    assert!(
        message.contains("no encryption") || message.contains("pg_hba"),
        "{message}"
    );

    // The binary, the address from a file and the CA from its option.
    let file = pg.dir.path().join("database");
    std::fs::write(&file, pg.url("?sslmode=require")).unwrap();
    let listed = run(
        &[
            "devices",
            "--email",
            "tls@example.fr",
            "--database-file",
            file.to_str().unwrap(),
            "--database-ca",
            ca.to_str().unwrap(),
        ],
        &[],
        "",
    );
    assert!(listed.contains("no device"), "{listed}");
}
