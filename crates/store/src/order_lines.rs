//! Which line of the order form a refused order is about: the store names the SKU of an
//! unknown item or of a line short of stock; the form needs the line.

use crate::{FieldError, FieldErrorCode, StoreError};

/// The field of the first line with the SKU `err` names (`items.<n>.sku` for an unknown item,
/// `items.<n>.quantity` for a line short of stock), given each line's SKU as typed.
pub fn line_field(err: &StoreError, skus: &[Option<String>]) -> Option<FieldError> {
    let line = |sku: &str| {
        skus.iter()
            .position(|s| s.as_deref().map(str::trim) == Some(sku))
    };
    match err {
        StoreError::UnknownSku { sku } => {
            line(sku).map(|n| FieldError::new(&format!("items.{n}.sku"), FieldErrorCode::Invalid))
        }
        StoreError::InsufficientStock { sku, .. } => line(sku)
            .map(|n| FieldError::new(&format!("items.{n}.quantity"), FieldErrorCode::TooLarge)),
        _ => None,
    }
}
