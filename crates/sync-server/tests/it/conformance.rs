//! One suite, both backends: every scenario runs on SQLite and on PostgreSQL (started by
//! `scripts/with-test-postgres`), and must behave the same.

use crate::support::backends::sql_rows;
use seller_sync_core::hlc::Hlc;
use seller_sync_core::protocol::{ApiErrorCode, PushBatch, REFERENCE_SCOPE, Role};
use seller_sync_core::protocol::{Cell, Life, RowChange};
use seller_sync_core::tables::user_scope;
use seller_sync_core::value::Value;
use seller_sync_server::auth::{hash_password, verify_password};
use seller_sync_server::push::PushContext;
use seller_sync_server::storage::{NewUser, Storage, StorageError};

const NOW: u64 = 1_765_000_000_000;

fn hlc(ms_after_now: u64) -> Hlc {
    Hlc::new(NOW + ms_after_now, 0)
}

/// A canonical UUID named by `name` (the same for the same name), so the scenarios read with
/// names and push the ids the server takes.
fn id(name: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(name.as_bytes());
    let bytes: [u8; 16] = digest[..16].try_into().unwrap();
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
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
    new_user(storage, email, Role::Seller).await.unwrap()
}

async fn new_user<S: Storage>(
    storage: &S,
    email: &str,
    role: Role,
) -> Result<String, StorageError> {
    let id = uuid::Uuid::now_v7().to_string();
    storage
        .create_user(
            &NewUser {
                id: id.clone(),
                name: "Camille".into(),
                email: email.into(),
                password_hash: hash_password("motdepasse-sûr").unwrap(),
                role,
            },
            hlc(0),
        )
        .await?;
    Ok(id)
}

fn admin_ctx(device: &str, admin: &str) -> PushContext {
    PushContext {
        role: Role::Admin,
        ..ctx(device, admin, &[])
    }
}

/// `row` with `column` set to `value` (added, or replacing the cell there).
fn with(mut row: RowChange, column: &str, value: Value) -> RowChange {
    let stamp = row.cells[0].clone();
    row.cells.retain(|c| c.column != column);
    row.cells.push(Cell {
        column: column.into(),
        value,
        ..stamp
    });
    row
}

