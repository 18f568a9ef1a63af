//! Writing what a page decided: its new rows and its edits, grouped into few statements.

use std::collections::BTreeMap;

use rusqlite::{Connection, params};
use seller_sync_core::value::Value;

use super::clash::{Settled, settle_clash};
use super::clocks::{ClockEntry, record_cell, record_cells};
use super::rows::{
    breaks_row_rule, current_row, is_constraint, leave_out, set_cell, write_new, write_whole,
};
use crate::capture::{Capture, quote_ident};
use crate::hlc::Hlc;
use crate::protocol::{Cell, RowChange};

/// Winning cells of an existing row, written after the page's rows are all decided.
pub(super) struct Edit<'a> {
    pub row: &'a RowChange,
    pub cells: Vec<&'a Cell>,
    /// The row's life stamp: cells carrying it keep no clock of their own.
    pub life: Option<(Hlc, String)>,
}

/// Creates the rows a page brings to life, those of one table and the same columns in one
/// statement: besides saving a statement per row, it lets the full-text index take them in one
/// go (FTS5 writes its pending terms out at every statement). A clash on a unique key, a row
/// breaking a rule (left out, see [`leave_out`]), or a blob, sends them one by one through
/// [`insert_row`].
pub(super) fn insert_rows(
    conn: &Connection,
    capture: &Capture,
    rows: &[&RowChange],
) -> rusqlite::Result<()> {
    let mut groups: BTreeMap<(&str, Vec<&str>), Vec<&RowChange>> = BTreeMap::new();
    for row in rows {
        let columns = row.cells.iter().map(|c| c.column.as_str()).collect();
        groups
            .entry((row.table.as_str(), columns))
            .or_default()
            .push(row);
    }
    for ((table, columns), rows) in groups {
        let has_blob = rows
            .iter()
            .any(|r| r.cells.iter().any(|c| matches!(c.value, Value::Blob(_))));
        if rows.len() == 1 || has_blob || !insert_together(conn, table, &columns, &rows)? {
            for row in rows {
                insert_row(conn, capture, row)?;
            }
            continue;
        }
        for row in rows {
            let life = row.life.as_ref().map(|l| (l.hlc, l.device.as_str()));
            let cells = row
                .cells
                .iter()
                .filter(|c| Some((c.hlc, c.device.as_str())) != life);
            record_cells(conn, &row.table, &row.pk, cells)?;
        }
    }
    Ok(())
}

