//! Import of the account's existing listings (`docs/VINTED.md`, "Read endpoints", wardrobe):
//! every page of the wardrobe into `seller_listings`, then the descriptions of the listings not
//! yet linked, read one by one (paced), for a SKU that links each to its inventory item; new
//! inventory items for the rest when the person asked; listings gone from Vinted marked, never
//! deleted. The job's checkpoint says which phase and page it reached, so a restarted import
//! goes on where it stopped.
//!
//! Items made from listings get the listings' photos, all of them in Vinted's order, through
//! the account's browser and proxy ([`photos`]), one listing per step with progress. The
//! same job also serves the listings table's "create items": the items are made at once and a
//! job of this kind with only `photosFor` downloads their photos.

mod photos;

pub use photos::PhotoFailure;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::wardrobe_read::{Route, current_user_id, fetch_page, photo_urls, to_listing};
use super::{Flow, JobProgress};
use crate::StoreAccess;
use crate::calls::{FlowError, store_error};
use crate::page::{Call, PageError};
use crate::reply::Refusal;
use crate::site::route;
use seller_store::products::MAX_PHOTOS;
use seller_store::vinted::WardrobeListing;
use seller_store::vinted::listings::ItemFromListing;

/// What the person asked for.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ImportRequest {
    /// Read each unlinked listing's description for a SKU (one paced read per listing).
    #[serde(default = "yes")]
    pub link_by_sku: bool,
    /// Make an inventory item of every listing still unlinked at the end.
    #[serde(default)]
    pub create_items: bool,
}

/// A job's payload: an import, or (with `photos_for`) only the photos of items just made from
/// listings, without reading the wardrobe.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    #[serde(flatten)]
    request: ImportRequest,
    #[serde(default)]
    photos_for: Vec<ItemFromListing>,
}

/// The payload of a job that downloads the photos of items made from listings.
pub fn photos_payload(items: &[ItemFromListing]) -> Value {
    json!({"linkBySku": false, "createItems": false, "photosFor": items})
}

fn yes() -> bool {
    true
}

/// Where an import is; saved after every page and every description.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "phase")]
enum Checkpoint {
    Pages {
        started_at: String,
        user_id: u64,
        /// `None` until the first page said which route answers.
        route: Option<Route>,
        next_page: u32,
        seen: i64,
        /// The wardrobe's size when its first page was read: pages shift when listings come
        /// or go meanwhile, and a listing may then be skipped.
        #[serde(default)]
        first_total: Option<u32>,
    },
    Descriptions {
        started_at: String,
        complete: bool,
        remaining: Vec<String>,
        linked: i64,
        seen: i64,
    },
    /// The photos of the items made from listings, one listing per step.
    Photos {
        /// What the import did before (seen, linked, gone, created).
        summary: Value,
        /// Still to do, the next one last.
        remaining: Vec<ItemFromListing>,
        total: i64,
        /// Photos stored so far.
        stored: i64,
        /// The first [`KEPT_FAILURES`] photos that failed.
        failures: Vec<PhotoFailure>,
        /// How many failed in all (older checkpoints: the list's length).
        #[serde(default)]
        failures_total: i64,
    },
}

/// How many failed photos a checkpoint (and the job's result) names; the rest are counted.
const KEPT_FAILURES: usize = 50;

pub async fn run<S: StoreAccess>(flow: &mut Flow<'_, S>) -> Result<Value, FlowError> {
    let Payload {
        request,
        photos_for,
    } = serde_json::from_value(flow.job.payload.clone()).map_err(|error| {
        FlowError::Invalid(format!("the import's settings are not valid: {error}"))
    })?;
    let mut checkpoint = match flow.job.checkpoint.clone() {
        Some(saved) => serde_json::from_value(saved).map_err(|error| {
            FlowError::Invalid(format!("the import's checkpoint is not valid: {error}"))
        })?,
        None if !photos_for.is_empty() => {
            let summary = json!({"created": photos_for.len()});
            photos_checkpoint(summary, photos_for)
        }
        None => first_checkpoint(flow).await?,
    };
    loop {
        checkpoint = match checkpoint {
            Checkpoint::Pages { .. } => read_page(flow, checkpoint, &request).await?,
            Checkpoint::Descriptions { ref remaining, .. } if !remaining.is_empty() => {
                read_description(flow, checkpoint).await?
            }
            Checkpoint::Descriptions {
                started_at,
                complete,
                linked,
                seen,
                ..
            } => finish(flow, &request, &started_at, complete, linked, seen).await?,
            Checkpoint::Photos { ref remaining, .. } if !remaining.is_empty() => {
                download_photos(flow, checkpoint).await?
            }
            Checkpoint::Photos {
                mut summary,
                stored,
                failures,
                failures_total,
                ..
            } => {
                summary["photos"] = json!(stored);
                summary["photoFailuresTotal"] = json!(failures_total.max(failures.len() as i64));
                summary["photoFailures"] = json!(failures);
                return Ok(summary);
            }
        };
        if flow.paced.is_cancelled() {
            return Err(FlowError::Cancelled);
        }
    }
}

