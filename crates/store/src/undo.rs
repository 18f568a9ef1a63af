//! Undo of the last bulk action.
//!
//! Before a bulk action writes, the rows it will touch are copied into `undo`, an in-memory
//! database attached to the connection. For a delete that means every row the delete reaches:
//! the rows of the tables that cascade from it and the references it sets to NULL, found from
//! the schema's own foreign keys, so a table added later is covered without touching this code.
//! Undo puts the copies back in one transaction.
//!
//! Only the last bulk action can be undone, and only while nothing else has been written since
//! (checked with the connection's change counter): restoring older copies over newer edits would
//! lose the user's work.

use std::collections::VecDeque;

use rusqlite::{Connection, Transaction};

use crate::{Result, StoreError};

/// Name of the attached in-memory database holding the copies.
const SCHEMA: &str = "undo";
/// Deepest chain of cascading foreign keys followed from the deleted rows.
const MAX_CASCADE_DEPTH: usize = 8;

/// How one copied table is put back.
#[derive(Debug, Clone)]
enum Step {
    /// Deleted rows: inserted again.
    Reinsert { table: String, copy: String },
    /// Changed rows: their columns set back to the copy's values.
    Overwrite { table: String, copy: String },
    /// References a delete set to NULL: pointed again at the restored rows.
    Relink {
        table: String,
        column: String,
        copy: String,
    },
}

/// What the last bulk action saved for its undo.
#[derive(Debug, Clone)]
pub(crate) struct Journal {
    steps: Vec<Step>,
    /// The connection's change counter right after the action.
    changes_after: u64,
}

/// Attaches the in-memory database that holds the copies (once per connection).
pub(crate) fn attach(conn: &Connection) -> Result<()> {
    conn.execute_batch(&format!("ATTACH DATABASE ':memory:' AS {SCHEMA}"))?;
    Ok(())
}

/// Starts a journal for an action on `table`'s rows whose ids are `ids`: drops the previous
/// copies and records the ids in `undo.selection`.
pub(crate) struct Recorder<'t, 'c> {
    tx: &'t Transaction<'c>,
    steps: Vec<Step>,
}

impl<'t, 'c> Recorder<'t, 'c> {
    pub fn new(tx: &'t Transaction<'c>, ids: &[String]) -> Result<Self> {
        drop_copies(tx)?;
        tx.execute_batch(&format!(
            "CREATE TABLE {SCHEMA}.selection (id TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID"
        ))?;
        let mut insert = tx.prepare(&format!(
            "INSERT OR IGNORE INTO {SCHEMA}.selection (id) VALUES (?1)"
        ))?;
        for id in ids {
            insert.execute([id])?;
        }
        Ok(Self {
            tx,
            steps: Vec::new(),
        })
    }

    /// Copies the selected rows of `table` before they are changed in place.
    pub fn before_update(&mut self, table: &str) -> Result<()> {
        let copy = self.copy_rows(table, "id", &format!("SELECT id FROM {SCHEMA}.selection"))?;
        self.steps.push(Step::Overwrite {
            table: table.to_owned(),
            copy,
        });
        Ok(())
    }

