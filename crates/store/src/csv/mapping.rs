//! File columns to product fields: suggestions from header names in French and English, checks,
//! and the mapping remembered per header.

use rusqlite::Connection;

use super::{CsvField, CsvLanguage, MappingIssue, MappingIssueCode};
use crate::settings::{read_setting, write_setting};

/// Header names each field is recognised by, normalised by [`fold`] (lower case, no accents,
/// punctuation as single spaces). The first of each list in each language is what exports write.
const SYNONYMS: &[(CsvField, &[&str])] = &[
    (
        CsvField::Sku,
        &[
            "sku",
            "reference",
            "ref",
            "code",
            "code article",
            "reference article",
            "ref article",
            "reference interne",
            "item code",
            "item sku",
            "article number",
        ],
    ),
    (
        CsvField::Title,
        &[
            "titre",
            "title",
            "nom",
            "name",
            "intitule",
            "libelle",
            "designation",
            "nom du produit",
            "nom de l article",
            "product name",
            "item name",
            "product title",
            "item title",
        ],
    ),
    (
        CsvField::Description,
        &["description", "descriptif", "desc", "item description"],
    ),
    (
        CsvField::Category,
        &["categorie", "category", "categories", "rayon", "catalogue"],
    ),
    (CsvField::Brand, &["marque", "brand", "brand name"]),
    (
        CsvField::Condition,
        &[
            "etat",
            "condition",
            "etat de l article",
            "item condition",
            "state",
        ],
    ),
    (CsvField::Size, &["taille", "size", "pointure"]),
    (
        CsvField::Price,
        &[
            "prix",
            "price",
            "prix de vente",
            "prix vente",
            "tarif",
            "sale price",
            "selling price",
            "listing price",
        ],
    ),
    (
        CsvField::PurchaseCost,
        &[
            "prix d achat",
            "purchase cost",
            "prix achat",
            "cout",
            "cout d achat",
            "cout achat",
            "cost",
            "purchase price",
            "buy price",
            "buying price",
            "cost price",
        ],
    ),
    (
        CsvField::Quantity,
        &["quantite", "quantity", "qty", "qte", "stock", "quantites"],
    ),
    (
        CsvField::PackageSize,
        &[
            "taille du colis",
            "package size",
            "taille colis",
            "colis",
            "format du colis",
            "format colis",
            "parcel size",
            "package",
        ],
    ),
    (CsvField::Status, &["statut", "status", "etat de vente"]),
    (
        CsvField::InternalNotes,
        &[
            "notes internes",
            "internal notes",
            "note interne",
            "notes",
            "note",
            "remarques",
            "commentaire",
            "commentaires",
            "comments",
            "comment",
            "internal note",
        ],
    ),
    (
        CsvField::Materials,
        &[
            "matieres",
            "materials",
            "matiere",
            "material",
            "composition",
        ],
    ),
    (
        CsvField::Colors,
        &[
            "couleurs", "colours", "couleur", "colour", "colors", "color",
        ],
    ),
    (
        CsvField::CreatedAt,
        &[
            "date d entree",
            "date added",
            "date entree",
            "date d entree en stock",
            "entree en stock",
            "entree",
            "en stock depuis",
            "date d ajout",
            "date ajout",
            "ajoute le",
            "date de creation",
            "cree le",
            "stocked at",
            "stocked on",
            "stock date",
            "date stocked",
            "in stock since",
            "added",
            "added on",
            "created at",
            "created on",
            "created",
            "creation date",
        ],
    ),
];

/// Words dropped from a header before matching: units such as in "Prix (EUR)" or "Prix TTC".
const NOISE_WORDS: &[&str] = &["eur", "euro", "euros", "ttc", "en"];

