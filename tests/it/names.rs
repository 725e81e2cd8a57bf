//! Seller names from the real world (zero-width joiners, right-to-left overrides, combining
//! accents, CJK, emoji, control characters) on the dashboard and in the CLI table: nothing
//! hidden reaches the terminal, columns line up by display width, cuts end in `…`, and JSON
//! keeps the names as they are.

use crate::common;
use common::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use returnrisk_tui::config::RiskBands;
use returnrisk_tui::config_file::{ColorMode, Config};
use returnrisk_tui::data::{LoadOptions, load_dir};
use returnrisk_tui::engine::{Engine, Window};
use returnrisk_tui::text;
use returnrisk_tui::tui::action::{Action, Command};
use returnrisk_tui::tui::app::App;
use returnrisk_tui::tui::keymap::KeyMap;
use returnrisk_tui::tui::tab::Tab;
use returnrisk_tui::tui::tabs::sellers::SellerSort;
use returnrisk_tui::tui::theme::Theme;
use returnrisk_tui::tui::ui;
use std::path::Path;

/// Names that break naive terminal code, for the first sellers of the demo data.
const NAMES: [&str; 8] = [
    "Zero\u{200d}Width Joiner",
    "Evil\u{202e}Override Shop",
    "Cafe\u{301} Cre\u{300}me",
    "東京マーケット",
    "Emoji 🛍 👨\u{200d}👩\u{200d}👧 Store",
    "Tab\tand\u{7}Bell",
    "Ünïcödé Ltd",
    "A Plain Seller Whose Name Is Far Too Long For Any Column",
];

/// The demo data with the first sellers renamed.
fn odd_names_data() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    std::fs::copy(src.join("orders.csv"), dir.path().join("orders.csv")).unwrap();
    let sellers = std::fs::read_to_string(src.join("sellers.csv")).unwrap();
    let mut out = String::new();
    for (i, line) in sellers.lines().enumerate() {
        match i.checked_sub(1).and_then(|k| NAMES.get(k)) {
            Some(name) => {
                let f: Vec<&str> = line.split(',').collect();
                out.push_str(&format!("{},\"{name}\",{}\n", f[0], f[2]));
            }
            None => out.push_str(&format!("{line}\n")),
        }
    }
    std::fs::write(dir.path().join("sellers.csv"), out).unwrap();
    dir
}

fn app_on(dir: &Path) -> App {
    let (ds, report) = load_dir(dir, &LoadOptions::default()).unwrap();
    let cfg = Config::defaults();
    let mut app = App::new(
        Engine::new(ds, report, RiskBands::DEFAULT),
        KeyMap::new(&cfg.keys).unwrap(),
        Theme::new(ColorMode::Ansi, false, false),
        Window::All,
    );
    app.data_label = "data".into();
    app
}

/// Every cell of the screen: no hidden character, and every line exactly as wide as the
/// terminal (a leaked zero-width or bidi character would shift what follows it).
fn assert_clean(term: &Terminal<TestBackend>, w: u16) {
    let buf = term.backend().buffer();
    for cell in &buf.content {
        assert!(
            !cell.symbol().chars().any(text::is_hidden),
            "hidden character in {:?}",
            cell.symbol()
        );
    }
    // What a terminal draws: each cell's text at its display width, the cells under a
    // wide character skipped.
    for y in 0..buf.area.height {
        let (mut x, mut columns, mut line) = (0, 0, String::new());
        while x < w {
            let symbol = buf[(x, y)].symbol();
            let sw = text::width(symbol).max(1);
            line.push_str(symbol);
            columns += sw;
            x += sw as u16;
        }
        assert_eq!(columns, usize::from(w), "row {y}: {line}");
    }
}

#[test]
fn odd_names_stay_inside_their_cells_while_scrolling() {
    let dir = odd_names_data();
    let mut app = app_on(dir.path());
    app.update(Action::Command(Command::GoTab(Tab::Sellers)));
    // Sort by seller id: the renamed sellers come first.
    while app.pages.sellers.view.sort != SellerSort::by("seller_id").unwrap() {
        app.update(Action::Command(Command::Sort));
    }
    // One terminal for every frame: ratatui sends only the cells that changed, as it does
    // to a real terminal, so a stray character would stay behind on later frames.
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let keys = [
        Command::Down,
        Command::Down,
        Command::Down,
        Command::PageDown,
        Command::Bottom,
        Command::Up,
        Command::Up,
        Command::PageUp,
        Command::Top,
        Command::Down,
    ];
    for k in keys {
        app.update(Action::Command(k));
        term.draw(|f| ui::draw(f, &app)).unwrap();
        assert_clean(&term, 120);
    }
    insta::assert_snapshot!("odd_names_sellers_120x40", term.backend());
    let screen = term.backend().to_string();
    // Cut by display width with an ellipsis; hidden characters gone, visible ones kept.
    // (At 120 columns the Name column has no room to grow into.)
    assert!(screen.contains("A Plain Seller …"), "{screen}");
    assert!(screen.contains("EvilOverride Sh…"), "{screen}");
    assert!(screen.contains("東京マーケット"), "{screen}");
    // The drill-down title carries the name too.
    app.update(Action::Command(Command::Top));
    app.update(Action::Command(Command::Open));
    term.draw(|f| ui::draw(f, &app)).unwrap();
    assert_clean(&term, 120);
}

