//! The cube as files other systems write and read: `cells/day=YYYY-MM-DD/*.parquet`, one row
//! per (day, seller, category) with every sum of a [`Cell`], and `manifest.json` saying what
//! it was built from (the models, the risk bands, the label's words, the columns read, each
//! input partition's fingerprint). The Spark job (`spark/returnrisk_spark.py`) writes this
//! layout from a lake; `export cube` writes it from our own cube; `--cube DIR` opens either.
//!
//! Cells' columns: `seller_id`, `category` (text), `orders` ... `delivery_n` (64-bit
//! integers), `risk_sum` ... `price_sum` (doubles), in [`Cell`]'s order; `day` is the folder's.

use super::cube::Cell;
use crate::model::onnx::DataColumns;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The manifest's format name.
pub const FORMAT: &str = "returnrisk-cube";
/// The manifest's format version (a reader refuses others).
pub const FORMAT_VERSION: u32 = 1;
/// The manifest's file name, in the cube's folder.
pub const MANIFEST: &str = "manifest.json";
/// The cells' folder, in the cube's folder.
pub const CELLS: &str = "cells";

/// The count sums' columns, in [`Cell`]'s order.
pub const COUNT_COLUMNS: [&str; 8] = [
    "orders",
    "labelled",
    "returned",
    "high",
    "cod",
    "payment_known",
    "rating_n",
    "delivery_n",
];
/// The other sums' columns, in [`Cell`]'s order.
pub const SUM_COLUMNS: [&str; 7] = [
    "risk_sum",
    "risk_sq_sum",
    "risk_max",
    "revenue_at_risk",
    "rating_sum",
    "delivery_sum",
    "price_sum",
];

/// One model the cube's scores came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CubeModel {
    /// Registry version.
    pub version: Option<u32>,
    /// The run that trained it.
    pub run_id: Option<String>,
}

/// The label's words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CubeLabel {
    /// One order: `return`.
    pub name: String,
    /// Several: `returns`.
    pub plural: String,
}

/// What a cube was built from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CubeManifest {
    /// [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// The program that wrote it.
    pub producer: String,
    /// When (UTC).
    pub built_at: String,
    /// Orders the cells count.
    pub orders: u64,
    /// Cells.
    pub cells: u64,
    /// First day (`YYYY-MM-DD`).
    pub first_day: String,
    /// Last day, the as-of date.
    pub last_day: String,
    /// Whether the risk sums are real.
    pub scored: bool,
    /// The scoring models by name (`global`, a seller's id).
    pub models: BTreeMap<String, CubeModel>,
    /// Risk bands the High counts used.
    pub risk_bands: crate::config::RiskBands,
    /// The label.
    pub label: CubeLabel,
    /// The orders' columns the sums read.
    pub data: DataColumns,
    /// The orders' partition column (`day`).
    pub partition: String,
    /// Each input partition's fingerprint, by partition value (what an increment compares).
    pub inputs: BTreeMap<String, String>,
}

