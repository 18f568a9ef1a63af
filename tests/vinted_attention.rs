//! What needs the person, met during a publish through the upload form: a captcha (DataDome's
//! 403 and its 200 HTML page), an expired login (401, code 100) and a restriction until a date,
//! on the publish click and on a photo upload; each blocks the account's calls until dealt with,
//! as on the real site. The account's jobs pause with "needs attention"
//! of the right kind, nothing more is written to Vinted, and once the person has dealt with it
//! and resumed the account, each item ends with exactly one listing. Real Chromium behind
//! tinyproxy demanding a password, against the local Vinted.

#![cfg(target_os = "linux")]

use std::time::{Duration, SystemTime};

use seller_panel_tests::fake_vinted::{self, Failure, FakeVinted, Request, Step};
use seller_panel_tests::vinted::{Harness, api_writes, dress, listings_titled, quick_pacing};
use seller_store::products::Product;
use seller_store::vinted::{Attention, Job, JobKind, JobState, PublishAttemptStatus};
use serde_json::json;

const WITHIN: Duration = Duration::from_secs(240);
const FINISHED: &[JobState] = &[
    JobState::Done,
    JobState::Failed,
    JobState::Waiting,
    JobState::NeedsAttention,
];

async fn publish(harness: &Harness, product: &Product) -> Job {
    harness
        .enqueue(JobKind::Publish, json!({"productId": product.id}), false)
        .await
}

fn is_step(request: &Request, step: Step) -> bool {
    match step {
        Step::Create => request.method == "POST" && request.path == "/api/v2/item_upload/items",
        Step::PhotoUpload => request.method == "POST" && request.path == "/api/v2/photos",
        other => panic!("no request test for {other:?}"),
    }
}

fn upload_session(request: &Request) -> Option<String> {
    request
        .body
        .as_ref()
        .and_then(|b| b["photo[temp_uuid]"].as_str().map(str::to_owned))
}

/// The writes that reached the fake after the refused one, other than the photos the same form
/// had already on their way when it was refused.
fn writes_after(fake: &FakeVinted, refused: &Request) -> Vec<Request> {
    api_writes(fake)
        .into_iter()
        .filter(|w| w.at > refused.at)
        .filter(|w| {
            !(w.path == "/api/v2/photos"
                && refused.path == "/api/v2/photos"
                && upload_session(w) == upload_session(refused))
        })
        .collect()
}

