//! New days landing in a running engine: the orders appended to its dataset are scored by
//! the models in use (no training: a day of data is not a reason to retrain), the cube is
//! extended from them alone (bit-identical to a build, [`Cube::extend`]) and the pending
//! orders are counted again; the drift reports are kept until the caller recomputes them.

use super::cube::Cube;
use super::{Engine, pending_by_marketplace};
use crate::data::{Dataset, LoadReport};
use crate::model::{Scores, score_orders_from};
use std::sync::Arc;

/// What an append needs of a running engine, shared (not copied) with a background job.
pub struct AppendBase {
    data: Arc<Dataset>,
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
            && new.id.ends().get(..n) == Some(old.id.ends())
            && new.id.text().as_bytes().get(..old.id.text().len()) == Some(old.id.text().as_bytes())
            && new.day[..n] == old.day[..]
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
        let scores = match (&self.models, &self.scores) {
            (Some(models), Some(old)) => {
                let more = score_orders_from(&data, models, from);
                let mut risk = Vec::with_capacity(data.orders.len());
                risk.extend_from_slice(&old.risk);
                risk.extend(more.risk);
                let mut own_model = Vec::with_capacity(data.orders.len());
                own_model.extend_from_slice(&old.own_model);
                own_model.extend(more.own_model);
                Some(Scores { risk, own_model })
            }
            _ => None,
        };
        let cube: Cube = self.cube.extend(&data, scores.as_ref(), self.bands, from);
        let pending = match &scores {
            Some(s) => pending_by_marketplace(&data, s, cube.pending_from()),
            None => Vec::new(),
        };
        let mut engine = Engine::around(data, report, self.bands, cube);
        engine.alert_policy = self.alert_policy;
        engine.models.clone_from(&self.models);
        engine.scores = scores.map(Arc::new);
        engine.pending = pending;
        (engine.drift, engine.drift_short) = self.drift.clone();
        engine.seller_orders = super::seller_orders::SellerOrders::spawn(Arc::clone(&engine.data));
        Ok(engine)
    }
}
