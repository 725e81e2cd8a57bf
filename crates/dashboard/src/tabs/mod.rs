//! One module per tab, plus the seller drill-down; each owns its state and implements
//! [`crate::page::Page`]. Helpers shared by several tabs live here.

pub mod alerts;
pub mod brief;
pub mod categories;
pub mod drift;
pub mod marketplace;
pub mod model_rows;
pub mod models;
pub mod monitoring;
pub mod order;
pub mod seller;
pub mod sellers;
pub mod why;

use super::app::{App, Training};
use super::widgets::{block, resample};
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Sparkline;

/// An amount of money in whole units, with the data's currency when `schema.toml` names it
/// (`159,947 BRL`).
pub fn money(app: &App, value: f64) -> String {
    let n = super::widgets::int(value.round().max(0.0) as u64);
    match &app.snap.currency {
        Some(c) => format!("{n} {c}"),
        None => n,
    }
}

/// What a risk cell shows while there are no scores.
pub fn risk_placeholder(app: &App) -> &'static str {
    match app.status.training {
        Training::Starting | Training::Running(..) => "training",
        _ => "n/a",
    }
}

/// The style of a risk by its band: critical for High, warning for Medium.
pub fn band_style(app: &App, risk: Option<f64>) -> Style {
    let t = &app.theme;
    match risk.map(|r| app.engine.bands.label(r)) {
        Some(returnrisk_core::config::RiskLabel::High) => t.crit,
        Some(returnrisk_core::config::RiskLabel::Medium) => t.warn,
        _ => t.text,
    }
}

/// Sparkline levels in plain ASCII.
pub const ASCII_BARS: ratatui::symbols::bar::Set = ratatui::symbols::bar::Set {
    full: "#",
    seven_eighths: "#",
    three_quarters: "=",
    five_eighths: "=",
    half: "-",
    three_eighths: "-",
    one_quarter: ".",
    one_eighth: ".",
    empty: " ",
};

/// A daily series in a titled box, its first and last dates on the bottom border.
pub fn sparkline(
    f: &mut Frame,
    area: Rect,
    app: &App,
    title: &str,
    series: &[Option<f64>],
    (first, last): (&str, &str),
) {
    let t = &app.theme;
    // Two full dates need 26 columns; a narrower chart says MM-DD.
    let short = |d: &'_ str| -> String {
        if area.width < 28 {
            d.get(5..).unwrap_or(d).to_string()
        } else {
            d.to_string()
        }
    };
    let (first, last) = (short(first), short(last));
    let b = block(t, title.to_string())
        .title_bottom(Line::from(format!(" {first} ")).style(t.dim))
        .title_bottom(
            Line::from(format!(" {last} "))
                .style(t.dim)
                .alignment(Alignment::Right),
        );
    let inner = b.inner(area);
    f.render_widget(b, area);
    let mut spark = Sparkline::default()
        .data(resample(series, inner.width as usize))
        .style(t.bar)
        .absent_value_symbol(" ");
    if t.ascii {
        spark = spark.bar_set(ASCII_BARS);
    }
    f.render_widget(spark, inner);
}
