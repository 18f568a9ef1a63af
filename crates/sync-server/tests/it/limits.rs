//! What keeps one client from hurting the others: throttled sign-ins (per account and per
//! address, 429 with Retry-After), a bounded password-hashing pool, bounded pushes and long
//! polls, connection timeouts, and an accept loop that outlives running out of file
//! descriptors. Counts, never durations, decide each assertion.

use std::time::Duration;

use crate::support::process::{Answer, Served, exchange, schema_header, throwaway_ca, tls_client};
use seller_sync_client::{ClientError, SyncClient};
use seller_sync_core::protocol::{ApiErrorCode, LoginRequest, PushBatch, Role};
use seller_sync_core::protocol::{Cell, Life, RowChange};
use seller_sync_server::api::Limits;
use seller_sync_server::schema::supported_schema;
use seller_sync_server::serve::Timeouts;
use seller_sync_server::storage::sqlite::SqliteStorage;
use seller_sync_server::storage::{NewUser, Storage};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PASSWORD: &str = "un mot de passe solide";

async fn add_user_with_hash(storage: &SqliteStorage, email: &str, hash: String) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    storage
        .create_user(
            &NewUser {
                id: id.clone(),
                name: email.into(),
                email: email.into(),
                password_hash: hash,
                role: Role::Seller,
            },
            seller_sync_core::hlc::Clock::new().stamp(seller_sync_core::hlc::wall_ms_now()),
        )
        .await
        .unwrap();
    id
}

async fn add_user(storage: &SqliteStorage, email: &str) -> String {
    let hash = seller_sync_server::auth::hash_password(PASSWORD).unwrap();
    add_user_with_hash(storage, email, hash).await
}

/// Serves `storage` in this process with `limits` and `timeouts`; (address, socket).
async fn serve(
    storage: SqliteStorage,
    limits: Limits,
    timeouts: Timeouts,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> (String, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let socket = listener.local_addr().unwrap().to_string();
    let app = seller_sync_server::api::router_with(storage, limits);
    tokio::spawn(seller_sync_server::serve::serve_with(
        listener,
        app,
        tls,
        timeouts,
        std::future::pending(),
    ));
    (format!("http://{socket}"), socket)
}

fn login_body(email: &str, password: &str, device: &str) -> Vec<u8> {
    serde_json::to_vec(&LoginRequest {
        email: email.into(),
        password: password.into(),
        device_id: device.into(),
        device_name: "test".into(),
    })
    .unwrap()
}

async fn raw_login(socket: &str, email: &str, password: &str, extra: &[(&str, &str)]) -> Answer {
    let (schema, version) = schema_header();
    let mut headers = vec![
        (schema, version.as_str()),
        ("Content-Type", "application/json"),
    ];
    headers.extend_from_slice(extra);
    exchange(
        socket,
        None,
        "POST",
        "/v1/login",
        &headers,
        &login_body(email, password, &uuid::Uuid::now_v7().to_string()),
    )
    .await
}

fn assert_throttled(answer: &Answer) {
    assert_eq!(
        (answer.status, answer.code()),
        (429, "rate_limited".into()),
        "{answer:?}"
    );
    let wait: u64 = answer
        .header("retry-after")
        .unwrap_or_else(|| panic!("no Retry-After: {answer:?}"))
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&wait), "{wait}");
}

async fn sign_in(address: &str, email: &str) -> SyncClient {
    let anonymous = SyncClient::new(address, supported_schema().max, None).unwrap();
    let signed = anonymous
        .login(&LoginRequest {
            email: email.into(),
            password: PASSWORD.into(),
            device_id: uuid::Uuid::now_v7().to_string(),
            device_name: "test".into(),
        })
        .await
        .unwrap();
    anonymous.with_token(signed.token)
}

