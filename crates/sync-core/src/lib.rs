//! What every Seller Panel replica shares, device and server alike (see `docs/SYNC.md`):
//! plain data and pure functions, with no database, no HTTP and no async runtime.
//!
//! - [`hlc`]: the hybrid logical clock that stamps every change, monotonic whatever the wall
//!   clock does, and clamped by the server when a device's clock runs far ahead;
//! - [`value`]: a cell's value and its JSON form (`ToSql`/`FromSql` with the `rusqlite`
//!   feature, for the device);
//! - [`protocol`]: the JSON the devices and the server exchange, rows and cells included;
//! - [`tables`]: which tables sync, the scope (shop) of each row, and the columns that never
//!   travel;
//! - [`rules`]: the merge rules (causal length for a row's life, then last writer wins per cell).
//!
//! Modules depend downwards only: `rules` → `hlc`; `protocol` → `hlc`, `value`; `tables` →
//! `protocol`.

pub mod hlc;
pub mod protocol;
pub mod rules;
pub mod tables;
pub mod value;
