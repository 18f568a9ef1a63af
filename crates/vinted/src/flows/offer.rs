//! Answering a buyer's offer (`docs/VINTED.md`, "Write endpoints", offers): accept or decline
//! it (`…/transactions/{tid}/offer_requests/{id}/accept|reject`, PUT first, POST when PUT
//! answers 404 or 405, since tools disagree), or counter it (`POST
//! /api/v2/transactions/{tid}/offers {offer:{price, currency}}`) within the range Vinted allows:
//! `seller_options` is read first and a price outside it is refused before anything is sent.
//! Every write goes through the paced write path (audited, only recorded in a dry run); the
//! thread is read back, so the answer shows in the app once Vinted shows it. The thread is read
//! before the write too: an offer answered meanwhile (or by a run of this job whose answer was
//! lost) is not answered again.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Flow;
use super::inbox::{conversation_ref, read_back, record_range, seller_options};
use crate::StoreAccess;
use crate::calls::{Fixable, FlowError, Sent, store_error};
use crate::pacing::Action;
use crate::page::{Call, PageError};
use crate::reply::Refusal;
use crate::site::route;
use seller_store::products::MAX_MONEY_CENTS;
use seller_store::vinted::inbox::{ConversationRef, OfferStatus, ThreadItemKind};

/// What the seller does with the offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum OfferAction {
    Accept,
    Decline,
    Counter,
}

/// What the person asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct OfferRequest {
    /// The thread's row id.
    pub conversation_id: String,
    /// The offer answered (`seller_offers.id`); a counter may name none.
    #[serde(default)]
    pub offer_id: Option<String>,
    pub action: OfferAction,
    /// A counter-offer's price.
    #[serde(default)]
    pub price_cents: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Checkpoint {
    /// The account's offers at this price in the thread before a counter was sent.
    #[serde(default)]
    before: i64,
    sending: bool,
    confirmed: bool,
}

pub async fn run<S: StoreAccess>(flow: &mut Flow<'_, S>) -> Result<Value, FlowError> {
    let request: OfferRequest = serde_json::from_value(flow.job.payload.clone())
        .map_err(|error| FlowError::Invalid(format!("the offer answer is not valid: {error}")))?;
    let reference = conversation_ref(flow, &request.conversation_id).await?;
    let transaction: u64 = reference
        .transaction_id
        .as_deref()
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| {
            FlowError::Invalid("the conversation has no transaction: no offer to answer".into())
        })?;
    let saved: Option<Checkpoint> = match flow.job.checkpoint.clone() {
        Some(saved) => Some(serde_json::from_value(saved).map_err(|error| {
            FlowError::Invalid(format!("the offer's checkpoint is not valid: {error}"))
        })?),
        None => None,
    };
    if saved.as_ref().is_some_and(|c| c.confirmed) {
        return Ok(summary(&request, true, false));
    }
    match request.action {
        OfferAction::Counter => counter(flow, &request, &reference, transaction, saved).await,
        OfferAction::Accept | OfferAction::Decline => {
            answer(flow, &request, &reference, transaction, saved).await
        }
    }
}

fn summary(request: &OfferRequest, confirmed: bool, dry_run: bool) -> Value {
    json!({
        "conversationId": request.conversation_id, "offerId": request.offer_id,
        "action": request.action, "priceCents": request.price_cents,
        "confirmed": confirmed, "dryRun": dry_run,
    })
}

/// A counter-offer's price, checked before any call.
fn checked_price(price_cents: Option<i64>) -> Result<i64, FlowError> {
    match price_cents {
        Some(cents) if cents > 0 && cents <= MAX_MONEY_CENTS => Ok(cents),
        Some(cents) => Err(FlowError::Invalid(format!(
            "a counter-offer of {cents} cents is not a price"
        ))),
        None => Err(FlowError::Invalid("the counter-offer has no price".into())),
    }
}

/// Cents as the decimal text Vinted's offers take (`7000` → `"70"`, `4250` → `"42.50"`).
pub fn price_text(cents: i64) -> String {
    if cents % 100 == 0 {
        (cents / 100).to_string()
    } else {
        format!("{}.{:02}", cents / 100, cents % 100)
    }
}

async fn my_offers_at<S: StoreAccess>(
    flow: &Flow<'_, S>,
    conversation_id: &str,
    price_cents: i64,
) -> Result<i64, FlowError> {
    let id = conversation_id.to_owned();
    flow.store
        .with_store(move |store| {
            Ok(store
                .thread(&id)?
                .items
                .iter()
                .filter(|i| i.kind == ThreadItemKind::Offer && i.is_me)
                .filter(|i| i.amount_cents == Some(price_cents))
                .count() as i64)
        })
        .await
        .map_err(store_error)
}

