//! The drift report: every model feature, the predicted risk and the return rate (where
//! outcomes are known), compared between a reference window (by default the active model's
//! training period) and the last N days, overall and per marketplace.

use super::binning::{histogram_of, sturges_edges_over};
use super::column::{ColumnDrift, ColumnKind, column_drift_of, dataset_drifted};
use super::reference::{ReferenceKey, ReferenceMemo};
use super::sample::{KeptSample, Pair, Sample};
use super::scopes::{Scope, ScopeRows};
use crate::data::schema::FeatureKind;
use crate::data::{Dataset, date_to_day, day_string};
use crate::model::{ModelSet, Scores};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// One column's verdict with its reference and current histograms.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnReport {
    /// Column name.
    pub column: String,
    /// Numerical or categorical.
    pub kind: ColumnKind,
    /// Test, score, threshold and verdict.
    #[serde(flatten)]
    pub drift: ColumnDrift,
    /// Bucket labels (value names, or bin ranges).
    pub buckets: Vec<String>,
    /// Share of reference rows per bucket.
    pub reference_share: Vec<f64>,
    /// Share of current rows per bucket.
    pub current_share: Vec<f64>,
    /// What moved, in words (`null` when a side has no values).
    pub moved: Option<super::moved::Moved>,
}

/// The verdicts for one marketplace (or all).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScopeReport {
    /// Marketplace id or `all`.
    pub marketplace: String,
    /// Reference rows.
    pub n_reference: usize,
    /// Current rows.
    pub n_current: usize,
    /// Per-column results (columns without data on either side are left out).
    pub columns: Vec<ColumnReport>,
    /// Columns that drifted.
    pub drifted_columns: usize,
    /// drifted / tested columns.
    pub drift_share: f64,
    /// Evidently's dataset verdict (share >= 0.5).
    pub dataset_drift: bool,
}

/// The whole report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    /// What the reference is.
    pub reference: String,
    /// First reference day.
    pub reference_start: String,
    /// Last reference day.
    pub reference_end: String,
    /// First current day.
    pub current_start: String,
    /// Last current day (the latest order date).
    pub current_end: String,
    /// Overall first (unless filtered), then each marketplace.
    pub scopes: Vec<ScopeReport>,
}

/// Why a report cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum DriftError {
    /// No trained models: no reference period and no risk scores.
    #[error("no trained models: the reference is the model's training period")]
    NoModels,
}

type Extract<'a> = Box<dyn Fn(usize) -> Option<f64> + Sync + 'a>;

/// One column the report tests: name, kind, level names (categorical) and its values.
type Column<'a> = (&'a str, ColumnKind, Option<Vec<String>>, Extract<'a>);

/// Compares the active model's training period with the last `current_days` days.
pub fn drift_report(
    ds: &Dataset,
    models: Option<&ModelSet>,
    scores: Option<&Scores>,
    current_days: u32,
    marketplace: Option<u16>,
) -> Result<DriftReport, DriftError> {
    let mut reports = drift_reports(ds, models, scores, &[current_days], marketplace)?;
    Ok(reports.remove(0))
}

/// [`drift_report`] for several current windows at once: each scope's reference values are
/// gathered and sorted once for all of them. One report per entry of `windows`, in order.
pub fn drift_reports(
    ds: &Dataset,
    models: Option<&ModelSet>,
    scores: Option<&Scores>,
    windows: &[u32],
    marketplace: Option<u16>,
) -> Result<Vec<DriftReport>, DriftError> {
    let (models, scores) = models.zip(scores).ok_or(DriftError::NoModels)?;
    Ok(reports(ds, models, scores, windows, marketplace, None))
}

/// [`drift_reports`] over every marketplace, the reference samples taken from `memo` when it
/// holds this reference's, else gathered and kept there (see [`ReferenceMemo`]).
pub fn drift_reports_keeping(
    ds: &Dataset,
    models: &ModelSet,
    scores: &Scores,
    windows: &[u32],
    memo: &ReferenceMemo,
) -> Vec<DriftReport> {
    reports(ds, models, scores, windows, None, Some(memo))
}

