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
from ..graph import from_dict as graph_from_dict, to_dict as graph_to_dict
from .atomic import write_atomic
from .errors import KerasFileError, UnsupportedLayersError
from .keras_config import KerasModelSpec, compile_config as make_compile_config
from .keras_config_read import config_beyond_graph
from .keras_h5 import legacy_h5_config, legacy_weights_group, read_keras3_weights, read_legacy_h5
from .keras_h5 import read_legacy_optimizer, read_legacy_weights, write_keras3_weights, write_legacy_h5
from .keras_zip import read_keras_config, read_keras_zip, read_weights_from_zip, write_keras_zip


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
    """`.keras` (Keras 3 format) or `.h5`/`.hdf5` (legacy HDF5), by extension. A model whose
    graph says all it returns is written in the Keras 2 dialect into `.h5`; one with several
    outputs (or an LSTM's state as output, or dict inputs or outputs) with its Keras 3
    config, as Keras 3 writes such a model (keras_custom.py writes its `.keras`)."""
    from .keras_custom import needs_model_config, save_model as save_from_config

    path = Path(filepath)
    name = path.name.lower()
    unknown = sorted(set(kwargs) - {"include_optimizer", "save_format", "zipped"})
    if unknown:
        raise TypeError(f"save() got unexpected keyword argument(s): {', '.join(unknown)}")
    from_config = needs_model_config(model)
    if from_config and name.endswith(".keras"):
        return save_from_config(model, filepath, overwrite=overwrite)
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
        given = {"config": _legacy_model_config(model), "outputs": model.output_node_ids} if from_config else {}

        def write(tmp):
            with h5py.File(tmp, "w") as f:
                write_legacy_h5(f, graph, model.name, sequential, weights, cfg, opt_vars, opt_name, **flags,
                                **given)
        write_atomic(path, write, overwrite=overwrite)
    else:
        raise ValueError("Invalid filepath extension for saving. Please add either a `.keras` extension for the "
                         f"native Keras format (recommended) or a `.h5` extension. Received: filepath={filepath}")


def _legacy_model_config(model) -> dict:
    """A functional model's config as Keras 3 writes it into an `.h5` file (its
    `get_config()` under the class name; the same config its `.keras` file holds)."""
    from .model_config import get_config

    return {"class_name": "Functional", "config": get_config(model)}


def save_weights(model, filepath, overwrite: bool = True) -> None:
    """The weights in Keras 3's `.weights.h5` layout (every output's layers: keras_custom.py's
    walk for a model whose graph cannot say all it returns)."""
    from .keras_custom import needs_model_config, save_weights as save_walked

    path = Path(filepath)
    if not path.name.endswith(".weights.h5"):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={filepath}")
    graph, weights = model_parts(model)
    if needs_model_config(model):
        return save_walked(model, filepath, overwrite=overwrite)

    def write(tmp):
        with h5py.File(tmp, "w") as f:
            write_keras3_weights(f, graph, model.name, _is_sequential(model), weights)
    write_atomic(path, write, overwrite=overwrite)


def load_weights(model, filepath) -> None:
    """Weights from `.weights.h5` (Keras 3), `.keras` or a legacy `.h5`, checked against the
    model's shapes before anything is changed; a model with several outputs gets every
    output's layers' weights (keras_custom.py's walk for Keras 3's layout)."""
    from .keras_custom import load_weights as load_walked, needs_model_config, read_weights as read_walked

    path = Path(filepath)
    graph, _ = model_parts(model)
    sequential = _is_sequential(model)
    several = needs_model_config(model)
    name = path.name.lower()
    with _reading(path):
        if name.endswith(".keras"):
            if several:
                return load_walked(model, path)
            weights = read_weights_from_zip(path, graph, sequential)
        elif name.endswith((".h5", ".hdf5")):
            with open_hdf5(path) as f:
                if "layers" in f and "layer_names" not in f.attrs and "model_weights" not in f:
                    if several:
                        return read_walked(f, model)
                    weights = read_keras3_weights(f, graph, sequential)
                else:
                    weights = read_legacy_weights(legacy_weights_group(f), graph,
                                                  model.output_node_ids if several else None)
        else:
            raise KerasFileError(f"Cannot load weights from '{path.name}': use a .weights.h5, .keras or .h5 file.")
    layers = model.layers_by_node_id
    for nid, arrays in weights.items():
        layers[nid].set_weights(arrays)


def read_keras_file(filepath) -> tuple[KerasModelSpec, dict, dict | None]:
    """(spec, weights by node id of spec.graph, compile config or None) of a `.keras`/`.h5`
    whose model a Graph describes (see `read_model_file` for the others)."""
    path = Path(filepath)
    name = path.name.lower()
    with _reading(path):
        if name.endswith(".keras"):
            return read_keras_zip(path)
        if name.endswith((".h5", ".hdf5")):
            with open_hdf5(path) as f:
                spec, weights, training = read_legacy_h5(f)
            return spec, weights, _compile_settings(training)
        raise KerasFileError(f"'{path.name}' is not a Keras model file: use a .keras or .h5 file.")


def _compile_settings(training: dict | None) -> dict | None:
    """A legacy `.h5`'s training_config in compile_config's terms (its optimizer under 'optimizer')."""
    if training is None:
        return None
    return {"optimizer": training.get("optimizer_config"),
            **{k: v for k, v in training.items() if k != "optimizer_config"}}


