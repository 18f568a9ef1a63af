//! The HTTP client of a device: sign-in, push, pull, long polls and sign-out against a sync
//! server, speaking `seller_sync_core::protocol`. https, or plain http to this computer only;
//! answers are bounded. A crate of its own, apart from the device's database, so that the
//! server's tests talk to a server as a device does without depending on the store.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use seller_sync_core::protocol::{
    ApiError, LoginRequest, LoginResponse, Me, PullResponse, PushBatch, PushRequest, PushResponse,
    SCHEMA_HEADER, WaitRequest, WaitResponse,
};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server could not be reached or the connection broke (retry later).
    #[error("the sync server cannot be reached: {0}")]
    Unreachable(String),
    /// The server refused the request and said why.
    #[error("{0}")]
    Refused(ApiError),
    /// The server answered something that is not the sync API.
    #[error("the server's answer is not understood (HTTP {status}): {detail}")]
    BadAnswer { status: u16, detail: String },
    #[error(
        "the server address {0} is not valid: give it as https://host or http://127.0.0.1:port"
    )]
    BadAddress(String),
    #[error("TLS: {0}")]
    Tls(String),
    /// Plain http to another computer: the password and the device token would cross the
    /// network readable by anyone on the way.
    #[error(
        "the server address {0} uses plain http to another computer, which would send the password and the sign-in token unencrypted: use https:// (plain http is allowed only to this computer: 127.0.0.1, [::1] or localhost)"
    )]
    PlainHttp(String),
}

type Connector = hyper_rustls::HttpsConnector<HttpConnector>;

/// A client for one server; cheap to clone.
///
/// Plain hyper with rustls (ring) rather than reqwest: reqwest's TLS features would apply to
/// every reqwest client of the app (the WebDriver one included) and require a process-wide
/// crypto provider.
#[derive(Clone)]
pub struct SyncClient {
    http: Client<Connector, Full<Bytes>>,
    /// `scheme://authority/path` without the trailing slash.
    base: String,
    schema_version: u32,
    token: Option<String>,
}

/// The system's trusted roots, read once (SSL_CERT_FILE and SSL_CERT_DIR extend them).
fn tls_config() -> Result<rustls::ClientConfig, ClientError> {
    static ROOTS: OnceLock<Arc<rustls::RootCertStore>> = OnceLock::new();
    let roots = ROOTS
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
            Arc::new(roots)
        })
        .clone();
    // ring rather than aws-lc-rs: no heavy C build (as for the browser sessions' proxies).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// How long a request may take, long polls aside.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// The largest answer read: a page of 2,000 rows is a few MiB; a server that sends more is not
