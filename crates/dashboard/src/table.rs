//! The state of one table between frames: the selection inside a viewport that stays put
//! (the selection moves, the rows do not slide under it), the page size and the rows' area
//! as last drawn (for PgUp/PgDn and mouse clicks), the live filter, and a sort enum that both
//! orders the rows and marks its column's header.

use super::line_edit::LineEdit;
use super::query::Query;
use ratatui::layout::Rect;
use ratatui::widgets::TableState;
use returnrisk_core::engine::columns::{Column, Sorting, Table};
use std::cell::Cell;
use std::cmp::Ordering;
use std::marker::PhantomData;

/// A table's sort keys: an enum of them (listing `ALL`), or a [`ColumnSort`] over columns
/// defined once (which moves on by itself).
pub trait SortKey: Copy + PartialEq + Default + std::fmt::Debug + 'static {
    /// Every key, in the order the sort key cycles through them (the default first).
    const ALL: &'static [Self] = &[];

    /// The key after this one, wrapping.
    fn next(self) -> Self {
        let at = Self::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Self::ALL
            .get((at + 1) % Self::ALL.len().max(1))
            .copied()
            .unwrap_or(self)
    }

    /// Whether it sorts text (A-Z first, an ascending arrow) rather than numbers (largest
    /// first, a descending arrow).
    fn is_text(self) -> bool {
        false
    }
}

/// The sort key of a table whose columns are defined once: one of its sortable columns,
/// cycling through them in display order.
pub struct ColumnSort<T: Table>(usize, PhantomData<fn() -> T>);

impl<T: Table> ColumnSort<T> {
    /// The sortable column named `id`.
    pub fn by(id: &str) -> Option<Self> {
        T::COLUMNS
            .iter()
            .position(|c| c.id == id && c.sorts())
            .map(Self::at)
    }

    /// Column `i` of the table.
    pub fn at(i: usize) -> Self {
        ColumnSort(i, PhantomData)
    }

    /// The column it sorts by.
    pub fn column(self) -> &'static Column<T::Row, T::Extra> {
        &T::COLUMNS[self.0.min(T::COLUMNS.len() - 1)]
    }
}

impl<T: Table> Clone for ColumnSort<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Table> Copy for ColumnSort<T> {}

impl<T: Table> PartialEq for ColumnSort<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<T: Table> Default for ColumnSort<T> {
    fn default() -> Self {
        Self::at(T::DEFAULT_SORT)
    }
}

impl<T: Table> std::fmt::Debug for ColumnSort<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ColumnSort({})", self.column().id)
    }
}

impl<T: Table> SortKey for ColumnSort<T> {
    fn next(self) -> Self {
        let n = T::COLUMNS.len();
        (1..=n)
            .map(|k| (self.0 + k) % n)
            .find(|&i| T::COLUMNS[i].sorts())
            .map_or(self, Self::at)
    }

    fn is_text(self) -> bool {
        self.column().sorting == Sorting::Text
    }
}

/// A table without sorting (the Models tab's runs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Unsorted;

impl SortKey for Unsorted {
    fn next(self) -> Self {
        self
    }
}

/// Selection, viewport and filter of one table (everything but the sort).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TableCursor {
    /// Selected row (into the filtered, sorted rows).
    pub selected: usize,
    /// First row on screen; drawing moves it only as far as the selection needs.
    pub offset: Cell<usize>,
    /// Rows that fit on screen, measured while drawing.
    pub page: Cell<usize>,
    /// Where the rows were drawn (mouse clicks), measured while drawing.
    pub rows_area: Cell<Rect>,
    /// Live filter text: words and `field:value` terms (see [`crate::query`]).
    pub filter: LineEdit,
}

impl TableCursor {
    /// The ratatui state to draw with (selection, and the viewport kept between frames).
    pub fn state(&self, rows: usize) -> TableState {
        TableState::default()
            .with_offset(self.offset.get())
            .with_selected((rows > 0).then_some(self.selected))
    }

    fn page_rows(&self) -> usize {
        self.page.get().max(1)
    }

    /// Moves the selection by `delta` rows within `rows`; the viewport follows only when the
    /// selection leaves it.
    pub fn move_by(&mut self, delta: isize, rows: usize) {
        let max = rows.saturating_sub(1) as isize;
        self.selected = (self.selected as isize).saturating_add(delta).clamp(0, max) as usize;
    }

    /// One page down: the viewport and the selection move together, so the selection keeps
    /// its place on screen (until the last page).
    pub fn page_down(&mut self, rows: usize) {
        let page = self.page_rows();
        let last_offset = rows.saturating_sub(page);
        self.offset.set((self.offset.get() + page).min(last_offset));
        self.move_by(page as isize, rows);
    }

    /// One page up (see [`Self::page_down`]).
    pub fn page_up(&mut self, rows: usize) {
        let page = self.page_rows();
        self.offset.set(self.offset.get().saturating_sub(page));
        self.move_by(-(page as isize), rows);
    }

    /// The first row.
    pub fn top(&mut self) {
        self.selected = 0;
        self.offset.set(0);
    }

