//! Marketplace tab: health gauge, KPI cards, risk trend, category risk, top sellers, top alerts.

use super::{ASCII_BARS, brief, risk_placeholder};
use crate::app::{App, Training};
use crate::export::ExportTable;
use crate::page::Goto;
use crate::page::Page;
use crate::table::{TableView, Unsorted};
use crate::tabs::alerts::severity;
use crate::widgets::{above, block, hbar, int, pct, resample, trend_in_words};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};
use returnrisk_core::data::label::LabelNoun;
use returnrisk_core::engine::brief::Opens;
use returnrisk_core::text;

/// The Marketplace tab: its briefing is its table (the rest shows the snapshot).
#[derive(Clone, Debug, Default)]
pub struct MarketplaceTab {
    /// The briefing's selection and filter.
    pub brief: TableView<Unsorted>,
}

impl Page for MarketplaceTab {
    fn draw(&self, f: &mut Frame, area: Rect, app: &App) {
        draw(self, f, area, app);
    }

    crate::page::page_table!(brief);

    fn rows(&self, app: &App) -> usize {
        brief::rows(app, &self.brief).len()
    }

    fn opens(&self) -> bool {
        true
    }

    fn sorts(&self) -> bool {
        false
    }

    fn open(&self, app: &App) -> Option<Goto> {
        let rows = brief::rows(app, &self.brief);
        brief::open(app, rows.get(self.brief.cursor.selected)?)
    }

    fn export(&self, app: &App) -> Option<ExportTable> {
        Some(brief::export(app, &self.brief))
    }

    fn selected_id(&self, app: &App) -> Option<String> {
        let rows = brief::rows(app, &self.brief);
        match &rows.get(self.brief.cursor.selected)?.opens {
            Opens::Seller(id) | Opens::Category(id) | Opens::Drift(id) => Some(id.clone()),
            _ => None,
        }
    }
}

/// Rows from which the briefing shows 5 statements at the top and the forecast panel is
/// shown.
const FULL_FROM_ROWS: u16 = 34;
/// Rows from which the briefing shows 3 statements and the trend and categories are shown;
/// below, the briefing shows 2 and the trend and categories (their own tab, and the key
/// numbers' Trend) give way to the top sellers and alerts.
const TOP_FROM_ROWS: u16 = 26;

fn draw(tab: &MarketplaceTab, f: &mut Frame, area: Rect, app: &App) {
    let h = area.height;
    let statements = app.derived.brief().map_or(0, |b| b.statements.len()).max(1);
    let (cap, forecast_rows, mid_rows) = match h {
        h if h >= FULL_FROM_ROWS => (5, 4, 10),
        h if h >= TOP_FROM_ROWS => (3, 0, 7),
        _ => (2, 0, 0),
    };
    // The selected statement in full, under the list.
    let detail = brief::detail_rows(app, &tab.brief, area.width);
    let brief_rows = 3 + statements.min(cap) as u16 + detail;
    let [brief_top, top, forecast, mid, bottom] = Layout::vertical([
        Constraint::Length(brief_rows),
        Constraint::Length(6),
        Constraint::Length(forecast_rows),
        Constraint::Length(mid_rows),
        Constraint::Min(4),
    ])
    .areas(area);
    if forecast_rows > 0 {
        draw_forecast(f, forecast, app);
    }
    let [health, kpis] =
        Layout::horizontal([Constraint::Length(24), Constraint::Min(30)]).areas(top);
    draw_health(f, health, app);
    draw_kpis(f, kpis, app);
    let [trend_area, cats] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(mid);
    if mid_rows > 0 {
        draw_trend(f, trend_area, app);
        draw_categories(f, cats, app);
    }
    brief::draw(f, brief_top, app, &tab.brief, detail);
    let [sellers, alerts] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(bottom);
    draw_top_sellers(f, sellers, app);
    draw_top_alerts(f, alerts, app);
}

