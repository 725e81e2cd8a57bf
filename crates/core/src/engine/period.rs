//! Period over period: the same figures for the window of equal length just before the
//! current one (30 days vs the 30 before; none for all time, or when the data does not reach
//! back a whole window), and for rates whether the change is significant (two-proportion
//! z-test, two-sided p-value). Read from the cube's daily totals: a few dozen merges.

use super::cube::{Cell, Cube};
use super::snapshot::Scope;
use super::window::Window;
use crate::drift::stats::proportions_z_test;
use serde::Serialize;

/// The previous window's figures, and the p-values of the rates' changes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Previous {
    /// Its first day.
    pub start: String,
    /// Its last day (the day before the current window starts).
    pub end: String,
    /// Orders.
    pub total_orders: u64,
    /// Orders with a known outcome.
    pub labelled_orders: u64,
    /// Returned orders.
    pub returned_orders: u64,
    /// Orders still pending.
    pub pending_orders: u64,
    /// returned / labelled.
    pub return_rate: Option<f64>,
    /// Mean predicted risk.
    pub mean_risk: Option<f64>,
    /// High-risk orders.
    pub high_risk_orders: Option<u64>,
    /// Their share.
    pub high_risk_share: Option<f64>,
    /// Sum of risk x price.
    pub revenue_at_risk: Option<f64>,
    /// Share of COD orders.
    pub cod_share: Option<f64>,
    /// p-value of the return rate's change (`null` when either side has no labelled order).
    pub return_rate_p: Option<f64>,
    /// p-value of the high-risk share's change.
    pub high_risk_share_p: Option<f64>,
    /// p-value of the COD share's change.
    pub cod_share_p: Option<f64>,
}

/// The two-sided p-value of `k1/n1` vs `k2/n2`.
fn p_value(k1: u64, n1: u64, k2: u64, n2: u64) -> Option<f64> {
    proportions_z_test(k1 as f64, n1 as f64, k2 as f64, n2 as f64).map(|t| t.p_value)
}

/// The window before `window` (ending the day before `start`), compared with `current`.
pub fn previous(
    cube: &Cube,
    window: Window,
    start: i32,
    marketplace: Option<u16>,
    current: &Cell,
) -> Option<Previous> {
    let Window::Days(n) = window else {
        return None;
    };
    let (from, to) = (start - n as i32, start - 1);
    if from < cube.first_day {
        return None;
    }
    let c = cube.totals(from, to, marketplace);
    let scored = cube.scored;
    let risk = |v: Option<f64>| v.filter(|_| scored);
    Some(Previous {
        start: crate::data::day_string(from),
        end: crate::data::day_string(to),
        total_orders: c.orders,
        labelled_orders: c.labelled,
        returned_orders: c.returned,
        pending_orders: c.orders - c.labelled,
        return_rate: c.return_rate(),
        mean_risk: risk(c.mean_risk()),
        high_risk_orders: scored.then_some(c.high),
        high_risk_share: risk(c.high_share()),
        revenue_at_risk: risk(Some(c.revenue_at_risk)),
        cod_share: c.cod_share(),
        return_rate_p: p_value(current.returned, current.labelled, c.returned, c.labelled),
        high_risk_share_p: p_value(current.high, current.orders, c.high, c.orders)
            .filter(|_| scored),
        cod_share_p: p_value(current.cod, current.payment_known, c.cod, c.payment_known),
    })
}

/// A p-value as shown: `p 0.03`, `p <0.001`.
fn p_text(p: Option<f64>) -> String {
    match p {
        Some(p) if p < 0.001 => " (p<.001)".into(),
        Some(p) => format!(" (p {})", format!("{p:.3}").trim_start_matches('0')),
        None => String::new(),
    }
}

/// A rate's change in points, with its p-value: `+2.3 pts (p 0.002)`, or `n/a`.
fn points(now: Option<f64>, before: Option<f64>, p: Option<f64>) -> String {
    match (now, before) {
        (Some(a), Some(b)) => format!("{:+.1}pt{}", 100.0 * (a - b), p_text(p)),
        _ => "n/a".into(),
    }
}

/// A count's or an amount's relative change: `-1.5%`, or `n/a`.
fn relative(now: Option<f64>, before: Option<f64>) -> String {
    match (now, before) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:+.1}%", 100.0 * (a / b - 1.0)),
        _ => "n/a".into(),
    }
}

impl Previous {
    /// The changes in one line, most telling first: `vs prior 30d: returns +2.3pt (p .002),
    /// risk +2.8pt, high +2.6pt (p<.001), orders -1.5%, at risk +16.7%` (points for rates,
    /// with the p-value of the change; percent for counts and amounts).
    pub fn summary(&self, now: &super::Snapshot) -> String {
        let returns = points(now.return_rate, self.return_rate, self.return_rate_p);
        let risk = points(now.mean_risk, self.mean_risk, None);
        let high = points(
            now.high_risk_share,
            self.high_risk_share,
            self.high_risk_share_p,
        );
        let orders = relative(
            Some(now.total_orders as f64),
            Some(self.total_orders as f64),
        );
        let at_risk = relative(now.revenue_at_risk, self.revenue_at_risk);
        format!(
            "vs prior {}: {} {returns}, risk {risk}, high {high}, orders {orders}, at risk {at_risk}",
            now.window_label(),
            now.label_noun.plural
        )
    }
}

/// Every seller's and category's sums over the window before `window` (same scope), for the
/// tables' change columns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PreviousGroups {
    /// By seller index.
    pub sellers: Vec<Cell>,
    /// By category index.
    pub categories: Vec<Cell>,
    /// Whether the cube is scored (risk changes are n/a otherwise).
    pub scored: bool,
}

impl PreviousGroups {
    /// The change of mean risk of seller `s` (index) from before to `now`, in 0-1.
    pub fn seller_risk_change(&self, s: usize, now: Option<f64>) -> Option<f64> {
        let before = self.sellers.get(s)?.mean_risk().filter(|_| self.scored)?;
        Some(now? - before)
    }

    /// The same for category `c`.
    pub fn category_risk_change(&self, c: usize, now: Option<f64>) -> Option<f64> {
        let before = self
            .categories
            .get(c)?
            .mean_risk()
            .filter(|_| self.scored)?;
        Some(now? - before)
    }
}

/// The groups' sums over the window before `window` (`None` for all time or when the data
/// does not reach back a whole window).
pub fn previous_groups(
    ds: &crate::data::Dataset,
    cube: &Cube,
    window: Window,
    scope: Scope,
) -> Option<PreviousGroups> {
    let Window::Days(n) = window else {
        return None;
    };
    let start = window.start_day(cube.last_day, cube.first_day);
    let (from, to) = (start - n as i32, start - 1);
    if from < cube.first_day {
        return None;
    }
    let (sellers, categories) = super::walk::group_sums(ds, cube, from, to, scope);
    Some(PreviousGroups {
        sellers,
        categories,
        scored: cube.scored,
    })
}
