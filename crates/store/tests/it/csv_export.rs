//! CSV export of the inventory: the format written, filters and paging, and the round trip
//! export → file → import into a fresh store without loss.

use std::sync::atomic::AtomicBool;

use crate::common::{db_path, fresh_store, full_draft};
use seller_store::csv::{
    CsvDelimiter, CsvEncoding, CsvExportOptions, CsvField, CsvImportOptions, CsvLanguage,
    DecimalSeparator, MappingSource,
};
use seller_store::products::{
    Condition, PackageSize, Product, ProductDraft, ProductQuery, ProductStatus, SortDir, SortField,
};
use seller_store::{Store, now_rfc3339 as now};

fn export(store: &Store, query: &ProductQuery, options: &CsvExportOptions) -> (u32, Vec<u8>) {
    let mut out = Vec::new();
    let written = store
        .export_inventory_csv(query, options, &mut out)
        .unwrap();
    (written, out)
}

/// Every product of the store, all pages.
fn all_products(store: &Store, query: &ProductQuery) -> Vec<Product> {
    let mut page = ProductQuery {
        limit: 100,
        offset: 0,
        ..query.clone()
    };
    let mut products = Vec::new();
    loop {
        let items = store.list_products(&page).unwrap().items;
        if items.is_empty() {
            return products;
        }
        products.extend(items.iter().map(|s| store.product(&s.id).unwrap()));
        page.offset += 100;
    }
}

/// What an import must give back: everything but the id, times, previous price and photos
/// (photo files stay in the app's folder and are exported for reference only). The stock-entry
/// date is compared apart, with [`to_the_minute`].
fn comparable(p: &Product) -> ProductDraft {
    ProductDraft {
        sku: Some(p.sku.clone()),
        title: p.title.clone(),
        description: p.description.clone(),
        category: p.category.clone(),
        brand: p.brand.clone(),
        condition: p.condition,
        size: p.size.clone(),
        price_cents: p.price_cents,
        purchase_cost_cents: p.purchase_cost_cents,
        quantity: p.quantity,
        package_size: p.package_size,
        status: p.status,
        internal_notes: p.internal_notes.clone(),
        materials: p.materials.clone(),
        colors: p.colors.clone(),
        photos: Vec::new(),
    }
}

/// A stored time cut to the minute, what an export keeps of a stock-entry date (it is written in
/// local time, and local offsets are whole minutes, so the cut is the same in UTC).
fn to_the_minute(rfc3339: &str) -> String {
    format!("{}:00.000Z", &rfc3339[..16])
}

/// A stored time as an export writes it in the machine's time zone.
fn local(rfc3339: &str, pattern: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&chrono::Local)
        .format(pattern)
        .to_string()
}

/// Dates items entered the stock, as an older shop has them: to the millisecond, at the turn of
/// a year and of a leap day, so that a time zone or a cut in the wrong place shows.
const STOCKED_AT: [&str; 4] = [
    "2025-12-31T23:59:59.999Z",
    "2024-02-29T00:00:00.000Z",
    "2023-07-14T09:41:27.123Z",
    "2019-01-01T00:00:30.500Z",
];

/// Sets when the product with `sku` entered the stock, as only an import can.
fn set_stocked_at(dir: &tempfile::TempDir, sku: &str, created_at: &str) {
    let conn = rusqlite::Connection::open(db_path(dir)).unwrap();
    let changed = conn
        .execute(
            "UPDATE seller_products SET created_at = ?1 WHERE sku = ?2",
            [created_at, sku],
        )
        .unwrap();
    assert_eq!(changed, 1, "{sku}");
}

