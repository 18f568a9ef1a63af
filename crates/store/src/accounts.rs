//! Vinted seller accounts. Their secrets (Vinted, proxy and VNC passwords) never enter this
//! store: they live in the OS keyring, and the matching columns stay empty.

use rusqlite::{OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::enums::text_enum;
use crate::{FieldError, FieldErrorCode, Result, Store, StoreError, new_id, now_rfc3339};

text_enum!(ProxyType { Http = "http", Https = "https", Socks5 = "socks5" });

/// The proxy an account's browser session goes through (its password is in the keyring).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Proxy {
    pub kind: ProxyType,
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
}

/// What a user fills in for an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct AccountDraft {
    pub name: String,
    pub username: Option<String>,
    pub email: Option<String>,
    pub avatar: Option<String>,
    /// `https://www.vinted.fr`, `https://www.vinted.de`, …
    pub vinted_base_url: String,
    pub proxy: Option<Proxy>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SellerAccount {
    pub id: String,
    pub name: String,
    pub username: Option<String>,
    pub email: Option<String>,
    pub avatar: Option<String>,
    pub vinted_base_url: String,
    pub proxy: Option<Proxy>,
    pub is_connected: bool,
    pub is_running: bool,
    pub last_session_start: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Whether a secret is saved in the keyring (the secret itself never leaves it for the UI).
    pub has_vinted_password: bool,
    pub has_proxy_password: bool,
    pub has_vnc_password: bool,
}

/// What an account's browser says about itself, chosen once for its Vinted domain and reused at
/// every session so Vinted keeps seeing the same browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserFingerprint {
    pub user_agent: String,
    /// BCP 47: `fr-FR`.
    pub locale: String,
    /// IANA: `Europe/Paris`.
    pub timezone: String,
}

/// Which of an account's secrets a keyring reference points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountSecret {
    Vinted,
    Proxy,
    Vnc,
}

impl AccountSecret {
    fn column(self) -> &'static str {
        match self {
            AccountSecret::Vinted => "password_hash",
            AccountSecret::Proxy => "proxy_password",
            AccountSecret::Vnc => "vnc_password",
        }
    }
}

const COLUMNS: &str = "id, name, username, email, avatar, vinted_base_url, proxy_type, proxy_host,
    proxy_port, proxy_user, is_connected, is_running, last_session_start, created_at, updated_at,
    password_hash IS NOT NULL, proxy_password IS NOT NULL, vnc_password IS NOT NULL";

impl Store {
    pub fn create_account(&mut self, draft: AccountDraft) -> Result<SellerAccount> {
        let draft = validate(draft)?;
        let (id, now) = (new_id(), now_rfc3339());
        let proxy = draft.proxy.as_ref();
        self.conn
            .execute(
                "INSERT INTO seller_accounts (id, shop_id, name, username, email, avatar,
                    vinted_base_url, proxy_type, proxy_host, proxy_port, proxy_user,
                    created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
                rusqlite::params![
                    id,
                    self.shop_id(),
                    draft.name,
                    draft.username,
                    draft.email,
                    draft.avatar,
                    draft.vinted_base_url,
                    proxy.map(|p| p.kind),
                    proxy.map(|p| &p.host),
                    proxy.map(|p| p.port),
                    proxy.and_then(|p| p.user.as_ref()),
                    now,
                ],
            )
            .map_err(|e| StoreError::from_write(e, None))?;
        self.account(&id)
    }

    /// Saves what the user changed. Moving the account to another Vinted domain forgets its
    /// browser fingerprint, so the next session takes that domain's language and time zone.
    pub fn update_account(&mut self, id: &str, draft: AccountDraft) -> Result<SellerAccount> {
        let draft = validate(draft)?;
        let proxy = draft.proxy.as_ref();
        let changed = self.conn.execute(
            "UPDATE seller_accounts SET name = ?2, username = ?3, email = ?4, avatar = ?5,
                vinted_base_url = ?6, proxy_type = ?7, proxy_host = ?8, proxy_port = ?9,
                proxy_user = ?10, updated_at = ?11,
                user_agent = CASE WHEN vinted_base_url = ?6 THEN user_agent END,
                locale = CASE WHEN vinted_base_url = ?6 THEN locale END,
                timezone = CASE WHEN vinted_base_url = ?6 THEN timezone END
             WHERE id = ?1",
            rusqlite::params![
                id,
                draft.name,
                draft.username,
                draft.email,
                draft.avatar,
                draft.vinted_base_url,
                proxy.map(|p| p.kind),
                proxy.map(|p| &p.host),
                proxy.map(|p| p.port),
                proxy.and_then(|p| p.user.as_ref()),
                now_rfc3339(),
            ],
        )?;
        if changed == 0 {
            return Err(not_found(id));
        }
        self.account(id)
    }

