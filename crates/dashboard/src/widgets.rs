//! Small reusable pieces: bordered blocks, number formats, horizontal bars, trend series
//! resampled to the width available, and the table renderer every tab uses.

use super::table::{SortKey, TableView, Unsorted};
use super::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Borders, Cell, Paragraph, Row, Scrollbar, ScrollbarOrientation, ScrollbarState, Table,
    TableState,
};
use returnrisk_core::engine::stats::Change;

/// A bordered block with a title.
pub fn block<'a>(theme: &Theme, title: impl Into<Line<'a>>) -> Block<'a> {
    let mut title = title.into();
    for span in &mut title.spans {
        if let std::borrow::Cow::Owned(clean) = returnrisk_core::text::clean(&span.content) {
            span.content = clean.into();
        }
    }
    Block::default()
        .borders(Borders::ALL)
        .border_set(theme.border)
        .border_style(theme.dim)
        .title(title.style(theme.accent))
}

/// A percentage, or `placeholder` when unknown.
pub fn pct(v: Option<f64>, placeholder: &str) -> String {
    v.map_or_else(|| placeholder.to_string(), |v| format!("{:.1}%", 100.0 * v))
}

/// A change of a rate in points (`+2.3`), or `n/a`.
pub fn points(v: Option<f64>) -> String {
    v.map_or_else(
        || "n/a".to_string(),
        |v| returnrisk_core::text::signed(100.0 * v, 1),
    )
}

/// Points surely above the reference (`+4.2`), or `placeholder` (risk figures while the
/// models load).
pub fn above(v: Option<f64>, placeholder: &str) -> String {
    v.map_or_else(|| placeholder.to_string(), |v| points(Some(v)))
}

/// A number with `d` decimals, or `placeholder`.
pub fn num(v: Option<f64>, d: usize, placeholder: &str) -> String {
    v.map_or_else(|| placeholder.to_string(), |v| format!("{v:.d$}"))
}

/// An integer with thousands separators.
pub fn int(v: u64) -> String {
    returnrisk_core::text::thousands(v)
}

/// A risk trend as a person reads it: the change in points over the window's `days`, with
/// an arrow, or `n/a` when it cannot be told apart from noise (or from too few days);
/// `placeholder` while there are no scores.
pub fn trend(
    theme: &Theme,
    slope: Option<f64>,
    margin: Option<f64>,
    days: usize,
    placeholder: &str,
) -> String {
    if slope.is_none() {
        return placeholder.to_string();
    }
    match Change::over(slope, margin, days) {
        Some(c) if c.significant => {
            let arrow = if c.change > 0.0 {
                theme.arrows[0]
            } else {
                theme.arrows[1]
            };
            format!("{arrow}{:+.1}", 100.0 * c.change)
        }
        _ => "n/a".to_string(),
    }
}

/// [`trend`] with its margin and over how many days, for a KPI: `↑+2.7 ±1.4 pts in 30d` or
/// `n/a (noise ±3.1)`.
pub fn trend_in_words(
    theme: &Theme,
    slope: Option<f64>,
    margin: Option<f64>,
    days: usize,
    placeholder: &str,
) -> String {
    match (slope.is_some(), Change::over(slope, margin, days)) {
        (false, _) => placeholder.to_string(),
        (true, None) => "n/a (too few days)".to_string(),
        (true, Some(c)) if !c.significant => format!("n/a (noise ±{:.1})", 100.0 * c.margin),
        (true, Some(c)) => format!(
            "{} ±{:.1} pts in {days}d",
            trend(theme, slope, margin, days, placeholder),
            100.0 * c.margin
        ),
    }
}

/// Greedy word wrap at `width` characters (a word longer than that is cut into pieces).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > width {
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            out.push(word.drain(..width).collect());
        }
        let word: String = word.into_iter().collect();
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

/// A horizontal bar of `width` cells filled to `value / max`.
pub fn hbar(theme: &Theme, value: f64, max: f64, width: usize) -> String {
    let filled = if max > 0.0 {
        ((value / max).clamp(0.0, 1.0) * width as f64).round() as usize
    } else {
        0
    };
    format!(
        "{}{}",
        theme.bar_full.repeat(filled),
        theme.bar_empty.repeat(width.saturating_sub(filled))
    )
}

