//! Vinted's reference data (`docs/VINTED.md`, "Reference data"): categories, brands, colours,
//! a category's sizes, parcel sizes and attributes (conditions, materials), read through the
//! paced calls and kept per Vinted domain in the store for [`MAX_AGE`]. Nothing here hard-codes
//! an id: an inventory item's words (its category, brand, size, condition…) are matched to the
//! ids Vinted lists at run time, and what cannot be matched is a [`Problem`] to fix.
//!
//! Matching rules:
//! - Titles compare without case, accents or repeated spaces.
//! - Category: the item's text is a leaf's title, or a path `A > B > C` matched against the end
//!   of a leaf's path; no leaf or several leaves are problems (the candidates are named).
//! - Brand: Vinted's brand search, then an exact title; no brand on the item leaves the brand
//!   empty; a brand Vinted does not know is a problem (never "no brand" in its place).
//! - Size: the category's size groups, by the size's title; a category with sizes needs one.
//! - Condition: the category's condition options, by the titles Vinted uses in French, English,
//!   German, Spanish, Italian, Dutch and Polish; when none of the five is recognised and Vinted
//!   lists exactly five, by their order (Vinted lists them from "new with tags" to
//!   "satisfactory").
//! - Colours and materials by title; package size small/medium/large by the parcel sizes'
//!   titles in those languages, else by the order Vinted lists the category's three sizes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::StoreAccess;
use crate::calls::{FlowError, Paced, store_error};
use crate::page::Call;
use crate::site::{self, route};
use seller_store::products::{Condition, PackageSize, Product};

/// How long a cached answer is trusted.
pub const MAX_AGE: chrono::Duration = chrono::Duration::days(7);

/// What the cache keeps, by kind.
pub mod kind {
    pub const CATALOGS: &str = "catalogs";
    pub const BRANDS: &str = "brands";
    pub const COLORS: &str = "colors";
    pub const SIZE_GROUPS: &str = "size_groups";
    pub const PACKAGE_SIZES: &str = "package_sizes";
    pub const ATTRIBUTES: &str = "attributes";
}

/// The cache's domain of an account's site: its host (and port), e.g. `www.vinted.fr`.
pub fn domain_of(base_url: &str) -> String {
    let rest = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    rest.split(['/', '?', '#'])
        .next()
        .unwrap_or(rest)
        .to_ascii_lowercase()
}

pub use crate::problems::{Problem, ProblemCode, describe};

/// One of Vinted's options as the item maps to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Named {
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub id: u64,
    pub title: String,
}

/// A category leaf with the ids and titles from the root down to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct CatalogPath {
    /// From the root to the leaf.
    pub path: Vec<Named>,
    /// The leaf's size groups (none: no size asked).
    #[cfg_attr(feature = "specta", specta(type = Vec<f64>))]
    pub size_group_ids: Vec<u64>,
}

impl CatalogPath {
    pub fn leaf(&self) -> Option<&Named> {
        self.path.last()
    }

    pub fn label(&self) -> String {
        self.path
            .iter()
            .map(|n| n.title.as_str())
            .collect::<Vec<_>>()
            .join(" > ")
    }
}

/// Titles compared as a person reads them: no case, no accents, single spaces, and the
/// apostrophes and dashes of other keyboards alike.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ą' => 'a',
            'ç' | 'ć' | 'č' => 'c',
            'è' | 'é' | 'ê' | 'ë' | 'ę' | 'ě' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' | 'ń' | 'ň' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
            'ù' | 'ú' | 'û' | 'ü' | 'ů' => 'u',
            'ý' | 'ÿ' => 'y',
            'ł' => 'l',
            'ś' | 'š' => 's',
            'ź' | 'ż' | 'ž' => 'z',
            'ř' => 'r',
            'ß' => {
                out.push_str("ss");
                continue;
            }
            '’' | '‘' | '`' | '´' => '\'',
            '–' | '—' => '-',
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    out.trim_end().to_owned()
}

