//! The inbox of every account (`docs/VINTED.md`, "Read endpoints": inbox and conversation):
//! threads in `seller_conversations`, their messages (`seller_messages`, one row per photo beyond
//! the text's own), offers and counter-offers (`seller_offers`, chained by `parent_offer_id`)
//! and Vinted's status and action messages (`seller_system_events`); Vinted's ids beside them
//! in this device's `vinted_conversation_refs` and `vinted_offer_refs` (migration 0018); the
//! seller's reply templates.
//!
//! Sync: like `seller_listings` (docs/SYNC.md), every row's id is a UUIDv8 hashed from the
//! account and Vinted's ids ([`inbox_row_id`]), so two devices reading the same inbox write the
//! same rows; a row is written only when something of it changed, so reading a thread again
//! sends nothing to the other devices.
//!
//! A thread is unread while the buyer spoke last (issue 15): the count is the buyer's messages
//! and offers after the seller's last one ([`unread_count`]); a thread known only from an inbox
//! page, not read yet, takes Vinted's own `unread` flag.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{Job, Page, limit_offset, normalized_time};
use crate::enums::text_enum;
use crate::{FieldError, FieldErrorCode, Result, Store, StoreError, StoreTx, new_id, now_rfc3339};

text_enum!(
    /// Where an offer stands (`seller_offers.status`).
    OfferStatus {
        Pending = "pending",
        Accepted = "accepted",
        Declined = "declined",
        Countered = "countered",
        Expired = "expired",
    }
);

text_enum!(
    /// What one entry of a thread is.
    ThreadItemKind {
        Message = "message",
        Offer = "offer",
        Event = "event",
    }
);

/// Vinted's `offer_request_message.status` (`crates/vinted/src/site.rs`, `code`).
pub const VINTED_OFFER_PENDING: i64 = 10;
pub const VINTED_OFFER_ACCEPTED: i64 = 20;
pub const VINTED_OFFER_CANCELLED: i64 = 40;

/// Longest reply a template holds (a Vinted message is shorter still).
pub const MAX_TEMPLATE_BODY_CHARS: usize = 2000;
pub const MAX_TEMPLATE_NAME_CHARS: usize = 80;

/// The member on the other side of a thread.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InboxUser {
    pub id: String,
    pub login: String,
    pub photo_url: Option<String>,
}

/// One thread as a page of the inbox lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InboxEntry {
    /// Vinted's id of the conversation.
    pub conversation_id: String,
    /// The last message, as Vinted words it.
    pub description: Option<String>,
    pub unread: bool,
    /// RFC 3339.
    pub updated_at: String,
    pub opposite_user: InboxUser,
    pub item_photo: Option<String>,
}

/// A whole thread as its read gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Thread {
    pub conversation_id: String,
    /// The account's own Vinted user id: its messages are `is_me`.
    pub own_user_id: String,
    /// The inbox's `updated_at` that led to this read, kept so the next read skips the thread
    /// while it stays the same.
    pub updated_at: Option<String>,
    pub description: Option<String>,
    pub opposite_user: InboxUser,
    pub transaction_id: Option<String>,
    pub item_id: Option<String>,
    pub item_title: Option<String>,
    pub item_photo: Option<String>,
    pub entries: Vec<ThreadEntry>,
}

/// One entry of a thread, in Vinted's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadEntry {
    /// Vinted's id of the entry (the message's, or the wrapper's), or one made of its content
    /// when Vinted gives none: the same entry read twice keeps its key.
    pub key: String,
    /// RFC 3339.
    pub sent_at: String,
    pub kind: EntryKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum EntryKind {
    Message {
        sender_id: String,
        body: String,
        /// Addresses of the photos, in order.
        photos: Vec<String>,
    },
    Offer {
        offer_request_id: String,
        sender_id: String,
        price_cents: i64,
        original_price_cents: Option<i64>,
        /// Vinted's code: 10 pending, 20 accepted, 40 cancelled.
        status: i64,
        status_title: Option<String>,
        /// Vinted's `current`: the transaction's live offer.
        current: bool,
        body: Option<String>,
    },
    /// `status_message` or `action_message`.
    System {
        event_type: String,
        title: Option<String>,
        subtitle: Option<String>,
        data: Value,
    },
}

/// How many rows a thread's read wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadStored {
    pub inserted: u32,
    pub changed: u32,
    pub unchanged: u32,
}

impl ThreadStored {
    fn count(&mut self, written: Written) {
        match written {
            Written::Inserted => self.inserted += 1,
            Written::Changed => self.changed += 1,
            Written::Unchanged => self.unchanged += 1,
        }
    }

    pub fn add(&mut self, other: ThreadStored) {
        self.inserted += other.inserted;
        self.changed += other.changed;
        self.unchanged += other.unchanged;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Written {
    Inserted,
    Changed,
    Unchanged,
}

/// Vinted's ids of a thread of this device, for the calls that answer in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationRef {
    pub row_id: String,
    pub account_id: String,
    pub vinted_conversation_id: String,
    pub transaction_id: Option<String>,
}

/// An offer of a thread of this device, with what answering it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferRef {
    pub offer_id: String,
    pub conversation: ConversationRef,
    pub offer_request_id: String,
    pub amount_cents: i64,
    pub status: OfferStatus,
    pub is_me: bool,
}

/// The id of an inbox row: a UUIDv8 of the first 122 bits of SHA-256 over the table's name, the
/// account's id and Vinted's ids, so every device that reads the same thread makes the same
/// rows (see `listings::listing_row_id`).
pub fn inbox_row_id(table: &str, account_id: &str, parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    hash.update(table.as_bytes());
    hash.update(b"\0");
    hash.update(account_id.as_bytes());
    for part in parts {
        hash.update(b"\0");
        hash.update(part.as_bytes());
    }
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes)
        .into_uuid()
        .to_string()
}

