"""The `.vnet` project file (HDF5 through h5py): everything needed to reopen a project and
resume training exactly.

Layout (format_version 1):

    /                 attrs: format="visualnet-project", format_version=1, app_version, saved_at
                      (texts are fixed-length UTF-8 strings: scalar datasets and attributes)
    /graph            text: the model description JSON (visualnet.graph.to_json; positions included)
    /data_recipe      text: the data recipe JSON (visualnet.data.Recipe), or "null"
    /training         text: the training settings, a JSON object (optimizer, loss, metrics, epochs, ...)
    /weights/<node id>/<weight name>     float32 arrays (Keras's names: kernel, bias, gamma, ...)
    /optimizer        optional: text "config" (the optimizer's serialized config), text "rng"
                      (the engine's random generator state, JSON or "null") and group "state"
                      (iterations, learning_rate and the slot vectors of Optimizer.get_state())
    /runs/<nnnn>      text "info" (a JSON object) and group "curves" (1-D float64 arrays by name;
                      '%', '/' and a lone '.' in names are written %25, %2F and %2E)

Opening checks everything before anything is returned and raises ProjectFileError naming
what is wrong; it never executes anything from the file (layer types only from the registry).
Older versions are read by their reader (`_READERS`) and brought up to date by the
migrations in `MIGRATIONS` (version -> function upgrading the raw parts to version + 1).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import h5py
import numpy as np

from ..data.hdf5_guard import ExternalDataError, open_hdf5
from ..graph import Graph, GraphFormatError, from_dict, infer_shapes, to_dict
from .atomic import write_atomic
from .errors import ProjectFileError

FORMAT = "visualnet-project"
FORMAT_VERSION = 1
EXTENSION = ".vnet"
MAX_TEXT = 64 << 20          # bytes of one JSON text
MAX_WEIGHTS = 1 << 28        # float32 values in all weights together (about 1 GB)
MAX_CURVE = 10_000_000       # points in one curve
MAX_RUNS = 100_000
MAX_NODES = 2_000            # layers (and wires, per layer) in one model


@dataclass
class Run:
    """One training run: `info` (JSON: settings, seed, start and end, final metrics, ...)
    and its curves (name -> 1-D array, e.g. 'loss', 'val_accuracy')."""

    info: dict = field(default_factory=dict)
    curves: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def from_history(cls, history, info: dict | None = None) -> "Run":
        curves = {k: np.asarray(v, dtype=np.float64) for k, v in history.history.items()}
        info = dict(info or {})
        info.setdefault("epochs", [int(e) for e in getattr(history, "epoch", [])])
        return cls(info, curves)


    @classmethod
    def from_run_history(cls, history) -> "Run":
        """From the engine's `session.RunHistory`: its numeric series become curves
        ('batch/loss', 'epoch/val_accuracy', ...), everything else goes into `info`."""
        d = history.to_dict()
        curves = history.curves()
        info = {k: v for k, v in d.items() if k not in _TABLES}
        info["kind"] = "run_history"
        info["tables"], info["int_columns"] = {}, []
        for table in _TABLES:
            for key, values in d.get(table, {}).items():
                name = f"{table}/{key}"
                if name not in curves:
                    info["tables"].setdefault(table, {})[key] = values
                elif all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in values):
                    info["int_columns"].append(name)
        return cls(info, curves)

    def to_run_history(self):
        """The engine's `RunHistory` back (for runs made by `from_run_history`)."""
        from ..engine.session import RunHistory

        info = dict(self.info)
        extra = info.pop("tables", {}) or {}
        ints = set(info.pop("int_columns", []) or [])
        info.pop("kind", None)
        tables: dict[str, dict] = {t: {} for t in _TABLES}
        for name, values in self.curves.items():
            table, _, key = name.partition("/")
            if table not in tables or not key:
                continue
            col = [None if not np.isfinite(v) else (int(v) if name in ints else float(v)) for v in values]
            tables[table][key] = col
        for table, cols in extra.items():
            if table in tables and isinstance(cols, dict):
                tables[table].update(cols)
        return RunHistory.from_dict({**info, **tables})


_TABLES = ("batch", "epoch", "gradients")


def _curve_key(name: str) -> str:
    """A curve name as an HDF5 link name ('/' is the path separator there)."""
    key = name.replace("%", "%25").replace("/", "%2F")
    return "%2E" if key == "." else key


