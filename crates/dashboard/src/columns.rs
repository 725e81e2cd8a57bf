//! The dashboard's side of a table whose columns are defined once
//! ([`returnrisk_core::engine::columns`]): their headers in the data's words, each cell's
//! text and style, and the CSV export of the rows shown.

use crate::app::App;
use crate::export::ExportTable;
use crate::table::ColumnSort;
use crate::tabs::{band_style, risk_placeholder};
use crate::widgets::{Col, above, int, num, pct, trend};
use ratatui::style::Style;
use returnrisk_core::config::RiskLabel;
use returnrisk_core::engine::Window;
use returnrisk_core::engine::columns::{Align, Cell, Column, Source, Table, Tone};

/// The table's columns for [`crate::widgets::table`]: headers in the data's label noun,
/// a change's header naming the window it is over (`Trend 30d`), the sortable ones carrying
/// their sort key.
pub fn header<T: Table>(app: &App) -> Vec<Col<ColumnSort<T>>> {
    let noun = &app.snap.label_noun;
    let window = match app.window {
        Window::Days(n) => format!("{n}d"),
        Window::All => "all".into(),
    };
    T::COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| Col {
            name: if c.over_window {
                format!("{} {window}", noun.header(c.header)).into()
            } else {
                noun.header(c.header)
            },
            width: c.width,
            right: c.align == Align::Right,
            keep: c.keep,
            sort: c.sorts().then(|| ColumnSort::at(i)),
        })
        .collect()
}

/// One row's cells: text and style. `few` marks a row with few orders (its
/// [`Tone::MutedWhenFew`] cells are dimmed).
pub fn cells<T: Table>(
    app: &App,
    row: &T::Row,
    extra: &T::Extra,
    few: bool,
) -> Vec<(String, Style)> {
    T::COLUMNS
        .iter()
        .map(|c| cell(app, c, (c.cell)(row, extra), few))
        .collect()
}

fn cell<R, X>(app: &App, c: &Column<R, X>, value: Cell, few: bool) -> (String, Style) {
    let t = &app.theme;
    let ph = match c.source {
        Source::Scores => risk_placeholder(app),
        Source::Data => "n/a",
    };
    let text = match value {
        Cell::Text(v) => v.unwrap_or(ph).to_string(),
        Cell::Count(n) => int(n),
        // A risk coloured by its band reads in that band (24.9%, never 25.0% Low).
        Cell::Share(Some(v)) if c.tone == Tone::ByBand => app.engine.bands.percent(v),
        Cell::Share(v) => pct(v, ph),
        Cell::Points(v) => above(v, ph),
        Cell::Number(v, d) => num(v, usize::from(d), ph),
        Cell::Money(v) => v.map_or_else(|| ph.to_string(), |v| int(v.round() as u64)),
        Cell::Trend { slope, margin } => trend(t, slope, margin, app.snap.trend.len(), ph),
        Cell::Band(b) => b.map_or(ph, RiskLabel::as_str).to_string(),
    };
    let style = match c.tone {
        Tone::Normal => t.text,
        Tone::Muted => t.dim,
        Tone::MutedWhenFew if few => t.dim,
        Tone::MutedWhenFew => t.text,
        Tone::ByBand => match value {
            Cell::Band(Some(RiskLabel::High)) => t.crit,
            Cell::Band(Some(RiskLabel::Medium)) => t.warn,
            Cell::Band(_) => t.text,
            v => band_style(app, v.number()),
        },
    };
    (text, style)
}

/// The rows as CSV: `lead` columns first (their names and each row's values), then every
/// column by its id with its raw value.
pub fn export<'a, T: Table>(
    name: Vec<String>,
    lead: (&[&'static str], Vec<String>),
    rows: impl Iterator<Item = (&'a T::Row, &'a T::Extra)>,
) -> ExportTable {
    let mut header = lead.0.to_vec();
    header.extend(T::COLUMNS.iter().map(|c| c.id));
    let rows = rows
        .map(|(r, x)| {
            let mut line = lead.1.clone();
            line.extend(T::COLUMNS.iter().map(|c| (c.cell)(r, x).raw()));
            line
        })
        .collect();
    ExportTable { name, header, rows }
}
