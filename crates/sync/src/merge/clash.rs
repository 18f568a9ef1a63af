//! A unique key two rows hold at once (a SKU given twice offline): the later row gives way.

use rusqlite::{Connection, OptionalExtension, params};
use seller_sync_core::value::Value;

use super::clocks::{ClockEntry, local_clock, own_stamp};
use super::rows::{cell_value, set_cell};
use crate::capture::{Capture, quote_ident};
use crate::hlc::Hlc;

pub(super) enum Settled {
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
pub(super) fn settle_clash(
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
        ClockEntry {
            table,
            pk: later,
            column: "",
            hlc: own_stamp(capture),
            device: &device,
            cl,
            pushed: false,
        }
        .record(conn)?;
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
    ClockEntry {
        table,
        pk: later,
        column: &column,
        hlc: own_stamp(capture),
        device: &device,
        cl: 0,
        pushed: false,
    }
    .record(conn)?;
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
