//! An account's upstream proxy: reaching targets through it, checking it, and the local forwarder
//! the account's browser uses.
//!
//! Chromium takes no proxy credentials on its command line and would open a login dialog (which
//! WebDriver cannot see) on a 407. So each session runs a [`Forwarder`] on `127.0.0.1:<port>`
//! that the browser uses without credentials; the forwarder adds them on its way to the upstream
//! proxy. Credentials never appear in a log line, an error or a `Debug` print.

mod check;
mod forwarder;
mod head;
mod upstream;

use std::fmt;

use seller_secrets::Secret;

pub use check::{ProxyCheck, check, is_valid_echo_url};
pub use forwarder::{Forwarder, UPSTREAM_TIMEOUT};
pub use upstream::{Tunnel, connect};

/// How the upstream proxy is spoken to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProxyKind {
    /// An HTTP proxy: `CONNECT` tunnels and absolute-form requests, Basic authentication.
    Http,
    /// An HTTP proxy reached over TLS, its certificate checked against the system's trusted
    /// roots; then the same as [`ProxyKind::Http`] inside the TLS connection.
    Https,
    /// A SOCKS5 proxy, with or without user name and password (RFC 1929). Target host names are
    /// sent to the proxy, never resolved locally.
    Socks5,
}

impl ProxyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyKind::Http => "http",
            ProxyKind::Https => "https",
            ProxyKind::Socks5 => "socks5",
        }
    }
}

impl fmt::Display for ProxyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An account's upstream proxy. `Debug` prints the password as `<redacted>`.
#[derive(Debug, Clone)]
pub struct Upstream {
    pub kind: ProxyKind,
    /// Host name or IP address (an IPv6 address with or without brackets).
    pub host: String,
    pub port: u16,
    /// Credentials are sent only when a user is set; a missing password is sent as empty.
    pub user: Option<String>,
    pub password: Option<Secret>,
}

impl Upstream {
    pub fn new(kind: ProxyKind, host: impl Into<String>, port: u16) -> Self {
        Self {
            kind,
            host: host.into(),
            port,
            user: None,
            password: None,
        }
    }

    pub fn with_credentials(mut self, user: impl Into<String>, password: Secret) -> Self {
        self.user = Some(user.into());
        self.password = Some(password);
        self
    }

    /// The host without the brackets of an IPv6 literal, for resolving.
    pub(crate) fn bare_host(&self) -> &str {
        self.host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(&self.host)
    }
}

/// Why a proxy could not be used. No variant carries a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyError {
    /// HTTP 401 or 407 from the proxy, or a SOCKS5 password failure / no acceptable method.
    #[error("the proxy refused the user name or password")]
    AuthRejected,
    /// Connection refused, DNS failure, network or host unreachable.
    #[error("the proxy cannot be reached: {reason}")]
    Unreachable { reason: String },
    #[error("the proxy did not answer in time")]
    Timeout,
    /// The server answered, but not as a proxy of the configured kind: no `HTTP/1.x` answer to
    /// `CONNECT`, or 400/405/501 to it; a SOCKS version other than 5; closed without answering.
    #[error("the server does not answer as a proxy of this kind ({detail})")]
    NotAProxy { detail: String },
    /// The proxy answered but could not (or would not) reach the target. For HTTP the status of
    /// the answer to `CONNECT`; for SOCKS5 the reply code (1 general failure, 2 not allowed by
    /// ruleset, 3 network unreachable, 4 host unreachable, 5 connection refused, 6 TTL expired,
    /// 7 command not supported, 8 address type not supported).
    #[error("the proxy could not reach the target (status {status})")]
    TargetRefused { status: u16 },
    /// An `https` proxy whose TLS failed: a certificate not trusted or not valid for the proxy's
    /// name, or no common protocol.
    #[error("TLS to the proxy failed: {detail}")]
    Tls { detail: String },
    /// A configuration this crate cannot use: SOCKS5 credentials longer than 255 bytes or an
    /// empty SOCKS5 password.
    #[error("not supported: {what}")]
    Unsupported { what: String },
    /// A target or URL that cannot be used (not `http://`, no host, bad port).
    #[error("invalid target: {detail}")]
    InvalidTarget { detail: String },
    /// The connection failed in the middle of the conversation (reset, broken pipe).
    #[error("the connection through the proxy failed: {detail}")]
    Io { detail: String },
    /// [`check`]: the address echo answered something else than `2xx` with an IP address.
    #[error("the address echo gave an unusable answer: {detail}")]
    EchoFailed { detail: String },
}

