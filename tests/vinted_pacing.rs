//! Pacing observed end to end, on the fake's own clock: the account's real Chromium session
//! behind tinyproxy demanding a password, logged in on the local Vinted, publishing through the
//! upload form. The hourly cap set in the account's pacing settings holds (the rest of the queue
//! waits for the window with its next run shown), writes keep the configured minimum gap, and a
//! 429's `Retry-After` holds off the next write.

#![cfg(target_os = "linux")]

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use seller_panel_tests::fake_vinted::{Failure, FakeVinted, Step};
use seller_panel_tests::vinted::{
    Harness, api_writes, creates, dress, listings_titled, quick_pacing,
};
use seller_panel_tests::wait::wait_until;
use seller_store::products::Product;
use seller_store::raw::RawSql;
use seller_store::vinted::{
    AuditFilter, AuditOutcome, AuditRecord, Job, JobKind, JobState, PacingSettings, PacingState,
};
use serde_json::json;

const WITHIN: Duration = Duration::from_secs(240);
const FINISHED: &[JobState] = &[
    JobState::Done,
    JobState::Failed,
    JobState::Waiting,
    JobState::NeedsAttention,
];
/// The minimum gap between writes in these tests: longer than filling the form takes, so the
/// governor has to wait for it.
const GAP_MS: i64 = 5_000;

fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("an RFC 3339 time")
        .with_timezone(&Utc)
}

async fn publish(harness: &Harness, product: &Product) -> Job {
    harness
        .enqueue(JobKind::Publish, json!({"productId": product.id}), false)
        .await
}

/// The publish clicks the audit log shows sent, oldest first.
fn sent_creates(harness: &Harness) -> Vec<AuditRecord> {
    let mut records: Vec<AuditRecord> = harness
        .db
        .lock()
        .list_audit(&AuditFilter {
            account_id: Some(harness.account_id.clone()),
            ..AuditFilter::default()
        })
        .expect("the audit log")
        .items
        .into_iter()
        .filter(|r| r.outcome == AuditOutcome::Sent && r.path == "/api/v2/item_upload/items")
        .collect();
    records.sort_by(|a, b| a.at.cmp(&b.at));
    records
}

fn photo_uploads(fake: &FakeVinted) -> usize {
    api_writes(fake)
        .iter()
        .filter(|w| w.path == "/api/v2/photos")
        .count()
}

/// The clock moved on by `by`: every write of the account's audit log that long ago, so the
/// caps' windows see them as old as they would be then.
fn age_the_audit_log(harness: &Harness, by: &str) {
    harness
        .db
        .lock()
        .connection()
        .execute(
            &format!(
                "UPDATE vinted_audit_log SET at = strftime('%Y-%m-%dT%H:%M:%fZ', at, '-{by}')
                 WHERE seller_account_id = ?1"
            ),
            [&harness.account_id],
        )
        .expect("ageing the audit log");
}

/// A waiting job due now, as it would be once its time came.
fn due_now(harness: &Harness, job: &Job) {
    let mut store = harness.db.lock();
    assert_eq!(
        store.job(&job.id).expect("the job").state,
        JobState::Waiting
    );
    store
        .defer_job(
            &job.id,
            &seller_store::now_rfc3339(),
            "test",
            "its time came",
        )
        .expect("due now");
}

