//! An account's Vinted wardrobe as imports last read it (`seller_listings`), and its links to the
//! inventory: a listing is linked to an item by the item's SKU (`product_sku`), which the import
//! finds in the listing's text or the person picks. A listing an import no longer finds is kept,
//! marked deleted, with the time it went.
//!
//! Sync (docs/SYNC.md, "Imported listings"): a listing's row id is derived from the account and
//! Vinted's listing id ([`listing_row_id`]), so two devices importing the same wardrobe write the
//! same rows and their cells merge as any edit would; and an import that finds a listing
//! unchanged writes only to this device's `vinted_listing_sightings`, never to the synced row.

use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter, types::Value};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Page, limit_offset, normalized_time};
use crate::enums::text_enum;
use crate::products::{
    MAX_PHOTOS, MAX_TITLE_CHARS, ProductDraft, ProductStatus, SortDir, insert_product,
};
use crate::{FieldError, FieldErrorCode, Result, Store, StoreError, StoreTx, new_id, now_rfc3339};

text_enum!(
    /// Where a listing stands on Vinted.
    ListingStatus {
        Draft = "draft",
        Active = "active",
        Reserved = "reserved",
        Sold = "sold",
        Hidden = "hidden",
        // Deleted on Vinted, or no longer found there by an import.
        Deleted = "deleted",
    }
);

text_enum!(
    /// The columns the listings list sorts on.
    ListingSortField {
        Title = "title",
        Price = "price",
        Status = "status",
        ListedAt = "listedAt",
        LastSync = "lastSync",
    }
);

/// One listing as the wardrobe shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct WardrobeListing {
    /// Vinted's id of the listing.
    pub listing_id: String,
    pub title: String,
    pub photo_url: Option<String>,
    pub price_cents: i64,
    pub status: ListingStatus,
    /// When it was listed (RFC 3339): its earliest photo's time.
    pub listed_at: Option<String>,
    /// The inventory item's SKU, when the listing names one.
    pub sku: Option<String>,
}

/// How many listings an import wrote, and how.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ListingsUpserted {
    /// New to the store.
    pub inserted: u32,
    /// Known, with something that changed (title, price, status, photo, date, SKU, or back
    /// after it had gone).
    pub changed: u32,
    /// Known and the same.
    pub unchanged: u32,
}

/// An inventory item made from a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemFromListing {
    /// Vinted's id of the listing.
    pub listing_id: String,
    pub product_id: String,
}

/// The id of the row of the account's listing `listing_id`: the same on every device, so two
/// devices that import the same wardrobe make the same rows (no unique-key clash on sync). A
/// UUIDv8 (RFC 9562: custom bits) of the first 122 bits of SHA-256 over a fixed label, the
/// account's id and the listing's id. It is not time-ordered like the UUIDv7 of other rows;
/// nothing sorts listing rows by id except to break ties.
pub fn listing_row_id(account_id: &str, listing_id: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(b"seller_listings\0");
    hash.update(account_id.as_bytes());
    hash.update(b"\0");
    hash.update(listing_id.as_bytes());
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// The inventory item a listing is linked to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct LinkedProduct {
    pub id: String,
    pub title: String,
}

/// One row of the listings list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ListingRow {
    /// The row's own id.
    pub id: String,
    pub account_id: String,
    pub listing_id: String,
    pub title: String,
    pub photo_url: Option<String>,
    pub price_cents: i64,
    pub status: ListingStatus,
    pub listed_at: Option<String>,
    /// When an import last found it.
    pub last_sync: Option<String>,
    /// When an import stopped finding it.
    pub gone_at: Option<String>,
    pub sku: Option<String>,
    /// The item of this shop with that SKU, if there is one.
    pub product: Option<LinkedProduct>,
}

/// The order of the listings list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ListingSort {
    pub field: ListingSortField,
    pub dir: SortDir,
}

/// What the listings list asks for: the listings of this shop's accounts (one account's, when
/// set), filtered and searched, one page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct ListingFilter {
    pub account_id: Option<String>,
    pub status: Option<ListingStatus>,
    /// Words that must each be found in the title, the Vinted id or the SKU.
    pub search: Option<String>,
    /// Only the listings linked to an item (`true`) or not (`false`).
    pub linked: Option<bool>,
    pub sort: ListingSort,
    /// From 1.
    pub page: u32,
    pub per_page: u32,
}

