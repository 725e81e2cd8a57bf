//! `POST /api/v1/predict`: one order (an object of the orders file's feature columns, with an
//! optional `seller_id`) or a batch (`{"orders": [...]}`, at most the server's batch limit).
//! Each answer says the risk, its band, and the model that scored it with its version and
//! run; an unknown seller is scored by the global model, and the answer says so.

use super::error::ApiError;
use super::pool::Cancel;
use super::state::{Served, ServerState};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use returnrisk_core::data::order::{OrderError, order_from_value};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use utoipa::ToSchema;

/// One order to score: the orders file's feature columns (numbers or text, as in a row of
/// the file), plus an optional `seller_id`. Or a batch: `{"orders": [order, ...]}`.
#[derive(Serialize, ToSchema)]
pub struct PredictRequest {
    /// The seller whose model should score it (unknown or absent: the global model).
    pub seller_id: Option<String>,
    /// The feature columns, e.g. `Product_Price`, `Payment_Method`.
    #[serde(flatten)]
    #[schema(additional_properties)]
    pub features: std::collections::BTreeMap<String, serde_json::Value>,
}

/// One order's score.
#[derive(Serialize, ToSchema)]
pub struct Prediction {
    /// The seller asked for.
    pub seller_id: Option<String>,
    /// Probability of a return (or of the dataset's label).
    pub risk_score: f64,
    /// Low, Medium or High (the server's bands).
    pub risk_label: String,
    /// `global` or the seller id whose own model scored it.
    pub model: String,
    /// Its registry version.
    pub model_version: Option<u32>,
    /// The run that trained it.
    pub run_id: Option<String>,
    /// Set when the seller is unknown and the global model scored the order.
    pub note: Option<String>,
    /// With `explain=true`: `expected`, `risk` and each feature's `contribution`, largest
    /// first; `expected` plus the contributions is the risk.
    pub explanation: Option<serde_json::Value>,
}

/// A batch's scores, in the order of the request.
#[derive(Serialize, ToSchema)]
pub struct PredictionBatch {
    /// One score per order.
    pub predictions: Vec<Prediction>,
}

/// A predict answer: one order's score, or a batch's.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum PredictAnswer {
    /// One order.
    One(Prediction),
    /// A batch.
    Batch(PredictionBatch),
}

/// Orders a batch may hold unless `--max-batch` says otherwise.
pub const MAX_BATCH: usize = 10_000;
/// Orders a batch with `explain=true` may hold unless `--max-explain-batch` says otherwise:
/// an explanation costs about 10 ms an order, so this is about a second of one core.
pub const MAX_EXPLAIN_BATCH: usize = 100;

/// The error for an order's bad field (422 naming it).
fn order_error(e: OrderError) -> ApiError {
    match e.field() {
        Some(f) => ApiError::invalid(f, e.to_string()),
        None => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_order",
            e.to_string(),
        ),
    }
}

/// One order's answer (serialised as is: no intermediate JSON tree).
#[derive(Serialize)]
pub struct Scored<'a> {
    seller_id: Option<String>,
    risk_score: f64,
    risk_label: &'static str,
    model: &'a str,
    model_version: Option<u32>,
    run_id: Option<&'a str>,
    note: Option<String>,
    /// With `explain=true`: each feature's exact contribution (TreeSHAP).
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<returnrisk_core::model::shap::Explanation>,
}

/// A batch's answers.
#[derive(Serialize)]
pub struct ScoredBatch<'a> {
    predictions: Vec<Scored<'a>>,
}

/// The `explain` query parameter: `true`, `false` or absent.
fn explain_param(q: &HashMap<String, String>) -> Result<bool, ApiError> {
    match q.get("explain").map(String::as_str) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(v) => Err(ApiError::bad_request(
            "bad_query",
            format!("explain must be true or false: {v:?}"),
        )
        .on("explain")),
    }
}