async fn first_checkpoint<S: StoreAccess>(flow: &mut Flow<'_, S>) -> Result<Checkpoint, FlowError> {
    Ok(Checkpoint::Pages {
        started_at: seller_store::now_rfc3339(),
        user_id: current_user_id(flow).await?,
        route: None,
        next_page: 1,
        seen: 0,
        first_total: None,
    })
}

async fn read_page<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    checkpoint: Checkpoint,
    request: &ImportRequest,
) -> Result<Checkpoint, FlowError> {
    let Checkpoint::Pages {
        started_at,
        user_id,
        route,
        next_page,
        seen,
        first_total,
    } = checkpoint
    else {
        return Ok(checkpoint);
    };
    let (route, page) = fetch_page(flow, user_id, route, next_page).await?;
    let listings: Vec<WardrobeListing> = page.items.iter().map(to_listing).collect();
    let photo_urls = photo_urls(&page);
    let seen = seen + listings.len() as i64;
    let account_id = flow.caller.account_id.clone();
    let at = started_at.clone();
    let site = flow.paced.page().base_url().to_owned();
    flow.store
        .with_store(move |store| {
            let allowed = |url: &str| crate::site::photo::is_allowed(url, &site);
            Ok(store.upsert_listings_with_photos(
                &account_id,
                &listings,
                &photo_urls,
                &allowed,
                &at,
            )?)
        })
        .await
        .map_err(store_error)?;
    let total = Some(i64::from(page.total_entries));
    let last_page = page.items.is_empty() || next_page >= page.total_pages;
    let next = if last_page {
        let remaining = if request.link_by_sku {
            flow.unlinked_to_read().await?
        } else {
            Vec::new()
        };
        Checkpoint::Descriptions {
            started_at,
            // Only a wardrobe that kept its size from the first page to the last, every entry
            // read, says for sure which listings are gone.
            complete: first_total.is_none_or(|first| first == page.total_entries)
                && seen == i64::from(page.total_entries),
            remaining,
            linked: 0,
            seen,
        }
    } else {
        Checkpoint::Pages {
            started_at,
            user_id,
            route: Some(route),
            next_page: next_page + 1,
            seen,
            first_total: first_total.or(Some(page.total_entries)),
        }
    };
    flow.checkpoint(&next, seen, total).await?;
    Ok(next)
}

async fn read_description<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    checkpoint: Checkpoint,
) -> Result<Checkpoint, FlowError> {
    let Checkpoint::Descriptions {
        started_at,
        complete,
        mut remaining,
        linked,
        seen,
    } = checkpoint
    else {
        return Ok(checkpoint);
    };
    let Some(listing_id) = remaining.pop() else {
        return Ok(Checkpoint::Descriptions {
            started_at,
            complete,
            remaining,
            linked,
            seen,
        });
    };
    let Ok(numeric_id) = listing_id.parse::<u64>() else {
        return Ok(Checkpoint::Descriptions {
            started_at,
            complete,
            remaining,
            linked,
            seen,
        });
    };
    let answer = match flow
        .paced
        .read(Call::get(route::item_upload_item(numeric_id)))
        .await
    {
        // Sold, reserved or deleted since the page was read: nothing to link.
        Err(FlowError::Vinted(Refusal::NotFound)) => None,
        other => Some(other?),
    };
    let description = answer
        .as_ref()
        .and_then(|a| a["item"]["description"].as_str())
        .unwrap_or_default()
        .to_owned();
    let sku = flow.find_known_sku(&description).await?;
    let linked = linked + i64::from(sku.is_some());
    if let Some(sku) = sku {
        let (account_id, id) = (flow.caller.account_id.clone(), listing_id.clone());
        flow.store
            .with_store(move |store| Ok(store.link_listing(&account_id, &id, Some(&sku))?))
            .await
            .map_err(store_error)?;
    }
    let next = Checkpoint::Descriptions {
        started_at,
        complete,
        remaining,
        linked,
        seen,
    };
    let done = match &next {
        Checkpoint::Descriptions { remaining, .. } => seen - remaining.len() as i64,
        Checkpoint::Pages { .. } | Checkpoint::Photos { .. } => seen,
    };
    flow.checkpoint(&next, done, Some(seen)).await?;
    Ok(next)
}

