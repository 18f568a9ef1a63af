//! Publishing an inventory item on Vinted through the upload form, as a person does
//! (`docs/VINTED.md`, "Upload form" and "Write endpoints"): the item is checked and mapped to
//! Vinted's ids before anything is sent, its photos are uploaded in order, every field filled,
//! and the publish click is a paced, audited write (only recorded in a dry run).
//!
//! Never twice: the job saves `{phase: "submitted", submittedAt, title, priceCents}` just
//! before the click. A job that resumes from there, one with an earlier turn that did not
//! succeed, or any publish of an item another job clicked for without learning the outcome,
//! first reads the wardrobe (newest first) and adopts a listing of the same title and price
//! made since, instead of publishing again. Each try is an attempt row
//! (`pending`, then `success` or `failed` with Vinted's message); the form is reloaded and
//! filled again when it breaks halfway, twice at most.

pub mod checks;
pub mod form;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Flow;
use crate::calls::{Fixable, FlowError, Paced, store_error};
use crate::pacing::Action;
use crate::page::{Call, Page, PageError};
use crate::reference::{self, Lookup, Mapping, Problem};
use crate::reply::Refusal;
use crate::site::{header, route};
use crate::wardrobe::{self, ListingStatus, WardrobeItem};
use crate::{StoreAccess, parse_time, rfc3339};
use form::{Fill, FormInput, Submitted};
use seller_store::products::Product;
use seller_store::vinted::publish::CLICK_OUTCOME_UNKNOWN;
use seller_store::vinted::{NewPublishedListing, PublishAttemptStatus};

/// Times the form is filled in one run of a job: the first fill and two reloads.
const FORM_TRIES: u32 = 3;
/// A listing's date is its earliest photo's; photos go up before the click, and Vinted's clock
/// is not this machine's.
const CLOCK_SLACK: chrono::Duration = chrono::Duration::minutes(10);
/// How far back a synced attempt whose click has an unknown outcome still opens the adoption
/// window: a lost click found in the wardrobe within a week, not a window of months.
const UNSETTLED_ATTEMPT_AGE: chrono::Duration = chrono::Duration::days(7);
/// Reads of the wardrobe for a listing Vinted took but the page did not name.
const WARDROBE_LOOKS: u32 = 3;
const WARDROBE_LOOK_GAP: Duration = Duration::from_secs(2);

/// What the person asked for.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PublishRequest {
    pub product_id: String,
}

/// Where a publish stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Nothing was clicked yet in this try.
    #[default]
    Filling,
    /// The publish click may have happened: look in the wardrobe before anything else.
    Submitted,
    /// Vinted has it.
    Published,
}

/// A publish's checkpoint (the publish job's whole checkpoint; part of a relist's).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishState {
    pub phase: Phase,
    /// When this run of the job began (before the photos went up).
    pub started_at: Option<String>,
    pub submitted_at: Option<String>,
    pub title: Option<String>,
    pub price_cents: Option<i64>,
    /// The attempt row of the try in progress.
    pub attempt_id: Option<String>,
    pub listing_id: Option<String>,
}

/// What came of a publish.
pub enum Outcome {
    Published {
        listing_id: String,
        url: String,
        adopted: bool,
    },
    /// A dry run: the create body that would have been sent.
    DryRun { payload: Value },
}

pub async fn run<S: StoreAccess>(flow: &mut Flow<'_, S>) -> Result<Value, FlowError> {
    let request: PublishRequest =
        serde_json::from_value(flow.job.payload.clone()).map_err(|error| {
            FlowError::Invalid(format!("the publish's settings are not valid: {error}"))
        })?;
    let state: PublishState = match flow.job.checkpoint.clone() {
        Some(saved) => serde_json::from_value(saved).map_err(|error| {
            FlowError::Invalid(format!("the publish's checkpoint is not valid: {error}"))
        })?,
        None => PublishState::default(),
    };
    let outcome = publish_product(
        flow,
        &request.product_id,
        Action::Write,
        None,
        state,
        &|state| serde_json::to_value(state).unwrap_or(Value::Null),
    )
    .await?;
    Ok(match outcome {
        Outcome::Published {
            listing_id,
            url,
            adopted,
        } => json!({
            "productId": request.product_id,
            "listingId": listing_id,
            "url": url,
            "adopted": adopted,
        }),
        Outcome::DryRun { payload } => json!({
            "productId": request.product_id,
            "dryRun": true,
            "payload": payload,
        }),
    })
}

