//! A table column defined once: its id (the CSV/JSON field and the API's sort name), its
//! header, width and priority, how it sorts, and its cell as a typed value. The dashboard,
//! its CSV export, the command line's table and the API's `sort` parameter all read the same
//! definition; each front end only decides how a [`Cell`] looks.

use crate::config::RiskLabel;
use std::cmp::Ordering;

/// One cell's value, typed so that each front end formats it its own way and sorts and
/// exports the number underneath.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell<'a> {
    /// Words (an id, a name), or unknown.
    Text(Option<&'a str>),
    /// A count.
    Count(u64),
    /// A rate or share in 0..=1, read as a percentage.
    Share(Option<f64>),
    /// A difference of rates, read in signed points.
    Points(Option<f64>),
    /// A number read with this many decimals.
    Number(Option<f64>, u8),
    /// Money, read in whole units.
    Money(Option<f64>),
    /// A risk trend: the slope per day and its 95% margin, read over the window's days
    /// when it stands out from noise.
    Trend {
        /// Change of the daily mean risk per day.
        slope: Option<f64>,
        /// Half-width of its 95% interval, per day.
        margin: Option<f64>,
    },
    /// A risk band.
    Band(Option<RiskLabel>),
}

impl Cell<'_> {
    /// The number it sorts by (a band by its rank, a trend by its slope); `None` for text
    /// and unknown values.
    pub fn number(&self) -> Option<f64> {
        match *self {
            Cell::Text(_) => None,
            Cell::Count(n) => Some(n as f64),
            Cell::Share(v) | Cell::Points(v) | Cell::Number(v, _) | Cell::Money(v) => v,
            Cell::Trend { slope, .. } => slope,
            Cell::Band(b) => b.map(|b| f64::from(b as u8)),
        }
    }

    /// Its text, for text sorts and the filter.
    pub fn text(&self) -> Option<&str> {
        match *self {
            Cell::Text(t) => t,
            Cell::Band(b) => b.map(RiskLabel::as_str),
            _ => None,
        }
    }

    /// The raw value for CSV export: full precision, "" when unknown.
    pub fn raw(&self) -> String {
        match self {
            Cell::Text(_) | Cell::Band(_) => self.text().unwrap_or_default().to_string(),
            Cell::Count(n) => n.to_string(),
            _ => self.number().map(|v| v.to_string()).unwrap_or_default(),
        }
    }
}

/// How a column orders its rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sorting {
    /// Not a sort key.
    Unsorted,
    /// A-Z first.
    Text,
    /// Largest first.
    Numbers,
    /// Largest first, rows with few orders after the others: a raw mean or share, where a
    /// tiny sample would top the list by chance.
    RawMean,
}

/// Where a column's cells sit in its width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Words.
    Left,
    /// Numbers.
    Right,
}

/// Where an unknown value comes from, so a front end can say why it is missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The data: unknown means there is nothing to compute it from ("n/a").
    Data,
    /// The models' scores: unknown while they load or train.
    Scores,
}

/// How a column's cells stand out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// Ordinary text.
    Normal,
    /// Context rather than the point (the marketplace, a raw rate beside its shrunk one).
    Muted,
    /// Muted when the row has few orders (its figures are weak evidence).
    MutedWhenFew,
    /// Coloured by the risk band of its value.
    ByBand,
}

/// One column of a table of `R` rows, with `X` the figures a row needs from outside itself
/// (the window before, the risk bands).
pub struct Column<R: 'static, X: 'static> {
    /// The CSV/JSON field name, and the API's name for sorting by it.
    pub id: &'static str,
    /// The header, in the default label's words ("Return" becomes the data's noun).
    pub header: &'static str,
    /// Width in cells.
    pub width: u16,
    /// Priority when the table is narrow: the lowest is dropped first.
    pub keep: u8,
    /// Left for words, right for numbers.
    pub align: Align,
    /// How it sorts.
    pub sorting: Sorting,
    /// Where an unknown value comes from.
    pub source: Source,
    /// How its cells stand out.
    pub tone: Tone,
    /// Shown in the command line's report table too (which must fit a terminal).
    pub in_report: bool,
    /// Its figure is a change over the whole window, so a header names the window
    /// (`Trend 30d`).
    pub over_window: bool,
    /// The cell of a row.
    pub cell: for<'a> fn(&'a R, &X) -> Cell<'a>,
}

