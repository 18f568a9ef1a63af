use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::common::full_draft;
use seller_store::Store;
use seller_store::backup::{self, BackupError};
use seller_store::products::{ProductDraft, ProductQuery};

const DB: &str = "seller-panel.sqlite3";

/// A data folder as the app keeps it: the database and two photo files the product uses.
fn data_folder_with_a_product() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("photos")).unwrap();
    std::fs::write(dir.path().join("photos/a.jpg"), b"\xFF\xD8\xFFjpeg-a").unwrap();
    std::fs::write(dir.path().join("photos/b.jpg"), b"\xFF\xD8\xFFjpeg-b").unwrap();
    let mut store = Store::open(&dir.path().join(DB)).unwrap();
    store.create_product(full_draft("Robe d'été")).unwrap();
    (dir, store)
}

fn titles(store: &Store) -> Vec<String> {
    store
        .list_products(&ProductQuery::default())
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.title)
        .collect()
}

#[test]
fn a_backup_restores_the_database_and_photos_elsewhere() {
    let (source, store) = data_folder_with_a_product();
    let file = source.path().join("out").join(backup::default_file_name());
    let manifest = store.backup_to(source.path(), &file).unwrap();
    assert_eq!((manifest.product_count, manifest.photo_count), (1, 2));
    assert_eq!(backup::inspect(&file).unwrap(), manifest);

    let target = tempfile::tempdir().unwrap();
    let restored = backup::restore(&file, target.path()).unwrap();
    assert_eq!(restored.previous_data, None, "nothing was there to keep");
    let copy = Store::open(&target.path().join(DB)).unwrap();
    assert_eq!(titles(&copy), ["Robe d'été"]);
    assert_eq!(
        std::fs::read(target.path().join("photos/b.jpg")).unwrap(),
        b"\xFF\xD8\xFFjpeg-b"
    );
    assert_eq!(copy.integrity_check().unwrap(), "ok");
}

#[test]
fn restoring_keeps_the_data_it_replaces() {
    let (dir, mut store) = data_folder_with_a_product();
    let file = dir.path().join("backup.spbackup");
    store.backup_to(dir.path(), &file).unwrap();
    store
        .create_product(ProductDraft::titled("Ajouté après la sauvegarde"))
        .unwrap();
    drop(store);

    let restored = backup::restore(&file, dir.path()).unwrap();
    let kept = restored.previous_data.expect("the replaced data is kept");
    let store = Store::open(&dir.path().join(DB)).unwrap();
    assert_eq!(titles(&store), ["Robe d'été"]);
    let before = Store::open(&kept.join(DB)).unwrap();
    assert_eq!(
        before
            .list_products(&ProductQuery::default())
            .unwrap()
            .total,
        2
    );
    assert!(kept.join("photos/a.jpg").is_file());
}

fn assert_untouched(dir: &Path) {
    let store = Store::open(&dir.join(DB)).unwrap();
    assert_eq!(
        titles(&store),
        ["Robe d'été"],
        "the current data must not change"
    );
    assert!(dir.join("photos/a.jpg").is_file());
}

#[test]
fn a_file_that_is_not_a_backup_is_refused_before_anything_changes() {
    let (dir, store) = data_folder_with_a_product();
    drop(store);
    let junk = dir.path().join("vacances.jpg");
    std::fs::write(&junk, b"\xFF\xD8\xFF not a tar archive at all").unwrap();
    let err = backup::restore(&junk, dir.path()).unwrap_err();
    assert!(matches!(err, BackupError::NotABackup { .. }), "{err}");
    assert!(err.to_string().contains("vacances.jpg"), "{err}");
    assert_untouched(dir.path());
}

#[test]
fn a_backup_with_a_damaged_database_is_refused() {
    let (dir, store) = data_folder_with_a_product();
    let file = dir.path().join("b.spbackup");
    store.backup_to(dir.path(), &file).unwrap();
    drop(store);
    // Overwrite a stretch inside the archived database (after its tar header and SQLite header).
    let mut bytes = std::fs::read(&file).unwrap();
    let db_start = find(&bytes, b"SQLite format 3\0").expect("database in the archive");
    for b in &mut bytes[db_start + 4096..db_start + 4096 + 2048] {
        *b = 0xA5;
    }
    std::fs::write(&file, bytes).unwrap();
    let err = backup::restore(&file, dir.path()).unwrap_err();
    assert!(matches!(err, BackupError::Damaged { .. }), "{err}");
    assert_untouched(dir.path());
}

