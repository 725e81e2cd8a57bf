//! Each seller's orders, newest first, for the seller drill-down. A new engine works them
//! out on a thread of its own (at 10M orders that is 0.1-0.2 s the first frame need not
//! wait for); a look-up before they are ready waits for that thread, and one on an engine
//! that started none works them out itself.

use crate::data::Dataset;
use std::sync::{Arc, OnceLock};

/// Each seller's order indices, newest first, once worked out.
#[derive(Clone, Debug, Default)]
pub(super) struct SellerOrders {
    lists: Arc<OnceLock<Vec<Vec<u32>>>>,
}

impl SellerOrders {
    /// Starts working them out for `data` on a thread of its own.
    pub(super) fn spawn(data: Arc<Dataset>) -> SellerOrders {
        let orders = SellerOrders::default();
        let lists = Arc::clone(&orders.lists);
        std::thread::spawn(move || lists.get_or_init(|| newest_first(&data)).len());
        orders
    }

    /// Seller `s`'s order indices in `data` (the dataset they are for), newest first.
    pub(super) fn of(&self, s: usize, data: &Dataset) -> &[u32] {
        &self.lists.get_or_init(|| newest_first(data))[s]
    }
}

/// Each seller's order indices, newest first (by day, then by row, both descending): the
/// rows in (day, row) order ([`super::cells::by_day`]), dealt to their sellers from the end.
fn newest_first(data: &Dataset) -> Vec<Vec<u32>> {
    let o = &data.orders;
    let mut seller_orders = vec![Vec::new(); data.sellers.len()];
    let (Some(&first), Some(&last)) = (o.day.iter().min(), o.day.iter().max()) else {
        return seller_orders;
    };
    let n_days = (last - first) as usize + 1;
    let day = |i: usize| (o.day[i] - first) as usize;
    let (rows, _) = super::cells::by_day(o.len(), n_days, day, |i| i as u32);
    for &i in rows.iter().rev() {
        seller_orders[o.seller[i as usize] as usize].push(i);
    }
    seller_orders
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seller_orders_are_newest_first_like_a_sort() {
        use crate::data::generate::{GenerateOptions, generated};
        let mut data = generated(&GenerateOptions {
            orders: 3000,
            sellers: 7,
            days: 60,
            seed: 11,
            ..Default::default()
        });
        // Days out of row order, with ties, as appended or imported data may be.
        data.orders.day.reverse();
        data.orders.day[10] = data.orders.day[500];
        let got = newest_first(&data);
        let o = &data.orders;
        for (s, rows) in got.iter().enumerate() {
            let mut want: Vec<u32> = (0..o.len() as u32)
                .filter(|&i| o.seller[i as usize] as usize == s)
                .collect();
            want.sort_by_key(|&i| std::cmp::Reverse((o.day[i as usize], i)));
            assert_eq!(rows, &want, "seller {s}");
        }
        assert_eq!(got.iter().map(Vec::len).sum::<usize>(), o.len());
        // Worked out on a thread of its own, or when first asked for: the same lists.
        let data = Arc::new(data);
        let spawned = SellerOrders::spawn(Arc::clone(&data));
        let lazy = SellerOrders::default();
        for (s, rows) in got.iter().enumerate() {
            assert_eq!(spawned.of(s, &data), rows.as_slice());
            assert_eq!(lazy.of(s, &data), rows.as_slice());
        }
    }
}
