//! A message (or an offer) to someone who favourited an item (`docs/VINTED.md`, "Write
//! endpoints" and "Pacing"; "What resellers most need" 8). Planned by a notifications read
//! ([`super::notifications`]) only for items the person turned on after reading the warning
//! about Vinted's rules, 5 to 30 minutes after the favourite; checked again when it runs (still
//! planned, still turned on, the item still on sale, the caps of the last 24 hours:
//! [`seller_store::vinted::notifications::OutreachCheck`]); then:
//!
//! 1. `POST /api/v2/conversations {initiator:"seller_enters_notification", item_id,
//!    opposite_user_id}`: Vinted answers the thread, the existing one when there is one;
//! 2. the message, `POST /api/v2/conversations/{id}/replies`; for an offer, the price is checked
//!    against `GET /api/v2/transactions/{tid}/offers/seller_options` before `POST
//!    /api/v2/transactions/{tid}/offers`.
//!
//! Every write is paced and audited (only recorded in a dry run). The checkpoint says the
//! thread and that the message may have left: a job run again reads the thread first and sends
//! nothing when its message is already there.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Flow;
use super::inbox::parse_seller_options;
use super::send_reply::same_text;
use crate::StoreAccess;
use crate::calls::{FlowError, Sent, store_error};
use crate::pacing::Action;
use crate::page::Call;
use crate::reply::Refusal;
use crate::site::route;
use seller_store::vinted::notifications::{OutreachCheck, OutreachMode, OutreachState};

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    send_id: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Checkpoint {
    conversation_id: Option<u64>,
    transaction_id: Option<u64>,
    /// The message (or offer) may have left: read the thread before sending again.
    sending: bool,
    /// Vinted accepted the message: a run again sends only what is left (the offer).
    #[serde(default)]
    message_sent: bool,
    /// Vinted accepted the offer.
    #[serde(default)]
    offer_sent: bool,
}

