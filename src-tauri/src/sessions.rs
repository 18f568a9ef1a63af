//! The IPC surface of the browser sessions: start and stop an account's session, watch every
//! session's health, and open its live view.
//!
//! The machinery is in `seller-automation`; this module builds a session's spec from the account
//! (its proxy and VNC passwords read from the keyring here, never sent to the UI), records what
//! the sessions do in the store (`is_running`, `is_connected`, `last_session_start`), pushes each
//! change of health to the windows that watch, and raises a desktop notification when a session
//! needs the person.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use seller_automation::bridge::Bridge;
use seller_automation::browser::{BrowserError, BrowserInstall};
use seller_automation::fingerprint::Fingerprint;
use seller_automation::proxy::{ProxyError, Upstream};
use seller_automation::session::{SessionError, SessionSpec};
use seller_automation::sessions::{
    Attention, Health, HealthEvent, Sessions, SessionsError, StopCause,
};
use seller_secrets::{Keyring, Secret, SecretKind};
use seller_store::accounts::{BrowserFingerprint, SellerAccount};
use serde::Serialize;
use tauri::State;
use tauri::ipc::Channel;

use crate::error::{AppError, ErrorCode, proxy_error_code};
use crate::state::AppState;

/// What the Accounts area shows of one account's session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SessionStatus {
    pub account_id: String,
    pub state: SessionState,
    /// Why the session needs the person, or why it stopped by itself.
    pub reason: Option<SessionReason>,
    /// The VNC server's port on 127.0.0.1, for an external VNC client (Linux, while running).
    pub vnc_port: Option<u16>,
    /// Whether this platform runs sessions on a virtual display watched over VNC (Linux only;
    /// elsewhere the browser window is shown on the desktop).
    pub vnc_supported: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum SessionState {
    Stopped,
    Starting,
    /// Running, Vinted's page shows no logged-in member.
    Running,
    LoggedIn,
    NeedsAttention,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum SessionReason {
    Challenge,
    LoginExpired,
    ProxyAuth,
    ProxyUnreachable,
    BrowserExited,
}

/// Where the live view connects: the bridge's WebSocket for this session, with a fresh token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LiveView {
    pub url: String,
}

const VNC_SUPPORTED: bool = cfg!(target_os = "linux");

impl SessionStatus {
    fn new(account_id: &str, health: Health, vnc_port: Option<u16>) -> SessionStatus {
        let (state, reason) = match health {
            Health::Stopped { cause } => (
                SessionState::Stopped,
                cause.map(|StopCause::BrowserExited| SessionReason::BrowserExited),
            ),
            Health::Starting => (SessionState::Starting, None),
            Health::Running { logged_in: false } => (SessionState::Running, None),
            Health::Running { logged_in: true } => (SessionState::LoggedIn, None),
            Health::NeedsAttention { reason } => {
                (SessionState::NeedsAttention, Some(attention_reason(reason)))
            }
        };
        SessionStatus {
            account_id: account_id.to_owned(),
            state,
            reason,
            vnc_port: if health.is_running() { vnc_port } else { None },
            vnc_supported: VNC_SUPPORTED,
        }
    }
}

fn attention_reason(reason: Attention) -> SessionReason {
    match reason {
        Attention::Challenge => SessionReason::Challenge,
        Attention::LoginExpired => SessionReason::LoginExpired,
        Attention::ProxyAuth => SessionReason::ProxyAuth,
        Attention::ProxyUnreachable => SessionReason::ProxyUnreachable,
    }
}

/// The app's sessions, their live-view bridge and the windows watching them.
#[derive(Clone)]
pub struct SessionsState {
    app: AppState,
    sessions: Sessions,
    bridge: Arc<Bridge>,
    watchers: Arc<Mutex<Vec<Channel<SessionStatus>>>>,
    install: Arc<OnceLock<BrowserInstall>>,
}

impl SessionsState {
    /// Ends what an earlier run of this data folder left running (the app was killed), and
    /// follows every session's health from now on; the live view goes through `bridge`.
    pub fn start(app: AppState, bridge: Arc<Bridge>) -> SessionsState {
        let scope = app.data_dir().display().to_string();
        let sessions = Sessions::new(scope.clone());
        // The VNC password files a killed run left (each session removes its own at stop).
        let _ = std::fs::remove_dir_all(app.data_dir().join(RUN_DIR));
        spawn_reaper(&scope);
        let state = SessionsState {
            app: app.clone(),
            sessions,
            bridge,
            watchers: Arc::default(),
            install: Arc::default(),
        };
        let follower = state.clone();
        tauri::async_runtime::spawn(async move { follower.follow(app).await });
        state
    }

