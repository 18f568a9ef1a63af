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
    /// Back in the queue, as `waiting` until `until`, with the reason shown; `failure` when the
    /// turn failed (counted against [`MAX_FAILURES`]) rather than waited for the pacing.
    Retry {
        until: DateTime<Utc>,
        code: &'static str,
        message: String,
        failure: bool,
    },
    /// Held as `needs_attention`; the account's other jobs wait too.
    Attention {
        attention: Attention,
        message: String,
    },
    /// Back in the queue as it was: the session will come back.
    Requeue,
    Cancelled,
    /// `detail`, when there is one, is what the person must fix, for the UI.
    Failed {
        code: &'static str,
        message: String,
        detail: Option<Value>,
    },
}

pub use crate::calls::MAX_FAILURES;
/// The job's code once it has failed [`MAX_FAILURES`] times in a row.
pub const GAVE_UP: &str = "too_many_failures";
/// The wait after a job's first transient failure; each next one waits twice as long.
const FIRST_RETRY_SECS: i64 = 60;
/// The longest wait between tries of a job past its point of no return, which keeps trying.
pub const LONGEST_RETRY_SECS: i64 = 30 * 60;

/// What the queue does with a job whose flow stopped with `error`, after `failures` turns of
/// the job in a row failed transiently. `past_no_return`: the flow had passed the point where
/// stopping would do harm (it called `finish_regardless_of_cancel`, e.g. a relist whose copy is
/// live): giving it up would leave things worse (two listings of one item on sale), so it is
/// never given up for transient failures; it keeps trying, waiting at most
/// [`LONGEST_RETRY_SECS`], and its message says why.
pub fn verdict(
    error: FlowError,
    now: DateTime<Utc>,
    failures: i64,
    past_no_return: bool,
) -> Verdict {
    let transient = |code: &'static str, message: String| {
        let failures = failures.max(0) + 1;
        if failures >= MAX_FAILURES && !past_no_return {
            return Verdict::Failed {
                code: GAVE_UP,
                message: format!(
                    "gave up after {failures} failed tries in a row; the last: {message}"
                ),
                detail: Some(serde_json::json!({"failures": failures, "lastCode": code})),
            };
        }
        // 1, 2, 4, 8 minutes: the tries spread over the time a passing fault takes.
        let wait = (FIRST_RETRY_SECS << (failures - 1).min(10)).min(LONGEST_RETRY_SECS);
        let message = if past_no_return && failures >= MAX_FAILURES {
            format!(
                "still trying after {failures} failed tries in a row: the job is past its point \
                 of no return, stopping it now would leave things worse; the last: {message}"
            )
        } else {
            message
        };
        Verdict::Retry {
            until: now + chrono::Duration::seconds(wait),
            code,
            message,
            failure: true,
        }
    };
    match error {
        FlowError::Paced { until, reason } => Verdict::Retry {
            until,
            code: reason.as_str(),
            message: format!("paced: {}", reason.as_str()),
            failure: false,
        },
        FlowError::Attention(attention) => Verdict::Attention {
            attention,
            message: attention_message(attention),
        },
        FlowError::NoSession => Verdict::Requeue,
        FlowError::Cancelled => Verdict::Cancelled,
        FlowError::Page(error) => transient("no_answer", error.to_string()),
        FlowError::Vinted(refusal) => match refusal.needs_attention() {
            Some(attention) => Verdict::Attention {
                attention,
                message: refusal.to_string(),
            },
            None if refusal.is_transient() => transient(refusal.code(), refusal.to_string()),
            None => Verdict::Failed {
                code: refusal.code(),
                message: refusal.to_string(),
                detail: None,
            },
        },
        FlowError::Fixable(fixable) => Verdict::Failed {
            code: fixable.code(),
            message: fixable.message(),
            detail: Some(fixable.detail()),
        },
        FlowError::Invalid(message) => Verdict::Failed {
            code: "invalid_job",
            message,
            detail: None,
        },
        FlowError::Store(message) => Verdict::Failed {
            code: "store",
            message,
            detail: None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::Fixable;
    use crate::page::PageError;
    use crate::reply::Refusal;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-07T18:00:00Z")
            .expect("a date")
            .with_timezone(&Utc)
    }

    #[test]
    fn transient_failures_wait_longer_each_time_then_give_up() {
        let dropped = || FlowError::Page(PageError::Network("connection reset".into()));
        let mut waits = Vec::new();
        for failures in 0..MAX_FAILURES - 1 {
            match verdict(dropped(), now(), failures, false) {
                Verdict::Retry {
                    until,
                    code,
                    failure,
                    ..
                } => {
                    assert_eq!(code, "no_answer");
                    assert!(failure);
                    waits.push((until - now()).num_seconds());
                }
                other => panic!("try {failures}: {other:?}"),
            }
        }
        assert_eq!(waits, [60, 120, 240, 480]);
        match verdict(dropped(), now(), MAX_FAILURES - 1, false) {
            Verdict::Failed {
                code,
                message,
                detail,
            } => {
                assert_eq!(code, GAVE_UP);
                assert!(message.contains("connection reset"), "{message}");
                assert_eq!(
                    detail,
                    Some(serde_json::json!({"failures": 5, "lastCode": "no_answer"}))
                );
            }
            other => panic!("{other:?}"),
        }
        // A server error counts the same.
        assert!(matches!(
            verdict(
                FlowError::Vinted(Refusal::Server { status: 502 }),
                now(),
                MAX_FAILURES - 1,
                false
            ),
            Verdict::Failed { code: GAVE_UP, .. }
        ));
    }

    #[test]
    fn a_job_past_its_point_of_no_return_is_never_given_up() {
        let dropped = || FlowError::Page(PageError::Network("connection reset".into()));
        let mut waits = Vec::new();
        for failures in 0..40 {
            match verdict(dropped(), now(), failures, true) {
                Verdict::Retry {
                    until,
                    code,
                    failure,
                    message,
                } => {
                    assert_eq!(code, "no_answer");
                    assert!(failure);
                    assert!(message.contains("connection reset"), "{message}");
                    if failures + 1 >= MAX_FAILURES {
                        assert!(message.contains("point of no return"), "{message}");
                    }
                    waits.push((until - now()).num_seconds());
                }
                other => panic!("try {failures}: {other:?}"),
            }
        }
        assert_eq!(waits[..6], [60, 120, 240, 480, 960, 1800]);
        assert!(waits[6..].iter().all(|wait| *wait == LONGEST_RETRY_SECS));
        // A server error too; what is not transient still ends the job.
        assert!(matches!(
            verdict(
                FlowError::Vinted(Refusal::Server { status: 502 }),
                now(),
                100,
                true
            ),
            Verdict::Retry { failure: true, .. }
        ));
        assert!(matches!(
            verdict(FlowError::Invalid("x".into()), now(), 0, true),
            Verdict::Failed {
                code: "invalid_job",
                ..
            }
        ));
    }

    #[test]
    fn pacing_waits_are_no_failures() {
        let until = now() + chrono::Duration::hours(2);
        assert_eq!(
            verdict(
                FlowError::Paced {
                    until,
                    reason: crate::pacing::WaitReason::HourlyCap
                },
                now(),
                MAX_FAILURES + 3,
                false
            ),
            Verdict::Retry {
                until,
                code: "hourly_cap",
                message: "paced: hourly_cap".into(),
                failure: false,
            }
        );
    }

    #[test]
    fn what_the_person_can_fix_has_its_own_code_and_detail() {
        let cases = [
            (
                Fixable::NotOwned {
                    listing_id: "42".into(),
                },
                "not_owned",
            ),
            (
                Fixable::NotLinked {
                    listing_id: "42".into(),
                },
                "not_linked",
            ),
            (
                Fixable::ListingGone {
                    listing_id: "42".into(),
                },
                "listing_gone",
            ),
            (
                Fixable::AlreadySold {
                    listing_id: "42".into(),
                },
                "already_sold",
            ),
        ];
        for (fixable, wanted) in cases {
            match verdict(FlowError::Fixable(fixable), now(), 0, false) {
                Verdict::Failed { code, detail, .. } => {
                    assert_eq!(code, wanted);
                    assert_eq!(detail, Some(serde_json::json!({"listingId": "42"})));
                }
                other => panic!("{other:?}"),
            }
        }
        let problems = vec![crate::reference::Problem {
            field: "size".into(),
            code: crate::reference::ProblemCode::Required,
            detail: None,
        }];
        match verdict(
            FlowError::Fixable(Fixable::ItemProblems(problems)),
            now(),
            0,
            false,
        ) {
            Verdict::Failed { code, detail, .. } => {
                assert_eq!(code, "item_problems");
                assert_eq!(
                    detail,
                    Some(
                        serde_json::json!({"problems": [{"field": "size", "code": "required", "detail": null}]})
                    )
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
