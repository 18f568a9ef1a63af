//! One page of an account's wardrobe, read from Vinted's answer (`docs/VINTED.md`, "Read
//! endpoints": the same shape on `users/{id}/items` and `wardrobe/{id}/items`).
//!
//! The answer is not trusted: every field is checked, an item that cannot be read is an error
//! naming it (never silently left out, which would look like a sold or deleted listing), and
//! an answer without its list of items is "the wardrobe answer has changed", never "no items".

use chrono::{DateTime, SecondsFormat, TimeZone as _, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::reply::parse_amount_cents;

/// A listing's status, as `seller_listings.status` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListingStatus {
    Draft,
    Active,
    Reserved,
    Sold,
    Hidden,
}

impl ListingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ListingStatus::Draft => "draft",
            ListingStatus::Active => "active",
            ListingStatus::Reserved => "reserved",
            ListingStatus::Sold => "sold",
            ListingStatus::Hidden => "hidden",
        }
    }
}

/// One listing of the wardrobe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WardrobeItem {
    /// Vinted's id, digits only.
    pub id: String,
    pub title: String,
    /// The listing's page, `http(s)`.
    pub url: String,
    /// The first photo.
    pub photo_url: Option<String>,
    /// Every photo, in Vinted's order (`image_no`, else the list's), each at its largest size
    /// (`full_size_url`, else `url`): what an inventory item made from the listing downloads.
    pub photo_urls: Vec<String>,
    pub price_cents: i64,
    /// ISO 4217, upper case.
    pub currency: String,
    pub status: ListingStatus,
    /// Vinted's `item_closing_action` of a closed item (`sold`, or something else).
    pub closing_action: Option<String>,
    /// RFC 3339 UTC with milliseconds: the earliest photo's upload time, as Vinted gives no
    /// listing date (a relisted copy with fresh photos dates from its photos).
    pub listed_at: Option<String>,
    /// `None` when the answer has no count (never read as 0 views).
    pub view_count: Option<u32>,
    pub favourite_count: Option<u32>,
    pub brand: Option<String>,
    pub size: Option<String>,
}

/// One page of the wardrobe (the default is an empty wardrobe, which the newer route tells
/// with a 404).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WardrobePage {
    pub items: Vec<WardrobeItem>,
    pub current_page: Option<u32>,
    pub total_pages: u32,
    pub total_entries: u32,
}

/// Why a wardrobe page could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WardrobeError {
    /// Not the shape the automation knows: report it, never read it as an empty wardrobe.
    #[error("the wardrobe answer has changed: {0}")]
    Changed(String),
    /// One item could not be read; `index` counts from 0 in the page's `items`.
    #[error("item {} of the wardrobe page{}: {problem}", .index + 1, id_hint(.id))]
    Item {
        index: usize,
        id: Option<String>,
        problem: String,
    },
}

fn id_hint(id: &Option<String>) -> String {
    id.as_deref()
        .map(|id| format!(" (id {id})"))
        .unwrap_or_default()
}

const MAX_ITEMS: usize = 1_000;
const MAX_ID_DIGITS: usize = 20;
const MAX_TITLE_CHARS: usize = 500;
const MAX_NAME_CHARS: usize = 200;
const MAX_URL_CHARS: usize = 2_048;
/// Photo timestamps believed: from Vinted's founding year (2008) to 2100.
const PLAUSIBLE_SECONDS: std::ops::Range<i64> = 1_199_145_600..4_102_444_800;

