//! Every call a flow makes to Vinted goes through here: its turn is decided by the pacing
//! governor, Vinted's answer is classified, a stale CSRF token is refreshed once before a 106
//! counts as a refusal, cooldowns and pauses are recorded for the account, and every write is
//! written to the audit log (in a dry run, instead of being sent).

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

pub mod cancel;
pub mod error;

use crate::pacing::{self, Action, Decision, Governor, SplitMix64};
use crate::page::{Call, Page};
use crate::reply::{Attention, Refusal};
use crate::{StoreAccess, parse_time, rfc3339};
use cancel::Cancelled;
pub use error::{Fixable, FlowError, MAX_FAILURES};
use seller_store::vinted::{self as stored, AuditEntry, AuditOutcome, JobKind};

/// A wait longer than this ends the job's turn: it goes back to the queue as `waiting`, with the
/// time it resumes shown, rather than holding the account's worker.
const LONGEST_INLINE_WAIT: Duration = Duration::from_secs(120);

/// Who is calling: the account, its job, and whether writes are only shown.
pub struct Caller {
    pub account_id: String,
    pub job_id: String,
    pub job_kind: JobKind,
    pub dry_run: bool,
}

pub struct Paced<'a, S: StoreAccess> {
    page: &'a mut Page,
    store: &'a S,
    caller: &'a Caller,
    cancelled: Cancelled,
    settings: pacing::Settings,
    state: pacing::State,
    last_read: Option<DateTime<Utc>>,
    jitter: SplitMix64,
    /// A write's turn already taken by [`Paced::reserve_write_turn`], for the next
    /// [`Paced::write_through_page`] of that action.
    reserved: Option<Action>,
}

/// What a call is about: the account, or one item of it (see [`Paced::read_item`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Account,
    Item,
}

/// What a write came to.
pub enum Sent {
    /// Vinted accepted it and answered this.
    Answer(Value),
    /// A dry run: recorded, not sent.
    DryRun,
}

