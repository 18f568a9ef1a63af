//! Changes to one existing listing of the account (`docs/VINTED.md`, "Write endpoints"): a new
//! price, hidden or shown again, deleted. Each change is read back from Vinted before the store
//! records it, and each is safe to run again: a change already made is not sent twice, and a
//! write whose answer was lost is settled by reading the listing back.
//!
//! - Price: `GET /api/v2/item_upload/items/{id}` (404: sold, reserved or deleted, which the
//!   wardrobe then tells apart for the listing's row), then `PUT` the same body a create
//!   sends, with `item.id`, the photos as `assigned_photos`, `size_id` and `status_id` beside
//!   their `item_attributes`, and the new price as a number; read back.
//! - Hide, show: `PUT /api/v2/items/{id}/is_hidden`, read back from the item's `is_hidden` in
//!   the editing read when it carries one, else from the wardrobe (the documented place of
//!   `is_hidden`).
//! - Delete: `POST /api/v2/items/{id}/delete`, empty body; a 404 means already gone; confirmed
//!   when the editing read answers 404.
//!
//! Another account's listing answers 403/106 even after the CSRF refresh: the job fails saying
//! so, without a cooldown for the account (see [`crate::calls::Paced::read_item`]).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::Flow;
use crate::StoreAccess;
use crate::calls::{Fixable, FlowError, Sent, store_error};
use crate::pacing::Action;
use crate::page::{Call, PageError};
use crate::reply::{Refusal, parse_amount_cents};
use crate::site::{header, route};
use crate::wardrobe::{self, ListingStatus};
use seller_store::products::MAX_MONEY_CENTS;
use seller_store::vinted::{JobKind, ListingStatus as StoredStatus};

/// What the person asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct EditRequest {
    /// Vinted's id of the listing.
    pub listing_id: String,
    /// The new price, for a price change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_cents: Option<i64>,
}

/// Where a change is; saved before the write, so a restarted job reads the listing back before
/// it sends anything again.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Checkpoint {
    step: Step,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    previous_price_cents: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Step {
    /// The write may have left: read back first.
    Sending,
    /// Vinted showed the change.
    Confirmed,
}

pub async fn run<S: StoreAccess>(flow: &mut Flow<'_, S>) -> Result<Value, FlowError> {
    let request: EditRequest = serde_json::from_value(flow.job.payload.clone())
        .map_err(|error| FlowError::Invalid(format!("the change is not valid: {error}")))?;
    let item_id = request.listing_id.trim().parse::<u64>().map_err(|_| {
        FlowError::Invalid(format!(
            "{:?} is not a Vinted listing id",
            request.listing_id
        ))
    })?;
    let listing_id = item_id.to_string();
    let price_cents = match flow.job.kind {
        JobKind::EditPrice => Some(checked_price(request.price_cents)?),
        _ => None,
    };
    let account_id = flow.caller.account_id.clone();
    let id = listing_id.clone();
    let known = flow
        .store
        .with_store(move |store| Ok(store.known_listing(&account_id, &id)?))
        .await
        .map_err(store_error)?;
    if known.is_none() {
        // Nothing is sent for a listing the account never had: it is not among its imported or
        // published listings.
        return Err(FlowError::Fixable(Fixable::NotOwned { listing_id }));
    }
    let checkpoint: Option<Checkpoint> = match flow.job.checkpoint.clone() {
        Some(saved) => Some(serde_json::from_value(saved).map_err(|error| {
            FlowError::Invalid(format!("the change's checkpoint is not valid: {error}"))
        })?),
        None => None,
    };
    match (flow.job.kind, price_cents) {
        (JobKind::EditPrice, Some(price)) => edit_price(flow, item_id, price, checkpoint).await,
        (JobKind::Hide, _) => set_hidden(flow, item_id, true).await,
        (JobKind::Unhide, _) => set_hidden(flow, item_id, false).await,
        (JobKind::Delete, _) => delete(flow, item_id, checkpoint).await,
        (other, _) => Err(FlowError::Invalid(format!(
            "{other:?} is not a change to a listing"
        ))),
    }
}

