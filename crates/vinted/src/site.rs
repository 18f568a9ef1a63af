//! Everything the automation knows of Vinted, in one table: routes, headers, cookies, numeric
//! codes, anti-bot markers and the upload form's selectors. When Vinted moves something, this is
//! the file to change; every entry comes from `docs/VINTED.md`, which says where it was seen
//! (`[C]` working code of other tools, `[U]` sources disagree: both variants are here).
//!
//! Ids in paths are `u64`: Vinted's ids are numbers, and a number cannot smuggle `../` or a
//! query into a path built from a stored (possibly forged) row.

use std::fmt::Write as _;

/// The page markers the session watchdog uses, re-exported so this is the one place to look.
pub use seller_automation::site::{CAPTCHA_HOST, CLOUDFLARE_CHALLENGE, USER_MENU};

/// The site's origin for a Vinted domain (`fr`, `de`, `co.uk`, `com`…), `None` for anything
/// that is not a plausible top-level domain.
pub fn origin(tld: &str) -> Option<String> {
    valid_tld(tld).then(|| format!("https://www.vinted.{tld}"))
}

fn valid_tld(tld: &str) -> bool {
    (2..=12).contains(&tld.len())
        && tld
            .split('.')
            .all(|label| !label.is_empty() && label.bytes().all(|byte| byte.is_ascii_lowercase()))
}

/// Paths on `https://www.vinted.<tld>` (section "Read endpoints", "Write endpoints" and
/// "Sessions" of `docs/VINTED.md`), unless a function says otherwise.
pub mod route {
    use super::{push_query, valid_tld};

    // ---- Session [C] ----
    /// `GET` → `{user:{id, login, …}}`.
    pub const USERS_CURRENT: &str = "/api/v2/users/current";
    /// Fallback of [`USERS_CURRENT`].
    pub const USERS_ME: &str = "/api/v2/users/me";
    /// `POST` with the cookies and `x-csrf-token`: a new `access_token_web`.
    pub const AUTH_REFRESH: &str = "/web/api/auth/refresh";
    /// Where an expired page load is redirected (`?ref_url=…`); a real browser completes it.
    pub const SESSION_REFRESH: &str = "/session-refresh";

    /// The session refresh page that returns to `ref_url` (a path of the site).
    pub fn session_refresh(ref_url: &str) -> String {
        let mut path = format!("{SESSION_REFRESH}?ref_url=");
        push_query(&mut path, ref_url);
        path
    }
    /// The upload form; its HTML always carries the CSRF token. Opening it directly may
    /// redirect home: the sell link ([`super::form::SELL_LINK`]) is the way in.
    pub const ITEMS_NEW: &str = "/items/new";

    /// An item's public page (where the form may go after a successful create).
    pub fn item_page(item_id: u64) -> String {
        format!("/items/{item_id}")
    }

    // ---- Wardrobe [C] ----
    /// Most items a wardrobe page returns; a larger `per_page` is clamped by Vinted.
    pub const WARDROBE_PER_PAGE_MAX: u32 = 96;

