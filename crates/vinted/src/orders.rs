//! Orders as Vinted answers them (`docs/VINTED.md`, "Read endpoints": orders, transaction,
//! wallet invoices), read into what the store keeps ([`seller_store::orders::vinted`]).
//!
//! Answers are not trusted: a page without its `my_orders` list, or a transaction without its
//! id, is "the answer has changed" (never "no orders"); money is read exactly, as an
//! `{amount, currency_code}` object (`x-money-object: true`) or a plain string; dates are made
//! UTC; a tracking address is only made from a known carrier and a plain tracking code.

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::reply::parse_amount_cents;
use seller_store::orders::OrderType;
use seller_store::orders::vinted::{
    Counterpart, VintedOrder, VintedOrderItem, VintedOrderStatus, VintedShipment,
};

/// Working days a seller has to hand the parcel over after the payment.
pub const SHIP_WITHIN_WORKING_DAYS: u32 = 5;

/// An answer that is not what the flow expects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Vinted's {what} answer has changed: {detail}")]
pub struct ShapeError {
    pub what: &'static str,
    pub detail: String,
}

fn shape(what: &'static str, detail: impl Into<String>) -> ShapeError {
    ShapeError {
        what,
        detail: detail.into(),
    }
}

/// One row of a `my_orders` page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderRow {
    pub transaction_id: u64,
    pub conversation_id: Option<String>,
    pub title: String,
    pub price_cents: Option<i64>,
    pub currency: Option<String>,
    /// Localised text.
    pub status: Option<String>,
    pub date: Option<String>,
    pub photo_url: Option<String>,
    pub user_status: Option<String>,
}

/// One `my_orders` page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrdersPage {
    pub rows: Vec<OrderRow>,
    /// `None` when the answer has no pagination (the read then goes on while pages are full).
    pub total_pages: Option<u32>,
}

/// A `my_orders` page.
pub fn parse_orders_page(answer: &Value) -> Result<OrdersPage, ShapeError> {
    let list = answer["my_orders"]
        .as_array()
        .ok_or_else(|| shape("orders", "no my_orders list"))?;
    let rows = list
        .iter()
        .enumerate()
        .map(|(n, row)| {
            let transaction_id = id_of(&row["transaction_id"])
                .ok_or_else(|| shape("orders", format!("row {n} has no transaction_id")))?;
            Ok(OrderRow {
                transaction_id,
                conversation_id: id_text(&row["conversation_id"]),
                title: text(&row["title"]).unwrap_or_default(),
                price_cents: parse_amount_cents(&row["price"]),
                currency: currency(&row["price"]),
                status: text(&row["status"]),
                date: time(&row["date"]),
                photo_url: text(&row["photo"]["url"]).or_else(|| text(&row["photo_url"])),
                user_status: text(&row["transaction_user_status"]),
            })
        })
        .collect::<Result<Vec<_>, ShapeError>>()?;
    let total_pages = answer["pagination"]["total_pages"]
        .as_u64()
        .map(|n| n.min(u64::from(u32::MAX)) as u32);
    Ok(OrdersPage { rows, total_pages })
}

/// Whether the order was canceled. The row's `transaction_user_status` is Vinted's own code
/// (`failed` for a canceled order), not localised: when it is there it decides alone. Only
/// without it are the localised texts looked at, for whole words that say the order *was*
/// canceled ("Commande annulée", "Cancelled"), so "Cancellation requested" or "Annulation
/// demandée" do not cancel a sale that is still on.
fn says_canceled(user_status: Option<&str>, texts: &[Option<&str>]) -> bool {
    if let Some(code) = user_status {
        return code.trim().eq_ignore_ascii_case("failed");
    }
    const WORDS: [&str; 9] = [
        "canceled",
        "cancelled",
        "annulée",
        "annulee",
        "annulé",
        "annule",
        "storniert",
        "anulado",
        "anulada",
    ];
    texts.iter().flatten().any(|text| {
        text.to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .any(|word| WORDS.contains(&word))
    })
}

