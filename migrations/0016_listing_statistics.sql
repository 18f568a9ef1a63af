-- 0016_listing_statistics.sql: placeholder being written in this change.
SELECT 1;
