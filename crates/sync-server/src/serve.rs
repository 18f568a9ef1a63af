//! Serving the API: plain HTTP on loopback (or wherever the operator insists), HTTPS with
//! rustls when given a certificate and key.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tower::Service;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "{0} is not a loopback address: serve HTTPS (--tls-cert and --tls-key) or pass --allow-plain-http"
    )]
    PlainHttpOffLoopback(SocketAddr),
    #[error("reading the TLS certificate or key {path}: {message}")]
    Tls { path: String, message: String },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Refuses plain HTTP on a non-loopback address unless the operator said so.
pub fn check_plain_http(addr: SocketAddr, allow: bool) -> Result<(), ServeError> {
    if addr.ip().is_loopback() || allow {
        Ok(())
    } else {
        Err(ServeError::PlainHttpOffLoopback(addr))
    }
}

/// A TLS acceptor from PEM files.
pub fn tls_acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, ServeError> {
    let tls_err = |path: &Path, message: String| ServeError::Tls {
        path: path.display().to_string(),
        message,
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| tls_err(cert, e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| tls_err(cert, e.to_string()))?;
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| tls_err(key, e.to_string()))?;
    #[allow(deprecated)] // ring: no cmake/NASM toolchain needed, as for the proxies' TLS.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_err(cert, e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key_der)
        .map_err(|e| tls_err(cert, e.to_string()))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// How long each stage of a connection may take.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// From the connection's start, or the end of the previous response, to the end of the next
    /// request's headers: hyper starts this clock whenever it waits for a request, so it is
    /// both the header-read timeout (a client trickling headers) and the idle timeout of a
    /// kept-alive connection. A long poll is not idle: the clock stops while a request is
    /// being answered.
    pub header_read: Duration,
    /// The TLS handshake.
    pub tls_handshake: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            header_read: Duration::from_secs(30),
            tls_handshake: Duration::from_secs(10),
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, with the default [`Timeouts`].
pub async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<TlsAcceptor>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, app, tls, Timeouts::default(), shutdown).await
}

/// Serves `app` on `listener` until `shutdown` resolves: one accept loop for plain HTTP and
/// HTTPS, each connection on its own task with the same timeouts. An accept that fails (too
/// many open files, most often) is logged and retried after a short pause that grows while it
/// keeps failing: the server never stops for it.
pub async fn serve_with(
    listener: TcpListener,
    app: Router,
    tls: Option<TlsAcceptor>,
    timeouts: Timeouts,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    tokio::pin!(shutdown);
    let mut pause = ACCEPT_PAUSE_MIN;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => return Ok(()),
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => {
                pause = ACCEPT_PAUSE_MIN;
                accepted
            }
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                tracing::warn!(error = %e, pause_ms = pause.as_millis() as u64, "accept failed");
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    () = &mut shutdown => return Ok(()),
                }
                pause = (pause * 2).min(ACCEPT_PAUSE_MAX);
                continue;
            }
        };
        tokio::spawn(serve_connection(
            stream,
            peer,
            app.clone(),
            tls.clone(),
            timeouts,
        ));
    }
}

const ACCEPT_PAUSE_MIN: Duration = Duration::from_millis(10);
const ACCEPT_PAUSE_MAX: Duration = Duration::from_secs(1);

/// Errors of one incoming connection (it went away before it was accepted), not of the listener.
fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    )
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    tls: Option<TlsAcceptor>,
    timeouts: Timeouts,
) {
    let _ = stream.set_nodelay(true);
    // The handlers read the client's address as axum's `ConnectInfo` (sign-in throttling).
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        let mut app = app.clone();
        async move { app.call(request).await }
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(timeouts.header_read);
    let served = match tls {
        None => http.serve_connection(TokioIo::new(stream), service).await,
        Some(tls) => {
            let stream =
                match tokio::time::timeout(timeouts.tls_handshake, tls.accept(stream)).await {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(e)) => {
                        tracing::debug!(%peer, error = %e, "TLS handshake failed");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!(%peer, "TLS handshake timed out");
                        return;
                    }
                };
            http.serve_connection(TokioIo::new(stream), service).await
        }
    };
    if let Err(e) = served {
        tracing::debug!(%peer, error = %e, "connection ended");
    }
}
