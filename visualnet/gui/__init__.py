"""The desktop GUI (the only package that imports PySide6 or pyqtgraph)."""

from ._none_guard import protect_none

protect_none()  # before any Qt call: see _none_guard.py