def _curve_name(key: str) -> str:
    return key.replace("%2E", ".").replace("%2F", "/").replace("%25", "%")


@dataclass
class OptimizerState:
    """The optimizer's serialized config and its `get_state()` arrays; `rng` is the engine
    random generator's state at save time (for shuffling and dropout to continue exactly)."""

    config: dict
    arrays: dict[str, np.ndarray]
    rng: dict | None = None


@dataclass
class Project:
    """Everything a `.vnet` file holds. `weights`: node id -> weight name -> array."""

    graph: Graph
    recipe: Any = None                      # visualnet.data.Recipe or None
    training: dict = field(default_factory=dict)
    weights: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    optimizer: OptimizerState | None = None
    runs: list[Run] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)  # app_version, saved_at, format_version (as read)

    # ------------------------------------------------------------------ engine bridge
    @classmethod
    def from_model(cls, model, recipe=None, training: dict | None = None, runs=(), graph: Graph | None = None,
                   include_optimizer: bool = True) -> "Project":
        """Capture a built engine model: its graph (or `graph`, e.g. the canvas's, whose node
        ids must be the model's), weights by node id, training settings and optimizer state."""
        from ..engine.optimizers import serialize
        from ..engine.rng import global_rng

        graph = graph if graph is not None else model.to_graph()
        weights = model.state_dict()
        c = getattr(model, "compiled", None)
        settings = dict(training or {})
        opt_state = None
        if c is not None:
            from .keras_config import loss_identifier

            settings.setdefault("optimizer", serialize(c.optimizer))
            settings.setdefault("loss", loss_identifier(model))
            settings.setdefault("metrics", [m for m in c.metric_ids if isinstance(m, str)])
            if include_optimizer and c.optimizer.built:
                state = {k: np.asarray(v).copy() for k, v in c.optimizer.get_state().items()}
                opt_state = OptimizerState(serialize(c.optimizer), state, global_rng().bit_generator.state)
        return cls(graph, recipe, settings, weights, opt_state, list(runs))

    def build_model(self, compile: bool = True, restore_rng: bool = False):
        """An engine model with the saved weights; compiled from the training settings (and
        the optimizer state restored) when they name a loss. `restore_rng` also puts the
        engine's random generator back where it was at save time."""
        from ..engine.model import Model

        model = Model.from_graph(self.graph)
        model.load_state_dict(self.weights, strict=False)  # a layer without saved weights keeps its initial ones
        if compile and self.training.get("loss") is not None:
            opt = self.optimizer.config if self.optimizer is not None else self.training.get("optimizer", "rmsprop")
            try:
                model.compile(optimizer=opt, loss=self.training["loss"], metrics=self.training.get("metrics") or [])
                if self.optimizer is not None:
                    model.compiled.ensure_optimizer()
                    model.compiled.optimizer.set_state(self.optimizer.arrays)
            except (ValueError, TypeError, KeyError) as exc:
                raise ProjectFileError(f"the project's training settings cannot be applied: {exc}") from None
        if restore_rng and self.optimizer is not None and self.optimizer.rng is not None:
            from ..engine.rng import global_rng

            global_rng().bit_generator.state = self.optimizer.rng
        return model

    def drop_stale_weights(self) -> list[str]:
        """Forget weights that no longer fit the graph (node deleted or shape changed);
        returns the ids of the nodes whose weights were dropped."""
        expected = _expected_weights(self.graph)
        stale = [nid for nid, arrays in self.weights.items()
                 if nid not in expected or {k: v.shape for k, v in arrays.items()} != expected[nid]]
        for nid in stale:
            del self.weights[nid]
        if stale:
            self.optimizer = None
        return stale


