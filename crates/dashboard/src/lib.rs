//! The interactive dashboard: a thin view over the engine. Data flows one way: a terminal
//! event or a background result becomes an [`action::Action`], [`app::App::update`] applies
//! it, and [`ui::draw`] renders the state, only when something changed (an idle dashboard
//! does not redraw). Model loading and training run on a blocking thread and report back
//! over a channel; the UI never waits on them.

pub mod action;
pub mod app;
pub mod cases;
pub mod clipboard;
pub mod columns;
pub mod derived;
pub mod drivers;
pub mod editing;
pub mod export;
pub mod fuzzy;
pub mod glossary;
pub mod help;
pub mod jobs;
pub mod keymap;
pub mod lake;
pub mod lifecycle;
pub mod line_edit;
pub mod navigation;
pub mod overlays;
pub mod page;
pub mod pages;
pub mod palette;
pub mod query;
pub mod signals;
pub mod status;
pub mod suspend;
pub mod tab;
pub mod table;
pub mod tabs;
pub mod theme;
pub mod ui;
pub mod what_if;
pub mod widgets;

use action::{Action, Command, Effect};
use app::App;
use color_eyre::eyre::{Result, bail, eyre};
use crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, Event, EventStream, KeyCode, KeyEvent, KeyEventKind,
    MouseButton, MouseEventKind,
};
use futures_util::StreamExt;
use returnrisk_core::engine::{Engine, Window};
use returnrisk_setup::config_file::Config;
use returnrisk_setup::open::DataSettings;
use returnrisk_setup::open::open_data;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

/// What the dashboard's flags ask for, as plain values.
#[derive(Clone, Debug, Default)]
pub struct TuiSettings {
    /// No colours (also when NO_COLOR is set).
    pub no_color: bool,
    /// Plain ASCII borders, bars and arrows.
    pub ascii: bool,
    /// Mouse capture.
    pub mouse: bool,
    /// The start window as typed (7, 30, 90, all); the config's when `None`.
    pub window: Option<String>,
}

/// Opens the dashboard. Fails (before touching the terminal) without a terminal, on a bad
/// config or on unloadable data.
/// `log` is the file the log goes to, named on the status line when a job fails.
pub fn run(data: &DataSettings, opts: &TuiSettings, log: Option<PathBuf>) -> Result<()> {
    let started = Instant::now();
    let cfg = Config::load(data.config.as_deref())?;
    let keys = keymap::KeyMap::new(&cfg.keys).map_err(|e| eyre!("{}: {e}", cfg.source))?;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        bail!(
            "the dashboard needs an interactive terminal; for scripts, pipes and cron use `returnrisk-tui report` (or `seller`, `train`, `predict`; see --help)"
        );
    }

    let window = match &opts.window {
        Some(w) => Window::parse(w).map_err(|e| eyre!(e))?,
        None => cfg.window(),
    };
    let dir = returnrisk_setup::open::data_dir(data)?;
    let (engine, load_options) = if let Some(cube) = data.cube.folder(&dir) {
        let engine = returnrisk_setup::open::open_cube_pending_later(data, &dir, &cube)?;
        (engine, data.load_options().map_err(|e| eyre!(e))?)
    } else {
        let opened = open_data(data)?;
        tracing::info!(
            orders = opened.data.orders.len(),
            ms = started.elapsed().as_millis() as u64,
            "data loaded"
        );
        let mut engine = Engine::new(opened.data, opened.report, opened.bands);
        engine.alert_policy = opened.alert_policy;
        (engine, opened.options)
    };
    let no_color = opts.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = theme::Theme::new(cfg.theme.colors, no_color, opts.ascii || cfg.theme.ascii);
    let mut app = App::new(engine, keys, theme, window);
    app.load_options = load_options;
    app.cases.policy = cfg.case_policy();
    app.log_file = log;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = rt.block_on(event_loop(app, opts.mouse, started));
    if let Err(e) = &result
        && let Some(sig) = e.downcast_ref::<signals::Terminated>()
    {
        tracing::info!("ended by signal {}", sig.0);
    }
    // A state write under way (a run being registered, a promotion) finishes first; a
    // training still running is abandoned: its lock goes with the process and the next
    // writer removes its temporary files.
    if !returnrisk_core::model::lock::wait_for_writes(std::time::Duration::ZERO) {
        // The terminal may be gone (SIGHUP): a failed write to it is not an error.
        let _ = writeln!(std::io::stderr(), "finishing a write to the run store...");
        returnrisk_core::model::lock::wait_for_writes(WRITE_GRACE);
    }
    rt.shutdown_background();
    result
}

