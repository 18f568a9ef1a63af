//! Reading the account's orders (`docs/VINTED.md`, "Read endpoints": orders, transaction,
//! wallet invoices): every page of `my_orders`, sold then purchased; the transaction of each
//! order that is new or not finished (or whose status text changed), read one by one (paced,
//! `x-money-object: true`) and written at once, so the details are snapshotted the first time
//! the order is seen; then the wallet's invoice lines of the months whose sales still lack their
//! net payout; then the balance.
//!
//! The checkpoint says which side and page the read reached and which transactions of that
//! page are still to read; it is saved after every page and every transaction, so a rate limit
//! or an expired login in the middle resumes there later. Reading an order twice writes nothing
//! twice (the store's rows are keyed by the account and Vinted's transaction id).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Flow;
use crate::StoreAccess;
use crate::calls::{FlowError, store_error};
use crate::orders::{self as parse, OrderRow, ShapeError};
use crate::page::Call;
use crate::reply::Refusal;
use crate::site::{header, route};
use seller_store::orders::OrderType;
use seller_store::orders::vinted::VintedOrderWrite;

/// Which part of the read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Side {
    Sold,
    Purchased,
    Wallet,
    Balance,
}

/// Most `my_orders` pages read per side (100 orders a page): a Vinted that kept saying there is
/// one more page cannot hold the read forever.
pub const MAX_ORDER_PAGES: u32 = 200;
/// Most pages of one month's wallet invoice read.
pub const MAX_INVOICE_PAGES: u32 = 50;
/// Transactions in a row whose answer cannot be read, with none read before, that stop the
/// read as "the answer has changed"; fewer, or after some were read, are skipped and counted.
pub const UNREADABLE_IN_A_ROW: i64 = 3;

/// What the read did so far (the job's result at the end).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Summary {
    /// Rows of `my_orders` seen, both sides.
    seen: i64,
    sales: i64,
    purchases: i64,
    /// Transactions read.
    read: i64,
    /// Orders known and finished, not read again.
    skipped: i64,
    created: i64,
    changed: i64,
    /// Orders whose transaction Vinted no longer serves (written from their row).
    without_details: i64,
    /// Transactions whose answer could not be read (skipped; read again next time).
    unreadable: i64,
    /// Unreadable ones since the last one read.
    unreadable_in_a_row: i64,
    linked: i64,
    stock_moved: i64,
    invoice_pages: i64,
    payouts: i64,
    balance_cents: Option<i64>,
    pending_balance_cents: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Checkpoint {
    side: Side,
    /// The next page of `my_orders` (or of the month's invoice) to read.
    next_page: u32,
    /// Pages the side has, once its first page said.
    total_pages: Option<u32>,
    /// Rows of the page read last whose transactions are still to read, the next one last.
    pending: Vec<OrderRow>,
    /// Months (year, month) of invoices still to read, the next one last.
    months: Vec<(i32, u32)>,
    /// The month being read: what its pages read so far credited per conversation (written
    /// when its last page is read, so a month counts once whatever its pages).
    #[serde(default)]
    month_parts: Vec<(String, i64)>,
    /// The transaction ids of the side's last page: a page that brings none new ends the side
    /// (a Vinted that ignores `page` would serve the same page again and again).
    #[serde(default)]
    last_page_ids: Vec<u64>,
    summary: Summary,
}

impl Checkpoint {
    fn done(&self) -> i64 {
        self.summary.read
            + self.summary.skipped
            + self.summary.without_details
            + self.summary.unreadable
    }
}

pub async fn run<S: StoreAccess>(flow: &mut Flow<'_, S>) -> Result<Value, FlowError> {
    let mut checkpoint: Checkpoint = match flow.job.checkpoint.clone() {
        Some(saved) => serde_json::from_value(saved).map_err(|error| {
            FlowError::Invalid(format!(
                "the orders read's checkpoint is not valid: {error}"
            ))
        })?,
        None => Checkpoint {
            side: Side::Sold,
            next_page: 1,
            total_pages: None,
            pending: Vec::new(),
            months: Vec::new(),
            month_parts: Vec::new(),
            last_page_ids: Vec::new(),
            summary: Summary::default(),
        },
    };
    loop {
        if flow.paced.is_cancelled() {
            return Err(FlowError::Cancelled);
        }
        match checkpoint.side {
            Side::Sold | Side::Purchased if !checkpoint.pending.is_empty() => {
                read_transaction(flow, &mut checkpoint).await?;
            }
            Side::Sold | Side::Purchased
                if checkpoint
                    .total_pages
                    .is_some_and(|t| checkpoint.next_page > t) =>
            {
                next_side(flow, &mut checkpoint).await?;
            }
            Side::Sold | Side::Purchased => read_page(flow, &mut checkpoint).await?,
            Side::Wallet if checkpoint.months.is_empty() => {
                next_side(flow, &mut checkpoint).await?;
            }
            Side::Wallet => read_invoice_page(flow, &mut checkpoint).await?,
            Side::Balance => {
                read_balance(flow, &mut checkpoint).await?;
                return serde_json::to_value(&checkpoint.summary)
                    .map_err(|error| FlowError::Invalid(error.to_string()));
            }
        }
    }
}

