//! The default backend: one SQLite file (WAL), written by one connection at a time.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use seller_sync_core::hlc::{Clock, Hlc};
use seller_sync_core::protocol::{Cell, Life, RowChange};
use seller_sync_core::protocol::{PullResponse, PushBatch, PushResponse};
use seller_sync_core::value::Value;
use seller_sync_core::value::{from_json, to_json};

use super::{
    DeviceAuth, DeviceInfo, NewUser, Result, Storage, StorageError, UserAuth, device_revoked,
    role_from_text, role_text,
};
use super::{as_email_clash, email_index_ddl, shared_emails};
use crate::push::{PlannedRow, PushContext, RowKey, StoredRow, keys_to_load, plan, seqs_needed};
use crate::schema::{
    Dialect, TypedTable, column_definition, quote, typed_tables, typed_tables_ddl,
};

const SYNC_TABLES: &str = "
CREATE TABLE IF NOT EXISTS sync_cells (
    tbl    TEXT NOT NULL,
    pk     TEXT NOT NULL,
    col    TEXT NOT NULL,
    scope  TEXT NOT NULL,
    value  TEXT,
    hlc    INTEGER NOT NULL,
    device TEXT NOT NULL,
    cl     INTEGER NOT NULL DEFAULT 0,
    seq    INTEGER NOT NULL,
    PRIMARY KEY (tbl, pk, col)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sync_cells_rows ON sync_cells (scope, seq) WHERE col = '';
CREATE TABLE IF NOT EXISTS sync_scopes (scope TEXT PRIMARY KEY, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sync_devices (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT,
    revoked_at   TEXT
);
CREATE TABLE IF NOT EXISTS sync_batches (
    device_id  TEXT NOT NULL,
    device_seq INTEGER NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (device_id, device_seq)
) WITHOUT ROWID;
";

#[derive(Clone)]
pub struct SqliteStorage {
    conn: Arc<Mutex<Connection>>,
    typed: Arc<Vec<TypedTable>>,
    clock: Arc<Clock>,
}

impl SqliteStorage {
    pub fn open(path: &Path) -> Result<SqliteStorage> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let typed = typed_tables();
        conn.execute_batch(SYNC_TABLES)?;
        conn.execute_batch(&typed_tables_ddl(&typed, Dialect::Sqlite))?;
        add_missing_columns(&conn, &typed)?;
        // Tokens expire 30 days after their last use, recorded since this version: a device
        // signed in before it counts from the upgrade, not from its sign-in.
        conn.execute(
            "UPDATE sync_devices SET last_seen_at = ?1 WHERE last_seen_at IS NULL",
            [now_text()],
        )?;
        create_email_index(&conn)?;
        let last: Option<i64> =
            conn.query_row("SELECT max(hlc) FROM sync_cells", [], |r| r.get(0))?;
        let clock = Clock::resuming(last.and_then(Hlc::from_i64).unwrap_or(Hlc::ZERO));
        Ok(SqliteStorage {
            conn: Arc::new(Mutex::new(conn)),
            typed: Arc::new(typed),
            clock: Arc::new(clock),
        })
    }

    /// Runs `f` on the connection off the async runtime.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection, &SqliteStorage) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = this.conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut conn, &this)
        })
        .await
        .map_err(|e| StorageError::Corrupt(format!("a storage task failed: {e}")))?
    }
}

/// Typed tables created by an older server get the columns newer app versions added.
fn add_missing_columns(conn: &Connection, typed: &[TypedTable]) -> rusqlite::Result<()> {
    for table in typed {
        let have: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info(?1)")?
            .query_map([table.name], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for column in table.columns.iter().filter(|c| !have.contains(&c.name)) {
            let definition = column_definition(column, Dialect::Sqlite);
            conn.execute_batch(&format!(
                "ALTER TABLE {} ADD COLUMN {definition}",
                quote(table.name)
            ))?;
        }
    }
    Ok(())
}

/// E-mails are unique whatever their case: a server whose users already share one says which.
fn create_email_index(conn: &Connection) -> Result<()> {
    if conn.execute_batch(&email_index_ddl()).is_ok() {
        return Ok(());
    }
    let shared: Vec<String> = conn
        .prepare("SELECT lower(email) FROM users GROUP BY lower(email) HAVING count(*) > 1")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if shared.is_empty() {
        Ok(conn.execute_batch(&email_index_ddl())?)
    } else {
        Err(shared_emails(&shared))
    }
}

fn shops_owned(conn: &Connection, user_id: &str) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached("SELECT id FROM shops WHERE owner_id = ?1 ORDER BY created_at, id")?
        .query_map([user_id], |r| r.get(0))?
        .collect()
}

fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn load(conn: &Connection, keys: &[RowKey]) -> rusqlite::Result<HashMap<RowKey, StoredRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT col, scope, cl, hlc, device FROM sync_cells WHERE tbl = ?1 AND pk = ?2",
    )?;
    let mut stored = HashMap::new();
    for (table, pk) in keys {
        let mut row = StoredRow::default();
        let mut known = false;
        let mut rows = stmt.query(params![table, pk])?;
        while let Some(r) = rows.next()? {
            let col: String = r.get(0)?;
            let hlc = Hlc::from_i64(r.get(3)?).unwrap_or_default();
            if col.is_empty() {
                known = true;
                row.scope = r.get(1)?;
                row.cl = r.get(2)?;
                row.life = Some((hlc, r.get(4)?));
            } else {
                row.cells.insert(col, (hlc, r.get(4)?));
            }
        }
        if known {
            stored.insert((table.clone(), pk.clone()), row);
        }
    }
    Ok(stored)
}

/// Reserves `count` sequence numbers of `scope`; returns the first.
fn reserve_seqs(conn: &Connection, scope: &str, count: i64) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO sync_scopes (scope, seq) VALUES (?1, 0) ON CONFLICT DO NOTHING",
    )?
    .execute([scope])?;
    let last: i64 = conn
        .prepare_cached("UPDATE sync_scopes SET seq = seq + ?2 WHERE scope = ?1 RETURNING seq")?
        .query_row(params![scope, count], |r| r.get(0))?;
    Ok(last - count + 1)
}

/// Writes planned rows: the log, then the typed tables.
fn apply(conn: &Connection, rows: &[PlannedRow]) -> rusqlite::Result<()> {
    let mut next: HashMap<&str, i64> = HashMap::new();
    for (scope, count) in seqs_needed(rows) {
        next.insert(scope, reserve_seqs(conn, scope, count)?);
    }
    for row in rows {
        let seq = next.get_mut(row.scope.as_str()).expect("reserved");
        apply_row(conn, row, *seq)?;
        *seq += 1;
    }
    Ok(())
}

fn apply_row(conn: &Connection, row: &PlannedRow, seq: i64) -> rusqlite::Result<()> {
    match &row.life {
        Some(life) => {
            conn.prepare_cached(
                "INSERT INTO sync_cells (tbl, pk, col, scope, value, hlc, device, cl, seq)
                 VALUES (?1, ?2, '', ?3, NULL, ?4, ?5, ?6, ?7)
                 ON CONFLICT (tbl, pk, col) DO UPDATE SET hlc = excluded.hlc,
                     device = excluded.device, cl = excluded.cl, seq = excluded.seq",
            )?
            .execute(params![
                row.table,
                row.pk,
                row.scope,
                life.hlc.to_i64(),
                life.device,
                life.cl,
                seq
            ])?;
        }
        None => {
            conn.prepare_cached(
                "UPDATE sync_cells SET seq = ?3 WHERE tbl = ?1 AND pk = ?2 AND col = ''",
            )?
            .execute(params![row.table, row.pk, seq])?;
        }
    }
    let mut cell_stmt = conn.prepare_cached(
        "INSERT INTO sync_cells (tbl, pk, col, scope, value, hlc, device, cl, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8)
         ON CONFLICT (tbl, pk, col) DO UPDATE SET value = excluded.value, hlc = excluded.hlc,
             device = excluded.device, seq = excluded.seq",
    )?;
    for cell in &row.cells {
        let json = to_json(&cell.value).to_string();
        cell_stmt.execute(params![
            row.table,
            row.pk,
            cell.column,
            row.scope,
            json,
            cell.hlc.to_i64(),
            cell.device,
            seq
        ])?;
    }
    if row.comes_to_life() {
        return project(conn, &with_logged_cells(conn, row)?);
    }
    project(conn, row)
}

