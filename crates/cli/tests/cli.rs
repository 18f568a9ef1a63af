//! The `seller` binary run as a script would: real files, real exit codes.

use std::process::{Command, Output};

use seller_store::Store;
use seller_store::products::{ProductDraft, ProductQuery};

fn seller(data_dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seller"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("SELLER_PANEL_DATA_DIR")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn backup_then_restore_round_trips_through_the_command_line() {
    let data = tempfile::tempdir().unwrap();
    let mut store = Store::open(&data.path().join("seller-panel.sqlite3")).unwrap();
    store
        .create_product(ProductDraft::titled("Veste en cuir"))
        .unwrap();
    drop(store);

    let out = seller(data.path(), &["backup"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let line = text(&out.stdout);
    assert!(line.contains("1 products"), "{line}");
    let file = line.split(" (").next().unwrap().to_owned();
    assert!(
        std::path::Path::new(&file).starts_with(data.path().join("backups")),
        "{file}"
    );

    let inspect = seller(data.path(), &["inspect", &file]);
    assert!(
        text(&inspect.stdout).contains("1 products"),
        "{}",
        text(&inspect.stderr)
    );

    let elsewhere = tempfile::tempdir().unwrap();
    let restore = seller(elsewhere.path(), &["restore", &file, "--yes"]);
    assert!(restore.status.success(), "{}", text(&restore.stderr));
    let copy = Store::open(&elsewhere.path().join("seller-panel.sqlite3")).unwrap();
    assert_eq!(
        copy.list_products(&ProductQuery::default()).unwrap().items[0].title,
        "Veste en cuir"
    );
}

#[test]
fn restore_without_confirmation_from_a_script_changes_nothing() {
    let data = tempfile::tempdir().unwrap();
    Store::open(&data.path().join("seller-panel.sqlite3")).unwrap();
    let file = data.path().join("b.spbackup");
    assert!(
        seller(data.path(), &["backup", "--to", file.to_str().unwrap()])
            .status
            .success()
    );
    let out = seller(data.path(), &["restore", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("--yes"), "{}", text(&out.stderr));
    assert!(!data.path().read_dir().unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("before-restore")
    }));
}

#[test]
fn errors_name_what_is_wrong_and_exit_non_zero() {
    let empty = tempfile::tempdir().unwrap();
    let out = seller(empty.path(), &["backup"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no Seller Panel database"),
        "{}",
        text(&out.stderr)
    );

    let junk = empty.path().join("notes.txt");
    std::fs::write(&junk, "hello").unwrap();
    let out = seller(empty.path(), &["inspect", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("not a Seller Panel backup"),
        "{}",
        text(&out.stderr)
    );

    let usage = seller(empty.path(), &["frobnicate"]);
    assert_eq!(usage.status.code(), Some(2), "wrong usage exits 2");
}

#[test]
fn every_command_has_help() {
    for command in ["backup", "restore", "inspect", "import", "export"] {
        let out = Command::new(env!("CARGO_BIN_EXE_seller"))
            .args([command, "--help"])
            .output()
            .unwrap();
        assert!(out.status.success());
        assert!(text(&out.stdout).contains("Usage: seller"), "{command}");
    }
}

fn fixture(name: &str) -> String {
    format!(
        "{}/../../tests/fixtures/csv/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn product_count(dir: &std::path::Path) -> u32 {
    Store::open(&dir.join("seller-panel.sqlite3"))
        .unwrap()
        .list_products(&ProductQuery::default())
        .unwrap()
        .total
}

#[test]
fn importing_a_file_with_bad_rows_names_them_and_imports_nothing_unless_told() {
    let data = tempfile::tempdir().unwrap();
    Store::open(&data.path().join("seller-panel.sqlite3")).unwrap();
    let bad = fixture("bad-rows-fr.csv");

    let refused = seller(data.path(), &["import", "inventory", &bad]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = text(&refused.stderr);
    assert!(stderr.contains("line 3, column"), "{stderr}");
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert_eq!(product_count(data.path()), 0);

    let skipped = seller(data.path(), &["import", "inventory", &bad, "--skip-errors"]);
    assert!(skipped.status.success(), "{}", text(&skipped.stderr));
    let imported: u32 = text(&skipped.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(imported > 0);
    assert_eq!(product_count(data.path()), imported);
}

#[test]
fn an_exported_inventory_imports_into_another_data_folder() {
    let source = tempfile::tempdir().unwrap();
    Store::open(&source.path().join("seller-panel.sqlite3")).unwrap();
    let import = seller(
        source.path(),
        &["import", "inventory", &fixture("excel-fr-windows1252.csv")],
    );
    assert!(import.status.success(), "{}", text(&import.stderr));
    let count = product_count(source.path());

    for lang in ["fr", "en"] {
        let out = source.path().join(format!("export-{lang}.csv"));
        let export = seller(
            source.path(),
            &[
                "export",
                "inventory",
                "--lang",
                lang,
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert!(export.status.success(), "{}", text(&export.stderr));
        let target = tempfile::tempdir().unwrap();
        Store::open(&target.path().join("seller-panel.sqlite3")).unwrap();
        let again = seller(
            target.path(),
            &["import", "inventory", out.to_str().unwrap()],
        );
        assert!(again.status.success(), "{lang}: {}", text(&again.stderr));
        assert_eq!(product_count(target.path()), count, "{lang}");
    }
}

#[test]
fn bench_prints_every_figure_on_a_small_data_set() {
    let out = Command::new(env!("CARGO_BIN_EXE_seller"))
        .args([
            "bench",
            "--products",
            "300",
            "--orders",
            "200",
            "--samples",
            "3",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for line in [
        "CSV import of 300 rows",
        "inventory list page",
        "full-text search",
        "status filter",
        "dashboard, one year",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
}
