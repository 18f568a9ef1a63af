//! Publishing inventory items on Vinted as the app runs it: the job queue in a real store, the
//! account's real Chromium session behind tinyproxy demanding a password, logged in on the
//! local Vinted; the upload form filled as a person fills it, faults injected at every step,
//! and never two listings for one item.

#![cfg(target_os = "linux")]

use std::time::Duration;

use seller_panel_tests::fake_vinted::{self, Failure, FakeVinted, Item, Step};
use seller_panel_tests::vinted::{Harness, quick_pacing};
use seller_store::products::{Condition, PackageSize, Product, ProductDraft, ProductStatus};
use seller_store::vinted::{
    AuditFilter, AuditOutcome, Job, JobKind, JobState, PacingState, PublishAttemptStatus,
};
use seller_vinted::reference::ProblemCode;
use serde_json::{Value, json};

const WITHIN: Duration = Duration::from_secs(240);
const FINISHED: &[JobState] = &[
    JobState::Done,
    JobState::Failed,
    JobState::Waiting,
    JobState::NeedsAttention,
];

/// A small file that starts like a JPEG, different for each name (the fake checks the magic
/// bytes and keeps the bytes, so the order of the photos can be checked).
fn jpeg(tag: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    bytes.extend_from_slice(b"JFIF\0");
    bytes.extend_from_slice(tag.as_bytes());
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    bytes
}

struct Spec {
    title: &'static str,
    category: &'static str,
    brand: Option<&'static str>,
    size: Option<&'static str>,
    condition: Condition,
    colors: &'static [&'static str],
    materials: &'static [&'static str],
    package: PackageSize,
    price_cents: i64,
    // Expected ids on the fake.
    catalog_id: u64,
    brand_id: Option<u64>,
    size_id: Option<u64>,
    status_id: u64,
    color_ids: &'static [u64],
    material_ids: &'static [u64],
    package_size_id: u64,
}

const SPECS: [Spec; 5] = [
    Spec {
        title: "Robe d'été fleurie Zara",
        category: "Robes",
        brand: Some("Zara"),
        size: Some("M"),
        condition: Condition::VeryGood,
        colors: &["Bleu", "Blanc"],
        materials: &["Coton"],
        package: PackageSize::Small,
        price_cents: 1250,
        catalog_id: 10,
        brand_id: Some(12),
        size_id: Some(4),
        status_id: 43,
        color_ids: &[9, 12],
        material_ids: &[149],
        package_size_id: 1,
    },
    Spec {
        title: "T-shirt Nike homme",
        category: "Hommes > T-shirts",
        brand: Some("Nike"),
        size: Some("L"),
        condition: Condition::NewWithTags,
        colors: &["Noir"],
        materials: &["Polyester"],
        package: PackageSize::Small,
        price_cents: 900,
        catalog_id: 76,
        brand_id: Some(53),
        size_id: Some(208),
        status_id: 37,
        color_ids: &[1],
        material_ids: &[157],
        package_size_id: 1,
    },
    Spec {
        title: "Sac Longchamp Le Pliage",
        category: "Femmes > Sacs",
        brand: Some("Longchamp"),
        size: None,
        condition: Condition::Good,
        colors: &["Beige"],
        materials: &["Cuir", "Lin"],
        package: PackageSize::Medium,
        price_cents: 4000,
        catalog_id: 19,
        brand_id: Some(1095),
        size_id: None,
        status_id: 47,
        color_ids: &[4],
        material_ids: &[161, 171],
        package_size_id: 2,
    },
    Spec {
        title: "Bottines femme cuir",
        category: "Femmes > Chaussures",
        brand: None,
        size: Some("38"),
        condition: Condition::Satisfactory,
        colors: &[],
        materials: &[],
        package: PackageSize::Large,
        price_cents: 2390,
        catalog_id: 16,
        brand_id: None,
        size_id: Some(57),
        status_id: 53,
        color_ids: &[],
        material_ids: &[],
        package_size_id: 3,
    },
    Spec {
        title: "Top Sézane en lin",
        category: "hauts et T-SHIRTS",
        brand: Some("Sézane"),
        size: Some("XS"),
        condition: Condition::NewWithoutTags,
        colors: &["Vert"],
        materials: &["Lin"],
        package: PackageSize::Small,
        price_cents: 3500,
        catalog_id: 12,
        brand_id: Some(2319),
        size_id: Some(2),
        status_id: 41,
        color_ids: &[10],
        material_ids: &[171],
        package_size_id: 1,
    },
];

