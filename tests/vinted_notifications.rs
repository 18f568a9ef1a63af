//! Notifications, favourites and the messages to favouriters as the app runs them: the job
//! queue in a real store, the account's real Chromium session behind tinyproxy, logged in on the
//! local Vinted; every call made from inside the page.

#![cfg(target_os = "linux")]

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime};

use seller_panel_tests::fake_vinted::{
    self, Failure, FakeVinted, FavouriteLink, NewNotification, Step, USER_ID,
};
use seller_panel_tests::vinted::{Harness, quick_pacing};
use seller_store::raw::RawSql;
use seller_store::vinted::notifications::{
    FavoriteFilter, FavoriteRow, NotificationFilter, NotificationKind, NotificationRow,
    OutreachCaps, OutreachMode, OutreachRequest, OutreachState,
};
use seller_store::vinted::{Job, JobFilter, JobKind, JobState};
use serde_json::{Value, json};

const WITHIN: Duration = Duration::from_secs(240);

fn ago(minutes: u64) -> SystemTime {
    secs_ago(minutes * 60)
}

fn secs_ago(secs: u64) -> SystemTime {
    SystemTime::now() - Duration::from_secs(secs)
}

/// Seconds from `from` to `to` (negative when `to` is earlier).
fn gap_secs(from: SystemTime, to: SystemTime) -> i64 {
    match to.duration_since(from) {
        Ok(after) => after.as_secs() as i64,
        Err(before) => -(before.duration().as_secs() as i64),
    }
}

fn notifications(harness: &Harness) -> Vec<NotificationRow> {
    let filter = NotificationFilter {
        account_id: Some(harness.account_id.clone()),
        page: 1,
        per_page: 500,
        ..NotificationFilter::default()
    };
    harness
        .db
        .lock()
        .list_notifications(&filter)
        .expect("listing notifications")
        .items
}

fn favorites(harness: &Harness) -> Vec<FavoriteRow> {
    let filter = FavoriteFilter {
        account_id: Some(harness.account_id.clone()),
        page: 1,
        per_page: 500,
        ..FavoriteFilter::default()
    };
    harness
        .db
        .lock()
        .list_favorites(&filter)
        .expect("listing favourites")
        .items
}

fn jobs_of(harness: &Harness, kind: JobKind) -> Vec<Job> {
    let filter = JobFilter {
        account_id: Some(harness.account_id.clone()),
        page: 1,
        per_page: 500,
        ..JobFilter::default()
    };
    harness
        .db
        .lock()
        .list_jobs(&filter)
        .expect("listing jobs")
        .items
        .into_iter()
        .filter(|job| job.kind == kind)
        .collect()
}

async fn run(harness: &Harness, kind: JobKind, payload: Value) -> Job {
    let job = harness.enqueue(kind, payload, false).await;
    let job = harness
        .wait_for_job(&job.id, &[JobState::Done, JobState::Failed], WITHIN)
        .await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    job
}

async fn read_notifications(harness: &Harness) -> Value {
    run(harness, JobKind::ReadNotifications, json!({}))
        .await
        .result
        .expect("a summary")
}

/// The seller's live listings on the fake.
fn live_items(fake: &FakeVinted) -> Vec<fake_vinted::Item> {
    fake.items()
        .into_iter()
        .filter(|i| i.user_id == USER_ID && i.is_live())
        .collect()
}

