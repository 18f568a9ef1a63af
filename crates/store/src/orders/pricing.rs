//! The money of an order, without the database: each line's share of the price, unit costs,
//! the order's cost and profit, a restocked item's average cost. All in integer cents; every
//! split adds up exactly to what it splits.

use super::OrderType;

/// Profit of a sale: money received − cost of the goods − fees borne by the seller (a missing
/// fee total counts as 0). The one definition; `PROFIT_SQL` is the same in SQL.
pub const fn profit_cents(price_cents: i64, cost_cents: i64, fees_total_cents: Option<i64>) -> i64 {
    let fees = match fees_total_cents {
        Some(f) => f,
        None => 0,
    };
    price_cents - cost_cents - fees
}

/// [`profit_cents`] over a `seller_orders` row aliased `o`.
pub(super) const PROFIT_SQL: &str = "(o.price - o.purchase_cost - COALESCE(o.fees_total, 0))";

/// One line of an order as its pricing sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LineInput {
    pub quantity: i64,
    /// The line's price as the draft gave it, if it did.
    pub price_cents: Option<i64>,
    /// Sale: the linked item's list price per unit (0 for a line not linked to the inventory).
    pub list_price_cents: i64,
    /// Sale: the unit cost snapshotted at the sale (the item's purchase cost, or what the draft
    /// says for a line not linked to the inventory). Unused for a purchase.
    pub sale_unit_cost_cents: i64,
}

/// A line's money as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LinePrice {
    /// The line's share of the order's price, all units.
    pub price_cents: i64,
    /// Sale: the unit cost when sold; purchase: the landed unit cost (price and fee share).
    pub unit_cost_cents: i64,
}

/// The money of a whole order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct OrderPricing {
    pub lines: Vec<LinePrice>,
    /// Sale: cost of the goods sold; purchase: price + fees.
    pub cost_cents: i64,
}

/// Prices an order's lines (see the money model in the module `orders`):
/// - each line's price is the draft's when every line has one; otherwise the order's price is
///   split in proportion to list price × quantity for a sale, to quantity for a purchase;
/// - a purchase's fees are split over its lines in proportion to their prices, and a purchase
///   line's unit cost is its price and fee share per unit, rounded.
pub(super) fn price_order(
    order_type: OrderType,
    price_cents: i64,
    fees_total_cents: Option<i64>,
    lines: &[LineInput],
) -> OrderPricing {
    let is_sale = order_type == OrderType::Sale;
    let quantities: Vec<i64> = lines.iter().map(|l| l.quantity).collect();
    let prices = line_prices(is_sale, price_cents, lines, &quantities);
    let fees_total = fees_total_cents.unwrap_or(0);
    let fee_shares = if is_sale {
        vec![0; lines.len()]
    } else {
        allocate(fees_total, &prices, &quantities)
    };
    let priced: Vec<LinePrice> = lines
        .iter()
        .zip(prices)
        .zip(fee_shares)
        .map(|((line, price), fee_share)| LinePrice {
            price_cents: price,
            unit_cost_cents: if is_sale {
                line.sale_unit_cost_cents
            } else {
                div_round(price + fee_share, line.quantity)
            },
        })
        .collect();
    let cost_cents = if is_sale {
        priced
            .iter()
            .zip(lines)
            .map(|(p, l)| p.unit_cost_cents * l.quantity)
            .sum()
    } else {
        price_cents + fees_total
    };
    OrderPricing {
        lines: priced,
        cost_cents,
    }
}

/// Each line's share of the order's price: the draft's when every line has one, otherwise the
/// price split by list price × quantity (sale) or by quantity (purchase, and a sale of items
/// without list prices).
fn line_prices(
    is_sale: bool,
    price_cents: i64,
    lines: &[LineInput],
    quantities: &[i64],
) -> Vec<i64> {
    if lines.iter().all(|l| l.price_cents.is_some()) {
        return lines.iter().filter_map(|l| l.price_cents).collect();
    }
    let weights: Vec<i64> = if is_sale {
        lines
            .iter()
            .map(|l| l.list_price_cents * l.quantity)
            .collect()
    } else {
        quantities.to_vec()
    };
    allocate(price_cents, &weights, quantities)
}

