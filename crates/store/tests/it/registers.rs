use std::process::Command;

use crate::common::fresh_store;
use seller_store::accounts::AccountDraft;
use seller_store::csv::CsvLanguage;
use seller_store::dashboard::DashboardQuery;
use seller_store::orders::{OrderDraft, OrderItemDraft, OrderQuery, PaymentMethod};
use seller_store::registers::{Register, RegisterKind, write_register_csv, write_register_pdf};
use seller_store::{FieldErrorCode, Store, StoreError};

const FROM: &str = "2026-01-01T00:00:00.000Z";
const TO: &str = "2027-01-01T00:00:00.000Z";

fn line(title: &str) -> OrderItemDraft {
    OrderItemDraft {
        sku: None,
        title: Some(title.to_owned()),
        quantity: 1,
        price_cents: None,
        unit_cost_cents: None,
    }
}

fn sale(at: &str, price: i64, title: &str, buyer: (Option<&str>, Option<&str>)) -> OrderDraft {
    let mut draft = OrderDraft::sale(price, vec![line(title)]);
    draft.created_at = Some(at.to_owned());
    draft.buyer_name = buyer.0.map(str::to_owned);
    draft.buyer_username = buyer.1.map(str::to_owned);
    draft
}

fn purchase(at: &str, price: i64, fees: Option<i64>, title: &str, seller: &str) -> OrderDraft {
    let mut draft = OrderDraft::purchase(price, vec![line(title)]);
    draft.created_at = Some(at.to_owned());
    draft.fees_total_cents = fees;
    draft.seller_username = Some(seller.to_owned());
    draft
}

struct Books {
    account: String,
}

/// Sales and purchases over two accounts, inside and around 2026, one of each canceled.
fn books(store: &mut Store) -> Books {
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

    let mut first = sale(
        "2026-02-03T10:00:00Z",
        2_550,
        "Robe d'été en lin",
        (Some("Hélène Dupré"), Some("helene_d")),
    );
    first.payment_method = Some(PaymentMethod::VintedWallet);
    first.order_id = Some("8812345678".to_owned());
    first.seller_account_id = Some(account.clone());
    store.create_order(first).unwrap();

    let mut second = sale(
        "2026-01-15T09:30:00Z",
        1_000,
        "Pull en laine",
        (None, Some("francois_99")),
    );
    second.fees_total_cents = Some(150);
    second.payment_method = Some(PaymentMethod::Cash);
    store.create_order(second).unwrap();

    let canceled = store
        .create_order(sale(
            "2026-03-01T12:00:00Z",
            9_900,
            "Manteau",
            (Some("Annulé"), None),
        ))
        .unwrap();
    store.cancel_order(&canceled.id).unwrap();

    // Outside the period, on both sides (the end is exclusive).
    store
        .create_order(sale("2025-12-31T23:59:59.999Z", 700, "Avant", (None, None)))
        .unwrap();
    store
        .create_order(sale("2027-01-01T00:00:00Z", 800, "Après", (None, None)))
        .unwrap();

    let mut bought = purchase(
        "2026-01-20T08:00:00Z",
        4_000,
        Some(250),
        "Lot de 5 jeans",
        "grossiste_lyon",
    );
    bought.seller_name = Some("Émile Grossiste".to_owned());
    bought.payment_method = Some(PaymentMethod::Transfer);
    bought.seller_account_id = Some(account.clone());
    store.create_order(bought).unwrap();
    store
        .create_order(purchase(
            "2026-06-10T08:00:00Z",
            1_200,
            None,
            "Chemises",
            "vide_grenier",
        ))
        .unwrap();
    let gone = store
        .create_order(purchase(
            "2026-07-01T08:00:00Z",
            5_000,
            Some(100),
            "Rendu",
            "x",
        ))
        .unwrap();
    store.cancel_order(&gone.id).unwrap();

    Books { account }
}

fn dashboard(store: &Store, account: Option<&str>) -> seller_store::dashboard::Dashboard {
    store
        .dashboard(&DashboardQuery {
            from: FROM.to_owned(),
            to: TO.to_owned(),
            seller_account_id: account.map(str::to_owned),
            dead_stock_days: 90,
            utc_offset_minutes: 0,
        })
        .unwrap()
}

