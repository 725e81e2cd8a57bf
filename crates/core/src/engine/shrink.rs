//! Empirical-Bayes estimates that do not reward tiny samples: a group's rate (or mean) is
//! pulled toward its reference (the marketplace) by a prior worth `strength` observations,
//!
//! ```text
//! shrunk = (x + strength * reference) / (n + strength)
//! ```
//!
//! where `x` is the group's count (or sum) over `n` observations. For rates the strength is
//! the beta-binomial prior's concentration a + b fitted by maximum marginal likelihood over
//! every group at once (each around its own reference); for means it is the within-group
//! variance over the between-group variance (the normal-normal model, by moments). A seller
//! of one order stays near its marketplace; one of 500 keeps its own figure.

use super::cube::Cell;
use super::inference::{beta_quantile, ln_gamma};
use super::snapshot::GroupStats;

/// One-sided level of the bounds rankings use: a group ranks by how far above its reference
/// it is at least, with this posterior probability.
pub const RANK_LEVEL: f64 = 0.95;
/// The standard normal quantile of [`RANK_LEVEL`].
const RANK_Z: f64 = 1.644_853_626_951_472_2;

/// Bounds of a prior's strength (in observations): from barely any pull to a full one.
const MIN_STRENGTH: f64 = 0.01;
/// A strength at the upper bound means the groups differ by no more than chance.
const MAX_STRENGTH: f64 = 1e7;

/// The shrunk figure: `(x + strength * reference) / (n + strength)`.
pub fn shrunk(x: f64, n: f64, reference: f64, strength: f64) -> f64 {
    (x + strength * reference) / (n + strength)
}

/// One group's rate evidence: `k` events of `n` labelled orders, against `reference`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateGroup {
    /// Events (e.g. returns).
    pub k: u64,
    /// Labelled orders.
    pub n: u64,
    /// The rate it is pulled toward (its marketplace's), in (0, 1).
    pub reference: f64,
}

/// ln B(a, b).
fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// Log marginal likelihood of the groups under beta priors of concentration `strength`
/// around each group's reference (the binomial coefficients, constant, left out). The
/// prior's ln B(a, b) depends on the reference only, so it is computed once per distinct
/// reference (`refs`, with each group's index into it in `at`): the same terms, in the same
/// order, as computing it per group.
fn log_marginal(groups: &[RateGroup], refs: &[f64], at: &[usize], strength: f64) -> f64 {
    let prior: Vec<f64> = refs
        .iter()
        .map(|r| ln_beta(r * strength, (1.0 - r) * strength))
        .collect();
    groups
        .iter()
        .zip(at)
        .map(|(g, &i)| {
            let (a, b) = (g.reference * strength, (1.0 - g.reference) * strength);
            let (k, n) = (g.k as f64, g.n as f64);
            ln_beta(k + a, n - k + b) - prior[i]
        })
        .sum()
}

/// The distinct references of `groups` and each group's index into them.
fn distinct_references(groups: &[RateGroup]) -> (Vec<f64>, Vec<usize>) {
    let mut index: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    let mut refs: Vec<f64> = Vec::new();
    let at = groups
        .iter()
        .map(|g| {
            *index.entry(g.reference.to_bits()).or_insert_with(|| {
                refs.push(g.reference);
                refs.len() - 1
            })
        })
        .collect();
    (refs, at)
}

/// The beta-binomial prior's strength (a + b) that makes the groups' counts most likely,
/// searched on log scale (a grid, then golden sections). Groups without labelled orders or
/// with a reference of 0 or 1 carry no information and are left out; `None` when fewer than
/// two groups remain.
pub fn rate_strength(groups: &[RateGroup]) -> Option<f64> {
    let used: Vec<RateGroup> = groups
        .iter()
        .copied()
        .filter(|g| g.n > 0 && g.reference > 0.0 && g.reference < 1.0)
        .collect();
    if used.len() < 2 {
        return None;
    }
    let (refs, at) = distinct_references(&used);
    let f = |log_s: f64| log_marginal(&used, &refs, &at, log_s.exp());
    let (lo, hi) = (MIN_STRENGTH.ln(), MAX_STRENGTH.ln());
    // A factor of 2 between grid points; the golden sections refine the best one.
    let steps = 30;
    let at = |i: usize| lo + (hi - lo) * i as f64 / steps as f64;
    let best = (0..=steps)
        .map(|i| (i, f(at(i))))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)?;
    let (a, b) = (at(best.saturating_sub(1)), at((best + 1).min(steps)));
    Some(golden_max(f, a, b, 1e-9).exp())
}