/// Why cube files could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum CubeFilesError {
    /// The output folder is there already.
    #[error("{0} exists: the export never replaces a folder; choose a new one or remove it")]
    Exists(PathBuf),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file is not what the layout says.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, and what to do.
        message: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CubeFilesError + '_ {
    move |source| CubeFilesError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn invalid(path: &Path, message: impl std::fmt::Display) -> CubeFilesError {
    CubeFilesError::Invalid {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

/// One day's cells as the files hold them: seller and category by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NamedCells {
    /// Each cell's seller id.
    pub seller: Vec<String>,
    /// Each cell's category.
    pub category: Vec<String>,
    /// The sums.
    pub cells: Vec<Cell>,
}

/// Writes one day's cells as `dir/cells/day=DATE/part-0.parquet`.
pub fn write_day(dir: &Path, date: &str, day: &NamedCells) -> Result<(), CubeFilesError> {
    let folder = dir.join(CELLS).join(format!("day={date}"));
    std::fs::create_dir_all(&folder).map_err(io(&folder))?;
    let path = folder.join("part-0.parquet");
    let counts: [fn(&Cell) -> u64; 8] = [
        |c| c.orders,
        |c| c.labelled,
        |c| c.returned,
        |c| c.high,
        |c| c.cod,
        |c| c.payment_known,
        |c| c.rating_n,
        |c| c.delivery_n,
    ];
    let sums: [fn(&Cell) -> f64; 7] = [
        |c| c.risk_sum,
        |c| c.risk_sq_sum,
        |c| c.risk_max,
        |c| c.revenue_at_risk,
        |c| c.rating_sum,
        |c| c.delivery_sum,
        |c| c.price_sum,
    ];
    let mut columns: Vec<Column> = vec![
        Column::new("seller_id".into(), &day.seller),
        Column::new("category".into(), &day.category),
    ];
    for (name, f) in COUNT_COLUMNS.iter().zip(counts) {
        let v: Vec<i64> = day.cells.iter().map(|c| f(c) as i64).collect();
        columns.push(Column::new((*name).into(), v));
    }
    for (name, f) in SUM_COLUMNS.iter().zip(sums) {
        let v: Vec<f64> = day.cells.iter().map(f).collect();
        columns.push(Column::new((*name).into(), v));
    }
    let mut df = DataFrame::new(day.cells.len(), columns).map_err(|e| invalid(&path, e))?;
    let file = std::fs::File::create(&path).map_err(io(&path))?;
    ParquetWriter::new(file)
        .finish(&mut df)
        .map_err(|e| invalid(&path, e))?;
    Ok(())
}

/// Writes `manifest` as `dir/manifest.json` (a temporary file, then a rename).
pub fn write_manifest(dir: &Path, manifest: &CubeManifest) -> Result<(), CubeFilesError> {
    let path = dir.join(MANIFEST);
    let mut text = serde_json::to_vec_pretty(manifest).map_err(|e| invalid(&path, e))?;
    text.push(b'\n');
    crate::util::write_atomic(&path, &text).map_err(io(&path))
}

/// The manifest of the cube in `dir`.
pub fn read_manifest(dir: &Path) -> Result<CubeManifest, CubeFilesError> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(io(&path))?;
    let m: CubeManifest = serde_json::from_str(&text)
        .map_err(|e| invalid(&path, format!("not a cube manifest ({e})")))?;
    if m.format != FORMAT || m.format_version != FORMAT_VERSION {
        let found = format!("{} {}", m.format, m.format_version);
        let want = format!("{FORMAT} {FORMAT_VERSION}");
        return Err(invalid(
            &path,
            format!("a cube of format {found}, this program reads {want}: build it again"),
        ));
    }
    Ok(m)
}

/// Cells read back: each seller and category name once, each cell's as an index into them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadCells {
    /// The sellers' ids the cells name.
    pub sellers: Vec<String>,
    /// The categories the cells name.
    pub categories: Vec<String>,
    /// Each day's cells, by date (`YYYY-MM-DD`).
    pub days: BTreeMap<String, DayRows>,
}

/// One day's cells, their seller and category as indices into [`ReadCells`]' names.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DayRows {
    /// Each cell's seller.
    pub seller: Vec<u32>,
    /// Each cell's category.
    pub category: Vec<u32>,
    /// The sums.
    pub cells: Vec<Cell>,
}

/// Names interned in the order they are first seen.
#[derive(Default)]
struct Names {
    names: Vec<String>,
    index: std::collections::HashMap<String, u32>,
}

impl Names {
    fn of(&mut self, name: &str) -> u32 {
        if let Some(&k) = self.index.get(name) {
            return k;
        }
        let k = self.names.len() as u32;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), k);
        k
    }
}

