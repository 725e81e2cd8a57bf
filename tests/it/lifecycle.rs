//! The lifecycle commands through the binary: pipeline idempotence, locking and failures
//! naming their step; runs and models commands; predictions naming version and run.

use crate::common;

use common::{
    ORDERS_HEADER, VALID_ROWS, bin, json, p, run, small_data, stderr, stdout, write_dataset,
};
use serde_json::Value;
use std::path::Path;

fn run_dirs(dir: &Path) -> usize {
    std::fs::read_dir(dir.join(".returnrisk/runs")).map_or(0, |rd| {
        rd.flatten()
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .count()
    })
}

#[test]
fn pipeline_runs_every_step_once_and_then_has_nothing_to_do() {
    let d = small_data();
    let first = json(&["pipeline", "--data", p(d.path()), "--format", "json"]);
    assert_eq!(first["up_to_date"], false);
    let steps: Vec<&str> = first["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "validate", "train", "evaluate", "register", "predict", "drift", "cases"
        ]
    );
    assert!(
        first["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["ran"] == true)
    );
    // The cases step opened one case per alert of the last 30 days.
    let detail = first["steps"][6]["detail"].as_str().unwrap().to_string();
    let alerts: usize = detail.split(' ').next().unwrap().parse().unwrap();
    let cases = json(&["cases", "list", "--format", "json", "--data", p(d.path())]);
    assert!(alerts > 0, "{detail}");
    assert_eq!(cases.as_array().unwrap().len(), alerts, "{detail}");
    assert!(
        detail.contains(&format!("{alerts} cases opened")),
        "{detail}"
    );
    let run_id = first["run_id"].as_str().unwrap().to_string();
    let state = d.path().join(".returnrisk");
    let predictions = state.join("predictions.csv");
    let modified = |f: &Path| std::fs::metadata(f).unwrap().modified().unwrap();
    let (pred_time, registry_time) = (
        modified(&predictions),
        modified(&state.join("registry.json")),
    );

    // Every prediction names the registered version and run that scored it.
    let text = std::fs::read_to_string(&predictions).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("Order_ID,seller_id,marketplace_id,risk_score,risk_label,model,model_version,run_id")
    );
    let registry = json(&["models", "list", "--data", p(d.path()), "--format", "json"]);
    let mut rows = 0;
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        let entry = &registry["models"][f[5]];
        assert_eq!(entry["active"].as_u64().unwrap().to_string(), f[6], "{l}");
        assert_eq!(f[7], run_id, "{l}");
        rows += 1;
    }
    assert_eq!(rows, 6000);
    assert!(state.join("drift.html").is_file() && state.join("drift.json").is_file());

    // Second run: unchanged data, no work, no writes.
    let second = json(&["pipeline", "--data", p(d.path()), "--format", "json"]);
    assert_eq!(second["up_to_date"], true);
    assert!(second["run_id"].is_null());
    let ran: Vec<bool> = second["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["ran"].as_bool().unwrap())
        .collect();
    assert_eq!(ran, [true, false, false, false, false, false, false]);
    assert_eq!(run_dirs(d.path()), 1);
    assert_eq!(modified(&predictions), pred_time);
    assert_eq!(modified(&state.join("registry.json")), registry_time);

    // A manual promotion changes the registry: predictions are redone, training is not.
    let seller = registry["models"]
        .as_object()
        .unwrap()
        .keys()
        .find(|k| *k != "global")
        .unwrap()
        .clone();
    let out = run(&["models", "promote", &seller, "1", "--data", p(d.path())]);
    assert!(out.status.success(), "{}", stderr(&out));
    let third = json(&["pipeline", "--data", p(d.path()), "--format", "json"]);
    assert_eq!(third["up_to_date"], false);
    let ran: Vec<bool> = third["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["ran"].as_bool().unwrap())
        .collect();
    assert_eq!(ran, [true, false, false, false, true, true, true]);
    assert_eq!(run_dirs(d.path()), 1);
}

#[test]
fn two_pipelines_at_once_train_once() {
    let d = small_data();
    let spawn = || {
        bin()
            .args(["pipeline", "--data", p(d.path()), "--format", "json"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
    let mut trained = 0;
    for o in &outs {
        assert!(o.status.success(), "{}", stderr(o));
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        trained += usize::from(v["run_id"].is_string());
    }
    assert_eq!(trained, 1, "exactly one of the two trained");
    assert_eq!(run_dirs(d.path()), 1);
    let reg = json(&["models", "list", "--data", p(d.path()), "--format", "json"]);
    assert_eq!(
        reg["models"]["global"]["versions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn pipeline_failures_name_their_step_and_exit_non_zero() {
    // Three valid orders, none with a known outcome yet: validation passes, training cannot.
    let dir = tempfile::tempdir().unwrap();
    let pending: Vec<String> = VALID_ROWS
        .iter()
        .map(|r| r.replace(",1,S", ",,S").replace(",0,S", ",,S"))
        .collect();
    let rows = format!("{ORDERS_HEADER}\n{}\n", pending.join("\n"));
    write_dataset(dir.path(), &rows);
    let out = run(&["pipeline", "--data", p(dir.path())]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("pipeline failed at step train"), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );

    // A bad row under --strict stops validation.
    let bad = format!("{rows}O4,Books,abc,0,2,New,UPI,0.1,4.0,0,S1,M1,2026-03-04\n");
    write_dataset(dir.path(), &bad);
    let out = run(&["pipeline", "--data", p(dir.path()), "--strict"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("pipeline failed at step validate"), "{err}");
    assert!(err.contains("orders.csv:5"), "{err}");
}

#[test]
fn runs_and_models_commands() {
    let d = small_data();
    let data = p(d.path());
    let empty = run(&["runs", "list", "--data", data]);
    assert!(stdout(&empty).contains("No runs yet"), "{}", stdout(&empty));
    json(&["train", "--data", data, "--format", "json"]);
    json(&["train", "--data", data, "--format", "json"]);
    let runs = json(&["runs", "list", "--data", data, "--format", "json"]);
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 2);
    let (a, b) = (
        runs[0]["id"].as_str().unwrap(),
        runs[1]["id"].as_str().unwrap(),
    );
    assert!(
        runs[0]["started_at"].as_str() <= runs[1]["started_at"].as_str(),
        "oldest first"
    );

    // Identical data and parameters: identical forests, so no metric moves.
    let c = json(&["runs", "compare", a, b, "--data", data, "--format", "json"]);
    assert_eq!(c["same_data"], true);
    assert!(c["params"].as_array().unwrap().is_empty());
    assert!(
        c["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["delta"] == 0.0)
    );

    // The same forests again: nothing new is registered, and `runs show` says so.
    let show = json(&["runs", "show", "latest", "--data", data, "--format", "json"]);
    assert_eq!(show["run"]["id"], b);
    assert_eq!(show["run"]["params"]["trees"], 100);
    assert_eq!(
        (show["unchanged"].clone(), show["registered"].clone()),
        (true.into(), serde_json::json!([]))
    );
    let text = stdout(&run(&["runs", "show", &b[..b.len() - 2], "--data", data]));
    assert!(
        text.contains("Parameters") && text.contains("threshold_policy"),
        "{text}"
    );
    assert!(text.contains("nothing changed"), "{text}");
    let listed = json(&["runs", "list", "--data", data, "--format", "json"]);
    assert_eq!(listed[1]["global_registration"], "unchanged");

    // Other data (the first, labelled order left out): other forests, a second version.
    common::drop_first_order(d.path());
    let third = json(&["train", "--data", data, "--format", "json"]);
    assert_eq!(common::trained_global(&third)["version"], 2, "{third}");
    let promoted = json(&[
        "models", "promote", "global", "v2", "--data", data, "--format", "json",
    ]);
    assert_eq!(promoted["active"], 2);
    let back = json(&[
        "models", "rollback", "global", "--data", data, "--format", "json",
    ]);
    assert_eq!(
        (back["previous"].as_u64(), back["active"].as_u64()),
        (Some(2), Some(1))
    );
    let again = json(&[
        "models", "promote", "global", "v2", "--data", data, "--format", "json",
    ]);
    assert_eq!(again["active"], 2);

    for (args, message) in [
        (vec!["models", "promote", "S999", "1"], "no model \"S999\""),
        (
            vec!["models", "promote", "global", "7"],
            "has no version 7 (it has v1, v2)",
        ),
        (
            vec!["models", "promote", "global", "x"],
            "bad version \"x\"",
        ),
        (vec!["runs", "show", "nope"], "no run \"nope\""),
        (
            vec!["models", "rule", "--metric", "f1"],
            "bad --metric \"f1\"",
        ),
    ] {
        let mut args = args.clone();
        args.extend(["--data", data]);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
    let rule = json(&[
        "models",
        "rule",
        "--metric",
        "roc_auc",
        "--tolerance",
        "0.01",
        "--data",
        data,
        "--format",
        "json",
    ]);
    assert_eq!(rule["metric"], "roc_auc");
    assert_eq!(rule["tolerance"], 0.01);
}
