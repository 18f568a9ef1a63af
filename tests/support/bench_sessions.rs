//! `bench-sessions`: browser sessions (Xvfb, x11vnc, chromedriver, Chromium) against the fake
//! Vinted site on 127.0.0.1, through the app's own session registry:
//!
//! 1. start to a ready page: from `Sessions::start` until a probe of the page says logged in
//!    (a profile logged in once before), and, from a fresh profile, logged out;
//! 2. memory of one session idle on the logged-in page, by process kind (PSS);
//! 3. capacity: sessions started one by one, each logged in with its own profile, and after each
//!    start how every running session answers (a trivial script, a navigation and a probe);
//! 4. publish (`--part publish`, `./scripts/bench publish`): one item with 3 photos published by
//!    the app's job runner (pacing gaps of 1 ms), alternating with a plain WebDriver script
//!    that fills and submits the same form with no checks, in the same session.
//!
//! PSS shares pages among every process that maps them, other programs' Chromium too: before
//! reading memory the bench waits until no Chromium or chromedriver but its own runs, and
//! marks a figure read with another one running.
//!
//! Figures only, no timed assertions. Every session is stopped at the end, also after an error;
//! the sessions carry a fixed marker scope, so a run that was killed has its leftovers ended by
//! the next run (`Sessions::new` ends the sessions of a scope whose process is gone).
//!
//! Usage: bench-sessions [--runs N] [--max N] [--proxy] [--part start|memory|capacity|publish]...
//! (see scripts/bench)

use seller_panel_tests::{fake_vinted, login, proxies, vinted};

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use seller_automation::browser::BrowserInstall;
use seller_automation::fingerprint::Fingerprint;
use seller_automation::process::{kill_marked, marked_processes};
use seller_automation::proxy::{ProxyKind, Upstream};
use seller_automation::session::{Session, SessionError, SessionSpec};
use seller_automation::sessions::Sessions;
use seller_automation::site::PageState;
use seller_secrets::Secret;

use fake_vinted::FakeVinted;

/// Marker scope of the bench's sessions (fixed: a new run ends what a killed run left).
const SCOPE: &str = "seller-panel-bench-sessions";
const VNC_PASSWORD: &str = "Bench-91";
/// Longest wait for a page state before the bench gives up.
const WAIT: Duration = Duration::from_secs(30);
/// Idle time before memory and CPU are read, so start-up work has settled.
const SETTLE: Duration = Duration::from_secs(5);
/// Window over which the idle CPU of the sessions is measured.
const CPU_WINDOW: Duration = Duration::from_secs(5);
/// Samples per session and capacity step.
const SCRIPT_SAMPLES: usize = 5;
const NAV_SAMPLES: usize = 2;
/// "Responsive": what a person driving one session over VNC, or a flow in it, still finds
/// prompt while the others run idle.
const SCRIPT_P95_LIMIT_MS: f64 = 200.0;
const NAV_P95_LIMIT_MS: f64 = 2000.0;
/// Memory kept free for the app, the desktop and the OS in the memory-bound estimate.
const RESERVE_MB: f64 = 2048.0;

/// The parts of the bench, in the order they run.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Part {
    Start,
    Memory,
    Capacity,
    Publish,
}

struct Options {
    runs: usize,
    max: usize,
    proxy: bool,
    /// Empty: start, memory and capacity (the publish part is asked for by name).
    parts: Vec<Part>,
}

const USAGE: &str = "usage: bench-sessions [--runs N] [--max N] [--proxy] [--part start|memory|capacity|publish]...";

fn options() -> Result<Options> {
    let mut options = Options {
        runs: 10,
        max: 8,
        proxy: false,
        parts: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<usize> {
            let value = args
                .next()
                .with_context(|| format!("{name} needs a number"))?;
            value
                .parse()
                .with_context(|| format!("{name} needs a number, not {value:?}"))
        };
        match arg.as_str() {
            "--runs" => options.runs = number("--runs")?.max(1),
            "--max" => options.max = number("--max")?.max(1),
            "--proxy" => options.proxy = true,
            "--part" => options.parts.push(match args.next().as_deref() {
                Some("start") => Part::Start,
                Some("memory") => Part::Memory,
                Some("capacity") => Part::Capacity,
                Some("publish") => Part::Publish,
                _ => bail!(USAGE),
            }),
            _ => bail!(USAGE),
        }
    }
    if options.parts.is_empty() {
        options.parts = vec![Part::Start, Part::Memory, Part::Capacity];
    }
    options.parts.sort();
    options.parts.dedup();
    Ok(options)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let options = options()?;
    let fake = FakeVinted::start();
    let tinyproxy = options.proxy.then(proxies::tinyproxy);
    let upstream = tinyproxy.as_ref().map(|proxy| {
        Upstream::new(ProxyKind::Http, "127.0.0.1", proxy.port)
            .with_credentials(proxies::USER, Secret::new(proxies::PASSWORD))
    });
    let bench = Bench {
        sessions: Sessions::new(SCOPE),
        dir: tempfile::tempdir()?,
        install: BrowserInstall::locate().context("chromium and chromedriver (scripts/setup)")?,
        fake,
        upstream,
    };
    let outcome = run(&bench, &options).await;
    // Whatever happened, nothing may be left running.
    bench.sessions.stop_all().await;
    let left = bench.wait_nothing_left().await;
    if left.is_empty() {
        println!("\nall sessions stopped; no process left behind");
    } else {
        kill_marked(&instance_prefix());
        eprintln!("killed processes left behind after stop_all: {left:?}");
    }
    drop(tinyproxy);
    outcome
}

