//! Real upstream proxies for the session tests, each on a free port of 127.0.0.1 and each
//! leaving from its own loopback address, so the fake Vinted site tells by the peer address which
//! proxy a request came through:
//! - tinyproxy (Debian `tinyproxy-bin`), HTTP with Basic auth, outgoing from 127.0.0.2, logging
//!   every request it serves;
//! - microsocks, SOCKS5 with or without user name and password, outgoing from 127.0.0.3.
//!
//! Dropping a proxy kills it.

use crate::ports::free_port;

use std::net::{Ipv4Addr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const USER: &str = "reseller";
pub const PASSWORD: &str = "Proxy-Pass-7781";
pub const TINYPROXY_EXIT: &str = "127.0.0.2";
pub const MICROSOCKS_EXIT: &str = "127.0.0.3";

/// A proxy process, killed and reaped on drop (also when the test panics).
pub struct ProxyProcess {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ProxyProcess {
    /// tinyproxy's log (empty for microsocks).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("tinyproxy.log")).unwrap_or_default()
    }

    /// The requests tinyproxy logged as served (`Request (file descriptor N): GET http://… `
    /// and `CONNECT host:port`), in order.
    pub fn logged_requests(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter_map(|line| line.split_once("): ").map(|(_, request)| request))
            .filter(|request| {
                request.starts_with("GET ")
                    || request.starts_with("POST ")
                    || request.starts_with("CONNECT ")
                    || request.starts_with("HEAD ")
            })
            .map(str::to_owned)
            .collect()
    }
}

/// Starts a proxy on a free port, retrying with another port if it could not listen.
/// `command` gets the port and a private folder for its configuration and log.
pub fn spawn(mut command: impl FnMut(u16, &std::path::Path) -> Command) -> ProxyProcess {
    for _ in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let output = std::fs::File::create(dir.path().join("output")).unwrap();
        let child = command(port, dir.path())
            .stdin(Stdio::null())
            .stdout(output.try_clone().unwrap())
            .stderr(output)
            .spawn()
            .expect("the proxy is installed (scripts/setup: tinyproxy-bin, microsocks)");
        let mut process = ProxyProcess { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if process.child.try_wait().unwrap().is_some() {
                break; // the port was taken meanwhile: try another
            }
            if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
                return process;
            }
            assert!(
                Instant::now() < deadline,
                "the proxy never listened on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    panic!("could not start the proxy");
}

/// tinyproxy demanding [`USER`] / [`PASSWORD`].
pub fn tinyproxy() -> ProxyProcess {
    tinyproxy_as(USER, PASSWORD)
}

/// tinyproxy demanding `user` / `password`.
pub fn tinyproxy_as(user: &str, password: &str) -> ProxyProcess {
    spawn(|port, dir| {
        let log = dir.join("tinyproxy.log");
        let config = format!(
            "Port {port}\nListen 127.0.0.1\nBind {TINYPROXY_EXIT}\nTimeout 60\nMaxClients 100\n\
             LogFile \"{}\"\nLogLevel Info\nBasicAuth {user} {password}\n",
            log.display()
        );
        let path: PathBuf = dir.join("tinyproxy.conf");
        std::fs::write(&path, config).unwrap();
        let mut command = Command::new("/usr/bin/tinyproxy");
        command.arg("-d").arg("-c").arg(path);
        command
    })
}

/// microsocks, demanding [`USER`] / [`PASSWORD`] when `auth`.
pub fn microsocks(auth: bool) -> ProxyProcess {
    microsocks_as(auth.then_some((USER, PASSWORD)))
}

/// microsocks, demanding `credentials` (user, password) when given.
pub fn microsocks_as(credentials: Option<(&str, &str)>) -> ProxyProcess {
    spawn(|port, _| {
        let mut command = Command::new("microsocks");
        command.args([
            "-i",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-b",
            MICROSOCKS_EXIT,
        ]);
        if let Some((user, password)) = credentials {
            command.args(["-u", user, "-P", password]);
        }
        command
    })
}