/// The maximum of a unimodal `f` on [a, b] by golden sections, to `tol` (one evaluation of
/// `f` per step).
fn golden_max(f: impl Fn(f64) -> f64, mut a: f64, mut b: f64, tol: f64) -> f64 {
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let (mut c, mut d) = (b - g * (b - a), a + g * (b - a));
    let (mut fc, mut fd) = (f(c), f(d));
    while b - a > tol {
        if fc >= fd {
            (b, d, fd) = (d, c, fc);
            c = b - g * (b - a);
            fc = f(c);
        } else {
            (a, c, fc) = (c, d, fd);
            d = a + g * (b - a);
            fd = f(d);
        }
    }
    0.5 * (a + b)
}

/// One group's evidence for a mean: `n` observations with this mean and variance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeanGroup {
    /// Observations.
    pub n: u64,
    /// Their mean.
    pub mean: f64,
    /// Their sample variance (0 for one observation).
    pub variance: f64,
    /// The mean it is pulled toward (its marketplace's).
    pub reference: f64,
}

/// The normal-normal prior for means.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeanPrior {
    /// The within-group variance over the between-group variance: observations it is worth.
    pub strength: f64,
    /// The pooled within-group standard deviation.
    pub within_sd: f64,
}

/// The normal-normal prior for means: the pooled within-group variance over the
/// between-group variance tau^2, estimated by moments as the mean squared distance of the
/// groups' means from their references less what sampling alone explains (the
/// DerSimonian-Laird idea). `None` with fewer than two groups or no group of two; the largest
/// strength when the groups differ by no more than chance.
pub fn mean_prior(groups: &[MeanGroup]) -> Option<MeanPrior> {
    let used: Vec<&MeanGroup> = groups.iter().filter(|g| g.n > 0).collect();
    if used.len() < 2 {
        return None;
    }
    // Pooled within-group variance: sample variances weighted by their degrees of freedom
    // (a group of one order tells nothing about the spread within a group).
    let dof: f64 = used.iter().map(|g| g.n as f64 - 1.0).sum();
    if dof <= 0.0 {
        return None;
    }
    let within = used
        .iter()
        .map(|g| (g.n as f64 - 1.0) * g.variance)
        .sum::<f64>()
        / dof;
    let k = used.len() as f64;
    let spread = used
        .iter()
        .map(|g| (g.mean - g.reference).powi(2))
        .sum::<f64>()
        / k;
    let sampling = used.iter().map(|g| within / g.n as f64).sum::<f64>() / k;
    let tau2 = spread - sampling;
    let strength = if tau2 <= 0.0 || within <= 0.0 {
        MAX_STRENGTH
    } else {
        (within / tau2).clamp(MIN_STRENGTH, MAX_STRENGTH)
    };
    Some(MeanPrior {
        strength,
        within_sd: within.sqrt(),
    })
}

/// One seller's or category's figures to complete, with its sums and its reference's.
pub(crate) struct Member<'a> {
    /// The figures the shrunk values go into.
    pub stats: &'a mut GroupStats,
    /// The group's sums.
    pub cell: &'a Cell,
    /// Its reference's sums (the seller's marketplace, or the categories' total).
    pub reference: &'a Cell,
}

/// Fills every member's shrunk rate and mean risk, the lower bounds of how far above its
/// reference each is, and its excess returns, with priors fitted over all the members at once.
/// Without a prior (fewer than two groups) a figure keeps its raw value and its bound uses a
/// Jeffreys prior (rates) or none (means); without evidence (nothing labelled, no orders) it
/// stays unknown.
pub(crate) fn fill(members: &mut [Member], scored: bool) {
    let rates: Vec<RateGroup> = members
        .iter()
        .filter_map(|m| {
            Some(RateGroup {
                k: m.cell.returned,
                n: m.cell.labelled,
                reference: m.reference.return_rate()?,
            })
        })
        .collect();
    let rate_s = rate_strength(&rates);
    let means: Vec<MeanGroup> = members
        .iter()
        .filter_map(|m| {
            Some(MeanGroup {
                n: m.cell.orders,
                mean: m.cell.mean_risk()?,
                variance: m.cell.risk_sd().map_or(0.0, |sd| sd * sd),
                reference: m.reference.mean_risk()?,
            })
        })
        .collect();
    let mean_p = if scored { mean_prior(&means) } else { None };
    for m in members.iter_mut() {
        fill_rate(m, rate_s);
        if scored {
            fill_mean(m, mean_p);
        }
    }
}

