use chrono::Datelike;
use serde_json::json;

use super::*;
use crate::accounts::AccountDraft;
use crate::products::ProductDraft;

fn store() -> (tempfile::TempDir, Store, String) {
    let dir = tempfile::tempdir().expect("a folder");
    let mut store = Store::open(&dir.path().join("db.sqlite3")).expect("a store");
    let account = store
        .create_account(AccountDraft {
            name: "Boutique".into(),
            username: None,
            email: None,
            avatar: None,
            vinted_base_url: "https://www.vinted.fr".into(),
            proxy: None,
        })
        .expect("an account");
    for (sku, cost) in [("SP-000001", 400), ("SP-000002", 700), ("SP-000003", 100)] {
        store
            .create_product(ProductDraft {
                sku: Some(sku.into()),
                quantity: 1,
                purchase_cost_cents: cost,
                price_cents: 2000,
                ..ProductDraft::titled(&format!("Article {sku}"))
            })
            .expect("an item");
    }
    // Listing 501 is linked to SP-000001 (as an import of the wardrobe links it; written here
    // as a row, since the listings are another module's).
    store
        .conn
        .execute(
            "INSERT INTO seller_listings (id, listing_id, product_sku, title, seller_account_id,
                price, status)
             VALUES ('l501', '501', 'SP-000001', 'Robe', ?1, 2000, 'sold')",
            [&account.id],
        )
        .expect("a listing");
    (dir, store, account.id)
}

fn item(listing: &str, title: &str, price: i64) -> VintedOrderItem {
    VintedOrderItem {
        listing_id: Some(listing.into()),
        title: title.into(),
        price_cents: Some(price),
        thumbnail_url: None,
        description: None,
    }
}

fn sale(transaction: &str, items: Vec<VintedOrderItem>, price: i64) -> VintedOrder {
    VintedOrder {
        order_type: OrderType::Sale,
        transaction_id: transaction.into(),
        conversation_id: Some(format!("c{transaction}")),
        title: items[0].title.clone(),
        row_status: Some("Commande payée".into()),
        transaction_status: Some(110),
        events: vec![(VintedOrderStatus::Paid, "2026-11-02T10:00:00.000Z".into())],
        created_at: "2026-11-02T10:00:00.000Z".into(),
        currency: Some("EUR".into()),
        price_cents: price,
        buyer_protection_fee_cents: Some(150),
        shipping_price_cents: Some(289),
        counterpart: Counterpart {
            id: Some("9".into()),
            login: Some("marie".into()),
            city: Some("Lyon".into()),
            country_code: Some("FR".into()),
        },
        thumbnail_url: None,
        shipment: Some(VintedShipment {
            id: Some("77".into()),
            status: Some(100),
            tracking_code: None,
            carrier: None,
            tracking_url: None,
        }),
        items,
        ship_by: Some("2026-11-09T10:00:00.000Z".into()),
        snapshot: json!({"id": transaction, "buyer": {"login": "marie", "city": "Lyon"}}),
        details_gone: false,
    }
}

fn quantity(store: &Store, sku: &str) -> i64 {
    store
        .product_by_sku(sku)
        .expect("reading")
        .expect("the item")
        .quantity
}

fn count(store: &Store, table: &str) -> i64 {
    store
        .conn
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .expect("counting")
}