# ====================================================================== save
def save_project(project: Project, path, keep_backup: bool = True, extra_attrs: dict | None = None) -> None:
    """Write `project` to `path` atomically (the previous file is kept as `<path>.bak`).

    The project is checked as opening would check it, so what is saved always opens."""
    from .. import __version__

    _check_saved_parts(project, _check_weights(project.graph, project.weights, ProjectFileError))
    graph_json = json.dumps(to_dict(project.graph))
    recipe_json = "null" if project.recipe is None else project.recipe.to_json()
    training_json = _dumps(project.training, "training settings")

    def write(tmp: Path) -> None:
        with h5py.File(tmp, "w") as f:
            f.attrs["format"] = _fixed(FORMAT)
            f.attrs["format_version"] = FORMAT_VERSION
            f.attrs["app_version"] = _fixed(__version__)
            f.attrs["saved_at"] = _fixed(time.strftime("%Y-%m-%dT%H:%M:%S%z"))
            for k, v in (extra_attrs or {}).items():
                f.attrs[k] = _fixed(v) if isinstance(v, str) else v
            _text(f, "graph", graph_json)
            _text(f, "data_recipe", recipe_json)
            _text(f, "training", training_json)
            wg = f.create_group("weights")
            for nid, arrays in project.weights.items():
                g = wg.create_group(nid)
                for name, value in arrays.items():
                    g.create_dataset(name, data=np.asarray(value, dtype=np.float32))
            if project.optimizer is not None:
                og = f.create_group("optimizer")
                _text(og, "config", _dumps(project.optimizer.config, "optimizer config"))
                _text(og, "rng", json.dumps(project.optimizer.rng))
                sg = og.create_group("state")
                for k, v in project.optimizer.arrays.items():
                    sg.create_dataset(k, data=np.asarray(v))
            rg = f.create_group("runs")
            for i, run in enumerate(project.runs):
                g = rg.create_group(f"{i:04d}")
                _text(g, "info", _dumps(run.info, f"run {i} info"))
                cg = g.create_group("curves")
                for k, v in run.curves.items():
                    cg.create_dataset(_curve_key(k), data=np.asarray(v, dtype=np.float64).reshape(-1))

    write_atomic(path, write, keep_backup=keep_backup)


def _dumps(value, what: str) -> str:
    try:
        return json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"The {what} cannot be stored as JSON: {exc}") from None


def _fixed(text: str) -> np.bytes_:
    """Text as a fixed-length string: its size is known before reading and no shared heap is
    involved (a damaged variable-length string can stall the HDF5 library for seconds)."""
    return np.bytes_(text.encode("utf-8") or b" ")


def _text(group, name: str, text: str) -> None:
    group.create_dataset(name, data=_fixed(text))


