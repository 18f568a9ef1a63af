//! Orders: `my_orders`, transactions, wallet invoices, shipping labels.
//!
//! Mirrors VINTED.md "Read endpoints" (orders, transaction, wallet invoices, label):
//! `my_orders?type=sold|purchased&status=all&page=&per_page=` (≤ 100, larger is clamped; `type=
//! bought` is read as purchased) answers rows with no item id, newest first, with
//! `pagination{total_pages}`; `transactions/{id}` is wrapped in `{transaction:{…}}`; money is an
//! `{amount, currency_code}` object when the call sends `x-money-object: true`, a plain string
//! otherwise; `wallet/invoices/{year}/{month}?page=` lists `invoice_lines` (20 a page) with
//! `entity_type: "user_msg_thread"` and the conversation's id; `wallet/invoices/current` gives
//! the balance; `shipments/{id}/label_url` answers `{label_url}`. The fake's own choices: the
//! label is a one-page PDF served at `/api/v2/shipments/{id}/label.pdf` (the account's own
//! site, its session needed); transaction statuses are 110 paid, 230 shipped, 300 delivered,
//! 450 completed, and a canceled order is 500 with the title "Commande annulée" and the row's
//! `transaction_user_status` "failed"; a sale is credited to the wallet once delivered, the
//! seller's fee taken off; a purchase is a debit line.

use std::time::{Duration, SystemTime};

use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use super::api::host_of;
use super::faults::not_found_json;
use super::http::{Reply, Request, rfc3339};
use super::state::State;
use super::{FakeVinted, USER_ID};

/// Most rows a `my_orders` page holds.
pub const MY_ORDERS_PER_PAGE_MAX: usize = 100;
/// Invoice lines a wallet page holds.
pub const INVOICE_LINES_PER_PAGE: usize = 20;

/// Where an order stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderStage {
    Paid,
    Shipped,
    Delivered,
    Completed,
    Canceled,
}

impl OrderStage {
    fn transaction_status(self) -> u64 {
        match self {
            OrderStage::Paid => 110,
            OrderStage::Shipped => 230,
            OrderStage::Delivered => 300,
            OrderStage::Completed => 450,
            OrderStage::Canceled => 500,
        }
    }

    fn shipment_status(self) -> u64 {
        match self {
            OrderStage::Paid | OrderStage::Canceled => 100,
            OrderStage::Shipped => 200,
            OrderStage::Delivered | OrderStage::Completed => 400,
        }
    }

    /// The localised texts: the row's status, the transaction's title, the user status.
    fn texts(self) -> (&'static str, &'static str, &'static str) {
        match self {
            OrderStage::Paid => ("Commande payée, à expédier", "Payée", "needs_action"),
            OrderStage::Shipped => ("Colis envoyé", "Expédiée", "waiting"),
            OrderStage::Delivered => ("Colis livré", "Livrée", "waiting"),
            OrderStage::Completed => ("Commande terminée", "Terminée", "completed"),
            OrderStage::Canceled => ("Annulée", "Commande annulée", "failed"),
        }
    }

    /// Whether the wallet has credited the sale.
    pub fn credited(self) -> bool {
        matches!(self, OrderStage::Delivered | OrderStage::Completed)
    }
}

/// One item of an order.
#[derive(Clone, Debug)]
pub struct OrderItem {
    pub id: u64,
    pub title: String,
    /// Two decimals: `"12.50"`.
    pub price: String,
    pub photo_url: Option<String>,
}

/// One sale or purchase of the fake's world.
#[derive(Clone, Debug)]
pub struct FakeOrder {
    /// The account it belongs to.
    pub user_id: u64,
    pub sold: bool,
    pub transaction_id: u64,
    pub conversation_id: u64,
    pub shipment_id: u64,
    pub title: String,
    /// What the items went for (the offer), two decimals.
    pub price: String,
    pub buyer_protection_fee: String,
    pub shipping_price: String,
    pub items: Vec<OrderItem>,
    pub stage: OrderStage,
    pub paid_at: SystemTime,
    pub status_updated_at: SystemTime,
    pub shipped_at: Option<SystemTime>,
    pub delivered_at: Option<SystemTime>,
    /// The buyer of a sale, the seller of a purchase: id, login, city, country code.
    pub counterpart: (u64, String, String, String),
    pub tracking_code: String,
    pub carrier: String,
    /// The seller's fee the wallet keeps on a sale, in cents.
    pub seller_fee_cents: i64,
    /// Vinted stopped sending the buyer's city and the tracking (details vanish after weeks).
    pub details_removed: bool,
}

