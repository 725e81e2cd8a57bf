//! File logging: every command logs to `--log FILE` when given; the dashboard also logs to
//! `$XDG_STATE_HOME/returnrisk-tui/returnrisk-tui.log` (or `~/.local/state/...`) without
//! one. Logs never go to the screen.

use std::path::PathBuf;

/// The dashboard's default log file, when a state directory can be found.
pub fn default_log_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(base.join("returnrisk-tui").join("returnrisk-tui.log"))
}

/// Starts logging to `explicit`, else (when `use_default`) to [`default_log_path`], and
/// returns the file logged to. A log file that cannot be opened means no logging, never an
/// error.
pub fn init(explicit: Option<PathBuf>, use_default: bool) -> Option<PathBuf> {
    let path = explicit.or_else(|| use_default.then(default_log_path).flatten())?;
    if let Some(parent) = path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(path)
}
