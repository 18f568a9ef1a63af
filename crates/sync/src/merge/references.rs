//! The foreign keys of the schema, and what a delete means for the rows that refer to others.

use std::collections::BTreeMap;

use rusqlite::Connection;

use super::clocks::local_clock;
use super::rows::cell_value;
use crate::capture::quote_ident;

/// One foreign key of the schema: `child.column` refers to `parent.id`.
pub(super) struct ForeignKey {
    child: String,
    column: String,
    parent: String,
    on_delete: String,
}

/// Every single-column foreign key of the database's tables.
pub(super) fn foreign_keys(conn: &Connection) -> rusqlite::Result<Vec<ForeignKey>> {
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
    pub(super) fn blocks(&self) -> bool {
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
pub(super) fn blocked_delete(
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
pub(super) fn settle_references(
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
            // The count is of synced rows; a local table's rows just follow.
            if crate::tables::synced_table(&fk.child).is_none() {
                follow_delete_locally(conn, fk, &pk)?;
                continue;
            }
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

/// Applies a foreign key's delete rule to the rows of a table this device keeps for itself
/// (not synced, so no `id` column to rely on and no clocks to keep): unlinks or deletes every
/// row referring to `parent_pk`. Such tables hold no synced children, so nothing is queued.
fn follow_delete_locally(
    conn: &Connection,
    fk: &ForeignKey,
    parent_pk: &str,
) -> rusqlite::Result<usize> {
    let (table, column) = (quote_ident(&fk.child), quote_ident(&fk.column));
    let sql = if fk.on_delete == "SET NULL" {
        format!("UPDATE {table} SET {column} = NULL WHERE {column} = ?1")
    } else {
        format!("DELETE FROM {table} WHERE {column} = ?1")
    };
    conn.execute(&sql, [parent_pk])
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
