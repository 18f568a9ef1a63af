use crate::common::db_path;
use rusqlite::Connection;
use seller_store::products::ProductDraft;
use seller_store::raw::RawSql;
use seller_store::{LATEST_VERSION, MIGRATIONS_SQL, Store, StoreError};

/// Writes a file as an older app version left it: the first `version` migrations applied and
/// `user_version` set accordingly, with a marketplace user in it once the schema has users.
fn file_at_version(path: &std::path::Path, version: u32) {
    let conn = Connection::open(path).unwrap();
    for (_, sql) in &MIGRATIONS_SQL[..version as usize] {
        conn.execute_batch(sql).unwrap();
    }
    if version >= 1 {
        conn.execute(
            "INSERT INTO users (id, name, email, role) VALUES ('u-old', 'Ancien', 'old@example.org', 'customer')",
            [],
        )
        .unwrap();
    }
    conn.pragma_update(None, "user_version", version).unwrap();
}

#[test]
fn every_migration_file_is_embedded_in_order() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    on_disk.sort();
    let embedded: Vec<&str> = MIGRATIONS_SQL.iter().map(|(name, _)| *name).collect();
    assert_eq!(on_disk, embedded);
}

#[test]
fn a_fresh_file_gets_the_latest_schema_without_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&db_path(&dir)).unwrap();
    assert_eq!(store.schema_version().unwrap(), LATEST_VERSION);
    assert_eq!(store.open_outcome().from_version, 0);
    assert_eq!(store.open_outcome().backup, None);
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let conn = store.connection();
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    let fks: i64 = conn
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .unwrap();
    let busy: i64 = conn
        .pragma_query_value(None, "busy_timeout", |r| r.get(0))
        .unwrap();
    assert_eq!((mode.as_str(), fks, busy), ("wal", 1, 5000));
}

#[test]
fn every_earlier_version_migrates_to_the_latest_keeping_data_and_a_backup() {
    for version in 1..LATEST_VERSION {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        file_at_version(&path, version);

        let mut store = Store::open(&path).unwrap_or_else(|e| panic!("from v{version}: {e}"));
        assert_eq!(store.schema_version().unwrap(), LATEST_VERSION);
        assert_eq!(store.open_outcome().from_version, version);
        let backup = store
            .open_outcome()
            .backup
            .clone()
            .expect("a backup before migrating data");
        let old_name: String = store
            .connection()
            .query_row("SELECT name FROM users WHERE id = 'u-old'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(old_name, "Ancien");
        store
            .create_product(ProductDraft::titled("Après migration"))
            .unwrap();
        assert_eq!(store.integrity_check().unwrap(), "ok");

        let copy = Connection::open(&backup).unwrap();
        let copy_version: u32 = copy
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(copy_version, version, "the backup holds the file as it was");
    }
}

#[test]
fn reopening_an_up_to_date_file_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let shop = Store::open(&path).unwrap().shop_id().to_owned();
    let again = Store::open(&path).unwrap();
    assert_eq!(again.shop_id(), shop, "the local shop is created once");
    assert_eq!(again.open_outcome().backup, None);
    assert_eq!(again.open_outcome().from_version, LATEST_VERSION);
}

#[test]
fn a_file_from_a_newer_version_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let newer = LATEST_VERSION + 1;
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", newer)
        .unwrap();

    let err = Store::open(&path)
        .err()
        .expect("a newer file must be refused");
    assert!(
        matches!(err, StoreError::NewerSchema { found, supported } if found == newer && supported == LATEST_VERSION)
    );
    assert!(err.to_string().contains("newer version"), "{err}");

    let conn = Connection::open(&path).unwrap();
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tables, 0, "nothing was created in a file we refused");
}

#[test]
fn a_failing_migration_leaves_the_file_at_its_old_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    file_at_version(&path, 1);
    // A table the next migration wants to create already exists: the migration fails midway.
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE seller_products (x)")
        .unwrap();
    assert!(Store::open(&path).is_err());
    let conn = Connection::open(&path).unwrap();
    let version: u32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    let accounts: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'seller_accounts'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!((version, accounts), (1, 0), "all or nothing");
}

/// Migration 0015 makes the job queue and the audit log again (SQLite cannot widen a CHECK in
/// place): the jobs, the log and the log's links to its jobs must come through, and the new
/// kinds must be accepted.
#[test]
fn remaking_the_job_queue_keeps_jobs_and_the_logs_links_to_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    file_at_version(&path, 14);
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         INSERT INTO shops (id, owner_id, name, slug) VALUES ('s-old', 'u-old', 'Boutique', 'boutique');
         INSERT INTO seller_accounts (id, shop_id, name) VALUES ('a-old', 's-old', 'Compte');
         INSERT INTO vinted_jobs (id, seller_account_id, kind, payload, state, failures)
             VALUES ('j-old', 'a-old', 'relist', '{\"listingId\":\"42\"}', 'waiting', 2);
         INSERT INTO vinted_audit_log (id, seller_account_id, job_id, job_kind, method, path,
                                       outcome, is_relist)
             VALUES ('l-old', 'a-old', 'j-old', 'relist', 'POST', '/api/v2/item_upload/items',
                     'sent', 1);",
    )
    .unwrap();
    drop(conn);

    let store = Store::open(&path).unwrap();
    let conn = store.connection();
    let job: (String, String, i64) = conn
        .query_row(
            "SELECT kind, state, failures FROM vinted_jobs WHERE id = 'j-old'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(job, ("relist".into(), "waiting".into(), 2));
    let logged: (Option<String>, i64) = conn
        .query_row(
            "SELECT job_id, is_relist FROM vinted_audit_log WHERE id = 'l-old'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        logged,
        (Some("j-old".into()), 1),
        "the log still names its job"
    );
    conn.execute(
        "INSERT INTO vinted_jobs (id, seller_account_id, kind, payload) VALUES ('j-new', 'a-old', 'import_orders', '{}')",
        [],
    )
    .unwrap();
    let dangling: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(dangling, 0);
    // Deleting the job still nulls the log's link: the reference follows the renamed table.
    conn.execute("DELETE FROM vinted_jobs WHERE id = 'j-old'", [])
        .unwrap();
    let job_id: Option<String> = conn
        .query_row(
            "SELECT job_id FROM vinted_audit_log WHERE id = 'l-old'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(job_id, None);
}
