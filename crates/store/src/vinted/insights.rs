//! What a listing's figures suggest doing (issue 15, point 2): pure rules over one listing's
//! facts (its daily history, offers, price, age, and the prices the shop sold similar items
//! at), each giving at most one [`Insight`] with the figures behind it and the action the app
//! links to. The thresholds are settings ([`InsightThresholds`], key
//! [`THRESHOLDS_KEY`] of `app_settings`, JSON, defaults when absent).
//!
//! Only active listings get insights: a sold, reserved, hidden or deleted one has nothing to
//! improve. Writing them is [`super::statistics`]'s.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::enums::text_enum;
use crate::settings::{read_setting, write_setting};
use crate::{FieldError, FieldErrorCode, Result, Store, StoreError};

text_enum!(
    /// Which rule an insight comes from.
    InsightType {
        // No new views for `stale_days`.
        Stale = "stale",
        // Many views, few favourites: the photos or the title do not convince.
        FewFavorites = "few_favorites",
        // Many favourites and no offer: the price holds people back.
        FavoritesNoOffer = "favorites_no_offer",
        // The best offer is well below the price.
        LowOffers = "low_offers",
        // Listed for more than `relist_after_days`: a fresh copy ranks higher.
        Relist = "relist",
        // Dearer than the median price similar items sold at.
        AboveMedian = "above_median",
    }
);

text_enum!(
    /// How pressing an insight is.
    Severity {
        Info = "info",
        Warning = "warning",
        Critical = "critical",
    }
);

text_enum!(
    /// What the app offers to do about an insight.
    InsightAction {
        EditPrice = "edit_price",
        Relist = "relist",
        // Better photos or title: done on Vinted or in the item, nothing the app sends.
        ImproveListing = "improve_listing",
    }
);

/// One insight about a listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Insight {
    pub insight_type: InsightType,
    pub severity: Severity,
    pub action: InsightAction,
    /// The figures behind it (camelCase keys: since, listedAt, views, favorites, priceCents…).
    /// Dates, never day counts: a count would change the synced row every day.
    #[cfg_attr(feature = "specta", specta(type = super::AnyJson))]
    pub data: Value,
}

/// The rules' thresholds, as the Settings screen edits them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct InsightThresholds {
    /// Stale: no new view for this many days.
    pub stale_days: u32,
    /// Few favourites: from this many views…
    pub many_views: u32,
    /// …with favourites below this percentage of the views.
    pub min_favorite_rate_pct: u32,
    /// No offer despite this many favourites.
    pub many_favorites: u32,
    /// Low offers: the best offer below this percentage of the price.
    pub low_offer_pct: u32,
    /// Relist: listed for more than this many days.
    pub relist_after_days: u32,
    /// Above the median: the price more than this percentage of the median sale price…
    pub above_median_pct: u32,
    /// …of at least this many similar items sold.
    pub min_similar_sales: u32,
}

impl Default for InsightThresholds {
    fn default() -> Self {
        Self {
            stale_days: 7,
            many_views: 50,
            min_favorite_rate_pct: 3,
            many_favorites: 5,
            low_offer_pct: 70,
            relist_after_days: 30,
            above_median_pct: 120,
            min_similar_sales: 3,
        }
    }
}

/// Where the thresholds are kept in `app_settings`.
pub const THRESHOLDS_KEY: &str = "listing_insight_thresholds";

impl InsightThresholds {
    /// Every field out of its range, by its name in the UI.
    pub fn field_errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut check = |field: &str, value: u32, range: std::ops::RangeInclusive<u32>| {
            if value < *range.start() {
                errors.push(FieldError::new(field, FieldErrorCode::Invalid));
            } else if value > *range.end() {
                errors.push(FieldError::new(field, FieldErrorCode::TooLarge));
            }
        };
        check("staleDays", self.stale_days, 1..=365);
        check("manyViews", self.many_views, 1..=1_000_000);
        check("minFavoriteRatePct", self.min_favorite_rate_pct, 1..=100);
        check("manyFavorites", self.many_favorites, 1..=100_000);
        check("lowOfferPct", self.low_offer_pct, 1..=100);
        check("relistAfterDays", self.relist_after_days, 1..=3_650);
        check("aboveMedianPct", self.above_median_pct, 100..=1_000);
        check("minSimilarSales", self.min_similar_sales, 1..=1_000);
        errors
    }
}

pub(crate) fn read_thresholds(conn: &rusqlite::Connection) -> Result<InsightThresholds> {
    Ok(read_setting(conn, THRESHOLDS_KEY)?
        .and_then(|text| serde_json::from_str(&text).ok())
        .filter(|t: &InsightThresholds| t.field_errors().is_empty())
        .unwrap_or_default())
}

