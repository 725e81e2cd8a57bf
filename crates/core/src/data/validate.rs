//! Validating the rows of an orders table into columns: each row is checked (id, category,
//! every feature, price, label, seller, marketplace, date) and kept or reported as a
//! [`RowError`] naming its file, line, column and value.

use super::features::{Cell as FeatureCell, FeatureBuilder, FeatureValues};
use super::id_index::IdIndex;
use super::load::{LoadOptions, LoadReport, SellerTable, parse_order_date, parse_returned};
use super::places::Places;
use super::schema::Schema;
use super::table::Table;
use super::{LoadError, Orders, RowError, date_to_day};
use std::collections::HashMap;

/// Distinct categories a dataset can hold (their codes are 16 bits).
pub(crate) const MAX_CATEGORIES: usize = 1 << 16;

/// Most orders a dataset holds: rows are numbered in u32 (the id index, the places).
pub(crate) const MAX_ORDERS: usize = u32::MAX as usize;

/// Why an order past [`MAX_ORDERS`] is an invalid row.
const TOO_MANY_ORDERS: &str =
    "an order beyond the 4,294,967,295 a dataset can hold (split the data by marketplace)";

/// Why an order with one category more than [`MAX_CATEGORIES`] is an invalid row.
const TOO_MANY_CATEGORIES: &str = "a category beyond the 65,536 distinct ones a dataset can hold";

/// The orders a table's rows gave, before their categories are sorted.
pub(super) struct Validated {
    /// The kept orders; `category` indexes `categories`, features are finished.
    pub(super) orders: Orders,
    /// Category names in code order (first seen first).
    pub(super) categories: Vec<String>,
    /// Each kept order's file and line.
    pub(super) places: Places,
    /// Per feature, the first value it rejected (a column of the wrong kind fails every row).
    pub(super) first_failure: Vec<Option<RowError>>,
    /// Rows skipped only for their date.
    pub(super) out_of_range: usize,
    /// Rows skipped for an id seen before (in this table, or `known` to the caller).
    pub(super) duplicates: usize,
}

/// The columns (indices into the required ones) validation reads.
struct Columns {
    id: usize,
    category: usize,
    price: usize,
    label: usize,
    seller: usize,
    timestamp: usize,
    marketplace: Option<usize>,
    /// The feature parsing the price, when the price is a feature.
    price_feature: Option<usize>,
}

/// Validates the rows of an orders table, one chunk of it ([`Table`]) after another, into
/// one set of orders: ids are unique across chunks, categories and levels shared.
pub(super) struct OrderValidator<'a> {
    names: &'a [&'a str],
    st: &'a SellerTable,
    opts: &'a LoadOptions,
    col: Columns,
    builders: Vec<(usize, FeatureBuilder)>,
    cells: Vec<FeatureCell>,
    category_ids: HashMap<String, u16>,
    ids: IdIndex,
    v: Validated,
}

