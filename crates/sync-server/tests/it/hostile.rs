//! Hostile requests against the real server over HTTP, on both backends.
//!
//! A property test throws random and malicious push and pull requests at a server a seller is
//! signed in to, as that seller: JSON of the wrong types, huge and empty values, unknown tables
//! and columns, ids that are not UUIDs, forged devices, stamps far in the future, other users'
//! scopes, changes of a users row. Each must be refused with its error code (never a 5xx), and a
//! refused request must change nothing the server holds (its sync log, scopes, applied batches
//! and typed tables are compared before and after). Beside it, the users row and the e-mail
//! change as a client meets them.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};

use proptest::prelude::*;
use proptest::strategy::Union;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use seller_sync_core::hlc::{Hlc, wall_ms_now};
use seller_sync_core::protocol::{
    ApiError, ApiErrorCode, PushBatch, PushResponse, Role, SCHEMA_HEADER,
};
use seller_sync_core::protocol::{Cell, Life, RowChange};
use seller_sync_core::tables::{SYNCED_TABLES, user_scope};
use seller_sync_core::value::Value;
use seller_sync_server::api::{Limits, status_of};
use seller_sync_server::auth::hash_password;
use seller_sync_server::push::{MAX_AHEAD_MS, PushContext};
use seller_sync_server::schema::{supported_schema, typed_tables};
use seller_sync_server::storage::{NewUser, Storage};
use seller_sync_server::validate::{
    MAX_CAUSAL_LENGTH, MAX_CELL_BYTES, check_email, is_canonical_uuid,
};
use serde_json::{Value as Json, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PASSWORD: &str = "un mot de passe solide";
/// The device the hostile seller signs in with.
const DEVICE: &str = "dev-a";
/// Cases per backend (`PROPTEST_CASES` overrides it): every kind of attack several times over,
/// in a few seconds.
const CASES: u32 = 96;

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Device sequence numbers, fresh for every batch: a batch number already applied would only be
/// acknowledged, never checked.
fn next_seq() -> i64 {
    static SEQ: AtomicI64 = AtomicI64::new(1_000);
    SEQ.fetch_add(1, Ordering::Relaxed)
}

fn now_hlc() -> u64 {
    Hlc::new(wall_ms_now(), 0).to_i64() as u64
}

// ---------------------------------------------------------------------------------------------
// HTTP, spoken by hand: a hostile client sends what no well-behaved library would.

struct Answer {
    status: u16,
    /// The status line and headers.
    head: String,
    body: String,
}

async fn http(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> Answer {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    // The server may answer (and close) before reading a body it refuses: what it said counts.
    let _ = stream.write_all(body).await;
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    Answer {
        status,
        head: head.to_owned(),
        body: if chunked {
            dechunk(body)
        } else {
            body.to_owned()
        },
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// Every byte but letters and digits percent-encoded, for a query string.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// What the server holds, read with plain SQL.

enum Db {
    Sqlite(String),
    Postgres(tokio_postgres::Client),
}

/// Each table of the dump and the order its rows are read in.
fn dumped_tables() -> Vec<(String, String)> {
    let mut tables = vec![
        ("sync_cells".to_owned(), "tbl, pk, col".to_owned()),
        ("sync_scopes".to_owned(), "scope".to_owned()),
        (
            "sync_batches".to_owned(),
            "device_id, device_seq".to_owned(),
        ),
    ];
    tables.extend(
        SYNCED_TABLES
            .iter()
            .map(|t| (t.name.to_owned(), "id".to_owned())),
    );
    tables
}

impl Db {
    async fn open(location: &str) -> Db {
        match location.strip_prefix("sqlite:") {
            Some(path) => Db::Sqlite(path.to_owned()),
            None => {
                let (client, connection) = tokio_postgres::connect(location, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(connection);
                Db::Postgres(client)
            }
        }
    }

    /// Every row of the sync log, the scopes, the applied batches and the typed tables.
    async fn dump(&self) -> Vec<String> {
        match self {
            Db::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                let mut all = Vec::new();
                for (table, order) in dumped_tables() {
                    let mut stmt = conn
                        .prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))
                        .unwrap();
                    let n = stmt.column_count();
                    let rows = stmt
                        .query_map([], |r| {
                            let cells: Vec<String> = (0..n)
                                .map(|i| {
                                    format!("{:?}", r.get::<_, rusqlite::types::Value>(i).unwrap())
                                })
                                .collect();
                            Ok(format!("{table}: {}", cells.join("|")))
                        })
                        .unwrap();
                    all.extend(rows.map(Result::unwrap));
                }
                all
            }
            Db::Postgres(client) => {
                let sql = dumped_tables()
                    .iter()
                    .map(|(table, order)| {
                        format!(
                            "(SELECT '{table}' AS t, row_to_json(x)::text AS r
                              FROM (SELECT * FROM {table} ORDER BY {order}) x)"
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" UNION ALL ");
                client
                    .query(&format!("SELECT t, r FROM ({sql}) u ORDER BY t, r"), &[])
                    .await
                    .unwrap()
                    .iter()
                    .map(|row| format!("{}: {}", row.get::<_, String>(0), row.get::<_, String>(1)))
                    .collect()
            }
        }
    }

    /// The greatest stamp the server keeps for a row.
    async fn max_hlc(&self, pk: &str) -> Option<i64> {
        let sql = "SELECT max(hlc) FROM sync_cells WHERE pk = ";
        match self {
            Db::Sqlite(path) => rusqlite::Connection::open(path)
                .unwrap()
                .query_row(&format!("{sql}?1"), [pk], |r| r.get(0))
                .unwrap(),
            Db::Postgres(client) => client
                .query_one(&format!("{sql}$1"), &[&pk])
                .await
                .unwrap()
                .get(0),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Two sellers, each with a shop; the first signed in over HTTP.

#[derive(Debug, Clone)]
struct Ids {
    user_a: String,
    user_b: String,
    shop_a: String,
    shop_b: String,
    product_a: String,
    product_b: String,
}

struct Server {
    address: SocketAddr,
    /// The token of seller A's device.
    token: String,
    ids: Ids,
    db: Db,
}

async fn add_user<S: Storage>(storage: &S, email: &str, role: Role) -> String {
    let id = new_id();
    storage
        .create_user(
            &NewUser {
                id: id.clone(),
                name: "Camille".into(),
                email: email.into(),
                password_hash: hash_password(PASSWORD).unwrap(),
                role,
            },
            Hlc::new(wall_ms_now(), 0),
        )
        .await
        .unwrap();
    id
}

fn setup_row(table: &str, pk: &str, cells: &[(&str, Value)], device: &str) -> RowChange {
    let hlc = Hlc::new(wall_ms_now(), 0);
    RowChange {
        table: table.into(),
        pk: pk.into(),
        life: Some(Life {
            cl: 1,
            hlc,
            device: device.into(),
        }),
        cells: cells
            .iter()
            .map(|(column, value)| Cell {
                column: (*column).into(),
                value: value.clone(),
                hlc,
                device: device.into(),
            })
            .collect(),
    }
}

/// A seller's shop and one product in it, pushed as their device would.
async fn open_shop<S: Storage>(storage: &S, user: &str, device: &str) -> (String, String) {
    let (shop, product) = (new_id(), new_id());
    let text = |v: &str| Value::Text(v.into());
    let rows = vec![
        setup_row(
            "shops",
            &shop,
            &[
                ("owner_id", text(user)),
                ("name", text("Boutique")),
                ("slug", text(&shop)),
            ],
            device,
        ),
        setup_row(
            "seller_products",
            &product,
            &[
                ("shop_id", text(&shop)),
                ("sku", text("SKU-1")),
                ("title", text("Robe")),
                ("price", Value::Integer(1500)),
                ("status", text("draft")),
            ],
            device,
        ),
    ];
    let ctx = PushContext {
        device_id: device.into(),
        user_id: user.into(),
        role: Role::Seller,
        shops: vec![],
    };
    let batch = PushBatch {
        device_seq: 1,
        rows,
    };
    storage.push(&ctx, &batch, wall_ms_now()).await.unwrap();
    (shop, product)
}

async fn start<S: Storage + Clone>(storage: S, location: &str) -> Server {
    let user_a = add_user(&storage, "a@example.fr", Role::Seller).await;
    let user_b = add_user(&storage, "b@example.fr", Role::Seller).await;
    let (shop_a, product_a) = open_shop(&storage, &user_a, DEVICE).await;
    let (shop_b, product_b) = open_shop(&storage, &user_b, "dev-b").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(seller_sync_server::serve::serve(
        listener,
        seller_sync_server::api::router(storage),
        None,
        std::future::pending(),
    ));
    let token = login(address, "a@example.fr", PASSWORD).await;
    Server {
        address,
        token,
        ids: Ids {
            user_a,
            user_b,
            shop_a,
            shop_b,
            product_a,
            product_b,
        },
        db: Db::open(location).await,
    }
}

fn schema_header() -> (&'static str, String) {
    (SCHEMA_HEADER, supported_schema().max.to_string())
}

async fn login(address: SocketAddr, email: &str, password: &str) -> String {
    let body = json!({
        "email": email, "password": password, "device_id": DEVICE, "device_name": "test",
    });
    let answer = http(
        address,
        "POST",
        "/v1/login",
        &[schema_header(), ("Content-Type", "application/json".into())],
        body.to_string().as_bytes(),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let signed: Json = serde_json::from_str(&answer.body).unwrap();
    signed["token"].as_str().unwrap().to_owned()
}

// ---------------------------------------------------------------------------------------------
// The attacks.

#[derive(Debug, Clone)]
enum Auth {
    Seller,
    Nobody,
    Forged,
    NoSchema,
    Schema(u32),
}

#[derive(Debug, Clone)]
enum Expect {
    Refused(ApiErrorCode),
    /// A read that changes nothing.
    Read,
    /// Taken, with the row's stamps brought back to the server's clock.
    Clamped(String),
}

struct Body(Vec<u8>);

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = String::from_utf8_lossy(&self.0[..self.0.len().min(300)]).into_owned();
        write!(f, "{} bytes: {shown:?}", self.0.len())
    }
}

impl Clone for Body {
    fn clone(&self) -> Body {
        Body(self.0.clone())
    }
}

#[derive(Debug, Clone)]
struct Case {
    what: &'static str,
    method: &'static str,
    path: String,
    auth: Auth,
    json: bool,
    body: Body,
    expect: Expect,
}

fn push_case(what: &'static str, body: Json, expect: Expect) -> Case {
    push_bytes(what, body.to_string().into_bytes(), expect)
}

fn push_bytes(what: &'static str, body: Vec<u8>, expect: Expect) -> Case {
    Case {
        what,
        method: "POST",
        path: "/v1/push".into(),
        auth: Auth::Seller,
        json: true,
        body: Body(body),
        expect,
    }
}

fn refused(code: ApiErrorCode) -> Expect {
    Expect::Refused(code)
}

fn batches(rows_per_batch: Vec<Vec<Json>>) -> Json {
    let batches: Vec<Json> = rows_per_batch
        .into_iter()
        .map(|rows| json!({"device_seq": next_seq(), "rows": rows}))
        .collect();
    json!({ "batches": batches })
}

fn one_batch(rows: Vec<Json>) -> Json {
    batches(vec![rows])
}

fn cell(column: &str, value: Json) -> Json {
    json!({"column": column, "value": value, "hlc": now_hlc(), "device": DEVICE})
}

fn life(cl: i64) -> Json {
    json!({"cl": cl, "hlc": now_hlc(), "device": DEVICE})
}

fn new_row(table: &str, pk: &str, cells: Vec<Json>) -> Json {
    json!({"table": table, "pk": pk, "life": life(1), "cells": cells})
}

fn edit(table: &str, pk: &str, cells: Vec<Json>) -> Json {
    json!({"table": table, "pk": pk, "cells": cells})
}

/// A product of `shop` a device would push: every value its column takes.
fn new_product(pk: &str, shop: &str) -> Json {
    new_row(
        "seller_products",
        pk,
        vec![
            cell("shop_id", json!(shop)),
            cell("sku", json!(format!("SKU-{pk}"))),
            cell("title", json!("Robe")),
            cell("price", json!(1500)),
            cell("status", json!("draft")),
        ],
    )
}

/// `row` with `column` set to `value`.
fn set(mut row: Json, column: &str, value: Json) -> Json {
    let cells = row["cells"].as_array_mut().unwrap();
    cells.retain(|c| c["column"] != column);
    cells.push(cell(column, value));
    row
}

/// Strings that are not canonical UUIDs, some crafted, some random.
fn not_uuids(ids: &Ids) -> BoxedStrategy<String> {
    let uuid = new_id();
    let crafted = vec![
        "admin".to_owned(),
        user_scope(&ids.user_b),
        format!("user:{}", ids.user_a),
        "../../../../tmp/evil".to_owned(),
        "..".to_owned(),
        String::new(),
        uuid.to_uppercase(),
        format!("{{{uuid}}}"),
        uuid.replace('-', ""),
        format!("urn:uuid:{uuid}"),
        format!(" {uuid}"),
        format!("{uuid}\0"),
        format!("{}/../x", ids.shop_a),
    ];
    prop_oneof![
        proptest::sample::select(crafted),
        "\\PC{0,40}".prop_filter("not a UUID", |s| !is_canonical_uuid(s)),
    ]
    .boxed()
}

fn unknown_tables() -> BoxedStrategy<String> {
    let crafted = vec![
        "sync_cells",
        "sync_devices",
        "app_settings",
        "seller_products_fts",
        "sqlite_master",
        "users; DROP TABLE users",
        "Users",
        "",
    ];
    prop_oneof![
        proptest::sample::select(crafted).prop_map(String::from),
        "[a-z_]{0,24}",
    ]
    .prop_filter("not synced", |t| SYNCED_TABLES.iter().all(|s| s.name != t))
    .boxed()
}

fn unknown_product_columns() -> BoxedStrategy<String> {
    let known: Vec<String> = typed_tables()
        .into_iter()
        .find(|t| t.name == "seller_products")
        .unwrap()
        .columns
        .into_iter()
        .map(|c| c.name)
        .filter(|c| !["id", "quantity", "last_sold_at"].contains(&c.as_str()))
        .collect();
    let crafted = vec![
        "id",
        "quantity",
        "last_sold_at",
        "Title",
        "title ",
        "",
        "\"price\"",
    ];
    prop_oneof![
        proptest::sample::select(crafted).prop_map(String::from),
        "[a-z_]{0,24}",
    ]
    .prop_filter("not a synced column", move |c| !known.contains(c))
    .boxed()
}

/// Values of the wrong type (or NULL where the column is NOT NULL) for a product's columns.
fn wrong_types() -> BoxedStrategy<(&'static str, Json)> {
    proptest::sample::select(vec![
        ("price", json!("12")),
        ("price", json!(1.5)),
        ("price", json!(1e300)),
        ("price", json!(u64::MAX)),
        ("price", json!({"blob": "AAE="})),
        ("title", json!(7)),
        ("title", json!(2.5)),
        ("title", json!(true)),
        ("title", json!({"blob": "AAE="})),
        ("title", Json::Null),
        ("sku", Json::Null),
        ("status", Json::Null),
        ("shop_id", json!(5)),
        ("shop_id", Json::Null),
    ])
    .boxed()
}

/// Values that are no SQLite value at all: the request does not parse.
fn unreadable_values() -> BoxedStrategy<Json> {
    proptest::sample::select(vec![
        json!([1, 2]),
        json!({"x": 1}),
        json!({"blob": 5}),
        json!({"blob": "%%%"}),
        json!({}),
    ])
    .boxed()
}

/// Request bodies that are not a push: broken JSON, JSON of the wrong shape or types.
fn malformed_bodies(ids: &Ids) -> BoxedStrategy<Vec<u8>> {
    let valid = one_batch(vec![new_product(&new_id(), &ids.shop_a)]).to_string();
    let len = valid.len();
    let bad_cell = |field: &str, value: Json| {
        let mut row = new_product(&new_id(), &ids.shop_a);
        row["cells"][0][field] = value;
        one_batch(vec![row]).to_string().into_bytes()
    };
    let mut life_float = new_product(&new_id(), &ids.shop_a);
    life_float["life"]["cl"] = json!(1.5);
    let crafted: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"{}".to_vec(),
        b"[]".to_vec(),
        b"null".to_vec(),
        b"\"batches\"".to_vec(),
        br#"{"batches": 5}"#.to_vec(),
        br#"{"batches": [{"device_seq": "1", "rows": []}]}"#.to_vec(),
        br#"{"batches": [{"device_seq": 1, "rows": [{"table": 1, "pk": "x"}]}]}"#.to_vec(),
        br#"{"batches": [{"device_seq": 1, "rows": {"table": "shops"}}]}"#.to_vec(),
        bad_cell("hlc", json!(-1)),
        bad_cell("hlc", json!("1")),
        bad_cell("hlc", json!(1.5)),
        bad_cell("device", json!(7)),
        bad_cell("column", Json::Null),
        one_batch(vec![life_float]).to_string().into_bytes(),
    ];
    prop_oneof![
        proptest::sample::select(crafted),
        (0..len).prop_map(move |cut| valid.as_bytes()[..cut].to_vec()),
        proptest::collection::vec(any::<u8>(), 0..64),
    ]
    .boxed()
}

/// Every attack, each with the refusal it must meet.
fn attacks(ids: Ids) -> BoxedStrategy<Case> {
    let id = ids.clone();
    let mut arms: Vec<BoxedStrategy<Case>> = Vec::new();
    let i = id.clone();
    arms.push(
        unknown_tables()
            .prop_map(move |table| {
                let mut row = new_product(&new_id(), &i.shop_a);
                row["table"] = json!(table);
                push_case(
                    "unknown table",
                    one_batch(vec![row]),
                    refused(ApiErrorCode::UnknownTable),
                )
            })
            .boxed(),
    );
    let i = id.clone();
    arms.push(
        unknown_product_columns()
            .prop_map(move |column| {
                let row = set(new_product(&new_id(), &i.shop_a), &column, json!("x"));
                push_case(
                    "unknown column",
                    one_batch(vec![row]),
                    refused(ApiErrorCode::UnknownTable),
                )
            })
            .boxed(),
    );
    let i = id.clone();
    arms.push(
        (not_uuids(&id), any::<bool>())
            .prop_map(move |(pk, account)| {
                let row = if account {
                    new_row(
                        "seller_accounts",
                        &pk,
                        vec![
                            cell("shop_id", json!(i.shop_a)),
                            cell("name", json!("Compte")),
                        ],
                    )
                } else {
                    new_product(&pk, &i.shop_a)
                };
                push_case(
                    "row id not a UUID",
                    one_batch(vec![row]),
                    refused(ApiErrorCode::InvalidValue),
                )
            })
            .boxed(),
    );
    arms.push(
        (not_uuids(&id), any::<bool>())
            .prop_map(move |(key, photo)| {
                let row = if photo {
                    new_row(
                        "seller_product_photos",
                        &new_id(),
                        vec![
                            cell("product_id", json!(key)),
                            cell("url", json!("photo.jpg")),
                            cell("position", json!(0)),
                        ],
                    )
                } else {
                    new_product(&new_id(), &key)
                };
                let what = "foreign key not a UUID";
                push_case(
                    what,
                    one_batch(vec![row]),
                    refused(ApiErrorCode::InvalidValue),
                )
            })
            .boxed(),
    );
    let i = id.clone();
    arms.push(
        wrong_types()
            .prop_map(move |(column, value)| {
                let row = set(new_product(&new_id(), &i.shop_a), column, value);
                push_case(
                    "wrong type",
                    one_batch(vec![row]),
                    refused(ApiErrorCode::InvalidValue),
                )
            })
            .boxed(),
    );
    let i = id.clone();
    arms.push(
        unreadable_values()
            .prop_map(move |value| {
                let row = set(new_product(&new_id(), &i.shop_a), "title", value);
                push_case(
                    "no SQLite value",
                    one_batch(vec![row]),
                    refused(ApiErrorCode::BadRequest),
                )
            })
            .boxed(),
    );
    let i = id.clone();
    arms.push(
        (1..4096usize, any::<bool>())
            .prop_map(move |(over, accents)| {
                let text = if accents {
                    "é".repeat(MAX_CELL_BYTES / 2 + over)
                } else {
                    "x".repeat(MAX_CELL_BYTES + over)
                };
                let row = set(
                    new_product(&new_id(), &i.shop_a),
                    "description",
                    json!(text),
                );
                push_case(
                    "huge value",
                    one_batch(vec![row]),
                    refused(ApiErrorCode::InvalidValue),
                )
            })
            .boxed(),
    );
    let i = id.clone();
    arms.push(
        ("[a-zA-Z ]{0,20}", "[a-zA-Z ]{0,20}")
            .prop_map(move |(before, after)| {
                let title = format!("{before}\0{after}");
                let row = set(new_product(&new_id(), &i.shop_a), "title", json!(title));
                push_case(
                    "NUL in text",
                    one_batch(vec![row]),
                    refused(ApiErrorCode::InvalidValue),
                )
            })
            .boxed(),
    );
    let i = id.clone();
    arms.push(
        (
            prop_oneof![
                proptest::sample::select(vec!["dev-b", "server", "", "DEV-A", "dev-a "])
                    .prop_map(String::from),
                "\\PC{0,20}",
            ]
            .prop_filter("another device", |d| d != DEVICE),
            any::<bool>(),
        )
            .prop_map(move |(device, on_life)| {
                let mut row = new_product(&new_id(), &i.shop_a);
                if on_life {
                    row["life"]["device"] = json!(device);
                } else {
                    row["cells"][1]["device"] = json!(device);
                }
                push_case(
                    "forged device",
                    one_batch(vec![row]),
                    refused(ApiErrorCode::ForeignDevice),
                )
            })
            .boxed(),
    );
    let i = id.clone();
    arms.push(
        prop_oneof![i64::MIN..=0i64, (MAX_CAUSAL_LENGTH + 1)..=i64::MAX]
            .prop_map(move |cl| {
                let mut row = new_product(&new_id(), &i.shop_a);
                row["life"]["cl"] = json!(cl);
                let what = "impossible causal length";
                push_case(
                    what,
                    one_batch(vec![row]),
                    refused(ApiErrorCode::InvalidValue),
                )
            })
            .boxed(),
    );
    let i = id.clone();
    arms.push(
        (0..8usize)
            .prop_map(move |kind| {
                let out = refused(ApiErrorCode::OutOfScope);
                let (row, expect) = match kind {
                    0 => (new_product(&new_id(), &i.shop_b), out),
                    1 => (
                        edit(
                            "seller_products",
                            &i.product_b,
                            vec![cell("price", json!(1))],
                        ),
                        out,
                    ),
                    2 => (
                        new_row(
                            "shops",
                            &i.shop_b,
                            vec![
                                cell("owner_id", json!(i.user_a)),
                                cell("name", json!("Prise")),
                                cell("slug", json!("prise")),
                            ],
                        ),
                        out,
                    ),
                    3 => (
                        new_row(
                            "shops",
                            &new_id(),
                            vec![
                                cell("owner_id", json!(i.user_b)),
                                cell("name", json!("Offerte")),
                                cell("slug", json!(new_id())),
                            ],
                        ),
                        out,
                    ),
                    4 => (
                        new_row(
                            "categories",
                            &new_id(),
                            vec![cell("name", json!("Robes")), cell("slug", json!("robes"))],
                        ),
                        out,
                    ),
                    5 => (
                        edit("users", &i.user_b, vec![cell("name", json!("Pirate"))]),
                        out,
                    ),
                    6 => (
                        new_row(
                            "seller_accounts",
                            &new_id(),
                            vec![
                                cell("shop_id", json!(i.shop_b)),
                                cell("name", json!("Compte")),
                            ],
                        ),
                        out,
                    ),
                    _ => (
                        edit(
                            "seller_products",
                            &i.product_a,
                            vec![cell("shop_id", json!(i.shop_b))],
                        ),
                        refused(ApiErrorCode::MovesBetweenShops),
                    ),
                };
                push_case("another user's scope", one_batch(vec![row]), expect)
            })
            .boxed(),
    );
    let i = id.clone();
    arms.push(
        (0..8usize, "\\PC{0,30}")
            .prop_map(move |(kind, text)| {
                let own = |cells| edit("users", &i.user_a, cells);
                let row = match kind {
                    0 => own(vec![cell("role", json!("admin"))]),
                    1 => own(vec![cell("email", json!("b@example.fr"))]),
                    2 => own(vec![cell("email", json!(text))]),
                    3 => own(vec![cell("created_at", json!(text))]),
                    4 => own(vec![
                        cell("name", json!(text)),
                        cell("updated_at", json!(text)),
                    ]),
                    5 => json!({"table": "users", "pk": i.user_a, "life": life(2)}),
                    6 => json!({"table": "users", "pk": i.user_a, "life": life(3), "cells": [
                        cell("name", json!("A")), cell("email", json!("a@example.fr")),
                        cell("role", json!("admin")),
                    ]}),
                    _ => new_row(
                        "users",
                        &new_id(),
                        vec![
                            cell("name", json!("Faux")),
                            cell("email", json!("faux@example.fr")),
                            cell("role", json!("admin")),
                        ],
                    ),
                };
                // An e-mail that is none is refused as such, before whose change it would be.
                let code = if kind == 2 && check_email(&text).is_err() {
                    ApiErrorCode::InvalidValue
                } else {
                    ApiErrorCode::ForbiddenField
                };
                let what = "users row beyond the display name";
                push_case(what, one_batch(vec![row]), refused(code))
            })
            .boxed(),
    );
    let i = id.clone();
    arms.push(
        any::<bool>()
            .prop_map(move |same_row| {
                let row = new_product(&new_id(), &i.shop_a);
                let rows = if same_row {
                    vec![row.clone(), row]
                } else {
                    let mut twice = row;
                    let first = twice["cells"][0].clone();
                    twice["cells"].as_array_mut().unwrap().push(first);
                    vec![twice]
                };
                push_case(
                    "twice in a batch",
                    one_batch(rows),
                    refused(ApiErrorCode::BadRequest),
                )
            })
            .boxed(),
    );
    // A good row beside a bad one, or a good batch before a bad one: nothing of either lands.
    let i = id.clone();
    arms.push(
        (not_uuids(&id), any::<bool>(), any::<bool>())
            .prop_map(move |(bad_id, separate, bad_first)| {
                let good = new_product(&new_id(), &i.shop_a);
                let bad = new_product(&bad_id, &i.shop_a);
                let (a, b) = if bad_first { (bad, good) } else { (good, bad) };
                let body = if separate {
                    batches(vec![vec![a], vec![b]])
                } else {
                    one_batch(vec![a, b])
                };
                push_case(
                    "a good row beside a bad one",
                    body,
                    refused(ApiErrorCode::InvalidValue),
                )
            })
            .boxed(),
    );
    // A good batch before one only the server's state refuses (another user's shop, the users
    // row): the request is one transaction, so the good batch does not land either.
    let i = id.clone();
    arms.push(
        any::<bool>()
            .prop_map(move |users_row| {
                let good = new_product(&new_id(), &i.shop_a);
                let (bad, code) = if users_row {
                    (
                        edit("users", &i.user_a, vec![cell("role", json!("admin"))]),
                        ApiErrorCode::ForbiddenField,
                    )
                } else {
                    (new_product(&new_id(), &i.shop_b), ApiErrorCode::OutOfScope)
                };
                push_case(
                    "a good batch before one the server's state refuses",
                    batches(vec![vec![good], vec![bad]]),
                    refused(code),
                )
            })
            .boxed(),
    );
    arms.push(
        malformed_bodies(&id)
            .prop_map(|body| push_bytes("malformed body", body, refused(ApiErrorCode::BadRequest)))
            .boxed(),
    );
    let i = id.clone();
    arms.push(
        any::<bool>()
            .prop_map(move |many_batches| {
                let limits = Limits::default();
                let body = if many_batches {
                    batches(vec![vec![]; limits.batches_per_request + 1])
                } else {
                    let rows = (0..=limits.rows_per_batch)
                        .map(|_| edit("seller_products", &i.product_a, vec![]))
                        .collect();
                    one_batch(rows)
                };
                push_case("too large", body, refused(ApiErrorCode::TooLarge))
            })
            .boxed(),
    );
    let i = id.clone();
    arms.push(
        (0..6usize)
            .prop_map(move |kind| {
                let body = one_batch(vec![new_product(&new_id(), &i.shop_a)]);
                let range = supported_schema();
                let (auth, json, code) = match kind {
                    0 => (Auth::Nobody, true, ApiErrorCode::Unauthorized),
                    1 => (Auth::Forged, true, ApiErrorCode::Unauthorized),
                    2 => (Auth::NoSchema, true, ApiErrorCode::BadRequest),
                    3 => (
                        Auth::Schema(range.min - 1),
                        true,
                        ApiErrorCode::SchemaTooOld,
                    ),
                    4 => (
                        Auth::Schema(range.max + 1),
                        true,
                        ApiErrorCode::SchemaTooNew,
                    ),
                    _ => (Auth::Seller, false, ApiErrorCode::BadRequest),
                };
                Case {
                    auth,
                    json,
                    ..push_case("who asks", body, refused(code))
                }
            })
            .boxed(),
    );
    let i = id.clone();
    arms.push(
        prop_oneof![
            proptest::sample::select(vec![
                i.shop_b.clone(),
                user_scope(&i.user_b),
                "admin".to_owned(),
                user_scope(&new_id()),
                i.shop_a.to_uppercase(),
                format!("{}\0", i.shop_a),
            ]),
            "\\PC{1,30}",
        ]
        .prop_filter("not A's", move |s| {
            ![id.shop_a.clone(), user_scope(&id.user_a)].contains(s)
        })
        .prop_map(|scope| Case {
            what: "pull another scope",
            method: "GET",
            path: format!("/v1/pull?scope={}&after=0&limit=10", encode(&scope)),
            auth: Auth::Seller,
            json: false,
            body: Body(Vec::new()),
            expect: refused(ApiErrorCode::OutOfScope),
        })
        .boxed(),
    );
    let i = ids.clone();
    arms.push(
        (
            proptest::sample::select(vec!["abc", "", "1e3", "99999999999999999999", "0x10"]),
            proptest::sample::select(vec!["-1", "x", "4294967296", "1.5"]),
            0..3usize,
        )
            .prop_map(move |(after, limit, kind)| {
                let scope = encode(&i.shop_a);
                let path = match kind {
                    0 => format!("/v1/pull?scope={scope}&after={after}&limit=10"),
                    1 => format!("/v1/pull?scope={scope}&after=0&limit={limit}"),
                    _ => format!("/v1/pull?after=0&limit={}", encode(limit)),
                };
                Case {
                    what: "pull with unreadable parameters",
                    method: "GET",
                    path,
                    auth: Auth::Seller,
                    json: false,
                    body: Body(Vec::new()),
                    expect: refused(ApiErrorCode::BadRequest),
                }
            })
            .boxed(),
    );
    let i = ids.clone();
    arms.push(
        (
            any::<i64>(),
            prop_oneof![Just(0u32), Just(1), Just(u32::MAX), any::<u32>()],
            any::<bool>(),
        )
            .prop_map(move |(after, limit, own_row)| {
                let scope = if own_row {
                    user_scope(&i.user_a)
                } else {
                    i.shop_a.clone()
                };
                Case {
                    what: "pull with odd bounds",
                    method: "GET",
                    path: format!(
                        "/v1/pull?scope={}&after={after}&limit={limit}",
                        encode(&scope)
                    ),
                    auth: Auth::Seller,
                    json: false,
                    body: Body(Vec::new()),
                    expect: Expect::Read,
                }
            })
            .boxed(),
    );
    let i = ids.clone();
    arms.push(
        prop_oneof![
            Just(i64::MAX as u64),
            Just(u64::MAX),
            Just(1u64 << 62),
            (1u64..100).prop_map(
                |years| Hlc::new(wall_ms_now() + years * 365 * 86_400_000, 0).to_i64() as u64
            ),
        ]
        .prop_map(move |stamp| {
            let pk = new_id();
            let mut row = new_product(&pk, &i.shop_a);
            row["life"]["hlc"] = json!(stamp);
            row["cells"][2]["hlc"] = json!(stamp);
            push_case(
                "stamps far in the future",
                one_batch(vec![row]),
                Expect::Clamped(pk),
            )
        })
        .boxed(),
    );
    Union::new(arms).boxed()
}

async fn send(server: &Server, case: &Case) -> Answer {
    let mut headers = Vec::new();
    match &case.auth {
        Auth::Seller => {
            headers.push(schema_header());
            headers.push(("Authorization", format!("Bearer {}", server.token)));
        }
        Auth::Nobody => headers.push(schema_header()),
        Auth::Forged => {
            headers.push(schema_header());
            headers.push(("Authorization", "Bearer spt_forged".to_owned()));
        }
        Auth::NoSchema => headers.push(("Authorization", format!("Bearer {}", server.token))),
        Auth::Schema(version) => {
            headers.push((SCHEMA_HEADER, version.to_string()));
            headers.push(("Authorization", format!("Bearer {}", server.token)));
        }
    }
    if case.json {
        headers.push(("Content-Type", "application/json".to_owned()));
    }
    http(
        server.address,
        case.method,
        &case.path,
        &headers,
        &case.body.0,
    )
    .await
}

async fn check(server: &Server, case: &Case) -> Result<(), TestCaseError> {
    let before = server.db.dump().await;
    let answer = send(server, case).await;
    prop_assert!(
        answer.status < 500,
        "{}: {} {}",
        case.what,
        answer.status,
        answer.body
    );
    match &case.expect {
        Expect::Refused(code) => {
            let error: ApiError = serde_json::from_str(&answer.body).map_err(|e| {
                TestCaseError::fail(format!(
                    "{}: not an API error ({e}): {}",
                    case.what, answer.body
                ))
            })?;
            prop_assert_eq!(error.code, *code, "{}: {}", case.what, answer.body);
            if *code == ApiErrorCode::BadRequest {
                prop_assert!((400..500).contains(&answer.status), "{}", answer.status);
            } else {
                prop_assert_eq!(answer.status, status_of(*code).as_u16(), "{}", case.what);
            }
            prop_assert!(
                server.db.dump().await == before,
                "{}: a refused request changed what the server holds",
                case.what
            );
        }
        Expect::Read => {
            prop_assert_eq!(answer.status, 200, "{}: {}", case.what, answer.body);
            prop_assert!(
                server.db.dump().await == before,
                "{}: a read changed the server",
                case.what
            );
        }
        Expect::Clamped(pk) => {
            prop_assert_eq!(answer.status, 200, "{}: {}", case.what, answer.body);
            let response: PushResponse = serde_json::from_str(&answer.body).unwrap();
            prop_assert!(!response.clamped.is_empty(), "{}", answer.body);
            let bound = Hlc::new(wall_ms_now() + MAX_AHEAD_MS, u16::MAX).to_i64();
            let kept = server.db.max_hlc(pk).await;
            prop_assert!(kept.is_some_and(|hlc| hlc <= bound), "{kept:?} > {bound}");
        }
    }
    Ok(())
}

fn run_property(backend: &str) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // The backend's data (a temporary folder for SQLite) lives as long as the test.
    let (server, _data): (Server, Box<dyn std::any::Any>) = runtime.block_on(async {
        if backend == "sqlite" {
            let fresh = crate::support::backends::sqlite();
            let server = start(fresh.storage.clone(), &fresh.location).await;
            (server, Box::new(fresh) as Box<dyn std::any::Any>)
        } else {
            let fresh = crate::support::backends::postgres().await;
            let server = start(fresh.storage.clone(), &fresh.location).await;
            (server, Box::new(fresh) as Box<dyn std::any::Any>)
        }
    });
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(CASES);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&attacks(server.ids.clone()), |case| {
            runtime.block_on(check(&server, &case))
        })
        .unwrap();
}

#[test]
fn hostile_requests_are_refused_and_change_nothing_on_sqlite() {
    run_property("sqlite");
}

#[test]
fn hostile_requests_are_refused_and_change_nothing_on_postgres() {
    run_property("postgres");
}

// ---------------------------------------------------------------------------------------------
// The users row and the e-mail change, as a client meets them.

/// A request of seller A's device (`token`), or of no one.
async fn as_seller(
    server: &Server,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Json,
) -> Answer {
    let mut headers = vec![
        schema_header(),
        ("Content-Type", "application/json".to_owned()),
    ];
    if let Some(token) = token {
        headers.push(("Authorization", format!("Bearer {token}")));
    }
    let body = if body.is_null() {
        Vec::new()
    } else {
        body.to_string().into_bytes()
    };
    http(server.address, method, path, &headers, &body).await
}

fn code_of(answer: &Answer) -> ApiErrorCode {
    serde_json::from_str::<ApiError>(&answer.body)
        .unwrap_or_else(|e| panic!("not an API error ({e}): {} {}", answer.status, answer.body))
        .code
}

/// A seller pushing `role = admin` on their own row is refused and stays a seller; their
/// e-mail changes only through its own request, with the password (a wrong one is refused, and
/// guessing it with a stolen token is throttled), never to another user's.
async fn users_row_and_email_over_http<S: Storage + Clone>(storage: S, location: &str) {
    let server = start(storage, location).await;
    let token = Some(server.token.as_str());
    let ids = server.ids.clone();
    let user_a = ids.user_a.as_str();
    let push = |cells: Vec<Json>| one_batch(vec![edit("users", user_a, cells)]);

    let answer = as_seller(
        &server,
        token,
        "POST",
        "/v1/push",
        push(vec![cell("role", json!("admin"))]),
    )
    .await;
    assert_eq!(
        (answer.status, code_of(&answer)),
        (403, ApiErrorCode::ForbiddenField)
    );
    let me = as_seller(&server, token, "GET", "/v1/me", Json::Null).await;
    assert_eq!(me.status, 200);
    assert_eq!(
        serde_json::from_str::<Json>(&me.body).unwrap()["role"],
        "seller"
    );
    let answer = as_seller(
        &server,
        token,
        "POST",
        "/v1/push",
        push(vec![cell("email", json!("x@example.fr"))]),
    )
    .await;
    assert_eq!(
        (answer.status, code_of(&answer)),
        (403, ApiErrorCode::ForbiddenField)
    );
    let answer = as_seller(
        &server,
        token,
        "POST",
        "/v1/push",
        push(vec![cell("name", json!("Camille A."))]),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);

    let change = |email: &str, password: &str| json!({"email": email, "password": password});
    let path = "/v1/account/email";
    let attempts = [
        (
            None,
            change("nouvelle@example.fr", PASSWORD),
            401,
            ApiErrorCode::Unauthorized,
        ),
        (
            token,
            change("nouvelle@example.fr", "pas le bon"),
            401,
            ApiErrorCode::BadCredentials,
        ),
        (
            token,
            change("B@EXAMPLE.FR", PASSWORD),
            409,
            ApiErrorCode::EmailTaken,
        ),
        (
            token,
            change("pas une adresse", PASSWORD),
            422,
            ApiErrorCode::InvalidValue,
        ),
    ];
    for (i, (who, body, status, code)) in attempts.into_iter().enumerate() {
        let answer = as_seller(&server, who, "POST", path, body).await;
        assert_eq!(
            (answer.status, code_of(&answer)),
            (status, code),
            "attempt {i}: {}",
            answer.body
        );
    }
    let signs_in = |email: &'static str| {
        let address = server.address;
        async move {
            let body = json!({"email": email, "password": PASSWORD, "device_id": DEVICE, "device_name": "test"});
            let headers = [
                schema_header(),
                ("Content-Type", "application/json".to_owned()),
            ];
            http(
                address,
                "POST",
                "/v1/login",
                &headers,
                body.to_string().as_bytes(),
            )
            .await
            .status
                == 200
        }
    };
    assert!(signs_in("a@example.fr").await, "nothing changed yet");
    let token = login(server.address, "a@example.fr", PASSWORD).await;
    let token = Some(token.as_str());

    let answer = as_seller(
        &server,
        token,
        "POST",
        path,
        change(" Nouvelle@Example.fr ", PASSWORD),
    )
    .await;
    assert_eq!(answer.status, 204, "{}", answer.body);
    assert!(!signs_in("a@example.fr").await);
    assert!(signs_in("nouvelle@example.fr").await);
    let token = login(server.address, "NOUVELLE@example.fr", PASSWORD).await;
    let token = Some(token.as_str());
    // The user's devices get the new e-mail by sync, stamped by the server.
    let pull = format!(
        "/v1/pull?scope={}&after=0&limit=10",
        encode(&user_scope(user_a))
    );
    let page: Json = serde_json::from_str(
        &as_seller(&server, token, "GET", &pull, Json::Null)
            .await
            .body,
    )
    .unwrap();
    let cells = page["rows"][0]["cells"].as_array().unwrap();
    let email = cells.iter().find(|c| c["column"] == "email").unwrap();
    assert_eq!(
        (&email["value"], &email["device"]),
        (&json!("Nouvelle@Example.fr"), &json!("server"))
    );
    let name = cells.iter().find(|c| c["column"] == "name").unwrap();
    assert_eq!(name["value"], "Camille A.");

    // A stolen token cannot guess the password fast: wrong answers are throttled per account.
    let limits = Limits::default();
    for _ in 0..limits.login_failures_per_account {
        let answer = as_seller(
            &server,
            token,
            "POST",
            path,
            change("autre@example.fr", "devine"),
        )
        .await;
        assert_eq!(code_of(&answer), ApiErrorCode::BadCredentials);
    }
    let answer = as_seller(
        &server,
        token,
        "POST",
        path,
        change("autre@example.fr", PASSWORD),
    )
    .await;
    assert_eq!(
        (answer.status, code_of(&answer)),
        (429, ApiErrorCode::RateLimited),
        "{}",
        answer.body
    );
    assert!(
        answer.head.to_ascii_lowercase().contains("retry-after:"),
        "{}",
        answer.head
    );
    assert!(
        signs_in("nouvelle@example.fr").await,
        "the e-mail did not change"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_row_and_email_over_http_on_sqlite() {
    let fresh = crate::support::backends::sqlite();
    users_row_and_email_over_http(fresh.storage.clone(), &fresh.location).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_row_and_email_over_http_on_postgres() {
    let fresh = crate::support::backends::postgres().await;
    users_row_and_email_over_http(fresh.storage.clone(), &fresh.location).await;
}

/// Sign-ins holding what no database keeps (a NUL, which PostgreSQL refuses in text) or beyond
/// any real length are refused as bad requests, never a server failure, and change nothing.
async fn hostile_sign_ins<S: Storage + Clone>(storage: S, location: &str) {
    let server = start(storage, location).await;
    let huge = "x".repeat(2_000_000);
    let id = new_id();
    let attempts = [
        ("a@example.fr\0", id.as_str(), "Portable"),
        ("a@example.fr", "dev\0a", "Portable"),
        ("a@example.fr", id.as_str(), "Porta\0ble"),
        ("a@example.fr", huge.as_str(), "Portable"),
        ("a@example.fr", id.as_str(), huge.as_str()),
    ];
    let before = server.db.dump().await;
    for (email, device, name) in attempts {
        let body =
            json!({"email": email, "password": PASSWORD, "device_id": device, "device_name": name});
        let headers = [
            schema_header(),
            ("Content-Type", "application/json".to_owned()),
        ];
        let answer = http(
            server.address,
            "POST",
            "/v1/login",
            &headers,
            body.to_string().as_bytes(),
        )
        .await;
        assert_eq!(
            (answer.status, code_of(&answer)),
            (400, ApiErrorCode::BadRequest),
            "{email:?} {:?} {:?}",
            &device[..device.len().min(20)],
            &name[..name.len().min(20)]
        );
    }
    assert!(
        server.db.dump().await == before,
        "a refused sign-in changed the server"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_sign_ins_on_sqlite() {
    let fresh = crate::support::backends::sqlite();
    hostile_sign_ins(fresh.storage.clone(), &fresh.location).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_sign_ins_on_postgres() {
    let fresh = crate::support::backends::postgres().await;
    hostile_sign_ins(fresh.storage.clone(), &fresh.location).await;
}
