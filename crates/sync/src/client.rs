//! The HTTP client of a device: sign-in, push, pull and sign-out against a sync server.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::protocol::{
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
}

/// A client for one server; cheap to clone.
#[derive(Clone)]
pub struct SyncClient {
    http: reqwest::Client,
    base: reqwest::Url,
    schema_version: u32,
    token: Option<String>,
}

/// The system's trusted roots, read once (SSL_CERT_FILE and SSL_CERT_DIR extend them).
fn tls_config() -> Result<rustls::ClientConfig, ClientError> {
    static ROOTS: OnceLock<Result<Arc<rustls::RootCertStore>, String>> = OnceLock::new();
    let roots = ROOTS
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
            if roots.is_empty() {
                return Err("no trusted root certificate found on this system".to_owned());
            }
            Ok(Arc::new(roots))
        })
        .clone()
        .map_err(ClientError::Tls)?;
    // ring rather than aws-lc-rs: no heavy C build (as for the browser sessions' proxies).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

fn empty_tls_config() -> Result<rustls::ClientConfig, ClientError> {
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Tls(e.to_string()))?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth())
}

impl SyncClient {
    /// A client of the server at `address` (`https://…`, or `http://` for a loopback or LAN
    /// server), for an app whose data is at `schema_version`.
    pub fn new(
        address: &str,
        schema_version: u32,
        token: Option<String>,
    ) -> Result<SyncClient, ClientError> {
        let mut base = reqwest::Url::parse(address.trim())
            .map_err(|_| ClientError::BadAddress(address.to_owned()))?;
        if !matches!(base.scheme(), "http" | "https") || base.host().is_none() {
            return Err(ClientError::BadAddress(address.to_owned()));
        }
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .no_proxy();
        // reqwest wants a TLS configuration even for plain HTTP; without trusted roots only an
        // https server is out of reach.
        builder = match tls_config() {
            Ok(config) => builder.tls_backend_preconfigured(config),
            Err(e) if base.scheme() == "https" => return Err(e),
            Err(_) => builder.tls_backend_preconfigured(empty_tls_config()?),
        };
        let http = builder
            .build()
            .map_err(|e| ClientError::Tls(e.to_string()))?;
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

    pub fn address(&self) -> &str {
        self.base.as_str()
    }

    fn url(&self, path: &str) -> reqwest::Url {
        self.base.join(path).expect("a relative API path")
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut request = self
            .http
            .request(method, self.url(path))
            .header(SCHEMA_HEADER, self.schema_version.to_string());
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        request
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ClientError> {
        let response = request
            .send()
            .await
            .map_err(|e| ClientError::Unreachable(error_chain(&e)))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| ClientError::Unreachable(error_chain(&e)))?;
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

    pub async fn login(&self, request: &LoginRequest) -> Result<LoginResponse, ClientError> {
        self.send(
            self.request(reqwest::Method::POST, "v1/login")
                .json(request),
        )
        .await
    }

    /// Waits (up to `request.timeout_ms`) for changes after the given cursors.
    pub async fn wait(&self, request: &WaitRequest) -> Result<WaitResponse, ClientError> {
        let timeout = Duration::from_millis(request.timeout_ms) + Duration::from_secs(10);
        self.send(
            self.request(reqwest::Method::POST, "v1/wait")
                .timeout(timeout)
                .json(request),
        )
        .await
    }

    pub async fn me(&self) -> Result<Me, ClientError> {
        self.send(self.request(reqwest::Method::GET, "v1/me")).await
    }

    pub async fn logout(&self) -> Result<(), ClientError> {
        let response = self
            .request(reqwest::Method::POST, "v1/logout")
            .send()
            .await
            .map_err(|e| ClientError::Unreachable(error_chain(&e)))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(ClientError::BadAnswer {
                status: response.status().as_u16(),
                detail: "sign-out refused".into(),
            })
        }
    }

    pub async fn push(&self, batches: Vec<PushBatch>) -> Result<PushResponse, ClientError> {
        self.send(
            self.request(reqwest::Method::POST, "v1/push")
                .json(&PushRequest { batches }),
        )
        .await
    }

    pub async fn pull(
        &self,
        scope: &str,
        after: i64,
        limit: u32,
    ) -> Result<PullResponse, ClientError> {
        self.send(self.request(reqwest::Method::GET, "v1/pull").query(&[
            ("scope", scope.to_owned()),
            ("after", after.to_string()),
            ("limit", limit.to_string()),
        ]))
        .await
    }
}

/// An error with its causes, as one line ("error sending request: … connection refused").
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
