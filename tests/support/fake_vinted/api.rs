//! The JSON API under `/api/v2/`: the logged-in user, wardrobes, one item, the reference data,
//! the fixed read endpoints, hide and delete. Uploads (photos, create, edit, drafts) are in
//! `upload.rs`.
//!
//! Mirrors VINTED.md "Read endpoints", "Reference data", and "Delete"/"Hide" of "Write
//! endpoints": wardrobe `per_page` clamped at 96, prices as strings, sold and closed items
//! included; the newer `users/{id}/items` route 404s on an empty wardrobe; an item of another
//! account is 403/106; `GET /api/v2/items/{id}` is 404. The fake's own choices: another
//! member's wardrobe shows only live listings; `order=relevance` sorts by favourites; hide
//! answers `{item:{id,is_hidden}}`; a deleted item stays in [`super::FakeVinted::items`] with
//! `is_deleted`.

use std::time::{SystemTime, UNIX_EPOCH};

use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use super::data;
use super::faults::{access_denied, not_found_json};
use super::http::{Reply, Request, rfc3339};
use super::pages;
use super::state::{Item, State};
use super::upload;

/// Routes one API call of a logged-in `user` (the caller checked the session and, for writes,
/// the CSRF token and the restriction).
pub(crate) fn route(state: &mut State, user: u64, request: &Request, body: &[u8]) -> Reply {
    let method = Method::from_bytes(request.method.as_bytes()).unwrap_or(Method::GET);
    let path = request.path.trim_start_matches("/api/v2/");
    let segments: Vec<&str> = path.split('/').collect();
    let id = |s: &str| s.parse::<u64>().ok();
    let host = host_of(request);
    let routed = super::orders::route(state, user, &method, &segments, request, body)
        .or_else(|| super::inbox::route(state, user, &method, &segments, request, body))
        .or_else(|| super::notifications::route(state, user, &method, &segments, request, body));
    if let Some(reply) = routed {
        return reply;
    }
    match (&method, segments.as_slice()) {
        (&Method::GET, ["users", "current" | "me"]) => profile(state, user, user),
        (&Method::GET, ["users", other])
            if id(other).is_some_and(|o| state.account(o).is_some()) =>
        {
            profile(state, user, id(other).unwrap_or(user))
        }
        (&Method::GET, ["wardrobe", owner, "items"]) => match id(owner) {
            Some(owner) => wardrobe(state, user, owner, request, &host, false),
            None => not_found_json(),
        },
        (&Method::GET, ["users", owner, "items"]) => match id(owner) {
            Some(owner) => wardrobe(state, user, owner, request, &host, true),
            None => not_found_json(),
        },
        (&Method::GET, ["users", owner, "items", "favourites"]) if id(owner) == Some(user) => {
            let (items, pagination) = paginate(&data::favourites(&host), request, 20);
            Reply::ok(json!({"code": 0, "items": items, "pagination": pagination}))
        }
        (&Method::GET, ["item_upload", "items", item]) => match id(item) {
            Some(item) => item_for_edit(state, user, item, &host),
            None => not_found_json(),
        },
        // VINTED.md: the public item route answers 404 to the API.
        (&Method::GET, ["items", _]) => not_found_json(),
        (&Method::POST, ["photos"]) => upload::photo(state, user, request, body, &host),
        (&Method::POST, ["item_upload", "items"]) => {
            upload::create(state, user, request, body, &host)
        }
        (&Method::PUT, ["item_upload", "items", item]) => match id(item) {
            Some(item) => upload::edit(state, user, item, request, body, &host),
            None => not_found_json(),
        },
        (&Method::POST, ["item_upload", "drafts"]) => {
            upload::create_draft(state, user, request, body)
        }
        (&Method::POST, ["item_upload", "drafts", draft, "completion"]) => match id(draft) {
            Some(draft) => upload::complete_draft(state, user, draft, request, body, &host),
            None => not_found_json(),
        },
        (&Method::GET | &Method::PUT | &Method::DELETE, ["item_upload", "drafts", draft]) => {
            match id(draft) {
                Some(draft) => upload::draft(state, user, &method, draft, request, body),
                None => not_found_json(),
            }
        }
        (&Method::POST, ["items", item, "delete"]) => match id(item) {
            Some(item) => delete(state, user, item),
            None => not_found_json(),
        },
        (&Method::PUT, ["items", item, "is_hidden"]) => match id(item) {
            Some(item) => hide(state, user, item, body),
            None => not_found_json(),
        },
        (&Method::GET, ["item_upload", "catalogs"]) => {
            Reply::ok(json!({"code": 0, "catalogs": data::catalogs_json()}))
        }
        (&Method::GET, ["item_upload", "brands"]) => brands(request),
        (&Method::GET, ["item_upload", "colors"]) => colors(),
        (&Method::GET, ["size_groups"]) => size_groups(request),
        (&Method::GET, ["catalogs", catalog, "package_sizes"]) => match id(catalog) {
            Some(catalog) if data::is_leaf(catalog) => package_sizes(catalog),
            _ => not_found_json(),
        },
        (&Method::POST, ["item_upload", "attributes"]) => attributes(body),
        // A path Vinted does not (or no longer) serve: HTML where JSON was expected.
        _ => Reply::html(StatusCode::NOT_FOUND, pages::not_found_page()),
    }
}

