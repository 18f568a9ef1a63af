//! Reading the account's inbox (`docs/VINTED.md`, "Read endpoints": inbox and conversation):
//! every page of `GET /api/v2/inbox` (20 a page), then each thread that is new or whose
//! `updated_at` moved since this device last read it, `GET /api/v2/conversations/{id}`, into the
//! store (`seller_store::vinted::inbox`). Every call is a paced read; the checkpoint is saved
//! after each page and each thread, so a 429 or an expired login in the middle resumes where it
//! stopped: no page read twice for nothing, no thread skipped (a thread is marked read only in
//! the transaction that stores it).
//!
//! The same thread read also serves the replies and offer answers ([`read_thread`]), which read
//! their thread back to show what Vinted confirmed.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Flow;
use crate::StoreAccess;
use crate::calls::{Fixable, FlowError, store_error};
use crate::page::Call;
use crate::reply::{Refusal, parse_amount_cents};
use crate::site::route;
use seller_store::vinted::inbox::{
    ConversationRef, EntryKind, InboxEntry, InboxUser, Thread, ThreadEntry, ThreadStored,
};

/// A thread to read, as its inbox page showed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ToRead {
    id: String,
    updated_at: String,
    description: Option<String>,
}

/// Where a read of the inbox is; saved after every page and every thread.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "phase")]
enum Checkpoint {
    Pages {
        user_id: String,
        next_page: u32,
        /// Threads found so far to read, in the inbox's order.
        to_read: Vec<ToRead>,
        seen: i64,
    },
    Threads {
        user_id: String,
        /// Still to read, the next one last.
        remaining: Vec<ToRead>,
        total: i64,
        seen: i64,
        stored: ThreadStored,
    },
}

pub async fn run<S: StoreAccess>(flow: &mut Flow<'_, S>) -> Result<Value, FlowError> {
    let mut checkpoint = match flow.job.checkpoint.clone() {
        Some(saved) => serde_json::from_value(saved).map_err(|error| {
            FlowError::Invalid(format!("the inbox read's checkpoint is not valid: {error}"))
        })?,
        None => Checkpoint::Pages {
            user_id: current_user_id(flow).await?,
            next_page: 1,
            to_read: Vec::new(),
            seen: 0,
        },
    };
    loop {
        checkpoint = match checkpoint {
            Checkpoint::Pages { .. } => read_page(flow, checkpoint).await?,
            Checkpoint::Threads { ref remaining, .. } if !remaining.is_empty() => {
                read_next_thread(flow, checkpoint).await?
            }
            Checkpoint::Threads {
                total,
                seen,
                stored,
                ..
            } => {
                return Ok(json!({
                    "seen": seen, "read": total, "inserted": stored.inserted,
                    "changed": stored.changed, "unchanged": stored.unchanged,
                }));
            }
        };
        if flow.paced.is_cancelled() {
            return Err(FlowError::Cancelled);
        }
    }
}

async fn read_page<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    checkpoint: Checkpoint,
) -> Result<Checkpoint, FlowError> {
    let Checkpoint::Pages {
        user_id,
        next_page,
        mut to_read,
        seen,
    } = checkpoint
    else {
        return Ok(checkpoint);
    };
    let call = Call::get(route::inbox(next_page, route::INBOX_PER_PAGE));
    let answer = flow.paced.read(call).await?;
    let page = parse_inbox_page(&answer)?;
    let entries = page.entries.clone();
    let account_id = flow.caller.account_id.clone();
    let changed = flow
        .store
        .with_store(move |store| Ok(store.record_inbox_page(&account_id, &entries)?))
        .await
        .map_err(store_error)?;
    for entry in &page.entries {
        // A thread that moved to a later page while the pages were read shows twice: once.
        if changed.contains(&entry.conversation_id)
            && !to_read.iter().any(|t| t.id == entry.conversation_id)
        {
            to_read.push(ToRead {
                id: entry.conversation_id.clone(),
                updated_at: entry.updated_at.clone(),
                description: entry.description.clone(),
            });
        }
    }
    let seen = seen + page.entries.len() as i64;
    // Without a page count, a full page means there may be more.
    let last = page.entries.is_empty()
        || page.total_pages.map_or(
            page.entries.len() < route::INBOX_PER_PAGE as usize,
            |total| next_page >= total,
        );
    let next = if last {
        let total = to_read.len() as i64;
        let mut remaining = to_read;
        remaining.reverse();
        Checkpoint::Threads {
            user_id,
            remaining,
            total,
            seen,
            stored: ThreadStored::default(),
        }
    } else {
        Checkpoint::Pages {
            user_id,
            next_page: next_page + 1,
            to_read,
            seen,
        }
    };
    let (done, total) = match &next {
        Checkpoint::Threads { total, .. } => (0, Some(*total)),
        Checkpoint::Pages { .. } => (seen, Some(i64::from(page.total_entries))),
    };
    flow.checkpoint(&next, done, total).await?;
    Ok(next)
}

