//! Reading and writing rows by table and column name, and what SQLite's refusals mean for a
//! pulled change.

use rusqlite::{Connection, OptionalExtension};
use seller_sync_core::value::Value;

use crate::capture::{quote_ident, synced_columns};

pub(super) fn cell_value(
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

pub(super) fn write_new(
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

pub(super) fn write_whole(
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

pub(super) fn current_row(
    conn: &Connection,
    table: &str,
    pk: &str,
) -> rusqlite::Result<Vec<(String, Value)>> {
    let columns = synced_columns(conn, table)?;
    let mut values = Vec::with_capacity(columns.len());
    for column in columns {
        let value = cell_value(conn, table, pk, &column)?.unwrap_or(Value::Null);
        values.push((column, value));
    }
    Ok(values)
}

pub(super) fn set_cell(values: &mut [(String, Value)], column: &str, value: Value) {
    if let Some(slot) = values.iter_mut().find(|(c, _)| c == column) {
        slot.1 = value;
    }
}

pub(super) fn is_constraint(e: &rusqlite::Error, extended: std::ffi::c_int) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.extended_code == extended)
}

/// Whether `e` is a rule of one row refusing its values (a CHECK, a NOT NULL, a trigger's
/// RAISE): what a server that checks less than this schema, or a hostile one, may send.
pub(super) fn breaks_row_rule(e: &rusqlite::Error) -> bool {
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
pub(super) fn leave_out(table: &str, pk: &str, column: Option<&str>, e: &rusqlite::Error) {
    tracing::warn!(
        table,
        pk,
        column = column.unwrap_or(""),
        error = %e,
        "a pulled change breaks this database's rules: left out"
    );
}
