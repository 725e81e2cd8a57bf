//! `report`: the marketplace snapshot as a text table or long-format CSV.

use super::{num, opt, pct, table, trend_arrow};
use crate::engine::category_columns::{CategoryExtra, CategoryTable};
use crate::engine::columns::{Cell, Table};
use crate::engine::seller_columns::{SellerExtra, SellerTable};
use crate::engine::{Engine, Snapshot};
use crate::text::clean;
use crate::text::csv_field;
use std::fmt::Write as _;

/// `report` as text.
pub fn snapshot_table(s: &Snapshot, engine: &Engine, max_sellers: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Marketplace {} | window {} ({} .. {}, as of the latest order){}",
        s.marketplace,
        s.window,
        s.start,
        s.as_of,
        if s.scored {
            ""
        } else {
            " | risk n/a: models not trained"
        }
    );
    if let Some(label) = &s.label_definition {
        let _ = writeln!(
            out,
            "Label: {label}; every {} below is this rate",
            s.label_noun.rate()
        );
    }
    if let Some(m) = &s.marketplace_definition {
        let _ = writeln!(out, "Marketplaces: {m}");
    }
    if let Some(p) = &s.previous {
        let _ = writeln!(out, "{}", p.summary(s));
    }
    if let Some(p) = &s.pending_returns {
        let _ = writeln!(
            out,
            "Pending: {} orders; expected {} {:.0} (90%: {}-{}{}), value at risk {:.0}{}",
            p.orders,
            s.label_noun.plural,
            p.expected,
            p.low,
            p.high,
            if p.exact { "" } else { ", normal approx." },
            p.revenue_at_risk,
            s.currency
                .as_ref()
                .map_or(String::new(), |c| format!(" {c}"))
        );
    }
    let health = match (s.health_score, s.health.band) {
        (Some(h), Some(b)) if s.health.held.is_empty() => format!("{h:.0}/100 ({b})"),
        (Some(h), Some(b)) => format!("{h:.0}/100 ({b}: {})", held_words(&s.health.held)),
        _ => "n/a".into(),
    };
    let kpis = vec![
        vec!["Health score".into(), health],
        vec!["Orders".into(), s.total_orders.to_string()],
        vec!["Sellers".into(), s.total_sellers.to_string()],
        vec![
            format!("Labelled / {} / pending", s.label_noun.plural),
            format!(
                "{} / {} / {}",
                s.labelled_orders, s.returned_orders, s.pending_orders
            ),
        ],
        vec![
            "Never labelled".into(),
            format!(
                "{} (older than the {}-day label latency)",
                s.never_labelled_orders,
                s.label_latency_days.map_or("n/a".into(), |d| d.to_string())
            ),
        ],
        vec![s.label_noun.rate_title(), pct(s.return_rate)],
        vec!["Mean risk".into(), pct(s.mean_risk)],
        vec![
            "High-risk orders".into(),
            format!(
                "{} ({})",
                s.high_risk_orders.map_or("n/a".into(), |v| v.to_string()),
                pct(s.high_risk_share)
            ),
        ],
        vec!["Peak risk".into(), pct(s.peak_risk)],
        vec![
            match &s.currency {
                Some(c) => format!("Revenue at risk ({c})"),
                None => "Revenue at risk".into(),
            },
            num(s.revenue_at_risk, 2),
        ],
        vec!["Risk trend (pts/30d)".into(), trend_arrow(s.risk_slope)],
    ];
    out.push_str(&table(&["Metric", "Value"], &kpis));
    out.push('\n');
    let categories = s
        .categories
        .iter()
        .map(|c| (c, CategoryExtra::of(c, engine, None)));
    out.push_str(&column_table::<CategoryTable>(s, categories));
    out.push('\n');
    let sellers = s
        .sellers
        .iter()
        .take(max_sellers)
        .map(|x| (x, SellerExtra::of(x, engine, None)));
    let sellers = column_table::<SellerTable>(s, sellers);
    let _ = writeln!(
        out,
        "Top {} of {} sellers by Risk+ (points the mean risk is surely above its marketplace's)",
        s.sellers.len().min(max_sellers),
        s.sellers.len()
    );
    out.push_str(&sellers);
    out.push('\n');
    let _ = writeln!(out, "Alerts ({})", s.alerts.len());
    for a in &s.alerts {
        let _ = writeln!(out, "  [{:?}] {}", a.severity, clean(&a.message));
    }
    out
}

/// `rows` in the columns of `T` the report shows, headed in the data's words.
fn column_table<'a, T: Table>(
    s: &Snapshot,
    rows: impl Iterator<Item = (&'a T::Row, T::Extra)>,
) -> String {
    let columns: Vec<_> = T::COLUMNS.iter().filter(|c| c.in_report).collect();
    let headers: Vec<String> = columns
        .iter()
        .map(|c| s.label_noun.header(c.header).into_owned())
        .collect();
    let rows: Vec<Vec<String>> = rows
        .map(|(row, extra)| {
            columns
                .iter()
                .map(|c| cell_text((c.cell)(row, &extra)))
                .collect()
        })
        .collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    table(&headers, &rows)
}