/// Resamples a daily series to fit `width` columns, scaled to integers for a sparkline:
/// long series are averaged in buckets (empty buckets stay gaps), short ones are stretched
/// (each day repeated) so the chart uses the space.
pub fn resample(series: &[Option<f64>], width: usize) -> Vec<Option<u64>> {
    if width == 0 || series.is_empty() {
        return Vec::new();
    }
    let scale = |v: f64| (1000.0 * v).round() as u64;
    let n = series.len();
    // Bar j covers the days [j n / width, (j + 1) n / width), at least one: exactly `width`
    // bars from the first day to the last, whatever the two lengths.
    (0..width)
        .map(|j| {
            let lo = j * n / width;
            let hi = ((j + 1) * n / width).max(lo + 1).min(n);
            let vals: Vec<f64> = series[lo..hi].iter().flatten().copied().collect();
            (!vals.is_empty()).then(|| scale(vals.iter().sum::<f64>() / vals.len() as f64))
        })
        .collect()
}

/// A table column: header, width, right-aligned, priority (lower drops first when narrow),
/// and the sort key that orders by it.
#[derive(Clone)]
pub struct Col<S = Unsorted> {
    /// Header text.
    pub name: std::borrow::Cow<'static, str>,
    /// Width in cells.
    pub width: u16,
    /// Right-align (numbers).
    pub right: bool,
    /// Keep priority: columns with the lowest priority are dropped first.
    pub keep: u8,
    /// The sort key of this column (its header carries the arrow when sorted by it).
    pub sort: Option<S>,
}

/// A column that no sort key orders by.
pub const fn col<S>(name: &'static str, width: u16, right: bool, keep: u8) -> Col<S> {
    Col {
        name: std::borrow::Cow::Borrowed(name),
        width,
        right,
        keep,
        sort: None,
    }
}

/// A column ordered by sort key `sort`.
pub const fn sorted<S>(name: &'static str, width: u16, right: bool, keep: u8, sort: S) -> Col<S> {
    Col {
        name: std::borrow::Cow::Borrowed(name),
        width,
        right,
        keep,
        sort: Some(sort),
    }
}

/// `cols` with the default label noun's words in their headers said in the data's own
/// (`Return` -> `BR` for bad reviews).
pub fn relabel<S: Clone>(cols: &[Col<S>], app: &crate::app::App) -> Vec<Col<S>> {
    let noun = &app.snap.label_noun;
    cols.iter()
        .map(|c| Col {
            name: match &c.name {
                std::borrow::Cow::Borrowed(h) => noun.header(h),
                owned @ std::borrow::Cow::Owned(_) => owned.clone(),
            },
            ..c.clone()
        })
        .collect()
}

/// How a focusable table is titled and what it says when empty.
pub struct TableText<'a> {
    /// The table's name, first in the title.
    pub name: &'a str,
    /// Rows before the filter (the title says "2 of 13" when they differ).
    pub total: usize,
    /// Words after the position (context chips, what Enter does).
    pub note: String,
    /// What the body says when there are no rows (no matches when filtered).
    pub empty: &'a str,
    /// What it says when rows exist but the filters leave none, if more than "no matches"
    /// (which filter, and why it keeps nothing).
    pub no_match: Option<String>,
}

