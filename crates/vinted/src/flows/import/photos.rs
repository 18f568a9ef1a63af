//! The photos of a listing, downloaded for the inventory item made from it: every photo, in
//! Vinted's order, checked (a JPEG, PNG or WebP by its first bytes, at most
//! [`seller_store::photos::MAX_BYTES`]) and stored as the inventory stores photos a person adds
//! (a file named by the store under `<data>/photos/`, a `seller_product_photos` row). A photo
//! that fails is reported, never dropped silently; the item stays, with the photos that came.
//!
//! How they are fetched: by the account's own browser, in a tab of its session opened for them
//! and closed after ([`crate::flows::tab`], which says why).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::flows::tab::Kind;
pub(super) use crate::flows::tab::{Fetched, Tab};
use seller_store::photos::{self as stored_photos, MAX_BYTES};

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

/// Photos as the tab fetches them: at most [`MAX_BYTES`], a JPEG, PNG or WebP image.
pub(super) const PHOTO: Kind = Kind {
    what: "photo",
    max_bytes: MAX_BYTES,
    check: checked,
};

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

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn fetched_of(answer: &Value) -> Fetched {
        crate::flows::tab::fetched_of(answer, &PHOTO)
    }

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
            Fetched::Bytes(vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10])
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
