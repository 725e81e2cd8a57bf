"""Scores orders with an ONNX export in onnxruntime and compares with our own scores.

Usage: check.py EXPORT_DIR DATA_DIR PREDICTIONS_CSV [HOLDOUT_CSV] [--check]

- Every order of DATA_DIR/orders.csv, routed to a model as the manifest says, against
  `returnrisk-tui predict --out PREDICTIONS_CSV` (score, band and model).
- With HOLDOUT_CSV (a run's runs/<id>/holdout.csv, the export made with --run of that run):
  every model of the export, scoring models or not, on each of its holdout orders.
--check: exit 1 when any score differs by more than 1e-6, an order changes risk band or
is routed to another model. This is how a user checks an export: only numpy and
onnxruntime are needed.
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


class Export:
    def __init__(self, export_dir):
        self.dir = Path(export_dir)
        self.manifest = json.loads((self.dir / "manifest.json").read_text())
        self.models = {m["name"]: m for m in self.manifest["models"]}

    def score(self, name, rows):
        """The risk of each order row (a dict of the orders file's columns) by model `name`."""
        session = ort.InferenceSession(str(self.dir / self.models[name]["file"]))
        feed = {}
        for spec in self.manifest["inputs"]:
            values = [feed_value(r[spec["column"]], spec) for r in rows]
            dtype = object if spec["type"] == "string" else np.float64
            feed[spec["name"]] = np.array(values, dtype=dtype)
        (risk,) = session.run([self.manifest["output"]["name"]], feed)
        return [float(v) for v in risk[:, 0]]


def compare(export, groups, expected, label):
    """Scores each model's rows and compares with expected[(order id, model)] = (risk, band)."""
    bands, id_column = export.manifest["risk_bands"], export.manifest["order_id_column"]
    worst, band_changes, scored = 0.0, 0, 0
    for name, rows in sorted(groups.items()):
        for r, ours in zip(rows, export.score(name, rows)):
            theirs, their_band = expected[(r[id_column], name)]
            worst = max(worst, abs(ours - theirs))
            band_changes += band(ours, bands) != (their_band or band(theirs, bands))
            scored += 1
    print(
        f"{label}: {scored} orders, {len(groups)} models; largest difference {worst:.2e}; "
        f"{band_changes} band changes"
    )
    return worst <= TOLERANCE and band_changes == 0


def main(export_dir, data_dir, predictions, holdout, check):
    export, data_dir = Export(export_dir), Path(data_dir)
    m = export.manifest
    scoring = {name for name, x in export.models.items() if x["scores"]}
    with open(data_dir / "orders.csv", newline="") as f:
        orders = {r[m["order_id_column"]]: r for r in csv.DictReader(f)}
    with open(predictions, newline="") as f:
        predicted = list(csv.DictReader(f))
    ok = len(predicted) == len(orders)
    groups, expected, rerouted = defaultdict(list), {}, 0
    for p in predicted:
        row = orders[p["Order_ID"]]
        seller = row[m["seller_column"]]
        name = seller if seller in scoring else "global"
        rerouted += name != p["model"]
        groups[name].append(row)
        expected[(p["Order_ID"], name)] = (float(p["risk_score"]), p["risk_label"])
    ok &= compare(export, groups, expected, f"{data_dir.name}, every order against predict")
    if rerouted:
        print(f"{rerouted} orders routed to another model than predict used")
        ok = False
    if holdout:
        groups, expected = defaultdict(list), {}
        with open(holdout, newline="") as f:
            for h in csv.DictReader(f):
                groups[h["model"]].append(orders[h["Order_ID"]])
                expected[(h["Order_ID"], h["model"])] = (float(h["risk_score"]), None)
        missing = set(groups) - set(export.models)
        if missing:
            print(f"the export lacks {len(missing)} models of the holdout: {sorted(missing)[:5]}")
            ok = False
        groups = {k: v for k, v in groups.items() if k in export.models}
        label = f"{data_dir.name}, every model on its holdout orders"
        ok &= compare(export, groups, expected, label)
    return 0 if ok or not check else 1


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--check"]
    if len(args) not in (3, 4):
        sys.exit(__doc__)
    holdout = args[3] if len(args) == 4 else None
    sys.exit(main(*args[:3], holdout, check="--check" in sys.argv))
