//! Models: feature encoding, forests, metrics, training with a time split, persistence, and
//! scoring of every order.

pub mod artifact;
pub mod compare;
pub mod features;
pub mod forest;
pub mod hist;
pub mod importance;
pub mod lock;
pub mod lockstep;
pub mod metrics;
pub mod onnx;
pub mod prune;
pub mod recover;
pub mod register;
pub mod registry;
pub mod runs;
pub mod sampled;
pub mod score_cache;
pub mod shap;
pub mod store;
pub mod train;
pub mod train_config;
pub mod version_state;

use crate::data::{Column, Dataset, OrderFeatures};
use features::FeatureEncoder;
use forest::CompactForest;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use train::{Holdout, TrainOutput, TrainProgress, train_models};
pub use train_config::TrainConfig;

/// Name of the marketplace-wide model in outputs (`model` fields).
pub const GLOBAL: &str = "global";

/// Holdout metrics of one model (scikit-learn definitions; `None` = n/a).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelMetrics {
    /// `global` or the seller id.
    pub model: String,
    /// Training rows (after the `max_train_rows` cap).
    pub n_train: usize,
    /// Holdout rows.
    pub n_test: usize,
    /// Return rate of the holdout.
    pub base_rate: Option<f64>,
    /// ROC AUC on the holdout.
    pub roc_auc: Option<f64>,
    /// Average precision on the holdout.
    pub pr_auc: Option<f64>,
    /// Brier score on the holdout.
    pub brier: Option<f64>,
    /// Accuracy at the threshold.
    pub accuracy: Option<f64>,
    /// Precision at the threshold.
    pub precision: Option<f64>,
    /// Recall at the threshold.
    pub recall: Option<f64>,
    /// F1 at the threshold.
    pub f1: Option<f64>,
    /// Decision threshold: maximum F1 on out-of-bag predictions of the training period.
    pub threshold: f64,
    /// First day of the holdout (YYYY-MM-DD).
    pub test_start: Option<String>,
    /// First day of the training rows.
    pub train_start: Option<String>,
    /// For a seller model: the global model's Brier score on the same holdout orders.
    pub global_brier: Option<f64>,
    /// For a seller model: the global model's ROC AUC on the same holdout orders.
    pub global_roc_auc: Option<f64>,
}

/// A feature's effect on a model's holdout: the rise in Brier score when it is shuffled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Driver {
    /// Feature name.
    pub feature: String,
    /// Mean Brier increase over the shuffles (higher = the model leans on it more).
    pub importance: f64,
}

/// One trained model with its encoding and evaluation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainedModel {
    /// Encoding fitted on this model's training rows.
    pub encoder: FeatureEncoder,
    /// The forest.
    pub forest: CompactForest,
    /// Holdout metrics.
    pub metrics: ModelMetrics,
    /// Permutation importance on the model's whole holdout, largest first.
    pub drivers: Vec<Driver>,
    /// Whether it scores orders. In a run's artifacts: whether a seller's own model beat the
    /// run's global model on the seller's holdout. In the set the registry assembles: true for
    /// every seller model included (the registry's active version).
    pub active: bool,
}

impl TrainedModel {
    /// Scores one order.
    pub fn score(&self, f: &OrderFeatures) -> f64 {
        self.forest.predict_one(&self.encoder.encode(f))
    }

    /// Why it gives one order its risk (`None` for a model saved without node covers).
    pub fn explain(&self, f: &OrderFeatures) -> Option<shap::Explanation> {
        shap::explain(self, &self.encoder.encode(f))
    }

    /// The same for order `i` of `ds`.
    pub fn explain_order(&self, ds: &Dataset, i: usize) -> Option<shap::Explanation> {
        shap::explain(self, self.encoder.encode_rows(ds, &[i]).row(0))
    }
}

/// Per-seller explanation of what drives its scores, from the model that scores it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SellerDrivers {
    /// The scoring model (`global` or the seller id).
    pub model: String,
    /// Holdout orders of this seller the importances were measured on.
    pub n: usize,
    /// Permutation importances, largest first.
    pub drivers: Vec<Driver>,
}