fn reports(
    ds: &Dataset,
    models: &ModelSet,
    scores: &Scores,
    windows: &[u32],
    marketplace: Option<u16>,
    memo: Option<&ReferenceMemo>,
) -> Vec<DriftReport> {
    let parse = |s: &Option<String>| {
        s.as_deref()
            .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .map(date_to_day)
    };
    let o = &ds.orders;
    let first = o.day.iter().copied().min().unwrap_or(0);
    let last = o.day.iter().copied().max().unwrap_or(0);
    let ref_start = parse(&models.global.metrics.train_start).unwrap_or(first);
    let ref_end = parse(&models.global.metrics.test_start).map_or(last, |d| d - 1);
    let starts: Vec<i32> = windows.iter().map(|&d| last - d as i32 + 1).collect();
    let columns = report_columns(ds, scores);
    let scopes: Vec<Scope> = match marketplace {
        Some(m) => vec![Some(m)],
        None => std::iter::once(None)
            .chain((0..ds.marketplaces.len() as u16).map(Some))
            .collect(),
    };
    let t = std::time::Instant::now();
    let rows = ScopeRows::select(ds, &scopes, ref_start..=ref_end, &starts);
    let selected = t.elapsed();
    let key = memo.and_then(|_| {
        let names = columns
            .iter()
            .map(|(n, _, l, _)| (n.to_string(), l.clone()));
        ReferenceKey::new(
            models,
            (ref_start, ref_end),
            &scopes,
            &rows,
            names.collect(),
        )
    });
    let by_column = reports_by_column(ds, &columns, &rows, memo.zip(key));
    tracing::info!(?selected, tested = ?t.elapsed(), "drift");
    // by_column[column][scope][window]
    let mut by_column: Vec<Vec<_>> = by_column
        .into_iter()
        .map(|scopes| scopes.into_iter().map(Vec::into_iter).collect())
        .collect();
    // scope_reports[scope][window]
    let scope_reports: Vec<Vec<ScopeReport>> = scopes
        .iter()
        .enumerate()
        .map(|(s, mp)| {
            let name = mp.map_or_else(
                || "all".to_string(),
                |m| ds.marketplaces[m as usize].clone(),
            );
            rows.currents[s]
                .iter()
                .map(|current| {
                    let cols = by_column.iter_mut().filter_map(|c| c[s].next()?).collect();
                    scope_report(name.clone(), rows.reference[s].len(), current.len(), cols)
                })
                .collect()
        })
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(w, &cur_start)| DriftReport {
            reference: "training period of the active global model".into(),
            reference_start: day_string(ref_start),
            reference_end: day_string(ref_end),
            current_start: day_string(cur_start),
            current_end: day_string(last),
            scopes: scope_reports.iter().map(|s| s[w].clone()).collect(),
        })
        .collect()
}

/// The outcome column's name in the report (JSON keeps `returned` whatever the label).
pub const OUTCOME: &str = "returned";

/// Every model feature (numbers; categorical features as level indices with their names),
/// then the predicted risk and the outcome.
fn report_columns<'a>(ds: &'a Dataset, scores: &'a Scores) -> Vec<Column<'a>> {
    let o = &ds.orders;
    let mut columns: Vec<Column<'a>> = o
        .features
        .iter()
        .enumerate()
        .map(|(f, col)| -> Column<'a> {
            match col.spec.kind {
                FeatureKind::Numeric => (
                    col.spec.name.as_str(),
                    ColumnKind::Numerical,
                    None,
                    Box::new(move |i| ds.number(f, i)),
                ),
                FeatureKind::Categorical => (
                    col.spec.name.as_str(),
                    ColumnKind::Categorical,
                    Some(ds.levels(f).to_vec()),
                    Box::new(move |i| ds.level(f, i).map(f64::from)),
                ),
            }
        })
        .collect();
    columns.push((
        "predicted_risk",
        ColumnKind::Numerical,
        None,
        Box::new(|i| Some(scores.risk[i])),
    ));
    // The outcome keeps its JSON name; its levels are the label's own words.
    let noun = &ds.schema.label_noun;
    let levels = if noun.is_return() {
        vec!["kept".into(), "returned".into()]
    } else {
        vec![format!("no {}", noun.singular), noun.singular.clone()]
    };
    columns.push((
        OUTCOME,
        ColumnKind::Categorical,
        Some(levels),
        Box::new(|i| o.returned[i].map(|r| f64::from(u8::from(r)))),
    ));
    columns
}

/// Every column's reports, `[column][scope][window]`. With a memo and the key of this
/// reference, the reference samples are the memo's when it holds them, else they are gathered
/// and kept there.
fn reports_by_column(
    ds: &Dataset,
    columns: &[Column],
    rows: &ScopeRows,
    memo: Option<(&ReferenceMemo, ReferenceKey)>,
) -> Vec<Vec<Vec<Option<ColumnReport>>>> {
    let kept = memo.as_ref().and_then(|(m, k)| m.get(k, rows));
    let keep = kept.is_none() && memo.is_some();
    let (by_column, samples): (Vec<_>, Vec<_>) = columns
        .par_iter()
        .enumerate()
        .map(|(c, column)| column_reports(column, rows, kept.as_ref().map(|k| k.column(c)), keep))
        .unzip();
    if let (Some((memo, key)), true) = (memo, keep) {
        memo.keep(key, ds.orders.len(), samples);
    }
    tracing::info!(reference_kept = kept.is_some(), "drift columns");
    by_column
}