def read_model_file(filepath, classes: tuple | None = None, custom_objects=None, compile: bool = True):
    """(model, compile config or None) of a `.keras` or `.h5` file, compiled as saved when
    `compile`. A functional model that returns what a Graph cannot say (several outputs, an
    LSTM's state, dict inputs or outputs: `config_beyond_graph`) is built from its config as
    `Model.from_config` builds it, in both formats; any other through its Graph."""
    path = Path(filepath)
    name = path.name.lower()
    if name.endswith(".keras"):
        from .keras_custom import load_model as load_from_config

        with _reading(path):
            z, config = read_keras_config(path)
            z.close()
        if config_beyond_graph(config):
            cfg = config.get("compile_config")
            with _reading(path):
                model = load_from_config(path, custom_objects or {}, compile, classes or _engine_classes())
            return model, (cfg if isinstance(cfg, dict) and cfg else None)
    elif name.endswith((".h5", ".hdf5")):
        built = _h5_from_config(path, classes, custom_objects)
        if built is not None:
            model, cfg, variables = built
            _compile(model, cfg if compile else None, variables, path.name, custom_objects)
            return model, cfg
    spec, weights, cfg = read_keras_file(path)
    model = build_model(spec, weights, classes)
    _compile(model, cfg if compile else None, spec.optimizer_variables, path.name, custom_objects)
    return model, cfg


def _h5_from_config(path: Path, classes, custom_objects):
    """(model, compile config, optimizer variables) of a legacy `.h5` whose config is
    beyond a Graph, its weights read by layer name; None for any other `.h5`."""
    from .model_config import from_config

    with _reading(path):
        with open_hdf5(path) as f:
            config, training = legacy_h5_config(f)
            if not config_beyond_graph(config):
                return None
            model = from_config(config.get("config"), classes or _engine_classes(), sequential=False,
                                custom_objects=custom_objects)
            weights = read_legacy_weights(legacy_weights_group(f), model.traced_graph, model.output_node_ids)
            variables = read_legacy_optimizer(f, weights) if training is not None else None
    layers = model.layers_by_node_id
    for nid, arrays in weights.items():
        layers[nid].set_weights(arrays)
    return model, _compile_settings(training), variables


def _compile(model, cfg: dict | None, variables: list | None, source: str, custom_objects=None) -> None:
    """Compile `model` from the file's settings (when any) and restore its optimizer's variables."""
    if not cfg:
        return
    compile_from_config(model, cfg, custom_objects)
    if model.compiled is not None and variables:
        restore_optimizer(model, variables, source)


def _engine_classes() -> tuple:
    from ..engine.model import Model
    from ..engine.sequential import Sequential

    return Model, Sequential


def load_model(filepath, compile: bool = True, classes: tuple | None = None, custom_objects=None):
    """A model (Sequential or functional, as saved) from a `.keras` or `.h5` file; `classes`
    as in `build_model` (`visualnet.models.load_model` passes its own, which can save)."""
    return read_model_file(filepath, classes, custom_objects, compile)[0]


def import_keras_model(filepath) -> KerasImport:
    """For the GUI's File > Import: the model and a Graph laid out for the canvas (node ids
    equal the model's, so `Project.from_model` keeps the weights)."""
    with warnings.catch_warnings(record=True) as caught:      # what is not restored becomes a note
        warnings.simplefilter("always")
        model, cfg = read_model_file(filepath)
    notes = [str(w.message) for w in caught]
    graph = canvas_graph(model, Path(filepath).name)
    for nid, pos in layered_positions(graph).items():
        graph.nodes[nid].position = pos
    return KerasImport(model, graph, cfg, notes)


def canvas_graph(model, source: str) -> Graph:
    """The model's Graph for the canvas, whose output layers (the graph's nodes that feed
    nothing, in node order) are the model's outputs in order; a model whose outputs a graph
    cannot say (an LSTM's state, dict inputs or outputs, one layer twice) is refused."""
    from ..engine.model_structure import given_keys, output_refs
    from .keras_custom import needs_model_config

    graph = model.to_graph()
    if not needs_model_config(model):
        return graph
    refs = output_refs(model)
    ids = [nid for nid, _ in refs]
    problems = [f"output {k + 1} of the model is output {port} of layer '{graph.nodes[nid].name}' (a state), "
                "which the canvas cannot show as an output" for k, (nid, port) in enumerate(refs) if port != 0]
    if given_keys(model, "inputs") or given_keys(model, "outputs"):
        problems.append("the model takes or returns a dict, which the canvas cannot show")
    if sorted(ids) != sorted(n.id for n in graph.output_nodes()):
        problems.append("the model's outputs are not exactly the layers that end the network")
    if problems:
        raise UnsupportedLayersError([f"{p} (load '{source}' with visualnet.models.load_model to use it in "
                                      "Python)" for p in problems])
    data = graph_to_dict(graph)   # the outputs in the model's order, in the places the sinks take in node order
    slots = [i for i, n in enumerate(data["nodes"]) if n["id"] in set(ids)]
    by_id = {n["id"]: n for n in data["nodes"]}
    for slot, nid in zip(slots, ids):
        data["nodes"][slot] = by_id[nid]
    return graph_from_dict(data)


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
        model.compile(optimizer=opt or "rmsprop", loss=loss, metrics=metrics, loss_weights=cfg.get("loss_weights"))
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
