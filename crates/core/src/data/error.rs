//! Typed loading errors. File-level errors stop the load; row errors skip the row (or stop it
//! under `--strict`). Every message names the file, and row errors the line, column and value.

use std::fmt;
use std::path::PathBuf;

/// A problem with one row of an input file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowError {
    /// File name, as given.
    pub file: String,
    /// 1-based line where the record starts (the header is line 1); for Parquet, the row number.
    pub line: usize,
    /// 1-based column position, when the error is about one field.
    pub column: Option<usize>,
    /// Column name, when the error is about one field.
    pub column_name: Option<String>,
    /// The offending value (or the field count for ragged rows).
    pub value: String,
    /// What is wrong, in words.
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        if let (Some(col), Some(name)) = (self.column, &self.column_name) {
            write!(f, ": column {col} ({name})")?;
        }
        if self.column.is_none() && self.value.is_empty() {
            write!(f, ": {}", self.reason)
        } else {
            write!(f, ": {}: {:?}", self.reason, self.value)
        }
    }
}

/// Why a dataset could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The data directory's `schema.toml` is unusable.
    #[error(transparent)]
    Schema(#[from] super::schema::SchemaError),
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Neither CSV nor Parquet tables were found.
    #[error("{dir}: no {table}.csv or {table}.parquet")]
    Missing {
        /// The data directory.
        dir: PathBuf,
        /// `orders` or `sellers`.
        table: &'static str,
    },
    /// The file is binary or not UTF-8 text.
    #[error("{path}: not a CSV text file ({reason})")]
    NotCsv {
        /// The file.
        path: PathBuf,
        /// What gave it away.
        reason: String,
    },
    /// A partitioned table directory without Parquet part files.
    #[error(
        "{path}: no *.parquet part files (a partitioned table holds key=value/ directories of Parquet files)"
    )]
    NoParts {
        /// The directory.
        path: PathBuf,
    },
    /// Zero bytes, or only whitespace.
    #[error("{path}: file is empty")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// A header and no data rows.
    #[error("{path}: has a header but no data rows")]
    HeaderOnly {
        /// The file.
        path: PathBuf,
    },
    /// Required columns are absent from the header.
    #[error("{path}: missing required column(s): {columns}")]
    MissingColumns {
        /// The file.
        path: PathBuf,
        /// Comma-separated names.
        columns: String,
    },
    /// polars could not parse the file.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// polars' message.
        message: String,
    },
    /// `--strict` and at least one row was invalid.
    #[error("{count} invalid row(s) (--strict); first: {first}")]
    Strict {
        /// How many rows were invalid.
        count: usize,
        /// The first one.
        first: Box<RowError>,
    },
    /// Every row was invalid.
    #[error("{path}: no valid rows ({count} invalid); first: {first}")]
    NoValidRows {
        /// The file.
        path: PathBuf,
        /// How many rows were invalid.
        count: usize,
        /// The first one.
        first: Box<RowError>,
    },
}