pub(crate) fn host_of(request: &Request) -> String {
    request.host.clone().unwrap_or_else(|| "127.0.0.1".into())
}

/// A member's profile; the e-mail address and the restriction only in one's own.
fn profile(state: &State, viewer: u64, user: u64) -> Reply {
    let Some(account) = state.account(user) else {
        return not_found_json();
    };
    let items = state
        .items
        .iter()
        .filter(|i| i.user_id == user && i.is_live())
        .count();
    let mut profile = json!({
        "id": account.id,
        "login": account.login,
        "item_count": items,
        "followers_count": 12,
        "feedback_reputation": 0.98,
        "locale": "fr",
        "photo": Value::Null,
    });
    if viewer == user {
        profile["email"] = account.email.clone().into();
        profile["real_name"] = "Fake Seller".into();
        profile["restricted_until"] = state.restricted_until(user).map(rfc3339).into();
    }
    Reply::ok(json!({"code": 0, "user": profile}))
}

fn wardrobe(
    state: &State,
    viewer: u64,
    owner: u64,
    request: &Request,
    host: &str,
    newer_route: bool,
) -> Reply {
    let mut items: Vec<&Item> = state
        .items
        .iter()
        .filter(|i| i.user_id == owner && !i.is_deleted)
        .filter(|i| owner == viewer || i.is_live())
        .collect();
    if newer_route && items.is_empty() {
        return not_found_json();
    }
    match request.query_param("order").as_deref() {
        Some("relevance") => items.sort_by_key(|i| std::cmp::Reverse(i.favourite_count)),
        _ => items.sort_by_key(|i| std::cmp::Reverse((i.created_at, i.id))),
    }
    let all: Vec<Value> = items.iter().map(|i| item_json(state, i, host)).collect();
    let (items, pagination) = paginate(&all, request, 20);
    Reply::ok(json!({"code": 0, "items": items, "pagination": pagination}))
}

