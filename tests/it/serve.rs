//! `serve` end to end: the real binary on an ephemeral port, asked with a small HTTP/1.1
//! client over a TCP socket. Numbers equal `report` / `seller` / `drift` / `predict`; every
//! client error is a JSON 4xx naming its field; auth on a non-loopback bind; limits; SIGTERM.

use crate::common;

use common::server::{Server, error_of, exchange, http, order};
use common::{json, p, trained_copy as data_copy, trained_demo as trained};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn every_endpoint_answers_with_the_engines_numbers() {
    let dir = data_copy();
    let d = p(dir.path());
    let srv = Server::start(dir.path(), &[], &[]).ready();
    for (query, args) in [
        ("window=30", vec!["report", "--window", "30"]),
        (
            "window=7&marketplace=M002",
            vec!["report", "--window", "7", "--marketplace", "M002"],
        ),
    ] {
        let (status, got) = srv.get(&format!("/api/v1/marketplace?{query}"));
        assert_eq!(status, 200);
        let mut cli = args.clone();
        cli.extend(["--format", "json", "--data", d]);
        let want = json(&cli);
        assert_eq!(got, want, "{query}");
        let (_, alerts) = srv.get(&format!("/api/v1/alerts?{query}"));
        assert_eq!(alerts["alerts"], want["alerts"]);
    }
    // Sellers: by expected returns, largest first, two of them.
    let (_, list) = srv.get("/api/v1/sellers?sort=expected_returns&limit=2");
    let list = list["sellers"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let report = json(&["report", "--window", "30", "--format", "json", "--data", d]);
    let best = report["sellers"]
        .as_array()
        .unwrap()
        .iter()
        .max_by(|a, b| {
            let x = |v: &Value| v["expected_returns"].as_f64().unwrap();
            x(a).total_cmp(&x(b))
        })
        .unwrap();
    assert_eq!(list[0], *best);
    // Every sortable column of the sellers table is a sort name: its field largest first
    // (A-Z for text), unknown last; columns the JSON lacks (band, mean_risk_change) sort too.
    use returnrisk_tui::engine::columns::{Sorting, Table};
    use returnrisk_tui::engine::seller_columns::SellerTable;
    for c in SellerTable::COLUMNS.iter().filter(|c| c.sorts()) {
        let (status, got) = srv.get(&format!("/api/v1/sellers?sort={}", c.id));
        assert_eq!(status, 200, "{}", c.id);
        let got = got["sellers"].as_array().unwrap();
        assert_eq!(got.len(), 40, "{}", c.id);
        let field: Vec<&Value> = got.iter().map(|s| &s[c.id]).collect();
        if c.sorting == Sorting::Text {
            let ids: Vec<&str> = field.iter().map(|v| v.as_str().unwrap()).collect();
            assert!(ids.is_sorted(), "{}", c.id);
        } else if field.iter().any(|v| v.is_number()) {
            let known = field.iter().take_while(|v| v.is_number()).count();
            assert!(field[known..].iter().all(|v| v.is_null()), "{}", c.id);
            let x: Vec<f64> = field[..known].iter().map(|v| v.as_f64().unwrap()).collect();
            assert!(x.windows(2).all(|w| w[0] >= w[1]), "{}: {x:?}", c.id);
        }
    }
    // One seller: the CLI's answer without the orders, which are paged.
    let cli = json(&[
        "seller", "S023", "--window", "30", "--format", "json", "--data", d,
    ]);
    let (_, one) = srv.get("/api/v1/sellers/S023?window=30");
    for k in ["stats", "explanations", "drivers", "model_metrics", "trend"] {
        assert_eq!(one[k], cli[k], "{k}");
    }
    assert_eq!(one["orders_total"], cli["orders"].as_array().unwrap().len());
    assert!(one.get("orders").is_none());
    let mut paged = Vec::new();
    let mut path = "/api/v1/sellers/S023/orders?window=30&limit=40".to_string();
    loop {
        let (status, page) = srv.get(&path);
        assert_eq!(status, 200);
        paged.extend(page["orders"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/sellers/S023/orders?window=30&limit=40&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(Value::Array(paged), cli["orders"]);
    let (_, returned) = srv.get("/api/v1/sellers/S023/orders?window=30&status=returned&limit=1000");
    let n = cli["orders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["status"] == "returned")
        .count();
    assert_eq!(returned["total"], n);
    // A category: its stats are the report's, its sellers add up to it.
    let (_, cat) = srv.get("/api/v1/categories/footwear");
    let want = report["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "Footwear")
        .unwrap();
    assert_eq!(cat["stats"]["orders"], want["orders"]);
    let sum: u64 = cat["sellers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["orders"].as_u64().unwrap())
        .sum();
    assert_eq!(Some(sum), want["orders"].as_u64());
    // Drift, models, runs.
    let (_, drift) = srv.get("/api/v1/drift?current=7&marketplace=M002");
    let cli = json(&[
        "drift",
        "--current",
        "7",
        "--marketplace",
        "M002",
        "--format",
        "json",
        "--data",
        d,
    ]);
    assert_eq!(drift["scopes"], cli["scopes"]);
    let (status, models) = srv.get("/api/v1/models");
    assert_eq!(
        (status, models["models"]["global"]["active"].as_u64()),
        (200, Some(1))
    );
    let (_, runs) = srv.get("/api/v1/runs");
    assert_eq!(runs["runs"].as_array().unwrap().len(), 1);
    // Predict: the same risk as `predict --order`, one or in a batch; an unknown seller is
    // scored by the global model and the answer says so.
    let (status, one) = srv.post("/api/v1/predict", &order("S006"));
    assert_eq!(status, 200, "{one}");
    let features = order("S006").replace(r#""seller_id":"S006","#, "");
    let cli = json(&[
        "predict", "--order", &features, "--seller", "S006", "--data", d,
    ]);
    assert_eq!(one["risk_score"], cli["risk_score"]);
    assert_eq!(
        (&one["model"], &one["model_version"], &one["run_id"]),
        (&cli["model"], &cli["model_version"], &cli["run_id"])
    );
    let (_, batch) = srv.post(
        "/api/v1/predict",
        &format!(r#"{{"orders":[{},{}]}}"#, order("S006"), order("S999")),
    );
    let preds = batch["predictions"].as_array().unwrap();
    assert_eq!(preds[0], one);
    assert_eq!(preds[1]["model"], "global");
    assert_eq!(
        preds[1]["note"],
        "unknown seller \"S999\": scored by the global model"
    );
    // Forecast and briefing: what `forecast` and `brief` print as JSON.
    let (status, f) = srv.get("/api/v1/forecast?horizon=30&marketplace=M002");
    assert_eq!(status, 200, "{f}");
    let cli = json(&[
        "forecast",
        "--horizon",
        "30",
        "--marketplace",
        "M002",
        "--format",
        "json",
        "--data",
        d,
    ]);
    assert_eq!(f, cli);
    let (_, b) = srv.get("/api/v1/brief?window=7");
    let cli = json(&["brief", "--window", "7", "--format", "json", "--data", d]);
    assert_eq!(b["statements"], cli["statements"]);
    assert_eq!(b["by_seller"], cli["by_seller"]);
    let (status, bad) = srv.get("/api/v1/forecast?horizon=14");
    assert_eq!(
        (status, error_of(&bad)),
        (400, ("bad_query", Some("horizon")))
    );
    assert_eq!(srv.get("/api/v1/forecast?seller=S999").0, 404);
    // explain=true: the contributions `predict --order --explain` gives, adding up to the risk.
    let (status, why) = srv.post("/api/v1/predict?explain=true", &order("S006"));
    assert_eq!(status, 200, "{why}");
    let cli = json(&[
        "predict",
        "--order",
        &features,
        "--seller",
        "S006",
        "--explain",
        "--data",
        d,
    ]);
    assert_eq!(why["explanation"], cli["explanation"]);
    let x = &why["explanation"];
    let total: f64 = x["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["contribution"].as_f64().unwrap())
        .sum::<f64>()
        + x["expected"].as_f64().unwrap();
    assert!((total - why["risk_score"].as_f64().unwrap()).abs() < 1e-9);
    assert!(one.get("explanation").is_none(), "only when asked");
    let (status, bad) = srv.post("/api/v1/predict?explain=yes", &order("S006"));
    assert_eq!(
        (status, error_of(&bad)),
        (400, ("bad_query", Some("explain")))
    );
    let (status, text) = srv.get("/health");
    assert_eq!((status, text), (200, Value::String("ok\n".into())));
}

#[test]
fn client_errors_are_json_4xx_naming_the_field() {
    let dir = data_copy();
    let srv = Server::start(dir.path(), &["--max-batch", "2"], &[]).ready();
    // (expected status, the answer, expected code, expected field)
    type Case<'a> = (u16, (u16, Value), &'a str, Option<&'a str>);
    let cases: Vec<Case> = vec![
        (
            400,
            srv.post("/api/v1/predict", "{not json"),
            "bad_json",
            None,
        ),
        // A 10,000-byte target: a JSON 414, not the parser's empty one.
        (
            414,
            srv.get(&format!("/api/v1/sellers/{}", "S".repeat(10_000))),
            "uri_too_long",
            None,
        ),
        // A path that is not UTF-8: the documented JSON, not a plain-text 400.
        (400, srv.get("/api/v1/sellers/%FF"), "bad_request", None),
        (
            422,
            srv.post(
                "/api/v1/predict",
                &order("S006").replace("59.9", "\"cheap\""),
            ),
            "invalid_field",
            Some("Product_Price"),
        ),
        (
            422,
            srv.post("/api/v1/predict", &order("S006").replace("2.5}", "9}")),
            "invalid_field",
            Some("Product_Rating"),
        ),
        (
            422,
            srv.post(
                "/api/v1/predict",
                &order("S006").replace("\"Footwear\"", "5"),
            ),
            "invalid_field",
            Some("Product_Category"),
        ),
        (
            422,
            srv.post(
                "/api/v1/predict",
                &order("S006").replace("\"Product_Category\":\"Footwear\",", ""),
            ),
            "invalid_field",
            Some("Product_Category"),
        ),
        (
            422,
            srv.post(
                "/api/v1/predict",
                &format!(
                    r#"{{"orders":[{},{}]}}"#,
                    order("S006"),
                    order("S006").replace("\"COD\"", "7")
                ),
            ),
            "invalid_field",
            Some("orders[1].Payment_Method"),
        ),
        (
            413,
            srv.post(
                "/api/v1/predict",
                &format!(r#"{{"orders":[{0},{0},{0}]}}"#, order("S006")),
            ),
            "batch_too_large",
            Some("orders"),
        ),
        (404, srv.get("/api/v1/sellers/S999"), "not_found", None),
        (404, srv.get("/api/v1/categories/Boats"), "not_found", None),
        (
            404,
            srv.get("/api/v1/marketplace?marketplace=M9"),
            "not_found",
            Some("marketplace"),
        ),
        (404, srv.get("/no/such/route"), "not_found", None),
        (
            400,
            srv.get("/api/v1/alerts?window=14"),
            "bad_query",
            Some("window"),
        ),
        (
            400,
            srv.get("/api/v1/sellers?limit=0"),
            "bad_query",
            Some("limit"),
        ),
        (
            400,
            srv.get("/api/v1/sellers?sort=vibes"),
            "bad_query",
            Some("sort"),
        ),
        (
            400,
            srv.get("/api/v1/sellers/S023/orders?status=lost"),
            "bad_query",
            Some("status"),
        ),
        (
            400,
            srv.get("/api/v1/sellers/S023/orders?cursor=x"),
            "bad_query",
            Some("cursor"),
        ),
        (
            400,
            srv.get("/api/v1/drift?current=14"),
            "bad_query",
            Some("current"),
        ),
        (405, srv.get("/api/v1/predict"), "method_not_allowed", None),
    ];
    for (want, (status, body), code, field) in cases {
        assert_eq!(status, want, "{body}");
        assert_eq!(error_of(&body), (code, field), "{body}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    // What the HTTP parser refuses before any handler is the same JSON, not an empty answer.
    let long_target = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70_000));
    let many_headers: String = (0..200).map(|i| format!("X-{i}: 1\r\n")).collect();
    let header_flood = format!("GET /health HTTP/1.1\r\nHost: x\r\n{many_headers}\r\n");
    let parser_refusals: [(&[u8], u16, &str); 4] = [
        (long_target.as_bytes(), 414, "uri_too_long"),
        (b"GARBAGE\r\n\r\n", 400, "bad_request"),
        (
            b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
            400,
            "bad_request",
        ),
        (header_flood.as_bytes(), 431, "headers_too_large"),
    ];
    for (request, want, code) in parser_refusals {
        let (status, head, body) = exchange(srv.port, request);
        assert_eq!(status, want, "{head}");
        assert!(head.contains("content-type: application/json"), "{head}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(error_of(&body), (code, None), "{body}");
    }
    // A body over the limit: 413 as JSON, the server still answers afterwards.
    let big = format!(r#"{{"orders":["{}"]}}"#, "x".repeat(9 * 1024 * 1024));
    let (status, body) = srv.post("/api/v1/predict", &big);
    assert_eq!((status, error_of(&body).0), (413, "too_large"), "{body}");
    assert_eq!(srv.get("/health").0, 200);
}

/// `serve` with `args` on `dir`: its exit code and stderr (for flags it refuses).
fn serve_refused(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_returnrisk-tui"))
        .args(["serve", "--data", p(dir)])
        .args(args)
        .env_remove("RETURNRISK_TOKEN")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_empty_token_file_and_an_unbounded_timeout_are_errors_not_panics() {
    let dir = data_copy();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, " \n\t\n").unwrap();
    let (code, err) = serve_refused(dir.path(), &["--token-file", p(&token_file)]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("the file is empty"), "{err}");
    assert!(err.contains(p(&token_file)), "{err}");
    for t in ["1e20", "1e300", "inf", "NaN", "0", "-1e-3", "3600.5"] {
        let (code, err) = serve_refused(dir.path(), &[&format!("--timeout={t}")]);
        assert_eq!(code, Some(1), "{t}: {err}");
        assert!(err.contains("at most 3600"), "{t}: {err}");
        assert_eq!(err.lines().count(), 1, "{t}: {err}");
    }
}

#[test]
fn a_non_loopback_bind_needs_a_token_and_checks_it() {
    let dir = data_copy();
    let (code, err) = serve_refused(dir.path(), &["--bind", "0.0.0.0:0"]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("needs a bearer token (--token-file FILE or RETURNRISK_TOKEN), or --no-auth"),
        "{err}"
    );
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "s3cret-token\n").unwrap();
    let mut srv = Server::start(dir.path(), &["--token-file", p(&token_file)], &[]).ready();
    assert_eq!(srv.get("/health").0, 200, "health needs no token");
    let (status, body) = srv.get("/api/v1/alerts");
    assert_eq!((status, error_of(&body).0), (401, "unauthorized"));
    let wrong = srv.send(
        "GET",
        "/api/v1/alerts",
        &["Authorization: Bearer s3cret-tokeN"],
        None,
    );
    assert_eq!(wrong.0, 401);
    let right = srv.send(
        "GET",
        "/api/v1/alerts",
        &["Authorization: Bearer s3cret-token"],
        None,
    );
    assert_eq!(right.0, 200);
    // The scheme's name is case-insensitive (RFC 7235).
    let lower = srv.send(
        "GET",
        "/api/v1/alerts",
        &["Authorization: bearer s3cret-token"],
        None,
    );
    assert_eq!(lower.0, 200);
    // The token never appears in what the server prints.
    let _ = srv.child.kill();
    let _ = srv.child.wait();
    let mut printed = String::new();
    srv.stderr.read_to_string(&mut printed).unwrap();
    assert!(!printed.contains("s3cret"), "{printed}");
    drop(srv);
    let srv = Server::start(dir.path(), &[], &[("RETURNRISK_TOKEN", "from-env")]).ready();
    assert_eq!(srv.get("/api/v1/runs").0, 401);
    assert_eq!(
        srv.send(
            "GET",
            "/api/v1/runs",
            &["Authorization: Bearer from-env"],
            None
        )
        .0,
        200
    );
}

#[test]
fn ready_says_why_not_and_sigterm_ends_the_server_cleanly() {
    // Data that cannot load: /ready and the API say why, with 503; /health is up.
    let broken = tempfile::tempdir().unwrap();
    std::fs::write(broken.path().join("orders.csv"), "not,the,columns\n1,2,3\n").unwrap();
    std::fs::copy(
        trained().join("sellers.csv"),
        broken.path().join("sellers.csv"),
    )
    .unwrap();
    let srv = Server::start(broken.path(), &[], &[]);
    let start = Instant::now();
    let (status, body) = loop {
        let (status, body) = srv.get("/ready");
        if body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("cannot load"))
            || start.elapsed() > Duration::from_secs(30)
        {
            break (status, body);
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!((status, error_of(&body).0), (503, "unavailable"), "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("orders.csv"),
        "{body}"
    );
    assert_eq!(srv.get("/api/v1/marketplace").0, 503);
    assert_eq!(srv.get("/health").0, 200);
    drop(srv);

    // SIGTERM, and SIGHUP (a closed ssh session) alike: the server stops and exits 0,
    // saying so.
    let dir = data_copy();
    for sig in ["TERM", "HUP"] {
        let mut srv = Server::start(dir.path(), &[], &[]).ready();
        let pid = srv.child.id().to_string();
        assert!(
            Command::new("kill")
                .args([&format!("-{sig}"), &pid])
                .status()
                .unwrap()
                .success()
        );
        let status = srv.child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "SIG{sig}");
        let mut rest = String::new();
        srv.stderr.read_to_string(&mut rest).unwrap();
        assert!(
            rest.contains(&format!("SIG{sig}: finishing requests in flight")),
            "{rest}"
        );
    }
}

#[test]
fn metrics_count_requests_and_changes_on_disk_are_picked_up() {
    let dir = data_copy();
    let srv = Server::start(dir.path(), &[], &[]).ready();
    for _ in 0..2 {
        assert_eq!(srv.get("/api/v1/sellers/S023").0, 200);
    }
    assert_eq!(srv.get("/api/v1/sellers/S999").0, 404);
    let batch = format!(r#"{{"orders":[{0},{0},{0}]}}"#, order("S006"));
    assert_eq!(srv.post("/api/v1/predict", &batch).0, 200);
    let (status, head, text) = srv.get_raw("/metrics");
    assert_eq!(status, 200);
    assert!(head.contains("x-model-version: global v1"), "{head}");
    for line in [
        "returnrisk_http_requests_total{route=\"/api/v1/sellers/{id}\",status=\"200\"} 2",
        "returnrisk_http_requests_total{route=\"/api/v1/sellers/{id}\",status=\"404\"} 1",
        "returnrisk_http_request_duration_seconds_count{route=\"/api/v1/sellers/{id}\"} 3",
        "returnrisk_predictions_total 3",
        "returnrisk_ready 1",
        "returnrisk_reloads_total 0",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
    }
    assert!(
        text.contains("returnrisk_model_active_version{model=\"global\""),
        "{text}"
    );
    // A promotion by another process is served without a restart.
    let reg = returnrisk_tui::model::registry::Registry::load(dir.path()).unwrap();
    let seller = reg
        .models
        .iter()
        .find(|(k, e)| *k != "global" && e.active.is_none() && !e.versions.is_empty())
        .map(|(k, _)| k.clone())
        .unwrap();
    let (_, before) = srv.post("/api/v1/predict", &order(&seller));
    assert_eq!(before["model"], "global");
    let out = Command::new(env!("CARGO_BIN_EXE_returnrisk-tui"))
        .args(["models", "promote", &seller, "1", "--data", p(dir.path())])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let start = Instant::now();
    loop {
        let (_, after) = srv.post("/api/v1/predict", &order(&seller));
        if after["model"] == seller.as_str() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "not reloaded: {after}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let (_, _, text) = srv.get_raw("/metrics");
    assert!(
        text.lines().any(|l| l == "returnrisk_reloads_total 1"),
        "{text}"
    );
}

#[test]
fn openapi_lists_every_route_and_every_path_in_it_answers() {
    let dir = data_copy();
    let srv = Server::start(dir.path(), &[], &[]).ready();
    let (status, spec) = srv.get("/openapi.json");
    assert_eq!(status, 200);
    let paths = spec["paths"].as_object().unwrap();
    let mut listed: Vec<&str> = paths.keys().map(String::as_str).collect();
    let mut routed = returnrisk_tui::serve::route_paths();
    listed.sort();
    routed.sort();
    assert_eq!(listed, routed);
    for (path, ops) in paths {
        let id = if path.starts_with("/api/v1/cases") {
            "1"
        } else {
            "S023"
        };
        let concrete = path
            .replace("{id}", id)
            .replace("{name}", "Footwear")
            .replace("{action}", "note");
        for method in ops.as_object().unwrap().keys() {
            let (status, body) = match method.as_str() {
                "get" => srv.get(&concrete),
                // Case changes always need a token; this server has none.
                "post" if path.starts_with("/api/v1/cases") => {
                    let (status, body) = srv.post(&concrete, r#"{"note": "x"}"#);
                    assert_eq!((status, error_of(&body).0), (403, "token_required"));
                    continue;
                }
                "post" => srv.post(&concrete, &order("S023")),
                other => panic!("{other} {path}"),
            };
            assert_eq!(status, 200, "{method} {concrete}: {body}");
        }
        assert!(
            ops.as_object()
                .unwrap()
                .values()
                .all(|op| op["responses"]["200"].is_object())
        );
    }
    // The error body is described once and referenced by the error answers.
    assert!(spec["components"]["schemas"]["ErrorBody"].is_object());
    spec_and_server_agree(&srv, &spec);
}

/// The token is a security scheme that every guarded operation requires (with its 401);
/// every closed query value is an enum the server takes each value of; counts are bounded.
fn spec_and_server_agree(srv: &Server, spec: &Value) {
    // This server needs no token, and its description declares none.
    assert!(spec["components"]["securitySchemes"].is_null());
    let mut enums = 0;
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            assert!(op["security"].is_null(), "{method} {path}");
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            for p in params
                .iter()
                .filter(|p| p["in"] == "query" && method == "get")
            {
                let Some(values) = p["schema"]["enum"].as_array() else {
                    continue;
                };
                let concrete = path.replace("{id}", "S023").replace("{name}", "Footwear");
                for v in values {
                    enums += 1;
                    let url = format!(
                        "{concrete}?{}={}",
                        p["name"].as_str().unwrap(),
                        v.as_str().unwrap()
                    );
                    let (status, body) = srv.get(&url);
                    assert!(status == 200 || status == 503, "{url}: {status} {body}");
                }
            }
        }
    }
    assert!(enums >= 30, "{enums} enum values");
    let sellers = &spec["paths"]["/api/v1/sellers"]["get"]["parameters"];
    let of = |name: &str| {
        sellers
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()["schema"]
            .clone()
    };
    assert_eq!(
        of("window")["enum"],
        serde_json::json!(["7", "30", "90", "all"])
    );
    assert_eq!(
        (
            of("limit")["minimum"].as_f64(),
            of("limit")["maximum"].as_f64()
        ),
        (Some(1.0), Some(1e6))
    );
    let days = &spec["components"]["schemas"]["CaseChangeBody"]["properties"]["days"];
    assert_eq!(
        (days["minimum"].as_f64(), days["maximum"].as_f64()),
        (Some(0.0), Some(3650.0))
    );
    // The loaded data's feature columns make the predict body: required, typed, no others.
    let order = &spec["components"]["schemas"]["Order"];
    assert_eq!(order["additionalProperties"], false);
    assert!(
        order["required"]
            .as_array()
            .unwrap()
            .contains(&"Product_Price".into())
    );
    assert_eq!(
        order["properties"]["Customer_Type"]["enum"],
        serde_json::json!(["New", "Returning"])
    );
    // A typo in a query parameter is named, not ignored.
    let (status, body) = srv.get("/api/v1/sellers?windw=7");
    assert_eq!(
        (status, error_of(&body)),
        (400, ("bad_query", Some("windw")))
    );
    let (status, body) = srv.get("/api/v1/sellers/S023/orders?category=");
    assert_eq!(
        (status, error_of(&body)),
        (400, ("bad_query", Some("category")))
    );
    // With a token: a scheme every guarded operation requires, with its 401.
    let dir = data_copy();
    let srv = Server::start(dir.path(), &[], &[("RETURNRISK_TOKEN", "t0ken")]).ready();
    let (_, spec) = srv.get("/openapi.json");
    let scheme = &spec["components"]["securitySchemes"]["bearer"];
    assert_eq!(
        (scheme["type"].as_str(), scheme["scheme"].as_str()),
        (Some("http"), Some("bearer"))
    );
    let guarded = returnrisk_tui::serve::guarded_paths();
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let needs = op["security"][0]["bearer"].is_array();
            assert_eq!(needs, guarded.contains(&path.as_str()), "{method} {path}");
            assert_eq!(op["responses"]["401"].is_object(), needs, "{method} {path}");
        }
    }
}

#[test]
fn answers_are_gzipped_on_request_and_cors_is_off_unless_configured() {
    let dir = data_copy();
    let srv = Server::start(dir.path(), &[], &[]).ready();
    let origin = "Origin: https://bi.example";
    let (status, head, _) = http(
        srv.port,
        "GET",
        "/api/v1/marketplace",
        &["Accept-Encoding: gzip", origin],
        b"",
    );
    assert_eq!(status, 200);
    assert!(head.contains("content-encoding: gzip"), "{head}");
    assert!(!head.contains("access-control-allow-origin"), "{head}");
    drop(srv);
    let srv = Server::start(dir.path(), &["--cors-origin", "https://bi.example"], &[]).ready();
    let (_, head, _) = http(srv.port, "GET", "/api/v1/alerts", &[origin], b"");
    assert!(
        head.contains("access-control-allow-origin: https://bi.example"),
        "{head}"
    );
    let (_, head, _) = http(
        srv.port,
        "GET",
        "/api/v1/alerts",
        &["Origin: https://evil.example"],
        b"",
    );
    assert!(!head.contains("access-control-allow-origin"), "{head}");
}

/// Sends a POST's head and the first half of its body; the rest is sent by the caller.
fn half_sent(port: u16, body: &str) -> (TcpStream, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let head = format!(
        "POST /api/v1/predict HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let (first, rest) = body.split_at(body.len() / 2);
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(first.as_bytes()).unwrap();
    (s, rest.to_string())
}

fn status_of(s: &mut TcpStream) -> u16 {
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    text.split(' ').nth(1).unwrap_or("0").parse().unwrap_or(0)
}

#[test]
fn a_request_in_flight_finishes_after_sigterm_and_a_stalled_one_times_out() {
    let dir = data_copy();
    let mut srv = Server::start(dir.path(), &["--timeout", "1"], &[]).ready();
    // A client that stops sending halfway is answered 408 after the timeout.
    let (mut stalled, _) = half_sent(srv.port, &order("S006"));
    let t = Instant::now();
    assert_eq!(status_of(&mut stalled), 408);
    assert!(
        t.elapsed() >= Duration::from_millis(900),
        "{:?}",
        t.elapsed()
    );
    // A request under way when SIGTERM arrives still gets its answer; then the server exits 0.
    let (mut inflight, rest) = half_sent(srv.port, &order("S006"));
    std::thread::sleep(Duration::from_millis(200));
    let pid = srv.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    std::thread::sleep(Duration::from_millis(200));
    inflight.write_all(rest.as_bytes()).unwrap();
    assert_eq!(status_of(&mut inflight), 200);
    assert_eq!(srv.child.wait().unwrap().code(), Some(0));
    // Nothing listens any more.
    assert!(TcpStream::connect(("127.0.0.1", srv.port)).is_err());
}

#[test]
fn cases_are_served_and_change_only_with_the_token() {
    let dir = data_copy();
    let srv = Server::start(dir.path(), &[], &[]).ready();
    // The load evaluated the alerts: one case per alert of the last 30 days.
    let (status, alerts) = srv.get("/api/v1/alerts?window=30");
    assert_eq!(status, 200);
    let n = alerts["alerts"].as_array().unwrap().len();
    let (status, cases) = srv.get("/api/v1/cases");
    assert_eq!(status, 200);
    assert_eq!(cases.as_array().unwrap().len(), n, "{cases}");
    let (status, one) = srv.get("/api/v1/cases/1");
    assert_eq!(status, 200);
    assert_eq!(one["history"][0]["action"], "open");
    assert_eq!(
        one,
        json(&[
            "cases",
            "show",
            "1",
            "--format",
            "json",
            "--data",
            p(dir.path())
        ])
    );
    let (status, new) = srv.get("/api/v1/cases?state=new");
    assert_eq!((status, new.as_array().unwrap().len()), (200, n));
    for (path, code, field) in [
        ("/api/v1/cases?state=done", 400, Some("state")),
        ("/api/v1/cases/x", 400, Some("id")),
        ("/api/v1/cases/9999", 404, None),
    ] {
        let (status, body) = srv.get(path);
        assert_eq!((status, error_of(&body).1), (code, field), "{path}: {body}");
    }
    // No token: no changes, even on loopback.
    let (status, body) = srv.post("/api/v1/cases/1/ack", "");
    assert_eq!((status, error_of(&body).0), (403, "token_required"));
    drop(srv);

    // With a token (and the same data: the second load opens no case).
    let srv = Server::start(dir.path(), &[], &[("RETURNRISK_TOKEN", "t0ken")]).ready();
    let auth = ["Authorization: Bearer t0ken"];
    let change = |path: &str, body: &str| srv.send("POST", path, &auth, Some(body));
    assert_eq!(srv.post("/api/v1/cases/1/ack", "").0, 401);
    let (status, c) = change("/api/v1/cases/1/ack", r#"{"user": "ana", "note": "mine"}"#);
    assert_eq!(
        (status, c["state"].as_str()),
        (200, Some("acknowledged")),
        "{c}"
    );
    let (status, c) = change("/api/v1/cases/1/resolve", "");
    assert_eq!(
        (status, c["state"].as_str()),
        (200, Some("resolved")),
        "{c}"
    );
    let (status, body) = change("/api/v1/cases/1/escalate", "");
    assert_eq!((status, error_of(&body).0), (409, "invalid_transition"));
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot escalate a case that is resolved")
    );
    let (status, c) = change("/api/v1/cases/2/snooze", r#"{"until": "2026-07-10"}"#);
    assert_eq!(
        (status, c["snoozed_until"].as_str()),
        (200, Some("2026-07-10")),
        "{c}"
    );
    let (status, c) = change("/api/v1/cases/3/assign", r#"{"assignee": "bo"}"#);
    assert_eq!((status, c["assignee"].as_str()), (200, Some("bo")), "{c}");
    let big = format!(r#"{{"note": "{}"}}"#, "x".repeat(9 << 20));
    for (path, body, code, field) in [
        ("/api/v1/cases/3/note", "{}", 422, Some("note")),
        (
            "/api/v1/cases/3/snooze",
            r#"{"until": "soon"}"#,
            422,
            Some("until"),
        ),
        (
            "/api/v1/cases/3/snooze",
            r#"{"days": 4000000000}"#,
            422,
            Some("days"),
        ),
        (
            "/api/v1/cases/3/snooze",
            r#"{"days": 3651}"#,
            422,
            Some("days"),
        ),
        ("/api/v1/cases/3/close", "{}", 404, Some("action")),
        // A body over the limit is the documented JSON too, not text/plain.
        ("/api/v1/cases/3/note", &big, 413, None),
        ("/api/v1/cases/3/note", r#"{"text": "x"}"#, 400, None),
        ("/api/v1/cases/9999/ack", "{}", 404, None),
    ] {
        let (status, b) = change(path, body);
        assert_eq!((status, error_of(&b).1), (code, field), "{path}: {b}");
    }
    // The API and the command line say the same words for the same mistake.
    for (body, args) in [
        (r#"{"days": 3651}"#, vec!["--days", "3651"]),
        (r#"{"until": "soon"}"#, vec!["--until", "soon"]),
    ] {
        let (_, b) = change("/api/v1/cases/3/snooze", body);
        let api = b["error"]["message"].as_str().unwrap().to_string();
        let cli = common::run_on(
            p(dir.path()),
            &[&["cases", "snooze", "3"][..], &args].concat(),
        );
        assert_eq!(cli.status.code(), Some(1));
        assert_eq!(common::stderr(&cli), format!("error: {api}\n"));
    }
    let (_, cases) = srv.get_with_auth("/api/v1/cases", &auth);
    assert_eq!(cases.as_array().unwrap().len(), n);
    let (_, one) = srv.get_with_auth("/api/v1/cases/1", &auth);
    let who: Vec<&str> = one["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["user"].as_str().unwrap())
        .collect();
    assert_eq!(who, ["evaluation", "ana", "api"]);
    assert_eq!(one["notes"][0]["text"], "mine");
}
