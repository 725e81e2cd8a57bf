//! Everything that can change the app: keys become actions, background work sends actions.

use super::line_edit::Edit;
use super::tab::Tab;
use returnrisk_core::engine::contrib::ContributionDrivers;
use returnrisk_core::engine::{Engine, Prepared};
use returnrisk_core::model::store::{Lifecycle, Provenance};
use std::time::Instant;

/// A user command: what a key (or the mouse wheel) asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Leave the app.
    Quit,
    /// Stop the process as the shell's job (Ctrl-Z): the terminal restored until `fg`.
    Suspend,
    /// Show or hide the help overlay.
    Help,
    /// Next tab.
    NextTab,
    /// Previous tab.
    PrevTab,
    /// A tab.
    GoTab(Tab),
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
    /// Back to where you came from (or clear the filter, or close the help).
    Back,
    /// Start typing a live filter.
    Filter,
    /// Open the command palette.
    Palette,
    /// Edit the filter or palette line.
    Edit(Edit),
    /// Complete the palette's word from the data.
    Complete,
    /// Keep the filter (or run the palette's command) and stop typing.
    EditDone,
    /// Drop what was typed and stop typing.
    EditCancel,
    /// Answer yes to the question on the status line.
    Yes,
    /// Answer no.
    No,
    /// Copy the selected id to the clipboard (OSC 52, works over ssh).
    Copy,
    /// Cycle the risk-band filter (High, Medium, Low, all).
    Band,
    /// Remove the drill-down's filter chips.
    ClearChips,
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
    /// Order pane: start the what-if (or end it).
    WhatIf,
    /// What-if: the next feature.
    WhatIfNext,
    /// What-if: the previous feature.
    WhatIfPrev,
    /// What-if: the feature's next value (a step up, the next level).
    WhatIfMore,
    /// What-if: the feature's previous value.
    WhatIfLess,
    /// Models tab: the next (older) version of the selected model.
    NextVersion,
    /// Models tab: the previous (newer) version of the selected model.
    PrevVersion,
    /// Models tab: make the chosen version active (asks for confirmation).
    Promote,
    /// Models tab: return the selected model to its previous version (asks for confirmation).
    Rollback,
    /// Monitoring tab: move the selected case (snooze asks for how long).
    MoveCase(returnrisk_cases::Transition),
    /// Monitoring tab: add a note to the selected case (asks for the text).
    NoteCase,
    /// Monitoring tab: give the selected case to someone (asks who).
    AssignCase,
    /// Monitoring tab: mark or unmark the selected case and move down.
    MarkCase,
    /// Alerts tab: show or hide the other alerts of the selected row's target.
    ToggleGroup,
}

/// One state change.
pub enum Action {
    /// A user command.
    Command(Command),
    /// A left click at (column, row), and when (two on the same row make a double click).
    Click(u16, u16, Instant),
    /// Time passed (a status message may have expired).
    Tick,
    /// The outcome of an effect the loop ran (an export, a copy), for the status line.
    Done(String),
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
    /// Files changed on disk: the data files and/or the registry (its new revision).
    FilesChanged {
        /// orders/sellers files changed.
        data: bool,
        /// registry.json changed.
        registry: bool,
        /// The case database changed (this dashboard, another, the CLI or the server).
        cases: bool,
    },
    /// The case worklist as read from the database, or why it could not be read.
    CasesLoaded(Box<Result<returnrisk_cases::Worklist, String>>),
    /// New data was loaded after a change on disk (an engine without models yet, built off
    /// the UI thread).
    DataLoaded(Box<Engine>),
    /// New days appended to the data, scored by the models in use and aggregated (an engine
    /// with its models; the drift reports follow), and how long it took from the change.
    DataAppended(Box<Engine>, std::time::Duration),
    /// The drift reports of the data with this fingerprint (30 and 7 days), after an append.
    DriftRefreshed(
        u64,
        Option<Box<[returnrisk_core::drift::report::DriftReport; 2]>>,
    ),
    /// The pending orders' returns read from the lake for the cube in use (the one they
    /// were read for, so that a cube replaced since keeps its own).
    LakePending(
        std::sync::Arc<returnrisk_core::engine::cube::Cube>,
        Vec<returnrisk_core::engine::pending::PendingReturns>,
    ),
    /// Models re-read after the registry changed, with what changed.
    ModelsReloaded(Box<Prepared>, Box<Lifecycle>, String),
    /// A seller's drivers by contribution, for the window they were computed for (`None`:
    /// a model without covers).
    SellerDrivers(
        String,
        returnrisk_core::engine::Window,
        Option<Box<ContributionDrivers>>,
    ),
    /// A seller's orders of a window read from the lake (a dashboard on a cube built
    /// elsewhere), or why they could not be.
    LakeOrders(
        String,
        returnrisk_core::engine::Window,
        Result<Vec<returnrisk_core::engine::seller::OrderRow>, String>,
    ),
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
    /// Explaining a seller's orders for its drivers.
    SellerDrivers,
    /// Reading a seller's orders from the lake.
    LakeOrders,
    /// Reading the pending orders' scores from the lake.
    LakePending,
    /// Comparing the data with the training period again after an append.
    Drift,
    /// Reading, changing or evaluating the cases.
    Cases,
}

impl Job {
    /// The job's name in messages (and for `RETURNRISK_PANIC_AT` in tests).
    pub fn name(self) -> &'static str {
        match self {
            Job::Models => "models",
            Job::RegistryChange => "registry change",
            Job::DataReload => "data reload",
            Job::ModelReload => "model reload",
            Job::SellerDrivers => "seller drivers",
            Job::LakeOrders => "lake orders",
            Job::Drift => "drift",
            Job::LakePending => "pending orders",
            Job::Cases => "cases",
        }
    }
}

/// Work `update` asks the event loop to do: jobs on other threads, or quick I/O that
/// `update` itself never does.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Load the saved models, or train (a new run when `retrain`).
    LoadModels {
        /// Train a new run even when saved models fit.
        retrain: bool,
    },
    /// Apply a confirmed promote or rollback, then reload the models.
    ChangeRegistry(super::lifecycle::RegistryOp),
    /// Read the data again (it changed on disk).
    ReloadData,
    /// Read the registry again and reload the models if the active ones changed.
    ReloadModels,
    /// Compare the data with the training period again (after an append).
    RefreshDrift,
    /// Explain a seller's orders against its marketplace's (the Why panel's drivers).
    SellerDrivers {
        /// The seller.
        seller: String,
        /// The window its orders are taken from.
        window: returnrisk_core::engine::Window,
        /// Whether its risk is flagged as rising (then the change within the window is
        /// explained too).
        rising: bool,
    },
    /// Read a seller's orders of some days from the lake.
    LakeOrders {
        /// The seller.
        seller: String,
        /// The window on screen.
        window: returnrisk_core::engine::Window,
        /// Its days.
        days: (i32, i32),
        /// Where from.
        table: returnrisk_core::engine::lake_orders::LakeTable,
    },
    /// Read the case worklist.
    LoadCases,
    /// Change a case, then read the worklist.
    ChangeCase(super::cases::CaseChange),
    /// Reconcile the cases with an evaluation, then read the worklist.
    ReconcileCases(Box<returnrisk_cases::Evaluation>),
    /// Write a table to a CSV file.
    Export(super::export::ExportTable),
    /// Put text on the clipboard of the user's terminal.
    Copy(String),
}
