//! A file fetched by the account's own browser, in a tab of its session opened for it and
//! closed after: a listing's photos (`import/photos.rs`), a shipping label (`labels.rs`).
//!
//! The session's Chromium already reaches everything of the account through its local forwarder
//! and the account's proxy (with the proxy's credentials, which this code never touches), so the
//! file leaves from the same address, with the same browser's headers, TLS and cookies as the
//! pages that show it on Vinted. A tab *navigated* to the file and reading it back from its own
//! origin needs nothing from the file's host: a `fetch` from the Vinted page would be
//! cross-origin and depend on CORS headers the host need not send. A separate tab leaves the
//! Vinted page (its CSRF token, what the live view shows) as it was.

use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};
use thirtyfour::common::types::TimeoutConfiguration;
use thirtyfour::error::WebDriverError;
use thirtyfour::{WebDriver, WindowHandle};

use crate::site;

/// Longest one file may take, from the navigation to its last byte.
const FETCH_TIMEOUT: Duration = Duration::from_secs(60);

/// What kind of file is fetched: how it is named in messages, its size limit and its check.
pub(crate) struct Kind {
    /// "photo", "label": the reasons say "the photo did not load…".
    pub what: &'static str,
    pub max_bytes: usize,
    /// The bytes when they are that kind of file, else why not.
    pub check: fn(Vec<u8>) -> Result<Vec<u8>, String>,
}

/// What one fetch gave.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Fetched {
    /// Checked bytes.
    Bytes(Vec<u8>),
    /// The file itself is wrong (an address refused, an error status, not that kind of file,
    /// too large): fetching it again would give the same.
    Failed(String),
    /// No answer (a timeout, a proxy or network error, a server error): the step is retried.
    NoAnswer(String),
}

/// A tab of the session; [`Tab::close`] must end it on every path (it restores the session's
/// timeouts, closes the tab and goes back to the Vinted page).
pub(crate) struct Tab {
    home: WindowHandle,
    timeouts: TimeoutConfiguration,
}

impl Tab {
    pub(crate) async fn open(driver: &WebDriver) -> Result<Tab, WebDriverError> {
        let home = driver.window().await?;
        let timeouts = driver.get_timeouts().await?;
        let tab = driver.new_tab().await?;
        if let Err(error) = driver.switch_to_window(tab.clone()).await {
            // Not left open: one more try to reach it, close it, and back home.
            if driver.switch_to_window(tab).await.is_ok() {
                let _ = driver.close_window().await;
            }
            let _ = driver.switch_to_window(home).await;
            return Err(error);
        }
        let tab = Tab { home, timeouts };
        let limits = TimeoutConfiguration::new(
            Some(FETCH_TIMEOUT),
            Some(FETCH_TIMEOUT),
            tab.timeouts.implicit(),
        );
        if let Err(error) = driver.update_timeouts(limits).await {
            let _ = tab.close(driver).await;
            return Err(error);
        }
        Ok(tab)
    }

    /// The file at `url`, refused unless [`site::photo::is_allowed`] for the account's `site`
    /// (Vinted's image hosts or the account's own site), checked right before the browser opens
    /// it. `Err` only when the browser itself failed (the session is gone).
    pub(crate) async fn fetch(
        &self,
        driver: &WebDriver,
        site: &str,
        url: &str,
        kind: &Kind,
    ) -> Result<Fetched, WebDriverError> {
        let what = kind.what;
        if !site::photo::is_allowed(url, site) {
            return Ok(Fetched::Failed(format!(
                "not an address of Vinted's {what}s: not opened"
            )));
        }
        if let Err(error) = driver.goto(url).await {
            return Ok(Fetched::NoAnswer(format!(
                "the {what} did not load: {error}"
            )));
        }
        // A redirect elsewhere is not read back (Chromium's own error page is, for its text).
        let landed = driver.current_url().await?;
        if matches!(landed.scheme(), "http" | "https")
            && !site::photo::is_allowed(landed.as_str(), site)
        {
            return Ok(Fetched::Failed(format!(
                "the {what}'s address redirected outside Vinted: not read"
            )));
        }
        let answer = match driver
            .execute_async(READ_SCRIPT, vec![json!(kind.max_bytes)])
            .await
        {
            Ok(answer) => answer.json().clone(),
            Err(error) => {
                return Ok(Fetched::NoAnswer(format!(
                    "the {what} could not be read: {error}"
                )));
            }
        };
        Ok(fetched_of(&answer, kind))
    }

