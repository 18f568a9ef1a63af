//! Photo upload, create, edit and drafts (`/api/v2/photos`, `/api/v2/item_upload/…`).
//!
//! Mirrors VINTED.md "Write endpoints": a multipart photo (`photo[type]=item`,
//! `photo[temp_uuid]`, `photo[file]` a JPEG) answers top-level `{id,url,width,height,
//! orientation}`; create and edit validate and answer 400 `{code:99,
//! message_code:"validation_error",errors:[{field,value}]}` with French messages, fields named by
//! attribute code (`size`, `condition`, `material`); the same create twice makes two items; a
//! draft answers a stub `{draft:{id}}` and its completion validates the body it is sent.
//!
//! The fake's own choices: a draft is an item with `is_draft` (its completion publishes that
//! same id); the price must be a JSON number in [1, 5000]; the parcel size is required; a photo
//! already on another item is accepted (VINTED.md's "the same create twice makes two listings"
//! wins over its "photos fresh for each copy", which is advice, not a documented refusal); photo
//! dimensions come from the JPEG's frame header; `after_upload_actions` is empty.

use std::time::SystemTime;

use hyper::Method;
use serde_json::{Value, json};

use super::api::{item_json, own_item};
use super::data;
use super::faults::{not_found_json, validation};
use super::http::{Reply, Request, multipart};
use super::state::{Item, Photo, State};

pub(crate) const MIN_PRICE: f64 = 1.0;
pub(crate) const MAX_PRICE: f64 = 5000.0;

pub(crate) fn photo(
    state: &mut State,
    user: u64,
    request: &Request,
    body: &[u8],
    host: &str,
) -> Reply {
    let content_type = request.header("content-type").unwrap_or("");
    let Some(parts) = multipart(content_type, body) else {
        return validation(&[("photo".into(), "Ajoute une photo".into())]);
    };
    let text = |name: &str| {
        parts
            .iter()
            .find(|p| p.name == name && p.filename.is_none())
            .map(|p| String::from_utf8_lossy(&p.data).into_owned())
    };
    if text("photo[type]").as_deref() != Some("item") {
        return validation(&[("photo[type]".into(), "Type de photo invalide".into())]);
    }
    let Some(file) = parts.iter().find(|p| p.name == "photo[file]") else {
        return validation(&[("photo".into(), "Ajoute une photo".into())]);
    };
    if !file.data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return validation(&[(
            "photo".into(),
            "Ce format de fichier n'est pas pris en charge. Utilise une photo JPEG.".into(),
        )]);
    }
    let (width, height) = jpeg_size(&file.data).unwrap_or((800, 1066));
    let id = state.next_photo_id;
    state.next_photo_id += 1;
    state.photos.push(Photo {
        id,
        user_id: user,
        temp_uuid: text("photo[temp_uuid]"),
        width,
        height,
        bytes: file.data.clone(),
        uploaded_at: SystemTime::now(),
    });
    Reply::ok(json!({
        "id": id,
        "url": format!("http://{host}/photos/{id}.jpg"),
        "width": width,
        "height": height,
        "orientation": 0,
        "temp_uuid": text("photo[temp_uuid]"),
    }))
}

/// Width and height from the first SOF marker.
fn jpeg_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    while i + 9 < bytes.len() {
        if bytes[i] != 0xFF {
            return None;
        }
        let marker = bytes[i + 1];
        let length = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        if matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF) {
            let height = u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]);
            let width = u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]);
            return Some((u32::from(width), u32::from(height)));
        }
        i += 2 + length;
    }
    None
}

/// What a valid create or edit body sets on an item.
struct Listing {
    title: String,
    description: String,
    price: String,
    currency: String,
    catalog_id: u64,
    brand_id: Option<u64>,
    brand: Option<String>,
    size_id: Option<u64>,
    status_id: u64,
    color_ids: Vec<u64>,
    material_ids: Vec<u64>,
    package_size_id: u64,
    is_unisex: bool,
    photo_ids: Vec<u64>,
}

impl Listing {
    fn apply(self, item: &mut Item) {
        item.title = self.title;
        item.description = self.description;
        item.price = self.price;
        item.currency = self.currency;
        item.catalog_id = self.catalog_id;
        item.brand_id = self.brand_id;
        item.brand = self.brand;
        item.size_id = self.size_id;
        item.status_id = Some(self.status_id);
        item.color_ids = self.color_ids;
        item.material_ids = self.material_ids;
        item.package_size_id = Some(self.package_size_id);
        item.is_unisex = self.is_unisex;
        item.photo_ids = self.photo_ids;
    }
}

fn ids(value: &Value) -> Vec<u64> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default()
}

fn attribute(item: &Value, code: &str) -> Option<Vec<u64>> {
    item["item_attributes"]
        .as_array()?
        .iter()
        .find(|a| a["code"] == code)
        .map(|a| ids(&a["ids"]))
}

