//! What the cross-crate and end-to-end tests and the helper binaries (benchmarks, the crash
//! writer, the fake Vinted server) share, compiled once as a library rather than again inside
//! every test binary.

pub mod desktop;
pub mod fake_vinted;
pub mod login;
pub mod procs;
pub mod sync;
pub mod ui;
pub mod vinted;
pub mod wait;

pub use seller_test_net::{ports, proxies};
