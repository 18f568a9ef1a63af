//! SQLite values as JSON: `null`, integers and reals as numbers (a real always written with a
//! fraction or exponent, so it reads back as a real), text as strings, blobs as
//! `{"blob": "<base64>"}`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rusqlite::types::Value;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Serialize, Deserialize)]
struct Blob {
    blob: String,
}

pub fn serialize<S: Serializer>(value: &Value, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
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

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
    from_json(serde_json::Value::deserialize(deserializer)?).map_err(D::Error::custom)
}

/// The SQLite value a JSON value stands for.
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

/// The JSON form of a SQLite value (as a server stores a cell).
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
        }
    }
}