/// Renders a focusable table: the selection inside a viewport kept between frames, the
/// position in the title (`12/40`, or `1/2 (2 of 40)` when filtered), a scrollbar when the
/// rows do not fit, and the sort arrow on the column of the sort key. Records the page size
/// and the rows' area in `view` for paging and mouse clicks.
pub fn table<S: SortKey>(
    f: &mut Frame,
    area: Rect,
    theme: &Theme,
    cols: &[Col<S>],
    rows: Vec<Vec<(String, Style)>>,
    view: &TableView<S>,
    text: TableText,
) {
    let n = rows.len();
    let c = &view.cursor;
    let position = match n {
        0 => "0".to_string(),
        n => format!("{}/{n}", c.selected.min(n - 1) + 1),
    };
    let narrowed = if n == text.total {
        String::new()
    } else {
        format!(" ({n} of {})", text.total)
    };
    let title = format!(" {} {position}{narrowed}{} ", text.name, text.note);
    let mut state = c.state(n);
    let drawn = render(
        f,
        area,
        theme,
        Line::from(title),
        cols,
        rows,
        Some(&mut state),
        Some((view.sort, view.reversed)),
    );
    c.offset.set(state.offset());
    c.page.set(usize::from(drawn.height));
    c.rows_area.set(drawn);
    if n == 0 {
        let msg = match (text.total, &text.no_match) {
            (0, _) => text.empty,
            (_, Some(why)) => why.as_str(),
            (_, None) => "no matches",
        };
        f.render_widget(
            Paragraph::new(Span::styled(msg, theme.dim)),
            Rect { height: 1, ..drawn },
        );
    } else if n > usize::from(drawn.height) {
        let mut bar = ScrollbarState::new(n.saturating_sub(usize::from(drawn.height)))
            .position(state.offset());
        let (track, thumb) = if theme.ascii {
            ("|", "#")
        } else {
            ("│", "█")
        };
        let scrollbar = Scrollbar::new(ScrollbarOrientation::VerticalRight)
            .begin_symbol(None)
            .end_symbol(None)
            .track_symbol(Some(track))
            .thumb_symbol(thumb)
            .track_style(theme.dim)
            .thumb_style(theme.accent);
        let along = Rect {
            x: area.x,
            y: drawn.y,
            width: area.width,
            height: drawn.height,
        };
        f.render_stateful_widget(scrollbar, along, &mut bar);
    }
}

/// Renders a table nobody moves through (no selection, no position).
pub fn plain_table<S: SortKey>(
    f: &mut Frame,
    area: Rect,
    theme: &Theme,
    title: Line,
    cols: &[Col<S>],
    rows: Vec<Vec<(String, Style)>>,
) {
    render(f, area, theme, title, cols, rows, None, None);
}

/// The widths of the `keep` columns: each its own, then the room left over given to the
/// columns whose text is wider (the most important first, each up to its widest cell), so
/// that a wide terminal shows `return_rate_above_marketplace` whole. The last column
/// stretches anyway and takes what is left when it holds words (numbers stay beside the
/// others, not at the far edge).
fn grown_widths<S>(
    cols: &[Col<S>],
    keep: &[usize],
    rows: &[Vec<(String, Style)>],
    inner_w: u16,
) -> Vec<u16> {
    let mut widths: Vec<u16> = keep.iter().map(|&i| cols[i].width).collect();
    let used: u16 = widths.iter().map(|w| w + 1).sum();
    let mut spare = inner_w.saturating_sub(used);
    let Some((_, growable)) = keep.split_last() else {
        return widths;
    };
    let widest = |i: usize| {
        rows.iter()
            .filter_map(|r| r.get(i))
            .map(|(s, _)| returnrisk_core::text::width(s))
            .chain(std::iter::once(
                returnrisk_core::text::width(&cols[i].name) + 1,
            ))
            .max()
            .map_or(0, |w| u16::try_from(w).unwrap_or(u16::MAX))
    };
    let mut order: Vec<usize> = (0..growable.len()).collect();
    order.sort_by_key(|&p| std::cmp::Reverse(cols[growable[p]].keep));
    for p in order {
        let want = widest(growable[p]).saturating_sub(widths[p]);
        let give = want.min(spare);
        widths[p] += give;
        spare -= give;
    }
    widths
}

