//! Serves the fake Vinted site (`support/fake_vinted/`) for manual runs:
//! `fake-vinted [ADDRESS]` (default `127.0.0.1:0`, any free port). Prints the base URL and the
//! test accounts, then every request as it arrives (peer address first) and every probe report.
//! Commands on stdin: `normal`, `challenge`, `expired`, `ratelimited` (modes); `seed N` (the test
//! account's wardrobe becomes N generated listings); `stay` / `navigate` (after a publish);
//! `csrf` (the current token); `items` (what is stored); `fail STEP FAILURE [N]` (e.g. `fail
//! create drop`, `fail wardrobe 429`, see `failure`); `clear` (forget faults); `quit`. Runs until
//! killed or `quit`.

use seller_panel_tests::fake_vinted;

use std::io::BufRead;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context;
use fake_vinted::{Failure, FakeVinted, Mode, Step};

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
        "other account: {} / {} / password {}",
        fake_vinted::OTHER_USERNAME,
        fake_vinted::OTHER_EMAIL,
        fake_vinted::OTHER_PASSWORD
    );
    println!(
        "logged-in background {}; commands: normal, challenge, expired, ratelimited, seed N, \
         stay, navigate, csrf, items, fail STEP FAILURE [N], clear, quit",
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
    let mut probed = 0;
    loop {
        match received.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                let words: Vec<&str> = line.split_whitespace().collect();
                match words.as_slice() {
                    [] => {}
                    ["quit"] => return Ok(()),
                    [mode] if parse_mode(mode).is_some() => {
                        let mode = parse_mode(mode).unwrap_or(Mode::Normal);
                        fake.set_mode(mode);
                        println!("mode: {mode:?}");
                    }
                    ["seed", n] => match n.parse() {
                        Ok(n) => println!("seeded {} listings", fake.seed_wardrobe(n).len()),
                        Err(_) => println!("usage: seed N"),
                    },
                    ["stay"] => fake.set_publish_navigates(false),
                    ["navigate"] => fake.set_publish_navigates(true),
                    ["csrf"] => println!("csrf: {:?}", fake.csrf_token()),
                    ["clear"] => fake.clear_faults(),
                    ["items"] => {
                        for item in fake.items() {
                            println!(
                                "{} user={} {:?} {} EUR photos={:?} draft={} hidden={} closed={} deleted={}",
                                item.id,
                                item.user_id,
                                item.title,
                                item.price,
                                item.photo_ids,
                                item.is_draft,
                                item.is_hidden,
                                item.is_closed,
                                item.is_deleted
                            );
                        }
                    }
                    ["fail", step, failure, rest @ ..] => {
                        let n = rest.first().and_then(|n| n.parse().ok()).unwrap_or(1);
                        match (parse_step(step), parse_failure(failure)) {
                            (Some(step), Some(failure)) => {
                                println!("next {n} {step:?}: {failure:?}");
                                fake.fail_next_n(step, failure, n);
                            }
                            _ => println!("unknown step or failure in {line:?}"),
                        }
                    }
                    _ => println!("unknown command {line:?}"),
                }
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
        let probes = fake.all_probes();
        for probe in &probes[probed..] {
            println!("probe: {probe}");
        }
        probed = probes.len();
    }
}

fn parse_mode(word: &str) -> Option<Mode> {
    Some(match word {
        "normal" => Mode::Normal,
        "challenge" => Mode::Challenge,
        "expired" => Mode::SessionExpired,
        "ratelimited" => Mode::RateLimited,
        _ => return None,
    })
}

fn parse_step(word: &str) -> Option<Step> {
    Some(match word {
        "photo" => Step::PhotoUpload,
        "create" => Step::Create,
        "edit" => Step::Edit,
        "draft" => Step::Draft,
        "delete" => Step::Delete,
        "hide" => Step::Hide,
        "wardrobe" => Step::Wardrobe,
        "item" => Step::ItemRead,
        "reference" => Step::Reference,
        "user" => Step::CurrentUser,
        "form" => Step::UploadForm,
        "any" => Step::Any,
        _ => return None,
    })
}

/// `401`, `106`, `429`, `datadome`, `datadome200`, `validation`, `restricted` (24 h), `html`,
/// `drop`, `acceptdrop`, `500`, `halfway`.
fn parse_failure(word: &str) -> Option<Failure> {
    Some(match word {
        "401" => Failure::LoginExpired,
        "106" => Failure::AccessDenied106,
        "429" => Failure::RateLimited {
            retry_after_secs: 60,
        },
        "datadome" => Failure::DataDome403,
        "datadome200" => Failure::DataDome200Html,
        "validation" => Failure::Validation {
            field: "title".into(),
            message: "Le titre n'est pas valide".into(),
        },
        "restricted" => Failure::Restricted {
            until: std::time::SystemTime::now() + Duration::from_secs(24 * 3600),
        },
        "html" => Failure::HtmlInsteadOfJson,
        "drop" => Failure::NetworkDrop,
        "acceptdrop" => Failure::AcceptThenDrop,
        "500" => Failure::ServerError,
        "halfway" => Failure::FormHalfway,
        _ => return None,
    })
}