impl ProxyError {
    /// A stable code for the UI to translate.
    pub fn code(&self) -> &'static str {
        match self {
            ProxyError::AuthRejected => "proxy_auth_rejected",
            ProxyError::Unreachable { .. } => "proxy_unreachable",
            ProxyError::Timeout => "proxy_timeout",
            ProxyError::NotAProxy { .. } => "proxy_not_a_proxy",
            ProxyError::TargetRefused { .. } => "proxy_target_refused",
            ProxyError::Tls { .. } => "proxy_tls",
            ProxyError::Unsupported { .. } => "proxy_unsupported",
            ProxyError::InvalidTarget { .. } => "proxy_invalid_target",
            ProxyError::Io { .. } => "proxy_io",
            ProxyError::EchoFailed { .. } => "proxy_echo_failed",
        }
    }
}

/// `host:port` as written in a request line or `Host` header (IPv6 literals in brackets).
pub(crate) fn authority(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Splits `host:port` (authority-form, as in `CONNECT`), or `host` with `default_port` when
/// given. IPv6 literals must be in brackets; the returned host has none. The host is checked to
/// hold no whitespace, control character, `@` or `/`.
pub(crate) fn split_authority(authority: &str, default_port: Option<u16>) -> Option<(String, u16)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) if !host.contains(':') => (host, Some(port)),
            Some(_) => return None,
            None => (authority, None),
        }
    };
    let port = match port {
        Some(p) => p.parse::<u16>().ok().filter(|p| *p != 0)?,
        None => default_port?,
    };
    let ok = !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'@' | b'/' | b'\\' | b'[' | b']'));
    ok.then(|| (host.to_ascii_lowercase(), port))
}

/// An absolute `http://` URL split into host, port and origin-form path (with query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpUrl {
    pub host: String,
    pub port: u16,
    pub path: String,
}

pub(crate) fn parse_http_url(url: &str) -> Option<HttpUrl> {
    let scheme_end = url.find("://")?;
    if !url[..scheme_end].eq_ignore_ascii_case("http") {
        return None;
    }
    let rest = &url[scheme_end + 3..];
    let rest = rest.split('#').next().unwrap_or_default();
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (host, port) = split_authority(&rest[..end], Some(80))?;
    let path = match &rest[end..] {
        "" => "/".to_owned(),
        p if p.starts_with('?') => format!("/{p}"),
        p => p.to_owned(),
    };
    if path.bytes().any(|b| !b.is_ascii_graphic()) {
        return None;
    }
    Some(HttpUrl { host, port, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorities() {
        assert_eq!(
            split_authority("example.com:443", None),
            Some(("example.com".into(), 443))
        );
        assert_eq!(
            split_authority("Example.COM", Some(80)),
            Some(("example.com".into(), 80))
        );
        assert_eq!(
            split_authority("[::1]:8080", None),
            Some(("::1".into(), 8080))
        );
        assert_eq!(split_authority("[::1]", Some(80)), Some(("::1".into(), 80)));
        assert_eq!(split_authority("example.com", None), None);
        assert_eq!(split_authority("::1:80", None), None);
        assert_eq!(split_authority("a b:80", None), None);
        assert_eq!(split_authority("user@host:80", None), None);
        assert_eq!(split_authority("host:0", None), None);
        assert_eq!(split_authority("host:99999", None), None);
        assert_eq!(split_authority(":80", None), None);
        assert_eq!(authority("::1", 80), "[::1]:80");
        assert_eq!(authority("h", 80), "h:80");
    }

    #[test]
    fn urls() {
        let u = parse_http_url("HTTP://Host:8080/a/b?c=d#frag").unwrap();
        assert_eq!(
            u,
            HttpUrl {
                host: "host".into(),
                port: 8080,
                path: "/a/b?c=d".into()
            }
        );
        assert_eq!(parse_http_url("http://h").unwrap().path, "/");
        assert_eq!(parse_http_url("http://h?x").unwrap().path, "/?x");
        assert_eq!(parse_http_url("http://h").unwrap().port, 80);
        assert_eq!(parse_http_url("http://[::1]:81/").unwrap().host, "::1");
        assert!(parse_http_url("https://h/").is_none());
        assert!(parse_http_url("http:///x").is_none());
        assert!(parse_http_url("http://u:p@h/").is_none());
        assert!(parse_http_url("/relative").is_none());
    }

    #[test]
    fn debug_hides_the_password() {
        let up = Upstream::new(ProxyKind::Http, "proxy", 3128)
            .with_credentials("user", Secret::new("hunter2"));
        let printed = format!("{up:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("<redacted>"));
    }
}
