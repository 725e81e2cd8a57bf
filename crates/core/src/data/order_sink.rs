//! Where the generator's orders go: one `orders.csv`, or a Hive-partitioned Parquet
//! directory of one part per day (`orders/day=YYYY-MM-DD/part-0.parquet`), the layout a
//! warehouse export has. The parts hold every column as text, exactly the CSV's cells, so
//! both forms load to the same orders.

use polars::prelude::*;
use std::io::{BufWriter, Cursor, Write};
use std::path::{Path, PathBuf};

/// How `generate` lays out the orders.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OrdersLayout {
    /// One `orders.csv`.
    #[default]
    Csv,
    /// `orders/day=YYYY-MM-DD/part-0.parquet`.
    PartitionedByDay,
}

impl OrdersLayout {
    /// The name of the orders table in the data directory (file or directory).
    pub fn name(self) -> &'static str {
        match self {
            OrdersLayout::Csv => "orders.csv",
            OrdersLayout::PartitionedByDay => "orders",
        }
    }
}

/// An open destination for order rows (CSV lines, header first).
pub(super) enum OrderSink {
    Csv(BufWriter<std::fs::File>),
    Days {
        root: PathBuf,
        header: String,
        day: Option<String>,
        rows: Vec<u8>,
    },
}

impl OrderSink {
    /// Creates the file or directory `path` for `layout`, with CSV `header`.
    pub(super) fn create(path: &Path, layout: OrdersLayout, header: &str) -> std::io::Result<Self> {
        Ok(match layout {
            OrdersLayout::Csv => {
                let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
                writeln!(w, "{header}")?;
                OrderSink::Csv(w)
            }
            OrdersLayout::PartitionedByDay => {
                std::fs::create_dir_all(path)?;
                OrderSink::Days {
                    root: path.to_path_buf(),
                    header: header.to_string(),
                    day: None,
                    rows: Vec::new(),
                }
            }
        })
    }

    /// Starts the rows of `day` (YYYY-MM-DD); the previous day's part is written.
    pub(super) fn start_day(&mut self, date: &str) -> std::io::Result<()> {
        self.flush_day()?;
        if let OrderSink::Days { day, .. } = self {
            *day = Some(date.to_string());
        }
        Ok(())
    }

    /// Where the current day's rows are written, one CSV line each.
    pub(super) fn rows(&mut self) -> &mut dyn Write {
        match self {
            OrderSink::Csv(w) => w,
            OrderSink::Days { rows, .. } => rows,
        }
    }

    /// Writes what is buffered.
    pub(super) fn finish(mut self) -> std::io::Result<()> {
        self.flush_day()?;
        if let OrderSink::Csv(w) = &mut self {
            w.flush()?;
        }
        Ok(())
    }

    fn flush_day(&mut self) -> std::io::Result<()> {
        let OrderSink::Days {
            root,
            header,
            day,
            rows,
        } = self
        else {
            return Ok(());
        };
        let Some(date) = day.take() else {
            return Ok(());
        };
        if rows.is_empty() {
            return Ok(());
        }
        let mut csv = Vec::with_capacity(header.len() + 1 + rows.len());
        csv.extend_from_slice(header.as_bytes());
        csv.push(b'\n');
        csv.append(rows);
        let mut df = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .into_reader_with_file_handle(Cursor::new(csv))
            .finish()
            .map_err(std::io::Error::other)?;
        let dir = root.join(format!("day={date}"));
        std::fs::create_dir_all(&dir)?;
        let file = std::fs::File::create(dir.join("part-0.parquet"))?;
        ParquetWriter::new(file)
            .finish(&mut df)
            .map_err(std::io::Error::other)?;
        Ok(())
    }
}