#[test]
fn a_sale_links_by_listing_and_by_sku_moves_stock_once_and_profit_follows_the_net_payout() {
    let (_dir, mut store, account) = store();
    let mut bundle = sale(
        "1001",
        vec![
            item("501", "Robe", 1500),
            VintedOrderItem {
                description: Some("Jupe plissée — Réf SP-000002".into()),
                ..item("502", "Jupe", 500)
            },
            item("503", "Foulard", 500),
        ],
        2000,
    );
    bundle.title = "3 articles".into();
    let write = store
        .upsert_vinted_order(&account, &bundle)
        .expect("written");
    assert_eq!(
        write,
        VintedOrderWrite {
            created: true,
            changed: false,
            stock_moved: -2,
            linked: 2
        }
    );
    assert_eq!(quantity(&store, "SP-000001"), 0);
    assert_eq!(quantity(&store, "SP-000002"), 0);
    assert_eq!(quantity(&store, "SP-000003"), 1);
    let id = vinted_order_row_id(&account, "1001");
    let order = store.order(&id).expect("the order");
    assert!(order.is_bundle);
    assert_eq!(order.items.len(), 3);
    // The price is split by Vinted's item prices: 2000 × 1500/2500, 500/2500, 500/2500.
    let prices: Vec<i64> = order.items.iter().map(|i| i.price_cents).collect();
    assert_eq!(prices, [1200, 400, 400]);
    assert_eq!(order.cost_cents, 400 + 700);
    assert_eq!(order.fees_total_cents, None, "no payout read yet");
    assert_eq!(order.buyer_username.as_deref(), Some("marie"));
    assert_eq!(order.shipping_city.as_deref(), Some("Lyon"));
    assert_eq!(order.status, "paid");

    // The wallet credited 19.00 €: the seller's fees are 1.00 €, profit = 19.00 − 11.00.
    let changed = store
        .set_vinted_payout_month(&account, (2026, 11), &[("c1001".into(), 1900)])
        .expect("payouts");
    assert_eq!(changed, 1);
    let order = store.order(&id).expect("the order");
    assert_eq!(order.fees_total_cents, Some(100));
    assert_eq!(order.service_fee_cents, Some(100));
    assert_eq!(order.profit_cents, Some(1900 - 1100));
    assert_eq!(
        store
            .set_vinted_payout_month(&account, (2026, 11), &[("c1001".into(), 1900)])
            .expect("payouts"),
        0
    );

    // A refund of 2.50 € in December and a correction of +0.50 € in November read again (the
    // month's pages added up): the payout is the sum over the months, each month counted once.
    store
        .set_vinted_payout_month(&account, (2026, 12), &[("c1001".into(), -250)])
        .expect("payouts");
    store
        .set_vinted_payout_month(&account, (2026, 11), &[("c1001".into(), 1950)])
        .expect("payouts");
    let order = store.order(&id).expect("the order");
    assert_eq!(order.fees_total_cents, Some(2000 - (1950 - 250)));
    let rows = store
        .vinted_orders(&VintedOrderFilter::default())
        .expect("rows");
    let row = rows.iter().find(|r| r.id == id).expect("the row");
    assert_eq!(row.net_payout_cents, Some(1700));
    // Back to the first figures for the rest of the test.
    store
        .set_vinted_payout_month(&account, (2026, 12), &[])
        .expect("payouts");
    store
        .set_vinted_payout_month(&account, (2026, 11), &[("c1001".into(), 1900)])
        .expect("payouts");
    assert_eq!(
        store.order(&id).expect("the order").fees_total_cents,
        Some(100)
    );

    // Read again: nothing new.
    let counts = [
        "seller_orders",
        "seller_order_bundle_items",
        "seller_order_timelines",
        "seller_stock_movements",
    ]
    .map(|t| count(&store, t));
    let again = store.upsert_vinted_order(&account, &bundle).expect("again");
    assert_eq!(again, VintedOrderWrite::default());
    let after = [
        "seller_orders",
        "seller_order_bundle_items",
        "seller_order_timelines",
        "seller_stock_movements",
    ]
    .map(|t| count(&store, t));
    assert_eq!(counts, after);
    let row = &store
        .vinted_orders(&VintedOrderFilter::default())
        .expect("the list")[0];
    assert_eq!(row.net_payout_cents, Some(1900));
    assert_eq!(row.ship_by.as_deref(), Some("2026-11-09T10:00:00.000Z"));
    assert_eq!(row.buyer_protection_fee_cents, Some(150));
}

#[test]
fn statuses_add_events_once_and_a_cancellation_gives_the_stock_back_once() {
    let (_dir, mut store, account) = store();
    let mut order = sale("2002", vec![item("501", "Robe", 1500)], 1500);
    store.upsert_vinted_order(&account, &order).expect("paid");
    assert_eq!(quantity(&store, "SP-000001"), 0);
    let id = vinted_order_row_id(&account, "2002");

    order.events.push((
        VintedOrderStatus::Shipped,
        "2026-11-03T09:00:00.000Z".into(),
    ));
    order.shipment = Some(VintedShipment {
        id: Some("77".into()),
        status: Some(200),
        tracking_code: Some("XY123".into()),
        carrier: Some("Mondial Relay".into()),
        tracking_url: Some(
            "https://www.mondialrelay.fr/suivi-de-colis/?numeroExpedition=XY123".into(),
        ),
    });
    // Vinted stopped sending the buyer's city: it is kept.
    order.counterpart.city = None;
    let write = store
        .upsert_vinted_order(&account, &order)
        .expect("shipped");
    assert!(write.changed && !write.created);
    let stored = store.order(&id).expect("the order");
    assert_eq!(stored.status, "shipped");
    assert_eq!(stored.tracking.number.as_deref(), Some("XY123"));
    assert_eq!(stored.shipping_city.as_deref(), Some("Lyon"));
    assert_eq!(stored.timeline.len(), 2);
    let listed = store
        .vinted_orders(&VintedOrderFilter::default())
        .expect("the list");
    assert_eq!(listed[0].ship_by, None, "shipped: no deadline any more");

    order.events.push((
        VintedOrderStatus::Canceled,
        "2026-11-04T09:00:00.000Z".into(),
    ));
    let write = store
        .upsert_vinted_order(&account, &order)
        .expect("canceled");
    assert_eq!(write.stock_moved, 1);
    assert_eq!(quantity(&store, "SP-000001"), 1);
    let stored = store.order(&id).expect("the order");
    assert_eq!(stored.status, CANCELED_STATUS);
    assert_eq!(
        stored.canceled_at.as_deref(),
        Some("2026-11-04T09:00:00.000Z")
    );
    assert_eq!(stored.timeline.len(), 3);
    let again = store.upsert_vinted_order(&account, &order).expect("again");
    assert_eq!(again, VintedOrderWrite::default());
    assert_eq!(quantity(&store, "SP-000001"), 1);
    assert_eq!(
        store
            .stock_movements(&stored.items[0].product_id.clone().expect("linked"))
            .expect("movements")
            .len(),
        3
    );
}