async fn save<S: StoreAccess>(
    flow: &Flow<'_, S>,
    before: i64,
    sending: bool,
    confirmed: bool,
) -> Result<(), FlowError> {
    let checkpoint = Checkpoint {
        before,
        sending,
        confirmed,
    };
    flow.checkpoint(&checkpoint, i64::from(confirmed), Some(1))
        .await
}

async fn counter<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    request: &OfferRequest,
    reference: &ConversationRef,
    transaction: u64,
    saved: Option<Checkpoint>,
) -> Result<Value, FlowError> {
    let price = checked_price(request.price_cents)?;
    // A run again after the counter may have left: the thread first (the range may have moved
    // since, or be gone once the offer was taken; it only matters when really sending).
    let resumed = saved.as_ref().filter(|c| c.sending).map(|c| c.before);
    if let Some(before) = resumed {
        read_back(flow, reference).await?;
        if my_offers_at(flow, &request.conversation_id, price).await? > before {
            save(flow, before, false, true).await?;
            return Ok(summary(request, true, false));
        }
    }
    // The range before sending: a price outside it is never sent.
    let (range, currency) = seller_options(flow, transaction).await?;
    record_range(flow, &reference.vinted_conversation_id, range).await?;
    if price < range.min_cents || price > range.max_cents {
        return Err(FlowError::Fixable(Fixable::OfferOutOfRange {
            price_cents: price,
            min_cents: range.min_cents,
            max_cents: range.max_cents,
        }));
    }
    let before = match resumed {
        Some(before) => before,
        None => {
            read_back(flow, reference).await?;
            my_offers_at(flow, &request.conversation_id, price).await?
        }
    };
    save(flow, before, true, false).await?;
    let call = Call::send(
        "POST",
        route::offers(transaction),
        Some(json!({"offer": {"price": price_text(price), "currency": currency}})),
    );
    let audit = json!({
        "conversationId": request.conversation_id, "transactionId": transaction,
        "action": "counter", "priceCents": price,
        "minCents": range.min_cents, "maxCents": range.max_cents,
    });
    let lost = match flow.paced.write(Action::Write, call, audit).await {
        Ok(Sent::DryRun) => return Ok(summary(request, false, true)),
        Ok(Sent::Answer(_)) => None,
        // Vinted's own range check (it moved since it was read): the same refusal as ours.
        Err(FlowError::Vinted(Refusal::Validation { .. })) => {
            return Err(FlowError::Fixable(Fixable::OfferOutOfRange {
                price_cents: price,
                min_cents: range.min_cents,
                max_cents: range.max_cents,
            }));
        }
        Err(error @ FlowError::Page(PageError::Network(_)))
        | Err(error @ FlowError::Vinted(Refusal::Server { .. })) => {
            tracing::info!(%error, "a counter-offer's answer was lost: reading the thread back");
            Some(error)
        }
        Err(other) => return Err(other),
    };
    read_back(flow, reference).await?;
    if my_offers_at(flow, &request.conversation_id, price).await? <= before {
        if let Some(lost) = lost {
            return Err(lost);
        }
        // Vinted accepted it (2xx): it left. Done, not failed (a retry by hand would send a
        // second counter); the next inbox read shows it.
        save(flow, before, false, true).await?;
        return Ok(not_shown(summary(request, true, false)));
    }
    save(flow, before, false, true).await?;
    Ok(summary(request, true, false))
}

/// A write Vinted accepted that its thread does not show yet.
fn not_shown(mut done: Value) -> Value {
    tracing::info!("Vinted accepted an offer answer its thread does not show yet");
    done["shown"] = json!(false);
    done
}

fn unconfirmed(what: &str) -> FlowError {
    FlowError::Vinted(Refusal::Unexpected {
        status: 200,
        code: None,
        message: Some(format!("Vinted does not show {what} in the thread")),
    })
}

