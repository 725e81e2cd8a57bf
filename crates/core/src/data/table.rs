//! Reading one input table (CSV or Parquet) with polars into text columns, with the real
//! line of every row, so validation can name file, line, column and value.

use super::csv_scan::{Malformed, RecordInfo};
use super::load::LoadReport;
use super::partitioned::{Part, part_files, read_part};
use super::{LoadError, RowError};
use crate::util::Fnv64;
use polars::prelude::*;
use std::io::Cursor;
use std::path::{Path, PathBuf};

/// Whether a CSV record can be read as a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RowShape {
    Ok,
    Blank,
    /// (found, expected) fields.
    Ragged(usize, usize),
    /// Invalid as CSV: why, the field's header name, and the start of its text.
    Malformed(Malformed, Option<String>, String),
}

/// One table (or one chunk of it) parsed to text columns, with the line of each row.
#[derive(Clone)]
pub struct Table {
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
#[derive(Clone)]
pub(crate) struct FileRows {
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

/// Where a table of a data directory is stored: `stem.parquet` (preferred when present), a
/// partitioned `stem/` directory of Parquet parts, or `stem.csv`.
pub(crate) enum TableFile {
    /// One Parquet file.
    Parquet(PathBuf),
    /// A partitioned directory and its part files, in read order.
    Parts { root: PathBuf, parts: Vec<Part> },
    /// One CSV file.
    Csv(PathBuf),
}

impl TableFile {
    /// Finds table `stem` in `dir`.
    pub(crate) fn find(dir: &Path, stem: &'static str) -> Result<TableFile, LoadError> {
        let parquet = dir.join(format!("{stem}.parquet"));
        let csv = dir.join(format!("{stem}.csv"));
        let root = dir.join(stem);
        if parquet.is_file() {
            Ok(TableFile::Parquet(parquet))
        } else if root.is_dir() {
            let parts = part_files(dir, &root)?;
            if parts.is_empty() {
                return Err(LoadError::NoParts { path: root });
            }
            Ok(TableFile::Parts { root, parts })
        } else if csv.is_file() {
            Ok(TableFile::Csv(csv))
        } else {
            Err(LoadError::Missing {
                dir: dir.to_path_buf(),
                table: stem,
            })
        }
    }

    /// The file or directory, for messages.
    pub(crate) fn path(&self) -> &Path {
        match self {
            TableFile::Parquet(p) | TableFile::Csv(p) => p,
            TableFile::Parts { root, .. } => root,
        }
    }

    /// True when the rows come from one file.
    pub(crate) fn single_file(&self) -> bool {
        match self {
            TableFile::Parts { parts, .. } => parts.len() == 1,
            _ => true,
        }
    }

    /// Reads the table's `required` columns one chunk at a time (a CSV in blocks of whole
    /// records, a partitioned table part by part), calling `each` on every chunk in order,
    /// so memory holds one chunk's text, never the whole table's.
    pub(crate) fn scan(
        &self,
        required: &[&str],
        fp: &mut Fnv64,
        mut each: impl FnMut(&Table) -> Result<(), LoadError>,
    ) -> Result<(), LoadError> {
        match self {
            TableFile::Parquet(path) => each(&read_parquet(path, required, fp)?),
            TableFile::Csv(path) => super::csv_stream::scan_csv(path, required, fp, each),
            TableFile::Parts { root, parts } => {
                let mut rows = 0;
                for part in parts {
                    let t = read_parts(root, std::slice::from_ref(part), required, fp)?;
                    rows += t.lines.len();
                    each(&t)?;
                }
                if rows == 0 {
                    return Err(LoadError::HeaderOnly { path: root.clone() });
                }
                Ok(())
            }
        }
    }
}

/// Reads table `stem` of `dir` whole (the sellers; small tables).
pub(crate) fn read_table(
    dir: &Path,
    stem: &'static str,
    required: &[&str],
    fingerprint: &mut Fnv64,
) -> Result<Table, LoadError> {
    let file = TableFile::find(dir, stem)?;
    collect(file.path(), |each| file.scan(required, fingerprint, each))
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
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

/// Reads the CSV file `path` (any name) whole, with its `required` columns.
pub fn read_csv(path: &Path, required: &[&str], fp: &mut Fnv64) -> Result<Table, LoadError> {
    collect(path, |each| {
        super::csv_stream::scan_csv(path, required, fp, each)
    })
}

/// The chunks a `scan` gives, appended into one table.
fn collect(
    path: &Path,
    scan: impl FnOnce(&mut dyn FnMut(&Table) -> Result<(), LoadError>) -> Result<(), LoadError>,
) -> Result<Table, LoadError> {
    let mut whole: Option<Table> = None;
    scan(&mut |t| {
        match &mut whole {
            None => whole = Some(t.clone()),
            Some(w) => w.append(t).map_err(|e| parse_err(path, e))?,
        }
        Ok(())
    })?;
    whole.ok_or_else(|| LoadError::HeaderOnly {
        path: path.to_path_buf(),
    })
}

/// Parses CSV `bytes` (a header, then whole records; `records` from the scanner with each
/// record's line in the file, a record invalid as CSV standing as a row of empty fields) to
/// a table of its `required` columns; `excerpts[i]`: the start of record i's bad field.
pub(super) fn csv_table(
    path: &Path,
    bytes: &[u8],
    records: &[RecordInfo],
    excerpts: &[String],
    required: &[&str],
) -> Result<Table, LoadError> {
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
    let header = df.get_column_names();
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
            .zip(
                excerpts
                    .iter()
                    .skip(1)
                    .chain(std::iter::repeat(&String::new())),
            )
            .map(|(r, excerpt)| match (r.problem, r.fields) {
                (Some(m), _) => {
                    let name = m.field().and_then(|f| Some(header.get(f - 1)?.to_string()));
                    RowShape::Malformed(m, name, excerpt.clone())
                }
                (None, 0) => RowShape::Blank,
                (None, f) if f != width => RowShape::Ragged(f, width),
                (None, _) => RowShape::Ok,
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

    /// The file row `row` was read from, and its line (CSV) or row (Parquet) there.
    pub(crate) fn file_line(&self, row: usize) -> (&str, usize) {
        (&self.file_of(row).file, self.lines[row])
    }

    /// Appends the rows of `more`, a later chunk of the same table.
    fn append(&mut self, more: &Table) -> PolarsResult<()> {
        let base = self.lines.len();
        for (all, c) in self.columns.iter_mut().zip(&more.columns) {
            all.append(c)?;
        }
        for f in &more.files {
            if self.files.last().is_none_or(|last| last.file != f.file) {
                self.files.push(FileRows {
                    first: base + f.first,
                    ..f.clone()
                });
            }
        }
        self.lines.extend_from_slice(&more.lines);
        self.shapes.extend_from_slice(&more.shapes);
        Ok(())
    }

    /// Data rows read (blank and malformed lines included).
    pub fn rows(&self) -> usize {
        self.lines.len()
    }

    /// Calls `f(row, values)` for each row with the required columns' text ("" for null).
    pub fn for_each_row<'a>(
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
            let result = match &self.shapes[row] {
                RowShape::Blank => Ok(()),
                RowShape::Malformed(m, name, excerpt) => Err(RowError {
                    file: self.file_of(row).file.clone(),
                    line: self.lines[row],
                    column: m.field(),
                    column_name: name.clone(),
                    value: excerpt.clone(),
                    reason: m.reason(),
                }),
                &RowShape::Ragged(found, expected) => Err(RowError {
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
    pub fn err(&self, row: usize, col: usize, name: &str, value: &str, reason: &str) -> RowError {
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
