//! The `?` help: the whole body of the screen, scrolled with j/k, PgUp/PgDn, g/G. It lists
//! every key that acts on the current screen (from the key map, like the footer), the live
//! filter's syntax where there is a table, and what every figure and marker of the screen
//! means ([`super::glossary`], docs/dashboard.md's glossary), each wrapped to the width there is.

use super::app::App;
use super::glossary::{self, Screen};
use super::tab::Tab;
use super::widgets::{block, wrap};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// Draws the help over `body`.
pub fn draw(f: &mut Frame, body: Rect, app: &App) {
    let t = &app.theme;
    let width = usize::from(body.width.saturating_sub(2));
    let mut lines = Vec::new();
    let section = |lines: &mut Vec<Line>, title: &str| {
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(title.to_string(), t.accent));
    };
    section(&mut lines, "Keys on this screen");
    let keys = app.keymap.help(app.normal_screen());
    let key_w = keys
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        .min(16);
    for (k, text) in &keys {
        lines.extend(entry(k, text, key_w, width, t.header));
    }
    if app.page().table().is_some() {
        section(&mut lines, "Filter (/)");
        for (what, text) in FILTER {
            lines.extend(entry(what, text, key_w, width, t.header));
        }
    }
    section(&mut lines, "What the figures mean");
    let terms = glossary(app);
    let term_w = terms
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        .min(16);
    for (what, text) in &terms {
        lines.extend(entry(what, text, term_w, width, t.header));
    }
    // On data whose label is not a return, say what it is.
    for (what, text) in [
        ("Label", &app.snap.label_definition),
        ("Marketplaces", &app.snap.marketplace_definition),
    ] {
        if let Some(text) = text {
            lines.extend(entry(what, text, term_w, width, t.header));
        }
    }
    let page = body.height.saturating_sub(2);
    let total = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let last = total.saturating_sub(page);
    app.overlays.help_bounds.set((last, page));
    let top = app.overlays.help_scroll.min(last);
    let shown = format!(
        " Help: lines {}-{} of {total} (j/k, PgUp/PgDn scroll; Esc or ? closes) ",
        top + 1,
        (top + page).min(total)
    );
    f.render_widget(Clear, body);
    f.render_widget(
        Paragraph::new(lines)
            .scroll((top, 0))
            .block(block(t, shown)),
        body,
    );
}

/// The live filter's syntax, as help lists it.
const FILTER: [(&str, &str); 3] = [
    (
        "words",
        "each word must appear in one of the row's columns (any case, any part): S0 crit",
    ),
    (
        "field:value",
        "only rows whose field holds the value: sev: state: seller: cat: band: market: rule: (orders: cat: status: band: pay:); \"quotes\" keep spaces; words and fields combine, all must hold",
    ),
    (
        "Esc",
        "clears the filter; a field the table lacks keeps no row and the table says which fields it has",
    ),
];

/// `term  text` with the text wrapped at `width`, its later lines indented under the text.
fn entry<'a>(term: &str, text: &str, term_w: usize, width: usize, style: Style) -> Vec<Line<'a>> {
    let indent = term_w + 4;
    let room = width.saturating_sub(indent).max(20);
    wrap(text, room)
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let head = if i == 0 {
                format!("  {term:>term_w$}  ")
            } else {
                " ".repeat(indent)
            };
            Line::from(vec![Span::styled(head, style), Span::raw(part)])
        })
        .collect()
}

/// One line per figure the screen shows, in the label's own words (`Exp.BR  expected bad
/// reviews: ...` on Olist's proxy label).
fn glossary(app: &App) -> Vec<(String, String)> {
    let noun = &app.snap.label_noun;
    let own = noun.singular != "return";
    glossary_of(app)
        .into_iter()
        .map(|(what, text)| {
            let text = if own {
                text.replace("Return rate", &noun.rate_title())
                    .replace("return rate", &noun.rate())
                    .replace("returned order", &format!("order with a {}", noun.singular))
                    .replace("returns", &noun.plural)
                    .replace("returned", &format!("given a {}", noun.singular))
            } else {
                text.to_string()
            };
            (noun.header(what).into_owned(), text)
        })
        .collect()
}

/// The glossary of the screen shown, in the default label's words.
fn glossary_of(app: &App) -> Vec<(&'static str, &'static str)> {
    let screen = match app.nav.tab {
        Tab::Sellers => match &app.pages.seller {
            Some(v) if v.pane.is_some() => Screen::Order,
            Some(_) => Screen::Seller,
            None => Screen::Tables,
        },
        Tab::Marketplace => Screen::Marketplace,
        Tab::Categories => Screen::Tables,
        Tab::Alerts => Screen::Alerts,
        Tab::Models => Screen::Models,
        Tab::Drift => Screen::Drift,
        Tab::Monitoring => Screen::Monitoring,
    };
    let mut entries = glossary::entries(screen);
    match app.nav.tab {
        Tab::Categories => entries.retain(|(_, text)| !text.ends_with(glossary::SELLERS_ONLY)),
        _ => {
            for (_, text) in &mut entries {
                *text = text.trim_end_matches(glossary::SELLERS_ONLY);
            }
        }
    }
    entries
}
