//! Changes to existing listings as the app runs them: the job queue in a real store, the
//! account's real Chromium session behind tinyproxy demanding a password, logged in on the
//! local Vinted; the wardrobe imported first, then a price changed, a listing hidden and shown
//! again, deleted, each read back from the site before the store records it.

#![cfg(target_os = "linux")]

use std::time::Duration;

use seller_panel_tests::fake_vinted::{self, Failure, FakeVinted, Step};
use seller_panel_tests::vinted::{Harness, quick_pacing};
use seller_store::vinted::{
    AuditFilter, AuditOutcome, AuditRecord, Job, JobKind, JobState, ListingFilter, ListingRow,
    ListingStatus, WardrobeListing,
};
use serde_json::{Value, json};

const WITHIN: Duration = Duration::from_secs(120);
const FINISHED: &[JobState] = &[JobState::Done, JobState::Failed, JobState::Cancelled];

/// A small wardrobe on the fake, the harness logged in, and the wardrobe imported.
async fn imported(fake: &FakeVinted) -> Harness {
    fake.seed_wardrobe(12);
    let harness = Harness::start(fake, quick_pacing()).await;
    let job = harness
        .enqueue(JobKind::ImportListings, json!({"linkBySku": false}), false)
        .await;
    let job = harness.wait_for_job(&job.id, FINISHED, WITHIN).await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    fake.clear_requests();
    harness
}

/// The account's live listings on the fake (not hidden, reserved, sold or drafts).
fn live_items(fake: &FakeVinted) -> Vec<fake_vinted::Item> {
    fake.items()
        .into_iter()
        .filter(|i| i.user_id == fake_vinted::USER_ID && i.is_live() && !i.is_reserved)
        .filter(|i| !i.photo_ids.is_empty())
        .collect()
}

fn row(harness: &Harness, listing_id: u64) -> ListingRow {
    let filter = ListingFilter {
        account_id: Some(harness.account_id.clone()),
        search: Some(listing_id.to_string()),
        ..ListingFilter::default()
    };
    harness
        .db
        .lock()
        .list_listings(&filter)
        .expect("listing the listings")
        .items
        .into_iter()
        .find(|r| r.listing_id == listing_id.to_string())
        .expect("the listing's row")
}

fn cents(price: &str) -> i64 {
    (price.parse::<f64>().expect("a price") * 100.0).round() as i64
}

fn audit(harness: &Harness) -> Vec<AuditRecord> {
    let filter = AuditFilter {
        account_id: Some(harness.account_id.clone()),
        per_page: 500,
        ..AuditFilter::default()
    };
    harness
        .db
        .lock()
        .list_audit(&filter)
        .expect("reading the audit log")
        .items
}

async fn run(harness: &Harness, kind: JobKind, payload: Value, dry_run: bool) -> Job {
    let job = harness.enqueue(kind, payload, dry_run).await;
    harness.wait_for_job(&job.id, FINISHED, WITHIN).await
}