impl Store {
    /// The insights' thresholds: the saved ones, else the defaults.
    pub fn insight_thresholds(&self) -> Result<InsightThresholds> {
        read_thresholds(&self.conn)
    }

    /// Saves the thresholds after checking every field.
    pub fn set_insight_thresholds(
        &mut self,
        thresholds: &InsightThresholds,
    ) -> Result<InsightThresholds> {
        let errors = thresholds.field_errors();
        if !errors.is_empty() {
            return Err(StoreError::Validation(errors));
        }
        let text = serde_json::to_string(thresholds)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        write_setting(&self.conn, THRESHOLDS_KEY, &text)?;
        Ok(*thresholds)
    }
}

/// One day of a listing's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayCounts {
    pub day: NaiveDate,
    pub views: i64,
    pub favorites: i64,
}

/// Everything the rules look at for one listing.
#[derive(Debug, Clone, PartialEq)]
pub struct ListingFacts {
    pub active: bool,
    pub price_cents: i64,
    pub listed_at: Option<DateTime<Utc>>,
    /// Oldest first; the last is today's snapshot.
    pub history: Vec<DayCounts>,
    pub offers: i64,
    pub best_offer_cents: Option<i64>,
    /// Whether the account's inbox was ever read: before, "no offer" only means "not read yet".
    pub inbox_read: bool,
    /// The unit prices similar items of the shop sold at (same category and brand).
    pub similar_sold_cents: Vec<i64>,
    pub now: DateTime<Utc>,
}

/// Every insight the rules find for the listing, in [`InsightType`]'s order.
pub fn insights(facts: &ListingFacts, thresholds: &InsightThresholds) -> Vec<Insight> {
    if !facts.active {
        return Vec::new();
    }
    [
        stale(facts, thresholds),
        few_favorites(facts, thresholds),
        favorites_no_offer(facts, thresholds),
        low_offers(facts, thresholds),
        relist(facts, thresholds),
        above_median(facts, thresholds),
    ]
    .into_iter()
    .flatten()
    .collect()
}

impl InsightType {
    /// What the app offers to do about it.
    pub fn action(self) -> InsightAction {
        match self {
            InsightType::Stale | InsightType::Relist => InsightAction::Relist,
            InsightType::FewFavorites => InsightAction::ImproveListing,
            InsightType::FavoritesNoOffer | InsightType::LowOffers | InsightType::AboveMedian => {
                InsightAction::EditPrice
            }
        }
    }
}

fn insight(insight_type: InsightType, severity: Severity, data: Value) -> Option<Insight> {
    Some(Insight {
        insight_type,
        severity,
        action: insight_type.action(),
        data,
    })
}

/// No new view since the latest snapshot at least `stale_days` old (a history younger than
/// that says nothing yet; a count that went down is a recount, not a flat one). Critical past
/// twice the days. Its data holds the day the count stopped moving (`since`, YYYY-MM-DD), not
/// a number of days: the synced row then stays the same from one day to the next, and the UI
/// counts the days.
pub fn stale(facts: &ListingFacts, t: &InsightThresholds) -> Option<Insight> {
    let today = facts.history.last()?;
    let since = today.day - chrono::Days::new(u64::from(t.stale_days));
    let then = facts.history.iter().rev().find(|d| d.day <= since)?;
    if today.views != then.views {
        return None;
    }
    // How long the count has not moved: back to the first day with today's count.
    let flat_since = facts
        .history
        .iter()
        .rev()
        .take_while(|d| d.views == today.views)
        .last()
        .map_or(then.day, |d| d.day);
    let days = (today.day - flat_since).num_days();
    let severity = if days >= 2 * i64::from(t.stale_days) {
        Severity::Critical
    } else {
        Severity::Warning
    };
    insight(
        InsightType::Stale,
        severity,
        json!({"since": flat_since.to_string(), "views": today.views}),
    )
}

/// At least `many_views` views, favourites under `min_favorite_rate_pct` % of them.
pub fn few_favorites(facts: &ListingFacts, t: &InsightThresholds) -> Option<Insight> {
    let today = facts.history.last()?;
    if today.views < i64::from(t.many_views)
        || today.favorites * 100 >= today.views * i64::from(t.min_favorite_rate_pct)
    {
        return None;
    }
    insight(
        InsightType::FewFavorites,
        Severity::Warning,
        json!({
            "views": today.views,
            "favorites": today.favorites,
            "ratePct": today.favorites * 100 / today.views.max(1),
        }),
    )
}