/// A restocked item's new unit cost: the average of the stock on hand (negative counts as none)
/// and the units bought, weighted by their numbers, rounded.
pub(super) fn weighted_average_cost(
    on_hand: i64,
    on_hand_unit_cost_cents: i64,
    bought: i64,
    bought_unit_cost_cents: i64,
) -> i64 {
    let on_hand = on_hand.max(0);
    div_round(
        on_hand * on_hand_unit_cost_cents + bought * bought_unit_cost_cents,
        on_hand + bought,
    )
}

/// Splits `total` into parts proportional to `weights` that add up to exactly `total` (largest
/// remainder; ties go to the earlier line). Falls back to `fallback` when the weights are all 0,
/// and to equal parts when that is all 0 too.
pub(crate) fn allocate(total: i64, weights: &[i64], fallback: &[i64]) -> Vec<i64> {
    let n = weights.len();
    if n == 0 {
        return Vec::new();
    }
    let pick = |w: &[i64]| -> Option<Vec<i128>> {
        let sum: i128 = w.iter().map(|&x| i128::from(x.max(0))).sum();
        (sum > 0).then(|| w.iter().map(|&x| i128::from(x.max(0))).collect())
    };
    let weights = pick(weights)
        .or_else(|| pick(fallback))
        .unwrap_or_else(|| vec![1; n]);
    let sum: i128 = weights.iter().sum();
    let total128 = i128::from(total);
    let mut parts: Vec<i64> = weights
        .iter()
        .map(|w| (total128 * w / sum) as i64)
        .collect();
    let rest = total - parts.iter().sum::<i64>();
    let mut by_remainder: Vec<usize> = (0..n).collect();
    by_remainder.sort_by_key(|&i| std::cmp::Reverse((total128 * weights[i]) % sum));
    for &i in by_remainder.iter().take(rest.max(0) as usize) {
        parts[i] += 1;
    }
    parts
}

