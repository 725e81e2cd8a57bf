//! The pipeline's steps but training, each saying what it did in one line: validate (the
//! data loaded and checked), predict (every order scored, `predictions.csv`), drift (`drift.json` and `.html`)
//! and cases (the alerts reconciled with the case store, webhooks sent).

use super::{PipelineError, PipelineOptions, Step, fail, write};
use crate::config::RiskBands;
use crate::data::{Dataset, LoadOptions, LoadReport};
use crate::drift::report::{DriftReport, drift_report};
use crate::engine::Engine;
use crate::model::{ModelSet, Scores};
use crate::report::{drift_html, predictions_csv};
use std::path::Path;

/// Loads and validates the data of `data_dir` (through the dataset cache).
pub(super) fn validate(
    data_dir: &Path,
    load: &LoadOptions,
) -> Result<(Dataset, LoadReport, String), PipelineError> {
    let (ds, report, _) = crate::data::cache::load(data_dir, load)
        .map_err(|e| fail(Step::Validate)(e.to_string()))?;
    let skipped = report
        .summary()
        .unwrap_or_else(|| "no invalid rows".to_string());
    let detail = format!("{} orders; {skipped}", ds.orders.len());
    Ok((ds, report, detail))
}

/// Scores every order of `ds` with `set` and writes them to `path`.
pub(super) fn predict(
    ds: &Dataset,
    set: &ModelSet,
    bands: RiskBands,
    path: &Path,
) -> Result<(Scores, String), PipelineError> {
    let (scores, _) = crate::model::score_cache::load_or_score(ds, set);
    let csv = predictions_csv(ds, set, &scores, bands);
    write(path, csv.as_bytes()).map_err(fail(Step::Predict))?;
    let g = &set.versions[crate::model::GLOBAL];
    let detail = format!(
        "{} orders scored (global v{} of run {}, {} seller models)",
        ds.orders.len(),
        g.version,
        g.run_id,
        set.sellers.len()
    );
    Ok((scores, detail))
}

/// The drift of the last `current_days` against the training period, written as JSON and
/// HTML to `(json, html)`.
pub(super) fn drift(
    ds: &Dataset,
    set: &ModelSet,
    scores: &Scores,
    current_days: u32,
    (json, html): (&Path, &Path),
) -> Result<(DriftReport, String), PipelineError> {
    let drift = drift_report(ds, Some(set), Some(scores), current_days, None)
        .map_err(|e| fail(Step::Drift)(e.to_string()))?;
    let bytes = serde_json::to_vec_pretty(&drift).map_err(|e| fail(Step::Drift)(e.to_string()))?;
    write(json, &bytes).map_err(fail(Step::Drift))?;
    write(html, drift_html(&drift).as_bytes()).map_err(fail(Step::Drift))?;
    let flagged: Vec<String> = drift
        .scopes
        .iter()
        .filter(|s| s.drifted_columns > 0)
        .map(|s| {
            format!(
                "{}: {}/{} columns",
                s.marketplace,
                s.drifted_columns,
                s.columns.len()
            )
        })
        .collect();
    let detail = if flagged.is_empty() {
        "no column drifted".into()
    } else {
        format!("drifted columns in {}", flagged.join("; "))
    };
    Ok((drift, detail))
}

/// The engine's alerts reconciled with the case store of `data_dir`, and the webhooks'
/// messages sent.
pub(super) fn cases(
    data_dir: &Path,
    engine: &Engine,
    opts: &PipelineOptions,
) -> Result<String, PipelineError> {
    let evaluation = crate::cases::evaluation_of(engine, opts.cases.window);
    let mut store =
        crate::cases::CaseStore::open(data_dir).map_err(|e| fail(Step::Cases)(e.to_string()))?;
    let r = store
        .reconcile(&evaluation, opts.cases.recover_after)
        .map_err(|e| fail(Step::Cases)(e.to_string()))?;
    // A webhook that is down is no failure of the run: its messages stay queued.
    let told = match store.notify(&opts.cases.notify) {
        _ if opts.cases.notify.webhooks.is_empty() => String::new(),
        Ok(s) if s.failed + s.gave_up == 0 => format!("; {} webhook messages sent", s.delivered),
        Ok(s) => format!(
            "; {} webhook messages sent, {} not ({})",
            s.delivered,
            s.failed + s.gave_up,
            s.first_error.unwrap_or_default()
        ),
        Err(e) => format!("; webhook messages not sent: {e}"),
    };
    Ok(format!(
        "{} alerts: {} cases opened, {} reopened, {} woke, {} recovered, {} updated{told}",
        evaluation.firing.len(),
        r.opened,
        r.reopened,
        r.woke,
        r.recovered,
        r.updated
    ))
}
