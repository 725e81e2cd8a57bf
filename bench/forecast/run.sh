#!/usr/bin/env bash
# Our volume forecast beside statsforecast's AutoETS and statsmodels' ETS on the same series
# (docs/forecasts.md, "Forecast accuracy against the reference libraries"): makes its own venv here,
# generates the second dataset (`generate --orders 300000 --seed 7`) in a temporary folder and
# prints the side-by-side table for the demo data and it. Usage: bench/forecast/run.sh [--check]
# (--check: exit 1 when our MASE is more than 1% above the better library's on any series or the
# pooled coverage of the 90% intervals is outside 87-93%). Needs the release binary (cargo build --release).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="$root/target/release/returnrisk-tui"
if [ ! -x "$here/.venv/bin/python" ] || ! "$here/.venv/bin/python" -c 'import statsforecast, statsmodels' 2>/dev/null; then
  python3 -m venv "$here/.venv"
  "$here/.venv/bin/pip" install --quiet statsforecast==2.1.1 statsmodels==0.15.0 pandas==2.3.3
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
ln -s "$root/data" "$work/demo"
"$bin" generate --orders 300000 --seed 7 --out "$work/300k-seed-7" >/dev/null
cd "$work"
"$here/.venv/bin/python" "$here/compare.py" "$bin" demo 300k-seed-7 "$@"
