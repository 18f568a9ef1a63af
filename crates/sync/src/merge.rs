//! Changes leaving a device ([`pending`]) and arriving at one ([`merge`]).
//!
//! A [`Batch`] holds, per row touched, its life (causal length) and the cells that changed, with
//! the values read from the tables at the time. Merging follows SYNC.md: the longer causal
//! length wins a row's life (a delete beats the edits made before it was seen; a re-creation
//! beats that delete); while both sides agree on it, each cell goes to the greater (HLC, device).
//! Everything is applied in the caller's transaction with capture off and foreign keys checked
//! at commit, so the order of the rows in a batch does not matter.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};
pub use seller_sync_core::protocol::{Cell, Life, RowChange};
use seller_sync_core::value::Value;

use crate::capture::{Capture, quote_ident, synced_columns};
use crate::hlc::Hlc;
use crate::rules::{RowDecision, cell_wins, decide_row, life_stamp_wins};

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
    /// Rows this device changed on its own to settle what the merge found: orphans, clashes,
    /// a refused delete.
    pub rows_repaired: usize,
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

/// The local clock of one cell or row life.
struct HeldClock {
    hlc: Hlc,
    device: String,
    cl: i64,
    pushed: bool,
}

fn local_clock(
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

/// Records a clock: `pushed` for what came from elsewhere, not for a change of this device's
/// own making that the server has yet to receive.
#[allow(clippy::too_many_arguments)]
fn record(
    conn: &Connection,
    table: &str,
    pk: &str,
    column: &str,
    hlc: Hlc,
    device: &str,
    cl: i64,
    pushed: bool,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_clock (tbl, pk, col, hlc, device, cl, pushed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (tbl, pk, col) DO UPDATE SET hlc = excluded.hlc, device = excluded.device,
             cl = excluded.cl, pushed = excluded.pushed",
    )?
    .execute(params![table, pk, column, hlc.to_i64(), device, cl, pushed])?;
    Ok(())
}

/// The clock of a cell this device now holds as `cell` says (merged, so not to be pushed back).
/// A cell stamped like its row's life keeps no clock of its own, as where it was made.
fn record_cell(conn: &Connection, row: &RowChange, cell: &Cell) -> rusqlite::Result<()> {
    let life = local_clock(conn, &row.table, &row.pk, "")?;
    if life.is_some_and(|l| l.hlc == cell.hlc && l.device == cell.device) {
        conn.prepare_cached("DELETE FROM sync_clock WHERE tbl = ?1 AND pk = ?2 AND col = ?3")?
            .execute(params![row.table, row.pk, cell.column])?;
        return Ok(());
    }
    record(
        conn,
        &row.table,
        &row.pk,
        &cell.column,
        cell.hlc,
        &cell.device,
        0,
        true,
    )
}

/// The clocks of cells this device now holds as they came (merged, so not pushed back).
fn record_cells<'a>(
    conn: &Connection,
    table: &str,
    pk: &str,
    cells: impl Iterator<Item = &'a Cell>,
) -> rusqlite::Result<()> {
    for cell in cells {
        record(
            conn,
            table,
            pk,
            &cell.column,
            cell.hlc,
            &cell.device,
            0,
            true,
        )?;
    }
    Ok(())
}

/// A fresh local stamp, for a change a merge makes on its own (to be pushed).
fn own_stamp(capture: &Capture) -> Hlc {
    capture.stamp()
}

/// Applies `batch` in the current transaction of `conn` (the caller commits), capture off but
/// for what the merge decides on its own: rows a remote delete cascades to, rows left without
/// their parent, unique-key clashes, a delete that would break a row another one needs.
pub fn merge(conn: &Connection, capture: &Capture, batch: &Batch) -> rusqlite::Result<Merged> {
    merge_from(conn, capture, batch, false)
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
    merge_from(conn, capture, batch, outbox_empty)
}

