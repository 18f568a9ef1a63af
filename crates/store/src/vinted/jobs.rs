//! Each account's job queue: a job is queued, runs (one at a time per account), may wait for a
//! time (a 429's `Retry-After`, a cooldown) or for the person (a captcha, an expired login), and
//! ends done, failed or cancelled. A running job records a checkpoint as it goes, so a job
//! interrupted by a crash or a quit is queued again at the next start and goes on from there.

use rusqlite::{Connection, OptionalExtension, Row, named_params, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Page, json_column, limit_offset, normalized_time, optional_json_column};
use crate::enums::text_enum;
use crate::{FieldError, FieldErrorCode, Result, Store, StoreError, StoreTx, new_id, now_rfc3339};

text_enum!(
    /// What a job does on Vinted.
    JobKind {
        ImportListings = "import_listings",
        Publish = "publish",
        EditPrice = "edit_price",
        Hide = "hide",
        Unhide = "unhide",
        Delete = "delete",
        Relist = "relist",
        // Snapshot every listing's views and favourites, then the insights.
        ReadStatistics = "read_statistics",
        // Sold and purchased orders with their transactions and wallet lines.
        ImportOrders = "import_orders",
        // Shipping labels of orders, saved as files (and merged into one PDF).
        DownloadLabels = "download_labels",
        // Conversations, messages, offers and system events of the inbox.
        ImportInbox = "import_inbox",
        // A reply in a conversation.
        SendReply = "send_reply",
        // Accept, decline or counter a buyer's offer.
        AnswerOffer = "answer_offer",
        // Notifications, and the favourites they announce.
        ReadNotifications = "read_notifications",
        // A message or offer to someone who favourited an item (opt-in per item).
        MessageFavoriter = "message_favoriter",
    }
);

text_enum!(
    /// Where a job stands.
    JobState {
        Queued = "queued",
        Running = "running",
        // Runs again from its `not_before` on.
        Waiting = "waiting",
        // Waits for the person (a captcha, a login, a restriction) before it can go on.
        NeedsAttention = "needs_attention",
        Done = "done",
        Failed = "failed",
        Cancelled = "cancelled",
    }
);

impl JobState {
    /// Done, failed or cancelled: nothing more happens to the job.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            JobState::Done | JobState::Failed | JobState::Cancelled
        )
    }
}

/// A job to queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct NewJob {
    pub account_id: String,
    pub kind: JobKind,
    /// What to do (listing ids, a new price…), as the Vinted crate reads it.
    #[cfg_attr(feature = "specta", specta(type = super::AnyJson))]
    pub payload: Value,
    /// Records what would be sent, sends nothing.
    pub dry_run: bool,
    /// How many steps the job has, when known from the start.
    pub progress_total: Option<i64>,
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Job {
    pub id: String,
    pub account_id: String,
    pub kind: JobKind,
    #[cfg_attr(feature = "specta", specta(type = super::AnyJson))]
    pub payload: Value,
    pub state: JobState,
    /// Where a resumed job goes on.
    #[cfg_attr(feature = "specta", specta(type = Option<super::AnyJson>))]
    pub checkpoint: Option<Value>,
    pub progress_done: i64,
    pub progress_total: Option<i64>,
    pub dry_run: bool,
    /// Asked while the job ran: it stops at its next safe point.
    pub cancel_requested: bool,
    /// A waiting job runs again from this time on.
    pub not_before: Option<String>,
    /// How many times the job started.
    pub attempts: i64,
    /// How many of its turns in a row ended in a transient failure (a server error, no answer),
    /// since its last checkpoint that moved it on; the queue gives the job up after a few.
    /// Pacing waits do not count.
    pub failures: i64,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// What the job did.
    #[cfg_attr(feature = "specta", specta(type = Option<super::AnyJson>))]
    pub result: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
    pub finished_at: Option<String>,
}

/// Which jobs a list shows: one account's or every account's, in the given states (every state
/// when empty), newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct JobFilter {
    pub account_id: Option<String>,
    pub states: Vec<JobState>,
    /// From 1.
    pub page: u32,
    pub per_page: u32,
}

impl Default for JobFilter {
    fn default() -> Self {
        Self {
            account_id: None,
            states: Vec::new(),
            page: 1,
            per_page: 50,
        }
    }
}

