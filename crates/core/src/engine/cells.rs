//! How the cube's cells are found and summed: the orders bucketed by day (a counting sort),
//! each day's orders grouped by (seller, category) on its own, in parallel, then summed in
//! their original order, so the order columns are read front to back rather than in the
//! order of the sorted keys (at 10M orders, a random read per column and order was most of
//! the cube's build).

use super::cube::Cell;
use crate::config::RiskBands;
use crate::data::column::Plain;
use crate::data::view::{CodColumn, NumberColumn};
use crate::data::{Column, Dataset};
use crate::model::Scores;
use rayon::prelude::*;

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

/// One day's orders (`rows`) grouped by `key`: the distinct keys, sorted, and for each
/// position `j` of `rows` the index of its key among them (`slot[j]`).
fn group_day(rows: &[u32], key: impl Fn(usize) -> u64) -> (Vec<u64>, Vec<u32>) {
    let mut pairs: Vec<(u64, u32)> = rows
        .iter()
        .enumerate()
        .map(|(j, &i)| (key(i as usize), j as u32))
        .collect();
    pairs.sort_unstable();
    let mut keys: Vec<u64> = Vec::new();
    let mut slot = vec![0u32; rows.len()];
    for (k, j) in pairs {
        if keys.last() != Some(&k) {
            keys.push(k);
        }
        slot[j as usize] = (keys.len() - 1) as u32;
    }
    (keys, slot)
}

/// [`group_day`] for keys that index a table: `mark`, all zero, with an entry for every
/// key. The day's distinct keys are found in one pass and sorted among themselves (at most
/// sellers x categories of them, not the day's orders), then each row's slot is looked up:
/// linear in the day's orders, where sorting them was most of the cube's build at 100M
/// orders. The same keys and slots as [`group_day`]; `mark` is left all zero.
fn group_day_dense(
    rows: &[u32],
    key: impl Fn(usize) -> usize,
    mark: &mut [u32],
) -> (Vec<usize>, Vec<u32>) {
    let mut keys = Vec::new();
    for &i in rows {
        let k = key(i as usize);
        if mark[k] == 0 {
            mark[k] = 1;
            keys.push(k);
        }
    }
    keys.sort_unstable();
    for (s, &k) in keys.iter().enumerate() {
        mark[k] = s as u32 + 1;
    }
    let slot = rows.iter().map(|&i| mark[key(i as usize)] - 1).collect();
    for &k in &keys {
        mark[k] = 0;
    }
    (keys, slot)
}

/// Cells (sellers x categories) up to which a day's orders are grouped through a table
/// ([`group_day_dense`], 4 bytes a cell per thread); beyond, by a sort.
const DENSE_CELLS: usize = 1 << 22;

/// The cube's cells side by side, day after day.
pub(super) struct DayCells {
    /// The first cell of each day, with one entry more at the end.
    pub day_start: Vec<usize>,
    /// Each cell's seller.
    pub seller: Column<u32>,
    /// Each cell's category.
    pub category: Column<u16>,
    /// Each cell's sums.
    pub cells: Column<Cell>,
}

/// One cell per (day, seller, category) of the orders of days `first_day..first_day +
/// n_days`, sorted. Each day is summed on its own, in parallel; a cell adds its orders in
/// their row order, as one pass over the orders sorted by (day, seller, category, row) does.
pub(super) fn day_cells(
    ds: &Dataset,
    scores: Option<&Scores>,
    bands: RiskBands,
    first_day: i32,
    n_days: usize,
) -> DayCells {
    let o = &ds.orders;
    let (rows, start) = by_day(
        o.len(),
        n_days,
        |i| (o.day[i] - first_day) as usize,
        |i| i as u32,
    );
    let key = |i: usize| u64::from(o.seller[i]) << 16 | u64::from(o.category[i]);
    let n_categories = ds.categories.len().max(1);
    let table = (ds.sellers.len())
        .checked_mul(n_categories)
        .filter(|&t| t <= DENSE_CELLS);
    let dense = |i: usize| o.seller[i] as usize * n_categories + usize::from(o.category[i]);
    let sources = Sources::of(ds, scores, bands);
    // Each day's cells are summed in a vector of their own, fresh in the cache, then
    // copied one after the other (summing into the cells of one big, cold vector took a
    // miss per cell).
    let days: Vec<(Vec<u64>, Vec<Cell>)> = start
        .par_windows(2)
        .map_init(
            || vec![0u32; table.unwrap_or(0)],
            |mark, w| {
                let rows = &rows[w[0]..w[1]];
                let (keys, slot) = match table {
                    Some(_) => {
                        let (cells, slot) = group_day_dense(rows, dense, mark);
                        let of = |c: usize| {
                            ((c / n_categories) as u64) << 16 | (c % n_categories) as u64
                        };
                        (cells.into_iter().map(of).collect(), slot)
                    }
                    None => group_day(rows, key),
                };
                let mut cells = vec![Cell::default(); keys.len()];
                for (&s, &i) in slot.iter().zip(rows) {
                    sources.add(&mut cells[s as usize], i as usize);
                }
                (keys, cells)
            },
        )
        .collect();
    let mut day_start = Vec::with_capacity(n_days + 1);
    day_start.push(0);
    for (k, _) in &days {
        day_start.push(day_start[day_start.len() - 1] + k.len());
    }
    let keys = || days.iter().flat_map(|(k, _)| k);
    let seller: Vec<u32> = keys().map(|k| (k >> 16) as u32).collect();
    let category: Vec<u16> = keys().map(|&k| k as u16).collect();
    let mut cells = Vec::with_capacity(day_start[n_days]);
    for (_, c) in &days {
        cells.extend_from_slice(c);
    }
    DayCells {
        day_start,
        seller: seller.into(),
        category: category.into(),
        cells: cells.into(),
    }
}