/// Whether the row's user status says the order is completed (Vinted's code, not localised).
fn says_completed(user_status: Option<&str>) -> bool {
    user_status.is_some_and(|code| code.trim().eq_ignore_ascii_case("completed"))
}

/// An order from its `my_orders` row and its transaction (`{transaction:{…}}`).
pub fn parse_transaction(
    order_type: OrderType,
    row: &OrderRow,
    answer: &Value,
) -> Result<VintedOrder, ShapeError> {
    let t = &answer["transaction"];
    if !t.is_object() {
        return Err(shape("transaction", "no transaction object"));
    }
    let id = id_of(&t["id"]).ok_or_else(|| shape("transaction", "no transaction id"))?;
    if id != row.transaction_id {
        return Err(shape(
            "transaction",
            format!("asked for {}, got {id}", row.transaction_id),
        ));
    }
    let status = t["status"].as_i64();
    let status_title = text(&t["status_title"]);
    let status_at = time(&t["status_updated_at"]);
    let paid_at = time(&t["debit_processed_at"])
        .or_else(|| row.date.clone())
        .or_else(|| status_at.clone())
        .unwrap_or_else(seller_store::now_rfc3339);
    let shipment = &t["shipment"];
    let shipment_status = shipment["status"].as_i64();
    let shipped_at = time(&shipment["shipped_at"]);
    let delivered_at = time(&shipment["delivered_at"]);
    let canceled = says_canceled(
        row.user_status.as_deref(),
        &[row.status.as_deref(), status_title.as_deref()],
    );
    let mut events = vec![(VintedOrderStatus::Paid, paid_at.clone())];
    if shipped_at.is_some() || shipment_status.is_some_and(|s| s >= 200) {
        let at = shipped_at.clone().or_else(|| status_at.clone());
        events.push((VintedOrderStatus::Shipped, at.unwrap_or(paid_at.clone())));
    }
    if delivered_at.is_some() || shipment_status.is_some_and(|s| s >= 400) {
        let at = delivered_at.or_else(|| status_at.clone()).or(shipped_at);
        events.push((VintedOrderStatus::Delivered, at.unwrap_or(paid_at.clone())));
    }
    if canceled {
        let at = status_at.clone().unwrap_or(paid_at.clone());
        events.push((VintedOrderStatus::Canceled, at));
    } else if status.is_some_and(|s| s >= 400) || says_completed(row.user_status.as_deref()) {
        let at = status_at.clone().unwrap_or(paid_at.clone());
        events.push((VintedOrderStatus::Completed, at));
    }
    // Events in time order (a later status with an earlier date keeps its place after).
    let mut latest = String::new();
    for (_, at) in &mut events {
        if *at < latest {
            at.clone_from(&latest);
        }
        latest.clone_from(at);
    }
    let counterpart_json = match order_type {
        OrderType::Sale => &t["buyer"],
        OrderType::Purchase => &t["seller"],
    };
    let counterpart = Counterpart {
        id: id_text(&counterpart_json["id"]),
        login: text(&counterpart_json["login"]),
        city: text(&counterpart_json["city"]),
        country_code: text(&counterpart_json["country_code"]),
    };
    let offer_price = parse_amount_cents(&t["offer"]["price"]);
    let price_cents = offer_price
        .or(row.price_cents)
        .ok_or_else(|| shape("transaction", "no price"))?;
    let currency_code = currency(&t["offer"]["price"]).or_else(|| row.currency.clone());
    let buyer_protection = parse_amount_cents(&t["offer"]["buyer_protection_fee"])
        .or_else(|| parse_amount_cents(&t["service_fee"]));
    let items: Vec<VintedOrderItem> = t["order"]["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| VintedOrderItem {
                    listing_id: id_text(&item["id"]),
                    title: text(&item["title"]).unwrap_or_default(),
                    price_cents: parse_amount_cents(&item["price"]),
                    thumbnail_url: item["photos"]
                        .as_array()
                        .and_then(|photos| photos.first())
                        .and_then(|photo| text(&photo["url"])),
                    description: text(&item["description"]),
                })
                .collect()
        })
        .unwrap_or_default();
    let items = if items.is_empty() {
        // An order always has one item: the row's.
        vec![VintedOrderItem {
            listing_id: None,
            title: row.title.clone(),
            price_cents: Some(price_cents),
            thumbnail_url: row.photo_url.clone(),
            description: None,
        }]
    } else {
        items
    };
    let tracking_code = text(&shipment["tracking_code"]);
    let carrier = text(&shipment["carrier_name"]).or_else(|| text(&shipment["carrier"]));
    let shipment = shipment.is_object().then(|| VintedShipment {
        id: id_text(&shipment["id"]),
        status: shipment_status,
        tracking_url: tracking_url(carrier.as_deref(), tracking_code.as_deref()),
        tracking_code,
        carrier,
    });
    // A deadline only for a sale with a shipment to hand over (a transaction Vinted no longer
    // serves, or one without a shipment, has none to count down).
    let ship_by = (order_type == OrderType::Sale && shipment.is_some())
        .then(|| ship_by(&paid_at))
        .flatten();
    let title = if row.title.is_empty() {
        items.first().map(|i| i.title.clone()).unwrap_or_default()
    } else {
        row.title.clone()
    };
    Ok(VintedOrder {
        order_type,
        transaction_id: id.to_string(),
        conversation_id: id_text(&t["user_msg_thread_id"]).or_else(|| row.conversation_id.clone()),
        title,
        row_status: row.status.clone(),
        transaction_status: status,
        events,
        created_at: paid_at,
        currency: currency_code,
        price_cents,
        buyer_protection_fee_cents: buyer_protection,
        shipping_price_cents: parse_amount_cents(&shipment_price(&t["shipment"])),
        counterpart,
        thumbnail_url: row.photo_url.clone(),
        shipment,
        items,
        ship_by,
        snapshot: t.clone(),
        details_gone: false,
    })
}

