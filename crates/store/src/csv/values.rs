//! Cell values: money, quantities, dates, enumeration labels, lists, and the guard against
//! spreadsheet formulas.

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, TimeZone, Utc};

use super::mapping::fold;
use super::{CsvField, CsvLanguage, DecimalSeparator, LIST_SEPARATOR, RowErrorCode};
use crate::products::{Condition, PackageSize, ProductStatus};

/// Characters that group thousands besides `.` and `,`: space, no-break space, narrow no-break
/// space (what Excel and LibreOffice write in French), thin space, and the Swiss apostrophe.
fn is_group_space(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' | '\'' | '’')
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn strip_suffix_ci<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let start = text.len().checked_sub(suffix.len())?;
    let tail = text.get(start..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &text[..start])
}

fn strip_currency(text: &str) -> &str {
    let text = text.trim();
    let text = text
        .strip_prefix('€')
        .or_else(|| strip_prefix_ci(text, "EUR"))
        .unwrap_or(text)
        .trim();
    text.strip_suffix('€')
        .or_else(|| strip_suffix_ci(text, "EUR"))
        .unwrap_or(text)
        .trim()
}

fn strip_minus(text: &str) -> Option<&str> {
    text.strip_prefix('-')
        .or_else(|| text.strip_prefix('\u{2212}'))
        .map(str::trim_start)
}

/// Exact cents from an amount as people and spreadsheets write it: `12,50`, `12.50`, `12.5`,
/// `1 234,56` (space, no-break or narrow no-break space), `1.234,56`, `1,234.56`, `12 €`,
/// `€12.50`, `12 EUR`. Never through floating point.
///
/// Refused: anything else ([`RowErrorCode::InvalidNumber`]), negative amounts
/// ([`RowErrorCode::Negative`]), more than 2 decimals ([`RowErrorCode::TooManyDecimals`]),
/// `1,234` or `1.234` where the separator could be either a thousands separator or a decimal one
/// ([`RowErrorCode::AmbiguousNumber`]), and amounts beyond `i64` ([`RowErrorCode::TooLarge`]).
pub fn parse_money_cents(raw: &str) -> Result<i64, RowErrorCode> {
    let mut text = raw.trim();
    let mut negative = false;
    if let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        negative = true;
        text = inner;
    }
    if let Some(rest) = strip_minus(text) {
        negative = true;
        text = rest;
    }
    text = strip_currency(text);
    if !negative && let Some(rest) = strip_minus(text) {
        negative = true;
        text = rest;
    }
    let cents = parse_unsigned_amount(text)?;
    if negative && cents != 0 {
        return Err(RowErrorCode::Negative);
    }
    Ok(cents)
}

fn parse_unsigned_amount(text: &str) -> Result<i64, RowErrorCode> {
    use RowErrorCode::*;
    if text.is_empty()
        || !text.chars().any(|c| c.is_ascii_digit())
        || !text
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',' || is_group_space(c))
    {
        return Err(InvalidNumber);
    }
    let dots = text.matches('.').count();
    let commas = text.matches(',').count();
    let has_spaces = text.chars().any(is_group_space);
    // Which of '.' and ',' is the decimal separator, if any.
    let decimal = match (dots, commas) {
        (0, 0) => None,
        (_, 0) if dots > 1 => None,
        (0, _) if commas > 1 => None,
        (1, 0) => Some('.'),
        (0, 1) => Some(','),
        _ => {
            // Both: the last one is the decimal separator and appears once.
            let last = text.rfind(['.', ',']).map(|i| text.as_bytes()[i] as char);
            match last {
                Some('.') if dots == 1 => Some('.'),
                Some(',') if commas == 1 => Some(','),
                _ => return Err(InvalidNumber),
            }
        }
    };
    let (int_part, frac_part) = match decimal {
        Some(sep) => {
            let (int_part, frac_part) = text.split_once(sep).expect("separator present");
            (int_part, Some(frac_part))
        }
        None => (text, None),
    };
    let thousands = match decimal {
        Some('.') => Some(','),
        Some(_) => Some('.'),
        None if dots > 0 => Some('.'),
        None if commas > 0 => Some(','),
        None => None,
    };
    let groups: Vec<&str> = int_part
        .split(|c: char| is_group_space(c) || Some(c) == thousands)
        .collect();
    if groups.len() > 1
        && (groups[0].is_empty() || groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3))
    {
        return Err(InvalidNumber);
    }
    let digits: String = groups.concat();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(InvalidNumber);
    }
    let frac = frac_part.unwrap_or("");
    if frac_part.is_some() && (frac.is_empty() || !frac.chars().all(|c| c.is_ascii_digit())) {
        return Err(InvalidNumber);
    }
    if frac.len() == 3
        && groups.len() == 1
        && !has_spaces
        && (1..=3).contains(&digits.len())
        && !digits.starts_with('0')
        && dots + commas == 1
    {
        return Err(AmbiguousNumber);
    }
    if frac.len() > 2 {
        return Err(TooManyDecimals);
    }
    let units = digits.bytes().try_fold(0i64, |acc, d| {
        acc.checked_mul(10)?.checked_add(i64::from(d - b'0'))
    });
    let cents = frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(2)
        .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'));
    units
        .and_then(|u| u.checked_mul(100))
        .and_then(|u| u.checked_add(cents))
        .ok_or(TooLarge)
}

