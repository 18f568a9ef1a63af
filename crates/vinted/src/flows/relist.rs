//! Relisting a listing safely (`docs/VINTED.md`, "Relist patterns in use"): the copy is
//! published first through the upload form with the item's photos uploaded afresh, confirmed
//! live by reading the wardrobe back, and only then is the old listing hidden and deleted.
//! Every step is checkpointed, so an interrupted relist goes on where it stopped: never a
//! second copy (the copy's publish adopts what an earlier try made), never a loss (the old one
//! goes only once the copy is live). The copy's publish click counts against the relist caps.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Flow;
use super::publish::{self, Outcome, Phase as PublishPhase, PublishState};
use crate::StoreAccess;
use crate::calls::{Fixable, FlowError, Sent, store_error};
use crate::pacing::Action;
use crate::page::{Call, PageError};
use crate::reply::Refusal;
use crate::site::route;
use crate::wardrobe::ListingStatus;

/// What the person asked for.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RelistRequest {
    /// Vinted's id of the listing to relist.
    pub listing_id: String,
    /// Leave the listing alone when it was favourited within this many days (a person may be
    /// about to buy it). A favourite's date comes from the favourite notifications the app
    /// recorded; favourites the wardrobe counts beyond those have no known date and count as
    /// recent, since nothing shows they are old.
    #[serde(default)]
    pub skip_if_favourited_within_days: Option<u32>,
}

/// Where a relist stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Phase {
    /// The copy is being published.
    Copy,
    /// The copy is live on Vinted.
    Confirmed,
    /// The old listing is hidden.
    Hidden,
    /// The old listing is deleted.
    Deleted,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Checkpoint {
    phase: Phase,
    product_id: String,
    publish: PublishState,
    new_listing_id: Option<String>,
}

const STEPS: i64 = 4;

pub async fn run<S: StoreAccess>(flow: &mut Flow<'_, S>) -> Result<Value, FlowError> {
    let request: RelistRequest =
        serde_json::from_value(flow.job.payload.clone()).map_err(|error| {
            FlowError::Invalid(format!("the relist's settings are not valid: {error}"))
        })?;
    let old: u64 = request.listing_id.trim().parse().map_err(|_| {
        FlowError::Invalid(format!(
            "{:?} is not a Vinted listing id",
            request.listing_id
        ))
    })?;
    let old_id = old.to_string();
    let mut checkpoint = match flow.job.checkpoint.clone() {
        Some(saved) => serde_json::from_value(saved).map_err(|error| {
            FlowError::Invalid(format!("the relist's checkpoint is not valid: {error}"))
        })?,
        None => {
            let (account, id) = (flow.caller.account_id.clone(), old_id.clone());
            let product_id = flow
                .store
                .with_store(move |store| Ok(store.product_id_of_listing(&account, &id)?))
                .await
                .map_err(store_error)?
                .ok_or_else(|| {
                    FlowError::Fixable(Fixable::NotLinked {
                        listing_id: old_id.clone(),
                    })
                })?;
            // Only a listing still live is relisted: a sold one must not come back on sale,
            // and one already replaced (a second click) must not get a second copy.
            match flow
                .paced
                .read_item(Call::get(route::item_upload_item(old)))
                .await
            {
                Ok(_) => {}
                Err(FlowError::Vinted(Refusal::NotFound)) => {
                    return Err(FlowError::Fixable(Fixable::ListingGone {
                        listing_id: old_id,
                    }));
                }
                Err(error) => return Err(error),
            }
            if let Some(days) = request.skip_if_favourited_within_days
                && let Some(item) = publish::newest_listings(flow)
                    .await?
                    .into_iter()
                    .find(|item| item.id == old_id)
                && item.favourite_count.unwrap_or(0) > 0
                && favourited_within(
                    i64::from(item.favourite_count.unwrap_or(0)),
                    &favourite_dates(flow, &old_id).await?,
                    days,
                    chrono::Utc::now(),
                )
            {
                return Ok(json!({
                    "oldListingId": old_id,
                    "skipped": "favourited",
                    "favourites": item.favourite_count,
                }));
            }
            Checkpoint {
                phase: Phase::Copy,
                product_id,
                publish: PublishState::default(),
                new_listing_id: None,
            }
        }
    };

    if checkpoint.phase == Phase::Copy {
        let saved = checkpoint.clone();
        let wrap = move |state: &PublishState| {
            let mut whole = saved.clone();
            whole.publish = state.clone();
            serde_json::to_value(whole).unwrap_or(Value::Null)
        };
        let outcome = publish::publish_product(
            flow,
            &checkpoint.product_id,
            Action::Relist,
            Some(&old_id),
            checkpoint.publish.clone(),
            &wrap,
        )
        .await?;
        match outcome {
            Outcome::DryRun { payload } => {
                return dry_run_rest(flow, old, payload).await;
            }
            Outcome::Published { listing_id, .. } => {
                checkpoint.publish.phase = PublishPhase::Published;
                checkpoint.publish.listing_id = Some(listing_id.clone());
                checkpoint.new_listing_id = Some(listing_id);
            }
        }
        confirm_live(flow, &checkpoint).await?;
        checkpoint.phase = Phase::Confirmed;
        flow.checkpoint(&checkpoint, 1, Some(STEPS)).await?;
    }
    // The copy is live: from here a cancel would leave two listings of one item on sale.
    flow.paced.finish_regardless_of_cancel().await?;
    if checkpoint.phase == Phase::Confirmed {
        let call = Call::send(
            "PUT",
            route::item_is_hidden(old),
            Some(json!({"is_hidden": true})),
        );
        let summary = json!({"listingId": old_id, "isHidden": true, "relist": true});
        match flow.paced.write_item(Action::Write, call, summary).await {
            Ok(_) => {
                // VINTED.md: a hide is checked by reading the listing back.
                match flow
                    .paced
                    .read_item(Call::get(route::item_upload_item(old)))
                    .await
                {
                    Ok(answer) if answer["item"]["is_hidden"] == json!(true) => {}
                    Ok(_) => tracing::warn!(
                        listing_id = %old_id,
                        "the old listing still reads as shown after the hide; deleting it anyway"
                    ),
                    Err(FlowError::Vinted(Refusal::NotFound)) => {}
                    Err(error) => return Err(error),
                }
            }
            Err(FlowError::Vinted(Refusal::NotFound)) => {}
            Err(error) => return Err(error),
        }
        checkpoint.phase = Phase::Hidden;
        flow.checkpoint(&checkpoint, 2, Some(STEPS)).await?;
    }
    if checkpoint.phase == Phase::Hidden {
        let call = Call::send("POST", route::item_delete(old), None);
        let summary = json!({"listingId": old_id, "relist": true});
        match flow.paced.write_item(Action::Write, call, summary).await {
            // Already gone: an earlier try's delete went through without its answer.
            Ok(_) | Err(FlowError::Vinted(Refusal::NotFound)) => {}
            Err(error) => return Err(error),
        }
        let (account, id) = (flow.caller.account_id.clone(), old_id.clone());
        flow.store
            .with_store(move |store| Ok(store.mark_published_listing_deleted(&account, &id)?))
            .await
            .map_err(store_error)?;
        checkpoint.phase = Phase::Deleted;
        flow.checkpoint(&checkpoint, STEPS, Some(STEPS)).await?;
    }
    Ok(json!({
        "oldListingId": old_id,
        "newListingId": checkpoint.new_listing_id,
        "productId": checkpoint.product_id,
    }))
}

