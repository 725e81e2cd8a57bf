//! The order pane (Enter on an order of the drill-down): the order's features, its risk and
//! band, and each feature's exact contribution as a signed bar; `x` starts a what-if that
//! changes the features (cycling levels, stepping numbers) and shows the new risk and
//! contributions beside the old, without changing any data.

use crate::app::App;
use crate::page::Page;
use crate::theme::Theme;
use crate::widgets::{block, pct};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use returnrisk_core::data::{OrderFeatures, OrderValue};
use returnrisk_core::engine::order::{
    ModelSide, OrderContext, OrderExplanation, OrderFeature, step_value,
};
use returnrisk_core::text::{fit, pad};

/// The widest half of a signed bar, in cells.
const MAX_HALF_BAR: usize = 24;

/// The open order pane.
#[derive(Clone, Debug)]
pub struct OrderPane {
    /// What decides its model and side (a what-if explains changed values with it).
    pub order: OrderContext,
    /// Its id.
    pub order_id: String,
    /// Its date, category and status, in words (the title).
    pub about: String,
    /// The order as it is.
    pub base: OrderExplanation,
    /// The what-if, while one is open.
    pub what_if: Option<WhatIf>,
}

/// A what-if on the order: changed values and their explanation.
#[derive(Clone, Debug)]
pub struct WhatIf {
    /// The features and how each changes.
    pub features: Vec<OrderFeature>,
    /// The feature being changed.
    pub field: usize,
    /// The order with the changes.
    pub edited: OrderExplanation,
}

impl OrderPane {
    /// Moves the what-if's cursor to another feature.
    pub fn move_field(&mut self, by: isize) {
        if let Some(w) = &mut self.what_if {
            let n = w.features.len() as isize;
            if n > 0 {
                w.field = (w.field as isize + by).rem_euclid(n) as usize;
            }
        }
    }

    /// The what-if's values with the selected feature moved `by` steps (to be explained).
    pub fn stepped(&self, by: i32) -> Option<OrderFeatures> {
        let w = self.what_if.as_ref()?;
        let feature = w.features.get(w.field)?;
        let mut values = w.edited.values.clone();
        let now = values
            .values
            .get(&feature.name)
            .cloned()
            .unwrap_or(OrderValue::Missing);
        values
            .values
            .insert(feature.name.clone(), step_value(&now, &feature.stepper, by));
        Some(values)
    }
}

impl Page for OrderPane {
    fn draw(&self, f: &mut Frame, area: Rect, app: &App) {
        draw(self, f, area, app);
    }
}

/// A value as the pane shows it.
pub fn value_text(v: Option<&OrderValue>) -> String {
    match v {
        Some(OrderValue::Number(x)) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{x:.0}"),
        Some(OrderValue::Number(x)) => format!("{x:.2}"),
        Some(OrderValue::Text(t)) => t.clone(),
        Some(OrderValue::Missing) | None => "missing".into(),
    }
}

/// A signed bar `half` cells each side of the axis: negative to the left, positive right.
fn signed_bar(t: &Theme, value: f64, max: f64, half: usize) -> (String, String) {
    let cells = if max > 0.0 {
        ((value.abs() / max).min(1.0) * half as f64).round() as usize
    } else {
        0
    };
    let bar = t.bar_full.repeat(cells);
    let gap = " ".repeat(half - cells);
    match value < 0.0 {
        true => (format!("{gap}{bar}"), " ".repeat(half)),
        false => (" ".repeat(half), format!("{bar}{gap}")),
    }
}

/// One side of a feature's line: value, bar and contribution in points.
fn side(
    t: &Theme,
    value: &str,
    contribution: Option<f64>,
    max: f64,
    widths: (usize, usize),
) -> Vec<Span<'static>> {
    let (value_w, half) = widths;
    let mut spans = vec![Span::styled(
        pad(&fit(value, value_w), value_w, false),
        t.text,
    )];
    match contribution {
        Some(c) => {
            let (l, r) = signed_bar(t, c, max, half);
            let style = if c > 0.0 { t.crit } else { t.good };
            spans.push(Span::raw(" "));
            spans.push(Span::styled(l, style));
            spans.push(Span::styled(if t.ascii { "|" } else { "│" }, t.dim));
            spans.push(Span::styled(r, style));
            spans.push(Span::styled(format!(" {:+6.1}", 100.0 * c), style));
        }
        None => spans.push(Span::styled("  n/a", t.dim)),
    }
    spans
}

/// Each feature's contribution in `e` by name.
fn contribution(e: &OrderExplanation, name: &str) -> Option<f64> {
    let x = e.explanation.as_ref()?;
    x.contributions
        .iter()
        .find(|c| c.feature == name)
        .map(|c| c.contribution)
}

/// The risk line of one explanation: risk, band and how it adds up.
fn risk_words(app: &App, e: &OrderExplanation) -> String {
    match &e.explanation {
        Some(x) => format!(
            "{} {}  = expected {} {:+.1} pts",
            app.engine.bands.percent(x.risk),
            app.engine.bands.label(x.risk),
            pct(Some(x.expected), "n/a"),
            100.0 * (x.risk - x.expected)
        ),
        None => "n/a".into(),
    }
}