/// An inventory item of `spec` with three photo files written into the data folder.
fn create_product(harness: &Harness, spec: &Spec, tag: &str) -> Product {
    let photos: Vec<String> = (1..=3)
        .map(|n| {
            seller_store::photos::import(
                harness.dir.path(),
                &format!("{tag}-{n}.jpg"),
                &jpeg(&format!("{tag}-{n}")),
            )
            .expect("a photo file")
        })
        .collect();
    let draft = ProductDraft {
        title: format!("{} {tag}", spec.title),
        description: format!("{} — {tag}, très peu porté.\nEnvoi soigné.", spec.title),
        category: Some(spec.category.into()),
        brand: spec.brand.map(Into::into),
        condition: Some(spec.condition),
        size: spec.size.map(Into::into),
        colors: spec.colors.iter().map(|c| (*c).into()).collect(),
        materials: spec.materials.iter().map(|m| (*m).into()).collect(),
        package_size: Some(spec.package),
        price_cents: spec.price_cents,
        status: ProductStatus::Ready,
        photos,
        ..ProductDraft::titled("x")
    };
    harness
        .db
        .lock()
        .create_product(draft)
        .expect("an inventory item")
}

async fn publish(harness: &Harness, product: &Product, dry_run: bool) -> Job {
    harness
        .enqueue(JobKind::Publish, json!({"productId": product.id}), dry_run)
        .await
}

/// The job's retry now rather than after its wait: the pacing's cooldown forgotten (as time
/// would), the job runnable at once.
async fn retry_now(harness: &Harness, job: &Job) {
    let started = harness.job(&job.id).attempts;
    {
        let mut store = harness.db.lock();
        store
            .set_pacing_state(&harness.account_id, &PacingState::default())
            .expect("pacing reset");
        if store.job(&job.id).expect("the job").state == JobState::Waiting {
            store
                .defer_job(&job.id, &seller_store::now_rfc3339(), "test", "retry now")
                .expect("runnable now");
        }
    }
    harness.runner.wake(&harness.account_id);
    seller_panel_tests::wait::wait_until("the job to start again", WITHIN, || async {
        Ok(harness.job(&job.id).attempts > started)
    })
    .await
    .expect("the job ran again");
}

/// The items on the fake whose title is the item's, not deleted.
fn listings_of(fake: &FakeVinted, product: &Product) -> Vec<Item> {
    fake.items()
        .into_iter()
        .filter(|i| i.user_id == fake_vinted::USER_ID && !i.is_deleted && i.title == product.title)
        .collect()
}

fn photo_bytes(harness: &Harness, product: &Product) -> Vec<Vec<u8>> {
    product
        .photos
        .iter()
        .map(|file| std::fs::read(harness.dir.path().join(file)).expect("the photo"))
        .collect()
}

