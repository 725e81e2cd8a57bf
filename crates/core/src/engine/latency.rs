//! How long the label takes to arrive, measured from the data: an order is pending only while
//! it can still be labelled. Olist's reviews come within weeks, but 20 orders from 2016 to
//! 2018 were never reviewed: they are not "pending", they are never labelled.
//!
//! The share of orders labelled by their age (days before the data's last day) can only grow
//! with age. Its isotonic fit (weighted least squares under that constraint, by the
//! pool-adjacent-violators algorithm: the nonparametric maximum-likelihood estimate of a
//! monotone share) levels off at the share that ever gets labelled; the latency is the
//! youngest age whose fitted share reaches [`LATENCY_SHARE`] of that level. Unlabelled orders
//! at least that old are never labelled.

/// Share of the eventual labelled share that defines the latency (its 99th percentile).
pub const LATENCY_SHARE: f64 = 0.99;

/// Labelled and all orders of one age.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AgeCount {
    /// Orders of that age.
    pub orders: u64,
    /// Of which labelled.
    pub labelled: u64,
}

/// The non-decreasing least-squares fit of `y` with weights `w` (pool adjacent violators).
pub fn isotonic(y: &[f64], w: &[f64]) -> Vec<f64> {
    // Blocks of (weighted mean, weight, length), merged while they decrease.
    let mut blocks: Vec<(f64, f64, usize)> = Vec::with_capacity(y.len());
    for (&v, &wt) in y.iter().zip(w) {
        blocks.push((v, wt, 1));
        while blocks.len() > 1 {
            let (m2, w2, n2) = blocks[blocks.len() - 1];
            let (m1, w1, n1) = blocks[blocks.len() - 2];
            if m1 <= m2 {
                break;
            }
            blocks.pop();
            let total = w1 + w2;
            let mean = if total > 0.0 {
                (m1 * w1 + m2 * w2) / total
            } else {
                f64::midpoint(m1, m2)
            };
            if let Some(last) = blocks.last_mut() {
                *last = (mean, total, n1 + n2);
            }
        }
    }
    blocks
        .into_iter()
        .flat_map(|(m, _, n)| std::iter::repeat_n(m, n))
        .collect()
}

/// The label's latency in days from the orders' counts by age (index = age in days, 0 = the
/// last day): orders younger than it may still be labelled. `Some(0)` when every order is
/// labelled; `None` when none is (nothing to measure).
pub fn label_latency(by_age: &[AgeCount]) -> Option<u32> {
    let ages: Vec<usize> = (0..by_age.len())
        .filter(|&a| by_age[a].orders > 0)
        .collect();
    let y: Vec<f64> = ages
        .iter()
        .map(|&a| by_age[a].labelled as f64 / by_age[a].orders as f64)
        .collect();
    let w: Vec<f64> = ages.iter().map(|&a| by_age[a].orders as f64).collect();
    let fit = isotonic(&y, &w);
    let level = *fit.last()?;
    if level <= 0.0 {
        return None;
    }
    let at = fit.iter().position(|&f| f >= LATENCY_SHARE * level)?;
    Some(if at == 0 { 0 } else { ages[at] as u32 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pairs: &[(u64, u64)]) -> Vec<AgeCount> {
        pairs
            .iter()
            .map(|&(orders, labelled)| AgeCount { orders, labelled })
            .collect()
    }

    #[test]
    fn isotonic_by_hand() {
        // 1, 3, 2 with equal weights: the violators 3, 2 pool to 2.5.
        assert_eq!(isotonic(&[1.0, 3.0, 2.0], &[1.0; 3]), vec![1.0, 2.5, 2.5]);
        // Weights pull the pooled value: (3 * 1 + 2 * 3) / 4.
        assert_eq!(isotonic(&[3.0, 2.0], &[1.0, 3.0]), vec![2.25, 2.25]);
        // Already increasing: unchanged.
        assert_eq!(isotonic(&[0.0, 0.5, 1.0], &[1.0; 3]), vec![0.0, 0.5, 1.0]);
    }

    #[test]
    fn a_sharp_window_is_its_own_length() {
        // The demo data: the last 14 days unlabelled, every older order labelled.
        let mut by_age = vec![
            AgeCount {
                orders: 300,
                labelled: 0
            };
            14
        ];
        by_age.extend(vec![
            AgeCount {
                orders: 300,
                labelled: 300
            };
            166
        ]);
        assert_eq!(label_latency(&by_age), Some(14));
    }

    #[test]
    fn orders_never_labelled_do_not_stretch_the_latency() {
        // Labels arrive over 10 days; 1% of orders are never labelled, at any age.
        let mut by_age = Vec::new();
        for a in 0..400u64 {
            let share = (a as f64 / 10.0).min(1.0) * 0.99;
            by_age.push(AgeCount {
                orders: 100,
                labelled: (100.0 * share).round() as u64,
            });
        }
        assert_eq!(label_latency(&by_age), Some(10));
        // With the older approach (95% of the unlabelled orders' ages) the scattered never
        // labelled orders would have stretched it to hundreds of days.
    }

    #[test]
    fn edge_cases() {
        assert_eq!(label_latency(&counts(&[(5, 5), (5, 5)])), Some(0));
        assert_eq!(label_latency(&counts(&[(5, 0), (5, 0)])), None);
        assert_eq!(label_latency(&[]), None);
        // Ages without orders are skipped: the latency is an age that has orders.
        assert_eq!(
            label_latency(&counts(&[(4, 0), (0, 0), (0, 0), (4, 4)])),
            Some(3)
        );
    }
}
