//! A session's virtual display (Linux): an Xvfb server that picks a free display number itself
//! (`-displayfd`), so sessions and tests running at once never share or steal a display.

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
}

/// A running Xvfb; stopped with its process group when dropped.
#[derive(Debug)]
pub struct VirtualDisplay {
    process: GroupChild,
    number: u32,
}

impl VirtualDisplay {
    pub async fn start(marker: &Marker) -> Result<Self, DisplayError> {
        let mut command = Command::new("Xvfb");
        command.args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            &format!("{}x{}x24", SCREEN.0, SCREEN.1),
            "-nolisten",
            "tcp",
        ]);
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
        Ok(Self { process, number })
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
