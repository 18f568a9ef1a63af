use crate::common::fresh_store;
use seller_store::accounts::AccountDraft;
use seller_store::orders::{
    OrderDraft, OrderItemDraft, OrderQuery, OrderSortField, OrderSource, OrderType, PaymentMethod,
    StockReason, Tracking,
};
use seller_store::products::{Product, ProductDraft, ProductStatus, SortDir};
use seller_store::raw::RawSql;
use seller_store::{FieldError, FieldErrorCode, Store, StoreError};

/// An inventory item with this SKU, stock, list price and unit cost (cents).
fn item(store: &mut Store, sku: &str, quantity: i64, price: i64, cost: i64) -> Product {
    let mut draft = ProductDraft::titled(&format!("Article {sku}"));
    draft.sku = Some(sku.to_owned());
    draft.quantity = quantity;
    draft.price_cents = price;
    draft.purchase_cost_cents = cost;
    draft.status = ProductStatus::Listed;
    draft.category = Some(format!("Catégorie {}", &sku[..1]));
    draft.brand = Some("Zara".to_owned());
    store.create_product(draft).unwrap()
}

fn line(sku: &str, quantity: i64) -> OrderItemDraft {
    OrderItemDraft::sku(sku, quantity)
}

fn priced(sku: &str, quantity: i64, price: i64) -> OrderItemDraft {
    OrderItemDraft {
        price_cents: Some(price),
        ..OrderItemDraft::sku(sku, quantity)
    }
}

fn account(store: &mut Store, name: &str) -> String {
    store
        .create_account(AccountDraft {
            name: name.to_owned(),
            username: None,
            email: None,
            avatar: None,
            vinted_base_url: "https://www.vinted.fr".to_owned(),
            proxy: None,
        })
        .unwrap()
        .id
}

