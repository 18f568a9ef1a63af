//! Product photos: copied into `<data>/photos/` on import, served to the window on the `photo:`
//! scheme, and nothing else of the disk is reachable through it.

use std::path::Path;

use seller_store::FieldErrorCode;
use seller_store::products::is_photo_file_name;
use tauri::http::{Response, StatusCode, header};

use crate::error::AppError;

pub const FOLDER: &str = "photos";
pub const MAX_BYTES: usize = 25 * 1024 * 1024;

/// Image kinds a webview can show, recognised by their first bytes rather than a file name.
fn image_extension(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Some("jpg"),
        [0x89, b'P', b'N', b'G', ..] => Some("png"),
        [b'G', b'I', b'F', b'8', ..] => Some("gif"),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some("webp"),
        _ => None,
    }
}

fn content_type(file: &str) -> &'static str {
    match file.rsplit('.').next() {
        Some("jpg") => "image/jpeg",
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        _ => "application/octet-stream",
    }
}

/// Copies an image into the photos folder under a new name and returns that name
/// (`photos/<uuid>.<ext>`). The write goes to a temporary file first, so a full disk never
/// leaves a truncated photo behind.
pub fn import(data_dir: &Path, original_name: &str, bytes: &[u8]) -> Result<String, AppError> {
    if bytes.len() > MAX_BYTES {
        return Err(AppError::field(
            "photos",
            FieldErrorCode::TooLarge,
            format!(
                "{original_name} is larger than {} MB",
                MAX_BYTES / 1024 / 1024
            ),
        ));
    }
    let Some(ext) = image_extension(bytes) else {
        return Err(AppError::field(
            "photos",
            FieldErrorCode::Invalid,
            format!("{original_name} is not a JPEG, PNG, GIF or WebP image"),
        ));
    };
    let folder = data_dir.join(FOLDER);
    std::fs::create_dir_all(&folder)?;
    let name = format!("{}.{ext}", uuid::Uuid::now_v7());
    let partial = folder.join(format!(".{name}.partial"));
    std::fs::write(&partial, bytes)
        .and_then(|()| std::fs::rename(&partial, folder.join(&name)))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&partial);
        })?;
    tracing::info!(%original_name, stored = %name, size = bytes.len(), "photo imported");
    Ok(format!("{FOLDER}/{name}"))
}

/// Removes photo files no product uses any more; a file already gone is not an error.
pub fn remove(data_dir: &Path, files: &[String]) {
    for file in files.iter().filter(|f| is_photo_file_name(f)) {
        if let Err(err) = std::fs::remove_file(data_dir.join(file))
            && err.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(%file, %err, "could not remove photo");
        }
    }
}

/// Deletes the files of the photos folder that are not in `in_use` (stored names such as
/// `photos/<uuid>.jpg`); returns how many went. Files younger than a day are kept, in case a
/// form open in another window has just imported them.
pub fn remove_unused(data_dir: &Path, in_use: &std::collections::HashSet<String>) -> usize {
    let Ok(entries) = std::fs::read_dir(data_dir.join(FOLDER)) else {
        return 0;
    };
    let day_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(24 * 3600);
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = format!("{FOLDER}/{}", entry.file_name().to_string_lossy());
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified < day_ago);
        if is_photo_file_name(&name) && !in_use.contains(&name) && old {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => removed += 1,
                Err(err) => tracing::warn!(file = %name, %err, "could not remove unused photo"),
            }
        }
    }
    removed
}

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
    fn import_refuses_what_is_not_an_image() {
        let dir = tempfile::tempdir().unwrap();
        let err = import(dir.path(), "notes.txt", b"hello").unwrap_err();
        assert_eq!(err.fields[0].field, "photos");
        assert_eq!(err.fields[0].code, FieldErrorCode::Invalid);
        assert!(err.message.contains("notes.txt"));
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
