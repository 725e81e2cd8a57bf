//! The pre-aggregated cube: per (day, seller, category) sums of everything the dashboard
//! shows. Built once per scoring; every window and marketplace query walks only the cells
//! of the window's days, never the orders.

use super::rollup::{CategoryDays, CubeCells, SellerDays};
use crate::config::RiskBands;
use crate::data::Dataset;
use crate::model::Scores;
use rayon::prelude::*;

/// Sums over the orders of one (day, seller, category), or over any set of them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Cell {
    /// Orders.
    pub orders: u64,
    /// Orders with a known outcome.
    pub labelled: u64,
    /// Returned orders.
    pub returned: u64,
    /// Orders labelled High risk.
    pub high: u64,
    /// Cash-on-delivery orders.
    pub cod: u64,
    /// Orders whose payment method is known (the COD share's denominator).
    pub payment_known: u64,
    /// Orders with a rating.
    pub rating_n: u64,
    /// Orders with delivery days.
    pub delivery_n: u64,
    /// Sum of risk scores.
    pub risk_sum: f64,
    /// Sum of squared risk scores (for the mean's standard error).
    pub risk_sq_sum: f64,
    /// Largest risk score.
    pub risk_max: f64,
    /// Sum of risk x price.
    pub revenue_at_risk: f64,
    /// Sum of product ratings.
    pub rating_sum: f64,
    /// Sum of delivery days.
    pub delivery_sum: f64,
    /// Sum of prices.
    pub price_sum: f64,
}

impl Cell {
    /// Adds another cell's sums.
    pub fn merge(&mut self, o: &Cell) {
        self.orders += o.orders;
        self.labelled += o.labelled;
        self.returned += o.returned;
        self.high += o.high;
        self.cod += o.cod;
        self.payment_known += o.payment_known;
        self.rating_n += o.rating_n;
        self.delivery_n += o.delivery_n;
        self.risk_sum += o.risk_sum;
        self.risk_sq_sum += o.risk_sq_sum;
        self.risk_max = self.risk_max.max(o.risk_max);
        self.revenue_at_risk += o.revenue_at_risk;
        self.rating_sum += o.rating_sum;
        self.delivery_sum += o.delivery_sum;
        self.price_sum += o.price_sum;
    }

    /// The sums of `self` less those of `earlier` (running sums over a prefix of the same
    /// orders); `risk_max` is 0, a maximum has no difference.
    pub fn minus(&self, earlier: &Cell) -> Cell {
        Cell {
            orders: self.orders - earlier.orders,
            labelled: self.labelled - earlier.labelled,
            returned: self.returned - earlier.returned,
            high: self.high - earlier.high,
            cod: self.cod - earlier.cod,
            payment_known: self.payment_known - earlier.payment_known,
            rating_n: self.rating_n - earlier.rating_n,
            delivery_n: self.delivery_n - earlier.delivery_n,
            risk_sum: self.risk_sum - earlier.risk_sum,
            risk_sq_sum: self.risk_sq_sum - earlier.risk_sq_sum,
            risk_max: 0.0,
            revenue_at_risk: self.revenue_at_risk - earlier.revenue_at_risk,
            rating_sum: self.rating_sum - earlier.rating_sum,
            delivery_sum: self.delivery_sum - earlier.delivery_sum,
            price_sum: self.price_sum - earlier.price_sum,
        }
    }
}

/// Cells sorted by (day, seller, category), with an index of where each day starts.
#[derive(Clone, Debug, Default)]
pub struct Cube {
    /// First day of the data.
    pub first_day: i32,
    /// Last day of the data (the as-of date).
    pub last_day: i32,
    /// Seller of each cell.
    pub seller: Vec<u32>,
    /// Category of each cell.
    pub category: Vec<u16>,
    /// The sums.
    pub cells: Vec<Cell>,
    /// `day_start[d - first_day]` is the first cell of day `d`; one extra entry at the end.
    pub day_start: Vec<usize>,
    /// Whether risk sums are real (false while models are training).
    pub scored: bool,
    /// Marketplaces in the data.
    pub marketplaces: usize,
    /// Each day's sums per marketplace: `daily[(d - first_day) * marketplaces + m]`; any
    /// window's totals are a few dozen merges, whatever the number of orders.
    pub daily: Vec<Cell>,
    /// Each seller's running sums over its days (window sums by difference).
    pub by_seller: SellerDays,
    /// Each day's sums per (marketplace, category).
    pub by_category: CategoryDays,
}