pub async fn run<S: StoreAccess>(flow: &mut Flow<'_, S>) -> Result<Value, FlowError> {
    let Payload { send_id } = serde_json::from_value(flow.job.payload.clone())
        .map_err(|error| FlowError::Invalid(format!("the message is not valid: {error}")))?;
    let mut checkpoint: Checkpoint = match flow.job.checkpoint.clone() {
        Some(saved) => serde_json::from_value(saved).map_err(|error| {
            FlowError::Invalid(format!("the message's checkpoint is not valid: {error}"))
        })?,
        None => Checkpoint::default(),
    };
    let id = send_id.clone();
    let started = checkpoint.message_sent || checkpoint.offer_sent;
    let check = flow
        .store
        // Once something left, the option and the caps are not asked again: the rest is sent.
        .with_store(move |store| Ok(store.check_outreach(&id, chrono::Utc::now(), started)?))
        .await
        .map_err(store_error)?;
    let (item_id, user_id, setting) = match check {
        OutreachCheck::Go {
            item_id,
            user_id,
            setting,
        } => (item_id, user_id, setting),
        OutreachCheck::AlreadySent { conversation_id } => {
            return Ok(json!({"sent": true, "already": true, "conversationId": conversation_id}));
        }
        OutreachCheck::Skip(reason) => {
            tracing::info!(%send_id, reason, "a message to a favouriter is not sent");
            return Ok(json!({"sent": false, "skipped": reason}));
        }
    };
    let (Ok(item), Ok(user)) = (item_id.parse::<u64>(), user_id.parse::<u64>()) else {
        return Err(FlowError::Invalid(format!(
            "{item_id:?} or {user_id:?} is not a Vinted id"
        )));
    };
    let dry_run = flow.caller.dry_run;
    let summary =
        |what: &str| json!({"itemId": item_id, "userId": user_id, "sendId": send_id, "what": what});

    // The thread: the one Vinted answers for this item and member (the existing one if any).
    let conversation_id = match checkpoint.conversation_id {
        Some(id) => Some(id),
        None => {
            let body = json!({
                "initiator": route::SELLER_ENTERS_NOTIFICATION,
                "item_id": item,
                "opposite_user_id": user,
            });
            let call = Call::send("POST", route::CONVERSATIONS, Some(body));
            match flow
                .paced
                .write(Action::Write, call, summary("thread"))
                .await?
            {
                Sent::DryRun => None,
                Sent::Answer(answer) => {
                    let thread = answer.get("conversation").unwrap_or(&answer);
                    let id = thread
                        .get("id")
                        .and_then(number)
                        .ok_or(FlowError::Vinted(Refusal::EndpointMoved { status: 200 }))?;
                    checkpoint.conversation_id = Some(id);
                    checkpoint.transaction_id = thread
                        .get("transaction")
                        .and_then(|t| t.get("id"))
                        .and_then(number);
                    if has_message(thread, &setting.message) {
                        // The message was sent before (by a person, or a run whose record was
                        // lost): not again.
                        return settle_sent(flow, &send_id, id, true).await;
                    }
                    save(flow, &checkpoint).await?;
                    Some(id)
                }
            }
        }
    };
    if checkpoint.sending
        && !checkpoint.message_sent
        && let Some(id) = conversation_id
    {
        let answer = flow.paced.read(Call::get(route::conversation(id))).await?;
        let thread = answer.get("conversation").unwrap_or(&answer);
        if has_message(thread, &setting.message) {
            checkpoint.message_sent = true;
        }
    }

    // The offer's range, before anything is sent (and not again once the offer left).
    let offer = match (setting.mode, setting.offer_price_cents) {
        (OutreachMode::Offer, Some(price)) if !checkpoint.offer_sent => {
            let currency = match (conversation_id, checkpoint.transaction_id) {
                (_, Some(transaction)) => {
                    // Refused after the message left: the row says sent (the member got one).
                    let refused = if checkpoint.message_sent {
                        OutreachState::Sent
                    } else {
                        OutreachState::Skipped
                    };
                    check_offer(flow, transaction, price, &send_id, refused).await?
                }
                (Some(_), None) if !checkpoint.message_sent => {
                    // No transaction, no offer: nothing is sent, and the row ends (a queued row
                    // left behind would hold the member back for ever).
                    settle(flow, &send_id, OutreachState::Skipped, "no_transaction").await?;
                    return Err(FlowError::Invalid(
                        "Vinted's thread names no transaction to make an offer in".into(),
                    ));
                }
                (Some(_), None) => {
                    return Err(FlowError::Invalid(
                        "Vinted's thread names no transaction to make an offer in".into(),
                    ));
                }
                (None, None) => "EUR".to_owned(),
            };
            Some((price, currency))
        }
        _ => None,
    };

    let thread = conversation_id.unwrap_or_default();
    let mut sent = Sent::DryRun;
    if !checkpoint.message_sent {
        checkpoint.sending = true;
        if !dry_run {
            save(flow, &checkpoint).await?;
        }
        let reply = json!({"reply": {
            "body": setting.message,
            "photo_temp_uuids": null,
            "is_personal_data_sharing_check_skipped": false,
        }});
        let call = Call::send("POST", route::conversation_replies(thread), Some(reply));
        sent = flow
            .paced
            .write(Action::Write, call, summary("message"))
            .await?;
        if matches!(sent, Sent::Answer(_)) {
            checkpoint.message_sent = true;
            save(flow, &checkpoint).await?;
        }
    } else if !dry_run {
        sent = Sent::Answer(Value::Null);
    }
    if let Some((price, currency)) = offer {
        let transaction = checkpoint.transaction_id.unwrap_or_default();
        let body = json!({"offer": {"price": decimal(price), "currency": currency}});
        let call = Call::send("POST", route::offers(transaction), Some(body));
        let offered = flow
            .paced
            .write(Action::Write, call, summary("offer"))
            .await?;
        if matches!(offered, Sent::Answer(_)) {
            checkpoint.offer_sent = true;
            save(flow, &checkpoint).await?;
        }
    }
    match (sent, conversation_id) {
        (Sent::Answer(_), Some(id)) => settle_sent(flow, &send_id, id, false).await,
        _ => {
            let id = send_id.clone();
            flow.store
                .with_store(move |store| {
                    Ok(store.settle_outreach(
                        &id,
                        OutreachState::DryRun,
                        None,
                        Some("dry_run"),
                        chrono::Utc::now(),
                    )?)
                })
                .await
                .map_err(store_error)?;
            Ok(json!({"sent": false, "dryRun": true}))
        }
    }
}