/// The dates of the listing's favourites the app recorded.
async fn favourite_dates<S: StoreAccess>(
    flow: &Flow<'_, S>,
    listing_id: &str,
) -> Result<Vec<chrono::DateTime<chrono::Utc>>, FlowError> {
    let (account, id) = (flow.caller.account_id.clone(), listing_id.to_owned());
    let dates = flow
        .store
        .with_store(move |store| Ok(store.listing_favourite_dates(&account, &id)?))
        .await
        .map_err(store_error)?;
    Ok(dates
        .iter()
        .filter_map(|at| crate::parse_time(at))
        .collect())
}

/// Whether a listing with `count` favourites (the wardrobe's figure), of which `dates` are
/// known, was favourited within `days` of `now`. Favourites beyond the dated ones have no
/// known date: they count as recent.
fn favourited_within(
    count: i64,
    dates: &[chrono::DateTime<chrono::Utc>],
    days: u32,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    let since = now - chrono::Duration::days(i64::from(days));
    let undated = count > i64::try_from(dates.len()).unwrap_or(i64::MAX);
    undated || dates.iter().any(|at| *at >= since)
}

/// The copy is in the wardrobe, live; otherwise the relist waits and looks again, the old
/// listing untouched.
async fn confirm_live<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    checkpoint: &Checkpoint,
) -> Result<(), FlowError> {
    let Some(new_id) = checkpoint.new_listing_id.clone() else {
        return Err(FlowError::Invalid("the copy has no listing id".to_owned()));
    };
    for look in 0..3 {
        if look > 0 {
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        }
        let live = publish::newest_listings(flow)
            .await?
            .into_iter()
            .any(|item| item.id == new_id && item.status == ListingStatus::Active);
        if live {
            return Ok(());
        }
    }
    flow.checkpoint(checkpoint, 1, Some(STEPS)).await?;
    Err(FlowError::Page(PageError::Network(format!(
        "the copy {new_id} is not live in the wardrobe yet; the old listing is kept"
    ))))
}

/// A dry run records the hide and the delete it would send after the copy.
async fn dry_run_rest<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    old: u64,
    payload: Value,
) -> Result<Value, FlowError> {
    let hide = Call::send(
        "PUT",
        route::item_is_hidden(old),
        Some(json!({"is_hidden": true})),
    );
    let hidden = flow
        .paced
        .write(
            Action::Write,
            hide,
            json!({"listingId": old.to_string(), "isHidden": true, "relist": true}),
        )
        .await?;
    let delete = Call::send("POST", route::item_delete(old), None);
    let deleted = flow
        .paced
        .write(
            Action::Write,
            delete,
            json!({"listingId": old.to_string(), "relist": true}),
        )
        .await?;
    debug_assert!(matches!(hidden, Sent::DryRun) && matches!(deleted, Sent::DryRun));
    Ok(json!({"oldListingId": old.to_string(), "dryRun": true, "payload": payload}))
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, Utc};

    use super::favourited_within;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-07T18:00:00Z")
            .expect("a date")
            .with_timezone(&Utc)
    }

    #[test]
    fn favourites_count_only_within_the_days_asked() {
        let recent = now() - Duration::days(2);
        let old = now() - Duration::days(30);
        // Favourited 2 days ago: skipped with 7 days, not with 1.
        assert!(favourited_within(1, &[recent], 7, now()));
        assert!(!favourited_within(1, &[recent], 1, now()));
        // Only old favourites: not skipped.
        assert!(!favourited_within(2, &[old, old], 7, now()));
        // One recent among old ones: skipped.
        assert!(favourited_within(2, &[old, recent], 7, now()));
        // On the edge: exactly N days ago is within.
        assert!(favourited_within(1, &[now() - Duration::days(7)], 7, now()));
        // More favourites than known dates: the undated one may be recent.
        assert!(favourited_within(3, &[old, old], 7, now()));
        // Days 0: only a favourite of this very moment (or an undated one) counts.
        assert!(!favourited_within(1, &[recent], 0, now()));
    }
}