/// A whole number of items, `0` or more; thousands may be grouped by spaces.
pub fn parse_quantity(raw: &str) -> Result<i64, RowErrorCode> {
    let text = raw.trim();
    let (negative, digits) = match strip_minus(text) {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let digits: String = digits.chars().filter(|c| !is_group_space(*c)).collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(RowErrorCode::InvalidNumber);
    }
    let value = digits
        .bytes()
        .try_fold(0i64, |acc, d| {
            acc.checked_mul(10)?.checked_add(i64::from(d - b'0'))
        })
        .ok_or(RowErrorCode::TooLarge)?;
    if negative && value != 0 {
        return Err(RowErrorCode::Negative);
    }
    Ok(value)
}

/// Money as an export writes it: always two decimals, no thousands separator.
pub(crate) fn format_money(cents: i64, decimal: DecimalSeparator) -> String {
    let sep = match decimal {
        DecimalSeparator::Comma => ',',
        DecimalSeparator::Point => '.',
    };
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}{}{sep}{:02}", cents / 100, cents % 100)
}

/// A stored time (RFC 3339 UTC) as an export writes the stock-entry date: in the machine's time
/// zone, to the minute, `31/12/2026 14:05` in French and `2026-12-31 14:05` in English. Both are
/// what Excel and LibreOffice read as a date and time in those settings (RFC 3339's `T…Z` would
/// stay text), and the minute is what Excel shows and writes back when it saves the file again,
/// so what the user sees is what an import restores; seconds are dropped (nothing counted in
/// days notices them). The raw text when it is not a time.
pub(crate) fn format_stocked_at(rfc3339: &str, language: CsvLanguage) -> String {
    format_stocked_at_in(rfc3339, language, &Local)
}

fn format_stocked_at_in<Tz: TimeZone>(rfc3339: &str, language: CsvLanguage, tz: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let Ok(at) = DateTime::parse_from_rfc3339(rfc3339) else {
        return rfc3339.to_owned();
    };
    let pattern = match language {
        CsvLanguage::Fr => "%d/%m/%Y %H:%M",
        CsvLanguage::En => "%Y-%m-%d %H:%M",
    };
    at.with_timezone(tz).format(pattern).to_string()
}

