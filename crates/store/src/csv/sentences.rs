//! Row errors as sentences in the user's language, naming what is allowed: what the command
//! line prints (the app's import wizard builds the same sentences through its i18n files from
//! the same [`RowError`] fields).

use super::values::{condition_label, package_size_label, status_label};
use super::{CsvField, CsvLanguage, RowError, RowErrorCode};
use crate::products::{Condition, PackageSize, ProductStatus};

/// `ligne 3, colonne « Statut » : statut inconnu « active » : brouillon, prêt, en ligne,
/// réservé, vendu, archivé` in French, `line 3, column "Status": unknown status "active":
/// draft, ready, listed, reserved, sold, archived` in English.
pub fn describe_row_error(error: &RowError, language: CsvLanguage) -> String {
    let fr = language == CsvLanguage::Fr;
    let place = match (&error.column, fr) {
        (Some(column), true) => format!("ligne {}, colonne « {column} »", error.line),
        (Some(column), false) => format!("line {}, column \"{column}\"", error.line),
        (None, true) => format!("ligne {}", error.line),
        (None, false) => format!("line {}", error.line),
    };
    let separator = if fr { " : " } else { ": " };
    format!("{place}{separator}{}", reason(error, language))
}

fn quoted(value: &str, fr: bool) -> String {
    if fr {
        format!("« {value} »")
    } else {
        format!("\"{value}\"")
    }
}

fn reason(error: &RowError, language: CsvLanguage) -> String {
    use RowErrorCode::*;
    let fr = language == CsvLanguage::Fr;
    let value = quoted(error.value.as_deref().unwrap_or(""), fr);
    let pick = |french: &str, english: &str| if fr { french } else { english }.to_owned();
    match error.code {
        UnknownValue => unknown_value(error, language, &value),
        Required => pick("valeur obligatoire manquante", "a value is required"),
        TooLong => pick(
            &format!("texte trop long {value}"),
            &format!("text too long {value}"),
        ),
        InvalidNumber => pick(
            &format!("{value} n’est pas un nombre : écrivez par exemple 12,50"),
            &format!("{value} is not a number: write e.g. 12.50"),
        ),
        AmbiguousNumber => pick(
            &format!(
                "nombre ambigu {value} (séparateur de milliers ou trois décimales) : écrivez 1234 ou 1234,00"
            ),
            &format!(
                "ambiguous number {value} (thousands separator or three decimals): write 1234 or 1234.00"
            ),
        ),
        Negative => pick(
            &format!("valeur négative {value} : 0 ou plus"),
            &format!("negative value {value}: 0 or more"),
        ),
        TooManyDecimals => pick(
            &format!("{value} a plus de deux décimales"),
            &format!("{value} has more than two decimals"),
        ),
        TooLarge => pick(
            &format!("valeur trop grande {value}"),
            &format!("value too large {value}"),
        ),
        Invalid => pick(
            &format!("valeur refusée {value}"),
            &format!("value refused {value}"),
        ),
        DuplicateSkuInFile => pick(
            &format!("la référence {value} est déjà sur une ligne plus haut dans le fichier"),
            &format!("the SKU {value} is already on an earlier line of the file"),
        ),
        SkuExists => pick(
            &format!("la référence {value} est déjà utilisée par un article"),
            &format!("the SKU {value} is already used by an item"),
        ),
        WrongFieldCount => pick(
            "la ligne n’a pas autant de cellules que l’en-tête",
            "the row does not have as many cells as the header",
        ),
        InvalidDate => pick(
            &format!("date illisible {value} : écrivez 31/12/2026, 31/12/2026 14:05 ou 2026-12-31"),
            &format!("unreadable date {value}: write 2026-12-31, 2026-12-31 14:05 or 31/12/2026"),
        ),
        FutureDate => pick(
            &format!("date dans le futur {value}"),
            &format!("date in the future {value}"),
        ),
    }
}

/// `statut inconnu « active » : brouillon, prêt, …`, the allowed values by their labels.
fn unknown_value(error: &RowError, language: CsvLanguage, value: &str) -> String {
    let fr = language == CsvLanguage::Fr;
    let what = match (error.field, fr) {
        (Some(CsvField::Status), true) => "statut inconnu",
        (Some(CsvField::Status), false) => "unknown status",
        (Some(CsvField::Condition), true) => "état inconnu",
        (Some(CsvField::Condition), false) => "unknown condition",
        (Some(CsvField::PackageSize), true) => "format de colis inconnu",
        (Some(CsvField::PackageSize), false) => "unknown parcel size",
        (_, true) => "valeur inconnue",
        (_, false) => "unknown value",
    };
    let labels: Vec<String> = error
        .allowed
        .iter()
        .map(|stored| label(error.field, stored, language).to_lowercase())
        .collect();
    if labels.is_empty() {
        return format!("{what} {value}");
    }
    let separator = if fr { " : " } else { ": " };
    format!("{what} {value}{separator}{}", labels.join(", "))
}

/// The label of a stored value of a list field, or the stored value itself.
fn label(field: Option<CsvField>, stored: &str, language: CsvLanguage) -> String {
    let found = match field {
        Some(CsvField::Status) => stored
            .parse::<ProductStatus>()
            .ok()
            .map(|v| status_label(v, language)),
        Some(CsvField::Condition) => stored
            .parse::<Condition>()
            .ok()
            .map(|v| condition_label(v, language)),
        Some(CsvField::PackageSize) => stored
            .parse::<PackageSize>()
            .ok()
            .map(|v| package_size_label(v, language)),
        _ => None,
    };
    found.unwrap_or(stored).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv::values::allowed_values;

    fn unknown_status(value: &str) -> RowError {
        RowError {
            line: 3,
            column_index: Some(4),
            column: Some("Statut".into()),
            field: Some(CsvField::Status),
            code: RowErrorCode::UnknownValue,
            value: Some(value.into()),
            allowed: allowed_values(Some(CsvField::Status)),
        }
    }

    #[test]
    fn an_unknown_status_names_the_allowed_ones_in_the_users_language() {
        assert_eq!(
            describe_row_error(&unknown_status("actif?"), CsvLanguage::Fr),
            "ligne 3, colonne « Statut » : statut inconnu « actif? » : brouillon, prêt, en ligne, réservé, vendu, archivé"
        );
        assert_eq!(
            describe_row_error(&unknown_status("actif?"), CsvLanguage::En),
            "line 3, column \"Statut\": unknown status \"actif?\": draft, ready, listed, reserved, sold, archived"
        );
    }

    #[test]
    fn every_code_reads_as_a_sentence_without_its_enum_name() {
        let codes = [
            RowErrorCode::Required,
            RowErrorCode::TooLong,
            RowErrorCode::InvalidNumber,
            RowErrorCode::AmbiguousNumber,
            RowErrorCode::Negative,
            RowErrorCode::TooManyDecimals,
            RowErrorCode::TooLarge,
            RowErrorCode::UnknownValue,
            RowErrorCode::Invalid,
            RowErrorCode::DuplicateSkuInFile,
            RowErrorCode::SkuExists,
            RowErrorCode::WrongFieldCount,
            RowErrorCode::InvalidDate,
            RowErrorCode::FutureDate,
        ];
        for language in [CsvLanguage::Fr, CsvLanguage::En] {
            let mut seen = std::collections::HashSet::new();
            for code in codes {
                let error = RowError {
                    code,
                    ..unknown_status("x")
                };
                let sentence = describe_row_error(&error, language);
                assert!(!sentence.contains(&format!("{code:?}")), "{sentence}");
                assert!(seen.insert(sentence.clone()), "{sentence} said twice");
            }
        }
    }
}
