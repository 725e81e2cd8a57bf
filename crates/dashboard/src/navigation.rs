//! Moving around: where the user is ([`Location`]), going somewhere ([`Goto`], from Enter,
//! the palette or a double click) with a history Esc walks back through, jumping between tabs
//! (Tab, numbers, clicks on the tab row; no history), and the mouse on table rows.

use super::app::{App, DOUBLE_CLICK};
use super::page::Goto;
use super::tab::Tab;
use super::table::{TableCursor, TableView};
use super::tabs::seller::{OrderFilter, OrderSort, SellerView};
use returnrisk_core::engine::category_columns::CategoryExtra;
use returnrisk_core::engine::{CategoryStats, Window};
use std::time::Instant;

/// The longest history kept.
const HISTORY: usize = 50;

/// Where the user is, and the way back (at first: the Marketplace tab, nowhere to go back).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Navigation {
    /// Current tab.
    pub tab: Tab,
    /// Where Esc goes back to, most recent last.
    pub history: Vec<Location>,
}

/// A place on screen that Esc can return to, as it was: window, marketplace, the tab's
/// filter, selection and scroll, or the drill-down with its chips.
#[derive(Clone, Debug, PartialEq)]
pub struct Location {
    /// The tab.
    pub tab: Tab,
    /// The window.
    pub window: Window,
    /// The marketplace filter.
    pub marketplace: Option<u16>,
    /// The category the Sellers tab was narrowed to.
    pub scope: Option<u16>,
    /// The tab's table: its live filter, selection and scroll.
    pub table: Option<TableCursor>,
    /// The open drill-down.
    pub seller: Option<SellerPlace>,
}

/// An open drill-down, enough to open it again as it was.
#[derive(Clone, Debug, PartialEq)]
pub struct SellerPlace {
    /// The seller.
    pub id: String,
    /// Its order filters (the chips).
    pub filter: OrderFilter,
    /// Its orders table: sort, live filter, selection and scroll.
    pub view: TableView<OrderSort>,
    /// The alert that led there.
    pub alert: Option<String>,
}

impl App {
    /// Where the user is.
    pub fn location(&self) -> Location {
        let table = self
            .page_of(self.nav.tab)
            .table()
            .map(|t| t.cursor().clone());
        Location {
            tab: self.nav.tab,
            window: self.window,
            marketplace: self.marketplace,
            scope: self.pages.sellers.scope.as_ref().map(|(c, _)| *c),
            table: table.filter(|_| self.pages.seller.is_none()),
            seller: self.pages.seller.as_ref().map(|v| SellerPlace {
                id: v.detail.seller_id.clone(),
                filter: v.filter.clone(),
                view: v.view.clone(),
                alert: v.alert.clone(),
            }),
        }
    }

    /// Goes to `to`, remembering where from (Esc returns there).
    pub(super) fn go(&mut self, to: Goto) {
        let here = self.location();
        self.go_from(here, to);
    }

    /// Goes to `to`; Esc returns to `here` (taken before anything changed on the way).
    pub(super) fn go_from(&mut self, here: Location, to: Goto) {
        if self.arrive(to) && self.location() != here {
            self.nav.history.push(here);
            if self.nav.history.len() > HISTORY {
                self.nav.history.remove(0);
            }
        }
    }

    /// Shows `to`; false (with a message) when it cannot be shown.
    pub(super) fn arrive(&mut self, to: Goto) -> bool {
        match to {
            Goto::Seller {
                id,
                category,
                alert,
                order,
            } => {
                let detail = match self.engine.seller_detail(&id, self.window) {
                    Ok(d) => d,
                    Err(e) => {
                        self.say(e.to_string());
                        return false;
                    }
                };
                let name = category.map(|c| self.engine.data.categories[c as usize].clone());
                let mut view = SellerView::new(detail, name, alert);
                if let Some(order) = order {
                    let at = view.rows().iter().position(|o| o.order_id == order);
                    view.view.cursor.selected = at.unwrap_or(0);
                }
                self.pages.seller = Some(view);
                self.nav.tab = Tab::Sellers;
            }
            Goto::Order(id) => return self.show_order_pane(&id),
            Goto::CategorySellers(c) => {
                self.set_scope(Some(c));
                self.pages.seller = None;
                self.nav.tab = Tab::Sellers;
            }
            Goto::Category(c) => {
                let name = self.engine.data.categories[c as usize].clone();
                let extra =
                    |c: &CategoryStats| CategoryExtra::of(c, &self.engine, self.previous.as_ref());
                self.pages
                    .categories
                    .select(&self.snap.categories, &extra, &name);
                self.pages.seller = None;
                self.nav.tab = Tab::Categories;
            }
            Goto::Market(tab, m) => {
                if self.marketplace != m {
                    let name = |a: &App| a.marketplace_id().unwrap_or("all").to_string();
                    let was = name(self);
                    self.marketplace = m;
                    self.recompute();
                    let now = name(self);
                    self.say(format!("marketplace: {now} (was {was}; Esc goes back)"));
                }
                self.pages.seller = None;
                self.nav.tab = tab;
            }
        }
        self.overlays.filtering = false;
        true
    }

