//! CSV import of the inventory, on real files as Excel and LibreOffice write them
//! (`tests/fixtures/csv/`, described in its README).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::common::fresh_store;
use seller_store::Store;
use seller_store::csv::{
    CsvDelimiter, CsvEncoding, CsvError, CsvField, CsvImportOptions, ImportReport,
    MappingIssueCode, MappingSource, OnRowError, PROGRESS_EVERY, RowError, RowErrorCode,
};
use seller_store::products::{Condition, PackageSize, ProductDraft, ProductQuery, ProductStatus};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/csv")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn product_count(store: &Store) -> u32 {
    store.list_products(&ProductQuery::default()).unwrap().total
}

fn import(
    store: &mut Store,
    bytes: &[u8],
    options: &CsvImportOptions,
) -> Result<ImportReport, CsvError> {
    store.import_inventory_csv(bytes, options, &mut |_, _| {}, &AtomicBool::new(false))
}

fn skip() -> CsvImportOptions {
    CsvImportOptions {
        on_error: OnRowError::Skip,
        ..CsvImportOptions::default()
    }
}

fn error(
    line: u32,
    column: Option<(u32, &str)>,
    field: Option<CsvField>,
    code: RowErrorCode,
    value: Option<&str>,
) -> RowError {
    RowError {
        line,
        column_index: column.map(|c| c.0),
        column: column.map(|c| c.1.to_owned()),
        field,
        code,
        value: value.map(str::to_owned),
        allowed: allowed_values(field, code),
    }
}

/// What an unknown value's error names: the values of its list, in their stored spelling.
fn allowed_values(field: Option<CsvField>, code: RowErrorCode) -> Vec<String> {
    use seller_store::products::{Condition, PackageSize, ProductStatus};
    let stored: Vec<&str> = match (code, field) {
        (RowErrorCode::UnknownValue, Some(CsvField::Condition)) => {
            Condition::ALL.iter().map(|v| v.as_str()).collect()
        }
        (RowErrorCode::UnknownValue, Some(CsvField::Status)) => {
            ProductStatus::ALL.iter().map(|v| v.as_str()).collect()
        }
        (RowErrorCode::UnknownValue, Some(CsvField::PackageSize)) => {
            PackageSize::ALL.iter().map(|v| v.as_str()).collect()
        }
        _ => Vec::new(),
    };
    stored.into_iter().map(str::to_owned).collect()
}

