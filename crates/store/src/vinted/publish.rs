//! What the app published on Vinted for an inventory item: every attempt
//! (`seller_product_publish_attempts`, pending until Vinted answered), the listing it made
//! (`seller_published_listings`, a snapshot of the item's fields, with its photos in order), the
//! item marked listed and the wardrobe row (`seller_listings`) linked to it by its SKU.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use super::listings::{ListingStatus, WardrobeListing};
use super::normalized_time;
use crate::enums::text_enum;
use crate::{FieldError, FieldErrorCode, Result, Store, StoreError, StoreTx, new_id, now_rfc3339};

text_enum!(
    /// Where a publish attempt stands.
    PublishAttemptStatus {
        Pending = "pending",
        Success = "success",
        Failed = "failed",
    }
);

/// One attempt to publish an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PublishAttempt {
    pub id: String,
    pub product_id: String,
    pub account_id: Option<String>,
    pub status: PublishAttemptStatus,
    pub error_message: Option<String>,
    pub created_at: String,
}

/// A listing Vinted accepted, to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewPublishedListing {
    pub product_id: String,
    pub account_id: String,
    /// Vinted's id of the new listing.
    pub vinted_listing_id: String,
    pub vinted_url: Option<String>,
    /// The title and price as published (the item may change later).
    pub title: String,
    pub price_cents: i64,
    /// The photos as published, in their order (stored file names or Vinted's URLs).
    pub photos: Vec<String>,
    /// When Vinted took it (RFC 3339).
    pub published_date: String,
}

/// A listing the app published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PublishedListing {
    pub id: String,
    pub product_id: String,
    pub account_id: Option<String>,
    pub sku: String,
    pub title: String,
    pub price_cents: i64,
    pub vinted_listing_id: Option<String>,
    pub vinted_url: Option<String>,
    pub status: ListingStatus,
    pub published_date: Option<String>,
    pub photos: Vec<String>,
}

/// How the message of a failed attempt starts when its publish click was made but its outcome
/// is unknown (no answer, a server error after the click): a listing may exist, and a later
/// publish of the item, on any device, looks in the wardrobe first
/// ([`Store::unsettled_publish_attempt`]). Plain text the cleaner keeps as it is (bar the
/// trailing space when the detail is blank), so a message that starts with it is never cleaned
/// away to nothing.
pub const CLICK_OUTCOME_UNKNOWN: &str = "click outcome unknown: ";

const ATTEMPT_COLUMNS: &str =
    "id, product_id, seller_account_id, status, error_message, created_at";

fn attempt_from_row(r: &Row<'_>) -> rusqlite::Result<PublishAttempt> {
    Ok(PublishAttempt {
        id: r.get(0)?,
        product_id: r.get(1)?,
        account_id: r.get(2)?,
        status: r.get(3)?,
        error_message: r.get(4)?,
        created_at: r.get(5)?,
    })
}

const LISTING_COLUMNS: &str = "id, product_id, seller_account_id, sku, title, price,
    vinted_listing_id, vinted_url, status, published_date";

fn listing_from_row(r: &Row<'_>) -> rusqlite::Result<PublishedListing> {
    Ok(PublishedListing {
        id: r.get(0)?,
        product_id: r.get(1)?,
        account_id: r.get(2)?,
        sku: r.get(3)?,
        title: r.get(4)?,
        price_cents: r.get(5)?,
        vinted_listing_id: r.get(6)?,
        vinted_url: r.get(7)?,
        status: r.get(8)?,
        published_date: r.get(9)?,
        photos: Vec::new(),
    })
}

fn read_listing(conn: &Connection, id: &str) -> Result<PublishedListing> {
    let mut listing = conn
        .prepare_cached(&format!(
            "SELECT {LISTING_COLUMNS} FROM seller_published_listings WHERE id = ?1"
        ))?
        .query_row([id], listing_from_row)
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            entity: "published listing",
            id: id.to_owned(),
        })?;
    listing.photos = conn
        .prepare_cached(
            "SELECT url FROM seller_published_listing_photos WHERE published_listing_id = ?1
             ORDER BY position, rowid",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(listing)
}

fn listing_by_vinted_id(
    conn: &Connection,
    account_id: &str,
    vinted_listing_id: &str,
) -> Result<Option<PublishedListing>> {
    let id: Option<String> = conn
        .prepare_cached(
            "SELECT id FROM seller_published_listings
             WHERE seller_account_id = ?1 AND vinted_listing_id = ?2",
        )?
        .query_row([account_id, vinted_listing_id], |r| r.get(0))
        .optional()?;
    id.map(|id| read_listing(conn, &id)).transpose()
}

