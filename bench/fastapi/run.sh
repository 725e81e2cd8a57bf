#!/usr/bin/env bash
# The FastAPI + uvicorn + scikit-learn comparison of docs/api.md's "Serving, measured": makes its own
# venv here, serves app.py on 127.0.0.1:8000 (one worker), and loads it with the same client
# and order as `returnrisk-tui bench --http`. Usage: bench/fastapi/run.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
seconds="${1:-5}"
connections="${2:-4}"
if [ ! -x "$here/.venv/bin/uvicorn" ]; then
  python3 -m venv "$here/.venv"
  "$here/.venv/bin/pip" install --quiet fastapi uvicorn scikit-learn pandas
fi
cd "$here"
"$here/.venv/bin/uvicorn" app:app --host 127.0.0.1 --port 8000 --workers 1 --log-level warning &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 1 120); do
  curl -s -o /dev/null -X POST -H 'content-type: application/json' -d '{}' http://127.0.0.1:8000/predict && break
  sleep 1
done
"$root/target/release/returnrisk-tui" bench --http --url http://127.0.0.1:8000/predict \
  --seconds "$seconds" --connections "$connections"
