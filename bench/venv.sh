# Sourced by the checks that need Python (bench/onnx, bench/mlflow):
#   venv CHECK_NAME PYTHON_TEST PACKAGE==VERSION...
# makes (or keeps) "$here/.venv" with the packages pinned, where PYTHON_TEST is a Python
# statement that succeeds when the venv already has them. Without python3 it skips the
# check with a message and exit 0, except under CI, where that is a failure.
venv() {
  local name="$1" test="$2"
  shift 2
  if ! command -v python3 >/dev/null 2>&1; then
    if [ -n "${CI:-}" ]; then echo "python3 is missing" >&2; exit 1; fi
    echo "skipping the $name check: python3 is missing"; exit 0
  fi
  if [ ! -x "$here/.venv/bin/python" ] || ! "$here/.venv/bin/python" -c "$test" 2>/dev/null; then
    python3 -m venv "$here/.venv"
    "$here/.venv/bin/pip" install --quiet "$@"
  fi
}
