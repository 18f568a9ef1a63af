//! A session's browser: Chromium started by chromedriver and driven through thirtyfour, with the
//! account's own profile folder, language, time zone and user agent, all its traffic through the
//! session's local proxy forwarder.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::json;
use thirtyfour::ChromeCapabilities;
use thirtyfour::prelude::*;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::display::SCREEN;
use crate::fingerprint::{Fingerprint, parse_major_version};
use crate::process::{GroupChild, Marker};
use crate::stealth;

/// Environment variables naming the browser and driver to use instead of the ones on `PATH`.
pub const CHROMIUM_ENV: &str = "SELLER_PANEL_CHROMIUM";
pub const CHROMEDRIVER_ENV: &str = "SELLER_PANEL_CHROMEDRIVER";

const CHROMIUM_NAMES: &[&str] = &[
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
];
#[cfg(target_os = "macos")]
const CHROMIUM_PATHS: &[&str] = &[
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
];
#[cfg(target_os = "windows")]
const CHROMIUM_PATHS: &[&str] = &[
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
];
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
const CHROMIUM_PATHS: &[&str] = &[];

/// How long a WebDriver command may take before the session is considered stuck.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// A page that never finishes loading (a proxy holding the connection) fails after this.
const PAGE_LOAD_TIMEOUT: Duration = Duration::from_secs(45);

#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    #[error(
        "Chromium was not found: install it (Debian: apt install chromium) or set {CHROMIUM_ENV}"
    )]
    ChromiumMissing,
    #[error(
        "chromedriver was not found: install it (Debian: apt install chromium-driver) or set {CHROMEDRIVER_ENV}"
    )]
    ChromedriverMissing,
    #[error("could not start chromedriver: {0}")]
    DriverStart(std::io::Error),
    #[error("chromedriver did not announce its port: {0}")]
    DriverPort(String),
    #[error("the browser could not be started: {0}")]
    Session(String),
    #[error("the browser did not answer: {0}")]
    Command(String),
    #[error("could not prepare the browser profile: {0}")]
    Profile(std::io::Error),
}

impl From<WebDriverError> for BrowserError {
    fn from(error: WebDriverError) -> Self {
        BrowserError::Command(error.to_string())
    }
}

/// The installed browser and its driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserInstall {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
    pub major_version: u32,
}

impl BrowserInstall {
    /// Finds Chromium (or Chrome) and chromedriver, from the environment variables, else `PATH`,
    /// else the usual install folders, and reads Chromium's version.
    pub fn locate() -> Result<BrowserInstall, BrowserError> {
        let chromium = from_env(CHROMIUM_ENV)
            .or_else(|| CHROMIUM_NAMES.iter().find_map(|name| on_path(name)))
            .or_else(|| {
                CHROMIUM_PATHS
                    .iter()
                    .map(PathBuf::from)
                    .find(|p| p.is_file())
            })
            .ok_or(BrowserError::ChromiumMissing)?;
        let chromedriver = from_env(CHROMEDRIVER_ENV)
            .or_else(|| on_path("chromedriver"))
            .ok_or(BrowserError::ChromedriverMissing)?;
        let output = std::process::Command::new(&chromium)
            .arg("--version")
            .stderr(Stdio::null())
            .output()
            .map_err(|_| BrowserError::ChromiumMissing)?;
        let major_version = parse_major_version(&String::from_utf8_lossy(&output.stdout))
            .ok_or(BrowserError::ChromiumMissing)?;
        Ok(BrowserInstall {
            chromium,
            chromedriver,
            major_version,
        })
    }
}

fn from_env(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn on_path(name: &str) -> Option<PathBuf> {
    let exe = if cfg!(windows) {
        format!("{name}.exe")
    } else {
        name.to_owned()
    };
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(&exe))
        .find(|path| path.is_file())
}

