//! The seller drill-down: KPIs, model metrics, risk trend, explanations and drivers, and the
//! seller's orders (newest first, filterable by category, status, payment and risk band; a
//! category carried from the list it was opened from is a chip in the title).

use super::{risk_placeholder, sparkline};
use crate::app::App;
use crate::export::{ExportTable, opt};
use crate::page::{Goto, Page};
use crate::query::Field;
use crate::table::{SortKey, TableView, cycle, opt_cmp};
use crate::widgets::{Col, TableText, block, col, int, num, pct, sorted, table, trend_in_words};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use returnrisk_core::config::RiskLabel;
use returnrisk_core::engine::forecast::{SELLER_MIN_DAYS, SELLER_MIN_PER_DAY, ScopeForecast};
use returnrisk_core::engine::seller::SELLER_FORECAST_DAYS;
use returnrisk_core::engine::{OrderRow, OrderStatus, SellerDetail};

/// What the orders table is ordered by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OrderSort {
    /// Date, newest first.
    #[default]
    Date,
    /// Risk, highest first.
    Risk,
    /// Price, highest first.
    Price,
}

impl SortKey for OrderSort {
    const ALL: &'static [Self] = &[Self::Date, Self::Risk, Self::Price];
}

const COLS: [Col<OrderSort>; 8] = [
    col("Order", 12, false, 9),
    sorted("Date", 10, false, 8, OrderSort::Date),
    col("Category", 11, false, 6),
    sorted("Price", 8, true, 5, OrderSort::Price),
    col("Pay", 6, false, 4),
    col("Status", 8, false, 7),
    sorted("Risk", 7, true, 9, OrderSort::Risk),
    col("Label", 6, false, 8),
];

/// The drill-down's order filters (each a chip in the title).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderFilter {
    /// Only this category.
    pub category: Option<String>,
    /// Only orders with this status.
    pub status: Option<OrderStatus>,
    /// Only this payment method.
    pub payment: Option<String>,
    /// Only orders whose risk is in this band.
    pub band: Option<RiskLabel>,
}

impl OrderFilter {
    /// Whether any filter is set.
    pub fn is_empty(&self) -> bool {
        *self == OrderFilter::default()
    }

    /// The chips, in words.
    pub fn chips(&self) -> Vec<String> {
        let mut chips = Vec::new();
        if let Some(c) = &self.category {
            chips.push(format!("category {c}"));
        }
        if let Some(s) = self.status {
            chips.push(s.to_string());
        }
        if let Some(p) = &self.payment {
            chips.push(p.clone());
        }
        if let Some(b) = self.band {
            chips.push(format!("{b} risk"));
        }
        chips
    }
}

/// The open drill-down of one seller.
#[derive(Clone, Debug)]
pub struct SellerView {
    /// The engine's answer.
    pub detail: SellerDetail,
    /// The orders table.
    pub view: TableView<OrderSort>,
    /// Order filters.
    pub filter: OrderFilter,
    /// The alert that led here, if one did.
    pub alert: Option<String>,
    /// The order pane, open over the drill-down.
    pub pane: Option<super::order::OrderPane>,
    /// The drivers by contribution (computed in the background).
    pub contrib: Option<crate::drivers::ContribState>,
    /// Its orders read from the lake (a dashboard on a cube built elsewhere).
    pub lake: Option<crate::lake::LakeOrders>,
}

impl SellerView {
    /// A drill-down on `detail`, its orders narrowed to `category` when given.
    pub fn new(detail: SellerDetail, category: Option<String>, alert: Option<String>) -> Self {
        SellerView {
            detail,
            view: TableView::default(),
            filter: OrderFilter {
                category,
                ..OrderFilter::default()
            },
            alert,
            pane: None,
            contrib: None,
            lake: None,
        }
    }

    /// The orders shown: the filters, the live filter, the sort.
    pub fn rows(&self) -> Vec<&OrderRow> {
        order_rows(&self.detail.orders, &self.filter, &self.view)
    }

