//! Misbehaviour on demand: a test queues a [`Failure`] for a [`Step`] (once or N times), the next
//! matching request gets it, then the site behaves again, so a test can fail each step and check
//! the retry.
//!
//! Mirrors VINTED.md "Error signals" for every wire shape. The fake's own choices: a restriction
//! answers 403 `{"code":146,"message_code":"account_restricted"}` (Vinted's numeric code is not
//! documented; the message names automated activity) with `restricted_until`, and from then on
//! every write of the account answers the same until that date, which `users/current` shows as
//! `user.restricted_until`; a server error is a 500 JSON `{"code":500,"message_code":
//! "internal_error"}`; a moved endpoint is the HTML "page not found" with status 404.

use std::time::SystemTime;

use hyper::{Method, StatusCode};
use serde_json::json;

use super::http::{Reply, rfc3339};
use super::pages;

/// Which request a fault waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// `POST /api/v2/photos`.
    PhotoUpload,
    /// `POST /api/v2/item_upload/items` and a draft's completion.
    Create,
    /// `PUT /api/v2/item_upload/items/{id}`.
    Edit,
    /// `POST|PUT|DELETE /api/v2/item_upload/drafts…` other than the completion.
    Draft,
    /// `POST /api/v2/items/{id}/delete`.
    Delete,
    /// `PUT /api/v2/items/{id}/is_hidden`.
    Hide,
    /// Both wardrobe routes.
    Wardrobe,
    /// `GET /api/v2/item_upload/items/{id}` (and `/api/v2/items/{id}`).
    ItemRead,
    /// Categories, brands, colours, sizes, parcel sizes, attributes.
    Reference,
    /// `users/current` and `users/me`.
    CurrentUser,
    /// The upload form page, `/items/new` or `/items/{id}/edit` (for [`Failure::FormHalfway`]).
    UploadForm,
    /// `GET /api/v2/my_orders`.
    Orders,
    /// `GET /api/v2/transactions/{id}`.
    Transaction,
    /// `GET /api/v2/wallet/…`.
    Wallet,
    /// `GET /api/v2/shipments/{id}/label_url` and the label file.
    Label,
    /// `GET /api/v2/inbox`.
    Inbox,
    /// `GET /api/v2/conversations/{id}`.
    Conversation,
    /// `POST /api/v2/conversations…` (a reply, a new thread) and `mark_as_read`.
    Reply,
    /// `…/offers/seller_options`, `…/offer_requests/{id}/accept|reject`.
    Offer,
    /// `POST /api/v2/transactions/{id}/offers`: an offer (or counter-offer) sent.
    OfferSend,
    /// Notifications, on either host.
    Notifications,
    /// Any API call.
    Any,
}

/// What the faulty answer is.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// 401 `{"code":100,"message_code":"invalid_authentication_token"}`.
    LoginExpired,
    /// 403 `{"code":106,"message_code":"access_denied"}`.
    AccessDenied106,
    /// 429 with `Retry-After: <secs>` and `{"code":106,"message_code":"rate_limit_exceeded"}`.
    RateLimited { retry_after_secs: u64 },
    /// 403 JSON `{"url":"https://geo.captcha-delivery.com/captcha/?…"}` with `x-datadome:
    /// protected`.
    DataDome403,
    /// 200 `text/html`: the captcha page where JSON was expected.
    DataDome200Html,
    /// 400 `{"code":99,"message_code":"validation_error","errors":[{field, value: message}]}`.
    Validation { field: String, message: String },
    /// 403 `account_restricted` and the account restricted until `until` (see the module doc).
    Restricted { until: SystemTime },
    /// 404 HTML, no captcha marker: what a moved endpoint looks like.
    HtmlInsteadOfJson,
    /// The connection closes without an answer; nothing is done.
    NetworkDrop,
    /// The write is done (stored) but the connection closes without an answer.
    AcceptThenDrop,
    /// 500 JSON.
    ServerError,
    /// On [`Step::UploadForm`]: the form breaks after a few fields ("Une erreur s'est
    /// produite", inputs disabled) and must be reloaded.
    FormHalfway,
    /// What a block looks like: the first request of the step gets the inner failure, and from
    /// then on every API call gets it too, until [`super::FakeVinted::clear_faults`] (the person
    /// passed DataDome's captcha, or logged in again). A one-shot captcha would let a blind
    /// retry through, which the real site does not.
    Blocked(Box<Failure>),
}

#[derive(Clone, Debug)]
pub(crate) struct Fault {
    pub step: Step,
    pub failure: Failure,
    pub remaining: u32,
}

