-- 0002_seller_panel.sql: the Seller Panel (Vinted) tables of docs/SCHEMA.md.
--
-- Same conventions as 0001_marketplace.sql: UUIDv7 TEXT ids, money in INTEGER cents, RFC 3339
-- UTC millisecond TEXT timestamps, CHECKed enumerations and 0/1 booleans, every foreign key
-- column leading an index, ON DELETE RESTRICT (with a comment) where losing the parent would
-- destroy business records.
-- Ids that come from Vinted (listing_id, vinted_listing_id, order_id of seller_orders, item_id,
-- buyer_id, sender_id...) are plain TEXT, unique per account where that makes sense.
-- No BEGIN/COMMIT and no PRAGMA here: the migration runner wraps each file in a transaction.

-- ---------------------------------------------------------------------------------------------
-- seller_accounts: one Vinted account (profile) driven by its own browser session.
CREATE TABLE seller_accounts (
    id                 TEXT PRIMARY KEY NOT NULL,
    -- Blocking: an account carries listings, orders and conversations; deleting the shop must
    -- not drop them silently. Remove the accounts first.
    shop_id            TEXT NOT NULL REFERENCES shops (id) ON DELETE RESTRICT,
    name               TEXT NOT NULL,
    username           TEXT,
    email              TEXT,
    -- Never a secret: only an OS keyring reference
    -- ('keyring:seller-panel/<account id>/vinted') or NULL. The password lives in the keyring.
    password_hash      TEXT CHECK (password_hash IS NULL OR password_hash GLOB 'keyring:*'),
    -- Single letter shown in the avatar bubble.
    avatar             TEXT,
    is_connected       INTEGER NOT NULL DEFAULT 0 CHECK (is_connected IN (0, 1)),
    is_running         INTEGER NOT NULL DEFAULT 0 CHECK (is_running IN (0, 1)),
    proxy_host         TEXT,
    proxy_port         INTEGER CHECK (proxy_port IS NULL OR proxy_port BETWEEN 1 AND 65535),
    proxy_user         TEXT,
    -- Never a secret: only an OS keyring reference
    -- ('keyring:seller-panel/<account id>/proxy') or NULL.
    proxy_password     TEXT CHECK (proxy_password IS NULL OR proxy_password GLOB 'keyring:*'),
    -- Never a secret: only an OS keyring reference
    -- ('keyring:seller-panel/<account id>/vnc') or NULL.
    vnc_password       TEXT CHECK (vnc_password IS NULL OR vnc_password GLOB 'keyring:*'),
    last_session_start TEXT,
    created_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    -- Columns beyond SCHEMA.md, needed by the browser sessions (DESIGN.md "Browser sessions").
    -- Vinted site of the account (vinted.fr, .de, .it...; tests point it at the fake server).
    vinted_base_url    TEXT NOT NULL DEFAULT 'https://www.vinted.fr',
    -- NULL = no proxy configured.
    proxy_type         TEXT CHECK (proxy_type IN ('http', 'https', 'socks5')),
    user_agent         TEXT,
    -- BCP 47 tag, e.g. 'fr-FR'.
    locale             TEXT,
    -- IANA zone name, e.g. 'Europe/Paris'.
    timezone           TEXT
);
CREATE INDEX idx_seller_accounts_shop_id ON seller_accounts (shop_id);

-- ---------------------------------------------------------------------------------------------
-- seller_products: the reseller's own inventory.
-- An ordinary rowid table (not WITHOUT ROWID): the FTS5 index of 0003_app.sql uses its rowid.
CREATE TABLE seller_products (
    id               TEXT PRIMARY KEY NOT NULL,
    -- Blocking: deleting a shop must not wipe the inventory and its published-listing history.
    shop_id          TEXT NOT NULL REFERENCES shops (id) ON DELETE RESTRICT,
    sku              TEXT NOT NULL,
    title            TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    category         TEXT,
    brand            TEXT,
    condition_status TEXT CHECK (condition_status IN
                         ('new_with_tags', 'new_without_tags', 'very_good', 'good', 'satisfactory')),
    size             TEXT,
    -- Cents.
    price            INTEGER NOT NULL DEFAULT 0 CHECK (price >= 0),
    -- Cents.
    purchase_cost    INTEGER NOT NULL DEFAULT 0 CHECK (purchase_cost >= 0),
    -- Cents; previous price, NULL when never changed.
    last_price       INTEGER CHECK (last_price IS NULL OR last_price >= 0),
    quantity         INTEGER NOT NULL DEFAULT 1 CHECK (quantity >= 0),
    package_size     TEXT CHECK (package_size IN ('small', 'medium', 'large')),
    status           TEXT NOT NULL DEFAULT 'draft'
                     CHECK (status IN ('draft', 'ready', 'listed', 'reserved', 'sold', 'archived')),
    internal_notes   TEXT,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    -- Seller SKUs are unique per shop.
    UNIQUE (shop_id, sku)
);
-- (shop_id) is also covered by the UNIQUE (shop_id, sku) index. The indexes below serve the
-- inventory list filtered by status and sorted by each sortable column.
CREATE INDEX idx_seller_products_shop_id_status ON seller_products (shop_id, status);
CREATE INDEX idx_seller_products_shop_id_updated_at ON seller_products (shop_id, updated_at);
CREATE INDEX idx_seller_products_shop_id_created_at ON seller_products (shop_id, created_at);
CREATE INDEX idx_seller_products_shop_id_price ON seller_products (shop_id, price);
CREATE INDEX idx_seller_products_shop_id_title ON seller_products (shop_id, title COLLATE NOCASE);

