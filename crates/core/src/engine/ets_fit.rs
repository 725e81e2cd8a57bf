//! Maximum-likelihood estimation of the ETS models of [`super::ets`], as the reference
//! libraries do (Hyndman, Koehler, Ord and Snyder, "Forecasting with Exponential Smoothing",
//! 2008, ch. 5), with the starting states solved exactly rather than searched:
//!
//! - With Gaussian additive errors the likelihood, with `sigma` concentrated out, is
//!   `-n/2 ln(SSE / n)`: the best parameters and starting states minimize the sum of squared
//!   one-step errors over every day.
//! - For fixed smoothing parameters the recursions are linear in the starting states, so the
//!   errors are `e_t = r_t + sum_j c_j u_jt`, where `r` are the errors from a rough start and
//!   `u_j` those of the same recursions run on zeros from one unit of state `j`. The best
//!   starting states are then the least-squares `c` (the normal equations, by Cholesky), and
//!   the SSE at the best start is a function of the smoothing parameters alone (the profile
//!   likelihood). The season's seven starting values sum to zero (six are free).
//! - The smoothing parameters are found by Nelder-Mead on that profile, from the best of a
//!   small grid and restarted once where it stopped, within the usual bounds: `alpha` in
//!   [1e-4, 0.9999], `beta` in [0, alpha], `gamma` in [0, 1 - alpha], `phi` in [0.8, 0.98].
//! - Among the four shapes the one with the smallest corrected AIC is kept, counting the
//!   smoothing parameters, the free starting states and `sigma`.

use super::ets::{Fit, MIN_HISTORY, Params, SEASON, Shape, States};
use super::nelder_mead;

const ALPHA_LOW: f64 = 1e-4;
const ALPHA_HIGH: f64 = 0.9999;
const PHI_LOW: f64 = 0.8;
const PHI_HIGH: f64 = 0.98;
/// Most starting states: level, trend and six free season values.
const MAX_STATES: usize = 2 + SEASON - 1;

/// The number of smoothing parameters of a shape (the box's dimension).
fn dims(shape: Shape) -> usize {
    1 + 2 * usize::from(shape.trend) + usize::from(shape.seasonal)
}

/// The parameters at point `u` of the unit box.
fn params_at(u: &[f64], shape: Shape) -> Params {
    let alpha = ALPHA_LOW + (ALPHA_HIGH - ALPHA_LOW) * u[0];
    let (beta, phi) = match shape.trend {
        true => (alpha * u[1], PHI_LOW + (PHI_HIGH - PHI_LOW) * u[2]),
        false => (0.0, 0.0),
    };
    let gamma = match shape.seasonal {
        true => (1.0 - alpha) * u[dims(shape) - 1],
        false => 0.0,
    };
    Params {
        alpha,
        beta,
        gamma,
        phi,
    }
}

/// One unit of each free starting state: the level, the trend, and season slot `j` against
/// slot 6 (so that the season sums to zero).
fn directions(shape: Shape) -> Vec<States> {
    let mut out = vec![States {
        level: 1.0,
        ..States::default()
    }];
    if shape.trend {
        out.push(States {
            slope: 1.0,
            ..States::default()
        });
    }
    if shape.seasonal {
        for j in 0..SEASON - 1 {
            let mut s = States::default();
            s.season[j] = 1.0;
            s.season[SEASON - 1] = -1.0;
            out.push(s);
        }
    }
    out
}

/// A rough start: the first week's mean as the level, its days' deviations as the season.
fn rough_start(y: &[f64], shape: Shape) -> States {
    let week = &y[..SEASON];
    let level = week.iter().sum::<f64>() / SEASON as f64;
    let mut start = States {
        level,
        ..States::default()
    };
    if shape.seasonal {
        for (s, &v) in start.season.iter_mut().zip(week) {
            *s = v - level;
        }
    }
    start
}

