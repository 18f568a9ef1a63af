//! Devices of two app versions syncing one shop, on both backends: a version-9 device (before
//! `seller_listings` gained `listed_at` and `gone_at`) beside a version-10 one, each speaking the
//! protocol as its app does, with its version in every request's header.

use seller_sync_client::{ClientError, SyncClient};
use seller_sync_core::hlc::{Hlc, wall_ms_now};
use seller_sync_core::protocol::{
    ApiErrorCode, Cell, Life, LoginRequest, PushBatch, Role, RowChange,
};
use seller_sync_core::value::Value;
use seller_sync_server::schema::{columns_at, supported_schema};
use seller_sync_server::storage::{NewUser, Storage};

use crate::support::backends;

const PASSWORD: &str = "un mot de passe solide";
/// The last version before `listed_at` and `gone_at`.
const OLD: u32 = 9;
const LISTED_AT: &str = "2026-11-02T09:15:00.000Z";

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// One device: its id, its client (its version in every request) and its clock.
struct Device {
    id: String,
    client: SyncClient,
    seq: i64,
}

impl Device {
    async fn sign_in(address: &str, version: u32, email: &str) -> Device {
        let id = new_id();
        let anonymous = SyncClient::new(address, version, None).unwrap();
        let signed = anonymous
            .login(&LoginRequest {
                email: email.into(),
                password: PASSWORD.into(),
                device_id: id.clone(),
                device_name: format!("version {version}"),
            })
            .await
            .unwrap();
        Device {
            id,
            client: anonymous.with_token(signed.token),
            seq: 0,
        }
    }

    fn stamp(&self) -> Hlc {
        Hlc::new(wall_ms_now(), 0)
    }

    fn row(&self, table: &str, pk: &str, cl: Option<i64>, cells: &[(&str, Value)]) -> RowChange {
        let hlc = self.stamp();
        RowChange {
            table: table.into(),
            pk: pk.into(),
            life: cl.map(|cl| Life {
                cl,
                hlc,
                device: self.id.clone(),
            }),
            cells: cells
                .iter()
                .map(|(column, value)| Cell {
                    column: (*column).into(),
                    value: value.clone(),
                    hlc,
                    device: self.id.clone(),
                })
                .collect(),
        }
    }

    async fn push(&mut self, rows: Vec<RowChange>) -> Result<(), ClientError> {
        self.seq += 1;
        self.client
            .push(vec![PushBatch {
                device_seq: self.seq,
                rows,
            }])
            .await
            .map(|_| ())
    }

    /// The shop's rows, pulled from the start, every page.
    async fn pull_all(&self, shop: &str) -> Vec<RowChange> {
        let (mut rows, mut after) = (Vec::new(), 0);
        loop {
            let page = self.client.pull(shop, after, 2).await.unwrap();
            rows.extend(page.rows);
            after = page.cursor;
            if !page.has_more {
                return rows;
            }
        }
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

fn cell<'a>(rows: &'a [RowChange], table: &str, pk: &str, column: &str) -> Option<&'a Value> {
    rows.iter()
        .find(|r| r.table == table && r.pk == pk)
        .unwrap_or_else(|| panic!("{table} {pk} was pulled"))
        .cells
        .iter()
        .find(|c| c.column == column)
        .map(|c| &c.value)
}

