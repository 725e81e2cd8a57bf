//! Models tab: recent runs, the model that scores each seller with its holdout metrics and
//! how it compares with the alternative, the selected model's versions (choose with `[`/`]`,
//! promote / roll back with confirmation) and what drives its scores.
//!
//! ```text
//! ┌ Runs ──────────────────────────────────────────────────────────────────┐
//! ├ Models: what scores each seller ───────┐┌ S006 versions ────────────────┤
//! │ Model Scoring n AUC Brier vs ΔBrier     ││ > v2 active ... / decision    │
//! │                                         │├ Drivers (bar chart) ──────────┤
//! └─────────────────────────────────────────┘└───────────────────────────────┘
//! ```

pub use super::model_rows::{ModelRow, ModelSort, model_rows};
use crate::app::App;
use crate::export::{ExportTable, opt};
use crate::page::Page;
use crate::query::Field;
use crate::table::{TableView, Unsorted};
use crate::widgets::{Col, TableText, block, col, hbar, int, num, plain_table, sorted, table};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use returnrisk_core::model::GLOBAL;
use returnrisk_core::model::registry::ModelEntry;
use returnrisk_core::model::version_state::{VersionState, version_state};
use returnrisk_core::text;

/// The Models tab's state.
#[derive(Clone, Debug, Default)]
pub struct ModelsTab {
    /// The table.
    pub view: TableView<ModelSort>,
    /// Index into the selected model's versions (newest first).
    pub version_cursor: usize,
}

const COLS: [Col<ModelSort>; 8] = [
    sorted("Model", 7, false, 9, ModelSort::Model),
    col("Scoring", 9, false, 8),
    col("n", 6, true, 3),
    sorted("ROC AUC", 7, true, 4, ModelSort::RocAuc),
    sorted("Brier", 6, true, 7, ModelSort::Brier),
    col("vs", 10, false, 5),
    sorted("ΔBrier", 7, true, 6, ModelSort::DeltaBrier),
    col("Versions", 8, true, 2),
];

const RUN_COLS: [Col<Unsorted>; 7] = [
    col("Run", 21, false, 9),
    col("Started", 16, false, 4),
    col("Orders", 9, true, 5),
    col("Last day", 10, false, 3),
    col("ROC AUC", 7, true, 7),
    col("Brier", 6, true, 6),
    col("Global", 12, false, 8),
];

impl ModelsTab {
    /// The rows shown: the global model first, then every seller's, filtered and sorted.
    pub fn rows(&self, app: &App) -> Vec<ModelRow> {
        model_rows(&app.lifecycle, &app.engine.data.sellers, &self.view)
    }

    /// The selected row.
    pub fn selected(&self, app: &App) -> Option<ModelRow> {
        self.rows(app).into_iter().nth(self.view.cursor.selected)
    }

    /// Versions of the selected model, newest first (the order the tab lists them).
    pub fn selected_versions(&self, app: &App) -> Vec<u32> {
        self.selected(app)
            .and_then(|r| app.lifecycle.registry.models.get(&r.model))
            .map(|e| e.versions.iter().rev().map(|v| v.version).collect())
            .unwrap_or_default()
    }

    /// Moves the version cursor of the selected model.
    pub fn move_version(&mut self, delta: isize, app_versions: usize) {
        let max = app_versions.saturating_sub(1) as isize;
        self.version_cursor = (self.version_cursor as isize + delta).clamp(0, max) as usize;
    }
}

impl Page for ModelsTab {
    fn draw(&self, f: &mut Frame, area: Rect, app: &App) {
        draw(self, f, area, app);
    }

    crate::page::page_table!(view);

    fn rows(&self, app: &App) -> usize {
        self.rows(app).len()
    }

    fn export(&self, app: &App) -> Option<ExportTable> {
        let rows = self
            .rows(app)
            .into_iter()
            .map(|r| {
                vec![
                    r.model,
                    r.scoring,
                    r.n.map(|n| n.to_string()).unwrap_or_default(),
                    opt(r.roc_auc),
                    opt(r.brier),
                    r.vs,
                    opt(r.delta_brier),
                    r.versions.to_string(),
                    r.decision,
                ]
            })
            .collect();
        Some(ExportTable {
            name: vec!["models".into()],
            header: vec![
                "model",
                "scoring",
                "n",
                "roc_auc",
                "brier",
                "vs",
                "delta_brier",
                "versions",
                "decision",
            ],
            rows,
        })
    }

    fn selected_id(&self, app: &App) -> Option<String> {
        self.selected(app).map(|r| r.model)
    }
}