#[test]
fn register_totals_are_the_dashboards_and_leave_canceled_orders_out() {
    let (_dir, mut store) = fresh_store();
    let books = books(&mut store);

    for account in [None, Some(books.account.as_str())] {
        let figures = dashboard(&store, account);
        let receipts = store.receipts_register(FROM, TO, account).unwrap();
        let purchases = store.purchases_register(FROM, TO, account).unwrap();
        assert_eq!(receipts.total_cents, figures.revenue_cents, "{account:?}");
        assert_eq!(
            purchases.total_cents, figures.purchases_cents,
            "{account:?}"
        );
        assert_eq!(receipts.rows.len() as i64, figures.sales_count);
        assert_eq!(purchases.rows.len() as i64, figures.purchases_count);
    }

    let receipts = store.receipts_register(FROM, TO, None).unwrap();
    assert_eq!(receipts.kind, RegisterKind::Receipts);
    assert_eq!(receipts.total_cents, 2_550 + 1_000);
    // Oldest first; client = name, else username; reference = Vinted's id, else the order's own.
    let names: Vec<_> = receipts.rows.iter().map(|r| r.nature.as_str()).collect();
    assert_eq!(names, ["Pull en laine", "Robe d'été en lin"]);
    assert_eq!(
        receipts.rows[0].counterparty.as_deref(),
        Some("francois_99")
    );
    assert!(
        receipts.rows[0].reference.starts_with("M-"),
        "{:?}",
        receipts.rows[0]
    );
    assert_eq!(
        receipts.rows[0].amount_cents, 1_000,
        "fees do not lower a receipt"
    );
    assert_eq!(
        receipts.rows[1].counterparty.as_deref(),
        Some("Hélène Dupré")
    );
    assert_eq!(receipts.rows[1].reference, "8812345678");
    assert_eq!(
        receipts.rows[1].payment_method,
        Some(PaymentMethod::VintedWallet)
    );

    let purchases = store.purchases_register(FROM, TO, None).unwrap();
    assert_eq!(purchases.total_cents, 4_250 + 1_200);
    assert_eq!(
        purchases.rows[0].counterparty.as_deref(),
        Some("Émile Grossiste")
    );
    assert_eq!(purchases.rows[0].amount_cents, 4_250, "price + fees");
    assert_eq!(
        purchases.rows[1].counterparty.as_deref(),
        Some("vide_grenier")
    );

    // The same reference every time.
    let again = store.receipts_register(FROM, TO, None).unwrap();
    assert_eq!(again.rows[0].reference, receipts.rows[0].reference);
}

#[test]
fn a_wrong_period_is_a_validation_error() {
    let (_dir, store) = fresh_store();
    for (from, to, field) in [
        ("hier", TO, "from"),
        (FROM, "demain", "to"),
        (TO, FROM, "to"),
        (FROM, FROM, "to"),
    ] {
        match store.receipts_register(from, to, None) {
            Err(StoreError::Validation(fields)) => {
                assert!(
                    fields
                        .iter()
                        .any(|f| f.field == field && f.code == FieldErrorCode::Invalid),
                    "{from} {to}: {fields:?}"
                );
            }
            other => panic!("{from} {to}: {other:?}"),
        }
    }
}

fn csv_text(register: &Register, language: CsvLanguage) -> String {
    let mut out = Vec::new();
    write_register_csv(register, language, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn registers_as_csv_open_in_excel_in_french_and_english() {
    let (_dir, mut store) = fresh_store();
    books(&mut store);
    let receipts = store.receipts_register(FROM, TO, None).unwrap();

    let fr = csv_text(&receipts, CsvLanguage::Fr);
    assert!(
        fr.starts_with('\u{feff}'),
        "Excel needs the BOM for accents"
    );
    let lines: Vec<&str> = fr.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(
        lines[0],
        "Date;Référence;Client;Nature;Montant;Mode de paiement"
    );
    assert!(lines[1].starts_with("15/01/2026;M-"), "{}", lines[1]);
    assert!(
        lines[1].ends_with(";francois_99;Pull en laine;10,00;Espèces"),
        "{}",
        lines[1]
    );
    assert_eq!(
        lines[2],
        "03/02/2026;8812345678;Hélène Dupré;Robe d'été en lin;25,50;Porte-monnaie Vinted"
    );
    assert_eq!(lines[3], "Total;;;;35,50;");

    let en = csv_text(&receipts, CsvLanguage::En);
    assert!(!en.starts_with('\u{feff}'));
    let lines: Vec<&str> = en.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "Date,Reference,Client,Description,Amount,Payment method"
    );
    assert_eq!(
        lines[2],
        "2026-02-03,8812345678,Hélène Dupré,Robe d'été en lin,25.50,Vinted wallet"
    );
    assert_eq!(lines[3], "Total,,,,35.50,");

    let purchases = store.purchases_register(FROM, TO, None).unwrap();
    let fr = csv_text(&purchases, CsvLanguage::Fr);
    assert!(fr.contains("Date;Référence;Fournisseur;Nature;Montant;Mode de paiement"));
    assert!(
        fr.contains(";Émile Grossiste;Lot de 5 jeans;42,50;Virement\r\n"),
        "{fr}"
    );
    assert!(fr.contains("Total;;;;54,50;"), "{fr}");
}

#[test]
fn a_formula_in_a_name_is_written_as_text() {
    let (_dir, mut store) = fresh_store();
    store
        .create_order(sale(
            "2026-05-05T12:00:00Z",
            100,
            "=HYPERLINK(\"x\")",
            (Some("+33 6 00"), None),
        ))
        .unwrap();
    let register = store.receipts_register(FROM, TO, None).unwrap();
    let text = csv_text(&register, CsvLanguage::En);
    assert!(
        text.contains(",'+33 6 00,\"'=HYPERLINK(\"\"x\"\")\","),
        "{text}"
    );
}

fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("register.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "pdftotext is needed to check the PDF registers ({e}): install poppler-utils \
                 (./scripts/setup does)"
            )
        });
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn registers_as_pdf_show_the_title_accented_names_and_the_total() {
    let (_dir, mut store) = fresh_store();
    books(&mut store);
    let receipts = store.receipts_register(FROM, TO, None).unwrap();
    let mut pdf = Vec::new();
    write_register_pdf(&receipts, CsvLanguage::Fr, "Boutique Zoé", &mut pdf).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let text = pdftotext(&pdf);
    assert!(
        text.contains("Livre des recettes — du 01/01/2026 au 31/12/2026"),
        "{text}"
    );
    assert!(text.contains("Boutique Zoé"), "{text}");
    assert!(text.contains("Hélène Dupré"), "{text}");
    assert!(text.contains("Porte-monnaie Vinted"), "{text}");
    assert!(text.contains("Montants en euros (€)"), "{text}");
    let total = text
        .lines()
        .find(|l| l.contains("Total"))
        .expect("a total line");
    assert!(total.contains("35,50"), "{total}");
    assert!(text.contains("Page 1 / 1"), "{text}");

    let purchases = store.purchases_register(FROM, TO, None).unwrap();
    let mut pdf = Vec::new();
    write_register_pdf(&purchases, CsvLanguage::En, "Zoé's shop", &mut pdf).unwrap();
    let text = pdftotext(&pdf);
    assert!(
        text.contains("Purchases register — 2026-01-01 to 2026-12-31"),
        "{text}"
    );
    assert!(text.contains("Émile Grossiste"), "{text}");
    assert!(text.contains("54.50"), "{text}");
}

