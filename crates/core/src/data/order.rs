//! One order given as JSON (by `predict --order` and `POST /api/v1/predict`), keyed by the
//! orders file's feature columns and checked against the dataset's schema like a row of the
//! file (numbers in range, levels from a closed set); an optional feature may be left out (the
//! model imputes it). Errors name the field, for a one-line CLI message or an HTTP 422.

use super::schema::{FeatureKind, FeatureSpec, Schema};
use super::{OrderFeatures, OrderValue};
use serde_json::Value;

/// Why an order's JSON cannot be scored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OrderError {
    /// Not JSON, or not an object.
    #[error("{0}")]
    Malformed(String),
    /// A field that is not a feature column.
    #[error("unknown field `{field}`, expected one of {expected}")]
    Unknown {
        /// The field.
        field: String,
        /// The feature columns, in words.
        expected: String,
    },
    /// A required field left out.
    #[error("missing field `{field}`")]
    Missing {
        /// The field.
        field: String,
    },
    /// A value the loader would reject, with why.
    #[error("{field}: {reason}")]
    Invalid {
        /// The field.
        field: String,
        /// What is wrong, with the value.
        reason: String,
    },
}

impl OrderError {
    /// The field it names, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            OrderError::Malformed(_) => None,
            OrderError::Unknown { field, .. }
            | OrderError::Missing { field }
            | OrderError::Invalid { field, .. } => Some(field),
        }
    }
}

/// Parses JSON text into the features of one order.
pub fn parse_order(json: &str, schema: &Schema) -> Result<OrderFeatures, OrderError> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| OrderError::Malformed(e.to_string()))?;
    order_from_value(&value, schema)
}

/// The features of one order from a parsed JSON value (an object).
pub fn order_from_value(value: &Value, schema: &Schema) -> Result<OrderFeatures, OrderError> {
    let Value::Object(map) = value else {
        return Err(OrderError::Malformed(format!(
            "expected an object of feature columns, got {value}"
        )));
    };
    let columns: Vec<&str> = schema.features.iter().map(|f| f.column.as_str()).collect();
    if let Some(k) = map.keys().find(|k| !columns.contains(&k.as_str())) {
        let expected: Vec<String> = columns.iter().map(|c| format!("`{c}`")).collect();
        return Err(OrderError::Unknown {
            field: k.clone(),
            expected: expected.join(", "),
        });
    }
    let mut order = OrderFeatures::default();
    for spec in &schema.features {
        let value = match map.get(&spec.column) {
            None | Some(Value::Null) if spec.optional => OrderValue::Missing,
            None | Some(Value::Null) => {
                return Err(OrderError::Missing {
                    field: spec.column.clone(),
                });
            }
            Some(v) => value_of(spec, v)?,
        };
        order.values.insert(spec.name.clone(), value);
    }
    Ok(order)
}

/// One field's value, checked as the loader checks a cell.
fn value_of(spec: &FeatureSpec, v: &Value) -> Result<OrderValue, OrderError> {
    let invalid = |reason: String| OrderError::Invalid {
        field: spec.column.clone(),
        reason,
    };
    match spec.kind {
        FeatureKind::Numeric => {
            let x = match v {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => spec.values.get(s.trim()).copied(),
                _ => None,
            }
            .filter(|x| x.is_finite())
            .ok_or_else(|| invalid(format!("not a number: {v}")))?;
            if let Some(reason) = spec.range_error(x) {
                return Err(invalid(format!("{reason}: {x}")));
            }
            Ok(OrderValue::Number(x))
        }
        FeatureKind::Categorical => {
            let Value::String(s) = v else {
                return Err(invalid(format!("expected text: {v}")));
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
                        invalid(format!("{s:?} (expected {choices})"))
                    }),
            }
        }
    }
}
