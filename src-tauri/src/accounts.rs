//! The IPC surface of the Vinted accounts: list, create, edit and delete them with their secrets.
//!
//! A secret (Vinted, proxy or VNC password) crosses IPC only on entry, as a [`SecretInput`]. It
//! goes to the OS keyring through `seller-secrets`; the store keeps only a `keyring:` reference,
//! and the UI gets `has…Password` flags back, never the secret. Nothing here prints an input: no
//! `#[instrument]`, no `Debug` on the input types, logs name the account id only.
//!
//! Every change is all or nothing: when the keyring fails half way, what was written is undone
//! (keyring entries put back as they were, the row removed or its fields restored).

use std::time::Duration;

use seller_automation::proxy::{self as automation_proxy, ProxyKind, Upstream};
use seller_secrets::{Keyring, Secret, SecretError, SecretKind};
use seller_store::accounts::{AccountDraft, AccountSecret, ProxyType, SellerAccount};
use seller_store::{FieldError, FieldErrorCode};
use serde::{Deserialize, Deserializer, Serialize};
use tauri::State;

use crate::error::AppError;
use crate::state::AppState;

/// What the form says about one secret: leave it as it is, replace it, or forget it.
#[derive(Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SecretInput {
    Keep,
    Set {
        #[serde(deserialize_with = "secret_from_str")]
        #[specta(type = String)]
        value: Secret,
    },
    Clear,
}

/// The three secrets of an account, as the form sends them.
#[derive(Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountSecretsInput {
    pub vinted: SecretInput,
    pub proxy: SecretInput,
    pub vnc: SecretInput,
}

fn secret_from_str<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
    String::deserialize(deserializer).map(Secret::new)
}

/// The Vinted accounts (for the Accounts area and the account filters). No secret is stored
/// in the database, so none can be sent.
#[tauri::command]
#[specta::specta]
pub async fn list_seller_accounts(
    state: State<'_, AppState>,
) -> Result<Vec<SellerAccount>, AppError> {
    state.with_store(|store| Ok(store.accounts()?)).await
}

#[tauri::command]
#[specta::specta]
pub async fn create_account(
    state: State<'_, AppState>,
    draft: AccountDraft,
    secrets: AccountSecretsInput,
) -> Result<SellerAccount, AppError> {
    create(&state, &Keyring::default(), draft, secrets).await
}

#[tauri::command]
#[specta::specta]
pub async fn update_account(
    state: State<'_, AppState>,
    id: String,
    draft: AccountDraft,
    secrets: AccountSecretsInput,
) -> Result<SellerAccount, AppError> {
    update(&state, &Keyring::default(), id, draft, secrets).await
}

#[tauri::command]
#[specta::specta]
pub async fn delete_account(
    state: State<'_, AppState>,
    sessions: State<'_, crate::sessions::SessionsState>,
    id: String,
) -> Result<(), AppError> {
    sessions.stop(&id).await;
    delete(&state, &Keyring::default(), id.clone()).await?;
    crate::sessions::forget_profile(&state, &id);
    Ok(())
}

/// An account whose proxy (or Vinted site) was changed on another device: its proxy password
/// stays on this device until the person confirms the new proxy here.
#[derive(Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ProxyConfirmation {
    pub account_id: String,
    /// The columns changed elsewhere: `proxy_host`, `proxy_port`, `proxy_type`, `proxy_user`,
    /// `vinted_base_url`.
    pub columns: Vec<String>,
}

/// The accounts whose proxy awaits confirmation on this device.
#[tauri::command]
#[specta::specta]
pub async fn accounts_awaiting_proxy_confirmation(
    state: State<'_, AppState>,
) -> Result<Vec<ProxyConfirmation>, AppError> {
    awaiting_proxy_confirmation(&state).await
}

/// The person checked the account's new proxy: its password may go there from now on.
#[tauri::command]
#[specta::specta]
pub async fn confirm_account_proxy(
    state: State<'_, AppState>,
    id: String,
) -> Result<Vec<ProxyConfirmation>, AppError> {
    state
        .with_store(move |store| {
            seller_sync::proxy_watch::confirm(store.connection(), &id)
                .map_err(seller_store::StoreError::from)?;
            Ok(())
        })
        .await?;
    awaiting_proxy_confirmation(&state).await
}

async fn awaiting_proxy_confirmation(state: &AppState) -> Result<Vec<ProxyConfirmation>, AppError> {
    state
        .with_store(|store| {
            let awaiting = seller_sync::proxy_watch::awaiting(store.connection())
                .map_err(seller_store::StoreError::from)?;
            Ok(awaiting
                .into_iter()
                .map(|(account_id, columns)| ProxyConfirmation {
                    account_id,
                    columns,
                })
                .collect())
        })
        .await
}

/// Refuses to hand the account's stored proxy password to a proxy changed on another device
/// and not confirmed here (the session start asks this before reading the keyring).
pub(crate) fn refuse_unconfirmed_proxy(
    store: &seller_store::Store,
    account: &SellerAccount,
) -> Result<(), AppError> {
    // Whatever the synced row says of a stored password (its keyring reference syncs, and may
    // have been cleared elsewhere): the keyring is read by account id.
    if account.proxy.is_some() {
        refuse_while_awaiting(store, &account.id)?;
    }
    Ok(())
}