#[test]
fn the_cli_table_aligns_odd_names_by_display_width() {
    let dir = odd_names_data();
    let data = p(dir.path());
    let out = run(&["report", "--window", "all", "--data", data]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    let lines: Vec<&str> = report.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.starts_with("Seller  Name"))
        .expect("sellers table");
    // The column after Name starts at the same display column on every row.
    let mkt_col = |line: &str| {
        let at = line.find(" M00").or_else(|| line.find(" Mkt")).unwrap();
        text::width(&line[..at])
    };
    let expected = mkt_col(lines[header]);
    let rows: Vec<&str> = lines[header + 2..]
        .iter()
        .take_while(|l| !l.is_empty())
        .copied()
        .collect();
    assert_eq!(rows.len(), 15);
    for row in &rows {
        assert_eq!(mkt_col(row), expected, "{row}");
        assert!(!row.chars().any(text::is_hidden), "{row:?}");
    }
    assert!(!report.chars().any(|c| text::is_hidden(c) && c != '\n'));

    // JSON keeps the names exactly as the data has them.
    let json = json(&[
        "report", "--format", "json", "--window", "all", "--data", data,
    ]);
    let names: Vec<&str> = json["sellers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["seller_name"].as_str().unwrap())
        .collect();
    for n in NAMES {
        assert!(names.contains(&n), "{n:?} not in {names:?}");
    }
}

/// Sets a terminal title and clears the screen when printed raw.
const HOSTILE: &str = "\u{1b}]0;T\u{7}\u{1b}[2J\u{202e}";

/// Small generated data whose first seller id, marketplace id, seller name and a category
/// carry [`HOSTILE`].
fn hostile_ids_data() -> (tempfile::TempDir, String, String) {
    let dir = small_data();
    let (seller, mkt) = (format!("S0{HOSTILE}01"), format!("M0{HOSTILE}01"));
    for f in ["orders.csv", "sellers.csv"] {
        let path = dir.path().join(f);
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text
            .replace("Footwear", &format!("Foot{HOSTILE}wear"))
            .replace("S001", &seller)
            .replace("M001", &mkt);
        let text = match f {
            "sellers.csv" => {
                text.replacen(&format!("{seller},"), &format!("{seller},A{HOSTILE}"), 1)
            }
            _ => text,
        };
        std::fs::write(path, text).unwrap();
    }
    (dir, seller, mkt)
}

#[test]
fn no_text_a_command_prints_carries_terminal_controls_from_the_data() {
    let (dir, seller, mkt) = hostile_ids_data();
    let data = p(dir.path());
    let commands: Vec<Vec<&str>> = vec![
        vec!["train"],
        vec!["report"],
        vec!["report", "--marketplace", &mkt],
        vec!["seller", &seller],
        vec!["forecast"],
        vec!["forecast", "--seller", &seller],
        vec!["forecast", "--marketplace", &mkt],
        vec!["forecast", "--backtest"],
        vec!["brief"],
        vec!["drift"],
        vec!["cases", "evaluate"],
        vec!["cases", "list"],
        vec!["cases", "show", "1"],
        vec!["runs", "list"],
        vec!["runs", "show", "latest"],
        vec!["runs", "compare", "latest", "latest"],
        vec!["models", "list", "--all"],
        vec!["pipeline"],
        // Errors that list the data's ids.
        vec!["seller", "S999"],
        vec!["report", "--marketplace", "M9"],
    ];
    let mut seen_hostile_words = 0;
    for args in commands {
        let out = run_on(data, &args);
        let (o, e) = (stdout(&out), stderr(&out));
        assert!(out.status.code().is_some_and(|c| c <= 1), "{args:?}: {e}");
        assert!(!e.contains("panicked"), "{args:?}: {e}");
        for text in [&o, &e] {
            let bad = text.chars().find(|&c| c != '\n' && text::is_hidden(c));
            assert_eq!(bad, None, "{args:?} printed {bad:?}: {text}");
        }
        // The values are there, only their control characters are gone.
        seen_hostile_words += usize::from(o.contains("]0;T[2J") || e.contains("]0;T[2J"));
    }
    assert!(seen_hostile_words >= 10, "{seen_hostile_words}");
}