    /// The order of a wardrobe page.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum WardrobeOrder {
        NewestFirst,
        Relevance,
    }

    impl WardrobeOrder {
        pub fn as_str(self) -> &'static str {
            match self {
                WardrobeOrder::NewestFirst => "newest_first",
                WardrobeOrder::Relevance => "relevance",
            }
        }
    }

    /// The newer wardrobe route, tried first; it answers 404 when the wardrobe is empty.
    pub fn user_items(user_id: u64, page: u32, per_page: u32, order: WardrobeOrder) -> String {
        wardrobe_like("users", user_id, page, per_page, order)
    }

    /// The older wardrobe route (same answer), the fallback of [`user_items`].
    pub fn wardrobe_items(user_id: u64, page: u32, per_page: u32, order: WardrobeOrder) -> String {
        wardrobe_like("wardrobe", user_id, page, per_page, order)
    }

    fn wardrobe_like(
        root: &str,
        user_id: u64,
        page: u32,
        per_page: u32,
        order: WardrobeOrder,
    ) -> String {
        let per_page = per_page.clamp(1, WARDROBE_PER_PAGE_MAX);
        format!(
            "/api/v2/{root}/{user_id}/items?page={}&per_page={per_page}&order={}",
            page.max(1),
            order.as_str()
        )
    }

    // ---- Listings: create, edit, drafts, delete, hide [C] ----
    /// `POST` creates a listing.
    pub const ITEM_UPLOAD_ITEMS: &str = "/api/v2/item_upload/items";

    /// `GET` one own item for editing (`{item:{…}}`, 404 for sold, reserved or deleted items;
    /// never in bulk loops), `PUT` edits it.
    pub fn item_upload_item(item_id: u64) -> String {
        format!("{ITEM_UPLOAD_ITEMS}/{item_id}")
    }

    /// `POST` multipart: one photo (`photo[type]=item`, `photo[temp_uuid]`, `photo[file]`).
    pub const PHOTOS: &str = "/api/v2/photos";
    /// `POST` saves a draft (`{draft:{…}}` → a stub `{draft:{id}}`).
    pub const DRAFTS: &str = "/api/v2/item_upload/drafts";

    /// `GET`/`PUT` (the stub) and `DELETE` one draft.
    pub fn draft(draft_id: u64) -> String {
        format!("{DRAFTS}/{draft_id}")
    }

    /// `POST` publishes a draft; it validates the body it is sent, not the stored draft.
    pub fn draft_completion(draft_id: u64) -> String {
        format!("{DRAFTS}/{draft_id}/completion")
    }

    /// `POST`, empty body; 404 when already gone, 403/106 for another account's item.
    pub fn item_delete(item_id: u64) -> String {
        format!("/api/v2/items/{item_id}/delete")
    }

    /// `PUT {is_hidden}`; check by reading it back.
    pub fn item_is_hidden(item_id: u64) -> String {
        format!("/api/v2/items/{item_id}/is_hidden")
    }

    // ---- Reference data [C] ----
    /// `GET` the category tree.
    pub const CATALOGS: &str = "/api/v2/item_upload/catalogs";
    /// `GET` the colours.
    pub const COLORS: &str = "/api/v2/item_upload/colors";
    /// `POST {attributes:[{code:"category", value:[catalog_id]}]}`: a category's attributes
    /// (condition ids differ between sources: read them at run time).
    pub const ATTRIBUTES: &str = "/api/v2/item_upload/attributes";
    /// The brand id that means "no brand".
    pub const NO_BRAND_ID: u64 = 1;

    /// `GET` brands matching a keyword, in a category when one is given.
    pub fn brands(category_id: Option<u64>, keyword: &str) -> String {
        let mut path = String::from("/api/v2/item_upload/brands?");
        if let Some(category_id) = category_id {
            path.push_str(&format!("category_id={category_id}&"));
        }
        path.push_str("keyword=");
        push_query(&mut path, keyword);
        path
    }

    /// `GET` the size groups of categories (`catalog_ids[]=` repeated).
    pub fn size_groups(catalog_ids: &[u64]) -> String {
        let ids: Vec<String> = catalog_ids
            .iter()
            .map(|id| format!("catalog_ids[]={id}"))
            .collect();
        format!("/api/v2/size_groups?{}", ids.join("&"))
    }

    /// `GET` a category's parcel sizes.
    pub fn package_sizes(catalog_id: u64) -> String {
        format!("/api/v2/catalogs/{catalog_id}/package_sizes")
    }

    // ---- Orders and money [C]; send `x-money-object: true` ----
    /// Most rows a `my_orders` page returns.
    pub const MY_ORDERS_PER_PAGE_MAX: u32 = 100;

    /// Which side of the orders.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum OrderSide {
        Sold,
        /// Some sources send `type=bought` instead `[U]`.
        Purchased,
    }

    impl OrderSide {
        pub fn as_str(self) -> &'static str {
            match self {
                OrderSide::Sold => "sold",
                OrderSide::Purchased => "purchased",
            }
        }
    }

    /// `GET` one page of orders, every status.
    pub fn my_orders(side: OrderSide, page: u32, per_page: u32) -> String {
        format!(
            "/api/v2/my_orders?type={}&status=all&page={}&per_page={}",
            side.as_str(),
            page.max(1),
            per_page.clamp(1, MY_ORDERS_PER_PAGE_MAX)
        )
    }

    /// `GET` one transaction (buyer, offer, fees, shipment).
    pub fn transaction(transaction_id: u64) -> String {
        format!("/api/v2/transactions/{transaction_id}")
    }

    /// `GET` a month's wallet invoice lines (net payout per conversation).
    pub fn wallet_invoices(year: i32, month: u32, page: u32) -> String {
        format!(
            "/api/v2/wallet/invoices/{year}/{}?page={}",
            month.clamp(1, 12),
            page.max(1)
        )
    }

    /// `GET` the balance (`balance`, `pending_balance`).
    pub const WALLET_INVOICES_CURRENT: &str = "/api/v2/wallet/invoices/current";

    /// `GET` `{label_url}` of a shipment.
    pub fn label_url(shipment_id: u64) -> String {
        format!("/api/v2/shipments/{shipment_id}/label_url")
    }

    // ---- Inbox and messages [C] ----
    /// The page size the inbox is read with.
    pub const INBOX_PER_PAGE: u32 = 20;

    /// `GET` one page of conversations.
    pub fn inbox(page: u32, per_page: u32) -> String {
        format!(
            "/api/v2/inbox?page={}&per_page={}",
            page.max(1),
            per_page.clamp(1, 100)
        )
    }

    /// `POST {initiator:"seller_enters_notification", item_id, opposite_user_id}` starts (or
    /// returns the existing) thread with someone who favourited an item.
    pub const CONVERSATIONS: &str = "/api/v2/conversations";
    /// The `initiator` of a thread the seller starts from a favourite notification.
    pub const SELLER_ENTERS_NOTIFICATION: &str = "seller_enters_notification";

    /// `GET` one conversation with its messages.
    pub fn conversation(conversation_id: u64) -> String {
        format!("{CONVERSATIONS}/{conversation_id}")
    }

    /// `POST {reply:{body, photo_temp_uuids:null, is_personal_data_sharing_check_skipped:false}}`.
    pub fn conversation_replies(conversation_id: u64) -> String {
        format!("{CONVERSATIONS}/{conversation_id}/replies")
    }

    /// `PUT`, no body.
    pub fn conversation_mark_as_read(conversation_id: u64) -> String {
        format!("{CONVERSATIONS}/{conversation_id}/mark_as_read")
    }

    // ---- Offers [C] ----
    /// `GET` `{seller_options:{min_price, max_price}}`: the range an offer may take.
    pub fn offer_seller_options(transaction_id: u64) -> String {
        format!("/api/v2/transactions/{transaction_id}/offers/seller_options")
    }

    /// `POST {offer:{price:"70", currency:"EUR"}}` (some send `currency_code` `[U]`).
    pub fn offers(transaction_id: u64) -> String {
        format!("/api/v2/transactions/{transaction_id}/offers")
    }

    /// Accept a buyer's offer: `PUT` in one tool, `POST` in another `[U]`: try `PUT`, fall back
    /// to `POST` on 404/405. `docs/VINTED.md` writes the path as `…/offer_requests/{id}/accept`;
    /// the elided head is read as the transaction's, like [`offers`].
    pub fn offer_request_accept(transaction_id: u64, offer_request_id: u64) -> String {
        format!("/api/v2/transactions/{transaction_id}/offer_requests/{offer_request_id}/accept")
    }

    /// Decline a buyer's offer; same methods and doubt as [`offer_request_accept`].
    pub fn offer_request_reject(transaction_id: u64, offer_request_id: u64) -> String {
        format!("/api/v2/transactions/{transaction_id}/offer_requests/{offer_request_id}/reject")
    }

    // ---- Notifications [C], on the API host ----
    /// The page size notifications are read with.
    pub const NOTIFICATIONS_PER_PAGE: u32 = 20;
    /// The `www` route, which answers 404 on some domains.
    pub const NOTIFICATIONS_WWW: &str = "/api/v2/notifications";

    /// The path of notifications on the API host.
    pub const NOTIFICATIONS_API_PATH: &str = "/inbox-notifications/v1/notifications";

    /// One page of notifications on the `www` route ([`NOTIFICATIONS_WWW`]).
    pub fn notifications_www(page: u32, per_page: u32) -> String {
        format!(
            "{NOTIFICATIONS_WWW}?page={}&per_page={}",
            page.max(1),
            per_page.clamp(1, 100)
        )
    }

    /// One page of notifications on the API host of the account's site `base_url`: for a
    /// Vinted site (`https://www.vinted.<tld>` or `https://vinted.<tld>`), the full URL on
    /// `https://api.vinted.<tld>` ([`notifications_url`]); for any other site (a loopback
    /// address, a mirror serving Vinted's API on one origin) the API host is the site itself,
    /// and the answer is the path on it.
    pub fn notifications_api(base_url: &str, page: u32, per_page: u32) -> String {
        let host = base_url
            .split_once("://")
            .map_or(base_url, |(_, rest)| rest)
            .split(['/', '?', '#'])
            .next()
            .unwrap_or_default();
        let host = host.rsplit_once(':').map_or(host, |(name, port)| {
            if port.bytes().all(|b| b.is_ascii_digit()) {
                name
            } else {
                host
            }
        });
        let domain = host.strip_prefix("www.").unwrap_or(host);
        domain
            .strip_prefix("vinted.")
            .and_then(|tld| notifications_url(tld, page, per_page))
            .unwrap_or_else(|| {
                format!(
                    "{NOTIFICATIONS_API_PATH}?page={}&per_page={}",
                    page.max(1),
                    per_page.clamp(1, 100)
                )
            })
    }

    /// The full URL on `https://api.vinted.<tld>`; whether the page may call it cross-origin is
    /// disputed `[U]`. `None` for an implausible domain.
    pub fn notifications_url(tld: &str, page: u32, per_page: u32) -> Option<String> {
        valid_tld(tld).then(|| {
            format!(
                "https://api.vinted.{tld}/inbox-notifications/v1/notifications?page={}&per_page={}",
                page.max(1),
                per_page.clamp(1, 100)
            )
        })
    }
}

