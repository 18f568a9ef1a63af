//! Vinted's notifications as polls read them (`seller_notifications`), the favourites among them
//! (`seller_favorites`), the desktop alerts they raise, and the opt-in messages to people who
//! favourited an item (docs/VINTED.md, "Read endpoints" Notifications, "Pacing" and "What
//! resellers most need" 8; migration 0019).
//!
//! Identity: a notification's row id is derived from the account and Vinted's notification id, a
//! favourite's from the account, the item and the member ([`notification_row_id`],
//! [`favorite_row_id`], the same UUIDv8 rule as listings, docs/SYNC.md): a poll read again, on
//! this device or another, never makes a second row.
//!
//! Messages to favouriters: only for items the person turned on after reading the warning about
//! Vinted's rules; each (account, item, member) is planned once ever (`vinted_outreach_sends`),
//! sent 5 to 30 minutes after the favourite, and capped per member, per item and per account
//! over the last 24 hours ([`OutreachCaps`]). The caps are checked when the job is planned and
//! again when it runs.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::jobs::{JobKind, NewJob};
use super::{Page, limit_offset, normalized_time};
use crate::enums::text_enum;
use crate::settings::{read_setting, write_setting};
use crate::{FieldError, FieldErrorCode, Result, Store, StoreError, StoreTx, new_id, now_rfc3339};

text_enum!(
    /// What a notification is about, for the person.
    NotificationKind {
        Sale = "sale",
        Message = "message",
        Offer = "offer",
        System = "system",
    }
);

text_enum!(
    /// What is sent to someone who favourited an item.
    OutreachMode {
        Message = "message",
        Offer = "offer",
    }
);

text_enum!(
    /// Where a planned message to a favouriter stands.
    OutreachState {
        Queued = "queued",
        Sent = "sent",
        Skipped = "skipped",
        DryRun = "dry_run",
    }
);

/// Vinted's `entry_type`s (docs/VINTED.md; only 20 and 50 are confirmed).
pub mod entry_type {
    pub const FAVOURITE: i64 = 20;
    pub const FOLLOWER: i64 = 30;
    pub const PRICE_DROP: i64 = 50;
    pub const MESSAGE: i64 = 110;
    pub const OFFER: i64 = 120;
    pub const OFFER_2: i64 = 121;
    pub const OFFER_ACCEPTED: i64 = 125;
    pub const OFFER_DECLINED: i64 = 126;
    pub const FAVOURITE_SOLD: i64 = 300;
    pub const SUGGESTED_PRICE_DROP: i64 = 750;
}

/// The kind of a notification from its `entry_type`: 110 a message; 120, 121, 125, 126 an
/// offer. docs/VINTED.md names no entry type for a sale: any other entry whose link names a
/// transaction (`/transactions/…`, `transaction_id=`) is taken as one. The rest (favourites,
/// followers, price drops, a favourited item sold, Vinted's suggestions) are `system`.
pub fn kind_of(entry_type: i64, link: Option<&str>) -> NotificationKind {
    use entry_type::*;
    match entry_type {
        MESSAGE => NotificationKind::Message,
        OFFER | OFFER_2 | OFFER_ACCEPTED | OFFER_DECLINED => NotificationKind::Offer,
        FAVOURITE | FOLLOWER | PRICE_DROP | FAVOURITE_SOLD | SUGGESTED_PRICE_DROP => {
            NotificationKind::System
        }
        _ if link
            .is_some_and(|l| l.contains("/transactions/") || l.contains("transaction_id=")) =>
        {
            NotificationKind::Sale
        }
        _ => NotificationKind::System,
    }
}

/// One notification as Vinted sent it (`notifications[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VintedNotification {
    pub vinted_id: String,
    pub entry_type: i64,
    /// `subject_id`: the item, for most entries.
    pub subject_id: Option<String>,
    pub user_id: Option<String>,
    /// The member's login, when the entry carries a `user` object.
    pub user_login: Option<String>,
    pub body: String,
    pub link: Option<String>,
    /// RFC 3339, as Vinted sent it.
    pub updated_at: String,
}

/// The item and the member a favourite notification names: from its link,
/// `vinted<tld>://messaging?item_id=X&user_id=Y` or `/items/{id}/want_it/new?offering_id=X`
/// (the member who favourited), else from `subject_id` and `user_id`. When the link and the
/// fields both name one and disagree, the entry is not taken as a favourite: a message must not
/// go to the wrong person.
pub fn favourite_of(notification: &VintedNotification) -> Option<(String, String)> {
    if notification.entry_type != entry_type::FAVOURITE {
        return None;
    }
    let link = notification.link.as_deref().unwrap_or("");
    let query = link.split_once('?').map_or("", |(_, q)| q);
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_owned())
            .filter(|value| is_id(value))
    };
    let path = link.split_once('?').map_or(link, |(p, _)| p);
    let item_in_path = path
        .split_once("/items/")
        .and_then(|(_, rest)| rest.split('/').next())
        .filter(|id| is_id(id))
        .map(str::to_owned);
    let agreed = |from_link: Option<String>, field: Option<String>| match (from_link, field) {
        (Some(link), Some(field)) if link != field => Err(()),
        (Some(link), _) => Ok(Some(link)),
        (None, field) => Ok(field),
    };
    let subject = notification.subject_id.clone().filter(|id| is_id(id));
    let member = notification.user_id.clone().filter(|id| is_id(id));
    let item = agreed(param("item_id").or(item_in_path), subject).ok()??;
    let user = agreed(param("user_id").or_else(|| param("offering_id")), member).ok()??;
    Some((item, user))
}

fn is_id(text: &str) -> bool {
    !text.is_empty() && text.len() <= 20 && text.bytes().all(|b| b.is_ascii_digit())
}

fn derived_id(label: &[u8], parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    hash.update(label);
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

/// The row id of the account's notification `vinted_id`: the same on every device.
pub fn notification_row_id(account_id: &str, vinted_id: &str) -> String {
    derived_id(b"seller_notifications", &[account_id, vinted_id])
}

/// The row id of `user_id`'s favourite of the account's item `item_id`.
pub fn favorite_row_id(account_id: &str, item_id: &str, user_id: &str) -> String {
    derived_id(b"seller_favorites", &[account_id, item_id, user_id])
}

/// A stored notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct NotificationRow {
    pub id: String,
    pub account_id: Option<String>,
    pub kind: NotificationKind,
    pub title: String,
    pub details: Option<String>,
    pub entry_type: Option<i64>,
    pub item_id: Option<String>,
    pub vinted_user_id: Option<String>,
    pub link: Option<String>,
    pub created_at: String,
}

/// A stored favourite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct FavoriteRow {
    pub id: String,
    pub account_id: Option<String>,
    pub item_id: String,
    pub item_title: Option<String>,
    pub item_sku: Option<String>,
    pub item_price_cents: Option<i64>,
    pub item_thumbnail: Option<String>,
    pub vinted_user_id: Option<String>,
    pub user_handle: Option<String>,
    /// When the member favourited the item.
    pub created_at: String,
    /// What became of a message planned to this member about this item.
    pub outreach: Option<OutreachState>,
}

/// An item's favourites, for the list per item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct FavoriteItem {
    pub account_id: String,
    pub item_id: String,
    pub item_title: Option<String>,
    pub item_sku: Option<String>,
    pub item_price_cents: Option<i64>,
    pub item_thumbnail: Option<String>,
    pub favorites: u32,
    pub last_favorited_at: String,
    pub outreach: Option<OutreachSetting>,
    /// Messages or offers sent to its favouriters.
    pub sent: u32,
}

/// Which notifications to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct NotificationFilter {
    pub account_id: Option<String>,
    pub kind: Option<NotificationKind>,
    pub page: u32,
    pub per_page: u32,
}