    /// Restores the session's timeouts, closes the tab and goes back to the Vinted page, each
    /// tried whatever the others did; the first error is returned.
    pub(crate) async fn close(self, driver: &WebDriver) -> Result<(), WebDriverError> {
        let restored = driver.update_timeouts(self.timeouts).await;
        let closed = driver.close_window().await;
        let back = driver.switch_to_window(self.home).await;
        restored?;
        closed?;
        back
    }
}

/// What the tab's script answered, as checked bytes, a file that is wrong, or no answer.
pub(crate) fn fetched_of(answer: &Value, kind: &Kind) -> Fetched {
    let what = kind.what;
    if let Some(error) = answer["error"].as_str() {
        if error == "not loaded" {
            // Chromium's own error page: "HTTP ERROR 404" for an error status with an empty
            // body, a net error code (ERR_TIMED_OUT, ERR_PROXY_CONNECTION_FAILED…) for no
            // answer.
            let text = answer["text"].as_str().unwrap_or_default();
            return match http_error_status(text) {
                Some(status) => status_failure(status, what),
                None => Fetched::NoAnswer(format!(
                    "the {what} did not load (no answer from its server or the proxy)"
                )),
            };
        }
        return match answer["size"].as_u64() {
            Some(size) if error == "too large" => Fetched::Failed(format!(
                "the {what} is larger than {} MB ({size} bytes)",
                kind.max_bytes / 1024 / 1024
            )),
            _ => Fetched::NoAnswer(format!("the {what} could not be fetched: {error}")),
        };
    }
    let status = answer["status"].as_u64().unwrap_or(0);
    if status != 200 {
        return status_failure(status, what);
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(answer["data"].as_str().unwrap_or_default())
        .map_err(|error| format!("the {what}'s bytes were garbled: {error}"))
        .and_then(kind.check);
    match decoded {
        Ok(bytes) => Fetched::Bytes(bytes),
        Err(reason) => Fetched::Failed(reason),
    }
}

/// An error status: the server's or the proxy's trouble (5xx, 408, 429) passes, the rest
/// (404, 403…) stays.
fn status_failure(status: u64, what: &str) -> Fetched {
    let reason = format!("the {what} did not load: its server answered {status}");
    if status >= 500 || status == 408 || status == 429 || status == 0 {
        Fetched::NoAnswer(reason)
    } else {
        Fetched::Failed(reason)
    }
}

/// The status Chromium's error page names ("HTTP ERROR 404"), if any.
fn http_error_status(text: &str) -> Option<u64> {
    let at = text.find("HTTP ERROR ")? + "HTTP ERROR ".len();
    text.get(at..at + 3)?.parse().ok()
}

/// Runs in the file's own tab: reads it back from its own origin (the browser's cache has it
/// from the navigation), refusing what is too large before turning it into base64.
const READ_SCRIPT: &str = r#"
const [maxBytes, done] = arguments;
if (location.protocol === "chrome-error:") {
  done({ error: "not loaded", text: String(document.body && document.body.innerText).slice(0, 2000) });
  return;
}
fetch(location.href, { credentials: "include", cache: "force-cache" })
  .then(async (response) => {
    const declared = Number(response.headers.get("content-length") || 0);
    if (declared > maxBytes) {
      done({ status: response.status, error: "too large", size: declared });
      return;
    }
    const buffer = await response.arrayBuffer();
    if (buffer.byteLength > maxBytes) {
      done({ status: response.status, error: "too large", size: buffer.byteLength });
      return;
    }
    const bytes = new Uint8Array(buffer);
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    done({ status: response.status, data: btoa(binary), size: bytes.length });
  })
  .catch((error) => done({ error: String(error) }));
"#;