/// Reads one wardrobe page.
pub fn parse_page(answer: &Value) -> Result<WardrobePage, WardrobeError> {
    let changed = |what: &str| WardrobeError::Changed(what.to_owned());
    let answer = answer
        .as_object()
        .ok_or_else(|| changed("the answer is not an object"))?;
    if let Some(code) = answer.get("code")
        && !code.is_null()
        && code.as_i64() != Some(0)
    {
        return Err(WardrobeError::Changed(format!("it carries code {code}")));
    }
    let items = answer
        .get("items")
        .and_then(Value::as_array)
        .ok_or_else(|| changed("`items` is not a list"))?;
    if items.len() > MAX_ITEMS {
        return Err(WardrobeError::Changed(format!(
            "{} items on one page",
            items.len()
        )));
    }
    let pagination = answer
        .get("pagination")
        .and_then(Value::as_object)
        .ok_or_else(|| changed("`pagination` is missing"))?;
    let count = |name: &str| -> Result<Option<u32>, WardrobeError> {
        optional_count(pagination.get(name))
            .map_err(|()| WardrobeError::Changed(format!("`pagination.{name}` is not a count")))
    };
    let current_page = count("current_page")?;
    let total_pages = count("total_pages")?.ok_or_else(|| changed("`total_pages` is missing"))?;
    let total_entries =
        count("total_entries")?.ok_or_else(|| changed("`total_entries` is missing"))?;

    let items = items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            parse_item(item).map_err(|problem| WardrobeError::Item {
                index,
                id: item.get("id").and_then(item_id),
                problem,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(WardrobePage {
        items,
        current_page,
        total_pages,
        total_entries,
    })
}

fn parse_item(item: &Value) -> Result<WardrobeItem, String> {
    let item = item.as_object().ok_or("it is not an object")?;
    let id = item
        .get("id")
        .and_then(item_id)
        .ok_or("its id is missing or not a number")?;
    let title = match item.get("title") {
        Some(Value::String(title)) if plain_text(title, MAX_TITLE_CHARS) => title.clone(),
        _ => return Err("its title is missing, too long or not text".to_owned()),
    };
    let url = item
        .get("url")
        .and_then(Value::as_str)
        .filter(|url| web_url(url))
        .ok_or("its address is missing or not an http(s) address")?
        .to_owned();
    let (price_cents, currency) = price(item)?;
    let (status, closing_action) = status(item)?;
    let Photos {
        first: photo_url,
        all: photo_urls,
        listed_at,
    } = photos(item)?;
    // The counts only feed the statistics: a malformed one (text, negative, fractional, too
    // large) is treated as absent rather than failing the page the import also needs.
    let (view_count, favourite_count) = {
        let counter = |name: &str| {
            optional_count(item.get(name)).unwrap_or_else(|()| {
            tracing::warn!(item = %id, field = name, "a wardrobe count is not a count: ignored");
            None
        })
        };
        (counter("view_count"), counter("favourite_count"))
    };
    Ok(WardrobeItem {
        id,
        title,
        url,
        photo_url,
        photo_urls,
        price_cents,
        currency,
        status,
        closing_action,
        listed_at,
        view_count,
        favourite_count,
        brand: name(item, &["brand", "brand_title"])?,
        size: name(item, &["size", "size_title"])?,
    })
}

/// An id given as a number or as digits.
fn item_id(value: &Value) -> Option<String> {
    match value {
        Value::Number(number) => number.as_u64().map(|id| id.to_string()),
        Value::String(text)
            if (1..=MAX_ID_DIGITS).contains(&text.len())
                && text.bytes().all(|byte| byte.is_ascii_digit()) =>
        {
            Some(text.clone())
        }
        _ => None,
    }
}

/// `price{amount, currency_code}` (the wardrobe's), or a bare amount with the item's
/// `currency`.
fn price(item: &Map<String, Value>) -> Result<(i64, String), String> {
    let price = item.get("price").ok_or("it has no price")?;
    let cents = parse_amount_cents(price).ok_or("its price is not an amount")?;
    let currency = price
        .get("currency_code")
        .or_else(|| item.get("currency"))
        .or_else(|| item.get("currency_code"))
        .and_then(Value::as_str)
        .filter(|code| code.len() == 3 && code.bytes().all(|byte| byte.is_ascii_uppercase()))
        .ok_or("its currency is missing or not a currency code")?;
    Ok((cents, currency.to_owned()))
}

/// Draft, then closed (sold), then reserved, then hidden, else active. A closed item counts as
/// sold whatever its closing action (none, `sold`, or another): closed items are not for sale
/// any more, and the action is kept for the caller.
fn status(item: &Map<String, Value>) -> Result<(ListingStatus, Option<String>), String> {
    let flag = |name: &str| match item.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(value)) => Ok(*value),
        Some(_) => Err(format!("its {name} is not true or false")),
    };
    let closing_action = match item.get("item_closing_action") {
        None | Some(Value::Null) => None,
        Some(Value::String(action)) if plain_text(action, 50) => Some(action.clone()),
        Some(_) => return Err("its item_closing_action is not a short text".to_owned()),
    };
    // Every flag is read, so a garbled one is reported even when an earlier one decides.
    let [draft, closed, reserved, hidden] = [
        flag("is_draft")?,
        flag("is_closed")?,
        flag("is_reserved")?,
        flag("is_hidden")?,
    ];
    let status = if draft {
        ListingStatus::Draft
    } else if closed || closing_action.is_some() {
        ListingStatus::Sold
    } else if reserved {
        ListingStatus::Reserved
    } else if hidden {
        ListingStatus::Hidden
    } else {
        ListingStatus::Active
    };
    Ok((status, closing_action))
}

