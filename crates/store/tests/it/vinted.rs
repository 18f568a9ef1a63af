//! The Vinted automation's data: the job queue (across a restart), the audit log and its CSV,
//! the pacing settings and state, and the wardrobe listings with their inventory links.

use serde_json::json;

use crate::common::{db_path, fresh_store};
use seller_store::accounts::AccountDraft;
use seller_store::csv::CsvLanguage;
use seller_store::products::{ProductDraft, ProductStatus, SortDir};
use seller_store::raw::RawSql;
use seller_store::vinted::{
    Attention, AuditEntry, AuditFilter, AuditOutcome, JobFilter, JobKind, JobState, ListingFilter,
    ListingSort, ListingSortField, ListingStatus, NewJob, PacingSettings, PacingState,
    WardrobeListing,
};
use seller_store::{FieldErrorCode, Store, StoreError};

fn account(store: &mut Store, name: &str) -> String {
    store
        .create_account(AccountDraft {
            name: name.into(),
            username: None,
            email: None,
            avatar: None,
            vinted_base_url: "https://www.vinted.fr".into(),
            proxy: None,
        })
        .expect("account")
        .id
}

fn new_job(account_id: &str, kind: JobKind) -> NewJob {
    NewJob {
        account_id: account_id.to_owned(),
        kind,
        payload: json!({"listingIds": ["101", "102"]}),
        dry_run: false,
        progress_total: None,
    }
}

const NOW: &str = "2026-12-07T10:00:00.000Z";
const LATER: &str = "2026-12-07T11:00:00.000Z";

fn fields(err: StoreError) -> Vec<(String, FieldErrorCode)> {
    match err {
        StoreError::Validation(fields) => fields.into_iter().map(|f| (f.field, f.code)).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn a_job_runs_from_queue_to_done() {
    let (_dir, mut store) = fresh_store();
    let acc = account(&mut store, "A");
    let mut draft = new_job(&acc, JobKind::ImportListings);
    draft.progress_total = Some(2);
    let job = store.enqueue_job(draft).unwrap();
    assert_eq!(job.state, JobState::Queued);
    assert_eq!(job.payload, json!({"listingIds": ["101", "102"]}));
    assert_eq!((job.attempts, job.progress_done), (0, 0));

    let next = store
        .next_runnable_job(&acc, NOW)
        .unwrap()
        .expect("runnable");
    assert_eq!(next.id, job.id);
    let running = store.start_job(&job.id).unwrap();
    assert_eq!((running.state, running.attempts), (JobState::Running, 1));
    assert_eq!(
        store.next_runnable_job(&acc, NOW).unwrap(),
        None,
        "one job at a time per account"
    );
    let step = store
        .checkpoint_job(&job.id, &json!({"page": 2}), 1, None)
        .unwrap();
    assert_eq!(step.checkpoint, Some(json!({"page": 2})));
    assert_eq!((step.progress_done, step.progress_total), (1, Some(2)));
    let done = store.finish_job(&job.id, &json!({"inserted": 2})).unwrap();
    assert_eq!(done.state, JobState::Done);
    assert_eq!(done.result, Some(json!({"inserted": 2})));
    assert!(done.finished_at.is_some());
    assert!(
        store.start_job(&job.id).is_err(),
        "a finished job does not start again"
    );
    assert_eq!(store.job(&job.id).unwrap(), done);
}

#[test]
fn a_job_left_running_is_queued_again_after_a_restart_with_its_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let (acc, running, cancelling) = {
        let mut store = Store::open(&path).unwrap();
        let acc = account(&mut store, "A");
        let other = account(&mut store, "B");
        let job = store.enqueue_job(new_job(&acc, JobKind::Relist)).unwrap();
        store.start_job(&job.id).unwrap();
        store
            .checkpoint_job(
                &job.id,
                &json!({"step": "copy_published", "newId": "9"}),
                1,
                Some(3),
            )
            .unwrap();
        let cancelling = store.enqueue_job(new_job(&other, JobKind::Hide)).unwrap();
        store.start_job(&cancelling.id).unwrap();
        store.request_cancel(&cancelling.id).unwrap();
        (acc, job.id, cancelling.id)
        // Dropped without finishing: the app was killed.
    };
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.job(&running).unwrap().state, JobState::Running);
    assert_eq!(store.resume_interrupted_jobs().unwrap(), 1);
    let resumed = store.job(&running).unwrap();
    assert_eq!(resumed.state, JobState::Queued);
    assert_eq!(
        resumed.checkpoint,
        Some(json!({"step": "copy_published", "newId": "9"}))
    );
    assert_eq!(
        (resumed.progress_done, resumed.progress_total),
        (1, Some(3))
    );
    assert_eq!(
        store.job(&cancelling).unwrap().state,
        JobState::Cancelled,
        "a job asked to stop is not started again"
    );
    let again = store.start_job(&running).unwrap();
    assert_eq!(again.attempts, 2);
    assert_eq!(store.next_runnable_job(&acc, NOW).unwrap(), None);
    assert_eq!(store.resume_interrupted_jobs().unwrap(), 1);
}

