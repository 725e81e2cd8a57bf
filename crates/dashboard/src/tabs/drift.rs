//! Drift tab: the dataset verdict of every marketplace, the per-column tests of the current
//! scope (the marketplace filter, `m`), and the reference vs current histogram of the
//! selected column. The current window is the last 7 days in the 7-day window, else 30.
//!
//! ```text
//!  verdicts: all 2/10 | M001 0/10 | > M002 3/10 | M003 0/10; reference vs current dates
//! ┌ Columns: M002 ──────────────────────────┐┌ delivery_days: reference vs current ┐
//! │ Column  Test  Score  Threshold  ×  Drift ││ 0-2   ████ 12.0%  ██ 6.0%           │
//! └──────────────────────────────────────────┘└─────────────────────────────────────┘
//! ```

use crate::app::{App, Training};
use crate::export::ExportTable;
use crate::page::Page;
use crate::table::{SortKey, TableView, matches, opt_cmp, text_cmp};
use crate::widgets::{Col, TableText, block, col, hbar, int, sorted, table};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use returnrisk_core::drift::report::{ColumnReport, DriftReport, ScopeReport};

/// What the drift table is ordered by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DriftSort {
    /// How far past its threshold the test is (the `×thr` column): strongest drift first.
    #[default]
    Strength,
    /// The test's score.
    Score,
    /// Column name, A-Z.
    Column,
}

impl SortKey for DriftSort {
    const ALL: &'static [Self] = &[Self::Strength, Self::Score, Self::Column];

    fn is_text(self) -> bool {
        self == Self::Column
    }
}

const COLS: [Col<DriftSort>; 7] = [
    sorted("Column", 15, false, 9, DriftSort::Column),
    col("Test", 18, false, 3),
    sorted("Score", 8, true, 5, DriftSort::Score),
    col("Thresh", 7, true, 4),
    sorted("×thr", 6, true, 7, DriftSort::Strength),
    col("Drift", 6, false, 9),
    col("What moved", 20, false, 8),
];

/// The Drift tab's state.
#[derive(Clone, Debug, Default)]
pub struct DriftTab {
    /// The table.
    pub view: TableView<DriftSort>,
}

/// How far a column's test is past its threshold: distance / threshold, or threshold /
/// p-value (>= 1 means drift for distances; p-value tests drift below their threshold).
pub fn strength(c: &ColumnReport) -> f64 {
    let d = &c.drift;
    if d.test.is_p_value() {
        d.threshold / d.score.max(1e-300)
    } else {
        d.score / d.threshold
    }
}

/// The drift report the Drift tab shows: the last 7 days in the 7-day window, else the
/// last 30 (the one behind the alerts).
pub fn drift_report(app: &App) -> Option<&DriftReport> {
    match app.window {
        returnrisk_core::engine::Window::Days(7) => app.engine.drift_short.as_ref(),
        _ => app.engine.drift.as_ref(),
    }
}

/// The drift report's scope for the marketplace filter (`all` without one).
pub fn drift_scope(app: &App) -> Option<&ScopeReport> {
    let want = app.marketplace_id().unwrap_or("all");
    drift_report(app)?
        .scopes
        .iter()
        .find(|s| s.marketplace == want)
}

/// Drift columns after filter and sort (default: strongest drift first).
pub fn drift_rows<'a>(
    scope: Option<&'a ScopeReport>,
    v: &TableView<DriftSort>,
) -> Vec<&'a ColumnReport> {
    let Some(scope) = scope else {
        return Vec::new();
    };
    let mut rows: Vec<&ColumnReport> = scope
        .columns
        .iter()
        .filter(|c| matches(v.filter(), &[&c.column, c.drift.test.name()]))
        .collect();
    let r = v.reversed;
    rows.sort_by(|a, b| match v.sort {
        DriftSort::Strength => opt_cmp(Some(strength(a)), Some(strength(b)), r),
        DriftSort::Score => opt_cmp(Some(a.drift.score), Some(b.drift.score), r),
        DriftSort::Column => text_cmp(&a.column, &b.column, r),
    });
    rows
}

impl Page for DriftTab {
    fn draw(&self, f: &mut Frame, area: Rect, app: &App) {
        draw(self, f, area, app);
    }

