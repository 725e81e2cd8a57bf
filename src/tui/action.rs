//! Everything that can change the app: keys become actions, background work sends actions.

use crate::engine::{Engine, Prepared};
use crate::model::store::{Lifecycle, Provenance};

/// A user command: what a key (or the mouse wheel) asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Leave the app.
    Quit,
    /// Show or hide the help overlay.
    Help,
    /// Next tab.
    NextTab,
    /// Previous tab.
    PrevTab,
    /// A tab by number (0-based).
    GoTab(usize),
    /// Selection up one row.
    Up,
    /// Selection down one row.
    Down,
    /// Selection up one page.
    PageUp,
    /// Selection down one page.
    PageDown,
    /// First row.
    Top,
    /// Last row.
    Bottom,
    /// Open the selected row (drill down, jump to an alert's target).
    Open,
    /// Back out of a drill-down, a filter or the help.
    Back,
    /// Start typing a live filter.
    Filter,
    /// Next sort column.
    Sort,
    /// Reverse the sort.
    ReverseSort,
    /// Next window (7/30/90/all).
    Window,
    /// The previous window.
    PrevWindow,
    /// Next marketplace (all, then each).
    Marketplace,
    /// The previous marketplace (all comes before the first).
    PrevMarketplace,
    /// Export the current table to CSV.
    Export,
    /// Retrain the models in the background.
    Retrain,
    /// Drill-down: next category filter.
    OrderCategory,
    /// Drill-down: next status filter.
    OrderStatus,
    /// Drill-down: next payment filter.
    OrderPayment,
    /// Models tab: the next (older) version of the selected model.
    NextVersion,
    /// Models tab: the previous (newer) version of the selected model.
    PrevVersion,
    /// Models tab: make the chosen version active (asks for confirmation).
    Promote,
    /// Models tab: return the selected model to its previous version (asks for confirmation).
    Rollback,
}

/// One state change.
pub enum Action {
    /// A user command.
    Command(Command),
    /// A typed filter character.
    FilterChar(char),
    /// Delete the last filter character.
    FilterBackspace,
    /// Keep the filter and leave typing mode.
    FilterDone,
    /// Mouse click at (column, row).
    Click(u16, u16),
    /// The terminal was resized: redraw.
    Resize,
    /// Training progress: models done of total.
    TrainProgress(usize, usize),
    /// Models are ready (trained or loaded), with scores and cube.
    ModelsReady(Box<Prepared>, Provenance),
    /// Training failed.
    TrainFailed(String),
    /// The run store and registry as read from disk.
    LifecycleLoaded(Box<Lifecycle>),
    /// Answer to a confirmation prompt (y = true; n or Esc = false).
    Confirm(bool),
    /// Files changed on disk: the data files and/or the registry (its new revision).
    FilesChanged {
        /// orders/sellers files changed.
        data: bool,
        /// registry.json changed.
        registry: bool,
    },
    /// New data was loaded after a change on disk (an engine without models yet, built off
    /// the UI thread).
    DataLoaded(Box<Engine>),
    /// Models re-read after the registry changed, with what changed.
    ModelsReloaded(Box<Prepared>, Box<Lifecycle>, String),
    /// A background reload or registry change failed.
    JobFailed(String),
    /// A background job panicked (caught): which job, and the panic's message.
    JobPanicked(Job, String),
}

/// The dashboard's background jobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Job {
    /// Loading or training the models (and scoring, aggregating, drift).
    Models,
    /// A promote or rollback.
    RegistryChange,
    /// Reading new data after a change on disk.
    DataReload,
    /// Reading the active models after a registry change on disk.
    ModelReload,
}

impl Job {
    /// The job's name in messages (and for `RETURNRISK_PANIC_AT` in tests).
    pub fn name(self) -> &'static str {
        match self {
            Job::Models => "models",
            Job::RegistryChange => "registry change",
            Job::DataReload => "data reload",
            Job::ModelReload => "model reload",
        }
    }
}