#[test]
fn excel_french_windows_1252_file_is_detected_and_imported_field_by_field() {
    let (_dir, mut store) = fresh_store();
    let bytes = fixture("excel-fr-windows1252.csv");
    let preview = store
        .preview_inventory_csv(&bytes, &CsvImportOptions::default())
        .unwrap();
    assert_eq!(preview.format.encoding, CsvEncoding::Windows1252);
    assert_eq!(preview.format.delimiter, CsvDelimiter::Semicolon);
    assert_eq!(preview.headers[0], "Référence");
    assert_eq!(preview.headers[5], "État");
    assert_eq!(preview.mapping_source, MappingSource::Suggested);
    let expected_mapping = [
        CsvField::Sku,
        CsvField::Title,
        CsvField::Description,
        CsvField::Category,
        CsvField::Brand,
        CsvField::Condition,
        CsvField::Size,
        CsvField::Price,
        CsvField::PurchaseCost,
        CsvField::Quantity,
        CsvField::PackageSize,
        CsvField::Status,
        CsvField::InternalNotes,
        CsvField::Materials,
        CsvField::Colors,
    ];
    assert_eq!(preview.mapping, expected_mapping.map(Some));
    assert!(preview.mapping_issues.is_empty());
    assert_eq!(preview.errors, []);
    // The all-empty `;;;;` row Excel leaves at the end is not a row.
    assert_eq!(
        (preview.total_rows, preview.valid_rows, preview.invalid_rows),
        (4, 4, 0)
    );
    let lines: Vec<u32> = preview.sample.iter().map(|s| s.line).collect();
    assert_eq!(
        lines,
        [2, 4, 5, 6],
        "the first row's description spans lines 2 and 3"
    );
    assert_eq!(product_count(&store), 0, "a preview writes nothing");

    let report = import(&mut store, &bytes, &CsvImportOptions::default()).unwrap();
    assert_eq!((report.imported, report.skipped), (4, 0));
    assert_eq!(report.format, preview.format);

    let robe = store.product_by_sku("ROBE-001").unwrap().unwrap();
    assert_eq!(robe.title, "Robe d'été fleurie");
    assert_eq!(
        robe.description,
        "Robe légère, portée deux fois.\nAucun défaut ; lavée à 30°."
    );
    assert_eq!(robe.category.as_deref(), Some("Robes"));
    assert_eq!(robe.brand.as_deref(), Some("Sézane"));
    assert_eq!(robe.condition, Some(Condition::VeryGood));
    assert_eq!(robe.size.as_deref(), Some("38"));
    assert_eq!(
        (robe.price_cents, robe.purchase_cost_cents, robe.quantity),
        (4_500, 1_250, 1)
    );
    assert_eq!(robe.package_size, Some(PackageSize::Small));
    assert_eq!(robe.status, ProductStatus::Ready);
    assert_eq!(robe.internal_notes.as_deref(), Some("Vide-grenier de Lyon"));
    assert_eq!(robe.materials, ["Coton", "Lin"]);
    assert_eq!(robe.colors, ["Bleu", "Blanc"]);
    assert!(robe.photos.is_empty());

    let veste = store.product_by_sku("VESTE-002").unwrap().unwrap();
    assert_eq!(veste.title, "Veste en jean \"vintage\"");
    assert_eq!(veste.brand.as_deref(), Some("Levi's"));
    assert_eq!(
        (veste.price_cents, veste.purchase_cost_cents, veste.quantity),
        (123_456, 80_000, 2)
    );
    assert_eq!(veste.status, ProductStatus::Listed);
    assert_eq!(veste.internal_notes, None);

    let chemise = store.product_by_sku("CHEM-004").unwrap().unwrap();
    assert_eq!(chemise.title, "Chemise Œillet");
    assert_eq!(chemise.brand.as_deref(), Some("Façonnable"));
    assert_eq!(
        chemise.internal_notes.as_deref(),
        Some("Payée 5 € en brocante")
    );
    assert_eq!(chemise.colors, ["Écru"]);
    assert_eq!((chemise.quantity, chemise.status), (0, ProductStatus::Sold));
    assert_eq!(chemise.package_size, Some(PackageSize::Large));

    // The row without an SKU got a generated one.
    let pull = store
        .list_products(&ProductQuery {
            search: Some("pull marin".into()),
            ..ProductQuery::default()
        })
        .unwrap();
    assert_eq!(pull.items.len(), 1);
    assert_eq!(pull.items[0].sku, "SP-000001");
    let pull = store.product(&pull.items[0].id).unwrap();
    assert_eq!(pull.price_cents, 8_990);
    assert_eq!(pull.condition, Some(Condition::NewWithTags));
    assert_eq!(
        (pull.package_size, pull.status),
        (None, ProductStatus::Draft)
    );
    assert_eq!(pull.colors, ["Bleu marine"]);
}

#[test]
fn libreoffice_english_utf8_bom_file_is_detected_and_imported() {
    let (_dir, mut store) = fresh_store();
    let bytes = fixture("libreoffice-en-utf8-bom.csv");
    let preview = store
        .preview_inventory_csv(&bytes, &CsvImportOptions::default())
        .unwrap();
    assert_eq!(preview.format.encoding, CsvEncoding::Utf8);
    assert_eq!(preview.format.delimiter, CsvDelimiter::Comma);
    assert_eq!(
        preview.headers[0], "SKU",
        "the BOM is not part of the first header"
    );
    assert_eq!(preview.mapping[9], Some(CsvField::Quantity), "Qty");
    assert_eq!(preview.mapping[14], Some(CsvField::Colors), "Colours");
    assert_eq!(preview.errors, []);
    assert_eq!(preview.valid_rows, 3);

    let report = import(&mut store, &bytes, &CsvImportOptions::default()).unwrap();
    assert_eq!(report.imported, 3);
    let dress = store.product_by_sku("DRESS-1").unwrap().unwrap();
    assert_eq!(dress.title, "Summer dress \"Riviera\"");
    assert_eq!(dress.description, "Light, airy; fully lined.\nWorn twice.");
    assert_eq!(
        (dress.price_cents, dress.purchase_cost_cents),
        (123_450, 1_000)
    );
    assert_eq!(dress.condition, Some(Condition::VeryGood));
    assert_eq!(dress.status, ProductStatus::Listed);
    assert_eq!(
        dress.internal_notes.as_deref(),
        Some("Bought in Nice, 2024")
    );
    assert_eq!(dress.materials, ["Cotton", "Linen"]);
    assert_eq!(dress.colors, ["Café au lait"]);
    let jacket = store.product_by_sku("JKT-2").unwrap().unwrap();
    assert_eq!(
        (
            jacket.price_cents,
            jacket.purchase_cost_cents,
            jacket.quantity
        ),
        (12_000, 4_550, 3)
    );
    assert_eq!(jacket.condition, Some(Condition::NewWithTags));
    assert_eq!(jacket.package_size, Some(PackageSize::Large));
    assert_eq!(jacket.colors, ["Navy", "Grey"]);
    assert_eq!(jacket.description, "");
    let tee = store.product_by_sku("TEE-3").unwrap().unwrap();
    assert_eq!((tee.brand, tee.condition), (None, Some(Condition::Good)));
    assert_eq!(
        (tee.status, tee.package_size),
        (ProductStatus::Sold, Some(PackageSize::Small))
    );
    assert!(tee.materials.is_empty() && tee.colors.is_empty());
}

