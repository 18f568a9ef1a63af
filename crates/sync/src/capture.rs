//! Change capture: triggers, generated from the tables' own columns, that record every change in
//! `sync_clock` in the same transaction as the write.
//!
//! `sync_clock` holds one row per row for its life (`col` = ''): the HLC and device of its
//! latest creation or deletion, its causal length (odd while alive, even once deleted: a delete
//! and a re-creation each add one, so the longer history wins a merge), and `pushed` = 0 until
//! the server has it; and one row per cell changed since the row's creation (`col` = a column
//! name). A cell without a row of its own carries its row's life stamp. The values
//! themselves stay in the tables: a push reads them there, so a cell changed ten times offline
//! is sent once.
//!
//! The triggers call three SQL functions this module registers on the connection:
//! `sync_hlc()` (the next stamp of the device's [`Clock`]), `sync_device()` and
//! `sync_capturing()`, which is 0 while remote changes are applied ([`Capture::applying_remote`])
//! so they are not recorded as local ones.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;

use crate::hlc::{Clock, Hlc, wall_ms_now};
use crate::tables::{column_syncs, synced_table};

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("table {0} has no `id` primary key column, so its rows cannot be synced")]
    NoIdColumn(String),
    #[error("table {0} does not exist")]
    NoSuchTable(String),
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// How far past this device's own time a stamp from elsewhere moves its clock: a week covers
/// devices whose clocks are days apart (the server already brings pushed stamps back to its own
/// time plus a few minutes); a stamp years ahead moves it no further.
pub const MAX_OBSERVED_AHEAD_MS: u64 = 7 * 24 * 3_600_000;

/// Change capture on one connection.
#[derive(Clone)]
pub struct Capture {
    capturing: Arc<AtomicBool>,
    clock: Arc<Clock>,
    device: Arc<str>,
    wall: WallClock,
    /// Woken by every local change captured, so a sync loop can push it at once.
    local_changes: Arc<tokio::sync::Notify>,
}

/// Where a device reads the time: the system clock, or another source (a device whose clock is
/// days off, in the convergence tests).
pub type WallClock = Arc<dyn Fn() -> u64 + Send + Sync>;

fn system_wall_clock() -> WallClock {
    Arc::new(wall_ms_now)
}

const CLOCK_TABLE: &str = "CREATE TABLE IF NOT EXISTS sync_clock (
    tbl    TEXT NOT NULL,
    pk     TEXT NOT NULL,
    -- '' for the row's life, else the column's name.
    col    TEXT NOT NULL,
    hlc    INTEGER NOT NULL,
    device TEXT NOT NULL,
    -- Causal length of the row (on col = ''): odd alive, even deleted.
    cl     INTEGER NOT NULL DEFAULT 0,
    pushed INTEGER NOT NULL DEFAULT 0 CHECK (pushed IN (0, 1)),
    PRIMARY KEY (tbl, pk, col)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_sync_clock_pending ON sync_clock (pushed, hlc) WHERE pushed = 0;
-- Unique-key clashes a merge settled by giving the later row a distinct value, for the user.
CREATE TABLE IF NOT EXISTS sync_conflicts (
    tbl         TEXT NOT NULL,
    pk          TEXT NOT NULL,
    col         TEXT NOT NULL,
    -- The value the row was given on its device, before it was made distinct (no declared type:
    -- stored as it was, text or number).
    value,
    other_pk    TEXT NOT NULL,
    detected_at TEXT NOT NULL,
    resolved_at TEXT,
    PRIMARY KEY (tbl, pk, col)
) WITHOUT ROWID;";

impl Capture {
    /// Registers the clock, the device id and the capture switch on `conn`, creates
    /// `sync_clock`, and (re)creates the capture triggers of `tables` from their current
    /// columns. The clock resumes after the greatest stamp already recorded.
    pub fn install(
        conn: &Connection,
        device_id: &str,
        tables: &[&str],
    ) -> Result<Capture, CaptureError> {
        let capture = Capture::register(conn, device_id)?;
        capture.install_triggers(conn, tables)?;
        Ok(capture)
    }

    /// Registers the SQL functions the triggers call, before anything is written on `conn`
    /// (triggers made by an earlier run are already there). Creates nothing.
    pub fn register(conn: &Connection, device_id: &str) -> rusqlite::Result<Capture> {
        Capture::register_with_clock(conn, device_id, system_wall_clock())
    }