/// A cell as the report's tables write it ("n/a" when unknown).
fn cell_text(c: Cell) -> String {
    match c {
        Cell::Text(t) => t.unwrap_or("n/a").to_string(),
        Cell::Count(n) => n.to_string(),
        Cell::Share(v) => pct(v),
        Cell::Points(v) => pts(v),
        Cell::Number(v, d) => num(v, usize::from(d)),
        Cell::Money(v) => num(v, 0),
        Cell::Trend { slope, .. } => trend_arrow(slope),
        Cell::Band(b) => b.map_or("n/a", |b| b.as_str()).to_string(),
    }
}

/// Points above (`+4.2`), `n/a` when unknown.
fn pts(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |v| crate::text::signed(100.0 * v, 1))
}

/// A group's evidence and shrunk figures as CSV rows.
fn evidence_rows(
    row: &mut impl FnMut(&str, &str, &str, String),
    section: &str,
    id: &str,
    g: &crate::engine::GroupStats,
) {
    row(section, id, "labelled", g.labelled.to_string());
    row(section, id, "returned", g.returned.to_string());
    row(section, id, "return_rate_shrunk", opt(g.return_rate_shrunk));
    row(section, id, "mean_risk_shrunk", opt(g.mean_risk_shrunk));
    row(section, id, "return_rate_above", opt(g.return_rate_above));
    row(section, id, "mean_risk_above", opt(g.mean_risk_above));
    row(section, id, "excess_returns", opt(g.excess_returns));
}

/// `report` as long-format CSV: `section,id,metric,value`.
pub fn snapshot_csv(s: &Snapshot) -> String {
    let mut out = String::from("section,id,metric,value\n");
    let mut row = |section: &str, id: &str, metric: &str, value: String| {
        let _ = writeln!(
            out,
            "{section},{},{metric},{}",
            csv_field(id),
            csv_field(&value)
        );
    };
    for (k, v) in [
        ("window", s.window.clone()),
        ("as_of", s.as_of.clone()),
        ("marketplace", s.marketplace.clone()),
        ("total_orders", s.total_orders.to_string()),
        ("total_sellers", s.total_sellers.to_string()),
        ("labelled_orders", s.labelled_orders.to_string()),
        ("returned_orders", s.returned_orders.to_string()),
        ("pending_orders", s.pending_orders.to_string()),
        ("return_rate", opt(s.return_rate)),
        ("mean_risk", opt(s.mean_risk)),
        (
            "high_risk_orders",
            s.high_risk_orders
                .map(|v| v.to_string())
                .unwrap_or_default(),
        ),
        ("high_risk_share", opt(s.high_risk_share)),
        ("peak_risk", opt(s.peak_risk)),
        ("revenue_at_risk", opt(s.revenue_at_risk)),
        ("health_score", opt(s.health_score)),
    ] {
        row("summary", "", k, v);
    }
    for t in &s.trend {
        row("trend", &t.date, "orders", t.orders.to_string());
        row("trend", &t.date, "returned", t.returned.to_string());
        row("trend", &t.date, "mean_risk", opt(t.mean_risk));
    }
    for c in &s.categories {
        row(
            "category",
            &c.category,
            "orders",
            c.stats.orders.to_string(),
        );
        evidence_rows(&mut row, "category", &c.category, &c.stats);
        row(
            "category",
            &c.category,
            "return_rate",
            opt(c.stats.return_rate),
        );
        row("category", &c.category, "mean_risk", opt(c.stats.mean_risk));
        row(
            "category",
            &c.category,
            "high_risk_share",
            opt(c.stats.high_risk_share),
        );
    }
    for x in &s.sellers {
        row("seller", &x.seller_id, "orders", x.stats.orders.to_string());
        evidence_rows(&mut row, "seller", &x.seller_id, &x.stats);
        row(
            "seller",
            &x.seller_id,
            "return_rate",
            opt(x.stats.return_rate),
        );
        row("seller", &x.seller_id, "mean_risk", opt(x.stats.mean_risk));
        row(
            "seller",
            &x.seller_id,
            "high_risk_share",
            opt(x.stats.high_risk_share),
        );
        row("seller", &x.seller_id, "cod_share", opt(x.cod_share));
        row(
            "seller",
            &x.seller_id,
            "model",
            x.model.clone().unwrap_or_default(),
        );
    }
    for (i, a) in s.alerts.iter().enumerate() {
        row(
            "alert",
            &(i + 1).to_string(),
            &format!("{:?}", a.severity).to_lowercase(),
            a.message.clone(),
        );
    }
    out
}

/// Why a good health score reads "warning", in words.
pub fn held_words(held: &[returnrisk_core::engine::HealthHold]) -> String {
    held.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