/// Products meant to break a naive CSV writer or reader.
fn tricky_store() -> (tempfile::TempDir, Store) {
    let (dir, mut store) = fresh_store();
    let mut robe = full_draft("Robe d'été « Riviera »");
    robe.sku = Some("ROBE;001".into());
    robe.description =
        "Robe \"vintage\"; taille 38, coupe ample.\nLavée à 30°.\r\n- Sans défaut\n\n  Indentée"
            .into();
    robe.internal_notes = Some("Vide-grenier; Lyon\nPayée 5 €".into());
    robe.materials = vec!["Coton, bio".into()];
    robe.colors = vec!["Bleu".into(), "Blanc cassé".into(), "Vert; d'eau".into()];
    robe.price_cents = 123_456;
    robe.purchase_cost_cents = 5;
    store.create_product(robe).unwrap();

    let mut formula = ProductDraft::titled("=HYPERLINK(\"http://example.invalid\";\"clic\")");
    formula.description = "- tiret\n+ plus\n@arobase".into();
    formula.brand = Some("@marque".into());
    formula.category = Some("+33".into());
    formula.internal_notes = Some("'=déjà gardé".into());
    formula.size = Some("-".into());
    formula.materials = vec!["=1+1".into(), "Lin".into()];
    store.create_product(formula).unwrap();

    let mut bare = ProductDraft::titled("Écharpe");
    bare.quantity = 0;
    bare.status = ProductStatus::Archived;
    store.create_product(bare).unwrap();

    let mut expensive = ProductDraft::titled("Sac \"Kelly\", cuir; rare");
    expensive.sku = Some("  SAC 1  ".into());
    expensive.price_cents = 99_999_999;
    expensive.purchase_cost_cents = 100_000_000;
    expensive.quantity = 1_000_000;
    expensive.status = ProductStatus::Sold;
    expensive.condition = Some(Condition::Satisfactory);
    expensive.package_size = Some(PackageSize::Large);
    store.create_product(expensive).unwrap();

    for (i, status) in ProductStatus::ALL.iter().enumerate() {
        let mut draft = full_draft(&format!("Article {i} — ça, là; «ok»"));
        draft.status = *status;
        draft.condition = Some(Condition::ALL[i % Condition::ALL.len()]);
        draft.package_size = (i % 4 < 3).then(|| PackageSize::ALL[i % 3]);
        draft.price_cents = i as i64 * 101;
        draft.quantity = i as i64;
        draft.colors = vec![];
        store.create_product(draft).unwrap();
    }
    // Some items entered the stock long ago (the others now).
    let skus: Vec<String> = all_products(&store, &ProductQuery::default())
        .into_iter()
        .map(|p| p.sku)
        .collect();
    for (sku, created_at) in skus.iter().step_by(2).zip(STOCKED_AT) {
        set_stocked_at(&dir, sku, created_at);
    }
    (dir, store)
}

fn round_trip(options: CsvExportOptions) {
    let (_dir, source) = tricky_store();
    let originals = all_products(&source, &ProductQuery::default());
    assert_eq!(originals.len(), 10);

    let file_dir = tempfile::tempdir().unwrap();
    let path = file_dir.path().join("inventaire.csv");
    let written = source
        .export_inventory_csv(
            &ProductQuery::default(),
            &options,
            std::fs::File::create(&path).unwrap(),
        )
        .unwrap();
    assert_eq!(written, 10);
    let bytes = std::fs::read(&path).unwrap();

    let (_dir2, mut target) = fresh_store();
    let started = now();
    let preview = target
        .preview_inventory_csv(&bytes, &CsvImportOptions::default())
        .unwrap();
    assert_eq!(preview.format.encoding, CsvEncoding::Utf8);
    assert_eq!(preview.format.delimiter, options.delimiter);
    assert_eq!(preview.mapping_source, MappingSource::Suggested);
    assert_eq!(preview.mapping.len(), 17);
    assert_eq!(preview.mapping[15], Some(CsvField::CreatedAt));
    assert_eq!(preview.mapping[16], None, "photos are not imported");
    assert!(preview.mapping[..16].iter().all(Option::is_some));
    assert_eq!(preview.errors, []);
    let report = target
        .import_inventory_csv(
            &bytes,
            &CsvImportOptions::default(),
            &mut |_, _| {},
            &AtomicBool::new(false),
        )
        .unwrap();
    assert_eq!((report.imported, report.skipped), (10, 0));

    for original in &originals {
        let imported = target
            .product_by_sku(&original.sku)
            .unwrap()
            .unwrap_or_else(|| panic!("{:?} not imported", original.sku));
        assert_eq!(comparable(&imported), comparable(original));
        assert_eq!(
            imported.created_at,
            to_the_minute(&original.created_at),
            "{}: the stock-entry date comes back to the minute",
            original.sku
        );
        assert!(imported.updated_at >= started, "{}", imported.updated_at);
        assert!(imported.photos.is_empty());
    }
    let old = originals
        .iter()
        .filter(|p| STOCKED_AT.contains(&p.created_at.as_str()))
        .count();
    assert_eq!(old, STOCKED_AT.len(), "the old dates were exported");
    // The SKU generator of the new store skips the SKUs imported.
    let next = target
        .create_product(ProductDraft::titled("Nouveau"))
        .unwrap();
    assert!(originals.iter().all(|p| p.sku != next.sku), "{}", next.sku);
}

#[test]
fn round_trip_through_a_french_excel_file_keeps_every_field() {
    round_trip(CsvExportOptions::excel_fr());
}

#[test]
fn round_trip_through_an_english_file_keeps_every_field() {
    round_trip(CsvExportOptions::english());
}

#[test]
fn round_trip_through_a_tab_separated_file_keeps_every_field() {
    round_trip(CsvExportOptions {
        language: CsvLanguage::En,
        delimiter: CsvDelimiter::Tab,
        decimal: DecimalSeparator::Comma,
        bom: true,
    });
}