/// `numerator / denominator` rounded to the nearest integer, halves away from zero.
pub(crate) fn div_round(numerator: i64, denominator: i64) -> i64 {
    if denominator <= 0 {
        return 0;
    }
    let (q, r) = (numerator / denominator, numerator % denominator);
    if 2 * r.abs() >= denominator {
        q + numerator.signum()
    } else {
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profit_is_price_minus_cost_minus_fees() {
        let cases = [
            // (price, cost, fees total, profit)
            (2500, 800, Some(300), 1400),
            (2500, 800, None, 1700),
            (1000, 1200, Some(0), -200),
            (0, 0, None, 0),
            (100, 0, Some(150), -50),
        ];
        for (price, cost, fees, expected) in cases {
            assert_eq!(
                profit_cents(price, cost, fees),
                expected,
                "price {price}, cost {cost}, fees {fees:?}"
            );
        }
    }

    #[test]
    fn allocate_adds_up_exactly_and_follows_weights() {
        // (total, weights, fallback, parts)
        type Case = (i64, &'static [i64], &'static [i64], &'static [i64]);
        let cases: [Case; 6] = [
            (100, &[1, 1, 1], &[1, 1, 1], &[34, 33, 33]),
            (1000, &[3000, 1000], &[1, 1], &[750, 250]),
            (7, &[0, 0], &[1, 2], &[2, 5]),
            (5, &[0, 0], &[0, 0], &[3, 2]),
            (0, &[5, 5], &[1, 1], &[0, 0]),
            (10, &[-4, 1], &[1, 1], &[0, 10]),
        ];
        for (total, weights, fallback, expected) in cases {
            assert_eq!(
                allocate(total, weights, fallback),
                expected,
                "{total} over {weights:?}"
            );
        }
        for total in [0, 1, 99, 12_345] {
            let parts = allocate(total, &[7, 13, 1, 0], &[1, 1, 1, 1]);
            assert_eq!(parts.iter().sum::<i64>(), total);
        }
    }

    #[test]
    fn div_round_rounds_halves_away_from_zero() {
        let cases = [
            // (numerator, denominator, quotient)
            (10, 4, 3),
            (9, 4, 2),
            (11, 4, 3),
            (-10, 4, -3),
            (-9, 4, -2),
            (5, 0, 0),
            (5, -1, 0),
            (1999, 2, 1000),
        ];
        for (numerator, denominator, expected) in cases {
            assert_eq!(
                div_round(numerator, denominator),
                expected,
                "{numerator} / {denominator}"
            );
        }
    }

    #[test]
    fn a_restocked_items_cost_is_the_weighted_average() {
        let cases = [
            // (on hand, its unit cost, bought, their unit cost, new unit cost)
            (0, 0, 3, 500, 500),
            (2, 400, 2, 600, 500),
            (1, 1000, 2, 0, 333),
            (1, 1001, 1, 0, 501),
            (-3, 900, 1, 300, 300),
        ];
        for (on_hand, cost, bought, bought_cost, expected) in cases {
            assert_eq!(
                weighted_average_cost(on_hand, cost, bought, bought_cost),
                expected,
                "{on_hand} at {cost} + {bought} at {bought_cost}"
            );
        }
    }

    fn line(quantity: i64, price: Option<i64>, list_price: i64, unit_cost: i64) -> LineInput {
        LineInput {
            quantity,
            price_cents: price,
            list_price_cents: list_price,
            sale_unit_cost_cents: unit_cost,
        }
    }

    #[test]
    fn orders_are_priced_line_by_line_in_cents() {
        struct Case {
            what: &'static str,
            order_type: OrderType,
            price: i64,
            fees: Option<i64>,
            lines: Vec<LineInput>,
            /// (line price, unit cost) per line.
            expected: Vec<(i64, i64)>,
            cost: i64,
        }
        use OrderType::{Purchase, Sale};
        let cases = [
            Case {
                what: "a single sale line takes the whole price and the item's cost",
                order_type: Sale,
                price: 2500,
                fees: Some(300),
                lines: vec![line(1, None, 3000, 800)],
                expected: vec![(2500, 800)],
                cost: 800,
            },
            Case {
                what: "a bundle sale splits by list price × quantity",
                order_type: Sale,
                price: 1000,
                fees: None,
                lines: vec![line(1, None, 3000, 500), line(2, None, 500, 100)],
                expected: vec![(750, 500), (250, 100)],
                cost: 700,
            },
            Case {
                what: "items without list prices split a sale by quantity",
                order_type: Sale,
                price: 100,
                fees: None,
                lines: vec![line(1, None, 0, 0), line(2, None, 0, 40)],
                expected: vec![(33, 0), (67, 40)],
                cost: 80,
            },
            Case {
                what: "prices given on every line are kept",
                order_type: Sale,
                price: 1000,
                fees: None,
                lines: vec![line(1, Some(900), 100, 10), line(1, Some(100), 900, 20)],
                expected: vec![(900, 10), (100, 20)],
                cost: 30,
            },
            Case {
                what: "a purchase's unit cost carries its fee share",
                order_type: Purchase,
                price: 1000,
                fees: Some(100),
                lines: vec![line(4, None, 0, 0)],
                expected: vec![(1000, 275)],
                cost: 1100,
            },
            Case {
                what: "a purchase splits price by quantity and fees by price",
                order_type: Purchase,
                price: 900,
                fees: Some(90),
                lines: vec![line(1, None, 0, 0), line(2, None, 0, 0)],
                expected: vec![(300, 330), (600, 330)],
                cost: 990,
            },
            Case {
                what: "a purchase's unit cost is rounded, its cost is exact",
                order_type: Purchase,
                price: 1000,
                fees: None,
                lines: vec![line(3, None, 0, 0)],
                expected: vec![(1000, 333)],
                cost: 1000,
            },
        ];
        for case in cases {
            let priced = price_order(case.order_type, case.price, case.fees, &case.lines);
            let got: Vec<(i64, i64)> = priced
                .lines
                .iter()
                .map(|l| (l.price_cents, l.unit_cost_cents))
                .collect();
            assert_eq!(got, case.expected, "{}", case.what);
            assert_eq!(priced.cost_cents, case.cost, "{}", case.what);
            let sum: i64 = priced.lines.iter().map(|l| l.price_cents).sum();
            assert_eq!(sum, case.price, "{}: the lines add up", case.what);
        }
    }
}
