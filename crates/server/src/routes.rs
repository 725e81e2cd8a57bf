//! The read endpoints under `/api/v1`: thin handlers that parse the query, ask the engine and
//! return its answer as JSON, with the numbers `report --format json` prints. Query values are
//! read as text and checked here, so a bad one is a JSON 400 naming it.

use super::error::ApiError;
use super::state::{Served, ServerState};
use axum::Json;
use axum::extract::{Path, Query, State};
use returnrisk_core::config::RiskLabel;
use returnrisk_core::engine::columns::{Column, Table};
use returnrisk_core::engine::seller_columns::{SellerExtra, SellerTable};
use returnrisk_core::engine::{OrderRow, OrderStatus, SellerStats, Window};

/// A column of the sellers table.
type SellerColumn = Column<SellerStats, SellerExtra>;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// Orders a page of a seller's orders holds unless `limit` says otherwise.
pub const DEFAULT_PAGE: usize = 100;
/// The largest page.
pub const MAX_PAGE: usize = 1000;
/// The most sellers `GET /api/v1/sellers` lists (and its default: all of them).
pub const MAX_SELLERS: usize = 1_000_000;

type Shared = State<Arc<ServerState>>;
type Params = Query<HashMap<String, String>>;
type Answer = Result<Json<Value>, ApiError>;

pub(super) fn bad(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::bad_request("bad_query", message).on(field)
}

/// The `window` parameter (default 30 days).
pub(super) fn window(q: &HashMap<String, String>) -> Result<Window, ApiError> {
    q.get("window").map_or(Ok(Window::Days(30)), |w| {
        Window::parse(w).map_err(|e| bad("window", e))
    })
}

/// The `marketplace` parameter (default all; 404 naming it when unknown).
pub(super) fn marketplace(
    q: &HashMap<String, String>,
    s: &Served,
) -> Result<Option<u16>, ApiError> {
    Ok(s.engine
        .marketplace_index(q.get("marketplace").map(String::as_str))?)
}

/// A whole-number parameter within `1..=max`.
fn count(
    q: &HashMap<String, String>,
    name: &str,
    default: usize,
    max: usize,
) -> Result<usize, ApiError> {
    match q.get(name) {
        None => Ok(default),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(bad(
                name,
                format!("{name} must be a whole number from 1 to {max}: {v:?}"),
            )),
        },
    }
}

pub(super) fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// `GET /api/v1/marketplace`: KPIs, health, trend, categories, sellers and alerts.
#[utoipa::path(get, path = "/api/v1/marketplace", params(("window" = Option<String>, Query, description = "7, 30, 90 or all (default 30)"), ("marketplace" = Option<String>, Query, description = "a marketplace id, or all (default)")), responses((status = 200, description = "KPIs, health, trend, categories, sellers and alerts: report --format json"), (status = 400, description = "a bad query value", body = super::error::ErrorBody), (status = 404, description = "unknown marketplace, seller or category", body = super::error::ErrorBody), (status = 503, description = "data or models not loaded yet", body = super::error::ErrorBody)))]
pub async fn overview(State(st): Shared, Query(q): Params) -> Answer {
    let s = st.current()?;
    let snap = s.engine.snapshot_at(window(&q)?, marketplace(&q, &s)?);
    Ok(Json(to_json(&snap)))
}

/// The names `GET /api/v1/sellers` sorts by: `risk`, then every sortable column's id.
pub(super) fn seller_sorts() -> Vec<String> {
    std::iter::once("risk")
        .chain(SellerTable::sortable_ids())
        .map(String::from)
        .collect()
}

/// How `GET /api/v1/sellers` orders its list: by any sortable column of the sellers table,
/// named by its field; `risk` (the default) is `mean_risk_above`, how far the mean risk is
/// surely above the marketplace's, which does not reward tiny samples.
fn seller_sort(sort: &str) -> Result<&'static SellerColumn, ApiError> {
    let id = if sort == "risk" {
        "mean_risk_above"
    } else {
        sort
    };
    SellerTable::sort_column(id).ok_or_else(|| {
        bad(
            "sort",
            format!(
                "unknown sort {sort:?}: expected risk, {}",
                SellerTable::sort_ids()
            ),
        )
    })
}

