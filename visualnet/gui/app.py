"""Starting the GUI: the QApplication, the theme, logging and the crash dialog, the window
(model canvas and training page) with its first model or project, the offer to restore autosaved work after a crash, and
`--screenshot` (render the window to a PNG and quit)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication

from visualnet.graph import Graph, GraphFormatError, from_json
from visualnet.graph.templates import UnknownTemplateError, all_templates, get_template

from . import icons, theme


def create_app(argv: list[str] | None = None, theme_mode: str = "system") -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("VisualNet")
    app.setOrganizationName("VisualNet")
    app.setApplicationDisplayName("VisualNet")
    app.setWindowIcon(icons.app_icon())
    ensure_fonts()
    theme.apply(app, theme_mode)
    return app


def ensure_fonts() -> int:
    """On a machine with no font at all (a bare Linux), text would be boxes: register the
    shipped DejaVu Sans. Returns how many fonts were added."""
    if QFontDatabase.families():
        return 0
    try:
        from visualnet.resources import resource_path
        folder = resource_path("fonts")
    except FileNotFoundError:
        return 0
    return sum(QFontDatabase.addApplicationFont(str(f)) >= 0 for f in sorted(folder.glob("*.ttf")))


_QT_NOISE = ("propagateSizeHints",)   # the offscreen plugin says this on every window


def install_qt_message_log() -> None:
    """Qt's warnings and fatal errors go to the log (and, as before, to stderr)."""
    import logging

    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    qt_log = logging.getLogger("visualnet.qt")
    levels = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
              QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
              QtMsgType.QtFatalMsg: logging.CRITICAL}

    def handler(kind, context, message):
        if any(n in message for n in _QT_NOISE):
            return
        qt_log.log(levels.get(kind, logging.WARNING), "%s", message)
        if kind != QtMsgType.QtDebugMsg and sys.stderr is not None:
            print(message, file=sys.stderr, flush=True)

    qInstallMessageHandler(handler)


class FileOpenFilter(QObject):
    """macOS sends a project double-clicked in the Finder as a FileOpen event, not argv."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.FileOpen and event.file():
            self.window.files.open_path(event.file())
            return True
        return False


def load_target(target: str) -> tuple[Graph, str, Path | None]:
    """A template name or a graph JSON file -> (graph, title, path). Raises ValueError
    with a message for the user."""
    path = Path(target)
    if path.suffix.lower() == ".json" and path.exists():
        try:
            return from_json(path.read_text(encoding="utf-8")), path.stem, path
        except (OSError, GraphFormatError) as exc:
            raise ValueError(f"{path}: {exc}") from None
    try:
        template = get_template(target)
    except UnknownTemplateError:
        names = ", ".join(t.name for t in all_templates())
        raise ValueError(f"'{target}' is neither a model file (.json) nor a template. Templates: {names}") from None
    return template.load(), template.title, None


PROJECT_SUFFIXES = (".vnet", ".keras", ".h5", ".hdf5")


def build_window():
    """The main window as the user gets it: the model canvas and the training page."""
    from .main_window import MainWindow
    from .training import install

    window = MainWindow()
    install(window)
    return window


def run(target: str | None = None, screenshot: str | None = None, size: tuple[int, int] = (1400, 900),
        theme_mode: str | None = None) -> int:
    graph_info = project_path = None
    if target:
        if Path(target).suffix.lower() in PROJECT_SUFFIXES:
            project_path = Path(target)
            if not project_path.is_file():
                print(f"visualnet: {project_path}: no such file", file=sys.stderr)
                return 2
        else:
            try:
                graph_info = load_target(target)
            except ValueError as exc:
                print(f"visualnet: {exc}", file=sys.stderr)
                return 2
    from .settings import Settings

    log_file = None
    if not screenshot:
        from visualnet.logs import setup_logging

        log_file = setup_logging()
        install_qt_message_log()   # before QApplication: "could not load the Qt platform plugin" lands in the log too
    app = create_app(theme_mode=theme_mode or Settings().theme)
    window = build_window()
    if graph_info is not None:
        graph, title, path = graph_info
        window.set_graph(graph, title, path)
    window.resize(*size)
    if screenshot:
        if project_path is not None:
            window.files.quiet = True
            if not window.files.open_path(project_path):
                print(f"visualnet: {window.files.last_error}", file=sys.stderr)
                return 2
        return _screenshot(app, window, Path(screenshot))
    from .crash import CrashReporter

    reporter = CrashReporter(log_file, lambda: window, app)
    reporter.install()
    app.installEventFilter(FileOpenFilter(window))
    window.show()
    if os.environ.get("VISUALNET_EXIT_WHEN_SHOWN"):   # start-up time measurement (packaging/measure_start.py)
        QTimer.singleShot(0, lambda: (print("visualnet: window shown", flush=True), app.quit()))
        return app.exec()

    def first_moves():
        if project_path is not None:
            window.files.open_path(project_path)   # a broken file: a message, the window stays
        window.files.clean_leftovers()   # temporary files of interrupted saves (old ones only)
        if window.files.claim_instance():
            window.files.offer_recovery()

    QTimer.singleShot(0, first_moves)
    try:
        return app.exec()
    finally:
        reporter.uninstall()


def _screenshot(app: QApplication, window, out: Path) -> int:
    window.show()
    result = {"code": 1}

    def grab():
        window.view.fit()
        app.processEvents()
        out.parent.mkdir(parents=True, exist_ok=True)
        ok = window.grab().save(str(out))
        if not ok:
            print(f"visualnet: could not write {out}", file=sys.stderr)
        result["code"] = 0 if ok else 1
        app.quit()

    QTimer.singleShot(400, grab)
    app.exec()
    window.ask_before_discarding = False
    window.close()
    return result["code"]
