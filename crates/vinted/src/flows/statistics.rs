//! Listing statistics (issue 15, points 1 and 2; `docs/VINTED.md`, "Read endpoints": the
//! wardrobe's `view_count` and `favourite_count` are the only statistics Vinted gives): every
//! page of the wardrobe, read as the import reads it ([`super::wardrobe_read`], each call
//! paced), its listings kept current in `seller_listings` and their counts recorded as the
//! day's snapshot, page and snapshots in one transaction; then the insights of every listing.
//!
//! The checkpoint names the next page after each one is written, so a job stopped by a rate
//! limit, a pause or a quit goes on from the page it had not written: no page is snapshotted
//! twice (and a page read again the same day would only replace its own snapshot, the store
//! keeping one per listing per day) and none is skipped. It carries the wardrobe's size as the
//! first page gave it, as the import does, and the summary says whether the read was
//! `complete` (the size did not change between pages and every listing was seen). The job runs daily per logged-in
//! account ([`crate::jobs::schedule`]) and on demand.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Flow;
use super::wardrobe_read::{Route, current_user_id, fetch_page, photo_urls, to_listing};
use crate::StoreAccess;
use crate::calls::{FlowError, store_error};
use seller_store::vinted::WardrobeListing;
use seller_store::vinted::statistics::ListingCounts;

/// Where a statistics read is; saved after every page.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "phase")]
enum Checkpoint {
    Pages {
        user_id: u64,
        /// `None` until the first page said which route answers.
        route: Option<Route>,
        next_page: u32,
        /// Listings read so far.
        seen: i64,
        /// Listings with counts recorded so far.
        snapshotted: i64,
        /// The wardrobe's size as the first page said it: a read during which it changed
        /// (a listing added or sold between pages shifts the pages) may have missed one.
        #[serde(default)]
        first_total: Option<u32>,
    },
    /// Every page is written: the insights are left.
    Insights {
        seen: i64,
        snapshotted: i64,
        /// Whether every listing was read once: the wardrobe's size did not change during the
        /// read and as many listings were seen.
        #[serde(default)]
        complete: bool,
    },
}

pub async fn run<S: StoreAccess>(flow: &mut Flow<'_, S>) -> Result<Value, FlowError> {
    let mut checkpoint = match flow.job.checkpoint.clone() {
        Some(saved) => serde_json::from_value(saved).map_err(|error| {
            FlowError::Invalid(format!("the statistics' checkpoint is not valid: {error}"))
        })?,
        None => Checkpoint::Pages {
            user_id: current_user_id(flow).await?,
            route: None,
            next_page: 1,
            seen: 0,
            snapshotted: 0,
            first_total: None,
        },
    };
    loop {
        checkpoint = match checkpoint {
            Checkpoint::Pages {
                user_id,
                route,
                next_page,
                seen,
                snapshotted,
                first_total,
            } => {
                let so_far = SoFar {
                    seen,
                    snapshotted,
                    first_total,
                };
                read_page(flow, user_id, route, next_page, so_far).await?
            }
            Checkpoint::Insights {
                seen,
                snapshotted,
                complete,
            } => {
                return insights(flow, seen, snapshotted, complete).await;
            }
        };
        if flow.paced.is_cancelled() {
            return Err(FlowError::Cancelled);
        }
    }
}

/// What the pages read so far add up to.
struct SoFar {
    seen: i64,
    snapshotted: i64,
    first_total: Option<u32>,
}

/// One page: its listings and their counts written in one transaction, then the checkpoint.
async fn read_page<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    user_id: u64,
    route: Option<Route>,
    page_number: u32,
    so_far: SoFar,
) -> Result<Checkpoint, FlowError> {
    let SoFar {
        seen,
        snapshotted,
        first_total,
    } = so_far;
    let (route, page) = fetch_page(flow, user_id, route, page_number).await?;
    let listings: Vec<WardrobeListing> = page.items.iter().map(to_listing).collect();
    let photos = photo_urls(&page);
    // A listing whose answer has no count is left out, never read as 0 views.
    let counts: Vec<ListingCounts> = page
        .items
        .iter()
        .filter_map(|item| {
            Some(ListingCounts {
                listing_id: item.id.clone(),
                views: item.view_count?,
                favorites: item.favourite_count?,
            })
        })
        .collect();
    let account_id = flow.caller.account_id.clone();
    let site = flow.paced.page().base_url().to_owned();
    let recorded = flow
        .store
        .with_store(move |store| {
            let at = seller_store::now_rfc3339();
            let allowed = |url: &str| crate::site::photo::is_allowed(url, &site);
            Ok(store.write(|tx| -> seller_store::Result<u32> {
                tx.upsert_listings(&account_id, &listings, &at)?;
                tx.record_listing_photos(&account_id, &photos, &allowed)?;
                tx.record_listing_snapshots(&account_id, &counts, &at)
            })?)
        })
        .await
        .map_err(store_error)?;
    let seen = seen + page.items.len() as i64;
    let snapshotted = snapshotted + i64::from(recorded);
    let last_page = page.items.is_empty() || page_number >= page.total_pages;
    let next = if last_page {
        Checkpoint::Insights {
            seen,
            snapshotted,
            complete: first_total.is_none_or(|first| first == page.total_entries)
                && seen == i64::from(page.total_entries),
        }
    } else {
        Checkpoint::Pages {
            user_id,
            route: Some(route),
            next_page: page_number + 1,
            seen,
            snapshotted,
            first_total: first_total.or(Some(page.total_entries)),
        }
    };
    flow.checkpoint(&next, seen, Some(i64::from(page.total_entries)))
        .await?;
    Ok(next)
}

/// The insights of every listing of the account, then the job's summary.
async fn insights<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    seen: i64,
    snapshotted: i64,
    complete: bool,
) -> Result<Value, FlowError> {
    let account_id = flow.caller.account_id.clone();
    let found = flow
        .store
        .with_store(move |store| {
            Ok(store.refresh_listing_insights(&account_id, &seller_store::now_rfc3339())?)
        })
        .await
        .map_err(store_error)?;
    Ok(json!({
        "seen": seen,
        "snapshotted": snapshotted,
        "complete": complete,
        "insights": found,
    }))
}
