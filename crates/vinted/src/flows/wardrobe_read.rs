//! Reading an account's wardrobe page by page, shared by the import ([`super::import`]) and the
//! statistics ([`super::statistics`]) (`docs/VINTED.md`, "Read endpoints", wardrobe): the
//! account's user id, then each page on the route that answers (the newer one first), parsed
//! and checked; each call paced like every read.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Flow;
use crate::StoreAccess;
use crate::calls::FlowError;
use crate::page::Call;
use crate::reply::Refusal;
use crate::site::route::{self, WardrobeOrder};
use crate::wardrobe::{self, ListingStatus, WardrobeItem, WardrobePage};
use seller_store::vinted::{ListingStatus as StoredStatus, WardrobeListing};

/// Which of the two wardrobe routes answered (VINTED.md: the newer one first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Route {
    UserItems,
    Wardrobe,
}

/// The account's Vinted user id: `users/current`, or `users/me` where that moved.
pub(crate) async fn current_user_id<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
) -> Result<u64, FlowError> {
    let answer = match flow.paced.read(Call::get(route::USERS_CURRENT)).await {
        Err(FlowError::Vinted(refusal))
            if refusal.is_route_refused() || matches!(refusal, Refusal::EndpointMoved { .. }) =>
        {
            tracing::info!("users/current is gone: trying users/me");
            flow.paced.read(Call::get(route::USERS_ME)).await?
        }
        other => other?,
    };
    let id = &answer["user"]["id"];
    id.as_u64()
        .or_else(|| id.as_str().and_then(|s| s.parse().ok()))
        .ok_or(FlowError::Vinted(Refusal::EndpointMoved { status: 200 }))
}

/// Page `page` of the wardrobe, read and checked, on the route that answers (`route` is the
/// one an earlier page of the same read used, `None` on the first); an empty wardrobe is an
/// empty page.
pub(crate) async fn fetch_page<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    user_id: u64,
    route: Option<Route>,
    page: u32,
) -> Result<(Route, WardrobePage), FlowError> {
    let (route, answer) = read_wardrobe_page(flow, user_id, route, page).await?;
    let page = match answer {
        Some(answer) => {
            wardrobe::parse_page(&answer).map_err(|error| FlowError::Invalid(error.to_string()))?
        }
        None => WardrobePage::default(),
    };
    Ok((route, page))
}

/// Every listing's photo addresses, by Vinted's id, as the store records them.
pub(crate) fn photo_urls(page: &WardrobePage) -> Vec<(String, Vec<String>)> {
    page.items
        .iter()
        .map(|item| (item.id.clone(), item.photo_urls.clone()))
        .collect()
}

/// One page of the wardrobe, on the route that answers: the newer one first (VINTED.md), which
/// answers 404 for an empty wardrobe; then the older one, which says for sure. `None` is an
/// empty wardrobe.
async fn read_wardrobe_page<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    user_id: u64,
    route: Option<Route>,
    page: u32,
) -> Result<(Route, Option<Value>), FlowError> {
    let (per_page, order) = (route::WARDROBE_PER_PAGE_MAX, WardrobeOrder::NewestFirst);
    if route != Some(Route::Wardrobe) {
        let call = Call::get(route::user_items(user_id, page, per_page, order));
        match flow.paced.read(call).await {
            Ok(answer) => return Ok((Route::UserItems, Some(answer))),
            // Past the first page, the newer route's 404 is the end of the wardrobe.
            Err(FlowError::Vinted(Refusal::NotFound)) if route == Some(Route::UserItems) => {
                return Ok((Route::UserItems, None));
            }
            Err(FlowError::Vinted(refusal))
                if route.is_none()
                    && (refusal.is_route_refused()
                        || matches!(refusal, Refusal::EndpointMoved { .. })) =>
            {
                tracing::info!(
                    code = refusal.code(),
                    "the newer wardrobe route did not answer: reading the older one"
                );
            }
            Err(other) => return Err(other),
        }
    }
    let call = Call::get(route::wardrobe_items(user_id, page, per_page, order));
    let answer = flow.paced.read(call).await?;
    Ok((Route::Wardrobe, Some(answer)))
}

pub(crate) fn to_listing(item: &WardrobeItem) -> WardrobeListing {
    // `photo_urls` is written beside the row (`upsert_listings_with_photos`).
    WardrobeListing {
        listing_id: item.id.clone(),
        title: item.title.clone(),
        photo_url: item.photo_url.clone(),
        price_cents: item.price_cents,
        status: match item.status {
            ListingStatus::Draft => StoredStatus::Draft,
            ListingStatus::Active => StoredStatus::Active,
            ListingStatus::Reserved => StoredStatus::Reserved,
            ListingStatus::Sold => StoredStatus::Sold,
            ListingStatus::Hidden => StoredStatus::Hidden,
        },
        listed_at: item.listed_at.clone(),
        sku: None,
    }
}
