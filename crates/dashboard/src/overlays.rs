//! What sits over the page and takes the keys before it: the help, the live filter's input,
//! the command palette and a question waiting for y / n.

use crate::action::Command;
use crate::lifecycle::Confirm;
use crate::palette::Palette;
use std::cell::Cell;

/// The overlays' state; the key map reads it to decide which keys mean what.
#[derive(Default)]
pub struct Overlays {
    /// Help overlay shown.
    pub help: bool,
    /// The help's first line shown.
    pub help_scroll: u16,
    /// The help's last first line and its page, as drawn (for scrolling).
    pub help_bounds: Cell<(u16, u16)>,
    /// Typing into the live filter.
    pub filtering: bool,
    /// The command palette, while open.
    pub palette: Option<Palette>,
    /// A question waiting for y / n.
    pub confirm: Option<Confirm>,
}

impl Overlays {
    /// Scrolls the help: a line, a page, or to either end (within what was drawn).
    pub fn scroll_help(&mut self, c: Command) {
        let (last, page) = self.help_bounds.get();
        let at = self.help_scroll;
        self.help_scroll = match c {
            Command::Down => at.saturating_add(1),
            Command::Up => at.saturating_sub(1),
            Command::PageDown => at.saturating_add(page.max(1)),
            Command::PageUp => at.saturating_sub(page.max(1)),
            Command::Top => 0,
            Command::Bottom => last,
            _ => at,
        }
        .min(last);
    }
}
