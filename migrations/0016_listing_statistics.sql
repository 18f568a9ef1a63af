-- 0016_listing_statistics.sql: every listing's daily views, favourites and offers, its current
-- figures and its insights, as the statistics job reads them (docs/VINTED.md, "Read endpoints":
-- the wardrobe's view_count and favourite_count are the only statistics Vinted gives).
-- No BEGIN/COMMIT and no PRAGMA here: the migration runner wraps each file in a transaction.
--
-- Not synced (not in crates/sync-core/src/tables.rs): the figures of every imported listing,
-- linked to an inventory item or not, keyed by the listing row (`seller_listings.id`, the same
-- on every device). The schema's seller_listing_analytics, _history and seller_listing_insights
-- (synced, tied to seller_published_listings) get the same figures for listings linked to an
-- item (crates/store/src/vinted/statistics.rs). Rows go with the listing row.

-- ---------------------------------------------------------------------------------------------
-- vinted_listing_stats_history: one snapshot per listing per UTC day; a later snapshot of the
-- same day replaces it (the figures are counters: the day's latest is the day's value).
CREATE TABLE vinted_listing_stats_history (
    listing_row_id TEXT NOT NULL REFERENCES seller_listings (id) ON DELETE CASCADE,
    -- YYYY-MM-DD, UTC.
    day            TEXT NOT NULL CHECK (length(day) = 10),
    views          INTEGER NOT NULL CHECK (views >= 0),
    favorites      INTEGER NOT NULL CHECK (favorites >= 0),
    offers         INTEGER NOT NULL CHECK (offers >= 0),
    recorded_at    TEXT NOT NULL,
    PRIMARY KEY (listing_row_id, day)
) WITHOUT ROWID;

-- ---------------------------------------------------------------------------------------------
-- vinted_listing_stats: each listing's figures as of its latest snapshot, for the list sorted
-- by any of them.
CREATE TABLE vinted_listing_stats (
    id                 TEXT PRIMARY KEY NOT NULL REFERENCES seller_listings (id) ON DELETE CASCADE,
    views              INTEGER NOT NULL CHECK (views >= 0),
    favorites          INTEGER NOT NULL CHECK (favorites >= 0),
    offers             INTEGER NOT NULL CHECK (offers >= 0),
    -- Cents; NULL without offers.
    avg_offer_price    INTEGER CHECK (avg_offer_price IS NULL OR avg_offer_price >= 0),
    best_offer_price   INTEGER CHECK (best_offer_price IS NULL OR best_offer_price >= 0),
    lowest_offer_price INTEGER CHECK (lowest_offer_price IS NULL OR lowest_offer_price >= 0),
    -- Change over the last 7 days (statistics.rs, `trend`); NULL with a single snapshot.
    views_trend        INTEGER,
    favorites_trend    INTEGER,
    recorded_at        TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX idx_vinted_listing_stats_views ON vinted_listing_stats (views);
CREATE INDEX idx_vinted_listing_stats_favorites ON vinted_listing_stats (favorites);

-- ---------------------------------------------------------------------------------------------
-- vinted_listing_insights: each listing's current insights (replaced after every snapshot run).
CREATE TABLE vinted_listing_insights (
    listing_row_id TEXT NOT NULL REFERENCES seller_listings (id) ON DELETE CASCADE,
    insight_type   TEXT NOT NULL CHECK (insight_type IN ('stale', 'few_favorites',
                       'favorites_no_offer', 'low_offers', 'relist', 'above_median')),
    severity       TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    data_json      TEXT NOT NULL CHECK (json_valid(data_json)),
    created_at     TEXT NOT NULL,
    PRIMARY KEY (listing_row_id, insight_type)
) WITHOUT ROWID;
