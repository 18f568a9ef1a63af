//! How a flow ends, and what that makes of its job: the one place that decides between
//! "try later", "needs the person", "failed" and "done".

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::calls::FlowError;
use crate::reply::Attention;

/// What the queue does with a job after its flow returned.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    Done(Value),
    /// Back in the queue, as `waiting` until `until`, with the reason shown.
    Retry {
        until: DateTime<Utc>,
        code: &'static str,
        message: String,
    },
    /// Held as `needs_attention`; the account's other jobs wait too.
    Attention {
        attention: Attention,
        message: String,
    },
    /// Back in the queue as it was: the session will come back.
    Requeue,
    Cancelled,
    Failed {
        code: &'static str,
        message: String,
    },
}

/// Transient failures are tried again after this, unless pacing says longer.
const RETRY_AFTER_TRANSIENT_SECS: i64 = 60;

/// What the queue does with a job whose flow stopped with `error`.
pub fn verdict(error: FlowError, now: DateTime<Utc>) -> Verdict {
    let soon = now + chrono::Duration::seconds(RETRY_AFTER_TRANSIENT_SECS);
    match error {
        FlowError::Paced { until, reason } => Verdict::Retry {
            until,
            code: reason.as_str(),
            message: format!("paced: {}", reason.as_str()),
        },
        FlowError::Attention(attention) => Verdict::Attention {
            attention,
            message: attention_message(attention),
        },
        FlowError::NoSession => Verdict::Requeue,
        FlowError::Cancelled => Verdict::Cancelled,
        FlowError::Page(error) => Verdict::Retry {
            until: soon,
            code: "no_answer",
            message: error.to_string(),
        },
        FlowError::Vinted(refusal) => match refusal.needs_attention() {
            Some(attention) => Verdict::Attention {
                attention,
                message: refusal.to_string(),
            },
            None if refusal.is_transient() => Verdict::Retry {
                until: soon,
                code: refusal.code(),
                message: refusal.to_string(),
            },
            None => Verdict::Failed {
                code: refusal.code(),
                message: refusal.to_string(),
            },
        },
        FlowError::Invalid(message) => Verdict::Failed {
            code: "invalid_job",
            message,
        },
        FlowError::Store(message) => Verdict::Failed {
            code: "store",
            message,
        },
    }
}

fn attention_message(attention: Attention) -> String {
    match attention {
        Attention::Captcha => "Vinted shows a captcha: solve it in the live view".to_owned(),
        Attention::LoginExpired => {
            "the Vinted login expired: log in again in the live view".to_owned()
        }
        Attention::Restricted => "Vinted restricted this account".to_owned(),
    }
}