/// How long quitting waits for a state write under way to finish.
const WRITE_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// Turns a terminal event into an action (keys through the key map).
pub fn map_event(app: &App, ev: Event) -> Option<Action> {
    match ev {
        Event::Key(k) if k.kind == KeyEventKind::Press => map_key(app, k),
        Event::Resize(..) => Some(Action::Resize),
        Event::Mouse(m) => match m.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                Some(Action::Click(m.column, m.row, Instant::now()))
            }
            MouseEventKind::ScrollDown => Some(Action::Command(Command::Down)),
            MouseEventKind::ScrollUp => Some(Action::Command(Command::Up)),
            _ => None,
        },
        _ => None,
    }
}

/// Turns a key into an action: the key map's command on this screen, else (while typing) the
/// character typed.
pub fn map_key(app: &App, k: KeyEvent) -> Option<Action> {
    let screen = app.screen();
    if let Some(c) = app.keymap.command(&k, screen) {
        return Some(Action::Command(c));
    }
    let typing = matches!(screen.mode, keymap::Mode::Filter | keymap::Mode::Palette);
    match (typing, keymap::Key::of(&k)) {
        (
            true,
            Some(keymap::Key {
                code: KeyCode::Char(c),
                ctrl: false,
            }),
        ) => Some(Action::Command(Command::Edit(line_edit::Edit::Insert(c)))),
        _ => None,
    }
}

async fn event_loop(mut app: App, mouse: bool, started: Instant) -> Result<()> {
    // Handlers first: a signal from now on ends the loop and restores the terminal.
    let mut signals = signals::Signals::install()?;
    // ratatui::try_init installs a panic hook that restores the terminal (after color-eyre's).
    let mut terminal = ratatui::try_init()?;
    jobs::install_job_panic_hook();
    if mouse {
        let _ = crossterm::execute!(std::io::stdout(), EnableMouseCapture);
    }
    let result = drive(&mut app, &mut terminal, &mut signals, mouse, started).await;
    if mouse {
        let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
    }
    ratatui::restore();
    result
}

async fn drive(
    app: &mut App,
    terminal: &mut ratatui::DefaultTerminal,
    signals: &mut signals::Signals,
    mouse: bool,
    started: Instant,
) -> Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Action>();
    let cube = app.engine.cube_source.as_ref().map(|c| c.dir.clone());
    if cube.is_none() {
        jobs::run(app, Effect::LoadModels { retrain: false }, &tx);
        jobs::index_ids_for_appends(app);
    } else {
        jobs::spawn_lake_pending(app, tx.clone());
    }
    jobs::run(app, Effect::LoadCases, &tx);
    cases::spawn_notifier(app, tx.clone());
    jobs::spawn_watcher(&app.engine.data.dir, cube, tx.clone());
    let mut events = EventStream::new();
    let mut dirty = true;
    let mut first = true;
    loop {
        if dirty {
            let t = Instant::now();
            terminal.draw(|f| ui::draw(f, app))?;
            tracing::debug!(us = t.elapsed().as_micros() as u64, "frame");
            if first {
                tracing::info!(ms = started.elapsed().as_millis() as u64, "first frame");
                first = false;
            }
            dirty = false;
        }
        // A status message expires on its own: wake up then to clear it.
        let expiry = app.message_expires();
        let expired = async {
            match expiry {
                Some(t) => tokio::time::sleep_until(t.into()).await,
                None => std::future::pending().await,
            }
        };
        let action = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => {
                    // Each key of the event in turn: the first may change what the next means.
                    for ev in keymap::unbundle_escape(ev) {
                        if let Some(a) = map_event(app, ev) {
                            apply(app, a, &tx);
                            dirty = true;
                        }
                    }
                    None
                }
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            Some(a) = rx.recv() => Some(a),
            sig = signals.recv() => match sig {
                signals::Received::End(t) => return Err(t.into()),
                signals::Received::Suspend => Some(Action::Command(Command::Suspend)),
                signals::Received::Continued => {
                    suspend::resume(terminal, mouse)?;
                    Some(Action::Resize)
                }
            },
            () = expired => Some(Action::Tick),
        };
        if let Some(a) = action {
            apply(app, a, &tx);
            dirty = true;
        }
        if app.quit {
            break;
        }
        if std::mem::take(&mut app.suspend) {
            suspend::suspend(terminal, mouse)?;
            dirty = true;
        }
    }
    Ok(())
}

/// Applies an action and starts the effects it asks for.
fn apply(app: &mut App, action: Action, tx: &tokio::sync::mpsc::UnboundedSender<Action>) {
    for effect in app.update(action) {
        jobs::run(app, effect, tx);
    }
}