async fn run(bench: &Bench, options: &Options) -> Result<()> {
    let mem_before = mem_available_mb()?;
    println!(
        "bench-sessions: {} cores, {:.1} GiB RAM, MemAvailable {:.0} MB, load {:.2}, Chromium {}, {}",
        cores(),
        mem_total_mb()? / 1024.0,
        mem_before,
        load1(),
        bench.install.major_version,
        match &bench.upstream {
            _ if options.parts == [Part::Publish] =>
                "the publish part's own session behind tinyproxy",
            Some(_) => "through tinyproxy (HTTP, Basic auth) and the session's forwarder",
            None => "straight to the fake site (no proxy)",
        }
    );
    println!(
        "fake Vinted site on {}; each session: Xvfb + x11vnc + chromedriver + Chromium, watchdog on",
        bench.fake.base_url()
    );
    let parts = &options.parts;
    if parts.contains(&Part::Start) {
        start_times(bench, options.runs).await?;
    }
    let mut per_session = None;
    if parts.contains(&Part::Memory) {
        per_session = Some(memory_of_one(bench).await?);
    }
    if parts.contains(&Part::Capacity) {
        capacity(bench, options.max, mem_before, per_session).await?;
    }
    if parts.contains(&Part::Publish) {
        publish_times(bench, options.runs).await?;
    }
    if bench.upstream.is_some() {
        let requests = bench.fake.requests();
        let exit: std::net::IpAddr = proxies::TINYPROXY_EXIT.parse()?;
        let around = requests.iter().filter(|r| r.peer.ip() != exit).count();
        println!(
            "the fake site served {} requests, {} of them not through tinyproxy",
            requests.len(),
            around
        );
    }
    Ok(())
}

/// The beginning of the markers of this run's sessions (`<scope>#<pid>#`, see
/// `seller_automation::process::Marker`): another run's sessions are never counted or killed.
fn instance_prefix() -> String {
    format!("{SCOPE}#{}#", std::process::id())
}

/// The bench's sessions and what they run against.
struct Bench {
    sessions: Sessions,
    dir: tempfile::TempDir,
    install: BrowserInstall,
    fake: FakeVinted,
    upstream: Option<Upstream>,
}

impl Bench {
    fn profile(&self, name: &str) -> PathBuf {
        self.dir.path().join("browser-profiles").join(name)
    }

    /// A session of `account` with the profile folder `profile`, built as the app builds it (a
    /// vinted.de seller's fingerprint, a VNC password).
    fn spec(&self, account: &str, profile: &Path) -> SessionSpec {
        SessionSpec {
            account_id: account.to_owned(),
            base_url: self.fake.base_url(),
            profile_dir: profile.to_owned(),
            runtime_dir: self.dir.path().join("run").join(account),
            upstream: self.upstream.clone(),
            vnc_password: Some(Secret::new(VNC_PASSWORD)),
            fingerprint: Fingerprint::for_base_url(
                "https://www.vinted.de",
                self.install.major_version,
            ),
            install: self.install.clone(),
            marker: self.sessions.marker(account),
        }
    }

    fn marked(&self, account: &str) -> Vec<u32> {
        marked_processes(self.sessions.marker(account).as_str())
    }

    fn marked_all(&self) -> Vec<u32> {
        marked_processes(&instance_prefix())
    }

