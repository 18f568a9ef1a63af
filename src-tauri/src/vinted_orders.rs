//! The IPC surface of the orders read from Vinted: queue a read of the accounts' orders, list
//! them with what only Vinted gives (net payout, ship-by date, label), print a batch of labels
//! (downloaded by a job when some are missing, merged into one PDF), open a label file. The
//! flows are `seller-vinted`'s (`flows/orders.rs`, `flows/labels.rs`).

use std::path::{Path, PathBuf};

use seller_store::FieldErrorCode;
use seller_store::orders::vinted::{VintedOrderFilter, VintedOrderRow};
use seller_store::vinted::{Job, JobKind, NewJob};
use seller_vinted::flows::labels::{self, LabelsRequest, MAX_LABELS};
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::error::{AppError, ErrorCode};
use crate::jobs::Runner;
use crate::state::AppState;

/// Queues a read of the orders of one account, or of every account; each runs once its
/// account's session is logged in.
#[tauri::command]
#[specta::specta]
pub async fn import_vinted_orders(
    state: State<'_, AppState>,
    runner: State<'_, Runner>,
    account_id: Option<String>,
) -> Result<Vec<Job>, AppError> {
    let accounts: Vec<String> = match account_id {
        Some(id) => vec![id],
        None => state
            .with_store(|store| Ok(store.accounts()?))
            .await?
            .into_iter()
            .map(|account| account.id)
            .collect(),
    };
    let mut jobs = Vec::new();
    for account_id in accounts {
        jobs.push(
            runner
                .enqueue(NewJob {
                    account_id,
                    kind: JobKind::ImportOrders,
                    payload: serde_json::json!({}),
                    dry_run: false,
                    progress_total: None,
                })
                .await?,
        );
    }
    Ok(jobs)
}

#[tauri::command]
#[specta::specta]
pub async fn list_vinted_orders(
    state: State<'_, AppState>,
    filter: VintedOrderFilter,
) -> Result<Vec<VintedOrderRow>, AppError> {
    state
        .with_store(move |store| Ok(store.vinted_orders(&filter)?))
        .await
}

/// Why an order of a batch has no label to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum LabelMissingReason {
    /// Not a sale read from Vinted still on (a purchase, a canceled sale, a manual order).
    NotASale,
    /// Vinted has not made its shipment yet.
    NoShipment,
    /// The last download failed (the detail says why).
    Failed,
    /// Not downloaded, and this call was told not to download.
    NotDownloaded,
}

/// An order of a batch without a label, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LabelMissing {
    pub order_id: String,
    pub reason: LabelMissingReason,
    /// What the failed download said (English, from the flow), for `failed`.
    pub detail: Option<String>,
}

/// A batch of labels to print: the merged file of the labels on disk, and, when some are
/// missing and `download_missing` was asked, the jobs downloading them (then call again with
/// `download_missing: false` once they are done, which merges what is there and says why the
/// others have none, never queuing again).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LabelsBatch {
    /// The merged PDF, relative to the data folder (for [`open_vinted_label`]).
    pub merged_path: Option<String>,
    pub pages: Option<u32>,
    pub jobs: Vec<Job>,
    /// Orders with no label to print, and why.
    pub without_label: Vec<LabelMissing>,
}