/// Publishes the item (or adopts the listing an earlier try made). `action` is
/// [`Action::Relist`] for a relist's copy; `exclude` a listing that must never be taken for the
/// new one (the relisted original). `wrap` turns the publish's state into the job's checkpoint.
pub async fn publish_product<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    product_id: &str,
    action: Action,
    exclude: Option<&str>,
    mut state: PublishState,
    wrap: &(dyn Fn(&PublishState) -> Value + Sync),
) -> Result<Outcome, FlowError> {
    let (product, data_dir) = load_product(flow, product_id).await?;
    let base_url = flow.paced.page().base_url().to_owned();
    if let (Phase::Published, Some(listing_id)) = (state.phase, &state.listing_id) {
        return Ok(Outcome::Published {
            url: listing_url(&base_url, listing_id),
            listing_id: listing_id.clone(),
            adopted: true,
        });
    }

    if exclude.is_none()
        && let Some(listed) = listed_already(flow, &product).await?
    {
        return Ok(Outcome::Published {
            url: listed
                .vinted_url
                .clone()
                .unwrap_or_else(|| listing_url(&base_url, &listed.id)),
            listing_id: listed.vinted_listing_id.unwrap_or(listed.id),
            adopted: true,
        });
    }
    if !flow.caller.dry_run
        && let Some(since) = adoption_since(flow, &product, &state).await?
    {
        let title = state.title.clone().unwrap_or_else(|| product.title.clone());
        let price = state.price_cents.unwrap_or(product.price_cents);
        if let Some(found) = find_listing(flow, &product, &title, price, since, exclude).await? {
            tracing::info!(product_id, listing_id = %found.id, "an earlier try had published it: adopted");
            let url = found_url(&base_url, &found);
            // The adoption is this try's outcome: its attempt row says it succeeded.
            let attempt = match state.attempt_id.take() {
                Some(attempt) => attempt,
                None => start_attempt(flow, &product.id).await?,
            };
            record(flow, &product, &found.id, &url, Some(attempt)).await?;
            return Ok(Outcome::Published {
                listing_id: found.id,
                url,
                adopted: true,
            });
        }
    }

    let mapping = {
        let mut lookup = Lookup::through(flow.store.clone(), &base_url, &mut flow.paced);
        if checks::check_fields(&product)
            .iter()
            .any(|p| p.field == "category")
        {
            Mapping::default()
        } else {
            reference::map_product(&mut lookup, &product).await?
        }
    };
    let problems = checks::all_problems(&product, &mapping, &data_dir);
    if !problems.is_empty() {
        return Err(refuse_before_sending(flow, &product, &problems).await?);
    }
    let body = checks::create_body(&product, &mapping);
    let call = create_call(&body);

    if flow.caller.dry_run {
        flow.paced
            .write_through_page(action, call, body.clone(), async |_page: &mut Page| Ok(()))
            .await?;
        return Ok(Outcome::DryRun { payload: body });
    }

    let input = form_input(&product, &mapping, &data_dir)?;
    state.started_at = Some(
        state
            .started_at
            .clone()
            .unwrap_or_else(seller_store::now_rfc3339),
    );
    state.title = Some(product.title.trim().to_owned());
    state.price_cents = Some(product.price_cents);
    let mut denied_once = false;
    let mut tries = 0;
    let mut broke = String::new();
    while tries < FORM_TRIES {
        tries += 1;
        // The click's turn before the first photo goes up: a capped or cooled-down publish
        // uploads nothing now, and nothing twice later.
        flow.paced.reserve_write_turn(action).await?;
        if state.attempt_id.is_none() {
            state.attempt_id = Some(start_attempt(flow, &product.id).await?);
        }
        state.phase = Phase::Filling;
        flow.checkpoint(&wrap(&state), 0, Some(1)).await?;
        if flow.paced.is_cancelled() {
            return Err(FlowError::Cancelled);
        }
        let driver = flow.paced.page().driver().clone();
        let filled = match form::open(&driver, &base_url).await {
            Ok(()) => form::fill(&driver, &input).await,
            Err(error) => Err(error),
        };
        match filled {
            Ok(()) => {}
            Err(Fill::Broken(why)) => {
                tracing::warn!(product_id, try_ = tries, %why, "the upload form broke: reloading it");
                broke = why;
                continue;
            }
            Err(Fill::Page(error)) => {
                let error = FlowError::Page(error);
                fail_attempt(flow, &mut state, &error.to_string()).await?;
                return Err(error);
            }
            Err(Fill::Refused(refusal)) => {
                // A 403 on a photo: a restriction (or a challenge, an expired login) says so in
                // the profile; otherwise a stale token, which a fresh form mends.
                let refusal = match refusal {
                    Refusal::AccessDenied => match restriction_of(&mut flow.paced).await {
                        Ok(Some(refusal)) => refusal,
                        // The profile's read was itself refused or held back (and recorded for
                        // the account as such): this try ends here.
                        Err(error) => {
                            fail_attempt(flow, &mut state, &error_text(&error)).await?;
                            flow.checkpoint(&wrap(&state), 0, Some(1)).await?;
                            return Err(error);
                        }
                        Ok(None) => {
                            tracing::warn!(
                                product_id,
                                try_ = tries,
                                "a photo upload was refused (403): reloading the form"
                            );
                            broke = "a photo upload was refused (HTTP 403)".to_owned();
                            continue;
                        }
                    },
                    other => other,
                };
                // Nothing was created: the account waits (a cooldown, the person) before any
                // other write, and this try ends here.
                let error = flow.paced.refused_on_page(refusal).await?;
                fail_attempt(flow, &mut state, &error_text(&error)).await?;
                flow.checkpoint(&wrap(&state), 0, Some(1)).await?;
                return Err(error);
            }
        }

        state.phase = Phase::Submitted;
        state.submitted_at = Some(seller_store::now_rfc3339());
        flow.checkpoint(&wrap(&state), 0, Some(1)).await?;
        // A 403 is held back from the account's record until the profile is read: the page
        // shows only the 403, not its body.
        let sent = flow
            .paced
            .write_through_page_holding(
                action,
                call.clone(),
                body.clone(),
                |refusal| matches!(refusal, Refusal::AccessDenied),
                async |page: &mut Page| {
                    form::submit(page.driver())
                        .await?
                        .map_err(FlowError::Vinted)
                },
            )
            .await;
        let sent = match sent {
            // A restricted account answers every write so, and its profile says until when
            // (or an expired login, a challenge): no stale token, the account's writes pause
            // and nothing is tried again. The profile is read like any other read, paced.
            Ok(Some(Err(denied))) => match restriction_of(&mut flow.paced).await {
                // A stale token on the form: a fresh form has a fresh one (once).
                Ok(None) if !denied_once => {
                    tracing::info!(
                        product_id,
                        "the form's create was refused with 106: reloading the form once"
                    );
                    denied_once = true;
                    tries -= 1;
                    continue;
                }
                Ok(found) => Err(flow
                    .paced
                    .refused_on_page(found.unwrap_or(denied))
                    .await
                    .unwrap_or_else(|error| error)),
                Err(error) => Err(error),
            },
            Ok(Some(Ok(submitted))) => Ok(Some(submitted)),
            Ok(None) => Ok(None),
            Err(error) => Err(error),
        };
        let listing_id = match sent {
            Ok(Some(Submitted::Created(Some(id)))) => Some(id.to_string()),
            Ok(Some(Submitted::Created(None))) => None,
            Ok(Some(Submitted::Unknown(why))) => {
                let since = since_started(&state);
                let price = product.price_cents;
                let title = product.title.trim().to_owned();
                if let Some(found) =
                    find_listing(flow, &product, &title, price, since, exclude).await?
                {
                    Some(found.id)
                } else {
                    let error = FlowError::Page(PageError::Network(format!(
                        "the publish click got no answer ({why}); the wardrobe will be checked before trying again"
                    )));
                    fail_attempt_after_click(flow, &mut state, &error.to_string()).await?;
                    flow.checkpoint(&wrap(&state), 0, Some(1)).await?;
                    return Err(error);
                }
            }
            Ok(None) => return Err(FlowError::Invalid("a dry run reached the form".to_owned())),
            Err(error) => {
                // A refusal made nothing; a server error or a lost answer may have.
                let made_nothing =
                    matches!(
                        &error,
                        FlowError::Vinted(refusal) if !matches!(refusal, Refusal::Server { .. })
                    ) || matches!(error, FlowError::Paced { .. } | FlowError::Attention(_));
                if made_nothing {
                    state.phase = Phase::Filling;
                    fail_attempt(flow, &mut state, &error.to_string()).await?;
                } else {
                    fail_attempt_after_click(flow, &mut state, &error.to_string()).await?;
                }
                flow.checkpoint(&wrap(&state), 0, Some(1)).await?;
                return Err(error);
            }
        };
        let listing_id = match listing_id {
            Some(id) => id,
            None => {
                let since = since_started(&state);
                let title = product.title.trim().to_owned();
                let mut found = None;
                for look in 0..WARDROBE_LOOKS {
                    if look > 0 {
                        tokio::time::sleep(WARDROBE_LOOK_GAP).await;
                    }
                    found =
                        find_listing(flow, &product, &title, product.price_cents, since, exclude)
                            .await?;
                    if found.is_some() {
                        break;
                    }
                }
                match found {
                    Some(found) => found.id,
                    None => {
                        let error = FlowError::Page(PageError::Network(
                            "Vinted took the listing but the wardrobe does not show it yet"
                                .to_owned(),
                        ));
                        flow.checkpoint(&wrap(&state), 0, Some(1)).await?;
                        return Err(error);
                    }
                }
            }
        };
        let url = listing_url(&base_url, &listing_id);
        record(flow, &product, &listing_id, &url, state.attempt_id.take()).await?;
        state.phase = Phase::Published;
        state.listing_id = Some(listing_id.clone());
        flow.checkpoint(&wrap(&state), 1, Some(1)).await?;
        return Ok(Outcome::Published {
            listing_id,
            url,
            adopted: false,
        });
    }
    let error = FlowError::Page(PageError::Browser(format!(
        "the upload form broke {FORM_TRIES} times: {broke}"
    )));
    fail_attempt(flow, &mut state, &error.to_string()).await?;
    flow.checkpoint(&wrap(&state), 0, Some(1)).await?;
    Err(error)
}

