-- 0019_vinted_notifications.sql: Vinted's notifications and the favourites among them
-- (docs/VINTED.md "Read endpoints", Notifications; "What resellers most need" 8), the desktop
-- alerts they raise, and the opt-in, capped messages to people who favourited an item.
-- No BEGIN/COMMIT and no PRAGMA here: the migration runner wraps each file in a transaction.

-- seller_notifications and seller_favorites (synced) gain what Vinted says of each entry.
-- Synced tables only gain columns (docs/SYNC.md). A row's id is derived from the account and
-- Vinted's notification id (favourites: account, item, member), so a poll read again, on this
-- device or another, never makes a second row.
ALTER TABLE seller_notifications ADD COLUMN entry_type INTEGER;
-- Vinted's item id the notification is about (`subject_id`), when it names one.
ALTER TABLE seller_notifications ADD COLUMN item_id TEXT;
-- Vinted's id of the member it is about.
ALTER TABLE seller_notifications ADD COLUMN vinted_user_id TEXT;
ALTER TABLE seller_notifications ADD COLUMN link TEXT;
-- Vinted's id of the member who favourited the item.
ALTER TABLE seller_favorites ADD COLUMN vinted_user_id TEXT;

-- ---------------------------------------------------------------------------------------------
-- vinted_notification_alerts: new sales, messages and offers this device read, waiting for the
-- app to show them as desktop notifications (and to drop them). Not synced: a device alerts for
-- what it read itself.
CREATE TABLE vinted_notification_alerts (
    id                TEXT PRIMARY KEY NOT NULL REFERENCES seller_notifications (id) ON DELETE CASCADE,
    seller_account_id TEXT NOT NULL REFERENCES seller_accounts (id) ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN ('sale', 'message', 'offer')),
    title             TEXT NOT NULL,
    created_at        TEXT NOT NULL
) WITHOUT ROWID;

-- ---------------------------------------------------------------------------------------------
-- vinted_outreach_items: the items whose favouriters get a message or an offer, turned on by the
-- person after reading the warning about Vinted's rules (`rules_accepted_at`). Not synced: the
-- device that reads the notifications sends.
CREATE TABLE vinted_outreach_items (
    seller_account_id TEXT NOT NULL REFERENCES seller_accounts (id) ON DELETE CASCADE,
    -- Vinted item id.
    item_id           TEXT NOT NULL,
    enabled           INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    mode              TEXT NOT NULL CHECK (mode IN ('message', 'offer')),
    -- The message sent (with an offer, the message beside it).
    message           TEXT NOT NULL CHECK (length(message) BETWEEN 1 AND 2000),
    -- Cents; required for an offer.
    offer_price       INTEGER CHECK (offer_price IS NULL OR offer_price > 0),
    rules_accepted_at TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    PRIMARY KEY (seller_account_id, item_id),
    CHECK (mode = 'message' OR offer_price IS NOT NULL)
) WITHOUT ROWID;

-- ---------------------------------------------------------------------------------------------
-- vinted_outreach_sends: one row per (account, item, member) ever planned, so nobody gets two
-- messages about the same item; the caps count the rows of the last 24 hours. `queued` when
-- its job is planned, then `sent`, or `skipped` (a cap, the option turned off, the item gone)
-- or `dry_run`.
CREATE TABLE vinted_outreach_sends (
    id                TEXT PRIMARY KEY NOT NULL,
    seller_account_id TEXT NOT NULL REFERENCES seller_accounts (id) ON DELETE CASCADE,
    item_id           TEXT NOT NULL,
    vinted_user_id    TEXT NOT NULL,
    state             TEXT NOT NULL DEFAULT 'queued'
                      CHECK (state IN ('queued', 'sent', 'skipped', 'dry_run')),
    mode              TEXT NOT NULL CHECK (mode IN ('message', 'offer')),
    job_id            TEXT REFERENCES vinted_jobs (id) ON DELETE SET NULL,
    favorited_at      TEXT NOT NULL,
    due_at            TEXT NOT NULL,
    conversation_id   TEXT,
    reason            TEXT,
    sent_at           TEXT,
    created_at        TEXT NOT NULL,
    UNIQUE (seller_account_id, item_id, vinted_user_id)
);
CREATE INDEX idx_vinted_outreach_sends_account_due
    ON vinted_outreach_sends (seller_account_id, due_at);
