//! Comparison of two runs: which parameters differ and how every shared model's holdout
//! metrics moved.

use super::runs::RunRecord;
use serde::Serialize;

/// A parameter whose value differs between the runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParamDiff {
    /// Parameter name.
    pub name: String,
    /// Value in run A.
    pub a: String,
    /// Value in run B.
    pub b: String,
}

/// One metric of one model in both runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricDiff {
    /// Model name.
    pub model: String,
    /// Metric name.
    pub metric: String,
    /// Value in run A (`None` = n/a).
    pub a: Option<f64>,
    /// Value in run B.
    pub b: Option<f64>,
    /// B − A when both are known.
    pub delta: Option<f64>,
}

/// What differs between runs A and B.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunComparison {
    /// Run A's id.
    pub a: String,
    /// Run B's id.
    pub b: String,
    /// Whether both trained on the same data (same fingerprint); if not, their holdouts
    /// differ and metric changes mix model and data effects.
    pub same_data: bool,
    /// Parameters that differ (empty: same parameters).
    pub params: Vec<ParamDiff>,
    /// Metrics of the models present in both runs, model by model.
    pub metrics: Vec<MetricDiff>,
    /// Models only run A trained.
    pub only_in_a: Vec<String>,
    /// Models only run B trained.
    pub only_in_b: Vec<String>,
}

/// The metrics compared, in display order.
pub const COMPARED: [&str; 7] = [
    "roc_auc",
    "pr_auc",
    "brier",
    "f1",
    "threshold",
    "n_train",
    "n_test",
];

fn metric(m: &super::ModelMetrics, name: &str) -> Option<f64> {
    match name {
        "roc_auc" => m.roc_auc,
        "pr_auc" => m.pr_auc,
        "brier" => m.brier,
        "f1" => m.f1,
        "threshold" => Some(m.threshold),
        "n_train" => Some(m.n_train as f64),
        "n_test" => Some(m.n_test as f64),
        _ => None,
    }
}

/// Compares run `a` with run `b`.
pub fn compare(a: &RunRecord, b: &RunRecord) -> RunComparison {
    let pa = a.params.entries();
    let pb = b.params.entries();
    let mut params: Vec<ParamDiff> = pa
        .iter()
        .zip(&pb)
        .filter(|((_, x), (_, y))| x != y)
        .map(|((name, x), (_, y))| ParamDiff {
            name: name.to_string(),
            a: x.clone(),
            b: y.clone(),
        })
        .collect();
    if a.data != b.data {
        for (name, x, y) in [
            (
                "data.orders",
                a.data.orders.to_string(),
                b.data.orders.to_string(),
            ),
            (
                "data.labelled",
                a.data.labelled.to_string(),
                b.data.labelled.to_string(),
            ),
            (
                "data.last_day",
                a.data.last_day.clone().unwrap_or_default(),
                b.data.last_day.clone().unwrap_or_default(),
            ),
        ] {
            if x != y {
                params.push(ParamDiff {
                    name: name.into(),
                    a: x,
                    b: y,
                });
            }
        }
    }
    let mut metrics = Vec::new();
    let mut only_in_a = Vec::new();
    for ma in &a.models {
        let Some(mb) = b.model(&ma.metrics.model) else {
            only_in_a.push(ma.metrics.model.clone());
            continue;
        };
        for name in COMPARED {
            let (x, y) = (metric(&ma.metrics, name), metric(&mb.metrics, name));
            metrics.push(MetricDiff {
                model: ma.metrics.model.clone(),
                metric: name.to_string(),
                a: x,
                b: y,
                delta: x.zip(y).map(|(x, y)| y - x),
            });
        }
    }
    let only_in_b = b
        .models
        .iter()
        .filter(|m| a.model(&m.metrics.model).is_none())
        .map(|m| m.metrics.model.clone())
        .collect();
    RunComparison {
        a: a.id.clone(),
        b: b.id.clone(),
        same_data: a.fingerprint == b.fingerprint,
        params,
        metrics,
        only_in_a,
        only_in_b,
    }
}
