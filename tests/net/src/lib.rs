//! What the tests of several crates need around the network: free ports for the servers a test
//! starts, and real upstream proxies. A crate of its own so that a crate's tests (the automation
//! crate's proxy tests) use it without building the workspace's end-to-end support.

pub mod ports;
pub mod proxies;
