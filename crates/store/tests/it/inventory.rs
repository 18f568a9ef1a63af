//! The inventory at work: filters, counts, bulk actions with undo, duplicates and SKU patterns.

use crate::common::{db_path, fresh_store, full_draft};
use seller_store::accounts::AccountDraft;
use seller_store::orders::{OrderDraft, OrderItemDraft};
use seller_store::products::{
    BulkChange, Condition, ProductDraft, ProductQuery, ProductSelection, ProductStatus, SortDir,
    SortField,
};
use seller_store::{FieldErrorCode, Store, StoreError};

fn draft(title: &str, brand: &str, price: i64, status: ProductStatus) -> ProductDraft {
    ProductDraft {
        brand: Some(brand.to_owned()),
        price_cents: price,
        status,
        photos: vec![],
        ..full_draft(title)
    }
}

fn ids(store: &Store, query: &ProductQuery) -> Vec<String> {
    let mut ids: Vec<String> = store
        .list_products(query)
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.title)
        .collect();
    ids.sort();
    ids
}

/// The count the store answers must equal the rows a full listing returns, whichever shortcut
/// the count takes.
fn assert_count_agrees(store: &Store, query: &ProductQuery) {
    let listed = store
        .list_products(&ProductQuery {
            limit: 500,
            ..query.clone()
        })
        .unwrap();
    assert_eq!(
        listed.total as usize,
        listed.items.len(),
        "count disagrees with the rows for {query:?}"
    );
}

#[test]
fn every_filter_narrows_the_list_and_the_count_agrees() {
    let (dir, mut store) = fresh_store();
    let robe = store
        .create_product(draft("Robe d'été", "Sézane", 4_500, ProductStatus::Ready))
        .unwrap();
    let mut jean = draft("Jean slim", "Levi's", 2_000, ProductStatus::Listed);
    jean.category = Some("Jeans".into());
    jean.size = Some("M".into());
    jean.condition = Some(Condition::Good);
    jean.colors = vec!["Noir".into()];
    jean.materials = vec!["Denim".into()];
    let jean = store.create_product(jean).unwrap();
    store
        .create_product(draft("Pull laine", "Sézane", 3_000, ProductStatus::Draft))
        .unwrap();

    let q = |f: &dyn Fn(&mut ProductQuery)| {
        let mut query = ProductQuery::default();
        f(&mut query);
        query
    };
    let cases: Vec<(ProductQuery, Vec<&str>)> = vec![
        (q(&|_| {}), vec!["Jean slim", "Pull laine", "Robe d'été"]),
        (
            q(&|q| q.search = Some("robe ete".into())),
            vec!["Robe d'été"],
        ),
        (
            q(&|q| q.status = Some(ProductStatus::Listed)),
            vec!["Jean slim"],
        ),
        (
            q(&|q| q.brand = Some("sézane".into())),
            vec!["Pull laine", "Robe d'été"],
        ),
        (q(&|q| q.category = Some("jeans".into())), vec!["Jean slim"]),
        (q(&|q| q.size = Some("M".into())), vec!["Jean slim"]),
        (
            q(&|q| q.condition = Some(Condition::Good)),
            vec!["Jean slim"],
        ),
        (q(&|q| q.color = Some("noir".into())), vec!["Jean slim"]),
        (
            q(&|q| q.material = Some("Lin".into())),
            vec!["Pull laine", "Robe d'été"],
        ),
        (
            q(&|q| q.min_price_cents = Some(2_500)),
            vec!["Pull laine", "Robe d'été"],
        ),
        (
            q(&|q| q.max_price_cents = Some(3_000)),
            vec!["Jean slim", "Pull laine"],
        ),
        (q(&|q| q.min_days_in_stock = Some(1)), vec![]),
        (
            q(&|q| q.max_days_in_stock = Some(1)),
            vec!["Jean slim", "Pull laine", "Robe d'été"],
        ),
        (
            q(&|q| {
                q.search = Some("s".into());
                q.status = Some(ProductStatus::Ready);
            }),
            vec!["Robe d'été"],
        ),
    ];
    for (query, expected) in &cases {
        assert_eq!(ids(&store, query), *expected, "{query:?}");
        assert_count_agrees(&store, query);
    }

    // Published on an account: a publication record written as the Vinted flows will.
    let account = store
        .create_account(AccountDraft {
            name: "Boutique Lyon".into(),
            username: None,
            email: None,
            avatar: None,
            vinted_base_url: "https://www.vinted.fr".into(),
            proxy: None,
        })
        .unwrap();
    let conn = rusqlite::Connection::open(db_path(&dir)).unwrap();
    conn.execute(
        "INSERT INTO seller_published_listings (id, product_id, sku, title, price, seller_account_id)
         VALUES ('01930000-0000-7000-8000-000000000001', ?1, ?2, 'Jean', 2000, ?3)",
        (&jean.id, &jean.sku, &account.id),
    )
    .unwrap();
    let query = q(&|q| q.seller_account_id = Some(account.id.clone()));
    assert_eq!(ids(&store, &query), ["Jean slim"]);
    assert_count_agrees(&store, &query);

    let facets = store.product_facets().unwrap();
    assert_eq!(facets.brands, ["Levi's", "Sézane"]);
    assert_eq!(facets.colors, ["Bleu", "Noir"]);
    assert!(facets.categories.contains(&"Jeans".to_owned()));
    let _ = robe;
}

