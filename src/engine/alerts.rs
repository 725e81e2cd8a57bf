//! Alerts, ranked by severity. Rules (constants below, documented in the README):
//! 1. Seller with at least 10 High-risk orders and a High-risk share of at least 25%
//!    (original rule); critical from a 40% share.
//! 2. Category with a High-risk share of at least 30% (original rule).
//! 3. Seller or category whose return rate is significantly above its marketplace: the 95%
//!    Wilson lower bound of its rate exceeds the marketplace rate, by at least 5 points;
//!    critical when the bound is 1.5x the marketplace rate.
//! 4. Seller or category whose mean risk is significantly above its marketplace: mean minus
//!    1.96 standard errors exceeds the marketplace mean, by at least 5 points.
//! 5. Seller whose risk is rising: least-squares slope of its daily mean risk with t >= 3
//!    over at least 10 active days and a rise of at least 5 points per 30 days; critical
//!    from 15 points.
//! 6. Marketplace with data drift (`drift` command's method, last 30 days vs the training
//!    period): warning, critical when at least half of its columns drift.
//!
//! The minimum effects keep big sellers from alerting on differences nobody would act on.

use super::cube::Cell;
use super::snapshot::SellerStats;
use super::stats::wilson_lower;
use crate::data::Dataset;
use crate::drift::report::DriftReport;
use serde::Serialize;

/// Rule 1: minimum High-risk orders.
pub const SELLER_MIN_HIGH_ORDERS: u64 = 10;
/// Rule 1: minimum High-risk share.
pub const SELLER_HIGH_SHARE: f64 = 0.25;
/// Rule 1: share from which the alert is critical.
pub const SELLER_HIGH_SHARE_CRITICAL: f64 = 0.40;
/// Rule 2: minimum High-risk share of a category.
pub const CATEGORY_HIGH_SHARE: f64 = 0.30;
/// Rules 3-4: normal quantile of the one-sided bound (1.96: 97.5% one-sided).
pub const Z: f64 = 1.96;
/// Rules 3-4: minimum excess over the marketplace.
pub const MIN_EXCESS: f64 = 0.05;
/// Rule 3: bound / marketplace rate from which the alert is critical.
pub const CRITICAL_RATE_RATIO: f64 = 1.5;
/// Rule 5: minimum t statistic of the slope.
pub const RISING_MIN_T: f64 = 3.0;
/// Rule 5: minimum active days.
pub const RISING_MIN_DAYS: usize = 10;
/// Rule 5: minimum rise per 30 days.
pub const RISING_MIN_RISE_30D: f64 = 0.05;
/// Rule 5: rise per 30 days from which the alert is critical.
pub const RISING_CRITICAL_RISE_30D: f64 = 0.15;

crate::named_enum! {
    /// How urgent an alert is (ordered: info < warning < critical).
    pub enum Severity {
        /// Worth a look.
        Info => "info",
        /// Act this week.
        Warning => "warning",
        /// Act now.
        Critical => "critical",
    }
}

/// What an alert is about: where Enter jumps to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", content = "id", rename_all = "lowercase")]
pub enum Target {
    /// A seller id.
    Seller(String),
    /// A category name.
    Category(String),
    /// A marketplace id (data drift).
    Marketplace(String),
}

crate::named_enum! {
    /// The alert rules (their names are the rule ids in JSON, CSV and on screen).
    pub enum AlertRule {
        /// A seller's high-risk orders.
        SellerHighRisk => "seller_high_risk",
        /// A category's mean risk above the marketplace's.
        CategoryHighRisk => "category_high_risk",
        /// A return rate significantly above its marketplace's.
        ReturnRateAboveMarketplace => "return_rate_above_marketplace",
        /// A mean risk above its marketplace's.
        RiskAboveMarketplace => "risk_above_marketplace",
        /// Mean risk rising over the window.
        RisingRisk => "rising_risk",
        /// A marketplace's feature distributions drifted.
        DataDrift => "data_drift",
    }
}

