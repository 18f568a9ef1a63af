//! The IPC surface of the inbox (issue 15, point 4): every account's threads in one list (paged
//! in SQL, unread first), one thread with its messages, offers and events, the answers queued as
//! jobs (a reply, accept, decline, counter), the range Vinted allows for a counter, the reply
//! templates, and a read of the inbox now. The data is the store's
//! (`seller_store::vinted::inbox`), the calls `seller-vinted`'s inbox, reply and offer flows.

use seller_store::FieldErrorCode;
use seller_store::vinted::inbox::{
    ConversationFilter, ConversationRow, OfferStatus, ReplyTemplate, ReplyTemplateDraft, ThreadView,
};
use seller_store::vinted::{Job, JobKind, NewJob, Page};
use seller_vinted::flows::offer::{OfferAction, OfferRequest};
use seller_vinted::flows::send_reply::{MAX_REPLY_CHARS, ReplyRequest};
use tauri::State;

use crate::error::AppError;
use crate::jobs::Runner;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn list_conversations(
    state: State<'_, AppState>,
    filter: ConversationFilter,
) -> Result<Page<ConversationRow>, AppError> {
    state
        .with_store(move |store| Ok(store.list_conversations(&filter)?))
        .await
}

/// A thread: its messages, offers and Vinted's events merged by time, and its answers pending.
#[tauri::command]
#[specta::specta]
pub async fn get_thread(
    state: State<'_, AppState>,
    conversation_id: String,
) -> Result<ThreadView, AppError> {
    state
        .with_store(move |store| Ok(store.thread(&conversation_id)?))
        .await
}

/// The account that reads and answers the thread, known on this device; else a field error
/// the UI explains ("read the inbox on this device first").
async fn thread_account(state: &AppState, conversation_id: &str) -> Result<String, AppError> {
    let id = conversation_id.to_owned();
    let found = state
        .with_store(move |store| Ok(store.conversation_ref(&id)?))
        .await?;
    found.map(|r| r.account_id).ok_or_else(|| {
        AppError::field(
            "conversationId",
            FieldErrorCode::Invalid,
            "this thread has not been read from Vinted on this device",
        )
    })
}

async fn queue(
    runner: &Runner,
    account_id: String,
    kind: JobKind,
    payload: serde_json::Value,
    dry_run: bool,
) -> Result<Job, AppError> {
    runner
        .enqueue(NewJob {
            account_id,
            kind,
            payload,
            dry_run,
            progress_total: Some(1),
        })
        .await
}

/// Queues a reply in the thread; it shows in the thread once Vinted shows it.
#[tauri::command]
#[specta::specta]
pub async fn send_reply(
    state: State<'_, AppState>,
    runner: State<'_, Runner>,
    conversation_id: String,
    body: String,
    dry_run: bool,
) -> Result<Job, AppError> {
    let body = body.trim().to_owned();
    if body.is_empty() {
        return Err(AppError::field(
            "body",
            FieldErrorCode::Required,
            "the reply is empty",
        ));
    }
    if body.chars().count() > MAX_REPLY_CHARS {
        return Err(AppError::field(
            "body",
            FieldErrorCode::TooLong,
            "the reply is too long",
        ));
    }
    let account_id = thread_account(&state, &conversation_id).await?;
    let payload = serde_json::to_value(ReplyRequest {
        conversation_id,
        body,
    })
    .map_err(AppError::internal)?;
    queue(&runner, account_id, JobKind::SendReply, payload, dry_run).await
}

/// Queues an answer to a buyer's offer: accept, decline, or counter at `price_cents` (checked
/// against Vinted's range by the job before anything is sent).
#[tauri::command]
#[specta::specta]
pub async fn answer_offer(
    state: State<'_, AppState>,
    runner: State<'_, Runner>,
    conversation_id: String,
    offer_id: Option<String>,
    action: OfferAction,
    price_cents: Option<i64>,
    dry_run: bool,
) -> Result<Job, AppError> {
    let account_id = thread_account(&state, &conversation_id).await?;
    let id = conversation_id.clone();
    if state
        .with_store(move |store| Ok(store.offer_answer_pending(&id)?))
        .await?
    {
        return Err(AppError::field(
            "offerId",
            FieldErrorCode::Duplicate,
            "an answer to this thread's offer is already on its way",
        ));
    }
    match action {
        OfferAction::Counter => match price_cents {
            None => {
                return Err(AppError::field(
                    "priceCents",
                    FieldErrorCode::Required,
                    "a counter-offer needs a price",
                ));
            }
            Some(cents) if cents <= 0 => {
                return Err(AppError::field(
                    "priceCents",
                    FieldErrorCode::Invalid,
                    "the price must be more than 0",
                ));
            }
            Some(cents) if cents > seller_store::products::MAX_MONEY_CENTS => {
                return Err(AppError::field(
                    "priceCents",
                    FieldErrorCode::TooLarge,
                    "the price is too large",
                ));
            }
            Some(_) => {}
        },
        OfferAction::Accept | OfferAction::Decline => {
            let Some(id) = offer_id.clone() else {
                return Err(AppError::field(
                    "offerId",
                    FieldErrorCode::Required,
                    "no offer named",
                ));
            };
            let offer = state
                .with_store(move |store| Ok(store.offer_ref(&id)?))
                .await?;
            let answerable = offer.is_some_and(|o| {
                o.status == OfferStatus::Pending
                    && !o.is_me
                    && o.conversation.row_id == conversation_id
            });
            if !answerable {
                return Err(AppError::field(
                    "offerId",
                    FieldErrorCode::Invalid,
                    "this offer does not wait for an answer",
                ));
            }
        }
    }
    let payload = serde_json::to_value(OfferRequest {
        conversation_id,
        offer_id,
        action,
        price_cents: match action {
            OfferAction::Counter => price_cents,
            _ => None,
        },
    })
    .map_err(AppError::internal)?;
    queue(&runner, account_id, JobKind::AnswerOffer, payload, dry_run).await
}

/// Queues a read of the inbox of the account (every account, with none) unless one is already
/// queued or running; returns the jobs queued.
#[tauri::command]
#[specta::specta]
pub async fn import_inbox(
    state: State<'_, AppState>,
    runner: State<'_, Runner>,
    account_id: Option<String>,
) -> Result<Vec<Job>, AppError> {
    crate::jobs::queue_read_now(&state, &runner, account_id, JobKind::ImportInbox).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_reply_templates(
    state: State<'_, AppState>,
) -> Result<Vec<ReplyTemplate>, AppError> {
    state.with_store(|store| Ok(store.reply_templates()?)).await
}

#[tauri::command]
#[specta::specta]
pub async fn create_reply_template(
    state: State<'_, AppState>,
    draft: ReplyTemplateDraft,
) -> Result<ReplyTemplate, AppError> {
    state
        .with_store(move |store| Ok(store.create_reply_template(&draft)?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn update_reply_template(
    state: State<'_, AppState>,
    id: String,
    draft: ReplyTemplateDraft,
) -> Result<ReplyTemplate, AppError> {
    state
        .with_store(move |store| Ok(store.update_reply_template(&id, &draft)?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn delete_reply_template(state: State<'_, AppState>, id: String) -> Result<(), AppError> {
    state
        .with_store(move |store| Ok(store.delete_reply_template(&id)?))
        .await
}
