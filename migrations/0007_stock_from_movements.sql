-- 0007_stock_from_movements.sql: an item's quantity is the sum of its stock movements (never
-- below 0), kept by triggers, so stock changed on two devices while offline adds up when their
-- movements sync instead of one quantity overwriting the other (docs/SYNC.md). Quantities set
-- directly (an edit, an undo, a bulk change, a CSV import) become 'manual' movements of the
-- difference, so every writer keeps the rule without knowing it; the store writes an item's first
-- quantity as a movement itself.
--
-- While the sync engine applies another device's changes it holds a row in `sync_applying`
-- (inside its transaction, so no other connection ever sees it): a product arriving from
-- elsewhere brings no movement of its own, its movements sync by themselves. A table rather
-- than a function, so the triggers work on any connection.
CREATE TABLE sync_applying (
    applying INTEGER PRIMARY KEY CHECK (applying = 1)
);

-- A v7-style id (48-bit milliseconds, version 7, variant bits, random) for the movements these
-- triggers write.
CREATE VIEW seller_new_movement_id AS
SELECT lower(printf('%08x-%04x-7%03x-%04x-%012x',
    (CAST(unixepoch('subsec') * 1000 AS INTEGER) >> 16) & 4294967295,
    CAST(unixepoch('subsec') * 1000 AS INTEGER) & 65535,
    random() & 4095,
    32768 | (random() & 16383),
    random() & 281474976710655)) AS id;

-- The item's stock, as its movements say. Only a real change is written: an item whose quantity
-- already agrees (the movement its own creation wrote) fires no summary trigger twice.
CREATE VIEW seller_stock_from_movements AS
SELECT p.id AS product_id,
       max(0, (SELECT coalesce(sum(m.delta), 0) FROM seller_stock_movements m
               WHERE m.product_id = p.id)) AS quantity
FROM seller_products p;

CREATE TRIGGER seller_stock_movements_after_insert AFTER INSERT ON seller_stock_movements
BEGIN
    UPDATE seller_products SET quantity = (SELECT s.quantity FROM seller_stock_from_movements s
                                           WHERE s.product_id = seller_products.id)
    WHERE id = new.product_id AND quantity <> (SELECT s.quantity FROM seller_stock_from_movements s
                                               WHERE s.product_id = seller_products.id);
END;
CREATE TRIGGER seller_stock_movements_after_delete AFTER DELETE ON seller_stock_movements
BEGIN
    UPDATE seller_products SET quantity = (SELECT s.quantity FROM seller_stock_from_movements s
                                           WHERE s.product_id = seller_products.id)
    WHERE id = old.product_id AND quantity <> (SELECT s.quantity FROM seller_stock_from_movements s
                                               WHERE s.product_id = seller_products.id);
END;
CREATE TRIGGER seller_stock_movements_after_update
AFTER UPDATE OF delta, product_id ON seller_stock_movements
BEGIN
    UPDATE seller_products SET quantity = (SELECT s.quantity FROM seller_stock_from_movements s
                                           WHERE s.product_id = seller_products.id)
    WHERE id IN (old.product_id, new.product_id)
      AND quantity <> (SELECT s.quantity FROM seller_stock_from_movements s
                       WHERE s.product_id = seller_products.id);
END;

-- An item from another device: its quantity is the sum of the movements already here.
CREATE TRIGGER seller_products_synced_stock AFTER INSERT ON seller_products
WHEN EXISTS (SELECT 1 FROM sync_applying)
BEGIN
    UPDATE seller_products SET quantity = (SELECT s.quantity FROM seller_stock_from_movements s
                                           WHERE s.product_id = new.id)
    WHERE id = new.id AND quantity <> (SELECT s.quantity FROM seller_stock_from_movements s
                                       WHERE s.product_id = new.id);
END;
-- A quantity set directly: the difference is a movement.
CREATE TRIGGER seller_products_quantity_set AFTER UPDATE OF quantity ON seller_products
WHEN NOT EXISTS (SELECT 1 FROM sync_applying) AND new.quantity <> max(0, (SELECT coalesce(sum(delta), 0)
    FROM seller_stock_movements WHERE product_id = new.id))
BEGIN
    INSERT INTO seller_stock_movements (id, product_id, order_id, delta, reason, created_at)
    SELECT m.id, new.id, NULL,
           new.quantity - (SELECT coalesce(sum(delta), 0) FROM seller_stock_movements
                           WHERE product_id = new.id),
           'manual', strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    FROM seller_new_movement_id m;
END;

-- SQLite fires a table's triggers newest first. The summaries' insert triggers (0006) must count
-- an item as inserted before the triggers above correct its quantity (an update they then follow),
-- so they are made again, unchanged, after them.
DROP TRIGGER seller_inventory_totals_after_insert;
CREATE TRIGGER seller_inventory_totals_after_insert AFTER INSERT ON seller_products
BEGIN
    INSERT INTO seller_inventory_totals
    VALUES (new.shop_id, new.status, 1, new.quantity > 0, new.quantity,
            new.quantity * new.purchase_cost, new.quantity * new.price)
    ON CONFLICT DO UPDATE SET
        products = products + excluded.products, stocked = stocked + excluded.stocked,
        units = units + excluded.units, cost_value = cost_value + excluded.cost_value,
        price_value = price_value + excluded.price_value;
END;
DROP TRIGGER seller_stock_staleness_after_insert;
CREATE TRIGGER seller_stock_staleness_after_insert AFTER INSERT ON seller_products
WHEN new.quantity > 0 AND new.status <> 'archived'
BEGIN
    INSERT INTO seller_stock_staleness_daily
    VALUES (new.shop_id, substr(max(new.created_at, COALESCE(new.last_sold_at, '')), 1, 10), 1,
            new.quantity, new.quantity * new.purchase_cost, new.quantity * new.price)
    ON CONFLICT DO UPDATE SET
        items = items + 1, units = units + excluded.units,
        cost_value = cost_value + excluded.cost_value,
        price_value = price_value + excluded.price_value;
END;

-- Items whose quantity predates their movements: one 'manual' movement of the difference.
INSERT INTO seller_stock_movements (id, product_id, order_id, delta, reason, created_at)
SELECT (SELECT id FROM seller_new_movement_id), p.id, NULL,
       p.quantity - coalesce(m.total, 0), 'manual', p.created_at
FROM seller_products p
LEFT JOIN (SELECT product_id, sum(delta) AS total FROM seller_stock_movements
           GROUP BY product_id) m ON m.product_id = p.id
WHERE p.quantity <> coalesce(m.total, 0);
