//! returnrisk-tui: parse the command line, install error hooks, dispatch.

use clap::Parser;
use returnrisk_tui::cli::Cli;
use returnrisk_tui::commands::output::{is_broken_pipe, one_line};
use returnrisk_tui::tui::signals::Terminated;

fn main() {
    // No backtraces or env sections for users: errors are messages, not crashes.
    let _ = color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .install();
    let cli = Cli::parse();
    if let Err(e) = returnrisk_tui::commands::run(cli) {
        // The reader of our output went away (`report | head`): a normal end, said nothing.
        if is_broken_pipe(&e) {
            std::process::exit(0);
        }
        // Ended by a signal, the terminal restored: the shell's 128 + signal, said nothing.
        if let Some(t) = e.downcast_ref::<Terminated>() {
            std::process::exit(t.exit_code());
        }
        // One line, and nothing in it (a value from the data) acts on the terminal.
        eprintln!("error: {}", returnrisk_tui::text::clean(&one_line(&e)));
        std::process::exit(1);
    }
}
