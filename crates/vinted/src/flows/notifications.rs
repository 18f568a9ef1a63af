//! Reading the account's notifications (`docs/VINTED.md`, "Read endpoints", Notifications):
//! every page, newest first, 20 a page, each page recorded in one transaction
//! ([`seller_store::vinted::notifications`]): new notifications, the favourites among them and
//! the desktop alerts of new sales, messages and offers. After the last page, the messages to
//! favouriters of items turned on are planned, oldest favourite first so the caps go to the
//! earliest (jobs of their own, [`super::outreach`]). Vinted keeps notifications 7 days: the
//! poll runs at least daily.
//!
//! Where: the API host, `https://api.vinted.<tld>/inbox-notifications/v1/notifications`, derived
//! from the account's site ([`route::notifications_api`]: a site that is not on a Vinted domain
//! serves it on its own origin). The `www` route `/api/v2/notifications` is read instead when
//! the API host answers 404 (or the page may not call it: the browser's refusal of a
//! cross-origin call reads as no answer), as docs/VINTED.md says some domains need.
//!
//! Resuming: the checkpoint names the next page and the route, saved after each page is
//! recorded; a 429 or an expired login ends the job's turn and the job goes on from that page.
//! Pages are newest first, so notifications arriving meanwhile push entries down, never up:
//! the resumed page may show some already recorded (their ids are derived from Vinted's, so
//! they are not recorded twice) but skips none.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Flow;
use crate::StoreAccess;
use crate::calls::{FlowError, store_error};
use crate::pacing::{Jitter, SplitMix64};
use crate::page::{Call, PageError};
use crate::reply::Refusal;
use crate::site::route;
use seller_store::vinted::notifications::{OUTREACH_DELAY_SECS, VintedNotification};

/// Which route answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Route {
    ApiHost,
    Www,
}

/// Where a read is; saved after every page.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Checkpoint {
    /// `None` until the first page said which route answers.
    route: Option<Route>,
    next_page: u32,
    seen: i64,
    new: i64,
    new_favorites: i64,
    alerts: i64,
    outreach_queued: i64,
    outreach_held: i64,
    done: bool,
}

/// Pages read at most in one job: 7 days of notifications of a busy account fit many times.
const MAX_PAGES: u32 = 200;

pub async fn run<S: StoreAccess>(flow: &mut Flow<'_, S>) -> Result<Value, FlowError> {
    let mut checkpoint: Checkpoint = match flow.job.checkpoint.clone() {
        Some(saved) => serde_json::from_value(saved).map_err(|error| {
            FlowError::Invalid(format!("the read's checkpoint is not valid: {error}"))
        })?,
        None => Checkpoint {
            next_page: 1,
            ..Checkpoint::default()
        },
    };
    let mut jitter = SplitMix64::from_os().unwrap_or_else(|_| SplitMix64::seeded(0x5eed));
    while !checkpoint.done {
        if flow.paced.is_cancelled() {
            return Err(FlowError::Cancelled);
        }
        checkpoint = read_page(flow, checkpoint, &mut jitter).await?;
    }
    Ok(json!({
        "seen": checkpoint.seen,
        "new": checkpoint.new,
        "newFavorites": checkpoint.new_favorites,
        "alerts": checkpoint.alerts,
        "outreachQueued": checkpoint.outreach_queued,
        "outreachHeld": checkpoint.outreach_held,
        "route": checkpoint.route,
    }))
}

async fn read_page<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    mut checkpoint: Checkpoint,
    jitter: &mut SplitMix64,
) -> Result<Checkpoint, FlowError> {
    let page = checkpoint.next_page.max(1);
    let (used, answer) = read_from_route(flow, checkpoint.route, page).await?;
    let (entries, raw) = parse_page(&answer)?;
    let total_pages = answer["pagination"]["total_pages"]
        .as_u64()
        .and_then(|n| u32::try_from(n).ok());
    let count = entries.len();
    let account_id = flow.caller.account_id.clone();
    let recorded = flow
        .store
        .with_store(move |store| {
            Ok(store.record_vinted_notifications(&account_id, &entries, chrono::Utc::now())?)
        })
        .await
        .map_err(store_error)?;
    checkpoint.route = Some(used);
    checkpoint.seen += count as i64;
    checkpoint.new += i64::from(recorded.new);
    checkpoint.new_favorites += i64::from(recorded.new_favorites);
    checkpoint.alerts += i64::from(recorded.alerts);
    // The page's end is told by what Vinted sent, not by what could be read of it: a full page
    // with an odd entry is not the last.
    let last = raw < route::NOTIFICATIONS_PER_PAGE as usize
        || total_pages.is_some_and(|total| page >= total)
        || page >= MAX_PAGES;
    if last {
        // Every page is in: the messages to favouriters are planned over all of them, oldest
        // favourite first, in the same step (planning twice plans nothing more).
        let (planned, held) = plan_outreach(flow, jitter).await?;
        checkpoint.outreach_queued = i64::from(planned);
        checkpoint.outreach_held = i64::from(held);
    }
    checkpoint.done = last;
    checkpoint.next_page = page + 1;
    let total = total_pages.map(i64::from);
    flow.checkpoint(
        &checkpoint,
        i64::from(page),
        total.or(Some(i64::from(page) + i64::from(!last))),
    )
    .await?;
    Ok(checkpoint)
}

