//! Headless output of the engine's answers: aligned tables for people, JSON and CSV for
//! scripts. The numbers are the dashboard's, printed.

mod cases;
mod drift;
mod forecast;
mod predictions;
mod runs;
mod seller;
mod snapshot;

pub use cases::{case_text, cases_csv, cases_table};
pub use drift::{drift_html, drift_table};
pub use forecast::{
    backtest_csv, backtest_table, brief_csv, brief_table, forecast_csv, forecast_table,
};
pub use predictions::{PREDICTIONS_HEADER, predictions_csv};
pub use runs::{comparison_table, registry_table, run_text, runs_table};
pub use seller::{metrics_table, seller_csv, seller_table};
pub use snapshot::{snapshot_csv, snapshot_table};

use crate::text;
use std::fmt::Write as _;

/// Output format of a headless command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned text tables.
    Table,
    /// JSON (field names are a documented contract).
    Json,
    /// CSV.
    Csv,
}

/// A percentage or "n/a".
pub fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{:.1}%", 100.0 * v))
}

/// A number with `d` decimals or "n/a".
pub fn num(v: Option<f64>, d: usize) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{v:.d$}"))
}

/// A slope per day shown as points per 30 days with an arrow.
pub fn trend_arrow(slope: Option<f64>) -> String {
    match slope {
        None => "n/a".into(),
        Some(s) => {
            let per30 = 100.0 * s * 30.0;
            let arrow = if per30 > 1.0 {
                "↑"
            } else if per30 < -1.0 {
                "↓"
            } else {
                "→"
            };
            format!("{arrow}{per30:+.1}")
        }
    }
}

/// Renders rows as an aligned table; numeric-looking cells are right-aligned.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    // Display widths: CJK and emoji take two columns, accents and hidden characters none.
    let mut widths: Vec<usize> = headers.iter().map(|h| text::width(h)).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(text::width(c));
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>, out: &mut String| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, &w)| {
                // Numbers (and "12.5%", "↑+1.2") align right; prose starting with a digit does not.
                let numeric = !c.contains(' ')
                    && c.chars()
                        .next()
                        .is_some_and(|ch| ch.is_ascii_digit() || "-+↑↓→".contains(ch));
                text::pad(c, w, numeric)
            })
            .collect();
        let _ = writeln!(out, "{}", parts.join("  ").trim_end());
    };
    line(headers.to_vec(), &mut out);
    line(
        widths
            .iter()
            .map(|&w| "-".repeat(w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
        &mut out,
    );
    for r in rows {
        line(r.iter().map(String::as_str).collect(), &mut out);
    }
    out
}

/// A number for CSV: empty when unknown.
pub fn opt(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}
