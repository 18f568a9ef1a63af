//! One inbox across accounts (issue 15, point 4) as the app runs it: the job queue in a real
//! store, the account's real Chromium session behind tinyproxy, logged in on the local Vinted;
//! the inbox read from inside the page, replies and offer answers sent through the paced write
//! path and read back.

#![cfg(target_os = "linux")]

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use seller_panel_tests::fake_vinted::{
    self, AnswerMethods, Conversation, Failure, FakeVinted, Step, ThreadShape, seller_range,
};
use seller_panel_tests::proxies;
use seller_panel_tests::vinted::{Harness, quick_pacing};
use seller_store::raw::RawSql;
use seller_store::vinted::inbox::{
    ConversationFilter, OfferStatus, ThreadItemKind, ThreadView, conversation_row_id,
};
use seller_store::vinted::{Job, JobKind, JobState, PacingSettings};
use serde_json::{Value, json};

const WITHIN: Duration = Duration::from_secs(240);
const FINISHED: &[JobState] = &[JobState::Done, JobState::Failed];

fn cents(amount: &Value) -> i64 {
    let text = amount["amount"].as_str().expect("an amount");
    let (units, fraction) = text.split_once('.').expect("two decimals");
    units.parse::<i64>().expect("units") * 100 + fraction.parse::<i64>().expect("cents")
}

fn thread(harness: &Harness, conversation: u64) -> ThreadView {
    let id = conversation_row_id(&harness.account_id, &conversation.to_string());
    harness.db.lock().thread(&id).expect("the thread")
}

async fn run(harness: &Harness, kind: JobKind, payload: Value) -> Job {
    let job = harness.enqueue(kind, payload, false).await;
    harness.wait_for_job(&job.id, FINISHED, WITHIN).await
}

async fn read_inbox(harness: &Harness) -> Job {
    let job = run(harness, JobKind::ImportInbox, json!({})).await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    job
}

/// The buyer's messages and offers since the seller last spoke (an offer the seller accepted
/// counts as answered; a cancelled one, 40, does not).
fn unread_in(c: &Conversation) -> i64 {
    let mut count = 0;
    for m in c.messages.iter().rev() {
        let mine = m.entity["user_id"].as_u64() == Some(fake_vinted::USER_ID);
        match m.entity_type.as_str() {
            "message" | "offer_request_message" if mine => break,
            "offer_request_message" if m.entity["status"] == 20 => break,
            "message" | "offer_request_message" => count += 1,
            _ => {}
        }
    }
    count
}

/// The statuses the store should give the fake thread's offers, from Vinted's codes and the
/// chain (`seller_store::vinted::inbox::offer_chain`).
fn expected_offers(c: &Conversation) -> Vec<(i64, OfferStatus, bool, Option<usize>)> {
    let offers = c.offers();
    offers
        .iter()
        .enumerate()
        .map(|(n, o)| {
            let sender = o.entity["user_id"].as_u64();
            let next_by_other = offers
                .get(n + 1)
                .is_some_and(|next| next.entity["user_id"].as_u64() != sender);
            let status = match o.entity["status"].as_i64() {
                Some(20) => OfferStatus::Accepted,
                _ if next_by_other => OfferStatus::Countered,
                Some(10) => OfferStatus::Pending,
                _ => OfferStatus::Declined,
            };
            let parent = n.checked_sub(1).filter(|&p| {
                offers[p].entity["user_id"].as_u64() != sender && offers[p].entity["status"] != 20
            });
            (
                cents(&o.entity["price"]),
                status,
                sender == Some(fake_vinted::USER_ID),
                parent,
            )
        })
        .collect()
}

