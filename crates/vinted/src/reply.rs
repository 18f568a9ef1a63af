//! What Vinted answered to an API call made from the page, classified: the JSON of a success,
//! or a [`Refusal`] that says what happened and what to do (`docs/VINTED.md`, "Error signals").
//! HTML or anything else where JSON was expected is never read as an empty answer.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeZone as _, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::site::{challenge, code, header};

/// An answer as the script run in the page hands it back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawReply {
    pub status: u16,
    #[serde(default)]
    pub content_type: Option<String>,
    /// The `Retry-After` header.
    #[serde(default)]
    pub retry_after: Option<String>,
    /// The `x-datadome` header.
    #[serde(default)]
    pub datadome_header: Option<String>,
    #[serde(default)]
    pub body: String,
}

/// Which anti-bot service stands in the way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeKind {
    DataDome,
    /// Cloudflare's "error 1020".
    Cloudflare,
}

impl std::fmt::Display for ChallengeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ChallengeKind::DataDome => "DataDome",
            ChallengeKind::Cloudflare => "Cloudflare",
        })
    }
}

/// One field Vinted refused, with its (localised) message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The field, named as Vinted names it (attribute codes such as `size`, `condition`).
    pub field: String,
    pub message: String,
}

/// What needs a person before the account can go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attention {
    /// A captcha or anti-bot challenge to pass in the live view.
    Captcha,
    /// Log in again in the live view.
    LoginExpired,
    /// The account is under a restriction; writes wait until it ends.
    Restricted,
}

impl Attention {
    pub fn as_str(self) -> &'static str {
        match self {
            Attention::Captcha => "captcha",
            Attention::LoginExpired => "login_expired",
            Attention::Restricted => "restricted",
        }
    }
}

/// Why Vinted did not give the answer asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("Vinted says the session has expired: log in again in the live view")]
    LoginExpired,
    #[error(
        "Vinted refused access (code 106): a stale security token, an item of another account, or an anti-bot refusal"
    )]
    AccessDenied,
    #[error("Vinted is limiting this account's requests (HTTP 429){}", wait_hint(.retry_after))]
    RateLimited { retry_after: Option<Duration> },
    #[error("Vinted asks for a {kind} check: pass it in the live view")]
    Challenge { kind: ChallengeKind },
    #[error("Vinted has restricted this account{}: writes are paused", until_hint(.until))]
    Restricted { until: Option<DateTime<Utc>> },
    #[error("Vinted refused the listing: {}", problems(.errors))]
    Validation { errors: Vec<FieldProblem> },
    #[error("Vinted answered that this does not exist (or is sold, reserved or deleted)")]
    NotFound,
    #[error(
        "Vinted answered HTTP {status} with something other than JSON where JSON was expected: the endpoint has probably moved"
    )]
    EndpointMoved { status: u16 },
    #[error("Vinted's server failed (HTTP {status}); it will be tried again later")]
    Server { status: u16 },
    #[error("Vinted answered HTTP {status}{}{}", code_hint(.code), message_hint(.message))]
    Unexpected {
        status: u16,
        code: Option<i64>,
        message: Option<String>,
    },
}

fn wait_hint(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(wait) => format!(", asking to wait {} s", wait.as_secs()),
        None => String::new(),
    }
}

fn until_hint(until: &Option<DateTime<Utc>>) -> String {
    match until {
        Some(until) => format!(
            " until {}",
            until.to_rfc3339_opts(SecondsFormat::Secs, true)
        ),
        None => String::new(),
    }
}

fn problems(errors: &[FieldProblem]) -> String {
    if errors.is_empty() {
        return "no field named".to_owned();
    }
    errors
        .iter()
        .map(|problem| format!("{}: {}", problem.field, problem.message))
        .collect::<Vec<_>>()
        .join("; ")
}

fn code_hint(code: &Option<i64>) -> String {
    code.map(|code| format!(" (code {code})"))
        .unwrap_or_default()
}

fn message_hint(message: &Option<String>) -> String {
    message
        .as_deref()
        .map(|message| format!(": {message}"))
        .unwrap_or_default()
}

