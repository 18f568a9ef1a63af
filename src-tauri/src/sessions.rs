//! The IPC surface of the browser sessions: start and stop an account's session, watch every
//! session's health, and open its live view.
//!
//! The sessions are `seller-vinted`'s [`AccountSessions`]; this module follows their health:
//! each change goes to the store, to the windows that watch (over a channel), and, when a
//! session needs the person, to a desktop notification.

use std::sync::{Arc, Mutex, PoisonError};

use seller_automation::bridge::Bridge;
use seller_automation::sessions::HealthEvent;
use seller_secrets::Keyring;
use seller_vinted::sessions::{
    AccountSessions, LiveView, SessionReason, SessionStatus, notifiable, spawn_reaper,
};
use tauri::State;
use tauri::ipc::Channel;

use crate::error::AppError;
use crate::state::AppState;

/// The flag that starts the app's binary as the session reaper.
pub const REAPER_FLAG: &str = "--reap-sessions";

/// The windows watching the sessions.
#[derive(Clone, Default)]
pub struct Watchers(Arc<Mutex<Vec<Channel<SessionStatus>>>>);

impl Watchers {
    fn tell(&self, status: SessionStatus) {
        lock(&self.0).retain(|channel| channel.send(status.clone()).is_ok());
    }
}

/// Ends what an earlier run of this data folder left running (the app was killed), starts the
/// reaper that ends them if this run is killed, and follows every session's health from now
/// on; the live view goes through `bridge`.
pub fn start(app: AppState, bridge: Arc<Bridge>) -> (AccountSessions, Watchers) {
    let sessions = AccountSessions::new(app.data_dir(), bridge);
    match std::env::current_exe() {
        Ok(exe) => spawn_reaper(&exe, &[REAPER_FLAG, &sessions.scope()]),
        Err(error) => tracing::warn!(%error, "could not start the session reaper"),
    }
    let watchers = Watchers::default();
    let (follower, watching) = (sessions.clone(), watchers.clone());
    tauri::async_runtime::spawn(async move { follow(&follower, &watching, &app).await });
    (sessions, watchers)
}

/// Records each change of health in the store, tells the watching windows, and notifies the
/// person when a session needs them.
async fn follow(sessions: &AccountSessions, watchers: &Watchers, app: &AppState) {
    let mut events = sessions.subscribe();
    loop {
        match events.recv().await {
            Ok(HealthEvent { account_id, health }) => {
                sessions.record(app, &account_id, health).await;
                if let Some(reason) = notifiable(health) {
                    // Its own task: a slow notification service must not hold back the next.
                    let (app, account_id) = (app.clone(), account_id.clone());
                    tauri::async_runtime::spawn(
                        async move { notify(&app, &account_id, reason).await },
                    );
                }
                watchers.tell(sessions.status(&account_id));
            }
            Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "session events missed: reading every state again");
                // Every account's state as it is now, in the store and the windows.
                let Ok(accounts) = app.with_store(|store| Ok(store.accounts()?)).await else {
                    continue;
                };
                for account in accounts {
                    let health = sessions.health(&account.id);
                    sessions.record(app, &account.id, health).await;
                    watchers.tell(sessions.status(&account.id));
                }
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
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
