//! App state and the one place it changes: [`App::update`] applies an [`Action`]. Drawing
//! reads the state and never mutates it (except the page height it measures).

use super::action::{Action, Command};
use super::keymap::KeyMap;
use super::lifecycle::{Confirm, DRIFT_SORTS, MODEL_SORTS, RegistryOp};
use super::theme::Theme;
use super::views::{
    self, ALERT_SORTS, CATEGORY_SORTS, ListView, ORDER_SORTS, OrderFilter, SELLER_SORTS,
};
use crate::engine::{Engine, SellerDetail, Snapshot, Window};
use crate::model::store::{Lifecycle, Provenance};
use std::cell::Cell;
use std::path::PathBuf;

/// Tab titles, in order.
pub const TABS: [&str; 6] = [
    "Marketplace",
    "Sellers",
    "Categories",
    "Alerts",
    "Models",
    "Drift",
];
/// Index of the Sellers tab.
pub const SELLERS: usize = 1;
/// Index of the Categories tab.
pub const CATEGORIES: usize = 2;
/// Index of the Alerts tab.
pub const ALERTS: usize = 3;
/// Index of the Models tab.
pub const MODELS: usize = 4;
/// Index of the Drift tab.
pub const DRIFT: usize = 5;

/// Where the models are.
#[derive(Clone, Debug, PartialEq)]
pub enum Training {
    /// Loading saved models or starting to train.
    Starting,
    /// Training: models done of total.
    Running(usize, usize),
    /// Models are in use.
    Ready(Provenance),
    /// Training failed (the message says why).
    Failed(String),
}

/// The seller drill-down.
#[derive(Clone, Debug)]
pub struct DetailView {
    /// The engine's answer.
    pub detail: SellerDetail,
    /// Order table state.
    pub list: ListView,
    /// Order filters.
    pub filter: OrderFilter,
}

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
    /// Current tab.
    pub tab: usize,
    /// Sellers, categories, alerts, models and drift tables (tab index - 1).
    pub lists: [ListView; 5],
    /// Sellers narrowed to a category (after Enter on a category): its index and numbers.
    pub category_scope: Option<(u16, Snapshot)>,
    /// The open drill-down.
    pub detail: Option<DetailView>,
    /// Model state.
    pub training: Training,
    /// Load warnings (rows skipped and why), kept on the status line.
    pub load_warning: Option<String>,
    /// The latest one-off message (export path, retrain started...).
    pub message: Option<String>,
    /// Help overlay shown.
    pub help: bool,
    /// Typing into the live filter.
    pub filtering: bool,
    /// Quit requested.
    pub quit: bool,
    /// Retrain requested (the event loop starts it).
    pub retrain_requested: bool,
    /// Models needed without forcing a new run (after new data).
    pub models_requested: bool,
    /// Rows per page of the focused table, measured while drawing.
    pub page_rows: Cell<usize>,
    /// Terminal width at the last draw (tab titles depend on it).
    pub width: Cell<u16>,
    /// Data directory shown in the header.
    pub data_label: String,
    /// Where exports go.
    pub export_dir: PathBuf,
    /// Runs and registry for the Models tab.
    pub lifecycle: Lifecycle,
    /// Models tab: index into the selected model's versions (newest first).
    pub version_cursor: usize,
    /// A question waiting for y / n.
    pub confirm: Option<Confirm>,
    /// A confirmed registry change (the event loop runs it).
    pub registry_op: Option<RegistryOp>,
    /// Data changed on disk (the event loop reloads it).
    pub reload_data_requested: bool,
    /// The registry changed on disk (the event loop re-reads the active models).
    pub reload_models_requested: bool,
    /// The registry changed while models were loading: re-read once they are in.
    pub registry_changed_while_loading: bool,
    /// How the data was read (`--strict`, `--date-range`; kept for reloads).
    pub load_options: crate::data::LoadOptions,
    /// The log file, named in the message of a job that failed unexpectedly.
    pub log_file: Option<PathBuf>,
}

impl App {
    /// A new app over `engine`.
    pub fn new(engine: Engine, keymap: KeyMap, theme: Theme, window: Window) -> App {
        let snap = snapshot_for(&engine, window, None);
        let load_warning = engine.load_report.summary();
        let data_label = engine.data.dir.display().to_string();
        App {
            engine,
            keymap,
            theme,
            window,
            marketplace: None,
            snap,
            tab: 0,
            lists: Default::default(),
            category_scope: None,
            detail: None,
            training: Training::Starting,
            load_warning,
            message: None,
            help: false,
            filtering: false,
            quit: false,
            retrain_requested: false,
            models_requested: false,
            page_rows: Cell::new(10),
            width: Cell::new(super::ui::WIDE_TABS),
            data_label,
            export_dir: PathBuf::from("."),
            lifecycle: Lifecycle::default(),
            version_cursor: 0,
            confirm: None,
            registry_op: None,
            reload_data_requested: false,
            reload_models_requested: false,
            registry_changed_while_loading: false,
            load_options: crate::data::LoadOptions::default(),
            log_file: None,
        }
    }

