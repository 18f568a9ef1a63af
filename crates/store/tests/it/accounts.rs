use crate::common::fresh_store;
use seller_store::StoreError;
use seller_store::accounts::{AccountDraft, AccountSecret, BrowserFingerprint, Proxy, ProxyType};
use seller_store::raw::RawSql;

fn draft(name: &str) -> AccountDraft {
    AccountDraft {
        name: name.into(),
        username: Some("marie_vend".into()),
        email: Some("marie@example.org".into()),
        avatar: Some("M".into()),
        vinted_base_url: "https://www.vinted.fr/".into(),
        proxy: Some(Proxy {
            kind: ProxyType::Socks5,
            host: " 127.0.0.1 ".into(),
            port: 1080,
            user: Some("u".into()),
        }),
    }
}

#[test]
fn accounts_round_trip_and_update() {
    let (_dir, mut store) = fresh_store();
    let created = store.create_account(draft("Boutique Marie")).unwrap();
    assert_eq!(created.vinted_base_url, "https://www.vinted.fr");
    assert_eq!(created.proxy.as_ref().unwrap().host, "127.0.0.1");
    assert_eq!(store.account(&created.id).unwrap(), created);

    let mut changed = draft("Boutique Marie DE");
    changed.vinted_base_url = "https://www.vinted.de".into();
    changed.proxy = None;
    let updated = store.update_account(&created.id, changed).unwrap();
    assert_eq!(updated.vinted_base_url, "https://www.vinted.de");
    assert_eq!(updated.proxy, None);
    assert_eq!(store.accounts().unwrap(), vec![updated]);
}

#[test]
fn session_state_stamps_the_start_once() {
    let (_dir, mut store) = fresh_store();
    let id = store.create_account(draft("A")).unwrap().id;
    store.set_account_session_state(&id, true, false).unwrap();
    let started = store.account(&id).unwrap();
    assert!(started.is_running && !started.is_connected);
    let first_start = started.last_session_start.clone().expect("stamped");
    store.set_account_session_state(&id, true, true).unwrap();
    let connected = store.account(&id).unwrap();
    assert!(connected.is_connected);
    assert_eq!(connected.last_session_start, Some(first_start));
}

#[test]
fn a_fingerprint_is_kept_until_the_account_moves_to_another_domain() {
    let (_dir, mut store) = fresh_store();
    let id = store.create_account(draft("A")).unwrap().id;
    assert_eq!(store.account_fingerprint(&id).unwrap(), None);
    let chosen = BrowserFingerprint {
        user_agent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.0.0".into(),
        locale: "fr-FR".into(),
        timezone: "Europe/Paris".into(),
    };
    store.set_account_fingerprint(&id, &chosen).unwrap();
    let mut renamed = draft("A renamed");
    renamed.vinted_base_url = "https://www.vinted.fr".into();
    store.update_account(&id, renamed).unwrap();
    assert_eq!(store.account_fingerprint(&id).unwrap(), Some(chosen));

    let mut moved = draft("A");
    moved.vinted_base_url = "https://www.vinted.de".into();
    store.update_account(&id, moved).unwrap();
    assert_eq!(store.account_fingerprint(&id).unwrap(), None);
    assert!(matches!(
        store.account_fingerprint("missing"),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn start_up_forgets_sessions_recorded_as_running() {
    let (_dir, mut store) = fresh_store();
    let id = store.create_account(draft("A")).unwrap().id;
    store.set_account_session_state(&id, true, true).unwrap();
    store.reset_session_states().unwrap();
    let account = store.account(&id).unwrap();
    assert!(!account.is_running && !account.is_connected);
    assert!(
        account.last_session_start.is_some(),
        "the last start stays on record"
    );
}

#[test]
fn deleting_an_account_keeps_its_orders_but_unlinks_them() {
    let (_dir, mut store) = fresh_store();
    let id = store.create_account(draft("A")).unwrap().id;
    store
        .connection()
        .execute(
            "INSERT INTO seller_orders (id, order_id, order_type, source, seller_account_id, title, price, quantity)
             VALUES ('o1', 'V-1', 'sale', 'vinted', ?1, 'Robe', 1500, 1)",
            [&id],
        )
        .unwrap();
    store.delete_account(&id).unwrap();
    let account: Option<String> = store
        .connection()
        .query_row(
            "SELECT seller_account_id FROM seller_orders WHERE id = 'o1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(account, None, "the sale stays in the books");
    assert!(matches!(
        store.account(&id),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn an_account_without_a_name_or_with_a_bad_url_is_refused() {
    let (_dir, mut store) = fresh_store();
    let mut bad = draft("  ");
    bad.vinted_base_url = "vinted.fr".into();
    let Err(StoreError::Validation(fields)) = store.create_account(bad) else {
        panic!()
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["name", "vintedBaseUrl"]);
}

#[test]
fn secret_references_are_recorded_and_only_keyring_ones() {
    let (_dir, mut store) = fresh_store();
    let id = store.create_account(draft("A")).unwrap().id;
    let fresh = store.account(&id).unwrap();
    assert!(!fresh.has_vinted_password && !fresh.has_proxy_password && !fresh.has_vnc_password);

    let reference = format!("keyring:seller-panel/{id}/proxy");
    store
        .set_account_secret_ref(&id, AccountSecret::Proxy, Some(&reference))
        .unwrap();
    store
        .set_account_secret_ref(
            &id,
            AccountSecret::Vnc,
            Some(&format!("keyring:seller-panel/{id}/vnc")),
        )
        .unwrap();
    let saved = store.account(&id).unwrap();
    assert!(!saved.has_vinted_password && saved.has_proxy_password && saved.has_vnc_password);
    assert_eq!(store.accounts().unwrap(), vec![saved]);

    // A password itself is refused, by the store and by the schema's CHECK under it.
    let Err(StoreError::Validation(fields)) =
        store.set_account_secret_ref(&id, AccountSecret::Vinted, Some("hunter2"))
    else {
        panic!("a plain password was accepted")
    };
    assert_eq!(fields[0].field, "secretReference");
    for column in ["password_hash", "proxy_password", "vnc_password"] {
        let raw = store.connection().execute(
            &format!("UPDATE seller_accounts SET {column} = 'hunter2' WHERE id = ?1"),
            [&id],
        );
        assert!(raw.is_err(), "{column} took a plain password");
    }
    assert!(!store.account(&id).unwrap().has_vinted_password);

    store
        .set_account_secret_ref(&id, AccountSecret::Proxy, None)
        .unwrap();
    let cleared = store.account(&id).unwrap();
    assert!(!cleared.has_proxy_password && cleared.has_vnc_password);

    assert!(matches!(
        store.set_account_secret_ref("nope", AccountSecret::Vnc, None),
        Err(StoreError::NotFound { .. })
    ));
}