/// Per scope, one column's reports against each current window (`None` where a side has
/// no values), `[scope][window]`, with its reference samples kept when `keep` (else none).
/// The reference samples are `kept`'s when given. The largest scope comes first, and its
/// buffers take each smaller one's values.
fn column_reports(
    column: &Column,
    rows: &ScopeRows,
    kept: Option<&[KeptSample]>,
    keep: bool,
) -> (Vec<Vec<Option<ColumnReport>>>, Vec<KeptSample>) {
    let f = &column.3;
    let (mut reference_buffer, mut current_buffer) = (Vec::new(), Vec::new());
    let mut keeping = Vec::new();
    let reports = rows
        .reference
        .iter()
        .zip(&rows.currents)
        .enumerate()
        .map(|(s, (reference, currents))| {
            let buffer = std::mem::take(&mut reference_buffer);
            let r = match kept {
                Some(kept) => kept[s].sample(buffer),
                None => Sample::gather(buffer, reference, f),
            };
            if keep {
                keeping.push(r.kept());
            }
            let reports = currents
                .iter()
                .map(|current| {
                    let c = Sample::gather(std::mem::take(&mut current_buffer), current, f);
                    let report = column_report(column, &r, &c);
                    current_buffer = c.into_values();
                    report
                })
                .collect();
            reference_buffer = r.into_values();
            reports
        })
        .collect();
    (reports, keeping)
}

/// One column's report from its two samples.
fn column_report((name, kind, labels, _): &Column, r: &Sample, c: &Sample) -> Option<ColumnReport> {
    let pair = Pair::new(r, c);
    let drift = column_drift_of(&pair, *kind)?;
    let (buckets, reference_share, current_share) = shares(&pair, labels.as_deref());
    Some(ColumnReport {
        column: name.to_string(),
        kind: *kind,
        drift,
        buckets,
        reference_share,
        current_share,
        // The outcome's level says what it is (`bad review share 13% → 31%`).
        moved: super::moved::moved_between(
            if *name == OUTCOME { "" } else { name },
            &pair,
            labels.as_deref(),
        ),
    })
}

/// A scope's verdicts from its columns' reports.
fn scope_report(
    marketplace: String,
    n_reference: usize,
    n_current: usize,
    columns: Vec<ColumnReport>,
) -> ScopeReport {
    let verdicts: Vec<ColumnDrift> = columns.iter().map(|c| c.drift).collect();
    let drifted = verdicts.iter().filter(|d| d.drifted).count();
    ScopeReport {
        marketplace,
        n_reference,
        n_current,
        drifted_columns: drifted,
        drift_share: if columns.is_empty() {
            0.0
        } else {
            drifted as f64 / columns.len() as f64
        },
        dataset_drift: dataset_drifted(&verdicts),
        columns,
    }
}

/// Display histograms: per value for categorical columns (and numbers with few values), whole
/// numbers in whole-number bins, else numpy "sturges" bins over both samples.
fn shares(pair: &Pair, labels: Option<&[String]>) -> (Vec<String>, Vec<f64>, Vec<f64>) {
    let (r, c) = (pair.reference, pair.current);
    let share = |counts: Vec<f64>, n: usize| {
        counts
            .into_iter()
            .map(|x| x / n.max(1) as f64)
            .collect::<Vec<_>>()
    };
    if labels.is_some() || pair.distinct() <= 10 {
        let keys = pair.union_keys();
        let names = keys
            .iter()
            .map(|&k| {
                labels
                    .and_then(|l| l.get(k as usize).cloned())
                    .unwrap_or_else(|| format!("{k}"))
            })
            .collect();
        return (
            names,
            share(r.counts(&keys), r.len()),
            share(c.counts(&keys), c.len()),
        );
    }
    let (lo, hi) = pair.range();
    let edges = sturges_edges_over(lo, hi, pair.len());
    if pair.whole() {
        let bins = super::moved::WholeBins::spanning(lo, hi, edges.len() - 1);
        return (bins.labels(), bins.shares_of(r), bins.shares_of(c));
    }
    let names = edges
        .windows(2)
        .map(|w| format!("{:.3}..{:.3}", w[0], w[1]))
        .collect();
    (
        names,
        share(histogram_of(r, &edges), r.len()),
        share(histogram_of(c, &edges), c.len()),
    )
}
