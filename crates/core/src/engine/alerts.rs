//! Alerts, ranked by severity. Rules (constants below, documented in docs/statistics.md):
//! 1. Seller with at least 10 High-risk orders and a High-risk share of at least 25%
//!    (original rule); critical from a 40% share.
//! 2. Category with a High-risk share of at least 30% (original rule).
//! 3. Seller or category whose return rate is above its marketplace's: exact one-sided
//!    binomial test of its returns against the marketplace rate, by at least 5 points;
//!    critical when the 95% Clopper-Pearson lower bound is 1.5x the marketplace rate.
//! 4. Seller or category whose mean risk is above its marketplace's: one-sided Student's t
//!    test of its orders' mean risk, by at least 5 points.
//! 5. Seller whose risk is rising: least-squares slope of its daily mean risk with t >= 3
//!    over at least 10 active days and a rise of at least 5 points per 30 days; critical
//!    from 15 points.
//!
//! Rules 3-5 test every seller and category with enough evidence ([`AlertPolicy`]); each
//! rule's tests are one family whose false discovery rate is held at the policy's level by
//! the Benjamini-Hochberg procedure.
//! 6. Marketplace with data drift (`drift` command's method, last 30 days vs the training
//!    period): warning, critical when at least half of its columns drift.
//!
//! The minimum effects keep big sellers from alerting on differences nobody would act on.

use super::cube::Cell;
use super::snapshot::SellerStats;
use super::tested_rules::{Candidate, Subject, discoveries, rate_test, rising_test, risk_test};
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
    /// How much data is behind it and, for the tested rules, its p- and q-values (`null`
    /// for data drift, whose evidence is the drift report).
    pub evidence: Option<Evidence>,
}

/// What the tested rules need to agree with before they alert: the false discovery rate of
/// each rule's family of tests and the evidence a group needs before it is tested at all.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AlertPolicy {
    /// Benjamini-Hochberg level: of the alerts one rule raises in one evaluation, at most
    /// this share is expected to be chance (`[alerts] fdr`).
    pub fdr: f64,
    /// Labelled orders (rate rule) or orders (mean-risk rule) a seller or category needs to
    /// be tested (`[alerts] min_labelled`).
    pub min_labelled: u64,
}

/// Default `[alerts] fdr`.
pub const DEFAULT_FDR: f64 = 0.10;
/// Default `[alerts] min_labelled`.
pub const DEFAULT_MIN_LABELLED: u64 = 10;
/// Rule 3: one-sided level of the Clopper-Pearson bound that decides a critical alert.
pub const CRITICAL_BOUND_ALPHA: f64 = 0.05;

impl Default for AlertPolicy {
    fn default() -> Self {
        AlertPolicy {
            fdr: DEFAULT_FDR,
            min_labelled: DEFAULT_MIN_LABELLED,
        }
    }
}

/// The evidence behind an alert: how much data, and for the tested rules how surprising it
/// would be by chance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    /// Orders of the target in the window.
    pub orders: u64,
    /// Its labelled orders.
    pub labelled: u64,
    /// The test's sample size: labelled orders for a rate, orders for a mean risk or a
    /// High-risk share, active days for a slope.
    pub n: u64,
    /// One-sided p-value of the rule's test (exact binomial for rates, Student's t for mean
    /// risk and slopes); `null` for the untested rules 1-2.
    pub p_value: Option<f64>,
    /// The p-value adjusted for every test of the same rule in this evaluation
    /// (Benjamini-Hochberg); the alert fires only when it is at most the FDR level.
    pub q_value: Option<f64>,
    /// Tests of the same rule in this evaluation (the adjustment's m).
    pub tests: Option<usize>,
}

impl Evidence {
    /// Counts only (rules 1-2).
    pub(super) fn counts(cell: &Cell) -> Evidence {
        Evidence {
            orders: cell.orders,
            labelled: cell.labelled,
            n: cell.orders,
            p_value: None,
            q_value: None,
            tests: None,
        }
    }
    /// Counts, the test's sample size and a p-value waiting for its family's adjustment.
    pub(super) fn tested(cell: &Cell, n: u64, p: f64) -> Evidence {
        Evidence {
            n,
            p_value: Some(p),
            ..Evidence::counts(cell)
        }
    }
}

