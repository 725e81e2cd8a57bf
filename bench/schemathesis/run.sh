#!/usr/bin/env bash
# schemathesis, every check, against `serve` on the demo data: once without a token (the
# description then declares none) and once with one. Makes its own venv here. Exit 1 on any
# finding. Usage: bench/schemathesis/run.sh [EXAMPLES] (default 50 per operation). Needs the
# release binary (cargo build --release).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="$root/target/release/returnrisk-tui"
examples="${1:-50}"
if [ ! -x "$here/.venv/bin/st" ]; then
  python3 -m venv "$here/.venv"
  "$here/.venv/bin/pip" install --quiet schemathesis==4.32.5
fi
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
cp "$root/data/orders.csv" "$root/data/sellers.csv" "$work/"
# 413 is how the server refuses a body or batch over its limits, and the one limit the
# description cannot state as a schema: an explained batch holds at most --max-explain-batch
# orders (the 413 is documented on the operation).
cat > "$work/schemathesis.toml" <<'TOML'
[checks.negative_data_rejection]
expected-statuses = [400, 401, 403, 404, 405, 406, 413, 414, 415, 422]
[checks.positive_data_acceptance]
expected-statuses = [200, 201, 202, 204, 301, 302, 304, 401, 403, 404, 409, 413, 429]
# One template serves every case action, and which field is needed depends on the action
# (assign needs assignee, note needs note): a 422 naming it is the documented answer.
[[operations]]
include-path = "/api/v1/cases/{id}/{action}"
checks.positive_data_acceptance.expected-statuses = [200, 401, 403, 404, 409, 422]
TOML
serve() { # $1: log file; the rest: env assignments. Sets $url once the server is ready.
  local log="$1"; shift
  env "$@" "$bin" serve --data "$work" --bind 127.0.0.1:0 >/dev/null 2>"$log" &
  pids+=("$!")
  for _ in $(seq 600); do grep -q '^ready' "$log" && break; sleep 0.5; done
  grep -q '^ready' "$log" || { cat "$log"; exit 1; }
  url="$(sed -n 's#^listening on \(http://[0-9.:]*\).*#\1#p' "$log")"
}
cd "$work"
serve "$work/open.log" RETURNRISK_TOKEN=
"$here/.venv/bin/st" run "$url/openapi.json" --checks all -n "$examples" --generation-deterministic
echo "token-$RANDOM-$RANDOM" > "$work/token"
serve "$work/token.log" RETURNRISK_TOKEN="$(cat "$work/token")"
"$here/.venv/bin/st" run "$url/openapi.json" --checks all -n "$examples" --generation-deterministic \
  -H "Authorization: Bearer $(cat "$work/token")"
