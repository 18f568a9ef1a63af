//! A session's display and VNC server on real parts: Xvfb, x11vnc, and a real VNC client
//! (vncsnapshot) that must log in with the right password and be refused with a wrong one.

#![cfg(target_os = "linux")]

use std::path::Path;
use std::process::Command;

use seller_automation::display::VirtualDisplay;
use seller_automation::vnc::{VncServer, write_password_file};
use seller_secrets::Secret;

/// Takes a screenshot with vncsnapshot; returns its exit success and the image bytes.
fn snapshot(port: u16, password_file: &Path, out: &Path) -> (bool, Vec<u8>) {
    let status = Command::new("vncsnapshot")
        .args(["-quiet", "-passwd"])
        .arg(password_file)
        .arg(format!("127.0.0.1::{port}"))
        .arg(out)
        .status()
        .expect("vncsnapshot (Debian package vncsnapshot, installed by scripts/setup)");
    (status.success(), std::fs::read(out).unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vnc_client_logs_in_with_the_password_and_is_refused_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let right = dir.path().join("right");
    let wrong = dir.path().join("wrong");
    std::fs::create_dir_all(&right).unwrap();
    std::fs::create_dir_all(&wrong).unwrap();
    let server_file = write_password_file(&right, &Secret::new("Vnc12345")).unwrap();
    let wrong_file = write_password_file(&wrong, &Secret::new("NotIt999")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&server_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the password file is readable by its owner only"
        );
    }

    let marker = seller_automation::process::Marker::new("vnc-test", "a");
    let display = VirtualDisplay::start(&marker).await.unwrap();
    let mut vnc = VncServer::start(&display, &server_file, &marker)
        .await
        .unwrap();
    assert!(vnc.is_running());

    // Only loopback: the port is not reachable on another local address.
    assert!(std::net::TcpStream::connect(("127.0.0.1", vnc.port())).is_ok());
    let others = local_addresses();
    for address in others {
        assert!(
            std::net::TcpStream::connect((address.as_str(), vnc.port())).is_err(),
            "x11vnc answers on {address}"
        );
    }

    let (ok, image) = snapshot(vnc.port(), &wrong_file, &dir.path().join("wrong.jpg"));
    assert!(!ok, "a wrong password was accepted");
    assert!(image.is_empty());

    let (ok, image) = snapshot(vnc.port(), &server_file, &dir.path().join("right.jpg"));
    assert!(ok, "the right password was refused");
    assert_eq!(&image[..2], &[0xFF, 0xD8], "not a JPEG screenshot");

    vnc.stop().await;
    display.stop().await;
}

/// This machine's non-loopback IPv4 addresses.
fn local_addresses() -> Vec<String> {
    let out = Command::new("hostname").arg("-I").output();
    out.map(|o| {
        String::from_utf8_lossy(&o.stdout)
            .split_whitespace()
            .filter(|a| a.contains('.') && !a.starts_with("127."))
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}