/// Request headers (section "Sessions" and "Write endpoints").
pub mod header {
    /// The CSRF token of the page ([`super::extract_csrf_token`]).
    pub const CSRF_TOKEN: &str = "x-csrf-token";
    /// The `anon_id` cookie's value ([`super::extract_anon_id`]).
    pub const ANON_ID: &str = "x-anon-id";
    /// The page's locale.
    pub const LOCALE: &str = "locale";
    /// `true` on order and transaction calls: money then comes as `{amount, currency_code}`.
    pub const MONEY_OBJECT: &str = "x-money-object";
    /// `true` on upload calls.
    pub const UPLOAD_FORM: &str = "x-upload-form";
    /// `true` on upload calls.
    pub const MULTIPLE_SIZE_GROUPS: &str = "x-enable-multiple-size-groups";
    /// The value of the boolean headers above.
    pub const TRUE: &str = "true";

    /// The headers every upload call carries besides the CSRF token and anon id.
    pub const UPLOAD_FLAGS: [(&str, &str); 2] = [(UPLOAD_FORM, TRUE), (MULTIPLE_SIZE_GROUPS, TRUE)];

    /// Answer header: seconds or an HTTP date.
    pub const RETRY_AFTER: &str = "retry-after";
    /// Answer header DataDome sets; [`DATADOME_PROTECTED`] on a refusal.
    pub const DATADOME: &str = "x-datadome";
    pub const DATADOME_PROTECTED: &str = "protected";
}

/// Cookie names (section "Sessions").
pub mod cookie {
    /// A JWT (claims `sub` = user id, `anid` = anon id).
    pub const ACCESS_TOKEN: &str = "access_token_web";
    /// Seconds an access token lives.
    pub const ACCESS_TOKEN_LIFETIME_SECS: u64 = 7_200;
    pub const REFRESH_TOKEN: &str = "refresh_token_web";
    /// Seconds a refresh token lives.
    pub const REFRESH_TOKEN_LIFETIME_SECS: u64 = 604_800;
    pub const ANON_ID: &str = "anon_id";
    /// The user id.
    pub const USER_ID: &str = "v_uid";
    pub const DATADOME: &str = "datadome";
    pub const CF_CLEARANCE: &str = "cf_clearance";
    /// The session cookie is `_vinted_<tld>_session`.
    pub const SESSION_PREFIX: &str = "_vinted_";
    pub const SESSION_SUFFIX: &str = "_session";

    /// Whether a cookie name is the `_vinted_<tld>_session` cookie.
    pub fn is_session(name: &str) -> bool {
        name.len() > SESSION_PREFIX.len() + SESSION_SUFFIX.len()
            && name.starts_with(SESSION_PREFIX)
            && name.ends_with(SESSION_SUFFIX)
    }
}

/// Numeric codes and `message_code`s of Vinted's JSON answers (section "Error signals"), and
/// the statuses the flows compare against.
pub mod code {
    /// `{"code":0}`: success.
    pub const OK: i64 = 0;
    /// 401 (sometimes 403): the session expired.
    pub const INVALID_AUTHENTICATION_TOKEN: i64 = 100;
    pub const INVALID_AUTHENTICATION_TOKEN_MESSAGE: &str = "invalid_authentication_token";
    /// 403: a missing or stale CSRF token, another account's item, or an anti-bot refusal.
    pub const ACCESS_DENIED: i64 = 106;
    pub const ACCESS_DENIED_MESSAGE: &str = "access_denied";
    /// 400 with `errors[{field, value}]`.
    pub const VALIDATION_ERROR: i64 = 99;
    pub const VALIDATION_ERROR_MESSAGE: &str = "validation_error";

    /// An account under a restriction ("automated activity", since mid-2026) answers 403 to
    /// every write. `docs/VINTED.md` names no code for it: these lowercase fragments are looked
    /// for in `message_code`, then in `message`, of a 403. Add the real code here when seen.
    pub const RESTRICTION_MARKERS: &[&str] = &[
        "restrict",
        "automated_activity",
        "automated activity",
        "suspended",
    ];
    /// Where the end of a restriction may be given (an RFC 3339 string or unix seconds),
    /// looked for at the top of the answer and in the objects named by
    /// [`RESTRICTION_OBJECTS`].
    pub const RESTRICTION_UNTIL_FIELDS: &[&str] = &[
        "restricted_until",
        "restriction_ends_at",
        "restriction_end_date",
        "ends_at",
        "end_date",
        "until",
        "expires_at",
    ];
    pub const RESTRICTION_OBJECTS: &[&str] = &["restriction", "account_restriction", "user"];

    /// A transaction is completed from this status.
    pub const TRANSACTION_COMPLETED: i64 = 400;
    /// A shipment is shipped from this status.
    pub const SHIPMENT_SHIPPED: i64 = 200;
    /// A shipment is delivered from this status.
    pub const SHIPMENT_DELIVERED: i64 = 400;
    /// `offer_request_message.status`.
    pub const OFFER_PENDING: i64 = 10;
    pub const OFFER_ACCEPTED: i64 = 20;
    pub const OFFER_CANCELLED: i64 = 40;
    /// Notification `entry_type`s; only 20 and 50 are confirmed `[C]`, the rest `[U]`.
    pub const NOTIFICATION_FAVOURITE: i64 = 20;
    pub const NOTIFICATION_FOLLOWER: i64 = 30;
    pub const NOTIFICATION_PRICE_DROP: i64 = 50;
    pub const NOTIFICATION_MESSAGE: i64 = 110;
    pub const NOTIFICATION_OFFERS: [i64; 2] = [120, 121];
    pub const NOTIFICATION_OFFER_ACCEPTED: i64 = 125;
    pub const NOTIFICATION_OFFER_DECLINED: i64 = 126;
    pub const NOTIFICATION_FAVOURITE_SOLD: i64 = 300;
    pub const NOTIFICATION_SUGGESTED_PRICE_DROP: i64 = 750;
}

