//! What a pushed batch does, decided before anything is written, the same for every backend:
//! every id and value checked against its column (`validate.rs`), each row's scope (and whether
//! the token may write it), a users row changed only as its user or an admin may, the stamps
//! clamped, and, by the merge rules every device uses, which life and cells win. A backend
//! loads what it holds of the rows ([`keys_to_load`]; PostgreSQL locks them first), asks
//! [`plan`], then writes the plan in the transaction that records the batch.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use seller_sync_core::hlc::{Clock, Hlc};
use seller_sync_core::protocol::{
    ApiError, ApiErrorCode, ClampedCell, PushBatch, REFERENCE_SCOPE, Role,
};
use seller_sync_core::protocol::{Cell, Life, RowChange};
use seller_sync_core::rules::{RowDecision, cell_wins, decide_row, life_stamp_wins};
use seller_sync_core::tables::{
    ADMIN_SCOPE, Scoping, column_syncs, rank, synced_table, user_scope,
};
use seller_sync_core::value::Value;

use crate::schema::{TypedTable, columns_at, typed_tables};
use crate::validate::{MAX_CAUSAL_LENGTH, check_row_id, check_user_value, check_value};

/// The only `users` column an account other than an admin's may change, on its own row.
pub const SELF_EDITABLE_USER_COLUMNS: &[&str] = &["name"];

/// Stamps further than this in the server's future are brought back to the server's clock.
pub const MAX_AHEAD_MS: u64 = 5 * 60 * 1000;

pub type RowKey = (String, String);

/// What the server holds of one row.
#[derive(Debug, Clone, Default)]
pub struct StoredRow {
    pub scope: String,
    pub cl: i64,
    /// The stamp of the row's latest life change: (hlc, device).
    pub life: Option<(Hlc, String)>,
    /// Clock of each cell: (hlc, device).
    pub cells: HashMap<String, (Hlc, String)>,
}

/// Who pushes.
#[derive(Debug, Clone)]
pub struct PushContext {
    pub device_id: String,
    pub user_id: String,
    pub role: Role,
    /// The shops the user owns before this batch.
    pub shops: Vec<String>,
}

impl PushContext {
    fn home_scope(&self, created_shops: &[String]) -> String {
        match self.role {
            Role::Admin => ADMIN_SCOPE.to_owned(),
            _ => self
                .shops
                .first()
                .or(created_shops.first())
                .cloned()
                .unwrap_or_else(|| user_scope(&self.user_id)),
        }
    }

    fn may_write(&self, scope: &str, created_shops: &[String]) -> bool {
        match self.role {
            Role::Admin => true,
            _ => {
                scope != REFERENCE_SCOPE
                    && (self.shops.iter().any(|s| s == scope)
                        || created_shops.iter().any(|s| s == scope)
                        || scope == user_scope(&self.user_id))
            }
        }
    }
}

/// One row as the plan writes it.
#[derive(Debug, Clone)]
pub struct PlannedRow {
    pub table: String,
    pub pk: String,
    pub scope: String,
    /// The life to record, when the batch changes it (or only its stamp, at equal length).
    pub life: Option<Life>,
    /// Whether the row comes to life or dies now (a longer causal length won).
    pub new_life: bool,
    /// The winning cells to record (all of them when the row comes to life).
    pub cells: Vec<Cell>,
    pub alive: bool,
    /// Whether the typed table held the row alive before.
    pub was_alive: bool,
}

impl PlannedRow {
    /// Whether the typed row is written whole (created or re-created).
    pub fn comes_to_life(&self) -> bool {
        self.alive && (!self.was_alive || self.new_life)
    }
}

#[derive(Debug, Default)]
pub struct Plan {
    pub rows: Vec<PlannedRow>,
    pub clamped: Vec<ClampedCell>,
}

/// Refuses a push request any batch of which is malformed (see [`check_row_shape`]) before
/// the first batch is applied, so such a request changes nothing. Refusals that depend on what
/// the server holds (scopes, the users row) come batch by batch, from [`plan`].
pub fn check_request(ctx: &PushContext, batches: &[PushBatch]) -> Result<(), ApiError> {
    static TYPED: LazyLock<Vec<TypedTable>> = LazyLock::new(typed_tables);
    for batch in batches {
        check_each_row_once(&batch.rows)?;
        for row in &batch.rows {
            check_row_shape(ctx, row, &TYPED)?;
        }
    }
    Ok(())
}

