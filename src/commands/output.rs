//! Where a command's output goes: stdout (a closed pipe ends the command quietly) or an
//! `--out` target (`-` for stdout; never one of the data directory's input files).

use crate::util::{same_file, write_atomic};
use color_eyre::eyre::{Report, Result, WrapErr, bail};
use std::io::Write;
use std::path::Path;

/// Writes `text` to stdout through a locked handle and flushes it. Writing to a closed pipe
/// (`| head`) is an error whose chain holds [`std::io::ErrorKind::BrokenPipe`]; `main` ends
/// quietly on it (see [`is_broken_pipe`]).
pub fn emit(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .wrap_err("cannot write to stdout")
}

/// Text (a table, a report) to stdout through [`emit`], cleaned of the characters that
/// would act on a terminal ([`crate::text::clean_lines`]). JSON and CSV go through [`emit`]
/// as they are.
pub fn emit_text(text: &str) -> Result<()> {
    emit(&crate::text::clean_lines(text))
}

/// `println!` through [`emit_text`]: a line to stdout, `?` on the error (inside a function
/// returning `Result`).
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::commands::output::emit_text(&format!("{}\n", format_args!($($arg)*)))?
    };
}
pub(crate) use outln;

/// Pretty JSON and a newline to stdout.
pub fn emit_json(v: &impl serde::Serialize) -> Result<()> {
    emit(&(serde_json::to_string_pretty(v)? + "\n"))
}

/// Whether an error is a write to a closed pipe: the reader went away, which for a command
/// in a shell pipeline (`report | head`) is a normal end, not a failure.
pub fn is_broken_pipe(e: &Report) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// An error and its causes as one line, `outer: inner: ...`. A cause whose words the line
/// already holds (a message that quotes its source) ends it: what follows is that cause's
/// own internals (e.g. SQLite's error code after "disk I/O error").
pub fn one_line(e: &Report) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            break;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

/// Checks an `--out` target before any work: `-` is stdout; a path that is one of
/// `data_dir`'s input files (also through a symlink or a hard link) is refused.
pub fn check_out(out: &Path, data_dir: &Path) -> Result<()> {
    if out.as_os_str() == "-" {
        return Ok(());
    }
    for input in crate::data::input_files(data_dir) {
        if same_file(out, &input) {
            bail!(
                "refusing to write {}: it is the input file {} of the data directory (choose another --out)",
                out.display(),
                input.file_name().unwrap_or_default().to_string_lossy()
            );
        }
    }
    Ok(())
}

/// Writes `bytes` to an `--out` target: `-` is stdout; a regular file is replaced
/// atomically; a symlink is followed; a device or FIFO is written through. Returns whether
/// a file was written (false for stdout), for the caller's "wrote ..." line.
pub fn write_out(out: &Path, bytes: &[u8]) -> Result<bool> {
    if out.as_os_str() == "-" {
        emit(&String::from_utf8_lossy(bytes))?;
        return Ok(false);
    }
    write_atomic(out, bytes).wrap_err_with(|| format!("cannot write {}", out.display()))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_files_are_refused_through_links() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("orders.csv"), "x").unwrap();
        let link = dir.path().join("out.csv");
        std::os::unix::fs::symlink(dir.path().join("orders.csv"), &link).unwrap();
        let e = check_out(&link, dir.path()).unwrap_err().to_string();
        assert!(e.starts_with("refusing to write"), "{e}");
        assert!(check_out(&dir.path().join("p.csv"), dir.path()).is_ok());
        assert!(check_out(Path::new("-"), dir.path()).is_ok());
    }

    #[test]
    fn an_error_is_one_line_without_repeating_a_quoted_cause() {
        #[derive(Debug, thiserror::Error)]
        #[error("cases.sqlite: no space left ({source}); free some space")]
        struct Full {
            source: std::io::Error,
        }
        let io = std::io::Error::other("disk I/O error");
        let e = Report::new(Full { source: io }).wrap_err("cannot add the note");
        assert_eq!(
            one_line(&e),
            "cannot add the note: cases.sqlite: no space left (disk I/O error); free some space"
        );
        let e = Report::new(std::io::Error::other("denied")).wrap_err("cannot write x");
        assert_eq!(one_line(&e), "cannot write x: denied");
    }

    #[test]
    fn broken_pipe_is_recognised_through_context() {
        let e: Report = Report::new(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
            .wrap_err("cannot write to stdout");
        assert!(is_broken_pipe(&e));
        assert!(!is_broken_pipe(&color_eyre::eyre::eyre!("other")));
    }
}
