//! The IPC surface: each command maps one UI request onto the store, off the UI thread.
//! No SQL here; the store owns that.

use base64::Engine;
use seller_store::FieldErrorCode;
use seller_store::photos;
use seller_store::products::{Product, ProductDraft, ProductPage, ProductQuery};
use seller_store::settings::{LanguagePref, Settings};
use tauri::State;

use crate::error::AppError;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn list_products(
    state: State<'_, AppState>,
    query: ProductQuery,
) -> Result<ProductPage, AppError> {
    state
        .with_store(move |store| Ok(store.list_products(&query)?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_product(state: State<'_, AppState>, id: String) -> Result<Product, AppError> {
    state.with_store(move |store| Ok(store.product(&id)?)).await
}

#[tauri::command]
#[specta::specta]
pub async fn create_product(
    state: State<'_, AppState>,
    draft: ProductDraft,
) -> Result<Product, AppError> {
    let product = state
        .with_store(move |store| Ok(store.create_product(draft)?))
        .await?;
    tracing::info!(id = %product.id, sku = %product.sku, "product created");
    Ok(product)
}

#[tauri::command]
#[specta::specta]
pub async fn update_product(
    state: State<'_, AppState>,
    id: String,
    draft: ProductDraft,
) -> Result<Product, AppError> {
    let product = state
        .with_store(move |store| Ok(store.update_product(&id, draft)?))
        .await?;
    tracing::info!(id = %product.id, "product updated");
    Ok(product)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_product(state: State<'_, AppState>, id: String) -> Result<(), AppError> {
    let files = state
        .with_store(move |store| Ok(store.delete_product(&id)?))
        .await?;
    photos::remove(state.data_dir(), &files);
    Ok(())
}

/// Receives an image chosen or dropped in the window (as base64, since the webview cannot hand
/// over a path) and copies it into the app's photos folder.
#[tauri::command]
#[specta::specta]
pub async fn import_photo(
    state: State<'_, AppState>,
    file_name: String,
    data_base64: String,
) -> Result<String, AppError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data_base64.as_bytes())
        .map_err(|e| {
            AppError::field(
                "photos",
                FieldErrorCode::Invalid,
                format!("{file_name}: {e}"),
            )
        })?;
    let data_dir = state.data_dir().to_owned();
    tauri::async_runtime::spawn_blocking(move || Ok(photos::import(&data_dir, &file_name, &bytes)?))
        .await
        .map_err(AppError::internal)?
}

/// The choice with the OS locale (`fr-FR` when it cannot be read), which resolves `System`.
fn settings(language: LanguagePref) -> Settings {
    let system_language = sys_locale::get_locale().unwrap_or_else(|| "fr-FR".to_owned());
    Settings {
        language,
        system_language,
    }
}

/// Whether the app speaks English to the person (the choice made in Settings, else the OS
/// language), for text shown outside the window such as desktop notifications.
pub(crate) async fn speaks_english(state: &AppState) -> bool {
    let language = state
        .with_store(|store| Ok(store.language()?))
        .await
        .unwrap_or_default();
    let settings = settings(language);
    settings.language.is_english(&settings.system_language)
}

#[tauri::command]
#[specta::specta]
pub async fn get_settings(state: State<'_, AppState>) -> Result<Settings, AppError> {
    let language = state.with_store(|store| Ok(store.language()?)).await?;
    Ok(settings(language))
}

#[tauri::command]
#[specta::specta]
pub async fn set_language(
    state: State<'_, AppState>,
    language: LanguagePref,
) -> Result<Settings, AppError> {
    state
        .with_store(move |store| Ok(store.set_language(language)?))
        .await?;
    Ok(settings(language))
}