/// Which favourites to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct FavoriteFilter {
    pub account_id: Option<String>,
    pub item_id: Option<String>,
    pub page: u32,
    pub per_page: u32,
}

/// An item's message to its favouriters, as the person set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct OutreachSetting {
    pub account_id: String,
    pub item_id: String,
    pub enabled: bool,
    pub mode: OutreachMode,
    pub message: String,
    pub offer_price_cents: Option<i64>,
    pub rules_accepted_at: String,
    pub updated_at: String,
}

/// What the person asks for when turning an item's messages on or off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct OutreachRequest {
    pub account_id: String,
    pub item_id: String,
    pub enabled: bool,
    pub mode: OutreachMode,
    pub message: String,
    pub offer_price_cents: Option<i64>,
    /// The person read the warning about Vinted's rules; nothing is turned on without it.
    pub rules_accepted: bool,
}

/// Most messages (or offers) to favouriters over any 24 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct OutreachCaps {
    /// To one member, whatever the item.
    pub per_user_per_day: u32,
    /// About one item.
    pub per_item_per_day: u32,
    /// From the account. Vinted's terms forbid unsolicited messages to 5 or more members: the
    /// default stays below.
    pub per_account_per_day: u32,
}

impl Default for OutreachCaps {
    fn default() -> Self {
        OutreachCaps {
            per_user_per_day: 1,
            per_item_per_day: 3,
            per_account_per_day: 4,
        }
    }
}

/// Highest value a cap may be set to.
pub const MAX_CAP: u32 = 50;

/// Which new notifications raise a desktop notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct DesktopAlertKinds {
    pub sales: bool,
    pub messages: bool,
    pub offers: bool,
}

impl Default for DesktopAlertKinds {
    fn default() -> Self {
        DesktopAlertKinds {
            sales: true,
            messages: true,
            offers: true,
        }
    }
}

impl DesktopAlertKinds {
    pub fn allows(self, kind: NotificationKind) -> bool {
        match kind {
            NotificationKind::Sale => self.sales,
            NotificationKind::Message => self.messages,
            NotificationKind::Offer => self.offers,
            NotificationKind::System => false,
        }
    }
}

/// A new notification waiting to be shown on the desktop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DesktopAlert {
    pub account_id: String,
    pub kind: NotificationKind,
    pub title: String,
    pub created_at: String,
}

/// What to show for a batch of alerts: one desktop notification per kind the person keeps on,
/// naming the notification when it is alone and counting them otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertToShow {
    pub kind: NotificationKind,
    pub count: usize,
    /// The notification's own text when `count` is 1.
    pub title: Option<String>,
}

/// The desktop notifications a batch of alerts gives under `kinds` (pure: tested without a
/// desktop).
pub fn alerts_to_show(alerts: &[DesktopAlert], kinds: DesktopAlertKinds) -> Vec<AlertToShow> {
    [
        NotificationKind::Sale,
        NotificationKind::Message,
        NotificationKind::Offer,
    ]
    .into_iter()
    .filter(|kind| kinds.allows(*kind))
    .filter_map(|kind| {
        let of_kind: Vec<&DesktopAlert> = alerts.iter().filter(|a| a.kind == kind).collect();
        match of_kind.as_slice() {
            [] => None,
            [one] => Some(AlertToShow {
                kind,
                count: 1,
                title: Some(one.title.clone()),
            }),
            many => Some(AlertToShow {
                kind,
                count: many.len(),
                title: None,
            }),
        }
    })
    .collect()
}

/// Alerts only for notifications of the last day: the first poll of an account reads up to a
/// week of them.
const ALERT_WITHIN_HOURS: i64 = 24;
/// Favourites older than this get no message: it would no longer look like a person answering.
const OUTREACH_WITHIN_HOURS: i64 = 24;
/// The delay after a favourite, in seconds, drawn in this range.
pub const OUTREACH_DELAY_SECS: std::ops::RangeInclusive<i64> = 5 * 60..=30 * 60;

/// The least time between planning a message and sending it: a favourite whose window
/// (favourite + 30 minutes) ends sooner than this is too late and skipped.
pub const OUTREACH_LEAD_SECS: i64 = 60;

/// What recording a page of notifications did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedNotifications {
    /// Notifications not seen before.
    pub new: u32,
    pub new_favorites: u32,
    /// Desktop alerts waiting.
    pub alerts: u32,
}

/// Why a planned message is not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutreachCheck {
    /// Send it.
    Go {
        item_id: String,
        user_id: String,
        setting: OutreachSetting,
    },
    /// Already sent (a job run again after its answer was recorded).
    AlreadySent { conversation_id: Option<String> },
    /// Not to be sent; recorded as skipped with this reason.
    Skip(&'static str),
}

const CAPS_PER_USER: &str = "vinted.outreach.per_user_per_day";
const CAPS_PER_ITEM: &str = "vinted.outreach.per_item_per_day";
const CAPS_PER_ACCOUNT: &str = "vinted.outreach.per_account_per_day";
const ALERT_SALES: &str = "vinted.alerts.sales";
const ALERT_MESSAGES: &str = "vinted.alerts.messages";
const ALERT_OFFERS: &str = "vinted.alerts.offers";

fn read_caps(conn: &Connection) -> rusqlite::Result<OutreachCaps> {
    let defaults = OutreachCaps::default();
    let cap = |key: &str, default: u32| -> rusqlite::Result<u32> {
        Ok(read_setting(conn, key)?
            .and_then(|v| v.parse::<u32>().ok())
            .map_or(default, |v| v.min(MAX_CAP)))
    };
    Ok(OutreachCaps {
        per_user_per_day: cap(CAPS_PER_USER, defaults.per_user_per_day)?,
        per_item_per_day: cap(CAPS_PER_ITEM, defaults.per_item_per_day)?,
        per_account_per_day: cap(CAPS_PER_ACCOUNT, defaults.per_account_per_day)?,
    })
}

fn read_alert_kinds(conn: &Connection) -> rusqlite::Result<DesktopAlertKinds> {
    let flag = |key: &str| -> rusqlite::Result<bool> {
        Ok(read_setting(conn, key)?.as_deref() != Some("0"))
    };
    Ok(DesktopAlertKinds {
        sales: flag(ALERT_SALES)?,
        messages: flag(ALERT_MESSAGES)?,
        offers: flag(ALERT_OFFERS)?,
    })
}

fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

const NOTIFICATION_COLUMNS: &str = "id, seller_account_id, kind, title, details, entry_type,
    item_id, vinted_user_id, link, created_at";

fn notification_row(r: &Row<'_>) -> rusqlite::Result<NotificationRow> {
    Ok(NotificationRow {
        id: r.get(0)?,
        account_id: r.get(1)?,
        kind: r.get(2)?,
        title: r.get(3)?,
        details: r.get(4)?,
        entry_type: r.get(5)?,
        item_id: r.get(6)?,
        vinted_user_id: r.get(7)?,
        link: r.get(8)?,
        created_at: r.get(9)?,
    })
}

fn outreach_setting_row(r: &Row<'_>) -> rusqlite::Result<OutreachSetting> {
    Ok(OutreachSetting {
        account_id: r.get(0)?,
        item_id: r.get(1)?,
        enabled: r.get(2)?,
        mode: r.get(3)?,
        message: r.get(4)?,
        offer_price_cents: r.get(5)?,
        rules_accepted_at: r.get(6)?,
        updated_at: r.get(7)?,
    })
}

fn outreach_setting(
    conn: &Connection,
    account_id: &str,
    item_id: &str,
) -> rusqlite::Result<Option<OutreachSetting>> {
    conn.prepare_cached(
        "SELECT seller_account_id, item_id, enabled, mode, message, offer_price,
                rules_accepted_at, updated_at
         FROM vinted_outreach_items WHERE seller_account_id = ?1 AND item_id = ?2",
    )?
    .query_row(params![account_id, item_id], outreach_setting_row)
    .optional()
}