/// A stock-entry date as the database stores it (RFC 3339 UTC, milliseconds, `Z`), from what
/// [`format_stocked_at`] writes or what people type: `31/12/2026`, `31/12/2026 14:05`,
/// `31/12/2026 14:05:09` (also with `.` or `-` between day, month and year), `2026-12-31`,
/// `2026-12-31 14:05[:09]`, `2026-12-31T14:05[:09]`, read in the machine's time zone (a day
/// alone is its midnight), or an RFC 3339 time with its offset (`2026-12-31T14:05:09Z`). A
/// slashed date is always day first; the year must have four digits. Refused: anything else
/// ([`RowErrorCode::InvalidDate`]) and a time after `now` ([`RowErrorCode::FutureDate`]).
pub(crate) fn parse_stocked_at(raw: &str, now: DateTime<Utc>) -> Result<String, RowErrorCode> {
    parse_stocked_at_in(raw, now, &Local)
}

fn parse_stocked_at_in<Tz: TimeZone>(
    raw: &str,
    now: DateTime<Utc>,
    tz: &Tz,
) -> Result<String, RowErrorCode> {
    let text = raw.trim();
    let at = match DateTime::parse_from_rfc3339(text) {
        Ok(at) => at.with_timezone(&Utc),
        Err(_) => {
            let naive = parse_naive_date_time(text).ok_or(RowErrorCode::InvalidDate)?;
            // A time skipped by a daylight-saving jump is read as the hour after it; a time
            // repeated when clocks go back, as its first occurrence.
            [naive, naive + chrono::Duration::hours(1)]
                .iter()
                .find_map(|n| tz.from_local_datetime(n).earliest())
                .ok_or(RowErrorCode::InvalidDate)?
                .with_timezone(&Utc)
        }
    };
    if at > now {
        return Err(RowErrorCode::FutureDate);
    }
    Ok(at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// `day[ time]` or `dayTtime` without offset (see [`parse_stocked_at`]).
fn parse_naive_date_time(text: &str) -> Option<NaiveDateTime> {
    let (day, time) = match text.split_once(['T', ' ']) {
        Some((day, time)) => (day, Some(time.trim())),
        None => (text, None),
    };
    let day = parse_day(day)?;
    let time = match time {
        None => NaiveTime::MIN,
        Some(time) => parse_time(time)?,
    };
    Some(day.and_time(time))
}

fn all_digits(part: &str, lengths: std::ops::RangeInclusive<usize>) -> Option<u32> {
    (lengths.contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit()))
        .then(|| part.parse().ok())
        .flatten()
}

/// `2026-12-31` (or `2026/12/31`), else day first: `31/12/2026`, `31.12.2026`, `31-12-2026`.
fn parse_day(text: &str) -> Option<NaiveDate> {
    let separator = text.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let parts: Vec<&str> = text.split(separator).collect();
    let [a, b, c] = parts[..] else { return None };
    let (year, month, day) = if a.len() == 4 {
        (
            all_digits(a, 4..=4)?,
            all_digits(b, 1..=2)?,
            all_digits(c, 1..=2)?,
        )
    } else {
        (
            all_digits(c, 4..=4)?,
            all_digits(b, 1..=2)?,
            all_digits(a, 1..=2)?,
        )
    };
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// `14:05`, `14:05:09` or `14:05:09.123` (hours may have one digit; milliseconds are kept).
fn parse_time(text: &str) -> Option<NaiveTime> {
    let (clock, fraction) = match text.split_once('.') {
        Some((clock, fraction)) => (clock, Some(fraction)),
        None => (text, None),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    let (hour, minute, second) = match (&parts[..], fraction) {
        ([h, m], None) => (*h, *m, None),
        ([h, m, s], _) => (*h, *m, Some(*s)),
        _ => return None,
    };
    let second = match second {
        None => 0,
        Some(s) => all_digits(s, 2..=2)?,
    };
    let milli = match fraction {
        None => 0,
        Some(f) => {
            all_digits(f, 1..=9)?;
            f.bytes()
                .chain(std::iter::repeat(b'0'))
                .take(3)
                .fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
        }
    };
    NaiveTime::from_hms_milli_opt(
        all_digits(hour, 1..=2)?,
        all_digits(minute, 2..=2)?,
        second,
        milli,
    )
}

/// Labels of each value, the French and English ones first (what exports write), then other
/// spellings people use; all compared after [`fold`], which also makes the stored value
/// (`very_good` → "very good") match.
const CONDITIONS: &[(Condition, &[&str])] = &[
    (
        Condition::NewWithTags,
        &[
            "neuf avec etiquette",
            "new with tags",
            "neuf avec etiquettes",
            "new with tag",
        ],
    ),
    (
        Condition::NewWithoutTags,
        &[
            "neuf sans etiquette",
            "new without tags",
            "neuf sans etiquettes",
            "new without tag",
        ],
    ),
    (
        Condition::VeryGood,
        &[
            "tres bon etat",
            "very good",
            "tres bon",
            "very good condition",
        ],
    ),
    (
        Condition::Good,
        &["bon etat", "good", "bon", "good condition"],
    ),
    (
        Condition::Satisfactory,
        &["satisfaisant", "satisfactory", "etat satisfaisant"],
    ),
];

/// Besides the app's own labels, the words other tools, Vinted and people use for the same
/// state (compared after [`fold`]: case, accents and punctuation do not matter): an item on
/// sale is "active", "available", "disponible"…; one taken off sale but kept ("hidden",
/// "masqué", "inactive", "unlisted") is ready to list again.
const STATUSES: &[(ProductStatus, &[&str])] = &[
    (
        ProductStatus::Draft,
        &["brouillon", "draft", "drafts", "en brouillon"],
    ),
    (
        ProductStatus::Ready,
        &[
            "pret",
            "ready",
            "prete",
            "pret a publier",
            "a publier",
            "ready to list",
            "to list",
            "hidden",
            "masque",
            "masquee",
            "cache",
            "cachee",
            "inactive",
            "inactif",
            "unlisted",
            "non publie",
            "non publiee",
            "paused",
            "en pause",
        ],
    ),
    (
        ProductStatus::Listed,
        &[
            "en ligne",
            "listed",
            "publie",
            "publiee",
            "en vente",
            "online",
            "for sale",
            "active",
            "actif",
            "available",
            "disponible",
            "a vendre",
            "on sale",
            "published",
            "live",
        ],
    ),
    (
        ProductStatus::Reserved,
        &["reserve", "reserved", "reservee", "on hold", "bloque"],
    ),
    (
        ProductStatus::Sold,
        &[
            "vendu", "sold", "vendue", "vendus", "vendues", "sold out", "epuise",
        ],
    ),
    (
        ProductStatus::Archived,
        &[
            "archive", "archived", "archivee", "retire", "retired", "closed",
        ],
    ),
];

const PACKAGE_SIZES: &[(PackageSize, &[&str])] = &[
    (PackageSize::Small, &["petit", "small", "petite", "s"]),
    (PackageSize::Medium, &["moyen", "medium", "moyenne", "m"]),
    (PackageSize::Large, &["grand", "large", "grande", "l"]),
];

fn lookup<T: Copy>(table: &[(T, &[&str])], raw: &str) -> Result<T, RowErrorCode> {
    let folded = fold(raw);
    table
        .iter()
        .find(|(_, labels)| labels.contains(&folded.as_str()))
        .map(|(value, _)| *value)
        .ok_or(RowErrorCode::UnknownValue)
}

/// The values a field of a list takes, in their stored spelling (`draft`, `new_with_tags`,
/// `small`…), for a row error to name them; empty for any other field.
pub(crate) fn allowed_values(field: Option<CsvField>) -> Vec<String> {
    let names = |values: &[&str]| values.iter().map(|v| (*v).to_owned()).collect();
    match field {
        Some(CsvField::Status) => names(
            &ProductStatus::ALL
                .iter()
                .map(|v| v.as_str())
                .collect::<Vec<_>>(),
        ),
        Some(CsvField::Condition) => names(
            &Condition::ALL
                .iter()
                .map(|v| v.as_str())
                .collect::<Vec<_>>(),
        ),
        Some(CsvField::PackageSize) => names(
            &PackageSize::ALL
                .iter()
                .map(|v| v.as_str())
                .collect::<Vec<_>>(),
        ),
        _ => Vec::new(),
    }
}

pub(crate) fn parse_condition(raw: &str) -> Result<Condition, RowErrorCode> {
    lookup(CONDITIONS, raw)
}

pub(crate) fn parse_status(raw: &str) -> Result<ProductStatus, RowErrorCode> {
    lookup(STATUSES, raw)
}

pub(crate) fn parse_package_size(raw: &str) -> Result<PackageSize, RowErrorCode> {
    lookup(PACKAGE_SIZES, raw)
}

pub(crate) fn condition_label(value: Condition, language: CsvLanguage) -> &'static str {
    use Condition::*;
    match (language, value) {
        (CsvLanguage::Fr, NewWithTags) => "Neuf avec étiquette",
        (CsvLanguage::En, NewWithTags) => "New with tags",
        (CsvLanguage::Fr, NewWithoutTags) => "Neuf sans étiquette",
        (CsvLanguage::En, NewWithoutTags) => "New without tags",
        (CsvLanguage::Fr, VeryGood) => "Très bon état",
        (CsvLanguage::En, VeryGood) => "Very good",
        (CsvLanguage::Fr, Good) => "Bon état",
        (CsvLanguage::En, Good) => "Good",
        (CsvLanguage::Fr, Satisfactory) => "Satisfaisant",
        (CsvLanguage::En, Satisfactory) => "Satisfactory",
    }
}

pub(crate) fn status_label(value: ProductStatus, language: CsvLanguage) -> &'static str {
    use ProductStatus::*;
    match (language, value) {
        (CsvLanguage::Fr, Draft) => "Brouillon",
        (CsvLanguage::En, Draft) => "Draft",
        (CsvLanguage::Fr, Ready) => "Prêt",
        (CsvLanguage::En, Ready) => "Ready",
        (CsvLanguage::Fr, Listed) => "En ligne",
        (CsvLanguage::En, Listed) => "Listed",
        (CsvLanguage::Fr, Reserved) => "Réservé",
        (CsvLanguage::En, Reserved) => "Reserved",
        (CsvLanguage::Fr, Sold) => "Vendu",
        (CsvLanguage::En, Sold) => "Sold",
        (CsvLanguage::Fr, Archived) => "Archivé",
        (CsvLanguage::En, Archived) => "Archived",
    }
}

pub(crate) fn package_size_label(value: PackageSize, language: CsvLanguage) -> &'static str {
    use PackageSize::*;
    match (language, value) {
        (CsvLanguage::Fr, Small) => "Petit",
        (CsvLanguage::En, Small) => "Small",
        (CsvLanguage::Fr, Medium) => "Moyen",
        (CsvLanguage::En, Medium) => "Medium",
        (CsvLanguage::Fr, Large) => "Grand",
        (CsvLanguage::En, Large) => "Large",
    }
}

