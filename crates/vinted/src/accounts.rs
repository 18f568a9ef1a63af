//! The Vinted accounts with their secrets: create, edit and delete them.
//!
//! A secret (Vinted, proxy or VNC password) comes in only on entry, as a [`SecretInput`]. It
//! goes to the keyring through [`SecretStore`]; the store keeps only a `keyring:` reference,
//! and the account comes back with `has…Password` flags, never the secret. Nothing here prints
//! an input: no `#[instrument]`, no `Debug` on the input types, logs name the account id only.
//!
//! Every change is all or nothing: when the keyring fails half way, what was written is undone
//! (keyring entries put back as they were, the row removed or its fields restored).

use seller_secrets::{Secret, SecretKind, SecretStore};
use seller_store::accounts::{AccountDraft, AccountSecret, SellerAccount};
use seller_store::{FieldError, FieldErrorCode, Store};
use serde::{Deserialize, Deserializer, Serialize};

use crate::{Error, StoreAccess, blocking};

/// What the form says about one secret: leave it as it is, replace it, or forget it.
#[derive(Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SecretInput {
    Keep,
    Set {
        #[serde(deserialize_with = "secret_from_str")]
        #[cfg_attr(feature = "specta", specta(type = String))]
        value: Secret,
    },
    Clear,
}

/// The three secrets of an account, as the form sends them.
#[derive(Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct AccountSecretsInput {
    pub vinted: SecretInput,
    pub proxy: SecretInput,
    pub vnc: SecretInput,
}

fn secret_from_str<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
    String::deserialize(deserializer).map(Secret::new)
}

/// An account whose proxy (or Vinted site) was changed on another device: its proxy password
/// stays on this device until the person confirms the new proxy here.
#[derive(Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ProxyConfirmation {
    pub account_id: String,
    /// The columns changed elsewhere: `proxy_host`, `proxy_port`, `proxy_type`, `proxy_user`,
    /// `vinted_base_url`.
    pub columns: Vec<String>,
}

/// The accounts whose proxy awaits confirmation on this device.
pub async fn awaiting_proxy_confirmation<S: StoreAccess>(
    store: &S,
) -> Result<Vec<ProxyConfirmation>, S::Error> {
    store
        .with_store(|store| {
            Ok(store
                .accounts_awaiting_proxy_confirmation()?
                .into_iter()
                .map(|(account_id, columns)| ProxyConfirmation {
                    account_id,
                    columns,
                })
                .collect())
        })
        .await
}

/// The person checked the account's new proxy: its password may go there from now on. Returns
/// the accounts still awaiting confirmation.
pub async fn confirm_proxy<S: StoreAccess>(
    store: &S,
    id: String,
) -> Result<Vec<ProxyConfirmation>, S::Error> {
    store
        .with_store(move |store| Ok(store.confirm_account_proxy(&id).map(drop)?))
        .await?;
    awaiting_proxy_confirmation(store).await
}

/// Refuses to hand the account's stored proxy password to a proxy changed on another device
/// and not confirmed here (the session start asks this before reading the keyring).
pub fn refuse_unconfirmed_proxy(store: &Store, account: &SellerAccount) -> Result<(), Error> {
    // Whatever the synced row says of a stored password (its keyring reference syncs, and may
    // have been cleared elsewhere): the keyring is read by account id.
    if account.proxy.is_some() {
        refuse_while_awaiting(store, &account.id)?;
    }
    Ok(())
}

/// Refuses while account `id` awaits confirmation of a proxy changed on another device.
pub(crate) fn refuse_while_awaiting(store: &Store, id: &str) -> Result<(), Error> {
    if store.proxy_awaits_confirmation(id)? {
        return Err(Error::ProxyNeedsConfirmation);
    }
    Ok(())
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
) -> Result<Vec<(SecretKind, Change)>, Error> {
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
        Err(Error::Invalid {
            message: "a password to save is empty".to_owned(),
            fields: errors,
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
) -> Result<(Refs, Previous), Error> {
    let (keyring, id) = (keyring.clone(), id.to_owned());
    blocking(move || {
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
                    return Err(Error::from(err));
                }
            }
        }
        Ok((refs, previous))
    })
    .await?
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
    let _ = blocking(move || restore_secrets(&keyring, &id, previous)).await;
}

/// Inserts the row, then saves each secret in the keyring and records its reference. When the
/// keyring fails, the entries written and the row are removed again.
pub async fn create<S: StoreAccess, K: SecretStore>(
    store: &S,
    keyring: &K,
    draft: AccountDraft,
    secrets: AccountSecretsInput,
) -> Result<SellerAccount, S::Error> {
    let changes: Vec<_> = changes(secrets, draft.proxy.is_some())?
        .into_iter()
        .filter(|(_, change)| matches!(change, Change::Set(_)))
        .collect();
    let id = store
        .with_store(move |store| Ok(store.create_account(draft)?.id))
        .await?;
    let (refs, previous) = match write_secrets(keyring, &id, changes).await {
        Ok(written) => written,
        Err(err) => {
            remove_row(store, &id).await;
            return Err(err.into());
        }
    };
    let recorded = record_refs(store, &id, refs).await;
    match recorded {
        Ok(account) => {
            tracing::info!(id = %account.id, "seller account created");
            Ok(account)
        }
        Err(err) => {
            restore_secrets_async(keyring, &id, previous).await;
            remove_row(store, &id).await;
            Err(err)
        }
    }
}

