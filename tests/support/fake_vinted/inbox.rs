//! The inbox: conversations, their messages and offers, replies, offer answers, new threads.
//!
//! Mirrors VINTED.md "Read endpoints" (inbox, conversation with its four entity types and offer
//! statuses 10/20/40) and "Write endpoints" (reply, `mark_as_read`, a thread started from a
//! favourite, offers with `seller_options`, send or counter, accept and reject). The fake's own
//! choices: the inbox lists the account's threads newest first; `seller_options` allows 60 % to
//! 100 % of the item's price; a reply answers `{reply:{…the message…}}`, an offer
//! `{offer:{id, price, status}}`, an answer `{offer_request:{id, status}}`; a price outside the
//! range, an empty reply or an answer to an offer no longer pending is a 400 `validation_error`;
//! accept and reject take PUT and POST unless a test keeps one ([`AnswerMethods`]), the other
//! then answering 404 as a route Vinted does not serve; `created_at_ts` is an RFC 3339 string.
//! Threads a seller starts from a favourite notification (`POST /api/v2/conversations`,
//! `initiator: "seller_enters_notification"`) live here too, since the notifications' outreach
//! writes into them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hyper::Method;
use serde_json::{Value, json};

use super::api::paginate;
use super::faults::{not_found_json, validation};
use super::http::{Reply, Request, rfc3339};
use super::state::State;
use super::{FakeVinted, USER_ID};

/// Which methods accept and reject take (VINTED.md: PUT in one tool, POST in another).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AnswerMethods {
    #[default]
    Both,
    PutOnly,
    PostOnly,
}

/// One entry of a thread, as the conversation read sends it.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub id: u64,
    /// `message`, `offer_request_message`, `status_message` or `action_message`.
    pub entity_type: String,
    pub entity: Value,
    pub created_at: SystemTime,
}

/// A member on the other side.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub id: u64,
    pub login: String,
}

/// One thread of a seller's inbox.
#[derive(Clone, Debug, PartialEq)]
pub struct Conversation {
    pub id: u64,
    /// The account whose inbox holds it.
    pub seller_id: u64,
    pub buyer: Member,
    pub item_id: u64,
    pub item_title: String,
    /// Two decimals, as Vinted sends amounts.
    pub item_price: String,
    pub transaction_id: u64,
    pub unread: bool,
    pub updated_at: SystemTime,
    pub messages: Vec<Entry>,
    /// How the thread began (`seller_enters_notification` for one started from a favourite).
    pub initiator: Option<String>,
}

impl Conversation {
    /// The last message's text, as the inbox's `description`.
    pub fn description(&self) -> String {
        self.messages
            .iter()
            .rev()
            .find_map(|m| match m.entity_type.as_str() {
                "message" => m.entity["body"].as_str().map(str::to_owned),
                "offer_request_message" => m.entity["title"].as_str().map(str::to_owned),
                _ => None,
            })
            .unwrap_or_default()
    }

    /// The offers, oldest first.
    pub fn offers(&self) -> Vec<&Entry> {
        self.messages
            .iter()
            .filter(|m| m.entity_type == "offer_request_message")
            .collect()
    }
}

