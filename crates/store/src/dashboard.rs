//! The dashboard: the books of a period summed in SQL, for one Vinted account or all.
//!
//! Figures come from the live (not canceled) orders whose date (`created_at`, when the sale or
//! purchase happened) falls in the half-open period `[from, to)`, with the money model of
//! [`crate::orders`]:
//!
//! - revenue = Σ price of the sales; fees = Σ fees borne by the seller (fees total) of the sales;
//!   cost of goods sold = Σ cost of the sales (unit costs snapshotted when sold);
//!   net profit = revenue − fees − cost of goods sold = Σ profit of the sales;
//! - margin in basis points = net profit × 10 000 / revenue, rounded (1 234 = 12.34 %);
//! - average sale price = revenue / number of sales (orders), rounded to the cent;
//! - average days to sell = over the units sold from the inventory, the mean number of days from
//!   the item's entry in stock (its `created_at`) to the sale, never below 0;
//! - purchases = number and Σ (price + fees) of the purchases (what the purchases register sums);
//! - series per day, or per month when the period is longer than [`DAILY_SERIES_MAX_DAYS`], in
//!   the user's UTC offset, every bucket of the period present (zeros included);
//! - sales by category and by brand: units and revenue of the order lines (a bundle's price is
//!   split over its lines, so each breakdown adds up to the revenue).
//!
//! Stock figures are the inventory now, all accounts together (items are not per account): items
//! with stock that are not archived, valued at unit cost and at price. Dead stock: those entered
//! more than `dead_stock_days` ago with no live sale since then.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, NaiveTime, SecondsFormat, Utc};
use rusqlite::{params_from_iter, types::Value};
use serde::{Deserialize, Serialize};

use crate::enums::text_enum;
use crate::orders::{div_round, normalize_time, profit_cents};
use crate::{FieldError, FieldErrorCode, Result, Store, StoreError};

/// Longest period (in days) charted per day; longer periods are charted per month.
pub const DAILY_SERIES_MAX_DAYS: i64 = 92;
/// Largest UTC offset accepted, in minutes (UTC+14 / UTC−14).
pub const MAX_UTC_OFFSET_MINUTES: i32 = 14 * 60;

text_enum!(SeriesGranularity { Day = "day", Month = "month" });

/// What the dashboard shows: a period `[from, to)` in RFC 3339, one account or all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct DashboardQuery {
    pub from: String,
    pub to: String,
    pub seller_account_id: Option<String>,
    /// Items in stock for longer than this with no sale since count as dead stock.
    pub dead_stock_days: u32,
    /// The user's offset from UTC in minutes (60 for Paris in winter), so days and months of the
    /// charts are the user's.
    pub utc_offset_minutes: i32,
}

/// One point of the charts over time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SeriesPoint {
    /// `2026-03-05` per day, `2026-03` per month.
    pub bucket: String,
    pub sales: i64,
    pub revenue_cents: i64,
    pub profit_cents: i64,
}

/// Sales of one category or one brand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SalesBreakdown {
    /// `None`: items without a category (or brand), or lines not linked to the inventory.
    pub key: Option<String>,
    pub units: i64,
    pub revenue_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    /// The period as used, normalized to UTC milliseconds.
    pub from: String,
    pub to: String,
    pub revenue_cents: i64,
    pub fees_cents: i64,
    pub cost_of_goods_cents: i64,
    pub net_profit_cents: i64,
    /// Net profit / revenue in basis points; `None` without revenue.
    pub margin_bp: Option<i64>,
    pub sales_count: i64,
    pub units_sold: i64,
    pub average_sale_cents: Option<i64>,
    pub average_days_to_sell: Option<f64>,
    pub purchases_count: i64,
    /// Price + fees of the purchases.
    pub purchases_cents: i64,
    pub stock_items: i64,
    pub stock_units: i64,
    pub stock_value_cost_cents: i64,
    pub stock_value_price_cents: i64,
    /// Items count as dead stock when they entered stock before this time.
    pub dead_stock_since: String,
    pub dead_stock_items: i64,
    pub dead_stock_units: i64,
    pub dead_stock_value_cost_cents: i64,
    pub dead_stock_value_price_cents: i64,
    pub granularity: SeriesGranularity,
    pub series: Vec<SeriesPoint>,
    /// Most revenue first.
    pub by_category: Vec<SalesBreakdown>,
    pub by_brand: Vec<SalesBreakdown>,
}