const COLUMNS: &str = "id, seller_account_id, kind, payload, state, checkpoint, progress_done,
    progress_total, dry_run, cancel_requested, not_before, attempts, error_code, error_message,
    result, created_at, updated_at, finished_at, failures";

/// A queued or waiting job whose time has come (`:now`), of an account that waits for
/// nobody (no attention on its pacing row, or one whose end has passed) and runs no other job.
const RUNNABLE: &str = "j.state IN ('queued', 'waiting')
    AND (j.not_before IS NULL OR j.not_before <= :now)
    AND NOT EXISTS (SELECT 1 FROM vinted_pacing p
                    WHERE p.seller_account_id = j.seller_account_id AND p.attention IS NOT NULL
                      AND (p.attention_until IS NULL OR p.attention_until > :now))
    AND NOT EXISTS (SELECT 1 FROM vinted_jobs r
                    WHERE r.seller_account_id = j.seller_account_id AND r.state = 'running')";

fn job_from_row(r: &Row<'_>) -> rusqlite::Result<Job> {
    Ok(Job {
        id: r.get(0)?,
        account_id: r.get(1)?,
        kind: r.get(2)?,
        payload: json_column(r, 3)?,
        state: r.get(4)?,
        checkpoint: optional_json_column(r, 5)?,
        progress_done: r.get(6)?,
        progress_total: r.get(7)?,
        dry_run: r.get(8)?,
        cancel_requested: r.get(9)?,
        not_before: r.get(10)?,
        attempts: r.get(11)?,
        error_code: r.get(12)?,
        error_message: r.get(13)?,
        result: optional_json_column(r, 14)?,
        created_at: r.get(15)?,
        updated_at: r.get(16)?,
        finished_at: r.get(17)?,
        failures: r.get(18)?,
    })
}

fn read_job(conn: &Connection, id: &str) -> Result<Job> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM vinted_jobs WHERE id = ?1"))?
        .query_row([id], job_from_row)
        .optional()?
        .ok_or_else(|| not_found(id))
}

fn not_found(id: &str) -> StoreError {
    StoreError::NotFound {
        entity: "Vinted job",
        id: id.to_owned(),
    }
}

/// The job's state, refused unless it is one of `allowed`.
fn state_among(conn: &Connection, id: &str, allowed: &[JobState]) -> Result<JobState> {
    let state: JobState = conn
        .prepare_cached("SELECT state FROM vinted_jobs WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| not_found(id))?;
    if allowed.contains(&state) {
        Ok(state)
    } else {
        Err(StoreError::Validation(vec![FieldError::new(
            "state",
            FieldErrorCode::Invalid,
        )]))
    }
}

fn next_runnable(conn: &Connection, account_id: &str, now: &str) -> Result<Option<Job>> {
    let now = normalized_time("now", now)?;
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM vinted_jobs j WHERE j.seller_account_id = :account AND {RUNNABLE}
             ORDER BY j.created_at, j.id LIMIT 1"
        ))?
        .query_row(
            named_params! {":account": account_id, ":now": now},
            job_from_row,
        )
        .optional()?)
}

const UNFINISHED: &[JobState] = &[
    JobState::Queued,
    JobState::Running,
    JobState::Waiting,
    JobState::NeedsAttention,
];