/// What the wardrobe says of a listing's photos.
struct Photos {
    /// The first photo's address (lowest `image_no`, else first in the list; `photo.url` when
    /// there is no list).
    first: Option<String>,
    /// Every photo's largest address, in that order.
    all: Vec<String>,
    /// The earliest upload time of all photos.
    listed_at: Option<String>,
}

fn photos(item: &Map<String, Value>) -> Result<Photos, String> {
    let photos: &[Value] = match item.get("photos") {
        None | Some(Value::Null) => &[],
        Some(Value::Array(photos)) => photos,
        Some(_) => return Err("its photos are not a list".to_owned()),
    };
    let mut first: Option<(i64, String)> = None;
    let mut all: Vec<(i64, String)> = Vec::new();
    let mut earliest: Option<i64> = None;
    for (n, photo) in photos.iter().enumerate() {
        let photo = photo
            .as_object()
            .ok_or_else(|| format!("its photo {} is not an object", n + 1))?;
        let address = photo_address(photo)
            .map_err(|()| format!("its photo {} has an address that is not http(s)", n + 1))?;
        let order = match photo.get("image_no") {
            None | Some(Value::Null) => i64::MAX,
            Some(number) => number.as_i64().ok_or_else(|| {
                format!("its photo {} has an image_no that is not a number", n + 1)
            })?,
        };
        if let Some(largest) = largest_address(photo)
            .map_err(|()| format!("its photo {} has an address that is not http(s)", n + 1))?
        {
            all.push((order, largest));
        }
        if let Some(address) = address
            && first.as_ref().is_none_or(|(kept, _)| order < *kept)
        {
            first = Some((order, address));
        }
        let timestamp = match photo.get("high_resolution") {
            None | Some(Value::Null) => None,
            Some(Value::Object(high)) => match high.get("timestamp") {
                None | Some(Value::Null) => None,
                Some(value) => Some(
                    value
                        .as_i64()
                        .filter(|seconds| PLAUSIBLE_SECONDS.contains(seconds))
                        .ok_or_else(|| {
                            format!("its photo {} has an implausible timestamp", n + 1)
                        })?,
                ),
            },
            Some(_) => {
                return Err(format!(
                    "its photo {} has a high_resolution that is not an object",
                    n + 1
                ));
            }
        };
        if let Some(timestamp) = timestamp {
            earliest = Some(earliest.map_or(timestamp, |kept| kept.min(timestamp)));
        }
    }
    let photo_url = match first {
        Some((_, address)) => Some(address),
        None => match item.get("photo") {
            None | Some(Value::Null) => None,
            Some(Value::Object(photo)) => photo_address(photo)
                .map_err(|()| "its photo has an address that is not http(s)".to_owned())?,
            Some(_) => return Err("its photo is not an object".to_owned()),
        },
    };
    let listed_at = earliest
        .and_then(|seconds| Utc.timestamp_opt(seconds, 0).single())
        .map(|at: DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::Millis, true));
    // A stable sort: photos without `image_no` keep the list's order.
    all.sort_by_key(|(order, _)| *order);
    let mut all: Vec<String> = all.into_iter().map(|(_, address)| address).collect();
    if all.is_empty()
        && let Some(only) = &photo_url
    {
        all.push(only.clone());
    }
    Ok(Photos {
        first: photo_url,
        all,
        listed_at,
    })
}

