//! Test support: opens the store at the path given as the first argument and writes products in
//! transactions of `BATCH` rows (with photos, materials and colours), printing a line after each
//! commit, until it is killed. The crash test kills it with SIGKILL mid-write.

use anyhow::Context;
use seller_store::raw::RawSql;
use seller_store::{Store, new_id};

const BATCH: usize = 2_000;

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .context("usage: store-crash-writer DB_PATH")?;
    let store = Store::open(path.as_ref())?;
    let shop = store.shop_id().to_owned();
    for batch in 0u64.. {
        // The raw connection lets one transaction hold thousands of rows, like an import will.
        let conn = store.connection();
        let tx = conn.unchecked_transaction()?;
        for i in 0..BATCH {
            let id = new_id();
            tx.execute(
                "INSERT INTO seller_products (id, shop_id, sku, title, description, price, quantity)
                 VALUES (?1, ?2, ?3, ?4, ?5, 1000, 1)",
                (&id, &shop, format!("CRASH-{batch}-{i}"), format!("Article {batch}/{i}"), "x".repeat(400)),
            )?;
            tx.execute(
                "INSERT INTO seller_product_photos (id, product_id, url, position) VALUES (?1, ?2, 'photos/p.jpg', 0)",
                (new_id(), &id),
            )?;
        }
        tx.commit()?;
        println!("committed {batch}");
    }
    Ok(())
}
