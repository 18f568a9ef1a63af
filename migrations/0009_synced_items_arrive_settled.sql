-- 0009_synced_items_arrive_settled.sql: an item arriving from another device is written with the
-- quantity its movements give so far (0 when none came yet), and the trigger of 0008 then
-- rewrites it only when the movements or sales already here say otherwise. A first download of
-- 100,000 items no longer updates each one right after inserting it (and so runs the
-- summaries' update triggers once less per item).

DROP TRIGGER seller_products_synced_derived;
CREATE TRIGGER seller_products_synced_derived AFTER INSERT ON seller_products
WHEN EXISTS (SELECT 1 FROM sync_applying)
 AND (new.quantity IS NOT (SELECT s.quantity FROM seller_stock_from_movements s
                           WHERE s.product_id = new.id)
      OR new.last_sold_at IS NOT (
            SELECT max(o.created_at) FROM seller_order_bundle_items l
            CROSS JOIN seller_orders o ON o.id = l.order_id
            WHERE l.product_id = new.id AND o.order_type = 'sale' AND o.canceled_at IS NULL))
BEGIN
    UPDATE seller_products SET
        quantity = (SELECT s.quantity FROM seller_stock_from_movements s
                    WHERE s.product_id = new.id),
        last_sold_at = (
            SELECT max(o.created_at) FROM seller_order_bundle_items l
            CROSS JOIN seller_orders o ON o.id = l.order_id
            WHERE l.product_id = new.id AND o.order_type = 'sale' AND o.canceled_at IS NULL)
    WHERE id = new.id;
END;

-- Made again after it, as in 0007 and 0008: SQLite fires a table's triggers newest first.
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