fn shipment_price(shipment: &Value) -> Value {
    shipment["price"].clone()
}

/// One page of a month's wallet invoice: (conversation id, signed cents) of each line about a
/// conversation, and how many pages there are.
pub fn parse_invoice_page(answer: &Value) -> Result<(Vec<(String, i64)>, u32), ShapeError> {
    let lines = answer["invoice_lines"]
        .as_array()
        .ok_or_else(|| shape("wallet invoice", "no invoice_lines list"))?;
    let mut payouts = Vec::new();
    for line in lines {
        if line["entity_type"].as_str() != Some("user_msg_thread") {
            continue;
        }
        let Some(conversation) = id_text(&line["entity_id"]) else {
            continue;
        };
        let Some(cents) = signed_cents(&line["amount"]) else {
            continue;
        };
        // A conversation's credits add up (a refund line is negative).
        match payouts.iter_mut().find(|(c, _)| *c == conversation) {
            Some((_, total)) => *total += cents,
            None => payouts.push((conversation, cents)),
        }
    }
    let total_pages = answer["invoice_lines_pagination"]["total_pages"]
        .as_u64()
        .map_or(1, |n| n.min(u64::from(u32::MAX)) as u32);
    Ok((payouts, total_pages))
}

/// An amount that may be negative (`"-3.50"` or `{amount: "-3.50"}`).
fn signed_cents(value: &Value) -> Option<i64> {
    let inner = match value {
        Value::Object(object) => object.get("amount")?.clone(),
        other => other.clone(),
    };
    let text = match &inner {
        Value::String(text) => text.trim().to_owned(),
        Value::Number(number) => number.to_string(),
        _ => return None,
    };
    match text.strip_prefix('-') {
        Some(rest) => parse_amount_cents(&Value::String(rest.to_owned())).map(|c| -c),
        None => parse_amount_cents(&Value::String(text)),
    }
}