#[test]
fn excel_unicode_text_utf16_file_is_read() {
    let (_dir, store) = fresh_store();
    let preview = store
        .preview_inventory_csv(
            &fixture("excel-unicode-text-utf16le.txt"),
            &CsvImportOptions::default(),
        )
        .unwrap();
    assert_eq!(preview.format.encoding, CsvEncoding::Utf16Le);
    assert_eq!(preview.format.delimiter, CsvDelimiter::Tab);
    assert_eq!(preview.headers, ["Titre", "Prix", "Quantité"]);
    assert_eq!(preview.errors, []);
    assert_eq!(preview.sample[0].product.title, "Robe d'été");
    assert_eq!(preview.sample[0].product.price_cents, 1_250);
    assert_eq!(preview.sample[1].product.title, "Écharpe");
}

#[test]
fn encoding_and_separator_can_be_forced() {
    let (_dir, store) = fresh_store();
    let bytes = fixture("excel-fr-windows1252.csv");
    let forced = store
        .preview_inventory_csv(
            &bytes,
            &CsvImportOptions {
                encoding: Some(CsvEncoding::Utf8),
                ..CsvImportOptions::default()
            },
        )
        .unwrap();
    assert_eq!(forced.format.encoding, CsvEncoding::Utf8);
    assert_eq!(
        forced.headers[0], "R\u{fffd}f\u{fffd}rence",
        "bytes that are not UTF-8 show as �"
    );

    let one_column = store
        .preview_inventory_csv(
            &bytes,
            &CsvImportOptions {
                delimiter: Some(CsvDelimiter::Tab),
                ..CsvImportOptions::default()
            },
        )
        .unwrap();
    assert_eq!(one_column.format.delimiter, CsvDelimiter::Tab);
    assert_eq!(one_column.headers.len(), 1);
    let codes: Vec<_> = one_column.mapping_issues.iter().map(|i| i.code).collect();
    assert_eq!(codes, [MappingIssueCode::MissingTitle]);
    assert_eq!(
        one_column.errors,
        [],
        "rows are not checked against an unusable mapping"
    );
}

/// The bad-rows fixture with one product already in the shop under the SKU of line 9.
fn store_for_bad_rows() -> (tempfile::TempDir, Store) {
    let (dir, mut store) = fresh_store();
    let mut existing = ProductDraft::titled("Pantalon existant");
    existing.sku = Some("EXIST-1".into());
    store.create_product(existing).unwrap();
    (dir, store)
}

fn expected_bad_row_errors() -> Vec<RowError> {
    use CsvField::*;
    use RowErrorCode::*;
    vec![
        error(3, Some((3, "Prix")), Some(Price), Negative, Some("-5,00")),
        error(4, Some((1, "Titre")), Some(Title), Required, Some("")),
        error(
            5,
            Some((3, "Prix")),
            Some(Price),
            InvalidNumber,
            Some("douze"),
        ),
        error(
            6,
            Some((5, "État")),
            Some(Condition),
            UnknownValue,
            Some("Abîmé"),
        ),
        error(7, None, None, WrongFieldCount, None),
        error(
            8,
            Some((0, "SKU")),
            Some(Sku),
            DuplicateSkuInFile,
            Some("OK-1"),
        ),
        error(9, Some((0, "SKU")), Some(Sku), SkuExists, Some("EXIST-1")),
        error(
            12,
            Some((3, "Prix")),
            Some(Price),
            TooManyDecimals,
            Some("12,3456"),
        ),
        error(
            12,
            Some((4, "Quantité")),
            Some(Quantity),
            Negative,
            Some("-2"),
        ),
    ]
}

