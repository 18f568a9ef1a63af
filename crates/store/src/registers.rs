//! The accounting registers a French micro-entrepreneur must keep: the receipts register
//! ("livre des recettes") and the purchases register ("registre des achats"), read from the
//! orders with the money model of [`crate::orders`], and written as CSV or PDF.
//!
//! - A register lists the live (not canceled) sales, or purchases, whose date (`created_at`)
//!   falls in the half-open period `[from, to)`, for one Vinted account or all, oldest first.
//! - Amount: a sale's `price` (the money received); a purchase's price + fees total (what it
//!   cost, landed). So a register's total is the dashboard's `revenue_cents`, or
//!   `purchases_cents`, for the same period and account.
//! - Counterparty: the client of a sale is `buyer_name`, else `buyer_username`; the supplier of
//!   a purchase is `seller_name`, else `seller_username`.
//! - Reference: Vinted's order id, else [`order_reference`] of the order's own id.
//! - Nature: the order's title (its lines' titles when none was given).
//!
//! Dates are written as the user reads them, in the machine's time zone: `dd/mm/yyyy` in
//! French, `yyyy-mm-dd` in English; amounts `12,50` or `12.50`. [`local_day_period`] turns whole
//! days of that time zone into a period, for the command line and the app alike.

mod pdf;

use std::io::Write;

use chrono::{DateTime, Local, NaiveDate, NaiveTime, SecondsFormat, TimeZone, Utc};
use rusqlite::{params_from_iter, types::Value};
use serde::{Deserialize, Serialize};

use crate::csv::{
    CsvExportOptions, CsvLanguage, csv_writer, format_date, format_day, format_money,
    guard_formula, local_day,
};
use crate::enums::text_enum;
use crate::orders::{PaymentMethod, normalize_time, order_reference};
use crate::{FieldError, FieldErrorCode, Result, Store, StoreError};

pub use pdf::write_register_pdf;

text_enum!(
    /// Which register: sales (receipts) or purchases.
    RegisterKind { Receipts = "receipts", Purchases = "purchases" }
);

/// One entry of a register: one live order of the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RegisterRow {
    /// The order's id in the store.
    pub order_id: String,
    /// When the sale or purchase happened (RFC 3339, UTC).
    pub date: String,
    /// Vinted's order id, else [`order_reference`] of the order.
    pub reference: String,
    /// The client of a sale, the supplier of a purchase; `None` when unknown.
    pub counterparty: Option<String>,
    /// What was sold or bought: the order's title.
    pub nature: String,
    /// Sale: the price received; purchase: price + fees.
    pub amount_cents: i64,
    pub payment_method: Option<PaymentMethod>,
}

/// A register of one period, ready to write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Register {
    pub kind: RegisterKind,
    /// The period `[from, to)`, normalized to UTC milliseconds.
    pub from: String,
    pub to: String,
    /// The account it is restricted to; `None` for all.
    pub seller_account_id: Option<String>,
    /// Oldest first (the order's id breaks ties).
    pub rows: Vec<RegisterRow>,
    /// Σ of the rows' amounts.
    pub total_cents: i64,
}

impl Store {
    /// The receipts register ("livre des recettes") of `[from, to)` (RFC 3339), one account or
    /// all: every live sale with the money received. Its total is the dashboard's revenue.
    pub fn receipts_register(
        &self,
        from: &str,
        to: &str,
        seller_account_id: Option<&str>,
    ) -> Result<Register> {
        self.register(RegisterKind::Receipts, from, to, seller_account_id)
    }

    /// The purchases register ("registre des achats") of `[from, to)` (RFC 3339), one account or
    /// all: every live purchase with price + fees. Its total is the dashboard's purchases.
    pub fn purchases_register(
        &self,
        from: &str,
        to: &str,
        seller_account_id: Option<&str>,
    ) -> Result<Register> {
        self.register(RegisterKind::Purchases, from, to, seller_account_id)
    }