fn draw(p: &OrderPane, f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let [head, body] = Layout::vertical([Constraint::Length(5), Constraint::Min(3)]).areas(area);
    let version = app
        .engine
        .models
        .as_ref()
        .and_then(|m| m.version_of(&p.base.model))
        .map_or(String::new(), |v| format!(" v{}", v.version));
    let mut lines = vec![Line::from(format!(
        "Risk {}  | model {}{version}",
        risk_words(app, &p.base),
        p.base.model
    ))];
    // Whether the model learned from this very order (an in-sample risk flatters it).
    let side_style = match p.base.side {
        ModelSide::Training { .. } => t.warn,
        _ => t.dim,
    };
    lines.push(Line::styled(p.base.side.to_string(), side_style));
    match (&p.what_if, &p.base.explanation) {
        (_, None) => lines.push(Line::styled(
            "contributions n/a: the model was saved without node covers; r retrains it",
            t.warn,
        )),
        (Some(w), Some(base)) => {
            let new = w.edited.explanation.as_ref().map_or(base.risk, |x| x.risk);
            lines.push(Line::styled(
                format!(
                    "What-if: {}  ({:+.1} pts vs the order as it is; the data is unchanged)",
                    risk_words(app, &w.edited),
                    100.0 * (new - base.risk)
                ),
                t.accent,
            ));
        }
        (None, Some(_)) => lines.push(Line::styled(
            "bars: what each feature adds to the risk, in points (exact TreeSHAP)",
            t.dim,
        )),
    }
    let title = format!(" Order {} | {} ", p.order_id, p.about);
    f.render_widget(Paragraph::new(lines).block(block(t, title)), head);

    let base = &p.base;
    let order: Vec<&str> = match &base.explanation {
        Some(x) => x.contributions.iter().map(|c| c.feature.as_str()).collect(),
        None => base.values.values.keys().map(String::as_str).collect(),
    };
    let inner_w = body.width.saturating_sub(2) as usize;
    let name_w = order.iter().map(|n| n.len()).max().unwrap_or(8).min(22);
    let sides = if p.what_if.is_some() { 2 } else { 1 };
    // name, then per side: value, bar (2 halves + axis), contribution (7).
    let per_side = inner_w.saturating_sub(name_w + 2) / sides;
    let value_w = 12.min(per_side / 3).max(4);
    let half = (per_side.saturating_sub(value_w + 10 + 2) / 2).min(MAX_HALF_BAR);
    let all = |e: &OrderExplanation| {
        e.explanation
            .iter()
            .flat_map(|x| x.contributions.iter().map(|c| c.contribution.abs()))
            .collect::<Vec<_>>()
    };
    let mut mags = all(base);
    if let Some(w) = &p.what_if {
        mags.extend(all(&w.edited));
    }
    let max = mags.into_iter().fold(0.0, f64::max);
    let selected = p
        .what_if
        .as_ref()
        .and_then(|w| w.features.get(w.field))
        .map(|f| f.name.as_str());
    let mut rows: Vec<Line> = order
        .iter()
        .map(|name| {
            let mark = selected == Some(*name);
            let name_style = if mark { t.selected } else { t.text };
            let mut spans = vec![
                Span::raw(match (mark, t.ascii) {
                    (false, _) => " ",
                    (true, false) => "▶",
                    (true, true) => ">",
                }),
                Span::styled(pad(&fit(name, name_w), name_w, false), name_style),
                Span::raw(" "),
            ];
            let value = value_text(base.values.values.get(*name));
            let widths = (value_w, half);
            spans.extend(side(t, &value, contribution(base, name), max, widths));
            if let Some(w) = &p.what_if {
                let new = value_text(w.edited.values.values.get(*name));
                spans.push(Span::styled(if t.ascii { "  # " } else { "  ┃ " }, t.dim));
                let mut s = side(t, &new, contribution(&w.edited, name), max, widths);
                if new != value {
                    s[0].style = s[0].style.add_modifier(Modifier::BOLD);
                }
                spans.extend(s);
            }
            Line::from(spans)
        })
        .collect();
    if let Some(x) = &base.explanation {
        rows.push(Line::raw(""));
        rows.push(Line::styled(
            format!(
                "expected {} (the model's mean over its training orders) {:+.1} pts of contributions = {}",
                pct(Some(x.expected), "n/a"),
                100.0 * (x.risk - x.expected),
                pct(Some(x.risk), "n/a")
            ),
            t.dim,
        ));
    }
    let body_title = match &p.what_if {
        Some(_) => " Why: as it is ┃ what-if (↑↓ feature, ←→ change, x done) ",
        None => " Why this risk: each feature's contribution, pts (x: what-if) ",
    };
    f.render_widget(
        Paragraph::new(rows)
            .style(Style::default())
            .block(block(t, body_title)),
        body,
    );
}
