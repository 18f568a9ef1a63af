//! Listing statistics as the app runs them: the statistics job in the account's real Chromium
//! session behind tinyproxy, reading the local Vinted's wardrobe; three simulated days (the
//! recorded snapshots moved back a day between runs, the counts changed on the site) give the
//! history, the 7-day trends and the insights; a rate limit in the middle of the read resumes
//! without a page read twice or left out.

#![cfg(target_os = "linux")]

use std::collections::HashMap;
use std::time::Duration;

use seller_panel_tests::fake_vinted::{self, Failure, FakeVinted, Step};
use seller_panel_tests::vinted::{Harness, quick_pacing};
use seller_panel_tests::wait::wait_until;
use seller_store::products::{ProductDraft, SortDir};
use seller_store::raw::RawSql;
use seller_store::vinted::insights::{InsightThresholds, InsightType};
use seller_store::vinted::statistics::{
    FiguresFilter, FiguresSort, FiguresSortField, ListingFigures,
};
use seller_store::vinted::{JobKind, JobState, ListingStatus, PacingSettings, WardrobeListing};
use serde_json::json;

const READ_WITHIN: Duration = Duration::from_secs(240);

/// The test account's listings on the site, as its wardrobe shows them.
fn mine(fake: &FakeVinted) -> Vec<fake_vinted::Item> {
    fake.items()
        .into_iter()
        .filter(|i| i.user_id == fake_vinted::USER_ID && !i.is_deleted)
        .collect()
}

fn is_active(item: &fake_vinted::Item) -> bool {
    !(item.is_draft || item.is_closed || item.is_sold || item.is_reserved || item.is_hidden)
}

fn set_counts(fake: &FakeVinted, id: u64, views: u64, favourites: u64) {
    let mut item = fake.item(id).expect("a seeded item");
    item.view_count = views;
    item.favourite_count = favourites;
    fake.put_item(item);
}

fn figures(harness: &Harness, sort: FiguresSortField) -> Vec<ListingFigures> {
    harness
        .db
        .lock()
        .list_listing_figures(&FiguresFilter {
            account_id: Some(harness.account_id.clone()),
            sort: FiguresSort {
                field: sort,
                dir: SortDir::Desc,
            },
            per_page: 500,
            ..FiguresFilter::default()
        })
        .expect("the figures")
        .items
}

async fn run_statistics(harness: &Harness) -> serde_json::Value {
    let job = harness
        .enqueue(JobKind::ReadStatistics, json!({}), false)
        .await;
    let job = harness
        .wait_for_job(&job.id, &[JobState::Done, JobState::Failed], READ_WITHIN)
        .await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    job.result.expect("a summary")
}

/// Moves every recorded snapshot back one day, as if the runs so far had happened a day
/// earlier (in two steps, so no day meets a row not moved yet).
fn a_day_passes(harness: &Harness) {
    let db = harness.db.lock();
    let conn = db.connection();
    for sql in [
        "UPDATE vinted_listing_stats_history SET day = date(day, '-1001 days'),
            recorded_at = strftime('%Y-%m-%dT%H:%M:%fZ', recorded_at, '-1 day')",
        "UPDATE vinted_listing_stats_history SET day = date(day, '+1000 days')",
    ] {
        conn.execute(sql, []).expect("moving the snapshots back");
    }
    // The synced history's ids are derived from its day: a row moved to another day takes
    // that day's id (oldest first, so none meets a row not moved yet).
    let rows: Vec<(String, String, String, String)> = conn
        .prepare(
            "SELECT id, published_listing_id, metric,
                strftime('%Y-%m-%dT%H:%M:%fZ', recorded_at, '-1 day')
             FROM seller_listing_analytics_history ORDER BY recorded_at",
        )
        .expect("a query")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("the rows")
        .collect::<Result<_, _>>()
        .expect("the rows");
    for (id, published, metric, at) in rows {
        let day = &at[..10];
        let moved = seller_store::ids::derived_uuid(
            "seller_listing_analytics_history",
            &[&published, &metric, day],
        );
        conn.execute(
            "UPDATE seller_listing_analytics_history SET id = ?2, recorded_at = ?3 WHERE id = ?1",
            [&id, &moved, &at],
        )
        .expect("moving the synced history back");
    }
}

