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
use thirtyfour::WebDriver;

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

/// The bytes of each photo at `urls`, in order, or why not; fetched in a tab of the session
/// opened for them. `Err` only when the browser itself failed (the session is gone).
pub(super) async fn fetch_all(
    driver: &WebDriver,
    urls: &[String],
) -> Result<Vec<Result<Vec<u8>, String>>, thirtyfour::error::WebDriverError> {
    let home = driver.window().await?;
    let tab = driver.new_tab().await?;
    driver.switch_to_window(tab).await?;
    let mut fetched = Vec::with_capacity(urls.len());
    let mut outcome = Ok(());
    for url in urls {
        match fetch_one(driver, url).await {
            Ok(one) => fetched.push(one),
            Err(error) => {
                outcome = Err(error);
                break;
            }
        }
    }
    // Back to the Vinted page whatever happened, so the next API call finds it.
    let closed = driver.close_window().await;
    let back = driver.switch_to_window(home).await;
    outcome?;
    closed?;
    back?;
    Ok(fetched)
}

async fn fetch_one(
    driver: &WebDriver,
    url: &str,
) -> Result<Result<Vec<u8>, String>, thirtyfour::error::WebDriverError> {
    // The address came from Vinted or another device: only web addresses are opened.
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Ok(Err("not an http(s) address".to_owned()));
    }
    driver.set_page_load_timeout(PHOTO_TIMEOUT).await?;
    if let Err(error) = driver.goto(url).await {
        return Ok(Err(format!("the photo did not load: {error}")));
    }
    driver.set_script_timeout(PHOTO_TIMEOUT).await?;
    let answer = match driver
        .execute_async(READ_SCRIPT, vec![json!(MAX_BYTES)])
        .await
    {
        Ok(answer) => answer.json().clone(),
        Err(error) => return Ok(Err(format!("the photo could not be read: {error}"))),
    };
    Ok(bytes_of(&answer))
}

/// What the tab's script answered, as the photo's bytes or why not.
fn bytes_of(answer: &Value) -> Result<Vec<u8>, String> {
    if let Some(error) = answer["error"].as_str() {
        return Err(match answer["size"].as_u64() {
            // Chromium shows its own error page for an error status with an empty body, or
            // for no answer at all.
            _ if error == "not loaded" => {
                "the photo did not load (an error status or no answer)".to_owned()
            }
            Some(size) if error == "too large" => {
                format!(
                    "the photo is larger than {} MB ({size} bytes)",
                    MAX_BYTES / 1024 / 1024
                )
            }
            _ => format!("the photo could not be fetched: {error}"),
        });
    }
    let status = answer["status"].as_u64().unwrap_or(0);
    if status != 200 {
        return Err(format!("the photo's server answered {status}"));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(answer["data"].as_str().unwrap_or_default())
        .map_err(|error| format!("the photo's bytes were garbled: {error}"))?;
    checked(bytes)
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

/// Stores each photo's bytes as the inventory stores photos (a name the store chooses, never
/// one from the network); returns the stored names in order and, for each photo that could
/// not be stored, its position (from 1) and why.
pub(super) fn store_files(
    data_dir: &Path,
    listing_id: &str,
    photos: Vec<(usize, Vec<u8>)>,
) -> (Vec<String>, Vec<(usize, String)>) {
    let mut files = Vec::new();
    let mut failed = Vec::new();
    for (position, bytes) in photos {
        let label = format!("photo {position} of Vinted listing {listing_id}");
        match stored_photos::import(data_dir, &label, &bytes) {
            Ok(file) => files.push(file),
            Err(error) => failed.push((position, error.to_string())),
        }
    }
    (files, failed)
}

/// Runs in the photo's own tab: reads the photo back from its own origin (the browser's cache
/// has it from the navigation), refusing what is too large before turning it into base64.
const READ_SCRIPT: &str = r#"
const [maxBytes, done] = arguments;
if (location.protocol === "chrome-error:") {
  done({ error: "not loaded" });
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
        assert_eq!(bytes_of(&ok), Ok(vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]));
        let missing = json!({"status": 404, "data": "", "size": 0});
        assert_eq!(
            bytes_of(&missing),
            Err("the photo's server answered 404".to_owned())
        );
        let big = json!({"status": 200, "error": "too large", "size": 99_000_000});
        assert!(bytes_of(&big).unwrap_err().contains("larger than"));
        let error_page = json!({"error": "not loaded"});
        assert!(bytes_of(&error_page).unwrap_err().contains("did not load"));
        let html = json!({"status": 200, "data": "PGh0bWw+", "size": 6});
        assert!(bytes_of(&html).unwrap_err().contains("not a JPEG"));
    }
}