#[test]
fn french_export_is_what_excel_reads() {
    let (dir, mut store) = fresh_store();
    let mut draft = full_draft("Robe d'été");
    draft.sku = Some("R1".into());
    draft.description = "Ligne 1\nLigne 2".into();
    store.create_product(draft).unwrap();
    set_stocked_at(&dir, "R1", "2024-02-29T17:45:59.999Z");
    let stocked = local("2024-02-29T17:45:59.999Z", "%d/%m/%Y %H:%M");
    let (written, bytes) = export(
        &store,
        &ProductQuery::default(),
        &CsvExportOptions::excel_fr(),
    );
    assert_eq!(written, 1);
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert_eq!(
        text,
        format!(
            "SKU;Titre;Description;Catégorie;Marque;État;Taille;Prix;Prix d'achat;Quantité;\
             Taille du colis;Statut;Notes internes;Matières;Couleurs;Date d'entrée;Photos\r\n\
             R1;Robe d'été;\"Ligne 1\nLigne 2\";Robes;Sézane;Très bon état;38;45,00;12,00;1;\
             Petit;Prêt;Vide-grenier de Lyon;Coton|Lin;Bleu;{stocked};photos/a.jpg|photos/b.jpg\r\n"
        )
    );
}

#[test]
fn english_export_uses_english_headers_labels_and_decimal_point() {
    let (dir, mut store) = fresh_store();
    let mut draft = full_draft("Dress");
    draft.sku = Some("D1".into());
    draft.photos = vec![];
    draft.status = ProductStatus::Listed;
    draft.condition = Some(Condition::NewWithTags);
    store.create_product(draft).unwrap();
    set_stocked_at(&dir, "D1", "2024-02-29T17:45:59.999Z");
    let stocked = local("2024-02-29T17:45:59.999Z", "%Y-%m-%d %H:%M");
    let (_, bytes) = export(
        &store,
        &ProductQuery::default(),
        &CsvExportOptions::english(),
    );
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        format!(
            "SKU,Title,Description,Category,Brand,Condition,Size,Price,Purchase cost,Quantity,\
             Package size,Status,Internal notes,Materials,Colours,Date added,Photos\r\n\
             D1,Dress,\"Portée deux fois, aucun défaut.\",Robes,Sézane,New with tags,38,45.00,\
             12.00,1,Small,Listed,Vide-grenier de Lyon,Coton|Lin,Bleu,{stocked},\r\n"
        )
    );
}

fn exported_skus(store: &Store, query: &ProductQuery) -> Vec<String> {
    let (written, bytes) = export(store, query, &CsvExportOptions::english());
    let mut reader = csv::Reader::from_reader(&bytes[..]);
    let skus: Vec<String> = reader
        .records()
        .map(|r| r.unwrap().get(0).unwrap().to_owned())
        .collect();
    assert_eq!(skus.len(), written as usize);
    skus
}

#[test]
fn export_writes_what_the_filter_shows_in_its_order_across_pages() {
    let (_dir, mut store) = fresh_store();
    // 1,234 products (more than two pages of 500), a third of them sold.
    let mut file = String::from("SKU;Titre;Prix;Statut\n");
    for i in 0..1_234 {
        let status = if i % 3 == 0 { "Vendu" } else { "En ligne" };
        let title = if i % 10 == 0 { "Robe d'été" } else { "Pull" };
        file.push_str(&format!(
            "S{i:04};{title} {};{},00;{status}\n",
            1_234 - i,
            i % 50
        ));
    }
    let report = store
        .import_inventory_csv(
            file.as_bytes(),
            &CsvImportOptions::default(),
            &mut |_, _| {},
            &AtomicBool::new(false),
        )
        .unwrap();
    assert_eq!(report.imported, 1_234);

    for query in [
        ProductQuery::default(),
        ProductQuery {
            status: Some(ProductStatus::Sold),
            sort_by: SortField::Title,
            sort_dir: SortDir::Asc,
            ..ProductQuery::default()
        },
        ProductQuery {
            search: Some("robe ete".into()),
            sort_by: SortField::Price,
            sort_dir: SortDir::Desc,
            ..ProductQuery::default()
        },
        // Paging of the query is ignored: everything matching is exported.
        ProductQuery {
            sort_by: SortField::Price,
            limit: 7,
            offset: 300,
            ..ProductQuery::default()
        },
    ] {
        let expected: Vec<String> = all_products(
            &store,
            &ProductQuery {
                offset: 0,
                ..query.clone()
            },
        )
        .into_iter()
        .map(|p| p.sku)
        .collect();
        let exported = exported_skus(&store, &query);
        assert_eq!(exported, expected, "{query:?}");
    }
    assert_eq!(exported_skus(&store, &ProductQuery::default()).len(), 1_234);
    let sold = ProductQuery {
        status: Some(ProductStatus::Sold),
        ..ProductQuery::default()
    };
    assert_eq!(exported_skus(&store, &sold).len(), 412);
    let search = ProductQuery {
        search: Some("robe ete".into()),
        ..ProductQuery::default()
    };
    assert_eq!(exported_skus(&store, &search).len(), 124);
}

#[test]
fn an_empty_inventory_exports_its_header_only() {
    let (_dir, store) = fresh_store();
    let (written, bytes) = export(
        &store,
        &ProductQuery::default(),
        &CsvExportOptions::english(),
    );
    assert_eq!(written, 0);
    assert!(String::from_utf8(bytes).unwrap().starts_with("SKU,Title,"));
}