/// Returns to come: from the pending orders, and from the orders of the next days.
fn draw_forecast(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let ph = risk_placeholder(app);
    let Some(fc) = app.derived.forecast() else {
        return;
    };
    let noun = &app.snap.label_noun;
    let lines = forecast_lines(fc, ph, noun, &|v| super::money(app, v));
    let title = format!(" Forecast: {} to come (90% intervals) ", noun.plural);
    f.render_widget(Paragraph::new(lines).block(block(t, title)), area);
}

/// The two lines of a scope's forecast: pending orders, then orders to come.
pub fn forecast_lines(
    fc: &returnrisk_core::engine::forecast::ScopeForecast,
    ph: &str,
    noun: &LabelNoun,
    money: &dyn Fn(f64) -> String,
) -> Vec<Line<'static>> {
    let plural = &noun.plural;
    let pending = match &fc.pending {
        Some(p) if p.orders == 0 => {
            "All pending orders (any date): none (every unlabelled order is past the label's latency)".to_string()
        }
        Some(p) => format!(
            "All {} pending orders (any date): {:.0} {plural} still to come ({}-{}), value at risk {}",
            int(p.orders),
            p.expected,
            p.low,
            p.high,
            money(p.revenue_at_risk)
        ),
        None => format!("Pending orders: {plural} to come {ph}"),
    };
    let next = match &fc.volume {
        Some(v) => format!(
            "Next {} days: {} orders ({}-{}), {plural} {} at recent risk {}",
            v.days.len(),
            int(v.orders.round() as u64),
            int(v.orders_low.round() as u64),
            int(v.orders_high.round() as u64),
            match (v.returns, v.returns_low, v.returns_high) {
                (Some(m), Some(l), Some(h)) => format!("{m:.0} ({l:.0}-{h:.0})"),
                _ => ph.to_string(),
            },
            pct(v.recent_risk, ph)
        ),
        None => fc
            .note
            .clone()
            .unwrap_or_else(|| "no volume forecast".into()),
    };
    vec![Line::from(pending), Line::from(next)]
}

fn draw_health(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let s = &app.snap;
    let loading = !s.scored
        && matches!(
            app.status.training,
            Training::Starting | Training::Running(..)
        );
    let lines = match (s.health_score, s.health.band) {
        // A score from the return rate alone would flip once the risk arrives.
        _ if loading => vec![Line::from("n/a while models load")],
        (Some(h), Some(band)) => {
            let width = area.width.saturating_sub(4) as usize;
            let mut lines = vec![
                Line::from(vec![
                    Span::styled(format!("{h:.0}"), t.band(band)),
                    Span::raw("/100  "),
                    Span::styled(band.as_str(), t.band(band)),
                ]),
                Line::from(Span::styled(hbar(t, h, 100.0, width), t.band(band))),
            ];
            // Why a good score reads warning, then what the score is made of.
            lines.extend(
                s.health
                    .held
                    .iter()
                    .map(|why| Line::from(Span::styled(why.to_string(), t.band(band)))),
            );
            lines.push(Line::from(Span::styled(health_inputs(s), t.dim)));
            lines
        }
        _ => vec![Line::from(risk_placeholder(app))],
    };
    f.render_widget(Paragraph::new(lines).block(block(t, " Health ")), area);
}

/// Pending orders, and those never labelled when there are any: `12 (+20 never)`.
fn pending_words(s: &returnrisk_core::engine::Snapshot) -> String {
    match s.never_labelled_orders {
        0 => int(s.pending_orders),
        never => format!("{} (+{} never)", int(s.pending_orders), int(never)),
    }
}

