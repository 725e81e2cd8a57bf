//! The commands that ask the engine one question and print its answer: `report`, `seller`,
//! `forecast`, `brief` and `drift`. Each checks its ids against the data before any
//! training, opens the engine with only what it needs, and prints a table, JSON or CSV.

use super::output::{check_out, emit, emit_json, emit_text, write_out};
use super::{
    check_seller_arg, data_dir, known_marketplace, known_seller, open_answers, open_without_drift,
};
use crate::cli::{DriftFormat, QueryArgs};
use crate::data::Dataset;
use crate::engine::Window;
use crate::open::DataSettings;
use crate::report::{self, Format};
use color_eyre::eyre::{Result, eyre};
use std::path::PathBuf;

/// `report`: the marketplace snapshot of a window.
pub fn report(data: &DataSettings, query: &QueryArgs, marketplace: Option<&str>) -> Result<()> {
    let window = Window::parse(&query.window).map_err(|e| eyre!(e))?;
    let check = |ds: &Dataset| known_marketplace(ds, marketplace);
    let engine = open_answers(data, true, &check)?;
    let snap = engine.snapshot(window, marketplace)?;
    match query.format {
        Format::Table => emit_text(&report::snapshot_table(&snap, &engine, 15)),
        Format::Json => emit_json(&snap),
        Format::Csv => emit(&report::snapshot_csv(&snap)),
    }
}

/// `seller`: one seller's numbers, orders, trend, model and explanations.
pub fn seller(data: &DataSettings, id: &str, query: &QueryArgs) -> Result<()> {
    let window = Window::parse(&query.window).map_err(|e| eyre!(e))?;
    check_seller_arg(id)?;
    let engine = open_without_drift(data, &|ds| known_seller(ds, id))?;
    // The id was checked against the data before any training.
    let detail = engine.seller_detail(id, window)?;
    match query.format {
        Format::Table => emit_text(&report::seller_table(&detail, 25)),
        Format::Json => emit_json(&detail),
        Format::Csv => emit(&report::seller_csv(&detail)),
    }
}

/// `forecast` for `(marketplace, seller)`, or its backtest.
pub fn forecast(
    data: &DataSettings,
    horizon: u32,
    (marketplace, seller): (Option<&str>, Option<&str>),
    backtest: bool,
    format: Format,
) -> Result<()> {
    if let Some(id) = seller {
        check_seller_arg(id)?;
    }
    let check = |ds: &Dataset| {
        known_marketplace(ds, marketplace)?;
        seller.map_or(Ok(()), |id| known_seller(ds, id))
    };
    let engine = open_answers(data, false, &check)?;
    let noun = &engine.data.schema.label_noun;
    if backtest {
        let b = engine.backtest(horizon);
        return match format {
            Format::Table => emit_text(&report::backtest_table(&b, noun)),
            Format::Json => emit_json(&b),
            Format::Csv => emit(&report::backtest_csv(&b)),
        };
    }
    let f = engine.forecast(horizon, marketplace, seller)?;
    match format {
        Format::Table => emit_text(&report::forecast_table(&f, noun)),
        Format::Json => emit_json(&f),
        Format::Csv => emit(&report::forecast_csv(&f)),
    }
}

/// `brief`: the statements that matter most in the window.
pub fn brief(data: &DataSettings, query: &QueryArgs, marketplace: Option<&str>) -> Result<()> {
    let window = Window::parse(&query.window).map_err(|e| eyre!(e))?;
    let check = |ds: &Dataset| known_marketplace(ds, marketplace);
    let engine = open_answers(data, true, &check)?;
    let mp = engine.marketplace_index(marketplace)?;
    let registry = crate::model::registry::Registry::load(&data_dir(data)?).ok();
    let forecast = engine.marketplace_forecast(mp, crate::engine::brief::FORECAST_DAYS);
    let snap = engine.snapshot_at(window, mp);
    let b = engine.brief(&snap, window, mp, registry.as_ref(), &forecast);
    match query.format {
        Format::Table => emit_text(&report::brief_table(&b)),
        Format::Json => emit_json(&b),
        Format::Csv => emit(&report::brief_csv(&b)),
    }
}

/// `drift`: the training period against the last `current` days, to stdout or `out`.
pub fn drift(
    data: &DataSettings,
    current: u32,
    marketplace: Option<&str>,
    format: DriftFormat,
    out: Option<PathBuf>,
) -> Result<()> {
    if let Some(out) = &out {
        check_out(out, &data_dir(data)?)?;
    }
    let check = |ds: &Dataset| known_marketplace(ds, marketplace);
    let engine = open_without_drift(data, &check)?;
    let mp = engine.marketplace_index(marketplace)?;
    let r = crate::drift::report::drift_report(
        &engine.data,
        engine.models.as_deref(),
        engine.scores.as_deref(),
        current,
        mp,
    )?;
    let text = match format {
        DriftFormat::Table => crate::text::clean_lines(&report::drift_table(&r)).into_owned(),
        DriftFormat::Json => serde_json::to_string_pretty(&r)? + "\n",
        DriftFormat::Html => report::drift_html(&r),
    };
    let target = out.unwrap_or_else(|| PathBuf::from("-"));
    if write_out(&target, text.as_bytes())? {
        eprintln!("wrote the drift report to {}", target.display());
    }
    Ok(())
}
