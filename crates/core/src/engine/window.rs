//! Time windows: the last N calendar days up to and including the latest order date.

use serde::Serialize;
use std::fmt;

/// A dashboard window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Window {
    /// The last N days.
    Days(u32),
    /// Everything.
    All,
}

impl Window {
    /// The windows the dashboard cycles through.
    pub const CYCLE: [Window; 4] = [
        Window::Days(7),
        Window::Days(30),
        Window::Days(90),
        Window::All,
    ];

    /// Parses `7`, `30`, `90` (also `7d`) or `all`.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim().trim_end_matches('d').to_ascii_lowercase().as_str() {
            "7" => Ok(Window::Days(7)),
            "30" => Ok(Window::Days(30)),
            "90" => Ok(Window::Days(90)),
            "all" | "al" => Ok(Window::All),
            _ => Err(format!("bad window {s:?}: expected 7, 30, 90 or all")),
        }
    }

    /// First day (as a day number) inside the window ending at `as_of`.
    pub fn start_day(self, as_of: i32, first: i32) -> i32 {
        match self {
            Window::Days(n) => (as_of - n as i32 + 1).max(first),
            Window::All => first,
        }
    }

    /// The next window in [`Window::CYCLE`].
    pub fn next(self) -> Window {
        let i = Self::CYCLE.iter().position(|&w| w == self).unwrap_or(0);
        Self::CYCLE[(i + 1) % Self::CYCLE.len()]
    }

    /// The previous window in [`Window::CYCLE`].
    pub fn prev(self) -> Window {
        let n = Self::CYCLE.len();
        let i = Self::CYCLE.iter().position(|&w| w == self).unwrap_or(0);
        Self::CYCLE[(i + n - 1) % n]
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Window::Days(n) => write!(f, "{n}"),
            Window::All => write!(f, "all"),
        }
    }
}
