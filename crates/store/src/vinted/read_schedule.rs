//! When the scheduled reads of an account run again (statistics daily, orders, inbox and
//! notifications more often): each kind's interval is a setting ([`ReadIntervals`], key
//! [`INTERVALS_KEY`] of `app_settings`, JSON, defaults when absent), and a read of a kind is
//! queued for an account when it has none queued or running and its last one ended longer ago
//! than the interval (the decision is [`is_due`]; the Vinted crate's scheduler asks for it).
//! A kind whose reads keep failing backs off: after `k` failed runs since its last done one,
//! the interval is stretched to interval × 2^k, capped at [`MAX_BACKOFF`] (never below the
//! interval itself), so a broken read does not hit Vinted every few minutes all day
//! ([`backed_off`]).

use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::jobs::{Job, JobKind, NewJob};
use crate::settings::{read_setting, write_setting};
use crate::{FieldError, FieldErrorCode, Result, Store, StoreError, StoreTx};

/// How often each scheduled read runs, in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct ReadIntervals {
    pub read_statistics_minutes: u32,
    pub import_orders_minutes: u32,
    pub import_inbox_minutes: u32,
    pub read_notifications_minutes: u32,
}

impl Default for ReadIntervals {
    fn default() -> Self {
        Self {
            read_statistics_minutes: 24 * 60,
            import_orders_minutes: 2 * 60,
            import_inbox_minutes: 30,
            read_notifications_minutes: 6 * 60,
        }
    }
}

pub const INTERVALS_KEY: &str = "vinted_read_intervals";
/// The shortest interval: reads stay rare (docs/VINTED.md, "Pacing").
pub const MIN_INTERVAL_MINUTES: u32 = 5;
/// The longest: a week. Notifications at most a day, as Vinted keeps them 7 days.
pub const MAX_INTERVAL_MINUTES: u32 = 7 * 24 * 60;

impl ReadIntervals {
    pub fn field_errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for (field, value, max) in [
            (
                "readStatisticsMinutes",
                self.read_statistics_minutes,
                MAX_INTERVAL_MINUTES,
            ),
            (
                "importOrdersMinutes",
                self.import_orders_minutes,
                MAX_INTERVAL_MINUTES,
            ),
            (
                "importInboxMinutes",
                self.import_inbox_minutes,
                MAX_INTERVAL_MINUTES,
            ),
            (
                "readNotificationsMinutes",
                self.read_notifications_minutes,
                24 * 60,
            ),
        ] {
            if value < MIN_INTERVAL_MINUTES {
                errors.push(FieldError::new(field, FieldErrorCode::Invalid));
            } else if value > max {
                errors.push(FieldError::new(field, FieldErrorCode::TooLarge));
            }
        }
        errors
    }

    /// Each scheduled kind with its interval.
    pub fn kinds(&self) -> [(JobKind, Duration); 4] {
        let minutes = |m: u32| Duration::minutes(i64::from(m));
        [
            (
                JobKind::ReadStatistics,
                minutes(self.read_statistics_minutes),
            ),
            (JobKind::ImportOrders, minutes(self.import_orders_minutes)),
            (JobKind::ImportInbox, minutes(self.import_inbox_minutes)),
            (
                JobKind::ReadNotifications,
                minutes(self.read_notifications_minutes),
            ),
        ]
    }
}

/// The longest a failing read's interval is stretched to.
pub const MAX_BACKOFF: Duration = Duration::hours(24);

/// The interval after `failures` failed runs in a row: interval × 2^failures, at most
/// [`MAX_BACKOFF`], and never shorter than the interval.
pub fn backed_off(interval: Duration, failures: u32) -> Duration {
    let factor = 1i32.checked_shl(failures.min(30)).unwrap_or(i32::MAX);
    let stretched = interval
        .checked_mul(factor)
        .unwrap_or(MAX_BACKOFF)
        .min(MAX_BACKOFF);
    stretched.max(interval)
}

