//! The Vinted flows on real parts, as the app runs them: a store opened as the app opens it, an
//! account whose proxy password is in the (test) keyring, its browser session behind tinyproxy
//! demanding that password, logged in through the fake site's form, and the job runner.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use seller_automation::bridge::Bridge;
use seller_secrets::{Keyring, Secret};
use seller_store::Store;
use seller_store::accounts::{AccountDraft, Proxy, ProxyType};
use seller_store::vinted::{Job, JobKind, JobState, NewJob, PacingSettings};
use seller_vinted::StoreAccess;
use seller_vinted::accounts::{AccountSecretsInput, SecretInput};
use seller_vinted::jobs::JobRunner;
use seller_vinted::sessions::AccountSessions;
use thirtyfour::prelude::*;

use crate::fake_vinted::{self, FakeVinted};
use crate::proxies::{self, ProxyProcess};
use crate::wait::wait_until;

/// The app's database, opened as the app opens it (a sync replica).
#[derive(Clone)]
pub struct Db(pub Arc<Mutex<Store>>);

impl StoreAccess for Db {
    type Error = seller_vinted::Error;

    async fn with_store<T, F>(&self, work: F) -> Result<T, seller_vinted::Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, seller_vinted::Error> + Send + 'static,
    {
        let store = self.0.clone();
        tokio::task::spawn_blocking(move || {
            work(&mut store.lock().unwrap_or_else(|p| p.into_inner()))
        })
        .await
        .expect("store work panicked")
    }
}