/// `value(i)` of every order `i` in (day, index) order (a counting sort over `n_days` days),
/// with each day's first position (one entry more at the end: `n`).
pub(super) fn by_day<T: Copy + Default>(
    n: usize,
    n_days: usize,
    day: impl Fn(usize) -> usize,
    value: impl Fn(usize) -> T,
) -> (Vec<T>, Vec<usize>) {
    let mut start = vec![0usize; n_days + 1];
    for i in 0..n {
        start[day(i) + 1] += 1;
    }
    for d in 0..n_days {
        start[d + 1] += start[d];
    }
    let mut next = start.clone();
    let mut out = vec![T::default(); n];
    for i in 0..n {
        let d = day(i);
        out[next[d]] = value(i);
        next[d] += 1;
    }
    (out, start)
}

/// Every order's `(key, index)`, sorted: first bucketed by day ([`by_day`]), then each day
/// sorted on its own, in parallel. The day is the key's top bits, so this is the order one
/// sort of all keys gives (ties are impossible: indices differ). With each day's first key.
fn sorted_keys(
    n: usize,
    n_days: usize,
    day: impl Fn(usize) -> usize,
    key: impl Fn(usize) -> u64,
) -> (Vec<(u64, u32)>, Vec<usize>) {
    let (mut keys, start) = by_day(n, n_days, day, |i| (key(i), i as u32));
    let mut days: Vec<&mut [(u64, u32)]> = Vec::with_capacity(n_days);
    let mut rest = keys.as_mut_slice();
    for d in 0..n_days {
        let (this, after) = rest.split_at_mut(start[d + 1] - start[d]);
        days.push(this);
        rest = after;
    }
    days.into_par_iter().for_each(|d| d.sort_unstable());
    (keys, start)
}

/// The cube's cells side by side, day after day.
struct DayCells {
    /// The first cell of each day, with one entry more at the end.
    day_start: Vec<usize>,
    /// Each cell's seller.
    seller: Vec<u32>,
    /// Each cell's category.
    category: Vec<u16>,
    /// Each cell's sums.
    cells: Vec<Cell>,
}

/// The cells of each day's sorted keys: one per distinct key. Each day is summed on its own,
/// in parallel, into its place in the vectors (the same sums, in the same order, as one pass
/// over all keys).
fn day_cells(
    ds: &Dataset,
    scores: Option<&Scores>,
    bands: RiskBands,
    day_keys: &[&[(u64, u32)]],
) -> DayCells {
    let o = &ds.orders;
    let mut day_start = Vec::with_capacity(day_keys.len() + 1);
    day_start.push(0);
    let mut total = 0;
    for d in day_keys {
        total += usize::from(!d.is_empty()) + d.windows(2).filter(|w| w[0].0 != w[1].0).count();
        day_start.push(total);
    }
    let (mut all_seller, mut all_category) = (vec![0u32; total], vec![0u16; total]);
    let mut all_cells = vec![Cell::default(); total];
    let mut slots = Vec::with_capacity(day_keys.len());
    let (mut cells, mut seller, mut category) = (
        all_cells.as_mut_slice(),
        all_seller.as_mut_slice(),
        all_category.as_mut_slice(),
    );
    for w in day_start.windows(2) {
        let len = w[1] - w[0];
        let (c, rest_c) = cells.split_at_mut(len);
        let (s, rest_s) = seller.split_at_mut(len);
        let (g, rest_g) = category.split_at_mut(len);
        slots.push((c, s, g));
        (cells, seller, category) = (rest_c, rest_s, rest_g);
    }
    slots
        .into_par_iter()
        .zip(day_keys)
        .for_each(|((cells, seller, category), keys)| {
            let mut at = usize::MAX;
            let mut prev = u64::MAX;
            for &(k, i) in *keys {
                let i = i as usize;
                if k != prev {
                    at = at.wrapping_add(1);
                    seller[at] = o.seller[i];
                    category[at] = o.category[i];
                    prev = k;
                }
                add_order(&mut cells[at], ds, scores, bands, i);
            }
        });
    DayCells {
        day_start,
        seller: all_seller,
        category: all_category,
        cells: all_cells,
    }
}

