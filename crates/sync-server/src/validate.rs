//! What a pushed value may be, checked before anything of a batch is written: the server is the
//! authority on what it keeps, whatever a device (or someone posing as one) sends.
//!
//! - Every row id and every foreign-key value is a canonical UUID (lowercase, hyphenated), the
//!   ids the app makes: so an id can never name a scope (`admin`, `user:<id>`, the reference
//!   data's empty scope), a path (`../x`) or another user.
//! - Every value has its column's type (schema.rs reads it from the app's migrations), is not
//!   NULL where the column is NOT NULL, holds no NUL character (PostgreSQL refuses one in text,
//!   SQLite would keep it and hand it to every device) and is at most [`MAX_CELL_BYTES`] long.

use seller_sync_core::protocol::{ApiError, ApiErrorCode};
use seller_sync_core::value::Value;

use crate::schema::{ColumnType, TypedColumn};

/// The longest text or blob one cell may hold. The app's longest values are descriptions and
/// messages of a few thousand characters and photo lists of a few kilobytes; a mebibyte leaves
/// them a wide margin while a batch of full-size cells still fits the request body limit, and
/// it keeps one cell from filling the server's memory when a page of rows is read back.
pub const MAX_CELL_BYTES: usize = 1024 * 1024;

/// The greatest causal length a row may carry: each deletion or re-creation adds one, so no
/// real row comes near it, and the devices' `cl + 1` can never overflow.
pub const MAX_CAUSAL_LENGTH: i64 = i32::MAX as i64;

/// The roles a `users` row may hold.
pub const ROLES: [&str; 3] = ["admin", "seller", "customer"];

/// Whether `id` is a UUID written the way the app writes one: 36 characters, lowercase hex
/// digits and hyphens at 8, 13, 18 and 23 (no braces, no `urn:`, no upper case).
pub fn is_canonical_uuid(id: &str) -> bool {
    id.len() == 36
        && id.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

fn invalid(message: String) -> ApiError {
    ApiError::new(ApiErrorCode::InvalidValue, message)
}

/// Refuses a row id that is not a canonical UUID.
pub fn check_row_id(table: &str, pk: &str) -> Result<(), ApiError> {
    if is_canonical_uuid(pk) {
        Ok(())
    } else {
        Err(invalid(format!(
            "{table}: the row id {} is not a UUID",
            shown(pk)
        )))
    }
}

/// Refuses a value `column` may not hold.
pub fn check_value(table: &str, column: &TypedColumn, value: &Value) -> Result<(), ApiError> {
    let at = || format!("{table}.{}", column.name);
    if let Value::Null = value {
        return if column.not_null {
            Err(invalid(format!("{} may not be empty", at())))
        } else {
            Ok(())
        };
    }
    if !type_fits(column.ty, value) {
        return Err(invalid(format!(
            "{} holds {}, not {}",
            at(),
            type_name(column.ty),
            value_kind(value)
        )));
    }
    match value {
        Value::Text(text) => {
            if text.len() > MAX_CELL_BYTES {
                return Err(invalid(format!(
                    "{} is longer than {MAX_CELL_BYTES} bytes",
                    at()
                )));
            }
            if text.contains('\0') {
                return Err(invalid(format!("{} holds a NUL character", at())));
            }
            if let Some(target) = &column.references
                && !is_canonical_uuid(text)
            {
                return Err(invalid(format!(
                    "{} refers to {target} {}, which is not a UUID",
                    at(),
                    shown(text)
                )));
            }
        }
        Value::Blob(bytes) if bytes.len() > MAX_CELL_BYTES => {
            return Err(invalid(format!(
                "{} is longer than {MAX_CELL_BYTES} bytes",
                at()
            )));
        }
        _ => {}
    }
    if column.references.is_some() && !matches!(value, Value::Text(_)) {
        return Err(invalid(format!("{} holds an id, not a number", at())));
    }
    Ok(())
}

/// The values of `users` columns that decide who may do what: a known role, a plausible e-mail.
pub fn check_user_value(column: &str, value: &Value) -> Result<(), ApiError> {
    match (column, value) {
        ("role", Value::Text(role)) if !ROLES.contains(&role.as_str()) => Err(invalid(format!(
            "users.role: {} is not one of {}",
            shown(role),
            ROLES.join(", ")
        ))),
        ("email", Value::Text(email)) => check_email(email),
        _ => Ok(()),
    }
}

/// Refuses what cannot be an e-mail address: an empty side of the `@`, blanks or control
/// characters, more than 254 characters (RFC 5321's limit).
pub fn check_email(email: &str) -> Result<(), ApiError> {
    let plausible = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email
            .rsplit_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty());
    if plausible {
        Ok(())
    } else {
        Err(invalid(format!(
            "{} is not an e-mail address",
            shown(email)
        )))
    }
}

/// The longest device id a sign-in may give (the app's are 36-character UUIDs): every cell the
/// device pushes carries it.
pub const MAX_DEVICE_ID_BYTES: usize = seller_sync_core::protocol::MAX_DEVICE_ID_BYTES;
/// The longest device name (a host name, "Laptop").
pub const MAX_DEVICE_NAME_BYTES: usize = 200;

