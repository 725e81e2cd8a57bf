//! What the server answers from: the engine with its models, and the run store, shared
//! read-only. A request clones an `Arc` and never waits for a load; a load (at start, or a
//! reload later) builds a whole new [`Served`] off the request path and swaps it in.

use super::error::ApiError;
use returnrisk_core::engine::Engine;
use returnrisk_core::model::store::Lifecycle;
use std::sync::{Arc, RwLock};

/// One consistent view: data, scores, cube, models and the registry they came from.
pub struct Served {
    /// The engine, with its models installed.
    pub engine: Engine,
    /// The registry and runs read with it.
    pub lifecycle: Lifecycle,
}

/// The server's shared state.
pub struct ServerState {
    served: RwLock<Option<Arc<Served>>>,
    /// Why there is nothing to serve yet (or at all).
    waiting: RwLock<String>,
    /// Orders a batch may hold.
    pub max_batch: usize,
    /// Orders a batch with `explain=true` may hold.
    pub max_explain_batch: usize,
    /// Where batches and explanations are computed, off the async runtime.
    pub pool: super::pool::WorkPool,
    /// What `/metrics` reports.
    pub metrics: super::metrics::Metrics,
    /// The data directory (its case database answers `/api/v1/cases`).
    pub data_dir: std::path::PathBuf,
    /// Whether requests need the bearer token (case changes are refused without one).
    pub token_required: bool,
    /// Who is told of case events (`[notify]`).
    pub notify: returnrisk_cases::notify::Notify,
}

impl ServerState {
    /// A state with nothing loaded yet, over data directory `data_dir`.
    pub fn new(
        max_batch: usize,
        data_dir: std::path::PathBuf,
        token_required: bool,
    ) -> ServerState {
        ServerState {
            served: RwLock::new(None),
            waiting: RwLock::new("loading data and models".into()),
            max_batch,
            max_explain_batch: super::predict::MAX_EXPLAIN_BATCH,
            pool: super::pool::WorkPool::per_core(),
            metrics: Default::default(),
            data_dir,
            token_required,
            notify: Default::default(),
        }
    }

    /// The view to answer from; 503 with the reason while there is none.
    pub fn current(&self) -> Result<Arc<Served>, ApiError> {
        let served = self
            .served
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        served.clone().ok_or_else(|| {
            let why = self
                .waiting
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            ApiError::unavailable(why.clone())
        })
    }

    /// Serves `s` from now on (requests under way finish on the view they started with).
    pub fn install(&self, s: Served) {
        *self
            .served
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(s));
    }

    /// Says why nothing can be served.
    pub fn fail(&self, why: String) {
        *self
            .waiting
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = why;
    }
}