pub fn conversation_row_id(account_id: &str, vinted_conversation_id: &str) -> String {
    inbox_row_id(
        "seller_conversations",
        account_id,
        &[vinted_conversation_id],
    )
}

fn offer_row_id(account_id: &str, conversation: &str, offer_request_id: &str) -> String {
    inbox_row_id(
        "seller_offers",
        account_id,
        &[conversation, offer_request_id],
    )
}

fn message_row_id(account_id: &str, conversation: &str, key: &str, photo: usize) -> String {
    let photo = photo.to_string();
    inbox_row_id("seller_messages", account_id, &[conversation, key, &photo])
}

fn event_row_id(account_id: &str, conversation: &str, key: &str) -> String {
    inbox_row_id("seller_system_events", account_id, &[conversation, key])
}

/// The rule of issue 15: a thread is unread while the buyer spoke last. The count is how many
/// messages and offers the other side sent after the account's own last one. Vinted's status
/// and action messages are nobody speaking; a buyer's offer the account accepted (20) was
/// answered, as if the account had spoken after it. A cancelled one (40) was not: the buyer
/// may have withdrawn it, or it expired, with nobody answering.
pub fn unread_count(entries: &[ThreadEntry], own_user_id: &str) -> i64 {
    let mut count = 0;
    for entry in entries.iter().rev() {
        match &entry.kind {
            EntryKind::System { .. } => {}
            EntryKind::Message { sender_id, .. } if sender_id == own_user_id => break,
            EntryKind::Offer { sender_id, .. } if sender_id == own_user_id => break,
            EntryKind::Offer { status, .. } if *status == VINTED_OFFER_ACCEPTED => break,
            EntryKind::Message { .. } | EntryKind::Offer { .. } => count += 1,
        }
    }
    count
}

/// Each offer's status and parent (as an index into `entries`), from Vinted's codes and the
/// chain: an offer answered by an offer of the other side is `countered` (unless accepted), and
/// that answer's parent; a cancelled offer nobody answered with another is `declined`, or
/// `expired` when Vinted's title says so; a pending one that is no longer current was
/// overtaken. An offer after an accepted one opens a new chain.
pub fn offer_chain(entries: &[ThreadEntry]) -> Vec<Option<(OfferStatus, Option<usize>)>> {
    let mut result: Vec<Option<(OfferStatus, Option<usize>)>> = vec![None; entries.len()];
    let offers: Vec<usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.kind, EntryKind::Offer { .. }))
        .map(|(i, _)| i)
        .collect();
    for (n, &index) in offers.iter().enumerate() {
        let EntryKind::Offer {
            sender_id,
            status,
            status_title,
            current,
            ..
        } = &entries[index].kind
        else {
            continue;
        };
        let previous = n.checked_sub(1).map(|p| offers[p]);
        let parent = previous.filter(|&p| match &entries[p].kind {
            EntryKind::Offer {
                sender_id: other,
                status: previous_status,
                ..
            } => other != sender_id && *previous_status != VINTED_OFFER_ACCEPTED,
            _ => false,
        });
        let answered = offers
            .get(n + 1)
            .is_some_and(|&next| match &entries[next].kind {
                EntryKind::Offer {
                    sender_id: other, ..
                } => other != sender_id,
                _ => false,
            });
        let expired = status_title.as_deref().is_some_and(says_expired);
        let status = match *status {
            VINTED_OFFER_ACCEPTED => OfferStatus::Accepted,
            _ if answered => OfferStatus::Countered,
            VINTED_OFFER_PENDING if *current || offers.get(n + 1).is_none() => OfferStatus::Pending,
            VINTED_OFFER_PENDING => OfferStatus::Expired,
            _ if expired => OfferStatus::Expired,
            _ => OfferStatus::Declined,
        };
        result[index] = Some((status, parent));
    }
    result
}

/// Whether an offer's status title says it expired, in the languages of Vinted's sites
/// ("Offre expirée", "Offer expired", "Oferta caducada", "Offerta scaduta", "Angebot
/// abgelaufen", "Bod verlopen", "Oferta wygasła", "Nabídka vypršela", "Ajánlat lejárt", ...).
fn says_expired(title: &str) -> bool {
    let title = title.to_lowercase();
    [
        "expir",
        "caduc",
        "scadut",
        "abgelaufen",
        "verlop",
        "vervall",
        "wygas",
        "vypr",
        "lejár",
        "pasibaig",
        "aegus",
        "beigu",
        "istek",
        "λήξ",
    ]
    .iter()
    .any(|word| title.contains(word))
}

/// `at` (as stored) `n` milliseconds later.
fn plus_millis(at: &str, n: usize) -> String {
    match chrono::DateTime::parse_from_rfc3339(at) {
        Ok(t) if n > 0 => (t.with_timezone(&chrono::Utc)
            + chrono::Duration::milliseconds(i64::try_from(n).unwrap_or(0)))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        _ => at.to_owned(),
    }
}

/// A time as stored, or the field's error.
fn time(field: &str, text: &str) -> Result<String> {
    normalized_time(field, text)
}

/// The conversation row's values, as a thread's read makes them.
struct ConversationValues {
    buyer_id: String,
    buyer_name: String,
    buyer_avatar: Option<String>,
    item_id: Option<String>,
    item_title: Option<String>,
    item_thumbnail: Option<String>,
    item_price: Option<i64>,
    last_message: Option<String>,
    last_message_time: Option<String>,
    unread_count: i64,
}

