"""Keras files for the Keras API and the File menu.

    save_model(model, "m.keras" | "m.h5")      # Keras 3 zip, or legacy HDF5 in the Keras 2 dialect
    load_model("m.keras" | "m.h5", compile=True)
    save_weights(model, "m.weights.h5"); load_weights(model, path)
    import_keras_model(path) -> KerasImport     # the model plus a laid-out Graph for the canvas

Files are written atomically (see atomic.py). Reading never runs code from the file: layer
types come from VisualNet's registry and a model with anything else is refused with the
full list of what is unsupported (UnsupportedLayersError).
"""

from __future__ import annotations

import inspect
import lzma
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import h5py

from ..data.hdf5_guard import ExternalDataError, UnsafeHDF5Error, open_hdf5
from ..engine.custom_loss import from_entry
from ..engine.freezing import sync_trainable
from ..engine.nesting import is_model
from ..graph import Graph, topological_order
from .atomic import write_atomic
from .errors import KerasFileError
from .keras_config import KerasModelSpec, compile_config as make_compile_config
from .keras_h5 import read_keras3_weights, read_legacy_h5, read_legacy_weights, write_keras3_weights
from .keras_h5 import write_legacy_h5
from .keras_zip import read_keras_zip, read_weights_from_zip, write_keras_zip


@dataclass
class KerasImport:
    """A model read from a Keras file: the engine model, its Graph (with canvas positions),
    the compile settings found in the file, and notes on harmless differences."""

    model: object
    graph: Graph
    compile_config: dict | None = None
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------- model -> parts
def _is_sequential(model) -> bool:
    from ..engine.sequential import Sequential

    return isinstance(model, Sequential)


def model_parts(model):
    """(graph, weights by node id) of a built engine model."""
    if not getattr(model, "built", False):
        raise ValueError(f"Model '{model.name}' has not been built yet, so it has no weights to save. "
                         "Build it (give it an input shape) first.")
    nested = [item.name for item in model.layers if is_model(item)]
    if nested:
        raise ValueError(f"Model '{model.name}' contains the nested model(s) {', '.join(map(repr, nested))}; "
                         "VisualNet writes and reads Keras files of flat models only (Keras lays nested "
                         "models' weights out by their own paths). Rebuild it with the nested layers in "
                         "one model to save it.")
    shared = sorted({layer.shares_with.name for layer in model.layers_by_node_id.values() if layer.shares_with})
    if shared:
        raise ValueError(f"Model '{model.name}' calls the layer(s) {', '.join(map(repr, shared))} more than once; "
                         "VisualNet writes and reads Keras files of models without shared layers only.")
    weights = {nid: layer.get_weights() for nid, layer in model.layers_by_node_id.items()}
    return model.to_graph(), weights


def _optimizer_vars(model) -> tuple[list | None, str]:
    """Keras 3's optimizer variables (iterations, learning_rate, slots per trainable weight,
    in Keras's order) from VisualNet's flat optimizer state."""
    c = getattr(model, "compiled", None)
    if c is None:
        return None, "optimizer"
    sync_trainable(model)  # the optimizer's state follows the weights trainable now
    opt = c.optimizer
    return opt.keras_variables([w.shape for w in model.trainable_weights]), opt.name


def _flags(model) -> dict:
    """The `trainable` flags a Keras config records: frozen layers' names, the model's own."""
    frozen = frozenset(layer.name for layer in model.layers_by_node_id.values() if not layer.trainable)
    return {"frozen": frozen, "trainable": model.trainable}


def restore_optimizer(model, variables: list, source: str) -> None:
    """Put the optimizer variables a file holds (Keras's order) into `model`'s compiled
    optimizer; when they do not fit, warn as Keras does and keep a fresh optimizer."""
    from .. import VisualNetWarning

    sync_trainable(model)
    try:
        model.compiled.optimizer.set_keras_variables(variables, [w.shape for w in model.trainable_weights])
    except ValueError as exc:
        warnings.warn(f"The optimizer state in '{source}' was not restored ({exc}); training starts with a "
                      "fresh optimizer.", VisualNetWarning, stacklevel=3)


