//! Rollups of the cube that make a window query cost the same for 7 days as for all time:
//! each seller's running sums over its days (a window is the difference of two of them,
//! found by binary search) and each day's sums per (marketplace, category).

use super::cube::Cell;
use super::stats::Regression;

/// Each seller's days with orders, in day order, with running sums up to each of them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SellerDays {
    /// Seller `s`'s entries are `start[s]..start[s + 1]`.
    start: Vec<usize>,
    /// The entry's day.
    day: Vec<i32>,
    /// Sums of the seller's days up to and including this one (`risk_max` is not kept: a
    /// maximum has no difference).
    running: Vec<Cell>,
    /// Least-squares sums of the seller's daily mean risk against the day number, over the
    /// same days.
    running_fit: Vec<Regression>,
}

/// Each day's sums per (marketplace, category) present that day, sorted by both.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CategoryDays {
    /// `day_start[d - first_day]` is the first entry of day `d`; one extra entry at the end.
    day_start: Vec<usize>,
    /// Marketplace of the entry.
    pub marketplace: Vec<u16>,
    /// Category of the entry.
    pub category: Vec<u16>,
    /// The sums.
    pub cells: Vec<Cell>,
}

/// The cube's cells as the rollups read them: sorted by (day, seller, category), with each
/// seller's marketplace.
pub struct CubeCells<'a> {
    /// First day of the data.
    pub first_day: i32,
    /// Where each day's cells start (one extra entry at the end).
    pub day_start: &'a [usize],
    /// Seller of each cell.
    pub seller: &'a [u32],
    /// Category of each cell.
    pub category: &'a [u16],
    /// The sums.
    pub cells: &'a [Cell],
    /// Marketplace of each seller.
    pub seller_marketplace: &'a [u16],
}

/// Runs of equal sellers within each day from day number `d0` on: `(day, seller, sums of
/// the run)`, in cell order.
fn seller_day_runs<'a>(
    c: &'a CubeCells<'a>,
    d0: usize,
) -> impl Iterator<Item = (i32, usize, Cell)> + 'a {
    c.day_start
        .windows(2)
        .enumerate()
        .skip(d0)
        .flat_map(move |(d, w)| {
            let day = c.first_day + d as i32;
            let mut k = w[0];
            std::iter::from_fn(move || {
                if k >= w[1] {
                    return None;
                }
                let s = c.seller[k] as usize;
                let mut sum = Cell::default();
                while k < w[1] && c.seller[k] as usize == s {
                    sum.merge(&c.cells[k]);
                    k += 1;
                }
                Some((day, s, sum))
            })
        })
}

/// Day number of `day` in `c` (0 before the first day).
fn day_number(c: &CubeCells, day: i32) -> usize {
    usize::try_from(day - c.first_day).unwrap_or(0)
}

impl SellerDays {
    /// Builds the running sums of every seller from the cube's cells.
    pub fn build(c: &CubeCells) -> SellerDays {
        SellerDays::default().extend(c, c.first_day)
    }

    /// These running sums (of a cube with the same first day and the same cells before
    /// day `from`) kept before `from` and continued over `c`'s cells from `from` on: what
    /// [`SellerDays::build`] gives, bit for bit, for the cost of the new days and a copy.
    pub fn extend(&self, c: &CubeCells, from: i32) -> SellerDays {
        let n_sellers = c.seller_marketplace.len();
        let kept: Vec<std::ops::Range<usize>> = (0..n_sellers)
            .map(|s| match self.start.get(s..s + 2) {
                Some(&[a, b]) => a..a + self.day[a..b].partition_point(|&d| d < from),
                _ => 0..0,
            })
            .collect();
        let mut start = vec![0usize; n_sellers + 1];
        for (s, k) in kept.iter().enumerate() {
            start[s + 1] = k.len();
        }
        let d0 = day_number(c, from);
        for (_, s, _) in seller_day_runs(c, d0) {
            start[s + 1] += 1;
        }
        for s in 0..n_sellers {
            start[s + 1] += start[s];
        }
        let n = start[n_sellers];
        let mut sd = SellerDays {
            day: vec![0; n],
            running: vec![Cell::default(); n],
            running_fit: vec![Regression::default(); n],
            start,
        };
        let mut next = sd.start.clone();
        for (s, k) in kept.into_iter().enumerate() {
            let to = next[s]..next[s] + k.len();
            sd.day[to.clone()].copy_from_slice(&self.day[k.clone()]);
            sd.running[to.clone()].copy_from_slice(&self.running[k.clone()]);
            sd.running_fit[to.clone()].copy_from_slice(&self.running_fit[k]);
            next[s] = to.end;
        }
        for (day, s, sum) in seller_day_runs(c, d0) {
            let i = next[s];
            next[s] += 1;
            let (mut running, mut fit) = if i > sd.start[s] {
                (sd.running[i - 1], sd.running_fit[i - 1])
            } else {
                Default::default()
            };
            fit.add(
                f64::from(day - c.first_day),
                sum.risk_sum / sum.orders as f64,
            );
            running.merge(&sum);
            running.risk_max = 0.0;
            sd.day[i] = day;
            sd.running[i] = running;
            sd.running_fit[i] = fit;
        }
        sd
    }