async fn read_next_thread<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    checkpoint: Checkpoint,
) -> Result<Checkpoint, FlowError> {
    let Checkpoint::Threads {
        user_id,
        mut remaining,
        total,
        seen,
        mut stored,
    } = checkpoint
    else {
        return Ok(checkpoint);
    };
    let Some(next) = remaining.last().cloned() else {
        return Ok(Checkpoint::Threads {
            user_id,
            remaining,
            total,
            seen,
            stored,
        });
    };
    match read_thread(
        flow,
        &next.id,
        Some(&user_id),
        Some(next.updated_at.clone()),
        next.description.clone(),
    )
    .await
    {
        Ok(read) => {
            stored.add(read.stored);
            if read.pending_offer
                && read.seller_side
                && let Some(transaction) = read.transaction_id.and_then(|t| t.parse().ok())
            {
                // The range a counter may take, shown beside the offer's buttons: a nicety of
                // the read, so a failure is logged and the read goes on (the counter reads it
                // again before sending). What pauses the account still stops the read.
                match seller_options(flow, transaction).await {
                    Ok((range, _)) => record_range(flow, &next.id, range).await?,
                    Err(FlowError::Vinted(refusal))
                        if refusal.needs_attention().is_some()
                            || matches!(refusal, Refusal::RateLimited { .. }) =>
                    {
                        return Err(FlowError::Vinted(refusal));
                    }
                    Err(FlowError::Cancelled) => return Err(FlowError::Cancelled),
                    Err(error) => {
                        tracing::info!(conversation = %next.id, %error, "no seller_options for the offer");
                    }
                }
            }
        }
        // Gone since its page was read: nothing to store.
        Err(FlowError::Vinted(Refusal::NotFound)) => {
            tracing::info!(conversation = %next.id, "a conversation is gone since the inbox page");
        }
        Err(other) => return Err(other),
    }
    remaining.pop();
    let done = total - remaining.len() as i64;
    let next = Checkpoint::Threads {
        user_id,
        remaining,
        total,
        seen,
        stored,
    };
    flow.checkpoint(&next, done, Some(total)).await?;
    Ok(next)
}

/// The range Vinted allows for an offer of the transaction, in cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct OfferRange {
    pub min_cents: i64,
    pub max_cents: i64,
}

/// `{seller_options:{min_price, max_price}}` as a range, and the currency it is in.
pub fn parse_seller_options(answer: &Value) -> Option<(OfferRange, String)> {
    let options = answer.get("seller_options")?;
    let min_cents = parse_amount_cents(&options["min_price"])?;
    let max_cents = parse_amount_cents(&options["max_price"])?;
    let currency = options["max_price"]["currency_code"]
        .as_str()
        .or_else(|| options["min_price"]["currency_code"].as_str())
        .unwrap_or("EUR")
        .to_owned();
    Some((
        OfferRange {
            min_cents,
            max_cents,
        },
        currency,
    ))
}

/// The range of the transaction, read from Vinted (a paced read).
pub(crate) async fn seller_options<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    transaction: u64,
) -> Result<(OfferRange, String), FlowError> {
    let answer = flow
        .paced
        .read(Call::get(route::offer_seller_options(transaction)))
        .await?;
    parse_seller_options(&answer).ok_or(FlowError::Vinted(Refusal::EndpointMoved { status: 200 }))
}

/// Vinted's ids of the thread; a thread this device never read cannot be answered from it.
pub(crate) async fn conversation_ref<S: StoreAccess>(
    flow: &Flow<'_, S>,
    conversation_id: &str,
) -> Result<ConversationRef, FlowError> {
    let id = conversation_id.to_owned();
    let found = flow
        .store
        .with_store(move |store| Ok(store.conversation_ref(&id)?))
        .await
        .map_err(store_error)?;
    match found {
        Some(reference) if reference.account_id == flow.caller.account_id => Ok(reference),
        Some(_) => Err(FlowError::Invalid(
            "the conversation belongs to another account".into(),
        )),
        None => Err(FlowError::Fixable(Fixable::ThreadNotRead {
            conversation_id: conversation_id.to_owned(),
        })),
    }
}