impl Default for ListingFilter {
    fn default() -> Self {
        Self {
            account_id: None,
            status: None,
            search: None,
            linked: None,
            sort: ListingSort {
                field: ListingSortField::ListedAt,
                dir: SortDir::Desc,
            },
            page: 1,
            per_page: 50,
        }
    }
}

/// The listing as it would be stored (trimmed, its date normalised), or what is wrong.
fn checked(listing: &WardrobeListing) -> Result<WardrobeListing> {
    use FieldErrorCode::*;
    let mut errors = Vec::new();
    let mut listing = listing.clone();
    listing.listing_id = listing.listing_id.trim().to_owned();
    listing.title = listing.title.trim().to_owned();
    listing.sku = listing
        .sku
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    if listing.listing_id.is_empty() {
        errors.push(FieldError::new("listingId", Required));
    }
    if listing.price_cents < 0 {
        errors.push(FieldError::new("priceCents", Negative));
    }
    if let Some(at) = &listing.listed_at {
        match normalized_time("listedAt", at) {
            Ok(at) => listing.listed_at = Some(at),
            Err(_) => errors.push(FieldError::new("listedAt", Invalid)),
        }
    }
    if errors.is_empty() {
        Ok(listing)
    } else {
        Err(StoreError::Validation(errors))
    }
}

/// A listing of the account as stored, for the upsert's comparison.
struct Stored {
    id: String,
    title: String,
    photo_url: Option<String>,
    price: i64,
    status: ListingStatus,
    listed_at: Option<String>,
    sku: Option<String>,
    gone_at: Option<String>,
}

fn stored(conn: &Connection, account_id: &str, listing_id: &str) -> Result<Option<Stored>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, title, photo_url, price, status, listed_at, product_sku, gone_at
             FROM seller_listings WHERE seller_account_id = ?1 AND listing_id = ?2",
        )?
        .query_row([account_id, listing_id], |r| {
            Ok(Stored {
                id: r.get(0)?,
                title: r.get(1)?,
                photo_url: r.get(2)?,
                price: r.get(3)?,
                status: r.get(4)?,
                listed_at: r.get(5)?,
                sku: r.get(6)?,
                gone_at: r.get(7)?,
            })
        })
        .optional()?)
}

fn listing_not_found(account_id: &str, listing_id: &str) -> StoreError {
    StoreError::NotFound {
        entity: "Vinted listing",
        id: format!("{listing_id} (account {account_id})"),
    }
}

/// The shop's item with `sku`, if any.
fn product_with_sku(conn: &Connection, shop_id: &str, sku: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT id FROM seller_products WHERE shop_id = ?1 AND sku = ?2")?
        .query_row([shop_id, sku], |r| r.get(0))
        .optional()?)
}

/// What an inventory item made from a listing starts as: its status and stock follow the
/// listing's (a sold listing's item is sold and out of stock).
fn product_status(status: ListingStatus) -> (ProductStatus, i64) {
    match status {
        ListingStatus::Active | ListingStatus::Hidden => (ProductStatus::Listed, 1),
        ListingStatus::Reserved => (ProductStatus::Reserved, 1),
        ListingStatus::Sold => (ProductStatus::Sold, 0),
        ListingStatus::Draft | ListingStatus::Deleted => (ProductStatus::Ready, 1),
    }
}

