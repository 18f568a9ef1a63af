//! Listing statistics (issue 15, point 1; docs/VINTED.md: Vinted's only statistics are the
//! wardrobe's `view_count` and `favourite_count`, so the figures come from snapshots of them).
//!
//! Where the figures live. The schema's `seller_listing_analytics`, `_history` and
//! `seller_listing_insights` (synced) hang on `seller_published_listings`, whose rows need an
//! inventory item, while most imported listings have none. So:
//! - every listing of `seller_listings`, linked or not, has its figures on this device in the
//!   local tables of migration 0016 (`vinted_listing_stats_history`, `vinted_listing_stats`,
//!   `vinted_listing_insights`), keyed by the listing row's id: the Listings screen reads these,
//!   one query for every listing, sorted in SQL;
//! - a listing linked to an inventory item (by SKU) also gets the schema's rows: its
//!   `seller_published_listings` row (made when the app did not publish it, from the
//!   listing's title, price, status and date; its status, price and hidden flag then follow
//!   the wardrobe's at each snapshot) carries one current `seller_listing_analytics` row, one
//!   `seller_listing_analytics_history` row per metric (views, favorites, offers) and day, and
//!   its current `seller_listing_insights`; these travel to the other devices. Only listings
//!   still on sale (active, reserved, hidden) get synced figures. Their ids are derived from
//!   what the rows are (`crate::ids::derived_uuid`: published row from account and listing id,
//!   analytics from the published row, history from it, the metric and the day, an insight
//!   from it and its type), so two devices make the same rows, and each is written only when
//!   a figure differs: a run reading the same counts captures no sync change. A published row
//!   made here follows the listing's link (moved or deleted with it); the app's own keep
//!   their UUIDv7 and are left alone; an edit confirmed under an hour ago is not overwritten.
//!
//! Rules. One snapshot per listing per UTC day: a later one the same day replaces it (the
//! counts only grow, and the day's latest is its value), so a job run twice a day, or a page
//! read again after a restart, never duplicates. The 7-day trend is today's count minus the
//! count of the latest snapshot at least 7 days older; with a younger history, minus the
//! earliest snapshot's; with a single snapshot, none. Offers are those buyers made in the
//! listing's conversations (`seller_offers` through `seller_conversations.item_id`, the Vinted
//! listing id), 0 while the inbox has none. A page of the wardrobe is written in one
//! transaction with its snapshots.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params, params_from_iter, types::Value};
use serde::{Deserialize, Serialize};

use super::insights::{self, DayCounts, Insight, InsightType, ListingFacts, Severity};
use super::listings::ListingStatus;
use super::{Page, limit_offset, normalized_time};
use crate::enums::text_enum;
use crate::ids::derived_uuid;
use crate::products::SortDir;
use crate::{Result, Store, StoreError, StoreTx};

/// Days a trend looks back.
pub const TREND_DAYS: u64 = 7;

/// One listing's counts as a wardrobe page gave them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListingCounts {
    /// Vinted's id of the listing.
    pub listing_id: String,
    pub views: u32,
    pub favorites: u32,
}

/// The offers buyers made on a listing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Offers {
    count: i64,
    avg: Option<i64>,
    best: Option<i64>,
    lowest: Option<i64>,
}

fn offers_of(conn: &Connection, account_id: &str, listing_id: &str) -> Result<Offers> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*), CAST(round(avg(o.amount)) AS INTEGER), max(o.amount), min(o.amount)
             FROM seller_offers o JOIN seller_conversations c ON c.id = o.conversation_id
             WHERE c.seller_account_id = ?1 AND c.item_id = ?2 AND o.is_me = 0",
        )?
        .query_row([account_id, listing_id], |r| {
            Ok(Offers {
                count: r.get(0)?,
                avg: r.get(1)?,
                best: r.get(2)?,
                lowest: r.get(3)?,
            })
        })?)
}

/// The UTC day of a stored time.
fn day_of(at: &str) -> String {
    at.chars().take(10).collect()
}

