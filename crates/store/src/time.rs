use chrono::{SecondsFormat, Utc};

/// Current time as stored everywhere in the database: RFC 3339, UTC, milliseconds, `Z` suffix,
/// so that text order is time order.
pub fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}
