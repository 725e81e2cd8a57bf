//! The screen, decided here:
//!
//! ```text
//!  returnrisk-tui | data | as of 2026-06-30 | 30d | all marketplaces | models ...  header
//!  label: bad review (score <= 2), a proxy for a return   (only for such a label)    label
//!  1 Marketplace  2 Sellers  3 Categories  4 Alerts  5 Models  6 Drift  [filter] tabs
//! ┌─────────────────────────────────────────────────────────────────────────────┐
//! │ the tab's body (tabs/*.rs), or the seller drill-down                        │
//! └─────────────────────────────────────────────────────────────────────────────┘
//!  status: messages, load warnings, training progress, or a y/n question          status
//!  tab next | w window | m market | / filter | s sort | ? help | q quit          footer
//! ```
//! Below [`MIN_WIDTH`] x [`MIN_HEIGHT`] it only says the terminal is too small.

use super::app::{App, Training};
use super::tab::Tab;
use super::widgets::block;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use returnrisk_core::model::store::Provenance;

/// Narrowest usable terminal.
pub const MIN_WIDTH: u16 = 60;
/// Shortest usable terminal.
pub const MIN_HEIGHT: u16 = 16;

/// Draws the whole screen from the app state.
pub fn draw(f: &mut Frame, app: &App) {
    draw_screen(f, app);
    scrub(f.buffer_mut());
}

/// Everything on screen, before [`scrub`].
fn draw_screen(f: &mut Frame, app: &App) {
    let area = f.area();
    app.width.set(area.width);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "terminal too small: {}x{} (need {MIN_WIDTH}x{MIN_HEIGHT})",
            area.width, area.height
        );
        f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
        return;
    }
    // A label that is not a return gets a line of its own under the header: never cut.
    let label_rows = u16::from(app.snap.label_definition.is_some());
    let [header, label, tabs_row, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(label_rows),
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(f, header, app);
    if let Some(definition) = &app.snap.label_definition {
        let line = Line::from(vec![
            Span::styled(" label: ", app.theme.dim),
            Span::styled(definition.clone(), app.theme.warn),
        ]);
        f.render_widget(Paragraph::new(line), label);
    }
    draw_tabs(f, tabs_row, app);
    app.page().draw(f, body, app);
    draw_status(f, status, app);
    draw_footer(f, footer, app);
    if app.overlays.help {
        super::help::draw(f, body, app);
    }
    if app.overlays.palette.is_some() {
        draw_candidates(f, body, app);
    }
}

/// The last line of defence for text from the data: no cell may send a control or bidi
/// character to the terminal (widgets clean their text already; this catches any path that
/// does not). A cell whose cleaned text would be wider than the cell keeps its first
/// character (an emoji sequence joined by U+200D, say), so the terminal's columns and
/// ratatui's always agree.
fn scrub(buf: &mut ratatui::buffer::Buffer) {
    for cell in &mut buf.content {
        let symbol = cell.symbol();
        if !symbol.chars().any(returnrisk_core::text::is_hidden) {
            continue;
        }
        let before = unicode_width::UnicodeWidthStr::width(symbol);
        let clean = returnrisk_core::text::clean(symbol).into_owned();
        let fits = unicode_width::UnicodeWidthStr::width(clean.as_str()) <= before.max(1);
        let keep = if fits {
            clean
        } else {
            clean.chars().next().map(String::from).unwrap_or_default()
        };
        cell.set_symbol(if keep.is_empty() { " " } else { &keep });
    }
}

/// The header's status when answering from a cube: who built it and when (`detail` 2), or
/// less.
fn cube_status(app: &App, detail: u8) -> String {
    let Some(src) = &app.engine.cube_source else {
        return "scores: from a cube".into();
    };
    let m = &src.manifest;
    let when = m
        .built_at
        .replace('T', " ")
        .trim_end_matches('Z')
        .chars()
        .take(16)
        .collect::<String>();
    match detail {
        2 => format!("scores: cube by {}, {when} UTC", m.producer),
        1 => format!("scores: cube of {when}"),
        _ => "scores: cube".into(),
    }
}

/// Model status for the header, from the most detailed (`detail` 2: when, on how many orders,
/// how many sellers have their own model) to the least (0: the date and time).
pub fn model_status(app: &App, detail: u8) -> String {
    match &app.status.training {
        Training::Starting => "models: loading...".into(),
        Training::Running(_, 0) => "models: training...".into(),
        Training::Running(d, t) => format!("models: training {d}/{t}"),
        Training::Failed(_) => "models: unavailable".into(),
        Training::FromCube => cube_status(app, detail),
        Training::Ready(prov) => {
            let Some(m) = &app.engine.models else {
                return "models: none".into();
            };
            let when = m
                .trained_at
                .replace('T', " ")
                .trim_end_matches('Z')
                .chars()
                .take(16)
                .collect::<String>();
            let own = m.sellers.values().filter(|s| s.active).count();
            let how = if *prov == Provenance::Reused {
                "saved"
            } else {
                "trained"
            };
            let n = m.global.metrics.n_train + m.global.metrics.n_test;
            match detail {
                0 => format!("models {}", when.get(5..).unwrap_or(&when)),
                1 => format!("models {how} {when} UTC"),
                _ => format!(
                    "models {how} {when} UTC on {} orders, {own} sellers with their own",
                    super::widgets::int(n as u64)
                ),
            }
        }
    }
}