/// What one browser of a session needs.
#[derive(Debug, Clone)]
pub struct BrowserConfig {
    pub install: BrowserInstall,
    /// The account's own profile folder (`--user-data-dir`): cookies survive restarts.
    pub profile_dir: PathBuf,
    /// The local forwarder's port on 127.0.0.1, or none for an account without a proxy.
    pub proxy_port: Option<u16>,
    /// The X display to show the window on (Linux), or none for the desktop.
    pub display: Option<String>,
    /// The display's Xauthority file (its access cookie), given with `display`.
    pub xauthority: Option<PathBuf>,
    pub fingerprint: Fingerprint,
    pub marker: Marker,
}

/// A running browser: chromedriver, the Chromium it started, and the WebDriver session.
pub struct Browser {
    driver: Option<WebDriver>,
    /// Taken by [`Browser::stop`]; killed with its group when dropped.
    chromedriver: Option<GroupChild>,
    /// `127.0.0.1:<port>` of Chromium's DevTools endpoint, polled to notice a dead browser.
    debugger_address: Option<String>,
    local: reqwest::Client,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser")
            .field("debugger_address", &self.debugger_address)
            .finish_non_exhaustive()
    }
}

impl Browser {
    pub async fn start(config: &BrowserConfig) -> Result<Browser, BrowserError> {
        std::fs::create_dir_all(&config.profile_dir).map_err(BrowserError::Profile)?;
        clear_stale_profile_lock(&config.profile_dir);
        let driver_path = driver_to_run(config).await;
        let mut chromedriver = start_chromedriver(config, &driver_path)?;
        let port = match read_driver_port(&mut chromedriver).await {
            Ok(port) => port,
            // A private copy the OS refuses to run (a platform that checks code signatures):
            // the installed driver still gives a working session, markers and all.
            Err(error) if driver_path != config.install.chromedriver => {
                tracing::warn!(%error, "the private chromedriver did not start: using the installed one, whose page markers show");
                chromedriver.stop(Duration::from_secs(2)).await;
                chromedriver = start_chromedriver(config, &config.install.chromedriver)?;
                read_driver_port(&mut chromedriver).await?
            }
            Err(error) => return Err(error),
        };
        // Local calls (WebDriver, DevTools) never go through a system proxy from HTTP_PROXY.
        let local = reqwest::Client::builder()
            .no_proxy()
            .timeout(COMMAND_TIMEOUT)
            .build()
            .map_err(|e| BrowserError::Session(e.to_string()))?;
        let driver = WebDriver::builder(format!("http://127.0.0.1:{port}"), capabilities(config)?)
            .client(local.clone())
            .request_timeout(COMMAND_TIMEOUT)
            .connect()
            .await
            .map_err(|e| BrowserError::Session(e.to_string()))?;
        let debugger_address = driver
            .handle()
            .capabilities()
            .get("goog:chromeOptions")
            .and_then(|options| options.get("debuggerAddress"))
            .and_then(|address| address.as_str())
            .map(str::to_owned);
        if let Err(error) = driver.set_page_load_timeout(PAGE_LOAD_TIMEOUT).await {
            tracing::warn!(%error, "could not set the page load timeout");
        }
        Ok(Browser {
            driver: Some(driver),
            chromedriver: Some(chromedriver),
            debugger_address,
            local,
        })
    }

    /// The WebDriver session, for the flows and probes that run in the page.
    pub fn driver(&self) -> &WebDriver {
        self.driver.as_ref().expect("the driver lives until stop")
    }

    /// Whether chromedriver runs and Chromium's DevTools endpoint answers within a second. Not a
    /// WebDriver call: that would wait behind a long script running in the page.
    pub async fn is_alive(&mut self) -> bool {
        if !self
            .chromedriver
            .as_mut()
            .is_some_and(GroupChild::is_running)
        {
            return false;
        }
        let Some(address) = &self.debugger_address else {
            return true;
        };
        let url = format!("http://{address}/json/version");
        self.local
            .get(url)
            .timeout(Duration::from_secs(1))
            .send()
            .await
            .is_ok_and(|response| response.status().is_success())
    }

    /// Pid of chromedriver (Chromium runs in its process group).
    pub fn driver_pid(&self) -> Option<u32> {
        self.chromedriver.as_ref().and_then(GroupChild::id)
    }

