//! The marketplace health score (0-100, higher is healthier).
//!
//! ```text
//! health = 100 * (1 - sum(w_i * c_i) / sum(w_i))   over the components that are known
//!   mean risk        w = 40   c = mean predicted risk (0-1)
//!   high-risk share  w = 25   c = share of High-risk orders
//!   return rate      w = 20   c = returns / labelled orders
//!   risk trend       w = 15   c = clamp(rise over min(window, 30) days / 0.10, 0, 1)
//!                               when the rise is significant (|slope| >= 2 standard errors),
//!                               else 0
//! ```
//! The weights are the original ReturnRisk's; the trend is a least-squares slope of the daily
//! mean risk over the window (a rise of 10 points in 30 days costs the full 15), not the last
//! day minus the first. A rise that cannot be told apart from noise costs nothing, and a short
//! window's slope counts over its own length, not extrapolated to 30 days: health does not
//! swing on a week's noise. A component that is n/a (no labelled orders in a 7-day window, no
//! scores while training) drops out and the remaining weights are renormalised.
//!
//! The band is the score's (good above 80, warning above 50, else critical), except that a
//! scope with a critical alert or a significant rise of its mean risk never reads "good":
//! the band is held at "warning" and says why ([`HealthHold`]).

use super::stats::Change;
use serde::Serialize;

/// Weight of mean risk.
pub const W_MEAN_RISK: f64 = 40.0;
/// Weight of the high-risk share.
pub const W_HIGH_SHARE: f64 = 25.0;
/// Weight of the return rate.
pub const W_RETURN_RATE: f64 = 20.0;
/// Weight of the risk trend.
pub const W_TREND: f64 = 15.0;
/// Days over which the trend's rise is counted (fewer in a shorter window).
pub const TREND_DAYS: usize = 30;
/// Rise of mean risk over [`TREND_DAYS`] days that costs the whole trend weight.
pub const TREND_FULL_PENALTY: f64 = 0.10;
/// Health above this is "good".
pub const GOOD_ABOVE: f64 = 80.0;
/// Health above this (and not good) is "warning"; else "critical".
pub const WARNING_ABOVE: f64 = 50.0;

crate::named_enum! {
    /// The health score's bands.
    pub enum HealthBand {
        /// Above [`GOOD_ABOVE`].
        Good => "good",
        /// Above [`WARNING_ABOVE`].
        Warning => "warning",
        /// The rest.
        Critical => "critical",
    }
}

/// What holds a good score at "warning".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthHold {
    /// Critical alerts fire in the scope (how many).
    CriticalAlerts(usize),
    /// The daily mean risk rises significantly (|slope| >= 2 standard errors).
    RiskRising,
}

impl std::fmt::Display for HealthHold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HealthHold::CriticalAlerts(1) => f.write_str("1 critical alert"),
            HealthHold::CriticalAlerts(n) => write!(f, "{n} critical alerts"),
            HealthHold::RiskRising => f.write_str("risk rising"),
        }
    }
}

/// The score and its parts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Health {
    /// 0-100, `None` when no component is known.
    pub score: Option<f64>,
    /// Its band: the score's, held at warning by [`Health::held`].
    pub band: Option<HealthBand>,
    /// Trend component in 0-1.
    pub trend_penalty: Option<f64>,
    /// Why a good score reads "warning" (empty when the band is the score's).
    pub held: Vec<HealthHold>,
}

impl Health {
    /// The band held at "warning" when the score alone says good but `critical_alerts` fire
    /// or the mean risk rises significantly (`rise`).
    pub fn with_evidence(mut self, critical_alerts: usize, rise: Option<Change>) -> Health {
        let mut held = Vec::new();
        if critical_alerts > 0 {
            held.push(HealthHold::CriticalAlerts(critical_alerts));
        }
        if rise.is_some_and(|r| r.significant && r.change > 0.0) {
            held.push(HealthHold::RiskRising);
        }
        if self.band == Some(HealthBand::Good) && !held.is_empty() {
            self.band = Some(HealthBand::Warning);
            self.held = held;
        }
        self
    }
}

/// Computes the health score from its inputs (each may be n/a).
pub fn health_score(
    mean_risk: Option<f64>,
    high_share: Option<f64>,
    return_rate: Option<f64>,
    rise: Option<Change>,
) -> Health {
    let trend_penalty = rise.map(|r| {
        if r.significant {
            (r.change / TREND_FULL_PENALTY).clamp(0.0, 1.0)
        } else {
            0.0
        }
    });
    let parts = [
        (W_MEAN_RISK, mean_risk),
        (W_HIGH_SHARE, high_share),
        (W_RETURN_RATE, return_rate),
        (W_TREND, trend_penalty),
    ];
    let (mut weight, mut penalty) = (0.0, 0.0);
    for (w, c) in parts {
        if let Some(c) = c {
            weight += w;
            penalty += w * c.clamp(0.0, 1.0);
        }
    }
    let score = (weight > 0.0).then(|| (100.0 * (1.0 - penalty / weight)).clamp(0.0, 100.0));
    Health {
        score,
        band: score.map(band),
        trend_penalty,
        held: Vec::new(),
    }
}