fn check_item(fake: &FakeVinted, harness: &Harness, product: &Product, spec: &Spec) {
    let items = listings_of(fake, product);
    assert_eq!(
        items.len(),
        1,
        "one listing for {}: {items:#?}",
        product.title
    );
    let item = &items[0];
    assert_eq!(item.description, product.description.trim());
    assert_eq!(item.catalog_id, spec.catalog_id, "{}", product.title);
    assert_eq!(item.brand_id, spec.brand_id, "{}", product.title);
    assert_eq!(item.size_id, spec.size_id, "{}", product.title);
    assert_eq!(item.status_id, Some(spec.status_id), "{}", product.title);
    assert_eq!(item.color_ids, spec.color_ids, "{}", product.title);
    assert_eq!(item.material_ids, spec.material_ids, "{}", product.title);
    assert_eq!(item.package_size_id, Some(spec.package_size_id));
    assert_eq!(
        item.price,
        format!("{}.{:02}", spec.price_cents / 100, spec.price_cents % 100)
    );
    assert!(!item.push_up, "the bump box stays unticked");
    let sent = item.sent.as_ref().expect("the create body");
    assert_eq!(sent["push_up"], false);
    let attributes = &sent["item"]["item_attributes"];
    let attribute = |code: &str| {
        attributes
            .as_array()
            .and_then(|a| a.iter().find(|x| x["code"] == code))
            .map(|x| x["ids"].clone())
    };
    assert_eq!(attribute("condition"), Some(json!([spec.status_id])));
    assert_eq!(
        attribute("size"),
        Some(json!(spec.size_id.into_iter().collect::<Vec<_>>()))
    );
    assert_eq!(attribute("material"), Some(json!(spec.material_ids)));
    // The photos in the item's order, each the file it names.
    let photos = fake.photos();
    let sent_bytes: Vec<Vec<u8>> = item
        .photo_ids
        .iter()
        .map(|id| {
            photos
                .iter()
                .find(|p| p.id == *id)
                .expect("an uploaded photo")
                .bytes
                .clone()
        })
        .collect();
    assert_eq!(
        sent_bytes,
        photo_bytes(harness, product),
        "{}",
        product.title
    );

    // The store: the published row, its photos in order, the item listed, the wardrobe row.
    let store = harness.db.lock();
    let published = store
        .published_listings_of(&product.id)
        .expect("the published rows");
    assert_eq!(published.len(), 1, "{published:#?}");
    assert_eq!(
        published[0].vinted_listing_id.as_deref(),
        Some(item.id.to_string().as_str())
    );
    assert_eq!(published[0].photos, product.photos);
    assert_eq!(
        store.product(&product.id).expect("the item").status,
        ProductStatus::Listed
    );
    let attempts = store.publish_attempts(&product.id).expect("the attempts");
    assert_eq!(
        attempts.last().map(|a| a.status),
        Some(PublishAttemptStatus::Success),
        "{attempts:#?}"
    );
    assert_eq!(
        store
            .product_id_of_listing(&harness.account_id, &item.id.to_string())
            .expect("a lookup"),
        Some(product.id.clone())
    );
}

