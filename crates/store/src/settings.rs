//! Small key/value settings of the app (`app_settings`), such as the UI language. The
//! connection-level pair is for code that must read or write a setting inside its own
//! transaction (SKU counter, remembered CSV mappings, the local shop).

use rusqlite::{Connection, OptionalExtension};

use crate::{Result, Store, now_rfc3339};

pub(crate) fn read_setting(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT value FROM app_settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()
}

pub(crate) fn write_setting(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO app_settings (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )?
    .execute((key, value, now_rfc3339()))?;
    Ok(())
}

impl Store {
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(read_setting(&self.conn, key)?)
    }

    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        Ok(write_setting(&self.conn, key, value)?)
    }
}

const LANGUAGE_KEY: &str = "language";

/// The user's language choice; `System` follows the OS.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum LanguagePref {
    #[default]
    System,
    Fr,
    En,
}

impl LanguagePref {
    /// Whether the app speaks English to the person, given the OS locale (such as `fr-FR`).
    pub fn is_english(self, system_language: &str) -> bool {
        match self {
            LanguagePref::En => true,
            LanguagePref::Fr => false,
            LanguagePref::System => system_language.starts_with("en"),
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub language: LanguagePref,
    /// The OS locale, such as `fr-FR`, for resolving `System`.
    pub system_language: String,
}

impl Store {
    /// The language chosen in Settings (`System` until one is).
    pub fn language(&self) -> Result<LanguagePref> {
        Ok(match self.setting(LANGUAGE_KEY)?.as_deref() {
            Some("fr") => LanguagePref::Fr,
            Some("en") => LanguagePref::En,
            _ => LanguagePref::System,
        })
    }

    pub fn set_language(&mut self, language: LanguagePref) -> Result<()> {
        let value = match language {
            LanguagePref::System => "system",
            LanguagePref::Fr => "fr",
            LanguagePref::En => "en",
        };
        self.set_setting(LANGUAGE_KEY, value)
    }
}

#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SkuSettings {
    pub pattern: String,
    /// The SKU the next new product would get.
    pub next: String,
}

impl Store {
    /// The shop's SKU pattern, and what it gives next.
    pub fn sku_settings(&self) -> Result<SkuSettings> {
        let pattern = self.sku_pattern()?;
        let next = self.preview_sku(&pattern)?;
        Ok(SkuSettings { pattern, next })
    }
}