    /// [`Capture::register`] with the time read from `wall`.
    pub fn register_with_clock(
        conn: &Connection,
        device_id: &str,
        wall: WallClock,
    ) -> rusqlite::Result<Capture> {
        let has_clock: bool = conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sync_clock'",
            [],
            |r| r.get(0),
        )?;
        let last: Option<i64> = if has_clock {
            conn.query_row("SELECT max(hlc) FROM sync_clock", [], |r| r.get(0))?
        } else {
            None
        };
        let capture = Capture {
            capturing: Arc::new(AtomicBool::new(true)),
            clock: Arc::new(Clock::resuming(
                last.and_then(Hlc::from_i64).unwrap_or(Hlc::ZERO),
            )),
            device: Arc::from(device_id),
            wall,
            local_changes: Arc::new(tokio::sync::Notify::new()),
        };
        capture.register_functions(conn, device_id)?;
        Ok(capture)
    }

    /// Creates `sync_clock` and (re)creates the triggers of `tables` from their current columns.
    pub fn install_triggers(&self, conn: &Connection, tables: &[&str]) -> Result<(), CaptureError> {
        conn.execute_batch(CLOCK_TABLE)?;
        conn.execute_batch(crate::proxy_watch::TABLE)?;
        for table in tables {
            let mut columns = columns_of(conn, table)?;
            retain_synced(table, &mut columns);
            conn.execute_batch(&triggers_sql(table, &columns))?;
        }
        Ok(())
    }

    /// Records the rows of `table` that exist without a clock (written before capture was
    /// installed) as this device's own, so they are pushed like any new row.
    pub fn record_existing(&self, conn: &Connection, table: &str) -> Result<usize, CaptureError> {
        columns_of(conn, table)?;
        let (t, tbl) = (quote_ident(table), quote_text(table));
        Ok(conn.execute(
            &format!(
                "INSERT OR IGNORE INTO sync_clock (tbl, pk, col, hlc, device, cl)
                 SELECT {tbl}, id, '', sync_hlc(), sync_device(), 1 FROM {t}"
            ),
            [],
        )?)
    }

    fn register_functions(&self, conn: &Connection, device_id: &str) -> rusqlite::Result<()> {
        // Not deterministic: each call gives another value.
        let flags = FunctionFlags::SQLITE_UTF8;
        let (clock, wall) = (Arc::clone(&self.clock), Arc::clone(&self.wall));
        let local_changes = Arc::clone(&self.local_changes);
        conn.create_scalar_function("sync_hlc", 0, flags, move |_| {
            local_changes.notify_one();
            Ok(clock.stamp(wall()).to_i64())
        })?;
        let device = device_id.to_owned();
        conn.create_scalar_function("sync_device", 0, flags, move |_| Ok(device.clone()))?;
        let capturing = Arc::clone(&self.capturing);
        conn.create_scalar_function("sync_capturing", 0, flags, move |_| {
            Ok(capturing.load(Ordering::SeqCst))
        })
    }

    /// The id this device stamps its changes with.
    pub fn device_id(&self) -> &str {
        &self.device
    }

    /// Resolves at the next local change captured (or at once, if one came since the last wait).
    pub async fn local_change(&self) {
        self.local_changes.notified().await;
    }

    /// A new stamp for a change of this device's own.
    pub fn stamp(&self) -> Hlc {
        self.clock.stamp((self.wall)())
    }

    /// The device's clock (a merge observes the stamps it applies).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Takes in a stamp that arrived from elsewhere, moving this device's clock at most
    /// [`MAX_OBSERVED_AHEAD_MS`] past its own time: the cell keeps its stamp (every replica must
    /// order it alike), but a stamp from the far future cannot drag every later local stamp
    /// there.
    pub fn observe(&self, remote: Hlc) {
        self.clock
            .observe_bounded(remote, (self.wall)(), MAX_OBSERVED_AHEAD_MS);
    }

    /// The latest wall time a pulled stamp may carry: [`MAX_OBSERVED_AHEAD_MS`] past this
    /// device's own time (`crate::trust` refuses a page with a later one).
    pub fn latest_trusted_ms(&self) -> u64 {
        (self.wall)().saturating_add(MAX_OBSERVED_AHEAD_MS)
    }

    /// Runs `apply` with capture off: the remote changes it writes are not recorded as local.
    /// Capture is on again afterwards, even if `apply` fails or panics.
    pub fn applying_remote<T>(&self, apply: impl FnOnce() -> T) -> T {
        self.with_capture(false, apply)
    }

    /// Runs `write` with capture on, inside [`Capture::applying_remote`]: what a merge decides
    /// on its own (rows a remote delete cascades to, repairs) is a local change to push.
    pub fn capturing_local<T>(&self, write: impl FnOnce() -> T) -> T {
        self.with_capture(true, write)
    }

    fn with_capture<T>(&self, on: bool, f: impl FnOnce() -> T) -> T {
        struct Restore<'a>(&'a AtomicBool, bool);
        impl Drop for Restore<'_> {
            fn drop(&mut self) {
                self.0.store(self.1, Ordering::SeqCst);
            }
        }
        let before = self.capturing.swap(on, Ordering::SeqCst);
        let _restore = Restore(&self.capturing, before);
        f()
    }
}

