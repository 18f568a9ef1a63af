-- 0003_app.sql: the app's own tables (beyond docs/SCHEMA.md).
-- No BEGIN/COMMIT and no PRAGMA here: the migration runner wraps each file in a transaction.

-- ---------------------------------------------------------------------------------------------
-- app_settings: local key/value settings. Keyed by name rather than by a UUIDv7 id.
CREATE TABLE app_settings (
    key        TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- ---------------------------------------------------------------------------------------------
-- seller_products_fts: full-text index over the inventory (title, description, brand, sku).
-- External content: the text lives in seller_products only; the index is keyed by its implicit
-- rowid and kept in sync by the triggers below. 'remove_diacritics 2' folds accents, so
-- MATCH 'ete' finds "Robe d'été".
-- seller_products has a TEXT primary key, so its rowid is implicit. SQLite's documentation does
-- not promise that VACUUM keeps such rowids: after a VACUUM, run
--   INSERT INTO seller_products_fts(seller_products_fts) VALUES ('rebuild');
CREATE VIRTUAL TABLE seller_products_fts USING fts5(
    title,
    description,
    brand,
    sku,
    content = 'seller_products',
    content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER seller_products_fts_after_insert AFTER INSERT ON seller_products
BEGIN
    INSERT INTO seller_products_fts (rowid, title, description, brand, sku)
    VALUES (new.rowid, new.title, new.description, new.brand, new.sku);
END;

CREATE TRIGGER seller_products_fts_after_delete AFTER DELETE ON seller_products
BEGIN
    INSERT INTO seller_products_fts (seller_products_fts, rowid, title, description, brand, sku)
    VALUES ('delete', old.rowid, old.title, old.description, old.brand, old.sku);
END;

-- Only when an indexed column changes: price, status or stock edits do not touch the index.
CREATE TRIGGER seller_products_fts_after_update
AFTER UPDATE OF title, description, brand, sku ON seller_products
BEGIN
    INSERT INTO seller_products_fts (seller_products_fts, rowid, title, description, brand, sku)
    VALUES ('delete', old.rowid, old.title, old.description, old.brand, old.sku);
    INSERT INTO seller_products_fts (rowid, title, description, brand, sku)
    VALUES (new.rowid, new.title, new.description, new.brand, new.sku);
END;
