//! What the test modules share: fresh storages of either backend (a crate of their own, which the
//! cross-crate tests use too) and the real server binary run as an operator runs it.

pub use seller_test_sync_backends as backends;

pub mod process;