async fn old_and_new_devices_share_a_listing<S: Storage + Clone>(storage: S, location: &str) {
    assert!(supported_schema().contains(OLD) && supported_schema().max > OLD);
    let old_columns = &columns_at(OLD).unwrap()["seller_listings"];
    assert!(
        !old_columns.contains("listed_at"),
        "the case this test is about"
    );
    let email = "camille@example.fr";
    let user = new_id();
    storage
        .create_user(
            &NewUser {
                id: user.clone(),
                name: "Camille".into(),
                email: email.into(),
                password_hash: seller_sync_server::auth::hash_password(PASSWORD).unwrap(),
                role: Role::Seller,
            },
            Hlc::new(wall_ms_now(), 0),
        )
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(seller_sync_server::serve::serve(
        listener,
        seller_sync_server::api::router(storage),
        None,
        std::future::pending(),
    ));
    let mut new = Device::sign_in(&address, supported_schema().max, email).await;
    let mut old = Device::sign_in(&address, OLD, email).await;

    // The newer device makes the shop, an account and a listing with its date on Vinted.
    let (shop, account, listing) = (new_id(), new_id(), new_id());
    let rows = vec![
        new.row(
            "shops",
            &shop,
            Some(1),
            &[
                ("owner_id", text(&user)),
                ("name", text("Chez Camille")),
                ("slug", text(&format!("chez-camille-{shop}"))),
            ],
        ),
        new.row(
            "seller_accounts",
            &account,
            Some(1),
            &[("shop_id", text(&shop)), ("name", text("camille.vinted"))],
        ),
        new.row(
            "seller_listings",
            &listing,
            Some(1),
            &[
                ("listing_id", text("4812")),
                ("title", text("Robe en lin")),
                ("seller_account_id", text(&account)),
                ("price", Value::Integer(2_500)),
                ("listed_at", text(LISTED_AT)),
            ],
        ),
    ];
    new.push(rows).await.unwrap();

    // The older device gets every row, with only the columns it has: a page its own checks
    // take (they refuse a cell of a column they do not know).
    let pulled = old.pull_all(&shop).await;
    assert_eq!(pulled.len(), 3, "{pulled:?}");
    for row in &pulled {
        let known = &columns_at(OLD).unwrap()[row.table.as_str()];
        for c in &row.cells {
            assert!(known.contains(&c.column), "{}.{}", row.table, c.column);
        }
    }
    assert_eq!(
        cell(&pulled, "seller_listings", &listing, "title"),
        Some(&text("Robe en lin"))
    );
    assert_eq!(
        cell(&pulled, "seller_listings", &listing, "listed_at"),
        None
    );
    // The newer device still gets the date.
    let pulled = new.pull_all(&shop).await;
    assert_eq!(
        cell(&pulled, "seller_listings", &listing, "listed_at"),
        Some(&text(LISTED_AT))
    );

    // The older device renames the listing: only the title travels, the date stays.
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    let rename = old.row(
        "seller_listings",
        &listing,
        None,
        &[("title", text("Robe en lin lavé"))],
    );
    old.push(vec![rename]).await.unwrap();
    let pulled = new.pull_all(&shop).await;
    assert_eq!(
        cell(&pulled, "seller_listings", &listing, "title"),
        Some(&text("Robe en lin lavé"))
    );
    assert_eq!(
        cell(&pulled, "seller_listings", &listing, "listed_at"),
        Some(&text(LISTED_AT)),
        "a version-9 edit leaves the newer column alone"
    );
    let typed = backends::sql_rows(
        location,
        &format!("SELECT title, listed_at FROM seller_listings WHERE id = '{listing}'"),
    )
    .await;
    assert_eq!(typed, [format!("Robe en lin lavé|{LISTED_AT}")]);
    let pulled = old.pull_all(&shop).await;
    assert_eq!(
        cell(&pulled, "seller_listings", &listing, "listed_at"),
        None
    );

    // It deletes the listing, then brings it back whole, as it knows it: the date, which it
    // never had, comes back with the row on the server as on the newer device.
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    let deleted = old.row("seller_listings", &listing, Some(2), &[]);
    old.push(vec![deleted]).await.unwrap();
    let typed = backends::sql_rows(
        location,
        &format!("SELECT count(*) FROM seller_listings WHERE id = '{listing}'"),
    )
    .await;
    assert_eq!(typed, ["0"]);
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    let restored = old.row(
        "seller_listings",
        &listing,
        Some(3),
        &[
            ("listing_id", text("4812")),
            ("title", text("Robe en lin lavé")),
            ("seller_account_id", text(&account)),
            ("price", Value::Integer(2_500)),
            ("status", text("active")),
        ],
    );
    old.push(vec![restored]).await.unwrap();
    let pulled = new.pull_all(&shop).await;
    assert_eq!(
        cell(&pulled, "seller_listings", &listing, "listed_at"),
        Some(&text(LISTED_AT))
    );
    let typed = backends::sql_rows(
        location,
        &format!("SELECT title, listed_at FROM seller_listings WHERE id = '{listing}'"),
    )
    .await;
    assert_eq!(typed, [format!("Robe en lin lavé|{LISTED_AT}")]);

    // A version-9 device cannot have written a version-10 column: such a push says the wrong
    // version, and is refused whole.
    let forged = old.row(
        "seller_listings",
        &listing,
        None,
        &[("gone_at", text(LISTED_AT))],
    );
    match old.push(vec![forged]).await {
        Err(ClientError::Refused(e)) => assert_eq!(e.code, ApiErrorCode::UnknownTable, "{e}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let typed = backends::sql_rows(
        location,
        &format!("SELECT gone_at IS NULL FROM seller_listings WHERE id = '{listing}'"),
    )
    .await;
    assert!(
        typed == ["1"] || typed == ["t"] || typed == ["true"],
        "{typed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_and_new_devices_share_a_listing_on_sqlite() {
    let fresh = backends::sqlite();
    old_and_new_devices_share_a_listing(fresh.storage.clone(), &fresh.location).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_and_new_devices_share_a_listing_on_postgres() {
    let fresh = backends::postgres().await;
    old_and_new_devices_share_a_listing(fresh.storage.clone(), &fresh.location).await;
}
