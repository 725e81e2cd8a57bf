//! What the palette finds things in (the data and the cases), each thing's ids and names as
//! keys for [`crate::fuzzy`], and picking the one thing a typed word means.

use super::MAX_CANDIDATES;
use crate::fuzzy;
use returnrisk_cases::Worklist;
use returnrisk_core::data::Dataset;
use returnrisk_core::engine::Target;

/// What the palette looks names up in: the data, and the cases once they are read.
#[derive(Clone, Copy, Debug)]
pub struct Lookup<'a> {
    /// The orders, sellers, categories and marketplaces.
    pub data: &'a Dataset,
    /// The cases (`None` until read).
    pub cases: Option<&'a Worklist>,
}

/// The one item `arg` finds best among `keys` (ids and names), or which ones it could be.
pub(super) fn pick(
    keys: &[Vec<&str>],
    shown: impl Fn(usize) -> String,
    arg: &str,
    what: &str,
) -> Result<usize, String> {
    let (found, _) = fuzzy::best(keys, arg);
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!("no {what} matches {arg:?}")),
        many => Err(format!(
            "{arg:?} could be {} {what}s: {}{}",
            many.len(),
            many.iter()
                .take(MAX_CANDIDATES)
                .map(|&i| shown(i))
                .collect::<Vec<_>>()
                .join(", "),
            if many.len() > MAX_CANDIDATES {
                ", ..."
            } else {
                ""
            }
        )),
    }
}

impl Lookup<'_> {
    /// Each seller's id and name.
    pub(super) fn seller_keys(&self) -> Vec<Vec<&str>> {
        self.data
            .sellers
            .iter()
            .map(|s| vec![s.id.as_str(), s.name.as_str()])
            .collect()
    }

    /// A seller as the pick list shows it.
    pub(super) fn seller_shown(&self, i: usize) -> String {
        let s = &self.data.sellers[i];
        format!("{} {}", s.id, s.name)
    }

    /// The order `arg` names: the id itself, else the one id starting with it, else the one
    /// id holding it, or which ones it could be.
    pub(super) fn pick_order(&self, arg: &str) -> Result<usize, String> {
        let found = self.data.orders.id.search(arg, MAX_CANDIDATES);
        if let Some(i) = found.exact {
            return Ok(i);
        }
        let (list, more) = if found.start.is_empty() {
            (found.inside, found.more_inside)
        } else {
            (found.start, found.more_start)
        };
        match list.as_slice() {
            [one] if !more => Ok(*one),
            [] => Err(format!("no order id holds {arg:?}")),
            many => Err(format!(
                "{arg:?} could be {}{} orders: {}",
                many.len(),
                if more { "+" } else { "" },
                many.iter()
                    .map(|&i| self.order_shown(i))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// An order as the pick list shows it: its id and its seller.
    pub(super) fn order_shown(&self, i: usize) -> String {
        let ds = self.data;
        let seller = &ds.sellers[ds.orders.seller[i] as usize];
        format!("{} {} {}", &ds.orders.id[i], seller.id, seller.name)
    }

    /// Each case's number, target and (a seller's) name.
    pub(super) fn case_keys(&self) -> Vec<Vec<String>> {
        let Some(w) = self.cases else {
            return Vec::new();
        };
        w.cases
            .iter()
            .map(|d| {
                let c = &d.case;
                let mut keys = vec![c.id.to_string(), format!("#{}", c.id)];
                match &c.target {
                    Target::Seller(id) => {
                        keys.push(id.clone());
                        let named = self.data.seller_index(id).map(|i| &self.data.sellers[i]);
                        keys.extend(named.map(|s| s.name.clone()));
                    }
                    Target::Category(n) | Target::Marketplace(n) => keys.push(n.clone()),
                }
                keys
            })
            .collect()
    }

    /// A case as the pick list shows it.
    pub(super) fn case_shown(&self, i: usize) -> String {
        self.cases.map_or(String::new(), |w| {
            let c = &w.cases[i].case;
            let target = match &c.target {
                Target::Seller(id) | Target::Category(id) | Target::Marketplace(id) => id,
            };
            format!("#{} {} {target} {}", c.id, c.state, c.rule)
        })
    }
}