impl StoreTx<'_> {
    /// Queues a job for an account.
    pub fn enqueue_job(&mut self, job: NewJob) -> Result<Job> {
        let mut errors = Vec::new();
        if job.account_id.trim().is_empty() {
            errors.push(FieldError::new("accountId", FieldErrorCode::Required));
        }
        if job.progress_total.is_some_and(|t| t < 0) {
            errors.push(FieldError::new("progressTotal", FieldErrorCode::Negative));
        }
        if !errors.is_empty() {
            return Err(StoreError::Validation(errors));
        }
        let (id, now) = (new_id(), now_rfc3339());
        self.tx
            .prepare_cached(
                "INSERT INTO vinted_jobs (id, seller_account_id, kind, payload, state,
                    progress_total, dry_run, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?6, ?7, ?7)",
            )?
            .execute(params![
                id,
                job.account_id,
                job.kind,
                job.payload.to_string(),
                job.progress_total,
                job.dry_run,
                now
            ])
            .map_err(|e| StoreError::from_write(e, None))?;
        read_job(&self.tx, &id)
    }

    /// A job as this transaction sees it.
    pub fn job(&self, id: &str) -> Result<Job> {
        read_job(&self.tx, id)
    }

    /// See [`Store::next_runnable_job`]; in a transaction, so the runner can start the job it
    /// picked before anyone else sees it queued.
    pub fn next_runnable_job(&self, account_id: &str, now: &str) -> Result<Option<Job>> {
        next_runnable(&self.tx, account_id, now)
    }

    /// A queued or waiting job starts running: one more attempt.
    pub fn start_job(&mut self, id: &str) -> Result<Job> {
        state_among(&self.tx, id, &[JobState::Queued, JobState::Waiting])?;
        self.tx.execute(
            "UPDATE vinted_jobs SET state = 'running', attempts = attempts + 1, not_before = NULL,
                updated_at = ?2
             WHERE id = ?1",
            params![id, now_rfc3339()],
        )?;
        read_job(&self.tx, id)
    }

    /// Records where a running job has got to. `progress_total` `None` keeps the total known so
    /// far. A checkpoint whose progress is further than the stored one starts the job's count of
    /// failures in a row again: the queue gives up a job after a few transient failures with no
    /// progress between them, not after a few over its whole life. Only the progress counts, not
    /// the checkpoint's content: a publish saves a new attempt id and time at every turn, which
    /// is no step further.
    pub fn checkpoint_job(
        &mut self,
        id: &str,
        checkpoint: &Value,
        progress_done: i64,
        progress_total: Option<i64>,
    ) -> Result<Job> {
        let mut errors = Vec::new();
        if progress_done < 0 {
            errors.push(FieldError::new("progressDone", FieldErrorCode::Negative));
        }
        if progress_total.is_some_and(|t| t < 0) {
            errors.push(FieldError::new("progressTotal", FieldErrorCode::Negative));
        }
        if !errors.is_empty() {
            return Err(StoreError::Validation(errors));
        }
        state_among(&self.tx, id, &[JobState::Running])?;
        self.tx.execute(
            "UPDATE vinted_jobs SET
                failures = CASE WHEN ?3 > progress_done THEN 0 ELSE failures END,
                checkpoint = ?2, progress_done = ?3,
                progress_total = COALESCE(?4, progress_total), updated_at = ?5
             WHERE id = ?1",
            params![
                id,
                checkpoint.to_string(),
                progress_done,
                progress_total,
                now_rfc3339()
            ],
        )?;
        read_job(&self.tx, id)
    }

    /// The job waits until `not_before` (RFC 3339), then is runnable again, its checkpoint kept;
    /// `code` and `message` say why.
    pub fn defer_job(
        &mut self,
        id: &str,
        not_before: &str,
        code: &str,
        message: &str,
    ) -> Result<Job> {
        let not_before = normalized_time("notBefore", not_before)?;
        state_among(
            &self.tx,
            id,
            &[JobState::Queued, JobState::Running, JobState::Waiting],
        )?;
        self.tx.execute(
            "UPDATE vinted_jobs SET state = 'waiting', not_before = ?2, error_code = ?3,
                error_message = ?4, updated_at = ?5
             WHERE id = ?1",
            params![id, not_before, code, message, now_rfc3339()],
        )?;
        read_job(&self.tx, id)
    }

    /// A turn of the job failed for a reason that may pass (a server error, no answer): it waits
    /// until `not_before` like [`StoreTx::defer_job`], one more failure counted.
    pub fn retry_job_after_failure(
        &mut self,
        id: &str,
        not_before: &str,
        code: &str,
        message: &str,
    ) -> Result<Job> {
        self.defer_job(id, not_before, code, message)?;
        self.tx.execute(
            "UPDATE vinted_jobs SET failures = failures + 1 WHERE id = ?1",
            [id],
        )?;
        read_job(&self.tx, id)
    }

    /// The job waits for the person (a captcha, a login, a restriction); it is queued again by
    /// [`StoreTx::resume_attention_jobs`] once they have dealt with it.
    pub fn hold_job_for_attention(&mut self, id: &str, code: &str, message: &str) -> Result<Job> {
        state_among(
            &self.tx,
            id,
            &[JobState::Queued, JobState::Running, JobState::Waiting],
        )?;
        self.tx.execute(
            "UPDATE vinted_jobs SET state = 'needs_attention', error_code = ?2, error_message = ?3,
                updated_at = ?4
             WHERE id = ?1",
            params![id, code, message, now_rfc3339()],
        )?;
        read_job(&self.tx, id)
    }

    /// A running job is done; `result` says what it did.
    pub fn finish_job(&mut self, id: &str, result: &Value) -> Result<Job> {
        state_among(&self.tx, id, &[JobState::Running])?;
        let now = now_rfc3339();
        self.tx.execute(
            "UPDATE vinted_jobs SET state = 'done', result = ?2, error_code = NULL,
                error_message = NULL, updated_at = ?3, finished_at = ?3
             WHERE id = ?1",
            params![id, result.to_string(), now],
        )?;
        read_job(&self.tx, id)
    }

    /// The job failed for good.
    pub fn fail_job(&mut self, id: &str, code: &str, message: &str) -> Result<Job> {
        self.fail_job_with_detail(id, code, message, None)
    }

    /// The job failed for good; `detail` (kept as the job's `result`) is what the person must
    /// fix, for the UI to say in their language (the item's problems, the listing's id).
    pub fn fail_job_with_detail(
        &mut self,
        id: &str,
        code: &str,
        message: &str,
        detail: Option<&Value>,
    ) -> Result<Job> {
        state_among(&self.tx, id, UNFINISHED)?;
        let now = now_rfc3339();
        self.tx.execute(
            "UPDATE vinted_jobs SET state = 'failed', error_code = ?2, error_message = ?3,
                result = ?5, updated_at = ?4, finished_at = ?4
             WHERE id = ?1",
            params![id, code, message, now, detail.map(Value::to_string)],
        )?;
        read_job(&self.tx, id)
    }

    /// The person cancels a job: one that is not running is cancelled at once; a running one is
    /// asked to stop at its next safe point (its runner then calls
    /// [`StoreTx::mark_cancelled`]). A finished job cannot be cancelled.
    pub fn request_cancel(&mut self, id: &str) -> Result<Job> {
        let state = state_among(&self.tx, id, UNFINISHED)?;
        let now = now_rfc3339();
        if state == JobState::Running {
            self.tx.execute(
                "UPDATE vinted_jobs SET cancel_requested = 1, updated_at = ?2 WHERE id = ?1",
                params![id, now],
            )?;
        } else {
            self.tx.execute(
                "UPDATE vinted_jobs SET state = 'cancelled', cancel_requested = 1,
                    updated_at = ?2, finished_at = ?2
                 WHERE id = ?1",
                params![id, now],
            )?;
        }
        read_job(&self.tx, id)
    }

    /// The job stopped on a cancel request (or its runner gave it up): cancelled.
    pub fn mark_cancelled(&mut self, id: &str) -> Result<Job> {
        state_among(&self.tx, id, UNFINISHED)?;
        let now = now_rfc3339();
        self.tx.execute(
            "UPDATE vinted_jobs SET state = 'cancelled', updated_at = ?2, finished_at = ?2
             WHERE id = ?1",
            params![id, now],
        )?;
        read_job(&self.tx, id)
    }

    /// At start-up no job runs yet: a job an earlier run left running is queued again with its
    /// checkpoint, or cancelled if the person had asked for that. Returns how many were queued.
    pub fn resume_interrupted_jobs(&mut self) -> Result<usize> {
        let now = now_rfc3339();
        self.tx.execute(
            "UPDATE vinted_jobs SET state = 'cancelled', updated_at = ?1, finished_at = ?1
             WHERE state = 'running' AND cancel_requested = 1",
            [&now],
        )?;
        Ok(self.tx.execute(
            "UPDATE vinted_jobs SET state = 'queued', updated_at = ?1 WHERE state = 'running'",
            [&now],
        )?)
    }

    /// See [`Store::drop_cancel_request`].
    pub fn drop_cancel_request(&mut self, id: &str) -> Result<()> {
        self.tx.execute(
            "UPDATE vinted_jobs SET cancel_requested = 0, updated_at = ?2 WHERE id = ?1",
            params![id, now_rfc3339()],
        )?;
        Ok(())
    }

    /// A running job goes back to the queue as it was (its session stopped mid-way): it runs
    /// again from its checkpoint once the session is back.
    pub fn requeue_job(&mut self, id: &str) -> Result<Job> {
        self.tx.execute(
            "UPDATE vinted_jobs SET state = 'queued', updated_at = ?2
             WHERE id = ?1 AND state = 'running'",
            params![id, now_rfc3339()],
        )?;
        read_job(&self.tx, id)
    }

    /// The person dealt with what paused the account (captcha solved, logged in again): its
    /// attention is cleared, the challenge's cooldown ended with it (the doubling level stays),
    /// and its held jobs queued again, all in this one transaction, so a crash never leaves the
    /// account resumed with its jobs still held, or the other way round. Returns how many jobs.
    pub fn resume_account(&mut self, account_id: &str) -> Result<usize> {
        let mut state = self.pacing_state(account_id)?;
        if state.attention.is_some() {
            state.cooldown_until = None;
            self.set_pacing_state(account_id, &state)?;
        }
        self.clear_attention(account_id)?;
        self.resume_attention_jobs(account_id)
    }

    /// The person dealt with what the account's jobs waited for: they are queued again, their
    /// checkpoints kept. Returns how many.
    pub fn resume_attention_jobs(&mut self, account_id: &str) -> Result<usize> {
        Ok(self.tx.execute(
            "UPDATE vinted_jobs SET state = 'queued', error_code = NULL, error_message = NULL,
                updated_at = ?2
             WHERE seller_account_id = ?1 AND state = 'needs_attention'",
            params![account_id, now_rfc3339()],
        )?)
    }
}

