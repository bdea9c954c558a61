#!/usr/bin/env bash
# Builds the Linux bundle from this checkout:
#   dist/VisualNet/                          one folder, runs without Python (dist/VisualNet/visualnet)
#   dist/VisualNet-<version>-linux-<arch>.tar.gz   the folder with install.sh, .desktop, MIME type, icons
# Uses .venv (or $PYTHON) and installs PyInstaller into it when missing. Then run
# packaging/linux/smoke-test.sh. Build on the oldest Linux you support (glibc).
set -euo pipefail
source "$(dirname "$0")/../pyinstaller-build.sh"  # sets ROOT and PY, builds dist/ with PyInstaller

APP=dist/VisualNet
ID=org.visualnet.VisualNet
mkdir -p "$APP/share/applications" "$APP/share/mime/packages"
cp packaging/linux/$ID.desktop "$APP/share/applications/"
cp packaging/linux/$ID.xml "$APP/share/mime/packages/"
for size in 16 24 32 48 64 128 256 512; do
  for kind in apps mimetypes; do mkdir -p "$APP/share/icons/hicolor/${size}x${size}/$kind"; done
  cp build/icons/visualnet-$size.png "$APP/share/icons/hicolor/${size}x${size}/apps/$ID.png"
  cp build/icons/visualnet-$size.png "$APP/share/icons/hicolor/${size}x${size}/mimetypes/application-x-visualnet-project.png"
done
cp packaging/linux/install.sh "$APP/install.sh"
chmod +x "$APP/install.sh"

VERSION=$("$PY" -c "import visualnet; print(visualnet.__version__)")
TARBALL=dist/VisualNet-$VERSION-linux-$(uname -m).tar.gz
tar -C dist -czf "$TARBALL" VisualNet
echo "bundle:  $APP ($(du -sm "$APP" | cut -f1) MB)"
echo "archive: $TARBALL ($(du -sm "$TARBALL" | cut -f1) MB)"
