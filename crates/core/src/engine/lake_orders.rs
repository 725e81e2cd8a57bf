//! One seller's orders read from the lake, for a dashboard answering from a cube built
//! elsewhere: only the day partitions of the window are opened (partition pruning), only
//! the columns the drill-down shows are read from each file (projection), and the rows of
//! other sellers are dropped as each file is read, in parallel over files. A lake is not
//! sorted by seller, so row groups cannot be skipped by seller; the cost is the window's
//! files, never the whole lake. The scored orders (the Spark job's `scored/`) give each
//! order's risk; a lake of orders alone gives them without one.

use super::Engine;
use super::order::OrderContext;
use super::seller::{OrderRow, OrderStatus};
use crate::config::RiskBands;
use crate::data::schema::{FeatureKind, Schema};
use crate::data::{Dataset, OrderFeatures, OrderValue, date_to_day, day_string};
use polars::prelude::*;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The score column the Spark job adds to the scored orders.
pub const RISK_COLUMN: &str = "risk_score";

/// Where a cube's seller orders are read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LakeTable {
    /// The table's folder (`scored/` or the data folder's `orders/`).
    pub root: PathBuf,
    /// Its partition column (`day`).
    pub partition: String,
    /// Whether it holds [`RISK_COLUMN`].
    pub scored: bool,
}

impl LakeTable {
    /// The table the orders of a cube in `cube_dir` (partitioned by `partition`) are read
    /// from: the scored orders beside the cube when there are, else data folder
    /// `data_dir`'s day-partitioned orders; `None` when there is neither. Looked for once,
    /// when the cube is opened.
    pub fn find(cube_dir: &Path, data_dir: &Path, partition: &str) -> Option<LakeTable> {
        let scored = cube_dir.parent().map(|p| p.join("scored"));
        let (root, scored) = match scored.filter(|r| r.is_dir()) {
            Some(root) => (root, true),
            None => (data_dir.join("orders"), false),
        };
        root.is_dir().then(|| LakeTable {
            root,
            partition: partition.to_string(),
            scored,
        })
    }
}

impl Engine {
    /// The table a cube-backed engine reads a seller's orders from (see
    /// [`LakeTable::find`]); `None` when the engine reads its own orders or there is none.
    pub fn lake_table(&self) -> Option<LakeTable> {
        self.cube_source.as_ref()?.lake.clone()
    }
}

/// Seller `seller_id`'s orders of days `from..=to` from `table` (columns as `data`'s schema
/// names them, risk labels by `bands`), newest first.
pub fn lake_orders(
    data: &Dataset,
    bands: RiskBands,
    table: &LakeTable,
    seller_id: &str,
    (from, to): (i32, i32),
) -> Result<Vec<OrderRow>, String> {
    let schema = &data.schema;
    let mut wanted: Vec<&str> = vec![
        &schema.order_id,
        &schema.seller,
        &schema.timestamp,
        &schema.category,
        &schema.price,
        &schema.label,
    ];
    wanted.extend(schema.features.iter().map(|f| f.column.as_str()));
    if table.scored {
        wanted.push(RISK_COLUMN);
    }
    // Each column once (the category is also a feature's column).
    let mut seen = std::collections::HashSet::new();
    wanted.retain(|c| seen.insert(c.to_ascii_lowercase()));
    let parts = crate::data::partitioned::part_files(&table.root, &table.root)
        .map_err(|e| e.to_string())?;
    let in_window = |p: &crate::data::partitioned::Part| {
        partition_day(p, &table.partition).is_some_and(|d| (from..=to).contains(&d))
    };
    let tables: Vec<BTreeMap<String, Vec<Option<String>>>> = parts
        .par_iter()
        .filter(|p| in_window(p))
        .map(|p| read_rows(&p.path, &wanted, Some((&schema.seller, seller_id))))
        .collect::<Result<_, _>>()?;
    let mut rows: Vec<OrderRow> = tables
        .iter()
        .flat_map(|t| order_rows(&data.schema, bands, t, table.scored))
        .collect();
    rows.sort_by(|a, b| {
        b.date
            .cmp(&a.date)
            .then_with(|| a.order_id.cmp(&b.order_id))
    });
    Ok(rows)
}

/// A drill-down row of seller `seller_id` read from the lake as the order pane explains it
/// (with [`Engine::explain`]): what decides its model and side, and its features. Its risk
/// is in-sample at most probably: which rows the models were trained on is not known here.
pub fn lake_order(seller_id: &str, row: &OrderRow) -> Option<(OrderContext, OrderFeatures)> {
    let date = chrono::NaiveDate::parse_from_str(&row.date, "%Y-%m-%d").ok()?;
    let context = OrderContext {
        seller_id: seller_id.to_string(),
        day: date_to_day(date),
        returned: row.status.returned(),
        data_trained_on: false,
    };
    let values = row
        .features
        .iter()
        .map(|(name, v)| {
            let value = match v {
                serde_json::Value::Number(n) => {
                    n.as_f64().map_or(OrderValue::Missing, OrderValue::Number)
                }
                serde_json::Value::String(t) => OrderValue::Text(t.clone()),
                _ => OrderValue::Missing,
            };
            (name.clone(), value)
        })
        .collect();
    Some((context, OrderFeatures { values }))
}