fn draw_header(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let window = match app.window {
        returnrisk_core::engine::Window::All => "all time".to_string(),
        w @ returnrisk_core::engine::Window::Days(_) => format!("{w}d"),
    };
    let sep = Span::styled(" | ", t.dim);
    let compact = area.width < 110;
    let mut spans = vec![Span::styled(" returnrisk-tui", t.accent), sep.clone()];
    if !compact {
        spans.push(Span::raw(app.data_label.clone()));
        spans.push(sep.clone());
    }
    spans.extend([
        Span::raw(format!("as of {}", app.snap.as_of)),
        sep.clone(),
        Span::styled(window, t.header),
        sep.clone(),
        Span::styled(
            app.marketplace_id()
                .unwrap_or(if compact {
                    "all mkts"
                } else {
                    "all marketplaces"
                })
                .to_string(),
            t.header,
        ),
        sep,
    ]);
    // The most detailed model status that fits whole.
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let room = usize::from(area.width).saturating_sub(used);
    let status = (0..=2)
        .rev()
        .map(|d| model_status(app, d))
        .find(|s| s.chars().count() <= room)
        .unwrap_or_else(|| model_status(app, 0));
    let style = match app.status.training {
        Training::Failed(_) => t.crit,
        Training::Ready(_) | Training::FromCube => t.dim,
        _ => t.warn,
    };
    spans.push(Span::styled(status, style));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The width assumed before the first frame is drawn (the full tab titles fit).
pub const WIDE_TABS: u16 = 100;

/// The tab row as drawn: each tab's label, and where its filter is shown. The tabs keep
/// their titles when the filter fits beside them, else their short titles, else (only the
/// current tab titled) their numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TabRow {
    /// The terminal's width.
    pub width: u16,
    /// The tab shown.
    pub current: Tab,
    /// Columns the filter takes on the row (0: none).
    pub filter: u16,
}

/// How much of each tab's title the tab row shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Titles {
    Full,
    Short,
    Numbers,
}

impl TabRow {
    /// The row of `app` at its last width.
    pub fn of(app: &App) -> TabRow {
        let filter = app.page().table().map_or(0, |t| {
            let line = &t.cursor().filter;
            if app.overlays.filtering {
                " filter: ".len() + line.text().chars().count() + 1
            } else {
                filter_chips(line.text())
                    .iter()
                    .map(|(s, _)| s.chars().count())
                    .sum()
            }
        });
        TabRow {
            width: app.width.get(),
            current: app.nav.tab,
            filter: u16::try_from(filter).unwrap_or(u16::MAX),
        }
    }

    fn titles(self) -> Titles {
        let fits = |titles| {
            let tabs: usize = Tab::ALL
                .iter()
                .map(|&t| self.label_as(t, titles).chars().count() + 1)
                .sum();
            1 + tabs + usize::from(self.filter) <= usize::from(self.width)
        };
        [Titles::Full, Titles::Short]
            .into_iter()
            .find(|&t| fits(t))
            .unwrap_or(Titles::Numbers)
    }

    fn label(self, tab: Tab) -> String {
        self.label_as(tab, self.titles())
    }

    fn label_as(self, tab: Tab, titles: Titles) -> String {
        let title = match titles {
            Titles::Full => tab.title(),
            Titles::Numbers if tab != self.current => return format!(" {} ", tab.index() + 1),
            _ => tab.short_title(),
        };
        format!(" {} {title} ", tab.index() + 1)
    }
}

/// A kept filter as the tab row shows it: `filter:`, each field term a chip, then the words
/// (text, and whether it is a chip).
fn filter_chips(text: &str) -> Vec<(String, bool)> {
    if text.is_empty() {
        return Vec::new();
    }
    let q = super::query::Query::parse(text);
    let mut out = vec![(" filter:".to_string(), false)];
    out.extend(q.terms.iter().map(|(f, v)| (format!(" [{f}:{v}]"), true)));
    out.extend(q.words.iter().map(|w| (format!(" {w}"), true)));
    out
}

