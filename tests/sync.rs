//! Devices syncing through a real server over HTTP, on SQLite and on PostgreSQL: sign-in makes
//! the first device's shop the account's and moves the second device's data into it; offline
//! edits of different cells both survive; a later edit of one cell wins; a delete wins over the
//! edits made before it was seen; the server's typed tables follow.

use seller_panel_tests::sync as sync_support;
use seller_store::raw::RawSql;

use seller_store::orders::{OrderDraft, OrderItemDraft};
use seller_store::products::ProductDraft;
use sync_support::{Backend, Device, start_server, ticking_clock};

fn draft(sku: &str, title: &str, price: i64) -> ProductDraft {
    let mut d = ProductDraft::titled(title);
    d.sku = Some(sku.to_owned());
    d.price_cents = price;
    d
}

async fn two_devices_converge(backend: Backend) {
    let server = start_server(backend, &["camille@example.fr"]).await;
    let dir = tempfile::tempdir().unwrap();
    // One clock for both: a write made later in the test is stamped later.
    let clock = ticking_clock();
    let mut a = Device::open_with_clock(&dir.path().join("a.sqlite3"), clock.clone());
    let mut b = Device::open_with_clock(&dir.path().join("b.sqlite3"), clock);

    // Both devices worked offline before signing in; B reused a SKU of A's.
    let robe = a
        .store()
        .create_product(draft("ROBE-1", "Robe rouge", 2500))
        .unwrap();
    a.store()
        .create_product(draft("JUPE-1", "Jupe", 1800))
        .unwrap();
    b.store()
        .create_product(draft("ROBE-1", "Robe bleue", 3000))
        .unwrap();
    b.store()
        .create_product(draft("VESTE-1", "Veste", 4500))
        .unwrap();

    // Signing in pushes the first device's shop with everything in it at once.
    a.sign_in(&server, "camille@example.fr").await;
    assert_eq!(
        sync_support::server_rows(&server.database, "SELECT count(*) FROM seller_products").await,
        vec!["2"]
    );
    a.sync().await;
    b.sign_in(&server, "camille@example.fr").await;
    assert_eq!(
        b.store().shop_id(),
        a.store().shop_id(),
        "B adopted the account's shop"
    );
    b.sync().await;
    a.sync().await;

    let products = "SELECT id, sku, title, price FROM seller_products ORDER BY sku";
    let on_a = a.rows(products);
    assert_eq!(on_a, b.rows(products));
    let skus: Vec<String> = on_a
        .iter()
        .map(|r| r.split('|').nth(1).unwrap().to_owned())
        .collect();
    assert_eq!(skus.len(), 4, "{on_a:?}");
    assert!(skus.contains(&"ROBE-1".to_owned()));
    assert!(
        skus.iter().any(|s| s.starts_with("ROBE-1-")),
        "B's clashing SKU was kept, made distinct: {skus:?}"
    );

    // Offline: A changes the price, B the title of the same item; then B, later, the description.
    let robe_id = robe.id.clone();
    a.store()
        .connection()
        .execute(
            "UPDATE seller_products SET price = 2200 WHERE id = ?1",
            [&robe_id],
        )
        .unwrap();
    b.store()
        .connection()
        .execute(
            "UPDATE seller_products SET title = 'Robe rouge vif' WHERE id = ?1",
            [&robe_id],
        )
        .unwrap();
    b.store()
        .connection()
        .execute(
            "UPDATE seller_products SET description = 'Soie' WHERE id = ?1",
            [&robe_id],
        )
        .unwrap();
    a.sync().await;
    b.sync().await;
    a.sync().await;
    let robe_row =
        format!("SELECT title, price, description FROM seller_products WHERE id = '{robe_id}'");
    assert_eq!(a.rows(&robe_row), vec!["Robe rouge vif|2200|Soie"]);
    assert_eq!(b.rows(&robe_row), a.rows(&robe_row));

    // A deletes the skirt; B, not knowing, edits it: the delete wins on both.
    let jupe: String = a
        .rows("SELECT id FROM seller_products WHERE sku = 'JUPE-1'")
        .remove(0);
    a.store().delete_product(&jupe).unwrap();
    b.store()
        .connection()
        .execute(
            "UPDATE seller_products SET price = 1 WHERE id = ?1",
            [&jupe],
        )
        .unwrap();
    a.sync().await;
    b.sync().await;
    a.sync().await;
    assert_eq!(a.rows(products), b.rows(products));
    assert!(a.rows(products).iter().all(|r| !r.starts_with(&jupe)));

    // The server's typed tables hold the same items, for plain SQL.
    let on_server = sync_support::server_rows(
        &server.database,
        "SELECT id, sku, title, price FROM seller_products ORDER BY sku",
    )
    .await;
    assert_eq!(on_server, a.rows(products));
    // Nothing left to push on either device.
    for device in [&a, &b] {
        let status = seller_sync::device::status(device.store().connection()).unwrap();
        assert_eq!(
            status.waiting.staged_rows + status.waiting.unstaged_rows,
            0,
            "{status:?}"
        );
        assert!(status.last_error.is_none());
    }
}