/// Whether a read is due: none of its kind queued or running for the account, and the last
/// one ended at least `interval` before `now` (or never ran).
pub fn is_due(
    now: DateTime<Utc>,
    interval: Duration,
    unfinished: bool,
    last_finished: Option<DateTime<Utc>>,
) -> bool {
    !unfinished && last_finished.is_none_or(|at| now - at >= interval)
}

impl Store {
    pub fn read_intervals(&self) -> Result<ReadIntervals> {
        Ok(read_setting(&self.conn, INTERVALS_KEY)?
            .and_then(|text| serde_json::from_str(&text).ok())
            .filter(|i: &ReadIntervals| i.field_errors().is_empty())
            .unwrap_or_default())
    }

    pub fn set_read_intervals(&mut self, intervals: &ReadIntervals) -> Result<ReadIntervals> {
        let errors = intervals.field_errors();
        if !errors.is_empty() {
            return Err(StoreError::Validation(errors));
        }
        write_setting(&self.conn, INTERVALS_KEY, &json!(intervals).to_string())?;
        Ok(*intervals)
    }

    pub fn enqueue_read_if_due(
        &mut self,
        account_id: &str,
        kind: JobKind,
        interval: Duration,
        now: DateTime<Utc>,
    ) -> Result<Option<Job>> {
        self.write(|tx| tx.enqueue_read_if_due(account_id, kind, interval, now))
    }
}