-- ---------------------------------------------------------------------------------------------
-- seller_product_photos
CREATE TABLE seller_product_photos (
    id         TEXT PRIMARY KEY NOT NULL,
    product_id TEXT NOT NULL REFERENCES seller_products (id) ON DELETE CASCADE,
    url        TEXT NOT NULL,
    -- Display order; deliberately not UNIQUE per product: reordering updates rows one by one.
    position   INTEGER NOT NULL CHECK (position >= 0)
);
CREATE INDEX idx_seller_product_photos_product_id_position
    ON seller_product_photos (product_id, position);

-- ---------------------------------------------------------------------------------------------
-- seller_product_materials
CREATE TABLE seller_product_materials (
    id         TEXT PRIMARY KEY NOT NULL,
    product_id TEXT NOT NULL REFERENCES seller_products (id) ON DELETE CASCADE,
    material   TEXT NOT NULL,
    UNIQUE (product_id, material)
);
-- (product_id) is covered by the UNIQUE (product_id, material) index.

-- ---------------------------------------------------------------------------------------------
-- seller_product_colors
CREATE TABLE seller_product_colors (
    id         TEXT PRIMARY KEY NOT NULL,
    product_id TEXT NOT NULL REFERENCES seller_products (id) ON DELETE CASCADE,
    color      TEXT NOT NULL,
    UNIQUE (product_id, color)
);
-- (product_id) is covered by the UNIQUE (product_id, color) index.

-- ---------------------------------------------------------------------------------------------
-- seller_product_publish_attempts: every attempt to publish a product on Vinted.
CREATE TABLE seller_product_publish_attempts (
    id                TEXT PRIMARY KEY NOT NULL,
    product_id        TEXT NOT NULL REFERENCES seller_products (id) ON DELETE CASCADE,
    -- The attempt log outlives a removed account.
    seller_account_id TEXT REFERENCES seller_accounts (id) ON DELETE SET NULL,
    status            TEXT NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'success', 'failed')),
    error_message     TEXT,
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX idx_seller_product_publish_attempts_product_id_created_at
    ON seller_product_publish_attempts (product_id, created_at);
CREATE INDEX idx_seller_product_publish_attempts_seller_account_id
    ON seller_product_publish_attempts (seller_account_id, created_at);

-- ---------------------------------------------------------------------------------------------
-- seller_listings: the account's Vinted wardrobe as last synced.
CREATE TABLE seller_listings (
    id                TEXT PRIMARY KEY NOT NULL,
    -- Vinted listing id.
    listing_id        TEXT NOT NULL,
    product_sku       TEXT,
    title             TEXT NOT NULL,
    photo_url         TEXT,
    seller_account_id TEXT REFERENCES seller_accounts (id) ON DELETE SET NULL,
    -- Cents.
    price             INTEGER NOT NULL CHECK (price >= 0),
    status            TEXT NOT NULL DEFAULT 'active'
                      CHECK (status IN ('draft', 'active', 'reserved', 'sold', 'hidden', 'deleted')),
    last_sync         TEXT,
    error_message     TEXT,
    UNIQUE (seller_account_id, listing_id)
);
-- (seller_account_id) is covered by the UNIQUE (seller_account_id, listing_id) index.
CREATE INDEX idx_seller_listings_product_sku ON seller_listings (product_sku);
CREATE INDEX idx_seller_listings_status ON seller_listings (status);