fn assert_gap(
    earlier: &seller_panel_tests::fake_vinted::Request,
    later: &seller_panel_tests::fake_vinted::Request,
    gap: Duration,
) {
    let apart = later.at.duration_since(earlier.at);
    assert!(
        apart >= gap,
        "{} then {} only {apart:?} apart, the minimum is {gap:?}",
        earlier.path,
        later.path
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hourly_cap_holds_and_the_rest_of_the_queue_waits_for_the_window() {
    let fake = FakeVinted::start();
    fake.seed_wardrobe(0);
    let harness = Harness::start(&fake, quick_pacing()).await;
    let products: Vec<Product> = (0..4)
        .map(|n| dress(harness.dir.path(), &harness.db, &format!("cap{n}")))
        .collect();
    // The person lowers the account's caps in its pacing settings (the app's command saves
    // them exactly so).
    let capped = PacingSettings {
        writes_per_hour: 2,
        write_gap_min_ms: GAP_MS,
        write_gap_max_ms: GAP_MS + 1_000,
        ..quick_pacing()
    };
    harness
        .db
        .lock()
        .set_pacing_settings(&harness.account_id, &capped)
        .expect("saving the pacing settings");
    fake.clear_requests();

    let mut jobs = Vec::new();
    for product in &products {
        jobs.push(publish(&harness, product).await);
    }
    let ended: Vec<Job> = {
        let mut ended = Vec::new();
        for job in &jobs {
            ended.push(harness.wait_for_job(&job.id, FINISHED, WITHIN).await);
        }
        ended
    };
    for job in &ended[..2] {
        assert_eq!(job.state, JobState::Done, "{job:#?}");
    }
    // Exactly the cap's number of publish clicks reached Vinted, a gap apart.
    let on_fake = creates(&fake);
    assert_eq!(on_fake.len(), 2, "{on_fake:#?}");
    assert_gap(
        &on_fake[0],
        &on_fake[1],
        Duration::from_millis(GAP_MS as u64),
    );
    let sent = sent_creates(&harness);
    assert_eq!(sent.len(), 2, "{sent:#?}");
    for (n, product) in products.iter().enumerate() {
        let expected = usize::from(n < 2);
        assert_eq!(
            listings_titled(&fake, &product.title).len(),
            expected,
            "{}",
            product.title
        );
    }
    // The rest wait, shown with the time they run again: when the first write leaves the hour.
    let window_end = time(&sent[0].at) + TimeDelta::hours(1);
    for job in &ended[2..] {
        assert_eq!(job.state, JobState::Waiting, "{job:#?}");
        assert_eq!(job.error_code.as_deref(), Some("hourly_cap"), "{job:#?}");
        let next = time(job.not_before.as_deref().expect("a next run time"));
        assert_eq!(next, window_end, "{job:#?}");
        assert!(next > Utc::now() + TimeDelta::minutes(55), "{job:#?}");
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(creates(&fake).len(), 2, "nothing more while they wait");
    // The waiting items sent nothing at all, not even their photos.
    assert_eq!(photo_uploads(&fake), 2 * 3);

    // An hour later (the clock moved on: the audit log's writes an hour older, the waiting jobs
    // due), the two others go, a gap apart, and the new window is full again.
    age_the_audit_log(&harness, "1 hour");
    for job in &ended[2..] {
        due_now(&harness, job);
    }
    harness.runner.wake(&harness.account_id);
    for job in &ended[2..] {
        wait_until("the waiting job to run again", WITHIN, || async {
            Ok(harness.job(&job.id).attempts > job.attempts)
        })
        .await
        .expect("the job ran again");
        let done = harness.wait_for_job(&job.id, FINISHED, WITHIN).await;
        assert_eq!(done.state, JobState::Done, "{done:#?}");
    }
    let on_fake = creates(&fake);
    assert_eq!(on_fake.len(), 4, "{on_fake:#?}");
    assert_eq!(photo_uploads(&fake), 4 * 3);
    assert_gap(
        &on_fake[2],
        &on_fake[3],
        Duration::from_millis(GAP_MS as u64),
    );
    for product in &products {
        assert_eq!(
            listings_titled(&fake, &product.title).len(),
            1,
            "one listing for {}",
            product.title
        );
    }
    let fifth = dress(harness.dir.path(), &harness.db, "cap4");
    let job = publish(&harness, &fifth).await;
    let job = harness.wait_for_job(&job.id, FINISHED, WITHIN).await;
    assert_eq!(job.state, JobState::Waiting, "{job:#?}");
    assert_eq!(job.error_code.as_deref(), Some("hourly_cap"), "{job:#?}");
    assert_eq!(creates(&fake).len(), 4);
    assert_eq!(photo_uploads(&fake), 4 * 3);
    harness.stop().await;
}

/// A 429 on the publish click with `Retry-After: 7200`: nothing is written again for two hours,
/// longer than the governor's own cooldown would be.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_on_the_publish_click_holds_the_next_write_for_its_whole_retry_after() {
    let fake = FakeVinted::start();
    fake.seed_wardrobe(0);
    let harness = Harness::start(&fake, quick_pacing()).await;
    let product = dress(harness.dir.path(), &harness.db, "ra-long");
    fake.clear_requests();
    let retry_after = 7_200;
    fake.fail_next(
        Step::Create,
        Failure::RateLimited {
            retry_after_secs: retry_after,
        },
    );
    let job = publish(&harness, &product).await;
    let waiting = harness.wait_for_job(&job.id, FINISHED, WITHIN).await;
    assert_eq!(waiting.state, JobState::Waiting, "{waiting:#?}");
    let refused = creates(&fake);
    assert_eq!(refused.len(), 1, "{refused:#?}");
    let refused_at: DateTime<Utc> = refused[0].time.into();
    let obeyed = refused_at + TimeDelta::seconds(retry_after as i64);
    let next = time(waiting.not_before.as_deref().expect("a next run time"));
    assert!(
        next >= obeyed,
        "Retry-After: {retry_after} not obeyed: the job runs again at {next}, {} s after the 429",
        (next - refused_at).num_seconds()
    );
    let pacing = harness
        .db
        .lock()
        .pacing_state(&harness.account_id)
        .expect("the pacing state");
    let cooldown = pacing.cooldown_until.as_deref().map(time);
    assert!(
        cooldown.is_some_and(|until| until >= obeyed),
        "the account's cooldown ends before Retry-After: {pacing:?}"
    );
    assert!(listings_titled(&fake, &product.title).is_empty());
    harness.stop().await;
}

/// A 429 with a short `Retry-After`: the next write reaches Vinted no sooner, and the item is
/// then published once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_on_the_publish_click_then_the_item_is_published_once_after_retry_after() {
    let fake = FakeVinted::start();
    fake.seed_wardrobe(0);
    let harness = Harness::start(&fake, quick_pacing()).await;
    let product = dress(harness.dir.path(), &harness.db, "ra-short");
    fake.clear_requests();
    let retry_after = Duration::from_secs(3);
    fake.fail_next(
        Step::Create,
        Failure::RateLimited {
            retry_after_secs: retry_after.as_secs(),
        },
    );
    let job = publish(&harness, &product).await;
    let first = harness.wait_for_job(&job.id, FINISHED, WITHIN).await;
    let refused = creates(&fake);
    assert!(!refused.is_empty(), "{first:#?}");
    if first.state == JobState::Waiting {
        let next = time(first.not_before.as_deref().expect("a next run time"));
        let refused_at: DateTime<Utc> = refused[0].time.into();
        assert!(
            next >= refused_at + TimeDelta::from_std(retry_after).expect("seconds"),
            "{first:#?}"
        );
        // Once Retry-After has passed, the governor's own (longer) cooldown is a choice of the
        // app's, not Vinted's: the clock is moved on past it.
        wait_until("Retry-After to pass", WITHIN, || async {
            Ok(refused[0].at.elapsed() >= retry_after)
        })
        .await
        .expect("time passes");
        if harness.job(&job.id).state == JobState::Waiting {
            harness
                .db
                .lock()
                .set_pacing_state(&harness.account_id, &PacingState::default())
                .expect("cooldown over");
            due_now(&harness, &first);
            harness.runner.wake(&harness.account_id);
        }
    }
    let done = harness
        .wait_for_job(&job.id, &[JobState::Done, JobState::Failed], WITHIN)
        .await;
    assert_eq!(done.state, JobState::Done, "{done:#?}");
    assert_eq!(listings_titled(&fake, &product.title).len(), 1);
    let creates = creates(&fake);
    assert_eq!(
        creates.len(),
        2,
        "the refused click, then one: {creates:#?}"
    );
    let writes = api_writes(&fake);
    let refused_index = writes
        .iter()
        .position(|w| w.path == "/api/v2/item_upload/items")
        .expect("the refused click");
    let next = &writes[refused_index + 1];
    assert_gap(&writes[refused_index], next, retry_after);
    harness.stop().await;
}

/// A 429 on a photo upload (the form's own call): no write reaches Vinted before `Retry-After`
/// has passed, then the item is published once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_on_a_photo_upload_holds_every_write_for_retry_after() {
    let fake = FakeVinted::start();
    fake.seed_wardrobe(0);
    let harness = Harness::start(&fake, quick_pacing()).await;
    let product = dress(harness.dir.path(), &harness.db, "ra-photo");
    fake.clear_requests();
    let retry_after = Duration::from_secs(20);
    fake.fail_next(
        Step::PhotoUpload,
        Failure::RateLimited {
            retry_after_secs: retry_after.as_secs(),
        },
    );
    let job = publish(&harness, &product).await;
    let first = harness.wait_for_job(&job.id, FINISHED, WITHIN).await;
    let refused = api_writes(&fake)
        .into_iter()
        .find(|w| w.path == "/api/v2/photos")
        .expect("the refused upload");
    assert_eq!(first.state, JobState::Waiting, "{first:#?}");
    // The wait is Vinted's Retry-After, read from the upload's answer, not a cooldown of the
    // app's own (15 min and more).
    assert_eq!(
        first.error_code.as_deref(),
        Some("retry_after"),
        "{first:#?}"
    );
    {
        let next = time(first.not_before.as_deref().expect("a next run time"));
        let refused_at: DateTime<Utc> = refused.time.into();
        let obeyed = refused_at + TimeDelta::from_std(retry_after).expect("seconds");
        assert!(next >= obeyed, "{first:#?}");
        assert!(next < obeyed + TimeDelta::minutes(1), "{first:#?}");
        // Once Retry-After has passed, a longer cooldown of the app's own is skipped: the clock
        // is moved on past it.
        wait_until("Retry-After to pass", WITHIN, || async {
            Ok(refused.at.elapsed() >= retry_after)
        })
        .await
        .expect("time passes");
        if harness.job(&job.id).state == JobState::Waiting {
            harness
                .db
                .lock()
                .set_pacing_state(&harness.account_id, &PacingState::default())
                .expect("cooldown over");
            due_now(&harness, &first);
            harness.runner.wake(&harness.account_id);
        }
    }
    let job = harness
        .wait_for_job(&job.id, &[JobState::Done, JobState::Failed], WITHIN)
        .await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    assert_eq!(listings_titled(&fake, &product.title).len(), 1);
    // The form had its other photos on the way already; what a new fill of the form sends
    // (another upload session) must wait for Retry-After.
    let writes = api_writes(&fake);
    let session = |w: &seller_panel_tests::fake_vinted::Request| {
        w.body
            .as_ref()
            .and_then(|b| b["photo[temp_uuid]"].as_str().map(str::to_owned))
    };
    let next = writes
        .iter()
        .find(|w| {
            w.at > refused.at && (w.path != "/api/v2/photos" || session(w) != session(&refused))
        })
        .expect("a write of the next try");
    assert_gap(&refused, next, retry_after);
    harness.stop().await;
}