#[test]
fn bulk_changes_apply_to_the_selection_and_undo_restores_them_exactly() {
    let (_dir, mut store) = fresh_store();
    let a = store
        .create_product(draft("A", "Zara", 1_000, ProductStatus::Draft))
        .unwrap();
    let b = store
        .create_product(draft("B", "Zara", 2_995, ProductStatus::Draft))
        .unwrap();
    let c = store
        .create_product(draft("C", "Nike", 5_000, ProductStatus::Draft))
        .unwrap();
    let selection = ProductSelection::Ids {
        ids: vec![a.id.clone(), b.id.clone()],
    };

    let changes = [
        BulkChange::SetStatus {
            status: ProductStatus::Listed,
        },
        BulkChange::AddToPrice { cents: -500 },
        BulkChange::ChangePriceByPercent {
            basis_points: -1_500,
        },
        BulkChange::SetCategory {
            category: Some("Robes".into()),
        },
        BulkChange::SetBrand { brand: None },
    ];
    for change in &changes {
        let before = [store.product(&a.id).unwrap(), store.product(&b.id).unwrap()];
        let outcome = store.bulk_update(&selection, change).unwrap();
        assert_eq!(outcome.affected, 2, "{change:?}");
        assert!(store.can_undo_bulk_action());
        let after = store.product(&b.id).unwrap();
        match change {
            BulkChange::SetStatus { status } => assert_eq!(after.status, *status),
            BulkChange::AddToPrice { .. } => assert_eq!(after.price_cents, 2_495),
            // 2 995 × 0.85 = 2 545.75 → 2 546 cents.
            BulkChange::ChangePriceByPercent { .. } => assert_eq!(after.price_cents, 2_546),
            BulkChange::SetCategory { .. } => assert_eq!(after.category.as_deref(), Some("Robes")),
            BulkChange::SetBrand { .. } => assert_eq!(after.brand, None),
            BulkChange::Delete => unreachable!(),
        }
        assert_eq!(
            store.product(&c.id).unwrap(),
            c,
            "unselected product untouched"
        );
        assert_eq!(store.undo_bulk_action().unwrap().affected, 2);
        assert_eq!(
            [store.product(&a.id).unwrap(), store.product(&b.id).unwrap()],
            before,
            "undo of {change:?}"
        );
        assert!(matches!(
            store.undo_bulk_action(),
            Err(StoreError::NothingToUndo)
        ));
    }
}