/// `GET /api/v1/sellers`: the sellers of the window, largest first by `sort`, at most `limit`.
#[utoipa::path(get, path = "/api/v1/sellers", params(("window" = Option<String>, Query, description = "7, 30, 90 or all (default 30)"), ("marketplace" = Option<String>, Query, description = "a marketplace id, or all (default)"), ("sort" = Option<String>, Query, description = "risk (the default: mean_risk_above, how far the mean risk is surely above the marketplace's) or a sortable field of the sellers table (the enum lists them); largest first, text A-Z, unknown values last"), ("limit" = Option<usize>, Query, description = "at most this many")), responses((status = 200, description = "the sellers of the window"), (status = 400, description = "a bad query value", body = super::error::ErrorBody), (status = 404, description = "unknown marketplace, seller or category", body = super::error::ErrorBody), (status = 503, description = "data or models not loaded yet", body = super::error::ErrorBody)))]
pub async fn sellers(State(st): Shared, Query(q): Params) -> Answer {
    let s = st.current()?;
    let (w, mp) = (window(&q)?, marketplace(&q, &s)?);
    let column = seller_sort(q.get("sort").map_or("risk", String::as_str))?;
    let limit = count(&q, "limit", MAX_SELLERS, MAX_SELLERS)?;
    let snap = s.engine.snapshot_at(w, mp);
    let previous = s.engine.previous_groups(w, mp, None);
    let mut rows: Vec<(&SellerStats, SellerExtra)> = snap
        .sellers
        .iter()
        .map(|x| (x, SellerExtra::of(x, &s.engine, previous.as_ref())))
        .collect();
    // Largest first (A-Z for text), unknown values last, ties by id.
    rows.sort_by(|a, b| {
        column
            .compare((a.0, &a.1), (b.0, &b.1), false)
            .then_with(|| a.0.seller_id.cmp(&b.0.seller_id))
    });
    let list: Vec<&SellerStats> = rows.into_iter().take(limit).map(|(x, _)| x).collect();
    Ok(Json(json!({
        "window": snap.window,
        "marketplace": snap.marketplace,
        "sellers": to_json(&list),
    })))
}

/// `GET /api/v1/sellers/{id}`: the seller's numbers, trend, model and metrics, explanations
/// and drivers (its orders are paged at `/orders`).
#[utoipa::path(get, path = "/api/v1/sellers/{id}", params(("id" = String, Path, description = "seller id"), ("window" = Option<String>, Query, description = "7, 30, 90 or all (default 30)")), responses((status = 200, description = "the seller numbers, trend, model, metrics, explanations and drivers"), (status = 400, description = "a bad query value", body = super::error::ErrorBody), (status = 404, description = "unknown marketplace, seller or category", body = super::error::ErrorBody), (status = 503, description = "data or models not loaded yet", body = super::error::ErrorBody)))]
pub async fn seller(State(st): Shared, Path(id): Path<String>, Query(q): Params) -> Answer {
    let s = st.current()?;
    let detail = s.engine.seller_detail(&id, window(&q)?)?;
    let mut v = to_json(&detail);
    if let Some(o) = v.as_object_mut() {
        o.remove("orders");
        o.insert("orders_total".into(), json!(detail.orders.len()));
    }
    Ok(Json(v))
}

/// The order filters of `GET /api/v1/sellers/{id}/orders`.
fn order_filter(q: &HashMap<String, String>) -> Result<impl Fn(&OrderRow) -> bool, ApiError> {
    let status = match q.get("status") {
        None => None,
        Some(v) => Some(
            *OrderStatus::ALL
                .iter()
                .find(|s| s.as_str() == v)
                .ok_or_else(|| {
                    bad(
                        "status",
                        format!("status {v:?}: expected returned, kept or pending"),
                    )
                })?,
        ),
    };
    let band = match q.get("band") {
        None => None,
        Some(v) => Some(
            [RiskLabel::Low, RiskLabel::Medium, RiskLabel::High]
                .into_iter()
                .find(|b| b.as_str().eq_ignore_ascii_case(v))
                .ok_or_else(|| bad("band", format!("band {v:?}: expected Low, Medium or High")))?,
        ),
    };
    let category = q.get("category").cloned();
    let payment = q.get("payment").cloned();
    Ok(move |o: &OrderRow| {
        status.is_none_or(|s| o.status == s)
            && band.is_none_or(|b| o.risk_label == Some(b))
            && category.as_ref().is_none_or(|c| &o.category == c)
            && payment
                .as_ref()
                .is_none_or(|p| o.payment_method.as_ref() == Some(p))
    })
}