fn write_conversation(
    conn: &Connection,
    id: &str,
    account_id: &str,
    v: &ConversationValues,
) -> Result<Written> {
    let existed: bool = conn
        .prepare_cached("SELECT 1 FROM seller_conversations WHERE id = ?1")?
        .query_row([id], |_| Ok(true))
        .optional()?
        .unwrap_or(false);
    // Written only when something differs: an unchanged thread syncs nothing.
    let rows = conn
        .prepare_cached(
            "INSERT INTO seller_conversations (id, buyer_id, buyer_name, buyer_username,
                 buyer_avatar, item_id, item_title, item_thumbnail, item_price, last_message,
                 last_message_time, unread_count, seller_account_id)
             VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (id) DO UPDATE SET
                 buyer_id = excluded.buyer_id, buyer_name = excluded.buyer_name,
                 buyer_username = excluded.buyer_username, buyer_avatar = excluded.buyer_avatar,
                 item_id = coalesce(excluded.item_id, item_id),
                 item_title = coalesce(excluded.item_title, item_title),
                 item_thumbnail = coalesce(excluded.item_thumbnail, item_thumbnail),
                 item_price = coalesce(excluded.item_price, item_price),
                 last_message = coalesce(excluded.last_message, last_message),
                 last_message_time = coalesce(excluded.last_message_time, last_message_time),
                 unread_count = excluded.unread_count,
                 seller_account_id = excluded.seller_account_id
             WHERE buyer_id IS NOT excluded.buyer_id OR buyer_name IS NOT excluded.buyer_name
                OR buyer_username IS NOT excluded.buyer_username
                OR buyer_avatar IS NOT excluded.buyer_avatar
                OR (excluded.item_id IS NOT NULL AND item_id IS NOT excluded.item_id)
                OR (excluded.item_title IS NOT NULL AND item_title IS NOT excluded.item_title)
                OR (excluded.item_thumbnail IS NOT NULL
                    AND item_thumbnail IS NOT excluded.item_thumbnail)
                OR (excluded.item_price IS NOT NULL AND item_price IS NOT excluded.item_price)
                OR (excluded.last_message IS NOT NULL
                    AND last_message IS NOT excluded.last_message)
                OR (excluded.last_message_time IS NOT NULL
                    AND last_message_time IS NOT excluded.last_message_time)
                OR unread_count IS NOT excluded.unread_count
                OR seller_account_id IS NOT excluded.seller_account_id",
        )?
        .execute(params![
            id,
            v.buyer_id,
            v.buyer_name,
            v.buyer_avatar,
            v.item_id,
            v.item_title,
            v.item_thumbnail,
            v.item_price,
            v.last_message,
            v.last_message_time,
            v.unread_count,
            account_id,
        ])?;
    Ok(match (existed, rows) {
        (false, _) => Written::Inserted,
        (true, 0) => Written::Unchanged,
        (true, _) => Written::Changed,
    })
}

#[allow(clippy::too_many_arguments)]
fn write_message(
    conn: &Connection,
    id: &str,
    conversation_id: &str,
    sender_id: &str,
    sender_name: Option<&str>,
    sender_avatar: Option<&str>,
    content: &str,
    sent_at: &str,
    is_me: bool,
    image_url: Option<&str>,
) -> Result<Written> {
    let existed: bool = conn
        .prepare_cached("SELECT 1 FROM seller_messages WHERE id = ?1")?
        .query_row([id], |_| Ok(true))
        .optional()?
        .unwrap_or(false);
    let rows = conn
        .prepare_cached(
            "INSERT INTO seller_messages (id, conversation_id, sender_id, sender_name,
                 sender_avatar, content, sent_at, is_me, image_url)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (id) DO UPDATE SET
                 sender_id = excluded.sender_id, sender_name = excluded.sender_name,
                 sender_avatar = excluded.sender_avatar, content = excluded.content,
                 sent_at = excluded.sent_at, is_me = excluded.is_me,
                 image_url = excluded.image_url
             WHERE sender_id IS NOT excluded.sender_id OR sender_name IS NOT excluded.sender_name
                OR sender_avatar IS NOT excluded.sender_avatar OR content IS NOT excluded.content
                OR sent_at IS NOT excluded.sent_at OR is_me IS NOT excluded.is_me
                OR image_url IS NOT excluded.image_url",
        )?
        .execute(params![
            id,
            conversation_id,
            sender_id,
            sender_name,
            sender_avatar,
            content,
            sent_at,
            is_me,
            image_url
        ])?;
    Ok(written(existed, rows))
}

fn written(existed: bool, rows: usize) -> Written {
    match (existed, rows) {
        (false, _) => Written::Inserted,
        (true, 0) => Written::Unchanged,
        (true, _) => Written::Changed,
    }
}

