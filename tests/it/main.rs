//! The integration tests, one binary (linking the engine, polars, axum, rusqlite and ratatui
//! once instead of once per file): each module is the tests of one subject, `common` the
//! helpers they share (fixtures, a real server on an ephemeral port, the dashboard on a
//! TestBackend).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic in a test or its helpers is a failed test naming its line"
)]

mod common;

mod append;
mod artifacts;
mod cache;
mod cases;
mod cli;
mod cube_cache;
mod cube_files;
mod docs;
mod e2e;
mod engine;
mod explain;
mod export;
mod filters;
mod forecast;
mod generate_partitioned;
mod lifecycle;
mod loader;
mod model;
mod monitoring;
mod names;
mod navigation;
mod notify;
mod olist;
mod partitioned;
mod registry;
mod serve;
mod serve_load;
mod shell;
mod sparse_data;
mod state;
mod tui;
mod tui_lifecycle;
mod unix;
