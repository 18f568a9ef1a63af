-- 0008_synced_derived_columns.sql: `seller_products.last_sold_at` is derived from the order lines
-- (0006) and, like the quantity (0007), each device derives it rather than receiving it: the
-- sync engine does not send it. A sale's lines and its order may arrive from another device in
-- either order, so the date is also worked out when the order arrives after its lines, and when
-- an item arrives after them.

CREATE TRIGGER seller_products_last_sold_after_order_insert AFTER INSERT ON seller_orders
BEGIN
    UPDATE seller_products SET last_sold_at = (
        SELECT max(o.created_at) FROM seller_order_bundle_items l
        CROSS JOIN seller_orders o ON o.id = l.order_id
        WHERE l.product_id = seller_products.id AND o.order_type = 'sale'
          AND o.canceled_at IS NULL)
    WHERE id IN (SELECT product_id FROM seller_order_bundle_items WHERE order_id = new.id);
END;

-- An item from another device: its stock and last sale, from what is already here.
DROP TRIGGER seller_products_synced_stock;
CREATE TRIGGER seller_products_synced_derived AFTER INSERT ON seller_products
WHEN EXISTS (SELECT 1 FROM sync_applying)
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

-- SQLite fires a table's triggers newest first: the summaries' insert triggers must count the
-- item as inserted before the trigger above corrects it (0007 explains), so they are made again.
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
