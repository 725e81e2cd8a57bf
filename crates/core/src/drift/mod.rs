//! Drift monitoring: the statistical tests Evidently's DataDriftPreset uses (scipy's
//! definitions), its per-column test choice, and the report comparing a reference window with
//! the most recent days.

pub mod binning;
pub mod cache;
pub mod column;
pub mod moved;
pub mod reference;
pub mod report;
pub mod sample;
pub mod scopes;
pub mod sorted;
pub mod stats;
