//! Bulk actions on a selection of the inventory (status, price, category, brand, delete), each
//! in one transaction and each undoable until something else is written (see [`crate::undo`]),
//! and duplicating a product.

use rusqlite::params_from_iter;
use serde::{Deserialize, Serialize};

use super::{
    MAX_MONEY_CENTS, MAX_SHORT_TEXT_CHARS, Product, ProductDraft, ProductQuery, ProductStatus,
};
use crate::undo::{self, Recorder};
use crate::{FieldError, FieldErrorCode, Result, Store, StoreError, StoreTx, now_rfc3339};

/// Which products a bulk action applies to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ProductSelection {
    /// The products the user ticked.
    Ids { ids: Vec<String> },
    /// Every product the query's search and filters match ("select all").
    Matching { query: Box<ProductQuery> },
}

/// What a bulk action does to each selected product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum BulkChange {
    SetStatus {
        status: ProductStatus,
    },
    /// Adds (or, negative, takes off) an amount to each price.
    AddToPrice {
        cents: i64,
    },
    /// Changes each price by a percentage, in basis points (−1 500 = −15 %), rounded to the cent.
    ChangePriceByPercent {
        #[serde(rename = "basisPoints")]
        basis_points: i64,
    },
    /// `None` or blank clears it.
    SetCategory {
        category: Option<String>,
    },
    SetBrand {
        brand: Option<String>,
    },
    Delete,
}

/// What a bulk action (or its undo) did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BulkOutcome {
    pub affected: u32,
}

impl Store {
    /// Applies `change` to every selected product of the shop, all or nothing, and keeps what
    /// is needed to undo it.
    pub fn bulk_update(
        &mut self,
        selection: &ProductSelection,
        change: &BulkChange,
    ) -> Result<BulkOutcome> {
        check_change(change).map_err(StoreError::Validation)?;
        let ids = match selection {
            ProductSelection::Ids { ids } => ids.clone(),
            ProductSelection::Matching { query } => self.matching_product_ids(query)?,
        };
        self.undo = None;
        let shop = self.shop_id().to_owned();
        let tx = self.conn.transaction()?;
        let mut recorder = Recorder::new(&tx, &ids)?;
        // Only the shop's own products; unknown ids are ignored.
        let selected = "id IN (SELECT id FROM undo.selection) AND shop_id = ?1";
        if let BulkChange::Delete = change {
            recorder.before_delete("seller_products")?;
        } else {
            recorder.before_update("seller_products")?;
        }
        let now = now_rfc3339();
        let affected = match change {
            BulkChange::Delete => tx.execute(
                &format!("DELETE FROM seller_products WHERE {selected}"),
                [&shop],
            )?,
            BulkChange::SetStatus { status } => tx.execute(
                &format!(
                    "UPDATE seller_products SET status = ?2, updated_at = ?3 WHERE {selected}"
                ),
                (&shop, status, &now),
            )?,
            BulkChange::SetCategory { category } => tx.execute(
                &format!(
                    "UPDATE seller_products SET category = ?2, updated_at = ?3 WHERE {selected}"
                ),
                (&shop, blank_to_none(category), &now),
            )?,
            BulkChange::SetBrand { brand } => tx.execute(
                &format!("UPDATE seller_products SET brand = ?2, updated_at = ?3 WHERE {selected}"),
                (&shop, blank_to_none(brand), &now),
            )?,
            BulkChange::AddToPrice { cents } => {
                let new_price = "price + ?2";
                refuse_out_of_range_prices(&tx, selected, new_price, &shop, *cents)?;
                update_prices(&tx, selected, new_price, &shop, *cents, &now)?
            }
            BulkChange::ChangePriceByPercent { basis_points } => {
                // Rounded half away from zero; prices are never negative.
                let new_price = "(price * (10000 + ?2) + 5000) / 10000";
                refuse_out_of_range_prices(&tx, selected, new_price, &shop, *basis_points)?;
                update_prices(&tx, selected, new_price, &shop, *basis_points, &now)?
            }
        };
        let journal = recorder.finish();
        tx.commit()?;
        self.undo = Some(journal.committed(&self.conn));
        tracing::info!(affected, ?change, "bulk action applied");
        Ok(BulkOutcome {
            affected: affected as u32,
        })
    }

    /// Whether [`Store::undo_bulk_action`] can run now.
    pub fn can_undo_bulk_action(&self) -> bool {
        self.undo
            .as_ref()
            .is_some_and(|journal| journal.is_current(&self.conn))
    }