# ====================================================================== open
def open_project(path) -> Project:
    """Read and check a project file; ProjectFileError says what is wrong (nothing changes)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No such project file: {path}")
    try:
        f = open_hdf5(path)
    except OSError as exc:
        raise ProjectFileError(f"'{path.name}' is not a VisualNet project: it is not an HDF5 file, or it is "
                               f"truncated or damaged ({exc}).") from None
    except ExternalDataError as exc:
        raise ProjectFileError(f"'{path.name}' was not opened: it refers to data outside itself. {exc}") from None
    try:
        with f:
            version = _header(f)
            raw = _READERS[version](f)
    except ProjectFileError as exc:
        raise ProjectFileError(f"'{path.name}': {exc}") from None
    except (OSError, KeyError, ValueError, TypeError, IndexError, RuntimeError, UnicodeError, AttributeError,
            RecursionError, OverflowError) as exc:
        raise ProjectFileError(f"'{path.name}' is damaged ({type(exc).__name__}: {exc}).") from None
    for v in range(version, FORMAT_VERSION):
        raw = MIGRATIONS[v](raw)
    project = raw["project"]
    project.metadata["format_version_read"] = version
    return project


def read_project_info(path) -> dict:
    """The root attributes of a project file (format, version, app_version, saved_at and any
    extras, e.g. an autosave's original path) without reading the rest."""
    try:
        with h5py.File(path, "r") as f:
            return {k: _attr_value(v) for k, v in f.attrs.items()}
    except OSError as exc:
        raise ProjectFileError(f"'{Path(path).name}' is not a readable project file ({exc}).") from None


def _attr_value(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.generic):
        return v.item()
    return v


def _header(f: h5py.File) -> int:
    fmt = _attr_value(f.attrs.get("format"))
    if fmt != FORMAT:
        raise ProjectFileError("this HDF5 file is not a VisualNet project (its 'format' attribute is "
                               f"{fmt!r}, not {FORMAT!r}).")
    version = _attr_value(f.attrs.get("format_version"))
    if isinstance(version, bool) or not isinstance(version, int):
        raise ProjectFileError(f"the project has no integer format_version (found {version!r}).")
    if version > FORMAT_VERSION:
        raise ProjectFileError(f"the project was saved by a newer VisualNet (format_version {version}); this "
                               f"version reads up to {FORMAT_VERSION}. Update VisualNet to open it.")
    if version not in _READERS:
        raise ProjectFileError(f"format_version {version} is not a version VisualNet ever wrote.")
    return version


def _read_text(group, name: str, what: str, required: bool = True) -> str | None:
    if name not in group:
        if required:
            raise ProjectFileError(f"the {what} is missing (no '{name}' in {group.name}).")
        return None
    ds = group[name]
    if not isinstance(ds, h5py.Dataset) or ds.shape != () or ds.dtype.kind not in "OS":
        raise ProjectFileError(f"the {what} ('{ds.name}') is not a text value.")
    if ds.dtype.kind == "S" and ds.dtype.itemsize > MAX_TEXT:
        raise ProjectFileError(f"the {what} is larger than {MAX_TEXT} bytes.")
    value = ds[()]
    if isinstance(value, bytes):
        if len(value) > MAX_TEXT:
            raise ProjectFileError(f"the {what} is larger than {MAX_TEXT} bytes.")
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise ProjectFileError(f"the {what} is not UTF-8 text.") from None
    if not isinstance(value, str):
        raise ProjectFileError(f"the {what} is not text.")
    return value


def _read_json(group, name: str, what: str, required: bool = True):
    text = _read_text(group, name, what, required)
    if text is None:
        return None
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ProjectFileError(f"the {what} is not valid JSON: {exc}") from None


def _group(f, name: str, what: str, required: bool = True):
    if name not in f:
        if required:
            raise ProjectFileError(f"the {what} group '{name}' is missing.")
        return None
    g = f[name]
    if not isinstance(g, h5py.Group):
        raise ProjectFileError(f"'{name}' should be a group holding the {what}.")
    return g


def _expected_weights(graph: Graph) -> dict[str, dict[str, tuple]]:
    """node id -> weight name -> shape, for the nodes whose shapes can be inferred."""
    info = infer_shapes(graph)
    out = {}
    for nid, node in graph.nodes.items():
        item = info.get(nid)
        if item is None or item.error or item.shape is None or any(s is None for s in item.input_shapes):
            continue
        try:
            specs = node.spec.weights(node.spec.normalize(node.params), item.input_shapes)
        except (ValueError, TypeError, KeyError, IndexError):
            continue
        if specs:
            out[nid] = {w.name: tuple(w.shape) for w in specs}
    return out


def _trainable_size(expected: dict) -> int:
    """How many values the optimizer's flat state vectors hold for these weight shapes."""
    return sum(math.prod(s) for shapes in expected.values() for k, s in shapes.items()
               if k not in ("moving_mean", "moving_variance"))


def _check_saved_parts(project: "Project", expected: dict) -> None:
    """What opening rejects, refused before writing: non-finite weights or optimizer state,
    and optimizer state sized for another model."""
    for nid, arrays in project.weights.items():
        for k, v in arrays.items():
            if not np.all(np.isfinite(v)):
                raise ProjectFileError(f"weight '{k}' of layer '{project.graph.nodes[nid].name}' holds NaN or "
                                       "infinite values (training diverged); retrain or leave the weights out.")
    if project.optimizer is not None:
        n = _trainable_size(expected)
        for k, v in project.optimizer.arrays.items():
            v = np.asarray(v)
            if v.ndim == 1 and v.shape != (n,):
                raise ProjectFileError(f"optimizer state '{k}' holds {v.size} values but the model has {n} "
                                       "trainable weights (the model changed since training); leave it out.")
            if not np.all(np.isfinite(v)):
                raise ProjectFileError(f"optimizer state '{k}' holds NaN or infinite values.")


def _check_weights(graph: Graph, weights: dict, error=ProjectFileError) -> dict:
    expected = _expected_weights(graph)
    total = sum(math.prod(s) for shapes in expected.values() for s in shapes.values())
    if total > MAX_WEIGHTS:
        raise error(f"the model claims {total:,} weights; VisualNet accepts at most {MAX_WEIGHTS:,}.")
    for nid, arrays in weights.items():
        node = graph.nodes.get(nid)
        if node is None:
            raise error(f"weights are stored for node {nid}, which is not in the model.")
        if nid not in expected:
            raise error(f"weights are stored for '{node.name}', whose shapes cannot be worked out "
                        "(the model has a problem there).")
        want = expected[nid]
        got = {k: tuple(np.shape(v)) for k, v in arrays.items()}
        if set(got) != set(want):
            raise error(f"layer '{node.name}' needs weights {sorted(want)}; the project has {sorted(got)}.")
        for k, shape in got.items():
            if shape != want[k]:
                raise error(f"weight '{k}' of layer '{node.name}' has shape {shape}; the model needs {want[k]}.")
    return expected


def _read_v1(f: h5py.File) -> dict:
    """Version 1 reader: returns {"project": Project}, every part checked."""
    from ..data import DataError, Recipe

    graph_data = _read_json(f, "graph", "model description")
    if isinstance(graph_data, dict):
        for key, limit in (("nodes", MAX_NODES), ("edges", 4 * MAX_NODES)):
            if isinstance(graph_data.get(key), list) and len(graph_data[key]) > limit:
                raise ProjectFileError(f"the model description claims {len(graph_data[key])} {key}; VisualNet "
                                       f"opens at most {limit}.")
    try:
        graph = from_dict(graph_data)
    except GraphFormatError as exc:
        raise ProjectFileError(f"the model description is invalid: {exc}") from None
    recipe_data = _read_json(f, "data_recipe", "data recipe")
    recipe = None
    if recipe_data is not None:
        try:
            recipe = Recipe.from_dict(recipe_data)
        except (DataError, ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ProjectFileError(f"the data recipe is invalid: {exc}") from None
    training = _read_json(f, "training", "training settings")
    _check_training(training)

    # weights: shapes checked against the graph before any array is read
    wg = _group(f, "weights", "weights")
    expected = _expected_weights(graph)
    total = sum(math.prod(s) for shapes in expected.values() for s in shapes.values())
    if total > MAX_WEIGHTS:
        raise ProjectFileError(f"the model claims {total:,} weights; VisualNet accepts at most {MAX_WEIGHTS:,}.")
    weights: dict[str, dict[str, np.ndarray]] = {}
    for nid in wg:
        node = graph.nodes.get(nid)
        g = wg[nid]
        if node is None:
            raise ProjectFileError(f"weights are stored for node {nid}, which is not in the model.")
        if not isinstance(g, h5py.Group):
            raise ProjectFileError(f"the weights of '{node.name}' are not a group.")
        want = expected.get(nid)
        if want is None:
            raise ProjectFileError(f"weights are stored for '{node.name}', whose shapes cannot be worked out.")
        if set(g) != set(want):
            raise ProjectFileError(f"layer '{node.name}' needs weights {sorted(want)}; the project has "
                                   f"{sorted(g)}.")
        weights[nid] = {k: _array(g, k, want[k], f"weight '{k}' of layer '{node.name}'", np.float32)
                        for k in want}

    # optimizer state
    optimizer = None
    og = _group(f, "optimizer", "optimizer state", required=False)
    if og is not None:
        config = _read_json(og, "config", "optimizer config")
        if not (isinstance(config, dict) and isinstance(config.get("class_name"), str)
                and isinstance(config.get("config", {}), dict)):
            raise ProjectFileError("the optimizer config must be an object with 'class_name' and 'config'.")
        rng = _read_json(og, "rng", "random generator state", required=False)
        if rng is not None and not isinstance(rng, dict):
            raise ProjectFileError("the random generator state must be a JSON object.")
        if rng is not None:
            try:
                np.random.default_rng().bit_generator.__class__().state = rng
            except (ValueError, TypeError, KeyError) as exc:
                raise ProjectFileError(f"the random generator state is invalid: {exc}") from None
        sg = _group(og, "state", "optimizer state arrays")
        n_trainable = _trainable_size(expected)
        arrays = {}
        for k in sg:
            ds = sg[k]
            if k == "iterations":
                arrays[k] = _array(sg, k, (), "optimizer iterations", np.int64)
                if arrays[k] < 0:
                    raise ProjectFileError("the optimizer's iteration count is negative.")
            elif k == "learning_rate":
                arrays[k] = _array(sg, k, (), "optimizer learning rate", np.float64)
            else:
                if not isinstance(ds, h5py.Dataset):
                    raise ProjectFileError(f"optimizer state '{k}' is not an array.")
                arrays[k] = _array(sg, k, (n_trainable,), f"optimizer state '{k}'", np.float32)
        _check_optimizer(config, arrays)
        optimizer = OptimizerState(config, arrays, rng)

    # runs
    runs = []
    rg = _group(f, "runs", "run history")
    if len(rg) > MAX_RUNS:
        raise ProjectFileError(f"the project claims {len(rg)} runs.")
    for name in sorted(rg):
        g = rg[name]
        if not isinstance(g, h5py.Group):
            raise ProjectFileError(f"run '{name}' is not a group.")
        info = _read_json(g, "info", f"info of run '{name}'")
        if not isinstance(info, dict):
            raise ProjectFileError(f"the info of run '{name}' must be a JSON object.")
        cg = _group(g, "curves", f"curves of run '{name}'")
        curves = {}
        for k in cg:
            ds = cg[k]
            if not isinstance(ds, h5py.Dataset) or ds.ndim != 1:
                raise ProjectFileError(f"curve '{k}' of run '{name}' is not a 1-D array.")
            if ds.shape[0] > MAX_CURVE:
                raise ProjectFileError(f"curve '{k}' of run '{name}' claims {ds.shape[0]} points.")
            curves[_curve_name(k)] = _array(cg, k, ds.shape, f"curve '{k}' of run '{name}'", np.float64)
        runs.append(Run(info, curves))
    metadata = {k: _attr_value(v) for k, v in f.attrs.items()}
    project = Project(graph, recipe, training, weights, optimizer, runs, metadata)
    return {"project": project}


def _check_training(training) -> None:
    """The training settings VisualNet acts on must make sense; other keys are kept as they are."""
    from ..engine import losses, optimizers

    if not isinstance(training, dict):
        raise ProjectFileError("the training settings must be a JSON object.")
    loss = training.get("loss")
    if loss is not None:
        if not isinstance(loss, (str, dict)):
            raise ProjectFileError(f"the training settings' loss must be a name or a config; found {loss!r}.")
        try:
            losses.get(loss)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ProjectFileError(f"the training settings' loss is invalid: {exc}") from None
    opt = training.get("optimizer")
    if opt is not None:
        if not isinstance(opt, (str, dict)):
            raise ProjectFileError(f"the training settings' optimizer must be a name or a config; found {opt!r}.")
        try:
            optimizers.get(opt)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ProjectFileError(f"the training settings' optimizer is invalid: {exc}") from None
    metrics = training.get("metrics", [])
    if metrics is not None and not (isinstance(metrics, list) and all(isinstance(m, str) for m in metrics)):
        raise ProjectFileError(f"the training settings' metrics must be a list of names; found {metrics!r}.")
    for key in ("epochs", "batch_size"):
        value = training.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ProjectFileError(f"the training settings' {key} must be a positive integer; found {value!r}.")


def _array(group, name: str, shape: tuple, what: str, dtype) -> np.ndarray:
    ds = group.get(name)
    if not isinstance(ds, h5py.Dataset):
        raise ProjectFileError(f"the {what} is missing or not an array.")
    if tuple(ds.shape) != tuple(shape):
        raise ProjectFileError(f"the {what} has shape {tuple(ds.shape)}; expected {tuple(shape)}.")
    if ds.dtype.kind not in "fiu":
        raise ProjectFileError(f"the {what} holds {ds.dtype}, not numbers.")
    value = np.asarray(ds[()], dtype=dtype)
    if dtype is not np.int64 and value.size and not np.all(np.isfinite(value)) and "curve" not in what:
        raise ProjectFileError(f"the {what} holds NaN or infinite values.")
    return value


def _check_optimizer(config: dict, arrays: dict) -> None:
    from ..engine.optimizers import deserialize

    try:
        opt = deserialize(config)
    except (ValueError, TypeError, KeyError) as exc:
        raise ProjectFileError(f"the optimizer config is invalid: {exc}") from None
    missing = sorted(set(opt.slot_names) - set(arrays))
    extra = sorted(set(arrays) - set(opt.slot_names) - {"iterations", "learning_rate"})
    if missing or extra:
        raise ProjectFileError(f"the optimizer state does not match a {config['class_name']} optimizer "
                               f"(missing: {missing or 'none'}, unexpected: {extra or 'none'}).")


# Readers by the version they read, and migrations from version v to v + 1 (on the raw
# parts returned by the readers). Version 1 is the first format: nothing to migrate yet.
_READERS: dict[int, Callable[[h5py.File], dict]] = {1: _read_v1}
MIGRATIONS: dict[int, Callable[[dict], dict]] = {}