#[test]
fn a_backup_from_a_newer_version_is_refused() {
    let (dir, store) = data_folder_with_a_product();
    let file = dir.path().join("b.spbackup");
    store.backup_to(dir.path(), &file).unwrap();
    drop(store);
    let mut bytes = std::fs::read(&file).unwrap();
    let at = find(&bytes, b"\"schemaVersion\": ").unwrap() + b"\"schemaVersion\": ".len();
    // `"schemaVersion": 10` becomes `"schemaVersion":999`, the same length (the tar checksum
    // ignores data): newer than this build, whatever its number of digits.
    let digits = bytes[at..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    assert!(digits > 0);
    bytes[at - 1..at + digits].fill(b'9');
    let newer: u32 = "9".repeat(digits + 1).parse().unwrap();
    std::fs::write(&file, bytes).unwrap();
    let err = backup::restore(&file, dir.path()).unwrap_err();
    assert!(
        matches!(err, BackupError::NewerSchema { found, .. } if found == newer),
        "{err}"
    );
    assert_untouched(dir.path());
}

#[test]
fn a_backup_taken_while_another_connection_writes_is_consistent() {
    let (dir, store) = data_folder_with_a_product();
    let path = dir.path().join(DB);
    let writer = std::thread::spawn(move || {
        let mut other = Store::open(&path).unwrap();
        for i in 0..300 {
            other
                .create_product(ProductDraft::titled(&format!("Pendant la sauvegarde {i}")))
                .unwrap();
        }
    });
    let file = dir.path().join("live.spbackup");
    let manifest = store.backup_to(dir.path(), &file).unwrap();
    writer.join().unwrap();
    assert_eq!(backup::inspect(&file).unwrap(), manifest);
    let target = tempfile::tempdir().unwrap();
    backup::restore(&file, target.path()).unwrap();
    let copy = Store::open(&target.path().join(DB)).unwrap();
    assert_eq!(
        copy.list_products(&ProductQuery::default()).unwrap().total,
        manifest.product_count
    );
}

/// Writes a small file named `name` in `dir`, last modified `age` before `now`.
fn file_aged(dir: &Path, name: &str, now: SystemTime, age: Duration) {
    let path = dir.join(name);
    std::fs::write(&path, b"x").unwrap();
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(now - age).unwrap();
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

const DAY: Duration = Duration::from_secs(86_400);

#[test]
fn backups_are_named_by_who_made_them() {
    use backup::BackupKind;
    let manual = backup::default_file_name();
    let auto = backup::auto_file_name();
    assert!(manual.starts_with("seller-panel-20"), "{manual}");
    assert!(auto.starts_with("seller-panel-auto-20"), "{auto}");
    assert_eq!(BackupKind::of_file_name(&manual), Some(BackupKind::Manual));
    assert_eq!(BackupKind::of_file_name(&auto), Some(BackupKind::Automatic));
    assert_eq!(
        BackupKind::of_file_name("ma-copie.spbackup"),
        Some(BackupKind::Manual)
    );
    assert_eq!(BackupKind::of_file_name("seller-panel-auto-x.txt"), None);
}

#[test]
fn pruning_removes_only_old_automatic_backups() {
    let dir = tempfile::tempdir().unwrap();
    let now = SystemTime::now();
    for (name, age_days) in [
        ("seller-panel-auto-2026-01-01T03-00-00-000Z.spbackup", 10),
        ("seller-panel-auto-2026-01-09T03-00-00-000Z.spbackup", 2),
        // Manual backups, however old: the app's button and `seller backup` name them so, and
        // backups made before automatic ones had their own name are kept too.
        ("seller-panel-2025-06-01T10-00-00-000Z.spbackup", 200),
        ("seller-panel-2026-01-01T10-00-00-000Z.spbackup", 10),
        ("mon-export.spbackup", 30),
        ("seller-panel-auto-notes.txt", 30),
    ] {
        file_aged(dir.path(), name, now, age_days * DAY);
    }
    assert_eq!(backup::prune(dir.path(), 7, now).unwrap(), 1);
    assert_eq!(
        file_names(dir.path()),
        [
            "mon-export.spbackup",
            "seller-panel-2025-06-01T10-00-00-000Z.spbackup",
            "seller-panel-2026-01-01T10-00-00-000Z.spbackup",
            "seller-panel-auto-2026-01-09T03-00-00-000Z.spbackup",
            "seller-panel-auto-notes.txt",
        ]
    );
    // Lowering the days to keep deletes the newer automatic backup, still no manual one.
    assert_eq!(backup::prune(dir.path(), 1, now).unwrap(), 1);
    assert_eq!(
        file_names(dir.path()),
        [
            "mon-export.spbackup",
            "seller-panel-2025-06-01T10-00-00-000Z.spbackup",
            "seller-panel-2026-01-01T10-00-00-000Z.spbackup",
            "seller-panel-auto-notes.txt",
        ]
    );
}

#[test]
fn the_daily_backup_is_made_once_a_day_and_prunes_old_automatic_ones() {
    let (data, store) = data_folder_with_a_product();
    let backups = data.path().join("backups");
    let now = chrono::Utc::now();

    // No folder yet: due, and the first one is written as an automatic backup.
    let made = store
        .daily_backup_if_due(data.path(), &backups, 7, &now)
        .unwrap()
        .expect("no backup yet today");
    assert!(made.file.starts_with(&backups));
    let name = made
        .file
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with(backup::AUTO_PREFIX), "{name}");
    assert_eq!(made.manifest.product_count, 1);
    assert_eq!(backup::inspect(&made.file).unwrap(), made.manifest);
    assert_eq!(made.removed, 0);

    // Not twice the same day.
    assert!(
        store
            .daily_backup_if_due(data.path(), &backups, 7, &chrono::Utc::now())
            .unwrap()
            .is_none()
    );
    assert_eq!(file_names(&backups), [name]);

    // A manual backup made today does not stand in for the automatic one, and is kept.
    let other = tempfile::tempdir().unwrap();
    let sys_now = SystemTime::now();
    file_aged(
        other.path(),
        "seller-panel-2026-01-01T10-00-00-000Z.spbackup",
        sys_now,
        Duration::ZERO,
    );
    file_aged(
        other.path(),
        "seller-panel-2025-01-01T10-00-00-000Z.spbackup",
        sys_now,
        400 * DAY,
    );
    // Yesterday's automatic backup does not either; the one of 10 days ago is pruned.
    file_aged(
        other.path(),
        "seller-panel-auto-yesterday.spbackup",
        sys_now,
        DAY + Duration::from_secs(3600),
    );
    file_aged(
        other.path(),
        "seller-panel-auto-old.spbackup",
        sys_now,
        10 * DAY,
    );
    let made = store
        .daily_backup_if_due(data.path(), other.path(), 7, &chrono::Utc::now())
        .unwrap()
        .expect("no automatic backup yet today");
    assert_eq!(made.removed, 1);
    let left = file_names(other.path());
    assert_eq!(left.len(), 4, "{left:?}");
    assert!(left.contains(&"seller-panel-2025-01-01T10-00-00-000Z.spbackup".to_owned()));
    assert!(left.contains(&"seller-panel-2026-01-01T10-00-00-000Z.spbackup".to_owned()));
    assert!(left.contains(&"seller-panel-auto-yesterday.spbackup".to_owned()));
    assert!(!left.contains(&"seller-panel-auto-old.spbackup".to_owned()));
}

#[test]
fn the_daily_backup_counts_days_in_the_given_time_zone() {
    use chrono::{FixedOffset, TimeZone};
    let dir = tempfile::tempdir().unwrap();
    // An automatic backup written at 22:30 UTC on 10 January (23:30 in Paris)…
    let written = chrono::Utc
        .with_ymd_and_hms(2026, 1, 10, 22, 30, 0)
        .unwrap();
    file_aged(
        dir.path(),
        "seller-panel-auto-a.spbackup",
        SystemTime::from(written),
        Duration::ZERO,
    );
    // …is today's at 23:15 UTC, but yesterday's in Paris (UTC+1), where it is then 00:15 on
    // 11 January.
    let utc_now = chrono::Utc
        .with_ymd_and_hms(2026, 1, 10, 23, 15, 0)
        .unwrap();
    assert!(!backup::daily_backup_due(dir.path(), &utc_now).unwrap());
    let paris = FixedOffset::east_opt(3600).unwrap();
    assert!(backup::daily_backup_due(dir.path(), &utc_now.with_timezone(&paris)).unwrap());
    // Manual backups never count.
    let other = tempfile::tempdir().unwrap();
    file_aged(
        other.path(),
        "seller-panel-2026-01-10.spbackup",
        SystemTime::from(written),
        Duration::ZERO,
    );
    assert!(backup::daily_backup_due(other.path(), &utc_now).unwrap());
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A real backup of `dir` with one more entry appended after the good ones, made by `add`.
fn backup_with_extra_entry(
    dir: &Path,
    store: &Store,
    add: impl FnOnce(&mut tar::Builder<Vec<u8>>),
) -> std::path::PathBuf {
    let good = dir.join("good.spbackup");
    store.backup_to(dir, &good).unwrap();
    let mut builder = tar::Builder::new(Vec::new());
    let mut archive = tar::Archive::new(std::fs::File::open(&good).unwrap());
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let mut header = entry.header().clone();
        let path = entry.path().unwrap().into_owned();
        builder.append_data(&mut header, path, &mut entry).unwrap();
    }
    add(&mut builder);
    let crafted = dir.join("crafted.spbackup");
    std::fs::write(&crafted, builder.into_inner().unwrap()).unwrap();
    crafted
}

/// A header whose name is written byte for byte, as a hostile tool would (the tar crate's own
/// setters refuse absolute paths and `..`).
fn raw_named_header(name: &str, kind: tar::EntryType, size: u64) -> tar::Header {
    let mut header = tar::Header::new_old();
    header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
    header.set_entry_type(kind);
    header.set_size(size);
    header.set_mode(0o644);
    header.set_cksum();
    header
}

fn assert_refused_and_untouched(dir: &Path, crafted: &Path, outside: &Path) {
    let err = backup::restore(crafted, dir).unwrap_err();
    assert!(matches!(err, BackupError::NotABackup { .. }), "{err}");
    assert!(backup::inspect(crafted).is_err(), "inspect refuses it too");
    assert_untouched(dir);
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("before-restore") || name.starts_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "nothing was moved aside: {leftovers:?}"
    );
    assert_eq!(
        std::fs::read(outside).unwrap(),
        b"sentinel",
        "the file outside stays"
    );
    assert!(
        std::fs::symlink_metadata(dir.join("photos/evil.jpg")).is_err(),
        "no entry of the refused file reached the photos"
    );
}

