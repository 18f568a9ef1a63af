//! Product photos on the `photo:` scheme: the window reads the files of `<data>/photos/`
//! (which `seller_store::photos` fills), and nothing else of the disk is reachable through it.

use std::path::Path;

use seller_store::photos::content_type;
use seller_store::products::is_photo_file_name;
use tauri::http::{Response, StatusCode, header};

/// Answers `photo://localhost/<file>` (`http://photo.localhost/<file>` on Windows), where
/// `<file>` is the URL-encoded stored name, e.g. `photos%2F0193….jpg`.
pub fn serve(data_dir: &Path, uri_path: &str) -> Response<Vec<u8>> {
    let decoded =
        percent_encoding::percent_decode_str(uri_path.trim_start_matches('/')).decode_utf8_lossy();
    let respond = |status: StatusCode, kind: &str, body: Vec<u8>| {
        Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, kind)
            .header(header::CACHE_CONTROL, "max-age=31536000, immutable")
            .body(body)
            .expect("static response parts")
    };
    if !is_photo_file_name(&decoded) {
        return respond(StatusCode::FORBIDDEN, "text/plain", b"forbidden".to_vec());
    }
    match std::fs::read(data_dir.join(decoded.as_ref())) {
        Ok(bytes) => respond(StatusCode::OK, content_type(&decoded), bytes),
        Err(_) => respond(StatusCode::NOT_FOUND, "text/plain", b"not found".to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use seller_store::photos::{FOLDER, import};

    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn import_keeps_the_bytes_under_a_new_name_and_serve_returns_them() {
        let dir = tempfile::tempdir().unwrap();
        let stored = import(dir.path(), "robe.png", PNG).unwrap();
        assert!(
            stored.starts_with("photos/") && stored.ends_with(".png"),
            "{stored}"
        );
        let encoded = stored.replace('/', "%2F");
        let response = serve(dir.path(), &format!("/{encoded}"));
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "image/png");
        assert_eq!(response.body(), PNG);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join(FOLDER))
            .unwrap()
            .collect();
        assert_eq!(leftovers.len(), 1, "no partial file left behind");
    }

    #[test]
    fn serve_refuses_anything_outside_the_photos_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("seller-panel.sqlite3"), b"secret").unwrap();
        for path in [
            "/seller-panel.sqlite3",
            "/photos%2F..%2Fseller-panel.sqlite3",
            "/%2Fetc%2Fpasswd",
            "/photos%2F",
        ] {
            assert_eq!(
                serve(dir.path(), path).status(),
                StatusCode::FORBIDDEN,
                "{path}"
            );
        }
        assert_eq!(
            serve(dir.path(), "/photos%2Fmissing.jpg").status(),
            StatusCode::NOT_FOUND
        );
    }
}