/// What the health score was computed from: its four parts, or which are n/a (help gives
/// the parts and their weights).
fn health_inputs(s: &returnrisk_core::engine::Snapshot) -> String {
    let rate = format!("{} rate", s.label_noun.singular);
    let missing: Vec<&str> = [
        (s.mean_risk.is_some(), "risk"),
        (s.return_rate.is_some(), rate.as_str()),
        (s.health.trend_penalty.is_some(), "trend"),
    ]
    .into_iter()
    .filter_map(|(known, name)| (!known).then_some(name))
    .collect();
    if missing.is_empty() {
        "from all 4 parts (? help)".into()
    } else {
        format!("{} n/a (? help)", missing.join(", "))
    }
}

fn draw_kpis(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let s = &app.snap;
    let ph = risk_placeholder(app);
    let high = match (s.high_risk_orders, s.high_risk_share) {
        (Some(n), share) => format!("{} ({})", int(n), pct(share, ph)),
        _ => ph.to_string(),
    };
    let rate_label = s.label_noun.plural_title();
    let columns = [
        [
            ("Orders", int(s.total_orders)),
            (rate_label.as_str(), pct(s.return_rate, "n/a")),
            ("High", high),
        ],
        [
            ("Sellers", s.total_sellers.to_string()),
            ("Mean risk", pct(s.mean_risk, ph)),
            (
                "At risk",
                s.revenue_at_risk
                    .map_or_else(|| ph.to_string(), |v| super::money(app, v)),
            ),
        ],
        [
            ("Pending", pending_words(s)),
            ("Peak risk", pct(s.peak_risk, ph)),
            (
                "Trend",
                trend_in_words(t, s.risk_slope, s.risk_slope_margin, s.trend.len(), ph),
            ),
        ],
    ];
    let b = block(t, " Key numbers ");
    let inner = b.inner(area);
    f.render_widget(b, area);
    // The last line compares with the window before (n/a for all time).
    let [inner, vs] = Layout::vertical([Constraint::Length(3), Constraint::Length(1)]).areas(inner);
    let compared = match &s.previous {
        Some(p) => p.summary(s),
        None => "no previous window to compare with".into(),
    };
    f.render_widget(Paragraph::new(Span::styled(compared, t.dim)), vs);
    let areas = Layout::horizontal([Constraint::Ratio(1, 3); 3])
        .spacing(1)
        .split(inner);
    for (col, cells) in areas.iter().zip(columns) {
        let lines: Vec<Line> = cells
            .into_iter()
            .map(|(label, value)| {
                Line::from(vec![
                    Span::styled(format!("{label} "), t.dim),
                    Span::styled(value, t.text),
                ])
            })
            .collect();
        f.render_widget(Paragraph::new(lines), *col);
    }
}

fn draw_trend(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let s = &app.snap;
    let outer = block(t, " Daily trend ")
        .title_bottom(Line::from(format!(" {} ", s.start)).style(t.dim))
        .title_bottom(
            Line::from(format!(" {} ", s.as_of))
                .style(t.dim)
                .right_aligned(),
        );
    let inner = outer.inner(area);
    f.render_widget(outer, area);
    let label_w = 16u16;
    let half = inner.height / 2;
    let [risk_row, ret_row] =
        Layout::vertical([Constraint::Length(half.max(1)), Constraint::Min(1)]).areas(inner);
    let risk: Vec<Option<f64>> = s.trend.iter().map(|p| p.mean_risk).collect();
    let ret: Vec<Option<f64>> = s.trend.iter().map(|p| p.return_rate).collect();
    let width = inner.width.saturating_sub(label_w) as usize;
    let (r, rr) = (resample(&risk, width), resample(&ret, width));
    let max = r
        .iter()
        .chain(&rr)
        .flatten()
        .copied()
        .max()
        .unwrap_or(1)
        .max(1);
    let rate_label = s.label_noun.rate();
    for (row, data, label, value, style) in [
        (
            risk_row,
            r,
            "mean risk",
            pct(s.mean_risk, risk_placeholder(app)),
            t.bar,
        ),
        (
            ret_row,
            rr,
            rate_label.as_str(),
            pct(s.return_rate, "n/a"),
            t.bar2,
        ),
    ] {
        let [l, g] =
            Layout::horizontal([Constraint::Length(label_w), Constraint::Min(1)]).areas(row);
        f.render_widget(
            Paragraph::new(vec![
                Line::from(Span::styled(label, style)),
                Line::from(Span::styled(value, t.text)),
            ]),
            l,
        );
        let mut spark = Sparkline::default()
            .data(data)
            .max(max)
            .style(style)
            .absent_value_symbol(" ");
        if t.ascii {
            spark = spark.bar_set(ASCII_BARS);
        }
        f.render_widget(spark, g);
    }
}

