//! Sellers tab: the sortable, filterable table of sellers in the window, or of one category
//! (after Enter on a category: a chip in the title, Esc goes back to Categories).

use super::{band_style, risk_placeholder};
use crate::app::App;
use crate::export::{ExportTable, opt};
use crate::page::{Goto, Page};
use crate::table::{SortKey, TableView, cycle, matches, opt_cmp, text_cmp};
use crate::widgets::{
    Col, TableText, above, col, int, num, pct, points, relabel, sorted, table, trend,
};
use ratatui::Frame;
use ratatui::layout::Rect;
use returnrisk_core::config::RiskLabel;
use returnrisk_core::engine::{SellerStats, Snapshot};

/// What the sellers table is ordered by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SellerSort {
    /// Mean predicted risk, shrunk toward the marketplace by its evidence.
    #[default]
    Risk,
    /// Excess returns: orders x (shrunk return rate - the marketplace's).
    Excess,
    /// Expected returns (the sum of risk): the seller's weight in the returns to come.
    Expected,
    /// Change of mean risk since the window before, largest rise first.
    Change,
    /// Revenue at risk (risk x price).
    AtRisk,
    /// Orders in the window.
    Orders,
    /// Return rate of labelled orders, shrunk toward the marketplace by its evidence.
    ReturnRate,
    /// Share of high-risk orders.
    High,
    /// Cash-on-delivery share.
    Cod,
    /// Mean rating.
    Rating,
    /// Risk trend.
    Trend,
    /// Seller id, A-Z.
    Seller,
}

impl SortKey for SellerSort {
    const ALL: &'static [Self] = &[
        Self::Risk,
        Self::Excess,
        Self::Expected,
        Self::Change,
        Self::AtRisk,
        Self::Orders,
        Self::ReturnRate,
        Self::High,
        Self::Cod,
        Self::Rating,
        Self::Trend,
        Self::Seller,
    ];

    fn is_text(self) -> bool {
        self == Self::Seller
    }
}

impl SellerSort {
    /// Whether it ranks by a raw mean or share (where a seller with few orders would top
    /// the list by chance; the risk and the return rate are shrunk by their evidence).
    pub fn is_mean(self) -> bool {
        matches!(
            self,
            Self::Change | Self::High | Self::Cod | Self::Rating | Self::Trend
        )
    }
}

/// Sellers with fewer orders than this in the window rank after the others on sorts by a
/// raw mean or share (they are still listed).
pub const MIN_ORDERS_TO_RANK: u64 = 20;

const COLS: [Col<SellerSort>; 20] = [
    sorted("Seller", 7, false, 9, SellerSort::Seller),
    col("Name", 16, false, 6),
    col("Mkt", 5, false, 3),
    sorted("Orders", 7, true, 8, SellerSort::Orders),
    col("Lab.", 6, true, 7),
    col("Return", 7, true, 1),
    col("Ret EB", 7, true, 2),
    sorted("Ret+", 6, true, 7, SellerSort::ReturnRate),
    col("Risk", 6, true, 3),
    col("Risk EB", 8, true, 8),
    sorted("Risk+", 6, true, 9, SellerSort::Risk),
    sorted("Excess", 7, true, 5, SellerSort::Excess),
    sorted("Exp.ret", 7, true, 4, SellerSort::Expected),
    sorted("ΔRisk", 6, true, 5, SellerSort::Change),
    sorted("At risk", 8, true, 2, SellerSort::AtRisk),
    sorted("High", 6, true, 4, SellerSort::High),
    sorted("COD", 6, true, 2, SellerSort::Cod),
    sorted("Rating", 6, true, 2, SellerSort::Rating),
    sorted("Trend", 7, true, 4, SellerSort::Trend),
    col("Model", 7, false, 1),
];

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

    /// The change of `s`'s mean risk since the window before (in its scope).
    pub fn risk_change(&self, s: &SellerStats, app: &App) -> Option<f64> {
        let previous = match &self.scope {
            Some(_) => self.scope_previous.as_ref(),
            None => app.previous.as_ref(),
        }?;
        let i = app.engine.data.seller_index(&s.seller_id)?;
        previous.seller_risk_change(i, s.stats.mean_risk)
    }

    /// The sellers shown: filtered and sorted.
    pub fn rows<'a>(&'a self, app: &'a App) -> Vec<&'a SellerStats> {
        seller_rows(self.source(app), self, app)
    }
}

