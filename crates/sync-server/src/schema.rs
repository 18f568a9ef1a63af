//! The marketplace's typed tables on the server: the app's synced tables, with the same columns
//! and types, in each backend's dialect, so the data can be queried with plain SQL.
//!
//! They are built from the app's own migrations (run in memory, then read back), so they follow
//! the app without a second schema to keep. Constraints between rows (foreign keys, unique
//! keys, checks) are the devices' business: rows of one shop reach the server from several
//! devices in any order, and a unique-key clash made offline is kept and flagged on a device
//! rather than refused here. What each column may hold on its own (its type, NOT NULL, and for a
//! key or a foreign key a canonical UUID) is read from the migrations too, and checked on every
//! push (`validate.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use rusqlite::Connection;
use seller_sync_core::protocol::{PullResponse, SchemaRange};
use seller_sync_core::tables::SYNCED_TABLES;

include!(concat!(env!("OUT_DIR"), "/app_migrations.rs"));

/// The first app schema version that syncs.
const FIRST_SYNCING_VERSION: u32 = 8;

/// The app schema versions this server accepts.
pub fn supported_schema() -> SchemaRange {
    SchemaRange {
        min: FIRST_SYNCING_VERSION,
        max: APP_MIGRATIONS.len() as u32,
    }
}

/// The columns of each synced table at one app schema version (`id` included); a table the
/// version does not have yet is absent.
pub type VersionColumns = BTreeMap<&'static str, BTreeSet<String>>;

/// The synced tables' columns at every version this server serves, each read from the app's
/// migrations up to that version (run in memory): what a device of that version has.
static COLUMNS_BY_VERSION: LazyLock<BTreeMap<u32, VersionColumns>> = LazyLock::new(|| {
    let range = supported_schema();
    let conn = Connection::open_in_memory().expect("an in-memory database");
    let mut applied = 0;
    let mut by_version = BTreeMap::new();
    for version in range.min..=range.max {
        while applied < version as usize {
            conn.execute_batch(APP_MIGRATIONS[applied])
                .expect("the app's migrations apply");
            applied += 1;
        }
        let tables = SYNCED_TABLES
            .iter()
            .map(|t| (t.name, column_names(&conn, t.name)))
            .filter(|(_, columns)| !columns.is_empty())
            .collect();
        by_version.insert(version, tables);
    }
    by_version
});

/// The synced tables' columns a device of app schema `version` has; `None` for a version this
/// server does not serve.
pub fn columns_at(version: u32) -> Option<&'static VersionColumns> {
    COLUMNS_BY_VERSION.get(&version)
}

fn column_names(conn: &Connection, table: &str) -> BTreeSet<String> {
    conn.prepare("SELECT name FROM pragma_table_info(?1)")
        .expect("pragma_table_info")
        .query_map([table], |r| r.get(0))
        .expect("columns")
        .collect::<Result<_, _>>()
        .expect("columns")
}

/// A pulled page as a device of app schema `version` can take it: only the cells of columns
/// that version has, and no row of a table it does not have yet (its cursor still moves past
/// them). The log keeps every cell: a newer device pulling the same rows gets them whole, and
/// this device gets the rest once it runs a newer version (a device pulls its scopes again from
/// the start when its synced columns grow).
pub fn page_for_version(version: u32, page: &mut PullResponse) {
    let Some(columns) = columns_at(version) else {
        return;
    };
    if version == supported_schema().max {
        return;
    }
    page.rows.retain_mut(|row| {
        let Some(known) = columns.get(row.table.as_str()) else {
            return false;
        };
        row.cells.retain(|cell| known.contains(&cell.column));
        true
    });
}

/// A column's storage class, from its declared type as SQLite reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Integer,
    Real,
    Text,
    Blob,
}

