//! The HTTP API as a client sees it: sign-in, schema versions, scopes on reads, sign-out, and
//! HTTPS with a certificate (rustls), each answer a JSON error with its code.

use seller_sync_client::{ClientError, SyncClient};
use seller_sync_core::protocol::{ApiErrorCode, LoginRequest, Role};
use seller_sync_server::schema::supported_schema;
use seller_sync_server::storage::sqlite::SqliteStorage;
use seller_sync_server::storage::{NewUser, Storage};

const PASSWORD: &str = "un mot de passe solide";

async fn add_user(storage: &SqliteStorage, email: &str, role: Role) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    storage
        .create_user(
            &NewUser {
                id: id.clone(),
                name: email.into(),
                email: email.into(),
                password_hash: seller_sync_server::auth::hash_password(PASSWORD).unwrap(),
                role,
            },
            seller_sync_core::hlc::Clock::new().stamp(seller_sync_core::hlc::wall_ms_now()),
        )
        .await
        .unwrap();
    id
}

/// Serves `storage` on 127.0.0.1 (HTTPS with `tls`); its base address.
async fn serve(storage: SqliteStorage, tls: Option<tokio_rustls::TlsAcceptor>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = seller_sync_server::api::router(storage);
    let scheme = if tls.is_some() {
        "https://localhost"
    } else {
        "http://127.0.0.1"
    };
    tokio::spawn(seller_sync_server::serve::serve(
        listener,
        app,
        tls,
        std::future::pending(),
    ));
    format!("{scheme}:{port}")
}

fn login(email: &str, password: &str, device: &str) -> LoginRequest {
    LoginRequest {
        email: email.into(),
        password: password.into(),
        device_id: device.into(),
        device_name: "test".into(),
    }
}