impl StoreTx<'_> {
    /// One page of an account's inbox: a thread new to this device gets its row (the buyer, the
    /// last message, Vinted's unread flag) until its read fills it. Returns Vinted's ids of the
    /// threads to read: new ones, and those whose `updated_at` moved since this device last read
    /// them.
    pub fn record_inbox_page(
        &mut self,
        account_id: &str,
        entries: &[InboxEntry],
    ) -> Result<Vec<String>> {
        let mut to_read = Vec::new();
        for entry in entries {
            let updated_at = time("updatedAt", &entry.updated_at)?;
            let id = conversation_row_id(account_id, &entry.conversation_id);
            let known: Option<Option<String>> = self
                .tx
                .prepare_cached(
                    "SELECT read_updated_at FROM vinted_conversation_refs WHERE id = ?1",
                )?
                .query_row([&id], |r| r.get(0))
                .optional()?;
            if known.is_none() {
                let values = ConversationValues {
                    buyer_id: entry.opposite_user.id.clone(),
                    buyer_name: entry.opposite_user.login.clone(),
                    buyer_avatar: entry.opposite_user.photo_url.clone(),
                    item_id: None,
                    item_title: None,
                    item_thumbnail: entry.item_photo.clone(),
                    item_price: None,
                    last_message: entry.description.clone(),
                    last_message_time: Some(updated_at.clone()),
                    unread_count: i64::from(entry.unread),
                };
                // Another device may have read it already: its row stays as that read left it.
                let exists: bool = self
                    .tx
                    .prepare_cached("SELECT 1 FROM seller_conversations WHERE id = ?1")?
                    .query_row([&id], |_| Ok(true))
                    .optional()?
                    .unwrap_or(false);
                if !exists {
                    write_conversation(&self.tx, &id, account_id, &values)?;
                }
                self.tx
                    .prepare_cached(
                        "INSERT INTO vinted_conversation_refs (id, seller_account_id,
                             vinted_conversation_id, inbox_updated_at, vinted_unread)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                    )?
                    .execute(params![
                        id,
                        account_id,
                        entry.conversation_id,
                        updated_at,
                        entry.unread
                    ])?;
            } else {
                self.tx
                    .prepare_cached(
                        "UPDATE vinted_conversation_refs SET inbox_updated_at = ?2,
                             vinted_unread = ?3
                         WHERE id = ?1 AND (inbox_updated_at IS NOT ?2 OR vinted_unread IS NOT ?3)",
                    )?
                    .execute(params![id, updated_at, entry.unread])?;
            }
            if known.flatten().as_deref() != Some(updated_at.as_str()) {
                to_read.push(entry.conversation_id.clone());
            }
        }
        Ok(to_read)
    }

    /// A thread as read whole: its row, every message, offer and event, each written only when
    /// new or changed; Vinted's ids kept for the answers.
    pub fn record_thread(&mut self, account_id: &str, thread: &Thread) -> Result<ThreadStored> {
        let mut stored = ThreadStored::default();
        let conversation = &thread.conversation_id;
        let id = conversation_row_id(account_id, conversation);
        let me = thread.own_user_id.as_str();
        let chain = offer_chain(&thread.entries);
        let last_spoken = thread.entries.iter().rev().find_map(|e| match &e.kind {
            EntryKind::Message { body, photos, .. } if !body.is_empty() || !photos.is_empty() => {
                Some(body.clone())
            }
            EntryKind::Offer { body, .. } => Some(body.clone().unwrap_or_default()),
            _ => None,
        });
        let last_time = match thread.entries.last() {
            Some(entry) => Some(time("sentAt", &entry.sent_at)?),
            None => thread
                .updated_at
                .as_deref()
                .map(|t| time("updatedAt", t))
                .transpose()?,
        };
        let item_price = thread.entries.iter().rev().find_map(|e| match &e.kind {
            EntryKind::Offer {
                original_price_cents,
                ..
            } => *original_price_cents,
            _ => None,
        });
        let values = ConversationValues {
            buyer_id: thread.opposite_user.id.clone(),
            buyer_name: thread.opposite_user.login.clone(),
            buyer_avatar: thread.opposite_user.photo_url.clone(),
            item_id: thread.item_id.clone(),
            item_title: thread.item_title.clone(),
            item_thumbnail: thread.item_photo.clone(),
            item_price,
            last_message: thread.description.clone().or(last_spoken),
            last_message_time: last_time,
            unread_count: unread_count(&thread.entries, me),
        };
        stored.count(write_conversation(&self.tx, &id, account_id, &values)?);
        let updated_at = thread
            .updated_at
            .as_deref()
            .map(|t| time("updatedAt", t))
            .transpose()?;
        self.tx
            .prepare_cached(
                "INSERT INTO vinted_conversation_refs (id, seller_account_id,
                     vinted_conversation_id, transaction_id, own_user_id, inbox_updated_at,
                     read_updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
                 ON CONFLICT (id) DO UPDATE SET
                     transaction_id = coalesce(excluded.transaction_id, transaction_id),
                     own_user_id = excluded.own_user_id,
                     read_updated_at = coalesce(excluded.read_updated_at, read_updated_at),
                     inbox_updated_at = coalesce(inbox_updated_at, excluded.inbox_updated_at)
                 WHERE transaction_id IS NOT coalesce(excluded.transaction_id, transaction_id)
                    OR own_user_id IS NOT excluded.own_user_id
                    OR (excluded.read_updated_at IS NOT NULL
                        AND read_updated_at IS NOT excluded.read_updated_at)",
            )?
            .execute(params![
                id,
                account_id,
                conversation,
                thread.transaction_id,
                me,
                updated_at
            ])?;
        let name_of = |sender: &str| -> (Option<&str>, Option<&str>) {
            if sender == thread.opposite_user.id {
                (
                    Some(thread.opposite_user.login.as_str()),
                    thread.opposite_user.photo_url.as_deref(),
                )
            } else {
                (None, None)
            }
        };
        let mut offer_ids: Vec<Option<String>> = vec![None; thread.entries.len()];
        for (index, entry) in thread.entries.iter().enumerate() {
            let sent_at = time("sentAt", &entry.sent_at)?;
            match &entry.kind {
                EntryKind::Message {
                    sender_id,
                    body,
                    photos,
                } => {
                    let (name, avatar) = name_of(sender_id);
                    let is_me = sender_id == me;
                    // One row per photo: the text with the first, the others image-only, a
                    // millisecond apart each so the thread keeps their order.
                    let count = photos.len().max(1);
                    for photo in 0..count {
                        let row = message_row_id(account_id, conversation, &entry.key, photo);
                        let content = if photo == 0 { body.as_str() } else { "" };
                        let sent_at = plus_millis(&sent_at, photo);
                        stored.count(write_message(
                            &self.tx,
                            &row,
                            &id,
                            sender_id,
                            name,
                            avatar,
                            content,
                            &sent_at,
                            is_me,
                            photos.get(photo).map(String::as_str),
                        )?);
                    }
                }
                EntryKind::Offer {
                    offer_request_id,
                    sender_id,
                    price_cents,
                    status,
                    current,
                    body,
                    ..
                } => {
                    let row = offer_row_id(account_id, conversation, offer_request_id);
                    let (state, parent) = chain[index].unwrap_or((OfferStatus::Pending, None));
                    let parent_id = parent.and_then(|p| offer_ids[p].clone());
                    let (name, avatar) = name_of(sender_id);
                    stored.count(write_offer(
                        &self.tx,
                        &OfferValues {
                            id: &row,
                            conversation_id: &id,
                            sender_id,
                            sender_name: name,
                            sender_avatar: avatar,
                            amount: *price_cents,
                            status: state,
                            sent_at: &sent_at,
                            is_me: sender_id == me,
                            message: body.as_deref(),
                            parent_offer_id: parent_id.as_deref(),
                        },
                    )?);
                    self.tx
                        .prepare_cached(
                            "INSERT INTO vinted_offer_refs (id, offer_request_id, vinted_status,
                                 is_current)
                             VALUES (?1, ?2, ?3, ?4)
                             ON CONFLICT (id) DO UPDATE SET
                                 offer_request_id = excluded.offer_request_id,
                                 vinted_status = excluded.vinted_status,
                                 is_current = excluded.is_current
                             WHERE offer_request_id IS NOT excluded.offer_request_id
                                OR vinted_status IS NOT excluded.vinted_status
                                OR is_current IS NOT excluded.is_current",
                        )?
                        .execute(params![row, offer_request_id, status, current])?;
                    offer_ids[index] = Some(row);
                }
                EntryKind::System {
                    event_type,
                    title,
                    subtitle,
                    data,
                } => {
                    let row = event_row_id(account_id, conversation, &entry.key);
                    let mut event = serde_json::json!({"title": title, "subtitle": subtitle});
                    if !data.is_null() {
                        event["data"] = data.clone();
                    }
                    stored.count(write_event(
                        &self.tx,
                        &row,
                        &id,
                        event_type,
                        &event.to_string(),
                        &sent_at,
                    )?);
                }
            }
        }
        Ok(stored)
    }

    pub fn create_reply_template(&mut self, draft: &ReplyTemplateDraft) -> Result<ReplyTemplate> {
        let draft = checked_template(draft)?;
        let (id, now) = (new_id(), now_rfc3339());
        self.tx
            .prepare_cached(
                "INSERT INTO vinted_reply_templates (id, name, body, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
            )?
            .execute(params![id, draft.name, draft.body, now])
            .map_err(duplicate_name)?;
        read_template(&self.tx, &id)
    }

    pub fn update_reply_template(
        &mut self,
        id: &str,
        draft: &ReplyTemplateDraft,
    ) -> Result<ReplyTemplate> {
        let draft = checked_template(draft)?;
        let rows = self
            .tx
            .prepare_cached(
                "UPDATE vinted_reply_templates SET name = ?2, body = ?3, updated_at = ?4
                 WHERE id = ?1",
            )?
            .execute(params![id, draft.name, draft.body, now_rfc3339()])
            .map_err(duplicate_name)?;
        if rows == 0 {
            return Err(template_not_found(id));
        }
        read_template(&self.tx, id)
    }

    pub fn delete_reply_template(&mut self, id: &str) -> Result<()> {
        let rows = self
            .tx
            .prepare_cached("DELETE FROM vinted_reply_templates WHERE id = ?1")?
            .execute([id])?;
        if rows == 0 {
            return Err(template_not_found(id));
        }
        Ok(())
    }
}

