//! Ids derived from a row's natural key, the same on every device: two devices that make the
//! "same" row (a snapshot of the same listing, on the same day) make it with the same id, so
//! sync merges them instead of keeping two or renaming one.

use sha2::{Digest, Sha256};

/// A UUIDv8 from the first 16 bytes of SHA-256 over `table`, then each of `parts`, each
/// preceded by a NUL (`listings::listing_row_id`'s layout: with `("seller_listings",
/// [account, listing])` it gives the same id).
pub fn derived_uuid(table: &str, parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    hash.update(table.as_bytes());
    for part in parts {
        hash.update(b"\0");
        hash.update(part.as_bytes());
    }
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes)
        .into_uuid()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_do_not_run_together_and_the_id_is_a_uuidv8() {
        assert_eq!(derived_uuid("t", &["x"]), derived_uuid("t", &["x"]));
        assert_ne!(
            derived_uuid("t", &["ab", "c"]),
            derived_uuid("t", &["a", "bc"])
        );
        let id = derived_uuid("t", &["x"]);
        assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 8);
    }
}