/// Counts of planned or sent messages since `since` (the caps' window).
fn counts_since(
    conn: &Connection,
    account_id: &str,
    item_id: &str,
    user_id: &str,
    since: &str,
    exclude: Option<&str>,
    states: &str,
) -> rusqlite::Result<(u32, u32, u32)> {
    let sql = format!(
        "SELECT COUNT(*),
                COALESCE(SUM(item_id = ?2), 0),
                COALESCE(SUM(vinted_user_id = ?3), 0)
         FROM vinted_outreach_sends
         WHERE seller_account_id = ?1 AND state IN ({states})
           AND COALESCE(sent_at, due_at) > ?4 AND id IS NOT ?5"
    );
    conn.prepare_cached(&sql)?
        .query_row(params![account_id, item_id, user_id, since, exclude], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
}

/// Whether the member already has a message planned or sent about any item of the account
/// (never twice to the same person). At run time (`other_than` the send being run) a planned
/// one counts only when it was planned first, so two planned sends never hold each other back.
fn contacted(
    conn: &Connection,
    account_id: &str,
    user_id: &str,
    other_than: Option<&str>,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM vinted_outreach_sends
                        WHERE seller_account_id = ?1 AND vinted_user_id = ?2
                          AND (state = 'sent'
                               OR (state = 'queued' AND (?3 IS NULL OR id < ?3))))",
    )?
    .query_row(params![account_id, user_id, other_than], |r| r.get(0))
}

fn within_caps(caps: OutreachCaps, (account, item, user): (u32, u32, u32)) -> bool {
    account < caps.per_account_per_day
        && item < caps.per_item_per_day
        && user < caps.per_user_per_day
}

/// An item's title, SKU, price (cents) and photo, each when known.
type ItemFacts = (Option<String>, Option<String>, Option<i64>, Option<String>);

/// What the store knows of the account's item: from its imported listing, else from the
/// inventory item the app published it from.
fn item_facts(conn: &Connection, account_id: &str, item_id: &str) -> rusqlite::Result<ItemFacts> {
    let listing = conn
        .prepare_cached(
            "SELECT title, product_sku, price, photo_url FROM seller_listings
             WHERE seller_account_id = ?1 AND listing_id = ?2",
        )?
        .query_row(params![account_id, item_id], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })
        .optional()?;
    if let Some(found) = listing {
        return Ok(found);
    }
    conn.prepare_cached(
        "SELECT p.title, p.sku, p.price FROM seller_published_listings l
         JOIN seller_products p ON p.id = l.product_id
         WHERE l.seller_account_id = ?1 AND l.vinted_listing_id = ?2",
    )?
    .query_row(params![account_id, item_id], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, None))
    })
    .optional()
    .map(|found| found.unwrap_or((None, None, None, None)))
}