/// A row coming to life with the cells the log holds beside the pushed ones: a device of an
/// older app version re-creating a row sends none of the columns it does not have, and every
/// device pulls the row with the log's cells, so the typed row holds them too.
fn with_logged_cells(conn: &Connection, row: &PlannedRow) -> rusqlite::Result<PlannedRow> {
    let mut whole = row.clone();
    let logged: Vec<(String, Option<String>, i64, String)> = conn
        .prepare_cached(
            "SELECT col, value, hlc, device FROM sync_cells WHERE tbl = ?1 AND pk = ?2 AND col <> ''",
        )?
        .query_map(params![row.table, row.pk], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    for (column, value, hlc, device) in logged {
        if row.cells.iter().any(|c| c.column == column) {
            continue;
        }
        let value = decode_value(value.as_deref()).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
        })?;
        whole.cells.push(Cell {
            column,
            value,
            hlc: Hlc::from_i64(hlc).unwrap_or_default(),
            device,
        });
    }
    Ok(whole)
}

/// Keeps the typed table in step with the log.
fn project(conn: &Connection, row: &PlannedRow) -> rusqlite::Result<()> {
    let table = quote(&row.table);
    if !row.alive {
        if row.was_alive {
            conn.prepare_cached(&format!("DELETE FROM {table} WHERE id = ?1"))?
                .execute([&row.pk])?;
        }
        return Ok(());
    }
    if row.cells.is_empty() && !row.comes_to_life() {
        return Ok(());
    }
    let columns: Vec<String> = row.cells.iter().map(|c| quote(&c.column)).collect();
    let mut values: Vec<SqlValue> = vec![SqlValue::Text(row.pk.clone())];
    values.extend(row.cells.iter().map(|c| sql_value(&c.value)));
    let sql = if row.comes_to_life() {
        let placeholders: Vec<String> = (2..=values.len()).map(|i| format!("?{i}")).collect();
        let updates: Vec<String> = columns
            .iter()
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        let on_conflict = if updates.is_empty() {
            "DO NOTHING".to_owned()
        } else {
            format!("DO UPDATE SET {}", updates.join(", "))
        };
        format!(
            "INSERT INTO {table} (id{}{}) VALUES (?1{}{}) ON CONFLICT (id) {on_conflict}",
            if columns.is_empty() { "" } else { ", " },
            columns.join(", "),
            if placeholders.is_empty() { "" } else { ", " },
            placeholders.join(", ")
        )
    } else {
        let sets: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ?{}", i + 2))
            .collect();
        format!("UPDATE {table} SET {} WHERE id = ?1", sets.join(", "))
    };
    conn.prepare_cached(&sql)?
        .execute(rusqlite::params_from_iter(values))?;
    Ok(())
}

fn pull_page(conn: &Connection, scope: &str, after: i64, limit: u32) -> Result<PullResponse> {
    let mut rows_stmt = conn.prepare_cached(
        "SELECT tbl, pk, cl, hlc, device, seq FROM sync_cells
         WHERE scope = ?1 AND col = '' AND seq > ?2 ORDER BY seq LIMIT ?3",
    )?;
    let mut cells_stmt = conn.prepare_cached(
        "SELECT col, value, hlc, device FROM sync_cells
         WHERE tbl = ?1 AND pk = ?2 AND col <> '' ORDER BY col",
    )?;
    let heads: Vec<(String, String, i64, i64, String, i64)> = rows_stmt
        .query_map(params![scope, after, i64::from(limit) + 1], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let has_more = heads.len() > limit as usize;
    let mut cursor = after;
    let mut rows = Vec::new();
    for (table, pk, cl, hlc, device, seq) in heads.into_iter().take(limit as usize) {
        cursor = seq;
        let cells = if cl % 2 == 1 {
            cells_stmt
                .query_map(params![table, pk], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                })?
                .map(|c| {
                    let (column, value, hlc, device) = c?;
                    Ok(Cell {
                        column,
                        value: decode_value(value.as_deref())?,
                        hlc: Hlc::from_i64(hlc).unwrap_or_default(),
                        device,
                    })
                })
                .collect::<Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        rows.push(RowChange {
            table,
            pk,
            life: Some(Life {
                cl,
                hlc: Hlc::from_i64(hlc).unwrap_or_default(),
                device,
            }),
            cells,
        });
    }
    Ok(PullResponse {
        rows,
        cursor,
        has_more,
    })
}

/// A cell's value as SQLite takes it (the protocol's values know nothing of SQLite).
fn sql_value(value: &Value) -> SqlValue {
    match value {
        Value::Null => SqlValue::Null,
        Value::Integer(i) => SqlValue::Integer(*i),
        Value::Real(f) => SqlValue::Real(*f),
        Value::Text(t) => SqlValue::Text(t.clone()),
        Value::Blob(b) => SqlValue::Blob(b.clone()),
    }
}

pub(crate) fn decode_value(json: Option<&str>) -> Result<Value> {
    let Some(json) = json else {
        return Ok(Value::Null);
    };
    let parsed: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| StorageError::Corrupt(format!("a cell's value: {e}")))?;
    from_json(parsed).map_err(StorageError::Corrupt)
}

