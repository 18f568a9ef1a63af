//! The PostgreSQL backend (and so Postgres-compatible distributed engines): a connection pool,
//! one transaction per call, a scope's sequence numbers taken under that scope's row lock so
//! they are handed out in commit order. A push locks the rows it names (transaction-scoped
//! advisory locks, in one order) before reading them, so two pushes of one row at once merge
//! one after the other, as on SQLite, instead of both planning from what neither has written.

use std::collections::HashMap;
use std::sync::Arc;

use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use seller_sync_core::hlc::{Clock, Hlc};
use seller_sync_core::protocol::{ApiError, ApiErrorCode, PullResponse, PushBatch, PushResponse};
use seller_sync_core::protocol::{Cell, Life, RowChange};
use seller_sync_core::value::Value;
use seller_sync_core::value::to_json;
use std::path::Path;
use tokio_postgres::NoTls;
use tokio_postgres::config::SslMode;
use tokio_postgres::types::ToSql;

use super::sqlite::email_row;
use super::sqlite::{decode_value, new_user_row};
use super::{
    DeviceAuth, DeviceInfo, NewUser, Result, Storage, StorageError, UserAuth, device_revoked,
    role_from_text,
};
use super::{as_email_clash, email_index_ddl, shared_emails};
use crate::push::{PlannedRow, PushContext, RowKey, StoredRow, keys_to_load, plan, seqs_needed};
use crate::schema::{
    ColumnType, Dialect, TypedTable, column_definition, quote, typed_tables, typed_tables_ddl,
};
use sha2::{Digest, Sha256};

const SYNC_TABLES: &str = "
CREATE TABLE IF NOT EXISTS sync_cells (
    tbl    TEXT NOT NULL,
    pk     TEXT NOT NULL,
    col    TEXT NOT NULL,
    scope  TEXT NOT NULL,
    value  TEXT,
    hlc    BIGINT NOT NULL,
    device TEXT NOT NULL,
    cl     BIGINT NOT NULL DEFAULT 0,
    seq    BIGINT NOT NULL,
    PRIMARY KEY (tbl, pk, col)
);
CREATE INDEX IF NOT EXISTS sync_cells_rows ON sync_cells (scope, seq) WHERE col = '';
CREATE TABLE IF NOT EXISTS sync_scopes (scope TEXT PRIMARY KEY, seq BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS sync_devices (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS sync_batches (
    device_id  TEXT NOT NULL,
    device_seq BIGINT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, device_seq)
);
";

#[derive(Clone)]
pub struct PostgresStorage {
    pool: Pool,
    typed: Arc<Vec<TypedTable>>,
    clock: Arc<Clock>,
}

type Client = deadpool_postgres::Object;

/// The pool's error with its causes (a TLS handshake that failed says why: an unknown issuer).
fn pool_err(e: impl std::error::Error) -> StorageError {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    StorageError::Pool(message)
}

impl PostgresStorage {
    pub async fn connect(url: &str) -> Result<PostgresStorage> {
        PostgresStorage::connect_with_ca(url, None).await
    }

    /// Connects over TLS when the URL asks for it (`sslmode=require`, or libpq's `verify-ca` and
    /// `verify-full`): the server's certificate is always verified, against the system's roots
    /// and `ca` (a PEM file), and its host name checked. Otherwise (no `sslmode`, `prefer`,
    /// `disable`) in the clear, as on a local socket or a private network.
    pub async fn connect_with_ca(url: &str, ca: Option<&Path>) -> Result<PostgresStorage> {
        let url = url
            .replace("sslmode=verify-full", "sslmode=require")
            .replace("sslmode=verify-ca", "sslmode=require");
        let config: tokio_postgres::Config = url.parse()?;
        let manager_config = ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        let manager = if config.get_ssl_mode() == SslMode::Require {
            let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(ca)?);
            Manager::from_config(config, tls, manager_config)
        } else {
            Manager::from_config(config, NoTls, manager_config)
        };
        let pool = Pool::builder(manager)
            .max_size(16)
            .build()
            .map_err(pool_err)?;
        let typed = typed_tables();
        let client = pool.get().await.map_err(pool_err)?;
        client.batch_execute(SYNC_TABLES).await?;
        client
            .batch_execute(&typed_tables_ddl(&typed, Dialect::Postgres))
            .await?;
        add_missing_columns(&client, &typed).await?;
        // Tokens expire 30 days after their last use, recorded since this version: a device
        // signed in before it counts from the upgrade, not from its sign-in.
        client
            .execute(
                "UPDATE sync_devices SET last_seen_at = now() WHERE last_seen_at IS NULL",
                &[],
            )
            .await?;
        create_email_index(&client).await?;
        let last: Option<i64> = client
            .query_one("SELECT max(hlc) FROM sync_cells", &[])
            .await?
            .get(0);
        let clock = Clock::resuming(last.and_then(Hlc::from_i64).unwrap_or(Hlc::ZERO));
        Ok(PostgresStorage {
            pool,
            typed: Arc::new(typed),
            clock: Arc::new(clock),
        })
    }

    async fn client(&self) -> Result<Client> {
        self.pool.get().await.map_err(pool_err)
    }
}

