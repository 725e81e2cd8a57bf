//! `predict --order`: one order as JSON, keyed by the orders file's feature columns, checked
//! against the dataset's schema like a row of the file (numbers in range, levels from a
//! closed set); an optional feature may be left out (the model imputes it).

use crate::data::schema::{FeatureKind, FeatureSpec, Schema};
use crate::data::{OrderFeatures, OrderValue};
use color_eyre::eyre::{Result, bail, eyre};
use serde_json::Value;

/// Parses `json` into the features of one order.
pub fn parse_order(json: &str, schema: &Schema) -> Result<OrderFeatures> {
    let map: serde_json::Map<String, Value> =
        serde_json::from_str(json).map_err(|e| eyre!("bad --order JSON: {e}"))?;
    let columns: Vec<&str> = schema.features.iter().map(|f| f.column.as_str()).collect();
    if let Some(k) = map.keys().find(|k| !columns.contains(&k.as_str())) {
        let expected: Vec<String> = columns.iter().map(|c| format!("`{c}`")).collect();
        bail!(
            "bad --order JSON: unknown field `{k}`, expected one of {}",
            expected.join(", ")
        );
    }
    let mut order = OrderFeatures::default();
    for spec in &schema.features {
        let value = match map.get(&spec.column) {
            None | Some(Value::Null) if spec.optional => OrderValue::Missing,
            None | Some(Value::Null) => bail!("bad --order JSON: missing field `{}`", spec.column),
            Some(v) => value(spec, v)?,
        };
        order.values.insert(spec.name.clone(), value);
    }
    Ok(order)
}

/// One field's value, checked as the loader checks a cell.
fn value(spec: &FeatureSpec, v: &Value) -> Result<OrderValue> {
    let col = &spec.column;
    match spec.kind {
        FeatureKind::Numeric => {
            let x = match v {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => spec.values.get(s.trim()).copied(),
                _ => None,
            }
            .filter(|x| x.is_finite())
            .ok_or_else(|| eyre!("bad --order JSON: {col}: not a number: {v}"))?;
            if let Some(reason) = spec.range_error(x) {
                bail!("bad --order JSON: {col}: {reason}: {x}");
            }
            Ok(OrderValue::Number(x))
        }
        FeatureKind::Categorical => {
            let Value::String(s) = v else {
                bail!("bad --order JSON: {col}: expected text: {v}");
            };
            match &spec.levels {
                None => Ok(OrderValue::Text(s.trim().to_string())),
                Some(levels) => levels
                    .iter()
                    .find(|l| l.eq_ignore_ascii_case(s.trim()))
                    .map(|l| OrderValue::Text(l.clone()))
                    .ok_or_else(|| {
                        let choices = match levels.as_slice() {
                            [rest @ .., last] if !rest.is_empty() => {
                                format!("{} or {last}", rest.join(", "))
                            }
                            all => all.join(""),
                        };
                        eyre!("bad --order JSON: {col} {s:?} (expected {choices})")
                    }),
            }
        }
    }
}
