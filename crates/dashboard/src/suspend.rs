//! Suspending to the shell (Ctrl-Z, SIGTSTP) the way vim and htop do: the terminal is given
//! back in the state the shell left it (cooked mode, main screen, cursor shown, mouse
//! released) before the process stops, and taken again when it continues (`fg`): raw mode,
//! the alternate screen, and a whole redraw, since the shell wrote over the screen meanwhile.

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{EnterAlternateScreen, enable_raw_mode};

/// Restores the terminal and stops the process group, as the terminal's own Ctrl-Z would;
/// returns once the shell continues it, with the terminal taken back.
pub fn suspend(terminal: &mut ratatui::DefaultTerminal, mouse: bool) -> std::io::Result<()> {
    if mouse {
        let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
    }
    terminal.show_cursor()?;
    ratatui::restore();
    // SAFETY: kill(2) with pid 0 signals our own process group; SIGSTOP cannot be caught,
    // so this returns after a SIGCONT.
    unsafe {
        libc::kill(0, libc::SIGSTOP);
    }
    resume(terminal, mouse)
}

/// Takes the terminal back after the process continued (from our own suspend, or a
/// `kill -STOP` the shell followed with its own terminal settings): raw mode, the alternate
/// screen, the mouse if it was on, and a full redraw at the next frame.
pub fn resume(terminal: &mut ratatui::DefaultTerminal, mouse: bool) -> std::io::Result<()> {
    enable_raw_mode()?;
    crossterm::execute!(std::io::stdout(), EnterAlternateScreen)?;
    if mouse {
        crossterm::execute!(std::io::stdout(), EnableMouseCapture)?;
    }
    terminal.hide_cursor()?;
    // A resize to the current size clears the screen and forgets what was drawn, without
    // asking the terminal for the cursor position (the event reader owns the input).
    let size = terminal.size()?;
    terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
}