impl Refusal {
    /// A stable snake_case code for the UI and the job table.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::LoginExpired => "login_expired",
            Refusal::AccessDenied => "access_denied",
            Refusal::RateLimited { .. } => "rate_limited",
            Refusal::Challenge { .. } => "challenge",
            Refusal::Restricted { .. } => "restricted",
            Refusal::Validation { .. } => "validation",
            Refusal::NotFound => "not_found",
            Refusal::EndpointMoved { .. } => "endpoint_moved",
            Refusal::Server { .. } => "server_error",
            Refusal::Unexpected { .. } => "unexpected",
        }
    }

    /// What a person must do before the account goes on, if anything.
    pub fn needs_attention(&self) -> Option<Attention> {
        match self {
            Refusal::Challenge { .. } => Some(Attention::Captcha),
            Refusal::LoginExpired => Some(Attention::LoginExpired),
            Refusal::Restricted { .. } => Some(Attention::Restricted),
            _ => None,
        }
    }

    /// Whether the same call may succeed later without anything changed (after the pacing
    /// governor's wait). [`Refusal::AccessDenied`] is not: the caller reloads the page for a
    /// fresh CSRF token and retries once, then reports it.
    pub fn is_transient(&self) -> bool {
        matches!(self, Refusal::RateLimited { .. } | Refusal::Server { .. })
    }

    /// The HTTP status this refusal stands for, when it has one (a challenge may come with a
    /// 200 or a 403, an expired session with a 401 or a 403), for the audit log.
    pub fn status(&self) -> Option<u16> {
        match self {
            Refusal::AccessDenied | Refusal::Restricted { .. } => Some(403),
            Refusal::RateLimited { .. } => Some(429),
            Refusal::Validation { .. } => Some(400),
            Refusal::NotFound => Some(404),
            Refusal::EndpointMoved { status }
            | Refusal::Server { status }
            | Refusal::Unexpected { status, .. } => Some(*status),
            Refusal::LoginExpired | Refusal::Challenge { .. } => None,
        }
    }

    /// Whether the route itself was refused (404 or 405), for calls with a fallback route or
    /// method (the newer wardrobe route, `PUT` then `POST` on offer requests).
    pub fn is_route_refused(&self) -> bool {
        matches!(
            self,
            Refusal::NotFound
                | Refusal::EndpointMoved { status: 404 | 405 }
                | Refusal::Unexpected { status: 405, .. }
        )
    }
}

/// The longest `Retry-After` believed; anything longer is read as this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);
/// Longest message kept from Vinted (an unexpected answer's, a field's): the store's one cap.
pub const MAX_MESSAGE_CHARS: usize = seller_store::vinted::publish::MAX_ATTEMPT_MESSAGE_CHARS;

/// A message from Vinted as the app keeps it: the store's cleaner
/// ([`seller_store::vinted::publish::clean_error_message`]: real tags dropped, a lone `<` kept,
/// control and invisible formatting characters removed, at most [`MAX_MESSAGE_CHARS`]
/// characters). Vinted's messages end up in the job list and in synced publish attempts:
/// nothing there may carry markup, hidden text direction or a page's worth of text.
pub fn clean_text(text: &str) -> String {
    seller_store::vinted::publish::clean_error_message(text)
}
/// Most field problems kept from a validation answer.
const MAX_FIELD_PROBLEMS: usize = 50;

