//! The manifest's `data` section: which columns of the orders a program that aggregates the
//! scored orders (the Spark job's cube) reads for each of the cube's sums, and how their
//! text is read, as our loader reads it. Written from the schema in use, so a lake whose
//! columns are renamed by `schema.toml` is described with its own names.

use crate::data::schema::Schema;
use crate::data::{LABEL_FALSE, LABEL_TRUE, SELLER_COLUMNS};
use serde::{Deserialize, Serialize};

/// The orders' and sellers' columns behind the cube's cells.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataColumns {
    /// The order's date: `YYYY-MM-DD`, or an ISO date-time whose first 10 characters are
    /// its date (no time-zone conversion); absent from a part, its `day=` partition.
    pub timestamp_column: String,
    /// The label: one of `label_true` (the order is the label's positive), `label_false`,
    /// or empty (not known yet); trimmed first.
    pub label_column: String,
    /// Texts of a positive label.
    pub label_true: Vec<String>,
    /// Texts of a negative label.
    pub label_false: Vec<String>,
    /// The product category (a cell's key).
    pub category_column: String,
    /// The price (revenue at risk, mean price).
    pub price_column: String,
    /// The product rating, a number (empty: missing).
    pub rating_column: Option<String>,
    /// Delivery days, a number (empty: missing).
    pub delivery_days_column: Option<String>,
    /// The payment method (empty: unknown).
    pub payment_column: Option<String>,
    /// The payment that is cash on delivery, matched ignoring case.
    pub cod_value: Option<String>,
    /// The sellers table beside the orders (`sellers.csv` or `sellers/`): id, name and
    /// marketplace columns, each seller's marketplace being its cells'.
    pub sellers_columns: Vec<String>,
}

impl DataColumns {
    /// The columns `schema` names.
    pub fn of(schema: &Schema) -> DataColumns {
        let column = |feature: &Option<String>| {
            let name = feature.as_deref()?;
            schema.feature(name).map(|(_, f)| f.column.clone())
        };
        DataColumns {
            timestamp_column: schema.timestamp.clone(),
            label_column: schema.label.clone(),
            label_true: LABEL_TRUE.map(String::from).to_vec(),
            label_false: LABEL_FALSE.map(String::from).to_vec(),
            category_column: schema.category.clone(),
            price_column: schema.price.clone(),
            rating_column: column(&schema.rating),
            delivery_days_column: column(&schema.delivery_days),
            payment_column: column(&schema.payment),
            cod_value: schema.payment.as_ref().and(schema.cod_value.clone()),
            sellers_columns: SELLER_COLUMNS.map(String::from).to_vec(),
        }
    }
}
