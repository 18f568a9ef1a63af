//! The IPC surface of listing statistics and insights (issue 15, points 1 and 2): every
//! listing's figures sorted in SQL, one listing's daily history for its chart, a refresh on
//! demand, and the settings (the insights' thresholds, the scheduled reads' intervals). The
//! figures are the store's (`seller_store::vinted::statistics`), the read is `seller-vinted`'s
//! statistics flow, queued daily by the runner's schedule started here.

use seller_store::vinted::insights::InsightThresholds;
use seller_store::vinted::read_schedule::ReadIntervals;
use seller_store::vinted::statistics::{FiguresFilter, HistoryPoint, ListingFigures};
use seller_store::vinted::{Job, JobKind, Page};
use tauri::State;

use crate::error::AppError;
use crate::jobs::Runner;
use crate::state::AppState;

/// Looks at the scheduled reads (daily statistics, orders, inbox, notifications) on a timer,
/// every `TICK` from one `TICK` after the start: not at the moment a session logs in (a
/// session just logged in is not met by four reads at once; it waits at most one `TICK`).
pub fn spawn_schedule(runner: Runner) {
    tauri::async_runtime::spawn(async move {
        runner.schedule_reads(seller_vinted::jobs::schedule::TICK);
    });
}

#[tauri::command]
#[specta::specta]
pub async fn list_listing_figures(
    state: State<'_, AppState>,
    filter: FiguresFilter,
) -> Result<Page<ListingFigures>, AppError> {
    state
        .with_store(move |store| Ok(store.list_listing_figures(&filter)?))
        .await
}

/// One listing's daily views, favourites and offers (`id` is the listing row's), oldest first.
#[tauri::command]
#[specta::specta]
pub async fn listing_history(
    state: State<'_, AppState>,
    id: String,
) -> Result<Vec<HistoryPoint>, AppError> {
    state
        .with_store(move |store| Ok(store.listing_history(&id)?))
        .await
}

/// Queues a statistics read of the account (every account, with none) unless one is already
/// queued or running; returns the jobs queued. They run once the session is logged in.
#[tauri::command]
#[specta::specta]
pub async fn refresh_statistics(
    state: State<'_, AppState>,
    runner: State<'_, Runner>,
    account_id: Option<String>,
) -> Result<Vec<Job>, AppError> {
    crate::jobs::queue_read_now(&state, &runner, account_id, JobKind::ReadStatistics).await
}

#[tauri::command]
#[specta::specta]
pub async fn get_insight_thresholds(
    state: State<'_, AppState>,
) -> Result<InsightThresholds, AppError> {
    state
        .with_store(|store| Ok(store.insight_thresholds()?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn set_insight_thresholds(
    state: State<'_, AppState>,
    thresholds: InsightThresholds,
) -> Result<InsightThresholds, AppError> {
    state
        .with_store(move |store| Ok(store.set_insight_thresholds(&thresholds)?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_read_intervals(state: State<'_, AppState>) -> Result<ReadIntervals, AppError> {
    state.with_store(|store| Ok(store.read_intervals()?)).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_read_intervals(
    state: State<'_, AppState>,
    intervals: ReadIntervals,
) -> Result<ReadIntervals, AppError> {
    state
        .with_store(move |store| Ok(store.set_read_intervals(&intervals)?))
        .await
}