/// After a 403 on a photo upload or on the publish click: the account's own profile tells a
/// restriction (or an expired login, or a challenge) from a stale token. Read like any other
/// read, through the pacing (its turn, its gap after the last read, a refusal recorded for the
/// account); `None` when the profile shows none of these, or cannot be read (the stale-token
/// path then goes on as before). A refusal or a wait of the read itself ends the try with its
/// error.
async fn restriction_of<S: StoreAccess>(
    paced: &mut Paced<'_, S>,
) -> Result<Option<Refusal>, FlowError> {
    let now = Utc::now();
    match paced.read(Call::get(route::USERS_CURRENT)).await {
        Ok(profile) => Ok(crate::reply::restriction_in_profile(&profile, now)),
        Err(error @ (FlowError::Attention(_) | FlowError::Paced { .. } | FlowError::Cancelled)) => {
            Err(error)
        }
        Err(error) => {
            tracing::warn!(%error, "the profile could not be read after a 403 on the form");
            Ok(None)
        }
    }
}

/// What an attempt row says of the error a try stopped with.
fn error_text(error: &FlowError) -> String {
    match error {
        FlowError::Attention(attention) => {
            format!("the account needs attention: {}", attention.as_str())
        }
        other => other.to_string(),
    }
}

async fn load_product<S: StoreAccess>(
    flow: &Flow<'_, S>,
    product_id: &str,
) -> Result<(Product, PathBuf), FlowError> {
    let id = product_id.to_owned();
    let found = flow
        .store
        .with_store(move |store| {
            let data_dir = store
                .path()
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            Ok(store.product(&id).map(|product| (product, data_dir)))
        })
        .await
        .map_err(store_error)?;
    found.map_err(|error| FlowError::Invalid(format!("the item cannot be read: {error}")))
}

