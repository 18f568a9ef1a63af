//! Serves the fake Vinted site (`support/fake_vinted/`) for manual runs:
//! `fake-vinted [ADDRESS]` (default `127.0.0.1:0`, any free port). Prints the base URL and the
//! test account, then every request as it arrives (peer address first). Commands on stdin:
//! `normal`, `challenge`, `expired`, `ratelimited`, `quit`. Runs until killed or `quit`.

use seller_panel_tests::fake_vinted;

use std::io::BufRead;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context;
use fake_vinted::{FakeVinted, Mode};

fn main() -> anyhow::Result<()> {
    let addr: SocketAddr = match std::env::args().nth(1) {
        Some(arg) => arg
            .parse()
            .with_context(|| format!("usage: fake-vinted [ADDRESS], not {arg:?}"))?,
        None => SocketAddr::from(([127, 0, 0, 1], 0)),
    };
    let fake = FakeVinted::start_on(addr).with_context(|| format!("listening on {addr}"))?;
    println!("fake Vinted on {}", fake.base_url());
    println!(
        "account: {} / {} / password {}",
        fake_vinted::USERNAME,
        fake_vinted::EMAIL,
        fake_vinted::PASSWORD
    );
    println!(
        "logged-in background {}; commands: normal, challenge, expired, ratelimited, quit",
        fake_vinted::LOGGED_IN_BACKGROUND_CSS
    );

    let (commands, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            if commands.send(line).is_err() {
                break;
            }
        }
    });

    let mut printed = 0;
    loop {
        match received.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                let mode = match line.trim() {
                    "normal" => Mode::Normal,
                    "challenge" => Mode::Challenge,
                    "expired" => Mode::SessionExpired,
                    "ratelimited" => Mode::RateLimited,
                    "quit" => return Ok(()),
                    "" => continue,
                    other => {
                        println!("unknown command {other:?}");
                        continue;
                    }
                };
                fake.set_mode(mode);
                println!("mode: {mode:?}");
            }
            // stdin closed (run in the background): keep serving.
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                std::thread::sleep(Duration::from_millis(200))
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        let requests = fake.requests();
        for request in &requests[printed..] {
            let query = request
                .query
                .as_deref()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            println!(
                "{} {} {}{} host={} cookies={}",
                request.peer,
                request.method,
                request.path,
                query,
                request.host.as_deref().unwrap_or("-"),
                request
                    .cookies
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            );
        }
        printed = requests.len();
    }
}
