-- 0017_vinted_orders.sql: what an order read from Vinted brings beside its seller_orders row.
-- No BEGIN/COMMIT and no PRAGMA here: the migration runner wraps each file in a transaction.
--
-- The order itself (sale or purchase, counterparty, shipping city and country, fees, tracking,
-- bundle flag, lines, timeline, stock movements) lives in the synced tables of 0002/0004, under
-- ids derived from (account, Vinted transaction id) so two devices importing the same orders
-- make the same rows (docs/SYNC.md, "Orders read from Vinted"). The net payout reaches the
-- synced row as its fees (price − net payout = the seller's fees, so profit = net payout − cost
-- on every device).
--
-- This table is not synced (not in crates/sync-core/src/tables.rs), for three reasons: the label
-- file it names exists on this device only; everything else in it is Vinted's own data that any
-- device with the account's session reads again (and the next import there fills it); and a new
-- synced table would make every device pull every scope again for figures the synced row
-- already carries. One row per order, keyed by the order's row (no id of its own: a row deleted
-- by sync takes this one with it, by the ON DELETE rule).
CREATE TABLE vinted_order_details (
    order_id              TEXT PRIMARY KEY NOT NULL REFERENCES seller_orders (id) ON DELETE CASCADE,
    seller_account_id     TEXT NOT NULL REFERENCES seller_accounts (id) ON DELETE CASCADE,
    -- Vinted's ids, as text: the transaction (also seller_orders.order_id), the conversation
    -- (what the wallet's invoice lines name) and the shipment (what the label is asked with).
    transaction_id        TEXT NOT NULL,
    conversation_id       TEXT,
    shipment_id           TEXT,
    -- The my_orders row's status as Vinted wrote it (localised text) and the numbers of the
    -- transaction and its shipment when last read: an order whose text has not changed and
    -- that is finished is not read again.
    row_status            TEXT,
    transaction_status    INTEGER,
    shipment_status       INTEGER,
    currency              TEXT,
    -- Cents, what the buyer paid on top of the price (a sale) or what the reseller paid (a
    -- purchase): Vinted's buyer protection and the postage.
    buyer_protection_fee  INTEGER CHECK (buyer_protection_fee IS NULL OR buyer_protection_fee >= 0),
    shipping_price        INTEGER CHECK (shipping_price IS NULL OR shipping_price >= 0),
    -- Cents the wallet's invoice lines credited for the order's conversation; NULL until seen.
    net_payout            INTEGER,
    -- The last day to hand the parcel over (a sale not shipped yet): Vinted's 5 working days
    -- after the payment.
    ship_by               TEXT,
    -- The label's file, relative to the data folder, once downloaded.
    label_path            TEXT,
    label_downloaded_at   TEXT,
    -- Why the last try to download the label failed (a short code such as not_found or
    -- endpoint_moved) and when, so the Orders area says which orders have no label and why
    -- instead of asking again in a loop; cleared when a label is saved.
    label_error           TEXT,
    label_error_at        TEXT,
    -- The transaction as Vinted first sent it, then merged with every later read (a key Vinted
    -- stops sending keeps its last value): Vinted removes some details after a few weeks.
    snapshot_json         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(snapshot_json)),
    -- 1 when Vinted answered the transaction 404 at the last read: the order was written from
    -- its my_orders row and is not asked for again until that row's status text changes.
    details_gone          INTEGER NOT NULL DEFAULT 0 CHECK (details_gone IN (0, 1)),
    first_seen_at         TEXT NOT NULL,
    last_read_at          TEXT NOT NULL,
    UNIQUE (seller_account_id, transaction_id)
) WITHOUT ROWID;
CREATE INDEX idx_vinted_order_details_conversation
    ON vinted_order_details (seller_account_id, conversation_id);
CREATE INDEX idx_vinted_order_details_ship_by ON vinted_order_details (ship_by)
    WHERE ship_by IS NOT NULL;

-- What the wallet's invoice of one month credited (or took back, negative) for one conversation,
-- in cents, all pages of that month added up. A sale is credited in the month it is delivered
-- or completed, and a refund or correction may come in a later month, so the net payout of a
-- sale is the sum of its conversation's parts over every month; keeping each month's part lets
-- a month read again replace its own part without counting it twice. Not synced, for the same
-- reasons as the table above (the synced order carries the result, as its fees).
CREATE TABLE vinted_payout_parts (
    seller_account_id  TEXT NOT NULL REFERENCES seller_accounts (id) ON DELETE CASCADE,
    conversation_id    TEXT NOT NULL,
    year               INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 9999),
    month              INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
    cents              INTEGER NOT NULL,
    PRIMARY KEY (seller_account_id, conversation_id, year, month)
) WITHOUT ROWID;
