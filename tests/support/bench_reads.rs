//! Reading an account's orders and inbox (docs/VINTED.md "What resellers most need" 6 and 7)
//! against the local Vinted, in one logged-in session behind tinyproxy, as `./scripts/bench
//! reads` runs it:
//!
//! 1. The app's jobs with pacing gaps of 1 ms: `import_orders` (every page of sales and
//!    purchases, each transaction, the wallet's months) and `import_inbox` (every page, each
//!    thread), queued until done, stored in a real SQLite file.
//! 2. Beside each, a plain loop in the same page: the very requests the job made, fetched one
//!    after another with nothing parsed or stored. The difference is what the app's own work
//!    costs (pacing turns, parsing, checks, transactions, checkpoints).
//! 3. A daily refresh with the default pacing (reads 1.5–4 s apart): the fake's world moves on
//!    by a day (new buyer messages, orders shipped or delivered) and both jobs run again, timed
//!    from queued to done.
//!
//! Usage: bench-reads [--orders N] [--conversations N] [--daily-orders N] [--daily-threads N]

use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result, bail};
use seller_panel_tests::fake_vinted::{self, FakeVinted};
use seller_panel_tests::vinted::Harness;
use seller_store::vinted::pacing::MAX_CAP;
use seller_store::vinted::{JobKind, JobState, PacingSettings};

struct Options {
    orders: usize,
    conversations: usize,
    daily_orders: usize,
    daily_threads: usize,
}

const USAGE: &str =
    "usage: bench-reads [--orders N] [--conversations N] [--daily-orders N] [--daily-threads N]";

fn options() -> Result<Options> {
    let mut options = Options {
        orders: 1_000,
        conversations: 500,
        daily_orders: 10,
        daily_threads: 25,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value: usize = args.next().and_then(|v| v.parse().ok()).context(USAGE)?;
        match arg.as_str() {
            "--orders" => options.orders = value,
            "--conversations" => options.conversations = value,
            "--daily-orders" => options.daily_orders = value,
            "--daily-threads" => options.daily_threads = value,
            _ => bail!("{USAGE}"),
        }
    }
    Ok(options)
}

