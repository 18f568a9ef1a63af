-- 0012_listing_photos_and_sightings.sql: what an import needs to make inventory items with all
-- of a listing's photos, and to re-read a wardrobe without re-syncing it.
-- No BEGIN/COMMIT and no PRAGMA here: the migration runner wraps each file in a transaction.

-- seller_listings (synced) gains every photo's address, in Vinted's order, as a JSON array of
-- strings (NULL until an import reads them): an item made from the listing on any device
-- downloads them. Synced tables only gain columns (docs/SYNC.md).
ALTER TABLE seller_listings ADD COLUMN photo_urls TEXT
    CHECK (photo_urls IS NULL OR json_valid(photo_urls));

-- ---------------------------------------------------------------------------------------------
-- vinted_listing_sightings: when an import on this device last found each listing. Not synced
-- (not in crates/sync-core/src/tables.rs): an import that finds a listing unchanged writes
-- only here, so re-reading a wardrobe of 300 unchanged listings sends nothing to the other
-- devices. `seller_listings.last_sync` changes only with the listing's content. The `id` is the
-- listing row's, so the sync engine's delete of an account reaches these rows too.
CREATE TABLE vinted_listing_sightings (
    id      TEXT PRIMARY KEY NOT NULL REFERENCES seller_listings (id) ON DELETE CASCADE,
    seen_at TEXT NOT NULL
) WITHOUT ROWID;
