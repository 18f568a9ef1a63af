-- 0010_vinted_jobs.sql: what the Vinted automation keeps on this device (docs/VINTED.md "Pacing",
-- "What resellers most need" 2 and 3): each account's job queue, the audit log of every write
-- sent to Vinted, the pacing governor's settings and state, and Vinted's reference data.
-- These tables stay on the device that runs the account's browser session: they are not in the
-- sync engine's table list (crates/sync-core/src/tables.rs), so nothing captures or sends them.
-- Every one of them that refers to another row has an `id` primary key, because the sync
-- engine follows a remote delete of an account to its children by their `id`.
-- seller_listings (synced) gains the listing date and the time an import stopped finding it.
-- No BEGIN/COMMIT and no PRAGMA here: the migration runner wraps each file in a transaction.

-- ---------------------------------------------------------------------------------------------
-- vinted_jobs: one unit of work for one account (import the wardrobe, publish, edit a price…),
-- run one at a time per account; resumable from its checkpoint after a crash or a restart.
CREATE TABLE vinted_jobs (
    id                TEXT PRIMARY KEY NOT NULL,
    seller_account_id TEXT NOT NULL REFERENCES seller_accounts (id) ON DELETE CASCADE,
    kind              TEXT NOT NULL
                      CHECK (kind IN ('import_listings', 'publish', 'edit_price', 'hide', 'unhide',
                                      'delete', 'relist')),
    -- What to do, as JSON (listing ids, new price…).
    payload           TEXT NOT NULL CHECK (json_valid(payload)),
    state             TEXT NOT NULL DEFAULT 'queued'
                      CHECK (state IN ('queued', 'running', 'waiting', 'needs_attention', 'done',
                                       'failed', 'cancelled')),
    -- Where a resumed job goes on, as JSON (the next wardrobe page, the relist's step…).
    checkpoint        TEXT CHECK (checkpoint IS NULL OR json_valid(checkpoint)),
    progress_done     INTEGER NOT NULL DEFAULT 0 CHECK (progress_done >= 0),
    -- NULL while the total is not known yet.
    progress_total    INTEGER CHECK (progress_total IS NULL OR progress_total >= 0),
    -- A dry run sends no write to Vinted: it records what it would have sent.
    dry_run           INTEGER NOT NULL DEFAULT 0 CHECK (dry_run IN (0, 1)),
    -- Asked while running: the job stops at its next safe point.
    cancel_requested  INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
    -- A waiting job runs again from this time on (a 429's Retry-After, a cooldown).
    not_before        TEXT,
    attempts          INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    error_code        TEXT,
    error_message     TEXT,
    -- What the job did, as JSON (counts of listings read, created, marked gone…).
    result            TEXT CHECK (result IS NULL OR json_valid(result)),
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at       TEXT
);
-- The next runnable job of an account: its queued or waiting jobs, oldest first.
CREATE INDEX idx_vinted_jobs_account_state
    ON vinted_jobs (seller_account_id, state, created_at);
-- The jobs of an account, newest first.
CREATE INDEX idx_vinted_jobs_account_created ON vinted_jobs (seller_account_id, created_at);
-- Every account's jobs, newest first; the jobs left running by a crash.
CREATE INDEX idx_vinted_jobs_created ON vinted_jobs (created_at);
CREATE INDEX idx_vinted_jobs_state ON vinted_jobs (state);

-- ---------------------------------------------------------------------------------------------
-- vinted_audit_log: every write the app sent to Vinted, or refused to send, or only simulated.
-- Outlives the account and the job it came from (SET NULL), so the history stays.
CREATE TABLE vinted_audit_log (
    id                TEXT PRIMARY KEY NOT NULL,
    seller_account_id TEXT REFERENCES seller_accounts (id) ON DELETE SET NULL,
    job_id            TEXT REFERENCES vinted_jobs (id) ON DELETE SET NULL,
    -- The kind of the job that sent it (a relist counts against the relist caps).
    job_kind          TEXT
                      CHECK (job_kind IN ('import_listings', 'publish', 'edit_price', 'hide',
                                          'unhide', 'delete', 'relist')),
    at                TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    method            TEXT NOT NULL,
    -- Path and query only, never a token.
    path              TEXT NOT NULL,
    -- What was sent, as JSON, without any secret.
    summary           TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(summary)),
    http_status       INTEGER,
    -- sent: Vinted took it; refused: Vinted answered with a refusal (403, 429, a challenge);
    -- failed: it never reached Vinted; dry_run: simulated, nothing sent. Sent and refused
    -- writes count against the account's caps.
    outcome           TEXT NOT NULL CHECK (outcome IN ('sent', 'refused', 'failed', 'dry_run')),
    message           TEXT
);
CREATE INDEX idx_vinted_audit_log_account_at ON vinted_audit_log (seller_account_id, at);
CREATE INDEX idx_vinted_audit_log_at ON vinted_audit_log (at);
CREATE INDEX idx_vinted_audit_log_job_id ON vinted_audit_log (job_id);

-- ---------------------------------------------------------------------------------------------
-- vinted_pacing: one account's pacing governor: its settings (gaps in milliseconds, caps per
-- hour and day) and its state (cooldown, and why the account waits for the person). No row
-- means the defaults of docs/VINTED.md "Pacing" and no cooldown.
CREATE TABLE vinted_pacing (
    id                TEXT PRIMARY KEY NOT NULL,
    seller_account_id TEXT NOT NULL UNIQUE REFERENCES seller_accounts (id) ON DELETE CASCADE,
    read_gap_min_ms   INTEGER NOT NULL CHECK (read_gap_min_ms > 0),
    read_gap_max_ms   INTEGER NOT NULL CHECK (read_gap_max_ms >= read_gap_min_ms),
    write_gap_min_ms  INTEGER NOT NULL CHECK (write_gap_min_ms > 0),
    write_gap_max_ms  INTEGER NOT NULL CHECK (write_gap_max_ms >= write_gap_min_ms),
    writes_per_hour   INTEGER NOT NULL CHECK (writes_per_hour > 0),
    writes_per_day    INTEGER NOT NULL CHECK (writes_per_day > 0),
    relists_per_hour  INTEGER NOT NULL CHECK (relists_per_hour > 0),
    relists_per_day   INTEGER NOT NULL CHECK (relists_per_day > 0),
    -- No request before this time (after a 429 or a challenge).
    cooldown_until    TEXT,
    -- How many cooldowns in a row: each one lasts twice the last, up to a ceiling.
    cooldown_level    INTEGER NOT NULL DEFAULT 0 CHECK (cooldown_level >= 0),
    -- Why the account waits for the person; NULL when it does not.
    attention         TEXT CHECK (attention IN ('captcha', 'login_expired', 'restricted', 'blocked')),
    -- A restriction's end, when Vinted gives one.
    attention_until   TEXT,
    attention_message TEXT,
    updated_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- ---------------------------------------------------------------------------------------------
-- vinted_reference_cache: Vinted's reference data per domain (categories, brands, sizes…), as
-- last read, for the publishing form.
CREATE TABLE vinted_reference_cache (
    -- `www.vinted.fr`
    domain     TEXT NOT NULL,
    -- `catalogs`, `brands`, `size_groups`…
    kind       TEXT NOT NULL,
    -- What the request was for (a category id, a keyword); '' for the whole list.
    key        TEXT NOT NULL,
    body       TEXT NOT NULL CHECK (json_valid(body)),
    fetched_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (domain, kind, key)
) WITHOUT ROWID;

-- ---------------------------------------------------------------------------------------------
-- seller_listings: the listing's date on Vinted (its earliest photo's timestamp: the wardrobe
-- gives no other), and when an import stopped finding it (the row is kept, status 'deleted').
-- Both sync like the table's other columns: the capture triggers are made again from the
-- table's columns each time the database opens, and the sync server builds its typed tables
-- from these migrations.
ALTER TABLE seller_listings ADD COLUMN listed_at TEXT;
ALTER TABLE seller_listings ADD COLUMN gone_at TEXT;