/// A price Vinted can be sent: more than nothing, at most what the store keeps.
fn checked_price(price_cents: Option<i64>) -> Result<i64, FlowError> {
    match price_cents {
        None => Err(FlowError::Invalid("the new price is missing".into())),
        Some(cents) if cents <= 0 => Err(FlowError::Invalid(format!(
            "the new price must be more than 0 (was {cents} cents)"
        ))),
        Some(cents) if cents > MAX_MONEY_CENTS => Err(FlowError::Invalid(format!(
            "the new price is too large ({cents} cents)"
        ))),
        Some(cents) => Ok(cents),
    }
}

/// Cents as the decimal number Vinted takes (`2790` → `27.9`).
fn price_number(cents: i64) -> Value {
    // Exact for any price the store keeps: far below 2^53 cents.
    json!(cents as f64 / 100.0)
}

async fn edit_price<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    item_id: u64,
    price_cents: i64,
    checkpoint: Option<Checkpoint>,
) -> Result<Value, FlowError> {
    let listing_id = item_id.to_string();
    let Some(item) = read_item(flow, item_id).await? else {
        return Err(not_editable(flow, item_id).await);
    };
    let current = item_price(&item);
    let previous = checkpoint
        .as_ref()
        .and_then(|c| c.previous_price_cents)
        .or(current);
    if current == Some(price_cents) {
        // Already at that price: a resumed job whose write went through, or nothing to do.
        // A dry run leaves even the row as it is.
        let dry_run = flow.caller.dry_run;
        if !dry_run {
            record_price(flow, &listing_id, price_cents).await?;
        }
        save(flow, Step::Confirmed, previous).await?;
        return Ok(json!({
            "listingId": listing_id, "priceCents": price_cents,
            "previousPriceCents": previous, "changed": checkpoint.is_some(), "dryRun": dry_run,
        }));
    }
    let body = edit_body(&item, item_id, price_cents, &seller_store::new_id())?;
    let mut call = Call::send("PUT", route::item_upload_item(item_id), Some(body.clone()));
    for (name, value) in header::UPLOAD_FLAGS {
        call = call.with_header(name, value);
    }
    let summary = json!({
        "listingId": listing_id,
        "priceCents": price_cents,
        "previousPriceCents": previous,
        "body": body,
    });
    save(flow, Step::Sending, previous).await?;
    let written = write(flow, call, summary).await?;
    if let Written::DryRun = written {
        return Ok(json!({
            "listingId": listing_id, "priceCents": price_cents,
            "previousPriceCents": previous, "changed": false, "dryRun": true,
        }));
    }
    let shown = match read_item(flow, item_id).await? {
        Some(item) => item_price(&item),
        None => None,
    };
    if shown != Some(price_cents) {
        return Err(written.unconfirmed(format!(
            "Vinted still shows the price {} after the change to {price_cents} cents",
            shown.map_or_else(|| "(none)".to_owned(), |c| format!("{c} cents"))
        )));
    }
    record_price(flow, &listing_id, price_cents).await?;
    save(flow, Step::Confirmed, previous).await?;
    Ok(json!({
        "listingId": listing_id, "priceCents": price_cents,
        "previousPriceCents": previous, "changed": true, "dryRun": false,
    }))
}

async fn record_price<S: StoreAccess>(
    flow: &Flow<'_, S>,
    listing_id: &str,
    price_cents: i64,
) -> Result<(), FlowError> {
    let (account_id, id) = (flow.caller.account_id.clone(), listing_id.to_owned());
    flow.store
        .with_store(move |store| Ok(store.set_listing_price(&account_id, &id, price_cents)?))
        .await
        .map_err(store_error)
}

async fn set_hidden<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    item_id: u64,
    hidden: bool,
) -> Result<Value, FlowError> {
    let listing_id = item_id.to_string();
    let call = Call::send(
        "PUT",
        route::item_is_hidden(item_id),
        Some(json!({ "is_hidden": hidden })),
    );
    let summary = json!({"listingId": listing_id, "isHidden": hidden});
    save(flow, Step::Sending, None).await?;
    let written = write(flow, call, summary).await?;
    if let Written::DryRun = written {
        return Ok(json!({"listingId": listing_id, "hidden": hidden, "dryRun": true}));
    }
    if let Written::NotFound = written {
        return Err(not_editable(flow, item_id).await);
    }
    let Some(shown) = read_hidden(flow, item_id).await? else {
        // Sold, reserved or deleted meanwhile, unless the write's answer was lost.
        return Err(match written {
            Written::Lost(error) => error,
            _ => not_editable(flow, item_id).await,
        });
    };
    if shown != hidden {
        return Err(written.unconfirmed(format!(
            "Vinted does not show the listing {} after the change",
            if hidden { "hidden" } else { "visible" }
        )));
    }
    let (account_id, id) = (flow.caller.account_id.clone(), listing_id.clone());
    flow.store
        .with_store(move |store| Ok(store.set_listing_hidden(&account_id, &id, hidden)?))
        .await
        .map_err(store_error)?;
    save(flow, Step::Confirmed, None).await?;
    Ok(json!({"listingId": listing_id, "hidden": hidden, "dryRun": false}))
}

