//! Writing a new order: the draft checked, each line resolved against the inventory, the money
//! priced, then the order, its lines, their stock movements and the first event written.

use rusqlite::Transaction;

use super::line::{Line, Stocked, stocked};
use super::pricing::{LineInput, OrderPricing, price_order};
use super::stock::{move_stock, restock};
use super::validate::{checked_order, truncate_chars};
use super::{OrderDraft, OrderItemDraft, OrderType, StockReason, add_event, order_write_error};
use crate::products::MAX_TITLE_CHARS;
use crate::{FieldError, FieldErrorCode, Result, StoreError, new_id, now_rfc3339};

/// Checks and writes one order, its lines, stock movements and first event inside the caller's
/// transaction (so a sync or an import of many orders commits as one); returns its id.
pub(crate) fn insert_order(
    tx: &Transaction<'_>,
    shop_id: &str,
    draft: OrderDraft,
) -> Result<String> {
    let mut draft = checked_order(draft).map_err(StoreError::Validation)?;
    check_seller_account(tx, shop_id, draft.seller_account_id.as_deref())?;
    let items = std::mem::take(&mut draft.items);
    // Every line is resolved before anything is written.
    let mut lines = resolve_lines(tx, shop_id, draft.order_type, items)?;
    let cost = apply_pricing(&draft, &mut lines);
    let id = new_id();
    let created_at = insert_order_row(tx, &id, &draft, &lines, cost)?;
    write_lines(tx, shop_id, &id, draft.order_type, &mut lines)?;
    add_event(tx, &id, &draft.status, &created_at)?;
    Ok(id)
}

/// An order may name one of the shop's Vinted accounts, not another shop's.
fn check_seller_account(tx: &Transaction<'_>, shop_id: &str, account: Option<&str>) -> Result<()> {
    let Some(account) = account else {
        return Ok(());
    };
    let known: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM seller_accounts WHERE id = ?1 AND shop_id = ?2)",
        [account, shop_id],
        |r| r.get(0),
    )?;
    if known {
        Ok(())
    } else {
        Err(StoreError::Validation(vec![FieldError::new(
            "sellerAccountId",
            FieldErrorCode::Invalid,
        )]))
    }
}

fn resolve_lines(
    tx: &Transaction<'_>,
    shop_id: &str,
    order_type: OrderType,
    items: Vec<OrderItemDraft>,
) -> Result<Vec<Line>> {
    items
        .into_iter()
        .enumerate()
        .map(|(n, item)| resolve_line(tx, shop_id, order_type, n, item))
        .collect()
}

/// Finds a line's item and checks the line can be booked: a sold SKU must exist with enough
/// stock; a purchase line creating an item must name it.
fn resolve_line(
    tx: &Transaction<'_>,
    shop_id: &str,
    order_type: OrderType,
    n: usize,
    item: OrderItemDraft,
) -> Result<Line> {
    let product = match &item.sku {
        Some(sku) => stocked(tx, shop_id, sku)?,
        None => None,
    };
    match order_type {
        OrderType::Purchase if product.is_none() && item.title.is_none() => {
            return Err(StoreError::Validation(vec![FieldError::new(
                &format!("items.{n}.title"),
                FieldErrorCode::Required,
            )]));
        }
        OrderType::Sale => {
            if let Some(sku) = &item.sku {
                check_sellable(sku, product.as_ref(), item.quantity)?;
            }
        }
        OrderType::Purchase => {}
    }
    let title = item
        .title
        .clone()
        .or_else(|| product.as_ref().map(|p| p.title.clone()))
        .unwrap_or_default();
    Ok(Line {
        draft: item,
        product,
        title,
        price: 0,
        unit_cost: 0,
    })
}

fn check_sellable(sku: &str, product: Option<&Stocked>, quantity: i64) -> Result<()> {
    match product {
        None => Err(StoreError::UnknownSku {
            sku: sku.to_owned(),
        }),
        Some(p) if p.quantity < quantity => Err(StoreError::InsufficientStock {
            sku: sku.to_owned(),
            available: p.quantity,
            requested: quantity,
        }),
        Some(_) => Ok(()),
    }
}

/// Fills each line's price and unit cost; returns the order's cost.
fn apply_pricing(draft: &OrderDraft, lines: &mut [Line]) -> i64 {
    let inputs: Vec<LineInput> = lines
        .iter()
        .map(|l| LineInput {
            quantity: l.draft.quantity,
            price_cents: l.draft.price_cents,
            list_price_cents: l.product.as_ref().map_or(0, |p| p.price),
            sale_unit_cost_cents: match &l.product {
                Some(p) => p.purchase_cost,
                None => l.draft.unit_cost_cents.unwrap_or(0),
            },
        })
        .collect();
    let OrderPricing {
        lines: priced,
        cost_cents,
    } = price_order(
        draft.order_type,
        draft.price_cents,
        draft.fees_total_cents,
        &inputs,
    );
    for (line, price) in lines.iter_mut().zip(priced) {
        line.price = price.price_cents;
        line.unit_cost = price.unit_cost_cents;
    }
    cost_cents
}