async fn plan_outreach<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    jitter: &mut SplitMix64,
) -> Result<(u32, u32), FlowError> {
    let (min, max) = (*OUTREACH_DELAY_SECS.start(), *OUTREACH_DELAY_SECS.end());
    // Enough delays for any batch, drawn here: the store's closure cannot hold the jitter.
    let mut delays: Vec<i64> = (0..256)
        .map(|_| {
            let secs = jitter.between(min.unsigned_abs(), max.unsigned_abs());
            i64::try_from(secs).unwrap_or(min)
        })
        .collect();
    let account_id = flow.caller.account_id.clone();
    let dry_run = flow.caller.dry_run;
    flow.store
        .with_store(move |store| {
            let mut next = move || delays.pop().unwrap_or(max);
            Ok(store.plan_outreach(&account_id, chrono::Utc::now(), dry_run, &mut next)?)
        })
        .await
        .map_err(store_error)
}

/// One page from the route that answers: the API host first; the `www` route when the API
/// host answers 404 or the page cannot reach it, on the first page (the route then holds).
async fn read_from_route<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    known: Option<Route>,
    page: u32,
) -> Result<(Route, Value), FlowError> {
    let per_page = route::NOTIFICATIONS_PER_PAGE;
    if known != Some(Route::Www) {
        let url = route::notifications_api(flow.paced.page().base_url(), page, per_page);
        match flow.paced.read(Call::get(url)).await {
            Ok(answer) => return Ok((Route::ApiHost, answer)),
            Err(FlowError::Vinted(refusal))
                if known.is_none()
                    && (refusal.is_route_refused()
                        || matches!(refusal, Refusal::EndpointMoved { .. })) =>
            {
                tracing::info!(
                    code = refusal.code(),
                    "the API host's notifications did not answer: reading the www route"
                );
            }
            Err(FlowError::Page(PageError::Network(reason))) if known.is_none() => {
                tracing::info!(
                    %reason,
                    "the page could not call the API host: reading the www route"
                );
            }
            Err(other) => return Err(other),
        }
    }
    let answer = flow
        .paced
        .read(Call::get(route::notifications_www(page, per_page)))
        .await?;
    Ok((Route::Www, answer))
}

/// `notifications[]{id, entry_type, subject_id, user_id, body, link, updated_at}`; ids as numbers
/// or strings, the member also as `user{id, login}`.
/// The entries that could be read, and how many Vinted sent.
fn parse_page(answer: &Value) -> Result<(Vec<VintedNotification>, usize), FlowError> {
    let Some(entries) = answer.get("notifications").and_then(Value::as_array) else {
        return Err(FlowError::Vinted(Refusal::EndpointMoved { status: 200 }));
    };
    Ok((
        entries.iter().filter_map(parse_entry).collect(),
        entries.len(),
    ))
}

fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => n.as_u64().map(|n| n.to_string()),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            Some(s.clone())
        }
        _ => None,
    }
}

fn parse_entry(entry: &Value) -> Option<VintedNotification> {
    let vinted_id = id_text(entry.get("id")?)?;
    let entry_type = match entry.get("entry_type")? {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => s.parse().ok()?,
        _ => return None,
    };
    let user = entry.get("user");
    let user_id = entry
        .get("user_id")
        .and_then(id_text)
        .or_else(|| user.and_then(|u| u.get("id")).and_then(id_text));
    let text = |key: &str| {
        entry
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .filter(|s| !s.is_empty())
    };
    Some(VintedNotification {
        vinted_id,
        entry_type,
        subject_id: entry.get("subject_id").and_then(id_text),
        user_id,
        user_login: user
            .and_then(|u| u.get("login"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        body: text("body").unwrap_or_default(),
        link: text("link"),
        updated_at: text("updated_at").or_else(|| text("created_at"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_read_with_ids_as_numbers_or_strings() {
        let page = json!({"notifications": [
            {"id": 7, "entry_type": 20, "subject_id": 501, "user_id": 77, "body": "fav",
             "link": "vintedfr://messaging?item_id=501&user_id=77",
             "updated_at": "2026-12-01T10:00:00+01:00"},
            {"id": "8", "entry_type": "110", "subject_id": "9", "user": {"id": 78, "login": "lea"},
             "body": "msg", "link": null, "updated_at": "2026-12-01T10:00:00Z"},
            {"id": 9, "entry_type": 30, "body": "no date"}
        ]});
        let (entries, sent) = parse_page(&page).expect("a page");
        assert_eq!(entries.len(), 2);
        // The page's end counts what Vinted sent: the entry without a date counts too.
        assert_eq!(sent, 3);
        assert_eq!(entries[0].user_id.as_deref(), Some("77"));
        assert_eq!(entries[1].entry_type, 110);
        assert_eq!(entries[1].user_id.as_deref(), Some("78"));
        assert_eq!(entries[1].user_login.as_deref(), Some("lea"));
        assert_eq!(entries[1].link, None);
        assert!(matches!(
            parse_page(&json!({"items": []})),
            Err(FlowError::Vinted(Refusal::EndpointMoved { status: 200 }))
        ));
    }
}
