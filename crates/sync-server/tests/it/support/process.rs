//! The real `seller-sync-server` binary, run as an operator runs it, and what its tests need
//! around it: a throwaway certificate authority, raw HTTP(S) exchanges that show the status and
//! headers.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const BINARY: &str = env!("CARGO_BIN_EXE_seller-sync-server");

/// Runs one command of the binary to its end; its standard output (the test fails with its
/// error output if it fails).
pub fn run(args: &[&str], envs: &[(&str, &str)], stdin: &str) -> String {
    let out = try_run(args, envs, stdin);
    assert!(
        out.status.success(),
        "seller-sync-server {args:?}: {}",
        stderr(&out)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn try_run(args: &[&str], envs: &[(&str, &str)], stdin: &str) -> std::process::Output {
    let mut child = Command::new(BINARY)
        .args(args)
        .env_remove("SELLER_SYNC_DATABASE")
        .envs(envs.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A `serve` process; killed when dropped.
pub struct Served {
    child: Child,
    /// `http://127.0.0.1:PORT` or `https://localhost:PORT`.
    pub address: String,
    /// `127.0.0.1:PORT`.
    pub socket: String,
    log: Arc<Mutex<String>>,
}

impl Served {
    /// Starts `seller-sync-server serve --listen 127.0.0.1:0 <args>`, prefixed by `wrapper`
    /// (`prlimit --nofile=…`), and waits for the line that names its address.
    pub fn start(wrapper: &[&str], args: &[&str], envs: &[(&str, &str)]) -> Served {
        let mut argv: Vec<&str> = wrapper.to_vec();
        argv.push(BINARY);
        argv.extend(["serve", "--listen", "127.0.0.1:0"]);
        argv.extend(args);
        let mut child = Command::new(argv[0])
            .args(&argv[1..])
            .env_remove("SELLER_SYNC_DATABASE")
            .envs(envs.iter().copied())
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let address = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the server said {line:?}; log: {}", log.lock().unwrap()))
            .to_owned();
        let port = address.rsplit(':').next().unwrap().to_owned();
        let address = address.replace("https://127.0.0.1", "https://localhost");
        Served {
            child,
            address,
            socket: format!("127.0.0.1:{port}"),
            log,
        }
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Whether the server logs `text` (looked for again while its log is read, up to 30 s).
    pub async fn logs(&self, text: &str) -> bool {
        for _ in 0..600 {
            if self.log().contains(text) {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        false
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A throwaway certificate authority (`ca.pem`) and a certificate it signed for `localhost`
/// and 127.0.0.1 (`cert.pem`, `key.pem`), in `dir`.
pub fn throwaway_ca(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl (scripts/setup installs it)");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let ca = [
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Seller Panel test CA",
    ];
    openssl(&[&["req", "-x509"][..], &ec, &ca].concat());
    let csr = [
        "-keyout",
        "key.pem",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ];
    openssl(&[&["req"][..], &ec, &csr].concat());
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "cert.pem",
        "-days",
        "2",
        "-extfile",
        "san.ext",
    ]);
    (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    )
}

/// A TLS client that trusts only `ca`.
pub fn tls_client(ca: &Path) -> tokio_rustls::TlsConnector {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// An answer as it came: status, headers (names lowercase) and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `code` of a JSON refusal.
    pub fn code(&self) -> String {
        let json: serde_json::Value =
            serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {self:?}"));
        json["code"].as_str().unwrap_or_default().to_owned()
    }
}

/// One HTTP/1.1 request on its own connection (`Connection: close`), over TLS with `tls`.
pub async fn exchange(
    socket: &str,
    tls: Option<&tokio_rustls::TlsConnector>,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let stream = tokio::net::TcpStream::connect(socket).await.unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut raw = Vec::new();
    match tls {
        None => {
            let mut stream = stream;
            stream.write_all(head.as_bytes()).await.unwrap();
            stream.write_all(body).await.unwrap();
            stream.read_to_end(&mut raw).await.unwrap();
        }
        Some(tls) => {
            let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
            let mut stream = tls.connect(name, stream).await.unwrap();
            stream.write_all(head.as_bytes()).await.unwrap();
            stream.write_all(body).await.unwrap();
            // A server that closes without close_notify still gave its whole answer.
            let _ = stream.read_to_end(&mut raw).await;
        }
    }
    parse_answer(&raw)
}

fn parse_answer(raw: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_lowercase(), v.trim().to_owned()))
        .collect::<Vec<_>>();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Answer {
        status,
        headers,
        body,
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// The schema header every request of the app carries.
pub fn schema_header() -> (&'static str, String) {
    (
        seller_sync_core::protocol::SCHEMA_HEADER,
        seller_sync_server::schema::supported_schema()
            .max
            .to_string(),
    )
}