/// A member's shrunk rate, its bound above the reference and its excess returns.
fn fill_rate(m: &mut Member, strength: Option<f64>) {
    let (c, st) = (m.cell, &mut *m.stats);
    let (Some(_), Some(base)) = (c.return_rate(), m.reference.return_rate()) else {
        return;
    };
    let (k, n) = (c.returned as f64, c.labelled as f64);
    // The posterior Beta(a, b): the prior's pseudo-counts around the reference plus the data.
    let (a, b) = match strength {
        Some(s) => (k + s * base, n - k + s * (1.0 - base)),
        None => (k + 0.5, n - k + 0.5),
    };
    let rate = match strength {
        Some(s) => shrunk(k, n, base, s),
        None => k / n,
    };
    st.return_rate_shrunk = Some(rate);
    st.return_rate_above = Some(beta_quantile(1.0 - RANK_LEVEL, a, b) - base);
    st.excess_returns = Some(c.orders as f64 * (rate - base));
}

/// A member's shrunk mean risk and its bound above the reference.
fn fill_mean(m: &mut Member, prior: Option<MeanPrior>) {
    let (c, st) = (m.cell, &mut *m.stats);
    let (Some(raw), Some(base)) = (c.mean_risk(), m.reference.mean_risk()) else {
        return;
    };
    let n = c.orders as f64;
    let (mean, sd) = match prior {
        Some(p) => (
            shrunk(c.risk_sum, n, base, p.strength),
            p.within_sd / (n + p.strength).sqrt(),
        ),
        None => (raw, c.risk_sd().unwrap_or(0.0) / n.sqrt()),
    };
    st.mean_risk_shrunk = Some(mean);
    st.mean_risk_above = Some(mean - RANK_Z * sd - base);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrunk_by_hand() {
        // 1 return of 1 against 15% with a prior worth 20 orders: (1 + 3) / 21.
        assert!((shrunk(1.0, 1.0, 0.15, 20.0) - 4.0 / 21.0).abs() < 1e-15);
        // 300 of 1,000 keeps almost its own 30%: (300 + 3) / 1020.
        assert!((shrunk(300.0, 1000.0, 0.15, 20.0) - 303.0 / 1020.0).abs() < 1e-15);
    }

    #[test]
    fn strength_is_the_likelihood_maximum() {
        // Groups with real spread: the fitted strength beats its neighbours.
        let groups: Vec<RateGroup> = [(2, 40), (9, 40), (4, 40), (16, 40), (1, 40), (6, 40)]
            .iter()
            .map(|&(k, n)| RateGroup {
                k,
                n,
                reference: 38.0 / 240.0,
            })
            .collect();
        let s = rate_strength(&groups).unwrap();
        let (refs, index) = distinct_references(&groups);
        let at = |s: f64| log_marginal(&groups, &refs, &index, s);
        assert!(at(s) >= at(s * 1.05) && at(s) >= at(s / 1.05), "{s}");
        assert!(s > 1.0 && s < 1e4, "{s}");
    }

    #[test]
    fn groups_that_differ_by_chance_only_are_pulled_all_the_way() {
        // Every group exactly at the reference: no spread, so the largest strength.
        let groups: Vec<RateGroup> = (0..10)
            .map(|_| RateGroup {
                k: 10,
                n: 100,
                reference: 0.1,
            })
            .collect();
        assert!(rate_strength(&groups).unwrap() > 1e5);
        assert_eq!(rate_strength(&groups[..1]), None);
    }

    #[test]
    fn the_prior_term_once_per_reference_is_the_per_group_sum_to_the_bit() {
        let groups: Vec<RateGroup> = (0..50u64)
            .map(|i| RateGroup {
                k: i % 7,
                n: 10 + i,
                reference: [0.1, 0.23, 0.31][(i % 3) as usize],
            })
            .collect();
        let (refs, at) = distinct_references(&groups);
        assert_eq!(refs, [0.1, 0.23, 0.31]);
        for s in [0.05, 1.0, 37.5, 1e6] {
            let per_group: f64 = groups
                .iter()
                .map(|g| {
                    let (a, b) = (g.reference * s, (1.0 - g.reference) * s);
                    let (k, n) = (g.k as f64, g.n as f64);
                    ln_beta(k + a, n - k + b) - ln_beta(a, b)
                })
                .sum();
            assert_eq!(
                log_marginal(&groups, &refs, &at, s).to_bits(),
                per_group.to_bits()
            );
        }
    }

    #[test]
    fn mean_strength_by_hand() {
        // Two groups of 10 with variance 0.04 at 0.3 and 0.5 around 0.4: spread 0.01,
        // sampling 0.004, tau^2 = 0.006, strength 0.04 / 0.006.
        let g = |mean| MeanGroup {
            n: 10,
            mean,
            variance: 0.04,
            reference: 0.4,
        };
        let p = mean_prior(&[g(0.3), g(0.5)]).unwrap();
        assert!((p.strength - 0.04 / 0.006).abs() < 1e-9, "{p:?}");
        assert!((p.within_sd - 0.2).abs() < 1e-12);
        assert_eq!(
            mean_prior(&[g(0.4), g(0.4)]).map(|p| p.strength),
            Some(MAX_STRENGTH)
        );
    }
}
