//! What is checked before anything is sent, and the create body (`docs/VINTED.md`, "Write
//! endpoints", Create) an item maps to: what a dry run records and what the upload form is
//! expected to post.

use std::path::Path;

use serde_json::{Value, json};

use crate::reference::{Mapping, Problem, ProblemCode};
use crate::site::listing;
use seller_store::products::{Product, is_photo_file_name};

/// The item's own fields against what Vinted accepts (no reference data needed).
pub fn check_fields(product: &Product) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut push = |field: &str, code, detail: Option<String>| {
        problems.push(Problem::new(field, code, detail));
    };
    let title = product.title.trim().chars().count();
    if title == 0 {
        push("title", ProblemCode::Required, None);
    } else if title < listing::TITLE_MIN_CHARS {
        push(
            "title",
            ProblemCode::TooShort,
            Some(listing::TITLE_MIN_CHARS.to_string()),
        );
    } else if title > listing::TITLE_MAX_CHARS {
        push(
            "title",
            ProblemCode::TooLong,
            Some(listing::TITLE_MAX_CHARS.to_string()),
        );
    }
    let description = product.description.trim().chars().count();
    if description == 0 {
        push("description", ProblemCode::Required, None);
    } else if description < listing::DESCRIPTION_MIN_CHARS {
        push(
            "description",
            ProblemCode::TooShort,
            Some(listing::DESCRIPTION_MIN_CHARS.to_string()),
        );
    } else if description > listing::DESCRIPTION_MAX_CHARS {
        push(
            "description",
            ProblemCode::TooLong,
            Some(listing::DESCRIPTION_MAX_CHARS.to_string()),
        );
    }
    if product.photos.is_empty() {
        push("photos", ProblemCode::Required, None);
    } else if product.photos.len() > listing::MAX_PHOTOS {
        push(
            "photos",
            ProblemCode::TooMany,
            Some(listing::MAX_PHOTOS.to_string()),
        );
    }
    if product
        .category
        .as_deref()
        .is_none_or(|c| c.trim().is_empty())
    {
        push("category", ProblemCode::Required, None);
    }
    if product.price_cents < listing::MIN_PRICE_CENTS {
        push(
            "priceCents",
            ProblemCode::TooLow,
            Some(listing::MIN_PRICE_CENTS.to_string()),
        );
    } else if product.price_cents > listing::MAX_PRICE_CENTS {
        push(
            "priceCents",
            ProblemCode::TooHigh,
            Some(listing::MAX_PRICE_CENTS.to_string()),
        );
    }
    problems
}

/// Photo files the item names that are not in the data folder.
pub fn missing_photos(product: &Product, data_dir: &Path) -> Vec<Problem> {
    product
        .photos
        .iter()
        .filter(|file| !is_photo_file_name(file) || !data_dir.join(file).is_file())
        .map(|file| Problem::new("photos", ProblemCode::MissingFile, Some(file.clone())))
        .collect()
}

/// Every problem: the item's own fields first, then what the mapping found.
pub fn all_problems(product: &Product, mapping: &Mapping, data_dir: &Path) -> Vec<Problem> {
    let mut problems = check_fields(product);
    problems.extend(missing_photos(product, data_dir));
    for problem in &mapping.problems {
        // The item's own check already said the category is missing.
        if !problems.contains(problem) {
            problems.push(problem.clone());
        }
    }
    problems
}

/// The price as Vinted's create body carries it: a number of euros.
pub fn price_number(cents: i64) -> Value {
    serde_json::Number::from_f64(cents as f64 / 100.0).map_or(Value::Null, Value::Number)
}

/// The price as typed into the form: euros with a comma, as French and most of Vinted's
/// sites write it ("12,50").
pub fn price_text(cents: i64) -> String {
    format!("{},{:02}", cents / 100, cents % 100)
}

