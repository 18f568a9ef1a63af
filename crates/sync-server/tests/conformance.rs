//! One suite, both backends: every scenario runs on SQLite and on PostgreSQL (started by
//! `scripts/with-test-postgres`), and must behave the same.

mod support {
    pub mod backends;
}

use rusqlite::types::Value;
use seller_sync::hlc::Hlc;
use seller_sync::merge::{Cell, Life, RowChange};
use seller_sync::protocol::{ApiErrorCode, PushBatch, REFERENCE_SCOPE, Role};
use seller_sync::tables::user_scope;
use seller_sync_server::auth::{hash_password, verify_password};
use seller_sync_server::push::PushContext;
use seller_sync_server::storage::{NewUser, Storage, StorageError};
use support::backends::sql_rows;

const NOW: u64 = 1_765_000_000_000;

fn hlc(ms_after_now: u64) -> Hlc {
    Hlc::new(NOW + ms_after_now, 0)
}

fn text(v: &str) -> Value {
    Value::Text(v.to_owned())
}

/// A row change from one device: a life (if `cl`), and cells, all stamped `at`.
fn row(
    table: &str,
    pk: &str,
    cl: Option<i64>,
    cells: &[(&str, Value)],
    device: &str,
    at: Hlc,
) -> RowChange {
    RowChange {
        table: table.into(),
        pk: pk.into(),
        life: cl.map(|cl| Life {
            cl,
            hlc: at,
            device: device.into(),
        }),
        cells: cells
            .iter()
            .map(|(c, v)| Cell {
                column: (*c).into(),
                value: v.clone(),
                hlc: at,
                device: device.into(),
            })
            .collect(),
    }
}

fn shop_row(id: &str, owner: &str, slug: &str, device: &str, at: Hlc) -> RowChange {
    row(
        "shops",
        id,
        Some(1),
        &[
            ("owner_id", text(owner)),
            ("name", text("Boutique")),
            ("slug", text(slug)),
            ("created_at", text("2026-12-01T10:00:00.000Z")),
            ("updated_at", text("2026-12-01T10:00:00.000Z")),
        ],
        device,
        at,
    )
}

fn product_row(id: &str, shop: &str, sku: &str, price: i64, device: &str, at: Hlc) -> RowChange {
    row(
        "seller_products",
        id,
        Some(1),
        &[
            ("shop_id", text(shop)),
            ("sku", text(sku)),
            ("title", text("Robe")),
            ("price", Value::Integer(price)),
            ("status", text("draft")),
        ],
        device,
        at,
    )
}

async fn new_seller<S: Storage>(storage: &S, email: &str) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    storage
        .create_user(
            &NewUser {
                id: id.clone(),
                name: "Camille".into(),
                email: email.into(),
                password_hash: hash_password("motdepasse-sûr").unwrap(),
                role: Role::Seller,
            },
            hlc(0),
        )
        .await
        .unwrap();
    id
}

fn ctx(device: &str, user: &str, shops: &[&str]) -> PushContext {
    PushContext {
        device_id: device.into(),
        user_id: user.into(),
        role: Role::Seller,
        shops: shops.iter().map(|s| s.to_string()).collect(),
    }
}

fn batch(seq: i64, rows: Vec<RowChange>) -> PushBatch {
    PushBatch {
        device_seq: seq,
        rows,
    }
}

