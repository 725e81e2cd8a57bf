//! Loading `orders` and `sellers` from a data directory (CSV or Parquet) with polars, and
//! validating every row. Values are read as text and parsed here, so a bad cell becomes a
//! [`RowError`] naming its file, line, column and value instead of a silent null or zero.

use super::dates::{DateRange, isolated_dates_warning};
use super::features::{Cell as FeatureCell, FeatureBuilder, FeatureValues};
use super::table::{Table, read_table};
use super::{Dataset, LoadError, Orders, RowError, Seller, date_to_day, day_string};
use crate::util::Fnv64;
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use std::collections::HashMap;
use std::path::Path;

/// Columns `orders` must have (any order; extra columns are ignored).
pub const ORDER_COLUMNS: [&str; 13] = [
    "Order_ID",
    "Product_Category",
    "Product_Price",
    "Discount_Applied",
    "Delivery_Time_Days",
    "Customer_Type",
    "Payment_Method",
    "Customer_Return_Rate",
    "Product_Rating",
    "Returned",
    "seller_id",
    "marketplace_id",
    "order_timestamp",
];

/// Columns `sellers` must have.
pub const SELLER_COLUMNS: [&str; 3] = ["seller_id", "seller_name", "marketplace_id"];

/// How many row errors a [`LoadReport`] keeps verbatim (the rest are only counted).
pub const KEPT_ROW_ERRORS: usize = 20;

/// Loading policy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Any invalid row is a load error instead of a skipped row.
    pub strict: bool,
    /// Order dates outside this range are invalid rows.
    pub dates: DateRange,
}

impl LoadOptions {
    /// Strict loading (any invalid row is an error) with the default plausible dates.
    pub fn strict() -> LoadOptions {
        LoadOptions {
            strict: true,
            ..LoadOptions::default()
        }
    }
}

/// What loading skipped or found suspicious, for stderr and the TUI's status line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadReport {
    /// Rows skipped because they were invalid (orders and sellers).
    pub skipped_rows: usize,
    /// The first [`KEPT_ROW_ERRORS`] row errors.
    pub errors: Vec<RowError>,
    /// Valid data that deserves a look (e.g. isolated late dates), one line each.
    pub warnings: Vec<String>,
    /// Optional features with empty values, and how many (the model imputes them).
    pub missing: Vec<(String, usize)>,
    /// Rows skipped only because their date is outside the plausible range (`--date-range`).
    pub out_of_range: usize,
}

impl LoadReport {
    pub(crate) fn push(&mut self, e: RowError) {
        self.skipped_rows += 1;
        if self.errors.len() < KEPT_ROW_ERRORS {
            self.errors.push(e);
        }
    }
    /// The skipped rows in one line (how many, the first), or `None` when none were.
    pub fn skipped(&self) -> Option<String> {
        (self.skipped_rows > 0).then(|| {
            format!(
                "skipped {} invalid row(s); first: {}",
                self.skipped_rows, self.errors[0]
            )
        })
    }

    /// One-line summary (skipped rows, then warnings), or `None` when there is nothing to say.
    pub fn summary(&self) -> Option<String> {
        let parts: Vec<String> = self
            .skipped()
            .into_iter()
            .chain(self.warnings.clone())
            .collect();
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// No row was valid and a schema.toml feature rejected values: name its key when that
/// feature is a numeric column holding text (every row failed on it first).
fn wrong_kind(dir: &Path, o: &Orders, first_failure: &[Option<RowError>]) -> Result<(), LoadError> {
    for (f, failure) in o.features.iter().zip(first_failure) {
        if let (Some(e), super::schema::FeatureKind::Numeric) = (failure, f.spec.kind)
            && e.reason == "not a number"
        {
            return Err(LoadError::Schema(super::schema::SchemaError {
                path: dir.join("schema.toml"),
                key: "features.numeric".into(),
                message: format!(
                    "column {:?} holds no numbers ({e}); list it under features.categorical",
                    f.spec.column
                ),
            }));
        }
    }
    Ok(())
}

/// Parses a finite number.
fn parse_number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Parses `YYYY-MM-DD` or an ISO date-time (`T` or space, optional fraction and offset).
pub fn parse_order_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if let Some(d) = fast_date(s.as_bytes()) {
        return Some(d);
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d);
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(dt.date());
        }
    }
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|dt| dt.date_naive())
}