/// The planned row of a user the server creates (its own device, `server`).
pub(crate) fn new_user_row(user: &NewUser, hlc: Hlc) -> PlannedRow {
    let now = now_text();
    let cell = |column: &str, value: Value| Cell {
        column: column.to_owned(),
        value,
        hlc,
        device: crate::SERVER_DEVICE.to_owned(),
    };
    PlannedRow {
        table: "users".into(),
        pk: user.id.clone(),
        scope: seller_sync_core::tables::user_scope(&user.id),
        life: Some(Life {
            cl: 1,
            hlc,
            device: crate::SERVER_DEVICE.to_owned(),
        }),
        cells: vec![
            cell("name", Value::Text(user.name.clone())),
            cell("email", Value::Text(user.email.clone())),
            cell("role", Value::Text(role_text(user.role).into())),
            cell("created_at", Value::Text(now.clone())),
            cell("updated_at", Value::Text(now)),
        ],
        new_life: true,
        alive: true,
        was_alive: false,
    }
}

/// The planned change of a user's e-mail, stamped by the server (its own device, `server`).
pub(crate) fn email_row(
    user_id: &str,
    email: &str,
    held: Option<&StoredRow>,
    hlc: Hlc,
) -> Result<PlannedRow> {
    let held = held.filter(|h| h.cl % 2 == 1).ok_or_else(|| {
        StorageError::Refused(seller_sync_core::protocol::ApiError::new(
            seller_sync_core::protocol::ApiErrorCode::BadRequest,
            "this user no longer exists",
        ))
    })?;
    Ok(PlannedRow {
        table: "users".into(),
        pk: user_id.to_owned(),
        scope: held.scope.clone(),
        life: None,
        cells: vec![Cell {
            column: "email".into(),
            value: Value::Text(email.to_owned()),
            hlc,
            device: crate::SERVER_DEVICE.to_owned(),
        }],
        new_life: false,
        alive: true,
        was_alive: true,
    })
}