    /// Stops every session (the app is quitting) and records them stopped right away: the
    /// app may end before the health follower gets to each event.
    pub async fn stop_all(&self) {
        self.sessions.stop_all().await;
        if let Err(error) = self
            .app
            .with_store(|store| Ok(store.reset_session_states()?))
            .await
        {
            tracing::warn!(%error, "could not record the sessions stopped");
        }
    }

    pub async fn stop(&self, account_id: &str) {
        self.sessions.stop(account_id).await;
    }

    fn status(&self, account_id: &str) -> SessionStatus {
        let view = self.sessions.view(account_id);
        SessionStatus::new(account_id, view.health, view.vnc_port)
    }

    /// Records each change of health in the store, tells the watching windows, and notifies
    /// the person when a session needs them.
    async fn follow(&self, app: AppState) {
        let mut events = self.sessions.subscribe();
        loop {
            match events.recv().await {
                Ok(event) => self.on_health(&app, event).await,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "session events missed: reading every state again");
                    self.resync(&app).await;
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    }

    async fn on_health(&self, app: &AppState, event: HealthEvent) {
        let HealthEvent { account_id, health } = event;
        self.record(app, &account_id, health).await;
        if let Some(reason) = notifiable(health) {
            // Its own task: a slow notification service must not hold back the next changes.
            let (app, account_id) = (app.clone(), account_id.clone());
            tauri::async_runtime::spawn(async move { notify(&app, &account_id, reason).await });
        }
        self.tell_watchers(self.status(&account_id));
    }

    fn tell_watchers(&self, status: SessionStatus) {
        lock(&self.watchers).retain(|channel| channel.send(status.clone()).is_ok());
    }

    /// After missed events: every account's state as it is now, in the store and the windows.
    async fn resync(&self, app: &AppState) {
        let Ok(accounts) = app.with_store(|store| Ok(store.accounts()?)).await else {
            return;
        };
        for account in accounts {
            self.record(app, &account.id, self.sessions.health(&account.id))
                .await;
            self.tell_watchers(self.status(&account.id));
        }
    }

    /// A settled state goes to the store (`is_running`, `is_connected`, the start's time) and
    /// to the bridge (a stopped session's live view closes).
    async fn record(&self, app: &AppState, account_id: &str, health: Health) {
        if matches!(health, Health::Starting) {
            return;
        }
        self.bridge_follows(account_id, health);
        let id = account_id.to_owned();
        let recorded = app
            .with_store(move |store| {
                Ok(store.set_account_session_state(
                    &id,
                    health.is_running(),
                    health.is_logged_in(),
                )?)
            })
            .await;
        if let Err(error) = recorded {
            tracing::warn!(%account_id, %error, "could not record the session state");
        }
    }

    /// A stopped session's live-view token stops working at once.
    fn bridge_follows(&self, account_id: &str, health: Health) {
        if !health.is_running() {
            self.bridge.unregister(account_id);
        }
    }

    fn browser_install(&self) -> Result<BrowserInstall, AppError> {
        if let Some(install) = self.install.get() {
            return Ok(install.clone());
        }
        let install = BrowserInstall::locate().map_err(browser_error)?;
        Ok(self.install.get_or_init(|| install).clone())
    }
}

/// The flag that starts the app's binary as the session reaper.
pub const REAPER_FLAG: &str = "--reap-sessions";

/// Starts the app's own binary as a small watcher that outlives the app: when the app ends in a
/// way that runs no code of ours (SIGKILL, a crash, a test driver killing it), the watcher ends
/// the sessions' browsers, drivers, displays and VNC servers. A normal quit stops them first, and
/// the watcher then finds nothing.
fn spawn_reaper(scope: &str) {
    let started = std::env::current_exe().and_then(|exe| {
        let mut command = std::process::Command::new(exe);
        command
            .args([REAPER_FLAG, scope])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        // Its own process group: a signal to the app's group must not end the watcher too.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        command.spawn()
    });
    if let Err(error) = started {
        tracing::warn!(%error, "could not start the session reaper");
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The changes of health the person hears about even when the window is not in front.
fn notifiable(health: Health) -> Option<SessionReason> {
    match health {
        Health::NeedsAttention { reason } => Some(attention_reason(reason)),
        Health::Stopped {
            cause: Some(StopCause::BrowserExited),
        } => Some(SessionReason::BrowserExited),
        _ => None,
    }
}

/// Statuses of the accounts' sessions, in the order asked.
#[tauri::command]
#[specta::specta]
pub async fn session_statuses(
    sessions: State<'_, SessionsState>,
    account_ids: Vec<String>,
) -> Result<Vec<SessionStatus>, AppError> {
    Ok(account_ids.iter().map(|id| sessions.status(id)).collect())
}

/// Sends every later change of a session's health to `on_change`, until the window goes away.
#[tauri::command]
#[specta::specta]
pub async fn watch_sessions(
    sessions: State<'_, SessionsState>,
    on_change: Channel<SessionStatus>,
) -> Result<(), AppError> {
    lock(&sessions.watchers).push(on_change);
    Ok(())
}

/// Starts the account's browser session; fails, naming the cause, before anything is left
/// running (a proxy refusing the password is found before the browser starts).
#[tauri::command]
#[specta::specta]
pub async fn start_session(
    state: State<'_, AppState>,
    sessions: State<'_, SessionsState>,
    account_id: String,
) -> Result<SessionStatus, AppError> {
    start(&state, &sessions, &Keyring::default(), &account_id).await
}

#[tauri::command]
#[specta::specta]
pub async fn stop_session(
    sessions: State<'_, SessionsState>,
    account_id: String,
) -> Result<SessionStatus, AppError> {
    sessions.stop(&account_id).await;
    Ok(sessions.status(&account_id))
}

/// A fresh live-view address for the account's running session; an earlier one stops working.
#[tauri::command]
#[specta::specta]
pub async fn open_live_view(
    sessions: State<'_, SessionsState>,
    account_id: String,
) -> Result<LiveView, AppError> {
    let session_vnc = sessions
        .sessions
        .with_session(&account_id, async |session| {
            session
                .vnc_address()
                .zip(session.live_view_password().cloned())
        })
        .await
        .ok_or_else(|| AppError::new(ErrorCode::SessionNotRunning, "the session is not running"))?;
    let (address, password) = session_vnc.ok_or_else(|| {
        AppError::new(ErrorCode::VncUnavailable, "this session has no VNC server")
    })?;
    let token = sessions
        .bridge
        .register(&account_id, address, password)
        .map_err(AppError::from)?;
    Ok(LiveView {
        url: format!(
            "ws://127.0.0.1:{}/vnc/{}?token={}",
            sessions.bridge.port(),
            account_id,
            token.expose()
        ),
    })
}

pub(crate) async fn start(
    state: &AppState,
    sessions: &SessionsState,
    keyring: &Keyring,
    account_id: &str,
) -> Result<SessionStatus, AppError> {
    let spec = session_spec(state, sessions, keyring, account_id).await?;
    match sessions.sessions.start(spec).await {
        Ok(view) => Ok(SessionStatus::new(
            &view.account_id,
            view.health,
            view.vnc_port,
        )),
        Err(error) => Err(sessions_error(error)),
    }
}

/// Everything the account's session needs: the installed browser, the account's site, proxy
/// and fingerprint (chosen now if it has none, and stored), and its secrets from the keyring.
async fn session_spec(
    state: &AppState,
    sessions: &SessionsState,
    keyring: &Keyring,
    account_id: &str,
) -> Result<SessionSpec, AppError> {
    // First: an id that cannot name a folder (a forged synced row) touches no file at all.
    let profile_dir = profile_dir(state, account_id)?;
    let runtime_dir = runtime_dir(state, account_id)?;
    let install = {
        let sessions = sessions.clone();
        tauri::async_runtime::spawn_blocking(move || sessions.browser_install())
            .await
            .map_err(AppError::internal)??
    };
    let id = account_id.to_owned();
    let (account, stored) = state
        .with_store(move |store| {
            let account = store.account(&id)?;
            // A proxy changed on another device gets no password before it is confirmed here.
            crate::accounts::refuse_unconfirmed_proxy(store, &account)?;
            Ok((account, store.account_fingerprint(&id)?))
        })
        .await?;
    let fingerprint = fingerprint_for(&account, stored, install.major_version);
    record_fingerprint(state, &account.id, &fingerprint).await?;
    let (proxy_password, vnc_password) = session_secrets(keyring, &account.id).await?;
    Ok(SessionSpec {
        account_id: account.id.clone(),
        base_url: account.vinted_base_url.clone(),
        profile_dir,
        runtime_dir,
        upstream: account.proxy.as_ref().map(|proxy| Upstream {
            kind: crate::accounts::proxy_kind(proxy.kind),
            host: proxy.host.clone(),
            port: proxy.port,
            user: proxy.user.clone(),
            password: proxy_password,
        }),
        vnc_password,
        fingerprint,
        install,
        marker: sessions.sessions.marker(&account.id),
    })
}

async fn record_fingerprint(
    state: &AppState,
    account_id: &str,
    fingerprint: &Fingerprint,
) -> Result<(), AppError> {
    let (id, stored) = (account_id.to_owned(), stored_form(fingerprint));
    state
        .with_store(move |store| Ok(store.set_account_fingerprint(&id, &stored)?))
        .await
}

/// The account's proxy and VNC passwords, read from the keyring off the async threads.
async fn session_secrets(
    keyring: &Keyring,
    account_id: &str,
) -> Result<(Option<Secret>, Option<Secret>), AppError> {
    let (keyring, id) = (keyring.clone(), account_id.to_owned());
    tauri::async_runtime::spawn_blocking(move || {
        Ok((
            keyring.get(&id, SecretKind::Proxy)?,
            keyring.get(&id, SecretKind::Vnc)?,
        ))
    })
    .await
    .map_err(AppError::internal)?
}

/// The stored fingerprint, else the one for the account's domain. A stored user agent follows
/// the installed Chromium's major version: a stale one would contradict the `Sec-CH-UA`
/// headers Chromium sends anyway.
fn fingerprint_for(
    account: &SellerAccount,
    stored: Option<BrowserFingerprint>,
    chromium_major: u32,
) -> Fingerprint {
    let fresh = Fingerprint::for_base_url(&account.vinted_base_url, chromium_major);
    match stored {
        Some(stored) => Fingerprint {
            locale: stored.locale,
            timezone: stored.timezone,
            user_agent: if stored
                .user_agent
                .contains(&format!("Chrome/{chromium_major}."))
            {
                stored.user_agent
            } else {
                fresh.user_agent
            },
        },
        None => fresh,
    }
}

fn stored_form(fingerprint: &Fingerprint) -> BrowserFingerprint {
    BrowserFingerprint {
        user_agent: fingerprint.user_agent.clone(),
        locale: fingerprint.locale.clone(),
        timezone: fingerprint.timezone.clone(),
    }
}

/// The browser profile of a deleted account (its cookies: the Vinted login) goes with it.
pub(crate) fn forget_profile(state: &AppState, account_id: &str) {
    let profile = match profile_dir(state, account_id) {
        Ok(profile) => profile,
        Err(error) => {
            tracing::warn!(error = %error.message, "not removing a browser profile: the account's id is not one");
            return;
        }
    };
    if let Err(error) = std::fs::remove_dir_all(&profile)
        && error.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(%error, %account_id, "could not remove the browser profile of a deleted account");
    }
}

/// `browser-profiles/<account id>`, for an id that is a canonical UUID only: account ids come
/// from the database, which sync fills from other devices, and this folder is later deleted.
fn profile_dir(state: &AppState, account_id: &str) -> Result<PathBuf, AppError> {
    seller_store::data_dir::browser_profile_dir(state.data_dir(), account_id).map_err(unsafe_id)
}

/// A private folder for a session's files (its VNC password file), gone when it stops.
fn runtime_dir(state: &AppState, account_id: &str) -> Result<PathBuf, AppError> {
    seller_store::data_dir::safe_child(&state.data_dir().join(RUN_DIR), account_id)
        .map_err(unsafe_id)
}

fn unsafe_id(error: seller_store::data_dir::UnsafeId) -> AppError {
    AppError::field(
        "accountId",
        seller_store::FieldErrorCode::Invalid,
        error.to_string(),
    )
}

/// The sessions' private files, under the data folder.
const RUN_DIR: &str = "run";

fn browser_error(error: BrowserError) -> AppError {
    let code = match error {
        BrowserError::ChromiumMissing => ErrorCode::ChromiumMissing,
        BrowserError::ChromedriverMissing => ErrorCode::ChromedriverMissing,
        _ => ErrorCode::SessionFailed,
    };
    AppError::new(code, error.to_string())
}

fn sessions_error(error: SessionsError) -> AppError {
    let message = error.to_string();
    let code = match error {
        SessionsError::AlreadyRunning => ErrorCode::SessionAlreadyRunning,
        SessionsError::Cancelled => ErrorCode::SessionCancelled,
        // The proxy works but would not reach the account's Vinted site (not the address echo
        // of the proxy test, whose sentence the generic code carries).
        SessionsError::Start(SessionError::Proxy(ProxyError::TargetRefused { .. })) => {
            ErrorCode::ProxyCannotReachSite
        }
        SessionsError::Start(SessionError::Proxy(proxy)) => proxy_error_code(&proxy),
        SessionsError::Start(SessionError::Browser(browser)) => return browser_error(browser),
        #[cfg(target_os = "linux")]
        SessionsError::Start(SessionError::Display(_)) => ErrorCode::SessionDisplay,
        #[cfg(target_os = "linux")]
        SessionsError::Start(SessionError::Vnc(_)) => ErrorCode::SessionVnc,
        SessionsError::Start(SessionError::Folder(_) | SessionError::BaseUrl(_)) => {
            ErrorCode::SessionFailed
        }
    };
    AppError::new(code, message)
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
    let body = notification_text(reason, english);
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

/// The notification's text. Outside the webview, so not through i18next: the app's two
/// languages are spelled here.
fn notification_text(reason: SessionReason, english: bool) -> &'static str {
    match (reason, english) {
        (SessionReason::Challenge, false) => {
            "Vinted demande une vérification (captcha). Ouvrez la vue en direct pour la passer."
        }
        (SessionReason::Challenge, true) => {
            "Vinted asks for a check (captcha). Open the live view to pass it."
        }
        (SessionReason::LoginExpired, false) => {
            "La connexion à Vinted a expiré. Reconnectez-vous depuis la vue en direct."
        }
        (SessionReason::LoginExpired, true) => {
            "The Vinted login has expired. Log in again from the live view."
        }
        (SessionReason::ProxyAuth, false) => "Le proxy refuse l'identifiant ou le mot de passe.",
        (SessionReason::ProxyAuth, true) => "The proxy refuses the user name or password.",
        (SessionReason::ProxyUnreachable, false) => "Le proxy ne répond plus.",
        (SessionReason::ProxyUnreachable, true) => "The proxy no longer answers.",
        (SessionReason::BrowserExited, false) => {
            "Le navigateur de la session s'est arrêté. Vous pouvez la relancer."
        }
        (SessionReason::BrowserExited, true) => {
            "The session's browser stopped. You can start it again."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder holding the data folder `data/`, and a sentinel file in `data/x/` and in
    /// `x/` beside the data folder: where `browser-profiles/../x`, `run/../x` and
    /// `browser-profiles/../../x` lead.
    fn data_folder_between_sentinels() -> (tempfile::TempDir, AppState, Vec<PathBuf>) {
        let parent = tempfile::tempdir().unwrap();
        let data = parent.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let sentinels = vec![data.join("x/keep.txt"), parent.path().join("x/keep.txt")];
        for sentinel in &sentinels {
            std::fs::create_dir_all(sentinel.parent().unwrap()).unwrap();
            std::fs::write(sentinel, b"keep").unwrap();
        }
        let state = AppState::open(data);
        (parent, state, sentinels)
    }

    /// A row as a pulled one would be: written into the table directly, past the store's checks.
    fn insert_account_row(state: &AppState, id: &'static str) {
        tauri::async_runtime::block_on(state.with_store(move |store| {
            let account = store.create_account(seller_store::accounts::AccountDraft {
                name: format!("Compte {id}"),
                username: None,
                email: None,
                avatar: None,
                vinted_base_url: "https://www.vinted.fr".to_owned(),
                proxy: None,
            })?;
            store
                .connection()
                .execute(
                    "UPDATE seller_accounts SET id = ?2 WHERE id = ?1",
                    (&account.id, id),
                )
                .map_err(seller_store::StoreError::from)?;
            Ok(())
        }))
        .unwrap();
    }

    #[test]
    fn an_account_whose_id_is_a_path_is_started_stopped_and_deleted_without_touching_a_file() {
        let (parent, state, sentinels) = data_folder_between_sentinels();
        let bridge = Arc::new(tauri::async_runtime::block_on(Bridge::start()).unwrap());
        let sessions = SessionsState {
            app: state.clone(),
            sessions: Sessions::new(state.data_dir().display().to_string()),
            bridge,
            watchers: Arc::default(),
            install: Arc::default(),
        };
        for id in ["../x", "../../x"] {
            insert_account_row(&state, id);
            let started =
                tauri::async_runtime::block_on(start(&state, &sessions, &Keyring::default(), id));
            let error = started.expect_err("no session starts for such an id");
            assert_eq!(error.code, ErrorCode::Validation, "{error:?}");
            assert_eq!(error.fields[0].field, "accountId");
            tauri::async_runtime::block_on(sessions.stop(id));
            // What the delete command does: the row, then the profile folder.
            tauri::async_runtime::block_on(
                state.with_store(move |store| Ok(store.delete_account(id)?)),
            )
            .unwrap();
            forget_profile(&state, id);
        }
        for sentinel in &sentinels {
            assert_eq!(std::fs::read(sentinel).unwrap(), b"keep", "{sentinel:?}");
        }
        assert!(
            !state.data_dir().join("browser-profiles").exists()
                && !state.data_dir().join(RUN_DIR).exists(),
            "no folder was made for such an id"
        );
        let left = tauri::async_runtime::block_on(state.with_store(|s| Ok(s.accounts()?))).unwrap();
        assert!(left.is_empty(), "the rows are deleted: {left:?}");
        drop(parent);
    }

    #[test]
    fn a_deleted_accounts_profile_is_removed() {
        let (_parent, state, _) = data_folder_between_sentinels();
        let id = seller_store::new_id();
        let profile = profile_dir(&state, &id).unwrap();
        std::fs::create_dir_all(profile.join("Default")).unwrap();
        forget_profile(&state, &id);
        assert!(!profile.exists());
    }

    #[test]
    fn a_failed_start_says_which_part_failed() {
        let code = |error| sessions_error(error).code;
        assert_eq!(
            code(SessionsError::Start(SessionError::Proxy(
                ProxyError::AuthRejected
            ))),
            ErrorCode::ProxyAuthRejected
        );
        assert_eq!(
            code(SessionsError::Start(SessionError::Proxy(
                ProxyError::TargetRefused { status: 403 }
            ))),
            ErrorCode::ProxyCannotReachSite
        );
        assert_eq!(
            code(SessionsError::Start(SessionError::Browser(
                BrowserError::ChromiumMissing
            ))),
            ErrorCode::ChromiumMissing
        );
        assert_eq!(
            code(SessionsError::AlreadyRunning),
            ErrorCode::SessionAlreadyRunning
        );
        assert_eq!(code(SessionsError::Cancelled), ErrorCode::SessionCancelled);
    }

    #[test]
    fn every_notification_has_its_own_text_in_each_language() {
        let reasons = [
            SessionReason::Challenge,
            SessionReason::LoginExpired,
            SessionReason::ProxyAuth,
            SessionReason::ProxyUnreachable,
            SessionReason::BrowserExited,
        ];
        let mut texts = std::collections::HashSet::new();
        for reason in reasons {
            for english in [false, true] {
                assert!(texts.insert(notification_text(reason, english)));
            }
        }
        assert!(notification_text(SessionReason::Challenge, false).contains("captcha"));
    }

    #[test]
    fn a_stored_fingerprint_is_kept_but_its_browser_version_follows_chromium() {
        let account = SellerAccount {
            id: "a".into(),
            name: "A".into(),
            username: None,
            email: None,
            avatar: None,
            vinted_base_url: "https://www.vinted.de".into(),
            proxy: None,
            is_connected: false,
            is_running: false,
            last_session_start: None,
            created_at: String::new(),
            updated_at: String::new(),
            has_vinted_password: false,
            has_proxy_password: false,
            has_vnc_password: false,
        };
        let fresh = fingerprint_for(&account, None, 156);
        assert_eq!(
            (fresh.locale.as_str(), fresh.timezone.as_str()),
            ("de-DE", "Europe/Berlin")
        );
        let stored = BrowserFingerprint {
            user_agent: fresh.user_agent.clone(),
            locale: "de-AT".into(),
            timezone: "Europe/Vienna".into(),
        };
        let same = fingerprint_for(&account, Some(stored.clone()), 156);
        assert_eq!(same.locale, "de-AT");
        assert_eq!(same.user_agent, stored.user_agent);
        let upgraded = fingerprint_for(&account, Some(stored), 157);
        assert_eq!(upgraded.locale, "de-AT");
        assert!(
            upgraded.user_agent.contains("Chrome/157.0.0.0"),
            "{}",
            upgraded.user_agent
        );
    }
}