/// followed into running this device out of memory.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// Whether `host` (as a URI gives it, IPv6 in brackets) is this computer.
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl SyncClient {
    /// A client of the server at `address` (`https://…`, or `http://` for a server on this
    /// computer only), for an app whose data is at `schema_version`.
    pub fn new(
        address: &str,
        schema_version: u32,
        token: Option<String>,
    ) -> Result<SyncClient, ClientError> {
        let bad = || ClientError::BadAddress(address.to_owned());
        let uri: hyper::Uri = address.trim().parse().map_err(|_| bad())?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.authority().is_none() {
            return Err(bad());
        }
        if uri.scheme_str() == Some("http") && !uri.host().is_some_and(is_loopback) {
            return Err(ClientError::PlainHttp(address.trim().to_owned()));
        }
        let base = address.trim().trim_end_matches('/').to_owned();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(Duration::from_secs(10)));
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls_config()?)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        // Below the server's 30 s idle bound, so a request never goes out on a connection the
        // server is closing.
        let http = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(20))
            .pool_timer(hyper_util::rt::TokioTimer::new())
            .build(connector);
        Ok(SyncClient {
            http,
            base,
            schema_version,
            token,
        })
    }

    pub fn with_token(mut self, token: String) -> SyncClient {
        self.token = Some(token);
        self
    }

    /// The server's address, as given.
    pub fn address(&self) -> &str {
        &self.base
    }

    fn request(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<Vec<u8>>,
    ) -> Request<Full<Bytes>> {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{}/{}", self.base, path_and_query))
            .header(SCHEMA_HEADER, self.schema_version.to_string());
        if let Some(token) = &self.token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        if body.is_some() {
            request = request.header(CONTENT_TYPE, "application/json");
        }
        request
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .expect("a request from a valid address")
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: Request<Full<Bytes>>,
        timeout: Duration,
    ) -> Result<T, ClientError> {
        let (status, body) = self.exchange(request, timeout).await?;
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|e| ClientError::BadAnswer {
                status: status.as_u16(),
                detail: e.to_string(),
            });
        }
        match serde_json::from_slice::<ApiError>(&body) {
            Ok(error) => Err(ClientError::Refused(error)),
            Err(_) => Err(ClientError::BadAnswer {
                status: status.as_u16(),
                detail: String::from_utf8_lossy(&body).chars().take(200).collect(),
            }),
        }
    }

    async fn exchange(
        &self,
        request: Request<Full<Bytes>>,
        timeout: Duration,
    ) -> Result<(StatusCode, Bytes), ClientError> {
        let exchange = async {
            let response = self.http.request(request).await.map_err(|e| {
                let chain = error_chain(&e);
                // A certificate the system does not trust, or not for this name.
                if chain.contains("certificate") {
                    ClientError::Tls(chain)
                } else {
                    ClientError::Unreachable(chain)
                }
            })?;
            let status = response.status();
            let body = http_body_util::Limited::new(response.into_body(), MAX_ANSWER_BYTES)
                .collect()
                .await
                .map_err(|e| {
                    if e.is::<http_body_util::LengthLimitError>() {
                        ClientError::BadAnswer {
                            status: status.as_u16(),
                            detail: format!(
                                "the answer is larger than {} MiB",
                                MAX_ANSWER_BYTES / (1024 * 1024)
                            ),
                        }
                    } else {
                        ClientError::Unreachable(error_chain(e.as_ref()))
                    }
                })?
                .to_bytes();
            Ok((status, body))
        };
        tokio::time::timeout(timeout, exchange).await.map_err(|_| {
            ClientError::Unreachable(format!("no answer in {} s", timeout.as_secs()))
        })?
    }

    fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
        serde_json::to_vec(value).expect("a request serialises")
    }

    pub async fn login(&self, request: &LoginRequest) -> Result<LoginResponse, ClientError> {
        let request = self.request(Method::POST, "v1/login", Some(Self::json(request)));
        self.send(request, REQUEST_TIMEOUT).await
    }

    /// Waits (up to `request.timeout_ms`) for changes after the given cursors.
    pub async fn wait(&self, request: &WaitRequest) -> Result<WaitResponse, ClientError> {
        let timeout = Duration::from_millis(request.timeout_ms) + Duration::from_secs(10);
        let request = self.request(Method::POST, "v1/wait", Some(Self::json(request)));
        self.send(request, timeout).await
    }

    pub async fn me(&self) -> Result<Me, ClientError> {
        self.send(self.request(Method::GET, "v1/me", None), REQUEST_TIMEOUT)
            .await
    }

    pub async fn logout(&self) -> Result<(), ClientError> {
        let (status, _) = self
            .exchange(
                self.request(Method::POST, "v1/logout", None),
                REQUEST_TIMEOUT,
            )
            .await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(ClientError::BadAnswer {
                status: status.as_u16(),
                detail: "sign-out refused".into(),
            })
        }
    }

    pub async fn push(&self, batches: Vec<PushBatch>) -> Result<PushResponse, ClientError> {
        let body = Self::json(&PushRequest { batches });
        self.send(
            self.request(Method::POST, "v1/push", Some(body)),
            REQUEST_TIMEOUT,
        )
        .await
    }

    pub async fn pull(
        &self,
        scope: &str,
        after: i64,
        limit: u32,
    ) -> Result<PullResponse, ClientError> {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("scope", scope)
            .append_pair("after", &after.to_string())
            .append_pair("limit", &limit.to_string())
            .finish();
        self.send(
            self.request(Method::GET, &format!("v1/pull?{query}"), None),
            REQUEST_TIMEOUT,
        )
        .await
    }
}

/// An error with its causes, as one line ("client error (Connect): … connection refused").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_except_to_this_computer() {
        for address in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
            "https://sync.example.fr",
            "https://192.168.1.20",
        ] {
            assert!(SyncClient::new(address, 1, None).is_ok(), "{address}");
        }
        for address in [
            "http://192.168.1.20:8080",
            "http://sync.example.fr",
            "http://localhost.example.fr",
            "http://127.0.0.1.nip.io",
        ] {
            let error = SyncClient::new(address, 1, None).err().expect(address);
            assert!(matches!(error, ClientError::PlainHttp(_)), "{address}");
            assert!(error.to_string().contains("unencrypted"));
        }
    }

    /// A server that answers an endless body is read up to the bound, then refused.
    #[tokio::test]
    async fn an_answer_past_the_bound_is_refused() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
            socket.write_all(head.as_bytes()).await.unwrap();
            let chunk = vec![b' '; 1024 * 1024];
            let framed = [
                format!("{:x}\r\n", chunk.len()).into_bytes(),
                chunk,
                b"\r\n".to_vec(),
            ]
            .concat();
            loop {
                if socket.write_all(&framed).await.is_err() {
                    return;
                }
            }
        });
        let client = SyncClient::new(&address, 1, None).unwrap();
        let error = client.me().await.expect_err("refused");
        assert!(
            matches!(&error, ClientError::BadAnswer { detail, .. } if detail.contains("larger than 64 MiB")),
            "{error}"
        );
    }
}