/// The item's live listing on this account that the app published, if any: a plain publish
/// never makes a second one (a relist does, on purpose). The local row alone is not believed:
/// Vinted is asked whether the listing is still there (`GET /api/v2/item_upload/items/{id}`),
/// and on its 404 the wardrobe tells sold or reserved (the item is not published again) from
/// deleted (the rows say so, and the item is published anew), so a listing deleted on Vinted
/// never blocks the item for good.
async fn listed_already<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    product: &Product,
) -> Result<Option<seller_store::vinted::PublishedListing>, FlowError> {
    let (id, account) = (product.id.clone(), flow.caller.account_id.clone());
    let listings = flow
        .store
        .with_store(move |store| Ok(store.published_listings_of(&id)?))
        .await
        .map_err(store_error)?;
    let Some(listed) = listings.into_iter().find(|listing| {
        listing.account_id.as_deref() == Some(account.as_str())
            && listing.status == seller_store::vinted::ListingStatus::Active
            && listing.vinted_listing_id.is_some()
    }) else {
        return Ok(None);
    };
    let Some(item_id) = listed
        .vinted_listing_id
        .as_deref()
        .and_then(|id| id.trim().parse::<u64>().ok())
    else {
        // Not a Vinted id: nothing to ask Vinted about; the row stands.
        return Ok(Some(listed));
    };
    match flow
        .paced
        .read_item(Call::get(route::item_upload_item(item_id)))
        .await
    {
        Ok(_) => return Ok(Some(listed)),
        Err(FlowError::Vinted(Refusal::NotFound)) => {}
        Err(other) => return Err(other),
    }
    let listing_id = item_id.to_string();
    let gone = match super::edit::wardrobe_status(flow, item_id).await? {
        None => None,
        Some(status @ (ListingStatus::Sold | ListingStatus::Reserved)) => Some(status),
        // The wardrobe still shows it on sale: the editing read's 404 was something else.
        Some(_) => return Ok(Some(listed)),
    };
    let (account, id) = (flow.caller.account_id.clone(), listing_id.clone());
    match gone {
        None => {
            tracing::info!(listing_id = %listing_id, "the item's listing was deleted on Vinted: publishing it anew");
            flow.store
                .with_store(move |store| Ok(store.mark_published_listing_deleted(&account, &id)?))
                .await
                .map_err(store_error)?;
            Ok(None)
        }
        Some(status) => {
            let stored = if status == ListingStatus::Sold {
                seller_store::vinted::ListingStatus::Sold
            } else {
                seller_store::vinted::ListingStatus::Reserved
            };
            flow.store
                .with_store(move |store| Ok(store.set_listing_status(&account, &id, stored)?))
                .await
                .map_err(store_error)?;
            Err(FlowError::Fixable(Fixable::AlreadySold { listing_id }))
        }
    }
}

