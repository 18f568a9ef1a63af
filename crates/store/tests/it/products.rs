use crate::common::{fresh_store, full_draft};
use seller_store::products::{ProductDraft, ProductQuery, ProductStatus, SortDir, SortField};
use seller_store::raw::RawSql;
use seller_store::{FieldError, FieldErrorCode, StoreError};

#[test]
fn create_then_read_returns_every_field() {
    let (_dir, mut store) = fresh_store();
    let draft = full_draft("Robe d'été fleurie");
    let created = store.create_product(draft.clone()).unwrap();
    let read = store.product(&created.id).unwrap();
    assert_eq!(read, created);
    assert_eq!(read.title, draft.title);
    assert_eq!(read.price_cents, 4_500);
    assert_eq!(read.purchase_cost_cents, 1_200);
    assert_eq!(read.materials, ["Coton", "Lin"]);
    assert_eq!(read.colors, ["Bleu"]);
    assert_eq!(read.photos, ["photos/a.jpg", "photos/b.jpg"]);
    assert_eq!(read.sku, "SP-000001");
    assert_eq!(read.last_price_cents, None);
    assert!(uuid::Uuid::parse_str(&read.id).unwrap().get_version_num() == 7);
    assert!(
        read.created_at.ends_with('Z') && read.created_at.len() == 24,
        "{}",
        read.created_at
    );
}

#[test]
fn update_replaces_children_in_order_and_remembers_last_price() {
    let (_dir, mut store) = fresh_store();
    let created = store.create_product(full_draft("Veste en jean")).unwrap();
    let mut draft = full_draft("Veste en jean Levi's");
    draft.sku = Some(created.sku.clone());
    draft.price_cents = 3_900;
    draft.photos = vec![
        "photos/b.jpg".into(),
        "photos/c.jpg".into(),
        "photos/a.jpg".into(),
    ];
    draft.materials = vec!["Denim".into()];
    draft.colors = vec![];
    let updated = store.update_product(&created.id, draft).unwrap();
    assert_eq!(updated.title, "Veste en jean Levi's");
    assert_eq!(updated.price_cents, 3_900);
    assert_eq!(updated.last_price_cents, Some(4_500));
    assert_eq!(
        updated.photos,
        ["photos/b.jpg", "photos/c.jpg", "photos/a.jpg"]
    );
    assert_eq!(updated.materials, ["Denim"]);
    assert!(updated.colors.is_empty());
    assert!(updated.updated_at >= created.updated_at);
}

