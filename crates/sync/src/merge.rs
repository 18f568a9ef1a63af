//! Changes leaving a device ([`pending`]) and arriving at one ([`merge`]).
//!
//! A [`Batch`] holds, per row touched, its life (causal length) and the cells that changed, with
//! the values read from the tables at the time. Merging follows SYNC.md: the longer causal
//! length wins a row's life (a delete beats the edits made before it was seen; a re-creation
//! beats that delete); while both sides agree on it, each cell goes to the greater (HLC, device).
//! Everything is applied in the caller's transaction with capture off and foreign keys checked
//! at commit, so the order of the rows in a batch does not matter.

use std::collections::BTreeMap;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::capture::{Capture, quote_ident};
use crate::hlc::Hlc;
use crate::rules::{RowDecision, cell_wins, decide_row};

/// One changed cell, with its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub column: String,
    #[serde(with = "crate::value")]
    pub value: Value,
    pub hlc: Hlc,
    pub device: String,
}

/// A row's life: its causal length (odd alive, even deleted) and the stamp of its latest
/// creation or deletion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Life {
    pub cl: i64,
    pub hlc: Hlc,
    pub device: String,
}

/// One row's changes: its life, if it changed, and its changed cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowChange {
    pub table: String,
    pub pk: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub life: Option<Life>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    pub rows: Vec<RowChange>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Merged {
    pub cells_applied: usize,
    pub cells_ignored: usize,
    pub rows_deleted: usize,
    pub rows_created: usize,
}

/// Everything recorded locally and not pushed yet, with the current values of the cells.
pub fn pending(conn: &Connection) -> rusqlite::Result<Batch> {
    let mut stmt = conn.prepare(
        "SELECT tbl, pk, col, hlc, device, cl FROM sync_clock WHERE pushed = 0 ORDER BY tbl, pk, col",
    )?;
    let mut rows: BTreeMap<(String, String), RowChange> = BTreeMap::new();
    let clock = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, i64>(5)?,
        ))
    })?;
    for entry in clock {
        let (table, pk, column, hlc, device, cl) = entry?;
        let hlc = Hlc::from_i64(hlc).unwrap_or_default();
        let row = rows
            .entry((table.clone(), pk.clone()))
            .or_insert_with(|| RowChange {
                table: table.clone(),
                pk: pk.clone(),
                life: None,
                cells: Vec::new(),
            });
        if column.is_empty() {
            row.life = Some(Life { cl, hlc, device });
            continue;
        }
        // A deleted row has no values left to send: its life says it all.
        if let Some(value) = cell_value(conn, &table, &pk, &column)? {
            row.cells.push(Cell {
                column,
                value,
                hlc,
                device,
            });
        }
    }
    Ok(Batch {
        rows: rows.into_values().collect(),
    })
}

/// Marks what `batch` holds as pushed, unless it changed again since it was read.
pub fn mark_pushed(conn: &Connection, batch: &Batch) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "UPDATE sync_clock SET pushed = 1 WHERE tbl = ?1 AND pk = ?2 AND col = ?3 AND hlc = ?4",
    )?;
    for row in &batch.rows {
        if let Some(life) = &row.life {
            stmt.execute(params![row.table, row.pk, "", life.hlc.to_i64()])?;
        }
        for cell in &row.cells {
            stmt.execute(params![row.table, row.pk, cell.column, cell.hlc.to_i64()])?;
        }
    }
    Ok(())
}

fn cell_value(
    conn: &Connection,
    table: &str,
    pk: &str,
    column: &str,
) -> rusqlite::Result<Option<Value>> {
    conn.prepare_cached(&format!(
        "SELECT {} FROM {} WHERE id = ?1",
        quote_ident(column),
        quote_ident(table)
    ))?
    .query_row([pk], |r| r.get(0))
    .optional()
}

/// The local clock of one cell or row life: (hlc, device, causal length).
fn local_clock(
    conn: &Connection,
    table: &str,
    pk: &str,
    column: &str,
) -> rusqlite::Result<Option<(Hlc, String, i64)>> {
    conn.prepare_cached(
        "SELECT hlc, device, cl FROM sync_clock WHERE tbl = ?1 AND pk = ?2 AND col = ?3",
    )?
    .query_row(params![table, pk, column], |r| {
        Ok((
            Hlc::from_i64(r.get(0)?).unwrap_or_default(),
            r.get(1)?,
            r.get(2)?,
        ))
    })
    .optional()
}