impl Store {
    pub fn dashboard(&self, query: &DashboardQuery) -> Result<Dashboard> {
        let mut errors = Vec::new();
        let from = normalize_time(&query.from);
        let to = normalize_time(&query.to);
        if from.is_none() {
            errors.push(FieldError::new("from", FieldErrorCode::Invalid));
        }
        if to.is_none() || (from.is_some() && to <= from) {
            errors.push(FieldError::new("to", FieldErrorCode::Invalid));
        }
        if query.utc_offset_minutes.abs() > MAX_UTC_OFFSET_MINUTES {
            errors.push(FieldError::new("utcOffsetMinutes", FieldErrorCode::Invalid));
        }
        if query.dead_stock_days > 36_500 {
            errors.push(FieldError::new("deadStockDays", FieldErrorCode::TooLarge));
        }
        let (Some(from), Some(to)) = (from, to) else {
            return Err(StoreError::Validation(errors));
        };
        if !errors.is_empty() {
            return Err(StoreError::Validation(errors));
        }
        let account = query
            .seller_account_id
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty());
        let account_filter = if account.is_some() {
            " AND o.seller_account_id = ?4"
        } else {
            ""
        };
        // The live orders of type ?1 in [?2, ?3) (of account ?4), alias `o`: a range of the
        // covering books indexes.
        let live = format!(
            "o.order_type = ?1 AND o.canceled_at IS NULL AND o.created_at >= ?2
             AND o.created_at < ?3{account_filter}"
        );
        let args = |order_type: &str, start: &str, end: &str| -> Vec<Value> {
            let mut args: Vec<Value> = vec![
                order_type.to_owned().into(),
                start.to_owned().into(),
                end.to_owned().into(),
            ];
            args.extend(account.map(|a| Value::from(a.to_owned())));
            args
        };

