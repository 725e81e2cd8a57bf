//! returnrisk-tui: which orders, sellers and categories of a marketplace are likely to be
//! returned, why, and how that is changing.
//!
//! The crate is an engine plus front ends. The engine never touches the terminal:
//! - [`data`]: the order/seller schema, validated loading (polars) and the demo generator;
//! - [`model`]: feature encoding, random forests (smartcore), metrics, the run store and
//!   the model registry;
//! - [`drift`]: Evidently-compatible drift tests between a reference and a current window;
//! - [`pipeline`]: validate → train → evaluate → register → predict → drift, locked;
//! - [`engine`]: the pre-aggregated cube and every number the dashboard shows, for a window
//!   and a marketplace filter;
//! - [`report`]: the headless table / JSON / CSV output of the engine's answers;
//! - [`tui`]: the interactive dashboard, a view over the engine;
//! - [`serve`]: the engine over HTTP.

pub mod cases;
pub mod cli;
pub mod commands;
pub mod config;
pub mod config_file;
pub mod data;
pub mod drift;
pub mod engine;
pub mod import;
pub mod logging;
pub mod model;
pub mod named;
pub mod open;
pub mod pipeline;
pub mod report;
pub mod serve;
pub mod text;
pub mod tui;
pub mod util;
