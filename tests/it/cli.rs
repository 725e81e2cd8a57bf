//! End-to-end runs of the binary: the headless commands' contracts (JSON fields, CSV
//! columns, errors and exit codes) on a small generated dataset.

use crate::common;
use common::*;
use serde_json::Value;
use std::path::Path;

#[test]
fn generate_is_deterministic_and_reports_bayes_auc() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let args = |d: &Path| {
        vec![
            "generate".to_string(),
            "--out".into(),
            p(d).into(),
            "--orders".into(),
            "3000".into(),
            "--seed".into(),
            "9".into(),
        ]
    };
    let oa = bin().args(args(a.path())).output().unwrap();
    let ob = bin().args(args(b.path())).output().unwrap();
    assert_eq!(oa.stdout, ob.stdout);
    for f in ["orders.csv", "sellers.csv", "ground_truth.csv"] {
        assert_eq!(
            std::fs::read(a.path().join(f)).unwrap(),
            std::fs::read(b.path().join(f)).unwrap(),
            "{f}"
        );
    }
    let s: Value = serde_json::from_slice(&oa.stdout).unwrap();
    assert_eq!(s["orders"], 3000);
    let rate = s["return_rate"].as_f64().unwrap();
    assert!((0.15..=0.25).contains(&rate), "{rate}");
    let auc = s["bayes_auc"].as_f64().unwrap();
    assert!(auc > 0.65 && auc < 0.9, "{auc}");
}