/// The TLS client settings for PostgreSQL: ring, the system's roots plus `ca`.
fn tls_config(ca: Option<&Path>) -> Result<rustls::ClientConfig> {
    let tls_err = |what: String| StorageError::Pool(format!("TLS to PostgreSQL: {what}"));
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(ca) = ca {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(ca)
            .and_then(|certs| certs.collect())
            .map_err(|e| tls_err(format!("reading {}: {e}", ca.display())))?;
        if certs.is_empty() {
            return Err(tls_err(format!("{} holds no certificate", ca.display())));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| tls_err(format!("{}: {e}", ca.display())))?;
        }
    }
    #[allow(deprecated)] // ring: no cmake/NASM toolchain needed, as for the HTTPS side.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_err(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

async fn add_missing_columns(client: &Client, typed: &[TypedTable]) -> Result<()> {
    for table in typed {
        let have: Vec<String> = client
            .query(
                "SELECT column_name::text FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = $1",
                &[&table.name],
            )
            .await?
            .into_iter()
            .map(|r| r.get(0))
            .collect();
        for column in table.columns.iter().filter(|c| !have.contains(&c.name)) {
            let definition = column_definition(column, Dialect::Postgres);
            client
                .batch_execute(&format!(
                    "ALTER TABLE {} ADD COLUMN IF NOT EXISTS {definition}",
                    quote(table.name)
                ))
                .await?;
        }
    }
    Ok(())
}

/// A cell value as a parameter of the typed column's type.
fn typed_param(value: &Value, ty: ColumnType) -> Box<dyn ToSql + Sync + Send> {
    match (ty, value) {
        (ColumnType::Integer, Value::Integer(i)) => Box::new(*i),
        (ColumnType::Integer, Value::Real(f)) => Box::new(*f as i64),
        (ColumnType::Integer, Value::Text(t)) => Box::new(t.trim().parse::<i64>().ok()),
        (ColumnType::Integer, _) => Box::new(None::<i64>),
        (ColumnType::Real, Value::Integer(i)) => Box::new(*i as f64),
        (ColumnType::Real, Value::Real(f)) => Box::new(*f),
        (ColumnType::Real, Value::Text(t)) => Box::new(t.trim().parse::<f64>().ok()),
        (ColumnType::Real, _) => Box::new(None::<f64>),
        (ColumnType::Text, Value::Text(t)) => Box::new(t.clone()),
        (ColumnType::Text, Value::Integer(i)) => Box::new(i.to_string()),
        (ColumnType::Text, Value::Real(f)) => Box::new(f.to_string()),
        (ColumnType::Text, Value::Blob(b)) => Box::new(String::from_utf8_lossy(b).into_owned()),
        (ColumnType::Text, Value::Null) => Box::new(None::<String>),
        (ColumnType::Blob, Value::Blob(b)) => Box::new(b.clone()),
        (ColumnType::Blob, Value::Text(t)) => Box::new(t.as_bytes().to_vec()),
        (ColumnType::Blob, _) => Box::new(None::<Vec<u8>>),
    }
}