/// Refuses cells of columns, and rows of tables, that a device of app schema `version` does
/// not have: it cannot have written them, so the request says the wrong version (a newer
/// device's cells pushed as an older one's would be filtered out of that device's own pulls).
pub fn check_version_columns(version: u32, batches: &[PushBatch]) -> Result<(), ApiError> {
    let Some(columns) = columns_at(version) else {
        return Ok(());
    };
    for row in batches.iter().flat_map(|b| &b.rows) {
        let Some(known) = columns.get(row.table.as_str()) else {
            return Err(refuse(
                ApiErrorCode::UnknownTable,
                format!("table {} is not in app data version {version}", row.table),
            ));
        };
        if let Some(cell) = row.cells.iter().find(|c| !known.contains(&c.column)) {
            return Err(refuse(
                ApiErrorCode::UnknownTable,
                format!(
                    "column {}.{} is not in app data version {version}",
                    row.table, cell.column
                ),
            ));
        }
    }
    Ok(())
}

/// How many sequence numbers each scope of `rows` needs, scopes in order: a backend reserves
/// them in this order, so two pushes locking the same scopes lock them in the same order.
pub fn seqs_needed(rows: &[PlannedRow]) -> std::collections::BTreeMap<&str, i64> {
    let mut needed = std::collections::BTreeMap::new();
    for row in rows {
        *needed.entry(row.scope.as_str()).or_insert(0) += 1;
    }
    needed
}

/// The rows a backend must load before planning: the batch's own, and the parents that give new
/// rows their scope.
pub fn keys_to_load(rows: &[RowChange]) -> Vec<RowKey> {
    let mut keys: Vec<RowKey> = Vec::new();
    let mut seen = HashSet::new();
    let mut add = |table: &str, pk: &str| {
        if seen.insert((table.to_owned(), pk.to_owned())) {
            keys.push((table.to_owned(), pk.to_owned()));
        }
    };
    for row in rows {
        add(&row.table, &row.pk);
        if let Some(Scoping::Parent { column, table }) = synced_table(&row.table).map(|t| t.scoping)
            && let Some(Value::Text(parent)) = cell_value(row, column)
        {
            add(table, parent);
        }
    }
    keys
}

fn cell_value<'a>(row: &'a RowChange, column: &str) -> Option<&'a Value> {
    row.cells
        .iter()
        .find(|c| c.column == column)
        .map(|c| &c.value)
}

fn refuse(code: ApiErrorCode, message: String) -> ApiError {
    ApiError::new(code, message)
}

/// Decides what `rows` do, given what the server holds (`stored`, from [`keys_to_load`]).
pub fn plan(
    ctx: &PushContext,
    rows: &[RowChange],
    stored: &HashMap<RowKey, StoredRow>,
    typed: &[TypedTable],
    clock: &Clock,
    now_ms: u64,
) -> Result<Plan, ApiError> {
    let mut plan = Plan::default();
    check_each_row_once(rows)?;
    // Shops this batch creates for the pushing user, and scopes of rows new in this batch (a
    // child's parent may be in the same batch).
    let created_shops: Vec<String> = rows
        .iter()
        .filter(|r| r.table == "shops" && !stored.contains_key(&(r.table.clone(), r.pk.clone())))
        .filter(|r| matches!(cell_value(r, "owner_id"), Some(Value::Text(o)) if *o == ctx.user_id))
        .map(|r| r.pk.clone())
        .collect();
    let mut batch_scopes: HashMap<RowKey, String> = HashMap::new();
    // Parents before children: a new child's scope is its parent's, maybe new in this batch.
    let mut ordered: Vec<&RowChange> = rows.iter().collect();
    ordered.sort_by_key(|r| rank(&r.table));
    for row in ordered {
        let row = clamp_row(row, clock, now_ms, &mut plan.clamped);
        check_row_shape(ctx, &row, typed)?;
        let key = (row.table.clone(), row.pk.clone());
        let held = stored.get(&key);
        if row.table == "users" && ctx.role != Role::Admin {
            check_user_change(&row, held)?;
        }
        let scope = scope_of(ctx, &row, held, stored, &batch_scopes, &created_shops)?;
        if !ctx.may_write(&scope, &created_shops) {
            return Err(refuse(
                ApiErrorCode::OutOfScope,
                format!(
                    "{} {} belongs to a scope this account may not write",
                    row.table, row.pk
                ),
            ));
        }
        if row.table == "shops"
            && ctx.role != Role::Admin
            && let Some(Value::Text(owner)) = cell_value(&row, "owner_id")
            && *owner != ctx.user_id
        {
            return Err(refuse(
                ApiErrorCode::OutOfScope,
                format!("shop {} would be given to another user", row.pk),
            ));
        }
        batch_scopes.insert(key, scope.clone());
        if let Some(planned) = merge_row(&row, held, scope) {
            plan.rows.push(planned);
        }
    }
    Ok(plan)
}

