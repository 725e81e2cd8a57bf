//! Categories tab: the table, and the daily risk trend of the selected category. Enter lists
//! the category's sellers.

use super::sparkline;
use crate::app::App;
use crate::columns;
use crate::export::ExportTable;
use crate::page::{Goto, Page};
use crate::query::Field;
use crate::table::{ColumnSort, TableView};
use crate::widgets::{TableText, table};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use returnrisk_core::engine::CategoryStats;
use returnrisk_core::engine::category_columns::{CategoryExtra, CategoryTable};

/// What the categories table is ordered by: one of its sortable columns.
pub type CategorySort = ColumnSort<CategoryTable>;

/// A category's row: its numbers and the figures from outside them.
pub type CategoryRow<'a> = (&'a CategoryStats, CategoryExtra);

/// The Categories tab's state.
#[derive(Clone, Debug, Default)]
pub struct CategoriesTab {
    /// The table.
    pub view: TableView<CategorySort>,
}

impl CategoriesTab {
    /// The categories shown: filtered and sorted.
    pub fn rows<'a>(&self, app: &'a App) -> Vec<CategoryRow<'a>> {
        category_rows(&app.snap.categories, &self.view, &|c| {
            CategoryExtra::of(c, &app.engine, app.previous.as_ref())
        })
    }

    /// Selects `name` (clearing the filter if it hides it), among `all` ordered as the tab
    /// shows them (`extra`: a category's figures from outside it, which a sort may read).
    pub fn select(
        &mut self,
        all: &[CategoryStats],
        extra: &dyn Fn(&CategoryStats) -> CategoryExtra,
        name: &str,
    ) {
        let find = |v: &TableView<CategorySort>| {
            category_rows(all, v, extra)
                .iter()
                .position(|(c, _)| c.category == name)
        };
        if find(&self.view).is_none() {
            self.view.cursor.filter.clear();
        }
        self.view.cursor.selected = find(&self.view).unwrap_or(0);
    }
}

/// `all` narrowed by the filter and sorted (`extra`: a category's figures from outside it).
pub fn category_rows<'a>(
    all: &'a [CategoryStats],
    v: &TableView<CategorySort>,
    extra: &dyn Fn(&CategoryStats) -> CategoryExtra,
) -> Vec<CategoryRow<'a>> {
    let q = v.query();
    let mut rows: Vec<CategoryRow<'a>> = all
        .iter()
        .filter(|c| q.matches(&[&c.category], &[(Field::Cat, &c.category)]))
        .map(|c| (c, extra(c)))
        .collect();
    let column = v.sort.column();
    rows.sort_by(|a, b| {
        column
            .compare((a.0, &a.1), (b.0, &b.1), v.reversed)
            .then_with(|| a.0.category.cmp(&b.0.category))
    });
    rows
}

impl Page for CategoriesTab {
    fn draw(&self, f: &mut Frame, area: Rect, app: &App) {
        let rows = self.rows(app);
        let selected = rows.get(self.view.cursor.selected).map(|(c, _)| *c);
        let cells = rows
            .iter()
            .map(|(c, x)| columns::cells::<CategoryTable>(app, c, x, false))
            .collect();
        let [top, bottom] =
            Layout::vertical([Constraint::Min(5), Constraint::Length(5)]).areas(area);
        let text = TableText {
            name: "Categories",
            total: app.snap.categories.len(),
            note: " | Enter: its sellers".into(),
            empty: "no orders in this window",
            no_match: self.view.query().foreign(&[Field::Cat]),
        };
        let header = columns::header::<CategoryTable>(app);
        table(f, top, &app.theme, &header, cells, &self.view, text);
        let (name, series) = match selected {
            Some(c) => (c.category.as_str(), c.trend.as_slice()),
            None => ("-", &[][..]),
        };
        let title = format!(" {name}: daily mean risk ");
        sparkline(
            f,
            bottom,
            app,
            &title,
            series,
            (&app.snap.start, &app.snap.as_of),
        );
    }

    crate::page::page_table!(view);

    fn rows(&self, app: &App) -> usize {
        self.rows(app).len()
    }

    fn opens(&self) -> bool {
        true
    }

    fn open(&self, app: &App) -> Option<Goto> {
        let (c, _) = self.rows(app).get(self.view.cursor.selected).copied()?;
        let i = app.engine.data.category_index(&c.category)?;
        Some(Goto::CategorySellers(i as u16))
    }

    fn export(&self, app: &App) -> Option<ExportTable> {
        let rows = self.rows(app);
        Some(columns::export::<CategoryTable>(
            vec!["categories".into()],
            (&[], Vec::new()),
            rows.iter().map(|(c, x)| (*c, x)),
        ))
    }

    fn selected_id(&self, app: &App) -> Option<String> {
        let rows = self.rows(app);
        rows.get(self.view.cursor.selected)
            .map(|(c, _)| c.category.clone())
    }
}