fn refused(result: Result<impl std::fmt::Debug, ClientError>) -> ApiErrorCode {
    match result {
        Err(ClientError::Refused(e)) => e.code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_scopes_and_sign_out() {
    let fresh = crate::support::backends::sqlite();
    let alice = add_user(&fresh.storage, "alice@example.fr", Role::Seller).await;
    add_user(&fresh.storage, "bob@example.fr", Role::Seller).await;
    let address = serve(fresh.storage.clone(), None).await;
    let version = supported_schema().max;
    let anonymous = SyncClient::new(&address, version, None).unwrap();

    let wrong = anonymous
        .login(&login("alice@example.fr", "nope", "a-1"))
        .await;
    assert_eq!(refused(wrong), ApiErrorCode::BadCredentials);
    let unknown = anonymous
        .login(&login("nobody@example.fr", PASSWORD, "a-1"))
        .await;
    assert_eq!(
        refused(unknown),
        ApiErrorCode::BadCredentials,
        "the same answer: no account probing"
    );
    assert_eq!(
        refused(anonymous.pull("", 0, 10).await),
        ApiErrorCode::Unauthorized
    );

    let signed = anonymous
        .login(&login("ALICE@example.fr", PASSWORD, "a-1"))
        .await
        .unwrap();
    assert_eq!(
        (signed.user_id.as_str(), signed.role),
        (alice.as_str(), Role::Seller)
    );
    assert_eq!(signed.scopes, vec![format!("user:{alice}"), String::new()]);
    let alice_client = anonymous.clone().with_token(signed.token.clone());
    // Bob's scope, and a shop Alice does not own: refused, whatever the cursor.
    let bob = anonymous
        .login(&login("bob@example.fr", PASSWORD, "b-1"))
        .await
        .unwrap();
    assert_eq!(
        refused(
            alice_client
                .pull(&format!("user:{}", bob.user_id), 0, 10)
                .await
        ),
        ApiErrorCode::OutOfScope
    );
    assert_eq!(
        refused(alice_client.pull("some-shop", 0, 10).await),
        ApiErrorCode::OutOfScope
    );
    assert!(
        alice_client
            .pull(&format!("user:{alice}"), 0, 10)
            .await
            .is_ok()
    );
    assert!(
        alice_client.pull("", 0, 10).await.is_ok(),
        "reference data is readable"
    );
    assert_eq!(alice_client.me().await.unwrap().user_id, alice);
    // A device of Alice's cannot be claimed by Bob.
    let taken = anonymous
        .login(&login("bob@example.fr", PASSWORD, "a-1"))
        .await;
    assert_eq!(refused(taken), ApiErrorCode::ForeignDevice);

    alice_client.logout().await.unwrap();
    assert_eq!(refused(alice_client.me().await), ApiErrorCode::Unauthorized);
    // The database keeps only the token's hash.
    let db = std::fs::read(fresh.location.strip_prefix("sqlite:").unwrap()).unwrap();
    let wal = std::fs::read(format!(
        "{}-wal",
        fresh.location.strip_prefix("sqlite:").unwrap()
    ))
    .unwrap_or_default();
    for bytes in [db, wal] {
        assert!(!String::from_utf8_lossy(&bytes).contains(&signed.token));
    }
}

/// An admin's token reads every shop and writes the reference data sellers only read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_syncs_everything() {
    use seller_sync_core::protocol::PushBatch;
    use seller_sync_core::protocol::{Cell, Life, RowChange};
    use seller_sync_server::push::PushContext;

    let fresh = crate::support::backends::sqlite();
    let seller = add_user(&fresh.storage, "seller@example.fr", Role::Seller).await;
    add_user(&fresh.storage, "admin@example.fr", Role::Admin).await;
    let address = serve(fresh.storage.clone(), None).await;
    let version = supported_schema().max;
    let stamp = seller_sync_core::hlc::Clock::new().stamp(seller_sync_core::hlc::wall_ms_now());
    let row = |table: &str, pk: &str, cells: &[(&str, &str)], device: &str| RowChange {
        table: table.into(),
        pk: pk.into(),
        life: Some(Life {
            cl: 1,
            hlc: stamp,
            device: device.into(),
        }),
        cells: cells
            .iter()
            .map(|(c, v)| Cell {
                column: (*c).into(),
                value: seller_sync_core::value::Value::Text((*v).into()),
                hlc: stamp,
                device: device.into(),
            })
            .collect(),
    };
    // The seller's shop, pushed from the seller's device.
    let shop_id = uuid::Uuid::now_v7().to_string();
    let category_id = uuid::Uuid::now_v7().to_string();
    let shop = row(
        "shops",
        &shop_id,
        &[
            ("owner_id", &seller),
            ("name", "Boutique"),
            ("slug", "boutique"),
            ("created_at", "2026-12-01T10:00:00.000Z"),
            ("updated_at", "2026-12-01T10:00:00.000Z"),
        ],
        "seller-device",
    );
    let ctx = PushContext {
        device_id: "seller-device".into(),
        user_id: seller.clone(),
        role: Role::Seller,
        shops: vec![],
    };
    fresh
        .storage
        .push(
            &ctx,
            &PushBatch {
                device_seq: 1,
                rows: vec![shop],
            },
            seller_sync_core::hlc::wall_ms_now(),
        )
        .await
        .unwrap();

    let anonymous = SyncClient::new(&address, version, None).unwrap();
    let admin = anonymous
        .login(&login("admin@example.fr", PASSWORD, "admin-1"))
        .await
        .unwrap();
    assert_eq!(admin.role, Role::Admin);
    assert!(admin.scopes.contains(&shop_id), "{:?}", admin.scopes);
    let admin_client = anonymous.clone().with_token(admin.token);
    let page = admin_client.pull(&shop_id, 0, 10).await.unwrap();
    assert_eq!(page.rows[0].pk, shop_id);
    // Reference data: the admin writes it, the seller reads it.
    let category = row(
        "categories",
        &category_id,
        &[("name", "Robes"), ("slug", "robes")],
        "admin-1",
    );
    let pushed = admin_client
        .push(vec![PushBatch {
            device_seq: 1,
            rows: vec![category],
        }])
        .await
        .unwrap();
    assert_eq!(pushed.acked, vec![1]);
    let seller_token = anonymous
        .login(&login("seller@example.fr", PASSWORD, "seller-device"))
        .await
        .unwrap()
        .token;
    let seller_client = anonymous.clone().with_token(seller_token);
    let reference = seller_client.pull("", 0, 10).await.unwrap();
    assert!(reference.rows.iter().any(|r| r.pk == category_id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_versions_outside_the_range_are_refused_with_what_to_update() {
    let fresh = crate::support::backends::sqlite();
    add_user(&fresh.storage, "alice@example.fr", Role::Seller).await;
    let address = serve(fresh.storage.clone(), None).await;
    let range = supported_schema();
    let old = SyncClient::new(&address, range.min - 1, None).unwrap();
    match old.login(&login("alice@example.fr", PASSWORD, "d")).await {
        Err(ClientError::Refused(e)) => {
            assert_eq!(e.code, ApiErrorCode::SchemaTooOld);
            assert!(e.message.contains("update the app"), "{}", e.message);
        }
        other => panic!("{other:?}"),
    }
    let new = SyncClient::new(&address, range.max + 1, None).unwrap();
    match new.login(&login("alice@example.fr", PASSWORD, "d")).await {
        Err(ClientError::Refused(e)) => {
            assert_eq!(e.code, ApiErrorCode::SchemaTooNew);
            assert!(e.message.contains("update the server"), "{}", e.message);
        }
        other => panic!("{other:?}"),
    }
    // A request without the header at all.
    let mut stream = tokio::net::TcpStream::connect(address.trim_start_matches("http://"))
        .await
        .unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(b"GET /v1/me HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(
        answer.contains("\"bad_request\"") && answer.contains("x-seller-schema"),
        "{answer}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_a_certificate_the_client_trusts() {
    // A throwaway certificate authority and a server certificate it signed for `localhost`.
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = crate::support::process::throwaway_ca(dir.path());
    let fresh = crate::support::backends::sqlite();
    add_user(&fresh.storage, "alice@example.fr", Role::Seller).await;
    let tls = seller_sync_server::serve::tls_acceptor(&cert, &key).unwrap();
    let address = serve(fresh.storage.clone(), Some(tls)).await;
    assert!(address.starts_with("https://"));

    // Trusted through SSL_CERT_FILE, as for any other root the system lacks. The client reads
    // the roots once per process, and this is the only test here that needs them.
    // SAFETY: no other thread of this test reads the environment meanwhile.
    unsafe { std::env::set_var("SSL_CERT_FILE", &ca) };
    let client = SyncClient::new(&address, supported_schema().max, None).unwrap();
    let signed = client
        .login(&login("alice@example.fr", PASSWORD, "d"))
        .await
        .unwrap();
    assert!(signed.token.starts_with("spt_"));
    // Plain HTTP to the TLS port fails as unreachable, not as a server answer.
    let plain = SyncClient::new(
        &address.replace("https://localhost", "http://127.0.0.1"),
        supported_schema().max,
        None,
    )
    .unwrap();
    assert!(matches!(
        plain.login(&login("alice@example.fr", PASSWORD, "d")).await,
        Err(ClientError::Unreachable(_))
    ));
}

#[test]
fn plain_http_is_for_loopback_unless_allowed() {
    use seller_sync_server::serve::check_plain_http;
    assert!(check_plain_http("127.0.0.1:8787".parse().unwrap(), false).is_ok());
    assert!(check_plain_http("[::1]:8787".parse().unwrap(), false).is_ok());
    let refused = check_plain_http("0.0.0.0:8787".parse().unwrap(), false).unwrap_err();
    assert!(refused.to_string().contains("--tls-cert"), "{refused}");
    assert!(check_plain_http("0.0.0.0:8787".parse().unwrap(), true).is_ok());
}