    /// Narrows the Sellers tab to a category (a new scope starts at the first row).
    fn set_scope(&mut self, scope: Option<u16>) {
        let now = self.pages.sellers.scope.as_ref().map(|(c, _)| *c);
        if now == scope {
            return;
        }
        self.pages.sellers.scope = scope.map(|c| {
            let s = self
                .engine
                .category_snapshot(self.window, self.marketplace, c);
            (c, s)
        });
        self.pages.sellers.scope_previous = scope.and_then(|c| {
            self.engine
                .previous_groups(self.window, self.marketplace, Some(c))
        });
        self.pages.sellers.view.cursor.reset();
    }

    /// Shows a remembered location again, as it was.
    fn restore(&mut self, loc: Location) {
        if (loc.window, loc.marketplace) != (self.window, self.marketplace) {
            self.window = loc.window;
            self.marketplace = loc.marketplace;
            self.recompute();
        }
        self.set_scope(loc.scope);
        self.pages.seller = None;
        self.nav.tab = loc.tab;
        if let Some(p) = loc.seller {
            match self.engine.seller_detail(&p.id, self.window) {
                Ok(d) => {
                    let mut v = SellerView::new(d, None, p.alert);
                    v.filter = p.filter;
                    v.view = p.view;
                    self.pages.seller = Some(v);
                }
                Err(e) => self.say(e.to_string()),
            }
        } else if let (Some(cursor), Some(t)) = (loc.table, self.page_of_mut(loc.tab).table_mut()) {
            *t.cursor_mut() = cursor;
        }
        self.clamp_tables();
    }

    /// Esc: closes the help, clears the table's filter, closes the order pane, else goes back
    /// where the user came from (or, with no history, closes the drill-down and the category scope).
    pub(super) fn back(&mut self) {
        if self.overlays.help {
            self.overlays.help = false;
            return;
        }
        if let Some(t) = self.page_of_mut(self.nav.tab).table_mut()
            && !t.cursor().filter.is_empty()
        {
            t.cursor_mut().filter.clear();
            self.clamp_tables();
            return;
        }
        if let Some(v) = &mut self.pages.seller
            && v.pane.take().is_some()
        {
            return;
        }
        if let Some(loc) = self.nav.history.pop() {
            self.restore(loc);
        } else if self.pages.seller.is_some() {
            self.pages.seller = None;
        } else if self.nav.tab == Tab::Sellers && self.pages.sellers.scope.is_some() {
            self.set_scope(None);
        }
    }

    /// Tab, Shift-Tab, a number or a click on the tab row: another tab, no history (Esc
    /// still returns along the trail that led here).
    pub(super) fn jump(&mut self, tab: Tab) {
        self.pages.seller = None;
        self.overlays.filtering = false;
        self.nav.tab = tab;
        self.clamp_tables();
    }

    /// A left click: a tab title switches tab; a row is selected; a second click on the same
    /// row within [`DOUBLE_CLICK`] opens it.
    pub(super) fn click(&mut self, x: u16, y: u16, at: Instant) {
        if y == 1 {
            if let Some(t) = super::ui::tab_at(x, super::ui::TabRow::of(self)) {
                self.jump(t);
            }
            return;
        }
        let n = self.page().rows(self);
        let Some(row) = self.page().table().and_then(|t| t.cursor().row_at(x, y, n)) else {
            return;
        };
        if let Some(t) = self.page_of_mut(self.nav.tab).table_mut() {
            t.cursor_mut().selected = row;
        }
        let double = self
            .last_click
            .is_some_and(|(r, when)| r == row && at.duration_since(when) <= DOUBLE_CLICK);
        self.last_click = Some((row, at));
        if double {
            self.last_click = None;
            if let Some(to) = self.page().open(self) {
                self.go(to);
            }
        }
    }
}
