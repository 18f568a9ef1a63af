//! The photos of a listing, downloaded for the inventory item made from it: every photo, in
//! Vinted's order, checked (a JPEG, PNG or WebP by its first bytes, at most
//! [`seller_store::photos::MAX_BYTES`]) and stored as the inventory stores photos a person adds
//! (a file named by the store under `<data>/photos/`, a `seller_product_photos` row). A photo
//! that fails is reported, never dropped silently; the item stays, with the photos that came.
//!
//! How they are fetched: by the account's own browser, in a tab of its session opened for them
//! and closed after. The session's Chromium already reaches everything of the account through
//! its local forwarder and the account's proxy (with the proxy's credentials, which this code
//! never touches), so the photos leave from the same address, with the same browser's headers,
//! TLS and cookies as the pages that show them on Vinted. A tab *navigated* to the photo and
//! reading it back from its own origin needs nothing from the CDN: a `fetch` from the Vinted
//! page would be cross-origin and depends on CORS headers the CDN need not send. A separate
//! tab leaves the Vinted page (its CSRF token, what the live view shows) as it was.

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use thirtyfour::common::types::TimeoutConfiguration;
use thirtyfour::error::WebDriverError;
use thirtyfour::{WebDriver, WindowHandle};

use crate::site;

use seller_store::photos::{self as stored_photos, MAX_BYTES};

/// Longest one photo may take, from the navigation to its last byte.
const PHOTO_TIMEOUT: Duration = Duration::from_secs(60);

/// A photo of a listing that could not be given to its item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhotoFailure {
    pub listing_id: String,
    pub product_id: String,
    /// From 1, in Vinted's order; 0 when the listing itself could not be read.
    pub position: usize,
    pub url: String,
    pub reason: String,
}

/// What one photo's fetch gave.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Fetched {
    /// A checked image.
    Photo(Vec<u8>),
    /// The photo itself is wrong (an address refused, an error status, not an image, too
    /// large): fetching it again would give the same.
    Failed(String),
    /// No answer (a timeout, a proxy or network error, a server error): the step is retried.
    NoAnswer(String),
}

/// A tab of the session opened for the photos; [`Tab::close`] must end it on every path (it
/// restores the session's timeouts, closes the tab and goes back to the Vinted page).
pub(super) struct Tab {
    home: WindowHandle,
    timeouts: TimeoutConfiguration,
}

impl Tab {
    pub(super) async fn open(driver: &WebDriver) -> Result<Tab, WebDriverError> {
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
            Some(PHOTO_TIMEOUT),
            Some(PHOTO_TIMEOUT),
            tab.timeouts.implicit(),
        );
        if let Err(error) = driver.update_timeouts(limits).await {
            let _ = tab.close(driver).await;
            return Err(error);
        }
        Ok(tab)
    }

    /// The photo at `url`, refused unless [`site::photo::is_allowed`] for the account's
    /// `site`, checked right before the browser opens it. `Err` only when the browser itself
    /// failed (the session is gone).
    pub(super) async fn fetch(
        &self,
        driver: &WebDriver,
        site: &str,
        url: &str,
    ) -> Result<Fetched, WebDriverError> {
        if !site::photo::is_allowed(url, site) {
            return Ok(Fetched::Failed(
                "not an address of Vinted's photos: not opened".to_owned(),
            ));
        }
        if let Err(error) = driver.goto(url).await {
            return Ok(Fetched::NoAnswer(format!(
                "the photo did not load: {error}"
            )));
        }
        // A redirect elsewhere is not read back (Chromium's own error page is, for its text).
        let landed = driver.current_url().await?;
        if matches!(landed.scheme(), "http" | "https")
            && !site::photo::is_allowed(landed.as_str(), site)
        {
            return Ok(Fetched::Failed(
                "the photo's address redirected outside Vinted's photos: not read".to_owned(),
            ));
        }
        let answer = match driver
            .execute_async(READ_SCRIPT, vec![json!(MAX_BYTES)])
            .await
        {
            Ok(answer) => answer.json().clone(),
            Err(error) => {
                return Ok(Fetched::NoAnswer(format!(
                    "the photo could not be read: {error}"
                )));
            }
        };
        Ok(fetched_of(&answer))
    }

    /// Restores the session's timeouts, closes the tab and goes back to the Vinted page, each
    /// tried whatever the others did; the first error is returned.
    pub(super) async fn close(self, driver: &WebDriver) -> Result<(), WebDriverError> {
        let restored = driver.update_timeouts(self.timeouts).await;
        let closed = driver.close_window().await;
        let back = driver.switch_to_window(self.home).await;
        restored?;
        closed?;
        back
    }
}

