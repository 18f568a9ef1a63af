use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

use crate::migrations::{LATEST_VERSION, migrations};
use crate::settings::{read_setting, write_setting};
use crate::{Result, StoreError, StoreTx, new_id, now_rfc3339};

/// An open database file, migrated to [`LATEST_VERSION`].
///
/// Read accessors take `&self`; writes take `&mut self` and run in one transaction each
/// ([`Store::write`], on a [`StoreTx`]), so a failed write leaves nothing behind.
pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
    pub(crate) shop_id: String,
    outcome: OpenOutcome,
    /// What the last bulk action needs for its undo.
    pub(crate) undo: Option<crate::undo::Journal>,
}

/// What [`Store::open`] had to do to the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenOutcome {
    pub from_version: u32,
    pub to_version: u32,
    /// The copy made before migrating a file that already held data.
    pub backup: Option<PathBuf>,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings it to the latest schema.
    ///
    /// A file already holding data is copied beside itself before any migration runs; all
    /// pending migrations then apply in one transaction. A file from a newer app is refused
    /// untouched.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_prepared(path, |_| Ok(()))
    }

    /// [`Store::open`], with `prepare` run on the connection before anything is written: the
    /// sync engine registers there the SQL functions its capture triggers call. Raw access to
    /// the connection, hence behind the `raw-sql` feature like [`crate::raw`].
    #[cfg(feature = "raw-sql")]
    pub fn open_with(
        path: &Path,
        prepare: impl FnOnce(&Connection) -> rusqlite::Result<()>,
    ) -> Result<Store> {
        Store::open_prepared(path, prepare)
    }

    fn open_prepared(
        path: &Path,
        prepare: impl FnOnce(&Connection) -> rusqlite::Result<()>,
    ) -> Result<Store> {
        let mut conn = Connection::open(path)?;
        configure(&conn)?;
        prepare(&conn)?;
        let from_version = schema_version(&conn)?;
        if from_version > LATEST_VERSION {
            return Err(StoreError::NewerSchema {
                found: from_version,
                supported: LATEST_VERSION,
            });
        }
        let mut backup = None;
        if from_version < LATEST_VERSION {
            if holds_data(&conn)? {
                backup = Some(backup_before_migration(&conn, path, from_version)?);
            }
            migrations().to_latest(&mut conn)?;
            tracing::info!(
                from_version,
                to_version = LATEST_VERSION,
                ?backup,
                "database migrated"
            );
        }
        let shop_id = ensure_local_shop(&mut conn)?;
        crate::undo::attach(&conn)?;
        Ok(Store {
            conn,
            path: path.to_owned(),
            shop_id,
            outcome: OpenOutcome {
                from_version,
                to_version: LATEST_VERSION,
                backup,
            },
            undo: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The shop this device works in; products and accounts belong to it.
    pub fn shop_id(&self) -> &str {
        &self.shop_id
    }

    pub fn open_outcome(&self) -> &OpenOutcome {
        &self.outcome
    }

    pub fn schema_version(&self) -> Result<u32> {
        schema_version(&self.conn)
    }

    /// `PRAGMA integrity_check`, `"ok"` when the file is sound.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    /// Moves this device's data into the shop `shop_id`; see [`StoreTx::move_to_shop`].
    pub fn move_to_shop(&mut self, shop_id: &str) -> Result<Vec<String>> {
        self.write(|tx| tx.move_to_shop(shop_id))
    }
}

impl StoreTx<'_> {
    /// Moves this device's data into the shop `shop_id` (the account's shop on a sync server,
    /// already pulled) and drops the local one it was in. An item whose SKU the shop already
    /// has keeps both: the moved one's SKU gets the end of its id appended. Returns the SKUs
    /// changed so. The store works in `shop_id` once the transaction commits.
    pub fn move_to_shop(&mut self, shop_id: &str) -> Result<Vec<String>> {
        let old = self.shop_id().to_owned();
        if old == shop_id {
            return Ok(Vec::new());
        }
        let tx = &self.tx;
        let mut renamed = Vec::new();
        let clashing: Vec<(String, String)> = tx
            .prepare(
                "SELECT p.id, p.sku FROM seller_products p WHERE p.shop_id = ?1 AND EXISTS
                     (SELECT 1 FROM seller_products q WHERE q.shop_id = ?2 AND q.sku = p.sku)",
            )?
            .query_map([&old, shop_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (id, sku) in clashing {
            let distinct = format!("{sku}-{}", &id[id.len().saturating_sub(6)..]);
            tx.execute(
                "UPDATE seller_products SET sku = ?2 WHERE id = ?1",
                (&id, &distinct),
            )?;
            renamed.push(distinct);
        }
        for table in tables_with_shop_id(tx)? {
            tx.execute(
                &format!("UPDATE \"{table}\" SET shop_id = ?2 WHERE shop_id = ?1"),
                (&old, shop_id),
            )?;
        }
        tx.execute("DELETE FROM shops WHERE id = ?1", [&old])?;
        write_setting(tx, LOCAL_SHOP_KEY, shop_id)?;
        self.set_shop_id(shop_id);
        Ok(renamed)
    }
}

/// Tables whose rows belong to a shop by a `shop_id` column; the summaries triggers keep
/// (keyed by shop, without an `id`) follow on their own.
fn tables_with_shop_id(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    conn.prepare(
        "SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) c
         WHERE m.type = 'table' AND c.name = 'shop_id'
           AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) k WHERE k.name = 'id' AND k.pk = 1)
         ORDER BY m.name",
    )?
    .query_map([], |r| r.get(0))?
    .collect()
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // A long-lived connection over a database of 100,000 items and years of orders: a 32 MiB
    // page cache keeps the list's and the dashboard's indexes hot, and reading through a memory
    // map saves a copy per page (measured with `seller bench`, see BENCHMARKS.md).
    conn.pragma_update(None, "cache_size", -32_768)?;
    conn.pragma_update(None, "mmap_size", 256 * 1024 * 1024)?;
    Ok(())
}

fn schema_version(conn: &Connection) -> Result<u32> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

fn holds_data(conn: &Connection) -> Result<bool> {
    let tables: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        [],
        |r| r.get(0),
    )?;
    Ok(tables > 0)
}