    /// Copies the selected rows of `table` and everything deleting them reaches.
    pub fn before_delete(&mut self, table: &str) -> Result<()> {
        let copy = self.copy_rows(table, "id", &format!("SELECT id FROM {SCHEMA}.selection"))?;
        self.steps.push(Step::Reinsert {
            table: table.to_owned(),
            copy: copy.clone(),
        });
        let mut queue = VecDeque::from([(table.to_owned(), copy, 0)]);
        while let Some((parent, parent_copy, depth)) = queue.pop_front() {
            if depth >= MAX_CASCADE_DEPTH {
                continue;
            }
            for fk in foreign_keys_to(self.tx, &parent)? {
                let parent_keys = format!("SELECT \"{}\" FROM {SCHEMA}.\"{parent_copy}\"", fk.to);
                match fk.on_delete.as_str() {
                    "CASCADE" => {
                        let copy = self.copy_rows(&fk.table, &fk.from, &parent_keys)?;
                        self.steps.push(Step::Reinsert {
                            table: fk.table.clone(),
                            copy: copy.clone(),
                        });
                        queue.push_back((fk.table, copy, depth + 1));
                    }
                    "SET NULL" => {
                        let copy = self.next_copy_name(&fk.table);
                        self.tx.execute_batch(&format!(
                            "CREATE TABLE {SCHEMA}.\"{copy}\" AS
                             SELECT id, \"{from}\" AS ref FROM main.\"{table}\"
                             WHERE \"{from}\" IN ({parent_keys})",
                            from = fk.from,
                            table = fk.table,
                        ))?;
                        self.steps.push(Step::Relink {
                            table: fk.table,
                            column: fk.from,
                            copy,
                        });
                    }
                    // RESTRICT / NO ACTION: the delete itself fails; nothing to keep.
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// The journal, to keep once the action's transaction has committed.
    pub fn finish(self) -> Journal {
        Journal {
            steps: self.steps,
            changes_after: 0,
        }
    }

    fn copy_rows(&mut self, table: &str, column: &str, keys: &str) -> Result<String> {
        let copy = self.next_copy_name(table);
        self.tx.execute_batch(&format!(
            "CREATE TABLE {SCHEMA}.\"{copy}\" AS
             SELECT * FROM main.\"{table}\" WHERE \"{column}\" IN ({keys})"
        ))?;
        Ok(copy)
    }

    fn next_copy_name(&self, table: &str) -> String {
        format!("{}_{table}", self.steps.len())
    }
}

impl Journal {
    /// Records the change counter once the action has committed.
    pub fn committed(mut self, conn: &Connection) -> Self {
        self.changes_after = conn.total_changes();
        self
    }

    /// Whether nothing has been written since the action.
    pub fn is_current(&self, conn: &Connection) -> bool {
        conn.total_changes() == self.changes_after
    }

    /// Puts every copied row back, parents before children, then the references.
    pub fn restore(&self, tx: &Transaction<'_>) -> Result<()> {
        for step in &self.steps {
            match step {
                Step::Reinsert { table, copy } => {
                    tx.execute_batch(&format!(
                        "INSERT OR IGNORE INTO main.\"{table}\" SELECT * FROM {SCHEMA}.\"{copy}\""
                    ))?;
                }
                Step::Overwrite { table, copy } => {
                    let columns = columns_of(tx, table)?
                        .into_iter()
                        .filter(|c| c != "id")
                        .map(|c| format!("\"{c}\""))
                        .collect::<Vec<_>>()
                        .join(", ");
                    tx.execute_batch(&format!(
                        "UPDATE main.\"{table}\" SET ({columns}) =
                            (SELECT {columns} FROM {SCHEMA}.\"{copy}\" c WHERE c.id = main.\"{table}\".id)
                         WHERE id IN (SELECT id FROM {SCHEMA}.\"{copy}\")"
                    ))?;
                }
                Step::Relink { .. } => {}
            }
        }
        for step in &self.steps {
            if let Step::Relink {
                table,
                column,
                copy,
            } = step
            {
                tx.execute_batch(&format!(
                    "UPDATE main.\"{table}\" SET \"{column}\" =
                        (SELECT ref FROM {SCHEMA}.\"{copy}\" c WHERE c.id = main.\"{table}\".id)
                     WHERE id IN (SELECT id FROM {SCHEMA}.\"{copy}\")"
                ))?;
            }
        }
        Ok(())
    }
}

/// Frees the memory of the copies once they are no longer needed.
pub(crate) fn drop_copies(conn: &Connection) -> Result<()> {
    let tables: Vec<String> = conn
        .prepare(&format!(
            "SELECT name FROM {SCHEMA}.sqlite_master WHERE type = 'table'"
        ))?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for table in tables {
        conn.execute_batch(&format!("DROP TABLE {SCHEMA}.\"{table}\""))?;
    }
    Ok(())
}

struct ForeignKey {
    /// The referencing table and column.
    table: String,
    from: String,
    /// The referenced column of the parent.
    to: String,
    on_delete: String,
}

fn foreign_keys_to(conn: &Connection, parent: &str) -> Result<Vec<ForeignKey>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.name, f.\"from\", COALESCE(f.\"to\", 'id'), f.on_delete
         FROM main.sqlite_master m, pragma_foreign_key_list(m.name) f
         WHERE m.type = 'table' AND f.\"table\" = ?1",
    )?;
    let keys = stmt
        .query_map([parent], |r| {
            Ok(ForeignKey {
                table: r.get(0)?,
                from: r.get(1)?,
                to: r.get(2)?,
                on_delete: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(keys)
}

fn columns_of(conn: &Connection, table: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached("SELECT name FROM pragma_table_info(?1)")?;
    let columns: Vec<String> = stmt
        .query_map([table], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if columns.is_empty() {
        return Err(StoreError::NotFound {
            entity: "table",
            id: table.to_owned(),
        });
    }
    Ok(columns)
}