/// The last day to ship: [`SHIP_WITHIN_WORKING_DAYS`] working days (Monday to Friday) after
/// the payment, at the same time of day.
pub fn ship_by(paid_at: &str) -> Option<String> {
    let mut at: DateTime<Utc> = crate::parse_time(paid_at)?;
    let mut left = SHIP_WITHIN_WORKING_DAYS;
    while left > 0 {
        at += Duration::days(1);
        if !matches!(at.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    Some(crate::rfc3339(at))
}

/// Where a parcel is followed, for the carriers Vinted uses; `None` for another carrier or a
/// code that is not plain letters, digits and dashes.
pub fn tracking_url(carrier: Option<&str>, code: Option<&str>) -> Option<String> {
    let code = code?.trim();
    if code.is_empty()
        || code.len() > 64
        || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return None;
    }
    let carrier = carrier?.to_lowercase();
    let base = if carrier.contains("mondial") {
        "https://www.mondialrelay.fr/suivi-de-colis/?numeroExpedition="
    } else if carrier.contains("colissimo") || carrier.contains("la poste") {
        "https://www.laposte.fr/outils/suivre-vos-envois?code="
    } else if carrier.contains("chronopost") {
        "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT="
    } else if carrier.contains("relais colis") {
        "https://www.relaiscolis.com/suivi-de-colis/index/tracking/?valeur="
    } else if carrier.contains("dpd") {
        "https://trace.dpd.fr/fr/trace/"
    } else if carrier.contains("ups") {
        "https://www.ups.com/track?tracknum="
    } else if carrier.contains("inpost") {
        "https://inpost.pl/sledzenie-przesylek?number="
    } else {
        return None;
    };
    Some(format!("{base}{code}"))
}

fn text(value: &Value) -> Option<String> {
    value
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn id_of(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

fn id_text(value: &Value) -> Option<String> {
    id_of(value).map(|id| id.to_string())
}

fn currency(value: &Value) -> Option<String> {
    text(&value["currency_code"])
}

/// A date as the store keeps it, or `None`.
fn time(value: &Value) -> Option<String> {
    crate::parse_time(value.as_str()?.trim()).map(crate::rfc3339)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn row(id: u64) -> OrderRow {
        parse_orders_page(&json!({"my_orders": [{
            "transaction_id": id, "conversation_id": 70, "title": "Robe",
            "price": {"amount": "12.50", "currency_code": "EUR"}, "status": "Commande payée",
            "date": "2026-11-20T10:15:00+01:00", "photo": {"id": 1, "url": "https://x/p.jpg"},
            "transaction_user_status": "needs_action"}], "pagination": {"total_pages": 3}}))
        .expect("a page")
        .rows
        .remove(0)
    }

    #[test]
    fn a_page_reads_money_objects_and_plain_strings_and_refuses_a_changed_shape() {
        let page = parse_orders_page(&json!({"my_orders": [
            {"transaction_id": 1, "price": {"amount": "12.50", "currency_code": "EUR"}},
            {"transaction_id": "2", "price": "7,9"}], "pagination": {"total_pages": 3}}))
        .expect("a page");
        assert_eq!(page.total_pages, Some(3));
        let bare = parse_orders_page(&json!({"my_orders": []})).expect("a page");
        assert_eq!(bare.total_pages, None, "no pagination is not one page");
        assert_eq!(page.rows[0].price_cents, Some(1250));
        assert_eq!(page.rows[0].currency.as_deref(), Some("EUR"));
        assert_eq!(page.rows[1].transaction_id, 2);
        assert_eq!(page.rows[1].price_cents, Some(790));
        assert!(parse_orders_page(&json!({"orders": []})).is_err());
        assert!(parse_orders_page(&json!({"my_orders": [{"title": "x"}]})).is_err());
        assert_eq!(row(5).date.as_deref(), Some("2026-11-20T09:15:00.000Z"));
    }

    #[test]
    fn a_bundle_sale_with_its_shipment_fees_and_deadline() {
        let answer = json!({"transaction": {
            "id": 5, "status": 230, "status_title": "Colis envoyé",
            "status_updated_at": "2026-11-21T08:00:00Z",
            "debit_processed_at": "2026-11-20T09:15:00Z", "user_msg_thread_id": 70,
            "buyer": {"id": 9, "login": "marie", "country_code": "FR", "city": "Lyon"},
            "seller": {"id": 1, "login": "me"},
            "offer": {"id": 3, "price": {"amount": "20.00", "currency_code": "EUR"},
                      "buyer_protection_fee": {"amount": "1.70", "currency_code": "EUR"}},
            "service_fee": {"amount": "1.70", "currency_code": "EUR"},
            "order": {"items": [
                {"id": 501, "title": "Robe", "price": {"amount": "15.00", "currency_code": "EUR"}},
                {"id": 502, "title": "Jupe", "price": "8.00",
                 "photos": [{"url": "https://x/j.jpg"}]}]},
            "shipment": {"id": 77, "status": 200, "price": {"amount": "2.89"},
                         "tracking_code": "MR123", "carrier_name": "Mondial Relay",
                         "shipped_at": "2026-11-21T08:00:00Z", "delivered_at": null}}});
        let order = parse_transaction(OrderType::Sale, &row(5), &answer).expect("an order");
        assert_eq!(order.price_cents, 2000);
        assert_eq!(order.buyer_protection_fee_cents, Some(170));
        assert_eq!(order.shipping_price_cents, Some(289));
        assert_eq!(order.items.len(), 2);
        assert_eq!(order.items[1].price_cents, Some(800));
        assert_eq!(
            order.items[1].thumbnail_url.as_deref(),
            Some("https://x/j.jpg")
        );
        assert_eq!(order.conversation_id.as_deref(), Some("70"));
        assert_eq!(order.counterpart.login.as_deref(), Some("marie"));
        assert_eq!(
            order.events,
            vec![
                (VintedOrderStatus::Paid, "2026-11-20T09:15:00.000Z".into()),
                (
                    VintedOrderStatus::Shipped,
                    "2026-11-21T08:00:00.000Z".into()
                ),
            ]
        );
        let shipment = order.shipment.expect("a shipment");
        assert_eq!(
            shipment.tracking_url.as_deref(),
            Some("https://www.mondialrelay.fr/suivi-de-colis/?numeroExpedition=MR123")
        );
        // Friday 20 November: five working days later is Friday 27.
        assert_eq!(order.ship_by.as_deref(), Some("2026-11-27T09:15:00.000Z"));
    }

    #[test]
    fn statuses_completed_and_canceled() {
        let completed = json!({"transaction": {"id": 5, "status": 450,
            "status_updated_at": "2026-11-25T08:00:00Z",
            "offer": {"price": "12.50"},
            "shipment": {"id": 1, "status": 400, "shipped_at": "2026-11-21T08:00:00Z",
                         "delivered_at": "2026-11-24T08:00:00Z"}}});
        let order = parse_transaction(OrderType::Purchase, &row(5), &completed).expect("order");
        let statuses: Vec<_> = order.events.iter().map(|(s, _)| *s).collect();
        assert_eq!(
            statuses,
            [
                VintedOrderStatus::Paid,
                VintedOrderStatus::Shipped,
                VintedOrderStatus::Delivered,
                VintedOrderStatus::Completed
            ]
        );
        assert_eq!(order.ship_by, None, "a purchase has no deadline");
        let mut canceled_row = row(5);
        canceled_row.user_status = Some("failed".into());
        let canceled = json!({"transaction": {"id": 5, "status": 500,
            "status_title": "Commande annulée", "status_updated_at": "2026-11-22T08:00:00Z",
            "offer": {"price": "12.50"}}});
        let order = parse_transaction(OrderType::Sale, &canceled_row, &canceled).expect("order");
        assert_eq!(order.status(), VintedOrderStatus::Canceled);
        // Another transaction than the one asked for is refused.
        assert!(parse_transaction(OrderType::Sale, &row(6), &canceled).is_err());
        assert!(parse_transaction(OrderType::Sale, &row(5), &json!({"id": 5})).is_err());
    }

    #[test]
    fn only_failed_or_a_whole_word_cancels_and_requested_does_not() {
        let answer = json!({"transaction": {"id": 5, "status": 230,
            "status_title": "Cancellation requested", "offer": {"price": "12.50"},
            "shipment": {"id": 1, "status": 200}}});
        let mut requested = row(5);
        requested.user_status = Some("waiting".into());
        requested.status = Some("Annulation demandée".into());
        let order = parse_transaction(OrderType::Sale, &requested, &answer).expect("order");
        assert_ne!(order.status(), VintedOrderStatus::Canceled);
        // Without the user status, the texts decide, by whole words only.
        requested.user_status = None;
        let order = parse_transaction(OrderType::Sale, &requested, &answer).expect("order");
        assert_ne!(order.status(), VintedOrderStatus::Canceled);
        requested.status = Some("Commande annulée".into());
        let order = parse_transaction(OrderType::Sale, &requested, &answer).expect("order");
        assert_eq!(order.status(), VintedOrderStatus::Canceled);
        // The user status wins over any text.
        requested.user_status = Some("completed".into());
        let order = parse_transaction(OrderType::Sale, &requested, &answer).expect("order");
        assert_eq!(order.status(), VintedOrderStatus::Completed);
    }

    #[test]
    fn a_transaction_vinted_no_longer_serves_follows_its_row() {
        // What the flow parses when the transaction answers 404: the row alone.
        let bare = json!({"transaction": {"id": 5}});
        let mut done = row(5);
        done.user_status = Some("completed".into());
        let order = parse_transaction(OrderType::Sale, &done, &bare).expect("order");
        assert_eq!(order.status(), VintedOrderStatus::Completed);
        assert_eq!(order.ship_by, None, "no shipment, no deadline");
        let open = parse_transaction(OrderType::Sale, &row(5), &bare).expect("order");
        assert_eq!(open.status(), VintedOrderStatus::Paid);
        assert_eq!(open.ship_by, None);
    }

    #[test]
    fn invoice_lines_add_up_per_conversation() {
        let (lines, pages) = parse_invoice_page(&json!({"invoice_lines": [
            {"entity_type": "user_msg_thread", "entity_id": 70, "title": "Vente",
             "amount": {"amount": "19.00", "currency_code": "EUR"}},
            {"entity_type": "user_msg_thread", "entity_id": "70", "amount": "-1.50"},
            {"entity_type": "payout", "entity_id": 1, "amount": "50.00"},
            {"entity_type": "user_msg_thread", "entity_id": 71, "amount": {"amount": "-4.20"}}],
            "invoice_lines_pagination": {"total_pages": 2}}))
        .expect("a page");
        assert_eq!(pages, 2);
        assert_eq!(lines, vec![("70".into(), 1750), ("71".into(), -420)]);
        assert!(parse_invoice_page(&json!({})).is_err());
    }

    #[test]
    fn tracking_addresses_only_for_known_carriers_and_plain_codes() {
        assert!(tracking_url(Some("Colissimo"), Some("6A123")).is_some());
        assert_eq!(tracking_url(Some("Colissimo"), Some("6A 1\"23")), None);
        assert_eq!(tracking_url(Some("Pigeon"), Some("6A123")), None);
        assert_eq!(tracking_url(None, Some("6A123")), None);
    }
}
