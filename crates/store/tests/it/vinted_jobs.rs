//! The job queue's failure count, a failed job's detail for the UI, and resuming an account in
//! one transaction.

use serde_json::json;

use crate::common::fresh_store;
use seller_store::Store;
use seller_store::accounts::AccountDraft;
use seller_store::raw::RawSql;
use seller_store::vinted::{Attention, JobKind, JobState, NewJob, PacingState};

const NOW: &str = "2026-12-07T10:00:00.000Z";
const LATER: &str = "2026-12-07T11:00:00.000Z";

fn account(store: &mut Store) -> String {
    store
        .create_account(AccountDraft {
            name: "Shop".into(),
            username: None,
            email: None,
            avatar: None,
            vinted_base_url: "https://www.vinted.fr".into(),
            proxy: None,
        })
        .expect("account")
        .id
}

fn job(store: &mut Store, account_id: &str) -> String {
    store
        .enqueue_job(NewJob {
            account_id: account_id.to_owned(),
            kind: JobKind::Publish,
            payload: json!({"productId": "p"}),
            dry_run: false,
            progress_total: None,
        })
        .expect("a job")
        .id
}

#[test]
fn transient_failures_are_counted_and_kept_pacing_waits_are_not() {
    let (dir, mut store) = fresh_store();
    let account_id = account(&mut store);
    let id = job(&mut store, &account_id);
    assert_eq!(store.job(&id).expect("job").failures, 0);

    store.start_job(&id).expect("start");
    let waited = store
        .defer_job(&id, LATER, "hourly_cap", "paced")
        .expect("a pacing wait");
    assert_eq!(waited.failures, 0, "a pacing wait is no failure");
    store.start_job(&id).expect("start again");
    let failed = store
        .retry_job_after_failure(&id, LATER, "server_error", "HTTP 502")
        .expect("a failed turn");
    assert_eq!(failed.state, JobState::Waiting);
    assert_eq!(failed.not_before.as_deref(), Some(LATER));
    assert_eq!(failed.error_code.as_deref(), Some("server_error"));
    assert_eq!(failed.failures, 1);
    store.start_job(&id).expect("start a third time");
    store
        .retry_job_after_failure(&id, NOW, "no_answer", "dropped")
        .expect("a failed turn");
    drop(store);

    // Kept across a restart.
    let store = Store::open(&crate::common::db_path(&dir)).expect("reopen");
    let job = store.job(&id).expect("job");
    assert_eq!(job.failures, 2);
    assert_eq!(job.attempts, 3);
}

#[test]
fn a_checkpoint_that_moves_the_job_on_starts_the_failure_count_again() {
    let (_dir, mut store) = fresh_store();
    let account_id = account(&mut store);
    let id = job(&mut store, &account_id);
    let fail_once = |store: &mut Store| {
        store.start_job(&id).expect("start");
        store
            .retry_job_after_failure(&id, NOW, "no_answer", "dropped")
            .expect("a failed turn")
            .failures
    };
    assert_eq!(fail_once(&mut store), 1);
    assert_eq!(fail_once(&mut store), 2);
    // A first checkpoint moves the job on: the count starts again, then one failure.
    store.start_job(&id).expect("start");
    store
        .checkpoint_job(&id, &json!({"step": 1}), 1, Some(3))
        .expect("checkpoint");
    store
        .retry_job_after_failure(&id, NOW, "no_answer", "dropped")
        .expect("a failed turn");
    assert_eq!(store.job(&id).expect("job").failures, 1);
    store.start_job(&id).expect("start");
    let same = store
        .checkpoint_job(&id, &json!({"step": 1}), 1, Some(3))
        .expect("the same checkpoint");
    assert_eq!(same.failures, 1, "the same checkpoint is no progress");
    store
        .retry_job_after_failure(&id, NOW, "no_answer", "dropped")
        .expect("a failed turn");
    assert_eq!(store.job(&id).expect("job").failures, 2);
    // Another checkpoint at the same progress (a publish's new attempt id at each turn), or a
    // lower one (a new phase starting from 0), is no step further either.
    store.start_job(&id).expect("start");
    let other = store
        .checkpoint_job(&id, &json!({"step": 1, "attemptId": "a2"}), 1, Some(3))
        .expect("another checkpoint, same progress");
    assert_eq!(other.failures, 2);
    let lower = store
        .checkpoint_job(&id, &json!({"phase": "photos"}), 0, Some(5))
        .expect("a new phase");
    assert_eq!(lower.failures, 2);
    store
        .retry_job_after_failure(&id, NOW, "no_answer", "dropped")
        .expect("a failed turn");
    assert_eq!(store.job(&id).expect("job").failures, 3);
    // A step further: the count starts again.
    store.start_job(&id).expect("start");
    let moved = store
        .checkpoint_job(&id, &json!({"step": 2}), 2, Some(3))
        .expect("a checkpoint further on");
    assert_eq!(moved.failures, 0);
}