/// Every leaf of the category tree (`{catalogs:[{id, title, catalogs:[…]}]}`), in tree order.
pub fn catalog_leaves(answer: &Value) -> Vec<CatalogPath> {
    fn walk(nodes: &Value, above: &mut Vec<Named>, out: &mut Vec<CatalogPath>) {
        for node in nodes.as_array().into_iter().flatten() {
            let (Some(id), Some(title)) = (node["id"].as_u64(), node["title"].as_str()) else {
                continue;
            };
            above.push(Named {
                id,
                title: title.to_owned(),
            });
            let children = &node["catalogs"];
            if children.as_array().is_some_and(|c| !c.is_empty()) {
                walk(children, above, out);
            } else {
                out.push(CatalogPath {
                    path: above.clone(),
                    size_group_ids: ids(&node["size_group_ids"]),
                });
            }
            above.pop();
        }
    }
    let mut out = Vec::new();
    let root = if answer.is_array() {
        answer
    } else {
        &answer["catalogs"]
    };
    walk(root, &mut Vec::new(), &mut out);
    out
}

fn ids(value: &Value) -> Vec<u64> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default()
}

/// The category the item's text names: one leaf, or a problem.
pub fn match_catalog(leaves: &[CatalogPath], text: &str) -> Result<CatalogPath, Problem> {
    let wanted: Vec<String> = text
        .split('>')
        .map(fold)
        .filter(|part| !part.is_empty())
        .collect();
    if wanted.is_empty() {
        return Err(Problem::new("category", ProblemCode::Required, None));
    }
    let found: Vec<&CatalogPath> = leaves
        .iter()
        .filter(|leaf| {
            let titles: Vec<String> = leaf.path.iter().map(|n| fold(&n.title)).collect();
            titles.len() >= wanted.len() && titles[titles.len() - wanted.len()..] == wanted[..]
        })
        .collect();
    match found.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(Problem::new(
            "category",
            ProblemCode::NotFound,
            Some(text.to_owned()),
        )),
        many => Err(Problem::new(
            "category",
            ProblemCode::Ambiguous,
            Some(
                many.iter()
                    .map(|leaf| leaf.label())
                    .collect::<Vec<_>>()
                    .join(" | "),
            ),
        )),
    }
}

/// `{key:[{id, title}]}` (or `name` in place of `title`) as options.
pub fn options(answer: &Value, key: &str) -> Vec<Named> {
    answer[key]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|option| {
            let id = option["id"].as_u64()?;
            let title = option["title"].as_str().or(option["name"].as_str())?;
            Some(Named {
                id,
                title: title.to_owned(),
            })
        })
        .collect()
}

/// The sizes of size groups (`{size_groups:[{id, sizes:[{id, title}]}]}`), of the groups
/// named when any are.
pub fn sizes(answer: &Value, group_ids: &[u64]) -> Vec<Named> {
    answer["size_groups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|group| {
            group_ids.is_empty()
                || group["id"]
                    .as_u64()
                    .is_some_and(|id| group_ids.contains(&id))
        })
        .flat_map(|group| options(group, "sizes"))
        .collect()
}

/// The options of one attribute of a category's attributes answer
/// (`attributes[]{code, configuration{options[]{options[]{id, title}}}}`).
pub fn attribute_options(answer: &Value, code: &str) -> Vec<Named> {
    let Some(attribute) = answer["attributes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["code"] == code)
    else {
        return Vec::new();
    };
    let groups = &attribute["configuration"]["options"];
    let mut out = Vec::new();
    for group in groups.as_array().into_iter().flatten() {
        if group["options"].is_array() {
            out.extend(options(group, "options"));
        } else if let (Some(id), Some(title)) = (group["id"].as_u64(), group["title"].as_str()) {
            out.push(Named {
                id,
                title: title.to_owned(),
            });
        }
    }
    out
}

fn by_title<'a>(options: &'a [Named], title: &str) -> Option<&'a Named> {
    let wanted = fold(title);
    options.iter().find(|option| fold(&option.title) == wanted)
}

