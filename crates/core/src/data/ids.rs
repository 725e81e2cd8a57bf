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

    /// These ids followed by `other`'s, leaving these as they are (see
    /// [`Column::appended`]: no copy when these were the last appended).
    pub fn appended(&self, other: &OrderIds) -> OrderIds {
        let base = self.text.len() as u64;
        let ends: Vec<u64> = other.ends.iter().map(|e| base + e).collect();
        OrderIds {
            text: self.text.appended(other.text().as_bytes()),
            ends: self.ends.appended(&ends),
        }
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

/// The ids that hold a typed part of an id, by how they hold it (see [`OrderIds::search`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdMatches {
    /// The id that is the part itself, if any.
    pub exact: Option<usize>,
    /// Ids that start with it, in row order.
    pub start: Vec<usize>,
    /// Ids that hold it after their start, in row order.
    pub inside: Vec<usize>,
    /// True when more ids start with it than [`IdMatches::start`] holds.
    pub more_start: bool,
    /// True when more ids may hold it than [`IdMatches::inside`] holds (the search stops
    /// looking once it has more than enough of either kind).
    pub more_inside: bool,
}

impl OrderIds {
    /// The ids holding `part`, at most `limit` of each kind. A vectorised search of the ids'
    /// text for `part` as typed, in upper and in lower case (ids are usually one case, as
    /// `ORD00000001` and Olist's hex are) answers a selective part at once; when a part is
    /// so common that the search stops early, one pass over the ids' starts (ignoring ASCII
    /// case) completes the starts and the exact id. 10M ids take milliseconds either way.
    pub fn search(&self, part: &str, limit: usize) -> IdMatches {
        let mut found = IdMatches::default();
        if part.is_empty() {
            return found;
        }
        let mut forms = vec![part.to_string(), part.to_uppercase(), part.to_lowercase()];
        forms.sort();
        forms.dedup();
        let mut complete = true;
        for form in &forms {
            complete &= self.search_text(form.as_bytes(), limit, &mut found);
        }
        if !complete {
            self.search_starts(part.as_bytes(), limit, &mut found);
            found.more_inside = true;
        }
        for (list, more) in [
            (&mut found.start, &mut found.more_start),
            (&mut found.inside, &mut found.more_inside),
        ] {
            list.sort_unstable();
            list.dedup();
            *more |= list.len() > limit;
            list.truncate(limit);
        }
        found
    }

    /// Adds the ids holding `part` byte for byte to `found`; false when it stopped early
    /// because it found more than `limit` of a kind.
    fn search_text(&self, part: &[u8], limit: usize, found: &mut IdMatches) -> bool {
        let ends = &self.ends;
        let mut i = 0;
        for at in memchr::memmem::find_iter(self.text().as_bytes(), part) {
            while ends[i] as usize <= at {
                i += 1;
            }
            let start = if i == 0 { 0 } else { ends[i - 1] as usize };
            let end = ends[i] as usize;
            if at + part.len() > end {
                continue; // runs into the next id
            }
            if at == start {
                if at + part.len() == end {
                    found.exact.get_or_insert(i);
                }
                found.start.push(i);
            } else if found.inside.last() != Some(&i) {
                found.inside.push(i);
            }
            if found.start.len() > limit || found.inside.len() > limit {
                return false;
            }
        }
        true
    }

    /// Replaces `found`'s starts (more than `limit` once full) and exact id by one pass over
    /// every id's start, ignoring ASCII case.
    fn search_starts(&self, part: &[u8], limit: usize, found: &mut IdMatches) {
        let (text, n) = (self.text().as_bytes(), part.len());
        let first = part[0].to_ascii_lowercase();
        found.start.clear();
        found.exact = None;
        let mut start = 0;
        for (i, &end) in self.ends.iter().enumerate() {
            let id = &text[start..end as usize];
            start = end as usize;
            let full = found.start.len() > limit;
            if id.len() < n || (full && id.len() != n) || id[0].to_ascii_lowercase() != first {
                continue;
            }
            if id[..n].eq_ignore_ascii_case(part) {
                if id.len() == n {
                    found.exact.get_or_insert(i);
                }
                if !full {
                    found.start.push(i);
                }
            }
        }
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
    fn a_search_finds_what_a_scan_of_every_id_finds() {
        let ids: OrderIds = ["ORD001", "ORD010", "ord100", "XORD01", "ORD0", "abORD0"]
            .iter()
            .collect();
        let brute = |part: &str| {
            let p = part.to_lowercase();
            let lower: Vec<String> = ids.iter().map(str::to_lowercase).collect();
            let start: Vec<usize> = (0..ids.len())
                .filter(|&i| lower[i].starts_with(&p))
                .collect();
            let inside: Vec<usize> = (0..ids.len())
                .filter(|&i| !lower[i].starts_with(&p) && lower[i].contains(&p))
                .collect();
            (lower.iter().position(|l| *l == p), start, inside)
        };
        for part in ["ord0", "ORD0", "01", "0", "x", "ab", "zz", "ORD001", "D1"] {
            let got = ids.search(part, 100);
            assert_eq!((got.exact, got.start, got.inside), brute(part), "{part}");
            assert!(!got.more_start && !got.more_inside);
        }
        // A match never runs across two ids: "ORD0" + "abORD0" holds "0ab" only across.
        assert_eq!(ids.search("0ab", 100), IdMatches::default());
        let few = ids.search("0", 1);
        assert!(few.more_inside && few.start.is_empty() && few.inside.len() == 1);
        assert!(!few.more_start);
        assert_eq!(ids.search("", 5), IdMatches::default());
        // A common part stops the text search early: the exact id is still found.
        let common: OrderIds = ["abc", "abd", "ABE", "xab", "yab", "AB"].iter().collect();
        let got = common.search("ab", 1);
        assert_eq!(got.exact, Some(5));
        assert_eq!((got.start, got.more_start), (vec![0], true));
        assert!(
            got.more_inside,
            "the search stopped before it saw every id holding it"
        );
    }

    #[test]
    fn appending_is_pushing_one_by_one() {
        let (a, b): (OrderIds, OrderIds) =
            (["a", "bc"].iter().collect(), ["", "def"].iter().collect());
        let mut joined = a.clone();
        joined.append(&b);
        assert_eq!(joined, ["a", "bc", "", "def"].iter().collect::<OrderIds>());
        let shared = a.appended(&b);
        assert_eq!(shared, joined);
        assert_eq!(
            shared.appended(&a),
            ["a", "bc", "", "def", "a", "bc"]
                .iter()
                .collect::<OrderIds>()
        );
        assert_eq!(
            a,
            ["a", "bc"].iter().collect::<OrderIds>(),
            "left as it was"
        );
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