/// One alert.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Alert {
    /// Severity.
    pub severity: Severity,
    /// The rule that fired.
    pub rule: AlertRule,
    /// What to jump to.
    pub target: Target,
    /// The alert in words, with its numbers.
    pub message: String,
    /// Ranking key within a severity (size of the effect).
    pub magnitude: f64,
}

fn pct(v: f64) -> String {
    format!("{:.1}%", 100.0 * v)
}

/// Return-rate rule (3) for one seller or category against a reference cell.
fn rate_alert(
    name: &str,
    target: Target,
    returned: u64,
    labelled: u64,
    reference: &Cell,
    ref_name: &str,
) -> Option<Alert> {
    let rate = crate::util::ratio(returned as f64, labelled as f64)?;
    let base = reference.return_rate()?;
    let lower = wilson_lower(returned as f64, labelled as f64, Z)?;
    if lower <= base || rate - base < MIN_EXCESS {
        return None;
    }
    let severity = if lower >= CRITICAL_RATE_RATIO * base {
        Severity::Critical
    } else {
        Severity::Warning
    };
    Some(Alert {
        severity,
        rule: AlertRule::ReturnRateAboveMarketplace,
        target,
        message: format!(
            "{name}: return rate {} ({returned}/{labelled}) vs {} in {ref_name}; 95% lower bound {}",
            pct(rate),
            pct(base),
            pct(lower)
        ),
        magnitude: lower - base,
    })
}

/// Mean-risk rule (4) for one seller or category against a reference cell.
fn risk_alert(
    name: &str,
    target: Target,
    cell: &Cell,
    reference: &Cell,
    ref_name: &str,
) -> Option<Alert> {
    let (mean, base, sd) = (cell.mean_risk()?, reference.mean_risk()?, cell.risk_sd()?);
    let lower = mean - Z * sd / (cell.orders as f64).sqrt();
    if lower <= base || mean - base < MIN_EXCESS {
        return None;
    }
    Some(Alert {
        severity: Severity::Warning,
        rule: AlertRule::RiskAboveMarketplace,
        target,
        message: format!(
            "{name}: mean risk {} vs {} in {ref_name} over {} orders; lower bound {}",
            pct(mean),
            pct(base),
            cell.orders,
            pct(lower)
        ),
        magnitude: lower - base,
    })
}

/// What the rules look at, all for one window and filter.
pub struct AlertInputs<'a> {
    /// The dataset (seller marketplaces, names).
    pub ds: &'a Dataset,
    /// Unfiltered sums per marketplace: a seller is compared with its own marketplace.
    pub per_marketplace: &'a [Cell],
    /// Filtered total: categories are compared with it.
    pub total: &'a Cell,
    /// Name of the filtered total ("M002" or "all marketplaces").
    pub total_name: &'a str,
    /// Filtered sums per seller index.
    pub per_seller: &'a [Cell],
    /// Filtered sums per category index.
    pub per_category: &'a [Cell],
    /// Seller stats (for slopes).
    pub sellers: &'a [SellerStats],
    /// Whether risk scores exist.
    pub scored: bool,
}