#[test]
fn preview_reports_each_bad_row_with_its_line_column_and_reason() {
    let (_dir, store) = store_for_bad_rows();
    let preview = store
        .preview_inventory_csv(&fixture("bad-rows-fr.csv"), &CsvImportOptions::default())
        .unwrap();
    assert_eq!(preview.format.encoding, CsvEncoding::Utf8);
    assert_eq!(preview.format.delimiter, CsvDelimiter::Semicolon);
    assert_eq!(preview.errors, expected_bad_row_errors());
    assert!(!preview.errors_truncated);
    assert_eq!(
        (preview.total_rows, preview.valid_rows, preview.invalid_rows),
        (10, 2, 8)
    );
    let sample: Vec<(u32, &str)> = preview
        .sample
        .iter()
        .map(|s| (s.line, s.product.title.as_str()))
        .collect();
    assert_eq!(sample, [(2, "Robe rouge"), (10, "Manteau")]);
    assert_eq!(
        preview.sample[1].product.description,
        "Long manteau\r\nen laine"
    );
    assert_eq!(product_count(&store), 1);
}

#[test]
fn block_mode_refuses_the_whole_file_and_lists_every_error() {
    let (_dir, mut store) = store_for_bad_rows();
    let err = import(
        &mut store,
        &fixture("bad-rows-fr.csv"),
        &CsvImportOptions::default(),
    )
    .unwrap_err();
    match err {
        CsvError::InvalidRows {
            invalid_rows,
            errors,
            errors_truncated,
        } => {
            assert_eq!(invalid_rows, 8);
            assert_eq!(errors, expected_bad_row_errors());
            assert!(!errors_truncated);
        }
        other => panic!("expected InvalidRows, got {other:?}"),
    }
    assert_eq!(product_count(&store), 1, "nothing imported");
    assert!(store.product_by_sku("OK-1").unwrap().is_none());
}

#[test]
fn skip_mode_imports_the_valid_rows_and_reports_the_others() {
    let (_dir, mut store) = store_for_bad_rows();
    let report = import(&mut store, &fixture("bad-rows-fr.csv"), &skip()).unwrap();
    assert_eq!((report.imported, report.skipped), (2, 8));
    assert_eq!(report.errors, expected_bad_row_errors());
    assert_eq!(product_count(&store), 3);
    let first = store.product_by_sku("OK-1").unwrap().unwrap();
    assert_eq!(
        first.title, "Robe rouge",
        "the first row with a repeated SKU wins"
    );
    assert_eq!(
        store.product_by_sku("OK-2").unwrap().unwrap().price_cents,
        9_900
    );
    assert_eq!(
        store.product_by_sku("EXIST-1").unwrap().unwrap().title,
        "Pantalon existant",
        "existing products are never overwritten"
    );
    for sku in ["NEG-1", "EMPTY-1", "JUNK-1", "COND-1", "SHORT-1", "MULTI-1"] {
        assert!(store.product_by_sku(sku).unwrap().is_none(), "{sku}");
    }
}

/// `n` valid rows, generated, as a French Excel file would hold them.
fn generated_csv(n: usize) -> Vec<u8> {
    let mut text = String::from("SKU;Titre;Prix;Quantité\r\n");
    for i in 0..n {
        text.push_str(&format!(
            "GEN-{i:05};Article {i};{},{:02};1\r\n",
            i % 90 + 1,
            i % 100
        ));
    }
    text.into_bytes()
}

#[test]
fn progress_is_reported_every_n_rows_and_at_the_end() {
    let (_dir, mut store) = fresh_store();
    let total = PROGRESS_EVERY * 2 + 123;
    let mut calls = Vec::new();
    let report = store
        .import_inventory_csv(
            &generated_csv(total as usize),
            &CsvImportOptions::default(),
            &mut |done, of| calls.push((done, of)),
            &AtomicBool::new(false),
        )
        .unwrap();
    assert_eq!(report.imported, total);
    assert_eq!(
        calls,
        [
            (0, total),
            (PROGRESS_EVERY, total),
            (PROGRESS_EVERY * 2, total),
            (total, total)
        ]
    );
    assert_eq!(product_count(&store), total);
    let last = store.product_by_sku("GEN-01122").unwrap().unwrap();
    assert_eq!(last.price_cents, (1122 % 90 + 1) * 100 + 22);
}

