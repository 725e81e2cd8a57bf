//! The engine: a loaded dataset, its scores and the pre-aggregated cube, answering "everything
//! for window W and marketplace M" without rescanning orders. Knows nothing of the terminal.

pub mod alerts;
pub mod append;
pub mod backtest;
pub mod brief;
pub mod category_columns;
mod cells;
pub mod columns;
pub mod contrib;
pub mod cube;
pub mod cube_cache;
pub mod cube_files;
pub mod cube_lake;
pub mod direction;
pub mod ets;
mod ets_fit;
pub mod explain;
pub mod forecast;
pub mod from_cube;
pub mod health;
pub mod inference;
pub mod lake_orders;
pub mod latency;
mod nelder_mead;
pub mod order;
pub mod pending;
pub mod period;
pub mod rollup;
pub mod seller;
pub mod seller_columns;
mod seller_orders;
pub mod shrink;
pub mod snapshot;
pub mod stats;
mod tested_rules;
pub mod walk;
pub mod window;

use crate::config::RiskBands;
use crate::data::{Dataset, LoadReport};
use crate::drift::report::DriftReport;
use crate::model::{ModelSet, Scores};
use cube::Cube;
use seller_orders::SellerOrders;
use std::sync::Arc;

pub use alerts::{Alert, AlertPolicy, AlertRule, Evidence, Severity, Target};
pub use explain::ExplanationRule;
pub use health::{HealthBand, HealthHold};
pub use seller::{OrderRow, OrderStatus, SellerDetail};
pub use snapshot::{
    CategoryStats, GroupStats, Scope, SellerStats, Snapshot, TrendPoint, snapshot, snapshot_in,
};
pub use window::Window;

/// A query the engine cannot answer.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// No such seller in sellers.csv.
    #[error("unknown seller {0:?}")]
    UnknownSeller(String),
    /// No such marketplace.
    #[error("unknown marketplace {given:?} (known: {known})")]
    UnknownMarketplace {
        /// What was asked for.
        given: String,
        /// Comma-separated known ids.
        known: String,
    },
    /// The engine answers from a cube and `what` needs every order.
    #[error(
        "{what} needs every order, and this answers from the cube in {cube}: run it without \
         --cube (on the orders themselves)"
    )]
    NeedsOrders {
        /// What was asked for.
        what: String,
        /// The cube's folder.
        cube: std::path::PathBuf,
    },
}

/// Models with everything derived from them, ready to swap into an [`Engine`]. Built off the
/// UI thread ([`Prepared::new`] scores every order and aggregates).
pub struct Prepared {
    /// Fingerprint of the data it was computed for (stale results are discarded).
    pub data_fingerprint: u64,
    /// The models.
    pub models: ModelSet,
    /// Scores of every order.
    pub scores: Scores,
    /// The cube built from those scores.
    pub cube: Cube,
    /// Returns to come from the pending orders (all marketplaces, then each).
    pub pending: Vec<pending::PendingReturns>,
    /// Drift of the last [`DRIFT_CURRENT_DAYS`] days against the models' training period.
    pub drift: Option<DriftReport>,
    /// The same for the last [`DRIFT_SHORT_DAYS`] days (the dashboard's 7-day window).
    pub drift_short: Option<DriftReport>,
}

/// Days of the current window behind the drift alerts.
pub const DRIFT_CURRENT_DAYS: u32 = 30;
/// The shorter current window `drift --current` offers (shown in the 7-day window).
pub const DRIFT_SHORT_DAYS: u32 = 7;

impl Prepared {
    /// Scores `data` with `models`, builds the cube and the drift reports.
    pub fn new(data: &Dataset, models: ModelSet, bands: RiskBands) -> Prepared {
        let mut p = Prepared::without_drift(data, models, bands);
        let windows = [DRIFT_CURRENT_DAYS, DRIFT_SHORT_DAYS];
        let reports = crate::drift::cache::load_or_compute(
            data, &p.models, &p.scores, &windows, None,
        )
        .map(|(reports, from)| {
            tracing::debug!(?from, "drift");
            reports
        });
        if let Some([current, short]) = reports
            .ok()
            .and_then(|r| <[DriftReport; 2]>::try_from(r).ok())
        {
            p.drift = Some(current);
            p.drift_short = Some(short);
        }
        p
    }