/// A page-by-page copy through SQLite's online backup API: consistent while others write, and
/// unlike `VACUUM INTO` it keeps rowids, which the full-text index depends on.
fn backup_before_migration(conn: &Connection, path: &Path, version: u32) -> Result<PathBuf> {
    let stamp = now_rfc3339().replace([':', '.'], "-");
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".v{version}-{stamp}.bak"));
    let target = path.with_file_name(name);
    let copy = || -> rusqlite::Result<()> {
        let mut dst = Connection::open(&target)?;
        let backup = rusqlite::backup::Backup::new(conn, &mut dst)?;
        backup.run_to_completion(256, Duration::ZERO, None)
    };
    copy().map_err(|source| StoreError::Backup {
        path: path.display().to_string(),
        source,
    })?;
    Ok(target)
}

const LOCAL_SHOP_KEY: &str = "local_shop_id";

/// A device always works inside a shop (seller products reference one); the first start creates
/// a local owner and shop, which sign-in to a server later adopts.
fn ensure_local_shop(conn: &mut Connection) -> Result<String> {
    if let Some(id) = read_setting(conn, LOCAL_SHOP_KEY)? {
        return Ok(id);
    }
    let tx = conn.transaction()?;
    let (user_id, shop_id, now) = (new_id(), new_id(), now_rfc3339());
    tx.execute(
        "INSERT INTO users (id, name, email, role, created_at, updated_at)
         VALUES (?1, 'Local', ?2, 'seller', ?3, ?3)",
        (
            &user_id,
            format!("local-{user_id}@seller-panel.invalid"),
            &now,
        ),
    )?;
    tx.execute(
        "INSERT INTO shops (id, owner_id, name, slug, created_at, updated_at)
         VALUES (?1, ?2, 'Ma boutique', ?3, ?4, ?4)",
        (&shop_id, &user_id, format!("local-{shop_id}"), &now),
    )?;
    write_setting(&tx, LOCAL_SHOP_KEY, &shop_id)?;
    tx.commit()?;
    Ok(shop_id)
}