#[test]
fn bulk_delete_of_a_filter_is_undone_with_photos_tags_stock_history_and_order_links() {
    let (_dir, mut store) = fresh_store();
    let mut sold = draft("Robe vendue", "Zara", 3_000, ProductStatus::Listed);
    sold.quantity = 3;
    let sold = store.create_product(sold).unwrap();
    let kept = store
        .create_product(draft("Veste", "Nike", 8_000, ProductStatus::Listed))
        .unwrap();
    let order = store
        .create_order(OrderDraft::sale(
            3_000,
            vec![OrderItemDraft::sku(&sold.sku, 1)],
        ))
        .unwrap();
    let movements = store.stock_movements(&sold.id).unwrap();
    let sold = store.product(&sold.id).unwrap();
    let total_before = store.list_products(&ProductQuery::default()).unwrap().total;

    let outcome = store
        .bulk_update(
            &ProductSelection::Matching {
                query: Box::new(ProductQuery {
                    brand: Some("Zara".into()),
                    ..ProductQuery::default()
                }),
            },
            &BulkChange::Delete,
        )
        .unwrap();
    assert_eq!(outcome.affected, 1);
    assert!(store.product(&sold.id).is_err());
    assert_eq!(store.order(&order.id).unwrap().items[0].product_id, None);
    assert_eq!(
        store.list_products(&ProductQuery::default()).unwrap().total,
        total_before - 1
    );

    store.undo_bulk_action().unwrap();
    assert_eq!(store.product(&sold.id).unwrap(), sold);
    assert_eq!(store.stock_movements(&sold.id).unwrap(), movements);
    assert_eq!(
        store.order(&order.id).unwrap().items[0]
            .product_id
            .as_deref(),
        Some(sold.id.as_str())
    );
    assert_eq!(store.product(&kept.id).unwrap(), kept);
    let found = store
        .list_products(&ProductQuery {
            search: Some("robe vendue".into()),
            ..ProductQuery::default()
        })
        .unwrap();
    assert_eq!(found.total, 1, "the search index knows the restored item");
    assert_eq!(
        store.list_products(&ProductQuery::default()).unwrap().total,
        total_before
    );
}

#[test]
fn undo_is_refused_once_something_else_was_written() {
    let (_dir, mut store) = fresh_store();
    let a = store
        .create_product(draft("A", "Zara", 1_000, ProductStatus::Draft))
        .unwrap();
    store
        .bulk_update(
            &ProductSelection::Ids {
                ids: vec![a.id.clone()],
            },
            &BulkChange::AddToPrice { cents: 100 },
        )
        .unwrap();
    let mut edit = draft("A édité", "Zara", 1_100, ProductStatus::Draft);
    edit.sku = Some(a.sku.clone());
    store.update_product(&a.id, edit).unwrap();
    assert!(!store.can_undo_bulk_action());
    assert!(matches!(
        store.undo_bulk_action(),
        Err(StoreError::UndoOutdated)
    ));
    assert_eq!(store.product(&a.id).unwrap().title, "A édité");
}