fn refused<T: std::fmt::Debug>(result: Result<T, ClientError>) -> ApiErrorCode {
    match result {
        Err(ClientError::Refused(e)) => e.code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The real binary with a file limit of 64 and 128 idle connections: accepting fails with
/// EMFILE for a while, the server says so, and once those connections are gone it answers
/// again, over HTTPS (whose accept loop used to end on the first failed accept).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_out_of_file_descriptors_never_ends_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = throwaway_ca(dir.path());
    let database = format!("sqlite:{}", dir.path().join("server.sqlite3").display());
    let server = Served::start(
        &["prlimit", "--nofile=64:64", "--"],
        &[
            "--database",
            &database,
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
        &[],
    );
    assert!(server.address.starts_with("https://"), "{}", server.address);
    // Long polls may hold half the descriptors at most.
    assert!(server.logs("long_polls=32").await, "{}", server.log());
    let tls = tls_client(&ca);
    let before = exchange(&server.socket, Some(&tls), "GET", "/v1/health", &[], b"").await;
    assert_eq!(before.status, 200, "{before:?}");

    let mut idle = Vec::new();
    // Twice the limit, yet within the listen queue: each is accepted or waits to be.
    for _ in 0..128 {
        idle.push(
            tokio::net::TcpStream::connect(&server.socket)
                .await
                .unwrap(),
        );
    }
    // The server has taken all it can once it says accepting failed (it keeps retrying).
    let said = server.logs("accept failed").await;
    assert!(said, "no failed accept logged: {}", server.log());
    drop(idle);

    let after = exchange(&server.socket, Some(&tls), "GET", "/v1/health", &[], b"").await;
    assert_eq!(after.status, 200, "{after:?}");
    assert!(after.body.contains("\"schema\""), "{after:?}");
    assert!(
        server.log().to_lowercase().contains("too many open files"),
        "{}",
        server.log()
    );
}

/// The real binary, no proxy in front: the TCP peer's address counts. Thirty failed sign-ins
/// from it, spread over e-mails no account has (each below the per-account bound), and the
/// next attempt is refused whatever the e-mail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sign_ins_from_one_address_are_throttled() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("server.sqlite3").display());
    let server = Served::start(&[], &["--database", &database], &[]);
    let per_address = Limits::default().login_failures_per_address;
    for i in 0..per_address {
        let email = format!("nobody{}@example.fr", i % 5);
        let answer = raw_login(&server.socket, &email, "wrong", &[]).await;
        assert_eq!(
            (answer.status, answer.code()),
            (401, "bad_credentials".into()),
            "attempt {i}: {answer:?}"
        );
    }
    let next = raw_login(&server.socket, "someone-else@example.fr", "wrong", &[]).await;
    assert_throttled(&next);
}

/// Per account: past the bound even the right password is refused (no guessing on), while the
/// same address signs another account in; behind a proxy, the configured header names the
/// client, and another client is not held back by the first one's failures.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sign_ins_are_throttled_per_account_and_per_client() {
    let fresh = crate::support::backends::sqlite();
    add_user(&fresh.storage, "alice@example.fr").await;
    add_user(&fresh.storage, "bob@example.fr").await;
    let limits = Limits {
        login_failures_per_account: 3,
        login_failures_per_address: 5,
        client_address_header: Some("x-forwarded-for".parse().unwrap()),
        ..Limits::default()
    };
    let (_, socket) = serve(fresh.storage.clone(), limits, Timeouts::default(), None).await;
    let from = |ip: &'static str| [("X-Forwarded-For", ip)];
    // The proxy appends the address it saw: the last entry counts, not what the client wrote.
    let mallory = [("X-Forwarded-For", "10.0.0.1, 192.0.2.1")];
    for _ in 0..3 {
        let answer = raw_login(&socket, "Alice@example.fr", "wrong", &mallory).await;
        assert_eq!(answer.code(), "bad_credentials");
    }
    assert_throttled(&raw_login(&socket, "alice@example.fr", PASSWORD, &from("192.0.2.9")).await);
    // Bob, from the same address: its last two attempts, then the address is held back.
    let bob = raw_login(&socket, "bob@example.fr", PASSWORD, &from("192.0.2.1")).await;
    assert_eq!(bob.status, 200, "{bob:?}");
    for _ in 0..2 {
        let answer = raw_login(&socket, "nobody@example.fr", "x", &from("192.0.2.1")).await;
        assert_eq!(answer.code(), "bad_credentials");
    }
    assert_throttled(&raw_login(&socket, "bob@example.fr", PASSWORD, &from("192.0.2.1")).await);
    let elsewhere = raw_login(&socket, "bob@example.fr", PASSWORD, &from("198.51.100.4")).await;
    assert_eq!(elsewhere.status, 200, "{elsewhere:?}");
}