/// Whether Vinted shows the listing hidden: the editing read's `is_hidden` when it has one (one
/// read); else the wardrobe, where `docs/VINTED.md` documents `is_hidden`, read page by page
/// until the listing shows. `None`: Vinted no longer serves it (sold, reserved or deleted).
async fn read_hidden<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    item_id: u64,
) -> Result<Option<bool>, FlowError> {
    let Some(item) = read_item(flow, item_id).await? else {
        return Ok(None);
    };
    if let Some(hidden) = item.get("is_hidden").and_then(flag) {
        return Ok(Some(hidden));
    }
    tracing::info!(
        item_id,
        "the editing read carries no is_hidden: reading the wardrobe"
    );
    Ok(wardrobe_status(flow, item_id)
        .await?
        .map(|status| status == ListingStatus::Hidden))
}

/// The listing's status in the account's wardrobe, read page by page (newest first) until it
/// shows; `None` when it is not there. Sold and reserved listings stay in the wardrobe, deleted
/// ones leave it (`docs/VINTED.md`, "Read endpoints").
pub(crate) async fn wardrobe_status<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    item_id: u64,
) -> Result<Option<ListingStatus>, FlowError> {
    let user_id = current_user_id(flow).await?;
    let wanted = item_id.to_string();
    let mut page = 1;
    loop {
        let path = route::wardrobe_items(
            user_id,
            page,
            route::WARDROBE_PER_PAGE_MAX,
            route::WardrobeOrder::NewestFirst,
        );
        let answer = flow.paced.read(Call::get(path)).await?;
        let parsed =
            wardrobe::parse_page(&answer).map_err(|error| FlowError::Invalid(error.to_string()))?;
        if let Some(found) = parsed.items.iter().find(|i| i.id == wanted) {
            return Ok(Some(found.status));
        }
        if parsed.items.is_empty() || page >= parsed.total_pages {
            return Ok(None);
        }
        page += 1;
    }
}

/// The editing read answered 404: the listing is sold, reserved or deleted. The wardrobe tells
/// which, and the row follows (a deleted one kept, marked deleted); the job then fails with
/// Vinted's 404. A wardrobe that still shows it editable changes nothing.
async fn not_editable<S: StoreAccess>(flow: &mut Flow<'_, S>, item_id: u64) -> FlowError {
    let status = match wardrobe_status(flow, item_id).await {
        Ok(None) => StoredStatus::Deleted,
        Ok(Some(ListingStatus::Sold)) => StoredStatus::Sold,
        Ok(Some(ListingStatus::Reserved)) => StoredStatus::Reserved,
        Ok(Some(_)) => return FlowError::Vinted(Refusal::NotFound),
        Err(error) => return error,
    };
    tracing::info!(
        item_id,
        status = status.as_str(),
        "the listing can no longer be changed"
    );
    let (account_id, id) = (flow.caller.account_id.clone(), item_id.to_string());
    match flow
        .store
        .with_store(move |store| Ok(store.set_listing_status(&account_id, &id, status)?))
        .await
    {
        Ok(()) => FlowError::Vinted(Refusal::NotFound),
        Err(error) => store_error(error),
    }
}