/// The drill-down's rows of one file's columns (text, by column name).
fn order_rows(
    schema: &Schema,
    bands: RiskBands,
    t: &BTreeMap<String, Vec<Option<String>>>,
    scored: bool,
) -> Vec<OrderRow> {
    let n = t.values().next().map_or(0, Vec::len);
    let text = |column: &str, i: usize| -> Option<&str> {
        t.get(column).and_then(|v| v[i].as_deref()).map(str::trim)
    };
    let number = |column: &str, i: usize| text(column, i).and_then(|s| s.parse::<f64>().ok());
    (0..n)
        .map(|i| {
            let mut features = BTreeMap::new();
            for f in &schema.features {
                let value = match f.kind {
                    FeatureKind::Numeric => number(&f.column, i)
                        .and_then(serde_json::Number::from_f64)
                        .map(serde_json::Value::Number),
                    FeatureKind::Categorical => text(&f.column, i)
                        .filter(|s| !s.is_empty())
                        .map(|s| serde_json::Value::String(s.to_string())),
                };
                features.insert(f.name.clone(), value.unwrap_or(serde_json::Value::Null));
            }
            let payment = schema.payment.as_deref().and_then(|p| schema.feature(p));
            let payment_method = payment
                .and_then(|(_, f)| text(&f.column, i))
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            // As the loader reads a label (a text it does not know: not known yet).
            let returned = text(&schema.label, i)
                .and_then(|s| crate::data::load::parse_returned(s).ok().flatten());
            let risk = if scored { number(RISK_COLUMN, i) } else { None };
            let date = text(&schema.timestamp, i)
                .map_or(String::new(), |d| d.get(..10).unwrap_or(d).to_string());
            OrderRow {
                order_id: text(&schema.order_id, i).unwrap_or_default().to_string(),
                date,
                category: text(&schema.category, i).unwrap_or_default().to_string(),
                price: number(&schema.price, i).unwrap_or(f64::NAN),
                features,
                payment_method,
                status: OrderStatus::of(returned),
                risk_score: risk,
                risk_label: risk.map(|r| bands.label(r)),
            }
        })
        .collect()
}

/// The `wanted` columns (those the file has; partition values are not needed here) of the
/// rows of `path` (with `only` = (column, value): those whose column holds the value), as
/// text.
fn read_rows(
    path: &Path,
    wanted: &[&str],
    only: Option<(&str, &str)>,
) -> Result<BTreeMap<String, Vec<Option<String>>>, String> {
    let err = |e: PolarsError| format!("{}: {e}", path.display());
    let (df, names) = read_columns(path, wanted)?;
    let find = |w: &str| names.iter().find(|n| n.eq_ignore_ascii_case(w)).cloned();
    let text = |df: &DataFrame, name: &str| -> Result<Vec<Option<String>>, String> {
        let c = df
            .column(name)
            .map_err(err)?
            .cast(&DataType::String)
            .map_err(err)?;
        let s = c.str().map_err(err)?;
        Ok(s.iter().map(|v| v.map(str::to_string)).collect())
    };
    // The rows kept first; then only those are turned into text.
    let df = match only {
        Some((column, value)) => {
            let name =
                find(column).ok_or_else(|| format!("{}: no column {column}", path.display()))?;
            let c = df
                .column(&name)
                .map_err(err)?
                .cast(&DataType::String)
                .map_err(err)?;
            let mask = c.str().map_err(err)?.equal(value);
            df.filter(&mask).map_err(err)?
        }
        None => df,
    };
    let mut out = BTreeMap::new();
    for w in wanted {
        if let Some(name) = find(w) {
            out.insert(w.to_string(), text(&df, &name)?);
        }
    }
    Ok(out)
}

