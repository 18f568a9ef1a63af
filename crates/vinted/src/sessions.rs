//! The accounts' browser sessions: a session prepared from the account's row and secrets,
//! started and stopped, its health recorded in the store, its live view opened.
//!
//! The machinery (display, VNC, proxy forwarder, browser, watchdogs) is `seller-automation`'s;
//! this module decides what an account's session is: its Vinted site, its proxy with the
//! password from the keyring (refused while a proxy changed elsewhere awaits confirmation), its
//! VNC password, its fingerprint (chosen once per account, its browser version following the
//! installed Chromium), and its folders, named only from ids that are canonical UUIDs.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use seller_automation::bridge::Bridge;
use seller_automation::browser::BrowserInstall;
use seller_automation::fingerprint::Fingerprint;
use seller_automation::proxy::Upstream;
use seller_automation::session::SessionSpec;
use seller_automation::sessions::{Attention, Health, HealthEvent, Sessions, StopCause};
use seller_secrets::{Secret, SecretKind, SecretStore};
use seller_store::accounts::{BrowserFingerprint, SellerAccount};
use seller_store::data_dir;
use serde::Serialize;
use tokio::sync::broadcast;

use crate::accounts::refuse_unconfirmed_proxy;
use crate::proxy::proxy_kind;
use crate::{Error, StoreAccess, blocking};

/// What the Accounts area shows of one account's session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum SessionState {
    Stopped,
    Starting,
    /// Running, Vinted's page shows no logged-in member.
    Running,
    LoggedIn,
    NeedsAttention,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum SessionReason {
    Challenge,
    LoginExpired,
    ProxyAuth,
    ProxyUnreachable,
    BrowserExited,
}

/// Where the live view connects: the bridge's WebSocket for this session, with a fresh token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct LiveView {
    pub url: String,
}

const VNC_SUPPORTED: bool = cfg!(target_os = "linux");

impl SessionStatus {
    /// Whether the account's jobs can run: the session shows a logged-in member.
    pub fn is_logged_in(&self) -> bool {
        self.state == SessionState::LoggedIn
    }