impl FakeOrder {
    pub fn price_cents(&self) -> i64 {
        cents(&self.price)
    }

    /// When the wallet's line for the order is dated: a sale is credited once delivered (or
    /// completed), not when paid; a purchase is debited when paid.
    pub fn wallet_at(&self) -> SystemTime {
        if self.sold {
            self.delivered_at.unwrap_or(self.status_updated_at)
        } else {
            self.paid_at
        }
    }

    /// What the wallet credits (a sale, once delivered) or debits (a purchase), in cents.
    pub fn wallet_cents(&self) -> Option<i64> {
        if self.sold {
            self.stage
                .credited()
                .then(|| self.price_cents() - self.seller_fee_cents)
        } else if self.stage != OrderStage::Canceled {
            Some(
                -(self.price_cents()
                    + cents(&self.buyer_protection_fee)
                    + cents(&self.shipping_price)),
            )
        } else {
            None
        }
    }
}

/// A line of the wallet beside the orders' own: a correction, a refund (negative).
#[derive(Clone, Debug)]
pub struct WalletLine {
    pub user_id: u64,
    pub conversation_id: u64,
    pub at: SystemTime,
    pub cents: i64,
}

/// This part of the fake's world.
#[derive(Debug)]
pub struct Orders {
    pub list: Vec<FakeOrder>,
    /// Labels served (by shipment id), for the tests' counts.
    pub labels_served: Vec<u64>,
    /// Lines the wallet has beside the orders' credits and debits.
    pub wallet_lines: Vec<WalletLine>,
    /// Transactions Vinted no longer serves (404), by id.
    pub gone: Vec<u64>,
    /// Transactions served without any price (row and transaction), by id.
    pub priceless: Vec<u64>,
    /// Shipments whose label Vinted refuses (404 on `label_url`).
    pub labels_refused: Vec<u64>,
    /// `my_orders` answers without `pagination`.
    pub no_pagination: bool,
    /// `my_orders` ignores `page` (serves the first page, claiming this many pages).
    pub page_ignored: Option<usize>,
}

impl Default for Orders {
    /// One sale (transaction 8001, the sold bag 5005, to acheteuse_marie) and one purchase
    /// (8003), as the fixed read data always had.
    fn default() -> Self {
        let day = Duration::from_secs(86_400);
        let at = SystemTime::now() - 3 * day;
        let sale = FakeOrder {
            user_id: USER_ID,
            sold: true,
            transaction_id: super::SALE_TRANSACTION_ID,
            conversation_id: 7001,
            shipment_id: 9901,
            title: "Sac Longchamp Le Pliage".into(),
            price: "40.00".into(),
            buyer_protection_fee: "2.70".into(),
            shipping_price: "2.89".into(),
            items: vec![OrderItem {
                id: super::SOLD_ITEM_ID,
                title: "Sac Longchamp Le Pliage".into(),
                price: "40.00".into(),
                photo_url: None,
            }],
            stage: OrderStage::Shipped,
            paid_at: at,
            status_updated_at: at + day,
            shipped_at: Some(at + day),
            delivered_at: None,
            counterpart: (6101, "acheteuse_marie".into(), "Lyon".into(), "FR".into()),
            tracking_code: "FAKE123456FR".into(),
            carrier: "Mondial Relay".into(),
            seller_fee_cents: 0,
            details_removed: false,
        };
        let purchase = FakeOrder {
            sold: false,
            transaction_id: 8003,
            conversation_id: 7003,
            shipment_id: 9903,
            title: "Livre « L'Étranger »".into(),
            price: "3.00".into(),
            buyer_protection_fee: "0.85".into(),
            items: vec![OrderItem {
                id: 6001,
                title: "Livre « L'Étranger »".into(),
                price: "3.00".into(),
                photo_url: None,
            }],
            stage: OrderStage::Completed,
            counterpart: (6103, "lectrice_anne".into(), "Nantes".into(), "FR".into()),
            ..sale.clone()
        };
        Orders {
            list: vec![sale, purchase],
            ..Orders::empty()
        }
    }
}

impl Orders {
    fn empty() -> Self {
        Orders {
            list: Vec::new(),
            labels_served: Vec::new(),
            wallet_lines: Vec::new(),
            gone: Vec::new(),
            priceless: Vec::new(),
            labels_refused: Vec::new(),
            no_pagination: false,
            page_ignored: None,
        }
    }
}

