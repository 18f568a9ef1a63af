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
}