/// The draft's title, or the lines' titles joined (cut to the longest title allowed).
fn order_title(draft: &OrderDraft, lines: &[Line]) -> String {
    draft.title.clone().unwrap_or_else(|| {
        truncate_chars(
            &lines
                .iter()
                .map(|l| l.title.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            MAX_TITLE_CHARS,
        )
    })
}

/// Writes the `seller_orders` row; returns when the order happened.
fn insert_order_row(
    tx: &Transaction<'_>,
    id: &str,
    draft: &OrderDraft,
    lines: &[Line],
    cost: i64,
) -> Result<String> {
    let now = now_rfc3339();
    let created_at = draft.created_at.clone().unwrap_or_else(|| now.clone());
    let quantity: i64 = lines.iter().map(|l| l.draft.quantity).sum();
    // A single-line order shows its item's SKU and category; a bundle, none.
    let single = (lines.len() == 1).then(|| &lines[0]);
    let thumbnail = lines
        .iter()
        .find_map(|l| l.product.as_ref().and_then(|p| p.thumbnail.clone()));
    tx.execute(
        "INSERT INTO seller_orders (id, order_id, order_type, source, seller_account_id, title,
            sku, price, status, category, thumbnail_url, buyer_name, buyer_username, seller_name,
            seller_username, shipping_street, shipping_city, shipping_postal_code,
            shipping_country, fees_item_price, fees_shipping_fee, fees_service_fee, fees_total,
            processed, purchase_cost, quantity, tracking_number, tracking_carrier, tracking_url,
            is_bundle, payment_method, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
            ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33)",
        rusqlite::params![
            id,
            draft.order_id,
            draft.order_type,
            draft.source,
            draft.seller_account_id,
            order_title(draft, lines),
            single.and_then(|l| l.draft.sku.clone()),
            draft.price_cents,
            draft.status,
            single.and_then(|l| l.product.as_ref().and_then(|p| p.category.clone())),
            thumbnail,
            draft.buyer_name,
            draft.buyer_username,
            draft.seller_name,
            draft.seller_username,
            draft.shipping_street,
            draft.shipping_city,
            draft.shipping_postal_code,
            draft.shipping_country,
            draft.item_price_cents,
            draft.shipping_fee_cents,
            draft.service_fee_cents,
            draft.fees_total_cents,
            draft.processed,
            cost,
            quantity,
            draft.tracking.number,
            draft.tracking.carrier,
            draft.tracking.url,
            lines.len() > 1,
            draft.payment_method,
            created_at,
            now,
        ],
    )
    .map_err(order_write_error)?;
    Ok(created_at)
}

/// Moves each line's stock (a sale takes it out of its item; a purchase restocks its item,
/// creating it when new) and writes the line with what it snapshotted of the item.
fn write_lines(
    tx: &Transaction<'_>,
    shop_id: &str,
    order_id: &str,
    order_type: OrderType,
    lines: &mut [Line],
) -> Result<()> {
    for (position, line) in lines.iter_mut().enumerate() {
        let product_id = match order_type {
            OrderType::Sale => {
                if let Some(p) = &line.product {
                    move_stock(
                        tx,
                        &p.id,
                        Some(order_id),
                        -line.draft.quantity,
                        StockReason::Sale,
                    )?;
                }
                line.product.as_ref().map(|p| p.id.clone())
            }
            OrderType::Purchase => Some(restock(tx, shop_id, line, order_id)?),
        };
        insert_line_row(tx, order_id, position, line, product_id.as_deref())?;
    }
    Ok(())
}

fn insert_line_row(
    tx: &Transaction<'_>,
    order_id: &str,
    position: usize,
    line: &Line,
    product_id: Option<&str>,
) -> Result<()> {
    let p = line.product.as_ref();
    tx.execute(
        "INSERT INTO seller_order_bundle_items (id, order_id, title, sku, thumbnail_url,
            product_id, quantity, price, purchase_cost, category, brand, stocked_at, position)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        rusqlite::params![
            new_id(),
            order_id,
            line.title,
            line.draft.sku,
            p.and_then(|p| p.thumbnail.clone()),
            product_id,
            line.draft.quantity,
            line.price,
            line.unit_cost,
            p.and_then(|p| p.category.clone()),
            p.and_then(|p| p.brand.clone()),
            p.map(|p| p.created_at.clone()),
            position as i64,
        ],
    )?;
    Ok(())
}
