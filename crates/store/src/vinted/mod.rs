//! What the Vinted automation keeps in the store (docs/VINTED.md, "Pacing" and "What resellers
//! most need"): each account's job queue ([`jobs`]), the audit log of the writes sent to Vinted
//! ([`audit`]), the pacing governor's settings and state ([`pacing`]), and the wardrobe as an
//! import last read it, linked to the inventory ([`listings`]); Vinted's reference data for the
//! publishing form ([`reference`]).
//!
//! The queue, the log and the pacing stay on this device (migration 0010: not synced); the
//! listings are `seller_listings`, which syncs. Writes are [`StoreTx`](crate::StoreTx) methods
//! so the Vinted crate can join them into its own transactions, with one-call
//! [`Store`](crate::Store) wrappers.

pub mod audit;
pub mod inbox;
pub mod insights;
pub mod jobs;
pub mod listing_edits;
pub mod listings;
pub mod notifications;
pub mod pacing;
pub mod publish;
pub mod read_schedule;
pub mod reference;
pub mod statistics;

use rusqlite::Row;
use rusqlite::types::Type;
use serde::{Deserialize, Serialize};

use crate::{FieldError, FieldErrorCode, Result, StoreError};

pub use audit::{AuditEntry, AuditFilter, AuditOutcome, AuditRecord};
pub use jobs::{Job, JobFilter, JobKind, JobState, NewJob};
pub use listing_edits::KnownListing;
pub use listings::{
    LinkedProduct, ListingFilter, ListingRow, ListingSort, ListingSortField, ListingStatus,
    ListingsUpserted, WardrobeListing,
};
pub use pacing::{Attention, PacingSettings, PacingState};
pub use publish::{NewPublishedListing, PublishAttempt, PublishAttemptStatus, PublishedListing};
pub use reference::CachedReference;

/// Most rows one page of a Vinted list holds.
pub const MAX_PER_PAGE: u32 = 500;

/// One page of a list, counted in SQL: the rows of page `page` (from 1) and how many match in
/// all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u32,
    pub page: u32,
    pub per_page: u32,
}

/// `LIMIT` and `OFFSET` of page `page` (from 1) of `per_page` rows, or the fields that are wrong.
fn limit_offset(page: u32, per_page: u32) -> Result<(i64, i64)> {
    let mut errors = Vec::new();
    if page == 0 {
        errors.push(FieldError::new("page", FieldErrorCode::Invalid));
    }
    match per_page {
        0 => errors.push(FieldError::new("perPage", FieldErrorCode::Invalid)),
        n if n > MAX_PER_PAGE => errors.push(FieldError::new("perPage", FieldErrorCode::TooLarge)),
        _ => {}
    }
    if !errors.is_empty() {
        return Err(StoreError::Validation(errors));
    }
    Ok((
        i64::from(per_page),
        i64::from(page - 1) * i64::from(per_page),
    ))
}

/// A time as the store keeps it (RFC 3339 UTC with milliseconds), or a field error.
fn normalized_time(field: &str, text: &str) -> Result<String> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        })
        .map_err(|_| StoreError::Validation(vec![FieldError::new(field, FieldErrorCode::Invalid)]))
}

/// A JSON column read back; a value that does not parse is a read error, not a panic.
fn json_column(r: &Row<'_>, index: usize) -> rusqlite::Result<serde_json::Value> {
    let text: String = r.get(index)?;
    serde_json::from_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(e)))
}

fn optional_json_column(r: &Row<'_>, index: usize) -> rusqlite::Result<Option<serde_json::Value>> {
    match r.get_ref(index)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        _ => json_column(r, index).map(Some),
    }
}

/// Any JSON value, as the UI's bindings see it (`unknown`): the payloads and checkpoints are the
/// Vinted crate's business, not a shape the store fixes.
#[cfg(feature = "specta")]
pub struct AnyJson;

#[cfg(feature = "specta")]
impl specta::Type for AnyJson {
    fn inline(_: &mut specta::TypeCollection, _: specta::Generics) -> specta::DataType {
        specta::DataType::Unknown
    }
}
