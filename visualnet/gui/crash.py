"""Unexpected errors: each is logged with its traceback, then shown in a dialog that says
where the log is and offers "Copy details", instead of the app vanishing. Errors raised on
other threads (`threading.excepthook`) are shown on the GUI thread. Before the dialog opens,
unsaved work is written to the recovery file."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (QApplication, QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton,
                               QVBoxLayout)

log = logging.getLogger("visualnet.crash")


def details_text(exc_type, exc, tb, thread_name: str | None = None) -> str:
    from .dialogs import versions

    lines = [f"{k}: {v}" for k, v in versions().items()]
    where = f" in thread {thread_name}" if thread_name else ""
    trace = "".join(traceback.format_exception(exc_type, exc, tb))
    return f"Unexpected error{where}:\n{trace}\n" + "\n".join(lines)


class CrashDialog(QDialog):
    """What happened, where the log is, the details, and a "Copy details" button."""

    def __init__(self, summary: str, details: str, log_file: Path | None, recovery: Path | None, parent=None):
        super().__init__(parent)
        self.setObjectName("CrashDialog")
        self.setWindowTitle("VisualNet: unexpected error")
        self.details = details
        layout = QVBoxLayout(self)
        saved = (f" Your unsaved work was also written to a recovery file ({recovery})." if recovery else "")
        where = (f"The details were written to the log file:<br><code>{log_file}</code>" if log_file
                 else "The log folder could not be written; copy the details below.")
        text = QLabel(f"<b>Something went wrong:</b> {_escape(summary)}<br><br>VisualNet is still running; "
                      f"it is safest to save your work under a new name and restart.{_escape(saved)}<br><br>{where}")
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(text)
        box = QPlainTextEdit(details)
        box.setReadOnly(True)
        box.setMinimumSize(560, 180)
        layout.addWidget(box)
        buttons = QDialogButtonBox()
        self.copy_button = QPushButton("&Copy Details")
        self.copy_button.clicked.connect(self.copy_details)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        if log_file:
            folder = QPushButton("Open &Log Folder")
            folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(log_file).parent))))
            buttons.addButton(folder, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details)
        self.copy_button.setText("Copied")


class CrashReporter(QObject):
    """Installs `sys.excepthook` and `threading.excepthook`; `window_getter()` returns the main
    window (or None) for the emergency save and as the dialog's parent."""

    reported = Signal(str, str)    # summary, details: queued to the GUI thread
    MAX_DIALOGS = 3                # after that, errors are only logged

    def __init__(self, log_file: Path | None, window_getter=lambda: None, parent=None):
        super().__init__(parent)
        self.log_file = log_file
        self.window_getter = window_getter
        self.shown = 0
        self.last_dialog: CrashDialog | None = None
        self._showing = False
        self._previous = None
        self.reported.connect(self.show_dialog, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None

    def excepthook(self, exc_type, exc, tb, thread_name: str | None = None) -> None:
        if issubclass(exc_type, (KeyboardInterrupt, SystemExit)):
            sys.__excepthook__(exc_type, exc, tb)
            return
        details = details_text(exc_type, exc, tb, thread_name)
        log.critical("%s", details)
        print(details, file=sys.stderr)
        summary = f"{exc_type.__name__}: {exc}"
        self.reported.emit(summary[:500], details)

    def thread_excepthook(self, args) -> None:
        name = args.thread.name if args.thread is not None else None
        self.excepthook(args.exc_type, args.exc_value, args.exc_traceback, name)

    def show_dialog(self, summary: str, details: str) -> None:
        if self._showing or self.shown >= self.MAX_DIALOGS or QApplication.instance() is None:
            return
        self._showing = True
        try:
            window = self.window_getter()
            recovery = None
            files = getattr(window, "files", None)
            if files is not None:
                recovery = files.emergency_save()
            self.shown += 1
            self.last_dialog = CrashDialog(summary, details, self.log_file, recovery, window)
            self.last_dialog.exec()
        finally:
            self._showing = False


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