/// The titles Vinted gives each condition, by language (folded).
const CONDITION_TITLES: [(Condition, &[&str]); 5] = [
    (
        Condition::NewWithTags,
        &[
            "neuf avec etiquette",
            "neuf avec etiquettes",
            "new with tags",
            "neu mit etikett",
            "neu mit etiketten",
            "nuevo con etiquetas",
            "nuevo con etiqueta",
            "nuovo con cartellino",
            "nieuw met prijskaartje",
            "nieuw met label",
            "nowy z metka",
        ],
    ),
    (
        Condition::NewWithoutTags,
        &[
            "neuf sans etiquette",
            "neuf sans etiquettes",
            "new without tags",
            "neu ohne etikett",
            "neu ohne etiketten",
            "nuevo sin etiquetas",
            "nuevo sin etiqueta",
            "nuovo senza cartellino",
            "nieuw zonder prijskaartje",
            "nieuw zonder label",
            "nowy bez metki",
        ],
    ),
    (
        Condition::VeryGood,
        &[
            "tres bon etat",
            "very good",
            "sehr gut",
            "muy bueno",
            "ottime condizioni",
            "molto buono",
            "zeer goed",
            "bardzo dobry",
        ],
    ),
    (
        Condition::Good,
        &[
            "bon etat",
            "good",
            "gut",
            "bueno",
            "buone condizioni",
            "buono",
            "goed",
            "dobry",
        ],
    ),
    (
        Condition::Satisfactory,
        &[
            "satisfaisant",
            "satisfactory",
            "zufriedenstellend",
            "satisfactorio",
            "discrete condizioni",
            "discreto",
            "redelijk",
            "zadowalajacy",
        ],
    ),
];

/// The condition option of the item's condition (see the module's rules).
pub fn match_condition(options: &[Named], condition: Condition) -> Option<Named> {
    let titles = CONDITION_TITLES
        .iter()
        .find(|(c, _)| *c == condition)
        .map_or(&[][..], |(_, t)| *t);
    if let Some(found) = options
        .iter()
        .find(|option| titles.contains(&fold(&option.title).as_str()))
    {
        return Some(found.clone());
    }
    let known_any = options.iter().any(|option| {
        CONDITION_TITLES
            .iter()
            .any(|(_, t)| t.contains(&fold(&option.title).as_str()))
    });
    if !known_any && options.len() == CONDITION_TITLES.len() {
        let index = CONDITION_TITLES.iter().position(|(c, _)| *c == condition)?;
        return options.get(index).cloned();
    }
    None
}

const PACKAGE_TITLES: [(PackageSize, &[&str]); 3] = [
    (
        PackageSize::Small,
        &["petit", "small", "klein", "pequeno", "piccolo", "maly"],
    ),
    (
        PackageSize::Medium,
        &["moyen", "medium", "mittel", "mediano", "medio", "sredni"],
    ),
    (
        PackageSize::Large,
        &["grand", "large", "gross", "grande", "groot", "duzy"],
    ),
];

/// The parcel size option of the item's package size (see the module's rules).
pub fn match_package_size(options: &[Named], size: PackageSize) -> Option<Named> {
    let titles = PACKAGE_TITLES
        .iter()
        .find(|(s, _)| *s == size)
        .map_or(&[][..], |(_, t)| *t);
    if let Some(found) = options
        .iter()
        .find(|option| titles.contains(&fold(&option.title).as_str()))
    {
        return Some(found.clone());
    }
    let known_any = options.iter().any(|option| {
        PACKAGE_TITLES
            .iter()
            .any(|(_, t)| t.contains(&fold(&option.title).as_str()))
    });
    if !known_any && options.len() == PACKAGE_TITLES.len() {
        let index = PACKAGE_TITLES.iter().position(|(s, _)| *s == size)?;
        return options.get(index).cloned();
    }
    None
}

