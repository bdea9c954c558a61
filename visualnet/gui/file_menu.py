"""The File menu's entries (Open Recent, Revert, Import, Export, Close; Preferences in the
Edit menu) and which of them can be used now; the start page's first-run offer. A mixin of
`FileController`."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from visualnet.io.project import EXTENSION

from .settings import THEMES


class FileMenu:
    """The File menu of `FileController` (see the module docstring)."""

    def _build_actions(self) -> None:
        w = self.window
        w.connect_file_action("open", self.open)
        w.connect_file_action("save", self.save)
        w.connect_file_action("save_as", self.save_as)
        menu = w.file_menu
        quit_action = w.actions["quit"]

        def add(key, text, slot, shortcut=None, tip=None) -> QAction:
            action = QAction(text, w)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
            if tip:
                action.setStatusTip(tip)
                action.setToolTip(tip)
            action.triggered.connect(lambda _=False: slot())
            w.addAction(action)
            w.actions[key] = action
            return action

        self.recent_menu = QMenu("Open &Recent", w)
        self.recent_menu.setObjectName("menu_open_recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        add("revert", "Re&vert to Saved", self.revert, None, "Go back to the last saved version of this project")
        add("import_keras", "&Import Keras or ONNX Model…", self.import_keras, "Ctrl+I",
            "Open a model saved by Keras (.keras or .h5) or as ONNX (.onnx), laid out on the canvas")
        add("import_weights", "Import &Weights…", self.import_weights, None,   # issue 25
            "Put weights trained elsewhere (an exported script's .npz, a Keras .weights.h5) into this model")
        self.export_menu = QMenu("&Export", w)
        for key, text, slot, tip in (
                ("export_keras", "Keras &Model (.keras / .h5)…", self.export_keras,
                 "Save the model and its weights for Keras"),
                ("export_keras_code", "Python Code for &Keras…", lambda: self.export_code("keras"),
                 "A runnable Keras script that rebuilds and trains the model"),
                ("export_torch_code", "Python Code for &PyTorch…", lambda: self.export_code("torch"),
                 "A runnable PyTorch script that rebuilds and trains the model"),
                ("export_onnx", "&ONNX Model (.onnx)…", self.export_onnx,
                 "The model and its weights for ONNX runtimes (opset 17)")):
            action = QAction(text, w)
            action.setStatusTip(tip)
            action.triggered.connect(lambda _=False, s=slot: s())
            w.actions[key] = action
            self.export_menu.addAction(action)
        add("close", "&Close Project", self.close_project, "Ctrl+W", "Close this project (asks to save changes)")
        # the File menu in its final order; entries others added to it stay, before Quit
        known = {w.actions[k] for k in ("new", "open", "save", "save_as", "quit")}
        known.add(w.templates_menu.menuAction())
        others = [a for a in menu.actions() if a not in known and not a.isSeparator()]
        menu.clear()
        for item in ("new", w.templates_menu, None, "open", self.recent_menu, None, "save", "save_as", "revert", None,
                     "import_keras", "import_weights", self.export_menu, None, *others, *([None] if others else []), "close", "quit"):
            if item is None:
                menu.addSeparator()
            elif isinstance(item, QMenu):
                menu.addMenu(item)
            elif isinstance(item, QAction):
                menu.addAction(item)
            else:
                menu.addAction(w.actions[item])
        quit_action.setText("&Quit")
        # preferences live in the Edit menu; the theme menu remembers its choice
        edit_menu = getattr(w, "edit_menu", None)
        preferences = QAction("Pre&ferences…", w)
        preferences.setShortcut(QKeySequence("Ctrl+,"))
        preferences.setMenuRole(QAction.MenuRole.PreferencesRole)
        preferences.triggered.connect(lambda _=False: self.show_preferences())
        w.addAction(preferences)
        w.actions["preferences"] = preferences
        if edit_menu is not None:
            edit_menu.addSeparator()
            edit_menu.addAction(preferences)
        for mode in THEMES:
            action = w.actions.get(f"theme_{mode}")
            if action is not None:
                action.triggered.connect(lambda _=False, m=mode: setattr(self.settings, "theme", m))

    def _offer_first_run(self) -> None:
        """The start page's "Train your first network" card, only when the window has a
        training page to go to."""
        if getattr(self.window, "training_page", None) is not None and self.window.start_page.first_run_button is None:
            self.window.start_page.set_first_run(self.train_first_network)

    def train_first_network(self) -> bool:
        """Template MNIST MLP + the built-in MNIST digits, on the training page: one more
        click (Train) and the curves move."""
        page = getattr(self.window, "training_page", None)
        if page is None:
            return False
        before = self.document.graph
        self.window.load_template("mnist_mlp")
        if self.document.graph is before:       # the user kept the current model
            return False
        page.select_dataset("mnist")
        self.window.pages.setCurrentWidget(page)
        return True

    def show_preferences(self) -> None:
        from .preferences import PreferencesDialog

        dialog = PreferencesDialog(self.settings, self.window)
        if dialog.exec():
            dialog.apply()
            self.apply_settings()
            mode = self.settings.theme
            action = self.window.actions.get(f"theme_{mode}")
            if action is not None:
                action.setChecked(True)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        paths = self.settings.recent_files()
        for i, path in enumerate(paths):
            action = self.recent_menu.addAction(f"&{i + 1} {path.name}" if i < 9 else path.name)
            action.setToolTip(str(path))
            action.setStatusTip(str(path))
            action.triggered.connect(lambda _=False, p=path: self.open_path(p))
        if not paths:
            self.recent_menu.addAction("No recent projects").setEnabled(False)
        self.recent_menu.addSeparator()
        clear = self.recent_menu.addAction("&Clear List")
        clear.setEnabled(bool(paths))
        clear.triggered.connect(self._clear_recent)

    def _clear_recent(self) -> None:
        self.settings.clear_recent()
        self.recent_changed.emit()

    def _update_actions(self, *_) -> None:
        path = self.document.path
        saved_project = path is not None and Path(path).suffix.lower() == EXTENSION
        busy = self.busy
        self.window.actions["revert"].setEnabled(saved_project and self.document.is_modified() and not busy)
        for key in ("save", "save_as", "open", "import_keras"):
            self.window.actions[key].setEnabled(not busy)
