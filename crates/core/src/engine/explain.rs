//! Explanations of a seller's risk: the original ReturnRisk's four rules, each stated against
//! the seller's marketplace, plus the model's top drivers for that seller.

use super::snapshot::{SellerStats, Snapshot};
use crate::data::Roles;
use crate::model::{Driver, SellerDrivers};
use serde::Serialize;

/// Rule: return rate above this.
pub const RETURN_RATE_ABOVE: f64 = 0.30;
/// Rule: COD share above this.
pub const COD_SHARE_ABOVE: f64 = 0.50;
/// Rule: mean product rating below this.
pub const RATING_BELOW: f64 = 3.0;
/// Rule: mean predicted risk above this.
pub const RISK_ABOVE: f64 = 0.70;
/// Drivers listed per seller.
pub const TOP_DRIVERS: usize = 3;

crate::named_enum! {
    /// The four explanation rules of the original ReturnRisk.
    pub enum ExplanationRule {
        /// Return rate above [`RETURN_RATE_ABOVE`].
        ReturnRate => "return_rate",
        /// Cash-on-delivery share above [`COD_SHARE_ABOVE`].
        CodShare => "cod_share",
        /// Mean product rating below [`RATING_BELOW`].
        Rating => "rating",
        /// Mean predicted risk above [`RISK_ABOVE`].
        MeanRisk => "mean_risk",
    }
}

/// One rule's verdict for a seller.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    /// The rule.
    pub rule: ExplanationRule,
    /// Whether the rule fires (its absolute threshold is crossed).
    pub triggered: bool,
    /// Whether it is a reason for this seller's risk: it fires and the seller is worse than
    /// its marketplace on it (a rule that fires for the whole marketplace is no reason to
    /// single out one seller).
    pub reason: bool,
    /// The comparison in words, e.g. "COD 62.0% of orders vs 24.1% in M002 (rule: above 50%)".
    pub message: String,
    /// The seller's value.
    pub value: Option<f64>,
    /// The same measure for the seller's marketplace.
    pub marketplace_value: Option<f64>,
    /// The rule's threshold.
    pub threshold: f64,
    /// False when the data has no column for the rule (no cash-on-delivery payment value,
    /// no rating): the rule is named, never fires, and says why.
    pub applicable: bool,
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{:.1}%", 100.0 * v))
}

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{v:.2}"))
}

/// The four rules for `seller`, compared with its marketplace's snapshot `mp`; `roles` says
/// which of the data's columns exist (a rule without its column is not applicable).
pub fn explain(seller: &SellerStats, mp: &Snapshot, roles: &Roles) -> Vec<Explanation> {
    let mut rules = rules(seller, mp);
    for e in &mut rules {
        let missing = match e.rule {
            ExplanationRule::CodShare if roles.cod.is_none() => {
                Some("no cash-on-delivery payment column")
            }
            ExplanationRule::Rating if roles.rating.is_none() => Some("no rating column"),
            _ => None,
        };
        e.reason = e.triggered
            && match (e.value, e.marketplace_value) {
                (Some(v), Some(m)) if e.rule == ExplanationRule::Rating => v < m,
                (Some(v), Some(m)) => v > m,
                _ => true,
            };
        if let Some(why) = missing {
            e.applicable = false;
            e.triggered = false;
            e.reason = false;
            e.message = format!("{}: not applicable ({why} in this data)", e.rule);
        }
    }
    rules
}

fn rules(seller: &SellerStats, mp: &Snapshot) -> Vec<Explanation> {
    let m = &mp.marketplace;
    vec![
        Explanation {
            rule: ExplanationRule::ReturnRate,
            triggered: seller
                .stats
                .return_rate
                .is_some_and(|r| r > RETURN_RATE_ABOVE),
            value: seller.stats.return_rate,
            marketplace_value: mp.return_rate,
            threshold: RETURN_RATE_ABOVE,
            applicable: true,
            reason: false,
            message: format!(
                "{} {} of labelled orders vs {} in {m} (rule: above {:.0}%)",
                mp.label_noun.rate_title(),
                pct(seller.stats.return_rate),
                pct(mp.return_rate),
                100.0 * RETURN_RATE_ABOVE
            ),
        },
        Explanation {
            rule: ExplanationRule::CodShare,
            triggered: seller.cod_share.is_some_and(|r| r > COD_SHARE_ABOVE),
            value: seller.cod_share,
            marketplace_value: mp.cod_share,
            threshold: COD_SHARE_ABOVE,
            applicable: true,
            reason: false,
            message: format!(
                "COD {} of orders vs {} in {m} (rule: above {:.0}%)",
                pct(seller.cod_share),
                pct(mp.cod_share),
                100.0 * COD_SHARE_ABOVE
            ),
        },
        Explanation {
            rule: ExplanationRule::Rating,
            triggered: seller.mean_rating.is_some_and(|r| r < RATING_BELOW),
            value: seller.mean_rating,
            marketplace_value: mp.mean_rating,
            threshold: RATING_BELOW,
            applicable: true,
            reason: false,
            message: format!(
                "Mean product rating {} vs {} in {m} (rule: below {RATING_BELOW:.1})",
                num(seller.mean_rating),
                num(mp.mean_rating)
            ),
        },
        Explanation {
            rule: ExplanationRule::MeanRisk,
            triggered: seller.stats.mean_risk.is_some_and(|r| r > RISK_ABOVE),
            value: seller.stats.mean_risk,
            marketplace_value: mp.mean_risk,
            threshold: RISK_ABOVE,
            applicable: true,
            reason: false,
            message: format!(
                "Mean predicted risk {} vs {} in {m} (rule: above {:.0}%)",
                pct(seller.stats.mean_risk),
                pct(mp.mean_risk),
                100.0 * RISK_ABOVE
            ),
        },
    ]
}

/// The seller's top drivers (positive importances only), largest first.
pub fn top_drivers(d: Option<&SellerDrivers>) -> Vec<Driver> {
    d.map(|d| {
        d.drivers
            .iter()
            .filter(|x| x.importance > 0.0)
            .take(TOP_DRIVERS)
            .cloned()
            .collect()
    })
    .unwrap_or_default()
}