/// Column ranges of the tab titles on the tab row (mouse clicks).
pub fn tab_spans(row: TabRow) -> Vec<(Tab, u16, u16)> {
    let mut x = 1u16;
    Tab::ALL
        .iter()
        .map(|&tab| {
            let w = row.label(tab).chars().count() as u16;
            let span = (tab, x, x + w);
            x += w + 1;
            span
        })
        .collect()
}

/// The tab under column `x` of the tab row.
pub fn tab_at(x: u16, row: TabRow) -> Option<Tab> {
    tab_spans(row)
        .into_iter()
        .find(|&(_, a, b)| x >= a && x < b)
        .map(|(t, ..)| t)
}

/// A line being typed, with a cursor block at its cursor.
fn typed_line<'a>(prefix: &str, line: &super::line_edit::LineEdit, app: &App) -> Vec<Span<'a>> {
    let t = &app.theme;
    let text: Vec<char> = line.text().chars().collect();
    let at = line.cursor();
    let before: String = text[..at].iter().collect();
    let under: String = text
        .get(at)
        .map_or(" ".into(), std::string::ToString::to_string);
    let after: String = text
        .get(at + 1..)
        .map_or(String::new(), |r| r.iter().collect());
    vec![
        Span::styled(format!("{prefix}{before}"), t.header),
        Span::styled(under, t.selected),
        Span::styled(after, t.header),
    ]
}

fn draw_tabs(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let mut spans = vec![Span::raw(" ")];
    let row = TabRow {
        width: area.width,
        ..TabRow::of(app)
    };
    for tab in Tab::ALL {
        let style = if tab == app.nav.tab {
            t.selected.patch(t.accent)
        } else {
            t.dim
        };
        spans.push(Span::styled(row.label(tab), style));
        spans.push(Span::raw(" "));
    }
    if let Some(table) = app.page().table() {
        let filter = &table.cursor().filter;
        if app.overlays.filtering {
            spans.extend(typed_line(" filter: ", filter, app));
        } else {
            for (text, chip) in filter_chips(filter.text()) {
                spans.push(Span::styled(text, if chip { t.selected } else { t.dim }));
            }
        }
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The palette's completions, just above the status line.
fn draw_candidates(f: &mut Frame, body: Rect, app: &App) {
    let Some(p) = &app.overlays.palette else {
        return;
    };
    let cands = super::palette::candidates(p.line.text(), &app.lookup());
    if cands.is_empty() {
        return;
    }
    let shown = cands.len().min(super::palette::MAX_CANDIDATES);
    let more = cands.len() - shown;
    let mut lines: Vec<Line> = cands[..shown]
        .iter()
        .map(|c| Line::from(format!(" {}", c.shown)))
        .collect();
    if more > 0 {
        lines.push(Line::from(Span::styled(
            format!(" ... {more} more (type to narrow)"),
            app.theme.dim,
        )));
    }
    let h = (lines.len() as u16 + 2).min(body.height);
    let longest = cands[..shown].iter().map(|c| c.shown.chars().count()).max();
    let w = u16::try_from(longest.unwrap_or(0) + 3)
        .unwrap_or(u16::MAX)
        .max(40)
        .min(body.width);
    let area = Rect {
        x: body.x,
        y: body.bottom().saturating_sub(h),
        width: w,
        height: h,
    };
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines).block(block(&app.theme, " Tab completes ")),
        area,
    );
}

fn draw_status(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let mut spans = Vec::new();
    if let Some(p) = &app.overlays.palette {
        spans.extend(typed_line(" :", &p.line, app));
        if let Some(m) = &app.status.message {
            spans.push(Span::styled(format!("  {m}"), t.warn));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    if let Some(c) = &app.overlays.confirm {
        spans.push(Span::styled(
            format!(" {} y = yes, n = no ", c.prompt),
            t.selected,
        ));
        f.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    match (&app.status.message, &app.status.training) {
        (Some(m), _) => spans.push(Span::styled(format!(" {m}"), t.accent)),
        // Why the models are unavailable stays in view after the message expires.
        (None, Training::Failed(why)) => spans.push(Span::styled(format!(" {why}"), t.crit)),
        _ => {}
    }
    if let Some(w) = &app.status.load_warning {
        spans.push(Span::styled(format!(" ! {w}"), t.warn));
    }
    if let Training::Running(d, n) = app.status.training {
        let width = 20usize;
        let filled = (d * width).checked_div(n).unwrap_or(0).min(width);
        spans.push(Span::styled(
            format!(
                " training {}{} {d}/{n}",
                t.bar_full.repeat(filled),
                t.bar_empty.repeat(width - filled)
            ),
            t.warn,
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_footer(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let hints = app
        .keymap
        .footer_fitting(app.screen(), usize::from(area.width));
    let mut spans = vec![Span::raw(" ")];
    for (k, label) in hints {
        spans.push(Span::styled(k, t.header));
        spans.push(Span::styled(format!(" {label}  "), t.dim));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