fn attempt_not_found(id: &str) -> StoreError {
    StoreError::NotFound {
        entity: "publish attempt",
        id: id.to_owned(),
    }
}

/// Longest message kept from outside (Vinted's, a flow's error), in characters: an attempt's
/// `error_message`, and every message the Vinted crate keeps from an answer.
pub const MAX_ATTEMPT_MESSAGE_CHARS: usize = 500;

/// A message as the app keeps it (a publish attempt's, a message of Vinted's in a job): tags
/// dropped (a `<` followed by a letter, `/`, `!` or `?` starts one; any other `<` is text, as in
/// "prix < 1 €"), control characters and runs of white space made one space, invisible
/// formatting characters (bidirectional overrides and isolates, zero-width marks) removed, at
/// most [`MAX_ATTEMPT_MESSAGE_CHARS`] characters (cut with `…`). The one cleaner of the app:
/// the Vinted crate uses it too, so a message reads the same wherever it is kept.
pub fn clean_error_message(message: &str) -> String {
    let mut plain = String::with_capacity(message.len().min(4 * MAX_ATTEMPT_MESSAGE_CHARS));
    let mut kept = 0;
    let mut in_tag = false;
    let mut space = false;
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '>' if in_tag => {
                in_tag = false;
                space = true;
            }
            _ if in_tag => {}
            '<' if chars.peek().is_some_and(|next| {
                next.is_ascii_alphabetic() || matches!(next, '/' | '!' | '?')
            }) =>
            {
                in_tag = true;
            }
            c if is_format_char(c) => {}
            c if c.is_control() || c.is_whitespace() => space = true,
            c => {
                if space && kept > 0 {
                    plain.push(' ');
                    kept += 1;
                }
                space = false;
                plain.push(c);
                kept += 1;
                // One past the cap is enough to know it must be cut: a page's worth of text is
                // not read to the end.
                if kept > MAX_ATTEMPT_MESSAGE_CHARS {
                    break;
                }
            }
        }
    }
    if kept <= MAX_ATTEMPT_MESSAGE_CHARS {
        return plain;
    }
    let mut cut: String = plain
        .chars()
        .take(MAX_ATTEMPT_MESSAGE_CHARS - 1)
        .collect::<String>()
        .trim_end()
        .to_owned();
    cut.push('…');
    cut
}

/// Invisible characters that change how text shows (bidirectional marks, embeddings,
/// overrides and isolates, zero-width marks), which a message shown in the app has no use for.
fn is_format_char(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}' | '\u{061c}')
}

