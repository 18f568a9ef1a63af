//! Child processes of a session (Xvfb, x11vnc, chromedriver and its browser): each in a process
//! group of its own, so stopping a session ends everything it started and nothing else.

use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

/// A running child process, killed with its whole process group when dropped.
#[derive(Debug)]
pub struct GroupChild {
    child: Child,
    name: &'static str,
}

impl GroupChild {
    /// Starts `command` in a new process group, with stdout captured as `stdout` says.
    pub fn spawn(name: &'static str, mut command: Command, stdout: Stdio) -> std::io::Result<Self> {
        command
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(Stdio::null())
            .kill_on_drop(true);
        #[cfg(unix)]
        command.process_group(0);
        let child = command.spawn()?;
        tracing::debug!(process = name, pid = child.id(), "started");
        Ok(Self { child, name })
    }

    pub fn id(&self) -> Option<u32> {
        self.child.id()
    }

    pub fn stdout(&mut self) -> Option<tokio::process::ChildStdout> {
        self.child.stdout.take()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Asks the group to end (SIGTERM), then kills it after `grace`.
    pub async fn stop(mut self, grace: Duration) {
        self.signal_group(Signal::Term);
        if tokio::time::timeout(grace, self.child.wait())
            .await
            .is_err()
        {
            self.signal_group(Signal::Kill);
            let _ = self.child.wait().await;
        }
        tracing::debug!(process = self.name, "stopped");
    }

    fn signal_group(&self, signal: Signal) {
        #[cfg(unix)]
        if let Some(pid) = self.child.id() {
            let flag = match signal {
                Signal::Term => "-TERM",
                Signal::Kill => "-KILL",
            };
            // The group's id is the leader's pid; `kill -- -PGID` reaches every member.
            let _ = std::process::Command::new("kill")
                .args([flag, "--", &format!("-{pid}")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        #[cfg(not(unix))]
        let _ = signal;
    }
}

impl Drop for GroupChild {
    fn drop(&mut self) {
        if self.is_running() {
            self.signal_group(Signal::Kill);
        }
    }
}

#[derive(Clone, Copy)]
enum Signal {
    Term,
    Kill,
}