/// Marks what is gone, makes the items asked for, and goes on to their photos and to the
/// photos that items made before still lack.
async fn finish<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    request: &ImportRequest,
    started_at: &str,
    complete: bool,
    linked: i64,
    seen: i64,
) -> Result<Checkpoint, FlowError> {
    let account_id = flow.caller.account_id.clone();
    let since = started_at.to_owned();
    let create = request.create_items;
    let job_id = flow.job.id.clone();
    // One transaction: items made without the checkpoint naming them would never get their
    // photos after a crash (they are linked by then, so a rerun would not make them again).
    let (next, total) = flow
        .store
        .with_store(move |store| {
            store.write(|tx| {
                // Only a wardrobe read to its last page says what is gone.
                let gone = if complete {
                    tx.mark_unseen_listings_gone(&account_id, &since)?
                } else {
                    0
                };
                let created = if create {
                    let ids = tx.unlinked_listing_ids(&account_id)?;
                    tx.create_items_from_listings(&account_id, &ids)?
                } else {
                    Vec::new()
                };
                let made = created.len() as i64;
                // Items made before whose photos did not all come (a photo that failed, an
                // import stopped during its photos) get the ones they lack.
                let mut photos_for = created;
                for earlier in tx.items_missing_listing_photos(&account_id)? {
                    if !photos_for.contains(&earlier) {
                        photos_for.push(earlier);
                    }
                }
                let total = photos_for.len() as i64;
                let summary =
                    json!({"seen": seen, "linked": linked, "gone": gone, "created": made});
                let next = photos_checkpoint(summary, photos_for);
                let value = serde_json::to_value(&next)
                    .map_err(|error| crate::Error::Internal(error.to_string()))?;
                tx.checkpoint_job(&job_id, &value, 0, Some(total))?;
                Ok((next, total))
            })
        })
        .await
        .map_err(store_error)?;
    flow.progress.send(JobProgress {
        job_id: flow.job.id.clone(),
        account_id: flow.caller.account_id.clone(),
        done: 0,
        total: Some(total),
    });
    Ok(next)
}

fn photos_checkpoint(summary: Value, mut items: Vec<ItemFromListing>) -> Checkpoint {
    items.reverse();
    Checkpoint::Photos {
        summary,
        total: items.len() as i64,
        remaining: items,
        stored: 0,
        failures: Vec::new(),
        failures_total: 0,
    }
}

