-- A relist is one write of several (the copy's publish, then the old listing's hide and
-- delete); only the copy's publish counts against the relist caps. The audit log says which
-- write that was, rather than counting every write of a relist job.
ALTER TABLE vinted_audit_log
    ADD COLUMN is_relist INTEGER NOT NULL DEFAULT 0 CHECK (is_relist IN (0, 1));