fn merge_from(
    conn: &Connection,
    capture: &Capture,
    batch: &Batch,
    server_has_ours: bool,
) -> rusqlite::Result<Merged> {
    conn.execute_batch("PRAGMA defer_foreign_keys = ON")?;
    let mut merged = Merged::default();
    // The app's own triggers (stock from movements) tell merged writes from local ones by this
    // row, which only this transaction sees.
    conn.execute(
        "INSERT OR IGNORE INTO sync_applying (applying) VALUES (1)",
        [],
    )?;
    let keys = foreign_keys(conn)?;
    let unique_changes = crate::conflicts::unique_cells_changing(conn, &batch.rows)?;
    let mut deleted = Vec::new();
    let mut new_rows = Vec::new();
    let mut edits = Vec::new();
    let applied = capture.applying_remote(|| {
        for row in &batch.rows {
            merge_row(
                conn,
                capture,
                &keys,
                row,
                server_has_ours,
                &mut merged,
                &mut deleted,
                &mut new_rows,
                &mut edits,
            )?;
        }
        insert_rows(conn, capture, &new_rows)?;
        update_rows(conn, capture, &edits)
    });
    conn.execute("DELETE FROM sync_applying", [])?;
    applied?;
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

#[allow(clippy::too_many_arguments)]
fn merge_row<'a>(
    conn: &Connection,
    capture: &Capture,
    keys: &[ForeignKey],
    row: &'a RowChange,
    server_has_ours: bool,
    merged: &mut Merged,
    deleted: &mut Vec<(String, String)>,
    new_rows: &mut Vec<&'a RowChange>,
    edits: &mut Vec<Edit<'a>>,
) -> rusqlite::Result<()> {
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
        record(
            conn,
            &row.table,
            &row.pk,
            "",
            life.hlc,
            &life.device,
            life.cl,
            true,
        )?;
        // One form everywhere: a cell has a clock of its own only when it differs from its
        // row's life's.
        conn.prepare_cached(
            "DELETE FROM sync_clock WHERE tbl = ?1 AND pk = ?2 AND col <> '' AND hlc = ?3 AND device = ?4",
        )?
        .execute(params![row.table, row.pk, life.hlc.to_i64(), life.device])?;
    }
    let new_life = match decision {
        RowDecision::Stale => {
            merged.cells_ignored += row.cells.len();
            return Ok(());
        }
        RowDecision::Dead { .. } => {
            if exists && delete_row(conn, capture, keys, row, merged)? {
                crate::proxy_watch::note_deleted(conn, &row.table, &row.pk)?;
                deleted.push((row.table.clone(), row.pk.clone()));
            }
            merged.cells_ignored += row.cells.len();
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
        new_rows.push(row);
        merged.rows_created += 1;
        merged.cells_applied += row.cells.len();
        return Ok(());
    }
    // The row's clocks, read once: each cell's own, else the life's.
    let (life_now, own) = row_clocks(conn, &row.table, &row.pk)?;
    let mut winners: Vec<&'a Cell> = Vec::new();
    for cell in &row.cells {
        let held = own.get(&cell.column).or(life_now.as_ref());
        let settled = held.is_some_and(settled_by_server);
        let held = held.map(|h| (h.hlc, h.device.as_str()));
        if !settled && !cell_wins(new_life, held, (cell.hlc, cell.device.as_str())) {
            merged.cells_ignored += 1;
            continue;
        }
        winners.push(cell);
    }
    merged.cells_applied += winners.len();
    if winners.is_empty() {
        return Ok(());
    }
    crate::proxy_watch::note_incoming(conn, &row.table, &row.pk, &winners)?;
    // Written with the page's other rows changed in the same columns, in one statement.
    let life = life_now.map(|l| (l.hlc, l.device));
    edits.push(Edit {
        row,
        cells: winners,
        life,
    });
    Ok(())
}

/// Winning cells of an existing row, written after the page's rows are all decided.
struct Edit<'a> {
    row: &'a RowChange,
    cells: Vec<&'a Cell>,
    /// The row's life stamp: cells carrying it keep no clock of their own.
    life: Option<(Hlc, String)>,
}

/// Writes the page's edits, those of one table and the same columns in one `UPDATE … FROM`
/// (the full-text index flushes at every statement, and the app's triggers run once per
/// statement's rows); a unique-key clash or a blob sends them one by one.
fn update_rows(conn: &Connection, capture: &Capture, edits: &[Edit<'_>]) -> rusqlite::Result<()> {
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
                    record(
                        conn,
                        table,
                        &edit.row.pk,
                        &cell.column,
                        cell.hlc,
                        &cell.device,
                        0,
                        true,
                    )?;
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

/// A row's life clock and its cells' own clocks.
fn row_clocks(
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
        record(
            conn,
            &row.table,
            &row.pk,
            "",
            life.hlc,
            &life.device,
            life.cl,
            true,
        )?;
    }
    merged.rows_deleted += 1;
    Ok(true)
}

/// Makes a row this device's own again, whole: a new life `cl` and every cell stamped now, all
/// to be pushed.
fn restamp_row(
    conn: &Connection,
    capture: &Capture,
    table: &str,
    pk: &str,
    cl: i64,
) -> rusqlite::Result<()> {
    let device = capture.device_id().to_owned();
    record(conn, table, pk, "", own_stamp(capture), &device, cl, false)?;
    // Its cells now carry the new life's stamp.
    forget_cells(conn, table, pk)
}

/// Gives the row's cells without a clock of their own the life's current stamp, explicitly.
fn keep_cell_stamps(
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
fn forget_cells(conn: &Connection, table: &str, pk: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM sync_clock WHERE tbl = ?1 AND pk = ?2 AND col <> ''")?
        .execute(params![table, pk])?;
    Ok(())
}

fn is_constraint(e: &rusqlite::Error, extended: std::ffi::c_int) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.extended_code == extended)
}