/// Where reference data comes from: the cache, and Vinted through the paced calls when the
/// cache has nothing fresh (none in a preview, which never calls Vinted).
pub struct Lookup<'p, 'a, S: StoreAccess> {
    store: S,
    domain: String,
    paced: Option<&'p mut Paced<'a, S>>,
    now: DateTime<Utc>,
}

impl<'p, 'a, S: StoreAccess> Lookup<'p, 'a, S> {
    pub fn through(store: S, base_url: &str, paced: &'p mut Paced<'a, S>) -> Self {
        Lookup {
            store,
            domain: domain_of(base_url),
            paced: Some(paced),
            now: Utc::now(),
        }
    }

    pub fn cached_only(store: S, base_url: &str) -> Self {
        Lookup {
            store,
            domain: domain_of(base_url),
            paced: None,
            now: Utc::now(),
        }
    }

    /// The answer for `kind`/`key`: fresh from the cache, else read from Vinted and kept;
    /// without Vinted, whatever the cache has, however old; `None` when nothing is known.
    async fn get(
        &mut self,
        kind: &'static str,
        key: String,
        call: Call,
    ) -> Result<Option<Value>, FlowError> {
        let (domain, k) = (self.domain.clone(), key.clone());
        let cached = self
            .store
            .with_store(move |store| Ok(store.cached_reference(&domain, kind, &k)?))
            .await
            .map_err(store_error)?;
        let fresh = cached.as_ref().is_some_and(|cached| {
            DateTime::parse_from_rfc3339(&cached.fetched_at)
                .is_ok_and(|at| self.now - at.with_timezone(&Utc) < MAX_AGE)
        });
        let Some(paced) = self.paced.as_deref_mut() else {
            return Ok(cached.map(|cached| cached.body));
        };
        if fresh {
            return Ok(cached.map(|cached| cached.body));
        }
        let answer = paced.read(call).await?;
        let (domain, body) = (self.domain.clone(), answer.clone());
        self.store
            .with_store(move |store| Ok(store.cache_reference(&domain, kind, &key, &body)?))
            .await
            .map_err(store_error)?;
        Ok(Some(answer))
    }

    pub async fn catalogs(&mut self) -> Result<Option<Value>, FlowError> {
        self.get(kind::CATALOGS, String::new(), Call::get(route::CATALOGS))
            .await
    }

    pub async fn colors(&mut self) -> Result<Option<Value>, FlowError> {
        self.get(kind::COLORS, String::new(), Call::get(route::COLORS))
            .await
    }

    pub async fn brands(
        &mut self,
        catalog_id: u64,
        keyword: String,
    ) -> Result<Option<Value>, FlowError> {
        let key = format!("{catalog_id}:{}", fold(&keyword));
        let call = Call::get(route::brands(Some(catalog_id), &keyword));
        self.get(kind::BRANDS, key, call).await
    }

    pub async fn size_groups(&mut self, catalog_id: u64) -> Result<Option<Value>, FlowError> {
        let call = Call::get(route::size_groups(&[catalog_id]));
        self.get(kind::SIZE_GROUPS, catalog_id.to_string(), call)
            .await
    }

    pub async fn package_sizes(&mut self, catalog_id: u64) -> Result<Option<Value>, FlowError> {
        let call = Call::get(route::package_sizes(catalog_id));
        self.get(kind::PACKAGE_SIZES, catalog_id.to_string(), call)
            .await
    }

    pub async fn attributes(&mut self, catalog_id: u64) -> Result<Option<Value>, FlowError> {
        let body = json!({"attributes": [{"code": "category", "value": [catalog_id]}]});
        let mut call = Call::send("POST", route::ATTRIBUTES, Some(body));
        for (name, value) in site::header::UPLOAD_FLAGS {
            call = call.with_header(name, value);
        }
        self.get(kind::ATTRIBUTES, catalog_id.to_string(), call)
            .await
    }
}