#[test]
fn a_long_register_breaks_pages_and_repeats_the_header() {
    let (_dir, mut store) = fresh_store();
    for n in 0..120 {
        let mut draft = sale(
            &format!("2026-04-{:02}T12:00:00Z", 1 + n % 28),
            100 + n,
            &format!("Article numéro {n} avec un titre assez long pour passer à la ligne"),
            (Some("Cécile"), None),
        );
        draft.payment_method = Some(PaymentMethod::Card);
        store.create_order(draft).unwrap();
    }
    let register = store.receipts_register(FROM, TO, None).unwrap();
    let mut pdf = Vec::new();
    write_register_pdf(&register, CsvLanguage::Fr, "Boutique", &mut pdf).unwrap();
    let text = pdftotext(&pdf);
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert!(pages.len() > 2, "{} pages", pages.len());
    let count = pages.len();
    for (n, page) in pages.iter().enumerate() {
        assert!(
            page.contains("Mode de paiement"),
            "page {} lacks the header",
            n + 1
        );
        assert!(
            page.contains(&format!("Page {} / {count}", n + 1)),
            "page {}: {page}",
            n + 1
        );
    }
    let total: i64 = (0..120).map(|n| 100 + n).sum();
    let last = pages.last().unwrap();
    assert!(
        last.contains(&format!("{},{:02}", total / 100, total % 100)),
        "{last}"
    );
    assert!(last.contains("120 opérations"), "{last}");
}

#[test]
fn orders_export_lists_every_order_with_its_money() {
    let (_dir, mut store) = fresh_store();
    books(&mut store);
    let query = OrderQuery {
        from: Some(FROM.to_owned()),
        to: Some(TO.to_owned()),
        sort_dir: seller_store::products::SortDir::Asc,
        ..OrderQuery::default()
    };
    let mut out = Vec::new();
    let written = store
        .export_orders_csv(&query, CsvLanguage::Fr, &mut out)
        .unwrap();
    assert_eq!(written, 6, "canceled orders are listed too");
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "Type;Date;Référence;Client / Fournisseur;Titre;Prix;Frais;Coût;Bénéfice;Statut;Annulée"
    );
    assert!(lines[1].starts_with("Vente;15/01/2026;M-"), "{}", lines[1]);
    assert!(
        lines[1].ends_with(";francois_99;Pull en laine;10,00;1,50;0,00;8,50;completed;Non"),
        "{}",
        lines[1]
    );
    assert!(text.contains("Achat;20/01/2026;M-"), "{text}");
    assert!(
        text.contains(";Émile Grossiste;Lot de 5 jeans;40,00;2,50;42,50;;completed;Non"),
        "{text}"
    );
    assert!(
        text.contains(";Manteau;99,00;0,00;0,00;99,00;canceled;Oui"),
        "{text}"
    );

    let mut out = Vec::new();
    store
        .export_orders_csv(&query, CsvLanguage::En, &mut out)
        .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("Type,Date,Reference,"), "{text}");
    assert!(
        text.contains("Sale,2026-02-03,8812345678,Hélène Dupré,"),
        "{text}"
    );
}