fn refusal(result: Result<impl std::fmt::Debug, StorageError>) -> ApiErrorCode {
    match result {
        Err(StorageError::Refused(e)) => e.code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A seller's device pushes a shop and a product; the same batch again is acknowledged only.
async fn push_pull_and_idempotence<S: Storage>(s: &S, db: &str) {
    let user = new_seller(s, "camille@example.fr").await;
    assert_eq!(
        s.user_by_email("CAMILLE@example.FR")
            .await
            .unwrap()
            .unwrap()
            .id,
        user
    );
    let hash = s
        .user_by_email("camille@example.fr")
        .await
        .unwrap()
        .unwrap()
        .password_hash;
    assert!(verify_password("motdepasse-sûr", &hash));

    let device = "dev-a";
    let first = batch(
        1,
        vec![
            shop_row("shop-1", &user, "ma-boutique", device, hlc(1)),
            product_row("p-1", "shop-1", "SKU-1", 1500, device, hlc(1)),
        ],
    );
    let response = s.push(&ctx(device, &user, &[]), &first, NOW).await.unwrap();
    assert_eq!(response.acked, vec![1]);
    assert_eq!(s.shops_of(&user).await.unwrap(), vec!["shop-1".to_owned()]);

    let page = s.pull("shop-1", 0, 100).await.unwrap();
    let keys: Vec<_> = page
        .rows
        .iter()
        .map(|r| (r.table.as_str(), r.pk.as_str()))
        .collect();
    assert_eq!(keys, vec![("shops", "shop-1"), ("seller_products", "p-1")]);
    assert!(!page.has_more);
    let product = &page.rows[1];
    assert_eq!(product.life.as_ref().unwrap().cl, 1);
    let price = product.cells.iter().find(|c| c.column == "price").unwrap();
    assert_eq!(price.value, Value::Integer(1500));

    // The same batch (a lost answer, sent again): acknowledged, not applied again.
    let again = s
        .push(&ctx(device, &user, &["shop-1"]), &first, NOW)
        .await
        .unwrap();
    assert_eq!(again.acked, vec![1]);
    let after = s.pull("shop-1", page.cursor, 100).await.unwrap();
    assert!(after.rows.is_empty(), "{after:?}");
    assert_eq!(after.cursor, page.cursor);

    // The typed tables answer plain SQL, in step with the log; the hash stays on the server.
    assert_eq!(
        sql_rows(db, "SELECT sku, price, title FROM seller_products").await,
        vec!["SKU-1|1500|Robe"]
    );
    assert_eq!(
        sql_rows(
            db,
            "SELECT s.slug, u.email FROM shops s JOIN users u ON u.id = s.owner_id"
        )
        .await,
        vec!["ma-boutique|camille@example.fr"]
    );
    assert!(sql_rows(db, "SELECT password FROM users").await[0].starts_with("$argon2id$"));

    // The user's own row: in their scope, without the password hash.
    let own = s.pull(&user_scope(&user), 0, 10).await.unwrap();
    assert_eq!(own.rows.len(), 1);
    assert!(own.rows[0].cells.iter().all(|c| c.column != "password"));
    assert!(own.rows[0].cells.iter().any(|c| c.column == "email"));
}

/// Per-cell last writer wins on (HLC, device); a delete beats older edits; a re-creation wins.
async fn merge_rules<S: Storage>(s: &S, db: &str) {
    let user = new_seller(s, "merge@example.fr").await;
    let (a, b) = ("dev-a", "dev-b");
    let c = |d| ctx(d, &user, &["shop-m"]);
    s.push(
        &ctx(a, &user, &[]),
        &batch(
            1,
            vec![
                shop_row("shop-m", &user, "m", a, hlc(1)),
                product_row("p", "shop-m", "S", 100, a, hlc(1)),
            ],
        ),
        NOW,
    )
    .await
    .unwrap();
    // b edits the price later, a edits the title later still but the price earlier.
    s.push(
        &c(b),
        &batch(
            1,
            vec![row(
                "seller_products",
                "p",
                None,
                &[("price", Value::Integer(300))],
                b,
                hlc(30),
            )],
        ),
        NOW,
    )
    .await
    .unwrap();
    s.push(
        &c(a),
        &batch(
            2,
            vec![row(
                "seller_products",
                "p",
                None,
                &[("price", Value::Integer(200)), ("title", text("Jupe"))],
                a,
                hlc(20),
            )],
        ),
        NOW,
    )
    .await
    .unwrap();
    let page = s.pull("shop-m", 0, 100).await.unwrap();
    let p = page.rows.iter().find(|r| r.pk == "p").unwrap();
    let cell = |name: &str| {
        p.cells
            .iter()
            .find(|c| c.column == name)
            .unwrap()
            .value
            .clone()
    };
    assert_eq!(cell("price"), Value::Integer(300), "the later stamp wins");
    assert_eq!(cell("title"), text("Jupe"));
    assert_eq!(
        sql_rows(db, "SELECT price, title FROM seller_products").await,
        vec!["300|Jupe"]
    );

    // a deletes (cl 2); b's edit made before it saw the delete is stale.
    s.push(
        &c(a),
        &batch(
            3,
            vec![row("seller_products", "p", Some(2), &[], a, hlc(40))],
        ),
        NOW,
    )
    .await
    .unwrap();
    s.push(
        &c(b),
        &batch(
            2,
            vec![row(
                "seller_products",
                "p",
                None,
                &[("price", Value::Integer(999))],
                b,
                hlc(50),
            )],
        ),
        NOW,
    )
    .await
    .unwrap();
    let page = s.pull("shop-m", 0, 100).await.unwrap();
    let p = page.rows.iter().find(|r| r.pk == "p").unwrap();
    assert_eq!(p.life.as_ref().unwrap().cl, 2);
    assert!(p.cells.is_empty(), "a deleted row sends no cells");
    assert!(
        sql_rows(db, "SELECT id FROM seller_products")
            .await
            .is_empty()
    );

    // b re-creates it: cl 3 wins, whole.
    let mut again = product_row("p", "shop-m", "S", 777, b, hlc(60));
    again.life.as_mut().unwrap().cl = 3;
    s.push(&c(b), &batch(3, vec![again]), NOW).await.unwrap();
    let page = s.pull("shop-m", 0, 100).await.unwrap();
    let p = page.rows.iter().find(|r| r.pk == "p").unwrap();
    assert_eq!(p.life.as_ref().unwrap().cl, 3);
    assert_eq!(
        p.cells.iter().find(|c| c.column == "price").unwrap().value,
        Value::Integer(777)
    );
    assert_eq!(
        sql_rows(
            db,
            "SELECT price, title FROM seller_products WHERE id = 'p'"
        )
        .await,
        vec!["777|Robe"]
    );
}

/// A seller can neither write nor move rows outside their shops, nor write reference data, nor
/// stamp changes as another device.
async fn scope_checks<S: Storage>(s: &S, db: &str) {
    let alice = new_seller(s, "alice@example.fr").await;
    let bob = new_seller(s, "bob@example.fr").await;
    s.push(
        &ctx("alice-1", &alice, &[]),
        &batch(
            1,
            vec![
                shop_row("shop-a", &alice, "a", "alice-1", hlc(1)),
                product_row("pa", "shop-a", "A", 1, "alice-1", hlc(1)),
            ],
        ),
        NOW,
    )
    .await
    .unwrap();
    s.push(
        &ctx("bob-1", &bob, &[]),
        &batch(1, vec![shop_row("shop-b", &bob, "b", "bob-1", hlc(1))]),
        NOW,
    )
    .await
    .unwrap();
    let bob_ctx = ctx("bob-1", &bob, &["shop-b"]);
    // Bob writes into Alice's shop: a new product there, and an edit of hers.
    let code = refusal(
        s.push(
            &bob_ctx,
            &batch(
                2,
                vec![product_row("pb", "shop-a", "B", 1, "bob-1", hlc(2))],
            ),
            NOW,
        )
        .await,
    );
    assert_eq!(code, ApiErrorCode::OutOfScope);
    let code = refusal(
        s.push(
            &bob_ctx,
            &batch(
                3,
                vec![row(
                    "seller_products",
                    "pa",
                    None,
                    &[("price", Value::Integer(1))],
                    "bob-1",
                    hlc(3),
                )],
            ),
            NOW,
        )
        .await,
    );
    assert_eq!(code, ApiErrorCode::OutOfScope);
    // Alice moves her product to Bob's shop.
    let alice_ctx = ctx("alice-1", &alice, &["shop-a"]);
    let code = refusal(
        s.push(
            &alice_ctx,
            &batch(
                2,
                vec![row(
                    "seller_products",
                    "pa",
                    None,
                    &[("shop_id", text("shop-b"))],
                    "alice-1",
                    hlc(4),
                )],
            ),
            NOW,
        )
        .await,
    );
    assert_eq!(code, ApiErrorCode::MovesBetweenShops);
    // Reference data, a shop given to someone else, a foreign stamp, an unsynced column.
    let code = refusal(
        s.push(
            &alice_ctx,
            &batch(
                3,
                vec![row(
                    "categories",
                    "c1",
                    Some(1),
                    &[("name", text("Robes")), ("slug", text("robes"))],
                    "alice-1",
                    hlc(5),
                )],
            ),
            NOW,
        )
        .await,
    );
    assert_eq!(code, ApiErrorCode::OutOfScope);
    let code = refusal(
        s.push(
            &alice_ctx,
            &batch(
                4,
                vec![row(
                    "shops",
                    "shop-a",
                    None,
                    &[("owner_id", text(&bob))],
                    "alice-1",
                    hlc(6),
                )],
            ),
            NOW,
        )
        .await,
    );
    assert_eq!(code, ApiErrorCode::OutOfScope);
    let code = refusal(
        s.push(
            &alice_ctx,
            &batch(
                5,
                vec![row(
                    "seller_products",
                    "pa",
                    None,
                    &[("price", Value::Integer(2))],
                    "bob-1",
                    hlc(7),
                )],
            ),
            NOW,
        )
        .await,
    );
    assert_eq!(code, ApiErrorCode::ForeignDevice);
    let code = refusal(
        s.push(
            &alice_ctx,
            &batch(
                6,
                vec![row(
                    "users",
                    &alice,
                    None,
                    &[("password", text("$argon2id$x"))],
                    "alice-1",
                    hlc(8),
                )],
            ),
            NOW,
        )
        .await,
    );
    assert_eq!(code, ApiErrorCode::UnknownTable);
    // Nothing of the refused batches landed: Alice's product is as she made it, in her shop.
    let page = s.pull("shop-a", 0, 100).await.unwrap();
    let pa = page.rows.iter().find(|r| r.pk == "pa").unwrap();
    assert_eq!(
        pa.cells.iter().find(|c| c.column == "price").unwrap().value,
        Value::Integer(1)
    );
    assert!(page.rows.iter().all(|r| r.pk != "pb"));
    assert!(
        s.pull("shop-b", 0, 100)
            .await
            .unwrap()
            .rows
            .iter()
            .all(|r| r.table == "shops")
    );
    // A refused batch is not recorded as applied: fixed and sent again under its number, it lands.
    s.push(
        &alice_ctx,
        &batch(
            2,
            vec![row(
                "seller_products",
                "pa",
                None,
                &[("price", Value::Integer(5))],
                "alice-1",
                hlc(9),
            )],
        ),
        NOW,
    )
    .await
    .unwrap();
    let page = s.pull("shop-a", 0, 100).await.unwrap();
    let pa = page.rows.iter().find(|r| r.pk == "pa").unwrap();
    assert_eq!(
        pa.cells.iter().find(|c| c.column == "price").unwrap().value,
        Value::Integer(5)
    );
    assert_eq!(
        sql_rows(db, "SELECT id, shop_id, price FROM seller_products").await,
        vec!["pa|shop-a|5"]
    );
}

/// A stamp dated 2100 is brought back to the server's clock, and the answer says so.
async fn far_future_clocks_are_clamped<S: Storage>(s: &S, db: &str) {
    let user = new_seller(s, "clock@example.fr").await;
    let year_2100 = Hlc::new(4_102_444_800_000, 0);
    let response = s
        .push(
            &ctx("d", &user, &[]),
            &batch(1, vec![shop_row("shop-c", &user, "c", "d", year_2100)]),
            NOW,
        )
        .await
        .unwrap();
    assert!(!response.clamped.is_empty());
    assert!(
        response
            .clamped
            .iter()
            .all(|c| c.hlc.wall_ms() < NOW + 60_000)
    );
    let page = s.pull("shop-c", 0, 10).await.unwrap();
    assert!(
        page.rows[0]
            .cells
            .iter()
            .all(|c| c.hlc.wall_ms() < NOW + 60_000)
    );
    // A later edit at a sane time now wins over the clamped one.
    s.push(
        &ctx("d", &user, &["shop-c"]),
        &batch(
            2,
            vec![row(
                "shops",
                "shop-c",
                None,
                &[("name", text("Nouveau nom"))],
                "d",
                Hlc::new(NOW + 120_000, 0),
            )],
        ),
        NOW + 120_000,
    )
    .await
    .unwrap();
    let page = s.pull("shop-c", 0, 10).await.unwrap();
    let name = page.rows[0]
        .cells
        .iter()
        .find(|c| c.column == "name")
        .unwrap();
    assert_eq!(name.value, text("Nouveau nom"));
    assert_eq!(
        sql_rows(db, "SELECT name FROM shops WHERE id = 'shop-c'").await,
        vec!["Nouveau nom"]
    );
}

/// Pages follow the sequence; a row changed again moves to the end and is sent once.
async fn pages_follow_the_sequence<S: Storage>(s: &S, db: &str) {
    let user = new_seller(s, "pages@example.fr").await;
    let mut rows = vec![shop_row("shop-p", &user, "p", "d", hlc(1))];
    for i in 0..24 {
        rows.push(product_row(
            &format!("p{i:02}"),
            "shop-p",
            &format!("S{i}"),
            i,
            "d",
            hlc(1),
        ));
    }
    s.push(&ctx("d", &user, &[]), &batch(1, rows), NOW)
        .await
        .unwrap();
    s.push(
        &ctx("d", &user, &["shop-p"]),
        &batch(
            2,
            vec![row(
                "seller_products",
                "p00",
                None,
                &[("title", text("Dernier"))],
                "d",
                hlc(2),
            )],
        ),
        NOW,
    )
    .await
    .unwrap();
    let mut after = 0;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = s.pull("shop-p", after, 10).await.unwrap();
        pages += 1;
        assert!(page.cursor > after || page.rows.is_empty());
        seen.extend(page.rows.iter().map(|r| r.pk.clone()));
        after = page.cursor;
        if !page.has_more {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 25, "each row once: {seen:?}");
    assert_eq!(
        seen.last().unwrap(),
        "p00",
        "the row changed last comes last"
    );
    // From a cursor past a row's creation, the changed row comes whole, its new title in it
    // (a row moves to the end at each change: cells changed before a later page's cursor would
    // otherwise be missed).
    let page = s.pull("shop-p", after - 1, 10).await.unwrap();
    assert_eq!(page.rows.len(), 1);
    let cols: Vec<_> = page.rows[0]
        .cells
        .iter()
        .map(|c| c.column.as_str())
        .collect();
    assert_eq!(cols, vec!["price", "shop_id", "sku", "status", "title"]);
    let title = page.rows[0]
        .cells
        .iter()
        .find(|c| c.column == "title")
        .unwrap();
    assert_eq!(title.value, text("Dernier"));
    assert_eq!(
        sql_rows(db, "SELECT count(*) FROM seller_products").await,
        vec!["24"]
    );
}

/// Device tokens: recorded, found, revoked; a device of one user cannot be taken by another.
async fn devices_and_tokens<S: Storage>(s: &S, _db: &str) {
    let user = new_seller(s, "tokens@example.fr").await;
    let other = new_seller(s, "other@example.fr").await;
    s.register_device("laptop", &user, "Portable", "hash-1")
        .await
        .unwrap();
    let found = s.device_by_token("hash-1").await.unwrap().unwrap();
    assert_eq!(
        (found.device_id.as_str(), found.user_id.as_str(), found.role),
        ("laptop", user.as_str(), Role::Seller)
    );
    // Signing in again replaces the token.
    s.register_device("laptop", &user, "Portable", "hash-2")
        .await
        .unwrap();
    assert!(s.device_by_token("hash-1").await.unwrap().is_none());
    assert!(s.device_by_token("hash-2").await.unwrap().is_some());
    s.revoke_token("hash-2").await.unwrap();
    assert!(s.device_by_token("hash-2").await.unwrap().is_none());
    assert_eq!(
        refusal(s.register_device("laptop", &other, "x", "hash-3").await),
        ApiErrorCode::ForeignDevice
    );
    assert!(s.all_scopes().await.unwrap().contains(&user_scope(&user)));
    assert!(
        !s.all_scopes()
            .await
            .unwrap()
            .contains(&REFERENCE_SCOPE.to_owned())
    );
}

macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let fresh = super::support::backends::sqlite();
                    super::$scenario(&fresh.storage, &fresh.location).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let fresh = super::support::backends::postgres().await;
                    super::$scenario(&fresh.storage, &fresh.location).await;
                }
            )*
        }
    };
}

on_both_backends!(
    push_pull_and_idempotence,
    merge_rules,
    scope_checks,
    far_future_clocks_are_clamped,
    pages_follow_the_sequence,
    devices_and_tokens,
);
