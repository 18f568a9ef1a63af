//! What the store learns when the app changed a listing on Vinted and read the change back: a
//! new price, hidden or shown again, deleted. The account's imported listing
//! (`seller_listings`) and the app's own publication of it (`seller_published_listings`, when
//! the app published it) follow; a deleted listing is kept, marked deleted with the time it
//! went, and its inventory item is ready to list again unless it is listed elsewhere, reserved
//! or sold.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::listings::ListingStatus;
use crate::products::MAX_MONEY_CENTS;
use crate::{FieldError, FieldErrorCode, Result, Store, StoreError, StoreTx, now_rfc3339};

/// A listing of the account as the edit flows need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct KnownListing {
    /// Vinted's id of the listing.
    pub listing_id: String,
    pub price_cents: i64,
    pub status: ListingStatus,
    /// When it went (deleted, or no longer found by an import).
    pub gone_at: Option<String>,
    /// Whether the app published it (a `seller_published_listings` row of the account).
    pub published: bool,
}

fn listing_not_found(account_id: &str, listing_id: &str) -> StoreError {
    StoreError::NotFound {
        entity: "Vinted listing",
        id: format!("{listing_id} (account {account_id})"),
    }
}

impl StoreTx<'_> {
    /// The account's new price for the listing, once Vinted showed it: the imported listing's
    /// and the published one's. Fails, changing nothing, when the account has neither.
    pub fn set_listing_price(
        &mut self,
        account_id: &str,
        listing_id: &str,
        price_cents: i64,
    ) -> Result<()> {
        if price_cents <= 0 {
            return Err(StoreError::Validation(vec![FieldError::new(
                "priceCents",
                FieldErrorCode::Invalid,
            )]));
        }
        if price_cents > MAX_MONEY_CENTS {
            return Err(StoreError::Validation(vec![FieldError::new(
                "priceCents",
                FieldErrorCode::TooLarge,
            )]));
        }
        let now = now_rfc3339();
        let listed = self.tx.execute(
            "UPDATE seller_listings SET price = ?3, last_sync = ?4
             WHERE seller_account_id = ?1 AND listing_id = ?2",
            params![account_id, listing_id, price_cents, now],
        )?;
        let published = self.tx.execute(
            "UPDATE seller_published_listings SET price = ?3, last_sync_date = ?4
             WHERE seller_account_id = ?1 AND vinted_listing_id = ?2",
            params![account_id, listing_id, price_cents, now],
        )?;
        if listed + published == 0 {
            return Err(listing_not_found(account_id, listing_id));
        }
        Ok(())
    }

    /// The listing is hidden (`true`) or shown again (`false`) on Vinted, as read back.
    pub fn set_listing_hidden(
        &mut self,
        account_id: &str,
        listing_id: &str,
        hidden: bool,
    ) -> Result<()> {
        let status = if hidden {
            ListingStatus::Hidden
        } else {
            ListingStatus::Active
        };
        let now = now_rfc3339();
        let listed = self.tx.execute(
            "UPDATE seller_listings SET status = ?3, last_sync = ?4, gone_at = NULL
             WHERE seller_account_id = ?1 AND listing_id = ?2",
            params![account_id, listing_id, status, now],
        )?;
        let published = self.tx.execute(
            "UPDATE seller_published_listings SET status = ?3, is_hidden = ?4, last_sync_date = ?5
             WHERE seller_account_id = ?1 AND vinted_listing_id = ?2",
            params![account_id, listing_id, status, hidden, now],
        )?;
        if listed + published == 0 {
            return Err(listing_not_found(account_id, listing_id));
        }
        Ok(())
    }

    /// The listing's status as the wardrobe shows it, when a change found it no longer editable
    /// (sold or reserved meanwhile). A deletion is [`StoreTx::mark_listing_deleted`].
    pub fn set_listing_status(
        &mut self,
        account_id: &str,
        listing_id: &str,
        status: ListingStatus,
    ) -> Result<()> {
        if status == ListingStatus::Deleted {
            return self
                .mark_listing_deleted(account_id, listing_id)
                .map(|_| ());
        }
        let now = now_rfc3339();
        let hidden = status == ListingStatus::Hidden;
        let listed = self.tx.execute(
            "UPDATE seller_listings SET status = ?3, last_sync = ?4, gone_at = NULL
             WHERE seller_account_id = ?1 AND listing_id = ?2",
            params![account_id, listing_id, status, now],
        )?;
        let published = self.tx.execute(
            "UPDATE seller_published_listings SET status = ?3, is_hidden = ?4, last_sync_date = ?5
             WHERE seller_account_id = ?1 AND vinted_listing_id = ?2",
            params![account_id, listing_id, status, hidden, now],
        )?;
        if listed + published == 0 {
            return Err(listing_not_found(account_id, listing_id));
        }
        Ok(())
    }

    /// The listing is gone from Vinted: marked deleted with the time it went (a time already
    /// recorded is kept), never removed. Its inventory item, when it was `listed` and no other
    /// listing of any account still shows it, is `ready` to list again; a reserved or sold item
    /// keeps its status. Returns whether the item changed.
    pub fn mark_listing_deleted(&mut self, account_id: &str, listing_id: &str) -> Result<bool> {
        let now = now_rfc3339();
        let listed = self.tx.execute(
            "UPDATE seller_listings SET status = 'deleted', gone_at = COALESCE(gone_at, ?3)
             WHERE seller_account_id = ?1 AND listing_id = ?2",
            params![account_id, listing_id, now],
        )?;
        let published = self.tx.execute(
            "UPDATE seller_published_listings SET status = 'deleted', last_sync_date = ?3
             WHERE seller_account_id = ?1 AND vinted_listing_id = ?2",
            params![account_id, listing_id, now],
        )?;
        if listed + published == 0 {
            return Err(listing_not_found(account_id, listing_id));
        }
        let shop_id = self.shop_id().to_owned();
        let product: Option<(String, String)> = self
            .tx
            .query_row(
                "SELECT p.id, p.sku FROM seller_products p
                 WHERE p.shop_id = ?3 AND p.status = 'listed' AND (
                    p.sku IN (SELECT l.product_sku FROM seller_listings l
                              WHERE l.seller_account_id = ?1 AND l.listing_id = ?2)
                    OR p.id IN (SELECT pl.product_id FROM seller_published_listings pl
                                WHERE pl.seller_account_id = ?1 AND pl.vinted_listing_id = ?2))
                 LIMIT 1",
                params![account_id, listing_id, shop_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((product_id, sku)) = product else {
            return Ok(false);
        };
        let still_listed: bool = self.tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM seller_listings
                            WHERE product_sku = ?1 AND gone_at IS NULL
                              AND status IN ('active', 'hidden', 'reserved', 'draft'))
                 OR EXISTS (SELECT 1 FROM seller_published_listings
                            WHERE product_id = ?2
                              AND status IN ('active', 'hidden', 'reserved', 'draft'))",
            params![sku, product_id],
            |r| r.get(0),
        )?;
        if still_listed {
            return Ok(false);
        }
        self.tx.execute(
            "UPDATE seller_products SET status = 'ready', updated_at = ?2
             WHERE id = ?1 AND status = 'listed'",
            params![product_id, now],
        )?;
        Ok(true)
    }
}