/// One `INSERT … SELECT` of `rows` from a JSON array; `false` (nothing written) on a unique-key
/// clash, for the rows to go one by one.
fn insert_together(
    conn: &Connection,
    table: &str,
    columns: &[&str],
    rows: &[&RowChange],
) -> rusqlite::Result<bool> {
    let arrival = crate::tables::synced_table(table).map_or(&[][..], |t| t.arrival_values);
    let mut names = vec![quote_ident("id")];
    names.extend(columns.iter().map(|c| quote_ident(c)));
    names.extend(arrival.iter().map(|(c, _)| quote_ident(c)));
    let mut picks: Vec<String> = (0..=columns.len())
        .map(|i| format!("j.value ->> {i}"))
        .collect();
    picks.extend(arrival.iter().map(|(_, v)| v.to_string()));
    let data: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            let mut values = vec![serde_json::Value::String(r.pk.clone())];
            values.extend(
                r.cells
                    .iter()
                    .map(|c| seller_sync_core::value::to_json(&c.value)),
            );
            serde_json::Value::Array(values)
        })
        .collect();
    let sql = format!(
        "INSERT INTO {} ({}) SELECT {} FROM json_each(?1) j",
        quote_ident(table),
        names.join(", "),
        picks.join(", ")
    );
    match conn
        .prepare_cached(&sql)?
        .execute([serde_json::Value::Array(data).to_string()])
    {
        Ok(_) => Ok(true),
        Err(e)
            if is_constraint(&e, rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
                || breaks_row_rule(&e) =>
        {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Creates a row the batch brings to life, from its cells (a creation carries every column),
/// in one statement; its cells then only need their clocks. A unique-key clash with a row held
/// here keeps both: the one created later gets a distinct value, flagged for the user.
fn insert_row(conn: &Connection, capture: &Capture, row: &RowChange) -> rusqlite::Result<()> {
    let mut values: Vec<(String, Value)> = row
        .cells
        .iter()
        .map(|c| (c.column.clone(), c.value.clone()))
        .collect();
    let arrival = crate::tables::synced_table(&row.table).map_or(&[][..], |t| t.arrival_values);
    values.extend(
        arrival
            .iter()
            .map(|(column, value)| ((*column).to_owned(), Value::Integer(*value))),
    );
    let mut renamed: Vec<String> = Vec::new();
    // A row can clash on several unique keys; each round settles one.
    for _ in 0..4 {
        match write_new(conn, &row.table, &row.pk, &values) {
            Ok(()) => {
                // Cells stamped like the row's life need no clock of their own.
                let life = row.life.as_ref().map(|l| (l.hlc, l.device.as_str()));
                let cells = row.cells.iter().filter(|c| {
                    !renamed.contains(&c.column) && Some((c.hlc, c.device.as_str())) != life
                });
                record_cells(conn, &row.table, &row.pk, cells)?;
                return Ok(());
            }
            Err(e) if is_constraint(&e, rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE) => {
                match settle_clash(conn, capture, &row.table, &row.pk, &mut values)? {
                    Some(Settled::IncomingRenamed(column)) => renamed.push(column),
                    Some(Settled::LocalChanged) => {}
                    Some(Settled::IncomingDropped) => return Ok(()),
                    None => return Err(e),
                }
            }
            Err(e) if breaks_row_rule(&e) => {
                leave_out(&row.table, &row.pk, None, &e);
                return Ok(());
            }
            Err(e) => return Err(e),
        }
    }
    write_new(conn, &row.table, &row.pk, &values)
}

/// Writes the page's edits, those of one table and the same columns in one `UPDATE … FROM`
/// (the full-text index flushes at every statement, and the app's triggers run once per
/// statement's rows); a unique-key clash or a blob sends them one by one.
pub(super) fn update_rows(
    conn: &Connection,
    capture: &Capture,
    edits: &[Edit<'_>],
) -> rusqlite::Result<()> {
    let mut groups: BTreeMap<(&str, Vec<&str>), Vec<&Edit<'_>>> = BTreeMap::new();
    for edit in edits {
        let columns = edit.cells.iter().map(|c| c.column.as_str()).collect();
        groups
            .entry((edit.row.table.as_str(), columns))
            .or_default()
            .push(edit);
    }
    let mut clashed = Vec::new();
    for ((table, columns), edits) in groups {
        let has_blob = edits
            .iter()
            .any(|e| e.cells.iter().any(|c| matches!(c.value, Value::Blob(_))));
        if has_blob || !update_together(conn, table, &columns, &edits)? {
            // One by one; a cell that clashes waits for all the page's other edits: two rows
            // swapping values in one page (a conflict settled on another device) clash only
            // midway.
            for edit in edits {
                for cell in &edit.cells {
                    if !try_update_cell(conn, edit.row, cell)? {
                        clashed.push((edit.row, cell));
                    }
                }
            }
            continue;
        }
        for edit in edits {
            for cell in &edit.cells {
                let same = edit
                    .life
                    .as_ref()
                    .is_some_and(|(hlc, device)| *hlc == cell.hlc && *device == cell.device);
                if same {
                    conn.prepare_cached(
                        "DELETE FROM sync_clock WHERE tbl = ?1 AND pk = ?2 AND col = ?3",
                    )?
                    .execute(params![
                        edit.row.table,
                        edit.row.pk,
                        cell.column
                    ])?;
                } else {
                    ClockEntry {
                        table,
                        pk: &edit.row.pk,
                        column: &cell.column,
                        hlc: cell.hlc,
                        device: &cell.device,
                        cl: 0,
                        pushed: true,
                    }
                    .record(conn)?;
                }
            }
        }
    }
    for (row, cell) in clashed {
        update_cell(conn, capture, row, cell)?;
    }
    Ok(())
}

/// One `UPDATE … FROM json_each(…)` of `edits`; `false` (nothing written) on a unique-key clash.
fn update_together(
    conn: &Connection,
    table: &str,
    columns: &[&str],
    edits: &[&Edit<'_>],
) -> rusqlite::Result<bool> {
    let sets: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{} = j.value ->> {}", quote_ident(c), i + 1))
        .collect();
    let data: Vec<serde_json::Value> = edits
        .iter()
        .map(|e| {
            let mut values = vec![serde_json::Value::String(e.row.pk.clone())];
            values.extend(
                e.cells
                    .iter()
                    .map(|c| seller_sync_core::value::to_json(&c.value)),
            );
            serde_json::Value::Array(values)
        })
        .collect();
    let sql = format!(
        "UPDATE {t} SET {sets} FROM json_each(?1) j WHERE {t}.id = j.value ->> 0",
        t = quote_ident(table),
        sets = sets.join(", ")
    );
    match conn
        .prepare_cached(&sql)?
        .execute([serde_json::Value::Array(data).to_string()])
    {
        Ok(_) => Ok(true),
        Err(e)
            if is_constraint(&e, rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
                || breaks_row_rule(&e) =>
        {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Writes one cell as it comes; `false` (nothing written) when another row holds its value.
fn try_update_cell(conn: &Connection, row: &RowChange, cell: &Cell) -> rusqlite::Result<bool> {
    let sql = format!(
        "UPDATE {} SET {} = ?2 WHERE id = ?1",
        quote_ident(&row.table),
        quote_ident(&cell.column)
    );
    match conn
        .prepare_cached(&sql)?
        .execute(params![row.pk, cell.value])
    {
        Ok(_) => record_cell(conn, row, cell).map(|()| true),
        Err(e) if is_constraint(&e, rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE) => Ok(false),
        Err(e) if breaks_row_rule(&e) => {
            leave_out(&row.table, &row.pk, Some(&cell.column), &e);
            Ok(true)
        }
        Err(e) => Err(e),
    }
}

fn update_cell(
    conn: &Connection,
    capture: &Capture,
    row: &RowChange,
    cell: &Cell,
) -> rusqlite::Result<()> {
    let sql = format!(
        "UPDATE {} SET {} = ?2 WHERE id = ?1",
        quote_ident(&row.table),
        quote_ident(&cell.column)
    );
    match conn
        .prepare_cached(&sql)?
        .execute(params![row.pk, cell.value])
    {
        Ok(_) => record_cell(conn, row, cell),
        Err(e) if is_constraint(&e, rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE) => {
            // Another row holds that value already: the cell is taken as it comes, then the
            // clash is resolved like a clash of two new rows.
            let mut incoming = current_row(conn, &row.table, &row.pk)?;
            set_cell(&mut incoming, &cell.column, cell.value.clone());
            match settle_clash(conn, capture, &row.table, &row.pk, &mut incoming)? {
                // The other row made way: the cell applies as it comes.
                Some(Settled::LocalChanged) => {
                    conn.prepare_cached(&sql)?
                        .execute(params![row.pk, cell.value])?;
                    record_cell(conn, row, cell)
                }
                // This row was the later one: it takes a distinct value, stamped here.
                Some(Settled::IncomingRenamed(_)) => {
                    write_whole(conn, &row.table, &row.pk, &incoming)
                }
                // A repeated link: this row goes (its deletion is recorded already).
                Some(Settled::IncomingDropped) => {
                    conn.execute(
                        &format!("DELETE FROM {} WHERE id = ?1", quote_ident(&row.table)),
                        [&row.pk],
                    )?;
                    Ok(())
                }
                None => Err(e),
            }
        }
        Err(e) if breaks_row_rule(&e) => {
            leave_out(&row.table, &row.pk, Some(&cell.column), &e);
            Ok(())
        }
        Err(e) => Err(e),
    }
}
