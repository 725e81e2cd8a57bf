//! App state and the one place it changes: [`App::update`] applies an [`Action`] and returns
//! the [`Effect`]s for the event loop to run (jobs, file writes, the clipboard); it does no
//! I/O itself. Each tab's state lives in its module; [`App::page_of`] is the one dispatch
//! from a [`Tab`] to it. Drawing reads the state and never changes it (except the viewport
//! and sizes it measures).

use super::action::{Action, Command, Effect};
use super::derived::Derived;
use super::keymap::{KeyMap, Mode, Screen};
use super::navigation::Navigation;
use super::overlays::Overlays;
use super::page::{Goto, Page};
use super::pages::Pages;
use super::palette::Palette;
use super::status::Status;
use super::tab::Tab;
use super::tabs::seller::{OrderFilterKind, SellerView};
use super::theme::Theme;
use returnrisk_core::engine::{Engine, Snapshot, Window};
use returnrisk_core::model::store::Lifecycle;
use std::cell::Cell;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Two clicks on one row within this are a double click (open it).
pub const DOUBLE_CLICK: Duration = Duration::from_millis(500);

pub use super::status::{MESSAGE_TTL, Training};

/// The whole UI state.
pub struct App {
    /// The engine.
    pub engine: Engine,
    /// Keys.
    pub keymap: KeyMap,
    /// Styles.
    pub theme: Theme,
    /// Current window.
    pub window: Window,
    /// Marketplace filter.
    pub marketplace: Option<u16>,
    /// Numbers for (window, marketplace).
    pub snap: Snapshot,
    /// Sellers' and categories' sums over the window before (the tables' change columns).
    pub previous: Option<returnrisk_core::engine::period::PreviousGroups>,
    /// The forecast and the briefing of the window and marketplace, kept while what they
    /// depend on is unchanged ([`super::derived`]).
    pub derived: Derived,
    /// The current tab and the way back.
    pub nav: Navigation,
    /// Every page's own state.
    pub pages: Pages,
    /// The cases' worklist and policy.
    pub cases: super::cases::Cases,
    /// What the status line says.
    pub status: Status,
    /// The help, the live filter, the palette and a y / n question.
    pub overlays: Overlays,
    /// Quit requested.
    pub quit: bool,
    /// Suspend requested (Ctrl-Z or SIGTSTP): the event loop stops the process.
    pub suspend: bool,
    /// Terminal width at the last draw (tab titles depend on it).
    pub width: Cell<u16>,
    /// Data directory shown in the header.
    pub data_label: String,
    /// Where exports go.
    pub export_dir: PathBuf,
    /// Runs and registry for the Models tab.
    pub lifecycle: Lifecycle,
    /// The registry changed while models were loading: re-read once they are in.
    pub registry_changed_while_loading: bool,
    /// A promote or rollback from the dashboard is being applied (its own write of the
    /// registry is not a change from elsewhere).
    pub registry_op_running: bool,
    /// How the data was read (`--strict`, `--date-range`; kept for reloads).
    pub load_options: returnrisk_core::data::LoadOptions,
    /// The log file, named in the message of a job that failed unexpectedly.
    pub log_file: Option<PathBuf>,
    /// The last click on a table row and when (for double clicks).
    pub(super) last_click: Option<(usize, Instant)>,
    /// Effects asked for by the action being applied.
    pub(super) effects: Vec<Effect>,
}

impl App {
    /// A new app over `engine`.
    pub fn new(engine: Engine, keymap: KeyMap, theme: Theme, window: Window) -> App {
        let snap = engine.snapshot_at(window, None);
        let previous = engine.previous_groups(window, None, None);
        let load_warning = engine.load_report.summary();
        let data_label = engine.data.dir.display().to_string();
        let from_cube = engine.cube_source.is_some();
        let mut app = App {
            engine,
            keymap,
            theme,
            window,
            marketplace: None,
            snap,
            previous,
            derived: Derived::default(),
            nav: Navigation::default(),
            pages: Pages::default(),
            cases: super::cases::Cases::default(),
            status: Status::new(load_warning, from_cube),
            overlays: Overlays::default(),
            quit: false,
            suspend: false,
            width: Cell::new(super::ui::WIDE_TABS),
            data_label,
            export_dir: PathBuf::from("."),
            lifecycle: Lifecycle::default(),
            registry_changed_while_loading: false,
            registry_op_running: false,
            load_options: returnrisk_core::data::LoadOptions::default(),
            log_file: None,
            last_click: None,
            effects: Vec::new(),
        };
        app.refresh_derived();
        app
    }