/// The row with its stamps clamped to the server's near future. Stamps that were equal stay
/// equal (a new row's cells share its life's stamp, and keep sharing it).
fn clamp_row(
    row: &RowChange,
    clock: &Clock,
    now_ms: u64,
    clamped: &mut Vec<ClampedCell>,
) -> RowChange {
    let mut row = row.clone();
    let (table, pk) = (row.table.clone(), row.pk.clone());
    let mut taken: HashMap<Hlc, Hlc> = HashMap::new();
    let mut take = |column: &str, hlc: &mut Hlc| {
        let new = *taken
            .entry(*hlc)
            .or_insert_with(|| clock.clamp(*hlc, now_ms, MAX_AHEAD_MS));
        if new != *hlc {
            clamped.push(ClampedCell {
                table: table.clone(),
                pk: pk.clone(),
                column: column.to_owned(),
                hlc: new,
            });
            *hlc = new;
        }
    };
    if let Some(life) = row.life.as_mut() {
        take("", &mut life.hlc);
    }
    for cell in &mut row.cells {
        take(&cell.column, &mut cell.hlc);
    }
    row
}

/// Refuses a batch naming one row twice: each row travels once, its latest state.
fn check_each_row_once(rows: &[RowChange]) -> Result<(), ApiError> {
    let mut seen = HashSet::new();
    for row in rows {
        if !seen.insert((row.table.as_str(), row.pk.as_str())) {
            return Err(refuse(
                ApiErrorCode::BadRequest,
                format!("{} {} appears twice in one batch", row.table, row.pk),
            ));
        }
    }
    Ok(())
}

/// Refuses unknown tables and columns, unsynced columns, a column twice, ids that are not
/// UUIDs, values their column may not hold, impossible causal lengths, and stamps of another
/// device.
fn check_row_shape(
    ctx: &PushContext,
    row: &RowChange,
    typed: &[TypedTable],
) -> Result<(), ApiError> {
    let unknown = |what: String| refuse(ApiErrorCode::UnknownTable, what);
    let synced = synced_table(&row.table)
        .ok_or_else(|| unknown(format!("table {} does not sync", row.table)))?;
    let table = typed
        .iter()
        .find(|t| t.name == row.table)
        .ok_or_else(|| unknown(format!("table {} does not sync", row.table)))?;
    check_row_id(&row.table, &row.pk)?;
    if let Some(life) = &row.life
        && !(1..=MAX_CAUSAL_LENGTH).contains(&life.cl)
    {
        return Err(refuse(
            ApiErrorCode::InvalidValue,
            format!(
                "{} {}: a causal length of {} is impossible",
                row.table, row.pk, life.cl
            ),
        ));
    }
    let mut columns = HashSet::new();
    for cell in &row.cells {
        let column = table
            .column(&cell.column)
            .filter(|_| cell.column != "id" && column_syncs(synced, &cell.column))
            .ok_or_else(|| {
                unknown(format!(
                    "column {}.{} does not sync",
                    row.table, cell.column
                ))
            })?;
        if !columns.insert(cell.column.as_str()) {
            return Err(refuse(
                ApiErrorCode::BadRequest,
                format!("{}.{} appears twice in one row", row.table, cell.column),
            ));
        }
        check_value(&row.table, column, &cell.value)?;
        if row.table == "users" {
            check_user_value(&cell.column, &cell.value)?;
        }
    }
    let devices = row
        .life
        .iter()
        .map(|l| &l.device)
        .chain(row.cells.iter().map(|c| &c.device));
    for device in devices {
        if *device != ctx.device_id {
            return Err(refuse(
                ApiErrorCode::ForeignDevice,
                format!(
                    "{} {} carries a change stamped by another device",
                    row.table, row.pk
                ),
            ));
        }
    }
    Ok(())
}

