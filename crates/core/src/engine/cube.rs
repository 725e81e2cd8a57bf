//! The pre-aggregated cube: per (day, seller, category) sums of everything the dashboard
//! shows. Built once per scoring; every window and marketplace query walks only the cells
//! of the window's days, never the orders.

use super::cells::{DayCells, day_cells, extend_day_cells};
use super::rollup::{CategoryDays, CubeCells, SellerDays};
use crate::config::RiskBands;
use crate::data::column::Plain;
use crate::data::{Column, Dataset};
use crate::model::Scores;

/// Sums over the orders of one (day, seller, category), or over any set of them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[repr(C)]
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

// SAFETY: fifteen 8-byte integers and floats side by side (`repr(C)`, no padding): every
// bit pattern is a value.
unsafe impl Plain for Cell {
    fn valid(_: &[u8]) -> bool {
        true
    }
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
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cube {
    /// First day of the data.
    pub first_day: i32,
    /// Last day of the data (the as-of date).
    pub last_day: i32,
    /// Seller of each cell.
    pub seller: Column<u32>,
    /// Category of each cell.
    pub category: Column<u16>,
    /// The sums (a column: new days grow it in place, [`Cube::extend`]).
    pub cells: Column<Cell>,
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
        let n_days = (last_day - first_day + 1) as usize;
        let cells = day_cells(ds, scores, bands, first_day, n_days);
        Cube::from_cells(ds, first_day, last_day, scores.is_some(), cells)
    }

    /// The cube of `ds` from its cells (days `first_day..=last_day`): each day's sums per
    /// marketplace and the rollups are worked out from them.
    pub(super) fn from_cells(
        ds: &Dataset,
        first_day: i32,
        last_day: i32,
        scored: bool,
        cells: DayCells,
    ) -> Cube {
        Cube::assemble(ds, first_day, last_day, scored, cells, None)
    }