    /// The page of `tab` (the seller drill-down when it is open over Sellers).
    pub fn page_of(&self, tab: Tab) -> &dyn Page {
        match tab {
            Tab::Marketplace => &self.pages.market,
            Tab::Sellers => match &self.pages.seller {
                Some(SellerView { pane: Some(p), .. }) => p,
                Some(s) => s,
                None => &self.pages.sellers,
            },
            Tab::Categories => &self.pages.categories,
            Tab::Alerts => &self.pages.alerts,
            Tab::Models => &self.pages.models,
            Tab::Drift => &self.pages.drift,
            Tab::Monitoring => &self.pages.monitoring,
        }
    }

    /// The page of `tab`, to change.
    pub fn page_of_mut(&mut self, tab: Tab) -> &mut dyn Page {
        match tab {
            Tab::Marketplace => &mut self.pages.market,
            Tab::Sellers => match &mut self.pages.seller {
                Some(SellerView { pane: Some(p), .. }) => p,
                Some(s) => s,
                None => &mut self.pages.sellers,
            },
            Tab::Categories => &mut self.pages.categories,
            Tab::Alerts => &mut self.pages.alerts,
            Tab::Models => &mut self.pages.models,
            Tab::Drift => &mut self.pages.drift,
            Tab::Monitoring => &mut self.pages.monitoring,
        }
    }

    /// The page on screen.
    pub fn page(&self) -> &dyn Page {
        self.page_of(self.nav.tab)
    }

    /// Marketplace id of the filter, or `None` for all.
    pub fn marketplace_id(&self) -> Option<&str> {
        self.marketplace
            .map(|m| self.engine.data.marketplaces[m as usize].as_str())
    }

    /// The screen under any overlay, moving around (the keys help lists).
    pub fn normal_screen(&self) -> Screen {
        Screen {
            mode: Mode::Normal,
            ..self.screen()
        }
    }

    /// What is on screen, for the key map.
    pub fn screen(&self) -> Screen {
        let page = self.page();
        let pane = match (self.nav.tab, &self.pages.seller) {
            (Tab::Sellers, Some(v)) => v.pane.as_ref(),
            _ => None,
        };
        let mode = if self.overlays.confirm.is_some() {
            Mode::Confirm
        } else if self.overlays.help {
            Mode::Help
        } else if pane.is_some_and(|p| p.what_if.is_some()) {
            Mode::WhatIf
        } else if self.overlays.palette.is_some() {
            Mode::Palette
        } else if self.overlays.filtering {
            Mode::Filter
        } else {
            Mode::Normal
        };
        Screen {
            mode,
            table: page.table().is_some(),
            opens: page.opens(),
            sorts: page.sorts(),
            banded: page.banded(),
            detail: self.nav.tab == Tab::Sellers && self.pages.seller.is_some() && pane.is_none(),
            order: pane.is_some(),
            models: self.nav.tab == Tab::Models,
            cases: self.nav.tab == Tab::Monitoring,
            alerts: self.nav.tab == Tab::Alerts,
        }
    }

    /// Shows a one-off message on the status line.
    pub fn say(&mut self, text: impl Into<String>) {
        self.status.say(text);
    }

    /// When the status message expires, if one is shown.
    pub fn message_expires(&self) -> Option<Instant> {
        self.status.message_expires()
    }