/// The step a request belongs to (API paths and the upload form only).
pub(crate) fn step_of(method: &Method, path: &str) -> Option<Step> {
    if path == "/items/new" || (path.starts_with("/items/") && path.ends_with("/edit")) {
        return Some(Step::UploadForm);
    }
    if path == super::notifications::API_HOST_PATH {
        return Some(Step::Notifications);
    }
    let rest = path.strip_prefix("/api/v2/")?;
    let segments: Vec<&str> = rest.split('/').collect();
    let step = match (method, segments.as_slice()) {
        (&Method::POST, ["photos"]) => Step::PhotoUpload,
        (&Method::POST, ["item_upload", "items"]) => Step::Create,
        (&Method::POST, ["item_upload", "drafts", _, "completion"]) => Step::Create,
        (_, ["item_upload", "drafts", ..]) if method != Method::GET => Step::Draft,
        (&Method::PUT, ["item_upload", "items", _]) => Step::Edit,
        (&Method::POST, ["items", _, "delete"]) => Step::Delete,
        (&Method::PUT, ["items", _, "is_hidden"]) => Step::Hide,
        (&Method::GET, ["wardrobe", _, "items"]) | (&Method::GET, ["users", _, "items"]) => {
            Step::Wardrobe
        }
        (&Method::GET, ["item_upload", "items", _]) | (&Method::GET, ["items", _]) => {
            Step::ItemRead
        }
        (&Method::GET, ["users", "current" | "me"]) => Step::CurrentUser,
        (
            _,
            [
                "item_upload",
                "catalogs" | "brands" | "colors" | "attributes",
            ],
        )
        | (_, ["size_groups"])
        | (_, ["catalogs", _, "package_sizes"]) => Step::Reference,
        (_, ["my_orders"]) => Step::Orders,
        (&Method::POST, ["transactions", _, "offers"]) => Step::OfferSend,
        (_, ["transactions", _, "offers", ..]) | (_, ["transactions", _, "offer_requests", ..]) => {
            Step::Offer
        }
        (_, ["transactions", _]) => Step::Transaction,
        (_, ["wallet", ..]) => Step::Wallet,
        (_, ["shipments", _, "label_url"]) => Step::Label,
        (_, ["inbox"]) => Step::Inbox,
        (&Method::GET, ["conversations", _]) => Step::Conversation,
        (_, ["conversations", ..]) => Step::Reply,
        (_, ["notifications"]) => Step::Notifications,
        _ => Step::Any,
    };
    Some(step)
}

/// Takes the first queued fault for this step (or for [`Step::Any`] on an API call).
pub(crate) fn take(faults: &mut Vec<Fault>, step: Step, is_api: bool) -> Option<Failure> {
    let index = faults
        .iter()
        .position(|f| f.step == step || (f.step == Step::Any && is_api))?;
    if let Failure::Blocked(inner) = faults[index].failure.clone() {
        faults[index] = Fault {
            step: Step::Any,
            failure: (*inner).clone(),
            remaining: u32::MAX,
        };
        return Some(*inner);
    }
    let fault = &mut faults[index];
    let failure = fault.failure.clone();
    fault.remaining = fault.remaining.saturating_sub(1);
    if fault.remaining == 0 {
        faults.remove(index);
    }
    Some(failure)
}

/// The answer a failure gives, for the ones that are an answer.
pub(crate) fn reply(failure: &Failure) -> Option<Reply> {
    Some(match failure {
        Failure::LoginExpired => invalid_authentication(),
        Failure::AccessDenied106 => access_denied(),
        Failure::RateLimited { retry_after_secs } => {
            rate_limited().with_header("retry-after", retry_after_secs.to_string())
        }
        Failure::DataDome403 => datadome_json(),
        Failure::DataDome200Html => Reply::html(StatusCode::OK, pages::challenge_page()),
        Failure::Validation { field, message } => validation(&[(field.clone(), message.clone())]),
        Failure::Restricted { until } => restricted(*until),
        Failure::HtmlInsteadOfJson => Reply::html(StatusCode::NOT_FOUND, pages::not_found_page()),
        Failure::ServerError => Reply::json(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"code": 500, "message_code": "internal_error", "message": "Une erreur s'est produite"}),
        ),
        Failure::Blocked(inner) => return reply(inner),
        Failure::NetworkDrop | Failure::AcceptThenDrop | Failure::FormHalfway => return None,
    })
}

// --- Vinted's error answers, shared with the handlers --------------------------------------------

/// VINTED.md's "session expired" answer; also what a refused login gets.
pub(crate) fn invalid_authentication() -> Reply {
    Reply::json(
        StatusCode::UNAUTHORIZED,
        json!({"code": 100, "message_code": "invalid_authentication_token", "message": "Invalid authentication token"}),
    )
}

pub(crate) fn access_denied() -> Reply {
    Reply::json(
        StatusCode::FORBIDDEN,
        json!({"code": 106, "message_code": "access_denied", "message": "Access denied"}),
    )
}

pub(crate) fn rate_limited() -> Reply {
    Reply::json(
        StatusCode::TOO_MANY_REQUESTS,
        json!({"code": 106, "message_code": "rate_limit_exceeded", "message": "Rate limit exceeded"}),
    )
}

pub(crate) fn datadome_json() -> Reply {
    Reply::json(
        StatusCode::FORBIDDEN,
        json!({"url": format!("https://{}/captcha/?initialCid=fake-cid&hash=FAKE&cid=fake&t=fe", super::CAPTCHA_MARKER)}),
    )
    .with_header("x-datadome", "protected")
}

pub(crate) fn not_found_json() -> Reply {
    Reply::json(
        StatusCode::NOT_FOUND,
        json!({"code": 404, "message_code": "not_found", "message": "Not found"}),
    )
}

pub(crate) fn validation(errors: &[(String, String)]) -> Reply {
    let errors: Vec<_> = errors
        .iter()
        .map(|(field, value)| json!({"field": field, "value": value}))
        .collect();
    Reply::json(
        StatusCode::BAD_REQUEST,
        json!({"code": 99, "message_code": "validation_error", "message": "Erreur de validation", "errors": errors}),
    )
}

pub(crate) fn restricted(until: SystemTime) -> Reply {
    Reply::json(
        StatusCode::FORBIDDEN,
        json!({
            "code": 146,
            "message_code": "account_restricted",
            "message": "Ton compte est temporairement restreint : nous avons détecté une activité automatisée.",
            "restricted_until": rfc3339(until),
        }),
    )
}
