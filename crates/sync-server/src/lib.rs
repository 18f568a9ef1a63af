//! The remote instance Seller Panel devices sync with (`docs/SYNC.md`, "The design chosen here").
//!
//! - [`api`]: the HTTP API (axum), one handler per endpoint of [`seller_sync_core::protocol`];
//! - [`auth`]: argon2 password hashes (kept only here) and device tokens (only their SHA-256
//!   is stored);
//! - [`push`]: what a pushed batch does, decided the same way whatever the backend;
//! - [`storage`]: the [`storage::Storage`] trait and its SQLite and PostgreSQL backends;
//! - [`schema`]: the typed marketplace tables, built from the app's migrations;
//! - [`serve`]: plain HTTP on loopback, TLS (rustls) when given a certificate;
//! - [`validate`]: what a pushed id or value may be (UUID keys, column types, bounds).
//!
//! What it shares with devices (protocol, clock, values, synced tables, merge rules) comes from
//! `seller-sync-core` alone: never the device's crate or the app's store. Its tests talk to it
//! through `seller-sync-client`, as a device does. Modules depend one way: `validate` →
//! `schema`; `push` → `schema`, `validate`; `storage` → `push`, `schema`; `api` → `auth`,
//! `push`, `schema`, `storage`, `validate`; `auth` and `serve` stand alone.

pub mod api;
pub mod auth;
pub mod push;
pub mod schema;
pub mod serve;
pub mod storage;
pub mod validate;

/// The device id the server stamps its own changes with (users it creates).
pub const SERVER_DEVICE: &str = "server";