    /// Scores and cube only: for commands that show no drift and no alerts.
    pub fn without_drift(data: &Dataset, models: ModelSet, bands: RiskBands) -> Prepared {
        let (scores, from) = crate::model::score_cache::load_or_score(data, &models);
        tracing::debug!(?from, "scores");
        Prepared::from_scores(data, models, scores, bands, None)
    }

    /// From scores already computed (and the 30-day drift report, when there is one).
    pub fn from_scores(
        data: &Dataset,
        models: ModelSet,
        scores: Scores,
        bands: RiskBands,
        drift: Option<DriftReport>,
    ) -> Prepared {
        let (cube, from) = cube_cache::load_or_build(data, Some((&scores, &models)), bands);
        tracing::debug!(?from, "cube");
        Prepared {
            data_fingerprint: data.fingerprint,
            pending: pending_by_marketplace(data, &scores, cube.pending_from()),
            models,
            scores,
            cube,
            drift,
            drift_short: None,
        }
    }
}

/// A loaded dataset with its (optional) models, scores and cube.
pub struct Engine {
    /// The data (shared with background training).
    pub data: Arc<Dataset>,
    /// What loading skipped.
    pub load_report: LoadReport,
    /// Risk bands for labels and High-risk counts.
    pub bands: RiskBands,
    /// FDR level and minimum evidence of the tested alert rules (`[alerts]`).
    pub alert_policy: AlertPolicy,
    /// Trained models, once available (shared with background jobs).
    pub models: Option<Arc<ModelSet>>,
    /// Scores of every order, once models are available (shared with background jobs).
    pub scores: Option<Arc<Scores>>,
    /// The pre-aggregation every query reads (shared with background jobs).
    pub cube: Arc<Cube>,
    /// Returns to come from the pending orders: all marketplaces first, then each (empty
    /// without scores). They do not depend on the window.
    pub pending: Vec<pending::PendingReturns>,
    /// Drift of the last 30 days against the training period (once models exist).
    pub drift: Option<DriftReport>,
    /// Drift of the last 7 days.
    pub drift_short: Option<DriftReport>,
    /// Order indices per seller, newest first.
    seller_orders: SellerOrders,
    /// The what-if's features and their ranges, scanned once (the data never changes).
    steppers: std::sync::OnceLock<Vec<order::OrderFeature>>,
    /// The cube built elsewhere this engine answers from (`None`: built from the orders).
    pub cube_source: Option<from_cube::CubeSource>,
    /// The orders' ids indexed for appends (built by the first, grown by each after it).
    known_ids: Arc<std::sync::Mutex<crate::data::id_index::KnownIds>>,
    /// The drift reference's samples, kept by the first report after an append for the next.
    pub drift_reference: Arc<crate::drift::reference::ReferenceMemo>,
}

impl Engine {
    /// An engine without models yet: risk numbers are n/a until [`Engine::set_models`].
    pub fn new(data: Dataset, load_report: LoadReport, bands: RiskBands) -> Engine {
        let (cube, from) = cube_cache::load_or_build(&data, None, bands);
        tracing::debug!(?from, "unscored cube");
        let mut engine = Engine::around(data, load_report, bands, cube);
        engine.seller_orders = SellerOrders::spawn(Arc::clone(&engine.data));
        engine
    }

    /// An engine with models prepared on `data` already (no cube without scores is built).
    pub fn with_prepared(
        data: Dataset,
        load_report: LoadReport,
        bands: RiskBands,
        prepared: Prepared,
    ) -> Engine {
        let mut engine = Engine::around(data, load_report, bands, Cube::default());
        engine.install(prepared);
        engine
    }

    fn around(data: Dataset, load_report: LoadReport, bands: RiskBands, cube: Cube) -> Engine {
        Engine {
            seller_orders: SellerOrders::default(),
            data: Arc::new(data),
            load_report,
            bands,
            alert_policy: AlertPolicy::default(),
            models: None,
            scores: None,
            cube: Arc::new(cube),
            pending: Vec::new(),
            drift: None,
            drift_short: None,
            steppers: std::sync::OnceLock::new(),
            cube_source: None,
            known_ids: Arc::default(),
            drift_reference: Arc::default(),
        }
    }