/// Stores the keyring references of the secrets just written; returns the account as saved.
async fn record_refs<S: StoreAccess>(
    store: &S,
    id: &str,
    refs: Refs,
) -> Result<SellerAccount, S::Error> {
    let id = id.to_owned();
    store
        .with_store(move |store| {
            for (kind, reference) in refs {
                store.set_account_secret_ref(&id, column(kind), reference.as_deref())?;
            }
            Ok(store.account(&id)?)
        })
        .await
}

async fn remove_row<S: StoreAccess>(store: &S, id: &str) {
    let id = id.to_owned();
    let removed = store
        .with_store(move |store| Ok(store.delete_account(&id)?))
        .await;
    if let Err(err) = removed {
        tracing::warn!(%err, "could not remove an account whose secrets failed to save");
    }
}

/// Saves the fields (nothing changes when they are wrong), then the secrets to set or clear;
/// when the keyring fails, the entries and the fields are put back as they were.
pub async fn update<S: StoreAccess, K: SecretStore>(
    store: &S,
    keyring: &K,
    id: String,
    draft: AccountDraft,
    secrets: AccountSecretsInput,
) -> Result<SellerAccount, S::Error> {
    let changes = changes(secrets, draft.proxy.is_some())?;
    let before = {
        let id = id.clone();
        store
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
            restore_row(store, keyring, &before, &[]).await;
            return Err(err.into());
        }
    };
    let kinds: Vec<SecretKind> = refs.iter().map(|(kind, _)| *kind).collect();
    let recorded = record_refs(store, &id, refs).await;
    match recorded {
        Ok(account) => {
            tracing::info!(id = %account.id, "seller account updated");
            Ok(account)
        }
        Err(err) => {
            restore_secrets_async(keyring, &id, previous).await;
            restore_row(store, keyring, &before, &kinds).await;
            Err(err)
        }
    }
}

/// Writes back the fields of `before`, and the references of `kinds` as they were.
async fn restore_row<S: StoreAccess, K: SecretStore>(
    store: &S,
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
    let restored = store
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
pub async fn delete<S: StoreAccess, K: SecretStore>(
    store: &S,
    keyring: &K,
    id: String,
) -> Result<(), S::Error> {
    {
        let id = id.clone();
        store
            .with_store(move |store| Ok(store.delete_account(&id)?))
            .await?;
    }
    tracing::info!(%id, "seller account deleted");
    let keyring = keyring.clone();
    let forgotten = blocking(move || {
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

#[cfg(test)]
pub(crate) mod tests {
    use seller_secrets::{Keyring, SecretError};

    use super::*;
    use crate::testing::*;

    fn is_keyring_locked(err: &Error) -> bool {
        matches!(err, Error::Secret(SecretError::Locked(_)))
    }

    fn fields(err: &Error) -> Vec<&str> {
        match err {
            Error::Invalid { fields, .. }
            | Error::Store(seller_store::StoreError::Validation(fields)) => {
                fields.iter().map(|f| f.field.as_str()).collect()
            }
            other => panic!("not a validation error: {other:?}"),
        }
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
        block_on(async {
            let (_dir, state) = store();
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
        block_on(async {
            let (_dir, state) = store();
            let keyring = FakeKeyring::failing_on(SecretKind::Vnc);
            let err = create(
                &state,
                &keyring,
                draft("Marie"),
                secrets(set("vinted-pw"), set("proxy-pw"), set("vnc-pw")),
            )
            .await
            .unwrap_err();
            assert!(is_keyring_locked(&err), "{err:?}");
            assert!(keyring.is_empty(), "the entries written are removed");
            assert!(accounts(&state).await.is_empty(), "the row is removed");
        });
    }

    #[test]
    fn a_keyring_failure_on_update_puts_everything_back() {
        block_on(async {
            let (_dir, state) = store();
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
            assert!(is_keyring_locked(&err), "{err:?}");
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
        block_on(async {
            let (_dir, state) = store();
            let keyring = FakeKeyring::default();
            let err = create(
                &state,
                &keyring,
                draft(" "),
                secrets(set("vinted-pw"), SecretInput::Keep, SecretInput::Keep),
            )
            .await
            .unwrap_err();
            assert_eq!(fields(&err)[0], "name");
            let err = create(
                &state,
                &keyring,
                draft("Marie"),
                secrets(set(""), SecretInput::Keep, SecretInput::Keep),
            )
            .await
            .unwrap_err();
            assert_eq!(fields(&err)[0], "vintedPassword");
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
            assert_eq!(fields(&err)[0], "name");
            assert!(keyring.is_empty());
            assert_eq!(accounts(&state).await, vec![account]);
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
        block_on(async {
            let (dir, state) = store();
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

    pub fn set(value: &str) -> SecretInput {
        SecretInput::Set {
            value: Secret::new(value),
        }
    }

    pub fn secrets(
        vinted: SecretInput,
        proxy: SecretInput,
        vnc: SecretInput,
    ) -> AccountSecretsInput {
        AccountSecretsInput { vinted, proxy, vnc }
    }

    pub fn keep_all() -> AccountSecretsInput {
        secrets(SecretInput::Keep, SecretInput::Keep, SecretInput::Keep)
    }
}
