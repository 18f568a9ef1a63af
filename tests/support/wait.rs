//! Waiting for something to happen by polling it until a deadline, never by a fixed pause: a test
//! goes on as soon as the thing is there, and fails naming what never came.

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::Result;

/// How often a condition is checked again: often enough to add little to a test's time, seldom
/// enough that WebDriver round trips do not load the two cores the app shares with the test.
const POLL: Duration = Duration::from_millis(100);

/// Checks `check` until it answers `Ok(true)`. Fails once `timeout` has passed, naming `what`
/// and the last error `check` gave (an error is taken as "not yet": the page may be changing).
pub async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool>>,
{
    let deadline = Instant::now() + timeout;
    let mut last_error = None;
    loop {
        match check().await {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(error) => last_error = Some(error),
        }
        if Instant::now() >= deadline {
            return Err(timed_out(what, timeout, last_error));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// [`wait_until`] for code outside an async runtime (drops, process start-up).
pub fn wait_until_blocking(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> Result<bool>,
) -> Result<()> {
    let deadline = Instant::now() + timeout;
    let mut last_error = None;
    loop {
        match check() {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(error) => last_error = Some(error),
        }
        if Instant::now() >= deadline {
            return Err(timed_out(what, timeout, last_error));
        }
        std::thread::sleep(POLL);
    }
}

fn timed_out(what: &str, timeout: Duration, last_error: Option<anyhow::Error>) -> anyhow::Error {
    match last_error {
        Some(error) => anyhow::anyhow!(
            "timed out after {timeout:?} waiting for {what} (last error: {error:#})"
        ),
        None => anyhow::anyhow!("timed out after {timeout:?} waiting for {what}"),
    }
}