-- ---------------------------------------------------------------------------------------------
-- seller_published_listings: what the app published for a product (a snapshot of its fields).
CREATE TABLE seller_published_listings (
    id                TEXT PRIMARY KEY NOT NULL,
    -- "produit parent": the publication record belongs to the product.
    product_id        TEXT NOT NULL REFERENCES seller_products (id) ON DELETE CASCADE,
    sku               TEXT NOT NULL,
    title             TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    category          TEXT,
    brand             TEXT,
    condition_status  TEXT CHECK (condition_status IN
                          ('new_with_tags', 'new_without_tags', 'very_good', 'good', 'satisfactory')),
    material          TEXT,
    size              TEXT,
    -- Cents.
    price             INTEGER NOT NULL CHECK (price >= 0),
    package_size      TEXT CHECK (package_size IN ('small', 'medium', 'large')),
    seller_account_id TEXT REFERENCES seller_accounts (id) ON DELETE SET NULL,
    -- Vinted listing id; NULL until Vinted has accepted the listing.
    vinted_listing_id TEXT,
    vinted_url        TEXT,
    status            TEXT NOT NULL DEFAULT 'draft'
                      CHECK (status IN ('draft', 'active', 'reserved', 'sold', 'hidden', 'deleted')),
    published_date    TEXT,
    last_sync_date    TEXT,
    boost_active      INTEGER NOT NULL DEFAULT 0 CHECK (boost_active IN (0, 1)),
    is_hidden         INTEGER NOT NULL DEFAULT 0 CHECK (is_hidden IN (0, 1)),
    UNIQUE (seller_account_id, vinted_listing_id)
);
-- (seller_account_id) is covered by the UNIQUE (seller_account_id, vinted_listing_id) index.
CREATE INDEX idx_seller_published_listings_product_id ON seller_published_listings (product_id);
CREATE INDEX idx_seller_published_listings_status ON seller_published_listings (status);

-- ---------------------------------------------------------------------------------------------
-- seller_published_listing_photos
CREATE TABLE seller_published_listing_photos (
    id                   TEXT PRIMARY KEY NOT NULL,
    published_listing_id TEXT NOT NULL REFERENCES seller_published_listings (id) ON DELETE CASCADE,
    url                  TEXT NOT NULL,
    -- Display order; not UNIQUE per listing so rows can be reordered one by one.
    position             INTEGER NOT NULL CHECK (position >= 0)
);
CREATE INDEX idx_seller_published_listing_photos_listing_id_position
    ON seller_published_listing_photos (published_listing_id, position);