    /// [`Cube::from_cells`], or with `kept` = (a cube of the same first day whose cells
    /// before day `from` are these, `from`), its daily sums and rollups before `from` kept
    /// and only the days from `from` on worked out.
    fn assemble(
        ds: &Dataset,
        first_day: i32,
        last_day: i32,
        scored: bool,
        cells: DayCells,
        kept: Option<(&Cube, i32)>,
    ) -> Cube {
        let n_days = (last_day - first_day + 1) as usize;
        let DayCells {
            day_start,
            seller,
            category,
            cells,
        } = cells;
        let mut cube = Cube {
            first_day,
            last_day,
            scored,
            seller,
            category,
            cells,
            day_start,
            ..Cube::default()
        };
        cube.marketplaces = ds.marketplaces.len();
        let m = cube.marketplaces;
        let (from, d0) = match kept {
            Some((_, from)) => (from, ((from - first_day).max(0) as usize).min(n_days)),
            None => (first_day, 0),
        };
        cube.daily = vec![Cell::default(); n_days * m];
        if let Some((old, _)) = kept {
            let rows = (d0 * m).min(old.daily.len());
            cube.daily[..rows].copy_from_slice(&old.daily[..rows]);
        }
        for d in d0..n_days {
            for k in cube.day_start[d]..cube.day_start[d + 1] {
                let mk = ds.sellers[cube.seller[k] as usize].marketplace as usize;
                cube.daily[d * m + mk].merge(&cube.cells[k]);
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
        let (no_seller, no_category) = (SellerDays::default(), CategoryDays::default());
        let (seller_days, category_days) = kept.map_or((&no_seller, &no_category), |(old, _)| {
            (&old.by_seller, &old.by_category)
        });
        let (by_seller, by_category) = rayon::join(
            || seller_days.extend(&cells, from),
            || category_days.extend(&cells, from),
        );
        cube.by_seller = by_seller;
        cube.by_category = by_category;
        cube
    }

    /// The cube of `ds` when `self` is the cube of its first `from` orders (with the same
    /// scores for them and the same `bands`): only the orders after them are read, and the
    /// result is the one [`Cube::build`] gives, bit for bit. Orders appended as new days
    /// cost those days; the rollups are worked out again from the cells.
    pub fn extend(
        &self,
        ds: &Dataset,
        scores: Option<&Scores>,
        bands: RiskBands,
        from: usize,
    ) -> Cube {
        let o = &ds.orders;
        if self.cells.is_empty() || from == 0 || self.scored != scores.is_some() {
            return Cube::build(ds, scores, bands);
        }
        if from >= o.len() {
            return self.clone();
        }
        let new_days = o.day[from..].iter().copied();
        let (lo, hi) = new_days.fold((i32::MAX, i32::MIN), |(a, b), d| (a.min(d), b.max(d)));
        let first_day = self.first_day.min(lo);
        let last_day = self.last_day.max(hi);
        let n_days = (last_day - first_day + 1) as usize;
        let added = (ds, scores, bands, from);
        let (cells, touched) = extend_day_cells(self, added, first_day, n_days);
        let kept = (first_day == self.first_day).then_some((self, touched));
        Cube::assemble(ds, first_day, last_day, scores.is_some(), cells, kept)
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

    /// The label's latency in days, measured from every order's age and label
    /// ([`super::latency`]); `None` when nothing is labelled.
    pub fn label_latency(&self) -> Option<u32> {
        if self.daily.is_empty() || self.marketplaces == 0 {
            return None;
        }
        let by_age: Vec<super::latency::AgeCount> = self
            .daily
            .chunks(self.marketplaces)
            .rev()
            .map(|day| super::latency::AgeCount {
                orders: day.iter().map(|c| c.orders).sum(),
                labelled: day.iter().map(|c| c.labelled).sum(),
            })
            .collect();
        super::latency::label_latency(&by_age)
    }

    /// The first day whose unlabelled orders are pending (younger than the label's
    /// latency); unlabelled orders before it are never labelled. Without a latency (nothing
    /// labelled) every unlabelled order is pending.
    pub fn pending_from(&self) -> i32 {
        self.pending_from_latency(self.label_latency())
    }

    /// [`Cube::pending_from`] for a latency already measured.
    pub fn pending_from_latency(&self, latency: Option<u32>) -> i32 {
        match latency {
            Some(l) => self.last_day - l as i32 + 1,
            None => i32::MIN,
        }
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
    use super::*;
    use crate::data::features::FeatureValues;
    use crate::data::generate::{GenerateOptions, generated};

    /// The orders `rows` of `ds` (in that order), with the same sellers and categories.
    fn select(ds: &Dataset, rows: &[usize]) -> Dataset {
        fn pick<T: crate::data::column::Plain>(
            c: &crate::data::column::Column<T>,
            rows: &[usize],
        ) -> crate::data::column::Column<T> {
            rows.iter().map(|&i| c[i]).collect()
        }
        let mut out = ds.clone();
        let (o, p) = (&ds.orders, &mut out.orders);
        p.id = rows.iter().map(|&i| &o.id[i]).collect();
        p.category = pick(&o.category, rows);
        p.price = pick(&o.price, rows);
        p.returned = pick(&o.returned, rows);
        p.seller = pick(&o.seller, rows);
        p.day = pick(&o.day, rows);
        for (f, g) in o.features.iter().zip(&mut p.features) {
            g.values = match &f.values {
                FeatureValues::Numeric(v) => FeatureValues::Numeric(pick(v, rows)),
                FeatureValues::Categorical { codes, levels } => FeatureValues::Categorical {
                    codes: pick(codes, rows),
                    levels: levels.clone(),
                },
                other => other.clone(),
            };
        }
        out
    }

    /// Extending the cube of the first orders by the others gives the cube of all, bit for
    /// bit: split at a day's edge, inside a day, after one order, with new orders on days
    /// before, inside and after the old ones (rows shuffled), with and without scores.
    #[test]
    fn extending_a_cube_equals_building_it_whole() {
        let base = generated(&GenerateOptions {
            orders: 4000,
            sellers: 9,
            marketplaces: 3,
            days: 50,
            seed: 8,
            ..Default::default()
        });
        let n = base.orders.len();
        // A fixed shuffle: later rows may hold earlier days than the first rows.
        let shuffled: Vec<usize> = (0..n).map(|i| (i * 1723 + 11) % n).collect();
        for (name, rows) in [
            ("in order", (0..n).collect::<Vec<_>>()),
            ("shuffled", shuffled),
        ] {
            let ds = select(&base, &rows);
            let risk: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1000) as f64 / 997.0).collect();
            let scores = Scores {
                risk: risk.into(),
                own_model: vec![false; n].into(),
            };
            let bands = RiskBands::default();
            let last_day_start = ds
                .orders
                .day
                .iter()
                .position(|&d| d == ds.orders.day[n - 1]);
            let splits = [
                1,
                n / 3,
                n / 2 + 7,
                last_day_start.unwrap_or(n / 2),
                n - 1,
                n,
            ];
            for from in splits {
                let head = select(&ds, &(0..from).collect::<Vec<_>>());
                for scored in [true, false] {
                    let s = |d: &Dataset| Scores {
                        risk: scores.risk[..d.orders.len()].to_vec().into(),
                        own_model: scores.own_model[..d.orders.len()].to_vec().into(),
                    };
                    let (hs, all) = (s(&head), s(&ds));
                    let (hs, all) = (scored.then_some(&hs), scored.then_some(&all));
                    let old = Cube::build(&head, hs, bands);
                    let extended = old.extend(&ds, all, bands, from);
                    let whole = Cube::build(&ds, all, bands);
                    assert!(extended == whole, "{name}, from {from}, scored {scored}");
                }
            }
        }
    }
}