/// Vinted-like validation of an `item` (or `draft`) object; every error at once.
fn validate(state: &State, user: u64, item: &Value) -> Result<Listing, Vec<(String, String)>> {
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut error = |field: &str, message: &str| errors.push((field.into(), message.into()));
    let text = |key: &str| item[key].as_str().unwrap_or("").trim().to_owned();

    let title = text("title");
    if title.is_empty() {
        error("title", "Indique un titre");
    } else if title.chars().count() < 5 {
        error("title", "Le titre doit comporter au moins 5 caractères");
    }
    let description = text("description");
    if description.is_empty() {
        error("description", "Ajoute une description");
    } else if description.chars().count() < 5 {
        error(
            "description",
            "La description doit comporter au moins 5 caractères",
        );
    }
    let catalog_id = item["catalog_id"].as_u64().filter(|c| data::is_leaf(*c));
    if catalog_id.is_none() {
        error("catalog_id", "Sélectionne une catégorie");
    }
    let sizes = catalog_id.map(data::sizes_of).unwrap_or_default();
    let size_id = item["size_id"].as_u64();
    if !sizes.is_empty() {
        let size_ok = size_id.is_some_and(|s| sizes.iter().any(|(id, _)| *id == s));
        let attribute_ok =
            attribute(item, "size").is_some_and(|a| size_id.is_some_and(|s| a.contains(&s)));
        if !(size_ok && attribute_ok) {
            error("size", "Indique la taille");
        }
    }
    let status_id = item["status_id"]
        .as_u64()
        .filter(|s| data::CONDITIONS.iter().any(|(id, _)| id == s));
    let condition_ok =
        attribute(item, "condition").is_some_and(|a| status_id.is_some_and(|s| a.contains(&s)));
    if status_id.is_none() || !condition_ok {
        error("condition", "Indique l'état de l'article");
    }
    let material_ids = attribute(item, "material").unwrap_or_default();
    if material_ids
        .iter()
        .any(|m| !data::MATERIALS.iter().any(|(id, _)| id == m))
    {
        error("material", "Matière inconnue");
    }
    let price = item["price"].as_f64();
    match price {
        None => error("price", "Indique un prix"),
        Some(p) if !(MIN_PRICE..=MAX_PRICE).contains(&p) => error(
            "price",
            "Le prix doit être compris entre 1,00 € et 5 000,00 €",
        ),
        Some(_) => {}
    }
    let photo_ids: Vec<u64> = item["assigned_photos"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["id"].as_u64()).collect())
        .unwrap_or_default();
    if photo_ids.is_empty() {
        error("assigned_photos", "Ajoute au moins une photo");
    } else if photo_ids
        .iter()
        .any(|id| state.photo(*id).is_none_or(|p| p.user_id != user))
    {
        error(
            "assigned_photos",
            "Une des photos est introuvable. Ajoute-la à nouveau.",
        );
    }
    let package_size_id = item["package_size_id"]
        .as_u64()
        .filter(|p| catalog_id.is_some_and(|c| data::package_sizes_of(c).contains(p)));
    if package_size_id.is_none() {
        error("package_size_id", "Choisis une taille de colis");
    }
    let brand_id = item["brand_id"].as_u64();
    if brand_id.is_some_and(|b| data::brand(b).is_none()) {
        error("brand_id", "Marque introuvable");
    }
    let color_ids = ids(&item["color_ids"]);
    if color_ids.len() > 2
        || color_ids
            .iter()
            .any(|c| !data::COLORS.iter().any(|(id, _, _)| id == c))
    {
        error("color_ids", "Choisis jusqu'à 2 couleurs");
    }
    let (Some(catalog_id), Some(status_id), Some(price), Some(package_size_id), true) = (
        catalog_id,
        status_id,
        price,
        package_size_id,
        errors.is_empty(),
    ) else {
        return Err(errors);
    };
    Ok(Listing {
        title,
        description,
        price: format!("{price:.2}"),
        currency: item["currency"].as_str().unwrap_or("EUR").to_owned(),
        catalog_id,
        brand_id,
        brand: item["brand"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| brand_id.and_then(data::brand).map(str::to_owned)),
        size_id: if sizes.is_empty() { None } else { size_id },
        status_id,
        color_ids,
        material_ids,
        package_size_id,
        is_unisex: item["is_unisex"].as_bool().unwrap_or(false),
        photo_ids,
    })
}

