//! What a device accepts from a pulled page: the server is expected to have checked every row
//! already, but a device trusts nothing it pulls (a server can be wrong, old, or not the
//! server). A page is checked whole before anything of it is written:
//! - every table is a synced one and every column a synced column of it (never `id`, never a
//!   column kept on one side such as `users.password` or a derived one), and one this device
//!   has: the server sends each device only the columns of the app version it announces, newer
//!   ones included only once this device runs a version that has them (`docs/SYNC.md`);
//! - every row id and every foreign-key value is a canonical UUID (lowercase, hyphenated), so no
//!   synced value can name a path (`../x`), a scope or another table's row in disguise;
//! - every value has its column's declared type (an integer column gets an integer, a text
//!   column text), holds no NUL character and is at most [`MAX_CELL_BYTES`] long;
//! - every stamp can be stored (a positive 64-bit integer) and is no later than a week past
//!   this device's own time (the server brings pushed stamps back to its time plus a few
//!   minutes, so only a wrong clock here or a server not to be followed sends one: kept, a cell
//!   dated years ahead would win over every later edit, silently); every causal length is
//!   positive and bounded.
//!
//! A page with one such row is refused whole, nothing of it applied and the cursor not moved,
//! rather than the row skipped: skipping would move the cursor past it for good and could apply
//! a child without its refused parent, and since the server refuses these rows itself, one
//! arriving means the server (or whoever answers in its place) is not to be followed.

use std::collections::BTreeMap;

use rusqlite::Connection;
use seller_sync_core::value::Value;

use crate::protocol::RowChange;
use crate::tables::{column_syncs, synced_table};

/// The longest text or blob one pulled cell may hold (as the server allows).
pub const MAX_CELL_BYTES: usize = 1024 * 1024;
/// The greatest causal length a pulled row may carry (as the server allows).
pub const MAX_CAUSAL_LENGTH: i64 = i32::MAX as i64;
/// The longest device id: the server's own bound at sign-in, so a device id the server took
/// from another device never makes a page this device refuses (and stops its sync for good).
const MAX_DEVICE_LEN: usize = crate::protocol::MAX_DEVICE_ID_BYTES;

/// Why a pulled row was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the server sent a row this device refuses ({table} {pk}): {reason}; nothing of the page was applied"
)]
pub struct UntrustedRow {
    pub table: String,
    pub pk: String,
    pub reason: String,
}

/// Whether `id` is a UUID written the way the app writes one: 36 characters, lowercase hex
/// digits and hyphens at 8, 13, 18 and 23.
pub fn is_canonical_uuid(id: &str) -> bool {
    id.len() == 36
        && id.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

/// The declared kind of a local column, by SQLite's affinity rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Real,
    Text,
    Blob,
    /// No declared type, or NUMERIC: any value.
    Any,
}

fn kind_of(declared: &str) -> Kind {
    let t = declared.to_ascii_uppercase();
    if t.contains("INT") {
        Kind::Integer
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        Kind::Text
    } else if t.contains("BLOB") {
        Kind::Blob
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        Kind::Real
    } else {
        Kind::Any
    }
}

struct Column {
    kind: Kind,
    foreign_key: bool,
}

/// The columns of the local tables, read once per page.
#[derive(Default)]
struct Schema {
    tables: BTreeMap<String, BTreeMap<String, Column>>,
}

impl Schema {
    fn table(
        &mut self,
        conn: &Connection,
        table: &str,
    ) -> rusqlite::Result<&BTreeMap<String, Column>> {
        if !self.tables.contains_key(table) {
            let keys: Vec<String> = conn
                .prepare_cached("SELECT \"from\" FROM pragma_foreign_key_list(?1)")?
                .query_map([table], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let columns = conn
                .prepare_cached("SELECT name, type FROM pragma_table_info(?1)")?
                .query_map([table], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })?
                .map(|c| {
                    c.map(|(name, declared)| {
                        let foreign_key = keys.contains(&name);
                        (
                            name,
                            Column {
                                kind: kind_of(&declared),
                                foreign_key,
                            },
                        )
                    })
                })
                .collect::<Result<_, _>>()?;
            self.tables.insert(table.to_owned(), columns);
        }
        Ok(&self.tables[table])
    }
}

/// Checks every row of a pulled page (see the module's documentation); `latest_ms` is the
/// latest wall time a stamp may carry ([`crate::capture::Capture::latest_trusted_ms`]).
pub fn check_page(conn: &Connection, rows: &[RowChange], latest_ms: u64) -> Result<(), PageError> {
    let mut schema = Schema::default();
    for row in rows {
        check_row(conn, &mut schema, row, latest_ms)?;
    }
    Ok(())
}

