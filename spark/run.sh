#!/usr/bin/env bash
# The Spark job checked against our own engine (spark/README.md, "How it is checked"): makes
# its own venv here (pyspark, onnxruntime), generates day-partitioned orders (1,000,000 by
# default: `generate --partitioned`), trains, exports the active models to ONNX, and then
#  1. runs the job on the lake without its last day, then again with it: the second run must
#     process that day alone and leave every other day's cube files as they were;
#  2. compares the job's scores with `predict` (every order, the same model, within 1e-9) and
#     its cube with `export cube` cell by cell (counts equal, sums within 1e-9 relative);
#  3. compares `report --format json` from the job's cube with `report` on the orders: equal
#     but for the drift alerts, which need every order (spark/README.md).
# Usage: spark/run.sh [ORDERS] (default 1000000). Exit 1 on any difference. Needs the
# release binary (cargo build --release) and Java 17 or later (`.ci/run` installs it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
bin="$root/target/release/returnrisk-tui"
orders="${1:-1000000}"
. "$root/bench/venv.sh"
venv Spark 'import pyspark, onnxruntime, pyarrow, pandas' pyspark==4.3.0 onnxruntime==1.32.0 \
  pyarrow==26.0.1 pandas==2.3.3 numpy==2.4.6
if ! command -v java >/dev/null 2>&1; then
  if [ -n "${CI:-}" ]; then echo "java is missing" >&2; exit 1; fi
  echo "skipping the Spark check: java is missing (apt-get install default-jre-headless)"; exit 0
fi
py="$here/.venv/bin/python"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
lake="$work/lake"
step() { printf '%s  %s\n' "$(date +%T)" "$*"; }
export SPARK_LOCAL_IP=127.0.0.1
# The job's JSON summary to $1, Spark's log to $1.log (shown when the job fails).
job() {
  local to="$1"
  "$py" "$here/returnrisk_spark.py" --lake "$lake" --models "$work/models" --out "$work/out" \
    --master 'local[2]' >"$to" 2>"$to.log" || { cat "$to.log" >&2; exit 1; }
}

step "generate $orders orders, train, export"
"$bin" generate --orders "$orders" --seed 11 --partitioned --out "$lake" >/dev/null
"$bin" --data "$lake" train >/dev/null 2>&1
"$bin" --data "$lake" export onnx --active --out "$work/models" >/dev/null 2>&1
"$bin" --data "$lake" predict --out "$work/predict.csv" 2>/dev/null
"$bin" --data "$lake" export cube --out "$work/ours" >/dev/null 2>&1
"$bin" --data "$lake" --cube none report --format json >"$work/report-orders.json" 2>/dev/null

last="$(ls "$lake/orders" | sort | tail -1)"
step "the job on every day but $last"
mv "$lake/orders/$last" "$work/held"
job "$work/first.json"
touch "$work/after-first"
sleep 1
mv "$work/held" "$lake/orders/$last"
step "the job again, $last appended"
job "$work/second.json"
step "compare"
status=0
"$py" - "$work/first.json" "$work/second.json" "${last#day=}" <<'EOF' || status=1
import json, sys
first, second = (json.load(open(p)) for p in sys.argv[1:3])
print(f"first run: {first['days_processed']} days in {first['seconds']} s; "
      f"second: {second['days_processed']} day(s) {second['days']} in {second['seconds']} s")
ok = second["days"] == [sys.argv[3]] and second["why"] == "incremental"
sys.exit(0 if ok else 1)
EOF
changed="$(find "$work/out/cube/cells" -name '*.parquet' -newer "$work/after-first" \
  -not -path "*/$last/*" | wc -l)"
if [ "$changed" != 0 ]; then
  echo "the appended run rewrote $changed cube files of other days"
  status=1
fi
"$py" "$here/check.py" scores "$work/out/scored" "$work/predict.csv" Order_ID || status=1
"$py" "$here/check.py" cube "$work/out/cube" "$work/ours" || status=1
"$bin" --data "$lake" --cube "$work/out/cube" report --format json >"$work/report-cube.json" \
  2>/dev/null
"$py" "$here/check.py" report "$work/report-cube.json" "$work/report-orders.json" || status=1
exit $status
