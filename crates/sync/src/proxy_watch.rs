//! A proxy changed on another device is not trusted with this device's proxy password until
//! the person confirms it here.
//!
//! An account's proxy password never syncs: each device keeps it in its own OS keyring. Its
//! proxy host, port, type and user, and its Vinted site, do sync. Whoever can change those on
//! one device (or on the server) could otherwise point every other device's sessions at a proxy
//! of their choosing and receive the password there. So a merge that changes one of them
//! records the account in `sync_proxy_changes` (local, never synced, made beside `sync_clock`);
//! a session start refuses to send the stored password while the account is listed, and the
//! Accounts area shows it with a "confirm the proxy" action that clears it. Reading and clearing
//! the list are the store's (`Store::accounts_awaiting_proxy_confirmation` and its neighbours),
//! since the app asks them without sync attached.

use rusqlite::{Connection, OptionalExtension, params};
use seller_sync_core::value::Value;

use crate::protocol::Cell;

/// The columns of `seller_accounts` that say where the proxy password goes.
pub const WATCHED_COLUMNS: &[&str] = &[
    "proxy_host",
    "proxy_port",
    "proxy_type",
    "proxy_user",
    "vinted_base_url",
];

pub(crate) const TABLE: &str = "CREATE TABLE IF NOT EXISTS sync_proxy_changes (
    account_id TEXT PRIMARY KEY NOT NULL,
    -- The columns changed from elsewhere since the last confirmation, comma-separated.
    columns    TEXT NOT NULL,
    changed_at TEXT NOT NULL
) WITHOUT ROWID;";

/// Before a merge writes `cells` of account `pk` (cells another device made): records the
/// account when one of them changes where its proxy password would go.
pub(crate) fn note_incoming(
    conn: &Connection,
    table: &str,
    pk: &str,
    cells: &[&Cell],
) -> rusqlite::Result<()> {
    if table != "seller_accounts" {
        return Ok(());
    }
    let mut changed = Vec::new();
    for cell in cells {
        // Not told apart by the cell's device: a stamp's device id is no proof of origin (any
        // device id is visible in pulled stamps). This device's own values come back equal.
        if !WATCHED_COLUMNS.contains(&cell.column.as_str()) {
            continue;
        }
        let held: Option<Value> = conn
            .prepare_cached(&format!(
                "SELECT \"{}\" FROM seller_accounts WHERE id = ?1",
                cell.column
            ))?
            .query_row([pk], |r| r.get(0))
            .optional()?;
        if held.as_ref() != Some(&cell.value) {
            changed.push(cell.column.as_str());
        }
    }
    if changed.is_empty() {
        return Ok(());
    }
    let before: Option<String> = conn
        .prepare_cached("SELECT columns FROM sync_proxy_changes WHERE account_id = ?1")?
        .query_row([pk], |r| r.get(0))
        .optional()?;
    let mut columns: Vec<&str> = before
        .as_deref()
        .map_or(Vec::new(), |b| b.split(',').collect());
    for column in changed {
        if !columns.contains(&column) {
            columns.push(column);
        }
    }
    conn.prepare_cached(
        "INSERT INTO sync_proxy_changes (account_id, columns, changed_at)
         VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
         ON CONFLICT (account_id) DO UPDATE SET columns = excluded.columns,
             changed_at = excluded.changed_at",
    )?
    .execute(params![pk, columns.join(",")])?;
    Ok(())
}

/// After a merge deleted account `pk` (a delete made elsewhere): its id stays listed, so that a
/// row re-created later under the same id, with a proxy of someone's choosing, does not get the
/// password this device still keeps for that id.
pub(crate) fn note_deleted(conn: &Connection, table: &str, pk: &str) -> rusqlite::Result<()> {
    if table != "seller_accounts" {
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT INTO sync_proxy_changes (account_id, columns, changed_at)
         VALUES (?1, 'deleted', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
         ON CONFLICT (account_id) DO UPDATE SET changed_at = excluded.changed_at",
    )?
    .execute([pk])?;
    Ok(())
}
