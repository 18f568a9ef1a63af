//! Writing orders, sales and purchases, as a CSV for a spreadsheet: one row per order, canceled
//! ones included (and marked), with the same separators, decimals and quoting as the inventory
//! export.

use std::io::Write;

use super::format_date;
use super::values::{format_money, guard_formula};
use super::{CsvError, CsvExportOptions, CsvLanguage, csv_writer};
use crate::Store;
use crate::orders::order_reference;
use crate::orders::{OrderQuery, OrderType};
use crate::products::MAX_PAGE_SIZE;

/// The header row of an orders export.
fn orders_headers(language: CsvLanguage) -> [&'static str; 11] {
    match language {
        CsvLanguage::Fr => [
            "Type",
            "Date",
            "Référence",
            "Client / Fournisseur",
            "Titre",
            "Prix",
            "Frais",
            "Coût",
            "Bénéfice",
            "Statut",
            "Annulée",
        ],
        CsvLanguage::En => [
            "Type",
            "Date",
            "Reference",
            "Client / Supplier",
            "Title",
            "Price",
            "Fees",
            "Cost",
            "Profit",
            "Status",
            "Canceled",
        ],
    }
}

impl Store {
    /// Writes every order `query` matches (its filters and its order; its paging is ignored) to
    /// `out`, one row per order: type, date, reference (Vinted's order id, else the order's own
    /// short reference), client of a sale or supplier of a purchase, title, price, fees, cost,
    /// profit (sales only), status and whether it is canceled. Read page by page inside one read
    /// transaction, so the file is one consistent snapshot. Returns the number of orders written.
    pub fn export_orders_csv<W: Write>(
        &self,
        query: &OrderQuery,
        language: CsvLanguage,
        out: W,
    ) -> Result<u32, CsvError> {
        let options = CsvExportOptions::for_language(language);
        let mut writer = csv_writer(&options, out)?;
        writer.write_record(orders_headers(language)).map_err(io)?;
        let money = |cents: i64| format_money(cents, options.decimal);
        let fr = language == CsvLanguage::Fr;

        let snapshot = self.conn.unchecked_transaction()?;
        let mut usernames = self.conn.prepare_cached(
            "SELECT buyer_username, seller_username FROM seller_orders WHERE id = ?1",
        )?;
        let mut page = query.clone();
        page.limit = MAX_PAGE_SIZE;
        page.offset = 0;
        let mut written = 0u32;
        loop {
            let items = self.list_orders(&page)?.items;
            for order in &items {
                let (buyer_username, seller_username): (Option<String>, Option<String>) =
                    usernames.query_row([&order.id], |r| Ok((r.get(0)?, r.get(1)?)))?;
                let is_sale = order.order_type == OrderType::Sale;
                let (name, username) = if is_sale {
                    (&order.buyer_name, buyer_username)
                } else {
                    (&order.seller_name, seller_username)
                };
                let counterparty = name
                    .clone()
                    .filter(|n| !n.trim().is_empty())
                    .or(username)
                    .unwrap_or_default();
                let kind = match (is_sale, fr) {
                    (true, true) => "Vente",
                    (false, true) => "Achat",
                    (true, false) => "Sale",
                    (false, false) => "Purchase",
                };
                let canceled = match (order.canceled_at.is_some(), fr) {
                    (true, true) => "Oui",
                    (false, true) => "Non",
                    (true, false) => "Yes",
                    (false, false) => "No",
                };
                let record = [
                    kind.to_owned(),
                    format_date(&order.created_at, language),
                    guard_formula(&order_reference(&order.id, order.order_id.as_deref()))
                        .into_owned(),
                    guard_formula(&counterparty).into_owned(),
                    guard_formula(&order.title).into_owned(),
                    money(order.price_cents),
                    money(order.fees_total_cents.unwrap_or(0)),
                    money(order.cost_cents),
                    order.profit_cents.map(money).unwrap_or_default(),
                    guard_formula(&order.status).into_owned(),
                    canceled.to_owned(),
                ];
                writer.write_record(&record).map_err(io)?;
                written += 1;
            }
            if items.len() < MAX_PAGE_SIZE as usize {
                break;
            }
            page.offset += MAX_PAGE_SIZE;
        }
        drop(usernames);
        snapshot.commit()?;
        writer.flush()?;
        Ok(written)
    }
}

fn io(err: ::csv::Error) -> CsvError {
    CsvError::Io(err.into())
}
