use std::collections::{BTreeMap, HashMap};

use crate::common::fresh_store;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use seller_store::accounts::AccountDraft;
use seller_store::dashboard::{
    Dashboard, DashboardQuery, SalesBreakdown, SeriesGranularity, SeriesPoint,
};
use seller_store::orders::{OrderDraft, OrderItemDraft};
use seller_store::products::{ProductDraft, ProductStatus};
use seller_store::raw::RawSql;
use seller_store::{FieldErrorCode, Store, StoreError};

/// xorshift64*: a tiny deterministic generator, so the generated books are the same every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
    fn range(&mut self, low: i64, high: i64) -> i64 {
        low + self.below((high - low + 1) as u64) as i64
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// An inventory item as the test tracks it, independently of the store.
#[derive(Clone)]
struct Item {
    id: String,
    sku: String,
    quantity: i64,
    price: i64,
    cost: i64,
    category: Option<String>,
    brand: Option<String>,
    created_at: DateTime<Utc>,
    archived: bool,
}

/// A sale line as the test expects the store to record it.
struct ExpectedLine {
    sku: String,
    quantity: i64,
    price: i64,
    unit_cost: i64,
}

/// An order as the test created it.
struct Created {
    id: String,
    is_sale: bool,
    account: Option<String>,
    at: DateTime<Utc>,
    price: i64,
    fees: i64,
    lines: Vec<ExpectedLine>,
    canceled: bool,
}

impl Created {
    fn cost(&self) -> i64 {
        self.lines.iter().map(|l| l.unit_cost * l.quantity).sum()
    }
    fn profit(&self) -> i64 {
        self.price - self.cost() - self.fees
    }
}

fn rfc(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// Rounds halves away from zero, as the dashboard does.
fn div_round(n: i64, d: i64) -> i64 {
    let (q, r) = (n / d, n % d);
    if 2 * r.abs() >= d { q + n.signum() } else { q }
}

fn new_account(store: &mut Store, name: &str) -> String {
    store
        .create_account(AccountDraft {
            name: name.into(),
            username: None,
            email: None,
            avatar: None,
            vinted_base_url: "https://www.vinted.fr".into(),
            proxy: None,
        })
        .unwrap()
        .id
}

/// A few hundred orders from 2025 to late 2026 (some after the dead-stock cut-off) on two accounts (and none), with bundles, fees,
/// purchases restocking items and about one sale in ten canceled.
fn generate(store: &mut Store, rng: &mut Rng) -> (Vec<Item>, Vec<Created>, [String; 2]) {
    let accounts = [new_account(store, "Un"), new_account(store, "Deux")];
    let categories = ["Robes", "Jeans", "Vestes", "Chaussures"];
    let brands = ["Zara", "Levi's", "Sézane", "Nike", "H&M"];
    let mut items = Vec::new();
    for n in 0..200 {
        let mut draft = ProductDraft::titled(&format!("Article {n}"));
        draft.sku = Some(format!("G-{n:03}"));
        draft.quantity = rng.range(1, 8);
        draft.price_cents = rng.range(0, 8_000);
        draft.purchase_cost_cents = rng.range(0, 3_000);
        draft.status = ProductStatus::Listed;
        draft.category = (n % 9 != 0).then(|| categories[rng.below(4) as usize].to_owned());
        draft.brand = (n % 7 != 0).then(|| brands[rng.below(5) as usize].to_owned());
        let product = store.create_product(draft).unwrap();
        // Entered stock at some point of the second half of 2024 (some on the same second).
        let created_at = at("2024-06-01T00:00:00Z") + Duration::seconds(rng.range(0, 200 * 86_400));
        store
            .connection()
            .execute(
                "UPDATE seller_products SET created_at = ?2 WHERE id = ?1",
                (&product.id, rfc(created_at)),
            )
            .unwrap();
        items.push(Item {
            id: product.id,
            sku: product.sku,
            quantity: product.quantity,
            price: product.price_cents,
            cost: product.purchase_cost_cents,
            category: product.category,
            brand: product.brand,
            created_at,
            archived: false,
        });
    }

    let start = at("2025-01-01T00:00:00Z");
    let mut created: Vec<Created> = Vec::new();
    for _ in 0..500 {
        let when = start + Duration::milliseconds(rng.range(0, 690 * 86_400_000));
        let account = match rng.below(3) {
            0 => None,
            n => Some(accounts[n as usize - 1].clone()),
        };
        if rng.chance(15) {
            // A purchase restocking one item; its landed unit cost is averaged into the item's.
            let index = rng.below(items.len() as u64) as usize;
            let (quantity, price) = (rng.range(1, 5), rng.range(0, 5_000));
            let fees = if rng.chance(50) { rng.range(0, 800) } else { 0 };
            let mut draft = OrderDraft::purchase(
                price,
                vec![OrderItemDraft::sku(&items[index].sku, quantity)],
            );
            draft.created_at = Some(rfc(when));
            draft.seller_account_id = account.clone();
            draft.service_fee_cents = Some(fees);
            let order = store.create_order(draft).unwrap();
            let item = &mut items[index];
            let unit = div_round(price + fees, quantity);
            item.cost = div_round(
                item.quantity * item.cost + quantity * unit,
                item.quantity + quantity,
            );
            item.quantity += quantity;
            created.push(Created {
                id: order.id,
                is_sale: false,
                account,
                at: when,
                price,
                fees,
                lines: Vec::new(),
                canceled: false,
            });
            continue;
        }
        // A sale of one to three items that are in stock, with line prices given.
        let mut chosen: Vec<usize> = Vec::new();
        let wanted = rng.range(1, 3) as usize;
        for _ in 0..20 {
            let index = rng.below(items.len() as u64) as usize;
            if items[index].quantity > 0 && !chosen.contains(&index) {
                chosen.push(index);
                if chosen.len() == wanted {
                    break;
                }
            }
        }
        if chosen.is_empty() {
            continue;
        }
        let mut lines = Vec::new();
        for &index in &chosen {
            let item = &items[index];
            lines.push(ExpectedLine {
                sku: item.sku.clone(),
                quantity: rng.range(1, item.quantity.min(2)),
                price: rng.range(100, 6_000),
                unit_cost: item.cost,
            });
        }
        let price: i64 = lines.iter().map(|l| l.price).sum();
        let (shipping, service) = (rng.range(0, 600), rng.range(0, 300));
        let mut draft = OrderDraft::sale(
            price,
            lines
                .iter()
                .map(|l| OrderItemDraft {
                    price_cents: Some(l.price),
                    ..OrderItemDraft::sku(&l.sku, l.quantity)
                })
                .collect(),
        );
        draft.created_at = Some(rfc(when));
        draft.seller_account_id = account.clone();
        let fees = match rng.below(3) {
            0 => 0,
            1 => {
                draft.shipping_fee_cents = Some(shipping);
                draft.service_fee_cents = Some(service);
                shipping + service
            }
            _ => {
                draft.fees_total_cents = Some(shipping);
                shipping
            }
        };
        let order = store.create_order(draft).unwrap();
        for (line, &index) in lines.iter().zip(&chosen) {
            items[index].quantity -= line.quantity;
        }
        let mut sale = Created {
            id: order.id,
            is_sale: true,
            account,
            at: when,
            price,
            fees,
            lines,
            canceled: false,
        };
        assert_eq!(
            order.cost_cents,
            sale.cost(),
            "cost snapshot of {:?}",
            sale.id
        );
        assert_eq!(order.profit_cents, Some(sale.profit()));
        if rng.chance(10) {
            store.cancel_order(&sale.id).unwrap();
            sale.canceled = true;
            for line in &sale.lines {
                let item = items.iter_mut().find(|i| i.sku == line.sku).unwrap();
                item.quantity += line.quantity;
            }
        }
        created.push(sale);
    }
    // Two items leave the shop: archived items are not stock any more.
    for item in items.iter_mut().filter(|i| i.quantity > 0).take(2) {
        store
            .connection()
            .execute(
                "UPDATE seller_products SET status = 'archived' WHERE id = ?1",
                [&item.id],
            )
            .unwrap();
        item.archived = true;
    }
    (items, created, accounts)
}

/// Every figure of the dashboard, computed in plain Rust from what the test created.
fn expected(
    items: &[Item],
    orders: &[Created],
    query: &DashboardQuery,
    dead_since: DateTime<Utc>,
) -> Dashboard {
    let (from, to) = (at(&query.from), at(&query.to));
    let live = |o: &&Created| {
        !o.canceled
            && o.at >= from
            && o.at < to
            && (query.seller_account_id.is_none() || o.account == query.seller_account_id)
    };
    let sales: Vec<&Created> = orders.iter().filter(|o| o.is_sale).filter(live).collect();
    let purchases: Vec<&Created> = orders.iter().filter(|o| !o.is_sale).filter(live).collect();
    let revenue: i64 = sales.iter().map(|o| o.price).sum();
    let fees: i64 = sales.iter().map(|o| o.fees).sum();
    let cogs: i64 = sales.iter().map(|o| o.cost()).sum();
    let profit = revenue - fees - cogs;
    let by_sku: HashMap<&str, &Item> = items.iter().map(|i| (i.sku.as_str(), i)).collect();

    let (mut units, mut days) = (0i64, 0f64);
    let mut by_category = BTreeMap::<Option<String>, (i64, i64)>::new();
    let mut by_brand = BTreeMap::<Option<String>, (i64, i64)>::new();
    for order in &sales {
        for line in &order.lines {
            let item = by_sku[line.sku.as_str()];
            units += line.quantity;
            let waited = (order.at - item.created_at).num_milliseconds() as f64 / 86_400_000.0;
            days += line.quantity as f64 * waited.max(0.0);
            for (map, key) in [
                (&mut by_category, item.category.clone()),
                (&mut by_brand, item.brand.clone()),
            ] {
                let entry = map.entry(key).or_default();
                entry.0 += line.quantity;
                entry.1 += line.price;
            }
        }
    }
    let breakdown = |map: BTreeMap<Option<String>, (i64, i64)>| {
        let mut rows: Vec<SalesBreakdown> = map
            .into_iter()
            .map(|(key, (units, revenue_cents))| SalesBreakdown {
                key,
                units,
                revenue_cents,
            })
            .collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.revenue_cents));
        rows
    };

    let monthly = to - from > Duration::days(92);
    let offset = Duration::minutes(i64::from(query.utc_offset_minutes));
    let bucket_of = |t: DateTime<Utc>| {
        (t + offset)
            .format(if monthly { "%Y-%m" } else { "%Y-%m-%d" })
            .to_string()
    };
    let mut series = BTreeMap::<String, SeriesPoint>::new();
    // Every bucket of the period, sales or not.
    let mut t = from;
    while t < to {
        let bucket = bucket_of(t);
        series.entry(bucket.clone()).or_insert(SeriesPoint {
            bucket,
            sales: 0,
            revenue_cents: 0,
            profit_cents: 0,
        });
        t += Duration::hours(1);
    }
    series
        .entry(bucket_of(to - Duration::milliseconds(1)))
        .or_insert(SeriesPoint {
            bucket: bucket_of(to - Duration::milliseconds(1)),
            sales: 0,
            revenue_cents: 0,
            profit_cents: 0,
        });
    for order in &sales {
        let point = series.get_mut(&bucket_of(order.at)).unwrap();
        point.sales += 1;
        point.revenue_cents += order.price;
        point.profit_cents += order.profit();
    }

    let in_stock: Vec<&Item> = items
        .iter()
        .filter(|i| i.quantity > 0 && !i.archived)
        .collect();
    let dead: Vec<&&Item> = in_stock
        .iter()
        .filter(|i| {
            i.created_at < dead_since
                && !orders.iter().any(|o| {
                    o.is_sale
                        && !o.canceled
                        && o.at >= dead_since
                        && o.lines.iter().any(|l| l.sku == i.sku)
                })
        })
        .collect();

    Dashboard {
        from: rfc(from),
        to: rfc(to),
        revenue_cents: revenue,
        fees_cents: fees,
        cost_of_goods_cents: cogs,
        net_profit_cents: profit,
        margin_bp: (revenue > 0).then(|| div_round(profit * 10_000, revenue)),
        sales_count: sales.len() as i64,
        units_sold: units,
        average_sale_cents: (!sales.is_empty()).then(|| div_round(revenue, sales.len() as i64)),
        average_days_to_sell: (units > 0).then(|| days / units as f64),
        purchases_count: purchases.len() as i64,
        purchases_cents: purchases.iter().map(|o| o.price + o.fees).sum(),
        stock_items: in_stock.len() as i64,
        stock_units: in_stock.iter().map(|i| i.quantity).sum(),
        stock_value_cost_cents: in_stock.iter().map(|i| i.quantity * i.cost).sum(),
        stock_value_price_cents: in_stock.iter().map(|i| i.quantity * i.price).sum(),
        dead_stock_since: rfc(dead_since),
        dead_stock_items: dead.len() as i64,
        dead_stock_units: dead.iter().map(|i| i.quantity).sum(),
        dead_stock_value_cost_cents: dead.iter().map(|i| i.quantity * i.cost).sum(),
        dead_stock_value_price_cents: dead.iter().map(|i| i.quantity * i.price).sum(),
        granularity: if monthly {
            SeriesGranularity::Month
        } else {
            SeriesGranularity::Day
        },
        series: series.into_values().collect(),
        by_category: breakdown(by_category),
        by_brand: breakdown(by_brand),
    }
}