fn parse(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

fn new_item(state: &mut State, user: u64, request: &Request, sent: Value) -> Item {
    let id = state.next_item_id;
    state.next_item_id += 1;
    let now = SystemTime::now();
    let mut item = data::base_item(id, user, "", "0.00", 0);
    item.photo_ids.clear();
    item.created_at = now;
    item.updated_at = now;
    item.anon_id = request.header("x-anon-id").map(str::to_owned);
    item.push_up = sent["push_up"].as_bool().unwrap_or(false);
    item.sent = Some(sent);
    item
}

fn created(state: &State, item: &Item, host: &str) -> Reply {
    Reply::ok(json!({"item": item_json(state, item, host), "after_upload_actions": [], "code": 0}))
}

pub(crate) fn create(
    state: &mut State,
    user: u64,
    request: &Request,
    body: &[u8],
    host: &str,
) -> Reply {
    let sent = parse(body);
    let listing = match validate(state, user, &sent["item"]) {
        Ok(listing) => listing,
        Err(errors) => return validation(&errors),
    };
    let mut item = new_item(state, user, request, sent);
    listing.apply(&mut item);
    let reply = created(state, &item, host);
    state.items.push(item);
    reply
}

pub(crate) fn edit(
    state: &mut State,
    user: u64,
    id: u64,
    request: &Request,
    body: &[u8],
    host: &str,
) -> Reply {
    let sent = parse(body);
    if let Err(reply) = own_item(state, user, id) {
        return reply;
    }
    if state.item(id).is_some_and(|i| i.is_sold || i.is_reserved) {
        return not_found_json();
    }
    let listing = match validate(state, user, &sent["item"]) {
        Ok(listing) => listing,
        Err(errors) => return validation(&errors),
    };
    let Ok(item) = own_item(state, user, id) else {
        return not_found_json();
    };
    listing.apply(item);
    item.updated_at = SystemTime::now();
    item.edits += 1;
    item.push_up = sent["push_up"].as_bool().unwrap_or(item.push_up);
    item.anon_id = request
        .header("x-anon-id")
        .map(str::to_owned)
        .or(item.anon_id.take());
    item.sent = Some(sent);
    let item = item.clone();
    created(state, &item, host)
}

/// A draft keeps whatever it is sent (no validation): VINTED.md's stub answer.
pub(crate) fn create_draft(state: &mut State, user: u64, request: &Request, body: &[u8]) -> Reply {
    let sent = parse(body);
    let mut item = new_item(state, user, request, sent.clone());
    item.is_draft = true;
    store_draft_fields(&mut item, &sent["draft"]);
    let id = item.id;
    state.items.push(item);
    Reply::ok(json!({"draft": {"id": id}, "code": 0}))
}

/// Loose copy of what a draft was sent, so [`super::FakeVinted::items`] shows it.
fn store_draft_fields(item: &mut Item, draft: &Value) {
    if let Some(title) = draft["title"].as_str() {
        item.title = title.to_owned();
    }
    if let Some(description) = draft["description"].as_str() {
        item.description = description.to_owned();
    }
    if let Some(price) = draft["price"].as_f64() {
        item.price = format!("{price:.2}");
    }
    if let Some(catalog) = draft["catalog_id"].as_u64() {
        item.catalog_id = catalog;
    }
    item.photo_ids = draft["assigned_photos"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["id"].as_u64()).collect())
        .unwrap_or_default();
}

fn own_draft(state: &mut State, user: u64, id: u64) -> Result<&mut Item, Reply> {
    match own_item(state, user, id) {
        Ok(item) if item.is_draft => Ok(item),
        Ok(_) => Err(not_found_json()),
        Err(reply) => Err(reply),
    }
}

/// GET and PUT answer the stub; DELETE removes the draft.
pub(crate) fn draft(
    state: &mut State,
    user: u64,
    method: &Method,
    id: u64,
    request: &Request,
    body: &[u8],
) -> Reply {
    let item = match own_draft(state, user, id) {
        Ok(item) => item,
        Err(reply) => return reply,
    };
    match *method {
        Method::DELETE => {
            item.is_deleted = true;
            Reply::ok(json!({"code": 0}))
        }
        Method::PUT => {
            let sent = parse(body);
            store_draft_fields(item, &sent["draft"]);
            item.updated_at = SystemTime::now();
            item.anon_id = request.header("x-anon-id").map(str::to_owned);
            item.sent = Some(sent);
            Reply::ok(json!({"draft": {"id": id}, "code": 0}))
        }
        _ => Reply::ok(json!({"draft": {"id": id}, "code": 0})),
    }
}

/// Publishes a draft: validates the body it is sent, not what the draft holds.
pub(crate) fn complete_draft(
    state: &mut State,
    user: u64,
    id: u64,
    request: &Request,
    body: &[u8],
    host: &str,
) -> Reply {
    if let Err(reply) = own_draft(state, user, id) {
        return reply;
    }
    let sent = parse(body);
    let listing = match validate(state, user, &sent["draft"]) {
        Ok(listing) => listing,
        Err(errors) => return validation(&errors),
    };
    let Ok(item) = own_draft(state, user, id) else {
        return not_found_json();
    };
    listing.apply(item);
    item.is_draft = false;
    item.updated_at = SystemTime::now();
    item.push_up = sent["push_up"].as_bool().unwrap_or(false);
    item.anon_id = request.header("x-anon-id").map(str::to_owned);
    item.sent = Some(sent);
    let item = item.clone();
    created(state, &item, host)
}
