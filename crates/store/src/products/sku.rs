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

/// The first SKU in `text` that `pattern` could have generated, such as `SP-000123` in a Vinted
/// description ending "Réf : SP-000123."; `None` when there is none or the pattern is not
/// usable. A candidate stands apart from its neighbours: the characters just before and after
/// it are not letters or digits, so `XSP-000123` or `SP-0001234` (with `{n:6}`) are not one.
///
/// The counter is matched as the generator writes it: `{n:W}` as W digits, or more when the
/// counter outgrew its width (then without a leading zero); `{n}` as digits without a leading
/// zero. Date tokens are matched as any date of their shape (`{mm}` 01 to 12, `{dd}` 01 to 31),
/// not only today's. Text of the pattern is matched as typed, case included.
pub fn find_sku_in_text(pattern: &str, text: &str) -> Option<String> {
    let parts = parse(pattern.trim()).ok()?;
    let chars: Vec<char> = text.chars().collect();
    let apart = |at: usize| chars.get(at).is_none_or(|c| !c.is_alphanumeric());
    (0..chars.len())
        .filter(|&start| start == 0 || apart(start - 1))
        .find_map(|start| {
            let end = match_parts(&parts, &chars, start, &apart)?;
            Some(chars[start..end].iter().collect())
        })
}

/// Where a match of `parts` starting at `at` ends, the end standing apart (`apart`); the
/// counter's longest run is tried first.
fn match_parts(
    parts: &[Part],
    chars: &[char],
    at: usize,
    apart: &dyn Fn(usize) -> bool,
) -> Option<usize> {
    let Some((part, rest)) = parts.split_first() else {
        return apart(at).then_some(at);
    };
    let digits = chars[at..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    let number = |len: usize| -> Option<u32> {
        (digits >= len).then(|| {
            chars[at..at + len]
                .iter()
                .fold(0, |n, c| n * 10 + c.to_digit(10).unwrap_or(0))
        })
    };
    let fixed = |len: usize, valid: &dyn Fn(u32) -> bool| {
        number(len)
            .filter(|n| valid(*n))
            .and_then(|_| match_parts(rest, chars, at + len, apart))
    };
    match part {
        Part::Text(literal) => {
            let literal: Vec<char> = literal.chars().collect();
            let end = at + literal.len();
            (chars.get(at..end) == Some(&literal[..]))
                .then(|| match_parts(rest, chars, end, apart))
                .flatten()
        }
        Part::Counter { width } => {
            let leading_zero = chars.get(at) == Some(&'0');
            ((*width).max(1)..=digits)
                .rev()
                .filter(|&len| len == *width || !leading_zero)
                .find_map(|len| match_parts(rest, chars, at + len, apart))
        }
        Part::Year4 => fixed(4, &|_| true),
        Part::Year2 => fixed(2, &|_| true),
        Part::Month => fixed(2, &|m| (1..=12).contains(&m)),
        Part::Day => fixed(2, &|d| (1..=31).contains(&d)),
    }
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
pub(crate) fn pattern_and_counter(
    tx: &rusqlite::Connection,
    shop_id: &str,
) -> Result<(String, i64)> {
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
    fn an_sku_is_found_in_text_as_the_pattern_writes_it() {
        let find = |pattern: &str, text: &str| find_sku_in_text(pattern, text);
        assert_eq!(
            find("SP-{n:6}", "Réf : SP-000123."),
            Some("SP-000123".to_owned())
        );
        assert_eq!(find("SP-{n:6}", "Robe d'été, taille 38"), None);
        assert_eq!(
            find("SP-{n:6}", "SP-000001 ou SP-000002"),
            Some("SP-000001".to_owned())
        );
        // Glued to a letter or a digit: not a token of its own.
        assert_eq!(find("SP-{n:6}", "XSP-000123 SP-0001234 SP-00012"), None);
        assert_eq!(
            find("SP-{n:6}", "XSP-000123 puis (SP-000124)"),
            Some("SP-000124".to_owned())
        );
        // A counter that outgrew its width, as the generator writes it.
        assert_eq!(
            find("SP-{n:6}", "#SP-1234567"),
            Some("SP-1234567".to_owned())
        );
        assert_eq!(find("{n}", "lot 0 puis 42"), Some("42".to_owned()));
        assert_eq!(find("sp-{n}", "SP-12"), None, "text is matched as typed");
        assert_eq!(
            find("SP-", "SP-12"),
            None,
            "an unusable pattern finds nothing"
        );
    }

    #[test]
    fn date_tokens_match_any_date_of_their_shape() {
        let pattern = "{yyyy}{mm}-{n:3}";
        assert_eq!(
            find_sku_in_text(pattern, "vu 202613-001, réf 202611-007"),
            Some("202611-007".to_owned())
        );
        assert_eq!(
            find_sku_in_text("V{yy}{mm}{dd}-{n}", "Article V261207-15."),
            Some("V261207-15".to_owned())
        );
        assert_eq!(find_sku_in_text("V{yy}{mm}{dd}-{n}", "V261232-15"), None);
        // The counter gives back digits a later token needs.
        assert_eq!(
            find_sku_in_text("{n}{yy}", "A 1226 B"),
            Some("1226".to_owned())
        );
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