/// Every day's cells in `dir`, read from its part files (in parallel).
pub fn read_days(dir: &Path) -> Result<ReadCells, CubeFilesError> {
    use rayon::prelude::*;
    let root = dir.join(CELLS);
    let parts = crate::data::partitioned::part_files(dir, &root).map_err(|e| invalid(&root, e))?;
    let read: Vec<(String, PartCells)> = parts
        .par_iter()
        .map(|part| {
            let date = part
                .keys
                .iter()
                .find(|(k, _)| k == "day")
                .and_then(|(_, v)| v.clone())
                .ok_or_else(|| invalid(&part.path, "not inside a day=YYYY-MM-DD folder"))?;
            Ok((date, read_part(&part.path)?))
        })
        .collect::<Result<_, CubeFilesError>>()?;
    let (mut sellers, mut categories) = (Names::default(), Names::default());
    let mut days: BTreeMap<String, DayRows> = BTreeMap::new();
    for (date, part) in read {
        let day = days.entry(date).or_default();
        let s: Vec<u32> = part.sellers.iter().map(|n| sellers.of(n)).collect();
        let c: Vec<u32> = part.categories.iter().map(|n| categories.of(n)).collect();
        day.seller
            .extend(part.seller.iter().map(|&k| s[k as usize]));
        day.category
            .extend(part.category.iter().map(|&k| c[k as usize]));
        day.cells.extend(part.cells);
    }
    Ok(ReadCells {
        sellers: sellers.names,
        categories: categories.names,
        days,
    })
}

/// One part file's cells with its own name tables.
struct PartCells {
    sellers: Vec<String>,
    seller: Vec<u32>,
    categories: Vec<String>,
    category: Vec<u32>,
    cells: Vec<Cell>,
}

/// Reads one part file's cells.
fn read_part(path: &Path) -> Result<PartCells, CubeFilesError> {
    let file = std::fs::File::open(path).map_err(io(path))?;
    let df = ParquetReader::new(file)
        .finish()
        .map_err(|e| invalid(path, e))?;
    let names = |name: &str| -> Result<(Vec<String>, Vec<u32>), CubeFilesError> {
        let c = df.column(name).map_err(|e| invalid(path, e))?;
        let c = c.cast(&DataType::String).map_err(|e| invalid(path, e))?;
        let s = c.str().map_err(|e| invalid(path, e))?;
        let mut table = Names::default();
        let index = s
            .iter()
            .map(|v| v.map(|v| table.of(v)))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| invalid(path, format!("{name} is empty in a cell")))?;
        Ok((table.names, index))
    };
    let number = |name: &str| -> Result<Vec<f64>, CubeFilesError> {
        let c = df.column(name).map_err(|e| invalid(path, e))?;
        let c = c.cast(&DataType::Float64).map_err(|e| invalid(path, e))?;
        let s = c.f64().map_err(|e| invalid(path, e))?;
        Ok(s.iter().map(|v| v.unwrap_or(0.0)).collect())
    };
    let count = |name: &str| -> Result<Vec<u64>, CubeFilesError> {
        let c = df.column(name).map_err(|e| invalid(path, e))?;
        let c = c.cast(&DataType::UInt64).map_err(|e| invalid(path, e))?;
        let s = c.u64().map_err(|e| invalid(path, e))?;
        s.iter()
            .map(|v| v.ok_or_else(|| invalid(path, format!("{name}: a missing or negative count"))))
            .collect()
    };
    let n = df.height();
    let counts: Vec<Vec<u64>> = COUNT_COLUMNS
        .iter()
        .map(|c| count(c))
        .collect::<Result<_, _>>()?;
    let sums: Vec<Vec<f64>> = SUM_COLUMNS
        .iter()
        .map(|c| number(c))
        .collect::<Result<_, _>>()?;
    let (sellers, seller) = names("seller_id")?;
    let (categories, category) = names("category")?;
    let cells = (0..n)
        .map(|i| Cell {
            orders: counts[0][i],
            labelled: counts[1][i],
            returned: counts[2][i],
            high: counts[3][i],
            cod: counts[4][i],
            payment_known: counts[5][i],
            rating_n: counts[6][i],
            delivery_n: counts[7][i],
            risk_sum: sums[0][i],
            risk_sq_sum: sums[1][i],
            risk_max: sums[2][i],
            revenue_at_risk: sums[3][i],
            rating_sum: sums[4][i],
            delivery_sum: sums[5][i],
            price_sum: sums[6][i],
        })
        .collect();
    Ok(PartCells {
        sellers,
        seller,
        categories,
        category,
        cells,
    })
}
