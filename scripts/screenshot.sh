#!/usr/bin/env bash
# The README's picture: the dashboard on a copy of the demo data, run by the real binary in
# tmux at 120x36 once its models are loaded, captured with its colours and redrawn as SVG
# (assets/dashboard.svg). Needs tmux and python3.
#   scripts/screenshot.sh [OUT.svg]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-assets/dashboard.svg}"
bin="target/release/returnrisk-tui"
[ -x "$bin" ] || cargo build --release
work="$(mktemp -d)"
session="returnrisk-shot-$$"
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$work"' EXIT
# A copy: the first start trains and writes its run beside the data.
cp -r data "$work/data"
rm -rf "$work/data/.returnrisk"
tmux new-session -d -s "$session" -x 120 -y 36 -c "$work" \
  "TERM=xterm-256color $PWD/$bin --data data --log log"
# Ready when the header names the models' time (not "loading" or "training").
for _ in $(seq 1 240); do
  if tmux capture-pane -p -t "$session" | head -1 | grep -Eq 'models [0-9]{2}-[0-9]{2}'; then
    break
  fi
  sleep 0.5
done
sleep 1
tmux capture-pane -e -p -t "$session" > "$work/screen.ansi"
tmux capture-pane -p -t "$session" > "${SCREEN_TEXT:-/dev/null}"
tmux send-keys -t "$session" q
python3 scripts/ansi-to-svg.py < "$work/screen.ansi" > "$out"
echo "wrote $out ($(wc -c < "$out") bytes)"
