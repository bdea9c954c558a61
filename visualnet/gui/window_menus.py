"""The main window's actions (with their shortcuts), menus, toolbar and status bar. A mixin
of `MainWindow`; `actions` maps each action's key ('new', 'undo', 'fit', ...) to it."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QToolBar

from visualnet.graph.templates import all_templates

from . import dialogs, theme

COMING = "coming with project files"


class WindowMenus:
    """Builds what `MainWindow` offers to click and type (see the module docstring)."""

    def _action(self, key, text, slot=None, shortcut=None, tip=None, checkable=False, enabled=True) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.setCheckable(checkable)
        action.setEnabled(enabled)
        if slot is not None:
            action.triggered.connect(slot)
        self.addAction(action)
        self.actions[key] = action
        return action

    def _build_actions(self) -> None:
        K = QKeySequence.StandardKey
        a = self._action
        a("new", "&New Model", self.new_model, K.New, "Start an empty model")
        a("open", f"&Open… ({COMING})", None, K.Open, f"Opening projects is {COMING}", enabled=False)
        a("save", f"&Save ({COMING})", None, K.Save, f"Saving is {COMING}", enabled=False)
        a("save_as", f"Save &As… ({COMING})", None, "Ctrl+Shift+S", f"Saving is {COMING}", enabled=False)
        a("quit", "&Quit", self.close, K.Quit)
        undo = self.document.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcuts([QKeySequence(K.Undo)])
        redo = self.document.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for key, action in (("undo", undo), ("redo", redo)):
            self.addAction(action)
            self.actions[key] = action
        a("cut", "Cu&t", self.cut, K.Cut)
        a("copy", "&Copy", self.copy, K.Copy)
        a("paste", "&Paste", self.paste, K.Paste)
        a("duplicate", "&Duplicate", self.duplicate, "Ctrl+D", "Copy the selected layers and paste them at once")
        a("delete", "&Delete", self.delete_selection, [QKeySequence(K.Delete), QKeySequence("Backspace")],
          "Delete the selected layers and wires")
        a("select_all", "Select &All", self.select_all, K.SelectAll)
        a("find", "&Find Layer…", self.focus_search, K.Find, "Search the layer palette")
        a("fit", "&Fit to View", self.fit, "F", "Show the whole model")
        a("zoom_in", "Zoom &In", self.view.zoom_in, [QKeySequence(K.ZoomIn), QKeySequence("Ctrl+=")])
        a("zoom_out", "Zoom &Out", self.view.zoom_out, K.ZoomOut)
        a("zoom_reset", "&Actual Size", self.view.reset_zoom, "Ctrl+0")
        a("arrange", "Auto-&Arrange", self.arrange, "Ctrl+Shift+L", "Lay the model out left to right (undoable)")
        snap_action = a("snap", "&Snap to Grid", self._set_snap, None, "Snap moved layers to the grid", True)
        snap_action.setChecked(True)
        minimap = a("minimap", "&Minimap", self._set_minimap, None, "Show an overview when the model is larger "
                    "than the view", True)
        minimap.setChecked(True)
        a("shortcuts", "&Keyboard Shortcuts", self._show_shortcuts)
        a("about", "&About VisualNet", self._show_about)
        for key in ("fit", "delete"):  # plain keys: only while the canvas has focus, so typing is safe
            self.actions[key].setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.removeAction(self.actions[key])
            self.view.addAction(self.actions[key])

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.file_menu.addAction(self.actions["new"])
        self.templates_menu = self.file_menu.addMenu("New from &Template")
        for template in all_templates():
            action = self.templates_menu.addAction(template.title)
            action.setStatusTip(template.description)
            action.triggered.connect(lambda _=False, name=template.name: self.load_template(name))
        self.file_menu.addSeparator()
        for key in ("open", "save", "save_as"):
            self.file_menu.addAction(self.actions[key])
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.actions["quit"])
        self.edit_menu = bar.addMenu("&Edit")
        for key in ("undo", "redo", None, "cut", "copy", "paste", "duplicate", "delete", None, "select_all", "find"):
            self.edit_menu.addSeparator() if key is None else self.edit_menu.addAction(self.actions[key])
        self.view_menu = bar.addMenu("&View")
        for key in ("fit", "zoom_in", "zoom_out", "zoom_reset", None, "arrange", "snap", "minimap"):
            self.view_menu.addSeparator() if key is None else self.view_menu.addAction(self.actions[key])
        self.view_menu.addSeparator()
        theme_menu = self.view_menu.addMenu("&Theme")
        group = QActionGroup(self)
        for mode, label in (("system", "Follow &System"), ("light", "&Light"), ("dark", "&Dark")):
            action = theme_menu.addAction(label)
            action.setCheckable(True)
            action.setChecked(mode == (theme.watcher.property("mode") if theme.watcher else "system"))
            action.triggered.connect(lambda _=False, m=mode: theme.apply(QApplication.instance(), m))
            group.addAction(action)
            self.actions[f"theme_{mode}"] = action
        self.panels_menu = self.view_menu.addMenu("&Panels")
        for dock in self.docks.values():
            self.panels_menu.addAction(dock.toggleViewAction())
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.actions["shortcuts"])
        help_menu.addAction(self.actions["about"])

    def _build_toolbar(self) -> None:
        bar = QToolBar("Main", self)
        bar.setObjectName("toolbar_main")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        stack = self.document.undo_stack
        for key in ("new", None, "undo", "redo", None, "delete", "duplicate", None, "arrange", "fit"):
            if key is None:
                bar.addSeparator()
            elif key in ("undo", "redo"):  # fixed labels; the stack's action says what in its tooltip
                action = QAction(key.capitalize(), self)
                action.setObjectName(f"toolbar_{key}")
                action.triggered.connect(stack.undo if key == "undo" else stack.redo)
                _mirror(action, self.actions[key])
                bar.addAction(action)
            else:
                bar.addAction(self.actions[key])
        self.addToolBar(bar)
        self.toolbar = bar

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.stats_label = QLabel()
        self.validity_label = QLabel()
        self.zoom_label = QLabel("100%")
        for label in (self.stats_label, self.validity_label, self.zoom_label):
            label.setContentsMargins(8, 0, 8, 0)
            status.addPermanentWidget(label)

    def _set_snap(self, on: bool) -> None:
        self.scene.snap_to_grid = on

    def _set_minimap(self, on: bool) -> None:
        self.view.minimap.enabled_by_user = on
        self.view.minimap.refresh()

    def _show_shortcuts(self) -> None:
        dialogs.show_shortcuts(self)

    def _show_about(self) -> None:
        dialogs.show_about(self)


def _mirror(copy: QAction, source: QAction) -> None:
    """Keep `copy` enabled as `source` is, its tooltip saying what `source` would do. The
    undo stack's actions still change while the window is being deleted (on quit after an
    edit and a save): an action already gone is left alone then."""
    def update():
        if shiboken6.isValid(copy) and shiboken6.isValid(source):
            copy.setEnabled(source.isEnabled())
            copy.setToolTip(source.text().replace("&", ""))

    source.changed.connect(update)
    update()