#[test]
fn cancelling_midway_leaves_nothing_behind() {
    let (_dir, mut store) = store_for_bad_rows();
    let bytes = generated_csv(PROGRESS_EVERY as usize * 3);
    let before_sku_counter = store.setting("sku_counter").unwrap();
    let cancel = AtomicBool::new(false);
    let mut last_done = 0;
    let err = store
        .import_inventory_csv(
            &bytes,
            &CsvImportOptions::default(),
            &mut |done, _| {
                last_done = done;
                if done >= PROGRESS_EVERY {
                    // As the UI's cancel button does, from the progress it was shown.
                    cancel.store(true, Ordering::Relaxed);
                }
            },
            &cancel,
        )
        .unwrap_err();
    assert!(matches!(err, CsvError::Cancelled), "{err:?}");
    assert_eq!(
        last_done, PROGRESS_EVERY,
        "cancelled midway, after rows were inserted"
    );
    assert_eq!(
        product_count(&store),
        1,
        "the rows inserted before cancelling are rolled back"
    );
    assert!(store.product_by_sku("GEN-00000").unwrap().is_none());
    assert_eq!(store.setting("sku_counter").unwrap(), before_sku_counter);
    let again = store
        .preview_inventory_csv(&bytes, &CsvImportOptions::default())
        .unwrap();
    assert_eq!(
        again.mapping_source,
        MappingSource::Suggested,
        "a cancelled import remembers nothing"
    );
    assert_eq!(store.integrity_check().unwrap(), "ok");

    // Cancelled before it starts: nothing either.
    let err = store
        .import_inventory_csv(
            &bytes,
            &CsvImportOptions::default(),
            &mut |_, _| {},
            &AtomicBool::new(true),
        )
        .unwrap_err();
    assert!(matches!(err, CsvError::Cancelled));
    assert_eq!(product_count(&store), 1);
}

#[test]
fn the_mapping_is_remembered_per_header_and_reused() {
    let (_dir, mut store) = fresh_store();
    let file = "Libellé article;PV;Nb\r\nRobe;12,00;2\r\n".as_bytes();
    let first = store
        .preview_inventory_csv(file, &CsvImportOptions::default())
        .unwrap();
    assert_eq!(first.mapping_source, MappingSource::Suggested);
    assert_eq!(
        first.mapping,
        [None, None, None],
        "these headers are not recognised"
    );
    assert_eq!(
        first
            .mapping_issues
            .iter()
            .map(|i| i.code)
            .collect::<Vec<_>>(),
        [MappingIssueCode::MissingTitle]
    );

    let chosen = vec![
        Some(CsvField::Title),
        Some(CsvField::Price),
        Some(CsvField::Quantity),
    ];
    let options = CsvImportOptions {
        mapping: Some(chosen.clone()),
        ..CsvImportOptions::default()
    };
    let preview = store.preview_inventory_csv(file, &options).unwrap();
    assert_eq!(preview.mapping_source, MappingSource::Caller);
    assert_eq!(preview.sample[0].product.quantity, 2);
    assert_eq!(
        store
            .preview_inventory_csv(file, &CsvImportOptions::default())
            .unwrap()
            .mapping_source,
        MappingSource::Suggested,
        "a preview remembers nothing"
    );
    import(&mut store, file, &options).unwrap();

    // Next time, same header (up to case, accents and spacing): the mapping comes back.
    let next = "libelle ARTICLE ; pv ;NB\r\nJupe;8,00;1\r\n".as_bytes();
    let again = store
        .preview_inventory_csv(next, &CsvImportOptions::default())
        .unwrap();
    assert_eq!(again.mapping_source, MappingSource::Remembered);
    assert_eq!(again.mapping, chosen);
    assert_eq!(again.valid_rows, 1);
    let report = import(&mut store, next, &CsvImportOptions::default()).unwrap();
    assert_eq!(report.imported, 1);
    assert_eq!(product_count(&store), 2);

    // Another header: nothing remembered for it.
    let other = "PV;Libellé article;Nb\r\n".as_bytes();
    let preview = store
        .preview_inventory_csv(other, &CsvImportOptions::default())
        .unwrap();
    assert_eq!(preview.mapping_source, MappingSource::Suggested);
}

