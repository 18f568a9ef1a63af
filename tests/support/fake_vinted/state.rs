//! The fake's mutable world: accounts, their sessions (tokens and CSRF), the wardrobe of items,
//! uploaded photos, injected faults, probe reports and the request log.
//!
//! Mirrors VINTED.md "Sessions": `access_token_web` carries the user id; the CSRF token lives in
//! the page and changes with the session. The fake's own choices: tokens are
//! `<kind>.<user id>.<serial>.<signature>` (checked without a lookup, so a kept profile stays
//! logged in across restarts of the fake), and the CSRF token is a UUID derived from the
//! `_vinted_fr_session` cookie and an epoch [`super::FakeVinted::rotate_csrf`] bumps (which makes
//! every token issued so far stale).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::SystemTime;

use serde_json::Value;

use super::faults::Fault;
use super::http::Request;
use super::{Mode, RAILS_SESSION_COOKIE, SESSION_COOKIE};

/// A Vinted member the fake knows.
#[derive(Clone, Debug)]
pub struct Account {
    pub id: u64,
    pub login: String,
    pub email: String,
    pub password: String,
    /// Writes answer 403 `account_restricted` until then; `users/current` shows the date.
    pub restricted_until: Option<SystemTime>,
}

/// One listing, as the fake stores it: every field a create or edit sent, plus its state.
#[derive(Clone, Debug)]
pub struct Item {
    pub id: u64,
    pub user_id: u64,
    pub title: String,
    pub description: String,
    /// Two decimals, as Vinted sends amounts: `"27.90"`.
    pub price: String,
    pub currency: String,
    pub catalog_id: u64,
    pub brand_id: Option<u64>,
    pub brand: Option<String>,
    pub size_id: Option<u64>,
    /// The condition (`status_id`).
    pub status_id: Option<u64>,
    pub color_ids: Vec<u64>,
    pub material_ids: Vec<u64>,
    pub package_size_id: Option<u64>,
    pub is_unisex: bool,
    /// In the order of `assigned_photos` (the form's tile order).
    pub photo_ids: Vec<u64>,
    pub view_count: u64,
    pub favourite_count: u64,
    pub is_draft: bool,
    pub is_closed: bool,
    /// Closed by a sale (`item_closing_action: "sold"`); `is_closed` is then true too.
    pub is_sold: bool,
    pub is_reserved: bool,
    pub is_hidden: bool,
    pub is_deleted: bool,
    /// The bump box was ticked (`push_up: true`).
    pub push_up: bool,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
    /// `x-anon-id` of the request that created it.
    pub anon_id: Option<String>,
    /// The last create, edit, draft or completion body as sent (the whole JSON).
    pub sent: Option<Value>,
    /// How many edits (PUT) it went through.
    pub edits: u32,
}

impl Item {
    /// Listed and buyable: what another member's wardrobe shows.
    pub fn is_live(&self) -> bool {
        !(self.is_deleted || self.is_draft || self.is_hidden || self.is_closed)
    }
}

/// An uploaded (or seeded) photo.
#[derive(Clone, Debug)]
pub struct Photo {
    pub id: u64,
    pub user_id: u64,
    pub temp_uuid: Option<String>,
    pub width: u32,
    pub height: u32,
    /// The JPEG as uploaded; empty for seeded photos.
    pub bytes: Vec<u8>,
    pub uploaded_at: SystemTime,
}

pub(crate) struct State {
    pub mode: Mode,
    pub requests: Vec<Request>,
    /// Serial of the next token; tokens below `revoked_below` are dead.
    pub next_serial: u64,
    pub revoked_below: u64,
    pub next_anon: u64,
    pub csrf_epoch: u64,
    /// The `_vinted_fr_session` issued last, for [`super::FakeVinted::csrf_token`].
    pub last_session: Option<String>,
    pub accounts: Vec<Account>,
    pub items: Vec<Item>,
    pub photos: Vec<Photo>,
    pub next_item_id: u64,
    pub next_photo_id: u64,
    pub faults: Vec<Fault>,
    /// After a successful publish the form goes to `/items/{id}` (else it stays on the form).
    pub publish_navigates: bool,
    pub probes: Vec<Value>,
    /// Sales and purchases, their transactions, wallet lines and labels (`orders.rs`).
    pub orders: super::orders::Orders,
    /// Conversations, their messages and offers (`inbox.rs`).
    pub inbox: super::inbox::Inbox,
    /// Notifications, favourites among them (`notifications.rs`).
    pub notifications: super::notifications::Notifications,
}

