//! The sellers table, defined once: every column of the dashboard's Sellers tab, its CSV
//! export, the command line's report table and the API's `sort` names. Adding a column is
//! one entry of [`SellerTable::COLUMNS`].

use super::columns::{Cell, Column, Sorting, Source, Table, Tone};
use super::period::PreviousGroups;
use super::{Engine, SellerStats};
use crate::config::RiskLabel;

/// The figures a seller's row needs from outside its own numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SellerExtra {
    /// Change of its mean risk since the window before.
    pub risk_change: Option<f64>,
    /// The risk band of its mean risk shrunk by its evidence (`mean_risk_shrunk`: one order
    /// of 70% risk does not make a High seller); what the band filter selects on.
    pub band: Option<RiskLabel>,
}

impl SellerExtra {
    /// `s`'s figures, with `previous` the same scope's sums over the window before.
    pub fn of(s: &SellerStats, engine: &Engine, previous: Option<&PreviousGroups>) -> Self {
        let risk_change = previous.and_then(|p| p.seller_risk_change(s.index, s.stats.mean_risk));
        SellerExtra {
            risk_change,
            band: s.stats.mean_risk_shrunk.map(|r| engine.bands.label(r)),
        }
    }
}

/// The sellers table.
pub struct SellerTable;

type Col = Column<SellerStats, SellerExtra>;

impl Table for SellerTable {
    type Row = SellerStats;
    type Extra = SellerExtra;
    const DEFAULT_SORT: usize = 10;
    const COLUMNS: &'static [Col] = &[
        Column {
            sorting: Sorting::Text,
            in_report: true,
            ..Col::words("seller_id", "Seller", 7, 9, |s, _| {
                Cell::Text(Some(&s.seller_id))
            })
        },
        Column {
            in_report: true,
            ..Col::words("seller_name", "Name", 16, 6, |s, _| {
                Cell::Text(Some(&s.seller_name))
            })
        },
        Column {
            tone: Tone::Muted,
            in_report: true,
            ..Col::words("marketplace_id", "Mkt", 5, 3, |s, _| {
                Cell::Text(Some(&s.marketplace_id))
            })
        },
        Column {
            sorting: Sorting::Numbers,
            tone: Tone::MutedWhenFew,
            in_report: true,
            ..Col::number("orders", "Orders", 7, 8, |s, _| Cell::Count(s.stats.orders))
        },
        Column {
            tone: Tone::MutedWhenFew,
            in_report: true,
            ..Col::number("labelled", "Lab.", 6, 7, |s, _| {
                Cell::Count(s.stats.labelled)
            })
        },
        Column {
            tone: Tone::Muted,
            in_report: true,
            ..Col::number("return_rate", "Return", 7, 1, |s, _| {
                Cell::Share(s.stats.return_rate)
            })
        },
        Column {
            in_report: true,
            ..Col::number("return_rate_shrunk", "Ret EB", 7, 2, |s, _| {
                Cell::Share(s.stats.return_rate_shrunk)
            })
        },
        Column {
            sorting: Sorting::Numbers,
            ..Col::number("return_rate_above", "Ret+", 6, 7, |s, _| {
                Cell::Points(s.stats.return_rate_above)
            })
        },
        Column {
            source: Source::Scores,
            tone: Tone::Muted,
            in_report: true,
            ..Col::number("mean_risk", "Risk", 6, 3, |s, _| {
                Cell::Share(s.stats.mean_risk)
            })
        },
        Column {
            source: Source::Scores,
            tone: Tone::ByBand,
            in_report: true,
            ..Col::number("mean_risk_shrunk", "Risk EB", 8, 8, |s, _| {
                Cell::Share(s.stats.mean_risk_shrunk)
            })
        },
        Column {
            sorting: Sorting::Numbers,
            source: Source::Scores,
            in_report: true,
            ..Col::number("mean_risk_above", "Risk+", 6, 9, |s, _| {
                Cell::Points(s.stats.mean_risk_above)
            })
        },
        Column {
            sorting: Sorting::Numbers,
            source: Source::Scores,
            tone: Tone::ByBand,
            in_report: true,
            ..Col::words("band", "Band", 6, 6, |_, x| Cell::Band(x.band))
        },
        Column {
            sorting: Sorting::Numbers,
            ..Col::number("excess_returns", "Excess", 7, 5, |s, _| {
                Cell::Number(s.stats.excess_returns, 1)
            })
        },
        Column {
            sorting: Sorting::Numbers,
            source: Source::Scores,
            ..Col::number("expected_returns", "Exp.ret", 7, 4, |s, _| {
                Cell::Number(s.stats.expected_returns, 1)
            })
        },
        Column {
            sorting: Sorting::RawMean,
            ..Col::number("mean_risk_change", "ΔRisk", 6, 5, |_, x| {
                Cell::Points(x.risk_change)
            })
        },
        Column {
            sorting: Sorting::Numbers,
            source: Source::Scores,
            ..Col::number("revenue_at_risk", "At risk", 8, 2, |s, _| {
                Cell::Money(s.stats.revenue_at_risk)
            })
        },
        Column {
            sorting: Sorting::RawMean,
            source: Source::Scores,
            in_report: true,
            ..Col::number("high_risk_share", "High", 6, 4, |s, _| {
                Cell::Share(s.stats.high_risk_share)
            })
        },
        Column {
            sorting: Sorting::RawMean,
            in_report: true,
            ..Col::number("cod_share", "COD", 6, 2, |s, _| Cell::Share(s.cod_share))
        },
        Column {
            sorting: Sorting::RawMean,
            in_report: true,
            ..Col::number("mean_rating", "Rating", 6, 2, |s, _| {
                Cell::Number(s.mean_rating, 2)
            })
        },
        Column {
            sorting: Sorting::RawMean,
            source: Source::Scores,
            in_report: true,
            over_window: true,
            ..Col::number("risk_slope", "Trend", 9, 4, |s, _| Cell::Trend {
                slope: s.stats.risk_slope,
                margin: s.stats.risk_slope_margin,
            })
        },
        Column {
            source: Source::Scores,
            tone: Tone::Muted,
            in_report: true,
            ..Col::words("model", "Model", 7, 1, |s, _| {
                Cell::Text(s.model.as_deref())
            })
        },
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_the_default_sort_is_risk_above() {
        let cols = SellerTable::COLUMNS;
        let mut ids: Vec<&str> = cols.iter().map(|c| c.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), cols.len());
        assert_eq!(cols[SellerTable::DEFAULT_SORT].id, "mean_risk_above");
        assert!(SellerTable::sort_column("band").is_some());
        assert!(SellerTable::sort_column("seller_name").is_none());
        assert!(SellerTable::sort_ids().ends_with(", mean_rating or risk_slope"));
    }
}
