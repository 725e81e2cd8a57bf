//! Text output of the run store, the registry and the pipeline.

use super::{metrics_table, num, table};
use crate::model::compare::RunComparison;
use crate::model::registry::Registry;
use crate::model::runs::RunRecord;
use crate::model::version_state::{registration, version_state};
use crate::model::{GLOBAL, ModelMetrics};
use std::fmt::Write as _;

/// `runs list`: one line per run.
pub fn runs_table(runs: &[RunRecord], reg: &Registry) -> String {
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            let g = r.model(GLOBAL).map(|m| &m.metrics);
            vec![
                r.id.clone(),
                r.started_at.clone(),
                format!("{:.1}", r.train_seconds),
                r.data.orders.to_string(),
                r.data.last_day.clone().unwrap_or_else(|| "n/a".into()),
                r.models.len().to_string(),
                num(g.and_then(|m| m.roc_auc), 3),
                num(g.and_then(|m| m.brier), 4),
                registration(reg, GLOBAL, &r.id),
            ]
        })
        .collect();
    table(
        &[
            "Run", "Started", "Seconds", "Orders", "Last day", "Models", "ROC AUC", "Brier",
            "Global",
        ],
        &rows,
    )
}

/// `runs show`: data, parameters, models with their registration, global importances.
pub fn run_text(r: &RunRecord, reg: &Registry) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Run {}", r.id);
    let _ = writeln!(
        out,
        "Started {}  ended {}  ({:.1} s)",
        r.started_at, r.ended_at, r.train_seconds
    );
    let _ = writeln!(
        out,
        "Data: fingerprint {}, {} orders ({} labelled), {} sellers, {} to {}\n",
        r.fingerprint,
        r.data.orders,
        r.data.labelled,
        r.data.sellers,
        r.data.first_day.as_deref().unwrap_or("n/a"),
        r.data.last_day.as_deref().unwrap_or("n/a"),
    );
    out.push_str("Parameters\n");
    for (k, v) in r.params.entries() {
        let _ = writeln!(out, "  {k:<20} {v}");
    }
    out.push('\n');
    let metrics: Vec<&ModelMetrics> = r.models.iter().map(|m| &m.metrics).collect();
    out.push_str(&metrics_table(&metrics));
    out.push('\n');
    let reg_rows: Vec<Vec<String>> = r
        .models
        .iter()
        .filter_map(|m| {
            let name = &m.metrics.model;
            let entry = reg.models.get(name)?;
            let v = entry.versions.iter().find(|v| v.run_id == r.id)?;
            Some(vec![
                name.clone(),
                format!("v{}", v.version),
                version_state(entry, v.version).to_string(),
                v.reason.clone(),
            ])
        })
        .collect();
    if reg.unchanged_runs.contains(&r.id) {
        out.push_str(
            "Registered, nothing changed: every model is identical to an earlier version.\n",
        );
    } else if reg_rows.is_empty() {
        out.push_str("Not registered.\n");
    } else {
        out.push_str(&table(
            &["Model", "Version", "State", "Decision"],
            &reg_rows,
        ));
    }
    if let Some(g) = r.model(GLOBAL) {
        out.push_str("\nGlobal model: permutation importance (Brier increase)\n");
        let rows: Vec<Vec<String>> = g
            .importances
            .iter()
            .map(|d| vec![d.feature.clone(), format!("{:.5}", d.importance)])
            .collect();
        out.push_str(&table(&["Feature", "Importance"], &rows));
    }
    out
}

/// `runs compare`: differing parameters, then metric changes (every metric of the global
/// model; ROC AUC and Brier of each seller model).
pub fn comparison_table(c: &RunComparison) -> String {
    let mut out = format!("A = {}\nB = {}\n", c.a, c.b);
    if !c.same_data {
        out.push_str(
            "Different data: the holdouts differ, so metric changes mix model and data.\n",
        );
    }
    out.push('\n');
    if c.params.is_empty() {
        out.push_str("Same parameters.\n");
    } else {
        let rows: Vec<Vec<String>> = c
            .params
            .iter()
            .map(|p| vec![p.name.clone(), p.a.clone(), p.b.clone()])
            .collect();
        out.push_str(&table(&["Parameter", "A", "B"], &rows));
    }
    out.push('\n');
    let rows: Vec<Vec<String>> = c
        .metrics
        .iter()
        .filter(|m| m.model == GLOBAL || m.metric == "roc_auc" || m.metric == "brier")
        .map(|m| {
            let d = if m.metric.starts_with("n_") { 0 } else { 4 };
            vec![
                m.model.clone(),
                m.metric.clone(),
                num(m.a, d),
                num(m.b, d),
                m.delta.map_or("n/a".into(), |x| format!("{x:+.d$}")),
            ]
        })
        .collect();
    out.push_str(&table(&["Model", "Metric", "A", "B", "B - A"], &rows));
    for (label, list) in [("Only in A", &c.only_in_a), ("Only in B", &c.only_in_b)] {
        if !list.is_empty() {
            let _ = writeln!(out, "{label}: {}", list.join(", "));
        }
    }
    out
}

/// `models list`: the active version of every model (with `all`: every version).
pub fn registry_table(reg: &Registry, all: bool) -> String {
    let mut rows = Vec::new();
    for (name, entry) in &reg.models {
        let shown: Vec<_> = if all {
            entry.versions.iter().collect()
        } else {
            match entry.active_version() {
                Some(v) => vec![v],
                None => entry.versions.last().into_iter().collect(),
            }
        };
        for v in shown {
            let state = if !all && entry.active.is_none() {
                "none active: global scores".to_string()
            } else {
                version_state(entry, v.version).to_string()
            };
            rows.push(vec![
                name.clone(),
                format!("v{}", v.version),
                state,
                v.run_id.clone(),
                v.score.n.to_string(),
                num(v.score.roc_auc, 3),
                num(v.score.brier, 4),
                entry.versions.len().to_string(),
                v.reason.clone(),
            ]);
        }
    }
    let mut out = format!(
        "Promotion rule: {} not worse than the incumbent's on the same holdout orders (tolerance {})\n\n",
        reg.rule.metric.name(),
        reg.rule.tolerance
    );
    out.push_str(&table(
        &[
            "Model", "Version", "State", "Run", "n_test", "ROC AUC", "Brier", "Versions",
            "Decision",
        ],
        &rows,
    ));
    out
}
