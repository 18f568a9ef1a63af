//! The IPC surface: each command maps one UI request onto the store, off the UI thread.
//! No SQL here; the store owns that.

use base64::Engine;
use seller_store::FieldErrorCode;
use seller_store::products::{Product, ProductDraft, ProductPage, ProductQuery};
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::error::AppError;
use crate::photos;
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
    tauri::async_runtime::spawn_blocking(move || photos::import(&data_dir, &file_name, &bytes))
        .await
        .map_err(AppError::internal)?
}

/// The user's language choice; `System` follows the OS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum LanguagePref {
    System,
    Fr,
    En,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub language: LanguagePref,
    /// The OS locale, such as `fr-FR`, for resolving `System`.
    pub system_language: String,
}

const LANGUAGE_KEY: &str = "language";

/// Whether the app speaks English to the person (the choice made in Settings, else the OS
/// language), for text shown outside the window such as desktop notifications.
pub(crate) async fn speaks_english(state: &AppState) -> bool {
    let stored = state
        .with_store(|store| Ok(store.setting(LANGUAGE_KEY)?))
        .await
        .unwrap_or_default();
    let settings = settings_from(stored);
    match settings.language {
        LanguagePref::En => true,
        LanguagePref::Fr => false,
        LanguagePref::System => settings.system_language.starts_with("en"),
    }
}

fn settings_from(stored: Option<String>) -> Settings {
    let language = match stored.as_deref() {
        Some("fr") => LanguagePref::Fr,
        Some("en") => LanguagePref::En,
        _ => LanguagePref::System,
    };
    let system_language = sys_locale::get_locale().unwrap_or_else(|| "fr-FR".to_owned());
    Settings {
        language,
        system_language,
    }
}

#[tauri::command]
#[specta::specta]
pub async fn get_settings(state: State<'_, AppState>) -> Result<Settings, AppError> {
    let stored = state
        .with_store(|store| Ok(store.setting(LANGUAGE_KEY)?))
        .await?;
    Ok(settings_from(stored))
}

#[tauri::command]
#[specta::specta]
pub async fn set_language(
    state: State<'_, AppState>,
    language: LanguagePref,
) -> Result<Settings, AppError> {
    let value = match language {
        LanguagePref::System => "system",
        LanguagePref::Fr => "fr",
        LanguagePref::En => "en",
    };
    state
        .with_store(move |store| Ok(store.set_setting(LANGUAGE_KEY, value)?))
        .await?;
    Ok(settings_from(Some(value.to_owned())))
}
