use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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
        self.inner
            .capture
            .lock()
            .ok()
            .and_then(|capture| capture.clone())
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
            let mut guard = inner
                .store
                .lock()
                .map_err(|_| AppError::internal("store lock poisoned"))?;
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
            let mut guard = inner
                .store
                .lock()
                .map_err(|_| AppError::internal("store lock poisoned"))?;
            let busy = AppError::new(ErrorCode::Internal, "the data is being replaced");
            drop(std::mem::replace(&mut *guard, Err(busy)));
            let outcome = work(&inner.data_dir);
            let (store, capture) = open_store(&inner.data_dir);
            *guard = store;
            if let Ok(mut slot) = inner.capture.lock() {
                *slot = capture;
            }
            outcome
        })
        .await
        .map_err(AppError::internal)?
    }
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