fn cents(amount: &str) -> i64 {
    let (units, fraction) = amount.split_once('.').unwrap_or((amount, "0"));
    let units: i64 = units.parse().unwrap_or(0);
    let fraction: i64 = format!("{fraction:0<2}")[..2].parse().unwrap_or(0);
    units * 100 + fraction
}

fn amount(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

/// Answers the calls of this part of the API; `None` leaves the call to the other routes.
pub(crate) fn route(
    state: &mut State,
    user: u64,
    method: &Method,
    segments: &[&str],
    request: &Request,
    _body: &[u8],
) -> Option<Reply> {
    if method != Method::GET {
        return None;
    }
    let id = |s: &str| s.parse::<u64>().ok();
    let money = request.header("x-money-object") == Some("true");
    let reply = match segments {
        ["my_orders"] => my_orders(state, user, request, money),
        ["transactions", transaction] => {
            let found = id(transaction).and_then(|t| {
                state
                    .orders
                    .list
                    .iter()
                    .find(|o| o.transaction_id == t && o.user_id == user)
            });
            // Another part of the fake may know it (a conversation's offer, `inbox.rs`).
            let order = found?;
            if state.orders.gone.contains(&order.transaction_id) {
                return Some(not_found_json());
            }
            let mut transaction = transaction_json(order, money);
            if state.orders.priceless.contains(&order.transaction_id) {
                transaction["offer"]["price"] = Value::Null;
            }
            Reply::ok(json!({"code": 0, "transaction": transaction}))
        }
        ["wallet", "invoices", "current"] => balance(state, user),
        ["wallet", "invoices", year, month] => match (id(year), id(month)) {
            (Some(year), Some(month)) if (1..=12).contains(&month) => {
                invoice(state, user, year, month, request, money)
            }
            _ => not_found_json(),
        },
        ["shipments", shipment, "label_url"] => match own_shipment(state, user, shipment) {
            Some(shipment) if state.orders.labels_refused.contains(&shipment) => not_found_json(),
            Some(shipment) => {
                let host = host_of(request);
                Reply::ok(json!({
                    "label_url": format!("http://{host}/api/v2/shipments/{shipment}/label.pdf"),
                }))
            }
            None => not_found_json(),
        },
        ["shipments", shipment, "label.pdf"] => match own_shipment(state, user, shipment) {
            Some(shipment) => {
                state.orders.labels_served.push(shipment);
                Reply::bytes(StatusCode::OK, "application/pdf", label_pdf(shipment))
            }
            None => Reply::text(StatusCode::NOT_FOUND, String::new()),
        },
        _ => return None,
    };
    Some(reply)
}

/// The shipment id when it is one of `user`'s sales that is not canceled.
fn own_shipment(state: &State, user: u64, shipment: &str) -> Option<u64> {
    let shipment: u64 = shipment.parse().ok()?;
    state
        .orders
        .list
        .iter()
        .find(|o| o.shipment_id == shipment && o.user_id == user && o.sold)
        .filter(|o| o.stage != OrderStage::Canceled)
        .map(|o| o.shipment_id)
}

fn money_json(amount: &str, money: bool) -> Value {
    if money {
        json!({"amount": amount, "currency_code": "EUR"})
    } else {
        json!(amount)
    }
}

fn my_orders(state: &State, user: u64, request: &Request, money: bool) -> Reply {
    let sold = match request.query_param("type").as_deref() {
        Some("sold") | None => true,
        Some("purchased" | "bought") => false,
        Some(_) => {
            return Reply::json(
                StatusCode::BAD_REQUEST,
                json!({"code": 99, "message_code": "validation_error"}),
            );
        }
    };
    let mut orders: Vec<&FakeOrder> = state
        .orders
        .list
        .iter()
        .filter(|o| o.user_id == user && o.sold == sold)
        .collect();
    orders.sort_by_key(|o| std::cmp::Reverse((o.paid_at, o.transaction_id)));
    let page = request
        .query_param("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1usize)
        .max(1);
    let page = if state.orders.page_ignored.is_some() {
        1
    } else {
        page
    };
    let per_page = request
        .query_param("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(20usize)
        .clamp(1, MY_ORDERS_PER_PAGE_MAX);
    let rows: Vec<Value> = orders
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|o| {
            let (status, _, user_status) = o.stage.texts();
            let priceless = state.orders.priceless.contains(&o.transaction_id);
            json!({
                "transaction_id": o.transaction_id,
                "conversation_id": o.conversation_id,
                "title": o.title,
                "price": (!priceless).then(|| money_json(&o.price, true)),
                "status": status,
                "date": rfc3339(o.paid_at),
                "photo": o.items[0].photo_url.as_ref().map(|url| json!({
                    "id": o.items[0].id, "url": url, "thumbnails": [{"type": "thumb150", "url": url}],
                })),
                "transaction_user_status": user_status,
            })
        })
        .collect();
    let _ = money;
    let total_pages = state
        .orders
        .page_ignored
        .unwrap_or_else(|| orders.len().div_ceil(per_page));
    let mut answer = json!({
        "code": 0,
        "my_orders": rows,
        "pagination": {
            "current_page": page,
            "total_pages": total_pages,
            "total_entries": orders.len(),
            "per_page": per_page,
        },
    });
    if state.orders.no_pagination
        && let Some(object) = answer.as_object_mut()
    {
        object.remove("pagination");
    }
    Reply::ok(answer)
}

fn transaction_json(o: &FakeOrder, money: bool) -> Value {
    let (_, title, _) = o.stage.texts();
    let (id, login, city, country) = &o.counterpart;
    let me = json!({"id": o.user_id, "login": super::USERNAME});
    let other = if o.details_removed {
        json!({"id": id, "login": login})
    } else {
        json!({"id": id, "login": login, "city": city, "country_code": country})
    };
    let (buyer, seller) = if o.sold { (other, me) } else { (me, other) };
    let time = |t: Option<SystemTime>| t.map(rfc3339);
    json!({
        "id": o.transaction_id,
        "status": o.stage.transaction_status(),
        "status_title": title,
        "status_updated_at": rfc3339(o.status_updated_at),
        "debit_processed_at": rfc3339(o.paid_at),
        "user_msg_thread_id": o.conversation_id,
        "buyer": buyer,
        "seller": seller,
        "offer": {
            "id": o.transaction_id + 100_000,
            "price": money_json(&o.price, money),
            "buyer_protection_fee": money_json(&o.buyer_protection_fee, money),
        },
        "service_fee": money_json(&o.buyer_protection_fee, money),
        "order": {"items": o.items.iter().map(|i| json!({
            "id": i.id,
            "title": i.title,
            "price": money_json(&i.price, money),
            "photos": i.photo_url.as_ref().map(|url| vec![json!({"url": url})]).unwrap_or_default(),
        })).collect::<Vec<_>>()},
        "shipment": {
            "id": o.shipment_id,
            "status": o.stage.shipment_status(),
            "price": money_json(&o.shipping_price, money),
            "tracking_code": (!o.details_removed).then(|| o.tracking_code.clone()),
            "carrier_name": o.carrier,
            "shipped_at": time(o.shipped_at),
            "delivered_at": time(o.delivered_at),
        },
    })
}

fn balance(state: &State, user: u64) -> Reply {
    let credited: i64 = state
        .orders
        .list
        .iter()
        .filter(|o| o.user_id == user)
        .filter_map(FakeOrder::wallet_cents)
        .sum();
    Reply::ok(json!({
        "code": 0,
        "balance": {"amount": amount(credited.max(0)), "currency_code": "EUR"},
        "pending_balance": {"amount": "0.00", "currency_code": "EUR"},
    }))
}

fn invoice(
    state: &State,
    user: u64,
    year: u64,
    month: u64,
    request: &Request,
    money: bool,
) -> Reply {
    let prefix = format!("{year:04}-{month:02}");
    // The month's lines in date order: each order's credit (a sale, in the month it was
    // delivered) or debit (a purchase), and the other lines (corrections, refunds).
    let mut dated: Vec<(SystemTime, Value)> = state
        .orders
        .list
        .iter()
        .filter(|o| o.user_id == user && rfc3339(o.wallet_at()).starts_with(&prefix))
        .filter_map(|o| {
            let cents = o.wallet_cents()?;
            Some((o.wallet_at(), json!({
                "entity_type": "user_msg_thread",
                "entity_id": o.conversation_id,
                "title": if o.sold { format!("Vente : {}", o.title) } else { format!("Achat : {}", o.title) },
                "amount": money_json(&amount(cents), money),
                "date": rfc3339(o.wallet_at()),
            })))
        })
        .collect();
    dated.extend(
        state
            .orders
            .wallet_lines
            .iter()
            .filter(|l| l.user_id == user && rfc3339(l.at).starts_with(&prefix))
            .map(|l| {
                (
                    l.at,
                    json!({
                        "entity_type": "user_msg_thread",
                        "entity_id": l.conversation_id,
                        "title": "Correction",
                        "amount": money_json(&amount(l.cents), money),
                        "date": rfc3339(l.at),
                    }),
                )
            }),
    );
    dated.sort_by_key(|(at, _)| *at);
    let mut lines: Vec<Value> = dated.into_iter().map(|(_, line)| line).collect();
    // A payout to the bank, which names no conversation.
    if !lines.is_empty() {
        lines.push(
            json!({"entity_type": "payout", "entity_id": 1, "title": "Virement",
            "amount": money_json("-1.00", money)}),
        );
    }
    let page = request
        .query_param("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1usize)
        .max(1);
    let total_pages = lines.len().div_ceil(INVOICE_LINES_PER_PAGE).max(1);
    let lines: Vec<Value> = lines
        .into_iter()
        .skip((page - 1) * INVOICE_LINES_PER_PAGE)
        .take(INVOICE_LINES_PER_PAGE)
        .collect();
    Reply::ok(json!({
        "code": 0,
        "invoice_lines": lines,
        "invoice_lines_pagination": {"current_page": page, "total_pages": total_pages},
    }))
}

/// A one-page A6 PDF naming the shipment.
pub fn label_pdf(shipment: u64) -> Vec<u8> {
    use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str};
    let mut pdf = Pdf::new();
    let (catalog, tree, page, font, contents) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
    );
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page]).count(1);
    {
        let mut p = pdf.page(page);
        p.parent(tree)
            .media_box(Rect::new(0.0, 0.0, 298.0, 420.0))
            .contents(contents);
        p.resources().fonts().pair(Name(b"F1"), font);
    }
    pdf.type1_font(font).base_font(Name(b"Helvetica"));
    let mut content = Content::new();
    content.begin_text();
    content.set_font(Name(b"F1"), 14.0);
    content.next_line(20.0, 380.0);
    content.show(Str(format!("Vinted shipment {shipment}").as_bytes()));
    content.end_text();
    pdf.stream(contents, &content.finish());
    pdf.finish()
}