/// From when a listing in the wardrobe may be the one this item's publish made, when the
/// wardrobe must be looked at first: this try was submitted, an earlier turn of this job did
/// not succeed, or another job's publish click of this item has an outcome nobody knows (see
/// [`adoption_window`]).
async fn adoption_since<S: StoreAccess>(
    flow: &Flow<'_, S>,
    product: &Product,
    state: &PublishState,
) -> Result<Option<DateTime<Utc>>, FlowError> {
    if state.phase == Phase::Submitted {
        return Ok(Some(since_started(state)));
    }
    let (id, account, job) = (
        product.id.clone(),
        flow.caller.account_id.clone(),
        flow.job.id.clone(),
    );
    let synced_since = rfc3339(Utc::now() - UNSETTLED_ATTEMPT_AGE);
    let (attempts, unsettled, unsettled_synced) = flow
        .store
        .with_store(move |store| {
            Ok((
                store.publish_attempts(&id)?,
                store.unsettled_publish_click(&account, &id, &job)?,
                store.unsettled_publish_attempt(&account, &id, &synced_since)?,
            ))
        })
        .await
        .map_err(store_error)?;
    let own: Vec<DateTime<Utc>> = attempts
        .iter()
        .filter(|a| a.account_id.as_deref() == Some(flow.caller.account_id.as_str()))
        .filter(|a| a.status != PublishAttemptStatus::Success)
        .filter_map(|a| parse_time(&a.created_at))
        .collect();
    let unsettled = [unsettled, unsettled_synced]
        .iter()
        .flatten()
        .filter_map(|at| parse_time(at))
        .min();
    Ok(adoption_window(
        parse_time(&flow.job.created_at),
        &own,
        unsettled,
    ))
}