/// Whether `e` is a rule of one row refusing its values (a CHECK, a NOT NULL, a trigger's
/// RAISE): what a server that checks less than this schema, or a hostile one, may send.
fn breaks_row_rule(e: &rusqlite::Error) -> bool {
    [
        rusqlite::ffi::SQLITE_CONSTRAINT_CHECK,
        rusqlite::ffi::SQLITE_CONSTRAINT_NOTNULL,
        rusqlite::ffi::SQLITE_CONSTRAINT_TRIGGER,
    ]
    .into_iter()
    .any(|code| is_constraint(e, code))
}

/// A pulled row or cell this schema refuses is left out, and said in the log, rather than
/// failing its page: a failed page is never applied and its cursor never moves, so one such
/// row, made by whoever can push to a scope this device reads, would stop this device's sync
/// for good. Its clock is not taken, so a later valid change of it still applies.
fn leave_out(table: &str, pk: &str, column: Option<&str>, e: &rusqlite::Error) {
    tracing::warn!(
        table,
        pk,
        column = column.unwrap_or(""),
        error = %e,
        "a pulled change breaks this database's rules: left out"
    );
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

/// Creates the rows a page brings to life, those of one table and the same columns in one
/// statement: besides saving a statement per row, it lets the full-text index take them in one
/// go (FTS5 writes its pending terms out at every statement). A clash on a unique key, a row
/// breaking a rule (left out, see [`leave_out`]), or a blob, sends them one by one through
/// [`insert_row`].
fn insert_rows(conn: &Connection, capture: &Capture, rows: &[&RowChange]) -> rusqlite::Result<()> {
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

fn write_new(
    conn: &Connection,
    table: &str,
    pk: &str,
    values: &[(String, Value)],
) -> rusqlite::Result<()> {
    let mut columns = vec![quote_ident("id")];
    let mut params = vec![Value::Text(pk.to_owned())];
    for (column, value) in values {
        columns.push(quote_ident(column));
        params.push(value.clone());
    }
    let placeholders: Vec<String> = (1..=params.len()).map(|i| format!("?{i}")).collect();
    conn.prepare_cached(&format!(
        "INSERT INTO {} ({}) VALUES ({})",
        quote_ident(table),
        columns.join(", "),
        placeholders.join(", ")
    ))?
    .execute(rusqlite::params_from_iter(params))?;
    Ok(())
}

fn write_whole(
    conn: &Connection,
    table: &str,
    pk: &str,
    values: &[(String, Value)],
) -> rusqlite::Result<()> {
    let sets: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, (c, _))| format!("{} = ?{}", quote_ident(c), i + 2))
        .collect();
    let mut params = vec![Value::Text(pk.to_owned())];
    params.extend(values.iter().map(|(_, v)| v.clone()));
    conn.prepare_cached(&format!(
        "UPDATE {} SET {} WHERE id = ?1",
        quote_ident(table),
        sets.join(", ")
    ))?
    .execute(rusqlite::params_from_iter(params))?;
    Ok(())
}

fn current_row(conn: &Connection, table: &str, pk: &str) -> rusqlite::Result<Vec<(String, Value)>> {
    let columns = synced_columns(conn, table)?;
    let mut values = Vec::with_capacity(columns.len());
    for column in columns {
        let value = cell_value(conn, table, pk, &column)?.unwrap_or(Value::Null);
        values.push((column, value));
    }
    Ok(values)
}

fn set_cell(values: &mut [(String, Value)], column: &str, value: Value) {
    if let Some(slot) = values.iter_mut().find(|(c, _)| c == column) {
        slot.1 = value;
    }
}

enum Settled {
    /// The incoming row was the later one: this column of it now holds a distinct value.
    IncomingRenamed(String),
    /// The row held here was the later one and was changed (renamed or dropped).
    LocalChanged,
    /// The incoming row was the later one and only repeated a link the earlier row makes
    /// (the same colour of the same item): it is deleted everywhere.
    IncomingDropped,
}

