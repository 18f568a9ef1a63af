//! Orders read from Vinted as the app runs it: the job queue in a real store, the account's real
//! Chromium session behind tinyproxy demanding a password, logged in on the local Vinted; the
//! read calls `my_orders`, the transactions and the wallet from inside the page, and the labels
//! come through the browser in a tab of their own.

#![cfg(target_os = "linux")]

use std::collections::HashMap;
use std::time::Duration;

use seller_panel_tests::fake_vinted::{Failure, FakeOrder, FakeVinted, OrderStage, Step};
use seller_panel_tests::vinted::{Harness, quick_pacing};
use seller_store::orders::vinted::{VintedOrderFilter, VintedOrderRow, vinted_order_row_id};
use seller_store::orders::{Order, OrderType};
use seller_store::products::ProductDraft;
use seller_store::raw::RawSql;
use seller_store::vinted::{Attention, JobKind, JobState};
use serde_json::{Value, json};

const WITHIN: Duration = Duration::from_secs(300);
const FINISHED: &[JobState] = &[JobState::Done, JobState::Failed];
/// What each inventory item cost the seller.
const UNIT_COST: i64 = 500;

/// The SKU a seeded description names (`Réf SP-000123`), if any.
fn sku_in(description: &str) -> Option<String> {
    let at = description.find("SP-")?;
    Some(description[at..at + 9].to_owned())
}

async fn run(harness: &Harness, kind: JobKind, payload: Value) -> Value {
    let job = harness.enqueue(kind, payload, false).await;
    let job = harness.wait_for_job(&job.id, FINISHED, WITHIN).await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    job.result.expect("a summary")
}

fn order(harness: &Harness, transaction_id: u64) -> Order {
    let id = vinted_order_row_id(&harness.account_id, &transaction_id.to_string());
    harness.db.lock().order(&id).expect("the order")
}

fn vinted_rows(harness: &Harness) -> HashMap<String, VintedOrderRow> {
    harness
        .db
        .lock()
        .vinted_orders(&VintedOrderFilter {
            limit: 1000,
            ..VintedOrderFilter::default()
        })
        .expect("the list")
        .into_iter()
        .map(|row| (row.transaction_id.clone(), row))
        .collect()
}

/// Rows of the order tables and stock movements, and the sync engine's record of changes.
fn footprint(harness: &Harness) -> Vec<i64> {
    let db = harness.db.lock();
    let conn = db.connection();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).expect(sql) };
    vec![
        count("SELECT count(*) FROM seller_orders"),
        count("SELECT count(*) FROM seller_order_bundle_items"),
        count("SELECT count(*) FROM seller_order_timelines"),
        count("SELECT count(*) FROM seller_stock_movements"),
        count("SELECT count(*) FROM vinted_order_details"),
        count("SELECT count(*) FROM sync_clock"),
        count("SELECT coalesce(max(hlc), 0) FROM sync_clock"),
    ]
}

fn stage_status(stage: OrderStage) -> &'static str {
    match stage {
        OrderStage::Paid => "paid",
        OrderStage::Shipped => "shipped",
        OrderStage::Delivered => "delivered",
        OrderStage::Completed => "completed",
        OrderStage::Canceled => "canceled",
    }
}