/// Compares field by field (the float within rounding), then checks the sums agree.
fn assert_agrees(got: &Dashboard, want: &Dashboard, what: &str) {
    let (mut got, mut want) = (got.clone(), want.clone());
    match (
        got.average_days_to_sell.take(),
        want.average_days_to_sell.take(),
    ) {
        (Some(g), Some(w)) => assert!((g - w).abs() < 1e-6, "{what}: days {g} vs {w}"),
        (g, w) => assert_eq!(g, w, "{what}: days"),
    }
    assert_eq!(got.series, want.series, "{what}: series");
    assert_eq!(got.by_category, want.by_category, "{what}: by category");
    assert_eq!(got.by_brand, want.by_brand, "{what}: by brand");
    assert_eq!(got, want, "{what}");

    let sum = |f: fn(&SeriesPoint) -> i64| got.series.iter().map(f).sum::<i64>();
    assert_eq!(sum(|p| p.revenue_cents), got.revenue_cents, "{what}");
    assert_eq!(sum(|p| p.profit_cents), got.net_profit_cents, "{what}");
    assert_eq!(sum(|p| p.sales), got.sales_count, "{what}");
    for breakdown in [&got.by_category, &got.by_brand] {
        assert_eq!(
            breakdown.iter().map(|b| b.revenue_cents).sum::<i64>(),
            got.revenue_cents,
            "{what}"
        );
        assert_eq!(
            breakdown.iter().map(|b| b.units).sum::<i64>(),
            got.units_sold,
            "{what}"
        );
    }
    assert_eq!(
        got.net_profit_cents,
        got.revenue_cents - got.fees_cents - got.cost_of_goods_cents
    );
}