    /// Scores every order with `models` and rebuilds the cube.
    pub fn set_models(&mut self, models: ModelSet) {
        let prepared = Prepared::new(&self.data, models, self.bands);
        self.install(prepared);
    }

    /// Swaps in models prepared elsewhere (for example on a background thread).
    pub fn install(&mut self, p: Prepared) {
        self.pending = p.pending;
        self.cube = Arc::new(p.cube);
        self.drift = p.drift;
        self.drift_short = p.drift_short;
        self.scores = Some(Arc::new(p.scores));
        self.models = Some(Arc::new(p.models));
    }

    /// Resolves a marketplace id (`None` or `all` = every marketplace).
    pub fn marketplace_index(&self, id: Option<&str>) -> Result<Option<u16>, EngineError> {
        match id {
            None => Ok(None),
            Some(m) if m.eq_ignore_ascii_case("all") => Ok(None),
            Some(m) => self
                .data
                .marketplace_index(m)
                .map(|i| Some(i as u16))
                .ok_or_else(|| EngineError::UnknownMarketplace {
                    given: m.to_string(),
                    known: self.data.marketplaces.join(", "),
                }),
        }
    }

    /// Everything for `window` and `marketplace` (an id, or `None` for all).
    pub fn snapshot(
        &self,
        window: Window,
        marketplace: Option<&str>,
    ) -> Result<Snapshot, EngineError> {
        let mp = self.marketplace_index(marketplace)?;
        Ok(self.snapshot_at(window, mp))
    }

    /// Everything for `window` and a marketplace index, with the drift alerts of that scope.
    pub fn snapshot_at(&self, window: Window, marketplace: Option<u16>) -> Snapshot {
        let mut snap = snapshot(
            &self.data,
            &self.cube,
            self.models.as_deref(),
            window,
            marketplace,
            self.alert_policy,
        );
        snap.pending_returns = self
            .pending
            .get(marketplace.map_or(0, |m| m as usize + 1))
            .cloned();
        if let Some(d) = &self.drift {
            let id = marketplace.map(|m| self.data.marketplaces[m as usize].as_str());
            snap.alerts.extend(alerts::drift_alerts(d, id));
            alerts::rank(&mut snap.alerts);
        }
        snap
    }

    /// The sellers' and categories' sums over the window before `window` (for change columns).
    pub fn previous_groups(
        &self,
        window: Window,
        marketplace: Option<u16>,
        category: Option<u16>,
    ) -> Option<period::PreviousGroups> {
        let scope = Scope {
            marketplace,
            category,
        };
        period::previous_groups(&self.data, &self.cube, window, scope)
    }

    /// A snapshot restricted to one category (its sellers' numbers count only that category).
    pub fn category_snapshot(
        &self,
        window: Window,
        marketplace: Option<u16>,
        category: u16,
    ) -> Snapshot {
        let scope = Scope {
            marketplace,
            category: Some(category),
        };
        snapshot_in(
            &self.data,
            &self.cube,
            self.models.as_deref(),
            window,
            scope,
            self.alert_policy,
        )
    }
}

/// [`pending::PendingReturns`] of every marketplace's pending orders (unlabelled, from day
/// `pending_from` on), all marketplaces first.
fn pending_by_marketplace(
    ds: &Dataset,
    scores: &Scores,
    pending_from: i32,
) -> Vec<pending::PendingReturns> {
    let n = ds.marketplaces.len();
    let mut risk = vec![Vec::new(); n + 1];
    let mut price = vec![Vec::new(); n + 1];
    let o = &ds.orders;
    let pending = |i: usize| o.returned[i].is_none() && o.day[i] >= pending_from;
    for i in (0..o.len()).filter(|&i| pending(i)) {
        for scope in [0, ds.order_marketplace(i) as usize + 1] {
            risk[scope].push(scores.risk[i]);
            price[scope].push(o.price[i]);
        }
    }
    risk.iter()
        .zip(&price)
        .map(|(r, p)| pending::pending_returns(r, p))
        .collect()
}