fn cents(amount: &str) -> i64 {
    let (units, fraction) = amount.split_once('.').expect("two decimals");
    units.parse::<i64>().expect("units") * 100 + fraction.parse::<i64>().expect("cents")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_orders_with_bundles_and_a_cancellation_give_the_right_rows_stock_and_money_and_a_second_read_changes_nothing()
 {
    let fake = FakeVinted::start();
    fake.seed_wardrobe(150);
    let harness = Harness::start(&fake, quick_pacing()).await;

    // An inventory item for every live listing whose description names a SKU, linked by an
    // import of the wardrobe (the descriptions are read while the listings are live).
    let mut skus = HashMap::new();
    for item in fake.items() {
        // (Vinted serves no description of a reserved listing: those stay unlinked.)
        if item.user_id != seller_panel_tests::fake_vinted::USER_ID
            || !item.is_live()
            || item.is_reserved
        {
            continue;
        }
        let Some(sku) = sku_in(&item.description) else {
            continue;
        };
        let draft = ProductDraft {
            sku: Some(sku.clone()),
            quantity: 1,
            purchase_cost_cents: UNIT_COST,
            ..ProductDraft::titled(&format!("Article {sku}"))
        };
        harness.db.lock().create_product(draft).expect("an item");
        skus.insert(item.id, sku);
    }
    let imported = run(
        &harness,
        JobKind::ImportListings,
        json!({"linkBySku": true}),
    )
    .await;
    assert_eq!(imported["linked"], json!(skus.len()), "{imported}");

    // 44 sales (bundles of three every seventh, the fourth canceled) and 6 purchases.
    let orders = fake.seed_orders(44, 6);
    assert_eq!(orders.len(), 50);
    assert!(orders.iter().filter(|o| o.items.len() == 3).count() >= 6);
    fake.clear_requests();
    let summary = run(&harness, JobKind::ImportOrders, json!({})).await;
    assert_eq!(summary["seen"], 50, "{summary}");
    assert_eq!(summary["sales"], 44, "{summary}");
    assert_eq!(summary["purchases"], 6, "{summary}");
    assert_eq!(summary["created"], 50, "{summary}");
    assert_eq!(summary["read"], 50, "{summary}");

    // Order and transaction calls asked for money objects.
    let requests = fake.requests();
    let money_calls: Vec<_> = requests
        .iter()
        .filter(|r| {
            r.path.starts_with("/api/v2/my_orders")
                || r.path.starts_with("/api/v2/transactions/")
                || r.path.starts_with("/api/v2/wallet/")
        })
        .collect();
    assert!(money_calls.len() >= 52, "{}", money_calls.len());
    assert!(
        money_calls
            .iter()
            .all(|r| r.header("x-money-object") == Some("true"))
    );

    let rows = vinted_rows(&harness);
    assert_eq!(rows.len(), 50);
    let mut stock_expected: HashMap<String, i64> = HashMap::new();
    let mut linked_lines = 0;
    for fake_order in &orders {
        let stored = order(&harness, fake_order.transaction_id);
        let row = &rows[&fake_order.transaction_id.to_string()];
        let what = format!("{fake_order:?}\n{stored:#?}");
        assert_eq!(stored.order_id, Some(fake_order.transaction_id.to_string()));
        assert_eq!(stored.price_cents, fake_order.price_cents(), "{what}");
        assert_eq!(stored.item_price_cents, Some(fake_order.price_cents()));
        assert_eq!(stored.items.len(), fake_order.items.len(), "{what}");
        assert_eq!(stored.is_bundle, fake_order.items.len() > 1);
        assert_eq!(
            stored.items.iter().map(|i| i.price_cents).sum::<i64>(),
            fake_order.price_cents(),
            "the lines add up to the price: {what}"
        );
        assert_eq!(stored.status, stage_status(fake_order.stage), "{what}");
        assert_eq!(
            stored.canceled_at.is_some(),
            fake_order.stage == OrderStage::Canceled
        );
        let events = match fake_order.stage {
            OrderStage::Paid => 1,
            OrderStage::Shipped | OrderStage::Canceled => 2,
            OrderStage::Delivered => 3,
            OrderStage::Completed => 4,
        };
        assert_eq!(stored.timeline.len(), events, "{what}");
        assert_eq!(
            stored.tracking.number.as_deref(),
            Some(fake_order.tracking_code.as_str())
        );
        assert_eq!(
            stored.tracking.carrier.as_deref(),
            Some(fake_order.carrier.as_str())
        );
        assert!(
            stored.tracking.url.as_deref().is_some_and(
                |url| url.starts_with("https://") && url.ends_with(&fake_order.tracking_code)
            ),
            "{what}"
        );
        assert_eq!(
            stored.shipping_city.as_deref(),
            Some(fake_order.counterpart.2.as_str())
        );
        assert_eq!(
            row.conversation_id,
            Some(fake_order.conversation_id.to_string())
        );
        assert_eq!(row.shipment_id, Some(fake_order.shipment_id.to_string()));
        assert_eq!(
            row.buyer_protection_fee_cents,
            Some(cents(&fake_order.buyer_protection_fee))
        );
        if fake_order.sold {
            assert_eq!(stored.order_type, OrderType::Sale);
            assert_eq!(
                stored.buyer_username.as_deref(),
                Some(fake_order.counterpart.1.as_str())
            );
            let linked: Vec<&str> = fake_order
                .items
                .iter()
                .filter_map(|i| skus.get(&i.id).map(String::as_str))
                .collect();
            linked_lines += linked.len();
            assert_eq!(
                stored
                    .items
                    .iter()
                    .filter(|i| i.product_id.is_some())
                    .count(),
                linked.len(),
                "{what}"
            );
            for sku in &linked {
                let left = i64::from(fake_order.stage == OrderStage::Canceled);
                stock_expected.insert((*sku).to_owned(), left);
            }
            let cost = UNIT_COST * linked.len() as i64;
            assert_eq!(stored.cost_cents, cost, "{what}");
            // The net payout, once the wallet credited it; the seller's fee is what it kept.
            let net = fake_order.wallet_cents();
            assert_eq!(row.net_payout_cents, net, "{what}");
            match net {
                Some(net) => {
                    assert_eq!(stored.fees_total_cents, Some(fake_order.seller_fee_cents));
                    assert_eq!(stored.profit_cents, Some(net - cost), "{what}");
                }
                None => assert_eq!(stored.fees_total_cents, None, "{what}"),
            }
            assert_eq!(
                row.ship_by.is_some(),
                fake_order.stage == OrderStage::Paid,
                "a deadline while the parcel has to go: {what}"
            );
        } else {
            assert_eq!(stored.order_type, OrderType::Purchase);
            assert_eq!(
                stored.seller_username.as_deref(),
                Some(fake_order.counterpart.1.as_str())
            );
            let fees = cents(&fake_order.buyer_protection_fee) + cents(&fake_order.shipping_price);
            assert_eq!(stored.fees_total_cents, Some(fees));
            assert_eq!(stored.cost_cents, fake_order.price_cents() + fees);
            assert_eq!(row.net_payout_cents, None);
            assert_eq!(row.ship_by, None);
        }
    }
    assert!(linked_lines >= 10, "{linked_lines} lines linked");
    for (sku, left) in &stock_expected {
        let product = harness
            .db
            .lock()
            .product_by_sku(sku)
            .expect("reading")
            .expect("the item");
        assert_eq!(product.quantity, *left, "{sku}");
    }
    // Items not sold kept their unit.
    let unsold = skus
        .values()
        .filter(|s| !stock_expected.contains_key(*s))
        .count();
    assert!(unsold > 0);
    let movements = footprint(&harness)[3];

    // The same orders read again: nothing changes, nothing is captured for sync.
    let before = footprint(&harness);
    let again = run(&harness, JobKind::ImportOrders, json!({})).await;
    assert_eq!(again["created"], 0, "{again}");
    assert_eq!(again["changed"], 0, "{again}");
    assert_eq!(again["stockMoved"], 0, "{again}");
    // Finished orders (completed, canceled) are not read again.
    let finished = orders
        .iter()
        .filter(|o| matches!(o.stage, OrderStage::Completed | OrderStage::Canceled))
        .count();
    assert_eq!(again["skipped"], json!(finished), "{again}");
    assert_eq!(again["read"], json!(50 - finished), "{again}");
    assert_eq!(
        footprint(&harness),
        before,
        "a second read changed something"
    );

    // Later: a paid sale is canceled (its stock comes back, once), a delivered one loses its
    // buyer's city and tracking on Vinted's side (kept here).
    let mut canceled: FakeOrder = orders
        .iter()
        .find(|o| {
            o.sold
                && o.stage == OrderStage::Paid
                && o.items.iter().any(|i| skus.contains_key(&i.id))
        })
        .expect("a paid sale of a linked item")
        .clone();
    canceled.stage = OrderStage::Canceled;
    fake.put_order(canceled.clone());
    let mut faded = orders
        .iter()
        .find(|o| o.sold && o.stage == OrderStage::Delivered)
        .expect("a delivered sale")
        .clone();
    faded.details_removed = true;
    fake.put_order(faded.clone());
    let third = run(&harness, JobKind::ImportOrders, json!({})).await;
    assert_eq!(third["changed"], 1, "{third}");
    let back: i64 = canceled
        .items
        .iter()
        .filter(|i| skus.contains_key(&i.id))
        .count() as i64;
    assert_eq!(third["stockMoved"], back, "{third}");
    for item in canceled.items.iter().filter(|i| skus.contains_key(&i.id)) {
        let product = harness
            .db
            .lock()
            .product_by_sku(&skus[&item.id])
            .expect("reading")
            .expect("the item");
        assert_eq!(product.quantity, 1);
    }
    let stored = order(&harness, canceled.transaction_id);
    assert_eq!(stored.status, "canceled");
    assert!(stored.canceled_at.is_some());
    assert_eq!(footprint(&harness)[3], movements + back);
    let stored = order(&harness, faded.transaction_id);
    assert_eq!(stored.shipping_city.as_deref(), Some("Lyon"));
    assert_eq!(
        stored.tracking.number.as_deref(),
        Some(faded.tracking_code.as_str())
    );
    // And once more: nothing.
    let before = footprint(&harness);
    let fourth = run(&harness, JobKind::ImportOrders, json!({})).await;
    assert_eq!(
        (fourth["created"].clone(), fourth["changed"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(footprint(&harness), before);
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_and_an_expired_login_in_the_middle_resume_without_duplicates_or_gaps() {
    let fake = FakeVinted::start();
    fake.seed_wardrobe(60);
    let orders = fake.seed_orders(20, 4);
    let harness = Harness::start(&fake, quick_pacing()).await;

    // The first transaction is refused with a 429 (Retry-After 2 s), and the wallet's first
    // month answers that the login expired: the account waits for the person.
    fake.fail_next(
        Step::Transaction,
        Failure::RateLimited {
            retry_after_secs: 2,
        },
    );
    fake.fail_next(Step::Wallet, Failure::LoginExpired);
    let job = harness
        .enqueue(JobKind::ImportOrders, json!({}), false)
        .await;
    let held = harness
        .wait_for_job(
            &job.id,
            &[JobState::NeedsAttention, JobState::Done, JobState::Failed],
            WITHIN,
        )
        .await;
    assert_eq!(held.state, JobState::NeedsAttention, "{held:#?}");
    let pacing = harness
        .db
        .lock()
        .pacing_state(&harness.account_id)
        .expect("the pacing state");
    assert_eq!(
        pacing.attention,
        Some(Attention::LoginExpired),
        "{pacing:?}"
    );
    // Every order was written before the wallet was asked.
    assert_eq!(vinted_rows(&harness).len(), 24);

    harness
        .runner
        .resume_account(&harness.account_id)
        .await
        .expect("resuming");
    let done = harness.wait_for_job(&job.id, FINISHED, WITHIN).await;
    assert_eq!(done.state, JobState::Done, "{done:#?}");
    let summary = done.result.expect("a summary");
    assert_eq!(summary["seen"], 24, "{summary}");
    assert_eq!(summary["read"], 24, "{summary}");
    assert_eq!(summary["created"], 24, "{summary}");

    // Each transaction was asked once, the refused one twice, Retry-After obeyed; no page of
    // orders was read twice.
    let requests = fake.requests();
    let transactions: Vec<_> = requests
        .iter()
        .filter(|r| r.path.starts_with("/api/v2/transactions/"))
        .collect();
    assert_eq!(transactions.len(), 25, "{transactions:?}");
    assert_eq!(transactions[0].path, transactions[1].path);
    assert!(transactions[1].at.duration_since(transactions[0].at) >= Duration::from_secs(2));
    for o in &orders {
        let path = format!("/api/v2/transactions/{}", o.transaction_id);
        let asked = transactions.iter().filter(|r| r.path == path).count();
        assert!((1..=2).contains(&asked), "{path} asked {asked} times");
    }
    let pages = requests
        .iter()
        .filter(|r| r.path.starts_with("/api/v2/my_orders"))
        .count();
    assert_eq!(pages, 2, "one page a side");
    let rows = vinted_rows(&harness);
    assert_eq!(rows.len(), 24);
    for o in &orders {
        let row = &rows[&o.transaction_id.to_string()];
        assert_eq!(
            row.net_payout_cents,
            if o.sold { o.wallet_cents() } else { None }
        );
    }
    let duplicates: i64 = harness
        .db
        .lock()
        .connection()
        .query_row(
            "SELECT count(*) FROM (SELECT order_id, status FROM seller_order_timelines
             GROUP BY order_id, status HAVING count(*) > 1)",
            [],
            |r| r.get(0),
        )
        .expect("counting");
    assert_eq!(duplicates, 0);
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labels_of_three_orders_download_through_the_browser_and_merge_into_one_pdf_of_three_pages()
{
    let fake = FakeVinted::start();
    fake.seed_wardrobe(40);
    let orders = fake.seed_orders(8, 0);
    let harness = Harness::start(&fake, quick_pacing()).await;
    run(&harness, JobKind::ImportOrders, json!({})).await;

    let chosen: Vec<&FakeOrder> = orders
        .iter()
        .filter(|o| o.stage != OrderStage::Canceled)
        .take(3)
        .collect();
    let canceled = orders
        .iter()
        .find(|o| o.stage == OrderStage::Canceled)
        .expect("a canceled sale");
    let row_id =
        |o: &FakeOrder| vinted_order_row_id(&harness.account_id, &o.transaction_id.to_string());
    let mut ids: Vec<String> = chosen.iter().map(|o| row_id(o)).collect();
    ids.push(row_id(canceled));
    let summary = run(&harness, JobKind::DownloadLabels, json!({"orderIds": ids})).await;
    assert_eq!(summary["downloaded"], 3, "{summary}");
    assert_eq!(summary["pages"], 3, "{summary}");
    let failures = summary["failures"].as_array().expect("failures");
    assert_eq!(failures.len(), 1, "{summary}");
    assert_eq!(failures[0]["orderId"], json!(row_id(canceled)));

    // Each label came from the fake through the session's browser, and is the PDF it served.
    let served = fake.labels_served();
    let mut wanted: Vec<u64> = chosen.iter().map(|o| o.shipment_id).collect();
    // (Chromium's PDF viewer may ask for a file twice: once to show it, once for the read.)
    let mut got = served.clone();
    wanted.sort_unstable();
    got.sort_unstable();
    got.dedup();
    assert_eq!(got, wanted);
    let exit: std::net::IpAddr = seller_panel_tests::proxies::TINYPROXY_EXIT
        .parse()
        .expect("an address");
    for request in fake
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/label.pdf"))
    {
        assert_eq!(request.peer.ip(), exit, "the label came through the proxy");
    }
    let rows = vinted_rows(&harness);
    for o in &chosen {
        let row = &rows[&o.transaction_id.to_string()];
        let path = row.label_path.clone().expect("a label file");
        assert_eq!(path, format!("labels/{}.pdf", row_id(o)));
        let bytes = std::fs::read(harness.dir.path().join(&path)).expect("the label");
        assert_eq!(
            bytes,
            seller_panel_tests::fake_vinted::label_pdf(o.shipment_id)
        );
    }
    let merged = summary["merged"].as_str().expect("a merged file");
    let doc = lopdf::Document::load(harness.dir.path().join(merged)).expect("a PDF");
    assert_eq!(doc.get_pages().len(), 3);

    // Asked again: the files on disk are used, nothing is fetched, the batch is the same.
    let again = run(
        &harness,
        JobKind::DownloadLabels,
        json!({"orderIds": chosen.iter().map(|o| row_id(o)).collect::<Vec<_>>()}),
    )
    .await;
    assert_eq!(again["downloaded"], 0, "{again}");
    assert_eq!(again["pages"], 3, "{again}");
    assert_eq!(fake.labels_served(), served);

    // Vinted has no label for another sale: the failure is kept on the order, with its reason,
    // so the Orders area says why instead of asking again.
    let refused = orders
        .iter()
        .filter(|o| o.stage != OrderStage::Canceled)
        .nth(3)
        .expect("a fourth sale");
    fake.refuse_label(refused.shipment_id);
    let failed = run(
        &harness,
        JobKind::DownloadLabels,
        json!({"orderIds": [row_id(refused)]}),
    )
    .await;
    assert_eq!(failed["downloaded"], 0, "{failed}");
    let row = &vinted_rows(&harness)[&refused.transaction_id.to_string()];
    assert_eq!(row.label_path, None);
    assert!(
        row.label_error
            .as_deref()
            .is_some_and(|e| e.contains("no label")),
        "{row:?}"
    );
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn net_payouts_add_up_over_pages_and_months_and_odd_transactions_or_pages_do_not_hold_the_read()
 {
    let fake = FakeVinted::start();
    fake.seed_wardrobe(60);
    let mut orders = fake.seed_orders(12, 0);
    let day = Duration::from_secs(86_400);
    let now = std::time::SystemTime::now();
    // A sale paid and delivered some 40 days ago (last month or the one before): its credit is
    // in that month, with 25 lines of other conversations before a +5.00 € correction (so the
    // correction is on the month's second page), and a −3.00 € refund this month.
    let old = orders
        .iter_mut()
        .find(|o| o.stage == OrderStage::Delivered)
        .expect("a delivered sale");
    old.paid_at = now - 41 * day;
    old.shipped_at = Some(now - 40 * day);
    old.delivered_at = Some(now - 40 * day);
    old.status_updated_at = now - 40 * day;
    fake.put_order(old.clone());
    let old = old.clone();
    for n in 0..25 {
        fake.add_wallet_line(
            99_000_000 + n,
            now - 40 * day + Duration::from_secs(60 + n),
            100,
        );
    }
    fake.add_wallet_line(old.conversation_id, now - 40 * day + day / 2, 500);
    fake.add_wallet_line(old.conversation_id, now, -300);
    // A transaction with no price in the middle of the page, one Vinted no longer serves
    // (its row says completed), and `my_orders` that ignores `page` while claiming 5 pages.
    let sales: Vec<FakeOrder> = fake.orders().into_iter().filter(|o| o.sold).collect();
    let priceless = sales
        .iter()
        .find(|o| o.stage == OrderStage::Shipped)
        .expect("a shipped sale")
        .clone();
    fake.drop_transaction_price(priceless.transaction_id);
    let gone = sales
        .iter()
        .find(|o| o.stage == OrderStage::Completed)
        .expect("a completed sale")
        .clone();
    fake.make_transaction_gone(gone.transaction_id);
    fake.ignore_orders_page(5);
    let harness = Harness::start(&fake, quick_pacing()).await;

    let first = run(&harness, JobKind::ImportOrders, json!({})).await;
    assert_eq!(first["seen"], 12, "one page, read once: {first}");
    assert_eq!(first["unreadable"], 1, "{first}");
    assert_eq!(first["withoutDetails"], 1, "{first}");
    assert_eq!(first["created"], 11, "{first}");
    let rows = vinted_rows(&harness);
    assert!(!rows.contains_key(&priceless.transaction_id.to_string()));
    let expected = old.price_cents() - old.seller_fee_cents + 500 - 300;
    let row = &rows[&old.transaction_id.to_string()];
    assert_eq!(row.net_payout_cents, Some(expected), "{first}");
    // Fees are never negative (the schema's CHECK): a wallet crediting more than the price
    // leaves them at 0, and the profit reads the net payout.
    assert_eq!(
        row.fees_total_cents,
        Some((old.price_cents() - expected).max(0))
    );
    let row = &rows[&gone.transaction_id.to_string()];
    assert_eq!(row.status, "completed");
    assert_eq!(row.ship_by, None);

    // Read again: the transaction that is gone is not asked for again.
    let asked = |fake: &FakeVinted| {
        fake.requests()
            .iter()
            .filter(|r| r.path == format!("/api/v2/transactions/{}", gone.transaction_id))
            .count()
    };
    let before = asked(&fake);
    let second = run(&harness, JobKind::ImportOrders, json!({})).await;
    assert_eq!(asked(&fake), before, "{second}");
    assert_eq!(second["created"], 0, "{second}");
    assert_eq!(
        vinted_rows(&harness)[&old.transaction_id.to_string()].net_payout_cents,
        Some(expected)
    );

    // Without pagination at all, the one page (not full) is the last.
    fake.drop_orders_pagination();
    let third = run(&harness, JobKind::ImportOrders, json!({})).await;
    assert_eq!(third["seen"], 12, "{third}");
    harness.stop().await;
}

/// Two devices of one shop read the same sale while apart: the order, its lines, its events and
/// its stock movement have the same ids on both (derived from the account and Vinted's
/// transaction id), so after sync there is one of each and the item's stock went down once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_reading_one_sale_sync_into_one_order_and_one_stock_movement() {
    use seller_panel_tests::sync::{Backend, Device, start_server, ticking_clock};
    use seller_store::accounts::AccountDraft;
    use seller_store::orders::vinted::{
        Counterpart, VintedOrder, VintedOrderItem, VintedOrderStatus,
    };

    let server = start_server(Backend::Sqlite, &["camille@example.fr"]).await;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let clock = ticking_clock();
    let mut a = Device::open_with_clock(&dir.path().join("a.sqlite3"), clock.clone());
    let mut b = Device::open_with_clock(&dir.path().join("b.sqlite3"), clock);
    a.sign_in(&server, "camille@example.fr").await;
    let account = a
        .store()
        .create_account(AccountDraft {
            name: "Boutique".into(),
            username: Some("camille".into()),
            email: None,
            avatar: None,
            vinted_base_url: "https://www.vinted.fr".into(),
            proxy: None,
        })
        .expect("an account")
        .id;
    let product = a
        .store()
        .create_product(ProductDraft {
            sku: Some("SP-000042".into()),
            quantity: 2,
            purchase_cost_cents: UNIT_COST,
            ..ProductDraft::titled("Robe d'été")
        })
        .expect("an item")
        .id;
    a.sync().await;
    b.sign_in(&server, "camille@example.fr").await;
    b.sync().await;

    let sale = VintedOrder {
        details_gone: false,
        order_type: OrderType::Sale,
        transaction_id: "5550001".into(),
        conversation_id: Some("6660001".into()),
        title: "Robe d'été".into(),
        row_status: Some("Colis envoyé".into()),
        transaction_status: Some(230),
        events: vec![
            (VintedOrderStatus::Paid, "2026-12-01T09:00:00.000Z".into()),
            (
                VintedOrderStatus::Shipped,
                "2026-12-02T09:00:00.000Z".into(),
            ),
        ],
        created_at: "2026-12-01T09:00:00.000Z".into(),
        currency: Some("EUR".into()),
        price_cents: 1800,
        buyer_protection_fee_cents: Some(160),
        shipping_price_cents: Some(289),
        counterpart: Counterpart {
            id: Some("9".into()),
            login: Some("marie".into()),
            city: Some("Lyon".into()),
            country_code: Some("FR".into()),
        },
        thumbnail_url: None,
        shipment: None,
        items: vec![VintedOrderItem {
            listing_id: Some("777".into()),
            title: "Robe d'été Réf SP-000042".into(),
            price_cents: Some(1800),
            thumbnail_url: None,
            description: None,
        }],
        ship_by: None,
        snapshot: json!({"id": 5550001}),
    };
    for device in [&a, &b] {
        let write = device
            .store()
            .upsert_vinted_order(&account, &sale)
            .expect("the sale read");
        assert_eq!((write.created, write.stock_moved), (true, -1));
    }
    a.sync().await;
    b.sync().await;
    a.sync().await;

    let queries = [
        "SELECT id, order_id, status, price, purchase_cost FROM seller_orders ORDER BY id",
        "SELECT id, order_id, product_id, price FROM seller_order_bundle_items ORDER BY id",
        "SELECT id, order_id, status, occurred_at FROM seller_order_timelines ORDER BY id",
        "SELECT id, delta, reason FROM seller_stock_movements ORDER BY id",
        "SELECT quantity FROM seller_products",
    ];
    for query in queries {
        assert_eq!(a.rows(query), b.rows(query), "{query}");
    }
    assert_eq!(a.rows("SELECT count(*) FROM seller_orders"), vec!["1"]);
    assert_eq!(
        a.rows("SELECT count(*) FROM seller_order_timelines"),
        vec!["2"]
    );
    assert_eq!(
        a.rows(&format!(
            "SELECT sum(delta) FROM seller_stock_movements WHERE product_id = '{product}'"
        )),
        vec!["1"],
        "the stock went down once"
    );
    assert_eq!(a.rows("SELECT quantity FROM seller_products"), vec!["1"]);
    for device in [&a, &b] {
        assert_eq!(
            device.rows("SELECT count(*) FROM sync_conflicts"),
            vec!["0"]
        );
    }
}
