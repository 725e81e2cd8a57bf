//! `GET /openapi.json`, generated from the handlers' `#[utoipa::path]` attributes and the
//! request/answer types below, never written by hand. A test checks that every route of the
//! router is in it and that every path in it answers.

use super::routes;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

/// The error body of every 4xx (and 503).
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code: bad_json, bad_query, invalid_field, not_found, too_large, batch_too_large,
    /// unauthorized, unavailable, method_not_allowed.
    pub code: String,
    /// For a person.
    pub message: String,
    /// The request field it is about (`window`, `Product_Price`, `orders[3].Payment_Method`).
    pub field: Option<String>,
}

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

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "returnrisk-tui serve",
        description = "Return risk of a marketplace's orders, sellers and categories: the dashboard's engine over HTTP. Every client error is a 4xx with an ErrorBody."
    ),
    paths(
        routes::overview,
        routes::sellers,
        routes::seller,
        routes::seller_orders,
        routes::category,
        routes::alerts,
        routes::drift,
        routes::models,
        routes::runs,
        super::outlook::forecast,
        super::outlook::brief,
        super::predict::predict,
        super::cases::list,
        super::cases::show,
        super::cases::change,
        super::health,
        super::ready,
        super::metrics::metrics,
        openapi_json,
    ),
    components(schemas(
        ErrorBody,
        ErrorDetail,
        PredictRequest,
        Prediction,
        super::cases::CaseChangeBody
    ))
)]
pub struct ApiDoc;

/// `GET /openapi.json`.
#[utoipa::path(get, path = "/openapi.json", responses((status = 200, description = "This description, as OpenAPI 3.1 JSON")))]
pub async fn openapi_json() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}