#[test]
fn a_mapping_blocked_by_bad_rows_is_still_remembered() {
    let (_dir, mut store) = store_for_bad_rows();
    let bytes = fixture("bad-rows-fr.csv");
    let mut mapping = store
        .preview_inventory_csv(&bytes, &CsvImportOptions::default())
        .unwrap()
        .mapping;
    mapping[2] = None; // the user chose to ignore the description
    let options = CsvImportOptions {
        mapping: Some(mapping.clone()),
        ..CsvImportOptions::default()
    };
    assert!(matches!(
        import(&mut store, &bytes, &options),
        Err(CsvError::InvalidRows { .. })
    ));
    let again = store
        .preview_inventory_csv(&bytes, &CsvImportOptions::default())
        .unwrap();
    assert_eq!(again.mapping_source, MappingSource::Remembered);
    assert_eq!(again.mapping, mapping);
}

#[test]
fn an_unusable_mapping_is_refused_before_anything_is_read() {
    let (_dir, mut store) = fresh_store();
    let bytes = fixture("bad-rows-fr.csv");
    let options = CsvImportOptions {
        mapping: Some(vec![Some(CsvField::Title), Some(CsvField::Title), None]),
        ..CsvImportOptions::default()
    };
    let preview = store.preview_inventory_csv(&bytes, &options).unwrap();
    let codes: Vec<_> = preview
        .mapping_issues
        .iter()
        .map(|i| (i.code, i.field))
        .collect();
    assert_eq!(
        codes,
        [
            (MappingIssueCode::WrongLength, None),
            (MappingIssueCode::DuplicateField, Some(CsvField::Title))
        ]
    );
    match import(&mut store, &bytes, &options) {
        Err(CsvError::Mapping(issues)) => assert_eq!(issues, preview.mapping_issues),
        other => panic!("expected a mapping error, got {other:?}"),
    }
    assert_eq!(product_count(&store), 0);
}

#[test]
fn generated_skus_never_take_one_a_later_row_names() {
    let (_dir, mut store) = fresh_store();
    let file = "SKU;Titre\r\n;Sans référence\r\nSP-000001;Référence écrite\r\n".as_bytes();
    let report = import(&mut store, file, &CsvImportOptions::default()).unwrap();
    assert_eq!(report.imported, 2);
    assert_eq!(
        store.product_by_sku("SP-000001").unwrap().unwrap().title,
        "Référence écrite"
    );
    assert_eq!(
        store.product_by_sku("SP-000002").unwrap().unwrap().title,
        "Sans référence"
    );
}

#[test]
fn small_format_details_of_real_files() {
    let (_dir, mut store) = fresh_store();
    // Excel's `sep=` line, a guarded formula, padding cells, blank lines, a file without a final
    // line break, and a text longer than allowed.
    let long_title = "x".repeat(201);
    let file = format!(
        "sep=;\r\nTitre;Prix;Notes internes\r\n'=SUM(A1);3;\r\n\r\nSac;4;ok;;\r\n{long_title};5;"
    );
    let preview = store
        .preview_inventory_csv(file.as_bytes(), &CsvImportOptions::default())
        .unwrap();
    assert_eq!(preview.format.delimiter, CsvDelimiter::Semicolon);
    assert_eq!(preview.headers, ["Titre", "Prix", "Notes internes"]);
    let cut: String = long_title.chars().take(80).chain(['…']).collect();
    assert_eq!(
        preview.errors,
        [error(
            6,
            Some((0, "Titre")),
            Some(CsvField::Title),
            RowErrorCode::TooLong,
            Some(&cut)
        )]
    );
    let report = import(&mut store, file.as_bytes(), &skip()).unwrap();
    assert_eq!((report.imported, report.skipped), (2, 1));
    let titles: Vec<String> = store
        .list_products(&ProductQuery::default())
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.title)
        .collect();
    assert!(titles.contains(&"=SUM(A1)".to_owned()), "{titles:?}");
    assert!(titles.contains(&"Sac".to_owned()));
}

