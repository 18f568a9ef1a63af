//! Reaching a target through the upstream proxy, with errors precise enough to tell the user
//! what is wrong.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_socks::tcp::Socks5Stream;
use zeroize::Zeroizing;

use super::head::{HeadError, parse_response, read_head};
use super::{ProxyError, ProxyKind, Upstream, authority};

/// The connection to the proxy itself: plain TCP, or TLS for an `https` proxy.
#[derive(Debug)]
enum Transport {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

macro_rules! delegate {
    ($self:ident, $stream:ident => $call:expr) => {
        match &mut *$self {
            Transport::Plain($stream) => $call,
            Transport::Tls($stream) => $call,
        }
    };
}

impl AsyncRead for Transport {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        delegate!(self, s => Pin::new(s).poll_read(cx, buf))
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        delegate!(self, s => Pin::new(s).poll_write(cx, buf))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        delegate!(self, s => Pin::new(s).poll_flush(cx))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        delegate!(self, s => Pin::new(s).poll_shutdown(cx))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        delegate!(self, s => Pin::new(s).poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Transport::Plain(s) => s.is_write_vectored(),
            Transport::Tls(s) => s.is_write_vectored(),
        }
    }
}

/// A connection to the target through the proxy. Reads first return any bytes the proxy sent
/// right after its answer, then the stream's.
#[derive(Debug)]
pub struct Tunnel {
    stream: Transport,
    pending: Vec<u8>,
    pos: usize,
}

impl Tunnel {
    fn new(stream: Transport, pending: Vec<u8>) -> Self {
        Self {
            stream,
            pending,
            pos: 0,
        }
    }
}

impl AsyncRead for Tunnel {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.pos < this.pending.len() {
            let n = buf.remaining().min(this.pending.len() - this.pos);
            buf.put_slice(&this.pending[this.pos..this.pos + n]);
            this.pos += n;
            if this.pos == this.pending.len() {
                this.pending = Vec::new();
                this.pos = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Tunnel {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// Opens a connection to `target_host:target_port` through `upstream`, within `timeout` (TCP
/// connection, proxy handshake and authentication together).
///
/// HTTP: `CONNECT` with `Proxy-Authorization: Basic` when a user is set. HTTPS: the same inside
/// TLS to the proxy, whose certificate must be valid for its host name or address (checked
/// against the system's trusted roots, which `SSL_CERT_FILE` / `SSL_CERT_DIR` can extend as for
/// other programs). SOCKS5: the host name is sent to the proxy (no local DNS).
pub async fn connect(
    upstream: &Upstream,
    target_host: &str,
    target_port: u16,
    timeout: Duration,
) -> Result<Tunnel, ProxyError> {
    let result =
        tokio::time::timeout(timeout, connect_untimed(upstream, target_host, target_port)).await;
    let result = result.unwrap_or(Err(ProxyError::Timeout));
    match &result {
        Ok(_) => {
            tracing::debug!(target_host, target_port, kind = %upstream.kind, "tunnel through the proxy opened")
        }
        Err(error) => {
            tracing::debug!(target_host, target_port, kind = %upstream.kind, %error, "tunnel through the proxy failed")
        }
    }
    result
}

pub(crate) async fn connect_untimed(
    upstream: &Upstream,
    target_host: &str,
    target_port: u16,
) -> Result<Tunnel, ProxyError> {
    if target_host.is_empty()
        || target_host.bytes().any(|b| !b.is_ascii_graphic())
        || target_port == 0
    {
        return Err(ProxyError::InvalidTarget {
            detail: format!("{target_host:?} port {target_port}"),
        });
    }
    match upstream.kind {
        ProxyKind::Https => {
            let stream = tls_connect(upstream).await?;
            http_connect(stream, upstream, target_host, target_port).await
        }
        ProxyKind::Http => {
            let stream = Transport::Plain(tcp_connect(upstream).await?);
            http_connect(stream, upstream, target_host, target_port).await
        }
        ProxyKind::Socks5 => {
            let stream = tcp_connect(upstream).await?;
            socks5_connect(stream, upstream, target_host, target_port).await
        }
    }
}

/// TLS to an `https` proxy, on top of [`tcp_connect`].
async fn tls_connect(upstream: &Upstream) -> Result<Transport, ProxyError> {
    let host = upstream.bare_host().to_owned();
    let name =
        rustls_pki_types::ServerName::try_from(host.clone()).map_err(|_| ProxyError::Tls {
            detail: format!("{host:?} is not a host name or address"),
        })?;
    let config = tls_config()?;
    let tcp = tcp_connect(upstream).await?;
    let tls = tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .map_err(|e| classify_tls_error(&e))?;
    Ok(Transport::Tls(Box::new(tls)))
}

/// One client configuration for every TLS proxy: the system's trusted roots, read once.
fn tls_config() -> Result<Arc<rustls::ClientConfig>, ProxyError> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            for error in &found.errors {
                tracing::warn!(%error, "a system certificate could not be read");
            }
            let (added, _ignored) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err("no trusted root certificate found on this system".to_owned());
            }
            // ring rather than aws-lc-rs: no heavy C build. It lacks post-quantum key exchange,
            // which matters little on this hop: the browser's own TLS runs inside the tunnel.
            #[allow(deprecated)]
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map(|builder| {
                    Arc::new(builder.with_root_certificates(roots).with_no_client_auth())
                })
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|detail| ProxyError::Tls { detail })
}

fn classify_tls_error(e: &io::Error) -> ProxyError {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(tls) => ProxyError::Tls {
            detail: tls.to_string(),
        },
        None if e.kind() == io::ErrorKind::UnexpectedEof => ProxyError::NotAProxy {
            detail: "closed the connection during the TLS handshake".into(),
        },
        None => io_error(e),
    }
}

