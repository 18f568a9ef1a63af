-- 0013_vinted_job_failures.sql: how many turns of a Vinted job ended in a transient failure (a
-- server error, a dropped connection, no answer): the queue tries a job again a few times, each
-- wait longer, then fails it with a clear code instead of trying forever. A wait the pacing
-- governor decides (a cap, a cooldown, Retry-After) is no failure and is not counted.
-- No BEGIN/COMMIT and no PRAGMA here: the migration runner wraps each file in a transaction.
ALTER TABLE vinted_jobs ADD COLUMN failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0);
