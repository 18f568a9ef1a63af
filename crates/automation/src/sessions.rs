//! Every running session of the app, by account, and the watch over each one's health.
//!
//! A watchdog task per session checks every second that its processes run and the browser
//! answers; two misses in a row and the session is torn down and reported stopped (the browser
//! exited), ready to be started again. Every few seconds it also looks at the page: logged in,
//! logged out, or a challenge that a person must pass over VNC. Each change of health is sent to
//! [`Sessions::subscribe`]rs once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{Mutex as AsyncMutex, broadcast};
use tokio::task::JoinHandle;

use crate::process::{Marker, kill_marked, kill_orphans};
use crate::proxy::ProxyError;
use crate::session::{Session, SessionError, SessionSpec};
use crate::site::PageState;

/// How often the processes and the browser are checked.
const LIVENESS_INTERVAL: Duration = Duration::from_secs(1);
/// Missed liveness checks in a row before the session is declared dead.
const LIVENESS_MISSES: u32 = 2;
/// How often the page is looked at (a DOM query in the page; nothing is sent to Vinted).
const PROBE_INTERVAL: Duration = Duration::from_secs(5);

/// Why a session needs the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Attention {
    /// A captcha or anti-bot page: solve it over VNC.
    Challenge,
    /// Was logged in, now logged out: log in again over VNC.
    LoginExpired,
    /// The proxy refused the user name or password.
    ProxyAuth,
    /// The proxy cannot be reached or stopped answering.
    ProxyUnreachable,
}

impl Attention {
    pub fn code(self) -> &'static str {
        match self {
            Attention::Challenge => "challenge",
            Attention::LoginExpired => "login_expired",
            Attention::ProxyAuth => "proxy_auth",
            Attention::ProxyUnreachable => "proxy_unreachable",
        }
    }
}

/// Why a session stopped without being asked to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StopCause {
    /// Chromium, chromedriver, Xvfb or x11vnc died.
    BrowserExited,
}

/// A session's health, as the Accounts area shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Health {
    Stopped { cause: Option<StopCause> },
    Starting,
    Running { logged_in: bool },
    NeedsAttention { reason: Attention },
}

impl Health {
    pub fn is_running(self) -> bool {
        matches!(self, Health::Running { .. } | Health::NeedsAttention { .. })
    }

    pub fn is_logged_in(self) -> bool {
        matches!(self, Health::Running { logged_in: true })
    }
}

/// A change of one account's health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthEvent {
    pub account_id: String,
    pub health: Health,
}

/// What the UI needs of a running session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionView {
    pub account_id: String,
    pub health: Health,
    pub vnc_port: Option<u16>,
}

struct Entry {
    session: Arc<AsyncMutex<Option<Session>>>,
    health: Arc<Mutex<Health>>,
    vnc_port: Option<u16>,
    watchdog: JoinHandle<()>,
}

/// Where one account's session is in its life. One map of these, under one lock, so no start
/// can slip between another's steps: a second start is refused until the first has ended.
enum Slot {
    /// Being started; `cancelled` when a stop came meanwhile: the starter stops it at once.
    Starting {
        cancelled: bool,
    },
    Running(Entry),
    /// Being torn down (asked, or found dead): a new start waits for the end of it.
    Stopping,
}

