//! Changes leaving a device ([`pending`]) and arriving at one ([`merge`]).
//!
//! A [`Batch`] holds, per row touched, its life (causal length) and the cells that changed, with
//! the values read from the tables at the time. Merging follows `docs/SYNC.md`: the longer causal
//! length wins a row's life (a delete beats the edits made before it was seen; a re-creation
//! beats that delete); while both sides agree on it, each cell goes to the greater (HLC, device).
//! Everything is applied in the caller's transaction with capture off and foreign keys checked
//! at commit, so the order of the rows in a batch does not matter.
//!
//! Submodules, each using only those listed before it: `rows` (rows by table and column name,
//! SQLite's refusals), `clocks` (`sync_clock`), `outgoing` (what is pending), `references`
//! (foreign keys, deletes followed), `clash` (unique keys held twice), `write` (a page's rows
//! written together); this module decides each row.

mod clash;
mod clocks;
mod outgoing;
mod references;
mod rows;
mod write;

use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension, params};

use self::clocks::{
    ClockEntry, HeldClock, forget_cells, keep_cell_stamps, local_clock, restamp_row, row_clocks,
};
pub use self::outgoing::{Batch, mark_pushed, mark_unpushed, pending};
use self::references::{ForeignKey, blocked_delete, foreign_keys, settle_references};
use self::rows::cell_value;
use self::write::{Edit, insert_rows, update_rows};
use crate::capture::{Capture, quote_ident};
pub use crate::protocol::{Cell, Life, RowChange};
use crate::rules::{RowDecision, cell_wins, decide_row, life_stamp_wins};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Merged {
    pub cells_applied: usize,
    pub cells_ignored: usize,
    pub rows_deleted: usize,
    pub rows_created: usize,
    /// Rows this device changed on its own to settle what the merge found: orphans, clashes,
    /// a refused delete.
    pub rows_repaired: usize,
}

/// The `sync_meta` key listing (one `table.column` a line) the synced columns this device gained
/// by an app update since it last pulled its scopes whole: the server served it only the
/// columns of its version before, so a cell of one of them that holds no clock of its own here
/// was never received, and the server's cell wins even at the row's own stamp. Cleared once
/// every scope was pulled again from the start (`replica`).
pub(crate) const UNRECEIVED_COLUMNS: &str = "unreceived_columns";

/// Applies `batch` in the current transaction of `conn` (the caller commits), capture off but
/// for what the merge decides on its own: rows a remote delete cascades to, rows left without
/// their parent, unique-key clashes, a delete that would break a row another one needs.
pub fn merge(conn: &Connection, capture: &Capture, batch: &Batch) -> rusqlite::Result<Merged> {
    merge_from(conn, capture, batch, false, &BTreeSet::new())
}

/// [`merge`] of a page pulled from the server. When this device has nothing left in its outbox,
/// the server holds every write of this device and its answer already settles them with the
/// others: this device's own cells take the server's stamps as they come (a stamp the server
/// brought back from the far future, even when the answer saying so was lost).
pub fn merge_pulled(
    conn: &Connection,
    capture: &Capture,
    batch: &Batch,
) -> rusqlite::Result<Merged> {
    let outbox_empty: bool =
        conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM sync_outbox)", [], |r| {
            r.get(0)
        })?;
    let unreceived: Option<String> = conn
        .query_row(
            "SELECT value FROM sync_meta WHERE key = ?1",
            [UNRECEIVED_COLUMNS],
            |r| r.get(0),
        )
        .optional()?;
    let unreceived: BTreeSet<&str> = unreceived
        .as_deref()
        .map(|list| list.lines().collect())
        .unwrap_or_default();
    merge_from(conn, capture, batch, outbox_empty, &unreceived)
}

