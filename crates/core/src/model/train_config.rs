//! How models are trained: the forests' hyper-parameters and when a seller gets its own.

use super::forest::ForestParams;
use serde::{Deserialize, Serialize};

/// How models are trained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Forest hyper-parameters (global and per-seller models).
    pub forest: ForestParams,
    /// A seller gets its own forest from this many labelled orders...
    pub min_seller_orders: usize,
    /// ...and this many returns.
    pub min_seller_returns: usize,
    /// Share of the most recent labelled orders held out for evaluation.
    pub test_fraction: f64,
    /// Rows each tree of the global forest learns from: with more training rows, each tree
    /// draws its own sample of them (like scikit-learn's `max_samples`), so the forest sees
    /// every row for a bounded cost per tree.
    pub max_train_rows: usize,
    /// The same for seller forests (their trees are many: 1,000 sellers are 100,000 trees).
    #[serde(default = "default_seller_samples")]
    pub max_seller_samples: usize,
}

/// Rows each tree of a seller forest learns from by default.
pub const DEFAULT_SELLER_SAMPLES: usize = 4_000;

fn default_seller_samples() -> usize {
    DEFAULT_SELLER_SAMPLES
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            forest: ForestParams::default(),
            min_seller_orders: 200,
            min_seller_returns: 20,
            test_fraction: 0.2,
            max_train_rows: 150_000,
            max_seller_samples: DEFAULT_SELLER_SAMPLES,
        }
    }
}