/// Anti-bot markers (section "Error signals"): DataDome and Cloudflare.
pub mod challenge {
    /// Fragments that name DataDome in an answer's body (a 403, or HTML where JSON was
    /// expected), compared in lowercase.
    pub const DATADOME_BODY_MARKERS: &[&str] = &["captcha-delivery", "datadome"];
    /// Cloudflare's "error 1020" (access denied by a firewall rule), compared in lowercase.
    pub const CLOUDFLARE_BODY_MARKERS: &[&str] = &[
        "error 1020",
        "error code: 1020",
        "error code 1020",
        "cf-error-code\">1020",
    ];
    /// In the page: DataDome's captcha iframe.
    pub const DATADOME_IFRAME: &str = r#"iframe[src*="datadome"]"#;
    /// In the page: DataDome's captcha container.
    pub const DATADOME_CAPTCHA: &str = "#datadome-captcha";
    /// Every in-page challenge selector, DataDome's and Cloudflare's, for one
    /// `querySelector`.
    pub fn page_selector() -> String {
        format!(
            r#"iframe[src*="{}"], {DATADOME_IFRAME}, {DATADOME_CAPTCHA}, {}"#,
            super::CAPTCHA_HOST,
            super::CLOUDFLARE_CHALLENGE
        )
    }
}

/// Where the page's HTML carries the CSRF token and the anon id (section "Sessions").
pub mod html {
    /// The key of the CSRF token in the JSON of the page's scripts (the forms below).
    pub const CSRF_KEY: &str = "CSRF_TOKEN";
    /// How a Next.js payload script begins: its JSON is inside a JavaScript string, escaped
    /// once ([`CSRF_ESCAPED`]).
    pub const NEXT_PAYLOAD_STARTS: &[&str] = &[
        "self.__next_f.push(",
        "(self.__next_f=self.__next_f||[]).push(",
    ];
    /// The key of the anon id, read the same way.
    pub const ANON_ID_KEY: &str = "ANON_ID";
    /// Inside the Next.js payload, escaped: `\"CSRF_TOKEN\":\"<uuid>\"`.
    pub const CSRF_ESCAPED: &str = r#"\"CSRF_TOKEN\":\""#;
    /// The same, unescaped (older builds, inline JSON).
    pub const CSRF_PLAIN: &str = r#""CSRF_TOKEN":""#;
    /// `<meta name="csrf-token" content="…">`, the fallback.
    pub const CSRF_META: &str = r#"meta[name="csrf-token"]"#;
    pub const CSRF_META_NAME: &str = "csrf-token";
    pub const ANON_ID_ESCAPED: &str = r#"\"ANON_ID\":\""#;
    pub const ANON_ID_PLAIN: &str = r#""ANON_ID":""#;
    /// A token is made of `[A-Za-z0-9_-]`, between these lengths (a UUID is 36).
    pub const TOKEN_MIN_LEN: usize = 16;
    pub const TOKEN_MAX_LEN: usize = 256;
}

/// The upload form's selectors, checked live mid-2026 (section "Upload form"), and the
/// wardrobe's cards.
pub mod form {
    /// The sell link (opening `/items/new` directly may redirect home).
    pub const SELL_LINK: &str = r#"[data-testid="prohibited-listing-education-upload-button"]"#;
    /// The file input photos go into.
    pub const ADD_PHOTOS_INPUT: &str = r#"[data-testid="add-photos-input"]"#;
    /// Every photo tile, in their order on the form.
    pub const IMAGE_WRAPPERS: &str = r#"[data-testid^="image-wrapper-"]"#;
    pub const TITLE: &str = r#"[data-testid="title--input"]"#;
    pub const DESCRIPTION: &str = r#"[data-testid="description--input"]"#;
    pub const CATEGORY: &str = r#"[data-testid="catalog-select-dropdown-input"]"#;
    /// The visible brand input is read-only: type into this one.
    pub const BRAND_SEARCH: &str = r#"[data-testid="brand-search--input"], #brand-search-input"#;
    /// A brand in the search results.
    pub const BRAND_RESULT: &str = "[role=button][aria-label]";
    pub const SIZE: &str = r#"[data-testid="category-size-single-grid-input"]"#;
    pub const CONDITION: &str = r#"[data-testid="category-condition-single-list-input"]"#;
    pub const COLOR: &str = r#"[data-testid="color-select-dropdown-input"]"#;
    pub const MATERIAL: &str = r#"[data-testid="category-material-multi-list-input"]"#;
    /// The form posts `price:null` unless this input got a `focusout`: tab out of it.
    pub const PRICE: &str = r#"[data-testid="price-input--input"]"#;
    /// Leave unticked.
    pub const BUMP_CHECKBOX: &str = r#"[data-testid="bump-checkbox--input"]"#;
    pub const SAVE_DRAFT: &str = r#"[data-testid="upload-form-save-draft-button"]"#;
    /// Publish (or save an edit); fires only on a trusted (native WebDriver) click.
    pub const SAVE: &str = r#"[data-testid="upload-form-save-button"]"#;
    /// A card of the wardrobe page.
    pub const WARDROBE_CARD: &str = r#"[data-testid^="product-item-id-"]"#;
    /// A field's error message under its input, `{field}--error` (not in `docs/VINTED.md`:
    /// the form's `{name}--input` naming; the field is the part before [`FIELD_ERROR_SUFFIX`]).
    pub const FIELD_ERROR: &str = r#"[data-testid$="--error"]"#;
    pub const FIELD_ERROR_SUFFIX: &str = "--error";
    /// The form's own error messages (not in `docs/VINTED.md`: the ARIA role an error notice
    /// carries).
    pub const FORM_ERROR: &str = r#"[role="alert"]"#;

