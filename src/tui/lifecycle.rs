//! Models and Drift tab state: the rows they show, version choice, promote / roll back with
//! a confirmation, and reacting to changes on disk. The registry work itself runs in the
//! background ([`super::jobs`]); this module only decides what to ask for.

use super::app::{App, DRIFT, MODELS, Training};
use super::views::{ListView, matches, opt_cmp, text_cmp};
use crate::data::Seller;
use crate::drift::report::{ColumnReport, DriftReport, ScopeReport};
use crate::engine::Engine;
use crate::model::GLOBAL;
use crate::model::registry::ModelEntry;
use crate::model::store::Lifecycle;

/// Sortable Models-tab columns.
pub const MODEL_SORTS: [&str; 4] = ["Model", "Brier", "ROC AUC", "ΔBrier"];
/// Sortable Drift-tab columns ("Strength": how far past its threshold the test is).
pub const DRIFT_SORTS: [&str; 3] = ["Strength", "Score", "Column"];

/// A registry change the user asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistryOp {
    /// Make `version` of `model` active.
    Promote {
        /// The model.
        model: String,
        /// The version.
        version: u32,
    },
    /// Return `model` to its previous version.
    Rollback {
        /// The model.
        model: String,
    },
}

/// What a `y` answer does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirmed {
    /// A registry change.
    Registry(RegistryOp),
    /// Train a new run and register its models (`r`).
    Retrain,
}

/// A question waiting for y / n.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirm {
    /// The question shown on the status line.
    pub prompt: String,
    /// What `y` does.
    pub op: Confirmed,
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
        row.decision = v.reason.clone();
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
        row.decision = last.reason.clone();
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
pub fn model_rows(lc: &Lifecycle, sellers: &[Seller], v: &ListView) -> Vec<ModelRow> {
    let global = active_global(lc);
    let models = &lc.registry.models;
    let mut rows: Vec<ModelRow> = sellers
        .iter()
        .map(|s| row_for(&s.id, models.get(&s.id), &global))
        .filter(|r| matches(&v.filter, &[&r.model, &r.scoring, &r.decision]))
        .collect();
    let asc = v.ascending;
    rows.sort_by(|a, b| {
        match v.sort {
            1 => opt_cmp(a.brier, b.brier, asc),
            2 => opt_cmp(a.roc_auc, b.roc_auc, asc),
            3 => opt_cmp(a.delta_brier, b.delta_brier, asc),
            _ => text_cmp(&a.model, &b.model, asc),
        }
        .then_with(|| a.model.cmp(&b.model))
    });
    if matches(&v.filter, &[GLOBAL]) || v.filter.is_empty() {
        rows.insert(0, row_for(GLOBAL, models.get(GLOBAL), &global));
    }
    rows
}

/// How far a column's test is past its threshold: distance / threshold, or threshold /
/// p-value (>= 1 means drift for distances; p-value tests drift below their threshold).
pub fn strength(c: &ColumnReport) -> f64 {
    let d = &c.drift;
    if d.test.is_p_value() {
        d.threshold / d.score.max(1e-300)
    } else {
        d.score / d.threshold
    }
}

/// The drift report the Drift tab shows: the last 7 days in the 7-day window, else the
/// last 30 (the one behind the alerts).
pub fn drift_report(app: &App) -> Option<&DriftReport> {
    match app.window {
        crate::engine::Window::Days(7) => app.engine.drift_short.as_ref(),
        _ => app.engine.drift.as_ref(),
    }
}

/// The drift report's scope for the marketplace filter (`all` without one).
pub fn drift_scope(app: &App) -> Option<&ScopeReport> {
    let want = app.marketplace_id().unwrap_or("all");
    drift_report(app)?
        .scopes
        .iter()
        .find(|s| s.marketplace == want)
}

/// Drift columns after filter and sort (default: strongest drift first).
pub fn drift_rows<'a>(scope: Option<&'a ScopeReport>, v: &ListView) -> Vec<&'a ColumnReport> {
    let Some(scope) = scope else {
        return Vec::new();
    };
    let mut rows: Vec<&ColumnReport> = scope
        .columns
        .iter()
        .filter(|c| matches(&v.filter, &[&c.column, c.drift.test.name()]))
        .collect();
    let asc = v.ascending;
    rows.sort_by(|a, b| match v.sort {
        0 => opt_cmp(Some(strength(a)), Some(strength(b)), asc),
        1 => opt_cmp(Some(a.drift.score), Some(b.drift.score), asc),
        _ => text_cmp(&a.column, &b.column, asc),
    });
    rows
}

impl App {
    /// The Models-tab rows for the current state.
    pub fn model_rows(&self) -> Vec<ModelRow> {
        model_rows(
            &self.lifecycle,
            &self.engine.data.sellers,
            &self.lists[MODELS - 1],
        )
    }