fn count(store: &Store, table: &str) -> i64 {
    store
        .connection()
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn quantity(store: &Store, id: &str) -> i64 {
    store.product(id).unwrap().quantity
}

fn movements_sum(store: &Store, id: &str) -> i64 {
    store
        .stock_movements(id)
        .unwrap()
        .iter()
        .map(|m| m.delta)
        .sum()
}

/// The movements orders caused (an item's first quantity is a movement of its own).
fn order_movements(store: &Store, id: &str) -> Vec<seller_store::orders::StockMovement> {
    let mut movements = store.stock_movements(id).unwrap();
    movements.retain(|m| m.order_id.is_some());
    movements
}

fn count_order_movements(store: &Store) -> i64 {
    store
        .connection()
        .query_row(
            "SELECT count(*) FROM seller_stock_movements WHERE order_id IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

fn fields(err: StoreError) -> Vec<FieldError> {
    match err {
        StoreError::Validation(fields) => fields,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn has(fields: &[FieldError], field: &str, code: FieldErrorCode) -> bool {
    fields.iter().any(|f| f.field == field && f.code == code)
}

#[test]
fn a_sale_of_one_item_lowers_stock_and_marks_it_sold_at_zero() {
    let (_dir, mut store) = fresh_store();
    let robe = item(&mut store, "R-1", 2, 3_000, 800);

    let first = store
        .create_order(OrderDraft::sale(2_500, vec![line("R-1", 1)]))
        .unwrap();
    let after_first = store.product(&robe.id).unwrap();
    assert_eq!(after_first.quantity, 1);
    assert_eq!(after_first.status, ProductStatus::Listed, "one unit left");
    assert_eq!(first.order_type, OrderType::Sale);
    assert_eq!(first.source, OrderSource::Manual);
    assert_eq!(first.sku.as_deref(), Some("R-1"));
    assert_eq!(first.title, "Article R-1");
    assert_eq!(first.category.as_deref(), Some("Catégorie R"));
    assert!(!first.is_bundle);
    assert_eq!((first.quantity, first.cost_cents), (1, 800));
    assert_eq!(first.profit_cents, Some(2_500 - 800));
    assert_eq!(first.items.len(), 1);
    let sold_line = &first.items[0];
    assert_eq!(sold_line.product_id.as_deref(), Some(robe.id.as_str()));
    assert_eq!(
        (
            sold_line.quantity,
            sold_line.price_cents,
            sold_line.unit_cost_cents
        ),
        (1, 2_500, 800)
    );

    store
        .create_order(OrderDraft::sale(2_700, vec![line("R-1", 1)]))
        .unwrap();
    let sold = store.product(&robe.id).unwrap();
    assert_eq!((sold.quantity, sold.status), (0, ProductStatus::Sold));

    let movements = order_movements(&store, &robe.id);
    assert_eq!(movements.len(), 2);
    assert!(
        movements
            .iter()
            .all(|m| m.delta == -1 && m.reason == StockReason::Sale)
    );
    assert_eq!(movements[0].order_id.as_deref(), Some(first.id.as_str()));
}

#[test]
fn a_bundle_moves_every_item_and_splits_its_price_over_the_lines() {
    let (_dir, mut store) = fresh_store();
    let a = item(&mut store, "A-1", 1, 3_000, 1_000);
    let b = item(&mut store, "B-1", 3, 1_000, 300);
    let c = item(&mut store, "C-1", 1, 0, 0);

    // No line prices: the 4 000 received are split by list price × quantity (3 000 : 2 000 : 0).
    let order = store
        .create_order(OrderDraft::sale(
            4_000,
            vec![line("A-1", 1), line("B-1", 2), line("C-1", 1)],
        ))
        .unwrap();
    assert!(order.is_bundle);
    assert_eq!(order.sku, None, "a bundle's SKUs are on its lines");
    assert_eq!(order.quantity, 4);
    assert_eq!(order.title, "Article A-1, Article B-1, Article C-1");
    let prices: Vec<i64> = order.items.iter().map(|l| l.price_cents).collect();
    assert_eq!(prices, [2_400, 1_600, 0]);
    assert_eq!(prices.iter().sum::<i64>(), order.price_cents);
    let skus: Vec<_> = order.items.iter().map(|l| l.sku.clone().unwrap()).collect();
    assert_eq!(skus, ["A-1", "B-1", "C-1"], "lines keep their order");

    assert_eq!(
        store.product(&a.id).unwrap().status,
        ProductStatus::Sold,
        "last unit sold"
    );
    assert_eq!(quantity(&store, &b.id), 1);
    assert_eq!(store.product(&b.id).unwrap().status, ProductStatus::Listed);
    assert_eq!(store.product(&c.id).unwrap().status, ProductStatus::Sold);
    for id in [&a.id, &b.id, &c.id] {
        assert_eq!(order_movements(&store, id).len(), 1);
    }
}

#[test]
fn profit_of_a_bundle_is_received_minus_item_costs_minus_fees_borne_by_the_seller() {
    let (_dir, mut store) = fresh_store();
    item(&mut store, "A-1", 1, 3_000, 1_250);
    let b = item(&mut store, "B-1", 5, 1_000, 400);

    let mut draft = OrderDraft::sale(
        5_000,
        vec![priced("A-1", 1, 3_200), priced("B-1", 3, 1_800)],
    );
    draft.item_price_cents = Some(5_600);
    draft.shipping_fee_cents = Some(499);
    draft.service_fee_cents = Some(150);
    draft.payment_method = Some(PaymentMethod::VintedWallet);
    let order = store.create_order(draft).unwrap();

    assert_eq!(order.fees_total_cents, Some(649), "total = its parts");
    assert_eq!(order.cost_cents, 1_250 + 3 * 400);
    assert_eq!(order.profit_cents, Some(5_000 - (1_250 + 3 * 400) - 649));
    assert_eq!(order.item_price_cents, Some(5_600), "informational only");
    assert_eq!(order.payment_method, Some(PaymentMethod::VintedWallet));
    let prices: Vec<i64> = order.items.iter().map(|l| l.price_cents).collect();
    assert_eq!(prices, [3_200, 1_800]);

    // A later cost edit does not rewrite the past profit: the cost was snapshotted.
    let mut edited = ProductDraft::titled("Article B-1");
    edited.sku = Some("B-1".into());
    edited.quantity = 2;
    edited.purchase_cost_cents = 9_999;
    store.update_product(&b.id, edited).unwrap();
    let again = store.order(&order.id).unwrap();
    assert_eq!(again.profit_cents, order.profit_cents);
    assert_eq!(again.items[1].unit_cost_cents, 400);
}

#[test]
fn insufficient_stock_is_refused_naming_the_sku_and_nothing_is_written() {
    let (_dir, mut store) = fresh_store();
    let a = item(&mut store, "A-1", 3, 1_000, 100);
    let b = item(&mut store, "B-1", 1, 1_000, 100);

    let err = store
        .create_order(OrderDraft::sale(
            3_000,
            vec![line("A-1", 2), line("B-1", 2)],
        ))
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::InsufficientStock { sku, available: 1, requested: 2 } if sku == "B-1"),
        "{err:?}"
    );
    assert!(err.to_string().contains("B-1"), "{err}");
    assert_eq!(quantity(&store, &a.id), 3, "the first line was not applied");
    assert_eq!(quantity(&store, &b.id), 1);
    assert_eq!(count_order_movements(&store), 0);
    for table in [
        "seller_orders",
        "seller_order_bundle_items",
        "seller_order_timelines",
    ] {
        assert_eq!(
            count(&store, table),
            0,
            "{table} has rows of a refused order"
        );
    }
}

#[test]
fn an_unknown_sku_is_refused_naming_it() {
    let (_dir, mut store) = fresh_store();
    let a = item(&mut store, "A-1", 1, 1_000, 100);
    let err = store
        .create_order(OrderDraft::sale(
            1_000,
            vec![line("A-1", 1), line("NOPE-7", 1)],
        ))
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::UnknownSku { sku } if sku == "NOPE-7"),
        "{err:?}"
    );
    assert!(err.to_string().contains("NOPE-7"));
    assert_eq!(quantity(&store, &a.id), 1);
    assert_eq!(count(&store, "seller_orders"), 0);
}

#[test]
fn a_sale_line_not_linked_to_the_inventory_moves_no_stock() {
    let (_dir, mut store) = fresh_store();
    let a = item(&mut store, "A-1", 1, 1_000, 100);
    let free = OrderItemDraft {
        sku: None,
        title: Some("Sac trouvé au grenier".into()),
        quantity: 1,
        price_cents: Some(700),
        unit_cost_cents: Some(50),
    };
    let order = store
        .create_order(OrderDraft::sale(1_500, vec![priced("A-1", 1, 800), free]))
        .unwrap();
    assert_eq!(order.items[1].product_id, None);
    assert_eq!(order.cost_cents, 100 + 50);
    assert_eq!(order.profit_cents, Some(1_500 - 150));
    assert_eq!(count_order_movements(&store), 1, "only A-1 moved");
    assert_eq!(quantity(&store, &a.id), 0);
}

#[test]
fn cancelling_a_sale_gives_the_stock_back_exactly_once() {
    let (_dir, mut store) = fresh_store();
    let a = item(&mut store, "A-1", 1, 2_000, 500);
    let b = item(&mut store, "B-1", 4, 1_000, 200);
    let order = store
        .create_order(OrderDraft::sale(
            3_000,
            vec![line("A-1", 1), line("B-1", 3)],
        ))
        .unwrap();
    assert_eq!(store.product(&a.id).unwrap().status, ProductStatus::Sold);

    let canceled = store.cancel_order(&order.id).unwrap();
    assert_eq!(canceled.status, "canceled");
    assert!(canceled.canceled_at.is_some());
    assert_eq!(canceled.timeline.last().unwrap().status, "canceled");
    let back = store.product(&a.id).unwrap();
    assert_eq!(
        (back.quantity, back.status),
        (1, ProductStatus::Ready),
        "sold by this order, back to ready"
    );
    assert_eq!(quantity(&store, &b.id), 4);
    assert_eq!(store.product(&b.id).unwrap().status, ProductStatus::Listed);

    // A second cancel is a no-op: same order, no new movement, no new event.
    let movements = count(&store, "seller_stock_movements");
    let twice = store.cancel_order(&order.id).unwrap();
    assert_eq!(twice, canceled);
    assert_eq!(count(&store, "seller_stock_movements"), movements);
    assert_eq!(quantity(&store, &a.id), 1);
    assert_eq!(quantity(&store, &b.id), 4);
    assert_eq!(
        movements_sum(&store, &a.id),
        1,
        "the stock is the sum of the movements"
    );
    assert_eq!(movements_sum(&store, &b.id), 4);
    let by_orders = |id: &str| -> i64 { order_movements(&store, id).iter().map(|m| m.delta).sum() };
    assert_eq!((by_orders(&a.id), by_orders(&b.id)), (0, 0));
    let reasons: Vec<StockReason> = store
        .stock_movements(&b.id)
        .unwrap()
        .iter()
        .map(|m| m.reason)
        .collect();
    assert_eq!(
        reasons,
        [
            StockReason::Manual,
            StockReason::Sale,
            StockReason::SaleCanceled
        ]
    );

    // A canceled order takes no further status.
    let err = store
        .update_order_status(&order.id, "shipped", None)
        .unwrap_err();
    assert!(has(&fields(err), "status", FieldErrorCode::Invalid));
    assert!(matches!(
        store.cancel_order("no-such-order"),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn a_purchase_raises_stock_and_records_its_cost() {
    let (_dir, mut store) = fresh_store();
    let known = item(&mut store, "A-1", 1, 3_000, 1_000);
    // Sold out, so restocking makes it ready again.
    let sold_out = item(&mut store, "B-1", 1, 2_000, 500);
    store
        .create_order(OrderDraft::sale(2_000, vec![line("B-1", 1)]))
        .unwrap();

    let mut draft = OrderDraft::purchase(
        6_000,
        vec![
            priced("A-1", 3, 4_500),
            priced("B-1", 1, 1_000),
            OrderItemDraft {
                sku: Some("NEW-1".into()),
                title: Some("Jean Levi's 501".into()),
                quantity: 2,
                price_cents: Some(500),
                unit_cost_cents: None,
            },
        ],
    );
    draft.seller_name = Some("Friperie du Centre".into());
    draft.shipping_fee_cents = Some(600);
    draft.payment_method = Some(PaymentMethod::Cash);
    let order = store.create_order(draft).unwrap();

    // Fees are split over the lines by price (4 500 : 1 000 : 500 of 600 → 450, 100, 50) and
    // enter the landed unit cost.
    let units: Vec<i64> = order.items.iter().map(|l| l.unit_cost_cents).collect();
    assert_eq!(units, [(4_500 + 450) / 3, 1_000 + 100, (500 + 50) / 2]);
    assert_eq!(order.cost_cents, 6_000 + 600, "what the goods cost, landed");
    assert_eq!(order.profit_cents, None, "a purchase has no profit");
    assert_eq!(order.seller_name.as_deref(), Some("Friperie du Centre"));

    let restocked = store.product(&known.id).unwrap();
    assert_eq!(restocked.quantity, 4);
    // Weighted average of 1 unit at 10.00 and 3 at 16.50.
    assert_eq!(restocked.purchase_cost_cents, (1_000 + 3 * 1_650 + 2) / 4);
    assert_eq!(restocked.status, ProductStatus::Listed);
    let back = store.product(&sold_out.id).unwrap();
    assert_eq!((back.quantity, back.status), (1, ProductStatus::Ready));
    assert_eq!(
        back.purchase_cost_cents, 1_100,
        "nothing on hand: the new cost"
    );

    let created = store.product_by_sku("NEW-1").unwrap().expect("new item");
    assert_eq!(created.title, "Jean Levi's 501");
    assert_eq!(created.status, ProductStatus::Draft);
    assert_eq!((created.quantity, created.purchase_cost_cents), (2, 275));
    assert_eq!(
        order.items[2].product_id.as_deref(),
        Some(created.id.as_str())
    );
    let movements = store.stock_movements(&created.id).unwrap();
    assert_eq!(movements.len(), 1);
    assert_eq!(
        (movements[0].delta, movements[0].reason),
        (2, StockReason::Purchase)
    );

    // A line without SKU creates an item with a generated SKU.
    let lot = store
        .create_order(OrderDraft::purchase(
            900,
            vec![OrderItemDraft {
                sku: None,
                title: Some("Lot de t-shirts".into()),
                quantity: 3,
                price_cents: None,
                unit_cost_cents: None,
            }],
        ))
        .unwrap();
    let sku = lot.items[0].sku.clone().expect("a generated SKU");
    let tshirts = store.product_by_sku(&sku).unwrap().unwrap();
    assert_eq!((tshirts.quantity, tshirts.purchase_cost_cents), (3, 300));

    // A purchase line that would create an item must be named.
    let err = store
        .create_order(OrderDraft::purchase(100, vec![line("NEW-2", 1)]))
        .unwrap_err();
    assert!(has(&fields(err), "items.0.title", FieldErrorCode::Required));
    assert!(store.product_by_sku("NEW-2").unwrap().is_none());
}

#[test]
fn cancelling_a_purchase_takes_its_stock_out_unless_it_was_sold_since() {
    let (_dir, mut store) = fresh_store();
    let a = item(&mut store, "A-1", 0, 3_000, 0);
    let purchase = store
        .create_order(OrderDraft::purchase(3_000, vec![line("A-1", 3)]))
        .unwrap();
    assert_eq!(quantity(&store, &a.id), 3);
    store
        .create_order(OrderDraft::sale(3_000, vec![line("A-1", 2)]))
        .unwrap();

    let err = store.cancel_order(&purchase.id).unwrap_err();
    assert!(
        matches!(&err, StoreError::InsufficientStock { sku, available: 1, requested: 3 } if sku == "A-1"),
        "{err:?}"
    );
    assert_eq!(quantity(&store, &a.id), 1, "nothing written");
    assert_eq!(store.order(&purchase.id).unwrap().canceled_at, None);

    let other = store
        .create_order(OrderDraft::purchase(1_000, vec![line("A-1", 1)]))
        .unwrap();
    let canceled = store.cancel_order(&other.id).unwrap();
    assert!(canceled.canceled_at.is_some());
    assert_eq!(quantity(&store, &a.id), 1);
    let last = store.stock_movements(&a.id).unwrap().pop().unwrap();
    assert_eq!(
        (last.delta, last.reason),
        (-1, StockReason::PurchaseCanceled)
    );
}

#[test]
fn movements_always_add_up_to_the_change_of_quantity() {
    let (_dir, mut store) = fresh_store();
    let mut items = Vec::new();
    for n in 0..5 {
        items.push(item(&mut store, &format!("M-{n}"), 3, 1_000, 200));
    }
    let mut orders = Vec::new();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = |bound: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % bound
    };
    for _ in 0..60 {
        let sku = format!("M-{}", next(5));
        let quantity = 1 + next(2) as i64;
        let result = match next(4) {
            0 => store.create_order(OrderDraft::purchase(500, vec![line(&sku, quantity)])),
            1 if !orders.is_empty() => {
                let id: &String = &orders[next(orders.len() as u64) as usize];
                store.cancel_order(id)
            }
            _ => store.create_order(OrderDraft::sale(1_000, vec![line(&sku, quantity)])),
        };
        match result {
            Ok(order) => orders.push(order.id),
            Err(StoreError::InsufficientStock { .. }) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    for product in &items {
        let now = store.product(&product.id).unwrap();
        assert_eq!(now.quantity, movements_sum(&store, &product.id));
        assert_eq!(
            store.stock_movements(&product.id).unwrap()[0].delta,
            3,
            "the first stock"
        );
        assert!(now.quantity >= 0);
        assert!(
            now.status != ProductStatus::Sold || now.quantity == 0,
            "sold only when none is left: {now:?}"
        );
    }
}

#[test]
fn invalid_drafts_name_every_wrong_field_and_write_nothing() {
    let (_dir, mut store) = fresh_store();
    item(&mut store, "A-1", 5, 1_000, 100);

    let err = store
        .create_order(OrderDraft::sale(-1, vec![]))
        .unwrap_err();
    let f = fields(err);
    assert!(has(&f, "priceCents", FieldErrorCode::Negative), "{f:?}");
    assert!(has(&f, "items", FieldErrorCode::Required), "{f:?}");

    let mut draft = OrderDraft::sale(
        1_000,
        vec![
            priced("A-1", 0, 400),
            priced("A-1", 1, 500),
            OrderItemDraft {
                sku: None,
                title: None,
                quantity: 1,
                price_cents: None,
                unit_cost_cents: Some(-5),
            },
        ],
    );
    draft.status = "  ".into();
    draft.created_at = Some("last tuesday".into());
    draft.shipping_fee_cents = Some(100);
    draft.fees_total_cents = Some(250);
    draft.tracking.url = Some("javascript:alert(1)".into());
    draft.buyer_name = Some("x".repeat(101));
    let f = fields(store.create_order(draft).unwrap_err());
    for (field, code) in [
        ("status", FieldErrorCode::Required),
        ("createdAt", FieldErrorCode::Invalid),
        ("feesTotalCents", FieldErrorCode::Invalid),
        ("trackingUrl", FieldErrorCode::Invalid),
        ("buyerName", FieldErrorCode::TooLong),
        ("items.0.quantity", FieldErrorCode::Required),
        ("items.1.sku", FieldErrorCode::Duplicate),
        ("items.2.title", FieldErrorCode::Required),
        ("items.2.priceCents", FieldErrorCode::Required),
        ("items.2.unitCostCents", FieldErrorCode::Negative),
    ] {
        assert!(has(&f, field, code), "{field} {code:?} missing from {f:?}");
    }

    // Line prices that do not add up to the order's price.
    let f = fields(
        store
            .create_order(OrderDraft::sale(1_000, vec![priced("A-1", 1, 999)]))
            .unwrap_err(),
    );
    assert_eq!(f, [FieldError::new("items", FieldErrorCode::Invalid)]);

    // "canceled" is only reached through cancel_order; an unknown account is named.
    let mut draft = OrderDraft::sale(1_000, vec![line("A-1", 1)]);
    draft.status = "canceled".into();
    assert!(has(
        &fields(store.create_order(draft).unwrap_err()),
        "status",
        FieldErrorCode::Invalid
    ));
    let mut draft = OrderDraft::sale(1_000, vec![line("A-1", 1)]);
    draft.seller_account_id = Some("no-such-account".into());
    assert_eq!(
        fields(store.create_order(draft).unwrap_err()),
        [FieldError::new("sellerAccountId", FieldErrorCode::Invalid)]
    );

    assert_eq!(count(&store, "seller_orders"), 0);
    assert_eq!(count_order_movements(&store), 0);
    assert_eq!(store.product_by_sku("A-1").unwrap().unwrap().quantity, 5);
}

#[test]
fn a_vinted_order_id_is_unique_per_account() {
    let (_dir, mut store) = fresh_store();
    item(&mut store, "A-1", 5, 1_000, 100);
    let (one, two) = (account(&mut store, "Un"), account(&mut store, "Deux"));
    let vinted = |account: &str| {
        let mut draft = OrderDraft::sale(1_000, vec![line("A-1", 1)]);
        draft.source = OrderSource::Vinted;
        draft.order_id = Some("1234567890".into());
        draft.seller_account_id = Some(account.to_owned());
        draft
    };
    store.create_order(vinted(&one)).unwrap();
    store.create_order(vinted(&two)).unwrap();
    let err = store.create_order(vinted(&one)).unwrap_err();
    assert_eq!(
        fields(err),
        [FieldError::new("orderId", FieldErrorCode::Duplicate)]
    );
    assert_eq!(store.product_by_sku("A-1").unwrap().unwrap().quantity, 3);
}

#[test]
fn the_timeline_is_in_date_order_and_the_status_follows_the_latest_event() {
    let (_dir, mut store) = fresh_store();
    item(&mut store, "A-1", 1, 1_000, 100);
    let mut draft = OrderDraft::sale(1_000, vec![line("A-1", 1)]);
    draft.status = "pending".into();
    draft.created_at = Some("2026-03-01T10:00:00+01:00".into());
    let order = store.create_order(draft).unwrap();
    assert_eq!(order.created_at, "2026-03-01T09:00:00.000Z");
    assert_eq!(order.timeline.len(), 1);
    assert_eq!(
        (
            order.timeline[0].status.as_str(),
            order.timeline[0].occurred_at.as_str()
        ),
        ("pending", "2026-03-01T09:00:00.000Z")
    );

    store
        .update_order_status(&order.id, "shipped", Some("2026-03-03T08:00:00Z"))
        .unwrap();
    // Back-dated: fills the history, the current status stays the latest one.
    let order = store
        .update_order_status(&order.id, "paid", Some("2026-03-02T08:00:00Z"))
        .unwrap();
    assert_eq!(order.status, "shipped");
    let events: Vec<(&str, &str)> = order
        .timeline
        .iter()
        .map(|e| (e.status.as_str(), e.occurred_at.as_str()))
        .collect();
    assert_eq!(
        events,
        [
            ("pending", "2026-03-01T09:00:00.000Z"),
            ("paid", "2026-03-02T08:00:00.000Z"),
            ("shipped", "2026-03-03T08:00:00.000Z"),
        ]
    );
    let order = store
        .update_order_status(&order.id, "completed", None)
        .unwrap();
    assert_eq!(order.status, "completed");
    assert_eq!(order.timeline.len(), 4);

    let err = store
        .update_order_status(&order.id, "delivered", Some("soon"))
        .unwrap_err();
    assert!(has(&fields(err), "occurredAt", FieldErrorCode::Invalid));
    assert!(matches!(
        store.update_order_status("nope", "paid", None),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn processed_flag_and_tracking_are_updated() {
    let (_dir, mut store) = fresh_store();
    item(&mut store, "A-1", 1, 1_000, 100);
    let order = store
        .create_order(OrderDraft::sale(1_000, vec![line("A-1", 1)]))
        .unwrap();
    assert!(!order.processed);
    let order = store.set_order_processed(&order.id, true).unwrap();
    assert!(order.processed);
    let tracking = Tracking {
        number: Some(" 6A123456789 ".into()),
        carrier: Some("Colissimo".into()),
        url: Some("https://www.laposte.fr/outils/suivre-vos-envois?code=6A123456789".into()),
    };
    let order = store.update_order_tracking(&order.id, tracking).unwrap();
    assert_eq!(order.tracking.number.as_deref(), Some("6A123456789"));
    assert_eq!(order.tracking.carrier.as_deref(), Some("Colissimo"));
    let err = store
        .update_order_tracking(
            &order.id,
            Tracking {
                url: Some("ftp://x".into()),
                ..Tracking::default()
            },
        )
        .unwrap_err();
    assert!(has(&fields(err), "trackingUrl", FieldErrorCode::Invalid));
    assert!(matches!(
        store.set_order_processed("nope", true),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(store.order(&order.id).unwrap(), order);
}

#[test]
fn list_orders_filters_sorts_and_pages_in_sql() {
    let (_dir, mut store) = fresh_store();
    let shop_account = account(&mut store, "Boutique");
    item(&mut store, "A-1", 100, 1_000, 100);
    item(&mut store, "B-1", 100, 1_000, 100);
    let mut ids = Vec::new();
    for n in 0..12i64 {
        let mut draft = if n % 4 == 3 {
            OrderDraft::purchase(100 * n, vec![line("B-1", 1)])
        } else {
            OrderDraft::sale(
                100 * n,
                vec![line(if n % 2 == 0 { "A-1" } else { "B-1" }, 1)],
            )
        };
        draft.created_at = Some(format!("2026-01-{:02}T12:00:00Z", n + 1));
        draft.buyer_name = Some(if n == 5 { "Camille Dupont" } else { "Léa" }.into());
        draft.status = if n % 3 == 0 { "shipped" } else { "completed" }.into();
        if n < 6 {
            draft.seller_account_id = Some(shop_account.clone());
        }
        ids.push(store.create_order(draft).unwrap().id);
    }
    store.set_order_processed(&ids[1], true).unwrap();

    let all = store.list_orders(&OrderQuery::default()).unwrap();
    assert_eq!(all.total, 12);
    assert_eq!(all.items[0].id, ids[11], "newest first by default");

    let page = |query: OrderQuery| store.list_orders(&query).unwrap();
    let sales = page(OrderQuery {
        order_type: Some(OrderType::Sale),
        ..OrderQuery::default()
    });
    assert_eq!(sales.total, 9);
    assert!(sales.items.iter().all(|o| o.profit_cents.is_some()));

    let shipped = page(OrderQuery {
        status: Some("shipped".into()),
        ..OrderQuery::default()
    });
    assert_eq!(shipped.total, 4);

    let of_account = page(OrderQuery {
        seller_account_id: Some(shop_account.clone()),
        ..OrderQuery::default()
    });
    assert_eq!(of_account.total, 6);

    let processed = page(OrderQuery {
        processed: Some(true),
        ..OrderQuery::default()
    });
    assert_eq!(processed.items.len(), 1);
    assert_eq!(processed.items[0].id, ids[1]);

    // Half-open period: the 3rd to the 6th of January, the 6th excluded.
    let period = page(OrderQuery {
        from: Some("2026-01-03T00:00:00Z".into()),
        to: Some("2026-01-06T12:00:00+00:00".into()),
        sort_dir: SortDir::Asc,
        ..OrderQuery::default()
    });
    let got: Vec<&str> = period.items.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(got, [&ids[2], &ids[3], &ids[4]]);

    let found = page(OrderQuery {
        search: Some("dupont".into()),
        ..OrderQuery::default()
    });
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].buyer_name.as_deref(), Some("Camille Dupont"));
    let by_line_sku = page(OrderQuery {
        search: Some("A-1".into()),
        ..OrderQuery::default()
    });
    assert_eq!(by_line_sku.total, 6, "the even-numbered sales");
    let wildcard = page(OrderQuery {
        search: Some("%".into()),
        ..OrderQuery::default()
    });
    assert_eq!(wildcard.total, 0, "LIKE wildcards are matched literally");

    // Pages by price, ascending, cover every order once.
    let mut seen = Vec::new();
    for offset in (0..12).step_by(5) {
        let p = page(OrderQuery {
            sort_by: OrderSortField::Price,
            sort_dir: SortDir::Asc,
            limit: 5,
            offset,
            ..OrderQuery::default()
        });
        assert_eq!(p.total, 12);
        seen.extend(p.items.into_iter().map(|o| o.price_cents));
    }
    assert_eq!(seen, (0..12).map(|n| n * 100).collect::<Vec<_>>());

    let by_profit = page(OrderQuery {
        order_type: Some(OrderType::Sale),
        sort_by: OrderSortField::Profit,
        sort_dir: SortDir::Desc,
        limit: 1,
        ..OrderQuery::default()
    });
    assert_eq!(by_profit.items[0].id, ids[10]);
    assert_eq!(by_profit.items[0].profit_cents, Some(1_000 - 100));

    let err = store
        .list_orders(&OrderQuery {
            from: Some("janvier".into()),
            ..OrderQuery::default()
        })
        .unwrap_err();
    assert!(has(&fields(err), "from", FieldErrorCode::Invalid));
}

#[test]
fn an_order_written_before_migration_4_reads_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = crate::common::db_path(&dir);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        for (_, sql) in &seller_store::MIGRATIONS_SQL[..3] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(
            "INSERT INTO seller_orders (id, order_id, order_type, source, title, price, status,
                fees_total, purchase_cost, created_at)
             VALUES ('o-old', '998877', 'sale', 'vinted', 'Veste', 2500, 'completed', 100, 900,
                '2025-05-01T10:00:00.000Z');
             INSERT INTO seller_order_bundle_items (id, order_id, title, sku)
             VALUES ('l-old', 'o-old', 'Veste', 'V-1');
             PRAGMA user_version = 3;",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let order = store.order("o-old").unwrap();
    assert_eq!(order.profit_cents, Some(2_500 - 900 - 100));
    assert_eq!(order.canceled_at, None);
    assert_eq!(order.payment_method, None);
    assert_eq!(order.items.len(), 1);
    let old_line = &order.items[0];
    assert_eq!(
        (
            old_line.quantity,
            old_line.price_cents,
            old_line.product_id.as_deref()
        ),
        (1, 0, None)
    );
    assert!(order.timeline.is_empty());
    assert_eq!(store.integrity_check().unwrap(), "ok");
}