/// What the server holds, as an operator reads it: the sync log, the scopes' numbers, and the
/// typed tables the scenarios write.
async fn dump(db: &str) -> Vec<String> {
    let mut all = sql_rows(
        db,
        "SELECT tbl, pk, col, scope, coalesce(value, 'NULL'), hlc, device, cl, seq FROM sync_cells
         ORDER BY tbl, pk, col",
    )
    .await;
    all.extend(sql_rows(db, "SELECT scope, seq FROM sync_scopes ORDER BY scope").await);
    for table in [
        "users",
        "shops",
        "categories",
        "seller_accounts",
        "seller_products",
        "seller_product_photos",
    ] {
        let rows = sql_rows(db, &format!("SELECT * FROM {table} ORDER BY id")).await;
        all.extend(rows.into_iter().map(|r| format!("{table}: {r}")));
    }
    all
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
            shop_row(&id("shop-1"), &user, "ma-boutique", device, hlc(1)),
            product_row(&id("p-1"), &id("shop-1"), "SKU-1", 1500, device, hlc(1)),
        ],
    );
    let response = s.push(&ctx(device, &user, &[]), &first, NOW).await.unwrap();
    assert_eq!(response.acked, vec![1]);
    assert_eq!(s.shops_of(&user).await.unwrap(), vec![id("shop-1")]);

    let page = s.pull(&id("shop-1"), 0, 100).await.unwrap();
    let keys: Vec<_> = page
        .rows
        .iter()
        .map(|r| (r.table.as_str(), r.pk.as_str()))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("shops", id("shop-1").as_str()),
            ("seller_products", id("p-1").as_str())
        ]
    );
    assert!(!page.has_more);
    let product = &page.rows[1];
    assert_eq!(product.life.as_ref().unwrap().cl, 1);
    let price = product.cells.iter().find(|c| c.column == "price").unwrap();
    assert_eq!(price.value, Value::Integer(1500));

    // The same batch (a lost answer, sent again): acknowledged, not applied again.
    let again = s
        .push(&ctx(device, &user, &[id("shop-1").as_str()]), &first, NOW)
        .await
        .unwrap();
    assert_eq!(again.acked, vec![1]);
    let after = s.pull(&id("shop-1"), page.cursor, 100).await.unwrap();
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
    let c = |d| ctx(d, &user, &[id("shop-m").as_str()]);
    s.push(
        &ctx(a, &user, &[]),
        &batch(
            1,
            vec![
                shop_row(&id("shop-m"), &user, "m", a, hlc(1)),
                product_row(&id("p"), &id("shop-m"), "S", 100, a, hlc(1)),
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
                &id("p"),
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
                &id("p"),
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
    let page = s.pull(&id("shop-m"), 0, 100).await.unwrap();
    let p = page.rows.iter().find(|r| r.pk == id("p")).unwrap();
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
            vec![row("seller_products", &id("p"), Some(2), &[], a, hlc(40))],
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
                &id("p"),
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
    let page = s.pull(&id("shop-m"), 0, 100).await.unwrap();
    let p = page.rows.iter().find(|r| r.pk == id("p")).unwrap();
    assert_eq!(p.life.as_ref().unwrap().cl, 2);
    assert!(p.cells.is_empty(), "a deleted row sends no cells");
    assert!(
        sql_rows(db, "SELECT id FROM seller_products")
            .await
            .is_empty()
    );

    // b re-creates it: cl 3 wins, whole.
    let mut again = product_row(&id("p"), &id("shop-m"), "S", 777, b, hlc(60));
    again.life.as_mut().unwrap().cl = 3;
    s.push(&c(b), &batch(3, vec![again]), NOW).await.unwrap();
    let page = s.pull(&id("shop-m"), 0, 100).await.unwrap();
    let p = page.rows.iter().find(|r| r.pk == id("p")).unwrap();
    assert_eq!(p.life.as_ref().unwrap().cl, 3);
    assert_eq!(
        p.cells.iter().find(|c| c.column == "price").unwrap().value,
        Value::Integer(777)
    );
    assert_eq!(
        sql_rows(
            db,
            &format!(
                "SELECT price, title FROM seller_products WHERE id = '{}'",
                id("p")
            )
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
                shop_row(&id("shop-a"), &alice, "a", "alice-1", hlc(1)),
                product_row(&id("pa"), &id("shop-a"), "A", 1, "alice-1", hlc(1)),
            ],
        ),
        NOW,
    )
    .await
    .unwrap();
    s.push(
        &ctx("bob-1", &bob, &[]),
        &batch(1, vec![shop_row(&id("shop-b"), &bob, "b", "bob-1", hlc(1))]),
        NOW,
    )
    .await
    .unwrap();
    let bob_ctx = ctx("bob-1", &bob, &[id("shop-b").as_str()]);
    // Bob writes into Alice's shop: a new product there, and an edit of hers.
    let code = refusal(
        s.push(
            &bob_ctx,
            &batch(
                2,
                vec![product_row(
                    &id("pb"),
                    &id("shop-a"),
                    "B",
                    1,
                    "bob-1",
                    hlc(2),
                )],
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
                    &id("pa"),
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
    let alice_ctx = ctx("alice-1", &alice, &[id("shop-a").as_str()]);
    let code = refusal(
        s.push(
            &alice_ctx,
            &batch(
                2,
                vec![row(
                    "seller_products",
                    &id("pa"),
                    None,
                    &[("shop_id", text(&id("shop-b")))],
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
                    &id("c1"),
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
                    &id("shop-a"),
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
                    &id("pa"),
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
    let page = s.pull(&id("shop-a"), 0, 100).await.unwrap();
    let pa = page.rows.iter().find(|r| r.pk == id("pa")).unwrap();
    assert_eq!(
        pa.cells.iter().find(|c| c.column == "price").unwrap().value,
        Value::Integer(1)
    );
    assert!(page.rows.iter().all(|r| r.pk != id("pb")));
    assert!(
        s.pull(&id("shop-b"), 0, 100)
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
                &id("pa"),
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
    let page = s.pull(&id("shop-a"), 0, 100).await.unwrap();
    let pa = page.rows.iter().find(|r| r.pk == id("pa")).unwrap();
    assert_eq!(
        pa.cells.iter().find(|c| c.column == "price").unwrap().value,
        Value::Integer(5)
    );
    assert_eq!(
        sql_rows(db, "SELECT id, shop_id, price FROM seller_products").await,
        vec![format!("{}|{}|5", id("pa"), id("shop-a"))]
    );
}

/// A stamp dated 2100 is brought back to the server's clock, and the answer says so.
async fn far_future_clocks_are_clamped<S: Storage>(s: &S, db: &str) {
    let user = new_seller(s, "clock@example.fr").await;
    let year_2100 = Hlc::new(4_102_444_800_000, 0);
    let response = s
        .push(
            &ctx("d", &user, &[]),
            &batch(1, vec![shop_row(&id("shop-c"), &user, "c", "d", year_2100)]),
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
    let page = s.pull(&id("shop-c"), 0, 10).await.unwrap();
    assert!(
        page.rows[0]
            .cells
            .iter()
            .all(|c| c.hlc.wall_ms() < NOW + 60_000)
    );
    // A later edit at a sane time now wins over the clamped one.
    s.push(
        &ctx("d", &user, &[id("shop-c").as_str()]),
        &batch(
            2,
            vec![row(
                "shops",
                &id("shop-c"),
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
    let page = s.pull(&id("shop-c"), 0, 10).await.unwrap();
    let name = page.rows[0]
        .cells
        .iter()
        .find(|c| c.column == "name")
        .unwrap();
    assert_eq!(name.value, text("Nouveau nom"));
    assert_eq!(
        sql_rows(
            db,
            &format!("SELECT name FROM shops WHERE id = '{}'", id("shop-c"))
        )
        .await,
        vec!["Nouveau nom"]
    );
}

/// Pages follow the sequence; a row changed again moves to the end and is sent once.
async fn pages_follow_the_sequence<S: Storage>(s: &S, db: &str) {
    let user = new_seller(s, "pages@example.fr").await;
    let mut rows = vec![shop_row(&id("shop-p"), &user, "p", "d", hlc(1))];
    for i in 0..24 {
        rows.push(product_row(
            &id(&format!("p{i:02}")),
            &id("shop-p"),
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
        &ctx("d", &user, &[id("shop-p").as_str()]),
        &batch(
            2,
            vec![row(
                "seller_products",
                &id("p00"),
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
        let page = s.pull(&id("shop-p"), after, 10).await.unwrap();
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
        &id("p00"),
        "the row changed last comes last"
    );
    // From a cursor past a row's creation, the changed row comes whole, its new title in it
    // (a row moves to the end at each change: cells changed before a later page's cursor would
    // otherwise be missed).
    let page = s.pull(&id("shop-p"), after - 1, 10).await.unwrap();
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

/// A seller changes nothing of a users row but their own display name: not their role, not
/// their e-mail, not the row's life, nothing of anyone else's, and adds no user. An admin
/// changes roles, to one that exists, and e-mails stay unique.
async fn users_rows_are_the_servers_to_guard<S: Storage>(s: &S, db: &str) {
    let seller = new_seller(s, "seller@example.fr").await;
    let other = new_seller(s, "other@example.fr").await;
    s.register_device("seller-1", &seller, "Portable", "hash-s")
        .await
        .unwrap();
    let me = ctx("seller-1", &seller, &[]);
    let change = |pk: &str, cl: Option<i64>, cells: &[(&str, Value)]| {
        row("users", pk, cl, cells, "seller-1", hlc(1))
    };
    let whole = [
        ("name", text("Camille")),
        ("email", text("pirate@example.fr")),
        ("role", text("admin")),
        ("created_at", text("2026-12-01T10:00:00.000Z")),
        ("updated_at", text("2026-12-01T10:00:00.000Z")),
    ];
    let before = dump(db).await;
    let attempts = [
        (
            change(&seller, None, &[("role", text("admin"))]),
            ApiErrorCode::ForbiddenField,
        ),
        (
            change(&seller, None, &[("email", text("other@example.fr"))]),
            ApiErrorCode::ForbiddenField,
        ),
        (
            change(
                &seller,
                None,
                &[
                    ("name", text("Camille")),
                    ("updated_at", text("2030-01-01T00:00:00.000Z")),
                ],
            ),
            ApiErrorCode::ForbiddenField,
        ),
        // Deleting their own row, then re-creating it whole with another role.
        (change(&seller, Some(2), &[]), ApiErrorCode::ForbiddenField),
        (
            change(&seller, Some(3), &whole),
            ApiErrorCode::ForbiddenField,
        ),
        (
            change(&other, None, &[("name", text("Pirate"))]),
            ApiErrorCode::OutOfScope,
        ),
        (
            change(&other, None, &[("role", text("customer"))]),
            ApiErrorCode::ForbiddenField,
        ),
        (
            change(&id("a new user"), Some(1), &whole),
            ApiErrorCode::ForbiddenField,
        ),
    ];
    for (i, (attempt, code)) in attempts.into_iter().enumerate() {
        let pushed = s.push(&me, &batch(i as i64 + 1, vec![attempt]), NOW).await;
        assert_eq!(refusal(pushed), code, "attempt {i}");
    }
    assert_eq!(dump(db).await, before, "a refused change leaves nothing");
    let role =
        |hash: &'static str| async move { s.device_by_token(hash).await.unwrap().unwrap().role };
    assert_eq!(role("hash-s").await, Role::Seller);

    // Their own display name is theirs to change.
    s.push(
        &me,
        &batch(
            20,
            vec![change(&seller, None, &[("name", text("Camille B."))])],
        ),
        NOW,
    )
    .await
    .unwrap();
    let user_row = |id: &str| format!("SELECT name, role, email FROM users WHERE id = '{id}'");
    assert_eq!(
        sql_rows(db, &user_row(&seller)).await,
        vec!["Camille B.|seller|seller@example.fr"]
    );

    // An admin changes the role, to one that exists, and gives no one an e-mail in use.
    let admin = new_user(s, "admin@example.fr", Role::Admin).await.unwrap();
    let by_admin = |seq: i64, cells: &[(&str, Value)]| {
        batch(
            seq,
            vec![row("users", &seller, None, cells, "admin-1", hlc(3))],
        )
    };
    let admin_ctx = admin_ctx("admin-1", &admin);
    let root = by_admin(1, &[("role", text("root"))]);
    assert_eq!(
        refusal(s.push(&admin_ctx, &root, NOW).await),
        ApiErrorCode::InvalidValue
    );
    let taken = by_admin(2, &[("email", text("OTHER@example.FR"))]);
    assert_eq!(
        refusal(s.push(&admin_ctx, &taken, NOW).await),
        ApiErrorCode::EmailTaken
    );
    assert_eq!(
        sql_rows(db, &user_row(&seller)).await,
        vec!["Camille B.|seller|seller@example.fr"]
    );
    s.push(&admin_ctx, &by_admin(3, &[("role", text("admin"))]), NOW)
        .await
        .unwrap();
    assert_eq!(role("hash-s").await, Role::Admin);
}

/// E-mails are unique whatever their case: a new user or a changed e-mail may not take one in
/// use; a changed e-mail reaches the user's devices, stamped by the server.
async fn emails_are_unique_whatever_their_case<S: Storage>(s: &S, db: &str) {
    let camille = new_seller(s, "camille@example.fr").await;
    let dominique = new_seller(s, "dominique@example.fr").await;
    let clash = new_user(s, "Camille@EXAMPLE.fr", Role::Seller).await;
    assert_eq!(refusal(clash), ApiErrorCode::EmailTaken);
    assert_eq!(sql_rows(db, "SELECT count(*) FROM users").await, vec!["2"]);
    assert_eq!(
        sql_rows(
            db,
            "SELECT count(DISTINCT pk) FROM sync_cells WHERE tbl = 'users'"
        )
        .await,
        vec!["2"],
        "the refused user left nothing in the log"
    );
    let taken = s.change_email(&dominique, "CAMILLE@example.fr", NOW).await;
    assert_eq!(refusal(taken), ApiErrorCode::EmailTaken);
    assert_eq!(
        s.user_by_email("camille@example.fr")
            .await
            .unwrap()
            .unwrap()
            .id,
        camille
    );

    s.change_email(&dominique, "dominique.b@example.fr", NOW)
        .await
        .unwrap();
    assert_eq!(
        s.user_by_email("DOMINIQUE.B@example.fr")
            .await
            .unwrap()
            .unwrap()
            .id,
        dominique
    );
    assert!(
        s.user_by_email("dominique@example.fr")
            .await
            .unwrap()
            .is_none()
    );
    let page = s.pull(&user_scope(&dominique), 0, 10).await.unwrap();
    let email = page.rows[0]
        .cells
        .iter()
        .find(|c| c.column == "email")
        .unwrap();
    assert_eq!(email.value, text("dominique.b@example.fr"));
    assert_eq!(email.device, seller_sync_server::SERVER_DEVICE);
    // Their own address in another case is no clash; the old one is free again.
    s.change_email(&camille, "Camille@Example.fr", NOW)
        .await
        .unwrap();
    new_seller(s, "dominique@example.fr").await;
    assert_eq!(sql_rows(db, "SELECT count(*) FROM users").await, vec!["3"]);
}

/// Row ids and foreign keys are canonical UUIDs, so none names a scope, a path or a user;
/// values have their column's type, are not NULL where it is NOT NULL, hold no NUL and are at
/// most 1 MiB; a batch with one bad row changes nothing.
async fn ids_and_values_are_checked<S: Storage>(s: &S, db: &str) {
    let user = new_seller(s, "ids@example.fr").await;
    let shop = id("shop-v");
    s.push(
        &ctx("d", &user, &[]),
        &batch(1, vec![shop_row(&shop, &user, "v", "d", hlc(1))]),
        NOW,
    )
    .await
    .unwrap();
    let me = ctx("d", &user, &[shop.as_str()]);
    let before = dump(db).await;
    let uuid = uuid::Uuid::now_v7().to_string();
    let product = id("p-v");
    let good = || product_row(&product, &shop, "V", 100, "d", hlc(2));
    let with_cl = |cl: i64| {
        let mut r = good();
        r.life.as_mut().unwrap().cl = cl;
        r
    };
    let mut twice = good();
    twice.cells.push(twice.cells[0].clone());
    let photo = |product_id: &str| {
        row(
            "seller_product_photos",
            &id("photo"),
            Some(1),
            &[
                ("product_id", text(product_id)),
                ("url", text("photo.jpg")),
                ("position", Value::Integer(0)),
            ],
            "d",
            hlc(2),
        )
    };
    let invalid = ApiErrorCode::InvalidValue;
    let cases: Vec<(&str, Vec<RowChange>, ApiErrorCode)> = vec![
        (
            "shop admin",
            vec![shop_row("admin", &user, "a", "d", hlc(2))],
            invalid,
        ),
        (
            "shop user:",
            vec![shop_row(&user_scope(&user), &user, "u", "d", hlc(2))],
            invalid,
        ),
        (
            "upper case",
            vec![shop_row(&uuid.to_uppercase(), &user, "U", "d", hlc(2))],
            invalid,
        ),
        (
            "braces",
            vec![shop_row(&format!("{{{uuid}}}"), &user, "b", "d", hlc(2))],
            invalid,
        ),
        (
            "path",
            vec![row(
                "seller_accounts",
                "../../../../tmp/evil",
                Some(1),
                &[("shop_id", text(&shop)), ("name", text("Compte"))],
                "d",
                hlc(2),
            )],
            invalid,
        ),
        (
            "shop_id admin",
            vec![product_row(&product, "admin", "A", 1, "d", hlc(2))],
            invalid,
        ),
        (
            "shop_id user:",
            vec![product_row(
                &product,
                &user_scope(&user),
                "A",
                1,
                "d",
                hlc(2),
            )],
            invalid,
        ),
        ("parent path", vec![good(), photo("../x")], invalid),
        (
            "text price",
            vec![with(good(), "price", text("12"))],
            invalid,
        ),
        (
            "real price",
            vec![with(good(), "price", Value::Real(1.5))],
            invalid,
        ),
        (
            "number title",
            vec![with(good(), "title", Value::Integer(7))],
            invalid,
        ),
        (
            "NUL",
            vec![with(good(), "title", text("Robe\0noire"))],
            invalid,
        ),
        (
            "NULL title",
            vec![with(good(), "title", Value::Null)],
            invalid,
        ),
        (
            "huge",
            vec![with(
                good(),
                "description",
                text(&"x".repeat(1024 * 1024 + 1)),
            )],
            invalid,
        ),
        (
            "blob",
            vec![with(good(), "title", Value::Blob(vec![1, 2]))],
            invalid,
        ),
        ("cl 0", vec![with_cl(0)], invalid),
        ("cl -1", vec![with_cl(-1)], invalid),
        ("cl huge", vec![with_cl(i64::MAX)], invalid),
        ("a column twice", vec![twice], ApiErrorCode::BadRequest),
        (
            "a row twice",
            vec![good(), good()],
            ApiErrorCode::BadRequest,
        ),
    ];
    for (i, (case, rows, code)) in cases.into_iter().enumerate() {
        let pushed = s.push(&me, &batch(i as i64 + 2, rows), NOW).await;
        assert_eq!(refusal(pushed), code, "{case}");
    }
    assert_eq!(dump(db).await, before, "nothing of a refused batch landed");

    // The same rows with ids and values their columns take land.
    s.push(&me, &batch(100, vec![good(), photo(&product)]), NOW)
        .await
        .unwrap();
    assert_eq!(
        sql_rows(db, "SELECT p.id, p.shop_id, f.url FROM seller_products p JOIN seller_product_photos f ON f.product_id = p.id").await,
        vec![format!("{product}|{shop}|photo.jpg")]
    );
}

/// Two devices pushing the same cell at once: the higher stamp ends on the server whoever
/// commits last. Two devices creating one id at once: one row, the higher stamp's; two users
/// creating one id in their own shops at once: one lands, the other is refused.
async fn concurrent_pushes_keep_the_higher_stamp<S: Storage + Clone>(s: &S, db: &str) {
    const ROUNDS: u64 = 50;
    let user = new_seller(s, "race@example.fr").await;
    let rival = new_seller(s, "rival@example.fr").await;
    let (shop, rival_shop) = (id("shop-race"), id("shop-rival"));
    s.push(
        &ctx("a", &user, &[]),
        &batch(1, vec![shop_row(&shop, &user, "race", "a", hlc(1))]),
        NOW,
    )
    .await
    .unwrap();
    s.push(
        &ctx("r", &rival, &[]),
        &batch(1, vec![shop_row(&rival_shop, &rival, "rival", "r", hlc(1))]),
        NOW,
    )
    .await
    .unwrap();
    let product = id("p-race");
    s.push(
        &ctx("a", &user, &[shop.as_str()]),
        &batch(2, vec![product_row(&product, &shop, "R", 0, "a", hlc(1))]),
        NOW,
    )
    .await
    .unwrap();
    let spawn_push = |c: PushContext, b: PushBatch| {
        let s = s.clone();
        tokio::spawn(async move { s.push(&c, &b, NOW).await })
    };
    let mine = |device: &str| ctx(device, &user, &[shop.as_str()]);
    let cell_of = |pk: &str, column: &str| {
        format!(
            "SELECT value, hlc FROM sync_cells WHERE tbl = 'seller_products' AND pk = '{pk}' AND col = '{column}'"
        )
    };
    for round in 0..ROUNDS {
        // Which device stamps later, and which starts first, changes every round.
        let (early, late) = if round % 2 == 0 {
            ("a", "b")
        } else {
            ("b", "a")
        };
        let (early_at, late_at) = (hlc(10 + round * 10), hlc(11 + round * 10));
        let edit = |device: &str, price: i64, at: Hlc| {
            let cells = [("price", Value::Integer(price))];
            batch(
                100 + round as i64,
                vec![row("seller_products", &product, None, &cells, device, at)],
            )
        };
        let late_push = spawn_push(mine(late), edit(late, 2000 + round as i64, late_at));
        let early_push = spawn_push(mine(early), edit(early, 1000 + round as i64, early_at));
        late_push.await.unwrap().unwrap();
        early_push.await.unwrap().unwrap();
        assert_eq!(
            sql_rows(db, &cell_of(&product, "price")).await,
            vec![format!("{}|{}", 2000 + round, late_at.to_i64())],
            "round {round}"
        );
        assert_eq!(
            sql_rows(
                db,
                &format!("SELECT price FROM seller_products WHERE id = '{product}'")
            )
            .await,
            vec![(2000 + round).to_string()],
            "round {round}"
        );

        // One new id from two devices of one user: one row, the later stamp's values.
        let new = id(&format!("new-{round}"));
        let create = |device: &str, sku: &str, at: Hlc| {
            batch(
                200 + round as i64,
                vec![product_row(&new, &shop, sku, 1, device, at)],
            )
        };
        let a = spawn_push(mine(early), create(early, "EARLY", early_at));
        let b = spawn_push(mine(late), create(late, "LATE", late_at));
        a.await.unwrap().unwrap();
        b.await.unwrap().unwrap();
        assert_eq!(
            sql_rows(
                db,
                &format!("SELECT sku FROM seller_products WHERE id = '{new}'")
            )
            .await,
            vec!["LATE"],
            "round {round}"
        );
        assert_eq!(
            sql_rows(db, &cell_of(&new, "sku")).await,
            vec![format!("\"LATE\"|{}", late_at.to_i64())],
            "round {round}"
        );

        // One new id from two users, each in their own shop: one lands, whole; one is refused.
        let contested = id(&format!("contested-{round}"));
        let mine_push = spawn_push(
            mine("a"),
            batch(
                300 + round as i64,
                vec![product_row(&contested, &shop, "M", 1, "a", early_at)],
            ),
        );
        let theirs_push = spawn_push(
            ctx("r", &rival, &[rival_shop.as_str()]),
            batch(
                300 + round as i64,
                vec![product_row(&contested, &rival_shop, "T", 2, "r", late_at)],
            ),
        );
        let outcomes = [mine_push.await.unwrap(), theirs_push.await.unwrap()];
        let landed: Vec<usize> = (0..2).filter(|i| outcomes[*i].is_ok()).collect();
        assert_eq!(landed.len(), 1, "round {round}: {outcomes:?}");
        let (winner_shop, winner_sku) = if landed[0] == 0 {
            (&shop, "M")
        } else {
            (&rival_shop, "T")
        };
        let loser = &outcomes[1 - landed[0]];
        assert!(
            matches!(loser, Err(StorageError::Refused(e)) if matches!(e.code, ApiErrorCode::OutOfScope | ApiErrorCode::MovesBetweenShops)),
            "round {round}: {loser:?}"
        );
        assert_eq!(
            sql_rows(
                db,
                &format!("SELECT shop_id, sku FROM seller_products WHERE id = '{contested}'")
            )
            .await,
            vec![format!("{winner_shop}|{winner_sku}")],
            "round {round}"
        );
        assert_eq!(
            sql_rows(
                db,
                &format!("SELECT DISTINCT scope FROM sync_cells WHERE pk = '{contested}'")
            )
            .await,
            vec![winner_shop.clone()],
            "round {round}"
        );
    }
    // A device pulling from the start sees the later stamps too.
    let mut after = 0;
    let mut price = None;
    loop {
        let page = s.pull(&shop, after, 1000).await.unwrap();
        for r in page.rows.iter().filter(|r| r.pk == product) {
            price = r
                .cells
                .iter()
                .find(|c| c.column == "price")
                .map(|c| c.value.clone());
        }
        after = page.cursor;
        if !page.has_more {
            break;
        }
    }
    assert_eq!(price, Some(Value::Integer(2000 + ROUNDS as i64 - 1)));
}

macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let fresh = crate::support::backends::sqlite();
                    super::$scenario(&fresh.storage, &fresh.location).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let fresh = crate::support::backends::postgres().await;
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
    users_rows_are_the_servers_to_guard,
    emails_are_unique_whatever_their_case,
    ids_and_values_are_checked,
    concurrent_pushes_keep_the_higher_stamp,
);

/// A server whose users already share an e-mail whatever its case (possible before e-mails were
/// unique) does not start, and says which e-mail.
async fn shared_emails_are_named_at_start(db: &str) -> String {
    sql_rows(db, "DROP INDEX users_email_lower").await;
    let ids = sql_rows(db, "SELECT id FROM users ORDER BY id").await;
    for (id, email) in ids.iter().zip(["Twice@example.fr", "twice@EXAMPLE.fr"]) {
        let sql = format!("UPDATE users SET email = '{email}' WHERE id = '{id}'");
        sql_rows(db, &sql).await;
    }
    sql_rows(db, "SELECT count(*) FROM users").await.join("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_emails_stop_a_sqlite_server() {
    let fresh = crate::support::backends::sqlite();
    new_seller(&fresh.storage, "one@example.fr").await;
    new_seller(&fresh.storage, "two@example.fr").await;
    assert_eq!(shared_emails_are_named_at_start(&fresh.location).await, "2");
    let path = fresh.location.strip_prefix("sqlite:").unwrap();
    let refused = seller_sync_server::storage::sqlite::SqliteStorage::open(path.as_ref())
        .err()
        .expect("refused");
    assert!(
        refused.to_string().contains("twice@example.fr"),
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_emails_stop_a_postgres_server() {
    let fresh = crate::support::backends::postgres().await;
    new_seller(&fresh.storage, "one@example.fr").await;
    new_seller(&fresh.storage, "two@example.fr").await;
    assert_eq!(shared_emails_are_named_at_start(&fresh.location).await, "2");
    let refused = seller_sync_server::storage::postgres::PostgresStorage::connect(&fresh.location)
        .await
        .err()
        .expect("refused");
    assert!(
        refused.to_string().contains("twice@example.fr"),
        "{refused}"
    );
}