    /// The last row, on the last page.
    pub fn bottom(&mut self, rows: usize) {
        self.selected = rows.saturating_sub(1);
        self.offset.set(rows.saturating_sub(self.page_rows()));
    }

    /// Back to the first row (after the rows changed order or number).
    pub fn reset(&mut self) {
        self.top();
    }

    /// Keeps the selection and viewport inside `rows`.
    pub fn clamp(&mut self, rows: usize) {
        self.selected = self.selected.min(rows.saturating_sub(1));
        let last_offset = rows.saturating_sub(self.page_rows());
        self.offset.set(self.offset.get().min(last_offset));
    }

    /// The row drawn at screen position (`x`, `y`), if any.
    pub fn row_at(&self, x: u16, y: u16, rows: usize) -> Option<usize> {
        let a = self.rows_area.get();
        let inside = x >= a.x && x < a.right() && y >= a.y && y < a.bottom();
        let row = self.offset.get() + usize::from(y.checked_sub(a.y)?);
        (inside && row < rows).then_some(row)
    }
}

/// One table's cursor and sort.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TableView<S> {
    /// Selection, viewport and filter.
    pub cursor: TableCursor,
    /// The sort key.
    pub sort: S,
    /// Reversed: ascending numbers, Z-A text.
    pub reversed: bool,
}

/// What the app does with the focused table, whatever its sort type.
pub trait TableControl {
    /// Selection, viewport and filter.
    fn cursor(&self) -> &TableCursor;
    /// The same, to change.
    fn cursor_mut(&mut self) -> &mut TableCursor;
    /// The next sort key.
    fn cycle_sort(&mut self);
    /// Reverses the sort.
    fn reverse_sort(&mut self);
}

impl<S: SortKey> TableControl for TableView<S> {
    fn cursor(&self) -> &TableCursor {
        &self.cursor
    }

    fn cursor_mut(&mut self) -> &mut TableCursor {
        &mut self.cursor
    }

    fn cycle_sort(&mut self) {
        self.sort = self.sort.next();
        self.cursor.reset();
    }

    fn reverse_sort(&mut self) {
        self.reversed = !self.reversed;
        self.cursor.reset();
    }
}

impl<S: SortKey> TableView<S> {
    /// The live filter's text.
    pub fn filter(&self) -> &str {
        self.cursor.filter.text()
    }

    /// The live filter, parsed.
    pub fn query(&self) -> Query {
        Query::parse(self.filter())
    }
}

/// Compares optional numbers, largest first (smallest when `reversed`), unknown values last
/// in either direction.
pub fn opt_cmp(a: Option<f64>, b: Option<f64>, reversed: bool) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => {
            let o = x.total_cmp(&y);
            if reversed { o } else { o.reverse() }
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Compares text, A-Z (Z-A when `reversed`).
pub fn text_cmp(a: &str, b: &str, reversed: bool) -> Ordering {
    if reversed { b.cmp(a) } else { a.cmp(b) }
}

/// Whether every word of the filter is in one of the words (case-insensitive; a table
/// without fields: a `field:` term keeps nothing); an empty filter matches every row.
pub fn matches(filter: &str, words: &[&str]) -> bool {
    filter.is_empty() || Query::parse(filter).matches(words, &[])
}

/// The next value in a cycle `None -> values[0] -> ... -> None`.
pub fn cycle<T: Clone + PartialEq>(current: &Option<T>, values: &[T]) -> Option<T> {
    match current {
        None => values.first().cloned(),
        Some(c) => values
            .iter()
            .position(|v| v == c)
            .and_then(|i| values.get(i + 1))
            .cloned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(page: usize) -> TableCursor {
        let c = TableCursor::default();
        c.page.set(page);
        c
    }

    #[test]
    fn page_down_moves_viewport_and_selection_together() {
        let mut c = cursor(10);
        c.move_by(3, 755);
        c.page_down(755);
        assert_eq!((c.selected, c.offset.get()), (13, 10));
        c.bottom(755);
        assert_eq!((c.selected, c.offset.get()), (754, 745));
        c.page_down(755);
        assert_eq!((c.selected, c.offset.get()), (754, 745));
        c.page_up(755);
        assert_eq!((c.selected, c.offset.get()), (744, 735));
        c.top();
        c.page_up(755);
        assert_eq!((c.selected, c.offset.get()), (0, 0));
    }

    #[test]
    fn clamping_keeps_selection_and_viewport_inside() {
        let mut c = cursor(10);
        c.bottom(40);
        c.clamp(12);
        assert_eq!((c.selected, c.offset.get()), (11, 2));
        c.clamp(0);
        assert_eq!((c.selected, c.offset.get()), (0, 0));
    }

    #[test]
    fn clicks_map_to_rows_under_the_viewport() {
        let c = cursor(5);
        c.rows_area.set(Rect::new(1, 4, 30, 5));
        c.offset.set(7);
        assert_eq!(c.row_at(3, 4, 20), Some(7));
        assert_eq!(c.row_at(3, 8, 20), Some(11));
        assert_eq!(c.row_at(3, 9, 20), None, "below the rows");
        assert_eq!(c.row_at(0, 5, 20), None, "on the border");
        assert_eq!(c.row_at(3, 8, 10), None, "past the last row");
    }
}