impl FakeVinted {
    /// `sales` sales of the test account's live listings (newest first, one a day or so back
    /// from now; every seventh a bundle of three items at 10 % off; the fourth canceled; the
    /// others paid, shipped, delivered or completed in turn, the seller's fee 0.70 € on every
    /// fifth), and `purchases` purchases from other members. The listings sold are closed as
    /// sold. Replaces the orders the fake had; returns them, sales first.
    pub fn seed_orders(&self, sales: usize, purchases: usize) -> Vec<FakeOrder> {
        let mut state = self.lock();
        let now = SystemTime::now();
        let hour = Duration::from_secs(3_600);
        let mut live: Vec<u64> = state
            .items
            .iter()
            .filter(|i| i.user_id == USER_ID && i.is_live())
            .map(|i| i.id)
            .collect();
        live.sort_unstable();
        live.reverse();
        let mut list = Vec::new();
        for k in 0..sales {
            let size = if k % 7 == 6 { 3 } else { 1 };
            let ids: Vec<u64> = (0..size).filter_map(|_| live.pop()).collect();
            assert_eq!(
                ids.len(),
                size,
                "not enough live listings to sell: seed a larger wardrobe"
            );
            let mut items = Vec::new();
            for id in &ids {
                let item = state.item_mut(*id).expect("a seeded item");
                item.is_closed = true;
                item.is_sold = true;
                items.push(OrderItem {
                    id: item.id,
                    title: item.title.clone(),
                    price: item.price.clone(),
                    photo_url: None,
                });
            }
            let listed: i64 = items.iter().map(|i| cents(&i.price)).sum();
            let price = if size > 1 { listed * 9 / 10 } else { listed };
            let stage = match k {
                3 => OrderStage::Canceled,
                _ => [
                    OrderStage::Paid,
                    OrderStage::Shipped,
                    OrderStage::Delivered,
                    OrderStage::Completed,
                ][k % 4],
            };
            let paid_at = now - hour * (20 * k as u32 + 1);
            let shipped_at = matches!(
                stage,
                OrderStage::Shipped | OrderStage::Delivered | OrderStage::Completed
            )
            .then(|| paid_at + hour * 10);
            let delivered_at = matches!(stage, OrderStage::Delivered | OrderStage::Completed)
                .then(|| paid_at + hour * 15);
            let title = if size > 1 {
                format!("{size} articles")
            } else {
                items[0].title.clone()
            };
            list.push(FakeOrder {
                user_id: USER_ID,
                sold: true,
                transaction_id: 20_000_000 + k as u64,
                conversation_id: 30_000_000 + k as u64,
                shipment_id: 40_000_000 + k as u64,
                title,
                price: amount(price),
                buyer_protection_fee: amount(70 + price * 5 / 100),
                shipping_price: "2.89".into(),
                items,
                stage,
                paid_at,
                status_updated_at: delivered_at.or(shipped_at).unwrap_or(paid_at + hour),
                shipped_at,
                delivered_at,
                counterpart: (
                    60_000 + k as u64,
                    format!("acheteur_{k}"),
                    "Lyon".into(),
                    "FR".into(),
                ),
                tracking_code: format!("MR{:08}", k),
                carrier: "Mondial Relay".into(),
                seller_fee_cents: if k % 5 == 0 { 70 } else { 0 },
                details_removed: false,
            });
        }
        for k in 0..purchases {
            let price = 300 + 150 * k as i64;
            let paid_at = now - hour * (30 * k as u32 + 5);
            list.push(FakeOrder {
                user_id: USER_ID,
                sold: false,
                transaction_id: 21_000_000 + k as u64,
                conversation_id: 31_000_000 + k as u64,
                shipment_id: 41_000_000 + k as u64,
                title: format!("Lot de livres {k}"),
                price: amount(price),
                buyer_protection_fee: amount(70 + price * 5 / 100),
                shipping_price: "2.89".into(),
                items: vec![OrderItem {
                    id: 900_000 + k as u64,
                    title: format!("Lot de livres {k}"),
                    price: amount(price),
                    photo_url: None,
                }],
                stage: OrderStage::Completed,
                paid_at,
                status_updated_at: paid_at + hour * 40,
                shipped_at: Some(paid_at + hour * 10),
                delivered_at: Some(paid_at + hour * 30),
                counterpart: (
                    70_000 + k as u64,
                    format!("vendeuse_{k}"),
                    "Paris".into(),
                    "FR".into(),
                ),
                tracking_code: format!("CO{:08}", k),
                carrier: "Colissimo".into(),
                seller_fee_cents: 0,
                details_removed: false,
            });
        }
        state.orders.list = list.clone();
        list
    }