fn query(from: &str, to: &str, account: Option<&String>, offset: i32) -> DashboardQuery {
    DashboardQuery {
        from: from.into(),
        to: to.into(),
        seller_account_id: account.cloned(),
        dead_stock_days: 60,
        utc_offset_minutes: offset,
    }
}

#[test]
fn every_figure_agrees_with_the_orders_it_comes_from() {
    let (_dir, mut store) = fresh_store();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (items, orders, accounts) = generate(&mut store, &mut rng);
    let sales = orders.iter().filter(|o| o.is_sale).count();
    let canceled = orders.iter().filter(|o| o.canceled).count();
    assert!(sales > 250, "{sales} sales generated");
    assert!(canceled > 10, "{canceled} canceled");

    // The store agrees with the test's own stock book.
    for item in &items {
        let stored = store.product(&item.id).unwrap();
        assert_eq!(
            (stored.quantity, stored.purchase_cost_cents),
            (item.quantity, item.cost),
            "{}",
            item.sku
        );
    }

    let cases = [
        // A year, per month, all accounts and one.
        query("2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z", None, 0),
        query(
            "2025-01-01T00:00:00Z",
            "2026-01-01T00:00:00Z",
            Some(&accounts[0]),
            0,
        ),
        // A month in Paris time (UTC+1), per day.
        query("2025-02-28T23:00:00Z", "2025-03-31T22:00:00Z", None, 60),
        query(
            "2025-03-01T00:00:00+01:00",
            "2025-04-01T00:00:00+02:00",
            Some(&accounts[1]),
            60,
        ),
        // Everything, over two calendar years.
        query("2024-01-01T00:00:00Z", "2027-01-01T00:00:00Z", None, -300),
    ];
    for (n, q) in cases.iter().enumerate() {
        let got = store.dashboard(q).unwrap();
        let want = expected(&items, &orders, q, at(&got.dead_stock_since));
        assert_agrees(&got, &want, &format!("case {n}"));
        assert!(got.sales_count > 0, "case {n} has sales");
        // Some items in stock were sold after the cut-off, some not: both sides are checked.
        assert!(0 < got.dead_stock_items && got.dead_stock_items < got.stock_items);
    }

    // Canceled orders are left out: counting them would change the figures.
    let year = &cases[0];
    let got = store.dashboard(year).unwrap();
    let mut with_canceled: Vec<Created> = orders
        .iter()
        .map(|o| Created {
            id: o.id.clone(),
            is_sale: o.is_sale,
            account: o.account.clone(),
            at: o.at,
            price: o.price,
            fees: o.fees,
            lines: o
                .lines
                .iter()
                .map(|l| ExpectedLine {
                    sku: l.sku.clone(),
                    quantity: l.quantity,
                    price: l.price,
                    unit_cost: l.unit_cost,
                })
                .collect(),
            canceled: false,
        })
        .collect();
    let canceled_in_year = orders
        .iter()
        .filter(|o| o.canceled && o.at >= at(&year.from) && o.at < at(&year.to))
        .count() as i64;
    assert!(canceled_in_year > 0);
    let counted = expected(&items, &with_canceled, year, at(&got.dead_stock_since));
    assert_eq!(counted.sales_count, got.sales_count + canceled_in_year);
    assert!(counted.revenue_cents > got.revenue_cents);
    with_canceled.clear();

    // Accounts partition the books: the two accounts and the orders without one add up.
    let by_account: i64 = accounts
        .iter()
        .map(|a| {
            store
                .dashboard(&query(&year.from, &year.to, Some(a), 0))
                .unwrap()
                .revenue_cents
        })
        .sum();
    let unassigned: i64 = orders
        .iter()
        .filter(|o| o.is_sale && !o.canceled && o.account.is_none())
        .filter(|o| o.at >= at(&year.from) && o.at < at(&year.to))
        .map(|o| o.price)
        .sum();
    assert_eq!(by_account + unassigned, got.revenue_cents);
}

