#!/usr/bin/env bash
# Installs the unpacked VisualNet folder for the current user: a `visualnet` command in
# ~/.local/bin, the menu entry, the icons and the .vnet file type (double-click opens it).
#   ./install.sh            install (the folder stays where it is: move it first if you like)
#   ./install.sh --remove   undo
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
BIN=$HOME/.local/bin
ID=org.visualnet.VisualNet
if [ "${1:-}" = "--remove" ]; then
  rm -f "$BIN/visualnet" "$DATA/applications/$ID.desktop" "$DATA/mime/packages/$ID.xml"
  find "$DATA/icons/hicolor" \( -name "$ID.png" -o -name "application-x-visualnet-project.png" \) -delete 2>/dev/null || true
else
  mkdir -p "$BIN" "$DATA/applications" "$DATA/mime/packages"
  ln -sf "$HERE/visualnet" "$BIN/visualnet"
  sed "s|^Exec=visualnet|Exec=$HERE/visualnet|; s|^TryExec=visualnet|TryExec=$HERE/visualnet|" \
    "$HERE/share/applications/$ID.desktop" > "$DATA/applications/$ID.desktop"
  cp "$HERE/share/mime/packages/$ID.xml" "$DATA/mime/packages/"
  cp -r "$HERE/share/icons" "$DATA/"
fi
command -v update-mime-database >/dev/null && update-mime-database "$DATA/mime" || true
command -v update-desktop-database >/dev/null && update-desktop-database "$DATA/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$DATA/icons/hicolor" || true
if [ "${1:-}" = "--remove" ]; then echo "VisualNet removed"
else echo "VisualNet installed: run 'visualnet' (in ~/.local/bin) or open it from the applications menu"; fi
