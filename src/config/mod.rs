//! Every threshold a user sees: risk bands and training policy. Alert and health-score
//! constants live next to their formulas in `engine::alerts` and `engine::health`; all are
//! documented in the README.

pub mod file;

use crate::model::forest::ForestParams;
use serde::{Deserialize, Serialize};

/// Risk label of an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RiskLabel {
    /// Below the medium cut.
    Low,
    /// Between the cuts.
    Medium,
    /// At or above the high cut.
    High,
}

impl RiskLabel {
    /// The word shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "Low",
            Self::Medium => "Medium",
            Self::High => "High",
        }
    }
}

impl std::fmt::Display for RiskLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Cut points from risk score to [`RiskLabel`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RiskBands {
    /// Scores at or above this are Medium.
    pub medium: f64,
    /// Scores at or above this are High.
    pub high: f64,
}

impl RiskBands {
    /// Default bands: Medium from 0.25 (above a typical 15-25% base rate), High from 0.50
    /// (a return is more likely than not).
    pub const DEFAULT: RiskBands = RiskBands {
        medium: 0.25,
        high: 0.50,
    };
    /// The original ReturnRisk bands (0.45 / 0.75).
    pub const ORIGINAL: RiskBands = RiskBands {
        medium: 0.45,
        high: 0.75,
    };

    /// Parses `default`, `original` or `MEDIUM,HIGH` (two numbers in 0-1, MEDIUM < HIGH).
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim() {
            "default" => return Ok(Self::DEFAULT),
            "original" => return Ok(Self::ORIGINAL),
            _ => {}
        }
        let parts: Vec<&str> = s.split(',').collect();
        let bad = || {
            format!("bad --bands {s:?}: expected default, original or MEDIUM,HIGH such as 0.3,0.6")
        };
        if parts.len() != 2 {
            return Err(bad());
        }
        let medium: f64 = parts[0].trim().parse().map_err(|_| bad())?;
        let high: f64 = parts[1].trim().parse().map_err(|_| bad())?;
        if !(0.0 < medium && medium < high && high <= 1.0) {
            return Err(bad());
        }
        Ok(RiskBands { medium, high })
    }

    /// The label of a score.
    pub fn label(&self, score: f64) -> RiskLabel {
        if score >= self.high {
            RiskLabel::High
        } else if score >= self.medium {
            RiskLabel::Medium
        } else {
            RiskLabel::Low
        }
    }
}

impl Default for RiskBands {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// How models are trained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Forest hyper-parameters (global and per-seller models).
    pub forest: ForestParams,
    /// A seller gets its own forest from this many labelled orders...
    pub min_seller_orders: usize,
    /// ...and this many returns.
    pub min_seller_returns: usize,
    /// Share of the most recent labelled orders held out for evaluation.
    pub test_fraction: f64,
    /// Rows each tree of the global forest learns from: with more training rows, each tree
    /// draws its own sample of them (like scikit-learn's `max_samples`), so the forest sees
    /// every row for a bounded cost per tree.
    pub max_train_rows: usize,
    /// The same for seller forests (their trees are many: 1,000 sellers are 100,000 trees).
    #[serde(default = "default_seller_samples")]
    pub max_seller_samples: usize,
}

/// Rows each tree of a seller forest learns from by default.
pub const DEFAULT_SELLER_SAMPLES: usize = 4_000;

fn default_seller_samples() -> usize {
    DEFAULT_SELLER_SAMPLES
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            forest: ForestParams::default(),
            min_seller_orders: 200,
            min_seller_returns: 20,
            test_fraction: 0.2,
            max_train_rows: 150_000,
            max_seller_samples: DEFAULT_SELLER_SAMPLES,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_label_and_parse() {
        let b = RiskBands::DEFAULT;
        assert_eq!(b.label(0.1), RiskLabel::Low);
        assert_eq!(b.label(0.25), RiskLabel::Medium);
        assert_eq!(b.label(0.5), RiskLabel::High);
        assert_eq!(RiskBands::parse("original").unwrap(), RiskBands::ORIGINAL);
        assert_eq!(
            RiskBands::parse("0.3,0.6").unwrap(),
            RiskBands {
                medium: 0.3,
                high: 0.6
            }
        );
        assert!(RiskBands::parse("0.6,0.3").is_err());
        assert!(RiskBands::parse("x").is_err());
    }
}
