//! A device's side of sync: the outbox of numbered batches, the cursor of each scope, and the
//! pieces of a round (`device::sync_round` pushes, pulls each scope, pushes again).
//!
//! Changes leave through an outbox: [`stage`] copies what capture recorded into batches,
//! numbered and stored in the same transaction that marks the cells as handed over, so a batch
//! sent again after a lost answer is byte for byte the one the server may already hold (and
//! acknowledges without applying twice). Pulled pages are merged and the scope's cursor moved in
//! one transaction: a crash replays a page, never skips one.

use std::collections::BTreeSet;
use std::future::Future;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::capture::Capture;
use crate::client::{ClientError, SyncClient};
use crate::merge::{Batch, Merged, mark_pushed, merge_pulled, pending};
use crate::protocol::{ApiErrorCode, ClampedCell, PullResponse, PushBatch, WaitRequest};

pub use crate::protocol::{BATCH_ROWS, BATCHES_PER_REQUEST, PAGE_ROWS};

const REPLICA_TABLES: &str = "
CREATE TABLE IF NOT EXISTS sync_outbox (
    device_seq INTEGER PRIMARY KEY,
    body       TEXT NOT NULL,
    rows       INTEGER NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS sync_cursors (scope TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sync_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
";

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("the local database: {0}")]
    Local(#[from] rusqlite::Error),
    #[error("a batch in the outbox cannot be read: {0}")]
    Outbox(#[from] serde_json::Error),
    /// The database is closed for a moment (a backup being restored).
    #[error("the database is not open")]
    Closed,
    /// A pulled page held a row this device refuses (see [`crate::trust`]).
    #[error(transparent)]
    Untrusted(#[from] crate::trust::UntrustedRow),
}

impl From<crate::trust::PageError> for SyncError {
    fn from(e: crate::trust::PageError) -> SyncError {
        match e {
            crate::trust::PageError::Untrusted(row) => SyncError::Untrusted(row),
            crate::trust::PageError::Local(e) => SyncError::Local(e),
        }
    }
}

/// Creates the outbox, cursors and sync settings (next to `sync_clock`, made by capture).
pub fn install(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(REPLICA_TABLES)
}

/// Every synced column of the local tables, as `table.column` (`id` left out).
pub fn synced_column_list(conn: &Connection) -> rusqlite::Result<BTreeSet<String>> {
    let mut list = BTreeSet::new();
    for table in crate::tables::SYNCED_TABLES {
        for column in crate::capture::synced_columns(conn, table.name)? {
            list.insert(format!("{}.{column}", table.name));
        }
    }
    Ok(list)
}

/// Records the synced columns the tables have now; when an app update added some since the
/// last record (or, at the first record, since `before_update`: the columns read before this
/// open migrated the file) and the device has pulled before, every scope is pulled again from
/// the start, in the same transaction. The server serves each device only the columns of its
/// app version (`docs/SYNC.md`), so the cells of the new columns in rows
/// pulled before the update never arrived: pulled again, they win over the column's default
/// here ([`crate::merge::UNRECEIVED_COLUMNS`]) until every scope has been pulled whole.
pub fn note_synced_columns(
    conn: &Connection,
    before_update: &BTreeSet<String>,
) -> rusqlite::Result<()> {
    let now = synced_column_list(conn)?;
    let recorded: Option<BTreeSet<String>> =
        meta_value(conn, SYNCED_COLUMNS)?.map(|list| list.lines().map(str::to_owned).collect());
    let before = recorded.as_ref().unwrap_or(before_update);
    let gained: Vec<&String> = now.difference(before).collect();
    let pulled: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM sync_cursors)", [], |r| {
        r.get(0)
    })?;
    if !gained.is_empty() && pulled {
        let mut unreceived: BTreeSet<String> = meta_value(conn, crate::merge::UNRECEIVED_COLUMNS)?
            .map(|list| list.lines().map(str::to_owned).collect())
            .unwrap_or_default();
        unreceived.extend(gained.iter().map(|c| (*c).clone()));
        set_meta_value(
            conn,
            crate::merge::UNRECEIVED_COLUMNS,
            &unreceived.into_iter().collect::<Vec<_>>().join("\n"),
        )?;
        conn.execute("DELETE FROM sync_cursors", [])?;
        tracing::info!(
            ?gained,
            "the app's update added synced columns: every scope is pulled again"
        );
    }
    set_meta_value(
        conn,
        SYNCED_COLUMNS,
        &now.into_iter().collect::<Vec<_>>().join("\n"),
    )
}

/// After every scope was pulled to its end: the cells of columns gained by an update have all
/// arrived ([`note_synced_columns`]).
pub fn all_scopes_pulled(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM sync_meta WHERE key = ?1",
        [crate::merge::UNRECEIVED_COLUMNS],
    )?;
    Ok(())
}

/// The `sync_meta` key of the synced columns recorded at the last open.
const SYNCED_COLUMNS: &str = "synced_columns";

