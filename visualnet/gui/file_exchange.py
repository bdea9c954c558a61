"""Models in and out of VisualNet from the File menu: import a Keras or ONNX model or
weights, export a Keras file, an ONNX model or Python code (Keras / PyTorch). A mixin of
`FileController`."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from visualnet.graph import validate
from visualnet.io import KerasFileError, ProjectFileError, UnsupportedLayersError

from .wording import count

log = logging.getLogger("visualnet.files")

KERAS_OPEN_FILTER = "Keras and ONNX models (*.keras *.h5 *.hdf5 *.onnx);;All files (*)"
WEIGHTS_FILTER = "Weights (*.npz *.weights.h5 *.h5 *.keras);;All files (*)"
KERAS_SAVE_FILTER = "Keras 3 model (*.keras);;Legacy Keras HDF5 (*.h5)"
PYTHON_FILTER = "Python script (*.py)"


class ModelExchange:
    """Keras and code (see the module docstring)."""

    def import_weights(self, path=None) -> bool:
        """File > Import Weights: weights trained elsewhere (the exported scripts' Keras-ordered
        .npz, e.g. from a cluster run, or a Keras .weights.h5/.keras/.h5) replace the model's,
        checked before anything changes; the optimizer state, which belonged to the old weights, goes."""
        from visualnet.io.weights_import import import_weights

        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.window, "Import Weights", self._start_dir(), WEIGHTS_FILTER)
            if not path:
                return False
        path = Path(path)
        if self.busy:
            self._fail("Import Weights", "A save is still running; try again when it has finished.")
            return False
        project = self.snapshot()
        try:
            import_weights(project, path)
        except (KerasFileError, ProjectFileError, OSError, ValueError, KeyError) as exc:
            self._fail("Import Weights", f"The weights in '{path.name}' cannot be used, so nothing was changed."
                                         f"\n\n{exc}")
            return False
        self._load(project, self.document.title, self.document.path, modified=True)
        log.info("imported weights from %s", path)
        self.window.statusBar().showMessage(f"Imported the weights of {path.name}", 5000)
        return True

    def import_keras(self, path=None) -> bool:
        """File > Import: a Keras (.keras, .h5) or ONNX (.onnx) model, read in a child process."""
        if path is None:
            name, _ = QFileDialog.getOpenFileName(self.window, "Import Keras or ONNX Model", self._start_dir(),
                                                  KERAS_OPEN_FILTER)
            if not name:
                return False
            path = name
        path = Path(path)
        onnx = path.suffix.lower() == ".onnx"
        title, kind = ("Import ONNX Model", "an ONNX") if onnx else ("Import Keras Model", "a Keras")
        from visualnet.io.foreign import ImportStopped

        from .child_import import import_in_child

        try:
            imported = import_in_child(self.window, path)
        except ImportStopped as exc:
            self._fail(title, str(exc))
            return False
        except UnsupportedLayersError as exc:
            self._fail(title, f"'{path.name}' cannot be imported.\n\n{exc}")
            return False
        except FileNotFoundError:
            self._fail(title, f"'{path}' does not exist.")
            return False
        except (KerasFileError, ProjectFileError, OSError, ValueError) as exc:
            self._fail(title, f"'{path.name}' is not {kind} model VisualNet can read.\n\n{exc}")
            return False
        if imported is None:
            self.window.statusBar().showMessage(f"Import of {path.name} cancelled.", 5000)
            return False
        project = imported.project
        if not self.confirm_discard():
            return False
        self._load(project, path.stem, None, modified=True)
        log.info("imported %s (%d layers)", path, len(project.graph.nodes))
        message = f"Imported {path.name}: {count(len(project.graph.nodes), 'layer')} with their weights."
        if imported.notes:
            QMessageBox.information(self.window, title,
                                    message + "\n\nNotes:\n" + "\n".join(f"• {n}" for n in imported.notes))
        self.window.statusBar().showMessage(message, 8000)
        return True

    def build_model(self, what: str):
        """An engine model of the current project (its trained weights if any), or None after
        telling the user why there is none."""
        project = self.snapshot()
        errors = [p for p in validate(project.graph) if p.severity == "error"]
        if not project.graph.nodes or errors:
            detail = "\n".join(f"• {p.message}" for p in errors[:8]) or "The model is empty."
            self._fail(what, f"Fix the model's problems first:\n\n{detail}")
            return None, project
        try:
            return project.build_model(compile=project.training.get("loss") is not None), project
        except (ValueError, TypeError, KeyError) as exc:
            self._fail(what, f"The model cannot be built: {exc}")
            return None, project

    def export_keras(self, path=None) -> bool:
        model, project = self.build_model("Export Keras Model")
        if model is None:
            return False
        if path is None:
            start = str(Path(self._start_dir()) / (safe_stem(self.document.title) + ".keras"))
            name, chosen = QFileDialog.getSaveFileName(self.window, "Export Keras Model", start, KERAS_SAVE_FILTER)
            if not name:
                return False
            path = Path(name)
            if path.suffix.lower() not in (".keras", ".h5"):
                path = path.with_name(path.name + (".h5" if "h5" in chosen else ".keras"))
        path = Path(path)
        from visualnet.io.keras_files import save_model

        try:
            save_model(model, path)
        except (OSError, ValueError, KerasFileError) as exc:
            self._fail("Export Keras Model", save_error(path, exc))
            return False
        trained = "" if project.weights else " (untrained: initial weights)"
        self.window.statusBar().showMessage(f"Exported {path}{trained}", 8000)
        log.info("exported %s", path)
        return True

    def export_onnx(self, path=None) -> bool:
        model, project = self.build_model("Export ONNX Model")
        if model is None:
            return False
        if path is None:
            start = str(Path(self._start_dir()) / (safe_stem(self.document.title) + ".onnx"))
            name, _ = QFileDialog.getSaveFileName(self.window, "Export ONNX Model", start, "ONNX model (*.onnx)")
            if not name:
                return False
            path = Path(name) if name.lower().endswith(".onnx") else Path(name + ".onnx")
        path = Path(path)
        from visualnet.io.onnx_export import OnnxExportError, export_onnx

        try:
            export_onnx(model, path)
        except (OSError, OnnxExportError) as exc:
            self._fail("Export ONNX Model", save_error(path, exc))
            return False
        trained = "" if project.weights else " (untrained: initial weights)"
        self.window.statusBar().showMessage(f"Exported {path}{trained}", 8000)
        return True

    def export_code(self, framework: str, path=None) -> bool:
        title = {"keras": "Export Python Code for Keras", "torch": "Export Python Code for PyTorch"}[framework]
        model, project = self.build_model(title)
        if model is None:
            return False
        if path is None:
            suffix = "_keras.py" if framework == "keras" else "_torch.py"
            start = str(Path(self._start_dir()) / (safe_stem(self.document.title) + suffix))
            name, _ = QFileDialog.getSaveFileName(self.window, title, start, PYTHON_FILTER)
            if not name:
                return False
            path = Path(name)
            if path.suffix.lower() != ".py":
                path = path.with_name(path.name + ".py")
        path = Path(path)
        from visualnet.io.code_export import export_keras_script, export_torch_script

        export = export_keras_script if framework == "keras" else export_torch_script
        try:
            npz = export(model, path, weights="npz" if project.weights else None, training=project.training,
                         recipe=project.recipe)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            self._fail(title, save_error(path, exc))
            return False
        extra = f" and {Path(npz).name}" if npz else ""
        self.window.statusBar().showMessage(f"Wrote {path}{extra}", 8000)
        return True


def safe_stem(title: str) -> str:
    stem = "".join(c if c.isalnum() or c in "-_ ." else "_" for c in (title or "Untitled")).strip(" .")
    return Path(stem or "Untitled").stem or "Untitled"


def save_error(path: Path, exc: BaseException) -> str:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return (f"'{path.name}' could not be written: {reason}.\n\nNothing was lost: any previous file at {path} is "
            f"unchanged, and the project is still open.")