impl State {
    pub fn account(&self, id: u64) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    pub fn account_mut(&mut self, id: u64) -> Option<&mut Account> {
        self.accounts.iter_mut().find(|a| a.id == id)
    }

    pub fn account_by_credentials(&self, login: &str, password: &str) -> Option<u64> {
        self.accounts
            .iter()
            .find(|a| {
                (a.login == login || a.email.eq_ignore_ascii_case(login)) && a.password == password
            })
            .map(|a| a.id)
    }

    pub fn item(&self, id: u64) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    pub fn item_mut(&mut self, id: u64) -> Option<&mut Item> {
        self.items.iter_mut().find(|i| i.id == id)
    }

    pub fn photo(&self, id: u64) -> Option<&Photo> {
        self.photos.iter().find(|p| p.id == id)
    }

    /// The restriction date of `user`, when it is still in the future.
    pub fn restricted_until(&self, user: u64) -> Option<SystemTime> {
        self.account(user)?
            .restricted_until
            .filter(|until| *until > SystemTime::now())
    }

    // --- Sessions -----------------------------------------------------------------------------

    pub fn issue_token(&mut self, kind: &str, user: u64) -> String {
        let serial = self.next_serial;
        self.next_serial += 1;
        format!(
            "{kind}.{user}.{serial}.{:016x}",
            signature(kind, user, serial)
        )
    }

    /// The user a token of `kind` is valid for.
    pub fn token_user(&self, kind: &str, token: &str) -> Option<u64> {
        let mut parts = token.split('.');
        let (Some(k), Some(user), Some(serial), Some(sig), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let user: u64 = user.parse().ok()?;
        let serial: u64 = serial.parse().ok()?;
        let valid = k == kind
            && sig == format!("{:016x}", signature(kind, user, serial))
            && serial >= self.revoked_below
            && self.account(user).is_some();
        valid.then_some(user)
    }

    /// The logged-in user of a request.
    pub fn session_user(&self, request: &Request) -> Option<u64> {
        self.token_user(ACCESS, request.cookie(SESSION_COOKIE)?)
    }

    /// The CSRF token the page shows to this request's session: tied to the Rails session
    /// cookie, or to the access token when that cookie never arrived. tinyproxy 1.11 (Debian
    /// 12's) keeps only the first `Set-Cookie` of a plain-HTTP answer (tinyproxy issue 403), and
    /// this site is plain HTTP, unlike Vinted, whose HTTPS passes through a proxy untouched; the
    /// access token is sent first so a session behind tinyproxy still works.
    pub fn csrf_of(&self, request: &Request) -> Option<String> {
        request
            .cookie(RAILS_SESSION_COOKIE)
            .or_else(|| request.cookie(SESSION_COOKIE))
            .map(|session| csrf_token(session, self.csrf_epoch))
    }

    pub fn csrf_ok(&self, request: &Request) -> bool {
        match (self.csrf_of(request), request.header("x-csrf-token")) {
            (Some(expected), Some(sent)) => expected == sent,
            _ => false,
        }
    }
}

pub(crate) const ACCESS: &str = "fka";
pub(crate) const REFRESH: &str = "fkr";
pub(crate) const RAILS: &str = "fks";

const TOKEN_KEY: &str = "fake-vinted-token-key";

fn signature(kind: &str, user: u64, serial: u64) -> u64 {
    let mut hasher = DefaultHasher::new();
    (TOKEN_KEY, kind, user, serial).hash(&mut hasher);
    hasher.finish()
}

/// A version-4-shaped UUID derived from the session cookie, as Vinted's tokens look.
pub(crate) fn csrf_token(session: &str, epoch: u64) -> String {
    let half = |salt: &str| {
        let mut hasher = DefaultHasher::new();
        (TOKEN_KEY, "csrf", salt, session, epoch).hash(&mut hasher);
        hasher.finish()
    };
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&half("a").to_be_bytes());
    bytes[8..].copy_from_slice(&half("b").to_be_bytes());
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}