/// `failure` answers the first request of `step` of a publish; a second item's publish is
/// queued behind it. Both wait for the person with `attention`, nothing more is written; the
/// person deals with it (`clear`) and resumes the account: both items are published once.
async fn paused_then_resumed(
    step: Step,
    failure: Failure,
    attention: Attention,
    tag: &str,
    clear: impl Fn(&FakeVinted),
) {
    let fake = FakeVinted::start();
    fake.seed_wardrobe(0);
    let harness = Harness::start(&fake, quick_pacing()).await;
    let products = [
        dress(harness.dir.path(), &harness.db, &format!("{tag}-a")),
        dress(harness.dir.path(), &harness.db, &format!("{tag}-b")),
    ];
    fake.clear_requests();
    fake.fail_next(step, failure.clone());
    let first = publish(&harness, &products[0]).await;
    let second = publish(&harness, &products[1]).await;

    let held = harness.wait_for_job(&first.id, FINISHED, WITHIN).await;
    assert_eq!(
        held.state,
        JobState::NeedsAttention,
        "{failure:?} at {step:?}: {held:#?}"
    );
    assert_eq!(
        held.error_code.as_deref(),
        Some(attention.as_str()),
        "{held:#?}"
    );
    let pacing = harness
        .db
        .lock()
        .pacing_state(&harness.account_id)
        .expect("the pacing state");
    assert_eq!(pacing.attention, Some(attention), "{pacing:?}");
    if attention == Attention::Restricted {
        assert!(
            pacing.attention_until.is_some(),
            "the restriction's end is kept: {pacing:?}"
        );
    }

    // Nothing more reaches Vinted, and the account's other job does not start.
    let refused = api_writes(&fake)
        .into_iter()
        .find(|r| is_step(r, step))
        .expect("the refused request");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = writes_after(&fake, &refused);
    assert!(
        after.is_empty(),
        "{failure:?} at {step:?}: written after it: {:#?}",
        after
            .iter()
            .map(|w| format!("{} {}", w.method, w.path))
            .collect::<Vec<_>>()
    );
    assert_eq!(harness.job(&second.id).state, JobState::Queued);
    assert!(listings_titled(&fake, &products[0].title).is_empty());
    assert!(listings_titled(&fake, &products[1].title).is_empty());

    // The person passes the captcha, logs in again, or sees the restriction end; then resumes.
    clear(&fake);
    let resumed = harness
        .runner
        .resume_account(&harness.account_id)
        .await
        .expect("resuming");
    assert_eq!(resumed, 1);
    assert_eq!(fake.pending_faults(), 0, "the block is over");
    for job in [&first, &second] {
        let done = harness
            .wait_for_job(&job.id, &[JobState::Done, JobState::Failed], WITHIN)
            .await;
        assert_eq!(done.state, JobState::Done, "{failure:?}: {done:#?}");
    }
    for product in &products {
        assert_eq!(
            listings_titled(&fake, &product.title).len(),
            1,
            "{failure:?}: one listing for {}",
            product.title
        );
        let store = harness.db.lock();
        assert_eq!(
            store
                .published_listings_of(&product.id)
                .expect("the published rows")
                .len(),
            1
        );
        let attempts = store.publish_attempts(&product.id).expect("the attempts");
        assert_eq!(
            attempts.last().map(|a| a.status),
            Some(PublishAttemptStatus::Success),
            "{attempts:#?}"
        );
    }
    let pacing = harness
        .db
        .lock()
        .pacing_state(&harness.account_id)
        .expect("the pacing state");
    assert_eq!(pacing.attention, None, "{pacing:?}");
    harness.stop().await;
}

/// DataDome (or the expired login) keeps answering every API call until the person has dealt
/// with it, as the real site does.
fn blocked(failure: Failure) -> Failure {
    Failure::Blocked(Box::new(failure))
}

/// The person passed the captcha, or logged in again.
fn unblock(fake: &FakeVinted) {
    fake.clear_faults();
}

fn lift_restriction(fake: &FakeVinted) {
    fake.restrict(fake_vinted::USER_ID, None);
}

fn restricted_for_an_hour() -> Failure {
    Failure::Restricted {
        until: SystemTime::now() + Duration::from_secs(3_600),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_datadome_403_on_the_publish_click_pauses_the_account_for_the_captcha() {
    paused_then_resumed(
        Step::Create,
        blocked(Failure::DataDome403),
        Attention::Captcha,
        "dd403",
        unblock,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_datadome_page_answering_the_publish_click_pauses_the_account_for_the_captcha() {
    paused_then_resumed(
        Step::Create,
        blocked(Failure::DataDome200Html),
        Attention::Captcha,
        "dd200",
        unblock,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_datadome_403_on_a_photo_upload_pauses_the_account_for_the_captcha() {
    paused_then_resumed(
        Step::PhotoUpload,
        blocked(Failure::DataDome403),
        Attention::Captcha,
        "ddphoto",
        unblock,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_login_on_the_publish_click_pauses_the_account_for_a_new_login() {
    paused_then_resumed(
        Step::Create,
        blocked(Failure::LoginExpired),
        Attention::LoginExpired,
        "login",
        unblock,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_login_on_a_photo_upload_pauses_the_account_for_a_new_login() {
    paused_then_resumed(
        Step::PhotoUpload,
        blocked(Failure::LoginExpired),
        Attention::LoginExpired,
        "loginphoto",
        unblock,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restriction_on_the_publish_click_pauses_the_account_until_it_is_lifted() {
    paused_then_resumed(
        Step::Create,
        restricted_for_an_hour(),
        Attention::Restricted,
        "restricted",
        lift_restriction,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restriction_on_a_photo_upload_pauses_the_account_until_it_is_lifted() {
    paused_then_resumed(
        Step::PhotoUpload,
        restricted_for_an_hour(),
        Attention::Restricted,
        "restrictedphoto",
        lift_restriction,
    )
    .await;
}