#[test]
fn report_json_has_the_contract_fields_and_windows_differ() {
    let d = small_data();
    let all = json(&["report", "--data", p(d.path()), "--format", "json"]);
    for f in [
        "window",
        "as_of",
        "marketplace",
        "total_orders",
        "total_sellers",
        "labelled_orders",
        "returned_orders",
        "pending_orders",
        "return_rate",
        "mean_risk",
        "high_risk_orders",
        "high_risk_share",
        "peak_risk",
        "revenue_at_risk",
        "health_score",
        "trend",
        "categories",
        "sellers",
        "alerts",
    ] {
        assert!(all.get(f).is_some(), "missing {f}");
    }
    assert_eq!(all["total_orders"], 6000);
    assert_eq!(all["window"], "all");
    let w30 = json(&[
        "report",
        "--data",
        p(d.path()),
        "--format",
        "json",
        "--window",
        "30",
        "--marketplace",
        "M002",
    ]);
    assert_eq!(w30["marketplace"], "M002");
    assert_eq!(w30["trend"].as_array().unwrap().len(), 30);
    assert!(w30["total_orders"].as_u64().unwrap() < 6000 / 3);
    assert!(
        w30["sellers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["marketplace_id"] == "M002")
    );
    // Same numbers as the library computes.
    let (ds, rep) = returnrisk_tui::data::load_dir(d.path(), &Default::default()).unwrap();
    let mut engine = returnrisk_tui::engine::Engine::new(ds, rep, Default::default());
    let cfg = returnrisk_tui::model::TrainConfig::default();
    let set = returnrisk_tui::model::store::reusable(&engine.data, &cfg)
        .unwrap()
        .expect("the report's models are registered");
    engine.set_models(set);
    let snap = engine
        .snapshot(returnrisk_tui::engine::Window::Days(30), Some("M002"))
        .unwrap();
    assert_eq!(serde_json::to_value(&snap).unwrap(), w30);
}

#[test]
fn report_table_and_csv() {
    let d = small_data();
    let out = run(&["report", "--data", p(d.path()), "--window", "90"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.contains("Health score") && text.contains("Alerts ("),
        "{text}"
    );
    let csv = stdout(&run(&["report", "--data", p(d.path()), "--format", "csv"]));
    assert!(csv.starts_with("section,id,metric,value\n"));
    assert!(csv.contains("summary,,total_orders,6000\n"));
}

#[test]
fn seller_command_lists_orders_newest_first_with_scores() {
    let d = small_data();
    let s = json(&[
        "seller",
        "S001",
        "--data",
        p(d.path()),
        "--format",
        "json",
        "--window",
        "90",
    ]);
    assert_eq!(s["seller_id"], "S001");
    let orders = s["orders"].as_array().unwrap();
    assert!(!orders.is_empty());
    let dates: Vec<&str> = orders.iter().map(|o| o["date"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]));
    assert!(
        orders
            .iter()
            .all(|o| o["risk_score"].as_f64().is_some() && o["risk_label"].is_string())
    );
    assert_eq!(s["explanations"].as_array().unwrap().len(), 4);
    // The metrics shown are those of the model that scores the seller.
    assert_eq!(s["model_metrics"]["model"], s["model"]);
    assert!(s["model_metrics"]["n_test"].as_u64().unwrap() > 0);

    let bad = run(&["seller", "NOPE", "--data", p(d.path())]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).starts_with("error: unknown seller \"NOPE\""),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn unknown_marketplace_and_window_are_clear_errors() {
    let d = small_data();
    let out = run(&["report", "--data", p(d.path()), "--marketplace", "M999"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        "error: unknown marketplace \"M999\" (known: M001, M002, M003)"
    );
    let out = run(&["report", "--data", p(d.path()), "--window", "14"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        "error: bad window \"14\": expected 7, 30, 90 or all"
    );
}

#[test]
fn train_json_lists_every_model_with_metrics() {
    let d = small_data();
    let t = json(&["train", "--data", p(d.path()), "--format", "json"]);
    let models = t["models"].as_array().unwrap();
    assert_eq!(models[0]["model"], "global");
    for m in models {
        for f in [
            "model",
            "n_train",
            "n_test",
            "base_rate",
            "roc_auc",
            "pr_auc",
            "brier",
            "accuracy",
            "precision",
            "recall",
            "f1",
            "threshold",
            "test_start",
            "active",
        ] {
            assert!(m.get(f).is_some(), "{f} missing in {m}");
        }
    }
}

#[test]
fn predict_writes_every_order_and_scores_one() {
    let d = small_data();
    let out_file = d.path().join("scores.csv");
    let out = run(&[
        "predict",
        "--data",
        p(d.path()),
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&out_file).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("Order_ID,seller_id,marketplace_id,risk_score,risk_label,model,model_version,run_id")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 6000);
    // Version and run of the scoring model on every row.
    assert!(rows.iter().all(|l| {
        let f: Vec<&str> = l.split(',').collect();
        f.len() == 8 && f[6].parse::<u32>().is_ok() && f[7].len() == 21
    }));

    let order = r#"{"Product_Category":"Clothing","Product_Price":120,"Discount_Applied":40,"Delivery_Time_Days":9,"Customer_Type":"New","Payment_Method":"COD","Customer_Return_Rate":0.5,"Product_Rating":1.5}"#;
    let one = json(&[
        "predict",
        "--data",
        p(d.path()),
        "--seller",
        "S002",
        "--order",
        order,
    ]);
    let risky = one["risk_score"].as_f64().unwrap();
    assert_eq!(one["model_version"], 1);
    assert_eq!(one["run_id"].as_str().unwrap().len(), 21);
    let calm = r#"{"Product_Category":"Grocery","Product_Price":5,"Discount_Applied":0,"Delivery_Time_Days":1,"Customer_Type":"Returning","Payment_Method":"UPI","Customer_Return_Rate":0.0,"Product_Rating":5}"#;
    let safe = json(&["predict", "--data", p(d.path()), "--order", calm])["risk_score"]
        .as_f64()
        .unwrap();
    assert!(risky > safe + 0.2, "risky {risky} vs safe {safe}");

    let bad = run(&[
        "predict",
        "--data",
        p(d.path()),
        "--order",
        r#"{"Product_Category":"Books"}"#,
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).starts_with("error: bad --order JSON: missing field `Product_Price`"),
        "{}",
        stderr(&bad)
    );
    let bad = run(&[
        "predict",
        "--data",
        p(d.path()),
        "--order",
        &order.replace("\"COD\"", "\"Cheque\""),
    ]);
    assert_eq!(
        stderr(&bad).trim(),
        "error: bad --order JSON: Payment_Method: \"Cheque\" (expected COD, UPI, Card or Wallet)"
    );
}

#[test]
fn missing_data_dir_is_an_error() {
    let out = run(&["report", "--data", "/nonexistent/returnrisk"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        "error: data directory /nonexistent/returnrisk does not exist"
    );
}

#[test]
fn bands_flag_changes_labels_and_rejects_nonsense() {
    let d = small_data();
    let default = json(&["report", "--data", p(d.path()), "--format", "json"]);
    let original = json(&[
        "report",
        "--data",
        p(d.path()),
        "--format",
        "json",
        "--bands",
        "original",
    ]);
    // High from 0.75 instead of 0.50: fewer high-risk orders, same mean risk.
    assert!(
        original["high_risk_orders"].as_u64().unwrap()
            < default["high_risk_orders"].as_u64().unwrap()
    );
    assert_eq!(original["mean_risk"], default["mean_risk"]);
    let bad = run(&["report", "--data", p(d.path()), "--bands", "0.9,0.1"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).starts_with("error: bad --bands \"0.9,0.1\""),
        "{}",
        stderr(&bad)
    );
}

/// The default data copied to a temp dir (models are trained and saved there, not in the repo).
fn default_data_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for f in ["orders.csv", "sellers.csv"] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    dir
}

#[test]
fn drift_finds_the_injected_shift_in_m002_only() {
    let d = default_data_copy();
    let r = json(&[
        "drift",
        "--data",
        p(d.path()),
        "--current",
        "30",
        "--format",
        "json",
    ]);
    let scope = |m: &str| {
        r["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["marketplace"] == m)
            .unwrap()
            .clone()
    };
    let drifted = |s: &Value| -> Vec<String> {
        s["columns"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["drifted"] == true)
            .map(|c| c["column"].as_str().unwrap().to_string())
            .collect()
    };
    // The generator raises COD share and delivery times in the last 30 days of M002.
    let m2 = drifted(&scope("M002"));
    assert!(
        m2.contains(&"delivery_days".to_string()) && m2.contains(&"payment_method".to_string()),
        "{m2:?}"
    );
    assert_eq!(drifted(&scope("M001")), Vec::<String>::new());
    assert_eq!(drifted(&scope("M003")), Vec::<String>::new());
    // Large reference: distances, not p-values.
    let delivery = scope("M002")["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["column"] == "delivery_days")
        .unwrap()
        .clone();
    assert_eq!(delivery["test"], "wasserstein_normed");
    assert_eq!(delivery["threshold"], 0.1);

    let html = d.path().join("drift.html");
    let out = run(&[
        "drift",
        "--data",
        p(d.path()),
        "--format",
        "html",
        "--out",
        html.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!doctype html>") && page.contains("<h2>M002</h2>"));
    assert!(
        !page.contains("http://") && !page.contains("https://") && !page.contains("<script"),
        "self-contained"
    );
}

#[test]
fn predict_order_uses_the_loaders_range_rules() {
    let d = small_data();
    let order = r#"{"Product_Category":"Books","Product_Price":10,"Discount_Applied":0,"Delivery_Time_Days":2,"Customer_Type":"New","Payment_Method":"UPI","Customer_Return_Rate":0.1,"Product_Rating":6}"#;
    let out = run(&["predict", "--data", p(d.path()), "--order", order]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        "error: bad --order JSON: Product_Rating: rating outside 1-5: 6"
    );
}

#[test]
fn bench_scale_generates_trains_and_tabulates_each_size() {
    let root = tempfile::tempdir().unwrap();
    let scale = || {
        let args = ["--sizes", "3000:6", "--iterations", "1"];
        bin()
            .args(["bench", "--scale", p(root.path())])
            .args(args)
            .output()
            .unwrap()
    };
    let out = scale();
    assert!(out.status.success(), "{}", stderr(&out));
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.starts_with("| stage | 3000 orders | target (10M) |"),
        "{table}"
    );
    let row = |name: &str| {
        let line = table
            .lines()
            .find(|l| l.starts_with(&format!("| {name} |")));
        line.unwrap_or_else(|| panic!("no {name} row in\n{table}"))
            .to_string()
    };
    assert_eq!(row("orders"), "| orders | 3000 |  |");
    // Generated and trained in this run, so both were timed; the artefacts exist.
    for name in [
        "generate (s)",
        "training, all forests (s)",
        "models.bin (MB)",
    ] {
        let cell = row(name).split('|').nth(2).unwrap().trim().to_string();
        assert!(cell.parse::<f64>().is_ok(), "{name}: {cell:?}");
    }
    let dir = root.path().join("orders-3000-sellers-6");
    assert!(dir.join("orders.csv").is_file() && dir.join(".returnrisk/runs").is_dir());
    // A second run reuses both: nothing generated or trained again.
    let again = scale();
    let table = String::from_utf8(again.stdout).unwrap();
    assert!(table.contains("| generate (s) | n/a |"), "{table}");
    assert!(
        table.contains("| training, all forests (s) | n/a |"),
        "{table}"
    );
}

#[test]
fn counts_and_durations_are_bounded_with_one_error_not_a_panic() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = common::p(out_dir.path());
    let cases: [&[&str]; 11] = [
        &["generate", "--out", out, "--orders", "0"],
        &["generate", "--out", out, "--orders", "10000000001"],
        &["generate", "--out", out, "--sellers", "0"],
        &["generate", "--out", out, "--sellers", "1000000000000"],
        &["generate", "--out", out, "--marketplaces", "1001"],
        &["bench", "--iterations", "0"],
        &["bench", "--http", "--seconds=-1"],
        &["bench", "--http", "--seconds", "NaN"],
        &["bench", "--http", "--seconds", "1e300"],
        &["bench", "--http", "--connections", "100000"],
        &["bench", "--scale", out, "--sizes", "0:10"],
    ];
    for args in cases {
        let o = common::run(args);
        let err = common::stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        let first = err.lines().next().unwrap_or_default();
        assert!(first.starts_with("error: invalid value"), "{args:?}: {err}");
    }
    // Nothing was written for the refused generations.
    assert_eq!(std::fs::read_dir(out_dir.path()).unwrap().count(), 0);
}