/// The adoption window from this job's unsuccessful attempts (those made since the job was
/// queued: an attempt row names no job) and the earliest unsettled click of another job (its
/// `submitted` checkpoint in this device's queue) or of any device (a synced attempt still
/// pending or failed after its click with an outcome unknown, no older than
/// [`UNSETTLED_ATTEMPT_AGE`]).
///
/// Not every failed attempt of the item: most failures made nothing (a refusal, a problem
/// found before sending), and an old one would open a window of months in which any listing
/// of the same title and price counts as this item's, a wardrobe read added to every publish.
/// What may have made a listing is a click whose answer was lost; within this job it leaves
/// its attempt (and its `submitted` checkpoint), in another job its `submitted` checkpoint,
/// and on another device its attempt marked [`CLICK_OUTCOME_UNKNOWN`] (or left pending), which
/// `unsettled` carries.
fn adoption_window(
    job_created: Option<DateTime<Utc>>,
    own_failed_attempts: &[DateTime<Utc>],
    unsettled: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    let own = own_failed_attempts
        .iter()
        .copied()
        // Attempt rows carry the store's clock, like the job's creation: no slack needed here.
        .filter(|at| job_created.is_none_or(|created| *at >= created))
        .min();
    [own, unsettled]
        .into_iter()
        .flatten()
        .min()
        .map(|at| at - CLOCK_SLACK)
}

fn since_started(state: &PublishState) -> DateTime<Utc> {
    state
        .started_at
        .as_deref()
        .and_then(parse_time)
        .unwrap_or_else(Utc::now)
        - CLOCK_SLACK
}

/// The newest listing of the wardrobe with this title and price, listed since `since`, that is
/// not `exclude` nor a listing the app published for another item.
async fn find_listing<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    product: &Product,
    title: &str,
    price_cents: i64,
    since: DateTime<Utc>,
    exclude: Option<&str>,
) -> Result<Option<WardrobeItem>, FlowError> {
    let items = newest_listings(flow).await?;
    for item in items {
        let same = item.title.trim() == title
            && item.price_cents == price_cents
            && Some(item.id.as_str()) != exclude
            && !matches!(item.status, ListingStatus::Sold)
            // A listing of unknown date cannot be told from an older one of the same title.
            && item
                .listed_at
                .as_deref()
                .and_then(parse_time)
                .is_some_and(|at| at >= since);
        if !same {
            continue;
        }
        let (account, id) = (flow.caller.account_id.clone(), item.id.clone());
        // A listing already tied to another item (published for it, or linked by its SKU) is
        // that item's, even with the same title and price.
        let owner = flow
            .store
            .with_store(move |store| Ok(store.product_id_of_listing(&account, &id)?))
            .await
            .map_err(store_error)?;
        if owner.is_none_or(|owner| owner == product.id) {
            return Ok(Some(item));
        }
    }
    Ok(None)
}

/// The first page of the account's wardrobe, newest first.
pub async fn newest_listings<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
) -> Result<Vec<WardrobeItem>, FlowError> {
    let user = current_user_id(flow).await?;
    let order = route::WardrobeOrder::NewestFirst;
    let answer = match flow
        .paced
        .read(Call::get(route::user_items(user, 1, 40, order)))
        .await
    {
        Ok(answer) => answer,
        Err(FlowError::Vinted(refusal))
            if refusal.is_route_refused() || matches!(refusal, Refusal::EndpointMoved { .. }) =>
        {
            flow.paced
                .read(Call::get(route::wardrobe_items(user, 1, 40, order)))
                .await?
        }
        Err(other) => return Err(other),
    };
    Ok(wardrobe::parse_page(&answer)
        .map_err(|error| FlowError::Invalid(error.to_string()))?
        .items)
}

async fn current_user_id<S: StoreAccess>(flow: &mut Flow<'_, S>) -> Result<u64, FlowError> {
    let answer = match flow.paced.read(Call::get(route::USERS_CURRENT)).await {
        Err(FlowError::Vinted(refusal))
            if refusal.is_route_refused() || matches!(refusal, Refusal::EndpointMoved { .. }) =>
        {
            flow.paced.read(Call::get(route::USERS_ME)).await?
        }
        other => other?,
    };
    let id = &answer["user"]["id"];
    id.as_u64()
        .or_else(|| id.as_str().and_then(|s| s.parse().ok()))
        .ok_or(FlowError::Vinted(Refusal::EndpointMoved { status: 200 }))
}