async fn load(client: &impl GenericClient, keys: &[RowKey]) -> Result<HashMap<RowKey, StoredRow>> {
    let tables: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
    let pks: Vec<&str> = keys.iter().map(|k| k.1.as_str()).collect();
    let rows = client
        .query(
            "SELECT c.tbl, c.pk, c.col, c.scope, c.cl, c.hlc, c.device FROM sync_cells c
             JOIN unnest($1::text[], $2::text[]) AS k (tbl, pk) ON c.tbl = k.tbl AND c.pk = k.pk",
            &[&tables, &pks],
        )
        .await?;
    let mut stored: HashMap<RowKey, StoredRow> = HashMap::new();
    let mut known = std::collections::HashSet::new();
    for r in rows {
        let key: RowKey = (r.get(0), r.get(1));
        let col: String = r.get(2);
        let entry = stored.entry(key.clone()).or_default();
        if col.is_empty() {
            known.insert(key);
            entry.scope = r.get(3);
            entry.cl = r.get(4);
            entry.life = Some((Hlc::from_i64(r.get(5)).unwrap_or_default(), r.get(6)));
        } else {
            let hlc = Hlc::from_i64(r.get(5)).unwrap_or_default();
            entry.cells.insert(col, (hlc, r.get(6)));
        }
    }
    stored.retain(|k, _| known.contains(k));
    Ok(stored)
}

/// E-mails are unique whatever their case: a server whose users already share one says which.
async fn create_email_index(client: &Client) -> Result<()> {
    let shared: Vec<String> = client
        .query(
            "SELECT lower(email) FROM users GROUP BY lower(email) HAVING count(*) > 1",
            &[],
        )
        .await?
        .into_iter()
        .map(|r| r.get(0))
        .collect();
    if !shared.is_empty() {
        return Err(shared_emails(&shared));
    }
    client.batch_execute(&email_index_ddl()).await?;
    Ok(())
}

/// Locks the rows `keys` name until the transaction ends, in one order for every push, so no
/// two transactions read "no such row" or an older stamp, both plan, and both write: READ
/// COMMITTED only serialises writes to rows that already exist. A key is the first 8 bytes of
/// the SHA-256 of `table NUL pk` (two keys sharing a lock only wait for each other).
async fn lock_rows(client: &impl GenericClient, keys: &[RowKey]) -> Result<()> {
    let mut locks: Vec<i64> = keys
        .iter()
        .map(|(table, pk)| {
            let digest = Sha256::new()
                .chain_update(table.as_bytes())
                .chain_update([0])
                .chain_update(pk.as_bytes())
                .finalize();
            i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
        })
        .collect();
    locks.sort_unstable();
    locks.dedup();
    // unnest() yields the array in order, and the aggregate takes the locks as rows come.
    client
        .query_one(
            "SELECT count(pg_advisory_xact_lock(k)) FROM unnest($1::bigint[]) AS k",
            &[&locks],
        )
        .await?;
    Ok(())
}

async fn apply(
    client: &impl GenericClient,
    typed: &[TypedTable],
    rows: &[PlannedRow],
) -> Result<()> {
    let mut next: HashMap<&str, i64> = HashMap::new();
    // Scopes in order (seqs_needed), so two pushes sharing scopes lock them in the same order.
    for (scope, count) in seqs_needed(rows) {
        client
            .execute(
                "INSERT INTO sync_scopes (scope, seq) VALUES ($1, 0) ON CONFLICT DO NOTHING",
                &[&scope],
            )
            .await?;
        // The scope's row stays locked until commit: numbers are handed out in commit order.
        let last: i64 = client
            .query_one(
                "UPDATE sync_scopes SET seq = seq + $2 WHERE scope = $1 RETURNING seq",
                &[&scope, &count],
            )
            .await?
            .get(0);
        next.insert(scope, last - count + 1);
    }
    for row in rows {
        let seq = next.get_mut(row.scope.as_str()).expect("reserved");
        let table = typed
            .iter()
            .find(|t| t.name == row.table)
            .ok_or_else(|| StorageError::Corrupt(format!("no typed table {}", row.table)))?;
        apply_row(client, table, row, *seq).await?;
        *seq += 1;
    }
    Ok(())
}