/// Adds order `i` to cell `c`.
fn add_order(c: &mut Cell, ds: &Dataset, scores: Option<&Scores>, bands: RiskBands, i: usize) {
    let o = &ds.orders;
    let risk = scores.map_or(0.0, |s| s.risk[i]);
    c.orders += 1;
    if let Some(r) = o.returned[i] {
        c.labelled += 1;
        c.returned += u64::from(r);
    }
    c.high += u64::from(scores.is_some() && risk >= bands.high);
    if let Some(cod) = ds.is_cod(i) {
        c.payment_known += 1;
        c.cod += u64::from(cod);
    }
    c.risk_sum += risk;
    c.risk_sq_sum += risk * risk;
    c.risk_max = c.risk_max.max(risk);
    c.revenue_at_risk += risk * o.price[i];
    if let Some(r) = ds.rating(i) {
        c.rating_n += 1;
        c.rating_sum += r;
    }
    if let Some(d) = ds.delivery_days(i) {
        c.delivery_n += 1;
        c.delivery_sum += d;
    }
    c.price_sum += o.price[i];
}

impl Cube {
    /// Aggregates `ds` with `scores` (or without, while training) and risk `bands`.
    pub fn build(ds: &Dataset, scores: Option<&Scores>, bands: RiskBands) -> Cube {
        let o = &ds.orders;
        let n = o.len();
        if n == 0 {
            return Cube::default();
        }
        let first_day = o.day.iter().copied().min().unwrap_or(0);
        let last_day = o.day.iter().copied().max().unwrap_or(0);
        let key = |i: usize| -> u64 {
            ((o.day[i] - first_day) as u64) << 40
                | u64::from(o.seller[i]) << 16
                | u64::from(o.category[i])
        };
        let n_days = (last_day - first_day + 1) as usize;
        let (keys, key_start) = sorted_keys(n, n_days, |i| (o.day[i] - first_day) as usize, key);
        let day_keys: Vec<&[(u64, u32)]> =
            key_start.windows(2).map(|w| &keys[w[0]..w[1]]).collect();
        let DayCells {
            day_start,
            seller,
            category,
            cells,
        } = day_cells(ds, scores, bands, &day_keys);
        let mut cube = Cube {
            first_day,
            last_day,
            scored: scores.is_some(),
            seller,
            category,
            cells,
            day_start,
            ..Cube::default()
        };
        drop(keys); // 16 bytes an order: freed before the rollups are built
        cube.marketplaces = ds.marketplaces.len();
        cube.daily = vec![Cell::default(); n_days * cube.marketplaces];
        for d in 0..n_days {
            for k in cube.day_start[d]..cube.day_start[d + 1] {
                let m = ds.sellers[cube.seller[k] as usize].marketplace as usize;
                cube.daily[d * cube.marketplaces + m].merge(&cube.cells[k]);
            }
        }
        let seller_marketplace: Vec<u16> = ds.sellers.iter().map(|s| s.marketplace).collect();
        let cells = CubeCells {
            first_day,
            day_start: &cube.day_start,
            seller: &cube.seller,
            category: &cube.category,
            cells: &cube.cells,
            seller_marketplace: &seller_marketplace,
        };
        let (by_seller, by_category) =
            rayon::join(|| SellerDays::build(&cells), || CategoryDays::build(&cells));
        cube.by_seller = by_seller;
        cube.by_category = by_category;
        cube
    }