/// `all` narrowed by the tab's filters (words and band) and sorted.
pub fn seller_rows<'a>(
    all: &'a [SellerStats],
    tab: &SellersTab,
    app: &App,
) -> Vec<&'a SellerStats> {
    let (v, band) = (&tab.view, tab.band);
    let bands = app.engine.bands;
    let label = |s: &SellerStats| s.stats.mean_risk.map(|r| bands.label(r));
    let mut rows: Vec<&SellerStats> = all
        .iter()
        .filter(|s| band.is_none() || label(s) == band)
        .filter(|s| {
            let words = [
                s.seller_id.as_str(),
                &s.seller_name,
                &s.marketplace_id,
                label(s).map_or("", |l| l.as_str()),
            ];
            matches(v.filter(), &words)
        })
        .collect();
    let r = v.reversed;
    let small = |s: &SellerStats| v.sort.is_mean() && s.stats.orders < tab.min_orders;
    rows.sort_by(|a, b| {
        small(a)
            .cmp(&small(b))
            .then_with(|| match v.sort {
                SellerSort::Risk => opt_cmp(a.stats.mean_risk_above, b.stats.mean_risk_above, r),
                SellerSort::Excess => opt_cmp(a.stats.excess_returns, b.stats.excess_returns, r),
                SellerSort::Expected => {
                    opt_cmp(a.stats.expected_returns, b.stats.expected_returns, r)
                }
                SellerSort::AtRisk => opt_cmp(a.stats.revenue_at_risk, b.stats.revenue_at_risk, r),
                SellerSort::Change => opt_cmp(tab.risk_change(a, app), tab.risk_change(b, app), r),
                SellerSort::Orders => {
                    opt_cmp(Some(a.stats.orders as f64), Some(b.stats.orders as f64), r)
                }
                SellerSort::ReturnRate => {
                    opt_cmp(a.stats.return_rate_above, b.stats.return_rate_above, r)
                }
                SellerSort::High => opt_cmp(a.stats.high_risk_share, b.stats.high_risk_share, r),
                SellerSort::Cod => opt_cmp(a.cod_share, b.cod_share, r),
                SellerSort::Rating => opt_cmp(a.mean_rating, b.mean_rating, r),
                SellerSort::Trend => opt_cmp(a.stats.risk_slope, b.stats.risk_slope, r),
                SellerSort::Seller => text_cmp(&a.seller_id, &b.seller_id, r),
            })
            .then_with(|| a.seller_id.cmp(&b.seller_id))
    });
    rows
}

impl Page for SellersTab {
    fn draw(&self, f: &mut Frame, area: Rect, app: &App) {
        let t = &app.theme;
        let ph = risk_placeholder(app);
        let rows = self.rows(app);
        let days = app.snap.trend.len();
        let cells = rows
            .iter()
            .map(|s| {
                let dim_small = if s.stats.orders < self.min_orders {
                    t.dim
                } else {
                    t.text
                };
                vec![
                    (s.seller_id.clone(), t.text),
                    (s.seller_name.clone(), t.text),
                    (s.marketplace_id.clone(), t.dim),
                    (int(s.stats.orders), dim_small),
                    (int(s.stats.labelled), dim_small),
                    (pct(s.stats.return_rate, "n/a"), t.dim),
                    (pct(s.stats.return_rate_shrunk, "n/a"), t.text),
                    (points(s.stats.return_rate_above), t.text),
                    (pct(s.stats.mean_risk, ph), t.dim),
                    (
                        pct(s.stats.mean_risk_shrunk, ph),
                        band_style(app, s.stats.mean_risk_shrunk),
                    ),
                    (above(s.stats.mean_risk_above, ph), t.text),
                    (num(s.stats.excess_returns, 1, "n/a"), t.text),
                    (num(s.stats.expected_returns, 1, ph), t.text),
                    (points(self.risk_change(s, app)), t.text),
                    (
                        s.stats
                            .revenue_at_risk
                            .map_or_else(|| ph.to_string(), |v| int(v.round() as u64)),
                        t.text,
                    ),
                    (pct(s.stats.high_risk_share, ph), t.text),
                    (pct(s.cod_share, "n/a"), t.text),
                    (num(s.mean_rating, 2, "n/a"), t.text),
                    (
                        trend(t, s.stats.risk_slope, s.stats.risk_slope_se, days, ph),
                        t.text,
                    ),
                    (s.model.clone().unwrap_or_else(|| ph.to_string()), t.dim),
                ]
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
        if self.view.sort.is_mean() {
            note.push_str(&format!(" | under {MIN_ORDERS_TO_RANK} orders ranked last"));
        }
        let text = TableText {
            name: "Sellers",
            total: self.source(app).len(),
            note,
            empty: "no sellers with orders in this window",
        };
        table(f, area, t, &relabel(&COLS, app), cells, &self.view, text);
    }

    crate::page::page_table!(view);

    fn rows(&self, app: &App) -> usize {
        self.rows(app).len()
    }

    fn opens(&self) -> bool {
        true
    }

    fn open(&self, app: &App) -> Option<Goto> {
        let s = self.rows(app).get(self.view.cursor.selected).copied()?;
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
        let rows = self
            .rows(app)
            .into_iter()
            .map(|s| {
                vec![
                    category.clone().unwrap_or_default(),
                    s.seller_id.clone(),
                    s.seller_name.clone(),
                    s.marketplace_id.clone(),
                    s.stats.orders.to_string(),
                    s.stats.labelled.to_string(),
                    opt(s.stats.return_rate),
                    opt(s.stats.return_rate_shrunk),
                    opt(s.stats.return_rate_above),
                    opt(s.stats.mean_risk),
                    opt(s.stats.mean_risk_shrunk),
                    opt(s.stats.mean_risk_above),
                    opt(s.stats.excess_returns),
                    opt(s.stats.expected_returns),
                    opt(self.risk_change(s, app)),
                    opt(s.stats.revenue_at_risk),
                    opt(s.stats.high_risk_share),
                    opt(s.cod_share),
                    opt(s.mean_rating),
                    opt(s.stats.risk_slope),
                    s.model.clone().unwrap_or_default(),
                ]
            })
            .collect();
        let mut name = vec!["sellers".to_string()];
        name.extend(category);
        name.extend(self.band.map(|b| format!("{b}-risk")));
        Some(ExportTable {
            name,
            header: vec![
                "category",
                "seller_id",
                "seller_name",
                "marketplace_id",
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
                "cod_share",
                "mean_rating",
                "risk_slope",
                "model",
            ],
            rows,
        })
    }

    fn selected_id(&self, app: &App) -> Option<String> {
        let rows = self.rows(app);
        rows.get(self.view.cursor.selected)
            .map(|s| s.seller_id.clone())
    }
}
