//! Import of an account's existing listings as the app runs it: the job queue in a real store,
//! the account's real Chromium session behind tinyproxy demanding a password, logged in on the
//! local Vinted through its form; the import reads the wardrobe from inside the page.

#![cfg(target_os = "linux")]

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::time::{Duration, UNIX_EPOCH};

use seller_panel_tests::fake_vinted::{self, FakeVinted};
use seller_panel_tests::proxies;
use seller_panel_tests::vinted::{Harness, quick_pacing};
use seller_store::products::ProductDraft;
use seller_store::vinted::{JobKind, JobState, ListingFilter, ListingRow, ListingStatus};
use serde_json::json;

const IMPORT_WITHIN: Duration = Duration::from_secs(240);

fn listings(harness: &Harness) -> Vec<ListingRow> {
    let filter = ListingFilter {
        account_id: Some(harness.account_id.clone()),
        per_page: 500,
        ..ListingFilter::default()
    };
    harness
        .db
        .lock()
        .list_listings(&filter)
        .expect("listing the listings")
        .items
}

fn rfc3339_of(time: std::time::SystemTime) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    chrono::DateTime::from_timestamp(secs as i64, 0)
        .expect("a valid time")
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn expected_status(item: &fake_vinted::Item) -> ListingStatus {
    if item.is_draft {
        ListingStatus::Draft
    } else if item.is_closed || item.is_sold {
        ListingStatus::Sold
    } else if item.is_reserved {
        ListingStatus::Reserved
    } else if item.is_hidden {
        ListingStatus::Hidden
    } else {
        ListingStatus::Active
    }
}