/// At least `many_favorites` favourites and not one offer, once the inbox (where offers come
/// from) has been read.
pub fn favorites_no_offer(facts: &ListingFacts, t: &InsightThresholds) -> Option<Insight> {
    let today = facts.history.last()?;
    if !facts.inbox_read || facts.offers > 0 || today.favorites < i64::from(t.many_favorites) {
        return None;
    }
    insight(
        InsightType::FavoritesNoOffer,
        Severity::Info,
        json!({"favorites": today.favorites, "priceCents": facts.price_cents}),
    )
}

/// Offers came, the best under `low_offer_pct` % of the price.
pub fn low_offers(facts: &ListingFacts, t: &InsightThresholds) -> Option<Insight> {
    let best = facts.best_offer_cents?;
    if facts.offers == 0 || facts.price_cents == 0 {
        return None;
    }
    if best * 100 >= facts.price_cents * i64::from(t.low_offer_pct) {
        return None;
    }
    insight(
        InsightType::LowOffers,
        Severity::Warning,
        json!({
            "offers": facts.offers,
            "bestOfferCents": best,
            "priceCents": facts.price_cents,
            "bestOfferPct": best * 100 / facts.price_cents,
        }),
    )
}

/// Listed more than `relist_after_days` ago. Warning past twice the days. Its data holds the
/// listing's day (`listedAt`, YYYY-MM-DD), not the age, which would change every day.
pub fn relist(facts: &ListingFacts, t: &InsightThresholds) -> Option<Insight> {
    let listed = facts.listed_at?;
    let days = (facts.now - listed).num_days();
    if days <= i64::from(t.relist_after_days) {
        return None;
    }
    let severity = if days > 2 * i64::from(t.relist_after_days) {
        Severity::Warning
    } else {
        Severity::Info
    };
    insight(
        InsightType::Relist,
        severity,
        json!({"listedAt": listed.date_naive().to_string()}),
    )
}

/// The median of the prices (the lower middle of an even count: never a price nobody paid).
pub fn median(prices: &[i64]) -> Option<i64> {
    let mut sorted = prices.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    (n > 0).then(|| sorted[(n - 1) / 2])
}