    /// Marketplace id of the filter, or `None` for all.
    pub fn marketplace_id(&self) -> Option<&str> {
        self.marketplace
            .map(|m| self.engine.data.marketplaces[m as usize].as_str())
    }

    /// Whether a table has focus (for keys and footer).
    pub fn has_table(&self) -> bool {
        self.detail.is_some() || self.tab != 0
    }

    /// What is on screen, for the key map.
    pub fn screen(&self) -> super::keymap::Screen {
        super::keymap::Screen {
            table: self.has_table(),
            detail: self.detail.is_some(),
            models: self.detail.is_none() && self.tab == MODELS,
        }
    }

    /// The sellers the Sellers tab lists (narrowed to a category when one was opened).
    pub fn sellers_source(&self) -> &[crate::engine::SellerStats] {
        match &self.category_scope {
            Some((_, s)) => &s.sellers,
            None => &self.snap.sellers,
        }
    }

    /// Recomputes everything for the current window and marketplace.
    pub(super) fn recompute(&mut self) {
        self.snap = snapshot_for(&self.engine, self.window, self.marketplace);
        if let Some((cat, _)) = self.category_scope {
            let s = self
                .engine
                .category_snapshot(self.window, self.marketplace, cat);
            self.category_scope = Some((cat, s));
        }
        if let Some(d) = &mut self.detail
            && let Ok(fresh) = self.engine.seller_detail(&d.detail.seller_id, self.window)
        {
            d.detail = fresh;
        }
        self.clamp_selection();
    }

    /// Number of rows in the focused table.
    pub fn row_count(&self) -> usize {
        if let Some(d) = &self.detail {
            return views::order_rows(&d.detail.orders, &d.filter, &d.list).len();
        }
        match self.tab {
            SELLERS => views::seller_rows(self.sellers_source(), &self.lists[0]).len(),
            CATEGORIES => views::category_rows(&self.snap.categories, &self.lists[1]).len(),
            ALERTS => views::alert_rows(&self.snap.alerts, &self.lists[2]).len(),
            _ => self.lifecycle_row_count(),
        }
    }

    /// The focused table's state.
    pub fn focused_list(&mut self) -> Option<&mut ListView> {
        if let Some(d) = &mut self.detail {
            return Some(&mut d.list);
        }
        match self.tab {
            SELLERS..=DRIFT => Some(&mut self.lists[self.tab - 1]),
            _ => None,
        }
    }

    pub(super) fn clamp_selection(&mut self) {
        let n = self.row_count();
        if let Some(l) = self.focused_list() {
            l.selected = l.selected.min(n.saturating_sub(1));
        }
    }

    fn move_selection(&mut self, delta: isize) {
        let n = self.row_count();
        if let Some(l) = self.focused_list() {
            let max = n.saturating_sub(1) as isize;
            l.selected = (l.selected as isize + delta).clamp(0, max) as usize;
        }
        self.version_cursor = 0;
    }

    fn sort_columns(&self) -> usize {
        if self.detail.is_some() {
            return ORDER_SORTS.len();
        }
        match self.tab {
            SELLERS => SELLER_SORTS.len(),
            CATEGORIES => CATEGORY_SORTS.len(),
            MODELS => MODEL_SORTS.len(),
            DRIFT => DRIFT_SORTS.len(),
            _ => ALERT_SORTS.len(),
        }
    }

    pub(super) fn switch_tab(&mut self, tab: usize) {
        self.detail = None;
        self.filtering = false;
        self.tab = tab % TABS.len();
        self.clamp_selection();
    }