/// Materials or colours from one cell: split on `|` when the cell holds one, else on `,` and
/// `;` (as people type "Coton, Lin").
pub(crate) fn split_list(cell: &str) -> Vec<String> {
    let parts: Vec<&str> = if cell.contains(LIST_SEPARATOR) {
        cell.split(LIST_SEPARATOR).collect()
    } else {
        cell.split([',', ';']).collect()
    };
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The cell [`split_list`] reads back as `items`. A lone item holding `,` or `;` gets a trailing
/// `|` so it is not split. Items holding `|` cannot round-trip.
pub(crate) fn join_list(items: &[String]) -> String {
    let mut cell = items.join(&LIST_SEPARATOR.to_string());
    if items.len() == 1 && cell.contains([',', ';']) {
        cell.push(LIST_SEPARATOR);
    }
    cell
}

/// A spreadsheet runs a cell starting with one of these as a formula.
fn starts_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Text as an export writes it: a value a spreadsheet would run as a formula (`=HYPERLINK(…)`)
/// gets a leading `'`, as does a value that already starts with `'` and such a character, so
/// that [`unguard_formula`] gives back exactly the original.
pub(crate) fn guard_formula(text: &str) -> std::borrow::Cow<'_, str> {
    if starts_like_formula(text) || text.strip_prefix('\'').is_some_and(starts_like_formula) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// Undoes [`guard_formula`].
pub(crate) fn unguard_formula(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest)
            if starts_like_formula(rest)
                || rest.strip_prefix('\'').is_some_and(starts_like_formula) =>
        {
            rest
        }
        _ => text,
    }
}