async fn delete<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    item_id: u64,
    checkpoint: Option<Checkpoint>,
) -> Result<Value, FlowError> {
    let listing_id = item_id.to_string();
    if checkpoint.is_some() && !flow.caller.dry_run && read_item(flow, item_id).await?.is_none() {
        // A delete sent before a restart went through.
        return deleted(flow, &listing_id, false).await;
    }
    let call = Call::send("POST", route::item_delete(item_id), None);
    let summary = json!({"listingId": listing_id});
    save(flow, Step::Sending, None).await?;
    let written = write(flow, call, summary).await?;
    if let Written::DryRun = written {
        return Ok(json!({"listingId": listing_id, "deleted": false, "dryRun": true}));
    }
    if read_item(flow, item_id).await?.is_some() {
        return Err(
            written.unconfirmed("Vinted still serves the listing after its deletion".into())
        );
    }
    deleted(flow, &listing_id, matches!(written, Written::NotFound)).await
}

async fn deleted<S: StoreAccess>(
    flow: &Flow<'_, S>,
    listing_id: &str,
    already_gone: bool,
) -> Result<Value, FlowError> {
    let (account_id, id) = (flow.caller.account_id.clone(), listing_id.to_owned());
    let item_ready = flow
        .store
        .with_store(move |store| Ok(store.mark_listing_deleted(&account_id, &id)?))
        .await
        .map_err(store_error)?;
    save(flow, Step::Confirmed, None).await?;
    Ok(json!({
        "listingId": listing_id, "deleted": true, "alreadyGone": already_gone,
        "itemReady": item_ready, "dryRun": false,
    }))
}

/// What a write came to.
enum Written {
    Answered,
    DryRun,
    /// 404: the listing is not (or no longer) there.
    NotFound,
    /// Its answer never came (the connection dropped, or a server error in between): it may
    /// have been done, which reading the listing back tells.
    Lost(FlowError),
}

impl Written {
    /// Why the job stops when the read back does not show the change: the lost answer's own
    /// failure (the job tries again later), or a plain statement of what Vinted shows.
    fn unconfirmed(self, message: String) -> FlowError {
        match self {
            Written::Lost(error) => error,
            _ => FlowError::Vinted(Refusal::Unexpected {
                status: 200,
                code: None,
                message: Some(message),
            }),
        }
    }
}

async fn write<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    call: Call,
    summary: Value,
) -> Result<Written, FlowError> {
    let listing_id = summary["listingId"].as_str().unwrap_or_default().to_owned();
    match flow.paced.write_item(Action::Write, call, summary).await {
        Ok(Sent::Answer(_)) => Ok(Written::Answered),
        Ok(Sent::DryRun) => Ok(Written::DryRun),
        Err(FlowError::Vinted(Refusal::NotFound)) => Ok(Written::NotFound),
        Err(FlowError::Vinted(Refusal::AccessDenied)) => Err(not_owned(flow, listing_id).await),
        Err(error @ FlowError::Page(PageError::Network(_)))
        | Err(error @ FlowError::Vinted(Refusal::Server { .. })) => {
            tracing::info!(%error, "a change's answer was lost: reading the listing back");
            Ok(Written::Lost(error))
        }
        Err(other) => Err(other),
    }
}

/// The listing as Vinted serves it for editing; `None` for its 404 (sold, reserved or deleted).
async fn read_item<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    item_id: u64,
) -> Result<Option<Map<String, Value>>, FlowError> {
    match flow
        .paced
        .read_item(Call::get(route::item_upload_item(item_id)))
        .await
    {
        Ok(answer) => match answer.get("item") {
            Some(Value::Object(item)) => Ok(Some(item.clone())),
            _ => Err(FlowError::Vinted(Refusal::EndpointMoved { status: 200 })),
        },
        Err(FlowError::Vinted(Refusal::NotFound)) => Ok(None),
        Err(FlowError::Vinted(Refusal::AccessDenied)) => {
            Err(not_owned(flow, item_id.to_string()).await)
        }
        Err(other) => Err(other),
    }
}