    /// Records what the session supervisor sees; `started` stamps `last_session_start`.
    pub fn set_account_session_state(
        &mut self,
        id: &str,
        running: bool,
        connected: bool,
    ) -> Result<()> {
        let now = now_rfc3339();
        let changed = self.conn.execute(
            "UPDATE seller_accounts SET is_running = ?2, is_connected = ?3,
                last_session_start = CASE WHEN ?2 AND NOT is_running THEN ?4 ELSE last_session_start END,
                updated_at = ?4
             WHERE id = ?1",
            rusqlite::params![id, running, connected, now],
        )?;
        if changed == 0 {
            return Err(not_found(id));
        }
        Ok(())
    }

    /// At start-up no session runs yet, whatever an earlier run that was killed left recorded.
    pub fn reset_session_states(&mut self) -> Result<()> {
        self.conn.execute(
            "UPDATE seller_accounts SET is_running = 0, is_connected = 0
             WHERE is_running = 1 OR is_connected = 1",
            [],
        )?;
        Ok(())
    }

    /// The language, time zone and user agent chosen for the account's browser, if chosen yet.
    pub fn account_fingerprint(&self, id: &str) -> Result<Option<BrowserFingerprint>> {
        let row = self
            .conn
            .query_row(
                "SELECT user_agent, locale, timezone FROM seller_accounts WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, Option<String>>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| not_found(id))?;
        Ok(match row {
            (Some(user_agent), Some(locale), Some(timezone)) => Some(BrowserFingerprint {
                user_agent,
                locale,
                timezone,
            }),
            _ => None,
        })
    }

    pub fn set_account_fingerprint(
        &mut self,
        id: &str,
        fingerprint: &BrowserFingerprint,
    ) -> Result<()> {
        let changed = self.conn.execute(
            "UPDATE seller_accounts SET user_agent = ?2, locale = ?3, timezone = ?4 WHERE id = ?1",
            rusqlite::params![
                id,
                fingerprint.user_agent,
                fingerprint.locale,
                fingerprint.timezone
            ],
        )?;
        if changed == 0 {
            return Err(not_found(id));
        }
        Ok(())
    }

    /// Records where a secret of the account lives in the keyring (`keyring:…`), or that it has
    /// none. The store refuses anything but a keyring reference (a CHECK in the schema).
    pub fn set_account_secret_ref(
        &mut self,
        id: &str,
        secret: AccountSecret,
        reference: Option<&str>,
    ) -> Result<()> {
        if reference.is_some_and(|r| !r.starts_with("keyring:")) {
            return Err(StoreError::Validation(vec![FieldError::new(
                "secretReference",
                FieldErrorCode::Invalid,
            )]));
        }
        let changed = self.conn.execute(
            &format!(
                "UPDATE seller_accounts SET {} = ?2, updated_at = ?3 WHERE id = ?1",
                secret.column()
            ),
            rusqlite::params![id, reference, now_rfc3339()],
        )?;
        if changed == 0 {
            return Err(not_found(id));
        }
        Ok(())
    }

    pub fn delete_account(&mut self, id: &str) -> Result<()> {
        if self
            .conn
            .execute("DELETE FROM seller_accounts WHERE id = ?1", [id])?
            == 0
        {
            return Err(not_found(id));
        }
        Ok(())
    }

    pub fn account(&self, id: &str) -> Result<SellerAccount> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM seller_accounts WHERE id = ?1"),
                [id],
                account_from_row,
            )
            .optional()?
            .ok_or_else(|| not_found(id))
    }

    pub fn accounts(&self) -> Result<Vec<SellerAccount>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM seller_accounts WHERE shop_id = ?1 ORDER BY name COLLATE NOCASE, id"
        ))?;
        let rows = stmt.query_map([self.shop_id()], account_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Whether the account's proxy (or Vinted site) was changed on another device and not
    /// confirmed on this one yet: its stored proxy password must not go there. Sync records
    /// such changes in its local table `sync_proxy_changes` (docs/SYNC.md); a database where
    /// sync is not installed has none.
    pub fn proxy_awaits_confirmation(&self, account_id: &str) -> Result<bool> {
        if !proxy_changes_installed(&self.conn)? {
            return Ok(false);
        }
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM sync_proxy_changes WHERE account_id = ?1")?
            .exists([account_id])?)
    }

    /// The accounts whose proxy awaits confirmation, each with the columns changed elsewhere
    /// (`proxy_host`, `proxy_port`, `proxy_type`, `proxy_user`, `vinted_base_url`, `deleted`).
    pub fn accounts_awaiting_proxy_confirmation(&self) -> Result<Vec<(String, Vec<String>)>> {
        if !proxy_changes_installed(&self.conn)? {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare("SELECT account_id, columns FROM sync_proxy_changes ORDER BY account_id")?;
        let rows = stmt.query_map([], |r| {
            let columns: String = r.get(1)?;
            Ok((r.get(0)?, columns.split(',').map(str::to_owned).collect()))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The person confirmed the account's proxy on this device; `false` when none was awaited.
    pub fn confirm_account_proxy(&mut self, account_id: &str) -> Result<bool> {
        if !proxy_changes_installed(&self.conn)? {
            return Ok(false);
        }
        Ok(self.conn.execute(
            "DELETE FROM sync_proxy_changes WHERE account_id = ?1",
            [account_id],
        )? > 0)
    }
}

fn proxy_changes_installed(conn: &rusqlite::Connection) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sync_proxy_changes'",
    )?
    .exists([])
}

fn not_found(id: &str) -> StoreError {
    StoreError::NotFound {
        entity: "seller account",
        id: id.to_owned(),
    }
}

fn account_from_row(r: &Row<'_>) -> rusqlite::Result<SellerAccount> {
    let kind: Option<ProxyType> = r.get(6)?;
    let proxy = match kind {
        Some(kind) => Some(Proxy {
            kind,
            host: r.get(7)?,
            port: r.get(8)?,
            user: r.get(9)?,
        }),
        None => None,
    };
    Ok(SellerAccount {
        id: r.get(0)?,
        name: r.get(1)?,
        username: r.get(2)?,
        email: r.get(3)?,
        avatar: r.get(4)?,
        vinted_base_url: r.get(5)?,
        proxy,
        is_connected: r.get(10)?,
        is_running: r.get(11)?,
        last_session_start: r.get(12)?,
        created_at: r.get(13)?,
        updated_at: r.get(14)?,
        has_vinted_password: r.get(15)?,
        has_proxy_password: r.get(16)?,
        has_vnc_password: r.get(17)?,
    })
}

/// A Vinted site the sessions may open: any `https://` host (a new Vinted domain, a
/// stand-in), or plain `http://` on this machine's loopback only, where nothing travels on a
/// network. Just a scheme and a host with an optional port: no path, credentials or query.
pub fn is_site_address(url: &str) -> bool {
    let (secure, rest) = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        (None, None) => return false,
    };
    if rest.is_empty() || rest.len() > 253 || rest.contains(['/', '?', '#', '@', ' ', '\\']) {
        return false;
    }
    let (host, port) = match rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((inside, after)) => (&rest[..inside.len() + 2], after.strip_prefix(':')),
        None => match rest.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        },
    };
    if port.is_some_and(|p| p.parse::<u16>().map_or(true, |p| p == 0)) {
        return false;
    }
    let host_ok = if host.starts_with('[') {
        host[1..host.len() - 1]
            .parse::<std::net::Ipv6Addr>()
            .is_ok()
            && rest.len() == host.len() + port.map_or(0, |p| p.len() + 1)
    } else {
        !host.is_empty()
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
    };
    host_ok && (secure || is_loopback_host(host))
}

fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn validate(mut draft: AccountDraft) -> Result<AccountDraft> {
    use FieldErrorCode::*;
    let mut errors = Vec::new();
    draft.name = draft.name.trim().to_owned();
    if draft.name.is_empty() {
        errors.push(FieldError::new("name", Required));
    }
    draft.vinted_base_url = draft
        .vinted_base_url
        .trim()
        .trim_end_matches('/')
        .to_owned();
    if !is_site_address(&draft.vinted_base_url) {
        errors.push(FieldError::new("vintedBaseUrl", Invalid));
    }
    if let Some(proxy) = &mut draft.proxy {
        proxy.host = proxy.host.trim().to_owned();
        if proxy.host.is_empty() {
            errors.push(FieldError::new("proxyHost", Required));
        }
        if proxy.port == 0 {
            errors.push(FieldError::new("proxyPort", Invalid));
        }
        proxy.user = proxy
            .user
            .take()
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty());
    }
    if errors.is_empty() {
        Ok(draft)
    } else {
        Err(StoreError::Validation(errors))
    }
}

#[cfg(test)]
mod site_address_tests {
    use super::is_site_address;

    #[test]
    fn any_https_site_or_plain_http_on_loopback_only() {
        for ok in [
            "https://www.vinted.fr",
            "https://www.vinted.example",
            "https://vinted.new-domain.co:8443",
            "http://127.0.0.1:8080",
            "http://127.0.0.2",
            "http://localhost:3000",
            "http://[::1]:9000",
        ] {
            assert!(is_site_address(ok), "{ok}");
        }
        for refused in [
            "http://www.vinted.fr",
            "http://192.168.1.10:8080",
            "http://10.0.0.1",
            "ftp://www.vinted.fr",
            "www.vinted.fr",
            "https://",
            "https://user:pw@www.vinted.fr",
            "https://www.vinted.fr/path",
            "https://www.vinted.fr?x=1",
            "https://www.vinted.fr:0",
            "https://www.vinted.fr:99999",
            "https://bad host.fr",
            "https://a..b",
            "javascript:alert(1)",
        ] {
            assert!(!is_site_address(refused), "{refused}");
        }
    }
}