#[test]
fn a_small_book_by_hand() {
    let (_dir, mut store) = fresh_store();
    let mut robe = ProductDraft::titled("Robe");
    robe.sku = Some("R".into());
    robe.category = Some("Robes".into());
    robe.price_cents = 3_000;
    robe.purchase_cost_cents = 1_000;
    robe.quantity = 1;
    let robe = store.create_product(robe).unwrap();
    let mut jean = ProductDraft::titled("Jean");
    jean.sku = Some("J".into());
    jean.category = Some("Jeans".into());
    jean.brand = Some("Levi's".into());
    jean.price_cents = 2_000;
    jean.purchase_cost_cents = 500;
    jean.quantity = 3;
    store.create_product(jean).unwrap();
    store
        .connection()
        .execute(
            "UPDATE seller_products SET created_at = '2026-01-01T00:00:00.000Z' WHERE id = ?1",
            [&robe.id],
        )
        .unwrap();

    // A bundle on 11 January: 40.00 received, 3.50 of fees, robe + 2 jeans.
    let mut bundle = OrderDraft::sale(
        4_000,
        vec![OrderItemDraft::sku("R", 1), OrderItemDraft::sku("J", 2)],
    );
    bundle.created_at = Some("2026-01-11T00:00:00Z".into());
    bundle.fees_total_cents = Some(350);
    store.create_order(bundle).unwrap();
    // A sale canceled the same day.
    let mut canceled = OrderDraft::sale(2_000, vec![OrderItemDraft::sku("J", 1)]);
    canceled.created_at = Some("2026-01-11T10:00:00Z".into());
    let canceled = store.create_order(canceled).unwrap();
    store.cancel_order(&canceled.id).unwrap();

    let got = store
        .dashboard(&DashboardQuery {
            from: "2026-01-10T00:00:00Z".into(),
            to: "2026-01-13T00:00:00Z".into(),
            seller_account_id: None,
            dead_stock_days: 30,
            utc_offset_minutes: 0,
        })
        .unwrap();
    assert_eq!(got.revenue_cents, 4_000);
    assert_eq!(got.fees_cents, 350);
    assert_eq!(got.cost_of_goods_cents, 1_000 + 2 * 500);
    assert_eq!(got.net_profit_cents, 4_000 - 350 - 2_000);
    assert_eq!(got.margin_bp, Some(4_125), "41.25 %");
    assert_eq!((got.sales_count, got.units_sold), (1, 3));
    assert_eq!(got.average_sale_cents, Some(4_000));
    // The robe waited 10 days; the jeans (entered now, after the back-dated sale) count as 0.
    assert!((got.average_days_to_sell.unwrap() - 10.0 / 3.0).abs() < 1e-9);
    // 40.00 split by list price × quantity: robe 3 000, jeans 2 × 2 000.
    assert_eq!(
        got.by_category,
        [
            SalesBreakdown {
                key: Some("Jeans".into()),
                units: 2,
                revenue_cents: 2_286
            },
            SalesBreakdown {
                key: Some("Robes".into()),
                units: 1,
                revenue_cents: 1_714
            },
        ]
    );
    let days: Vec<(&str, i64)> = got
        .series
        .iter()
        .map(|p| (p.bucket.as_str(), p.revenue_cents))
        .collect();
    assert_eq!(
        days,
        [("2026-01-10", 0), ("2026-01-11", 4_000), ("2026-01-12", 0)]
    );
    assert_eq!(got.granularity, SeriesGranularity::Day);
    // One jean left, at cost 5.00 and price 20.00; entered today, so not dead stock.
    assert_eq!(
        (
            got.stock_items,
            got.stock_units,
            got.stock_value_cost_cents,
            got.stock_value_price_cents
        ),
        (1, 1, 500, 2_000)
    );
    assert_eq!(got.dead_stock_items, 0);
}

#[test]
fn a_period_must_be_valid() {
    let (_dir, store) = fresh_store();
    let mut q = query("2026-02-01T00:00:00Z", "2026-01-01T00:00:00Z", None, 0);
    let Err(StoreError::Validation(fields)) = store.dashboard(&q) else {
        panic!("an inverted period must be refused");
    };
    assert!(
        fields
            .iter()
            .any(|f| f.field == "to" && f.code == FieldErrorCode::Invalid)
    );
    q.from = "hier".into();
    q.utc_offset_minutes = 24 * 60;
    let Err(StoreError::Validation(fields)) = store.dashboard(&q) else {
        panic!("a bad start must be refused");
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["from", "utcOffsetMinutes"]);

    // An empty shop: zeros, no averages, every day of the period charted.
    let empty = store
        .dashboard(&query(
            "2026-01-01T00:00:00Z",
            "2026-01-08T00:00:00Z",
            None,
            0,
        ))
        .unwrap();
    assert_eq!((empty.revenue_cents, empty.sales_count), (0, 0));
    assert_eq!((empty.margin_bp, empty.average_sale_cents), (None, None));
    assert_eq!(empty.series.len(), 7);
}