impl RawReply {
    /// The JSON of a successful answer, or why there is none. `now` turns a `Retry-After` HTTP
    /// date into a wait. A success with no body (204, or an empty 2xx) is `Value::Null`, which
    /// no reader takes for a list.
    pub fn classify(&self, now: DateTime<Utc>) -> Result<Value, Refusal> {
        let status = self.status;
        let html = self
            .content_type
            .as_deref()
            .is_some_and(|kind| kind.to_ascii_lowercase().contains("html"));
        let json = if html {
            None
        } else {
            serde_json::from_str::<Value>(&self.body).ok()
        };
        let datadome_protected = self.datadome_header.as_deref().is_some_and(|value| {
            value
                .trim()
                .eq_ignore_ascii_case(header::DATADOME_PROTECTED)
        });
        let failed = !(200..300).contains(&status);

        // Anti-bot first: a 403 from DataDome must not read as a plain access refusal. A
        // success's JSON is not searched (a buyer may well write "datadome" in a message), and
        // the header alone on a successful JSON answer is not a block.
        if (json.is_none() || status == 403)
            && let Some(kind) = challenge_in(&self.body)
        {
            return Err(Refusal::Challenge { kind });
        }
        if datadome_protected && (failed || json.is_none()) {
            return Err(Refusal::Challenge {
                kind: ChallengeKind::DataDome,
            });
        }
        if status == 429 {
            return Err(Refusal::RateLimited {
                retry_after: self
                    .retry_after
                    .as_deref()
                    .and_then(|value| parse_retry_after(value, now)),
            });
        }
        if status >= 500 {
            return Err(Refusal::Server { status });
        }
        if status == 401 {
            return Err(Refusal::LoginExpired);
        }
        let Some(json) = json else {
            if !failed && self.body.trim().is_empty() {
                return Ok(Value::Null);
            }
            return Err(Refusal::EndpointMoved { status });
        };
        if status == 404 {
            return Err(Refusal::NotFound);
        }

        let code = json.get("code").and_then(number);
        let message_code = json
            .get("message_code")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase);
        let message_code = message_code.as_deref();
        let session_expired = code == Some(code::INVALID_AUTHENTICATION_TOKEN)
            || message_code == Some(code::INVALID_AUTHENTICATION_TOKEN_MESSAGE);
        if session_expired {
            return Err(Refusal::LoginExpired);
        }
        if status == 403 && is_restriction(&json, message_code) {
            return Err(Refusal::Restricted {
                until: restriction_until(&json),
            });
        }
        if code == Some(code::ACCESS_DENIED) || message_code == Some(code::ACCESS_DENIED_MESSAGE) {
            return Err(Refusal::AccessDenied);
        }
        if code == Some(code::VALIDATION_ERROR)
            || message_code == Some(code::VALIDATION_ERROR_MESSAGE)
        {
            return Err(Refusal::Validation {
                errors: field_problems(&json),
            });
        }
        if failed || code.is_some_and(|code| code != code::OK) {
            return Err(Refusal::Unexpected {
                status,
                code,
                message: json.get("message").and_then(Value::as_str).map(clean_text),
            });
        }
        Ok(json)
    }
}

/// The restriction the account's own profile (`users/current`) shows, when it is still on:
/// Vinted answers a restricted account's writes with a 403 "until a date shown in the profile
/// payload" (`docs/VINTED.md`), which is how a refused write whose body the page did not show
/// (the upload form's) is told from a stale CSRF token.
pub fn restriction_in_profile(profile: &Value, now: DateTime<Utc>) -> Option<Refusal> {
    restriction_until(profile)
        .filter(|until| *until > now)
        .map(|until| Refusal::Restricted { until: Some(until) })
}

/// [`RawReply::classify`] as a function.
pub fn classify(reply: &RawReply, now: DateTime<Utc>) -> Result<Value, Refusal> {
    reply.classify(now)
}

/// Which challenge an answer's body names, if any.
fn challenge_in(body: &str) -> Option<ChallengeKind> {
    let lower = body.to_ascii_lowercase();
    if challenge::DATADOME_BODY_MARKERS
        .iter()
        .any(|marker| lower.contains(marker))
    {
        return Some(ChallengeKind::DataDome);
    }
    challenge::CLOUDFLARE_BODY_MARKERS
        .iter()
        .any(|marker| lower.contains(marker))
        .then_some(ChallengeKind::Cloudflare)
}

fn is_restriction(json: &Value, message_code: Option<&str>) -> bool {
    let message = json
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase);
    [message_code, message.as_deref()]
        .into_iter()
        .flatten()
        .any(|text| {
            code::RESTRICTION_MARKERS
                .iter()
                .any(|marker| text.contains(marker))
        })
}

/// The end of a restriction, when the answer gives one in a field of
/// [`code::RESTRICTION_UNTIL_FIELDS`].
fn restriction_until(json: &Value) -> Option<DateTime<Utc>> {
    let places = std::iter::once(json).chain(
        code::RESTRICTION_OBJECTS
            .iter()
            .filter_map(|name| json.get(name)),
    );
    for place in places {
        for field in code::RESTRICTION_UNTIL_FIELDS {
            if let Some(until) = place.get(field).and_then(parse_moment) {
                return Some(until);
            }
        }
    }
    None
}

