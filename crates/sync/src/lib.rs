//! A device's side of sync with a remote instance (see `docs/SYNC.md` for the design chosen).
//!
//! What the server shares with devices (protocol, clock, values, synced tables, merge rules) is
//! in `seller-sync-core`, the HTTP client in `seller-sync-client`; both are re-exported here
//! under their old paths ([`hlc`], [`protocol`], [`value`], [`tables`], [`rules`], [`client`]).
//! This crate adds what needs the app's database:
//! - [`capture`]: change capture by triggers generated from the schema. Every insert, update and
//!   delete of a synced table records, in the same transaction, which cells changed, when (HLC)
//!   and where (device), and each row's causal length (odd alive, even deleted); capture is off
//!   while remote changes are applied, so they are not sent back;
//! - [`merge`]: what a device has not pushed yet, with its values ([`merge::pending`]), and
//!   applying another device's changes ([`merge::merge`]): the longer causal length wins a row's
//!   life, then per-cell last-writer-wins on (HLC, device), foreign keys checked at commit;
//! - [`replica`], [`device`]: the outbox, the pull cursors, and what a signed-in device does;
//! - [`scheduler`]: when rounds run (on a local change, on news from the server, every few
//!   minutes, sooner again while offline, on demand), one at a time;
//! - [`rounds`]: what those rounds do on a signed-in device, its token from a
//!   [`rounds::TokenSource`];
//! - [`trust`]: what a device accepts from a pulled page (synced tables and columns only, UUID
//!   keys, values of their column's type, storable stamps): a page with anything else is
//!   refused whole;
//! - [`conflicts`]: unique-key clashes settled by a rename, listed on every device the rename
//!   reaches, with the user's choice of which item keeps the value;
//! - [`proxy_watch`]: an account's proxy changed on another device waits for confirmation here
//!   before its password is sent there.
//!
//! Modules depend one way (`scripts/check-architecture` checks it): `proxy_watch`, `trust` →
//! the core; `capture` → `proxy_watch`; `conflicts` → `capture`; `merge` → `capture`,
//! `conflicts`, `proxy_watch`; `replica` → `merge`, `trust`; `device` → all of them;
//! `scheduler` → nothing of this crate; `rounds` → `device`, `scheduler`. The server is in
//! `crates/sync-server`.

pub use seller_sync_client as client;
pub use seller_sync_core::{hlc, protocol, rules, tables, value};

pub mod capture;
pub mod conflicts;
pub mod device;
pub mod merge;
pub mod proxy_watch;
pub mod replica;
pub mod rounds;
pub mod scheduler;
pub mod trust;