    /// Closes the browser cleanly when it still answers (so cookies are flushed to the profile
    /// and the login lasts), then ends chromedriver's whole process group.
    pub async fn stop(mut self) {
        let Some(mut chromedriver) = self.chromedriver.take() else {
            return;
        };
        if let Some(driver) = self.driver.take() {
            if chromedriver.is_running() {
                match tokio::time::timeout(Duration::from_secs(5), driver.quit()).await {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => tracing::warn!(%error, "the browser did not quit cleanly"),
                    Err(_) => tracing::warn!("the browser took too long to quit"),
                }
            } else {
                // Nothing is left to answer a DELETE /session: don't let Drop try (it blocks).
                let _ = driver.leak();
            }
        }
        chromedriver.stop(Duration::from_secs(2)).await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Dropped without `stop` (a failed start, a panic): the process group is killed by
        // GroupChild; thirtyfour must not block the runtime trying to quit a dead session.
        if let Some(driver) = self.driver.take() {
            let _ = driver.leak();
        }
    }
}

/// The private chromedriver without its page markers ([`stealth::private_chromedriver`]), or the
/// installed one when the copy cannot be made (the session still runs, with the markers).
async fn driver_to_run(config: &BrowserConfig) -> PathBuf {
    let system = config.install.chromedriver.clone();
    let dir = stealth::driver_dir(&config.profile_dir);
    let (from, copy) = (system.clone(), dir.clone());
    // Reading and hashing 25 MB is blocking work.
    match tokio::task::spawn_blocking(move || stealth::private_chromedriver(&from, &copy)).await {
        Ok(Ok(path)) => path,
        Ok(Err(error)) => {
            tracing::warn!(%error, folder = %dir.display(), "could not make the private chromedriver: using the installed one, whose page markers show");
            system
        }
        Err(error) => {
            tracing::warn!(%error, "could not make the private chromedriver: using the installed one, whose page markers show");
            system
        }
    }
}

fn start_chromedriver(config: &BrowserConfig, driver: &Path) -> Result<GroupChild, BrowserError> {
    let mut command = Command::new(driver);
    // SEVERE only: at INFO chromedriver logs the text typed into fields, passwords included.
    command
        .args(["--port=0", "--log-level=SEVERE"])
        .env("TZ", &config.fingerprint.timezone)
        .env("LANG", config.fingerprint.posix_locale())
        .env("LANGUAGE", config.fingerprint.locale.replace('-', "_"));
    match &config.display {
        Some(display) => command.env("DISPLAY", display),
        None => &mut command,
    };
    if let Some(xauthority) = &config.xauthority {
        command.env("XAUTHORITY", xauthority);
    }
    GroupChild::spawn("chromedriver", command, Stdio::piped(), &config.marker)
        .map_err(BrowserError::DriverStart)
}

async fn read_driver_port(chromedriver: &mut GroupChild) -> Result<u16, BrowserError> {
    let stdout = chromedriver
        .stdout()
        .ok_or_else(|| BrowserError::DriverPort("no stdout".into()))?;
    let mut lines = BufReader::new(stdout).lines();
    let port = tokio::time::timeout(Duration::from_secs(15), async {
        while let Ok(Some(line)) = lines.next_line().await {
            // "ChromeDriver was started successfully on port 43281."
            if let Some(rest) = line.split("on port ").nth(1)
                && line.contains("started successfully")
            {
                return rest.trim_end_matches('.').trim().parse().ok();
            }
        }
        None
    })
    .await
    .map_err(|_| BrowserError::DriverPort("timed out".into()))?
    .ok_or_else(|| BrowserError::DriverPort("chromedriver exited".into()))?;
    // Keep reading what it prints, so a full pipe never blocks it.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(port)
}

