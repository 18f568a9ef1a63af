//! Test support: the real Seller Panel binary under Xvfb, driven through tauri-driver and
//! WebKitWebDriver with thirtyfour. On drop every process started here is stopped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use thirtyfour::prelude::*;

pub use crate::ports::free_port;
use crate::wait::{wait_until, wait_until_blocking};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// The app binary built by the test command (`SELLER_PANEL_BIN` overrides it).
pub fn app_binary() -> Result<PathBuf> {
    let path = std::env::var_os("SELLER_PANEL_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/debug/seller-panel"));
    if !path.exists() {
        bail!(
            "{} is missing: build the app first (scripts/test builds it)",
            path.display()
        );
    }
    Ok(path)
}

fn tool(name: &str, env: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(env) {
        return path.into();
    }
    let cargo_bin = Path::new(&std::env::var("HOME").unwrap_or_default())
        .join(".cargo/bin")
        .join(name);
    if cargo_bin.exists() {
        cargo_bin
    } else {
        name.into()
    }
}

/// A virtual X display of its own.
pub struct VirtualDisplay {
    child: Child,
    pub number: u32,
}

impl VirtualDisplay {
    /// Xvfb picks a free display itself (`-displayfd`) and tells us which on its stdout, so
    /// tests running at once never share or steal a display.
    pub fn start() -> Result<Self> {
        let (reader, writer) = std::io::pipe()?;
        let mut command = Command::new("Xvfb");
        command
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1400x900x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(writer)
            .stderr(Stdio::null());
        let child = command
            .spawn()
            .context("starting Xvfb (is the xvfb package installed?)")?;
        drop(command); // closes our copy of the pipe's write end
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(reader), &mut line)?;
        let number = line
            .trim()
            .parse()
            .with_context(|| format!("Xvfb announced {line:?}"))?;
        Ok(Self { child, number })
    }

    pub fn env(&self) -> String {
        format!(":{}", self.number)
    }
}

impl Drop for VirtualDisplay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// tauri-driver in front of WebKitWebDriver, on ports of its own.
pub struct TauriDriver {
    child: Child,
    pub port: u16,
}

impl TauriDriver {
    pub fn start(display: &VirtualDisplay, env: &[(&str, &str)]) -> Result<Self> {
        let (port, native_port) = (free_port(), free_port());
        // Its output (and that of WebKitWebDriver and the app under it) goes to a file rather
        // than the test's stderr: an app still closing after the test holds no pipe of the test.
        std::fs::create_dir_all(artifacts_dir())?;
        let log = std::fs::File::create(artifacts_dir().join(format!("tauri-driver-{port}.log")))?;
        let mut command = Command::new(tool("tauri-driver", "TAURI_DRIVER"));
        command
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("DISPLAY", display.env())
            .stdout(Stdio::null())
            .stderr(log);
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command
            .spawn()
            .context("starting tauri-driver (cargo install tauri-driver --locked)")?;
        let mut driver = Self { child, port };
        wait_until_blocking("tauri-driver", Duration::from_secs(20), || {
            Ok(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok())
        })?;
        // Something answering on the port is not proof: tauri-driver exits when it cannot bind,
        // and nothing marks a bind that succeeded, so it is given a moment to exit.
        std::thread::sleep(Duration::from_millis(100));
        if let Some(status) = driver.child.try_wait()? {
            bail!(
                "tauri-driver exited ({status}); see its log in {}",
                artifacts_dir().display()
            );
        }
        Ok(driver)
    }
}

impl Drop for TauriDriver {
    fn drop(&mut self) {
        // SIGTERM, not SIGKILL: tauri-driver then stops WebKitWebDriver, which frees its port.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let exited = wait_until_blocking("tauri-driver to exit", Duration::from_secs(5), || {
            Ok(self.child.try_wait()?.is_some())
        });
        if exited.is_ok() {
            return;
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Opens a WebDriver session on the app, which launches it with `--data-dir`.
pub async fn launch_app(driver: &TauriDriver, data_dir: &Path) -> Result<WebDriver> {
    let data_dir = data_dir.to_string_lossy();
    launch(driver, &app_binary()?, &["--data-dir", &data_dir]).await
}

/// Opens a WebDriver session on any Tauri binary: tauri-driver starts it with `args`.
pub async fn launch(driver: &TauriDriver, binary: &Path, args: &[&str]) -> Result<WebDriver> {
    let caps = serde_json::json!({
        "browserName": "wry",
        "tauri:options": { "application": binary, "args": args }
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!()
    };
    let session = WebDriver::new(format!("http://127.0.0.1:{}", driver.port), caps)
        .await
        .with_context(|| format!("opening a WebDriver session on {}", binary.display()))?;
    Ok(session)
}

/// Where failing end-to-end tests leave a screenshot and the app's log.
pub fn artifacts_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("e2e-artifacts")
}

pub async fn save_failure_artifacts(name: &str, session: Option<&WebDriver>, data_dir: &Path) {
    let dir = artifacts_dir();
    let _ = std::fs::create_dir_all(&dir);
    if let Some(session) = session
        && let Ok(png) = session.screenshot_as_png().await
    {
        let _ = std::fs::write(dir.join(format!("{name}.png")), png);
    }
    let _ = std::fs::copy(
        data_dir.join("logs/seller-panel.log"),
        dir.join(format!("{name}.log")),
    );
    eprintln!("end-to-end failure artifacts in {}", dir.display());
}

/// Polls `check` until it returns `Ok(true)`, for at most 15 s (what the app shows after a click).
pub async fn eventually<F, Fut>(what: &str, check: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool>>,
{
    wait_until(what, Duration::from_secs(15), check).await
}
