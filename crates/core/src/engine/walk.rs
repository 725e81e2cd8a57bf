//! A window's sums inside a scope, per marketplace, seller, category and day: what every
//! snapshot and comparison is computed from.

use super::cube::{Cell, Cube};
use super::snapshot::Scope;
use super::stats::Regression;
use crate::data::Dataset;

/// Per-query accumulators.
pub(crate) struct Walk {
    /// Sums of every order in the window and the scope.
    pub total: Cell,
    /// Per marketplace, whatever the scope's marketplace (the category still applies).
    pub per_marketplace: Vec<Cell>,
    /// Per seller (`risk_max` not kept).
    pub per_seller: Vec<Cell>,
    /// Per category.
    pub per_category: Vec<Cell>,
    /// Per day of the window.
    pub per_day: Vec<Cell>,
    /// (risk_sum, orders) per category x day.
    pub category_day: Vec<(f64, u64)>,
    /// Each seller's daily mean risk against the day of the window, one point per day with
    /// orders.
    pub seller_reg: Vec<Regression>,
}

/// Every seller's and category's sums over days `start..=end` inside the scope.
pub(crate) fn group_sums(
    ds: &Dataset,
    cube: &Cube,
    start: i32,
    end: i32,
    scope: Scope,
) -> (Vec<Cell>, Vec<Cell>) {
    let w = walk(ds, cube, start, end, scope);
    (w.per_seller, w.per_category)
}

/// The window's sums inside the scope: from the rollups (a cost that does not grow with the
/// window's length) or, for one category, from the cube's cells of the window.
pub(crate) fn walk(ds: &Dataset, cube: &Cube, start: i32, end: i32, scope: Scope) -> Walk {
    match scope.category {
        None => from_rollups(ds, cube, start, end, scope.marketplace),
        Some(_) => from_cells(ds, cube, start, end, scope),
    }
}

impl Walk {
    /// Empty sums for `n_days` days.
    fn new(ds: &Dataset, n_days: usize) -> Walk {
        let n_cat = ds.categories.len();
        Walk {
            total: Cell::default(),
            per_marketplace: vec![Cell::default(); ds.marketplaces.len()],
            per_seller: vec![Cell::default(); ds.sellers.len()],
            per_category: vec![Cell::default(); n_cat],
            per_day: vec![Cell::default(); n_days],
            category_day: vec![(0.0, 0); n_cat * n_days],
            seller_reg: vec![Regression::default(); ds.sellers.len()],
        }
    }
}

/// Days `start..=end` from the rollups: the marketplaces' daily sums, each seller's running
/// sums (two binary searches per seller) and the (marketplace, category) sums of each day.
fn from_rollups(ds: &Dataset, cube: &Cube, start: i32, end: i32, mp: Option<u16>) -> Walk {
    let n_days = (end - start + 1).max(0) as usize;
    let mut w = Walk::new(ds, n_days);
    let n_mp = cube.marketplaces;
    for (di, day) in (start..=end).enumerate() {
        if day < cube.first_day || day > cube.last_day || n_mp == 0 {
            continue;
        }
        let row = (day - cube.first_day) as usize * n_mp;
        for (m, c) in cube.daily[row..row + n_mp].iter().enumerate() {
            w.per_marketplace[m].merge(c);
            if mp.is_none_or(|want| want as usize == m) {
                w.per_day[di].merge(c);
            }
        }
        w.total.merge(&w.per_day[di]);
        for k in cube.by_category.day(i64::from(day - cube.first_day)) {
            if mp.is_some_and(|want| want != cube.by_category.marketplace[k]) {
                continue;
            }
            let c = &cube.by_category.cells[k];
            let cat = cube.by_category.category[k] as usize;
            w.per_category[cat].merge(c);
            let cd = &mut w.category_day[cat * n_days + di];
            cd.0 += c.risk_sum;
            cd.1 += c.orders;
        }
    }
    for (s, seller) in ds.sellers.iter().enumerate() {
        if mp.is_some_and(|want| want != seller.marketplace) {
            continue;
        }
        (w.per_seller[s], w.seller_reg[s]) = cube.by_seller.window(s, cube.first_day, start, end);
    }
    w
}

