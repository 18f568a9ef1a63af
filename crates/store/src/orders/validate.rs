//! What a draft order, status or tracking may be: trimmed, blanks as `None`, every wrong field
//! named as the UI names it.

use chrono::{DateTime, SecondsFormat, Utc};

use super::{CANCELED_STATUS, MAX_ORDER_LINES, MAX_URL_CHARS, OrderDraft, OrderType, Tracking};
use crate::products::{MAX_MONEY_CENTS, MAX_QUANTITY, MAX_SHORT_TEXT_CHARS, MAX_TITLE_CHARS};
use crate::{FieldError, FieldErrorCode};

/// An RFC 3339 time as the database stores it (UTC, milliseconds, `Z`), or `None` when it is
/// not one. Needed before comparing times as text.
pub(crate) fn normalize_time(text: &str) -> Option<String> {
    DateTime::parse_from_rfc3339(text.trim()).ok().map(|t| {
        t.with_timezone(&Utc)
            .to_rfc3339_opts(SecondsFormat::Millis, true)
    })
}

pub(super) fn trimmed(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

pub(super) fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => text[..at].to_owned(),
        None => text.to_owned(),
    }
}

pub(super) fn checked_status(status: &str, errors: &mut Vec<FieldError>) -> String {
    let status = status.trim().to_owned();
    if status.is_empty() {
        errors.push(FieldError::new("status", FieldErrorCode::Required));
    } else if status.chars().count() > MAX_SHORT_TEXT_CHARS {
        errors.push(FieldError::new("status", FieldErrorCode::TooLong));
    } else if status == CANCELED_STATUS {
        errors.push(FieldError::new("status", FieldErrorCode::Invalid));
    }
    status
}

pub(super) fn checked_tracking(tracking: Tracking, errors: &mut Vec<FieldError>) -> Tracking {
    let tracking = Tracking {
        number: trimmed(tracking.number),
        carrier: trimmed(tracking.carrier),
        url: trimmed(tracking.url),
    };
    for (field, value) in [
        ("trackingNumber", &tracking.number),
        ("trackingCarrier", &tracking.carrier),
    ] {
        if value
            .as_ref()
            .is_some_and(|v| v.chars().count() > MAX_SHORT_TEXT_CHARS)
        {
            errors.push(FieldError::new(field, FieldErrorCode::TooLong));
        }
    }
    if let Some(url) = &tracking.url {
        if url.chars().count() > MAX_URL_CHARS {
            errors.push(FieldError::new("trackingUrl", FieldErrorCode::TooLong));
        } else if !(url.starts_with("https://") || url.starts_with("http://")) {
            errors.push(FieldError::new("trackingUrl", FieldErrorCode::Invalid));
        }
    }
    tracking
}

