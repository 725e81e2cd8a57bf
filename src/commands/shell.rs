//! `completions` and `man`: shell completions and manual pages generated from the command
//! line's own definition ([`crate::cli::Cli`]), so they can never name a flag that is gone.

use super::output::emit;
use crate::cli::Cli;
use clap::CommandFactory;
use color_eyre::eyre::{Result, WrapErr};
use std::path::Path;

/// The program's name as the shells and `man` know it.
const BIN: &str = "returnrisk-tui";

/// The completion script for `shell` on stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN, &mut script);
    emit(&String::from_utf8_lossy(&script))
}

/// The program's manual page on stdout; with `out`, its page and one per command (and per
/// command of a command: `returnrisk-tui-models-promote.1`) written into that folder.
pub fn man(out: Option<&Path>) -> Result<()> {
    let cmd = Cli::command().version(crate::VERSION);
    match out {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut page)?;
            emit(&String::from_utf8_lossy(&page))
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).wrap_err_with(|| format!("{}", dir.display()))?;
            clap_mangen::generate_to(cmd, dir).wrap_err_with(|| format!("{}", dir.display()))?;
            eprintln!("manual pages written to {}", dir.display());
            Ok(())
        }
    }
}