/// Stock changed on two devices while offline adds up: each sale and purchase is a movement, and
/// the quantity everywhere is the sum of all of them.
async fn offline_stock_changes_add_up(backend: Backend) {
    let server = start_server(backend, &["stock@example.fr"]).await;
    let dir = tempfile::tempdir().unwrap();
    let mut a = Device::open(&dir.path().join("a.sqlite3"));
    let mut b = Device::open(&dir.path().join("b.sqlite3"));
    let mut item = draft("STOCK-1", "Jean", 3000);
    item.quantity = 5;
    let item = a.store().create_product(item).unwrap();
    a.sign_in(&server, "stock@example.fr").await;
    a.sync().await;
    b.sign_in(&server, "stock@example.fr").await;
    b.sync().await;
    assert_eq!(
        b.rows(&format!(
            "SELECT quantity FROM seller_products WHERE id = '{}'",
            item.id
        )),
        vec!["5"]
    );

    // Offline: A sells 2; B sells 1 and buys 3 more.
    a.store()
        .create_order(OrderDraft::sale(
            5000,
            vec![OrderItemDraft::sku("STOCK-1", 2)],
        ))
        .unwrap();
    b.store()
        .create_order(OrderDraft::sale(
            2500,
            vec![OrderItemDraft::sku("STOCK-1", 1)],
        ))
        .unwrap();
    b.store()
        .create_order(OrderDraft::purchase(
            3000,
            vec![OrderItemDraft::sku("STOCK-1", 3)],
        ))
        .unwrap();
    assert_eq!(a.store().product(&item.id).unwrap().quantity, 3);
    assert_eq!(b.store().product(&item.id).unwrap().quantity, 7);
    a.sync().await;
    b.sync().await;
    a.sync().await;
    for device in [&a, &b] {
        assert_eq!(
            device.store().product(&item.id).unwrap().quantity,
            5 - 2 - 1 + 3
        );
        let movements: i64 = device.rows(&format!(
            "SELECT count(*) FROM seller_stock_movements WHERE product_id = '{}'",
            item.id
        ))[0]
            .parse()
            .unwrap();
        assert_eq!(movements, 4, "the first stock, two sales, a purchase");
        assert_eq!(device.rows("SELECT count(*) FROM seller_orders"), vec!["3"]);
    }
    let on_server = sync_support::server_rows(
        &server.database,
        &format!(
            "SELECT sum(delta) FROM seller_stock_movements WHERE product_id = '{}'",
            item.id
        ),
    )
    .await;
    assert_eq!(on_server, vec!["5"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_converge_on_sqlite() {
    two_devices_converge(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_converge_on_postgres() {
    two_devices_converge(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_stock_changes_add_up_on_sqlite() {
    offline_stock_changes_add_up(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_stock_changes_add_up_on_postgres() {
    offline_stock_changes_add_up(Backend::Postgres).await;
}

/// Signing a second computer in with an item whose SKU the account's shop has: the item is
/// kept, its SKU made distinct, and both computers list the conflict (the one whose item was
/// renamed, and the one holding the other item). Choosing on one that the renamed item keeps
/// the SKU swaps the two in one go; the swap syncs, and the first conflict clears everywhere.
async fn a_sign_in_clash_is_listed_on_both_devices(backend: Backend) {
    let server = start_server(backend, &["clash@example.fr"]).await;
    let dir = tempfile::tempdir().unwrap();
    let mut a = Device::open(&dir.path().join("a.sqlite3"));
    let mut b = Device::open(&dir.path().join("b.sqlite3"));
    let on_a = a
        .store()
        .create_product(draft("CLASH-1", "Robe de A", 2500))
        .unwrap();
    let on_b = b
        .store()
        .create_product(draft("CLASH-1", "Robe de B", 3000))
        .unwrap();
    a.sign_in(&server, "clash@example.fr").await;
    a.sync().await;
    b.sign_in(&server, "clash@example.fr").await;
    b.sync().await;
    a.sync().await;

    let renamed = format!("CLASH-1-{}", &on_b.id[on_b.id.len() - 6..]);
    for (name, device) in [("A", &a), ("B", &b)] {
        let conflicts = seller_sync::device::conflicts(device.store().connection()).unwrap();
        assert_eq!(conflicts.len(), 1, "{name}: {conflicts:?}");
        let c = &conflicts[0];
        assert_eq!(
            (c.pk.as_str(), c.original.as_str(), c.other_pk.as_str()),
            (on_b.id.as_str(), "CLASH-1", on_a.id.as_str()),
            "{name}"
        );
        assert_eq!(c.current.as_deref(), Some(renamed.as_str()), "{name}");
        assert_eq!(c.label.as_deref(), Some("Robe de B"), "{name}");
        assert_eq!(c.other_label.as_deref(), Some("Robe de A"), "{name}");
        assert_eq!(c.other_current.as_deref(), Some("CLASH-1"), "{name}");
    }

    // On A, the user gives CLASH-1 back to B's item (its tag says so).
    seller_sync::conflicts::choose(
        a.store().connection(),
        "seller_products",
        &on_b.id,
        "sku",
        seller_sync::conflicts::Keep::This,
    )
    .unwrap();
    let skus = "SELECT id, sku FROM seller_products ORDER BY id";
    a.sync().await;
    b.sync().await;
    let a_renamed = format!("CLASH-1-{}", &on_a.id[on_a.id.len() - 6..]);
    let expected = {
        let mut rows = vec![
            format!("{}|{a_renamed}", on_a.id),
            format!("{}|CLASH-1", on_b.id),
        ];
        rows.sort();
        rows
    };
    assert_eq!(a.rows(skus), expected);
    assert_eq!(b.rows(skus), expected);
    // A chose: nothing left open there. B's first conflict cleared itself (its item holds
    // CLASH-1 again); the change of A's item's SKU, made elsewhere, is listed on B.
    assert!(
        seller_sync::device::conflicts(a.store().connection())
            .unwrap()
            .is_empty()
    );
    let on_b_now = seller_sync::device::conflicts(b.store().connection()).unwrap();
    assert_eq!(on_b_now.len(), 1, "{on_b_now:?}");
    assert_eq!(
        (on_b_now[0].pk.as_str(), on_b_now[0].other_pk.as_str()),
        (on_a.id.as_str(), on_b.id.as_str())
    );
    // B leaves it so: resolved, nothing changes.
    seller_sync::conflicts::choose(
        b.store().connection(),
        "seller_products",
        &on_a.id,
        "sku",
        seller_sync::conflicts::Keep::Other,
    )
    .unwrap();
    assert!(
        seller_sync::device::conflicts(b.store().connection())
            .unwrap()
            .is_empty()
    );
    assert_eq!(b.rows(skus), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_clash_is_listed_on_both_devices_on_sqlite() {
    a_sign_in_clash_is_listed_on_both_devices(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_clash_is_listed_on_both_devices_on_postgres() {
    a_sign_in_clash_is_listed_on_both_devices(Backend::Postgres).await;
}

/// Sync, back up, sync more, restore, edit, sync: the edit reaches the other device. The
/// restored database takes a new device id (the server numbers each device's batches, and the
/// backup's outbox numbers were already used), and so does the same backup restored on another
/// computer while the first one still runs: two replicas never share an id.
async fn a_restored_backup_never_loses_later_changes(backend: Backend) {
    use seller_store::backup::{self, DATABASE_ENTRY};
    let server = start_server(backend, &["restore@example.fr"]).await;
    let dir = tempfile::tempdir().unwrap();
    let (a_dir, c_dir) = (dir.path().join("a"), dir.path().join("c"));
    std::fs::create_dir_all(&a_dir).unwrap();
    std::fs::create_dir_all(&c_dir).unwrap();
    let archive = dir.path().join("a.spbackup");
    let mut a = Device::open(&a_dir.join(DATABASE_ENTRY));
    let mut b = Device::open(&dir.path().join("b.sqlite3"));
    let item = a
        .store()
        .create_product(draft("RESTORE-1", "Manteau", 9000))
        .unwrap();
    a.sign_in(&server, "restore@example.fr").await;
    a.sync().await;
    b.sign_in(&server, "restore@example.fr").await;
    b.sync().await;
    a.store().backup_to(&a_dir, &archive).unwrap();
    let first_id = a.capture.device_id().to_owned();

    // After the backup, A goes on: several batches the server numbers.
    for price in [8000, 7000, 6000] {
        let sql = format!(
            "UPDATE seller_products SET price = {price} WHERE id = '{}'",
            item.id
        );
        a.store().connection().execute_batch(&sql).unwrap();
        a.sync().await;
    }
    drop(a);
    backup::restore(&archive, &a_dir).unwrap();
    let mut a = Device::open(&a_dir.join(DATABASE_ENTRY));
    assert_ne!(
        a.capture.device_id(),
        first_id,
        "a restored replica takes a new id"
    );
    let status = seller_sync::device::status(a.store().connection()).unwrap();
    assert!(
        status.account.is_none() && status.restored_at.is_some(),
        "{status:?}"
    );
    a.sign_in(&server, "restore@example.fr").await;
    a.sync().await;
    let row = format!(
        "SELECT title, price, description FROM seller_products WHERE id = '{}'",
        item.id
    );
    assert_eq!(
        a.rows(&row),
        vec!["Manteau|6000|"],
        "the server's later state came back"
    );
    let edit = format!(
        "UPDATE seller_products SET title = 'Manteau restauré' WHERE id = '{}'",
        item.id
    );
    a.store().connection().execute_batch(&edit).unwrap();
    a.sync().await;
    b.sync().await;
    assert_eq!(b.rows(&row), vec!["Manteau restauré|6000|"]);

    // The same backup on another computer, while A still runs.
    backup::restore(&archive, &c_dir).unwrap();
    let mut c = Device::open(&c_dir.join(DATABASE_ENTRY));
    assert_ne!(c.capture.device_id(), first_id);
    assert_ne!(c.capture.device_id(), a.capture.device_id());
    c.sign_in(&server, "restore@example.fr").await;
    c.sync().await;
    let on_c = format!(
        "UPDATE seller_products SET description = 'depuis C' WHERE id = '{}'",
        item.id
    );
    c.store().connection().execute_batch(&on_c).unwrap();
    c.sync().await;
    let on_a = format!(
        "UPDATE seller_products SET price = 5000 WHERE id = '{}'",
        item.id
    );
    a.store().connection().execute_batch(&on_a).unwrap();
    a.sync().await;
    b.sync().await;
    assert_eq!(b.rows(&row), vec!["Manteau restauré|5000|depuis C"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_backup_never_loses_later_changes_on_sqlite() {
    a_restored_backup_never_loses_later_changes(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_backup_never_loses_later_changes_on_postgres() {
    a_restored_backup_never_loses_later_changes(Backend::Postgres).await;
}

/// An account's proxy changed on another device is not trusted with this device's proxy
/// password until confirmed here: the merge that brings the new proxy host (or port, type,
/// user, Vinted site) lists the account; a change of another column does not; the device that
/// made the change does not list it; confirming clears it.
async fn a_proxy_changed_elsewhere_awaits_confirmation(backend: Backend) {
    let server = start_server(backend, &["proxy@example.fr"]).await;
    let dir = tempfile::tempdir().unwrap();
    let mut a = Device::open(&dir.path().join("a.sqlite3"));
    let mut b = Device::open(&dir.path().join("b.sqlite3"));
    let account = uuid::Uuid::now_v7().to_string();
    let shop = a.store().shop_id().to_owned();
    a.store()
        .connection()
        .execute(
            "INSERT INTO seller_accounts (id, shop_id, name, proxy_host, proxy_port, proxy_type, proxy_user)
             VALUES (?1, ?2, 'Boutique', 'proxy.example.fr', 8080, 'http', 'camille')",
            [&account, &shop],
        )
        .unwrap();
    a.sign_in(&server, "proxy@example.fr").await;
    a.sync().await;
    b.sign_in(&server, "proxy@example.fr").await;
    b.sync().await;
    let awaits = |d: &Device| d.store().proxy_awaits_confirmation(&account).unwrap();
    assert!(!awaits(&b), "an account first seen here is not a change");

    // A renames the account: not where the password goes.
    let on_a = |sql: &str| a.store().connection().execute(sql, [&account]).unwrap();
    on_a("UPDATE seller_accounts SET name = 'Boutique 2' WHERE id = ?1");
    a.sync().await;
    b.sync().await;
    assert!(!awaits(&b));

    // A points the account at another proxy host.
    on_a("UPDATE seller_accounts SET proxy_host = 'ailleurs.example.net' WHERE id = ?1");
    a.sync().await;
    b.sync().await;
    assert!(
        awaits(&b),
        "B must confirm the new proxy before its password goes there"
    );
    assert!(!awaits(&a), "A made the change itself");
    assert_eq!(
        b.store().accounts_awaiting_proxy_confirmation().unwrap(),
        vec![(account.clone(), vec!["proxy_host".to_owned()])]
    );

    // The Vinted site changes too: still one account awaiting, both columns named.
    on_a("UPDATE seller_accounts SET vinted_base_url = 'https://www.vinted.de' WHERE id = ?1");
    a.sync().await;
    b.sync().await;
    assert_eq!(
        b.store().accounts_awaiting_proxy_confirmation().unwrap(),
        vec![(
            account.clone(),
            vec!["proxy_host".to_owned(), "vinted_base_url".to_owned()]
        )]
    );
    assert!(b.store().confirm_account_proxy(&account).unwrap());
    assert!(!awaits(&b));

    // The proxy port then changes again: listed again.
    on_a("UPDATE seller_accounts SET proxy_port = 3128 WHERE id = ?1");
    a.sync().await;
    b.sync().await;
    assert!(awaits(&b));
    assert!(b.store().confirm_account_proxy(&account).unwrap());

    // Deleted elsewhere, then made again under the same id with a proxy of someone's choosing:
    // B still keeps a password for that id, so the new row awaits confirmation too.
    on_a("DELETE FROM seller_accounts WHERE id = ?1");
    a.sync().await;
    b.sync().await;
    a.store()
        .connection()
        .execute(
            "INSERT INTO seller_accounts (id, shop_id, name, proxy_host, proxy_port, proxy_type, proxy_user)
             VALUES (?1, ?2, 'Boutique', 'piege.example.net', 8080, 'http', 'camille')",
            [&account, &shop],
        )
        .unwrap();
    a.sync().await;
    b.sync().await;
    assert_eq!(
        b.rows(&format!(
            "SELECT proxy_host FROM seller_accounts WHERE id = '{account}'"
        )),
        vec!["piege.example.net".to_owned()]
    );
    assert!(
        awaits(&b),
        "a re-created account gets no stored password unconfirmed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_changed_elsewhere_awaits_confirmation_on_sqlite() {
    a_proxy_changed_elsewhere_awaits_confirmation(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_changed_elsewhere_awaits_confirmation_on_postgres() {
    a_proxy_changed_elsewhere_awaits_confirmation(Backend::Postgres).await;
}

/// A server that takes fewer batches per request than the device sends refuses the push as too
/// large; the device then sends its batches one by one instead of retrying the same request
/// forever, and everything arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_too_large_for_the_server_goes_batch_by_batch() {
    let limits = seller_sync_server::api::Limits {
        batches_per_request: 1,
        ..Default::default()
    };
    let server =
        sync_support::start_server_with(Backend::Sqlite, &["camille@example.fr"], limits).await;
    let dir = tempfile::tempdir().unwrap();
    let mut a = Device::open(&dir.path().join("a.sqlite3"));
    let items = 1_200;
    for n in 0..items {
        a.store()
            .create_product(draft(&format!("LOT-{n}"), "Article du lot", 1000))
            .unwrap();
    }
    // Signing in pushes the shop at once: more than one batch of rows.
    a.sign_in(&server, "camille@example.fr").await;
    a.sync().await;

    let held =
        sync_support::server_rows(&server.database, "SELECT count(*) FROM seller_products").await;
    assert_eq!(held, vec![items.to_string()]);
    assert_eq!(
        a.rows("SELECT count(*) FROM sync_outbox"),
        vec!["0".to_owned()],
        "nothing is left waiting"
    );
}

/// A row the server takes but this schema refuses (a status outside its list, required columns
/// missing), pushed by a device that bypasses its own database: the other devices leave it out
/// and go on syncing, instead of failing the page that holds it at every round for good.
async fn a_row_breaking_the_schemas_rules_is_left_out(backend: Backend) {
    use seller_sync::hlc::{Hlc, wall_ms_now};
    use seller_sync::merge::{Cell, Life, RowChange};
    use seller_sync::protocol::PushBatch;
    use seller_sync::value::from_json;
    let server = start_server(backend, &["regles@example.fr"]).await;
    let dir = tempfile::tempdir().unwrap();
    let mut a = Device::open(&dir.path().join("a.sqlite3"));
    let mut b = Device::open(&dir.path().join("b.sqlite3"));
    let mut hostile = Device::open(&dir.path().join("hostile.sqlite3"));
    a.store()
        .create_product(draft("BON-1", "Article valable", 1500))
        .unwrap();
    a.sign_in(&server, "regles@example.fr").await;
    a.sync().await;
    b.sign_in(&server, "regles@example.fr").await;
    b.sync().await;
    hostile.sign_in(&server, "regles@example.fr").await;
    hostile.sync().await;

    let shop = a.store().shop_id().to_owned();
    let device = hostile.capture.device_id().to_owned();
    let hlc = Hlc::new(wall_ms_now(), 0);
    let cell = |column: &str, value: serde_json::Value| Cell {
        column: column.into(),
        value: from_json(value).unwrap(),
        hlc,
        device: device.clone(),
    };
    let bad = uuid::Uuid::now_v7().to_string();
    let rows = vec![RowChange {
        table: "seller_products".into(),
        pk: bad.clone(),
        life: Some(Life {
            cl: 1,
            hlc,
            device: device.clone(),
        }),
        cells: vec![
            cell("shop_id", serde_json::json!(shop)),
            cell("title", serde_json::json!("Piège")),
            cell("status", serde_json::json!("piraté")),
        ],
    }];
    hostile
        .client
        .as_ref()
        .unwrap()
        .push(vec![PushBatch {
            device_seq: 1_000,
            rows,
        }])
        .await
        .expect("the server takes what its checks let through");

    // B's round succeeds, without the row; A's later change still reaches B.
    b.sync().await;
    assert_eq!(
        b.rows(&format!(
            "SELECT count(*) FROM seller_products WHERE id = '{bad}'"
        )),
        vec!["0".to_owned()]
    );
    a.store()
        .create_product(draft("BON-2", "Arrivé après", 1800))
        .unwrap();
    a.sync().await;
    b.sync().await;
    assert_eq!(
        b.rows("SELECT sku FROM seller_products ORDER BY sku"),
        vec!["BON-1".to_owned(), "BON-2".to_owned()]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_breaking_the_schemas_rules_is_left_out_on_sqlite() {
    a_row_breaking_the_schemas_rules_is_left_out(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_breaking_the_schemas_rules_is_left_out_on_postgres() {
    a_row_breaking_the_schemas_rules_is_left_out(Backend::Postgres).await;
}

/// A device still on app version 9 (before `seller_listings` gained `listed_at` and `gone_at`),
/// its database migrated through the migration files up to 9 and synced by the sync engine's own
/// functions with 9 in every request: what a device not updated yet does.
struct OldDevice {
    conn: std::sync::Arc<std::sync::Mutex<rusqlite::Connection>>,
    capture: seller_sync::capture::Capture,
    client: seller_sync::client::SyncClient,
    token: String,
}

impl seller_sync::replica::LocalDb for OldDevice {
    async fn with_conn<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut rusqlite::Connection) -> Result<T, seller_sync::replica::SyncError>
        + Send
        + 'static,
    ) -> Result<T, seller_sync::replica::SyncError> {
        f(&mut self.conn.lock().unwrap())
    }
}

const OLD_VERSION: u32 = 9;

impl OldDevice {
    async fn sign_in(path: &std::path::Path, server: &sync_support::Server, email: &str) -> Self {
        use seller_sync::tables::SYNCED_TABLES;
        let mut conn = rusqlite::Connection::open(path).unwrap();
        let tx = conn.transaction().unwrap();
        for (_, sql) in &seller_store::MIGRATIONS_SQL[..OLD_VERSION as usize] {
            tx.execute_batch(sql).unwrap();
        }
        tx.pragma_update(None, "user_version", OLD_VERSION).unwrap();
        tx.commit().unwrap();
        let device = uuid::Uuid::now_v7().to_string();
        let capture = seller_sync::capture::Capture::register(&conn, &device).unwrap();
        let names: Vec<&str> = SYNCED_TABLES.iter().map(|t| t.name).collect();
        capture.install_triggers(&conn, &names).unwrap();
        seller_sync::replica::install(&conn).unwrap();
        seller_sync::device::set_meta(&conn, "device_id", &device).unwrap();
        let anonymous =
            seller_sync::client::SyncClient::new(&server.address, OLD_VERSION, None).unwrap();
        let signed = anonymous
            .login(&seller_sync::protocol::LoginRequest {
                email: email.into(),
                password: sync_support::PASSWORD.into(),
                device_id: device,
                device_name: "version 9".into(),
            })
            .await
            .unwrap();
        // The account's shop is this device's own, as signing in leaves it.
        let shop = signed
            .scopes
            .iter()
            .find(|s| !s.is_empty() && !s.starts_with("user:"))
            .expect("the account has a shop");
        conn.execute(
            "INSERT INTO app_settings (key, value) VALUES ('local_shop_id', ?1)",
            [shop],
        )
        .unwrap();
        OldDevice {
            conn: std::sync::Arc::new(std::sync::Mutex::new(conn)),
            capture,
            client: anonymous.with_token(signed.token.clone()),
            token: signed.token,
        }
    }

    /// Pulls every scope of the account (the page checks of `seller_sync::trust` included, on
    /// this version's tables), then pushes.
    async fn sync(&self) {
        let scopes = seller_sync::device::scopes(&self.client).await.unwrap();
        seller_sync::replica::pull_scopes(self, &self.capture, &self.client, &scopes)
            .await
            .unwrap();
        seller_sync::replica::push_all(self, &self.client)
            .await
            .unwrap();
    }

    fn rows(&self, sql: &str) -> Vec<String> {
        let conn = self.conn.lock().unwrap();
        let mut stmt = conn.prepare(sql).unwrap();
        let n = stmt.column_count();
        stmt.query_map([], |r| {
            Ok((0..n)
                .map(|i| match r.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Null => "NULL".to_owned(),
                    rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    other => format!("{other:?}"),
                })
                .collect::<Vec<_>>()
                .join("|"))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }
}

/// A version-10 device dates a listing (`listed_at`, new in version 10); a version-9 device of
/// the same shop goes on syncing (the server serves it the columns it has), renames the listing
/// without clearing the date anywhere, and once updated to version 10 gets the date it was
/// never sent.
async fn devices_of_two_app_versions_share_a_shop(backend: Backend) {
    const LISTED_AT: &str = "2026-11-02T09:15:00.000Z";
    let email = "versions@example.fr";
    let server = start_server(backend, &[email]).await;
    let dir = tempfile::tempdir().unwrap();
    let mut new = Device::open(&dir.path().join("new.sqlite3"));
    new.sign_in(&server, email).await;
    new.sync().await;
    let shop = new.store().shop_id().to_owned();
    let (account, listing) = (
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
    );
    new.store()
        .connection()
        .execute_batch(&format!(
            "INSERT INTO seller_accounts (id, shop_id, name) VALUES ('{account}', '{shop}', 'camille.vinted');
             INSERT INTO seller_listings (id, listing_id, title, seller_account_id, price, listed_at)
             VALUES ('{listing}', '4812', 'Robe en lin', '{account}', 2500, '{LISTED_AT}');"
        ))
        .unwrap();
    new.sync().await;

    // The version-9 device takes the shop's pages: its checks refuse a cell of a column it does
    // not have, and none comes.
    let old_path = dir.path().join("old.sqlite3");
    let old = OldDevice::sign_in(&old_path, &server, email).await;
    old.sync().await;
    assert_eq!(
        old.rows(&format!(
            "SELECT title, price FROM seller_listings WHERE id = '{listing}'"
        )),
        ["Robe en lin|2500"]
    );
    assert_eq!(
        old.rows(
            "SELECT count(*) FROM pragma_table_info('seller_listings') WHERE name = 'listed_at'"
        ),
        ["0"]
    );

    // It renames the listing: the title reaches the newer device, the date stays there and on
    // the server.
    old.conn
        .lock()
        .unwrap()
        .execute(
            "UPDATE seller_listings SET title = 'Robe en lin lavé' WHERE id = ?1",
            [&listing],
        )
        .unwrap();
    old.sync().await;
    new.sync().await;
    let expected = format!("Robe en lin lavé|{LISTED_AT}");
    assert_eq!(
        new.rows(&format!(
            "SELECT title, listed_at FROM seller_listings WHERE id = '{listing}'"
        )),
        std::slice::from_ref(&expected)
    );
    assert_eq!(
        sync_support::server_rows(
            &server.database,
            &format!("SELECT title, listed_at FROM seller_listings WHERE id = '{listing}'"),
        )
        .await,
        std::slice::from_ref(&expected)
    );

    // Updated to version 10, the older device pulls its scopes again and gets the date, without
    // losing its own rename.
    let token = old.token.clone();
    drop(old);
    let mut updated = Device::open(&old_path);
    assert_eq!(
        updated.store().open_outcome().from_version,
        OLD_VERSION,
        "opened as the updated app opens it"
    );
    updated.client = Some(
        seller_sync::client::SyncClient::new(
            &server.address,
            seller_sync::device::schema_version(),
            Some(token),
        )
        .unwrap(),
    );
    updated.sync().await;
    assert_eq!(
        updated.rows(&format!(
            "SELECT title, listed_at FROM seller_listings WHERE id = '{listing}'"
        )),
        std::slice::from_ref(&expected)
    );
    assert_eq!(
        updated.rows("SELECT count(*) FROM sync_meta WHERE key = 'unreceived_columns'"),
        ["0"],
        "every scope was pulled whole again"
    );
    // From here on it syncs as any version-10 device: a later date from it reaches the other.
    updated
        .store()
        .connection()
        .execute(
            "UPDATE seller_listings SET gone_at = '2026-12-01T08:00:00.000Z' WHERE id = ?1",
            [&listing],
        )
        .unwrap();
    updated.sync().await;
    new.sync().await;
    assert_eq!(
        new.rows(&format!(
            "SELECT title, listed_at, gone_at FROM seller_listings WHERE id = '{listing}'"
        )),
        [format!("{expected}|2026-12-01T08:00:00.000Z")]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_of_two_app_versions_share_a_shop_on_sqlite() {
    devices_of_two_app_versions_share_a_shop(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_of_two_app_versions_share_a_shop_on_postgres() {
    devices_of_two_app_versions_share_a_shop(Backend::Postgres).await;
}
