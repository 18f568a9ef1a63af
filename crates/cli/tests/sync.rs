//! `seller sync` against a real sync server (on 127.0.0.1, in this process): sign in with the
//! password on standard input, sync, show the status, and the messages of what goes wrong.
//! Needs a Secret Service (scripts/test runs the tests inside a throwaway one).

use std::io::Write;
use std::process::{Command, Output, Stdio};

use seller_store::Store;
use seller_store::products::ProductDraft;
use seller_sync_server::storage::sqlite::SqliteStorage;
use seller_sync_server::storage::{NewUser, Storage};

fn seller(data_dir: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_seller"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("SELLER_PANEL_DATA_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A server with one seller, served on a thread of its own; its address.
fn server(dir: &std::path::Path) -> String {
    let path = dir.join("server.sqlite3");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let storage = SqliteStorage::open(&path).unwrap();
            storage
                .create_user(
                    &NewUser {
                        id: "0193f0c0-0000-7000-8000-000000000001".into(),
                        name: "Camille".into(),
                        email: "camille@example.fr".into(),
                        password_hash: seller_sync_server::auth::hash_password("correct horse")
                            .unwrap(),
                        role: seller_sync::protocol::Role::Seller,
                    },
                    seller_sync::hlc::Clock::new().stamp(seller_sync::hlc::wall_ms_now()),
                )
                .await
                .unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(format!("http://{}", listener.local_addr().unwrap()))
                .unwrap();
            let app = seller_sync_server::api::router(storage);
            seller_sync_server::serve::serve(listener, app, None, std::future::pending())
                .await
                .unwrap();
        });
    });
    rx.recv().unwrap()
}

