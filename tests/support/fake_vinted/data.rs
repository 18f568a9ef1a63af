//! The fake's data: reference data (categories, brands, colours, sizes, conditions, materials,
//! parcel sizes), the two accounts' starting wardrobes, the generator behind
//! [`super::FakeVinted::seed_wardrobe`], and the fixed read data (inbox, orders, transactions,
//! favourites; notifications are in `notifications.rs`).
//!
//! Mirrors VINTED.md "Reference data" and "Read endpoints" for shapes. The ids are the fake's own:
//! condition and material ids are deliberately not 1..5, so nothing can hard-code them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::state::{Account, Item, Photo};
use super::{EMAIL, OTHER_USER_ID, OTHER_USERNAME, PASSWORD, USER_ID, USERNAME};

// --- Reference data -----------------------------------------------------------------------------

/// A category: leaves are what a listing can use.
pub struct Catalog {
    pub id: u64,
    pub title: &'static str,
    pub parent: Option<u64>,
    /// The size group of a leaf with sizes (`None`: no size asked).
    pub size_group: Option<u64>,
}

pub const CATALOGS: &[Catalog] = &[
    cat(1904, "Femmes", None, None),
    cat(4, "Vêtements", Some(1904), None),
    cat(10, "Robes", Some(4), Some(4)),
    cat(12, "Hauts et t-shirts", Some(4), Some(4)),
    cat(16, "Chaussures", Some(1904), Some(3)),
    cat(19, "Sacs", Some(1904), None),
    cat(5, "Hommes", None, None),
    cat(76, "T-shirts", Some(5), Some(6)),
    cat(1231, "Chaussures", Some(5), Some(7)),
];

const fn cat(
    id: u64,
    title: &'static str,
    parent: Option<u64>,
    size_group: Option<u64>,
) -> Catalog {
    Catalog {
        id,
        title,
        parent,
        size_group,
    }
}

pub fn catalog(id: u64) -> Option<&'static Catalog> {
    CATALOGS.iter().find(|c| c.id == id)
}

pub fn is_leaf(id: u64) -> bool {
    catalog(id).is_some() && !CATALOGS.iter().any(|c| c.parent == Some(id))
}

pub fn children(parent: Option<u64>) -> impl Iterator<Item = &'static Catalog> {
    CATALOGS.iter().filter(move |c| c.parent == parent)
}

/// `(group id, caption, [(size id, title)])`.
pub type SizeGroup = (u64, &'static str, &'static [(u64, &'static str)]);

pub const SIZE_GROUPS: &[SizeGroup] = &[
    (
        4,
        "Femmes · lettres",
        &[(2, "XS"), (3, "S"), (4, "M"), (5, "L"), (6, "XL")],
    ),
    (
        3,
        "Femmes · pointures",
        &[(55, "36"), (56, "37"), (57, "38"), (58, "39"), (59, "40")],
    ),
    (
        6,
        "Hommes · lettres",
        &[(206, "S"), (207, "M"), (208, "L"), (209, "XL")],
    ),
    (
        7,
        "Hommes · pointures",
        &[(776, "41"), (777, "42"), (778, "43"), (779, "44")],
    ),
];

pub fn sizes_of(catalog_id: u64) -> &'static [(u64, &'static str)] {
    catalog(catalog_id)
        .and_then(|c| c.size_group)
        .and_then(|g| SIZE_GROUPS.iter().find(|(id, _, _)| *id == g))
        .map_or(&[], |(_, _, sizes)| *sizes)
}

pub fn size_title(size_id: u64) -> Option<&'static str> {
    SIZE_GROUPS
        .iter()
        .flat_map(|(_, _, sizes)| sizes.iter())
        .find(|(id, _)| *id == size_id)
        .map(|(_, t)| *t)
}

/// VINTED.md: `brand_id` 1 is "no brand".
pub const BRANDS: &[(u64, &str)] = &[
    (1, "Sans marque"),
    (53, "Nike"),
    (14, "adidas"),
    (12, "Zara"),
    (304, "Levi's"),
    (88, "H&M"),
    (2319, "Sézane"),
    (1095, "Longchamp"),
    (255, "Uniqlo"),
    (4121, "Nike ACG"),
];

pub fn brand(id: u64) -> Option<&'static str> {
    BRANDS.iter().find(|(b, _)| *b == id).map(|(_, n)| *n)
}

