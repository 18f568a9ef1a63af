-- 0017_vinted_orders.sql: placeholder being written in this change.
SELECT 1;
