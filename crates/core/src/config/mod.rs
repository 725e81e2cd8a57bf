//! Every threshold a user sees: risk bands (the training policy is `model::TrainConfig`). Alert and health-score
//! constants live next to their formulas in `engine::alerts` and `engine::health`; all are
//! documented in docs/.

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

    /// `score` as a percentage with one decimal, rounded down when rounding up would reach
    /// the next band's cut: a Low 24.996% reads `24.9%`, never `25.0% Low`.
    pub fn percent(&self, score: f64) -> String {
        let shown = (score * 1000.0).round() / 1000.0;
        let crosses = [self.medium, self.high]
            .iter()
            .any(|&cut| score < cut && shown >= cut);
        let value = if crosses {
            (score * 1000.0).floor() / 10.0
        } else {
            shown * 100.0
        };
        format!("{value:.1}%")
    }
}

impl Default for RiskBands {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_percentage_never_reads_as_the_next_band() {
        let b = RiskBands::DEFAULT;
        for (score, text) in [
            (0.249_96, "24.9%"),
            (0.25, "25.0%"),
            (0.250_04, "25.0%"),
            (0.499_99, "49.9%"),
            (0.123_45, "12.3%"),
            (0.999_99, "100.0%"),
        ] {
            assert_eq!(b.percent(score), text, "{score}");
            // What is shown, read back, is in the band the score is in.
            let back: f64 = text.trim_end_matches('%').parse::<f64>().unwrap() / 100.0;
            assert_eq!(b.label(back), b.label(score), "{score}");
        }
    }

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