/// Scores one order object (errors name its fields without a prefix).
fn score(s: &Served, order: Value, explain: bool) -> Result<Scored<'_>, ApiError> {
    let models = s
        .engine
        .models
        .as_ref()
        .ok_or_else(|| ApiError::unavailable("no models: nothing can be scored"))?;
    let mut fields: Map<String, Value> = match order {
        Value::Object(m) => m,
        other => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_order",
                format!("expected an object of feature columns, got {other}"),
            ));
        }
    };
    let seller = match fields.remove("seller_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(id),
        Some(other) => {
            return Err(ApiError::invalid(
                "seller_id",
                format!("expected text: {other}"),
            ));
        }
    };
    let features =
        order_from_value(&Value::Object(fields), &s.engine.data.schema).map_err(order_error)?;
    let known = seller
        .as_deref()
        .is_some_and(|id| s.engine.data.seller_index(id).is_some());
    let (model, name) = models.model_for(seller.as_deref().unwrap_or(""));
    let risk = model.score(&features);
    let explanation = match explain {
        false => None,
        true => Some(model.explain(&features).ok_or_else(|| {
            ApiError::unavailable(format!(
                "model {name} was saved without the node covers explanations need; retrain it"
            ))
        })?),
    };
    let version = models.version_of(name);
    let note = match &seller {
        Some(id) if !known => Some(format!("unknown seller {id:?}: scored by the global model")),
        _ => None,
    };
    Ok(Scored {
        seller_id: seller,
        risk_score: risk,
        risk_label: s.engine.bands.label(risk).as_str(),
        model: name,
        model_version: version.map(|v| v.version),
        run_id: version.map(|v| v.run_id.as_str()),
        note,
        explanation,
    })
}

/// `POST /api/v1/predict`.
#[utoipa::path(post, path = "/api/v1/predict", params(("explain" = Option<bool>, Query, description = "true: each feature's exact contribution to the risk (TreeSHAP), adding up with expected to risk_score")), request_body(content = PredictRequest, description = "one order, or {\"orders\": [...]}"), responses(
    (status = 200, description = "the order's score, or {\"predictions\": [...]} for a batch", body = PredictAnswer),
    (status = 400, description = "malformed JSON", body = super::error::ErrorBody),
    (status = 413, description = "body or batch too large (a batch with explain=true has its own, smaller limit)", body = super::error::ErrorBody),
    (status = 422, description = "a value the loader would reject, the field named", body = super::error::ErrorBody),
    (status = 503, description = "models not loaded yet", body = super::error::ErrorBody),
))]
pub async fn predict(
    State(st): State<Arc<ServerState>>,
    Query(q): Query<HashMap<String, String>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let explain = explain_param(&q)?;
    let body = body.map_err(|e| {
        let status = e.status();
        let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "too_large"
        } else {
            "bad_body"
        };
        ApiError::new(status, code, e.body_text())
    })?;
    let s = st.current()?;
    if !explain && body.len() <= INLINE_BODY {
        return answer(&st, &s, &body, false, &Cancel::default());
    }
    let state = st.clone();
    st.pool
        .run(move |cancel| answer(&state, &s, &body, explain, cancel))
        .await
}

/// A body this small without `explain` (one order, or a handful) is scored on the runtime
/// itself: microseconds, less than handing it to the pool.
const INLINE_BODY: usize = 4096;

/// The answer to a predict body: one order's score, or a batch's.
fn answer(
    st: &ServerState,
    s: &Served,
    body: &[u8],
    explain: bool,
    cancel: &Cancel,
) -> Result<Response, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request("bad_json", format!("malformed JSON: {e}")))?;
    let counted = |n: usize| {
        st.metrics
            .predictions
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed)
    };
    let batch = match value {
        Value::Object(mut top) if top.contains_key("orders") => {
            if let Some(other) = top.keys().find(|k| *k != "orders") {
                return Err(ApiError::invalid(
                    other,
                    "a batch is {\"orders\": [...]} and nothing else",
                ));
            }
            top.remove("orders").unwrap_or(Value::Null)
        }
        one => {
            let answer = Json(score(s, one, explain)?).into_response();
            counted(1);
            return Ok(answer);
        }
    };
    let Value::Array(orders) = batch else {
        return Err(ApiError::invalid(
            "orders",
            format!("expected an array of orders, got {batch}"),
        ));
    };
    check_batch_size(st, orders.len(), explain)?;
    let mut results = Vec::with_capacity(orders.len());
    for (i, o) in orders.into_iter().enumerate() {
        if cancel.is_cancelled() {
            return Err(Cancel::error());
        }
        results.push(score(s, o, explain).map_err(|e| e.within(&format!("orders[{i}]")))?);
    }
    counted(results.len());
    Ok(Json(ScoredBatch {
        predictions: results,
    })
    .into_response())
}

/// 413 for a batch over the server's limit (a smaller one with `explain`).
fn check_batch_size(st: &ServerState, orders: usize, explain: bool) -> Result<(), ApiError> {
    let (limit, what) = match explain {
        true => (st.max_explain_batch, "an explained batch"),
        false => (st.max_batch, "a batch"),
    };
    if orders <= limit {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "batch_too_large",
        format!("{what} holds at most {limit} orders; this one has {orders}"),
    )
    .on("orders"))
}