struct OfferValues<'a> {
    id: &'a str,
    conversation_id: &'a str,
    sender_id: &'a str,
    sender_name: Option<&'a str>,
    sender_avatar: Option<&'a str>,
    amount: i64,
    status: OfferStatus,
    sent_at: &'a str,
    is_me: bool,
    message: Option<&'a str>,
    parent_offer_id: Option<&'a str>,
}

fn write_offer(conn: &Connection, v: &OfferValues<'_>) -> Result<Written> {
    let existed: bool = conn
        .prepare_cached("SELECT 1 FROM seller_offers WHERE id = ?1")?
        .query_row([v.id], |_| Ok(true))
        .optional()?
        .unwrap_or(false);
    let rows = conn
        .prepare_cached(
            "INSERT INTO seller_offers (id, conversation_id, sender_id, sender_name,
                 sender_avatar, amount, status, sent_at, is_me, message, parent_offer_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (id) DO UPDATE SET
                 sender_id = excluded.sender_id, sender_name = excluded.sender_name,
                 sender_avatar = excluded.sender_avatar, amount = excluded.amount,
                 status = excluded.status, sent_at = excluded.sent_at, is_me = excluded.is_me,
                 message = excluded.message, parent_offer_id = excluded.parent_offer_id
             WHERE sender_id IS NOT excluded.sender_id OR sender_name IS NOT excluded.sender_name
                OR sender_avatar IS NOT excluded.sender_avatar OR amount IS NOT excluded.amount
                OR status IS NOT excluded.status OR sent_at IS NOT excluded.sent_at
                OR is_me IS NOT excluded.is_me OR message IS NOT excluded.message
                OR parent_offer_id IS NOT excluded.parent_offer_id",
        )?
        .execute(params![
            v.id,
            v.conversation_id,
            v.sender_id,
            v.sender_name,
            v.sender_avatar,
            v.amount.max(0),
            v.status,
            v.sent_at,
            v.is_me,
            v.message,
            v.parent_offer_id
        ])?;
    Ok(written(existed, rows))
}

