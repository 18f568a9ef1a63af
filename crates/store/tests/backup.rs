mod common;

use std::path::Path;
use std::time::{Duration, SystemTime};

use common::full_draft;
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
    bytes[at] = b'9'; // a one-digit version becomes 9: newer than this build (tar checksum ignores data)
    std::fs::write(&file, bytes).unwrap();
    let err = backup::restore(&file, dir.path()).unwrap_err();
    assert!(
        matches!(err, BackupError::NewerSchema { found: 9, .. }),
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

#[test]
fn pruning_removes_only_old_automatic_backups() {
    let dir = tempfile::tempdir().unwrap();
    let now = SystemTime::now();
    for (name, age_days) in [
        ("seller-panel-old.spbackup", 10),
        ("seller-panel-recent.spbackup", 2),
        ("mon-export.spbackup", 30),
        ("seller-panel-notes.txt", 30),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, b"x").unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(now - Duration::from_secs(age_days * 86_400))
            .unwrap();
    }
    assert_eq!(backup::prune(dir.path(), 7, now).unwrap(), 1);
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            "mon-export.spbackup",
            "seller-panel-notes.txt",
            "seller-panel-recent.spbackup"
        ]
    );
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