/// The SKU a seeded description names (`Réf SP-000123`), if any.
fn sku_in(description: &str) -> Option<String> {
    let at = description.find("SP-")?;
    Some(description[at..at + 9].to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wardrobe_of_300_is_imported_page_by_page_through_the_proxy_and_linked_by_sku() {
    let fake = FakeVinted::start();
    fake.seed_wardrobe(300);
    let harness = Harness::start(&fake, quick_pacing()).await;

    // Three inventory items whose SKUs appear in active listings' descriptions.
    let mine: Vec<_> = fake
        .items()
        .into_iter()
        .filter(|i| i.user_id == fake_vinted::USER_ID && !i.is_deleted)
        .collect();
    let linkable: Vec<_> = mine
        .iter()
        .filter(|i| expected_status(i) == ListingStatus::Active)
        .filter_map(|i| sku_in(&i.description).map(|sku| (i.id.to_string(), sku)))
        .take(3)
        .collect();
    assert_eq!(
        linkable.len(),
        3,
        "the seeded wardrobe has SKUs in active listings"
    );
    for (_, sku) in &linkable {
        let draft = ProductDraft {
            sku: Some(sku.clone()),
            ..ProductDraft::titled(&format!("Article {sku}"))
        };
        harness
            .db
            .lock()
            .create_product(draft)
            .expect("an inventory item");
    }
    fake.clear_requests();

    let job = harness
        .enqueue(JobKind::ImportListings, json!({"linkBySku": true}), false)
        .await;
    let job = harness
        .wait_for_job(&job.id, &[JobState::Done, JobState::Failed], IMPORT_WITHIN)
        .await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    let result = job.result.expect("a summary");
    assert_eq!(result["seen"], 300, "{result}");
    assert_eq!(result["linked"], 3, "{result}");
    assert_eq!(result["gone"], 0, "{result}");

    // Every listing, with Vinted's price (a string) in cents, its status and its date.
    let rows = listings(&harness);
    assert_eq!(rows.len(), 300);
    let by_id: HashMap<_, _> = rows.iter().map(|r| (r.listing_id.clone(), r)).collect();
    let photos: HashMap<_, _> = fake.photos().into_iter().map(|p| (p.id, p)).collect();
    for item in &mine {
        let row = by_id[&item.id.to_string()];
        assert_eq!(row.title, item.title);
        let cents = (item.price.parse::<f64>().expect("a price") * 100.0).round() as i64;
        assert_eq!(row.price_cents, cents, "{}", item.price);
        assert_eq!(row.status, expected_status(item), "{item:?}");
        let earliest = item
            .photo_ids
            .iter()
            .filter_map(|id| photos.get(id).map(|p| p.uploaded_at))
            .min()
            .unwrap_or(item.created_at);
        assert_eq!(
            row.listed_at.as_deref(),
            Some(rfc3339_of(earliest).as_str()),
            "{item:?}"
        );
    }
    for (listing_id, sku) in &linkable {
        let row = by_id[listing_id];
        assert_eq!(row.sku.as_deref(), Some(sku.as_str()));
        assert_eq!(
            row.product.as_ref().map(|p| p.title.clone()),
            Some(format!("Article {sku}"))
        );
    }

    // Pages of 96 (the most Vinted gives), each asked once, from the proxy's address only.
    let requests = fake.requests();
    let api: Vec<_> = requests
        .iter()
        .filter(|r| r.path.starts_with("/api/"))
        .collect();
    let pages: HashSet<_> = api
        .iter()
        .filter(|r| {
            r.path.ends_with("/items") && r.path.contains(&fake_vinted::USER_ID.to_string())
        })
        .map(|r| {
            (
                r.path.clone(),
                r.query_param("page"),
                r.query_param("per_page"),
            )
        })
        .collect();
    assert!(
        pages
            .iter()
            .all(|(_, _, per_page)| per_page.as_deref() == Some("96")),
        "{pages:?}"
    );
    let page_numbers: HashSet<_> = pages
        .iter()
        .filter_map(|(_, page, _)| page.clone())
        .collect();
    assert_eq!(
        page_numbers,
        ["1", "2", "3", "4"].into_iter().map(String::from).collect(),
        "300 listings are 4 pages of 96"
    );
    let exit: IpAddr = proxies::TINYPROXY_EXIT.parse().expect("an address");
    assert!(
        requests.iter().all(|r| r.peer.ip() == exit),
        "every request went through the account's proxy"
    );
    // Reads are paced: never two API calls closer than the configured minimum gap.
    let gap = Duration::from_millis(quick_pacing().read_gap_min_ms as u64);
    for pair in api.windows(2) {
        assert!(
            pair[1].at.duration_since(pair[0].at) + Duration::from_millis(2) >= gap,
            "{} then {} too close",
            pair[0].path,
            pair[1].path
        );
    }

    // Five listings deleted on Vinted: the next import marks them gone and keeps them.
    let gone: Vec<u64> = mine.iter().take(5).map(|i| i.id).collect();
    for id in &gone {
        let mut item = fake.item(*id).expect("a seeded item");
        item.is_deleted = true;
        fake.put_item(item);
    }
    let again = harness
        .enqueue(JobKind::ImportListings, json!({"linkBySku": false}), false)
        .await;
    let again = harness
        .wait_for_job(
            &again.id,
            &[JobState::Done, JobState::Failed],
            IMPORT_WITHIN,
        )
        .await;
    assert_eq!(again.state, JobState::Done, "{again:#?}");
    assert_eq!(again.result.as_ref().expect("a summary")["gone"], 5);
    let rows = listings(&harness);
    assert_eq!(rows.len(), 300, "nothing is deleted from the store");
    for row in &rows {
        let is_gone = gone.iter().any(|id| id.to_string() == row.listing_id);
        assert_eq!(row.gone_at.is_some(), is_gone, "{row:?}");
        if is_gone {
            assert_eq!(row.status, ListingStatus::Deleted);
        }
    }
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_wardrobe_imports_nothing_and_says_so() {
    let fake = FakeVinted::start();
    fake.seed_wardrobe(0);
    let harness = Harness::start(&fake, quick_pacing()).await;
    fake.clear_requests();
    let job = harness
        .enqueue(JobKind::ImportListings, json!({}), false)
        .await;
    let job = harness
        .wait_for_job(&job.id, &[JobState::Done, JobState::Failed], IMPORT_WITHIN)
        .await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    assert_eq!(job.result.expect("a summary")["seen"], 0);
    assert!(listings(&harness).is_empty());
    // The newer route answered 404 (an empty wardrobe there), and the older one said so.
    let paths: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/items"))
        .map(|r| r.path)
        .collect();
    let user = fake_vinted::USER_ID;
    assert_eq!(
        paths,
        [
            format!("/api/v2/users/{user}/items"),
            format!("/api/v2/wardrobe/{user}/items")
        ],
    );
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_captcha_pauses_the_account_until_the_person_resumes_and_retry_after_is_obeyed() {
    use seller_panel_tests::fake_vinted::{Failure, Step};
    use seller_store::vinted::Attention;

    let fake = FakeVinted::start();
    fake.seed_wardrobe(120);
    let harness = Harness::start(&fake, quick_pacing()).await;

    // DataDome answers the second page: the job and the account wait for the person.
    fake.fail_next_n(Step::Wardrobe, Failure::DataDome403, 1);
    let job = harness
        .enqueue(JobKind::ImportListings, json!({"linkBySku": false}), false)
        .await;
    let held = harness
        .wait_for_job(
            &job.id,
            &[JobState::NeedsAttention, JobState::Done],
            IMPORT_WITHIN,
        )
        .await;
    assert_eq!(held.state, JobState::NeedsAttention, "{held:#?}");
    let pacing = harness
        .db
        .lock()
        .pacing_state(&harness.account_id)
        .expect("the pacing state");
    assert_eq!(pacing.attention, Some(Attention::Captcha), "{pacing:?}");
    // Nothing runs for the account meanwhile, even a new job.
    let other = harness
        .enqueue(JobKind::ImportListings, json!({"linkBySku": false}), false)
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(harness.job(&other.id).state, JobState::Queued);

    // The person solved it: both jobs go on; the first from where it stopped.
    let resumed = harness
        .runner
        .resume_account(&harness.account_id)
        .await
        .expect("resuming");
    assert_eq!(resumed, 1);
    for id in [&job.id, &other.id] {
        let done = harness
            .wait_for_job(id, &[JobState::Done, JobState::Failed], IMPORT_WITHIN)
            .await;
        assert_eq!(done.state, JobState::Done, "{done:#?}");
        assert_eq!(done.result.as_ref().expect("a summary")["seen"], 120);
    }
    assert_eq!(listings(&harness).len(), 120);

    // A 429 with Retry-After: 2 s: the next call waits at least that long, then goes on.
    fake.clear_requests();
    fake.fail_next_n(
        Step::Wardrobe,
        Failure::RateLimited {
            retry_after_secs: 2,
        },
        1,
    );
    let paced = harness
        .enqueue(JobKind::ImportListings, json!({"linkBySku": false}), false)
        .await;
    let paced = harness
        .wait_for_job(
            &paced.id,
            &[JobState::Done, JobState::Failed],
            IMPORT_WITHIN,
        )
        .await;
    assert_eq!(paced.state, JobState::Done, "{paced:#?}");
    let wardrobe: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/items"))
        .collect();
    assert!(wardrobe.len() >= 3, "the refused page was asked again");
    let gap = wardrobe[1].at.duration_since(wardrobe[0].at);
    assert!(
        gap >= Duration::from_secs(2),
        "Retry-After not obeyed: {gap:?}"
    );
    harness.stop().await;
}
