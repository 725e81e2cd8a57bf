//! Moving around: drill-downs, Enter on a row (seller, category, alert target), Esc, and
//! the drill-down's order filters.

use super::app::{ALERTS, App, CATEGORIES, DetailView, SELLERS};
use super::views::{self, ListView, OrderFilter};
use crate::engine::Target;

impl App {
    /// Opens the drill-down of a seller.
    pub fn open_seller(&mut self, id: &str) {
        match self.engine.seller_detail(id, self.window) {
            Ok(detail) => {
                self.detail = Some(DetailView {
                    detail,
                    list: ListView::default(),
                    filter: OrderFilter::default(),
                });
                self.tab = SELLERS;
            }
            Err(e) => self.message = Some(e.to_string()),
        }
    }

    pub(super) fn open(&mut self) {
        if self.detail.is_some() {
            return;
        }
        let selected = self
            .lists
            .get(self.tab.wrapping_sub(1))
            .map_or(0, |l| l.selected);
        match self.tab {
            SELLERS => {
                let id = views::seller_rows(self.sellers_source(), &self.lists[0])
                    .get(selected)
                    .map(|s| s.seller_id.clone());
                if let Some(id) = id {
                    self.open_seller(&id);
                }
            }
            CATEGORIES => {
                let name = views::category_rows(&self.snap.categories, &self.lists[1])
                    .get(selected)
                    .map(|c| c.category.clone());
                if let Some(ci) =
                    name.and_then(|n| self.engine.data.categories.iter().position(|c| *c == n))
                {
                    let s = self
                        .engine
                        .category_snapshot(self.window, self.marketplace, ci as u16);
                    self.category_scope = Some((ci as u16, s));
                    self.lists[0] = ListView::default();
                    self.switch_tab(SELLERS);
                }
            }
            ALERTS => {
                let target = views::alert_rows(&self.snap.alerts, &self.lists[2])
                    .get(selected)
                    .map(|a| a.target.clone());
                match target {
                    Some(Target::Seller(id)) => self.open_seller(&id),
                    Some(Target::Marketplace(id)) => {
                        self.marketplace =
                            self.engine.data.marketplace_index(&id).map(|m| m as u16);
                        self.recompute();
                        self.switch_tab(0);
                    }
                    Some(Target::Category(name)) => {
                        self.lists[1] = ListView::default();
                        let pos = views::category_rows(&self.snap.categories, &self.lists[1])
                            .iter()
                            .position(|c| c.category == name);
                        self.switch_tab(CATEGORIES);
                        self.lists[1].selected = pos.unwrap_or(0);
                    }
                    None => {}
                }
            }
            _ => {}
        }
    }

    pub(super) fn back(&mut self) {
        if self.help {
            self.help = false;
        } else if self.filtering {
            self.filtering = false;
            if let Some(l) = self.focused_list() {
                l.filter.clear();
            }
        } else if self.detail.is_some() {
            self.detail = None;
        } else if let Some(l) = self.focused_list().filter(|l| !l.filter.is_empty()) {
            l.filter.clear();
        } else if self.category_scope.is_some() && self.tab == SELLERS {
            self.category_scope = None;
        }
        self.clamp_selection();
    }

    pub(super) fn cycle_order_filter(&mut self, which: u8) {
        let Some(d) = &mut self.detail else { return };
        match which {
            0 => {
                let mut cats: Vec<String> =
                    d.detail.orders.iter().map(|o| o.category.clone()).collect();
                cats.sort();
                cats.dedup();
                d.filter.category = views::cycle(&d.filter.category, &cats);
            }
            1 => d.filter.status = views::cycle(&d.filter.status, crate::engine::OrderStatus::ALL),
            _ => {
                // The dataset's payment methods, in its level order.
                let ds = &self.engine.data;
                let pays: Vec<String> = ds
                    .roles
                    .payment
                    .map_or(Vec::new(), |f| ds.levels(f).to_vec());
                d.filter.payment = views::cycle(&d.filter.payment, &pays);
            }
        }
        d.list.selected = 0;
    }
}