/// This part of the fake's world.
#[derive(Debug)]
pub struct Inbox {
    pub conversations: Vec<Conversation>,
    pub answer_methods: AnswerMethods,
    pub next_conversation_id: u64,
    pub next_entry_id: u64,
    pub next_offer_id: u64,
    pub next_transaction_id: u64,
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn money(amount: &str) -> Value {
    json!({"amount": amount, "currency_code": "EUR"})
}

/// Cents as Vinted's two-decimal string.
fn amount(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn cents(text: &str) -> Option<i64> {
    let (units, fraction) = text.split_once(['.', ',']).unwrap_or((text, ""));
    if units.is_empty() || fraction.len() > 2 {
        return None;
    }
    let units: i64 = units.parse().ok()?;
    let fraction: i64 = format!("{fraction:0<2}").parse().ok()?;
    Some(units * 100 + fraction)
}

fn message(id: u64, user: u64, body: &str, photos: &[String], when: SystemTime) -> Entry {
    let photos: Vec<Value> = photos
        .iter()
        .enumerate()
        .map(|(n, url)| json!({"id": id * 10 + n as u64, "url": url, "full_size_url": url}))
        .collect();
    Entry {
        id,
        entity_type: "message".into(),
        entity: json!({"id": id, "user_id": user, "body": body, "photos": photos}),
        created_at: when,
    }
}

#[allow(clippy::too_many_arguments)]
fn offer_entry(
    id: u64,
    offer_request_id: u64,
    user: u64,
    price_cents: i64,
    original: &str,
    status: i64,
    current: bool,
    transaction_id: u64,
    when: SystemTime,
) -> Entry {
    Entry {
        id,
        entity_type: "offer_request_message".into(),
        entity: json!({
            "offer_request_id": offer_request_id,
            "user_id": user,
            "title": format!("Offre : {} €", amount(price_cents)),
            "body": if user == USER_ID { "Contre-offre" } else { "Je te propose ce prix" },
            "price": money(&amount(price_cents)),
            "original_price": money(original),
            "status": status,
            "status_title": status_title(status),
            "current": current,
            "transaction_id": transaction_id,
        }),
        created_at: when,
    }
}

fn status_title(status: i64) -> &'static str {
    match status {
        20 => "Offre acceptée",
        40 => "Offre refusée",
        _ => "En attente",
    }
}

fn system(id: u64, kind: &str, title: &str, subtitle: &str, when: SystemTime) -> Entry {
    Entry {
        id,
        entity_type: kind.into(),
        entity: json!({"title": title, "subtitle": subtitle}),
        created_at: when,
    }
}

/// The two threads the site starts with (the test account's): a sale with Vinted's status and
/// action messages, and a buyer's offer waiting for an answer.
impl Default for Inbox {
    fn default() -> Self {
        use super::data::{OFFER_TRANSACTION_ID, SALE_TRANSACTION_ID, SOLD_ITEM_ID};
        // 2026-11-19 09:00 UTC.
        let base = 1_795_078_800;
        let marie = Member {
            id: 6101,
            login: "acheteuse_marie".into(),
        };
        let bob = Member {
            id: 6102,
            login: "bob_offres".into(),
        };
        let sale = Conversation {
            id: 7001,
            seller_id: USER_ID,
            buyer: marie.clone(),
            item_id: SOLD_ITEM_ID,
            item_title: "Sac Longchamp Le Pliage".into(),
            item_price: "40.00".into(),
            transaction_id: SALE_TRANSACTION_ID,
            unread: false,
            updated_at: at(base + 91_800),
            messages: vec![
                message(
                    1,
                    marie.id,
                    "Bonjour, le sac est-il toujours disponible ?",
                    &[],
                    at(base),
                ),
                message(2, USER_ID, "Oui, toujours !", &[], at(base + 600)),
                system(
                    3,
                    "status_message",
                    "Commande payée",
                    "Envoie le colis sous 5 jours",
                    at(base + 90_900),
                ),
                system(
                    4,
                    "action_message",
                    "Télécharge l'étiquette d'envoi",
                    "Imprime-la et colle-la sur le colis",
                    at(base + 91_800),
                ),
            ],
            initiator: None,
        };
        let offer = Conversation {
            id: 7002,
            seller_id: USER_ID,
            buyer: bob.clone(),
            item_id: 5003,
            item_title: "Robe Sézane".into(),
            item_price: "50.00".into(),
            transaction_id: OFFER_TRANSACTION_ID,
            unread: true,
            updated_at: at(base + 3_600),
            messages: vec![offer_entry(
                5,
                31,
                bob.id,
                4000,
                "50.00",
                10,
                true,
                OFFER_TRANSACTION_ID,
                at(base + 3_600),
            )],
            initiator: None,
        };
        Inbox {
            conversations: vec![sale, offer],
            answer_methods: AnswerMethods::Both,
            next_conversation_id: 710_001,
            next_entry_id: 1_000,
            next_offer_id: 31_001,
            next_transaction_id: 810_001,
        }
    }
}

impl Inbox {
    fn of_user(&self, user: u64, id: u64) -> Option<usize> {
        self.conversations
            .iter()
            .position(|c| c.id == id && c.seller_id == user)
    }