fn create_call(body: &Value) -> Call {
    let mut call = Call::send("POST", route::ITEM_UPLOAD_ITEMS, Some(body.clone()));
    for (name, value) in header::UPLOAD_FLAGS {
        call = call.with_header(name, value);
    }
    call
}

fn listing_url(base_url: &str, listing_id: &str) -> String {
    format!("{}/items/{listing_id}", base_url.trim_end_matches('/'))
}

fn found_url(base_url: &str, item: &WardrobeItem) -> String {
    if item.url.starts_with("http") {
        item.url.clone()
    } else {
        listing_url(base_url, &item.id)
    }
}

fn form_input(
    product: &Product,
    mapping: &Mapping,
    data_dir: &Path,
) -> Result<FormInput, FlowError> {
    let missing = |what: &str| FlowError::Invalid(format!("the mapping has no {what}"));
    let catalog = mapping
        .catalog
        .as_ref()
        .ok_or_else(|| missing("category"))?;
    let photos = product
        .photos
        .iter()
        .map(|file| std::path::absolute(data_dir.join(file)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| FlowError::Invalid(format!("a photo path: {error}")))?;
    Ok(FormInput {
        photos,
        title: product.title.trim().to_owned(),
        description: product.description.trim().to_owned(),
        catalog_path: catalog.path.iter().map(|n| n.id).collect(),
        brand: mapping.brand.as_ref().map(|b| b.title.clone()),
        size: mapping.size.as_ref().map(|s| s.title.clone()),
        condition: mapping
            .condition
            .as_ref()
            .map(|c| c.title.clone())
            .ok_or_else(|| missing("condition"))?,
        colors: mapping.colors.iter().map(|c| c.title.clone()).collect(),
        materials: mapping.materials.iter().map(|m| m.title.clone()).collect(),
        price: checks::price_text(product.price_cents),
        package_size_id: mapping
            .package_size
            .as_ref()
            .map(|p| p.id)
            .ok_or_else(|| missing("parcel size"))?,
    })
}

/// The item cannot be published as it is: a failed attempt names the problems; nothing was
/// sent. (A dry run records no attempt.)
async fn refuse_before_sending<S: StoreAccess>(
    flow: &Flow<'_, S>,
    product: &Product,
    problems: &[Problem],
) -> Result<FlowError, FlowError> {
    let message = reference::describe(problems);
    if !flow.caller.dry_run {
        let (id, account, text) = (
            product.id.clone(),
            flow.caller.account_id.clone(),
            message.clone(),
        );
        flow.store
            .with_store(move |store| {
                Ok(store.write(|tx| {
                    let attempt = tx.start_publish_attempt(&id, &account)?;
                    tx.finish_publish_attempt(&attempt, PublishAttemptStatus::Failed, Some(&text))
                })?)
            })
            .await
            .map_err(store_error)?;
    }
    Ok(FlowError::Fixable(Fixable::ItemProblems(problems.to_vec())))
}

async fn start_attempt<S: StoreAccess>(
    flow: &Flow<'_, S>,
    product_id: &str,
) -> Result<String, FlowError> {
    let (id, account) = (product_id.to_owned(), flow.caller.account_id.clone());
    flow.store
        .with_store(move |store| Ok(store.start_publish_attempt(&id, &account)?))
        .await
        .map_err(store_error)
}

async fn fail_attempt<S: StoreAccess>(
    flow: &Flow<'_, S>,
    state: &mut PublishState,
    message: &str,
) -> Result<(), FlowError> {
    let Some(attempt) = state.attempt_id.take() else {
        return Ok(());
    };
    let message = message.to_owned();
    flow.store
        .with_store(move |store| {
            Ok(store.finish_publish_attempt(
                &attempt,
                PublishAttemptStatus::Failed,
                Some(&message),
            )?)
        })
        .await
        .map_err(store_error)
}

/// The attempt failed after its click with an outcome nobody knows: its message says so
/// ([`CLICK_OUTCOME_UNKNOWN`]), so a later publish of the item, on any device the attempt is
/// synced to, looks in the wardrobe before clicking again.
async fn fail_attempt_after_click<S: StoreAccess>(
    flow: &Flow<'_, S>,
    state: &mut PublishState,
    message: &str,
) -> Result<(), FlowError> {
    fail_attempt(flow, state, &format!("{CLICK_OUTCOME_UNKNOWN}{message}")).await
}

async fn record<S: StoreAccess>(
    flow: &Flow<'_, S>,
    product: &Product,
    listing_id: &str,
    url: &str,
    attempt: Option<String>,
) -> Result<(), FlowError> {
    let listing = NewPublishedListing {
        product_id: product.id.clone(),
        account_id: flow.caller.account_id.clone(),
        vinted_listing_id: listing_id.to_owned(),
        vinted_url: Some(url.to_owned()),
        title: product.title.trim().to_owned(),
        price_cents: product.price_cents,
        photos: product.photos.clone(),
        published_date: seller_store::now_rfc3339(),
    };
    flow.store
        .with_store(move |store| {
            Ok(store.write(|tx| {
                tx.record_published_listing(&listing)?;
                if let Some(attempt) = attempt {
                    tx.finish_publish_attempt(&attempt, PublishAttemptStatus::Success, None)?;
                }
                Ok::<_, seller_store::StoreError>(())
            })?)
        })
        .await
        .map_err(store_error)
}

/// What publishing an item would send, from the reference data already cached (a preview never
/// calls Vinted): the mapped fields with their names and ids, the problems, the create body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PublishPreview {
    pub product_id: String,
    pub account_id: String,
    /// The Vinted site the reference data is for (`www.vinted.fr`).
    pub domain: String,
    /// Whether the app has read Vinted's categories for that site yet.
    pub reference_loaded: bool,
    /// Why the preview is incomplete, when it is.
    pub message: Option<String>,
    pub mapping: Mapping,
    /// Everything to fix before publishing; empty when the item can go.
    pub problems: Vec<Problem>,
    /// The create body the form is expected to post.
    #[cfg_attr(feature = "specta", specta(type = seller_store::vinted::AnyJson))]
    pub payload: Value,
}