fn draw_categories(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let ph = risk_placeholder(app);
    let inner_w = area.width.saturating_sub(2) as usize;
    let name_w = 12usize.min(inner_w / 3);
    let bar_w = inner_w.saturating_sub(name_w + 8 + 7);
    let max = app
        .snap
        .categories
        .iter()
        .filter_map(|c| c.stats.mean_risk_shrunk)
        .fold(0.0, f64::max);
    let lines: Vec<Line> = app
        .snap
        .categories
        .iter()
        .take(area.height.saturating_sub(2) as usize)
        .map(|c| {
            let name = text::pad(&text::fit(&c.category, name_w), name_w, false);
            Line::from(vec![
                Span::raw(format!("{name} ")),
                Span::styled(
                    hbar(t, c.stats.mean_risk_shrunk.unwrap_or(0.0), max, bar_w),
                    t.bar,
                ),
                Span::raw(format!(
                    " {:>6} {:>6}",
                    pct(c.stats.mean_risk_shrunk, short_placeholder(ph)),
                    text::count(c.stats.orders),
                )),
            ])
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(block(t, " Categories by Risk+: mean risk (EB), orders ")),
        area,
    );
}

fn draw_top_sellers(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let ph = risk_placeholder(app);
    let name_w = (area.width.saturating_sub(2) as usize)
        .saturating_sub(6 + 1 + 6 + 1 + 7 + 1 + 7 + 1)
        .clamp(4, 24);
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "{:<6} {:<name_w$} {:>6} {:>7} {:>7}",
            "Seller", "Name", "Orders", "Risk", "Risk+"
        ),
        t.header,
    ))];
    for s in app
        .snap
        .sellers
        .iter()
        .take(area.height.saturating_sub(3) as usize)
    {
        lines.push(Line::from(format!(
            "{} {} {:>6} {:>7} {:>7}",
            text::pad(&text::fit(&s.seller_id, 6), 6, false),
            text::pad(&text::fit(&s.seller_name, name_w), name_w, false),
            text::count(s.stats.orders),
            pct(s.stats.mean_risk, ph),
            above(s.stats.mean_risk_above, short_placeholder(ph))
        )));
    }
    f.render_widget(
        Paragraph::new(lines).block(block(t, " Top risky sellers (by Risk+) ")),
        area,
    );
}

/// A narrow cell's placeholder: "n/a", or "..." while training.
fn short_placeholder(ph: &'static str) -> &'static str {
    if ph == "n/a" { "n/a" } else { "..." }
}

fn draw_top_alerts(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let lines: Vec<Line> = app
        .snap
        .alerts
        .iter()
        .take(area.height.saturating_sub(2) as usize)
        .map(|a| {
            let (style, word) = severity(app, a.severity);
            Line::from(vec![
                Span::styled(format!("{word} "), style),
                Span::raw(text::clean(&a.message).into_owned()),
            ])
        })
        .collect();
    let title = format!(" Alerts ({}) ", app.snap.alerts.len());
    let body = if lines.is_empty() {
        vec![Line::from(Span::styled("no alerts in this window", t.dim))]
    } else {
        lines
    };
    f.render_widget(Paragraph::new(body).block(block(t, title)), area);
}
