//! Notifications and the favourites among them.
//!
//! Mirrors VINTED.md "Read endpoints", Notifications: `GET
//! /inbox-notifications/v1/notifications?page=&per_page=20` on the API host (here the site's own
//! origin: the fake is one host, which the app's rule for a site outside Vinted's domains
//! expects) and the `www` route `GET /api/v2/notifications`, both answering
//! `{notifications[]{id, entry_type, subject_id, user_id, body, link, updated_at},
//! pagination}`, newest first, only the last 7 days (older ones disappear). Favourites (entry
//! type 20) carry either link form, `vintedfr://messaging?item_id=X&user_id=Y` or
//! `/items/{id}/want_it/new?offering_id=Y`. The fake's own choices: `user{id, login}` beside
//! `user_id`; `per_page` clamped at 100; [`FakeVinted::set_notifications_api_host`] makes the API
//! host answer 404 as some domains do; [`FakeVinted::fail_notifications_page`] fails one page.

use std::time::{Duration, SystemTime};

use hyper::Method;
use serde_json::{Value, json};

use super::FakeVinted;
use super::faults::{self, Failure};
use super::http::{Reply, Request, rfc3339};
use super::state::State;

/// How long Vinted keeps a notification.
pub const KEPT_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

/// Which of the two documented links a favourite carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FavouriteLink {
    /// `vintedfr://messaging?item_id=X&user_id=Y`.
    Messaging,
    /// `/items/{id}/want_it/new?offering_id=Y`.
    WantIt,
}

/// A notification to seed.
#[derive(Clone, Debug)]
pub struct NewNotification {
    /// Whose notifications it is in.
    pub recipient: u64,
    pub entry_type: u64,
    pub subject_id: Option<u64>,
    pub user_id: Option<u64>,
    pub user_login: Option<String>,
    pub body: String,
    pub link: Option<String>,
    pub at: SystemTime,
}

#[derive(Clone, Debug)]
struct Entry {
    id: u64,
    new: NewNotification,
}

/// This part of the fake's world.
#[derive(Debug)]
pub struct Notifications {
    entries: Vec<Entry>,
    next_id: u64,
    /// The API host's route answers 404 (the `www` route then serves).
    api_host_missing: bool,
    /// One failure for a given page number, fired once.
    page_faults: Vec<(u32, Failure)>,
}

impl Default for Notifications {
    fn default() -> Self {
        Notifications {
            entries: Vec::new(),
            next_id: 880_000_001,
            api_host_missing: false,
            page_faults: Vec::new(),
        }
    }
}

/// The API host's path, as the fake serves it on its one origin.
pub const API_HOST_PATH: &str = "/inbox-notifications/v1/notifications";

/// Answers the calls of this part of the API; `None` leaves the call to the other routes.
pub(crate) fn route(
    state: &mut State,
    user: u64,
    method: &Method,
    segments: &[&str],
    request: &Request,
    _body: &[u8],
) -> Option<Reply> {
    let api_host = matches!(segments, ["", "inbox-notifications", "v1", "notifications"]);
    let www = matches!(segments, ["notifications"]);
    if *method != Method::GET || !(api_host || www) {
        return None;
    }
    if api_host && state.notifications.api_host_missing {
        return Some(faults::not_found_json());
    }
    let page = request
        .query_param("page")
        .and_then(|p| p.parse::<u32>().ok())
        .unwrap_or(1)
        .max(1);
    let faults = &mut state.notifications.page_faults;
    if let Some(at) = faults.iter().position(|(p, _)| *p == page) {
        let (_, failure) = faults.remove(at);
        if let Some(reply) = faults::reply(&failure) {
            return Some(reply);
        }
    }
    let per_page = request
        .query_param("per_page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(20)
        .clamp(1, 100);
    let now = SystemTime::now();
    let mut mine: Vec<&Entry> = state
        .notifications
        .entries
        .iter()
        .filter(|e| e.new.recipient == user)
        .filter(|e| now.duration_since(e.new.at).unwrap_or_default() < KEPT_FOR)
        .collect();
    mine.sort_by(|a, b| b.new.at.cmp(&a.new.at).then(b.id.cmp(&a.id)));
    let total = mine.len();
    let page = page as usize;
    let entries: Vec<Value> = mine
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|e| entry_json(e))
        .collect();
    Some(Reply::ok(json!({
        "code": 0,
        "notifications": entries,
        "pagination": {
            "current_page": page,
            "total_pages": total.div_ceil(per_page),
            "total_entries": total,
            "per_page": per_page,
        },
    })))
}

fn entry_json(entry: &Entry) -> Value {
    let n = &entry.new;
    json!({
        "id": entry.id,
        "entry_type": n.entry_type,
        "subject_id": n.subject_id,
        "user_id": n.user_id,
        "user": n.user_id.map(|id| json!({"id": id, "login": n.user_login})),
        "body": n.body,
        "link": n.link,
        "is_read": false,
        "updated_at": rfc3339(n.at),
    })
}

impl FakeVinted {
    /// Adds a notification to `recipient`'s list; returns its id.
    pub fn push_notification(&self, notification: NewNotification) -> u64 {
        let mut state = self.lock();
        let id = state.notifications.next_id;
        state.notifications.next_id += 1;
        state.notifications.entries.push(Entry {
            id,
            new: notification,
        });
        id
    }

    /// `user` (login `login`) favourites `owner`'s item `item` at `at`: the favourite
    /// notification, with the link in `form`; returns its id.
    pub fn favourite(
        &self,
        owner: u64,
        item: u64,
        user: u64,
        login: &str,
        at: SystemTime,
        form: FavouriteLink,
    ) -> u64 {
        let link = match form {
            FavouriteLink::Messaging => {
                format!("vintedfr://messaging?item_id={item}&user_id={user}")
            }
            FavouriteLink::WantIt => format!("/items/{item}/want_it/new?offering_id={user}"),
        };
        self.push_notification(NewNotification {
            recipient: owner,
            entry_type: 20,
            subject_id: Some(item),
            user_id: Some(user),
            user_login: Some(login.to_owned()),
            body: format!("{login} a ajouté ton article à ses favoris"),
            link: Some(link),
            at,
        })
    }

    /// The API host's route answers 404 when `missing` (the `www` route still serves).
    pub fn set_notifications_api_host(&self, missing: bool) {
        self.lock().notifications.api_host_missing = missing;
    }

    /// The next read of notifications page `page` (either route) gets `failure`.
    pub fn fail_notifications_page(&self, page: u32, failure: Failure) {
        self.lock().notifications.page_faults.push((page, failure));
    }
}
