//! What several of the store's tests share: a fresh database, a product draft with every field.

use std::path::PathBuf;

use seller_store::Store;
use seller_store::products::{Condition, PackageSize, ProductDraft, ProductStatus};

/// A fresh database file in its own temporary folder (kept alive by the returned guard).
pub fn fresh_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&db_path(&dir)).expect("open fresh store");
    (dir, store)
}

pub fn db_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("seller-panel.sqlite3")
}

pub fn full_draft(title: &str) -> ProductDraft {
    ProductDraft {
        sku: None,
        title: title.to_owned(),
        description: "Portée deux fois, aucun défaut.".to_owned(),
        category: Some("Robes".to_owned()),
        brand: Some("Sézane".to_owned()),
        condition: Some(Condition::VeryGood),
        size: Some("38".to_owned()),
        price_cents: 4_500,
        purchase_cost_cents: 1_200,
        quantity: 1,
        package_size: Some(PackageSize::Small),
        status: ProductStatus::Ready,
        internal_notes: Some("Vide-grenier de Lyon".to_owned()),
        materials: vec!["Coton".to_owned(), "Lin".to_owned()],
        colors: vec!["Bleu".to_owned()],
        photos: vec!["photos/a.jpg".to_owned(), "photos/b.jpg".to_owned()],
    }
}