impl CsvField {
    /// The header an export writes for this field, which [`suggest`] maps back to it.
    pub fn header(self, language: CsvLanguage) -> &'static str {
        use CsvField::*;
        match (language, self) {
            (_, Sku) => "SKU",
            (CsvLanguage::Fr, Title) => "Titre",
            (CsvLanguage::En, Title) => "Title",
            (_, Description) => "Description",
            (CsvLanguage::Fr, Category) => "Catégorie",
            (CsvLanguage::En, Category) => "Category",
            (CsvLanguage::Fr, Brand) => "Marque",
            (CsvLanguage::En, Brand) => "Brand",
            (CsvLanguage::Fr, Condition) => "État",
            (CsvLanguage::En, Condition) => "Condition",
            (CsvLanguage::Fr, Size) => "Taille",
            (CsvLanguage::En, Size) => "Size",
            (CsvLanguage::Fr, Price) => "Prix",
            (CsvLanguage::En, Price) => "Price",
            (CsvLanguage::Fr, PurchaseCost) => "Prix d'achat",
            (CsvLanguage::En, PurchaseCost) => "Purchase cost",
            (CsvLanguage::Fr, Quantity) => "Quantité",
            (CsvLanguage::En, Quantity) => "Quantity",
            (CsvLanguage::Fr, PackageSize) => "Taille du colis",
            (CsvLanguage::En, PackageSize) => "Package size",
            (CsvLanguage::Fr, Status) => "Statut",
            (CsvLanguage::En, Status) => "Status",
            (CsvLanguage::Fr, InternalNotes) => "Notes internes",
            (CsvLanguage::En, InternalNotes) => "Internal notes",
            (CsvLanguage::Fr, Materials) => "Matières",
            (CsvLanguage::En, Materials) => "Materials",
            (CsvLanguage::Fr, Colors) => "Couleurs",
            (CsvLanguage::En, Colors) => "Colours",
            (CsvLanguage::Fr, CreatedAt) => "Date d'entrée",
            (CsvLanguage::En, CreatedAt) => "Date added",
        }
    }
}

/// Lower case, accents folded, every run of other characters than letters and digits as one
/// space: "  Prix d’achat (€) " → "prix d achat".
pub(crate) fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        let folded: &str = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => "a",
            'ç' => "c",
            'è' | 'é' | 'ê' | 'ë' => "e",
            'ì' | 'í' | 'î' | 'ï' => "i",
            'ñ' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => "o",
            'ù' | 'ú' | 'û' | 'ü' => "u",
            'ý' | 'ÿ' => "y",
            'œ' => "oe",
            'æ' => "ae",
            'ß' => "ss",
            c if c.is_alphanumeric() => {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                out.push(c);
                continue;
            }
            _ => {
                pending_space = true;
                continue;
            }
        };
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        out.push_str(folded);
    }
    out
}

fn field_for_header(header: &str) -> Option<CsvField> {
    let folded = fold(header);
    let lookup = |name: &str| {
        SYNONYMS
            .iter()
            .find(|(_, names)| names.contains(&name))
            .map(|(field, _)| *field)
    };
    lookup(&folded).or_else(|| {
        let trimmed: Vec<&str> = folded
            .split(' ')
            .filter(|word| !NOISE_WORDS.contains(word))
            .collect();
        lookup(&trimmed.join(" "))
    })
}

/// A field for each header it recognises; each field goes to the first column naming it.
pub(crate) fn suggest(headers: &[String]) -> Vec<Option<CsvField>> {
    let mut taken = Vec::new();
    headers
        .iter()
        .map(|header| {
            let field = field_for_header(header).filter(|f| !taken.contains(f))?;
            taken.push(field);
            Some(field)
        })
        .collect()
}

/// Everything that makes a mapping unusable for a file with `columns` columns.
pub(crate) fn issues(columns: usize, mapping: &[Option<CsvField>]) -> Vec<MappingIssue> {
    let mut issues = Vec::new();
    if mapping.len() != columns {
        issues.push(MappingIssue {
            code: MappingIssueCode::WrongLength,
            field: None,
        });
    }
    let mut seen = Vec::new();
    for field in mapping.iter().flatten() {
        if seen.contains(field) {
            if !issues.iter().any(|i| i.field == Some(*field)) {
                issues.push(MappingIssue {
                    code: MappingIssueCode::DuplicateField,
                    field: Some(*field),
                });
            }
        } else {
            seen.push(*field);
        }
    }
    if !seen.contains(&CsvField::Title) {
        issues.push(MappingIssue {
            code: MappingIssueCode::MissingTitle,
            field: Some(CsvField::Title),
        });
    }
    issues
}

