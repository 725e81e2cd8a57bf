//! The engine of returnrisk-tui: which orders, sellers and categories of a marketplace are
//! likely to be returned, why, and how that is changing. It knows nothing of the terminal,
//! HTTP, the command line or the case database (its dependencies say so).
//!
//! - [`data`]: the order/seller schema, validated loading (polars) and the demo generator;
//! - [`model`]: feature encoding, random forests (smartcore), TreeSHAP, metrics, the run
//!   store and the model registry;
//! - [`drift`]: Evidently-compatible drift tests between a reference and a current window;
//! - [`engine`]: the pre-aggregated cube and every figure the front ends show, for a window
//!   and a marketplace: alerts, health, forecasts, the briefing, explanations;
//! - [`config`], [`text`], [`util`], [`named`]: the values and helpers every layer shares.

pub mod config;
pub mod data;
pub mod drift;
pub mod engine;
pub mod model;
pub mod named;
pub mod text;
pub mod util;

/// serde, for [`named_enum!`]'s `Serialize` in crates that do not depend on it.
#[doc(hidden)]
pub use serde as __serde;