#[test]
fn a_cancel_stops_each_state_as_it_can() {
    let (_dir, mut store) = fresh_store();
    let acc = account(&mut store, "A");
    let enqueue = |store: &mut Store| {
        store
            .enqueue_job(new_job(&acc, JobKind::Delete))
            .unwrap()
            .id
    };

    let queued = enqueue(&mut store);
    assert_eq!(
        store.request_cancel(&queued).unwrap().state,
        JobState::Cancelled
    );

    let waiting = enqueue(&mut store);
    store
        .defer_job(&waiting, LATER, "rate_limited", "429")
        .unwrap();
    assert_eq!(
        store.request_cancel(&waiting).unwrap().state,
        JobState::Cancelled
    );

    let held = enqueue(&mut store);
    store
        .hold_job_for_attention(&held, "captcha", "DataDome")
        .unwrap();
    assert_eq!(
        store.request_cancel(&held).unwrap().state,
        JobState::Cancelled
    );

    let running = enqueue(&mut store);
    store.start_job(&running).unwrap();
    let asked = store.request_cancel(&running).unwrap();
    assert_eq!(
        (asked.state, asked.cancel_requested),
        (JobState::Running, true)
    );
    let stopped = store.mark_cancelled(&running).unwrap();
    assert_eq!(stopped.state, JobState::Cancelled);
    assert!(stopped.finished_at.is_some());

    for finished in [&queued, &running] {
        assert_eq!(
            fields(store.request_cancel(finished).unwrap_err()),
            vec![("state".to_owned(), FieldErrorCode::Invalid)]
        );
    }
    let done = enqueue(&mut store);
    store.start_job(&done).unwrap();
    store.finish_job(&done, &json!({})).unwrap();
    assert!(store.request_cancel(&done).is_err());
    let failed = enqueue(&mut store);
    store
        .fail_job(&failed, "moved", "HTML where JSON was expected")
        .unwrap();
    assert!(store.request_cancel(&failed).is_err());
    assert!(matches!(
        store.request_cancel("0190c2a4-0000-7000-8000-000000000000"),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn the_next_runnable_job_waits_for_its_time_and_for_the_person() {
    let (_dir, mut store) = fresh_store();
    let acc = account(&mut store, "A");
    let other = account(&mut store, "B");
    let first = store.enqueue_job(new_job(&acc, JobKind::Publish)).unwrap();
    store.start_job(&first.id).unwrap();
    store
        .defer_job(
            &first.id,
            "2026-12-07T12:00:00+01:00",
            "rate_limited",
            "Retry-After",
        )
        .unwrap();
    let deferred = store.job(&first.id).unwrap();
    assert_eq!(deferred.state, JobState::Waiting);
    assert_eq!(deferred.not_before.as_deref(), Some(LATER), "stored in UTC");
    let second = store.enqueue_job(new_job(&acc, JobKind::Hide)).unwrap();

    // The deferred job waits; the next one goes first.
    assert_eq!(
        store.next_runnable_job(&acc, NOW).unwrap().map(|j| j.id),
        Some(second.id.clone())
    );
    store.request_cancel(&second.id).unwrap();
    assert_eq!(store.next_runnable_job(&acc, NOW).unwrap(), None);
    assert_eq!(
        store.next_runnable_job(&acc, LATER).unwrap().map(|j| j.id),
        Some(first.id.clone())
    );

    // A captcha pauses the account's jobs until the person has solved it.
    store
        .set_pacing_state(
            &acc,
            &PacingState {
                attention: Some(Attention::Captcha),
                attention_message: Some("DataDome".into()),
                ..PacingState::default()
            },
        )
        .unwrap();
    assert_eq!(store.next_runnable_job(&acc, LATER).unwrap(), None);
    assert!(store.accounts_with_runnable_jobs(LATER).unwrap().is_empty());
    store.clear_attention(&acc).unwrap();
    assert!(store.next_runnable_job(&acc, LATER).unwrap().is_some());

    // A restriction with an end lets the jobs go once it has passed.
    store
        .set_pacing_state(
            &acc,
            &PacingState {
                attention: Some(Attention::Restricted),
                attention_until: Some("2026-12-07T10:30:00.000Z".into()),
                ..PacingState::default()
            },
        )
        .unwrap();
    assert_eq!(store.next_runnable_job(&acc, NOW).unwrap(), None);
    assert!(store.next_runnable_job(&acc, LATER).unwrap().is_some());

    let third = store.enqueue_job(new_job(&other, JobKind::Unhide)).unwrap();
    assert_eq!(
        store.accounts_with_runnable_jobs(NOW).unwrap(),
        vec![other.clone()]
    );
    let mut both = store.accounts_with_runnable_jobs(LATER).unwrap();
    both.sort();
    let mut expected = vec![acc.clone(), other.clone()];
    expected.sort();
    assert_eq!(both, expected);

    // Jobs held for the person go back to the queue once they are dealt with.
    store.start_job(&third.id).unwrap();
    store
        .hold_job_for_attention(&third.id, "login_expired", "log in again")
        .unwrap();
    assert_eq!(store.next_runnable_job(&other, LATER).unwrap(), None);
    assert_eq!(store.resume_attention_jobs(&other).unwrap(), 1);
    let back = store
        .next_runnable_job(&other, LATER)
        .unwrap()
        .expect("queued again");
    assert_eq!((back.id, back.error_code), (third.id, None));
    assert!(matches!(
        store.next_runnable_job(&acc, "yesterday"),
        Err(StoreError::Validation(_))
    ));
}

#[test]
fn jobs_are_listed_newest_first_a_page_at_a_time() {
    let (_dir, mut store) = fresh_store();
    let acc = account(&mut store, "A");
    let other = account(&mut store, "B");
    let ids: Vec<String> = (0..3)
        .map(|_| {
            store
                .enqueue_job(new_job(&acc, JobKind::EditPrice))
                .unwrap()
                .id
        })
        .collect();
    store
        .enqueue_job(new_job(&other, JobKind::EditPrice))
        .unwrap();
    store.request_cancel(&ids[0]).unwrap();

    let page = store
        .list_jobs(&JobFilter {
            account_id: Some(acc.clone()),
            page: 1,
            per_page: 2,
            ..JobFilter::default()
        })
        .unwrap();
    assert_eq!(page.total, 3);
    let listed: Vec<&str> = page.items.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(listed, vec![ids[2].as_str(), ids[1].as_str()]);
    let second = store
        .list_jobs(&JobFilter {
            account_id: Some(acc.clone()),
            page: 2,
            per_page: 2,
            ..JobFilter::default()
        })
        .unwrap();
    assert_eq!(second.items.len(), 1);
    assert_eq!(second.items[0].id, ids[0]);

    let queued = store
        .list_jobs(&JobFilter {
            states: vec![JobState::Queued],
            ..JobFilter::default()
        })
        .unwrap();
    assert_eq!(queued.total, 3, "every account's queued jobs");
    assert_eq!(
        fields(
            store
                .list_jobs(&JobFilter {
                    page: 0,
                    per_page: 501,
                    ..JobFilter::default()
                })
                .unwrap_err()
        ),
        vec![
            ("page".to_owned(), FieldErrorCode::Invalid),
            ("perPage".to_owned(), FieldErrorCode::TooLarge)
        ]
    );
}

fn entry(account_id: &str, outcome: AuditOutcome) -> AuditEntry {
    AuditEntry {
        account_id: account_id.to_owned(),
        job_id: None,
        job_kind: None,
        relist: false,
        method: "PUT".into(),
        path: "/api/v2/item_upload/items/101".into(),
        summary: json!({"item": {"id": 101, "price": 12.5}}),
        http_status: Some(200),
        outcome,
        message: None,
    }
}

#[test]
fn the_caps_count_the_writes_vinted_saw() {
    let (_dir, mut store) = fresh_store();
    let acc = account(&mut store, "A");
    let relist = store.enqueue_job(new_job(&acc, JobKind::Relist)).unwrap();
    let start = seller_store::now_rfc3339();
    for outcome in [
        AuditOutcome::Sent,
        AuditOutcome::Refused,
        AuditOutcome::Failed,
        AuditOutcome::DryRun,
    ] {
        store.record_audit(&entry(&acc, outcome)).unwrap();
    }
    // A relist job's copy counts as a relist; its hide of the old listing as a plain write.
    let mut relisted = entry(&acc, AuditOutcome::Sent);
    relisted.job_id = Some(relist.id.clone());
    relisted.relist = true;
    store.record_audit(&relisted).unwrap();
    let mut hidden = entry(&acc, AuditOutcome::Sent);
    hidden.job_id = Some(relist.id.clone());
    store.record_audit(&hidden).unwrap();
    let mut simulated = relisted.clone();
    simulated.outcome = AuditOutcome::DryRun;
    store.record_audit(&simulated).unwrap();

    assert_eq!(store.writes_since(&acc, &start).unwrap(), 4);
    assert_eq!(
        store.relists_since(&acc, &start).unwrap(),
        1,
        "only the copy's publish"
    );
    let times = store.write_times_since(&acc, &start).unwrap();
    assert_eq!(
        times.iter().filter(|(_, relist)| *relist).count(),
        1,
        "{times:?}"
    );
    assert_eq!(store.writes_since(&acc, "2999-01-01T00:00:00Z").unwrap(), 0);
    let page = store
        .list_audit(&AuditFilter {
            account_id: Some(acc.clone()),
            ..AuditFilter::default()
        })
        .unwrap();
    assert_eq!(page.total, 7);
    assert_eq!(
        page.items[0].job_kind,
        Some(JobKind::Relist),
        "newest first"
    );
    assert_eq!(page.items[0].outcome, AuditOutcome::DryRun);

    // Nothing that names a secret is logged.
    let mut leaking = entry(&acc, AuditOutcome::Sent);
    leaking.path = "/web/api/auth/refresh?access_token=abc".into();
    leaking.summary = json!({"headers": {"x-csrf-token": "abc"}});
    let refused: Vec<String> = fields(store.record_audit(&leaking).unwrap_err())
        .into_iter()
        .map(|(field, _)| field)
        .collect();
    assert_eq!(refused, vec!["path", "summary"]);
}

#[test]
fn the_audit_log_exports_as_csv_without_formulas() {
    let (dir, mut store) = fresh_store();
    let acc = account(&mut store, "=Boutique");
    let other = account(&mut store, "B");
    let mut first = entry(&acc, AuditOutcome::Sent);
    first.summary = json!({"title": "=HYPERLINK(\"http://x\")"});
    first.message = Some("@SUM(A1)".into());
    store.record_audit(&first).unwrap();
    store
        .record_audit(&entry(&other, AuditOutcome::Refused))
        .unwrap();

    let path = dir.path().join("audit.csv");
    let written = store
        .export_audit_csv(Some(&acc), &path, CsvLanguage::En)
        .unwrap();
    assert_eq!(written, 1);
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b',')
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(headers[0], "Time (UTC)");
    assert_eq!(headers.len(), 11);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(&row[1], "'=Boutique");
    assert_eq!(&row[2], acc.as_str());
    assert_eq!(&row[5], "PUT");
    assert_eq!(&row[7], "200");
    assert_eq!(&row[8], "sent");
    assert_eq!(&row[9], "'@SUM(A1)");
    assert_eq!(&row[10], r#"{"title":"=HYPERLINK(\"http://x\")"}"#);

    // Every account's log, replacing the earlier file.
    assert_eq!(
        store
            .export_audit_csv(None, &path, CsvLanguage::Fr)
            .unwrap(),
        2
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("\u{feff}Date (UTC);Compte;"), "{text}");
    assert_eq!(text.lines().count(), 3);
}

#[test]
fn pacing_has_the_documented_defaults_and_refuses_wrong_settings() {
    let (_dir, mut store) = fresh_store();
    let acc = account(&mut store, "A");
    let defaults = store.pacing_settings(&acc).unwrap();
    assert_eq!(defaults, PacingSettings::default());
    assert_eq!(
        (defaults.read_gap_min_ms, defaults.read_gap_max_ms),
        (1_500, 4_000)
    );
    assert_eq!(
        (defaults.write_gap_min_ms, defaults.write_gap_max_ms),
        (20_000, 50_000)
    );
    assert_eq!(
        (defaults.writes_per_hour, defaults.writes_per_day),
        (40, 300)
    );
    assert_eq!(
        (defaults.relists_per_hour, defaults.relists_per_day),
        (4, 15)
    );

    let wrong = PacingSettings {
        read_gap_min_ms: -1,
        write_gap_min_ms: 60_000,
        write_gap_max_ms: 30_000,
        relists_per_day: 0,
        ..PacingSettings::default()
    };
    assert_eq!(
        fields(store.set_pacing_settings(&acc, &wrong).unwrap_err()),
        vec![
            ("readGapMinMs".to_owned(), FieldErrorCode::Negative),
            ("relistsPerDay".to_owned(), FieldErrorCode::Invalid),
            ("writeGapMaxMs".to_owned(), FieldErrorCode::Invalid),
        ]
    );
    assert_eq!(
        store.pacing_settings(&acc).unwrap(),
        defaults,
        "nothing saved"
    );

    let slower = PacingSettings {
        writes_per_hour: 20,
        relists_per_day: 5,
        ..PacingSettings::default()
    };
    assert_eq!(store.set_pacing_settings(&acc, &slower).unwrap(), slower);
    assert_eq!(store.pacing_settings(&acc).unwrap(), slower);

    let state = PacingState {
        cooldown_until: Some("2026-12-07T10:15:00+00:00".into()),
        cooldown_level: 2,
        attention: None,
        attention_until: None,
        attention_message: None,
    };
    let stored = store.set_pacing_state(&acc, &state).unwrap();
    assert_eq!(
        stored.cooldown_until.as_deref(),
        Some("2026-12-07T10:15:00.000Z")
    );
    assert_eq!(store.pacing_state(&acc).unwrap(), stored);
    assert_eq!(
        store.pacing_settings(&acc).unwrap(),
        slower,
        "settings kept"
    );
    let bad = PacingState {
        cooldown_until: Some("soon".into()),
        cooldown_level: -1,
        ..PacingState::default()
    };
    assert_eq!(
        fields(store.set_pacing_state(&acc, &bad).unwrap_err()),
        vec![
            ("cooldownUntil".to_owned(), FieldErrorCode::Invalid),
            ("cooldownLevel".to_owned(), FieldErrorCode::Negative),
        ]
    );
    assert!(matches!(
        store.set_pacing_settings("0190c2a4-0000-7000-8000-000000000000", &slower),
        Err(StoreError::ForeignKey(_))
    ));
}

fn listing(id: &str, title: &str, price_cents: i64, status: ListingStatus) -> WardrobeListing {
    WardrobeListing {
        listing_id: id.to_owned(),
        title: title.to_owned(),
        photo_url: Some(format!("https://images.vinted.net/{id}.jpg")),
        price_cents,
        status,
        listed_at: Some("2026-11-02T08:00:00Z".to_owned()),
        sku: None,
    }
}

fn listing_rows(store: &Store) -> Vec<(String, String, String, Option<String>)> {
    let conn = store.connection();
    let mut stmt = conn
        .prepare("SELECT id, listing_id, status, gone_at FROM seller_listings ORDER BY listing_id")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn an_import_read_twice_changes_nothing_and_keeps_what_it_no_longer_finds() {
    let (_dir, mut store) = fresh_store();
    let acc = account(&mut store, "A");
    let wardrobe = vec![
        listing("101", "Robe d'été", 2_790, ListingStatus::Active),
        listing("102", "Jean", 1_500, ListingStatus::Sold),
        listing("103", "Pull", 900, ListingStatus::Hidden),
    ];
    let first = store
        .upsert_listings(&acc, &wardrobe, "2026-12-07T10:00:00Z")
        .unwrap();
    assert_eq!((first.inserted, first.changed, first.unchanged), (3, 0, 0));
    let before = listing_rows(&store);
    let again = store
        .upsert_listings(&acc, &wardrobe, "2026-12-07T11:00:00Z")
        .unwrap();
    assert_eq!((again.inserted, again.changed, again.unchanged), (0, 0, 3));
    assert_eq!(listing_rows(&store), before, "same rows, same ids");
    assert_eq!(
        store
            .mark_unseen_listings_gone(&acc, "2026-12-07T11:00:00Z")
            .unwrap(),
        0
    );

    // The next import no longer finds 103: kept, marked deleted.
    let import_start = "2026-12-08T09:00:00.000Z";
    store
        .upsert_listings(&acc, &wardrobe[..2], import_start)
        .unwrap();
    assert_eq!(
        store.mark_unseen_listings_gone(&acc, import_start).unwrap(),
        1
    );
    let rows = listing_rows(&store);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2].1, "103");
    assert_eq!(rows[2].2, "deleted");
    assert!(rows[2].3.is_some());
    assert_eq!(
        store.mark_unseen_listings_gone(&acc, import_start).unwrap(),
        0,
        "marked once"
    );

    // Found again later: back, with its status.
    let back = store
        .upsert_listings(&acc, &wardrobe[2..], "2026-12-09T09:00:00Z")
        .unwrap();
    assert_eq!(back.changed, 1);
    let rows = listing_rows(&store);
    assert_eq!((rows[2].2.as_str(), rows[2].3.clone()), ("hidden", None));
    assert_eq!(rows[2].0, before[2].0);

    let wrong = WardrobeListing {
        listing_id: " ".into(),
        price_cents: -1,
        listed_at: Some("hier".into()),
        ..listing("x", "x", 0, ListingStatus::Active)
    };
    assert_eq!(
        fields(
            store
                .upsert_listings(&acc, &[wrong], import_start)
                .unwrap_err()
        ),
        vec![
            ("listingId".to_owned(), FieldErrorCode::Required),
            ("priceCents".to_owned(), FieldErrorCode::Negative),
            ("listedAt".to_owned(), FieldErrorCode::Invalid),
        ]
    );
}

#[test]
fn listings_show_the_item_they_are_linked_to() {
    let (_dir, mut store) = fresh_store();
    let acc = account(&mut store, "A");
    let product = store
        .create_product(ProductDraft {
            sku: Some("SP-000042".into()),
            ..ProductDraft::titled("Robe bleue")
        })
        .unwrap();
    let mut linked = listing("201", "Robe bleue Sézane", 3_500, ListingStatus::Active);
    linked.sku = Some("SP-000042".into());
    store
        .upsert_listings(
            &acc,
            &[
                linked.clone(),
                listing("202", "Veste", 4_000, ListingStatus::Reserved),
            ],
            NOW,
        )
        .unwrap();
    // A later read without the SKU keeps the link.
    linked.sku = None;
    store.upsert_listings(&acc, &[linked], LATER).unwrap();

    let all = store.list_listings(&ListingFilter::default()).unwrap();
    assert_eq!(all.total, 2);
    let row = all.items.iter().find(|r| r.listing_id == "201").unwrap();
    assert_eq!(row.sku.as_deref(), Some("SP-000042"));
    let shown = row.product.as_ref().expect("linked");
    assert_eq!(
        (shown.id.as_str(), shown.title.as_str()),
        (product.id.as_str(), "Robe bleue")
    );
    assert_eq!(row.listed_at.as_deref(), Some("2026-11-02T08:00:00.000Z"));

    let unlinked = store
        .list_listings(&ListingFilter {
            linked: Some(false),
            ..ListingFilter::default()
        })
        .unwrap();
    assert_eq!(unlinked.items.len(), 1);
    assert_eq!(unlinked.items[0].listing_id, "202");
    assert_eq!(store.unlinked_listing_ids(&acc).unwrap(), vec!["202"]);

    let found = store
        .list_listings(&ListingFilter {
            search: Some("sézane".into()),
            account_id: Some(acc.clone()),
            ..ListingFilter::default()
        })
        .unwrap();
    assert_eq!(found.total, 1);
    let by_price = store
        .list_listings(&ListingFilter {
            sort: ListingSort {
                field: ListingSortField::Price,
                dir: SortDir::Desc,
            },
            ..ListingFilter::default()
        })
        .unwrap();
    let order: Vec<&str> = by_price
        .items
        .iter()
        .map(|r| r.listing_id.as_str())
        .collect();
    assert_eq!(order, vec!["202", "201"]);

    store.link_listing(&acc, "202", Some("SP-000042")).unwrap();
    assert!(store.unlinked_listing_ids(&acc).unwrap().is_empty());
    store.link_listing(&acc, "202", None).unwrap();
    assert!(matches!(
        store.link_listing(&acc, "202", Some("SP-999")),
        Err(StoreError::UnknownSku { .. })
    ));
    assert!(matches!(
        store.link_listing(&acc, "999", None),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn items_made_from_listings_are_one_per_listing_and_linked() {
    let (_dir, mut store) = fresh_store();
    let acc = account(&mut store, "A");
    let wardrobe = vec![
        listing("301", "Robe d'été", 2_790, ListingStatus::Active),
        listing("302", "Jean", 1_500, ListingStatus::Sold),
    ];
    store.upsert_listings(&acc, &wardrobe, NOW).unwrap();
    let ids = store.unlinked_listing_ids(&acc).unwrap();
    let created = store.create_products_from_listings(&acc, &ids).unwrap();
    assert_eq!(created.len(), 2);

    let robe = store.product(&created[0]).unwrap();
    assert_eq!(robe.title, "Robe d'été");
    assert_eq!(robe.price_cents, 2_790);
    assert_eq!((robe.status, robe.quantity), (ProductStatus::Listed, 1));
    assert_eq!(robe.sku, "SP-000001", "from the shop's SKU pattern");
    assert_eq!(
        robe.created_at, "2026-11-02T08:00:00.000Z",
        "the listing's date"
    );
    let jean = store.product(&created[1]).unwrap();
    assert_eq!((jean.status, jean.quantity), (ProductStatus::Sold, 0));
    assert_ne!(jean.sku, robe.sku);

    let listings = store.list_listings(&ListingFilter::default()).unwrap();
    for row in &listings.items {
        let product = row.product.as_ref().expect("linked");
        assert!(created.contains(&product.id));
    }
    assert!(store.unlinked_listing_ids(&acc).unwrap().is_empty());
    let again = store
        .create_products_from_listings(&acc, &["301".to_owned(), "302".to_owned()])
        .unwrap();
    assert!(again.is_empty(), "a linked listing makes no second item");
    let count: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM seller_products", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 2);

    // All or nothing: an unknown listing leaves no item behind.
    store
        .upsert_listings(
            &acc,
            &[listing("303", "Pull", 900, ListingStatus::Active)],
            NOW,
        )
        .unwrap();
    assert!(matches!(
        store.create_products_from_listings(&acc, &["303".to_owned(), "404".to_owned()]),
        Err(StoreError::NotFound { .. })
    ));
    let count: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM seller_products", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 2);
}

#[test]
fn listing_photos_are_kept_within_bounds_and_completed_position_by_position() {
    let (_dir, mut store) = fresh_store();
    let acc = account(&mut store, "A");
    let wardrobe = vec![listing("401", "Robe", 2_790, ListingStatus::Active)];
    let mut urls: Vec<String> = (1..=30)
        .map(|n| format!("https://images1.vinted.net/t/{n}.jpeg"))
        .collect();
    urls.insert(1, "http://127.0.0.1:9515/session".to_owned());
    let photos = vec![("401".to_owned(), urls)];
    let allowed = |url: &str| url.starts_with("https://images1.vinted.net/");
    store
        .upsert_listings_with_photos(&acc, &wardrobe, &photos, &allowed, NOW)
        .unwrap();
    let kept = store.listing_photo_urls(&acc, "401").unwrap();
    assert_eq!(kept.len(), seller_store::products::MAX_PHOTOS, "capped");
    assert!(kept.iter().all(|url| allowed(url)), "{kept:?}");
    assert_eq!(kept[1], "https://images1.vinted.net/t/2.jpeg");

    let made = store
        .create_items_from_listings(&acc, &["401".to_owned()])
        .unwrap();
    let product = made[0].product_id.clone();
    let missing = |store: &mut Store| store.write(|tx| tx.items_missing_listing_photos(&acc));
    assert_eq!(missing(&mut store).unwrap(), made, "no photo yet");
    assert_eq!(
        store.missing_listing_photos(&product, 3).unwrap(),
        vec![0, 1, 2]
    );
    // Positions 1 and 3 came; 2 failed.
    assert!(
        store
            .attach_listing_photo(&product, 0, "photos/a.jpg")
            .unwrap()
    );
    assert!(
        store
            .attach_listing_photo(&product, 2, "photos/c.jpg")
            .unwrap()
    );
    assert!(
        !store
            .attach_listing_photo(&product, 2, "photos/c2.jpg")
            .unwrap(),
        "a position taken is not taken twice"
    );
    assert!(
        !store
            .attach_listing_photo(&product, seller_store::products::MAX_PHOTOS, "photos/z.jpg")
            .unwrap()
    );
    assert_eq!(store.missing_listing_photos(&product, 3).unwrap(), vec![1]);
    assert_eq!(missing(&mut store).unwrap(), made, "still short of photos");
    for position in 1..seller_store::products::MAX_PHOTOS {
        if position != 2 {
            assert!(
                store
                    .attach_listing_photo(&product, position, &format!("photos/{position}.jpg"))
                    .unwrap()
            );
        }
    }
    assert!(missing(&mut store).unwrap().is_empty(), "complete");
    assert_eq!(
        store.product(&product).unwrap().photos.len(),
        seller_store::products::MAX_PHOTOS
    );
}

#[test]
fn an_item_the_person_saved_no_longer_gets_its_listing_photos_filled_in() {
    let (_dir, mut store) = fresh_store();
    let acc = account(&mut store, "A");
    let wardrobe = vec![
        listing("501", "Robe", 2_790, ListingStatus::Active),
        listing("502", "Jupe", 1_500, ListingStatus::Active),
    ];
    let urls = |id: &str| -> Vec<String> {
        (1..=3)
            .map(|n| format!("https://images1.vinted.net/t/{id}-{n}.jpeg"))
            .collect()
    };
    let photos = vec![
        ("501".to_owned(), urls("501")),
        ("502".to_owned(), urls("502")),
    ];
    let allowed = |url: &str| url.starts_with("https://images1.vinted.net/");
    store
        .upsert_listings_with_photos(&acc, &wardrobe, &photos, &allowed, NOW)
        .unwrap();
    let made = store
        .create_items_from_listings(&acc, &["501".to_owned(), "502".to_owned()])
        .unwrap();
    let (price_edited, reordered) = (made[0].product_id.clone(), made[1].product_id.clone());
    // Each got photos 1 and 3 of its listing; photo 2 failed.
    for product in [&price_edited, &reordered] {
        for position in [0, 2] {
            assert!(
                store
                    .attach_listing_photo(
                        product,
                        position,
                        &format!("photos/{product}-{position}.jpg")
                    )
                    .unwrap()
            );
        }
    }
    let missing = |store: &mut Store| store.write(|tx| tx.items_missing_listing_photos(&acc));
    assert_eq!(missing(&mut store).unwrap(), made, "both lack photo 2");

    // The person changes one item's price and puts the other's photos in another order: the
    // editor saves the photos at positions 0 and 1.
    let draft_of = |store: &Store, id: &str| {
        let p = store.product(id).unwrap();
        ProductDraft {
            sku: Some(p.sku),
            price_cents: p.price_cents,
            quantity: p.quantity,
            status: p.status,
            photos: p.photos,
            ..ProductDraft::titled(&p.title)
        }
    };
    let mut edit = draft_of(&store, &price_edited);
    edit.price_cents = 2_500;
    store.update_product(&price_edited, edit).unwrap();
    let mut edit = draft_of(&store, &reordered);
    edit.photos.reverse();
    let kept = edit.photos.clone();
    store.update_product(&reordered, edit).unwrap();

    assert!(
        missing(&mut store).unwrap().is_empty(),
        "nothing to fill in"
    );
    for product in [&price_edited, &reordered] {
        assert!(
            store.missing_listing_photos(product, 3).unwrap().is_empty(),
            "{product}"
        );
        // Position 2 is free again after the rewrite, yet an import step already under way
        // does not put the listing's photo back there.
        assert!(
            !store
                .attach_listing_photo(product, 2, "photos/again.jpg")
                .unwrap()
        );
        assert_eq!(store.product(product).unwrap().photos.len(), 2);
    }
    assert_eq!(store.product(&reordered).unwrap().photos, kept);
}

#[test]
fn deleting_an_account_keeps_its_audit_log() {
    let (_dir, mut store) = fresh_store();
    let acc = account(&mut store, "A");
    let job = store.enqueue_job(new_job(&acc, JobKind::Delete)).unwrap();
    let mut sent = entry(&acc, AuditOutcome::Sent);
    sent.job_id = Some(job.id.clone());
    let record = store.record_audit(&sent).unwrap();
    store
        .set_pacing_settings(&acc, &PacingSettings::default())
        .unwrap();
    store
        .upsert_listings(
            &acc,
            &[listing("401", "Robe", 100, ListingStatus::Active)],
            NOW,
        )
        .unwrap();

    store.delete_account(&acc).unwrap();
    let log = store.list_audit(&AuditFilter::default()).unwrap();
    assert_eq!(log.total, 1);
    let kept = &log.items[0];
    assert_eq!(kept.id, record);
    assert_eq!(
        (kept.account_id.as_deref(), kept.job_id.as_deref()),
        (None, None)
    );
    assert_eq!(
        kept.job_kind,
        Some(JobKind::Delete),
        "the kind outlives the job"
    );
    assert!(matches!(
        store.job(&job.id),
        Err(StoreError::NotFound { .. })
    ));
    let pacing_rows: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM vinted_pacing", [], |r| r.get(0))
        .unwrap();
    assert_eq!(pacing_rows, 0);
}

#[test]
fn reference_data_is_kept_per_domain_until_replaced() {
    let (_dir, mut store) = fresh_store();
    assert_eq!(
        store
            .cached_reference("www.vinted.fr", "catalogs", "")
            .unwrap(),
        None
    );
    store
        .cache_reference("www.vinted.fr", "catalogs", "", &json!({"catalogs": [1]}))
        .unwrap();
    store
        .cache_reference("www.vinted.de", "catalogs", "", &json!({"catalogs": [2]}))
        .unwrap();
    store
        .cache_reference("www.vinted.fr", "catalogs", "", &json!({"catalogs": [3]}))
        .unwrap();
    let fr = store
        .cached_reference("www.vinted.fr", "catalogs", "")
        .unwrap()
        .expect("kept");
    assert_eq!(fr.body, json!({"catalogs": [3]}));
    let de = store
        .cached_reference("www.vinted.de", "catalogs", "")
        .unwrap()
        .expect("kept");
    assert_eq!(de.body, json!({"catalogs": [2]}));
    assert!(
        store
            .cache_reference(" ", "brands", "x", &json!([]))
            .is_err()
    );
}
