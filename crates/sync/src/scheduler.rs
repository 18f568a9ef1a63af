//! When sync rounds run: at once after a local change (a moment later, so a burst of edits goes
//! together), as soon as the server has another device's changes (a long poll), every few
//! minutes anyway, sooner again while the server cannot be reached, and on demand ("Sync now").
//! One round runs at a time; asking for one while one runs waits for it instead.
//!
//! The scheduler knows nothing of the store, the keyring or the client: what a round does, and
//! what wakes the next one, come from a [`Rounds`] the app implements. Nothing polls: the
//! background loop sleeps until the earliest of its deadline, a kick, a local change or news
//! from the server.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, Notify, watch};
use tokio::time::Instant;

/// What the scheduler's owner does in a round, and what tells it another one is due.
pub trait Rounds: Send + Sync + 'static {
    type Error: std::fmt::Display + Send;

    /// One round; `Ok(false)` when there is nothing to sync with (signed out).
    fn round(&self) -> impl Future<Output = Result<bool, Self::Error>> + Send;

    /// Whether `error` says the server could not be reached (the next try comes sooner).
    fn is_offline(error: &Self::Error) -> bool;

    /// Resolves at the next local change; never when there is none to watch.
    fn local_change(&self) -> impl Future<Output = ()> + Send;

    /// Resolves when the server has changes for this device; never when signed out or offline.
    fn server_changes(&self) -> impl Future<Output = ()> + Send;
}

/// How often rounds run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Between two rounds when all is well.
    pub every: Duration,
    /// Between two tries while the server cannot be reached.
    pub retry_offline: Duration,
    /// How long a local change waits for the ones typed right after it.
    pub gather_edits: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            every: Duration::from_secs(5 * 60),
            retry_offline: Duration::from_secs(30),
            gather_edits: Duration::from_millis(50),
        }
    }
}

/// Shared by the background loop and every "Sync now"; cheap to clone.
#[derive(Clone)]
pub struct Scheduler {
    shared: Arc<Shared>,
}

struct Shared {
    /// Held for the length of a round: one at a time.
    round: Mutex<()>,
    /// Whether a round is running, for the status shown to the user.
    running: watch::Sender<bool>,
    /// Wakes the background loop for a round now.
    kick: Notify,
}

impl Default for Scheduler {
    fn default() -> Scheduler {
        Scheduler::new()
    }
}

impl Scheduler {
    pub fn new() -> Scheduler {
        Scheduler {
            shared: Arc::new(Shared {
                round: Mutex::new(()),
                running: watch::Sender::new(false),
                kick: Notify::new(),
            }),
        }
    }

    /// Whether a round is running now.
    pub fn is_running(&self) -> bool {
        *self.shared.running.borrow()
    }

    /// Asks the background loop for a round now (kept if it is busy: the round follows).
    pub fn kick(&self) {
        self.shared.kick.notify_one();
    }

