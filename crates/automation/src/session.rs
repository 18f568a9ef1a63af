//! One account's browser session: its proxy forwarder, virtual display and VNC server (Linux),
//! and its browser, started in that order and stopped in the reverse one.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use seller_secrets::Secret;

use crate::browser::{Browser, BrowserConfig, BrowserError, BrowserInstall};
use crate::fingerprint::Fingerprint;
use crate::process::Marker;
use crate::proxy::{self, Forwarder, ProxyError, Upstream};
use crate::site::{PageState, parse_probe, probe_script};

#[cfg(target_os = "linux")]
use crate::display::{DisplayError, VirtualDisplay};
#[cfg(target_os = "linux")]
use crate::vnc::{VncError, VncServer, write_password_file};

/// How long the proxy may take to let us reach Vinted before the session gives up starting: the
/// same as the proxy test's, which the UI's sentence for a timeout names.
const PROXY_PREFLIGHT_TIMEOUT: Duration = Duration::from_secs(15);

/// Everything one session needs; built by the app from the account and its keyring secrets.
#[derive(Debug, Clone)]
pub struct SessionSpec {
    pub account_id: String,
    /// The account's Vinted site, opened when the session starts: `https://www.vinted.fr`.
    pub base_url: String,
    pub profile_dir: PathBuf,
    /// A private folder for the session's files (the VNC password file), removed at stop.
    pub runtime_dir: PathBuf,
    pub upstream: Option<Upstream>,
    /// The account's VNC password. Without one the VNC server gets a random password that only
    /// the live view's bridge knows: never an open port any local user could join.
    pub vnc_password: Option<Secret>,
    pub fingerprint: Fingerprint,
    pub install: BrowserInstall,
    pub marker: Marker,
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("proxy: {0}")]
    Proxy(#[from] ProxyError),
    #[cfg(target_os = "linux")]
    #[error(transparent)]
    Display(#[from] DisplayError),
    #[cfg(target_os = "linux")]
    #[error(transparent)]
    Vnc(#[from] VncError),
    #[error(transparent)]
    Browser(#[from] BrowserError),
    #[error("could not prepare the session's folder: {0}")]
    Folder(std::io::Error),
    #[error("the account's Vinted address is not a web address: {0}")]
    BaseUrl(String),
}

impl SessionError {
    /// A stable code for the UI to translate.
    pub fn code(&self) -> &'static str {
        match self {
            SessionError::Proxy(error) => error.code(),
            #[cfg(target_os = "linux")]
            SessionError::Display(_) => "session_display",
            #[cfg(target_os = "linux")]
            SessionError::Vnc(_) => "session_vnc",
            SessionError::Browser(BrowserError::ChromiumMissing) => "session_chromium_missing",
            SessionError::Browser(BrowserError::ChromedriverMissing) => {
                "session_chromedriver_missing"
            }
            SessionError::Browser(_) => "session_browser",
            SessionError::Folder(_) => "session_folder",
            SessionError::BaseUrl(_) => "session_base_url",
        }
    }
}

/// A running session. Stop it with [`Session::stop`]; dropping it kills every process at once.
pub struct Session {
    account_id: String,
    forwarder: Option<Forwarder>,
    #[cfg(target_os = "linux")]
    display: Option<VirtualDisplay>,
    #[cfg(target_os = "linux")]
    vnc: Option<VncServer>,
    browser: Option<Browser>,
    runtime_dir: PathBuf,
    /// The password the VNC server was started with, for the live view's bridge to log in.
    vnc_password: Option<Secret>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("account_id", &self.account_id)
            .field("vnc_port", &self.vnc_port())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Starts every part and opens the account's Vinted site. A proxy that refuses the
    /// password, or cannot be reached, fails here before any browser is started.
    pub async fn start(spec: SessionSpec) -> Result<Session, SessionError> {
        let (host, port) = target_of(&spec.base_url)?;
        if let Some(upstream) = &spec.upstream {
            proxy::connect(upstream, &host, port, PROXY_PREFLIGHT_TIMEOUT).await?;
        }
        create_private_dir(&spec.runtime_dir).map_err(SessionError::Folder)?;
        let mut session = Session {
            account_id: spec.account_id.clone(),
            forwarder: None,
            #[cfg(target_os = "linux")]
            display: None,
            #[cfg(target_os = "linux")]
            vnc: None,
            browser: None,
            runtime_dir: spec.runtime_dir.clone(),
            vnc_password: None,
        };
        // On any error below, `session` is dropped and kills what was already started.
        if let Some(upstream) = spec.upstream.clone() {
            let forwarder = Forwarder::start(upstream)
                .await
                .map_err(|e| ProxyError::Io {
                    detail: e.to_string(),
                })?;
            session.forwarder = Some(forwarder);
        }
        let (display_name, xauthority) = session.start_display(&spec).await?.unzip();
        let config = BrowserConfig {
            install: spec.install.clone(),
            profile_dir: spec.profile_dir.clone(),
            proxy_port: session.forwarder.as_ref().map(Forwarder::port),
            display: display_name,
            xauthority,
            fingerprint: spec.fingerprint.clone(),
            marker: spec.marker.clone(),
        };
        let browser = Browser::start(&config).await?;
        session.browser = Some(browser);
        session.open(&spec.base_url).await?;
        tracing::info!(account_id = %spec.account_id, vnc_port = ?session.vnc_port(), "session started");
        Ok(session)
    }

    #[cfg(target_os = "linux")]
    async fn start_display(
        &mut self,
        spec: &SessionSpec,
    ) -> Result<Option<(String, PathBuf)>, SessionError> {
        let display = VirtualDisplay::start(&spec.marker).await?;
        let name = display.name();
        let password = match &spec.vnc_password {
            Some(password) => password.clone(),
            None => one_off_password().map_err(SessionError::Folder)?,
        };
        let file = write_password_file(&self.runtime_dir, &password)?;
        self.vnc = Some(VncServer::start(&display, &file, &spec.marker).await?);
        self.vnc_password = Some(password);
        let xauthority = display.xauthority();
        self.display = Some(display);
        Ok(Some((name, xauthority)))
    }

    #[cfg(not(target_os = "linux"))]
    async fn start_display(
        &mut self,
        _spec: &SessionSpec,
    ) -> Result<Option<(String, PathBuf)>, SessionError> {
        // No Xvfb here: the browser window is shown on the desktop.
        Ok(None)
    }

    /// The browser's WebDriver session, for the flows that run in the page.
    pub fn driver(&self) -> &thirtyfour::WebDriver {
        self.browser().driver()
    }

    fn browser(&self) -> &Browser {
        self.browser.as_ref().expect("the browser lives until stop")
    }

    /// The VNC server's port on 127.0.0.1, for the live view and external VNC clients. Always
    /// there on Linux (with the account's VNC password, or a random one only the bridge knows);
    /// `None` elsewhere, where the browser shows on the desktop.
    pub fn vnc_port(&self) -> Option<u16> {
        #[cfg(target_os = "linux")]
        {
            self.vnc.as_ref().map(VncServer::port)
        }
        #[cfg(not(target_os = "linux"))]
        {
            None
        }
    }

    /// The VNC server's password, for the live view's bridge only (never for the UI).
    pub fn live_view_password(&self) -> Option<&Secret> {
        self.vnc_password.as_ref()
    }

    pub fn vnc_address(&self) -> Option<SocketAddr> {
        self.vnc_port()
            .map(|port| SocketAddr::from(([127, 0, 0, 1], port)))
    }

    /// The latest error the proxy forwarder met, cleared by a later successful request.
    pub fn proxy_error(&self) -> Option<ProxyError> {
        self.forwarder.as_ref().and_then(Forwarder::last_error)
    }

    /// Requests the browser sent through the forwarder, per target host.
    pub fn proxied_requests(&self) -> std::collections::HashMap<String, u64> {
        self.forwarder
            .as_ref()
            .map(Forwarder::requests)
            .unwrap_or_default()
    }

    /// Pid of chromedriver, the leader of the browser's process group.
    pub fn driver_pid(&self) -> Option<u32> {
        self.browser().driver_pid()
    }

    /// Goes to `url` in the session's browser.
    pub async fn open(&self, url: &str) -> Result<(), SessionError> {
        self.driver()
            .goto(url)
            .await
            .map_err(|e| SessionError::Browser(BrowserError::from(e)))
    }

    /// Looks at the page: logged in, logged out, or a challenge.
    pub async fn probe(&self) -> Result<PageState, SessionError> {
        let answer = self
            .driver()
            .execute(probe_script(), Vec::new())
            .await
            .map_err(BrowserError::from)?;
        let text = answer.json().as_str().unwrap_or_default().to_owned();
        parse_probe(&text).ok_or_else(|| {
            SessionError::Browser(BrowserError::Command(format!(
                "unexpected probe answer {text:?}"
            )))
        })
    }

    /// Whether every process of the session still runs and the browser answers.
    pub async fn is_alive(&mut self) -> bool {
        #[cfg(target_os = "linux")]
        {
            if self.display.as_mut().is_some_and(|d| !d.is_running())
                || self.vnc.as_mut().is_some_and(|v| !v.is_running())
            {
                return false;
            }
        }
        match self.browser.as_mut() {
            Some(browser) => browser.is_alive().await,
            None => false,
        }
    }

    /// Stops the browser (cleanly when it still answers), then the VNC server, the display and
    /// the forwarder, and removes the session's private folder.
    pub async fn stop(mut self) {
        if let Some(browser) = self.browser.take() {
            browser.stop().await;
        }
        #[cfg(target_os = "linux")]
        {
            if let Some(vnc) = self.vnc.take() {
                vnc.stop().await;
            }
            if let Some(display) = self.display.take() {
                display.stop().await;
            }
        }
        if let Some(forwarder) = self.forwarder.take() {
            forwarder.stop().await;
        }
        let _ = std::fs::remove_dir_all(&self.runtime_dir);
        tracing::info!(account_id = %self.account_id, "session stopped");
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // The parts kill their own process groups when dropped; the password file goes too.
        let _ = std::fs::remove_dir_all(&self.runtime_dir);
    }
}

/// Eight random characters of a 64-symbol alphabet (48 bits): classic VNC authentication uses
/// no more than eight.
#[cfg(target_os = "linux")]
fn one_off_password() -> std::io::Result<Secret> {
    use base64::Engine as _;
    let mut bytes = zeroize::Zeroizing::new([0u8; 6]);
    getrandom::fill(bytes.as_mut()).map_err(std::io::Error::other)?;
    Ok(Secret::new(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes.as_ref()),
    ))
}

/// Host and port the browser will reach first, for the proxy preflight.
fn target_of(base_url: &str) -> Result<(String, u16), SessionError> {
    let invalid = || SessionError::BaseUrl(base_url.to_owned());
    let (scheme, rest) = base_url.split_once("://").ok_or_else(invalid)?;
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "https" => 443,
        "http" => 80,
        _ => return Err(invalid()),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    proxy::split_authority(authority, Some(default_port)).ok_or_else(invalid)
}

fn create_private_dir(path: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_targets() {
        assert_eq!(
            target_of("https://www.vinted.fr").unwrap(),
            ("www.vinted.fr".into(), 443)
        );
        assert_eq!(
            target_of("http://127.0.0.1:8123/").unwrap(),
            ("127.0.0.1".into(), 8123)
        );
        assert!(target_of("ftp://x").is_err());
        assert!(target_of("www.vinted.fr").is_err());
    }
}