# ---------------------------------------------------------------------- public API
def save_model(model, filepath, overwrite: bool = True, **kwargs) -> None:
    """`.keras` (Keras 3 format) or `.h5`/`.hdf5` (legacy HDF5, Keras 2 dialect), by extension."""
    path = Path(filepath)
    name = path.name.lower()
    unknown = sorted(set(kwargs) - {"include_optimizer", "save_format", "zipped"})
    if unknown:
        raise TypeError(f"save() got unexpected keyword argument(s): {', '.join(unknown)}")
    graph, weights = model_parts(model)
    sequential = _is_sequential(model)
    flags = _flags(model)
    if name.endswith(".keras"):  # Keras 3 always writes the optimizer here (include_optimizer is for .h5)
        opt_vars, opt_name = _optimizer_vars(model)
        cfg = make_compile_config(model, "keras3")
        write_atomic(path, lambda tmp: write_keras_zip(tmp, graph, model.name, sequential, weights, cfg,
                                                       opt_vars, opt_name, **flags), overwrite=overwrite)
    elif name.endswith((".h5", ".hdf5")):
        cfg = make_compile_config(model, "keras2")
        opt_vars, opt_name = _optimizer_vars(model) if kwargs.get("include_optimizer", True) else (None, "")

        def write(tmp):
            with h5py.File(tmp, "w") as f:
                write_legacy_h5(f, graph, model.name, sequential, weights, cfg, opt_vars, opt_name, **flags)
        write_atomic(path, write, overwrite=overwrite)
    else:
        raise ValueError("Invalid filepath extension for saving. Please add either a `.keras` extension for the "
                         f"native Keras format (recommended) or a `.h5` extension. Received: filepath={filepath}")


def save_weights(model, filepath, overwrite: bool = True) -> None:
    """The weights in Keras 3's `.weights.h5` layout."""
    path = Path(filepath)
    if not path.name.endswith(".weights.h5"):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={filepath}")
    graph, weights = model_parts(model)

    def write(tmp):
        with h5py.File(tmp, "w") as f:
            write_keras3_weights(f, graph, model.name, _is_sequential(model), weights)
    write_atomic(path, write, overwrite=overwrite)


def load_weights(model, filepath) -> None:
    """Weights from `.weights.h5` (Keras 3), `.keras` or a legacy `.h5`, checked against the
    model's shapes before anything is changed."""
    path = Path(filepath)
    graph, _ = model_parts(model)
    sequential = _is_sequential(model)
    name = path.name.lower()
    with _reading(path):
        if name.endswith(".keras"):
            weights = read_weights_from_zip(path, graph, sequential)
        elif name.endswith((".h5", ".hdf5")):
            with open_hdf5(path) as f:
                if "layers" in f and "layer_names" not in f.attrs and "model_weights" not in f:
                    weights = read_keras3_weights(f, graph, sequential)
                else:
                    weights = read_legacy_weights(f["model_weights"] if "model_weights" in f else f, graph)
        else:
            raise KerasFileError(f"Cannot load weights from '{path.name}': use a .weights.h5, .keras or .h5 file.")
    layers = model.layers_by_node_id
    for nid, arrays in weights.items():
        layers[nid].set_weights(arrays)


def read_keras_file(filepath) -> tuple[KerasModelSpec, dict, dict | None]:
    """(spec, weights by node id of spec.graph, compile config or None) of a `.keras`/`.h5`."""
    path = Path(filepath)
    name = path.name.lower()
    with _reading(path):
        if name.endswith(".keras"):
            return read_keras_zip(path)
        if name.endswith((".h5", ".hdf5")):
            with open_hdf5(path) as f:
                spec, weights, training = read_legacy_h5(f)
            if training is not None:
                training = {"optimizer": training.get("optimizer_config"), **{
                    k: v for k, v in training.items() if k != "optimizer_config"}}
            return spec, weights, training
        raise KerasFileError(f"'{path.name}' is not a Keras model file: use a .keras or .h5 file.")