    fn by_transaction(&self, user: u64, transaction: u64) -> Option<usize> {
        self.conversations
            .iter()
            .position(|c| c.transaction_id == transaction && c.seller_id == user)
    }

    fn entry_id(&mut self) -> u64 {
        self.next_entry_id += 1;
        self.next_entry_id
    }
}

/// The range an offer may take: 60 % to 100 % of the item's price, in cents.
pub fn seller_range(item_price: &str) -> (i64, i64) {
    let price = cents(item_price).unwrap_or(0);
    ((price * 6 + 9) / 10, price)
}

fn user_json(member: &Member, host: &str) -> Value {
    json!({
        "id": member.id,
        "login": member.login,
        "photo": {"url": format!("http://{}/avatars/{}.jpg", super::data::photo_host(host), member.id)},
        "profile_url": format!("http://{host}/member/{}", member.id),
    })
}

fn conversation_json(c: &Conversation, host: &str) -> Value {
    let messages: Vec<Value> = c
        .messages
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "entity_type": m.entity_type,
                "entity": m.entity,
                "created_at_ts": rfc3339(m.created_at),
            })
        })
        .collect();
    let current = c
        .offers()
        .into_iter()
        .rev()
        .find(|o| o.entity["status"] == 20)
        .map(|o| o.entity["price"].clone());
    json!({
        "id": c.id,
        "messages": messages,
        "transaction": {
            "id": c.transaction_id,
            "current_user_side": "seller",
            "buyer_id": c.buyer.id,
            "seller_id": c.seller_id,
            "item_id": c.item_id,
            "item_title": c.item_title,
            "item_ids": [c.item_id],
            "is_bundle": false,
            "item_photo": {"url": format!("http://{}/photos/item-{}.jpg", super::data::photo_host(host), c.item_id)},
            "offer_price": current.unwrap_or_else(|| money(&c.item_price)),
            "service_fee": money("0.70"),
        },
        "opposite_user": user_json(&c.buyer, host),
    })
}

fn inbox_json(c: &Conversation, host: &str) -> Value {
    json!({
        "id": c.id,
        "description": c.description(),
        "unread": c.unread,
        "updated_at": rfc3339(c.updated_at),
        "item_count": 1,
        "opposite_user": user_json(&c.buyer, host),
        "item_photos": [{"id": c.item_id, "url": format!("http://{}/photos/item-{}.jpg", super::data::photo_host(host), c.item_id)}],
    })
}

