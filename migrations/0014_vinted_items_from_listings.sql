-- 0014_vinted_items_from_listings.sql: which inventory items an import made from a listing, so
-- a later import of the account completes the photos they lack (a photo that failed, an
-- import cancelled during its photo step) without touching items the person linked by SKU.
-- No BEGIN/COMMIT and no PRAGMA here: the migration runner wraps each file in a transaction.

-- Not synced (not in crates/sync-core/src/tables.rs): the device that made the items completes
-- their photos. The rows go with the item or the listing row.
CREATE TABLE vinted_items_from_listings (
    product_id TEXT PRIMARY KEY NOT NULL REFERENCES seller_products (id) ON DELETE CASCADE,
    listing_row_id TEXT NOT NULL REFERENCES seller_listings (id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX idx_vinted_items_from_listings_listing ON vinted_items_from_listings (listing_row_id);