/// Settles a clash of `incoming` (row `pk` of `table`, with `values`) on a unique key with a
/// row held here; `None` when no clashing row is found.
fn settle_clash(
    conn: &Connection,
    capture: &Capture,
    table: &str,
    pk: &str,
    values: &mut [(String, Value)],
) -> rusqlite::Result<Option<Settled>> {
    let Some((columns, other)) = clashing_row(conn, table, pk, values)? else {
        return Ok(None);
    };
    let created = |id: &str| -> rusqlite::Result<(Hlc, String)> {
        Ok(local_clock(conn, table, id, "")?
            .map(|h| (h.hlc, h.device))
            .unwrap_or_default())
    };
    let incoming_is_later = created(pk)? > created(&other)?;
    let later = if incoming_is_later {
        pk
    } else {
        other.as_str()
    };
    let column = columns.last().expect("an index has columns").clone();
    let device = capture.device_id().to_owned();
    if is_foreign_key(conn, table, &column)? {
        // A repeated link, not something a user typed: the later copy goes.
        let cl = local_clock(conn, table, later, "")?.map_or(1, |h| h.cl) + 1;
        record(
            conn,
            table,
            later,
            "",
            own_stamp(capture),
            &device,
            cl,
            false,
        )?;
        if incoming_is_later {
            return Ok(Some(Settled::IncomingDropped));
        }
        conn.execute(
            &format!("DELETE FROM {} WHERE id = ?1", quote_ident(table)),
            [later],
        )?;
        return Ok(Some(Settled::LocalChanged));
    }
    let original = if incoming_is_later {
        values
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, v)| v.clone())
    } else {
        cell_value(conn, table, later, &column)?
    }
    .unwrap_or(Value::Null);
    let distinct = crate::conflicts::distinct_value(&original, later);
    crate::conflicts::flag(
        conn,
        table,
        later,
        &column,
        &original,
        if incoming_is_later { &other } else { pk },
    )?;
    record(
        conn,
        table,
        later,
        &column,
        own_stamp(capture),
        &device,
        0,
        false,
    )?;
    if incoming_is_later {
        set_cell(values, &column, distinct);
        Ok(Some(Settled::IncomingRenamed(column)))
    } else {
        conn.execute(
            &format!(
                "UPDATE {} SET {} = ?2 WHERE id = ?1",
                quote_ident(table),
                quote_ident(&column)
            ),
            params![later, distinct],
        )?;
        Ok(Some(Settled::LocalChanged))
    }
}