/// Refuses while account `id` awaits confirmation of a proxy changed on another device.
fn refuse_while_awaiting(store: &seller_store::Store, id: &str) -> Result<(), AppError> {
    let awaiting = seller_sync::proxy_watch::needs_confirmation(store.connection(), id)
        .map_err(seller_store::StoreError::from)?;
    if awaiting {
        return Err(AppError::new(
            crate::error::ErrorCode::ProxyNeedsConfirmation,
            "this account's proxy was changed on another device: confirm it in Accounts before its password is sent there",
        ));
    }
    Ok(())
}

/// The keyring calls the accounts need; the OS keyring in the app, a fake one that fails on
/// demand in the tests of the undo paths.
pub(crate) trait SecretStore: Clone + Send + Sync + 'static {
    fn reference(&self, id: &str, kind: SecretKind) -> String;
    fn set(&self, id: &str, kind: SecretKind, secret: &Secret) -> Result<String, SecretError>;
    fn get(&self, id: &str, kind: SecretKind) -> Result<Option<Secret>, SecretError>;
    fn delete(&self, id: &str, kind: SecretKind) -> Result<(), SecretError>;
}

impl SecretStore for Keyring {
    fn reference(&self, id: &str, kind: SecretKind) -> String {
        Keyring::reference(self, id, kind)
    }
    fn set(&self, id: &str, kind: SecretKind, secret: &Secret) -> Result<String, SecretError> {
        Keyring::set(self, id, kind, secret)
    }
    fn get(&self, id: &str, kind: SecretKind) -> Result<Option<Secret>, SecretError> {
        Keyring::get(self, id, kind)
    }
    fn delete(&self, id: &str, kind: SecretKind) -> Result<(), SecretError> {
        Keyring::delete(self, id, kind)
    }
}

enum Change {
    Set(Secret),
    Clear,
}