/// At least `min_similar_sales` similar items sold, and the price above `above_median_pct` %
/// of their median.
pub fn above_median(facts: &ListingFacts, t: &InsightThresholds) -> Option<Insight> {
    if facts.similar_sold_cents.len() < t.min_similar_sales as usize {
        return None;
    }
    let median = median(&facts.similar_sold_cents)?;
    if facts.price_cents * 100 <= median * i64::from(t.above_median_pct) {
        return None;
    }
    insight(
        InsightType::AboveMedian,
        Severity::Warning,
        json!({
            "medianCents": median,
            "priceCents": facts.price_cents,
            "sales": facts.similar_sold_cents.len(),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(n: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, n).unwrap()
    }

    fn now() -> DateTime<Utc> {
        day(20).and_hms_opt(12, 0, 0).unwrap().and_utc()
    }

    /// An active listing at 20 € listed yesterday, with one snapshot a day of (views, favourites)
    /// ending today (the 20th).
    fn facts(days: &[(i64, i64)]) -> ListingFacts {
        let first = 20 - days.len() as u32 + 1;
        ListingFacts {
            active: true,
            price_cents: 2_000,
            listed_at: Some(now() - chrono::Days::new(1)),
            history: days
                .iter()
                .enumerate()
                .map(|(i, &(views, favorites))| DayCounts {
                    day: day(first + i as u32),
                    views,
                    favorites,
                })
                .collect(),
            offers: 0,
            best_offer_cents: None,
            inbox_read: true,
            similar_sold_cents: Vec::new(),
            now: now(),
        }
    }

    fn types(facts: &ListingFacts) -> Vec<InsightType> {
        insights(facts, &InsightThresholds::default())
            .into_iter()
            .map(|i| i.insight_type)
            .collect()
    }

    #[test]
    fn a_listing_with_no_new_views_for_the_stale_days_is_stale() {
        let t = InsightThresholds::default();
        // Nine days: 10 views, then 12 from the second day (the 13th) on and never more.
        let flat = facts(&[
            (10, 0),
            (12, 0),
            (12, 0),
            (12, 0),
            (12, 0),
            (12, 0),
            (12, 0),
            (12, 0),
            (12, 0),
        ]);
        let found = stale(&flat, &t).expect("stale");
        assert_eq!(found.severity, Severity::Warning);
        assert_eq!(found.data, json!({"since": "2026-03-13", "views": 12}));
        // One more view today: not stale.
        let mut moving = flat.clone();
        moving.history.last_mut().unwrap().views = 13;
        assert_eq!(stale(&moving, &t), None);
        // Fewer views than a week ago is Vinted recounting, not "no new views".
        let mut recounted = flat.clone();
        recounted.history.last_mut().unwrap().views = 11;
        assert_eq!(stale(&recounted, &t), None);
        // A history younger than the stale days says nothing yet.
        assert_eq!(stale(&facts(&[(5, 0), (5, 0), (5, 0)]), &t), None);
        assert_eq!(types(&flat), vec![InsightType::Stale]);
    }

    #[test]
    fn many_views_with_few_favourites_asks_for_better_photos_or_title() {
        let t = InsightThresholds::default();
        let found = few_favorites(&facts(&[(80, 1)]), &t).expect("few favourites");
        assert_eq!(found.action, InsightAction::ImproveListing);
        assert_eq!(found.data["ratePct"], 1);
        // 3 favourites of 80 views is 3.75 %: enough.
        assert_eq!(few_favorites(&facts(&[(80, 3)]), &t), None);
        // Under 50 views: too early to say.
        assert_eq!(few_favorites(&facts(&[(40, 0)]), &t), None);
    }

    #[test]
    fn many_favourites_without_an_offer_suggests_the_price() {
        let t = InsightThresholds::default();
        let found = favorites_no_offer(&facts(&[(30, 6)]), &t).expect("no offer");
        assert_eq!(found.action, InsightAction::EditPrice);
        assert_eq!(found.data, json!({"favorites": 6, "priceCents": 2_000}));
        let mut offered = facts(&[(30, 6)]);
        offered.offers = 1;
        offered.best_offer_cents = Some(1_900);
        assert_eq!(favorites_no_offer(&offered, &t), None);
        assert_eq!(favorites_no_offer(&facts(&[(30, 4)]), &t), None);
        // An inbox never read has not said there is no offer.
        let mut unread = facts(&[(30, 6)]);
        unread.inbox_read = false;
        assert_eq!(favorites_no_offer(&unread, &t), None);
    }

    #[test]
    fn offers_well_below_the_price_are_flagged() {
        let t = InsightThresholds::default();
        let mut low = facts(&[(30, 2)]);
        low.offers = 2;
        low.best_offer_cents = Some(1_200);
        let found = low_offers(&low, &t).expect("low offers");
        assert_eq!(found.data["bestOfferPct"], 60);
        // 14 € of 20 € is 70 %: not below.
        low.best_offer_cents = Some(1_400);
        assert_eq!(low_offers(&low, &t), None);
        assert_eq!(low_offers(&facts(&[(30, 2)]), &t), None);
    }

    #[test]
    fn a_listing_older_than_the_relist_days_suggests_relisting() {
        let t = InsightThresholds::default();
        let mut old = facts(&[(30, 2)]);
        old.listed_at = Some(now() - chrono::Days::new(45));
        let found = relist(&old, &t).expect("relist");
        assert_eq!(
            (found.severity, found.action),
            (Severity::Info, InsightAction::Relist)
        );
        assert_eq!(found.data, json!({"listedAt": "2026-02-03"}));
        old.listed_at = Some(now() - chrono::Days::new(61));
        assert_eq!(relist(&old, &t).unwrap().severity, Severity::Warning);
        old.listed_at = Some(now() - chrono::Days::new(30));
        assert_eq!(relist(&old, &t), None);
    }

    #[test]
    fn a_price_above_the_median_of_similar_sales_is_flagged() {
        let t = InsightThresholds::default();
        let mut dear = facts(&[(30, 2)]);
        dear.similar_sold_cents = vec![1_500, 1_000, 1_600, 1_200];
        // Median 12 € (the lower middle); 20 € is 166 % of it.
        let found = above_median(&dear, &t).expect("above the median");
        assert_eq!(
            found.data,
            json!({"medianCents": 1_200, "priceCents": 2_000, "sales": 4})
        );
        // Two sales are too few to say.
        dear.similar_sold_cents = vec![1_000, 1_200];
        assert_eq!(above_median(&dear, &t), None);
        // 20 € against a 17 € median is under 120 %.
        dear.similar_sold_cents = vec![1_700, 1_700, 1_800];
        assert_eq!(above_median(&dear, &t), None);
    }

    #[test]
    fn a_listing_that_is_not_active_gets_no_insight() {
        let mut sold = facts(&[(80, 0)]);
        sold.active = false;
        assert!(types(&sold).is_empty());
    }

    #[test]
    fn thresholds_out_of_range_are_refused_field_by_field() {
        let wrong = InsightThresholds {
            stale_days: 0,
            above_median_pct: 90,
            ..InsightThresholds::default()
        };
        let fields: Vec<_> = wrong.field_errors().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["staleDays", "aboveMedianPct"]);
        assert!(InsightThresholds::default().field_errors().is_empty());
    }
}
