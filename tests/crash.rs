//! A process killed in the middle of a large write leaves the database intact, holding each
//! transaction wholly or not at all.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use seller_store::Store;
use seller_store::raw::RawSql;

const BATCH: i64 = 2_000;

#[test]
fn a_writer_killed_mid_transaction_leaves_whole_batches_and_a_sound_file() {
    for round in 0..3u64 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crash.sqlite3");
        let mut child = Command::new(env!("CARGO_BIN_EXE_store-crash-writer"))
            .arg(&path)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let committed_before_kill = 2 + round;
        for _ in 0..committed_before_kill {
            let line = lines.next().expect("writer output").unwrap();
            assert!(line.starts_with("committed"), "{line}");
        }
        // Different delays land the kill at different points of the next batch.
        std::thread::sleep(Duration::from_millis(7 * round + 3));
        child.kill().unwrap(); // SIGKILL: no destructor, no rollback by the writer.
        child.wait().unwrap();

        let store = Store::open(&path).unwrap();
        assert_eq!(store.integrity_check().unwrap(), "ok");
        let conn = store.connection();
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        let products = count("SELECT count(*) FROM seller_products");
        let photos = count("SELECT count(*) FROM seller_product_photos");
        assert_eq!(
            products % BATCH,
            0,
            "round {round}: a partial batch survived ({products} rows)"
        );
        assert!(
            products >= committed_before_kill as i64 * BATCH,
            "round {round}: a committed batch was lost"
        );
        assert_eq!(
            photos, products,
            "round {round}: every product has its photo and no more"
        );
        let fts: i64 = count(
            "SELECT count(*) FROM seller_products_fts WHERE seller_products_fts MATCH 'article'",
        );
        assert_eq!(
            fts, products,
            "round {round}: the search index agrees with the table"
        );
        assert_eq!(count("SELECT count(*) FROM pragma_foreign_key_check"), 0);
    }
}