fn other(
    entry_type: u64,
    item: u64,
    user: u64,
    body: &str,
    link: Option<String>,
    at: SystemTime,
) -> NewNotification {
    NewNotification {
        recipient: USER_ID,
        entry_type,
        subject_id: Some(item),
        user_id: Some(user),
        user_login: Some(format!("membre_{user}")),
        body: body.into(),
        link,
        at,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn favourites_come_from_notifications_in_both_link_forms_and_a_second_read_adds_nothing() {
    let fake = FakeVinted::start();
    let harness = Harness::start(&fake, quick_pacing()).await;
    run(
        &harness,
        JobKind::ImportListings,
        json!({"linkBySku": false}),
    )
    .await;
    let items = live_items(&fake);
    assert!(items.len() >= 2, "the fake's seller has live listings");
    let (a, b) = (&items[0], &items[1]);

    // 41 notifications of the last week (three pages of 20), one older that Vinted dropped.
    let mut expected_favourites = HashSet::new();
    for k in 0..30u64 {
        let item = if k % 2 == 0 { a } else { b };
        let user = 700_000 + k % 10;
        let form = if k % 3 == 0 {
            FavouriteLink::WantIt
        } else {
            FavouriteLink::Messaging
        };
        fake.favourite(
            USER_ID,
            item.id,
            user,
            &format!("membre_{user}"),
            ago(60 + k * 90),
            form,
        );
        expected_favourites.insert((item.id.to_string(), user.to_string()));
    }
    fake.push_notification(other(
        110,
        a.id,
        700_100,
        "Nouveau message de membre_700100",
        None,
        ago(10),
    ));
    fake.push_notification(other(
        110,
        b.id,
        700_101,
        "Nouveau message de membre_700101",
        None,
        ago(12),
    ));
    fake.push_notification(other(
        120,
        a.id,
        700_102,
        "membre_700102 te propose 20,00 €",
        None,
        ago(20),
    ));
    fake.push_notification(other(
        126,
        a.id,
        700_103,
        "Offre refusée",
        None,
        ago(60 * 30),
    ));
    fake.push_notification(other(
        400,
        b.id,
        700_104,
        "Article vendu !",
        Some("/transactions/912345".into()),
        ago(30),
    ));
    fake.push_notification(other(
        30,
        USER_ID,
        700_105,
        "membre_700105 s'est abonné",
        None,
        ago(40),
    ));
    fake.push_notification(other(50, a.id, 700_106, "Baisse de prix", None, ago(50)));
    fake.push_notification(other(
        300,
        5_999,
        700_107,
        "Un favori a été vendu",
        None,
        ago(70),
    ));
    fake.push_notification(other(750, b.id, 0, "Baisse ton prix", None, ago(80)));
    fake.push_notification(other(750, b.id, 0, "Baisse ton prix", None, ago(90)));
    fake.push_notification(other(
        110,
        a.id,
        700_108,
        "Trop vieux",
        None,
        ago(8 * 24 * 60),
    ));
    fake.push_notification(other(
        110,
        a.id,
        700_109,
        "Message d'hier",
        None,
        ago(26 * 60),
    ));
    fake.clear_requests();

    let first = read_notifications(&harness).await;
    assert_eq!(first["seen"], 41, "{first}");
    assert_eq!(first["new"], 41, "{first}");
    assert_eq!(first["newFavorites"], expected_favourites.len(), "{first}");
    assert_eq!(first["route"], "api_host", "{first}");
    // Three pages on the API host's path, each read once.
    let pages: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/inbox-notifications/v1/notifications")
        .map(|r| r.query.unwrap_or_default())
        .collect();
    assert_eq!(
        pages,
        [
            "page=1&per_page=20",
            "page=2&per_page=20",
            "page=3&per_page=20"
        ]
    );

    let rows = notifications(&harness);
    assert_eq!(rows.len(), 41);
    let kinds = |kind| rows.iter().filter(|r| r.kind == kind).count();
    assert_eq!(kinds(NotificationKind::Message), 3);
    assert_eq!(kinds(NotificationKind::Offer), 2);
    assert_eq!(kinds(NotificationKind::Sale), 1);
    assert_eq!(kinds(NotificationKind::System), 35);
    assert!(rows.iter().all(|r| r.title != "Trop vieux"));

    let favs = favorites(&harness);
    let found: HashSet<(String, String)> = favs
        .iter()
        .map(|f| {
            (
                f.item_id.clone(),
                f.vinted_user_id.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(found, expected_favourites);
    assert_eq!(favs.len(), expected_favourites.len());
    for fav in &favs {
        let item = if fav.item_id == a.id.to_string() {
            a
        } else {
            b
        };
        assert_eq!(fav.item_title.as_deref(), Some(item.title.as_str()));
        assert!(fav.item_price_cents.is_some_and(|p| p > 0));
        assert!(fav.outreach.is_none(), "no item turned on");
    }

    // Desktop alerts: the new sale, messages and offer of the last day only.
    let alerts = harness.db.lock().take_desktop_alerts().expect("alerts");
    let mut alert_kinds: Vec<NotificationKind> = alerts.iter().map(|a| a.kind).collect();
    alert_kinds.sort_by_key(|k| k.as_str());
    assert_eq!(
        alert_kinds,
        [
            NotificationKind::Message,
            NotificationKind::Message,
            NotificationKind::Offer,
            NotificationKind::Sale
        ]
    );
    assert!(jobs_of(&harness, JobKind::MessageFavoriter).is_empty());

    // Read again, this time on the www route (the API host answering 404): nothing new.
    fake.set_notifications_api_host(true);
    let again = read_notifications(&harness).await;
    assert_eq!(again["seen"], 41, "{again}");
    assert_eq!(again["new"], 0, "{again}");
    assert_eq!(again["newFavorites"], 0, "{again}");
    assert_eq!(again["route"], "www", "{again}");
    assert_eq!(notifications(&harness).len(), 41);
    assert_eq!(favorites(&harness).len(), expected_favourites.len());
    assert!(
        harness
            .db
            .lock()
            .take_desktop_alerts()
            .expect("alerts")
            .is_empty()
    );
    harness.stop().await;
}

/// The message an item's favouriters get, turned on half an hour ago (favourites from before
/// are never messaged, and a message goes at most 30 minutes after its favourite: the tests'
/// favourites are 27 to 28 minutes old, so their messages go within the next three minutes).
fn opt_in(harness: &Harness, item: u64, mode: OutreachMode, message: &str, offer: Option<i64>) {
    let mut db = harness.db.lock();
    db.set_outreach(&OutreachRequest {
        account_id: harness.account_id.clone(),
        item_id: item.to_string(),
        enabled: true,
        mode,
        message: message.into(),
        offer_price_cents: offer,
        rules_accepted: true,
    })
    .expect("turned on");
    let half_an_hour_ago = (chrono::Utc::now() - chrono::Duration::minutes(31))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    db.connection()
        .execute(
            "UPDATE vinted_outreach_items SET rules_accepted_at = ?1 WHERE item_id = ?2",
            rusqlite::params![half_an_hour_ago, item.to_string()],
        )
        .expect("turned on earlier");
}

/// The replies that reached the fake: (conversation id, body).
fn replies(fake: &FakeVinted) -> Vec<(u64, String)> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/replies"))
        .map(|r| {
            let id = r
                .path
                .trim_start_matches("/api/v2/conversations/")
                .trim_end_matches("/replies")
                .parse()
                .expect("a conversation id");
            let body = r.body.as_ref().expect("a body")["reply"]["body"]
                .as_str()
                .expect("a text")
                .to_owned();
            (id, body)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_to_favouriters_hold_their_caps_and_reuse_an_existing_thread() {
    let fake = FakeVinted::start();
    let harness = Harness::start(&fake, quick_pacing()).await;
    run(
        &harness,
        JobKind::ImportListings,
        json!({"linkBySku": false}),
    )
    .await;
    let items = live_items(&fake);
    assert!(
        items.len() >= 3,
        "the fake's seller has three live listings"
    );
    fake.seed_inbox(20);
    // Item A has a thread with a buyer already: that buyer's message goes there.
    let (a, existing) = items
        .iter()
        .find_map(|item| {
            fake.conversations()
                .into_iter()
                .find(|c| c.seller_id == USER_ID && c.item_id == item.id)
                .map(|c| (item.clone(), c))
        })
        .expect("a thread about a live listing");
    let others: Vec<_> = items.iter().filter(|i| i.id != a.id).cloned().collect();
    let (b, d) = (&others[0], &others[1]);
    let (message_a, message_b) = (
        "Merci pour le favori ! Une question ?",
        "Bonjour, il vous plaît ?",
    );
    opt_in(&harness, a.id, OutreachMode::Message, message_a, None);
    opt_in(&harness, b.id, OutreachMode::Message, message_b, None);
    harness
        .db
        .lock()
        .set_outreach_caps(OutreachCaps {
            per_user_per_day: 1,
            per_item_per_day: 2,
            per_account_per_day: 3,
        })
        .expect("caps");

    let u1 = existing.buyer.id;
    let (u2, u3, u4, u5, u6) = (710_002, 710_003, 710_004, 710_005, 710_006);
    let favourited = std::cell::RefCell::new(HashMap::new());
    let fav = |item: u64, user: u64, secs: u64, form| {
        let at = secs_ago(secs);
        favourited.borrow_mut().insert((item, user), at);
        fake.favourite(USER_ID, item, user, &format!("membre_{user}"), at, form)
    };
    // Oldest first, so the caps take them in this order; 27 to 28 minutes old, so each
    // message's window (5 to 30 minutes after its favourite) ends within three minutes.
    fav(a.id, u1, 1680, FavouriteLink::Messaging); // planned, through the existing thread
    fav(a.id, u2, 1670, FavouriteLink::WantIt); // planned
    fav(a.id, u3, 1660, FavouriteLink::Messaging); // item A's cap (2)
    fav(b.id, u1, 1650, FavouriteLink::WantIt); // never twice to u1
    fav(b.id, u4, 1640, FavouriteLink::Messaging); // planned: the account's third
    fav(d.id, u5, 1630, FavouriteLink::Messaging); // item D not turned on
    fav(b.id, u6, 1620, FavouriteLink::WantIt); // the account's cap (3)
    fake.clear_requests();

    let read = read_notifications(&harness).await;
    assert_eq!(read["newFavorites"], 7, "{read}");
    assert_eq!(read["outreachQueued"], 3, "{read}");
    assert_eq!(read["outreachHeld"], 3, "{read}");
    let planned = jobs_of(&harness, JobKind::MessageFavoriter);
    assert_eq!(planned.len(), 3);
    // Each planned 5 to 30 minutes after its favourite.
    let gaps: Vec<i64> = {
        let db = harness.db.lock();
        let mut statement = db
            .connection()
            .prepare(
                "SELECT (julianday(due_at) - julianday(favorited_at)) * 86400.0
                 FROM vinted_outreach_sends WHERE state IN ('queued', 'sent')",
            )
            .expect("a query");
        statement
            .query_map([], |r| r.get::<_, f64>(0))
            .expect("the planned sends")
            .map(|gap| gap.expect("a gap").round() as i64)
            .collect()
    };
    assert_eq!(gaps.len(), 3);
    assert!(
        gaps.iter().all(|gap| (5 * 60..=30 * 60).contains(gap)),
        "{gaps:?}"
    );
    for job in &planned {
        let done = harness
            .wait_for_job(&job.id, &[JobState::Done, JobState::Failed], WITHIN)
            .await;
        assert_eq!(done.state, JobState::Done, "{done:#?}");
        assert_eq!(
            done.result.as_ref().expect("a result")["sent"],
            true,
            "{done:#?}"
        );
    }

    // What reached the fake: three threads asked for, three messages, one each.
    let starts: Vec<(u64, u64)> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == "/api/v2/conversations")
        .map(|r| {
            let body = r.body.expect("a body");
            assert_eq!(body["initiator"], "seller_enters_notification");
            (
                body["item_id"].as_u64().expect("an item"),
                body["opposite_user_id"].as_u64().expect("a member"),
            )
        })
        .collect();
    let starts: HashSet<_> = starts.into_iter().collect();
    assert_eq!(starts, HashSet::from([(a.id, u1), (a.id, u2), (b.id, u4)]));
    let sent = replies(&fake);
    assert_eq!(sent.len(), 3, "{sent:?}");
    // When each message reached Vinted, against its favourite: 5 to 30 minutes after (the
    // worker picks a due job up within seconds: 15 s of slack past the 30 minutes).
    for request in fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/replies"))
    {
        let id: u64 = request
            .path
            .trim_start_matches("/api/v2/conversations/")
            .trim_end_matches("/replies")
            .parse()
            .expect("a conversation id");
        let thread = fake
            .conversations()
            .into_iter()
            .find(|c| c.id == id)
            .expect("the thread");
        let favourite = favourited.borrow()[&(thread.item_id, thread.buyer.id)];
        let gap = gap_secs(favourite, request.time);
        assert!(
            (5 * 60..=30 * 60 + 15).contains(&gap),
            "the message to {} about {} went {gap} s after the favourite",
            thread.buyer.id,
            thread.item_id
        );
    }
    assert!(
        sent.contains(&(existing.id, message_a.to_owned())),
        "{sent:?}"
    );
    let thread_of = |item: u64, user: u64| {
        fake.conversations()
            .into_iter()
            .filter(|c| c.seller_id == USER_ID && c.item_id == item && c.buyer.id == user)
            .collect::<Vec<_>>()
    };
    for (item, user, body) in [
        (a.id, u1, message_a),
        (a.id, u2, message_a),
        (b.id, u4, message_b),
    ] {
        let threads = thread_of(item, user);
        assert_eq!(threads.len(), 1, "one thread for {item}/{user}");
        let mine: Vec<_> = threads[0]
            .messages
            .iter()
            .filter(|m| m.entity_type == "message" && m.entity["body"] == body)
            .collect();
        assert_eq!(mine.len(), 1, "the message once in {item}/{user}");
    }
    for (item, user) in [(a.id, u3), (b.id, u1), (d.id, u5), (b.id, u6)] {
        assert!(
            thread_of(item, user).is_empty(),
            "nothing sent to {user} about {item}"
        );
    }
    let states: HashMap<(String, String), Option<OutreachState>> = favorites(&harness)
        .into_iter()
        .map(|f| {
            (
                (f.item_id, f.vinted_user_id.unwrap_or_default()),
                f.outreach,
            )
        })
        .collect();
    assert_eq!(
        states[&(a.id.to_string(), u1.to_string())],
        Some(OutreachState::Sent)
    );
    assert_eq!(states[&(d.id.to_string(), u5.to_string())], None);

    // The same members favourite again (new notifications), and the read runs twice: nobody
    // gets a second message, and nothing more is planned.
    fav(a.id, u1, 300, FavouriteLink::WantIt);
    fav(a.id, u2, 240, FavouriteLink::Messaging);
    let again = read_notifications(&harness).await;
    assert_eq!(again["new"], 2, "{again}");
    assert_eq!(again["newFavorites"], 0, "{again}");
    assert_eq!(again["outreachQueued"], 0, "{again}");
    let third = read_notifications(&harness).await;
    assert_eq!(third["new"], 0, "{third}");
    assert_eq!(jobs_of(&harness, JobKind::MessageFavoriter).len(), 3);
    assert_eq!(replies(&fake).len(), 3);

    // The audit log holds every write: three threads and three messages.
    let audited = harness
        .db
        .lock()
        .list_audit(&seller_store::vinted::AuditFilter {
            account_id: Some(harness.account_id.clone()),
            page: 1,
            per_page: 100,
        })
        .expect("the audit log")
        .items
        .into_iter()
        .filter(|e| e.job_kind == Some(JobKind::MessageFavoriter))
        .count();
    assert_eq!(audited, 6);
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_in_the_middle_of_a_read_resumes_without_gaps_or_duplicates() {
    let fake = FakeVinted::start();
    let harness = Harness::start(&fake, quick_pacing()).await;
    for k in 0..50u64 {
        fake.push_notification(other(
            110,
            5_001,
            720_000 + k,
            &format!("Message {k}"),
            None,
            ago(10 + k),
        ));
    }
    fake.fail_notifications_page(
        2,
        Failure::RateLimited {
            retry_after_secs: 2,
        },
    );
    fake.clear_requests();
    let read = read_notifications(&harness).await;
    assert_eq!(read["new"], 50, "{read}");
    let rows = notifications(&harness);
    let titles: HashSet<String> = rows.iter().map(|r| r.title.clone()).collect();
    assert_eq!(rows.len(), 50);
    assert_eq!(titles, (0..50).map(|k| format!("Message {k}")).collect());
    // Page 1 was not read again after the 429: the read went on from page 2.
    let pages: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/inbox-notifications/v1/notifications")
        .map(|r| r.query.unwrap_or_default())
        .collect();
    assert_eq!(
        pages,
        [
            "page=1&per_page=20",
            "page=2&per_page=20",
            "page=2&per_page=20",
            "page=3&per_page=20"
        ]
    );
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_login_in_the_middle_of_a_read_resumes_after_the_person_without_gaps_or_duplicates()
 {
    let fake = FakeVinted::start();
    let harness = Harness::start(&fake, quick_pacing()).await;
    for k in 0..45u64 {
        fake.push_notification(other(
            120,
            5_001,
            730_000 + k,
            &format!("Offre {k}"),
            None,
            ago(20 + k),
        ));
    }
    fake.fail_notifications_page(2, Failure::LoginExpired);
    let job = harness
        .enqueue(JobKind::ReadNotifications, json!({}), false)
        .await;
    let paused = harness
        .wait_for_job(
            &job.id,
            &[JobState::NeedsAttention, JobState::Done, JobState::Failed],
            WITHIN,
        )
        .await;
    assert_eq!(paused.state, JobState::NeedsAttention, "{paused:#?}");
    assert_eq!(notifications(&harness).len(), 20, "page 1 was recorded");

    // Meanwhile three newer notifications push every entry down the pages.
    for k in 0..3u64 {
        fake.push_notification(other(
            110,
            5_001,
            740_000 + k,
            &format!("Nouveau {k}"),
            None,
            ago(k),
        ));
    }
    let resumed = harness
        .runner
        .resume_account(&harness.account_id)
        .await
        .expect("resuming");
    assert_eq!(resumed, 1);
    let done = harness
        .wait_for_job(&job.id, &[JobState::Done, JobState::Failed], WITHIN)
        .await;
    assert_eq!(done.state, JobState::Done, "{done:#?}");
    let rows = notifications(&harness);
    let titles: HashSet<String> = rows.iter().map(|r| r.title.clone()).collect();
    assert_eq!(rows.len(), titles.len(), "no duplicates");
    // Every offer is there: the pages shifted down, so none was skipped. The three newest were
    // on page 1, read before them: the next read takes them.
    let offers: HashSet<String> = (0..45).map(|k| format!("Offre {k}")).collect();
    assert!(offers.is_subset(&titles), "{titles:?}");
    assert_eq!(rows.len(), 45);
    let again = read_notifications(&harness).await;
    assert_eq!(again["new"], 3, "{again}");
    assert_eq!(notifications(&harness).len(), 48);
    harness.stop().await;
}

/// Cents of the fake's two-decimal amount (`"27.90"`).
fn cents_of(amount: &str) -> i64 {
    let (units, decimals) = amount.split_once('.').unwrap_or((amount, "0"));
    units.parse::<i64>().expect("units") * 100
        + format!("{decimals:0<2}")[..2]
            .parse::<i64>()
            .expect("cents")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_to_a_favouriter_goes_within_seller_options_and_is_refused_outside_before_sending()
{
    let fake = FakeVinted::start();
    let harness = Harness::start(&fake, quick_pacing()).await;
    run(
        &harness,
        JobKind::ImportListings,
        json!({"linkBySku": false}),
    )
    .await;
    let items = live_items(&fake);
    let (good, bad) = (&items[0], &items[1]);
    // Vinted allows 60 % to 100 % of the price here (`seller_range`).
    let good_price = cents_of(&good.price) * 9 / 10;
    let bad_price = (cents_of(&bad.price) * 3 / 10).max(1);
    opt_in(
        &harness,
        good.id,
        OutreachMode::Offer,
        "Une petite remise pour vous !",
        Some(good_price),
    );
    opt_in(
        &harness,
        bad.id,
        OutreachMode::Offer,
        "Une grosse remise pour vous !",
        Some(bad_price),
    );
    fake.favourite(
        USER_ID,
        good.id,
        750_001,
        "membre_750001",
        secs_ago(1680),
        FavouriteLink::Messaging,
    );
    fake.favourite(
        USER_ID,
        bad.id,
        750_002,
        "membre_750002",
        secs_ago(1670),
        FavouriteLink::WantIt,
    );
    fake.clear_requests();

    let read = read_notifications(&harness).await;
    assert_eq!(read["outreachQueued"], 2, "{read}");
    let mut results = HashMap::new();
    for job in jobs_of(&harness, JobKind::MessageFavoriter) {
        let done = harness
            .wait_for_job(&job.id, &[JobState::Done, JobState::Failed], WITHIN)
            .await;
        results.insert(
            job.payload["itemId"].as_str().expect("an item").to_owned(),
            done,
        );
    }
    let sent = &results[&good.id.to_string()];
    assert_eq!(sent.state, JobState::Done, "{sent:#?}");
    let refused = &results[&bad.id.to_string()];
    assert_eq!(refused.state, JobState::Failed, "{refused:#?}");

    let offers: Vec<Value> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/offers"))
        .map(|r| r.body.expect("a body"))
        .collect();
    let expected = format!("{}.{:02}", good_price / 100, good_price % 100);
    assert_eq!(
        offers,
        [json!({"offer": {"price": expected, "currency": "EUR"}})]
    );
    let thread = fake
        .conversations()
        .into_iter()
        .find(|c| c.item_id == good.id && c.buyer.id == 750_001)
        .expect("the thread");
    assert!(
        thread
            .messages
            .iter()
            .any(|m| m.entity_type == "offer_request_message")
    );
    // Nothing but the thread was asked for the refused one: no message, no offer.
    let bad_thread = fake
        .conversations()
        .into_iter()
        .find(|c| c.item_id == bad.id && c.buyer.id == 750_002)
        .expect("the thread asked for");
    assert!(bad_thread.messages.is_empty(), "{:?}", bad_thread.messages);
    let states: HashMap<String, Option<OutreachState>> = favorites(&harness)
        .into_iter()
        .map(|f| (f.item_id, f.outreach))
        .collect();
    assert_eq!(states[&good.id.to_string()], Some(OutreachState::Sent));
    assert_eq!(states[&bad.id.to_string()], Some(OutreachState::Skipped));
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_on_the_offer_to_a_favouriter_resumes_with_the_offer_alone() {
    let fake = FakeVinted::start();
    let harness = Harness::start(&fake, quick_pacing()).await;
    run(
        &harness,
        JobKind::ImportListings,
        json!({"linkBySku": false}),
    )
    .await;
    let item = live_items(&fake).remove(0);
    let price = cents_of(&item.price) * 9 / 10;
    let message = "Une petite remise pour vous !";
    opt_in(&harness, item.id, OutreachMode::Offer, message, Some(price));
    fake.favourite(
        USER_ID,
        item.id,
        760_001,
        "membre_760001",
        secs_ago(1680),
        FavouriteLink::Messaging,
    );
    // The message goes, then the offer's POST answers 429: the job waits and runs again.
    fake.fail_next(
        Step::OfferSend,
        Failure::RateLimited {
            retry_after_secs: 2,
        },
    );
    fake.clear_requests();
    let read = read_notifications(&harness).await;
    assert_eq!(read["outreachQueued"], 1, "{read}");
    let job = jobs_of(&harness, JobKind::MessageFavoriter).remove(0);
    let done = harness
        .wait_for_job(&job.id, &[JobState::Done, JobState::Failed], WITHIN)
        .await;
    assert_eq!(done.state, JobState::Done, "{done:#?}");

    // The message once, the offer asked twice (the 429, then the one that went), once in the
    // thread.
    let sent = replies(&fake);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].1, message);
    let offers = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/offers"))
        .count();
    assert_eq!(offers, 2);
    let thread = fake
        .conversations()
        .into_iter()
        .find(|c| c.item_id == item.id && c.buyer.id == 760_001)
        .expect("the thread");
    let count = |kind: &str| {
        thread
            .messages
            .iter()
            .filter(|m| m.entity_type == kind)
            .count()
    };
    assert_eq!(count("message"), 1, "{:?}", thread.messages);
    assert_eq!(count("offer_request_message"), 1, "{:?}", thread.messages);
    let state = favorites(&harness)
        .into_iter()
        .find(|f| f.item_id == item.id.to_string())
        .and_then(|f| f.outreach);
    assert_eq!(state, Some(OutreachState::Sent));
    harness.stop().await;
}