/// The calendar day of a stored time in the machine's time zone.
pub(crate) fn local_day(rfc3339: &str) -> Option<NaiveDate> {
    DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .map(|t| t.with_timezone(&Local).date_naive())
}

/// A day as the user writes it: `31/12/2026` in French, `2026-12-31` in English.
pub fn format_day(day: NaiveDate, language: CsvLanguage) -> String {
    match language {
        CsvLanguage::Fr => day.format("%d/%m/%Y").to_string(),
        CsvLanguage::En => day.format("%Y-%m-%d").to_string(),
    }
}

/// A stored time as the user's day (see [`format_day`]); the raw text if it is not a time.
pub(crate) fn format_date(rfc3339: &str, language: CsvLanguage) -> String {
    local_day(rfc3339).map_or_else(|| rfc3339.to_owned(), |d| format_day(d, language))
}

#[cfg(test)]
mod tests {
    use super::*;
    use RowErrorCode::*;

    #[test]
    fn money_in_every_usual_spelling() {
        for (raw, cents) in [
            ("12,50", 1250),
            ("12.50", 1250),
            ("12.5", 1250),
            ("12", 1200),
            ("0", 0),
            ("0,05", 5),
            (",5", 50),
            ("1 234,56", 123_456),
            ("1\u{a0}234,56", 123_456),
            ("1\u{202f}234,56", 123_456),
            ("1\u{202f}234\u{202f}567", 123_456_700),
            ("1.234,56", 123_456),
            ("1,234.56", 123_456),
            ("1.234.567", 123_456_700),
            ("1,234,567.8", 123_456_780),
            ("12 €", 1200),
            ("12,50 €", 1250),
            ("12,50\u{a0}€", 1250),
            ("€12.50", 1250),
            ("€ 1,234.56", 123_456),
            ("12.50 EUR", 1250),
            ("EUR 12", 1200),
            ("  7,00  ", 700),
            ("1234.5", 123_450),
        ] {
            assert_eq!(parse_money_cents(raw), Ok(cents), "{raw:?}");
        }
    }