#[test]
fn a_sale_canceled_before_its_first_read_moves_nothing_and_a_purchase_costs_its_fees() {
    let (_dir, mut store, account) = store();
    let mut canceled = sale("3003", vec![item("501", "Robe", 1500)], 1500);
    canceled.events.push((
        VintedOrderStatus::Canceled,
        "2026-11-03T09:00:00.000Z".into(),
    ));
    let write = store
        .upsert_vinted_order(&account, &canceled)
        .expect("written");
    assert_eq!((write.stock_moved, write.linked), (0, 1));
    assert_eq!(quantity(&store, "SP-000001"), 1);
    let rows = store
        .vinted_orders(&VintedOrderFilter {
            to_ship: true,
            ..VintedOrderFilter::default()
        })
        .expect("to ship");
    assert!(rows.is_empty());

    let mut purchase = sale("4004", vec![item("9001", "Livre", 300)], 300);
    purchase.order_type = OrderType::Purchase;
    purchase.counterpart.login = Some("vendeur".into());
    let write = store
        .upsert_vinted_order(&account, &purchase)
        .expect("bought");
    assert_eq!((write.stock_moved, write.linked), (0, 0));
    let order = store
        .order(&vinted_order_row_id(&account, "4004"))
        .expect("the purchase");
    assert_eq!(order.seller_username.as_deref(), Some("vendeur"));
    assert_eq!(order.shipping_fee_cents, Some(289));
    assert_eq!(order.service_fee_cents, Some(150));
    assert_eq!(order.fees_total_cents, Some(439));
    assert_eq!(order.cost_cents, 300 + 439);
    assert_eq!(order.profit_cents, None);
    // A purchase's wallet debit changes nothing.
    assert_eq!(
        store
            .set_vinted_payout_month(&account, (2026, 11), &[("c4004".into(), 100)])
            .expect("payouts"),
        0
    );
}

#[test]
fn row_ids_are_the_same_on_every_device_and_snapshots_keep_what_vinted_dropped() {
    let a = vinted_order_row_id("acc", "1");
    assert_eq!(a, vinted_order_row_id("acc", "1"));
    assert_ne!(a, vinted_order_row_id("acc", "2"));
    assert_ne!(a, vinted_order_row_id("other", "1"));
    assert!(crate::data_dir::is_canonical_uuid(&a));

    let mut kept = json!({"buyer": {"login": "m", "city": "Lyon"}, "a": 1});
    merge_kept(
        &mut kept,
        &json!({"buyer": {"login": "m2", "city": null}, "b": 2}),
    );
    assert_eq!(
        kept,
        json!({"buyer": {"login": "m2", "city": "Lyon"}, "a": 1, "b": 2})
    );
}

fn canceled(mut order: VintedOrder) -> VintedOrder {
    order.events.push((
        VintedOrderStatus::Canceled,
        "2026-11-04T09:00:00.000Z".into(),
    ));
    order
}

#[test]
fn a_listing_sold_again_after_a_cancellation_read_first_keeps_its_stock_right() {
    let (_dir, mut store, account) = store();
    // The first sale takes the one unit.
    let first = sale("3001", vec![item("501", "Robe", 1500)], 1500);
    store.upsert_vinted_order(&account, &first).expect("first");
    assert_eq!(quantity(&store, "SP-000001"), 0);
    // The resale is newer, so it comes first on the page: it is read while the stock is 0,
    // and must still take its unit, or the first sale's cancellation would leave one to sell.
    let resale = sale("3002", vec![item("501", "Robe", 1500)], 1500);
    let write = store
        .upsert_vinted_order(&account, &resale)
        .expect("resale");
    assert_eq!(write.stock_moved, -1);
    assert_eq!(quantity(&store, "SP-000001"), 0);
    let write = store
        .upsert_vinted_order(&account, &canceled(first.clone()))
        .expect("canceled");
    assert_eq!(write.stock_moved, 1);
    assert_eq!(
        quantity(&store, "SP-000001"),
        0,
        "the resale holds the unit"
    );
    // Read again: nothing moves twice.
    store
        .upsert_vinted_order(&account, &canceled(first))
        .expect("again");
    store.upsert_vinted_order(&account, &resale).expect("again");
    assert_eq!(quantity(&store, "SP-000001"), 0);
    let sum: i64 = store
        .conn
        .query_row(
            "SELECT sum(delta) FROM seller_stock_movements m
             JOIN seller_products p ON p.id = m.product_id WHERE p.sku = 'SP-000001'",
            [],
            |r| r.get(0),
        )
        .expect("sum");
    // +1 when the item was made, −1 per sale, +1 for the cancellation.
    assert_eq!(sum, 0);
}