-- ---------------------------------------------------------------------------------------------
-- seller_listing_analytics: one statistics snapshot of a published listing.
CREATE TABLE seller_listing_analytics (
    id                   TEXT PRIMARY KEY NOT NULL,
    published_listing_id TEXT NOT NULL REFERENCES seller_published_listings (id) ON DELETE CASCADE,
    views                INTEGER NOT NULL DEFAULT 0 CHECK (views >= 0),
    favorites            INTEGER NOT NULL DEFAULT 0 CHECK (favorites >= 0),
    offers               INTEGER NOT NULL DEFAULT 0 CHECK (offers >= 0),
    -- Cents; NULL when there is no offer.
    avg_offer_price      INTEGER CHECK (avg_offer_price IS NULL OR avg_offer_price >= 0),
    best_offer_price     INTEGER CHECK (best_offer_price IS NULL OR best_offer_price >= 0),
    lowest_offer_price   INTEGER CHECK (lowest_offer_price IS NULL OR lowest_offer_price >= 0),
    -- Signed change of the count since the previous snapshot (may be negative); NULL for the
    -- first snapshot.
    views_trend          INTEGER,
    favorites_trend      INTEGER,
    created_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX idx_seller_listing_analytics_listing_id_created_at
    ON seller_listing_analytics (published_listing_id, created_at);

-- ---------------------------------------------------------------------------------------------
-- seller_listing_analytics_history: one metric value over time.
CREATE TABLE seller_listing_analytics_history (
    id                   TEXT PRIMARY KEY NOT NULL,
    published_listing_id TEXT NOT NULL REFERENCES seller_published_listings (id) ON DELETE CASCADE,
    metric               TEXT NOT NULL CHECK (metric IN ('views', 'favorites', 'offers')),
    value                INTEGER NOT NULL CHECK (value >= 0),
    recorded_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX idx_seller_listing_analytics_history_listing_id_metric_recorded_at
    ON seller_listing_analytics_history (published_listing_id, metric, recorded_at);

-- ---------------------------------------------------------------------------------------------
-- seller_listing_insights
CREATE TABLE seller_listing_insights (
    id                   TEXT PRIMARY KEY NOT NULL,
    published_listing_id TEXT NOT NULL REFERENCES seller_published_listings (id) ON DELETE CASCADE,
    insight_type         TEXT NOT NULL,
    severity             TEXT NOT NULL DEFAULT 'info'
                         CHECK (severity IN ('info', 'warning', 'critical')),
    data_json            TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(data_json)),
    created_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX idx_seller_listing_insights_listing_id_created_at
    ON seller_listing_insights (published_listing_id, created_at);

-- ---------------------------------------------------------------------------------------------
-- seller_orders: sales and purchases, synced from Vinted or entered by hand.
CREATE TABLE seller_orders (
    id                   TEXT PRIMARY KEY NOT NULL,
    -- Vinted order id; NULL for a manual order.
    order_id             TEXT,
    order_type           TEXT NOT NULL DEFAULT 'sale' CHECK (order_type IN ('sale', 'purchase')),
    source               TEXT NOT NULL DEFAULT 'vinted' CHECK (source IN ('vinted', 'manual')),
    seller_account_id    TEXT REFERENCES seller_accounts (id) ON DELETE SET NULL,
    title                TEXT NOT NULL,
    sku                  TEXT,
    -- Cents.
    price                INTEGER NOT NULL DEFAULT 0 CHECK (price >= 0),
    -- Free text: Vinted has many transaction statuses.
    status               TEXT NOT NULL DEFAULT 'pending',
    category             TEXT,
    thumbnail_url        TEXT,
    buyer_name           TEXT,
    buyer_username       TEXT,
    seller_name          TEXT,
    seller_username      TEXT,
    shipping_street      TEXT,
    shipping_city        TEXT,
    shipping_postal_code TEXT,
    shipping_country     TEXT,
    -- Fee breakdown in cents; NULL when Vinted has not reported it.
    fees_item_price      INTEGER CHECK (fees_item_price IS NULL OR fees_item_price >= 0),
    fees_shipping_fee    INTEGER CHECK (fees_shipping_fee IS NULL OR fees_shipping_fee >= 0),
    fees_service_fee     INTEGER CHECK (fees_service_fee IS NULL OR fees_service_fee >= 0),
    fees_total           INTEGER CHECK (fees_total IS NULL OR fees_total >= 0),
    processed            INTEGER NOT NULL DEFAULT 0 CHECK (processed IN (0, 1)),
    -- Cents.
    purchase_cost        INTEGER NOT NULL DEFAULT 0 CHECK (purchase_cost >= 0),
    quantity             INTEGER NOT NULL DEFAULT 1 CHECK (quantity >= 1),
    tracking_number      TEXT,
    tracking_carrier     TEXT,
    tracking_url         TEXT,
    is_bundle            INTEGER NOT NULL DEFAULT 0 CHECK (is_bundle IN (0, 1)),
    created_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    -- NULL order ids (manual orders) are distinct, as SQLite treats NULLs in UNIQUE.
    UNIQUE (seller_account_id, order_id)
);
CREATE INDEX idx_seller_orders_seller_account_id_created_at
    ON seller_orders (seller_account_id, created_at);
CREATE INDEX idx_seller_orders_status ON seller_orders (status);
CREATE INDEX idx_seller_orders_order_type_created_at ON seller_orders (order_type, created_at);
CREATE INDEX idx_seller_orders_sku ON seller_orders (sku);

-- ---------------------------------------------------------------------------------------------
-- seller_order_timelines
CREATE TABLE seller_order_timelines (
    id          TEXT PRIMARY KEY NOT NULL,
    order_id    TEXT NOT NULL REFERENCES seller_orders (id) ON DELETE CASCADE,
    status      TEXT NOT NULL,
    icon        TEXT,
    occurred_at TEXT NOT NULL
);
CREATE INDEX idx_seller_order_timelines_order_id_occurred_at
    ON seller_order_timelines (order_id, occurred_at);

-- ---------------------------------------------------------------------------------------------
-- seller_order_bundle_items
CREATE TABLE seller_order_bundle_items (
    id            TEXT PRIMARY KEY NOT NULL,
    order_id      TEXT NOT NULL REFERENCES seller_orders (id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    sku           TEXT,
    thumbnail_url TEXT
);
CREATE INDEX idx_seller_order_bundle_items_order_id ON seller_order_bundle_items (order_id);

-- ---------------------------------------------------------------------------------------------
-- seller_conversations: Vinted inbox threads.
CREATE TABLE seller_conversations (
    id                TEXT PRIMARY KEY NOT NULL,
    -- Vinted user id of the buyer.
    buyer_id          TEXT,
    buyer_name        TEXT,
    buyer_username    TEXT,
    buyer_avatar      TEXT,
    -- Vinted item id.
    item_id           TEXT,
    item_title        TEXT,
    item_thumbnail    TEXT,
    -- Cents.
    item_price        INTEGER CHECK (item_price IS NULL OR item_price >= 0),
    last_message      TEXT,
    last_message_time TEXT,
    unread_count      INTEGER NOT NULL DEFAULT 0 CHECK (unread_count >= 0),
    seller_account_id TEXT REFERENCES seller_accounts (id) ON DELETE SET NULL,
    -- Free text: Vinted's thread/transaction status.
    status            TEXT,
    has_label         INTEGER NOT NULL DEFAULT 0 CHECK (has_label IN (0, 1))
);
CREATE INDEX idx_seller_conversations_seller_account_id_last_message_time
    ON seller_conversations (seller_account_id, last_message_time);
CREATE INDEX idx_seller_conversations_last_message_time
    ON seller_conversations (last_message_time);

-- ---------------------------------------------------------------------------------------------
-- seller_messages
CREATE TABLE seller_messages (
    id                TEXT PRIMARY KEY NOT NULL,
    conversation_id   TEXT NOT NULL REFERENCES seller_conversations (id) ON DELETE CASCADE,
    -- Vinted user id of the sender (not a foreign key).
    sender_id         TEXT,
    sender_name       TEXT,
    sender_avatar     TEXT,
    -- Empty for an image-only message.
    content           TEXT NOT NULL DEFAULT '',
    sent_at           TEXT NOT NULL,
    is_me             INTEGER NOT NULL DEFAULT 0 CHECK (is_me IN (0, 1)),
    image_url         TEXT,
    -- BCP 47 / ISO 639 language code as reported by Vinted.
    original_language TEXT
);
CREATE INDEX idx_seller_messages_conversation_id_sent_at ON seller_messages (conversation_id, sent_at);

-- ---------------------------------------------------------------------------------------------
-- seller_offers
CREATE TABLE seller_offers (
    id              TEXT PRIMARY KEY NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES seller_conversations (id) ON DELETE CASCADE,
    -- Vinted user id of the sender (not a foreign key).
    sender_id       TEXT,
    sender_name     TEXT,
    sender_avatar   TEXT,
    -- Cents.
    amount          INTEGER NOT NULL CHECK (amount >= 0),
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'accepted', 'declined', 'expired', 'countered')),
    sent_at         TEXT NOT NULL,
    is_me           INTEGER NOT NULL DEFAULT 0 CHECK (is_me IN (0, 1)),
    message         TEXT,
    -- The offer this one counters; NULL for an opening offer.
    parent_offer_id TEXT REFERENCES seller_offers (id) ON DELETE SET NULL
);
CREATE INDEX idx_seller_offers_conversation_id_sent_at ON seller_offers (conversation_id, sent_at);
CREATE INDEX idx_seller_offers_parent_offer_id ON seller_offers (parent_offer_id);

-- ---------------------------------------------------------------------------------------------
-- seller_system_events
CREATE TABLE seller_system_events (
    id              TEXT PRIMARY KEY NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES seller_conversations (id) ON DELETE CASCADE,
    event_type      TEXT NOT NULL,
    event_data      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(event_data)),
    occurred_at     TEXT NOT NULL
);
CREATE INDEX idx_seller_system_events_conversation_id_occurred_at
    ON seller_system_events (conversation_id, occurred_at);