    async fn wait_nothing_left(&self) -> Vec<u32> {
        let deadline = Instant::now() + Duration::from_secs(8);
        loop {
            let left = self.marked_all();
            if left.is_empty() || Instant::now() > deadline {
                return left;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn with<T>(&self, account: &str, work: impl AsyncFnOnce(&Session) -> T) -> Result<T> {
        self.sessions
            .with_session(account, work)
            .await
            .with_context(|| format!("{account}'s session is not running"))
    }

    /// Probes `account`'s page until it is in state `wanted`.
    async fn wait_state(&self, account: &str, wanted: PageState) -> Result<()> {
        let deadline = Instant::now() + WAIT;
        loop {
            let state = self
                .with(account, async |s: &Session| s.probe().await)
                .await?;
            if state.as_ref().ok() == Some(&wanted) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("{account}'s page never became {wanted:?} (last: {state:?})");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Time from asking the registry for the session until its page is in state `wanted`.
    async fn start_until(&self, spec: SessionSpec, wanted: PageState) -> Result<Duration> {
        let account = spec.account_id.clone();
        let started = Instant::now();
        self.sessions
            .start(spec)
            .await
            .with_context(|| format!("starting {account}'s session"))?;
        self.wait_state(&account, wanted).await?;
        Ok(started.elapsed())
    }

    async fn stop(&self, account: &str) -> Duration {
        let started = Instant::now();
        self.sessions.stop(account).await;
        started.elapsed()
    }

    /// Logs in through the fake site's form, as a person would over VNC.
    async fn log_in(&self, account: &str) -> Result<()> {
        let fake = &self.fake;
        self.with(account, async |s: &Session| {
            login::submit_login_form(s, fake).await
        })
        .await??;
        self.wait_state(account, PageState::LoggedIn).await
    }

    /// One round trip of a trivial script in `account`'s page.
    async fn script_rtt(&self, account: &str) -> Result<Duration> {
        self.with(account, async |s: &Session| -> Result<Duration> {
            let started = Instant::now();
            let answer = s.driver().execute("return 1", Vec::new()).await?;
            let elapsed = started.elapsed();
            if answer.json() != &serde_json::json!(1) {
                bail!("the page answered {} to `return 1`", answer.json());
            }
            Ok(elapsed)
        })
        .await?
    }

    /// Opening the site's home page, then a probe that finds it logged in.
    async fn navigation(&self, account: &str) -> Result<Duration> {
        let home = self.fake.base_url();
        let (elapsed, state) = self
            .with(account, async |s: &Session| -> Result<_, SessionError> {
                let started = Instant::now();
                s.open(&home).await?;
                let state = s.probe().await?;
                Ok((started.elapsed(), state))
            })
            .await??;
        if state != PageState::LoggedIn {
            bail!("{account}'s home page was {state:?}, not logged in");
        }
        Ok(elapsed)
    }
}

/// Start times (1.): to a logged-in page (kept profile) and to a logged-out page (fresh profile).
async fn start_times(bench: &Bench, runs: usize) -> Result<()> {
    let warm = bench.profile("warm");
    bench
        .start_until(bench.spec("warm", &warm), PageState::LoggedOut)
        .await?;
    bench.log_in("warm").await?;
    bench.stop("warm").await;

    let mut logged_in = Vec::new();
    let mut logged_out = Vec::new();
    let mut stops = Vec::new();
    // The first round warms the OS file cache; it is not counted.
    for run in 0..=runs {
        let fresh = bench.profile(&format!("cold-{run}"));
        let cold = bench
            .start_until(bench.spec("cold", &fresh), PageState::LoggedOut)
            .await?;
        let stop_cold = bench.stop("cold").await;
        let _ = std::fs::remove_dir_all(&fresh);
        let again = bench
            .start_until(bench.spec("warm", &warm), PageState::LoggedIn)
            .await?;
        let stop_warm = bench.stop("warm").await;
        if run > 0 {
            logged_out.push(ms(cold));
            logged_in.push(ms(again));
            stops.push(ms(stop_cold));
            stops.push(ms(stop_warm));
        }
    }
    println!("\n1. start to a ready page: {runs} runs each, alternating, after one warm-up round");
    println!(
        "{:<58} {:>10} {:>10}",
        "from Sessions::start until a probe of the page says", "p50 (ms)", "max (ms)"
    );
    for (name, samples) in [
        ("logged in (profile logged in before)", &logged_in),
        ("logged out (fresh profile, first start)", &logged_out),
        ("(stopping a session: Sessions::stop)", &stops),
    ] {
        println!(
            "{:<58} {:>10.0} {:>10.0}",
            name,
            percentile(samples, 50.0),
            max(samples)
        );
    }
    Ok(())
}

/// The kinds of process a session runs.
const KINDS: [&str; 7] = [
    "Xvfb",
    "x11vnc",
    "chromedriver",
    "Chromium browser",
    "Chromium renderers",
    "Chromium GPU/utility/zygote",
    "other",
];

fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn kind_of(pid: u32) -> &'static str {
    let comm = comm(pid);
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
    let program = cmdline.split_whitespace().next().unwrap_or_default();
    match comm.as_str() {
        "Xvfb" => return "Xvfb",
        "x11vnc" => return "x11vnc",
        "chromedriver" => return "chromedriver",
        _ => {}
    }
    if !(program.contains("chrom") || comm.starts_with("chrom")) || comm.contains("crashpad") {
        return "other";
    }
    if cmdline.contains("--type=renderer") {
        "Chromium renderers"
    } else if cmdline.contains("--type=") {
        "Chromium GPU/utility/zygote"
    } else {
        "Chromium browser"
    }
}

/// PSS and RSS of a process, in kB (0 when it is gone).
fn pss_rss_kb(pid: u32) -> (u64, u64) {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    (
        field(&rollup, "Pss:").unwrap_or(0),
        field(&status, "VmRSS:").unwrap_or(0),
    )
}

fn pss_mb(pids: &[u32]) -> f64 {
    pids.iter().map(|&pid| pss_rss_kb(pid).0).sum::<u64>() as f64 / 1024.0
}

/// Memory (2.) of one session, idle on the logged-in page. Returns its PSS in MB.
async fn memory_of_one(bench: &Bench) -> Result<f64> {
    if !bench.profile("warm").exists() {
        // Run alone (`--part memory`): the profile is logged in first, as part 1 does.
        bench
            .start_until(
                bench.spec("warm", &bench.profile("warm")),
                PageState::LoggedOut,
            )
            .await?;
        bench.log_in("warm").await?;
        bench.stop("warm").await;
    }
    bench
        .start_until(
            bench.spec("warm", &bench.profile("warm")),
            PageState::LoggedIn,
        )
        .await?;
    tokio::time::sleep(SETTLE).await;
    wait_alone(bench).await;
    let mut by_kind: BTreeMap<&str, (usize, u64, u64)> = BTreeMap::new();
    let mut others = std::collections::BTreeSet::new();
    for pid in bench.marked("warm") {
        let (pss, rss) = pss_rss_kb(pid);
        let kind = kind_of(pid);
        if kind == "other" {
            others.insert(comm(pid));
        }
        let entry = by_kind.entry(kind).or_default();
        entry.0 += 1;
        entry.1 += pss;
        entry.2 += rss;
    }
    let foreign = foreign_warning(bench);
    let distinct = distinct_mb(&bench.marked("warm"));
    let (cpu, machine) = idle_cpu_percent(bench, CPU_WINDOW).await;
    bench.stop("warm").await;

    println!(
        "\n2. memory of one session, idle {} s on the logged-in page (the only session running)",
        SETTLE.as_secs()
    );
    println!(
        "{:<30} {:>10} {:>10} {:>10}",
        "process kind", "processes", "PSS (MB)", "RSS (MB)"
    );
    let (mut count, mut pss, mut rss) = (0, 0, 0);
    for kind in KINDS {
        let (n, p, r) = by_kind.get(kind).copied().unwrap_or_default();
        let label = if kind == "other" && !others.is_empty() {
            format!(
                "other ({})",
                others.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        } else {
            kind.to_owned()
        };
        println!(
            "{:<30} {:>10} {:>10.1} {:>10.1}",
            label,
            n,
            p as f64 / 1024.0,
            r as f64 / 1024.0
        );
        count += n;
        pss += p;
        rss += r;
    }
    let pss = pss as f64 / 1024.0;
    println!(
        "{:<30} {:>10} {:>10.1} {:>10.1}{foreign}",
        "session total",
        count,
        pss,
        rss as f64 / 1024.0
    );
    if let Some(distinct) = distinct {
        println!(
            "distinct physical pages the session's processes map: {distinct:.1} MB (its PSS when no \
             other program maps them; other Chromium running beside does not change it)"
        );
    }
    println!(
        "idle CPU of the session over {} s: {:.1} % of one core (watchdog checks included); \
         the whole machine meanwhile: {:.1} %",
        CPU_WINDOW.as_secs(),
        cpu,
        machine
    );
    Ok(pss)
}

/// Longest wait for other programs' Chromium to end before memory is read anyway.
const ALONE_WAIT: Duration = Duration::from_secs(600);

/// Chromium and chromedriver processes on the machine that are not this run's sessions (another
/// program's browser, a test's): PSS shares Chromium's pages with them, so a session's figure
/// drops while they run.
fn foreign_chromium(bench: &Bench) -> Vec<(u32, String)> {
    let own: std::collections::BTreeSet<u32> = bench.marked_all().into_iter().collect();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| !own.contains(pid) && *pid != std::process::id())
        .filter_map(|pid| {
            let comm = comm(pid);
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
            let exe = exe.to_string_lossy();
            (comm.starts_with("chrom") || comm.starts_with("chrome") || exe.contains("chrom"))
                .then_some((pid, comm))
        })
        .collect()
}

/// Waits (up to [`ALONE_WAIT`]) until no other Chromium runs on the machine, saying so when it
/// had to wait.
async fn wait_alone(bench: &Bench) {
    let started = Instant::now();
    let mut said = false;
    loop {
        let foreign = foreign_chromium(bench);
        if foreign.is_empty() {
            if said {
                println!(
                    "(waited {:.0} s for other Chromium processes to end before reading memory)",
                    started.elapsed().as_secs_f64()
                );
            }
            return;
        }
        if started.elapsed() > ALONE_WAIT {
            return;
        }
        if !said {
            println!(
                "(waiting for {} Chromium/chromedriver processes that are not this bench's to end: {:?})",
                foreign.len(),
                foreign.iter().take(6).collect::<Vec<_>>()
            );
            said = true;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// The warning a memory figure carries when another Chromium ran while it was read (empty when
/// none did).
fn foreign_warning(bench: &Bench) -> String {
    let foreign = foreign_chromium(bench);
    if foreign.is_empty() {
        String::new()
    } else {
        format!(
            "   !!! WARNING: {} OTHER CHROMIUM PROCESSES RAN: PSS TOO LOW, DO NOT RECORD",
            foreign.len()
        )
    }
}

/// The memory the processes `pids` map, each physical page counted once, in MB: what their PSS
/// sums to when nothing else maps those pages, whatever runs beside. From `/proc/<pid>/pagemap`,
/// whose page frame numbers only root reads (`None` otherwise).
fn distinct_mb(pids: &[u32]) -> Option<f64> {
    use std::io::{Read, Seek, SeekFrom};
    let mut frames = std::collections::HashSet::new();
    for &pid in pids {
        let Ok(smaps) = std::fs::read_to_string(format!("/proc/{pid}/smaps")) else {
            continue;
        };
        let Ok(mut pagemap) = std::fs::File::open(format!("/proc/{pid}/pagemap")) else {
            continue;
        };
        let mut range: Option<(u64, u64)> = None;
        for line in smaps.lines() {
            let head = line.split_whitespace().next().unwrap_or_default();
            if let Some((start, end)) = head.split_once('-')
                && let (Ok(start), Ok(end)) =
                    (u64::from_str_radix(start, 16), u64::from_str_radix(end, 16))
            {
                range = Some((start, end));
                continue;
            }
            let Some((start, end)) = range else { continue };
            if !line.starts_with("Rss:") || field(line, "Rss:") == Some(0) {
                continue;
            }
            let pages = ((end - start) / 4096) as usize;
            let mut entries = vec![0u8; pages * 8];
            if pagemap.seek(SeekFrom::Start(start / 4096 * 8)).is_err()
                || pagemap.read_exact(&mut entries).is_err()
            {
                continue;
            }
            for entry in entries.chunks_exact(8) {
                let entry = u64::from_le_bytes(entry.try_into().unwrap_or_default());
                // Bit 63: present; bits 0-54: the page frame (0 when not root).
                if entry >> 63 == 1 {
                    frames.insert(entry & ((1 << 55) - 1));
                }
            }
        }
    }
    if frames.is_empty() || frames.len() == 1 && frames.contains(&0) {
        return None;
    }
    Some(frames.len() as f64 * 4.0 / 1024.0)
}

/// One line of the capacity table.
struct Step {
    sessions: usize,
    start_ms: f64,
    pss_mb: f64,
    mem_available_mb: f64,
    idle_cpu: f64,
    script_p95: f64,
    nav_p95: f64,
    nav_all_p95: f64,
}

impl Step {
    fn responsive(&self) -> bool {
        self.script_p95 <= SCRIPT_P95_LIMIT_MS && self.nav_p95 <= NAV_P95_LIMIT_MS
    }
}

/// Capacity (3.): sessions started one by one, each logged in with a profile of its own; after
/// each start, how every running session answers.
async fn capacity(bench: &Bench, max: usize, mem_before: f64, pss_one: Option<f64>) -> Result<()> {
    println!(
        "\n3. capacity: sessions started one by one up to {max}, each logged in with its own profile"
    );
    println!(
        "responsive = script round trip p95 <= {SCRIPT_P95_LIMIT_MS:.0} ms and navigation \
         (open the home page + probe) p95 <= {NAV_P95_LIMIT_MS:.0} ms,"
    );
    println!(
        "  each session driven in turn while the others idle ({SCRIPT_SAMPLES} scripts and \
         {NAV_SAMPLES} navigations per session); \"all at once\": every session navigates together"
    );
    println!(
        "{:>8} {:>9} {:>10} {:>10} {:>10} {:>9} {:>9} {:>10} {:>9} {:>9} {:>11}",
        "sessions",
        "start ms",
        "PSS MB",
        "PSS/sess",
        "MemAvail",
        "idle CPU",
        "machine",
        "script p95",
        "nav p95",
        "all p95",
        "responsive"
    );
    let mut accounts: Vec<String> = Vec::new();
    let mut steps: Vec<Step> = Vec::new();
    for n in 1..=max {
        let available = mem_available_mb()?;
        if available < RESERVE_MB {
            println!(
                "stopping: MemAvailable {available:.0} MB is under the {RESERVE_MB:.0} MB reserve"
            );
            break;
        }
        let account = format!("s{n}");
        let start = bench
            .start_until(
                bench.spec(&account, &bench.profile(&account)),
                PageState::LoggedOut,
            )
            .await?;
        bench.log_in(&account).await?;
        accounts.push(account);
        tokio::time::sleep(SETTLE).await;

        wait_alone(bench).await;
        let pss = pss_mb(&bench.marked_all());
        let foreign = foreign_warning(bench);
        let mem_available = mem_available_mb()?;
        let (idle_cpu, machine_cpu) = idle_cpu_percent(bench, CPU_WINDOW).await;
        let mut scripts = Vec::new();
        let mut navs = Vec::new();
        for account in &accounts {
            for _ in 0..SCRIPT_SAMPLES {
                scripts.push(ms(bench.script_rtt(account).await?));
            }
            for _ in 0..NAV_SAMPLES {
                navs.push(ms(bench.navigation(account).await?));
            }
        }
        let together = join_all(accounts.iter().map(|a| bench.navigation(a)).collect()).await;
        let together = together
            .into_iter()
            .map(|r| r.map(ms))
            .collect::<Result<Vec<_>>>()?;
        let step = Step {
            sessions: n,
            start_ms: ms(start),
            pss_mb: pss,
            mem_available_mb: mem_available,
            idle_cpu,
            script_p95: percentile(&scripts, 95.0),
            nav_p95: percentile(&navs, 95.0),
            nav_all_p95: percentile(&together, 95.0),
        };
        println!(
            "{:>8} {:>9.0} {:>10.0} {:>10.0} {:>10.0} {:>8.1}% {:>8.1}% {:>10.1} {:>9.0} {:>9.0} {:>11}{foreign}",
            step.sessions,
            step.start_ms,
            step.pss_mb,
            step.pss_mb / n as f64,
            step.mem_available_mb,
            step.idle_cpu,
            machine_cpu,
            step.script_p95,
            step.nav_p95,
            step.nav_all_p95,
            if step.responsive() { "yes" } else { "NO" }
        );
        steps.push(step);
    }
    println!(
        "(start ms: Sessions::start to the logged-out page of the new session, with the others \
         running; idle CPU: the sessions together, machine: every process, \
         other work included, both in % of one core over {} s, {} cores in all)",
        CPU_WINDOW.as_secs(),
        cores()
    );
    // Without the memory part: the first step's figure (one session, alone, logged in).
    let pss_one = pss_one.unwrap_or_else(|| steps.first().map_or(f64::NAN, |s| s.pss_mb));
    summarise(&steps, mem_before, pss_one);
    Ok(())
}

fn summarise(steps: &[Step], mem_before: f64, pss_one: f64) {
    let Some(last) = steps.last() else {
        return;
    };
    let responsive = steps
        .iter()
        .take_while(|s| s.responsive())
        .last()
        .map_or(0, |s| s.sessions);
    let all_at_once = steps
        .iter()
        .take_while(|s| s.responsive() && s.nav_all_p95 <= NAV_P95_LIMIT_MS)
        .last()
        .map_or(0, |s| s.sessions);
    println!(
        "\nresponsive with up to {responsive} of {} sessions tried (also when all navigate at \
         once: up to {all_at_once})",
        last.sessions
    );
    // What one more session costs: the growth of the total over the run (shared pages of
    // Chromium's binary are counted once), else the single session's figure.
    let marginal = if last.sessions > 1 {
        (last.pss_mb - steps[0].pss_mb) / (last.sessions - 1) as f64
    } else {
        pss_one
    };
    let by_pss = ((mem_before - RESERVE_MB) / marginal).floor();
    // Likewise for MemAvailable (other programs come and go: the figures of the run's own
    // first and last steps, when there are two).
    let drop_per_session = if last.sessions > 1 {
        (steps[0].mem_available_mb - last.mem_available_mb) / (last.sessions - 1) as f64
    } else {
        mem_before - last.mem_available_mb
    };
    let by_available = ((mem_before - RESERVE_MB) / drop_per_session).floor();
    println!(
        "memory bound: {by_pss:.0} sessions from PSS ({marginal:.0} MB per added session, \
         {pss_one:.0} MB for one alone), {by_available:.0} from MemAvailable ({drop_per_session:.0} \
         MB less per added session), keeping {RESERVE_MB:.0} MB of {mem_before:.0} MB free"
    );
    let cpu_per_session = last.idle_cpu / last.sessions as f64;
    let cpu_bound = (cores() as f64 * 100.0 / cpu_per_session.max(0.01)).floor();
    println!(
        "CPU: idle sessions use {cpu_per_session:.1} % of a core each; idle sessions alone would \
         fill the {} cores at about {cpu_bound:.0} sessions (work in the sessions binds sooner: \
         see the navigation columns)",
        cores()
    );
    let memory_bound = by_pss.min(by_available);
    // Navigating in every session at once grows about linearly with the sessions (they share
    // the 2 cores): where would its p95 pass the limit?
    let together_bound = linear_fit(
        &steps
            .iter()
            .map(|s| (s.sessions as f64, s.nav_all_p95))
            .collect::<Vec<_>>(),
    )
    .filter(|(slope, _)| *slope > 0.0)
    .map(|(slope, intercept)| ((NAV_P95_LIMIT_MS - intercept) / slope).floor());
    if let Some(bound) = together_bound {
        println!(
            "navigating in every session at once: p95 would pass {NAV_P95_LIMIT_MS:.0} ms at \
             about {bound:.0} sessions (linear fit of the \"all p95\" column)"
        );
    }
    if responsive < last.sessions {
        println!(
            "CPU ({} cores) binds first: sessions stopped being responsive at {} sessions, while \
             memory would hold about {memory_bound:.0}",
            cores(),
            responsive + 1
        );
    } else {
        print!(
            "all {} sessions tried stayed responsive (more were not tried); memory would hold \
             about {memory_bound:.0}",
            last.sessions
        );
        match together_bound {
            Some(bound) if bound < memory_bound => println!(
                "; CPU ({} cores) binds first once sessions work at the same time (about \
                 {bound:.0})",
                cores()
            ),
            _ => println!("; memory binds first"),
        }
    }
}

/// Least-squares slope and intercept of `points` (none with fewer than two sessions counts).
fn linear_fit(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    if points.len() < 2 || sxx == 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    Some((slope, mean_y - slope * mean_x))
}

/// CPU time the bench's sessions used over `window`, and what the whole machine used (the bench,
/// the sessions and any other work beside them), both in % of one core.
async fn idle_cpu_percent(bench: &Bench, window: Duration) -> (f64, f64) {
    let ticks = |pids: &[u32]| -> BTreeMap<u32, u64> {
        pids.iter()
            .filter_map(|&pid| Some((pid, cpu_ticks(pid)?)))
            .collect()
    };
    let before = ticks(&bench.marked_all());
    let machine_before = machine_busy_ticks();
    let started = Instant::now();
    tokio::time::sleep(window).await;
    let after = ticks(&bench.marked_all());
    let machine_after = machine_busy_ticks();
    let elapsed = started.elapsed().as_secs_f64();
    let used: u64 = after
        .iter()
        .map(|(pid, t)| t.saturating_sub(before.get(pid).copied().unwrap_or(*t)))
        .sum();
    let percent = |ticks: u64| ticks as f64 / clock_ticks_per_second() / elapsed * 100.0;
    (
        percent(used),
        percent(machine_after.saturating_sub(machine_before)),
    )
}

/// Busy time of all cores, in clock ticks: the first line of `/proc/stat` less idle and iowait.
fn machine_busy_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(cpu) = stat.lines().find(|l| l.starts_with("cpu ")) else {
        return 0;
    };
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let ticks: Vec<u64> = cpu
        .split_whitespace()
        .skip(1)
        .take(8)
        .filter_map(|t| t.parse().ok())
        .collect();
    let total: u64 = ticks.iter().sum();
    total - ticks.get(3).copied().unwrap_or(0) - ticks.get(4).copied().unwrap_or(0)
}

/// utime + stime of a process, in clock ticks: fields 14 and 15 of `/proc/<pid>/stat`, counted
/// after the command name (in parentheses, possibly with spaces).
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut after_name = stat[stat.rfind(')')? + 1..].split_whitespace();
    let utime: u64 = after_name.nth(11)?.parse().ok()?;
    let stime: u64 = after_name.next()?.parse().ok()?;
    Some(utime + stime)
}

fn clock_ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8_lossy(&out.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// Polls every future until all are done (the futures borrow the bench: no spawned tasks).
async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *output = Some(value),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

/// The machine's 1-minute load average: other work running beside the bench shows here.
fn load1() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

fn meminfo_mb(name: &str) -> Result<f64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo")?;
    let kb = field(&meminfo, name).with_context(|| format!("no {name} in /proc/meminfo"))?;
    Ok(kb as f64 / 1024.0)
}

fn mem_available_mb() -> Result<f64> {
    meminfo_mb("MemAvailable:")
}

fn mem_total_mb() -> Result<f64> {
    meminfo_mb("MemTotal:")
}

fn field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    line[name.len()..].split_whitespace().next()?.parse().ok()
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The nearest-rank percentile `p` of `values`.
fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn max(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::NAN, f64::max)
}

fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Pacing gaps of 1 ms (0 is not a valid setting) and caps out of reach: what is left of a
/// publish's time is the flow's own.
fn no_pacing() -> seller_store::vinted::PacingSettings {
    use seller_store::vinted::pacing::MAX_CAP;
    seller_store::vinted::PacingSettings {
        read_gap_min_ms: 1,
        read_gap_max_ms: 1,
        write_gap_min_ms: 1,
        write_gap_max_ms: 1,
        writes_per_hour: MAX_CAP,
        writes_per_day: MAX_CAP,
        relists_per_hour: MAX_CAP,
        relists_per_day: MAX_CAP,
    }
}

/// Publish (4.): one item with 3 photos through the app's job runner, alternating with a plain
/// WebDriver script filling the same form in the same session.
async fn publish_times(bench: &Bench, runs: usize) -> Result<()> {
    use seller_store::vinted::{JobKind, JobState};
    let harness = vinted::Harness::start(&bench.fake, no_pacing()).await;
    let driver = harness
        .sessions
        .driver(&harness.account_id)
        .await
        .context("the publish session is not running")?;
    let mut app = Vec::new();
    let mut plain = Vec::new();
    let mut app_phases: Vec<[f64; PHASES.len()]> = Vec::new();
    let mut plain_phases: Vec<[f64; PHASES.len()]> = Vec::new();
    // The first round warms the caches (the reference data the flow looks up, the pages); it
    // is not counted.
    for run in 0..=runs {
        let product = vinted::dress(harness.dir.path(), &harness.db, &format!("app-{run}"));
        let seen = bench.fake.requests().len();
        let started = Instant::now();
        let job = harness
            .enqueue(
                JobKind::Publish,
                serde_json::json!({"productId": product.id}),
                false,
            )
            .await;
        let job = loop {
            let job = harness.job(&job.id);
            if !matches!(job.state, JobState::Queued | JobState::Running) {
                break job;
            }
            if started.elapsed() > Duration::from_secs(300) {
                bail!("the publish job never finished: {job:?}");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        let took = started.elapsed();
        let app_split = phases(&bench.fake.requests()[seen..], started, took);
        if job.state != JobState::Done {
            bail!("the publish job ended {:?}: {job:?}", job.state);
        }

        let photos = (1..=3)
            .map(|n| {
                let file = seller_store::photos::import(
                    harness.dir.path(),
                    &format!("plain-{run}-{n}.jpg"),
                    &vinted::jpeg(&format!("plain-{run}-{n}")),
                )?;
                Ok(std::path::absolute(harness.dir.path().join(file))?)
            })
            .collect::<Result<Vec<PathBuf>>>()?;
        let seen = bench.fake.requests().len();
        let plain_started = Instant::now();
        let plain_took =
            plain_publish(&driver, &bench.fake, &photos, &format!("Robe plain {run}")).await?;
        let plain_split = phases(&bench.fake.requests()[seen..], plain_started, plain_took);
        if run > 0 {
            app.push(ms(took));
            plain.push(ms(plain_took));
            app_phases.push(app_split);
            plain_phases.push(plain_split);
        }
    }
    harness.stop().await;

    println!(
        "\n4. publish of one item with 3 photos, in one session behind tinyproxy: {runs} runs each, \
         alternating, after one warm-up round"
    );
    println!(
        "{:<58} {:>10} {:>10}",
        "from the start until the new listing exists", "p50 (ms)", "max (ms)"
    );
    for (name, samples) in [
        ("the app: publish job queued until done (gaps 1 ms)", &app),
        ("a plain WebDriver script, no checks", &plain),
    ] {
        println!(
            "{:<58} {:>10.0} {:>10.0}",
            name,
            percentile(samples, 50.0),
            max(samples)
        );
    }
    println!("\nwhere the time goes, from the requests the fake site saw (p50 of each step, ms)");
    println!("{:<58} {:>10} {:>10}", "step", "the app", "plain");
    for (n, name) in PHASES.iter().enumerate() {
        let column = |runs: &[[f64; PHASES.len()]]| {
            percentile(&runs.iter().map(|r| r[n]).collect::<Vec<_>>(), 50.0)
        };
        println!(
            "{:<58} {:>10.0} {:>10.0}",
            name,
            column(&app_phases),
            column(&plain_phases)
        );
    }
    println!(
        "the app / the plain script: {:.2}x at p50, {:.2}x at max (goal: within 1.5x)",
        percentile(&app, 50.0) / percentile(&plain, 50.0),
        max(&app) / max(&plain)
    );
    Ok(())
}

/// The steps of a publish as the fake site sees them.
const PHASES: [&str; 5] = [
    "start until the home page is asked for",
    "home page until the upload form is asked for",
    "upload form until the last photo's upload",
    "last photo until the publish click's create",
    "create until done (job done / listing page shown)",
];

/// How long each of [`PHASES`] took in one publish that started at `started` and took `took`,
/// from the requests it made (`requests`, in the order the fake saw them).
fn phases(
    requests: &[fake_vinted::Request],
    started: Instant,
    took: Duration,
) -> [f64; PHASES.len()] {
    let at = |wanted: &dyn Fn(&fake_vinted::Request) -> bool, last: bool| {
        let mut found = requests.iter().filter(|r| wanted(r));
        let request = if last { found.last() } else { found.next() };
        request.map_or(f64::NAN, |r| ms(r.at.saturating_duration_since(started)))
    };
    let home = at(&|r| r.method == "GET" && r.path == "/", false);
    let form = at(&|r| r.method == "GET" && r.path == "/items/new", false);
    let photo = at(&|r| r.method == "POST" && r.path == "/api/v2/photos", true);
    let create = at(
        &|r| r.method == "POST" && r.path == "/api/v2/item_upload/items",
        true,
    );
    [
        home,
        form - home,
        photo - form,
        create - photo,
        ms(took) - create,
    ]
}

/// A plain WebDriver script: the sell link, the 3 photos in one go, the same fields as the app
/// fills for `vinted::dress` (the fake's option ids written in), the publish click, and the
/// browser's wait for each element (implicit wait) instead of any check. Timed until the page
/// shows the new listing (the click's answer), as the app's job is.
async fn plain_publish(
    driver: &thirtyfour::WebDriver,
    fake: &FakeVinted,
    photos: &[PathBuf],
    title: &str,
) -> Result<Duration> {
    use thirtyfour::prelude::*;
    let timeouts = driver.get_timeouts().await?;
    driver
        .set_implicit_wait_timeout(Duration::from_secs(15))
        .await?;
    let started = Instant::now();
    let css = |s: &str| By::Css(s.to_owned());
    let click = async |s: &str| -> Result<()> {
        driver.find(css(s)).await?.click().await?;
        Ok(())
    };
    let typed = async |s: &str, text: &str| -> Result<()> {
        let field = driver.find(css(s)).await?;
        field.click().await?;
        field.send_keys(text).await?;
        Ok(())
    };
    driver.goto(fake.base_url()).await?;
    click(r#"[data-testid="prohibited-listing-education-upload-button"]"#).await?;
    let files = photos
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    driver
        .find(css(r#"[data-testid="add-photos-input"]"#))
        .await?
        .send_keys(files)
        .await?;
    typed(r#"[data-testid="title--input"]"#, title).await?;
    typed(
        r#"[data-testid="description--input"]"#,
        "Robe d'été fleurie, très peu portée.",
    )
    .await?;
    click(r#"[data-testid="catalog-select-dropdown-input"]"#).await?;
    for id in ["#catalog-1904", "#catalog-4", "#catalog-10"] {
        click(id).await?;
    }
    click(r#"[data-testid="brand-select-dropdown-input"]"#).await?;
    typed(r#"[data-testid="brand-search--input"]"#, "Zara").await?;
    click("#brand-12").await?;
    click(r#"[data-testid="category-size-single-grid-input"]"#).await?;
    click("#size-4").await?;
    click(r#"[data-testid="category-condition-single-list-input"]"#).await?;
    click("#condition-43").await?;
    click(r#"[data-testid="color-select-dropdown-input"]"#).await?;
    click("#color-9").await?;
    click(r#"[data-testid="category-material-multi-list-input"]"#).await?;
    click("#material-149").await?;
    let price = driver
        .find(css(r#"[data-testid="price-input--input"]"#))
        .await?;
    price.click().await?;
    price.send_keys("12,50").await?;
    price.send_keys(Key::Tab).await?;
    click(r#"[data-testid="1-package-size--cell"]"#).await?;
    click(r#"[data-testid="upload-form-save-button"]"#).await?;
    loop {
        if driver.current_url().await?.path().starts_with("/items/")
            && !driver.current_url().await?.path().starts_with("/items/new")
        {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!("the plain script's listing page never came");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let took = started.elapsed();
    driver.update_timeouts(timeouts).await?;
    Ok(took)
}