/// The cells of `old` (built from the first `from` orders of `ds`) with orders `from..`
/// added, over days `first_day..first_day + n_days` (which hold `old`'s days). Each cell
/// of a day the new orders touch continues from its old sums, adding the new orders in row
/// order, so the result equals [`day_cells`] of every order bit for bit. The days before
/// the first the new orders touch keep their cells; when those are all of `old`'s (new
/// days after the last), the columns grow in place ([`Column::appended`]) rather than
/// being copied. Also answers that first day touched.
pub(super) fn extend_day_cells(
    old: &super::cube::Cube,
    added: (&Dataset, Option<&Scores>, RiskBands, usize),
    first_day: i32,
    n_days: usize,
) -> (DayCells, i32) {
    let (ds, scores, bands, from) = added;
    let o = &ds.orders;
    let sources = Sources::of(ds, scores, bands);
    // The new orders by day, in row order.
    let mut new_rows: std::collections::BTreeMap<i32, Vec<u32>> = Default::default();
    for i in from..o.len() {
        new_rows.entry(o.day[i]).or_default().push(i as u32);
    }
    let lo = new_rows
        .keys()
        .next()
        .copied()
        .unwrap_or(first_day + n_days as i32);
    let old_days = old.day_start.len().saturating_sub(1);
    let old_day = |d: i32| {
        let k = usize::try_from(d - old.first_day)
            .ok()
            .filter(|&k| k < old_days)?;
        Some(old.day_start[k]..old.day_start[k + 1])
    };
    // Days before `lo` are `old`'s first days (or none, when `lo` is the first day).
    let kept_days = (lo - first_day) as usize;
    let kept = old
        .day_start
        .get(kept_days.min(old_days))
        .copied()
        .unwrap_or(0);
    let mut day_start: Vec<usize> = Vec::with_capacity(n_days + 1);
    day_start.extend((0..kept_days).map(|d| old.day_start.get(d).map_or(kept, |&k| k.min(kept))));
    let (mut seller, mut category, mut cells) = (Vec::new(), Vec::new(), Vec::new());
    for d in kept_days..n_days {
        let day = first_day + d as i32;
        day_start.push(kept + cells.len());
        let range = old_day(day).unwrap_or(0..0);
        let Some(rows) = new_rows.get(&day) else {
            seller.extend_from_slice(&old.seller[range.clone()]);
            category.extend_from_slice(&old.category[range.clone()]);
            cells.extend_from_slice(&old.cells[range]);
            continue;
        };
        let mut merged: std::collections::BTreeMap<(u32, u16), Cell> = range
            .map(|k| ((old.seller[k], old.category[k]), old.cells[k]))
            .collect();
        for &i in rows {
            let key = (o.seller[i as usize], o.category[i as usize]);
            sources.add(merged.entry(key).or_default(), i as usize);
        }
        for ((s, c), cell) in merged {
            seller.push(s);
            category.push(c);
            cells.push(cell);
        }
    }
    day_start.push(kept + cells.len());
    let out = DayCells {
        day_start,
        seller: after(&old.seller, kept, &seller),
        category: after(&old.category, kept, &category),
        cells: after(&old.cells, kept, &cells),
    };
    (out, lo)
}