/// Pacing gaps of 1 ms (0 is not a valid setting) and caps out of reach.
fn no_pacing() -> PacingSettings {
    PacingSettings {
        read_gap_min_ms: 1,
        read_gap_max_ms: 1,
        write_gap_min_ms: 1,
        write_gap_max_ms: 1,
        writes_per_hour: MAX_CAP,
        writes_per_day: MAX_CAP,
        relists_per_hour: MAX_CAP,
        relists_per_day: MAX_CAP,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let options = options()?;
    let fake = FakeVinted::start();
    // Sales close listings (bundles of three every seventh): enough live ones for them all.
    fake.seed_wardrobe(options.orders * 2 + 100);
    let sales = options.orders * 4 / 5;
    fake.seed_orders(sales, options.orders - sales);
    fake.seed_inbox(options.conversations);
    let harness = Harness::start(&fake, no_pacing()).await;

    println!(
        "\nreads of one account behind tinyproxy: {} orders ({} sales, {} purchases), {} conversations",
        options.orders,
        sales,
        options.orders - sales,
        options.conversations
    );
    println!(
        "{:<44} {:>9} {:>10} {:>12} {:>7}",
        "read (pacing gaps 1 ms)", "requests", "app (ms)", "plain (ms)", "ratio"
    );
    for (name, kind) in [
        ("orders with their details", JobKind::ImportOrders),
        ("inbox, every thread", JobKind::ImportInbox),
    ] {
        let seen = fake.requests().len();
        let took = run_job(&harness, kind, Duration::from_secs(3_600)).await?;
        let urls = api_reads(&fake.requests()[seen..]);
        let plain = plain_loop(&harness, &fake, &urls).await?;
        println!(
            "{:<44} {:>9} {:>10.0} {:>12.0} {:>6.2}x",
            name,
            urls.len(),
            ms(took),
            ms(plain),
            ms(took) / ms(plain)
        );
    }

    // A day later: some threads moved, some orders went on; the default pacing.
    let threads = fake.conversations();
    for conversation in threads.iter().rev().take(options.daily_threads) {
        fake.buyer_writes(conversation.id, "Bonjour, c'est toujours disponible ?");
    }
    let mut moved = 0;
    for mut order in fake.orders() {
        if moved == options.daily_orders {
            break;
        }
        if order.sold && order.stage == fake_vinted::OrderStage::Paid {
            let now = SystemTime::now();
            order.stage = fake_vinted::OrderStage::Shipped;
            order.shipped_at = Some(now);
            order.status_updated_at = now;
            fake.put_order(order);
            moved += 1;
        }
    }
    harness
        .db
        .lock()
        .set_pacing_settings(&harness.account_id, &PacingSettings::default())
        .context("the default pacing")?;
    println!(
        "\na daily refresh with the default pacing (reads {}-{} ms apart): {} threads with a new message, {} orders shipped",
        PacingSettings::default().read_gap_min_ms,
        PacingSettings::default().read_gap_max_ms,
        options.daily_threads,
        moved
    );
    println!("{:<44} {:>9} {:>10}", "read", "requests", "took (s)");
    let mut total = Duration::ZERO;
    for (name, kind) in [
        ("orders", JobKind::ImportOrders),
        ("inbox", JobKind::ImportInbox),
    ] {
        let seen = fake.requests().len();
        let took = run_job(&harness, kind, Duration::from_secs(4 * 3_600)).await?;
        total += took;
        println!(
            "{:<44} {:>9} {:>10.1}",
            name,
            api_reads(&fake.requests()[seen..]).len(),
            took.as_secs_f64()
        );
    }
    println!(
        "{:<44} {:>9} {:>10.1}",
        "the account's daily refresh",
        "",
        total.as_secs_f64()
    );
    harness.stop().await;
    Ok(())
}

/// Queues a job of `kind` with an empty payload and waits until it is done.
async fn run_job(harness: &Harness, kind: JobKind, within: Duration) -> Result<Duration> {
    let started = Instant::now();
    let job = harness.enqueue(kind, serde_json::json!({}), false).await;
    loop {
        let job = harness.job(&job.id);
        match job.state {
            JobState::Done => return Ok(started.elapsed()),
            JobState::Queued | JobState::Running | JobState::Waiting => {}
            other => bail!("the {kind:?} job ended {other:?}: {job:?}"),
        }
        if started.elapsed() > within {
            bail!("the {kind:?} job never finished: {job:?}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The API reads among `requests`, as path and query.
fn api_reads(requests: &[fake_vinted::Request]) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.method == "GET" && r.path.starts_with("/api/"))
        .map(|r| match &r.query {
            Some(query) => format!("{}?{query}", r.path),
            None => r.path.clone(),
        })
        .collect()
}

/// The same reads fetched one after another from the session's page, bodies read and dropped.
async fn plain_loop(harness: &Harness, fake: &FakeVinted, urls: &[String]) -> Result<Duration> {
    let driver = harness
        .sessions
        .driver(&harness.account_id)
        .await
        .context("the session is not running")?;
    driver.goto(fake.base_url()).await?;
    driver
        .set_script_timeout(Duration::from_secs(3_600))
        .await?;
    let script = r#"
        const [urls, done] = [arguments[0], arguments[arguments.length - 1]];
        (async () => {
            for (const url of urls) {
                const answer = await fetch(url, {
                    credentials: 'include',
                    headers: {'accept': 'application/json', 'x-money-object': 'true'},
                });
                await answer.text();
            }
        })().then(() => done(null), (error) => done(String(error)));
    "#;
    let started = Instant::now();
    let answer = driver
        .execute_async(script, vec![serde_json::to_value(urls)?])
        .await?;
    let took = started.elapsed();
    if let Some(error) = answer.json().as_str() {
        bail!("the plain loop failed: {error}");
    }
    Ok(took)
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}