/// A TCP connection to the proxy itself, its errors sorted into unreachable and timeout.
pub(crate) async fn tcp_connect(upstream: &Upstream) -> Result<TcpStream, ProxyError> {
    let host = upstream.bare_host();
    if host.is_empty() || upstream.port == 0 {
        return Err(ProxyError::Unreachable {
            reason: "no proxy host or port".into(),
        });
    }
    let addrs: Vec<_> = tokio::net::lookup_host((host, upstream.port))
        .await
        .map_err(|e| ProxyError::Unreachable {
            reason: format!("cannot resolve {host}: {e}"),
        })?
        .collect();
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        None => ProxyError::Unreachable {
            reason: format!("{host} has no address"),
        },
        Some(e) => classify_connect_error(&e),
    })
}

fn classify_connect_error(e: &io::Error) -> ProxyError {
    let reason = match e.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
        io::ErrorKind::NetworkUnreachable => "network unreachable".to_owned(),
        io::ErrorKind::HostUnreachable => "host unreachable".to_owned(),
        io::ErrorKind::TimedOut => return ProxyError::Timeout,
        _ => e.to_string(),
    };
    ProxyError::Unreachable { reason }
}

pub(crate) fn io_error(e: &io::Error) -> ProxyError {
    ProxyError::Io {
        detail: e.to_string(),
    }
}

/// `Basic base64(user:password)` when a user is set.
pub(crate) fn basic_credentials(upstream: &Upstream) -> Option<Zeroizing<String>> {
    let user = upstream.user.as_deref()?;
    let password = upstream
        .password
        .as_ref()
        .map(|p| p.expose())
        .unwrap_or_default();
    let plain = Zeroizing::new(format!("{user}:{password}"));
    Some(Zeroizing::new(
        base64::engine::general_purpose::STANDARD.encode(plain.as_bytes()),
    ))
}

/// Sorts a failure to read an HTTP proxy's answer.
pub(crate) fn classify_head_error(e: HeadError) -> ProxyError {
    match e {
        HeadError::TooLarge => ProxyError::NotAProxy {
            detail: "answer head larger than 64 KiB".into(),
        },
        HeadError::Closed { read: 0 } => ProxyError::NotAProxy {
            detail: "closed the connection without answering".into(),
        },
        HeadError::Closed { .. } => ProxyError::NotAProxy {
            detail: "closed the connection mid-answer".into(),
        },
        HeadError::WrongPrefix => ProxyError::NotAProxy {
            detail: "the answer is not HTTP/1.x".into(),
        },
        HeadError::Io(e) => io_error(&e),
    }
}

