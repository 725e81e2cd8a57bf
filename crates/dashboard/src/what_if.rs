//! The order pane's actions: opening it over the drill-down (Enter on an order), starting
//! and ending the what-if (`x`), and changing a feature (the engine explains the changed
//! order; the data never changes).

use super::app::App;
use super::page::Goto;
use super::tabs::order::{OrderPane, WhatIf};
use returnrisk_core::data::day_string;
use returnrisk_core::engine::order::Stepper;

/// A number as the what-if shows it: whole numbers without decimals.
fn fmt_value(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

impl App {
    /// Opens the pane of order `id` over its seller's drill-down (opening that first when
    /// another seller's, or none, is shown); false with a message when it cannot. Reached
    /// through [`Goto::Order`].
    pub(super) fn show_order_pane(&mut self, id: &str) -> bool {
        if self.engine.cube_source.is_some() {
            self.say(format!(
                "order {id}: its explanation and what-if need the orders in memory, and this \
                 dashboard answers from a cube; open it with --cube none to explain orders"
            ));
            return false;
        }
        let Some(i) = self.engine.order_index(id) else {
            self.say(format!("no order {id:?}"));
            return false;
        };
        let ds = &self.engine.data;
        let seller = ds.sellers[ds.orders.seller[i] as usize].id.clone();
        let shown = self
            .pages
            .seller
            .as_ref()
            .map(|v| v.detail.seller_id.as_str());
        let to = Goto::Seller {
            id: seller.clone(),
            category: None,
            alert: None,
            order: Some(id.to_string()),
        };
        // The caller's `go` remembers where the user was, once.
        if shown != Some(seller.as_str()) && !self.arrive(to) {
            return false;
        }
        let Some(base) = self.engine.explain_order(i, None) else {
            self.say("the models are not loaded yet: no risk to explain");
            return false;
        };
        let ds = &self.engine.data;
        let status = match ds.orders.returned[i] {
            Some(true) => "returned",
            Some(false) => "kept",
            None => "pending",
        };
        let s = &ds.sellers[ds.orders.seller[i] as usize];
        let about = format!(
            "{} {} | {} | {} | {}",
            s.id,
            s.name,
            day_string(ds.orders.day[i]),
            ds.categories[ds.orders.category[i] as usize],
            status
        );
        if let Some(v) = &mut self.pages.seller {
            v.pane = Some(OrderPane {
                index: i,
                order_id: id.to_string(),
                about,
                base,
                what_if: None,
            });
        }
        true
    }

    /// The open order pane.
    fn pane_mut(&mut self) -> Option<&mut OrderPane> {
        self.pages.seller.as_mut()?.pane.as_mut()
    }

    /// `x`: starts a what-if on the order as it is (its features in the pane's order,
    /// the largest contribution first and selected), or ends the one open.
    pub(super) fn toggle_what_if(&mut self) {
        let mut features = self.engine.steppers().to_vec();
        let Some(p) = self.pane_mut() else {
            return;
        };
        if p.what_if.take().is_some() {
            return;
        }
        let Some(x) = &p.base.explanation else {
            self.say("what-if needs contributions: retrain the models (r)");
            return;
        };
        let rank = |name: &str| x.contributions.iter().position(|c| c.feature == name);
        features.sort_by_key(|f| rank(&f.name).unwrap_or(usize::MAX));
        p.what_if = Some(WhatIf {
            features,
            field: 0,
            edited: p.base.clone(),
        });
    }

    /// ←/→ in the what-if: the selected feature's previous or next value, explained; at the
    /// end of the values the data holds, it stays there and says so.
    pub(super) fn step_what_if(&mut self, by: i32) {
        let Some(p) = self.pages.seller.as_ref().and_then(|v| v.pane.as_ref()) else {
            return;
        };
        let Some(values) = p.stepped(by) else {
            return;
        };
        let i = p.index;
        if let Some(w) = p.what_if.as_ref()
            && values == w.edited.values
            && let Some(Stepper::Number { min, max, .. }) =
                w.features.get(w.field).map(|f| &f.stepper)
        {
            let name = w.features[w.field].name.clone();
            let (lo, hi) = (fmt_value(*min), fmt_value(*max));
            return self.say(format!(
                "{name} stays within the values the data holds ({lo} to {hi}): the model has seen nothing beyond"
            ));
        }
        let Some(edited) = self.engine.explain_order(i, Some(values)) else {
            return;
        };
        if let Some(w) = self.pane_mut().and_then(|p| p.what_if.as_mut()) {
            w.edited = edited;
        }
    }
}
