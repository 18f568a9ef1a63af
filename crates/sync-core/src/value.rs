//! A cell's value, as SQLite types it, and its JSON form: `null`, integers and reals as numbers
//! (a real always written with a fraction or exponent, so it reads back as a real), text as
//! strings, blobs as `{"blob": "<base64>"}`.
//!
//! Its own type rather than rusqlite's, so that the protocol needs no SQLite; with the
//! `rusqlite` feature it is a `ToSql`/`FromSql` value (borrowed when written, no copy).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One cell: the five kinds of SQLite value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

#[derive(Serialize, Deserialize)]
struct Blob {
    blob: String,
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_none(),
            Value::Integer(i) => serializer.serialize_i64(*i),
            Value::Real(f) => serializer.serialize_f64(*f),
            Value::Text(t) => serializer.serialize_str(t),
            Value::Blob(b) => Blob {
                blob: STANDARD.encode(b),
            }
            .serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        from_json(serde_json::Value::deserialize(deserializer)?).map_err(D::Error::custom)
    }
}

/// The value a JSON value stands for.
pub fn from_json(json: serde_json::Value) -> Result<Value, String> {
    Ok(match json {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Real(n.as_f64().ok_or("a number out of range")?),
        },
        serde_json::Value::String(s) => Value::Text(s),
        serde_json::Value::Object(mut o) => match o.remove("blob") {
            Some(serde_json::Value::String(b64)) => {
                Value::Blob(STANDARD.decode(b64).map_err(|e| e.to_string())?)
            }
            _ => return Err("an object that is not a blob".into()),
        },
        serde_json::Value::Bool(b) => Value::Integer(i64::from(b)),
        serde_json::Value::Array(_) => return Err("an array is not a cell value".into()),
    })
}

/// The JSON form of a value (as a server stores a cell).
pub fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Integer(i) => (*i).into(),
        Value::Real(f) => {
            serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into)
        }
        Value::Text(t) => t.clone().into(),
        Value::Blob(b) => serde_json::json!({ "blob": STANDARD.encode(b) }),
    }
}

#[cfg(feature = "rusqlite")]
mod sqlite {
    use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

    use super::Value;

    impl ToSql for Value {
        fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
            Ok(ToSqlOutput::Borrowed(match self {
                Value::Null => ValueRef::Null,
                Value::Integer(i) => ValueRef::Integer(*i),
                Value::Real(f) => ValueRef::Real(*f),
                Value::Text(t) => ValueRef::Text(t.as_bytes()),
                Value::Blob(b) => ValueRef::Blob(b),
            }))
        }
    }

    impl FromSql for Value {
        fn column_result(value: ValueRef<'_>) -> FromSqlResult<Value> {
            rusqlite::types::Value::column_result(value).map(Into::into)
        }
    }

    impl From<rusqlite::types::Value> for Value {
        fn from(value: rusqlite::types::Value) -> Value {
            match value {
                rusqlite::types::Value::Null => Value::Null,
                rusqlite::types::Value::Integer(i) => Value::Integer(i),
                rusqlite::types::Value::Real(f) => Value::Real(f),
                rusqlite::types::Value::Text(t) => Value::Text(t),
                rusqlite::types::Value::Blob(b) => Value::Blob(b),
            }
        }
    }

    impl From<Value> for rusqlite::types::Value {
        fn from(value: Value) -> rusqlite::types::Value {
            match value {
                Value::Null => rusqlite::types::Value::Null,
                Value::Integer(i) => rusqlite::types::Value::Integer(i),
                Value::Real(f) => rusqlite::types::Value::Real(f),
                Value::Text(t) => rusqlite::types::Value::Text(t),
                Value::Blob(b) => rusqlite::types::Value::Blob(b),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_json() {
        for value in [
            Value::Null,
            Value::Integer(-42),
            Value::Integer(i64::MAX),
            Value::Real(1.0),
            Value::Real(-0.25),
            Value::Text("Robe d'été \"neuve\"".into()),
            Value::Blob(vec![0, 255, 7]),
        ] {
            let json = to_json(&value);
            assert_eq!(from_json(json.clone()).unwrap(), value, "{json}");
            let text = serde_json::to_string(&json).unwrap();
            let back: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(from_json(back).unwrap(), value, "{text}");
            let serialised = serde_json::to_string(&value).unwrap();
            assert_eq!(serde_json::from_str::<Value>(&serialised).unwrap(), value);
        }
    }
}
