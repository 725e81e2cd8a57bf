//! Finding one thing by part of its id or name, as fzf and k9s users expect: the exact name
//! first, then a name it starts, then a word of a name it starts (`cosy` finds "Cosy Market"
//! and `market` finds it too), then any part of a name, then its letters in order (`csmk`).
//! Only the best kind of match counts: when more than one thing matches that well, the
//! answer is the list to choose from, never a guess.

/// How well `query` matches `text`, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fit {
    /// Its letters appear in order (`csmk` in "Cosy Market").
    Letters,
    /// It appears inside (`sy ma`).
    Inside,
    /// A word of the text starts with it (`market`).
    Word,
    /// The text starts with it (`cosy m`).
    Start,
    /// The whole text, ignoring case.
    Exact,
}

/// How well `query` matches `text` (ignoring case), or `None`.
pub fn fit(text: &str, query: &str) -> Option<Fit> {
    let t = text.to_lowercase();
    let q = query.to_lowercase();
    if t == q {
        Some(Fit::Exact)
    } else if t.starts_with(&q) {
        Some(Fit::Start)
    } else if t
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w.starts_with(&q))
    {
        Some(Fit::Word)
    } else if t.contains(&q) {
        Some(Fit::Inside)
    } else if in_order(&t, &q) {
        Some(Fit::Letters)
    } else {
        None
    }
}

/// Whether the characters of `q` (spaces aside) appear in `t` in order.
fn in_order(t: &str, q: &str) -> bool {
    let mut rest = t.chars();
    q.chars()
        .filter(|c| !c.is_whitespace())
        .all(|c| rest.any(|x| x == c))
}

/// The best fit of `query` to any of an item's keys (its id, its name).
pub fn best_fit(keys: &[&str], query: &str) -> Option<Fit> {
    keys.iter().filter_map(|k| fit(k, query)).max()
}

/// The items that match `query` best (indices into `keys`), in their order, and how.
pub fn best(keys: &[Vec<&str>], query: &str) -> (Vec<usize>, Option<Fit>) {
    let fits: Vec<Option<Fit>> = keys.iter().map(|k| best_fit(k, query)).collect();
    let top = fits.iter().copied().max().flatten();
    let found = (0..keys.len())
        .filter(|&i| top.is_some() && fits[i] == top)
        .collect();
    (found, top)
}

/// Every matching item (indices), the best matches first, each kind in the items' order.
pub fn ranked(keys: &[Vec<&str>], query: &str) -> Vec<usize> {
    let mut found: Vec<(Fit, usize)> = keys
        .iter()
        .enumerate()
        .filter_map(|(i, k)| Some((best_fit(k, query)?, i)))
        .collect();
    found.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    found.into_iter().map(|(_, i)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kinds_of_match_rank_as_a_person_expects() {
        assert_eq!(fit("Cosy Market", "cosy market"), Some(Fit::Exact));
        assert_eq!(fit("Cosy Market", "COSY"), Some(Fit::Start));
        assert_eq!(fit("Cosy Market", "mark"), Some(Fit::Word));
        assert_eq!(fit("Cosy Market", "sy ma"), Some(Fit::Inside));
        assert_eq!(fit("Cosy Market", "csmk"), Some(Fit::Letters));
        assert_eq!(fit("Cosy Market", "kc"), None);
        assert!(Fit::Exact > Fit::Start && Fit::Word > Fit::Inside);
    }

    #[test]
    fn only_the_best_kind_counts_and_ties_are_all_given() {
        let keys = vec![
            vec!["S012", "Cosy Outlet"],
            vec!["S024", "Cosy Threads"],
            vec!["S036", "Cosy Market"],
            vec!["S040", "Market Hall"],
        ];
        assert_eq!(best(&keys, "cosy"), (vec![0, 1, 2], Some(Fit::Start)));
        assert_eq!(best(&keys, "cosy m"), (vec![2], Some(Fit::Start)));
        // "market" starts S040's name: that beats a word inside S036's.
        assert_eq!(best(&keys, "market"), (vec![3], Some(Fit::Start)));
        assert_eq!(best(&keys, "s036"), (vec![2], Some(Fit::Exact)));
        assert_eq!(best(&keys, "zzz"), (vec![], None));
        assert_eq!(ranked(&keys, "market"), vec![3, 2]);
    }
}
