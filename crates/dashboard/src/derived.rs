//! Answers the dashboard keeps between frames because they cost more than a snapshot: the
//! marketplace's forecast (an exponential-smoothing fit; it does not depend on the window)
//! and the window's briefing (it compares with the window before). Each is recomputed only
//! when what it depends on changed.

use super::app::App;
use returnrisk_core::engine::Window;
use returnrisk_core::engine::brief::{Brief, FORECAST_DAYS};
use returnrisk_core::engine::forecast::ScopeForecast;

/// What a forecast depends on: marketplace, whether the cube is scored, the data.
type ForecastKey = (Option<u16>, bool, u64);
/// What a briefing depends on: the forecast's, the window, the registry's revision.
type BriefKey = (ForecastKey, Window, u64);

/// The cached answers.
#[derive(Clone, Debug, Default)]
pub struct Derived {
    forecast: Option<(ForecastKey, ScopeForecast)>,
    brief: Option<(BriefKey, Brief)>,
}

impl Derived {
    /// The marketplace filter's forecast of returns ([`FORECAST_DAYS`] ahead).
    pub fn forecast(&self) -> Option<&ScopeForecast> {
        self.forecast.as_ref().map(|(_, f)| f)
    }

    /// The window's briefing.
    pub fn brief(&self) -> Option<&Brief> {
        self.brief.as_ref().map(|(_, b)| b)
    }
}

impl App {
    /// Recomputes the forecast and the briefing when what they depend on changed.
    pub(super) fn refresh_derived(&mut self) {
        let e = &self.engine;
        let fkey = (self.marketplace, e.cube.scored, e.data.fingerprint);
        let d = &mut self.derived;
        if d.forecast.as_ref().map(|(k, _)| *k) != Some(fkey) {
            let f = e.marketplace_forecast(self.marketplace, FORECAST_DAYS);
            d.forecast = Some((fkey, f));
        }
        let bkey = (fkey, self.window, self.lifecycle.registry.revision);
        if d.brief.as_ref().map(|(k, _)| *k) != Some(bkey)
            && let Some((_, f)) = &d.forecast
        {
            let registry = Some(&self.lifecycle.registry).filter(|r| !r.models.is_empty());
            let b = e.brief(&self.snap, self.window, self.marketplace, registry, f);
            d.brief = Some((bkey, b));
        }
    }
}
