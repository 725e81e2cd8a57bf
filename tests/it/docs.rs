//! The documents as a user follows them: every relative link (and its `#anchor`) leads
//! somewhere, and every `returnrisk-tui` command they show parses with the current command
//! line.

use clap::Parser;
use returnrisk_tui::cli::Cli;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The Markdown files a user reads: the top folder's, `docs/`'s and `spark/README.md`.
fn documents() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [PathBuf::from(ROOT), Path::new(ROOT).join("docs")] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        found.sort();
        out.extend(found);
    }
    out.push(Path::new(ROOT).join("spark/README.md"));
    out
}

/// Lines with their numbers (from 1).
type Numbered<'a> = Vec<(usize, &'a str)>;

/// The lines of `text` outside fenced code blocks, and those inside, with line numbers.
fn split_fences(text: &str) -> (Numbered<'_>, Numbered<'_>) {
    let (mut prose, mut code, mut inside) = (Vec::new(), Vec::new(), false);
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            inside = !inside;
        } else if inside {
            code.push((n + 1, line));
        } else {
            prose.push((n + 1, line));
        }
    }
    (prose, code)
}

/// GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens.
fn anchor_of(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of `file`'s headings.
fn anchors(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let (prose, _) = split_fences(&text);
    prose
        .iter()
        .filter_map(|(_, l)| l.strip_prefix('#'))
        .map(|h| anchor_of(h.trim_start_matches('#')))
        .collect()
}

/// The targets of the Markdown links in `line`: `[text](target)`.
fn link_targets(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let Some(end) = after.find(')') else { break };
        out.push(&after[..end]);
        rest = &after[end..];
    }
    out
}

#[test]
fn every_relative_link_leads_to_a_file_and_heading() {
    let mut broken = Vec::new();
    let docs: Vec<PathBuf> = documents()
        .into_iter()
        .chain([Path::new(ROOT).join("CHANGELOG.md")])
        .collect();
    for doc in &docs {
        let text = std::fs::read_to_string(doc).unwrap();
        let (prose, _) = split_fences(&text);
        for (n, line) in prose {
            for target in link_targets(line) {
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
                let file = if path.is_empty() {
                    doc.clone()
                } else {
                    doc.parent().unwrap().join(path)
                };
                let ok = file.exists()
                    && (anchor.is_empty()
                        || file.extension().is_none_or(|e| e != "md")
                        || anchors(&file).iter().any(|a| a == anchor));
                if !ok {
                    broken.push(format!("{}:{n}: {target}", doc.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// The command lines a document shows: code lines that start with `returnrisk-tui` (after a
/// `$ ` prompt; `\` continues a line) or `cargo run --release --`, and inline code that
/// starts with `returnrisk-tui `.
fn commands(text: &str) -> Vec<(usize, String)> {
    let (prose, code) = split_fences(text);
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (n, line) in code {
        let line = line.trim().trim_start_matches("$ ");
        if let Some((at, mut so_far)) = pending.take() {
            so_far.push(' ');
            so_far.push_str(line.trim_end_matches('\\'));
            match line.ends_with('\\') {
                true => pending = Some((at, so_far)),
                false => out.push((at, so_far)),
            }
            continue;
        }
        let command = if let Some(rest) = line.strip_prefix("cargo run --release -- ") {
            format!("returnrisk-tui {rest}")
        } else if line.starts_with("returnrisk-tui ") || line == "returnrisk-tui" {
            line.to_string()
        } else {
            continue;
        };
        match command.ends_with('\\') {
            true => pending = Some((n, command.trim_end_matches('\\').to_string())),
            false => out.push((n, command)),
        }
    }
    // Inline code may run over a line break: each paragraph is read as one line.
    let mut paragraphs: Vec<(usize, String)> = Vec::new();
    let mut last = 0;
    for (n, line) in prose {
        match paragraphs.last_mut() {
            Some((_, text)) if !line.trim().is_empty() && n == last + 1 => {
                text.push(' ');
                text.push_str(line.trim());
            }
            _ => paragraphs.push((n, line.trim().to_string())),
        }
        last = n;
    }
    for (n, paragraph) in paragraphs {
        for (k, span) in paragraph.split('`').enumerate() {
            if k % 2 == 1 && span.starts_with("returnrisk-tui ") {
                // In a table cell a pipe is written `\|`.
                out.push((n, span.replace("\\|", "|")));
            }
        }
    }
    out
}

/// `line`'s words as a shell splits them, up to a comment, pipe, redirection or `&&`.
fn shell_words(line: &str) -> Vec<String> {
    let (mut words, mut word, mut quote, mut any) = (Vec::new(), String::new(), None, false);
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (None, ' ' | '\t') => {
                if any || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                any = false;
            }
            (None, '#' | '|' | '>' | '<' | ';' | '&') if word.is_empty() && !any => break,
            (None, c) => word.push(c),
        }
    }
    if any || !word.is_empty() {
        words.push(word);
    }
    words
}

#[test]
fn every_command_shown_parses_with_the_current_command_line() {
    let mut wrong = Vec::new();
    let mut checked = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        for (n, command) in commands(&text) {
            checked += 1;
            if let Err(e) = Cli::try_parse_from(shell_words(&command)) {
                let why = e.to_string();
                let why = why.lines().next().unwrap_or_default().to_string();
                wrong.push(format!("{}:{n}: {command}\n    {why}", doc.display()));
            }
        }
    }
    assert!(checked > 50, "{checked} commands found");
    assert!(
        wrong.is_empty(),
        "{} commands do not parse:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_checks_own_helpers_split_and_find_as_a_reader_would() {
    assert_eq!(
        shell_words("returnrisk-tui report --data 'my data' | head # note"),
        ["returnrisk-tui", "report", "--data", "my data"]
    );
    assert_eq!(shell_words("a \"\" b"), ["a", "", "b"]);
    assert_eq!(anchor_of(" Runs and the registry"), "runs-and-the-registry");
    assert_eq!(
        anchor_of("Any dataset: `schema.toml`"),
        "any-dataset-schematoml"
    );
    assert_eq!(
        link_targets("see [a](x.md#b) and [c](#d)."),
        ["x.md#b", "#d"]
    );
    let text = "```sh\n$ returnrisk-tui generate \\\n  --orders 5\n```\nrun `returnrisk-tui\nman`";
    assert_eq!(
        commands(text),
        [
            (2, "returnrisk-tui generate  --orders 5".to_string()),
            (5, "returnrisk-tui man".to_string())
        ]
    );
    assert!(Cli::try_parse_from(shell_words("returnrisk-tui report --format yaml")).is_err());
}

#[test]
fn no_document_refers_to_numbered_development_steps() {
    let numbered = ["issue", "session", "stop", "milestone", "sprint"];
    let mut found = Vec::new();
    let docs = documents()
        .into_iter()
        .chain([Path::new(ROOT).join("CHANGELOG.md")]);
    for doc in docs {
        let text = std::fs::read_to_string(&doc).unwrap().to_lowercase();
        for (n, line) in text.lines().enumerate() {
            let words: Vec<&str> = line
                .split(|c: char| !c.is_alphanumeric() && c != '#')
                .filter(|w| !w.is_empty())
                .collect();
            for pair in words.windows(2) {
                let number = pair[1].trim_start_matches('#');
                if numbered.contains(&pair[0]) && number.parse::<u32>().is_ok() {
                    found.push(format!("{}:{}: {line}", doc.display(), n + 1));
                }
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}