/// Answers the calls of this part of the API; `None` leaves the call to the other routes.
pub(crate) fn route(
    state: &mut State,
    user: u64,
    method: &Method,
    segments: &[&str],
    request: &Request,
    body: &[u8],
) -> Option<Reply> {
    let id = |s: &str| s.parse::<u64>().ok();
    let host = super::api::host_of(request);
    let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let reply = match (method, segments) {
        (&Method::GET, ["inbox"]) => {
            let mut mine: Vec<&Conversation> = state
                .inbox
                .conversations
                .iter()
                .filter(|c| c.seller_id == user)
                .collect();
            mine.sort_by_key(|c| std::cmp::Reverse((c.updated_at, c.id)));
            let all: Vec<Value> = mine.iter().map(|c| inbox_json(c, &host)).collect();
            let (conversations, pagination) = paginate(&all, request, 20);
            Reply::ok(json!({"code": 0, "conversations": conversations, "pagination": pagination}))
        }
        (&Method::POST, ["conversations"]) => start_thread(state, user, &body, &host),
        (&Method::GET, ["conversations", c]) => {
            match id(c).and_then(|c| state.inbox.of_user(user, c)) {
                Some(i) => Reply::ok(
                    json!({"code": 0, "conversation": conversation_json(&state.inbox.conversations[i], &host)}),
                ),
                None => not_found_json(),
            }
        }
        (&Method::POST, ["conversations", c, "replies"]) => {
            match id(c).and_then(|c| state.inbox.of_user(user, c)) {
                Some(i) => reply(state, user, i, &body),
                None => not_found_json(),
            }
        }
        (&Method::PUT, ["conversations", c, "mark_as_read"]) => {
            match id(c).and_then(|c| state.inbox.of_user(user, c)) {
                Some(i) => {
                    state.inbox.conversations[i].unread = false;
                    Reply::ok(json!({"code": 0}))
                }
                None => not_found_json(),
            }
        }
        (&Method::GET, ["transactions", t, "offers", "seller_options"]) => {
            match id(t).and_then(|t| state.inbox.by_transaction(user, t)) {
                Some(i) => {
                    let (min, max) = seller_range(&state.inbox.conversations[i].item_price);
                    Reply::ok(json!({"code": 0, "seller_options": {
                        "min_price": money(&amount(min)),
                        "max_price": money(&amount(max)),
                    }}))
                }
                None => not_found_json(),
            }
        }
        (&Method::POST, ["transactions", t, "offers"]) => {
            match id(t).and_then(|t| state.inbox.by_transaction(user, t)) {
                Some(i) => send_offer(state, user, i, &body),
                None => not_found_json(),
            }
        }
        (
            &Method::PUT | &Method::POST,
            [
                "transactions",
                t,
                "offer_requests",
                o,
                verb @ ("accept" | "reject"),
            ],
        ) => {
            let allowed = match state.inbox.answer_methods {
                AnswerMethods::Both => true,
                AnswerMethods::PutOnly => method == Method::PUT,
                AnswerMethods::PostOnly => method == Method::POST,
            };
            match (
                allowed,
                id(t).and_then(|t| state.inbox.by_transaction(user, t)),
                id(o),
            ) {
                (true, Some(i), Some(o)) => answer(state, i, o, *verb == "accept"),
                _ => not_found_json(),
            }
        }
        _ => return None,
    };
    Some(reply)
}