fn user_auth(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserAuth> {
    Ok(UserAuth {
        id: r.get(0)?,
        role: role_from_text(&r.get::<_, String>(1)?),
        password_hash: r.get(2)?,
    })
}

/// Applies one batch in `tx`, unless the device's batch of that number is already applied;
/// returns the stamps it clamped.
fn push_batch(
    tx: &Connection,
    this: &SqliteStorage,
    ctx: &PushContext,
    batch: &PushBatch,
    now_ms: u64,
) -> Result<Vec<seller_sync_core::protocol::ClampedCell>> {
    let seen = tx
        .query_row(
            "SELECT 1 FROM sync_batches WHERE device_id = ?1 AND device_seq = ?2",
            params![ctx.device_id, batch.device_seq],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if seen {
        return Ok(Vec::new());
    }
    // The user's shops as this transaction sees them: one made by an earlier batch counts.
    let mut ctx = ctx.clone();
    ctx.shops = shops_owned(tx, &ctx.user_id)?;
    let stored = load(tx, &keys_to_load(&batch.rows))?;
    let plan = plan(&ctx, &batch.rows, &stored, &this.typed, &this.clock, now_ms)?;
    apply(tx, &plan.rows).map_err(|e| as_email_clash(e.into()))?;
    tx.execute(
        "INSERT INTO sync_batches (device_id, device_seq, applied_at) VALUES (?1, ?2, ?3)",
        params![ctx.device_id, batch.device_seq, now_text()],
    )?;
    Ok(plan.clamped)
}

impl Storage for SqliteStorage {
    async fn user_by_email(&self, email: &str) -> Result<Option<UserAuth>> {
        let email = email.to_owned();
        self.run(move |conn, _| {
            Ok(conn
                .query_row(
                    "SELECT id, role, password FROM users WHERE lower(email) = lower(?1) AND password IS NOT NULL",
                    [&email],
                    |r| {
                        Ok(UserAuth {
                            id: r.get(0)?,
                            role: role_from_text(&r.get::<_, String>(1)?),
                            password_hash: r.get(2)?,
                        })
                    },
                )
                .optional()?)
        })
        .await
    }

    async fn create_user(&self, user: &NewUser, hlc: Hlc) -> Result<()> {
        let user = user.clone();
        self.run(move |conn, _| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            apply(&tx, &[new_user_row(&user, hlc)]).map_err(|e| as_email_clash(e.into()))?;
            tx.execute(
                "UPDATE users SET password = ?2 WHERE id = ?1",
                params![user.id, user.password_hash],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn user_by_id(&self, user_id: &str) -> Result<Option<UserAuth>> {
        let user_id = user_id.to_owned();
        self.run(move |conn, _| {
            Ok(conn
                .query_row(
                    "SELECT id, role, password FROM users WHERE id = ?1 AND password IS NOT NULL",
                    [&user_id],
                    user_auth,
                )
                .optional()?)
        })
        .await
    }

    async fn change_email(&self, user_id: &str, email: &str, now_ms: u64) -> Result<()> {
        let (user_id, email) = (user_id.to_owned(), email.to_owned());
        self.run(move |conn, this| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let key: RowKey = ("users".into(), user_id.clone());
            let stored = load(&tx, std::slice::from_ref(&key))?;
            let row = email_row(&user_id, &email, stored.get(&key), this.clock.stamp(now_ms))?;
            apply(&tx, &[row]).map_err(|e| as_email_clash(e.into()))?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn register_device(
        &self,
        device_id: &str,
        user_id: &str,
        name: &str,
        token_hash: &str,
    ) -> Result<()> {
        let (device_id, user_id, name, token_hash) = (
            device_id.to_owned(),
            user_id.to_owned(),
            name.to_owned(),
            token_hash.to_owned(),
        );
        self.run(move |conn, _| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let held: Option<(String, Option<String>)> = tx
                .query_row(
                    "SELECT user_id, revoked_at FROM sync_devices WHERE id = ?1",
                    [&device_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((owner, revoked_at)) = held {
                if owner != user_id {
                    return Err(StorageError::Refused(
                        seller_sync_core::protocol::ApiError::new(
                            seller_sync_core::protocol::ApiErrorCode::ForeignDevice,
                            "this device is signed in to another account on this server",
                        ),
                    ));
                }
                if revoked_at.is_some() {
                    return Err(device_revoked());
                }
            }
            let now = now_text();
            tx.execute(
                "INSERT INTO sync_devices (id, user_id, name, token_hash, created_at, last_seen_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                     token_hash = excluded.token_hash, last_seen_at = excluded.last_seen_at",
                params![device_id, user_id, name, token_hash, now],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn device_by_token(&self, token_hash: &str) -> Result<Option<DeviceAuth>> {
        let token_hash = token_hash.to_owned();
        self.run(move |conn, _| {
            let found = conn
                .query_row(
                    "SELECT d.id, d.user_id, u.role, coalesce(d.last_seen_at, d.created_at)
                     FROM sync_devices d JOIN users u ON u.id = d.user_id
                     WHERE d.token_hash = ?1 AND d.revoked_at IS NULL",
                    [&token_hash],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                        ))
                    },
                )
                .optional()?;
            found
                .map(|(device_id, user_id, role, seen)| {
                    let last_seen = chrono::DateTime::parse_from_rfc3339(&seen)
                        .map_err(|e| StorageError::Corrupt(format!("a device's last use: {e}")))?
                        .to_utc();
                    Ok(DeviceAuth {
                        device_id,
                        user_id,
                        role: role_from_text(&role),
                        last_seen,
                    })
                })
                .transpose()
        })
        .await
    }

    async fn touch_device(&self, device_id: &str) -> Result<()> {
        let device_id = device_id.to_owned();
        self.run(move |conn, _| {
            conn.execute(
                "UPDATE sync_devices SET last_seen_at = ?2 WHERE id = ?1",
                params![device_id, now_text()],
            )?;
            Ok(())
        })
        .await
    }

    async fn revoke_token(&self, token_hash: &str) -> Result<()> {
        let token_hash = token_hash.to_owned();
        self.run(move |conn, _| {
            conn.execute(
                "UPDATE sync_devices SET token_hash = 'signed-out:' || id WHERE token_hash = ?1",
                params![token_hash],
            )?;
            Ok(())
        })
        .await
    }

    async fn devices_of(&self, user_id: &str) -> Result<Vec<DeviceInfo>> {
        let user_id = user_id.to_owned();
        self.run(move |conn, _| {
            Ok(conn
                .prepare(
                    "SELECT id, name, created_at, last_seen_at, revoked_at FROM sync_devices
                     WHERE user_id = ?1 ORDER BY created_at, id",
                )?
                .query_map([&user_id], |r| {
                    Ok(DeviceInfo {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        created_at: r.get(2)?,
                        last_seen_at: r.get(3)?,
                        revoked_at: r.get(4)?,
                    })
                })?
                .collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn revoke_device(&self, device_id: &str) -> Result<bool> {
        let device_id = device_id.to_owned();
        self.run(move |conn, _| {
            let changed = conn.execute(
                "UPDATE sync_devices SET revoked_at = coalesce(revoked_at, ?2),
                     token_hash = 'signed-out:' || id
                 WHERE id = ?1",
                params![device_id, now_text()],
            )?;
            Ok(changed > 0)
        })
        .await
    }

    async fn revoke_devices(&self, user_id: &str) -> Result<u64> {
        let user_id = user_id.to_owned();
        self.run(move |conn, _| {
            let changed = conn.execute(
                "UPDATE sync_devices SET revoked_at = ?2, token_hash = 'signed-out:' || id
                 WHERE user_id = ?1 AND revoked_at IS NULL",
                params![user_id, now_text()],
            )?;
            Ok(changed as u64)
        })
        .await
    }

    async fn shops_of(&self, user_id: &str) -> Result<Vec<String>> {
        let user_id = user_id.to_owned();
        self.run(move |conn, _| Ok(shops_owned(conn, &user_id)?))
            .await
    }

    async fn all_scopes(&self) -> Result<Vec<String>> {
        self.run(|conn, _| {
            Ok(conn
                .prepare("SELECT scope FROM sync_scopes ORDER BY scope")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn push_all(
        &self,
        ctx: &PushContext,
        batches: &[PushBatch],
        now_ms: u64,
    ) -> Result<PushResponse> {
        let (ctx, batches) = (ctx.clone(), batches.to_vec());
        self.run(move |conn, this| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut response = PushResponse::default();
            for batch in &batches {
                let clamped = push_batch(&tx, this, &ctx, batch, now_ms)?;
                response.acked.push(batch.device_seq);
                response.clamped.extend(clamped);
            }
            tx.execute(
                "UPDATE sync_devices SET last_seen_at = ?2 WHERE id = ?1",
                params![ctx.device_id, now_text()],
            )?;
            tx.commit()?;
            Ok(response)
        })
        .await
    }

    async fn scope_seqs(&self, scopes: &[String]) -> Result<HashMap<String, i64>> {
        let scopes = scopes.to_vec();
        self.run(move |conn, _| {
            let mut stmt = conn.prepare_cached("SELECT seq FROM sync_scopes WHERE scope = ?1")?;
            let mut seqs = HashMap::new();
            for scope in scopes {
                let seq: Option<i64> = stmt.query_row([&scope], |r| r.get(0)).optional()?;
                seqs.insert(scope, seq.unwrap_or(0));
            }
            Ok(seqs)
        })
        .await
    }

    async fn pull(&self, scope: &str, after: i64, limit: u32) -> Result<PullResponse> {
        let scope = scope.to_owned();
        self.run(move |conn, _| {
            let tx = conn.transaction()?;
            let page = pull_page(&tx, &scope, after, limit)?;
            tx.commit()?;
            Ok(page)
        })
        .await
    }
}