    /// Recomputes everything for the current window and marketplace.
    pub(super) fn recompute(&mut self) {
        self.snap = self.engine.snapshot_at(self.window, self.marketplace);
        self.refresh_derived();
        self.previous = self
            .engine
            .previous_groups(self.window, self.marketplace, None);
        if let Some((cat, _)) = self.pages.sellers.scope {
            let s = self
                .engine
                .category_snapshot(self.window, self.marketplace, cat);
            self.pages.sellers.scope = Some((cat, s));
            self.pages.sellers.scope_previous =
                self.engine
                    .previous_groups(self.window, self.marketplace, Some(cat));
        }
        if let Some(v) = &mut self.pages.seller
            && let Ok(fresh) = self.engine.seller_detail(&v.detail.seller_id, self.window)
        {
            // Orders read from the lake stay while they are for this window.
            let lake_read =
                matches!(&v.lake, Some(crate::lake::LakeOrders::Read((_, w))) if *w == self.window);
            let orders = std::mem::take(&mut v.detail.orders);
            v.detail = fresh;
            if lake_read {
                v.detail.orders = orders;
            }
        }
        self.clamp_tables();
    }

    /// Keeps every table's selection and viewport inside its rows.
    pub(super) fn clamp_tables(&mut self) {
        for tab in Tab::ALL {
            let n = self.page_of(tab).rows(self);
            if let Some(t) = self.page_of_mut(tab).table_mut() {
                t.cursor_mut().clamp(n);
            }
        }
    }