impl StoreTx<'_> {
    /// Writes what an import read of the account's wardrobe at `seen_at` (RFC 3339): a new
    /// listing is added (its row id from [`listing_row_id`]), a known one (same Vinted id)
    /// updated in place when something of it changed, its `last_sync` set to `seen_at` and its
    /// `gone_at` cleared; an unchanged one is not written at all (nothing to sync). Every one
    /// found is recorded as seen at `seen_at` on this device only. A listing already linked
    /// keeps its SKU when the import found none, and its date when the import gave none.
    pub fn upsert_listings(
        &mut self,
        account_id: &str,
        listings: &[WardrobeListing],
        seen_at: &str,
    ) -> Result<ListingsUpserted> {
        let seen_at = normalized_time("seenAt", seen_at)?;
        let mut outcome = ListingsUpserted::default();
        for listing in listings {
            let listing = checked(listing)?;
            match stored(&self.tx, account_id, &listing.listing_id)? {
                None => {
                    let id = listing_row_id(account_id, &listing.listing_id);
                    self.tx
                        .prepare_cached(
                            "INSERT INTO seller_listings (id, listing_id, product_sku, title,
                                photo_url, seller_account_id, price, status, last_sync, listed_at)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                        )?
                        .execute(params![
                            id,
                            listing.listing_id,
                            listing.sku,
                            listing.title,
                            listing.photo_url,
                            account_id,
                            listing.price_cents,
                            listing.status,
                            seen_at,
                            listing.listed_at,
                        ])
                        .map_err(|e| StoreError::from_write(e, None))?;
                    saw(&self.tx, &id, &seen_at)?;
                    outcome.inserted += 1;
                }
                Some(old) => {
                    let sku = listing.sku.clone().or(old.sku.clone());
                    let listed_at = listing.listed_at.clone().or(old.listed_at.clone());
                    let same = old.title == listing.title
                        && old.photo_url == listing.photo_url
                        && old.price == listing.price_cents
                        && old.status == listing.status
                        && old.listed_at == listed_at
                        && old.sku == sku
                        && old.gone_at.is_none();
                    saw(&self.tx, &old.id, &seen_at)?;
                    if same {
                        outcome.unchanged += 1;
                        continue;
                    }
                    self.tx
                        .prepare_cached(
                            "UPDATE seller_listings SET title = ?2, photo_url = ?3, price = ?4,
                                status = ?5, listed_at = ?6, product_sku = ?7, last_sync = ?8,
                                gone_at = NULL
                             WHERE id = ?1",
                        )?
                        .execute(params![
                            old.id,
                            listing.title,
                            listing.photo_url,
                            listing.price_cents,
                            listing.status,
                            listed_at,
                            sku,
                            seen_at,
                        ])?;
                    outcome.changed += 1;
                }
            }
        }
        Ok(outcome)
    }

    /// Records every photo's address of the account's listings, in Vinted's order (pairs of
    /// Vinted's listing id and its addresses): only the addresses `allowed` keeps (the
    /// automation's rule of where photos may come from), at most [`MAX_PHOTOS`] of them, as an
    /// item takes no more. A row whose list is already that is not written. Listings not
    /// stored are skipped.
    pub fn record_listing_photos(
        &mut self,
        account_id: &str,
        photos: &[(String, Vec<String>)],
        allowed: &dyn Fn(&str) -> bool,
    ) -> Result<()> {
        for (listing_id, urls) in photos {
            let kept: Vec<&String> = urls
                .iter()
                .filter(|url| allowed(url))
                .take(MAX_PHOTOS)
                .collect();
            let urls = serde_json::Value::from(kept.into_iter().cloned().collect::<Vec<String>>())
                .to_string();
            self.tx
                .prepare_cached(
                    "UPDATE seller_listings SET photo_urls = ?3
                     WHERE seller_account_id = ?1 AND listing_id = ?2
                       AND photo_urls IS NOT ?3",
                )?
                .execute(params![account_id, listing_id.trim(), urls])?;
        }
        Ok(())
    }

    /// The account's listings an import did not find (not seen since `since`, RFC 3339: the
    /// import's start, neither on this device nor, by a change, on another) are marked
    /// deleted, with the time they went; they are kept. Returns how many.
    pub fn mark_unseen_listings_gone(&mut self, account_id: &str, since: &str) -> Result<usize> {
        let since = normalized_time("since", since)?;
        Ok(self.tx.execute(
            "UPDATE seller_listings SET status = 'deleted', gone_at = ?3
             WHERE seller_account_id = ?1 AND gone_at IS NULL
               AND (last_sync IS NULL OR last_sync < ?2)
               AND NOT EXISTS (SELECT 1 FROM vinted_listing_sightings s
                               WHERE s.id = seller_listings.id AND s.seen_at >= ?2)",
            params![account_id, since, now_rfc3339()],
        )?)
    }

    /// Links the listing to the shop's item with `sku`, or unlinks it (`None`).
    pub fn link_listing(
        &mut self,
        account_id: &str,
        listing_id: &str,
        sku: Option<&str>,
    ) -> Result<()> {
        let sku = sku.map(str::trim).filter(|s| !s.is_empty());
        if let Some(sku) = sku
            && product_with_sku(&self.tx, self.shop_id(), sku)?.is_none()
        {
            return Err(StoreError::UnknownSku {
                sku: sku.to_owned(),
            });
        }
        let changed = self.tx.execute(
            "UPDATE seller_listings SET product_sku = ?3
             WHERE seller_account_id = ?1 AND listing_id = ?2",
            params![account_id, listing_id, sku],
        )?;
        if changed == 0 {
            return Err(listing_not_found(account_id, listing_id));
        }
        Ok(())
    }

    /// Makes one inventory item per listing (its title, price, a status and stock that follow
    /// the listing's, the listing's date as the day it entered the stock) and links the listing
    /// to it. The item takes the SKU the listing names when no item of the shop has it yet,
    /// else a new one from the shop's SKU pattern. A listing already linked to an item is left
    /// as it is. Returns the new items' ids, in the listings' order. All or nothing.
    pub fn create_products_from_listings(
        &mut self,
        account_id: &str,
        listing_ids: &[String],
    ) -> Result<Vec<String>> {
        Ok(self
            .create_items_from_listings(account_id, listing_ids)?
            .into_iter()
            .map(|made| made.product_id)
            .collect())
    }

    /// The items made from the account's listings (by an import or "create items" on this
    /// device) that have fewer photos than their listing names (at most [`MAX_PHOTOS`]), still
    /// linked to it and not saved by the person since (see `filled_in`): an import fetches
    /// the photos they lack. Oldest listing first.
    pub fn items_missing_listing_photos(&self, account_id: &str) -> Result<Vec<ItemFromListing>> {
        let rows = self
            .tx
            .prepare_cached(
                "SELECT l.listing_id, p.id FROM vinted_items_from_listings m
                 JOIN seller_listings l ON l.id = m.listing_row_id
                 JOIN seller_products p ON p.id = m.product_id AND p.sku = l.product_sku
                 WHERE l.seller_account_id = ?1 AND p.shop_id = ?2
                   AND l.photo_urls IS NOT NULL
                   AND (SELECT COUNT(*) FROM seller_product_photos f WHERE f.product_id = p.id)
                       < MIN(json_array_length(l.photo_urls), ?3)
                 ORDER BY l.listed_at, l.listing_id",
            )?
            .query_map(
                params![account_id, self.shop_id(), MAX_PHOTOS as i64],
                |r| {
                    Ok(ItemFromListing {
                        listing_id: r.get(0)?,
                        product_id: r.get(1)?,
                    })
                },
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// [`Store::unlinked_listing_ids`], inside this transaction.
    pub fn unlinked_listing_ids(&self, account_id: &str) -> Result<Vec<String>> {
        unlinked_listings(&self.tx, self.shop_id(), account_id, false)
    }

    /// [`StoreTx::create_products_from_listings`], saying which listing each item was made of.
    pub fn create_items_from_listings(
        &mut self,
        account_id: &str,
        listing_ids: &[String],
    ) -> Result<Vec<ItemFromListing>> {
        let shop_id = self.shop_id().to_owned();
        let now = now_rfc3339();
        let mut created = Vec::new();
        for listing_id in listing_ids {
            let old = stored(&self.tx, account_id, listing_id)?
                .ok_or_else(|| listing_not_found(account_id, listing_id))?;
            let linked = match &old.sku {
                Some(sku) => product_with_sku(&self.tx, &shop_id, sku)?.is_some(),
                None => false,
            };
            if linked {
                continue;
            }
            let (status, quantity) = product_status(old.status);
            let mut title: String = old.title.chars().take(MAX_TITLE_CHARS).collect();
            if title.trim().is_empty() {
                title = format!("Vinted {listing_id}");
            }
            let draft = ProductDraft {
                sku: old.sku.clone(),
                price_cents: old.price,
                quantity,
                status,
                ..ProductDraft::titled(&title)
            };
            // The stock-entry date, from which the dashboard counts days in stock; never later
            // than now.
            let entered = old.listed_at.as_deref().map(|at| at.min(now.as_str()));
            let product_id = insert_product(&self.tx, &shop_id, draft, entered)?;
            let sku: String = self.tx.query_row(
                "SELECT sku FROM seller_products WHERE id = ?1",
                [&product_id],
                |r| r.get(0),
            )?;
            self.tx.execute(
                "UPDATE seller_listings SET product_sku = ?2 WHERE id = ?1",
                params![old.id, sku],
            )?;
            self.tx.execute(
                "INSERT OR REPLACE INTO vinted_items_from_listings (product_id, listing_row_id)
                 VALUES (?1, ?2)",
                params![product_id, old.id],
            )?;
            created.push(ItemFromListing {
                listing_id: listing_id.clone(),
                product_id,
            });
        }
        Ok(created)
    }

    /// Gives an item made from a listing the downloaded photo of the listing's `position`
    /// (from 0, Vinted's order; a stored name, `photos/…`) at that same position, unless the
    /// item already has a photo there (a step run again, a re-import completing the item, a
    /// photo the person put there), has [`MAX_PHOTOS`] already, is gone, or was saved by the
    /// person since it was made (see `filled_in`). Returns whether it was attached; when not,
    /// the caller removes the file.
    pub fn attach_listing_photo(
        &mut self,
        product_id: &str,
        position: usize,
        file: &str,
    ) -> Result<bool> {
        let exists = filled_in(&self.tx, self.shop_id(), product_id)?;
        let (taken, count): (bool, i64) = self.tx.query_row(
            "SELECT COALESCE(SUM(position = ?2), 0) > 0, COUNT(*)
             FROM seller_product_photos WHERE product_id = ?1",
            params![product_id, position as i64],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if !exists || taken || position >= MAX_PHOTOS || count >= MAX_PHOTOS as i64 {
            return Ok(false);
        }
        self.tx
            .prepare_cached(
                "INSERT INTO seller_product_photos (id, product_id, url, position)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![new_id(), product_id, file, position as i64])?;
        Ok(true)
    }
}

/// Whether the shop's item `product_id` still gets its listing's photos filled in: it was made
/// from a listing and the person has not saved it since. Saving an item rewrites its photos'
/// positions (and drops the row of `vinted_items_from_listings`), so filling in by position
/// would then add duplicates and bring back photos the person removed.
fn filled_in(conn: &Connection, shop_id: &str, product_id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM vinted_items_from_listings m
                 JOIN seller_products p ON p.id = m.product_id
                 WHERE m.product_id = ?1 AND p.shop_id = ?2)",
        )?
        .query_row(params![product_id, shop_id], |r| r.get(0))?)
}