impl<'a, S: StoreAccess> Paced<'a, S> {
    pub async fn new(
        page: &'a mut Page,
        store: &'a S,
        caller: &'a Caller,
        cancelled: Cancelled,
    ) -> Result<Paced<'a, S>, FlowError> {
        let account_id = caller.account_id.clone();
        let (settings, state) = store
            .with_store(move |store| {
                Ok((
                    store.pacing_settings(&account_id)?,
                    store.pacing_state(&account_id)?,
                ))
            })
            .await
            .map_err(store_error)?;
        Ok(Paced {
            page,
            store,
            caller,
            cancelled,
            settings: settings_from_store(&settings),
            state: state_from_store(&state),
            last_read: None,
            jitter: SplitMix64::from_os().unwrap_or_else(|_| SplitMix64::seeded(nanos_now())),
            reserved: None,
        })
    }

    pub fn page(&mut self) -> &mut Page {
        self.page
    }

    /// Carries the account's last read over from its previous job: the gap between reads
    /// holds across jobs too.
    pub fn after_read_at(mut self, last_read: Option<DateTime<Utc>>) -> Self {
        self.last_read = last_read;
        self
    }

    pub fn last_read(&self) -> Option<DateTime<Utc>> {
        self.last_read
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.is_set()
    }

    /// The rest of the flow runs even if the person cancels: stopping now would leave things
    /// worse than finishing (a relist's live copy beside its old listing).
    pub async fn finish_regardless_of_cancel(&mut self) -> Result<(), FlowError> {
        self.cancelled.stop_listening();
        let id = self.caller.job_id.clone();
        self.store
            .with_store(move |store| Ok(store.drop_cancel_request(&id)?))
            .await
            .map_err(store_error)
    }

    /// A read: paced, classified.
    pub async fn read(&mut self, call: Call) -> Result<Value, FlowError> {
        self.read_scoped(call, Scope::Account).await
    }

    /// A read of one listing the account should own. Vinted answers another account's item
    /// with the same 403/106 as a stale CSRF token (`docs/VINTED.md`): a 106 that outlives the
    /// refresh here is about the item, not the account, so it starts no cooldown and comes
    /// back as [`Refusal::AccessDenied`] for the flow to report (after checking, with a plain
    /// read, that the account itself is not refused).
    pub async fn read_item(&mut self, call: Call) -> Result<Value, FlowError> {
        self.read_scoped(call, Scope::Item).await
    }

    async fn read_scoped(&mut self, call: Call, scope: Scope) -> Result<Value, FlowError> {
        self.wait_turn(Action::Read).await?;
        let answer = self.exchange(&call, scope).await;
        self.last_read = Some(Utc::now());
        answer
    }

    /// A write: paced, sent (or, in a dry run, only recorded), classified, audited. `summary` is
    /// what the audit log shows of it; it never holds a secret.
    pub async fn write(
        &mut self,
        action: Action,
        call: Call,
        summary: Value,
    ) -> Result<Sent, FlowError> {
        self.write_scoped(action, call, summary, Scope::Account)
            .await
    }

    /// [`Paced::write`] to one listing the account should own; a 106 that outlives the CSRF
    /// refresh is treated as in [`Paced::read_item`].
    pub async fn write_item(
        &mut self,
        action: Action,
        call: Call,
        summary: Value,
    ) -> Result<Sent, FlowError> {
        self.write_scoped(action, call, summary, Scope::Item).await
    }

    async fn write_scoped(
        &mut self,
        action: Action,
        call: Call,
        summary: Value,
        scope: Scope,
    ) -> Result<Sent, FlowError> {
        if self.caller.dry_run {
            self.audit(&call, summary, None, AuditOutcome::DryRun, None, action)
                .await?;
            return Ok(Sent::DryRun);
        }
        self.wait_turn(action).await?;
        // The audit records what Vinted answered, before a refusal becomes a wait or a pause:
        // a refused write counts against the caps like a sent one.
        let answer = self.exchange_raw(&call).await;
        let (status, outcome, message) = audit_of(&answer);
        self.audit(&call, summary, status, outcome, message, action)
            .await?;
        self.settle(&call, answer, scope).await.map(Sent::Answer)
    }

    /// A write made through Vinted's own page as a person makes it (the upload form's save
    /// button), paced and audited like an API write. `call` says what the page will send (for
    /// the audit log and a dry run); `send` does it and returns what came of it. In a dry run
    /// nothing is sent and `None` comes back.
    pub async fn write_through_page<T>(
        &mut self,
        action: Action,
        call: Call,
        summary: Value,
        send: impl AsyncFnOnce(&mut Page) -> Result<T, FlowError>,
    ) -> Result<Option<T>, FlowError> {
        match self
            .write_through_page_holding(action, call, summary, |_| false, send)
            .await?
        {
            Some(Ok(value)) => Ok(Some(value)),
            Some(Err(refusal)) => Err(self.refused(refusal).await?),
            None => Ok(None),
        }
    }

    /// [`Paced::write_through_page`], except that a refusal `hold` picks is audited as refused
    /// and handed back as it came, not yet recorded for the account: the flow first looks
    /// (with paced reads) at what it means, then records it with [`Paced::refused_on_page`] or
    /// tries again.
    pub async fn write_through_page_holding<T>(
        &mut self,
        action: Action,
        call: Call,
        summary: Value,
        hold: impl FnOnce(&Refusal) -> bool,
        send: impl AsyncFnOnce(&mut Page) -> Result<T, FlowError>,
    ) -> Result<Option<Result<T, Refusal>>, FlowError> {
        if self.caller.dry_run {
            self.audit(&call, summary, None, AuditOutcome::DryRun, None, action)
                .await?;
            return Ok(None);
        }
        if self.reserved.take() != Some(action) {
            self.wait_turn(action).await?;
        }
        if self.cancelled.is_set() {
            return Err(FlowError::Cancelled);
        }
        let outcome = send(self.page).await;
        let (status, recorded, message) = audit_of(&outcome);
        self.audit(&call, summary, status, recorded, message, action)
            .await?;
        match outcome {
            Ok(value) => Ok(Some(Ok(value))),
            Err(FlowError::Vinted(refusal)) if hold(&refusal) => Ok(Some(Err(refusal))),
            Err(FlowError::Vinted(refusal)) => Err(self.refused(refusal).await?),
            Err(other) => Err(other),
        }
    }

    /// Takes the turn of a write made through the page before the page starts on it: the
    /// upload form sends the photos long before the publish click, and a publish the caps (or a
    /// cooldown, or a pause) hold back must send nothing at all, not its photos now and again on
    /// the next try. The next [`Paced::write_through_page`] of `action` then goes at once: the
    /// account runs one job at a time, so no other write can take the turn in between. Taking
    /// it again while it is held waits for nothing.
    pub async fn reserve_write_turn(&mut self, action: Action) -> Result<(), FlowError> {
        if self.caller.dry_run || self.reserved == Some(action) {
            return Ok(());
        }
        self.wait_turn(action).await?;
        self.reserved = Some(action);
        Ok(())
    }

    /// A refusal Vinted gave one of its own page's calls (the upload form's photo upload, or
    /// the publish click's refusal held by [`Paced::write_through_page_holding`]), recorded for
    /// the account as any refusal is (a cooldown, a pause for the person); the error the flow
    /// stops with. A turn taken for the page's write is given back.
    pub async fn refused_on_page(&mut self, refusal: Refusal) -> Result<FlowError, FlowError> {
        self.reserved = None;
        self.refused(refusal).await
    }

    async fn exchange(&mut self, call: &Call, scope: Scope) -> Result<Value, FlowError> {
        let answer = self.exchange_raw(call).await;
        self.settle(call, answer, scope).await
    }

    /// The call made, with one CSRF refresh on a 106; Vinted's refusal as it came.
    async fn exchange_raw(&mut self, call: &Call) -> Result<Value, FlowError> {
        if self.cancelled.is_set() {
            return Err(FlowError::Cancelled);
        }
        let first = self.page.call(call).await?.classify(Utc::now());
        let answer = match first {
            Err(Refusal::AccessDenied) => {
                // A 106 is first a stale CSRF token: read it again from a fresh page, once.
                tracing::info!(path = %call.path, "access denied: refreshing the CSRF token and trying once more");
                self.page.reload().await?;
                self.page.call(call).await?.classify(Utc::now())
            }
            other => other,
        };
        answer.map_err(FlowError::Vinted)
    }

    /// What an answer does to the account: a success resets the doubling; a refusal becomes a
    /// cooldown, a pause or the flow's to handle.
    async fn settle(
        &mut self,
        call: &Call,
        answer: Result<Value, FlowError>,
        scope: Scope,
    ) -> Result<Value, FlowError> {
        match answer {
            Ok(value) => {
                if self.state.cooldown_level > 0 {
                    self.state = self.state.clone().after_success();
                    self.save_state(None).await?;
                }
                Ok(value)
            }
            Err(FlowError::Vinted(Refusal::AccessDenied)) if scope == Scope::Item => {
                tracing::warn!(path = %call.path, "access to this item denied after the CSRF refresh: another account's item?");
                Err(FlowError::Vinted(Refusal::AccessDenied))
            }
            Err(FlowError::Vinted(refusal)) => Err(self.refused(refusal).await?),
            Err(other) => Err(other),
        }
    }

    /// Records what a refusal does to the account (a cooldown, a pause) and says what the job
    /// does next.
    async fn refused(&mut self, refusal: Refusal) -> Result<FlowError, FlowError> {
        let now = Utc::now();
        tracing::warn!(account_id = %self.caller.account_id, code = refusal.code(), %refusal, "Vinted refused a call");
        let next = self.state.clone().after_refusal(&refusal, now);
        if next != self.state {
            self.state = next;
            let message = refusal.needs_attention().map(|_| refusal.to_string());
            self.save_state(message).await?;
        }
        if let Some(attention) = refusal.needs_attention() {
            return Ok(FlowError::Attention(attention));
        }
        let cooled = matches!(
            refusal,
            Refusal::RateLimited { .. }
                | Refusal::AccessDenied
                | Refusal::Unexpected { status: 403, .. }
        );
        match self.state.cooldown_until {
            Some(until) if cooled && until > now => Ok(FlowError::Paced {
                until,
                reason: if self.state.cooldown_from_retry_after {
                    pacing::WaitReason::RetryAfter
                } else {
                    pacing::WaitReason::Cooldown
                },
            }),
            _ => Ok(FlowError::Vinted(refusal)),
        }
    }

    async fn wait_turn(&mut self, action: Action) -> Result<(), FlowError> {
        loop {
            if self.cancelled.is_set() {
                return Err(FlowError::Cancelled);
            }
            let now = Utc::now();
            // Only writes are capped: a read needs no look at the audit log.
            let (history, last) = match action {
                Action::Read => (pacing::History::default(), self.last_read),
                Action::Write | Action::Relist => {
                    let history = self.history(now).await?;
                    let last = history.last_write();
                    (history, last)
                }
            };
            let decision = Governor::when(
                action,
                now,
                last,
                &history,
                &self.state,
                &self.settings,
                &mut self.jitter,
            );
            let until = match decision {
                Decision::Go { at } => {
                    self.sleep_until(at, now).await?;
                    return Ok(());
                }
                Decision::Paused { attention, .. } => return Err(FlowError::Attention(attention)),
                Decision::Wait { until, reason } => {
                    if (until - now).to_std().unwrap_or_default() > LONGEST_INLINE_WAIT {
                        return Err(FlowError::Paced { until, reason });
                    }
                    until
                }
            };
            self.sleep_until(until, now).await?;
        }
    }

    async fn sleep_until(
        &mut self,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), FlowError> {
        let wait = (at - now).to_std().unwrap_or_default();
        if wait.is_zero() || self.cancelled.sleep(wait).await {
            Ok(())
        } else {
            Err(FlowError::Cancelled)
        }
    }

    /// The account's writes of the last day, from the audit log: caps hold across jobs and
    /// restarts.
    async fn history(&self, now: DateTime<Utc>) -> Result<pacing::History, FlowError> {
        let account_id = self.caller.account_id.clone();
        let since = rfc3339(now - chrono::Duration::days(1));
        let writes = self
            .store
            .with_store(move |store| Ok(store.write_times_since(&account_id, &since)?))
            .await
            .map_err(store_error)?;
        Ok(pacing::History::from_writes(writes.into_iter().filter_map(
            |(at, relist)| parse_time(&at).map(|at| (at, relist)),
        )))
    }

    async fn audit(
        &self,
        call: &Call,
        summary: Value,
        http_status: Option<i64>,
        outcome: AuditOutcome,
        message: Option<String>,
        action: Action,
    ) -> Result<(), FlowError> {
        let entry = AuditEntry {
            account_id: self.caller.account_id.clone(),
            job_id: Some(self.caller.job_id.clone()),
            job_kind: Some(self.caller.job_kind),
            relist: action == Action::Relist,
            method: call.method.to_owned(),
            path: call.path.clone(),
            summary,
            http_status,
            outcome,
            message,
        };
        self.store
            .with_store(move |store| Ok(store.record_audit(&entry)?))
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn save_state(&self, attention_message: Option<String>) -> Result<(), FlowError> {
        let account_id = self.caller.account_id.clone();
        let state = state_to_store(&self.state, attention_message);
        self.store
            .with_store(move |store| Ok(store.set_pacing_state(&account_id, &state)?))
            .await
            .map(|_| ())
            .map_err(store_error)
    }
}