/// What a user other than an admin may do to a `users` row: change a display name, nothing else
/// (and only their own, which the scope check after this one sees to). Not a role, not an
/// e-mail (that takes the password, through its own request), and not the row's life: deleting
/// and re-creating it would write every column afresh.
fn check_user_change(row: &RowChange, held: Option<&StoredRow>) -> Result<(), ApiError> {
    let forbidden = |what: String| refuse(ApiErrorCode::ForbiddenField, what);
    let Some(held) = held else {
        return Err(forbidden(format!(
            "users {}: only an admin adds users",
            row.pk
        )));
    };
    if row.life.as_ref().is_some_and(|life| life.cl != held.cl) {
        return Err(forbidden(format!(
            "users {}: only an admin deletes or restores a user",
            row.pk
        )));
    }
    if let Some(cell) = row
        .cells
        .iter()
        .find(|c| !SELF_EDITABLE_USER_COLUMNS.contains(&c.column.as_str()))
    {
        return Err(forbidden(format!(
            "users.{}: only the display name can be changed here{}",
            cell.column,
            if cell.column == "email" {
                " (an e-mail changes with the password, on its own)"
            } else {
                ""
            }
        )));
    }
    Ok(())
}

/// The scope of `row`: the one held for a known row (a change resolving to another is
/// refused), else the one its values give.
fn scope_of(
    ctx: &PushContext,
    row: &RowChange,
    held: Option<&StoredRow>,
    stored: &HashMap<RowKey, StoredRow>,
    batch: &HashMap<RowKey, String>,
    created_shops: &[String],
) -> Result<String, ApiError> {
    // A user's row is in that user's own scope, whoever writes it (only an admin may, for a
    // row not their own).
    if row.table == "users" {
        return Ok(held.map_or_else(|| user_scope(&row.pk), |h| h.scope.clone()));
    }
    let scoping = synced_table(&row.table)
        .map(|t| t.scoping)
        .unwrap_or(Scoping::Home);
    let parent_scope = |table: &str, pk: &str| {
        let key = (table.to_owned(), pk.to_owned());
        batch
            .get(&key)
            .cloned()
            .or_else(|| stored.get(&key).map(|s| s.scope.clone()))
    };
    let from_values: Option<String> = match scoping {
        Scoping::Reference => Some(REFERENCE_SCOPE.to_owned()),
        Scoping::Shop => Some(row.pk.clone()),
        Scoping::ShopColumn(column) => match cell_value(row, column) {
            Some(Value::Text(shop)) => Some(shop.clone()),
            _ => None,
        },
        Scoping::Parent { column, table } => match cell_value(row, column) {
            Some(Value::Text(parent)) => Some(parent_scope(table, parent).ok_or_else(|| {
                refuse(
                    ApiErrorCode::MissingParent,
                    format!(
                        "{} {} refers to {table} {parent}, which the server does not have yet",
                        row.table, row.pk
                    ),
                )
            })?),
            _ => None,
        },
        Scoping::Home => None,
    };
    match (held, from_values) {
        (Some(held), Some(scope)) if scope != held.scope => Err(refuse(
            ApiErrorCode::MovesBetweenShops,
            format!(
                "{} {} would move from one shop to another",
                row.table, row.pk
            ),
        )),
        (Some(held), _) => Ok(held.scope.clone()),
        (None, Some(scope)) => Ok(scope),
        (None, None) => Ok(ctx.home_scope(created_shops)),
    }
}

/// The merge rules applied to what the server holds; `None` when nothing of the row wins.
fn merge_row(row: &RowChange, held: Option<&StoredRow>, scope: String) -> Option<PlannedRow> {
    let held_cl = held.map_or(0, |h| h.cl);
    let was_alive = held_cl % 2 == 1;
    let decision = decide_row(held_cl, row.life.as_ref().map(|l| l.cl));
    let (alive, new_life) = match decision {
        RowDecision::Stale => return None,
        RowDecision::Dead { new_life } => (false, new_life),
        RowDecision::Alive { new_life } => (true, new_life),
    };
    // At equal length only the life's stamp can change: the greater one is kept.
    let stamp_wins = |life: &Life| {
        held.is_some_and(|h| {
            h.cl == life.cl
                && life_stamp_wins(
                    h.life.as_ref().map(|(hlc, device)| (*hlc, device.as_str())),
                    (life.hlc, &life.device),
                )
        })
    };
    let life = row.life.clone().filter(|life| new_life || stamp_wins(life));
    let cells: Vec<Cell> = if alive {
        row.cells
            .iter()
            .filter(|cell| {
                let held = held
                    .and_then(|h| h.cells.get(&cell.column))
                    .map(|(hlc, device)| (*hlc, device.as_str()));
                cell_wins(new_life, held, (cell.hlc, cell.device.as_str()))
            })
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    if life.is_none() && cells.is_empty() {
        return None;
    }
    Some(PlannedRow {
        table: row.table.clone(),
        pk: row.pk.clone(),
        scope,
        life,
        new_life,
        cells,
        alive,
        was_alive,
    })
}
