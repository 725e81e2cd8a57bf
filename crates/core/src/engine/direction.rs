//! Which way a driver pushes a seller's risk, read from the seller's own orders in the
//! window and the risk the model gave them: for a number, the sign of its correlation with
//! the risk; for a level, the level whose orders carry the highest mean risk. It describes the
//! model's scores on these orders (an association), not a cause; per-order contributions
//! come with exact TreeSHAP.

use crate::data::Dataset;
use crate::model::Driver;
use serde::Serialize;

/// |correlation| under which a number has no clear direction.
pub const MIN_CORRELATION: f64 = 0.1;
/// Orders a level needs before it can be called the riskiest.
pub const MIN_LEVEL_ORDERS: usize = 5;

/// A driver's direction on one seller's orders.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Direction {
    /// Higher values come with higher risk (Pearson correlation `r`).
    Raises {
        /// The correlation.
        r: f64,
    },
    /// Higher values come with lower risk.
    Lowers {
        /// The correlation.
        r: f64,
    },
    /// The level whose orders have the highest mean risk.
    Riskiest {
        /// The level.
        level: String,
        /// Mean risk of its orders.
        risk: f64,
        /// Mean risk of the other orders.
        others: f64,
    },
    /// No clear direction (weak correlation, too few orders, one level).
    Unclear,
}

impl Direction {
    /// In words: `higher raises risk`, `COD riskiest (62% vs 31%)`.
    pub fn words(&self) -> String {
        match self {
            Direction::Raises { .. } => "higher raises risk".into(),
            Direction::Lowers { .. } => "higher lowers risk".into(),
            Direction::Riskiest {
                level,
                risk,
                others,
            } => format!(
                "{level} riskiest ({:.0}% vs {:.0}%)",
                100.0 * risk,
                100.0 * others
            ),
            Direction::Unclear => "no clear direction".into(),
        }
    }
}

/// A seller's driver: the model's importance and the direction on the seller's orders.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SellerDriver {
    /// Feature name.
    pub feature: String,
    /// Brier increase when the feature is shuffled (higher: the model leans on it more).
    pub importance: f64,
    /// Which way it pushes the risk of these orders.
    pub direction: Direction,
}

/// Pearson correlation, `None` without variation.
fn correlation(pairs: &[(f64, f64)]) -> Option<f64> {
    let n = pairs.len() as f64;
    if n < 3.0 {
        return None;
    }
    let (mx, my) = pairs
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// The direction of feature `name` over `orders` scored `risk`.
pub fn direction(ds: &Dataset, name: &str, orders: &[usize], risk: &[f64]) -> Direction {
    let Some(f) = ds.feature_index(name) else {
        return Direction::Unclear;
    };
    let levels = ds.levels(f);
    if levels.is_empty() {
        let pairs: Vec<(f64, f64)> = orders
            .iter()
            .filter_map(|&i| Some((ds.number(f, i)?, risk[i])))
            .collect();
        return match correlation(&pairs) {
            Some(r) if r >= MIN_CORRELATION => Direction::Raises { r },
            Some(r) if r <= -MIN_CORRELATION => Direction::Lowers { r },
            _ => Direction::Unclear,
        };
    }
    let mut sums = vec![(0.0, 0usize); levels.len()];
    for &i in orders {
        if let Some(k) = ds.level(f, i) {
            sums[k as usize].0 += risk[i];
            sums[k as usize].1 += 1;
        }
    }
    let (total, n): (f64, usize) = sums.iter().fold((0.0, 0), |(a, b), (s, c)| (a + s, b + c));
    let best = (0..levels.len())
        .filter(|&k| sums[k].1 >= MIN_LEVEL_ORDERS && sums[k].1 < n)
        .max_by(|&a, &b| {
            let mean = |k: usize| sums[k].0 / sums[k].1 as f64;
            mean(a).total_cmp(&mean(b))
        });
    match best {
        Some(k) => Direction::Riskiest {
            level: levels[k].clone(),
            risk: sums[k].0 / sums[k].1 as f64,
            others: (total - sums[k].0) / (n - sums[k].1) as f64,
        },
        None => Direction::Unclear,
    }
}

/// `drivers` with their directions over `orders` (none without scores).
pub fn with_directions(
    ds: &Dataset,
    drivers: Vec<Driver>,
    orders: &[usize],
    risk: Option<&[f64]>,
) -> Vec<SellerDriver> {
    drivers
        .into_iter()
        .map(|d| SellerDriver {
            direction: risk.map_or(Direction::Unclear, |r| direction(ds, &d.feature, orders, r)),
            feature: d.feature,
            importance: d.importance,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correlation_matches_a_hand_computed_value() {
        // x = 1,2,3,4; y = 2,4,5,4: sxy = 3.5, sxx = 5, syy = 4.75
        let r = correlation(&[(1.0, 2.0), (2.0, 4.0), (3.0, 5.0), (4.0, 4.0)]).unwrap();
        assert!((r - 3.5 / (5.0f64 * 4.75).sqrt()).abs() < 1e-12);
        assert_eq!(correlation(&[(1.0, 2.0), (1.0, 3.0), (1.0, 4.0)]), None);
        assert_eq!(
            Direction::Riskiest {
                level: "COD".into(),
                risk: 0.62,
                others: 0.31
            }
            .words(),
            "COD riskiest (62% vs 31%)"
        );
    }
}