/// Draws the block, header and rows, dropping columns by priority until the rest fit.
/// Returns the area the rows were drawn in.
#[allow(clippy::too_many_arguments)]
fn render<S: SortKey>(
    f: &mut Frame,
    area: Rect,
    theme: &Theme,
    title: Line,
    cols: &[Col<S>],
    rows: Vec<Vec<(String, Style)>>,
    state: Option<&mut TableState>,
    sort: Option<(S, bool)>,
) -> Rect {
    let inner_w = area.width.saturating_sub(2);
    let mut keep: Vec<usize> = (0..cols.len()).collect();
    let total = |k: &[usize]| k.iter().map(|&i| cols[i].width + 1).sum::<u16>();
    while total(&keep) > inner_w && keep.len() > 1 {
        let (pos, _) = keep
            .iter()
            .enumerate()
            .min_by_key(|(p, i)| (cols[**i].keep, usize::MAX - p))
            .unwrap_or((0, &0));
        keep.remove(pos);
    }
    let widths = grown_widths(cols, &keep, &rows, inner_w);
    let header = Row::new(keep.iter().map(|&i| {
        let c = &cols[i];
        let mark = match sort {
            Some((key, reversed)) if c.sort == Some(key) => {
                let ascending = key.is_text() != reversed;
                theme.sort_marks[usize::from(!ascending)]
            }
            _ => "",
        };
        let text = format!("{}{mark}", c.name);
        Cell::from(if c.right {
            Line::from(text).right_aligned()
        } else {
            Line::from(text)
        })
    }))
    .style(theme.header);
    let body: Vec<Row> = rows
        .into_iter()
        .map(|r| {
            Row::new(keep.iter().enumerate().map(|(p, &i)| {
                let (text, style) = r.get(i).cloned().unwrap_or_default();
                // Data text is cleaned of control and bidi characters and cut by display
                // width with an ellipsis (the last column stretches: the table cuts it).
                let text = if p + 1 == keep.len() {
                    returnrisk_core::text::clean(&text).into_owned()
                } else {
                    returnrisk_core::text::fit(&text, usize::from(widths[p]))
                };
                let line = Line::from(Span::styled(text, style));
                Cell::from(if cols[i].right {
                    line.right_aligned()
                } else {
                    line
                })
            }))
        })
        .collect();
    let widths: Vec<Constraint> = widths
        .iter()
        .enumerate()
        .map(|(p, &w)| {
            // A last column of words takes the rest; one of numbers stays beside the others.
            if p + 1 == keep.len() && !cols[keep[p]].right {
                Constraint::Min(w)
            } else {
                Constraint::Length(w)
            }
        })
        .collect();
    let t = Table::new(body, widths)
        .header(header)
        .block(block(theme, title))
        .row_highlight_style(theme.selected)
        .highlight_symbol(if theme.ascii { ">" } else { "▶" });
    let mut fallback = TableState::default();
    f.render_stateful_widget(t, area, state.unwrap_or(&mut fallback));
    // Inside the border, below the header.
    Rect {
        x: area.x.saturating_add(1),
        y: area.y.saturating_add(2),
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_word_within_the_width() {
        let text = "the chance that a returned order ranks riskier than a kept one";
        let lines = wrap(text, 20);
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), vec![""]);
    }

    #[test]
    fn a_resampled_series_fills_the_width_from_first_day_to_last() {
        let days: Vec<Option<f64>> = (0..30).map(|d| Some(f64::from(d) / 100.0)).collect();
        for width in [1, 7, 15, 24, 29, 30, 31, 45, 100] {
            let bars = resample(&days, width);
            assert_eq!(bars.len(), width, "{width}");
            // Never falling for a rising series; the first bar starts on day 0 and the
            // last one ends on day 29.
            assert!(bars.windows(2).all(|w| w[0] <= w[1]), "{width}: {bars:?}");
            let first_days = (30 / width).max(1);
            let last_from = if width > 30 {
                29
            } else {
                (width - 1) * 30 / width
            };
            let mean = |a: usize, b: usize| (a + b - 1) as f64 / 2.0 * 10.0;
            assert_eq!(bars[0], Some(mean(0, first_days).round() as u64), "{width}");
            assert_eq!(
                bars[width - 1],
                Some(mean(last_from, 30).round() as u64),
                "{width}"
            );
        }
        // A gap stays a gap where it covers a whole bar.
        let gappy = [Some(0.1), None, None, None, Some(0.2)];
        assert_eq!(
            resample(&gappy, 5),
            vec![Some(100), None, None, None, Some(200)]
        );
        assert!(resample(&[], 5).is_empty());
    }
}