/// The columns of `table`, its `id` first excluded; fails when it has no `id` primary key.
fn retain_synced(table: &str, columns: &mut Vec<String>) {
    if let Some(synced) = synced_table(table) {
        columns.retain(|c| column_syncs(synced, c));
    }
}

/// The columns of `table` that sync, its `id` excluded.
pub(crate) fn synced_columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut columns: Vec<String> = conn
        .prepare_cached("SELECT name FROM pragma_table_info(?1) WHERE name <> 'id' ORDER BY cid")?
        .query_map([table], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    retain_synced(table, &mut columns);
    Ok(columns)
}

fn columns_of(conn: &Connection, table: &str) -> Result<Vec<String>, CaptureError> {
    let mut stmt = conn.prepare("SELECT name, pk FROM pragma_table_info(?1) ORDER BY cid")?;
    let rows: Vec<(String, i64)> = stmt
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    if rows.is_empty() {
        return Err(CaptureError::NoSuchTable(table.to_owned()));
    }
    if !rows.iter().any(|(name, pk)| name == "id" && *pk == 1) {
        return Err(CaptureError::NoIdColumn(table.to_owned()));
    }
    Ok(rows
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| name != "id")
        .collect())
}

pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn quote_text(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The insert, update and delete triggers of one table.
fn triggers_sql(table: &str, columns: &[String]) -> String {
    let t = quote_ident(table);
    let name = |kind: &str| quote_ident(&format!("sync_{table}_{kind}"));
    let tbl = quote_text(table);
    // A recorded cell: the newest stamp, this device, not pushed yet.
    let upsert_cell = "ON CONFLICT (tbl, pk, col) DO UPDATE SET hlc = excluded.hlc, \
                       device = excluded.device, pushed = 0";
    let cell = |row: &str, col: &str, when: Option<String>| {
        format!(
            "INSERT INTO sync_clock (tbl, pk, col, hlc, device) \
             SELECT {tbl}, {row}.id, {col}, sync_hlc(), sync_device() WHERE {when} {upsert_cell};",
            col = quote_text(col),
            when = when.unwrap_or_else(|| "1".to_owned()),
        )
    };
    // The row's life: an insert makes the length odd (1, or one more after a delete), a delete
    // makes it even.
    let life = |row: &str, first: i64, parity_to_bump: i64| {
        format!(
            "INSERT INTO sync_clock (tbl, pk, col, hlc, device, cl) \
             SELECT {tbl}, {row}.id, '', sync_hlc(), sync_device(), {first} WHERE 1 \
             ON CONFLICT (tbl, pk, col) DO UPDATE SET hlc = excluded.hlc, device = excluded.device, \
             pushed = 0, cl = CASE WHEN cl % 2 = {parity_to_bump} THEN cl + 1 ELSE cl END;"
        )
    };
    // A created row's cells carry its life's stamp: they get no clock row of their own (a
    // re-created row's old cells lose theirs), which keeps one clock row per new row.
    let forget_cells = |row: &str| {
        format!("DELETE FROM sync_clock WHERE tbl = {tbl} AND pk = {row}.id AND col <> '';")
    };
    let updated: String = columns
        .iter()
        .map(|c| {
            let c_q = quote_ident(c);
            cell("NEW", c, Some(format!("OLD.{c_q} IS NOT NEW.{c_q}")))
        })
        .collect();
    format!(
        "DROP TRIGGER IF EXISTS {ins};
         CREATE TRIGGER {ins} AFTER INSERT ON {t} WHEN sync_capturing() BEGIN {forget_new} {life_ins} END;
         DROP TRIGGER IF EXISTS {upd};
         CREATE TRIGGER {upd} AFTER UPDATE ON {t} WHEN sync_capturing() BEGIN {updated} END;
         DROP TRIGGER IF EXISTS {del};
         CREATE TRIGGER {del} AFTER DELETE ON {t} WHEN sync_capturing() BEGIN {life_del} {forget_old} END;",
        ins = name("ins"),
        upd = name("upd"),
        del = name("del"),
        life_ins = life("NEW", 1, 0),
        life_del = life("OLD", 2, 1),
        forget_new = forget_cells("NEW"),
        forget_old = forget_cells("OLD"),
    )
}