/// The draft as it would be stored (trimmed, blanks as `None`, the fee total resolved from its
/// parts), or every field that is wrong, by the name the UI uses (`items.2.quantity` for a line).
pub fn checked_order(mut draft: OrderDraft) -> std::result::Result<OrderDraft, Vec<FieldError>> {
    use FieldErrorCode::*;
    let mut errors = Vec::new();
    let money = |cents: i64| match cents {
        c if c < 0 => Some(Negative),
        c if c > MAX_MONEY_CENTS => Some(TooLarge),
        _ => None,
    };
    let check = |errors: &mut Vec<FieldError>, field: &str, code: Option<FieldErrorCode>| {
        if let Some(code) = code {
            errors.push(FieldError::new(field, code));
        }
    };

    draft.status = checked_status(&draft.status, &mut errors);
    draft.seller_account_id = trimmed(draft.seller_account_id);
    draft.order_id = trimmed(draft.order_id);
    draft.title = trimmed(draft.title);
    check(
        &mut errors,
        "title",
        draft
            .title
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_TITLE_CHARS)
            .then_some(TooLong),
    );
    if let Some(at) = trimmed(draft.created_at.take()) {
        match normalize_time(&at) {
            Some(at) => draft.created_at = Some(at),
            None => errors.push(FieldError::new("createdAt", Invalid)),
        }
    }
    for (field, value) in [
        ("orderId", &mut draft.order_id),
        ("buyerName", &mut draft.buyer_name),
        ("buyerUsername", &mut draft.buyer_username),
        ("sellerName", &mut draft.seller_name),
        ("sellerUsername", &mut draft.seller_username),
        ("shippingStreet", &mut draft.shipping_street),
        ("shippingCity", &mut draft.shipping_city),
        ("shippingPostalCode", &mut draft.shipping_postal_code),
        ("shippingCountry", &mut draft.shipping_country),
    ] {
        *value = trimmed(value.take());
        let max = if field == "shippingStreet" {
            MAX_TITLE_CHARS
        } else {
            MAX_SHORT_TEXT_CHARS
        };
        check(
            &mut errors,
            field,
            value
                .as_ref()
                .is_some_and(|v| v.chars().count() > max)
                .then_some(TooLong),
        );
    }
    draft.tracking = checked_tracking(std::mem::take(&mut draft.tracking), &mut errors);

    check(&mut errors, "priceCents", money(draft.price_cents));
    for (field, value) in [
        ("itemPriceCents", draft.item_price_cents),
        ("shippingFeeCents", draft.shipping_fee_cents),
        ("serviceFeeCents", draft.service_fee_cents),
        ("feesTotalCents", draft.fees_total_cents),
    ] {
        check(&mut errors, field, value.and_then(money));
    }
    if draft.shipping_fee_cents.is_some() || draft.service_fee_cents.is_some() {
        let parts = draft.shipping_fee_cents.unwrap_or(0) + draft.service_fee_cents.unwrap_or(0);
        if draft.fees_total_cents.is_some_and(|total| total != parts) {
            errors.push(FieldError::new("feesTotalCents", Invalid));
        }
        draft.fees_total_cents = Some(parts);
    }

    let is_sale = draft.order_type == OrderType::Sale;
    if draft.items.is_empty() {
        errors.push(FieldError::new("items", Required));
    }
    check(
        &mut errors,
        "items",
        (draft.items.len() > MAX_ORDER_LINES).then_some(TooLarge),
    );
    let mut seen = std::collections::HashSet::new();
    let priced = draft
        .items
        .iter()
        .filter(|i| i.price_cents.is_some())
        .count();
    for (n, item) in draft.items.iter_mut().enumerate() {
        let field = |name: &str| format!("items.{n}.{name}");
        item.sku = trimmed(item.sku.take());
        item.title = trimmed(item.title.take());
        if let Some(sku) = &item.sku {
            if sku.chars().count() > MAX_SHORT_TEXT_CHARS {
                errors.push(FieldError::new(&field("sku"), TooLong));
            }
            if !seen.insert(sku.clone()) {
                errors.push(FieldError::new(&field("sku"), Duplicate));
            }
        }
        // A line not linked to an existing item needs a title; for a purchase with a SKU the
        // title is only needed when the SKU turns out new, which `insert_product` checks.
        if item.sku.is_none() && item.title.is_none() {
            errors.push(FieldError::new(&field("title"), Required));
        }
        if item
            .title
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_TITLE_CHARS)
        {
            errors.push(FieldError::new(&field("title"), TooLong));
        }
        match item.quantity {
            q if q < 0 => errors.push(FieldError::new(&field("quantity"), Negative)),
            0 => errors.push(FieldError::new(&field("quantity"), Required)),
            q if q > MAX_QUANTITY => errors.push(FieldError::new(&field("quantity"), TooLarge)),
            _ => {}
        }
        match item.price_cents {
            Some(cents) => check(&mut errors, &field("priceCents"), money(cents)),
            None if priced > 0 => errors.push(FieldError::new(&field("priceCents"), Required)),
            None => {}
        }
        if let Some(cost) = item.unit_cost_cents {
            if !is_sale || item.sku.is_some() {
                errors.push(FieldError::new(&field("unitCostCents"), Invalid));
            } else {
                check(&mut errors, &field("unitCostCents"), money(cost));
            }
        }
    }
    if priced == draft.items.len() && priced > 0 {
        let sum: i64 = draft.items.iter().filter_map(|i| i.price_cents).sum();
        if sum != draft.price_cents {
            errors.push(FieldError::new("items", Invalid));
        }
    }

    if errors.is_empty() {
        Ok(draft)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_normalized_to_utc_milliseconds() {
        assert_eq!(
            normalize_time("2026-03-01T10:00:00+01:00").as_deref(),
            Some("2026-03-01T09:00:00.000Z")
        );
        assert_eq!(normalize_time("yesterday"), None);
    }
}
