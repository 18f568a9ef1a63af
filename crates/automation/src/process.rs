//! Child processes of a session (Xvfb, x11vnc, chromedriver and its browser): each in a process
//! group of its own, so stopping a session ends everything it started and nothing else.
//!
//! Every child also carries a [`Marker`] in its environment, inherited by whatever it starts
//! (Chromium's renderers, its crash handler). After a crash of the app, the next start finds its
//! leftovers by that marker, never by a process name that another program could share.

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
    /// Starts `command` in a new process group, with stdout captured as `stdout` says, carrying
    /// `marker` in its environment (its own children inherit it).
    pub fn spawn(
        name: &'static str,
        mut command: Command,
        stdout: Stdio,
        marker: &Marker,
    ) -> std::io::Result<Self> {
        command
            .env(MARKER_ENV, marker.as_str())
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

    fn signal_group(&mut self, signal: Signal) {
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
        // No process groups or SIGTERM here: the grace period is a plain wait, then the kill.
        #[cfg(not(unix))]
        if let Signal::Kill = signal {
            let _ = self.child.start_kill();
        }
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

/// The environment variable holding a session's [`Marker`].
pub const MARKER_ENV: &str = "SELLER_PANEL_SESSION";

/// Names the app instance and the account a process belongs to:
/// `<scope>#<app pid>#<account id>#`, where the scope is the app's data folder. The closing `#`
/// keeps one account's marker from being the beginning of another's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker(String);

impl Marker {
    /// `instance` is `<scope>#<app pid>`.
    pub fn new(instance: &str, account_id: &str) -> Marker {
        Marker(format!("{instance}#{account_id}#"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The pids of running processes whose marker starts with `prefix` (a whole marker, or an
/// instance or scope followed by `#`), and of every process in the process groups those
/// processes lead: Chromium overwrites its own environment with its process titles, so its
/// processes are found through chromedriver's group, which they stay in. Only groups led by a
/// marked process count, so a marked process that sits in someone else's group never drags
/// that group in. Linux only; elsewhere none are found.
pub fn marked_processes(prefix: &str) -> Vec<u32> {
    let marked: Vec<u32> = markers()
        .into_iter()
        .filter(|(_, marker)| marker.starts_with(prefix))
        .map(|(pid, _)| pid)
        .collect();
    with_their_groups(marked)
}

/// Every process carrying a marker, with it.
fn markers() -> Vec<(u32, String)> {
    #[cfg(target_os = "linux")]
    {
        let needle = format!("{MARKER_ENV}=");
        running_pids()
            .into_iter()
            .filter_map(|pid| {
                let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
                let value = environ
                    .split(|b| *b == 0)
                    .find_map(|var| var.strip_prefix(needle.as_bytes()))?;
                Some((pid, String::from_utf8_lossy(value).into_owned()))
            })
            .collect()
    }
    #[cfg(not(target_os = "linux"))]
    {
        Vec::new()
    }
}

fn with_their_groups(marked: Vec<u32>) -> Vec<u32> {
    #[cfg(target_os = "linux")]
    {
        let leaders: std::collections::HashSet<u32> = marked
            .iter()
            .copied()
            .filter(|pid| process_group(*pid) == Some(*pid))
            .collect();
        running_pids()
            .into_iter()
            .filter(|pid| {
                marked.contains(pid) || process_group(*pid).is_some_and(|g| leaders.contains(&g))
            })
            .collect()
    }
    #[cfg(not(target_os = "linux"))]
    {
        marked
    }
}

#[cfg(target_os = "linux")]
fn running_pids() -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != std::process::id())
        .collect()
}

/// The process group of `pid`: the fifth field of `/proc/<pid>/stat`, counted after the command
/// name, which is in parentheses and may itself hold spaces or parentheses.
#[cfg(target_os = "linux")]
fn process_group(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(2)?.parse().ok()
}

/// Kills every process [`marked_processes`] finds for `prefix` (left behind by an app that was
/// killed itself), and returns how many there were.
pub fn kill_marked(prefix: &str) -> usize {
    kill_all(marked_processes(prefix))
}

/// Kills the sessions of `scope` (a data folder) whose app is no longer running: what an app
/// that was killed left behind. Sessions of another running instance are left alone.
pub fn kill_orphans(scope: &str) -> usize {
    let prefix = format!("{scope}#");
    let orphans: Vec<u32> = markers()
        .into_iter()
        .filter(|(_, marker)| {
            marker
                .strip_prefix(&prefix)
                .and_then(|rest| rest.split('#').next())
                .and_then(|pid| pid.parse::<u32>().ok())
                .is_some_and(|app| !process_exists(app))
        })
        .map(|(pid, _)| pid)
        .collect();
    kill_all(with_their_groups(orphans))
}

fn process_exists(pid: u32) -> bool {
    pid == std::process::id() || std::path::Path::new(&format!("/proc/{pid}")).exists()
}

fn kill_all(pids: Vec<u32>) -> usize {
    #[cfg(unix)]
    for pid in &pids {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    if !pids.is_empty() {
        tracing::warn!(
            count = pids.len(),
            "killed processes left behind by a session"
        );
    }
    pids.len()
}

/// Waits until the process that started this one has gone (quit, crashed or killed outright),
/// then kills whatever sessions it left running in `scope`, and returns how many processes that
/// was. Run in a small process of its own next to the app: an app killed with SIGKILL cannot stop
/// its sessions itself. The parent is watched through our own parent id, which changes when the
/// parent dies: no pid is ever mistaken for another.
#[cfg(unix)]
pub fn reap_after_parent(scope: &str) -> usize {
    let parent = std::os::unix::process::parent_id();
    while std::os::unix::process::parent_id() == parent {
        std::thread::sleep(Duration::from_millis(250));
    }
    // A session being stopped by the app in its last moments gets them to finish.
    std::thread::sleep(Duration::from_millis(500));
    // Only the parent's own sessions: an app started again meanwhile keeps its own.
    kill_marked(&format!("{scope}#{parent}#"))
}
