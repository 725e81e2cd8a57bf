//! Writing an import: `orders.csv` (or `.parquet`), `sellers.csv`, `schema.toml` (which
//! column plays which role, for the loader) and `import.json` (sources, counts, label,
//! exclusions). Every file is written atomically.

use super::build::{Built, ImportRow, LABEL_DEFINITION};
use super::tables::OlistTables;
use crate::util::write_atomic;
use polars::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// Output format of the orders table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum OrdersFormat {
    /// `orders.csv`.
    Csv,
    /// `orders.parquet` (columnar, typed).
    Parquet,
}

/// The orders table's columns, in order.
pub const ORDER_COLUMNS: [&str; 18] = [
    "order_id",
    "olist_order_id",
    "order_timestamp",
    "seller_id",
    "region",
    "category",
    "price",
    "freight",
    "items",
    "delivery_days",
    "days_late",
    "payment_type",
    "installments",
    "customer_type",
    "customer_bad_review_rate",
    "product_mean_score",
    "same_state",
    "bad_review",
];

fn opt(v: Option<f64>) -> String {
    v.map_or(String::new(), |v| format!("{v}"))
}

/// The orders as text cells, one `Vec` per row, in [`ORDER_COLUMNS`] order.
fn cells(r: &ImportRow) -> [String; 18] {
    let f = &r.features;
    [
        r.id.clone(),
        r.order_id.clone(),
        r.purchased.format("%Y-%m-%d %H:%M:%S").to_string(),
        r.seller.clone(),
        f.region.to_string(),
        r.category.clone(),
        format!("{:.2}", r.price),
        format!("{:.2}", r.freight),
        r.items.to_string(),
        opt(f.delivery_days),
        opt(f.days_late),
        f.payment_type.clone(),
        opt(f.installments),
        if f.new_customer { "New" } else { "Returning" }.to_string(),
        opt(f.customer_bad_review_rate.map(|x| (x * 1e6).round() / 1e6)),
        opt(f.product_mean_score.map(|x| (x * 1e6).round() / 1e6)),
        u8::from(f.same_state).to_string(),
        r.bad_review
            .map_or(String::new(), |b| u8::from(b).to_string()),
    ]
}

/// `orders.csv` text.
pub fn orders_csv(rows: &[ImportRow]) -> String {
    let mut s = String::with_capacity(64 + rows.len() * 160);
    s.push_str(&ORDER_COLUMNS.join(","));
    s.push('\n');
    for r in rows {
        let line: Vec<String> = cells(r).iter().map(|c| crate::text::csv_field(c)).collect();
        s.push_str(&line.join(","));
        s.push('\n');
    }
    s
}

/// `orders.parquet` bytes: the same columns, numbers as nullable floats.
fn orders_parquet(rows: &[ImportRow]) -> PolarsResult<Vec<u8>> {
    const NUMERIC: [&str; 8] = [
        "price",
        "freight",
        "items",
        "delivery_days",
        "days_late",
        "installments",
        "customer_bad_review_rate",
        "product_mean_score",
    ];
    let table: Vec<[String; 18]> = rows.iter().map(cells).collect();
    let columns: Vec<Column> = ORDER_COLUMNS
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let texts = table.iter().map(|r| r[c].as_str());
            if NUMERIC.contains(name) {
                let v: Vec<Option<f64>> = texts.map(|t| t.parse().ok()).collect();
                Column::new((*name).into(), v)
            } else {
                let v: Vec<Option<&str>> = texts.map(|t| (!t.is_empty()).then_some(t)).collect();
                Column::new((*name).into(), v)
            }
        })
        .collect();
    let mut df = DataFrame::new(rows.len(), columns)?;
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).finish(&mut df)?;
    Ok(bytes)
}

/// `sellers.csv`: Olist sellers have no names, so `<city> (<state>) <id prefix>`; the
/// marketplace is the seller's region.
pub fn sellers_csv(t: &OlistTables, rows: &[ImportRow]) -> String {
    let used: BTreeMap<&str, ()> = rows.iter().map(|r| (r.seller.as_str(), ())).collect();
    let mut s = String::from("seller_id,seller_name,marketplace_id\n");
    for id in used.keys() {
        let Some(seller) = t.sellers.get(*id) else {
            continue;
        };
        let name = format!(
            "{} ({}) {}",
            seller.city,
            seller.state.to_ascii_uppercase(),
            id.get(..6).unwrap_or(id)
        );
        let _ = writeln!(
            s,
            "{},{},{}",
            crate::text::csv_field(id),
            crate::text::csv_field(&name),
            super::features::region(&seller.state)
        );
    }
    s
}