/// A photo's `full_size_url`, else its `url`; `Err` when neither is an address and one of
/// them is there but not one.
fn largest_address(photo: &Map<String, Value>) -> Result<Option<String>, ()> {
    first_address(photo, ["full_size_url", "url"])
}

/// A photo's `url`, else its `full_size_url`; `Err` when neither is an address and one of
/// them is there but not one.
fn photo_address(photo: &Map<String, Value>) -> Result<Option<String>, ()> {
    first_address(photo, ["url", "full_size_url"])
}

/// The first of `keys` that is an address. One that is there but not an address (`""`, a
/// number) is passed over for the next, so one bad field does not cost the whole page.
fn first_address(photo: &Map<String, Value>, keys: [&str; 2]) -> Result<Option<String>, ()> {
    let mut bad = false;
    for key in keys {
        match photo.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(url)) if web_url(url) => return Ok(Some(url.clone())),
            Some(_) => bad = true,
        }
    }
    if bad { Err(()) } else { Ok(None) }
}

/// A brand or size: a name, or an object with a `title` or `name`.
fn name(item: &Map<String, Value>, keys: &[&str]) -> Result<Option<String>, String> {
    for key in keys {
        let text = match item.get(*key) {
            None | Some(Value::Null) => continue,
            Some(Value::String(text)) => text,
            Some(Value::Object(object)) => {
                match object.get("title").or_else(|| object.get("name")) {
                    Some(Value::String(text)) => text,
                    _ => return Err(format!("its {key} has no name")),
                }
            }
            Some(_) => return Err(format!("its {key} is not a name")),
        };
        if !plain_text(text, MAX_NAME_CHARS) {
            return Err(format!("its {key} is too long or not text"));
        }
        if !text.trim().is_empty() {
            return Ok(Some(text.clone()));
        }
    }
    Ok(None)
}

/// A count: a non-negative integer that fits a `u32`; `Ok(None)` when absent.
fn optional_count(value: Option<&Value>) -> Result<Option<u32>, ()> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_u64()
            .and_then(|count| u32::try_from(count).ok())
            .map(Some)
            .ok_or(()),
    }
}

/// Text without control characters, at most `max` characters.
fn plain_text(text: &str, max: usize) -> bool {
    text.chars().count() <= max && !text.chars().any(char::is_control)
}

