"""Render resources/icons/app.svg into the icons the bundles need (into build/icons/):
PNGs at the hicolor sizes (Linux), visualnet.ico (Windows) and visualnet.icns (macOS).

    python packaging/make_icons.py [OUT_DIR]
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(svg: Path, size: int, out: Path) -> None:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(svg)).render(painter)
    painter.end()
    if not image.save(str(out)):
        raise SystemExit(f"could not write {out}")


def main(out_dir: str | None = None) -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841
    out = Path(out_dir or ROOT / "build" / "icons")
    out.mkdir(parents=True, exist_ok=True)
    svg = ROOT / "resources" / "icons" / "app.svg"
    for size in SIZES:
        render(svg, size, out / f"visualnet-{size}.png")
    big = Image.open(out / "visualnet-512.png")
    big.save(out / "visualnet.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    big.save(out / "visualnet.icns")
    print(f"icons written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