/// The currency of the offer when `price_cents` is within the range Vinted allows; refused
/// before anything is sent otherwise (recorded as skipped).
async fn check_offer<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    transaction: u64,
    price_cents: i64,
    send_id: &str,
    refused: OutreachState,
) -> Result<String, FlowError> {
    let answer = flow
        .paced
        .read(Call::get(route::offer_seller_options(transaction)))
        .await?;
    // The inbox's reading of the range: a missing or odd one refuses the offer.
    let Some((range, currency)) = parse_seller_options(&answer) else {
        settle(flow, send_id, refused, "offer_range_unknown").await?;
        return Err(FlowError::Invalid(
            "Vinted did not say which offers it allows: no offer is sent".into(),
        ));
    };
    if (range.min_cents..=range.max_cents).contains(&price_cents) {
        return Ok(currency);
    }
    settle(flow, send_id, refused, "offer_out_of_range").await?;
    Err(FlowError::Invalid(format!(
        "the offer of {price_cents} cents is outside the range Vinted allows ({} to {} cents)",
        range.min_cents, range.max_cents,
    )))
}

async fn settle<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    send_id: &str,
    state: OutreachState,
    reason: &'static str,
) -> Result<(), FlowError> {
    let id = send_id.to_owned();
    flow.store
        .with_store(move |store| {
            Ok(store.settle_outreach(&id, state, None, Some(reason), chrono::Utc::now())?)
        })
        .await
        .map_err(store_error)
}

async fn settle_sent<S: StoreAccess>(
    flow: &mut Flow<'_, S>,
    send_id: &str,
    conversation_id: u64,
    already: bool,
) -> Result<Value, FlowError> {
    let id = send_id.to_owned();
    let conversation = conversation_id.to_string();
    flow.store
        .with_store(move |store| {
            Ok(store.settle_outreach(
                &id,
                OutreachState::Sent,
                Some(&conversation),
                None,
                chrono::Utc::now(),
            )?)
        })
        .await
        .map_err(store_error)?;
    flow.checkpoint(
        &json!({"conversationId": conversation_id, "sent": true}),
        1,
        Some(1),
    )
    .await?;
    Ok(json!({"sent": true, "already": already, "conversationId": conversation_id.to_string()}))
}

async fn save<S: StoreAccess>(
    flow: &Flow<'_, S>,
    checkpoint: &Checkpoint,
) -> Result<(), FlowError> {
    flow.checkpoint(checkpoint, 0, Some(1)).await
}

/// Whether the thread holds a text message with exactly this body.
fn has_message(thread: &Value, body: &str) -> bool {
    thread
        .get("messages")
        .and_then(Value::as_array)
        .is_some_and(|messages| {
            messages.iter().any(|message| {
                message.get("entity_type").and_then(Value::as_str) == Some("message")
                    && message["entity"]["body"]
                        .as_str()
                        .is_some_and(|text| same_text(text, body))
            })
        })
}

fn number(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
}

/// Cents as Vinted's decimal text (`7000` → `"70.00"`).
fn decimal(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_holding_the_message_is_recognised() {
        let thread = json!({"id": 5, "messages": [
            {"entity_type": "message", "entity": {"id": 1, "user_id": 4, "body": "Bonjour ! "}},
            {"entity_type": "status_message", "entity": {"title": "Bonjour !"}}
        ]});
        assert!(has_message(&thread, "Bonjour !"));
        assert!(
            has_message(&thread, "Bonjour  !"),
            "whitespace as Vinted left it"
        );
        assert!(!has_message(&thread, "Au revoir"));
        assert!(!has_message(&json!({"messages": []}), "Bonjour !"));
        assert_eq!(decimal(7000), "70.00");
        assert_eq!(decimal(1205), "12.05");
    }
}