/// At most `hashing_threads` password checks run at once and `hashing_queue` wait: a burst of
/// sign-ins past that is refused at once (429), and a signed-in device's pull is answered
/// meanwhile (it needs no password check).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_flood_waits_on_a_bounded_pool_and_sync_goes_on() {
    let fresh = crate::support::backends::sqlite();
    add_user(&fresh.storage, "syncing@example.fr").await;
    // A costly hash (64 MiB, 3 passes): the burst arrives while the first check still runs.
    let costly = {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let params = argon2::Params::new(64 * 1024, 3, 1, None).unwrap();
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let salt = SaltString::encode_b64(b"flood-test-salt!").unwrap();
        argon
            .hash_password(PASSWORD.as_bytes(), &salt)
            .unwrap()
            .to_string()
    };
    add_user_with_hash(&fresh.storage, "flood@example.fr", costly).await;
    let limits = Limits {
        hashing_threads: 1,
        hashing_queue: 2,
        login_failures_per_account: 100,
        login_failures_per_address: 100,
        ..Limits::default()
    };
    let (address, _) = serve(fresh.storage.clone(), limits, Timeouts::default(), None).await;
    let syncing = sign_in(&address, "syncing@example.fr").await;
    let anonymous = SyncClient::new(&address, supported_schema().max, None).unwrap();
    let burst: Vec<_> = (0..12)
        .map(|i| {
            let client = anonymous.clone();
            tokio::spawn(async move {
                client
                    .login(&LoginRequest {
                        email: "flood@example.fr".into(),
                        password: PASSWORD.into(),
                        device_id: format!("0190a000-0000-7000-8000-{i:012}"),
                        device_name: "flood".into(),
                    })
                    .await
            })
        })
        .collect();
    let pulled = syncing.pull("", 0, 10).await;
    assert!(pulled.is_ok(), "{pulled:?}");
    let (mut signed, mut busy) = (0, 0);
    for task in burst {
        match task.await.unwrap() {
            Ok(_) => signed += 1,
            Err(ClientError::Refused(e)) if e.code == ApiErrorCode::RateLimited => busy += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(signed + busy, 12);
    assert!(
        signed >= 1 && busy >= 1,
        "{signed} signed in, {busy} refused"
    );
}

fn row(table: &str, pk: &str, cells: &[(&str, &str)], device: &str) -> RowChange {
    let stamp = seller_sync_core::hlc::Clock::new().stamp(seller_sync_core::hlc::wall_ms_now());
    RowChange {
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
    }
}

/// Too many batches, a batch with too many rows, a body over the limit: `too_large` (413),
/// each in JSON; and the device's own batching stays within the default bounds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_past_the_bounds_are_refused_as_too_large() {
    use seller_sync_core::protocol::{BATCH_ROWS, BATCHES_PER_REQUEST};
    let defaults = Limits::default();
    assert!(BATCHES_PER_REQUEST <= defaults.batches_per_request);
    assert!(BATCH_ROWS <= defaults.rows_per_batch);

    let fresh = crate::support::backends::sqlite();
    add_user(&fresh.storage, "alice@example.fr").await;
    let limits = Limits {
        body_bytes: 64 * 1024,
        batches_per_request: 2,
        rows_per_batch: 3,
        ..Limits::default()
    };
    let (address, socket) = serve(fresh.storage.clone(), limits, Timeouts::default(), None).await;
    let alice = sign_in(&address, "alice@example.fr").await;
    let batch = |seq: i64, rows: usize| PushBatch {
        device_seq: seq,
        rows: (0..rows)
            .map(|_| {
                let id = uuid::Uuid::now_v7().to_string();
                row("categories", &id, &[("name", "x")], "d")
            })
            .collect(),
    };
    let three = alice
        .push(vec![batch(1, 1), batch(2, 1), batch(3, 1)])
        .await;
    assert_eq!(refused(three), ApiErrorCode::TooLarge);
    let wide = alice.push(vec![batch(1, 4)]).await;
    assert_eq!(refused(wide), ApiErrorCode::TooLarge);

    let (schema, version) = schema_header();
    let huge = vec![b' '; 65 * 1024];
    let answer = exchange(
        &socket,
        None,
        "POST",
        "/v1/push",
        &[(schema, &version), ("Content-Type", "application/json")],
        &huge,
    )
    .await;
    // The body limit answers before the token is looked at, or the token check first: either
    // way a JSON refusal, never a bare text.
    assert!(answer.status == 413 || answer.status == 401, "{answer:?}");
    let code = answer.code();
    assert!(code == "too_large" || code == "unauthorized", "{answer:?}");
    let not_json = exchange(
        &socket,
        None,
        "POST",
        "/v1/login",
        &[(schema, &version), ("Content-Type", "application/json")],
        b"{not json",
    )
    .await;
    assert_eq!(not_json.code(), "bad_request", "{not_json:?}");
}