/// Refuses a sign-in whose e-mail, device id or device name no database could keep: a control
/// character (PostgreSQL refuses NUL in text) or a length beyond any real one.
pub fn check_sign_in(email: &str, device_id: &str, device_name: &str) -> Result<(), ApiError> {
    let fields = [
        ("e-mail", email, 254),
        ("device id", device_id, MAX_DEVICE_ID_BYTES),
        ("device name", device_name, MAX_DEVICE_NAME_BYTES),
    ];
    for (what, value, max) in fields {
        if value.len() > max || value.chars().any(char::is_control) {
            return Err(ApiError::new(
                ApiErrorCode::BadRequest,
                format!("the {what} holds a control character or is longer than {max} bytes"),
            ));
        }
    }
    Ok(())
}

fn type_fits(ty: ColumnType, value: &Value) -> bool {
    matches!(
        (ty, value),
        (ColumnType::Integer, Value::Integer(_))
            | (ColumnType::Real, Value::Integer(_) | Value::Real(_))
            | (ColumnType::Text, Value::Text(_))
            | (ColumnType::Blob, Value::Blob(_))
    )
}

fn type_name(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Integer => "integers",
        ColumnType::Real => "numbers",
        ColumnType::Text => "text",
        ColumnType::Blob => "bytes",
    }
}

fn value_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "NULL",
        Value::Integer(_) => "an integer",
        Value::Real(_) => "a real number",
        Value::Text(_) => "text",
        Value::Blob(_) => "bytes",
    }
}

/// A value quoted in a refusal, cut short: the message must not echo a mebibyte back.
fn shown(value: &str) -> String {
    const MAX_CHARS: usize = 60;
    let mut short: String = value.chars().take(MAX_CHARS).collect();
    if short.len() < value.len() {
        short.push('…');
    }
    format!("{short:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(ty: ColumnType, not_null: bool, references: Option<&str>) -> TypedColumn {
        TypedColumn {
            name: "c".into(),
            ty,
            not_null,
            references: references.map(Into::into),
        }
    }

    #[test]
    fn only_canonical_uuids_are_ids() {
        let id = uuid::Uuid::now_v7().to_string();
        assert!(is_canonical_uuid(&id));
        for bad in [
            "admin".to_owned(),
            format!("user:{id}"),
            "../../tmp/evil".to_owned(),
            id.to_uppercase(),
            format!("{{{id}}}"),
            id.replace('-', ""),
            format!("urn:uuid:{id}"),
            format!("{id} "),
            String::new(),
            "0192a1b2-c3d4-7e5f-8a9b-0c1d2e3f4g5h".to_owned(),
        ] {
            assert!(!is_canonical_uuid(&bad), "{bad}");
            assert_eq!(
                check_row_id("shops", &bad).unwrap_err().code,
                ApiErrorCode::InvalidValue
            );
        }
    }

    #[test]
    fn values_are_checked_against_their_column() {
        let text = column(ColumnType::Text, true, None);
        let int = column(ColumnType::Integer, false, None);
        let real = column(ColumnType::Real, false, None);
        let fk = column(ColumnType::Text, false, Some("shops"));
        let ok = |c: &TypedColumn, v: Value| check_value("t", c, &v).is_ok();
        assert!(ok(&text, Value::Text("Robe".into())));
        assert!(!ok(&text, Value::Null), "NOT NULL");
        assert!(!ok(&text, Value::Integer(1)));
        assert!(!ok(&text, Value::Text("a\0b".into())));
        assert!(ok(&text, Value::Text("é".repeat(MAX_CELL_BYTES / 2))));
        assert!(!ok(&text, Value::Text("x".repeat(MAX_CELL_BYTES + 1))));
        assert!(ok(&int, Value::Integer(i64::MIN)));
        assert!(ok(&int, Value::Null));
        assert!(!ok(&int, Value::Real(1.5)));
        assert!(!ok(&int, Value::Text("12".into())));
        assert!(ok(&real, Value::Integer(2)) && ok(&real, Value::Real(2.5)));
        assert!(ok(&fk, Value::Null));
        assert!(ok(&fk, Value::Text(uuid::Uuid::now_v7().to_string())));
        assert!(!ok(&fk, Value::Text("admin".into())));
        assert!(!ok(&fk, Value::Integer(7)));
    }

    #[test]
    fn sign_ins_hold_nothing_a_database_refuses() {
        let id = uuid::Uuid::now_v7().to_string();
        assert!(check_sign_in("camille@example.fr", &id, "Portable de Camille").is_ok());
        assert!(check_sign_in("camille@example.fr\0", &id, "Portable").is_err());
        assert!(check_sign_in("camille@example.fr", "a\0b", "Portable").is_err());
        assert!(check_sign_in("camille@example.fr", &id, "Porta\nble").is_err());
        assert!(check_sign_in("camille@example.fr", &"x".repeat(101), "Portable").is_err());
        assert!(check_sign_in("camille@example.fr", &id, &"x".repeat(201)).is_err());
    }

    #[test]
    fn roles_and_emails_that_decide_access_are_checked() {
        assert!(check_user_value("role", &Value::Text("admin".into())).is_ok());
        assert!(check_user_value("role", &Value::Text("root".into())).is_err());
        assert!(check_email("camille@example.fr").is_ok());
        for bad in ["", "camille", "@example.fr", "camille@", "a b@example.fr"] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }
}
