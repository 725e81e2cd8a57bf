//! The Models tab's rows: for the global model and every seller, the model that scores it,
//! its holdout numbers, and how it compares with the alternative on the same orders.

use crate::query::Field;
use crate::table::{SortKey, TableView, opt_cmp, text_cmp};
use returnrisk_core::data::Seller;
use returnrisk_core::model::GLOBAL;
use returnrisk_core::model::registry::ModelEntry;
use returnrisk_core::model::store::Lifecycle;

/// What the models table is ordered by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ModelSort {
    /// Model name, A-Z (the global model first either way).
    #[default]
    Model,
    /// Brier score of the scoring model.
    Brier,
    /// ROC AUC of the scoring model.
    RocAuc,
    /// Its Brier minus the alternative's.
    DeltaBrier,
}

impl SortKey for ModelSort {
    const ALL: &'static [Self] = &[Self::Model, Self::Brier, Self::RocAuc, Self::DeltaBrier];

    fn is_text(self) -> bool {
        self == Self::Model
    }
}

/// One Models-tab row: the model that scores a seller (or the global model) and how it
/// compares with the alternative on the same holdout orders.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelRow {
    /// `global` or the seller id.
    pub model: String,
    /// What scores it: `v2` (global), `own v2`, or `global v1`.
    pub scoring: String,
    /// Registered versions of this model.
    pub versions: usize,
    /// Holdout orders behind the metrics.
    pub n: Option<usize>,
    /// ROC AUC of the scoring model on them.
    pub roc_auc: Option<f64>,
    /// Brier score of the scoring model on them.
    pub brier: Option<f64>,
    /// The alternative compared with (`v1`, `global v1`, `own v1`), or empty.
    pub vs: String,
    /// Scoring model's Brier minus the alternative's on the same orders (negative: better).
    pub delta_brier: Option<f64>,
    /// The registry's reason, or why there is no own model.
    pub decision: String,
}

fn active_global(lc: &Lifecycle) -> String {
    lc.registry
        .models
        .get(GLOBAL)
        .and_then(|e| e.active)
        .map_or("global".into(), |v| format!("global v{v}"))
}

fn row_for(name: &str, entry: Option<&ModelEntry>, global: &str) -> ModelRow {
    let versions = entry.map_or(0, |e| e.versions.len());
    let mut row = ModelRow {
        model: name.to_string(),
        scoring: global.to_string(),
        versions,
        n: None,
        roc_auc: None,
        brier: None,
        vs: String::new(),
        delta_brier: None,
        decision: "too few labelled orders or returns for its own model".into(),
    };
    let Some(entry) = entry else { return row };
    if let Some(v) = entry.active_version() {
        row.scoring = if name == GLOBAL {
            format!("v{}", v.version)
        } else {
            format!("own v{}", v.version)
        };
        row.n = Some(v.score.n);
        row.roc_auc = v.score.roc_auc;
        row.brier = v.score.brier;
        row.decision.clone_from(&v.reason);
        if let Some(inc) = &v.incumbent {
            row.vs = if inc.model == name {
                format!("v{}", inc.version)
            } else {
                format!("{} v{}", inc.model, inc.version)
            };
            row.delta_brier = v.score.brier.zip(inc.score.brier).map(|(a, b)| a - b);
        }
    } else if let Some(last) = entry.versions.last() {
        // Scored by the global model: its numbers on the seller's holdout, vs the candidate.
        row.decision.clone_from(&last.reason);
        row.vs = format!("own v{}", last.version);
        if let Some(inc) = last.incumbent.as_ref().filter(|i| i.model == GLOBAL) {
            row.n = Some(inc.score.n);
            row.roc_auc = inc.score.roc_auc;
            row.brier = inc.score.brier;
            row.delta_brier = inc.score.brier.zip(last.score.brier).map(|(a, b)| a - b);
        }
    }
    row
}

/// The global model's row first, then one row per seller, after filter and sort.
pub fn model_rows(lc: &Lifecycle, sellers: &[Seller], v: &TableView<ModelSort>) -> Vec<ModelRow> {
    let global = active_global(lc);
    let models = &lc.registry.models;
    let q = v.query();
    let mut rows: Vec<ModelRow> = sellers
        .iter()
        .filter_map(|s| {
            let r = row_for(&s.id, models.get(&s.id), &global);
            let fields = [(Field::Seller, s.id.as_str()), (Field::Seller, &s.name)];
            q.matches(&[&r.model, &r.scoring, &r.decision], &fields)
                .then_some(r)
        })
        .collect();
    let r = v.reversed;
    rows.sort_by(|a, b| {
        match v.sort {
            ModelSort::Brier => opt_cmp(a.brier, b.brier, r),
            ModelSort::RocAuc => opt_cmp(a.roc_auc, b.roc_auc, r),
            ModelSort::DeltaBrier => opt_cmp(a.delta_brier, b.delta_brier, r),
            ModelSort::Model => text_cmp(&a.model, &b.model, r),
        }
        .then_with(|| a.model.cmp(&b.model))
    });
    if q.matches(&[GLOBAL], &[(Field::Seller, GLOBAL)]) {
        rows.insert(0, row_for(GLOBAL, models.get(GLOBAL), &global));
    }
    rows
}
