//! The local store of Seller Panel: one SQLite file holding the whole schema of `docs/SCHEMA.md`.
//!
//! [`Store::open`] sets the connection up (WAL, foreign keys, busy timeout), backs the file up and
//! applies pending migrations, and refuses a file written by a newer version. Typed repositories
//! ([`products`], [`orders`], [`accounts`], [`settings`], [`vinted`]) are the only way the rest
//! of the app touches SQL. Writes run in one transaction each: [`Store::write`] hands out a
//! [`StoreTx`] on which several repository writes commit or roll back as one. Raw SQL is behind
//! the `raw-sql` feature (`raw`), for the sync engine's own tables and for tests.

pub mod accounts;
pub mod backup;
pub mod backup_files;
pub mod csv;
pub mod dashboard;
pub mod data_dir;
mod enums;
mod error;
pub mod ids;
mod migrations;
pub mod order_lines;
pub mod orders;
pub mod photos;
pub mod products;
#[cfg(feature = "raw-sql")]
pub mod raw;
pub mod registers;
pub mod settings;
mod store;
mod time;
pub mod transfer;
mod tx;
mod undo;
pub mod vinted;

pub use error::{FieldError, FieldErrorCode, StoreError};
pub use migrations::{LATEST_VERSION, MIGRATIONS_SQL};
pub use store::{OpenOutcome, Store};
pub use time::now_rfc3339;
pub use tx::StoreTx;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A new primary key: UUIDv7, so rows made offline on two devices never collide and ids sort by
/// creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
