//! What stops an item from being published as it is: one [`Problem`] per field, found before
//! anything is sent (the item's own fields, its photos, Vinted's reference data). Its own module
//! so the calls' errors can carry problems without depending on the reference lookups.

use serde::{Deserialize, Serialize};

/// What went wrong with one field of an item, for the person to fix before publishing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// The item's field (`title`, `category`, `brand`, `size`, `condition`, `colors`,
    /// `materials`, `packageSize`, `priceCents`, `photos`, `description`).
    pub field: String,
    pub code: ProblemCode,
    /// What the app found (the candidates of an ambiguous category, the unknown value…).
    pub detail: Option<String>,
}

/// Why a field cannot be published as it is; the UI translates each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    Required,
    TooShort,
    TooLong,
    TooMany,
    TooLow,
    TooHigh,
    /// Vinted lists nothing with that name.
    NotFound,
    /// Several of Vinted's categories have that name.
    Ambiguous,
    /// A photo file is missing from the data folder.
    MissingFile,
    /// The app has not read that list from Vinted yet (start the session).
    NotLoaded,
}

impl ProblemCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::Required => "required",
            ProblemCode::TooShort => "too_short",
            ProblemCode::TooLong => "too_long",
            ProblemCode::TooMany => "too_many",
            ProblemCode::TooLow => "too_low",
            ProblemCode::TooHigh => "too_high",
            ProblemCode::NotFound => "not_found",
            ProblemCode::Ambiguous => "ambiguous",
            ProblemCode::MissingFile => "missing_file",
            ProblemCode::NotLoaded => "not_loaded",
        }
    }
}

impl Problem {
    pub fn new(field: &str, code: ProblemCode, detail: Option<String>) -> Problem {
        Problem {
            field: field.to_owned(),
            code,
            detail,
        }
    }
}

/// Problems as one sentence, for a job's error and an attempt's message.
pub fn describe(problems: &[Problem]) -> String {
    let parts: Vec<String> = problems
        .iter()
        .map(|problem| match &problem.detail {
            Some(detail) => format!("{}: {} ({detail})", problem.field, problem.code.as_str()),
            None => format!("{}: {}", problem.field, problem.code.as_str()),
        })
        .collect();
    format!("the item cannot be published: {}", parts.join("; "))
}