fn reply(state: &mut State, user: u64, i: usize, body: &Value) -> Reply {
    let text = body["reply"]["body"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_owned();
    if text.is_empty() {
        return validation(&[("body".into(), "Écris un message".into())]);
    }
    let id = state.inbox.entry_id();
    let now = SystemTime::now();
    let entry = message(id, user, &text, &[], now);
    let conversation = &mut state.inbox.conversations[i];
    conversation.messages.push(entry.clone());
    conversation.updated_at = now;
    conversation.unread = false;
    Reply::ok(json!({"code": 0, "reply": {
        "id": id, "entity_type": "message", "entity": entry.entity, "created_at_ts": rfc3339(now),
    }}))
}

fn send_offer(state: &mut State, user: u64, i: usize, body: &Value) -> Reply {
    let price = &body["offer"]["price"];
    let price = match price {
        Value::String(text) => cents(text.trim()),
        Value::Number(n) => cents(&n.to_string()),
        _ => None,
    };
    let currency = body["offer"]["currency"]
        .as_str()
        .or_else(|| body["offer"]["currency_code"].as_str());
    let Some(price) = price.filter(|_| currency.is_some()) else {
        return validation(&[("price".into(), "Indique un prix".into())]);
    };
    let (min, max) = seller_range(&state.inbox.conversations[i].item_price);
    if price < min || price > max {
        return validation(&[(
            "price".into(),
            format!(
                "Le prix doit être compris entre {} € et {} €",
                amount(min).replace('.', ","),
                amount(max).replace('.', ",")
            ),
        )]);
    }
    let id = state.inbox.entry_id();
    state.inbox.next_offer_id += 1;
    let offer_id = state.inbox.next_offer_id;
    let now = SystemTime::now();
    let conversation = &mut state.inbox.conversations[i];
    // The offer this one answers is no longer current: cancelled (it was countered).
    for entry in conversation.messages.iter_mut() {
        if entry.entity_type == "offer_request_message" && entry.entity["current"] == true {
            entry.entity["current"] = json!(false);
            if entry.entity["status"] == 10 {
                entry.entity["status"] = json!(40);
                entry.entity["status_title"] = json!(status_title(40));
            }
        }
    }
    let entry = offer_entry(
        id,
        offer_id,
        user,
        price,
        &conversation.item_price.clone(),
        10,
        true,
        conversation.transaction_id,
        now,
    );
    conversation.messages.push(entry);
    conversation.updated_at = now;
    Reply::ok(json!({"code": 0, "offer": {
        "id": offer_id, "price": money(&amount(price)), "status": 10,
        "transaction_id": conversation.transaction_id,
    }}))
}

fn answer(state: &mut State, i: usize, offer_request_id: u64, accept: bool) -> Reply {
    let id = state.inbox.entry_id();
    let now = SystemTime::now();
    let conversation = &mut state.inbox.conversations[i];
    let Some(entry) = conversation.messages.iter_mut().find(|m| {
        m.entity_type == "offer_request_message"
            && m.entity["offer_request_id"].as_u64() == Some(offer_request_id)
    }) else {
        return not_found_json();
    };
    if entry.entity["status"] != 10 {
        return validation(&[(
            "offer_request".into(),
            "Cette offre n'est plus valable".into(),
        )]);
    }
    let status = if accept { 20 } else { 40 };
    entry.entity["status"] = json!(status);
    entry.entity["status_title"] = json!(status_title(status));
    entry.entity["current"] = json!(accept);
    if accept {
        conversation.messages.push(system(
            id,
            "status_message",
            "Offre acceptée",
            "L'acheteur peut maintenant payer",
            now,
        ));
    }
    conversation.updated_at = now;
    Reply::ok(json!({"code": 0, "offer_request": {"id": offer_request_id, "status": status}}))
}

/// `POST /api/v2/conversations {initiator, item_id, opposite_user_id}`: the thread of this
/// seller with that member about that item, made when there is none (`messages: []`).
fn start_thread(state: &mut State, user: u64, body: &Value, host: &str) -> Reply {
    let initiator = body["initiator"].as_str().unwrap_or_default().to_owned();
    let (Some(item_id), Some(other)) = (
        body["item_id"]
            .as_u64()
            .or_else(|| body["item_id"].as_str().and_then(|s| s.parse().ok())),
        body["opposite_user_id"].as_u64().or_else(|| {
            body["opposite_user_id"]
                .as_str()
                .and_then(|s| s.parse().ok())
        }),
    ) else {
        return validation(&[("item_id".into(), "Article introuvable".into())]);
    };
    if initiator.is_empty() {
        return validation(&[("initiator".into(), "Valeur invalide".into())]);
    }
    if let Some(existing) = state
        .inbox
        .conversations
        .iter()
        .find(|c| c.seller_id == user && c.item_id == item_id && c.buyer.id == other)
    {
        return Reply::ok(json!({"code": 0, "conversation": conversation_json(existing, host)}));
    }
    let (title, price) = match state.item(item_id) {
        Some(item) if item.user_id == user => (item.title.clone(), item.price.clone()),
        Some(_) => return super::faults::access_denied(),
        None => (format!("Article {item_id}"), "20.00".to_owned()),
    };
    let login = state
        .inbox
        .conversations
        .iter()
        .find(|c| c.buyer.id == other)
        .map(|c| c.buyer.login.clone())
        .or_else(|| state.account(other).map(|a| a.login.clone()))
        .unwrap_or_else(|| format!("membre_{other}"));
    state.inbox.next_conversation_id += 1;
    state.inbox.next_transaction_id += 1;
    let conversation = Conversation {
        id: state.inbox.next_conversation_id,
        seller_id: user,
        buyer: Member { id: other, login },
        item_id,
        item_title: title,
        item_price: price,
        transaction_id: state.inbox.next_transaction_id,
        unread: false,
        updated_at: SystemTime::now(),
        messages: Vec::new(),
        initiator: Some(initiator),
    };
    let answer = conversation_json(&conversation, host);
    state.inbox.conversations.push(conversation);
    Reply::ok(json!({"code": 0, "conversation": answer}))
}

/// What a seeded thread looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadShape {
    /// The buyer wrote last (unread on Vinted).
    BuyerLast,
    /// The seller answered last.
    SellerLast,
    /// A buyer's offer waits for an answer.
    OfferPending,
    /// Offer, counter-offer, counter-offer: the buyer's last one waits.
    CounterOffers,
    /// An accepted offer, the sale's status and action messages.
    Sold,
}