    /// Cycles one of the order filters through the values the seller's orders have.
    pub fn cycle_filter(&mut self, which: OrderFilterKind, payments: &[String]) {
        let f = &mut self.filter;
        match which {
            OrderFilterKind::Category => {
                let mut cats: Vec<String> = self
                    .detail
                    .orders
                    .iter()
                    .map(|o| o.category.clone())
                    .collect();
                cats.sort();
                cats.dedup();
                f.category = cycle(&f.category, &cats);
            }
            OrderFilterKind::Status => f.status = cycle(&f.status, OrderStatus::ALL),
            OrderFilterKind::Payment => f.payment = cycle(&f.payment, payments),
        }
        self.view.cursor.reset();
    }
}

/// Which order filter a key cycles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderFilterKind {
    /// Category.
    Category,
    /// Returned / kept / pending.
    Status,
    /// Payment method.
    Payment,
}

/// The fields `/` can name on the drill-down's orders.
pub const ORDER_FIELDS: [Field; 4] = [Field::Cat, Field::Status, Field::Band, Field::Pay];

/// The seller's orders after the drill-down filters, the live filter and the sort.
pub fn order_rows<'a>(
    all: &'a [OrderRow],
    f: &OrderFilter,
    v: &TableView<OrderSort>,
) -> Vec<&'a OrderRow> {
    let q = v.query();
    let mut rows: Vec<&OrderRow> = all
        .iter()
        .filter(|o| f.category.as_ref().is_none_or(|c| &o.category == c))
        .filter(|o| f.status.is_none_or(|s| o.status == s))
        .filter(|o| {
            f.payment
                .as_ref()
                .is_none_or(|p| o.payment_method.as_ref() == Some(p))
        })
        .filter(|o| f.band.is_none() || o.risk_label == f.band)
        .filter(|o| {
            let band = o.risk_label.map_or("", |l| l.as_str());
            let pay = o.payment_method.as_deref().unwrap_or("");
            let words = [
                o.order_id.as_str(),
                &o.category,
                o.status.as_str(),
                band,
                pay,
            ];
            let fields = [
                (Field::Cat, o.category.as_str()),
                (Field::Status, o.status.as_str()),
                (Field::Band, band),
                (Field::Pay, pay),
            ];
            q.matches(&words, &fields)
        })
        .collect();
    let r = v.reversed;
    match v.sort {
        OrderSort::Date if !r => {} // the engine lists newest first
        OrderSort::Date => rows.reverse(),
        OrderSort::Risk => rows.sort_by(|a, b| opt_cmp(a.risk_score, b.risk_score, r)),
        OrderSort::Price => rows.sort_by(|a, b| opt_cmp(Some(a.price), Some(b.price), r)),
    }
    rows
}

impl Page for SellerView {
    fn draw(&self, f: &mut Frame, area: Rect, app: &App) {
        draw(self, f, area, app);
    }

    crate::page::page_table!(view);

    fn rows(&self, _app: &App) -> usize {
        self.rows().len()
    }

    fn banded(&self) -> bool {
        true
    }

    fn open(&self, _app: &App) -> Option<Goto> {
        let rows = self.rows();
        let o = rows.get(self.view.cursor.selected)?;
        Some(Goto::Order(o.order_id.clone()))
    }

    fn opens(&self) -> bool {
        true
    }

    fn cycle_band(&mut self) {
        self.filter.band = cycle(
            &self.filter.band,
            &[RiskLabel::High, RiskLabel::Medium, RiskLabel::Low],
        );
        self.view.cursor.reset();
    }

