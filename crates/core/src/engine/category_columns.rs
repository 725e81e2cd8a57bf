//! The categories table, defined once: every column of the dashboard's Categories tab, its
//! CSV export and the command line's report table. Adding a column is one entry of
//! [`CategoryTable::COLUMNS`].

use super::columns::{Cell, Column, Sorting, Source, Table, Tone};
use super::period::PreviousGroups;
use super::{CategoryStats, Engine};

/// The figures a category's row needs from outside its own numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CategoryExtra {
    /// Change of its mean risk since the window before.
    pub risk_change: Option<f64>,
}

impl CategoryExtra {
    /// `c`'s figures, with `previous` the same scope's sums over the window before.
    pub fn of(c: &CategoryStats, engine: &Engine, previous: Option<&PreviousGroups>) -> Self {
        let risk_change = previous.and_then(|p| {
            let i = engine.data.category_index(&c.category)?;
            p.category_risk_change(i, c.stats.mean_risk)
        });
        CategoryExtra { risk_change }
    }
}

/// The categories table.
pub struct CategoryTable;

type Col = Column<CategoryStats, CategoryExtra>;

impl Table for CategoryTable {
    type Row = CategoryStats;
    type Extra = CategoryExtra;
    const DEFAULT_SORT: usize = 8;
    const COLUMNS: &'static [Col] = &[
        Column {
            sorting: Sorting::Text,
            in_report: true,
            ..Col::words("category", "Category", 14, 9, |c, _| {
                Cell::Text(Some(&c.category))
            })
        },
        Column {
            sorting: Sorting::Numbers,
            in_report: true,
            ..Col::number("orders", "Orders", 8, 8, |c, _| Cell::Count(c.stats.orders))
        },
        Column {
            in_report: true,
            ..Col::number("labelled", "Lab.", 7, 7, |c, _| {
                Cell::Count(c.stats.labelled)
            })
        },
        Column {
            tone: Tone::Muted,
            in_report: true,
            ..Col::number("return_rate", "Return", 7, 2, |c, _| {
                Cell::Share(c.stats.return_rate)
            })
        },
        Column {
            in_report: true,
            ..Col::number("return_rate_shrunk", "Ret EB", 7, 4, |c, _| {
                Cell::Share(c.stats.return_rate_shrunk)
            })
        },
        Column {
            sorting: Sorting::Numbers,
            ..Col::number("return_rate_above", "Ret+", 6, 7, |c, _| {
                Cell::Points(c.stats.return_rate_above)
            })
        },
        Column {
            source: Source::Scores,
            tone: Tone::Muted,
            in_report: true,
            ..Col::number("mean_risk", "Risk", 6, 3, |c, _| {
                Cell::Share(c.stats.mean_risk)
            })
        },
        Column {
            source: Source::Scores,
            in_report: true,
            ..Col::number("mean_risk_shrunk", "Risk EB", 8, 8, |c, _| {
                Cell::Share(c.stats.mean_risk_shrunk)
            })
        },
        Column {
            sorting: Sorting::Numbers,
            source: Source::Scores,
            in_report: true,
            ..Col::number("mean_risk_above", "Risk+", 6, 9, |c, _| {
                Cell::Points(c.stats.mean_risk_above)
            })
        },
        Column {
            sorting: Sorting::Numbers,
            ..Col::number("excess_returns", "Excess", 7, 6, |c, _| {
                Cell::Number(c.stats.excess_returns, 1)
            })
        },
        Column {
            sorting: Sorting::Numbers,
            source: Source::Scores,
            ..Col::number("expected_returns", "Exp.ret", 8, 5, |c, _| {
                Cell::Number(c.stats.expected_returns, 1)
            })
        },
        Column {
            sorting: Sorting::Numbers,
            ..Col::number("mean_risk_change", "ΔRisk", 7, 6, |_, x| {
                Cell::Points(x.risk_change)
            })
        },
        Column {
            sorting: Sorting::Numbers,
            source: Source::Scores,
            ..Col::number("revenue_at_risk", "At risk", 8, 1, |c, _| {
                Cell::Money(c.stats.revenue_at_risk)
            })
        },
        Column {
            sorting: Sorting::Numbers,
            source: Source::Scores,
            in_report: true,
            ..Col::number("high_risk_share", "High", 8, 6, |c, _| {
                Cell::Share(c.stats.high_risk_share)
            })
        },
        Column {
            sorting: Sorting::Numbers,
            source: Source::Scores,
            in_report: true,
            over_window: true,
            ..Col::number("risk_slope", "Trend", 9, 5, |c, _| Cell::Trend {
                slope: c.stats.risk_slope,
                margin: c.stats.risk_slope_margin,
            })
        },
        Column {
            tone: Tone::Muted,
            ..Col::number("returned", "Returned", 9, 2, |c, _| {
                Cell::Count(c.stats.returned)
            })
        },
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_the_default_sort_is_risk_above() {
        let cols = CategoryTable::COLUMNS;
        let mut ids: Vec<&str> = cols.iter().map(|c| c.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), cols.len());
        assert_eq!(cols[CategoryTable::DEFAULT_SORT].id, "mean_risk_above");
        assert!(CategoryTable::sort_column("category").is_some());
        assert!(CategoryTable::sort_column("labelled").is_none());
    }
}
