//! Against the real OS keyring: on Linux a Secret Service (gnome-keyring) on the session bus,
//! which `scripts/with-test-keyring` starts with a throwaway keyring for the test command.

use std::process::Command;

use seller_secrets::{Keyring, Secret, SecretKind};

/// Refuses to run against a developer's own keyring by mistake; the test command sets this.
fn test_keyring() -> Keyring {
    assert_eq!(
        std::env::var("SELLER_PANEL_TEST_KEYRING").as_deref(),
        Ok("1"),
        "run through scripts/with-test-keyring (it starts a throwaway Secret Service): \
         dbus-run-session -- scripts/with-test-keyring cargo nextest run"
    );
    // A service of its own per test run, so runs never see each other's entries.
    Keyring::new(&format!("seller-panel-test-{}", uuid::Uuid::now_v7()))
}

#[test]
fn secrets_are_saved_read_replaced_and_forgotten() {
    let keyring = test_keyring();
    let account = "0193a000-0000-7000-8000-000000000001";
    assert_eq!(keyring.get(account, SecretKind::Vinted).unwrap(), None);

    let reference = keyring
        .set(
            account,
            SecretKind::Vinted,
            &Secret::new("mot de passe été"),
        )
        .unwrap();
    assert!(reference.starts_with("keyring:seller-panel-test-"));
    assert!(reference.ends_with(&format!("/{account}/vinted")));
    assert_eq!(
        keyring.get(account, SecretKind::Vinted).unwrap(),
        Some(Secret::new("mot de passe été"))
    );
    // Each kind is its own entry.
    assert_eq!(keyring.get(account, SecretKind::Proxy).unwrap(), None);

    keyring
        .set(account, SecretKind::Vinted, &Secret::new("nouveau"))
        .unwrap();
    assert_eq!(
        keyring.get(account, SecretKind::Vinted).unwrap(),
        Some(Secret::new("nouveau"))
    );

    keyring.delete_all(account).unwrap();
    assert_eq!(keyring.get(account, SecretKind::Vinted).unwrap(), None);
    // Forgetting twice is fine.
    keyring.delete(account, SecretKind::Vinted).unwrap();
}

/// Another program reads the entry from the Secret Service: the secret really is in the OS
/// keyring, not in a store private to this process.
#[cfg(target_os = "linux")]
#[test]
fn another_program_finds_the_secret_in_the_secret_service() {
    let keyring = test_keyring();
    let account = "0193a000-0000-7000-8000-000000000002";
    keyring
        .set(account, SecretKind::Vnc, &Secret::new("vnc-s3cret"))
        .unwrap();
    let service = keyring
        .reference(account, SecretKind::Vnc)
        .trim_start_matches("keyring:")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let out = Command::new("secret-tool")
        .args([
            "lookup",
            "service",
            &service,
            "username",
            &format!("{account}/vnc"),
        ])
        .output()
        .expect("secret-tool (Debian package libsecret-tools, installed by scripts/setup)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "vnc-s3cret");
    keyring.delete_all(account).unwrap();
}
