"""Checks `runs export mlflow` with MLflow's own client (run by run.sh).

Usage: check.py TRACKING_URI DATA_DIR PREDICTIONS_CSV FIRST_JSON SECOND_JSON UNREACHABLE_STDERR
                INVOCATIONS_URL
"""
import csv
import json
import sys
import urllib.request
from pathlib import Path

import mlflow
import pandas as pd

TOLERANCE = 1e-12


def fail(message):
    print(f"FAILED: {message}")
    sys.exit(1)


def served(url, rows):
    """`mlflow models serve`'s answer for a table of rows."""
    columns = list(rows[0])
    body = json.dumps({"dataframe_split": {"columns": columns, "data": [[r[c] for c in columns] for r in rows]}})
    request = urllib.request.Request(url, body.encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return [p["risk"] for p in json.loads(answer.read())["predictions"]]


def main(uri, data_dir, predictions, first, second, unreachable, invocations):
    data_dir = Path(data_dir)
    first, second = json.loads(first), json.loads(second)
    ours = [json.loads(p.read_text()) for p in sorted(data_dir.glob(".returnrisk/runs/*/run.json"))]
    if [r["status"] for r in first["runs"]] != ["exported"] * len(ours):
        fail(f"first export: {first}")
    if [r["status"] for r in second["runs"]] != ["already exported"] * len(ours) or [
        r["mlflow_run_id"] for r in second["runs"]
    ] != [r["mlflow_run_id"] for r in first["runs"]]:
        fail(f"second export changed something: {second}")
    err = Path(unreachable).read_text().strip().splitlines()
    if len(err) != 1 or "127.0.0.1:9" not in err[0]:
        fail(f"an unreachable server should be one line naming it: {err}")

    mlflow.set_tracking_uri(uri)
    runs = mlflow.search_runs(experiment_names=["returnrisk"], output_format="list")
    if len(runs) != len(ours):
        fail(f"{len(runs)} MLflow runs for {len(ours)} of ours (the half-written one not replaced?)")
    everything = mlflow.search_runs(experiment_names=["returnrisk"], output_format="list", run_view_type=mlflow.entities.ViewType.ALL)
    if len(everything) != len(ours) + 1:
        fail(f"the half-written export was not deleted: {len(everything)} runs in all")
    compared = 0
    for rec in ours:
        (run,) = [r for r in runs if r.data.tags.get("returnrisk.run_id") == rec["id"]]
        if run.data.tags.get("returnrisk.exported") != "true" or run.info.status != "FINISHED":
            fail(f"run {rec['id']} is not marked finished")
        for model in rec["models"]:
            m = model["metrics"]
            prefix = "" if m["model"] == "global" else f"{m['model']}/"
            for key in ["roc_auc", "pr_auc", "brier", "accuracy", "precision", "recall", "f1", "base_rate", "threshold", "n_train", "n_test"]:
                if m.get(key) is None:
                    continue
                logged = run.data.metrics.get(prefix + key)
                if logged != float(m[key]):
                    fail(f"{rec['id']} {prefix}{key}: MLflow has {logged}, run.json {m[key]}")
                compared += 1
        if run.data.params.get("trees") != str(rec["params"]["trees"]):
            fail(f"params: {run.data.params}")
    print(f"search_runs: {len(runs)} runs, {compared} metrics equal to run.json's exactly")

    run = runs[0]
    model = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
    mlflow.onnx.load_model(f"runs:/{run.info.run_id}/model")  # the onnx flavour loads too
    manifest = json.loads(Path(mlflow.artifacts.download_artifacts(f"runs:/{run.info.run_id}/onnx/manifest.json")).read_text())
    with open(predictions, newline="") as f:
        scored = {r["Order_ID"]: r for r in csv.DictReader(f) if r["model"] == "global"}
    rows, expected = [], []
    with open(data_dir / "orders.csv", newline="") as f:
        for r in csv.DictReader(f):
            p = scored.get(r[manifest["order_id_column"]])
            if p is None:
                continue
            row = {}
            for i in manifest["inputs"]:
                text = r[i["column"]]
                row[i["name"]] = text if i["type"] == "string" else (float(text) if text.strip() else float("nan"))
            rows.append(row)
            expected.append(float(p["risk_score"]))
            if len(rows) == 1000:
                break
    by_alias = registered(run, first)
    answers = [
        ("the logged model (onnx flavour)", lambda: model.predict(pd.DataFrame(rows))["risk"]),
        ("models:/returnrisk-global@active", lambda: by_alias.predict(pd.DataFrame(rows))["risk"]),
        ("mlflow models serve", lambda: served(invocations, rows)),
    ]
    for label, answer in answers:
        got = list(answer())
        worst = max(abs(float(g) - e) for g, e in zip(got, expected))
        print(f"{label} on {len(rows)} demo orders: largest difference from predict {worst:.2e}")
        if len(rows) != 1000 or worst > TOLERANCE:
            fail(f"{label} does not predict what predict does")


def registered(run, first):
    """The registered model's `active` version, checked to be the one version, of `run`."""
    client = mlflow.MlflowClient()
    versions = client.search_model_versions("name = 'returnrisk-global'")
    active = client.get_model_version_by_alias("returnrisk-global", "active")
    if len(versions) != 1 or active.run_id != run.info.run_id:
        fail(f"registry: {len(versions)} versions, active from run {active.run_id}")
    if first["registered"]["version"] != active.version:
        fail(f"registry: {first['registered']} vs {active.version}")
    print(f"registry: returnrisk-global has 1 version after two exports, alias active on run {run.info.run_id}")
    return mlflow.pyfunc.load_model("models:/returnrisk-global@active")


if __name__ == "__main__":
    if len(sys.argv) != 8:
        sys.exit(__doc__)
    main(*sys.argv[1:])
