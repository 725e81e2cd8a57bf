//! Validating the rows of an orders table into columns: each row is checked (id, category,
//! every feature, price, label, seller, marketplace, date) and kept or reported as a
//! [`RowError`] naming its file, line, column and value.

use super::features::{Cell as FeatureCell, FeatureBuilder, FeatureValues};
use super::load::{LoadOptions, LoadReport, SellerTable, parse_order_date, parse_returned};
use super::schema::Schema;
use super::table::Table;
use super::{LoadError, Orders, RowError, date_to_day};
use std::collections::HashMap;

/// Distinct categories a dataset can hold (their codes are 16 bits).
pub(crate) const MAX_CATEGORIES: usize = 1 << 16;

/// Why an order with one category more than [`MAX_CATEGORIES`] is an invalid row.
const TOO_MANY_CATEGORIES: &str = "a category beyond the 65,536 distinct ones a dataset can hold";

/// The orders one table's rows gave, before their categories are sorted.
pub(super) struct Validated<'t> {
    /// The kept orders; `category` indexes `categories`, features are finished.
    pub(super) orders: Orders,
    /// Category names in code order (first seen first).
    pub(super) categories: Vec<String>,
    /// Each kept order's row in the table, by id.
    pub(super) rows: HashMap<&'t str, usize>,
    /// Per feature, the first value it rejected (a column of the wrong kind fails every row).
    pub(super) first_failure: Vec<Option<RowError>>,
    /// Rows skipped only for their date.
    pub(super) out_of_range: usize,
    /// Rows skipped for an id seen before (in this table, or `known` to the caller).
    pub(super) duplicates: usize,
}

/// Validates every row of orders table `t`, whose columns are `names` (the schema's
/// required columns). An id for which `known` is true counts as a duplicate of an order
/// read before. Skipped rows go to `report`.
pub(super) fn validate_orders<'t>(
    t: &'t Table,
    names: &[&str],
    schema: &Schema,
    st: &SellerTable,
    opts: &LoadOptions,
    known: impl Fn(&str) -> bool,
    report: &mut LoadReport,
) -> Result<Validated<'t>, LoadError> {
    let col = |c: &str| names.iter().position(|n| *n == c).expect("required");
    let (c_id, c_cat, c_price) = (
        col(&schema.order_id),
        col(&schema.category),
        col(&schema.price),
    );
    let (c_label, c_seller, c_ts) = (
        col(&schema.label),
        col(&schema.seller),
        col(&schema.timestamp),
    );
    let c_mp = schema.marketplace.as_deref().map(col);
    let mut builders: Vec<(usize, FeatureBuilder)> = schema
        .features
        .iter()
        .map(|f| {
            let shared = if f.column == schema.category {
                Some(FeatureValues::Category)
            } else if f.column == schema.price {
                Some(FeatureValues::Price)
            } else {
                None
            };
            (col(&f.column), FeatureBuilder::new(f, shared))
        })
        .collect();
    // The price is usually a feature too (parsed and range-checked as one).
    let price_feature = builders.iter().position(|(c, _)| *c == c_price);

    let mut o = Orders::default();
    let mut category_ids: HashMap<String, u16> = HashMap::new();
    let mut categories: Vec<String> = Vec::new();
    let mut seen_ids: HashMap<&str, usize> = HashMap::with_capacity(t.lines.len());
    let mut cells: Vec<FeatureCell> = Vec::with_capacity(builders.len());
    let mut first_failure: Vec<Option<RowError>> = vec![None; builders.len()];
    let (mut out_of_range, mut duplicates) = (0, 0);
    t.for_each_row(
        |row, v| {
            let err = |c: usize, reason: &str| t.err(row, c, names[c], v[c], reason);
            let id = v[c_id].trim();
            if id.is_empty() {
                return Err(err(c_id, &format!("empty {}", names[c_id])));
            }
            if let Some(first) = seen_ids.get(id) {
                duplicates += 1;
                return Err(err(
                    c_id,
                    &format!(
                        "duplicate {} (first on {})",
                        names[c_id],
                        t.first_on(*first)
                    ),
                ));
            }
            if known(id) {
                duplicates += 1;
                return Err(err(c_id, &format!("duplicate {}", names[c_id])));
            }
            let category = v[c_cat].trim();
            if category.is_empty() {
                return Err(err(c_cat, &format!("empty {}", names[c_cat])));
            }
            cells.clear();
            for (k, (c, b)) in builders.iter_mut().enumerate() {
                let cell = b.parse(v[*c]).map_err(|why| {
                    let e = err(*c, &why);
                    first_failure[k].get_or_insert_with(|| e.clone());
                    e
                })?;
                cells.push(cell);
            }
            let price = match price_feature.map(|k| &cells[k]) {
                Some(FeatureCell::Number(p)) => *p,
                Some(_) => return Err(err(c_price, "not a number")),
                None => super::load::parse_number(v[c_price])
                    .ok_or_else(|| err(c_price, "not a number"))?,
            };
            let returned = parse_returned(v[c_label]).map_err(|_| {
                err(
                    c_label,
                    &format!("{} must be 0, 1 or empty", names[c_label]),
                )
            })?;
            let seller = *st
                .by_id
                .get(v[c_seller].trim())
                .ok_or_else(|| err(c_seller, "seller not in sellers file"))?;
            let seller_mp = &st.marketplaces[st.sellers[seller].marketplace as usize];
            if let Some(c) = c_mp
                && v[c].trim() != seller_mp
            {
                return Err(err(
                    c,
                    &format!("{} differs from the seller's ({seller_mp})", names[c]),
                ));
            }
            let date = parse_order_date(v[c_ts])
                .ok_or_else(|| err(c_ts, "not a date (YYYY-MM-DD or ISO date-time)"))?;
            if !opts.dates.contains(date) {
                out_of_range += 1;
                return Err(err(c_ts, &opts.dates.reason()));
            }
            let cat = match category_ids.get(category) {
                Some(&c) => c,
                None if categories.len() >= MAX_CATEGORIES => {
                    return Err(err(c_cat, TOO_MANY_CATEGORIES));
                }
                None => {
                    let c = categories.len() as u16;
                    category_ids.insert(category.to_string(), c);
                    categories.push(category.to_string());
                    c
                }
            };
            for ((_, b), cell) in builders.iter_mut().zip(&cells) {
                b.push(cell);
            }
            seen_ids.insert(id, row);
            o.id.push(id);
            o.category.push(cat);
            o.price.push(price);
            o.returned.push(returned);
            o.seller.push(seller as u32);
            o.day.push(date_to_day(date));
            Ok(())
        },
        report,
    )?;
    o.features = builders.into_iter().map(|(_, b)| b.finish()).collect();
    Ok(Validated {
        orders: o,
        categories,
        rows: seen_ids,
        first_failure,
        out_of_range,
        duplicates,
    })
}