/// Solves `a x = b` for a symmetric positive semi-definite `a` of size `d` by Cholesky, with
/// a small ridge; a direction the data cannot tell apart gets 0.
fn solve(a: &[[f64; MAX_STATES]; MAX_STATES], b: &[f64], d: usize) -> [f64; MAX_STATES] {
    let ridge = 1e-10 * (0..d).map(|i| a[i][i]).fold(0.0, f64::max) + 1e-300;
    let mut l = [[0.0; MAX_STATES]; MAX_STATES];
    for i in 0..d {
        for j in 0..=i {
            let dot: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let v = a[i][i] + ridge - dot;
                l[i][i] = if v > 0.0 { v.sqrt() } else { 0.0 };
            } else {
                l[i][j] = if l[j][j] > 0.0 {
                    (a[i][j] - dot) / l[j][j]
                } else {
                    0.0
                };
            }
        }
    }
    let mut z = [0.0; MAX_STATES];
    for i in 0..d {
        let dot: f64 = (0..i).map(|k| l[i][k] * z[k]).sum();
        z[i] = if l[i][i] > 0.0 {
            (b[i] - dot) / l[i][i]
        } else {
            0.0
        };
    }
    let mut x = [0.0; MAX_STATES];
    for i in (0..d).rev() {
        let dot: f64 = (i + 1..d).map(|k| l[k][i] * x[k]).sum();
        x[i] = if l[i][i] > 0.0 {
            (z[i] - dot) / l[i][i]
        } else {
            0.0
        };
    }
    x
}

/// The best starting states for parameters `p` and the SSE they reach.
fn best_start(y: &[f64], p: &Params, shape: Shape) -> (States, f64) {
    let dirs = directions(shape);
    let d = dirs.len();
    let mut runs = [States::default(); MAX_STATES + 1];
    runs[0] = rough_start(y, shape);
    runs[1..=d].copy_from_slice(&dirs);
    // Cross-products of the errors: index 0 from the rough start, j from direction j.
    let mut gram = [[0.0; MAX_STATES + 1]; MAX_STATES + 1];
    let mut e = [0.0; MAX_STATES + 1];
    for (t, &yt) in y.iter().enumerate() {
        e[0] = runs[0].step(yt, t, p);
        for j in 1..=d {
            e[j] = runs[j].step(0.0, t, p);
        }
        for a in 0..=d {
            for b in a..=d {
                gram[a][b] += e[a] * e[b];
            }
        }
    }
    let mut uu = [[0.0; MAX_STATES]; MAX_STATES];
    let mut ur = [0.0; MAX_STATES];
    for a in 0..d {
        ur[a] = -gram[0][a + 1];
        for b in 0..d {
            uu[a][b] = gram[a.min(b) + 1][a.max(b) + 1];
        }
    }
    let c = solve(&uu, &ur, d);
    let mut start = rough_start(y, shape);
    for (cj, dir) in c.iter().zip(&dirs) {
        start.level += cj * dir.level;
        start.slope += cj * dir.slope;
        for (s, ds) in start.season.iter_mut().zip(dir.season) {
            *s += cj * ds;
        }
    }
    let sse = gram[0][0] - (0..d).map(|j| c[j] * ur[j]).sum::<f64>();
    (start, sse.max(0.0))
}

/// The recursions from `start` over `y`: the states after its last day and the SSE.
fn run(y: &[f64], p: &Params, start: States) -> (States, f64) {
    let mut states = start;
    let sse = y
        .iter()
        .enumerate()
        .map(|(t, &yt)| states.step(yt, t, p).powi(2))
        .sum();
    (states, sse)
}

/// The smoothing parameters of `shape` that minimize the profile SSE.
fn best_params(y: &[f64], shape: Shape) -> Params {
    let n = dims(shape);
    let mut objective = |u: &[f64]| {
        let (_, sse) = best_start(y, &params_at(u, shape), shape);
        sse.max(1e-300).ln()
    };
    // A small grid of starts: alpha, then beta's share of alpha and phi, then gamma's share.
    let mut starts = Vec::new();
    for a in [0.02, 0.1, 0.3, 0.6] {
        for g in [0.05, 0.3] {
            let mut u = vec![a];
            if shape.trend {
                u.extend([0.1, 0.5]);
            }
            if shape.seasonal {
                u.push(g);
            }
            starts.push(u);
        }
    }
    starts.dedup();
    let start = starts
        .into_iter()
        .map(|u| (objective(&u), u))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map_or_else(|| vec![0.1; n], |(_, u)| u);
    let first = nelder_mead::minimize(&mut objective, &start, 0.1, 1e-10, 300 * n);
    let again = nelder_mead::minimize(&mut objective, &first.x, 0.05, 1e-10, 300 * n);
    params_at(&again.x, shape)
}

