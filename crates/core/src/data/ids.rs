//! The orders' ids as one text with each id's end: 10M orders are two allocations, not 10M
//! `String`s (19 bytes an order of 11 characters instead of 56, and a cache read that copies
//! two blocks).

use super::Column;
use rayon::prelude::*;
use std::ops::Index;

/// Order ids, in row order; `ids[i]` is order `i`'s.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct OrderIds {
    /// Every id, one after the other: always UTF-8 (checked when made, kept by appends).
    text: Column<u8>,
    /// `ends[i]` is where id `i` ends in `text` (it starts where id `i - 1` ends, or at 0).
    ends: Column<u64>,
}

impl OrderIds {
    /// From a text and each id's end in it; `None` when an end is past the text, before the
    /// one before it, or not on a character boundary.
    pub fn from_parts(text: String, ends: Vec<u64>) -> Option<OrderIds> {
        OrderIds::from_columns(text.into_bytes().into(), ends.into())
    }

    /// [`OrderIds::from_parts`] for columns (mapped from the dataset cache); `None` also
    /// when the text is not UTF-8.
    pub fn from_columns(text: Column<u8>, ends: Column<u64>) -> Option<OrderIds> {
        let s = std::str::from_utf8(&text).ok()?;
        let fits = |i: usize| {
            let start = if i == 0 { 0 } else { ends[i - 1] };
            let end = ends[i];
            end >= start && usize::try_from(end).is_ok_and(|e| s.is_char_boundary(e))
        };
        (0..ends.len())
            .into_par_iter()
            .with_min_len(1 << 16)
            .all(fits)
            .then_some(OrderIds { text, ends })
    }

    /// Number of ids.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Id `i`, `None` past the end.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        Some(&self.text()[start..end])
    }

    /// Appends one id.
    pub fn push(&mut self, id: &str) {
        self.text.to_mut().extend_from_slice(id.as_bytes());
        self.ends.push(self.text.len() as u64);
    }

    /// Every id, in row order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| &self[i])
    }

    /// The row of `id`, by a scan (for one look-up; build a map for many).
    pub fn position(&self, id: &str) -> Option<usize> {
        self.iter().position(|o| o == id)
    }

    /// Every id, one after the other (what [`OrderIds::ends`] cuts).
    pub fn text(&self) -> &str {
        // SAFETY: the text was checked to be UTF-8 when made and only whole `str`s are
        // appended to it.
        unsafe { std::str::from_utf8_unchecked(&self.text) }
    }

    /// Each id's end in [`OrderIds::text`].
    pub fn ends(&self) -> &[u64] {
        &self.ends
    }

    /// Appends every id of `other`.
    pub fn append(&mut self, other: &OrderIds) {
        let base = self.text.len() as u64;
        self.text
            .to_mut()
            .extend_from_slice(other.text().as_bytes());
        self.ends.extend(other.ends.iter().map(|e| base + e));
    }

    /// The text and the ends as the columns the dataset cache stores.
    pub(crate) fn columns(&self) -> (&Column<u8>, &Column<u64>) {
        (&self.text, &self.ends)
    }

    /// Whether both columns are read from the mapped dataset cache.
    pub fn is_mapped(&self) -> bool {
        self.text.is_mapped() && self.ends.is_mapped()
    }
}

impl std::fmt::Debug for OrderIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderIds")
            .field("text", &self.text())
            .field("ends", &&self.ends[..])
            .finish()
    }
}

impl Index<usize> for OrderIds {
    type Output = str;
    fn index(&self, i: usize) -> &str {
        self.get(i)
            .unwrap_or_else(|| panic!("order {i} of {}", self.len()))
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for OrderIds {
    fn eq(&self, other: &Vec<S>) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

impl<S: AsRef<str>> FromIterator<S> for OrderIds {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> OrderIds {
        let mut ids = OrderIds::default();
        for id in iter {
            ids.push(id.as_ref());
        }
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_back_as_pushed_including_empty_and_wide_ones() {
        let given = ["ORD1", "", "é-ü", "ORD00000004", ""];
        let ids: OrderIds = given.iter().collect();
        assert_eq!(ids.len(), given.len());
        assert_eq!(ids.iter().collect::<Vec<_>>(), given);
        assert_eq!(ids.get(5), None);
        assert_eq!(ids.position("ORD00000004"), Some(3));
        assert_eq!(ids.position("ORD"), None);
        let again = OrderIds::from_parts(ids.text().to_string(), ids.ends().to_vec());
        assert_eq!(again.as_ref(), Some(&ids));
    }

    #[test]
    fn appending_is_pushing_one_by_one() {
        let (a, b): (OrderIds, OrderIds) =
            (["a", "bc"].iter().collect(), ["", "def"].iter().collect());
        let mut joined = a.clone();
        joined.append(&b);
        assert_eq!(joined, ["a", "bc", "", "def"].iter().collect::<OrderIds>());
    }

    #[test]
    fn ends_outside_the_text_or_inside_a_character_are_refused() {
        let text = || "abé".to_string();
        assert!(OrderIds::from_parts(text(), vec![1, 4]).is_some());
        assert!(
            OrderIds::from_parts(text(), vec![1, 5]).is_none(),
            "past the end"
        );
        assert!(
            OrderIds::from_parts(text(), vec![2, 1]).is_none(),
            "backwards"
        );
        assert!(OrderIds::from_parts(text(), vec![3]).is_none(), "inside é");
        let bytes = Column::from(vec![b'a', 0xff]);
        assert!(
            OrderIds::from_columns(bytes, vec![1, 2].into()).is_none(),
            "not UTF-8"
        );
    }
}
