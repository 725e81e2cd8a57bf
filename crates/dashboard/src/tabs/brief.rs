//! The briefing panel at the top of the Marketplace tab: the window's few statements that
//! matter, computed by the engine; the selected one opens its screen with Enter (a seller,
//! a category, the Alerts, Drift or Models tab).

use crate::app::App;
use crate::export::ExportTable;
use crate::page::Goto;
use crate::tab::Tab;
use crate::table::{TableView, Unsorted, matches};
use crate::widgets::{Col, TableText, col, table};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use returnrisk_core::engine::brief::{Opens, Statement};

const COLS: [Col<Unsorted>; 2] = [col("Topic", 10, false, 5), col("Statement", 80, false, 9)];

/// The statements shown (the live filter applies).
pub fn rows<'a>(app: &'a App, v: &TableView<Unsorted>) -> Vec<&'a Statement> {
    app.derived.brief().map_or(Vec::new(), |b| {
        b.statements
            .iter()
            .filter(|s| matches(v.filter(), &[s.topic.as_str(), &s.text]))
            .collect()
    })
}

/// The most lines the selected statement's full text takes under the list.
const MAX_DETAIL: usize = 3;

/// The selected statement.
fn selected<'a>(app: &'a App, v: &TableView<Unsorted>) -> Option<&'a Statement> {
    rows(app, v).get(v.cursor.selected).copied()
}

/// Lines the selected statement takes in full at `width` (at most [`MAX_DETAIL`]).
pub fn detail_rows(app: &App, v: &TableView<Unsorted>, width: u16) -> u16 {
    selected(app, v).map_or(0, |s| {
        let lines = crate::widgets::wrap(&s.text, usize::from(width.saturating_sub(2))).len();
        u16::try_from(lines.min(MAX_DETAIL)).unwrap_or(0)
    })
}

/// Draws the panel: the statements, and under them the selected one in full (`detail`
/// lines, from [`detail_rows`]).
pub fn draw(f: &mut Frame, area: Rect, app: &App, v: &TableView<Unsorted>, detail: u16) {
    let t = &app.theme;
    let [area, below] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(detail)]).areas(area);
    if let Some(s) = selected(app, v) {
        let width = usize::from(below.width.saturating_sub(2));
        let lines: Vec<Line> = crate::widgets::wrap(&s.text, width)
            .into_iter()
            .take(MAX_DETAIL)
            .map(|l| Line::styled(format!(" {l}"), t.accent))
            .collect();
        f.render_widget(Paragraph::new(lines), below);
    }
    let cells = rows(app, v)
        .iter()
        .map(|s| vec![(s.topic.to_string(), t.dim), (s.text.clone(), t.text)])
        .collect();
    let total = app.derived.brief().map_or(0, |b| b.statements.len());
    let text = TableText {
        name: "Briefing",
        total,
        note: " | Enter: open it".into(),
        empty: "nothing changed that is worth saying",
        no_match: v.query().foreign(&[]),
    };
    table(f, area, t, &COLS, cells, v, text);
}

/// Where Enter on a statement leads.
pub fn open(app: &App, s: &Statement) -> Option<Goto> {
    let ds = &app.engine.data;
    let here = app.marketplace;
    Some(match &s.opens {
        Opens::Seller(id) => Goto::Seller {
            id: id.clone(),
            category: None,
            alert: None,
            order: None,
        },
        Opens::Category(c) => Goto::Category(ds.categories.iter().position(|x| x == c)? as u16),
        Opens::Alerts => Goto::Market(Tab::Alerts, here),
        Opens::Drift(m) => Goto::Market(Tab::Drift, ds.marketplace_index(m).map(|i| i as u16)),
        Opens::Marketplace => Goto::Market(Tab::Marketplace, here),
        Opens::Models => Goto::Market(Tab::Models, here),
    })
}

/// The statements for `e`.
pub fn export(app: &App, v: &TableView<Unsorted>) -> ExportTable {
    ExportTable {
        name: vec!["briefing".into()],
        header: vec!["topic", "statement"],
        rows: rows(app, v)
            .iter()
            .map(|s| vec![s.topic.to_string(), s.text.clone()])
            .collect(),
    }
}
