-- 0018_vinted_inbox.sql: what the inbox needs beside the synced threads (seller_conversations,
-- seller_messages, seller_offers, seller_system_events of 0002): Vinted's own ids, which the
-- replies and offer answers are sent to, and the seller's reply templates.
-- No BEGIN/COMMIT and no PRAGMA here: the migration runner wraps each file in a transaction.

-- ---------------------------------------------------------------------------------------------
-- vinted_conversation_refs: Vinted's ids of each thread row. The synced rows have no column for
-- them and their ids are hashes of them (UUIDv8 over the account and Vinted's id, like
-- seller_listings: docs/SYNC.md), so they are kept here. Not synced (not in
-- crates/sync-core/src/tables.rs): the device that reads an account's inbox is the one that
-- runs its session and answers in it. `read_updated_at` is Vinted's `updated_at` of the thread
-- when this device last read it whole: an inbox read reads again only the threads whose
-- `updated_at` moved. `vinted_unread` is the inbox's own flag, as last read.
CREATE TABLE vinted_conversation_refs (
    id                     TEXT PRIMARY KEY NOT NULL
                           REFERENCES seller_conversations (id) ON DELETE CASCADE,
    seller_account_id      TEXT NOT NULL REFERENCES seller_accounts (id) ON DELETE CASCADE,
    vinted_conversation_id TEXT NOT NULL CHECK (length(vinted_conversation_id) BETWEEN 1 AND 40),
    transaction_id         TEXT CHECK (transaction_id IS NULL OR length(transaction_id) <= 40),
    -- The account's own Vinted user id, as the thread's read saw it.
    own_user_id            TEXT,
    inbox_updated_at       TEXT,
    read_updated_at        TEXT,
    vinted_unread          INTEGER NOT NULL DEFAULT 0 CHECK (vinted_unread IN (0, 1)),
    -- The range Vinted allows for an offer of the transaction (`seller_options`), in cents, as
    -- last read (a read finds a buyer's offer waiting, or a counter-offer is sent): the thread
    -- shows it beside the offer buttons.
    offer_min_cents        INTEGER CHECK (offer_min_cents IS NULL OR offer_min_cents >= 0),
    offer_max_cents        INTEGER CHECK (offer_max_cents IS NULL OR offer_max_cents >= 0),
    UNIQUE (seller_account_id, vinted_conversation_id)
) WITHOUT ROWID;

-- ---------------------------------------------------------------------------------------------
-- vinted_offer_refs: Vinted's `offer_request_id` of each offer row (accept and reject name it),
-- local for the same reasons.
CREATE TABLE vinted_offer_refs (
    id               TEXT PRIMARY KEY NOT NULL REFERENCES seller_offers (id) ON DELETE CASCADE,
    offer_request_id TEXT NOT NULL CHECK (length(offer_request_id) BETWEEN 1 AND 40),
    -- Vinted's raw status (10 pending, 20 accepted, 40 cancelled) and whether it is the current
    -- offer of the transaction.
    vinted_status    INTEGER,
    is_current       INTEGER NOT NULL DEFAULT 0 CHECK (is_current IN (0, 1))
) WITHOUT ROWID;

-- ---------------------------------------------------------------------------------------------
-- vinted_reply_templates: reusable replies ("Yes, still available", "Sent today"). Kept on this
-- device: adding a table to the synced set changes the sync server's schema and every device's
-- table list together (crates/sync-core/src/tables.rs), a step of its own; templates are a few
-- lines a person retypes in a minute.
CREATE TABLE vinted_reply_templates (
    id         TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    body       TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX idx_vinted_reply_templates_name ON vinted_reply_templates (name);