/// `GET /api/v1/sellers/{id}/orders`: the seller's orders newest first, filtered like the
/// drill-down (`status`, `category`, `payment`, `band`), a page of `limit` from `cursor`.
#[utoipa::path(get, path = "/api/v1/sellers/{id}/orders", params(("id" = String, Path, description = "seller id"), ("window" = Option<String>, Query, description = "7, 30, 90 or all (default 30)"), ("status" = Option<String>, Query, description = "returned, kept or pending"), ("category" = Option<String>, Query, description = "one category"), ("payment" = Option<String>, Query, description = "one payment method"), ("band" = Option<String>, Query, description = "Low, Medium or High"), ("limit" = Option<usize>, Query, description = "page size, 1-1000 (default 100)"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")), responses((status = 200, description = "a page of the seller orders, newest first, and next_cursor"), (status = 400, description = "a bad query value", body = super::error::ErrorBody), (status = 404, description = "unknown marketplace, seller or category", body = super::error::ErrorBody), (status = 503, description = "data or models not loaded yet", body = super::error::ErrorBody)))]
pub async fn seller_orders(State(st): Shared, Path(id): Path<String>, Query(q): Params) -> Answer {
    let s = st.current()?;
    let keep = order_filter(&q)?;
    let limit = count(&q, "limit", DEFAULT_PAGE, MAX_PAGE)?;
    let from = match q.get("cursor") {
        None => 0,
        Some(c) => c.parse::<usize>().map_err(|_| {
            bad(
                "cursor",
                format!("cursor {c:?} is not one this server gave"),
            )
        })?,
    };
    let w = window(&q)?;
    let mut detail = s.engine.seller_detail(&id, w)?;
    // Answering from a cube: the seller's orders of the window come from the lake.
    if let Some(table) = s.engine.lake_table() {
        let c = &s.engine.cube;
        let days = (w.start_day(c.last_day, c.first_day), c.last_day);
        let (data, bands) = (s.engine.data.clone(), s.engine.bands);
        let read = tokio::task::spawn_blocking(move || {
            returnrisk_core::engine::lake_orders::lake_orders(&data, bands, &table, &id, days)
        });
        detail.orders = read
            .await
            .map_err(|e| ApiError::unavailable(format!("reading the lake failed: {e}")))?
            .map_err(|e| ApiError::unavailable(format!("reading the lake failed: {e}")))?;
    }
    let rows: Vec<&OrderRow> = detail.orders.iter().filter(|o| keep(o)).collect();
    let page: Vec<&&OrderRow> = rows.iter().skip(from).take(limit).collect();
    let next = (from + limit < rows.len()).then(|| (from + limit).to_string());
    Ok(Json(json!({
        "seller_id": detail.seller_id,
        "window": detail.window,
        "total": rows.len(),
        "orders": to_json(&page),
        "next_cursor": next,
    })))
}

/// `GET /api/v1/categories/{name}`: the category's numbers, daily trend and sellers.
#[utoipa::path(get, path = "/api/v1/categories/{name}", params(("name" = String, Path, description = "category (any case)"), ("window" = Option<String>, Query, description = "7, 30, 90 or all (default 30)"), ("marketplace" = Option<String>, Query, description = "a marketplace id, or all (default)")), responses((status = 200, description = "the category numbers, daily trend and sellers"), (status = 400, description = "a bad query value", body = super::error::ErrorBody), (status = 404, description = "unknown marketplace, seller or category", body = super::error::ErrorBody), (status = 503, description = "data or models not loaded yet", body = super::error::ErrorBody)))]
pub async fn category(State(st): Shared, Path(name): Path<String>, Query(q): Params) -> Answer {
    let s = st.current()?;
    let (w, mp) = (window(&q)?, marketplace(&q, &s)?);
    let cats = &s.engine.data.categories;
    let ci = cats
        .iter()
        .position(|c| c.eq_ignore_ascii_case(&name))
        .ok_or_else(|| ApiError::not_found(format!("unknown category {name:?}")))?;
    let all = s.engine.snapshot_at(w, mp);
    let stats = all.categories.iter().find(|c| c.category == cats[ci]);
    let within = s.engine.category_snapshot(w, mp, ci as u16);
    Ok(Json(json!({
        "category": cats[ci],
        "window": all.window,
        "marketplace": all.marketplace,
        "stats": to_json(&stats.map(|c| &c.stats)),
        "trend": to_json(&stats.map(|c| &c.trend)),
        "sellers": to_json(&within.sellers),
    })))
}

