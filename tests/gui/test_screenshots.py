"""`visualnet --screenshot` under a real X server (Xvfb): one PNG of the main window per
template (and one in the dark theme), kept in build/screenshots/ as test artifacts."""

import os
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from visualnet.graph.templates import all_templates

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "screenshots"


@pytest.fixture(scope="module")
def xvfb_display():
    """A private Xvfb on a free display (Xvfb picks it: -displayfd)."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed")
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        ready, _, _ = select.select([read], [], [], 15)
        number = os.read(read, 64).decode().strip() if ready else ""
        if not number:
            pytest.fail("Xvfb did not report a display")
        yield f":{number}"
    finally:
        os.close(read)
        proc.terminate()
        proc.wait(timeout=10)


def shoot(display: str, target: str, out: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    env.pop("WAYLAND_DISPLAY", None)
    return subprocess.Popen([sys.executable, "-m", "visualnet", target, "--screenshot", str(out), *extra],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_screenshots_of_every_template(xvfb_display):
    OUT.mkdir(parents=True, exist_ok=True)
    dark = OUT / "mnist_cnn_dark.png"
    shots = [(OUT / f"{t.name}.png", (t.name,)) for t in all_templates()]
    shots.append((dark, ("mnist_cnn", "--theme", "dark", "--size", "1280x800")))
    for out, _ in shots:
        out.unlink(missing_ok=True)
    for start in range(0, len(shots), 4):     # four apps at a time: a 2-core machine starts each in seconds
        jobs = {out: shoot(xvfb_display, args[0], out, *args[1:]) for out, args in shots[start:start + 4]}
        for out, proc in jobs.items():
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
    for out, _ in shots:
        image = QImage(str(out))
        assert not image.isNull(), out
        assert (image.width(), image.height()) == ((1280, 800) if out == dark else (1400, 900))
        # a drawn window, not an empty frame: many distinct colours
        colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
        assert len(colours) > 40, (out, len(colours))
    corner = QImage(str(dark)).pixelColor(5, 5)
    assert corner.lightness() < 90


def test_bad_target_is_refused_with_a_message():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-m", "visualnet", "no_such_model", "--screenshot", "/tmp/never.png"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "no_such_model" in proc.stderr and "mnist_cnn" in proc.stderr
    assert not Path("/tmp/never.png").exists()


def test_training_screenshots(xvfb_display):
    """The training page mid-training (after a paused learning-rate change), its inside view,
    and the evaluation view, as real windows."""
    env = {**os.environ, "DISPLAY": xvfb_display, "QT_QPA_PLATFORM": "xcb"}
    env.pop("WAYLAND_DISPLAY", None)
    names = ("training_page.png", "training_inside.png", "evaluation_view.png")
    for name in names:
        (OUT / name).unlink(missing_ok=True)
    proc = subprocess.run([sys.executable, "-m", "tests.gui.training_screens", str(OUT)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for name in names:
        image = QImage(str(OUT / name))
        assert not image.isNull() and image.width() >= 1400, name
        colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
        assert len(colours) > 40, (name, len(colours))