/// The sync engine's record of local changes to the listings and their synced figures:
/// (count, latest stamp).
fn synced_clock(harness: &Harness) -> (i64, i64) {
    harness
        .db
        .lock()
        .connection()
        .query_row(
            "SELECT count(*), coalesce(max(hlc), 0) FROM sync_clock WHERE tbl IN
                ('seller_listings', 'seller_published_listings', 'seller_listing_analytics',
                 'seller_listing_analytics_history', 'seller_listing_insights')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("reading sync_clock")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_days_of_snapshots_give_the_history_the_trends_and_the_insights() {
    let fake = FakeVinted::start();
    fake.seed_wardrobe(120);
    let harness = Harness::start(&fake, quick_pacing()).await;
    // Stale after 2 days without a view; no relist suggestion in this test.
    harness
        .db
        .lock()
        .set_insight_thresholds(&InsightThresholds {
            stale_days: 2,
            relist_after_days: 3_650,
            ..InsightThresholds::default()
        })
        .expect("the thresholds");

    let items = mine(&fake);
    let active: Vec<u64> = items
        .iter()
        .filter(|i| is_active(i))
        .map(|i| i.id)
        .collect();
    assert!(active.len() >= 4, "the seeded wardrobe has active listings");
    // A grows; B stops; C has many views and few favourites; D, linked to an inventory item,
    // has many favourites and no offer. Every other listing gains 5 views a day.
    let (a, b, c, d) = (active[0], active[1], active[2], active[3]);
    let day_counts = |day: u64, id: u64| -> (u64, u64) {
        match id {
            _ if id == a => ([10, 30, 60][day as usize], 1 + day),
            _ if id == b => (40, 2),
            _ if id == c => (60 + 20 * day, day),
            _ if id == d => (20 + 5 * day, 6 + day),
            _ => (5 + 5 * day, 0),
        }
    };
    // D is linked to an item by its SKU before the first run.
    {
        let mut db = harness.db.lock();
        db.create_product(ProductDraft {
            sku: Some("SP-STATS".into()),
            ..ProductDraft::titled("Veste suivie")
        })
        .expect("an inventory item");
        db.upsert_listings(
            &harness.account_id,
            &[WardrobeListing {
                listing_id: d.to_string(),
                title: "Veste suivie".into(),
                photo_url: None,
                price_cents: 1_000,
                status: ListingStatus::Active,
                listed_at: None,
                sku: None,
            }],
            &seller_store::now_rfc3339(),
        )
        .expect("the listing row");
        db.link_listing(&harness.account_id, &d.to_string(), Some("SP-STATS"))
            .expect("linking");
        // The inbox was read (one conversation, about none of these listings): "no offer"
        // then means none came, not that none was read yet.
        db.connection()
            .execute(
                "INSERT INTO seller_conversations (id, item_id, seller_account_id)
                 VALUES ('inbox-read', '1', ?1)",
                [&harness.account_id],
            )
            .expect("a conversation");
    }

    let mut summaries = Vec::new();
    for day in 0..3 {
        if day > 0 {
            a_day_passes(&harness);
        }
        for item in &items {
            let (views, favourites) = day_counts(day, item.id);
            set_counts(&fake, item.id, views, favourites);
        }
        summaries.push(run_statistics(&harness).await);
    }
    for summary in &summaries {
        assert_eq!(summary["seen"], items.len(), "{summary}");
        assert_eq!(summary["snapshotted"], items.len(), "{summary}");
        assert_eq!(summary["complete"], true, "{summary}");
    }
    // Day 1 and 2: C only has few favourites and D no offer; day 3 also B is stale.
    assert_eq!(
        summaries[0]["insights"],
        json!({"few_favorites": 1, "favorites_no_offer": 1})
    );
    assert_eq!(summaries[1]["insights"], summaries[0]["insights"]);
    assert_eq!(
        summaries[2]["insights"],
        json!({"stale": 1, "few_favorites": 1, "favorites_no_offer": 1})
    );

    // Every listing has three days of history, one snapshot each.
    let rows = figures(&harness, FiguresSortField::Views);
    assert_eq!(rows.len(), items.len());
    let by_id: HashMap<String, &ListingFigures> =
        rows.iter().map(|r| (r.listing_id.clone(), r)).collect();
    for item in &items {
        let row = by_id[&item.id.to_string()];
        let history = harness
            .db
            .lock()
            .listing_history(&row.id)
            .expect("a history");
        let views: Vec<i64> = history.iter().map(|p| p.views).collect();
        let expected: Vec<i64> = (0..3)
            .map(|day| day_counts(day, item.id).0 as i64)
            .collect();
        assert_eq!(views, expected, "{item:?}");
        let days: Vec<&str> = history.iter().map(|p| p.day.as_str()).collect();
        let today = chrono::Utc::now().date_naive();
        let want: Vec<String> = (0..3)
            .rev()
            .map(|back| (today - chrono::Days::new(back)).to_string())
            .collect();
        assert_eq!(days, want);
        // The trend: today's count minus the first day's (the history is younger than 7 days).
        let (v0, f0) = day_counts(0, item.id);
        let (v2, f2) = day_counts(2, item.id);
        assert_eq!(row.views, Some(v2 as i64));
        assert_eq!(row.views_trend, Some(v2 as i64 - v0 as i64), "{item:?}");
        assert_eq!(row.favorites_trend, Some(f2 as i64 - f0 as i64), "{item:?}");
        assert_eq!(row.offers, Some(0), "no conversation: no offer");
    }
    // Sorted by views in SQL: C (100) first, then A (60).
    assert_eq!(rows[0].listing_id, c.to_string());
    assert_eq!(rows[1].listing_id, a.to_string());
    let by_trend = figures(&harness, FiguresSortField::ViewsTrend);
    assert_eq!(by_trend[0].listing_id, a.to_string(), "A gained 50 views");

    let insight_types = |id: u64| -> Vec<InsightType> {
        by_id[&id.to_string()]
            .insights
            .iter()
            .map(|i| i.insight_type)
            .collect()
    };
    assert_eq!(insight_types(a), vec![]);
    assert_eq!(insight_types(b), vec![InsightType::Stale]);
    assert_eq!(insight_types(c), vec![InsightType::FewFavorites]);
    assert_eq!(insight_types(d), vec![InsightType::FavoritesNoOffer]);
    let stale = &by_id[&b.to_string()].insights[0];
    // The day B's count stopped (the first of the three): a date, which stays the same from
    // one day to the next, not a number of days.
    let first_day = chrono::Utc::now().date_naive() - chrono::Days::new(2);
    assert_eq!(
        stale.data,
        json!({"since": first_day.to_string(), "views": 40})
    );

    // D's figures are also in the schema's synced tables, one row per metric and day.
    {
        let db = harness.db.lock();
        let conn = db.connection();
        let synced: Vec<(String, i64)> = conn
            .prepare(
                "SELECT h.metric, h.value FROM seller_listing_analytics_history h
             JOIN seller_published_listings p ON p.id = h.published_listing_id
             WHERE p.vinted_listing_id = ?1 ORDER BY h.metric, h.recorded_at",
            )
            .expect("a query")
            .query_map([d.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("the rows")
            .collect::<Result<_, _>>()
            .expect("the rows");
        let metric = |name: &str| -> Vec<i64> {
            synced
                .iter()
                .filter(|(m, _)| m == name)
                .map(|(_, v)| *v)
                .collect()
        };
        assert_eq!(metric("views"), vec![20, 25, 30]);
        assert_eq!(metric("favorites"), vec![6, 7, 8]);
        assert_eq!(metric("offers"), vec![0, 0, 0]);
        let (views, trend, insight): (i64, i64, String) = conn
            .query_row(
                "SELECT a.views, a.views_trend, i.insight_type FROM seller_listing_analytics a
             JOIN seller_published_listings p ON p.id = a.published_listing_id
             JOIN seller_listing_insights i ON i.published_listing_id = p.id
             WHERE p.vinted_listing_id = ?1",
                [d.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .expect("D's synced analytics and insight");
        assert_eq!(
            (views, trend, insight.as_str()),
            (30, 10, "favorites_no_offer")
        );
    }
    // The same counts read again the same day change nothing that syncs.
    let before = synced_clock(&harness);
    assert!(before.0 > 0, "the first runs were captured");
    run_statistics(&harness).await;
    assert_eq!(synced_clock(&harness), before);
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_in_the_middle_of_the_read_resumes_without_duplicates_or_gaps() {
    let fake = FakeVinted::start();
    fake.seed_wardrobe(250);
    // Reads two seconds apart: time to queue the refusal between the first page and the next.
    let pacing = PacingSettings {
        read_gap_min_ms: 2_000,
        read_gap_max_ms: 2_200,
        ..quick_pacing()
    };
    let harness = Harness::start(&fake, pacing).await;
    let items = mine(&fake);
    fake.clear_requests();

    let job = harness
        .enqueue(JobKind::ReadStatistics, json!({}), false)
        .await;
    wait_until("the first page written", READ_WITHIN, || async {
        Ok(harness.job(&job.id).progress_done >= 96)
    })
    .await
    .expect("the first page");
    fake.fail_next(
        Step::Wardrobe,
        Failure::RateLimited {
            retry_after_secs: 2,
        },
    );
    let done = harness
        .wait_for_job(&job.id, &[JobState::Done, JobState::Failed], READ_WITHIN)
        .await;
    assert_eq!(done.state, JobState::Done, "{done:#?}");
    assert_eq!(fake.pending_faults(), 0, "the refusal was met mid-read");
    let result = done.result.expect("a summary");
    assert_eq!(result["seen"], items.len(), "{result}");
    assert_eq!(result["snapshotted"], items.len(), "{result}");

    // Three pages of 96; the refused one asked again, the first never again.
    let pages: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/items"))
        .filter_map(|r| r.query_param("page"))
        .collect();
    assert_eq!(pages.len(), 4, "{pages:?}");
    let asked = |n: &str| pages.iter().filter(|p| *p == n).count();
    assert_eq!(asked("1"), 1, "{pages:?}");
    assert_eq!(asked("2") + asked("3"), 3, "{pages:?}");
    assert!(asked("2") >= 1 && asked("3") >= 1, "{pages:?}");

    // Every listing snapshotted exactly once.
    {
        let db = harness.db.lock();
        let (rows, listings): (i64, i64) = db
            .connection()
            .query_row(
                "SELECT count(*), count(DISTINCT listing_row_id) FROM vinted_listing_stats_history",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("counting");
        assert_eq!((rows, listings), (items.len() as i64, items.len() as i64));
        let views: HashMap<String, i64> = db
            .connection()
            .prepare(
                "SELECT l.listing_id, h.views FROM vinted_listing_stats_history h
             JOIN seller_listings l ON l.id = h.listing_row_id",
            )
            .expect("a query")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("the rows")
            .collect::<Result<_, _>>()
            .expect("the rows");
        for item in &items {
            assert_eq!(
                views.get(&item.id.to_string()),
                Some(&(item.view_count as i64)),
                "{item:?}"
            );
        }
    }
    harness.stop().await;
}
