//! The reference window's samples kept between the drift reports of a growing dataset: a day
//! appended to the orders changes the current windows, not the reference (the active models'
//! training period), so the report after an append gathers and sorts only the current
//! windows' values and takes the reference's from here, bit for bit the same.
//!
//! A [`ReferenceMemo`] is shared only along appends (an engine and the engine of its data with
//! orders appended): the kept samples are used again only when the models, the reference
//! period, the columns (with their level names) and every scope's reference rows are the same,
//! which, the first orders being the same, makes the reference values the same.

use super::sample::KeptSample;
use super::scopes::{Scope, ScopeRows};
use crate::model::{ModelSet, VersionRef};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The kept reference samples of one dataset's lineage (empty until a report fills it).
#[derive(Debug, Default)]
pub struct ReferenceMemo(Mutex<Option<Arc<KeptReference>>>);

/// The reference samples of a report and what they were taken from.
#[derive(Debug)]
pub struct KeptReference {
    key: ReferenceKey,
    /// Orders the dataset had: every reference row was below it.
    orders: usize,
    /// `[column][scope]`.
    samples: Vec<Vec<KeptSample>>,
}

/// What must be equal for kept samples to be used again.
#[derive(Debug, PartialEq)]
pub struct ReferenceKey {
    versions: BTreeMap<String, VersionRef>,
    period: (i32, i32),
    scopes: Vec<Scope>,
    rows: Vec<usize>,
    columns: Vec<(String, Option<Vec<String>>)>,
}

impl ReferenceKey {
    /// The key of a report with these models (registered ones only: `None` otherwise),
    /// reference period, scopes' rows and columns (name and level names).
    pub fn new(
        models: &ModelSet,
        period: (i32, i32),
        scopes: &[Scope],
        rows: &ScopeRows,
        columns: Vec<(String, Option<Vec<String>>)>,
    ) -> Option<ReferenceKey> {
        (!models.versions.is_empty()).then(|| ReferenceKey {
            versions: models.versions.clone(),
            period,
            scopes: scopes.to_vec(),
            rows: rows.reference.iter().map(Vec::len).collect(),
            columns,
        })
    }
}

impl KeptReference {
    /// The kept samples of `column` (in key order), one per scope.
    pub fn column(&self, column: usize) -> &[KeptSample] {
        &self.samples[column]
    }

    /// Bytes the kept values take.
    pub fn bytes(&self) -> usize {
        self.samples.iter().flatten().map(KeptSample::bytes).sum()
    }
}

impl ReferenceMemo {
    /// The kept samples for `key`, when they were taken from the same reference rows.
    pub fn get(&self, key: &ReferenceKey, rows: &ScopeRows) -> Option<Arc<KeptReference>> {
        let kept = self.lock().clone()?;
        let same_rows = rows
            .reference
            .iter()
            .all(|r| r.last().is_none_or(|&last| last < kept.orders));
        (kept.key == *key && same_rows).then_some(kept)
    }

    /// Keeps `samples` (`[column][scope]`) taken from a dataset of `orders` orders.
    pub fn keep(&self, key: ReferenceKey, orders: usize, samples: Vec<Vec<KeptSample>>) {
        let kept = KeptReference {
            key,
            orders,
            samples,
        };
        tracing::info!(bytes = kept.bytes(), "drift reference kept");
        *self.lock() = Some(Arc::new(kept));
    }

    /// The kept samples, whatever they were taken from.
    pub fn kept(&self) -> Option<Arc<KeptReference>> {
        self.lock().clone()
    }

    /// Bytes the kept values take (0 when none are kept).
    pub fn kept_bytes(&self) -> usize {
        self.lock().as_ref().map_or(0, |k| k.bytes())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Arc<KeptReference>>> {
        self.0.lock().unwrap_or_else(|poisoned| {
            let mut kept = poisoned.into_inner();
            *kept = None;
            kept
        })
    }
}
