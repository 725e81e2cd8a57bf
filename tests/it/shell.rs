//! `--version`, `completions` and `man`: generated from the command line's definition, they
//! name every command the binary has.

use crate::common::{p, run, stderr};
use clap::CommandFactory;
use returnrisk_tui::cli::Cli;

/// Every command and command of a command (`models promote`), as `[parent, name]` words.
fn commands() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, path: &[String], out: &mut Vec<Vec<String>>) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let mut words = path.to_vec();
            words.push(sub.get_name().to_string());
            out.push(words.clone());
            walk(sub, &words, out);
        }
    }
    let mut out = Vec::new();
    walk(&Cli::command(), &[], &mut out);
    out
}

#[test]
fn version_names_the_package_and_the_commit_it_was_built_from() {
    let out = run(&["--version"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let expected = format!("returnrisk-tui {}", env!("CARGO_PKG_VERSION"));
    assert!(text.starts_with(&expected), "{text}");
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    if let Some(head) = head.ok().filter(|h| h.status.success()) {
        let hash = String::from_utf8(head.stdout).unwrap();
        assert!(text.contains(&format!("({} ", hash.trim())), "{text}");
    }
}

#[test]
fn completions_of_every_shell_name_every_command() {
    let commands = commands();
    assert!(commands.len() > 30, "{commands:?}");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let script = String::from_utf8(out.stdout).unwrap();
        for words in &commands {
            let name = words.last().unwrap();
            assert!(script.contains(name.as_str()), "{shell}: no {words:?}");
        }
        // Flags of a command are offered too.
        assert!(script.contains("max-connections"), "{shell}");
    }
    let bad = run(&["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("possible values"), "{}", stderr(&bad));
}

#[test]
fn man_lists_every_command_and_writes_a_page_for_each() {
    let out = run(&["man"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(
        page.starts_with(".ie") && page.contains(".TH returnrisk-tui 1"),
        "{page}"
    );
    // roff escapes hyphens: `export-mlflow` is written `export\-mlflow`.
    let page = page.replace("\\-", "-");
    for words in commands().iter().filter(|w| w.len() == 1) {
        assert!(page.contains(&words[0]), "no {words:?} in the page");
    }
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("man1");
    let out = run(&["man", "--out", p(&dir)]);
    assert!(out.status.success(), "{}", stderr(&out));
    for words in commands() {
        let file = dir.join(format!("returnrisk-tui-{}.1", words.join("-")));
        assert!(file.is_file(), "{}", file.display());
    }
    assert!(dir.join("returnrisk-tui.1").is_file());
}