pub(crate) fn pct(v: f64) -> String {
    format!("{:.1}%", 100.0 * v)
}

/// A p-value in at most 6 cells (a table's): `0.0051`, `0.04`, `<.0001`.
pub fn p_cell(p: f64) -> String {
    if p < 1e-4 { "<.0001".into() } else { p_text(p) }
}

/// A p-value for a person: 2 significant digits, `< 0.0001` below that.
pub fn p_text(p: f64) -> String {
    if p < 1e-4 {
        "< 0.0001".into()
    } else if p < 0.01 {
        format!("{p:.4}")
    } else {
        format!("{p:.2}")
    }
}

/// Rule 1 for one seller (untested: ReturnRisk's original rule, a count and a share).
fn seller_high_risk(who: Subject, cell: &Cell) -> Option<Alert> {
    let share = cell.high_share()?;
    if cell.high < SELLER_MIN_HIGH_ORDERS || share < SELLER_HIGH_SHARE {
        return None;
    }
    Some(Alert {
        severity: if share >= SELLER_HIGH_SHARE_CRITICAL {
            Severity::Critical
        } else {
            Severity::Warning
        },
        rule: AlertRule::SellerHighRisk,
        target: who.target(),
        message: format!(
            "{}: {} high-risk orders, {} of {} orders",
            who.name(),
            cell.high,
            pct(share),
            cell.orders
        ),
        magnitude: share,
        evidence: Some(Evidence::counts(cell)),
    })
}

/// Rule 2 for one category (untested: ReturnRisk's original rule, a share).
fn category_high_risk(who: Subject, cell: &Cell) -> Option<Alert> {
    let share = cell.high_share()?;
    (share >= CATEGORY_HIGH_SHARE).then(|| Alert {
        severity: Severity::Warning,
        rule: AlertRule::CategoryHighRisk,
        target: who.target(),
        message: format!(
            "{}: {} of {} orders are high-risk",
            who.name(),
            pct(share),
            cell.orders
        ),
        magnitude: share,
        evidence: Some(Evidence::counts(cell)),
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
    /// FDR level and minimum evidence.
    pub policy: AlertPolicy,
}

/// The tested rules' candidates, one list per rule (rate, mean risk, rising).
#[derive(Default)]
struct Families<'a> {
    rate: Vec<Candidate<'a>>,
    risk: Vec<Candidate<'a>>,
    rising: Vec<Candidate<'a>>,
}

/// Evaluates every rule and ranks the alerts: severity, then size of the effect. The tested
/// rules (3-5) keep only their discoveries at the policy's FDR, each rule one family over
/// every seller and category of the evaluation.
pub fn evaluate_alerts(inp: &AlertInputs) -> Vec<Alert> {
    let (ds, policy) = (inp.ds, &inp.policy);
    let rate = ds.schema.label_noun.rate();
    let mut out = Vec::new();
    let mut fam = Families::default();
    for s in inp.sellers {
        let cell = &inp.per_seller[s.index];
        let mp = ds.sellers[s.index].marketplace as usize;
        let (mp_cell, mp_name) = (&inp.per_marketplace[mp], ds.marketplaces[mp].as_str());
        let who = Subject::Seller(s);
        fam.rate
            .extend(rate_test(who, cell, mp_cell, mp_name, policy, &rate));
        if inp.scored {
            out.extend(seller_high_risk(who, cell));
            fam.risk
                .extend(risk_test(who, cell, mp_cell, mp_name, policy));
            fam.rising.extend(rising_test(cell, s));
        }
    }
    for (ci, cell) in inp.per_category.iter().enumerate() {
        if cell.orders == 0 {
            continue;
        }
        let who = Subject::Category(&ds.categories[ci]);
        let (total, total_name) = (inp.total, inp.total_name);
        fam.rate
            .extend(rate_test(who, cell, total, total_name, policy, &rate));
        if inp.scored {
            out.extend(category_high_risk(who, cell));
            fam.risk
                .extend(risk_test(who, cell, total, total_name, policy));
        }
    }
    for family in [fam.rate, fam.risk, fam.rising] {
        out.extend(discoveries(family, policy.fdr));
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
                evidence: None,
            }
        })
        .collect()
}