-- ---------------------------------------------------------------------------------------------
-- seller_notifications
CREATE TABLE seller_notifications (
    id                TEXT PRIMARY KEY NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('sale', 'message', 'offer', 'system')),
    title             TEXT NOT NULL,
    details           TEXT,
    seller_account_id TEXT REFERENCES seller_accounts (id) ON DELETE SET NULL,
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX idx_seller_notifications_created_at ON seller_notifications (created_at);
CREATE INDEX idx_seller_notifications_seller_account_id_created_at
    ON seller_notifications (seller_account_id, created_at);

-- ---------------------------------------------------------------------------------------------
-- seller_favorites: who favourited which of the account's items.
CREATE TABLE seller_favorites (
    id                TEXT PRIMARY KEY NOT NULL,
    -- Vinted item id.
    item_id           TEXT NOT NULL,
    item_title        TEXT,
    item_sku          TEXT,
    -- Cents.
    item_price        INTEGER CHECK (item_price IS NULL OR item_price >= 0),
    item_thumbnail    TEXT,
    seller_account_id TEXT REFERENCES seller_accounts (id) ON DELETE SET NULL,
    user_handle       TEXT,
    user_name         TEXT,
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX idx_seller_favorites_seller_account_id_created_at
    ON seller_favorites (seller_account_id, created_at);
CREATE INDEX idx_seller_favorites_item_id ON seller_favorites (item_id);