#[test]
fn delete_cascades_to_photos_materials_and_colours() {
    let (_dir, mut store) = fresh_store();
    let created = store.create_product(full_draft("Pull marin")).unwrap();
    let removed_files = store.delete_product(&created.id).unwrap();
    assert_eq!(removed_files, ["photos/a.jpg", "photos/b.jpg"]);
    for table in [
        "seller_product_photos",
        "seller_product_materials",
        "seller_product_colors",
    ] {
        let left: i64 = store
            .connection()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0, "{table} kept rows of a deleted product");
    }
    assert!(matches!(
        store.product(&created.id),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.delete_product(&created.id),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn duplicate_sku_is_a_typed_error_naming_the_sku() {
    let (_dir, mut store) = fresh_store();
    let mut draft = ProductDraft::titled("Jupe plissée");
    draft.sku = Some("JUPE-001".into());
    store.create_product(draft.clone()).unwrap();
    let err = store.create_product(draft).unwrap_err();
    match &err {
        StoreError::DuplicateSku { sku } => assert_eq!(sku, "JUPE-001"),
        other => panic!("expected DuplicateSku, got {other:?}"),
    }
    assert!(err.to_string().contains("JUPE-001"));
    // Nothing half-written: still one product.
    assert_eq!(
        store.list_products(&ProductQuery::default()).unwrap().total,
        1
    );
}

#[test]
fn generated_skus_skip_ones_typed_by_hand() {
    let (_dir, mut store) = fresh_store();
    let mut manual = ProductDraft::titled("A");
    manual.sku = Some("SP-000001".into());
    store.create_product(manual).unwrap();
    let generated = store.create_product(ProductDraft::titled("B")).unwrap();
    assert_eq!(generated.sku, "SP-000002");
}

#[test]
fn invalid_drafts_name_every_wrong_field_and_write_nothing() {
    let (_dir, mut store) = fresh_store();
    let mut draft = ProductDraft::titled("   ");
    draft.price_cents = -1;
    draft.quantity = -2;
    draft.photos = vec!["/etc/passwd".into()];
    let err = store.create_product(draft).unwrap_err();
    let StoreError::Validation(fields) = err else {
        panic!("expected validation error")
    };
    use FieldErrorCode::*;
    assert_eq!(
        fields,
        [
            FieldError::new("title", Required),
            FieldError::new("priceCents", Negative),
            FieldError::new("quantity", Negative),
            FieldError::new("photos", Invalid),
        ]
    );
    assert_eq!(
        store.list_products(&ProductQuery::default()).unwrap().total,
        0
    );
}

#[test]
fn search_folds_accents_and_matches_prefixes_of_every_word() {
    let (_dir, mut store) = fresh_store();
    store
        .create_product(ProductDraft::titled("Robe d'été fleurie"))
        .unwrap();
    store
        .create_product(ProductDraft::titled("Robe de soirée"))
        .unwrap();
    let mut levis = ProductDraft::titled("Jean 501");
    levis.brand = Some("Levi's".into());
    levis.sku = Some("JEAN-501".into());
    store.create_product(levis).unwrap();

    let titles = |search: &str| -> Vec<String> {
        let query = ProductQuery {
            search: Some(search.into()),
            sort_by: SortField::Title,
            sort_dir: SortDir::Asc,
            ..ProductQuery::default()
        };
        store
            .list_products(&query)
            .unwrap()
            .items
            .into_iter()
            .map(|p| p.title)
            .collect()
    };
    assert_eq!(titles("robe ete"), ["Robe d'été fleurie"]);
    assert_eq!(titles("ROBE"), ["Robe d'été fleurie", "Robe de soirée"]);
    assert_eq!(titles("levi"), ["Jean 501"]);
    assert_eq!(titles("jean-501"), ["Jean 501"]);
    assert_eq!(titles("\"unbalanced ( quote*"), Vec::<String>::new());
    assert_eq!(titles("   ").len(), 3, "a blank search is no filter");
}

#[test]
fn list_filters_by_status_sorts_and_pages() {
    let (_dir, mut store) = fresh_store();
    for (i, status) in [
        ProductStatus::Draft,
        ProductStatus::Ready,
        ProductStatus::Ready,
    ]
    .iter()
    .enumerate()
    {
        let mut draft = ProductDraft::titled(&format!("Article {i}"));
        draft.status = *status;
        draft.price_cents = 1000 - i as i64 * 100;
        store.create_product(draft).unwrap();
    }
    let ready = store
        .list_products(&ProductQuery {
            status: Some(ProductStatus::Ready),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(ready.total, 2);
    assert!(ready.items.iter().all(|p| p.status == ProductStatus::Ready));

    let by_price = store
        .list_products(&ProductQuery {
            sort_by: SortField::Price,
            sort_dir: SortDir::Asc,
            limit: 2,
            offset: 1,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(by_price.total, 3);
    let prices: Vec<i64> = by_price.items.iter().map(|p| p.price_cents).collect();
    assert_eq!(prices, [900, 1000]);
}

#[test]
fn list_shows_the_first_photo() {
    let (_dir, mut store) = fresh_store();
    store.create_product(full_draft("Chemise")).unwrap();
    let page = store.list_products(&ProductQuery::default()).unwrap();
    assert_eq!(page.items[0].photo_file.as_deref(), Some("photos/a.jpg"));
}

#[test]
fn a_photo_of_an_unknown_product_is_refused_by_the_foreign_key() {
    let (_dir, store) = fresh_store();
    let err = store
        .connection()
        .execute(
            "INSERT INTO seller_product_photos (id, product_id, url, position) VALUES ('x', 'missing', 'photos/a.jpg', 0)",
            [],
        )
        .unwrap_err();
    assert_eq!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::ConstraintViolation),
        "{err}"
    );
}