impl StoreTx<'_> {
    /// Records a page of notifications read from Vinted: the new ones (a notification already
    /// recorded changes nothing), a favourite for each new favourite notification (once per
    /// account, item and member), and a desktop alert for each new sale, message or offer of
    /// the last day.
    pub fn record_vinted_notifications(
        &mut self,
        account_id: &str,
        notifications: &[VintedNotification],
        now: DateTime<Utc>,
    ) -> Result<RecordedNotifications> {
        let mut recorded = RecordedNotifications::default();
        for notification in notifications {
            let at = normalized_time("updatedAt", &notification.updated_at)
                .unwrap_or_else(|_| rfc3339(now));
            let id = notification_row_id(account_id, &notification.vinted_id);
            let kind = kind_of(notification.entry_type, notification.link.as_deref());
            let title = notification_title(notification);
            let inserted = self
                .tx
                .prepare_cached(
                    "INSERT INTO seller_notifications (id, kind, title, details,
                        seller_account_id, created_at, entry_type, item_id, vinted_user_id, link)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                     ON CONFLICT (id) DO NOTHING",
                )?
                .execute(params![
                    id,
                    kind,
                    title,
                    notification.user_login,
                    account_id,
                    at,
                    notification.entry_type,
                    notification.subject_id,
                    notification.user_id,
                    notification.link,
                ])?;
            // A row already there (read before, or brought by sync) raises no second alert, but
            // its favourite is still recorded below: the favourite may not be.
            recorded.new += u32::from(inserted > 0);
            let recent = parse(&at).is_some_and(|t| now - t < Duration::hours(ALERT_WITHIN_HOURS));
            if inserted > 0 && kind != NotificationKind::System && recent {
                self.tx
                    .prepare_cached(
                        "INSERT INTO vinted_notification_alerts
                            (id, seller_account_id, kind, title, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO NOTHING",
                    )?
                    .execute(params![id, account_id, kind, title, at])?;
                recorded.alerts += 1;
            }
            let Some((item_id, user_id)) = favourite_of(notification) else {
                continue;
            };
            let favorite_id = favorite_row_id(account_id, &item_id, &user_id);
            let (item_title, sku, price, thumbnail) = item_facts(&self.tx, account_id, &item_id)?;
            let added = self
                .tx
                .prepare_cached(
                    "INSERT INTO seller_favorites (id, item_id, item_title, item_sku, item_price,
                        item_thumbnail, seller_account_id, user_handle, user_name, created_at,
                        vinted_user_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10)
                     ON CONFLICT (id) DO NOTHING",
                )?
                .execute(params![
                    favorite_id,
                    item_id,
                    item_title,
                    sku,
                    price,
                    thumbnail,
                    account_id,
                    notification.user_login,
                    at,
                    user_id,
                ])?;
            if added == 0 {
                continue;
            }
            recorded.new_favorites += 1;
        }
        Ok(recorded)
    }

    /// Plans a message to each favouriter of the last 24 hours not planned yet, of an item
    /// turned on, oldest favourite first: a job `delay_secs()` (5 to 30 minutes) after the
    /// favourite, within the caps; a favourite the caps hold back is recorded as skipped, so it
    /// is never sent later. `dry_run` plans the jobs as dry runs. Returns (planned, held).
    pub fn plan_outreach(
        &mut self,
        account_id: &str,
        now: DateTime<Utc>,
        dry_run: bool,
        delay_secs: &mut dyn FnMut() -> i64,
    ) -> Result<(u32, u32)> {
        let caps = read_caps(&self.tx)?;
        let since = rfc3339(now - Duration::hours(OUTREACH_WITHIN_HOURS));
        // Favourites from before the item was turned on are never messaged: the person agreed
        // to Vinted's rules for what comes after.
        let waiting: Vec<(String, String, String, OutreachMode)> = self
            .tx
            .prepare_cached(
                "SELECT f.item_id, f.vinted_user_id, f.created_at, o.mode
                 FROM seller_favorites f
                 JOIN vinted_outreach_items o
                   ON o.seller_account_id = f.seller_account_id AND o.item_id = f.item_id
                  AND o.enabled = 1
                 WHERE f.seller_account_id = ?1 AND f.vinted_user_id IS NOT NULL
                   AND f.created_at > ?2
                   AND julianday(f.created_at) >= julianday(o.rules_accepted_at)
                   -- Never the account itself (its own id, as its threads' reads saw it).
                   AND f.vinted_user_id NOT IN (SELECT own_user_id FROM vinted_conversation_refs
                                                WHERE seller_account_id = ?1
                                                  AND own_user_id IS NOT NULL)
                   AND NOT EXISTS (SELECT 1 FROM vinted_outreach_sends s
                                   WHERE s.seller_account_id = f.seller_account_id
                                     AND s.item_id = f.item_id
                                     AND s.vinted_user_id = f.vinted_user_id)
                 ORDER BY f.created_at, f.id",
            )?
            .query_map(params![account_id, since], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let (mut planned, mut held) = (0, 0);
        let window = rfc3339(now - Duration::hours(24));
        for (item_id, user_id, favorited_at, mode) in waiting {
            let Some(favorited) = parse(&favorited_at) else {
                continue;
            };
            let delay =
                delay_secs().clamp(*OUTREACH_DELAY_SECS.start(), *OUTREACH_DELAY_SECS.end());
            let earliest = now + Duration::seconds(OUTREACH_LEAD_SECS);
            let latest = favorited + Duration::seconds(*OUTREACH_DELAY_SECS.end());
            let due = rfc3339((favorited + Duration::seconds(delay)).max(earliest));
            let counts = counts_since(
                &self.tx,
                account_id,
                &item_id,
                &user_id,
                &window,
                None,
                "'queued', 'sent'",
            )?;
            let skipped = if earliest > latest {
                Some("too_late")
            } else if contacted(&self.tx, account_id, &user_id, None)? {
                Some("already_contacted")
            } else if !within_caps(caps, counts) {
                Some("cap")
            } else {
                None
            };
            let (state, job_id, reason) = if skipped.is_none() {
                let send_id = new_id();
                let job = self.enqueue_job(NewJob {
                    account_id: account_id.to_owned(),
                    kind: JobKind::MessageFavoriter,
                    payload: json!({"sendId": send_id, "itemId": item_id, "userId": user_id}),
                    dry_run,
                    progress_total: Some(1),
                })?;
                self.tx.execute(
                    "UPDATE vinted_jobs SET not_before = ?2 WHERE id = ?1",
                    params![job.id, due],
                )?;
                planned += 1;
                ((send_id, OutreachState::Queued), Some(job.id), None)
            } else {
                held += 1;
                ((new_id(), OutreachState::Skipped), None, skipped)
            };
            self.tx.execute(
                "INSERT INTO vinted_outreach_sends (id, seller_account_id, item_id,
                    vinted_user_id, state, mode, job_id, favorited_at, due_at, reason, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    state.0,
                    account_id,
                    item_id,
                    user_id,
                    state.1,
                    mode,
                    job_id,
                    favorited_at,
                    due,
                    reason,
                    rfc3339(now)
                ],
            )?;
        }
        Ok((planned, held))
    }

    /// Whether the planned message `send_id` goes now: still planned, its item still turned on
    /// and not sold or gone, and the caps of the last 24 hours (sent messages only) still hold.
    ///
    /// `started`: the job already sent part of it (the message, or the message and not the
    /// offer); then only its state is looked at, so the rest goes whatever the option or the
    /// caps say now (a half-sent message is worse than a whole one).
    pub fn check_outreach(
        &mut self,
        send_id: &str,
        now: DateTime<Utc>,
        started: bool,
    ) -> Result<OutreachCheck> {
        let planned = self
            .tx
            .query_row(
                "SELECT seller_account_id, item_id, vinted_user_id, state, conversation_id
                 FROM vinted_outreach_sends WHERE id = ?1",
                [send_id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, OutreachState>(3)?,
                        r.get::<_, Option<String>>(4)?,
                    ))
                },
            )
            .optional()?;
        let Some((account_id, item_id, user_id, state, conversation_id)) = planned else {
            return Ok(OutreachCheck::Skip("unknown"));
        };
        match state {
            OutreachState::Sent => return Ok(OutreachCheck::AlreadySent { conversation_id }),
            OutreachState::Skipped | OutreachState::DryRun => {
                return Ok(OutreachCheck::Skip("settled"));
            }
            OutreachState::Queued => {}
        }
        let skip = |tx: &mut Self, reason: &'static str| -> Result<OutreachCheck> {
            tx.settle_outreach(send_id, OutreachState::Skipped, None, Some(reason), now)?;
            Ok(OutreachCheck::Skip(reason))
        };
        let setting = match outreach_setting(&self.tx, &account_id, &item_id)? {
            Some(setting) if setting.enabled || started => setting,
            _ => return skip(self, "turned_off"),
        };
        if started {
            return Ok(OutreachCheck::Go {
                item_id,
                user_id,
                setting,
            });
        }
        if contacted(&self.tx, &account_id, &user_id, Some(send_id))? {
            return skip(self, "already_contacted");
        }
        let status: Option<String> = self
            .tx
            .query_row(
                "SELECT status FROM seller_listings WHERE seller_account_id = ?1 AND listing_id = ?2",
                params![account_id, item_id],
                |r| r.get(0),
            )
            .optional()?;
        if matches!(
            status.as_deref(),
            Some("sold" | "deleted" | "hidden" | "reserved" | "draft")
        ) {
            return skip(self, "item_unavailable");
        }
        let since = rfc3339(now - Duration::hours(24));
        let caps = read_caps(&self.tx)?;
        let counts = counts_since(
            &self.tx,
            &account_id,
            &item_id,
            &user_id,
            &since,
            Some(send_id),
            "'sent'",
        )?;
        if !within_caps(caps, counts) {
            return skip(self, "cap");
        }
        Ok(OutreachCheck::Go {
            item_id,
            user_id,
            setting,
        })
    }

    /// A planned message ends: sent (in `conversation_id`), skipped, or only recorded in a dry
    /// run.
    pub fn settle_outreach(
        &mut self,
        send_id: &str,
        state: OutreachState,
        conversation_id: Option<&str>,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let sent_at = (state == OutreachState::Sent).then(|| rfc3339(now));
        self.tx.execute(
            "UPDATE vinted_outreach_sends
             SET state = ?2, conversation_id = COALESCE(?3, conversation_id), reason = ?4,
                 sent_at = COALESCE(?5, sent_at)
             WHERE id = ?1",
            params![send_id, state, conversation_id, reason, sent_at],
        )?;
        Ok(())
    }
}

fn notification_title(notification: &VintedNotification) -> String {
    let body = plain_text(&notification.body);
    let text = if body.is_empty() {
        format!("Vinted ({})", notification.entry_type)
    } else {
        body
    };
    text.chars().take(500).collect()
}

/// Text another member wrote, safe to show on one line: control characters and the invisible
/// ones that turn text around (bidi overrides and isolates, zero-width marks) dropped, runs of
/// whitespace made one space. A notification's title shows in lists and desktop alerts, where a
/// right-to-left override could make "gro.dlrow" read as something else.
pub fn plain_text(text: &str) -> String {
    let kept: String = text
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| !c.is_control() && !is_invisible_format(*c))
        .collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

impl Store {
    pub fn record_vinted_notifications(
        &mut self,
        account_id: &str,
        notifications: &[VintedNotification],
        now: DateTime<Utc>,
    ) -> Result<RecordedNotifications> {
        self.write(|tx| tx.record_vinted_notifications(account_id, notifications, now))
    }

    pub fn plan_outreach(
        &mut self,
        account_id: &str,
        now: DateTime<Utc>,
        dry_run: bool,
        delay_secs: &mut dyn FnMut() -> i64,
    ) -> Result<(u32, u32)> {
        self.write(|tx| tx.plan_outreach(account_id, now, dry_run, delay_secs))
    }

    pub fn check_outreach(
        &mut self,
        send_id: &str,
        now: DateTime<Utc>,
        started: bool,
    ) -> Result<OutreachCheck> {
        self.write(|tx| tx.check_outreach(send_id, now, started))
    }