    /// The tile of the `n`th photo (as numbered by the form).
    pub fn image_wrapper(n: u32) -> String {
        format!(r#"[data-testid="image-wrapper-{n}"]"#)
    }

    /// A category in the category drop-down.
    pub fn catalog_option(catalog_id: u64) -> String {
        format!("#catalog-{catalog_id}")
    }

    /// The `n`th parcel size cell.
    pub fn package_size_cell(n: u32) -> String {
        format!(r#"[data-testid="{n}-package-size--cell"]"#)
    }
}

/// What a listing may hold, checked before anything is sent. VINTED.md documents only the 20
/// photos of the upload form and the 1 € minimum price of Vinted's validation message; the
/// other figures are conservative choices: Vinted's own validation answers anything beyond
/// them, and the app says so before the person waits for a refusal.
pub mod listing {
    /// The upload form takes up to 20 photos.
    pub const MAX_PHOTOS: usize = 20;
    /// "Le prix minimum est de 1,00 €".
    pub const MIN_PRICE_CENTS: i64 = 100;
    /// Not documented: the highest price the app sends.
    pub const MAX_PRICE_CENTS: i64 = 500_000;
    /// Not documented: titles shorter than this are refused on the form.
    pub const TITLE_MIN_CHARS: usize = 5;
    /// Not documented: the longest title the app sends.
    pub const TITLE_MAX_CHARS: usize = 100;
    /// Not documented: descriptions shorter than this are refused on the form.
    pub const DESCRIPTION_MIN_CHARS: usize = 5;
    /// Not documented: the longest description the app sends.
    pub const DESCRIPTION_MAX_CHARS: usize = 3_000;
    /// Colours a listing may name.
    pub const MAX_COLORS: usize = 2;
    /// Materials a listing may name.
    pub const MAX_MATERIALS: usize = 3;
}

/// Appends `value` percent-encoded for a query string (RFC 3986 unreserved bytes kept).
fn push_query(out: &mut String, value: &str) {
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{byte:02X}");
        }
    }
}

/// The CSRF token of a Vinted page: in the JSON of the page's own scripts first (the escaped
/// Next.js payload or inline JSON), then `<meta name="csrf-token">`. `None` when nothing there
/// looks like a token.
///
/// Only markup the page's own code writes is read: a `<script>` element's body or a `<meta>`
/// tag. Text a seller wrote (a listing's title or description shown on the page, or carried in
/// the page's JSON) can imitate neither: outside scripts it is a text node, and inside a
/// script's JSON each of its quotes is escaped once more than the payload's own quotes, which
/// [`after_key`] counts exactly.
pub fn extract_csrf_token(page_html: &str) -> Option<String> {
    token_in_scripts(page_html, html::CSRF_KEY)
        .or_else(|| meta_content(&outside_scripts(page_html), html::CSRF_META_NAME))
}

/// The anon id of a Vinted page (the `anon_id` cookie is the other source), read as
/// [`extract_csrf_token`] reads the token.
pub fn extract_anon_id(page_html: &str) -> Option<String> {
    token_in_scripts(page_html, html::ANON_ID_KEY)
}

/// Whether `value` looks like a token or an anon id.
pub fn is_token(value: &str) -> bool {
    (html::TOKEN_MIN_LEN..=html::TOKEN_MAX_LEN).contains(&value.len())
        && value
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

/// The first token under `key` in the bodies of the page's `<script>` elements. A Next.js
/// payload script (`self.__next_f.push([1,"…"])`) holds its JSON inside a JavaScript string:
/// the payload's quotes are `\"` there; any other script holds plain JSON or code.
fn token_in_scripts(page_html: &str, key: &str) -> Option<String> {
    script_bodies(page_html).find_map(|body| {
        let start = body.trim_start();
        let escapes = usize::from(
            html::NEXT_PAYLOAD_STARTS
                .iter()
                .any(|prefix| start.starts_with(prefix)),
        );
        after_key(body, key, escapes)
    })
}

/// The page's HTML without its scripts' bodies: a `<meta>` tag written inside a script's
/// string is not one.
fn outside_scripts(page_html: &str) -> String {
    let mut out = String::with_capacity(page_html.len());
    let mut from = 0;
    for body in script_bodies(page_html) {
        // Each body is a slice of `page_html`: its offset is the distance between the pointers.
        let start = body.as_ptr() as usize - page_html.as_ptr() as usize;
        out.push_str(&page_html[from..start]);
        from = start + body.len();
    }
    out.push_str(&page_html[from..]);
    out
}

/// The bodies of the `<script>` elements of a page's HTML, in order.
fn script_bodies(page_html: &str) -> impl Iterator<Item = &str> {
    // ASCII lowercasing keeps byte offsets, so offsets in `lower` are offsets in `page_html`.
    let lower = page_html.to_ascii_lowercase();
    let mut bodies = Vec::new();
    let mut from = 0;
    while let Some(open) = lower[from..].find("<script").map(|at| at + from) {
        let after_name = open + "<script".len();
        // `<scripts>` or `<script-x>` is another element.
        if !lower[after_name..].starts_with(|c: char| c == '>' || c.is_ascii_whitespace()) {
            from = after_name;
            continue;
        }
        let Some(body_start) = lower[after_name..].find('>').map(|at| at + after_name + 1) else {
            break;
        };
        let body_end = lower[body_start..]
            .find("</script")
            .map_or(lower.len(), |at| at + body_start);
        bodies.push(&page_html[body_start..body_end]);
        from = body_end;
    }
    bodies.into_iter()
}

/// The first token that is the string value of `"key"` in JSON whose quotes are preceded by
/// exactly `escapes` backslashes: `"key"`, optional spaces, `:`, optional spaces, a quote, the
/// token, a quote. A quote preceded by more backslashes is inside a string of that JSON (text
/// someone wrote), never its own key.
fn after_key(text: &str, key: &str, escapes: usize) -> Option<String> {
    let quote = format!("{}\"", "\\".repeat(escapes));
    text.match_indices(key).find_map(|(at, _)| {
        let before = text[..at].strip_suffix(quote.as_str())?;
        if before.ends_with('\\') {
            return None;
        }
        let rest = text[at + key.len()..].strip_prefix(quote.as_str())?;
        let rest = rest.trim_start().strip_prefix(':')?.trim_start();
        let rest = rest.strip_prefix(quote.as_str())?;
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        let (value, tail) = rest.split_at(end);
        (tail.starts_with(quote.as_str()) && is_token(value)).then(|| value.to_owned())
    })
}

/// The `content` of the first `<meta name="{name}" content="…">` whose content is a token;
/// attributes in any order, either quote.
fn meta_content(page_html: &str, name: &str) -> Option<String> {
    let lower = page_html.to_ascii_lowercase();
    lower.match_indices("<meta").find_map(|(at, _)| {
        let end = at + lower[at..].find('>')?;
        // Offsets in `lower` are offsets in `page_html`: ASCII lowercasing keeps lengths.
        let tag = &page_html[at + "<meta".len()..end];
        let attributes = attributes(tag);
        let named = attributes
            .iter()
            .any(|(key, value)| key.eq_ignore_ascii_case("name") && value == name);
        if !named {
            return None;
        }
        attributes
            .into_iter()
            .find(|(key, _)| key.eq_ignore_ascii_case("content"))
            .map(|(_, value)| value)
            .filter(|value| is_token(value))
    })
}

/// `key="value"` and `key='value'` pairs of a tag's inside (unquoted values are skipped).
fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut rest = tag;
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq]
            .rsplit(|c: char| c.is_whitespace())
            .next()
            .unwrap_or("")
            .trim_end_matches('/')
            .to_owned();
        let after = rest[eq + 1..].trim_start();
        let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            rest = &rest[eq + 1..];
            continue;
        };
        let body = &after[1..];
        let Some(close) = body.find(quote) else {
            break;
        };
        pairs.push((key, body[..close].to_owned()));
        rest = &body[close + 1..];
    }
    pairs
}