/// Records that this device's import found the listing row `id` at `seen_at`.
fn saw(conn: &Connection, id: &str, seen_at: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO vinted_listing_sightings (id, seen_at) VALUES (?1, ?2)
         ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at",
    )?
    .execute(params![id, seen_at])?;
    Ok(())
}

/// When an import last found the listing: on this device (`vinted_listing_sightings`), or the
/// last change any device's import made to it, whichever is later.
const LAST_SEEN: &str = "NULLIF(max(coalesce(l.last_sync, ''), coalesce(s.seen_at, '')), '')";

const ROW_COLUMNS: &str = "l.id, l.seller_account_id, l.listing_id, l.title, l.photo_url, l.price,
    l.status, l.listed_at, NULLIF(max(coalesce(l.last_sync, ''), coalesce(s.seen_at, '')), ''),
    l.gone_at, l.product_sku, p.id, p.title";

/// The listings of the shop's accounts, each with the shop's item of its SKU.
const ROW_SOURCE: &str = "seller_listings l
    JOIN seller_accounts a ON a.id = l.seller_account_id AND a.shop_id = ?
    LEFT JOIN vinted_listing_sightings s ON s.id = l.id
    LEFT JOIN seller_products p ON p.shop_id = a.shop_id AND p.sku = l.product_sku";

