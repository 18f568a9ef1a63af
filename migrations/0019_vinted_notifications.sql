-- 0019_vinted_notifications.sql: placeholder being written in this change.
SELECT 1;