fn meta_value(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM sync_meta WHERE key = ?1", [key], |r| {
        r.get(0)
    })
    .optional()
}

fn set_meta_value(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO sync_meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Moves everything captured and not handed over yet into numbered outbox batches; returns the
/// number of rows staged.
pub fn stage(conn: &mut Connection) -> rusqlite::Result<usize> {
    stage_in(conn, BATCH_ROWS)
}

/// [`stage`], with at most `rows_per_batch` rows in a batch.
pub fn stage_in(conn: &mut Connection, rows_per_batch: usize) -> rusqlite::Result<usize> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let Batch { rows } = pending(&tx)?;
    let staged = rows.len();
    let mut next: i64 = tx
        .query_row(
            "SELECT CAST(value AS INTEGER) FROM sync_meta WHERE key = 'next_device_seq'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(rows_per_batch.max(1)).collect();
        let batch = PushBatch {
            device_seq: next,
            rows: chunk,
        };
        let body = serde_json::to_string(&batch).expect("a batch serialises");
        tx.execute(
            "INSERT INTO sync_outbox (device_seq, body, rows) VALUES (?1, ?2, ?3)",
            params![next, body, batch.rows.len()],
        )?;
        mark_pushed(&tx, &Batch { rows: batch.rows })?;
        next += 1;
    }
    tx.execute(
        "INSERT INTO sync_meta (key, value) VALUES ('next_device_seq', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [next.to_string()],
    )?;
    tx.commit()?;
    Ok(staged)
}

/// The oldest batches of the outbox, at most `limit`.
pub fn outbox(conn: &Connection, limit: usize) -> Result<Vec<PushBatch>, SyncError> {
    let bodies: Vec<String> = conn
        .prepare("SELECT body FROM sync_outbox ORDER BY device_seq LIMIT ?1")?
        .query_map([limit as i64], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(bodies
        .iter()
        .map(|b| serde_json::from_str(b))
        .collect::<Result<_, _>>()?)
}

/// Removes acknowledged batches, and takes the server's stamps for cells it clamped.
pub fn acknowledge(
    conn: &mut Connection,
    acked: &[i64],
    clamped: &[ClampedCell],
) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    for seq in acked {
        tx.execute("DELETE FROM sync_outbox WHERE device_seq = ?1", [seq])?;
    }
    for cell in clamped {
        // Only while it is not written again since (a newer local write is pushed later).
        tx.execute(
            "UPDATE sync_clock SET hlc = ?4 WHERE tbl = ?1 AND pk = ?2 AND col = ?3 AND pushed = 1",
            params![cell.table, cell.pk, cell.column, cell.hlc.to_i64()],
        )?;
    }
    tx.commit()
}

pub fn cursor(conn: &Connection, scope: &str) -> rusqlite::Result<i64> {
    Ok(conn
        .query_row(
            "SELECT seq FROM sync_cursors WHERE scope = ?1",
            [scope],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

/// Merges one pulled page of `scope` and moves its cursor, in one transaction.
///
/// Foreign keys are not enforced while a page applies: pages follow the order rows last
/// changed in, so a row can come a page before its parent (a product whose shop was renamed
/// since). The merge applies what deleting rows implies itself, and a row waiting for its parent
/// waits in place; the app's own writes are checked as always.
///
/// The page is checked whole first ([`crate::trust::check_page`]): a row naming a table or
/// column that does not sync, a key that is not a UUID or a value of the wrong type refuses the
/// page, nothing of it applied and the cursor left where it was.
pub fn apply_page(
    conn: &mut Connection,
    capture: &Capture,
    scope: &str,
    page: &PullResponse,
) -> Result<Merged, SyncError> {
    crate::trust::check_page(conn, &page.rows, capture.latest_trusted_ms())?;
    Ok(apply_checked_page(conn, capture, scope, page)?)
}

fn apply_checked_page(
    conn: &mut Connection,
    capture: &Capture,
    scope: &str,
    page: &PullResponse,
) -> rusqlite::Result<Merged> {
    conn.pragma_update(None, "foreign_keys", false)?;
    let applied = apply_page_unchecked(conn, capture, scope, page);
    conn.pragma_update(None, "foreign_keys", true)?;
    applied
}

fn apply_page_unchecked(
    conn: &mut Connection,
    capture: &Capture,
    scope: &str,
    page: &PullResponse,
) -> rusqlite::Result<Merged> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let merged = merge_pulled(
        &tx,
        capture,
        &Batch {
            rows: page.rows.clone(),
        },
    )?;
    tx.execute(
        "INSERT INTO sync_cursors (scope, seq) VALUES (?1, ?2)
         ON CONFLICT (scope) DO UPDATE SET seq = max(seq, excluded.seq)",
        params![scope, page.cursor],
    )?;
    tx.commit()?;
    Ok(merged)
}

/// What is waiting to reach the server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Waiting {
    /// Rows in outbox batches.
    pub staged_rows: i64,
    /// Rows changed and not staged yet.
    pub unstaged_rows: i64,
}

pub fn waiting(conn: &Connection) -> rusqlite::Result<Waiting> {
    Ok(Waiting {
        staged_rows: conn.query_row("SELECT coalesce(sum(rows), 0) FROM sync_outbox", [], |r| {
            r.get(0)
        })?,
        unstaged_rows: conn.query_row(
            "SELECT count(*) FROM (SELECT DISTINCT tbl, pk FROM sync_clock WHERE pushed = 0)",
            [],
            |r| r.get(0),
        )?,
    })
}

/// Access to the device's database from async code: the closure runs with the connection,
/// off the async runtime's threads if the implementation needs it.
pub trait LocalDb: Send + Sync {
    fn with_conn<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, SyncError> + Send + 'static,
    ) -> impl Future<Output = Result<T, SyncError>> + Send;
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub rows_pushed: usize,
    pub rows_pulled: usize,
    pub merged: Merged,
}