async fn apply_row(
    client: &impl GenericClient,
    table: &TypedTable,
    row: &PlannedRow,
    seq: i64,
) -> Result<()> {
    match &row.life {
        Some(life) => {
            client
                .execute(
                    "INSERT INTO sync_cells (tbl, pk, col, scope, value, hlc, device, cl, seq)
                     VALUES ($1, $2, '', $3, NULL, $4, $5, $6, $7)
                     ON CONFLICT (tbl, pk, col) DO UPDATE SET hlc = excluded.hlc,
                         device = excluded.device, cl = excluded.cl, seq = excluded.seq",
                    &[
                        &row.table,
                        &row.pk,
                        &row.scope,
                        &life.hlc.to_i64(),
                        &life.device,
                        &life.cl,
                        &seq,
                    ],
                )
                .await?;
        }
        None => {
            client
                .execute(
                    "UPDATE sync_cells SET seq = $3 WHERE tbl = $1 AND pk = $2 AND col = ''",
                    &[&row.table, &row.pk, &seq],
                )
                .await?;
        }
    }
    if !row.cells.is_empty() {
        let columns: Vec<&str> = row.cells.iter().map(|c| c.column.as_str()).collect();
        let values: Vec<String> = row
            .cells
            .iter()
            .map(|c| to_json(&c.value).to_string())
            .collect();
        let hlcs: Vec<i64> = row.cells.iter().map(|c| c.hlc.to_i64()).collect();
        let devices: Vec<&str> = row.cells.iter().map(|c| c.device.as_str()).collect();
        client
            .execute(
                "INSERT INTO sync_cells (tbl, pk, col, scope, value, hlc, device, cl, seq)
                 SELECT $1, $2, c.col, $3, c.value, c.hlc, c.device, 0, $8
                 FROM unnest($4::text[], $5::text[], $6::bigint[], $7::text[]) AS c (col, value, hlc, device)
                 ON CONFLICT (tbl, pk, col) DO UPDATE SET value = excluded.value, hlc = excluded.hlc,
                     device = excluded.device, seq = excluded.seq",
                &[&row.table, &row.pk, &row.scope, &columns, &values, &hlcs, &devices, &seq],
            )
            .await?;
    }
    if row.comes_to_life() {
        return project(client, table, &with_logged_cells(client, row).await?).await;
    }
    project(client, table, row).await
}

/// A row coming to life with the cells the log holds beside the pushed ones: a device of an
/// older app version re-creating a row sends none of the columns it does not have, and every
/// device pulls the row with the log's cells, so the typed row holds them too.
async fn with_logged_cells(client: &impl GenericClient, row: &PlannedRow) -> Result<PlannedRow> {
    let mut whole = row.clone();
    let logged = client
        .query(
            "SELECT col, value, hlc, device FROM sync_cells WHERE tbl = $1 AND pk = $2 AND col <> ''",
            &[&row.table, &row.pk],
        )
        .await?;
    for r in logged {
        let column: String = r.get(0);
        if row.cells.iter().any(|c| c.column == column) {
            continue;
        }
        let value: Option<String> = r.get(1);
        whole.cells.push(Cell {
            column,
            value: decode_value(value.as_deref())?,
            hlc: Hlc::from_i64(r.get(2)).unwrap_or_default(),
            device: r.get(3),
        });
    }
    Ok(whole)
}

async fn project(client: &impl GenericClient, table: &TypedTable, row: &PlannedRow) -> Result<()> {
    let name = quote(table.name);
    if !row.alive {
        if row.was_alive {
            client
                .execute(&format!("DELETE FROM {name} WHERE id = $1"), &[&row.pk])
                .await?;
        }
        return Ok(());
    }
    if row.cells.is_empty() && !row.comes_to_life() {
        return Ok(());
    }
    let mut params: Vec<Box<dyn ToSql + Sync + Send>> = vec![Box::new(row.pk.clone())];
    let mut columns = Vec::new();
    for cell in &row.cells {
        let Some(column) = table.column(&cell.column) else {
            continue;
        };
        columns.push(quote(&column.name));
        params.push(typed_param(&cell.value, column.ty));
    }
    let sql = if row.comes_to_life() {
        let placeholders: Vec<String> = (2..=params.len()).map(|i| format!("${i}")).collect();
        let updates: Vec<String> = columns
            .iter()
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        let on_conflict = if updates.is_empty() {
            "DO NOTHING".to_owned()
        } else {
            format!("DO UPDATE SET {}", updates.join(", "))
        };
        let sep = if columns.is_empty() { "" } else { ", " };
        format!(
            "INSERT INTO {name} (id{sep}{}) VALUES ($1{sep}{}) ON CONFLICT (id) {on_conflict}",
            columns.join(", "),
            placeholders.join(", ")
        )
    } else {
        let sets: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 2))
            .collect();
        format!("UPDATE {name} SET {} WHERE id = $1", sets.join(", "))
    };
    let refs: Vec<&(dyn ToSql + Sync)> = params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect();
    client.execute(&sql, &refs).await?;
    Ok(())
}

