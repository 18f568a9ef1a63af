//! "Test the proxy": reach the address echo through the proxy as typed in the account form, and
//! say the exit address and the latency, or exactly what failed.

use std::time::Duration;

use seller_automation::proxy::{self as automation_proxy, ProxyKind, Upstream};
use seller_secrets::{SecretKind, SecretStore};
use seller_store::accounts::ProxyType;
use seller_store::{FieldError, FieldErrorCode};
use serde::{Deserialize, Serialize};

use crate::accounts::{SecretInput, refuse_while_awaiting};
use crate::{Error, StoreAccess, blocking};

/// The app setting naming the address echo "test the proxy" asks, through the proxy, for the
/// address it sees.
pub const PROXY_ECHO_URL_KEY: &str = "proxy_echo_url";
/// Answers the bare IP address over plain HTTP.
pub const DEFAULT_PROXY_ECHO_URL: &str = "http://api.ipify.org";
/// How long a proxy test may take in all (connection, authentication, the echo's answer).
pub const PROXY_TEST_TIMEOUT: Duration = Duration::from_secs(15);

/// The proxy as typed in the account form (not saved yet), and its password as the form has it.
#[derive(Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ProxyTestResult {
    /// The address the echo saw: the proxy's exit address.
    pub exit_ip: String,
    /// The round trip of the echo's request through the proxy.
    pub latency_ms: u32,
}

/// The address echo setting (advanced).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ProxySettings {
    /// The echo in use: the one chosen, else the default.
    pub echo_url: String,
    pub default_echo_url: String,
}

/// Saves the address echo; an empty URL goes back to the default. Only `http://` URLs: the
/// proxy test reads the echo's answer itself, without TLS.
pub async fn save_proxy_settings<S: StoreAccess>(
    store: &S,
    echo_url: &str,
) -> Result<ProxySettings, S::Error> {
    let url = echo_url.trim().to_owned();
    if !url.is_empty() && !automation_proxy::is_valid_echo_url(&url) {
        return Err(Error::Invalid {
            message: format!("{url:?} is not an http:// URL"),
            fields: vec![FieldError::new("echoUrl", FieldErrorCode::Invalid)],
        }
        .into());
    }
    store
        .with_store(move |store| Ok(store.set_setting(PROXY_ECHO_URL_KEY, &url)?))
        .await?;
    proxy_settings(store).await
}

pub async fn proxy_settings<S: StoreAccess>(store: &S) -> Result<ProxySettings, S::Error> {
    let stored = store
        .with_store(|store| Ok(store.setting(PROXY_ECHO_URL_KEY)?))
        .await?;
    Ok(ProxySettings {
        echo_url: stored
            .filter(|url| !url.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_PROXY_ECHO_URL.to_owned()),
        default_echo_url: DEFAULT_PROXY_ECHO_URL.to_owned(),
    })
}

pub fn proxy_kind(kind: ProxyType) -> ProxyKind {
    match kind {
        ProxyType::Http => ProxyKind::Http,
        ProxyType::Https => ProxyKind::Https,
        ProxyType::Socks5 => ProxyKind::Socks5,
    }
}