    pub fn new(account_id: &str, health: Health, vnc_port: Option<u16>) -> SessionStatus {
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

impl SessionReason {
    /// The desktop notification's text. Outside the webview, so not through i18next: the app's
    /// two languages are spelled here.
    pub fn notification_text(self, english: bool) -> &'static str {
        match (self, english) {
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
            (SessionReason::ProxyAuth, false) => {
                "Le proxy refuse l'identifiant ou le mot de passe."
            }
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
}

/// The sessions' private files, under the data folder.
pub const RUN_DIR: &str = "run";

/// The accounts' sessions of one data folder, and their live-view bridge. Cheap to clone.
#[derive(Clone)]
pub struct AccountSessions {
    data_dir: PathBuf,
    sessions: Sessions,
    bridge: Arc<Bridge>,
    install: Arc<OnceLock<BrowserInstall>>,
}

impl AccountSessions {
    /// The sessions of `data_dir` (the scope their leftovers are found by), with the VNC
    /// password files a killed run left removed; the live view goes through `bridge`.
    pub fn new(data_dir: &Path, bridge: Arc<Bridge>) -> AccountSessions {
        let sessions = Sessions::new(data_dir.display().to_string());
        // Each session removes its own files at stop; these are what a killed run left.
        let _ = std::fs::remove_dir_all(data_dir.join(RUN_DIR));
        AccountSessions {
            data_dir: data_dir.to_owned(),
            sessions,
            bridge,
            install: Arc::default(),
        }
    }

    /// What the leftovers of this data folder's sessions are found by (see
    /// `seller_automation::process::reap_after_parent`).
    pub fn scope(&self) -> String {
        self.data_dir.display().to_string()
    }

    pub fn status(&self, account_id: &str) -> SessionStatus {
        let view = self.sessions.view(account_id);
        SessionStatus::new(account_id, view.health, view.vnc_port)
    }

    pub async fn stop(&self, account_id: &str) {
        self.sessions.stop(account_id).await;
    }

    /// The account's browser for a flow; the session stays free for its watchdog and live view.
    pub async fn driver(&self, account_id: &str) -> Option<thirtyfour::WebDriver> {
        self.sessions.driver(account_id).await
    }

    /// Every later change of any session's health.
    pub fn subscribe(&self) -> broadcast::Receiver<HealthEvent> {
        self.sessions.subscribe()
    }

    /// Stops every session (the app is quitting) and records them stopped right away: the app
    /// may end before the health follower gets to each event.
    pub async fn stop_all<S: StoreAccess>(&self, store: &S) {
        self.sessions.stop_all().await;
        if let Err(error) = store
            .with_store(|store| Ok(store.reset_session_states()?))
            .await
        {
            tracing::warn!(%error, "could not record the sessions stopped");
        }
    }

    /// Waits for SIGTERM, SIGINT or SIGHUP (a logout, `kill`, Ctrl+C in a terminal), then
    /// stops every session as a normal quit does; `false` when the signals cannot be heard.
    #[cfg(unix)]
    pub async fn stop_all_on_quit_signal<S: StoreAccess>(&self, store: &S) -> bool {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
            signal(SignalKind::hangup()),
        ) else {
            tracing::warn!("could not listen for quit signals");
            return false;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
            _ = hup.recv() => {}
        }
        tracing::info!("quit signal received: stopping the sessions");
        self.stop_all(store).await;
        true
    }

    /// Follows every session's health until the sessions end: each change is recorded (store,
    /// bridge), then `on_change` gets the session's status and, when the person should hear of
    /// it even with the window behind, `on_attention` the reason. After missed events, every
    /// account's state is read again.
    pub async fn follow<S: StoreAccess>(
        &self,
        store: &S,
        on_change: impl Fn(SessionStatus),
        on_attention: impl Fn(&str, SessionReason),
    ) {
        let mut events = self.sessions.subscribe();
        loop {
            match events.recv().await {
                Ok(HealthEvent { account_id, health }) => {
                    self.record(store, &account_id, health).await;
                    if let Some(reason) = notifiable(health) {
                        on_attention(&account_id, reason);
                    }
                    on_change(self.status(&account_id));
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "session events missed: reading every state again");
                    let Ok(accounts) = store.with_store(|store| Ok(store.accounts()?)).await else {
                        continue;
                    };
                    for account in accounts {
                        let health = self.sessions.health(&account.id);
                        self.record(store, &account.id, health).await;
                        on_change(self.status(&account.id));
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }

    /// A settled state goes to the store (`is_running`, `is_connected`, the start's time) and
    /// to the bridge (a stopped session's live view closes at once).
    async fn record<S: StoreAccess>(&self, store: &S, account_id: &str, health: Health) {
        if matches!(health, Health::Starting) {
            return;
        }
        if !health.is_running() {
            self.bridge.unregister(account_id);
        }
        let id = account_id.to_owned();
        let recorded = store
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

    /// Starts the account's browser session; fails, naming the cause, before anything is left
    /// running (a proxy refusing the password is found before the browser starts).
    pub async fn start<S: StoreAccess, K: SecretStore>(
        &self,
        store: &S,
        keyring: &K,
        account_id: &str,
    ) -> Result<SessionStatus, S::Error> {
        let spec = self.session_spec(store, keyring, account_id).await?;
        let view = self.sessions.start(spec).await.map_err(Error::from)?;
        Ok(SessionStatus::new(
            &view.account_id,
            view.health,
            view.vnc_port,
        ))
    }

    /// A fresh live-view address for the account's running session; an earlier one stops
    /// working.
    pub async fn open_live_view(&self, account_id: &str) -> Result<LiveView, Error> {
        let session_vnc = self
            .sessions
            .with_session(account_id, async |session| {
                session
                    .vnc_address()
                    .zip(session.live_view_password().cloned())
            })
            .await
            .ok_or(Error::SessionNotRunning)?;
        let (address, password) = session_vnc.ok_or(Error::VncUnavailable)?;
        let token = self.bridge.register(account_id, address, password)?;
        Ok(LiveView {
            url: format!(
                "ws://127.0.0.1:{}/vnc/{}?token={}",
                self.bridge.port(),
                account_id,
                token.expose()
            ),
        })
    }

    /// The browser profile of a deleted account (its cookies: the Vinted login) goes with it.
    pub fn forget_profile(&self, account_id: &str) {
        let profile = match self.profile_dir(account_id) {
            Ok(profile) => profile,
            Err(error) => {
                tracing::warn!(%error, "not removing a browser profile: the account's id is not one");
                return;
            }
        };
        if let Err(error) = std::fs::remove_dir_all(&profile)
            && error.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(%error, %account_id, "could not remove the browser profile of a deleted account");
        }
    }

    /// `browser-profiles/<account id>`, for an id that is a canonical UUID only: account ids
    /// come from the database, which sync fills from other devices, and this folder is later
    /// deleted.
    fn profile_dir(&self, account_id: &str) -> Result<PathBuf, Error> {
        Ok(data_dir::browser_profile_dir(&self.data_dir, account_id)?)
    }

    /// A private folder for a session's files (its VNC password file), gone when it stops.
    fn runtime_dir(&self, account_id: &str) -> Result<PathBuf, Error> {
        Ok(data_dir::safe_child(
            &self.data_dir.join(RUN_DIR),
            account_id,
        )?)
    }

    fn browser_install(&self) -> Result<BrowserInstall, Error> {
        if let Some(install) = self.install.get() {
            return Ok(install.clone());
        }
        let install = BrowserInstall::locate()?;
        Ok(self.install.get_or_init(|| install).clone())
    }

    /// Everything the account's session needs: the installed browser, the account's site,
    /// proxy and fingerprint (chosen now if it has none, and stored), and its secrets from the
    /// keyring.
    async fn session_spec<S: StoreAccess, K: SecretStore>(
        &self,
        store: &S,
        keyring: &K,
        account_id: &str,
    ) -> Result<SessionSpec, S::Error> {
        // First: an id that cannot name a folder (a forged synced row) touches no file at all.
        let profile_dir = self.profile_dir(account_id)?;
        let runtime_dir = self.runtime_dir(account_id)?;
        let install = {
            let sessions = self.clone();
            blocking(move || sessions.browser_install()).await??
        };
        let id = account_id.to_owned();
        let (account, stored) = store
            .with_store(move |store| {
                let account = store.account(&id)?;
                // A proxy changed on another device gets no password before it is confirmed.
                refuse_unconfirmed_proxy(store, &account)?;
                Ok((account, store.account_fingerprint(&id)?))
            })
            .await?;
        let fingerprint = fingerprint_for(&account, stored, install.major_version);
        let (id, stored) = (account.id.clone(), stored_form(&fingerprint));
        store
            .with_store(move |store| Ok(store.set_account_fingerprint(&id, &stored)?))
            .await?;
        let (proxy_password, vnc_password) = session_secrets(keyring, &account.id).await?;
        Ok(SessionSpec {
            account_id: account.id.clone(),
            base_url: account.vinted_base_url.clone(),
            profile_dir,
            runtime_dir,
            upstream: account.proxy.as_ref().map(|proxy| Upstream {
                kind: proxy_kind(proxy.kind),
                host: proxy.host.clone(),
                port: proxy.port,
                user: proxy.user.clone(),
                password: proxy_password,
            }),
            vnc_password,
            fingerprint,
            install,
            marker: self.sessions.marker(&account.id),
        })
    }
}

/// The account's proxy and VNC passwords, read from the keyring off the async threads.
async fn session_secrets<K: SecretStore>(
    keyring: &K,
    account_id: &str,
) -> Result<(Option<Secret>, Option<Secret>), Error> {
    let (keyring, id) = (keyring.clone(), account_id.to_owned());
    blocking(move || {
        Ok((
            keyring.get(&id, SecretKind::Proxy)?,
            keyring.get(&id, SecretKind::Vnc)?,
        ))
    })
    .await?
}

/// The stored fingerprint, else the one for the account's domain. A stored user agent follows
/// the installed Chromium's major version: a stale one would contradict the `Sec-CH-UA`
/// headers Chromium sends anyway.
pub fn fingerprint_for(
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

/// The flag that starts the app's binary as the session reaper.
pub const REAPER_FLAG: &str = "--reap-sessions";

/// Starts the app's own binary as a small watcher that outlives the app: when the app ends in a
/// way that runs no code of ours (SIGKILL, a crash, a test driver killing it), the watcher ends
/// the sessions' browsers, drivers, displays and VNC servers. A normal quit stops them first,
/// and the watcher then finds nothing. The binary must call [`run_reaper_if_asked`] first.
pub fn spawn_reaper(sessions: &AccountSessions) {
    let started = std::env::current_exe().and_then(|exe| {
        let mut command = std::process::Command::new(exe);
        command
            .args([REAPER_FLAG, &sessions.scope()])
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

/// When `args` (the program's, without its name) ask for the session reaper
/// (`--reap-sessions <scope>`), waits for the app to end and kills what its sessions left;
/// returns whether it did.
pub fn run_reaper_if_asked(mut args: impl Iterator<Item = String>) -> bool {
    if args.next().as_deref() != Some(REAPER_FLAG) {
        return false;
    }
    #[cfg(unix)]
    if let Some(scope) = args.next() {
        seller_automation::process::reap_after_parent(&scope);
    }
    true
}

#[cfg(test)]
mod tests {
    use seller_secrets::Keyring;
    use seller_store::raw::RawSql;

    use super::*;
    use crate::testing::*;

    /// A folder holding the data folder `data/`, and a sentinel file in `data/x/` and in
    /// `x/` beside the data folder: where `browser-profiles/../x`, `run/../x` and
    /// `browser-profiles/../../x` lead.
    fn data_folder_between_sentinels() -> (tempfile::TempDir, PathBuf, TestStore, Vec<PathBuf>) {
        let parent = tempfile::tempdir().unwrap();
        let data = parent.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let sentinels = vec![data.join("x/keep.txt"), parent.path().join("x/keep.txt")];
        for sentinel in &sentinels {
            std::fs::create_dir_all(sentinel.parent().unwrap()).unwrap();
            std::fs::write(sentinel, b"keep").unwrap();
        }
        let store = open_store(&data);
        (parent, data, store, sentinels)
    }

    /// A row as a pulled one would be: written into the table directly, past the store's checks.
    async fn insert_account_row(store: &TestStore, id: &'static str) {
        store
            .with_store(move |store| {
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
            })
            .await
            .unwrap();
    }

    #[test]
    fn an_account_whose_id_is_a_path_is_started_stopped_and_deleted_without_touching_a_file() {
        let (parent, data, store, sentinels) = data_folder_between_sentinels();
        block_on(async {
            let bridge = Arc::new(Bridge::start().await.unwrap());
            let sessions = AccountSessions::new(&data, bridge);
            for id in ["../x", "../../x"] {
                insert_account_row(&store, id).await;
                let started = sessions.start(&store, &Keyring::default(), id).await;
                let error = started.expect_err("no session starts for such an id");
                assert!(matches!(error, Error::UnsafeId(_)), "{error:?}");
                sessions.stop(id).await;
                // What the delete command does: the row, then the profile folder.
                store
                    .with_store(move |store| Ok(store.delete_account(id)?))
                    .await
                    .unwrap();
                sessions.forget_profile(id);
            }
        });
        for sentinel in &sentinels {
            assert_eq!(std::fs::read(sentinel).unwrap(), b"keep", "{sentinel:?}");
        }
        assert!(
            !data.join("browser-profiles").exists() && !data.join(RUN_DIR).exists(),
            "no folder was made for such an id"
        );
        let left = block_on(accounts(&store));
        assert!(left.is_empty(), "the rows are deleted: {left:?}");
        drop(parent);
    }

    #[test]
    fn a_deleted_accounts_profile_is_removed() {
        let (_parent, data, _store, _) = data_folder_between_sentinels();
        block_on(async {
            let bridge = Arc::new(Bridge::start().await.unwrap());
            let sessions = AccountSessions::new(&data, bridge);
            let id = seller_store::new_id();
            let profile = sessions.profile_dir(&id).unwrap();
            std::fs::create_dir_all(profile.join("Default")).unwrap();
            sessions.forget_profile(&id);
            assert!(!profile.exists());
        });
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
                assert!(texts.insert(reason.notification_text(english)));
            }
        }
        assert!(
            SessionReason::Challenge
                .notification_text(false)
                .contains("captcha")
        );
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
