//! One file per tab, plus the seller drill-down.

pub mod alerts;
pub mod categories;
pub mod detail;
pub mod drift;
pub mod marketplace;
pub mod models;
pub mod sellers;

use super::app::{App, Training};

/// What a risk cell shows while there are no scores.
pub fn risk_placeholder(app: &App) -> &'static str {
    match app.training {
        Training::Starting | Training::Running(..) => "training",
        _ => "n/a",
    }
}