/// What the tab's script answered, as a photo, a photo that is wrong, or no answer.
fn fetched_of(answer: &Value) -> Fetched {
    if let Some(error) = answer["error"].as_str() {
        if error == "not loaded" {
            // Chromium's own error page: "HTTP ERROR 404" for an error status with an empty
            // body, a net error code (ERR_TIMED_OUT, ERR_PROXY_CONNECTION_FAILED…) for no
            // answer.
            let text = answer["text"].as_str().unwrap_or_default();
            return match http_error_status(text) {
                Some(status) => status_failure(status),
                None => Fetched::NoAnswer(
                    "the photo did not load (no answer from its server or the proxy)".to_owned(),
                ),
            };
        }
        return match answer["size"].as_u64() {
            Some(size) if error == "too large" => Fetched::Failed(format!(
                "the photo is larger than {} MB ({size} bytes)",
                MAX_BYTES / 1024 / 1024
            )),
            _ => Fetched::NoAnswer(format!("the photo could not be fetched: {error}")),
        };
    }
    let status = answer["status"].as_u64().unwrap_or(0);
    if status != 200 {
        return status_failure(status);
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(answer["data"].as_str().unwrap_or_default())
        .map_err(|error| format!("the photo's bytes were garbled: {error}"))
        .and_then(checked);
    match decoded {
        Ok(bytes) => Fetched::Photo(bytes),
        Err(reason) => Fetched::Failed(reason),
    }
}

/// An error status: the server's or the proxy's trouble (5xx, 408, 429) passes, the rest
/// (404, 403…) stays.
fn status_failure(status: u64) -> Fetched {
    let reason = format!("the photo did not load: its server answered {status}");
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

/// The photo's bytes when they are a JPEG, PNG or WebP image no larger than the limit.
pub(super) fn checked(bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    if bytes.len() > MAX_BYTES {
        return Err(format!(
            "the photo is larger than {} MB",
            MAX_BYTES / 1024 / 1024
        ));
    }
    let image = bytes.starts_with(&[0xFF, 0xD8, 0xFF])
        || bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A])
        || (bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP");
    if image {
        Ok(bytes)
    } else {
        Err("not a JPEG, PNG or WebP image".to_owned())
    }
}

/// Stores one photo's bytes as the inventory stores photos (a name the store chooses, never
/// one from the network).
pub(super) fn store_file(
    data_dir: &Path,
    listing_id: &str,
    position: usize,
    bytes: &[u8],
) -> Result<String, String> {
    let label = format!("photo {position} of Vinted listing {listing_id}");
    stored_photos::import(data_dir, &label, bytes).map_err(|error| error.to_string())
}

/// Runs in the photo's own tab: reads the photo back from its own origin (the browser's cache
/// has it from the navigation), refusing what is too large before turning it into base64.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_images_within_the_limit_pass() {
        let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10];
        assert!(checked(jpeg).is_ok());
        let png = b"\x89PNG\r\n\x1a\n....".to_vec();
        assert!(checked(png).is_ok());
        let webp = b"RIFF\0\0\0\0WEBPVP8 ".to_vec();
        assert!(checked(webp).is_ok());
        assert!(checked(b"<html>DataDome</html>".to_vec()).is_err());
        assert!(checked(b"GIF89a".to_vec()).is_err(), "Vinted serves no GIF");
        let mut huge = vec![0xFF, 0xD8, 0xFF];
        huge.resize(MAX_BYTES + 1, 0);
        assert!(checked(huge).is_err());
    }

    #[test]
    fn a_script_answer_says_what_went_wrong() {
        let ok = json!({"status": 200, "data": "/9j/4AAQ", "size": 6});
        assert_eq!(
            fetched_of(&ok),
            Fetched::Photo(vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10])
        );
        let missing = json!({"status": 404, "data": "", "size": 0});
        assert!(matches!(fetched_of(&missing), Fetched::Failed(r) if r.contains("404")));
        let big = json!({"status": 200, "error": "too large", "size": 99_000_000});
        assert!(matches!(fetched_of(&big), Fetched::Failed(r) if r.contains("larger than")));
        let html = json!({"status": 200, "data": "PGh0bWw+", "size": 6});
        assert!(matches!(fetched_of(&html), Fetched::Failed(r) if r.contains("not a JPEG")));
        // Chromium's error pages: an empty 404 stays, no answer passes.
        let not_found =
            json!({"error": "not loaded", "text": "This page isn't working\nHTTP ERROR 404"});
        assert!(matches!(fetched_of(&not_found), Fetched::Failed(r) if r.contains("404")));
        let bad_gateway = json!({"error": "not loaded", "text": "HTTP ERROR 502"});
        assert!(matches!(fetched_of(&bad_gateway), Fetched::NoAnswer(_)));
        let no_answer = json!({"error": "not loaded", "text": "ERR_PROXY_CONNECTION_FAILED"});
        assert!(
            matches!(fetched_of(&no_answer), Fetched::NoAnswer(r) if r.contains("did not load"))
        );
        let blip = json!({"status": 503, "data": "", "size": 0});
        assert!(matches!(fetched_of(&blip), Fetched::NoAnswer(_)));
    }
}