async fn http_connect(
    mut stream: Transport,
    upstream: &Upstream,
    host: &str,
    port: u16,
) -> Result<Tunnel, ProxyError> {
    let target = authority(host, port);
    let mut request = Zeroizing::new(format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n"));
    if let Some(credentials) = basic_credentials(upstream) {
        request.push_str("Proxy-Authorization: Basic ");
        request.push_str(&credentials);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| io_error(&e))?;
    drop(request);

    let head = read_head(&mut stream, Some(b"HTTP/1."))
        .await
        .map_err(classify_head_error)?;
    let Some(response) = parse_response(head.head()) else {
        return Err(ProxyError::NotAProxy {
            detail: "malformed answer to CONNECT".into(),
        });
    };
    match response.status {
        200..=299 => Ok(Tunnel::new(stream, head.rest().to_vec())),
        401 | 407 => Err(ProxyError::AuthRejected),
        400 | 405 | 501 => Err(ProxyError::NotAProxy {
            detail: format!("answered HTTP {} to CONNECT", response.status),
        }),
        status => Err(ProxyError::TargetRefused { status }),
    }
}

async fn socks5_connect(
    stream: TcpStream,
    upstream: &Upstream,
    host: &str,
    port: u16,
) -> Result<Tunnel, ProxyError> {
    // A host name is sent as a SOCKS5 domain address: the proxy resolves it.
    let target = (host, port);
    let result = match upstream.user.as_deref() {
        Some(user) => {
            let password = upstream
                .password
                .as_ref()
                .map(|p| p.expose())
                .unwrap_or_default();
            Socks5Stream::connect_with_password_and_socket(stream, target, user, password).await
        }
        None => Socks5Stream::connect_with_socket(stream, target).await,
    };
    match result {
        Ok(stream) => Ok(Tunnel::new(
            Transport::Plain(stream.into_inner()),
            Vec::new(),
        )),
        Err(e) => Err(classify_socks_error(e)),
    }
}

fn classify_socks_error(e: tokio_socks::Error) -> ProxyError {
    use tokio_socks::Error as E;
    let refused = |status| ProxyError::TargetRefused { status };
    match e {
        E::NoAcceptableAuthMethods | E::PasswordAuthFailure(_) | E::AuthorizationRequired => {
            ProxyError::AuthRejected
        }
        E::InvalidResponseVersion => ProxyError::NotAProxy {
            detail: "not a SOCKS5 answer".into(),
        },
        E::InvalidReservedByte | E::UnknownAddressType | E::UnknownAuthMethod => {
            ProxyError::NotAProxy {
                detail: format!("malformed SOCKS5 answer: {e}"),
            }
        }
        E::GeneralSocksServerFailure => refused(1),
        E::ConnectionNotAllowedByRuleset => refused(2),
        E::NetworkUnreachable => refused(3),
        E::HostUnreachable => refused(4),
        E::ConnectionRefused => refused(5),
        E::TtlExpired => refused(6),
        E::CommandNotSupported => refused(7),
        E::AddressTypeNotSupported => refused(8),
        E::InvalidAuthValues(what) => ProxyError::Unsupported {
            what: format!("SOCKS5 credentials: {what}"),
        },
        E::InvalidTargetAddress(what) => ProxyError::InvalidTarget {
            detail: what.into(),
        },
        E::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => ProxyError::NotAProxy {
            detail: "closed the connection during the SOCKS5 handshake".into(),
        },
        E::Io(e) => io_error(&e),
        E::ProxyServerUnreachable => ProxyError::Unreachable {
            reason: "proxy server unreachable".into(),
        },
        other => ProxyError::Io {
            detail: other.to_string(),
        },
    }
}
