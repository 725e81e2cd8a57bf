"""Scores every order of a data folder with an ONNX export in onnxruntime, routed as the
manifest says, and compares with `returnrisk-tui predict`'s scores and bands.

Usage: check.py EXPORT_DIR DATA_DIR PREDICTIONS_CSV [--check]
(--check: exit 1 when any score differs by more than 1e-6 or any order changes risk band).
This is how a user checks an export: only numpy and onnxruntime are needed.
"""
import csv
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import onnxruntime as ort

TOLERANCE = 1e-6


def band(risk, bands):
    if risk >= bands["high"]:
        return "High"
    if risk >= bands["medium"]:
        return "Medium"
    return "Low"


def feed_value(text, spec):
    """The raw value of one cell as the model's input wants it."""
    if spec["type"] == "string":
        return text
    t = text.strip()
    if t == "":
        return math.nan
    try:
        return float(t)
    except ValueError:
        for word, number in spec.get("values", {}).items():
            if word.lower() == t.lower():
                return number
        return math.nan


def main(export_dir, data_dir, predictions, check):
    export_dir, data_dir = Path(export_dir), Path(data_dir)
    manifest = json.loads((export_dir / "manifest.json").read_text())
    inputs = manifest["inputs"]
    by_name = {m["name"]: m for m in manifest["models"]}
    scoring = {m["name"] for m in manifest["models"] if m["scores"]}
    with open(predictions, newline="") as f:
        predicted = {row["Order_ID"]: row for row in csv.DictReader(f)}
    groups = defaultdict(list)  # model name -> rows
    with open(data_dir / "orders.csv", newline="") as f:
        for row in csv.DictReader(f):
            seller = row[manifest["seller_column"]]
            model = seller if seller in scoring and seller != "global" else "global"
            groups[model].append(row)
    worst, band_changes, routed_wrong, scored = 0.0, 0, 0, 0
    for name, rows in sorted(groups.items()):
        session = ort.InferenceSession(str(export_dir / by_name[name]["file"]))
        feed = {}
        for spec in inputs:
            values = [feed_value(r[spec["column"]], spec) for r in rows]
            dtype = object if spec["type"] == "string" else np.float64
            feed[spec["name"]] = np.array(values, dtype=dtype)
        (risk,) = session.run([manifest["output"]["name"]], feed)
        for r, ours in zip(rows, risk[:, 0]):
            p = predicted[r[manifest["order_id_column"]]]
            theirs = float(p["risk_score"])
            worst = max(worst, abs(float(ours) - theirs))
            band_changes += band(float(ours), manifest["risk_bands"]) != p["risk_label"]
            routed_wrong += p["model"] != name
            scored += 1
    print(
        f"{data_dir.name}: {scored} orders, {len(groups)} of {len(by_name)} models score; largest difference from "
        f"predict {worst:.2e}; {band_changes} band changes; {routed_wrong} routed to another model"
    )
    if scored != len(predicted):
        print(f"predict scored {len(predicted)} orders, the export {scored}")
        return 1
    if check and (worst > TOLERANCE or band_changes or routed_wrong):
        print(f"FAILED: differences must be <= {TOLERANCE}, with no band change or rerouting")
        return 1
    return 0


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--check"]
    if len(args) != 3:
        sys.exit(__doc__)
    sys.exit(main(*args, check="--check" in sys.argv))
