//! SKUs generated from a pattern the user sets per shop, such as `SP-{n:6}` (the default:
//! `SP-000001`, `SP-000002`, …) or `{yyyy}{mm}-{n}`. The counter only moves forward and skips
//! any SKU already taken, so generated SKUs stay unique even beside ones typed by hand.
//!
//! Tokens: `{n}` the counter, `{n:W}` the counter zero-padded to W digits (1 to 12), `{yyyy}`,
//! `{yy}`, `{mm}`, `{dd}` today's date (UTC). Exactly one counter token is required.

use chrono::{Datelike, Utc};
use rusqlite::Transaction;

use super::MAX_SHORT_TEXT_CHARS;
use crate::settings::{read_setting, write_setting};
use crate::{FieldError, FieldErrorCode, Result, Store, StoreError, StoreTx};

pub const DEFAULT_SKU_PATTERN: &str = "SP-{n:6}";
/// The counter of the first version, before patterns were per shop.
const LEGACY_COUNTER_KEY: &str = "sku_counter";

enum Part {
    Text(String),
    Counter { width: usize },
    Year4,
    Year2,
    Month,
    Day,
}

/// The pattern split into parts, or why it is not usable.
fn parse(pattern: &str) -> std::result::Result<Vec<Part>, FieldErrorCode> {
    if pattern.trim().is_empty() {
        return Err(FieldErrorCode::Required);
    }
    if pattern.chars().count() > 40 {
        return Err(FieldErrorCode::TooLong);
    }
    let mut parts = Vec::new();
    let mut rest = pattern;
    let mut counters = 0;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err(FieldErrorCode::Invalid);
        }
        if open > 0 {
            parts.push(Part::Text(rest[..open].to_owned()));
        }
        let close = rest[open..].find('}').ok_or(FieldErrorCode::Invalid)? + open;
        let part = match &rest[open + 1..close] {
            "n" => Part::Counter { width: 0 },
            "yyyy" => Part::Year4,
            "yy" => Part::Year2,
            "mm" => Part::Month,
            "dd" => Part::Day,
            token => match token.strip_prefix("n:").and_then(|w| w.parse().ok()) {
                Some(width @ 1..=12) => Part::Counter { width },
                _ => return Err(FieldErrorCode::Invalid),
            },
        };
        counters += usize::from(matches!(part, Part::Counter { .. }));
        parts.push(part);
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest.to_owned()));
    }
    let text_ok = parts.iter().all(|p| match p {
        Part::Text(t) => t.chars().all(|c| !c.is_control()),
        _ => true,
    });
    if counters != 1 || !text_ok {
        return Err(FieldErrorCode::Invalid);
    }
    Ok(parts)
}

fn render(parts: &[Part], counter: i64) -> String {
    let today = Utc::now().date_naive();
    parts
        .iter()
        .map(|part| match part {
            Part::Text(text) => text.clone(),
            Part::Counter { width } => format!("{counter:0width$}"),
            Part::Year4 => format!("{:04}", today.year()),
            Part::Year2 => format!("{:02}", today.year() % 100),
            Part::Month => format!("{:02}", today.month()),
            Part::Day => format!("{:02}", today.day()),
        })
        .collect()
}

fn pattern_key(shop_id: &str) -> String {
    format!("sku_pattern:{shop_id}")
}

fn counter_key(shop_id: &str) -> String {
    format!("sku_counter:{shop_id}")
}

fn invalid_pattern(code: FieldErrorCode) -> StoreError {
    StoreError::Validation(vec![FieldError::new("skuPattern", code)])
}

/// The shop's pattern and its counter's last value.
fn pattern_and_counter(tx: &rusqlite::Connection, shop_id: &str) -> Result<(String, i64)> {
    let pattern =
        read_setting(tx, &pattern_key(shop_id))?.unwrap_or_else(|| DEFAULT_SKU_PATTERN.to_owned());
    let counter = match read_setting(tx, &counter_key(shop_id))? {
        Some(value) => value.parse().unwrap_or(0),
        None => read_setting(tx, LEGACY_COUNTER_KEY)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
    };
    Ok((pattern, counter))
}

/// The next generated SKU of the shop that no product uses; advances the counter.
pub(super) fn next_free_sku(tx: &Transaction<'_>, shop_id: &str) -> Result<String> {
    let (pattern, mut counter) = pattern_and_counter(tx, shop_id)?;
    // A stored pattern was checked when saved; fall back rather than block every new product.
    let parts = parse(&pattern).or_else(|_| parse(DEFAULT_SKU_PATTERN).map_err(invalid_pattern))?;
    let mut taken = tx.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM seller_products WHERE shop_id = ?1 AND sku = ?2)",
    )?;
    let sku = loop {
        counter += 1;
        let candidate = render(&parts, counter);
        if !taken.query_row((shop_id, &candidate), |r| r.get::<_, bool>(0))? {
            break candidate;
        }
    };
    write_setting(tx, &counter_key(shop_id), &counter.to_string())?;
    Ok(sku)
}

impl Store {
    /// The shop's SKU pattern.
    pub fn sku_pattern(&self) -> Result<String> {
        Ok(pattern_and_counter(&self.conn, self.shop_id())?.0)
    }

    /// Sets the shop's SKU pattern, after checking it.
    pub fn set_sku_pattern(&mut self, pattern: &str) -> Result<()> {
        self.write(|tx| tx.set_sku_pattern(pattern))
    }

    /// What the pattern would give for the next product (without taking it), to show the user.
    pub fn preview_sku(&self, pattern: &str) -> Result<String> {
        let parts = parse(pattern.trim()).map_err(invalid_pattern)?;
        let (_, counter) = pattern_and_counter(&self.conn, self.shop_id())?;
        Ok(render(&parts, counter + 1))
    }
}

impl StoreTx<'_> {
    /// Sets the shop's SKU pattern, after checking it.
    pub fn set_sku_pattern(&mut self, pattern: &str) -> Result<()> {
        let pattern = pattern.trim();
        parse(pattern).map_err(invalid_pattern)?;
        let example = render(&parse(pattern).map_err(invalid_pattern)?, i64::MAX / 10);
        if example.chars().count() > MAX_SHORT_TEXT_CHARS {
            return Err(invalid_pattern(FieldErrorCode::TooLong));
        }
        let key = pattern_key(self.shop_id());
        write_setting(&self.tx, &key, pattern)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_render_their_tokens() {
        let parts = parse("SP-{n:6}").unwrap();
        assert_eq!(render(&parts, 42), "SP-000042");
        let parts = parse("{n}").unwrap();
        assert_eq!(render(&parts, 1234567), "1234567");
        let year = Utc::now().year().to_string();
        let parts = parse("V{yyyy}-{n:3}").unwrap();
        assert_eq!(render(&parts, 7), format!("V{year}-007"));
    }

    #[test]
    fn unusable_patterns_are_refused() {
        for (pattern, code) in [
            ("", FieldErrorCode::Required),
            ("SP-", FieldErrorCode::Invalid),
            ("{n}{n}", FieldErrorCode::Invalid),
            ("{n:0}", FieldErrorCode::Invalid),
            ("{n:13}", FieldErrorCode::Invalid),
            ("{x}-{n}", FieldErrorCode::Invalid),
            ("A}{n}", FieldErrorCode::Invalid),
            ("{n", FieldErrorCode::Invalid),
            (
                "{n}-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                FieldErrorCode::TooLong,
            ),
        ] {
            assert_eq!(parse(pattern).err(), Some(code), "{pattern:?}");
        }
    }
}
