//! From the Olist tables to one row per (order, seller), with the label and the counts of
//! everything left out.
//!
//! - **Grain**: an order whose items come from two sellers becomes two rows (`<order>-1`,
//!   `<order>-2`, in seller id order); each row sums its seller's item prices and freight
//!   and counts its items. Joining items with payments and reviews (the fan-out the MLOps
//!   project trained on) is never done.
//! - **Label**: a bad review (score 1 or 2) = 1, a score of 3-5 = 0, no review = unknown
//!   (pending, not 0). With several reviews, the latest by creation date counts.
//! - **Excluded**: canceled and unavailable orders, orders without items or with an unknown
//!   customer; items of a seller missing from the sellers table. Each group is counted.

use super::features::{History, causal_features};
use super::tables::{OlistTables, RawItem};
use chrono::NaiveDateTime;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// What the label means on Olist data, wherever it is shown.
pub const LABEL_DEFINITION: &str = "bad review (score <= 2), a proxy for a return";

/// Order statuses that never reach a customer: excluded.
const EXCLUDED_STATUSES: [&str; 2] = ["canceled", "unavailable"];

/// One (order, seller) row with its features and label.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportRow {
    /// Row id: the order id, or `<order id>-<k>` when the order has several sellers.
    pub id: String,
    /// The Olist order id.
    pub order_id: String,
    /// Purchase time.
    pub purchased: NaiveDateTime,
    /// Seller id.
    pub seller: String,
    /// Category (English) of the seller's main item (highest price); `unknown` when Olist
    /// has none.
    pub category: String,
    /// Sum of the seller's item prices.
    pub price: f64,
    /// Sum of their freight.
    pub freight: f64,
    /// The seller's items in the order.
    pub items: u32,
    /// The model's inputs known at purchase (and delivery), never later.
    pub features: super::features::CausalFeatures,
    /// Bad review (1/0), `None` while the order has no review.
    pub bad_review: Option<bool>,
}

/// A group of rows left out, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Exclusion {
    /// Why.
    pub reason: String,
    /// How many orders (or, for items, item rows).
    pub count: usize,
}

/// Every count of an import (for `import.json` and docs/data.md).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ImportCounts {
    /// Orders in the orders table.
    pub orders_read: usize,
    /// Orders kept.
    pub orders_kept: usize,
    /// Rows written: one per (order, seller).
    pub rows: usize,
    /// Orders split across several sellers.
    pub orders_split: usize,
    /// Rows with a review (labelled).
    pub rows_labelled: usize,
    /// Labelled rows with a bad review.
    pub rows_bad_review: usize,
    /// Rows without a review (pending).
    pub rows_without_review: usize,
    /// Orders with more than one review (the latest counts).
    pub orders_with_several_reviews: usize,
    /// Review ids that appear on more than one row of the reviews table.
    pub repeated_review_ids: usize,
    /// Rows whose main product has no category in Olist (`unknown`).
    pub rows_without_category: usize,
    /// Rows of orders not delivered (no delivery days).
    pub rows_not_delivered: usize,
    /// Rows of new customers (no earlier order of the same person).
    pub rows_new_customer: usize,
    /// Groups left out.
    pub excluded: Vec<Exclusion>,
}

/// The import: rows sorted by purchase time, and the counts.
#[derive(Clone, Debug)]
pub struct Built {
    /// One row per (order, seller).
    pub rows: Vec<ImportRow>,
    /// Counts.
    pub counts: ImportCounts,
}

/// The latest review per order (by creation date, then review id), and how many orders
/// had several.
fn labels(t: &OlistTables) -> (HashMap<&str, bool>, usize) {
    let mut latest: HashMap<&str, (NaiveDateTime, &str, u8)> = HashMap::new();
    let mut reviews_per_order: HashMap<&str, usize> = HashMap::new();
    for r in &t.reviews {
        *reviews_per_order.entry(&r.order).or_default() += 1;
        let key = (r.created, r.id.as_str(), r.score);
        latest
            .entry(&r.order)
            .and_modify(|cur| {
                if (key.0, key.1) > (cur.0, cur.1) {
                    *cur = key;
                }
            })
            .or_insert(key);
    }
    let several = reviews_per_order.values().filter(|&&n| n > 1).count();
    let bad = latest
        .into_iter()
        .map(|(o, (_, _, s))| (o, s <= 2))
        .collect();
    (bad, several)
}