/// An absolute `http(s)` address with a host, without spaces or control characters.
fn web_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let Some(rest) = rest else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    url.len() <= MAX_URL_CHARS
        && !host.is_empty()
        && !host.contains('@')
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// An item as the wardrobe route answers it (trimmed of fields not read).
    fn item() -> Value {
        json!({
            "id": 5123456789_u64,
            "title": "Robe d'été Zara fleurie",
            "url": "https://www.vinted.fr/items/5123456789-robe-dete-zara-fleurie",
            "price": {"amount": "27.90", "currency_code": "EUR"},
            "photos": [
                {
                    "id": 22001, "image_no": 2,
                    "url": "https://images1.vinted.net/t/02_0a1_b/f800/1733140000.jpeg?s=2",
                    "full_size_url": "https://images1.vinted.net/tc/02_0a1_b/1733140000.jpeg?s=2f",
                    "high_resolution": {"id": "02_0a1_b", "timestamp": 1733140000}
                },
                {
                    "id": 22000, "image_no": 1,
                    "url": "https://images1.vinted.net/t/01_0a0_a/f800/1733139000.jpeg?s=1",
                    "full_size_url": "https://images1.vinted.net/tc/01_0a0_a/1733139000.jpeg?s=1f",
                    "high_resolution": {"id": "01_0a0_a", "timestamp": 1733139000}
                }
            ],
            "photo": {"url": "https://images1.vinted.net/t/01_0a0_a/f800/1733139000.jpeg?s=1"},
            "view_count": 143,
            "favourite_count": 9,
            "brand": "Zara",
            "size": "M / 38 / 10",
            "is_draft": false,
            "is_closed": false,
            "is_reserved": false,
            "is_hidden": false,
            "is_processing": false,
            "item_closing_action": null,
            "can_edit": true
        })
    }

    fn page(items: Vec<Value>) -> Value {
        json!({
            "items": items,
            "pagination": {"current_page": 1, "total_pages": 3, "total_entries": 250, "per_page": 96},
            "code": 0
        })
    }

    fn with(changes: Value) -> Value {
        let mut item = item();
        if let (Some(item), Some(changes)) = (item.as_object_mut(), changes.as_object()) {
            for (key, value) in changes {
                item.insert(key.clone(), value.clone());
            }
        }
        item
    }

    #[test]
    fn a_realistic_page() {
        let parsed = parse_page(&page(vec![item()])).expect("a page");
        assert_eq!(parsed.total_pages, 3);
        assert_eq!(parsed.total_entries, 250);
        assert_eq!(parsed.current_page, Some(1));
        assert_eq!(
            parsed.items,
            vec![WardrobeItem {
                id: "5123456789".into(),
                title: "Robe d'été Zara fleurie".into(),
                url: "https://www.vinted.fr/items/5123456789-robe-dete-zara-fleurie".into(),
                photo_url: Some(
                    "https://images1.vinted.net/t/01_0a0_a/f800/1733139000.jpeg?s=1".into()
                ),
                // In `image_no` order, whatever the list's, at full size.
                photo_urls: vec![
                    "https://images1.vinted.net/tc/01_0a0_a/1733139000.jpeg?s=1f".into(),
                    "https://images1.vinted.net/tc/02_0a1_b/1733140000.jpeg?s=2f".into(),
                ],
                price_cents: 2790,
                currency: "EUR".into(),
                status: ListingStatus::Active,
                closing_action: None,
                listed_at: Some("2024-12-02T11:30:00.000Z".into()),
                view_count: Some(143),
                favourite_count: Some(9),
                brand: Some("Zara".into()),
                size: Some("M / 38 / 10".into()),
            }]
        );
    }

    #[test]
    fn a_bad_full_size_url_falls_back_to_the_url() {
        let small = "https://images1.vinted.net/t/01_0a0_a/f800/1733139000.jpeg?s=1";
        for bad in [json!(""), json!(42), json!("javascript:alert(1)")] {
            let item = with(json!({"photos": [{"id": 1, "url": small, "full_size_url": bad}]}));
            let parsed = parse_page(&page(vec![item])).expect("the page is kept");
            assert_eq!(parsed.items[0].photo_urls, vec![small.to_owned()], "{bad}");
        }
        // Neither usable: still named, not dropped.
        let both = with(json!({"photos": [{"id": 1, "url": "", "full_size_url": ""}]}));
        assert!(parse_page(&page(vec![both])).is_err());
    }

    #[test]
    fn an_empty_wardrobe_is_a_page_without_items() {
        let parsed = parse_page(&json!({
            "items": [], "pagination": {"current_page": 1, "total_pages": 0, "total_entries": 0}, "code": 0
        }))
        .expect("a page");
        assert!(parsed.items.is_empty());
        assert_eq!(parsed.total_entries, 0);
    }

    #[test]
    fn statuses() {
        let cases = [
            (json!({}), ListingStatus::Active, None),
            (
                json!({"is_draft": true, "is_hidden": true}),
                ListingStatus::Draft,
                None,
            ),
            (
                json!({"is_closed": true, "item_closing_action": "sold"}),
                ListingStatus::Sold,
                Some("sold"),
            ),
            (json!({"is_closed": true}), ListingStatus::Sold, None),
            (
                json!({"is_closed": true, "item_closing_action": "swapped"}),
                ListingStatus::Sold,
                Some("swapped"),
            ),
            (
                json!({"is_reserved": true, "is_hidden": true}),
                ListingStatus::Reserved,
                None,
            ),
            (json!({"is_hidden": true}), ListingStatus::Hidden, None),
            (json!({"is_hidden": null}), ListingStatus::Active, None),
        ];
        for (changes, expected, action) in cases {
            let parsed = parse_page(&page(vec![with(changes.clone())])).expect("a page");
            assert_eq!(parsed.items[0].status, expected, "{changes}");
            assert_eq!(
                parsed.items[0].closing_action.as_deref(),
                action,
                "{changes}"
            );
            assert_eq!(
                expected.as_str(),
                serde_json::to_value(expected).expect("json")
            );
        }
    }

    #[test]
    fn other_shapes_vinted_sends() {
        let parsed = parse_page(&page(vec![with(json!({
            "id": "987",
            "price": 12.5,
            "currency": "GBP",
            "photos": [],
            "photo": {"url": "https://images1.vinted.net/t/x.jpeg"},
            "view_count": null,
            "favourite_count": 0,
            "brand": {"id": 12, "title": "Levi's"},
            "size": null,
        }))]))
        .expect("a page");
        let item = &parsed.items[0];
        assert_eq!(item.id, "987");
        assert_eq!((item.price_cents, item.currency.as_str()), (1250, "GBP"));
        assert_eq!(
            item.photo_url.as_deref(),
            Some("https://images1.vinted.net/t/x.jpeg")
        );
        assert_eq!(item.photo_urls, vec!["https://images1.vinted.net/t/x.jpeg"]);
        assert_eq!(item.listed_at, None);
        assert_eq!((item.view_count, item.favourite_count), (None, Some(0)));
        assert_eq!(item.brand.as_deref(), Some("Levi's"));
        assert_eq!(item.size, None);

        // A price object without currency takes the item's; photos without image_no keep
        // their order; a photo without url gives its full size url.
        let parsed = parse_page(&page(vec![with(json!({
            "price": {"amount": "5"},
            "currency": "EUR",
            "photos": [
                {"full_size_url": "https://images1.vinted.net/a.jpeg"},
                {"url": "https://images1.vinted.net/b.jpeg", "high_resolution": {"timestamp": 1700000000}}
            ],
        }))]))
        .expect("a page");
        let item = &parsed.items[0];
        assert_eq!(item.price_cents, 500);
        assert_eq!(
            item.photo_url.as_deref(),
            Some("https://images1.vinted.net/a.jpeg")
        );
        assert_eq!(item.listed_at.as_deref(), Some("2023-11-14T22:13:20.000Z"));
    }

    #[test]
    fn a_changed_answer_is_an_error_not_an_empty_wardrobe() {
        for answer in [
            json!(null),
            json!([]),
            json!({"items": null, "pagination": {"total_pages": 0, "total_entries": 0}}),
            json!({"items": {}, "pagination": {"total_pages": 0, "total_entries": 0}}),
            json!({"pagination": {"total_pages": 0, "total_entries": 0}}),
            json!({"items": []}),
            json!({"items": [], "pagination": {"total_pages": -1, "total_entries": 0}}),
            json!({"items": [], "pagination": {"total_pages": "2", "total_entries": 0}}),
            json!({"items": [], "pagination": {"total_entries": 0}}),
            json!({"items": [], "pagination": {"total_pages": 0, "total_entries": 0}, "code": 7}),
            json!({"html": "<!DOCTYPE html>"}),
        ] {
            let error = parse_page(&answer).expect_err("refused");
            assert!(
                matches!(error, WardrobeError::Changed(_)),
                "{answer}: {error}"
            );
            assert!(
                error
                    .to_string()
                    .starts_with("the wardrobe answer has changed")
            );
        }
    }

    #[test]
    fn a_malformed_count_is_absent_and_the_page_still_reads() {
        for (bad, field) in [
            (json!({"view_count": "12"}), "view"),
            (json!({"view_count": -1}), "view"),
            (json!({"favourite_count": 1.5}), "favourite"),
            (json!({"view_count": 5_000_000_000_u64}), "view"),
        ] {
            let read = parse_page(&page(vec![item(), with(bad.clone())])).expect("the page");
            assert_eq!(read.items.len(), 2, "{bad}");
            let counts = (read.items[1].view_count, read.items[1].favourite_count);
            let expected = if field == "view" {
                (None, Some(9))
            } else {
                (Some(143), None)
            };
            assert_eq!(counts, expected, "{bad}");
        }
    }

    #[test]
    fn a_garbled_item_is_named_not_dropped() {
        let cases = [
            (json!("5123456789"), None),
            (with(json!({"id": null})), None),
            (with(json!({"id": -4})), None),
            (with(json!({"id": "12a"})), None),
            (with(json!({"id": "1".repeat(21)})), None),
            (with(json!({"title": null})), Some("5123456789")),
            (with(json!({"title": "x".repeat(501)})), Some("5123456789")),
            (with(json!({"title": "a\u{0}b"})), Some("5123456789")),
            (
                with(json!({"url": "javascript:alert(1)"})),
                Some("5123456789"),
            ),
            (
                with(json!({"url": "/items/5123456789"})),
                Some("5123456789"),
            ),
            (with(json!({"url": "https://"})), Some("5123456789")),
            (
                with(json!({"url": "https://www.vinted.fr/items/1 2"})),
                Some("5123456789"),
            ),
            (
                with(json!({"url": format!("https://www.vinted.fr/{}", "a".repeat(2048))})),
                Some("5123456789"),
            ),
            (
                with(json!({"price": {"amount": "-3.00", "currency_code": "EUR"}})),
                Some("5123456789"),
            ),
            (
                with(json!({"price": {"amount": "3.00", "currency_code": "euro"}})),
                Some("5123456789"),
            ),
            (with(json!({"price": null})), Some("5123456789")),
            (with(json!({"is_draft": "yes"})), Some("5123456789")),
            (
                with(json!({"is_draft": true, "is_hidden": 1})),
                Some("5123456789"),
            ),
            (with(json!({"item_closing_action": 3})), Some("5123456789")),
            (with(json!({"photos": {}})), Some("5123456789")),
            (
                with(json!({"photos": [{"url": "ftp://x/y.jpeg"}]})),
                Some("5123456789"),
            ),
            (
                with(
                    json!({"photos": [{"url": "https://x/y.jpeg", "high_resolution": {"timestamp": "soon"}}]}),
                ),
                Some("5123456789"),
            ),
            (
                with(
                    json!({"photos": [{"url": "https://x/y.jpeg", "high_resolution": {"timestamp": 99}}]}),
                ),
                Some("5123456789"),
            ),
            (
                with(json!({"photos": [], "photo": {"url": "data:image/png;base64,AAAA"}})),
                Some("5123456789"),
            ),
            (with(json!({"brand": ["Zara"]})), Some("5123456789")),
        ];
        for (bad, id) in cases {
            let error = parse_page(&page(vec![item(), bad.clone()])).expect_err("refused");
            let WardrobeError::Item {
                index, id: named, ..
            } = &error
            else {
                panic!("{bad}: {error}");
            };
            assert_eq!(*index, 1, "{bad}");
            assert_eq!(named.as_deref(), id, "{bad}");
            assert!(
                error.to_string().starts_with("item 2 of the wardrobe page"),
                "{error}"
            );
        }
    }
}
