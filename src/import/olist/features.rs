//! The features of an Olist row, causal: computed only from what was known when the order
//! was placed, plus its delivery once delivered. "Earlier" means a review created before this
//! order's purchase time (never the order's own review) or an order purchased before it.
//! Importing the data cut at any date gives the same values for every order before it
//! (a test checks this).

use super::tables::{OlistTables, RawCustomer, RawItem, RawOrder};
use chrono::NaiveDateTime;
use std::collections::{HashMap, HashSet};

/// Features of one (order, seller) row beyond its items.
#[derive(Clone, Debug, PartialEq)]
pub struct CausalFeatures {
    /// Days from purchase to delivery; `None` until delivered.
    pub delivery_days: Option<f64>,
    /// Days delivered after the estimate (negative: early); `None` until delivered.
    pub days_late: Option<f64>,
    /// Type of the order's largest payment by value (`none` without payments).
    pub payment_type: String,
    /// Installments of that payment.
    pub installments: Option<f64>,
    /// No earlier order of the same person (`customer_unique_id`).
    pub new_customer: bool,
    /// Share of bad reviews (score <= 2) among the person's reviews created before this
    /// purchase; `None` without any.
    pub customer_bad_review_rate: Option<f64>,
    /// Mean score of the reviews created before this purchase on orders holding the row's
    /// main product; `None` without any.
    pub product_mean_score: Option<f64>,
    /// Seller and customer in the same state.
    pub same_state: bool,
    /// The seller's Brazilian region (N, NE, CO, SE, S): the "marketplace".
    pub region: &'static str,
}

/// The region of a Brazilian state (IBGE's five regions); `unknown` for anything else.
pub fn region(state: &str) -> &'static str {
    match state.trim().to_ascii_uppercase().as_str() {
        "AC" | "AP" | "AM" | "PA" | "RO" | "RR" | "TO" => "N",
        "AL" | "BA" | "CE" | "MA" | "PB" | "PE" | "PI" | "RN" | "SE" => "NE",
        "DF" | "GO" | "MT" | "MS" => "CO",
        "ES" | "MG" | "RJ" | "SP" => "SE",
        "PR" | "RS" | "SC" => "S",
        _ => "unknown",
    }
}

/// A review as the history keeps it: when, on which order, its score.
type Dated<'a> = (NaiveDateTime, &'a str, u8);

/// What every order's features look back on: purchases and reviews by person, reviews by
/// product.
pub struct History<'a> {
    purchases: HashMap<&'a str, Vec<NaiveDateTime>>,
    person_reviews: HashMap<&'a str, Vec<Dated<'a>>>,
    product_reviews: HashMap<&'a str, Vec<Dated<'a>>>,
}

impl<'a> History<'a> {
    /// Indexes the tables (every order status counts as history: it was known then).
    pub fn new(t: &'a OlistTables, items: &HashMap<&'a str, Vec<&'a RawItem>>) -> History<'a> {
        let person_of: HashMap<&str, &str> = t
            .orders
            .iter()
            .filter_map(|o| Some((o.id.as_str(), t.customers.get(&o.customer)?.unique.as_str())))
            .collect();
        let mut purchases: HashMap<&str, Vec<NaiveDateTime>> = HashMap::new();
        for o in &t.orders {
            if let Some(p) = person_of.get(o.id.as_str()) {
                purchases.entry(p).or_default().push(o.purchased);
            }
        }
        let mut person_reviews: HashMap<&str, Vec<Dated>> = HashMap::new();
        let mut product_reviews: HashMap<&str, Vec<Dated>> = HashMap::new();
        for r in &t.reviews {
            let dated = (r.created, r.order.as_str(), r.score);
            if let Some(p) = person_of.get(r.order.as_str()) {
                person_reviews.entry(p).or_default().push(dated);
            }
            let products: HashSet<&str> = items
                .get(r.order.as_str())
                .map(|its| its.iter().map(|i| i.product.as_str()).collect())
                .unwrap_or_default();
            for p in products {
                product_reviews.entry(p).or_default().push(dated);
            }
        }
        History {
            purchases,
            person_reviews,
            product_reviews,
        }
    }
}

/// Days between two times, to the thousandth of a day.
fn days(from: NaiveDateTime, to: NaiveDateTime) -> f64 {
    ((to - from).num_seconds() as f64 / 86_400.0 * 1000.0).round() / 1000.0
}

/// Scores of `reviews` created before `before`, other than those of order `own`.
fn earlier<'b>(
    reviews: Option<&'b Vec<Dated<'b>>>,
    before: NaiveDateTime,
    own: &'b str,
) -> impl Iterator<Item = u8> + 'b {
    reviews
        .into_iter()
        .flatten()
        .filter(move |(created, order, _)| *created < before && *order != own)
        .map(|(_, _, score)| *score)
}

/// The causal features of order `o`'s row for `seller`, whose main item is `product`.
pub fn causal_features(
    t: &OlistTables,
    h: &History,
    o: &RawOrder,
    customer: &RawCustomer,
    seller: &str,
    product: &str,
) -> CausalFeatures {
    let payment = t.payments.get(&o.id).and_then(|ps| {
        ps.iter().max_by(|a, b| {
            a.value
                .total_cmp(&b.value)
                .then(b.sequential.cmp(&a.sequential))
        })
    });
    let person = customer.unique.as_str();
    let new_customer = !h
        .purchases
        .get(person)
        .is_some_and(|ps| ps.iter().any(|&p| p < o.purchased));
    let (bad, n) = earlier(h.person_reviews.get(person), o.purchased, &o.id)
        .fold((0usize, 0usize), |(b, n), s| {
            (b + usize::from(s <= 2), n + 1)
        });
    let (sum, m) = earlier(h.product_reviews.get(product), o.purchased, &o.id)
        .fold((0.0, 0usize), |(s, m), x| (s + f64::from(x), m + 1));
    let seller_state = t.sellers.get(seller).map_or("", |s| s.state.as_str());
    CausalFeatures {
        delivery_days: o.delivered.map(|d| days(o.purchased, d)),
        days_late: o.delivered.zip(o.estimated).map(|(d, e)| days(e, d)),
        payment_type: payment.map_or("none".into(), |p| p.kind.clone()),
        installments: payment.map(|p| p.installments),
        new_customer,
        customer_bad_review_rate: (n > 0).then(|| bad as f64 / n as f64),
        product_mean_score: (m > 0).then(|| sum / m as f64),
        same_state: seller_state.eq_ignore_ascii_case(&customer.state),
        region: region(seller_state),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_has_its_region() {
        let states = [
            ("SP", "SE"),
            ("rj", "SE"),
            ("BA", "NE"),
            ("AM", "N"),
            ("DF", "CO"),
            ("RS", "S"),
            ("XX", "unknown"),
        ];
        for (s, r) in states {
            assert_eq!(region(s), r, "{s}");
        }
    }

    #[test]
    fn days_are_exact_to_the_thousandth() {
        let t = |s| super::super::tables::parse_timestamp(s).unwrap();
        assert_eq!(
            days(t("2018-01-01 00:00:00"), t("2018-01-03 12:00:00")),
            2.5
        );
        assert_eq!(
            days(t("2018-01-03 00:00:00"), t("2018-01-01 00:00:00")),
            -2.0
        );
    }
}
