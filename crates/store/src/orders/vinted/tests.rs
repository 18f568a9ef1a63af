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
        .set_vinted_net_payouts(&account, &[("c1001".into(), 1900)])
        .expect("payouts");
    assert_eq!(changed, 1);
    let order = store.order(&id).expect("the order");
    assert_eq!(order.fees_total_cents, Some(100));
    assert_eq!(order.service_fee_cents, Some(100));
    assert_eq!(order.profit_cents, Some(1900 - 1100));
    assert_eq!(
        store
            .set_vinted_net_payouts(&account, &[("c1001".into(), 1900)])
            .expect("payouts"),
        0
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
            .set_vinted_net_payouts(&account, &[("c4004".into(), 100)])
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