fn capabilities(config: &BrowserConfig) -> Result<ChromeCapabilities, BrowserError> {
    let mut caps = DesiredCapabilities::chrome();
    let fail = |e: WebDriverError| BrowserError::Session(e.to_string());
    caps.set_binary(&config.install.chromium.to_string_lossy())
        .map_err(fail)?;
    for arg in chromium_args(config) {
        caps.add_arg(&arg).map_err(fail)?;
    }
    let mut prefs = json!({
        // Never offer to save the Vinted password into the profile.
        "credentials_enable_service": false,
        "profile.password_manager_enabled": false,
        // WebRTC may only use the proxied path: no UDP around the proxy.
        "webrtc.ip_handling_policy": "disable_non_proxied_udp",
        "webrtc.multiple_routes_enabled": false,
        "webrtc.nonproxied_udp_enabled": false,
        "intl.accept_languages": config.fingerprint.accept_language(),
    });
    if let (Some(prefs), serde_json::Value::Object(quiet)) =
        (prefs.as_object_mut(), stealth::prefs())
    {
        prefs.extend(quiet);
    }
    caps.add_experimental_option("prefs", prefs).map_err(fail)?;
    // chromedriver adds `--enable-automation` otherwise: the "controlled by automated test
    // software" bar and `navigator.webdriver` true. chromedriver 156 still accepts
    // `useAutomationExtension: false` (a session starts with it).
    caps.add_experimental_option("excludeSwitches", json!(["enable-automation"]))
        .map_err(fail)?;
    caps.add_experimental_option("useAutomationExtension", false)
        .map_err(fail)?;
    Ok(caps)
}

/// What keeps a session's Chromium small (each measured with `./scripts/bench sessions`, see
/// DESIGN.md): the omnibox popups that Chromium 156 draws as WebUI pages, each kept loaded in a
/// renderer of its own from the start (about 50 MB PSS); the spare renderer kept ready for the
/// next site (one site per session); the network service in the browser process rather than a
/// utility process of its own; Chromium's crash handler (two `chrome_crashpad_handler`
/// processes, about 3 MB PSS), whose reports nobody collects.
const MEMORY_ARGS: &[&str] = &[
    "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup,SpareRendererForSitePerProcess",
    "--enable-features=NetworkServiceInProcess2",
    "--disable-crashpad-for-testing",
];

/// Chromium's command line for a session.
pub fn chromium_args(config: &BrowserConfig) -> Vec<String> {
    let fingerprint = &config.fingerprint;
    let mut args = vec![
        format!("--user-data-dir={}", config.profile_dir.display()),
        "--no-first-run".to_owned(),
        "--no-default-browser-check".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--hide-crash-restore-bubble".to_owned(),
        // QUIC is UDP: it would bypass an HTTP proxy.
        "--disable-quic".to_owned(),
        "--force-webrtc-ip-handling-policy=disable_non_proxied_udp".to_owned(),
        format!("--lang={}", fingerprint.locale),
        format!("--accept-lang={}", fingerprint.accept_language()),
        format!("--user-agent={}", fingerprint.user_agent),
        "--window-position=0,0".to_owned(),
        format!("--window-size={},{}", SCREEN.0, SCREEN.1),
    ];
    args.extend(stealth::chromium_args(config.display.is_some()));
    args.extend(MEMORY_ARGS.iter().map(|&arg| arg.to_owned()));
    if let Some(port) = config.proxy_port {
        args.push(format!("--proxy-server=http://127.0.0.1:{port}"));
        // `<-loopback>`: without it Chromium sends loopback addresses around the proxy. The
        // Google endpoints sent nowhere fail inside the browser instead of reaching the proxy.
        args.push(format!(
            "--proxy-bypass-list=<-loopback>;{}",
            stealth::proxy_bypass()
        ));
    }
    if runs_as_root() {
        // Chromium's sandbox refuses to run as root.
        args.push("--no-sandbox".to_owned());
    }
    merge_feature_lists(args)
}

/// Chromium reads only one `--enable-features` and one `--disable-features` (the last): the
/// lists given in several places are joined into one of each, in place of the first.
fn merge_feature_lists(args: Vec<String>) -> Vec<String> {
    let mut merged: Vec<String> = Vec::with_capacity(args.len());
    for arg in args {
        let switch = ["--enable-features=", "--disable-features="]
            .into_iter()
            .find(|switch| arg.starts_with(switch));
        let Some(switch) = switch else {
            merged.push(arg);
            continue;
        };
        let list = &arg[switch.len()..];
        match merged
            .iter_mut()
            .find(|earlier| earlier.starts_with(switch))
        {
            Some(earlier) => {
                for feature in list.split(',').filter(|f| !f.is_empty()) {
                    if !earlier[switch.len()..]
                        .split(',')
                        .any(|known| known == feature)
                    {
                        earlier.push(',');
                        earlier.push_str(feature);
                    }
                }
            }
            None => merged.push(arg),
        }
    }
    merged
}

