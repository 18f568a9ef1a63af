use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use seller_store::Store;
use seller_store::data_dir::DATABASE_FILE;

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
}

impl AppState {
    pub fn open(data_dir: PathBuf) -> Self {
        let store = open_store(&data_dir);
        Self {
            inner: Arc::new(Inner {
                data_dir,
                store: Mutex::new(store),
            }),
        }
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
            *guard = open_store(&inner.data_dir);
            outcome
        })
        .await
        .map_err(AppError::internal)?
    }
}

fn open_store(data_dir: &Path) -> Result<Store, AppError> {
    let store = Store::open(&data_dir.join(DATABASE_FILE)).map_err(AppError::from);
    match &store {
        Ok(store) => {
            tracing::info!(path = %store.path().display(), outcome = ?store.open_outcome(), "store open")
        }
        Err(err) => tracing::error!(%err, "store failed to open"),
    }
    store
}
