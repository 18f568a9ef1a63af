//! The IPC surface of the Vinted job queue and what it fills: queue an import of an account's
//! listings, follow and cancel jobs, read and export the audit log of every write, set an
//! account's pacing, browse the imported listings and link them to the inventory. The queue and
//! the flows are `seller-vinted`'s.

use std::sync::{Arc, Mutex, PoisonError};

use seller_store::csv::CsvLanguage;
use seller_store::transfer::ExportedFile;
use seller_store::vinted::{
    AuditFilter, AuditRecord, Job, JobFilter, JobKind, ListingFilter, ListingRow, NewJob,
    PacingSettings, Page,
};
use seller_vinted::flows::JobProgress;
use seller_vinted::flows::edit::EditRequest;
use seller_vinted::flows::import::ImportRequest;
use seller_vinted::jobs::JobRunner;
use seller_vinted::sessions::AccountSessions;
use tauri::State;
use tauri::ipc::Channel;

use crate::error::AppError;
use crate::state::AppState;
use crate::transfer::Transfer;

pub type Runner = JobRunner<AppState>;

/// Queues a read of `kind` for the account (every account, with none) unless one is already
/// queued or running (an interval of zero: due at once otherwise), and wakes their workers; the
/// jobs queued. The "read now" buttons of the inbox, notifications and statistics.
pub async fn queue_read_now(
    state: &AppState,
    runner: &Runner,
    account_id: Option<String>,
    kind: JobKind,
) -> Result<Vec<Job>, AppError> {
    let queued = state
        .with_store(move |store| {
            let accounts: Vec<String> = match account_id {
                Some(id) => vec![store.account(&id)?.id],
                None => store.accounts()?.into_iter().map(|a| a.id).collect(),
            };
            let now = chrono::Utc::now();
            let mut queued = Vec::new();
            for id in accounts {
                queued.extend(store.enqueue_read_if_due(
                    &id,
                    kind,
                    chrono::Duration::zero(),
                    now,
                )?);
            }
            Ok(queued)
        })
        .await?;
    for job in &queued {
        runner.wake(&job.account_id);
    }
    Ok(queued)
}

/// The windows following the jobs' progress.
#[derive(Clone, Default)]
pub struct JobWatchers(Arc<Mutex<Vec<Channel<JobProgress>>>>);

