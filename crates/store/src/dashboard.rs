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
use serde::{Deserialize, Serialize};

use crate::enums::text_enum;
use crate::orders::{OrderType, div_round, normalize_time, profit_cents};
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
        let (from_at, to_at) = (parse(&from), parse(&to));
        let granularity = if to_at - from_at > Duration::days(DAILY_SERIES_MAX_DAYS) {
            SeriesGranularity::Month
        } else {
            SeriesGranularity::Day
        };
        let mut series = Vec::new();
        let mut sales = Books::default();
        for bucket in buckets(from_at, to_at, query.utc_offset_minutes, granularity) {
            let books = self.books(OrderType::Sale, bucket.start, bucket.end, account)?;
            sales += books;
            series.push(SeriesPoint {
                bucket: bucket.key,
                sales: books.orders,
                revenue_cents: books.price,
                profit_cents: profit_cents(books.price, books.cost, Some(books.fees)),
            });
        }
        let (revenue, fees, cogs) = (sales.price, sales.fees, sales.cost);
        let net_profit = profit_cents(revenue, cogs, Some(fees));
        let purchases = self.books(OrderType::Purchase, from_at, to_at, account)?;

        let mut by_category = BTreeMap::<Option<String>, (i64, i64)>::new();
        let mut by_brand = BTreeMap::<Option<String>, (i64, i64)>::new();
        let (mut stocked_units, mut stocked_days) = (0i64, 0f64);
        for group in self.sales_lines(from_at, to_at, account)? {
            for (map, key) in [
                (&mut by_category, group.category),
                (&mut by_brand, group.brand),
            ] {
                if let Some(key) = key {
                    let entry = map.entry(key).or_default();
                    entry.0 += group.units;
                    entry.1 += group.revenue;
                }
            }
            stocked_units += group.stocked_units;
            stocked_days += group.stocked_days;
        }
        // Summaries add and take off floating-point day counts; drop the dust.
        let stocked_days = (stocked_days * 1e6).round() / 1e6;
        let units_sold = sales.units;
        let sales_count = sales.orders;
        let purchases_count = purchases.orders;
        let purchases_cents = purchases.price + purchases.fees;

        // Stock now, from the running totals.
        let shop = self.shop_id();
        let (stock_items, stock_units, stock_cost, stock_price): (i64, i64, i64, i64) = self
            .conn
            .prepare_cached(
                "SELECT COALESCE(SUM(stocked), 0), COALESCE(SUM(units), 0),
                        COALESCE(SUM(cost_value), 0), COALESCE(SUM(price_value), 0)
                 FROM seller_inventory_totals WHERE shop_id = ?1 AND status <> 'archived'",
            )?
            .query_row([shop], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        let dead_since = Utc::now() - Duration::days(i64::from(query.dead_stock_days));
        let (dead_items, dead_units, dead_cost, dead_price) = self.dead_stock(dead_since)?;
        let dead_since = rfc3339(dead_since);

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

/// Live orders of one type summed over a range (see `seller_books_hourly` in migration 0006).
#[derive(Debug, Default, Clone, Copy)]
struct Books {
    orders: i64,
    price: i64,
    fees: i64,
    cost: i64,
    units: i64,
}

impl std::ops::AddAssign for Books {
    fn add_assign(&mut self, o: Books) {
        self.orders += o.orders;
        self.price += o.price;
        self.fees += o.fees;
        self.cost += o.cost;
        self.units += o.units;
    }
}

/// The lines of live sales of one category and brand summed over a range.
#[derive(Debug)]
struct LineGroup {
    /// `Some(key)` when the group counts under the categories (or brands); summary rows count
    /// under one of them only.
    category: Option<Option<String>>,
    brand: Option<Option<String>>,
    units: i64,
    revenue: i64,
    stocked_units: i64,
    stocked_days: f64,
}

/// A range cut where the summaries' buckets allow: whole buckets in the middle (read from a
/// summary), partial ones at the edges (read from the rows).
struct Split {
    edges: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    whole: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

fn split(start: DateTime<Utc>, end: DateTime<Utc>, bucket_seconds: i64) -> Split {
    let floor = |t: DateTime<Utc>| {
        let secs = t.timestamp();
        DateTime::from_timestamp(secs - secs.rem_euclid(bucket_seconds), 0).unwrap_or(t)
    };
    let ceil = |t: DateTime<Utc>| {
        let down = floor(t);
        if down == t {
            t
        } else {
            down + Duration::seconds(bucket_seconds)
        }
    };
    let (first, last) = (ceil(start), floor(end));
    if first >= last {
        return Split {
            edges: vec![(start, end)],
            whole: None,
        };
    }
    Split {
        edges: [(start, first), (last, end)]
            .into_iter()
            .filter(|(a, b)| a < b)
            .collect(),
        whole: Some((first, last)),
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Store {
    /// The live orders of `order_type` created in `[start, end)`, of one account or all.
    fn books(
        &self,
        order_type: OrderType,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        account: Option<&str>,
    ) -> Result<Books> {
        let read = |r: &rusqlite::Row<'_>| {
            Ok(Books {
                orders: r.get(0)?,
                price: r.get(1)?,
                fees: r.get(2)?,
                cost: r.get(3)?,
                units: r.get(4)?,
            })
        };
        let (account_filter, account_value) = match account {
            Some(a) => (" AND {column} = ?4", a),
            None => (" AND ?4 IS NOT NULL", ""),
        };
        let parts = split(start, end, 3600);
        let mut total = Books::default();
        let mut rows = self.conn.prepare_cached(&format!(
            "SELECT count(*), COALESCE(SUM(o.price), 0), COALESCE(SUM(COALESCE(o.fees_total, 0)), 0),
                    COALESCE(SUM(o.purchase_cost), 0), COALESCE(SUM(o.quantity), 0)
             FROM seller_orders o
             WHERE o.order_type = ?1 AND o.canceled_at IS NULL AND o.created_at >= ?2
               AND o.created_at < ?3{}",
            account_filter.replace("{column}", "o.seller_account_id")
        ))?;
        for (a, b) in parts.edges {
            total += rows.query_row(
                (order_type.as_str(), rfc3339(a), rfc3339(b), account_value),
                read,
            )?;
        }
        if let Some((a, b)) = parts.whole {
            let mut summary = self.conn.prepare_cached(&format!(
                "SELECT COALESCE(SUM(orders), 0), COALESCE(SUM(price), 0), COALESCE(SUM(fees), 0),
                        COALESCE(SUM(cost), 0), COALESCE(SUM(quantity), 0)
                 FROM seller_books_hourly
                 WHERE order_type = ?1 AND hour >= ?2 AND hour < ?3{}",
                account_filter.replace("{column}", "account_key")
            ))?;
            let hour = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H").to_string();
            total +=
                summary.query_row((order_type.as_str(), hour(a), hour(b), account_value), read)?;
        }
        Ok(total)
    }

    /// The lines of live sales created in `[start, end)`, by category and brand.
    fn sales_lines(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        account: Option<&str>,
    ) -> Result<Vec<LineGroup>> {
        let read = |r: &rusqlite::Row<'_>| {
            Ok(LineGroup {
                category: Some(r.get(0)?),
                brand: Some(r.get(1)?),
                units: r.get(2)?,
                revenue: r.get(3)?,
                stocked_units: r.get(4)?,
                stocked_days: r.get(5)?,
            })
        };
        let (account_filter, account_value) = match account {
            Some(a) => (" AND {column} = ?3", a),
            None => (" AND ?3 IS NOT NULL", ""),
        };
        let parts = split(start, end, 86_400);
        let mut groups = Vec::new();
        let mut rows = self.conn.prepare_cached(&format!(
            "SELECT l.category, l.brand, SUM(l.quantity), SUM(l.price),
                    SUM((l.stocked_at IS NOT NULL) * l.quantity),
                    SUM(COALESCE(l.quantity
                        * MAX(0.0, julianday(o.created_at) - julianday(l.stocked_at)), 0.0))
             FROM seller_orders o JOIN seller_order_bundle_items l ON l.order_id = o.id
             WHERE o.order_type = 'sale' AND o.canceled_at IS NULL AND o.created_at >= ?1
               AND o.created_at < ?2{}
             GROUP BY l.category, l.brand",
            account_filter.replace("{column}", "o.seller_account_id")
        ))?;
        for (a, b) in parts.edges {
            let edge = rows.query_map((rfc3339(a), rfc3339(b), account_value), read)?;
            groups.extend(edge.collect::<rusqlite::Result<Vec<_>>>()?);
        }
        if let Some((a, b)) = parts.whole {
            // Each line is summed once per kind; the days to sell come from the category rows.
            let mut summary = self.conn.prepare_cached(&format!(
                "SELECT kind, NULLIF(key, ''), SUM(units), SUM(revenue),
                        CASE kind WHEN 'category' THEN SUM(stocked_units) ELSE 0 END,
                        CASE kind WHEN 'category' THEN SUM(stocked_days) ELSE 0.0 END
                 FROM seller_sales_breakdown_daily
                 WHERE day >= ?1 AND day < ?2{}
                 GROUP BY kind, key",
                account_filter.replace("{column}", "account_key")
            ))?;
            let day = |t: DateTime<Utc>| t.format("%Y-%m-%d").to_string();
            let whole = summary.query_map((day(a), day(b), account_value), |r| {
                let kind: String = r.get(0)?;
                let key: Option<String> = r.get(1)?;
                Ok(LineGroup {
                    category: (kind == "category").then(|| key.clone()),
                    brand: (kind == "brand").then_some(key),
                    units: r.get(2)?,
                    revenue: r.get(3)?,
                    stocked_units: r.get(4)?,
                    stocked_days: r.get(5)?,
                })
            })?;
            groups.extend(whole.collect::<rusqlite::Result<Vec<_>>>()?);
        }
        Ok(groups)
    }
}

impl Store {
    /// The stock (not archived, with units) whose last activity (entry in stock or last live
    /// sale) is before `cutoff`: whole days from `seller_stock_staleness_daily`, the cut-off's
    /// own day from the items.
    fn dead_stock(&self, cutoff: DateTime<Utc>) -> Result<(i64, i64, i64, i64)> {
        let shop = self.shop_id();
        let cut_day = cutoff.format("%Y-%m-%d").to_string();
        let read = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?));
        let whole: (i64, i64, i64, i64) = self
            .conn
            .prepare_cached(
                "SELECT COALESCE(SUM(items), 0), COALESCE(SUM(units), 0),
                        COALESCE(SUM(cost_value), 0), COALESCE(SUM(price_value), 0)
                 FROM seller_stock_staleness_daily WHERE shop_id = ?1 AND day < ?2",
            )?
            .query_row((shop, &cut_day), read)?;
        let edge: (i64, i64, i64, i64) = self
            .conn
            .prepare_cached(
                "SELECT count(*), COALESCE(SUM(quantity), 0),
                        COALESCE(SUM(quantity * purchase_cost), 0), COALESCE(SUM(quantity * price), 0)
                 FROM seller_products
                 WHERE shop_id = ?1 AND quantity > 0 AND status <> 'archived'
                   AND max(created_at, COALESCE(last_sold_at, '')) >= ?2
                   AND max(created_at, COALESCE(last_sold_at, '')) < ?3",
            )?
            .query_row((shop, &cut_day, rfc3339(cutoff)), read)?;
        Ok((
            whole.0 + edge.0,
            whole.1 + edge.1,
            whole.2 + edge.2,
            whole.3 + edge.3,
        ))
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
    start: DateTime<Utc>,
    end: DateTime<Utc>,
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
            start,
            end,
        });
        first = next;
    }
    out
}

fn sorted(map: BTreeMap<Option<String>, (i64, i64)>) -> Vec<SalesBreakdown> {
    let mut rows: Vec<SalesBreakdown> = map
        .into_iter()
        // Summary rows whose sales were all canceled add up to nothing: not a sale.
        .filter(|(_, (units, revenue))| *units != 0 || *revenue != 0)
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