/// Reads the thread again and stores what Vinted shows.
pub(crate) async fn read_back<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    reference: &ConversationRef,
) -> Result<(), FlowError> {
    read_thread(flow, &reference.vinted_conversation_id, None, None, None).await?;
    Ok(())
}

/// Stores the range Vinted allows for an offer in the thread (`conversation` is Vinted's id).
pub(crate) async fn record_range<S: StoreAccess>(
    flow: &Flow<'_, S>,
    conversation: &str,
    range: OfferRange,
) -> Result<(), FlowError> {
    let row =
        seller_store::vinted::inbox::conversation_row_id(&flow.caller.account_id, conversation);
    flow.store
        .with_store(move |store| {
            Ok(store.set_offer_range(&row, range.min_cents, range.max_cents)?)
        })
        .await
        .map_err(store_error)
}

/// What reading a thread came to.
pub(crate) struct ThreadRead {
    pub stored: ThreadStored,
    /// A buyer's offer waits for the account's answer.
    pub pending_offer: bool,
    /// The account sells in this thread (only a seller has `seller_options` to ask).
    pub seller_side: bool,
    pub transaction_id: Option<String>,
}

/// Whether the account is the seller of the thread's transaction: Vinted's
/// `current_user_side`, else its `seller_id`.
fn is_seller_side(answer: &Value, own_user_id: &str) -> bool {
    let transaction = &answer["conversation"]["transaction"];
    match transaction["current_user_side"].as_str() {
        Some(side) => side == "seller",
        None => id_text(&transaction["seller_id"]).is_some_and(|id| id == own_user_id),
    }
}

/// Reads one thread and stores it whole. `own_user_id` is the account's Vinted id when known;
/// otherwise the thread's transaction says which side the account is on.
pub(crate) async fn read_thread<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    conversation_id: &str,
    own_user_id: Option<&str>,
    updated_at: Option<String>,
    description: Option<String>,
) -> Result<ThreadRead, FlowError> {
    let numeric: u64 = conversation_id.parse().map_err(|_| {
        FlowError::Invalid(format!(
            "{conversation_id:?} is not a Vinted conversation id"
        ))
    })?;
    let answer = flow
        .paced
        .read(Call::get(route::conversation(numeric)))
        .await?;
    let mut thread = match parse_thread(&answer, conversation_id, own_user_id) {
        Ok(thread) => thread,
        Err(ThreadError::NoOwnId) => {
            let own = current_user_id(flow).await?;
            parse_thread(&answer, conversation_id, Some(&own)).map_err(ThreadError::into_flow)?
        }
        Err(other) => return Err(other.into_flow()),
    };
    thread.updated_at = updated_at;
    thread.description = description;
    let own = thread.own_user_id.clone();
    let pending_offer = thread.entries.iter().any(|entry| match &entry.kind {
        EntryKind::Offer {
            sender_id,
            status,
            current,
            ..
        } => *current && *status == crate::site::code::OFFER_PENDING && *sender_id != own,
        _ => false,
    });
    let transaction_id = thread.transaction_id.clone();
    let seller_side = is_seller_side(&answer, &own);
    let account_id = flow.caller.account_id.clone();
    let stored = flow
        .store
        .with_store(move |store| Ok(store.record_thread(&account_id, &thread)?))
        .await
        .map_err(store_error)?;
    Ok(ThreadRead {
        stored,
        pending_offer,
        seller_side,
        transaction_id,
    })
}

/// The account's Vinted user id: `users/current`, or `users/me` where that moved.
pub(crate) async fn current_user_id<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
) -> Result<String, FlowError> {
    let answer = match flow.paced.read(Call::get(route::USERS_CURRENT)).await {
        Err(FlowError::Vinted(refusal))
            if refusal.is_route_refused() || matches!(refusal, Refusal::EndpointMoved { .. }) =>
        {
            flow.paced.read(Call::get(route::USERS_ME)).await?
        }
        other => other?,
    };
    id_text(&answer["user"]["id"]).ok_or(FlowError::Vinted(Refusal::EndpointMoved { status: 200 }))
}

