#!/usr/bin/env bash
# `runs export mlflow` against a real MLflow tracking server (docs/models.md, "Models in other
# systems"): makes its own venv here (mlflow, onnxruntime), starts `mlflow server` on a free
# loopback port (SQLite backend store, artifacts served from a temporary folder), trains the
# demo data, leaves a half-written export of its run, exports its runs twice (the first redoes
# the half-written one, the second finds them and changes nothing) and checks
# with MLflow's own client that search_runs returns our exact metrics and parameters and that
# the logged ONNX model loads with MLflow's onnx flavour and predicts what `predict` does on
# 1,000 demo orders, also as `models:/returnrisk-global@active` (--register: one version in
# MLflow's registry, whose alias `active` mirrors ours) and served by `mlflow models serve`;
# an unreachable server is one line and exit 1.
# Usage: bench/mlflow/run.sh. Needs the release binary (cargo build --release).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="$root/target/release/returnrisk-tui"
. "$here/../venv.sh"
# pandas 2: with pandas 3 a table's text columns reach MLflow 3.17's onnx flavour as Arrow
# strings, which onnxruntime refuses ("Input must be a list of dictionaries or a single numpy
# array"), so the served model needs pandas < 3 too (its requirements.txt says so).
venv MLflow 'import mlflow, onnxruntime, pandas; assert pandas.__version__ == "2.3.3"' \
  mlflow==3.17.2 onnx==1.23.2 onnxruntime==1.32.0 pandas==2.3.3
py="$here/.venv/bin/python"
work="$(mktemp -d)"
server=""
serving=""
cleanup() {
  for p in $server $serving; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() {
  for _ in $(seq 240); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done
  return 1
}
port="$(free_port)"
uri="http://127.0.0.1:$port"
"$here/.venv/bin/mlflow" server --backend-store-uri "sqlite:///$work/mlflow.db" \
  --artifacts-destination "$work/artifacts" --host 127.0.0.1 --port "$port" --workers 1 \
  >"$work/server.log" 2>&1 &
server=$!
wait_for "$uri/health" || { cat "$work/server.log"; echo "mlflow server did not start" >&2; exit 1; }

mkdir "$work/demo"
cp "$root"/data/*.csv "$work/demo/"
"$bin" --data "$work/demo" train >/dev/null 2>&1
"$bin" --data "$work/demo" predict --out "$work/predict.csv" 2>/dev/null
export_runs() { "$bin" --data "$work/demo" runs export mlflow --tracking-uri "$uri" "$@"; }
# An export that stopped half-way: our tag without the finished one. It must be redone.
run_id="$(basename "$(dirname "$(ls "$work"/demo/.returnrisk/runs/*/run.json | head -1)")")"
"$py" - "$uri" "$run_id" <<'PY'
import sys, mlflow
client = mlflow.MlflowClient(sys.argv[1])
experiment = client.create_experiment("returnrisk")
client.create_run(experiment, tags={"returnrisk.run_id": sys.argv[2]})
PY
first="$(export_runs --register returnrisk-global 2>/dev/null)"
second="$(export_runs --register returnrisk-global 2>/dev/null)"
# Nothing listens on port 9 of loopback: one line naming the URI, exit 1.
if "$bin" --data "$work/demo" runs export mlflow --tracking-uri http://127.0.0.1:9 2>"$work/err"; then
  echo "an unreachable server was not an error" >&2; exit 1
fi
# The registered model served by `mlflow models serve` (the venv's Python, no new env).
serve_port="$(free_port)"
PATH="$here/.venv/bin:$PATH" MLFLOW_TRACKING_URI="$uri" "$here/.venv/bin/mlflow" models serve \
  -m "models:/returnrisk-global@active" --env-manager local --host 127.0.0.1 --port "$serve_port" \
  >"$work/serve.log" 2>&1 &
serving=$!
wait_for "http://127.0.0.1:$serve_port/ping" || { cat "$work/serve.log"; echo "mlflow models serve did not start" >&2; exit 1; }
"$py" "$here/check.py" "$uri" "$work/demo" "$work/predict.csv" "$first" "$second" "$work/err" \
  "http://127.0.0.1:$serve_port/invocations"