    crate::page::page_table!(view);

    fn rows(&self, app: &App) -> usize {
        drift_rows(drift_scope(app), &self.view).len()
    }

    fn export(&self, app: &App) -> Option<ExportTable> {
        let scope = drift_scope(app)?;
        let rows = drift_rows(Some(scope), &self.view)
            .into_iter()
            .map(|c| {
                vec![
                    scope.marketplace.clone(),
                    c.column.clone(),
                    c.drift.test.name().to_string(),
                    c.drift.score.to_string(),
                    c.drift.threshold.to_string(),
                    strength(c).to_string(),
                    c.drift.drifted.to_string(),
                    c.moved.as_ref().map_or(String::new(), |m| m.text.clone()),
                ]
            })
            .collect();
        Some(ExportTable {
            name: vec!["drift".into()],
            header: vec![
                "scope",
                "column",
                "test",
                "score",
                "threshold",
                "strength",
                "drifted",
                "moved",
            ],
            rows,
        })
    }

    fn selected_id(&self, app: &App) -> Option<String> {
        drift_rows(drift_scope(app), &self.view)
            .get(self.view.cursor.selected)
            .map(|c| c.column.clone())
    }
}

fn draw(tab: &DriftTab, f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let Some(report) = drift_report(app) else {
        let msg = match app.status.training {
            Training::Starting | Training::Running(..) => {
                "drift needs the models (the reference is their training period): loading..."
            }
            Training::FromCube => {
                "drift needs every order's features, and this dashboard answers from a cube: \
                 run `returnrisk-tui --cube none drift` on the orders (or open the dashboard \
                 with --cube none)"
            }
            _ => "no drift report: the models are not available",
        };
        f.render_widget(
            Paragraph::new(msg)
                .wrap(ratatui::widgets::Wrap { trim: true })
                .block(block(t, " Drift ")),
            area,
        );
        return;
    };
    let [top, rest] = Layout::vertical([Constraint::Length(5), Constraint::Min(5)]).areas(area);
    draw_verdicts(f, top, app, report);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(rest);
    let scope = drift_scope(app);
    let v = &tab.view;
    let rows = drift_rows(scope, v);
    let selected = rows.get(v.cursor.selected).copied();
    let cells = rows
        .into_iter()
        .map(|c| {
            let d = &c.drift;
            let (word, style) = if d.drifted {
                ("DRIFT", t.crit)
            } else {
                ("ok", t.good)
            };
            let cmp = if d.test.is_p_value() { "p<" } else { "≥" };
            vec![
                (c.column.clone(), t.text),
                (d.test.name().to_string(), t.dim),
                (fmt_score(d.score), t.text),
                (format!("{cmp}{}", d.threshold), t.dim),
                (format!("{:.2}", strength(c)), style),
                (word.to_string(), style),
                (moved_words(c), t.text),
            ]
        })
        .collect();
    let name = scope.map_or("all", |s| s.marketplace.as_str());
    let text = TableText {
        name: "Columns",
        total: scope.map_or(0, |s| s.columns.len()),
        note: format!(": {name} (m: marketplace)"),
        empty: "no columns to test",
        no_match: v.query().foreign(&[]),
    };
    table(f, left, t, &COLS, cells, v, text);
    draw_histogram(f, right, app, selected);
}

/// What moved, without repeating the column's name (the first column says it).
fn moved_words(c: &ColumnReport) -> String {
    c.moved.as_ref().map_or(String::new(), |m| {
        // The outcome's text names its level, not the column (`returned share 21% → 22%`).
        if c.column == returnrisk_core::drift::report::OUTCOME {
            return m.text.clone();
        }
        m.text
            .strip_prefix(&c.column)
            .unwrap_or(&m.text)
            .trim_start()
            .to_string()
    })
}

/// p-values can be tiny: scientific notation below 0.001.
fn fmt_score(v: f64) -> String {
    if v != 0.0 && v.abs() < 1e-3 {
        format!("{v:.1e}")
    } else {
        format!("{v:.4}")
    }
}