    /// Runs a round now, or, when one is running, waits for it to end and runs none (`Ok(true)`:
    /// the round that ran covers what was asked).
    pub async fn run_now<R: Rounds>(&self, rounds: &R) -> Result<bool, R::Error> {
        let _turn = match self.shared.round.try_lock() {
            Ok(turn) => turn,
            Err(_) => {
                drop(self.shared.round.lock().await);
                return Ok(true);
            }
        };
        struct Running<'a>(&'a watch::Sender<bool>);
        impl Drop for Running<'_> {
            fn drop(&mut self) {
                self.0.send_replace(false);
            }
        }
        self.shared.running.send_replace(true);
        let _running = Running(&self.shared.running);
        rounds.round().await
    }

    /// The background rounds, for ever (spawn it): a round, then a wait for the earliest of
    /// `timing`'s deadline, a kick, a local change (plus the gathering delay) or, when the
    /// server could be reached, news from it.
    pub async fn run_background<R: Rounds>(&self, rounds: R, timing: Timing) {
        loop {
            let online = match self.run_now(&rounds).await {
                Ok(_) => true,
                Err(error) if R::is_offline(&error) => false,
                Err(error) => {
                    tracing::warn!(%error, "background sync round failed");
                    true
                }
            };
            let wait = if online {
                timing.every
            } else {
                timing.retry_offline
            };
            let deadline = Instant::now() + wait;
            let local_change = async {
                rounds.local_change().await;
                tokio::time::sleep(timing.gather_edits).await;
            };
            let server_changes = async {
                if online {
                    rounds.server_changes().await;
                } else {
                    std::future::pending::<()>().await;
                }
            };
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => {}
                () = self.shared.kick.notified() => {}
                () = local_change => {}
                () = server_changes => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use super::*;

    /// Rounds that count themselves, take `length` each, fail as offline while `offline`, and
    /// are woken by `local`/`server` as a test says.
    #[derive(Clone, Default)]
    struct Counting {
        inner: Arc<CountingInner>,
    }

    #[derive(Default)]
    struct CountingInner {
        started: AtomicUsize,
        at_once: AtomicUsize,
        most_at_once: AtomicUsize,
        offline: AtomicBool,
        polls: AtomicUsize,
        length: std::sync::Mutex<Duration>,
        starts: std::sync::Mutex<Vec<Instant>>,
        local: Notify,
        server: Notify,
    }

    #[derive(Debug)]
    struct Offline;

    impl std::fmt::Display for Offline {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("offline")
        }
    }

    impl Rounds for Counting {
        type Error = Offline;

        async fn round(&self) -> Result<bool, Offline> {
            let me = &self.inner;
            me.started.fetch_add(1, Ordering::SeqCst);
            me.starts.lock().unwrap().push(Instant::now());
            let now = me.at_once.fetch_add(1, Ordering::SeqCst) + 1;
            me.most_at_once.fetch_max(now, Ordering::SeqCst);
            let length = *me.length.lock().unwrap();
            tokio::time::sleep(length).await;
            me.at_once.fetch_sub(1, Ordering::SeqCst);
            if me.offline.load(Ordering::SeqCst) {
                Err(Offline)
            } else {
                Ok(true)
            }
        }

        fn is_offline(_: &Offline) -> bool {
            true
        }

        async fn local_change(&self) {
            self.inner.local.notified().await;
        }

        async fn server_changes(&self) {
            self.inner.polls.fetch_add(1, Ordering::SeqCst);
            self.inner.server.notified().await;
        }
    }

    impl Counting {
        fn started(&self) -> usize {
            self.inner.started.load(Ordering::SeqCst)
        }

        fn starts_since(&self, origin: Instant) -> Vec<Duration> {
            let starts = self.inner.starts.lock().unwrap();
            starts.iter().map(|s| s.duration_since(origin)).collect()
        }
    }

    fn spawn(scheduler: &Scheduler, rounds: &Counting) {
        let (scheduler, rounds) = (scheduler.clone(), rounds.clone());
        tokio::spawn(async move { scheduler.run_background(rounds, Timing::default()).await });
    }

    /// Lets the spawned loop run up to its next wait, without time passing.
    async fn settle() {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_round_runs_at_start_then_every_five_minutes() {
        let (scheduler, rounds) = (Scheduler::new(), Counting::default());
        let origin = Instant::now();
        spawn(&scheduler, &rounds);
        settle().await;
        assert_eq!(rounds.started(), 1);
        tokio::time::sleep(Duration::from_secs(4 * 60 + 59)).await;
        assert_eq!(rounds.started(), 1, "nothing before the five minutes");
        tokio::time::sleep(Duration::from_secs(16 * 60)).await;
        assert_eq!(
            rounds.starts_since(origin),
            [0, 5, 10, 15, 20].map(|m| Duration::from_secs(m * 60))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_kick_runs_a_round_at_once() {
        let (scheduler, rounds) = (Scheduler::new(), Counting::default());
        spawn(&scheduler, &rounds);
        settle().await;
        let kicked = Instant::now() + Duration::from_secs(60);
        tokio::time::sleep_until(kicked).await;
        scheduler.kick();
        settle().await;
        assert_eq!(rounds.started(), 2);
        assert_eq!(rounds.inner.starts.lock().unwrap()[1], kicked);
    }

    #[tokio::test(start_paused = true)]
    async fn a_local_change_runs_a_round_once_its_burst_is_gathered() {
        let (scheduler, rounds) = (Scheduler::new(), Counting::default());
        spawn(&scheduler, &rounds);
        settle().await;
        let changed = Instant::now();
        rounds.inner.local.notify_one();
        tokio::time::sleep(Duration::from_millis(49)).await;
        assert_eq!(rounds.started(), 1, "the burst is still being gathered");
        tokio::time::sleep(Duration::from_millis(1)).await;
        settle().await;
        assert_eq!(rounds.started(), 2);
        assert_eq!(
            rounds.inner.starts.lock().unwrap()[1],
            changed + Duration::from_millis(50)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn news_from_the_server_runs_a_round() {
        let (scheduler, rounds) = (Scheduler::new(), Counting::default());
        spawn(&scheduler, &rounds);
        settle().await;
        rounds.inner.server.notify_one();
        settle().await;
        assert_eq!(rounds.started(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn offline_it_tries_every_thirty_seconds_without_a_long_poll() {
        let (scheduler, rounds) = (Scheduler::new(), Counting::default());
        rounds.inner.offline.store(true, Ordering::SeqCst);
        let origin = Instant::now();
        spawn(&scheduler, &rounds);
        settle().await;
        assert_eq!(rounds.started(), 1);
        tokio::time::sleep(Duration::from_secs(95)).await;
        assert_eq!(
            rounds.starts_since(origin),
            [0, 30, 60, 90].map(Duration::from_secs)
        );
        assert_eq!(
            rounds.inner.polls.load(Ordering::SeqCst),
            0,
            "no long poll offline"
        );
        // Back online: the next round succeeds, then the five minutes apply again.
        rounds.inner.offline.store(false, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(25 + 5 * 60)).await;
        settle().await;
        assert_eq!(
            rounds.starts_since(origin),
            [0, 30, 60, 90, 120, 420].map(Duration::from_secs)
        );
        assert!(
            rounds.inner.polls.load(Ordering::SeqCst) > 0,
            "long polls online"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn one_round_at_a_time_and_sync_now_waits_for_the_running_one() {
        let (scheduler, rounds) = (Scheduler::new(), Counting::default());
        *rounds.inner.length.lock().unwrap() = Duration::from_secs(10);
        let first = {
            let (scheduler, rounds) = (scheduler.clone(), rounds.clone());
            tokio::spawn(async move { scheduler.run_now(&rounds).await })
        };
        settle().await;
        assert!(scheduler.is_running());
        let started = Instant::now();
        let second = scheduler.run_now(&rounds).await;
        assert!(matches!(second, Ok(true)));
        assert_eq!(Instant::now(), started + Duration::from_secs(10));
        assert!(matches!(first.await, Ok(Ok(true))));
        assert_eq!(
            rounds.started(),
            1,
            "the waiting call ran no round of its own"
        );
        assert_eq!(rounds.inner.most_at_once.load(Ordering::SeqCst), 1);
        assert!(!scheduler.is_running());
        // A kick during a background round is kept: another round follows it.
        spawn(&scheduler, &rounds);
        settle().await;
        assert_eq!(rounds.started(), 2);
        scheduler.kick();
        tokio::time::sleep(Duration::from_secs(10)).await;
        settle().await;
        assert_eq!(rounds.started(), 3);
        assert_eq!(rounds.inner.most_at_once.load(Ordering::SeqCst), 1);
    }
}