        // Sales, one range query per day or month (cheaper than grouping every row by a
        // computed date); the totals are the sums of the buckets.
        let (from_at, to_at) = (parse(&from), parse(&to));
        let granularity = if to_at - from_at > Duration::days(DAILY_SERIES_MAX_DAYS) {
            SeriesGranularity::Month
        } else {
            SeriesGranularity::Day
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT count(*), COALESCE(SUM(o.price), 0), COALESCE(SUM(COALESCE(o.fees_total, 0)), 0),
                    COALESCE(SUM(o.purchase_cost), 0), COALESCE(SUM(o.quantity), 0)
             FROM seller_orders o WHERE {live}"
        ))?;
        let mut series = Vec::new();
        let (mut sales_count, mut revenue, mut fees, mut cogs, mut units_sold) = (0, 0, 0, 0, 0);
        for bucket in buckets(from_at, to_at, query.utc_offset_minutes, granularity) {
            let (count, price, fee, cost, units): (i64, i64, i64, i64, i64) = stmt.query_row(
                params_from_iter(args("sale", &bucket.start, &bucket.end)),
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )?;
            sales_count += count;
            revenue += price;
            fees += fee;
            cogs += cost;
            units_sold += units;
            series.push(SeriesPoint {
                bucket: bucket.key,
                sales: count,
                revenue_cents: price,
                profit_cents: profit_cents(price, cost, Some(fee)),
            });
        }
        let net_profit = profit_cents(revenue, cogs, Some(fees));

        let (purchases_count, purchases_cents): (i64, i64) = self.conn.query_row(
            &format!(
                "SELECT count(*), COALESCE(SUM(o.price + COALESCE(o.fees_total, 0)), 0)
                 FROM seller_orders o WHERE {live}"
            ),
            params_from_iter(args("purchase", &from, &to)),
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;

        // One pass over the lines of the period's sales, by (category, brand).
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT l.category, l.brand, SUM(l.quantity), SUM(l.price),
                    SUM(CASE WHEN l.stocked_at IS NOT NULL THEN l.quantity ELSE 0 END),
                    SUM(CASE WHEN l.stocked_at IS NOT NULL
                        THEN l.quantity * MAX(0.0, julianday(o.created_at) - julianday(l.stocked_at))
                        ELSE 0.0 END)
             FROM seller_orders o JOIN seller_order_bundle_items l ON l.order_id = o.id
             WHERE {live} GROUP BY l.category, l.brand"
        ))?;
        let groups = stmt
            .query_map(params_from_iter(args("sale", &from, &to)), |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, f64>(5)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut by_category = BTreeMap::<Option<String>, (i64, i64)>::new();
        let mut by_brand = BTreeMap::<Option<String>, (i64, i64)>::new();
        let (mut stocked_units, mut stocked_days) = (0i64, 0f64);
        for (category, brand, units, revenue, with_entry, days) in groups {
            for (map, key) in [(&mut by_category, category), (&mut by_brand, brand)] {
                let entry = map.entry(key).or_default();
                entry.0 += units;
                entry.1 += revenue;
            }
            stocked_units += with_entry;
            stocked_days += days;
        }

        // Stock now.
        let shop = self.shop_id();
        let (stock_items, stock_units, stock_cost, stock_price): (i64, i64, i64, i64) =
            self.conn.query_row(
                "SELECT count(*), COALESCE(SUM(quantity), 0),
                        COALESCE(SUM(quantity * purchase_cost), 0), COALESCE(SUM(quantity * price), 0)
                 FROM seller_products
                 WHERE shop_id = ?1 AND quantity > 0 AND status <> 'archived'",
                [shop],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
        let dead_since = (Utc::now() - Duration::days(i64::from(query.dead_stock_days)))
            .to_rfc3339_opts(SecondsFormat::Millis, true);
        // The items sold since the cut-off are few (recent sales); the rest of the stock is
        // checked against that list in one pass.
        let (dead_items, dead_units, dead_cost, dead_price): (i64, i64, i64, i64) =
            self.conn.query_row(
                "SELECT count(*), COALESCE(SUM(p.quantity), 0),
                        COALESCE(SUM(p.quantity * p.purchase_cost), 0),
                        COALESCE(SUM(p.quantity * p.price), 0)
                 FROM seller_products p
                 WHERE p.shop_id = ?1 AND p.quantity > 0 AND p.status <> 'archived'
                   AND p.created_at < ?2
                   AND p.id NOT IN (
                       SELECT l.product_id FROM seller_orders o
                       JOIN seller_order_bundle_items l ON l.order_id = o.id
                       WHERE o.order_type = 'sale' AND o.canceled_at IS NULL
                         AND o.created_at >= ?2 AND l.product_id IS NOT NULL)",
                [shop, dead_since.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;

        Ok(Dashboard {
            from,
            to,
            revenue_cents: revenue,
            fees_cents: fees,
            cost_of_goods_cents: cogs,
            net_profit_cents: net_profit,
            margin_bp: (revenue > 0).then(|| div_round(net_profit * 10_000, revenue)),
            sales_count,
            units_sold,
            average_sale_cents: (sales_count > 0).then(|| div_round(revenue, sales_count)),
            average_days_to_sell: (stocked_units > 0).then(|| stocked_days / stocked_units as f64),
            purchases_count,
            purchases_cents,
            stock_items,
            stock_units,
            stock_value_cost_cents: stock_cost,
            stock_value_price_cents: stock_price,
            dead_stock_since: dead_since,
            dead_stock_items: dead_items,
            dead_stock_units: dead_units,
            dead_stock_value_cost_cents: dead_cost,
            dead_stock_value_price_cents: dead_price,
            granularity,
            series,
            by_category: sorted(by_category),
            by_brand: sorted(by_brand),
        })
    }
}

fn parse(normalized: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(normalized)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// One day or month of the charts: its label and its UTC range, clipped to the period.
struct Bucket {
    key: String,
    start: String,
    end: String,
}

/// Every day or month touched by `[from, to)` in the user's offset, in order, with the UTC
/// range of each (its local midnights, clipped to the period).
fn buckets(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    offset_minutes: i32,
    granularity: SeriesGranularity,
) -> Vec<Bucket> {
    let offset = Duration::minutes(i64::from(offset_minutes));
    let local = (from + offset).date_naive();
    let mut first = match granularity {
        SeriesGranularity::Day => Some(local),
        SeriesGranularity::Month => local.with_day(1),
    };
    let text = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
    let mut out = Vec::new();
    while let Some(day) = first {
        let next = match granularity {
            SeriesGranularity::Day => day.succ_opt(),
            SeriesGranularity::Month => day.checked_add_months(Months::new(1)),
        };
        let utc = |d: NaiveDate| d.and_time(NaiveTime::MIN).and_utc() - offset;
        let start = utc(day).max(from);
        let end = next.map_or(to, |n| utc(n).min(to));
        if start >= to {
            break;
        }
        out.push(Bucket {
            key: match granularity {
                SeriesGranularity::Day => day.format("%Y-%m-%d").to_string(),
                SeriesGranularity::Month => day.format("%Y-%m").to_string(),
            },
            start: text(start),
            end: text(end),
        });
        first = next;
    }
    out
}

fn sorted(map: BTreeMap<Option<String>, (i64, i64)>) -> Vec<SalesBreakdown> {
    let mut rows: Vec<SalesBreakdown> = map
        .into_iter()
        .map(|(key, (units, revenue_cents))| SalesBreakdown {
            key,
            units,
            revenue_cents,
        })
        .collect();
    // Stable: equal revenues keep the key order of the map.
    rows.sort_by_key(|r| std::cmp::Reverse(r.revenue_cents));
    rows
}
