//! `seller bench`: store-layer figures on a generated data set, each beside its baseline and
//! goal where it has one. Prints a table; BENCHMARKS.md records a run.

use std::path::Path;

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};
use tempfile::TempDir;

use anyhow::Result;
use seller_store::csv::{CsvImportOptions, OnRowError};
use seller_store::dashboard::DashboardQuery;
use seller_store::orders::{OrderDraft, OrderItemDraft};
use seller_store::products::{ProductQuery, ProductStatus, SortDir, SortField};
use seller_store::raw::RawSql;
use seller_store::{Store, new_id};

const WORDS: &[&str] = &[
    "robe", "été", "jean", "veste", "pull", "chemise", "jupe", "manteau", "baskets", "sac",
    "laine", "coton", "lin", "soie", "fleurie", "rayée", "vintage", "oversize", "slim", "cuir",
];
const BRANDS: &[&str] = &[
    "Zara",
    "Sézane",
    "Levi's",
    "Nike",
    "H&M",
    "Mango",
    "Petit Bateau",
    "Uniqlo",
];
const CATEGORIES: &[&str] = &[
    "Robes",
    "Jeans",
    "Vestes",
    "Pulls",
    "Chaussures",
    "Sacs",
    "Jupes",
];
const STATUSES: &[&str] = &["draft", "ready", "listed", "ready", "listed"];

/// A small deterministic generator so every run measures the same data.
struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

struct Row {
    sku: String,
    title: String,
    description: String,
    category: &'static str,
    brand: &'static str,
    size: String,
    price: i64,
    cost: i64,
    quantity: i64,
    status: &'static str,
}

fn rows(count: u32) -> Vec<Row> {
    let mut rng = XorShift(0x5EED_CAFE);
    (0..count)
        .map(|i| {
            let title = (0..3)
                .map(|_| WORDS[rng.below(WORDS.len())])
                .collect::<Vec<_>>()
                .join(" ");
            Row {
                sku: format!("B-{i:07}"),
                description: format!("{title}, portée quelques fois, très bon état. Réf {i}."),
                title,
                category: CATEGORIES[rng.below(CATEGORIES.len())],
                brand: BRANDS[rng.below(BRANDS.len())],
                size: ["XS", "S", "M", "L", "38", "40"][rng.below(6)].to_owned(),
                price: 500 + rng.below(10_000) as i64,
                cost: 100 + rng.below(3_000) as i64,
                quantity: 5,
                status: STATUSES[rng.below(STATUSES.len())],
            }
        })
        .collect()
}

fn csv_of(rows: &[Row]) -> Vec<u8> {
    let mut out = String::from(
        "SKU,Title,Description,Category,Brand,Size,Price,Purchase cost,Quantity,Status\n",
    );
    for r in rows {
        out.push_str(&format!(
            "{},{},\"{}\",{},{},{},{}.{:02},{}.{:02},{},{}\n",
            r.sku,
            r.title,
            r.description,
            r.category,
            r.brand,
            r.size,
            r.price / 100,
            r.price % 100,
            r.cost / 100,
            r.cost % 100,
            r.quantity,
            r.status
        ));
    }
    out.into_bytes()
}

/// The baseline: the same rows through one prepared INSERT in one transaction, on the same
/// schema (with its search-index triggers).
fn plain_insert(store: &Store, rows: &[Row]) -> Result<Duration> {
    let start = Instant::now();
    let conn = store.connection();
    let tx = conn.unchecked_transaction()?;
    {
        let mut stmt = tx.prepare(
            "INSERT INTO seller_products (id, shop_id, sku, title, description, category, brand, size,
                price, purchase_cost, quantity, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        for r in rows {
            stmt.execute(rusqlite_params(store, r))?;
        }
    }
    tx.commit()?;
    Ok(start.elapsed())
}

type Params<'a> = (
    String,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    i64,
    i64,
    i64,
    &'a str,
);

fn rusqlite_params<'a>(store: &'a Store, r: &'a Row) -> Params<'a> {
    (
        new_id(),
        store.shop_id(),
        &r.sku,
        &r.title,
        &r.description,
        r.category,
        r.brand,
        &r.size,
        r.price,
        r.cost,
        r.quantity,
        r.status,
    )
}

fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| {
        samples[((samples.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0
    };
    (at(0.50), at(0.95))
}

fn time<T>(
    samples: u32,
    mut work: impl FnMut(u32) -> seller_store::Result<T>,
) -> Result<(f64, f64)> {
    let mut times = Vec::with_capacity(samples as usize);
    for i in 0..samples {
        let start = Instant::now();
        std::hint::black_box(work(i)?);
        times.push(start.elapsed());
    }
    Ok(percentiles(times))
}

fn days_ago(days: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(days))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn run(products: u32, orders: u32, samples: u32, keep: Option<&Path>) -> Result<()> {
    println!(
        "seller bench: {products} products, {orders} orders, {samples} samples per query (release build recommended)"
    );
    // The scratch folder lives until the queries are measured.
    let (mut store, _scratch) = match keep {
        Some(path) if path.exists() => {
            println!("reusing the data set in {}", path.display());
            (Store::open(path)?, tempfile::tempdir()?)
        }
        _ => generate(products, orders, keep)?,
    };
    measure_queries(&mut store, products, samples)
}

/// Imports the generated products (timed beside a plain insert) and records the sales; the
/// data set lives in a temporary folder unless `keep` names a file to keep it in.
fn generate(products: u32, orders: u32, keep: Option<&Path>) -> Result<(Store, TempDir)> {
    let scratch = tempfile::tempdir()?;
    let data = rows(products);
    let csv = csv_of(&data);

    let baseline_store = Store::open(&scratch.path().join("baseline.sqlite3"))?;
    let plain = plain_insert(&baseline_store, &data)?;
    drop(baseline_store);

    let path = keep.map_or_else(|| scratch.path().join("bench.sqlite3"), Path::to_path_buf);
    let mut store = Store::open(&path)?;
    let start = Instant::now();
    let options = CsvImportOptions {
        on_error: OnRowError::Block,
        ..CsvImportOptions::default()
    };
    let report =
        store.import_inventory_csv(&csv, &options, &mut |_, _| {}, &AtomicBool::new(false))?;
    let import = start.elapsed();
    anyhow::ensure!(
        report.imported == products,
        "imported {} of {products}",
        report.imported
    );
    println!(
        "CSV import of {products} rows: {:.2} s; plain prepared insert of the same rows: {:.2} s; import speed = {:.2}x the plain insert",
        import.as_secs_f64(),
        plain.as_secs_f64(),
        plain.as_secs_f64() / import.as_secs_f64()
    );

    // Items entered over the last two years, so stock age and dead stock are measured on
    // realistic dates rather than on one import day.
    store.connection().execute(
        "UPDATE seller_products
         SET created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (rowid % 730) || ' days')",
        [],
    )?;
    let mut rng = XorShift(0xBEEF);
    let start = Instant::now();
    for i in 0..orders {
        let mut items = vec![OrderItemDraft::sku(&data[rng.below(data.len())].sku, 1)];
        if i % 10 == 0 {
            items.push(OrderItemDraft::sku(&data[rng.below(data.len())].sku, 1));
        }
        let mut draft = OrderDraft::sale(1_000 + rng.below(5_000) as i64, items);
        draft.created_at = Some(days_ago(rng.below(365) as i64));
        if let Err(err) = store.create_order(draft) {
            // An item already sold out: the generator picked it too often; skip it.
            if !matches!(err, seller_store::StoreError::InsufficientStock { .. }) {
                return Err(err.into());
            }
        }
    }
    println!(
        "generated {orders} sales through create_order in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    Ok((store, scratch))
}

/// Rows per page, as the app's virtualised list asks for them.
const PAGE: u32 = 100;

/// A page anywhere in the first `rows` rows, spread over the whole range (a person scrolling
/// anywhere in the list, deep pages included).
fn spread_offset(i: u32, rows: u32) -> u32 {
    let pages = (rows / PAGE).max(1);
    (i.wrapping_mul(7_919) % pages) * PAGE
}

fn measure_queries(store: &mut Store, products: u32, samples: u32) -> Result<()> {
    let list = time(samples, |i| {
        store.list_products(&ProductQuery {
            limit: PAGE,
            offset: spread_offset(i, products),
            ..ProductQuery::default()
        })
    })?;
    let ready = store.count_products(&ProductQuery {
        status: Some(ProductStatus::Ready),
        ..ProductQuery::default()
    })?;
    let search = time(samples, |i| {
        let word = WORDS[i as usize % WORDS.len()];
        store.list_products(&ProductQuery {
            search: Some(format!(
                "{word} {}",
                word.chars().take(2).collect::<String>()
            )),
            limit: PAGE,
            ..ProductQuery::default()
        })
    })?;
    let filtered = time(samples, |i| {
        store.list_products(&ProductQuery {
            status: Some(ProductStatus::Ready),
            sort_by: SortField::Price,
            sort_dir: SortDir::Asc,
            limit: PAGE,
            offset: spread_offset(i, ready),
            ..ProductQuery::default()
        })
    })?;
    let narrowed = time(samples, |i| {
        store.list_products(&ProductQuery {
            brand: Some(BRANDS[i as usize % BRANDS.len()].to_owned()),
            min_price_cents: Some(1_000),
            max_price_cents: Some(4_000),
            limit: PAGE,
            offset: (i % 10) * PAGE,
            ..ProductQuery::default()
        })
    })?;
    let month = DashboardQuery {
        from: days_ago(30),
        to: days_ago(0),
        seller_account_id: None,
        dead_stock_days: 90,
        utc_offset_minutes: 60,
    };
    let dashboard_month = time(samples.min(50), |_| store.dashboard(&month))?;
    let year = DashboardQuery {
        from: days_ago(365),
        to: days_ago(-1),
        seller_account_id: None,
        dead_stock_days: 90,
        utc_offset_minutes: 60,
    };
    let dashboard = time(samples.min(50), |_| store.dashboard(&year))?;

    println!(
        "{:<48} {:>8} {:>8} {:>8}  goal",
        "store query (pages of 100 rows, with the total)", "p50 ms", "p95 ms", "goal ms"
    );
    for (name, (p50, p95), goal) in [
        ("inventory list, a page anywhere", list, 10.0),
        (
            "full-text search (2 words, prefix), first page",
            search,
            10.0,
        ),
        (
            "status filter + price sort, a page anywhere",
            filtered,
            10.0,
        ),
        ("brand + price range filter, a page", narrowed, 10.0),
        ("dashboard, 30 days, all accounts", dashboard_month, 50.0),
        ("dashboard, one year, all accounts", dashboard, 50.0),
    ] {
        let verdict = if p95 <= goal { "met" } else { "NOT met" };
        println!("{name:<48} {p50:>8.2} {p95:>8.2} {goal:>8.0}  {verdict}");
    }
    Ok(())
}
