//! The Nelder-Mead simplex minimizer on the unit box (Nelder and Mead, 1965, with the
//! standard coefficients of Lagarias et al., 1998): a derivative-free local search for the
//! few smoothing parameters of a forecasting model. A point outside the box is evaluated at
//! its projection onto it, so the search never leaves the parameters' bounds.

/// Reflection, expansion, contraction and shrink coefficients.
const REFLECT: f64 = 1.0;
const EXPAND: f64 = 2.0;
const CONTRACT: f64 = 0.5;
const SHRINK: f64 = 0.5;

/// The minimum found: its point (in the box) and value.
#[derive(Clone, Debug, PartialEq)]
pub struct Minimum {
    /// The point.
    pub x: Vec<f64>,
    /// `f(x)`.
    pub value: f64,
}

fn clamp(x: &[f64]) -> Vec<f64> {
    x.iter().map(|v| v.clamp(0.0, 1.0)).collect()
}

/// Minimizes `f` over `[0, 1]^n` from `start`, with a first simplex of side `step`, until
/// the values of the simplex agree to `tol` (absolute) or `max_evals` evaluations.
pub fn minimize(
    f: &mut dyn FnMut(&[f64]) -> f64,
    start: &[f64],
    step: f64,
    tol: f64,
    max_evals: usize,
) -> Minimum {
    let n = start.len();
    let mut eval = |x: &[f64]| {
        let x = clamp(x);
        let v = f(&x);
        (x, if v.is_nan() { f64::INFINITY } else { v })
    };
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    simplex.push(eval(start));
    for i in 0..n {
        let mut x = start.to_vec();
        // Step inward when the start sits on the upper face.
        x[i] += if x[i] + step <= 1.0 { step } else { -step };
        simplex.push(eval(&x));
    }
    let mut evals = n + 1;
    while evals < max_evals {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (best, worst) = (simplex[0].1, simplex[n].1);
        if (worst - best).abs() <= tol {
            break;
        }
        let centroid: Vec<f64> = (0..n)
            .map(|j| simplex[..n].iter().map(|p| p.0[j]).sum::<f64>() / n as f64)
            .collect();
        let toward = |c: f64| -> Vec<f64> {
            (0..n)
                .map(|j| centroid[j] + c * (simplex[n].0[j] - centroid[j]))
                .collect()
        };
        let reflected = eval(&toward(-REFLECT));
        evals += 1;
        if reflected.1 < best {
            let expanded = eval(&toward(-REFLECT * EXPAND));
            evals += 1;
            simplex[n] = if expanded.1 < reflected.1 {
                expanded
            } else {
                reflected
            };
        } else if reflected.1 < simplex[n - 1].1 {
            simplex[n] = reflected;
        } else {
            let outside = reflected.1 < worst;
            let c = if outside {
                -REFLECT * CONTRACT
            } else {
                CONTRACT
            };
            let contracted = eval(&toward(c));
            evals += 1;
            let limit = if outside { reflected.1 } else { worst };
            if contracted.1 <= limit {
                simplex[n] = contracted;
            } else {
                let anchor = simplex[0].0.clone();
                for p in simplex.iter_mut().skip(1) {
                    let x: Vec<f64> = (0..n)
                        .map(|j| anchor[j] + SHRINK * (p.0[j] - anchor[j]))
                        .collect();
                    *p = eval(&x);
                }
                evals += n;
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (x, value) = simplex.swap_remove(0);
    Minimum { x, value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_a_quadratic_inside_the_box() {
        let mut f = |x: &[f64]| (x[0] - 0.3).powi(2) + 10.0 * (x[1] - 0.7).powi(2);
        let m = minimize(&mut f, &[0.9, 0.1], 0.2, 1e-14, 2000);
        assert!(
            (m.x[0] - 0.3).abs() < 1e-5 && (m.x[1] - 0.7).abs() < 1e-5,
            "{m:?}"
        );
    }

    #[test]
    fn a_minimum_outside_the_box_is_found_on_its_face() {
        // Rosenbrock's valley, with the unconstrained minimum at (1.5, 2.25) beyond the box.
        let mut f = |x: &[f64]| (1.5 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let m = minimize(&mut f, &[0.1, 0.1], 0.1, 1e-14, 5000);
        assert!(m.x.iter().all(|v| (0.0..=1.0).contains(v)));
        // On the face x = 1 the best is y = 1: f = 0.25.
        assert!((m.value - 0.25).abs() < 1e-6, "{m:?}");
    }
}
