//! Inventory commands beyond a single product's form: the filters' values, bulk actions and
//! their undo, duplicates and the shop's SKU pattern.

use seller_store::products::{BulkChange, BulkOutcome, Product, ProductFacets, ProductSelection};
use seller_store::settings::SkuSettings;
use tauri::State;

use crate::error::AppError;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn product_facets(state: State<'_, AppState>) -> Result<ProductFacets, AppError> {
    state.with_store(|store| Ok(store.product_facets()?)).await
}

/// Applies a bulk action to a selection (ticked products or everything the filter matches).
#[tauri::command]
#[specta::specta]
pub async fn bulk_update_products(
    state: State<'_, AppState>,
    selection: ProductSelection,
    change: BulkChange,
) -> Result<BulkOutcome, AppError> {
    state
        .with_store(move |store| Ok(store.bulk_update(&selection, &change)?))
        .await
}

/// Whether the last bulk action can still be undone (nothing written since).
#[tauri::command]
#[specta::specta]
pub async fn can_undo_bulk_action(state: State<'_, AppState>) -> Result<bool, AppError> {
    state
        .with_store(|store| Ok(store.can_undo_bulk_action()))
        .await
}

/// Undoes the last bulk action if nothing was written since.
#[tauri::command]
#[specta::specta]
pub async fn undo_bulk_action(state: State<'_, AppState>) -> Result<BulkOutcome, AppError> {
    state
        .with_store(|store| Ok(store.undo_bulk_action()?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn duplicate_product(
    state: State<'_, AppState>,
    id: String,
) -> Result<Product, AppError> {
    let product = state
        .with_store(move |store| Ok(store.duplicate_product(&id)?))
        .await?;
    tracing::info!(id = %product.id, sku = %product.sku, "product duplicated");
    Ok(product)
}

#[tauri::command]
#[specta::specta]
pub async fn get_sku_settings(state: State<'_, AppState>) -> Result<SkuSettings, AppError> {
    state.with_store(|store| Ok(store.sku_settings()?)).await
}

/// What `pattern` would give next, without saving it (for the settings form as the user types).
#[tauri::command]
#[specta::specta]
pub async fn preview_sku_pattern(
    state: State<'_, AppState>,
    pattern: String,
) -> Result<String, AppError> {
    state
        .with_store(move |store| Ok(store.preview_sku(&pattern)?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn set_sku_pattern(
    state: State<'_, AppState>,
    pattern: String,
) -> Result<SkuSettings, AppError> {
    state
        .with_store(move |store| {
            store.set_sku_pattern(&pattern)?;
            Ok(store.sku_settings()?)
        })
        .await
}

/// Removes photo files no product refers to any more (left by bulk deletes once they can no
/// longer be undone, or by forms closed without saving). Runs at start-up, when no form is open.
pub async fn sweep_unused_photos(state: &AppState) {
    let in_use = match state
        .with_store(|store| Ok(store.photo_files_in_use()?))
        .await
    {
        Ok(files) => files,
        Err(err) => {
            tracing::warn!(error = %err.message, "could not list the photos in use");
            return;
        }
    };
    let data_dir = state.data_dir().to_owned();
    let removed = tauri::async_runtime::spawn_blocking(move || {
        seller_store::photos::remove_unused(&data_dir, &in_use)
    })
    .await
    .unwrap_or(0);
    if removed > 0 {
        tracing::info!(removed, "unused photo files removed");
    }
}
