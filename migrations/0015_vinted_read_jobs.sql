-- 0015_vinted_read_jobs.sql: the job queue learns the reads and answers of docs/VINTED.md
-- "What resellers most need" 6 to 10: listing statistics, orders and their labels, the inbox,
-- replies and offers, notifications, and messages to people who favourited an item.
-- SQLite cannot change a CHECK in place: `vinted_jobs` and `vinted_audit_log` (whose `job_kind`
-- has the same list, and whose `job_id` refers to a job) are made again with the longer list and
-- their rows copied. The log is copied before the old queue is dropped, so dropping the queue
-- nulls nobody's `job_id`; renaming the new queue rewrites the log's reference to it.
-- Each column means what it meant in 0010, 0011 and 0013.
-- No BEGIN/COMMIT and no PRAGMA here: the migration runner wraps each file in a transaction.

CREATE TABLE vinted_jobs_next (
    id                TEXT PRIMARY KEY NOT NULL,
    seller_account_id TEXT NOT NULL REFERENCES seller_accounts (id) ON DELETE CASCADE,
    kind              TEXT NOT NULL
                      CHECK (kind IN ('import_listings', 'publish', 'edit_price', 'hide', 'unhide',
                                      'delete', 'relist', 'read_statistics', 'import_orders',
                                      'download_labels', 'import_inbox', 'send_reply',
                                      'answer_offer', 'read_notifications',
                                      'message_favoriter')),
    payload           TEXT NOT NULL CHECK (json_valid(payload)),
    state             TEXT NOT NULL DEFAULT 'queued'
                      CHECK (state IN ('queued', 'running', 'waiting', 'needs_attention', 'done',
                                       'failed', 'cancelled')),
    checkpoint        TEXT CHECK (checkpoint IS NULL OR json_valid(checkpoint)),
    progress_done     INTEGER NOT NULL DEFAULT 0 CHECK (progress_done >= 0),
    progress_total    INTEGER CHECK (progress_total IS NULL OR progress_total >= 0),
    dry_run           INTEGER NOT NULL DEFAULT 0 CHECK (dry_run IN (0, 1)),
    cancel_requested  INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
    not_before        TEXT,
    attempts          INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    error_code        TEXT,
    error_message     TEXT,
    result            TEXT CHECK (result IS NULL OR json_valid(result)),
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at       TEXT,
    failures          INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0)
);
INSERT INTO vinted_jobs_next (id, seller_account_id, kind, payload, state, checkpoint,
                              progress_done, progress_total, dry_run, cancel_requested,
                              not_before, attempts, error_code, error_message, result,
                              created_at, updated_at, finished_at, failures)
SELECT id, seller_account_id, kind, payload, state, checkpoint, progress_done, progress_total,
       dry_run, cancel_requested, not_before, attempts, error_code, error_message, result,
       created_at, updated_at, finished_at, failures
FROM vinted_jobs;

CREATE TABLE vinted_audit_log_next (
    id                TEXT PRIMARY KEY NOT NULL,
    seller_account_id TEXT REFERENCES seller_accounts (id) ON DELETE SET NULL,
    job_id            TEXT REFERENCES vinted_jobs_next (id) ON DELETE SET NULL,
    job_kind          TEXT
                      CHECK (job_kind IN ('import_listings', 'publish', 'edit_price', 'hide',
                                          'unhide', 'delete', 'relist', 'read_statistics',
                                          'import_orders', 'download_labels', 'import_inbox',
                                          'send_reply', 'answer_offer', 'read_notifications',
                                          'message_favoriter')),
    at                TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    method            TEXT NOT NULL,
    path              TEXT NOT NULL,
    summary           TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(summary)),
    http_status       INTEGER,
    outcome           TEXT NOT NULL CHECK (outcome IN ('sent', 'refused', 'failed', 'dry_run')),
    message           TEXT,
    is_relist         INTEGER NOT NULL DEFAULT 0 CHECK (is_relist IN (0, 1))
);
INSERT INTO vinted_audit_log_next (id, seller_account_id, job_id, job_kind, at, method, path,
                                   summary, http_status, outcome, message, is_relist)
SELECT id, seller_account_id, job_id, job_kind, at, method, path, summary, http_status, outcome,
       message, is_relist
FROM vinted_audit_log;

DROP TABLE vinted_audit_log;
DROP TABLE vinted_jobs;
ALTER TABLE vinted_jobs_next RENAME TO vinted_jobs;
ALTER TABLE vinted_audit_log_next RENAME TO vinted_audit_log;

CREATE INDEX idx_vinted_jobs_account_state
    ON vinted_jobs (seller_account_id, state, created_at);
CREATE INDEX idx_vinted_jobs_account_created ON vinted_jobs (seller_account_id, created_at);
CREATE INDEX idx_vinted_jobs_created ON vinted_jobs (created_at);
CREATE INDEX idx_vinted_jobs_state ON vinted_jobs (state);
CREATE INDEX idx_vinted_audit_log_account_at ON vinted_audit_log (seller_account_id, at);
CREATE INDEX idx_vinted_audit_log_at ON vinted_audit_log (at);
CREATE INDEX idx_vinted_audit_log_job_id ON vinted_audit_log (job_id);