fn money_call(path: String) -> Call {
    Call::get(path).with_header(header::MONEY_OBJECT, header::TRUE)
}

fn changed_shape(error: ShapeError) -> FlowError {
    tracing::warn!(%error, "an orders answer did not have the expected shape");
    FlowError::Vinted(Refusal::EndpointMoved { status: 200 })
}

/// The side after this one; the wallet's months are those whose sales lack their payout.
async fn next_side<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    checkpoint: &mut Checkpoint,
) -> Result<(), FlowError> {
    checkpoint.side = match checkpoint.side {
        Side::Sold => Side::Purchased,
        Side::Purchased => Side::Wallet,
        Side::Wallet | Side::Balance => Side::Balance,
    };
    checkpoint.next_page = 1;
    checkpoint.total_pages = None;
    checkpoint.pending.clear();
    checkpoint.last_page_ids.clear();
    checkpoint.month_parts.clear();
    if checkpoint.side == Side::Wallet {
        let account_id = flow.caller.account_id.clone();
        let now = chrono::Utc::now();
        let today = (chrono::Datelike::year(&now), chrono::Datelike::month(&now));
        let mut months = flow
            .store
            .with_store(move |store| Ok(store.vinted_months_without_payout(&account_id, today)?))
            .await
            .map_err(store_error)?;
        months.reverse();
        checkpoint.months = months;
    }
    flow.checkpoint(&*checkpoint, checkpoint.done(), None).await
}

async fn read_page<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    checkpoint: &mut Checkpoint,
) -> Result<(), FlowError> {
    let side = match checkpoint.side {
        Side::Sold => route::OrderSide::Sold,
        _ => route::OrderSide::Purchased,
    };
    let answer = flow
        .paced
        .read(money_call(route::my_orders(
            side,
            checkpoint.next_page,
            route::MY_ORDERS_PER_PAGE_MAX,
        )))
        .await?;
    let page = parse::parse_orders_page(&answer).map_err(changed_shape)?;
    let page_ids: Vec<u64> = page.rows.iter().map(|r| r.transaction_id).collect();
    if !page_ids.is_empty()
        && page_ids
            .iter()
            .all(|id| checkpoint.last_page_ids.contains(id))
    {
        tracing::warn!(
            page = checkpoint.next_page,
            "an orders page brought no new transaction; the side ends there"
        );
        checkpoint.total_pages = Some(checkpoint.next_page.saturating_sub(1));
        return flow.checkpoint(&*checkpoint, checkpoint.done(), None).await;
    }
    checkpoint.summary.seen += page.rows.len() as i64;
    match checkpoint.side {
        Side::Sold => checkpoint.summary.sales += page.rows.len() as i64,
        _ => checkpoint.summary.purchases += page.rows.len() as i64,
    }
    // Orders known, finished, and shown with the same status are not read again.
    let account_id = flow.caller.account_id.clone();
    let ids: Vec<String> = page
        .rows
        .iter()
        .map(|r| r.transaction_id.to_string())
        .collect();
    let known = flow
        .store
        .with_store(move |store| Ok(store.known_vinted_orders(&account_id, &ids)?))
        .await
        .map_err(store_error)?;
    let mut pending = Vec::new();
    for row in page.rows.iter().rev() {
        let id = row.transaction_id.to_string();
        let settled = known
            .iter()
            .any(|(known_id, k)| *known_id == id && k.finished && k.row_status == row.status);
        if settled {
            checkpoint.summary.skipped += 1;
        } else {
            pending.push(row.clone());
        }
    }
    checkpoint.pending = pending;
    // Without pagination, the read goes on while pages are full.
    let full = page.rows.len() >= route::MY_ORDERS_PER_PAGE_MAX as usize;
    let last = match page.total_pages {
        Some(total) => total.max(1),
        None if full => checkpoint.next_page + 1,
        None => checkpoint.next_page,
    };
    checkpoint.total_pages = Some(if page.rows.is_empty() {
        checkpoint.next_page.saturating_sub(1)
    } else {
        last.min(MAX_ORDER_PAGES)
    });
    checkpoint.last_page_ids = page_ids;
    checkpoint.next_page += 1;
    flow.checkpoint(&*checkpoint, checkpoint.done(), None).await
}

