//! Product photos' files: copied into `<data>/photos/` on import under a new name, removed when
//! no product uses them any more. The app serves that folder, and nothing else of the disk.

use std::path::Path;

use crate::FieldErrorCode;
use crate::products::is_photo_file_name;

/// Why a photo was not imported; nothing was left in the photos folder.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    /// Not an image the window can show, or too large (the form's `photos` field).
    #[error("{message}")]
    Refused {
        code: FieldErrorCode,
        message: String,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

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

/// The media type of a stored photo, by the extension the import gave it.
pub fn content_type(file: &str) -> &'static str {
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
pub fn import(data_dir: &Path, original_name: &str, bytes: &[u8]) -> Result<String, PhotoError> {
    if bytes.len() > MAX_BYTES {
        return Err(PhotoError::Refused {
            code: FieldErrorCode::TooLarge,
            message: format!(
                "{original_name} is larger than {} MB",
                MAX_BYTES / 1024 / 1024
            ),
        });
    }
    let Some(ext) = image_extension(bytes) else {
        return Err(PhotoError::Refused {
            code: FieldErrorCode::Invalid,
            message: format!("{original_name} is not a JPEG, PNG, GIF or WebP image"),
        });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_refuses_what_is_not_an_image() {
        let dir = tempfile::tempdir().unwrap();
        let err = import(dir.path(), "notes.txt", b"hello").unwrap_err();
        assert!(
            matches!(&err, PhotoError::Refused { code: FieldErrorCode::Invalid, message } if message.contains("notes.txt")),
            "{err:?}"
        );
        assert!(!dir.path().join(FOLDER).exists());
    }
}