/// Waits up to `timeout` for the server to have changes in `scopes` after this device's cursors;
/// returns the scopes that changed (none when the wait timed out).
pub async fn wait_for_changes<D: LocalDb>(
    db: &D,
    client: &SyncClient,
    scopes: &[String],
    timeout: std::time::Duration,
) -> Result<Vec<String>, SyncError> {
    let owned = scopes.to_vec();
    let cursors = db
        .with_conn(move |conn| {
            owned
                .into_iter()
                .map(|scope| Ok((scope.clone(), cursor(conn, &scope)?)))
                .collect::<Result<std::collections::BTreeMap<_, _>, SyncError>>()
        })
        .await?;
    let response = client
        .wait(&WaitRequest {
            cursors,
            timeout_ms: timeout.as_millis() as u64,
        })
        .await?;
    Ok(response.changed)
}

/// Pulls each scope to its end.
pub async fn pull_scopes<D: LocalDb>(
    db: &D,
    capture: &Capture,
    client: &SyncClient,
    scopes: &[String],
) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport::default();
    for scope in scopes {
        pull_scope(db, capture, client, scope, &mut report).await?;
    }
    Ok(report)
}

/// Stages and pushes until the outbox is empty; returns the rows pushed.
pub async fn push_all<D: LocalDb>(db: &D, client: &SyncClient) -> Result<usize, SyncError> {
    db.with_conn(|conn| Ok(stage(conn)?)).await?;
    let mut pushed = 0;
    let mut per_request = BATCHES_PER_REQUEST;
    loop {
        let batches = db.with_conn(move |conn| outbox(conn, per_request)).await?;
        if batches.is_empty() {
            return Ok(pushed);
        }
        let rows: usize = batches.iter().map(|b| b.rows.len()).sum();
        let sent: Vec<i64> = batches.iter().map(|b| b.device_seq).collect();
        let response = match client.push(batches).await {
            // Batches of large rows (long descriptions, many photos) can together exceed what
            // the server takes in one request: they go one by one instead of failing forever.
            Err(ClientError::Refused(e)) if e.code == ApiErrorCode::TooLarge && per_request > 1 => {
                tracing::info!("the server found the push too large: one batch per request");
                per_request = 1;
                continue;
            }
            other => other?,
        };
        // A server that acknowledges none of what it was sent would have this loop send it
        // again for ever.
        if !response.acked.iter().any(|seq| sent.contains(seq)) {
            return Err(SyncError::Client(ClientError::BadAnswer {
                status: 200,
                detail: "the server acknowledged none of the batches sent".into(),
            }));
        }
        pushed += rows;
        db.with_conn(move |conn| Ok(acknowledge(conn, &response.acked, &response.clamped)?))
            .await?;
    }
}

async fn pull_scope<D: LocalDb>(
    db: &D,
    capture: &Capture,
    client: &SyncClient,
    scope: &str,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let owned = scope.to_owned();
    let after = db.with_conn(move |conn| Ok(cursor(conn, &owned)?)).await?;
    let mut page = client.pull(scope, after, PAGE_ROWS).await?;
    loop {
        report.rows_pulled += page.rows.len();
        let (has_more, next_after) = (page.has_more, page.cursor);
        let (capture, owned) = (capture.clone(), scope.to_owned());
        // The next page is fetched while this one is merged (the server and the device each
        // work half the time otherwise); it is only applied after this one committed.
        let apply = db.with_conn(move |conn| apply_page(conn, &capture, &owned, &page));
        let fetch = async {
            if has_more {
                Some(client.pull(scope, next_after, PAGE_ROWS).await)
            } else {
                None
            }
        };
        let (merged, next) = tokio::join!(apply, fetch);
        let merged = merged?;
        report.merged.cells_applied += merged.cells_applied;
        report.merged.cells_ignored += merged.cells_ignored;
        report.merged.rows_created += merged.rows_created;
        report.merged.rows_deleted += merged.rows_deleted;
        report.merged.rows_repaired += merged.rows_repaired;
        match next {
            Some(next) => page = next?,
            None => return Ok(()),
        }
    }
}
