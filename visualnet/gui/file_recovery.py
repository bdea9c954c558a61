"""Autosave to a recovery file, the emergency save on a crash, the single-instance claim,
the clean-up of interrupted saves and the offer to restore a recovery file after a crash.
A mixin of `FileController`."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from PySide6.QtCore import QLockFile
from PySide6.QtWidgets import QMessageBox

from visualnet.io import ProjectFileError
from visualnet.io.autosave import (Recovery, clean_interrupted_saves, discard_recovery, find_recoveries, recovery_dir,
                                    recovery_path, write_recovery)
from visualnet.io.project import EXTENSION

log = logging.getLogger("visualnet.files")


class RecoveryActions:
    """Autosave and recovery (see the module docstring)."""

    def _autosave_tick(self) -> None:
        if self.busy or self._closed:
            return
        modified = self.document.is_modified()
        if not self.autosaver.due(modified):
            return
        self.autosave_now()

    def autosave_now(self) -> None:
        """Write the recovery file now (on the worker thread)."""
        project = self.snapshot()
        path = self.document.path if self._is_project_path(self.document.path) else None
        saver = self.autosaver

        def work():
            new_path = recovery_path(path, saver.session, saver.directory)
            if saver.path is not None and saver.path != new_path:
                discard_recovery(saver.path)   # the project was saved under another name since
            saver.path = write_recovery(project, path, saver.session, saver.directory)
            saver.last_save = saver.clock()
            return saver.path

        self._submit("autosave", saver.path, None, work)

    def emergency_save(self) -> Path | None:
        """After an unexpected error: write the recovery file at once, on this thread."""
        if not self.document.is_modified():
            return None
        try:
            path = self.document.path if self._is_project_path(self.document.path) else None
            written = write_recovery(self.snapshot(), path, self.autosaver.session)
            self.autosaver.path = written
            return written
        except Exception:  # noqa: BLE001 - best effort while handling another error
            log.exception("emergency autosave failed")
            return None

    @staticmethod
    def _is_project_path(path) -> bool:
        return path is not None and Path(path).suffix.lower() == EXTENSION

    def claim_instance(self) -> bool:
        """Mark this process as a running VisualNet (a lock file in the recovery folder).
        Returns True when no other VisualNet is running, so leftover recovery files are
        from a session that crashed."""
        folder = recovery_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return False
        alone = True
        for other in folder.glob("instance-*.lock"):
            lock = QLockFile(str(other))
            lock.setStaleLockTime(0)
            if lock.tryLock(0):
                lock.unlock()   # left by a process that is gone
            else:
                alone = False
        self._lock = QLockFile(str(folder / f"instance-{os.getpid()}.lock"))
        self._lock.setStaleLockTime(0)
        self._lock.tryLock(0)
        return alone

    def clean_leftovers(self) -> threading.Thread:
        """At start: remove the temporary files interrupted saves left in the recent
        projects' folders and the recovery folder, on a thread of its own (a slow network
        folder must not hold the window). Returns the thread."""
        paths = self.settings.recent_files(existing_only=False)

        def run():
            try:
                removed = clean_interrupted_saves(paths)
                if removed:
                    log.info("removed %d files left by interrupted saves: %s", len(removed),
                             ", ".join(map(str, removed)))
            except Exception:  # noqa: BLE001 - housekeeping must never disturb the start
                log.exception("cleaning up after interrupted saves failed")

        thread = threading.Thread(target=run, name="visualnet-clean", daemon=True)
        thread.start()
        return thread

    def offer_recovery(self, recoveries: list[Recovery] | None = None) -> bool:
        """After a crash: offer to restore the newest recovery file. Returns True if restored."""
        recoveries = find_recoveries() if recoveries is None else recoveries
        for rec in recoveries:
            try:
                project = rec.read()
            except (ProjectFileError, OSError, ValueError) as exc:
                log.warning("recovery file %s is unreadable: %s", rec.path, exc)
                QMessageBox.warning(self.window, "Recovery",
                                    f"An autosaved recovery file could not be read and was removed.\n\n{exc}")
                rec.discard()
                continue
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(rec.written))
            name = rec.original.name if rec.original is not None else "an untitled project"
            box = QMessageBox.StandardButton
            answer = QMessageBox.question(
                self.window, "Restore unsaved work?",
                f"VisualNet did not close normally. Unsaved changes to {name} were autosaved at {when}.\n\n"
                f"Restore them? (Discard deletes the autosaved copy.)",
                box.Yes | box.Discard | box.Ignore, box.Yes)
            if answer == box.Discard:
                rec.discard()
                continue
            if answer != box.Yes:
                return False
            if rec.original is not None:
                self._load(project, rec.original.name, rec.original, modified=True)
                self._notice_if_held()
            else:
                self._load(project, "Recovered", None, modified=True)
            self.autosaver.path = rec.path   # replaced by the next autosave, removed by Save
            log.info("restored %s", rec.path)
            self.window.statusBar().showMessage(f"Restored the autosaved {name}; save it to keep it.", 8000)
            return True
        return False

    def shutdown(self) -> None:
        """The window closed normally: finish any save, drop this session's recovery file."""
        if self._closed:
            return
        self._closed = True
        self._autosave_timer.stop()
        self.wait()
        self.autosaver.saved()
        self._executor.shutdown(wait=True)
        if self._lock is not None:
            self._lock.unlock()
        self.project_lock.release()
        self.settings.sync()