/// English category of a product: the translation, the Portuguese name when there is
/// none, `unknown` when Olist has no category.
fn category(t: &OlistTables, product: &str) -> String {
    match t.products.get(product).map(String::as_str) {
        None | Some("") => "unknown".into(),
        Some(pt) => t
            .translation
            .get(pt)
            .cloned()
            .unwrap_or_else(|| pt.to_string()),
    }
}

/// Builds the rows from the tables.
pub fn build(t: &OlistTables) -> Built {
    let mut counts = ImportCounts {
        orders_read: t.orders.len(),
        ..ImportCounts::default()
    };
    let (bad_review, several) = labels(t);
    counts.orders_with_several_reviews = several;
    let mut review_ids: HashMap<&str, usize> = HashMap::new();
    for r in &t.reviews {
        *review_ids.entry(&r.id).or_default() += 1;
    }
    counts.repeated_review_ids = review_ids.values().filter(|&&n| n > 1).count();

    let items = t.items_by_order();
    let history = History::new(t, &items);
    let mut excluded: BTreeMap<String, usize> = BTreeMap::new();
    let mut rows = Vec::new();
    for o in &t.orders {
        if EXCLUDED_STATUSES.contains(&o.status.as_str()) {
            *excluded
                .entry(format!("order status {}", o.status))
                .or_default() += 1;
            continue;
        }
        let Some(customer) = t.customers.get(&o.customer) else {
            *excluded
                .entry("customer not in the customers table".into())
                .or_default() += 1;
            continue;
        };
        let Some(order_items) = items.get(o.id.as_str()) else {
            *excluded.entry("no items".into()).or_default() += 1;
            continue;
        };
        let mut by_seller: BTreeMap<&str, Vec<&RawItem>> = BTreeMap::new();
        for it in order_items {
            if t.sellers.contains_key(&it.seller) {
                by_seller.entry(&it.seller).or_default().push(it);
            } else {
                *excluded
                    .entry("items of a seller not in the sellers table".into())
                    .or_default() += 1;
            }
        }
        if by_seller.is_empty() {
            continue;
        }
        counts.orders_kept += 1;
        counts.orders_split += usize::from(by_seller.len() > 1);
        let split = by_seller.len() > 1;
        for (k, (seller, its)) in by_seller.into_iter().enumerate() {
            let Some(main) = its
                .iter()
                .max_by(|a, b| a.price.total_cmp(&b.price).then(b.item.cmp(&a.item)))
            else {
                continue; // a seller group always has items
            };
            let features = causal_features(t, &history, o, customer, seller, &main.product);
            rows.push(ImportRow {
                id: if split {
                    format!("{}-{}", o.id, k + 1)
                } else {
                    o.id.clone()
                },
                order_id: o.id.clone(),
                purchased: o.purchased,
                seller: seller.to_string(),
                category: category(t, &main.product),
                price: its.iter().map(|i| i.price).sum(),
                freight: its.iter().map(|i| i.freight).sum(),
                items: its.len() as u32,
                features,
                bad_review: bad_review.get(o.id.as_str()).copied(),
            });
        }
    }
    rows.sort_by(|a, b| (a.purchased, &a.id).cmp(&(b.purchased, &b.id)));
    counts.rows = rows.len();
    for r in &rows {
        match r.bad_review {
            Some(bad) => {
                counts.rows_labelled += 1;
                counts.rows_bad_review += usize::from(bad);
            }
            None => counts.rows_without_review += 1,
        }
        counts.rows_without_category += usize::from(r.category == "unknown");
        counts.rows_not_delivered += usize::from(r.features.delivery_days.is_none());
        counts.rows_new_customer += usize::from(r.features.new_customer);
    }
    counts.excluded = excluded
        .into_iter()
        .map(|(reason, count)| Exclusion { reason, count })
        .collect();
    Built { rows, counts }
}