#[derive(Debug, Clone)]
pub struct TypedColumn {
    pub name: String,
    pub ty: ColumnType,
    /// Declared NOT NULL in the app's schema.
    pub not_null: bool,
    /// The table this column's `REFERENCES` clause names: its values are ids.
    pub references: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TypedTable {
    pub name: &'static str,
    /// Every column, `id` first.
    pub columns: Vec<TypedColumn>,
}

impl TypedTable {
    pub fn column(&self, name: &str) -> Option<&TypedColumn> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// The synced tables as the app's latest migration leaves them.
pub fn typed_tables() -> Vec<TypedTable> {
    let conn = Connection::open_in_memory().expect("an in-memory database");
    for sql in APP_MIGRATIONS {
        conn.execute_batch(sql).expect("the app's migrations apply");
    }
    SYNCED_TABLES
        .iter()
        .map(|t| TypedTable {
            name: t.name,
            columns: columns_of(&conn, t.name),
        })
        .collect()
}

fn columns_of(conn: &Connection, table: &str) -> Vec<TypedColumn> {
    let mut stmt = conn
        .prepare(
            "SELECT c.name, c.type, c.\"notnull\",
                    (SELECT f.\"table\" FROM pragma_foreign_key_list(?1) f WHERE f.\"from\" = c.name)
             FROM pragma_table_info(?1) c ORDER BY c.pk DESC, c.cid",
        )
        .expect("pragma_table_info");
    stmt.query_map([table], |r| {
        Ok(TypedColumn {
            name: r.get(0)?,
            ty: affinity(&r.get::<_, String>(1)?),
            not_null: r.get(2)?,
            references: r.get(3)?,
        })
    })
    .expect("columns")
    .collect::<Result<_, _>>()
    .expect("columns")
}

/// SQLite's type affinity rules (https://www.sqlite.org/datatype3.html#determination_of_column_affinity).
fn affinity(declared: &str) -> ColumnType {
    let t = declared.to_ascii_uppercase();
    if t.contains("INT") {
        ColumnType::Integer
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        ColumnType::Text
    } else if t.contains("BLOB") || t.is_empty() {
        ColumnType::Blob
    } else {
        ColumnType::Real
    }
}

/// `CREATE TABLE IF NOT EXISTS` for every typed table, in `dialect`.
pub fn typed_tables_ddl(tables: &[TypedTable], dialect: Dialect) -> String {
    let mut sql = String::new();
    for table in tables {
        let columns: Vec<String> = table
            .columns
            .iter()
            .map(|c| column_definition(c, dialect))
            .collect();
        sql.push_str(&format!(
            "CREATE TABLE IF NOT EXISTS {} ({});\n",
            quote(table.name),
            columns.join(", ")
        ));
    }
    sql
}

/// A column as `CREATE TABLE` and `ALTER TABLE … ADD COLUMN` write it.
pub fn column_definition(column: &TypedColumn, dialect: Dialect) -> String {
    let ty = match (dialect, column.ty) {
        (Dialect::Sqlite, ColumnType::Integer) => "INTEGER",
        (Dialect::Sqlite, ColumnType::Real) => "REAL",
        (Dialect::Sqlite, ColumnType::Blob) => "BLOB",
        (Dialect::Postgres, ColumnType::Integer) => "BIGINT",
        (Dialect::Postgres, ColumnType::Real) => "DOUBLE PRECISION",
        (Dialect::Postgres, ColumnType::Blob) => "BYTEA",
        (_, ColumnType::Text) => "TEXT",
    };
    let key = if column.name == "id" {
        " PRIMARY KEY"
    } else {
        ""
    };
    format!("{} {ty}{key}", quote(&column.name))
}

pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_synced_table_has_its_columns_and_types() {
        let tables = typed_tables();
        assert_eq!(tables.len(), SYNCED_TABLES.len());
        let products = tables.iter().find(|t| t.name == "seller_products").unwrap();
        assert_eq!(products.columns[0].name, "id");
        assert_eq!(products.column("price").unwrap().ty, ColumnType::Integer);
        assert_eq!(products.column("title").unwrap().ty, ColumnType::Text);
        let users = tables.iter().find(|t| t.name == "users").unwrap();
        assert!(
            users.column("password").is_some(),
            "the server keeps the hashes"
        );
        let shops = tables.iter().find(|t| t.name == "shops").unwrap();
        let owner = shops.column("owner_id").unwrap();
        assert_eq!(owner.references.as_deref(), Some("users"));
        assert!(owner.not_null);
        assert!(shops.column("logo_url").unwrap().references.is_none());
        assert!(!shops.column("logo_url").unwrap().not_null);
        let pg = typed_tables_ddl(&tables, Dialect::Postgres);
        assert!(pg.contains("\"price\" BIGINT"), "{pg}");
        assert!(supported_schema().contains(8) && !supported_schema().contains(7));
    }

    #[test]
    fn each_version_served_has_the_columns_its_migrations_give() {
        let range = supported_schema();
        for version in range.min..=range.max {
            assert!(columns_at(version).is_some(), "{version}");
        }
        assert!(columns_at(range.min - 1).is_none() && columns_at(range.max + 1).is_none());
        let latest = &columns_at(range.max).unwrap()["seller_listings"];
        let tables = typed_tables();
        let typed = tables.iter().find(|t| t.name == "seller_listings").unwrap();
        let typed: BTreeSet<String> = typed.columns.iter().map(|c| c.name.clone()).collect();
        assert_eq!(*latest, typed, "the latest version has every typed column");
        // Migration 10 gave seller_listings its first columns added since sync started.
        let before = &columns_at(9).unwrap()["seller_listings"];
        assert!(before.contains("title") && before.contains("id"));
        assert!(!before.contains("listed_at") && !before.contains("gone_at"));
        assert!(latest.contains("listed_at") && latest.contains("gone_at"));
    }

    #[test]
    fn a_page_keeps_only_what_the_devices_version_has() {
        use seller_sync_core::hlc::Hlc;
        use seller_sync_core::protocol::{Cell, RowChange};
        use seller_sync_core::value::Value;
        let cell = |column: &str| Cell {
            column: column.into(),
            value: Value::Text("x".into()),
            hlc: Hlc::new(1, 0),
            device: "d".into(),
        };
        let page = PullResponse {
            rows: vec![
                RowChange {
                    table: "seller_listings".into(),
                    pk: "p".into(),
                    life: None,
                    cells: vec![cell("title"), cell("listed_at"), cell("gone_at")],
                },
                RowChange {
                    table: "no_such_table_yet".into(),
                    pk: "q".into(),
                    life: None,
                    cells: vec![cell("title")],
                },
            ],
            cursor: 7,
            has_more: true,
        };
        let mut old = page.clone();
        page_for_version(9, &mut old);
        assert_eq!(old.rows.len(), 1, "a table version 9 lacks is left out");
        let columns: Vec<&str> = old.rows[0]
            .cells
            .iter()
            .map(|c| c.column.as_str())
            .collect();
        assert_eq!(columns, ["title"]);
        assert_eq!(
            (old.cursor, old.has_more),
            (7, true),
            "the cursor moves past all"
        );
        let mut latest = page.clone();
        page_for_version(supported_schema().max, &mut latest);
        assert_eq!(latest, page, "the latest version gets the page whole");
    }

    /// A row's scope comes from its shop or parent column: as a foreign key, its value is checked
    /// to be a UUID, so no value can name the admin's scope, a user's, or the reference data.
    #[test]
    fn every_column_that_gives_a_scope_is_a_foreign_key() {
        use seller_sync_core::tables::Scoping;
        let tables = typed_tables();
        for synced in SYNCED_TABLES {
            let (column, target) = match synced.scoping {
                Scoping::ShopColumn(column) => (column, "shops"),
                Scoping::Parent { column, table } => (column, table),
                _ => continue,
            };
            let typed = tables.iter().find(|t| t.name == synced.name).unwrap();
            assert_eq!(
                typed.column(column).unwrap().references.as_deref(),
                Some(target),
                "{}.{column}",
                synced.name
            );
        }
    }
}