/// VINTED.md's create body for the item as mapped. Photo ids are Vinted's once uploaded;
/// before that (a dry run) each photo is named by its file.
pub fn create_body(product: &Product, mapping: &Mapping) -> Value {
    let id_of = |named: &Option<crate::reference::Named>| named.as_ref().map(|n| n.id);
    let catalog_id = mapping
        .catalog
        .as_ref()
        .and_then(|c| c.leaf())
        .map(|l| l.id);
    let size = id_of(&mapping.size);
    let condition = id_of(&mapping.condition);
    let photos: Vec<Value> = product
        .photos
        .iter()
        .map(|file| json!({"id": null, "orientation": 0, "file": file}))
        .collect();
    json!({
        "item": {
            "id": null,
            "currency": "EUR",
            "temp_uuid": null,
            "title": product.title.trim(),
            "description": product.description.trim(),
            "brand_id": id_of(&mapping.brand),
            "brand": mapping.brand.as_ref().map(|b| b.title.clone()),
            "catalog_id": catalog_id,
            "size_id": size,
            "status_id": condition,
            "isbn": null,
            "is_unisex": false,
            "price": price_number(product.price_cents),
            "package_size_id": id_of(&mapping.package_size),
            "shipment_prices": {"domestic": null, "international": null},
            "color_ids": mapping.colors.iter().map(|c| c.id).collect::<Vec<_>>(),
            "assigned_photos": photos,
            "item_attributes": [
                {"code": "size", "ids": size.into_iter().collect::<Vec<_>>()},
                {"code": "condition", "ids": condition.into_iter().collect::<Vec<_>>()},
                {"code": "material", "ids": mapping.materials.iter().map(|m| m.id).collect::<Vec<_>>()},
            ],
            "measurement_length": null,
            "measurement_width": null,
            "manufacturer": null,
            "manufacturer_labelling": null,
        },
        "feedback_id": null,
        "push_up": false,
        "parcel": null,
        "upload_session_id": null,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::{CatalogPath, Named};
    use seller_store::products::{Condition, ProductStatus};

    fn product() -> Product {
        Product {
            id: "p".into(),
            sku: "SP-000001".into(),
            title: "Robe d'été fleurie".into(),
            description: "Portée deux fois, comme neuve.".into(),
            category: Some("Robes".into()),
            brand: Some("Zara".into()),
            condition: Some(Condition::VeryGood),
            size: Some("M".into()),
            price_cents: 1250,
            purchase_cost_cents: 300,
            last_price_cents: None,
            quantity: 1,
            package_size: None,
            status: ProductStatus::Ready,
            internal_notes: None,
            materials: vec![],
            colors: vec![],
            photos: vec!["photos/a.jpg".into()],
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    fn codes(problems: &[Problem]) -> Vec<(String, ProblemCode)> {
        problems.iter().map(|p| (p.field.clone(), p.code)).collect()
    }

    #[test]
    fn a_complete_item_passes() {
        assert!(check_fields(&product()).is_empty());
    }

    #[test]
    fn every_missing_or_out_of_range_field_is_named() {
        let empty = Product {
            title: " ".into(),
            description: String::new(),
            photos: vec![],
            category: None,
            price_cents: 99,
            ..product()
        };
        assert_eq!(
            codes(&check_fields(&empty)),
            vec![
                ("title".into(), ProblemCode::Required),
                ("description".into(), ProblemCode::Required),
                ("photos".into(), ProblemCode::Required),
                ("category".into(), ProblemCode::Required),
                ("priceCents".into(), ProblemCode::TooLow),
            ]
        );
        let long = Product {
            title: "x".repeat(listing::TITLE_MAX_CHARS + 1),
            description: "abc".into(),
            photos: vec!["photos/a.jpg".into(); listing::MAX_PHOTOS + 1],
            price_cents: listing::MAX_PRICE_CENTS + 1,
            ..product()
        };
        assert_eq!(
            codes(&check_fields(&long)),
            vec![
                ("title".into(), ProblemCode::TooLong),
                ("description".into(), ProblemCode::TooShort),
                ("photos".into(), ProblemCode::TooMany),
                ("priceCents".into(), ProblemCode::TooHigh),
            ]
        );
        let edges = Product {
            title: "x".repeat(listing::TITLE_MAX_CHARS),
            photos: vec!["photos/a.jpg".into(); listing::MAX_PHOTOS],
            price_cents: listing::MIN_PRICE_CENTS,
            ..product()
        };
        assert!(check_fields(&edges).is_empty());
    }

    #[test]
    fn photos_must_be_files_of_the_data_folder() {
        let dir = tempfile::tempdir().expect("a folder");
        std::fs::create_dir_all(dir.path().join("photos")).expect("photos");
        std::fs::write(dir.path().join("photos/a.jpg"), [0xFF, 0xD8, 0xFF]).expect("a file");
        let item = Product {
            photos: vec![
                "photos/a.jpg".into(),
                "photos/b.jpg".into(),
                "/etc/passwd".into(),
            ],
            ..product()
        };
        let missing = missing_photos(&item, dir.path());
        assert_eq!(
            missing
                .iter()
                .map(|p| p.detail.clone().unwrap_or_default())
                .collect::<Vec<_>>(),
            vec!["photos/b.jpg", "/etc/passwd"]
        );
    }

    #[test]
    fn the_create_body_carries_every_mapped_id() {
        let named = |id, title: &str| Named {
            id,
            title: title.into(),
        };
        let mapping = Mapping {
            catalog: Some(CatalogPath {
                path: vec![named(1904, "Femmes"), named(10, "Robes")],
                size_group_ids: vec![4],
            }),
            brand: Some(named(12, "Zara")),
            size: Some(named(4, "M")),
            condition: Some(named(43, "Très bon état")),
            colors: vec![named(1, "Noir"), named(12, "Blanc")],
            materials: vec![named(149, "Coton")],
            package_size: Some(named(2, "Moyen")),
            problems: vec![],
        };
        let body = create_body(&product(), &mapping);
        let item = &body["item"];
        assert_eq!(item["catalog_id"], 10);
        assert_eq!(item["brand_id"], 12);
        assert_eq!(item["brand"], "Zara");
        assert_eq!(item["size_id"], 4);
        assert_eq!(item["status_id"], 43);
        assert_eq!(item["price"], 12.5);
        assert_eq!(item["package_size_id"], 2);
        assert_eq!(item["color_ids"], json!([1, 12]));
        assert_eq!(
            item["item_attributes"],
            json!([{"code": "size", "ids": [4]}, {"code": "condition", "ids": [43]}, {"code": "material", "ids": [149]}])
        );
        assert_eq!(body["push_up"], false);
        assert_eq!(price_text(1250), "12,50");
        assert_eq!(price_text(100), "1,00");
        assert_eq!(price_text(123_405), "1234,05");
    }
}
