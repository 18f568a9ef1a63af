//! Free ports for servers a test starts itself (proxies, echo servers, tauri-driver).

use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};

const FIRST: u32 = 20_000;
const SPAN: u32 = 12_000;

/// A free port below Linux's ephemeral range (32768 and up). A port the OS hands out for
/// `bind(:0)` and that the test releases could be taken meanwhile by any of the servers the app
/// and its sessions start on `:0` (the live-view bridge, chromedriver, x11vnc), and the test
/// would then talk to the wrong server. Below that range only ports picked this way compete,
/// each process from its own starting point.
pub fn free_port() -> u16 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let seed = std::process::id().wrapping_mul(7919);
    for _ in 0..SPAN {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = (FIRST + seed.wrapping_add(n.wrapping_mul(104_729)) % SPAN) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port between {FIRST} and {}", FIRST + SPAN);
}