fn merge_from(
    conn: &Connection,
    capture: &Capture,
    batch: &Batch,
    server_has_ours: bool,
    unreceived: &BTreeSet<&str>,
) -> rusqlite::Result<Merged> {
    conn.execute_batch("PRAGMA defer_foreign_keys = ON")?;
    // The app's own triggers (stock from movements) tell merged writes from local ones by this
    // row, which only this transaction sees.
    conn.execute(
        "INSERT OR IGNORE INTO sync_applying (applying) VALUES (1)",
        [],
    )?;
    let keys = foreign_keys(conn)?;
    let unique_changes = crate::conflicts::unique_cells_changing(conn, &batch.rows)?;
    let mut page = PageMerge {
        conn,
        capture,
        keys: &keys,
        server_has_ours,
        unreceived,
        merged: Merged::default(),
        deleted: Vec::new(),
        new_rows: Vec::new(),
        edits: Vec::new(),
    };
    let applied = capture.applying_remote(|| {
        for row in &batch.rows {
            page.merge_row(row)?;
        }
        insert_rows(conn, capture, &page.new_rows)?;
        update_rows(conn, capture, &page.edits)
    });
    conn.execute("DELETE FROM sync_applying", [])?;
    applied?;
    let PageMerge {
        mut merged,
        deleted,
        ..
    } = page;
    let arrived: Vec<(String, String)> = batch
        .rows
        .iter()
        .map(|r| (r.table.clone(), r.pk.clone()))
        .collect();
    merged.rows_repaired += settle_references(conn, &keys, &arrived, deleted)?;
    // A clash settled on another device arrives as a plain edit: listed here too.
    crate::conflicts::detect_arrived(conn, &unique_changes)?;
    Ok(merged)
}

/// One page being merged: what it reads with, and what its rows decided so far.
struct PageMerge<'a> {
    conn: &'a Connection,
    capture: &'a Capture,
    keys: &'a [ForeignKey],
    /// The server holds every write of this device (see [`merge_pulled`]).
    server_has_ours: bool,
    /// `table.column` of the columns this device gained since it last pulled whole (see
    /// [`UNRECEIVED_COLUMNS`]).
    unreceived: &'a BTreeSet<&'a str>,
    merged: Merged,
    /// Rows a remote delete removed, for their children to follow (see `settle_references`).
    deleted: Vec<(String, String)>,
    /// Rows to create, written together after every row is decided.
    new_rows: Vec<&'a RowChange>,
    /// Winning cells of existing rows, written together after every row is decided.
    edits: Vec<Edit<'a>>,
}

