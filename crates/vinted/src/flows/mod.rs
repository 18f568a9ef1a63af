//! The Vinted flows a job runs in its account's session. Each flow reads its job's payload and
//! checkpoint, calls Vinted only through [`Paced`], saves a checkpoint after every step that
//! changed something, and returns a summary for the job's row.

pub mod edit;
pub mod import;
pub mod inbox;
pub mod labels;
pub mod notifications;
pub mod offer;
pub mod orders;
pub mod outreach;
pub mod publish;
pub mod relist;
pub mod send_reply;
pub mod statistics;
mod tab;
mod wardrobe_read;

use serde::Serialize;
use serde_json::Value;

use tokio::sync::broadcast;

use crate::StoreAccess;
use crate::calls::{Caller, FlowError, Paced, store_error};
use seller_store::vinted::{Job, JobKind};

/// A job's progress, for the windows that watch.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct JobProgress {
    pub job_id: String,
    pub account_id: String,
    pub done: i64,
    pub total: Option<i64>,
}

/// Where progress goes: every watcher gets each one; nobody watching is fine.
#[derive(Clone)]
pub struct Progress(broadcast::Sender<JobProgress>);

impl Progress {
    pub fn new() -> Progress {
        Progress(broadcast::channel(256).0)
    }

    pub fn send(&self, progress: JobProgress) {
        let _ = self.0.send(progress);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<JobProgress> {
        self.0.subscribe()
    }
}

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}

/// What a flow has at hand.
pub struct Flow<'a, S: StoreAccess> {
    pub paced: Paced<'a, S>,
    pub store: &'a S,
    pub caller: &'a Caller,
    pub job: &'a Job,
    pub progress: &'a Progress,
}

/// Runs the flow of the job's kind.
pub async fn run<S: StoreAccess>(flow: &mut Flow<'_, S>) -> Result<Value, FlowError> {
    match flow.job.kind {
        JobKind::ImportListings => import::run(flow).await,
        JobKind::Publish => publish::run(flow).await,
        JobKind::Relist => relist::run(flow).await,
        JobKind::EditPrice | JobKind::Hide | JobKind::Unhide | JobKind::Delete => {
            edit::run(flow).await
        }
        JobKind::ReadStatistics => statistics::run(flow).await,
        JobKind::ImportOrders => orders::run(flow).await,
        JobKind::DownloadLabels => labels::run(flow).await,
        JobKind::ImportInbox => inbox::run(flow).await,
        JobKind::SendReply => send_reply::run(flow).await,
        JobKind::AnswerOffer => offer::run(flow).await,
        JobKind::ReadNotifications => notifications::run(flow).await,
        JobKind::MessageFavoriter => outreach::run(flow).await,
    }
}

impl<S: StoreAccess> Flow<'_, S> {
    /// Saves where the flow is, so a restart goes on from there, and shows the progress.
    pub async fn checkpoint(
        &self,
        checkpoint: &impl Serialize,
        done: i64,
        total: Option<i64>,
    ) -> Result<(), FlowError> {
        let value = serde_json::to_value(checkpoint)
            .map_err(|error| FlowError::Invalid(error.to_string()))?;
        let job_id = self.job.id.clone();
        self.store
            .with_store(move |store| Ok(store.checkpoint_job(&job_id, &value, done, total)?))
            .await
            .map_err(store_error)?;
        self.progress.send(JobProgress {
            job_id: self.job.id.clone(),
            account_id: self.caller.account_id.clone(),
            done,
            total,
        });
        Ok(())
    }

    pub async fn sku_pattern(&self) -> Result<String, FlowError> {
        self.store
            .with_store(|store| Ok(store.sku_pattern()?))
            .await
            .map_err(store_error)
    }

    /// The SKU of an inventory item that `text` names in the shop's SKU pattern, if any.
    pub async fn find_known_sku(&self, text: &str) -> Result<Option<String>, FlowError> {
        let text = text.to_owned();
        self.store
            .with_store(move |store| {
                let pattern = store.sku_pattern()?;
                let Some(sku) = seller_store::products::find_sku_in_text(&pattern, &text) else {
                    return Ok(None);
                };
                Ok(store.product_by_sku(&sku)?.map(|product| product.sku))
            })
            .await
            .map_err(store_error)
    }

    /// The account's listings with no inventory item yet whose description Vinted still serves
    /// (sold, reserved and deleted ones answer 404).
    pub async fn unlinked_to_read(&self) -> Result<Vec<String>, FlowError> {
        let account_id = self.caller.account_id.clone();
        self.store
            .with_store(move |store| Ok(store.unlinked_listing_ids_to_read(&account_id)?))
            .await
            .map_err(store_error)
    }
}
