//! Reading one input table (CSV or Parquet) with polars into text columns, with the real
//! line of every row, so validation can name file, line, column and value.

use super::csv_scan::{scan_records, strip_bom};
use super::load::LoadReport;
use super::partitioned::{Part, part_files, read_part};
use super::{LoadError, RowError};
use crate::util::Fnv64;
use polars::prelude::*;
use std::io::Cursor;
use std::path::{Path, PathBuf};

/// Whether a CSV record has the header's width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RowShape {
    Ok,
    Blank,
    /// (found, expected) fields.
    Ragged(usize, usize),
}

/// One table parsed to text columns, with the line of each row.
pub(crate) struct Table {
    pub(crate) path: PathBuf,
    /// The files the rows come from (one, or the parts of a partitioned table).
    files: Vec<FileRows>,
    /// The required columns, in the order asked for, as text.
    columns: Vec<Column>,
    /// Line (CSV) or row number (Parquet) of each data row, in its file.
    pub(crate) lines: Vec<usize>,
    /// Shape of each row: fine, a blank line (skipped), or the wrong number of fields.
    shapes: Vec<RowShape>,
}

/// The rows of one file of a table, from `first` on.
struct FileRows {
    first: usize,
    /// Name for messages: `orders.csv`, `orders/day=2026-01-02/part-0.parquet`.
    file: String,
    /// 1-based position of each required column in that file.
    positions: Vec<usize>,
}