    /// [`Self::receipts_register`] or [`Self::purchases_register`].
    pub fn register(
        &self,
        kind: RegisterKind,
        from: &str,
        to: &str,
        seller_account_id: Option<&str>,
    ) -> Result<Register> {
        let (from, to) = checked_period(from, to)?;
        let account = seller_account_id
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned);
        let (order_type, counterparty, amount) = match kind {
            RegisterKind::Receipts => (
                "sale",
                "COALESCE(NULLIF(trim(o.buyer_name), ''), NULLIF(trim(o.buyer_username), ''))",
                "o.price",
            ),
            RegisterKind::Purchases => (
                "purchase",
                "COALESCE(NULLIF(trim(o.seller_name), ''), NULLIF(trim(o.seller_username), ''))",
                "o.price + COALESCE(o.fees_total, 0)",
            ),
        };
        // The same live orders as the dashboard sums (see `dashboard.rs`).
        let mut sql = format!(
            "SELECT o.id, o.created_at, o.order_id, {counterparty}, o.title, {amount},
                    o.payment_method
             FROM seller_orders o
             WHERE o.order_type = ?1 AND o.canceled_at IS NULL AND o.created_at >= ?2
               AND o.created_at < ?3"
        );
        let mut args: Vec<Value> = vec![
            order_type.to_owned().into(),
            from.clone().into(),
            to.clone().into(),
        ];
        if let Some(account) = &account {
            sql.push_str(" AND o.seller_account_id = ?4");
            args.push(account.clone().into());
        }
        sql.push_str(" ORDER BY o.created_at, o.id");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(params_from_iter(&args), |r| {
                let id: String = r.get(0)?;
                let vinted_id: Option<String> = r.get(2)?;
                Ok(RegisterRow {
                    reference: order_reference(&id, vinted_id.as_deref()),
                    order_id: id,
                    date: r.get(1)?,
                    counterparty: r.get(3)?,
                    nature: r.get(4)?,
                    amount_cents: r.get(5)?,
                    payment_method: r.get(6)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let total_cents = rows.iter().map(|r| r.amount_cents).sum();
        Ok(Register {
            kind,
            from,
            to,
            seller_account_id: account,
            rows,
            total_cents,
        })
    }
}

/// The period `[from, to)` normalized, or a [`StoreError::Validation`] naming `from` or `to`,
/// as the dashboard checks it.
fn checked_period(from: &str, to: &str) -> Result<(String, String)> {
    let from_at = normalize_time(from);
    let to_at = normalize_time(to);
    let mut errors = Vec::new();
    if from_at.is_none() {
        errors.push(FieldError::new("from", FieldErrorCode::Invalid));
    }
    if to_at.is_none() || (from_at.is_some() && to_at <= from_at) {
        errors.push(FieldError::new("to", FieldErrorCode::Invalid));
    }
    match (from_at, to_at) {
        (Some(from), Some(to)) if errors.is_empty() => Ok((from, to)),
        _ => Err(StoreError::Validation(errors)),
    }
}

/// The period from the start of day `first` to the end of day `last` (both included) in the
/// machine's time zone, as RFC 3339 UTC bounds `[from, to)`. A day whose midnight does not exist
/// (a daylight-saving jump at midnight) starts at its first existing instant.
pub fn local_day_period(first: NaiveDate, last: NaiveDate) -> (String, String) {
    let start = |day: NaiveDate| -> String {
        let naive = day.and_time(NaiveTime::MIN);
        let at = Local
            .from_local_datetime(&naive)
            .earliest()
            .or_else(|| {
                (1..=4)
                    .filter_map(|h| {
                        Local
                            .from_local_datetime(&(naive + chrono::Duration::hours(h)))
                            .earliest()
                    })
                    .next()
            })
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| naive.and_utc());
        at.to_rfc3339_opts(SecondsFormat::Millis, true)
    };
    let end = last.succ_opt().unwrap_or(last);
    (start(first), start(end))
}

/// The first and last days of the register's period, as the user reads them (the end is
/// exclusive, so the last day is the one before it).
pub(crate) fn period_days(register: &Register) -> (NaiveDate, NaiveDate) {
    let first = local_day(&register.from).unwrap_or_default();
    let last = DateTime::parse_from_rfc3339(&register.to)
        .ok()
        .map(|t| {
            (t - chrono::Duration::milliseconds(1))
                .with_timezone(&Local)
                .date_naive()
        })
        .unwrap_or(first);
    (first, last.max(first))
}

/// Cents as the user writes them: `12,50` in French, `12.50` in English.
pub fn format_amount(cents: i64, language: CsvLanguage) -> String {
    format_money(cents, CsvExportOptions::for_language(language).decimal)
}

/// How a payment method reads in a register.
pub fn payment_label(method: Option<PaymentMethod>, language: CsvLanguage) -> &'static str {
    let fr = language == CsvLanguage::Fr;
    match method {
        None => "",
        Some(PaymentMethod::VintedWallet) => {
            if fr {
                "Porte-monnaie Vinted"
            } else {
                "Vinted wallet"
            }
        }
        Some(PaymentMethod::Card) => {
            if fr {
                "Carte bancaire"
            } else {
                "Card"
            }
        }
        Some(PaymentMethod::Paypal) => "PayPal",
        Some(PaymentMethod::Cash) => {
            if fr {
                "Espèces"
            } else {
                "Cash"
            }
        }
        Some(PaymentMethod::Transfer) => {
            if fr {
                "Virement"
            } else {
                "Bank transfer"
            }
        }
        Some(PaymentMethod::Other) => {
            if fr {
                "Autre"
            } else {
                "Other"
            }
        }
    }
}

/// The register's name: "Livre des recettes", "Purchases register", …
pub fn register_name(kind: RegisterKind, language: CsvLanguage) -> &'static str {
    match (kind, language) {
        (RegisterKind::Receipts, CsvLanguage::Fr) => "Livre des recettes",
        (RegisterKind::Purchases, CsvLanguage::Fr) => "Registre des achats",
        (RegisterKind::Receipts, CsvLanguage::En) => "Receipts register",
        (RegisterKind::Purchases, CsvLanguage::En) => "Purchases register",
    }
}

