//! `GET /metrics` in Prometheus' text format: requests by route and status, a latency
//! histogram per route, predictions served, reloads, the active global model's version, own
//! seller models, and the data's as-of date. Routes are their templates
//! (`/api/v1/sellers/{id}`), so the number of series stays bounded.

use super::state::ServerState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Upper bounds of the latency buckets, in seconds.
pub const BUCKETS: [f64; 11] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
];

/// One route's latency histogram.
#[derive(Default)]
struct Histogram {
    /// Count per bucket (not cumulative), the last one for above every bound.
    counts: [u64; BUCKETS.len() + 1],
    sum: f64,
}

/// Everything `/metrics` reports that is counted as requests come.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    /// Orders scored through `/predict`.
    pub predictions: AtomicU64,
    /// Views swapped in after a change on disk.
    pub reloads: AtomicU64,
}

impl Metrics {
    /// Counts one answered request.
    pub fn observe(&self, route: &str, status: u16, seconds: f64) {
        let mut r = self
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *r.entry((route.to_string(), status)).or_default() += 1;
        drop(r);
        let mut l = self
            .latency
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let h = l.entry(route.to_string()).or_default();
        let at = BUCKETS
            .iter()
            .position(|&b| seconds <= b)
            .unwrap_or(BUCKETS.len());
        h.counts[at] += 1;
        h.sum += seconds;
    }

    /// The text exposition.
    pub fn render(&self, state: &ServerState) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP returnrisk_http_requests_total Requests answered, by route and status."
        );
        let _ = writeln!(out, "# TYPE returnrisk_http_requests_total counter");
        for ((route, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
        {
            let _ = writeln!(
                out,
                "returnrisk_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP returnrisk_http_request_duration_seconds Time to answer, by route."
        );
        let _ = writeln!(
            out,
            "# TYPE returnrisk_http_request_duration_seconds histogram"
        );
        for (route, h) in self
            .latency
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
        {
            let mut cumulative = 0;
            for (i, b) in BUCKETS.iter().enumerate() {
                cumulative += h.counts[i];
                let _ = writeln!(
                    out,
                    "returnrisk_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {cumulative}"
                );
            }
            cumulative += h.counts[BUCKETS.len()];
            let _ = writeln!(
                out,
                "returnrisk_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {cumulative}"
            );
            let _ = writeln!(
                out,
                "returnrisk_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "returnrisk_http_request_duration_seconds_count{{route=\"{route}\"}} {cumulative}"
            );
        }
        let counter = |out: &mut String, name: &str, help: &str, v: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}"
            );
        };
        counter(
            &mut out,
            "returnrisk_predictions_total",
            "Orders scored through /api/v1/predict.",
            self.predictions.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "returnrisk_reloads_total",
            "Data or model reloads after a change on disk.",
            self.reloads.load(Ordering::Relaxed),
        );
        let served = state.current().ok();
        let _ = writeln!(
            out,
            "# HELP returnrisk_ready Whether data and models are loaded.\n# TYPE returnrisk_ready gauge\nreturnrisk_ready {}",
            u8::from(served.is_some())
        );
        if let Some(s) = served {
            let e = &s.engine;
            if let Some(m) = &e.models {
                if let Some(v) = m.version_of(returnrisk_core::model::GLOBAL) {
                    let _ = writeln!(
                        out,
                        "# HELP returnrisk_model_active_version Registry version of the active global model.\n# TYPE returnrisk_model_active_version gauge\nreturnrisk_model_active_version{{model=\"global\",run=\"{}\"}} {}",
                        v.run_id, v.version
                    );
                }
                let own = m.sellers.values().filter(|x| x.active).count();
                let _ = writeln!(
                    out,
                    "# HELP returnrisk_seller_models_active Sellers scored by their own model.\n# TYPE returnrisk_seller_models_active gauge\nreturnrisk_seller_models_active {own}"
                );
            }
            let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
            let as_of =
                i64::from(e.cube.last_day - returnrisk_core::data::date_to_day(epoch)) * 86_400;
            let _ = writeln!(
                out,
                "# HELP returnrisk_data_as_of_seconds The latest order date, as a Unix time.\n# TYPE returnrisk_data_as_of_seconds gauge\nreturnrisk_data_as_of_seconds {as_of}"
            );
        }
        out
    }
}

/// Middleware: times every request and counts it under its route's template.
pub async fn track(State(state): State<Arc<ServerState>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched".to_string(), |p| p.as_str().to_string());
    let started = Instant::now();
    let res = next.run(req).await;
    state.metrics.observe(
        &route,
        res.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    res
}

/// `GET /metrics`.
#[utoipa::path(get, path = "/metrics", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics(
    State(state): State<Arc<ServerState>>,
) -> ([(axum::http::HeaderName, &'static str); 1], String) {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        state.metrics.render(&state),
    )
}