/// The secrets to change, checked before anything is written. An account without a proxy has
/// no proxy password: leaving the proxy forgets it.
fn changes(
    secrets: AccountSecretsInput,
    has_proxy: bool,
) -> Result<Vec<(SecretKind, Change)>, AppError> {
    let AccountSecretsInput { vinted, proxy, vnc } = secrets;
    let proxy = if has_proxy { proxy } else { SecretInput::Clear };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (kind, input) in [
        (SecretKind::Vinted, vinted),
        (SecretKind::Proxy, proxy),
        (SecretKind::Vnc, vnc),
    ] {
        match input {
            SecretInput::Keep => {}
            SecretInput::Set { value } if value.is_empty() => {
                errors.push(FieldError::new(field(kind), FieldErrorCode::Required));
            }
            SecretInput::Set { value } => out.push((kind, Change::Set(value))),
            SecretInput::Clear => out.push((kind, Change::Clear)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(AppError {
            fields: errors,
            ..AppError::new(crate::ErrorCode::Validation, "a password to save is empty")
        })
    }
}

/// The form field of a secret, for field errors.
fn field(kind: SecretKind) -> &'static str {
    match kind {
        SecretKind::Vinted => "vintedPassword",
        SecretKind::Proxy => "proxyPassword",
        SecretKind::Vnc => "vncPassword",
    }
}

fn column(kind: SecretKind) -> AccountSecret {
    match kind {
        SecretKind::Vinted => AccountSecret::Vinted,
        SecretKind::Proxy => AccountSecret::Proxy,
        SecretKind::Vnc => AccountSecret::Vnc,
    }
}

/// What the keyring held before a change, to put it back.
type Previous = Vec<(SecretKind, Option<Secret>)>;
/// The reference each changed secret leaves in the store (`None`: no secret).
type Refs = Vec<(SecretKind, Option<String>)>;

/// Writes the changes to the keyring off the async threads. On a failure it puts back what it
/// had changed and returns the error; on success, the references to record and how to undo.
async fn write_secrets<K: SecretStore>(
    keyring: &K,
    id: &str,
    changes: Vec<(SecretKind, Change)>,
) -> Result<(Refs, Previous), AppError> {
    let (keyring, id) = (keyring.clone(), id.to_owned());
    tauri::async_runtime::spawn_blocking(move || {
        let mut refs = Vec::new();
        let mut previous = Vec::new();
        for (kind, change) in changes {
            let step = keyring.get(&id, kind).and_then(|before| {
                let reference = match &change {
                    Change::Set(secret) => Some(keyring.set(&id, kind, secret)?),
                    Change::Clear => {
                        keyring.delete(&id, kind)?;
                        None
                    }
                };
                Ok((before, reference))
            });
            match step {
                Ok((before, reference)) => {
                    previous.push((kind, before));
                    refs.push((kind, reference));
                }
                Err(err) => {
                    restore_secrets(&keyring, &id, previous);
                    return Err(AppError::from(err));
                }
            }
        }
        Ok((refs, previous))
    })
    .await
    .map_err(AppError::internal)?
}

/// Puts entries back as they were; a failure is logged (kind and error only) and skipped.
fn restore_secrets<K: SecretStore>(keyring: &K, id: &str, previous: Previous) {
    for (kind, before) in previous.into_iter().rev() {
        let outcome = match &before {
            Some(secret) => keyring.set(id, kind, secret).map(drop),
            None => keyring.delete(id, kind),
        };
        if let Err(err) = outcome {
            tracing::warn!(id, kind = kind.as_str(), %err, "could not undo a keyring change");
        }
    }
}

async fn restore_secrets_async<K: SecretStore>(keyring: &K, id: &str, previous: Previous) {
    let (keyring, id) = (keyring.clone(), id.to_owned());
    let _ = tauri::async_runtime::spawn_blocking(move || restore_secrets(&keyring, &id, previous))
        .await;
}

/// Inserts the row, then saves each secret in the keyring and records its reference. When the
/// keyring fails, the entries written and the row are removed again.
pub(crate) async fn create<K: SecretStore>(
    state: &AppState,
    keyring: &K,
    draft: AccountDraft,
    secrets: AccountSecretsInput,
) -> Result<SellerAccount, AppError> {
    let changes: Vec<_> = changes(secrets, draft.proxy.is_some())?
        .into_iter()
        .filter(|(_, change)| matches!(change, Change::Set(_)))
        .collect();
    let id = state
        .with_store(move |store| Ok(store.create_account(draft)?.id))
        .await?;
    let (refs, previous) = match write_secrets(keyring, &id, changes).await {
        Ok(written) => written,
        Err(err) => {
            remove_row(state, &id).await;
            return Err(err);
        }
    };
    let recorded = record_refs(state, &id, refs).await;
    match recorded {
        Ok(account) => {
            tracing::info!(id = %account.id, "seller account created");
            Ok(account)
        }
        Err(err) => {
            restore_secrets_async(keyring, &id, previous).await;
            remove_row(state, &id).await;
            Err(err)
        }
    }
}

/// Stores the keyring references of the secrets just written; returns the account as saved.
async fn record_refs(state: &AppState, id: &str, refs: Refs) -> Result<SellerAccount, AppError> {
    let id = id.to_owned();
    state
        .with_store(move |store| {
            for (kind, reference) in refs {
                store.set_account_secret_ref(&id, column(kind), reference.as_deref())?;
            }
            Ok(store.account(&id)?)
        })
        .await
}

async fn remove_row(state: &AppState, id: &str) {
    let id = id.to_owned();
    let removed = state
        .with_store(move |store| Ok(store.delete_account(&id)?))
        .await;
    if let Err(err) = removed {
        tracing::warn!(%err, "could not remove an account whose secrets failed to save");
    }
}

/// Saves the fields (nothing changes when they are wrong), then the secrets to set or clear;
/// when the keyring fails, the entries and the fields are put back as they were.
pub(crate) async fn update<K: SecretStore>(
    state: &AppState,
    keyring: &K,
    id: String,
    draft: AccountDraft,
    secrets: AccountSecretsInput,
) -> Result<SellerAccount, AppError> {
    let changes = changes(secrets, draft.proxy.is_some())?;
    let before = {
        let id = id.clone();
        state
            .with_store(move |store| {
                let before = store.account(&id)?;
                store.update_account(&id, draft)?;
                Ok(before)
            })
            .await?
    };
    let (refs, previous) = match write_secrets(keyring, &id, changes).await {
        Ok(written) => written,
        Err(err) => {
            restore_row(state, keyring, &before, &[]).await;
            return Err(err);
        }
    };
    let kinds: Vec<SecretKind> = refs.iter().map(|(kind, _)| *kind).collect();
    let recorded = record_refs(state, &id, refs).await;
    match recorded {
        Ok(account) => {
            tracing::info!(id = %account.id, "seller account updated");
            Ok(account)
        }
        Err(err) => {
            restore_secrets_async(keyring, &id, previous).await;
            restore_row(state, keyring, &before, &kinds).await;
            Err(err)
        }
    }
}

/// Writes back the fields of `before`, and the references of `kinds` as they were.
async fn restore_row<K: SecretStore>(
    state: &AppState,
    keyring: &K,
    before: &SellerAccount,
    kinds: &[SecretKind],
) {
    let id = before.id.clone();
    let draft = AccountDraft {
        name: before.name.clone(),
        username: before.username.clone(),
        email: before.email.clone(),
        avatar: before.avatar.clone(),
        vinted_base_url: before.vinted_base_url.clone(),
        proxy: before.proxy.clone(),
    };
    let refs: Refs = kinds
        .iter()
        .map(|&kind| {
            let had = match kind {
                SecretKind::Vinted => before.has_vinted_password,
                SecretKind::Proxy => before.has_proxy_password,
                SecretKind::Vnc => before.has_vnc_password,
            };
            (kind, had.then(|| keyring.reference(&id, kind)))
        })
        .collect();
    let restored = state
        .with_store(move |store| {
            store.update_account(&id, draft)?;
            for (kind, reference) in refs {
                store.set_account_secret_ref(&id, column(kind), reference.as_deref())?;
            }
            Ok(())
        })
        .await;
    if let Err(err) = restored {
        tracing::warn!(id = %before.id, %err, "could not restore an account after a failed update");
    }
}

/// Deletes the row, then the account's keyring entries; an entry left behind is logged.
pub(crate) async fn delete<K: SecretStore>(
    state: &AppState,
    keyring: &K,
    id: String,
) -> Result<(), AppError> {
    {
        let id = id.clone();
        state
            .with_store(move |store| Ok(store.delete_account(&id)?))
            .await?;
    }
    tracing::info!(%id, "seller account deleted");
    let keyring = keyring.clone();
    let forgotten = tauri::async_runtime::spawn_blocking(move || {
        for kind in SecretKind::ALL {
            if let Err(err) = keyring.delete(&id, kind) {
                tracing::warn!(%id, kind = kind.as_str(), %err, "could not delete a secret of a deleted account from the keyring");
            }
        }
    })
    .await;
    if let Err(err) = forgotten {
        tracing::warn!(%err, "deleting the secrets of a deleted account failed");
    }
    Ok(())
}

// ---------------------------------------------------------------- "Test the proxy"

/// The app setting naming the address echo "test the proxy" asks, through the proxy, for the
/// address it sees.
pub const PROXY_ECHO_URL_KEY: &str = "proxy_echo_url";
/// Answers the bare IP address over plain HTTP.
pub const DEFAULT_PROXY_ECHO_URL: &str = "http://api.ipify.org";
/// How long a proxy test may take in all (connection, authentication, the echo's answer).
pub const PROXY_TEST_TIMEOUT: Duration = Duration::from_secs(15);

/// The proxy as typed in the account form (not saved yet), and its password as the form has it.
#[derive(Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ProxyTestInput {
    pub kind: ProxyType,
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    /// `keep`: the password saved for `account_id` (none for a new account); `set`: the one
    /// typed; `clear`: none.
    pub password: SecretInput,
    /// The account being edited; `None` in the form of a new account.
    pub account_id: Option<String>,
}