async fn read_transaction<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    checkpoint: &mut Checkpoint,
) -> Result<(), FlowError> {
    let Some(row) = checkpoint.pending.last().cloned() else {
        return Ok(());
    };
    let order_type = match checkpoint.side {
        Side::Sold => OrderType::Sale,
        _ => OrderType::Purchase,
    };
    let call = money_call(route::transaction(row.transaction_id));
    let (answer, details) = match flow.paced.read(call).await {
        Ok(answer) => (answer, true),
        // Vinted no longer serves this transaction: what the row says is kept.
        Err(FlowError::Vinted(Refusal::NotFound)) => {
            (json!({"transaction": {"id": row.transaction_id}}), false)
        }
        Err(error) => return Err(error),
    };
    let mut order = match parse::parse_transaction(order_type, &row, &answer) {
        Ok(order) => order,
        Err(error) => {
            // One transaction Vinted answers oddly does not hold the whole read: it is skipped
            // and counted (and read again next time), unless several in a row fail before any
            // was read, which says the answers have changed.
            let summary = &mut checkpoint.summary;
            summary.unreadable += 1;
            summary.unreadable_in_a_row += 1;
            if summary.unreadable_in_a_row >= UNREADABLE_IN_A_ROW && summary.read == 0 {
                return Err(changed_shape(error));
            }
            tracing::warn!(%error, transaction = row.transaction_id, "a transaction was skipped");
            checkpoint.pending.pop();
            return flow.checkpoint(&*checkpoint, checkpoint.done(), None).await;
        }
    };
    // Not asked for again until the row's status changes.
    order.details_gone = !details;
    let account_id = flow.caller.account_id.clone();
    let write: VintedOrderWrite = flow
        .store
        .with_store(move |store| Ok(store.upsert_vinted_order(&account_id, &order)?))
        .await
        .map_err(store_error)?;
    checkpoint.pending.pop();
    let summary = &mut checkpoint.summary;
    summary.unreadable_in_a_row = 0;
    if details {
        summary.read += 1;
    } else {
        summary.without_details += 1;
    }
    summary.created += i64::from(write.created);
    summary.changed += i64::from(write.changed);
    summary.linked += write.linked;
    summary.stock_moved += write.stock_moved;
    flow.checkpoint(&*checkpoint, checkpoint.done(), None).await
}

async fn read_invoice_page<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    checkpoint: &mut Checkpoint,
) -> Result<(), FlowError> {
    let Some(&(year, month)) = checkpoint.months.last() else {
        return Ok(());
    };
    let path = route::wallet_invoices(year, month, checkpoint.next_page);
    let answer = match flow.paced.read(money_call(path)).await {
        Ok(answer) => Some(answer),
        // No invoice for that month.
        Err(FlowError::Vinted(Refusal::NotFound)) => None,
        Err(error) => return Err(error),
    };
    let (payouts, total_pages) = match &answer {
        Some(answer) => parse::parse_invoice_page(answer).map_err(changed_shape)?,
        None => (Vec::new(), 0),
    };
    checkpoint.summary.invoice_pages += i64::from(answer.is_some());
    // A conversation's lines add up over the month's pages (a sale and its correction may sit
    // on two pages).
    for (conversation, cents) in payouts {
        match checkpoint
            .month_parts
            .iter_mut()
            .find(|(c, _)| *c == conversation)
        {
            Some((_, total)) => *total += cents,
            None => checkpoint.month_parts.push((conversation, cents)),
        }
    }
    if checkpoint.next_page >= total_pages.min(MAX_INVOICE_PAGES) {
        let account_id = flow.caller.account_id.clone();
        let parts = std::mem::take(&mut checkpoint.month_parts);
        let changed = flow
            .store
            .with_store(move |store| {
                Ok(store.set_vinted_payout_month(&account_id, (year, month), &parts)?)
            })
            .await
            .map_err(store_error)?;
        checkpoint.summary.payouts += changed;
        checkpoint.months.pop();
        checkpoint.next_page = 1;
    } else {
        checkpoint.next_page += 1;
    }
    flow.checkpoint(&*checkpoint, checkpoint.done(), None).await
}

/// The wallet's balance, for the summary; a route that moved is logged, not an error.
async fn read_balance<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    checkpoint: &mut Checkpoint,
) -> Result<(), FlowError> {
    let call = money_call(route::WALLET_INVOICES_CURRENT.to_owned());
    match flow.paced.read(call).await {
        Ok(answer) => {
            let cents = |value: &Value| crate::reply::parse_amount_cents(value);
            checkpoint.summary.balance_cents = cents(&answer["balance"]);
            checkpoint.summary.pending_balance_cents = cents(&answer["pending_balance"]);
        }
        Err(FlowError::Vinted(refusal))
            if refusal.is_route_refused() || matches!(refusal, Refusal::EndpointMoved { .. }) =>
        {
            tracing::info!(code = refusal.code(), "the wallet's balance did not answer");
        }
        Err(error) => return Err(error),
    }
    Ok(())
}
