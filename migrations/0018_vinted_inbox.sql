-- 0018_vinted_inbox.sql: placeholder being written in this change.
SELECT 1;