/// Drifted columns per scope (the shown one marked), the dataset verdicts, the windows.
fn draw_verdicts(f: &mut Frame, area: Rect, app: &App, r: &DriftReport) {
    let t = &app.theme;
    let shown = app.marketplace_id().unwrap_or("all");
    let mut spans = vec![Span::styled("drifted columns: ", t.dim)];
    for s in &r.scopes {
        let style = if s.dataset_drift {
            t.crit
        } else if s.drifted_columns > 0 {
            t.warn
        } else {
            t.good
        };
        let (mark, style) = if s.marketplace == shown {
            (if t.ascii { "> " } else { "▶ " }, style.patch(t.selected))
        } else {
            ("", style)
        };
        let text = format!(
            "{mark}{} {}/{}",
            s.marketplace,
            s.drifted_columns,
            s.columns.len()
        );
        spans.push(Span::styled(text, style));
        spans.push(Span::raw("  "));
    }
    let drifted: Vec<&str> = r
        .scopes
        .iter()
        .filter(|s| s.dataset_drift)
        .map(|s| s.marketplace.as_str())
        .collect();
    let verdict = if drifted.is_empty() {
        Span::styled(
            "dataset drift (>= 50% of columns): none; column findings are on Alerts",
            t.good,
        )
    } else {
        Span::styled(
            format!("dataset drift (>= 50% of columns): {}", drifted.join(", ")),
            t.crit,
        )
    };
    let scope = drift_scope(app);
    let dates = Line::from(Span::styled(
        format!(
            "reference {}..{} ({} orders) vs current {}..{} ({} orders; the 7d window shows 7 days)",
            r.reference_start,
            r.reference_end,
            int(scope.map_or(0, |s| s.n_reference) as u64),
            r.current_start,
            r.current_end,
            int(scope.map_or(0, |s| s.n_current) as u64),
        ),
        t.dim,
    ));
    f.render_widget(
        Paragraph::new(vec![Line::from(spans), Line::from(verdict), dates])
            .wrap(Wrap { trim: true })
            .block(block(
                t,
                format!(
                    " Drift: {} vs recent orders (Evidently defaults) ",
                    r.reference
                ),
            )),
        area,
    );
}

/// A bucket's label that fits `w` cells: a numeric bin "1.000..1.824" shows its lower edge.
fn bucket_label(label: &str, w: usize) -> String {
    let text = match label.split_once("..") {
        Some((lo, _)) => lo.to_string(),
        None => label.to_string(),
    };
    text.chars().take(w.saturating_sub(1)).collect()
}

/// Reference and current shares of every bucket of the selected column, side by side.
fn draw_histogram(f: &mut Frame, area: Rect, app: &App, c: Option<&ColumnReport>) {
    let t = &app.theme;
    let Some(c) = c else {
        f.render_widget(Paragraph::new("").block(block(t, " Histogram ")), area);
        return;
    };
    let inner = area.width.saturating_sub(2) as usize;
    let label_w = 12usize.min(inner / 4);
    let bar_w = inner.saturating_sub(label_w + 2 * 8).max(2) / 2;
    let max = c
        .reference_share
        .iter()
        .chain(&c.current_share)
        .fold(0.0f64, |a, &b| a.max(b));
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{:<label_w$}", ""), t.dim),
        Span::styled(format!("{:<w$}", "reference", w = bar_w + 8), t.bar2),
        Span::styled("current", t.bar),
    ])];
    for (i, label) in c.buckets.iter().enumerate() {
        let r = c.reference_share.get(i).copied().unwrap_or(0.0);
        let cur = c.current_share.get(i).copied().unwrap_or(0.0);
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:<label_w$}", bucket_label(label, label_w)),
                t.text,
            ),
            Span::styled(hbar(t, r, max, bar_w), t.bar2),
            Span::styled(format!("{:>6.1}% ", 100.0 * r), t.dim),
            Span::styled(hbar(t, cur, max, bar_w), t.bar),
            Span::styled(format!("{:>6.1}%", 100.0 * cur), t.dim),
        ]));
    }
    let binned = if c.buckets.iter().any(|b| b.contains("..")) {
        " (bins from their lower edge)"
    } else {
        ""
    };
    let title = format!(" {}: reference vs current share{binned} ", c.column);
    f.render_widget(Paragraph::new(lines).block(block(t, title)), area);
}
