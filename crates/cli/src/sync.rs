//! `seller sync …`: the app's Sync area from the command line, on the same data folder and the
//! same keyring entry.

use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};
use seller_secrets::{Keyring, Secret};
use seller_store::Store;
use seller_sync::capture::Capture;
use seller_sync::client::SyncClient;
use seller_sync::conflicts;
use seller_sync::device::{self, DeviceError, StoreAccess, SyncedStore};
use seller_sync::replica::SyncError;

use crate::{KeepWhich, SyncWhat};

/// The store shared with the async sync engine.
struct Access(Arc<Mutex<Store>>);

impl StoreAccess for Access {
    async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, DeviceError> + Send + 'static,
    ) -> Result<T, DeviceError> {
        let store = self.0.clone();
        tokio::task::spawn_blocking(move || match store.lock() {
            Ok(mut store) => f(&mut store),
            Err(_) => Err(DeviceError::Sync(SyncError::Closed)),
        })
        .await
        .unwrap_or(Err(DeviceError::Sync(SyncError::Closed)))
    }
}

pub fn run(dir: &Path, what: SyncWhat) -> Result<()> {
    let path = dir.join(seller_store::data_dir::DATABASE_FILE);
    if !path.exists() {
        bail!(
            "no Seller Panel database in {} (start the app once, or pass --data-dir)",
            dir.display()
        );
    }
    let (store, capture) = device::open(&path)?;
    let access = Access(Arc::new(Mutex::new(store)));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        match what {
            SyncWhat::SignIn { server, email } => sign_in(&access, &capture, &server, &email).await,
            SyncWhat::Now => now(&access, &capture).await,
            SyncWhat::Status => status(&access),
            SyncWhat::Resolve { conflict, keep } => resolve(&access, &conflict, keep),
            SyncWhat::SignOut => sign_out(&access, &capture).await,
        }
    })
}

async fn sign_in(access: &Access, capture: &Capture, server: &str, email: &str) -> Result<()> {
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .context("reading the password from standard input")?;
    let password = Secret::new(password.trim_end_matches(['\r', '\n']));
    let name = format!("seller (command line) on {}", host_name());
    let signed = device::sign_in(access, capture, server, email, password.expose(), &name).await?;
    Keyring::default().set_sync_token(capture.device_id(), &Secret::new(signed.token))?;
    println!(
        "signed in to {} as {}; run `seller sync now` to sync",
        signed.account.server, signed.account.email
    );
    Ok(())
}

async fn client(access: &Access, capture: &Capture) -> Result<SyncClient> {
    let account = {
        let store = access.0.lock().expect("the store lock");
        store.sync_account()?
    };
    let Some(account) = account else {
        bail!("this device is not signed in to a sync server: run `seller sync sign-in` first");
    };
    let Some(token) = Keyring::default().sync_token(capture.device_id())? else {
        bail!("the sign-in token is missing from the keyring: run `seller sync sign-in` again");
    };
    Ok(SyncClient::new(
        &account.server,
        device::schema_version(),
        Some(token.expose().to_owned()),
    )?)
}

async fn now(access: &Access, capture: &Capture) -> Result<()> {
    let client = client(access, capture).await?;
    let report = device::sync_round(access, capture, &client).await?;
    println!(
        "synced: {} rows pushed, {} rows pulled ({} cells applied, {} rows settled here)",
        report.rows_pushed,
        report.rows_pulled,
        report.merged.cells_applied,
        report.merged.rows_repaired
    );
    Ok(())
}

fn status(access: &Access) -> Result<()> {
    let store = access.0.lock().expect("the store lock");
    let status = store.sync_status()?;
    match &status.account {
        Some(account) => println!("signed in to {} as {}", account.server, account.email),
        None => println!("not signed in to a sync server"),
    }
    println!(
        "last sync: {}",
        status.last_sync_at.as_deref().unwrap_or("never")
    );
    println!(
        "waiting to be pushed: {} rows",
        status.waiting.staged_rows + status.waiting.unstaged_rows
    );
    if let Some(error) = &status.last_error {
        println!("last error: {error}");
    }
    if status.account.is_none()
        && let Some(at) = &status.restored_at
    {
        println!(
            "restored from a backup on {at}: this device took a new sync id; run `seller sync sign-in` again"
        );
    }
    if status.conflicts.is_empty() {
        println!("conflicts: none");
    } else {
        println!(
            "conflicts: {} (settle each with `seller sync resolve <item id> --keep this|other`)",
            status.conflicts.len()
        );
    }
    for conflict in &status.conflicts {
        print_conflict(conflict);
    }
    Ok(())
}

/// One conflict, both items named: the one whose value was changed, and the one that kept it.
fn print_conflict(conflict: &device::Conflict) {
    let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "(deleted)".to_owned());
    let titled = |v: &Option<String>| v.clone().unwrap_or_else(|| "(untitled)".to_owned());
    println!(
        "- {} {:?}: both items were given {:?}",
        conflict.table, conflict.column, conflict.original
    );
    println!(
        "    this item:  {} \"{}\", now {:?}",
        conflict.pk,
        titled(&conflict.label),
        shown(&conflict.current)
    );
    println!(
        "    other item: {} \"{}\", holds {:?}",
        conflict.other_pk,
        titled(&conflict.other_label),
        shown(&conflict.other_current)
    );
}

fn resolve(access: &Access, wanted: &str, keep: KeepWhich) -> Result<()> {
    let mut store = access.0.lock().expect("the store lock");
    let matching: Vec<device::Conflict> = store
        .sync_conflicts()?
        .into_iter()
        .filter(|c| c.pk == wanted || c.current.as_deref() == Some(wanted))
        .collect();
    let conflict = match matching.as_slice() {
        [one] => one,
        [] => bail!(
            "no open conflict for {wanted:?}: `seller sync status` lists them by item id and value"
        ),
        _ => bail!("{wanted:?} names several conflicts: give the item id"),
    };
    let keep = match keep {
        KeepWhich::This => conflicts::Keep::This,
        KeepWhich::Other => conflicts::Keep::Other,
    };
    store.choose_sync_conflict_value(&conflict.table, &conflict.pk, &conflict.column, keep)?;
    match keep {
        conflicts::Keep::This => println!(
            "{} now holds {:?}; the other item ({}) got a distinct value. Run `seller sync now` to send it",
            conflict.pk, conflict.original, conflict.other_pk
        ),
        conflicts::Keep::Other => println!(
            "{} keeps {:?}; the conflict is closed",
            conflict.other_pk, conflict.original
        ),
    }
    Ok(())
}

async fn sign_out(access: &Access, capture: &Capture) -> Result<()> {
    if let Ok(client) = client(access, capture).await
        && let Err(error) = client.logout().await
    {
        eprintln!("warning: the server could not be told of the sign-out: {error}");
    }
    Keyring::default().delete_sync_token(capture.device_id())?;
    access.0.lock().expect("the store lock").sync_sign_out()?;
    println!("signed out; the data stays on this device");
    Ok(())
}

fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this computer".to_owned())
}
