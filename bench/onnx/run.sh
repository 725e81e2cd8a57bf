#!/usr/bin/env bash
# The ONNX export checked with the reference runtime (docs/models.md, "Models in other systems"):
# makes its own venv here (onnxruntime, numpy), then for the demo data, 100,000 generated
# orders (`generate --orders 100000 --seed 3`) and, when ../shared holds it, the imported
# Olist sample (missing values, its own schema): trains, exports the run's every forest
# (`export onnx --run latest`), scores every order in onnxruntime routed as the manifest
# says and compares with `predict`, and every model on its holdout orders (holdout.csv).
# Usage: bench/onnx/run.sh [--check] (--check: exit 1 when a score differs by more than
# 1e-12 or an order changes band). Needs the release binary (cargo build --release).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="$root/target/release/returnrisk-tui"
. "$here/../venv.sh"
venv ONNX 'import onnxruntime, numpy' onnxruntime==1.32.0 numpy==2.4.6
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/demo"
cp "$root"/data/*.csv "$work/demo/"
"$bin" generate --orders 100000 --seed 3 --out "$work/generated-100k" >/dev/null
sets=(demo generated-100k)
olist="$root/../shared/data/olist-sample"
if [ -f "$olist/olist_orders_dataset.csv" ]; then
  "$bin" import olist "$olist" --out "$work/olist" >/dev/null 2>&1
  sets+=(olist)
else
  echo "note: $olist is absent; the Olist check is skipped"
fi
status=0
for d in "${sets[@]}"; do
  "$bin" --data "$work/$d" predict --out "$work/$d-predict.csv" 2>/dev/null
  # Every forest of the run (scoring or not), each also checked on its holdout orders.
  "$bin" --data "$work/$d" export onnx --run latest --out "$work/$d-onnx" >/dev/null 2>&1
  holdout=("$work/$d"/.returnrisk/runs/*/holdout.csv)
  "$here/.venv/bin/python" "$here/check.py" "$work/$d-onnx" "$work/$d" "$work/$d-predict.csv" \
    "${holdout[0]}" "$@" || status=1
done
exit $status