fn draw(tab: &ModelsTab, f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let lc = &app.lifecycle;
    let n_runs = lc.runs.len();
    let runs_h = (n_runs.clamp(1, 3) as u16 + 3).min(area.height / 3);
    let [runs_area, rest] =
        Layout::vertical([Constraint::Length(runs_h), Constraint::Min(5)]).areas(area);
    let run_rows = lc
        .runs
        .iter()
        .rev()
        .map(|r| {
            let g = r.model(GLOBAL).map(|m| &m.metrics);
            vec![
                (r.id.clone(), t.text),
                (
                    r.started_at.replace('T', " ").chars().take(16).collect(),
                    t.dim,
                ),
                (int(r.data.orders as u64), t.text),
                (r.data.last_day.clone().unwrap_or_default(), t.dim),
                (num(g.and_then(|m| m.roc_auc), 3, "n/a"), t.text),
                (num(g.and_then(|m| m.brier), 4, "n/a"), t.text),
                (
                    returnrisk_core::model::version_state::registration(
                        &lc.registry,
                        GLOBAL,
                        &r.id,
                    ),
                    t.accent,
                ),
            ]
        })
        .collect();
    let title = if n_runs == 0 {
        Line::from(" Runs: none yet (training creates the first) ")
    } else {
        Line::from(format!(" Runs ({n_runs}, newest first) "))
    };
    plain_table(f, runs_area, t, title, &RUN_COLS, run_rows);

    let [left, right] =
        Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(rest);
    let v = &tab.view;
    let rows = tab.rows(app);
    let total = model_rows(
        &app.lifecycle,
        &app.engine.data.sellers,
        &TableView::default(),
    )
    .len();
    let selected = rows.get(v.cursor.selected).cloned();
    let cells = rows
        .into_iter()
        .map(|r| {
            let delta_style = match r.delta_brier {
                Some(d) if d > 0.0 => t.warn,
                Some(_) => t.good,
                None => t.dim,
            };
            vec![
                (r.model, t.text),
                (r.scoring, t.accent),
                (r.n.map_or("n/a".into(), |n| int(n as u64)), t.dim),
                (num(r.roc_auc, 3, "n/a"), t.text),
                (num(r.brier, 4, "n/a"), t.text),
                (r.vs, t.dim),
                (
                    r.delta_brier.map_or("n/a".into(), |d| format!("{d:+.4}")),
                    delta_style,
                ),
                (r.versions.to_string(), t.dim),
            ]
        })
        .collect();
    let text = TableText {
        name: "Models",
        total,
        note: ": what scores each seller".into(),
        empty: "no sellers",
        no_match: v.query().foreign(&[Field::Seller]),
    };
    table(f, left, t, &COLS, cells, v, text);
    draw_selected(f, right, app, tab, selected.as_ref());
}

/// The selected model's versions and decision, then its drivers.
fn draw_selected(f: &mut Frame, area: Rect, app: &App, tab: &ModelsTab, row: Option<&ModelRow>) {
    let t = &app.theme;
    let Some(row) = row else {
        f.render_widget(Paragraph::new("").block(block(t, " Versions ")), area);
        return;
    };
    let entry = app.lifecycle.registry.models.get(&row.model);
    let n_versions = entry.map_or(0, |e| e.versions.len()) as u16;
    let top_h = (n_versions.clamp(1, 6) + 4).min(area.height / 2 + 1);
    let [top, bottom] =
        Layout::vertical([Constraint::Length(top_h), Constraint::Min(3)]).areas(area);
    let mut lines = match entry {
        Some(e) => version_lines(app, e, tab.version_cursor),
        None => vec![Line::from(Span::styled("no registered versions", t.dim))],
    };
    lines.push(Line::from(Span::styled(row.decision.clone(), t.dim)));
    let title = format!(" {} versions ([ ] choose) ", row.model);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(block(t, title)),
        top,
    );
    draw_drivers(f, bottom, app, &row.model);
}

fn version_lines<'a>(app: &App, e: &ModelEntry, cursor_at: usize) -> Vec<Line<'a>> {
    let t = &app.theme;
    e.versions
        .iter()
        .rev()
        .enumerate()
        .map(|(i, v)| {
            let state = version_state(e, v.version);
            let cursor = if i == cursor_at { ">" } else { " " };
            let style = if state == VersionState::Active {
                t.accent
            } else {
                t.text
            };
            let style: Style = if i == cursor_at {
                style.patch(t.selected)
            } else {
                style
            };
            Line::from(vec![
                Span::styled(
                    format!("{cursor} v{:<3}{:<10}", v.version, state.as_str()),
                    style,
                ),
                Span::styled(
                    format!(
                        " Brier {} AUC {} ",
                        num(v.score.brier, 4, "n/a"),
                        num(v.score.roc_auc, 3, "n/a")
                    ),
                    t.text,
                ),
                Span::styled(v.run_id.clone(), t.dim),
            ])
        })
        .collect()
}

/// Permutation importance of the model that scores `model`'s orders, as bars.
fn draw_drivers(f: &mut Frame, area: Rect, app: &App, model: &str) {
    let t = &app.theme;
    let drivers = app.engine.models.as_ref().and_then(|m| {
        if model == GLOBAL {
            Some((GLOBAL.to_string(), m.global.drivers.clone()))
        } else {
            m.drivers_for(model).map(|d| (d.model, d.drivers))
        }
    });
    let Some((by, drivers)) = drivers else {
        let msg = if app.engine.models.is_none() {
            "models loading"
        } else {
            "n/a"
        };
        f.render_widget(Paragraph::new(msg).block(block(t, " Drivers ")), area);
        return;
    };
    let max = drivers.iter().map(|d| d.importance).fold(0.0, f64::max);
    let inner = area.width.saturating_sub(2) as usize;
    // Names whole when the pane has room (customer_return_rate), cut with … when not.
    let longest = drivers.iter().map(|d| text::width(&d.feature)).max();
    let name_w = longest.unwrap_or(0).clamp(8, (inner * 2 / 5).max(13));
    let bar_w = inner.saturating_sub(name_w + 1 + 9).max(1);
    let lines: Vec<Line> = drivers
        .iter()
        .map(|d| {
            let name = text::fit(&d.feature, name_w);
            let pad = name_w + 1 - text::width(&name).min(name_w);
            Line::from(vec![
                Span::styled(format!("{name}{:pad$}", ""), t.text),
                Span::styled(hbar(t, d.importance.max(0.0), max, bar_w), t.bar),
                Span::styled(format!(" {:>8.5}", d.importance), t.dim),
            ])
        })
        .collect();
    let scope = if model == GLOBAL {
        "global model, whole holdout".to_string()
    } else if by == model {
        "its own model".to_string()
    } else {
        format!("global model on {model}'s orders")
    };
    let title = format!(" Drivers ({scope}): Brier rise when shuffled ");
    f.render_widget(Paragraph::new(lines).block(block(t, title)), area);
}
