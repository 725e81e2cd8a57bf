//! The server keeping what `/openapi.json` promises: the bearer token described when the
//! server requires one, and a query parameter no operation declares refused (a typo such
//! as `?windw=7` is a 400 naming it, not an answer for the default window).

use super::error::ApiError;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::LazyLock;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

/// The security scheme's name.
const BEARER: &str = "bearer";

/// Adds the bearer scheme, and to every guarded operation its requirement and 401.
pub fn require_token(api: &mut OpenApi) {
    let scheme = HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build();
    api.components
        .get_or_insert_with(Default::default)
        .add_security_scheme(BEARER, SecurityScheme::Http(scheme));
    let guarded = super::guarded_paths();
    for (path, item) in &mut api.paths.paths {
        if guarded.contains(&path.as_str()) {
            [&mut item.get, &mut item.post]
                .into_iter()
                .flatten()
                .for_each(guard);
        }
    }
}

/// One operation's token requirement and its 401 answer.
fn guard(op: &mut Operation) {
    op.security = Some(vec![SecurityRequirement::new(BEARER, Vec::<String>::new())]);
    let body = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .build();
    let answer = ResponseBuilder::new()
        .description("no bearer token, or a wrong one")
        .content("application/json", body)
        .build();
    op.responses
        .responses
        .insert("401".into(), RefOr::T(answer));
}

/// The query parameters each (method, route template) declares.
static DECLARED: LazyLock<HashMap<(String, String), Vec<String>>> = LazyLock::new(|| {
    let api = super::openapi::document(false);
    let mut out = HashMap::new();
    for (path, item) in &api.paths.paths {
        for (method, op) in [("GET", &item.get), ("POST", &item.post)] {
            let Some(op) = op else { continue };
            let names = op
                .parameters
                .iter()
                .flatten()
                .filter(|p| p.parameter_in == ParameterIn::Query)
                .map(|p| p.name.clone())
                .collect();
            out.insert((method.to_string(), path.clone()), names);
        }
    }
    out
});

/// Query parameters whose value may not be empty (`?category=` is a mistake, not "all").
pub const NOT_EMPTY: [&str; 4] = ["marketplace", "category", "payment", "seller"];

/// Middleware: 400 naming a query parameter the route does not declare, or one of
/// [`NOT_EMPTY`] given empty.
pub async fn known_query(req: Request, next: Next) -> Response {
    if let Some(name) = req.uri().query().and_then(empty_value) {
        let message = format!("{name} must not be empty (leave it out for all)");
        return ApiError::bad_request("bad_query", message)
            .on(name)
            .into_response();
    }
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string());
    let declared = route.and_then(|r| DECLARED.get(&(req.method().to_string(), r)));
    if let (Some(declared), Some(query)) = (declared, req.uri().query()) {
        let unknown = query
            .split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| kv.split('=').next().unwrap_or(""))
            .find(|name| !declared.iter().any(|d| d == name));
        if let Some(name) = unknown {
            let takes = match declared.is_empty() {
                true => "none".to_string(),
                false => declared.join(", "),
            };
            let message = format!("unknown query parameter {name:?}: this route takes {takes}");
            return ApiError::bad_request("bad_query", message)
                .on(name)
                .into_response();
        }
    }
    next.run(req).await
}

/// The first of [`NOT_EMPTY`] given without a value in `query`.
fn empty_value(query: &str) -> Option<&str> {
    query.split('&').find_map(|kv| {
        let (name, value) = kv.split_once('=').unwrap_or((kv, ""));
        (value.is_empty() && NOT_EMPTY.contains(&name)).then_some(name)
    })
}

/// The predict body as the loaded data's schema says: one order of its feature columns
/// (each with its type, levels and range; the ones that may be empty optional; no others)
/// and an optional `seller_id`, or `{"orders": [...]}` of at most `max_batch` of them.
pub fn predict_body(
    api: &mut OpenApi,
    schema: &returnrisk_core::data::schema::Schema,
    max_batch: usize,
) {
    use utoipa::openapi::schema::{
        AdditionalProperties, ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, Type,
    };
    let mut order = ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)))
        .property(
            "seller_id",
            ObjectBuilder::new().schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                Type::String,
                Type::Null,
            ])),
        );
    for f in &schema.features {
        let mut field = ObjectBuilder::new();
        field = match (&f.kind, &f.levels) {
            (returnrisk_core::data::schema::FeatureKind::Numeric, _) => {
                let bound = |x: f64| x.is_finite().then_some(x);
                let range = f.range.as_ref();
                field
                    .schema_type(Type::Number)
                    .minimum(range.and_then(|r| bound(r.0)))
                    .maximum(range.and_then(|r| bound(r.1)))
            }
            (_, Some(levels)) => field
                .schema_type(Type::String)
                .enum_values(Some(levels.clone())),
            (_, None) => field.schema_type(Type::String),
        };
        order = order.property(f.column.clone(), field);
        if !f.optional {
            order = order.required(f.column.clone());
        }
    }
    let order: Schema = order.build().into();
    let batch = ObjectBuilder::new()
        .schema_type(Type::Object)
        .required("orders")
        .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)))
        .property(
            "orders",
            ArrayBuilder::new()
                .items(Ref::from_schema_name("Order"))
                .max_items(Some(max_batch)),
        );
    let components = api.components.get_or_insert_with(Default::default);
    components.schemas.insert("Order".into(), RefOr::T(order));
    let body = OneOfBuilder::new()
        .item(Ref::from_schema_name("Order"))
        .item(batch.build());
    components
        .schemas
        .insert("PredictRequest".into(), RefOr::T(body.build().into()));
}