impl<R, X> Column<R, X> {
    /// A column of numbers with the commonest settings: right-aligned, from the data, plain,
    /// not a sort key, not in the report. Entries change what differs with `..`.
    pub const fn number(
        id: &'static str,
        header: &'static str,
        width: u16,
        keep: u8,
        cell: for<'a> fn(&'a R, &X) -> Cell<'a>,
    ) -> Self {
        Column {
            id,
            header,
            width,
            keep,
            align: Align::Right,
            sorting: Sorting::Unsorted,
            source: Source::Data,
            tone: Tone::Normal,
            in_report: false,
            over_window: false,
            cell,
        }
    }

    /// A column of words: [`Column::number`], left-aligned.
    pub const fn words(
        id: &'static str,
        header: &'static str,
        width: u16,
        keep: u8,
        cell: for<'a> fn(&'a R, &X) -> Cell<'a>,
    ) -> Self {
        Column {
            align: Align::Left,
            ..Self::number(id, header, width, keep, cell)
        }
    }

    /// Whether it is a sort key.
    pub fn sorts(&self) -> bool {
        self.sorting != Sorting::Unsorted
    }

    /// Compares two rows by this column in its natural order (A-Z, or largest first),
    /// unknown values last; `reversed` turns the known values around, unknown stay last.
    pub fn compare(&self, a: (&R, &X), b: (&R, &X), reversed: bool) -> Ordering {
        let (x, y) = ((self.cell)(a.0, a.1), (self.cell)(b.0, b.1));
        if self.sorting == Sorting::Text {
            return known_first(x.text(), y.text(), |p, q| flip(p.cmp(q), reversed));
        }
        known_first(x.number(), y.number(), |p, q| {
            flip(q.total_cmp(&p), reversed)
        })
    }
}

/// Orders known values by `by`, and every unknown after them.
fn known_first<T>(a: Option<T>, b: Option<T>, by: impl Fn(T, T) -> Ordering) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => by(x, y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn flip(o: Ordering, reversed: bool) -> Ordering {
    if reversed { o.reverse() } else { o }
}

/// A table whose columns are defined once.
pub trait Table: 'static {
    /// One row.
    type Row: 'static;
    /// What a row needs from outside itself.
    type Extra: 'static;
    /// The columns, in display order.
    const COLUMNS: &'static [Column<Self::Row, Self::Extra>];
    /// The index of the column it is sorted by at first.
    const DEFAULT_SORT: usize;

    /// The sortable column named `id`.
    fn sort_column(id: &str) -> Option<&'static Column<Self::Row, Self::Extra>> {
        Self::COLUMNS.iter().find(|c| c.id == id && c.sorts())
    }

    /// The sortable columns' ids, in display order.
    fn sortable_ids() -> Vec<&'static str> {
        Self::COLUMNS
            .iter()
            .filter(|c| c.sorts())
            .map(|c| c.id)
            .collect()
    }

    /// The sortable columns' ids, for an error message: `a, b or c`.
    fn sort_ids() -> String {
        let ids = Self::sortable_ids();
        match ids.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => ids.join(""),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Row = (Option<f64>, &'static str);

    const fn col(sorting: Sorting, cell: for<'a> fn(&'a Row, &()) -> Cell<'a>) -> Column<Row, ()> {
        Column {
            id: "x",
            header: "X",
            width: 4,
            keep: 1,
            align: Align::Right,
            sorting,
            source: Source::Data,
            tone: Tone::Normal,
            in_report: false,
            over_window: false,
            cell,
        }
    }

    fn order(c: &Column<Row, ()>, rows: &[Row], reversed: bool) -> Vec<&'static str> {
        let mut v = rows.to_vec();
        v.sort_by(|a, b| c.compare((a, &()), (b, &()), reversed));
        v.iter().map(|r| r.1).collect()
    }

    #[test]
    fn numbers_sort_largest_first_and_unknown_values_stay_last_either_way() {
        let rows = [
            (Some(0.2), "b"),
            (None, "n"),
            (Some(0.9), "a"),
            (Some(-1.0), "c"),
        ];
        let by_number = col(Sorting::Numbers, |r, ()| Cell::Share(r.0));
        assert_eq!(order(&by_number, &rows, false), ["a", "b", "c", "n"]);
        assert_eq!(order(&by_number, &rows, true), ["c", "b", "a", "n"]);
        let by_text = col(Sorting::Text, |r, ()| Cell::Text(Some(r.1)));
        assert_eq!(order(&by_text, &rows, false), ["a", "b", "c", "n"]);
        assert_eq!(order(&by_text, &rows, true), ["n", "c", "b", "a"]);
    }

    #[test]
    fn raw_values_keep_full_precision_and_say_nothing_when_unknown() {
        assert_eq!(Cell::Share(Some(0.1 + 0.2)).raw(), "0.30000000000000004");
        assert_eq!(Cell::Money(None).raw(), "");
        assert_eq!(Cell::Count(12).raw(), "12");
        assert_eq!(Cell::Band(Some(RiskLabel::High)).raw(), "High");
        assert_eq!(Cell::Band(Some(RiskLabel::High)).number(), Some(2.0));
        assert_eq!(
            Cell::Trend {
                slope: Some(0.5),
                margin: None
            }
            .number(),
            Some(0.5)
        );
    }
}