    /// Applies one action.
    pub fn update(&mut self, action: Action) {
        match action {
            Action::Command(Command::Quit) => self.quit = true,
            Action::Command(Command::Help) => self.help = !self.help,
            Action::Command(Command::Back) => self.back(),
            Action::ModelsReady(prepared, _) | Action::ModelsReloaded(prepared, ..)
                if prepared.data_fingerprint != self.engine.data.fingerprint =>
            {
                // Computed for data that has since been replaced: a load for the new data
                // is already under way.
                tracing::info!("discarded models prepared for replaced data");
            }
            _ if self.help => {}
            Action::Command(Command::NextTab) => self.switch_tab(self.tab + 1),
            Action::Command(Command::PrevTab) => self.switch_tab(self.tab + TABS.len() - 1),
            Action::Command(Command::GoTab(i)) => self.switch_tab(i),
            Action::Command(Command::Up) => self.move_selection(-1),
            Action::Command(Command::Down) => self.move_selection(1),
            Action::Command(Command::PageUp) => {
                self.move_selection(-(self.page_rows.get().max(1) as isize))
            }
            Action::Command(Command::PageDown) => {
                self.move_selection(self.page_rows.get().max(1) as isize)
            }
            Action::Command(Command::Top) => self.move_selection(isize::MIN / 2),
            Action::Command(Command::Bottom) => self.move_selection(isize::MAX / 2),
            Action::Command(Command::Open) => self.open(),
            Action::Command(Command::Filter) => self.filtering = self.has_table(),
            Action::FilterChar(c) => {
                if let Some(l) = self.focused_list() {
                    l.filter.push(c);
                    l.selected = 0;
                }
            }
            Action::FilterBackspace => {
                if let Some(l) = self.focused_list() {
                    l.filter.pop();
                }
                self.clamp_selection();
            }
            Action::FilterDone => self.filtering = false,
            Action::Command(Command::Sort) => {
                let n = self.sort_columns();
                if let Some(l) = self.focused_list() {
                    l.sort = (l.sort + 1) % n;
                    l.selected = 0;
                }
            }
            Action::Command(Command::ReverseSort) => {
                if let Some(l) = self.focused_list() {
                    l.ascending = !l.ascending;
                    l.selected = 0;
                }
            }
            Action::Command(Command::Window) => {
                self.window = self.window.next();
                self.recompute();
            }
            Action::Command(Command::PrevWindow) => {
                self.window = self.window.prev();
                self.recompute();
            }
            Action::Command(Command::Marketplace) => {
                let n = self.engine.data.marketplaces.len() as u16;
                self.marketplace = match self.marketplace {
                    None if n > 0 => Some(0),
                    Some(m) if m + 1 < n => Some(m + 1),
                    _ => None,
                };
                self.recompute();
            }
            Action::Command(Command::PrevMarketplace) => {
                let n = self.engine.data.marketplaces.len() as u16;
                self.marketplace = match self.marketplace {
                    None => n.checked_sub(1),
                    Some(0) => None,
                    Some(m) => Some(m - 1),
                };
                self.recompute();
            }
            Action::Command(Command::Export) => self.message = Some(super::export::export(self)),
            Action::Command(Command::Retrain) => {
                if !matches!(self.training, Training::Running(..) | Training::Starting) {
                    self.confirm = Some(super::lifecycle::Confirm {
                        prompt: "Train a new run and register its models?".into(),
                        op: super::lifecycle::Confirmed::Retrain,
                    });
                }
            }
            Action::Command(Command::OrderCategory) => self.cycle_order_filter(0),
            Action::Command(Command::OrderStatus) => self.cycle_order_filter(1),
            Action::Command(Command::OrderPayment) => self.cycle_order_filter(2),
            Action::Command(Command::NextVersion) => self.move_version(1),
            Action::Command(Command::PrevVersion) => self.move_version(-1),
            Action::Command(Command::Promote) => self.ask_promote(),
            Action::Command(Command::Rollback) => self.ask_rollback(),
            Action::Confirm(yes) => self.answer(yes),
            Action::LifecycleLoaded(lc) => {
                self.lifecycle = *lc;
                if let Some(w) = self.lifecycle.warnings.first() {
                    self.message = Some(format!("registry: {w}"));
                }
                self.clamp_selection();
            }
            Action::FilesChanged { data, registry } => self.files_changed(data, registry),
            Action::DataLoaded(loaded) => self.data_loaded(*loaded),
            Action::ModelsReloaded(prepared, lc, what) => {
                self.engine.install(*prepared);
                self.lifecycle = *lc;
                self.message = Some(what);
                self.recompute();
            }
            Action::JobFailed(e) => self.message = Some(e),
            Action::JobPanicked(job, why) => self.job_panicked(job, &why),
            Action::Click(x, y) => {
                if y == 1
                    && let Some(t) = super::ui::tab_at(x, self.width.get())
                {
                    self.switch_tab(t);
                }
            }
            Action::Resize => {}
            Action::TrainProgress(done, total) => self.training = Training::Running(done, total),
            Action::ModelsReady(prepared, prov) => {
                self.engine.install(*prepared);
                if let Provenance::Trained { .. } = &prov {
                    self.message = Some(prov.summary());
                }
                if let Provenance::TrainedUnsaved(why) = &prov {
                    self.message = Some(format!("models trained but not saved: {why}"));
                }
                self.training = Training::Ready(prov);
                self.reload_models_requested |=
                    std::mem::take(&mut self.registry_changed_while_loading);
                self.recompute();
            }
            Action::TrainFailed(e) => {
                self.message = Some(format!("error: models unavailable: {e}"));
                self.training = Training::Failed(e);
            }
        }
    }
}

impl App {
    /// A background job panicked: say so with the log file, and stop showing it as running.
    fn job_panicked(&mut self, job: super::action::Job, why: &str) {
        let log = self
            .log_file
            .as_ref()
            .map_or("no log file".into(), |p| format!("see {}", p.display()));
        let msg = format!("error: {} failed: {why} ({log})", job.name());
        if job == super::action::Job::Models {
            self.training = Training::Failed(msg.clone());
        }
        self.message = Some(msg);
    }
}

/// The snapshot for a marketplace index (infallible, unlike lookups by id).
fn snapshot_for(engine: &Engine, window: Window, mp: Option<u16>) -> Snapshot {
    engine.snapshot_at(window, mp)
}
