//! Unique-key clashes (two items given one SKU on two devices) and how the user settles them.
//!
//! A clash is settled at once so sync never stops: the row made later keeps its data and takes
//! a distinct value, the original followed by `-` and the last six characters of its own id
//! (`CLASH-1` becomes `CLASH-1-976fa1`). Every device that settles the same clash picks the
//! same row and the same value. Nothing a user typed may change silently, so each such change
//! is listed as a conflict in the Sync area and by `seller sync status`, with a choice of which
//! item keeps the value.
//!
//! Where the conflict is listed: the device that renames records it ([`flag`]); the rename then
//! reaches the other devices as a plain edit, so every device also recognises one on arrival
//! ([`detect_arrived`]): a unique column whose new value is another row's value followed by the
//! mark of its own id. The rename itself is the marker, and it travels with the data: no synced
//! table of conflicts is needed (the server holds rows of the app's tables only), and a device
//! that was offline during the clash lists it too. A device that syncs for the first time after
//! a clash also lists it; each device's choice of "resolved" is its own, but a choice that
//! moves the value (this item keeps it) travels as an edit, and every device then clears the
//! conflict whose row holds the original value again.

use rusqlite::{Connection, OptionalExtension, params};
use seller_sync_core::value::Value;

use crate::capture::quote_ident;
use crate::protocol::RowChange;

/// The value a later row takes instead of a clashing one: the same, marked with the end of the
/// row's id, so every device that settles the clash picks the same.
pub fn distinct_value(original: &Value, pk: &str) -> Value {
    let mark = mark(pk);
    match original {
        Value::Text(t) => Value::Text(format!("{t}-{mark}")),
        Value::Integer(i) => Value::Text(format!("{i}-{mark}")),
        other => other.clone(),
    }
}

/// The last six characters of a row's id.
fn mark(pk: &str) -> String {
    let chars: Vec<char> = pk.chars().collect();
    chars[chars.len().saturating_sub(6)..].iter().collect()
}

/// The original a value renamed for row `pk` came from, if it is one (`CLASH-1-976fa1` for a
/// row whose id ends in `976fa1` → `CLASH-1`).
fn renamed_from(value: &str, pk: &str) -> Option<String> {
    value
        .strip_suffix(&mark(pk))
        .and_then(|rest| rest.strip_suffix('-'))
        .filter(|original| !original.is_empty())
        .map(str::to_owned)
}

/// Records that row `pk` of `table` was given a distinct `column` because `other` holds
/// `original`. A conflict already recorded alike stays as it is (resolved or not).
pub fn flag(
    conn: &Connection,
    table: &str,
    pk: &str,
    column: &str,
    original: &Value,
    other: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_conflicts (tbl, pk, col, value, other_pk, detected_at)
         VALUES (?1, ?2, ?3, ?4, ?5, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
         ON CONFLICT (tbl, pk, col) DO UPDATE SET value = excluded.value,
             other_pk = excluded.other_pk, detected_at = excluded.detected_at, resolved_at = NULL
         WHERE value IS NOT excluded.value OR other_pk <> excluded.other_pk",
    )?
    .execute(params![table, pk, column, original, other])?;
    Ok(())
}

/// The unique indexes of `table` (not its primary key), each as its columns.
fn unique_indexes(conn: &Connection, table: &str) -> rusqlite::Result<Vec<Vec<String>>> {
    let names: Vec<String> = conn
        .prepare_cached(
            "SELECT name FROM pragma_index_list(?1) WHERE \"unique\" AND origin <> 'pk'",
        )?
        .query_map([table], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    names
        .iter()
        .map(|index| {
            conn.prepare_cached("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")?
                .query_map([index], |r| r.get(0))?
                .collect()
        })
        .collect()
}

fn cell_text(
    conn: &Connection,
    table: &str,
    pk: &str,
    column: &str,
) -> rusqlite::Result<Option<String>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT CAST({} AS TEXT) FROM {} WHERE id = ?1",
            quote_ident(column),
            quote_ident(table)
        ))?
        .query_row([pk], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten())
}

