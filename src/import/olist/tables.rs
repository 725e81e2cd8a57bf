//! Reading the nine Olist tables (file names with or without the `_dataset` suffix; UTF-8
//! with or without BOM; quoted fields with line breaks) into typed rows. A row that cannot
//! be read (a bad number or date) is skipped and reported with file, line, column and
//! value, like any input row; a missing file or column stops the import.

use crate::data::load::LoadReport;
use crate::data::table::{Table, read_csv};
use crate::data::{LoadError, RowError};
use crate::util::Fnv64;
use chrono::NaiveDateTime;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One source file as read: for `import.json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SourceFile {
    /// The table (`orders`, `order_items`, ...).
    pub table: &'static str,
    /// The file read.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// FNV-1a 64 of its bytes, hex.
    pub fnv1a64: String,
    /// Data rows read (invalid rows not counted).
    pub rows: usize,
}

/// An order as Olist records it.
#[derive(Clone, Debug, PartialEq)]
pub struct RawOrder {
    /// `order_id`.
    pub id: String,
    /// `customer_id` (one per order in Olist; `customer_unique_id` is the person).
    pub customer: String,
    /// `order_status`.
    pub status: String,
    /// `order_purchase_timestamp`.
    pub purchased: NaiveDateTime,
    /// `order_delivered_customer_date`, when delivered.
    pub delivered: Option<NaiveDateTime>,
    /// `order_estimated_delivery_date`.
    pub estimated: Option<NaiveDateTime>,
}

/// One item of an order.
#[derive(Clone, Debug, PartialEq)]
pub struct RawItem {
    /// `order_id`.
    pub order: String,
    /// `order_item_id` (1, 2, ... within the order).
    pub item: u32,
    /// `product_id`.
    pub product: String,
    /// `seller_id`.
    pub seller: String,
    /// `price`.
    pub price: f64,
    /// `freight_value`.
    pub freight: f64,
}

/// One payment of an order.
#[derive(Clone, Debug, PartialEq)]
pub struct RawPayment {
    /// `payment_sequential`.
    pub sequential: u32,
    /// `payment_type` (credit_card, boleto, voucher, debit_card, ...).
    pub kind: String,
    /// `payment_installments`.
    pub installments: f64,
    /// `payment_value`.
    pub value: f64,
}

/// One review of an order.
#[derive(Clone, Debug, PartialEq)]
pub struct RawReview {
    /// `review_id` (not unique in Olist: one review can sit on several orders).
    pub id: String,
    /// `order_id`.
    pub order: String,
    /// `review_score`, 1-5.
    pub score: u8,
    /// `review_creation_date`.
    pub created: NaiveDateTime,
}

/// A customer record: the person behind a `customer_id`, and where they are.
#[derive(Clone, Debug, PartialEq)]
pub struct RawCustomer {
    /// `customer_unique_id`.
    pub unique: String,
    /// `customer_state`.
    pub state: String,
}

/// A seller record.
#[derive(Clone, Debug, PartialEq)]
pub struct RawSeller {
    /// `seller_city`.
    pub city: String,
    /// `seller_state`.
    pub state: String,
}

/// Every Olist table, read.
#[derive(Clone, Debug, Default)]
pub struct OlistTables {
    /// Orders, in file order.
    pub orders: Vec<RawOrder>,
    /// Items, in file order.
    pub items: Vec<RawItem>,
    /// Payments by order id.
    pub payments: HashMap<String, Vec<RawPayment>>,
    /// Reviews, in file order.
    pub reviews: Vec<RawReview>,
    /// Customers by `customer_id`.
    pub customers: HashMap<String, RawCustomer>,
    /// Product category (Portuguese name; empty when Olist has none) by product id.
    pub products: HashMap<String, String>,
    /// English category name by Portuguese name.
    pub translation: HashMap<String, String>,
    /// Sellers by id.
    pub sellers: HashMap<String, RawSeller>,
    /// The files read.
    pub files: Vec<SourceFile>,
    /// Rows that could not be read.
    pub report: LoadReport,
}

impl OlistTables {
    /// Items by order id.
    pub fn items_by_order(&self) -> HashMap<&str, Vec<&RawItem>> {
        let mut m: HashMap<&str, Vec<&RawItem>> = HashMap::new();
        for it in &self.items {
            m.entry(&it.order).or_default().push(it);
        }
        m
    }

    /// Reviews by order id.
    pub fn reviews_by_order(&self) -> HashMap<&str, Vec<&RawReview>> {
        let mut m: HashMap<&str, Vec<&RawReview>> = HashMap::new();
        for r in &self.reviews {
            m.entry(&r.order).or_default().push(r);
        }
        m
    }
}

/// The tables and the columns read from each.
const TABLES: [(&str, &[&str]); 8] = [
    (
        "orders",
        &[
            "order_id",
            "customer_id",
            "order_status",
            "order_purchase_timestamp",
            "order_delivered_customer_date",
            "order_estimated_delivery_date",
        ],
    ),
    (
        "order_items",
        &[
            "order_id",
            "order_item_id",
            "product_id",
            "seller_id",
            "price",
            "freight_value",
        ],
    ),
    (
        "order_payments",
        &[
            "order_id",
            "payment_sequential",
            "payment_type",
            "payment_installments",
            "payment_value",
        ],
    ),
    (
        "order_reviews",
        &[
            "review_id",
            "order_id",
            "review_score",
            "review_creation_date",
        ],
    ),
    (
        "customers",
        &["customer_id", "customer_unique_id", "customer_state"],
    ),
    ("products", &["product_id", "product_category_name"]),
    ("sellers", &["seller_id", "seller_city", "seller_state"]),
    (
        "category_translation",
        &["product_category_name", "product_category_name_english"],
    ),
];

/// The file of `table` in `dir`: `olist_<table>_dataset.csv`, or without the suffix; the
/// translation table is `product_category_name_translation.csv`.
fn locate(dir: &Path, table: &str) -> Result<PathBuf, LoadError> {
    let names = match table {
        "category_translation" => vec!["product_category_name_translation.csv".to_string()],
        t => vec![format!("olist_{t}_dataset.csv"), format!("olist_{t}.csv")],
    };
    names
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
        .ok_or_else(|| LoadError::Parse {
            path: dir.join(&names[0]),
            message: format!(
                "no Olist {table} table: expected {} in {}",
                names.join(" or "),
                dir.display()
            ),
        })
}

/// Parses an Olist timestamp (`YYYY-MM-DD HH:MM:SS`, or a date alone).
pub fn parse_timestamp(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
}

/// Reads every table of the Olist dataset in `dir`.
pub fn read_tables(dir: &Path) -> Result<OlistTables, LoadError> {
    let mut t = OlistTables::default();
    for (table, columns) in TABLES {
        let path = locate(dir, table)?;
        let mut fp = Fnv64::default();
        let data = read_csv(&path, columns, &mut fp)?;
        let before = t.report.skipped_rows;
        let rows = read_rows(&mut t, table, &data)?;
        let skipped = t.report.skipped_rows - before;
        t.files.push(SourceFile {
            table,
            bytes: std::fs::metadata(&path).map_or(0, |m| m.len()),
            path,
            fnv1a64: format!("{:016x}", fp.finish()),
            rows: rows - skipped,
        });
    }
    Ok(t)
}

/// Reads one table's rows into `t`; returns how many rows the file had.
fn read_rows(t: &mut OlistTables, table: &str, data: &Table) -> Result<usize, LoadError> {
    let columns = TABLES
        .iter()
        .find(|(n, _)| *n == table)
        .map(|(_, c)| *c)
        .unwrap_or_default();
    let mut report = std::mem::take(&mut t.report);
    data.for_each_row(
        |row, v| {
            let err = |c: usize, why: &str| data.err(row, c, columns[c], v[c], why);
            let time = |c: usize| {
                parse_timestamp(v[c]).ok_or_else(|| err(c, "not a timestamp (YYYY-MM-DD HH:MM:SS)"))
            };
            let opt_time = |c: usize| match v[c].trim() {
                "" => Ok(None),
                _ => time(c).map(Some),
            };
            let num = |c: usize| -> Result<f64, RowError> {
                v[c].trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && *x >= 0.0)
                    .ok_or_else(|| err(c, "not a number >= 0"))
            };
            let text = |c: usize| v[c].trim().to_string();
            match table {
                "orders" => t.orders.push(RawOrder {
                    id: text(0),
                    customer: text(1),
                    status: text(2),
                    purchased: time(3)?,
                    delivered: opt_time(4)?,
                    estimated: opt_time(5)?,
                }),
                "order_items" => t.items.push(RawItem {
                    order: text(0),
                    item: num(1)? as u32,
                    product: text(2),
                    seller: text(3),
                    price: num(4)?,
                    freight: num(5)?,
                }),
                "order_payments" => t.payments.entry(text(0)).or_default().push(RawPayment {
                    sequential: num(1)? as u32,
                    kind: text(2),
                    installments: num(3)?,
                    value: num(4)?,
                }),
                "order_reviews" => {
                    let score = num(2)?;
                    if !(1.0..=5.0).contains(&score) || score.fract() != 0.0 {
                        return Err(err(2, "review score outside 1-5"));
                    }
                    t.reviews.push(RawReview {
                        id: text(0),
                        order: text(1),
                        score: score as u8,
                        created: time(3)?,
                    });
                }
                "customers" => {
                    let c = RawCustomer {
                        unique: text(1),
                        state: text(2),
                    };
                    t.customers.insert(text(0), c);
                }
                "products" => {
                    t.products.insert(text(0), text(1));
                }
                "sellers" => {
                    let s = RawSeller {
                        city: text(1),
                        state: text(2),
                    };
                    t.sellers.insert(text(0), s);
                }
                _ => {
                    t.translation.insert(text(0), text(1));
                }
            }
            Ok(())
        },
        &mut report,
    )?;
    t.report = report;
    Ok(data.rows())
}