#[test]
fn a_file_without_a_header_is_refused() {
    let (_dir, mut store) = fresh_store();
    for bytes in [&b""[..], b"\r\n\r\n", b";;;\r\n", b"\xEF\xBB\xBF"] {
        let preview = store.preview_inventory_csv(bytes, &CsvImportOptions::default());
        assert!(
            matches!(preview, Err(CsvError::NoHeader)),
            "{bytes:?}: {preview:?}"
        );
        assert!(matches!(
            import(&mut store, bytes, &CsvImportOptions::default()),
            Err(CsvError::NoHeader)
        ));
    }
}

/// `raw`, read in the machine's time zone, as the database stores it.
fn local_to_stored(raw: &str, pattern: &str) -> String {
    use chrono::TimeZone;
    let naive = chrono::NaiveDateTime::parse_from_str(raw, pattern).unwrap();
    chrono::Local
        .from_local_datetime(&naive)
        .earliest()
        .unwrap()
        .with_timezone(&chrono::Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[test]
fn the_stock_entry_date_is_read_in_usual_formats_and_checked() {
    let (_dir, mut store) = fresh_store();
    let file = "SKU;Titre;Date d'entrée\r\n\
                D-1;Robe;14/07/2023 09:41\r\n\
                D-2;Jupe;\r\n\
                D-3;Pull;2023-07-14\r\n\
                D-4;Veste;2023-07-14T09:41:27.123Z\r\n\
                D-5;Sac;hier\r\n\
                D-6;Manteau;01/01/2999\r\n\
                D-7;Gilet;31/02/2024\r\n\
                D-8;Short;14/07/23\r\n";
    let column = Some((2, "Date d'entrée"));
    let field = Some(CsvField::CreatedAt);
    let expected = vec![
        error(6, column, field, RowErrorCode::InvalidDate, Some("hier")),
        error(
            7,
            column,
            field,
            RowErrorCode::FutureDate,
            Some("01/01/2999"),
        ),
        error(
            8,
            column,
            field,
            RowErrorCode::InvalidDate,
            Some("31/02/2024"),
        ),
        error(
            9,
            column,
            field,
            RowErrorCode::InvalidDate,
            Some("14/07/23"),
        ),
    ];
    let preview = store
        .preview_inventory_csv(file.as_bytes(), &CsvImportOptions::default())
        .unwrap();
    assert_eq!(preview.mapping[2], Some(CsvField::CreatedAt));
    assert_eq!(preview.errors, expected);
    assert_eq!((preview.valid_rows, preview.invalid_rows), (4, 4));

    match import(&mut store, file.as_bytes(), &CsvImportOptions::default()) {
        Err(CsvError::InvalidRows { errors, .. }) => assert_eq!(errors, expected),
        other => panic!("expected InvalidRows, got {other:?}"),
    }
    assert_eq!(product_count(&store), 0);

    let before = seller_store::now_rfc3339();
    let report = import(&mut store, file.as_bytes(), &skip()).unwrap();
    let after = seller_store::now_rfc3339();
    assert_eq!((report.imported, report.skipped), (4, 4));
    let product = |sku: &str| store.product_by_sku(sku).unwrap().unwrap();
    assert_eq!(
        product("D-1").created_at,
        local_to_stored("14/07/2023 09:41", "%d/%m/%Y %H:%M")
    );
    assert_eq!(
        product("D-3").created_at,
        local_to_stored("2023-07-14 00:00", "%Y-%m-%d %H:%M"),
        "a day alone is its midnight"
    );
    assert_eq!(product("D-4").created_at, "2023-07-14T09:41:27.123Z");
    for sku in ["D-1", "D-2", "D-3", "D-4"] {
        let p = product(sku);
        assert!(
            before <= p.updated_at && p.updated_at <= after,
            "{sku}: updated now"
        );
    }
    let empty = product("D-2");
    assert!(
        before <= empty.created_at && empty.created_at <= after,
        "an empty cell dates the item at the import: {}",
        empty.created_at
    );
}

#[test]
fn an_english_stocked_at_column_is_recognised() {
    let (_dir, mut store) = fresh_store();
    let file = "Title,Price,Stocked at\r\nDress,12.00,2024-02-29 17:45\r\n";
    let report = import(&mut store, file.as_bytes(), &CsvImportOptions::default()).unwrap();
    assert_eq!(report.imported, 1);
    let items = store.list_products(&ProductQuery::default()).unwrap().items;
    let dress = store.product(&items[0].id).unwrap();
    assert_eq!(
        dress.created_at,
        local_to_stored("2024-02-29 17:45", "%Y-%m-%d %H:%M")
    );
}