/// What a proxy test found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ProxyTestResult {
    /// The address the echo saw: the proxy's exit address.
    pub exit_ip: String,
    /// The round trip of the echo's request through the proxy.
    pub latency_ms: u32,
}

/// The address echo setting (advanced).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ProxySettings {
    /// The echo in use: the one chosen, else the default.
    pub echo_url: String,
    pub default_echo_url: String,
}

/// Reaches the address echo through the proxy as typed and says the exit address and the
/// latency, or exactly what failed (as an [`AppError`] code). Nothing is saved; the password is
/// neither logged nor returned.
#[tauri::command]
#[specta::specta]
pub async fn test_proxy(
    state: State<'_, AppState>,
    input: ProxyTestInput,
) -> Result<ProxyTestResult, AppError> {
    test_proxy_with(&state, &Keyring::default(), input, PROXY_TEST_TIMEOUT).await
}

#[tauri::command]
#[specta::specta]
pub async fn get_proxy_settings(state: State<'_, AppState>) -> Result<ProxySettings, AppError> {
    proxy_settings(&state).await
}

/// Saves the address echo; an empty URL goes back to the default. Only `http://` URLs: the
/// proxy test reads the echo's answer itself, without TLS.
#[tauri::command]
#[specta::specta]
pub async fn set_proxy_settings(
    state: State<'_, AppState>,
    echo_url: String,
) -> Result<ProxySettings, AppError> {
    save_proxy_settings(&state, &echo_url).await
}

pub(crate) async fn save_proxy_settings(
    state: &AppState,
    echo_url: &str,
) -> Result<ProxySettings, AppError> {
    let url = echo_url.trim().to_owned();
    if !url.is_empty() && !automation_proxy::is_valid_echo_url(&url) {
        return Err(AppError::field(
            "echoUrl",
            FieldErrorCode::Invalid,
            format!("{url:?} is not an http:// URL"),
        ));
    }
    state
        .with_store(move |store| Ok(store.set_setting(PROXY_ECHO_URL_KEY, &url)?))
        .await?;
    proxy_settings(state).await
}

async fn proxy_settings(state: &AppState) -> Result<ProxySettings, AppError> {
    let stored = state
        .with_store(|store| Ok(store.setting(PROXY_ECHO_URL_KEY)?))
        .await?;
    Ok(ProxySettings {
        echo_url: stored
            .filter(|url| !url.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_PROXY_ECHO_URL.to_owned()),
        default_echo_url: DEFAULT_PROXY_ECHO_URL.to_owned(),
    })
}

pub(crate) fn proxy_kind(kind: ProxyType) -> ProxyKind {
    match kind {
        ProxyType::Http => ProxyKind::Http,
        ProxyType::Https => ProxyKind::Https,
        ProxyType::Socks5 => ProxyKind::Socks5,
    }
}

