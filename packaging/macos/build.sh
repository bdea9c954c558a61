#!/usr/bin/env bash
# Builds the macOS app from this checkout:
#   dist/VisualNet.app                              (ad-hoc signed; .vnet files open with it)
#   dist/VisualNet-<version>-macos-<arch>.zip and .dmg
# Smoke test: QT_QPA_PLATFORM=offscreen dist/VisualNet.app/Contents/MacOS/VisualNet --self-test
set -euo pipefail
source "$(dirname "$0")/../pyinstaller-build.sh"  # sets ROOT and PY, builds dist/ with PyInstaller

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