/// A unique index of `table` on which `values` clash with another row: its columns and that row.
fn clashing_row(
    conn: &Connection,
    table: &str,
    pk: &str,
    values: &[(String, Value)],
) -> rusqlite::Result<Option<(Vec<String>, String)>> {
    let indexes: Vec<String> = conn
        .prepare_cached(
            "SELECT name FROM pragma_index_list(?1) WHERE \"unique\" AND origin <> 'pk'",
        )?
        .query_map([table], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for index in indexes {
        let columns: Vec<String> = conn
            .prepare_cached("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")?
            .query_map([&index], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut conditions = Vec::new();
        let mut params = vec![Value::Text(pk.to_owned())];
        for column in &columns {
            let value = values
                .iter()
                .find(|(c, _)| c == column)
                .map(|(_, v)| v.clone())
                .unwrap_or(Value::Null);
            if value == Value::Null {
                break;
            }
            params.push(value);
            conditions.push(format!("{} = ?{}", quote_ident(column), params.len()));
        }
        if conditions.len() < columns.len() {
            continue;
        }
        let other: Option<String> = conn
            .prepare_cached(&format!(
                "SELECT id FROM {} WHERE id <> ?1 AND {}",
                quote_ident(table),
                conditions.join(" AND ")
            ))?
            .query_row(rusqlite::params_from_iter(params), |r| r.get(0))
            .optional()?;
        if let Some(other) = other {
            return Ok(Some((columns, other)));
        }
    }
    Ok(None)
}

fn is_foreign_key(conn: &Connection, table: &str, column: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM pragma_foreign_key_list(?1) WHERE \"from\" = ?2")?
        .exists(params![table, column])
}

/// One foreign key of the schema: `child.column` refers to `parent.id`.
struct ForeignKey {
    child: String,
    column: String,
    parent: String,
    on_delete: String,
}

/// Every single-column foreign key of the database's tables.
fn foreign_keys(conn: &Connection) -> rusqlite::Result<Vec<ForeignKey>> {
    conn.prepare_cached(
        "SELECT m.name, f.\"from\", f.\"table\", f.on_delete
         FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
         WHERE m.type = 'table' AND f.seq = 0",
    )?
    .query_map([], |r| {
        Ok(ForeignKey {
            child: r.get(0)?,
            column: r.get(1)?,
            parent: r.get(2)?,
            on_delete: r.get::<_, String>(3)?.to_ascii_uppercase(),
        })
    })?
    .collect()
}

impl ForeignKey {
    /// Whether deleting the parent must leave the children as they are (a blocking key).
    fn blocks(&self) -> bool {
        matches!(self.on_delete.as_str(), "RESTRICT" | "NO ACTION")
    }
}

/// Whether this device knows the row is deleted (it holds its life, even), as opposed to not
/// having received it yet.
fn known_dead(conn: &Connection, table: &str, pk: &str) -> rusqlite::Result<bool> {
    Ok(
        local_clock(conn, table, pk, "")?.is_some_and(|h| h.cl % 2 == 0)
            && cell_value(conn, table, pk, "id")?.is_none(),
    )
}

/// Whether a row still refers to `pk` of `parent` through a blocking foreign key.
fn blocked_delete(
    conn: &Connection,
    keys: &[ForeignKey],
    parent: &str,
    pk: &str,
) -> rusqlite::Result<bool> {
    for fk in keys.iter().filter(|k| k.parent == parent && k.blocks()) {
        let referred = conn
            .prepare_cached(&format!(
                "SELECT 1 FROM {} WHERE {} = ?1",
                quote_ident(&fk.child),
                quote_ident(&fk.column)
            ))?
            .exists([pk])?;
        if referred {
            return Ok(true);
        }
    }
    Ok(false)
}

/// What a remote delete and the rows a page brought mean for the rows that refer to others,
/// as the foreign keys say: the children of a deleted row are deleted (CASCADE) or unlinked
/// (SET NULL); a row that arrived pointing at a parent this device knows is deleted follows the
/// same rule. A row whose parent has simply not arrived yet (a later page brings it) is left as
/// it is. These are this device's own changes, pushed like any other.
fn settle_references(
    conn: &Connection,
    keys: &[ForeignKey],
    arrived: &[(String, String)],
    deleted: Vec<(String, String)>,
) -> rusqlite::Result<usize> {
    let mut settled = 0;
    let mut queue = deleted;
    // Rows that arrived pointing at a parent known to be deleted: one look per foreign key for
    // the whole page, at the rows whose parent is missing.
    let mut by_table: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (table, pk) in arrived {
        by_table
            .entry(table.as_str())
            .or_default()
            .push(pk.as_str());
    }
    for (table, pks) in by_table {
        let ids = serde_json::to_string(&pks).expect("ids serialise");
        for fk in keys.iter().filter(|k| k.child == table) {
            let orphans: Vec<(String, String)> = conn
                .prepare_cached(&format!(
                    "SELECT c.id, c.{col} FROM {child} c
                     WHERE c.id IN (SELECT value FROM json_each(?1)) AND c.{col} IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = c.{col})",
                    col = quote_ident(&fk.column),
                    child = quote_ident(&fk.child),
                    parent = quote_ident(&fk.parent),
                ))?
                .query_map([&ids], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            for (pk, parent) in orphans {
                if known_dead(conn, &fk.parent, &parent)? {
                    settled += follow_delete(conn, fk, table, &pk, &mut queue)?;
                }
            }
        }
    }
    // Children of deleted rows, then their own children.
    while let Some((parent, pk)) = queue.pop() {
        for fk in keys.iter().filter(|k| k.parent == parent) {
            let children: Vec<String> = conn
                .prepare_cached(&format!(
                    "SELECT id FROM {} WHERE {} = ?1",
                    quote_ident(&fk.child),
                    quote_ident(&fk.column)
                ))?
                .query_map([&pk], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for child in children {
                settled += follow_delete(conn, fk, &fk.child.clone(), &child, &mut queue)?;
            }
        }
    }
    Ok(settled)
}

/// Applies a foreign key's delete rule to one child row: unlinks it (SET NULL) or deletes it
/// (anything else), queuing a deleted row for its own children.
fn follow_delete(
    conn: &Connection,
    fk: &ForeignKey,
    table: &str,
    pk: &str,
    queue: &mut Vec<(String, String)>,
) -> rusqlite::Result<usize> {
    if fk.on_delete == "SET NULL" {
        return conn.execute(
            &format!(
                "UPDATE {} SET {} = NULL WHERE id = ?1",
                quote_ident(table),
                quote_ident(&fk.column)
            ),
            [pk],
        );
    }
    let deleted = conn.execute(
        &format!("DELETE FROM {} WHERE id = ?1", quote_ident(table)),
        [pk],
    )?;
    if deleted > 0 {
        queue.push((table.to_owned(), pk.to_owned()));
    }
    Ok(deleted)
}