/// The audit log's view of a write's end: sent, refused by Vinted (with its status), or failed
/// before an answer.
fn audit_of<T>(answer: &Result<T, FlowError>) -> (Option<i64>, AuditOutcome, Option<String>) {
    match answer {
        Ok(_) => (None, AuditOutcome::Sent, None),
        Err(FlowError::Vinted(refusal)) => (
            refusal.status().map(i64::from),
            AuditOutcome::Refused,
            Some(refusal.to_string()),
        ),
        Err(other) => (None, AuditOutcome::Failed, Some(other.to_string())),
    }
}

pub fn store_error(error: impl std::fmt::Display) -> FlowError {
    FlowError::Store(error.to_string())
}

fn nanos_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// The store keeps the settings as the person set them; negative values cannot be saved.
fn settings_from_store(s: &stored::PacingSettings) -> pacing::Settings {
    let ms = |v: i64| u64::try_from(v).unwrap_or(0);
    let cap = |v: i64| u32::try_from(v).unwrap_or(0);
    pacing::Settings {
        read_gap_min_ms: ms(s.read_gap_min_ms),
        read_gap_max_ms: ms(s.read_gap_max_ms),
        write_gap_min_ms: ms(s.write_gap_min_ms),
        write_gap_max_ms: ms(s.write_gap_max_ms),
        writes_per_hour: cap(s.writes_per_hour),
        writes_per_day: cap(s.writes_per_day),
        relists_per_hour: cap(s.relists_per_hour),
        relists_per_day: cap(s.relists_per_day),
    }
}

fn state_from_store(s: &stored::PacingState) -> pacing::State {
    pacing::State {
        cooldown_until: s.cooldown_until.as_deref().and_then(parse_time),
        cooldown_level: u32::try_from(s.cooldown_level).unwrap_or(0),
        cooldown_from_retry_after: false,
        attention: s.attention.map(|a| match a {
            stored::Attention::Captcha | stored::Attention::Blocked => Attention::Captcha,
            stored::Attention::LoginExpired => Attention::LoginExpired,
            stored::Attention::Restricted => Attention::Restricted,
        }),
        attention_until: s.attention_until.as_deref().and_then(parse_time),
    }
}

fn state_to_store(s: &pacing::State, attention_message: Option<String>) -> stored::PacingState {
    stored::PacingState {
        cooldown_until: s.cooldown_until.map(rfc3339),
        cooldown_level: i64::from(s.cooldown_level),
        attention: s.attention.map(|a| match a {
            Attention::Captcha => stored::Attention::Captcha,
            Attention::LoginExpired => stored::Attention::LoginExpired,
            Attention::Restricted => stored::Attention::Restricted,
        }),
        attention_until: s.attention_until.map(rfc3339),
        attention_message: s.attention.and(attention_message),
    }
}
