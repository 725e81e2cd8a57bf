//! `e`: the focused table, as shown (filtered and sorted), to a CSV file.

use super::app::{ALERTS, App, CATEGORIES, DRIFT, MODELS, SELLERS};
use super::lifecycle::{drift_rows, drift_scope, strength};
use super::views;
use crate::report::csv_field;
use crate::util::write_atomic;

fn opt(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// Writes the focused table and returns the status message (where, or why not).
pub fn export(app: &App) -> String {
    let (name, header, rows): (&str, &str, Vec<Vec<String>>) = if let Some(d) = &app.detail {
        let rows = views::order_rows(&d.detail.orders, &d.filter, &d.list)
            .into_iter()
            .map(|o| {
                vec![
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
        (
            "orders",
            "Order_ID,date,category,price,payment_method,status,risk_score,risk_label",
            rows,
        )
    } else {
        match app.tab {
            SELLERS => (
                "sellers",
                "seller_id,seller_name,marketplace_id,orders,return_rate,mean_risk,high_risk_share,cod_share,mean_rating,risk_slope,model",
                views::seller_rows(app.sellers_source(), &app.lists[0])
                    .into_iter()
                    .map(|s| {
                        vec![
                            s.seller_id.clone(),
                            s.seller_name.clone(),
                            s.marketplace_id.clone(),
                            s.stats.orders.to_string(),
                            opt(s.stats.return_rate),
                            opt(s.stats.mean_risk),
                            opt(s.stats.high_risk_share),
                            opt(s.cod_share),
                            opt(s.mean_rating),
                            opt(s.stats.risk_slope),
                            s.model.clone().unwrap_or_default(),
                        ]
                    })
                    .collect(),
            ),
            CATEGORIES => (
                "categories",
                "category,orders,return_rate,mean_risk,high_risk_share,risk_slope",
                views::category_rows(&app.snap.categories, &app.lists[1])
                    .into_iter()
                    .map(|c| {
                        vec![
                            c.category.clone(),
                            c.stats.orders.to_string(),
                            opt(c.stats.return_rate),
                            opt(c.stats.mean_risk),
                            opt(c.stats.high_risk_share),
                            opt(c.stats.risk_slope),
                        ]
                    })
                    .collect(),
            ),
            ALERTS => (
                "alerts",
                "severity,rule,target,message",
                views::alert_rows(&app.snap.alerts, &app.lists[2])
                    .into_iter()
                    .map(|a| {
                        vec![
                            format!("{:?}", a.severity).to_lowercase(),
                            a.rule.to_string(),
                            views::target_name(&a.target).to_string(),
                            a.message.clone(),
                        ]
                    })
                    .collect(),
            ),
            MODELS => (
                "models",
                "model,scoring,n,roc_auc,brier,vs,delta_brier,versions,decision",
                app.model_rows()
                    .into_iter()
                    .map(|r| {
                        vec![
                            r.model,
                            r.scoring,
                            r.n.map(|n| n.to_string()).unwrap_or_default(),
                            opt(r.roc_auc),
                            opt(r.brier),
                            r.vs,
                            opt(r.delta_brier),
                            r.versions.to_string(),
                            r.decision,
                        ]
                    })
                    .collect(),
            ),
            DRIFT => {
                let scope = drift_scope(app);
                let name = scope.map_or("all", |s| s.marketplace.as_str());
                (
                    "drift",
                    "scope,column,test,score,threshold,strength,drifted",
                    drift_rows(scope, &app.lists[DRIFT - 1])
                        .into_iter()
                        .map(|c| {
                            vec![
                                name.to_string(),
                                c.column.clone(),
                                c.drift.test.name().to_string(),
                                c.drift.score.to_string(),
                                c.drift.threshold.to_string(),
                                strength(c).to_string(),
                                c.drift.drifted.to_string(),
                            ]
                        })
                        .collect(),
                )
            }
            _ => return "nothing to export on this tab: open a table tab".into(),
        }
    };
    let mp = app.marketplace_id().unwrap_or("all");
    let file = app
        .export_dir
        .join(format!("returnrisk-{name}-{}-{mp}.csv", app.window));
    let mut text = format!("{header}\n");
    for r in &rows {
        let cells: Vec<String> = r.iter().map(|c| csv_field(c)).collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    let shown = std::path::absolute(&file).unwrap_or(file.clone());
    match write_atomic(&file, text.as_bytes()) {
        Ok(()) => format!("exported {} rows to {}", rows.len(), shown.display()),
        Err(e) => format!("export failed: {}: {e}", shown.display()),
    }
}