impl Store {
    /// The account's listing with this Vinted id, from its imported listings or, failing that,
    /// the ones the app published; `None` when the account has neither.
    pub fn known_listing(
        &self,
        account_id: &str,
        listing_id: &str,
    ) -> Result<Option<KnownListing>> {
        let published: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM seller_published_listings
                            WHERE seller_account_id = ?1 AND vinted_listing_id = ?2)",
            params![account_id, listing_id],
            |r| r.get(0),
        )?;
        let imported = self
            .conn
            .prepare_cached(
                "SELECT price, status, gone_at FROM seller_listings
                 WHERE seller_account_id = ?1 AND listing_id = ?2",
            )?
            .query_row(params![account_id, listing_id], |r| {
                Ok(KnownListing {
                    listing_id: listing_id.to_owned(),
                    price_cents: r.get(0)?,
                    status: r.get(1)?,
                    gone_at: r.get(2)?,
                    published,
                })
            })
            .optional()?;
        if imported.is_some() {
            return Ok(imported);
        }
        Ok(self
            .conn
            .prepare_cached(
                "SELECT price, status FROM seller_published_listings
                 WHERE seller_account_id = ?1 AND vinted_listing_id = ?2",
            )?
            .query_row(params![account_id, listing_id], |r| {
                Ok(KnownListing {
                    listing_id: listing_id.to_owned(),
                    price_cents: r.get(0)?,
                    status: r.get(1)?,
                    gone_at: None,
                    published: true,
                })
            })
            .optional()?)
    }

    pub fn set_listing_price(
        &mut self,
        account_id: &str,
        listing_id: &str,
        price_cents: i64,
    ) -> Result<()> {
        self.write(|tx| tx.set_listing_price(account_id, listing_id, price_cents))
    }

    pub fn set_listing_hidden(
        &mut self,
        account_id: &str,
        listing_id: &str,
        hidden: bool,
    ) -> Result<()> {
        self.write(|tx| tx.set_listing_hidden(account_id, listing_id, hidden))
    }

    pub fn mark_listing_deleted(&mut self, account_id: &str, listing_id: &str) -> Result<bool> {
        self.write(|tx| tx.mark_listing_deleted(account_id, listing_id))
    }

    pub fn set_listing_status(
        &mut self,
        account_id: &str,
        listing_id: &str,
        status: ListingStatus,
    ) -> Result<()> {
        self.write(|tx| tx.set_listing_status(account_id, listing_id, status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::AccountDraft;
    use crate::products::{ProductDraft, ProductStatus};
    use crate::vinted::{ListingFilter, ListingRow, WardrobeListing};

    fn listing(id: &str, sku: &str) -> WardrobeListing {
        WardrobeListing {
            listing_id: id.into(),
            title: format!("Annonce {id}"),
            photo_url: None,
            price_cents: 1_000,
            status: ListingStatus::Active,
            listed_at: None,
            sku: Some(sku.into()),
        }
    }

    /// An account with listings 1 (item A), 2 and 3 (both item B) and 4 (item C, sold).
    fn store() -> (tempfile::TempDir, Store, String) {
        let dir = tempfile::tempdir().expect("a folder");
        let mut store = Store::open(&dir.path().join("db.sqlite3")).expect("a store");
        let account = store
            .create_account(AccountDraft {
                name: "Boutique".into(),
                username: None,
                email: None,
                avatar: None,
                vinted_base_url: "https://www.vinted.fr".into(),
                proxy: None,
            })
            .expect("an account");
        for (sku, status) in [
            ("SP-A", ProductStatus::Listed),
            ("SP-B", ProductStatus::Listed),
            ("SP-C", ProductStatus::Sold),
        ] {
            store
                .create_product(ProductDraft {
                    sku: Some(sku.into()),
                    status,
                    ..ProductDraft::titled(&format!("Article {sku}"))
                })
                .expect("an item");
        }
        let listings = [
            listing("1", "SP-A"),
            listing("2", "SP-B"),
            listing("3", "SP-B"),
            listing("4", "SP-C"),
        ];
        store
            .upsert_listings(&account.id, &listings, &now_rfc3339())
            .expect("the listings");
        (dir, store, account.id)
    }

    fn row(store: &Store, listing_id: &str) -> ListingRow {
        store
            .list_listings(&ListingFilter::default())
            .expect("the listings")
            .items
            .into_iter()
            .find(|r| r.listing_id == listing_id)
            .expect("the row")
    }

    fn product_status(store: &Store, sku: &str) -> ProductStatus {
        store
            .product_by_sku(sku)
            .expect("reading")
            .expect("the item")
            .status
    }

    #[test]
    fn a_confirmed_price_and_hidden_state_land_on_the_row() {
        let (_dir, mut store, account) = store();
        store
            .set_listing_price(&account, "1", 2_790)
            .expect("the price");
        assert_eq!(row(&store, "1").price_cents, 2_790);
        assert!(matches!(
            store.set_listing_price(&account, "1", 0),
            Err(StoreError::Validation(_))
        ));
        assert!(matches!(
            store.set_listing_price(&account, "99", 100),
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            store.set_listing_price("another account", "1", 100),
            Err(StoreError::NotFound { .. })
        ));
        assert_eq!(row(&store, "1").price_cents, 2_790);

        store
            .set_listing_hidden(&account, "1", true)
            .expect("hidden");
        assert_eq!(row(&store, "1").status, ListingStatus::Hidden);
        store
            .set_listing_hidden(&account, "1", false)
            .expect("shown");
        assert_eq!(row(&store, "1").status, ListingStatus::Active);

        let known = store
            .known_listing(&account, "1")
            .expect("reading")
            .expect("known");
        assert_eq!((known.price_cents, known.published), (2_790, false));
        assert_eq!(store.known_listing(&account, "99").expect("reading"), None);
    }

    #[test]
    fn a_deleted_listing_is_kept_and_its_item_is_ready_unless_listed_elsewhere_or_sold() {
        let (_dir, mut store, account) = store();
        assert!(store.mark_listing_deleted(&account, "1").expect("deleted"));
        let gone = row(&store, "1");
        assert_eq!(gone.status, ListingStatus::Deleted);
        let gone_at = gone.gone_at.clone().expect("the time it went");
        assert_eq!(product_status(&store, "SP-A"), ProductStatus::Ready);
        // Again: the time it went is kept.
        assert!(!store.mark_listing_deleted(&account, "1").expect("deleted"));
        assert_eq!(row(&store, "1").gone_at, Some(gone_at));

        // Item B is still on listing 3, then on none.
        assert!(!store.mark_listing_deleted(&account, "2").expect("deleted"));
        assert_eq!(product_status(&store, "SP-B"), ProductStatus::Listed);
        assert!(store.mark_listing_deleted(&account, "3").expect("deleted"));
        assert_eq!(product_status(&store, "SP-B"), ProductStatus::Ready);

        store
            .set_listing_status(&account, "4", ListingStatus::Sold)
            .expect("sold");
        assert_eq!(row(&store, "4").status, ListingStatus::Sold);

        // A sold item stays sold.
        assert!(!store.mark_listing_deleted(&account, "4").expect("deleted"));
        assert_eq!(product_status(&store, "SP-C"), ProductStatus::Sold);

        assert!(matches!(
            store.mark_listing_deleted(&account, "99"),
            Err(StoreError::NotFound { .. })
        ));
    }
}