impl Db {
    pub fn open(data_dir: &Path) -> Db {
        let (store, _capture) =
            seller_sync::device::open(&data_dir.join(seller_store::data_dir::DATABASE_FILE))
                .expect("opening the store");
        Db(Arc::new(Mutex::new(store)))
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Pacing a test can wait for: the same rules, shorter gaps. (A person sets these in the app.)
pub fn quick_pacing() -> PacingSettings {
    PacingSettings {
        read_gap_min_ms: 5,
        read_gap_max_ms: 20,
        write_gap_min_ms: 50,
        write_gap_max_ms: 100,
        ..PacingSettings::default()
    }
}

/// An account on the fake site behind the proxy on `proxy_port`, created as the app's form
/// creates it (the row, the proxy password in the keyring), with `pacing` saved for it.
pub async fn create_account(
    db: &Db,
    fake: &FakeVinted,
    proxy_port: u16,
    pacing: PacingSettings,
) -> String {
    let draft = AccountDraft {
        name: "Boutique test".into(),
        username: Some(fake_vinted::USERNAME.into()),
        email: None,
        avatar: None,
        vinted_base_url: fake.base_url(),
        proxy: Some(Proxy {
            kind: ProxyType::Http,
            host: "127.0.0.1".into(),
            port: proxy_port,
            user: Some(proxies::USER.into()),
        }),
    };
    let secrets = AccountSecretsInput {
        vinted: SecretInput::Keep,
        proxy: SecretInput::Set {
            value: Secret::new(proxies::PASSWORD),
        },
        vnc: SecretInput::Keep,
    };
    let account = seller_vinted::accounts::create(db, &Keyring::default(), draft, secrets)
        .await
        .expect("creating the account");
    let id = account.id.clone();
    db.with_store(move |store| Ok(store.set_pacing_settings(&id, &pacing)?))
        .await
        .expect("saving the pacing");
    account.id
}

/// Logs the account in once in a session of its own, which keeps the login in the account's
/// browser profile (as a person's earlier login would), then stops it.
pub async fn log_in_once(data_dir: &Path, db: &Db, account_id: &str, fake: &FakeVinted) {
    let bridge = Arc::new(Bridge::start().await.expect("the live view bridge"));
    let sessions = AccountSessions::new(data_dir, bridge);
    sessions
        .start(db, &Keyring::default(), account_id)
        .await
        .expect("the session starts behind the proxy");
    log_in(&sessions, account_id, fake).await;
    sessions.stop(account_id).await;
}

/// One account on the fake site, its session logged in, and the job runner.
pub struct Harness {
    pub dir: tempfile::TempDir,
    pub db: Db,
    pub sessions: AccountSessions,
    pub runner: JobRunner<Db>,
    pub account_id: String,
    pub proxy: ProxyProcess,
}

impl Harness {
    /// Everything up to a logged-in session; `pacing` is saved for the account first.
    pub async fn start(fake: &FakeVinted, pacing: PacingSettings) -> Harness {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let db = Db::open(dir.path());
        let proxy = proxies::tinyproxy();
        let account_id = create_account(&db, fake, proxy.port, pacing).await;
        let bridge = Arc::new(Bridge::start().await.expect("the live view bridge"));
        let sessions = AccountSessions::new(dir.path(), bridge);
        sessions
            .start(&db, &Keyring::default(), &account_id)
            .await
            .expect("the session starts behind the proxy");
        log_in(&sessions, &account_id, fake).await;
        let runner = JobRunner::start(db.clone(), sessions.clone()).await;
        Harness {
            dir,
            db,
            sessions,
            runner,
            account_id,
            proxy,
        }
    }

    /// Queues a job of this account.
    pub async fn enqueue(&self, kind: JobKind, payload: serde_json::Value, dry_run: bool) -> Job {
        self.runner
            .enqueue(NewJob {
                account_id: self.account_id.clone(),
                kind,
                payload,
                dry_run,
                progress_total: None,
            })
            .await
            .expect("queueing the job")
    }

    pub fn job(&self, id: &str) -> Job {
        self.db.lock().job(id).expect("reading the job")
    }

    /// Waits until the job is in one of `states`, and returns it.
    pub async fn wait_for_job(&self, id: &str, states: &[JobState], within: Duration) -> Job {
        let what = format!("job {id} to reach {states:?}");
        let reached = wait_until(&what, within, || async {
            Ok(states.contains(&self.job(id).state))
        })
        .await;
        let job = self.job(id);
        if let Err(error) = reached {
            panic!("{error}: {job:#?}");
        }
        job
    }

    pub async fn stop(self) {
        self.sessions.stop(&self.account_id).await;
    }
}

/// Logs in through the fake site's form, as a person would over the live view, and waits
/// until the session's watchdog has seen it.
pub async fn log_in(sessions: &AccountSessions, account_id: &str, fake: &FakeVinted) {
    let driver = sessions.driver(account_id).await.expect("the session runs");
    driver
        .goto(fake.url(fake_vinted::LOGIN_PATH))
        .await
        .expect("opening the login page");
    let field = async |id: &str| {
        driver
            .find(By::Css(format!("[data-testid=\"{id}\"]")))
            .await
            .expect("a field of the login form")
    };
    field("login-username--input")
        .await
        .send_keys(fake_vinted::USERNAME)
        .await
        .expect("typing the user name");
    field("login-password--input")
        .await
        .send_keys(fake_vinted::PASSWORD)
        .await
        .expect("typing the password");
    field("login-submit-button")
        .await
        .click()
        .await
        .expect("submitting");
    wait_until(
        "the session's watchdog to see the login",
        Duration::from_secs(30),
        || async { Ok(sessions.status(account_id).is_logged_in()) },
    )
    .await
    .expect("logged in");
}

/// A small file that starts like a JPEG, different for each tag (the fake checks the magic bytes
/// and keeps the bytes).
pub fn jpeg(tag: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    bytes.extend_from_slice(b"JFIF\0");
    bytes.extend_from_slice(tag.as_bytes());
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    bytes
}

/// An inventory item ready to publish on the fake (a Zara dress in M, every field one the fake's
/// reference data knows), titled after `tag`, with three photo files in the data folder.
pub fn dress(data_dir: &Path, db: &Db, tag: &str) -> seller_store::products::Product {
    use seller_store::products::{Condition, PackageSize, ProductDraft, ProductStatus};
    let photos: Vec<String> = (1..=3)
        .map(|n| {
            seller_store::photos::import(
                data_dir,
                &format!("{tag}-{n}.jpg"),
                &jpeg(&format!("{tag}-{n}")),
            )
            .expect("a photo file")
        })
        .collect();
    let draft = ProductDraft {
        title: format!("Robe d'été fleurie Zara {tag}"),
        description: format!("Robe d'été fleurie — {tag}, très peu portée."),
        category: Some("Robes".into()),
        brand: Some("Zara".into()),
        condition: Some(Condition::VeryGood),
        size: Some("M".into()),
        colors: vec!["Bleu".into()],
        materials: vec!["Coton".into()],
        package_size: Some(PackageSize::Small),
        price_cents: 1250,
        status: ProductStatus::Ready,
        photos,
        ..ProductDraft::titled("x")
    };
    db.lock().create_product(draft).expect("an inventory item")
}

/// The listings of the fake's test account titled `title`, not deleted.
pub fn listings_titled(fake: &FakeVinted, title: &str) -> Vec<fake_vinted::Item> {
    fake.items()
        .into_iter()
        .filter(|i| i.user_id == fake_vinted::USER_ID && !i.is_deleted && i.title == title)
        .collect()
}

/// The publish clicks that reached the fake (`POST /api/v2/item_upload/items`), oldest first.
pub fn creates(fake: &FakeVinted) -> Vec<fake_vinted::Request> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == "/api/v2/item_upload/items")
        .collect()
}

/// Every API call that changes something on the fake (photo uploads, creates, edits, hides,
/// deletes), oldest first; the attribute lookup is a POST that only reads.
pub fn api_writes(fake: &FakeVinted) -> Vec<fake_vinted::Request> {
    fake.requests()
        .into_iter()
        .filter(|r| {
            r.method != "GET"
                && r.path.starts_with("/api/")
                && r.path != "/api/v2/item_upload/attributes"
        })
        .collect()
}
