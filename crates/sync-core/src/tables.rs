//! Which tables sync, and which scope (shop) each row belongs to.
//!
//! A scope is what a token may read and write: a shop (its id), the reference data every seller
//! reads but only an admin writes ([`REFERENCE_SCOPE`]), a user's own row (`user:<id>`), or the
//! admin's rows that belong to no shop ([`ADMIN_SCOPE`]). A row's scope is fixed when the server
//! first sees it; a later change that would put it in another scope is refused.
//!
//! Not synced: the app's own settings and the summaries triggers keep (each device recomputes
//! them from the synced rows).

use crate::protocol::REFERENCE_SCOPE;

/// The scope of rows an admin creates outside any shop.
pub const ADMIN_SCOPE: &str = "admin";

/// The scope of a user's own row.
pub fn user_scope(user_id: &str) -> String {
    format!("user:{user_id}")
}

/// How a row's scope follows from its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scoping {
    /// Read-only reference data: plans, categories, attributes, pages, coupons.
    Reference,
    /// The row is a shop: its own id is the scope.
    Shop,
    /// The scope is the shop named by this column.
    ShopColumn(&'static str),
    /// The scope is the parent's, named by this column; when it is NULL, the pusher's home.
    Parent {
        column: &'static str,
        table: &'static str,
    },
    /// A row linked to no shop (a buyer, an order, a cart): the pusher's home scope.
    Home,
}

#[derive(Debug, Clone, Copy)]
pub struct SyncedTable {
    pub name: &'static str,
    pub scoping: Scoping,
    /// Columns that never leave the device or the server they were written on (`users.password`
    /// stays on the server), or that each side derives itself (`seller_products.quantity` is the
    /// sum of the product's stock movements, `last_sold_at` the date of its last sale: their
    /// movements and orders sync).
    pub unsynced_columns: &'static [&'static str],
    /// What a derived column holds when a row arrives from elsewhere, before its own triggers
    /// work it out from what is already here (a new item's stock: no movement yet, 0).
    pub arrival_values: &'static [(&'static str, i64)],
}

const fn table(name: &'static str, scoping: Scoping) -> SyncedTable {
    SyncedTable {
        name,
        scoping,
        unsynced_columns: &[],
        arrival_values: &[],
    }
}

const fn child(name: &'static str, column: &'static str, parent: &'static str) -> SyncedTable {
    table(
        name,
        Scoping::Parent {
            column,
            table: parent,
        },
    )
}

use Scoping::{Home, Reference, Shop, ShopColumn};

/// Every synced table, parents before children.
pub const SYNCED_TABLES: &[SyncedTable] = &[
    SyncedTable {
        name: "users",
        scoping: Home,
        unsynced_columns: &["password"],
        arrival_values: &[],
    },
    table("shops", Shop),
    table("plans", Reference),
    table("subscriptions", ShopColumn("shop_id")),
    table("categories", Reference),
    table("attributes", Reference),
    table("attribute_values", Reference),
    table("coupons", Reference),
    table("pages", Reference),
    table("products", ShopColumn("shop_id")),
    child("product_variants", "product_id", "products"),
    child("product_images", "product_id", "products"),
    child("product_attribute_values", "product_id", "products"),
    child("reviews", "product_id", "products"),
    table("carts", Home),
    child("cart_items", "cart_id", "carts"),
    table("orders", Home),
    child("order_items", "order_id", "orders"),
    child("shipments", "order_id", "orders"),
    child("payments", "order_id", "orders"),
    child("disputes", "order_id", "orders"),
    table("conversations", ShopColumn("shop_id")),
    child("messages", "conversation_id", "conversations"),
    table("notifications", Home),
    table("seller_accounts", ShopColumn("shop_id")),
    SyncedTable {
        name: "seller_products",
        scoping: ShopColumn("shop_id"),
        unsynced_columns: &["quantity", "last_sold_at"],
        arrival_values: &[("quantity", 0)],
    },
    child("seller_product_photos", "product_id", "seller_products"),
    child("seller_product_materials", "product_id", "seller_products"),
    child("seller_product_colors", "product_id", "seller_products"),
    child(
        "seller_product_publish_attempts",
        "product_id",
        "seller_products",
    ),
    child("seller_stock_movements", "product_id", "seller_products"),
    child("seller_listings", "seller_account_id", "seller_accounts"),
    child(
        "seller_published_listings",
        "seller_account_id",
        "seller_accounts",
    ),
    child(
        "seller_published_listing_photos",
        "published_listing_id",
        "seller_published_listings",
    ),
    child(
        "seller_listing_analytics",
        "published_listing_id",
        "seller_published_listings",
    ),
    child(
        "seller_listing_analytics_history",
        "published_listing_id",
        "seller_published_listings",
    ),
    child(
        "seller_listing_insights",
        "published_listing_id",
        "seller_published_listings",
    ),
    child("seller_orders", "seller_account_id", "seller_accounts"),
    child("seller_order_timelines", "order_id", "seller_orders"),
    child("seller_order_bundle_items", "order_id", "seller_orders"),
    child(
        "seller_conversations",
        "seller_account_id",
        "seller_accounts",
    ),
    child("seller_messages", "conversation_id", "seller_conversations"),
    child("seller_offers", "conversation_id", "seller_conversations"),
    child(
        "seller_system_events",
        "conversation_id",
        "seller_conversations",
    ),
    child(
        "seller_notifications",
        "seller_account_id",
        "seller_accounts",
    ),
    child("seller_favorites", "seller_account_id", "seller_accounts"),
];

pub fn synced_table(name: &str) -> Option<&'static SyncedTable> {
    SYNCED_TABLES.iter().find(|t| t.name == name)
}

/// The table's place in [`SYNCED_TABLES`] (parents first); unknown tables last.
pub fn rank(table: &str) -> usize {
    SYNCED_TABLES
        .iter()
        .position(|t| t.name == table)
        .unwrap_or(usize::MAX)
}

/// Whether `column` of `table` travels between devices and the server.
pub fn column_syncs(table: &SyncedTable, column: &str) -> bool {
    !table.unsynced_columns.contains(&column)
}

/// Whether `scope` holds reference data.
pub fn is_reference(scope: &str) -> bool {
    scope == REFERENCE_SCOPE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parent_is_synced_and_listed_before_its_children() {
        for (i, t) in SYNCED_TABLES.iter().enumerate() {
            if let Scoping::Parent { table, .. } = t.scoping {
                let parent = SYNCED_TABLES.iter().position(|p| p.name == table);
                assert!(parent.is_some_and(|p| p < i), "{} before {}", table, t.name);
            }
        }
    }
}
