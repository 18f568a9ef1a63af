//! Sync of Seller Panel with a remote instance (see `../shared/SYNC.md` for the design chosen).
//!
//! Built so far, each usable and tested on its own:
//! - [`hlc`]: the hybrid logical clock that stamps every change, monotonic on a device whatever
//!   its wall clock does, and clamped by the server when a device's clock runs far ahead;
//! - [`capture`]: change capture by triggers generated from the schema. Every insert, update and
//!   delete of a synced table records, in the same transaction, which cells changed, when (HLC)
//!   and where (device), and each row's causal length (odd alive, even deleted); capture is off
//!   while remote changes are applied, so they are not sent back;
//! - [`merge`]: what a device has not pushed yet, with its values ([`merge::pending`]), and
//!   applying another device's changes ([`merge::merge`]): the longer causal length wins a row's
//!   life, then per-cell last-writer-wins on (HLC, device), foreign keys checked at commit.
//!
//! - [`replica`], [`client`], [`device`]: the outbox, the pull cursors, the HTTP client (https,
//!   or plain http to this computer only; answers bounded) and what a signed-in device does;
//! - [`trust`]: what a device accepts from a pulled page (synced tables and columns only, UUID
//!   keys, values of their column's type, storable stamps): a page with anything else is
//!   refused whole;
//! - [`conflicts`]: unique-key clashes settled by a rename, listed on every device the rename
//!   reaches, with the user's choice of which item keeps the value;
//! - [`proxy_watch`]: an account's proxy changed on another device waits for confirmation here
//!   before its password is sent there.
//!
//! The server is in `crates/sync-server`.

pub mod capture;
pub mod client;
pub mod conflicts;
pub mod device;
pub mod hlc;
pub mod merge;
pub mod protocol;
pub mod proxy_watch;
pub mod replica;
pub mod rules;
pub mod tables;
pub mod trust;
pub mod value;