impl StoreTx<'_> {
    /// A new attempt to publish `product_id` on `account_id`, pending until
    /// [`StoreTx::finish_publish_attempt`]; returns its id.
    pub fn start_publish_attempt(&mut self, product_id: &str, account_id: &str) -> Result<String> {
        let id = new_id();
        self.tx
            .prepare_cached(
                "INSERT INTO seller_product_publish_attempts (id, product_id, seller_account_id,
                    status, created_at)
                 VALUES (?1, ?2, ?3, 'pending', ?4)",
            )?
            .execute(params![id, product_id, account_id, now_rfc3339()])
            .map_err(|e| StoreError::from_write(e, None))?;
        Ok(id)
    }

    /// The attempt succeeded (`error_message` `None`) or failed with Vinted's (or the checks')
    /// message.
    pub fn finish_publish_attempt(
        &mut self,
        attempt_id: &str,
        status: PublishAttemptStatus,
        error_message: Option<&str>,
    ) -> Result<()> {
        if status == PublishAttemptStatus::Pending {
            return Err(StoreError::Validation(vec![FieldError::new(
                "status",
                FieldErrorCode::Invalid,
            )]));
        }
        // The column is synced to every device and shown as text: whatever the caller passes, it
        // is kept short, on one line, without markup.
        let error_message = error_message
            .map(clean_error_message)
            .filter(|message| !message.is_empty());
        let changed = self.tx.execute(
            "UPDATE seller_product_publish_attempts SET status = ?2, error_message = ?3
             WHERE id = ?1",
            params![attempt_id, status, error_message],
        )?;
        if changed == 0 {
            return Err(attempt_not_found(attempt_id));
        }
        Ok(())
    }

    /// Records a listing Vinted accepted for an item: the snapshot with its photos in order,
    /// the item marked listed, the wardrobe row linked by the item's SKU. Recording the same
    /// Vinted listing again returns the row already there.
    pub fn record_published_listing(
        &mut self,
        listing: &NewPublishedListing,
    ) -> Result<PublishedListing> {
        let published = normalized_time("publishedDate", &listing.published_date)?;
        let mut errors = Vec::new();
        if listing.vinted_listing_id.trim().is_empty() {
            errors.push(FieldError::new("vintedListingId", FieldErrorCode::Required));
        }
        if listing.price_cents < 0 {
            errors.push(FieldError::new("priceCents", FieldErrorCode::Negative));
        }
        if !errors.is_empty() {
            return Err(StoreError::Validation(errors));
        }
        if let Some(known) =
            listing_by_vinted_id(&self.tx, &listing.account_id, &listing.vinted_listing_id)?
        {
            return Ok(known);
        }
        let product = self.product(&listing.product_id)?;
        let id = new_id();
        self.tx
            .prepare_cached(
                "INSERT INTO seller_published_listings (id, product_id, sku, title, description,
                    category, brand, condition_status, material, size, price, package_size,
                    seller_account_id, vinted_listing_id, vinted_url, status, published_date,
                    last_sync_date)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
                    'active', ?16, ?16)",
            )?
            .execute(params![
                id,
                product.id,
                product.sku,
                listing.title,
                product.description,
                product.category,
                product.brand,
                product.condition,
                (!product.materials.is_empty()).then(|| product.materials.join(", ")),
                product.size,
                listing.price_cents,
                product.package_size,
                listing.account_id,
                listing.vinted_listing_id,
                listing.vinted_url,
                published,
            ])
            .map_err(|e| StoreError::from_write(e, None))?;
        for (position, url) in listing.photos.iter().enumerate() {
            self.tx
                .prepare_cached(
                    "INSERT INTO seller_published_listing_photos (id, published_listing_id, url,
                        position)
                     VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![new_id(), id, url, position as i64])?;
        }
        self.tx.execute(
            "UPDATE seller_products SET status = 'listed', updated_at = ?2
             WHERE id = ?1 AND status <> 'listed'",
            params![product.id, now_rfc3339()],
        )?;
        let row = WardrobeListing {
            listing_id: listing.vinted_listing_id.clone(),
            title: listing.title.clone(),
            photo_url: None,
            price_cents: listing.price_cents,
            status: ListingStatus::Active,
            listed_at: Some(published.clone()),
            sku: Some(product.sku.clone()),
        };
        self.upsert_listings(&listing.account_id, &[row], &published)?;
        read_listing(&self.tx, &id)
    }

    /// The account's listing is gone from Vinted (deleted by a relist): its published row and
    /// its wardrobe row say so. Returns whether a row knew it.
    pub fn mark_published_listing_deleted(
        &mut self,
        account_id: &str,
        vinted_listing_id: &str,
    ) -> Result<bool> {
        let now = now_rfc3339();
        let published = self.tx.execute(
            "UPDATE seller_published_listings SET status = 'deleted', is_hidden = 1,
                last_sync_date = ?3
             WHERE seller_account_id = ?1 AND vinted_listing_id = ?2",
            params![account_id, vinted_listing_id, now],
        )?;
        let wardrobe = self.tx.execute(
            "UPDATE seller_listings SET status = 'deleted', gone_at = COALESCE(gone_at, ?3),
                last_sync = ?3
             WHERE seller_account_id = ?1 AND listing_id = ?2",
            params![account_id, vinted_listing_id, now],
        )?;
        Ok(published + wardrobe > 0)
    }
}

impl Store {
    pub fn start_publish_attempt(&mut self, product_id: &str, account_id: &str) -> Result<String> {
        self.write(|tx| tx.start_publish_attempt(product_id, account_id))
    }

    pub fn finish_publish_attempt(
        &mut self,
        attempt_id: &str,
        status: PublishAttemptStatus,
        error_message: Option<&str>,
    ) -> Result<()> {
        self.write(|tx| tx.finish_publish_attempt(attempt_id, status, error_message))
    }

    pub fn record_published_listing(
        &mut self,
        listing: &NewPublishedListing,
    ) -> Result<PublishedListing> {
        self.write(|tx| tx.record_published_listing(listing))
    }

    pub fn mark_published_listing_deleted(
        &mut self,
        account_id: &str,
        vinted_listing_id: &str,
    ) -> Result<bool> {
        self.write(|tx| tx.mark_published_listing_deleted(account_id, vinted_listing_id))
    }

