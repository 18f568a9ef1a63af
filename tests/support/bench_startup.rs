//! `bench-startup`: cold start to a rendered window, and resident memory when idle, of Seller
//! Panel beside a minimal Tauri v2 window, measured alternately in the same run under Xvfb.
//!
//! Usage: bench-startup SELLER_PANEL_BIN MINIMAL_WINDOW_BIN [RUNS]   (see scripts/bench)

use seller_panel_tests::desktop;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use desktop::{TauriDriver, VirtualDisplay, launch};
use thirtyfour::prelude::*;

struct Target {
    name: &'static str,
    binary: PathBuf,
    /// What is on screen once the window has rendered its first useful content.
    ready: &'static str,
}

#[derive(Default)]
struct Samples {
    start_ms: Vec<f64>,
    rss_mb: Vec<f64>,
    pss_mb: Vec<f64>,
}

const IDLE: Duration = Duration::from_secs(3);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        bail!("usage: bench-startup SELLER_PANEL_BIN MINIMAL_WINDOW_BIN [RUNS]");
    }
    let runs: usize = args.get(3).map(|r| r.parse()).transpose()?.unwrap_or(5);
    let targets = [
        Target {
            name: "Seller Panel",
            binary: absolute(&args[1])?,
            ready: "[data-testid='inventory']",
        },
        Target {
            name: "minimal Tauri v2 window",
            binary: absolute(&args[2])?,
            ready: "#ready",
        },
    ];
    let display = VirtualDisplay::start()?;
    let driver = TauriDriver::start(&display, &[])?;
    let mut results: BTreeMap<&str, Samples> = BTreeMap::new();
    for run in 0..=runs {
        for target in &targets {
            let data = tempfile::tempdir()?;
            let (start, rss, pss) = measure(&driver, target, data.path()).await?;
            // The first round warms the OS file cache for both; it is not counted.
            if run > 0 {
                let samples = results.entry(target.name).or_default();
                samples.start_ms.push(start.as_secs_f64() * 1000.0);
                samples.rss_mb.push(rss);
                samples.pss_mb.push(pss);
            }
        }
    }
    println!(
        "{runs} runs each, alternating, after one warm-up round; Xvfb, {} cores",
        cores()
    );
    println!(
        "{:<26} {:>16} {:>16} {:>16} {:>16}",
        "", "start p50 (ms)", "start max (ms)", "idle RSS (MB)", "idle PSS (MB)"
    );
    for target in &targets {
        let s = &results[target.name];
        println!(
            "{:<26} {:>16.0} {:>16.0} {:>16.0} {:>16.0}",
            target.name,
            median(&s.start_ms),
            s.start_ms.iter().cloned().fold(0.0, f64::max),
            median(&s.rss_mb),
            median(&s.pss_mb)
        );
    }
    Ok(())
}

fn absolute(path: &str) -> Result<PathBuf> {
    std::fs::canonicalize(path).with_context(|| format!("{path} not found: build it first"))
}

/// From asking for the window to its content being in the DOM, laid out and visible.
async fn measure(
    driver: &TauriDriver,
    target: &Target,
    data_dir: &Path,
) -> Result<(Duration, f64, f64)> {
    let data_dir = data_dir.to_string_lossy();
    let started = Instant::now();
    let session = launch(driver, &target.binary, &["--data-dir", &data_dir]).await?;
    loop {
        if let Ok(element) = session.find(By::Css(target.ready)).await
            && element.is_displayed().await.unwrap_or(false)
        {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!("{} never rendered {}", target.name, target.ready);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let start = started.elapsed();
    tokio::time::sleep(IDLE).await;
    let (rss, pss) = memory_of(&target.binary)?;
    session.quit().await?;
    Ok((start, rss, pss))
}

/// RSS and PSS, in MB, of the app's process and all its descendants (WebKit's web and network
/// processes): what the user's machine pays for the window.
fn memory_of(binary: &Path) -> Result<(f64, f64)> {
    let mut parent_of = HashMap::new();
    let mut roots = Vec::new();
    for entry in std::fs::read_dir("/proc")? {
        let Ok(pid) = entry?.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            continue;
        };
        if let Some(ppid) = field(&status, "PPid:") {
            parent_of.insert(pid, ppid as u32);
        }
        if std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == binary) {
            roots.push(pid);
        }
    }
    if roots.is_empty() {
        bail!("no running process of {}", binary.display());
    }
    let mut tree = roots.clone();
    let mut grew = true;
    while grew {
        grew = false;
        for (&pid, &ppid) in &parent_of {
            if tree.contains(&ppid) && !tree.contains(&pid) {
                tree.push(pid);
                grew = true;
            }
        }
    }
    let (mut rss_kb, mut pss_kb) = (0, 0);
    for pid in tree {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        rss_kb += field(&status, "VmRSS:").unwrap_or(0);
        let rollup =
            std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
        pss_kb += field(&rollup, "Pss:").unwrap_or(0);
    }
    Ok((rss_kb as f64 / 1024.0, pss_kb as f64 / 1024.0))
}

fn field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    line[name.len()..].split_whitespace().next()?.parse().ok()
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
