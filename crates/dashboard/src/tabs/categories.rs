//! Categories tab: the table, and the daily risk trend of the selected category. Enter lists
//! the category's sellers.

use super::{risk_placeholder, sparkline};
use crate::app::App;
use crate::export::{ExportTable, opt};
use crate::page::{Goto, Page};
use crate::table::{SortKey, TableView, matches, opt_cmp, text_cmp};
use crate::widgets::{
    Col, TableText, above, col, int, num, pct, points, relabel, sorted, table, trend,
};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use returnrisk_core::engine::CategoryStats;

/// What the categories table is ordered by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CategorySort {
    /// Mean predicted risk, shrunk toward all categories' by its evidence.
    #[default]
    Risk,
    /// Excess returns: orders x (shrunk return rate - all categories').
    Excess,
    /// Expected returns (the sum of risk).
    Expected,
    /// Change of mean risk since the window before.
    Change,
    /// Orders.
    Orders,
    /// Return rate, shrunk toward all categories' by its evidence.
    ReturnRate,
    /// High-risk share.
    High,
    /// Risk trend.
    Trend,
    /// Name, A-Z.
    Category,
}

impl SortKey for CategorySort {
    const ALL: &'static [Self] = &[
        Self::Risk,
        Self::Excess,
        Self::Expected,
        Self::Change,
        Self::Orders,
        Self::ReturnRate,
        Self::High,
        Self::Trend,
        Self::Category,
    ];

    fn is_text(self) -> bool {
        self == Self::Category
    }
}

const COLS: [Col<CategorySort>; 15] = [
    sorted("Category", 14, false, 9, CategorySort::Category),
    sorted("Orders", 8, true, 8, CategorySort::Orders),
    col("Lab.", 7, true, 7),
    col("Return", 7, true, 2),
    col("Ret EB", 7, true, 4),
    sorted("Ret+", 6, true, 7, CategorySort::ReturnRate),
    col("Risk", 6, true, 3),
    col("Risk EB", 8, true, 8),
    sorted("Risk+", 6, true, 9, CategorySort::Risk),
    sorted("Excess", 7, true, 6, CategorySort::Excess),
    sorted("Exp.ret", 8, true, 5, CategorySort::Expected),
    sorted("ΔRisk", 7, true, 6, CategorySort::Change),
    sorted("High", 8, true, 6, CategorySort::High),
    sorted("Trend", 8, true, 5, CategorySort::Trend),
    col("Returned", 9, true, 2),
];

/// The Categories tab's state.
#[derive(Clone, Debug, Default)]
pub struct CategoriesTab {
    /// The table.
    pub view: TableView<CategorySort>,
}

impl CategoriesTab {
    /// The categories shown: filtered and sorted.
    pub fn rows<'a>(&self, app: &'a App) -> Vec<&'a CategoryStats> {
        category_rows(&app.snap.categories, &self.view, &|c| risk_change(app, c))
    }

    /// Selects `name` (clearing the filter if it hides it).
    pub fn select(&mut self, app_categories: &[CategoryStats], name: &str) {
        let find = |v: &TableView<CategorySort>| {
            category_rows(app_categories, v, &|_| None)
                .iter()
                .position(|c| c.category == name)
        };
        if find(&self.view).is_none() {
            self.view.cursor.filter.clear();
        }
        self.view.cursor.selected = find(&self.view).unwrap_or(0);
    }
}

/// The index of `c`'s category in the data.
fn index_of(app: &App, c: &CategoryStats) -> Option<usize> {
    let cats = &app.engine.data.categories;
    cats.iter().position(|n| *n == c.category)
}

/// The change of `c`'s mean risk since the window before.
pub fn risk_change(app: &App, c: &CategoryStats) -> Option<f64> {
    let i = index_of(app, c)?;
    app.previous
        .as_ref()?
        .category_risk_change(i, c.stats.mean_risk)
}

