//! The HTML pages: home (logged in and out), login, the upload form, an item page, a member's
//! wardrobe, DataDome's challenge and "page not found".
//!
//! Mirrors VINTED.md "Sessions" (the user menu; the CSRF token and anon id escaped inside a
//! Next.js `self.__next_f.push([1,"…"])` payload) and "Upload form" (every `data-testid`; the
//! sell link `prohibited-listing-education-upload-button`; wardrobe cards
//! `[data-testid^="product-item-id-"]`). The fake's own choices: the login page's test ids, the
//! logged-in page's solid background (for VNC pixel checks), the item page's `item-title`,
//! `item-price` and (for its owner) `item-edit-button` test ids, the edit form at
//! `/items/{id}/edit` (the upload form filled with the item), and the option ids of the upload
//! form (see `upload_form.html`).

use std::fmt::Write as _;

use hyper::StatusCode;
use serde_json::{Value, json};

use super::data;
use super::http::Reply;
use super::probes;
use super::state::{Item, State};
use super::{
    CAPTCHA_FRAME_PATH, CAPTCHA_MARKER, LOGGED_IN_BACKGROUND_CSS, LOGIN_FOCUSED_PATH, LOGIN_PATH,
};

pub(crate) const SELL_LINK_TEST_ID: &str = "prohibited-listing-education-upload-button";

