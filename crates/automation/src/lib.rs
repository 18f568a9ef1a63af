//! Per-account browser sessions of Seller Panel.
//!
//! So far: the proxy part — [`proxy::connect`] reaches a target through an account's upstream
//! proxy (HTTP or SOCKS5) with precise errors, [`proxy::check`] tells the address the proxy exits
//! from, and [`proxy::Forwarder`] is the local credential-free proxy a session's browser is
//! pointed at — and, on Linux, the session's virtual display ([`display`]) and its VNC server
//! ([`vnc`]), each child in a process group of its own ([`process`]). The browser and the live
//! view come next.

pub mod bridge;
pub mod display;
pub mod process;
pub mod proxy;
pub mod vnc;