/// An id as Vinted sends it (a number, sometimes a string), as text.
fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => n.as_u64().map(|n| n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    }
}

fn text(value: &Value) -> Option<String> {
    value
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A photo's address: `{url}`, `{full_size_url}` or a plain string.
fn photo_url(value: &Value) -> Option<String> {
    match value {
        Value::String(url) => text(&Value::String(url.clone())),
        Value::Object(photo) => photo
            .get("url")
            .and_then(text)
            .or_else(|| photo.get("full_size_url").and_then(text)),
        _ => None,
    }
}

/// `created_at_ts` as RFC 3339: Vinted's text as it is, or a Unix time in seconds (or
/// milliseconds).
fn entry_time(value: &Value) -> Option<String> {
    match value {
        Value::String(at) => chrono::DateTime::parse_from_rfc3339(at.trim())
            .ok()
            .map(|t| crate::rfc3339(t.with_timezone(&chrono::Utc))),
        Value::Number(n) => {
            let n = n.as_i64()?;
            let secs = if n > 100_000_000_000 { n / 1000 } else { n };
            chrono::DateTime::from_timestamp(secs, 0).map(crate::rfc3339)
        }
        _ => None,
    }
}

/// One page of the inbox.
#[derive(Debug, Clone, Default)]
pub(crate) struct InboxPage {
    pub entries: Vec<InboxEntry>,
    /// `None` when the answer has no pagination.
    pub total_pages: Option<u32>,
    pub total_entries: u32,
}

fn moved() -> FlowError {
    FlowError::Vinted(Refusal::EndpointMoved { status: 200 })
}

fn user_of(value: &Value) -> InboxUser {
    InboxUser {
        id: id_text(&value["id"]).unwrap_or_default(),
        login: text(&value["login"]).unwrap_or_default(),
        photo_url: photo_url(&value["photo"]),
    }
}

pub(crate) fn parse_inbox_page(answer: &Value) -> Result<InboxPage, FlowError> {
    // No `conversations` list is a moved endpoint, never an empty inbox.
    let conversations = answer["conversations"].as_array().ok_or_else(moved)?;
    let mut entries = Vec::with_capacity(conversations.len());
    for c in conversations {
        let Some(id) = id_text(&c["id"]) else {
            return Err(moved());
        };
        let Some(updated_at) = entry_time(&c["updated_at"]) else {
            return Err(FlowError::Invalid(format!(
                "conversation {id} has no valid updated_at: {}",
                c["updated_at"]
            )));
        };
        entries.push(InboxEntry {
            conversation_id: id,
            description: text(&c["description"]),
            unread: c["unread"].as_bool().unwrap_or(false),
            updated_at,
            opposite_user: user_of(&c["opposite_user"]),
            item_photo: c["item_photos"]
                .as_array()
                .and_then(|photos| photos.iter().find_map(photo_url)),
        });
    }
    let pagination = &answer["pagination"];
    let number = |v: &Value| v.as_u64().and_then(|n| u32::try_from(n).ok());
    Ok(InboxPage {
        total_pages: number(&pagination["total_pages"]),
        total_entries: number(&pagination["total_entries"]).unwrap_or(entries.len() as u32),
        entries,
    })
}

/// Why a conversation's answer could not be read.
#[derive(Debug)]
pub(crate) enum ThreadError {
    /// Not a conversation at all: the endpoint moved.
    Moved,
    /// Nothing says which member is the account.
    NoOwnId,
}

impl ThreadError {
    fn into_flow(self) -> FlowError {
        match self {
            ThreadError::Moved => moved(),
            ThreadError::NoOwnId => FlowError::Invalid(
                "the conversation does not say which member is this account".into(),
            ),
        }
    }
}

/// A key for an entry Vinted gave no id: the same content gives the same key, on every device
/// and in every version (FNV-1a, fixed, unlike the standard library's hasher).
fn content_key(kind: &str, at: &str, entity: &Value) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in [kind, "\0", at, "\0", &entity.to_string()]
        .iter()
        .flat_map(|part| part.bytes())
    {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("c{hash:016x}")
}

/// A conversation's answer (`{conversation:{messages, transaction, opposite_user}}`) as a
/// [`Thread`].
pub(crate) fn parse_thread(
    answer: &Value,
    conversation_id: &str,
    own_user_id: Option<&str>,
) -> Result<Thread, ThreadError> {
    let conversation = answer.get("conversation").ok_or(ThreadError::Moved)?;
    let messages = conversation["messages"]
        .as_array()
        .ok_or(ThreadError::Moved)?;
    let transaction = &conversation["transaction"];
    let side_id = match transaction["current_user_side"].as_str() {
        Some("seller") => id_text(&transaction["seller_id"]),
        Some("buyer") => id_text(&transaction["buyer_id"]),
        _ => None,
    };
    let own = own_user_id
        .map(str::to_owned)
        .or(side_id)
        .ok_or(ThreadError::NoOwnId)?;
    let mut entries = Vec::with_capacity(messages.len());
    for wrapper in messages {
        let kind = wrapper["entity_type"].as_str().unwrap_or_default();
        let entity = &wrapper["entity"];
        let Some(sent_at) = entry_time(&wrapper["created_at_ts"])
            .or_else(|| entry_time(&wrapper["created_at"]))
            .or_else(|| entry_time(&entity["created_at_ts"]))
        else {
            tracing::warn!(kind, "a conversation entry without a time is skipped");
            continue;
        };
        let key = id_text(&wrapper["id"])
            .or_else(|| id_text(&entity["id"]))
            .unwrap_or_else(|| content_key(kind, &sent_at, entity));
        let kind = match kind {
            "message" => EntryKind::Message {
                sender_id: id_text(&entity["user_id"]).unwrap_or_default(),
                body: entity["body"].as_str().unwrap_or_default().to_owned(),
                photos: entity["photos"]
                    .as_array()
                    .map(|photos| photos.iter().filter_map(photo_url).collect())
                    .unwrap_or_default(),
            },
            "offer_request_message" => {
                let Some(offer_request_id) =
                    id_text(&entity["offer_request_id"]).or_else(|| id_text(&entity["id"]))
                else {
                    tracing::warn!("an offer without its id is skipped");
                    continue;
                };
                EntryKind::Offer {
                    offer_request_id,
                    sender_id: id_text(&entity["user_id"]).unwrap_or_default(),
                    price_cents: parse_amount_cents(&entity["price"]).unwrap_or(0),
                    original_price_cents: parse_amount_cents(&entity["original_price"]),
                    status: entity["status"]
                        .as_i64()
                        .or_else(|| entity["status"].as_str().and_then(|s| s.parse().ok()))
                        .unwrap_or(crate::site::code::OFFER_PENDING),
                    status_title: text(&entity["status_title"]),
                    current: entity["current"].as_bool().unwrap_or(false),
                    body: text(&entity["body"]).or_else(|| text(&entity["title"])),
                }
            }
            "status_message" | "action_message" => {
                let mut data = entity.clone();
                if let Value::Object(map) = &mut data {
                    map.remove("title");
                    map.remove("subtitle");
                }
                let data = match data {
                    Value::Object(map) if map.is_empty() => Value::Null,
                    other => other,
                };
                EntryKind::System {
                    event_type: kind.to_owned(),
                    title: text(&entity["title"]),
                    subtitle: text(&entity["subtitle"]),
                    data,
                }
            }
            other => {
                tracing::warn!(
                    entity_type = other,
                    "a conversation entry of an unknown type is skipped"
                );
                continue;
            }
        };
        entries.push(ThreadEntry { key, sent_at, kind });
    }
    Ok(Thread {
        conversation_id: conversation_id.to_owned(),
        own_user_id: own,
        updated_at: None,
        description: None,
        opposite_user: user_of(&conversation["opposite_user"]),
        transaction_id: id_text(&transaction["id"]),
        item_id: id_text(&transaction["item_id"]),
        item_title: text(&transaction["item_title"]),
        item_photo: photo_url(&transaction["item_photo"]),
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seller_side_is_told_by_the_transaction() {
        let side = |transaction: Value| json!({"conversation": {"transaction": transaction}});
        assert!(is_seller_side(
            &side(json!({"current_user_side": "seller"})),
            "1"
        ));
        assert!(!is_seller_side(
            &side(json!({"current_user_side": "buyer", "seller_id": 1})),
            "1"
        ));
        assert!(is_seller_side(&side(json!({"seller_id": 4242})), "4242"));
        assert!(!is_seller_side(&side(json!({"seller_id": 7})), "4242"));
        assert!(!is_seller_side(&json!({"conversation": {}}), "4242"));
    }

    fn answer() -> Value {
        json!({"code": 0, "conversation": {
            "id": 7002,
            "messages": [
                {"id": 1, "entity_type": "message", "created_at_ts": "2026-11-19T09:00:00+01:00",
                 "entity": {"id": 11, "user_id": 6102, "body": "Bonjour", "photos": [{"id": 3, "url": "https://img/a.jpg"}, "https://img/b.jpg"]}},
                {"id": 2, "entity_type": "offer_request_message", "created_at_ts": 1795078800,
                 "entity": {"offer_request_id": 31, "user_id": 6102, "title": "Offre : 40,00 €",
                            "price": {"amount": "40.00", "currency_code": "EUR"},
                            "original_price": {"amount": "50.00", "currency_code": "EUR"},
                            "status": 10, "status_title": "En attente", "current": true, "transaction_id": 8002}},
                {"entity_type": "status_message", "created_at_ts": "2026-11-20T10:15:00Z",
                 "entity": {"title": "Commande payée", "subtitle": "Envoie le colis", "actions": [1]}},
                {"entity_type": "mystery", "created_at_ts": "2026-11-20T10:15:00Z", "entity": {}}
            ],
            "transaction": {"id": 8002, "current_user_side": "seller", "buyer_id": 6102,
                            "seller_id": 4242, "item_id": 5003, "item_title": "Robe",
                            "item_photo": {"url": "https://img/item.jpg"}},
            "opposite_user": {"id": 6102, "login": "bob", "photo": {"url": "https://img/bob.jpg"}}
        }})
    }

    #[test]
    fn a_conversation_gives_its_four_kinds_of_entries_and_who_the_account_is() {
        let thread = parse_thread(&answer(), "7002", None).expect("a thread");
        assert_eq!(thread.own_user_id, "4242", "from current_user_side");
        assert_eq!(thread.transaction_id.as_deref(), Some("8002"));
        assert_eq!(thread.item_photo.as_deref(), Some("https://img/item.jpg"));
        assert_eq!(thread.opposite_user.login, "bob");
        assert_eq!(thread.entries.len(), 3, "the unknown type is skipped");
        assert_eq!(
            thread.entries[0].kind,
            EntryKind::Message {
                sender_id: "6102".into(),
                body: "Bonjour".into(),
                photos: vec!["https://img/a.jpg".into(), "https://img/b.jpg".into()],
            }
        );
        assert_eq!(thread.entries[0].sent_at, "2026-11-19T08:00:00.000Z");
        match &thread.entries[1].kind {
            EntryKind::Offer {
                offer_request_id,
                price_cents,
                original_price_cents,
                status,
                current,
                ..
            } => {
                assert_eq!(offer_request_id, "31");
                assert_eq!((*price_cents, *original_price_cents), (4000, Some(5000)));
                assert_eq!((*status, *current), (10, true));
            }
            other => panic!("not an offer: {other:?}"),
        }
        assert_eq!(thread.entries[1].sent_at, "2026-11-19T09:00:00.000Z");
        match &thread.entries[2].kind {
            EntryKind::System {
                event_type, data, ..
            } => {
                assert_eq!(event_type, "status_message");
                assert_eq!(data, &json!({"actions": [1]}));
            }
            other => panic!("not an event: {other:?}"),
        }
        // No id: a key made of the content, the same on every read.
        let again = parse_thread(&answer(), "7002", None).expect("a thread");
        assert_eq!(thread.entries[2].key, again.entries[2].key);
    }

    #[test]
    fn an_answer_without_conversations_is_a_moved_endpoint_not_an_empty_inbox() {
        assert!(matches!(
            parse_inbox_page(&json!({"items": []})),
            Err(FlowError::Vinted(Refusal::EndpointMoved { .. }))
        ));
        let page = parse_inbox_page(&json!({
            "conversations": [{"id": 1, "updated_at": "2026-11-20T10:00:00+01:00", "unread": true,
                               "description": "Salut", "opposite_user": {"id": 2, "login": "x"},
                               "item_photos": [{"url": "https://img/1.jpg"}]}],
            "pagination": {"total_pages": 3, "total_entries": 41}
        }))
        .expect("a page");
        assert_eq!((page.total_pages, page.total_entries), (Some(3), 41));
        assert_eq!(page.entries[0].updated_at, "2026-11-20T09:00:00.000Z");
        assert!(page.entries[0].unread);
        assert!(matches!(
            parse_thread(&json!({"conversation": {"messages": []}}), "1", None),
            Err(ThreadError::NoOwnId)
        ));
    }
}