/// Where a listing's photos may be fetched from (`photos[].url`, `full_size_url` of the
/// wardrobe). The addresses come from Vinted's answers or from another device by sync, and are
/// opened in the account's own browser: anything else (the driver's loopback port, a cloud
/// metadata address, a private network, any page whose script would run in the profile) is
/// refused. VINTED.md names no image host; `images<n>.vinted.net` is the CDN the wardrobe's
/// photos are served from in the tools it was read from.
pub mod photo {
    /// Vinted's image hosts: `<label>` or `<label><digits>` directly under the domain.
    pub const IMAGE_HOST_LABEL: &str = "images";
    pub const IMAGE_HOST_DOMAIN: &str = "vinted.net";

    /// Whether `url` may be opened as a photo of a listing of the account whose site is
    /// `site` (`https://www.vinted.fr`, or an `http://` loopback site for a local stand-in).
    /// Only `https` on one of Vinted's image hosts or the site's own host family (the site's
    /// host without `www.`, and its subdomains), no IP literal, no `localhost`, no credentials;
    /// when the site itself is an `http` loopback address, `http` on a loopback host at the
    /// site's own port too.
    pub fn is_allowed(url: &str, site: &str) -> bool {
        let Some(photo) = parse(url) else {
            return false;
        };
        let Some(site) = parse(site) else {
            return false;
        };
        if !site.secure && is_loopback(&site.host) {
            return !photo.secure && is_loopback(&photo.host) && photo.port == site.port
                || photo.secure && is_vinted_host(&photo.host, &site.host);
        }
        photo.secure && is_vinted_host(&photo.host, &site.host)
    }

    fn is_vinted_host(host: &str, site_host: &str) -> bool {
        if is_ip_literal(host) || host == "localhost" || !is_dns_name(host) {
            return false;
        }
        let image_host = host
            .strip_suffix(IMAGE_HOST_DOMAIN)
            .and_then(|rest| rest.strip_suffix('.'))
            .and_then(|label| label.strip_prefix(IMAGE_HOST_LABEL))
            .is_some_and(|digits| digits.bytes().all(|b| b.is_ascii_digit()));
        let family = site_host.strip_prefix("www.").unwrap_or(site_host);
        let own_site = !is_ip_literal(family)
            && family.contains('.')
            && (host == family
                || host
                    .strip_suffix(family)
                    .is_some_and(|rest| rest.ends_with('.')));
        image_host || own_site
    }

    struct Address {
        secure: bool,
        host: String,
        port: Option<u16>,
    }