#[test]
fn a_failed_job_keeps_the_detail_the_person_needs() {
    let (_dir, mut store) = fresh_store();
    let account_id = account(&mut store);
    let id = job(&mut store, &account_id);
    store.start_job(&id).expect("start");
    let detail = json!({"problems": [{"field": "size", "code": "required", "detail": null}]});
    let failed = store
        .fail_job_with_detail(
            &id,
            "item_problems",
            "the item cannot be published",
            Some(&detail),
        )
        .expect("failed");
    assert_eq!(failed.state, JobState::Failed);
    assert_eq!(failed.error_code.as_deref(), Some("item_problems"));
    assert_eq!(failed.result, Some(detail));
}

fn paused(store: &mut Store, account_id: &str) -> String {
    store
        .set_pacing_state(
            account_id,
            &PacingState {
                cooldown_until: Some(LATER.into()),
                cooldown_level: 2,
                attention: Some(Attention::Captcha),
                attention_until: None,
                attention_message: Some("captcha".into()),
            },
        )
        .expect("paused");
    let id = job(store, account_id);
    store.start_job(&id).expect("start");
    store
        .hold_job_for_attention(&id, "captcha", "captcha")
        .expect("held");
    id
}

#[test]
fn resuming_an_account_clears_its_pause_and_queues_its_jobs() {
    let (_dir, mut store) = fresh_store();
    let account_id = account(&mut store);
    let id = paused(&mut store, &account_id);
    assert_eq!(store.resume_account(&account_id).expect("resumed"), 1);
    let state = store.pacing_state(&account_id).expect("state");
    assert_eq!(state.attention, None);
    assert_eq!(state.cooldown_until, None, "the challenge's cooldown ends");
    assert_eq!(state.cooldown_level, 2, "the doubling stays");
    assert_eq!(store.job(&id).expect("job").state, JobState::Queued);
}

#[test]
fn resuming_an_account_is_all_or_nothing() {
    let (_dir, mut store) = fresh_store();
    let account_id = account(&mut store);
    let id = paused(&mut store, &account_id);
    // The last step (queueing the held jobs) fails: the account's pause must stay with them.
    store
        .connection()
        .execute_batch(
            "CREATE TEMP TRIGGER refuse_resume BEFORE UPDATE OF state ON vinted_jobs
             WHEN NEW.state = 'queued'
             BEGIN SELECT RAISE(ABORT, 'refused for the test'); END;",
        )
        .expect("a trigger");
    assert!(store.resume_account(&account_id).is_err());
    let state = store.pacing_state(&account_id).expect("state");
    assert_eq!(state.attention, Some(Attention::Captcha), "{state:?}");
    assert!(state.cooldown_until.is_some(), "{state:?}");
    assert_eq!(store.job(&id).expect("job").state, JobState::NeedsAttention);
}

#[test]
fn an_unsettled_publish_click_of_another_job_is_found() {
    let (_dir, mut store) = fresh_store();
    let account_id = account(&mut store);
    let given_up = job(&mut store, &account_id);
    let current = job(&mut store, &account_id);
    assert_eq!(
        store
            .unsettled_publish_click(&account_id, "p", &current)
            .expect("a lookup"),
        None
    );
    store.start_job(&given_up).expect("start");
    store
        .checkpoint_job(
            &given_up,
            &json!({"phase": "submitted", "submittedAt": "2026-12-07T09:00:00.000Z"}),
            0,
            Some(1),
        )
        .expect("checkpoint");
    store
        .fail_job(&given_up, "too_many_failures", "gave up")
        .expect("failed");
    assert_eq!(
        store
            .unsettled_publish_click(&account_id, "p", &current)
            .expect("a lookup")
            .as_deref(),
        Some("2026-12-07T09:00:00.000Z")
    );
    // Not for another item, nor for the job itself.
    assert_eq!(
        store
            .unsettled_publish_click(&account_id, "other", &current)
            .expect("a lookup"),
        None
    );
    assert_eq!(
        store
            .unsettled_publish_click(&account_id, "p", &given_up)
            .expect("a lookup"),
        None
    );
    // A relist's copy counts too.
    let relist = store
        .enqueue_job(NewJob {
            account_id: account_id.clone(),
            kind: JobKind::Relist,
            payload: json!({"listingId": "42"}),
            dry_run: false,
            progress_total: None,
        })
        .expect("a relist")
        .id;
    store.start_job(&relist).expect("start");
    store
        .checkpoint_job(
            &relist,
            &json!({"phase": "copy", "productId": "q",
                    "publish": {"phase": "submitted", "submittedAt": "2026-12-07T08:00:00.000Z"}}),
            0,
            Some(4),
        )
        .expect("checkpoint");
    store.mark_cancelled(&relist).expect("cancelled");
    assert_eq!(
        store
            .unsettled_publish_click(&account_id, "q", &current)
            .expect("a lookup")
            .as_deref(),
        Some("2026-12-07T08:00:00.000Z")
    );
}
