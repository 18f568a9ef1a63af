//! The VNC server of a session (Linux): x11vnc on the session's display, reachable on 127.0.0.1
//! only, protected by the account's VNC password, so the person can watch and take over the
//! browser (log in, pass a captcha) from the app or any VNC client.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use seller_secrets::Secret;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::display::VirtualDisplay;
use crate::process::{GroupChild, Marker};

#[derive(Debug, thiserror::Error)]
pub enum VncError {
    #[error("the VNC password is empty")]
    EmptyPassword,
    #[error("could not write the VNC password file: {0}")]
    PasswordFile(std::io::Error),
    #[error("could not start x11vnc (is the x11vnc package installed?): {0}")]
    Start(std::io::Error),
    #[error("x11vnc did not announce its port: {0}")]
    NoPort(String),
}

/// Writes the password in VNC's own password-file format (what x11vnc's `-rfbauth` reads),
/// through `vncpasswd -f` (tigervnc-tools), which takes the password on stdin: it never appears
/// on a command line another local user could read. The file is readable by its owner only.
pub fn write_password_file(dir: &Path, password: &Secret) -> Result<PathBuf, VncError> {
    if password.is_empty() {
        return Err(VncError::EmptyPassword);
    }
    let mut child = std::process::Command::new("vncpasswd")
        .arg("-f")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(VncError::PasswordFile)?;
    {
        let mut stdin = child.stdin.take().expect("piped");
        // One line in, one 8-byte password out (`-f` asks for no confirmation).
        let line = zeroize::Zeroizing::new(format!("{}\n", password.expose()));
        stdin
            .write_all(line.as_bytes())
            .map_err(VncError::PasswordFile)?;
    }
    let out = child.wait_with_output().map_err(VncError::PasswordFile)?;
    if !out.status.success() || out.stdout.len() != 8 {
        return Err(VncError::PasswordFile(std::io::Error::other(
            "vncpasswd -f gave no password file",
        )));
    }
    let path = dir.join("vnc.passwd");
    write_private(&path, &out.stdout).map_err(VncError::PasswordFile)?;
    Ok(path)
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

/// A running x11vnc; stopped with its process group when dropped.
#[derive(Debug)]
pub struct VncServer {
    process: GroupChild,
    port: u16,
}

impl VncServer {
    /// Serves `display` (with its access cookie) on a free port of 127.0.0.1 (IPv4 only), for any number of clients in
    /// turn, with the password in `password_file` (x11vnc reads it again at each login, so the
    /// file stays while the server runs).
    pub async fn start(
        display: &VirtualDisplay,
        password_file: &Path,
        marker: &Marker,
    ) -> Result<Self, VncError> {
        let mut command = Command::new("x11vnc");
        command
            .args(["-display", &display.name(), "-auth"])
            .arg(display.xauthority())
            .arg("-rfbauth")
            .arg(password_file)
            .args([
                "-localhost",
                "-noipv6",
                "-forever",
                "-shared",
                "-norc",
                "-noshm",
                "-autoport",
                "5900",
            ]);
        let mut process = GroupChild::spawn("x11vnc", command, Stdio::piped(), marker)
            .map_err(VncError::Start)?;
        let stdout = process
            .stdout()
            .ok_or_else(|| VncError::NoPort("no stdout".into()))?;
        let mut lines = BufReader::new(stdout).lines();
        let port = tokio::time::timeout(Duration::from_secs(15), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(port) = line.trim().strip_prefix("PORT=") {
                    return port.parse().ok();
                }
            }
            None
        })
        .await
        .map_err(|_| VncError::NoPort("timed out".into()))?
        .ok_or_else(|| VncError::NoPort("x11vnc exited".into()))?;
        // Keep reading what it prints, so a full pipe never blocks it.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self { process, port })
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn is_running(&mut self) -> bool {
        self.process.is_running()
    }

    pub async fn stop(self) {
        self.process.stop(Duration::from_secs(2)).await;
    }
}