/// A folder holding a data folder `data/` and a sentinel file beside it.
fn data_folder_beside_a_sentinel() -> (tempfile::TempDir, std::path::PathBuf, Store) {
    let (data, store) = data_folder_with_a_product();
    let outside = data.path().join("outside.txt");
    std::fs::write(&outside, b"sentinel").unwrap();
    (data, outside, store)
}

#[test]
fn a_backup_holding_a_symbolic_link_is_refused_before_anything_changes() {
    let (dir, outside, store) = data_folder_beside_a_sentinel();
    let crafted = backup_with_extra_entry(dir.path(), &store, |b| {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_size(0);
        header.set_mode(0o777);
        b.append_link(&mut header, "photos/evil.jpg", &outside)
            .unwrap();
    });
    drop(store);
    assert_refused_and_untouched(dir.path(), &crafted, &outside);
}

#[test]
fn a_backup_holding_a_hard_link_is_refused_before_anything_changes() {
    let (dir, outside, store) = data_folder_beside_a_sentinel();
    let crafted = backup_with_extra_entry(dir.path(), &store, |b| {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Link);
        header.set_size(0);
        b.append_link(&mut header, "photos/evil.jpg", "../outside.txt")
            .unwrap();
    });
    drop(store);
    assert_refused_and_untouched(dir.path(), &crafted, &outside);
}

