//! What sits over the page and takes the keys before it: the help, the live filter's input,
//! the command palette and a question waiting for y / n.

use crate::lifecycle::Confirm;
use crate::palette::Palette;

/// The overlays' state; the key map reads it to decide which keys mean what.
#[derive(Default)]
pub struct Overlays {
    /// Help overlay shown.
    pub help: bool,
    /// Typing into the live filter.
    pub filtering: bool,
    /// The command palette, while open.
    pub palette: Option<Palette>,
    /// A question waiting for y / n.
    pub confirm: Option<Confirm>,
}
