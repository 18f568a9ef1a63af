//! Out-of-range values as a hostile or buggy caller (the IPC) would send them: each is refused
//! with a validation error naming the field, and nothing is written.

use crate::common::fresh_store;
use seller_store::orders::{OrderDraft, OrderItemDraft, OrderQuery};
use seller_store::products::{
    BulkChange, ProductDraft, ProductQuery, ProductSelection, ProductStatus,
};
use seller_store::{FieldError, FieldErrorCode, StoreError};

fn refused_with(
    result: Result<impl std::fmt::Debug, StoreError>,
    field: &str,
    code: FieldErrorCode,
) {
    match result {
        Err(StoreError::Validation(errors)) => assert!(
            errors.contains(&FieldError::new(field, code)),
            "{field} {code:?} not in {errors:?}"
        ),
        other => panic!("expected a validation error on {field}, got {other:?}"),
    }
}

#[test]
fn a_negative_price_or_a_huge_quantity_is_refused() {
    let (_dir, mut store) = fresh_store();
    let mut negative = ProductDraft::titled("Robe");
    negative.price_cents = -500;
    refused_with(
        store.create_product(negative),
        "priceCents",
        FieldErrorCode::Negative,
    );
    let mut huge = ProductDraft::titled("Robe");
    huge.quantity = 1_000_000_000_000;
    refused_with(
        store.create_product(huge),
        "quantity",
        FieldErrorCode::TooLarge,
    );
    let mut cost = ProductDraft::titled("Robe");
    cost.purchase_cost_cents = i64::MAX;
    refused_with(
        store.create_product(cost),
        "purchaseCostCents",
        FieldErrorCode::TooLarge,
    );
    assert_eq!(
        store.list_products(&ProductQuery::default()).unwrap().total,
        0
    );
}

#[test]
fn a_page_size_or_days_in_stock_beyond_their_range_are_refused() {
    let (_dir, store) = fresh_store();
    let products = ProductQuery {
        limit: 1_000_000_000,
        ..ProductQuery::default()
    };
    refused_with(
        store.list_products(&products),
        "limit",
        FieldErrorCode::TooLarge,
    );
    let orders = OrderQuery {
        limit: 1_000_000_000,
        ..OrderQuery::default()
    };
    refused_with(
        store.list_orders(&orders),
        "limit",
        FieldErrorCode::TooLarge,
    );
    for days in [Some(u32::MAX), Some(1_000_000_000)] {
        let old = ProductQuery {
            max_days_in_stock: days,
            ..ProductQuery::default()
        };
        refused_with(
            store.list_products(&old),
            "maxDaysInStock",
            FieldErrorCode::TooLarge,
        );
        let older = ProductQuery {
            min_days_in_stock: days,
            ..ProductQuery::default()
        };
        refused_with(
            store.list_products(&older),
            "minDaysInStock",
            FieldErrorCode::TooLarge,
        );
        // Counting (what a bulk selection and an export filter with) never panics on them.
        assert_eq!(store.count_products(&older).unwrap(), 0);
    }
    // The largest page the list asks for still works.
    let page = ProductQuery {
        limit: 500,
        ..ProductQuery::default()
    };
    assert!(store.list_products(&page).is_ok());
}

#[test]
fn a_bulk_price_change_beyond_the_allowed_percentages_is_refused() {
    let (_dir, mut store) = fresh_store();
    let mut draft = ProductDraft::titled("Robe");
    draft.price_cents = 1_000;
    let product = store.create_product(draft).unwrap();
    let selection = ProductSelection::Ids {
        ids: vec![product.id.clone()],
    };
    // 1,000,000 % is 100,000,000 basis points.
    let huge = BulkChange::ChangePriceByPercent {
        basis_points: 100_000_000,
    };
    refused_with(
        store.bulk_update(&selection, &huge),
        "basisPoints",
        FieldErrorCode::TooLarge,
    );
    let below_zero = BulkChange::ChangePriceByPercent {
        basis_points: -20_000,
    };
    refused_with(
        store.bulk_update(&selection, &below_zero),
        "basisPoints",
        FieldErrorCode::Negative,
    );
    let overflow = BulkChange::AddToPrice { cents: i64::MAX };
    refused_with(
        store.bulk_update(&selection, &overflow),
        "cents",
        FieldErrorCode::TooLarge,
    );
    assert_eq!(store.product(&product.id).unwrap().price_cents, 1_000);
}

#[test]
fn an_order_with_a_negative_price_or_a_huge_quantity_is_refused() {
    let (_dir, mut store) = fresh_store();
    let mut draft = ProductDraft::titled("Robe");
    draft.sku = Some("R-1".to_owned());
    draft.quantity = 1;
    store.create_product(draft).unwrap();
    refused_with(
        store.create_order(OrderDraft::sale(-100, vec![OrderItemDraft::sku("R-1", 1)])),
        "priceCents",
        FieldErrorCode::Negative,
    );
    let huge = store.create_order(OrderDraft::purchase(
        100,
        vec![OrderItemDraft::sku("R-1", 1_000_000_000_000)],
    ));
    assert!(
        matches!(huge, Err(StoreError::Validation(_))),
        "a quantity of 10^12 is refused: {huge:?}"
    );
    assert_eq!(store.list_orders(&OrderQuery::default()).unwrap().total, 0);
}

#[test]
fn an_enumeration_value_outside_its_set_is_refused_when_read() {
    // What the IPC deserialises: a status outside the set never becomes a value.
    let status: Result<ProductStatus, _> = serde_json::from_str("\"active\"");
    assert!(status.is_err());
    let change: Result<BulkChange, _> =
        serde_json::from_str(r#"{"kind":"setStatus","status":"deleted"}"#);
    assert!(change.is_err());
    assert!("active".parse::<ProductStatus>().is_err());
    assert_eq!("listed".parse::<ProductStatus>(), Ok(ProductStatus::Listed));
}
