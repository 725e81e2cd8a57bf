//! Which orders each scope of a drift report compares: every marketplace together (`all`) and
//! each one alone, in the reference period and in each current window. All of them are
//! selected in two passes over the orders (count, then fill lists of exactly that size)
//! instead of one pass per scope and window.

use crate::data::Dataset;
use std::ops::RangeInclusive;

/// A report's scope: every marketplace, or one.
pub type Scope = Option<u16>;

/// The rows (order indices, ascending) of each scope.
#[derive(Debug, PartialEq)]
pub struct ScopeRows {
    /// Per scope: the reference period's rows.
    pub reference: Vec<Vec<usize>>,
    /// Per scope, per current window: its rows.
    pub currents: Vec<Vec<Vec<usize>>>,
}

impl ScopeRows {
    /// The rows of each of `scopes` with a day in `reference`, and with a day on or after
    /// each of `starts`.
    pub fn select(
        ds: &Dataset,
        scopes: &[Scope],
        reference: RangeInclusive<i32>,
        starts: &[i32],
    ) -> ScopeRows {
        let orders = OrderScopes {
            days: &ds.orders.day,
            marketplace: &|i| ds.order_marketplace(i),
            marketplaces: ds.marketplaces.len(),
        };
        orders.select(scopes, reference, starts)
    }
}

/// What the selection reads of the orders.
struct OrderScopes<'a> {
    days: &'a [i32],
    marketplace: &'a dyn Fn(usize) -> u16,
    marketplaces: usize,
}

impl OrderScopes<'_> {
    fn select(
        &self,
        scopes: &[Scope],
        reference: RangeInclusive<i32>,
        starts: &[i32],
    ) -> ScopeRows {
        let lists = 1 + starts.len();
        let targets = Targets::new(scopes, self.marketplaces);
        // One list per (scope, period): the reference period first, then each window.
        let mut counts = vec![0usize; scopes.len() * lists];
        self.visit(&targets, &reference, starts, |list, _| counts[list] += 1);
        let mut rows: Vec<Vec<usize>> = counts.iter().map(|&n| Vec::with_capacity(n)).collect();
        self.visit(&targets, &reference, starts, |list, i| rows[list].push(i));
        let mut reference = Vec::with_capacity(scopes.len());
        let mut currents = Vec::with_capacity(scopes.len());
        let mut rows = rows.into_iter();
        for _ in scopes {
            reference.push(rows.next().unwrap_or_default());
            currents.push(rows.by_ref().take(starts.len()).collect());
        }
        ScopeRows {
            reference,
            currents,
        }
    }

    /// Calls `f(list, order)` for every list each order belongs in, orders ascending.
    fn visit(
        &self,
        targets: &Targets,
        reference: &RangeInclusive<i32>,
        starts: &[i32],
        mut f: impl FnMut(usize, usize),
    ) {
        let lists = 1 + starts.len();
        for (i, &day) in self.days.iter().enumerate() {
            let periods = std::iter::once(reference.contains(&day))
                .chain(starts.iter().map(|&start| day >= start));
            let mut scopes = None;
            for (p, _) in periods.enumerate().filter(|&(_, inside)| inside) {
                // The order's marketplace, looked up once and only for an order in a period.
                let scopes = scopes.get_or_insert_with(|| targets.of((self.marketplace)(i)));
                for s in scopes.iter().flatten() {
                    f(s * lists + p, i);
                }
            }
        }
    }
}

/// The scopes an order of each marketplace belongs to.
struct Targets {
    /// The `all` scope's position, if it is one of them.
    all: Option<usize>,
    /// Per marketplace: its own scope's position, if it is one of them.
    own: Vec<Option<usize>>,
}

impl Targets {
    fn new(scopes: &[Scope], marketplaces: usize) -> Targets {
        let mut own = vec![None; marketplaces];
        let mut all = None;
        for (s, scope) in scopes.iter().enumerate() {
            match scope {
                None => all = Some(s),
                Some(m) => {
                    if let Some(slot) = own.get_mut(*m as usize) {
                        *slot = Some(s);
                    }
                }
            }
        }
        Targets { all, own }
    }

    /// The `all` scope (if any), then the marketplace's own (if any).
    fn of(&self, marketplace: u16) -> [Option<usize>; 2] {
        [
            self.all,
            self.own.get(marketplace as usize).copied().flatten(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scope_and_period_holds_exactly_its_orders() {
        let n = 3000;
        let days: Vec<i32> = (0..n).map(|i| 700 + ((i * 7919) % 90) as i32).collect();
        let marketplace = |i: usize| ((i * 31) % 3) as u16;
        let orders = OrderScopes {
            days: &days,
            marketplace: &marketplace,
            marketplaces: 3,
        };
        let reference = 710..=760;
        let starts = [783, 760];
        let scopes = [None, Some(2), Some(0), Some(1)];
        let rows = orders.select(&scopes, reference.clone(), &starts);
        for (s, scope) in scopes.iter().enumerate() {
            let brute = |keep: &dyn Fn(i32) -> bool| -> Vec<usize> {
                (0..n)
                    .filter(|&i| keep(days[i]) && scope.is_none_or(|m| marketplace(i) == m))
                    .collect()
            };
            assert!(!rows.reference[s].is_empty());
            assert_eq!(rows.reference[s], brute(&|d| reference.contains(&d)));
            for (w, &start) in starts.iter().enumerate() {
                assert!(!rows.currents[s][w].is_empty());
                assert_eq!(rows.currents[s][w], brute(&|d| d >= start));
            }
        }
        let one = orders.select(&[Some(1)], reference, &starts[..1]);
        assert_eq!(one.reference[0], rows.reference[3]);
        assert_eq!(one.currents[0], vec![rows.currents[3][0].clone()]);
    }
}
