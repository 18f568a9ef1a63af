use rusqlite_migration::{M, Migrations};

/// Every migration, in order. Files in `migrations/` are never edited once landed; a test checks
/// that this list and the folder agree.
pub const MIGRATIONS_SQL: &[(&str, &str)] = &[
    (
        "0001_marketplace.sql",
        include_str!("../../../migrations/0001_marketplace.sql"),
    ),
    (
        "0002_seller_panel.sql",
        include_str!("../../../migrations/0002_seller_panel.sql"),
    ),
    (
        "0003_app.sql",
        include_str!("../../../migrations/0003_app.sql"),
    ),
    (
        "0004_orders_stock.sql",
        include_str!("../../../migrations/0004_orders_stock.sql"),
    ),
    (
        "0005_inventory_sort_indexes.sql",
        include_str!("../../../migrations/0005_inventory_sort_indexes.sql"),
    ),
    (
        "0006_summaries.sql",
        include_str!("../../../migrations/0006_summaries.sql"),
    ),
    (
        "0007_stock_from_movements.sql",
        include_str!("../../../migrations/0007_stock_from_movements.sql"),
    ),
    (
        "0008_synced_derived_columns.sql",
        include_str!("../../../migrations/0008_synced_derived_columns.sql"),
    ),
    (
        "0009_synced_items_arrive_settled.sql",
        include_str!("../../../migrations/0009_synced_items_arrive_settled.sql"),
    ),
    (
        "0010_vinted_jobs.sql",
        include_str!("../../../migrations/0010_vinted_jobs.sql"),
    ),
    (
        "0011_audit_relists.sql",
        include_str!("../../../migrations/0011_audit_relists.sql"),
    ),
    (
        "0012_listing_photos_and_sightings.sql",
        include_str!("../../../migrations/0012_listing_photos_and_sightings.sql"),
    ),
    (
        "0013_vinted_job_failures.sql",
        include_str!("../../../migrations/0013_vinted_job_failures.sql"),
    ),
    (
        "0014_vinted_items_from_listings.sql",
        include_str!("../../../migrations/0014_vinted_items_from_listings.sql"),
    ),
    (
        "0015_vinted_read_jobs.sql",
        include_str!("../../../migrations/0015_vinted_read_jobs.sql"),
    ),
    (
        "0016_listing_statistics.sql",
        include_str!("../../../migrations/0016_listing_statistics.sql"),
    ),
    (
        "0017_vinted_orders.sql",
        include_str!("../../../migrations/0017_vinted_orders.sql"),
    ),
    (
        "0018_vinted_inbox.sql",
        include_str!("../../../migrations/0018_vinted_inbox.sql"),
    ),
    (
        "0019_vinted_notifications.sql",
        include_str!("../../../migrations/0019_vinted_notifications.sql"),
    ),
];

/// The schema version this build writes (`PRAGMA user_version`).
pub const LATEST_VERSION: u32 = MIGRATIONS_SQL.len() as u32;

pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS_SQL.iter().map(|(_, sql)| M::up(sql)).collect())
}