/// Whether `column` of row `pk` holds a value renamed by a clash with another row (which still
/// holds the original, on the same other columns of the unique index); records the conflict.
pub fn detect(conn: &Connection, table: &str, pk: &str, column: &str) -> rusqlite::Result<bool> {
    let Some(value) = cell_text(conn, table, pk, column)? else {
        return Ok(false);
    };
    let Some(original) = renamed_from(&value, pk) else {
        return Ok(false);
    };
    for index in unique_indexes(conn, table)? {
        if index.last().map(String::as_str) != Some(column) {
            continue;
        }
        let same: Vec<String> = index[..index.len() - 1]
            .iter()
            .map(|c| format!("o.{c} IS r.{c}", c = quote_ident(c)))
            .chain([format!("o.{} = ?2", quote_ident(column))])
            .collect();
        let other: Option<String> = conn
            .prepare_cached(&format!(
                "SELECT o.id FROM {t} o JOIN {t} r ON r.id = ?1 WHERE o.id <> ?1 AND {}",
                same.join(" AND "),
                t = quote_ident(table)
            ))?
            .query_row(params![pk, original], |r| r.get(0))
            .optional()?;
        if let Some(other) = other {
            flag(conn, table, pk, column, &Value::Text(original), &other)?;
            return Ok(true);
        }
    }
    Ok(false)
}

/// A cell of a unique column, by table, row and column.
pub type UniqueCell = (String, String, String);

/// Before a merge: the cells of unique columns whose value the page changes here (a new row's,
/// or one differing from the value held). Only these can bring a rename made elsewhere: this
/// device's own change coming back holds the value it has already. (A cell's device id would
/// tell nothing: any device id is visible in pulled stamps.)
pub fn unique_cells_changing(
    conn: &Connection,
    rows: &[RowChange],
) -> rusqlite::Result<Vec<UniqueCell>> {
    let mut changing = Vec::new();
    let mut columns_of: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for row in rows {
        if !columns_of.contains_key(row.table.as_str()) {
            let last: Vec<String> = unique_indexes(conn, &row.table)?
                .into_iter()
                .filter_map(|mut index| index.pop())
                .collect();
            columns_of.insert(&row.table, last);
        }
        let unique = &columns_of[row.table.as_str()];
        for cell in row.cells.iter().filter(|c| unique.contains(&c.column)) {
            let held: Option<Value> = conn
                .prepare_cached(&format!(
                    "SELECT {} FROM {} WHERE id = ?1",
                    quote_ident(&cell.column),
                    quote_ident(&row.table)
                ))?
                .query_row([&row.pk], |r| r.get(0))
                .optional()?;
            if held.as_ref() != Some(&cell.value) {
                changing.push((row.table.clone(), row.pk.clone(), cell.column.clone()));
            }
        }
    }
    Ok(changing)
}

/// After a merge, for the unique cells it changed ([`unique_cells_changing`]): lists the clashes
/// settled on another device that they bring (a renamed value), and clears the conflicts of
/// rows that hold their original value again (the choice was made on another device).
pub fn detect_arrived(conn: &Connection, changed: &[UniqueCell]) -> rusqlite::Result<usize> {
    let mut found = 0;
    // Most pages settle no open conflict: one look, rather than one per unique cell.
    let any_open: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM sync_conflicts WHERE resolved_at IS NULL)")?
        .query_row([], |r| r.get(0))?;
    for (table, pk, column) in changed {
        if any_open {
            settle_if_given_back(conn, table, pk, column)?;
        }
        let renamed = cell_text(conn, table, pk, column)?
            .is_some_and(|value| renamed_from(&value, pk).is_some());
        if renamed && detect(conn, table, pk, column)? {
            found += 1;
        }
    }
    Ok(found)
}

/// Marks a conflict resolved when its row holds the original value again.
fn settle_if_given_back(
    conn: &Connection,
    table: &str,
    pk: &str,
    column: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(&format!(
        "UPDATE sync_conflicts SET resolved_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE tbl = ?1 AND pk = ?2 AND col = ?3 AND resolved_at IS NULL
           AND value = (SELECT {} FROM {} WHERE id = ?2)",
        quote_ident(column),
        quote_ident(table)
    ))?
    .execute(params![table, pk, column])?;
    Ok(())
}

/// Lists the renamed values a whole table holds (after signing in moved this device's items
/// into the account's shop, renaming those whose SKU the shop had).
pub fn detect_table(conn: &Connection, table: &str) -> rusqlite::Result<usize> {
    let mut found = 0;
    for column in unique_indexes(conn, table)?
        .into_iter()
        .filter_map(|mut index| index.pop())
    {
        let candidates: Vec<String> = conn
            .prepare(&format!(
                "SELECT id FROM {t} WHERE CAST({c} AS TEXT) LIKE '%-' || substr(id, -6)",
                t = quote_ident(table),
                c = quote_ident(&column)
            ))?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for pk in candidates {
            if detect(conn, table, &pk, &column)? {
                found += 1;
            }
        }
    }
    Ok(found)
}

