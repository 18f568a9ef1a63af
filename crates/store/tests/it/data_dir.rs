//! The data folder: private to its user, and no path built from an id that is not one.

use std::path::Path;

use seller_store::data_dir::{self, UnsafeId};

#[test]
fn only_canonical_uuids_name_a_child_folder() {
    let base = Path::new("/data/browser-profiles");
    let id = "0190f0aa-1111-7abc-8def-0123456789ab";
    assert_eq!(data_dir::safe_child(base, id).unwrap(), base.join(id));
    for hostile in [
        "../x",
        "..",
        ".",
        "",
        "/etc",
        "a/b",
        "0190F0AA-1111-7ABC-8DEF-0123456789AB",
        "0190f0aa11117abc8def0123456789ab",
        "{0190f0aa-1111-7abc-8def-0123456789ab}",
        "0190f0aa-1111-7abc-8def-0123456789ab/../../x",
        "urn:uuid:0190f0aa-1111-7abc-8def-0123456789ab",
        "admin",
    ] {
        assert_eq!(
            data_dir::safe_child(base, hostile),
            Err(UnsafeId {
                id: hostile.to_owned()
            }),
            "{hostile:?}"
        );
    }
    assert!(data_dir::browser_profile_dir(Path::new("/d"), "../x").is_err());
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
#[test]
fn a_new_data_folder_and_what_is_written_in_it_are_private_whatever_the_umask() {
    // SAFETY: nextest runs each test in a process of its own, whose umask this test owns.
    unsafe { libc::umask(0o000) };
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("data");
    data_dir::prepare_private(&dir).unwrap();
    assert_eq!(mode(&dir), 0o700);
    // What the app and the store write afterwards, with their ordinary calls.
    std::fs::create_dir_all(dir.join("photos")).unwrap();
    std::fs::write(dir.join("photos/a.jpg"), b"jpeg").unwrap();
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    std::fs::write(dir.join("logs/seller-panel.log"), b"log").unwrap();
    let store = seller_store::Store::open(&dir.join(data_dir::DATABASE_FILE)).unwrap();
    let backup = dir.join("backups").join("b.spbackup");
    store.backup_to(&dir, &backup).unwrap();
    drop(store);
    for dir_path in ["", "photos", "logs", "backups"] {
        assert_eq!(mode(&dir.join(dir_path)), 0o700, "{dir_path}");
    }
    for file in [
        "photos/a.jpg",
        "logs/seller-panel.log",
        data_dir::DATABASE_FILE,
        "backups/b.spbackup",
    ] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
}

#[cfg(unix)]
#[test]
fn an_existing_data_folder_is_made_private_at_start() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("data");
    let open = |path: &Path, bits| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(bits)).unwrap()
    };
    let profile = dir.join("browser-profiles/0190f0aa-1111-7abc-8def-0123456789ab");
    for sub in ["photos", "logs", "backups", "exports"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        std::fs::write(dir.join(sub).join("f"), b"x").unwrap();
        open(&dir.join(sub), 0o755);
        open(&dir.join(sub).join("f"), 0o644);
    }
    std::fs::create_dir_all(&profile).unwrap();
    open(&profile, 0o755);
    open(&dir.join("browser-profiles"), 0o755);
    std::fs::write(dir.join(data_dir::DATABASE_FILE), b"").unwrap();
    open(&dir.join(data_dir::DATABASE_FILE), 0o664);
    open(&dir, 0o755);
    // A link in the folder to a file elsewhere: fixing the modes must not follow it.
    let elsewhere = parent.path().join("elsewhere.txt");
    std::fs::write(&elsewhere, b"x").unwrap();
    open(&elsewhere, 0o644);
    std::os::unix::fs::symlink(&elsewhere, dir.join("photos/link.jpg")).unwrap();

    data_dir::prepare_private(&dir).unwrap();

    assert_eq!(mode(&dir), 0o700);
    for sub in ["photos", "logs", "backups", "exports"] {
        assert_eq!(mode(&dir.join(sub)), 0o700, "{sub}");
        assert_eq!(mode(&dir.join(sub).join("f")), 0o600, "{sub}/f");
    }
    assert_eq!(mode(&dir.join("browser-profiles")), 0o700);
    assert_eq!(mode(&profile), 0o700);
    assert_eq!(mode(&dir.join(data_dir::DATABASE_FILE)), 0o600);
    assert_eq!(mode(&elsewhere), 0o644, "a link's target is left alone");
}
