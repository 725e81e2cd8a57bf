//! What every screen does, whatever it shows: a tab or the seller drill-down implements
//! [`Page`], and the app reaches the current one through [`super::app::App::page`], its one
//! dispatch. A page draws itself, exposes its table, says what Enter on a row opens
//! ([`Goto`]), what `e` exports and what `y` copies.

use super::app::App;
use super::export::ExportTable;
use super::tab::Tab;
use super::table::TableControl;
use ratatui::Frame;
use ratatui::layout::Rect;

/// Where a row (or the command palette) leads.
#[derive(Clone, Debug, PartialEq)]
pub enum Goto {
    /// A seller's drill-down, keeping a category from the list it was opened from and the
    /// alert that led there.
    Seller {
        /// The seller id.
        id: String,
        /// The category the drill-down's orders are narrowed to (a removable chip).
        category: Option<u16>,
        /// The alert that led there, shown in the Why panel.
        alert: Option<String>,
        /// An order to select.
        order: Option<String>,
    },
    /// An order's pane (its explanation and what-if), over its seller's drill-down.
    Order(String),
    /// The Sellers tab narrowed to one category.
    CategorySellers(u16),
    /// The Categories tab with this category selected.
    Category(u16),
    /// A tab under a marketplace filter (`None`: all marketplaces).
    Market(Tab, Option<u16>),
}

/// A screen: a tab or the drill-down.
pub trait Page {
    /// Draws it into `area`.
    fn draw(&self, f: &mut Frame, area: Rect, app: &App);

    /// Its table, if it has one.
    fn table(&self) -> Option<&dyn TableControl> {
        None
    }

    /// Its table, to change.
    fn table_mut(&mut self) -> Option<&mut dyn TableControl> {
        None
    }

    /// How many rows its table shows now.
    fn rows(&self, _app: &App) -> usize {
        0
    }

    /// Where Enter on the selected row leads.
    fn open(&self, _app: &App) -> Option<Goto> {
        None
    }

    /// Whether Enter leads anywhere on this page (for the footer and help).
    fn opens(&self) -> bool {
        false
    }

    /// Whether its table can be sorted (`s`).
    fn sorts(&self) -> bool {
        true
    }

    /// Whether its rows can be narrowed to a risk band (`b`).
    fn banded(&self) -> bool {
        false
    }

    /// Cycles its risk-band filter.
    fn cycle_band(&mut self) {}

    /// Its table as shown, for `e` (before the window and marketplace context is added).
    fn export(&self, _app: &App) -> Option<ExportTable> {
        None
    }

    /// The id of the selected row, for `y`: a seller, an order, a category, a model.
    fn selected_id(&self, _app: &App) -> Option<String> {
        None
    }
}

/// Implements [`Page::table`] and [`Page::table_mut`] for a page whose table is the field
/// named.
macro_rules! page_table {
    ($field:ident) => {
        fn table(&self) -> Option<&dyn $crate::table::TableControl> {
            Some(&self.$field)
        }

        fn table_mut(&mut self) -> Option<&mut dyn $crate::table::TableControl> {
            Some(&mut self.$field)
        }
    };
}
pub(crate) use page_table;
