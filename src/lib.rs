//! returnrisk-tui: which orders, sellers and categories of a marketplace are likely to be
//! returned, why, and how that is changing.
//!
//! This crate is the binary's: the command line ([`cli`]: clap's flags, turned into each
//! layer's settings) and its dispatch ([`commands`]), and the headless commands' own work:
//! [`report`] (tables, CSV and JSON of the engine's answers), [`import`] (the Olist tables),
//! [`mlflow`] (runs in an MLflow tracking server) and [`pipeline`] (validate -> train -> ...
//! -> cases, for cron). The layers below are
//! crates of their own (see ARCHITECTURE.md), re-exported here under their module names:
//! the engine (`returnrisk-core`), the case store (`returnrisk-cases`), the configuration
//! file and data opening (`returnrisk-setup`), the dashboard (`returnrisk-dashboard`) and
//! the server (`returnrisk-server`).

pub mod cli;
pub mod commands;
pub mod import;
pub mod logging;
pub mod mlflow;
pub mod pipeline;
pub mod report;

/// The version `--version` prints: the package's, with the commit and its date when built
/// from a git checkout.
pub const VERSION: &str = env!("RETURNRISK_VERSION");

pub use returnrisk_cases as cases;
pub use returnrisk_core::{config, data, drift, engine, model, named, named_enum, text, util};
pub use returnrisk_dashboard as tui;
pub use returnrisk_server as serve;
pub use returnrisk_setup::{config_file, open};
