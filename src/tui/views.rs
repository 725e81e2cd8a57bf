//! The rows each table shows: the snapshot's lists, narrowed by the live filter and ordered by
//! the chosen column. Pure functions of state, used by drawing, export and tests alike.

use crate::engine::{Alert, CategoryStats, GroupStats, OrderRow, SellerStats, Target};
use std::cmp::Ordering;

/// Selection, sort and filter of one table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListView {
    /// Selected row index (into the filtered, sorted rows).
    pub selected: usize,
    /// Sort column index.
    pub sort: usize,
    /// Ascending instead of the default descending.
    pub ascending: bool,
    /// Live filter text (case-insensitive substring).
    pub filter: String,
}

/// Sortable seller columns.
pub const SELLER_SORTS: [&str; 8] = [
    "Risk", "Orders", "Return", "High", "COD", "Rating", "Trend", "Seller",
];
/// Sortable category columns.
pub const CATEGORY_SORTS: [&str; 6] = ["Risk", "Orders", "Return", "High", "Trend", "Category"];
/// Sortable alert columns.
pub const ALERT_SORTS: [&str; 2] = ["Severity", "Target"];
/// Sortable order columns.
pub const ORDER_SORTS: [&str; 3] = ["Date", "Risk", "Price"];

/// Compares optional numbers, unknown values last in either direction.
pub fn opt_cmp(a: Option<f64>, b: Option<f64>, ascending: bool) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => {
            let o = x.total_cmp(&y);
            if ascending { o } else { o.reverse() }
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Compares text, A-Z by default (`ascending` flips it to Z-A, like the numeric columns).
pub fn text_cmp(a: &str, b: &str, ascending: bool) -> Ordering {
    if ascending { b.cmp(a) } else { a.cmp(b) }
}

/// Whether any field contains the filter (case-insensitive); an empty filter matches all.
pub fn matches(filter: &str, fields: &[&str]) -> bool {
    if filter.is_empty() {
        return true;
    }
    let f = filter.to_lowercase();
    fields.iter().any(|s| s.to_lowercase().contains(&f))
}

/// The columns sellers and categories share (0 risk, 1 orders, 2 return rate, 3 high-risk
/// share); `None` for any other column.
fn group_cmp(sort: usize, x: &GroupStats, y: &GroupStats, asc: bool) -> Option<Ordering> {
    Some(match sort {
        0 => opt_cmp(x.mean_risk, y.mean_risk, asc),
        1 => opt_cmp(Some(x.orders as f64), Some(y.orders as f64), asc),
        2 => opt_cmp(x.return_rate, y.return_rate, asc),
        3 => opt_cmp(x.high_risk_share, y.high_risk_share, asc),
        _ => return None,
    })
}

/// Sellers after filter and sort.
pub fn seller_rows<'a>(all: &'a [SellerStats], v: &ListView) -> Vec<&'a SellerStats> {
    let mut rows: Vec<&SellerStats> = all
        .iter()
        .filter(|s| {
            matches(
                &v.filter,
                &[&s.seller_id, &s.seller_name, &s.marketplace_id],
            )
        })
        .collect();
    let asc = v.ascending;
    rows.sort_by(|a, b| {
        group_cmp(v.sort, &a.stats, &b.stats, asc)
            .unwrap_or_else(|| match v.sort {
                4 => opt_cmp(a.cod_share, b.cod_share, asc),
                5 => opt_cmp(a.mean_rating, b.mean_rating, asc),
                6 => opt_cmp(a.stats.risk_slope, b.stats.risk_slope, asc),
                _ => text_cmp(&a.seller_id, &b.seller_id, asc),
            })
            .then_with(|| a.seller_id.cmp(&b.seller_id))
    });
    rows
}

/// Categories after filter and sort.
pub fn category_rows<'a>(all: &'a [CategoryStats], v: &ListView) -> Vec<&'a CategoryStats> {
    let mut rows: Vec<&CategoryStats> = all
        .iter()
        .filter(|c| matches(&v.filter, &[&c.category]))
        .collect();
    let asc = v.ascending;
    rows.sort_by(|a, b| {
        group_cmp(v.sort, &a.stats, &b.stats, asc)
            .unwrap_or_else(|| match v.sort {
                4 => opt_cmp(a.stats.risk_slope, b.stats.risk_slope, asc),
                _ => text_cmp(&a.category, &b.category, asc),
            })
            .then_with(|| a.category.cmp(&b.category))
    });
    rows
}

/// Name of an alert's target.
pub fn target_name(t: &Target) -> &str {
    match t {
        Target::Seller(id) | Target::Category(id) | Target::Marketplace(id) => id,
    }
}

/// Alerts after filter and sort (by default the engine's ranking).
pub fn alert_rows<'a>(all: &'a [Alert], v: &ListView) -> Vec<&'a Alert> {
    let mut rows: Vec<&Alert> = all
        .iter()
        .filter(|a| matches(&v.filter, &[&a.message, a.rule.as_str()]))
        .collect();
    match (v.sort, v.ascending) {
        (0, false) => {}
        (0, true) => rows.reverse(),
        (_, asc) => {
            rows.sort_by(|a, b| text_cmp(target_name(&a.target), target_name(&b.target), asc))
        }
    }
    rows
}

/// Drill-down order filters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderFilter {
    /// Only this category.
    pub category: Option<String>,
    /// Only orders with this status.
    pub status: Option<crate::engine::OrderStatus>,
    /// Only this payment method.
    pub payment: Option<String>,
}

/// The seller's orders after the drill-down filters, the live filter and the sort.
pub fn order_rows<'a>(all: &'a [OrderRow], f: &OrderFilter, v: &ListView) -> Vec<&'a OrderRow> {
    let mut rows: Vec<&OrderRow> = all
        .iter()
        .filter(|o| f.category.as_ref().is_none_or(|c| &o.category == c))
        .filter(|o| f.status.is_none_or(|s| o.status == s))
        .filter(|o| {
            f.payment
                .as_ref()
                .is_none_or(|p| o.payment_method.as_ref() == Some(p))
        })
        .filter(|o| matches(&v.filter, &[&o.order_id, &o.category]))
        .collect();
    let asc = v.ascending;
    match v.sort {
        0 if !asc => {} // the engine lists newest first
        0 => rows.reverse(),
        1 => rows.sort_by(|a, b| opt_cmp(a.risk_score, b.risk_score, asc)),
        _ => rows.sort_by(|a, b| opt_cmp(Some(a.price), Some(b.price), asc)),
    }
    rows
}

/// The next value in a cycle `None -> values[0] -> ... -> None`.
pub fn cycle<T: Clone + PartialEq>(current: &Option<T>, values: &[T]) -> Option<T> {
    match current {
        None => values.first().cloned(),
        Some(c) => values
            .iter()
            .position(|v| v == c)
            .and_then(|i| values.get(i + 1))
            .cloned(),
    }
}