/// The first `kept` values of `old` followed by `more`: grown in place when `kept` is all
/// of `old`.
fn after<T: Plain>(old: &Column<T>, kept: usize, more: &[T]) -> Column<T> {
    if kept == old.len() {
        return old.appended(more);
    }
    let mut all = old[..kept].to_vec();
    all.extend_from_slice(more);
    all.into()
}

/// The columns an order adds to its cell, resolved once for all orders.
struct Sources<'a> {
    returned: &'a [Option<bool>],
    price: &'a [f64],
    /// With the High band's threshold.
    risk: Option<(&'a [f64], f64)>,
    rating: NumberColumn<'a>,
    delivery: NumberColumn<'a>,
    cod: Option<CodColumn<'a>>,
}

impl<'a> Sources<'a> {
    fn of(ds: &'a Dataset, scores: Option<&'a Scores>, bands: RiskBands) -> Sources<'a> {
        Sources {
            returned: &ds.orders.returned,
            price: &ds.orders.price,
            risk: scores.map(|s| (&s.risk[..], bands.high)),
            rating: ds.rating_column(),
            delivery: ds.delivery_column(),
            cod: ds.cod_column(),
        }
    }

    /// Adds order `i` to cell `c`.
    #[inline]
    fn add(&self, c: &mut Cell, i: usize) {
        let risk = self.risk.map_or(0.0, |(r, _)| r[i]);
        c.orders += 1;
        if let Some(r) = self.returned[i] {
            c.labelled += 1;
            c.returned += u64::from(r);
        }
        c.high += u64::from(self.risk.is_some_and(|(_, high)| risk >= high));
        if let Some(cod) = self.cod.and_then(|c| c.get(i)) {
            c.payment_known += 1;
            c.cod += u64::from(cod);
        }
        c.risk_sum += risk;
        c.risk_sq_sum += risk * risk;
        c.risk_max = c.risk_max.max(risk);
        c.revenue_at_risk += risk * self.price[i];
        if let Some(r) = self.rating.get(i) {
            c.rating_n += 1;
            c.rating_sum += r;
        }
        if let Some(d) = self.delivery.get(i) {
            c.delivery_n += 1;
            c.delivery_sum += d;
        }
        c.price_sum += self.price[i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_day_by_day_equals_one_sort_of_all_keys() {
        let n = 5000;
        let day = |i: usize| (i * 7919) % 37;
        let key = |i: usize| ((i * 31) % 11) as u64;
        let (rows, start) = by_day(n, 37, day, |i| i as u32);
        let (keys, slot): (Vec<Vec<u64>>, Vec<Vec<u32>>) = start
            .windows(2)
            .map(|w| group_day(&rows[w[0]..w[1]], key))
            .unzip();
        // Through a table: the same keys and slots, and the table left clean for the next day.
        let mut mark = vec![0u32; 11];
        for (d, w) in start.windows(2).enumerate() {
            let (dense, dense_slot) =
                group_day_dense(&rows[w[0]..w[1]], |i| key(i) as usize, &mut mark);
            assert_eq!(dense.iter().map(|&k| k as u64).collect::<Vec<_>>(), keys[d]);
            assert_eq!(dense_slot, slot[d]);
            assert!(mark.iter().all(|&m| m == 0));
        }
        // One sort of (day, key, row): the cells are its distinct (day, key), in order, and
        // each cell's rows come in increasing row order.
        let mut want: Vec<(usize, u64, usize)> = (0..n).map(|i| (day(i), key(i), i)).collect();
        want.sort_unstable();
        let mut cells: Vec<(usize, u64)> = want.iter().map(|&(d, k, _)| (d, k)).collect();
        cells.dedup();
        let got: Vec<(usize, u64)> = (0..37)
            .flat_map(|d| keys[d].iter().map(move |&k| (d, k)))
            .collect();
        assert_eq!(got, cells);
        let mut got_rows: Vec<(usize, u64, usize)> = Vec::new();
        for d in 0..37 {
            assert!(rows[start[d]..start[d + 1]].windows(2).all(|w| w[0] < w[1]));
            for (j, &i) in rows[start[d]..start[d + 1]].iter().enumerate() {
                assert_eq!(day(i as usize), d);
                got_rows.push((d, keys[d][slot[d][j] as usize], i as usize));
            }
        }
        assert_eq!(start[37], n);
        got_rows.sort_by_key(|&(d, k, _)| (d, k)); // stable: rows keep their order in a cell
        assert_eq!(got_rows, want);
    }
}
