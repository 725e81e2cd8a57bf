//! New days landing in a running engine: the orders appended to its dataset are scored by
//! the models in use (no training: a day of data is not a reason to retrain), the cube is
//! extended from them alone (bit-identical to a build, [`Cube::extend`]) and the pending
//! orders are counted again; the drift reports are kept until the caller recomputes them.
//! [`AppendBase::append_new_parts`] reads the new day partitions alone onto the running
//! engine's orders, sharing their columns (no copy of the old days).

use super::cube::Cube;
use super::{Engine, pending_by_marketplace};
use crate::data::id_index::KnownIds;
use crate::data::{Dataset, LoadError, LoadOptions, LoadReport, cache};
use crate::model::{Scores, score_orders_from};
use std::sync::{Arc, Mutex};

/// What an append needs of a running engine, shared (not copied) with a background job.
pub struct AppendBase {
    data: Arc<Dataset>,
    report: LoadReport,
    known_ids: Arc<Mutex<KnownIds>>,
    drift_reference: Arc<crate::drift::reference::ReferenceMemo>,
    models: Option<Arc<crate::model::ModelSet>>,
    scores: Option<Arc<Scores>>,
    cube: Arc<Cube>,
    bands: crate::config::RiskBands,
    alert_policy: super::AlertPolicy,
    drift: (
        Option<crate::drift::report::DriftReport>,
        Option<crate::drift::report::DriftReport>,
    ),
    from_cube: bool,
}

impl Engine {
    /// This engine's parts an append starts from.
    pub fn append_base(&self) -> AppendBase {
        AppendBase {
            data: Arc::clone(&self.data),
            report: self.load_report.clone(),
            known_ids: Arc::clone(&self.known_ids),
            drift_reference: Arc::clone(&self.drift_reference),
            models: self.models.clone(),
            scores: self.scores.clone(),
            cube: Arc::clone(&self.cube),
            bands: self.bands,
            alert_policy: self.alert_policy,
            drift: (self.drift.clone(), self.drift_short.clone()),
            from_cube: self.cube_source.is_some(),
        }
    }
}

impl AppendBase {
    /// Whether `data` is this engine's data with orders appended: the same sellers,
    /// categories and schema, more orders, and the first ones the same (ids and days).
    pub fn is_appended_by(&self, data: &Dataset) -> bool {
        let (old, new) = (&self.data.orders, &data.orders);
        let n = old.len();
        !self.from_cube
            && new.len() > n
            && data.sellers == self.data.sellers
            && data.categories == self.data.categories
            && data.schema == self.data.schema
            && starts_with(new.id.ends(), old.id.ends())
            && starts_with(new.id.text().as_bytes(), old.id.text().as_bytes())
            && starts_with(&new.day[..], &old.day[..])
    }

    /// This engine with the day partitions its data folder gained since it was read
    /// appended ([`AppendBase::load_new_parts`], then [`AppendBase::appended`]); `None`
    /// when the folder changed otherwise or the engine answers from a cube (a full load
    /// then). The dataset cache is not written: the caller does it once the engine is shown.
    pub fn append_new_parts(&self, opts: &LoadOptions) -> Result<Option<Engine>, LoadError> {
        let Some((data, report)) = self.load_new_parts(opts)? else {
            return Ok(None);
        };
        Ok(self.appended(data, report).ok())
    }

    /// Indexes the orders' ids for appends ahead of time (else the first append after a
    /// start does it: about a second at 10M orders; 5 bytes an order).
    pub fn index_ids(&self) {
        self.known_ids()
            .cover(&self.data.orders.id, self.data.fingerprint);
    }

    /// The ids' index, locked; one left half-built by a panic is built again.
    fn known_ids(&self) -> std::sync::MutexGuard<'_, KnownIds> {
        self.known_ids.lock().unwrap_or_else(|poisoned| {
            let mut known = poisoned.into_inner();
            *known = KnownIds::default();
            known
        })
    }

    /// This engine's data with the day partitions its folder gained since it was read:
    /// those alone are read, the old days' columns shared (see [`cache::load_onto`]).
    pub fn load_new_parts(
        &self,
        opts: &LoadOptions,
    ) -> Result<Option<(Dataset, LoadReport)>, LoadError> {
        if self.from_cube {
            return Ok(None);
        }
        cache::load_onto(&self.data, &self.report, &mut self.known_ids(), opts)
    }

    /// The engine of `data` (this engine's data with orders appended: see
    /// [`AppendBase::is_appended_by`]): the same models score the new orders, the cube grows
    /// by them alone, the pending orders are counted again. Drift stays as it was: the
    /// caller recomputes it off the critical path. `data` back when it is not an append.
    pub fn appended(
        &self,
        data: Dataset,
        report: LoadReport,
    ) -> Result<Engine, Box<(Dataset, LoadReport)>> {
        if !self.is_appended_by(&data) {
            return Err(Box::new((data, report)));
        }
        let from = self.data.orders.len();
        let t = std::time::Instant::now();
        let scores = match (&self.models, &self.scores) {
            (Some(models), Some(old)) => {
                Some(old.appended(&score_orders_from(&data, models, from)))
            }
            _ => None,
        };
        let scored = t.elapsed();
        let cube: Cube = self.cube.extend(&data, scores.as_ref(), self.bands, from);
        let extended = t.elapsed();
        let pending = match &scores {
            Some(s) => pending_by_marketplace(&data, s, cube.pending_from()),
            None => Vec::new(),
        };
        tracing::info!(
            orders = data.orders.len() - from,
            ?scored,
            ?extended,
            pending_counted = ?t.elapsed(),
            "appended"
        );
        let mut engine = Engine::around(data, report, self.bands, cube);
        engine.alert_policy = self.alert_policy;
        engine.models.clone_from(&self.models);
        engine.scores = scores.map(Arc::new);
        engine.pending = pending;
        (engine.drift, engine.drift_short) = self.drift.clone();
        engine.known_ids = Arc::clone(&self.known_ids);
        engine.drift_reference = Arc::clone(&self.drift_reference);
        engine.seller_orders = super::seller_orders::SellerOrders::spawn(Arc::clone(&engine.data));
        Ok(engine)
    }
}

/// Whether `all` begins with `prefix` (at once when it is the same memory, as an appended
/// column shares its buffer with the one it grew from).
fn starts_with<T: PartialEq>(all: &[T], prefix: &[T]) -> bool {
    all.len() >= prefix.len()
        && (std::ptr::eq(all.as_ptr(), prefix.as_ptr()) || all[..prefix.len()] == *prefix)
}
