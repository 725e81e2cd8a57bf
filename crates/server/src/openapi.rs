//! `GET /openapi.json`, generated from the handlers' `#[utoipa::path]` attributes and the
//! request, answer and error types (`predict.rs`, `error.rs`), never written by hand. A test checks that every route of the
//! router is in it and that every path in it answers.

use super::error::{ErrorBody, ErrorDetail};
use super::predict::{PredictAnswer, PredictRequest, Prediction, PredictionBatch};
use super::routes;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{Modify, OpenApi};

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
        PredictionBatch,
        PredictAnswer,
        super::cases::CaseChangeBody
    )),
    modifiers(&Hardened)
)]
pub struct ApiDoc;

/// What the handlers' attributes cannot say: the closed values of query and path
/// parameters as enums, free text that may not be empty, and the bounds of counts, so the
/// description and the server agree on every request a generator may build from it.
struct Hardened;

impl Modify for Hardened {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        for (path, item) in &mut api.paths.paths {
            let ops = [&mut item.get, &mut item.post].into_iter().flatten();
            for p in ops.flat_map(|op| op.parameters.iter_mut().flatten()) {
                if let Some(schema) = closed_schema(path, p) {
                    p.schema = Some(RefOr::T(schema));
                }
            }
        }
    }
}

/// The description this server gives: with the bearer token when it requires one (a
/// security scheme, and on every guarded operation the requirement and its 401).
pub fn document(token_required: bool) -> utoipa::openapi::OpenApi {
    let mut api = ApiDoc::openapi();
    if token_required {
        super::spec::require_token(&mut api);
    }
    api
}

/// The values a closed parameter takes, as the server parses them.
pub fn closed_values(path: &str, name: &str) -> Option<Vec<String>> {
    let names = |v: &[&str]| Some(v.iter().map(std::string::ToString::to_string).collect());
    match name {
        "window" => names(&["7", "30", "90", "all"]),
        "current" | "horizon" => names(&["7", "30"]),
        "status" => Some(
            returnrisk_core::engine::OrderStatus::ALL
                .iter()
                .map(|s| s.as_str().into())
                .collect(),
        ),
        "band" => names(&["Low", "Medium", "High"]),
        "state" => Some(
            returnrisk_cases::CaseState::ALL
                .iter()
                .map(|s| s.as_str().into())
                .collect(),
        ),
        "action" => Some(
            returnrisk_cases::ActionVerb::ALL
                .iter()
                .map(|v| v.as_str().into())
                .collect(),
        ),
        "sort" if path == "/api/v1/sellers" => Some(routes::seller_sorts()),
        _ => None,
    }
}

/// The schema of a closed or bounded parameter (`None`: as the attribute says).
fn closed_schema(path: &str, p: &Parameter) -> Option<Schema> {
    if let Some(values) = closed_values(path, &p.name) {
        let s = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values));
        return Some(s.build().into());
    }
    let text_path = p.parameter_in == ParameterIn::Path
        && !path.starts_with("/api/v1/cases")
        && matches!(p.name.as_str(), "id" | "name");
    if text_path
        || p.parameter_in == ParameterIn::Query && super::spec::NOT_EMPTY.contains(&p.name.as_str())
    {
        let s = ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1));
        return Some(s.build().into());
    }
    if p.name == "cursor" {
        // What the server gives: the position of the next page.
        let s = ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^[0-9]{1,18}$"));
        return Some(s.build().into());
    }
    let max = match (path, p.name.as_str()) {
        ("/api/v1/sellers", "limit") => routes::MAX_SELLERS,
        (_, "limit") => routes::MAX_PAGE,
        (_, "id") if path.starts_with("/api/v1/cases") => i64::MAX as usize,
        _ => return None,
    };
    let s = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(1))
        .maximum(Some(max as f64));
    Some(s.build().into())
}

/// `GET /openapi.json`.
#[utoipa::path(get, path = "/openapi.json", responses((status = 200, description = "This description, as OpenAPI 3.1 JSON")))]
pub async fn openapi_json(
    axum::extract::State(st): axum::extract::State<std::sync::Arc<super::state::ServerState>>,
) -> axum::Json<utoipa::openapi::OpenApi> {
    let mut api = document(st.token_required);
    if let Ok(s) = st.current() {
        super::spec::predict_body(&mut api, &s.engine.data.schema, st.max_batch);
    }
    axum::Json(api)
}
