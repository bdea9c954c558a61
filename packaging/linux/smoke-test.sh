#!/usr/bin/env bash
# Smoke-tests the Linux bundle built by packaging/linux/build.sh (or the folder given):
# the bundle's own `visualnet --self-test` offscreen, with a fresh Numba cache (first start)
# and again with it warm, then the time until the main window is shown on a warm start.
#   packaging/linux/smoke-test.sh [dist/VisualNet]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
APP=${1:-$ROOT/dist/VisualNet}
EXE=$APP/visualnet
[ -x "$EXE" ] || { echo "no bundle at $APP: run packaging/linux/build.sh first" >&2; exit 2; }
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
HOME_DIR=$(mktemp -d)
trap 'rm -rf "$HOME_DIR"' EXIT
# a user who never ran VisualNet: empty cache, settings and logs, and no Python on PATH
run() { env -i PATH=/usr/bin:/bin LANG=C.UTF-8 HOME="$HOME_DIR" QT_QPA_PLATFORM="$QT_QPA_PLATFORM" ${DISPLAY:+DISPLAY=$DISPLAY} "$@"; }
echo "== self-test, first start (cold Numba cache)"
run "$EXE" --self-test
echo "== self-test, second start (warm cache)"
run "$EXE" --self-test
echo "== a broken project file gives a message and exit code 2, not a traceback"
printf 'not a project' > "$HOME_DIR/broken.vnet"
set +e
out=$(run "$EXE" "$HOME_DIR/broken.vnet" --screenshot "$HOME_DIR/x.png" 2>&1); code=$?
set -e
echo "$out" | grep -v propagateSizeHints
[ $code -eq 2 ] && ! echo "$out" | grep -q Traceback || { echo "FAILED: exit code $code" >&2; exit 1; }
echo "== warm start: time until the main window is shown"
run "$APP/visualnet" --help >/dev/null
python3 "$ROOT/packaging/measure_start.py" "$EXE" 5
echo "== bundle size: $(du -sm "$APP" | cut -f1) MB"
echo "smoke test passed"
