//! A session's virtual display (Linux): an Xvfb server that picks a free display number itself
//! (`-displayfd`), so sessions and tests running at once never share or steal a display.
//!
//! The display is the account's logged-in browser: no other local user may connect to it. Xvfb
//! listens on no TCP port (`-nolisten tcp`), and its Unix socket, which every user can open,
//! admits only clients that show a random cookie (`-auth`): the cookie is in an Xauthority file
//! readable by this user only, which the session's programs get through `XAUTHORITY`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::process::{GroupChild, Marker};

/// Screen size of a session: a common laptop size, large enough for Vinted's desktop layout.
pub const SCREEN: (u32, u32) = (1366, 768);

#[derive(Debug, thiserror::Error)]
pub enum DisplayError {
    #[error("could not start Xvfb (is the xvfb package installed?): {0}")]
    Start(std::io::Error),
    #[error("Xvfb did not announce its display: {0}")]
    NoDisplay(String),
    #[error("could not write the display's access cookie: {0}")]
    Cookie(std::io::Error),
}

/// A running Xvfb; stopped with its process group when dropped.
#[derive(Debug)]
pub struct VirtualDisplay {
    process: GroupChild,
    number: u32,
    /// The private folder holding the Xauthority file; removed with the display.
    auth_dir: tempfile::TempDir,
}

impl VirtualDisplay {
    pub async fn start(marker: &Marker) -> Result<Self, DisplayError> {
        let mut builder = tempfile::Builder::new();
        builder.prefix("seller-panel-display-");
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
        let auth_dir = builder.tempdir().map_err(DisplayError::Cookie)?;
        let auth_file = auth_dir.path().join(XAUTHORITY_FILE);
        write_xauthority(&auth_file).map_err(DisplayError::Cookie)?;
        let mut command = Command::new("Xvfb");
        command
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                &format!("{}x{}x24", SCREEN.0, SCREEN.1),
                // Chromium draws WebGL with SwiftShader and never asks the X server for GL;
                // Xvfb's GLX loads Mesa's software renderer, 30 to 55 MB PSS per display.
                "-extension",
                "GLX",
                "-nolisten",
                "tcp",
                "-auth",
            ])
            .arg(&auth_file);
        let mut process = GroupChild::spawn("Xvfb", command, Stdio::piped(), marker)
            .map_err(DisplayError::Start)?;
        let stdout = process
            .stdout()
            .ok_or_else(|| DisplayError::NoDisplay("no stdout".into()))?;
        let mut line = String::new();
        let mut reader = BufReader::new(stdout);
        let read = reader.read_line(&mut line);
        match tokio::time::timeout(Duration::from_secs(10), read).await {
            Ok(Ok(_)) => {}
            Ok(Err(err)) => return Err(DisplayError::NoDisplay(err.to_string())),
            Err(_) => return Err(DisplayError::NoDisplay("timed out".into())),
        }
        let number = line
            .trim()
            .parse()
            .map_err(|_| DisplayError::NoDisplay(format!("{line:?}")))?;
        Ok(Self {
            process,
            number,
            auth_dir,
        })
    }

    /// The Xauthority file every program shown on this display needs (`XAUTHORITY`, or
    /// x11vnc's `-auth`).
    pub fn xauthority(&self) -> PathBuf {
        self.auth_dir.path().join(XAUTHORITY_FILE)
    }

    /// The value of `DISPLAY` for programs shown on it, such as `:3`.
    pub fn name(&self) -> String {
        format!(":{}", self.number)
    }

    pub fn is_running(&mut self) -> bool {
        self.process.is_running()
    }

    pub async fn stop(self) {
        self.process.stop(Duration::from_secs(2)).await;
    }
}

const XAUTHORITY_FILE: &str = "Xauthority";

/// Writes an Xauthority file (mode 0600) with one entry holding a fresh random
/// MIT-MAGIC-COOKIE-1: Xvfb reads it with `-auth` and admits only clients that send the
/// cookie. The entry names no host (FamilyWild) and no display number, so it matches whichever
/// display number Xvfb picks. The format: for each of address, number, name and data, a
/// big-endian 16-bit length and the bytes, after a big-endian 16-bit family.
fn write_xauthority(path: &Path) -> std::io::Result<()> {
    const FAMILY_WILD: u16 = 0xffff;
    const NAME: &[u8] = b"MIT-MAGIC-COOKIE-1";
    let mut cookie = zeroize::Zeroizing::new([0u8; 16]);
    getrandom::fill(cookie.as_mut()).map_err(std::io::Error::other)?;
    let mut entry = zeroize::Zeroizing::new(Vec::new());
    entry.extend_from_slice(&FAMILY_WILD.to_be_bytes());
    for field in [&b""[..], &b""[..], NAME, cookie.as_ref()] {
        entry.extend_from_slice(&(field.len() as u16).to_be_bytes());
        entry.extend_from_slice(field);
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(&entry)
}