fn write_event(
    conn: &Connection,
    id: &str,
    conversation_id: &str,
    event_type: &str,
    data: &str,
    at: &str,
) -> Result<Written> {
    let existed: bool = conn
        .prepare_cached("SELECT 1 FROM seller_system_events WHERE id = ?1")?
        .query_row([id], |_| Ok(true))
        .optional()?
        .unwrap_or(false);
    let rows = conn
        .prepare_cached(
            "INSERT INTO seller_system_events (id, conversation_id, event_type, event_data,
                 occurred_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET
                 event_type = excluded.event_type, event_data = excluded.event_data,
                 occurred_at = excluded.occurred_at
             WHERE event_type IS NOT excluded.event_type
                OR json(event_data) IS NOT json(excluded.event_data)
                OR occurred_at IS NOT excluded.occurred_at",
        )?
        .execute(params![id, conversation_id, event_type, data, at])?;
    Ok(written(existed, rows))
}

// --- Reading ------------------------------------------------------------------------------------

/// Which threads the inbox shows: every account's (or one's), unread first, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct ConversationFilter {
    pub account_id: Option<String>,
    pub unread_only: bool,
    /// Words each found in the buyer's name, the item's title or the last message.
    pub search: Option<String>,
    /// From 1.
    pub page: u32,
    pub per_page: u32,
}

impl Default for ConversationFilter {
    fn default() -> Self {
        Self {
            account_id: None,
            unread_only: false,
            search: None,
            page: 1,
            per_page: 50,
        }
    }
}

/// One thread of the inbox list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ConversationRow {
    pub id: String,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub buyer_name: Option<String>,
    pub buyer_avatar: Option<String>,
    pub item_title: Option<String>,
    pub item_thumbnail: Option<String>,
    pub item_price_cents: Option<i64>,
    pub last_message: Option<String>,
    pub last_message_time: Option<String>,
    pub unread_count: i64,
    /// An offer of the buyer waits for an answer.
    pub pending_offer: bool,
    /// This device knows Vinted's ids of the thread (it read it): it can answer in it.
    pub answerable: bool,
    /// The range Vinted allows for a counter-offer, as last read.
    pub offer_min_cents: Option<i64>,
    pub offer_max_cents: Option<i64>,
}

/// One entry of a thread: a message, an offer or one of Vinted's events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ThreadItem {
    pub id: String,
    pub kind: ThreadItemKind,
    /// RFC 3339.
    pub at: String,
    pub is_me: bool,
    pub sender_name: Option<String>,
    /// A message's text, an offer's message, an event's title.
    pub text: Option<String>,
    /// An event's subtitle.
    pub detail: Option<String>,
    pub image_url: Option<String>,
    pub amount_cents: Option<i64>,
    pub offer_status: Option<OfferStatus>,
    pub parent_offer_id: Option<String>,
}

/// A thread with its entries merged by time, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ThreadView {
    pub conversation: ConversationRow,
    pub items: Vec<ThreadItem>,
    /// Replies and offer answers of this thread not finished yet (queued, running, waiting),
    /// oldest first: the UI shows them as pending until Vinted confirms.
    pub pending: Vec<Job>,
    /// Replies and offer answers of this thread that failed in the last day, newest first (at
    /// most 3): the UI says why in the thread, in the person's language.
    pub recent_failures: Vec<Job>,
}

/// A reply template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ReplyTemplate {
    pub id: String,
    pub name: String,
    pub body: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ReplyTemplateDraft {
    pub name: String,
    pub body: String,
}

fn checked_template(draft: &ReplyTemplateDraft) -> Result<ReplyTemplateDraft> {
    let name = draft.name.trim().to_owned();
    let body = draft.body.trim().to_owned();
    let mut errors = Vec::new();
    match name.chars().count() {
        0 => errors.push(FieldError::new("name", FieldErrorCode::Required)),
        n if n > MAX_TEMPLATE_NAME_CHARS => {
            errors.push(FieldError::new("name", FieldErrorCode::TooLong))
        }
        _ => {}
    }
    match body.chars().count() {
        0 => errors.push(FieldError::new("body", FieldErrorCode::Required)),
        n if n > MAX_TEMPLATE_BODY_CHARS => {
            errors.push(FieldError::new("body", FieldErrorCode::TooLong))
        }
        _ => {}
    }
    if errors.is_empty() {
        Ok(ReplyTemplateDraft { name, body })
    } else {
        Err(StoreError::Validation(errors))
    }
}

fn duplicate_name(error: rusqlite::Error) -> StoreError {
    match &error {
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
        {
            StoreError::Validation(vec![FieldError::new("name", FieldErrorCode::Duplicate)])
        }
        _ => StoreError::from(error),
    }
}

fn template_not_found(id: &str) -> StoreError {
    StoreError::NotFound {
        entity: "reply template",
        id: id.to_owned(),
    }
}

fn template_from_row(r: &Row<'_>) -> rusqlite::Result<ReplyTemplate> {
    Ok(ReplyTemplate {
        id: r.get(0)?,
        name: r.get(1)?,
        body: r.get(2)?,
        created_at: r.get(3)?,
        updated_at: r.get(4)?,
    })
}

