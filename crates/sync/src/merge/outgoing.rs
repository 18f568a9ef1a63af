//! What leaves a device: the changes recorded here and not pushed yet, with their values.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};
use seller_sync_core::value::Value;

use super::rows::cell_value;
use crate::capture::{quote_ident, synced_columns};
use crate::hlc::Hlc;
use crate::protocol::{Cell, Life, RowChange};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    pub rows: Vec<RowChange>,
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
    // A row created here (or brought back) goes whole: its cells without a clock of their own
    // carry its life's stamp.
    for row in rows.values_mut() {
        if let Some(life) = row.life.clone()
            && life.cl % 2 == 1
        {
            row.cells = whole_row(conn, &row.table, &row.pk, &life)?;
        }
    }
    // Parents before children, so a batch cut anywhere never carries a row whose parent only a
    // later batch brings (the server finds a new row's shop through its parent).
    let mut rows: Vec<RowChange> = rows.into_values().collect();
    rows.sort_by_key(|r| crate::tables::rank(&r.table));
    Ok(Batch { rows })
}

/// Every synced cell of a row, each with its own clock or, without one, the row's life's.
fn whole_row(conn: &Connection, table: &str, pk: &str, life: &Life) -> rusqlite::Result<Vec<Cell>> {
    let columns = synced_columns(conn, table)?;
    let list: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
    let values: Option<Vec<Value>> = conn
        .prepare_cached(&format!(
            "SELECT {} FROM {} WHERE id = ?1",
            list.join(", "),
            quote_ident(table)
        ))?
        .query_row([pk], |r| (0..columns.len()).map(|i| r.get(i)).collect())
        .optional()?;
    let Some(values) = values else {
        return Ok(Vec::new());
    };
    let own: BTreeMap<String, (Hlc, String)> = conn
        .prepare_cached(
            "SELECT col, hlc, device FROM sync_clock WHERE tbl = ?1 AND pk = ?2 AND col <> ''",
        )?
        .query_map(params![table, pk], |r| {
            Ok((
                r.get::<_, String>(0)?,
                (
                    Hlc::from_i64(r.get(1)?).unwrap_or_default(),
                    r.get::<_, String>(2)?,
                ),
            ))
        })?
        .collect::<Result<_, _>>()?;
    Ok(columns
        .into_iter()
        .zip(values)
        .map(|(column, value)| {
            let (hlc, device) = own
                .get(&column)
                .cloned()
                .unwrap_or_else(|| (life.hlc, life.device.clone()));
            Cell {
                column,
                value,
                hlc,
                device,
            }
        })
        .collect())
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

/// Hands what `batch` holds of `device`'s own changes back to the changes waiting to be pushed
/// (an outbox that will not be sent as it is: a restored replica taking a new device id).
pub fn mark_unpushed(conn: &Connection, batch: &Batch, device: &str) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "UPDATE sync_clock SET pushed = 0
         WHERE tbl = ?1 AND pk = ?2 AND col = ?3 AND hlc = ?4 AND device = ?5",
    )?;
    for row in &batch.rows {
        if let Some(life) = &row.life {
            stmt.execute(params![row.table, row.pk, "", life.hlc.to_i64(), device])?;
        }
        for cell in &row.cells {
            stmt.execute(params![
                row.table,
                row.pk,
                cell.column,
                cell.hlc.to_i64(),
                device
            ])?;
        }
    }
    Ok(())
}