/// `schema.toml`: which column plays which role.
pub fn schema_toml(format: OrdersFormat) -> String {
    let file = match format {
        OrdersFormat::Csv => "orders.csv",
        OrdersFormat::Parquet => "orders.parquet",
    };
    format!(
        r#"# Written by `returnrisk-tui import olist`: which column of {file} plays which role.
version = 1

[label]
column = "bad_review"
name = "bad review"
definition = "{LABEL_DEFINITION}"

[columns]
order_id = "order_id"
timestamp = "order_timestamp"
seller = "seller_id"
marketplace = "region"
marketplace_definition = "the seller's Brazilian region (N, NE, CO, SE, S), from its state"
category = "category"
price = "price"
rating = "product_mean_score"
delivery_days = "delivery_days"
payment = "payment_type"

[features]
numeric = ["price", "freight", "items", "delivery_days", "days_late", "installments", "customer_bad_review_rate", "product_mean_score", "same_state"]
categorical = ["category", "payment_type", "customer_type"]

[display]
currency = "BRL"
"#
    )
}

/// Writes `rows` as a data directory `dir` (orders.csv, sellers.csv, schema.toml), without
/// the import record: for evaluations on variants of an import.
pub fn write_dataset(dir: &Path, t: &OlistTables, rows: &[ImportRow]) -> color_eyre::Result<()> {
    use color_eyre::eyre::WrapErr;
    for (name, text) in [
        ("orders.csv", orders_csv(rows)),
        ("sellers.csv", sellers_csv(t, rows)),
        ("schema.toml", schema_toml(OrdersFormat::Csv)),
    ] {
        let path = dir.join(name);
        write_atomic(&path, text.as_bytes())
            .wrap_err_with(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// `import.json`.
#[derive(Serialize)]
struct ImportRecord<'a> {
    format_version: u32,
    source: &'a Path,
    files: &'a [super::tables::SourceFile],
    label: &'static str,
    label_rule: &'static str,
    marketplaces: &'static str,
    counts: &'a super::build::ImportCounts,
    invalid_rows: usize,
    first_invalid: Option<String>,
    orders_format: OrdersFormat,
    seconds: f64,
}

/// Writes the data directory `out`; returns the files written.
pub fn write_import(
    out: &Path,
    src: &Path,
    t: &OlistTables,
    built: &Built,
    format: OrdersFormat,
    seconds: f64,
) -> color_eyre::Result<Vec<std::path::PathBuf>> {
    use color_eyre::eyre::WrapErr;
    let mut files: Vec<(std::path::PathBuf, Vec<u8>)> = Vec::new();
    match format {
        OrdersFormat::Csv => {
            files.push((out.join("orders.csv"), orders_csv(&built.rows).into_bytes()));
        }
        OrdersFormat::Parquet => files.push((
            out.join("orders.parquet"),
            orders_parquet(&built.rows).wrap_err("cannot encode orders.parquet")?,
        )),
    }
    files.push((
        out.join("sellers.csv"),
        sellers_csv(t, &built.rows).into_bytes(),
    ));
    files.push((out.join("schema.toml"), schema_toml(format).into_bytes()));
    let record = ImportRecord {
        format_version: 1,
        source: src,
        files: &t.files,
        label: LABEL_DEFINITION,
        label_rule: "review score 1 or 2 = 1, 3-5 = 0, no review = unknown (pending); with several reviews, the latest by creation date counts",
        marketplaces: "the seller's Brazilian region (N, NE, CO, SE, S), from its state",
        counts: &built.counts,
        invalid_rows: t.report.skipped_rows,
        first_invalid: t
            .report
            .errors
            .first()
            .map(std::string::ToString::to_string),
        orders_format: format,
        seconds,
    };
    files.push((out.join("import.json"), serde_json::to_vec_pretty(&record)?));
    for (path, bytes) in &files {
        write_atomic(path, bytes).wrap_err_with(|| format!("cannot write {}", path.display()))?;
    }
    Ok(files.into_iter().map(|(p, _)| p).collect())
}