fn read_template(conn: &Connection, id: &str) -> Result<ReplyTemplate> {
    conn.prepare_cached(
        "SELECT id, name, body, created_at, updated_at FROM vinted_reply_templates WHERE id = ?1",
    )?
    .query_row([id], template_from_row)
    .optional()?
    .ok_or_else(|| template_not_found(id))
}

const ROW_COLUMNS: &str = "c.id, c.seller_account_id, a.name, c.buyer_name, c.buyer_avatar,
    c.item_title, c.item_thumbnail, c.item_price, c.last_message, c.last_message_time,
    c.unread_count,
    EXISTS (SELECT 1 FROM seller_offers o WHERE o.conversation_id = c.id
            AND o.status = 'pending' AND o.is_me = 0),
    r.id IS NOT NULL, r.offer_min_cents, r.offer_max_cents";

fn conversation_from_row(r: &Row<'_>) -> rusqlite::Result<ConversationRow> {
    Ok(ConversationRow {
        id: r.get(0)?,
        account_id: r.get(1)?,
        account_name: r.get(2)?,
        buyer_name: r.get(3)?,
        buyer_avatar: r.get(4)?,
        item_title: r.get(5)?,
        item_thumbnail: r.get(6)?,
        item_price_cents: r.get(7)?,
        last_message: r.get(8)?,
        last_message_time: r.get(9)?,
        unread_count: r.get(10)?,
        pending_offer: r.get(11)?,
        answerable: r.get(12)?,
        offer_min_cents: r.get(13)?,
        offer_max_cents: r.get(14)?,
    })
}

