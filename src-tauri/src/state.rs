use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use seller_store::Store;
use seller_store::data_dir::DATABASE_FILE;
use seller_sync::capture::Capture;

use crate::error::{AppError, ErrorCode};

/// What every command reaches: the data folder and the store opened in it.
///
/// A store that failed to open (a file from a newer version, a disk error) is kept as its error,
/// so the window still opens and every command explains what is wrong.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    data_dir: PathBuf,
    store: Mutex<Result<Store, AppError>>,
    /// Change capture of the open store (the sync engine's), replaced when the store reopens.
    capture: Mutex<Option<Capture>>,
}

impl AppState {
    pub fn open(data_dir: PathBuf) -> Self {
        let (store, capture) = open_store(&data_dir);
        Self {
            inner: Arc::new(Inner {
                data_dir,
                store: Mutex::new(store),
                capture: Mutex::new(capture),
            }),
        }
    }

    /// The change capture of the open store; `None` while it is closed or failed to open.
    pub fn capture(&self) -> Option<Capture> {
        lock_recovering(&self.inner.capture).clone()
    }

    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    /// Runs blocking store work on a worker thread, never on the UI's.
    pub async fn with_store<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, AppError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tauri::async_runtime::spawn_blocking(move || {
            let mut guard = lock_recovering(&inner.store);
            match &mut *guard {
                Ok(store) => work(store),
                Err(err) => Err(err.clone()),
            }
        })
        .await
        .map_err(AppError::internal)?
    }

    /// Closes the store, lets `work` replace the files in the data folder (a restore), then
    /// opens the store again, whatever `work` did: on failure the old data is still there.
    pub async fn replace_data<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Path) -> Result<T, AppError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tauri::async_runtime::spawn_blocking(move || {
            let mut guard = lock_recovering(&inner.store);
            let busy = AppError::new(ErrorCode::Internal, "the data is being replaced");
            drop(std::mem::replace(&mut *guard, Err(busy)));
            // The store opens again even when `work` panics, or every later command would fail.
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&inner.data_dir)));
            let (store, capture) = open_store(&inner.data_dir);
            *guard = store;
            *lock_recovering(&inner.capture) = capture;
            outcome.unwrap_or_else(|_| Err(AppError::internal("replacing the data failed")))
        })
        .await
        .map_err(AppError::internal)?
    }
}

/// The Vinted flows reach the store the way the commands do.
impl seller_vinted::StoreAccess for AppState {
    type Error = AppError;

    async fn with_store<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, seller_vinted::Error> + Send + 'static,
    {
        AppState::with_store(self, move |store| Ok(work(store)?)).await
    }
}

/// The guard even when a command panicked while holding it: the store's writes are
/// transactions that roll back when dropped by the unwinding, so the data is as it was before
/// that command, and one command's bug must not leave every other failing. The poison is
/// cleared so the next lock is an ordinary one.
fn lock_recovering<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned: PoisonError<_>| {
        tracing::error!("a command panicked while holding the store; going on with it");
        mutex.clear_poison();
        poisoned.into_inner()
    })
}

/// Opens the store as a sync replica: change capture on from the first write.
fn open_store(data_dir: &Path) -> (Result<Store, AppError>, Option<Capture>) {
    match seller_sync::device::open(&data_dir.join(DATABASE_FILE)) {
        Ok((store, capture)) => {
            tracing::info!(path = %store.path().display(), outcome = ?store.open_outcome(), "store open");
            (Ok(store), Some(capture))
        }
        Err(err) => {
            let err = AppError::from(err);
            tracing::error!(%err, "store failed to open");
            (Err(err), None)
        }
    }
}

#[cfg(test)]
mod tests {
    use seller_store::products::{ProductDraft, ProductQuery};

    use super::*;

    fn block_on<F: std::future::Future>(task: F) -> F::Output {
        tauri::async_runtime::block_on(task)
    }

    #[test]
    fn a_command_that_panics_inside_the_store_leaves_the_others_working() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::open(dir.path().to_owned());
        // A panic in the middle of a write: an import has inserted its first rows, then the
        // command panics before its transaction commits.
        let rows = seller_store::csv::PROGRESS_EVERY + 1;
        let csv: String = std::iter::once("title".to_owned())
            .chain((0..rows).map(|n| format!("Half-written {n}")))
            .collect::<Vec<_>>()
            .join("\n");
        let panicked = block_on(state.with_store(move |store| -> Result<(), AppError> {
            let mut progress = |done: u32, _total: u32| {
                if done > 0 {
                    panic!("a bug in a command");
                }
            };
            let cancel = std::sync::atomic::AtomicBool::new(false);
            store.import_inventory_csv(
                csv.as_bytes(),
                &seller_store::csv::CsvImportOptions::default(),
                &mut progress,
                &cancel,
            )?;
            Ok(())
        }));
        assert!(panicked.is_err());
        let created = block_on(
            state.with_store(|store| Ok(store.create_product(ProductDraft::titled("Robe"))?)),
        )
        .expect("the next command works");
        let listed =
            block_on(state.with_store(|store| Ok(store.list_products(&ProductQuery::default())?)))
                .unwrap();
        assert_eq!(listed.items.len(), 1, "the panicking write rolled back");
        assert_eq!(listed.items[0].id, created.id);
        assert!(!state.inner.store.is_poisoned());
    }

    #[test]
    fn a_restore_that_panics_still_reopens_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::open(dir.path().to_owned());
        let failed = block_on(
            state.replace_data(|_| -> Result<(), AppError> { panic!("a bug in a restore") }),
        );
        assert!(failed.is_err());
        block_on(state.with_store(|store| Ok(store.create_product(ProductDraft::titled("Robe"))?)))
            .expect("the store is open again");
    }
}
