//! Vinted's reference data (categories, brands, sizes, colours…) as last read, per Vinted domain,
//! for the publishing form: read once, reused until the caller decides it is too old.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::json_column;
use crate::{FieldError, FieldErrorCode, Result, Store, StoreError, StoreTx, now_rfc3339};

/// One cached answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct CachedReference {
    #[cfg_attr(feature = "specta", specta(type = super::AnyJson))]
    pub body: Value,
    /// When it was read from Vinted.
    pub fetched_at: String,
}

impl StoreTx<'_> {
    /// Keeps Vinted's answer for `kind` (`catalogs`, `brands`…) and `key` (what it was asked
    /// for; `""` for a whole list) on `domain` (`www.vinted.fr`), replacing the one before.
    pub fn cache_reference(
        &mut self,
        domain: &str,
        kind: &str,
        key: &str,
        body: &Value,
    ) -> Result<()> {
        let mut errors = Vec::new();
        for (field, value) in [("domain", domain), ("kind", kind)] {
            if value.trim().is_empty() {
                errors.push(FieldError::new(field, FieldErrorCode::Required));
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Validation(errors));
        }
        self.tx
            .prepare_cached(
                "INSERT INTO vinted_reference_cache (domain, kind, key, body, fetched_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (domain, kind, key) DO UPDATE SET body = excluded.body,
                    fetched_at = excluded.fetched_at",
            )?
            .execute(params![domain, kind, key, body.to_string(), now_rfc3339()])?;
        Ok(())
    }
}

impl Store {
    pub fn cache_reference(
        &mut self,
        domain: &str,
        kind: &str,
        key: &str,
        body: &Value,
    ) -> Result<()> {
        self.write(|tx| tx.cache_reference(domain, kind, key, body))
    }

    /// The answer kept for `kind` and `key` on `domain`, if any.
    pub fn cached_reference(
        &self,
        domain: &str,
        kind: &str,
        key: &str,
    ) -> Result<Option<CachedReference>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT body, fetched_at FROM vinted_reference_cache
                 WHERE domain = ?1 AND kind = ?2 AND key = ?3",
            )?
            .query_row(params![domain, kind, key], |r| {
                Ok(CachedReference {
                    body: json_column(r, 0)?,
                    fetched_at: r.get(1)?,
                })
            })
            .optional()?)
    }
}
