//! The session's virtual display keeps other clients out: no TCP port, and its Unix socket
//! admits only a client holding the cookie of its Xauthority file (checked with xdpyinfo, a real
//! X client, from x11-utils).

#![cfg(target_os = "linux")]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use seller_automation::display::VirtualDisplay;

/// Whether xdpyinfo, as `uid` when given (setpriv, as root), could open the display with the
/// Xauthority file `xauthority`.
fn xdpyinfo_connects(display: &str, xauthority: &Path, uid: Option<u32>) -> bool {
    let mut command = match uid {
        Some(uid) => {
            let mut c = Command::new("setpriv");
            c.args([
                format!("--reuid={uid}"),
                format!("--regid={uid}"),
                "--clear-groups".to_owned(),
                "xdpyinfo".to_owned(),
            ]);
            c
        }
        None => Command::new("xdpyinfo"),
    };
    let out = command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DISPLAY", display)
        .env("XAUTHORITY", xauthority)
        .stdin(Stdio::null())
        .output()
        .expect("xdpyinfo (x11-utils) and setpriv (util-linux), from scripts/setup");
    let stdout = String::from_utf8_lossy(&out.stdout);
    out.status.success() && stdout.contains("name of display")
}

#[tokio::test]
async fn the_display_admits_only_a_client_with_its_cookie() {
    let marker = seller_automation::process::Marker::new("display-test", "a");
    let display = VirtualDisplay::start(&marker).await.unwrap();
    let name = display.name();
    let cookie = display.xauthority();
    let mode = std::fs::metadata(&cookie).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the cookie is readable by its owner only");
    let folder = std::fs::metadata(cookie.parent().unwrap()).unwrap();
    assert_eq!(folder.permissions().mode() & 0o777, 0o700);

    assert!(
        xdpyinfo_connects(&name, &cookie, None),
        "a client with the cookie is admitted"
    );
    let no_cookie = tempfile::NamedTempFile::new().unwrap();
    assert!(
        !xdpyinfo_connects(&name, no_cookie.path(), None),
        "a client without the cookie is refused, even as the same user"
    );
    // Another user (nobody): it cannot read the cookie, and the socket refuses it without.
    assert!(!xdpyinfo_connects(&name, &cookie, Some(65534)));
    // No TCP port: 6000 + the display number is closed.
    let number: u16 = name.trim_start_matches(':').parse().unwrap();
    assert!(std::net::TcpStream::connect(("127.0.0.1", 6000 + number)).is_err());

    let folder = cookie.parent().unwrap().to_owned();
    display.stop().await;
    assert!(!folder.exists(), "the cookie goes with the display");
}
