"""The project file on disk as this window last read or wrote it: noticing a change made by
another window or program, asking what to do on a save over it, reloading it, and saying
when another live window holds the project (see `files.py`'s docstring). A mixin of
`FileController`."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from visualnet.io import ProjectFileError
from visualnet.io.file_state import FileStamp, Holder
from visualnet.io.project import Project, open_project

log = logging.getLogger("visualnet.files")


class DiskWatch:
    """The file on disk (see the module docstring)."""

    def _track(self, path, stamp: FileStamp | None = None) -> Holder | None:
        """This window now shows `path` (None: no project file): remember the file as it is
        (`stamp`, or now) and hold its lock. Returns another live holder of the lock."""
        if not self._is_project_path(path):
            self._stamp = self._stamp_path = None
            self.project_lock.release()
            return None
        path = Path(path)
        self._stamp_path = path
        self._stamp = stamp if stamp is not None else stamp_or_none(path)
        return self.project_lock.acquire(path)

    def changed_on_disk(self, path) -> bool:
        """True when `path` is this window's project file and something else wrote it since
        this window read or wrote it (see `visualnet.io.file_state.FileStamp`)."""
        if self._stamp is None or self._stamp_path is None or not same_path(path, self._stamp_path):
            return False
        return self._stamp.changed(path)

    def ask_on_conflict(self, path) -> str:
        """The project file changed on disk: 'overwrite', 'save_as', 'reload' or 'cancel'
        (tests replace this method)."""
        path = Path(path)
        if self.quiet:
            self._fail("Save Project", f"'{path.name}' was changed on disk by another program; it was not "
                                       f"overwritten.")
            return "cancel"
        holder = self.project_lock.holder()
        who = f" (VisualNet {holder.describe()} has it open)" if holder is not None else ""
        box = QMessageBox(QMessageBox.Icon.Warning, "Project changed on disk",
                          f"'{path.name}' was changed on disk since this window opened or last saved it, "
                          f"probably by another VisualNet window{who}.\n\n"
                          f"Overwrite replaces those changes with this window's. Save As… keeps both. "
                          f"Reload shows the file as it is now and discards this window's unsaved changes.",
                          QMessageBox.StandardButton.NoButton, self.window)
        overwrite = box.addButton("&Overwrite", QMessageBox.ButtonRole.DestructiveRole)
        save_as = box.addButton("Save &As…", QMessageBox.ButtonRole.AcceptRole)
        reload = box.addButton("&Reload", QMessageBox.ButtonRole.ResetRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(save_as)
        box.setEscapeButton(cancel)
        box.exec()
        clicked = box.clickedButton()
        if clicked is overwrite:
            return "overwrite"
        if clicked is save_as:
            return "save_as"
        if clicked is reload:
            return "reload"
        return "cancel"

    def reload(self, path=None) -> bool:
        """Show the project file as it is on disk now (this window's unsaved changes go)."""
        path = Path(path if path is not None else self.document.path)
        try:
            stamp = FileStamp.of(path)
            project = open_project(path)
        except (ProjectFileError, OSError, ValueError) as exc:
            self._fail("Reload", f"'{path.name}' cannot be read, so nothing was changed.\n\n{exc}")
            return False
        self._load(project, path.name, path, stamp=stamp)
        self.window.statusBar().showMessage(f"Reloaded {path} as it is on disk", 5000)
        return True

    @staticmethod
    def _held_text(path, holder: Holder) -> str:
        return (f"'{Path(path).name}' is open in another VisualNet window ({holder.describe()}); saving here may "
                f"overwrite its changes.")

    def _notice_if_held(self) -> Holder | None:
        """After opening: say so (status bar, and an information box) when another running
        VisualNet holds this project's lock."""
        holder = self.project_lock.holder()
        if holder is None:
            return None
        text = self._held_text(self.project_lock.path, holder)
        log.info(text)
        self.window.statusBar().showMessage(text, 15000)
        self.last_notice = text
        if not self.quiet:     # non-blocking: the window stays usable, the box is closed by the user
            box = QMessageBox(QMessageBox.Icon.Information, "Project open elsewhere", text,
                              QMessageBox.StandardButton.Ok, self.window)
            box.setModal(False)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.show()
        return holder


def stamp_or_none(path) -> FileStamp | None:
    try:
        return FileStamp.of(path)
    except OSError:
        return None


def same_path(a, b) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return Path(a) == Path(b)
