//! Devices syncing through a real server over HTTP, on SQLite and on PostgreSQL: sign-in makes
//! the first device's shop the account's and moves the second device's data into it; offline
//! edits of different cells both survive; a later edit of one cell wins; a delete wins over the
//! edits made before it was seen; the server's typed tables follow.

#[path = "support/sync.rs"]
mod sync_support;

use seller_store::orders::{OrderDraft, OrderItemDraft};
use seller_store::products::ProductDraft;
use sync_support::{Backend, Device, start_server};

fn draft(sku: &str, title: &str, price: i64) -> ProductDraft {
    let mut d = ProductDraft::titled(title);
    d.sku = Some(sku.to_owned());
    d.price_cents = price;
    d
}

async fn two_devices_converge(backend: Backend) {
    let server = start_server(backend, &["camille@example.fr"]).await;
    let dir = tempfile::tempdir().unwrap();
    let mut a = Device::open(&dir.path().join("a.sqlite3"));
    let mut b = Device::open(&dir.path().join("b.sqlite3"));

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

    // Offline: A changes the price, B the title of the same item; then B changes the price too,
    // later, and wins it.
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
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
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