def load_model(filepath, compile: bool = True, classes: tuple | None = None, custom_objects=None):
    """A model (Sequential or functional, as saved) from a `.keras` or `.h5` file; `classes`
    as in `build_model` (`visualnet.models.load_model` passes its own, which can save)."""
    spec, weights, cfg = read_keras_file(filepath)
    model = build_model(spec, weights, classes)
    if compile and cfg:
        compile_from_config(model, cfg, custom_objects)
        if model.compiled is not None and spec.optimizer_variables:
            restore_optimizer(model, spec.optimizer_variables, Path(filepath).name)
    return model


def import_keras_model(filepath) -> KerasImport:
    """For the GUI's File > Import: the model and a Graph laid out for the canvas (node ids
    equal the model's, so `Project.from_model` keeps the weights)."""
    with warnings.catch_warnings(record=True) as caught:      # what is not restored becomes a note
        warnings.simplefilter("always")
        spec, weights, cfg = read_keras_file(filepath)
        model = build_model(spec, weights)
        if cfg:
            compile_from_config(model, cfg)
            if model.compiled is not None and spec.optimizer_variables:
                restore_optimizer(model, spec.optimizer_variables, Path(filepath).name)
    notes = [str(w.message) for w in caught]
    graph = model.to_graph()
    for nid, pos in layered_positions(graph).items():
        graph.nodes[nid].position = pos
    return KerasImport(model, graph, cfg, notes)


# ---------------------------------------------------------------------- building
def build_model(spec: KerasModelSpec, weights: dict, classes: tuple | None = None):
    """A model for `spec` (node ids kept), with the file's weights and `trainable` flags;
    `classes` is the (functional, Sequential) pair to build, the engine's by default."""
    if classes is None:
        from ..engine.model import Model
        from ..engine.sequential import Sequential

        classes = (Model, Sequential)
    functional, sequential = classes
    model = (sequential if spec.sequential else functional).from_graph(spec.graph, name=spec.name)
    layers = model.layers_by_node_id
    for nid, arrays in weights.items():
        layers[nid].set_weights(arrays)
    model.trainable = spec.trainable  # the model's own flag; then each layer's, as saved
    for layer in layers.values():
        layer.trainable = layer.name not in spec.frozen
    return model


def _accepted(cls, config: dict) -> dict:
    params = inspect.signature(cls.__init__).parameters
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):   # the base takes Keras's common arguments
        from ..engine.optimizers import Optimizer

        names = set(params) | set(inspect.signature(Optimizer.__init__).parameters) | {"lr", "decay"}
    else:
        names = set(params)
    return {k: v for k, v in config.items() if k in names}


def compile_from_config(model, cfg: dict, custom_objects=None) -> None:
    """Compile `model` from Keras's compile_config / training_config; a setting VisualNet
    cannot take is reported with a warning and the model is left uncompiled. A custom loss
    comes from the caller's `custom_objects`."""
    from .. import VisualNetWarning
    from ..engine import losses
    from ..engine.optimizers import optimizer_class

    try:
        opt = cfg.get("optimizer")
        if isinstance(opt, dict):
            cls = optimizer_class(opt.get("class_name"))
            opt = cls.from_config(_accepted(cls, dict(opt.get("config") or {})))
        def loss_of(loss):
            custom = from_entry(loss, custom_objects)
            if custom is not None:
                return custom
            if isinstance(loss, dict) and "class_name" not in loss:   # per output: {"a": "mse", ...}
                return {k: loss_of(v) for k, v in loss.items()}
            if isinstance(loss, list):
                return [loss_of(v) for v in loss]
            if isinstance(loss, dict):
                return losses.deserialize({"class_name": loss.get("class_name"), "config": {   # compile() takes objects
                    k: v for k, v in (loss.get("config") or {}).items() if k not in ("dtype",)}})
            return loss

        def metrics_of(metrics):
            return [m if isinstance(m, str) else metric_from_entry(m) for m in _flatten(metrics)
                    if isinstance(m, str) or metric_from_entry(m) is not None]

        loss = loss_of(cfg.get("loss"))
        metrics = cfg.get("metrics") or []
        several = len(getattr(model, "output_node_ids", ())) > 1
        if isinstance(metrics, dict):   # per output, by name
            metrics = {k: metrics_of(v or []) for k, v in metrics.items()}
        elif isinstance(metrics, list) and several and any(isinstance(m, list) or m is None for m in metrics):
            metrics = [metrics_of(m or []) for m in metrics]   # per output, in order
        elif isinstance(metrics, list):
            metrics = metrics_of(metrics)
        model.compile(optimizer=opt or "rmsprop", loss=loss, metrics=metrics)
    except (ValueError, TypeError, KeyError) as exc:
        warnings.warn(f"The model's training settings could not be restored ({exc}); it is loaded uncompiled.",
                      VisualNetWarning, stacklevel=3)


