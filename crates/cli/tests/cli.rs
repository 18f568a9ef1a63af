//! The `seller` binary run as a script would: real files, real exit codes.

use std::process::{Command, Output};

use seller_store::Store;
use seller_store::products::{ProductDraft, ProductQuery};

/// `seller` in a locale that names no language (as cron runs it): it speaks English unless the
/// app's setting says otherwise.
fn seller(data_dir: &std::path::Path, args: &[&str]) -> Output {
    seller_in(data_dir, args, "C.UTF-8")
}

/// `seller` with `LANG=lang` (and no LC_ALL or LC_MESSAGES to override it).
fn seller_in(data_dir: &std::path::Path, args: &[&str], lang: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seller"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("SELLER_PANEL_DATA_DIR")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", lang)
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
fn backup_keep_days_prunes_only_old_automatic_backups() {
    let data = tempfile::tempdir().unwrap();
    Store::open(&data.path().join("seller-panel.sqlite3")).unwrap();
    let backups = data.path().join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    let now = std::time::SystemTime::now();
    let day = std::time::Duration::from_secs(86_400);
    for (name, age) in [
        ("seller-panel-2025-01-01T10-00-00-000Z.spbackup", 400 * day),
        (
            "seller-panel-auto-2025-01-01T03-00-00-000Z.spbackup",
            400 * day,
        ),
        ("seller-panel-auto-recent.spbackup", day),
    ] {
        let path = backups.join(name);
        std::fs::write(&path, b"x").unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(now - age).unwrap();
    }

    let out = seller(data.path(), &["backup", "--keep-days", "30"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("removed 1 automatic backups older than 30 days"),
        "{stdout}"
    );
    let written = stdout.split(" (").next().unwrap();
    let written = std::path::Path::new(written)
        .file_name()
        .unwrap()
        .to_string_lossy();
    assert!(
        written.starts_with("seller-panel-") && !written.starts_with("seller-panel-auto-"),
        "a backup from the command line is manual: {written}"
    );
    let mut left: Vec<String> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    let mut expected = vec![
        "seller-panel-2025-01-01T10-00-00-000Z.spbackup".to_owned(),
        "seller-panel-auto-recent.spbackup".to_owned(),
        written.into_owned(),
    ];
    expected.sort();
    assert_eq!(left, expected);

    let help = seller(data.path(), &["backup", "--help"]);
    assert!(
        text(&help.stdout).contains("Manual backups"),
        "{}",
        text(&help.stdout)
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
    for command in [
        &["backup"][..],
        &["restore"],
        &["inspect"],
        &["import"],
        &["import", "inventory"],
        &["export"],
        &["export", "inventory"],
        &["export", "orders"],
        &["export", "receipts"],
        &["export", "purchases"],
        &["bench"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_seller"))
            .args(command)
            .arg("--help")
            .output()
            .unwrap();
        assert!(out.status.success(), "{command:?}");
        let help = text(&out.stdout);
        let usage = format!("Usage: seller {}", command.join(" "));
        assert!(help.contains(&usage), "{command:?}: {help}");
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
        // Each item keeps when it entered the stock (written to the minute).
        let source_store = Store::open(&source.path().join("seller-panel.sqlite3")).unwrap();
        let target_store = Store::open(&target.path().join("seller-panel.sqlite3")).unwrap();
        for item in source_store
            .list_products(&ProductQuery::default())
            .unwrap()
            .items
        {
            let imported = target_store.product_by_sku(&item.sku).unwrap().unwrap();
            let original = source_store.product(&item.id).unwrap();
            assert_eq!(
                imported.created_at[..16],
                original.created_at[..16],
                "{lang}: {}",
                item.sku
            );
        }
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
        "inventory list, a page anywhere",
        "full-text search",
        "status filter",
        "brand + price range",
        "dashboard, 30 days",
        "dashboard, one year",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
    // Each figure is set against its goal.
    let verdicts = stdout
        .lines()
        .filter(|l| l.ends_with("  met") || l.ends_with("NOT met"))
        .count();
    assert_eq!(verdicts, 6, "{stdout}");
}

/// A data folder with two sales (one canceled) and a purchase in 2026, one sale in 2025.
fn books() -> tempfile::TempDir {
    use seller_store::accounts::AccountDraft;
    use seller_store::orders::{OrderDraft, OrderItemDraft, PaymentMethod};
    let data = tempfile::tempdir().unwrap();
    let mut store = Store::open(&data.path().join("seller-panel.sqlite3")).unwrap();
    let account = store
        .create_account(AccountDraft {
            name: "Boutique Zoé".to_owned(),
            username: Some("zoe_vintage".to_owned()),
            email: None,
            avatar: None,
            vinted_base_url: "https://www.vinted.fr".to_owned(),
            proxy: None,
        })
        .unwrap()
        .id;
    let line = |title: &str| OrderItemDraft {
        sku: None,
        title: Some(title.to_owned()),
        quantity: 1,
        price_cents: None,
        unit_cost_cents: None,
    };
    let mut sale = OrderDraft::sale(2_550, vec![line("Robe d'été")]);
    sale.created_at = Some("2026-02-03T12:00:00Z".to_owned());
    sale.buyer_name = Some("Hélène Dupré".to_owned());
    sale.order_id = Some("8812345678".to_owned());
    sale.payment_method = Some(PaymentMethod::VintedWallet);
    sale.seller_account_id = Some(account.clone());
    store.create_order(sale).unwrap();
    let mut other = OrderDraft::sale(1_000, vec![line("Pull")]);
    other.created_at = Some("2026-03-10T12:00:00Z".to_owned());
    other.buyer_username = Some("francois_99".to_owned());
    store.create_order(other).unwrap();
    let mut canceled = OrderDraft::sale(9_900, vec![line("Manteau")]);
    canceled.created_at = Some("2026-04-01T12:00:00Z".to_owned());
    let canceled = store.create_order(canceled).unwrap();
    store.cancel_order(&canceled.id).unwrap();
    let mut old = OrderDraft::sale(700, vec![line("Écharpe")]);
    old.created_at = Some("2025-06-01T12:00:00Z".to_owned());
    store.create_order(old).unwrap();
    let mut bought = OrderDraft::purchase(4_000, vec![line("Lot de jeans")]);
    bought.created_at = Some("2026-01-20T12:00:00Z".to_owned());
    bought.seller_name = Some("Émile".to_owned());
    bought.fees_total_cents = Some(250);
    store.create_order(bought).unwrap();
    data
}

#[test]
fn registers_export_a_period_as_csv_and_pdf() {
    let data = books();
    let year = ["--from", "2026-01-01", "--to", "2026-12-31"];

    let out = seller(data.path(), &[&["export", "receipts"][..], &year].concat());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "Date;Référence;Client;Nature;Montant;Mode de paiement"
    );
    assert_eq!(
        lines[1],
        "03/02/2026;8812345678;Hélène Dupré;Robe d'été;25,50;Porte-monnaie Vinted"
    );
    assert!(lines[2].starts_with("10/03/2026;M-"), "{}", lines[2]);
    assert_eq!(
        lines[3], "Total;;;;35,50;",
        "canceled and 2025 sales left out"
    );
    assert!(
        text(&out.stderr).contains("2 entries"),
        "{}",
        text(&out.stderr)
    );

    let out = seller(
        data.path(),
        &[&["export", "purchases", "--lang", "en"][..], &year].concat(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    assert!(
        csv.starts_with("Date,Reference,Supplier,Description,Amount,Payment method"),
        "{csv}"
    );
    assert!(csv.contains("2026-01-20,"), "{csv}");
    assert!(csv.contains(",Émile,Lot de jeans,42.50,"), "{csv}");

    // Only one account, found by its name.
    let out = seller(
        data.path(),
        &[
            &["export", "receipts", "--account", "boutique zoé"][..],
            &year,
        ]
        .concat(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Total;;;;25,50;"),
        "{}",
        text(&out.stdout)
    );

    let pdf = data.path().join("recettes.pdf");
    let out = seller(
        data.path(),
        &[
            &[
                "export",
                "receipts",
                "--format",
                "pdf",
                "--shop",
                "Zoé Vintage",
                "--out",
            ][..],
            &[pdf.to_str().unwrap()],
            &year,
        ]
        .concat(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    let extracted = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext is needed to check the PDF registers: install poppler-utils");
    let extracted = text(&extracted.stdout);
    assert!(
        extracted.contains("Livre des recettes — du 01/01/2026 au 31/12/2026"),
        "{extracted}"
    );
    assert!(extracted.contains("Zoé Vintage"), "{extracted}");
    assert!(extracted.contains("Hélène Dupré"), "{extracted}");
    assert!(extracted.contains("35,50"), "{extracted}");
    assert!(
        !data.path().join("recettes.pdf.partial").exists(),
        "no partial file is left"
    );
}

#[test]
fn orders_export_has_one_row_per_order() {
    let data = books();
    let file = data.path().join("orders.csv");
    let out = seller(
        data.path(),
        &[
            "export",
            "orders",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--lang",
            "en",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "Type,Date,Reference,Client / Supplier,Title,Price,Fees,Cost,Profit,Status,Canceled"
    );
    assert_eq!(lines.len(), 5, "four orders in 2026, oldest first:\n{csv}");
    assert!(lines[1].starts_with("Purchase,2026-01-20,"), "{}", lines[1]);
    assert!(
        lines[1].ends_with(",Émile,Lot de jeans,40.00,2.50,42.50,,completed,No"),
        "{}",
        lines[1]
    );
    assert!(
        lines[4].ends_with(",Manteau,99.00,0.00,0.00,99.00,canceled,Yes"),
        "{}",
        lines[4]
    );
}

#[test]
fn register_exports_refuse_wrong_periods_and_unknown_accounts() {
    let data = books();
    let backwards = seller(
        data.path(),
        &[
            "export",
            "receipts",
            "--from",
            "2026-05-01",
            "--to",
            "2026-04-01",
        ],
    );
    assert_eq!(backwards.status.code(), Some(2));
    assert!(
        text(&backwards.stderr).contains("before"),
        "{}",
        text(&backwards.stderr)
    );

    let not_a_date = seller(
        data.path(),
        &["export", "purchases", "--from", "01/05/2026"],
    );
    assert_eq!(not_a_date.status.code(), Some(2));

    let format = seller(data.path(), &["export", "receipts", "--format", "xlsx"]);
    assert_eq!(format.status.code(), Some(2));

    let unknown = seller(data.path(), &["export", "receipts", "--account", "nobody"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        text(&unknown.stderr).contains("Boutique Zoé"),
        "names the accounts: {}",
        text(&unknown.stderr)
    );

    for what in ["orders", "receipts", "purchases"] {
        let help = Command::new(env!("CARGO_BIN_EXE_seller"))
            .args(["export", what, "--help"])
            .output()
            .unwrap();
        assert!(help.status.success());
        assert!(text(&help.stdout).contains("--from <DATE>"), "{what}");
    }
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_data_folder_without_a_database_gets_one_and_is_told_where() {
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("nouveau dossier");
    let out = seller(&data, &["export", "orders"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let database = data.join("seller-panel.sqlite3");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "created a new Seller Panel database: {}",
            database.display()
        )),
        "{stderr}"
    );
    assert!(database.is_file());
    #[cfg(unix)]
    {
        assert_eq!(mode(&data), 0o700, "the data folder is private");
        assert_eq!(mode(&database), 0o600, "the database is private");
    }

    // A second run finds it and says nothing about it.
    let again = seller(&data, &["backup"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        !text(&again.stderr).contains("created"),
        "{}",
        text(&again.stderr)
    );

    let french = tempfile::tempdir().unwrap();
    let out = seller_in(french.path(), &["export", "inventory"], "fr_FR.UTF-8");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("nouvelle base de données Seller Panel créée"),
        "{}",
        text(&out.stderr)
    );
}

/// A French Excel file of another tool: semicolons, decimal commas, Windows-1252, and the
/// status words that tool and Vinted use.
fn other_tool_export(dir: &std::path::Path) -> String {
    let rows = "Référence;Titre;Prix;Quantité;Statut\r\n\
                A-1;Robe été;12,50;1;active\r\n\
                A-2;Jupe;8,00;1;Vendu\r\n\
                A-3;Gilet;5,00;1;réservé\r\n\
                A-4;Short;3,00;2;DISPONIBLE\r\n\
                A-5;Pull;4,00;1;hidden\r\n\
                A-6;Veste;9,00;1;supprimé\r\n";
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(rows);
    assert!(!unmappable);
    assert!(bytes.contains(&0xE9), "é as one Windows-1252 byte");
    let path = dir.join("export-autre-outil.csv");
    std::fs::write(&path, &bytes).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn status_words_of_other_tools_import_and_wrong_ones_are_named_in_the_users_language() {
    let data = tempfile::tempdir().unwrap();
    let file = other_tool_export(data.path());

    let refused = seller_in(data.path(), &["import", "inventory", &file], "fr_FR.UTF-8");
    assert_eq!(refused.status.code(), Some(1));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains(
            "ligne 7, colonne « Statut » : statut inconnu « supprimé » : brouillon, prêt, en ligne, réservé, vendu, archivé"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("UnknownValue"), "{stderr}");
    assert!(stderr.contains("rien n’a été importé"), "{stderr}");

    let english = seller_in(
        data.path(),
        &["import", "inventory", &file, "--dry-run"],
        "en_GB.UTF-8",
    );
    assert!(
        text(&english.stderr).contains(
            "line 7, column \"Statut\": unknown status \"supprimé\": draft, ready, listed, reserved, sold, archived"
        ),
        "{}",
        text(&english.stderr)
    );

    let imported = seller_in(
        data.path(),
        &["import", "inventory", &file, "--skip-errors"],
        "fr_FR.UTF-8",
    );
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    let store = Store::open(&data.path().join("seller-panel.sqlite3")).unwrap();
    let mut statuses: Vec<(String, String, i64)> = store
        .list_products(&ProductQuery::default())
        .unwrap()
        .items
        .into_iter()
        .map(|p| (p.title, p.status.as_str().to_owned(), p.price_cents))
        .collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [
            ("Gilet".into(), "reserved".into(), 500),
            ("Jupe".into(), "sold".into(), 800),
            ("Pull".into(), "ready".into(), 400),
            ("Robe été".into(), "listed".into(), 1250),
            ("Short".into(), "listed".into(), 300),
        ]
    );
}

#[test]
fn without_a_language_in_the_environment_the_apps_setting_is_used() {
    let data = tempfile::tempdir().unwrap();
    let mut store = Store::open(&data.path().join("seller-panel.sqlite3")).unwrap();
    store.set_setting("language", "fr").unwrap();
    drop(store);
    let file = other_tool_export(data.path());
    let out = seller(data.path(), &["import", "inventory", &file, "--dry-run"]);
    assert!(
        text(&out.stderr).contains("statut inconnu « supprimé »"),
        "{}",
        text(&out.stderr)
    );
}
