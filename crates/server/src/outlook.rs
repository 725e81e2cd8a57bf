//! What is coming and what matters: `GET /api/v1/forecast` (`forecast --format json`) and
//! `GET /api/v1/brief` (`brief --format json`), from the same engine calls as the commands.

use super::error::ApiError;
use super::routes::{bad, marketplace, to_json, window};
use super::state::ServerState;
use axum::Json;
use axum::extract::{Query, State};
use returnrisk_core::engine::brief::FORECAST_DAYS;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

type Shared = State<Arc<ServerState>>;
type Params = Query<HashMap<String, String>>;
type Answer = Result<Json<Value>, ApiError>;

/// The `horizon` parameter: 7 (default) or 30.
fn horizon(q: &HashMap<String, String>) -> Result<u32, ApiError> {
    match q.get("horizon").map(String::as_str) {
        None | Some("7") => Ok(7),
        Some("30") => Ok(30),
        Some(v) => Err(bad("horizon", format!("horizon must be 7 or 30: {v:?}"))),
    }
}

/// `GET /api/v1/forecast`: returns to come from pending orders and the next days' orders
/// and returns, for all marketplaces and each, one marketplace, or one seller.
#[utoipa::path(get, path = "/api/v1/forecast", params(("horizon" = Option<String>, Query, description = "7 (default) or 30 days"), ("marketplace" = Option<String>, Query, description = "a marketplace id (default: all, then each)"), ("seller" = Option<String>, Query, description = "one seller")), responses((status = 200, description = "forecast --format json"), (status = 400, description = "a bad query value", body = super::error::ErrorBody), (status = 404, description = "unknown marketplace or seller", body = super::error::ErrorBody), (status = 503, description = "data or models not loaded yet", body = super::error::ErrorBody)))]
pub async fn forecast(State(st): Shared, Query(q): Params) -> Answer {
    let s = st.current()?;
    let h = horizon(&q)?;
    let f = s.engine.forecast(
        h,
        q.get("marketplace").map(String::as_str),
        q.get("seller").map(String::as_str),
    )?;
    Ok(Json(to_json(&f)))
}

/// `GET /api/v1/brief`: the window's statements that matter most, with both shift-share
/// decompositions.
#[utoipa::path(get, path = "/api/v1/brief", params(("window" = Option<String>, Query, description = "7, 30, 90 or all (default 30)"), ("marketplace" = Option<String>, Query, description = "a marketplace id, or all (default)")), responses((status = 200, description = "brief --format json"), (status = 400, description = "a bad query value", body = super::error::ErrorBody), (status = 404, description = "unknown marketplace", body = super::error::ErrorBody), (status = 503, description = "data or models not loaded yet", body = super::error::ErrorBody)))]
pub async fn brief(State(st): Shared, Query(q): Params) -> Answer {
    let s = st.current()?;
    let w = window(&q)?;
    let m = marketplace(&q, &s)?;
    let f = s.engine.marketplace_forecast(m, FORECAST_DAYS);
    let registry = Some(&s.lifecycle.registry).filter(|r| !r.models.is_empty());
    let snap = s.engine.snapshot_at(w, m);
    Ok(Json(to_json(&s.engine.brief(&snap, w, m, registry, &f))))
}
