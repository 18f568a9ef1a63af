//! Real upstream proxies for the session tests, each on a free port of 127.0.0.1 and each
//! leaving from its own loopback address, so the fake Vinted site tells by the peer address which
//! proxy a request came through:
//! - tinyproxy (Debian `tinyproxy-bin`), HTTP with Basic auth, outgoing from 127.0.0.2, logging
//!   every request it serves;
//! - microsocks, SOCKS5 with or without user name and password, outgoing from 127.0.0.3;
//! - squid (Debian `squid`), HTTP with Basic auth checked by its `basic_ncsa_auth` helper against
//!   an htpasswd file, outgoing from 127.0.0.4, no disk cache, logging every request in its
//!   access log.
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
pub const SQUID_EXIT: &str = "127.0.0.4";

/// Which program a [`ProxyProcess`] runs, for reading its log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Tinyproxy,
    Squid,
}

/// A proxy process, killed and reaped on drop (also when the test panics).
pub struct ProxyProcess {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
    kind: Kind,
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ProxyProcess {
    /// tinyproxy's log, squid's access log (empty for microsocks).
    pub fn log(&self) -> String {
        let name = match self.kind {
            Kind::Tinyproxy => "tinyproxy.log",
            Kind::Squid => "access.log",
        };
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }

    /// The requests the proxy logged (`GET http://…` and `CONNECT host:port`), in order.
    /// tinyproxy logs a request as it reads it; squid once it is over (a `CONNECT` tunnel when
    /// it closes), refused ones included: see [`ProxyProcess::squid_log`] for its outcome.
    pub fn logged_requests(&self) -> Vec<String> {
        if self.kind == Kind::Squid {
            return self
                .squid_log()
                .into_iter()
                .map(|entry| format!("{} {}", entry.method, entry.url))
                .collect();
        }
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

    /// squid's access log, one entry a request, in the order the requests ended.
    pub fn squid_log(&self) -> Vec<SquidEntry> {
        // The native format: time elapsed client action/status bytes method URL user
        // hierarchy/peer type.
        self.log()
            .lines()
            .filter_map(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                let (action, status) = fields.get(3)?.split_once('/')?;
                // A connection closed before any request (the start-up check of `spawn`) is
                // logged too, as method `-` and URL `error:transaction-end-before-headers`.
                if fields.get(5) == Some(&"-") {
                    return None;
                }
                Some(SquidEntry {
                    action: action.to_owned(),
                    status: status.parse().ok()?,
                    method: (*fields.get(5)?).to_owned(),
                    url: (*fields.get(6)?).to_owned(),
                    user: (*fields.get(7)?).to_owned(),
                })
            })
            .collect()
    }
}

/// One line of squid's access log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SquidEntry {
    /// `TCP_MISS`, `TCP_TUNNEL`, `TCP_DENIED`…
    pub action: String,
    pub status: u16,
    pub method: String,
    /// The absolute URL, or `host:port` for `CONNECT`.
    pub url: String,
    /// The authenticated user, `-` for none.
    pub user: String,
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
            .expect("the proxy is installed (scripts/setup: tinyproxy-bin, microsocks, squid)");
        let mut process = ProxyProcess {
            child,
            port,
            dir,
            kind: Kind::Tinyproxy,
        };
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

/// squid demanding [`USER`] / [`PASSWORD`].
pub fn squid() -> ProxyProcess {
    squid_as(USER, PASSWORD)
}

/// squid demanding `user` / `password`, checked by `basic_ncsa_auth` against an htpasswd file
/// (`openssl passwd -apr1`). Unlike Debian's default configuration it lets `CONNECT` reach any
/// port (the fake site is plain HTTP on a high port; the default allows 443 only) and the
/// loopback addresses; anything without the password is refused. No disk cache, nothing kept
/// in memory either, so every request reaches the site and shows in the access log.
pub fn squid_as(user: &str, password: &str) -> ProxyProcess {
    let hash = Command::new("openssl")
        .args(["passwd", "-apr1", password])
        .output()
        .expect("openssl (scripts/setup)");
    assert!(hash.status.success(), "openssl passwd failed");
    let hash = String::from_utf8(hash.stdout).unwrap();
    let mut process = spawn(|port, dir| {
        // Started as root, squid runs as `cache_effective_user` (Debian's `proxy`), and so does
        // its auth helper: the folder and the htpasswd file must be theirs to read and write.
        // As any other user, squid stays that user and ignores the setting.
        std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
        let htpasswd = dir.join("htpasswd");
        std::fs::write(&htpasswd, format!("{user}:{}\n", hash.trim())).unwrap();
        std::fs::set_permissions(
            &htpasswd,
            std::os::unix::fs::PermissionsExt::from_mode(0o644),
        )
        .unwrap();
        let d = dir.display();
        let config = format!(
            "http_port 127.0.0.1:{port}\n\
             pid_filename {d}/squid.pid\n\
             cache_log {d}/cache.log\n\
             access_log stdio:{d}/access.log squid\n\
             coredump_dir {d}\n\
             cache deny all\n\
             cache_mem 0 MB\n\
             netdb_filename none\n\
             pinger_enable off\n\
             shutdown_lifetime 0 seconds\n\
             visible_hostname squid-test\n\
             tcp_outgoing_address {SQUID_EXIT}\n\
             auth_param basic program /usr/lib/squid/basic_ncsa_auth {d}/htpasswd\n\
             auth_param basic children 2 startup=1 idle=1\n\
             auth_param basic realm seller-panel-test\n\
             acl authenticated proxy_auth REQUIRED\n\
             acl SSL_ports port 1-65535\n\
             acl Safe_ports port 1-65535\n\
             acl CONNECT method CONNECT\n\
             http_access deny !Safe_ports\n\
             http_access deny CONNECT !SSL_ports\n\
             http_access allow authenticated\n\
             http_access deny all\n"
        );
        let path = dir.join("squid.conf");
        std::fs::write(&path, config).unwrap();
        let mut command = Command::new("squid");
        // -N: in the foreground, one process (no kid to outlive a kill).
        command.arg("-N").arg("-f").arg(path);
        command
    });
    process.kind = Kind::Squid;
    process
}