pub const COLORS: &[(u64, &str, &str)] = &[
    (1, "Noir", "000000"),
    (3, "Gris", "919191"),
    (12, "Blanc", "FFFFFF"),
    (7, "Rouge", "CC3300"),
    (9, "Bleu", "007BC4"),
    (10, "Vert", "369A3D"),
    (4, "Beige", "F4E0C8"),
];

/// Conditions (`status_id`): ids the fake picked, on purpose not 1..5.
pub const CONDITIONS: &[(u64, &str)] = &[
    (37, "Neuf avec étiquette"),
    (41, "Neuf sans étiquette"),
    (43, "Très bon état"),
    (47, "Bon état"),
    (53, "Satisfaisant"),
];

pub const MATERIALS: &[(u64, &str)] = &[
    (149, "Coton"),
    (152, "Laine"),
    (157, "Polyester"),
    (161, "Cuir"),
    (166, "Denim"),
    (171, "Lin"),
];

/// `(id, title, weight description)`.
pub const PACKAGE_SIZES: &[(u64, &str, &str)] = &[
    (
        1,
        "Petit",
        "Pour les articles qui tiennent dans une grande enveloppe (jusqu'à 500 g)",
    ),
    (
        2,
        "Moyen",
        "Pour les articles qui tiennent dans une boîte à chaussures (jusqu'à 1 kg)",
    ),
    (
        3,
        "Grand",
        "Pour les articles qui tiennent dans un carton de déménagement (jusqu'à 2 kg)",
    ),
];

/// Bags are never "small".
pub fn package_sizes_of(catalog_id: u64) -> Vec<u64> {
    if catalog_id == 19 {
        vec![2, 3]
    } else {
        vec![1, 2, 3]
    }
}

pub fn catalogs_json() -> Value {
    fn node(c: &Catalog) -> Value {
        let kids: Vec<Value> = children(Some(c.id)).map(node).collect();
        json!({
            "id": c.id,
            "title": c.title,
            "size_group_ids": c.size_group.map_or_else(Vec::new, |g| vec![g]),
            "catalogs": kids,
        })
    }
    Value::Array(children(None).map(node).collect())
}

// --- Accounts and wardrobes ----------------------------------------------------------------------

pub fn accounts() -> Vec<Account> {
    vec![
        Account {
            id: USER_ID,
            login: USERNAME.into(),
            email: EMAIL.into(),
            password: PASSWORD.into(),
            restricted_until: None,
        },
        Account {
            id: OTHER_USER_ID,
            login: OTHER_USERNAME.into(),
            email: super::OTHER_EMAIL.into(),
            password: super::OTHER_PASSWORD.into(),
            restricted_until: None,
        },
    ]
}

/// Listing dates are a fixed past (2026-11-01) plus offsets, so tests are reproducible.
pub fn epoch() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_761_955_200)
}

/// A plain live listing; the caller changes what differs.
pub fn base_item(id: u64, user_id: u64, title: &str, price: &str, catalog_id: u64) -> Item {
    let created = epoch() + Duration::from_secs(id % 100_000 * 60);
    let sizes = sizes_of(catalog_id);
    Item {
        id,
        user_id,
        title: title.into(),
        description: format!("{title} — état impeccable, porté quelques fois."),
        price: price.into(),
        currency: "EUR".into(),
        catalog_id,
        brand_id: Some(1),
        brand: Some("Sans marque".into()),
        size_id: sizes.get(sizes.len() / 2).map(|(id, _)| *id),
        status_id: Some(43),
        color_ids: vec![1],
        material_ids: Vec::new(),
        package_size_id: Some(2),
        is_unisex: false,
        photo_ids: Vec::new(),
        view_count: 0,
        favourite_count: 0,
        is_draft: false,
        is_closed: false,
        is_sold: false,
        is_reserved: false,
        is_hidden: false,
        is_deleted: false,
        push_up: false,
        created_at: created,
        updated_at: created,
        anon_id: None,
        sent: None,
        edits: 0,
    }
}

/// Where the wardrobe says a photo is: like Vinted's CDN, another host than the site's. On the
/// fake that is the same server under the name `localhost` (`127.0.0.1:<port>` becomes
/// `localhost:<port>`), so a browser that fetches a photo makes a cross-origin request to
/// another host, which a proxy logs under that name.
pub fn photo_host(site_host: &str) -> String {
    match site_host.strip_prefix("127.0.0.1:") {
        Some(port) => format!("localhost:{port}"),
        None => site_host.to_owned(),
    }
}

