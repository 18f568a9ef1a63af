-- 0004_orders_stock.sql: orders bookkeeping and the dashboard.
-- No BEGIN/COMMIT and no PRAGMA here: the migration runner wraps each file in a transaction.
--
-- Money model of seller_orders (cents), the same for every order, manual or from Vinted:
--   price              sale: the money the seller receives for the items (the revenue, what the
--                      receipts register records); purchase: what the seller pays the supplier
--                      for the items.
--   fees_shipping_fee  shipping borne by the seller (NULL/0 when the buyer pays it, as on Vinted).
--   fees_service_fee   platform, commission or payment fees borne by the seller (on a purchase
--                      from Vinted: the buyer-protection fee the reseller paid).
--   fees_total         the fees borne by the seller = fees_shipping_fee + fees_service_fee when
--                      either part is known (the store refuses a total that disagrees); the bare
--                      total when only that is known. NULL = none reported (counts as 0).
--   fees_item_price    the item price as the marketplace shows it (listed or offered price);
--                      informational, not a fee, never part of fees_total or profit.
--   purchase_cost      sale: cost of the goods sold = sum over its lines of quantity x the unit
--                      cost snapshotted at the sale; purchase: price + fees_total (what the goods
--                      cost, landed).
--   quantity           units in the order (sum of its lines).
-- Profit of a sale = price - purchase_cost - COALESCE(fees_total, 0). Purchases have no profit.
-- Counterparties: the client of a sale is buyer_name/buyer_username; the supplier of a purchase
-- is seller_name/seller_username. No extra column.
-- created_at of an order is when the sale or purchase happened (it may be back-dated on a
-- manual order); periods, the dashboard and the registers use it.

-- How the order was paid; NULL = unknown.
ALTER TABLE seller_orders ADD COLUMN payment_method TEXT
    CHECK (payment_method IS NULL OR payment_method IN
           ('vinted_wallet', 'card', 'paypal', 'cash', 'transfer', 'other'));
-- Set once when the order is canceled (its stock movements are then compensated); canceled
-- orders are left out of the dashboard and the registers.
ALTER TABLE seller_orders ADD COLUMN canceled_at TEXT;

-- Orders of a period, sorted by date (id breaks ties), when no type or account narrows the list.
CREATE INDEX idx_seller_orders_created_at_id ON seller_orders (created_at, id);
-- Dashboard and registers: covering indexes over the live (not canceled) orders of a period, all
-- accounts or one, so a year of sales is summed without reading the table. canceled_at is listed
-- (always NULL here, one byte) only so that SQLite sees the index as covering.
CREATE INDEX idx_seller_orders_books
    ON seller_orders (order_type, created_at, seller_account_id, price, fees_total,
                      purchase_cost, quantity, id, canceled_at)
    WHERE canceled_at IS NULL;
CREATE INDEX idx_seller_orders_account_books
    ON seller_orders (seller_account_id, order_type, created_at, price, fees_total,
                      purchase_cost, quantity, id, canceled_at)
    WHERE canceled_at IS NULL;

-- ---------------------------------------------------------------------------------------------
-- seller_order_bundle_items: the lines of an order (one line for a single item, several for a
-- bundle), linked to the inventory item they moved. Invariant kept by the store: every order
-- written by it has at least one line, and the line prices add up to the order's price.
-- The item; NULL for a line not linked to the inventory or once the item is deleted (the line
-- keeps its snapshots, so past profit and charts do not change).
ALTER TABLE seller_order_bundle_items ADD COLUMN product_id TEXT
    REFERENCES seller_products (id) ON DELETE SET NULL;
ALTER TABLE seller_order_bundle_items ADD COLUMN quantity INTEGER NOT NULL DEFAULT 1
    CHECK (quantity >= 1);
-- Cents: the line's share of the order's price, for all its units.
ALTER TABLE seller_order_bundle_items ADD COLUMN price INTEGER NOT NULL DEFAULT 0
    CHECK (price >= 0);
-- Cents per unit. Sale: the item's purchase cost at the time of the sale, so later cost edits do
-- not rewrite past profit. Purchase: the landed unit cost (line price + its share of the fees).
ALTER TABLE seller_order_bundle_items ADD COLUMN purchase_cost INTEGER NOT NULL DEFAULT 0
    CHECK (purchase_cost >= 0);
-- Snapshots of the item at the time of the order, for the charts by category and brand and the
-- time from stock entry to sale (the item's created_at).
ALTER TABLE seller_order_bundle_items ADD COLUMN category TEXT;
ALTER TABLE seller_order_bundle_items ADD COLUMN brand TEXT;
ALTER TABLE seller_order_bundle_items ADD COLUMN stocked_at TEXT;
-- Display order of the lines.
ALTER TABLE seller_order_bundle_items ADD COLUMN position INTEGER NOT NULL DEFAULT 0
    CHECK (position >= 0);

CREATE INDEX idx_seller_order_bundle_items_product_id ON seller_order_bundle_items (product_id);
-- Covering index for the dashboard's passes over the lines of a period's sales (breakdowns,
-- items sold since the dead-stock cut-off); it leads with order_id, so it replaces the plain
-- (order_id) index of 0002.
CREATE INDEX idx_seller_order_bundle_items_order_id_books
    ON seller_order_bundle_items (order_id, category, brand, quantity, price, stocked_at,
                                  product_id);
DROP INDEX idx_seller_order_bundle_items_order_id;

-- ---------------------------------------------------------------------------------------------
-- seller_stock_movements: every change of an item's stock made by the books. Stock is not
-- last-writer-wins (SYNC.md): changes are movements whose sum is the change of quantity, so two
-- devices' sales add up. seller_products.quantity is kept equal to the running total.
CREATE TABLE seller_stock_movements (
    id         TEXT PRIMARY KEY NOT NULL,
    product_id TEXT NOT NULL REFERENCES seller_products (id) ON DELETE CASCADE,
    -- The order that moved the stock; NULL for a manual correction or an import, or once the
    -- order is deleted (the movement, and so the stock, stays).
    order_id   TEXT REFERENCES seller_orders (id) ON DELETE SET NULL,
    -- Signed units: negative leaves the stock, positive enters it.
    delta      INTEGER NOT NULL CHECK (delta <> 0),
    reason     TEXT NOT NULL CHECK (reason IN
                   ('sale', 'sale_canceled', 'purchase', 'purchase_canceled', 'manual', 'import')),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX idx_seller_stock_movements_product_id_created_at
    ON seller_stock_movements (product_id, created_at);
CREATE INDEX idx_seller_stock_movements_order_id ON seller_stock_movements (order_id);

-- ---------------------------------------------------------------------------------------------
-- Stock value and dead stock: a covering index over the items still in stock.
CREATE INDEX idx_seller_products_in_stock
    ON seller_products (shop_id, created_at, status, quantity, purchase_cost, price, id)
    WHERE quantity > 0;