#[test]
fn labels_only_for_sales_not_canceled_and_a_failure_is_recorded_until_a_label_is_saved() {
    let (_dir, mut store, account) = store();
    let live = sale("5001", vec![item("900", "Pull", 1000)], 1000);
    let gone = canceled(sale("5002", vec![item("901", "Gilet", 1000)], 1000));
    store.upsert_vinted_order(&account, &live).expect("live");
    store.upsert_vinted_order(&account, &gone).expect("gone");
    let ids = [
        vinted_order_row_id(&account, "5001"),
        vinted_order_row_id(&account, "5002"),
    ];
    let labels = store.vinted_labels(&ids).expect("labels");
    assert_eq!(labels.len(), 1);
    assert_eq!(labels[0].order_id, ids[0]);
    store
        .set_vinted_label_error(&ids[0], "not_found")
        .expect("error");
    let labels = store.vinted_labels(&ids[..1]).expect("labels");
    assert_eq!(labels[0].label_error.as_deref(), Some("not_found"));
    let rows = store
        .vinted_orders(&VintedOrderFilter::default())
        .expect("rows");
    let row = rows.iter().find(|r| r.id == ids[0]).expect("row");
    assert_eq!(row.label_error.as_deref(), Some("not_found"));
    store
        .set_vinted_label(&ids[0], "labels/x.pdf")
        .expect("saved");
    let labels = store.vinted_labels(&ids[..1]).expect("labels");
    assert_eq!(labels[0].label_error, None);
    assert_eq!(labels[0].label_path.as_deref(), Some("labels/x.pdf"));
}

#[test]
fn long_texts_are_cut_and_an_order_without_local_details_is_still_listed() {
    let (_dir, mut store, account) = store();
    let mut order = sale("6001", vec![item("902", "Sac", 1000)], 1000);
    order.counterpart.login = Some("m".repeat(500));
    order.counterpart.city = Some("L".repeat(500));
    if let Some(shipment) = &mut order.shipment {
        shipment.tracking_code = Some("T".repeat(500));
        shipment.carrier = Some("C".repeat(500));
    }
    store.upsert_vinted_order(&account, &order).expect("order");
    let id = vinted_order_row_id(&account, "6001");
    let stored = store.order(&id).expect("order");
    assert_eq!(stored.buyer_username.map(|t| t.chars().count()), Some(100));
    assert_eq!(stored.shipping_city.map(|t| t.chars().count()), Some(100));
    assert_eq!(stored.tracking.number.map(|t| t.chars().count()), Some(100));
    assert_eq!(
        stored.tracking.carrier.map(|t| t.chars().count()),
        Some(100)
    );
    // Another device has the synced order but not this device's details table.
    store
        .conn
        .execute("DELETE FROM vinted_order_details", [])
        .expect("delete");
    let rows = store
        .vinted_orders(&VintedOrderFilter::default())
        .expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].transaction_id, "6001");
    // Paging.
    let page = store
        .vinted_orders(&VintedOrderFilter {
            limit: 1,
            offset: 1,
            ..VintedOrderFilter::default()
        })
        .expect("rows");
    assert!(page.is_empty());
}

#[test]
fn the_months_read_run_from_the_oldest_sale_without_payout_to_this_month() {
    let (_dir, mut store, account) = store();
    assert_eq!(
        store
            .vinted_months_without_payout(&account, (2026, 12))
            .expect("months"),
        []
    );
    let mut order = sale("7001", vec![item("903", "Veste", 1000)], 1000);
    let now = chrono::Utc::now();
    let created = (now - chrono::Duration::days(70)).format("%Y-%m-%dT%H:%M:%S.000Z");
    order.created_at = created.to_string();
    order.events = vec![(VintedOrderStatus::Paid, created.to_string())];
    store.upsert_vinted_order(&account, &order).expect("order");
    let today = (now.year(), now.month());
    let months = store
        .vinted_months_without_payout(&account, today)
        .expect("months");
    assert!((3..=4).contains(&months.len()), "{months:?}");
    assert_eq!(months.last(), Some(&today));
}