/// Starts the queue (jobs a quit interrupted go on once their session is logged in) and sends
/// every progress to the windows that watch.
pub async fn start(state: AppState, sessions: AccountSessions) -> (Runner, JobWatchers) {
    let runner = JobRunner::start(state, sessions).await;
    let watchers = JobWatchers::default();
    let (mut progress, watching) = (runner.subscribe(), watchers.clone());
    tauri::async_runtime::spawn(async move {
        loop {
            match progress.recv().await {
                Ok(change) => watching
                    .0
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .retain(|channel| channel.send(change.clone()).is_ok()),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    (runner, watchers)
}

/// Queues the import of the account's listings; it runs once the account's session is logged
/// in.
#[tauri::command]
#[specta::specta]
pub async fn import_listings(
    runner: State<'_, Runner>,
    account_id: String,
    request: ImportRequest,
) -> Result<Job, AppError> {
    let payload = serde_json::to_value(request).map_err(AppError::internal)?;
    runner
        .enqueue(NewJob {
            account_id,
            kind: JobKind::ImportListings,
            payload,
            dry_run: false,
            progress_total: None,
        })
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn list_jobs(
    state: State<'_, AppState>,
    filter: JobFilter,
) -> Result<Page<Job>, AppError> {
    state
        .with_store(move |store| Ok(store.list_jobs(&filter)?))
        .await
}

/// Cancels a job: a waiting one at once, a running one before its next call to Vinted.
#[tauri::command]
#[specta::specta]
pub async fn cancel_job(runner: State<'_, Runner>, job_id: String) -> Result<Job, AppError> {
    runner.cancel(&job_id).await
}

/// The person dealt with what paused the account (solved the captcha, logged in again): its
/// jobs go on. Returns how many were waiting.
#[tauri::command]
#[specta::specta]
pub async fn resume_account_jobs(
    runner: State<'_, Runner>,
    account_id: String,
) -> Result<u32, AppError> {
    let resumed = runner.resume_account(&account_id).await?;
    Ok(u32::try_from(resumed).unwrap_or(u32::MAX))
}

/// Sends every later progress of any job to `on_progress`, until the window goes away.
#[tauri::command]
#[specta::specta]
pub async fn watch_jobs(
    watchers: State<'_, JobWatchers>,
    on_progress: Channel<JobProgress>,
) -> Result<(), AppError> {
    watchers
        .0
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(on_progress);
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn list_audit(
    state: State<'_, AppState>,
    filter: AuditFilter,
) -> Result<Page<AuditRecord>, AppError> {
    state
        .with_store(move |store| Ok(store.list_audit(&filter)?))
        .await
}

/// The audit log (one account's, or all), as CSV in the exports folder.
#[tauri::command]
#[specta::specta]
pub async fn export_audit(
    state: State<'_, AppState>,
    transfer: State<'_, Transfer>,
    account_id: Option<String>,
    lang: CsvLanguage,
) -> Result<ExportedFile, AppError> {
    let default = transfer.default_export_dir.clone();
    state
        .with_store(move |store| Ok(store.export_audit_file(&default, account_id, lang)?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_pacing_settings(
    state: State<'_, AppState>,
    account_id: String,
) -> Result<PacingSettings, AppError> {
    state
        .with_store(move |store| Ok(store.pacing_settings(&account_id)?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn set_pacing_settings(
    state: State<'_, AppState>,
    account_id: String,
    settings: PacingSettings,
) -> Result<PacingSettings, AppError> {
    state
        .with_store(move |store| Ok(store.set_pacing_settings(&account_id, &settings)?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn list_listings(
    state: State<'_, AppState>,
    filter: ListingFilter,
) -> Result<Page<ListingRow>, AppError> {
    state
        .with_store(move |store| Ok(store.list_listings(&filter)?))
        .await
}

/// Links a listing to the inventory item with that SKU (or unlinks it, with none).
#[tauri::command]
#[specta::specta]
pub async fn link_listing(
    state: State<'_, AppState>,
    account_id: String,
    listing_id: String,
    sku: Option<String>,
) -> Result<(), AppError> {
    state
        .with_store(move |store| {
            store.link_listing(&account_id, &listing_id, sku.as_deref())?;
            Ok(())
        })
        .await
}

/// Makes an inventory item of each listing (title, price, status, a generated SKU) and links it
/// at once, then queues a job of the account that downloads the listings' photos into the items
/// through the account's session and proxy (its progress and any photo that failed show in the
/// jobs list). Returns the new items' ids.
#[tauri::command]
#[specta::specta]
pub async fn create_items_from_listings(
    state: State<'_, AppState>,
    runner: State<'_, Runner>,
    account_id: String,
    listing_ids: Vec<String>,
) -> Result<Vec<String>, AppError> {
    // One transaction: items made without their photo job queued would never get photos
    // (they are linked by then, so nothing would make or queue them again).
    let account = account_id.clone();
    let made = state
        .with_store(move |store| {
            Ok(store.write(|tx| {
                let made = tx.create_items_from_listings(&account, &listing_ids)?;
                if !made.is_empty() {
                    tx.enqueue_job(NewJob {
                        account_id: account.clone(),
                        kind: JobKind::ImportListings,
                        payload: seller_vinted::flows::import::photos_payload(&made),
                        dry_run: false,
                        progress_total: Some(made.len() as i64),
                    })?;
                }
                Ok::<_, seller_store::StoreError>(made)
            })?)
        })
        .await?;
    if !made.is_empty() {
        runner.wake(&account_id);
    }
    Ok(made.into_iter().map(|item| item.product_id).collect())
}

/// Queues a change of one listing of the account; the job reads the change back from Vinted
/// before the store records it. In a dry run the write is only recorded in the audit log.
async fn queue_listing_change(
    runner: &Runner,
    account_id: String,
    kind: JobKind,
    request: EditRequest,
    dry_run: bool,
) -> Result<Job, AppError> {
    if request.listing_id.trim().parse::<u64>().is_err() {
        return Err(AppError::field(
            "listingId",
            seller_store::FieldErrorCode::Invalid,
            "not a Vinted listing id",
        ));
    }
    let payload = serde_json::to_value(request).map_err(AppError::internal)?;
    runner
        .enqueue(NewJob {
            account_id,
            kind,
            payload,
            dry_run,
            progress_total: Some(1),
        })
        .await
}

/// Queues a new price (in cents) for one listing of the account.
#[tauri::command]
#[specta::specta]
pub async fn edit_listing_price(
    runner: State<'_, Runner>,
    account_id: String,
    listing_id: String,
    price_cents: i64,
    dry_run: bool,
) -> Result<Job, AppError> {
    if price_cents <= 0 {
        return Err(AppError::field(
            "priceCents",
            seller_store::FieldErrorCode::Invalid,
            "the price must be more than 0",
        ));
    }
    if price_cents > seller_store::products::MAX_MONEY_CENTS {
        return Err(AppError::field(
            "priceCents",
            seller_store::FieldErrorCode::TooLarge,
            "the price is too large",
        ));
    }
    let request = EditRequest {
        listing_id,
        price_cents: Some(price_cents),
    };
    queue_listing_change(&runner, account_id, JobKind::EditPrice, request, dry_run).await
}

/// Queues hiding one listing of the account.
#[tauri::command]
#[specta::specta]
pub async fn hide_listing(
    runner: State<'_, Runner>,
    account_id: String,
    listing_id: String,
    dry_run: bool,
) -> Result<Job, AppError> {
    let request = EditRequest {
        listing_id,
        price_cents: None,
    };
    queue_listing_change(&runner, account_id, JobKind::Hide, request, dry_run).await
}

/// Queues showing a hidden listing of the account again.
#[tauri::command]
#[specta::specta]
pub async fn unhide_listing(
    runner: State<'_, Runner>,
    account_id: String,
    listing_id: String,
    dry_run: bool,
) -> Result<Job, AppError> {
    let request = EditRequest {
        listing_id,
        price_cents: None,
    };
    queue_listing_change(&runner, account_id, JobKind::Unhide, request, dry_run).await
}

/// Queues deleting one listing of the account on Vinted; its row is kept, marked deleted.
#[tauri::command]
#[specta::specta]
pub async fn delete_listing(
    runner: State<'_, Runner>,
    account_id: String,
    listing_id: String,
    dry_run: bool,
) -> Result<Job, AppError> {
    let request = EditRequest {
        listing_id,
        price_cents: None,
    };
    queue_listing_change(&runner, account_id, JobKind::Delete, request, dry_run).await
}
