//! Per-account browser sessions of Seller Panel.
//!
//! A [`session::Session`] is, for one Vinted account: a local [`proxy::Forwarder`] that adds the
//! account's proxy credentials (Chromium takes none on its command line), on Linux a virtual
//! display ([`display`]) watched through x11vnc ([`vnc`]), and Chromium started by chromedriver
//! and driven through thirtyfour ([`browser`]) with the account's own profile and
//! [`fingerprint`]. [`sessions::Sessions`] holds every running session of the app, watches each
//! one's health and tells subscribers when it changes. [`bridge`] carries the live view's
//! WebSocket to a session's VNC server. What the automation knows of Vinted's pages is in
//! [`site`]. Every child process runs in a process group of its own, marked ([`process`]) so the
//! leftovers of a crashed run are found again.

pub mod bridge;
pub mod browser;
pub mod display;
pub mod fingerprint;
pub mod peer;
pub mod process;
pub mod proxy;
pub mod session;
pub mod sessions;
pub mod site;
pub mod stealth;
pub mod vnc;
