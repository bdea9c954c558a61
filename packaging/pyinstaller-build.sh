# Sourced by packaging/linux/build.sh and packaging/macos/build.sh: the steps both share.
# Sets ROOT (the checkout, also the working directory) and PY (.venv's Python, or
# $PYTHON), creating .venv when missing (on Linux after Qt's system libraries) and
# installing VisualNet and PyInstaller into it when missing; then renders the icons to
# build/icons and runs PyInstaller on packaging/visualnet.spec into dist/.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PY=${PYTHON:-$ROOT/.venv/bin/python}
if [ ! -x "$PY" ]; then
  if [ "$(uname)" = Linux ]; then bash packaging/linux/install-system-deps.sh; fi
  python3 -m venv .venv
  PY=$ROOT/.venv/bin/python
  "$PY" -m pip install --quiet --upgrade pip
fi
"$PY" -c "import visualnet, PySide6" 2>/dev/null || "$PY" -m pip install --quiet -e .
"$PY" -c "import PyInstaller" 2>/dev/null || "$PY" -m pip install --quiet -e '.[packaging]'

"$PY" packaging/make_icons.py build/icons
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller \
  packaging/visualnet.spec