    fn export(&self, _app: &App) -> Option<ExportTable> {
        let d = &self.detail;
        let rows = self
            .rows()
            .into_iter()
            .map(|o| {
                vec![
                    d.seller_id.clone(),
                    o.order_id.clone(),
                    o.date.clone(),
                    o.category.clone(),
                    o.price.to_string(),
                    o.payment_method.clone().unwrap_or_default(),
                    o.status.to_string(),
                    opt(o.risk_score),
                    o.risk_label.map_or("", |l| l.as_str()).to_string(),
                ]
            })
            .collect();
        let mut name = vec!["orders".to_string(), d.seller_id.clone()];
        name.extend(
            self.filter
                .chips()
                .iter()
                .map(|c| c.strip_prefix("category ").unwrap_or(c).to_string()),
        );
        Some(ExportTable {
            name,
            header: vec![
                "seller_id",
                "Order_ID",
                "date",
                "category",
                "price",
                "payment_method",
                "status",
                "risk_score",
                "risk_label",
            ],
            rows,
        })
    }

    fn selected_id(&self, _app: &App) -> Option<String> {
        let rows = self.rows();
        rows.get(self.view.cursor.selected)
            .map(|o| o.order_id.clone())
    }
}

/// The seller's returns to come, in two short lines: from its pending orders, and from its
/// orders of the next days (or why there is no volume forecast).
fn forecast_lines(fc: &ScopeForecast, ph: &str, plural: &str) -> Vec<Line<'static>> {
    let pending = match &fc.pending {
        Some(p) => format!(
            "Pending {}: {:.1} {plural} ({}-{})",
            p.orders, p.expected, p.low, p.high
        ),
        None => format!("Pending: {plural} {ph}"),
    };
    let next = match &fc.volume {
        Some(v) => format!(
            "Next {}d: {:.0} orders ({:.0}-{:.0}), {plural} {}",
            v.days.len(),
            v.orders,
            v.orders_low,
            v.orders_high,
            match (v.returns, v.returns_low, v.returns_high) {
                (Some(m), Some(l), Some(h)) => format!("{m:.1} ({l:.0}-{h:.0})"),
                _ => ph.to_string(),
            }
        ),
        None => format!(
            "Next {SELLER_FORECAST_DAYS}d: n/a (under {SELLER_MIN_DAYS} days at {SELLER_MIN_PER_DAY} orders/day)"
        ),
    };
    vec![Line::from(pending), Line::from(next)]
}