/// `(views, favorites)` now minus what they were [`TREND_DAYS`] before `day` (see the module's
/// rules); `None` without an earlier snapshot.
fn trend(
    conn: &Connection,
    row_id: &str,
    day: &str,
    now: (i64, i64),
) -> Result<Option<(i64, i64)>> {
    let week_ago: Option<(i64, i64)> = conn
        .prepare_cached(
            "SELECT views, favorites FROM vinted_listing_stats_history
             WHERE listing_row_id = ?1 AND day <= date(?2, ?3)
             ORDER BY day DESC LIMIT 1",
        )?
        .query_row(params![row_id, day, format!("-{TREND_DAYS} days")], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let base = match week_ago {
        Some(base) => Some(base),
        None => conn
            .prepare_cached(
                "SELECT views, favorites FROM vinted_listing_stats_history
                 WHERE listing_row_id = ?1 AND day < ?2 ORDER BY day LIMIT 1",
            )?
            .query_row(params![row_id, day], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?,
    };
    Ok(base.map(|(views, favorites)| (now.0 - views, now.1 - favorites)))
}

/// A listing row as a snapshot needs it.
struct Listed {
    id: String,
    title: String,
    price: i64,
    status: ListingStatus,
    listed_at: Option<String>,
    product: Option<(String, String)>,
}

/// The account's listing, by its natural key: listings imported before migration 12 keep the
/// random row id they were made with, so the derived `listing_row_id` would miss them.
fn listed(
    conn: &Connection,
    shop_id: &str,
    account_id: &str,
    listing_id: &str,
) -> Result<Option<Listed>> {
    Ok(conn
        .prepare_cached(
            "SELECT l.id, l.title, l.price, l.status, l.listed_at, p.id, p.sku
             FROM seller_listings l
             LEFT JOIN seller_products p ON p.shop_id = ?3 AND p.sku = l.product_sku
             WHERE l.seller_account_id = ?1 AND l.listing_id = ?2",
        )?
        .query_row([account_id, listing_id, shop_id], |r| {
            let product: Option<String> = r.get(5)?;
            Ok(Listed {
                id: r.get(0)?,
                title: r.get(1)?,
                price: r.get(2)?,
                status: r.get(3)?,
                listed_at: r.get(4)?,
                product: match product {
                    Some(id) => Some((id, r.get(6)?)),
                    None => None,
                },
            })
        })
        .optional()?)
}

/// The id of the `seller_published_listings` row this module makes for the account's listing
/// (the same on every device; a row the app published keeps its own UUIDv7, which is how the
/// two are told apart).
pub fn derived_published_id(account_id: &str, listing_id: &str) -> String {
    derived_uuid("seller_published_listings", &[account_id, listing_id])
}

/// Whether a listing of this status gets synced figures: the ones still on sale. A sold or
/// deleted listing's figures stay on this device only (they no longer change what to do).
fn mirrored(status: ListingStatus) -> bool {
    matches!(
        status,
        ListingStatus::Active | ListingStatus::Reserved | ListingStatus::Hidden
    )
}

/// How long an edit the app just confirmed on Vinted (item_upload's answer, which sets
/// `last_sync_date`) wins over a wardrobe page: the page may have been read before the edit.
const FRESH_EDIT: &str = "-1 hours";

/// The `seller_published_listings` row of the account's listing, made for a listing linked to
/// an item when the app did not publish it, and kept pointing at the item the listing is
/// linked to (a row of ours whose listing was unlinked goes, with its figures). `None` when
/// the listing has no row and gets none.
fn published_row(
    conn: &Connection,
    account_id: &str,
    listing_id: &str,
    listing: &Listed,
    at: &str,
) -> Result<Option<String>> {
    let ours = derived_published_id(account_id, listing_id);
    let existing: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT id, product_id FROM seller_published_listings
             WHERE seller_account_id = ?1 AND vinted_listing_id = ?2",
        )?
        .query_row([account_id, listing_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((id, product_id)) = existing {
        if id == ours {
            // Ours follows the listing's link: unlinked, it goes (its analytics, history and
            // insights cascade); linked to another item, it moves to that item.
            match &listing.product {
                None => {
                    conn.prepare_cached("DELETE FROM seller_published_listings WHERE id = ?1")?
                        .execute([&id])?;
                    return Ok(None);
                }
                Some((linked, sku)) if *linked != product_id => {
                    conn.prepare_cached(
                        "UPDATE seller_published_listings SET product_id = ?2, sku = ?3
                         WHERE id = ?1",
                    )?
                    .execute(params![id, linked, sku])?;
                }
                Some(_) => {}
            }
        }
        // The wardrobe is what Vinted shows now: a row that says otherwise would keep its item
        // "listed elsewhere" after a sale or a delete. Written only when it differs (it syncs),
        // and not over an edit confirmed within the hour (the page may predate it).
        let hidden = listing.status == ListingStatus::Hidden;
        conn.prepare_cached(
            "UPDATE seller_published_listings SET status = ?2, price = ?3, is_hidden = ?4,
                last_sync_date = ?5
             WHERE id = ?1 AND (status IS NOT ?2 OR price IS NOT ?3 OR is_hidden IS NOT ?4)
               AND (last_sync_date IS NULL
                    OR julianday(last_sync_date) <= julianday(?5, ?6))",
        )?
        .execute(params![
            id,
            listing.status,
            listing.price,
            hidden,
            at,
            FRESH_EDIT
        ])?;
        return Ok(Some(id));
    }
    let Some((product_id, sku)) = &listing.product else {
        return Ok(None);
    };
    if !mirrored(listing.status) {
        return Ok(None);
    }
    conn.prepare_cached(
        "INSERT INTO seller_published_listings (id, product_id, sku, title, price,
            seller_account_id, vinted_listing_id, status, published_date, last_sync_date,
            is_hidden)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        ours,
        product_id,
        sku,
        listing.title,
        listing.price,
        account_id,
        listing_id,
        listing.status,
        listing.listed_at,
        at,
        listing.status == ListingStatus::Hidden,
    ])
    .map_err(|e| StoreError::from_write(e, None))?;
    Ok(Some(ours))
}

/// The schema's analytics of a published listing: its one current row and the day's history,
/// with ids derived from what they are (the same on every device) and written only when a
/// figure differs (an unchanged run captures no sync change).
fn mirror_analytics(
    conn: &Connection,
    published_id: &str,
    counts: (i64, i64),
    offers: &Offers,
    trend: Option<(i64, i64)>,
    at: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO seller_listing_analytics (id, published_listing_id, views, favorites, offers,
            avg_offer_price, best_offer_price, lowest_offer_price, views_trend, favorites_trend,
            created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET views = excluded.views, favorites = excluded.favorites,
            offers = excluded.offers, avg_offer_price = excluded.avg_offer_price,
            best_offer_price = excluded.best_offer_price,
            lowest_offer_price = excluded.lowest_offer_price,
            views_trend = excluded.views_trend, favorites_trend = excluded.favorites_trend,
            created_at = excluded.created_at
         WHERE views IS NOT excluded.views OR favorites IS NOT excluded.favorites
            OR offers IS NOT excluded.offers OR avg_offer_price IS NOT excluded.avg_offer_price
            OR best_offer_price IS NOT excluded.best_offer_price
            OR lowest_offer_price IS NOT excluded.lowest_offer_price
            OR views_trend IS NOT excluded.views_trend
            OR favorites_trend IS NOT excluded.favorites_trend",
    )?
    .execute(params![
        derived_uuid("seller_listing_analytics", &[published_id]),
        published_id,
        counts.0,
        counts.1,
        offers.count,
        offers.avg,
        offers.best,
        offers.lowest,
        trend.map(|t| t.0),
        trend.map(|t| t.1),
        at,
    ])?;
    let day = day_of(at);
    for (metric, value) in [
        ("views", counts.0),
        ("favorites", counts.1),
        ("offers", offers.count),
    ] {
        conn.prepare_cached(
            "INSERT INTO seller_listing_analytics_history
                (id, published_listing_id, metric, value, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET value = excluded.value,
                recorded_at = excluded.recorded_at
             WHERE value IS NOT excluded.value",
        )?
        .execute(params![
            derived_uuid(
                "seller_listing_analytics_history",
                &[published_id, metric, &day]
            ),
            published_id,
            metric,
            value,
            at
        ])?;
    }
    Ok(())
}

impl StoreTx<'_> {
    /// Records one snapshot of each listing's counts at `at` (RFC 3339), as the module's rules
    /// say: the day's history row (replacing an earlier one of the same day), the listing's
    /// current figures with offers and 7-day trends, and for a listing linked to an item the
    /// schema's synced rows. A listing not stored (the page's rows are written first) is
    /// skipped. Returns how many were recorded.
    pub fn record_listing_snapshots(
        &mut self,
        account_id: &str,
        counts: &[ListingCounts],
        at: &str,
    ) -> Result<u32> {
        let at = normalized_time("at", at)?;
        let day = day_of(&at);
        let shop_id = self.shop_id().to_owned();
        let mut recorded = 0;
        for count in counts {
            let listing_id = count.listing_id.trim();
            let Some(listing) = listed(&self.tx, &shop_id, account_id, listing_id)? else {
                continue;
            };
            let offers = offers_of(&self.tx, account_id, listing_id)?;
            let now = (i64::from(count.views), i64::from(count.favorites));
            self.tx
                .prepare_cached(
                    "INSERT INTO vinted_listing_stats_history
                        (listing_row_id, day, views, favorites, offers, recorded_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (listing_row_id, day) DO UPDATE SET views = excluded.views,
                        favorites = excluded.favorites, offers = excluded.offers,
                        recorded_at = excluded.recorded_at",
                )?
                .execute(params![listing.id, day, now.0, now.1, offers.count, at])?;
            let trend = trend(&self.tx, &listing.id, &day, now)?;
            self.tx
                .prepare_cached(
                    "INSERT INTO vinted_listing_stats (id, views, favorites, offers,
                        avg_offer_price, best_offer_price, lowest_offer_price, views_trend,
                        favorites_trend, recorded_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                     ON CONFLICT (id) DO UPDATE SET views = excluded.views,
                        favorites = excluded.favorites, offers = excluded.offers,
                        avg_offer_price = excluded.avg_offer_price,
                        best_offer_price = excluded.best_offer_price,
                        lowest_offer_price = excluded.lowest_offer_price,
                        views_trend = excluded.views_trend,
                        favorites_trend = excluded.favorites_trend,
                        recorded_at = excluded.recorded_at",
                )?
                .execute(params![
                    listing.id,
                    now.0,
                    now.1,
                    offers.count,
                    offers.avg,
                    offers.best,
                    offers.lowest,
                    trend.map(|t| t.0),
                    trend.map(|t| t.1),
                    at,
                ])?;
            if let Some(published) = published_row(&self.tx, account_id, listing_id, &listing, &at)?
                && mirrored(listing.status)
            {
                mirror_analytics(&self.tx, &published, now, &offers, trend, &at)?;
            }
            recorded += 1;
        }
        Ok(recorded)
    }

    /// Works out the insights of every listing of the account that has figures, as of `now`
    /// (RFC 3339), with the saved thresholds, and replaces each listing's current insights
    /// (and, for a listing linked to an item, the schema's synced ones, rewritten only when
    /// they changed). Returns how many of each type.
    pub fn refresh_listing_insights(
        &mut self,
        account_id: &str,
        now: &str,
    ) -> Result<BTreeMap<String, u32>> {
        let now = normalized_time("now", now)?;
        let now_time = parse_utc(&now).unwrap_or_else(Utc::now);
        let thresholds = insights::read_thresholds(&self.tx)?;
        let shop_id = self.shop_id().to_owned();
        // Offers come from the inbox: until it has been read, none is not news.
        let inbox_read: bool = self.tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM vinted_jobs WHERE seller_account_id = ?1
                    AND kind = 'import_inbox' AND state = 'done')
                OR EXISTS (SELECT 1 FROM seller_conversations WHERE seller_account_id = ?1)",
            [account_id],
            |r| r.get(0),
        )?;
        struct Row {
            id: String,
            listing_id: String,
            status: ListingStatus,
            price: i64,
            listed_at: Option<String>,
            offers: i64,
            best: Option<i64>,
            product: Option<(String, Option<String>, Option<String>)>,
        }
        let rows: Vec<Row> = self
            .tx
            .prepare_cached(
                "SELECT l.id, l.listing_id, l.status, l.price, l.listed_at, s.offers,
                    s.best_offer_price, p.id, p.category, p.brand
                 FROM seller_listings l JOIN vinted_listing_stats s ON s.id = l.id
                 LEFT JOIN seller_products p ON p.shop_id = ?2 AND p.sku = l.product_sku
                 WHERE l.seller_account_id = ?1",
            )?
            .query_map([account_id, &shop_id], |r| {
                let product: Option<String> = r.get(7)?;
                Ok(Row {
                    id: r.get(0)?,
                    listing_id: r.get(1)?,
                    status: r.get(2)?,
                    price: r.get(3)?,
                    listed_at: r.get(4)?,
                    offers: r.get(5)?,
                    best: r.get(6)?,
                    product: match product {
                        Some(id) => Some((id, r.get(8)?, r.get(9)?)),
                        None => None,
                    },
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut sold_cache: HashMap<(String, String), Vec<(String, i64)>> = HashMap::new();
        let mut counts = BTreeMap::new();
        for row in rows {
            let history = history_of(&self.tx, &row.id)?
                .into_iter()
                .filter_map(|p| {
                    Some(DayCounts {
                        day: NaiveDate::parse_from_str(&p.day, "%Y-%m-%d").ok()?,
                        views: p.views,
                        favorites: p.favorites,
                    })
                })
                .collect();
            let similar_sold_cents = match &row.product {
                Some((product_id, Some(category), Some(brand))) => {
                    let key = (category.clone(), brand.clone());
                    if !sold_cache.contains_key(&key) {
                        let sold = sold_prices(&self.tx, &shop_id, category, brand)?;
                        sold_cache.insert(key.clone(), sold);
                    }
                    sold_cache
                        .get(&key)
                        .map(|sold| {
                            sold.iter()
                                .filter(|(id, _)| id != product_id)
                                .map(|(_, price)| *price)
                                .collect()
                        })
                        .unwrap_or_default()
                }
                _ => Vec::new(),
            };
            let facts = ListingFacts {
                active: row.status == ListingStatus::Active,
                price_cents: row.price,
                listed_at: row.listed_at.as_deref().and_then(parse_utc),
                history,
                offers: row.offers,
                best_offer_cents: row.best,
                inbox_read,
                similar_sold_cents,
                now: now_time,
            };
            let found = insights::insights(&facts, &thresholds);
            for insight in &found {
                *counts
                    .entry(insight.insight_type.as_str().to_owned())
                    .or_insert(0) += 1;
            }
            write_insights(&self.tx, &row.id, &found, &now)?;
            if row.product.is_some() {
                let published: Option<String> = self
                    .tx
                    .prepare_cached(
                        "SELECT id FROM seller_published_listings
                         WHERE seller_account_id = ?1 AND vinted_listing_id = ?2",
                    )?
                    .query_row([account_id, &row.listing_id], |r| r.get(0))
                    .optional()?;
                if let Some(published) = published {
                    mirror_insights(&self.tx, &published, &found, &now)?;
                }
            }
        }
        Ok(counts)
    }
}

fn parse_utc(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The unit prices at which the shop's items of this category and brand sold (sales not
/// cancelled, linked to the item by SKU), with each item's id.
fn sold_prices(
    conn: &Connection,
    shop_id: &str,
    category: &str,
    brand: &str,
) -> Result<Vec<(String, i64)>> {
    Ok(conn
        .prepare_cached(
            "SELECT p.id, o.price / o.quantity FROM seller_orders o
             JOIN seller_products p ON p.shop_id = ?1 AND p.sku = o.sku
             WHERE o.order_type = 'sale' AND o.canceled_at IS NULL
               AND p.category = ?2 COLLATE NOCASE AND p.brand = ?3 COLLATE NOCASE",
        )?
        .query_map(params![shop_id, category, brand], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?)
}

fn write_insights(conn: &Connection, row_id: &str, found: &[Insight], now: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM vinted_listing_insights WHERE listing_row_id = ?1")?
        .execute([row_id])?;
    for insight in found {
        conn.prepare_cached(
            "INSERT INTO vinted_listing_insights
                (listing_row_id, insight_type, severity, data_json, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            row_id,
            insight.insight_type,
            insight.severity,
            insight.data.to_string(),
            now
        ])?;
    }
    Ok(())
}

/// The synced insights of a published listing: one row per type, with an id derived from the
/// listing and the type (the same on every device), written only when its severity or figures
/// changed; the types no longer found go. An unchanged run captures no sync change.
fn mirror_insights(
    conn: &Connection,
    published_id: &str,
    found: &[Insight],
    now: &str,
) -> Result<()> {
    let wanted: Vec<&str> = found.iter().map(|i| i.insight_type.as_str()).collect();
    conn.prepare_cached(
        "DELETE FROM seller_listing_insights WHERE published_listing_id = ?1
            AND insight_type NOT IN (SELECT value FROM json_each(?2))",
    )?
    .execute(params![
        published_id,
        serde_json::Value::from(wanted).to_string()
    ])?;
    for insight in found {
        conn.prepare_cached(
            "INSERT INTO seller_listing_insights
                (id, published_listing_id, insight_type, severity, data_json, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET severity = excluded.severity,
                data_json = excluded.data_json, created_at = excluded.created_at
             WHERE severity IS NOT excluded.severity
                OR json(data_json) IS NOT json(excluded.data_json)",
        )?
        .execute(params![
            derived_uuid(
                "seller_listing_insights",
                &[published_id, insight.insight_type.as_str()]
            ),
            published_id,
            insight.insight_type,
            insight.severity,
            insight.data.to_string(),
            now
        ])?;
    }
    Ok(())
}

/// One day of a listing's history, for its chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct HistoryPoint {
    /// YYYY-MM-DD, UTC.
    pub day: String,
    pub views: i64,
    pub favorites: i64,
    pub offers: i64,
}

fn history_of(conn: &Connection, row_id: &str) -> Result<Vec<HistoryPoint>> {
    Ok(conn
        .prepare_cached(
            "SELECT day, views, favorites, offers FROM vinted_listing_stats_history
             WHERE listing_row_id = ?1 ORDER BY day",
        )?
        .query_map([row_id], |r| {
            Ok(HistoryPoint {
                day: r.get(0)?,
                views: r.get(1)?,
                favorites: r.get(2)?,
                offers: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

text_enum!(
    /// What the listings' figures sort on.
    FiguresSortField {
        Title = "title",
        Price = "price",
        // Days since listed: ascending is the newest first.
        Age = "age",
        Views = "views",
        Favorites = "favorites",
        Offers = "offers",
        ViewsTrend = "viewsTrend",
        FavoritesTrend = "favoritesTrend",
        AvgOffer = "avgOffer",
        BestOffer = "bestOffer",
        LowestOffer = "lowestOffer",
        Insights = "insights",
    }
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct FiguresSort {
    pub field: FiguresSortField,
    pub dir: SortDir,
}

/// Which listings' figures a page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct FiguresFilter {
    pub account_id: Option<String>,
    pub status: Option<ListingStatus>,
    /// Words that must each be found in the title, the Vinted id or the SKU.
    pub search: Option<String>,
    /// Only the listings with an insight of this type.
    pub insight: Option<InsightType>,
    pub sort: FiguresSort,
    /// From 1.
    pub page: u32,
    pub per_page: u32,
}

impl Default for FiguresFilter {
    fn default() -> Self {
        Self {
            account_id: None,
            status: None,
            search: None,
            insight: None,
            sort: FiguresSort {
                field: FiguresSortField::Views,
                dir: SortDir::Desc,
            },
            page: 1,
            per_page: 50,
        }
    }
}

/// One listing with its figures (none before its first snapshot) and current insights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ListingFigures {
    /// The listing row's id.
    pub id: String,
    pub account_id: String,
    pub listing_id: String,
    pub title: String,
    pub photo_url: Option<String>,
    pub price_cents: i64,
    pub status: ListingStatus,
    pub listed_at: Option<String>,
    pub sku: Option<String>,
    /// The inventory item it is linked to.
    pub product_id: Option<String>,
    pub views: Option<i64>,
    pub favorites: Option<i64>,
    pub offers: Option<i64>,
    pub avg_offer_cents: Option<i64>,
    pub best_offer_cents: Option<i64>,
    pub lowest_offer_cents: Option<i64>,
    pub views_trend: Option<i64>,
    pub favorites_trend: Option<i64>,
    /// When the latest snapshot was taken.
    pub recorded_at: Option<String>,
    pub insights: Vec<Insight>,
}

const FIGURES_SOURCE: &str = "seller_listings l
    JOIN seller_accounts a ON a.id = l.seller_account_id AND a.shop_id = ?
    LEFT JOIN vinted_listing_stats s ON s.id = l.id
    LEFT JOIN seller_products p ON p.shop_id = a.shop_id AND p.sku = l.product_sku";

const FIGURES_COLUMNS: &str = "l.id, l.seller_account_id, l.listing_id, l.title, l.photo_url,
    l.price, l.status, l.listed_at, l.product_sku, p.id, s.views, s.favorites, s.offers,
    s.avg_offer_price, s.best_offer_price, s.lowest_offer_price, s.views_trend,
    s.favorites_trend, s.recorded_at";

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

fn insights_of(conn: &Connection, row_ids: &[String]) -> Result<HashMap<String, Vec<Insight>>> {
    let ids = serde_json::Value::from(row_ids.to_vec()).to_string();
    let mut found: HashMap<String, Vec<Insight>> = HashMap::new();
    let rows = conn
        .prepare_cached(
            "SELECT listing_row_id, insight_type, severity, data_json FROM vinted_listing_insights
             WHERE listing_row_id IN (SELECT value FROM json_each(?1))
             ORDER BY listing_row_id, insight_type",
        )?
        .query_map([ids], |r| {
            let insight_type: InsightType = r.get(1)?;
            let severity: Severity = r.get(2)?;
            Ok((
                r.get::<_, String>(0)?,
                Insight {
                    insight_type,
                    severity,
                    action: insight_type.action(),
                    data: super::json_column(r, 3)?,
                },
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (id, insight) in rows {
        found.entry(id).or_default().push(insight);
    }
    Ok(found)
}

impl Store {
    pub fn record_listing_snapshots(
        &mut self,
        account_id: &str,
        counts: &[ListingCounts],
        at: &str,
    ) -> Result<u32> {
        self.write(|tx| tx.record_listing_snapshots(account_id, counts, at))
    }

    pub fn refresh_listing_insights(
        &mut self,
        account_id: &str,
        now: &str,
    ) -> Result<BTreeMap<String, u32>> {
        self.write(|tx| tx.refresh_listing_insights(account_id, now))
    }

    /// Whether an import has brought any listing of the account (the daily statistics wait for
    /// the first).
    pub fn account_has_listings(&self, account_id: &str) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM seller_listings WHERE seller_account_id = ?1)",
            [account_id],
            |r| r.get(0),
        )?)
    }

    /// One listing's daily history, oldest first, for its chart; the row must be a listing of
    /// one of this shop's accounts.
    pub fn listing_history(&self, row_id: &str) -> Result<Vec<HistoryPoint>> {
        let known: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM seller_listings l
                JOIN seller_accounts a ON a.id = l.seller_account_id AND a.shop_id = ?2
                WHERE l.id = ?1)",
            params![row_id, self.shop_id()],
            |r| r.get(0),
        )?;
        if !known {
            return Err(StoreError::NotFound {
                entity: "Vinted listing",
                id: row_id.to_owned(),
            });
        }
        history_of(&self.conn, row_id)
    }

    /// One page of the listings of this shop's accounts with their figures and insights,
    /// filtered and sorted in SQL (listings without figures last, whatever the direction).
    pub fn list_listing_figures(&self, filter: &FiguresFilter) -> Result<Page<ListingFigures>> {
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
        if let Some(insight) = filter.insight {
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM vinted_listing_insights i
                              WHERE i.listing_row_id = l.id AND i.insight_type = ?)",
            );
            args.push(insight.as_str().to_owned().into());
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
            &format!("SELECT count(*) FROM {FIGURES_SOURCE}{sql}"),
            params_from_iter(&args),
            |r| r.get(0),
        )?;
        let dir = match filter.sort.dir {
            SortDir::Asc => "ASC",
            SortDir::Desc => "DESC",
        };
        let column = match filter.sort.field {
            FiguresSortField::Title => "l.title COLLATE NOCASE",
            FiguresSortField::Price => "l.price",
            // Older is larger: the age ascends as the listing date descends.
            FiguresSortField::Age => "-julianday(l.listed_at)",
            FiguresSortField::Views => "s.views",
            FiguresSortField::Favorites => "s.favorites",
            FiguresSortField::Offers => "s.offers",
            FiguresSortField::ViewsTrend => "s.views_trend",
            FiguresSortField::FavoritesTrend => "s.favorites_trend",
            FiguresSortField::AvgOffer => "s.avg_offer_price",
            FiguresSortField::BestOffer => "s.best_offer_price",
            FiguresSortField::LowestOffer => "s.lowest_offer_price",
            FiguresSortField::Insights => {
                "(SELECT count(*) FROM vinted_listing_insights i WHERE i.listing_row_id = l.id)"
            }
        };
        args.push(limit.into());
        args.push(offset.into());
        let mut items = self
            .conn
            .prepare_cached(&format!(
                "SELECT {FIGURES_COLUMNS} FROM {FIGURES_SOURCE}{sql}
                 ORDER BY ({column}) IS NULL, {column} {dir}, l.id {dir} LIMIT ? OFFSET ?"
            ))?
            .query_map(params_from_iter(&args), |r| {
                Ok(ListingFigures {
                    id: r.get(0)?,
                    account_id: r.get(1)?,
                    listing_id: r.get(2)?,
                    title: r.get(3)?,
                    photo_url: r.get(4)?,
                    price_cents: r.get(5)?,
                    status: r.get(6)?,
                    listed_at: r.get(7)?,
                    sku: r.get(8)?,
                    product_id: r.get(9)?,
                    views: r.get(10)?,
                    favorites: r.get(11)?,
                    offers: r.get(12)?,
                    avg_offer_cents: r.get(13)?,
                    best_offer_cents: r.get(14)?,
                    lowest_offer_cents: r.get(15)?,
                    views_trend: r.get(16)?,
                    favorites_trend: r.get(17)?,
                    recorded_at: r.get(18)?,
                    insights: Vec::new(),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let ids: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
        let mut found = insights_of(&self.conn, &ids)?;
        for item in &mut items {
            item.insights = found.remove(&item.id).unwrap_or_default();
        }
        Ok(Page {
            items,
            total,
            page: filter.page,
            per_page: filter.per_page,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::AccountDraft;
    use crate::products::ProductDraft;
    use crate::vinted::WardrobeListing;
    use crate::vinted::listings::listing_row_id;

    fn listing(id: &str, sku: Option<&str>) -> WardrobeListing {
        WardrobeListing {
            listing_id: id.into(),
            title: format!("Annonce {id}"),
            photo_url: None,
            price_cents: 2_000,
            status: ListingStatus::Active,
            listed_at: Some("2026-03-01T10:00:00.000Z".into()),
            sku: sku.map(Into::into),
        }
    }

    /// An account with listing 1 linked to item SP-A and listing 2 linked to nothing.
    fn store() -> (tempfile::TempDir, Store, String) {
        store_of(None)
    }

    /// [`store`], its account's id `account_id` when given (two devices' copies of one account).
    fn store_of(account_id: Option<&str>) -> (tempfile::TempDir, Store, String) {
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
        let mut account = account;
        if let Some(id) = account_id {
            store
                .conn
                .execute(
                    "UPDATE seller_accounts SET id = ?1 WHERE id = ?2",
                    [id, &account.id],
                )
                .expect("the account's id");
            account.id = id.to_owned();
        }
        store
            .create_product(ProductDraft {
                sku: Some("SP-A".into()),
                ..ProductDraft::titled("Robe")
            })
            .expect("an item");
        store
            .upsert_listings(
                &account.id,
                &[listing("1", Some("SP-A")), listing("2", None)],
                "2026-03-10T08:00:00.000Z",
            )
            .expect("the listings");
        (dir, store, account.id)
    }

    fn counts(id: &str, views: u32, favorites: u32) -> ListingCounts {
        ListingCounts {
            listing_id: id.into(),
            views,
            favorites,
        }
    }

    fn figures(store: &Store, sort: FiguresSortField, dir: SortDir) -> Vec<ListingFigures> {
        store
            .list_listing_figures(&FiguresFilter {
                sort: FiguresSort { field: sort, dir },
                ..FiguresFilter::default()
            })
            .expect("the figures")
            .items
    }

    fn count(store: &Store, sql: &str) -> i64 {
        store
            .conn
            .query_row(sql, [], |r| r.get(0))
            .expect("a count")
    }

    #[test]
    fn one_snapshot_a_day_the_later_replacing_and_trends_over_seven_days() {
        let (_dir, mut store, account) = store();
        let days = [
            ("2026-03-01T09:00:00.000Z", 10, 1),
            ("2026-03-05T09:00:00.000Z", 30, 2),
            ("2026-03-08T09:00:00.000Z", 50, 4),
            // The same day again, later: replaces the morning's.
            ("2026-03-08T18:00:00.000Z", 55, 5),
        ];
        for (at, views, favorites) in days {
            let recorded = store
                .record_listing_snapshots(
                    &account,
                    &[counts("1", views, favorites), counts("2", views / 2, 0)],
                    at,
                )
                .expect("a snapshot");
            assert_eq!(recorded, 2);
        }
        let row_id = listing_row_id(&account, "1");
        let history = store.listing_history(&row_id).expect("the history");
        let days: Vec<_> = history.iter().map(|p| (p.day.as_str(), p.views)).collect();
        assert_eq!(
            days,
            vec![("2026-03-01", 10), ("2026-03-05", 30), ("2026-03-08", 55)]
        );
        // Seven days before the 8th is the 1st: 55 − 10 views, 5 − 1 favourites.
        let all = figures(&store, FiguresSortField::Views, SortDir::Desc);
        let first = all.iter().find(|f| f.listing_id == "1").expect("listing 1");
        assert_eq!(
            (
                first.views,
                first.favorites,
                first.views_trend,
                first.favorites_trend
            ),
            (Some(55), Some(5), Some(45), Some(4))
        );
        assert_eq!(first.offers, Some(0));
        // Sorted by views, descending: listing 1 (55) before listing 2 (27).
        assert_eq!(all[0].listing_id, "1");
        let up = figures(&store, FiguresSortField::Views, SortDir::Asc);
        assert_eq!(up[0].listing_id, "2");

        // The linked listing also has the schema's synced rows: a published row, one current
        // analytics row, and three metrics for each of its three days.
        assert_eq!(
            count(&store, "SELECT count(*) FROM seller_published_listings"),
            1
        );
        assert_eq!(
            count(&store, "SELECT count(*) FROM seller_listing_analytics"),
            1
        );
        assert_eq!(
            count(
                &store,
                "SELECT count(*) FROM seller_listing_analytics_history"
            ),
            9
        );
        assert_eq!(
            count(
                &store,
                "SELECT value FROM seller_listing_analytics_history
                 WHERE metric = 'views' ORDER BY recorded_at DESC LIMIT 1"
            ),
            55
        );
        assert_eq!(
            count(&store, "SELECT views_trend FROM seller_listing_analytics"),
            45
        );

        // Sold on Vinted: the published row follows the wardrobe, so its item is not kept
        // "listed" by it.
        let sold = WardrobeListing {
            status: ListingStatus::Sold,
            ..listing("1", Some("SP-A"))
        };
        store
            .upsert_listings(&account, &[sold], "2026-03-09T08:00:00.000Z")
            .unwrap();
        store
            .record_listing_snapshots(&account, &[counts("1", 56, 5)], "2026-03-09T09:00:00.000Z")
            .unwrap();
        let status: String = store
            .conn
            .query_row("SELECT status FROM seller_published_listings", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(status, "sold");
    }

    #[test]
    fn offers_come_from_the_buyers_offers_in_the_listings_conversations() {
        let (_dir, mut store, account) = store();
        store
            .conn
            .execute_batch(&format!(
                "INSERT INTO seller_conversations (id, item_id, seller_account_id)
                    VALUES ('c1', '2', '{account}'), ('c2', '2', '{account}'),
                           ('c3', '1', '{account}');
                 INSERT INTO seller_offers (id, conversation_id, amount, sent_at, is_me) VALUES
                    ('o1', 'c1', 1200, '2026-03-09T10:00:00.000Z', 0),
                    ('o2', 'c1', 1500, '2026-03-09T11:00:00.000Z', 1),
                    ('o3', 'c2', 1700, '2026-03-09T12:00:00.000Z', 0),
                    ('o4', 'c2', 1000, '2026-03-09T13:00:00.000Z', 0);"
            ))
            .unwrap();
        store
            .record_listing_snapshots(
                &account,
                &[counts("1", 5, 0), counts("2", 9, 1)],
                "2026-03-10T09:00:00.000Z",
            )
            .unwrap();
        let page = figures(&store, FiguresSortField::Offers, SortDir::Desc);
        let two = &page[0];
        // The buyers' three offers on listing 2 (the seller's counter-offer left out).
        assert_eq!(two.listing_id, "2");
        assert_eq!(
            (
                two.offers,
                two.avg_offer_cents,
                two.best_offer_cents,
                two.lowest_offer_cents
            ),
            (Some(3), Some(1300), Some(1700), Some(1000))
        );
        assert_eq!((page[1].offers, page[1].best_offer_cents), (Some(0), None));
        // The average and the lowest sort too (listing 1, without offers, last either way).
        for field in [FiguresSortField::AvgOffer, FiguresSortField::LowestOffer] {
            for dir in [SortDir::Asc, SortDir::Desc] {
                let sorted = figures(&store, field, dir);
                assert_eq!(sorted[0].listing_id, "2", "{field:?} {dir:?}");
            }
        }
        let history = store.listing_history(&two.id).unwrap();
        assert_eq!(history[0].offers, 3);
    }

    #[test]
    fn the_median_compares_the_sales_of_items_of_the_same_category_and_brand() {
        let (_dir, mut store, account) = store();
        for sku in ["SP-X", "SP-Y", "SP-Z", "SP-W"] {
            store
                .create_product(ProductDraft {
                    sku: Some(sku.into()),
                    ..ProductDraft::titled(sku)
                })
                .unwrap();
        }
        store
            .conn
            .execute_batch(
                "UPDATE seller_products SET category = 'Robes', brand = 'Zara'
                    WHERE sku IN ('SP-A', 'SP-X', 'SP-Y', 'SP-Z');
                 UPDATE seller_products SET category = 'Robes', brand = 'Mango' WHERE sku = 'SP-W';
                 INSERT INTO seller_orders (id, order_type, title, sku, price, quantity) VALUES
                    ('s1', 'sale', 'X', 'SP-X', 1000, 1),
                    ('s2', 'sale', 'Y', 'SP-Y', 2400, 2),
                    ('s3', 'sale', 'Z', 'SP-Z', 1100, 1),
                    ('s4', 'sale', 'W', 'SP-W', 9000, 1),
                    ('p1', 'purchase', 'Z', 'SP-Z', 9000, 1);",
            )
            .unwrap();
        store
            .record_listing_snapshots(&account, &[counts("1", 5, 0)], "2026-03-10T09:00:00.000Z")
            .unwrap();
        let found = store
            .refresh_listing_insights(&account, "2026-03-10T09:00:00.000Z")
            .unwrap();
        assert_eq!(found.get("above_median"), Some(&1));
        let page = figures(&store, FiguresSortField::Insights, SortDir::Desc);
        let insight = page[0]
            .insights
            .iter()
            .find(|i| i.insight_type == InsightType::AboveMedian)
            .expect("above the median");
        // Zara dresses sold at 10, 12 (24 for two) and 11 €: the median is 11 €; the Mango
        // sale and the purchase do not count.
        assert_eq!(
            insight.data,
            serde_json::json!({"medianCents": 1_100, "priceCents": 2_000, "sales": 3})
        );
    }

    #[test]
    fn a_trend_with_a_history_younger_than_a_week_counts_from_the_first_snapshot() {
        let (_dir, mut store, account) = store();
        store
            .record_listing_snapshots(&account, &[counts("2", 4, 0)], "2026-03-09T09:00:00.000Z")
            .unwrap();
        let once = figures(&store, FiguresSortField::Views, SortDir::Desc);
        let two = once.iter().find(|f| f.listing_id == "2").unwrap();
        assert_eq!(two.views_trend, None, "a single snapshot has no trend");
        store
            .record_listing_snapshots(&account, &[counts("2", 9, 1)], "2026-03-10T09:00:00.000Z")
            .unwrap();
        let twice = figures(&store, FiguresSortField::ViewsTrend, SortDir::Desc);
        assert_eq!(twice[0].listing_id, "2");
        assert_eq!(
            (twice[0].views_trend, twice[0].favorites_trend),
            (Some(5), Some(1))
        );
        // Listing 1 has no figures: last, whichever way the sort goes.
        assert_eq!(twice[1].views, None);
        let asc = figures(&store, FiguresSortField::ViewsTrend, SortDir::Asc);
        assert_eq!(asc[1].listing_id, "1");
    }

    #[test]
    fn insights_replace_the_previous_ones_and_reach_the_synced_table_for_linked_listings() {
        let (_dir, mut store, account) = store();
        // Listed on the 1st; 80 views and one favourite by the 10th: few favourites, and
        // with the relist threshold at 5 days, relist.
        store
            .set_insight_thresholds(&insights::InsightThresholds {
                relist_after_days: 5,
                ..Default::default()
            })
            .unwrap();
        store
            .record_listing_snapshots(
                &account,
                &[counts("1", 80, 1), counts("2", 3, 0)],
                "2026-03-10T09:00:00.000Z",
            )
            .unwrap();
        let found = store
            .refresh_listing_insights(&account, "2026-03-10T09:00:00.000Z")
            .unwrap();
        assert_eq!(found.get("few_favorites"), Some(&1));
        assert_eq!(found.get("relist"), Some(&2));
        assert_eq!(
            found.get("favorites_no_offer"),
            None,
            "the inbox was never read"
        );
        // The inbox read (a conversation about another listing): no offer now means none.
        store
            .conn
            .execute(
                "INSERT INTO seller_conversations (id, item_id, seller_account_id)
                 VALUES ('c9', '99', ?1)",
                [&account],
            )
            .unwrap();
        let synced = count(&store, "SELECT count(*) FROM seller_listing_insights");
        assert_eq!(synced, 2, "listing 1's two insights, synced");
        // More favourites: few_favorites goes, replaced rather than added to.
        store
            .record_listing_snapshots(&account, &[counts("1", 90, 9)], "2026-03-11T09:00:00.000Z")
            .unwrap();
        let found = store
            .refresh_listing_insights(&account, "2026-03-11T09:00:00.000Z")
            .unwrap();
        assert_eq!(found.get("few_favorites"), None);
        assert_eq!(found.get("favorites_no_offer"), Some(&1));
        let page = figures(&store, FiguresSortField::Insights, SortDir::Desc);
        let types: Vec<_> = page[0].insights.iter().map(|i| i.insight_type).collect();
        assert_eq!(page[0].listing_id, "1");
        assert_eq!(
            types,
            vec![InsightType::FavoritesNoOffer, InsightType::Relist]
        );
        assert_eq!(
            count(&store, "SELECT count(*) FROM vinted_listing_insights"),
            3
        );
        assert_eq!(
            count(&store, "SELECT count(*) FROM seller_listing_insights"),
            2
        );
    }

    /// Logs every write to the synced statistics tables, as the sync engine's capture triggers
    /// would see them.
    fn log_synced_writes(store: &Store) {
        let mut sql = String::from("CREATE TEMP TABLE synced_writes (tbl TEXT, op TEXT);");
        for table in [
            "seller_published_listings",
            "seller_listing_analytics",
            "seller_listing_analytics_history",
            "seller_listing_insights",
        ] {
            for op in ["INSERT", "UPDATE", "DELETE"] {
                sql.push_str(&format!(
                    "CREATE TEMP TRIGGER log_{table}_{op} AFTER {op} ON main.{table}
                     BEGIN INSERT INTO synced_writes VALUES ('{table}', '{op}'); END;"
                ));
            }
        }
        store.conn.execute_batch(&sql).expect("the log");
    }

    fn synced_writes(store: &Store) -> Vec<(String, String)> {
        store
            .conn
            .prepare("SELECT tbl, op FROM synced_writes")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    fn ids(store: &Store, table: &str) -> Vec<String> {
        store
            .conn
            .prepare(&format!("SELECT id FROM {table} ORDER BY id"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn the_shared_derived_id_has_the_listing_row_ids_layout() {
        assert_eq!(
            derived_uuid("seller_listings", &["acc", "42"]),
            listing_row_id("acc", "42")
        );
    }

    #[test]
    fn a_listing_imported_before_derived_row_ids_gets_its_snapshot() {
        let (_dir, mut store, account) = store();
        // Migration 12 left older listings with the random id they were made with.
        store
            .conn
            .execute(
                "INSERT INTO seller_listings (id, listing_id, product_sku, title,
                    seller_account_id, price, status, last_sync, listed_at)
                 VALUES ('0190aaaa-old0-7000-8000-000000000001', '3', 'SP-A', 'Ancienne', ?1,
                    1500, 'active', '2026-03-01T08:00:00.000Z', '2026-02-01T08:00:00.000Z')",
                [&account],
            )
            .unwrap();
        let recorded = store
            .record_listing_snapshots(&account, &[counts("3", 7, 2)], "2026-03-10T09:00:00.000Z")
            .unwrap();
        assert_eq!(recorded, 1);
        let all = figures(&store, FiguresSortField::Views, SortDir::Desc);
        let old = all.iter().find(|f| f.listing_id == "3").expect("listing 3");
        assert_eq!(
            (old.id.as_str(), old.views, old.favorites),
            ("0190aaaa-old0-7000-8000-000000000001", Some(7), Some(2))
        );
        assert_eq!(
            count(
                &store,
                "SELECT count(*) FROM seller_published_listings WHERE vinted_listing_id = '3'"
            ),
            1
        );
    }

    #[test]
    fn two_devices_taking_the_same_snapshot_make_the_same_synced_rows() {
        let take = |store: &mut Store, account: &str| {
            store
                .record_listing_snapshots(
                    account,
                    &[counts("1", 80, 1)],
                    "2026-03-10T09:00:00.000Z",
                )
                .unwrap();
            store
                .refresh_listing_insights(account, "2026-03-10T09:00:00.000Z")
                .unwrap();
        };
        let (_a_dir, mut a, account) = store();
        let (_b_dir, mut b, _) = store_of(Some(&account));
        take(&mut a, &account);
        take(&mut b, &account);
        for table in [
            "seller_published_listings",
            "seller_listing_analytics",
            "seller_listing_analytics_history",
            "seller_listing_insights",
        ] {
            let (on_a, on_b) = (ids(&a, table), ids(&b, table));
            assert!(!on_a.is_empty(), "{table} has rows");
            assert_eq!(on_a, on_b, "{table}");
        }
        assert_eq!(
            ids(&a, "seller_published_listings"),
            vec![derived_published_id(&account, "1")]
        );
    }

    #[test]
    fn an_unchanged_run_writes_nothing_that_syncs() {
        let (_dir, mut store, account) = store();
        store
            .set_insight_thresholds(&insights::InsightThresholds {
                relist_after_days: 5,
                ..Default::default()
            })
            .unwrap();
        let run = |store: &mut Store, at: &str| {
            store
                .record_listing_snapshots(&account, &[counts("1", 80, 1)], at)
                .unwrap();
            store.refresh_listing_insights(&account, at).unwrap()
        };
        let found = run(&mut store, "2026-03-10T09:00:00.000Z");
        assert_eq!(found.get("relist"), Some(&1));
        log_synced_writes(&store);
        // The same counts later the same day, then the insights again the next day: the
        // listing is a day older, which its insight does not store.
        run(&mut store, "2026-03-10T18:00:00.000Z");
        store
            .refresh_listing_insights(&account, "2026-03-11T09:00:00.000Z")
            .unwrap();
        assert_eq!(synced_writes(&store), Vec::<(String, String)>::new());
        // A new count is one analytics update and one history row update, nothing else.
        store
            .record_listing_snapshots(&account, &[counts("1", 81, 1)], "2026-03-10T19:00:00.000Z")
            .unwrap();
        let writes = synced_writes(&store);
        assert_eq!(
            writes,
            vec![
                ("seller_listing_analytics".into(), "UPDATE".into()),
                ("seller_listing_analytics_history".into(), "UPDATE".into()),
            ]
        );
    }

    #[test]
    fn the_published_row_made_here_follows_the_listings_link() {
        let (_dir, mut store, account) = store();
        store
            .create_product(ProductDraft {
                sku: Some("SP-B".into()),
                ..ProductDraft::titled("Jupe")
            })
            .unwrap();
        let product = |store: &Store, sku: &str| -> String {
            store
                .conn
                .query_row(
                    "SELECT id FROM seller_products WHERE sku = ?1",
                    [sku],
                    |r| r.get(0),
                )
                .unwrap()
        };
        let snap = |store: &mut Store, at: &str| {
            store
                .record_listing_snapshots(&account, &[counts("1", 10, 1)], at)
                .unwrap();
        };
        snap(&mut store, "2026-03-10T09:00:00.000Z");
        // Linked to another item: the row moves to it, its history kept.
        store.link_listing(&account, "1", Some("SP-B")).unwrap();
        snap(&mut store, "2026-03-11T09:00:00.000Z");
        let (product_id, sku): (String, String) = store
            .conn
            .query_row(
                "SELECT product_id, sku FROM seller_published_listings",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(
            (product_id, sku.as_str()),
            (product(&store, "SP-B"), "SP-B")
        );
        assert_eq!(
            count(
                &store,
                "SELECT count(*) FROM seller_listing_analytics_history"
            ),
            6
        );
        // Unlinked: the row goes, and its figures with it.
        store.link_listing(&account, "1", None).unwrap();
        snap(&mut store, "2026-03-12T09:00:00.000Z");
        for table in [
            "seller_published_listings",
            "seller_listing_analytics",
            "seller_listing_analytics_history",
        ] {
            assert_eq!(
                count(&store, &format!("SELECT count(*) FROM {table}")),
                0,
                "{table}"
            );
        }
        // A row the app published itself is never removed by a snapshot.
        store
            .conn
            .execute(
                "INSERT INTO seller_published_listings (id, product_id, sku, title, price,
                    seller_account_id, vinted_listing_id, status)
                 VALUES ('0190ffff-0000-7000-8000-000000000001', ?1, 'SP-A', 'Robe', 2000, ?2,
                    '1', 'active')",
                [product(&store, "SP-A"), account.clone()],
            )
            .unwrap();
        snap(&mut store, "2026-03-13T09:00:00.000Z");
        assert_eq!(
            count(&store, "SELECT count(*) FROM seller_published_listings"),
            1
        );
        // A sold listing linked to an item gets no synced row of its own.
        let sold = WardrobeListing {
            status: ListingStatus::Sold,
            ..listing("2", Some("SP-B"))
        };
        store
            .upsert_listings(&account, &[sold], "2026-03-13T08:00:00.000Z")
            .unwrap();
        store
            .record_listing_snapshots(&account, &[counts("2", 4, 0)], "2026-03-13T09:00:00.000Z")
            .unwrap();
        assert_eq!(
            count(
                &store,
                "SELECT count(*) FROM seller_published_listings WHERE vinted_listing_id = '2'"
            ),
            0
        );
    }

    #[test]
    fn an_edit_confirmed_within_the_hour_is_not_undone_by_an_older_page() {
        let (_dir, mut store, account) = store();
        store
            .record_listing_snapshots(&account, &[counts("1", 10, 1)], "2026-03-10T09:00:00.000Z")
            .unwrap();
        // The app changed the price to 18 € at 11:30 and Vinted confirmed it.
        store
            .conn
            .execute(
                "UPDATE seller_published_listings SET price = 1800,
                    last_sync_date = '2026-03-10T11:30:00.000Z'",
                [],
            )
            .unwrap();
        let price = |store: &Store| count(store, "SELECT price FROM seller_published_listings");
        // A page read before the edit still says 20 €.
        store
            .record_listing_snapshots(&account, &[counts("1", 11, 1)], "2026-03-10T12:00:00.000Z")
            .unwrap();
        assert_eq!(price(&store), 1800);
        // An hour on, the wardrobe is what Vinted shows.
        store
            .record_listing_snapshots(&account, &[counts("1", 12, 1)], "2026-03-10T12:31:00.000Z")
            .unwrap();
        assert_eq!(price(&store), 2000);
    }
}