    /// The earliest attempt of `product_id` on the account, made since `since` (RFC 3339),
    /// whose click may have made a listing nobody knows of: still pending (the app stopped, or
    /// another device is still at it), or failed after its click with an outcome unknown (its
    /// message starts with [`CLICK_OUTCOME_UNKNOWN`]). The attempts are synced, so a publish on
    /// one device sees a click lost on another, which the local job queue cannot tell.
    pub fn unsettled_publish_attempt(
        &self,
        account_id: &str,
        product_id: &str,
        since: &str,
    ) -> Result<Option<String>> {
        let since = normalized_time("since", since)?;
        Ok(self
            .conn
            .prepare_cached(
                "SELECT MIN(created_at) FROM seller_product_publish_attempts
                 WHERE product_id = ?1 AND seller_account_id = ?2 AND created_at >= ?3
                   AND (status = 'pending'
                        OR (status = 'failed' AND substr(error_message, 1, length(?4)) = ?4))",
            )?
            .query_row(
                // Without its trailing space: the cleaner drops it when the detail after it is
                // blank, and that attempt's click is as unknown as any other.
                params![
                    product_id,
                    account_id,
                    since,
                    CLICK_OUTCOME_UNKNOWN.trim_end()
                ],
                |r| r.get(0),
            )?)
    }