    /// Puts back what the last bulk action changed or deleted.
    pub fn undo_bulk_action(&mut self) -> Result<BulkOutcome> {
        let journal = self.undo.take().ok_or(StoreError::NothingToUndo)?;
        if !journal.is_current(&self.conn) {
            undo::drop_copies(&self.conn)?;
            return Err(StoreError::UndoOutdated);
        }
        let tx = self.conn.transaction()?;
        let before = tx.total_changes();
        journal.restore(&tx)?;
        let restored: u32 =
            tx.query_row("SELECT count(*) FROM undo.selection", [], |r| r.get(0))?;
        tx.commit()?;
        undo::drop_copies(&self.conn)?;
        tracing::info!(
            restored,
            rows = self.conn.total_changes() - before,
            "bulk action undone"
        );
        Ok(BulkOutcome { affected: restored })
    }

    /// See [`StoreTx::duplicate_product`].
    pub fn duplicate_product(&mut self, id: &str) -> Result<Product> {
        self.write(|tx| tx.duplicate_product(id))
    }
}

impl StoreTx<'_> {
    /// A copy of a product as a new draft with a new SKU (same photos, tags and stock), for
    /// listing a similar item quickly.
    pub fn duplicate_product(&mut self, id: &str) -> Result<Product> {
        let p = self.product(id)?;
        self.create_product(ProductDraft {
            sku: None,
            title: p.title,
            description: p.description,
            category: p.category,
            brand: p.brand,
            condition: p.condition,
            size: p.size,
            price_cents: p.price_cents,
            purchase_cost_cents: p.purchase_cost_cents,
            quantity: p.quantity,
            package_size: p.package_size,
            status: ProductStatus::Draft,
            internal_notes: p.internal_notes,
            materials: p.materials,
            colors: p.colors,
            photos: p.photos,
        })
    }
}

fn check_change(change: &BulkChange) -> std::result::Result<(), Vec<FieldError>> {
    let error = |field: &str, code| Err(vec![FieldError::new(field, code)]);
    match change {
        BulkChange::AddToPrice { cents } if cents.abs() > MAX_MONEY_CENTS => {
            error("cents", FieldErrorCode::TooLarge)
        }
        BulkChange::ChangePriceByPercent { basis_points } if *basis_points < -10_000 => {
            error("basisPoints", FieldErrorCode::Negative)
        }
        BulkChange::ChangePriceByPercent { basis_points } if *basis_points > 1_000_000 => {
            error("basisPoints", FieldErrorCode::TooLarge)
        }
        BulkChange::SetCategory {
            category: Some(text),
        }
        | BulkChange::SetBrand { brand: Some(text) }
            if text.trim().chars().count() > MAX_SHORT_TEXT_CHARS =>
        {
            let field = if matches!(change, BulkChange::SetCategory { .. }) {
                "category"
            } else {
                "brand"
            };
            error(field, FieldErrorCode::TooLong)
        }
        _ => Ok(()),
    }
}

/// Refuses the whole action when one price would leave the allowed range, rather than
/// clamping it silently.
fn refuse_out_of_range_prices(
    tx: &rusqlite::Transaction<'_>,
    selected: &str,
    new_price: &str,
    shop: &str,
    amount: i64,
) -> Result<()> {
    let (below, above): (i64, i64) = tx.query_row(
        &format!(
            "SELECT COALESCE(SUM({new_price} < 0), 0), COALESCE(SUM({new_price} > ?3), 0)
             FROM seller_products WHERE {selected}"
        ),
        params_from_iter([
            rusqlite::types::Value::from(shop.to_owned()),
            amount.into(),
            MAX_MONEY_CENTS.into(),
        ]),
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let code = if below > 0 {
        FieldErrorCode::Negative
    } else if above > 0 {
        FieldErrorCode::TooLarge
    } else {
        return Ok(());
    };
    Err(StoreError::Validation(vec![FieldError::new(
        "priceCents",
        code,
    )]))
}

fn update_prices(
    tx: &rusqlite::Transaction<'_>,
    selected: &str,
    new_price: &str,
    shop: &str,
    amount: i64,
    now: &str,
) -> Result<usize> {
    Ok(tx.execute(
        &format!(
            "UPDATE seller_products
             SET last_price = CASE WHEN {new_price} <> price THEN price ELSE last_price END,
                 price = {new_price}, updated_at = ?3
             WHERE {selected}"
        ),
        (shop, amount, now),
    )?)
}

fn blank_to_none(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}
