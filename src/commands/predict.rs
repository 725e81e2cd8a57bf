//! `predict`: every order's score to a file (or stdout), or one order given as JSON.

use super::output::{check_out, emit_json, write_out};
use super::{check_seller_arg, data_dir, known_seller, load_with_models, open_without_drift};
use crate::data::Dataset;
use crate::data::order::parse_order;
use crate::open::DataSettings;
use crate::report;
use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use std::path::PathBuf;

/// The text of `predict --order`: inline JSON, `@FILE` (the JSON in a file) or `-` (stdin).
fn order_text(arg: &str) -> Result<String> {
    if arg == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .wrap_err("cannot read the --order JSON from stdin")?;
        return Ok(text);
    }
    if let Some(file) = arg.strip_prefix('@') {
        return std::fs::read_to_string(file)
            .wrap_err_with(|| format!("cannot read the --order JSON from {file}"));
    }
    Ok(arg.to_string())
}

pub(super) fn predict(
    data: &DataSettings,
    out: Option<PathBuf>,
    seller: Option<String>,
    order: Option<String>,
    explain: bool,
) -> Result<()> {
    if explain && order.is_none() {
        bail!("--explain explains one order: give it with --order JSON|@FILE|-");
    }
    if let Some(arg) = order {
        // Validate the input before any loading or training.
        let schema = crate::data::schema::load_schema(&data_dir(data)?)?;
        let features =
            parse_order(&order_text(&arg)?, &schema).map_err(|e| eyre!("bad --order JSON: {e}"))?;
        if let Some(id) = &seller {
            check_seller_arg(id)?;
        }
        // One order needs the models only: no scoring of the whole dataset, no cube.
        let seller_id = seller.unwrap_or_default();
        let check = |ds: &Dataset| match seller_id.as_str() {
            "" => Ok(()),
            id => known_seller(ds, id),
        };
        let loaded = load_with_models(data, false, &check)?;
        let (model, name) = loaded.models.model_for(&seller_id);
        let risk = model.score(&features);
        let version = loaded.models.version_of(name);
        let mut answer = serde_json::json!({
            "seller_id": seller_id,
            "model": name,
            "model_version": version.map(|v| v.version),
            "run_id": version.map(|v| v.run_id.as_str()),
            "risk_score": risk,
            "risk_label": loaded.bands.label(risk).as_str(),
        });
        if explain {
            let why = model.explain(&features).ok_or_else(|| {
                eyre!(
                    "model {name} was saved without the node covers explanations need \
                     (trained by an older version): run `returnrisk-tui train` to retrain it"
                )
            })?;
            answer["explanation"] = serde_json::to_value(why)?;
        }
        return emit_json(&answer);
    }
    let Some(out) = out else {
        bail!(
            "predict needs --out FILE (- for stdout), or --order JSON|@FILE|- (with optional --seller ID)"
        );
    };
    check_out(&out, &data_dir(data)?)?;
    let engine = open_without_drift(data, &|_| Ok(()))?;
    let scores = engine
        .scores
        .as_ref()
        .ok_or_else(|| eyre!("cannot predict without trained models"))?;
    let models = engine.models.as_ref().ok_or_else(|| eyre!("no models"))?;
    let ds = &engine.data;
    let csv = report::predictions_csv(ds, models, scores, engine.bands);
    if write_out(&out, csv.as_bytes())? {
        eprintln!("wrote {} scores to {}", ds.orders.len(), out.display());
    }
    Ok(())
}