    /// The item's attempts, oldest first.
    pub fn publish_attempts(&self, product_id: &str) -> Result<Vec<PublishAttempt>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {ATTEMPT_COLUMNS} FROM seller_product_publish_attempts
                 WHERE product_id = ?1 ORDER BY created_at, id"
            ))?
            .query_map([product_id], attempt_from_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// When each known favourite of one of the account's Vinted listings was given (RFC 3339,
    /// oldest first), from `seller_favorites` (written from Vinted's favourite notifications).
    pub fn listing_favourite_dates(
        &self,
        account_id: &str,
        listing_id: &str,
    ) -> Result<Vec<String>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT created_at FROM seller_favorites
                 WHERE seller_account_id = ?1 AND item_id = ?2 ORDER BY created_at",
            )?
            .query_map([account_id, listing_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// The item's listings published by the app, oldest first.
    pub fn published_listings_of(&self, product_id: &str) -> Result<Vec<PublishedListing>> {
        let ids: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT id FROM seller_published_listings WHERE product_id = ?1
                 ORDER BY published_date, id",
            )?
            .query_map([product_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.iter().map(|id| read_listing(&self.conn, id)).collect()
    }

    /// The published row of one of the account's Vinted listings, if the app published it.
    pub fn published_listing(
        &self,
        account_id: &str,
        vinted_listing_id: &str,
    ) -> Result<Option<PublishedListing>> {
        listing_by_vinted_id(&self.conn, account_id, vinted_listing_id)
    }

    /// The inventory item behind one of the account's Vinted listings: the one the app
    /// published it for, else the one its wardrobe row is linked to by SKU.
    pub fn product_id_of_listing(
        &self,
        account_id: &str,
        vinted_listing_id: &str,
    ) -> Result<Option<String>> {
        if let Some(published) = listing_by_vinted_id(&self.conn, account_id, vinted_listing_id)? {
            return Ok(Some(published.product_id));
        }
        Ok(self
            .conn
            .prepare_cached(
                "SELECT p.id FROM seller_listings l
                 JOIN seller_products p ON p.shop_id = ?3 AND p.sku = l.product_sku
                 WHERE l.seller_account_id = ?1 AND l.listing_id = ?2",
            )?
            .query_row(
                params![account_id, vinted_listing_id, self.shop_id()],
                |r| r.get(0),
            )
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::AccountDraft;
    use crate::products::{ProductDraft, ProductStatus};
    use crate::vinted::ListingFilter;

    fn store_with_item() -> (tempfile::TempDir, Store, String, String) {
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
        let product = store
            .create_product(ProductDraft {
                sku: Some("SP-000001".into()),
                price_cents: 1250,
                status: ProductStatus::Ready,
                photos: vec!["photos/a.jpg".into(), "photos/b.jpg".into()],
                ..ProductDraft::titled("Robe d'été")
            })
            .expect("an item");
        (dir, store, account.id, product.id)
    }

    #[test]
    fn attempts_go_from_pending_to_their_outcome() {
        let (_dir, mut store, account, product) = store_with_item();
        let first = store
            .start_publish_attempt(&product, &account)
            .expect("an attempt");
        store
            .finish_publish_attempt(
                &first,
                PublishAttemptStatus::Failed,
                Some("size: Indique la taille"),
            )
            .expect("failed");
        let second = store
            .start_publish_attempt(&product, &account)
            .expect("an attempt");
        let attempts = store.publish_attempts(&product).expect("the attempts");
        assert_eq!(attempts.len(), 2);
        assert_eq!(attempts[0].status, PublishAttemptStatus::Failed);
        assert_eq!(
            attempts[0].error_message.as_deref(),
            Some("size: Indique la taille")
        );
        assert_eq!(attempts[1].id, second);
        assert_eq!(attempts[1].status, PublishAttemptStatus::Pending);
        assert!(
            store
                .finish_publish_attempt(&second, PublishAttemptStatus::Pending, None)
                .is_err()
        );
        assert!(
            store
                .finish_publish_attempt("nope", PublishAttemptStatus::Success, None)
                .is_err()
        );
    }

    #[test]
    fn a_click_with_an_unknown_outcome_is_found_from_its_synced_attempt() {
        let (_dir, mut store, account, product) = store_with_item();
        let since = "2000-01-01T00:00:00Z";
        let unsettled = |store: &Store, account: &str, since: &str| {
            store
                .unsettled_publish_attempt(account, &product, since)
                .expect("a lookup")
        };
        // A refusal before or at the click made nothing.
        let refused = store
            .start_publish_attempt(&product, &account)
            .expect("an attempt");
        store
            .finish_publish_attempt(&refused, PublishAttemptStatus::Failed, Some("size"))
            .expect("failed");
        assert_eq!(unsettled(&store, &account, since), None);
        // With a blank detail the cleaner keeps the prefix without its trailing space, and the
        // click is still unknown.
        for detail in ["", " \n\t", "<b></b>"] {
            let message = format!("{CLICK_OUTCOME_UNKNOWN}{detail}");
            assert_eq!(
                clean_error_message(&message),
                CLICK_OUTCOME_UNKNOWN.trim_end()
            );
            let blank = store
                .start_publish_attempt(&product, &account)
                .expect("an attempt");
            store
                .finish_publish_attempt(&blank, PublishAttemptStatus::Failed, Some(&message))
                .expect("failed");
            let attempts = store.publish_attempts(&product).expect("the attempts");
            let kept = attempts
                .iter()
                .find(|attempt| attempt.id == blank)
                .expect("the attempt");
            assert_eq!(
                kept.error_message.as_deref(),
                Some(CLICK_OUTCOME_UNKNOWN.trim_end())
            );
            assert_eq!(
                unsettled(&store, &account, since),
                Some(kept.created_at.clone()),
                "{detail:?}"
            );
            store
                .finish_publish_attempt(&blank, PublishAttemptStatus::Success, None)
                .expect("succeeded");
        }
        assert_eq!(unsettled(&store, &account, since), None);
        // A click whose answer was lost may have made a listing.
        let lost = store
            .start_publish_attempt(&product, &account)
            .expect("an attempt");
        let message = format!("{CLICK_OUTCOME_UNKNOWN}the publish click got no answer");
        store
            .finish_publish_attempt(&lost, PublishAttemptStatus::Failed, Some(&message))
            .expect("failed");
        let at = store
            .publish_attempts(&product)
            .expect("the attempts")
            .into_iter()
            .find(|attempt| attempt.id == lost)
            .expect("the attempt")
            .created_at;
        assert_eq!(unsettled(&store, &account, since), Some(at.clone()));
        // Only on its account, and only within the time asked.
        assert_eq!(unsettled(&store, "another", since), None);
        assert_eq!(unsettled(&store, &account, "2999-01-01T00:00:00Z"), None);
        // A pending attempt (the app stopped, or another device is at it) counts too.
        store
            .finish_publish_attempt(&lost, PublishAttemptStatus::Success, None)
            .expect("succeeded");
        assert_eq!(unsettled(&store, &account, since), None);
        store
            .start_publish_attempt(&product, &account)
            .expect("an attempt");
        assert!(unsettled(&store, &account, since).is_some());
        assert!(
            store
                .unsettled_publish_attempt(&account, &product, "soon")
                .is_err()
        );
    }

    #[test]
    fn a_published_listing_marks_the_item_listed_and_links_the_wardrobe_row() {
        let (_dir, mut store, account, product) = store_with_item();
        let new = NewPublishedListing {
            product_id: product.clone(),
            account_id: account.clone(),
            vinted_listing_id: "7000001".into(),
            vinted_url: Some("https://www.vinted.fr/items/7000001".into()),
            title: "Robe d'été".into(),
            price_cents: 1250,
            photos: vec!["photos/a.jpg".into(), "photos/b.jpg".into()],
            published_date: "2026-12-07T18:00:00Z".into(),
        };
        let listing = store.record_published_listing(&new).expect("recorded");
        assert_eq!(listing.status, ListingStatus::Active);
        assert_eq!(listing.sku, "SP-000001");
        assert_eq!(listing.photos, new.photos);
        assert_eq!(
            listing.published_date.as_deref(),
            Some("2026-12-07T18:00:00.000Z")
        );
        // Recording it again changes nothing.
        let again = store.record_published_listing(&new).expect("recorded");
        assert_eq!(again.id, listing.id);
        assert_eq!(
            store.published_listings_of(&product).expect("rows").len(),
            1
        );
        assert_eq!(
            store.product(&product).expect("the item").status,
            ProductStatus::Listed
        );
        let rows = store
            .list_listings(&ListingFilter::default())
            .expect("the wardrobe")
            .items;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].listing_id, "7000001");
        assert_eq!(rows[0].sku.as_deref(), Some("SP-000001"));
        assert_eq!(
            rows[0].product.as_ref().map(|p| p.id.clone()),
            Some(product.clone())
        );
        assert_eq!(
            store
                .product_id_of_listing(&account, "7000001")
                .expect("a lookup"),
            Some(product.clone())
        );

        assert!(
            store
                .mark_published_listing_deleted(&account, "7000001")
                .expect("marked")
        );
        let gone = store
            .published_listing(&account, "7000001")
            .expect("a lookup")
            .expect("kept");
        assert_eq!(gone.status, ListingStatus::Deleted);
        let rows = store
            .list_listings(&ListingFilter::default())
            .expect("the wardrobe")
            .items;
        assert_eq!(rows[0].status, ListingStatus::Deleted);
        assert!(rows[0].gone_at.is_some());
        assert!(
            !store
                .mark_published_listing_deleted(&account, "404")
                .expect("nothing to mark")
        );
    }
}

#[cfg(test)]
mod message_tests {
    use super::*;

    #[test]
    fn attempt_messages_are_short_plain_text_on_one_line() {
        assert_eq!(
            clean_error_message("  Le prix\nminimum\test <b>1,00 €</b>\u{7}\u{202e}!  "),
            "Le prix minimum est 1,00 € !"
        );
        assert_eq!(
            clean_error_message("<script>alert(1)</script>taille"),
            "alert(1) taille"
        );
        let long = clean_error_message(&"é".repeat(5000));
        assert_eq!(long.chars().count(), MAX_ATTEMPT_MESSAGE_CHARS);
        assert!(long.ends_with('…'));
        assert_eq!(clean_error_message("\n\t "), "");
    }

    #[test]
    fn a_less_than_sign_that_starts_no_tag_is_text() {
        assert_eq!(
            clean_error_message("Le prix doit être < 1 €"),
            "Le prix doit être < 1 €"
        );
        assert_eq!(clean_error_message("a<3 et b <= 2"), "a<3 et b <= 2");
        assert_eq!(
            clean_error_message("<p>Prix</p><!-- x --><br/>trop bas"),
            "Prix trop bas"
        );
        assert_eq!(clean_error_message("fin <"), "fin <");
    }

    #[test]
    fn bidi_and_zero_width_controls_are_removed() {
        let hidden: String = ('\u{202a}'..='\u{202e}')
            .chain('\u{2066}'..='\u{2069}')
            .chain(['\u{200b}', '\u{200e}', '\u{feff}'])
            .collect();
        assert_eq!(
            clean_error_message(&format!("Indique{hidden} la taille")),
            "Indique la taille"
        );
        assert_eq!(clean_error_message("\u{202e}txet"), "txet");
    }

    #[test]
    fn a_long_message_is_cut_once_at_the_cap() {
        let long = clean_error_message(&format!("{} fin", "mot ".repeat(100_000)));
        assert_eq!(long.chars().count(), MAX_ATTEMPT_MESSAGE_CHARS);
        assert!(long.ends_with("mot…"), "{long}");
        let exact = "x".repeat(MAX_ATTEMPT_MESSAGE_CHARS);
        assert_eq!(clean_error_message(&exact), exact);
    }
}