    /// Scheme, host (lower case) and port of an `http(s)` address; `None` for anything with
    /// credentials, a malformed host or port, or characters a browser would reinterpret.
    fn parse(url: &str) -> Option<Address> {
        let lower = url
            .get(..8)
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let (secure, rest) = if lower.starts_with("https://") {
            (true, &url[8..])
        } else if lower.starts_with("http://") {
            (false, &url[7..])
        } else {
            return None;
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..end];
        if authority.is_empty()
            || authority.contains(['@', '\\', ' ', '%'])
            || rest.contains(['\\', '\t', '\n', '\r'])
        {
            return None;
        }
        let (host, port) = match authority.strip_prefix('[') {
            Some(inside) => {
                let (ip, after) = inside.split_once(']')?;
                (
                    format!("[{ip}]"),
                    after.strip_prefix(':').map(str::to_owned),
                )
            }
            None => match authority.split_once(':') {
                Some((host, port)) => (host.to_owned(), Some(port.to_owned())),
                None => (authority.to_owned(), None),
            },
        };
        let port = match port {
            Some(port) => Some(port.parse::<u16>().ok().filter(|p| *p != 0)?),
            None => None,
        };
        let port = match (secure, port) {
            (true, Some(443)) | (false, Some(80)) => None,
            (_, port) => port,
        };
        Some(Address {
            secure,
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    fn is_dns_name(host: &str) -> bool {
        host.len() <= 253
            && host.contains('.')
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
            // A last label of digits (or hex) is read by browsers as an IPv4 address.
            && host
                .rsplit('.')
                .next()
                .is_some_and(|tld| tld.bytes().any(|b| b.is_ascii_alphabetic()) && !tld.starts_with("0x"))
    }

    fn is_ip_literal(host: &str) -> bool {
        host.starts_with('[') || host.parse::<std::net::Ipv4Addr>().is_ok()
    }

    fn is_loopback(host: &str) -> bool {
        host == "localhost"
            || host == "[::1]"
            || host
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    #[cfg(test)]
    mod tests {
        use super::is_allowed;

        const FR: &str = "https://www.vinted.fr";

        #[test]
        fn vinted_image_hosts_and_the_site_family_pass() {
            assert!(is_allowed(
                "https://images1.vinted.net/t/1/f800/1.jpeg?s=abc",
                FR
            ));
            assert!(is_allowed("https://images.vinted.net/t/1.jpeg", FR));
            assert!(is_allowed("https://IMAGES12.Vinted.NET/x.webp", FR));
            assert!(is_allowed("https://www.vinted.fr/photos/1.jpg", FR));
            assert!(is_allowed("https://static.vinted.fr/p/1.jpg", FR));
            assert!(is_allowed("https://images1.vinted.net:443/x.jpg", FR));
        }

        #[test]
        fn hostile_addresses_are_refused() {
            for url in [
                "http://images1.vinted.net/x.jpg",
                "http://127.0.0.1:9515/session",
                "https://127.0.0.1:9515/session",
                "http://localhost:9515/status",
                "https://localhost/x.jpg",
                "http://169.254.169.254/latest/meta-data/",
                "https://169.254.169.254/latest/meta-data/",
                "https://10.0.0.1/x.jpg",
                "https://192.168.1.1/",
                "https://[::1]/x.jpg",
                "https://[fd00::1]/x.jpg",
                "https://2130706433/x.jpg",
                "https://0x7f000001/x.jpg",
                "https://images1.vinted.net.evil.com/x.jpg",
                "https://evilvinted.net/x.jpg",
                "https://images1.vinted.net@evil.com/x.jpg",
                "https://user:pw@images1.vinted.net/x.jpg",
                "https://imagesx.vinted.net/x.jpg",
                "https://evil.com/images1.vinted.net",
                "https://www.vinted.de/x.jpg",
                "https://evilvinted.fr/x.jpg",
                "https://images1.vinted.net%2f@evil.com/",
                "https://images1.vinted.net\\@evil.com/",
                "https://images1.vinted.net./x.jpg",
                "https://images1.vinted.net:0/x.jpg",
                "https://images1.vinted.net:99999/x.jpg",
                "javascript:alert(1)",
                "file:///etc/passwd",
                "data:image/jpeg;base64,AAAA",
                "",
                "https://",
            ] {
                assert!(!is_allowed(url, FR), "{url} passed");
            }
        }

        #[test]
        fn loopback_photos_only_for_a_loopback_site_on_its_port() {
            let local = "http://127.0.0.1:4100";
            assert!(is_allowed("http://localhost:4100/photos/1.jpg", local));
            assert!(is_allowed("http://127.0.0.1:4100/photos/1.jpg", local));
            assert!(is_allowed("https://images1.vinted.net/x.jpg", local));
            assert!(!is_allowed("http://127.0.0.1:9515/session", local));
            assert!(!is_allowed("http://169.254.169.254/", local));
            assert!(!is_allowed("http://192.168.1.1:4100/", local));
            assert!(!is_allowed("http://localhost:4100/photos/1.jpg", FR));
            // An https site on a loopback host is no reason to open loopback photos.
            assert!(!is_allowed("https://localhost/x.jpg", "https://localhost"));
            assert!(!is_allowed(
                "https://images1.vinted.net/x.jpg",
                "not a site"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::route::{OrderSide, WardrobeOrder};
    use super::*;

    const UUID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

    /// `text` as the body of a script.
    fn script(body: &str) -> String {
        format!("<script>{body}</script>")
    }

    /// A Next.js payload script around `json` (escaped once, as Next.js writes it).
    fn next_payload(json: &str) -> String {
        let literal = serde_json::to_string(json).expect("a string literal");
        script(&format!("self.__next_f.push([1,{literal}])"))
    }

    #[test]
    fn csrf_token_from_the_escaped_next_payload() {
        let page = format!(
            r#"<script>self.__next_f.push([1,"{{\"LOCALE\":\"fr\",\"CSRF_TOKEN\":\"{UUID}\",\"ANON_ID\":\"a1b2c3d4-e5f6-4711-8899-aabbccddeeff\"}}"])</script>"#
        );
        assert_eq!(extract_csrf_token(&page).as_deref(), Some(UUID));
        assert_eq!(
            extract_anon_id(&page).as_deref(),
            Some("a1b2c3d4-e5f6-4711-8899-aabbccddeeff")
        );
        // The fake site's form: the first script starts the array.
        let page = format!(
            r#"<SCRIPT>(self.__next_f=self.__next_f||[]).push([0]);self.__next_f.push([1,"{}{UUID}\""])</SCRIPT>"#,
            html::CSRF_ESCAPED
        );
        assert_eq!(extract_csrf_token(&page).as_deref(), Some(UUID));
    }

    #[test]
    fn csrf_token_in_a_script_escaped_as_the_script_escapes() {
        for page in [
            next_payload(&format!(r#"{{"CSRF_TOKEN":"{UUID}"}}"#)),
            script(&format!("window.c = {{{}{UUID}\"}};", html::CSRF_PLAIN)),
            script(&format!(r#"window.c = {{ "CSRF_TOKEN" : "{UUID}" }};"#)),
            format!(
                r#"<script id="__NEXT_DATA__" type="application/json">{{"props":{{"CSRF_TOKEN":"{UUID}"}}}}</script>"#
            ),
        ] {
            assert_eq!(extract_csrf_token(&page).as_deref(), Some(UUID), "{page}");
        }
        // Another key that ends the same way is not the token.
        let other = script(&format!(r#""X_CSRF_TOKEN":"{UUID}""#));
        assert_eq!(extract_csrf_token(&other), None);
        // The payload's form in a script that is not the payload, and the other way round.
        let wrong = script(&format!(r#"x = "{}{UUID}\"""#, html::CSRF_ESCAPED));
        assert_eq!(extract_csrf_token(&wrong), None);
        let wrong = script(&format!(
            r#"self.__next_f.push([1,"{}{UUID}""])"#,
            html::CSRF_PLAIN
        ));
        assert_eq!(extract_csrf_token(&wrong), None);
    }

    #[test]
    fn csrf_token_from_meta() {
        let meta = format!(
            r#"<head><meta charset="utf-8"><META content='{UUID}' Name="csrf-token" /></head>"#
        );
        assert_eq!(extract_csrf_token(&meta).as_deref(), Some(UUID));
    }

    /// A description written to plant a token, as it reaches the page: a text node, an
    /// attribute, inside the Next.js payload, inside inline JSON, as a meta tag in a script.
    #[test]
    fn a_hostile_description_cannot_plant_a_token() {
        const FAKE: &str = "a7a7a7a7-0000-4000-8000-deadbeefdead";
        let planted = [
            format!(r#""CSRF_TOKEN":"{FAKE}""#),
            format!(r#"\"CSRF_TOKEN\":\"{FAKE}\""#),
            format!(r#"\\\"CSRF_TOKEN\\\":\\\"{FAKE}\\\""#),
            format!(r#"<meta name="csrf-token" content="{FAKE}">"#),
        ];
        for description in &planted {
            let as_json = serde_json::to_string(description).expect("json");
            let hostile = [
                // Shown on the page: a text node, as the browser serialises it (quotes and
                // backslashes as they are, `<` escaped).
                format!(
                    "<p class=\"description\">{}</p>",
                    description.replace('<', "&lt;")
                ),
                format!(r#"<img alt="{}">"#, description.replace('"', "&quot;")),
                // In the page's JSON: the payload and an inline JSON script.
                next_payload(&format!(r#"{{"item":{{"description":{as_json}}}}}"#)),
                script(&format!(r#"window.item = {{"description":{as_json}}};"#)),
            ];
            for before in &hostile {
                // Before the real token (the escaped payload), and on a page with none.
                let real = next_payload(&format!(r#"{{"CSRF_TOKEN":"{UUID}"}}"#));
                let page = format!("<body>{before}{real}</body>");
                assert_eq!(
                    extract_csrf_token(&page).as_deref(),
                    Some(UUID),
                    "planted {description} as {before}"
                );
                assert_eq!(
                    extract_csrf_token(before),
                    None,
                    "planted {description} as {before}"
                );
            }
        }
    }

    #[test]
    fn csrf_token_refuses_what_is_not_a_token() {
        for body in [
            "",
            r#""CSRF_TOKEN":"""#,
            r#""CSRF_TOKEN":"short""#,
            r#""CSRF_TOKEN":"0f8fad5b-d9cb-469f-a165<\/script>alert(1)""#,
            r#""CSRF_TOKEN":"0f8fad5b d9cb 469f a165 70867728950e""#,
            // Never closed: the page was cut.
            r#""CSRF_TOKEN":"0f8fad5b-d9cb-469f-a165-70867728950e"#,
        ] {
            assert_eq!(extract_csrf_token(&script(body)), None, "{body}");
        }
        for page in [
            r#"<meta name="csrf-token" content="x y">"#,
            r#"<meta name="other" content="0f8fad5b-d9cb-469f-a165-70867728950e">"#,
            // Outside any script: page text.
            r#""CSRF_TOKEN":"0f8fad5b-d9cb-469f-a165-70867728950e""#,
        ] {
            assert_eq!(extract_csrf_token(page), None, "{page}");
        }
        let too_long = script(&format!(
            r#""CSRF_TOKEN":"{}""#,
            "a".repeat(html::TOKEN_MAX_LEN + 1)
        ));
        assert_eq!(extract_csrf_token(&too_long), None);
    }

    #[test]
    fn a_bad_first_marker_does_not_hide_a_good_later_one() {
        let page = script(&format!(r#""CSRF_TOKEN":"" … "CSRF_TOKEN":"{UUID}""#));
        assert_eq!(extract_csrf_token(&page).as_deref(), Some(UUID));
        let page = format!(
            r#"{}<meta name="csrf-token" content="{UUID}">"#,
            script(r#""CSRF_TOKEN":"bad token""#)
        );
        assert_eq!(extract_csrf_token(&page).as_deref(), Some(UUID));
    }

    #[test]
    fn routes_are_built_as_vinted_expects() {
        assert_eq!(
            route::user_items(42, 1, 500, WardrobeOrder::NewestFirst),
            "/api/v2/users/42/items?page=1&per_page=96&order=newest_first"
        );
        assert_eq!(
            route::wardrobe_items(42, 0, 20, WardrobeOrder::Relevance),
            "/api/v2/wardrobe/42/items?page=1&per_page=20&order=relevance"
        );
        assert_eq!(
            route::my_orders(OrderSide::Sold, 2, 1000),
            "/api/v2/my_orders?type=sold&status=all&page=2&per_page=100"
        );
        assert_eq!(route::item_upload_item(7), "/api/v2/item_upload/items/7");
        assert_eq!(
            route::session_refresh("/items/new?x=1"),
            "/session-refresh?ref_url=%2Fitems%2Fnew%3Fx%3D1"
        );
        assert_eq!(
            route::draft_completion(9),
            "/api/v2/item_upload/drafts/9/completion"
        );
        assert_eq!(route::item_delete(7), "/api/v2/items/7/delete");
        assert_eq!(route::item_is_hidden(7), "/api/v2/items/7/is_hidden");
        assert_eq!(
            route::size_groups(&[1, 2]),
            "/api/v2/size_groups?catalog_ids[]=1&catalog_ids[]=2"
        );
        assert_eq!(
            route::brands(Some(5), "Levi's & co"),
            "/api/v2/item_upload/brands?category_id=5&keyword=Levi%27s%20%26%20co"
        );
        assert_eq!(
            route::brands(None, "Zoé"),
            "/api/v2/item_upload/brands?keyword=Zo%C3%A9"
        );
        assert_eq!(
            route::wallet_invoices(2026, 11, 1),
            "/api/v2/wallet/invoices/2026/11?page=1"
        );
        assert_eq!(
            route::offer_request_accept(1, 2),
            "/api/v2/transactions/1/offer_requests/2/accept"
        );
        assert_eq!(
            route::conversation_replies(3),
            "/api/v2/conversations/3/replies"
        );
        assert_eq!(
            route::notifications_url("co.uk", 1, 20).as_deref(),
            Some(
                "https://api.vinted.co.uk/inbox-notifications/v1/notifications?page=1&per_page=20"
            )
        );
        assert_eq!(route::notifications_url("evil.com/x?", 1, 20), None);
        assert_eq!(
            route::notifications_api("https://www.vinted.fr", 2, 20),
            "https://api.vinted.fr/inbox-notifications/v1/notifications?page=2&per_page=20"
        );
        assert_eq!(
            route::notifications_api("https://vinted.co.uk/", 1, 20),
            "https://api.vinted.co.uk/inbox-notifications/v1/notifications?page=1&per_page=20"
        );
        assert_eq!(
            route::notifications_api("http://127.0.0.1:4321", 3, 20),
            "/inbox-notifications/v1/notifications?page=3&per_page=20"
        );
        assert_eq!(
            route::notifications_www(1, 20),
            "/api/v2/notifications?page=1&per_page=20"
        );
        assert_eq!(origin("fr").as_deref(), Some("https://www.vinted.fr"));
        assert_eq!(origin("FR"), None);
        assert_eq!(origin("fr@evil"), None);
        assert_eq!(origin(""), None);
    }

    #[test]
    fn selectors_and_cookies() {
        assert_eq!(
            form::package_size_cell(2),
            r#"[data-testid="2-package-size--cell"]"#
        );
        assert_eq!(form::image_wrapper(0), r#"[data-testid="image-wrapper-0"]"#);
        assert_eq!(form::catalog_option(1904), "#catalog-1904");
        assert!(challenge::page_selector().contains("#datadome-captcha"));
        assert!(cookie::is_session("_vinted_fr_session"));
        assert!(!cookie::is_session("_vinted__session"));
        assert!(!cookie::is_session("anon_id"));
    }
}
