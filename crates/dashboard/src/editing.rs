//! Typing: the live filter of the focused table and the command palette, both edited like
//! a shell line ([`super::line_edit`]).

use super::app::App;
use super::line_edit::Edit;
use super::page::Goto;
use super::palette::{Lookup, PaletteCommand, parse};
use super::tab::Tab;
use returnrisk_core::engine::Window;

impl App {
    /// Applies an edit to the line being typed (the filter narrows the table as you type).
    pub(super) fn edit(&mut self, e: Edit) {
        if let Some(p) = &mut self.overlays.palette {
            p.line.apply(e);
        } else if self.overlays.filtering
            && let Some(t) = self.page_of_mut(self.nav.tab).table_mut()
        {
            let c = t.cursor_mut();
            c.filter.apply(e);
            c.reset();
        }
    }

    /// What the palette finds names in: the data and the cases.
    pub fn lookup(&self) -> Lookup<'_> {
        Lookup {
            data: &self.engine.data,
            cases: self.cases.worklist.as_ref(),
        }
    }

    /// Tab in the palette: completes the word from the data.
    pub(super) fn complete(&mut self) {
        let Some(mut p) = self.overlays.palette.take() else {
            return;
        };
        p.complete(&self.lookup());
        self.overlays.palette = Some(p);
    }

    /// Enter: keeps the filter, or runs the palette's command (an error keeps the line).
    pub(super) fn edit_done(&mut self) {
        self.overlays.filtering = false;
        let Some(p) = &self.overlays.palette else {
            return;
        };
        match parse(p.line.text(), &self.lookup()) {
            Ok(cmd) => {
                self.overlays.palette = None;
                self.run(cmd);
            }
            Err(e) => self.say(e),
        }
    }

    /// Esc while typing: drops the filter, or closes the palette.
    pub(super) fn edit_cancel(&mut self) {
        if self.overlays.palette.take().is_some() {
            return;
        }
        self.overlays.filtering = false;
        if let Some(t) = self.page_of_mut(self.nav.tab).table_mut() {
            t.cursor_mut().filter.clear();
        }
        self.clamp_tables();
    }

    /// Runs a palette command.
    fn run(&mut self, cmd: PaletteCommand) {
        match cmd {
            PaletteCommand::Seller(id) => self.open_seller(&id),
            PaletteCommand::Order(id) => self.open_order(&id),
            PaletteCommand::Category(c) => self.go(Goto::CategorySellers(c)),
            PaletteCommand::Window(w) => self.set_window(w),
            PaletteCommand::Market(m) => {
                self.marketplace = m;
                self.recompute();
            }
            PaletteCommand::Export => self.export(),
            PaletteCommand::MinOrders(n) => {
                self.pages.sellers.min_orders = n;
                self.say(match n {
                    0 => "sellers rank by their numbers whatever their size".to_string(),
                    n => format!("sellers under {n} orders rank last on mean-based sorts"),
                });
            }
            PaletteCommand::Tab(t) => self.jump(t),
            PaletteCommand::Case(id) => self.show_case(id),
            PaletteCommand::Change(change) => self.change_case(change),
        }
    }

    /// The Monitoring tab with case `id` selected (its filter cleared when it hides it).
    fn show_case(&mut self, id: i64) {
        self.jump(Tab::Monitoring);
        let at = |a: &App| {
            a.pages
                .monitoring
                .rows(a)
                .iter()
                .position(|d| d.case.id == id)
        };
        if at(self).is_none() {
            self.pages.monitoring.view.cursor.filter.clear();
        }
        if let Some(i) = at(self) {
            self.pages.monitoring.view.cursor.selected = i;
        }
    }

    /// The drill-down of an order's seller with the order selected; a window that does not
    /// reach back to the order widens to all time (and says so).
    fn open_order(&mut self, id: &str) {
        let Some(i) = self.engine.order_index(id) else {
            return self.say(format!("no order {id:?}"));
        };
        let ds = &self.engine.data;
        let seller = ds.sellers[ds.orders.seller[i] as usize].id.clone();
        let day = ds.orders.day[i];
        let cube = &self.engine.cube;
        let here = self.location();
        if day < self.window.start_day(cube.last_day, cube.first_day) {
            let was = self.window;
            self.set_window(Window::All);
            self.say(format!(
                "{id} is older than the {was}d window: showing all time (Esc goes back to {was}d)"
            ));
        }
        let to = Goto::Seller {
            id: seller,
            category: None,
            alert: None,
            order: Some(id.to_string()),
        };
        self.go_from(here, to);
        debug_assert_eq!(self.nav.tab, Tab::Sellers);
    }
}