impl StoreTx<'_> {
    /// Queues a read of `kind` for the account when [`is_due`] says so, in one transaction with
    /// the look at its queue (two ticks never queue two).
    pub fn enqueue_read_if_due(
        &mut self,
        account_id: &str,
        kind: JobKind,
        interval: Duration,
        now: DateTime<Utc>,
    ) -> Result<Option<Job>> {
        let (unfinished, last, failures): (bool, Option<String>, u32) = self
            .tx
            .prepare_cached(
                "SELECT
                    EXISTS (SELECT 1 FROM vinted_jobs WHERE seller_account_id = ?1 AND kind = ?2
                            AND state IN ('queued', 'running', 'waiting', 'needs_attention')),
                    (SELECT max(finished_at) FROM vinted_jobs
                     WHERE seller_account_id = ?1 AND kind = ?2 AND finished_at IS NOT NULL),
                    (SELECT count(*) FROM vinted_jobs
                     WHERE seller_account_id = ?1 AND kind = ?2 AND state = 'failed'
                       AND finished_at > coalesce(
                           (SELECT max(finished_at) FROM vinted_jobs
                            WHERE seller_account_id = ?1 AND kind = ?2 AND state = 'done'),
                           ''))",
            )?
            .query_row(params![account_id, kind], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?
            .unwrap_or((false, None, 0));
        let last = last.and_then(|at| {
            DateTime::parse_from_rfc3339(&at)
                .ok()
                .map(|t| t.with_timezone(&Utc))
        });
        if !is_due(now, backed_off(interval, failures), unfinished, last) {
            return Ok(None);
        }
        let job = self.enqueue_job(NewJob {
            account_id: account_id.to_owned(),
            kind,
            payload: json!({}),
            dry_run: false,
            progress_total: None,
        })?;
        Ok(Some(job))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_is_due_when_none_waits_and_the_last_ended_an_interval_ago() {
        let now = Utc::now();
        let day = Duration::hours(24);
        assert!(is_due(now, day, false, None), "never ran");
        assert!(is_due(now, day, false, Some(now - day)));
        assert!(!is_due(now, day, false, Some(now - Duration::hours(23))));
        assert!(!is_due(now, day, true, None), "one is queued or running");
        assert!(!is_due(now, day, true, Some(now - Duration::days(3))));
    }

    #[test]
    fn failed_reads_stretch_the_interval_up_to_a_day() {
        let half_hour = Duration::minutes(30);
        assert_eq!(backed_off(half_hour, 0), half_hour);
        assert_eq!(backed_off(half_hour, 1), Duration::hours(1));
        assert_eq!(backed_off(half_hour, 3), Duration::hours(4));
        assert_eq!(backed_off(half_hour, 6), Duration::hours(24));
        assert_eq!(backed_off(half_hour, 200), Duration::hours(24));
        // A week-long interval is not shortened by the cap.
        assert_eq!(backed_off(Duration::days(7), 2), Duration::days(7));
        let now = Utc::now();
        let ended = Some(now - Duration::hours(2));
        assert!(is_due(now, backed_off(half_hour, 2), false, ended));
        assert!(!is_due(now, backed_off(half_hour, 3), false, ended));
    }

    #[test]
    fn a_due_read_is_queued_once_then_again_an_interval_after_it_ended() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("db.sqlite3")).unwrap();
        let account = store
            .create_account(crate::accounts::AccountDraft {
                name: "Boutique".into(),
                username: None,
                email: None,
                avatar: None,
                vinted_base_url: "https://www.vinted.fr".into(),
                proxy: None,
            })
            .unwrap();
        let day = Duration::hours(24);
        let now = Utc::now();
        let kind = JobKind::ReadStatistics;
        let first = store
            .enqueue_read_if_due(&account.id, kind, day, now)
            .unwrap();
        let first = first.expect("never ran: due");
        assert_eq!(
            store
                .enqueue_read_if_due(&account.id, kind, day, now)
                .unwrap(),
            None
        );
        store.start_job(&first.id).unwrap();
        store.finish_job(&first.id, &json!({})).unwrap();
        // Ended a minute ago: the failures below come strictly after it, not in its millisecond.
        store
            .conn
            .execute(
                "UPDATE vinted_jobs SET finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now',
                    '-1 minutes') WHERE id = ?1",
                [&first.id],
            )
            .unwrap();
        assert_eq!(
            store
                .enqueue_read_if_due(&account.id, kind, day, now)
                .unwrap(),
            None
        );
        let later = now + day + Duration::minutes(1);
        let second = store
            .enqueue_read_if_due(&account.id, kind, day, later)
            .unwrap()
            .expect("a day on: due");
        // It fails; with a 30-minute interval, the next waits an hour, not 30 minutes.
        let half_hour = Duration::minutes(30);
        store.start_job(&second.id).unwrap();
        store.fail_job(&second.id, "network", "down").unwrap();
        let ended = Utc::now();
        assert_eq!(
            store
                .enqueue_read_if_due(&account.id, kind, half_hour, ended + Duration::minutes(31))
                .unwrap(),
            None
        );
        let third = store
            .enqueue_read_if_due(&account.id, kind, half_hour, ended + Duration::minutes(61))
            .unwrap()
            .expect("an hour on: due");
        store.start_job(&third.id).unwrap();
        store.fail_job(&third.id, "network", "down").unwrap();
        let ended = Utc::now();
        // Two failures since the last done run: two hours.
        let retry = |store: &mut Store, at| {
            store
                .enqueue_read_if_due(&account.id, kind, half_hour, at)
                .unwrap()
        };
        assert_eq!(retry(&mut store, ended + Duration::minutes(90)), None);
        assert!(retry(&mut store, ended + Duration::minutes(121)).is_some());
        // Another kind has its own schedule.
        let orders = JobKind::ImportOrders;
        assert!(
            store
                .enqueue_read_if_due(&account.id, orders, day, now)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn intervals_are_checked_and_notifications_read_at_least_daily() {
        assert!(ReadIntervals::default().field_errors().is_empty());
        let wrong = ReadIntervals {
            import_inbox_minutes: 1,
            read_notifications_minutes: 2 * 24 * 60,
            ..ReadIntervals::default()
        };
        let fields: Vec<_> = wrong.field_errors().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            vec!["importInboxMinutes", "readNotificationsMinutes"]
        );
    }
}