def _flatten(items):
    for m in items:
        if isinstance(m, list):
            yield from _flatten(m)
        else:
            yield m


def layered_positions(graph: Graph, dx: float = 220.0, dy: float = 110.0) -> dict:
    """Simple left-to-right positions: column = longest path from an input."""
    column: dict[str, int] = {}
    for nid in topological_order(graph):
        column[nid] = max((column[s] + 1 for s in graph.inputs_of(nid)), default=0)
    rows: dict[int, int] = {}
    out = {}
    for nid in topological_order(graph):
        c = column[nid]
        r = rows.get(c, 0)
        rows[c] = r + 1
        out[nid] = (c * dx, r * dy)
    return out


class _reading:
    """Turns the ways a damaged file fails inside h5py/zipfile into one KerasFileError."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        if not self.path.exists():
            raise FileNotFoundError(f"No such file: {self.path}")
        return self

    def __exit__(self, kind, exc, tb):
        if exc is None or isinstance(exc, (KerasFileError, KeyboardInterrupt)):
            return False
        if isinstance(exc, MemoryError):
            raise KerasFileError(f"'{self.path.name}' is too large to load in the memory available "
                                 f"(MemoryError{': ' + str(exc) if str(exc) else ''}).") from None
        if isinstance(exc, (zlib.error, lzma.LZMAError)):
            raise KerasFileError(f"'{self.path.name}' is damaged: a compressed part cannot be unpacked "
                                 f"({type(exc).__name__}: {exc})") from None
        if isinstance(exc, NotImplementedError):
            raise KerasFileError(f"'{self.path.name}' uses a zip feature VisualNet cannot read: {exc}") from None
        if isinstance(exc, ExternalDataError):
            raise KerasFileError(f"'{self.path.name}' was not read: it refers to data outside itself. {exc}") from None
        if isinstance(exc, UnsafeHDF5Error):
            raise KerasFileError(f"'{self.path.name}' was not read: {exc}") from None
        if isinstance(exc, zipfile.BadZipFile):
            raise KerasFileError(f"'{self.path.name}' is not a valid .keras (zip) file: {exc}") from None
        if isinstance(exc, OSError):
            raise KerasFileError(f"'{self.path.name}' cannot be read as HDF5 (damaged or not a Keras file): "
                                 f"{exc}") from None
        if isinstance(exc, (ValueError, KeyError, TypeError, IndexError, EOFError, RuntimeError, UnicodeError,
                            AttributeError, RecursionError, OverflowError, zipfile.LargeZipFile)):
            raise KerasFileError(f"'{self.path.name}' is damaged or malformed ({type(exc).__name__}: "
                                 f"{exc})") from None
        return False


def metric_from_entry(entry):
    """A built-in metric from Keras's `{"class_name", "config"}` in a compile config, or None."""
    from ..engine import metrics as metrics_mod

    if isinstance(entry, dict) and entry.get("class_name") in metrics_mod.METRIC_CLASSES:
        return metrics_mod.deserialize({"class_name": entry["class_name"], "config": entry.get("config") or {}})
    return None