fn row_from(r: &Row<'_>) -> rusqlite::Result<ListingRow> {
    let product_id: Option<String> = r.get(11)?;
    let product = match product_id {
        Some(id) => Some(LinkedProduct {
            id,
            title: r.get(12)?,
        }),
        None => None,
    };
    Ok(ListingRow {
        id: r.get(0)?,
        account_id: r.get(1)?,
        listing_id: r.get(2)?,
        title: r.get(3)?,
        photo_url: r.get(4)?,
        price_cents: r.get(5)?,
        status: r.get(6)?,
        listed_at: r.get(7)?,
        last_sync: r.get(8)?,
        gone_at: r.get(9)?,
        sku: r.get(10)?,
        product,
    })
}

fn escape_like(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Store {
    pub fn upsert_listings(
        &mut self,
        account_id: &str,
        listings: &[WardrobeListing],
        seen_at: &str,
    ) -> Result<ListingsUpserted> {
        self.write(|tx| tx.upsert_listings(account_id, listings, seen_at))
    }

    pub fn mark_unseen_listings_gone(&mut self, account_id: &str, since: &str) -> Result<usize> {
        self.write(|tx| tx.mark_unseen_listings_gone(account_id, since))
    }

    pub fn link_listing(
        &mut self,
        account_id: &str,
        listing_id: &str,
        sku: Option<&str>,
    ) -> Result<()> {
        self.write(|tx| tx.link_listing(account_id, listing_id, sku))
    }

    pub fn create_products_from_listings(
        &mut self,
        account_id: &str,
        listing_ids: &[String],
    ) -> Result<Vec<String>> {
        self.write(|tx| tx.create_products_from_listings(account_id, listing_ids))
    }

    pub fn create_items_from_listings(
        &mut self,
        account_id: &str,
        listing_ids: &[String],
    ) -> Result<Vec<ItemFromListing>> {
        self.write(|tx| tx.create_items_from_listings(account_id, listing_ids))
    }

    /// One page of an import: its listings and their photos' addresses, in one transaction.
    pub fn upsert_listings_with_photos(
        &mut self,
        account_id: &str,
        listings: &[WardrobeListing],
        photos: &[(String, Vec<String>)],
        allowed: &dyn Fn(&str) -> bool,
        seen_at: &str,
    ) -> Result<ListingsUpserted> {
        self.write(|tx| {
            let outcome = tx.upsert_listings(account_id, listings, seen_at)?;
            tx.record_listing_photos(account_id, photos, allowed)?;
            Ok(outcome)
        })
    }

    pub fn attach_listing_photo(
        &mut self,
        product_id: &str,
        position: usize,
        file: &str,
    ) -> Result<bool> {
        self.write(|tx| tx.attach_listing_photo(product_id, position, file))
    }

    /// The positions (from 0) of the first `count` photos of a listing that the item made from
    /// it has no photo at; none when the item is gone or the person saved it since it was made
    /// (see `filled_in`).
    pub fn missing_listing_photos(&self, product_id: &str, count: usize) -> Result<Vec<usize>> {
        if !filled_in(&self.conn, self.shop_id(), product_id)? {
            return Ok(Vec::new());
        }
        let taken: std::collections::HashSet<i64> = self
            .conn
            .prepare_cached("SELECT position FROM seller_product_photos WHERE product_id = ?1")?
            .query_map([product_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok((0..count.min(MAX_PHOTOS))
            .filter(|position| !taken.contains(&(*position as i64)))
            .collect())
    }

    /// Every photo's address of the account's listing, in Vinted's order: the list an import
    /// recorded, else the first photo alone (a row an older version imported).
    pub fn listing_photo_urls(&self, account_id: &str, listing_id: &str) -> Result<Vec<String>> {
        let (list, first): (Option<String>, Option<String>) = self
            .conn
            .prepare_cached(
                "SELECT photo_urls, photo_url FROM seller_listings
                 WHERE seller_account_id = ?1 AND listing_id = ?2",
            )?
            .query_row([account_id, listing_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .ok_or_else(|| listing_not_found(account_id, listing_id))?;
        let urls: Vec<String> = list
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
        Ok(if urls.is_empty() {
            first.into_iter().collect()
        } else {
            urls
        })
    }

    /// The Vinted ids of the account's listings that no item of the shop is linked to, leaving
    /// out those an import no longer finds, oldest listing first.
    pub fn unlinked_listing_ids(&self, account_id: &str) -> Result<Vec<String>> {
        unlinked_listings(&self.conn, self.shop_id(), account_id, false)
    }

    /// [`Store::unlinked_listing_ids`] of the listings whose description Vinted still serves
    /// for editing (not sold, reserved or deleted), oldest listing first.
    pub fn unlinked_listing_ids_to_read(&self, account_id: &str) -> Result<Vec<String>> {
        unlinked_listings(&self.conn, self.shop_id(), account_id, true)
    }

    /// One page of the listings of this shop's accounts, filtered, searched and sorted in SQL,
    /// with how many match in all.
    pub fn list_listings(&self, filter: &ListingFilter) -> Result<Page<ListingRow>> {
        let (limit, offset) = limit_offset(filter.page, filter.per_page)?;
        let mut sql = String::from(" WHERE 1");
        let mut args: Vec<Value> = vec![self.shop_id().to_owned().into()];
        if let Some(account) = filter
            .account_id
            .as_deref()
            .filter(|a| !a.trim().is_empty())
        {
            sql.push_str(" AND l.seller_account_id = ?");
            args.push(account.to_owned().into());
        }
        if let Some(status) = filter.status {
            sql.push_str(" AND l.status = ?");
            args.push(status.as_str().to_owned().into());
        }
        match filter.linked {
            Some(true) => sql.push_str(" AND p.id IS NOT NULL"),
            Some(false) => sql.push_str(" AND p.id IS NULL"),
            None => {}
        }
        for word in filter.search.as_deref().unwrap_or("").split_whitespace() {
            sql.push_str(
                " AND (l.title LIKE ? ESCAPE '\\' OR l.listing_id LIKE ? ESCAPE '\\'
                       OR l.product_sku LIKE ? ESCAPE '\\')",
            );
            let pattern = Value::from(format!("%{}%", escape_like(word)));
            args.extend(std::iter::repeat_n(pattern, 3));
        }
        let total: u32 = self.conn.query_row(
            &format!("SELECT count(*) FROM {ROW_SOURCE}{sql}"),
            params_from_iter(&args),
            |r| r.get(0),
        )?;
        let column = match filter.sort.field {
            ListingSortField::Title => "l.title COLLATE NOCASE",
            ListingSortField::Price => "l.price",
            ListingSortField::Status => "l.status",
            ListingSortField::ListedAt => "l.listed_at",
            ListingSortField::LastSync => LAST_SEEN,
        };
        let dir = match filter.sort.dir {
            SortDir::Asc => "ASC",
            SortDir::Desc => "DESC",
        };
        args.push(limit.into());
        args.push(offset.into());
        let items = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ROW_COLUMNS} FROM {ROW_SOURCE}{sql}
                 ORDER BY {column} {dir}, l.id {dir} LIMIT ? OFFSET ?"
            ))?
            .query_map(params_from_iter(&args), row_from)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Page {
            items,
            total,
            page: filter.page,
            per_page: filter.per_page,
        })
    }
}

fn unlinked_listings(
    conn: &rusqlite::Connection,
    shop_id: &str,
    account_id: &str,
    editable_only: bool,
) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.listing_id FROM seller_listings l
             WHERE l.seller_account_id = ?1 AND l.gone_at IS NULL
               AND (?3 = 0 OR l.status IN ('active', 'hidden', 'draft'))
               AND NOT EXISTS (SELECT 1 FROM seller_products p
                               WHERE p.shop_id = ?2 AND p.sku = l.product_sku)
             ORDER BY l.listed_at, l.listing_id",
    )?;
    let ids = stmt
        .query_map(rusqlite::params![account_id, shop_id, editable_only], |r| {
            r.get(0)
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}