/// Evaluates every rule and ranks the alerts: severity, then size of the effect.
pub fn evaluate_alerts(inp: &AlertInputs) -> Vec<Alert> {
    let ds = inp.ds;
    let mut out = Vec::new();
    for s in inp.sellers {
        let Some(si) = ds.seller_index(&s.seller_id) else {
            continue;
        };
        let cell = &inp.per_seller[si];
        let mp = ds.sellers[si].marketplace as usize;
        let (mp_cell, mp_name) = (&inp.per_marketplace[mp], &ds.marketplaces[mp]);
        let name = format!("{} ({})", s.seller_name, s.seller_id);
        let target = Target::Seller(s.seller_id.clone());
        out.extend(rate_alert(
            &name,
            target.clone(),
            cell.returned,
            cell.labelled,
            mp_cell,
            mp_name,
        ));
        if !inp.scored {
            continue;
        }
        if let Some(share) = cell.high_share()
            && cell.high >= SELLER_MIN_HIGH_ORDERS
            && share >= SELLER_HIGH_SHARE
        {
            out.push(Alert {
                severity: if share >= SELLER_HIGH_SHARE_CRITICAL {
                    Severity::Critical
                } else {
                    Severity::Warning
                },
                rule: AlertRule::SellerHighRisk,
                target: target.clone(),
                message: format!(
                    "{name}: {} high-risk orders, {} of {} orders",
                    cell.high,
                    pct(share),
                    cell.orders
                ),
                magnitude: share,
            });
        }
        out.extend(risk_alert(&name, target.clone(), cell, mp_cell, mp_name));
        if let (Some(slope), Some(t)) = (s.stats.risk_slope, s.risk_slope_t) {
            let rise = slope * 30.0;
            if t >= RISING_MIN_T && s.active_days >= RISING_MIN_DAYS && rise >= RISING_MIN_RISE_30D
            {
                out.push(Alert {
                    severity: if rise >= RISING_CRITICAL_RISE_30D {
                        Severity::Critical
                    } else {
                        Severity::Warning
                    },
                    rule: AlertRule::RisingRisk,
                    target,
                    message: format!(
                        "{name}: mean risk rising {:+.1} points per 30 days (t = {t:.1}, {} days)",
                        100.0 * rise,
                        s.active_days
                    ),
                    magnitude: rise,
                });
            }
        }
    }
    for (ci, cell) in inp.per_category.iter().enumerate() {
        if cell.orders == 0 {
            continue;
        }
        let cat = &ds.categories[ci];
        let target = Target::Category(cat.clone());
        out.extend(rate_alert(
            cat,
            target.clone(),
            cell.returned,
            cell.labelled,
            inp.total,
            inp.total_name,
        ));
        if !inp.scored {
            continue;
        }
        if let Some(share) = cell.high_share()
            && share >= CATEGORY_HIGH_SHARE
        {
            out.push(Alert {
                severity: Severity::Warning,
                rule: AlertRule::CategoryHighRisk,
                target: target.clone(),
                message: format!(
                    "{cat}: {} of {} orders are high-risk",
                    pct(share),
                    cell.orders
                ),
                magnitude: share,
            });
        }
        out.extend(risk_alert(cat, target, cell, inp.total, inp.total_name));
    }
    rank(&mut out);
    out
}

/// Orders alerts: severity, then size of the effect.
pub fn rank(alerts: &mut [Alert]) {
    alerts.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.magnitude.total_cmp(&a.magnitude))
    });
}

/// Rule 6: data drift. One alert per marketplace with a drifted column (critical when
/// Evidently's dataset rule fires too), for one marketplace or all of them.
pub fn drift_alerts(report: &DriftReport, marketplace: Option<&str>) -> Vec<Alert> {
    report
        .scopes
        .iter()
        .filter(|s| s.marketplace != "all" && marketplace.is_none_or(|m| m == s.marketplace))
        .filter(|s| s.drifted_columns > 0)
        .map(|s| {
            let cols: Vec<String> = s
                .columns
                .iter()
                .filter(|c| c.drift.drifted)
                .map(|c| match &c.moved {
                    Some(m) => m.text.clone(),
                    None => c.column.clone(),
                })
                .collect();
            Alert {
                severity: if s.dataset_drift {
                    Severity::Critical
                } else {
                    Severity::Warning
                },
                rule: AlertRule::DataDrift,
                target: Target::Marketplace(s.marketplace.clone()),
                message: format!(
                    "{}: {} of {} columns drifted, last {} days vs the training period: {}",
                    s.marketplace,
                    s.drifted_columns,
                    s.columns.len(),
                    super::DRIFT_CURRENT_DAYS,
                    cols.join(", ")
                ),
                magnitude: s.drift_share,
            }
        })
        .collect()
}