pub(crate) async fn test_proxy_with<K: SecretStore>(
    state: &AppState,
    keyring: &K,
    input: ProxyTestInput,
    timeout: Duration,
) -> Result<ProxyTestResult, AppError> {
    let ProxyTestInput {
        kind,
        host,
        port,
        user,
        password,
        account_id,
    } = input;
    let host = host.trim().to_owned();
    let mut errors = Vec::new();
    if host.is_empty() {
        errors.push(FieldError::new("proxyHost", FieldErrorCode::Required));
    }
    if port == 0 {
        errors.push(FieldError::new("proxyPort", FieldErrorCode::Invalid));
    }
    if !errors.is_empty() {
        return Err(AppError {
            fields: errors,
            ..AppError::new(
                crate::ErrorCode::Validation,
                "no proxy host or port to test",
            )
        });
    }
    let user = user.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
    let password = match (password, account_id) {
        (SecretInput::Set { value }, _) => Some(value),
        (SecretInput::Clear, _) | (SecretInput::Keep, None) => None,
        (SecretInput::Keep, Some(id)) => {
            // The stored password goes to no proxy changed elsewhere and not confirmed here,
            // not even for a test (the form shows the synced host).
            let account_id = id.clone();
            state
                .with_store(move |store| refuse_while_awaiting(store, &account_id))
                .await?;
            let keyring = keyring.clone();
            tauri::async_runtime::spawn_blocking(move || keyring.get(&id, SecretKind::Proxy))
                .await
                .map_err(AppError::internal)??
        }
    };
    let echo_url = proxy_settings(state).await?.echo_url;
    let upstream = Upstream {
        kind: proxy_kind(kind),
        host,
        port,
        user,
        password,
    };
    let found = automation_proxy::check(&upstream, &echo_url, timeout).await?;
    Ok(ProxyTestResult {
        exit_ip: found.exit_ip,
        latency_ms: found.latency_ms,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use seller_store::accounts::{Proxy, ProxyType};

    use super::*;
    use crate::ErrorCode;

    /// A keyring in memory that fails, as a locked one would, when asked to save `fail_on`.
    #[derive(Clone, Default)]
    struct FakeKeyring {
        entries: Arc<Mutex<HashMap<(String, SecretKind), String>>>,
        fail_on: Option<SecretKind>,
    }

    impl FakeKeyring {
        fn failing_on(kind: SecretKind) -> Self {
            Self {
                fail_on: Some(kind),
                ..Self::default()
            }
        }
        fn value(&self, id: &str, kind: SecretKind) -> Option<String> {
            self.entries
                .lock()
                .unwrap()
                .get(&(id.to_owned(), kind))
                .cloned()
        }
        fn is_empty(&self) -> bool {
            self.entries.lock().unwrap().is_empty()
        }
    }

    impl SecretStore for FakeKeyring {
        fn reference(&self, id: &str, kind: SecretKind) -> String {
            format!("keyring:fake/{id}/{}", kind.as_str())
        }
        fn set(&self, id: &str, kind: SecretKind, secret: &Secret) -> Result<String, SecretError> {
            if self.fail_on == Some(kind) {
                return Err(SecretError::Locked("collection is locked".into()));
            }
            self.entries
                .lock()
                .unwrap()
                .insert((id.to_owned(), kind), secret.expose().to_owned());
            Ok(self.reference(id, kind))
        }
        fn get(&self, id: &str, kind: SecretKind) -> Result<Option<Secret>, SecretError> {
            Ok(self.value(id, kind).map(Secret::new))
        }
        fn delete(&self, id: &str, kind: SecretKind) -> Result<(), SecretError> {
            self.entries.lock().unwrap().remove(&(id.to_owned(), kind));
            Ok(())
        }
    }

    fn draft(name: &str) -> AccountDraft {
        AccountDraft {
            name: name.into(),
            username: Some("marie".into()),
            email: None,
            avatar: Some("M".into()),
            vinted_base_url: "https://www.vinted.fr".into(),
            proxy: Some(Proxy {
                kind: ProxyType::Socks5,
                host: "10.0.0.1".into(),
                port: 1080,
                user: Some("u".into()),
            }),
        }
    }

    fn set(value: &str) -> SecretInput {
        SecretInput::Set {
            value: Secret::new(value),
        }
    }

    fn secrets(vinted: SecretInput, proxy: SecretInput, vnc: SecretInput) -> AccountSecretsInput {
        AccountSecretsInput { vinted, proxy, vnc }
    }

    fn keep_all() -> AccountSecretsInput {
        secrets(SecretInput::Keep, SecretInput::Keep, SecretInput::Keep)
    }

    fn app_state() -> (tempfile::TempDir, AppState) {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::open(dir.path().to_owned());
        (dir, state)
    }

    async fn accounts(state: &AppState) -> Vec<SellerAccount> {
        state
            .with_store(|store| Ok(store.accounts()?))
            .await
            .unwrap()
    }

    /// Another device points the account at another proxy host: the session start refuses to
    /// send the stored proxy password until the person confirms the proxy here.
    #[test]
    fn a_proxy_changed_on_another_device_waits_for_confirmation() {
        use seller_sync::hlc::{Hlc, wall_ms_now};
        use seller_sync::merge::{Batch, Cell, RowChange, merge};
        tauri::async_runtime::block_on(async {
            let (_dir, state) = app_state();
            let keyring = FakeKeyring::default();
            let account = create(
                &state,
                &keyring,
                draft("Marie"),
                secrets(SecretInput::Keep, set("proxy-pw"), SecretInput::Keep),
            )
            .await
            .unwrap();
            let capture = state.capture().expect("sync is installed");
            let id = account.id.clone();
            let starts = |state: &AppState| {
                let id = id.clone();
                let state = state.clone();
                async move {
                    state
                        .with_store(move |store| {
                            let account = store.account(&id)?;
                            refuse_unconfirmed_proxy(store, &account)
                        })
                        .await
                }
            };
            assert!(starts(&state).await.is_ok());
            let remote = RowChange {
                table: "seller_accounts".into(),
                pk: account.id.clone(),
                life: None,
                // The keyring reference cleared at the same time: the password is still kept
                // here under the account's id, and must not go to the new host either.
                cells: ["proxy_host", "proxy_password"]
                    .into_iter()
                    .map(|column| Cell {
                        column: column.into(),
                        value: match column {
                            "proxy_host" => {
                                seller_sync::value::Value::Text("proxy.ailleurs.example".into())
                            }
                            _ => seller_sync::value::Value::Null,
                        },
                        hlc: Hlc::new(wall_ms_now() + 60_000, 0),
                        device: "0193a5b0-0000-7000-8000-0000000000bb".into(),
                    })
                    .collect(),
            };
            state
                .with_store(move |store| {
                    let tx = store.connection().unchecked_transaction().unwrap();
                    merge(&tx, &capture, &Batch { rows: vec![remote] }).unwrap();
                    tx.commit().unwrap();
                    Ok(())
                })
                .await
                .unwrap();
            let refused = starts(&state).await.unwrap_err();
            assert_eq!(refused.code, ErrorCode::ProxyNeedsConfirmation);
            // Nor does "test the proxy" send the stored password there.
            let test = proxy_input(9, SecretInput::Keep, Some(&account.id));
            let refused = test_proxy_with(&state, &keyring, test, Duration::from_secs(1))
                .await
                .unwrap_err();
            assert_eq!(refused.code, ErrorCode::ProxyNeedsConfirmation);
            let awaiting = awaiting_proxy_confirmation(&state).await.unwrap();
            assert_eq!(awaiting.len(), 1);
            assert_eq!(awaiting[0].columns, vec!["proxy_host"]);
            let id = account.id.clone();
            state
                .with_store(move |store| {
                    Ok(seller_sync::proxy_watch::confirm(store.connection(), &id)
                        .map_err(seller_store::StoreError::from)?)
                })
                .await
                .unwrap();
            assert!(starts(&state).await.is_ok());
            assert!(
                awaiting_proxy_confirmation(&state)
                    .await
                    .unwrap()
                    .is_empty()
            );
        });
    }

    #[test]
    fn secret_inputs_read_what_the_ui_sends() {
        let input: AccountSecretsInput = serde_json::from_str(
            r#"{"vinted": {"kind": "set", "value": "s3cret"}, "proxy": {"kind": "keep"}, "vnc": {"kind": "clear"}}"#,
        )
        .unwrap();
        assert!(matches!(&input.vinted, SecretInput::Set { value } if value.expose() == "s3cret"));
        assert!(matches!(input.proxy, SecretInput::Keep));
        assert!(matches!(input.vnc, SecretInput::Clear));
    }

    #[test]
    fn secrets_go_to_the_keyring_and_only_flags_come_back() {
        tauri::async_runtime::block_on(async {
            let (_dir, state) = app_state();
            let keyring = FakeKeyring::default();
            let account = create(
                &state,
                &keyring,
                draft("Marie"),
                secrets(set("vinted-pw"), set("proxy-pw"), SecretInput::Keep),
            )
            .await
            .unwrap();
            assert!(account.has_vinted_password && account.has_proxy_password);
            assert!(!account.has_vnc_password);
            assert_eq!(
                keyring.value(&account.id, SecretKind::Proxy).as_deref(),
                Some("proxy-pw")
            );

            // Without its proxy the account forgets the proxy's password.
            let mut no_proxy = draft("Marie");
            no_proxy.proxy = None;
            let updated = update(
                &state,
                &keyring,
                account.id.clone(),
                no_proxy,
                secrets(SecretInput::Clear, set("ignored"), set("vnc-pw")),
            )
            .await
            .unwrap();
            assert!(!updated.has_vinted_password && !updated.has_proxy_password);
            assert!(updated.has_vnc_password);
            assert_eq!(keyring.value(&account.id, SecretKind::Proxy), None);
            assert_eq!(keyring.value(&account.id, SecretKind::Vinted), None);

            delete(&state, &keyring, account.id.clone()).await.unwrap();
            assert!(keyring.is_empty());
            assert!(accounts(&state).await.is_empty());
        });
    }

    #[test]
    fn a_keyring_failure_on_create_leaves_neither_row_nor_entry() {
        tauri::async_runtime::block_on(async {
            let (_dir, state) = app_state();
            let keyring = FakeKeyring::failing_on(SecretKind::Vnc);
            let err = create(
                &state,
                &keyring,
                draft("Marie"),
                secrets(set("vinted-pw"), set("proxy-pw"), set("vnc-pw")),
            )
            .await
            .unwrap_err();
            assert_eq!(err.code, ErrorCode::KeyringLocked);
            assert!(keyring.is_empty(), "the entries written are removed");
            assert!(accounts(&state).await.is_empty(), "the row is removed");
        });
    }

    #[test]
    fn a_keyring_failure_on_update_puts_everything_back() {
        tauri::async_runtime::block_on(async {
            let (_dir, state) = app_state();
            let keyring = FakeKeyring::default();
            let account = create(
                &state,
                &keyring,
                draft("Marie"),
                secrets(set("old-vinted"), SecretInput::Keep, SecretInput::Keep),
            )
            .await
            .unwrap();
            let failing = FakeKeyring {
                fail_on: Some(SecretKind::Proxy),
                ..keyring.clone()
            };
            let err = update(
                &state,
                &failing,
                account.id.clone(),
                draft("Marie renamed"),
                secrets(set("new-vinted"), set("proxy-pw"), SecretInput::Keep),
            )
            .await
            .unwrap_err();
            assert_eq!(err.code, ErrorCode::KeyringLocked);
            assert_eq!(
                keyring.value(&account.id, SecretKind::Vinted).as_deref(),
                Some("old-vinted")
            );
            let after = &accounts(&state).await[0];
            assert_eq!(after.name, "Marie");
            assert!(after.has_vinted_password && !after.has_proxy_password);
        });
    }

    #[test]
    fn wrong_fields_or_an_empty_password_change_nothing() {
        tauri::async_runtime::block_on(async {
            let (_dir, state) = app_state();
            let keyring = FakeKeyring::default();
            let err = create(
                &state,
                &keyring,
                draft(" "),
                secrets(set("vinted-pw"), SecretInput::Keep, SecretInput::Keep),
            )
            .await
            .unwrap_err();
            assert_eq!(err.code, ErrorCode::Validation);
            assert_eq!(err.fields[0].field, "name");
            let err = create(
                &state,
                &keyring,
                draft("Marie"),
                secrets(set(""), SecretInput::Keep, SecretInput::Keep),
            )
            .await
            .unwrap_err();
            assert_eq!(err.fields[0].field, "vintedPassword");
            assert!(keyring.is_empty() && accounts(&state).await.is_empty());

            let account = create(&state, &keyring, draft("Marie"), keep_all())
                .await
                .unwrap();
            let err = update(
                &state,
                &keyring,
                account.id.clone(),
                draft(""),
                secrets(set("vinted-pw"), SecretInput::Keep, SecretInput::Keep),
            )
            .await
            .unwrap_err();
            assert_eq!(err.code, ErrorCode::Validation);
            assert!(keyring.is_empty());
            assert_eq!(accounts(&state).await, vec![account]);
        });
    }

    /// A minimal HTTP proxy on 127.0.0.1: a `CONNECT` carrying `user`/`password` in Basic auth
    /// gets a tunnel to a canned echo that answers `203.0.113.7`; any other gets a 407. Records
    /// each `CONNECT` target.
    fn fake_http_proxy(user: &str, password: &str) -> (u16, Arc<Mutex<Vec<String>>>) {
        use base64::Engine;
        use std::io::{Read, Write};
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        );
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let targets = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&targets);
        let read_head = |stream: &mut std::net::TcpStream| {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                if stream.read(&mut byte).unwrap_or(0) == 0 {
                    break;
                }
                head.push(byte[0]);
            }
            String::from_utf8_lossy(&head).into_owned()
        };
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let head = read_head(&mut stream);
                let target = head
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned();
                seen.lock().unwrap().push(target);
                let authorised = head.lines().any(|line| {
                    line.split_once(':').is_some_and(|(name, value)| {
                        name.eq_ignore_ascii_case("proxy-authorization") && value.trim() == expected
                    })
                });
                if !authorised {
                    let _ = stream.write_all(
                        b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n",
                    );
                    continue;
                }
                let _ = stream.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                let _ = read_head(&mut stream);
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\n203.0.113.7",
                );
            }
        });
        (port, targets)
    }

    fn proxy_input(port: u16, password: SecretInput, account_id: Option<&str>) -> ProxyTestInput {
        ProxyTestInput {
            kind: ProxyType::Http,
            host: " 127.0.0.1 ".into(),
            port,
            user: Some("marie".into()),
            password,
            account_id: account_id.map(str::to_owned),
        }
    }

    #[test]
    fn the_proxy_test_uses_the_password_as_the_form_has_it() {
        tauri::async_runtime::block_on(async {
            let (_dir, state) = app_state();
            let keyring = FakeKeyring::default();
            let (port, targets) = fake_http_proxy("marie", "Saved-Proxy-Pw");
            keyring
                .set("acc-1", SecretKind::Proxy, &Secret::new("Saved-Proxy-Pw"))
                .unwrap();
            // The default echo until one is chosen; then the chosen one.
            assert_eq!(
                proxy_settings(&state).await.unwrap().echo_url,
                DEFAULT_PROXY_ECHO_URL
            );
            save_proxy_settings(&state, " http://echo.test:8080/ip ")
                .await
                .unwrap();
            let test = |input| test_proxy_with(&state, &keyring, input, Duration::from_secs(5));

            // keep: the password saved for the account.
            let found = test(proxy_input(port, SecretInput::Keep, Some("acc-1")))
                .await
                .unwrap();
            assert_eq!(found.exit_ip, "203.0.113.7");
            assert_eq!(targets.lock().unwrap().as_slice(), ["echo.test:8080"]);

            // set: the one typed, right or wrong.
            let found = test(proxy_input(port, set("Saved-Proxy-Pw"), None))
                .await
                .unwrap();
            assert_eq!(found.exit_ip, "203.0.113.7");
            for input in [
                proxy_input(port, set("Wrong-Proxy-Pw"), Some("acc-1")),
                // clear, or keep for a new account or one without a saved password: none.
                proxy_input(port, SecretInput::Clear, Some("acc-1")),
                proxy_input(port, SecretInput::Keep, None),
                proxy_input(port, SecretInput::Keep, Some("acc-2")),
            ] {
                let err = test(input).await.unwrap_err();
                assert_eq!(err.code, ErrorCode::ProxyAuthRejected);
                let printed = format!("{err:?} {}", serde_json::to_string(&err).unwrap());
                assert!(!printed.contains("Wrong-Proxy-Pw") && !printed.contains("Saved-Proxy-Pw"));
            }
            assert_eq!(targets.lock().unwrap().len(), 6);
        });
    }

    #[test]
    fn the_proxy_test_names_what_failed() {
        tauri::async_runtime::block_on(async {
            let (_dir, state) = app_state();
            let keyring = FakeKeyring::default();
            let test = |input| test_proxy_with(&state, &keyring, input, Duration::from_secs(5));
            let closed = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let err = test(proxy_input(closed, SecretInput::Clear, None))
                .await
                .unwrap_err();
            assert_eq!(err.code, ErrorCode::ProxyUnreachable);

            // An https proxy is reached over TLS: a closed port is just as unreachable.
            let mut https = proxy_input(closed, SecretInput::Clear, None);
            https.kind = ProxyType::Https;
            assert_eq!(
                test(https).await.unwrap_err().code,
                ErrorCode::ProxyUnreachable
            );

            let mut no_host = proxy_input(0, SecretInput::Clear, None);
            no_host.host = "  ".into();
            let err = test(no_host).await.unwrap_err();
            assert_eq!(err.code, ErrorCode::Validation);
            let fields: Vec<&str> = err.fields.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(fields, ["proxyHost", "proxyPort"]);
        });
    }

    #[test]
    fn the_address_echo_must_be_an_http_url() {
        tauri::async_runtime::block_on(async {
            let (_dir, state) = app_state();
            for bad in [
                "https://api.ipify.org",
                "api.ipify.org",
                "http://user:pw@host/",
            ] {
                let err = save_proxy_settings(&state, bad).await.unwrap_err();
                assert_eq!(err.code, ErrorCode::Validation, "{bad}");
                assert_eq!(err.fields[0].field, "echoUrl");
            }
            let saved = save_proxy_settings(&state, "http://127.0.0.1:9/")
                .await
                .unwrap();
            assert_eq!(saved.echo_url, "http://127.0.0.1:9/");
            let back = save_proxy_settings(&state, "").await.unwrap();
            assert_eq!(back.echo_url, DEFAULT_PROXY_ECHO_URL);
            assert_eq!(back.default_echo_url, DEFAULT_PROXY_ECHO_URL);
        });
    }

    /// Against the real Secret Service (`scripts/with-test-keyring`): the secrets are in the
    /// keyring and no byte of them is in the database folder.
    #[test]
    fn with_the_os_keyring_no_secret_reaches_the_database() {
        assert_eq!(
            std::env::var("SELLER_PANEL_TEST_KEYRING").as_deref(),
            Ok("1"),
            "run through scripts/with-test-keyring (a throwaway Secret Service): \
             dbus-run-session -- scripts/with-test-keyring cargo nextest run"
        );
        let keyring = Keyring::new(&format!("seller-panel-test-{}", uuid::Uuid::now_v7()));
        tauri::async_runtime::block_on(async {
            let (dir, state) = app_state();
            let account = create(
                &state,
                &keyring,
                draft("Marie"),
                secrets(
                    set("Vinted-Unit-9b1e"),
                    set("Proxy-Unit-4c2d"),
                    set("Vnc-Unit"),
                ),
            )
            .await
            .unwrap();
            let stored = |kind| {
                keyring
                    .get(&account.id, kind)
                    .unwrap()
                    .map(|s| s.expose().to_owned())
            };
            assert_eq!(
                stored(SecretKind::Vinted).as_deref(),
                Some("Vinted-Unit-9b1e")
            );
            assert_eq!(stored(SecretKind::Vnc).as_deref(), Some("Vnc-Unit"));
            update(
                &state,
                &keyring,
                account.id.clone(),
                draft("Marie"),
                secrets(SecretInput::Keep, SecretInput::Clear, SecretInput::Keep),
            )
            .await
            .unwrap();
            assert_eq!(stored(SecretKind::Proxy), None);
            for entry in std::fs::read_dir(dir.path()).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    let bytes = std::fs::read(&path).unwrap();
                    for secret in ["Vinted-Unit-9b1e", "Proxy-Unit-4c2d", "Vnc-Unit"] {
                        assert!(
                            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                            "{secret} found in {}",
                            path.display()
                        );
                    }
                }
            }
            delete(&state, &keyring, account.id.clone()).await.unwrap();
            assert_eq!(stored(SecretKind::Vinted), None);
            assert_eq!(stored(SecretKind::Vnc), None);
        });
    }
}