#[test]
fn sign_in_sync_and_status_from_the_command_line() {
    let work = tempfile::tempdir().unwrap();
    let address = server(work.path());
    let data = tempfile::tempdir().unwrap();
    let mut store = Store::open(&data.path().join("seller-panel.sqlite3")).unwrap();
    store
        .create_product(ProductDraft::titled("Veste en cuir"))
        .unwrap();
    drop(store);

    let wrong = seller(
        data.path(),
        &[
            "sync",
            "sign-in",
            "--server",
            &address,
            "--email",
            "camille@example.fr",
        ],
        "not the password\n",
    );
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        text(&wrong.stderr).contains("wrong e-mail or password"),
        "{}",
        text(&wrong.stderr)
    );

    let status = seller(data.path(), &["sync", "status"], "");
    assert!(
        text(&status.stdout).contains("not signed in"),
        "{}",
        text(&status.stdout)
    );

    let signed = seller(
        data.path(),
        &[
            "sync",
            "sign-in",
            "--server",
            &address,
            "--email",
            "camille@example.fr",
        ],
        "correct horse\n",
    );
    assert!(signed.status.success(), "{}", text(&signed.stderr));
    // Signing in sends the shop and its items at once.
    let before = text(&seller(data.path(), &["sync", "status"], "").stdout);
    assert!(before.contains("last sync: never"), "{before}");
    assert!(before.contains("waiting to be pushed: 0 rows"), "{before}");
    // An edit made afterwards waits for the next sync.
    let import = data.path().join("more.csv");
    std::fs::write(&import, "titre;prix\nChemise;12,50\n").unwrap();
    let imported = seller(
        data.path(),
        &["import", "inventory", import.to_str().unwrap()],
        "",
    );
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    let waiting = text(&seller(data.path(), &["sync", "status"], "").stdout);
    assert!(
        !waiting.contains("waiting to be pushed: 0 rows"),
        "{waiting}"
    );

    let now = seller(data.path(), &["sync", "now"], "");
    assert!(now.status.success(), "{}", text(&now.stderr));
    assert!(
        text(&now.stdout).contains("rows pushed"),
        "{}",
        text(&now.stdout)
    );
    let after = text(&seller(data.path(), &["sync", "status"], "").stdout);
    assert!(after.contains("waiting to be pushed: 0 rows"), "{after}");
    assert!(!after.contains("last sync: never"), "{after}");
    // No token in the database: it is in the keyring.
    let db = std::fs::read(data.path().join("seller-panel.sqlite3")).unwrap();
    assert!(!String::from_utf8_lossy(&db).contains("spt_"));

    let out = seller(data.path(), &["sync", "sign-out"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let none = seller(data.path(), &["sync", "now"], "");
    assert_eq!(none.status.code(), Some(1));
    assert!(
        text(&none.stderr).contains("not signed in"),
        "{}",
        text(&none.stderr)
    );
}

#[test]
fn an_unreachable_server_is_named_as_such() {
    let data = tempfile::tempdir().unwrap();
    drop(Store::open(&data.path().join("seller-panel.sqlite3")).unwrap());
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = seller(
        data.path(),
        &[
            "sync",
            "sign-in",
            "--server",
            &format!("http://127.0.0.1:{port}"),
            "--email",
            "a@b.fr",
        ],
        "whatever\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("cannot be reached"),
        "{}",
        text(&out.stderr)
    );
    let bad = seller(
        data.path(),
        &["sync", "sign-in", "--server", "ftp:/x", "--email", "a@b.fr"],
        "x\n",
    );
    assert!(
        text(&bad.stderr).contains("is not valid"),
        "{}",
        text(&bad.stderr)
    );
}

/// Two computers each made an item with SKU CLASH-1 before signing in: the second one's item
/// is kept with a distinct SKU, and `seller sync status` lists the conflict there naming both
/// items (title and SKU); `seller sync resolve … --keep this` gives the SKU back to it.
#[test]
fn a_sign_in_clash_is_listed_and_resolved_from_the_command_line() {
    let work = tempfile::tempdir().unwrap();
    let address = server(work.path());
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut ids = Vec::new();
    for (dir, title) in [(&a, "Robe de A"), (&b, "Robe de B")] {
        let mut store = Store::open(&dir.path().join("seller-panel.sqlite3")).unwrap();
        let mut draft = ProductDraft::titled(title);
        draft.sku = Some("CLASH-1".into());
        ids.push(store.create_product(draft).unwrap().id);
    }
    let sign_in = |dir: &std::path::Path| {
        let out = seller(
            dir,
            &[
                "sync",
                "sign-in",
                "--server",
                &address,
                "--email",
                "camille@example.fr",
            ],
            "correct horse\n",
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    sign_in(a.path());
    sign_in(b.path());
    let now = seller(b.path(), &["sync", "now"], "");
    assert!(now.status.success(), "{}", text(&now.stderr));

    let renamed = format!("CLASH-1-{}", &ids[1][ids[1].len() - 6..]);
    let status = text(&seller(b.path(), &["sync", "status"], "").stdout);
    assert!(status.contains("conflicts: 1"), "{status}");
    assert!(
        status.contains(&format!(
            "this item:  {} \"Robe de B\", now {renamed:?}",
            ids[1]
        )),
        "{status}"
    );
    assert!(
        status.contains(&format!(
            "other item: {} \"Robe de A\", holds \"CLASH-1\"",
            ids[0]
        )),
        "{status}"
    );

    let resolved = seller(
        b.path(),
        &["sync", "resolve", &renamed, "--keep", "this"],
        "",
    );
    assert!(resolved.status.success(), "{}", text(&resolved.stderr));
    let after = text(&seller(b.path(), &["sync", "status"], "").stdout);
    assert!(after.contains("conflicts: none"), "{after}");
    let store = Store::open(&b.path().join("seller-panel.sqlite3")).unwrap();
    assert_eq!(store.product(&ids[1]).unwrap().sku, "CLASH-1");
    assert_eq!(
        store.product(&ids[0]).unwrap().sku,
        format!("CLASH-1-{}", &ids[0][ids[0].len() - 6..])
    );
    let unknown = seller(
        b.path(),
        &["sync", "resolve", "NOPE", "--keep", "other"],
        "",
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        text(&unknown.stderr).contains("no open conflict"),
        "{}",
        text(&unknown.stderr)
    );
}

#[test]
fn plain_http_to_another_computer_is_refused_with_the_reason() {
    let data = tempfile::tempdir().unwrap();
    drop(Store::open(&data.path().join("seller-panel.sqlite3")).unwrap());
    let out = seller(
        data.path(),
        &[
            "sync",
            "sign-in",
            "--server",
            "http://192.0.2.10:8787",
            "--email",
            "a@b.fr",
        ],
        "secret\n",
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("unencrypted") && stderr.contains("https://"),
        "{stderr}"
    );
}