#[tauri::command]
#[specta::specta]
pub async fn print_vinted_labels(
    state: State<'_, AppState>,
    runner: State<'_, Runner>,
    order_ids: Vec<String>,
    download_missing: bool,
) -> Result<LabelsBatch, AppError> {
    if order_ids.is_empty() || order_ids.len() > MAX_LABELS {
        return Err(AppError::field(
            "orderIds",
            FieldErrorCode::Invalid,
            format!("1 to {MAX_LABELS} orders"),
        ));
    }
    let data_dir = state.data_dir().to_path_buf();
    let ids = order_ids.clone();
    let labels = state
        .with_store(move |store| Ok(store.vinted_labels(&ids)?))
        .await?;
    let mut without_label = Vec::new();
    let mut missing: Vec<(String, String)> = Vec::new();
    let mut files = Vec::new();
    let lacks = |order_id: &str, reason, detail: Option<String>| LabelMissing {
        order_id: order_id.to_owned(),
        reason,
        detail,
    };
    for id in &order_ids {
        // `vinted_labels` only names sales not canceled: anything else gets no label.
        let Some(label) = labels.iter().find(|l| l.order_id == *id) else {
            without_label.push(lacks(id, LabelMissingReason::NotASale, None));
            continue;
        };
        let on_disk = label
            .label_path
            .as_deref()
            .filter(|path| labels::label_on_disk(&data_dir, path).is_some());
        match on_disk {
            Some(path) => files.push(path.to_owned()),
            None if label.shipment_id.is_none() => {
                without_label.push(lacks(id, LabelMissingReason::NoShipment, None));
            }
            None if download_missing => {
                missing.push((label.seller_account_id.clone(), id.clone()));
            }
            None => without_label.push(match &label.label_error {
                Some(error) => lacks(id, LabelMissingReason::Failed, Some(error.clone())),
                None => lacks(id, LabelMissingReason::NotDownloaded, None),
            }),
        }
    }
    if !missing.is_empty() {
        let mut accounts: Vec<String> = missing.iter().map(|(a, _)| a.clone()).collect();
        accounts.sort();
        accounts.dedup();
        let mut jobs = Vec::new();
        for account_id in accounts {
            let order_ids: Vec<String> = missing
                .iter()
                .filter(|(a, _)| *a == account_id)
                .map(|(_, id)| id.clone())
                .collect();
            let total = order_ids.len() as i64;
            let payload =
                serde_json::to_value(LabelsRequest { order_ids }).map_err(AppError::internal)?;
            jobs.push(
                runner
                    .enqueue(NewJob {
                        account_id,
                        kind: JobKind::DownloadLabels,
                        payload,
                        dry_run: false,
                        progress_total: Some(total),
                    })
                    .await?,
            );
        }
        return Ok(LabelsBatch {
            merged_path: None,
            pages: None,
            jobs,
            without_label,
        });
    }
    let batch_id = seller_store::new_id();
    let merged = tauri::async_runtime::spawn_blocking(move || {
        labels::merge_files(&data_dir, &files, &batch_id)
    })
    .await
    .map_err(AppError::internal)?
    .map_err(|reason| AppError::new(ErrorCode::Io, reason))?;
    Ok(LabelsBatch {
        merged_path: merged.as_ref().map(|(path, _)| path.clone()),
        pages: merged.map(|(_, pages)| pages),
        jobs: Vec::new(),
        without_label,
    })
}

/// Opens a label or a merged batch (a path [`print_vinted_labels`] or the list gave, relative to
/// the data folder) with the system's PDF viewer. Only files of the labels folder are opened.
#[tauri::command]
#[specta::specta]
pub async fn open_vinted_label(state: State<'_, AppState>, path: String) -> Result<(), AppError> {
    let file = label_file(state.data_dir(), &path)
        .ok_or_else(|| AppError::field("path", FieldErrorCode::Invalid, "not a label file"))?;
    if !file.is_file() {
        return Err(AppError::new(ErrorCode::NotFound, "the label file is gone"));
    }
    let opener = if cfg!(target_os = "windows") {
        "explorer"
    } else if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let mut child = std::process::Command::new(opener)
        .arg(&file)
        .spawn()
        .map_err(|error| AppError::new(ErrorCode::Io, error.to_string()))?;
    // Reaped when the opener returns (it hands the file to the viewer and exits).
    tauri::async_runtime::spawn_blocking(move || child.wait());
    Ok(())
}

/// `labels/<uuid>.pdf` or `labels/merged/<uuid>.pdf` under the data folder; anything else is
/// refused.
fn label_file(data_dir: &Path, path: &str) -> Option<PathBuf> {
    use seller_store::data_dir::safe_child;
    let rest = path.strip_prefix(&format!("{}/", labels::LABELS_DIR))?;
    let (dir, name) = match rest.strip_prefix(&format!("{}/", labels::MERGED_DIR)) {
        Some(name) => (
            data_dir.join(labels::LABELS_DIR).join(labels::MERGED_DIR),
            name,
        ),
        None => (data_dir.join(labels::LABELS_DIR), rest),
    };
    let id = name.strip_suffix(".pdf")?;
    Some(safe_child(&dir, id).ok()?.with_extension("pdf"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_label_files_are_opened() {
        let data = Path::new("/data");
        let id = "0190f0aa-1111-7abc-8def-0123456789ab";
        assert_eq!(
            label_file(data, &format!("labels/{id}.pdf")),
            Some(PathBuf::from(format!("/data/labels/{id}.pdf")))
        );
        assert_eq!(
            label_file(data, &format!("labels/merged/{id}.pdf")),
            Some(PathBuf::from(format!("/data/labels/merged/{id}.pdf")))
        );
        for bad in [
            "labels/../seller-panel.sqlite3",
            "labels/merged/../../x.pdf",
            "/etc/passwd",
            "photos/x.pdf",
            &format!("labels/{id}.sh"),
        ] {
            assert_eq!(label_file(data, bad), None, "{bad}");
        }
    }
}