/// Everything a training run produces; persisted by [`store`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelSet {
    /// Format version of the saved file.
    pub format_version: u32,
    /// Fingerprint of the data the models were trained on.
    pub fingerprint: u64,
    /// When training finished (RFC 3339, UTC).
    pub trained_at: String,
    /// Wall-clock seconds training took.
    pub train_seconds: f64,
    /// The training configuration.
    pub config: TrainConfig,
    /// The marketplace-wide model.
    pub global: TrainedModel,
    /// Per-seller models, by seller id.
    pub sellers: BTreeMap<String, TrainedModel>,
    /// The global model's drivers per seller id (see [`ModelSet::drivers_for`]).
    pub seller_drivers: BTreeMap<String, SellerDrivers>,
    /// Registry version and run of each model in this set (empty in a run's own artifacts).
    #[serde(default)]
    pub versions: BTreeMap<String, VersionRef>,
}

/// Which registered version a model is, and the run that trained it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRef {
    /// Version number within the model (1, 2, ...).
    pub version: u32,
    /// Id of the training run.
    pub run_id: String,
}

impl ModelSet {
    /// The model that scores `seller_id` and its name.
    pub fn model_for(&self, seller_id: &str) -> (&TrainedModel, &str) {
        match self
            .sellers
            .get_key_value(seller_id)
            .filter(|(_, m)| m.active)
        {
            Some((k, m)) => (m, k.as_str()),
            None => (&self.global, GLOBAL),
        }
    }
    /// What drives the scores of `seller_id`: its own model's drivers when that model scores
    /// it, else the global model's drivers measured on the seller's holdout orders.
    pub fn drivers_for(&self, seller_id: &str) -> Option<SellerDrivers> {
        match self.sellers.get(seller_id).filter(|m| m.active) {
            Some(own) => Some(SellerDrivers {
                model: seller_id.to_string(),
                n: own.metrics.n_test,
                drivers: own.drivers.clone(),
            }),
            None => self.seller_drivers.get(seller_id).cloned(),
        }
    }
    /// The registry version of model `name` ("v3"), or `None` for unregistered models.
    pub fn version_of(&self, name: &str) -> Option<&VersionRef> {
        self.versions.get(name)
    }
    /// Metrics of every model, global first.
    pub fn all_metrics(&self) -> Vec<&ModelMetrics> {
        std::iter::once(&self.global.metrics)
            .chain(self.sellers.values().map(|m| &m.metrics))
            .collect()
    }
}

/// Risk score of every order and whether its seller's own model produced it (columns, so
/// that the scores of appended orders extend them without a copy: [`Column::appended`]).
#[derive(Clone, Debug, Default)]
pub struct Scores {
    /// Return probability per order.
    pub risk: Column<f64>,
    /// True when the seller's own forest scored the order (else the global one).
    pub own_model: Column<bool>,
}

impl Scores {
    /// These scores followed by `more` (the next orders'), leaving these as they are.
    pub fn appended(&self, more: &Scores) -> Scores {
        Scores {
            risk: self.risk.appended(&more.risk),
            own_model: self.own_model.appended(&more.own_model),
        }
    }
}

/// Scores every order of `ds` with its seller's model (or the global one).
pub fn score_dataset(ds: &Dataset, set: &ModelSet) -> Scores {
    score_orders_from(ds, set, 0)
}

/// Scores the orders of `ds` from index `first` on (the returned scores start there).
pub fn score_orders_from(ds: &Dataset, set: &ModelSet, first: usize) -> Scores {
    let n = ds.orders.len().saturating_sub(first);
    let mut risk = vec![0.0; n];
    let mut own_model = vec![false; n];
    // Rows per scoring model: index 0 = global, 1.. = sellers with their own model.
    let own: Vec<Option<&TrainedModel>> = ds
        .sellers
        .iter()
        .map(|s| set.sellers.get(&s.id).filter(|m| m.active))
        .collect();
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in first..ds.orders.len() {
        let s = ds.orders.seller[i] as usize;
        let key = if own[s].is_some() { s + 1 } else { 0 };
        groups.entry(key).or_default().push(i);
    }
    for (key, rows) in groups {
        let model = if key == 0 {
            &set.global
        } else {
            own[key - 1].unwrap_or(&set.global)
        };
        let p = model.forest.predict(&model.encoder.encode_rows(ds, &rows));
        for (&i, v) in rows.iter().zip(p) {
            risk[i - first] = v;
            own_model[i - first] = key != 0;
        }
    }
    Scores {
        risk: risk.into(),
        own_model: own_model.into(),
    }
}
