//! The signals the dashboard handles. SIGTERM (`kill`), SIGHUP (a dropped ssh connection or a
//! closed terminal window), SIGINT (`kill -INT`; Ctrl-C itself arrives as a key in raw mode)
//! and SIGQUIT end it the way `q` does: the event loop restores the terminal, lets a state
//! write under way finish, and the process exits with status 128 + the signal's number.
//! SIGTSTP (`kill -TSTP`; Ctrl-Z itself arrives as a key) suspends it like vim and htop do,
//! and SIGCONT (after `fg`, or a `kill -STOP` and `kill -CONT`) takes the terminal back.

use tokio::signal::unix::{Signal, SignalKind, signal};

/// The dashboard ended on a signal; `main` exits with [`Terminated::exit_code`], silently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("terminated by signal {0}")]
pub struct Terminated(pub i32);

impl Terminated {
    /// The shell's convention for a process ended by a signal: 128 + its number.
    pub fn exit_code(self) -> i32 {
        128 + self.0
    }
}

/// What a signal asks of the dashboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received {
    /// End, with this signal.
    End(Terminated),
    /// Stop as the shell's job (SIGTSTP).
    Suspend,
    /// Running again (SIGCONT): take the terminal back and redraw.
    Continued,
}

/// Handlers for the signals (installed while this lives in the runtime).
pub struct Signals {
    hangup: Signal,
    interrupt: Signal,
    quit: Signal,
    terminate: Signal,
    stop: Signal,
    cont: Signal,
}

impl Signals {
    /// Installs the handlers; must run inside the tokio runtime.
    pub fn install() -> std::io::Result<Signals> {
        Ok(Signals {
            hangup: signal(SignalKind::hangup())?,
            interrupt: signal(SignalKind::interrupt())?,
            quit: signal(SignalKind::quit())?,
            terminate: signal(SignalKind::terminate())?,
            stop: signal(SignalKind::from_raw(libc::SIGTSTP))?,
            cont: signal(SignalKind::from_raw(libc::SIGCONT))?,
        })
    }

    /// The next signal to arrive.
    pub async fn recv(&mut self) -> Received {
        let n = tokio::select! {
            _ = self.hangup.recv() => number::SIGHUP,
            _ = self.interrupt.recv() => number::SIGINT,
            _ = self.quit.recv() => number::SIGQUIT,
            _ = self.terminate.recv() => number::SIGTERM,
            _ = self.stop.recv() => return Received::Suspend,
            _ = self.cont.recv() => return Received::Continued,
        };
        Received::End(Terminated(n))
    }
}

/// Signal numbers (the same on every Linux and BSD for these four).
mod number {
    pub const SIGHUP: i32 = 1;
    pub const SIGINT: i32 = 2;
    pub const SIGQUIT: i32 = 3;
    pub const SIGTERM: i32 = 15;
}
