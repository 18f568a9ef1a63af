//! The sync server's integration tests, one module per area, linked into one test binary (one
//! link instead of one per area, and the support code compiled once).

mod support;

mod api;
mod conformance;
mod hostile;
mod limits;
mod operators;
mod versions;