// The doc comments are the app's TypeScript ones too: the listed row is the one renamed.
/// Which of a conflict's two items keeps the value both were given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "specta",
    derive(serde::Deserialize, specta::Type),
    serde(rename = "ConflictKeep", rename_all = "camelCase")
)]
pub enum Keep {
    /// The listed item takes the value back; the other gets a distinct one.
    This,
    /// The other item keeps it; nothing changes.
    Other,
}

#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("no open conflict on {table} {pk} {column}")]
    NotFound {
        table: String,
        pk: String,
        column: String,
    },
    /// A third row took the value since: the user settles it in the item's form.
    #[error("the value {value} is now held by another item ({holder})")]
    HeldElsewhere { value: String, holder: String },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// Settles a conflict as the user chose, in one transaction: with [`Keep::This`] the two rows
/// swap (the listed row takes the original value back, the other takes the distinct value made
/// from its own id), as this device's own edits, which sync; the conflict is then resolved.
/// Run with capture on (the app's connection).
pub fn choose(
    conn: &Connection,
    table: &str,
    pk: &str,
    column: &str,
    keep: Keep,
) -> Result<(), ResolveError> {
    let tx = conn.unchecked_transaction()?;
    let found: Option<(Value, String)> = tx
        .query_row(
            "SELECT value, other_pk FROM sync_conflicts
             WHERE tbl = ?1 AND pk = ?2 AND col = ?3 AND resolved_at IS NULL",
            params![table, pk, column],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((original, other)) = found else {
        return Err(ResolveError::NotFound {
            table: table.to_owned(),
            pk: pk.to_owned(),
            column: column.to_owned(),
        });
    };
    if keep == Keep::This {
        let holder: Option<String> = tx
            .prepare(&format!(
                "SELECT id FROM {} WHERE {} = ?1 AND id <> ?2",
                quote_ident(table),
                quote_ident(column)
            ))?
            .query_row(params![original, pk], |r| r.get(0))
            .optional()?;
        let set = format!(
            "UPDATE {} SET {} = ?2 WHERE id = ?1",
            quote_ident(table),
            quote_ident(column)
        );
        match holder {
            Some(holder) if holder == other => {
                tx.execute(&set, params![other, distinct_value(&original, &other)])?;
            }
            Some(holder) => {
                return Err(ResolveError::HeldElsewhere {
                    value: text_of(&original),
                    holder,
                });
            }
            None => {}
        }
        tx.execute(&set, params![pk, original])?;
    }
    tx.execute(
        "UPDATE sync_conflicts SET resolved_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE tbl = ?1 AND pk = ?2 AND col = ?3",
        params![table, pk, column],
    )?;
    tx.commit()?;
    Ok(())
}

fn text_of(value: &Value) -> String {
    match value {
        Value::Text(t) => t.clone(),
        Value::Integer(i) => i.to_string(),
        Value::Real(f) => f.to_string(),
        Value::Null => String::new(),
        Value::Blob(_) => "<bytes>".into(),
    }
}

/// What the user knows a row by: an item's title, a shop's or category's name.
pub fn label(conn: &Connection, table: &str, pk: &str) -> Option<String> {
    let column = match table {
        "seller_products" | "products" | "pages" => "title",
        "shops" | "categories" | "attributes" | "seller_accounts" => "name",
        _ => return None,
    };
    cell_text(conn, table, pk, column).ok().flatten()
}

/// The value a row's column holds now, as text (`None` when the row is gone).
pub fn current(conn: &Connection, table: &str, pk: &str, column: &str) -> Option<String> {
    cell_text(conn, table, pk, column).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_renamed_value_tells_its_original() {
        let pk = "0193a5b0-0000-7000-8000-0000cc976fa1";
        assert_eq!(
            distinct_value(&Value::Text("CLASH-1".into()), pk),
            Value::Text("CLASH-1-976fa1".into())
        );
        assert_eq!(
            renamed_from("CLASH-1-976fa1", pk).as_deref(),
            Some("CLASH-1")
        );
        assert_eq!(renamed_from("CLASH-1976fa1", pk), None);
        assert_eq!(renamed_from("-976fa1", pk), None);
        assert_eq!(renamed_from("CLASH-1-976fa2", pk), None);
    }
}