/// Fast path for the two common shapes, `YYYY-MM-DD` and `YYYY-MM-DDTHH:MM:SS`; anything
/// else (or anything invalid) goes to chrono's general parsers.
fn fast_date(b: &[u8]) -> Option<NaiveDate> {
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() != 10 && b.len() != 19 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    if b.len() == 19 {
        let (h, m, sec) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
        if !(b[10] == b'T' || b[10] == b' ')
            || b[13] != b':'
            || b[16] != b':'
            || h > 23
            || m > 59
            || sec > 59
        {
            return None;
        }
    }
    NaiveDate::from_ymd_opt(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)
}

/// Parses `Returned`: 0/1 (also 0.0/1.0 from typed Parquet), empty = pending.
fn parse_returned(s: &str) -> Result<Option<bool>, ()> {
    match s.trim() {
        "" => Ok(None),
        "0" | "0.0" | "false" => Ok(Some(false)),
        "1" | "1.0" | "true" => Ok(Some(true)),
        _ => Err(()),
    }
}

struct SellerTable {
    sellers: Vec<Seller>,
    marketplaces: Vec<String>,
    by_id: HashMap<String, usize>,
}

fn load_sellers(t: &Table, report: &mut LoadReport) -> Result<SellerTable, LoadError> {
    let mut rows: Vec<(String, String, String)> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    t.for_each_row(
        |row, v| {
            let id = v[0].trim();
            if id.is_empty() {
                return Err(t.err(row, 0, SELLER_COLUMNS[0], v[0], "empty seller_id"));
            }
            if by_id.contains_key(id) {
                return Err(t.err(row, 0, SELLER_COLUMNS[0], v[0], "duplicate seller_id"));
            }
            let mp = v[2].trim();
            if mp.is_empty() {
                return Err(t.err(row, 2, SELLER_COLUMNS[2], v[2], "empty marketplace_id"));
            }
            let name = if v[1].trim().is_empty() {
                id
            } else {
                v[1].trim()
            };
            by_id.insert(id.to_string(), rows.len());
            rows.push((id.to_string(), name.to_string(), mp.to_string()));
            Ok(())
        },
        report,
    )?;
    let mut marketplaces: Vec<String> = rows.iter().map(|r| r.2.clone()).collect();
    marketplaces.sort();
    marketplaces.dedup();
    let sellers = rows
        .into_iter()
        .map(|(id, name, mp)| Seller {
            marketplace: marketplaces.binary_search(&mp).unwrap_or(0) as u16,
            id,
            name,
        })
        .collect();
    Ok(SellerTable {
        sellers,
        marketplaces,
        by_id,
    })
}

