//! The IPC surface of Vinted's notifications and favourites (issue 15, point 5): the
//! notifications and favourites read in, a read on demand, each item's opt-in messages to its
//! favouriters (refused without the warning about Vinted's rules read), their caps, and which
//! new notifications raise a desktop notification. The reads and sends are `seller-vinted`'s
//! flows; what they store is `seller_store::vinted::notifications`.
//!
//! Desktop notifications: after every progress of a notifications read, the alerts the read
//! left in the store are taken and shown through notify-rust (already the app's way to reach the
//! desktop, over the libdbus the keyring links; no permission for the webview is needed since
//! the window never asks for one), one per kind the person keeps on.

use seller_store::vinted::notifications::{
    AlertToShow, DesktopAlertKinds, FavoriteFilter, FavoriteItem, FavoriteRow, NotificationFilter,
    NotificationKind, NotificationRow, OutreachCaps, OutreachRequest, OutreachSetting,
    alerts_to_show,
};
use seller_store::vinted::{Job, JobKind, Page};
use tauri::State;

use crate::error::AppError;
use crate::jobs::Runner;
use crate::state::AppState;

/// Shows the desktop notifications new notifications ask for, whenever a job moves on.
pub fn spawn_desktop_alerts(state: AppState, runner: &Runner) {
    let mut progress = runner.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match progress.recv().await {
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    show_alerts(&state).await;
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

async fn show_alerts(state: &AppState) {
    let taken = state
        .with_store(|store| {
            let alerts = store.take_desktop_alerts()?;
            if alerts.is_empty() {
                return Ok(Vec::new());
            }
            Ok(alerts_to_show(&alerts, store.desktop_alert_kinds()?))
        })
        .await;
    let shown = match taken {
        Ok(shown) if !shown.is_empty() => shown,
        Ok(_) => return,
        Err(error) => {
            tracing::warn!(%error, "the desktop alerts could not be read");
            return;
        }
    };
    let english = crate::commands::speaks_english(state).await;
    for alert in shown {
        let (summary, body) = alert_text(&alert, english);
        let done = tauri::async_runtime::spawn_blocking(move || {
            notify_rust::Notification::new()
                .appname("Seller Panel")
                .summary(&summary)
                .body(&body)
                .show()
                .map(|_| ())
        })
        .await;
        if let Ok(Err(error)) = done {
            tracing::warn!(%error, "no desktop notification could be shown");
        }
    }
}

/// The title and text of a desktop notification, in the app's language.
pub fn alert_text(alert: &AlertToShow, english: bool) -> (String, String) {
    let (one, many) = match (alert.kind, english) {
        (NotificationKind::Sale, false) => ("Nouvelle vente sur Vinted", "nouvelles ventes"),
        (NotificationKind::Sale, true) => ("New sale on Vinted", "new sales"),
        (NotificationKind::Message, false) => ("Nouveau message sur Vinted", "nouveaux messages"),
        (NotificationKind::Message, true) => ("New message on Vinted", "new messages"),
        (NotificationKind::Offer, false) => ("Nouvelle offre sur Vinted", "nouvelles offres"),
        (NotificationKind::Offer, true) => ("New offer on Vinted", "new offers"),
        (NotificationKind::System, false) => ("Vinted", "notifications"),
        (NotificationKind::System, true) => ("Vinted", "notifications"),
    };
    match &alert.title {
        Some(title) if alert.count == 1 => (format!("Seller Panel — {one}"), markup_safe(title)),
        _ => (
            format!("Seller Panel — {one}"),
            format!("{} {many}", alert.count),
        ),
    }
}

/// A member's text for a notification server: on one line, without control or bidi
/// characters, and `&`, `<`, `>` escaped (servers render a subset of markup in the body).
fn markup_safe(text: &str) -> String {
    seller_store::vinted::notifications::plain_text(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[tauri::command]
#[specta::specta]
pub async fn list_notifications(
    state: State<'_, AppState>,
    filter: NotificationFilter,
) -> Result<Page<NotificationRow>, AppError> {
    state
        .with_store(move |store| Ok(store.list_notifications(&filter)?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn list_favorites(
    state: State<'_, AppState>,
    filter: FavoriteFilter,
) -> Result<Page<FavoriteRow>, AppError> {
    state
        .with_store(move |store| Ok(store.list_favorites(&filter)?))
        .await
}

/// The favourited items (of one account, or all), with their messages' settings.
#[tauri::command]
#[specta::specta]
pub async fn list_favorite_items(
    state: State<'_, AppState>,
    account_id: Option<String>,
) -> Result<Vec<FavoriteItem>, AppError> {
    state
        .with_store(move |store| Ok(store.favorite_items(account_id.as_deref())?))
        .await
}

/// Queues a notifications read of the account (every account, with none) unless one is queued
/// or running; returns the jobs queued. They run once the session is logged in.
#[tauri::command]
#[specta::specta]
pub async fn read_notifications_now(
    state: State<'_, AppState>,
    runner: State<'_, Runner>,
    account_id: Option<String>,
) -> Result<Vec<Job>, AppError> {
    crate::jobs::queue_read_now(&state, &runner, account_id, JobKind::ReadNotifications).await
}

/// Turns an item's messages to its favouriters on or off. Turning them on is refused unless
/// `request.rulesAccepted` says the person read the warning about Vinted's rules.
#[tauri::command]
#[specta::specta]
pub async fn set_item_outreach(
    state: State<'_, AppState>,
    request: OutreachRequest,
) -> Result<OutreachSetting, AppError> {
    state
        .with_store(move |store| {
            store.account(&request.account_id)?;
            Ok(store.set_outreach(&request)?)
        })
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_outreach_caps(state: State<'_, AppState>) -> Result<OutreachCaps, AppError> {
    state.with_store(|store| Ok(store.outreach_caps()?)).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_outreach_caps(
    state: State<'_, AppState>,
    caps: OutreachCaps,
) -> Result<OutreachCaps, AppError> {
    state
        .with_store(move |store| Ok(store.set_outreach_caps(caps)?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_desktop_alert_kinds(
    state: State<'_, AppState>,
) -> Result<DesktopAlertKinds, AppError> {
    state
        .with_store(|store| Ok(store.desktop_alert_kinds()?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn set_desktop_alert_kinds(
    state: State<'_, AppState>,
    kinds: DesktopAlertKinds,
) -> Result<DesktopAlertKinds, AppError> {
    state
        .with_store(move |store| Ok(store.set_desktop_alert_kinds(kinds)?))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_alert_shows_its_text_several_are_counted() {
        let one = AlertToShow {
            kind: NotificationKind::Sale,
            count: 1,
            title: Some("Robe Zara vendue".into()),
        };
        assert_eq!(
            alert_text(&one, false),
            (
                "Seller Panel — Nouvelle vente sur Vinted".into(),
                "Robe Zara vendue".into()
            )
        );
        let many = AlertToShow {
            kind: NotificationKind::Message,
            count: 3,
            title: None,
        };
        assert_eq!(
            alert_text(&many, true),
            (
                "Seller Panel — New message on Vinted".into(),
                "3 new messages".into()
            )
        );
    }

    #[test]
    fn a_member_s_text_shows_as_text() {
        let one = AlertToShow {
            kind: NotificationKind::Message,
            count: 1,
            title: Some("<b>Léa</b> & co\u{202E}\n<a href=\"x\">ici</a>".into()),
        };
        assert_eq!(
            alert_text(&one, true).1,
            "&lt;b&gt;Léa&lt;/b&gt; &amp; co &lt;a href=\"x\"&gt;ici&lt;/a&gt;"
        );
    }
}