    /// The Models-tab's selected row.
    pub fn selected_model(&self) -> Option<ModelRow> {
        self.model_rows()
            .into_iter()
            .nth(self.lists[MODELS - 1].selected)
    }

    /// Versions of the selected model, newest first (the order the tab lists them).
    pub fn selected_versions(&self) -> Vec<u32> {
        self.selected_model()
            .and_then(|r| self.lifecycle.registry.models.get(&r.model))
            .map(|e| e.versions.iter().rev().map(|v| v.version).collect())
            .unwrap_or_default()
    }

    /// Moves the version cursor of the selected model.
    pub fn move_version(&mut self, delta: isize) {
        let n = self.selected_versions().len();
        let max = n.saturating_sub(1) as isize;
        self.version_cursor = (self.version_cursor as isize + delta).clamp(0, max) as usize;
    }

    /// Asks to promote the version under the cursor.
    pub fn ask_promote(&mut self) {
        if self.tab != MODELS {
            return;
        }
        let Some(row) = self.selected_model() else {
            return;
        };
        let Some(&version) = self.selected_versions().get(self.version_cursor) else {
            self.message = Some(format!("{} has no registered versions", row.model));
            return;
        };
        let entry = &self.lifecycle.registry.models[&row.model];
        if entry.active == Some(version) {
            self.message = Some(format!("{} v{version} is already active", row.model));
            return;
        }
        let now = entry
            .active
            .map_or("the global model scores it".into(), |v| {
                format!("active: v{v}")
            });
        self.confirm = Some(Confirm {
            prompt: format!("Promote {} v{version} ({now})?", row.model),
            op: Confirmed::Registry(RegistryOp::Promote {
                model: row.model,
                version,
            }),
        });
    }

    /// Asks to roll the selected model back.
    pub fn ask_rollback(&mut self) {
        if self.tab != MODELS {
            return;
        }
        let Some(row) = self.selected_model() else {
            return;
        };
        let Some(entry) = self.lifecycle.registry.models.get(&row.model) else {
            self.message = Some(format!("{} has no registered versions", row.model));
            return;
        };
        let to = match (entry.history.last(), entry.active) {
            (Some(v), Some(cur)) => format!("from v{cur} to v{v}"),
            (None, Some(cur)) if row.model != GLOBAL => {
                format!("from v{cur} to the global model")
            }
            _ => {
                self.message = Some(format!(
                    "{} has no earlier active version to roll back to",
                    row.model
                ));
                return;
            }
        };
        self.confirm = Some(Confirm {
            prompt: format!("Roll back {} {to}?", row.model),
            op: Confirmed::Registry(RegistryOp::Rollback { model: row.model }),
        });
    }

    /// Applies the answer to the open confirmation.
    pub fn answer(&mut self, yes: bool) {
        let Some(c) = self.confirm.take() else { return };
        if !yes {
            self.message = Some("cancelled".into());
            return;
        }
        match c.op {
            Confirmed::Registry(op) => {
                self.message = Some(format!("{}: applying...", c.prompt.trim_end_matches('?')));
                self.registry_op = Some(op);
            }
            Confirmed::Retrain => {
                self.retrain_requested = true;
                self.training = Training::Running(0, 0);
                self.message =
                    Some("retraining in the background; the dashboard stays usable".into());
            }
        }
    }

    /// Files changed on disk: ask the event loop to reload what changed.
    pub fn files_changed(&mut self, data: bool, registry: bool) {
        if data {
            self.reload_data_requested = true;
            self.message = Some("data files changed on disk: reloading...".into());
        } else if registry {
            if matches!(self.training, Training::Running(..) | Training::Starting) {
                // The load under way may have read the registry before this change: look
                // again once it is done.
                self.registry_changed_while_loading = true;
            } else {
                self.reload_models_requested = true;
            }
        }
    }

    /// Rows in the focused Models or Drift table.
    pub fn lifecycle_row_count(&self) -> usize {
        match self.tab {
            MODELS => self.model_rows().len(),
            DRIFT => drift_rows(drift_scope(self), &self.lists[DRIFT - 1]).len(),
            _ => 0,
        }
    }

    /// New data from disk: a fresh engine (risk n/a until models arrive) and a model load.
    pub(super) fn data_loaded(&mut self, engine: Engine) {
        if engine.data.fingerprint == self.engine.data.fingerprint {
            self.message = Some("data files touched on disk; contents unchanged".into());
            return;
        }
        let was = self.engine.data.orders.len();
        let now = engine.data.orders.len();
        self.load_warning = engine.load_report.summary();
        self.engine = engine;
        self.detail = None;
        self.category_scope = None;
        self.training = Training::Starting;
        self.retrain_requested = false;
        self.models_requested = true;
        self.message = Some(format!(
            "reloaded new data: {} orders (was {}); models loading",
            super::widgets::int(now as u64),
            super::widgets::int(was as u64)
        ));
        self.recompute();
    }
}