#[derive(Debug, thiserror::Error)]
pub enum SessionsError {
    #[error("a session is already running for this account")]
    AlreadyRunning,
    #[error("the session was stopped while it started")]
    Cancelled,
    #[error(transparent)]
    Start(#[from] SessionError),
}

/// The app's sessions. Cheap to clone; every clone sees the same sessions.
#[derive(Clone)]
pub struct Sessions {
    /// `<scope>#<app pid>`: the prefix of this app instance's markers.
    instance: String,
    slots: Arc<Mutex<HashMap<String, Slot>>>,
    /// Why sessions that died stopped, until they are started again, for the UI to say so.
    died: Arc<Mutex<HashMap<String, StopCause>>>,
    events: broadcast::Sender<HealthEvent>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Sessions {
    /// `scope` names the app's data folder: every process a session starts carries it and this
    /// app's pid in its marker. Leftovers of an earlier run of the same folder whose app is gone
    /// (it was killed) are ended here; another running instance's sessions are left alone.
    pub fn new(scope: impl Into<String>) -> Sessions {
        let scope = scope.into();
        kill_orphans(&scope);
        let (events, _) = broadcast::channel(256);
        Sessions {
            instance: format!("{scope}#{}", std::process::id()),
            slots: Arc::default(),
            died: Arc::default(),
            events,
        }
    }

    /// The marker of an account's processes, for its [`SessionSpec`].
    pub fn marker(&self, account_id: &str) -> Marker {
        Marker::new(&self.instance, account_id)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<HealthEvent> {
        self.events.subscribe()
    }

    pub fn health(&self, account_id: &str) -> Health {
        match lock(&self.slots).get(account_id) {
            Some(Slot::Starting { .. }) => Health::Starting,
            Some(Slot::Running(entry)) => *lock(&entry.health),
            Some(Slot::Stopping) | None => Health::Stopped {
                cause: lock(&self.died).get(account_id).copied(),
            },
        }
    }

    pub fn view(&self, account_id: &str) -> SessionView {
        let vnc_port = match lock(&self.slots).get(account_id) {
            Some(Slot::Running(entry)) => entry.vnc_port,
            _ => None,
        };
        SessionView {
            account_id: account_id.to_owned(),
            health: self.health(account_id),
            vnc_port,
        }
    }

    /// Every account whose session is starting or running.
    pub fn running(&self) -> Vec<String> {
        lock(&self.slots)
            .iter()
            .filter(|(_, slot)| !matches!(slot, Slot::Stopping))
            .map(|(account, _)| account.clone())
            .collect()
    }

    /// Starts the account's session and its watchdog. Health goes Starting → Running (or
    /// NeedsAttention), or back to Stopped when the start fails or a stop came meanwhile.
    pub async fn start(&self, spec: SessionSpec) -> Result<SessionView, SessionsError> {
        let account_id = spec.account_id.clone();
        {
            let mut slots = lock(&self.slots);
            if slots.contains_key(&account_id) {
                return Err(SessionsError::AlreadyRunning);
            }
            slots.insert(account_id.clone(), Slot::Starting { cancelled: false });
        }
        lock(&self.died).remove(&account_id);
        self.emit(&account_id, Health::Starting);
        // Whatever an earlier session of this account left behind holds its profile.
        kill_marked(spec.marker.as_str());
        let session = match Session::start(spec).await {
            Ok(session) => session,
            Err(error) => {
                tracing::warn!(%account_id, %error, code = error.code(), "session failed to start");
                lock(&self.slots).remove(&account_id);
                self.emit(&account_id, Health::Stopped { cause: None });
                return Err(error.into());
            }
        };
        let health = initial_health(&session).await;
        let vnc_port = session.vnc_port();
        let shared = Arc::new(AsyncMutex::new(Some(session)));
        let health_cell = Arc::new(Mutex::new(health));
        let admitted = {
            let mut slots = lock(&self.slots);
            match slots.get(&account_id) {
                Some(Slot::Starting { cancelled: false }) => {
                    let watchdog = tokio::spawn(watch(
                        self.clone(),
                        account_id.clone(),
                        Arc::clone(&shared),
                        Arc::clone(&health_cell),
                    ));
                    let entry = Entry {
                        session: Arc::clone(&shared),
                        health: health_cell,
                        vnc_port,
                        watchdog,
                    };
                    slots.insert(account_id.clone(), Slot::Running(entry));
                    true
                }
                _ => {
                    slots.insert(account_id.clone(), Slot::Stopping);
                    false
                }
            }
        };
        if !admitted {
            self.tear_down(&account_id, &shared, None).await;
            return Err(SessionsError::Cancelled);
        }
        self.emit(&account_id, health);
        Ok(self.view(&account_id))
    }

    /// Runs `work` with the account's running session (one at a time per session).
    pub async fn with_session<T>(
        &self,
        account_id: &str,
        work: impl AsyncFnOnce(&Session) -> T,
    ) -> Option<T> {
        let shared = match lock(&self.slots).get(account_id) {
            Some(Slot::Running(entry)) => Arc::clone(&entry.session),
            _ => return None,
        };
        let guard = shared.lock().await;
        match guard.as_ref() {
            Some(session) => Some(work(session).await),
            None => None,
        }
    }

    /// A handle on the account's browser for a flow, taken without keeping the session locked:
    /// the watchdog and the live view go on while a flow runs for minutes. Calls through the
    /// handle fail once the session stops, which the flow reports as a stopped session.
    pub async fn driver(&self, account_id: &str) -> Option<thirtyfour::WebDriver> {
        self.with_session(account_id, async |session| session.driver().clone())
            .await
    }

    /// Stops the account's session: a running one now, a starting one as soon as it is up.
    pub async fn stop(&self, account_id: &str) {
        let entry = {
            let mut slots = lock(&self.slots);
            match slots.get_mut(account_id) {
                Some(Slot::Starting { cancelled }) => {
                    *cancelled = true;
                    return;
                }
                Some(Slot::Running(_)) => match slots.insert(account_id.to_owned(), Slot::Stopping)
                {
                    Some(Slot::Running(entry)) => entry,
                    _ => unreachable!("the slot was Running under the same lock"),
                },
                Some(Slot::Stopping) | None => return,
            }
        };
        entry.watchdog.abort();
        self.tear_down(account_id, &entry.session, None).await;
    }

    /// Stops every session (the app is quitting).
    pub async fn stop_all(&self) {
        let accounts = self.running();
        let stops = accounts.iter().map(|account| self.stop(account));
        futures_util::future::join_all(stops).await;
        // Anything a crashed part left behind goes too.
        kill_marked(&format!("{}#", self.instance));
    }

    fn emit(&self, account_id: &str, health: Health) {
        let _ = self.events.send(HealthEvent {
            account_id: account_id.to_owned(),
            health,
        });
    }

    /// Records a new health for a running session; sends an event when it changed.
    fn set_health(&self, account_id: &str, cell: &Mutex<Health>, health: Health) {
        let changed = {
            let mut current = lock(cell);
            let changed = *current != health;
            *current = health;
            changed
        };
        if changed {
            self.emit(account_id, health);
        }
    }

    /// The watchdog found the session dead: end what is left of it and say why it stopped.
    async fn bury(&self, account_id: &str, shared: &Arc<AsyncMutex<Option<Session>>>) {
        {
            let mut slots = lock(&self.slots);
            // Only this watchdog's own session: a stop may already be tearing it down.
            let ours = matches!(
                slots.get(account_id),
                Some(Slot::Running(entry)) if Arc::ptr_eq(&entry.session, shared)
            );
            if !ours {
                return;
            }
            slots.insert(account_id.to_owned(), Slot::Stopping);
        }
        tracing::warn!(%account_id, "session died: the browser or one of its processes exited");
        self.tear_down(account_id, shared, Some(StopCause::BrowserExited))
            .await;
    }

    /// Stops the session's parts, frees the account's slot, and says it stopped.
    async fn tear_down(
        &self,
        account_id: &str,
        shared: &AsyncMutex<Option<Session>>,
        cause: Option<StopCause>,
    ) {
        let session = shared.lock().await.take();
        if let Some(session) = session {
            session.stop().await;
        }
        if let Some(cause) = cause {
            lock(&self.died).insert(account_id.to_owned(), cause);
        }
        lock(&self.slots).remove(account_id);
        self.emit(account_id, Health::Stopped { cause });
    }
}

async fn initial_health(session: &Session) -> Health {
    match session.probe().await {
        Ok(state) => health_after(state, false, session.proxy_error()),
        Err(_) => Health::Running { logged_in: false },
    }
}

/// The health a page state means, given whether the session was logged in before.
fn health_after(state: PageState, was_logged_in: bool, proxy_error: Option<ProxyError>) -> Health {
    match proxy_error {
        Some(ProxyError::AuthRejected) => {
            return Health::NeedsAttention {
                reason: Attention::ProxyAuth,
            };
        }
        Some(ProxyError::Unreachable { .. } | ProxyError::Timeout) => {
            return Health::NeedsAttention {
                reason: Attention::ProxyUnreachable,
            };
        }
        _ => {}
    }
    match state {
        PageState::LoggedIn => Health::Running { logged_in: true },
        PageState::Challenge => Health::NeedsAttention {
            reason: Attention::Challenge,
        },
        PageState::LoggedOut if was_logged_in => Health::NeedsAttention {
            reason: Attention::LoginExpired,
        },
        PageState::LoggedOut => Health::Running { logged_in: false },
    }
}

/// "Login expired" lasts until the person logs in again, even on the logged-out page Vinted
/// shows next; every other state follows the page.
fn sticky(current: Health, next: Health) -> Health {
    match (current, next) {
        (
            Health::NeedsAttention {
                reason: Attention::LoginExpired,
            },
            Health::Running { logged_in: false },
        ) => current,
        _ => next,
    }
}

async fn watch(
    sessions: Sessions,
    account_id: String,
    shared: Arc<AsyncMutex<Option<Session>>>,
    health: Arc<Mutex<Health>>,
) {
    let mut misses = 0;
    let mut since_probe = Duration::ZERO;
    let mut was_logged_in = lock(&health).is_logged_in();
    let mut interval = tokio::time::interval(LIVENESS_INTERVAL);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let alive = {
            let mut guard = shared.lock().await;
            match guard.as_mut() {
                Some(session) => session.is_alive().await,
                None => return,
            }
        };
        misses = if alive { 0 } else { misses + 1 };
        if misses >= LIVENESS_MISSES {
            sessions.bury(&account_id, &shared).await;
            return;
        }
        since_probe += LIVENESS_INTERVAL;
        if !alive || since_probe < PROBE_INTERVAL {
            continue;
        }
        since_probe = Duration::ZERO;
        let probed = {
            let guard = shared.lock().await;
            match guard.as_ref() {
                Some(session) => session
                    .probe()
                    .await
                    .ok()
                    .map(|state| (state, session.proxy_error())),
                None => return,
            }
        };
        if let Some((state, proxy_error)) = probed {
            let next = sticky(
                *lock(&health),
                health_after(state, was_logged_in, proxy_error),
            );
            was_logged_in |= next.is_logged_in();
            sessions.set_health(&account_id, &health, next);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expired_login_needs_attention_until_the_person_logs_in_again() {
        let expired = Health::NeedsAttention {
            reason: Attention::LoginExpired,
        };
        let logged_out = Health::Running { logged_in: false };
        let logged_in = Health::Running { logged_in: true };
        assert_eq!(sticky(expired, logged_out), expired);
        assert_eq!(sticky(expired, logged_in), logged_in);
        assert_eq!(sticky(logged_in, logged_out), logged_out);
        let challenge = Health::NeedsAttention {
            reason: Attention::Challenge,
        };
        assert_eq!(sticky(expired, challenge), challenge);
    }

    #[test]
    fn page_states_to_health() {
        use PageState::*;
        assert_eq!(
            health_after(LoggedIn, false, None),
            Health::Running { logged_in: true }
        );
        assert_eq!(
            health_after(LoggedOut, false, None),
            Health::Running { logged_in: false }
        );
        assert_eq!(
            health_after(LoggedOut, true, None),
            Health::NeedsAttention {
                reason: Attention::LoginExpired
            }
        );
        assert_eq!(
            health_after(Challenge, true, None),
            Health::NeedsAttention {
                reason: Attention::Challenge
            }
        );
        assert_eq!(
            health_after(LoggedIn, true, Some(ProxyError::AuthRejected)),
            Health::NeedsAttention {
                reason: Attention::ProxyAuth
            }
        );
        assert_eq!(
            health_after(LoggedIn, true, Some(ProxyError::Timeout)),
            Health::NeedsAttention {
                reason: Attention::ProxyUnreachable
            }
        );
    }
}
