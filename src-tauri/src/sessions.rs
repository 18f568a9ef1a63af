//! The IPC surface of the browser sessions: start and stop an account's session, watch every
//! session's health, and open its live view.
//!
//! The sessions are `seller-vinted`'s [`AccountSessions`]; this module follows their health:
//! each change goes to the store, to the windows that watch (over a channel), and, when a
//! session needs the person, to a desktop notification.

use std::sync::{Arc, Mutex, PoisonError};

use seller_automation::bridge::Bridge;
use seller_secrets::Keyring;
use seller_vinted::sessions::{
    AccountSessions, LiveView, SessionReason, SessionStatus, spawn_reaper,
};
use tauri::State;
use tauri::ipc::Channel;

use crate::error::AppError;
use crate::state::AppState;

/// The windows watching the sessions.
#[derive(Clone, Default)]
pub struct Watchers(Arc<Mutex<Vec<Channel<SessionStatus>>>>);

impl Watchers {
    fn tell(&self, status: SessionStatus) {
        lock(&self.0).retain(|channel| channel.send(status.clone()).is_ok());
    }
}

/// No session runs at start, whatever the store recorded before a crash; the leftovers of such
/// a run are ended (now, and by the reaper if this run is killed), and every session's health
/// is followed from now on. The live view goes through `bridge`.
pub async fn start(app: AppState, bridge: Arc<Bridge>) -> (AccountSessions, Watchers) {
    if let Err(error) = app
        .with_store(|store| Ok(store.reset_session_states()?))
        .await
    {
        tracing::warn!(%error, "could not reset the recorded session states");
    }
    let sessions = AccountSessions::new(app.data_dir(), bridge);
    spawn_reaper(&sessions);
    let watchers = Watchers::default();
    let (follower, watching) = (sessions.clone(), watchers.clone());
    tauri::async_runtime::spawn(async move {
        let on_attention = |account_id: &str, reason| {
            // Its own task: a slow notification service must not hold back the next changes.
            let (app, account_id) = (app.clone(), account_id.to_owned());
            tauri::async_runtime::spawn(async move { notify(&app, &account_id, reason).await });
        };
        follower
            .follow(&app, |status| watching.tell(status), on_attention)
            .await;
    });
    (sessions, watchers)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Statuses of the accounts' sessions, in the order asked.
#[tauri::command]
#[specta::specta]
pub async fn session_statuses(
    sessions: State<'_, AccountSessions>,
    account_ids: Vec<String>,
) -> Result<Vec<SessionStatus>, AppError> {
    Ok(account_ids.iter().map(|id| sessions.status(id)).collect())
}

/// Sends every later change of a session's health to `on_change`, until the window goes away.
#[tauri::command]
#[specta::specta]
pub async fn watch_sessions(
    watchers: State<'_, Watchers>,
    on_change: Channel<SessionStatus>,
) -> Result<(), AppError> {
    lock(&watchers.0).push(on_change);
    Ok(())
}

/// Starts the account's browser session; fails, naming the cause, before anything is left
/// running (a proxy refusing the password is found before the browser starts).
#[tauri::command]
#[specta::specta]
pub async fn start_session(
    state: State<'_, AppState>,
    sessions: State<'_, AccountSessions>,
    account_id: String,
) -> Result<SessionStatus, AppError> {
    sessions
        .start(&*state, &Keyring::default(), &account_id)
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn stop_session(
    sessions: State<'_, AccountSessions>,
    account_id: String,
) -> Result<SessionStatus, AppError> {
    sessions.stop(&account_id).await;
    Ok(sessions.status(&account_id))
}

/// A fresh live-view address for the account's running session; an earlier one stops working.
#[tauri::command]
#[specta::specta]
pub async fn open_live_view(
    sessions: State<'_, AccountSessions>,
    account_id: String,
) -> Result<LiveView, AppError> {
    Ok(sessions.open_live_view(&account_id).await?)
}

/// A desktop notification in the app's language. Best effort: a desktop without a
/// notification service still shows the state in the Accounts area.
async fn notify(app: &AppState, account_id: &str, reason: SessionReason) {
    let id = account_id.to_owned();
    let Ok(name) = app
        .with_store(move |store| Ok(store.account(&id)?.name))
        .await
    else {
        return;
    };
    let english = crate::commands::speaks_english(app).await;
    let body = reason.notification_text(english);
    let shown = tauri::async_runtime::spawn_blocking(move || {
        notify_rust::Notification::new()
            .appname("Seller Panel")
            .summary(&format!("Seller Panel — {name}"))
            .body(body)
            .show()
            .map(|_| ())
    })
    .await;
    if let Ok(Err(error)) = shown {
        tracing::warn!(%error, "no desktop notification could be shown");
    }
}