fn page(title: &str, background: &str, body_attrs: &str, head: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{title}</title>{head}\
         <style>html,body{{margin:0;height:100%;background:{background};font-family:sans-serif}}\
         header{{display:flex;gap:16px;align-items:center;justify-content:space-between;padding:8px 16px}}\
         a,button{{font:inherit}}</style></head><body {body_attrs}>{body}</body></html>"
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The Next.js flight payload carrying the session's tokens, escaped as Vinted's pages have it:
/// `\"CSRF_TOKEN\":\"<uuid>\"`.
pub(crate) fn next_payload(csrf: &str, anon: &str, user_id: u64) -> String {
    let inner = format!(
        "6:[\"$\",\"$L7\",null,{{\"CSRF_TOKEN\":\"{csrf}\",\"ANON_ID\":\"{anon}\",\"USER_ID\":{user_id},\"locale\":\"fr-FR\",\"children\":\"$L8\"}}]\n"
    );
    let literal = serde_json::to_string(&inner).unwrap_or_default();
    format!(
        "<script>(self.__next_f=self.__next_f||[]).push([0]);self.__next_f.push([1,{literal}])</script>"
    )
}

fn header(login: &str) -> String {
    format!(
        "<header><a href=\"/\" data-testid=\"header-logo-id\" style=\"color:#fff\">Vinted</a>\
         <a href=\"/items/new\" data-testid=\"{SELL_LINK_TEST_ID}\" style=\"color:#fff\">Vends tes articles</a>\
         <button type=\"button\" data-testid=\"user-menu-button\" aria-label=\"{login}\"><img alt=\"{login}\" width=\"1\" height=\"1\">{login}</button></header>"
    )
}

pub(crate) fn logged_in_home(csrf: &str, anon: &str, user_id: u64, login: &str) -> String {
    let head = next_payload(csrf, anon, user_id);
    let body = format!(
        "{}<main data-testid=\"feed\"></main>{}",
        header(login),
        probes::script("home")
    );
    page(
        "Vinted",
        LOGGED_IN_BACKGROUND_CSS,
        "data-page=\"home-logged-in\"",
        &head,
        &body,
    )
}

pub(crate) fn logged_out_home() -> String {
    let body = format!(
        "<header><a href=\"/\" data-testid=\"header-logo-id\">Vinted</a>\
         <a href=\"{LOGIN_PATH}?ref_url=%2F\" role=\"button\" data-testid=\"header--login-button\">S'inscrire | Se connecter</a></header>\
         <main><h1>Vends les vêtements que tu ne portes plus</h1></main>"
    );
    page(
        "Vinted",
        "#ffffff",
        "data-page=\"home-logged-out\"",
        "",
        &body,
    )
}

pub(crate) fn login_page(error: Option<&str>) -> String {
    let mut body = format!(
        "<main><h1>Connexion</h1>\
         <form method=\"post\" action=\"{LOGIN_PATH}\" data-testid=\"login-form\">\
         <input type=\"hidden\" name=\"ref_url\" value=\"/\">\
         <label>E-mail ou nom d'utilisateur <input id=\"username\" name=\"username\" data-testid=\"login-username--input\" autocomplete=\"username\" autofocus></label>\
         <label>Mot de passe <input id=\"password\" name=\"password\" type=\"password\" data-testid=\"login-password--input\" autocomplete=\"current-password\"></label>\
         <button type=\"submit\" data-testid=\"login-submit-button\">Continuer</button>"
    );
    if let Some(error) = error {
        let _ = write!(
            body,
            "<p role=\"alert\" data-testid=\"login-error\">{error}</p>"
        );
    }
    body.push_str("</form></main>");
    // `autofocus` applies after this runs, once the page has the keyboard.
    let _ = write!(
        body,
        "<script>(function () {{\
           var field = document.getElementById('username');\
           function told() {{ new Image().src = '{LOGIN_FOCUSED_PATH}'; }}\
           if (document.activeElement === field && document.hasFocus()) {{ told(); }}\
           else {{ field.addEventListener('focus', told, {{ once: true }}); }}\
         }})();</script>"
    );
    page(
        "Connexion | Vinted",
        "#ffffff",
        "data-page=\"login\"",
        "",
        &body,
    )
}

/// DataDome's block page as Vinted serves it: a body naming `geo.captcha-delivery.com` that
/// embeds the captcha in an iframe.
pub(crate) fn challenge_page() -> String {
    let head = format!(
        "<script>var dd={{'rt':'c','cid':'fake-cid','hsh':'FAKE','t':'fe','s':0,'e':'fake','host':'{CAPTCHA_MARKER}'}}</script>"
    );
    let body = format!(
        "<iframe src=\"{CAPTCHA_FRAME_PATH}?initialCid=fake-cid&amp;hash=FAKE&amp;cid=fake&amp;t=fe\" \
         title=\"DataDome CAPTCHA\" width=\"100%\" height=\"100%\" style=\"height:100vh;border:0\"></iframe>"
    );
    page(
        "vinted.fr",
        "#ffffff",
        "data-page=\"challenge\"",
        &head,
        &body,
    )
}

pub(crate) fn captcha_frame() -> String {
    page(
        "DataDome CAPTCHA",
        "#f4f4f4",
        "data-page=\"captcha\"",
        "",
        "<main><p>Faites glisser vers la droite pour compléter le puzzle</p><div class=\"slider\"></div></main>",
    )
}

pub(crate) fn not_found_page() -> String {
    page(
        "Page introuvable | Vinted",
        "#ffffff",
        "data-page=\"not-found\"",
        "",
        "<main><h1>Page introuvable</h1></main>",
    )
}

/// `/items/{id}`: the title and the price, as a buyer sees them.
pub(crate) fn item_page(state: &State, item: &Item, viewer: Option<u64>, login: &str) -> Reply {
    let photos: String = item
        .photo_ids
        .iter()
        .map(|id| format!("<img src=\"/photos/{id}.jpg\" alt=\"\" width=\"120\">"))
        .collect();
    let status = if item.is_sold {
        "<p data-testid=\"item-status\">Vendu</p>"
    } else if item.is_reserved {
        "<p data-testid=\"item-status\">Réservé</p>"
    } else if item.is_hidden {
        "<p data-testid=\"item-status\">Masqué</p>"
    } else {
        ""
    };
    let seller = state.account(item.user_id).map_or("", |a| a.login.as_str());
    let body = format!(
        "{}<main data-item-id=\"{id}\"><h1 data-testid=\"item-title\">{title}</h1>\
         <p data-testid=\"item-price\">{price} €</p>{status}<div class=\"photos\">{photos}</div>\
         <p data-testid=\"item-description\">{description}</p>\
         <a href=\"/member/{user}\" data-testid=\"item-seller\">{seller}</a>{edit}</main>",
        header(login),
        id = item.id,
        title = escape(&item.title),
        price = item.price.replace('.', ","),
        description = escape(&item.description),
        user = item.user_id,
        seller = escape(seller),
        edit = if viewer == Some(item.user_id) && !(item.is_sold || item.is_reserved) {
            format!(
                "<a href=\"/items/{}/edit\" data-testid=\"item-edit-button\">Modifier l'article</a>",
                item.id
            )
        } else {
            String::new()
        },
    );
    Reply::html(
        StatusCode::OK,
        page(
            &format!("{} | Vinted", escape(&item.title)),
            "#ffffff",
            "data-page=\"item\"",
            "",
            &body,
        ),
    )
}

/// `/member/{id}`: the member's wardrobe cards, newest first (hidden and drafts only for the
/// owner).
pub(crate) fn member_page(state: &State, member: u64, viewer: Option<u64>, login: &str) -> Reply {
    let Some(account) = state.account(member) else {
        return Reply::html(StatusCode::NOT_FOUND, not_found_page());
    };
    let mut items: Vec<&Item> = state
        .items
        .iter()
        .filter(|i| i.user_id == member && !i.is_deleted)
        .filter(|i| viewer == Some(member) || i.is_live())
        .collect();
    items.sort_by_key(|i| std::cmp::Reverse((i.created_at, i.id)));
    let cards: String = items
        .iter()
        .map(|i| {
            format!(
                "<div data-testid=\"product-item-id-{id}\" class=\"card\"><a href=\"/items/{id}\" title=\"{title}\">\
                 <img src=\"/photos/{photo}.jpg\" alt=\"{title}\" width=\"150\"></a>\
                 <p data-testid=\"product-item-id-{id}--price-text\">{price} €</p></div>",
                id = i.id,
                title = escape(&i.title),
                photo = i.photo_ids.first().copied().unwrap_or(0),
                price = i.price.replace('.', ","),
            )
        })
        .collect();
    let body = format!(
        "{}<main><h1>{}</h1><div data-testid=\"closet\">{cards}</div></main>",
        header(login),
        escape(&account.login)
    );
    Reply::html(
        StatusCode::OK,
        page(
            &format!("{} | Vinted", escape(&account.login)),
            "#ffffff",
            "data-page=\"member\"",
            "",
            &body,
        ),
    )
}

const UPLOAD_FORM: &str = include_str!("upload_form.html");

/// What the upload form's script needs: the reference data, embedded as the page's own state.
fn form_data() -> Value {
    let catalogs: Vec<Value> = data::CATALOGS
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "title": c.title,
                "parent": c.parent,
                "leaf": data::is_leaf(c.id),
                "sizes": data::sizes_of(c.id).iter().map(|(id, t)| json!({"id": id, "title": t})).collect::<Vec<_>>(),
                "package_sizes": data::package_sizes_of(c.id),
            })
        })
        .collect();
    let pairs = |list: &[(u64, &str)]| -> Vec<Value> {
        list.iter()
            .map(|(id, t)| json!({"id": id, "title": t}))
            .collect()
    };
    json!({
        "catalogs": catalogs,
        "conditions": pairs(data::CONDITIONS),
        "materials": pairs(data::MATERIALS),
        "colors": data::COLORS.iter().map(|(id, t, hex)| json!({"id": id, "title": t, "hex": hex})).collect::<Vec<_>>(),
        "package_sizes": data::PACKAGE_SIZES.iter().map(|(id, t, w)| json!({"id": id, "title": t, "weight": w})).collect::<Vec<_>>(),
    })
}