    /// The fake's orders as they are now.
    pub fn orders(&self) -> Vec<FakeOrder> {
        self.lock().orders.list.clone()
    }

    /// Replaces the order with this transaction id (a status change, details Vinted dropped).
    pub fn put_order(&self, order: FakeOrder) {
        let mut state = self.lock();
        if let Some(stored) = state
            .orders
            .list
            .iter_mut()
            .find(|o| o.transaction_id == order.transaction_id)
        {
            *stored = order;
        }
    }

    /// Adds a wallet line for a conversation (a correction, or a refund when negative).
    pub fn add_wallet_line(&self, conversation_id: u64, at: SystemTime, cents: i64) {
        self.lock().orders.wallet_lines.push(WalletLine {
            user_id: USER_ID,
            conversation_id,
            at,
            cents,
        });
    }

    /// From now on the transaction answers 404 (Vinted no longer serves it).
    pub fn make_transaction_gone(&self, transaction_id: u64) {
        self.lock().orders.gone.push(transaction_id);
    }

    /// From now on the transaction and its row come without a price.
    pub fn drop_transaction_price(&self, transaction_id: u64) {
        self.lock().orders.priceless.push(transaction_id);
    }

    /// From now on Vinted has no label for the shipment (`label_url` answers 404).
    pub fn refuse_label(&self, shipment_id: u64) {
        self.lock().orders.labels_refused.push(shipment_id);
    }

    /// `my_orders` answers without pagination.
    pub fn drop_orders_pagination(&self) {
        self.lock().orders.no_pagination = true;
    }

    /// `my_orders` ignores `page` and claims `pages` pages.
    pub fn ignore_orders_page(&self, pages: usize) {
        self.lock().orders.page_ignored = Some(pages);
    }

    /// The shipment ids whose label file was served, in order.
    pub fn labels_served(&self) -> Vec<u64> {
        self.lock().orders.labels_served.clone()
    }
}