/// `all` narrowed by the filter and sorted (`change`: a category's change of mean risk).
pub fn category_rows<'a>(
    all: &'a [CategoryStats],
    v: &TableView<CategorySort>,
    change: &dyn Fn(&CategoryStats) -> Option<f64>,
) -> Vec<&'a CategoryStats> {
    let mut rows: Vec<&CategoryStats> = all
        .iter()
        .filter(|c| matches(v.filter(), &[&c.category]))
        .collect();
    let r = v.reversed;
    rows.sort_by(|a, b| {
        match v.sort {
            CategorySort::Risk => opt_cmp(a.stats.mean_risk_above, b.stats.mean_risk_above, r),
            CategorySort::Excess => opt_cmp(a.stats.excess_returns, b.stats.excess_returns, r),
            CategorySort::Expected => {
                opt_cmp(a.stats.expected_returns, b.stats.expected_returns, r)
            }
            CategorySort::Change => opt_cmp(change(a), change(b), r),
            CategorySort::Orders => {
                opt_cmp(Some(a.stats.orders as f64), Some(b.stats.orders as f64), r)
            }
            CategorySort::ReturnRate => {
                opt_cmp(a.stats.return_rate_above, b.stats.return_rate_above, r)
            }
            CategorySort::High => opt_cmp(a.stats.high_risk_share, b.stats.high_risk_share, r),
            CategorySort::Trend => opt_cmp(a.stats.risk_slope, b.stats.risk_slope, r),
            CategorySort::Category => text_cmp(&a.category, &b.category, r),
        }
        .then_with(|| a.category.cmp(&b.category))
    });
    rows
}

impl Page for CategoriesTab {
    fn draw(&self, f: &mut Frame, area: Rect, app: &App) {
        let t = &app.theme;
        let ph = risk_placeholder(app);
        let rows = self.rows(app);
        let days = app.snap.trend.len();
        let selected = rows.get(self.view.cursor.selected).copied();
        let cells = rows
            .iter()
            .map(|c| {
                vec![
                    (c.category.clone(), t.text),
                    (int(c.stats.orders), t.text),
                    (int(c.stats.labelled), t.text),
                    (pct(c.stats.return_rate, "n/a"), t.dim),
                    (pct(c.stats.return_rate_shrunk, "n/a"), t.text),
                    (points(c.stats.return_rate_above), t.text),
                    (pct(c.stats.mean_risk, ph), t.dim),
                    (pct(c.stats.mean_risk_shrunk, ph), t.text),
                    (above(c.stats.mean_risk_above, ph), t.text),
                    (num(c.stats.excess_returns, 1, "n/a"), t.text),
                    (num(c.stats.expected_returns, 1, ph), t.text),
                    (points(risk_change(app, c)), t.text),
                    (pct(c.stats.high_risk_share, ph), t.text),
                    (
                        trend(t, c.stats.risk_slope, c.stats.risk_slope_se, days, ph),
                        t.text,
                    ),
                    (int(c.stats.returned), t.dim),
                ]
            })
            .collect();
        let [top, bottom] =
            Layout::vertical([Constraint::Min(5), Constraint::Length(5)]).areas(area);
        let text = TableText {
            name: "Categories",
            total: app.snap.categories.len(),
            note: " | Enter: its sellers".into(),
            empty: "no orders in this window",
        };
        table(f, top, t, &relabel(&COLS, app), cells, &self.view, text);
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
        let c = self.rows(app).get(self.view.cursor.selected).copied()?;
        Some(Goto::CategorySellers(index_of(app, c)? as u16))
    }

    fn export(&self, app: &App) -> Option<ExportTable> {
        let rows = self
            .rows(app)
            .into_iter()
            .map(|c| {
                vec![
                    c.category.clone(),
                    c.stats.orders.to_string(),
                    c.stats.labelled.to_string(),
                    opt(c.stats.return_rate),
                    opt(c.stats.return_rate_shrunk),
                    opt(c.stats.return_rate_above),
                    opt(c.stats.mean_risk),
                    opt(c.stats.mean_risk_shrunk),
                    opt(c.stats.mean_risk_above),
                    opt(c.stats.excess_returns),
                    opt(c.stats.expected_returns),
                    opt(risk_change(app, c)),
                    opt(c.stats.revenue_at_risk),
                    opt(c.stats.high_risk_share),
                    opt(c.stats.risk_slope),
                ]
            })
            .collect();
        Some(ExportTable {
            name: vec!["categories".into()],
            header: vec![
                "category",
                "orders",
                "labelled",
                "return_rate",
                "return_rate_shrunk",
                "return_rate_above",
                "mean_risk",
                "mean_risk_shrunk",
                "mean_risk_above",
                "excess_returns",
                "expected_returns",
                "mean_risk_change",
                "revenue_at_risk",
                "high_risk_share",
                "risk_slope",
            ],
            rows,
        })
    }

    fn selected_id(&self, app: &App) -> Option<String> {
        let rows = self.rows(app);
        rows.get(self.view.cursor.selected)
            .map(|c| c.category.clone())
    }
}