/// After a 106 on the listing that outlived the CSRF refresh: when a plain read of the account
/// goes through, the account is not refused, the listing is someone else's; when it is refused
/// too, that refusal (and the cooldown it starts) is what the job reports.
async fn not_owned<S: StoreAccess>(flow: &mut Flow<'_, S>, listing_id: String) -> FlowError {
    match flow.paced.read(Call::get(route::USERS_CURRENT)).await {
        Ok(_) => FlowError::Fixable(Fixable::NotOwned { listing_id }),
        Err(FlowError::Vinted(refusal))
            if refusal.is_route_refused() || matches!(refusal, Refusal::EndpointMoved { .. }) =>
        {
            FlowError::Fixable(Fixable::NotOwned { listing_id })
        }
        Err(other) => other,
    }
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

async fn save<S: StoreAccess>(
    flow: &Flow<'_, S>,
    step: Step,
    previous_price_cents: Option<i64>,
) -> Result<(), FlowError> {
    let done = i64::from(step == Step::Confirmed);
    flow.checkpoint(
        &Checkpoint {
            step,
            previous_price_cents,
        },
        done,
        Some(1),
    )
    .await
}

fn item_price(item: &Map<String, Value>) -> Option<i64> {
    item.get("price").and_then(parse_amount_cents)
}

/// A boolean as Vinted may send it: `true`, or `1`.
fn flag(value: &Value) -> Option<bool> {
    value
        .as_bool()
        .or_else(|| value.as_i64().map(|number| number != 0))
}

fn first_id(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::Array(ids) => ids.iter().find_map(Value::as_u64),
        other => other.as_u64(),
    }
}

/// The ids of the item attribute `code` (`item_attributes: [{code, ids}]`).
fn attribute_ids<'a>(item: &'a Map<String, Value>, code: &str) -> Option<&'a Value> {
    item.get("item_attributes")?
        .as_array()?
        .iter()
        .find(|attribute| attribute.get("code").and_then(Value::as_str) == Some(code))?
        .get("ids")
}

