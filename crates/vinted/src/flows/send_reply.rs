//! A reply in a thread (`docs/VINTED.md`, "Write endpoints": `POST
//! /api/v2/conversations/{id}/replies {reply:{body, photo_temp_uuids:null,
//! is_personal_data_sharing_check_skipped:false}}`), sent through the paced write path (audited,
//! only recorded in a dry run), then the thread read back: the reply shows in the app once
//! Vinted shows it. Safe to run again: the checkpoint, saved before the write, holds how many
//! of the account's messages with that text the thread had, so a job resumed after a lost
//! answer reads the thread first and does not send the reply twice.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Flow;
use super::inbox::{conversation_ref, read_back};
use crate::StoreAccess;
use crate::calls::{Fixable, FlowError, Sent, store_error};
use crate::pacing::Action;
use crate::page::{Call, PageError};
use crate::reply::Refusal;
use crate::site::route;
use seller_store::vinted::inbox::ThreadItemKind;

/// Longest reply sent (Vinted's own limit is not documented; a message is short).
pub const MAX_REPLY_CHARS: usize = 2000;

/// What the person asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ReplyRequest {
    /// The thread's row id (`seller_conversations.id`).
    pub conversation_id: String,
    pub body: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Checkpoint {
    /// The account's messages with this text in the thread before the write.
    before: i64,
    confirmed: bool,
}

/// The reply's text as sent, or why it cannot be.
pub fn checked_body(body: &str) -> Result<String, FlowError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(FlowError::Invalid("the reply is empty".into()));
    }
    if body.chars().count() > MAX_REPLY_CHARS {
        return Err(FlowError::Invalid(format!(
            "the reply is longer than {MAX_REPLY_CHARS} characters"
        )));
    }
    Ok(body.to_owned())
}

pub async fn run<S: StoreAccess>(flow: &mut Flow<'_, S>) -> Result<Value, FlowError> {
    let request: ReplyRequest = serde_json::from_value(flow.job.payload.clone())
        .map_err(|error| FlowError::Invalid(format!("the reply is not valid: {error}")))?;
    let body = checked_body(&request.body)?;
    let reference = conversation_ref(flow, &request.conversation_id).await?;
    let vinted_id: u64 = reference.vinted_conversation_id.parse().map_err(|_| {
        FlowError::Invalid(format!(
            "{:?} is not a Vinted conversation id",
            reference.vinted_conversation_id
        ))
    })?;
    let saved: Option<Checkpoint> = match flow.job.checkpoint.clone() {
        Some(saved) => Some(serde_json::from_value(saved).map_err(|error| {
            FlowError::Invalid(format!("the reply's checkpoint is not valid: {error}"))
        })?),
        None => None,
    };
    if let Some(Checkpoint {
        confirmed: true, ..
    }) = saved
    {
        return Ok(summary(&request, &body, false, false));
    }
    // The thread as Vinted shows it now: after a restart, the reply may be there already.
    read_back(flow, &reference).await?;
    let mine = my_messages(flow, &request.conversation_id, &body).await?;
    if let Some(checkpoint) = &saved
        && mine > checkpoint.before
    {
        save(flow, checkpoint.before, true).await?;
        return Ok(summary(&request, &body, true, false));
    }
    let before = saved.map_or(mine, |c| c.before);
    save(flow, before, false).await?;
    let call = Call::send(
        "POST",
        route::conversation_replies(vinted_id),
        Some(json!({"reply": {
            "body": body,
            "photo_temp_uuids": null,
            "is_personal_data_sharing_check_skipped": false,
        }})),
    );
    let audit = json!({
        "conversationId": request.conversation_id,
        "vintedConversationId": reference.vinted_conversation_id,
        "body": body,
    });
    let lost = match flow.paced.write(Action::Write, call, audit).await {
        Ok(Sent::DryRun) => return Ok(summary(&request, &body, false, true)),
        Ok(Sent::Answer(_)) => None,
        Err(FlowError::Vinted(Refusal::NotFound)) => {
            return Err(FlowError::Fixable(Fixable::ThreadNotRead {
                conversation_id: request.conversation_id,
            }));
        }
        Err(error @ FlowError::Page(PageError::Network(_)))
        | Err(error @ FlowError::Vinted(Refusal::Server { .. })) => {
            tracing::info!(%error, "a reply's answer was lost: reading the thread back");
            Some(error)
        }
        Err(other) => return Err(other),
    };
    read_back(flow, &reference).await?;
    let after = my_messages(flow, &request.conversation_id, &body).await?;
    if after <= before {
        if let Some(lost) = lost {
            return Err(lost);
        }
        // Vinted accepted it (2xx) but does not show it yet, or shows it changed: it left, so
        // the job ends done (a retry by hand would send it twice) and the next inbox read
        // shows it.
        tracing::info!("Vinted accepted a reply its thread does not show yet");
        save(flow, before, true).await?;
        let mut done = summary(&request, &body, true, false);
        done["shown"] = json!(false);
        return Ok(done);
    }
    save(flow, before, true).await?;
    Ok(summary(&request, &body, true, false))
}

/// Whether two texts are the same message, whatever Vinted did to their whitespace.
pub(crate) fn same_text(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

fn summary(request: &ReplyRequest, body: &str, sent: bool, dry_run: bool) -> Value {
    json!({
        "conversationId": request.conversation_id, "body": body, "sent": sent, "dryRun": dry_run,
    })
}

/// How many of the account's messages in the thread have exactly this text.
async fn my_messages<S: StoreAccess>(
    flow: &Flow<'_, S>,
    conversation_id: &str,
    body: &str,
) -> Result<i64, FlowError> {
    let (id, body) = (conversation_id.to_owned(), body.to_owned());
    flow.store
        .with_store(move |store| {
            let thread = store.thread(&id)?;
            Ok(thread
                .items
                .iter()
                .filter(|i| i.kind == ThreadItemKind::Message && i.is_me)
                .filter(|i| i.text.as_deref().is_some_and(|text| same_text(text, &body)))
                .count() as i64)
        })
        .await
        .map_err(store_error)
}

async fn save<S: StoreAccess>(
    flow: &Flow<'_, S>,
    before: i64,
    confirmed: bool,
) -> Result<(), FlowError> {
    flow.checkpoint(
        &Checkpoint { before, confirmed },
        i64::from(confirmed),
        Some(1),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_is_found_whatever_vinted_did_to_its_whitespace() {
        assert!(same_text("Bonjour,\n\nmerci  !", "Bonjour, merci !"));
        assert!(same_text(" Bonjour ", "Bonjour"));
        assert!(!same_text("Bonjour", "Bonsoir"));
        assert!(!same_text("Bon jour", "Bonjour"));
    }
}