/// Loads and validates `orders` and `sellers` from `dir`, reading the orders' columns as
/// the directory's `schema.toml` (or the ReturnRisk columns) says.
pub fn load_dir(dir: &Path, opts: &LoadOptions) -> Result<(Dataset, LoadReport), LoadError> {
    let schema = super::schema::load_schema(dir)?;
    let mut fp = Fnv64::default();
    let mut report = LoadReport::default();
    let seller_table = read_table(dir, "sellers", &SELLER_COLUMNS, &mut fp)?;
    let st = load_sellers(&seller_table, &mut report)?;
    let required = schema.required_columns();
    let names: Vec<&str> = required.iter().map(|(_, c)| c.as_str()).collect();
    let t = read_table(dir, "orders", &names, &mut fp).map_err(|e| {
        // A column a schema.toml names but the file lacks: the schema's key is the mistake.
        match (&e, dir.join("schema.toml").is_file()) {
            (LoadError::MissingColumns { path, columns }, true) => {
                let first = columns.split(", ").next().unwrap_or_default();
                let key = required
                    .iter()
                    .find(|(_, c)| c.eq_ignore_ascii_case(first))
                    .map_or("columns".to_string(), |(k, _)| k.clone());
                LoadError::Schema(super::schema::SchemaError {
                    path: dir.join("schema.toml"),
                    key,
                    message: format!(
                        "column {first:?} is not in {} (its columns are read case-insensitively)",
                        path.file_name().unwrap_or_default().to_string_lossy()
                    ),
                })
            }
            _ => e,
        }
    })?;
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
    let mut seen_ids: HashMap<&str, usize> = HashMap::with_capacity(t.lines.len());
    let mut cells: Vec<FeatureCell> = Vec::with_capacity(builders.len());
    // Per feature, the first value it rejected (a column of the wrong kind fails every row).
    let mut first_failure: Vec<Option<RowError>> = vec![None; builders.len()];
    let mut out_of_range = 0;
    t.for_each_row(
        |row, v| {
            let err = |c: usize, reason: &str| t.err(row, c, names[c], v[c], reason);
            let id = v[c_id].trim();
            if id.is_empty() {
                return Err(err(c_id, &format!("empty {}", names[c_id])));
            }
            if let Some(first) = seen_ids.get(id) {
                return Err(err(
                    c_id,
                    &format!(
                        "duplicate {} (first on {})",
                        names[c_id],
                        t.first_on(*first)
                    ),
                ));
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
                None => parse_number(v[c_price]).ok_or_else(|| err(c_price, "not a number"))?,
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
                None => {
                    let c = category_ids.len() as u16;
                    category_ids.insert(category.to_string(), c);
                    c
                }
            };
            for ((_, b), cell) in builders.iter_mut().zip(&cells) {
                b.push(cell);
            }
            seen_ids.insert(id, row);
            o.id.push(id.to_string());
            o.category.push(cat);
            o.price.push(price);
            o.returned.push(returned);
            o.seller.push(seller as u32);
            o.day.push(date_to_day(date));
            Ok(())
        },
        &mut report,
    )?;
    report.out_of_range = out_of_range;
    o.features = builders.into_iter().map(|(_, b)| b.finish()).collect();
    if o.is_empty() && dir.join("schema.toml").is_file() {
        wrong_kind(dir, &o, &first_failure)?;
    }
    report.missing = o
        .features
        .iter()
        .filter(|f| f.missing > 0)
        .map(|f| (f.spec.name.clone(), f.missing))
        .collect();
    // Each order's row is in the duplicate check's map, by id.
    report.warnings.extend(isolated_dates_warning(&o.day, |i| {
        let place = seen_ids.get(o.id[i].as_str()).map(|&row| t.place(row));
        format!(
            "{} ({}, {})",
            place.unwrap_or_default(),
            o.id[i],
            day_string(o.day[i])
        )
    }));
    drop(seen_ids);

    if opts.strict && report.skipped_rows > 0 {
        return Err(LoadError::Strict {
            count: report.skipped_rows,
            first: Box::new(report.errors[0].clone()),
        });
    }
    if o.is_empty() {
        return Err(match report.errors.first() {
            Some(first) => LoadError::NoValidRows {
                path: t.path.clone(),
                count: report.skipped_rows,
                first: Box::new(first.clone()),
            },
            None => LoadError::HeaderOnly {
                path: t.path.clone(),
            },
        });
    }
    // Sort category names and remap ids so output order is stable.
    let mut categories: Vec<(String, u16)> = category_ids.into_iter().collect();
    categories.sort();
    let mut remap = vec![0u16; categories.len()];
    for (new, (_, old)) in categories.iter().enumerate() {
        remap[*old as usize] = new as u16;
    }
    for c in &mut o.category {
        *c = remap[*c as usize];
    }
    let mut ds = Dataset {
        dir: dir.to_path_buf(),
        orders: o,
        sellers: st.sellers,
        categories: categories.into_iter().map(|(n, _)| n).collect(),
        marketplaces: st.marketplaces,
        fingerprint: fp.finish(),
        schema,
        roles: Default::default(),
    };
    ds.roles = ds.find_roles();
    Ok((ds, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_datetimes_parse() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
        for s in [
            "2026-03-04",
            "2026-03-04T10:11:12",
            "2026-03-04 10:11:12.5",
            "2026-03-04T10:11:12Z",
            "2026-03-04T23:11:12+02:00",
        ] {
            assert_eq!(parse_order_date(s), Some(d), "{s}");
        }
        assert_eq!(parse_order_date("04/03/2026"), None);
        assert_eq!(parse_order_date("2026-03-04T24:00:00"), None);
        assert_eq!(parse_order_date("2026-03-04X10:11:12"), None);
        assert_eq!(parse_order_date("2026-02-30"), None);
    }

    #[test]
    fn numbers_reject_non_finite() {
        assert_eq!(parse_number(" 2.5 "), Some(2.5));
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number("abc"), None);
    }
}
