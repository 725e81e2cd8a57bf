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

use crate::drift::report::{ColumnReport, DriftReport};
use crate::tui::app::{App, DRIFT, Training};
use crate::tui::lifecycle::{DRIFT_SORTS, drift_report, drift_rows, drift_scope, strength};
use crate::tui::widgets::{Col, block, col, hbar, int, table};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

const COLS: [Col; 6] = [
    col("Column", 15, false, 9),
    col("Test", 18, false, 4),
    col("Score", 8, true, 8),
    col("Thresh", 7, true, 5),
    col("×thr", 6, true, 6),
    col("Drift", 6, false, 7),
];

/// Draws the tab into `area`.
pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let Some(report) = drift_report(app) else {
        let msg = match app.training {
            Training::Starting | Training::Running(..) => {
                "drift needs the models (the reference is their training period): loading..."
            }
            _ => "no drift report: the models are not available",
        };
        f.render_widget(Paragraph::new(msg).block(block(t, " Drift ")), area);
        return;
    };
    let [top, rest] = Layout::vertical([Constraint::Length(5), Constraint::Min(5)]).areas(area);
    draw_verdicts(f, top, app, report);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(rest);
    let scope = drift_scope(app);
    let v = &app.lists[DRIFT - 1];
    let rows = drift_rows(scope, v);
    let selected = rows.get(v.selected).copied();
    let n = rows.len();
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
            ]
        })
        .collect();
    let name = scope.map_or("all", |s| s.marketplace.as_str());
    let title = Line::from(format!(" Columns: {name} (m: marketplace) "));
    let page = table(
        f,
        left,
        t,
        title,
        &COLS,
        cells,
        (n > 0).then_some(v.selected),
        Some((DRIFT_SORTS[v.sort], v.ascending)),
    );
    app.page_rows.set(page);
    draw_histogram(f, right, app, selected);
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