/// An RFC 3339 string or unix seconds (number or digits), within 2000–2200.
fn parse_moment(value: &Value) -> Option<DateTime<Utc>> {
    let moment = match value {
        Value::String(text) => match DateTime::parse_from_rfc3339(text.trim()) {
            Ok(moment) => moment.with_timezone(&Utc),
            Err(_) => unix_seconds(text.trim().parse().ok()?)?,
        },
        Value::Number(number) => unix_seconds(number.as_i64()?)?,
        _ => return None,
    };
    (946_684_800..7_258_118_400)
        .contains(&moment.timestamp())
        .then_some(moment)
}

fn unix_seconds(seconds: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(seconds, 0).single()
}

fn field_problems(json: &Value) -> Vec<FieldProblem> {
    let Some(errors) = json.get("errors").and_then(Value::as_array) else {
        return Vec::new();
    };
    errors
        .iter()
        .take(MAX_FIELD_PROBLEMS)
        .filter_map(|error| {
            let field = error.get("field").and_then(Value::as_str)?;
            let message = match error.get("value") {
                Some(Value::String(text)) => text.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            Some(FieldProblem {
                field: clean_text(field).chars().take(100).collect(),
                message: clean_text(&message),
            })
        })
        .collect()
}

/// An integer given as a number or as digits.
fn number(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// `Retry-After` in seconds or as an HTTP date; a date in the past is no wait.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    let wait = if let Ok(seconds) = value.parse::<u64>() {
        Duration::from_secs(seconds)
    } else {
        let at = DateTime::parse_from_rfc2822(value)
            .ok()?
            .with_timezone(&Utc);
        (at - now).to_std().unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// The largest amount believed, in cents (ten million euros): anything larger is garbage.
pub const MAX_AMOUNT_CENTS: i64 = 1_000_000_000;

/// An amount in cents, exactly: `"27.90"`, `"27,90"`, `"27"`, `27.9`, `27`, or an
/// `{amount, currency_code}` object (`x-money-object`). `None` for a negative, a fraction of a
/// cent, anything not a plain decimal, or more than [`MAX_AMOUNT_CENTS`].
pub fn parse_amount_cents(amount: &Value) -> Option<i64> {
    match amount {
        Value::String(text) => decimal_cents(text.trim()),
        // serde_json prints a float as its shortest round-trip decimal ("27.9"), so reading
        // that text is exact where `f64 * 100` is not.
        Value::Number(number) => decimal_cents(&number.to_string()),
        Value::Object(object) => match object.get("amount")? {
            nested @ (Value::String(_) | Value::Number(_)) => parse_amount_cents(nested),
            _ => None,
        },
        _ => None,
    }
}

fn decimal_cents(text: &str) -> Option<i64> {
    let (units, fraction) = match text.find(['.', ',']) {
        Some(at) => (&text[..at], &text[at + 1..]),
        None => (text, ""),
    };
    let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if units.is_empty() || units.len() > 12 || !digits(units) || !digits(fraction) {
        return None;
    }
    if text.ends_with(['.', ',']) {
        return None;
    }
    // Digits past the cents must be zeros ("27.900"), or the amount is not whole cents.
    let (cents_part, rest) = fraction.split_at(fraction.len().min(2));
    if !rest.bytes().all(|byte| byte == b'0') {
        return None;
    }
    let units: i64 = units.parse().ok()?;
    let cents: i64 = match cents_part.len() {
        0 => 0,
        1 => cents_part.parse::<i64>().ok()? * 10,
        _ => cents_part.parse().ok()?,
    };
    let total = units.checked_mul(100)?.checked_add(cents)?;
    (total <= MAX_AMOUNT_CENTS).then_some(total)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-07T18:00:00Z")
            .expect("a date")
            .with_timezone(&Utc)
    }

    #[test]
    fn vinted_messages_are_cleaned_like_the_stores() {
        // A lone `<` is text, not the start of a tag that swallows the rest.
        assert_eq!(
            clean_text("Le prix doit être < 1 €"),
            "Le prix doit être < 1 €"
        );
        assert_eq!(clean_text("<b>Indique</b> la\ntaille"), "Indique la taille");
        // Bidirectional and zero-width controls are dropped, not kept to flip the text shown.
        assert_eq!(
            clean_text("\u{202e}Indique\u{2066} la\u{200b} taille\u{2069}\u{202c}"),
            "Indique la taille"
        );
        let long = clean_text(&"é".repeat(10 * MAX_MESSAGE_CHARS));
        assert_eq!(long.chars().count(), MAX_MESSAGE_CHARS);
        for text in ["a < b", "<p>x</p>", "\u{202a}y", "z\u{7}"] {
            assert_eq!(
                clean_text(text),
                seller_store::vinted::publish::clean_error_message(text)
            );
        }
    }

    fn reply(status: u16, body: &str) -> RawReply {
        RawReply {
            status,
            content_type: Some("application/json; charset=utf-8".to_owned()),
            body: body.to_owned(),
            ..RawReply::default()
        }
    }

    fn html(status: u16, body: &str) -> RawReply {
        RawReply {
            content_type: Some("text/html; charset=utf-8".to_owned()),
            ..reply(status, body)
        }
    }

    #[test]
    fn the_script_answer_deserialises_in_camel_case() {
        let raw: RawReply = serde_json::from_value(json!({
            "status": 429, "contentType": "application/json", "retryAfter": "120",
            "datadomeHeader": null, "body": "{}"
        }))
        .expect("a reply");
        assert_eq!(raw.retry_after.as_deref(), Some("120"));
        assert_eq!(
            raw.classify(now()),
            Err(Refusal::RateLimited {
                retry_after: Some(Duration::from_secs(120))
            })
        );
    }

    #[test]
    fn answers_of_docs_vinted_md() {
        let cases: Vec<(RawReply, Result<Value, Refusal>)> = vec![
            (
                reply(
                    200,
                    r#"{"items":[],"pagination":{"total_pages":0},"code":0}"#,
                ),
                Ok(json!({"items":[],"pagination":{"total_pages":0},"code":0})),
            ),
            (
                reply(
                    401,
                    r#"{"code":100,"message_code":"invalid_authentication_token"}"#,
                ),
                Err(Refusal::LoginExpired),
            ),
            (
                reply(
                    403,
                    r#"{"code":100,"message_code":"invalid_authentication_token"}"#,
                ),
                Err(Refusal::LoginExpired),
            ),
            (
                reply(
                    403,
                    r#"{"code":106,"message_code":"access_denied","message":"Accès refusé"}"#,
                ),
                Err(Refusal::AccessDenied),
            ),
            (
                reply(429, ""),
                Err(Refusal::RateLimited { retry_after: None }),
            ),
            (
                reply(
                    403,
                    r#"{"url":"https://geo.captcha-delivery.com/captcha/?initialCid=x"}"#,
                ),
                Err(Refusal::Challenge {
                    kind: ChallengeKind::DataDome,
                }),
            ),
            (
                html(
                    200,
                    r#"<html><script src="https://ct.captcha-delivery.com/c.js"></script></html>"#,
                ),
                Err(Refusal::Challenge {
                    kind: ChallengeKind::DataDome,
                }),
            ),
            (
                RawReply {
                    content_type: None,
                    ..reply(
                        200,
                        "<!DOCTYPE html><title>Access denied</title><span class=\"cf-error-code\">1020</span>",
                    )
                },
                Err(Refusal::Challenge {
                    kind: ChallengeKind::Cloudflare,
                }),
            ),
            (
                html(200, "<!DOCTYPE html><html><body>Vinted</body></html>"),
                Err(Refusal::EndpointMoved { status: 200 }),
            ),
            (
                html(404, "<html>Page not found</html>"),
                Err(Refusal::EndpointMoved { status: 404 }),
            ),
            (
                reply(404, r#"{"code":404,"message":"Not found"}"#),
                Err(Refusal::NotFound),
            ),
            (
                reply(502, "<html>Bad gateway</html>"),
                Err(Refusal::Server { status: 502 }),
            ),
            (
                reply(503, r#"{"code":1}"#),
                Err(Refusal::Server { status: 503 }),
            ),
            (
                reply(
                    400,
                    r#"{"code":99,"message":"Validation error","message_code":"validation_error","errors":[{"field":"size","value":"Indique la taille"},{"field":"price","value":"Le prix minimum est de 1,00 €"}]}"#,
                ),
                Err(Refusal::Validation {
                    errors: vec![
                        FieldProblem {
                            field: "size".into(),
                            message: "Indique la taille".into(),
                        },
                        FieldProblem {
                            field: "price".into(),
                            message: "Le prix minimum est de 1,00 €".into(),
                        },
                    ],
                }),
            ),
            (
                reply(405, r#"{"code":1,"message":"Method not allowed"}"#),
                Err(Refusal::Unexpected {
                    status: 405,
                    code: Some(1),
                    message: Some("Method not allowed".into()),
                }),
            ),
            (
                reply(200, r#"{"code":21,"message":"Something odd"}"#),
                Err(Refusal::Unexpected {
                    status: 200,
                    code: Some(21),
                    message: Some("Something odd".into()),
                }),
            ),
            (reply(204, ""), Ok(Value::Null)),
            (
                reply(200, "not json"),
                Err(Refusal::EndpointMoved { status: 200 }),
            ),
        ];
        for (raw, expected) in cases {
            assert_eq!(raw.classify(now()), expected, "{raw:?}");
        }
    }

    #[test]
    fn datadome_header() {
        let blocked = RawReply {
            datadome_header: Some("protected".to_owned()),
            ..reply(403, "{}")
        };
        assert_eq!(
            blocked.classify(now()),
            Err(Refusal::Challenge {
                kind: ChallengeKind::DataDome
            })
        );
        // On a good JSON answer the header alone is no block.
        let fine = RawReply {
            datadome_header: Some("protected".to_owned()),
            ..reply(200, r#"{"code":0}"#)
        };
        assert_eq!(fine.classify(now()), Ok(json!({"code":0})));
        // A buyer's message naming DataDome in a success is not a challenge.
        let message = reply(
            200,
            r#"{"conversation":{"messages":[{"body":"datadome?"}]}}"#,
        );
        assert!(message.classify(now()).is_ok());
    }

    #[test]
    fn restriction_with_and_without_a_date() {
        let dated = reply(
            403,
            r#"{"code":150,"message_code":"account_restricted","message":"Ton compte est restreint","restriction":{"ends_at":"2026-12-09T10:00:00+01:00"}}"#,
        );
        let refusal = dated.classify(now()).expect_err("refused");
        assert_eq!(
            refusal,
            Refusal::Restricted {
                until: Some(
                    DateTime::parse_from_rfc3339("2026-12-09T09:00:00Z")
                        .expect("a date")
                        .with_timezone(&Utc)
                )
            }
        );
        assert_eq!(refusal.needs_attention(), Some(Attention::Restricted));
        assert!(refusal.to_string().contains("until 2026-12-09T09:00:00Z"));

        let unix = reply(
            403,
            r#"{"message":"Automated activity detected","restricted_until":1765360800}"#,
        );
        assert!(matches!(
            unix.classify(now()),
            Err(Refusal::Restricted { until: Some(_) })
        ));
        let undated = reply(
            403,
            r#"{"code":106,"message_code":"access_denied","message":"Account restricted"}"#,
        );
        assert_eq!(
            undated.classify(now()),
            Err(Refusal::Restricted { until: None })
        );
        // Only a 403 is a restriction.
        let not_403 = reply(200, r#"{"code":0,"restricted_until":1765360800}"#);
        assert!(not_403.classify(now()).is_ok());
    }

    #[test]
    fn a_restriction_in_the_profile() {
        let profile =
            json!({"code": 0, "user": {"id": 1, "restricted_until": "2026-12-09T09:00:00Z"}});
        assert_eq!(
            restriction_in_profile(&profile, now()),
            Some(Refusal::Restricted {
                until: Some(
                    DateTime::parse_from_rfc3339("2026-12-09T09:00:00Z")
                        .expect("a date")
                        .with_timezone(&Utc)
                )
            })
        );
        // Over, or none.
        let over = json!({"user": {"id": 1, "restricted_until": "2026-12-01T09:00:00Z"}});
        assert_eq!(restriction_in_profile(&over, now()), None);
        let none = json!({"user": {"id": 1, "restricted_until": null}});
        assert_eq!(restriction_in_profile(&none, now()), None);
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        assert_eq!(
            parse_retry_after(" 30 ", now()),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Mon, 07 Dec 2026 18:10:00 GMT", now()),
            Some(Duration::from_secs(600))
        );
        assert_eq!(
            parse_retry_after("Mon, 07 Dec 2026 17:00:00 GMT", now()),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("99999999999", now()),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(parse_retry_after("soon", now()), None);
        assert_eq!(parse_retry_after("-5", now()), None);
    }

    #[test]
    fn codes_attention_and_transience() {
        let all = [
            Refusal::LoginExpired,
            Refusal::AccessDenied,
            Refusal::RateLimited { retry_after: None },
            Refusal::Challenge {
                kind: ChallengeKind::Cloudflare,
            },
            Refusal::Restricted { until: None },
            Refusal::Validation { errors: vec![] },
            Refusal::NotFound,
            Refusal::EndpointMoved { status: 200 },
            Refusal::Server { status: 500 },
            Refusal::Unexpected {
                status: 418,
                code: None,
                message: None,
            },
        ];
        let codes: Vec<&str> = all.iter().map(Refusal::code).collect();
        assert_eq!(
            codes,
            [
                "login_expired",
                "access_denied",
                "rate_limited",
                "challenge",
                "restricted",
                "validation",
                "not_found",
                "endpoint_moved",
                "server_error",
                "unexpected"
            ]
        );
        let attention: Vec<Option<Attention>> = all.iter().map(Refusal::needs_attention).collect();
        assert_eq!(
            attention,
            [
                Some(Attention::LoginExpired),
                None,
                None,
                Some(Attention::Captcha),
                Some(Attention::Restricted),
                None,
                None,
                None,
                None,
                None
            ]
        );
        let transient: Vec<bool> = all.iter().map(Refusal::is_transient).collect();
        assert_eq!(
            transient,
            [
                false, false, true, false, false, false, false, false, true, false
            ]
        );
        for refusal in &all {
            assert!(!refusal.to_string().is_empty());
        }
        let statuses: Vec<Option<u16>> = all.iter().map(Refusal::status).collect();
        assert_eq!(
            statuses,
            [
                None,
                Some(403),
                Some(429),
                None,
                Some(403),
                Some(400),
                Some(404),
                Some(200),
                Some(500),
                Some(418)
            ]
        );
        assert!(Refusal::EndpointMoved { status: 404 }.is_route_refused());
        assert!(!Refusal::AccessDenied.is_route_refused());
    }

    #[test]
    fn amounts_in_cents() {
        let cases = [
            (json!("27.90"), Some(2790)),
            (json!("27,90"), Some(2790)),
            (json!("27"), Some(2700)),
            (json!("27.9"), Some(2790)),
            (json!("0.07"), Some(7)),
            (json!("27.900"), Some(2790)),
            (json!(" 12.50 "), Some(1250)),
            (json!(27.9), Some(2790)),
            (json!(0.29), Some(29)),
            (json!(27), Some(2700)),
            (json!(1.1), Some(110)),
            (
                json!({"amount": "12.50", "currency_code": "EUR"}),
                Some(1250),
            ),
            (json!({"amount": 4.35, "currency_code": "EUR"}), Some(435)),
            (json!("10000000.00"), Some(MAX_AMOUNT_CENTS)),
            (json!("10000000.01"), None),
            (json!("-1.00"), None),
            (json!(-1), None),
            (json!(-0.5), None),
            (json!("27.999"), None),
            (json!(27.999), None),
            (json!("1e3"), None),
            (json!(1e300), None),
            (json!("NaN"), None),
            (json!("inf"), None),
            (json!(""), None),
            (json!("."), None),
            (json!("27."), None),
            (json!(".5"), None),
            (json!("1,234.50"), None),
            (json!("1 234"), None),
            (json!("+3"), None),
            (json!("99999999999999999999"), None),
            (json!(null), None),
            (json!(true), None),
            (json!({"amount": {"amount": "1"}}), None),
            (json!({"currency_code": "EUR"}), None),
        ];
        for (value, expected) in cases {
            assert_eq!(parse_amount_cents(&value), expected, "{value}");
        }
    }
}