/// Sums the cube's cells over the window's days, for cells inside the scope.
fn from_cells(ds: &Dataset, cube: &Cube, start: i32, end: i32, scope: Scope) -> Walk {
    let n_days = (end - start + 1).max(0) as usize;
    let mut w = Walk::new(ds, n_days);
    for (di, day) in (start..=end).enumerate() {
        let range = cube.cell_range(day, day);
        let mut cur: Option<(usize, f64, u64)> = None;
        for k in range {
            let c = &cube.cells[k];
            let s = cube.seller[k] as usize;
            let smp = ds.sellers[s].marketplace;
            let cat = cube.category[k] as usize;
            if scope.category.is_some_and(|want| want as usize != cat) {
                continue;
            }
            w.per_marketplace[smp as usize].merge(c);
            if scope.marketplace.is_some_and(|m| m != smp) {
                continue;
            }
            w.total.merge(c);
            w.per_seller[s].merge(c);
            w.per_category[cat].merge(c);
            w.per_day[di].merge(c);
            let cd = &mut w.category_day[cat * n_days + di];
            cd.0 += c.risk_sum;
            cd.1 += c.orders;
            // A seller's cells are contiguous within a day: one regression point per day.
            match &mut cur {
                Some((cs, rs, n)) if *cs == s => {
                    *rs += c.risk_sum;
                    *n += c.orders;
                }
                _ => {
                    if let Some((cs, rs, n)) = cur {
                        w.seller_reg[cs].add(di as f64, rs / n as f64);
                    }
                    cur = Some((s, c.risk_sum, c.orders));
                }
            }
        }
        if let Some((cs, rs, n)) = cur {
            w.seller_reg[cs].add(di as f64, rs / n as f64);
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RiskBands;
    use crate::data::generate::{GenerateOptions, generated};
    use crate::model::Scores;

    /// Two sums of the same orders in a different order agree to rounding.
    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
    }

    fn same_cell(a: &Cell, b: &Cell) -> bool {
        let counts = |c: &Cell| {
            let n = [
                c.orders,
                c.labelled,
                c.returned,
                c.high,
                c.cod,
                c.payment_known,
            ];
            (n, c.rating_n, c.delivery_n)
        };
        let sums = |c: &Cell| {
            [
                c.risk_sum,
                c.risk_sq_sum,
                c.revenue_at_risk,
                c.rating_sum,
                c.delivery_sum,
                c.price_sum,
            ]
        };
        counts(a) == counts(b) && sums(a).iter().zip(sums(b)).all(|(x, y)| close(*x, y))
    }

    /// The rollups give the cells' sums for any range of days (inside, across and outside
    /// the data, empty) and every marketplace: totals, per marketplace, seller, category,
    /// day and category-day, and each seller's slope.
    #[test]
    fn rollups_give_what_walking_the_cells_gives() {
        let ds = generated(&GenerateOptions {
            orders: 3000,
            sellers: 7,
            marketplaces: 3,
            days: 60,
            seed: 11,
            ..Default::default()
        });
        let risk = (0..ds.orders.len()).map(|i| ((i * 7919) % 1000) as f64 / 1000.0);
        let scores = Scores {
            risk: risk.collect(),
            own_model: vec![false; ds.orders.len()].into(),
        };
        let cube = Cube::build(&ds, Some(&scores), RiskBands::default());
        let (f, l) = (cube.first_day, cube.last_day);
        let ranges = [
            (f, l),
            (l - 6, l),
            (f + 3, f + 17),
            (f - 9, f + 2),
            (l, l + 5),
        ];
        let ranges = ranges.into_iter().chain([(f + 5, f + 4), (f - 9, f - 2)]);
        let mut checked_slopes = 0;
        for (start, end) in ranges {
            for marketplace in [None, Some(0), Some(2)] {
                let scope = Scope {
                    marketplace,
                    category: None,
                };
                let (a, b) = (
                    from_rollups(&ds, &cube, start, end, marketplace),
                    from_cells(&ds, &cube, start, end, scope),
                );
                let all_same =
                    |x: &[Cell], y: &[Cell]| x.iter().zip(y).all(|(p, q)| same_cell(p, q));
                assert!(
                    same_cell(&a.total, &b.total),
                    "{start} {end} {marketplace:?}"
                );
                assert_eq!(a.total.risk_max, b.total.risk_max);
                assert!(all_same(&a.per_marketplace, &b.per_marketplace));
                assert!(all_same(&a.per_seller, &b.per_seller));
                assert!(all_same(&a.per_category, &b.per_category));
                assert!(all_same(&a.per_day, &b.per_day));
                for (p, q) in a.category_day.iter().zip(&b.category_day) {
                    assert!(p.1 == q.1 && close(p.0, q.0));
                }
                for (p, q) in a.seller_reg.iter().zip(&b.seller_reg) {
                    assert_eq!(p.len(), q.len());
                    match (p.slope(), q.slope()) {
                        (Some(x), Some(y)) => {
                            assert!(close(x, y), "{x} {y}");
                            let (x, y) = (p.slope_se().unwrap(), q.slope_se().unwrap());
                            assert!(close(x, y), "{x} {y}");
                            checked_slopes += 1;
                        }
                        (x, y) => assert_eq!(x, y),
                    }
                }
            }
        }
        assert!(checked_slopes > 30, "{checked_slopes}");
    }
}
