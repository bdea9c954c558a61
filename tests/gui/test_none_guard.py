"""PySide6 6.12 on Python 3.11 loses a reference to None (and True/False) on Qt calls
that return them; importing visualnet.gui guards against the resulting abort."""

import subprocess
import sys
import textwrap


def test_many_void_qt_calls_do_not_abort():
    code = textwrap.dedent("""
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        import visualnet.gui  # the guard
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