/// `LIKE` pattern of one search word, with its wildcards escaped.
fn like(word: &str) -> String {
    let escaped = word
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl Store {
    /// Whether an answer to an offer of the thread `conversation_id` (its row id) is queued or
    /// under way: a second one is refused until it ends (two clicks must not answer twice).
    pub fn offer_answer_pending(&self, conversation_id: &str) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM vinted_jobs
                            WHERE kind = 'answer_offer'
                              AND state IN ('queued', 'running', 'waiting', 'needs_attention')
                              AND json_extract(payload, '$.conversationId') = ?1)",
            [conversation_id],
            |r| r.get(0),
        )?)
    }

    /// See [`StoreTx::record_inbox_page`].
    pub fn record_inbox_page(
        &mut self,
        account_id: &str,
        entries: &[InboxEntry],
    ) -> Result<Vec<String>> {
        self.write(|tx| tx.record_inbox_page(account_id, entries))
    }

    /// See [`StoreTx::record_thread`].
    pub fn record_thread(&mut self, account_id: &str, thread: &Thread) -> Result<ThreadStored> {
        self.write(|tx| tx.record_thread(account_id, thread))
    }

    /// One page of the inbox: the shop's accounts' threads (one account's when asked), unread
    /// first, then the newest.
    pub fn list_conversations(&self, filter: &ConversationFilter) -> Result<Page<ConversationRow>> {
        let (limit, offset) = limit_offset(filter.page, filter.per_page)?;
        let mut clauses =
            vec!["(c.seller_account_id IS NULL OR a.shop_id = ?1 OR a.id IS NULL)".to_owned()];
        let mut values: Vec<rusqlite::types::Value> = vec![self.shop_id.clone().into()];
        if let Some(account) = &filter.account_id {
            values.push(account.clone().into());
            clauses.push(format!("c.seller_account_id = ?{}", values.len()));
        }
        if filter.unread_only {
            clauses.push("c.unread_count > 0".into());
        }
        for word in filter
            .search
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
        {
            values.push(like(word).into());
            let n = values.len();
            clauses.push(format!(
                "(coalesce(c.buyer_name, '') LIKE ?{n} ESCAPE '\\'
                  OR coalesce(c.item_title, '') LIKE ?{n} ESCAPE '\\'
                  OR coalesce(c.last_message, '') LIKE ?{n} ESCAPE '\\')"
            ));
        }
        let from = format!(
            "FROM seller_conversations c LEFT JOIN seller_accounts a ON a.id = c.seller_account_id
             LEFT JOIN vinted_conversation_refs r ON r.id = c.id
             WHERE {}",
            clauses.join(" AND ")
        );
        let total: i64 = self
            .conn
            .prepare(&format!("SELECT count(*) {from}"))?
            .query_row(rusqlite::params_from_iter(values.iter()), |r| r.get(0))?;
        let n = values.len();
        values.push(limit.into());
        values.push(offset.into());
        let items = self
            .conn
            .prepare(&format!(
                "SELECT {ROW_COLUMNS} {from}
                 ORDER BY (c.unread_count > 0) DESC, c.last_message_time DESC, c.id
                 LIMIT ?{} OFFSET ?{}",
                n + 1,
                n + 2
            ))?
            .query_map(
                rusqlite::params_from_iter(values.iter()),
                conversation_from_row,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Page {
            items,
            total: u32::try_from(total).unwrap_or(u32::MAX),
            page: filter.page,
            per_page: filter.per_page,
        })
    }

    fn conversation_row(&self, id: &str) -> Result<ConversationRow> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {ROW_COLUMNS} FROM seller_conversations c
                 LEFT JOIN seller_accounts a ON a.id = c.seller_account_id
                 LEFT JOIN vinted_conversation_refs r ON r.id = c.id WHERE c.id = ?1"
            ))?
            .query_row([id], conversation_from_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                entity: "conversation",
                id: id.to_owned(),
            })
    }

    /// A thread: its messages, offers and events merged by time, and its answers still pending.
    pub fn thread(&self, conversation_id: &str) -> Result<ThreadView> {
        let conversation = self.conversation_row(conversation_id)?;
        let items = self
            .conn
            .prepare_cached(
                "SELECT id, 'message', sent_at, is_me, sender_name, content, NULL, image_url,
                        NULL, NULL, NULL, 0
                 FROM seller_messages WHERE conversation_id = ?1
                 UNION ALL
                 SELECT id, 'offer', sent_at, is_me, sender_name, message, NULL, NULL, amount,
                        status, parent_offer_id, 1
                 FROM seller_offers WHERE conversation_id = ?1
                 UNION ALL
                 SELECT id, 'event', occurred_at, 0, NULL, json_extract(event_data, '$.title'),
                        json_extract(event_data, '$.subtitle'), NULL, NULL, NULL, NULL, 2
                 FROM seller_system_events WHERE conversation_id = ?1
                 ORDER BY 3, 12, 1",
            )?
            .query_map([conversation_id], |r| {
                Ok(ThreadItem {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    at: r.get(2)?,
                    is_me: r.get(3)?,
                    sender_name: r.get(4)?,
                    text: r.get(5)?,
                    detail: r.get(6)?,
                    image_url: r.get(7)?,
                    amount_cents: r.get(8)?,
                    offer_status: r.get(9)?,
                    parent_offer_id: r.get(10)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let pending_ids: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT id FROM vinted_jobs
                 WHERE kind IN ('send_reply', 'answer_offer')
                   AND json_extract(payload, '$.conversationId') = ?1
                   AND state NOT IN ('done', 'failed', 'cancelled')
                 ORDER BY created_at, id",
            )?
            .query_map([conversation_id], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let pending = pending_ids
            .iter()
            .map(|id| self.job(id))
            .collect::<Result<Vec<_>>>()?;
        let since = (chrono::Utc::now() - chrono::Duration::days(1))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let failed_ids: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT id FROM vinted_jobs
                 WHERE kind IN ('send_reply', 'answer_offer')
                   AND json_extract(payload, '$.conversationId') = ?1
                   AND state = 'failed' AND updated_at >= ?2
                 ORDER BY updated_at DESC, id LIMIT 3",
            )?
            .query_map(params![conversation_id, since], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let recent_failures = failed_ids
            .iter()
            .map(|id| self.job(id))
            .collect::<Result<Vec<_>>>()?;
        Ok(ThreadView {
            conversation,
            items,
            pending,
            recent_failures,
        })
    }

    /// Vinted's ids of a thread this device read; `None` when it never read it (a thread that
    /// came from another device).
    pub fn conversation_ref(&self, conversation_id: &str) -> Result<Option<ConversationRef>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, seller_account_id, vinted_conversation_id, transaction_id
                 FROM vinted_conversation_refs WHERE id = ?1",
            )?
            .query_row([conversation_id], |r| {
                Ok(ConversationRef {
                    row_id: r.get(0)?,
                    account_id: r.get(1)?,
                    vinted_conversation_id: r.get(2)?,
                    transaction_id: r.get(3)?,
                })
            })
            .optional()?)
    }

    /// An offer of a thread this device read, with Vinted's ids.
    pub fn offer_ref(&self, offer_id: &str) -> Result<Option<OfferRef>> {
        let found = self
            .conn
            .prepare_cached(
                "SELECT o.id, o.conversation_id, f.offer_request_id, o.amount, o.status, o.is_me
                 FROM seller_offers o JOIN vinted_offer_refs f ON f.id = o.id
                 WHERE o.id = ?1",
            )?
            .query_row([offer_id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, OfferStatus>(4)?,
                    r.get::<_, bool>(5)?,
                ))
            })
            .optional()?;
        let Some((offer_id, conversation_id, offer_request_id, amount_cents, status, is_me)) =
            found
        else {
            return Ok(None);
        };
        let Some(conversation) = self.conversation_ref(&conversation_id)? else {
            return Ok(None);
        };
        Ok(Some(OfferRef {
            offer_id,
            conversation,
            offer_request_id,
            amount_cents,
            status,
            is_me,
        }))
    }

    /// The Vinted conversation ids of the account this device knows, with the `updated_at` it
    /// last read each at (for tests and the benchmark).
    pub fn read_conversations(&self, account_id: &str) -> Result<Vec<(String, Option<String>)>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT vinted_conversation_id, read_updated_at FROM vinted_conversation_refs
                 WHERE seller_account_id = ?1 ORDER BY vinted_conversation_id",
            )?
            .query_map([account_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Records the range Vinted allows for an offer in the thread (a local row: nothing syncs).
    pub fn set_offer_range(
        &mut self,
        conversation_id: &str,
        min_cents: i64,
        max_cents: i64,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE vinted_conversation_refs SET offer_min_cents = ?2, offer_max_cents = ?3
                 WHERE id = ?1 AND (offer_min_cents IS NOT ?2 OR offer_max_cents IS NOT ?3)",
            )?
            .execute(params![conversation_id, min_cents.max(0), max_cents.max(0)])?;
        Ok(())
    }

    pub fn reply_templates(&self) -> Result<Vec<ReplyTemplate>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, name, body, created_at, updated_at FROM vinted_reply_templates
                 ORDER BY name COLLATE NOCASE, id",
            )?
            .query_map([], template_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }

    pub fn create_reply_template(&mut self, draft: &ReplyTemplateDraft) -> Result<ReplyTemplate> {
        self.write(|tx| tx.create_reply_template(draft))
    }

    pub fn update_reply_template(
        &mut self,
        id: &str,
        draft: &ReplyTemplateDraft,
    ) -> Result<ReplyTemplate> {
        self.write(|tx| tx.update_reply_template(id, draft))
    }

    pub fn delete_reply_template(&mut self, id: &str) -> Result<()> {
        self.write(|tx| tx.delete_reply_template(id))
    }
}

#[cfg(test)]
mod tests;