impl Store {
    pub fn enqueue_job(&mut self, job: NewJob) -> Result<Job> {
        self.write(|tx| tx.enqueue_job(job))
    }

    pub fn job(&self, id: &str) -> Result<Job> {
        read_job(&self.conn, id)
    }

    pub fn requeue_job(&mut self, id: &str) -> Result<Job> {
        self.write(|tx| tx.requeue_job(id))
    }

    /// The earliest publish click of `product_id` on the account whose outcome no job knows: a
    /// publish (or a relist's copy) of another job than `except_job`, not done, whose checkpoint
    /// stopped right after its click (`phase: "submitted"`), e.g. one given up after its answer
    /// was lost, or cancelled. A new publish of the item looks in the wardrobe from then on.
    pub fn unsettled_publish_click(
        &self,
        account_id: &str,
        product_id: &str,
        except_job: &str,
    ) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT MIN(CASE kind WHEN 'publish' THEN json_extract(checkpoint, '$.submittedAt')
                                      ELSE json_extract(checkpoint, '$.publish.submittedAt') END)
                 FROM vinted_jobs
                 WHERE seller_account_id = ?1 AND id <> ?3 AND state <> 'done'
                   AND checkpoint IS NOT NULL
                   AND ((kind = 'publish' AND json_extract(payload, '$.productId') = ?2
                         AND json_extract(checkpoint, '$.phase') = 'submitted')
                     OR (kind = 'relist' AND json_extract(checkpoint, '$.productId') = ?2
                         AND json_extract(checkpoint, '$.publish.phase') = 'submitted'))",
            )?
            .query_row(params![account_id, product_id, except_job], |r| r.get(0))?)
    }

    pub fn retry_job_after_failure(
        &mut self,
        id: &str,
        not_before: &str,
        code: &str,
        message: &str,
    ) -> Result<Job> {
        self.write(|tx| tx.retry_job_after_failure(id, not_before, code, message))
    }

    pub fn fail_job_with_detail(
        &mut self,
        id: &str,
        code: &str,
        message: &str,
        detail: Option<&Value>,
    ) -> Result<Job> {
        self.write(|tx| tx.fail_job_with_detail(id, code, message, detail))
    }

    /// See [`StoreTx::resume_account`].
    pub fn resume_account(&mut self, account_id: &str) -> Result<usize> {
        self.write(|tx| tx.resume_account(account_id))
    }

    /// The job is past the point where stopping would do harm (a relist whose copy is live):
    /// a cancel asked now is dropped and the job finishes.
    pub fn drop_cancel_request(&mut self, id: &str) -> Result<()> {
        self.write(|tx| tx.drop_cancel_request(id))
    }

    /// The account's next job to run at `now` (RFC 3339): its oldest queued or waiting job whose
    /// `not_before` has come; none while the account waits for the person (its pacing row has an
    /// attention set, whose end, if any, has not come) or runs another job.
    pub fn next_runnable_job(&self, account_id: &str, now: &str) -> Result<Option<Job>> {
        next_runnable(&self.conn, account_id, now)
    }

    pub fn start_job(&mut self, id: &str) -> Result<Job> {
        self.write(|tx| tx.start_job(id))
    }

    pub fn checkpoint_job(
        &mut self,
        id: &str,
        checkpoint: &Value,
        progress_done: i64,
        progress_total: Option<i64>,
    ) -> Result<Job> {
        self.write(|tx| tx.checkpoint_job(id, checkpoint, progress_done, progress_total))
    }

    pub fn defer_job(
        &mut self,
        id: &str,
        not_before: &str,
        code: &str,
        message: &str,
    ) -> Result<Job> {
        self.write(|tx| tx.defer_job(id, not_before, code, message))
    }

    pub fn hold_job_for_attention(&mut self, id: &str, code: &str, message: &str) -> Result<Job> {
        self.write(|tx| tx.hold_job_for_attention(id, code, message))
    }

    pub fn finish_job(&mut self, id: &str, result: &Value) -> Result<Job> {
        self.write(|tx| tx.finish_job(id, result))
    }

    pub fn fail_job(&mut self, id: &str, code: &str, message: &str) -> Result<Job> {
        self.write(|tx| tx.fail_job(id, code, message))
    }

    pub fn request_cancel(&mut self, id: &str) -> Result<Job> {
        self.write(|tx| tx.request_cancel(id))
    }

    pub fn mark_cancelled(&mut self, id: &str) -> Result<Job> {
        self.write(|tx| tx.mark_cancelled(id))
    }

    pub fn resume_interrupted_jobs(&mut self) -> Result<usize> {
        self.write(|tx| tx.resume_interrupted_jobs())
    }

    pub fn resume_attention_jobs(&mut self, account_id: &str) -> Result<usize> {
        self.write(|tx| tx.resume_attention_jobs(account_id))
    }

    /// One page of jobs, newest first, with how many match in all.
    pub fn list_jobs(&self, filter: &JobFilter) -> Result<Page<Job>> {
        let (limit, offset) = limit_offset(filter.page, filter.per_page)?;
        let states: Vec<&str> = filter.states.iter().map(|s| s.as_str()).collect();
        let states = serde_json::Value::from(states).to_string();
        let account = filter
            .account_id
            .as_deref()
            .filter(|a| !a.trim().is_empty());
        let filter_sql = "(?1 IS NULL OR seller_account_id = ?1)
            AND (json_array_length(?2) = 0 OR state IN (SELECT value FROM json_each(?2)))";
        let total: u32 = self.conn.query_row(
            &format!("SELECT count(*) FROM vinted_jobs WHERE {filter_sql}"),
            params![account, states],
            |r| r.get(0),
        )?;
        let items = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM vinted_jobs WHERE {filter_sql}
                 ORDER BY created_at DESC, id DESC LIMIT ?3 OFFSET ?4"
            ))?
            .query_map(params![account, states, limit, offset], job_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Page {
            items,
            total,
            page: filter.page,
            per_page: filter.per_page,
        })
    }

    /// The accounts that have a job to run at `now`, the one waiting longest first.
    pub fn accounts_with_runnable_jobs(&self, now: &str) -> Result<Vec<String>> {
        let now = normalized_time("now", now)?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT j.seller_account_id FROM vinted_jobs j WHERE {RUNNABLE}
             GROUP BY j.seller_account_id ORDER BY min(j.created_at), j.seller_account_id"
        ))?;
        let rows = stmt.query_map(named_params! {":now": now}, |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// When the account's next waiting job may run (its earliest `not_before`), if one waits.
    pub fn next_job_wake(&self, account_id: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT min(not_before) FROM vinted_jobs
                 WHERE seller_account_id = ?1 AND state = 'waiting'",
            )?
            .query_row([account_id], |r| r.get(0))?)
    }
}
