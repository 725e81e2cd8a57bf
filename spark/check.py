"""Compares the Spark job's output with our own engine's.

Usage: check.py cube SPARK_CUBE OUR_CUBE
       check.py scores SCORED_DIR PREDICTIONS_CSV ORDER_ID_COLUMN
       check.py report FROM_CUBE_JSON FROM_ORDERS_JSON

cube:   two cube folders (the Spark job's `cube/`, `returnrisk-tui export cube --out`), cell by
        cell: the same (day, seller, category) keys, counts exactly equal, sums within 1e-9
        relative; and their manifests' days, orders, cells, models, bands and label.
scores: the job's scored orders against `returnrisk-tui predict --out`: every order once,
        the same model, risk within 1e-9.
report: `report --format json` answered from the cube against the same from the orders: every
        field equal (numbers within 1e-9 relative) except the alerts that need every order
        (NEEDS_ORDERS_RULES).
Exit 1 on any difference (each printed), 0 otherwise.
"""
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as pads

COUNTS = ["orders", "labelled", "returned", "high", "cod", "payment_known", "rating_n", "delivery_n"]
SUMS = ["risk_sum", "risk_sq_sum", "risk_max", "revenue_at_risk", "rating_sum", "delivery_sum", "price_sum"]
RELATIVE = 1e-9
SCORE_TOLERANCE = 1e-9


def read_cells(cube):
    data = pads.dataset(Path(cube) / "cells", format="parquet", partitioning="hive")
    frame = data.to_table().to_pandas()
    frame["day"] = frame["day"].astype(str)
    return frame.set_index(["day", "seller_id", "category"]).sort_index()


def check_cubes(spark_dir, ours_dir):
    problems = []
    spark, ours = read_cells(spark_dir), read_cells(ours_dir)
    only_spark = spark.index.difference(ours.index)
    only_ours = ours.index.difference(spark.index)
    if len(only_spark) or len(only_ours):
        problems.append(f"keys differ: {len(only_spark)} only in Spark's, {len(only_ours)} only in ours "
                        f"(e.g. {list(only_spark[:2]) + list(only_ours[:2])})")
    both = spark.index.intersection(ours.index)
    s, o = spark.loc[both], ours.loc[both]
    for c in COUNTS:
        bad = (s[c].astype(np.int64) != o[c].astype(np.int64)).sum()
        if bad:
            problems.append(f"{c}: {bad} cells differ")
    worst = 0.0
    for c in SUMS:
        a, b = s[c].to_numpy(np.float64), o[c].to_numpy(np.float64)
        scale = np.maximum(np.abs(a), np.abs(b))
        rel = np.where(scale > 0, np.abs(a - b) / np.where(scale > 0, scale, 1), 0.0)
        worst = max(worst, float(rel.max(initial=0.0)))
        if (rel > RELATIVE).any():
            problems.append(f"{c}: {(rel > RELATIVE).sum()} cells beyond {RELATIVE:g} relative (worst {rel.max():.2e})")
    ms = json.loads((Path(spark_dir) / "manifest.json").read_text())
    mo = json.loads((Path(ours_dir) / "manifest.json").read_text())
    for key in ["first_day", "last_day", "orders", "cells", "scored", "models", "risk_bands", "label", "data"]:
        if ms.get(key) != mo.get(key):
            problems.append(f"manifest {key}: Spark's {ms.get(key)!r}, ours {mo.get(key)!r}")
    print(f"cube: {len(both)} cells in both, {int(s['orders'].sum())} orders; counts "
          f"{'equal' if not any(p.split(':')[0] in COUNTS for p in problems) else 'differ'}; "
          f"largest relative difference of a sum {worst:.2e}")
    return problems


def check_scores(scored_dir, predictions, order_id):
    problems = []
    data = pads.dataset(scored_dir, format="parquet", partitioning="hive")
    theirs = data.to_table(columns=[order_id, "risk_score", "model"]).to_pandas().set_index(order_id)
    ours = pd.read_csv(predictions, usecols=[order_id, "risk_score", "model"], dtype={order_id: str})
    ours = ours.set_index(order_id)
    if theirs.index.duplicated().any():
        problems.append(f"{int(theirs.index.duplicated().sum())} orders scored more than once")
        theirs = theirs[~theirs.index.duplicated()]
    missing = ours.index.difference(theirs.index)
    extra = theirs.index.difference(ours.index)
    if len(missing) or len(extra):
        problems.append(f"{len(missing)} orders not scored, {len(extra)} scored that predict does not know")
    both = ours.index.intersection(theirs.index)
    diff = np.abs(theirs.loc[both, "risk_score"].to_numpy() - ours.loc[both, "risk_score"].to_numpy())
    rerouted = int((theirs.loc[both, "model"].to_numpy() != ours.loc[both, "model"].to_numpy()).sum())
    worst = float(diff.max(initial=0.0))
    print(f"scores: {len(both)} orders; largest difference from predict {worst:.2e}; "
          f"{rerouted} routed to another model")
    if worst > SCORE_TOLERANCE:
        problems.append(f"a score differs by {worst:.2e}")
    if rerouted:
        problems.append(f"{rerouted} orders routed to another model than predict used")
    return problems


# What a report from the cube cannot have: the drift alerts (every order's features). The
# pending orders' returns to come are read from the scored orders of the pending days.
NEEDS_ORDERS_FIELDS = []
NEEDS_ORDERS_RULES = ["data_drift"]


def differences(a, b, path=""):
    """Paths where JSON values a and b differ (numbers beyond 1e-9 relative)."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None or isinstance(a, str):
        return [] if a == b else [f"{path}: {a!r:.60} vs {b!r:.60}"]
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        scale = max(abs(a), abs(b))
        return [] if abs(a - b) <= RELATIVE * scale else [f"{path}: {a!r} vs {b!r}"]
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}/{k}: only in one" for k in set(a) ^ set(b)]
        for k in sorted(set(a) & set(b)):
            out += differences(a[k], b[k], f"{path}/{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        out = [] if len(a) == len(b) else [f"{path}: {len(a)} items vs {len(b)}"]
        for i, (x, y) in enumerate(zip(a, b)):
            out += differences(x, y, f"{path}[{i}]")
        return out
    return [f"{path}: {type(a).__name__} vs {type(b).__name__}"]


def check_report(from_cube, from_orders):
    cube, orders = (json.loads(Path(p).read_text()) for p in (from_cube, from_orders))
    problems = [f"{f}: the cube's report has it" for f in NEEDS_ORDERS_FIELDS if cube.get(f) is not None]
    for f in NEEDS_ORDERS_FIELDS:
        cube.pop(f, None)
        orders.pop(f, None)
    for r in (cube, orders):
        r["alerts"] = [a for a in r["alerts"] if a["rule"] not in NEEDS_ORDERS_RULES]
    problems += differences(cube, orders)
    print(f"report: {orders['total_orders']} orders, {len(orders['sellers'])} sellers, "
          f"{len(orders['alerts'])} alerts; {len(problems)} differences outside "
          f"{NEEDS_ORDERS_FIELDS + NEEDS_ORDERS_RULES}")
    return problems[:20]


def main(argv):
    if len(argv) == 3 and argv[0] == "cube":
        problems = check_cubes(argv[1], argv[2])
    elif len(argv) == 4 and argv[0] == "scores":
        problems = check_scores(argv[1], argv[2], argv[3])
    elif len(argv) == 3 and argv[0] == "report":
        problems = check_report(argv[1], argv[2])
    else:
        sys.exit(__doc__)
    for p in problems:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