/// The stored thread is exactly the fake's: buyer, messages (one row per photo), their authors
/// and photos, offers with their status and chain, events, and the unread rule.
fn assert_thread_matches(harness: &Harness, c: &Conversation) {
    let view = thread(harness, c.id);
    let row = &view.conversation;
    assert_eq!(row.buyer_name.as_deref(), Some(c.buyer.login.as_str()));
    assert_eq!(row.item_title.as_deref(), Some(c.item_title.as_str()));
    assert_eq!(row.account_name.as_deref(), Some("Boutique test"));
    assert_eq!(row.unread_count, unread_in(c), "thread {}", c.id);

    let messages: Vec<_> = view
        .items
        .iter()
        .filter(|i| i.kind == ThreadItemKind::Message)
        .collect();
    let mut expected = Vec::new();
    for m in c.messages.iter().filter(|m| m.entity_type == "message") {
        let mine = m.entity["user_id"].as_u64() == Some(fake_vinted::USER_ID);
        let body = m.entity["body"].as_str().unwrap_or_default().to_owned();
        let photos: Vec<String> = m.entity["photos"]
            .as_array()
            .map(|p| {
                p.iter()
                    .filter_map(|p| p["url"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if photos.is_empty() {
            expected.push((mine, body.clone(), None));
        }
        for (n, url) in photos.into_iter().enumerate() {
            let text = if n == 0 { body.clone() } else { String::new() };
            expected.push((mine, text, Some(url)));
        }
    }
    let stored: Vec<_> = messages
        .iter()
        .map(|m| {
            (
                m.is_me,
                m.text.clone().unwrap_or_default(),
                m.image_url.clone(),
            )
        })
        .collect();
    assert_eq!(stored, expected, "messages of thread {}", c.id);

    let offers: Vec<_> = view
        .items
        .iter()
        .filter(|i| i.kind == ThreadItemKind::Offer)
        .collect();
    let wanted = expected_offers(c);
    assert_eq!(offers.len(), wanted.len(), "offers of thread {}", c.id);
    for (offer, (amount, status, mine, parent)) in offers.iter().zip(&wanted) {
        assert_eq!(offer.amount_cents, Some(*amount));
        assert_eq!(offer.offer_status, Some(*status), "thread {}", c.id);
        assert_eq!(offer.is_me, *mine);
        assert_eq!(
            offer.parent_offer_id.as_deref(),
            parent.map(|p| offers[p].id.as_str()),
            "chain of thread {}",
            c.id
        );
    }
    let events: Vec<_> = view
        .items
        .iter()
        .filter(|i| i.kind == ThreadItemKind::Event)
        .map(|i| i.text.clone().unwrap_or_default())
        .collect();
    let fake_events: Vec<_> = c
        .messages
        .iter()
        .filter(|m| matches!(m.entity_type.as_str(), "status_message" | "action_message"))
        .map(|m| m.entity["title"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(events, fake_events);
    // A buyer's offer waiting: the range Vinted allows is shown beside it.
    let pending = wanted
        .iter()
        .any(|(_, status, mine, _)| *status == OfferStatus::Pending && !mine);
    assert_eq!(row.pending_offer, pending);
    if pending {
        let (min, max) = seller_range(&c.item_price);
        assert_eq!(
            (row.offer_min_cents, row.offer_max_cents),
            (Some(min), Some(max))
        );
    }
}

fn api_calls(fake: &FakeVinted, method: &str, path_part: &str) -> Vec<fake_vinted::Request> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method == method && r.path.starts_with("/api/") && r.path.contains(path_part))
        .collect()
}

/// Changes the sync engine recorded for the inbox's synced tables: (count, latest stamp).
fn inbox_clock(harness: &Harness) -> (i64, i64) {
    harness
        .db
        .lock()
        .connection()
        .query_row(
            "SELECT count(*), coalesce(max(hlc), 0) FROM sync_clock
             WHERE tbl IN ('seller_conversations', 'seller_messages', 'seller_offers',
                           'seller_system_events')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("reading sync_clock")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inbox_of_20_threads_with_offers_and_counter_offers_is_read_exactly_once() {
    let fake = FakeVinted::start();
    let ids = fake.seed_inbox(20);
    let harness = Harness::start(&fake, quick_pacing()).await;
    fake.clear_requests();

    let job = read_inbox(&harness).await;
    let result = job.result.expect("a summary");
    assert_eq!(result["seen"], 20, "{result}");
    assert_eq!(result["read"], 20, "{result}");

    let page = harness
        .db
        .lock()
        .list_conversations(&ConversationFilter {
            per_page: 100,
            ..ConversationFilter::default()
        })
        .expect("the inbox");
    assert_eq!(page.total, 20);
    let conversations: HashMap<u64, Conversation> = fake
        .conversations()
        .into_iter()
        .filter(|c| c.seller_id == fake_vinted::USER_ID)
        .map(|c| (c.id, c))
        .collect();
    for id in &ids {
        assert_thread_matches(&harness, &conversations[id]);
    }
    // The unread counts written by hand for each seeded shape (in `ThreadShape::ALL`'s order):
    // buyer last (its question after the seller's "Oui !"), seller last, a pending offer after
    // the first question, counter-offers (the buyer's last offer after the seller's counter),
    // sold (the accepted offer answered).
    let by_hand = [1, 0, 2, 1, 0];
    for (k, id) in ids.iter().enumerate() {
        assert_eq!(
            thread(&harness, *id).conversation.unread_count,
            by_hand[k % by_hand.len()],
            "thread {k} ({:?})",
            fake_vinted::ThreadShape::ALL[k % by_hand.len()]
        );
    }
    // Unread first, then the newest.
    let unread: Vec<bool> = page.items.iter().map(|c| c.unread_count > 0).collect();
    let first_read = unread.iter().position(|u| !u).unwrap_or(unread.len());
    assert!(unread[first_read..].iter().all(|u| !u), "{unread:?}");
    assert_eq!(first_read, 12, "buyer last, offers and counter-offers wait");
    // Every kind of thread, and counter-offers chained three deep.
    let counter = &conversations[&ids[3]];
    assert_eq!(counter.offers().len(), 3);
    let chained = thread(&harness, counter.id);
    let offers: Vec<_> = chained
        .items
        .iter()
        .filter(|i| i.kind == ThreadItemKind::Offer)
        .collect();
    assert_eq!(
        offers[2].parent_offer_id.as_deref(),
        Some(offers[1].id.as_str())
    );
    assert_eq!(
        offers[1].parent_offer_id.as_deref(),
        Some(offers[0].id.as_str())
    );
    assert_eq!(ThreadShape::ALL.len(), 5);

    // One page of 20, each thread read once, the range read for the 8 waiting offers, all
    // through the proxy, paced.
    let pages = api_calls(&fake, "GET", "/api/v2/inbox");
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].query_param("per_page").as_deref(), Some("20"));
    assert_eq!(api_calls(&fake, "GET", "/api/v2/conversations/").len(), 20);
    assert_eq!(api_calls(&fake, "GET", "/seller_options").len(), 8);
    let exit: IpAddr = proxies::TINYPROXY_EXIT.parse().expect("an address");
    let requests = fake.requests();
    assert!(requests.iter().all(|r| r.peer.ip() == exit));
    assert!(
        api_calls(&fake, "POST", "").is_empty(),
        "a read writes nothing"
    );
    assert!(
        api_calls(&fake, "PUT", "").is_empty(),
        "a read writes nothing"
    );

    // Read again: the inbox page only, and nothing written (nothing to sync).
    let clock = inbox_clock(&harness);
    fake.clear_requests();
    let again = read_inbox(&harness).await.result.expect("a summary");
    assert_eq!(again["read"], 0, "{again}");
    assert_eq!(inbox_clock(&harness), clock, "nothing rewritten");
    assert_eq!(api_calls(&fake, "GET", "/api/v2/conversations/").len(), 0);

    // A buyer writes in a thread the seller answered: only that thread is read, now unread.
    let answered = &conversations[&ids[1]];
    assert_eq!(thread(&harness, answered.id).conversation.unread_count, 0);
    fake.buyer_writes(answered.id, "Merci, je commande !");
    fake.clear_requests();
    let third = read_inbox(&harness).await.result.expect("a summary");
    assert_eq!(third["read"], 1, "{third}");
    let reads = api_calls(&fake, "GET", "/api/v2/conversations/");
    assert_eq!(reads.len(), 1);
    assert!(reads[0].path.ends_with(&answered.id.to_string()));
    let view = thread(&harness, answered.id);
    assert_eq!(view.conversation.unread_count, 1);
    assert_eq!(
        view.conversation.last_message.as_deref(),
        Some("Merci, je commande !")
    );
    assert_thread_matches(
        &harness,
        &fake.conversation(answered.id).expect("the thread"),
    );
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_and_offer_answers_reach_vinted_and_show_in_the_thread_and_a_counter_out_of_range_is_never_sent()
 {
    let fake = FakeVinted::start();
    let ids = fake.seed_inbox(8);
    let harness = Harness::start(&fake, quick_pacing()).await;
    read_inbox(&harness).await;
    let row = |id: u64| conversation_row_id(&harness.account_id, &id.to_string());

    // A reply in a thread where the buyer wrote last.
    let buyer_last = ids[0];
    assert_eq!(thread(&harness, buyer_last).conversation.unread_count, 1);
    fake.clear_requests();
    let job = run(
        &harness,
        JobKind::SendReply,
        json!({"conversationId": row(buyer_last), "body": "  Oui, envoi demain matin.  "}),
    )
    .await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    let posts = api_calls(&fake, "POST", "/replies");
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].body.as_ref().expect("a body")["reply"]["body"],
        "Oui, envoi demain matin."
    );
    let last = fake.conversation(buyer_last).expect("the thread");
    let sent = last.messages.last().expect("a message");
    assert_eq!(sent.entity["user_id"], fake_vinted::USER_ID);
    assert_eq!(sent.entity["body"], "Oui, envoi demain matin.");
    let view = thread(&harness, buyer_last);
    let mine = view.items.last().expect("an entry");
    assert!(mine.is_me);
    assert_eq!(mine.text.as_deref(), Some("Oui, envoi demain matin."));
    assert_eq!(view.conversation.unread_count, 0, "the seller spoke last");
    assert!(view.pending.is_empty());
    let audit = harness
        .db
        .lock()
        .list_audit(&seller_store::vinted::AuditFilter::default())
        .expect("the audit log");
    assert!(
        audit.items.iter().any(|a| a.path.ends_with("/replies")),
        "the reply is audited"
    );

    // A counter-offer within the range, on the buyer's last counter-offer.
    let counter = ids[3];
    let before = fake.conversation(counter).expect("the thread");
    let (min, max) = seller_range(&before.item_price);
    let buyer_offer = thread(&harness, counter)
        .items
        .iter()
        .rfind(|i| i.kind == ThreadItemKind::Offer)
        .cloned()
        .expect("the buyer's offer");
    assert_eq!(buyer_offer.offer_status, Some(OfferStatus::Pending));
    let price = max - 100;
    fake.clear_requests();
    let job = run(
        &harness,
        JobKind::AnswerOffer,
        json!({"conversationId": row(counter), "offerId": buyer_offer.id,
               "action": "counter", "priceCents": price}),
    )
    .await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    let posts = api_calls(&fake, "POST", "/offers");
    assert_eq!(posts.len(), 1);
    let sent = &posts[0].body.as_ref().expect("a body")["offer"];
    assert_eq!(sent["currency"], "EUR");
    let after = fake.conversation(counter).expect("the thread");
    let made = after
        .offers()
        .last()
        .cloned()
        .cloned()
        .expect("the counter");
    assert_eq!(made.entity["user_id"], fake_vinted::USER_ID);
    assert_eq!(cents(&made.entity["price"]), price);
    let offers: Vec<_> = thread(&harness, counter)
        .items
        .into_iter()
        .filter(|i| i.kind == ThreadItemKind::Offer)
        .collect();
    let (mine, theirs) = (&offers[offers.len() - 1], &offers[offers.len() - 2]);
    assert!(mine.is_me);
    assert_eq!(mine.amount_cents, Some(price));
    assert_eq!(mine.offer_status, Some(OfferStatus::Pending));
    assert_eq!(mine.parent_offer_id.as_deref(), Some(theirs.id.as_str()));
    assert_eq!(theirs.offer_status, Some(OfferStatus::Countered));
    assert_thread_matches(&harness, &after);

    // Below the range: refused before anything is sent, with the range to show.
    fake.clear_requests();
    let job = run(
        &harness,
        JobKind::AnswerOffer,
        json!({"conversationId": row(counter), "action": "counter", "priceCents": min - 1}),
    )
    .await;
    assert_eq!(job.state, JobState::Failed, "{job:#?}");
    assert_eq!(job.error_code.as_deref(), Some("offer_out_of_range"));
    assert_eq!(api_calls(&fake, "GET", "/seller_options").len(), 1);
    assert!(
        api_calls(&fake, "POST", "/offers").is_empty(),
        "no offer reached Vinted"
    );
    assert_eq!(
        fake.conversation(counter)
            .expect("the thread")
            .offers()
            .len(),
        after.offers().len()
    );

    // Accept where Vinted takes only POST: PUT first, then POST.
    fake.set_offer_answer_methods(AnswerMethods::PostOnly);
    let pending = ids[2];
    let offer = thread(&harness, pending)
        .items
        .into_iter()
        .find(|i| i.kind == ThreadItemKind::Offer)
        .expect("an offer");
    fake.clear_requests();
    let job = run(
        &harness,
        JobKind::AnswerOffer,
        json!({"conversationId": row(pending), "offerId": offer.id, "action": "accept"}),
    )
    .await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    let answers: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/accept"))
        .map(|r| r.method)
        .collect();
    assert_eq!(answers, ["PUT", "POST"]);
    let accepted = fake.conversation(pending).expect("the thread");
    assert_eq!(accepted.offers()[0].entity["status"], 20);
    let offers: Vec<_> = thread(&harness, pending)
        .items
        .into_iter()
        .filter(|i| i.kind == ThreadItemKind::Offer)
        .collect();
    assert_eq!(offers[0].offer_status, Some(OfferStatus::Accepted));

    // Decline, PUT taken at once; answering it again is refused before sending.
    fake.set_offer_answer_methods(AnswerMethods::Both);
    let other = ids[7];
    let offer = thread(&harness, other)
        .items
        .into_iter()
        .find(|i| i.kind == ThreadItemKind::Offer)
        .expect("an offer");
    fake.clear_requests();
    let payload = json!({"conversationId": row(other), "offerId": offer.id, "action": "decline"});
    let job = run(&harness, JobKind::AnswerOffer, payload.clone()).await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    let answers: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/reject"))
        .map(|r| r.method)
        .collect();
    assert_eq!(answers, ["PUT"]);
    assert_eq!(
        fake.conversation(other).expect("the thread").offers()[0].entity["status"],
        40
    );
    let view = thread(&harness, other);
    let declined = view
        .items
        .iter()
        .find(|i| i.kind == ThreadItemKind::Offer)
        .expect("an offer");
    assert_eq!(declined.offer_status, Some(OfferStatus::Declined));
    assert!(!view.conversation.pending_offer);
    fake.clear_requests();
    let job = run(&harness, JobKind::AnswerOffer, payload).await;
    assert_eq!(
        job.error_code.as_deref(),
        Some("offer_not_pending"),
        "{job:#?}"
    );
    assert!(
        fake.requests().iter().all(|r| !r.path.ends_with("/reject")),
        "nothing sent twice"
    );
    harness.stop().await;
}

/// Reads slow enough for the test to step in between two of them.
fn slow_reads() -> PacingSettings {
    PacingSettings {
        read_gap_min_ms: 600,
        read_gap_max_ms: 700,
        ..quick_pacing()
    }
}

fn checkpoint_phase(job: &Job) -> (String, i64) {
    let checkpoint = job.checkpoint.clone().unwrap_or(Value::Null);
    (
        checkpoint["phase"].as_str().unwrap_or_default().to_owned(),
        checkpoint["next_page"].as_i64().unwrap_or(0),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_and_an_expired_login_mid_read_resume_without_duplicates_or_gaps() {
    let fake = FakeVinted::start();
    let ids = fake.seed_inbox(41);
    let harness = Harness::start(&fake, slow_reads()).await;
    fake.clear_requests();
    let job = harness
        .enqueue(JobKind::ImportInbox, json!({}), false)
        .await;

    // Page 1 read: the next page answers 429 with Retry-After.
    seller_panel_tests::wait::wait_until("the first page", WITHIN, || async {
        Ok(checkpoint_phase(&harness.job(&job.id)) == ("pages".into(), 2))
    })
    .await
    .expect("page 1 read");
    fake.fail_next(
        Step::Inbox,
        Failure::RateLimited {
            retry_after_secs: 2,
        },
    );
    // A few threads read: the next one says the login expired (and so does everything after,
    // until the person logs in again).
    seller_panel_tests::wait::wait_until("a few threads", WITHIN, || async {
        let job = harness.job(&job.id);
        Ok(checkpoint_phase(&job).0 == "threads" && job.progress_done >= 5)
    })
    .await
    .expect("threads read");
    fake.fail_next(
        Step::Conversation,
        Failure::Blocked(Box::new(Failure::LoginExpired)),
    );
    let held = harness
        .wait_for_job(&job.id, &[JobState::NeedsAttention, JobState::Done], WITHIN)
        .await;
    assert_eq!(held.state, JobState::NeedsAttention, "{held:#?}");
    assert_eq!(held.error_code.as_deref(), Some("login_expired"));
    let stopped_at = held.progress_done;
    assert!(stopped_at < 41, "stopped mid-read: {stopped_at}");

    // The person logs in again and resumes: the read goes on from the thread it stopped at.
    fake.clear_faults();
    harness
        .runner
        .resume_account(&harness.account_id)
        .await
        .expect("resuming");
    let done = harness.wait_for_job(&job.id, FINISHED, WITHIN).await;
    assert_eq!(done.state, JobState::Done, "{done:#?}");
    let result = done.result.expect("a summary");
    assert_eq!(result["seen"], 41, "{result}");
    assert_eq!(result["read"], 41, "{result}");

    // No gap: every thread stored exactly; no duplicate: each page and thread asked once, but
    // the two refused calls once more.
    let conversations: HashMap<u64, Conversation> = fake
        .conversations()
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    for id in &ids {
        assert_thread_matches(&harness, &conversations[id]);
    }
    let total = harness
        .db
        .lock()
        .list_conversations(&ConversationFilter::default())
        .expect("the inbox")
        .total;
    assert_eq!(total, 41);
    let mut pages: Vec<String> = api_calls(&fake, "GET", "/api/v2/inbox")
        .iter()
        .filter_map(|r| r.query_param("page"))
        .collect();
    pages.sort();
    assert_eq!(
        pages,
        ["1", "2", "2", "3"],
        "page 2 asked again after the 429 only"
    );
    let reads = api_calls(&fake, "GET", "/api/v2/conversations/");
    let mut per_thread: HashMap<String, usize> = HashMap::new();
    for r in &reads {
        *per_thread.entry(r.path.clone()).or_default() += 1;
    }
    assert_eq!(per_thread.len(), 41, "every thread read");
    assert_eq!(
        reads.len(),
        42,
        "one thread asked again after the expired login"
    );
    assert_eq!(per_thread.values().filter(|n| **n == 2).count(), 1);
    // The 429's Retry-After was obeyed.
    let inbox_pages = api_calls(&fake, "GET", "/api/v2/inbox");
    let gap = inbox_pages[2].at.duration_since(inbox_pages[1].at);
    assert!(gap >= Duration::from_secs(2), "Retry-After obeyed: {gap:?}");
    harness.stop().await;
}
