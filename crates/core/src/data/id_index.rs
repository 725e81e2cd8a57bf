//! Orders by id without a second copy of the ids: a hash table of row numbers whose keys are
//! read from the [`OrderIds`] themselves (5 bytes a slot instead of a `&str` and a row, 25),
//! so 100M ids are found in under a gigabyte.

use super::ids::OrderIds;
use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;

/// The rows of a set of order ids, keyed by the ids they hold.
#[derive(Default)]
pub struct IdIndex {
    rows: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl IdIndex {
    /// Every id of `ids`, the first row of an id that appears twice.
    pub fn of(ids: &OrderIds) -> IdIndex {
        let mut index = IdIndex::default();
        index.add_rows(ids, 0..ids.len());
        index
    }

    /// Adds rows `rows` of `ids` (the index holds only rows of `ids` before them), the
    /// first row of an id that appears twice.
    fn add_rows(&mut self, ids: &OrderIds, rows: std::ops::Range<usize>) {
        let hasher = &self.hasher;
        self.rows
            .reserve(rows.len(), |&r| hasher.hash_one(&ids[r as usize]));
        for row in rows {
            if self.find(ids, &ids[row]).is_none() {
                self.insert(ids, row);
            }
        }
    }

    /// The row of `id` among `ids` (the ids this index was built over).
    pub fn find(&self, ids: &OrderIds, id: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(id);
        self.rows
            .find(hash, |&row| &ids[row as usize] == id)
            .map(|&row| row as usize)
    }

    /// Adds row `row` of `ids` (its id not in the index yet).
    pub fn insert(&mut self, ids: &OrderIds, row: usize) {
        #[expect(
            clippy::expect_used,
            reason = "rows are counted in u32: the validator refuses more orders (`MAX_ORDERS`)"
        )]
        let row32 = u32::try_from(row).expect("at most 2^32 orders");
        let hash = self.hasher.hash_one(&ids[row]);
        let hasher = &self.hasher;
        self.rows
            .insert_unique(hash, row32, |&r| hasher.hash_one(&ids[r as usize]));
    }

    /// Number of ids held.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when it holds none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// An [`IdIndex`] over ids that grow by appends: each append adds its rows to the table
/// instead of hashing every id again (at 10M orders, a day's 55k ids instead of 10M).
#[derive(Default)]
pub struct KnownIds {
    index: IdIndex,
    /// The rows indexed: the first `rows` of the ids.
    rows: usize,
    /// The fingerprint of the dataset whose ids these are.
    of: u64,
}

impl KnownIds {
    /// Makes this the index of `ids`, the ids of the dataset of fingerprint `of`: kept
    /// when it already is, built again when it is another dataset's.
    pub fn cover(&mut self, ids: &OrderIds, of: u64) {
        if (self.rows, self.of) != (ids.len(), of) {
            *self = KnownIds::default();
            self.grow(ids, of);
        }
    }

    /// Indexes the rows of `ids` (the dataset of fingerprint `of`) after those indexed:
    /// `ids` must be the ids indexed so far with more appended.
    pub fn grow(&mut self, ids: &OrderIds, of: u64) {
        if ids.len() < self.rows {
            *self = KnownIds::default();
        }
        self.of = of;
        self.index.add_rows(ids, self.rows..ids.len());
        self.rows = ids.len();
    }

    /// The row of `id` among `ids` (those [`KnownIds::cover`] was last given).
    pub fn find(&self, ids: &OrderIds, id: &str) -> Option<usize> {
        self.index.find(ids, id)
    }

    /// How many rows are indexed.
    pub fn rows(&self) -> usize {
        self.rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_id_and_only_those_against_a_std_map() {
        let ids: OrderIds = (0..5000).map(|i| format!("O{}", i * 7 % 3001)).collect();
        let index = IdIndex::of(&ids);
        let mut first = std::collections::HashMap::new();
        for (row, id) in ids.iter().enumerate() {
            first.entry(id.to_string()).or_insert(row);
        }
        assert_eq!(index.len(), first.len());
        for (id, row) in &first {
            assert_eq!(index.find(&ids, id), Some(*row), "{id}");
        }
        assert_eq!(index.find(&ids, "O3001"), None);
        assert_eq!(index.find(&ids, ""), None);
    }

    #[test]
    fn known_ids_grow_with_appends_and_start_again_on_shorter_ids() {
        let ids = |r: std::ops::Range<usize>| -> OrderIds { r.map(|i| format!("o{i}")).collect() };
        let mut known = KnownIds::default();
        known.cover(&ids(0..100), 1);
        let more = ids(0..100).appended(&ids(100..250));
        known.grow(&more, 2);
        known.cover(&more, 2);
        assert_eq!(known.rows(), 250);
        assert!((0..250).all(|i| known.find(&more, &format!("o{i}")) == Some(i)));
        assert_eq!(known.find(&more, "o250"), None);
        // The same number of other ids: another dataset, indexed again.
        let other: OrderIds = (0..250).map(|i| format!("x{i}")).collect();
        known.cover(&other, 3);
        assert_eq!(known.find(&other, "x7"), Some(7));
        let fewer = ids(0..10);
        known.grow(&fewer, 4);
        assert_eq!((known.rows(), known.find(&fewer, "o20")), (10, None));
    }

    #[test]
    fn rows_inserted_one_by_one_survive_growth() {
        let mut ids = OrderIds::default();
        let mut index = IdIndex::default();
        for i in 0..20_000 {
            ids.push(&format!("id-{i}"));
            index.insert(&ids, i);
        }
        assert!((0..20_000).all(|i| index.find(&ids, &format!("id-{i}")) == Some(i)));
    }
}