/// The bytes the fake serves for a seeded photo: a real 8×8 grey baseline JPEG (one block, DC
/// only), its grey level and a comment naming the photo both from the id, so every photo's
/// bytes differ and are the same on every run.
pub fn seeded_jpeg(photo_id: u64) -> Vec<u8> {
    fn segment(out: &mut Vec<u8>, marker: u8, payload: &[u8]) {
        out.extend_from_slice(&[0xFF, marker]);
        out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(payload);
    }
    let grey = (photo_id.wrapping_mul(37) % 200 + 28) as i32;
    // A flat block's only coefficient: 8 × (level − 128), quantised by 1.
    let dc = 8 * (grey - 128);
    let category = 32 - dc.unsigned_abs().leading_zeros();
    let mut out = vec![0xFF, 0xD8];
    segment(
        &mut out,
        0xFE,
        format!("fake-vinted photo {photo_id}").as_bytes(),
    );
    let mut dqt = vec![0u8];
    dqt.extend_from_slice(&[1u8; 64]);
    segment(&mut out, 0xDB, &dqt);
    // 8 bits, 8×8, one component (id 1, no subsampling, table 0).
    segment(&mut out, 0xC0, &[8, 0, 8, 0, 8, 1, 1, 0x11, 0]);
    // One-code Huffman tables: DC "0" = this category, AC "0" = end of block.
    let mut dht_dc = vec![0x00, 1];
    dht_dc.extend_from_slice(&[0u8; 15]);
    dht_dc.push(category as u8);
    segment(&mut out, 0xC4, &dht_dc);
    let mut dht_ac = vec![0x10, 1];
    dht_ac.extend_from_slice(&[0u8; 15]);
    dht_ac.push(0x00);
    segment(&mut out, 0xC4, &dht_ac);
    segment(&mut out, 0xDA, &[1, 1, 0x00, 0, 63, 0]);
    // Entropy-coded data: the DC code, its value's bits, the end-of-block code; padded with 1s.
    let value = if dc >= 0 {
        dc as u32
    } else {
        (dc + (1 << category) - 1) as u32
    };
    let mut bits: Vec<bool> = vec![false];
    bits.extend((0..category).rev().map(|i| value >> i & 1 == 1));
    bits.push(false);
    while !bits.len().is_multiple_of(8) {
        bits.push(true);
    }
    for byte in bits.chunks(8) {
        let byte = byte.iter().fold(0u8, |b, bit| b << 1 | u8::from(*bit));
        out.push(byte);
        if byte == 0xFF {
            out.push(0x00);
        }
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

pub fn seeded_photo(id: u64, user_id: u64, at: SystemTime) -> Photo {
    Photo {
        id,
        user_id,
        temp_uuid: None,
        width: 800,
        height: 1066,
        bytes: Vec::new(),
        uploaded_at: at,
    }
}

/// The two accounts' starting wardrobes: the test account's six listings (two plain ones, a
/// reserved one, a hidden one, a sold one and a draft) and two of the other account's.
pub fn starting_items() -> Vec<Item> {
    let mine = |id, title, price, catalog, views, favs, brand: u64| Item {
        view_count: views,
        favourite_count: favs,
        brand_id: Some(brand),
        brand: super::data::brand(brand).map(str::to_owned),
        ..base_item(id, USER_ID, title, price, catalog)
    };
    vec![
        mine(5001, "Veste en jean Levi's", "25.00", 12, 120, 8, 304),
        mine(5002, "Robe d'été Zara", "12.50", 10, 45, 3, 12),
        Item {
            is_reserved: true,
            ..mine(5003, "Baskets Nike Air Max 90", "48.00", 1231, 300, 21, 53)
        },
        Item {
            is_hidden: true,
            ..mine(5004, "Pull en laine Sézane", "35.00", 12, 80, 5, 2319)
        },
        Item {
            is_closed: true,
            is_sold: true,
            ..mine(5005, "Sac Longchamp Le Pliage", "40.00", 19, 210, 17, 1095)
        },
        Item {
            is_draft: true,
            ..mine(5006, "Chemise Uniqlo", "9.00", 76, 0, 0, 255)
        },
        base_item(5101, OTHER_USER_ID, "Manteau Sandro", "60.00", 12),
        base_item(5102, OTHER_USER_ID, "Jean Levi's 501", "22.00", 76),
    ]
}

/// A small deterministic generator, so a seeded wardrobe is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        &from[(self.next() % from.len() as u64) as usize]
    }
}

