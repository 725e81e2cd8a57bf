//! `seller` and `train`: a seller's drill-down and model metrics as text or CSV.

use super::{num, opt, pct, table, trend_arrow};
use crate::engine::SellerDetail;
use crate::model::ModelMetrics;
use crate::text::clean;
use crate::text::csv_field;
use std::fmt::Write as _;

/// Model metrics as table rows.
pub fn metrics_table(models: &[&ModelMetrics]) -> String {
    let rows: Vec<Vec<String>> = models
        .iter()
        .map(|m| {
            vec![
                m.model.clone(),
                m.n_train.to_string(),
                m.n_test.to_string(),
                pct(m.base_rate),
                num(m.roc_auc, 3),
                num(m.pr_auc, 3),
                num(m.brier, 4),
                num(m.accuracy, 3),
                num(m.precision, 3),
                num(m.recall, 3),
                num(m.f1, 3),
                format!("{:.3}", m.threshold),
                m.test_start.clone().unwrap_or_else(|| "n/a".into()),
            ]
        })
        .collect();
    table(
        &[
            "Model",
            "n_train",
            "n_test",
            "Base",
            "ROC AUC",
            "PR AUC",
            "Brier",
            "Acc",
            "Prec",
            "Recall",
            "F1",
            "Thresh",
            "Test from",
        ],
        &rows,
    )
}

/// `seller` as text.
pub fn seller_table(d: &SellerDetail, max_orders: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Seller {} {} ({}) | window {} | as of {}",
        clean(&d.seller_id),
        clean(&d.seller_name),
        clean(&d.marketplace_id),
        d.window,
        d.as_of
    );
    match &d.stats {
        None => {
            let _ = writeln!(out, "No orders in this window.");
        }
        Some(s) => {
            let kpis = vec![
                vec!["Orders".into(), s.stats.orders.to_string()],
                vec![
                    d.label_noun.rate_title(),
                    format!(
                        "{} ({}/{})",
                        pct(s.stats.return_rate),
                        s.stats.returned,
                        s.stats.labelled
                    ),
                ],
                vec!["Mean risk".into(), pct(s.stats.mean_risk)],
                vec!["High-risk share".into(), pct(s.stats.high_risk_share)],
                vec!["COD share".into(), pct(s.cod_share)],
                vec!["Mean rating".into(), num(s.mean_rating, 2)],
                vec!["Mean delivery days".into(), num(s.mean_delivery_days, 1)],
                vec![
                    "Risk trend (pts/30d)".into(),
                    trend_arrow(s.stats.risk_slope),
                ],
                vec![
                    "Scored by".into(),
                    d.model.clone().unwrap_or_else(|| "n/a".into()),
                ],
            ];
            out.push_str(&table(&["Metric", "Value"], &kpis));
        }
    }
    if let Some(m) = &d.model_metrics {
        out.push('\n');
        out.push_str(&metrics_table(&[m]));
    }
    out.push_str("\nExplanations\n");
    for e in &d.explanations {
        let _ = writeln!(
            out,
            "  [{}] {}",
            if e.triggered { "!" } else { " " },
            clean(&e.message)
        );
    }
    if !d.drivers.is_empty() {
        out.push_str("Top model drivers (Brier increase when shuffled)\n");
        for dr in &d.drivers {
            let _ = writeln!(
                out,
                "  {:<22} {:.4}  {}",
                dr.feature,
                dr.importance,
                dr.direction.words()
            );
        }
    }
    let rows: Vec<Vec<String>> = d
        .orders
        .iter()
        .take(max_orders)
        .map(|o| {
            vec![
                o.order_id.clone(),
                o.date.clone(),
                o.category.clone(),
                format!("{:.2}", o.price),
                o.payment_method.clone().unwrap_or_default(),
                o.status.to_string(),
                num(o.risk_score, 3),
                o.risk_label.map_or("n/a", |l| l.as_str()).to_string(),
            ]
        })
        .collect();
    let _ = writeln!(
        out,
        "\nOrders, newest first ({} of {})",
        rows.len(),
        d.orders.len()
    );
    out.push_str(&table(
        &[
            "Order", "Date", "Category", "Price", "Payment", "Status", "Risk", "Label",
        ],
        &rows,
    ));
    out
}

/// `seller` as CSV: its orders.
pub fn seller_csv(d: &SellerDetail) -> String {
    let mut out = String::from(
        "Order_ID,date,Product_Category,Product_Price,Payment_Method,status,risk_score,risk_label\n",
    );
    for o in &d.orders {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{}",
            csv_field(&o.order_id),
            o.date,
            csv_field(&o.category),
            o.price,
            o.payment_method.as_deref().unwrap_or(""),
            o.status,
            opt(o.risk_score),
            o.risk_label.map_or("", |l| l.as_str())
        );
    }
    out
}
