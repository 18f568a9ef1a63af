//! One write transaction on which repository methods run, so several of them (and, through
//! [`crate::raw::RawTx`], the sync engine's own statements) commit or roll back as one.

use rusqlite::Transaction;

use crate::{Store, StoreError};

/// A write transaction on the store. Get one from [`Store::write`]; it commits when the closure
/// returns `Ok` and rolls back when it returns `Err` or panics.
///
/// Repository writes that other crates compose into a larger unit are methods of this type
/// (`create_product`, `create_order`, `move_to_shop`…); the `Store` methods of the same names
/// are one-call wrappers around them.
pub struct StoreTx<'s> {
    pub(crate) tx: Transaction<'s>,
    shop_id: &'s str,
    /// The shop [`StoreTx::move_to_shop`] moved the data into; the store takes it on commit.
    moved_to: Option<String>,
}

impl StoreTx<'_> {
    /// The shop this device works in, as of this transaction.
    pub fn shop_id(&self) -> &str {
        self.moved_to.as_deref().unwrap_or(self.shop_id)
    }

    pub(crate) fn set_shop_id(&mut self, shop_id: &str) {
        self.moved_to = Some(shop_id.to_owned());
    }

    /// Commits, handing back the shop the data moved into, if it moved.
    fn commit(self) -> Result<Option<String>, StoreError> {
        self.tx.commit()?;
        Ok(self.moved_to)
    }
}

impl Store {
    /// Runs `f` in one transaction: committed when `f` returns `Ok`, rolled back when it returns
    /// `Err` or panics (the transaction is dropped unfinished). `E` is the caller's error type,
    /// so code in other crates can mix its own failures with the store's.
    pub fn write<T, E>(&mut self, f: impl FnOnce(&mut StoreTx<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let tx = self.conn.transaction().map_err(StoreError::from)?;
        let mut stx = StoreTx {
            tx,
            shop_id: &self.shop_id,
            moved_to: None,
        };
        let value = f(&mut stx)?;
        let moved_to = stx.commit()?;
        if let Some(shop_id) = moved_to {
            self.shop_id = shop_id;
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use crate::products::ProductDraft;
    use crate::{Store, StoreError};

    fn open() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite3")).unwrap();
        (dir, store)
    }

    fn count(store: &Store) -> i64 {
        store
            .conn
            .query_row("SELECT count(*) FROM seller_products", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn commits_on_ok() {
        let (_dir, mut store) = open();
        let ids = store
            .write(|tx| -> Result<_, StoreError> {
                let a = tx.create_product(ProductDraft::titled("a"))?;
                let b = tx.create_product(ProductDraft::titled("b"))?;
                Ok((a.id, b.id))
            })
            .unwrap();
        assert_ne!(ids.0, ids.1);
        assert_eq!(count(&store), 2);
    }

    #[derive(Debug)]
    enum CallerError {
        Store,
        Own,
    }

    impl From<StoreError> for CallerError {
        fn from(_: StoreError) -> Self {
            CallerError::Store
        }
    }

    #[test]
    fn rolls_back_on_the_callers_error() {
        let (_dir, mut store) = open();
        let result = store.write(|tx| -> Result<(), CallerError> {
            tx.create_product(ProductDraft::titled("a"))?;
            Err(CallerError::Own)
        });
        assert!(matches!(result, Err(CallerError::Own)));
        assert_eq!(count(&store), 0);
    }

    #[test]
    fn rolls_back_on_panic() {
        let (_dir, mut store) = open();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = store.write(|tx| -> Result<(), StoreError> {
                tx.create_product(ProductDraft::titled("a"))?;
                panic!("interrupted");
            });
        }));
        assert!(caught.is_err());
        assert_eq!(count(&store), 0);
        store.create_product(ProductDraft::titled("b")).unwrap();
        assert_eq!(count(&store), 1);
    }

    #[test]
    fn a_shop_move_counts_only_once_committed() {
        let (_dir, mut store) = open();
        let local = store.shop_id().to_owned();
        let other = crate::new_id();
        store
            .conn
            .execute(
                "INSERT INTO shops (id, owner_id, name, slug, created_at, updated_at)
                 SELECT ?1, owner_id, 'Other', ?1, created_at, updated_at FROM shops WHERE id = ?2",
                [&other, &local],
            )
            .unwrap();
        let result = store.write(|tx| -> Result<(), CallerError> {
            tx.move_to_shop(&other)?;
            assert_eq!(tx.shop_id(), other);
            Err(CallerError::Own)
        });
        assert!(result.is_err());
        assert_eq!(store.shop_id(), local);
        store.write(|tx| tx.move_to_shop(&other)).unwrap();
        assert_eq!(store.shop_id(), other);
    }
}
