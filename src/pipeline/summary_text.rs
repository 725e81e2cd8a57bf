//! The pipeline's summary as text (`pipeline --format table`): one line per step, then the
//! files written.

use super::PipelineSummary;
use crate::report::table;
use std::fmt::Write as _;

impl PipelineSummary {
    /// One line per step, whether it ran, its seconds and what it did; then the files written.
    pub fn table(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .steps
            .iter()
            .map(|o| {
                vec![
                    o.step.name().to_string(),
                    if o.ran { "done" } else { "skipped" }.to_string(),
                    format!("{:.2}", o.seconds),
                    o.detail.clone(),
                ]
            })
            .collect();
        let mut out = table(&["Step", "Status", "Seconds", "Detail"], &rows);
        if self.up_to_date {
            out.push_str("Up to date: nothing changed since the last pipeline run.\n");
        }
        for p in &self.outputs {
            let _ = writeln!(out, "wrote {}", p.display());
        }
        out
    }
}