fn runs_as_root() -> bool {
    #[cfg(unix)]
    {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find_map(|line| line.strip_prefix("Uid:"))
                    .and_then(|ids| ids.split_whitespace().nth(1).map(|euid| euid == "0"))
            })
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// A Chromium that was killed leaves `SingletonLock` (a link naming `host-pid`) in its profile,
/// and a new Chromium refuses a profile whose lock names a live process. The lock goes only when
/// the process it names is gone or ran on another host (a profile copied over): a Chromium still
/// running on this profile keeps it, and the new start then fails rather than share it.
fn clear_stale_profile_lock(profile_dir: &Path) {
    let lock = profile_dir.join("SingletonLock");
    let Ok(target) = std::fs::read_link(&lock) else {
        return;
    };
    if lock_holder_is_alive(&target.to_string_lossy()) {
        tracing::warn!(profile = %profile_dir.display(), "the browser profile is in use by a running browser");
        return;
    }
    for name in ["SingletonLock", "SingletonCookie", "SingletonSocket"] {
        let _ = std::fs::remove_file(profile_dir.join(name));
    }
}

/// Whether the `host-pid` a profile lock names is a live process of this machine.
fn lock_holder_is_alive(holder: &str) -> bool {
    let Some((host, pid)) = holder.rsplit_once('-') else {
        return false;
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    let this_host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok());
    if this_host.is_some_and(|this| this != host) {
        return false;
    }
    process_alive(pid)
}

fn process_alive(pid: u32) -> bool {
    #[cfg(target_os = "linux")]
    {
        Path::new(&format!("/proc/{pid}")).exists()
    }
    #[cfg(all(unix, not(target_os = "linux")))]
    {
        std::process::Command::new("kill")
            .args(["-0", &pid.to_string()])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        false
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn feature_lists_given_twice_are_joined_into_one() {
        let args = |list: &[&str]| list.iter().map(|&a| a.to_owned()).collect::<Vec<_>>();
        let merged = merge_feature_lists(args(&[
            "--a",
            "--disable-features=A,B",
            "--enable-features=X",
            "--b",
            "--disable-features=B,C",
            "--enable-features=Y,",
        ]));
        assert_eq!(
            merged,
            args(&[
                "--a",
                "--disable-features=A,B,C",
                "--enable-features=X,Y",
                "--b"
            ])
        );
    }

    #[test]
    fn a_lock_is_held_only_by_a_live_process_of_this_host() {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .unwrap_or_default();
        let me = std::process::id();
        if !host.is_empty() {
            assert!(lock_holder_is_alive(&format!("{host}-{me}")));
            assert!(!lock_holder_is_alive(&format!("{host}-4294967")));
        }
        assert!(!lock_holder_is_alive(&format!("another-machine-{me}")));
        assert!(!lock_holder_is_alive("garbage"));
    }

    #[test]
    fn a_stale_lock_is_cleared_and_a_live_one_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("another-machine-1", dir.path().join("SingletonLock")).unwrap();
        std::os::unix::fs::symlink("x", dir.path().join("SingletonCookie")).unwrap();
        clear_stale_profile_lock(dir.path());
        assert!(dir.path().join("SingletonLock").symlink_metadata().is_err());
        assert!(
            dir.path()
                .join("SingletonCookie")
                .symlink_metadata()
                .is_err()
        );

        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
        let live = format!("{}-{}", host.trim(), std::process::id());
        std::os::unix::fs::symlink(&live, dir.path().join("SingletonLock")).unwrap();
        clear_stale_profile_lock(dir.path());
        assert!(dir.path().join("SingletonLock").symlink_metadata().is_ok());
    }
}
