//! `export onnx` through the binary: the folder it writes, what the manifest says, and what
//! it refuses. The scores themselves are checked in onnxruntime against `predict` by
//! `bench/onnx/run.sh`, which the CI runs.

use crate::common;
use common::{json, p, run, small_data, stderr, stdout};
use serde_json::Value;
use std::path::Path;

fn export(data: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["export", "onnx", "--data", p(data), "--out", p(out)];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn onnx_export_writes_every_scoring_model_and_a_manifest_and_never_replaces_a_folder() {
    let d = small_data();
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("onnx");
    let untrained = export(d.path(), &out, &[]);
    assert!(!untrained.status.success());
    assert!(
        stderr(&untrained).contains("run `returnrisk-tui train` first"),
        "{}",
        stderr(&untrained)
    );
    assert!(!out.exists());

    assert!(run(&["train", "--data", p(d.path())]).status.success());
    let o = export(d.path(), &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let models = manifest["models"].as_array().unwrap();
    assert_eq!(summary["models"].as_u64(), Some(models.len() as u64));
    assert_eq!(models[0]["name"], "global");
    assert_eq!(models[0]["file"], "global.onnx");
    // Every model of the set; exactly those predictions name score (the global one and each
    // seller's active own), the others are marked.
    let scored = run(&["predict", "--data", p(d.path()), "--out", "-"]);
    let mut used: Vec<String> = stdout(&scored)
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(5).unwrap().to_string())
        .collect();
    used.sort();
    used.dedup();
    let mut named: Vec<String> = models
        .iter()
        .filter(|m| m["scores"] == true)
        .map(|m| m["name"].as_str().unwrap().to_string())
        .collect();
    named.sort();
    assert_eq!(named, used);
    assert_eq!(summary["scoring"].as_u64(), Some(named.len() as u64));
    let mut total = 0;
    for m in models {
        let bytes = std::fs::read(out.join(m["file"].as_str().unwrap())).unwrap();
        assert_eq!(Some(bytes.len() as u64), m["bytes"].as_u64());
        // ModelProto starts with its IR version: field 1, varint 10.
        assert_eq!(&bytes[..2], [0x08, 0x0a]);
        assert!(m["version"].as_u64().is_some() && m["run_id"].is_string());
        total += bytes.len() as u64;
    }
    assert_eq!(summary["bytes"].as_u64(), Some(total));
    let inputs: Vec<(&str, &str)> = manifest["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["column"].as_str().unwrap(), i["type"].as_str().unwrap()))
        .collect();
    assert!(
        inputs.contains(&("Product_Category", "string")),
        "{inputs:?}"
    );
    assert!(inputs.contains(&("Product_Price", "double")), "{inputs:?}");
    assert_eq!(manifest["seller_column"], "seller_id");
    assert_eq!(manifest["order_id_column"], "Order_ID");
    assert_eq!(manifest["output"]["name"], "risk");
    assert_eq!(manifest["output"]["type"], "double");
    assert_eq!(manifest["opsets"]["ai.onnx.ml"], 5);
    assert_eq!(manifest["risk_bands"]["high"], 0.5);
    // What an aggregation of the scored orders reads, as the loader reads it.
    let data = &manifest["data"];
    assert_eq!(data["timestamp_column"], "order_timestamp");
    assert_eq!(data["label_column"], "Returned");
    assert_eq!(data["rating_column"], "Product_Rating");
    assert_eq!(data["delivery_days_column"], "Delivery_Time_Days");
    assert_eq!(data["payment_column"], "Payment_Method");
    assert_eq!(data["cod_value"], "COD");
    assert_eq!(data["label_true"], serde_json::json!(["1", "1.0", "true"]));

    // Again: refused in one line, the folder untouched, nothing left beside it.
    let before = std::fs::read(out.join("manifest.json")).unwrap();
    let again = export(d.path(), &out, &["--run", "latest"]);
    assert!(!again.status.success());
    let line = stderr(&again);
    assert!(line.contains("exists") && line.contains(p(&out)), "{line}");
    assert!(std::fs::read(out.join("manifest.json")).unwrap() == before);
    let beside: Vec<_> = std::fs::read_dir(t.path()).unwrap().collect();
    assert_eq!(beside.len(), 1, "{beside:?}");

    // A run by id exports the same forests; an unknown run is named.
    let run_id = models[0]["run_id"].as_str().unwrap();
    let by_run = t.path().join("by-run");
    assert!(
        export(d.path(), &by_run, &["--run", run_id])
            .status
            .success()
    );
    let same =
        |f: &str| std::fs::read(by_run.join(f)).unwrap() == std::fs::read(out.join(f)).unwrap();
    assert!(
        same("global.onnx"),
        "the run's global model differs from the active one"
    );
    let unknown = export(d.path(), &t.path().join("x"), &["--run", "nosuch"]);
    assert!(
        stderr(&unknown).contains("no run \"nosuch\""),
        "{}",
        stderr(&unknown)
    );
    let listed = json(&["runs", "list", "--data", p(d.path()), "--format", "json"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(1));

    // MLflow unreachable (nothing listens on loopback's port 9): one line naming it, exit 1.
    // The export itself is checked against a real MLflow server by bench/mlflow/run.sh.
    let uri = "http://127.0.0.1:9";
    let o = run(&[
        "runs",
        "export",
        "mlflow",
        "--data",
        p(d.path()),
        "--tracking-uri",
        uri,
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("cannot reach MLflow at http://127.0.0.1:9"),
        "{err}"
    );
    assert!(stdout(&o).is_empty());
}
