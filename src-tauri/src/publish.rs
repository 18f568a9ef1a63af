//! The IPC surface of publishing on Vinted: queue one publish job per item (or a dry run that
//! only records what would be sent), preview what an item maps to from the reference data the
//! app has read, and queue a safe relist of a listing. The flows are `seller-vinted`'s.

use seller_store::vinted::{Job, JobKind, NewJob};
use seller_vinted::flows::publish::{self, PublishPreview, PublishRequest};
use seller_vinted::flows::relist::RelistRequest;
use tauri::State;

use crate::error::AppError;
use crate::jobs::Runner;
use crate::state::AppState;

/// Queues one publish job per item, in the order given; each runs once the account's session
/// is logged in. A dry run records the create body it would send and sends nothing.
#[tauri::command]
#[specta::specta]
pub async fn publish_products(
    runner: State<'_, Runner>,
    account_id: String,
    product_ids: Vec<String>,
    dry_run: bool,
) -> Result<Vec<Job>, AppError> {
    let mut jobs = Vec::with_capacity(product_ids.len());
    for product_id in product_ids {
        let payload =
            serde_json::to_value(PublishRequest { product_id }).map_err(AppError::internal)?;
        jobs.push(
            runner
                .enqueue(NewJob {
                    account_id: account_id.clone(),
                    kind: JobKind::Publish,
                    payload,
                    dry_run,
                    progress_total: Some(1),
                })
                .await?,
        );
    }
    Ok(jobs)
}

/// What publishing the item would send, and what to fix first, from the reference data the
/// app has already read from Vinted (nothing is asked of Vinted here).
#[tauri::command]
#[specta::specta]
pub async fn preview_publish(
    state: State<'_, AppState>,
    account_id: String,
    product_id: String,
) -> Result<PublishPreview, AppError> {
    // The preview's future is not `Send` for every lifetime a command needs (a rustc limit
    // with the store's generic access), so it runs to its end on a blocking thread.
    let state = state.inner().clone();
    tauri::async_runtime::spawn_blocking(move || {
        tauri::async_runtime::block_on(publish::preview(&state, &account_id, &product_id))
    })
    .await
    .map_err(AppError::internal)?
}

/// Queues a safe relist: the copy is published and confirmed live before the listing is
/// hidden and deleted.
#[tauri::command]
#[specta::specta]
pub async fn relist_listing(
    runner: State<'_, Runner>,
    account_id: String,
    listing_id: String,
) -> Result<Job, AppError> {
    let payload = serde_json::to_value(RelistRequest {
        listing_id,
        skip_if_favourited_within_days: None,
    })
    .map_err(AppError::internal)?;
    runner
        .enqueue(NewJob {
            account_id,
            kind: JobKind::Relist,
            payload,
            dry_run: false,
            progress_total: None,
        })
        .await
}