impl ThreadShape {
    pub const ALL: [ThreadShape; 5] = [
        ThreadShape::BuyerLast,
        ThreadShape::SellerLast,
        ThreadShape::OfferPending,
        ThreadShape::CounterOffers,
        ThreadShape::Sold,
    ];
}

impl FakeVinted {
    /// Replaces the test account's inbox with `n` threads, the shapes of [`ThreadShape::ALL`]
    /// in turn (buyer last, seller last, a pending offer, counter-offers, a sale), every third
    /// with a buyer's message of two photos; the newest last. Returns their ids, oldest first.
    pub fn seed_inbox(&self, n: usize) -> Vec<u64> {
        self.seed_inbox_of(USER_ID, n)
    }

    /// [`Self::seed_inbox`] for any account.
    pub fn seed_inbox_of(&self, seller: u64, n: usize) -> Vec<u64> {
        let host = self.addr().to_string();
        let photo_host = super::data::photo_host(&host);
        let mut state = self.lock();
        state.inbox.conversations.retain(|c| c.seller_id != seller);
        let items: Vec<(u64, String, String)> = state
            .items
            .iter()
            .filter(|i| i.user_id == seller && !i.is_deleted)
            .map(|i| (i.id, i.title.clone(), i.price.clone()))
            .collect();
        // 2026-10-01 08:00 UTC, an hour between threads.
        let base = 1_790_841_600_u64;
        let mut ids = Vec::with_capacity(n);
        let mut entry_ids = state.inbox.next_entry_id;
        let mut offer_ids = state.inbox.next_offer_id;
        let mut next = || {
            entry_ids += 1;
            entry_ids
        };
        let mut new_offer = || {
            offer_ids += 1;
            offer_ids
        };
        for k in 0..n {
            state.inbox.next_conversation_id += 1;
            state.inbox.next_transaction_id += 1;
            let id = state.inbox.next_conversation_id;
            let transaction = state.inbox.next_transaction_id;
            let (item_id, item_title, item_price) = items
                .get(k % items.len().max(1))
                .cloned()
                .unwrap_or_else(|| {
                    let cents = 1_000 + (k as i64 * 437) % 9_000;
                    (9_100_000 + k as u64, format!("Article {k}"), amount(cents))
                });
            let price = cents(&item_price).unwrap_or(2_000);
            let buyer = Member {
                id: 600_000 + k as u64,
                login: format!("acheteur_{k:03}"),
            };
            let start = base + k as u64 * 3_600;
            let minute = |m: u64| at(start + m * 60);
            let photos: Vec<String> = if k % 3 == 0 {
                (1..=2)
                    .map(|p| format!("http://{photo_host}/photos/msg-{id}-{p}.jpg"))
                    .collect()
            } else {
                Vec::new()
            };
            let mut messages = vec![message(
                next(),
                buyer.id,
                &format!("Bonjour, « {item_title} » est-il disponible ?"),
                &photos,
                minute(0),
            )];
            let shape = ThreadShape::ALL[k % ThreadShape::ALL.len()];
            let original = item_price.as_str();
            let b = buyer.id;
            match shape {
                ThreadShape::BuyerLast => {
                    messages.push(message(next(), seller, "Oui !", &[], minute(5)));
                    messages.push(message(
                        next(),
                        b,
                        "Tu peux l'envoyer demain ?",
                        &[],
                        minute(9),
                    ));
                }
                ThreadShape::SellerLast => {
                    messages.push(message(
                        next(),
                        seller,
                        "Oui, il est disponible.",
                        &[],
                        minute(4),
                    ));
                }
                ThreadShape::OfferPending => {
                    let (e, o) = (next(), new_offer());
                    messages.push(offer_entry(
                        e,
                        o,
                        b,
                        price * 8 / 10,
                        original,
                        10,
                        true,
                        transaction,
                        minute(3),
                    ));
                }
                ThreadShape::CounterOffers => {
                    let (e, o) = (next(), new_offer());
                    messages.push(offer_entry(
                        e,
                        o,
                        b,
                        price / 2,
                        original,
                        40,
                        false,
                        transaction,
                        minute(2),
                    ));
                    let (e, o) = (next(), new_offer());
                    messages.push(offer_entry(
                        e,
                        o,
                        seller,
                        price * 9 / 10,
                        original,
                        40,
                        false,
                        transaction,
                        minute(6),
                    ));
                    let (e, o) = (next(), new_offer());
                    messages.push(offer_entry(
                        e,
                        o,
                        b,
                        price * 7 / 10,
                        original,
                        10,
                        true,
                        transaction,
                        minute(8),
                    ));
                }
                ThreadShape::Sold => {
                    let (e, o) = (next(), new_offer());
                    messages.push(offer_entry(
                        e,
                        o,
                        b,
                        price * 9 / 10,
                        original,
                        20,
                        true,
                        transaction,
                        minute(2),
                    ));
                    messages.push(system(
                        next(),
                        "status_message",
                        "Commande payée",
                        "Envoie le colis sous 5 jours",
                        minute(7),
                    ));
                    messages.push(system(
                        next(),
                        "action_message",
                        "Télécharge l'étiquette d'envoi",
                        "Imprime-la",
                        minute(8),
                    ));
                }
            }
            let updated_at = messages.last().map_or(minute(0), |m| m.created_at);
            let unread = matches!(
                shape,
                ThreadShape::BuyerLast | ThreadShape::OfferPending | ThreadShape::CounterOffers
            );
            state.inbox.conversations.push(Conversation {
                id,
                seller_id: seller,
                buyer,
                item_id,
                item_title,
                item_price,
                transaction_id: transaction,
                unread,
                updated_at,
                messages,
                initiator: None,
            });
            ids.push(id);
        }
        state.inbox.next_entry_id = entry_ids;
        state.inbox.next_offer_id = offer_ids;
        ids
    }

    /// Every thread of every account, as the fake holds it now.
    pub fn conversations(&self) -> Vec<Conversation> {
        self.lock().inbox.conversations.clone()
    }

    pub fn conversation(&self, id: u64) -> Option<Conversation> {
        self.lock()
            .inbox
            .conversations
            .iter()
            .find(|c| c.id == id)
            .cloned()
    }

    /// Adds a buyer's message to a thread now (it moves to the top of the inbox, unread).
    pub fn buyer_writes(&self, conversation: u64, body: &str) {
        let mut state = self.lock();
        let id = state.inbox.entry_id();
        let now = SystemTime::now();
        if let Some(c) = state
            .inbox
            .conversations
            .iter_mut()
            .find(|c| c.id == conversation)
        {
            let entry = message(id, c.buyer.id, body, &[], now);
            c.messages.push(entry);
            c.updated_at = now;
            c.unread = true;
        }
    }

    /// Which methods accept and reject take from now on.
    pub fn set_offer_answer_methods(&self, methods: AnswerMethods) {
        self.lock().inbox.answer_methods = methods;
    }
}