pub(super) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> LoadError + '_ {
    move |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub(super) fn parse_err(path: &Path, e: PolarsError) -> LoadError {
    LoadError::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Finds `stem.parquet` (preferred when present), a partitioned `stem/` directory or
/// `stem.csv` in `dir` and reads it.
pub(crate) fn read_table(
    dir: &Path,
    stem: &'static str,
    required: &[&str],
    fingerprint: &mut Fnv64,
) -> Result<Table, LoadError> {
    let parquet = dir.join(format!("{stem}.parquet"));
    let csv = dir.join(format!("{stem}.csv"));
    let parts = dir.join(stem);
    if parquet.is_file() {
        read_parquet(&parquet, required, fingerprint)
    } else if parts.is_dir() {
        read_partitioned(dir, &parts, required, fingerprint)
    } else if csv.is_file() {
        read_csv(&csv, required, fingerprint)
    } else {
        Err(LoadError::Missing {
            dir: dir.to_path_buf(),
            table: stem,
        })
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Matches required columns to the frame's header names (trimmed, case-insensitive).
fn locate_columns(path: &Path, df: &DataFrame, required: &[&str]) -> Result<Vec<usize>, LoadError> {
    let header = df.get_column_names();
    let mut idx = Vec::with_capacity(required.len());
    let mut missing = Vec::new();
    for want in required {
        match header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(want))
        {
            Some(i) => idx.push(i),
            None => missing.push(*want),
        }
    }
    if missing.is_empty() {
        Ok(idx)
    } else {
        Err(LoadError::MissingColumns {
            path: path.to_path_buf(),
            columns: missing.join(", "),
        })
    }
}

/// Reads the CSV file `path` (any name) with its `required` columns.
pub(crate) fn read_csv(path: &Path, required: &[&str], fp: &mut Fnv64) -> Result<Table, LoadError> {
    let raw = std::fs::read(path).map_err(io_err(path))?;
    fp.write(&raw);
    let bytes = strip_bom(&raw);
    let probe = &bytes[..bytes.len().min(8192)];
    if probe.contains(&0) {
        return Err(LoadError::NotCsv {
            path: path.to_path_buf(),
            reason: "contains NUL bytes: binary data".into(),
        });
    }
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(LoadError::NotCsv {
            path: path.to_path_buf(),
            reason: format!("invalid UTF-8 at byte {}", e.valid_up_to()),
        });
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(LoadError::Empty {
            path: path.to_path_buf(),
        });
    }
    let records = scan_records(bytes);
    if records.iter().skip(1).all(|r| r.fields == 0) {
        return Err(LoadError::HeaderOnly {
            path: path.to_path_buf(),
        });
    }
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .map_parse_options(|o| o.with_truncate_ragged_lines(true))
        .into_reader_with_file_handle(Cursor::new(bytes))
        .finish()
        .map_err(|e| parse_err(path, e))?;
    if df.height() + 1 != records.len() {
        return Err(LoadError::Parse {
            path: path.to_path_buf(),
            message: format!(
                "found {} records but the CSV parser read {} rows; check for unbalanced quotes",
                records.len() - 1,
                df.height()
            ),
        });
    }
    let idx = locate_columns(path, &df, required)?;
    let width = records[0].fields;
    let columns = idx.iter().map(|&i| df.columns()[i].clone()).collect();
    Ok(Table {
        path: path.to_path_buf(),
        files: vec![FileRows {
            first: 0,
            file: file_name(path),
            positions: idx.iter().map(|i| i + 1).collect(),
        }],
        columns,
        lines: records[1..].iter().map(|r| r.line).collect(),
        shapes: records[1..]
            .iter()
            .map(|r| match r.fields {
                0 => RowShape::Blank,
                f if f != width => RowShape::Ragged(f, width),
                _ => RowShape::Ok,
            })
            .collect(),
    })
}

fn read_parquet(path: &Path, required: &[&str], fp: &mut Fnv64) -> Result<Table, LoadError> {
    let raw = std::fs::read(path).map_err(io_err(path))?;
    fp.write(&raw);
    if raw.is_empty() {
        return Err(LoadError::Empty {
            path: path.to_path_buf(),
        });
    }
    let df = ParquetReader::new(Cursor::new(raw.as_slice()))
        .finish()
        .map_err(|e| parse_err(path, e))?;
    if df.height() == 0 {
        return Err(LoadError::HeaderOnly {
            path: path.to_path_buf(),
        });
    }
    let idx = locate_columns(path, &df, required)?;
    let columns = idx
        .iter()
        .map(|&i| df.columns()[i].cast(&DataType::String))
        .collect::<PolarsResult<Vec<_>>>()
        .map_err(|e| parse_err(path, e))?;
    Ok(Table {
        path: path.to_path_buf(),
        files: vec![FileRows {
            first: 0,
            file: file_name(path),
            positions: idx.iter().map(|i| i + 1).collect(),
        }],
        columns,
        lines: (1..=df.height()).collect(),
        shapes: vec![RowShape::Ok; df.height()],
    })
}

/// Reads the part files of partitioned table `root` (in data directory `dir`) as one table.
fn read_partitioned(
    dir: &Path,
    root: &Path,
    required: &[&str],
    fp: &mut Fnv64,
) -> Result<Table, LoadError> {
    let parts = part_files(dir, root)?;
    if parts.is_empty() {
        return Err(LoadError::NoParts {
            path: root.to_path_buf(),
        });
    }
    let table = read_parts(root, &parts, required, fp)?;
    if table.lines.is_empty() {
        return Err(LoadError::HeaderOnly {
            path: root.to_path_buf(),
        });
    }
    Ok(table)
}

/// Reads `parts` of partitioned table `root`, in that order, as one table (which may have
/// no rows: an appended day may be empty).
pub(crate) fn read_parts(
    root: &Path,
    parts: &[Part],
    required: &[&str],
    fp: &mut Fnv64,
) -> Result<Table, LoadError> {
    let mut columns: Vec<Column> = Vec::new();
    let mut files = Vec::with_capacity(parts.len());
    let mut lines = Vec::new();
    for part in parts {
        let read = read_part(part, required, fp)?;
        files.push(FileRows {
            first: lines.len(),
            file: part.name.clone(),
            positions: read.positions,
        });
        lines.extend(1..=read.rows);
        if columns.is_empty() {
            columns = read.columns;
        } else {
            for (all, more) in columns.iter_mut().zip(&read.columns) {
                all.append(more).map_err(|e| parse_err(&part.path, e))?;
            }
        }
    }
    if columns.is_empty() {
        // No part at all: empty text columns.
        columns = required
            .iter()
            .map(|c| Column::new_empty((*c).into(), &DataType::String))
            .collect();
    }
    Ok(Table {
        path: root.to_path_buf(),
        files,
        columns,
        shapes: vec![RowShape::Ok; lines.len()],
        lines,
    })
}

impl Table {
    /// The file row `row` comes from.
    fn file_of(&self, row: usize) -> &FileRows {
        let at = self.files.partition_point(|f| f.first <= row);
        &self.files[at.saturating_sub(1)]
    }

    /// Where row `row` is, for messages: `orders.csv:17` or
    /// `orders/day=2026-01-02/part-0.parquet:17`.
    pub(crate) fn place(&self, row: usize) -> String {
        format!("{}:{}", self.file_of(row).file, self.lines[row])
    }

    /// Where row `row` is, after "first on": `line 17` within a single file, else its place.
    pub(crate) fn first_on(&self, row: usize) -> String {
        if self.files.len() == 1 {
            format!("line {}", self.lines[row])
        } else {
            self.place(row)
        }
    }

    /// Calls `f(row, values)` for each row with the required columns' text ("" for null).
    pub(crate) fn for_each_row<'a>(
        &'a self,
        mut f: impl FnMut(usize, &[&'a str]) -> Result<(), RowError>,
        report: &mut LoadReport,
    ) -> Result<(), LoadError> {
        let mut iters = Vec::with_capacity(self.columns.len());
        for c in &self.columns {
            iters.push(c.str().map_err(|e| parse_err(&self.path, e))?.iter());
        }
        let mut values: Vec<&'a str> = vec![""; self.columns.len()];
        for row in 0..self.lines.len() {
            for (v, it) in values.iter_mut().zip(iters.iter_mut()) {
                *v = it.next().flatten().unwrap_or("");
            }
            let result = match self.shapes[row] {
                RowShape::Blank => Ok(()),
                RowShape::Ragged(found, expected) => Err(RowError {
                    file: self.file_of(row).file.clone(),
                    line: self.lines[row],
                    column: None,
                    column_name: None,
                    value: String::new(),
                    reason: format!("expected {expected} fields, found {found}"),
                }),
                RowShape::Ok => f(row, &values),
            };
            if let Err(e) = result {
                report.push(e);
            }
        }
        Ok(())
    }

    /// A row error about column `col` (index into the required columns).
    pub(crate) fn err(
        &self,
        row: usize,
        col: usize,
        name: &str,
        value: &str,
        reason: &str,
    ) -> RowError {
        let file = self.file_of(row);
        RowError {
            file: file.file.clone(),
            line: self.lines[row],
            column: Some(file.positions[col]),
            column_name: Some(name.to_string()),
            value: value.to_string(),
            reason: reason.to_string(),
        }
    }
}
