//! Loading `orders` and `sellers` from a data directory (CSV or Parquet) with polars, and
//! validating every row. Values are read as text and parsed here, so a bad cell becomes a
//! [`RowError`] naming its file, line, column and value instead of a silent null or zero.

use super::dates::{DateRange, isolated_dates_warning};
use super::table::{Table, TableFile, read_table};
use super::validate::OrderValidator;
use super::{Dataset, LoadError, Orders, RowError, Seller, day_string};
use crate::util::Fnv64;
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use std::collections::{HashMap, HashSet};
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
pub(super) fn parse_number(s: &str) -> Option<f64> {
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
pub(crate) fn parse_returned(s: &str) -> Result<Option<bool>, ()> {
    match s.trim() {
        "" => Ok(None),
        t if LABEL_FALSE.contains(&t) => Ok(Some(false)),
        t if LABEL_TRUE.contains(&t) => Ok(Some(true)),
        _ => Err(()),
    }
}

/// The label's texts for a positive order (trimmed).
pub const LABEL_TRUE: [&str; 3] = ["1", "1.0", "true"];
/// The label's texts for a negative order (trimmed).
pub const LABEL_FALSE: [&str; 3] = ["0", "0.0", "false"];

/// Distinct marketplaces a dataset holds (their index is a `u16`).
pub const MAX_MARKETPLACES: usize = 1 << 16;

/// The sellers, their marketplaces (sorted) and each seller's index by id.
pub(super) struct SellerTable {
    pub(super) sellers: Vec<Seller>,
    pub(super) marketplaces: Vec<String>,
    pub(super) by_id: HashMap<String, usize>,
}

pub(super) fn load_sellers(t: &Table, report: &mut LoadReport) -> Result<SellerTable, LoadError> {
    let mut rows: Vec<(String, String, String)> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut distinct_marketplaces: HashSet<String> = HashSet::new();
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
            if !distinct_marketplaces.contains(mp) {
                if distinct_marketplaces.len() >= MAX_MARKETPLACES {
                    let why =
                        format!("more than {MAX_MARKETPLACES} distinct marketplace_id values");
                    return Err(t.err(row, 2, SELLER_COLUMNS[2], v[2], &why));
                }
                distinct_marketplaces.insert(mp.to_string());
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

/// The sellers of a loaded dataset as the validation of order rows needs them.
pub(super) fn seller_table(sellers: &[Seller], marketplaces: &[String]) -> SellerTable {
    SellerTable {
        sellers: sellers.to_vec(),
        marketplaces: marketplaces.to_vec(),
        by_id: sellers
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect(),
    }
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
    let file = TableFile::find(dir, "orders")?;
    let mut validator = OrderValidator::new(&names, &schema, &st, opts, file.single_file());
    file.scan(&names, &mut fp, |t| {
        validator.table(t, &|_| false, &mut report)
    })
    .map_err(|e| missing_column_key(dir, &required, e))?;
    let v = validator.finish();
    report.out_of_range = v.out_of_range;
    let mut o = v.orders;
    if o.is_empty() && dir.join("schema.toml").is_file() {
        wrong_kind(dir, &o, &v.first_failure)?;
    }
    report.missing = missing_of(&o);
    report.warnings.extend(isolated_dates_warning(&o.day, |i| {
        row_name(&v.places.place(i), &o, i)
    }));
    drop(v.places);
    check_outcome(opts, &report, &o, file.path())?;
    let categories = sort_categories(&mut o.category, v.categories);
    let mut ds = Dataset {
        dir: dir.to_path_buf(),
        orders: o,
        sellers: st.sellers,
        categories,
        marketplaces: st.marketplaces,
        fingerprint: fp.finish(),
        schema,
        roles: Default::default(),
        origin: Default::default(),
    };
    ds.roles = ds.find_roles();
    Ok((ds, report))
}

/// A column a schema.toml names but the file lacks: the schema's key is the mistake.
fn missing_column_key(dir: &Path, required: &[(String, String)], e: LoadError) -> LoadError {
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
}

/// The optional features with empty values, and how many.
pub(super) fn missing_of(o: &Orders) -> Vec<(String, usize)> {
    o.features
        .iter()
        .filter(|f| f.missing > 0)
        .map(|f| (f.spec.name.clone(), f.missing))
        .collect()
}

/// Order `i` for a warning: its `place` (file and line), id and date.
pub(super) fn row_name(place: &str, o: &Orders, i: usize) -> String {
    format!("{} ({}, {})", place, &o.id[i], day_string(o.day[i]))
}

/// The load's verdict once every row is read: an error under `--strict` when any row was
/// skipped, or when no order is left.
pub(super) fn check_outcome(
    opts: &LoadOptions,
    report: &LoadReport,
    o: &Orders,
    path: &Path,
) -> Result<(), LoadError> {
    if opts.strict && report.skipped_rows > 0 {
        return Err(LoadError::Strict {
            count: report.skipped_rows,
            first: Box::new(report.errors[0].clone()),
        });
    }
    if o.is_empty() {
        return Err(match report.errors.first() {
            Some(first) => LoadError::NoValidRows {
                path: path.to_path_buf(),
                count: report.skipped_rows,
                first: Box::new(first.clone()),
            },
            None => LoadError::HeaderOnly {
                path: path.to_path_buf(),
            },
        });
    }
    Ok(())
}

/// Sorts category `names` (in code order) and remaps `codes` so output order is stable;
/// the sorted names.
fn sort_categories(codes: &mut [u16], names: Vec<String>) -> Vec<String> {
    let mut categories: Vec<(String, u16)> = names
        .into_iter()
        .enumerate()
        .map(|(k, n)| (n, k as u16))
        .collect();
    categories.sort();
    let mut remap = vec![0u16; categories.len()];
    for (new, (_, old)) in categories.iter().enumerate() {
        remap[*old as usize] = new as u16;
    }
    for c in codes {
        *c = remap[*c as usize];
    }
    categories.into_iter().map(|(n, _)| n).collect()
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