pub(crate) struct FormOptions<'a> {
    pub csrf: &'a str,
    pub anon: &'a str,
    pub user_id: u64,
    pub login: &'a str,
    pub navigate_after_publish: bool,
    /// [`super::Failure::FormHalfway`]: break after a few fields.
    pub halfway: bool,
    /// The item being edited (`/items/{id}/edit`), `None` for a new listing.
    pub item: Option<&'a Item>,
}

/// What the edit form starts from.
fn editable(item: &Item) -> Value {
    json!({
        "id": item.id,
        "title": item.title,
        "description": item.description,
        "catalog_id": item.catalog_id,
        "brand_id": item.brand_id,
        "brand": item.brand,
        "size_id": item.size_id,
        "status_id": item.status_id,
        "color_ids": item.color_ids,
        "material_ids": item.material_ids,
        "price": item.price.parse::<f64>().ok(),
        "package_size_id": item.package_size_id,
        "photos": item.photo_ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>(),
        "is_draft": item.is_draft,
    })
}

pub(crate) fn upload_form(options: &FormOptions<'_>) -> String {
    let config = json!({
        "csrf": options.csrf,
        "anon": options.anon,
        "navigate": options.navigate_after_publish,
        "halfway": options.halfway,
        "item": options.item.map(editable),
        "data": form_data(),
    });
    UPLOAD_FORM
        .replace(
            "{{NEXT_PAYLOAD}}",
            &next_payload(options.csrf, options.anon, options.user_id),
        )
        .replace("{{HEADER}}", &header(options.login))
        .replace("{{CONFIG}}", &config.to_string().replace("</", "<\\/"))
        .replace("{{PROBES}}", &probes::script("upload_form"))
}