/// The photos of the next listing, downloaded and given to its item one by one as they come,
/// at their positions in the listing (at most [`MAX_PHOTOS`]; those the item has already are
/// not fetched again). A photo with no answer ends the step with a transient error: the queue
/// runs it again, the listing still next, the photos stored so far kept and counted; on the
/// job's last try it is recorded as not downloaded instead, and the import goes on.
async fn download_photos<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    checkpoint: Checkpoint,
) -> Result<Checkpoint, FlowError> {
    let Checkpoint::Photos {
        summary,
        mut remaining,
        total,
        mut stored,
        mut failures,
        mut failures_total,
    } = checkpoint
    else {
        return Ok(checkpoint);
    };
    failures_total = failures_total.max(failures.len() as i64);
    let Some(item) = remaining.last().cloned() else {
        return Ok(Checkpoint::Photos {
            summary,
            remaining,
            total,
            stored,
            failures,
            failures_total,
        });
    };
    let fail = |position: usize, url: &str, reason: String| {
        tracing::warn!(
            listing_id = %item.listing_id, position, %reason,
            "a listing's photo was not downloaded"
        );
        PhotoFailure {
            listing_id: item.listing_id.clone(),
            product_id: item.product_id.clone(),
            position,
            url: url.to_owned(),
            reason,
        }
    };
    let (account_id, listing_id, product_id) = (
        flow.caller.account_id.clone(),
        item.listing_id.clone(),
        item.product_id.clone(),
    );
    let wanted = flow
        .store
        .with_store(move |store| {
            let mut urls = store.listing_photo_urls(&account_id, &listing_id)?;
            // An item takes no more: the rest are never fetched.
            urls.truncate(MAX_PHOTOS);
            let missing = store.missing_listing_photos(&product_id, urls.len())?;
            Ok((urls, missing))
        })
        .await;
    let mut step_failures = Vec::new();
    match wanted {
        Err(error) => step_failures.push(fail(0, "", error.to_string())),
        Ok((urls, missing)) => {
            let driver = flow.paced.page().driver().clone();
            let site = flow.paced.page().base_url().to_owned();
            let tab = photos::Tab::open(&driver)
                .await
                .map_err(|error| FlowError::Page(error.into()))?;
            let mut fetched = Ok(());
            let last_try = flow.job.failures + 1 >= crate::calls::MAX_FAILURES;
            for position in missing {
                let Some(url) = urls.get(position) else {
                    continue;
                };
                let bytes = match tab.fetch(&driver, &site, url, &photos::PHOTO).await {
                    Ok(photos::Fetched::Bytes(bytes)) => bytes,
                    Ok(photos::Fetched::Failed(reason)) => {
                        step_failures.push(fail(position + 1, url, reason));
                        continue;
                    }
                    // The job's last try before the queue would give it up: the photo is
                    // recorded as not downloaded and the import goes on, so one photo that never
                    // answers does not cost every later listing its photos.
                    Ok(photos::Fetched::NoAnswer(reason)) if last_try => {
                        step_failures.push(fail(position + 1, url, reason));
                        continue;
                    }
                    Ok(photos::Fetched::NoAnswer(reason)) => {
                        tracing::warn!(
                            listing_id = %item.listing_id, position = position + 1, %reason,
                            "a listing's photo had no answer: the step will run again"
                        );
                        fetched = Err(FlowError::Page(PageError::Network(reason)));
                        break;
                    }
                    Err(error) => {
                        fetched = Err(FlowError::Page(error.into()));
                        break;
                    }
                };
                let (product_id, listing_id) = (item.product_id.clone(), item.listing_id.clone());
                let attached = flow
                    .store
                    .with_store(move |store| {
                        let data_dir = store
                            .path()
                            .parent()
                            .map(std::path::Path::to_path_buf)
                            .unwrap_or_default();
                        let file = match photos::store_file(
                            &data_dir,
                            &listing_id,
                            position + 1,
                            &bytes,
                        ) {
                            Ok(file) => file,
                            Err(reason) => return Ok(Err(reason)),
                        };
                        let attached = store.attach_listing_photo(&product_id, position, &file);
                        if !matches!(attached, Ok(true)) {
                            // The item has a photo there already, is full or is gone.
                            seller_store::photos::remove(&data_dir, &[file]);
                        }
                        Ok(Ok(attached?))
                    })
                    .await;
                match attached {
                    Ok(Ok(true)) => {
                        stored += 1;
                        // Counted at once: a step run again does not fetch it again.
                        let partial = Checkpoint::Photos {
                            summary: summary.clone(),
                            remaining: remaining.clone(),
                            total,
                            stored,
                            failures: failures.clone(),
                            failures_total,
                        };
                        let done = total - remaining.len() as i64;
                        if let Err(error) = flow.checkpoint(&partial, done, Some(total)).await {
                            fetched = Err(error);
                            break;
                        }
                    }
                    Ok(Ok(false)) => {}
                    Ok(Err(reason)) => step_failures.push(fail(position + 1, url, reason)),
                    Err(error) => {
                        fetched = Err(store_error(error));
                        break;
                    }
                }
            }
            let closed = tab.close(&driver).await;
            fetched?;
            closed.map_err(|error| FlowError::Page(error.into()))?;
        }
    }
    remaining.pop();
    for failure in step_failures {
        failures_total += 1;
        if failures.len() < KEPT_FAILURES {
            failures.push(failure);
        }
    }
    let done = total - remaining.len() as i64;
    let next = Checkpoint::Photos {
        summary,
        remaining,
        total,
        stored,
        failures,
        failures_total,
    };
    flow.checkpoint(&next, done, Some(total)).await?;
    Ok(next)
}
