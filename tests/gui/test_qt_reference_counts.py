"""PySide6-Essentials 6.12.0 on Python < 3.12 loses a reference to None (and True/False)
on every Qt call that returns them, and the interpreter aborts after a few thousand calls;
pyproject.toml keeps that wheel out. This checks the Qt actually installed."""

import subprocess
import sys
import textwrap


def test_many_void_qt_calls_do_not_abort():
    code = textwrap.dedent("""
        import os
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6.QtWidgets import QApplication, QWidget
        from PySide6.QtGui import QPainterPath
        app = QApplication([])
        w, p = QWidget(), QPainterPath()
        for _ in range(100_000):
            w.update()
            p.lineTo(1.0, 2.0)
            w.isVisible()
        print("ok")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "ok"
