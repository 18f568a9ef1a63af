//! The deliberate door to raw SQL on the store's connection: for the sync engine's own tables
//! (its clocks, outbox, cursors, generic row copies) and for tests that inspect or corrupt raw
//! tables. The app shell must not use it; it asks the store's typed methods instead.
//!
//! Only built with the `raw-sql` feature, so every crate reaching past the repositories says so
//! in its `Cargo.toml` (`seller-sync`, `seller-cli` for its benchmark baseline, and tests).
//!
//! ```ignore
//! use seller_store::raw::{RawSql, RawTx};
//! let n: i64 = store.connection().query_row("SELECT count(*) FROM sync_clock", [], |r| r.get(0))?;
//! store.write(|tx| {
//!     let moved = tx.move_to_shop(&shop)?;
//!     tx.transaction().execute("DELETE FROM sync_clock WHERE tbl = 'shops'", [])?;
//!     Ok::<_, MyError>(moved)
//! })?;
//! ```

use rusqlite::{Connection, Transaction};

use crate::{Store, StoreTx};

/// Raw access to a [`Store`]'s connection.
pub trait RawSql {
    fn connection(&self) -> &Connection;
    /// For transactions of the caller's own (the sync engine's outbox and merged pages).
    fn connection_mut(&mut self) -> &mut Connection;
}

impl RawSql for Store {
    fn connection(&self) -> &Connection {
        &self.conn
    }

    fn connection_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

/// Raw access to the transaction inside a [`StoreTx`]: statements run on it commit or roll back
/// with the repository methods called on the same `StoreTx`.
pub trait RawTx {
    fn transaction(&self) -> &Transaction<'_>;
}

impl<'s> RawTx for StoreTx<'s> {
    fn transaction(&self) -> &Transaction<'_> {
        &self.tx
    }
}