fn record(
    conn: &Connection,
    table: &str,
    pk: &str,
    column: &str,
    hlc: Hlc,
    device: &str,
    cl: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_clock (tbl, pk, col, hlc, device, cl, pushed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1)
         ON CONFLICT (tbl, pk, col) DO UPDATE SET hlc = excluded.hlc, device = excluded.device,
             cl = excluded.cl, pushed = 1",
    )?
    .execute(params![table, pk, column, hlc.to_i64(), device, cl])?;
    Ok(())
}

/// The clock of a cell this device now holds as `cell` says (merged, so not to be pushed back).
fn record_cell(conn: &Connection, row: &RowChange, cell: &Cell) -> rusqlite::Result<()> {
    record(
        conn,
        &row.table,
        &row.pk,
        &cell.column,
        cell.hlc,
        &cell.device,
        0,
    )
}

/// Applies `batch` in the current transaction of `conn` (the caller commits), capture off.
pub fn merge(conn: &Connection, capture: &Capture, batch: &Batch) -> rusqlite::Result<Merged> {
    conn.execute_batch("PRAGMA defer_foreign_keys = ON")?;
    capture.applying_remote(|| {
        let mut merged = Merged::default();
        for row in &batch.rows {
            merge_row(conn, capture, row, &mut merged)?;
        }
        Ok(merged)
    })
}

fn merge_row(
    conn: &Connection,
    capture: &Capture,
    row: &RowChange,
    merged: &mut Merged,
) -> rusqlite::Result<()> {
    let exists = cell_value(conn, &row.table, &row.pk, "id")?.is_some();
    let held_cl = match local_clock(conn, &row.table, &row.pk, "")? {
        Some((_, _, cl)) => cl,
        None => i64::from(exists),
    };
    for stamp in row
        .life
        .iter()
        .map(|l| l.hlc)
        .chain(row.cells.iter().map(|c| c.hlc))
    {
        capture.clock().observe(stamp);
    }
    let decision = decide_row(held_cl, row.life.as_ref().map(|l| l.cl));
    if let (Some(life), RowDecision::Dead { new_life: true } | RowDecision::Alive { new_life: true }) =
        (&row.life, decision)
    {
        record(conn, &row.table, &row.pk, "", life.hlc, &life.device, life.cl)?;
    }
    let new_life = match decision {
        RowDecision::Stale => {
            merged.cells_ignored += row.cells.len();
            return Ok(());
        }
        RowDecision::Dead { .. } => {
            if exists {
                conn.execute(
                    &format!("DELETE FROM {} WHERE id = ?1", quote_ident(&row.table)),
                    [&row.pk],
                )?;
                merged.rows_deleted += 1;
            }
            merged.cells_ignored += row.cells.len();
            return Ok(());
        }
        RowDecision::Alive { new_life } => new_life,
    };
    if !exists {
        // The row is written whole, in one statement: its cells then only need their clocks.
        insert_row(conn, row)?;
        merged.rows_created += 1;
        for cell in &row.cells {
            record_cell(conn, row, cell)?;
        }
        merged.cells_applied += row.cells.len();
        return Ok(());
    }
    for cell in &row.cells {
        let held = local_clock(conn, &row.table, &row.pk, &cell.column)?;
        let held = held.as_ref().map(|(hlc, device, _)| (*hlc, device.as_str()));
        if !cell_wins(new_life, held, (cell.hlc, cell.device.as_str())) {
            merged.cells_ignored += 1;
            continue;
        }
        conn.prepare_cached(&format!(
            "UPDATE {} SET {} = ?2 WHERE id = ?1",
            quote_ident(&row.table),
            quote_ident(&cell.column)
        ))?
        .execute(params![row.pk, cell.value])?;
        record_cell(conn, row, cell)?;
        merged.cells_applied += 1;
    }
    Ok(())
}

/// Creates a row the batch brings to life, from its cells (a creation carries every column).
fn insert_row(conn: &Connection, row: &RowChange) -> rusqlite::Result<()> {
    let mut columns = vec![quote_ident("id")];
    let mut values = vec![Value::Text(row.pk.clone())];
    for cell in &row.cells {
        columns.push(quote_ident(&cell.column));
        values.push(cell.value.clone());
    }
    let placeholders: Vec<String> = (1..=values.len()).map(|i| format!("?{i}")).collect();
    conn.execute(
        &format!(
            "INSERT INTO {} ({}) VALUES ({})",
            quote_ident(&row.table),
            columns.join(", "),
            placeholders.join(", ")
        ),
        rusqlite::params_from_iter(values),
    )?;
    Ok(())
}
