//! Why a flow stopped before its end: what the calls, the store and the job's own data can say.
//! What the queue then does with the job is `jobs::outcome`'s decision.

use chrono::{DateTime, Utc};

use crate::pacing::WaitReason;
use crate::page::PageError;
use crate::reply::{Attention, Refusal};

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
    /// The local database failed.
    #[error("the local database failed: {0}")]
    Store(String),
}