/// `GET /api/v1/alerts`: the ranked alerts of the window.
#[utoipa::path(get, path = "/api/v1/alerts", params(("window" = Option<String>, Query, description = "7, 30, 90 or all (default 30)"), ("marketplace" = Option<String>, Query, description = "a marketplace id, or all (default)")), responses((status = 200, description = "the ranked alerts"), (status = 400, description = "a bad query value", body = super::error::ErrorBody), (status = 404, description = "unknown marketplace, seller or category", body = super::error::ErrorBody), (status = 503, description = "data or models not loaded yet", body = super::error::ErrorBody)))]
pub async fn alerts(State(st): Shared, Query(q): Params) -> Answer {
    let s = st.current()?;
    let snap = s.engine.snapshot_at(window(&q)?, marketplace(&q, &s)?);
    Ok(Json(json!({
        "window": snap.window,
        "marketplace": snap.marketplace,
        "alerts": to_json(&snap.alerts),
    })))
}

/// `GET /api/v1/drift?current=7|30`: the drift report (all scopes, or one marketplace).
#[utoipa::path(get, path = "/api/v1/drift", params(("current" = Option<String>, Query, description = "7 or 30 (default): the current window in days"), ("marketplace" = Option<String>, Query, description = "a marketplace id, or all (default)")), responses((status = 200, description = "the drift report"), (status = 400, description = "a bad query value", body = super::error::ErrorBody), (status = 404, description = "unknown marketplace, seller or category", body = super::error::ErrorBody), (status = 503, description = "data or models not loaded yet", body = super::error::ErrorBody)))]
pub async fn drift(State(st): Shared, Query(q): Params) -> Answer {
    let s = st.current()?;
    let report = match q.get("current").map(String::as_str) {
        None | Some("30") => s.engine.drift.as_ref(),
        Some("7") => s.engine.drift_short.as_ref(),
        Some(v) => return Err(bad("current", format!("current {v:?}: expected 7 or 30"))),
    }
    .ok_or_else(|| match &s.engine.cube_source {
        Some(c) => ApiError::unavailable(format!(
            "no drift report: it needs every order, and this server answers from the cube in {}",
            c.dir.display()
        )),
        None => ApiError::unavailable("no drift report: the models are not available"),
    })?;
    let mut v = to_json(report);
    if let Some(m) = q.get("marketplace") {
        let id = match marketplace(&q, &s)? {
            Some(i) => s.engine.data.marketplaces[i as usize].clone(),
            None => "all".into(),
        };
        if let Some(scopes) = v.get_mut("scopes").and_then(Value::as_array_mut) {
            scopes.retain(|sc| sc.get("marketplace").and_then(Value::as_str) == Some(&id));
        }
        debug_assert!(!m.is_empty());
    }
    Ok(Json(v))
}

/// `GET /api/v1/models`: the registry (every model's versions, the active one, the rule).
#[utoipa::path(get, path = "/api/v1/models", responses((status = 200, description = "the registry: every model version, the active ones, the promotion rule"), (status = 503, description = "data or models not loaded yet", body = super::error::ErrorBody)))]
pub async fn models(State(st): Shared) -> Answer {
    let s = st.current()?;
    Ok(Json(to_json(&s.lifecycle.registry)))
}

/// `GET /api/v1/runs`: the runs, newest first.
#[utoipa::path(get, path = "/api/v1/runs", responses((status = 200, description = "the training runs, newest first"), (status = 503, description = "data or models not loaded yet", body = super::error::ErrorBody)))]
pub async fn runs(State(st): Shared) -> Answer {
    let s = st.current()?;
    let runs: Vec<_> = s.lifecycle.runs.iter().rev().collect();
    Ok(Json(json!({ "runs": to_json(&runs) })))
}