/// The body of the edit (`docs/VINTED.md`, "Create" and "Edit"): what the editing read says of
/// the listing, in the create's shape, with `item.id` and the new price. The editing read gives
/// the size only in `item_attributes`: `size_id` is taken from there, and the condition's
/// attribute from `status_id`, since Vinted wants both forms.
fn edit_body(
    item: &Map<String, Value>,
    item_id: u64,
    price_cents: i64,
    session: &str,
) -> Result<Value, FlowError> {
    let field = |key: &str| item.get(key).cloned().unwrap_or(Value::Null);
    let size_id = item
        .get("size_id")
        .and_then(Value::as_u64)
        .or_else(|| first_id(attribute_ids(item, "size")));
    let status_id = item
        .get("status_id")
        .and_then(Value::as_u64)
        .or_else(|| first_id(attribute_ids(item, "condition")));
    let mut attributes: Vec<Value> = item
        .get("item_attributes")
        .and_then(Value::as_array)
        .map(|all| {
            all.iter()
                .filter(|a| {
                    !matches!(
                        a.get("code").and_then(Value::as_str),
                        Some("size" | "condition")
                    )
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if let Some(size_id) = size_id {
        attributes.insert(0, json!({"code": "size", "ids": [size_id]}));
    }
    if let Some(status_id) = status_id {
        let at = usize::from(size_id.is_some());
        attributes.insert(at, json!({"code": "condition", "ids": [status_id]}));
    }
    let mut photos: Vec<&Value> = item
        .get("photos")
        .and_then(Value::as_array)
        .map(|photos| photos.iter().collect())
        .unwrap_or_default();
    photos.sort_by_key(|photo| {
        photo
            .get("image_no")
            .and_then(Value::as_u64)
            .unwrap_or(u64::MAX)
    });
    let assigned_photos: Vec<Value> = photos
        .iter()
        .filter_map(|photo| {
            let id = photo.get("id").and_then(Value::as_u64)?;
            let orientation = photo
                .get("orientation")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            Some(json!({"id": id, "orientation": orientation}))
        })
        .collect();
    if assigned_photos.is_empty() {
        return Err(FlowError::Invalid(
            "Vinted lists no photo for this listing: an edit without its photos would be refused"
                .into(),
        ));
    }
    let currency = item
        .get("currency")
        .and_then(Value::as_str)
        .or_else(|| {
            item.get("price")
                .and_then(|price| price.get("currency_code"))
                .and_then(Value::as_str)
        })
        .map_or(Value::Null, |c| Value::String(c.to_owned()));
    let brand = match item.get("brand") {
        Some(Value::Object(brand)) => brand
            .get("title")
            .or_else(|| brand.get("name"))
            .cloned()
            .unwrap_or(Value::Null),
        Some(other) => other.clone(),
        None => Value::Null,
    };
    let color_ids = match item.get("color_ids") {
        Some(Value::Array(ids)) => Value::Array(ids.clone()),
        _ => Value::Array(
            ["color1_id", "color2_id"]
                .iter()
                .filter_map(|key| item.get(*key).filter(|v| v.is_u64()).cloned())
                .collect(),
        ),
    };
    let is_unisex = item.get("is_unisex").and_then(flag).unwrap_or(false);
    Ok(json!({
        "item": {
            "id": item_id,
            "currency": currency,
            "temp_uuid": session,
            "title": field("title"),
            "description": field("description"),
            "brand_id": field("brand_id"),
            "brand": brand,
            "catalog_id": field("catalog_id"),
            "size_id": size_id,
            "status_id": status_id,
            "isbn": field("isbn"),
            "is_unisex": is_unisex,
            "price": price_number(price_cents),
            "package_size_id": field("package_size_id"),
            "shipment_prices": {"domestic": null, "international": null},
            "color_ids": color_ids,
            "assigned_photos": assigned_photos,
            "item_attributes": attributes,
            "measurement_length": field("measurement_length"),
            "measurement_width": field("measurement_width"),
            "manufacturer": field("manufacturer"),
            "manufacturer_labelling": field("manufacturer_labelling"),
        },
        "feedback_id": null,
        "push_up": false,
        "parcel": null,
        "upload_session_id": session,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn editing_read() -> Map<String, Value> {
        let answer = json!({
            "id": 7, "title": "Veste en jean", "description": "Très bon état",
            "price": {"amount": "25.00", "currency_code": "EUR"},
            "brand_id": 304, "brand": "Levi's", "catalog_id": 12, "status_id": 43,
            "color_ids": [1], "package_size_id": 2, "is_unisex": 0,
            "item_attributes": [
                {"code": "size", "ids": [206]},
                {"code": "condition", "ids": [43]},
                {"code": "material", "ids": [44]}
            ],
            "photos": [
                {"id": 12, "image_no": 2},
                {"id": 11, "image_no": 1, "orientation": 90}
            ]
        });
        match answer {
            Value::Object(item) => item,
            _ => unreachable!(),
        }
    }

    #[test]
    fn the_edit_body_is_the_create_body_with_the_id_photos_size_and_new_price() {
        let body = edit_body(&editing_read(), 7, 2790, "session-1").expect("a body");
        let item = &body["item"];
        assert_eq!(item["id"], 7);
        assert_eq!(item["price"], json!(27.9));
        assert_eq!(item["currency"], "EUR");
        assert_eq!(item["size_id"], 206);
        assert_eq!(item["status_id"], 43);
        assert_eq!(item["is_unisex"], false);
        assert_eq!(
            item["assigned_photos"],
            json!([{"id": 11, "orientation": 90}, {"id": 12, "orientation": 0}])
        );
        assert_eq!(
            item["item_attributes"],
            json!([
                {"code": "size", "ids": [206]},
                {"code": "condition", "ids": [43]},
                {"code": "material", "ids": [44]}
            ])
        );
        assert_eq!(body["upload_session_id"], "session-1");
        assert_eq!(body["push_up"], false);
    }

    #[test]
    fn the_condition_attribute_follows_status_id_and_photos_are_required() {
        let mut item = editing_read();
        item.insert(
            "item_attributes".into(),
            json!([{"code": "size", "ids": [206]}]),
        );
        let body = edit_body(&item, 7, 100, "s").expect("a body");
        assert_eq!(
            body["item"]["item_attributes"],
            json!([{"code": "size", "ids": [206]}, {"code": "condition", "ids": [43]}])
        );
        assert_eq!(body["item"]["price"], json!(1.0));
        item.insert("photos".into(), json!([]));
        assert!(matches!(
            edit_body(&item, 7, 100, "s"),
            Err(FlowError::Invalid(_))
        ));
    }

    #[test]
    fn prices_are_refused_before_anything_is_sent() {
        assert!(checked_price(None).is_err());
        assert!(checked_price(Some(0)).is_err());
        assert!(checked_price(Some(-5)).is_err());
        assert!(checked_price(Some(MAX_MONEY_CENTS + 1)).is_err());
        assert_eq!(checked_price(Some(1)).ok(), Some(1));
    }
}