/// Reaches the address echo through the proxy as typed and says the exit address and the
/// latency, or exactly what failed. Nothing is saved; the password is neither logged nor
/// returned.
pub async fn test_proxy_with<S: StoreAccess, K: SecretStore>(
    store: &S,
    keyring: &K,
    input: ProxyTestInput,
    timeout: Duration,
) -> Result<ProxyTestResult, S::Error> {
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
        return Err(Error::Invalid {
            message: "no proxy host or port to test".to_owned(),
            fields: errors,
        }
        .into());
    }
    let user = user.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
    let password = match (password, account_id) {
        (SecretInput::Set { value }, _) => Some(value),
        (SecretInput::Clear, _) | (SecretInput::Keep, None) => None,
        (SecretInput::Keep, Some(id)) => {
            // The stored password goes to no proxy changed elsewhere and not confirmed here,
            // not even for a test (the form shows the synced host).
            let account_id = id.clone();
            store
                .with_store(move |store| refuse_while_awaiting(store, &account_id))
                .await?;
            let keyring = keyring.clone();
            blocking(move || keyring.get(&id, SecretKind::Proxy))
                .await?
                .map_err(Error::from)?
        }
    };
    let echo_url = proxy_settings(store).await?.echo_url;
    let upstream = Upstream {
        kind: proxy_kind(kind),
        host,
        port,
        user,
        password,
    };
    let found = automation_proxy::check(&upstream, &echo_url, timeout)
        .await
        .map_err(Error::from)?;
    Ok(ProxyTestResult {
        exit_ip: found.exit_ip,
        latency_ms: found.latency_ms,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use seller_automation::proxy::ProxyError;
    use seller_secrets::Secret;
    use seller_store::raw::RawSql;

    use super::*;
    use crate::accounts::tests::{secrets, set};
    use crate::accounts::{
        awaiting_proxy_confirmation, confirm_proxy, create, refuse_unconfirmed_proxy,
    };
    use crate::testing::*;

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

    fn field_names(err: &Error) -> Vec<&str> {
        match err {
            Error::Invalid { fields, .. } => fields.iter().map(|f| f.field.as_str()).collect(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn the_proxy_test_uses_the_password_as_the_form_has_it() {
        block_on(async {
            let (_dir, state) = store();
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
                assert!(
                    matches!(err, Error::Proxy(ProxyError::AuthRejected)),
                    "{err:?}"
                );
                let printed = format!("{err:?} {err}");
                assert!(!printed.contains("Wrong-Proxy-Pw") && !printed.contains("Saved-Proxy-Pw"));
            }
            assert_eq!(targets.lock().unwrap().len(), 6);
        });
    }

    #[test]
    fn the_proxy_test_names_what_failed() {
        block_on(async {
            let (_dir, state) = store();
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
            assert!(
                matches!(err, Error::Proxy(ProxyError::Unreachable { .. })),
                "{err:?}"
            );

            // An https proxy is reached over TLS: a closed port is just as unreachable.
            let mut https = proxy_input(closed, SecretInput::Clear, None);
            https.kind = ProxyType::Https;
            let err = test(https).await.unwrap_err();
            assert!(
                matches!(err, Error::Proxy(ProxyError::Unreachable { .. })),
                "{err:?}"
            );

            let mut no_host = proxy_input(0, SecretInput::Clear, None);
            no_host.host = "  ".into();
            let err = test(no_host).await.unwrap_err();
            assert_eq!(field_names(&err), ["proxyHost", "proxyPort"]);
        });
    }

    #[test]
    fn the_address_echo_must_be_an_http_url() {
        block_on(async {
            let (_dir, state) = store();
            for bad in [
                "https://api.ipify.org",
                "api.ipify.org",
                "http://user:pw@host/",
            ] {
                let err = save_proxy_settings(&state, bad).await.unwrap_err();
                assert_eq!(field_names(&err), ["echoUrl"], "{bad}");
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
    /// Another device points the account at another proxy host: the session start refuses to
    /// send the stored proxy password until the person confirms the proxy here.
    #[test]
    fn a_proxy_changed_on_another_device_waits_for_confirmation() {
        use seller_sync::hlc::{Hlc, wall_ms_now};
        use seller_sync::merge::{Batch, Cell, RowChange, merge};
        block_on(async {
            let (_dir, state) = store();
            let keyring = FakeKeyring::default();
            let account = create(
                &state,
                &keyring,
                draft("Marie"),
                secrets(SecretInput::Keep, set("proxy-pw"), SecretInput::Keep),
            )
            .await
            .unwrap();
            let capture = state.capture.clone();
            let id = account.id.clone();
            let starts = |state: &TestStore| {
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
            assert!(
                matches!(refused, Error::ProxyNeedsConfirmation),
                "{refused:?}"
            );
            // Nor does "test the proxy" send the stored password there.
            let test = ProxyTestInput {
                kind: ProxyType::Http,
                host: "127.0.0.1".into(),
                port: 9,
                user: Some("marie".into()),
                password: SecretInput::Keep,
                account_id: Some(account.id.clone()),
            };
            let refused = test_proxy_with(&state, &keyring, test, Duration::from_secs(1))
                .await
                .unwrap_err();
            assert!(
                matches!(refused, Error::ProxyNeedsConfirmation),
                "{refused:?}"
            );
            let awaiting = awaiting_proxy_confirmation(&state).await.unwrap();
            assert_eq!(awaiting.len(), 1);
            assert_eq!(awaiting[0].columns, vec!["proxy_host"]);
            let still = confirm_proxy(&state, account.id.clone()).await.unwrap();
            assert!(still.is_empty());
            assert!(starts(&state).await.is_ok());
            assert!(
                awaiting_proxy_confirmation(&state)
                    .await
                    .unwrap()
                    .is_empty()
            );
        });
    }
}
