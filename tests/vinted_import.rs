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
use seller_store::raw::RawSql;
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

/// The stored bytes of an inventory item's photos, in the item's order.
fn product_photo_bytes(harness: &Harness, product_id: &str) -> Vec<Vec<u8>> {
    let files = harness
        .db
        .lock()
        .product(product_id)
        .expect("the item")
        .photos;
    files
        .iter()
        .map(|file| {
            assert!(file.starts_with("photos/"), "{file}");
            std::fs::read(harness.dir.path().join(file)).expect("the photo's file")
        })
        .collect()
}

/// The sync engine's record of local changes to `seller_listings`: (count, latest stamp).
fn listing_clock(harness: &Harness) -> (i64, i64) {
    harness
        .db
        .lock()
        .connection()
        .query_row(
            "SELECT count(*), coalesce(max(hlc), 0) FROM sync_clock WHERE tbl = 'seller_listings'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("reading sync_clock")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_made_from_listings_get_every_photo_in_order_through_the_proxy_and_a_reimport_syncs_nothing()
 {
    let fake = FakeVinted::start();
    fake.seed_wardrobe(12);
    let mine: Vec<_> = fake
        .items()
        .into_iter()
        .filter(|i| i.user_id == fake_vinted::USER_ID && !i.is_deleted)
        .collect();
    // One listing names a photo the CDN does not have (404): its item is still made, with the
    // other photos, and the failure is reported.
    let broken_photo = 999_999_999_u64;
    let mut broken = mine
        .iter()
        .find(|i| i.photo_ids.len() >= 2)
        .cloned()
        .expect("a listing with two photos or more");
    broken.photo_ids.insert(1, broken_photo);
    fake.put_item(broken.clone());
    let mine: Vec<_> = fake
        .items()
        .into_iter()
        .filter(|i| i.user_id == fake_vinted::USER_ID && !i.is_deleted)
        .collect();
    let harness = Harness::start(&fake, quick_pacing()).await;
    fake.clear_requests();

    let job = harness
        .enqueue(
            JobKind::ImportListings,
            json!({"linkBySku": false, "createItems": true}),
            false,
        )
        .await;
    let job = harness
        .wait_for_job(&job.id, &[JobState::Done, JobState::Failed], IMPORT_WITHIN)
        .await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    let result = job.result.clone().expect("a summary");
    let all_photos: usize = mine.iter().map(|i| i.photo_ids.len()).sum();
    assert_eq!(result["seen"], mine.len(), "{result}");
    assert_eq!(result["created"], mine.len(), "{result}");
    assert_eq!(result["photos"], all_photos - 1, "{result}");
    let failures = result["photoFailures"].as_array().expect("the failures");
    assert_eq!(failures.len(), 1, "{result}");
    assert_eq!(failures[0]["listingId"], broken.id.to_string());
    assert_eq!(failures[0]["position"], 2);
    assert_eq!(
        failures[0]["url"],
        format!(
            "http://localhost:{}/photos/{broken_photo}.jpg?size=full",
            fake.addr().port()
        )
    );
    assert!(
        failures[0]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("did not load"),
        "{result}"
    );
    assert_eq!(
        (job.progress_done, job.progress_total),
        (mine.len() as i64, Some(mine.len() as i64)),
        "the photos' progress: one step per listing"
    );

    // Every item has its listing's photos, the bytes the CDN served, in Vinted's order.
    let rows = listings(&harness);
    let by_id: HashMap<_, _> = rows.iter().map(|r| (r.listing_id.clone(), r)).collect();
    for item in &mine {
        let row = by_id[&item.id.to_string()];
        let product = row.product.as_ref().expect("an item made from the listing");
        let expected: Vec<Vec<u8>> = item
            .photo_ids
            .iter()
            .filter(|id| **id != broken_photo)
            .map(|id| fake_vinted::seeded_jpeg(*id))
            .collect();
        assert_eq!(
            product_photo_bytes(&harness, &product.id),
            expected,
            "listing {}",
            item.id
        );
    }

    // The photos came from the CDN's host name through the account's proxy (tinyproxy logged
    // each; the fake saw them from tinyproxy's exit address), at full size.
    let logged = harness.proxy.logged_requests();
    let port = fake.addr().port();
    for id in mine.iter().flat_map(|i| i.photo_ids.iter()) {
        let wanted = format!("GET http://localhost:{port}/photos/{id}.jpg?size=full");
        assert!(
            logged.iter().any(|line| line.starts_with(&wanted)),
            "{wanted} not in the proxy's log: {logged:?}"
        );
    }
    let exit: IpAddr = proxies::TINYPROXY_EXIT.parse().expect("an address");
    let photo_requests: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/photos/"))
        .collect();
    assert!(photo_requests.len() >= all_photos, "{photo_requests:?}");
    assert!(photo_requests.iter().all(|r| r.peer.ip() == exit));

    // The same wardrobe read again: nothing changed, so nothing is captured for sync; the
    // listings still show when they were last found.
    let before = listing_clock(&harness);
    let started = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
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
    let summary = again.result.expect("a summary");
    assert_eq!(
        (summary["seen"].clone(), summary["gone"].clone()),
        (json!(mine.len()), json!(0))
    );
    assert_eq!(
        listing_clock(&harness),
        before,
        "an unchanged wardrobe captured changes for sync"
    );
    let pending: i64 = harness
        .db
        .lock()
        .connection()
        .query_row(
            "SELECT count(*) FROM sync_clock WHERE tbl = 'seller_listings' AND hlc > ?1",
            [before.1],
            |r| r.get(0),
        )
        .expect("reading sync_clock");
    assert_eq!(pending, 0);
    for row in listings(&harness) {
        assert!(
            row.last_sync
                .as_deref()
                .is_some_and(|at| at >= started.as_str()),
            "{row:?} (import started {started})"
        );
    }
    // That import tried the missing photo again (still 404): nothing more stored.
    assert_eq!(summary["photos"], 0, "{summary}");
    assert_eq!(summary["photoFailuresTotal"], 1, "{summary}");

    // The CDN has the photo now (the listing names one it serves): an import fills the gap at
    // its position, fetching nothing the items have already, adding no duplicate.
    let served = mine
        .iter()
        .filter(|i| i.id != broken.id)
        .flat_map(|i| i.photo_ids.iter().copied())
        .next()
        .expect("a photo the fake serves");
    let mut fixed = broken.clone();
    fixed.photo_ids[1] = served;
    fake.put_item(fixed.clone());
    fake.clear_requests();
    let third = harness
        .enqueue(JobKind::ImportListings, json!({"linkBySku": false}), false)
        .await;
    let third = harness
        .wait_for_job(
            &third.id,
            &[JobState::Done, JobState::Failed],
            IMPORT_WITHIN,
        )
        .await;
    assert_eq!(third.state, JobState::Done, "{third:#?}");
    let summary = third.result.expect("a summary");
    assert_eq!(summary["created"], 0, "{summary}");
    assert_eq!(summary["photos"], 1, "{summary}");
    assert_eq!(summary["photoFailures"], json!([]), "{summary}");
    assert_eq!(summary["photoFailuresTotal"], 0, "{summary}");
    let rows = listings(&harness);
    let row = rows
        .iter()
        .find(|r| r.listing_id == fixed.id.to_string())
        .expect("the fixed listing");
    let product = row.product.as_ref().expect("its item");
    let expected: Vec<Vec<u8>> = fixed
        .photo_ids
        .iter()
        .map(|id| fake_vinted::seeded_jpeg(*id))
        .collect();
    assert_eq!(product_photo_bytes(&harness, &product.id), expected);
    let photo_requests: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/photos/"))
        .map(|r| r.path)
        .collect();
    // (The browser may have it cached from the first import: then nothing reaches the CDN.)
    assert!(
        photo_requests
            .iter()
            .all(|path| *path == format!("/photos/{served}.jpg")),
        "only the missing photo is fetched: {photo_requests:?}"
    );
    harness.stop().await;
}

/// The listings table's "create items": the items are made at once and a job of the import's
/// kind, carrying only which item each listing became, downloads their photos without reading
/// the wardrobe again (as `create_items_from_listings` queues it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_made_from_the_listings_table_get_their_photos_from_a_job_of_their_own() {
    let fake = FakeVinted::start();
    fake.seed_wardrobe(6);
    let harness = Harness::start(&fake, quick_pacing()).await;
    let job = harness
        .enqueue(JobKind::ImportListings, json!({"linkBySku": false}), false)
        .await;
    let job = harness
        .wait_for_job(&job.id, &[JobState::Done, JobState::Failed], IMPORT_WITHIN)
        .await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    let chosen: Vec<fake_vinted::Item> = fake
        .items()
        .into_iter()
        .filter(|i| i.user_id == fake_vinted::USER_ID && !i.is_deleted)
        .take(2)
        .collect();
    let ids: Vec<String> = chosen.iter().map(|i| i.id.to_string()).collect();
    let made = harness
        .db
        .lock()
        .create_items_from_listings(&harness.account_id, &ids)
        .expect("the items");
    assert_eq!(made.len(), 2);
    fake.clear_requests();
    let photos_job = harness
        .enqueue(
            JobKind::ImportListings,
            seller_vinted::flows::import::photos_payload(&made),
            false,
        )
        .await;
    let photos_job = harness
        .wait_for_job(
            &photos_job.id,
            &[JobState::Done, JobState::Failed],
            IMPORT_WITHIN,
        )
        .await;
    assert_eq!(photos_job.state, JobState::Done, "{photos_job:#?}");
    let result = photos_job.result.expect("a summary");
    let expected_count: usize = chosen.iter().map(|i| i.photo_ids.len()).sum();
    assert_eq!(result["photos"], expected_count, "{result}");
    assert_eq!(result["photoFailures"], json!([]), "{result}");
    assert_eq!(
        (photos_job.progress_done, photos_job.progress_total),
        (2, Some(2))
    );
    for (item, made) in chosen.iter().zip(&made) {
        assert_eq!(made.listing_id, item.id.to_string());
        let expected: Vec<Vec<u8>> = item
            .photo_ids
            .iter()
            .map(|id| fake_vinted::seeded_jpeg(*id))
            .collect();
        assert_eq!(product_photo_bytes(&harness, &made.product_id), expected);
    }
    // Only the photos were fetched, each once (the tab reads it back from the browser's
    // cache), besides the icon a browser asks of any new host.
    let fetched: Vec<String> = fake
        .requests()
        .into_iter()
        .map(|r| r.path)
        .filter(|path| path != "/favicon.ico")
        .collect();
    let mut expected_paths: Vec<String> = chosen
        .iter()
        .flat_map(|i| i.photo_ids.iter().map(|id| format!("/photos/{id}.jpg")))
        .collect();
    expected_paths.sort();
    let mut sorted = fetched.clone();
    sorted.sort();
    assert_eq!(sorted, expected_paths, "{fetched:?}");
    // Run again (a restart after the photos were stored): nothing is added twice.
    let again = harness
        .enqueue(
            JobKind::ImportListings,
            seller_vinted::flows::import::photos_payload(&made),
            false,
        )
        .await;
    let again = harness
        .wait_for_job(
            &again.id,
            &[JobState::Done, JobState::Failed],
            IMPORT_WITHIN,
        )
        .await;
    assert_eq!(again.result.expect("a summary")["photos"], 0);
    assert_eq!(
        product_photo_bytes(&harness, &made[0].product_id).len(),
        chosen[0].photo_ids.len()
    );
    harness.stop().await;
}

/// Two devices of one shop import the same account's wardrobe while apart (one of them finding
/// a price changed since): the rows have the same ids on both (derived from the account and
/// the listing), so sync merges them cell by cell as any edit, instead of a unique-key clash that
/// renames one of them and leaves it to be marked gone. The later import's price wins.
async fn two_devices_importing_one_wardrobe_sync_into_one_row_each(
    backend: seller_panel_tests::sync::Backend,
) {
    use seller_panel_tests::sync::{self as sync_support, Device, start_server, ticking_clock};
    use seller_store::accounts::AccountDraft;
    use seller_store::vinted::WardrobeListing;

    let server = start_server(backend, &["camille@example.fr"]).await;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let clock = ticking_clock();
    let mut a = Device::open_with_clock(&dir.path().join("a.sqlite3"), clock.clone());
    let mut b = Device::open_with_clock(&dir.path().join("b.sqlite3"), clock);
    a.sign_in(&server, "camille@example.fr").await;
    let account = a
        .store()
        .create_account(AccountDraft {
            name: "Boutique".into(),
            username: Some("camille".into()),
            email: None,
            avatar: None,
            vinted_base_url: "https://www.vinted.fr".into(),
            proxy: None,
        })
        .expect("an account")
        .id;
    a.sync().await;
    b.sign_in(&server, "camille@example.fr").await;
    b.sync().await;

    let wardrobe = |robe_price: i64| -> Vec<WardrobeListing> {
        [
            ("8001", "Robe", robe_price),
            ("8002", "Jupe", 1500),
            ("8003", "Veste", 4200),
        ]
        .into_iter()
        .map(|(id, title, price)| WardrobeListing {
            listing_id: id.into(),
            title: title.into(),
            photo_url: Some(format!("https://images1.vinted.net/t/{id}/f800/1.jpeg")),
            price_cents: price,
            status: ListingStatus::Active,
            listed_at: Some("2026-11-02T10:00:00.000Z".into()),
            sku: None,
        })
        .collect()
    };
    let photos: Vec<(String, Vec<String>)> = ["8001", "8002", "8003"]
        .iter()
        .map(|id| {
            (
                id.to_string(),
                vec![
                    format!("https://images1.vinted.net/tc/{id}/1.jpeg"),
                    format!("https://images1.vinted.net/tc/{id}/2.jpeg"),
                ],
            )
        })
        .collect();
    a.store()
        .upsert_listings_with_photos(
            &account,
            &wardrobe(2500),
            &photos,
            &|_| true,
            "2026-12-01T09:00:00Z",
        )
        .expect("A's import");
    b.store()
        .upsert_listings_with_photos(
            &account,
            &wardrobe(2200),
            &photos,
            &|_| true,
            "2026-12-01T09:05:00Z",
        )
        .expect("B's import");
    a.sync().await;
    b.sync().await;
    a.sync().await;

    let query = "SELECT id, listing_id, title, price, status, gone_at, photo_urls
                 FROM seller_listings ORDER BY listing_id";
    let on_a = a.rows(query);
    assert_eq!(on_a, b.rows(query));
    assert_eq!(on_a.len(), 3, "{on_a:?}");
    for row in &on_a {
        let fields: Vec<&str> = row.split('|').collect();
        assert_eq!(
            fields[0],
            seller_store::vinted::listings::listing_row_id(&account, fields[1])
        );
        assert_eq!((fields[4], fields[5]), ("active", "NULL"), "{row}");
    }
    assert!(
        on_a[0].contains("|Robe|2200|"),
        "the later import wins: {on_a:?}"
    );
    for device in [&a, &b] {
        assert_eq!(
            device.rows("SELECT count(*) FROM sync_conflicts"),
            vec!["0"]
        );
    }
    assert_eq!(
        sync_support::server_rows(&server.database, "SELECT count(*) FROM seller_listings").await,
        vec!["3"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_importing_one_wardrobe_sync_into_one_row_each_on_sqlite() {
    two_devices_importing_one_wardrobe_sync_into_one_row_each(
        seller_panel_tests::sync::Backend::Sqlite,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_importing_one_wardrobe_sync_into_one_row_each_on_postgres() {
    two_devices_importing_one_wardrobe_sync_into_one_row_each(
        seller_panel_tests::sync::Backend::Postgres,
    )
    .await;
}