/// The `app_settings` key of the mapping remembered for this header: a 64-bit FNV-1a hash of the
/// normalised header names, so "Prix" and "prix " share one entry. FNV rather than std's hasher,
/// whose output may change between Rust versions.
pub(crate) fn settings_key(headers: &[String]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, header) in headers.iter().enumerate() {
        let separator = if i == 0 { &[][..] } else { &[0x1f][..] };
        for byte in separator.iter().chain(fold(header).as_bytes()) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("csv_mapping:{hash:016x}")
}

/// The mapping last used for this header, if it still fits it.
pub(crate) fn remembered(
    conn: &Connection,
    headers: &[String],
) -> rusqlite::Result<Option<Vec<Option<CsvField>>>> {
    Ok(read_setting(conn, &settings_key(headers))?
        .and_then(|json| serde_json::from_str::<Vec<Option<CsvField>>>(&json).ok())
        .filter(|mapping| issues(headers.len(), mapping).is_empty()))
}

/// Remembers `mapping` for this header (inside the caller's transaction).
pub(crate) fn remember(
    conn: &Connection,
    headers: &[String],
    mapping: &[Option<CsvField>],
) -> rusqlite::Result<()> {
    let json = serde_json::to_string(mapping).expect("a list of field names serialises");
    write_setting(conn, &settings_key(headers), &json)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn folds_case_accents_and_punctuation() {
        assert_eq!(fold("  Prix d’achat (€) "), "prix d achat");
        assert_eq!(fold("ÉTAT"), "etat");
        assert_eq!(fold("Quantité"), "quantite");
        assert_eq!(fold("new_with_tags"), "new with tags");
    }

    #[test]
    fn suggests_french_and_english_headers() {
        use CsvField::*;
        let fr = headers(&[
            "Référence",
            "Titre",
            "Prix (EUR)",
            "Prix d'achat",
            "Qté",
            "MARQUE",
            "État",
            "Taille",
            "Taille du colis",
            "Matières",
            "Couleurs",
            "Photos",
            "Statut",
            "Date d’entrée",
        ]);
        assert_eq!(
            suggest(&fr),
            [
                Some(Sku),
                Some(Title),
                Some(Price),
                Some(PurchaseCost),
                Some(Quantity),
                Some(Brand),
                Some(Condition),
                Some(Size),
                Some(PackageSize),
                Some(Materials),
                Some(Colors),
                None,
                Some(Status),
                Some(CreatedAt)
            ]
        );
        let en = headers(&[
            "Title",
            "Price",
            "Purchase cost",
            "Qty",
            "Colour",
            "Title",
            "Stocked at",
        ]);
        assert_eq!(
            suggest(&en),
            [
                Some(Title),
                Some(Price),
                Some(PurchaseCost),
                Some(Quantity),
                Some(Colors),
                None,
                Some(CreatedAt)
            ]
        );
        for header in [
            "Date added",
            "Created at",
            "Date d'ajout",
            "En stock depuis",
            "Entrée",
        ] {
            assert_eq!(suggest(&headers(&[header])), [Some(CreatedAt)], "{header}");
        }
    }

    #[test]
    fn every_export_header_is_recognised() {
        for language in CsvLanguage::ALL {
            for field in CsvField::ALL {
                assert_eq!(
                    field_for_header(field.header(*language)),
                    Some(*field),
                    "{language:?} {field:?}"
                );
            }
        }
    }

    #[test]
    fn reports_mapping_issues() {
        use CsvField::*;
        assert!(issues(2, &[Some(Title), None]).is_empty());
        let codes =
            |m: &[Option<CsvField>]| issues(2, m).into_iter().map(|i| i.code).collect::<Vec<_>>();
        assert_eq!(
            codes(&[Some(Price), Some(Price), None]),
            [
                MappingIssueCode::WrongLength,
                MappingIssueCode::DuplicateField,
                MappingIssueCode::MissingTitle
            ]
        );
    }

    #[test]
    fn settings_key_ignores_case_accents_and_spacing() {
        assert_eq!(
            settings_key(&headers(&["Titre", "Prix"])),
            settings_key(&headers(&[" titre", "PRIX "]))
        );
        assert_ne!(
            settings_key(&headers(&["Titre", "Prix"])),
            settings_key(&headers(&["Prix", "Titre"]))
        );
        assert_ne!(
            settings_key(&headers(&["a b"])),
            settings_key(&headers(&["a", "b"]))
        );
    }
}
