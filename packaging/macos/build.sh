#!/usr/bin/env bash
# Builds the macOS app from this checkout:
#   dist/VisualNet.app                              (ad-hoc signed; .vnet files open with it)
#   dist/VisualNet-<version>-macos-<arch>.zip and .dmg
# Smoke test: QT_QPA_PLATFORM=offscreen dist/VisualNet.app/Contents/MacOS/VisualNet --self-test
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
PY=${PYTHON:-$ROOT/.venv/bin/python}
if [ ! -x "$PY" ]; then
  python3 -m venv .venv
  PY=$ROOT/.venv/bin/python
  "$PY" -m pip install --quiet --upgrade pip
fi
"$PY" -c "import visualnet, PySide6" 2>/dev/null || "$PY" -m pip install --quiet -e .
"$PY" -c "import PyInstaller" 2>/dev/null || "$PY" -m pip install --quiet -e '.[packaging]'

"$PY" packaging/make_icons.py build/icons
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller \
  packaging/visualnet.spec

APP=dist/VisualNet.app
# ad-hoc signature: required to run on Apple silicon; a Developer ID signature and
# notarization replace it for distribution outside this machine
codesign --force --deep --sign - "$APP"
VERSION=$("$PY" -c "import visualnet; print(visualnet.__version__)")
BASE=dist/VisualNet-$VERSION-macos-$(uname -m)
rm -f "$BASE.zip" "$BASE.dmg"
ditto -c -k --keepParent "$APP" "$BASE.zip"
hdiutil create -quiet -volname VisualNet -srcfolder "$APP" -ov -format UDZO "$BASE.dmg" || echo "no .dmg (hdiutil failed)"
echo "app:     $APP ($(du -sm "$APP" | cut -f1) MB)"
echo "archive: $BASE.zip ($(du -sm "$BASE.zip" | cut -f1) MB)"
