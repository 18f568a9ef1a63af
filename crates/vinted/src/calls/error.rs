//! Why a flow stopped before its end: what the calls, the store and the job's own data can say.
//! What the queue then does with the job is `jobs::outcome`'s decision.

use chrono::{DateTime, Utc};

use crate::pacing::WaitReason;
use crate::page::PageError;
use crate::problems::Problem;
use crate::reply::{Attention, Refusal};

/// Transient failures (a server error, no answer, a dropped connection) in a row, with no
/// progress between them, before the queue fails the job as `too_many_failures`: a fault that
/// outlives this many tries, over about a quarter of an hour, needs a look, not more tries. The
/// count starts again whenever the job's progress moves further (the store's `checkpoint_job`),
/// so a long job that moves on between passing faults is never given up for faults spread over
/// its life. Here rather than in the queue because a flow may act on its last try.
pub const MAX_FAILURES: i64 = 5;

/// Why a flow stopped before its end.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// Vinted refused or failed; the refusal says how.
    #[error(transparent)]
    Vinted(#[from] Refusal),
    /// No answer at all (browser, proxy or network).
    #[error(transparent)]
    Page(#[from] PageError),
    /// Pacing holds the account's calls until then; the job waits, its checkpoint kept.
    #[error("paced until {until}")]
    Paced {
        until: DateTime<Utc>,
        reason: WaitReason,
    },
    /// The account's jobs are paused until the person acts (captcha, login, restriction).
    #[error("the account needs attention")]
    Attention(Attention),
    /// The session stopped, or is not logged in: the job goes back to the queue.
    #[error("the account's session is not running or not logged in")]
    NoSession,
    /// The person cancelled the job.
    #[error("cancelled")]
    Cancelled,
    /// The job's own data is wrong (a forged payload, a product gone): retrying cannot help.
    #[error("{0}")]
    Invalid(String),
    /// Something the person can fix stops the job (the item's fields, a listing of another
    /// account or linked to no item): a code and a detail the UI says in their language.
    #[error("{}", .0.message())]
    Fixable(Fixable),
    /// The local database failed.
    #[error("the local database failed: {0}")]
    Store(String),
}

/// What the person must fix before a job can do its work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fixable {
    /// The item cannot be published as it is; nothing was sent.
    ItemProblems(Vec<Problem>),
    /// The listing is not this account's (Vinted refuses it, or the account never had it).
    NotOwned { listing_id: String },
    /// The listing is linked to no inventory item: its photos and fields are unknown.
    NotLinked { listing_id: String },
    /// The listing is no longer on sale on Vinted (sold, reserved or deleted).
    ListingGone { listing_id: String },
    /// The item's listing on this account was sold (or is reserved): publishing it again would
    /// sell it twice.
    AlreadySold { listing_id: String },
    /// A counter-offer outside the range Vinted allows for the transaction (its
    /// `seller_options`); nothing was sent.
    OfferOutOfRange {
        price_cents: i64,
        min_cents: i64,
        max_cents: i64,
    },
    /// The offer was answered, countered or withdrawn meanwhile; nothing was sent.
    OfferNotPending { offer_id: String },
    /// This device has not read the thread from Vinted (it came from another device): its
    /// Vinted ids are unknown here until an inbox read.
    ThreadNotRead { conversation_id: String },
}

impl Fixable {
    /// The job's `error_code`, which the UI translates.
    pub fn code(&self) -> &'static str {
        match self {
            Fixable::ItemProblems(_) => "item_problems",
            Fixable::NotOwned { .. } => "not_owned",
            Fixable::NotLinked { .. } => "not_linked",
            Fixable::ListingGone { .. } => "listing_gone",
            Fixable::AlreadySold { .. } => "already_sold",
            Fixable::OfferOutOfRange { .. } => "offer_out_of_range",
            Fixable::OfferNotPending { .. } => "offer_not_pending",
            Fixable::ThreadNotRead { .. } => "thread_not_read",
        }
    }

    /// What the UI shows besides the code: `{problems: [{field, code, detail}]}` or
    /// `{listingId}`.
    pub fn detail(&self) -> serde_json::Value {
        match self {
            Fixable::ItemProblems(problems) => serde_json::json!({ "problems": problems }),
            Fixable::NotOwned { listing_id }
            | Fixable::NotLinked { listing_id }
            | Fixable::ListingGone { listing_id }
            | Fixable::AlreadySold { listing_id } => serde_json::json!({ "listingId": listing_id }),
            Fixable::OfferOutOfRange {
                price_cents,
                min_cents,
                max_cents,
            } => serde_json::json!({
                "priceCents": price_cents, "minCents": min_cents, "maxCents": max_cents,
            }),
            Fixable::OfferNotPending { offer_id } => serde_json::json!({ "offerId": offer_id }),
            Fixable::ThreadNotRead { conversation_id } => {
                serde_json::json!({ "conversationId": conversation_id })
            }
        }
    }

    /// The same in English, for the log and the job's `error_message`.
    pub fn message(&self) -> String {
        match self {
            Fixable::ItemProblems(problems) => crate::problems::describe(problems),
            Fixable::NotOwned { listing_id } => {
                format!("listing {listing_id} does not belong to this account")
            }
            Fixable::NotLinked { listing_id } => format!(
                "listing {listing_id} is linked to no inventory item: its photos and fields are unknown"
            ),
            Fixable::ListingGone { listing_id } => format!(
                "listing {listing_id} is no longer on sale on Vinted (sold, reserved or deleted)"
            ),
            Fixable::AlreadySold { listing_id } => format!(
                "the item's listing {listing_id} on this account is sold or reserved: it is not published again"
            ),
            Fixable::OfferOutOfRange {
                price_cents,
                min_cents,
                max_cents,
            } => format!(
                "the counter-offer of {price_cents} cents is outside the range Vinted allows \
                 ({min_cents} to {max_cents} cents): nothing was sent"
            ),
            Fixable::OfferNotPending { offer_id } => {
                format!("offer {offer_id} no longer waits for an answer: nothing was sent")
            }
            Fixable::ThreadNotRead { conversation_id } => format!(
                "conversation {conversation_id} has not been read from Vinted on this device: \
                 read the inbox first"
            ),
        }
    }
}