/// The band of a score.
pub fn band(score: f64) -> HealthBand {
    if score > GOOD_ABOVE {
        HealthBand::Good
    } else if score > WARNING_ABOVE {
        HealthBand::Warning
    } else {
        HealthBand::Critical
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // 100 * (1 - (40*0.2 + 25*0.1 + 20*0.2 + 15*0) / 100) = 100 - 14.5
        let falling = Change::over(Some(-0.01), Some(0.002), 30);
        let h = health_score(Some(0.2), Some(0.1), Some(0.2), falling);
        assert!((h.score.unwrap() - 85.5).abs() < 1e-9);
        assert_eq!(h.band, Some(HealthBand::Good));
        // Trend: +0.005/day = 0.15 per 30 days -> capped at 1.
        let rising = Change::over(Some(0.005), Some(0.002), 30);
        let h = health_score(Some(0.5), Some(0.4), Some(0.5), rising);
        let expected = 100.0 * (1.0 - (20.0 + 10.0 + 10.0 + 15.0) / 100.0);
        assert!((h.score.unwrap() - expected).abs() < 1e-9);
        assert_eq!(h.band, Some(HealthBand::Critical));
    }

    #[test]
    fn critical_alerts_or_a_significant_rise_hold_a_good_score_at_warning() {
        let flat = Change::over(Some(0.0), Some(0.002), 30);
        let good = health_score(Some(0.1), Some(0.05), Some(0.1), flat);
        assert_eq!(good.band, Some(HealthBand::Good));
        // Nothing firing, nothing rising: the score's band.
        assert_eq!(good.clone().with_evidence(0, flat), good);
        // A critical alert: warning, and why.
        let held = good.clone().with_evidence(4, flat);
        assert_eq!(held.band, Some(HealthBand::Warning));
        assert_eq!(held.held, vec![HealthHold::CriticalAlerts(4)]);
        assert_eq!(held.score, good.score, "the score itself is unchanged");
        // A significant rise (slope 10 standard errors; the margin is two), and one lost in noise.
        let rising = Change::over(Some(0.001), Some(0.0002), 30);
        let held = good.clone().with_evidence(0, rising);
        assert_eq!(
            (held.band, held.held),
            (Some(HealthBand::Warning), vec![HealthHold::RiskRising])
        );
        let noisy = Change::over(Some(0.001), Some(0.002), 30);
        assert_eq!(
            good.clone().with_evidence(0, noisy).band,
            Some(HealthBand::Good)
        );
        // A significant fall is no reason to worry.
        let falling = Change::over(Some(-0.001), Some(0.0002), 30);
        assert_eq!(
            good.clone().with_evidence(0, falling).band,
            Some(HealthBand::Good)
        );
        // A warning or critical score stays what it is (never raised, never lowered twice).
        let bad = health_score(Some(0.8), Some(0.7), Some(0.8), flat);
        assert_eq!(bad.band, Some(HealthBand::Critical));
        let still = bad.clone().with_evidence(3, rising);
        assert_eq!(
            (still.band, still.held.len()),
            (Some(HealthBand::Critical), 0)
        );
        assert_eq!(
            HealthHold::CriticalAlerts(4).to_string(),
            "4 critical alerts"
        );
    }

    #[test]
    fn missing_components_are_renormalised() {
        // Return rate unknown: weights 40 + 25 + 15 = 80.
        let flat = Change::over(Some(0.0), Some(0.002), 30);
        let h = health_score(Some(0.2), Some(0.1), None, flat);
        let expected = 100.0 * (1.0 - (8.0 + 2.5) / 80.0);
        assert!((h.score.unwrap() - expected).abs() < 1e-9);
        assert_eq!(health_score(None, None, None, None).score, None);
    }

    #[test]
    fn a_rise_lost_in_noise_or_in_a_short_window_costs_little() {
        // +0.01/day is 0.3 over 30 days: the whole weight, when it is significant...
        let clear = health_score(
            Some(0.2),
            None,
            None,
            Change::over(Some(0.01), Some(0.002), 30),
        );
        assert_eq!(clear.trend_penalty, Some(1.0));
        // ...nothing when its error is as large as the slope...
        let noise = health_score(
            Some(0.2),
            None,
            None,
            Change::over(Some(0.01), Some(0.02), 30),
        );
        assert_eq!(noise.trend_penalty, Some(0.0));
        // ...and over a 7-day window only the rise of those 7 days counts.
        let week = health_score(
            Some(0.2),
            None,
            None,
            Change::over(Some(0.01), Some(0.002), 7),
        );
        assert!((week.trend_penalty.unwrap() - 0.7).abs() < 1e-9);
    }
}
