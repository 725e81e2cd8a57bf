//! The seller drill-down: KPIs, model metrics, risk trend, explanations and drivers, and the
//! seller's orders (newest first, filterable by category, status and payment).

use super::risk_placeholder;
use crate::config::RiskLabel;
use crate::engine::{ExplanationRule, OrderStatus};
use crate::tui::app::App;
use crate::tui::tabs::marketplace::ASCII_BARS;
use crate::tui::views::{ORDER_SORTS, order_rows};
use crate::tui::widgets::{Col, block, col, int, num, pct, resample, table, trend};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

const COLS: [Col; 8] = [
    col("Order", 12, false, 9),
    col("Date", 10, false, 8),
    col("Category", 11, false, 6),
    col("Price", 8, true, 5),
    col("Pay", 6, false, 4),
    col("Status", 8, false, 7),
    col("Risk", 9, true, 9),
    col("Label", 6, false, 8),
];

/// Formats an explanation's value.
type Formatter = fn(Option<f64>) -> String;

/// Draws the drill-down into `area`.
pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let Some(dv) = &app.detail else { return };
    let t = &app.theme;
    let d = &dv.detail;
    let ph = risk_placeholder(app);
    let tall = area.height >= 30;
    let [top, mid, orders] = Layout::vertical([
        Constraint::Length(if tall { 8 } else { 6 }),
        Constraint::Length(if tall { 9 } else { 6 }),
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
                "Orders {}  Returns {}/{} ({})",
                int(s.stats.orders),
                s.stats.returned,
                s.stats.labelled,
                pct(s.stats.return_rate, "n/a")
            )),
            Line::from(format!(
                "Risk {}  High {}  Trend {}",
                pct(s.stats.mean_risk, ph),
                pct(s.stats.high_risk_share, ph),
                trend(t, s.stats.risk_slope, ph)
            )),
            Line::from(format!(
                "COD {}  Rating {}  Delivery {} d",
                pct(s.cod_share, "n/a"),
                num(s.mean_rating, 2, "n/a"),
                num(s.mean_delivery_days, 1, "n/a")
            )),
        ],
    };
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
    let [trend_area, why_area] =
        Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(mid);
    let b = block(t, " Daily mean risk ");
    let inner = b.inner(trend_area);
    f.render_widget(b, trend_area);
    let series: Vec<Option<f64>> = d.trend.iter().map(|p| p.mean_risk).collect();
    let mut spark = Sparkline::default()
        .data(resample(&series, inner.width as usize))
        .style(t.bar)
        .absent_value_symbol(" ");
    if t.ascii {
        spark = spark.bar_set(ASCII_BARS);
    }
    f.render_widget(spark, inner);
    let mut why: Vec<Line> = d
        .explanations
        .iter()
        .map(|e| {
            let (mark, style) = if e.triggered {
                ("! ", t.crit)
            } else {
                ("  ", t.dim)
            };
            let (label, fmt, rule): (&str, Formatter, String) = match e.rule {
                ExplanationRule::ReturnRate => (
                    "Return rate",
                    |v| pct(v, "n/a"),
                    format!(">{:.0}%", 100.0 * e.threshold),
                ),
                ExplanationRule::CodShare => (
                    "COD share",
                    |v| pct(v, "n/a"),
                    format!(">{:.0}%", 100.0 * e.threshold),
                ),
                ExplanationRule::Rating => (
                    "Rating",
                    |v| num(v, 2, "n/a"),
                    format!("<{:.1}", e.threshold),
                ),
                ExplanationRule::MeanRisk => (
                    "Mean risk",
                    |v| pct(v, "n/a"),
                    format!(">{:.0}%", 100.0 * e.threshold),
                ),
            };
            if !e.applicable {
                return Line::from(vec![
                    Span::styled(mark, style),
                    Span::styled(format!("{label:<12}not applicable: no such column"), t.dim),
                ]);
            }
            Line::from(vec![
                Span::styled(mark, style),
                Span::raw(format!(
                    "{label:<12}{:>7} vs {:>6} {}",
                    fmt(e.value),
                    fmt(e.marketplace_value),
                    d.marketplace_id
                )),
                Span::styled(format!("  rule {rule}"), t.dim),
            ])
        })
        .collect();
    if !d.drivers.is_empty() {
        let names: Vec<String> = d
            .drivers
            .iter()
            .map(|x| format!("{} (+{:.3})", x.feature, x.importance))
            .collect();
        why.push(Line::from(vec![
            Span::styled("drivers: ", t.header),
            Span::raw(names.join(", ")),
        ]));
    }
    f.render_widget(
        Paragraph::new(why).block(block(t, " Why (vs marketplace) ")),
        why_area,
    );

    // Orders.
    let rows = order_rows(&d.orders, &dv.filter, &dv.list);
    let n = rows.len();
    let cells = rows
        .into_iter()
        .map(|o| {
            let label_style = match o.risk_label {
                Some(RiskLabel::High) => t.crit,
                Some(RiskLabel::Medium) => t.warn,
                _ => t.text,
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
                (
                    o.status.to_string(),
                    if o.status == OrderStatus::Returned {
                        t.warn
                    } else {
                        t.text
                    },
                ),
                (num(o.risk_score, 3, ph), t.text),
                (
                    o.risk_label.map_or("", |l| l.as_str()).to_string(),
                    label_style,
                ),
            ]
        })
        .collect();
    let f_ = &dv.filter;
    let mut badges = Vec::new();
    if let Some(c) = &f_.category {
        badges.push(format!("category {c}"));
    }
    if let Some(s) = f_.status {
        badges.push(s.to_string());
    }
    if let Some(p) = &f_.payment {
        badges.push(p.to_string());
    }
    let filters = if badges.is_empty() {
        String::new()
    } else {
        format!(" | {}", badges.join(", "))
    };
    let title = Line::from(format!(
        " Orders, newest first ({n} of {}){filters} ",
        d.orders.len()
    ));
    let page = table(
        f,
        orders,
        t,
        title,
        &COLS,
        cells,
        (n > 0).then_some(dv.list.selected),
        Some((ORDER_SORTS[dv.list.sort], dv.list.ascending)),
    );
    app.page_rows.set(page);
}