/// The returns to come from the pending orders (unlabelled, from the cube's first pending
/// day on), all marketplaces first, then each: read from the scored orders of those days
/// alone, as the engine computes them from its own orders. Empty when `table` has no scores.
pub fn pending_from_lake(
    data: &Dataset,
    cube: &super::cube::Cube,
    table: &LakeTable,
) -> Result<Vec<super::pending::PendingReturns>, String> {
    if !table.scored || cube.cells.is_empty() {
        return Ok(Vec::new());
    }
    let schema = &data.schema;
    let from = cube.pending_from().max(cube.first_day);
    let parts = crate::data::partitioned::part_files(&table.root, &table.root)
        .map_err(|e| e.to_string())?;
    let pending_day = |p: &&crate::data::partitioned::Part| {
        partition_day(p, &table.partition).is_some_and(|d| d >= from)
    };
    let marketplace: std::collections::HashMap<&str, usize> = (data.sellers.iter())
        .map(|s| (s.id.as_str(), usize::from(s.marketplace)))
        .collect();
    let files: Vec<&crate::data::partitioned::Part> = parts.iter().filter(pending_day).collect();
    let rows: Vec<Vec<(usize, f64, f64)>> = files
        .par_iter()
        .map(|p| pending_rows(&p.path, schema, &marketplace))
        .collect::<Result<_, _>>()?;
    let n = data.marketplaces.len();
    let (mut risk, mut price) = (vec![Vec::new(); n + 1], vec![Vec::new(); n + 1]);
    for &(m, r, p) in rows.iter().flatten() {
        for scope in [0, m + 1] {
            risk[scope].push(r);
            price[scope].push(p);
        }
    }
    Ok(risk
        .iter()
        .zip(&price)
        .map(|(r, p)| super::pending::pending_returns(r, p))
        .collect())
}

/// The pending orders of one scored file (an empty label): each one's marketplace, risk and
/// price, read as numbers straight from the file's columns.
fn pending_rows(
    path: &Path,
    schema: &Schema,
    marketplace: &std::collections::HashMap<&str, usize>,
) -> Result<Vec<(usize, f64, f64)>, String> {
    let err = |e: PolarsError| format!("{}: {e}", path.display());
    let wanted = [&schema.seller, &schema.label, &schema.price, RISK_COLUMN];
    let (df, names) = read_columns(path, &wanted)?;
    let find = |w: &str| {
        names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(w))
            .cloned()
            .ok_or_else(|| format!("{}: no column {w}", path.display()))
    };
    let (seller, label, price, risk) = (
        find(&schema.seller)?,
        find(&schema.label)?,
        find(&schema.price)?,
        find(RISK_COLUMN)?,
    );
    let text = |name: &str| -> Result<StringChunked, String> {
        let c = df
            .column(name)
            .map_err(err)?
            .cast(&DataType::String)
            .map_err(err)?;
        Ok(c.str().map_err(err)?.clone())
    };
    // Text is parsed as the loader reads a number (trimmed); typed columns are cast.
    let number = |name: &str| -> Result<Vec<Option<f64>>, String> {
        let c = df.column(name).map_err(err)?;
        if let Ok(s) = c.str() {
            return Ok(s
                .iter()
                .map(|v| v.and_then(|x| x.trim().parse().ok()))
                .collect());
        }
        let c = c.cast(&DataType::Float64).map_err(err)?;
        Ok(c.f64().map_err(err)?.iter().collect())
    };
    let (sellers, labels) = (text(&seller)?, text(&label)?);
    let (prices, risks) = (number(&price)?, number(&risk)?);
    let mut out = Vec::new();
    for (((s, l), p), r) in sellers.iter().zip(labels.iter()).zip(prices).zip(risks) {
        if !l.map(str::trim).unwrap_or_default().is_empty() {
            continue;
        }
        if let (Some(&m), Some(r)) = (s.and_then(|s| marketplace.get(s.trim())), r) {
            out.push((m, r, p.unwrap_or(0.0)));
        }
    }
    Ok(out)
}

/// The columns of `path` named in `wanted` (matched ignoring case; those the file lacks are
/// left out), read alone, with their names as the file spells them.
fn read_columns(path: &Path, wanted: &[&str]) -> Result<(DataFrame, Vec<String>), String> {
    let err = |e: PolarsError| format!("{}: {e}", path.display());
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut reader = ParquetReader::new(file);
    let schema = reader.schema().map_err(err)?;
    let present: Vec<String> = wanted
        .iter()
        .filter_map(|w| schema.iter_names().find(|n| n.eq_ignore_ascii_case(w)))
        .map(PlSmallStr::to_string)
        .collect();
    let df = reader
        .with_columns(Some(present.clone()))
        .finish()
        .map_err(err)?;
    Ok((df, present))
}

/// The day a part's `partition=YYYY-MM-DD` folder names.
fn partition_day(p: &crate::data::partitioned::Part, partition: &str) -> Option<i32> {
    let day = p.keys.iter().find(|(k, _)| k == partition)?.1.as_deref()?;
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .ok()
        .map(date_to_day)
}

/// `days` in words for a loading message: `2026-06-01..2026-06-30`.
pub fn days_words(from: i32, to: i32) -> String {
    format!("{}..{}", day_string(from), day_string(to))
}