#[test]
fn a_price_change_that_would_go_below_zero_changes_nothing() {
    let (_dir, mut store) = fresh_store();
    let cheap = store
        .create_product(draft("Cheap", "Zara", 300, ProductStatus::Draft))
        .unwrap();
    let dear = store
        .create_product(draft("Dear", "Zara", 3_000, ProductStatus::Draft))
        .unwrap();
    let err = store
        .bulk_update(
            &ProductSelection::Ids {
                ids: vec![cheap.id.clone(), dear.id.clone()],
            },
            &BulkChange::AddToPrice { cents: -500 },
        )
        .unwrap_err();
    match err {
        StoreError::Validation(fields) => {
            assert_eq!(fields[0].field, "priceCents");
            assert_eq!(fields[0].code, FieldErrorCode::Negative);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(store.product(&dear.id).unwrap().price_cents, 3_000);
    assert!(!store.can_undo_bulk_action());
}

#[test]
fn a_duplicate_is_a_draft_with_a_new_sku_sharing_the_photos() {
    let (_dir, mut store) = fresh_store();
    let original = store.create_product(full_draft("Robe")).unwrap();
    let copy = store.duplicate_product(&original.id).unwrap();
    assert_ne!(copy.id, original.id);
    assert_ne!(copy.sku, original.sku);
    assert_eq!(copy.status, ProductStatus::Draft);
    assert_eq!(copy.title, original.title);
    assert_eq!(copy.photos, original.photos);
    assert_eq!(copy.materials, original.materials);
    // Deleting one keeps the files the other still shows.
    assert!(store.delete_product(&copy.id).unwrap().is_empty());
    assert_eq!(store.delete_product(&original.id).unwrap(), original.photos);
}

#[test]
fn skus_follow_the_shop_pattern_and_stay_unique() {
    let (_dir, mut store) = fresh_store();
    assert_eq!(store.sku_pattern().unwrap(), "SP-{n:6}");
    let first = store.create_product(ProductDraft::titled("Un")).unwrap();
    assert_eq!(first.sku, "SP-000001");

    store.set_sku_pattern("VT-{n:3}").unwrap();
    assert_eq!(store.preview_sku("VT-{n:3}").unwrap(), "VT-002");
    // A SKU typed by hand that the pattern would produce next is skipped.
    let mut manual = ProductDraft::titled("Deux");
    manual.sku = Some("VT-002".into());
    store.create_product(manual).unwrap();
    let third = store.create_product(ProductDraft::titled("Trois")).unwrap();
    assert_eq!(third.sku, "VT-003");

    for bad in ["", "VT-", "{n}{n}", "{oops}{n}"] {
        assert!(
            matches!(store.set_sku_pattern(bad), Err(StoreError::Validation(_))),
            "{bad:?}"
        );
    }
    assert_eq!(store.sku_pattern().unwrap(), "VT-{n:3}");
}

#[test]
fn the_running_totals_agree_with_the_products_after_every_kind_of_write() {
    let (dir, mut store) = fresh_store();
    let mut made = Vec::new();
    for i in 0..30 {
        let mut d = draft(
            &format!("Article {i}"),
            "Zara",
            1_000 + i * 10,
            ProductStatus::Ready,
        );
        d.quantity = i % 4;
        made.push(store.create_product(d).unwrap());
    }
    store
        .bulk_update(
            &ProductSelection::Ids {
                ids: made[..10].iter().map(|p| p.id.clone()).collect(),
            },
            &BulkChange::SetStatus {
                status: ProductStatus::Archived,
            },
        )
        .unwrap();
    store
        .bulk_update(
            &ProductSelection::Ids {
                ids: made[5..15].iter().map(|p| p.id.clone()).collect(),
            },
            &BulkChange::Delete,
        )
        .unwrap();
    store.undo_bulk_action().unwrap();
    store.delete_product(&made[20].id).unwrap();
    let sale = store
        .create_order(OrderDraft::sale(
            900,
            vec![OrderItemDraft::sku(&made[23].sku, 2)],
        ))
        .unwrap();
    store.cancel_order(&sale.id).unwrap();

    let conn = rusqlite::Connection::open(db_path(&dir)).unwrap();
    let scanned: Vec<(String, i64, i64, i64, i64)> = conn
        .prepare(
            "SELECT status, count(*), SUM(quantity), SUM(quantity * purchase_cost),
                    SUM(quantity * price)
             FROM seller_products GROUP BY status ORDER BY status",
        )
        .unwrap()
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let totals: Vec<(String, i64, i64, i64, i64)> = conn
        .prepare(
            "SELECT status, products, units, cost_value, price_value
             FROM seller_inventory_totals WHERE products <> 0 ORDER BY status",
        )
        .unwrap()
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(totals, scanned);
}

#[test]
fn pages_from_either_end_of_the_order_make_up_the_whole_list() {
    let (_dir, mut store) = fresh_store();
    for i in 0..37 {
        // Repeated prices and titles: the id tie-break must keep the order total.
        let status = if i % 3 == 0 {
            ProductStatus::Listed
        } else {
            ProductStatus::Ready
        };
        store
            .create_product(draft(
                &format!("Article {}", i % 5),
                "Zara",
                1_000 + (i % 4) * 100,
                status,
            ))
            .unwrap();
    }
    for sort_by in [SortField::Price, SortField::Title, SortField::UpdatedAt] {
        for sort_dir in [SortDir::Asc, SortDir::Desc] {
            for status in [None, Some(ProductStatus::Ready)] {
                let query = ProductQuery {
                    sort_by,
                    sort_dir,
                    status,
                    limit: 500,
                    ..ProductQuery::default()
                };
                let whole: Vec<String> = store
                    .list_products(&query)
                    .unwrap()
                    .items
                    .into_iter()
                    .map(|p| p.id)
                    .collect();
                let mut paged = Vec::new();
                for offset in (0..whole.len() as u32 + 5).step_by(5) {
                    let page = store
                        .list_products(&ProductQuery {
                            limit: 5,
                            offset,
                            ..query.clone()
                        })
                        .unwrap();
                    assert_eq!(page.total as usize, whole.len());
                    paged.extend(page.items.into_iter().map(|p| p.id));
                }
                assert_eq!(paged, whole, "{sort_by:?} {sort_dir:?} {status:?}");
            }
        }
    }
}
