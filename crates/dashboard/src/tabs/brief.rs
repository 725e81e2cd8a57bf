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
use ratatui::layout::Rect;
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

/// Draws the panel.
pub fn draw(f: &mut Frame, area: Rect, app: &App, v: &TableView<Unsorted>) {
    let t = &app.theme;
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
