//! `e`: the focused table, as shown (filtered and sorted), to a CSV file named by what it
//! holds (`returnrisk-orders-S023-Footwear-30d-M002.csv`), with the context (window,
//! marketplace, and the table's own scope) in every row. An existing file is never replaced:
//! the name gets a counter (`-2`, `-3`, ...) and the message says so. Pages build the
//! [`ExportTable`]; the event loop writes it ([`write`]), so `update` does no file I/O.

use returnrisk_core::data::label::LabelNoun;
use returnrisk_core::text::csv_field;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A table to write.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportTable {
    /// What the rows are, then their scope, for the file name (`orders`, `S023`, ...).
    pub name: Vec<String>,
    /// Column names.
    pub header: Vec<&'static str>,
    /// Cells, row by row (as many as the header).
    pub rows: Vec<Vec<String>>,
}

/// A number for a CSV cell (empty when unknown).
pub fn opt(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

impl ExportTable {
    /// Prepends the window and marketplace columns (the same value on every row) and adds
    /// both to the name.
    pub fn with_context(
        mut self,
        window: returnrisk_core::engine::Window,
        marketplace: Option<&str>,
    ) -> Self {
        let window = match window {
            returnrisk_core::engine::Window::All => "all-time".to_string(),
            w @ returnrisk_core::engine::Window::Days(_) => format!("{w}d"),
        };
        let market = marketplace.unwrap_or("all");
        self.header.splice(0..0, ["window", "marketplace"]);
        for r in &mut self.rows {
            r.splice(0..0, [window.clone(), market.to_string()]);
        }
        self.name.push(window);
        self.name
            .push(marketplace.map_or("all-markets".into(), str::to_string));
        self
    }

    /// The file name without a counter.
    pub fn file_stem(&self) -> String {
        let parts: Vec<String> = self.name.iter().map(|p| file_safe(p)).collect();
        format!("returnrisk-{}", parts.join("-"))
    }

    /// The CSV text, its header in the label's words ([`LabelNoun::field`]).
    pub fn csv(&self, noun: &LabelNoun) -> String {
        let header: Vec<_> = self.header.iter().map(|h| noun.field(h)).collect();
        let mut text = header.join(",");
        text.push('\n');
        for r in &self.rows {
            let cells: Vec<String> = r.iter().map(|c| csv_field(c)).collect();
            text.push_str(&cells.join(","));
            text.push('\n');
        }
        text
    }
}

/// A name part safe in a file name on any system: letters, digits, `.`, `_`, `+`, `-` kept,
/// anything else (spaces, slashes, control characters) becomes `_`.
fn file_safe(s: &str) -> String {
    let safe: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '_' | '+' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    safe.trim_start_matches('.').to_string()
}

/// Writes `table` (its header in `noun`'s words) into `dir` under a name no file has yet; returns the message to show.
pub fn write(dir: &Path, table: &ExportTable, noun: &LabelNoun) -> String {
    let stem = table.file_stem();
    let text = table.csv(noun);
    for n in 1..10_000u32 {
        let name = match n {
            1 => format!("{stem}.csv"),
            n => format!("{stem}-{n}.csv"),
        };
        let path = dir.join(&name);
        let shown = std::path::absolute(&path).unwrap_or(path.clone());
        match create_new(&path, text.as_bytes()) {
            Ok(()) => {
                let kept = if n > 1 {
                    format!(" ({stem}.csv exists and was kept)")
                } else {
                    String::new()
                };
                return format!(
                    "exported {} rows to {}{kept}",
                    table.rows.len(),
                    shown.display()
                );
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return format!("export failed: {}: {e}", shown.display()),
        }
    }
    format!("export failed: {stem}.csv and 9,999 numbered copies exist")
}

/// Creates `path` (failing if anything is there, even a dangling link) and writes `bytes`;
/// a failed write removes the partial file.
fn create_new(path: &PathBuf, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    let written = f.write_all(bytes).and_then(|()| f.sync_all());
    if written.is_err() {
        let _ = std::fs::remove_file(path);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;
    use returnrisk_core::engine::Window;

    fn table() -> ExportTable {
        ExportTable {
            name: vec!["orders".into(), "S023".into(), "Home & Garden/Tools".into()],
            header: vec!["order_id", "risk"],
            rows: vec![vec!["O1".into(), "0.5".into()]],
        }
        .with_context(Window::Days(30), Some("M002"))
    }

    #[test]
    fn names_say_what_the_file_holds_and_rows_carry_the_context() {
        let t = table();
        assert_eq!(
            t.file_stem(),
            "returnrisk-orders-S023-Home___Garden_Tools-30d-M002"
        );
        assert_eq!(
            t.csv(&LabelNoun::default()),
            "window,marketplace,order_id,risk\n30d,M002,O1,0.5\n"
        );
        let all = ExportTable {
            name: vec!["sellers".into()],
            header: vec![],
            rows: vec![],
        }
        .with_context(Window::All, None);
        assert_eq!(all.file_stem(), "returnrisk-sellers-all-time-all-markets");
    }

    #[test]
    fn an_existing_file_is_kept_and_the_new_one_numbered() {
        let dir = tempfile::tempdir().unwrap();
        let t = table();
        let first = write(dir.path(), &t, &LabelNoun::default());
        assert!(first.ends_with("30d-M002.csv"), "{first}");
        std::fs::write(dir.path().join(format!("{}-2.csv", t.file_stem())), "mine").unwrap();
        let third = write(dir.path(), &t, &LabelNoun::default());
        assert!(
            third.contains("30d-M002-3.csv (returnrisk-orders-"),
            "{third}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join(format!("{}-2.csv", t.file_stem()))).unwrap(),
            "mine"
        );
    }
}
