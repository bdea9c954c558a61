"""File > Import of a Keras file, run in a child process (io/foreign.py) with QProcess: the
window keeps painting behind a modal "Importing…" dialog whose Cancel stops the child, and
the child is stopped at the import's time limit. No polling: a local event loop waits for
the process's `finished` (or the time limit's timer)."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QEventLoop, QProcess, QProcessEnvironment, Qt, QTimer
from PySide6.QtWidgets import QProgressDialog

from visualnet.io.foreign import ForeignImport, child_command, read_answer, scratch_dir, time_limit


def import_in_child(parent, path) -> ForeignImport | None:
    """The imported project, or None if the user cancelled; errors as `io.foreign.read_answer`."""
    path = Path(path)
    folder = scratch_dir()
    try:
        out = folder / "imported.vnet"
        argv, env = child_command(path, out)
        proc = QProcess(parent)
        qenv = QProcessEnvironment()
        for key, value in env.items():
            qenv.insert(key, value)
        proc.setProcessEnvironment(qenv)
        proc.setProgram(argv[0])
        proc.setArguments(argv[1:])
        proc.setStandardOutputFile(QProcess.nullDevice())
        state = {"timed_out": False, "cancelled": False}
        loop = QEventLoop()
        proc.finished.connect(loop.quit)

        def stop(reason: str) -> None:
            state[reason] = True
            proc.kill()

        timer = QTimer(singleShot=True, interval=int(time_limit(path) * 1000))
        timer.timeout.connect(lambda: stop("timed_out"))
        dialog = QProgressDialog(f"Importing {path.name}…", "Cancel", 0, 0, parent)
        dialog.setWindowTitle("Import ONNX Model" if Path(path).suffix.lower() == ".onnx" else "Import Keras Model")
        dialog.setWindowModality(Qt.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.canceled.connect(lambda: stop("cancelled"))
        proc.start()
        if proc.waitForStarted(10_000):
            timer.start()
            loop.exec()
        timer.stop()
        dialog.canceled.disconnect()
        dialog.close()
        dialog.deleteLater()
        if proc.state() != QProcess.NotRunning:
            proc.waitForFinished(5000)
        stderr = bytes(proc.readAllStandardError()).decode("utf-8", "replace")
        proc.deleteLater()
        if state["cancelled"]:
            return None
        if proc.error() == QProcess.FailedToStart:
            return read_answer(path, out, -1, f"the import process could not start: {proc.errorString()}")
        return read_answer(path, out, None if state["timed_out"] else proc.exitCode(), stderr)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
