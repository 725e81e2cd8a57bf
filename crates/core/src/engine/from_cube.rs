//! An engine answering from a cube built elsewhere (the Spark job's, or `export cube`'s)
//! without reading the orders: the sellers table and the schema from the data folder, the
//! cells from the cube's Parquet. Windows, marketplaces, alerts, trends, forecasts and the
//! briefing come from the cube as they do from our own, and the pending orders' returns to
//! come from the scored orders of the pending days beside it; what needs every order (drift,
//! training, explanations) is not there, and says so.

use super::cube_files::{self, CubeFilesError, CubeManifest};
use super::cube_lake;
use super::lake_orders::LakeTable;
use super::{Engine, EngineError};
use crate::config::RiskBands;
use crate::data::LoadError;
use crate::model::ModelSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The cube an engine answers from, when it is not built from the orders.
#[derive(Clone, Debug, PartialEq)]
pub struct CubeSource {
    /// The cube's folder.
    pub dir: PathBuf,
    /// What it was built from.
    pub manifest: CubeManifest,
    /// Where its orders are read from, found when it was opened.
    pub lake: Option<super::lake_orders::LakeTable>,
}

/// Why a cube could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum CubeOpenError {
    /// Its files.
    #[error(transparent)]
    Files(#[from] CubeFilesError),
    /// The data folder's sellers or schema.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Built with other models, bands or label than those in use.
    #[error("{path}: {message}; rebuild it: {rebuild}")]
    Stale {
        /// The manifest.
        path: PathBuf,
        /// What differs.
        message: String,
        /// How to rebuild it.
        rebuild: String,
    },
}

/// How a user rebuilds the cube of `data_dir` into `cube_dir`.
fn rebuild_hint(data_dir: &Path, cube_dir: &Path) -> String {
    format!(
        "`returnrisk-tui --data {d} export onnx --active --out MODELS` then `spark-submit \
         spark/returnrisk_spark.py --lake {d} --models MODELS --full`, or `returnrisk-tui \
         --data {d} export cube --out {c}` (a new folder)",
        d = data_dir.display(),
        c = cube_dir.display()
    )
}

/// What in `m` differs from the bands, label and active models in use (`None`: no registry
/// to compare with), in words; `None` when it is current.
pub fn staleness(
    m: &CubeManifest,
    bands: RiskBands,
    label: &str,
    active: Option<&ModelSet>,
) -> Option<String> {
    if m.risk_bands != bands {
        return Some(format!(
            "the cube counts High from {} (Medium from {}), the bands in use are {} and {}",
            m.risk_bands.high, m.risk_bands.medium, bands.high, bands.medium
        ));
    }
    if m.label.name != label {
        return Some(format!(
            "the cube's label is {:?}, the data's is {label:?}",
            m.label.name
        ));
    }
    let active = cube_lake::cube_models(Some(active?));
    if active != m.models {
        let words = |ms: &std::collections::BTreeMap<String, cube_files::CubeModel>| {
            let shown: Vec<String> = ms
                .iter()
                .take(4)
                .map(|(n, v)| format!("{n} v{}", v.version.unwrap_or(0)))
                .collect();
            let more = ms.len().saturating_sub(4);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!("{}{more}", shown.join(", "))
        };
        return Some(format!(
            "the cube was scored by {}; the active models are {}",
            words(&m.models),
            words(&active)
        ));
    }
    None
}

impl Engine {
    /// The engine of the cube in `cube_dir` on the sellers and schema of `data_dir`, its
    /// manifest checked against `bands` and, when the data folder has a registry, the active
    /// `models` (kept for each seller's model name; nothing is scored), with the pending
    /// orders' returns read from the lake ([`Engine::lake_pending`]).
    pub fn from_cube(
        cube_dir: &Path,
        data_dir: &Path,
        bands: RiskBands,
        models: Option<ModelSet>,
    ) -> Result<Engine, CubeOpenError> {
        let mut engine = Engine::from_cube_pending_later(cube_dir, data_dir, bands, models)?;
        if let Some(pending) = engine.lake_pending() {
            engine.pending = pending;
        }
        Ok(engine)
    }

    /// The pending orders' returns to come, from the scored orders of the cube's pending
    /// days alone (seconds at 100M orders: the dashboard reads them after its first frame);
    /// `None` without a lake of scored orders, or when it cannot be read (logged).
    pub fn lake_pending(&self) -> Option<Vec<super::pending::PendingReturns>> {
        let table = self.lake_table()?;
        super::lake_orders::pending_from_lake(&self.data, &self.cube, &table)
            .map_err(|e| tracing::warn!("pending orders not read from the lake: {e}"))
            .ok()
    }

    /// [`Engine::from_cube`] with no pending returns yet: the caller reads them later.
    pub fn from_cube_pending_later(
        cube_dir: &Path,
        data_dir: &Path,
        bands: RiskBands,
        models: Option<ModelSet>,
    ) -> Result<Engine, CubeOpenError> {
        let manifest = cube_files::read_manifest(cube_dir)?;
        let schema = crate::data::schema::load_schema(data_dir).map_err(LoadError::from)?;
        if let Some(message) = staleness(
            &manifest,
            bands,
            &schema.label_noun.singular,
            models.as_ref(),
        ) {
            return Err(CubeOpenError::Stale {
                path: cube_dir.join(cube_files::MANIFEST),
                message,
                rebuild: rebuild_hint(data_dir, cube_dir),
            });
        }
        let days = cube_files::read_days(cube_dir)?;
        let categories = days.categories.clone();
        let (data, report) =
            crate::data::without_orders::load_without_orders(data_dir, categories)?;
        let cube = cube_lake::from_days(&data, &manifest, days, cube_dir)?;
        let mut engine = Engine::around(data, report, bands, cube);
        engine.models = models.map(Arc::new);
        let lake = LakeTable::find(cube_dir, data_dir, &manifest.partition);
        engine.cube_source = Some(CubeSource {
            dir: cube_dir.to_path_buf(),
            manifest,
            lake,
        });
        Ok(engine)
    }

    /// An error for `what` when the engine answers from a cube: it needs every order.
    pub fn needs_orders(&self, what: &str) -> Result<(), EngineError> {
        match &self.cube_source {
            Some(c) => Err(EngineError::NeedsOrders {
                what: what.to_string(),
                cube: c.dir.clone(),
            }),
            None => Ok(()),
        }
    }
}
