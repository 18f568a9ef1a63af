//! The job queue of every account: jobs live in the store (`vinted_jobs`), so they survive a
//! restart and resume from their checkpoint; one worker per account runs them one at a time in
//! the account's session, through the pacing governor. The rules of the queue (what a failure
//! makes of a job) are in [`outcome`]; the calls' pacing and audit in [`paced`].

pub mod outcome;
pub mod schedule;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, broadcast};

use crate::calls::cancel::{self, CancelSwitch, Cancelled};
use crate::calls::{Caller, FlowError, Paced, store_error};
use crate::flows::{self, Flow, JobProgress, Progress};
use crate::page::Page;
use crate::sessions::AccountSessions;
use crate::{StoreAccess, rfc3339};
use outcome::Verdict;
use seller_store::vinted::{Job, NewJob};

/// How often an idle worker looks at its queue anyway (a job deferred by another device's
/// change, a clock jump).
const IDLE_LOOK: Duration = Duration::from_secs(30);

/// The accounts' job queues. Cheap to clone.
#[derive(Clone)]
pub struct JobRunner<S: StoreAccess> {
    inner: Arc<Inner<S>>,
}

struct Inner<S> {
    store: S,
    sessions: AccountSessions,
    workers: Mutex<HashMap<String, Arc<Notify>>>,
    running: Mutex<HashMap<String, CancelSwitch>>,
    /// Each account's last read, so the gap between reads holds from one job to the next.
    last_reads: Mutex<HashMap<String, DateTime<Utc>>>,
    progress: Progress,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<S: StoreAccess> JobRunner<S> {
    /// Puts the jobs a previous run left running back in the queue, and starts a worker for
    /// every account with work. Jobs wait for their account's session to be logged in. A store
    /// that cannot be read now (it failed to open) is logged: the commands say why, and the
    /// queue starts empty.
    pub async fn start(store: S, sessions: AccountSessions) -> JobRunner<S> {
        match store
            .with_store(|store| Ok(store.resume_interrupted_jobs()?))
            .await
        {
            Ok(0) => {}
            Ok(resumed) => tracing::info!(resumed, "jobs interrupted by the last stop go on"),
            Err(error) => tracing::error!(%error, "could not read the job queue"),
        }
        let runner = JobRunner {
            inner: Arc::new(Inner {
                store,
                sessions,
                workers: Mutex::default(),
                running: Mutex::default(),
                last_reads: Mutex::default(),
                progress: Progress::new(),
            }),
        };
        let now = seller_store::now_rfc3339();
        let accounts = runner
            .inner
            .store
            .with_store(move |store| Ok(store.accounts_with_runnable_jobs(&now)?))
            .await
            .unwrap_or_default();
        for account_id in accounts {
            runner.wake(&account_id);
        }
        runner.wake_on_login();
        runner
    }

    pub fn subscribe(&self) -> broadcast::Receiver<JobProgress> {
        self.inner.progress.subscribe()
    }

    /// Queues a job and wakes its account's worker.
    pub async fn enqueue(&self, job: NewJob) -> Result<Job, S::Error> {
        let job = self
            .inner
            .store
            .with_store(move |store| Ok(store.enqueue_job(job)?))
            .await?;
        self.wake(&job.account_id);
        Ok(job)
    }

    /// Cancels a job: a waiting one at once, a running one at its next call to Vinted.
    pub async fn cancel(&self, job_id: &str) -> Result<Job, S::Error> {
        let id = job_id.to_owned();
        let job = self
            .inner
            .store
            .with_store(move |store| Ok(store.request_cancel(&id)?))
            .await?;
        if let Some(switch) = lock(&self.inner.running).get(job_id) {
            switch.flip();
        }
        Ok(job)
    }

    /// The person dealt with what paused the account (captcha solved, logged in again): its
    /// held jobs go back in the queue at once. The challenge's cooldown ends with it, since the
    /// person has just passed the challenge; the doubling level stays, so a new refusal soon
    /// after waits longer.
    pub async fn resume_account(&self, account_id: &str) -> Result<usize, S::Error> {
        let id = account_id.to_owned();
        let resumed = self
            .inner
            .store
            .with_store(move |store| Ok(store.resume_account(&id)?))
            .await?;
        self.wake(account_id);
        Ok(resumed)
    }

    /// Makes sure the account's worker runs and looks at its queue now.
    pub fn wake(&self, account_id: &str) {
        let mut workers = lock(&self.inner.workers);
        if let Some(notify) = workers.get(account_id) {
            notify.notify_one();
            return;
        }
        let notify = Arc::new(Notify::new());
        workers.insert(account_id.to_owned(), notify.clone());
        let runner = self.clone();
        let account_id = account_id.to_owned();
        tokio::spawn(async move { runner.work(account_id, notify).await });
    }

    /// A session that logs in lets its account's jobs run.
    fn wake_on_login(&self) {
        let runner = self.clone();
        let mut events = self.inner.sessions.subscribe();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(event) if event.health.is_logged_in() => runner.wake(&event.account_id),
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
    }

    /// One account's worker: its jobs one at a time, oldest first.
    async fn work(self, account_id: String, notify: Arc<Notify>) {
        loop {
            let next = self.next_job(&account_id).await;
            let job = match next {
                Ok(Some(job)) if self.inner.sessions.status(&account_id).is_logged_in() => job,
                Ok(_) => {
                    let pause = self.until_next_wake(&account_id).await;
                    let _ = tokio::time::timeout(pause, notify.notified()).await;
                    continue;
                }
                Err(error) => {
                    tracing::warn!(%account_id, %error, "could not read the job queue");
                    let _ = tokio::time::timeout(IDLE_LOOK, notify.notified()).await;
                    continue;
                }
            };
            self.run_job(job).await;
        }
    }

    /// How long an idle worker sleeps: until its next waiting job may run, at most
    /// [`IDLE_LOOK`].
    async fn until_next_wake(&self, account_id: &str) -> Duration {
        let id = account_id.to_owned();
        let next = self
            .inner
            .store
            .with_store(move |store| Ok(store.next_job_wake(&id)?))
            .await
            .ok()
            .flatten()
            .and_then(|at| crate::parse_time(&at));
        // A time already past belongs to a job that still cannot run (the account waits for
        // the person, or its session): no point looking again before the usual pause.
        match next.and_then(|at| (at - Utc::now()).to_std().ok()) {
            Some(wait) if !wait.is_zero() => wait.clamp(Duration::from_millis(50), IDLE_LOOK),
            _ => IDLE_LOOK,
        }
    }

    async fn next_job(&self, account_id: &str) -> Result<Option<Job>, S::Error> {
        let id = account_id.to_owned();
        let now = seller_store::now_rfc3339();
        self.inner
            .store
            .with_store(move |store| Ok(store.next_runnable_job(&id, &now)?))
            .await
    }

    async fn run_job(&self, job: Job) {
        let (switch, cancelled) = cancel::switch();
        if job.cancel_requested {
            switch.flip();
        }
        lock(&self.inner.running).insert(job.id.clone(), switch.clone());
        // Its own task: a flow that panics ends its job as failed, not the account's worker.
        let (runner, running) = (self.clone(), job.clone());
        let turn = tokio::spawn(async move { runner.run_flow(&running, cancelled).await });
        let verdict = match turn.await {
            Ok(Ok(result)) => Verdict::Done(result),
            // The session was stopped under the flow on purpose (the app quitting, the person
            // stopping it): no failure of the job's, which goes on as it was once the session
            // is back. A browser that died under it counts as a failure like any other: the
            // job may be what crashes it, and must not be retried forever uncounted.
            Ok(Err(FlowError::Page(_)))
                if stopped_on_purpose(&self.inner.sessions.status(&job.account_id)) =>
            {
                Verdict::Requeue
            }
            Ok(Err(error)) => {
                let failures = self.failures_in_a_row(&job).await;
                outcome::verdict(error, Utc::now(), failures, switch.past_no_return())
            }
            Err(error) => {
                tracing::error!(job_id = %job.id, %error, "a job's flow stopped unexpectedly");
                Verdict::Failed {
                    code: "internal",
                    message: "the job stopped unexpectedly".to_owned(),
                    detail: None,
                }
            }
        };
        lock(&self.inner.running).remove(&job.id);
        tracing::info!(job_id = %job.id, kind = ?job.kind, ?verdict, "job turn ended");
        if let Err(error) = self.record(&job, verdict).await {
            tracing::error!(job_id = %job.id, %error, "could not record a job's outcome");
            // Without a recorded outcome the worker would take the same job again at once.
            tokio::time::sleep(IDLE_LOOK).await;
        }
        self.inner.progress.send(JobProgress {
            job_id: job.id.clone(),
            account_id: job.account_id.clone(),
            done: job.progress_done,
            total: job.progress_total,
        });
    }

    /// The job's failures in a row as the store has them now: a checkpoint of this very turn
    /// that moved the job on has started the count again since the job was picked.
    async fn failures_in_a_row(&self, job: &Job) -> i64 {
        let id = job.id.clone();
        self.inner
            .store
            .with_store(move |store| Ok(store.job(&id)?.failures))
            .await
            .unwrap_or(job.failures)
    }

    async fn run_flow(
        &self,
        job: &Job,
        cancelled: Cancelled,
    ) -> Result<serde_json::Value, FlowError> {
        let driver = self
            .inner
            .sessions
            .driver(&job.account_id)
            .await
            .ok_or(FlowError::NoSession)?;
        let id = job.id.clone();
        let account_id = job.account_id.clone();
        let (job, base_url) = self
            .inner
            .store
            .with_store(move |store| {
                let job = store.start_job(&id)?;
                let account = store.account(&account_id)?;
                Ok((job, account.vinted_base_url))
            })
            .await
            .map_err(store_error)?;
        let caller = Caller {
            account_id: job.account_id.clone(),
            job_id: job.id.clone(),
            job_kind: job.kind,
            dry_run: job.dry_run,
        };
        let mut page = Page::new(driver, &base_url);
        let last_read = lock(&self.inner.last_reads).get(&job.account_id).copied();
        let paced = Paced::new(&mut page, &self.inner.store, &caller, cancelled)
            .await?
            .after_read_at(last_read);
        let mut flow = Flow {
            paced,
            store: &self.inner.store,
            caller: &caller,
            job: &job,
            progress: &self.inner.progress,
        };
        let result = flows::run(&mut flow).await;
        if let Some(at) = flow.paced.last_read() {
            lock(&self.inner.last_reads).insert(job.account_id.clone(), at);
        }
        result
    }

    async fn record(&self, job: &Job, verdict: Verdict) -> Result<(), S::Error> {
        let id = job.id.clone();
        self.inner
            .store
            .with_store(move |store| {
                // A cancel asked while the job ran wins over "try again later": the job must not
                // run again by itself.
                let cancel_asked = store.job(&id)?.cancel_requested;
                let verdict = match verdict {
                    Verdict::Done(_) | Verdict::Cancelled => verdict,
                    _ if cancel_asked => Verdict::Cancelled,
                    other => other,
                };
                match verdict {
                    Verdict::Done(result) => store.finish_job(&id, &result)?,
                    Verdict::Retry {
                        until,
                        code,
                        message,
                        failure: false,
                    } => store.defer_job(&id, &rfc3339(until), code, &message)?,
                    Verdict::Retry {
                        until,
                        code,
                        message,
                        failure: true,
                    } => store.retry_job_after_failure(&id, &rfc3339(until), code, &message)?,
                    Verdict::Attention { attention, message } => {
                        store.hold_job_for_attention(&id, attention.as_str(), &message)?
                    }
                    Verdict::Requeue => store.requeue_job(&id)?,
                    Verdict::Cancelled => store.mark_cancelled(&id)?,
                    Verdict::Failed {
                        code,
                        message,
                        detail,
                    } => store.fail_job_with_detail(&id, code, &message, detail.as_ref())?,
                };
                Ok(())
            })
            .await
    }
}

/// Whether the session was stopped because someone asked (the person, the app quitting), not
/// because its browser died by itself.
fn stopped_on_purpose(status: &crate::sessions::SessionStatus) -> bool {
    status.state == crate::sessions::SessionState::Stopped
        && status.reason != Some(crate::sessions::SessionReason::BrowserExited)
}

#[cfg(test)]
mod tests {
    use seller_automation::sessions::{Health, StopCause};

    use super::stopped_on_purpose;
    use crate::sessions::SessionStatus;

    #[test]
    fn only_a_stop_asked_for_requeues_a_job_uncounted() {
        let status = |health| SessionStatus::new("a", health, None);
        assert!(stopped_on_purpose(&status(Health::Stopped { cause: None })));
        assert!(!stopped_on_purpose(&status(Health::Stopped {
            cause: Some(StopCause::BrowserExited)
        })));
        assert!(!stopped_on_purpose(&status(Health::Running {
            logged_in: true
        })));
    }
}