    /// The sums of days `from..=to` (clamped to the data) for one marketplace or all.
    pub fn totals(&self, from: i32, to: i32, marketplace: Option<u16>) -> Cell {
        let mut total = Cell::default();
        if self.daily.is_empty() {
            return total;
        }
        let (a, b) = (from.max(self.first_day), to.min(self.last_day));
        for day in a..=b {
            let row = (day - self.first_day) as usize * self.marketplaces;
            match marketplace {
                Some(m) => total.merge(&self.daily[row + m as usize]),
                None => {
                    for c in &self.daily[row..row + self.marketplaces] {
                        total.merge(c);
                    }
                }
            }
        }
        total
    }

    /// Cell range of days `from..=to` (day numbers, clamped to the data).
    pub fn cell_range(&self, from: i32, to: i32) -> std::ops::Range<usize> {
        if self.cells.is_empty() || to < from {
            return 0..0;
        }
        let a = (from.max(self.first_day) - self.first_day) as usize;
        let b = (to.min(self.last_day) - self.first_day + 1).max(0) as usize;
        let a = a.min(self.day_start.len() - 1);
        let b = b.clamp(a, self.day_start.len() - 1);
        self.day_start[a]..self.day_start[b]
    }

    /// The day of cell `k` (binary search over the day index).
    pub fn day_of(&self, k: usize) -> i32 {
        self.first_day + (self.day_start.partition_point(|&s| s <= k) as i32 - 1)
    }
}

impl Cell {
    /// returned / labelled.
    pub fn return_rate(&self) -> Option<f64> {
        crate::util::ratio(self.returned as f64, self.labelled as f64)
    }
    /// Mean risk score.
    pub fn mean_risk(&self) -> Option<f64> {
        crate::util::ratio(self.risk_sum, self.orders as f64)
    }
    /// Share of High-risk orders.
    pub fn high_share(&self) -> Option<f64> {
        crate::util::ratio(self.high as f64, self.orders as f64)
    }
    /// Share of cash-on-delivery orders among those with a known payment method.
    pub fn cod_share(&self) -> Option<f64> {
        crate::util::ratio(self.cod as f64, self.payment_known as f64)
    }
    /// Mean product rating over the orders that have one.
    pub fn mean_rating(&self) -> Option<f64> {
        crate::util::ratio(self.rating_sum, self.rating_n as f64)
    }
    /// Mean delivery days over the orders that have them.
    pub fn mean_delivery(&self) -> Option<f64> {
        crate::util::ratio(self.delivery_sum, self.delivery_n as f64)
    }
    /// Sample standard deviation of the risk scores.
    pub fn risk_sd(&self) -> Option<f64> {
        let n = self.orders as f64;
        (n >= 2.0).then(|| {
            ((self.risk_sq_sum - self.risk_sum * self.risk_sum / n) / (n - 1.0))
                .max(0.0)
                .sqrt()
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn day_buckets_then_day_sorts_equal_one_sort() {
        let n = 5000;
        let day = |i: usize| (i * 7919) % 37;
        let key = |i: usize| (day(i) as u64) << 40 | ((i * 31) % 11) as u64;
        let mut want: Vec<(u64, u32)> = (0..n).map(|i| (key(i), i as u32)).collect();
        want.sort_unstable();
        let (keys, start) = super::sorted_keys(n, 37, day, key);
        assert_eq!(keys, want);
        // Day d's keys are keys[start[d]..start[d + 1]].
        for d in 0..37 {
            let of_day = &keys[start[d]..start[d + 1]];
            assert!(
                of_day.iter().all(|&(k, _)| (k >> 40) as usize == d),
                "day {d}"
            );
        }
        assert_eq!(start[37], n);
    }
}