/// A page refused, or the schema could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error(transparent)]
    Untrusted(#[from] UntrustedRow),
    #[error(transparent)]
    Local(#[from] rusqlite::Error),
}

fn check_row(
    conn: &Connection,
    schema: &mut Schema,
    row: &RowChange,
    latest_ms: u64,
) -> Result<(), PageError> {
    let refuse = |reason: String| UntrustedRow {
        table: shown(&row.table),
        pk: shown(&row.pk),
        reason,
    };
    let Some(synced) = synced_table(&row.table) else {
        return Err(refuse("the table is not one this app syncs".into()).into());
    };
    if !is_canonical_uuid(&row.pk) {
        return Err(refuse("the row id is not a UUID".into()).into());
    }
    if let Some(life) = &row.life {
        if !(1..=MAX_CAUSAL_LENGTH).contains(&life.cl) {
            return Err(refuse(format!("the causal length {} is out of range", life.cl)).into());
        }
        check_stamp(life.hlc, &life.device, latest_ms).map_err(refuse)?;
    }
    let columns = schema.table(conn, &row.table)?;
    if columns.is_empty() {
        return Err(refuse("the table does not exist here".into()).into());
    }
    for cell in &row.cells {
        let Some(column) = columns.get(&cell.column) else {
            return Err(refuse(format!("no column {} here", shown(&cell.column))).into());
        };
        if cell.column == "id" || !column_syncs(synced, &cell.column) {
            return Err(refuse(format!("the column {} does not sync", cell.column)).into());
        }
        check_stamp(cell.hlc, &cell.device, latest_ms).map_err(refuse)?;
        check_value(&cell.column, column, &cell.value).map_err(refuse)?;
    }
    Ok(())
}

fn check_stamp(hlc: crate::hlc::Hlc, device: &str, latest_ms: u64) -> Result<(), String> {
    if !hlc.is_storable() {
        return Err("a stamp past the greatest one a clock can hold".into());
    }
    if hlc.wall_ms() > latest_ms {
        let days = (hlc.wall_ms() - latest_ms) / 86_400_000 + 7;
        return Err(format!(
            "a change dated about {days} days ahead of this computer's clock (check its date and time): kept, it would win over every later edit"
        ));
    }
    if device.is_empty() || device.len() > MAX_DEVICE_LEN || device.contains('\0') {
        return Err(format!("the device id {} is not one", shown(device)));
    }
    Ok(())
}

fn check_value(name: &str, column: &Column, value: &Value) -> Result<(), String> {
    let fits = matches!(
        (column.kind, value),
        (_, Value::Null)
            | (Kind::Any, _)
            | (Kind::Integer, Value::Integer(_))
            | (Kind::Real, Value::Integer(_) | Value::Real(_))
            | (Kind::Text, Value::Text(_))
            | (Kind::Blob, Value::Blob(_))
    );
    if !fits {
        return Err(format!(
            "{name} holds {}, not {:?}",
            kind_name(value),
            column.kind
        ));
    }
    match value {
        Value::Text(t) if t.len() > MAX_CELL_BYTES => {
            return Err(format!("{name} is longer than {MAX_CELL_BYTES} bytes"));
        }
        Value::Blob(b) if b.len() > MAX_CELL_BYTES => {
            return Err(format!("{name} is longer than {MAX_CELL_BYTES} bytes"));
        }
        Value::Text(t) if t.contains('\0') => {
            return Err(format!("{name} holds a NUL character"));
        }
        _ => {}
    }
    if column.foreign_key {
        match value {
            Value::Null => {}
            Value::Text(t) if is_canonical_uuid(t) => {}
            other => {
                return Err(format!(
                    "{name} refers to {}, which is not a UUID",
                    match other {
                        Value::Text(t) => shown(t),
                        other => kind_name(other).to_owned(),
                    }
                ));
            }
        }
    }
    Ok(())
}

fn kind_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Integer(_) => "an integer",
        Value::Real(_) => "a real number",
        Value::Text(_) => "text",
        Value::Blob(_) => "bytes",
    }
}

/// A value as shown in an error: quoted, control characters escaped, cut at 80 characters.
fn shown(text: &str) -> String {
    let cut: String = text.chars().take(80).collect();
    format!(
        "{:?}{}",
        cut,
        if text.chars().count() > 80 { "…" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_apps_own_form_of_uuid_is_canonical() {
        assert!(is_canonical_uuid("0193a5b0-7c1e-7d2f-8a3b-4c5d6e7f8091"));
        for bad in [
            "../x",
            "../../../../tmp/evil",
            "0193A5B0-7C1E-7D2F-8A3B-4C5D6E7F8091",
            "{0193a5b0-7c1e-7d2f-8a3b-4c5d6e7f8091}",
            "0193a5b07c1e7d2f8a3b4c5d6e7f8091",
            "admin",
            "",
        ] {
            assert!(!is_canonical_uuid(bad), "{bad}");
        }
    }

    #[test]
    fn every_device_id_the_server_signs_in_is_accepted_in_a_stamp() {
        let stamp = crate::hlc::Hlc::from_i64(1).unwrap();
        let longest = "d".repeat(crate::protocol::MAX_DEVICE_ID_BYTES);
        assert!(check_stamp(stamp, &longest, u64::MAX).is_ok());
        assert!(check_stamp(stamp, &format!("{longest}d"), u64::MAX).is_err());
        assert!(check_stamp(stamp, "dev\0a", u64::MAX).is_err());
    }

    #[test]
    fn a_stamp_past_the_latest_trusted_time_is_refused() {
        let device = "0193a5b0-0000-7000-8000-00000000000b";
        let latest = 1_800_000_000_000;
        assert!(check_stamp(crate::hlc::Hlc::new(latest, 0), device, latest).is_ok());
        let refused = check_stamp(crate::hlc::Hlc::new(latest + 1, 0), device, latest);
        assert!(
            refused
                .unwrap_err()
                .contains("ahead of this computer's clock")
        );
    }
}