impl<'a> PageMerge<'a> {
    /// Decides one row of the page: its life, then each of its cells.
    fn merge_row(&mut self, row: &'a RowChange) -> rusqlite::Result<()> {
        let (conn, capture, keys) = (self.conn, self.capture, self.keys);
        let server_has_ours = self.server_has_ours;
        // A clock entry of this device's own, already on the server: the server's version of it
        // stands (see `merge_pulled`).
        let settled_by_server =
            |h: &HeldClock| server_has_ours && h.pushed && h.device == capture.device_id();
        let exists = cell_value(conn, &row.table, &row.pk, "id")?.is_some();
        let held_life = local_clock(conn, &row.table, &row.pk, "")?;
        let held_cl = held_life.as_ref().map_or(i64::from(exists), |h| h.cl);
        for stamp in row
            .life
            .iter()
            .map(|l| l.hlc)
            .chain(row.cells.iter().map(|c| c.hlc))
        {
            capture.observe(stamp);
        }
        let decision = decide_row(held_cl, row.life.as_ref().map(|l| l.cl));
        let new_life = matches!(
            decision,
            RowDecision::Dead { new_life: true } | RowDecision::Alive { new_life: true }
        );
        // At equal length the life's own stamp still converges: the greater one is kept.
        let same_life_newer_stamp = |life: &Life| {
            held_life.as_ref().is_some_and(|h| {
                h.cl == life.cl
                    && (life_stamp_wins(Some((h.hlc, h.device.as_str())), (life.hlc, &life.device))
                        || settled_by_server(h))
            })
        };
        if let Some(life) = &row.life
            && (new_life || same_life_newer_stamp(life))
        {
            // Only the life's stamp changes: the cells that carried the old one keep it, as clocks
            // of their own, so each is still compared with what it really holds.
            if let (false, Some(held), true) = (new_life, &held_life, exists) {
                keep_cell_stamps(conn, &row.table, &row.pk, held)?;
            }
            ClockEntry {
                table: &row.table,
                pk: &row.pk,
                column: "",
                hlc: life.hlc,
                device: &life.device,
                cl: life.cl,
                pushed: true,
            }
            .record(conn)?;
            // One form everywhere: a cell has a clock of its own only when it differs from its
            // row's life's.
            conn.prepare_cached(
                "DELETE FROM sync_clock WHERE tbl = ?1 AND pk = ?2 AND col <> '' AND hlc = ?3 AND device = ?4",
            )?
            .execute(params![row.table, row.pk, life.hlc.to_i64(), life.device])?;
        }
        let new_life = match decision {
            RowDecision::Stale => {
                self.merged.cells_ignored += row.cells.len();
                return Ok(());
            }
            RowDecision::Dead { .. } => {
                if exists && delete_row(conn, capture, keys, row, &mut self.merged)? {
                    crate::proxy_watch::note_deleted(conn, &row.table, &row.pk)?;
                    self.deleted.push((row.table.clone(), row.pk.clone()));
                }
                self.merged.cells_ignored += row.cells.len();
                return Ok(());
            }
            RowDecision::Alive { new_life } => new_life,
        };
        if new_life && held_life.is_some() {
            // The cells of the life that ended have no say over this one.
            forget_cells(conn, &row.table, &row.pk)?;
        }
        if !exists {
            // Written with the page's other new rows of its table, in one statement.
            self.new_rows.push(row);
            self.merged.rows_created += 1;
            self.merged.cells_applied += row.cells.len();
            return Ok(());
        }
        // The row's clocks, read once: each cell's own, else the life's.
        let (life_now, own) = row_clocks(conn, &row.table, &row.pk)?;
        let mut winners: Vec<&'a Cell> = Vec::new();
        for cell in &row.cells {
            // A column this device did not have when it pulled the row: the value here is the
            // column's default, not the write its row's stamp stands for.
            let never_received = !own.contains_key(&cell.column)
                && !self.unreceived.is_empty()
                && self
                    .unreceived
                    .contains(format!("{}.{}", row.table, cell.column).as_str());
            let held = own.get(&cell.column).or(life_now.as_ref());
            let settled = never_received || held.is_some_and(settled_by_server);
            let held = held.map(|h| (h.hlc, h.device.as_str()));
            if !settled && !cell_wins(new_life, held, (cell.hlc, cell.device.as_str())) {
                self.merged.cells_ignored += 1;
                continue;
            }
            winners.push(cell);
        }
        self.merged.cells_applied += winners.len();
        if winners.is_empty() {
            return Ok(());
        }
        crate::proxy_watch::note_incoming(conn, &row.table, &row.pk, &winners)?;
        // Written with the page's other rows changed in the same columns, in one statement.
        let life = life_now.map(|l| (l.hlc, l.device));
        self.edits.push(Edit {
            row,
            cells: winners,
            life,
        });
        Ok(())
    }
}

/// A remote delete; `true` when the row is gone. A delete that a blocking foreign key refuses
/// (a shop whose sales must stay) loses: the row comes back to life here and everywhere, whole.
/// The rows it cascades to are settled after the page (see `settle_references`), as this
/// device's own deletes.
fn delete_row(
    conn: &Connection,
    capture: &Capture,
    keys: &[ForeignKey],
    row: &RowChange,
    merged: &mut Merged,
) -> rusqlite::Result<bool> {
    if blocked_delete(conn, keys, &row.table, &row.pk)? {
        let cl = row.life.as_ref().map_or(2, |l| l.cl) + 1;
        restamp_row(conn, capture, &row.table, &row.pk, cl)?;
        merged.rows_repaired += 1;
        return Ok(false);
    }
    // With foreign keys on (a merge between two devices directly) SQLite cascades itself; these
    // deletes are this device's own.
    capture.capturing_local(|| {
        conn.execute(
            &format!("DELETE FROM {} WHERE id = ?1", quote_ident(&row.table)),
            [&row.pk],
        )
    })?;
    // The row's own delete is the remote one, not a new local change.
    if let Some(life) = &row.life {
        ClockEntry {
            table: &row.table,
            pk: &row.pk,
            column: "",
            hlc: life.hlc,
            device: &life.device,
            cl: life.cl,
            pushed: true,
        }
        .record(conn)?;
    }
    merged.rows_deleted += 1;
    Ok(true)
}