/// The requests `method path` the fake saw.
fn requests_to(fake: &FakeVinted, method: &str, path: &str) -> Vec<fake_vinted::Request> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method == method && r.path == path)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_price_is_sent_read_back_then_recorded_and_a_dry_run_only_shows_it() {
    let fake = FakeVinted::start();
    let harness = imported(&fake).await;
    let item = live_items(&fake)
        .into_iter()
        .next()
        .expect("a live listing");
    let old_cents = cents(&item.price);
    let new_cents = if old_cents == 1_234 { 1_250 } else { 1_234 };
    let path = format!("/api/v2/item_upload/items/{}", item.id);

    // A dry run: the edit's body is in the audit log, nothing is sent or changed.
    let job = run(
        &harness,
        JobKind::EditPrice,
        json!({"listingId": item.id.to_string(), "priceCents": new_cents}),
        true,
    )
    .await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    assert_eq!(job.result.as_ref().expect("a result")["dryRun"], true);
    assert!(requests_to(&fake, "PUT", &path).is_empty());
    let unchanged = fake.item(item.id).expect("the item");
    assert_eq!(
        (unchanged.price.as_str(), unchanged.edits),
        (item.price.as_str(), 0)
    );
    assert_eq!(row(&harness, item.id).price_cents, old_cents);
    let dry: Vec<_> = audit(&harness)
        .into_iter()
        .filter(|r| r.outcome == AuditOutcome::DryRun)
        .collect();
    assert_eq!(dry.len(), 1, "{dry:#?}");
    assert_eq!(
        (dry[0].method.as_str(), dry[0].path.as_str()),
        ("PUT", path.as_str())
    );
    assert_eq!(dry[0].summary["priceCents"], new_cents);
    assert_eq!(dry[0].summary["previousPriceCents"], old_cents);
    let price = dry[0].summary["body"]["item"]["price"]
        .as_f64()
        .expect("the price as a number");
    assert_eq!((price * 100.0).round() as i64, new_cents);

    // The real change: sent with the upload headers, read back, recorded.
    let job = run(
        &harness,
        JobKind::EditPrice,
        json!({"listingId": item.id.to_string(), "priceCents": new_cents}),
        false,
    )
    .await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    let result = job.result.expect("a result");
    assert_eq!(result["changed"], true, "{result}");
    assert_eq!(result["previousPriceCents"], old_cents, "{result}");
    let edited = fake.item(item.id).expect("the item");
    assert_eq!(cents(&edited.price), new_cents);
    assert_eq!(edited.edits, 1);
    // Everything else as it was: title, photos in their order, size, condition, parcel.
    assert_eq!(edited.title, item.title);
    assert_eq!(edited.photo_ids, item.photo_ids);
    assert_eq!(edited.size_id, item.size_id);
    assert_eq!(edited.status_id, item.status_id);
    assert_eq!(edited.package_size_id, item.package_size_id);
    let puts = requests_to(&fake, "PUT", &path);
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0].header("x-upload-form"), Some("true"));
    assert_eq!(
        puts[0].header("x-enable-multiple-size-groups"),
        Some("true")
    );
    let sent = puts[0].body.as_ref().expect("a JSON body");
    assert_eq!(sent["item"]["id"], item.id);
    assert!(sent["item"]["price"].is_number(), "{sent}");
    // Read back after the write.
    let reads = requests_to(&fake, "GET", &path);
    assert!(reads.last().expect("a read").at > puts[0].at);
    assert_eq!(row(&harness, item.id).price_cents, new_cents);
    let sent_records: Vec<_> = audit(&harness)
        .into_iter()
        .filter(|r| r.outcome == AuditOutcome::Sent)
        .collect();
    assert_eq!(sent_records.len(), 1);

    // A price Vinted cannot take is refused before anything is sent.
    fake.clear_requests();
    let job = run(
        &harness,
        JobKind::EditPrice,
        json!({"listingId": item.id.to_string(), "priceCents": 0}),
        false,
    )
    .await;
    assert_eq!(job.state, JobState::Failed, "{job:#?}");
    assert!(fake.requests().iter().all(|r| !r.path.starts_with("/api/")));
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_is_hidden_then_shown_again_each_read_back() {
    let fake = FakeVinted::start();
    let harness = imported(&fake).await;
    let item = live_items(&fake)
        .into_iter()
        .next()
        .expect("a live listing");
    let payload = json!({"listingId": item.id.to_string()});

    let job = run(&harness, JobKind::Hide, payload.clone(), false).await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    assert!(fake.item(item.id).expect("the item").is_hidden);
    assert_eq!(row(&harness, item.id).status, ListingStatus::Hidden);
    let path = format!("/api/v2/items/{}/is_hidden", item.id);
    let puts = requests_to(&fake, "PUT", &path);
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0].body, Some(json!({"is_hidden": true})));

    let job = run(&harness, JobKind::Unhide, payload, false).await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    assert!(!fake.item(item.id).expect("the item").is_hidden);
    assert_eq!(row(&harness, item.id).status, ListingStatus::Active);
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_listing_is_kept_marked_deleted_even_when_the_answer_was_lost() {
    let fake = FakeVinted::start();
    let harness = imported(&fake).await;
    let items = live_items(&fake);
    let (first, second) = (&items[0], &items[1]);

    let job = run(
        &harness,
        JobKind::Delete,
        json!({"listingId": first.id.to_string()}),
        false,
    )
    .await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    assert!(fake.item(first.id).expect("kept by the fake").is_deleted);
    let deleted = row(&harness, first.id);
    assert_eq!(deleted.status, ListingStatus::Deleted);
    assert!(deleted.gone_at.is_some(), "{deleted:?}");
    // Confirmed by the editing read's 404 after the delete.
    let path = format!("/api/v2/items/{}/delete", first.id);
    let delete_at = requests_to(&fake, "POST", &path)[0].at;
    let read_path = format!("/api/v2/item_upload/items/{}", first.id);
    assert!(
        requests_to(&fake, "GET", &read_path)
            .iter()
            .any(|r| r.at > delete_at)
    );

    // Vinted deletes it but the answer never arrives: the job settles it by reading back,
    // without a second delete and without an error.
    fake.fail_next(Step::Delete, Failure::AcceptThenDrop);
    let job = run(
        &harness,
        JobKind::Delete,
        json!({"listingId": second.id.to_string()}),
        false,
    )
    .await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    assert_eq!(job.error_code, None, "{job:#?}");
    assert_eq!(fake.pending_faults(), 0);
    let path = format!("/api/v2/items/{}/delete", second.id);
    assert_eq!(requests_to(&fake, "POST", &path).len(), 1);
    assert!(fake.item(second.id).expect("kept by the fake").is_deleted);
    assert_eq!(row(&harness, second.id).status, ListingStatus::Deleted);

    // Deleting it again is no error: it is already gone.
    let job = run(
        &harness,
        JobKind::Delete,
        json!({"listingId": second.id.to_string()}),
        false,
    )
    .await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    assert_eq!(job.result.expect("a result")["alreadyGone"], true);
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_accounts_listing_fails_saying_so_and_changes_nothing() {
    let fake = FakeVinted::start();
    let harness = imported(&fake).await;
    let other = fake_vinted::OTHER_ITEM_IDS[0];
    let before = fake.item(other).expect("the other account's item");
    let payload = json!({"listingId": other.to_string(), "priceCents": 999});
    let read_path = format!("/api/v2/item_upload/items/{other}");

    // Not among the account's listings: refused before anything is sent.
    let job = run(&harness, JobKind::EditPrice, payload.clone(), false).await;
    assert_eq!(job.state, JobState::Failed, "{job:#?}");
    let message = job.error_message.clone().unwrap_or_default();
    assert!(
        message.contains("does not belong to this account"),
        "{message}"
    );
    assert!(requests_to(&fake, "GET", &read_path).is_empty());

    // Among them by mistake (a row of another account's wardrobe): Vinted answers 403/106 even
    // after the CSRF refresh, the job fails saying so, and the account is not cooled down.
    let listing = WardrobeListing {
        listing_id: other.to_string(),
        title: before.title.clone(),
        photo_url: None,
        price_cents: cents(&before.price),
        status: ListingStatus::Active,
        listed_at: None,
        sku: None,
    };
    harness
        .db
        .lock()
        .upsert_listings(
            &harness.account_id,
            &[listing],
            &seller_store::now_rfc3339(),
        )
        .expect("a row");
    let job = run(&harness, JobKind::EditPrice, payload, false).await;
    assert_eq!(job.state, JobState::Failed, "{job:#?}");
    let message = job.error_message.clone().unwrap_or_default();
    assert!(
        message.contains("does not belong to this account"),
        "{message}"
    );
    assert_eq!(job.attempts, 1, "{job:#?}");
    assert_eq!(
        requests_to(&fake, "GET", &read_path).len(),
        2,
        "a read, then once more after the refresh"
    );
    assert!(requests_to(&fake, "PUT", &read_path).is_empty());
    let after = fake.item(other).expect("the other account's item");
    assert_eq!(
        (after.price.as_str(), after.edits),
        (before.price.as_str(), 0)
    );
    assert_eq!(row(&harness, other).price_cents, cents(&before.price));
    let pacing = harness
        .db
        .lock()
        .pacing_state(&harness.account_id)
        .expect("the pacing state");
    assert_eq!(pacing.cooldown_until, None, "{pacing:?}");
    assert!(audit(&harness).is_empty(), "nothing was written");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_on_the_edit_is_waited_out_as_retry_after_says() {
    let fake = FakeVinted::start();
    let harness = imported(&fake).await;
    let item = live_items(&fake)
        .into_iter()
        .next()
        .expect("a live listing");
    let new_cents = if cents(&item.price) == 1_500 {
        1_600
    } else {
        1_500
    };
    fake.fail_next(
        Step::Edit,
        Failure::RateLimited {
            retry_after_secs: 1,
        },
    );
    let job = run(
        &harness,
        JobKind::EditPrice,
        json!({"listingId": item.id.to_string(), "priceCents": new_cents}),
        false,
    )
    .await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    assert_eq!(
        cents(&fake.item(item.id).expect("the item").price),
        new_cents
    );
    assert_eq!(row(&harness, item.id).price_cents, new_cents);
    let path = format!("/api/v2/item_upload/items/{}", item.id);
    let puts = requests_to(&fake, "PUT", &path);
    assert_eq!(
        puts.len(),
        2,
        "the refused edit, then the one after the wait"
    );
    let gap = puts[1].at.duration_since(puts[0].at);
    assert!(gap >= Duration::from_secs(1), "sent again after {gap:?}");
    // Both edits are in the audit log; only the second one went through.
    let mut records = audit(&harness);
    records.reverse();
    assert_eq!(records.len(), 2, "{records:#?}");
    assert_ne!(records[0].outcome, AuditOutcome::Sent, "{records:#?}");
    assert_eq!(records[1].outcome, AuditOutcome::Sent, "{records:#?}");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_sold_or_deleted_since_the_import_cannot_be_changed_and_its_row_says_why() {
    let fake = FakeVinted::start();
    let harness = imported(&fake).await;
    let items = live_items(&fake);
    let (sold, deleted) = (items[0].clone(), items[1].clone());
    fake.put_item(fake_vinted::Item {
        is_closed: true,
        is_sold: true,
        ..sold.clone()
    });
    fake.put_item(fake_vinted::Item {
        is_deleted: true,
        ..deleted.clone()
    });

    for item in [&sold, &deleted] {
        let job = run(
            &harness,
            JobKind::EditPrice,
            json!({"listingId": item.id.to_string(), "priceCents": 4_200}),
            false,
        )
        .await;
        assert_eq!(job.state, JobState::Failed, "{job:#?}");
        assert_eq!(job.error_code.as_deref(), Some("not_found"), "{job:#?}");
        let path = format!("/api/v2/item_upload/items/{}", item.id);
        assert!(requests_to(&fake, "PUT", &path).is_empty());
    }
    assert_eq!(row(&harness, sold.id).status, ListingStatus::Sold);
    assert_eq!(row(&harness, sold.id).price_cents, cents(&sold.price));
    let gone = row(&harness, deleted.id);
    assert_eq!(gone.status, ListingStatus::Deleted);
    assert!(gone.gone_at.is_some(), "{gone:?}");
    assert!(audit(&harness).is_empty(), "nothing was written");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restriction_or_an_expired_login_holds_the_account_until_the_person_resumes() {
    use seller_store::vinted::Attention;

    let fake = FakeVinted::start();
    let harness = imported(&fake).await;
    let item = live_items(&fake).remove(0);
    let attention = |harness: &Harness| {
        harness
            .db
            .lock()
            .pacing_state(&harness.account_id)
            .expect("the pacing state")
    };

    // Vinted restricts the account until a date: the write is held, the date kept.
    let until = std::time::SystemTime::now() + Duration::from_secs(3600);
    fake.fail_next(Step::Edit, Failure::Restricted { until });
    let job = harness
        .enqueue(
            JobKind::EditPrice,
            json!({"listingId": item.id.to_string(), "priceCents": 4_321}),
            false,
        )
        .await;
    let held = harness
        .wait_for_job(
            &job.id,
            &[JobState::NeedsAttention, JobState::Done, JobState::Failed],
            WITHIN,
        )
        .await;
    assert_eq!(held.state, JobState::NeedsAttention, "{held:#?}");
    let state = attention(&harness);
    assert_eq!(state.attention, Some(Attention::Restricted), "{state:?}");
    assert!(
        state.attention_until.is_some(),
        "the restriction's end is kept: {state:?}"
    );
    assert_eq!(
        fake.item(item.id).expect("the item").price,
        item.price,
        "nothing changed"
    );

    // Vinted lifts it; the person resumes: the price goes through.
    fake.restrict(fake_vinted::USER_ID, None);
    harness
        .runner
        .resume_account(&harness.account_id)
        .await
        .expect("resuming");
    let done = harness.wait_for_job(&job.id, FINISHED, WITHIN).await;
    assert_eq!(done.state, JobState::Done, "{done:#?}");
    assert_eq!(fake.item(item.id).expect("the item").price, "43.21");

    // Vinted says the login expired (401, code 100): the account waits for a new login.
    fake.fail_next(Step::ItemRead, Failure::LoginExpired);
    let job = harness
        .enqueue(
            JobKind::EditPrice,
            json!({"listingId": item.id.to_string(), "priceCents": 5_000}),
            false,
        )
        .await;
    let held = harness
        .wait_for_job(
            &job.id,
            &[JobState::NeedsAttention, JobState::Done, JobState::Failed],
            WITHIN,
        )
        .await;
    assert_eq!(held.state, JobState::NeedsAttention, "{held:#?}");
    assert_eq!(attention(&harness).attention, Some(Attention::LoginExpired));
    harness
        .runner
        .resume_account(&harness.account_id)
        .await
        .expect("resuming");
    let done = harness.wait_for_job(&job.id, FINISHED, WITHIN).await;
    assert_eq!(done.state, JobState::Done, "{done:#?}");
    assert_eq!(fake.item(item.id).expect("the item").price, "50.00");
    assert_eq!(attention(&harness).attention, None);
    harness.stop().await;
}