/// A push body over the limit from a signed-in device: 413 `too_large`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_too_large() {
    let fresh = crate::support::backends::sqlite();
    add_user(&fresh.storage, "alice@example.fr").await;
    let limits = Limits {
        body_bytes: 64 * 1024,
        ..Limits::default()
    };
    let (address, _) = serve(fresh.storage.clone(), limits, Timeouts::default(), None).await;
    let alice = sign_in(&address, "alice@example.fr").await;
    let name = "x".repeat(70 * 1024);
    let id = uuid::Uuid::now_v7().to_string();
    let big = alice
        .push(vec![PushBatch {
            device_seq: 1,
            rows: vec![row("categories", &id, &[("name", &name)], "d")],
        }])
        .await;
    assert_eq!(refused(big), ApiErrorCode::TooLarge);
}

/// Holds a long poll of 60 s for `token` on its own connection until the task is aborted.
/// Holds a long poll of 60 s for `token` on its own connection until the task is aborted.
fn hold_wait(socket: String, token: String) -> tokio::task::JoinHandle<Answer> {
    tokio::spawn(async move { wait_request(&socket, &token, 60_000).await })
}

/// Long polls held for these tokens.
struct Held {
    socket: String,
    polls: Vec<(String, tokio::task::JoinHandle<Answer>)>,
}

impl Held {
    fn new(socket: &str, tokens: &[&String]) -> Held {
        let polls = tokens
            .iter()
            .map(|t| ((*t).clone(), hold_wait(socket.to_owned(), (*t).clone())))
            .collect();
        Held {
            socket: socket.to_owned(),
            polls,
        }
    }

