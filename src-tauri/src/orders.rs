//! The IPC surface of the books: orders (sales and purchases) and the dashboard. Each command
//! maps one UI request onto the store, off the UI thread; no SQL here.

use seller_store::StoreError;
use seller_store::dashboard::{Dashboard, DashboardQuery};
use seller_store::orders::{Order, OrderDraft, OrderPage, OrderQuery, Tracking};
use tauri::State;

use crate::error::AppError;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn list_orders(
    state: State<'_, AppState>,
    query: OrderQuery,
) -> Result<OrderPage, AppError> {
    state
        .with_store(move |store| Ok(store.list_orders(&query)?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_order(state: State<'_, AppState>, id: String) -> Result<Order, AppError> {
    state.with_store(move |store| Ok(store.order(&id)?)).await
}

#[tauri::command]
#[specta::specta]
pub async fn create_order(
    state: State<'_, AppState>,
    draft: OrderDraft,
) -> Result<Order, AppError> {
    let skus: Vec<Option<String>> = draft.items.iter().map(|i| i.sku.clone()).collect();
    let order = state
        .with_store(move |store| {
            store
                .create_order(draft)
                .map_err(|err| with_line_field(err, &skus))
        })
        .await?;
    tracing::info!(id = %order.id, order_type = ?order.order_type, "order created");
    Ok(order)
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_order(state: State<'_, AppState>, id: String) -> Result<Order, AppError> {
    let order = state
        .with_store(move |store| Ok(store.cancel_order(&id)?))
        .await?;
    tracing::info!(id = %order.id, "order canceled");
    Ok(order)
}

/// Adds a dated event to the order's timeline; `occurred_at` `None` is now.
#[tauri::command]
#[specta::specta]
pub async fn update_order_status(
    state: State<'_, AppState>,
    id: String,
    status: String,
    occurred_at: Option<String>,
) -> Result<Order, AppError> {
    state
        .with_store(move |store| {
            Ok(store.update_order_status(&id, &status, occurred_at.as_deref())?)
        })
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn set_order_processed(
    state: State<'_, AppState>,
    id: String,
    processed: bool,
) -> Result<Order, AppError> {
    state
        .with_store(move |store| Ok(store.set_order_processed(&id, processed)?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn update_order_tracking(
    state: State<'_, AppState>,
    id: String,
    tracking: Tracking,
) -> Result<Order, AppError> {
    state
        .with_store(move |store| Ok(store.update_order_tracking(&id, tracking)?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_dashboard(
    state: State<'_, AppState>,
    query: DashboardQuery,
) -> Result<Dashboard, AppError> {
    state
        .with_store(move |store| Ok(store.dashboard(&query)?))
        .await
}

/// Keeps the error's code and adds the field of the order form's line it is about.
fn with_line_field(err: StoreError, skus: &[Option<String>]) -> AppError {
    let field = seller_store::order_lines::line_field(&err, skus);
    let mut app = AppError::from(err);
    app.fields.extend(field);
    app
}

#[cfg(test)]
mod tests {
    use seller_store::{FieldError, FieldErrorCode};

    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn stock_errors_name_the_line_of_their_sku() {
        let skus = [Some("A-1".to_owned()), None, Some("B-2".to_owned())];
        let err = with_line_field(
            StoreError::InsufficientStock {
                sku: "B-2".into(),
                available: 0,
                requested: 1,
            },
            &skus,
        );
        assert_eq!(err.code, ErrorCode::InsufficientStock);
        assert_eq!(
            err.fields,
            [FieldError::new(
                "items.2.quantity",
                FieldErrorCode::TooLarge
            )]
        );
        let err = with_line_field(StoreError::UnknownSku { sku: "A-1".into() }, &skus);
        assert_eq!(err.code, ErrorCode::UnknownSku);
        assert_eq!(
            err.fields,
            [FieldError::new("items.0.sku", FieldErrorCode::Invalid)]
        );
        let err = with_line_field(StoreError::UnknownSku { sku: "Z".into() }, &skus);
        assert!(err.fields.is_empty());
    }
}
