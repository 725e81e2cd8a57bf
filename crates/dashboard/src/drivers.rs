//! The Why panel's drivers by contribution: asked for whenever the drill-down shows a seller
//! whose drivers are not known for the window and models on screen, computed by a background
//! job (explaining a sample of orders takes about a second), and shown if still wanted.

use super::action::Effect;
use super::app::App;
use returnrisk_core::engine::contrib::ContributionDrivers;
use returnrisk_core::engine::{AlertRule, Target, Window};
use std::sync::Arc;

/// What the drivers were asked for: the window, and the models (by address).
pub type DriversKey = (Window, usize);

/// The drill-down's drivers by contribution.
#[derive(Clone, Debug, PartialEq)]
pub enum ContribState {
    /// Being computed.
    Computing(DriversKey),
    /// Computed.
    Ready(DriversKey, Box<ContributionDrivers>),
    /// The models cannot explain (saved without node covers).
    Unavailable(DriversKey),
}

impl ContribState {
    fn key(&self) -> DriversKey {
        match self {
            ContribState::Computing(k)
            | ContribState::Ready(k, _)
            | ContribState::Unavailable(k) => *k,
        }
    }
}

impl App {
    /// The key of the window and models on screen (`None` without models, or answering
    /// from a cube built elsewhere: no orders here to explain).
    fn drivers_key(&self) -> Option<DriversKey> {
        let m = self.engine.models.as_ref()?;
        if self.engine.cube_source.is_some() {
            return None;
        }
        Some((self.window, Arc::as_ptr(m) as usize))
    }

    /// Asks for the open drill-down's drivers when they are not known for what is on screen.
    pub(super) fn ask_seller_drivers(&mut self) {
        let Some(key) = self.drivers_key() else {
            return;
        };
        let Some(v) = &mut self.pages.seller else {
            return;
        };
        if v.contrib.as_ref().map(ContribState::key) == Some(key) {
            return;
        }
        v.contrib = Some(ContribState::Computing(key));
        let seller = v.detail.seller_id.clone();
        let rising = self.snap.alerts.iter().any(|a| {
            a.rule == AlertRule::RisingRisk
                && matches!(&a.target, Target::Seller(id) if *id == seller)
        });
        self.effects.push(Effect::SellerDrivers {
            seller,
            window: self.window,
            rising,
        });
    }

    /// A job's drivers: shown if the drill-down still waits for them.
    pub(super) fn seller_drivers(
        &mut self,
        seller: &str,
        window: Window,
        drivers: Option<Box<ContributionDrivers>>,
    ) {
        let key = self.drivers_key();
        let Some(v) = &mut self.pages.seller else {
            return;
        };
        let waiting = matches!(v.contrib, Some(ContribState::Computing(k)) if Some(k) == key && k.0 == window);
        if v.detail.seller_id != seller || !waiting {
            return;
        }
        let Some(k) = key else {
            return;
        };
        v.contrib = Some(match drivers {
            Some(d) => ContribState::Ready(k, d),
            None => ContribState::Unavailable(k),
        });
    }
}