#[test]
fn a_backup_holding_a_device_is_refused_before_anything_changes() {
    let (dir, outside, store) = data_folder_beside_a_sentinel();
    let crafted = backup_with_extra_entry(dir.path(), &store, |b| {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Char);
        header.set_device_major(1).unwrap();
        header.set_device_minor(3).unwrap();
        header.set_size(0);
        header.set_mode(0o666);
        b.append_data(&mut header, "photos/evil.jpg", std::io::empty())
            .unwrap();
    });
    drop(store);
    assert_refused_and_untouched(dir.path(), &crafted, &outside);
}

#[test]
fn a_backup_entry_with_an_absolute_path_or_dot_dot_is_refused_before_anything_changes() {
    for name in ["/tmp/seller-panel-evil.jpg", "photos/../../outside.txt"] {
        let (dir, outside, store) = data_folder_beside_a_sentinel();
        let crafted = backup_with_extra_entry(dir.path(), &store, |b| {
            let body = b"overwritten";
            let header = raw_named_header(name, tar::EntryType::Regular, body.len() as u64);
            b.append(&header, &body[..]).unwrap();
        });
        drop(store);
        assert_refused_and_untouched(dir.path(), &crafted, &outside);
        assert!(!Path::new("/tmp/seller-panel-evil.jpg").exists(), "{name}");
    }
}

#[cfg(unix)]
#[test]
fn a_backup_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, store) = data_folder_with_a_product();
    // A permissive umask, as a desktop session may have: the backup must not follow it.
    // SAFETY: this test's process (nextest runs one test per process) owns its umask.
    unsafe { libc::umask(0o022) };
    let file = dir
        .path()
        .join("elsewhere")
        .join(backup::default_file_name());
    store.backup_to(dir.path(), &file).unwrap();
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
}
