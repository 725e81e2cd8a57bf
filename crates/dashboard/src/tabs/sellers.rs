//! Sellers tab: the sortable, filterable table of sellers in the window, or of one category
//! (after Enter on a category: a chip in the title, Esc goes back to Categories).

use crate::app::App;
use crate::columns;
use crate::export::ExportTable;
use crate::page::{Goto, Page};
use crate::query::Field;
use crate::table::{ColumnSort, TableView, cycle};
use crate::widgets::{TableText, table};
use ratatui::Frame;
use ratatui::layout::Rect;
use returnrisk_core::config::RiskLabel;
use returnrisk_core::engine::columns::Sorting;
use returnrisk_core::engine::seller_columns::{SellerExtra, SellerTable};
use returnrisk_core::engine::{SellerStats, Snapshot};

/// What the sellers table is ordered by: one of its sortable columns.
pub type SellerSort = ColumnSort<SellerTable>;

/// Sellers with fewer orders than this in the window rank after the others on sorts by a
/// raw mean or share (they are still listed).
pub const MIN_ORDERS_TO_RANK: u64 = 20;

/// A seller's row: its numbers and the figures from outside them.
pub type SellerRow<'a> = (&'a SellerStats, SellerExtra);

/// The Sellers tab's state.
#[derive(Clone, Debug)]
pub struct SellersTab {
    /// The table.
    pub view: TableView<SellerSort>,
    /// Narrowed to a category: its index and the numbers within it.
    pub scope: Option<(u16, Snapshot)>,
    /// Only sellers whose mean risk is in this band.
    pub band: Option<RiskLabel>,
    /// Sellers with fewer orders rank last on mean-based sorts (`:minorders N`; 0: off).
    pub min_orders: u64,
    /// The category scope's sums over the window before (its change column).
    pub scope_previous: Option<returnrisk_core::engine::period::PreviousGroups>,
}

impl Default for SellersTab {
    fn default() -> Self {
        SellersTab {
            view: TableView::default(),
            scope: None,
            band: None,
            min_orders: MIN_ORDERS_TO_RANK,
            scope_previous: None,
        }
    }
}

impl SellersTab {
    /// The sellers listed before the filter: the window's, or the category's.
    pub fn source<'a>(&'a self, app: &'a App) -> &'a [SellerStats] {
        match &self.scope {
            Some((_, s)) => &s.sellers,
            None => &app.snap.sellers,
        }
    }

    /// `s`'s figures from outside its numbers (the change since the window before, in its
    /// scope; its band).
    pub fn extra(&self, s: &SellerStats, app: &App) -> SellerExtra {
        let previous = match &self.scope {
            Some(_) => self.scope_previous.as_ref(),
            None => app.previous.as_ref(),
        };
        SellerExtra::of(s, &app.engine, previous)
    }

    /// The sellers shown: filtered and sorted.
    pub fn rows<'a>(&'a self, app: &'a App) -> Vec<SellerRow<'a>> {
        seller_rows(self.source(app), self, app)
    }
}

/// The fields `/` can name on the Sellers tab.
pub const SELLER_FIELDS: [Field; 3] = [Field::Seller, Field::Market, Field::Band];

/// `all` narrowed by the tab's filters (words, fields and band) and sorted.
pub fn seller_rows<'a>(all: &'a [SellerStats], tab: &SellersTab, app: &App) -> Vec<SellerRow<'a>> {
    let v = &tab.view;
    let q = v.query();
    let mut rows: Vec<SellerRow<'a>> = all
        .iter()
        .map(|s| (s, tab.extra(s, app)))
        .filter(|(_, x)| tab.band.is_none() || x.band == tab.band)
        .filter(|(s, x)| {
            let band = x.band.map_or("", RiskLabel::as_str);
            let words = [
                s.seller_id.as_str(),
                &s.seller_name,
                &s.marketplace_id,
                band,
            ];
            let fields = [
                (Field::Seller, s.seller_id.as_str()),
                (Field::Seller, &s.seller_name),
                (Field::Market, &s.marketplace_id),
                (Field::Band, band),
            ];
            q.matches(&words, &fields)
        })
        .collect();
    let column = v.sort.column();
    let small =
        |s: &SellerStats| column.sorting == Sorting::RawMean && s.stats.orders < tab.min_orders;
    rows.sort_by(|a, b| {
        small(a.0)
            .cmp(&small(b.0))
            .then_with(|| column.compare((a.0, &a.1), (b.0, &b.1), v.reversed))
            .then_with(|| a.0.seller_id.cmp(&b.0.seller_id))
    });
    rows
}

impl Page for SellersTab {
    fn draw(&self, f: &mut Frame, area: Rect, app: &App) {
        let cells = self
            .rows(app)
            .iter()
            .map(|(s, x)| {
                columns::cells::<SellerTable>(app, s, x, s.stats.orders < self.min_orders)
            })
            .collect();
        let mut note = String::new();
        if let Some((c, _)) = &self.scope {
            note.push_str(&format!(
                " | [category {} ✕ Esc]",
                app.engine.data.categories[*c as usize]
            ));
        }
        if let Some(b) = self.band {
            note.push_str(&format!(" | [{b} risk ✕ b]"));
        }
        if self.view.sort.column().sorting == Sorting::RawMean {
            note.push_str(&format!(" | under {MIN_ORDERS_TO_RANK} orders ranked last"));
        }
        let text =
            TableText {
                name: "Sellers",
                total: self.source(app).len(),
                note,
                empty: "no sellers with orders in this window",
                no_match: self.view.query().foreign(&SELLER_FIELDS).or(self.band.map(
                    |b| match self.view.filter() {
                        "" => format!(
                            "no seller's shrunk mean risk (Risk EB) is {b} here; b: next band"
                        ),
                        words => format!("no {b}-risk seller matches \"{words}\""),
                    },
                )),
            };
        let header = columns::header::<SellerTable>(app);
        table(f, area, &app.theme, &header, cells, &self.view, text);
    }

    crate::page::page_table!(view);

    fn rows(&self, app: &App) -> usize {
        self.rows(app).len()
    }

    fn opens(&self) -> bool {
        true
    }

    fn open(&self, app: &App) -> Option<Goto> {
        let (s, _) = self.rows(app).get(self.view.cursor.selected).copied()?;
        Some(Goto::Seller {
            id: s.seller_id.clone(),
            category: self.scope.as_ref().map(|(c, _)| *c),
            alert: None,
            order: None,
        })
    }

    fn banded(&self) -> bool {
        true
    }

    fn cycle_band(&mut self) {
        self.band = cycle(
            &self.band,
            &[RiskLabel::High, RiskLabel::Medium, RiskLabel::Low],
        );
        self.view.cursor.reset();
    }

    fn export(&self, app: &App) -> Option<ExportTable> {
        let category = self
            .scope
            .as_ref()
            .map(|(c, _)| app.engine.data.categories[*c as usize].clone());
        let mut name = vec!["sellers".to_string()];
        name.extend(category.clone());
        name.extend(self.band.map(|b| format!("{b}-risk")));
        let rows = self.rows(app);
        let lead = (&["category"][..], vec![category.unwrap_or_default()]);
        Some(columns::export::<SellerTable>(
            name,
            lead,
            rows.iter().map(|(s, x)| (*s, x)),
        ))
    }

    fn selected_id(&self, app: &App) -> Option<String> {
        let rows = self.rows(app);
        rows.get(self.view.cursor.selected)
            .map(|(s, _)| s.seller_id.clone())
    }
}
