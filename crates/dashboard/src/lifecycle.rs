//! The models' lifecycle as the dashboard sees it: questions before promote, rollback and
//! retrain, and what background results and changes on disk do to the state. The work
//! itself runs in the background ([`super::jobs`]); this module only decides what to ask
//! for, as [`Effect`]s.

use super::action::{Action, Effect, Job};
use super::app::{App, Training};
use super::tab::Tab;
use returnrisk_core::engine::Engine;
use returnrisk_core::model::GLOBAL;
use returnrisk_core::model::store::Provenance;

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

impl App {
    /// `r`: asks before training a new run (not while one is under way).
    pub(super) fn ask_retrain(&mut self) {
        if self.status.training == Training::FromCube {
            return self.say(
                "training needs every order: run `returnrisk-tui --cube none train` on the orders",
            );
        }
        if !matches!(
            self.status.training,
            Training::Running(..) | Training::Starting
        ) {
            self.overlays.confirm = Some(Confirm {
                prompt: "Train a new run and register its models?".into(),
                op: Confirmed::Retrain,
            });
        }
    }

    /// Asks to promote the version under the cursor.
    pub(super) fn ask_promote(&mut self) {
        if self.nav.tab != Tab::Models {
            return;
        }
        let Some(row) = self.pages.models.selected(self) else {
            return;
        };
        let versions = self.pages.models.selected_versions(self);
        let Some(&version) = versions.get(self.pages.models.version_cursor) else {
            return self.say(format!("{} has no registered versions", row.model));
        };
        let entry = &self.lifecycle.registry.models[&row.model];
        if entry.active == Some(version) {
            return self.say(format!("{} v{version} is already active", row.model));
        }
        let now = entry
            .active
            .map_or("the global model scores it".into(), |v| {
                format!("active: v{v}")
            });
        self.overlays.confirm = Some(Confirm {
            prompt: format!("Promote {} v{version} ({now})?", row.model),
            op: Confirmed::Registry(RegistryOp::Promote {
                model: row.model,
                version,
            }),
        });
    }

    /// Asks to roll the selected model back.
    pub(super) fn ask_rollback(&mut self) {
        if self.nav.tab != Tab::Models {
            return;
        }
        let Some(row) = self.pages.models.selected(self) else {
            return;
        };
        let Some(entry) = self.lifecycle.registry.models.get(&row.model) else {
            return self.say(format!("{} has no registered versions", row.model));
        };
        let to = match (entry.history.last(), entry.active) {
            (Some(v), Some(cur)) => format!("from v{cur} to v{v}"),
            (None, Some(cur)) if row.model != GLOBAL => {
                format!("from v{cur} to the global model")
            }
            _ => {
                return self.say(format!(
                    "{} has no earlier active version to roll back to",
                    row.model
                ));
            }
        };
        self.overlays.confirm = Some(Confirm {
            prompt: format!("Roll back {} {to}?", row.model),
            op: Confirmed::Registry(RegistryOp::Rollback { model: row.model }),
        });
    }

    /// Applies the answer to the open question.
    pub(super) fn answer(&mut self, yes: bool) {
        let Some(c) = self.overlays.confirm.take() else {
            return;
        };
        if !yes {
            return self.say("cancelled");
        }
        match c.op {
            Confirmed::Registry(op) => {
                self.say(format!("{}: applying...", c.prompt.trim_end_matches('?')));
                self.registry_op_running = true;
                self.effects.push(Effect::ChangeRegistry(op));
            }
            Confirmed::Retrain => {
                self.status.training = Training::Running(0, 0);
                self.say("retraining in the background; the dashboard stays usable");
                self.effects.push(Effect::LoadModels { retrain: true });
            }
        }
    }

    /// A result from the background or the watcher.
    pub(super) fn background(&mut self, action: Action) {
        match action {
            Action::ModelsReady(prepared, _) | Action::ModelsReloaded(prepared, ..)
                if prepared.data_fingerprint != self.engine.data.fingerprint =>
            {
                // Computed for data that has since been replaced: a load for the new data
                // is already under way.
                tracing::info!("discarded models prepared for replaced data");
            }
            Action::TrainProgress(done, total) => {
                self.status.training = Training::Running(done, total);
            }
            Action::ModelsReady(prepared, prov) => {
                self.engine.install(*prepared);
                if let Provenance::Trained { .. } = &prov {
                    self.say(prov.summary());
                }
                if let Provenance::TrainedUnsaved(why) = &prov {
                    self.say(format!("models trained but not saved: {why}"));
                }
                self.status.training = Training::Ready(prov);
                if std::mem::take(&mut self.registry_changed_while_loading) {
                    self.effects.push(Effect::ReloadModels);
                }
                self.recompute();
                self.evaluate_cases();
            }
            Action::TrainFailed(e) => {
                let msg = format!("error: models unavailable: {e}");
                self.say(msg.clone());
                self.status.training = Training::Failed(msg);
            }
            Action::LifecycleLoaded(lc) => {
                self.lifecycle = *lc;
                if let Some(w) = self.lifecycle.warnings.first() {
                    self.say(format!("registry: {w}"));
                }
                self.refresh_derived();
                self.clamp_tables();
            }
            Action::FilesChanged {
                data,
                registry,
                cases,
            } => {
                if cases {
                    self.effects.push(Effect::LoadCases);
                }
                self.files_changed(data, registry);
            }
            Action::CasesLoaded(w) => self.cases_loaded(*w),
            Action::DataLoaded(loaded) => self.data_loaded(*loaded),
            Action::DataAppended(engine, took) => self.data_appended(*engine, took),
            Action::DriftRefreshed(fingerprint, reports)
                if fingerprint == self.engine.data.fingerprint =>
            {
                let [current, short] = reports.map_or([None, None], |r| {
                    let [a, b] = *r;
                    [Some(a), Some(b)]
                });
                self.engine.drift = current;
                self.engine.drift_short = short;
                self.recompute();
            }
            Action::LakePending(cube, pending)
                if std::sync::Arc::ptr_eq(&cube, &self.engine.cube) =>
            {
                self.engine.pending = pending;
                self.recompute();
            }
            Action::ModelsReloaded(prepared, lc, what) => {
                self.engine.install(*prepared);
                self.lifecycle = *lc;
                self.say(what);
                self.registry_op_running = false;
                if std::mem::take(&mut self.registry_changed_while_loading) {
                    // Read the registry again: a no-op when the change was this one.
                    self.effects.push(Effect::ReloadModels);
                }
                self.recompute();
                self.evaluate_cases();
            }
            Action::JobFailed(e) => {
                self.registry_op_running = false;
                self.say(e);
            }
            Action::JobPanicked(job, why) => self.job_panicked(job, &why),
            Action::LakeOrders(seller, window, rows) => {
                self.lake_orders_read(seller, window, rows);
            }
            Action::SellerDrivers(seller, window, drivers) => {
                self.seller_drivers(&seller, window, drivers);
            }
            _ => {}
        }
    }