fn unix(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn photos_json(state: &State, item: &Item, host: &str) -> Vec<Value> {
    item.photo_ids
        .iter()
        .enumerate()
        .map(|(index, id)| {
            let photo = state.photo(*id);
            // Vinted's photos are on its CDN, another host than the site.
            let host = data::photo_host(host);
            json!({
                "id": id,
                "url": format!("http://{host}/photos/{id}.jpg"),
                "full_size_url": format!("http://{host}/photos/{id}.jpg?size=full"),
                "image_no": index + 1,
                "is_main": index == 0,
                "width": photo.map_or(800, |p| p.width),
                "height": photo.map_or(1066, |p| p.height),
                "high_resolution": {
                    "id": format!("hr-{id}"),
                    "timestamp": photo.map_or(unix(item.created_at), |p| unix(p.uploaded_at)),
                },
            })
        })
        .collect()
}

/// An item as the wardrobe lists it (VINTED.md's item fields).
pub(crate) fn item_json(state: &State, item: &Item, host: &str) -> Value {
    let photos = photos_json(state, item, host);
    let closing = match (item.is_sold, item.is_closed) {
        (true, _) => Value::from("sold"),
        (false, true) => Value::from("closed"),
        _ => Value::Null,
    };
    json!({
        "id": item.id,
        "user_id": item.user_id,
        "title": item.title,
        "url": format!("http://{host}/items/{}", item.id),
        "price": {"amount": item.price, "currency_code": item.currency},
        "photos": photos,
        "photo": photos.first().map(|p| json!({"id": p["id"], "url": p["url"]})),
        "view_count": item.view_count,
        "favourite_count": item.favourite_count,
        "brand": item.brand,
        "size": item.size_id.and_then(data::size_title),
        "is_draft": item.is_draft,
        "is_closed": item.is_closed,
        "is_reserved": item.is_reserved,
        "is_hidden": item.is_hidden,
        "is_processing": false,
        "item_closing_action": closing,
        "can_edit": !(item.is_closed || item.is_reserved),
    })
}

fn attributes_of(item: &Item) -> Value {
    json!([
        {"code": "size", "ids": item.size_id.map_or_else(Vec::new, |s| vec![s])},
        {"code": "condition", "ids": item.status_id.map_or_else(Vec::new, |s| vec![s])},
        {"code": "material", "ids": item.material_ids},
    ])
}

fn item_for_edit(state: &State, user: u64, id: u64, host: &str) -> Reply {
    let Some(item) = state.item(id).filter(|i| !i.is_deleted) else {
        return not_found_json();
    };
    if item.user_id != user {
        return access_denied();
    }
    if item.is_sold || item.is_reserved {
        return not_found_json();
    }
    // VINTED.md: the size is only in `item_attributes`, never as `size_id`.
    Reply::ok(json!({"code": 0, "item": {
        "id": item.id,
        "user_id": item.user_id,
        "title": item.title,
        "description": item.description,
        "price": {"amount": item.price, "currency_code": item.currency},
        "currency": item.currency,
        "brand_id": item.brand_id,
        "brand": item.brand,
        "catalog_id": item.catalog_id,
        "status_id": item.status_id,
        "color_ids": item.color_ids,
        "package_size_id": item.package_size_id,
        "is_unisex": item.is_unisex,
        "item_attributes": attributes_of(item),
        "photos": photos_json(state, item, host),
        "is_draft": item.is_draft,
        "is_hidden": item.is_hidden,
        "is_closed": item.is_closed,
    }}))
}

/// The item of `user` a write may touch: 404 when gone, 403/106 when another account's.
pub(crate) fn own_item(state: &mut State, user: u64, id: u64) -> Result<&mut Item, Reply> {
    match state.item_mut(id) {
        Some(item) if item.is_deleted => Err(not_found_json()),
        Some(item) if item.user_id != user => Err(access_denied()),
        Some(item) => Ok(item),
        None => Err(not_found_json()),
    }
}

fn delete(state: &mut State, user: u64, id: u64) -> Reply {
    match own_item(state, user, id) {
        Ok(item) => {
            item.is_deleted = true;
            item.updated_at = SystemTime::now();
            Reply::ok(json!({"code": 0}))
        }
        Err(reply) => reply,
    }
}

fn hide(state: &mut State, user: u64, id: u64, body: &[u8]) -> Reply {
    let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let Some(hidden) = body["is_hidden"].as_bool() else {
        return super::faults::validation(&[("is_hidden".into(), "Valeur invalide".into())]);
    };
    match own_item(state, user, id) {
        Ok(item) => {
            item.is_hidden = hidden;
            item.updated_at = SystemTime::now();
            Reply::ok(json!({"code": 0, "item": {"id": id, "is_hidden": hidden}}))
        }
        Err(reply) => reply,
    }
}

fn brands(request: &Request) -> Reply {
    let keyword = request
        .query_param("keyword")
        .unwrap_or_default()
        .to_lowercase();
    let brands: Vec<Value> = data::BRANDS
        .iter()
        .filter(|(_, name)| keyword.is_empty() || name.to_lowercase().contains(&keyword))
        .map(|(id, name)| json!({"id": id, "title": name, "slug": name.to_lowercase().replace(' ', "-")}))
        .collect();
    Reply::ok(json!({"code": 0, "brands": brands}))
}

fn colors() -> Reply {
    let colors: Vec<Value> = data::COLORS
        .iter()
        .map(|(id, title, hex)| json!({"id": id, "title": title, "hex": hex}))
        .collect();
    Reply::ok(json!({"code": 0, "colors": colors}))
}

fn size_groups(request: &Request) -> Reply {
    let catalogs: Vec<u64> = request
        .query_params("catalog_ids[]")
        .iter()
        .filter_map(|c| c.parse().ok())
        .collect();
    let groups: Vec<Value> = data::SIZE_GROUPS
        .iter()
        .filter(|(group, _, _)| {
            catalogs
                .iter()
                .any(|c| data::catalog(*c).and_then(|c| c.size_group) == Some(*group))
        })
        .map(|(id, caption, sizes)| {
            let sizes: Vec<Value> = sizes
                .iter()
                .map(|(id, title)| json!({"id": id, "title": title}))
                .collect();
            json!({"id": id, "caption": caption, "sizes": sizes})
        })
        .collect();
    Reply::ok(json!({"code": 0, "size_groups": groups}))
}

fn package_sizes(catalog: u64) -> Reply {
    let sizes: Vec<Value> = data::PACKAGE_SIZES
        .iter()
        .filter(|(id, _, _)| data::package_sizes_of(catalog).contains(id))
        .map(|(id, title, weight)| json!({"id": id, "title": title, "weight_description": weight}))
        .collect();
    Reply::ok(json!({"code": 0, "package_sizes": sizes}))
}

/// `{attributes:[{code:"category", value:[catalog_id]}]}` → the category's condition and
/// material options.
fn attributes(body: &[u8]) -> Reply {
    let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let catalog = body["attributes"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["code"] == "category"))
        .and_then(|a| a["value"][0].as_u64());
    if !catalog.is_some_and(data::is_leaf) {
        return super::faults::validation(&[(
            "category".into(),
            "Sélectionne une catégorie".into(),
        )]);
    }
    let options = |list: &[(u64, &str)]| -> Value {
        let options: Vec<Value> = list
            .iter()
            .map(|(id, title)| json!({"id": id, "title": title}))
            .collect();
        json!({"options": [{"options": options}]})
    };
    Reply::ok(json!({"code": 0, "attributes": [
        {"code": "condition", "configuration": options(data::CONDITIONS)},
        {"code": "material", "configuration": options(data::MATERIALS)},
    ]}))
}

/// One page of `all`, VINTED.md's pagination object; `per_page` is clamped at 96.
pub(crate) fn paginate(all: &[Value], request: &Request, default: usize) -> (Vec<Value>, Value) {
    let page = request
        .query_param("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1usize)
        .max(1);
    let per_page = request
        .query_param("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(default)
        .clamp(1, 96);
    let total = all.len();
    let items = all
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .cloned()
        .collect();
    let pagination = json!({
        "current_page": page,
        "total_pages": total.div_ceil(per_page),
        "total_entries": total,
        "per_page": per_page,
    });
    (items, pagination)
}