/// Fits one shape by maximum likelihood; `None` when it has more unknowns than the series
/// can estimate.
fn fit_shape(y: &[f64], shape: Shape) -> Option<Fit> {
    let n = y.len() as f64;
    // Smoothing parameters, free starting states, and sigma.
    let k = (dims(shape) + directions(shape).len() + 1) as f64;
    if n - k - 1.0 < 1.0 {
        return None;
    }
    let params = best_params(y, shape);
    let (start, _) = best_start(y, &params, shape);
    let (end, sse) = run(y, &params, start);
    let var = (sse / n).max(1e-300);
    Some(Fit {
        params,
        shape,
        sigma: (sse / (n - k)).sqrt(),
        aicc: n * var.ln() + 2.0 * k + 2.0 * k * (k + 1.0) / (n - k - 1.0),
        end,
        days: y.len(),
    })
}

/// Fits every shape by maximum likelihood and keeps the one with the smallest corrected
/// AIC; `None` for fewer than [`MIN_HISTORY`] days.
pub fn fit(y: &[f64]) -> Option<Fit> {
    if y.len() < MIN_HISTORY {
        return None;
    }
    Shape::ALL
        .iter()
        .filter_map(|&shape| fit_shape(y, shape))
        .min_by(|a, b| a.aicc.total_cmp(&b.aicc))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A weekly pattern on a level and trend, with a deterministic "noise".
    fn series(days: usize, slope: f64, noise: f64) -> Vec<f64> {
        let pattern = [-8.0, -4.0, 0.0, 0.0, 4.0, 15.0, -7.0];
        (0..days)
            .map(|t| {
                let wiggle = ((t * 7919 % 13) as f64 / 6.0 - 1.0) * noise;
                100.0 + pattern[t % SEASON] + slope * t as f64 + wiggle
            })
            .collect()
    }

    #[test]
    fn the_best_start_equals_the_brute_force_least_squares_start() {
        let y = series(60, 0.3, 3.0);
        let shape = Shape::ALL[3];
        let p = params_at(&[0.2, 0.3, 0.5, 0.2], shape);
        let (start, sse) = best_start(&y, &p, shape);
        // The SSE it claims is the SSE of running from it, and no nudge of any state lowers it.
        let (_, direct) = run(&y, &p, start);
        assert!((sse - direct).abs() < 1e-6 * direct, "{sse} vs {direct}");
        for dir in directions(shape) {
            for h in [-1e-3, 1e-3] {
                let mut s = start;
                s.level += h * dir.level;
                s.slope += h * dir.slope;
                for (a, b) in s.season.iter_mut().zip(dir.season) {
                    *a += h * b;
                }
                assert!(run(&y, &p, s).1 >= direct - 1e-9);
            }
        }
        assert!(start.season.iter().sum::<f64>().abs() < 1e-9);
    }

    #[test]
    fn the_estimated_parameters_beat_every_point_of_a_fine_grid() {
        let y = series(120, 0.0, 6.0);
        let shape = Shape::ALL[1];
        let best = best_params(&y, shape);
        let sse = |p: &Params| best_start(&y, p, shape).1;
        let found = sse(&best);
        for a in 1..20 {
            for g in 0..20 {
                let p = params_at(&[f64::from(a) / 20.0, f64::from(g) / 20.0], shape);
                assert!(found <= sse(&p) + 1e-9, "{best:?} {found} vs {p:?}");
            }
        }
    }

    #[test]
    fn a_series_without_a_season_gets_a_model_without_one() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(3);
        // Level 50 and noise of sd 4 (the sum of 12 uniforms is nearly normal, sd 1).
        let y: Vec<f64> = (0..120)
            .map(|_| 50.0 + 4.0 * ((0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0))
            .collect();
        let f = fit(&y).unwrap();
        assert!(!f.shape.seasonal, "{f:?}");
    }
}
