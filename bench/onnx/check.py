"""Scores orders with an ONNX export in onnxruntime and compares with our own scores.

Usage: check.py EXPORT_DIR DATA_DIR PREDICTIONS_CSV [HOLDOUT_CSV] [--check]

- Every order of DATA_DIR/orders.csv, routed to a model as the manifest says, against
  `returnrisk-tui predict --out PREDICTIONS_CSV` (score, band and model).
- With HOLDOUT_CSV (a run's runs/<id>/holdout.csv, the export made with --run of that run):
  every model of the export, scoring models or not, on each of its holdout orders.
--check: exit 1 when any score differs by more than 1e-12, an order changes risk band or
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

TOLERANCE = 1e-12


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
        self.sessions = {}

    def score(self, name, rows):
        """The risk of each order row (a dict of the orders file's columns) by model `name`."""
        if name not in self.sessions:
            self.sessions[name] = ort.InferenceSession(str(self.dir / self.models[name]["file"]))
        session = self.sessions[name]
        feed = {}
        for spec in self.manifest["inputs"]:
            values = [feed_value(r[spec["column"]], spec) for r in rows]
            dtype = object if spec["type"] == "string" else np.float64
            feed[spec["name"]] = np.array(values, dtype=dtype)
        (risk,) = session.run([self.manifest["output"]["name"]], feed)
        return [float(v) for v in risk[:, 0]]


class Tally:
    """The largest difference and the band changes over every batch compared."""

    def __init__(self, label):
        self.label, self.worst, self.band_changes, self.scored, self.models = label, 0.0, 0, 0, set()

    def add(self, export, groups, expected):
        """Scores each model's rows; expected[i] = (risk, band or None) for groups[model][i]."""
        bands = export.manifest["risk_bands"]
        for name, rows in groups.items():
            for ours, (theirs, their_band) in zip(export.score(name, rows), expected[name]):
                self.worst = max(self.worst, abs(ours - theirs))
                self.band_changes += band(ours, bands) != (their_band or band(theirs, bands))
                self.scored += 1
            self.models.add(name)

    def report(self):
        print(
            f"{self.label}: {self.scored} orders, {len(self.models)} models; largest difference "
            f"{self.worst:.2e}; {self.band_changes} band changes"
        )
        return self.worst <= TOLERANCE and self.band_changes == 0


def batches(path, size=200_000):
    """The orders file's rows, `size` at a time (10M orders never held at once)."""
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        while batch := [row for _, row in zip(range(size), reader)]:
            yield batch


def main(export_dir, data_dir, predictions, holdout, check):
    export, data_dir = Export(export_dir), Path(data_dir)
    m = export.manifest
    scoring = {name for name, x in export.models.items() if x["scores"]}
    with open(predictions, newline="") as f:
        predicted = {p["Order_ID"]: (float(p["risk_score"]), p["risk_label"], p["model"]) for p in csv.DictReader(f)}
    tested = defaultdict(list)  # order id -> [(model, risk)] of the run's holdout
    if holdout:
        with open(holdout, newline="") as f:
            for h in csv.DictReader(f):
                tested[h["Order_ID"]].append((h["model"], float(h["risk_score"])))
    every = Tally(f"{data_dir.name}, every order against predict")
    on_holdout = Tally(f"{data_dir.name}, every model on its holdout orders")
    seen, rerouted, missing = 0, 0, set()
    for batch in batches(data_dir / "orders.csv"):
        groups, expected = defaultdict(list), defaultdict(list)
        h_groups, h_expected = defaultdict(list), defaultdict(list)
        for row in batch:
            order = row[m["order_id_column"]]
            risk, label, model = predicted[order]
            seller = row[m["seller_column"]]
            name = seller if seller in scoring else "global"
            rerouted += name != model
            groups[name].append(row)
            expected[name].append((risk, label))
            for model_name, h_risk in tested.get(order, ()):
                if model_name not in export.models:
                    missing.add(model_name)
                    continue
                h_groups[model_name].append(row)
                h_expected[model_name].append((h_risk, None))
        seen += len(batch)
        every.add(export, groups, expected)
        on_holdout.add(export, h_groups, h_expected)
    ok = every.report() and seen == len(predicted)
    if rerouted:
        print(f"{rerouted} orders routed to another model than predict used")
        ok = False
    if holdout:
        ok &= on_holdout.report()
        if missing:
            print(f"the export lacks {len(missing)} models of the holdout: {sorted(missing)[:5]}")
            ok = False
    return 0 if ok or not check else 1


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--check"]
    if len(args) not in (3, 4):
        sys.exit(__doc__)
    holdout = args[3] if len(args) == 4 else None
    sys.exit(main(*args[:3], holdout, check="--check" in sys.argv))