/// Says what would be published for the item on the account, from the cache only.
pub async fn preview<S: StoreAccess>(
    store: &S,
    account_id: &str,
    product_id: &str,
) -> Result<PublishPreview, S::Error> {
    let (account, id) = (account_id.to_owned(), product_id.to_owned());
    let (base_url, product, data_dir) = store
        .with_store(move |store| {
            let base_url = store.account(&account)?.vinted_base_url;
            let product = store.product(&id)?;
            let data_dir = store
                .path()
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            Ok((base_url, product, data_dir))
        })
        .await?;
    let domain = reference::domain_of(&base_url);
    let (probe, d) = (store.clone(), domain.clone());
    let reference_loaded = probe
        .with_store(move |store| {
            Ok(store
                .cached_reference(&d, reference::kind::CATALOGS, "")?
                .is_some())
        })
        .await?;
    let mut lookup = Lookup::cached_only(store.clone(), &base_url);
    let mapping = reference::map_product(&mut lookup, &product)
        .await
        .map_err(|error| S::Error::from(crate::Error::Internal(error.to_string())))?;
    let problems = checks::all_problems(&product, &mapping, &data_dir);
    let payload = checks::create_body(&product, &mapping);
    Ok(PublishPreview {
        product_id: product.id,
        account_id: account_id.to_owned(),
        message: (!reference_loaded).then(|| {
            format!(
                "The app has not read Vinted's categories for {domain} yet: start the session so the app can read Vinted's categories."
            )
        }),
        domain,
        reference_loaded,
        mapping,
        problems,
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("a date")
            .with_timezone(&Utc)
    }

    #[test]
    fn the_adoption_window_is_the_jobs_own_attempts_or_an_unsettled_click() {
        let created = Some(at("2026-12-07T10:00:00Z"));
        let old_failure = at("2026-11-01T09:00:00Z");
        let own_failure = at("2026-12-07T10:05:00Z");
        // A failure of an earlier job (before this one was queued) opens no window.
        assert_eq!(adoption_window(created, &[old_failure], None), None);
        // This job's own failed turn does.
        assert_eq!(
            adoption_window(created, &[old_failure, own_failure], None),
            Some(own_failure - CLOCK_SLACK)
        );
        // Another job's click whose answer was lost does too, from its time.
        let click = at("2026-12-06T18:00:00Z");
        assert_eq!(
            adoption_window(created, &[old_failure], Some(click)),
            Some(click - CLOCK_SLACK)
        );
        assert_eq!(adoption_window(created, &[], None), None);
    }
}