fn write_requests(fake: &FakeVinted) -> Vec<fake_vinted::Request> {
    fake.requests()
        .into_iter()
        .filter(|r| {
            r.method != "GET"
                && (r.path == "/api/v2/item_upload/items"
                    || r.path.ends_with("/delete")
                    || r.path.ends_with("/is_hidden"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_items_are_published_with_every_field_and_their_photos_in_order() {
    let fake = FakeVinted::start();
    fake.seed_wardrobe(0);
    let harness = Harness::start(&fake, quick_pacing()).await;
    fake.clear_requests();
    let products: Vec<Product> = SPECS
        .iter()
        .enumerate()
        .map(|(n, spec)| create_product(&harness, spec, &format!("n{n}")))
        .collect();
    // The form stays on the page after some publishes: the wardrobe names the listing then.
    fake.set_publish_navigates(false);
    let mut jobs = Vec::new();
    for (n, product) in products.iter().enumerate() {
        if n == 2 {
            fake.set_publish_navigates(true);
        }
        jobs.push(publish(&harness, product, false).await);
    }
    for job in &jobs {
        let job = harness.wait_for_job(&job.id, FINISHED, WITHIN).await;
        assert_eq!(job.state, JobState::Done, "{job:#?}");
        let result = job.result.expect("a result");
        assert_eq!(result["adopted"], false, "{result}");
    }
    for (product, spec) in products.iter().zip(&SPECS) {
        check_item(&fake, &harness, product, spec);
    }
    let created: Vec<_> = fake
        .items()
        .into_iter()
        .filter(|i| i.user_id == fake_vinted::USER_ID && !i.is_deleted)
        .collect();
    assert_eq!(created.len(), 5, "exactly five listings");

    // Writes are paced: never two closer than the configured minimum gap.
    let gap = Duration::from_millis(quick_pacing().write_gap_min_ms as u64);
    let writes = write_requests(&fake);
    assert_eq!(writes.len(), 5);
    for pair in writes.windows(2) {
        assert!(
            pair[1].at.duration_since(pair[0].at) + Duration::from_millis(2) >= gap,
            "{} then {} too close",
            pair[0].path,
            pair[1].path
        );
    }
    // Every publish click is in the audit log, sent.
    let audit = harness
        .db
        .lock()
        .list_audit(&AuditFilter {
            account_id: Some(harness.account_id.clone()),
            ..AuditFilter::default()
        })
        .expect("the audit log")
        .items;
    assert_eq!(
        audit
            .iter()
            .filter(|r| r.outcome == AuditOutcome::Sent && r.path == "/api/v2/item_upload/items")
            .count(),
        5
    );
    // A second publish of a listed item finds it and makes no second listing.
    let again = publish(&harness, &products[0], false).await;
    let again = harness.wait_for_job(&again.id, FINISHED, WITHIN).await;
    assert_eq!(again.state, JobState::Done, "{again:#?}");
    assert_eq!(listings_of(&fake, &products[0]).len(), 1);
    harness.stop().await;
}

/// Injects `failure` at `step`, publishes, retries the job (or queues a new one after a
/// refusal) until it is done, and checks exactly one listing came of it.
async fn publish_through(
    fake: &FakeVinted,
    harness: &Harness,
    product: &Product,
    step: Step,
    failure: Failure,
) -> Vec<Job> {
    fake.fail_next(step, failure.clone());
    let mut jobs = vec![publish(harness, product, false).await];
    for _ in 0..4 {
        let job = jobs.last().expect("a job");
        let job = harness.wait_for_job(&job.id, FINISHED, WITHIN).await;
        match job.state {
            JobState::Done => break,
            JobState::Waiting => retry_now(harness, &job).await,
            JobState::Failed => jobs.push(publish(harness, product, false).await),
            _ => panic!("{failure:?}: {job:#?}"),
        }
    }
    let last = harness
        .wait_for_job(&jobs.last().expect("a job").id, FINISHED, WITHIN)
        .await;
    assert_eq!(last.state, JobState::Done, "{failure:?}: {last:#?}");
    assert_eq!(fake.pending_faults(), 0, "{failure:?} fired");
    assert_eq!(
        listings_of(fake, product).len(),
        1,
        "{failure:?}: one listing"
    );
    jobs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_at_any_step_then_the_retry_makes_exactly_one_listing() {
    let fake = FakeVinted::start();
    fake.seed_wardrobe(0);
    let harness = Harness::start(&fake, quick_pacing()).await;
    let spec = &SPECS[0];
    let cases: Vec<(Step, Failure)> = vec![
        (Step::PhotoUpload, Failure::ServerError),
        (Step::Create, Failure::AcceptThenDrop),
        (Step::Create, Failure::NetworkDrop),
        (Step::UploadForm, Failure::FormHalfway),
        (
            Step::Create,
            Failure::RateLimited {
                retry_after_secs: 1,
            },
        ),
        (Step::Create, Failure::AccessDenied106),
        (
            Step::Create,
            Failure::Validation {
                field: "price".into(),
                message: "Le prix doit être compris entre 1,00 € et 5 000,00 €".into(),
            },
        ),
    ];
    for (n, (step, failure)) in cases.into_iter().enumerate() {
        let product = create_product(&harness, spec, &format!("f{n}"));
        let jobs = publish_through(&fake, &harness, &product, step, failure.clone()).await;
        let attempts = harness
            .db
            .lock()
            .publish_attempts(&product.id)
            .expect("the attempts");
        assert_eq!(
            attempts.last().map(|a| a.status),
            Some(PublishAttemptStatus::Success),
            "{failure:?}: {attempts:#?}"
        );
        assert!(
            attempts
                .iter()
                .all(|a| a.status != PublishAttemptStatus::Pending),
            "{attempts:#?}"
        );
        if let Failure::Validation { message, .. } = &failure {
            let first = harness.job(&jobs[0].id);
            assert_eq!(first.state, JobState::Failed);
            assert!(
                first
                    .error_message
                    .as_deref()
                    .is_some_and(|m| m.contains(message.as_str())),
                "Vinted's own message: {first:#?}"
            );
            assert!(
                attempts.iter().any(|a| a
                    .error_message
                    .as_deref()
                    .is_some_and(|m| m.contains(message.as_str()))),
                "{attempts:#?}"
            );
        }
        if matches!(failure, Failure::NetworkDrop) {
            assert!(
                attempts
                    .iter()
                    .any(|a| a.status == PublishAttemptStatus::Failed),
                "{attempts:#?}"
            );
        }
    }
    // Seven items, seven listings.
    let live = fake
        .items()
        .into_iter()
        .filter(|i| i.user_id == fake_vinted::USER_ID && !i.is_deleted)
        .count();
    assert_eq!(live, 7);
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn problems_are_reported_before_anything_is_sent_and_a_dry_run_writes_nothing() {
    let fake = FakeVinted::start();
    fake.seed_wardrobe(0);
    let harness = Harness::start(&fake, quick_pacing()).await;
    fake.clear_requests();

    // Before the session has read anything, a preview says so.
    let early = create_product(&harness, &SPECS[1], "early");
    let preview =
        seller_vinted::flows::publish::preview(&harness.db, &harness.account_id, &early.id)
            .await
            .expect("a preview");
    assert!(!preview.reference_loaded);
    assert!(
        preview
            .message
            .as_deref()
            .is_some_and(|m| m.contains("start the session")),
        "{preview:#?}"
    );
    assert!(
        preview
            .problems
            .iter()
            .any(|p| p.field == "category" && p.code == ProblemCode::NotLoaded),
        "{preview:#?}"
    );

    // No category: failed at once, an attempt naming it, nothing sent.
    let mut no_category = create_product(&harness, &SPECS[0], "nc");
    no_category.category = None;
    let no_category = harness
        .db
        .lock()
        .update_product(
            &no_category.id,
            ProductDraft {
                sku: Some(no_category.sku.clone()),
                title: no_category.title.clone(),
                description: no_category.description.clone(),
                category: None,
                brand: no_category.brand.clone(),
                condition: no_category.condition,
                size: no_category.size.clone(),
                price_cents: no_category.price_cents,
                purchase_cost_cents: 0,
                quantity: 1,
                package_size: no_category.package_size,
                status: ProductStatus::Ready,
                internal_notes: None,
                materials: no_category.materials.clone(),
                colors: no_category.colors.clone(),
                photos: no_category.photos.clone(),
            },
        )
        .expect("no category");
    let job = publish(&harness, &no_category, false).await;
    let job = harness.wait_for_job(&job.id, FINISHED, WITHIN).await;
    assert_eq!(job.state, JobState::Failed, "{job:#?}");
    assert!(
        job.error_message
            .as_deref()
            .is_some_and(|m| m.contains("category")),
        "{job:#?}"
    );
    let attempts = harness
        .db
        .lock()
        .publish_attempts(&no_category.id)
        .expect("the attempts");
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].status, PublishAttemptStatus::Failed);
    assert!(
        attempts[0]
            .error_message
            .as_deref()
            .is_some_and(|m| m.contains("category: required"))
    );

    // An ambiguous category ("Chaussures" is a women's and a men's category) names both.
    let ambiguous = create_product(
        &harness,
        &Spec {
            category: "Chaussures",
            ..SPECS[3]
        },
        "amb",
    );
    let job = publish(&harness, &ambiguous, false).await;
    let job = harness.wait_for_job(&job.id, FINISHED, WITHIN).await;
    assert_eq!(job.state, JobState::Failed, "{job:#?}");
    let message = job.error_message.unwrap_or_default();
    assert!(
        message.contains("ambiguous") && message.contains("Hommes > Chaussures"),
        "{message}"
    );
    let writes: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET" && r.path != "/api/v2/item_upload/attributes")
        .filter(|r| r.path.starts_with("/api/"))
        .collect();
    assert!(writes.is_empty(), "nothing was sent: {writes:#?}");

    // A dry run: the mapped create body in the audit log and the job's result, nothing on
    // the fake, no form opened.
    fake.clear_requests();
    let product = create_product(&harness, &SPECS[1], "dry");
    let job = publish(&harness, &product, true).await;
    let job = harness.wait_for_job(&job.id, FINISHED, WITHIN).await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    let result = job.result.expect("a result");
    assert_eq!(result["dryRun"], true);
    let payload = &result["payload"]["item"];
    assert_eq!(payload["catalog_id"], 76);
    assert_eq!(payload["brand_id"], 53);
    assert_eq!(payload["size_id"], 208);
    assert_eq!(payload["status_id"], 37);
    assert_eq!(payload["price"], 9.0);
    assert_eq!(payload["package_size_id"], 1);
    assert_eq!(payload["color_ids"], json!([1]));
    assert_eq!(payload["assigned_photos"].as_array().map(Vec::len), Some(3));
    let audit = harness
        .db
        .lock()
        .list_audit(&AuditFilter::default())
        .expect("the audit log")
        .items;
    let dry: Vec<_> = audit
        .iter()
        .filter(|r| r.outcome == AuditOutcome::DryRun)
        .collect();
    assert_eq!(dry.len(), 1, "{audit:#?}");
    assert_eq!(dry[0].path, "/api/v2/item_upload/items");
    assert_eq!(dry[0].summary, result["payload"]);
    let requests = fake.requests();
    assert!(
        requests
            .iter()
            .filter(|r| r.path.starts_with("/api/"))
            .all(|r| r.method == "GET" || r.path == "/api/v2/item_upload/attributes"),
        "a dry run writes nothing"
    );
    assert!(
        requests.iter().all(|r| r.path != "/items/new"),
        "a dry run types nothing"
    );
    assert!(listings_of(&fake, &product).is_empty());
    // Now the reference data is cached: the preview maps every field, from the cache alone.
    fake.clear_requests();
    let preview =
        seller_vinted::flows::publish::preview(&harness.db, &harness.account_id, &product.id)
            .await
            .expect("a preview");
    assert!(preview.reference_loaded, "{preview:#?}");
    assert!(preview.problems.is_empty(), "{preview:#?}");
    assert_eq!(
        preview.mapping.catalog.as_ref().map(|c| c.label()),
        Some("Hommes > T-shirts".to_owned())
    );
    assert_eq!(preview.mapping.brand.as_ref().map(|b| b.id), Some(53));
    assert_eq!(preview.payload, result["payload"]);
    assert!(
        fake.requests().is_empty(),
        "a preview asks nothing of Vinted"
    );
    assert!(
        harness
            .db
            .lock()
            .publish_attempts(&product.id)
            .expect("the attempts")
            .is_empty()
    );
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relist_interrupted_before_the_delete_resumes_with_one_live_copy() {
    let fake = FakeVinted::start();
    fake.seed_wardrobe(0);
    let harness = Harness::start(&fake, quick_pacing()).await;
    let product = create_product(&harness, &SPECS[2], "rl");
    let job = publish(&harness, &product, false).await;
    let job = harness.wait_for_job(&job.id, FINISHED, WITHIN).await;
    assert_eq!(job.state, JobState::Done, "{job:#?}");
    let old: u64 = job.result.expect("a result")["listingId"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("the listing id");

    fake.fail_next(Step::Delete, Failure::NetworkDrop);
    let relist = harness
        .enqueue(
            JobKind::Relist,
            json!({"listingId": old.to_string()}),
            false,
        )
        .await;
    let waiting = harness.wait_for_job(&relist.id, FINISHED, WITHIN).await;
    assert_eq!(waiting.state, JobState::Waiting, "{waiting:#?}");
    assert_eq!(
        waiting.checkpoint.as_ref().map(|c| c["phase"].clone()),
        Some(Value::from("hidden")),
        "{waiting:#?}"
    );
    retry_now(&harness, &waiting).await;
    let done = harness.wait_for_job(&relist.id, FINISHED, WITHIN).await;
    assert_eq!(done.state, JobState::Done, "{done:#?}");
    let result = done.result.expect("a result");
    let new: u64 = result["newListingId"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("the copy's id");
    assert_ne!(new, old);

    let old_item = fake.item(old).expect("the original");
    assert!(old_item.is_deleted, "the original is deleted");
    assert!(old_item.is_hidden, "hidden before it was deleted");
    let copies = listings_of(&fake, &product);
    assert_eq!(copies.len(), 1, "one live copy: {copies:#?}");
    assert_eq!(copies[0].id, new);
    assert!(copies[0].is_live());
    // Fresh photos: the copy's photos are new uploads of the same files.
    assert!(
        copies[0]
            .photo_ids
            .iter()
            .all(|id| !old_item.photo_ids.contains(id))
    );
    let published = harness
        .db
        .lock()
        .published_listings_of(&product.id)
        .expect("the published rows");
    assert_eq!(published.len(), 2);
    let status_of = |id: u64| {
        published
            .iter()
            .find(|p| p.vinted_listing_id.as_deref() == Some(id.to_string().as_str()))
            .map(|p| p.status)
    };
    assert_eq!(
        status_of(old),
        Some(seller_store::vinted::ListingStatus::Deleted)
    );
    assert_eq!(
        status_of(new),
        Some(seller_store::vinted::ListingStatus::Active)
    );
    harness.stop().await;
}

/// A restriction answered to the form's create (403 `account_restricted`, the date in the
/// profile) pauses the account's writes for the person; it is not taken for a stale CSRF token
/// and tried again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restriction_on_the_form_pauses_the_account_instead_of_a_csrf_retry() {
    let fake = FakeVinted::start();
    fake.seed_wardrobe(0);
    let harness = Harness::start(&fake, quick_pacing()).await;
    let product = create_product(&harness, &SPECS[0], "rs");
    let until = std::time::SystemTime::now() + Duration::from_secs(26 * 3600);
    fake.fail_next(Step::Create, Failure::Restricted { until });
    fake.clear_requests();
    let job = publish(&harness, &product, false).await;
    let held = harness.wait_for_job(&job.id, FINISHED, WITHIN).await;
    assert_eq!(held.state, JobState::NeedsAttention, "{held:#?}");
    assert_eq!(held.error_code.as_deref(), Some("restricted"), "{held:#?}");
    // One create: the form was not reloaded and submitted again.
    let creates = write_requests(&fake)
        .into_iter()
        .filter(|r| r.path == "/api/v2/item_upload/items")
        .count();
    assert_eq!(creates, 1, "no retry after the restriction");
    // The click's 403 is in the audit log as refused, never as sent; the profile that told the
    // restriction was read after it.
    let audit = harness
        .db
        .lock()
        .list_audit(&AuditFilter {
            account_id: Some(harness.account_id.clone()),
            ..AuditFilter::default()
        })
        .expect("the audit log")
        .items;
    let clicks: Vec<_> = audit
        .iter()
        .filter(|r| r.path == "/api/v2/item_upload/items")
        .map(|r| (r.outcome, r.http_status))
        .collect();
    assert_eq!(clicks, [(AuditOutcome::Refused, Some(403))], "{audit:#?}");
    let requests = fake.requests();
    let create = requests
        .iter()
        .position(|r| r.method == "POST" && r.path == "/api/v2/item_upload/items")
        .expect("the create");
    assert!(
        requests[create..]
            .iter()
            .any(|r| r.method == "GET" && r.path == "/api/v2/users/current"),
        "the profile read after the click"
    );
    let pacing = harness
        .db
        .lock()
        .pacing_state(&harness.account_id)
        .expect("the pacing state");
    assert_eq!(
        pacing.attention,
        Some(seller_store::vinted::Attention::Restricted),
        "{pacing:?}"
    );
    let ends = pacing
        .attention_until
        .as_deref()
        .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
        .expect("the restriction's end");
    let wanted = chrono::DateTime::<chrono::Utc>::from(until);
    assert!(
        (ends.with_timezone(&chrono::Utc) - wanted)
            .num_seconds()
            .abs()
            <= 1,
        "{pacing:?}"
    );
    assert!(listings_of(&fake, &product).is_empty());
    harness.stop().await;
}

/// The hourly cap is looked at before the first photo goes up: a publish the cap holds back
/// sends nothing, and its photos go up once, when its turn comes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capped_publish_uploads_no_photo_before_its_turn() {
    let fake = FakeVinted::start();
    fake.seed_wardrobe(0);
    let pacing = seller_store::vinted::PacingSettings {
        writes_per_hour: 1,
        ..quick_pacing()
    };
    let harness = Harness::start(&fake, pacing).await;
    let first = create_product(&harness, &SPECS[0], "cap1");
    let job = publish(&harness, &first, false).await;
    let done = harness.wait_for_job(&job.id, FINISHED, WITHIN).await;
    assert_eq!(done.state, JobState::Done, "{done:#?}");

    let photos_before = fake.photos().len();
    fake.clear_requests();
    let second = create_product(&harness, &SPECS[1], "cap2");
    let job = publish(&harness, &second, false).await;
    let capped = harness.wait_for_job(&job.id, FINISHED, WITHIN).await;
    assert_eq!(capped.state, JobState::Waiting, "{capped:#?}");
    assert_eq!(
        capped.error_code.as_deref(),
        Some("hourly_cap"),
        "{capped:#?}"
    );
    let uploads = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == "/api/v2/photos")
        .count();
    assert_eq!(uploads, 0, "no photo uploaded while the cap holds");
    assert_eq!(fake.photos().len(), photos_before);
    assert!(listings_of(&fake, &second).is_empty());
    // No attempt was started for a publish that never got its turn.
    let attempts = harness
        .db
        .lock()
        .publish_attempts(&second.id)
        .expect("the attempts");
    assert!(attempts.is_empty(), "{attempts:#?}");
    harness.stop().await;
}

/// The item's published row says it is on sale, but the listing was deleted on Vinted: a new
/// publish checks with Vinted, marks the row deleted and publishes the item anew instead of
/// taking the gone listing for its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_deleted_on_vinted_does_not_block_a_new_publish() {
    let fake = FakeVinted::start();
    fake.seed_wardrobe(0);
    let harness = Harness::start(&fake, quick_pacing()).await;
    let product = create_product(&harness, &SPECS[0], "gone");
    let job = publish(&harness, &product, false).await;
    let done = harness.wait_for_job(&job.id, FINISHED, WITHIN).await;
    assert_eq!(done.state, JobState::Done, "{done:#?}");
    let old: u64 = done.result.expect("a result")["listingId"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("the listing id");

    // Deleted on Vinted (by the person, on the site): the app's rows still say active.
    let mut item = fake.item(old).expect("the listing");
    item.is_deleted = true;
    fake.put_item(item);

    let again = publish(&harness, &product, false).await;
    let again = harness.wait_for_job(&again.id, FINISHED, WITHIN).await;
    assert_eq!(again.state, JobState::Done, "{again:#?}");
    let result = again.result.expect("a result");
    assert_eq!(result["adopted"], false, "{result}");
    let new: u64 = result["listingId"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("the new listing id");
    assert_ne!(new, old);
    assert_eq!(listings_of(&fake, &product).len(), 1, "one live listing");
    let published = harness
        .db
        .lock()
        .published_listings_of(&product.id)
        .expect("the published rows");
    let status_of = |id: u64| {
        published
            .iter()
            .find(|p| p.vinted_listing_id.as_deref() == Some(id.to_string().as_str()))
            .map(|p| p.status)
    };
    assert_eq!(
        status_of(old),
        Some(seller_store::vinted::ListingStatus::Deleted)
    );
    assert_eq!(
        status_of(new),
        Some(seller_store::vinted::ListingStatus::Active)
    );
    harness.stop().await;
}