    /// Applies one action; returns what the event loop should do next.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        self.apply(action);
        self.ask_seller_drivers();
        self.ask_lake_orders();
        std::mem::take(&mut self.effects)
    }

    fn apply(&mut self, action: Action) {
        match action {
            Action::Command(c) => {
                self.status.message = None;
                self.command(c);
            }
            Action::Click(x, y, at) => self.click(x, y, at),
            Action::Tick => {
                if self.message_expires().is_some_and(|t| Instant::now() >= t) {
                    self.status.message = None;
                }
            }
            Action::Resize => {}
            Action::Done(text) => self.say(text),
            other => self.background(other),
        }
    }

    fn command(&mut self, c: Command) {
        use Command as C;
        match c {
            C::Quit => self.quit = true,
            C::Suspend => self.suspend = true,
            C::Help => {
                self.overlays.help = !self.overlays.help;
                self.overlays.help_scroll = 0;
            }
            C::Back => self.back(),
            C::Up | C::Down | C::PageUp | C::PageDown | C::Top | C::Bottom
                if self.overlays.help =>
            {
                self.overlays.scroll_help(c);
            }
            _ if self.overlays.help => {}
            C::NextTab => self.jump(self.nav.tab.step(1)),
            C::PrevTab => self.jump(self.nav.tab.step(-1)),
            C::GoTab(t) => self.jump(t),
            C::Up | C::Down | C::PageUp | C::PageDown | C::Top | C::Bottom => self.move_cursor(c),
            C::Open => {
                if let Some(to) = self.page().open(self) {
                    self.go(to);
                }
            }
            C::Filter => self.overlays.filtering = self.page().table().is_some(),
            C::Palette => self.overlays.palette = Some(Palette::default()),
            C::Edit(e) => self.edit(e),
            C::Complete => self.complete(),
            C::EditDone => self.edit_done(),
            C::EditCancel => self.edit_cancel(),
            C::Sort | C::ReverseSort => {
                if let Some(t) = self.page_of_mut(self.nav.tab).table_mut() {
                    if c == C::Sort {
                        t.cycle_sort();
                    } else {
                        t.reverse_sort();
                    }
                }
            }
            C::Window => self.set_window(self.window.next()),
            C::PrevWindow => self.set_window(self.window.prev()),
            C::Marketplace | C::PrevMarketplace => self.step_marketplace(c == C::Marketplace),
            C::Export => self.export(),
            C::Copy => self.copy(),
            C::Band => self.page_of_mut(self.nav.tab).cycle_band(),
            C::ClearChips => {
                if let Some(v) = &mut self.pages.seller {
                    v.filter = Default::default();
                    v.view.cursor.reset();
                }
            }
            C::Retrain => self.ask_retrain(),
            C::OrderCategory => self.cycle_order_filter(OrderFilterKind::Category),
            C::OrderStatus => self.cycle_order_filter(OrderFilterKind::Status),
            C::OrderPayment => self.cycle_order_filter(OrderFilterKind::Payment),
            C::NextVersion | C::PrevVersion => {
                let n = self.pages.models.selected_versions(self).len();
                let delta = if c == C::NextVersion { 1 } else { -1 };
                self.pages.models.move_version(delta, n);
            }
            C::WhatIf => self.toggle_what_if(),
            C::WhatIfNext | C::WhatIfPrev => {
                if let Some(p) = self.pages.seller.as_mut().and_then(|v| v.pane.as_mut()) {
                    p.move_field(if c == C::WhatIfNext { 1 } else { -1 });
                }
            }
            C::WhatIfMore | C::WhatIfLess => {
                self.step_what_if(if c == C::WhatIfMore { 1 } else { -1 });
            }
            C::Promote => self.ask_promote(),
            C::Rollback => self.ask_rollback(),
            C::Yes | C::No => self.answer(c == C::Yes),
            C::MoveCase(t) => self.move_case(t),
            C::NoteCase | C::AssignCase => self.annotate_case(c == C::AssignCase),
            C::MarkCase => self.mark_case(),
            C::ToggleGroup => {
                let mut alerts = std::mem::take(&mut self.pages.alerts);
                alerts.toggle_group(self);
                self.pages.alerts = alerts;
            }
        }
    }

    /// Moves the focused table's selection.
    fn move_cursor(&mut self, c: Command) {
        let n = self.page().rows(self);
        let Some(t) = self.page_of_mut(self.nav.tab).table_mut() else {
            return;
        };
        let cur = t.cursor_mut();
        match c {
            Command::Up => cur.move_by(-1, n),
            Command::Down => cur.move_by(1, n),
            Command::PageUp => cur.page_up(n),
            Command::PageDown => cur.page_down(n),
            Command::Top => cur.top(),
            _ => cur.bottom(n),
        }
        if self.nav.tab == Tab::Models {
            self.pages.models.version_cursor = 0;
        }
    }

    /// Switches the window.
    pub(super) fn set_window(&mut self, w: Window) {
        self.window = w;
        self.recompute();
    }

    fn step_marketplace(&mut self, forward: bool) {
        let n = self.engine.data.marketplaces.len() as u16;
        self.marketplace = match (self.marketplace, forward) {
            (None, true) if n > 0 => Some(0),
            (Some(m), true) if m + 1 < n => Some(m + 1),
            (_, true) => None,
            (None, false) => n.checked_sub(1),
            (Some(0), false) => None,
            (Some(m), false) => Some(m - 1),
        };
        self.recompute();
    }

    fn cycle_order_filter(&mut self, which: OrderFilterKind) {
        let ds = &self.engine.data;
        let payments: Vec<String> = ds
            .roles
            .payment
            .map_or(Vec::new(), |f| ds.levels(f).to_vec());
        if let Some(v) = &mut self.pages.seller {
            v.cycle_filter(which, &payments);
        }
    }

    /// `e`: the table on screen, with its context, to a CSV file (the loop writes it).
    pub(super) fn export(&mut self) {
        match self.page().export(self) {
            Some(table) => {
                let table = table.with_context(self.window, self.marketplace_id());
                self.effects.push(Effect::Export(table));
            }
            None => self
                .say("nothing to export on this screen: it has no table (every tab and the drill-down have one)"),
        }
    }

    /// `y`: the selected row's id to the clipboard.
    fn copy(&mut self) {
        match self.page().selected_id(self) {
            Some(id) => {
                self.say(format!("copied {id} to the clipboard (OSC 52)"));
                self.effects.push(Effect::Copy(id));
            }
            None => self.say("nothing selected to copy"),
        }
    }

    /// Goes to `to` through the palette or a test: the same as Enter on a row leading there.
    pub fn open(&mut self, to: Goto) {
        self.go(to);
    }

    /// Opens the drill-down of a seller (from anywhere; Esc comes back).
    pub fn open_seller(&mut self, id: &str) {
        self.go(Goto::Seller {
            id: id.to_string(),
            category: None,
            alert: None,
            order: None,
        });
    }
}