impl PostgresStorage {
    /// Applies one batch in `tx`, unless the device's batch of that number is already applied;
    /// returns the stamps it clamped.
    async fn push_batch(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        ctx: &PushContext,
        batch: &PushBatch,
        now_ms: u64,
    ) -> Result<Vec<seller_sync_core::protocol::ClampedCell>> {
        // Claiming the batch's number first makes a concurrent copy of it wait, then see it.
        let claimed = tx
            .query_opt(
                "INSERT INTO sync_batches (device_id, device_seq) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING RETURNING 1",
                &[&ctx.device_id, &batch.device_seq],
            )
            .await?
            .is_some();
        if !claimed {
            return Ok(Vec::new());
        }
        // The user's shops as this transaction sees them: one made by an earlier batch counts.
        let mut ctx = ctx.clone();
        ctx.shops = tx
            .query(
                "SELECT id FROM shops WHERE owner_id = $1 ORDER BY created_at, id",
                &[&ctx.user_id],
            )
            .await?
            .into_iter()
            .map(|r| r.get(0))
            .collect();
        let keys = keys_to_load(&batch.rows);
        // Parents that give new rows their scope, already locked when in the request's rows.
        lock_rows(tx, &keys).await?;
        let stored = load(tx, &keys).await?;
        let plan = plan(&ctx, &batch.rows, &stored, &self.typed, &self.clock, now_ms)?;
        apply(tx, &self.typed, &plan.rows)
            .await
            .map_err(as_email_clash)?;
        Ok(plan.clamped)
    }
}