const KINDS: &[(&str, u64)] = &[
    ("Robe", 10),
    ("Robe longue", 10),
    ("Top", 12),
    ("T-shirt", 12),
    ("Blouse", 12),
    ("Baskets", 16),
    ("Bottines", 16),
    ("Sac à main", 19),
    ("Tote bag", 19),
    ("T-shirt homme", 76),
    ("Polo", 76),
    ("Sneakers", 1231),
];

const ADJECTIVES: &[&str] = &[
    "fleurie",
    "vintage",
    "noire",
    "en lin",
    "oversize",
    "rayée",
    "en coton bio",
    "brodée",
];

/// `n` realistic listings for `user_id`, ids from `first_id`, photos from `first_photo`. Statuses
/// vary: about 70 % live, then sold, closed, hidden, reserved and drafts; every third description
/// carries a SKU (`Réf SP-000123`).
pub fn generate(
    user_id: u64,
    n: usize,
    first_id: u64,
    first_photo: u64,
) -> (Vec<Item>, Vec<Photo>) {
    let mut rng = Lcg(0x5e11e7 + n as u64);
    let mut items = Vec::with_capacity(n);
    let mut photos = Vec::new();
    let mut next_photo = first_photo;
    for i in 0..n {
        let id = first_id + i as u64;
        let (kind, catalog_id) = *rng.pick(KINDS);
        let (brand_id, brand_name) = *rng.pick(&BRANDS[1..]);
        let adjective = rng.pick(ADJECTIVES);
        let title = format!("{kind} {brand_name} {adjective}");
        let cents = 300 + rng.next() % 9_700;
        let price = format!("{}.{:02}", cents / 100, cents % 100);
        let mut item = base_item(id, user_id, &title, &price, catalog_id);
        item.brand_id = Some(brand_id);
        item.brand = Some(brand_name.to_owned());
        item.status_id = Some(rng.pick(CONDITIONS).0);
        item.color_ids = vec![rng.pick(COLORS).0];
        item.view_count = rng.next() % 500;
        item.favourite_count = item.view_count / (3 + rng.next() % 10);
        item.created_at = epoch() + Duration::from_secs(i as u64 * 3_600);
        item.updated_at = item.created_at;
        item.description = if i % 3 == 0 {
            format!(
                "{title}. Taille normalement, très peu portée.\n\nRéf SP-{:06}",
                i + 1
            )
        } else {
            format!("{title}. Envoi rapide et soigné.")
        };
        match rng.next() % 100 {
            0..=7 => {
                item.is_closed = true;
                item.is_sold = true;
            }
            8..=12 => item.is_closed = true,
            13..=19 => item.is_hidden = true,
            20..=24 => item.is_reserved = true,
            25..=29 => item.is_draft = true,
            _ => {}
        }
        for _ in 0..1 + rng.next() % 3 {
            photos.push(seeded_photo(next_photo, user_id, item.created_at));
            item.photo_ids.push(next_photo);
            next_photo += 1;
        }
        items.push(item);
    }
    (items, photos)
}

// --- Fixed read data ----------------------------------------------------------------------------

pub const SOLD_ITEM_ID: u64 = 5005;
pub const SALE_TRANSACTION_ID: u64 = 8001;
pub const OFFER_TRANSACTION_ID: u64 = 8002;

fn buyer(id: u64, login: &str) -> Value {
    json!({"id": id, "login": login, "photo": Value::Null})
}

/// Items the test account favourited (other sellers' listings).
pub fn favourites(host: &str) -> Vec<Value> {
    vec![
        json!({"id": 6002, "title": "Manteau Sandro", "price": {"amount": "60.00", "currency_code": "EUR"}, "user": buyer(6203, "autre_vendeur"), "url": format!("http://{host}/items/6002"), "is_closed": true}),
        json!({"id": 6003, "title": "Jean Levi's 501", "price": {"amount": "22.00", "currency_code": "EUR"}, "user": buyer(6204, "vintage_jo"), "url": format!("http://{host}/items/6003"), "is_closed": false}),
    ]
}