    #[test]
    fn status_words_of_other_tools_and_of_vinted_are_understood() {
        use ProductStatus::*;
        for (raw, status) in [
            ("active", Listed),
            ("Active", Listed),
            ("en ligne", Listed),
            ("EN LIGNE", Listed),
            ("En-ligne", Listed),
            ("listed", Listed),
            ("available", Listed),
            ("Disponible", Listed),
            ("à vendre", Listed),
            ("vendu", Sold),
            ("VENDUE", Sold),
            ("sold", Sold),
            ("Sold out", Sold),
            ("épuisé", Sold),
            ("draft", Draft),
            ("Brouillon", Draft),
            ("reserved", Reserved),
            ("réservé", Reserved),
            ("RESERVEE", Reserved),
            ("hidden", Ready),
            ("Masqué", Ready),
            ("inactive", Ready),
            ("archived", Archived),
            ("Archivé", Archived),
            ("  prêt  ", Ready),
        ] {
            assert_eq!(parse_status(raw), Ok(status), "{raw:?}");
        }
        for raw in ["actif?!x", "deleted", "en cours de livraison", ""] {
            assert_eq!(parse_status(raw), Err(UnknownValue), "{raw:?}");
        }
    }

    #[test]
    fn money_refusals() {
        for (raw, code) in [
            ("-12,50", Negative),
            ("−3", Negative),
            ("-€12.50", Negative),
            ("€-12.50", Negative),
            ("(12.50)", Negative),
            ("12,505", AmbiguousNumber),
            ("1,234", AmbiguousNumber),
            ("1.234", AmbiguousNumber),
            ("0.125", TooManyDecimals),
            ("1234.567", TooManyDecimals),
            ("12,5000", TooManyDecimals),
            ("1 234,567", TooManyDecimals),
            ("abc", InvalidNumber),
            ("12abc", InvalidNumber),
            ("12,50,30", InvalidNumber),
            ("1.2.3,4,5", InvalidNumber),
            ("12.", InvalidNumber),
            ("€", InvalidNumber),
            ("12 34", InvalidNumber),
            ("1,23.45", InvalidNumber),
            ("1e5", InvalidNumber),
            ("--5", InvalidNumber),
            ("99999999999999999999", TooLarge),
        ] {
            assert_eq!(parse_money_cents(raw), Err(code), "{raw:?}");
        }
        assert_eq!(parse_money_cents("-0"), Ok(0));
    }

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity(" 3 "), Ok(3));
        assert_eq!(parse_quantity("1 000"), Ok(1000));
        assert_eq!(parse_quantity("-1"), Err(Negative));
        assert_eq!(parse_quantity("1,5"), Err(InvalidNumber));
        assert_eq!(parse_quantity("deux"), Err(InvalidNumber));
        assert_eq!(parse_quantity("99999999999999999999"), Err(TooLarge));
    }

    #[test]
    fn money_is_written_with_two_decimals() {
        assert_eq!(format_money(123_456, DecimalSeparator::Comma), "1234,56");
        assert_eq!(format_money(5, DecimalSeparator::Point), "0.05");
        assert_eq!(format_money(0, DecimalSeparator::Point), "0.00");
    }

    #[test]
    fn labels_and_stored_values() {
        assert_eq!(parse_condition("Très bon état"), Ok(Condition::VeryGood));
        assert_eq!(parse_condition("TRES BON ETAT"), Ok(Condition::VeryGood));
        assert_eq!(parse_condition("very_good"), Ok(Condition::VeryGood));
        assert_eq!(parse_condition("Very good"), Ok(Condition::VeryGood));
        assert_eq!(
            parse_condition("Neuf avec étiquette"),
            Ok(Condition::NewWithTags)
        );
        assert_eq!(parse_condition("abîmé"), Err(UnknownValue));
        assert_eq!(parse_status("Brouillon"), Ok(ProductStatus::Draft));
        assert_eq!(parse_status("Vendu"), Ok(ProductStatus::Sold));
        assert_eq!(parse_status("sold"), Ok(ProductStatus::Sold));
        assert_eq!(parse_status("Réservé"), Ok(ProductStatus::Reserved));
        assert_eq!(parse_package_size("Petit"), Ok(PackageSize::Small));
        assert_eq!(parse_package_size("small"), Ok(PackageSize::Small));
        for language in CsvLanguage::ALL {
            for c in Condition::ALL {
                assert_eq!(parse_condition(condition_label(*c, *language)), Ok(*c));
                assert_eq!(parse_condition(c.as_str()), Ok(*c));
            }
            for s in ProductStatus::ALL {
                assert_eq!(parse_status(status_label(*s, *language)), Ok(*s));
                assert_eq!(parse_status(s.as_str()), Ok(*s));
            }
            for p in PackageSize::ALL {
                assert_eq!(
                    parse_package_size(package_size_label(*p, *language)),
                    Ok(*p)
                );
                assert_eq!(parse_package_size(p.as_str()), Ok(*p));
            }
        }
    }

    #[test]
    fn lists_round_trip() {
        assert_eq!(split_list("Coton|Lin"), ["Coton", "Lin"]);
        assert_eq!(split_list("Coton, Lin ; Soie"), ["Coton", "Lin", "Soie"]);
        assert_eq!(split_list(" "), Vec::<String>::new());
        for items in [
            vec![],
            vec!["Coton".to_owned()],
            vec!["Coton, bio".to_owned()],
            vec!["Coton, bio".to_owned(), "Lin; lavé".to_owned()],
        ] {
            assert_eq!(split_list(&join_list(&items)), items);
        }
    }

    #[test]
    fn stock_entry_dates_in_every_usual_spelling() {
        use chrono::FixedOffset;
        let now: DateTime<Utc> = "2026-11-25T12:00:00Z".parse().unwrap();
        let paris = FixedOffset::east_opt(3600).unwrap();
        let read = |raw: &str| parse_stocked_at_in(raw, now, &paris);
        for (raw, stored) in [
            ("05/03/2026", "2026-03-04T23:00:00.000Z"),
            ("5/3/2026", "2026-03-04T23:00:00.000Z"),
            (" 05/03/2026 14:05 ", "2026-03-05T13:05:00.000Z"),
            ("05/03/2026 9:05", "2026-03-05T08:05:00.000Z"),
            ("05/03/2026 14:05:09", "2026-03-05T13:05:09.000Z"),
            ("05.03.2026", "2026-03-04T23:00:00.000Z"),
            ("05-03-2026 14:05", "2026-03-05T13:05:00.000Z"),
            ("2026-03-05", "2026-03-04T23:00:00.000Z"),
            ("2026/03/05", "2026-03-04T23:00:00.000Z"),
            ("2026-03-05 14:05", "2026-03-05T13:05:00.000Z"),
            ("2026-03-05T14:05:09", "2026-03-05T13:05:09.000Z"),
            ("2026-03-05 14:05:09.5", "2026-03-05T13:05:09.500Z"),
            ("2026-03-05T14:05:09Z", "2026-03-05T14:05:09.000Z"),
            ("2026-03-05T14:05:09.123Z", "2026-03-05T14:05:09.123Z"),
            ("2026-03-05T14:05:09+02:00", "2026-03-05T12:05:09.000Z"),
            ("2026-11-25T12:00:00Z", "2026-11-25T12:00:00.000Z"),
        ] {
            assert_eq!(read(raw).as_deref(), Ok(stored), "{raw:?}");
        }
        for raw in [
            "hier",
            "05/03/26",
            "2026-03",
            "31/02/2026",
            "13/13/2026",
            "05/03/2026 25:00",
            "05/03/2026 14h05",
            "05/03/2026 14:5",
            "05/03/2026 14:05:60",
            "2026-03-05T14:05:09.Z",
            "05/03/2026/1",
            "46086",
            "46086,5",
        ] {
            assert_eq!(read(raw), Err(InvalidDate), "{raw:?}");
        }
        for raw in [
            "2026-11-25T12:00:01Z",
            "25/11/2026 13:01",
            "26/11/2026",
            "01/01/2100",
        ] {
            assert_eq!(read(raw), Err(FutureDate), "{raw:?}");
        }
    }

    #[test]
    fn stock_entry_dates_are_written_as_spreadsheets_read_them_and_read_back() {
        use chrono::FixedOffset;
        let paris = FixedOffset::east_opt(3600).unwrap();
        let stored = "2026-03-05T13:05:09.123Z";
        assert_eq!(
            format_stocked_at_in(stored, CsvLanguage::Fr, &paris),
            "05/03/2026 14:05"
        );
        assert_eq!(
            format_stocked_at_in(stored, CsvLanguage::En, &paris),
            "2026-03-05 14:05"
        );
        assert_eq!(format_stocked_at_in("?", CsvLanguage::En, &paris), "?");
        let now = Utc::now();
        for language in CsvLanguage::ALL {
            let written = format_stocked_at_in(stored, *language, &paris);
            assert_eq!(
                parse_stocked_at_in(&written, now, &paris).as_deref(),
                Ok("2026-03-05T13:05:00.000Z"),
                "kept to the minute in {language:?}"
            );
        }
    }

    #[test]
    fn formula_guard_round_trips() {
        for text in ["=1+1", "-coton", "+33", "@x", "'=x", "'plain", "plain", ""] {
            let guarded = guard_formula(text);
            assert!(!starts_like_formula(&guarded), "{text:?}");
            assert_eq!(unguard_formula(&guarded), text);
        }
        assert_eq!(guard_formula("=1+1"), "'=1+1");
        assert_eq!(guard_formula("plain"), "plain");
    }
}