/// "Livre des recettes — du 01/01/2026 au 31/12/2026", "Receipts register — 2026-01-01 to
/// 2026-12-31".
pub fn register_title(register: &Register, language: CsvLanguage) -> String {
    let (first, last) = period_days(register);
    let (first, last) = (format_day(first, language), format_day(last, language));
    let name = register_name(register.kind, language);
    match language {
        CsvLanguage::Fr => format!("{name} — du {first} au {last}"),
        CsvLanguage::En => format!("{name} — {first} to {last}"),
    }
}

/// The column headers of a register, in order: date, reference, client or supplier, nature,
/// amount, payment method.
pub fn register_headers(kind: RegisterKind, language: CsvLanguage) -> [&'static str; 6] {
    let counterparty = match (kind, language) {
        (RegisterKind::Receipts, _) => "Client",
        (RegisterKind::Purchases, CsvLanguage::Fr) => "Fournisseur",
        (RegisterKind::Purchases, CsvLanguage::En) => "Supplier",
    };
    match language {
        CsvLanguage::Fr => [
            "Date",
            "Référence",
            counterparty,
            "Nature",
            "Montant",
            "Mode de paiement",
        ],
        CsvLanguage::En => [
            "Date",
            "Reference",
            counterparty,
            "Description",
            "Amount",
            "Payment method",
        ],
    }
}

/// The cells of one row as both the CSV and the PDF write them (without formula guards).
pub(crate) fn row_cells(row: &RegisterRow, language: CsvLanguage) -> [String; 6] {
    [
        format_date(&row.date, language),
        row.reference.clone(),
        row.counterparty.clone().unwrap_or_default(),
        row.nature.clone(),
        format_amount(row.amount_cents, language),
        payment_label(row.payment_method, language).to_owned(),
    ]
}

/// Which of [`row_cells`] hold user text: the reference, the counterparty and the nature.
const USER_TEXT_CELLS: [usize; 3] = [1, 2, 3];

/// The word of the total line.
pub(crate) fn total_label(language: CsvLanguage) -> &'static str {
    match language {
        CsvLanguage::Fr => "Total",
        CsvLanguage::En => "Total",
    }
}

/// Writes a register as CSV, as the inventory export does for `language` (French: `;`, decimal
/// comma and a UTF-8 BOM so Excel in French settings opens it as is; English: `,` and decimal
/// point): a header row, one row per entry, and a last "Total" row with the total amount.
pub fn write_register_csv<W: Write>(
    register: &Register,
    language: CsvLanguage,
    out: W,
) -> std::io::Result<()> {
    let options = CsvExportOptions::for_language(language);
    let mut writer = csv_writer(&options, out)?;
    writer.write_record(register_headers(register.kind, language))?;
    for row in &register.rows {
        let cells = row_cells(row, language);
        // The reference, the client or supplier and the nature are text people typed (or a
        // synced row holds); the date, the amount and the payment word are the app's own, and
        // an amount such as -5,00 must stay a number.
        writer.write_record(cells.iter().enumerate().map(|(i, c)| {
            if USER_TEXT_CELLS.contains(&i) {
                guard_formula(c).into_owned()
            } else {
                c.clone()
            }
        }))?;
    }
    writer.write_record([
        total_label(language),
        "",
        "",
        "",
        &format_amount(register.total_cents, language),
        "",
    ])?;
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_vinted_ids_or_a_stable_short_id() {
        assert_eq!(
            order_reference("0190f0aa-1111-7abc-8def-0123456789ab", Some(" 1234 ")),
            "1234"
        );
        assert_eq!(
            order_reference("0190f0aa-1111-7abc-8def-0123456789ab", None),
            "M-456789AB"
        );
        assert_eq!(
            order_reference("0190f0aa-1111-7abc-8def-0123456789ab", Some("")),
            "M-456789AB"
        );
    }

    #[test]
    fn days_and_amounts_follow_the_language() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
        assert_eq!(format_day(day, CsvLanguage::Fr), "05/03/2026");
        assert_eq!(format_day(day, CsvLanguage::En), "2026-03-05");
        assert_eq!(format_amount(1250, CsvLanguage::Fr), "12,50");
        assert_eq!(format_amount(1250, CsvLanguage::En), "12.50");
        assert_eq!(format_amount(5, CsvLanguage::Fr), "0,05");
    }

    #[test]
    fn a_local_day_period_covers_whole_days() {
        let first = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        let (from, to) = local_day_period(first, last);
        assert_eq!(local_day(&from), Some(first));
        let register = Register {
            kind: RegisterKind::Receipts,
            from,
            to,
            seller_account_id: None,
            rows: Vec::new(),
            total_cents: 0,
        };
        assert_eq!(period_days(&register), (first, last));
        assert_eq!(
            register_title(&register, CsvLanguage::Fr),
            "Livre des recettes — du 01/01/2026 au 31/12/2026"
        );
    }
}