    /// Files changed on disk: reload what changed.
    fn files_changed(&mut self, data: bool, registry: bool) {
        if data {
            self.say("data files changed on disk: reloading...");
            self.effects.push(Effect::ReloadData);
        } else if registry {
            let loading = matches!(
                self.status.training,
                Training::Running(..) | Training::Starting
            );
            if loading || self.registry_op_running {
                // The load under way may have read the registry before this change, or the
                // change is the dashboard's own promote / rollback (which reloads the models
                // itself): look again once it is done.
                self.registry_changed_while_loading = true;
            } else {
                self.effects.push(Effect::ReloadModels);
            }
        }
    }

    /// New data from disk: a fresh engine (risk n/a until models arrive) and a model load.
    fn data_loaded(&mut self, engine: Engine) {
        if engine.cube_source.is_some() {
            return self.cube_loaded(engine);
        }
        if engine.data.fingerprint == self.engine.data.fingerprint {
            return self.say("data files touched on disk; contents unchanged");
        }
        let was = self.engine.data.orders.len();
        let now = engine.data.orders.len();
        self.status.load_warning = engine.load_report.summary();
        self.engine = engine;
        self.pages.seller = None;
        self.pages.sellers.scope = None;
        self.nav.history.clear();
        self.status.training = Training::Starting;
        self.effects
            .retain(|e| *e != Effect::LoadModels { retrain: true });
        self.effects.push(Effect::LoadModels { retrain: false });
        self.say(format!(
            "reloaded new data: {} orders (was {}); models loading",
            super::widgets::int(now as u64),
            super::widgets::int(was as u64)
        ));
        self.recompute();
    }

    /// New days appended on disk, already scored and aggregated: shown at once with the
    /// models in use (nothing retrains); the drift reports follow from a background job.
    fn data_appended(&mut self, engine: Engine, took: std::time::Duration) {
        let (was, now) = (self.engine.data.orders.len(), engine.data.orders.len());
        self.status.load_warning = engine.load_report.summary();
        self.engine = engine;
        self.say(format!(
            "appended {} new orders (now {}, to {}) in {} ms, scored by the models in use; \
             drift updating",
            super::widgets::int((now - was) as u64),
            super::widgets::int(now as u64),
            returnrisk_core::data::day_string(self.engine.cube.last_day),
            took.as_millis()
        ));
        tracing::info!(orders = now - was, ms = took.as_millis() as u64, "appended");
        self.effects.push(Effect::RefreshDrift);
        self.recompute();
    }

    /// A cube built elsewhere was written again: the new one in place of the old, nothing to
    /// train (its manifest unchanged: said so and kept).
    fn cube_loaded(&mut self, engine: Engine) {
        let orders = |e: &Engine| e.cube_source.as_ref().map_or(0, |c| c.manifest.orders);
        let (was, now) = (orders(&self.engine), orders(&engine));
        if self.engine.cube_source.as_ref().map(|c| &c.manifest)
            == engine.cube_source.as_ref().map(|c| &c.manifest)
        {
            return self.say("the cube's manifest was touched on disk; contents unchanged");
        }
        self.engine = engine;
        self.pages.seller = None;
        self.pages.sellers.scope = None;
        self.nav.history.clear();
        self.status.training = Training::FromCube;
        self.say(format!(
            "reloaded the cube: {} orders (was {})",
            super::widgets::int(now),
            super::widgets::int(was)
        ));
        self.recompute();
    }

    /// A background job panicked: say so with the log file, and stop showing it as running.
    fn job_panicked(&mut self, job: Job, why: &str) {
        let log = self
            .log_file
            .as_ref()
            .map_or("no log file".into(), |p| format!("see {}", p.display()));
        let msg = format!("error: {} failed: {why} ({log})", job.name());
        if job == Job::Models {
            self.status.training = Training::Failed(msg.clone());
        }
        if job == Job::RegistryChange {
            self.registry_op_running = false;
        }
        if job == Job::LakeOrders
            && let Some(v) = &mut self.pages.seller
            && let Some(crate::lake::LakeOrders::Reading(key, _)) = v.lake.take()
        {
            v.lake = Some(crate::lake::LakeOrders::Failed(key, msg.clone()));
        }
        self.say(msg);
    }
}