    /// Whether any item of the account has messages to favouriters turned on: its
    /// notifications are then read every few minutes, so a message goes 5 to 30 minutes after
    /// the favourite.
    pub fn outreach_is_on(&self, account_id: &str) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM vinted_outreach_items
                            WHERE seller_account_id = ?1 AND enabled = 1)",
            [account_id],
            |r| r.get(0),
        )?)
    }

    pub fn settle_outreach(
        &mut self,
        send_id: &str,
        state: OutreachState,
        conversation_id: Option<&str>,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.write(|tx| tx.settle_outreach(send_id, state, conversation_id, reason, now))
    }

    /// Notifications, newest first.
    pub fn list_notifications(&self, filter: &NotificationFilter) -> Result<Page<NotificationRow>> {
        let (limit, offset) = limit_offset(filter.page, filter.per_page)?;
        let kind = filter.kind.map(NotificationKind::as_str);
        let total: u32 = self.conn.query_row(
            "SELECT COUNT(*) FROM seller_notifications
             WHERE (?1 IS NULL OR seller_account_id = ?1) AND (?2 IS NULL OR kind = ?2)",
            params![filter.account_id, kind],
            |r| r.get(0),
        )?;
        let items = self
            .conn
            .prepare_cached(&format!(
                "SELECT {NOTIFICATION_COLUMNS} FROM seller_notifications
                 WHERE (?1 IS NULL OR seller_account_id = ?1) AND (?2 IS NULL OR kind = ?2)
                 ORDER BY created_at DESC, id LIMIT ?3 OFFSET ?4"
            ))?
            .query_map(
                params![filter.account_id, kind, limit, offset],
                notification_row,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Page {
            items,
            total,
            page: filter.page,
            per_page: filter.per_page,
        })
    }

    /// Favourites, newest first, with what became of a message planned to each member.
    pub fn list_favorites(&self, filter: &FavoriteFilter) -> Result<Page<FavoriteRow>> {
        let (limit, offset) = limit_offset(filter.page, filter.per_page)?;
        let total: u32 = self.conn.query_row(
            "SELECT COUNT(*) FROM seller_favorites
             WHERE (?1 IS NULL OR seller_account_id = ?1) AND (?2 IS NULL OR item_id = ?2)",
            params![filter.account_id, filter.item_id],
            |r| r.get(0),
        )?;
        let items = self
            .conn
            .prepare_cached(
                "SELECT f.id, f.seller_account_id, f.item_id, f.item_title, f.item_sku,
                        f.item_price, f.item_thumbnail, f.vinted_user_id, f.user_handle,
                        f.created_at, s.state
                 FROM seller_favorites f
                 LEFT JOIN vinted_outreach_sends s
                   ON s.seller_account_id = f.seller_account_id AND s.item_id = f.item_id
                  AND s.vinted_user_id = f.vinted_user_id
                 WHERE (?1 IS NULL OR f.seller_account_id = ?1) AND (?2 IS NULL OR f.item_id = ?2)
                 ORDER BY f.created_at DESC, f.id LIMIT ?3 OFFSET ?4",
            )?
            .query_map(
                params![filter.account_id, filter.item_id, limit, offset],
                |r| {
                    Ok(FavoriteRow {
                        id: r.get(0)?,
                        account_id: r.get(1)?,
                        item_id: r.get(2)?,
                        item_title: r.get(3)?,
                        item_sku: r.get(4)?,
                        item_price_cents: r.get(5)?,
                        item_thumbnail: r.get(6)?,
                        vinted_user_id: r.get(7)?,
                        user_handle: r.get(8)?,
                        created_at: r.get(9)?,
                        outreach: r.get(10)?,
                    })
                },
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Page {
            items,
            total,
            page: filter.page,
            per_page: filter.per_page,
        })
    }

    /// The account's (or every account's) favourited items, most recently favourited first,
    /// with their messages' settings.
    pub fn favorite_items(&self, account_id: Option<&str>) -> Result<Vec<FavoriteItem>> {
        let rows = self
            .conn
            .prepare_cached(
                "SELECT f.seller_account_id, f.item_id, MAX(f.item_title), MAX(f.item_sku),
                        MAX(f.item_price), MAX(f.item_thumbnail), COUNT(*), MAX(f.created_at),
                        (SELECT COUNT(*) FROM vinted_outreach_sends s
                         WHERE s.seller_account_id = f.seller_account_id
                           AND s.item_id = f.item_id AND s.state = 'sent')
                 FROM seller_favorites f
                 WHERE f.seller_account_id IS NOT NULL
                   AND (?1 IS NULL OR f.seller_account_id = ?1)
                 GROUP BY f.seller_account_id, f.item_id
                 ORDER BY MAX(f.created_at) DESC",
            )?
            .query_map(params![account_id], |r| {
                Ok(FavoriteItem {
                    account_id: r.get(0)?,
                    item_id: r.get(1)?,
                    item_title: r.get(2)?,
                    item_sku: r.get(3)?,
                    item_price_cents: r.get(4)?,
                    item_thumbnail: r.get(5)?,
                    favorites: r.get(6)?,
                    last_favorited_at: r.get(7)?,
                    outreach: None,
                    sent: r.get(8)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|mut item| {
                item.outreach = outreach_setting(&self.conn, &item.account_id, &item.item_id)?;
                Ok(item)
            })
            .collect()
    }

    pub fn outreach_setting(
        &self,
        account_id: &str,
        item_id: &str,
    ) -> Result<Option<OutreachSetting>> {
        Ok(outreach_setting(&self.conn, account_id, item_id)?)
    }

    /// Turns an item's messages to its favouriters on (only with the warning about Vinted's
    /// rules read) or off.
    pub fn set_outreach(&mut self, request: &OutreachRequest) -> Result<OutreachSetting> {
        let mut errors = Vec::new();
        let message = request.message.trim();
        if request.enabled && !request.rules_accepted {
            errors.push(FieldError::new("rulesAccepted", FieldErrorCode::Required));
        }
        if message.is_empty() {
            errors.push(FieldError::new("message", FieldErrorCode::Required));
        } else if message.chars().count() > 2000 {
            errors.push(FieldError::new("message", FieldErrorCode::TooLong));
        }
        if !is_id(request.item_id.trim()) {
            errors.push(FieldError::new("itemId", FieldErrorCode::Invalid));
        }
        match (request.mode, request.offer_price_cents) {
            (OutreachMode::Offer, None) => {
                errors.push(FieldError::new("offerPriceCents", FieldErrorCode::Required));
            }
            (_, Some(cents)) if cents <= 0 => {
                errors.push(FieldError::new("offerPriceCents", FieldErrorCode::Negative));
            }
            (_, Some(cents)) if cents > crate::products::MAX_MONEY_CENTS => {
                errors.push(FieldError::new("offerPriceCents", FieldErrorCode::TooLarge));
            }
            _ => {}
        }
        if !errors.is_empty() {
            return Err(StoreError::Validation(errors));
        }
        let now = now_rfc3339();
        let offer = match request.mode {
            OutreachMode::Offer => request.offer_price_cents,
            OutreachMode::Message => None,
        };
        let (account_id, item_id) = (
            request.account_id.clone(),
            request.item_id.trim().to_owned(),
        );
        self.write(|tx| {
            let previous = outreach_setting(&tx.tx, &account_id, &item_id)?;
            let accepted_at = match (&previous, request.rules_accepted) {
                (_, true) => now.clone(),
                (Some(previous), false) => previous.rules_accepted_at.clone(),
                // Saved turned off without the warning read: it must be read to turn it on.
                (None, false) => String::new(),
            };
            tx.tx
                .execute(
                    "INSERT INTO vinted_outreach_items (seller_account_id, item_id, enabled, mode,
                        message, offer_price, rules_accepted_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                     ON CONFLICT (seller_account_id, item_id) DO UPDATE SET
                        enabled = excluded.enabled, mode = excluded.mode,
                        message = excluded.message, offer_price = excluded.offer_price,
                        rules_accepted_at = excluded.rules_accepted_at,
                        updated_at = excluded.updated_at",
                    params![
                        account_id,
                        item_id,
                        request.enabled,
                        request.mode,
                        message,
                        offer,
                        accepted_at,
                        now
                    ],
                )
                .map_err(|e| StoreError::from_write(e, None))?;
            outreach_setting(&tx.tx, &account_id, &item_id)?.ok_or_else(|| StoreError::NotFound {
                entity: "outreach setting",
                id: item_id.clone(),
            })
        })
    }

    pub fn outreach_caps(&self) -> Result<OutreachCaps> {
        Ok(read_caps(&self.conn)?)
    }

    pub fn set_outreach_caps(&mut self, caps: OutreachCaps) -> Result<OutreachCaps> {
        let mut errors = Vec::new();
        for (field, value) in [
            ("perUserPerDay", caps.per_user_per_day),
            ("perItemPerDay", caps.per_item_per_day),
            ("perAccountPerDay", caps.per_account_per_day),
        ] {
            if value > MAX_CAP {
                errors.push(FieldError::new(field, FieldErrorCode::TooLarge));
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Validation(errors));
        }
        self.write(|tx| {
            write_setting(&tx.tx, CAPS_PER_USER, &caps.per_user_per_day.to_string())?;
            write_setting(&tx.tx, CAPS_PER_ITEM, &caps.per_item_per_day.to_string())?;
            write_setting(
                &tx.tx,
                CAPS_PER_ACCOUNT,
                &caps.per_account_per_day.to_string(),
            )?;
            Ok::<_, StoreError>(())
        })?;
        self.outreach_caps()
    }

    pub fn desktop_alert_kinds(&self) -> Result<DesktopAlertKinds> {
        Ok(read_alert_kinds(&self.conn)?)
    }

    pub fn set_desktop_alert_kinds(
        &mut self,
        kinds: DesktopAlertKinds,
    ) -> Result<DesktopAlertKinds> {
        let flag = |on: bool| if on { "1" } else { "0" };
        self.write(|tx| {
            write_setting(&tx.tx, ALERT_SALES, flag(kinds.sales))?;
            write_setting(&tx.tx, ALERT_MESSAGES, flag(kinds.messages))?;
            write_setting(&tx.tx, ALERT_OFFERS, flag(kinds.offers))?;
            Ok::<_, StoreError>(())
        })?;
        self.desktop_alert_kinds()
    }

    /// The desktop alerts waiting, oldest first, taken: each is handed out once.
    pub fn take_desktop_alerts(&mut self) -> Result<Vec<DesktopAlert>> {
        // Asked after every job's progress: a plain read first, no write transaction for nothing.
        let waiting: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM vinted_notification_alerts)",
            [],
            |r| r.get(0),
        )?;
        if !waiting {
            return Ok(Vec::new());
        }
        self.write(|tx| {
            let alerts = tx
                .tx
                .prepare_cached(
                    "SELECT seller_account_id, kind, title, created_at
                     FROM vinted_notification_alerts ORDER BY created_at, id",
                )?
                .query_map([], |r| {
                    Ok(DesktopAlert {
                        account_id: r.get(0)?,
                        kind: r.get(1)?,
                        title: r.get(2)?,
                        created_at: r.get(3)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            tx.tx
                .execute("DELETE FROM vinted_notification_alerts", [])?;
            Ok(alerts)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::AccountDraft;

    fn store_with_account() -> (tempfile::TempDir, Store, String) {
        let dir = tempfile::tempdir().expect("a folder");
        let mut store = Store::open(&dir.path().join("s.sqlite3")).expect("a store");
        let account = store
            .create_account(AccountDraft {
                name: "Boutique".into(),
                username: None,
                email: None,
                avatar: None,
                vinted_base_url: "https://www.vinted.fr".into(),
                proxy: None,
            })
            .expect("an account");
        (dir, store, account.id)
    }

    fn favourite(
        id: u64,
        item: u64,
        user: u64,
        at: DateTime<Utc>,
        app_link: bool,
    ) -> VintedNotification {
        VintedNotification {
            vinted_id: id.to_string(),
            entry_type: entry_type::FAVOURITE,
            subject_id: Some(item.to_string()),
            user_id: Some(user.to_string()),
            user_login: Some(format!("membre{user}")),
            body: "a ajouté ton article à ses favoris".into(),
            link: Some(if app_link {
                format!("vintedfr://messaging?item_id={item}&user_id={user}")
            } else {
                format!("/items/{item}/want_it/new?offering_id={user}")
            }),
            updated_at: rfc3339(at),
        }
    }

    fn opt_in(store: &mut Store, account: &str, item: &str) {
        store
            .set_outreach(&OutreachRequest {
                account_id: account.into(),
                item_id: item.into(),
                enabled: true,
                mode: OutreachMode::Message,
                message: "Bonjour, merci pour le favori !".into(),
                offer_price_cents: None,
                rules_accepted: true,
            })
            .expect("turned on");
    }

    #[test]
    fn kinds_follow_entry_types_and_a_transaction_link_is_a_sale() {
        assert_eq!(kind_of(110, None), NotificationKind::Message);
        for offer in [120, 121, 125, 126] {
            assert_eq!(kind_of(offer, None), NotificationKind::Offer);
        }
        for system in [20, 30, 50, 300, 750] {
            assert_eq!(
                kind_of(system, Some("/transactions/5")),
                NotificationKind::System
            );
        }
        assert_eq!(
            kind_of(400, Some("/transactions/77")),
            NotificationKind::Sale
        );
        assert_eq!(
            kind_of(401, Some("vintedfr://transaction?transaction_id=77")),
            NotificationKind::Sale
        );
        assert_eq!(kind_of(999, Some("/items/1")), NotificationKind::System);
    }

    #[test]
    fn both_favourite_link_forms_name_the_item_and_the_member() {
        let at = Utc::now();
        let app = favourite(1, 501, 77, at, true);
        assert_eq!(favourite_of(&app), Some(("501".into(), "77".into())));
        let web = favourite(2, 502, 78, at, false);
        assert_eq!(favourite_of(&web), Some(("502".into(), "78".into())));
        let mut bare = favourite(3, 503, 79, at, false);
        bare.link = None;
        assert_eq!(favourite_of(&bare), Some(("503".into(), "79".into())));
        // The link and the fields disagree: not a favourite anyone gets a message for.
        let mut other_member = favourite(5, 505, 81, at, true);
        other_member.user_id = Some("82".into());
        assert_eq!(favourite_of(&other_member), None);
        let mut other_item = favourite(6, 506, 83, at, false);
        other_item.subject_id = Some("507".into());
        assert_eq!(favourite_of(&other_item), None);
        let mut message = favourite(4, 504, 80, at, true);
        message.entry_type = entry_type::MESSAGE;
        assert_eq!(favourite_of(&message), None);
    }

    #[test]
    fn a_page_read_twice_records_nothing_twice() {
        let (_dir, mut store, account) = store_with_account();
        let now = Utc::now();
        let page = vec![
            favourite(1, 501, 77, now - Duration::hours(1), true),
            favourite(2, 501, 77, now - Duration::minutes(50), false),
            VintedNotification {
                vinted_id: "3".into(),
                entry_type: 110,
                subject_id: Some("501".into()),
                user_id: Some("77".into()),
                user_login: None,
                body: "Nouveau message".into(),
                link: None,
                updated_at: rfc3339(now - Duration::minutes(5)),
            },
        ];
        let first = store
            .record_vinted_notifications(&account, &page, now)
            .expect("recorded");
        assert_eq!((first.new, first.new_favorites, first.alerts), (3, 1, 1));
        let again = store
            .record_vinted_notifications(&account, &page, now)
            .expect("recorded again");
        assert_eq!(again, RecordedNotifications::default());
        let filter = NotificationFilter {
            account_id: Some(account.clone()),
            page: 1,
            per_page: 50,
            ..NotificationFilter::default()
        };
        assert_eq!(store.list_notifications(&filter).expect("listed").total, 3);
        let alerts = store.take_desktop_alerts().expect("alerts");
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].kind, NotificationKind::Message);
        assert!(store.take_desktop_alerts().expect("taken").is_empty());
    }

    #[test]
    fn outreach_is_planned_only_for_items_turned_on_and_within_the_caps() {
        let (_dir, mut store, account) = store_with_account();
        opt_in(&mut store, &account, "501");
        store
            .set_outreach_caps(OutreachCaps {
                per_user_per_day: 1,
                per_item_per_day: 2,
                per_account_per_day: 3,
            })
            .expect("caps");
        // Favourites after the item was turned on (earlier ones are never messaged), planned
        // a minute after the latest.
        let recent = Utc::now() + Duration::minutes(5);
        let now = recent + Duration::minutes(1);
        let page = vec![
            // Planned oldest first: 71, then 72; 73 comes over the item's cap.
            favourite(1, 501, 71, recent - Duration::minutes(3), true),
            favourite(2, 501, 72, recent - Duration::minutes(2), false),
            favourite(3, 501, 73, recent - Duration::minutes(1), true),
            // Not turned on.
            favourite(4, 999, 74, recent, true),
            // Too old (and before the item was turned on).
            favourite(5, 501, 75, now - Duration::hours(30), true),
        ];
        let recorded = store
            .record_vinted_notifications(&account, &page, now)
            .expect("recorded");
        assert_eq!(recorded.new_favorites, 5);
        let planned = store
            .plan_outreach(&account, now, false, &mut || 7 * 60)
            .expect("planned");
        // 71 and 72 planned, 73 over the item's cap; 74's item is off; 75's favourite is old.
        assert_eq!(planned, (2, 1));
        assert_eq!(
            store
                .plan_outreach(&account, now, false, &mut || 7 * 60)
                .expect("planned again"),
            (0, 0)
        );
        let jobs = store
            .list_jobs(&super::super::JobFilter {
                account_id: Some(account.clone()),
                page: 1,
                per_page: 50,
                ..Default::default()
            })
            .expect("jobs")
            .items;
        assert_eq!(jobs.len(), 2);
        assert!(jobs.iter().all(|job| job.kind == JobKind::MessageFavoriter));
        let mut due: Vec<String> = jobs.iter().filter_map(|j| j.not_before.clone()).collect();
        due.sort();
        // Seven minutes after each favourite.
        assert_eq!(
            due,
            [
                rfc3339(recent + Duration::minutes(4)),
                rfc3339(recent + Duration::minutes(5))
            ]
        );

        // At run time: the first goes; once sent, the same member's second item is capped.
        opt_in(&mut store, &account, "502");
        let send = |store: &Store, user: &str| -> String {
            store
                .conn
                .query_row(
                    "SELECT id FROM vinted_outreach_sends WHERE vinted_user_id = ?1",
                    [user],
                    |r| r.get(0),
                )
                .expect("a planned send")
        };
        let first = send(&store, "71");
        assert!(matches!(
            store.check_outreach(&first, now, false).expect("checked"),
            OutreachCheck::Go { .. }
        ));
        store
            .settle_outreach(&first, OutreachState::Sent, Some("900"), None, now)
            .expect("sent");
        assert_eq!(
            store.check_outreach(&first, now, false).expect("checked"),
            OutreachCheck::AlreadySent {
                conversation_id: Some("900".into())
            }
        );
        store
            .record_vinted_notifications(&account, &[favourite(6, 502, 71, recent, true)], now)
            .expect("recorded");
        let later = store
            .plan_outreach(&account, now, false, &mut || 600)
            .expect("planned");
        assert_eq!(later, (0, 1), "71 had a message already");

        // Turned off before its time: skipped, never sent.
        let second = send(&store, "72");
        store
            .set_outreach(&OutreachRequest {
                account_id: account.clone(),
                item_id: "501".into(),
                enabled: false,
                mode: OutreachMode::Message,
                message: "x".into(),
                offer_price_cents: None,
                rules_accepted: false,
            })
            .expect("turned off");
        assert_eq!(
            store.check_outreach(&second, now, false).expect("checked"),
            OutreachCheck::Skip("turned_off")
        );
    }

    fn send_of(store: &Store, item: &str, user: &str) -> (String, OutreachState, Option<String>) {
        store
            .conn
            .query_row(
                "SELECT id, state, reason FROM vinted_outreach_sends
                 WHERE item_id = ?1 AND vinted_user_id = ?2",
                [item, user],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .expect("a send")
    }

    #[test]
    fn outreach_goes_within_thirty_minutes_of_the_favourite_and_never_for_older_ones() {
        let (_dir, mut store, account) = store_with_account();
        let before = Utc::now() - Duration::minutes(1);
        opt_in(&mut store, &account, "501");
        let now = Utc::now() + Duration::minutes(40);
        let page = vec![
            // Before the item was turned on: never messaged, not even recorded as a send.
            favourite(1, 501, 81, before, true),
            // 31 minutes old when planned: too late.
            favourite(2, 501, 82, now - Duration::minutes(31), true),
            // 29 minutes and 40 seconds old: its window ends within the minute a job needs.
            favourite(3, 501, 83, now - Duration::seconds(29 * 60 + 40), true),
            // 20 minutes old with a 7 minutes delay: due now + 60 s, not in the past.
            favourite(4, 501, 84, now - Duration::minutes(20), true),
            // Just now: due seven minutes after it.
            favourite(5, 501, 85, now, true),
        ];
        store
            .set_outreach_caps(OutreachCaps {
                per_user_per_day: 5,
                per_item_per_day: 50,
                per_account_per_day: 50,
            })
            .expect("caps");
        store
            .record_vinted_notifications(&account, &page, now)
            .expect("recorded");
        let planned = store
            .plan_outreach(&account, now, false, &mut || 7 * 60)
            .expect("planned");
        assert_eq!(planned, (2, 2));
        let count: i64 = store
            .conn
            .query_row(
                "SELECT COUNT(*) FROM vinted_outreach_sends WHERE vinted_user_id = '81'",
                [],
                |r| r.get(0),
            )
            .expect("counted");
        assert_eq!(
            count, 0,
            "a favourite from before the opt-in is never planned"
        );
        for user in ["82", "83"] {
            let (_, state, reason) = send_of(&store, "501", user);
            assert_eq!(
                (state, reason.as_deref()),
                (OutreachState::Skipped, Some("too_late"))
            );
        }
        let due = |user: &str| -> String {
            store
                .conn
                .query_row(
                    "SELECT due_at FROM vinted_outreach_sends WHERE vinted_user_id = ?1",
                    [user],
                    |r| r.get(0),
                )
                .expect("due")
        };
        assert_eq!(due("84"), rfc3339(now + Duration::seconds(60)));
        assert_eq!(due("85"), rfc3339(now + Duration::minutes(7)));
    }

    #[test]
    fn a_member_favouriting_two_items_gets_one_message() {
        let (_dir, mut store, account) = store_with_account();
        opt_in(&mut store, &account, "501");
        opt_in(&mut store, &account, "502");
        store
            .set_outreach_caps(OutreachCaps {
                per_user_per_day: 5,
                per_item_per_day: 50,
                per_account_per_day: 50,
            })
            .expect("caps: the per-member cap alone would let both go");
        let at = Utc::now() + Duration::minutes(1);
        let now = at + Duration::minutes(2);
        let page = vec![
            favourite(1, 501, 91, at, true),
            favourite(2, 502, 91, at + Duration::seconds(1), false),
        ];
        store
            .record_vinted_notifications(&account, &page, now)
            .expect("recorded");
        assert_eq!(
            store
                .plan_outreach(&account, now, false, &mut || 600)
                .expect("planned"),
            (1, 1)
        );
        let (first, state, _) = send_of(&store, "501", "91");
        assert_eq!(state, OutreachState::Queued);
        let (_, state, reason) = send_of(&store, "502", "91");
        assert_eq!(
            (state, reason.as_deref()),
            (OutreachState::Skipped, Some("already_contacted"))
        );

        // At run time too: a second send planned for the member (by an older version, or two
        // devices) does not go once the first was sent.
        store
            .conn
            .execute(
                "INSERT INTO vinted_outreach_sends (id, seller_account_id, item_id,
                    vinted_user_id, state, mode, favorited_at, due_at, created_at)
                 VALUES ('ffffffff-0000-7000-8000-000000000000', ?1, '503', '91', 'queued',
                         'message', ?2, ?2, ?2)",
                params![account, rfc3339(now)],
            )
            .expect("a second send");
        opt_in(&mut store, &account, "503");
        store
            .settle_outreach(&first, OutreachState::Sent, Some("900"), None, now)
            .expect("sent");
        assert_eq!(
            store
                .check_outreach("ffffffff-0000-7000-8000-000000000000", now, false)
                .expect("checked"),
            OutreachCheck::Skip("already_contacted")
        );
    }

    #[test]
    fn the_account_itself_never_gets_a_message() {
        let (_dir, mut store, account) = store_with_account();
        opt_in(&mut store, &account, "501");
        // The account's own Vinted id, as a thread's read saw it.
        store
            .conn
            .execute_batch(&format!(
                "INSERT INTO seller_conversations (id, seller_account_id) VALUES ('c1', '{account}');
                 INSERT INTO vinted_conversation_refs (id, seller_account_id,
                    vinted_conversation_id, own_user_id) VALUES ('c1', '{account}', '7001', '4242');"
            ))
            .expect("a thread");
        let at = Utc::now() + Duration::minutes(1);
        let now = at + Duration::minutes(2);
        let page = vec![
            favourite(1, 501, 4242, at, true),
            favourite(2, 501, 96, at, true),
        ];
        store
            .record_vinted_notifications(&account, &page, now)
            .expect("recorded");
        assert_eq!(
            store
                .plan_outreach(&account, now, false, &mut || 600)
                .expect("planned"),
            (1, 0)
        );
        let (_, state, _) = send_of(&store, "501", "96");
        assert_eq!(state, OutreachState::Queued);
    }

    #[test]
    fn a_started_send_goes_on_whatever_the_option_and_caps_say_now() {
        let (_dir, mut store, account) = store_with_account();
        opt_in(&mut store, &account, "501");
        let at = Utc::now() + Duration::minutes(1);
        let now = at + Duration::minutes(2);
        store
            .record_vinted_notifications(&account, &[favourite(1, 501, 95, at, true)], now)
            .expect("recorded");
        store
            .plan_outreach(&account, now, false, &mut || 600)
            .expect("planned");
        let (send, _, _) = send_of(&store, "501", "95");
        store
            .set_outreach(&OutreachRequest {
                account_id: account.clone(),
                item_id: "501".into(),
                enabled: false,
                mode: OutreachMode::Message,
                message: "x".into(),
                offer_price_cents: None,
                rules_accepted: false,
            })
            .expect("turned off");
        assert!(matches!(
            store.check_outreach(&send, now, true).expect("checked"),
            OutreachCheck::Go { .. }
        ));
        assert_eq!(
            store.check_outreach(&send, now, false).expect("checked"),
            OutreachCheck::Skip("turned_off")
        );
    }

    #[test]
    fn a_favourite_is_recorded_when_its_notification_was_already_there() {
        let (_dir, mut store, account) = store_with_account();
        let now = Utc::now();
        let fav = favourite(1, 501, 77, now - Duration::minutes(3), true);
        let mut message = fav.clone();
        message.vinted_id = "2".into();
        message.entry_type = entry_type::MESSAGE;
        store
            .record_vinted_notifications(&account, &[fav.clone(), message.clone()], now)
            .expect("recorded");
        // As when the notification row came by sync and its favourite not (yet).
        store
            .conn
            .execute("DELETE FROM seller_favorites", [])
            .expect("deleted");
        store.take_desktop_alerts().expect("taken");
        let again = store
            .record_vinted_notifications(&account, &[fav, message], now)
            .expect("recorded again");
        assert_eq!((again.new, again.new_favorites, again.alerts), (0, 1, 0));
        assert!(store.take_desktop_alerts().expect("taken").is_empty());
    }

    #[test]
    fn a_title_loses_control_and_bidi_characters() {
        assert_eq!(
            plain_text("  Léa\u{202E}gro.dlrow\u{202C} a\n\tun\u{0007} message\u{200B} "),
            "Léagro.dlrow a un message"
        );
        let mut entry = favourite(1, 501, 77, Utc::now(), true);
        entry.body = "\u{2067}\u{0000}\n".into();
        assert_eq!(notification_title(&entry), "Vinted (20)");
    }

    #[test]
    fn outreach_is_on_while_any_item_of_the_account_has_it_on() {
        let (_dir, mut store, account) = store_with_account();
        assert!(!store.outreach_is_on(&account).expect("looked"));
        opt_in(&mut store, &account, "501");
        assert!(store.outreach_is_on(&account).expect("looked"));
        store
            .set_outreach(&OutreachRequest {
                account_id: account.clone(),
                item_id: "501".into(),
                enabled: false,
                mode: OutreachMode::Message,
                message: "x".into(),
                offer_price_cents: None,
                rules_accepted: false,
            })
            .expect("turned off");
        assert!(!store.outreach_is_on(&account).expect("looked"));
    }

    #[test]
    fn turning_messages_on_needs_the_warning_read() {
        let (_dir, mut store, account) = store_with_account();
        let refused = store.set_outreach(&OutreachRequest {
            account_id: account.clone(),
            item_id: "501".into(),
            enabled: true,
            mode: OutreachMode::Offer,
            message: "Une offre pour vous".into(),
            offer_price_cents: None,
            rules_accepted: false,
        });
        let Err(StoreError::Validation(fields)) = refused else {
            panic!("refused: {refused:?}");
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["rulesAccepted", "offerPriceCents"]);
        assert!(
            store
                .outreach_setting(&account, "501")
                .expect("read")
                .is_none()
        );
    }

    #[test]
    fn caps_and_alert_kinds_have_defaults_and_are_kept() {
        let (_dir, mut store, _account) = store_with_account();
        assert_eq!(
            store.outreach_caps().expect("caps"),
            OutreachCaps::default()
        );
        assert_eq!(
            store.desktop_alert_kinds().expect("kinds"),
            DesktopAlertKinds::default()
        );
        let caps = OutreachCaps {
            per_user_per_day: 2,
            per_item_per_day: 5,
            per_account_per_day: 9,
        };
        assert_eq!(store.set_outreach_caps(caps).expect("saved"), caps);
        assert!(
            store
                .set_outreach_caps(OutreachCaps {
                    per_user_per_day: MAX_CAP + 1,
                    ..caps
                })
                .is_err()
        );
        let kinds = DesktopAlertKinds {
            sales: true,
            messages: false,
            offers: true,
        };
        assert_eq!(store.set_desktop_alert_kinds(kinds).expect("saved"), kinds);
    }

    #[test]
    fn alerts_shown_follow_the_kinds_kept_on() {
        let alert = |kind, title: &str| DesktopAlert {
            account_id: "a".into(),
            kind,
            title: title.into(),
            created_at: "2026-12-01T10:00:00.000Z".into(),
        };
        let alerts = vec![
            alert(NotificationKind::Message, "m1"),
            alert(NotificationKind::Message, "m2"),
            alert(NotificationKind::Sale, "vendu"),
            alert(NotificationKind::Offer, "offre"),
        ];
        let shown = alerts_to_show(
            &alerts,
            DesktopAlertKinds {
                sales: true,
                messages: true,
                offers: false,
            },
        );
        assert_eq!(
            shown,
            vec![
                AlertToShow {
                    kind: NotificationKind::Sale,
                    count: 1,
                    title: Some("vendu".into())
                },
                AlertToShow {
                    kind: NotificationKind::Message,
                    count: 2,
                    title: None
                },
            ]
        );
        let none = DesktopAlertKinds {
            sales: false,
            messages: false,
            offers: false,
        };
        assert!(alerts_to_show(&alerts, none).is_empty());
    }
}