fn draw(dv: &SellerView, f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let d = &dv.detail;
    let ph = risk_placeholder(app);
    let tall = area.height >= 30;
    let top_height = if tall { 8 } else { 6 };
    // The Why panel: 60% of the width (75% on a narrow screen, where its drivers need the
    // room more than the sparkline), as tall as its lines (a rising seller's change
    // explanation too) while the orders keep 8 rows (5 on a short screen).
    let why_share = if area.width < 100 { 75 } else { 60 };
    let split = Layout::horizontal([
        Constraint::Percentage(100 - why_share),
        Constraint::Percentage(why_share),
    ]);
    let [_, why_width] = split.areas(area);
    let width = usize::from(why_width.width.saturating_sub(2));
    let room = area
        .height
        .saturating_sub(top_height + if tall { 10 } else { 5 });
    let why = super::why::WhyPanel {
        detail: d,
        alert: dv.alert.as_deref(),
        contrib: dv.contrib.as_ref(),
        noun: &app.snap.label_noun,
    }
    .lines(t, width, usize::from(room.saturating_sub(2)));
    let mid_height = (why.len() as u16 + 2)
        .min(room)
        .max(if tall { 9 } else { 6 });
    let [top, mid, orders] = Layout::vertical([
        Constraint::Length(top_height),
        Constraint::Length(mid_height),
        Constraint::Min(5),
    ])
    .areas(area);

    // KPIs and model metrics.
    let [kpi_area, model_area] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);
    let kpis: Vec<Line> = match &d.stats {
        None => vec![Line::from("no orders in this window")],
        Some(s) => vec![
            Line::from(format!(
                "Orders {}  {} {}/{} ({})",
                int(s.stats.orders),
                app.snap.label_noun.plural_title(),
                s.stats.returned,
                s.stats.labelled,
                pct(s.stats.return_rate, "n/a")
            )),
            Line::from(format!(
                "Risk {}  High {}  Trend {}",
                pct(s.stats.mean_risk, ph),
                pct(s.stats.high_risk_share, ph),
                trend_in_words(
                    t,
                    s.stats.risk_slope,
                    s.stats.risk_slope_margin,
                    d.trend.len(),
                    ph
                )
            )),
            Line::from(format!(
                "COD {}  Rating {}  Delivery {} d",
                pct(s.cod_share, "n/a"),
                num(s.mean_rating, 2, "n/a"),
                num(s.mean_delivery_days, 1, "n/a")
            )),
        ],
    };
    let mut kpis = kpis;
    kpis.extend(forecast_lines(&d.forecast, ph, &app.snap.label_noun.plural));
    let title = format!(" {} {} | {} ", d.seller_id, d.seller_name, d.marketplace_id);
    f.render_widget(Paragraph::new(kpis).block(block(t, title)), kpi_area);
    let metrics: Vec<Line> = match &d.model_metrics {
        None => vec![Line::from(ph)],
        Some(m) => vec![
            Line::from(format!(
                "ROC AUC {}  PR AUC {}",
                num(m.roc_auc, 3, "n/a"),
                num(m.pr_auc, 3, "n/a")
            )),
            Line::from(format!(
                "Brier {}  Acc {}  P {}  R {}  F1 {}",
                num(m.brier, 3, "n/a"),
                num(m.accuracy, 2, "n/a"),
                num(m.precision, 2, "n/a"),
                num(m.recall, 2, "n/a"),
                num(m.f1, 2, "n/a")
            )),
            Line::from(format!(
                "thr {:.3} | n {}/{} | test {}",
                m.threshold,
                m.n_train,
                m.n_test,
                m.test_start.as_deref().unwrap_or("n/a")
            )),
        ],
    };
    let model_title = format!(" Model: {} ", d.model.as_deref().unwrap_or(ph));
    f.render_widget(
        Paragraph::new(metrics).block(block(t, model_title)),
        model_area,
    );

    // Trend and explanations.
    let [trend_area, why_area] = split.areas(mid);
    let series: Vec<Option<f64>> = d.trend.iter().map(|p| p.mean_risk).collect();
    let dates = (
        d.trend.first().map_or("", |p| p.date.as_str()),
        d.trend.last().map_or("", |p| p.date.as_str()),
    );
    sparkline(f, trend_area, app, " Daily mean risk ", &series, dates);
    f.render_widget(
        Paragraph::new(why).block(block(t, " Why (vs marketplace) ")),
        why_area,
    );

    // Orders.
    let rows = dv.rows();
    let cells = rows
        .iter()
        .map(|o| {
            let label_style = match o.risk_label {
                Some(RiskLabel::High) => t.crit,
                Some(RiskLabel::Medium) => t.warn,
                _ => t.text,
            };
            let status_style = if o.status == OrderStatus::Returned {
                t.warn
            } else {
                t.text
            };
            vec![
                (o.order_id.clone(), t.text),
                (o.date.clone(), t.dim),
                (o.category.clone(), t.text),
                (format!("{:.2}", o.price), t.text),
                (
                    o.payment_method.clone().unwrap_or_else(|| "n/a".into()),
                    t.text,
                ),
                (o.status.to_string(), status_style),
                (
                    o.risk_score
                        .map_or_else(|| ph.to_string(), |r| app.engine.bands.percent(r)),
                    t.text,
                ),
                (
                    o.risk_label.map_or("", |l| l.as_str()).to_string(),
                    label_style,
                ),
            ]
        })
        .collect();
    let chips: String = dv
        .filter
        .chips()
        .iter()
        .map(|c| format!(" [{c} ✕]"))
        .collect();
    let clear = if dv.filter.is_empty() {
        ""
    } else {
        " x clears"
    };
    let text = TableText {
        name: "Orders",
        total: d.orders.len(),
        note: format!("{chips}{clear}"),
        empty: dv
            .lake
            .as_ref()
            .and_then(crate::lake::LakeOrders::message)
            .unwrap_or("no orders in this window"),
        no_match: dv.view.query().foreign(&ORDER_FIELDS),
    };
    table(f, orders, t, &COLS, cells, &dv.view, text);
}