    /// Probes with 0 ms waits of `token` until one is refused while every held poll still
    /// waits. A held poll that arrived while a probe had its place was refused: held again.
    async fn until_refused(&mut self, token: &str) -> Answer {
        for _ in 0..1_200 {
            for (held_token, poll) in &mut self.polls {
                if poll.is_finished() {
                    *poll = hold_wait(self.socket.clone(), held_token.clone());
                }
            }
            let answer = wait_request(&self.socket, token, 0).await;
            if answer.status == 429 && self.polls.iter().all(|(_, p)| !p.is_finished()) {
                return answer;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("never refused");
    }

    fn release(self) {
        for (_, poll) in self.polls {
            poll.abort();
        }
    }
}

async fn wait_request(socket: &str, token: &str, timeout_ms: u64) -> Answer {
    let (schema, version) = schema_header();
    let bearer = format!("Bearer {token}");
    let body = format!(r#"{{"cursors":{{"":0}},"timeout_ms":{timeout_ms}}}"#);
    exchange(
        socket,
        None,
        "POST",
        "/v1/wait",
        &[
            (schema, &version),
            ("Content-Type", "application/json"),
            ("Authorization", &bearer),
        ],
        body.as_bytes(),
    )
    .await
}

/// Asks for a 0 ms wait until the answer has `status` (the held polls register meanwhile).
async fn wait_until_status(socket: &str, token: &str, status: u16) -> Answer {
    for _ in 0..1_200 {
        let answer = wait_request(socket, token, 0).await;
        if answer.status == status {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("never answered {status}");
}

async fn token_of(address: &str, email: &str) -> String {
    let anonymous = SyncClient::new(address, supported_schema().max, None).unwrap();
    anonymous
        .login(&LoginRequest {
            email: email.into(),
            password: PASSWORD.into(),
            device_id: uuid::Uuid::now_v7().to_string(),
            device_name: "test".into(),
        })
        .await
        .unwrap()
        .token
}

/// Two long polls per user and three in all: past either bound, 429 with Retry-After; a poll
/// whose client hangs up gives its place back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_polls_are_bounded_per_user_and_in_all() {
    let fresh = crate::support::backends::sqlite();
    for who in ["alice", "bob", "carol"] {
        add_user(&fresh.storage, &format!("{who}@example.fr")).await;
    }
    let limits = Limits {
        waits_per_user: 2,
        waits_total: 3,
        ..Limits::default()
    };
    let (address, socket) = serve(fresh.storage.clone(), limits, Timeouts::default(), None).await;
    let alice = token_of(&address, "alice@example.fr").await;
    let bob = token_of(&address, "bob@example.fr").await;
    let carol = token_of(&address, "carol@example.fr").await;

    let mut alices = Held::new(&socket, &[&alice, &alice]);
    assert_throttled(&alices.until_refused(&alice).await);
    // Bob still waits; with his, the server holds three: Carol is refused.
    let mut bobs = Held::new(&socket, &[&bob]);
    assert_throttled(&bobs.until_refused(&carol).await);
    bobs.release();
    let carols = wait_until_status(&socket, &carol, 200).await;
    assert!(carols.body.contains("\"changed\""), "{carols:?}");
    alices.release();
    assert_eq!(wait_until_status(&socket, &alice, 200).await.status, 200);
}

/// A connection that sends nothing, or half a header, is closed; so is a kept-alive one left
/// idle after its answer; a long poll longer than those timeouts is answered all the same; a
/// request whose body never ends is answered 408 at the request's time bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_slow_connections_are_closed_but_long_polls_are_answered() {
    let fresh = crate::support::backends::sqlite();
    add_user(&fresh.storage, "alice@example.fr").await;
    let timeouts = Timeouts {
        header_read: Duration::from_millis(500),
        tls_handshake: Duration::from_millis(500),
    };
    let (address, socket) = serve(fresh.storage.clone(), Limits::default(), timeouts, None).await;
    let closed_by_server = |stream: tokio::net::TcpStream| async move {
        let mut stream = stream;
        let mut seen = Vec::new();
        // A guard so a regression fails instead of hanging; the server closes long before.
        tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut seen))
            .await
            .expect("the server never closed the connection")
            .unwrap();
        String::from_utf8_lossy(&seen).into_owned()
    };
    let silent = tokio::net::TcpStream::connect(&socket).await.unwrap();
    let said = closed_by_server(silent).await;
    assert!(!said.contains("200 OK"), "{said}");
    let mut half = tokio::net::TcpStream::connect(&socket).await.unwrap();
    half.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let said = closed_by_server(half).await;
    assert!(!said.contains("200 OK"), "{said}");
    let mut kept = tokio::net::TcpStream::connect(&socket).await.unwrap();
    kept.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let said = closed_by_server(kept).await;
    assert!(said.starts_with("HTTP/1.1 200"), "{said}");

    let token = token_of(&address, "alice@example.fr").await;
    let long = wait_request(&socket, &token, 1_500).await;
    assert_eq!(long.status, 200, "{long:?}");
    assert!(long.body.contains("\"changed\":[]"), "{long:?}");

    // A body trickled in (here: never finished) ends at the request's time bound, in JSON.
    let slow = Limits {
        request_timeout: Duration::from_millis(500),
        ..Limits::default()
    };
    let (_, slow_socket) = serve(fresh.storage.clone(), slow, Timeouts::default(), None).await;
    let mut trickle = tokio::net::TcpStream::connect(&slow_socket).await.unwrap();
    trickle
        .write_all(b"POST /v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":")
        .await
        .unwrap();
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(60), trickle.read(&mut answer))
        .await
        .expect("the server never answered the trickled request")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"bad_request\""), "{answer}");

    // HTTPS: a client that never starts its handshake is let go.
    let dir = tempfile::tempdir().unwrap();
    let (_, cert, key) = throwaway_ca(dir.path());
    let tls = seller_sync_server::serve::tls_acceptor(&cert, &key).unwrap();
    let (_, tls_socket) = serve(
        fresh.storage.clone(),
        Limits::default(),
        timeouts,
        Some(tls),
    )
    .await;
    let mute = tokio::net::TcpStream::connect(&tls_socket).await.unwrap();
    assert_eq!(closed_by_server(mute).await, "");
}
