//! The tested alert rules (3-5): each seller's or category's test gives a p-value, and one
//! rule's tests across the evaluation are adjusted together (Benjamini-Hochberg), so the
//! alerts a rule raises hold its false discovery rate.

use super::alerts::{
    Alert, AlertPolicy, AlertRule, CRITICAL_BOUND_ALPHA, CRITICAL_RATE_RATIO, Evidence, MIN_EXCESS,
    RISING_CRITICAL_RISE_30D, RISING_MIN_DAYS, RISING_MIN_RISE_30D, RISING_MIN_T, Severity, Target,
    p_text, pct,
};
use super::cube::Cell;
use super::inference::{
    benjamini_hochberg, binomial_upper_tail, clopper_pearson_lower, student_upper_tail,
};
use super::snapshot::SellerStats;

/// Who a rule looks at: a seller or a category, named (which allocates) only when it
/// raises an alert.
#[derive(Clone, Copy)]
pub(super) enum Subject<'a> {
    /// A seller.
    Seller(&'a SellerStats),
    /// A category, by name.
    Category(&'a str),
}

impl Subject<'_> {
    /// `Cosy Market (S036)` or the category's name.
    pub(super) fn name(self) -> String {
        match self {
            Subject::Seller(s) => format!("{} ({})", s.seller_name, s.seller_id),
            Subject::Category(c) => c.to_string(),
        }
    }

    /// What an alert about it points at.
    pub(super) fn target(self) -> Target {
        match self {
            Subject::Seller(s) => Target::Seller(s.seller_id.clone()),
            Subject::Category(c) => Target::Category(c.to_string()),
        }
    }
}

/// A tested hypothesis waiting for its family's Benjamini-Hochberg adjustment: its p-value,
/// whether the effect is large enough to act on, and how to write its alert. The alert (its
/// bounds and message cost more than the test) is built only for a discovery.
pub(super) struct Candidate<'a> {
    /// The test's one-sided p-value.
    pub p: f64,
    /// Whether the effect passes the rule's minimum.
    pub large_enough: bool,
    /// Builds the alert, its message still without the adjustment.
    pub alert: Box<dyn FnOnce() -> Alert + 'a>,
}

/// Return-rate rule (3) for one seller or category against a reference cell: the exact
/// binomial test of its returns against the reference's rate.
pub(super) fn rate_test<'a>(
    subject: Subject<'a>,
    cell: &'a Cell,
    reference: &Cell,
    ref_name: &'a str,
    policy: &AlertPolicy,
    rate_words: &'a str,
) -> Option<Candidate<'a>> {
    if cell.labelled < policy.min_labelled.max(1) {
        return None;
    }
    let rate = cell.return_rate()?;
    let base = reference.return_rate()?;
    let p = binomial_upper_tail(cell.returned, cell.labelled, base);
    let alert = move || {
        let lower = clopper_pearson_lower(cell.returned, cell.labelled, CRITICAL_BOUND_ALPHA)
            .unwrap_or(0.0);
        Alert {
            severity: if lower >= CRITICAL_RATE_RATIO * base {
                Severity::Critical
            } else {
                Severity::Warning
            },
            rule: AlertRule::ReturnRateAboveMarketplace,
            target: subject.target(),
            message: format!(
                "{}: {rate_words} {} ({}/{} labelled, {} orders) vs {} in {ref_name}",
                subject.name(),
                pct(rate),
                cell.returned,
                cell.labelled,
                cell.orders,
                pct(base),
            ),
            magnitude: lower - base,
            evidence: Some(Evidence::tested(cell, cell.labelled, p)),
        }
    };
    Some(Candidate {
        p,
        large_enough: rate - base >= MIN_EXCESS,
        alert: Box::new(alert),
    })
}

/// Mean-risk rule (4) for one seller or category against a reference cell: Student's t test
/// of its orders' mean risk against the reference's mean.
pub(super) fn risk_test<'a>(
    subject: Subject<'a>,
    cell: &'a Cell,
    reference: &Cell,
    ref_name: &'a str,
    policy: &AlertPolicy,
) -> Option<Candidate<'a>> {
    if cell.orders < policy.min_labelled.max(2) {
        return None;
    }
    let (mean, base, sd) = (cell.mean_risk()?, reference.mean_risk()?, cell.risk_sd()?);
    let n = cell.orders as f64;
    let se = sd / n.sqrt();
    let t = if se > 0.0 {
        (mean - base) / se
    } else {
        (mean - base).signum() * f64::INFINITY
    };
    let p = if t.is_nan() {
        1.0
    } else {
        student_upper_tail(t, n - 1.0)
    };
    let alert = move || Alert {
        severity: Severity::Warning,
        rule: AlertRule::RiskAboveMarketplace,
        target: subject.target(),
        message: format!(
            "{}: mean risk {} vs {} in {ref_name} over {} orders",
            subject.name(),
            pct(mean),
            pct(base),
            cell.orders,
        ),
        magnitude: mean - base,
        evidence: Some(Evidence::tested(cell, cell.orders, p)),
    };
    Some(Candidate {
        p,
        large_enough: mean - base >= MIN_EXCESS,
        alert: Box::new(alert),
    })
}

/// Rising-risk rule (5) for one seller: Student's t test of its daily mean risk's slope.
pub(super) fn rising_test<'a>(cell: &'a Cell, s: &'a SellerStats) -> Option<Candidate<'a>> {
    let (slope, t) = (s.stats.risk_slope?, s.risk_slope_t?);
    if s.active_days < RISING_MIN_DAYS {
        return None;
    }
    let rise = slope * 30.0;
    let p = student_upper_tail(t, s.active_days as f64 - 2.0);
    let alert = move || Alert {
        severity: if rise >= RISING_CRITICAL_RISE_30D {
            Severity::Critical
        } else {
            Severity::Warning
        },
        rule: AlertRule::RisingRisk,
        target: Subject::Seller(s).target(),
        message: format!(
            "{}: mean risk rising {:+.1} points per 30 days (t = {t:.1}, {} days)",
            Subject::Seller(s).name(),
            100.0 * rise,
            s.active_days
        ),
        magnitude: rise,
        evidence: Some(Evidence::tested(cell, s.active_days as u64, p)),
    };
    Some(Candidate {
        p,
        large_enough: t >= RISING_MIN_T && rise >= RISING_MIN_RISE_30D,
        alert: Box::new(alert),
    })
}

/// Keeps the candidates of one rule whose Benjamini-Hochberg adjusted p-value, over every
/// candidate of that rule, is at most the FDR level and whose effect is large enough; their
/// messages end with the evidence.
pub(super) fn discoveries(candidates: Vec<Candidate>, fdr: f64) -> impl Iterator<Item = Alert> {
    let p: Vec<f64> = candidates.iter().map(|c| c.p).collect();
    let q = benjamini_hochberg(&p);
    let m = candidates.len();
    candidates
        .into_iter()
        .zip(q)
        .filter(move |(c, q)| c.large_enough && *q <= fdr)
        .map(move |(c, q)| {
            let mut alert = (c.alert)();
            if let Some(e) = alert.evidence.as_mut() {
                e.q_value = Some(q);
                e.tests = Some(m);
                alert.message = format!(
                    "{}; p {}, q {} ({m} tests, FDR {:.0}%)",
                    alert.message,
                    p_eq(c.p),
                    p_eq(q),
                    100.0 * fdr
                );
            }
            alert
        })
}

/// `= 0.003` or `< 0.0001`.
fn p_eq(p: f64) -> String {
    let t = p_text(p);
    if t.starts_with('<') {
        t
    } else {
        format!("= {t}")
    }
}
