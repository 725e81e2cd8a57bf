//! The order pane's actions: opening it over the drill-down (Enter on an order), starting
//! and ending the what-if (`x`), and changing a feature (the engine explains the changed
//! order; the data never changes).

use super::app::App;
use super::page::Goto;
use super::tabs::order::{OrderPane, WhatIf};
use returnrisk_core::data::{OrderFeatures, day_string};
use returnrisk_core::engine::lake_orders::lake_order;
use returnrisk_core::engine::order::{OrderContext, Stepper, order_features};
use returnrisk_core::engine::seller::OrderStatus;

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
            return self.show_lake_order_pane(id);
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
        let ds = &self.engine.data;
        let status = OrderStatus::of(ds.orders.returned[i]);
        let s = &ds.sellers[ds.orders.seller[i] as usize];
        let about = format!(
            "{} {} | {} | {} | {status}",
            s.id,
            s.name,
            day_string(ds.orders.day[i]),
            ds.categories[ds.orders.category[i] as usize],
        );
        let order = self.engine.order_context(i);
        let values = order_features(&self.engine.data, i);
        self.open_pane(id, about, order, values)
    }

    /// [`App::show_order_pane`] on a dashboard answering from a cube: the order is one of
    /// the open drill-down's orders read from the lake, explained by the models in use.
    fn show_lake_order_pane(&mut self, id: &str) -> bool {
        let Some(v) = &self.pages.seller else {
            self.say(format!(
                "order {id}: on a cube, orders are explained from a seller's drill-down (its \
                 orders are read from the lake); open the seller, then Enter on the order"
            ));
            return false;
        };
        if let Some(why) = v.lake.as_ref().and_then(|l| l.message()) {
            let why = why.to_string();
            self.say(format!("order {id}: {why}"));
            return false;
        }
        let Some(row) = v.detail.orders.iter().find(|o| o.order_id == id) else {
            self.say(format!(
                "order {id} is not among {}'s orders of this window read from the lake",
                v.detail.seller_id
            ));
            return false;
        };
        let Some((order, values)) = lake_order(&v.detail.seller_id, row) else {
            self.say(format!("order {id}: its date {:?} is not a day", row.date));
            return false;
        };
        let about = format!(
            "{} {} | {} | {} | {} | read from the lake",
            v.detail.seller_id, v.detail.seller_name, row.date, row.category, row.status
        );
        self.open_pane(id, about, order, values)
    }

    /// Puts the pane of order `id` (described by `about`) with `values` explained over the
    /// drill-down; false with a message before the models are loaded.
    fn open_pane(
        &mut self,
        id: &str,
        about: String,
        order: OrderContext,
        values: OrderFeatures,
    ) -> bool {
        let Some(base) = self.engine.explain(&order, values) else {
            self.say("the models are not loaded yet: no risk to explain");
            return false;
        };
        if let Some(v) = &mut self.pages.seller {
            v.pane = Some(OrderPane {
                order,
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
        if self.engine.cube_source.is_some() {
            self.say(
                "what-if steps each feature within the values the orders hold, and this \
                 dashboard answers from a cube; open it with --cube none for what-if",
            );
            return;
        }
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
        let order = p.order.clone();
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
        let Some(edited) = self.engine.explain(&order, values) else {
            return;
        };
        if let Some(w) = self.pane_mut().and_then(|p| p.what_if.as_mut()) {
            w.edited = edited;
        }
    }
}
