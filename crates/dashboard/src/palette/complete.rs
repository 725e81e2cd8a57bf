//! Completion: what the word being typed can become (verbs and tab names, then sellers,
//! categories, cases, marketplaces, windows and orders, best match first, names shown beside
//! ids), and Tab completing the line among the best matches.

use super::{Lookup, MAX_CANDIDATES, Palette, VERBS, verb};
use crate::fuzzy;
use crate::line_edit::LineEdit;
use crate::tab::Tab;

/// One completion: what Tab puts on the line, and what the list shows (an id and its name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The text completed to.
    pub insert: String,
    /// The line in the pick list.
    pub shown: String,
    /// How well it matches what is typed (Tab completes among the best only).
    pub fit: fuzzy::Fit,
}

/// What the word being typed can complete to, best first (at most [`MAX_CANDIDATES`] are
/// shown).
pub fn candidates(text: &str, at: &Lookup) -> Vec<Candidate> {
    let plain = |s: &str| Candidate {
        insert: s.to_string(),
        shown: s.to_string(),
        fit: fuzzy::Fit::Start,
    };
    let Some((word, arg)) = text.split_once(char::is_whitespace) else {
        let w = text.to_ascii_lowercase();
        let tabs = Tab::ALL.iter().map(|t| t.title().to_ascii_lowercase());
        return VERBS
            .iter()
            .map(std::string::ToString::to_string)
            .chain(tabs)
            .filter(|v| v.starts_with(&w))
            .map(|v| plain(&v))
            .collect();
    };
    let a = arg.trim_start();
    let ds = at.data;
    let fuzzy_list =
        |keys: &[Vec<&str>], insert: &dyn Fn(usize) -> String, shown: &dyn Fn(usize) -> String| {
            let order: Vec<usize> = if a.is_empty() {
                (0..keys.len()).collect()
            } else {
                fuzzy::ranked(keys, a)
            };
            order
                .into_iter()
                .map(|i| Candidate {
                    insert: insert(i),
                    shown: shown(i),
                    fit: fuzzy::best_fit(&keys[i], a).unwrap_or(fuzzy::Fit::Start),
                })
                .collect::<Vec<_>>()
        };
    let starts = |s: &&str| s.to_lowercase().starts_with(&a.to_lowercase());
    match verb(word) {
        Ok("seller") => fuzzy_list(&at.seller_keys(), &|i| ds.sellers[i].id.clone(), &|i| {
            at.seller_shown(i)
        }),
        Ok("category") => {
            let keys: Vec<Vec<&str>> = ds.categories.iter().map(|c| vec![c.as_str()]).collect();
            fuzzy_list(&keys, &|i| ds.categories[i].clone(), &|i| {
                ds.categories[i].clone()
            })
        }
        Ok("case") => {
            let owned = at.case_keys();
            let keys: Vec<Vec<&str>> = owned
                .iter()
                .map(|k| k.iter().map(String::as_str).collect())
                .collect();
            let id = |i: usize| {
                at.cases
                    .map_or(String::new(), |w| w.cases[i].case.id.to_string())
            };
            fuzzy_list(&keys, &id, &|i| at.case_shown(i))
        }
        Ok("market") => std::iter::once("all")
            .chain(ds.marketplaces.iter().map(String::as_str))
            .filter(starts)
            .map(plain)
            .collect(),
        Ok("window") => ["7", "30", "90", "all"]
            .into_iter()
            .filter(starts)
            .map(plain)
            .collect(),
        Ok("order") if !a.is_empty() => {
            let found = ds.orders.id.search(a, MAX_CANDIDATES);
            let ranked = found.exact.map(|i| (i, fuzzy::Fit::Exact)).into_iter();
            let begin = found.start.iter().map(|&i| (i, fuzzy::Fit::Start));
            let inside = found.inside.iter().map(|&i| (i, fuzzy::Fit::Inside));
            let mut seen = Vec::new();
            ranked
                .chain(begin)
                .chain(inside)
                .filter(|(i, _)| {
                    let new = !seen.contains(i);
                    seen.push(*i);
                    new
                })
                .map(|(i, fit)| Candidate {
                    insert: ds.orders.id[i].to_string(),
                    shown: at.order_shown(i),
                    fit,
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

impl Palette {
    /// Completes the word being typed: to the one candidate, or to the longest start all
    /// candidates share when it extends what is typed.
    pub fn complete(&mut self, at: &Lookup) {
        let text = self.line.text().to_string();
        let mut cands = candidates(&text, at);
        let best = cands.iter().map(|c| c.fit).max();
        cands.retain(|c| Some(c.fit) == best);
        let Some(first) = cands.first() else { return };
        let (head, typed) = match text.split_once(char::is_whitespace) {
            Some((verb, arg)) => (format!("{verb} "), arg.trim_start().to_string()),
            None => (String::new(), text.clone()),
        };
        let common = if cands.len() == 1 {
            first.insert.clone()
        } else {
            let shared = cands.iter().fold(first.insert.clone(), |acc, c| {
                acc.chars()
                    .zip(c.insert.chars())
                    .take_while(|(a, b)| a.eq_ignore_ascii_case(b))
                    .map(|(a, _)| a)
                    .collect()
            });
            let extends = shared.to_lowercase().starts_with(&typed.to_lowercase())
                && shared.chars().count() >= typed.chars().count();
            if !extends {
                return;
            }
            shared
        };
        let done = cands.len() == 1 && head.is_empty();
        self.line = LineEdit::new(&format!("{head}{common}{}", if done { " " } else { "" }));
    }
}
