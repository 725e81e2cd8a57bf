//! Appending new parts of a partitioned `orders/` table to a dataset read from the cache:
//! only the new parts are read and validated, and the result is the dataset (and report) a
//! full load of every part would give — the same orders in the same order, the same sorted
//! categories and levels, the same fingerprint, skipped rows and warnings.
//!
//! That holds when the new parts sort after the cached ones (the caller checks: a dataset
//! partitioned by day gains its new days at the end) and nothing in them needs a row the
//! cache does not place: an id seen before (the duplicate message names the first row's
//! file and line), or an isolated-dates warning naming a cached order. Then this answers
//! `None` and the caller loads everything.

use super::dates::isolated_dates_warning;
use super::features::{FeatureColumn, FeatureValues};
use super::id_index::KnownIds;
use super::load::{LoadOptions, LoadReport, check_outcome, missing_of, row_name, seller_table};
use super::partitioned::Part;
use super::table::read_parts;
use super::validate::{MAX_CATEGORIES, OrderValidator};
use super::{Dataset, LoadError, Orders};
use crate::util::Fnv64;
use std::cell::Cell;
use std::path::Path;

/// `old` (with its load `report`) and the orders of `parts` (new parts of `dir/orders/`,
/// sorting after every part `old` was read from) as one dataset, or `None` when only a
/// full load can give the same result. `known` indexes `old`'s ids (built again when it
/// holds another dataset's) and then the result's. `old` is left as it is: its columns
/// are shared where they can be ([`super::Column::appended`]).
pub(super) fn append_parts(
    dir: &Path,
    opts: &LoadOptions,
    old: &Dataset,
    mut report: LoadReport,
    parts: &[Part],
    known: &mut KnownIds,
) -> Result<Option<(Dataset, LoadReport)>, LoadError> {
    let required = old.schema.required_columns();
    let names: Vec<&str> = required.iter().map(|(_, c)| c.as_str()).collect();
    let st = seller_table(&old.sellers, &old.marketplaces);
    // The fingerprint hashes the files in load order, the orders' parts last: the cached
    // fingerprint is the hash's state after the cached parts.
    let mut fp = Fnv64::resume(old.fingerprint);
    let root = dir.join("orders");
    let t = read_parts(&root, parts, &names, &mut fp)?;
    known.cover(&old.orders.id, old.fingerprint);
    let mut validator = OrderValidator::new(&names, &old.schema, &st, opts, parts.len() == 1);
    validator.table(
        &t,
        &|id| known.find(&old.orders.id, id).is_some(),
        &mut report,
    )?;
    drop(t);
    let v = validator.finish();
    let too_many = || {
        let n = old.categories.len() + v.categories.len();
        n > MAX_CATEGORIES && sorted_union(&old.categories, &v.categories).len() > MAX_CATEGORIES
    };
    // A duplicate id, or more categories than a dataset holds: which rows a full load keeps
    // and what its messages say need the cached rows.
    if v.duplicates > 0 || too_many() {
        return Ok(None);
    }
    report.out_of_range += v.out_of_range;
    let old_len = old.orders.len();
    let mut ds = concat(old, v.orders, v.categories);
    let names_cached = Cell::new(false);
    let warning = isolated_dates_warning(&ds.orders.day, |i| {
        if i < old_len {
            names_cached.set(true);
            return String::new();
        }
        row_name(&v.places.place(i - old_len), &ds.orders, i)
    });
    if names_cached.get() {
        return Ok(None);
    }
    report.warnings = warning.into_iter().collect();
    report.missing = missing_of(&ds.orders);
    check_outcome(opts, &report, &ds.orders, &root)?;
    ds.fingerprint = fp.finish();
    ds.roles = ds.find_roles();
    known.grow(&ds.orders.id, ds.fingerprint);
    Ok(Some((ds, report)))
}

/// `old` with `new` orders after its own (`new`'s category codes index `new_categories`):
/// categories and open levels become the sorted union, every code remapped to it. `old` is
/// not changed; its columns are appended to in place where no other dataset did first.
fn concat(old: &Dataset, new: Orders, new_categories: Vec<String>) -> Dataset {
    let o = &old.orders;
    let categories = sorted_union(&old.categories, &new_categories);
    let mut new_codes = new.category;
    remap(&mut new_codes, &new_categories, &categories);
    let category = if categories == old.categories {
        o.category.appended(&new_codes)
    } else {
        let mut codes = o.category.to_vec();
        remap(&mut codes, &old.categories, &categories);
        codes.extend(new_codes);
        codes.into()
    };
    let features = o
        .features
        .iter()
        .zip(new.features)
        .map(|(column, more)| FeatureColumn {
            spec: column.spec.clone(),
            missing: column.missing + more.missing,
            values: appended_values(&column.values, more.values),
        })
        .collect();
    let orders = Orders {
        id: o.id.appended(&new.id),
        category,
        price: o.price.appended(&new.price),
        returned: o.returned.appended(&new.returned),
        seller: o.seller.appended(&new.seller),
        day: o.day.appended(&new.day),
        features,
    };
    Dataset {
        dir: old.dir.clone(),
        orders,
        sellers: old.sellers.clone(),
        categories,
        marketplaces: old.marketplaces.clone(),
        fingerprint: old.fingerprint,
        schema: old.schema.clone(),
        roles: old.roles,
        origin: old.origin.clone(),
    }
}

/// A feature's values with `more` after them.
fn appended_values(values: &FeatureValues, more: FeatureValues) -> FeatureValues {
    match (values, more) {
        (FeatureValues::Numeric(a), FeatureValues::Numeric(b)) => {
            FeatureValues::Numeric(a.appended(&b))
        }
        (
            FeatureValues::Categorical { codes, levels },
            FeatureValues::Categorical {
                codes: mut more_codes,
                levels: more_levels,
            },
        ) => {
            // Declared levels are the same list on both sides; open ones are sorted.
            if *levels == more_levels {
                return FeatureValues::Categorical {
                    codes: codes.appended(&more_codes),
                    levels: levels.clone(),
                };
            }
            let union = sorted_union(levels, &more_levels);
            let mut all = codes.to_vec();
            remap_levels(&mut all, levels, &union);
            remap_levels(&mut more_codes, &more_levels, &union);
            all.extend(more_codes);
            FeatureValues::Categorical {
                codes: all.into(),
                levels: union,
            }
        }
        // The category and the price live in the orders' own columns.
        (same, _) => same.clone(),
    }
}

/// The distinct names of `a` and `b`, sorted.
fn sorted_union(a: &[String], b: &[String]) -> Vec<String> {
    let mut all: Vec<String> = a.iter().chain(b).cloned().collect();
    all.sort();
    all.dedup();
    all
}

/// Rewrites category codes indexing `from` to index `to` (which holds every name of `from`).
fn remap(codes: &mut [u16], from: &[String], to: &[String]) {
    let table: Vec<u16> = from
        .iter()
        .map(|n| to.binary_search(n).unwrap_or_default() as u16)
        .collect();
    for c in codes {
        *c = table[*c as usize];
    }
}

/// Rewrites level codes indexing `from` to index `to`; a missing value stays missing.
fn remap_levels(codes: &mut [u32], from: &[String], to: &[String]) {
    let table: Vec<u32> = from
        .iter()
        .map(|n| to.binary_search(n).unwrap_or_default() as u32)
        .collect();
    for c in codes {
        if *c != super::features::MISSING_LEVEL {
            *c = table[*c as usize];
        }
    }
}
