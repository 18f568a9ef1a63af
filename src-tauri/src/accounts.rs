//! The IPC surface of the Vinted accounts: list, create, edit and delete them with their
//! secrets, test a proxy, confirm a proxy changed on another device. The flows are
//! `seller-vinted`'s; a secret crosses IPC only on entry, and goes to the OS keyring.

use seller_secrets::Keyring;
use seller_store::accounts::{AccountDraft, SellerAccount};
use seller_vinted::accounts::{self as vinted, AccountSecretsInput, ProxyConfirmation};
use seller_vinted::proxy::{self, ProxySettings, ProxyTestInput, ProxyTestResult};
use seller_vinted::sessions::AccountSessions;
use tauri::State;

use crate::error::AppError;
use crate::state::AppState;

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
    vinted::create(&*state, &Keyring::default(), draft, secrets).await
}

#[tauri::command]
#[specta::specta]
pub async fn update_account(
    state: State<'_, AppState>,
    id: String,
    draft: AccountDraft,
    secrets: AccountSecretsInput,
) -> Result<SellerAccount, AppError> {
    vinted::update(&*state, &Keyring::default(), id, draft, secrets).await
}

#[tauri::command]
#[specta::specta]
pub async fn delete_account(
    state: State<'_, AppState>,
    sessions: State<'_, AccountSessions>,
    id: String,
) -> Result<(), AppError> {
    sessions.stop(&id).await;
    vinted::delete(&*state, &Keyring::default(), id.clone()).await?;
    sessions.forget_profile(&id);
    Ok(())
}

/// The accounts whose proxy awaits confirmation on this device.
#[tauri::command]
#[specta::specta]
pub async fn accounts_awaiting_proxy_confirmation(
    state: State<'_, AppState>,
) -> Result<Vec<ProxyConfirmation>, AppError> {
    vinted::awaiting_proxy_confirmation(&*state).await
}

/// The person checked the account's new proxy: its password may go there from now on.
#[tauri::command]
#[specta::specta]
pub async fn confirm_account_proxy(
    state: State<'_, AppState>,
    id: String,
) -> Result<Vec<ProxyConfirmation>, AppError> {
    vinted::confirm_proxy(&*state, id).await
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
    proxy::test_proxy_with(
        &*state,
        &Keyring::default(),
        input,
        proxy::PROXY_TEST_TIMEOUT,
    )
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_proxy_settings(state: State<'_, AppState>) -> Result<ProxySettings, AppError> {
    proxy::proxy_settings(&*state).await
}

/// Saves the address echo; an empty URL goes back to the default. Only `http://` URLs: the
/// proxy test reads the echo's answer itself, without TLS.
#[tauri::command]
#[specta::specta]
pub async fn set_proxy_settings(
    state: State<'_, AppState>,
    echo_url: String,
) -> Result<ProxySettings, AppError> {
    proxy::save_proxy_settings(&*state, &echo_url).await
}