async fn answer<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    request: &OfferRequest,
    reference: &ConversationRef,
    transaction: u64,
    saved: Option<Checkpoint>,
) -> Result<Value, FlowError> {
    let accept = request.action == OfferAction::Accept;
    let wanted = if accept {
        OfferStatus::Accepted
    } else {
        OfferStatus::Declined
    };
    let offer_id = request
        .offer_id
        .clone()
        .ok_or_else(|| FlowError::Invalid("no offer named to answer".into()))?;
    // What Vinted shows now: answered meanwhile, or by an earlier run of this job.
    read_back(flow, reference).await?;
    let id = offer_id.clone();
    let offer = flow
        .store
        .with_store(move |store| Ok(store.offer_ref(&id)?))
        .await
        .map_err(store_error)?
        .ok_or_else(|| {
            FlowError::Fixable(Fixable::OfferNotPending {
                offer_id: offer_id.clone(),
            })
        })?;
    if offer.conversation.row_id != reference.row_id {
        return Err(FlowError::Invalid(
            "the offer is not of this conversation".into(),
        ));
    }
    if saved.as_ref().is_some_and(|c| c.sending) && offer.status == wanted {
        save(flow, 0, false, true).await?;
        return Ok(summary(request, true, false));
    }
    if offer.status != OfferStatus::Pending || offer.is_me {
        return Err(FlowError::Fixable(Fixable::OfferNotPending { offer_id }));
    }
    let offer_request: u64 = offer.offer_request_id.parse().map_err(|_| {
        FlowError::Invalid(format!(
            "{:?} is not a Vinted offer id",
            offer.offer_request_id
        ))
    })?;
    let path = if accept {
        route::offer_request_accept(transaction, offer_request)
    } else {
        route::offer_request_reject(transaction, offer_request)
    };
    save(flow, 0, true, false).await?;
    let audit = |method: &str| {
        json!({
            "conversationId": request.conversation_id, "transactionId": transaction,
            "offerRequestId": offer_request, "action": request.action, "method": method,
            "amountCents": offer.amount_cents,
        })
    };
    // PUT first; a route refused (404, 405) is tried once with POST (`docs/VINTED.md` [U]).
    let mut sent = flow
        .paced
        .write(
            Action::Write,
            Call::send("PUT", path.clone(), None),
            audit("PUT"),
        )
        .await;
    if let Err(FlowError::Vinted(refusal)) = &sent
        && refusal.is_route_refused()
    {
        tracing::info!(%path, "PUT refused for the offer answer: trying POST");
        sent = flow
            .paced
            .write(Action::Write, Call::send("POST", path, None), audit("POST"))
            .await;
    }
    let accepted = matches!(sent, Ok(Sent::Answer(_)));
    let lost = match sent {
        Ok(Sent::DryRun) => return Ok(summary(request, false, true)),
        Ok(Sent::Answer(_)) => None,
        // Answered meanwhile: the read back says how.
        Err(FlowError::Vinted(Refusal::Validation { .. })) => None,
        Err(error @ FlowError::Page(PageError::Network(_)))
        | Err(error @ FlowError::Vinted(Refusal::Server { .. })) => {
            tracing::info!(%error, "an offer answer's answer was lost: reading the thread back");
            Some(error)
        }
        Err(other) => return Err(other),
    };
    read_back(flow, reference).await?;
    let id = request.offer_id.clone().unwrap_or_default();
    let shown = flow
        .store
        .with_store(move |store| Ok(store.offer_ref(&id)?))
        .await
        .map_err(store_error)?
        .map(|o| o.status);
    if shown != Some(wanted) && accepted {
        // Vinted accepted the answer (2xx): done, shown by the next inbox read.
        save(flow, 0, false, true).await?;
        return Ok(not_shown(summary(request, true, false)));
    }
    if shown != Some(wanted) {
        return Err(match (lost, shown) {
            (Some(error), _) => error,
            (None, Some(status)) if status != OfferStatus::Pending => {
                FlowError::Fixable(Fixable::OfferNotPending {
                    offer_id: request.offer_id.clone().unwrap_or_default(),
                })
            }
            _ => unconfirmed(if accept {
                "the accepted offer"
            } else {
                "the declined offer"
            }),
        });
    }
    save(flow, 0, false, true).await?;
    Ok(summary(request, true, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::inbox::{OfferRange, parse_seller_options};

    #[test]
    fn seller_options_read_as_a_range_in_cents() {
        let answer = json!({"seller_options": {
            "min_price": {"amount": "30.00", "currency_code": "EUR"},
            "max_price": {"amount": "50.00", "currency_code": "EUR"},
        }});
        assert_eq!(
            parse_seller_options(&answer),
            Some((
                OfferRange {
                    min_cents: 3000,
                    max_cents: 5000
                },
                "EUR".to_owned()
            ))
        );
        assert_eq!(parse_seller_options(&json!({"code": 0})), None);
    }

    #[test]
    fn prices_are_sent_as_vinted_writes_them() {
        assert_eq!(price_text(7000), "70");
        assert_eq!(price_text(4250), "42.50");
        assert_eq!(price_text(5), "0.05");
        assert!(checked_price(Some(0)).is_err());
        assert!(checked_price(None).is_err());
    }
}