    /// Seller `s`'s sums over days `from..=to` (`risk_max` left at 0) and the least-squares
    /// sums of its daily mean risk against `day - from`, one point per day with orders.
    pub fn window(&self, s: usize, first_day: i32, from: i32, to: i32) -> (Cell, Regression) {
        let Some(&[a, b]) = self.start.get(s..s + 2) else {
            return Default::default();
        };
        let days = &self.day[a..b];
        let hi = days.partition_point(|&d| d <= to);
        let lo = days.partition_point(|&d| d < from);
        if hi <= lo {
            return Default::default();
        }
        let (mut cell, mut fit) = (self.running[a + hi - 1], self.running_fit[a + hi - 1]);
        if lo > 0 {
            cell = cell.minus(&self.running[a + lo - 1]);
            fit = fit.minus(&self.running_fit[a + lo - 1]);
        }
        (cell, fit.shifted(f64::from(first_day - from)))
    }
}

impl CategoryDays {
    /// Sums the cube's cells of each day per (marketplace, category).
    pub fn build(c: &CubeCells) -> CategoryDays {
        CategoryDays::default().extend(c, c.first_day)
    }

    /// These sums (of a cube with the same first day and the same cells before day
    /// `from`) kept before `from`, and `c`'s days from `from` on summed: what
    /// [`CategoryDays::build`] gives, for the cost of the new days and a copy.
    pub fn extend(&self, c: &CubeCells, from: i32) -> CategoryDays {
        let d0 = day_number(c, from).min(self.day_start.len().saturating_sub(1));
        let keep = self.day_start.get(d0).copied().unwrap_or(0);
        let mut out = CategoryDays {
            day_start: self.day_start[..d0].to_vec(),
            marketplace: self.marketplace[..keep].to_vec(),
            category: self.category[..keep].to_vec(),
            cells: self.cells[..keep].to_vec(),
        };
        let mut keys: Vec<(u32, usize)> = Vec::new();
        for w in c.day_start.windows(2).skip(d0) {
            out.day_start.push(out.cells.len());
            keys.clear();
            keys.extend((w[0]..w[1]).map(|k| {
                let m = c.seller_marketplace[c.seller[k] as usize];
                (u32::from(m) << 16 | u32::from(c.category[k]), k)
            }));
            keys.sort_unstable();
            let mut prev = u32::MAX;
            for &(key, k) in &keys {
                if key != prev {
                    out.marketplace.push((key >> 16) as u16);
                    out.category.push(key as u16);
                    out.cells.push(Cell::default());
                    prev = key;
                }
                if let Some(last) = out.cells.last_mut() {
                    last.merge(&c.cells[k]);
                }
            }
        }
        out.day_start.push(out.cells.len());
        out
    }

    /// Entries of day number `d` (days since the first day); empty outside the data.
    pub fn day(&self, d: i64) -> std::ops::Range<usize> {
        match usize::try_from(d) {
            Ok(d) if d + 1 < self.day_start.len() => self.day_start[d]..self.day_start[d + 1],
            _ => 0..0,
        }
    }
}