impl Storage for PostgresStorage {
    async fn user_by_email(&self, email: &str) -> Result<Option<UserAuth>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT id, role, password FROM users WHERE lower(email) = lower($1) AND password IS NOT NULL",
                &[&email],
            )
            .await?;
        Ok(row.map(|r| UserAuth {
            id: r.get(0),
            role: role_from_text(&r.get::<_, String>(1)),
            password_hash: r.get(2),
        }))
    }

    async fn create_user(&self, user: &NewUser, hlc: Hlc) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        apply(&tx, &self.typed, &[new_user_row(user, hlc)])
            .await
            .map_err(as_email_clash)?;
        tx.execute(
            "UPDATE users SET password = $2 WHERE id = $1",
            &[&user.id, &user.password_hash],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn user_by_id(&self, user_id: &str) -> Result<Option<UserAuth>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT id, role, password FROM users WHERE id = $1 AND password IS NOT NULL",
                &[&user_id],
            )
            .await?;
        Ok(row.map(|r| UserAuth {
            id: r.get(0),
            role: role_from_text(&r.get::<_, String>(1)),
            password_hash: r.get(2),
        }))
    }

    async fn change_email(&self, user_id: &str, email: &str, now_ms: u64) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let key: RowKey = ("users".into(), user_id.to_owned());
        lock_rows(&tx, std::slice::from_ref(&key)).await?;
        let stored = load(&tx, std::slice::from_ref(&key)).await?;
        let row = email_row(user_id, email, stored.get(&key), self.clock.stamp(now_ms))?;
        apply(&tx, &self.typed, &[row])
            .await
            .map_err(as_email_clash)?;
        tx.commit().await?;
        Ok(())
    }

    async fn register_device(
        &self,
        device_id: &str,
        user_id: &str,
        name: &str,
        token_hash: &str,
    ) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let held = tx
            .query_opt(
                "SELECT user_id, revoked_at IS NOT NULL FROM sync_devices WHERE id = $1 FOR UPDATE",
                &[&device_id],
            )
            .await?
            .map(|r| (r.get::<_, String>(0), r.get::<_, bool>(1)));
        if let Some((owner, revoked)) = held {
            if owner != user_id {
                return Err(StorageError::Refused(ApiError::new(
                    ApiErrorCode::ForeignDevice,
                    "this device is signed in to another account on this server",
                )));
            }
            if revoked {
                return Err(device_revoked());
            }
        }
        tx.execute(
            "INSERT INTO sync_devices (id, user_id, name, token_hash, last_seen_at)
             VALUES ($1, $2, $3, $4, now())
             ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                 token_hash = excluded.token_hash, last_seen_at = excluded.last_seen_at",
            &[&device_id, &user_id, &name, &token_hash],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn device_by_token(&self, token_hash: &str) -> Result<Option<DeviceAuth>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT d.id, d.user_id, u.role,
                     (extract(epoch FROM coalesce(d.last_seen_at, d.created_at)) * 1000)::bigint
                 FROM sync_devices d JOIN users u ON u.id = d.user_id
                 WHERE d.token_hash = $1 AND d.revoked_at IS NULL",
                &[&token_hash],
            )
            .await?;
        row.map(|r| {
            let seen_ms: i64 = r.get(3);
            let last_seen = chrono::DateTime::from_timestamp_millis(seen_ms).ok_or_else(|| {
                StorageError::Corrupt(format!("a device's last use: {seen_ms} ms"))
            })?;
            Ok(DeviceAuth {
                device_id: r.get(0),
                user_id: r.get(1),
                role: role_from_text(&r.get::<_, String>(2)),
                last_seen,
            })
        })
        .transpose()
    }

    async fn touch_device(&self, device_id: &str) -> Result<()> {
        self.client()
            .await?
            .execute(
                "UPDATE sync_devices SET last_seen_at = now() WHERE id = $1",
                &[&device_id],
            )
            .await?;
        Ok(())
    }

    async fn revoke_token(&self, token_hash: &str) -> Result<()> {
        self.client()
            .await?
            .execute(
                "UPDATE sync_devices SET token_hash = 'signed-out:' || id WHERE token_hash = $1",
                &[&token_hash],
            )
            .await?;
        Ok(())
    }

    async fn devices_of(&self, user_id: &str) -> Result<Vec<DeviceInfo>> {
        const RFC3339: &str = r#"'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'"#;
        let sql = format!(
            "SELECT id, name, to_char(created_at AT TIME ZONE 'UTC', {RFC3339}),
                 to_char(last_seen_at AT TIME ZONE 'UTC', {RFC3339}),
                 to_char(revoked_at AT TIME ZONE 'UTC', {RFC3339})
             FROM sync_devices WHERE user_id = $1 ORDER BY created_at, id"
        );
        let rows = self.client().await?.query(&sql, &[&user_id]).await?;
        Ok(rows
            .iter()
            .map(|r| DeviceInfo {
                id: r.get(0),
                name: r.get(1),
                created_at: r.get(2),
                last_seen_at: r.get(3),
                revoked_at: r.get(4),
            })
            .collect())
    }

    async fn revoke_device(&self, device_id: &str) -> Result<bool> {
        let changed = self
            .client()
            .await?
            .execute(
                "UPDATE sync_devices SET revoked_at = coalesce(revoked_at, now()),
                     token_hash = 'signed-out:' || id
                 WHERE id = $1",
                &[&device_id],
            )
            .await?;
        Ok(changed > 0)
    }

    async fn revoke_devices(&self, user_id: &str) -> Result<u64> {
        Ok(self
            .client()
            .await?
            .execute(
                "UPDATE sync_devices SET revoked_at = now(), token_hash = 'signed-out:' || id
                 WHERE user_id = $1 AND revoked_at IS NULL",
                &[&user_id],
            )
            .await?)
    }

    async fn shops_of(&self, user_id: &str) -> Result<Vec<String>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT id FROM shops WHERE owner_id = $1 ORDER BY created_at, id",
                &[&user_id],
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.get(0)).collect())
    }

    async fn all_scopes(&self) -> Result<Vec<String>> {
        let rows = self
            .client()
            .await?
            .query("SELECT scope FROM sync_scopes ORDER BY scope", &[])
            .await?;
        Ok(rows.into_iter().map(|r| r.get(0)).collect())
    }

    async fn push_all(
        &self,
        ctx: &PushContext,
        batches: &[PushBatch],
        now_ms: u64,
    ) -> Result<PushResponse> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Every row of every batch is locked at once, in one order, before any is read: two
        // requests naming the same rows in other orders wait for each other, never deadlock.
        let all_rows: Vec<_> = batches
            .iter()
            .flat_map(|b| b.rows.iter().cloned())
            .collect();
        lock_rows(&tx, &keys_to_load(&all_rows)).await?;
        let mut response = PushResponse::default();
        for batch in batches {
            let clamped = self.push_batch(&tx, ctx, batch, now_ms).await?;
            response.acked.push(batch.device_seq);
            response.clamped.extend(clamped);
        }
        tx.execute(
            "UPDATE sync_devices SET last_seen_at = now() WHERE id = $1",
            &[&ctx.device_id],
        )
        .await?;
        tx.commit().await?;
        Ok(response)
    }

    async fn scope_seqs(&self, scopes: &[String]) -> Result<HashMap<String, i64>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT scope, seq FROM sync_scopes WHERE scope = ANY($1)",
                &[&scopes],
            )
            .await?;
        let mut seqs: HashMap<String, i64> = scopes.iter().map(|s| (s.clone(), 0)).collect();
        for r in rows {
            seqs.insert(r.get(0), r.get(1));
        }
        Ok(seqs)
    }

    async fn pull(&self, scope: &str, after: i64, limit: u32) -> Result<PullResponse> {
        let mut client = self.client().await?;
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let heads = tx
            .query(
                "SELECT tbl, pk, cl, hlc, device, seq FROM sync_cells
                 WHERE scope = $1 AND col = '' AND seq > $2 ORDER BY seq LIMIT $3",
                &[&scope, &after, &(i64::from(limit) + 1)],
            )
            .await?;
        let has_more = heads.len() > limit as usize;
        let heads = &heads[..heads.len().min(limit as usize)];
        let live: Vec<(String, String)> = heads
            .iter()
            .filter(|r| r.get::<_, i64>(2) % 2 == 1)
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let tables: Vec<&str> = live.iter().map(|k| k.0.as_str()).collect();
        let pks: Vec<&str> = live.iter().map(|k| k.1.as_str()).collect();
        let cell_rows = tx
            .query(
                "SELECT c.tbl, c.pk, c.col, c.value, c.hlc, c.device FROM sync_cells c
                 JOIN unnest($1::text[], $2::text[]) AS k (tbl, pk) ON c.tbl = k.tbl AND c.pk = k.pk
                 WHERE c.col <> '' ORDER BY c.col",
                &[&tables, &pks],
            )
            .await?;
        tx.commit().await?;
        let mut cells: HashMap<(String, String), Vec<Cell>> = HashMap::new();
        for r in cell_rows {
            let value: Option<String> = r.get(3);
            cells.entry((r.get(0), r.get(1))).or_default().push(Cell {
                column: r.get(2),
                value: decode_value(value.as_deref())?,
                hlc: Hlc::from_i64(r.get(4)).unwrap_or_default(),
                device: r.get(5),
            });
        }
        let mut cursor = after;
        let rows = heads
            .iter()
            .map(|r| {
                let (table, pk): (String, String) = (r.get(0), r.get(1));
                cursor = r.get(5);
                let cells = cells
                    .remove(&(table.clone(), pk.clone()))
                    .unwrap_or_default();
                RowChange {
                    table,
                    pk,
                    life: Some(Life {
                        cl: r.get(2),
                        hlc: Hlc::from_i64(r.get(3)).unwrap_or_default(),
                        device: r.get(4),
                    }),
                    cells,
                }
            })
            .collect();
        Ok(PullResponse {
            rows,
            cursor,
            has_more,
        })
    }
}
