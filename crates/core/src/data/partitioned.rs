//! A table stored as a Hive-partitioned Parquet dataset: a directory such as `orders/` of
//! `key=value/` directories (any keys, any depth) holding `*.parquet` part files, the layout
//! Spark, Trino, DuckDB and polars write. Each part is read with only the columns asked for
//! (projection); a column a part lacks is taken from its partition keys (`day=2026-01-02`),
//! percent-decoded, `__HIVE_DEFAULT_PARTITION__` being null. Hidden files and writers'
//! markers (`.crc`, `_SUCCESS`) are skipped. Parts are read in path order, so a dataset
//! partitioned by day reads in day order.

use super::LoadError;
use super::table::{io_err, parse_err};
use crate::util::Fnv64;
use polars::prelude::*;
use std::io::Cursor;
use std::path::{Path, PathBuf};

/// Hive's name for a null partition value.
const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// One part file of a partitioned table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// The file.
    pub path: PathBuf,
    /// Its path from the data directory, `orders/day=2026-01-02/part-0.parquet`.
    pub name: String,
    /// The `key=value` pairs of its directories, outermost first (`None`: null).
    pub keys: Vec<(String, Option<String>)>,
}

/// The part files under `root` (a table directory inside data directory `dir`), sorted by path.
pub fn part_files(dir: &Path, root: &Path) -> Result<Vec<Part>, LoadError> {
    let mut parts = Vec::new();
    walk(dir, root, &mut Vec::new(), &mut parts)?;
    parts.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(parts)
}

fn walk(
    dir: &Path,
    at: &Path,
    keys: &mut Vec<(String, Option<String>)>,
    out: &mut Vec<Part>,
) -> Result<(), LoadError> {
    let io = |source| LoadError::Io {
        path: at.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(at).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.starts_with('_') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            let pushed = name.split_once('=').map(|(k, v)| {
                let value = (v != NULL_PARTITION).then(|| percent_decode(v));
                keys.push((percent_decode(k), value));
            });
            walk(dir, &path, keys, out)?;
            if pushed.is_some() {
                keys.pop();
            }
        } else if name.ends_with(".parquet") {
            let relative = path.strip_prefix(dir).unwrap_or(&path);
            out.push(Part {
                name: relative.to_string_lossy().into_owned(),
                path,
                keys: keys.clone(),
            });
        }
    }
    Ok(())
}

/// Decodes `%XX` escapes (Hive escapes `/`, `=`, `:` and the like in partition values).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).and_then(|&c| hex(c)),
            b.get(i + 2).and_then(|&c| hex(c)),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One part's `required` columns as text, in that order.
pub(crate) struct PartColumns {
    /// The columns.
    pub columns: Vec<Column>,
    /// Rows.
    pub rows: usize,
    /// 1-based position of each column: in the file, or after its columns for partition keys
    /// (where Hive readers put them).
    pub positions: Vec<usize>,
}

/// Reads one part's `required` columns (only those from the file).
pub(crate) fn read_part(
    part: &Part,
    required: &[&str],
    fp: &mut Fnv64,
) -> Result<PartColumns, LoadError> {
    let err = |e| parse_err(&part.path, e);
    let raw = std::fs::read(&part.path).map_err(io_err(&part.path))?;
    fp.write(part.name.as_bytes());
    fp.write(&raw);
    let mut reader = ParquetReader::new(Cursor::new(raw.as_slice()));
    let schema = reader.schema().map_err(err)?;
    let names: Vec<String> = schema
        .iter_names()
        .map(polars::prelude::PlSmallStr::to_string)
        .collect();
    let find = |want: &str| {
        names
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(want))
    };
    let from_file: Vec<String> = required
        .iter()
        .filter_map(|w| find(w).map(|i| names[i].clone()))
        .collect();
    let df = reader.with_columns(Some(from_file)).finish().map_err(err)?;
    let n = df.height();
    let mut columns = Vec::with_capacity(required.len());
    let mut positions = Vec::with_capacity(required.len());
    let mut missing = Vec::new();
    for want in required {
        let key_at = part
            .keys
            .iter()
            .position(|(k, _)| k.trim().eq_ignore_ascii_case(want));
        let key = key_at.map(|k| &part.keys[k]);
        let in_file = find(want);
        positions.push(in_file.map_or(names.len() + key_at.unwrap_or(0), |i| i) + 1);
        let column = match (in_file, key) {
            (Some(i), _) => df
                .column(&names[i])
                .and_then(|c| c.cast(&DataType::String))
                .map_err(err)?,
            (None, Some((_, Some(value)))) => {
                StringChunked::full((*want).into(), value, n).into_column()
            }
            (None, Some((_, None))) => Column::full_null((*want).into(), n, &DataType::String),
            (None, None) => {
                missing.push(*want);
                continue;
            }
        };
        columns.push(column);
    }
    if !missing.is_empty() {
        return Err(LoadError::MissingColumns {
            path: part.path.clone(),
            columns: missing.join(", "),
        });
    }
    Ok(PartColumns {
        columns,
        rows: n,
        positions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_values_are_percent_decoded() {
        assert_eq!(percent_decode("2026-01-02"), "2026-01-02");
        assert_eq!(percent_decode("a%3Db%2Fc%20d"), "a=b/c d");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
