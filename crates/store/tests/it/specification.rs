//! The schema the user specified (`docs/SCHEMA.md`, in the repository) is all there: every table
//! and every column it lists exists in a freshly migrated database. A clone can run this without
//! the brief's own schema tool.

use std::collections::BTreeMap;

use crate::common::db_path;
use seller_store::Store;
use seller_store::raw::RawSql;

/// `### table` headings, each with the columns of its `- a, b: description` lines.
fn specified_tables() -> BTreeMap<String, Vec<String>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/SCHEMA.md");
    let text = std::fs::read_to_string(path).expect("docs/SCHEMA.md is in the repository");
    let mut tables = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("### ") {
            let name = name.trim().to_owned();
            tables.insert(name.clone(), Vec::new());
            current = Some(name);
        } else if let (Some(table), Some(item)) = (&current, line.strip_prefix("- "))
            && let Some((names, _description)) = item.split_once(':')
            && names
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_, ".contains(c))
        {
            let columns = tables.get_mut(table).expect("the table was just inserted");
            columns.extend(names.split(',').map(|c| c.trim().to_owned()));
        }
    }
    tables
}

#[test]
fn every_specified_table_and_column_exists() {
    let specified = specified_tables();
    assert_eq!(specified.len(), 45, "docs/SCHEMA.md specifies 45 tables");
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&db_path(&dir)).unwrap();
    let mut missing = Vec::new();
    for (table, columns) in &specified {
        let present: Vec<String> = store
            .connection()
            .prepare("SELECT name FROM pragma_table_info(?1)")
            .unwrap()
            .query_map([table], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        if present.is_empty() {
            missing.push(format!("table {table}"));
        }
        for column in columns.iter().filter(|c| !present.contains(c)) {
            if !present.is_empty() {
                missing.push(format!("{table}.{column}"));
            }
        }
    }
    let columns: usize = specified.values().map(Vec::len).sum();
    assert!(columns > 250, "the parser read the columns ({columns})");
    assert!(
        missing.is_empty(),
        "missing from the migrations: {missing:?}"
    );
}