impl<'a> OrderValidator<'a> {
    /// A validator for tables whose columns are `names` (the schema's required columns);
    /// `single_file` when every chunk comes from one file (messages then say "line N").
    pub(super) fn new(
        names: &'a [&'a str],
        schema: &Schema,
        st: &'a SellerTable,
        opts: &'a LoadOptions,
        single_file: bool,
    ) -> OrderValidator<'a> {
        #[expect(
            clippy::expect_used,
            reason = "the caller checked that every required column is among `names`"
        )]
        let at = |c: &str| names.iter().position(|n| *n == c).expect("required");
        let builders: Vec<(usize, FeatureBuilder)> = schema
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
                (at(&f.column), FeatureBuilder::new(f, shared))
            })
            .collect();
        let price = at(&schema.price);
        let col = Columns {
            id: at(&schema.order_id),
            category: at(&schema.category),
            price,
            label: at(&schema.label),
            seller: at(&schema.seller),
            timestamp: at(&schema.timestamp),
            marketplace: schema.marketplace.as_deref().map(at),
            // The price is usually a feature too (parsed and range-checked as one).
            price_feature: builders.iter().position(|(c, _)| *c == price),
        };
        let n = builders.len();
        OrderValidator {
            names,
            st,
            opts,
            col,
            builders,
            cells: Vec::with_capacity(n),
            category_ids: HashMap::new(),
            ids: IdIndex::default(),
            v: Validated {
                orders: Orders::default(),
                categories: Vec::new(),
                places: Places::new(single_file),
                first_failure: vec![None; n],
                out_of_range: 0,
                duplicates: 0,
            },
        }
    }

    /// Validates every row of `t`, the next chunk of the table. An id for which `known` is
    /// true counts as a duplicate of an order read before. Skipped rows go to `report`.
    pub(super) fn table(
        &mut self,
        t: &Table,
        known: &dyn Fn(&str) -> bool,
        report: &mut LoadReport,
    ) -> Result<(), LoadError> {
        t.for_each_row(|row, v| self.row(t, row, v, known), report)
    }

    /// The orders of every table validated.
    pub(super) fn finish(self) -> Validated {
        let mut v = self.v;
        v.orders.features = self.builders.into_iter().map(|(_, b)| b.finish()).collect();
        v
    }

    /// Checks row `row` of `t` (its required columns' text `v`) and keeps it, or says why not.
    fn row(
        &mut self,
        t: &Table,
        row: usize,
        v: &[&str],
        known: &dyn Fn(&str) -> bool,
    ) -> Result<(), RowError> {
        let (c, names) = (&self.col, self.names);
        let err = |c: usize, reason: &str| t.err(row, c, names[c], v[c], reason);
        let id = v[c.id].trim();
        if self.v.orders.id.len() >= MAX_ORDERS {
            return Err(err(c.id, TOO_MANY_ORDERS));
        }
        if id.is_empty() {
            return Err(err(c.id, &format!("empty {}", names[c.id])));
        }
        if let Some(first) = self.ids.find(&self.v.orders.id, id) {
            self.v.duplicates += 1;
            let first = self.v.places.first_on(first);
            return Err(err(
                c.id,
                &format!("duplicate {} (first on {first})", names[c.id]),
            ));
        }
        if known(id) {
            self.v.duplicates += 1;
            return Err(err(c.id, &format!("duplicate {}", names[c.id])));
        }
        let category = v[c.category].trim();
        if category.is_empty() {
            return Err(err(c.category, &format!("empty {}", names[c.category])));
        }
        self.cells.clear();
        for (k, (col, b)) in self.builders.iter_mut().enumerate() {
            let cell = b.parse(v[*col]).map_err(|why| {
                let e = err(*col, &why);
                self.v.first_failure[k].get_or_insert_with(|| e.clone());
                e
            })?;
            self.cells.push(cell);
        }
        let price = match c.price_feature.map(|k| &self.cells[k]) {
            Some(FeatureCell::Number(p)) => *p,
            Some(_) => return Err(err(c.price, "not a number")),
            None => {
                super::load::parse_number(v[c.price]).ok_or_else(|| err(c.price, "not a number"))?
            }
        };
        let returned = parse_returned(v[c.label]).map_err(|()| {
            err(
                c.label,
                &format!("{} must be 0, 1 or empty", names[c.label]),
            )
        })?;
        let seller = *self
            .st
            .by_id
            .get(v[c.seller].trim())
            .ok_or_else(|| err(c.seller, "seller not in sellers file"))?;
        let seller_mp = &self.st.marketplaces[self.st.sellers[seller].marketplace as usize];
        if let Some(m) = c.marketplace
            && v[m].trim() != seller_mp
        {
            return Err(err(
                m,
                &format!("{} differs from the seller's ({seller_mp})", names[m]),
            ));
        }
        let date = parse_order_date(v[c.timestamp])
            .ok_or_else(|| err(c.timestamp, "not a date (YYYY-MM-DD or ISO date-time)"))?;
        if !self.opts.dates.contains(date) {
            self.v.out_of_range += 1;
            return Err(err(c.timestamp, &self.opts.dates.reason()));
        }
        let cat = match self.category_ids.get(category) {
            Some(&k) => k,
            None if self.v.categories.len() >= MAX_CATEGORIES => {
                return Err(err(c.category, TOO_MANY_CATEGORIES));
            }
            None => {
                let k = self.v.categories.len() as u16;
                self.category_ids.insert(category.to_string(), k);
                self.v.categories.push(category.to_string());
                k
            }
        };
        for ((_, b), cell) in self.builders.iter_mut().zip(&self.cells) {
            b.push(cell);
        }
        let (file, line) = t.file_line(row);
        self.v.places.push(file, line);
        let o = &mut self.v.orders;
        o.id.push(id);
        self.ids.insert(&o.id, o.id.len() - 1);
        o.category.push(cat);
        o.price.push(price);
        o.returned.push(returned);
        o.seller.push(seller as u32);
        o.day.push(date_to_day(date));
        Ok(())
    }
}
