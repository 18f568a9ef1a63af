//! The clocks `sync_clock` holds for what a merge reads and writes: a row's life and its cells'
//! own stamps.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};

use crate::capture::{Capture, synced_columns};
use crate::hlc::Hlc;
use crate::protocol::{Cell, RowChange};

/// The local clock of one cell or row life.
pub(super) struct HeldClock {
    pub hlc: Hlc,
    pub device: String,
    pub cl: i64,
    pub pushed: bool,
}

pub(super) fn local_clock(
    conn: &Connection,
    table: &str,
    pk: &str,
    column: &str,
) -> rusqlite::Result<Option<HeldClock>> {
    // A cell without a clock of its own carries its row's life's (the row's, for '').
    conn.prepare_cached(
        "SELECT hlc, device, cl, pushed FROM sync_clock WHERE tbl = ?1 AND pk = ?2 AND col IN (?3, '')
         ORDER BY col DESC LIMIT 1",
    )?
    .query_row(params![table, pk, column], |r| {
        Ok(HeldClock {
            hlc: Hlc::from_i64(r.get(0)?).unwrap_or_default(),
            device: r.get(1)?,
            cl: r.get(2)?,
            pushed: r.get(3)?,
        })
    })
    .optional()
}

/// A row's life clock and its cells' own clocks.
pub(super) fn row_clocks(
    conn: &Connection,
    table: &str,
    pk: &str,
) -> rusqlite::Result<(Option<HeldClock>, BTreeMap<String, HeldClock>)> {
    let mut life = None;
    let mut cells = BTreeMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT col, hlc, device, cl, pushed FROM sync_clock WHERE tbl = ?1 AND pk = ?2",
    )?;
    let mut rows = stmt.query(params![table, pk])?;
    while let Some(r) = rows.next()? {
        let column: String = r.get(0)?;
        let clock = HeldClock {
            hlc: Hlc::from_i64(r.get(1)?).unwrap_or_default(),
            device: r.get(2)?,
            cl: r.get(3)?,
            pushed: r.get(4)?,
        };
        if column.is_empty() {
            life = Some(clock);
        } else {
            cells.insert(column, clock);
        }
    }
    Ok((life, cells))
}

/// One entry of `sync_clock`: the clock of a cell, or of a row's life (`column` '').
pub(super) struct ClockEntry<'a> {
    pub table: &'a str,
    pub pk: &'a str,
    pub column: &'a str,
    pub hlc: Hlc,
    pub device: &'a str,
    /// The row's causal length, on its life; 0 on a cell.
    pub cl: i64,
    /// `true` for what came from elsewhere, `false` for a change of this device's own making
    /// that the server has yet to receive.
    pub pushed: bool,
}

impl ClockEntry<'_> {
    /// Records the entry, replacing the one held for the same cell or life.
    pub(super) fn record(&self, conn: &Connection) -> rusqlite::Result<()> {
        conn.prepare_cached(
            "INSERT INTO sync_clock (tbl, pk, col, hlc, device, cl, pushed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (tbl, pk, col) DO UPDATE SET hlc = excluded.hlc, device = excluded.device,
                 cl = excluded.cl, pushed = excluded.pushed",
        )?
        .execute(params![
            self.table,
            self.pk,
            self.column,
            self.hlc.to_i64(),
            self.device,
            self.cl,
            self.pushed
        ])?;
        Ok(())
    }
}

/// The clock of a cell this device now holds as `cell` says (merged, so not to be pushed back).
/// A cell stamped like its row's life keeps no clock of its own, as where it was made.
pub(super) fn record_cell(conn: &Connection, row: &RowChange, cell: &Cell) -> rusqlite::Result<()> {
    let life = local_clock(conn, &row.table, &row.pk, "")?;
    if life.is_some_and(|l| l.hlc == cell.hlc && l.device == cell.device) {
        conn.prepare_cached("DELETE FROM sync_clock WHERE tbl = ?1 AND pk = ?2 AND col = ?3")?
            .execute(params![row.table, row.pk, cell.column])?;
        return Ok(());
    }
    ClockEntry {
        table: &row.table,
        pk: &row.pk,
        column: &cell.column,
        hlc: cell.hlc,
        device: &cell.device,
        cl: 0,
        pushed: true,
    }
    .record(conn)
}

/// The clocks of cells this device now holds as they came (merged, so not pushed back).
pub(super) fn record_cells<'a>(
    conn: &Connection,
    table: &str,
    pk: &str,
    cells: impl Iterator<Item = &'a Cell>,
) -> rusqlite::Result<()> {
    for cell in cells {
        ClockEntry {
            table,
            pk,
            column: &cell.column,
            hlc: cell.hlc,
            device: &cell.device,
            cl: 0,
            pushed: true,
        }
        .record(conn)?;
    }
    Ok(())
}

/// A fresh local stamp, for a change a merge makes on its own (to be pushed).
pub(super) fn own_stamp(capture: &Capture) -> Hlc {
    capture.stamp()
}

/// Makes a row this device's own again, whole: a new life `cl` and every cell stamped now, all
/// to be pushed.
pub(super) fn restamp_row(
    conn: &Connection,
    capture: &Capture,
    table: &str,
    pk: &str,
    cl: i64,
) -> rusqlite::Result<()> {
    let device = capture.device_id().to_owned();
    ClockEntry {
        table,
        pk,
        column: "",
        hlc: own_stamp(capture),
        device: &device,
        cl,
        pushed: false,
    }
    .record(conn)?;
    // Its cells now carry the new life's stamp.
    forget_cells(conn, table, pk)
}

/// Gives the row's cells without a clock of their own the life's current stamp, explicitly.
pub(super) fn keep_cell_stamps(
    conn: &Connection,
    table: &str,
    pk: &str,
    life: &HeldClock,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO sync_clock (tbl, pk, col, hlc, device, cl, pushed)
         VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6)",
    )?;
    for column in synced_columns(conn, table)? {
        stmt.execute(params![
            table,
            pk,
            column,
            life.hlc.to_i64(),
            life.device,
            life.pushed
        ])?;
    }
    Ok(())
}

/// Drops a row's cell clocks: its cells carry its life's stamp again.
pub(super) fn forget_cells(conn: &Connection, table: &str, pk: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM sync_clock WHERE tbl = ?1 AND pk = ?2 AND col <> ''")?
        .execute(params![table, pk])?;
    Ok(())
}