/// An inventory item mapped to Vinted's ids, with what could not be mapped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Mapping {
    pub catalog: Option<CatalogPath>,
    pub brand: Option<Named>,
    pub size: Option<Named>,
    pub condition: Option<Named>,
    pub colors: Vec<Named>,
    pub materials: Vec<Named>,
    pub package_size: Option<Named>,
    pub problems: Vec<Problem>,
}

fn not_loaded_problem(field: &'static str) -> Problem {
    Problem::new(field, ProblemCode::NotLoaded, None)
}

/// Maps the item's words to Vinted's ids (see the module's rules). Reference data that is not
/// known (a preview with an empty cache) is a [`ProblemCode::NotLoaded`] problem.
pub async fn map_product<S: StoreAccess>(
    lookup: &mut Lookup<'_, '_, S>,
    product: &Product,
) -> Result<Mapping, FlowError> {
    let mut mapping = Mapping::default();
    let problems = &mut mapping.problems;

    let Some(category) = product.category.clone().filter(|c| !c.trim().is_empty()) else {
        problems.push(Problem::new("category", ProblemCode::Required, None));
        return Ok(mapping);
    };
    let Some(catalogs) = lookup.catalogs().await? else {
        problems.push(not_loaded_problem("category"));
        return Ok(mapping);
    };
    let catalog = match match_catalog(&catalog_leaves(&catalogs), &category) {
        Ok(catalog) => catalog,
        Err(problem) => {
            problems.push(problem);
            return Ok(mapping);
        }
    };
    let Some(catalog_id) = catalog.leaf().map(|leaf| leaf.id) else {
        return Ok(mapping);
    };

    if let Some(brand) = product.brand.clone() {
        match lookup.brands(catalog_id, brand.clone()).await? {
            None => problems.push(not_loaded_problem("brand")),
            Some(answer) => match by_title(&options(&answer, "brands"), &brand) {
                Some(found) => mapping.brand = Some(found.clone()),
                None => problems.push(Problem::new(
                    "brand",
                    ProblemCode::NotFound,
                    Some(brand.clone()),
                )),
            },
        }
    }

    if !catalog.size_group_ids.is_empty() {
        match (lookup.size_groups(catalog_id).await?, product.size.clone()) {
            (_, None) => problems.push(Problem::new("size", ProblemCode::Required, None)),
            (None, Some(_)) => problems.push(not_loaded_problem("size")),
            (Some(answer), Some(size)) => {
                match by_title(&sizes(&answer, &catalog.size_group_ids), &size) {
                    Some(found) => mapping.size = Some(found.clone()),
                    None => problems.push(Problem::new(
                        "size",
                        ProblemCode::NotFound,
                        Some(size.clone()),
                    )),
                }
            }
        }
    }

    let attributes = lookup.attributes(catalog_id).await?;
    match (product.condition, &attributes) {
        (None, _) => problems.push(Problem::new("condition", ProblemCode::Required, None)),
        (Some(_), None) => problems.push(not_loaded_problem("condition")),
        (Some(condition), Some(answer)) => {
            match match_condition(&attribute_options(answer, "condition"), condition) {
                Some(found) => mapping.condition = Some(found),
                None => problems.push(Problem::new(
                    "condition",
                    ProblemCode::NotFound,
                    Some(condition.as_str().to_owned()),
                )),
            }
        }
    }

    if !product.materials.is_empty() {
        if product.materials.len() > site::listing::MAX_MATERIALS {
            problems.push(Problem::new(
                "materials",
                ProblemCode::TooMany,
                Some(site::listing::MAX_MATERIALS.to_string()),
            ));
        }
        match &attributes {
            None => problems.push(not_loaded_problem("materials")),
            Some(answer) => {
                let known = attribute_options(answer, "material");
                for material in &product.materials {
                    match by_title(&known, material) {
                        Some(found) => mapping.materials.push(found.clone()),
                        None => problems.push(Problem::new(
                            "materials",
                            ProblemCode::NotFound,
                            Some(material.clone()),
                        )),
                    }
                }
            }
        }
    }

    if !product.colors.is_empty() {
        if product.colors.len() > site::listing::MAX_COLORS {
            problems.push(Problem::new(
                "colors",
                ProblemCode::TooMany,
                Some(site::listing::MAX_COLORS.to_string()),
            ));
        }
        match lookup.colors().await? {
            None => problems.push(not_loaded_problem("colors")),
            Some(answer) => {
                let known = options(&answer, "colors");
                for color in &product.colors {
                    match by_title(&known, color) {
                        Some(found) => mapping.colors.push(found.clone()),
                        None => problems.push(Problem::new(
                            "colors",
                            ProblemCode::NotFound,
                            Some(color.clone()),
                        )),
                    }
                }
            }
        }
    }

    match product.package_size {
        None => problems.push(Problem::new("packageSize", ProblemCode::Required, None)),
        Some(size) => match lookup.package_sizes(catalog_id).await? {
            None => problems.push(not_loaded_problem("packageSize")),
            Some(answer) => match match_package_size(&options(&answer, "package_sizes"), size) {
                Some(found) => mapping.package_size = Some(found),
                None => problems.push(Problem::new(
                    "packageSize",
                    ProblemCode::NotFound,
                    Some(size.as_str().to_owned()),
                )),
            },
        },
    }
    mapping.catalog = Some(catalog);
    Ok(mapping)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> Value {
        json!({"catalogs": [
            {"id": 1904, "title": "Femmes", "catalogs": [
                {"id": 4, "title": "Vêtements", "catalogs": [
                    {"id": 10, "title": "Robes", "size_group_ids": [4], "catalogs": []},
                    {"id": 12, "title": "Hauts et t-shirts", "size_group_ids": [4]}
                ]},
                {"id": 16, "title": "Chaussures", "size_group_ids": [3], "catalogs": []},
                {"id": 19, "title": "Sacs", "size_group_ids": [], "catalogs": []}
            ]},
            {"id": 5, "title": "Hommes", "catalogs": [
                {"id": 1231, "title": "Chaussures", "size_group_ids": [7], "catalogs": []}
            ]}
        ]})
    }

    #[test]
    fn titles_fold_case_accents_and_spaces() {
        assert_eq!(fold("  Très  Bon   ÉTAT "), "tres bon etat");
        assert_eq!(fold("Levi’s"), "levi's");
        assert_eq!(fold("Straße"), "strasse");
    }

    #[test]
    fn a_category_by_its_leaf_or_its_path() {
        let leaves = catalog_leaves(&tree());
        assert_eq!(leaves.len(), 5);
        let robes = match_catalog(&leaves, "robes").expect("one leaf");
        assert_eq!(robes.leaf().map(|l| l.id), Some(10));
        assert_eq!(robes.label(), "Femmes > Vêtements > Robes");
        assert_eq!(robes.size_group_ids, vec![4]);
        let shoes = match_catalog(&leaves, "Hommes > chaussures").expect("one leaf");
        assert_eq!(shoes.leaf().map(|l| l.id), Some(1231));
        let ambiguous = match_catalog(&leaves, "Chaussures").expect_err("two leaves");
        assert_eq!(ambiguous.code, ProblemCode::Ambiguous);
        assert!(
            ambiguous
                .detail
                .as_deref()
                .is_some_and(|d| d.contains("Femmes > Chaussures") && d.contains("Hommes"))
        );
        assert_eq!(
            match_catalog(&leaves, "Manteaux").expect_err("none").code,
            ProblemCode::NotFound
        );
        // A branch is not a leaf.
        assert_eq!(
            match_catalog(&leaves, "Vêtements").expect_err("none").code,
            ProblemCode::NotFound
        );
        assert_eq!(
            match_catalog(&leaves, " > ").expect_err("empty").code,
            ProblemCode::Required
        );
    }

    #[test]
    fn conditions_by_title_in_several_languages_or_by_order() {
        let french: Vec<Named> = [
            (37, "Neuf avec étiquette"),
            (41, "Neuf sans étiquette"),
            (43, "Très bon état"),
            (47, "Bon état"),
            (53, "Satisfaisant"),
        ]
        .into_iter()
        .map(|(id, title)| Named {
            id,
            title: title.into(),
        })
        .collect();
        let id = |c| match_condition(&french, c).map(|n| n.id);
        assert_eq!(id(Condition::NewWithTags), Some(37));
        assert_eq!(id(Condition::NewWithoutTags), Some(41));
        assert_eq!(id(Condition::VeryGood), Some(43));
        assert_eq!(id(Condition::Good), Some(47));
        assert_eq!(id(Condition::Satisfactory), Some(53));
        let german: Vec<Named> = ["Neu mit Etikett", "Sehr gut", "Gut"]
            .into_iter()
            .zip(1..)
            .map(|(title, id)| Named {
                id,
                title: title.into(),
            })
            .collect();
        assert_eq!(
            match_condition(&german, Condition::Good).map(|n| n.id),
            Some(3)
        );
        assert_eq!(match_condition(&german, Condition::Satisfactory), None);
        let unknown: Vec<Named> = ["A", "B", "C", "D", "E"]
            .into_iter()
            .zip(100..)
            .map(|(title, id)| Named {
                id,
                title: title.into(),
            })
            .collect();
        assert_eq!(
            match_condition(&unknown, Condition::VeryGood).map(|n| n.id),
            Some(102)
        );
    }

    #[test]
    fn package_sizes_by_title_or_order() {
        let bags = vec![
            Named {
                id: 2,
                title: "Moyen".into(),
            },
            Named {
                id: 3,
                title: "Grand".into(),
            },
        ];
        assert_eq!(match_package_size(&bags, PackageSize::Small), None);
        assert_eq!(
            match_package_size(&bags, PackageSize::Large).map(|n| n.id),
            Some(3)
        );
        let unnamed: Vec<Named> = ["S", "M", "L"]
            .into_iter()
            .zip(7..)
            .map(|(title, id)| Named {
                id,
                title: title.into(),
            })
            .collect();
        assert_eq!(
            match_package_size(&unnamed, PackageSize::Medium).map(|n| n.id),
            Some(8)
        );
    }

    #[test]
    fn sizes_and_attributes_from_vinted_answers() {
        let groups = json!({"size_groups": [
            {"id": 4, "sizes": [{"id": 2, "title": "XS"}, {"id": 4, "title": "M"}]},
            {"id": 6, "sizes": [{"id": 207, "title": "M"}]}
        ]});
        let found = sizes(&groups, &[6]);
        assert_eq!(by_title(&found, "m").map(|n| n.id), Some(207));
        let attributes = json!({"attributes": [
            {"code": "condition", "configuration": {"options": [{"options": [{"id": 43, "title": "Très bon état"}]}]}},
            {"code": "material", "configuration": {"options": [{"options": [{"id": 149, "title": "Coton"}]}]}}
        ]});
        assert_eq!(
            attribute_options(&attributes, "material"),
            vec![Named {
                id: 149,
                title: "Coton".into()
            }]
        );
        assert!(attribute_options(&attributes, "size").is_empty());
    }

    #[test]
    fn domains_of_base_urls() {
        assert_eq!(domain_of("https://www.vinted.fr"), "www.vinted.fr");
        assert_eq!(domain_of("http://127.0.0.1:8080/x"), "127.0.0.1:8080");
    }
}
