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

Checksums (issue 27; still format_version 1: the change is additive): every dataset carries
an attribute "sha256", the SHA-256 of its path, dtype, shape and values; the root attribute "checksums"
("sha256 <root attributes> <list of parts>") marks the file as checksummed and covers the
root attributes and the set of datasets (a part missing or renamed). Opening verifies each
dataset before using it and names the damaged part. A file without the root attribute
(written before) opens unverified; older readers ignore the attributes.

Parts at the root that this version does not know (a newer version's, added without a new
format_version) are read, verified like the others, kept in `Project.metadata["kept_parts"]`
and written back as they were, so that opening and saving a newer file loses nothing.

Opening checks everything before anything is returned and raises ProjectFileError naming
what is wrong; it never executes anything from the file (layer types only from the registry).
Older versions are read by their reader (`_READERS`) and brought up to date by the
migrations in `MIGRATIONS` (version -> function upgrading the raw parts to version + 1).
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import h5py
import numpy as np

from ..data.hdf5_guard import ExternalDataError, UnsafeHDF5Error, open_hdf5
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
MAX_INFO_ATTR = 8 << 10      # bytes of one root attribute `read_project_info` returns
MAX_KEPT = 64 << 20          # bytes of the parts this version does not know, kept to be written back
KNOWN_PARTS = ("graph", "data_recipe", "training", "weights", "optimizer", "runs")
KEPT = "kept_parts"          # metadata key: {path: value (array or bytes), or None for an empty group}
CHECKSUMS = "checksums"      # root attribute: "sha256 <root attributes digest> <parts digest>"
DIGEST = "sha256"            # attribute of every dataset: the hex SHA-256 of _digest()


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
        from ..engine.run_history import RunHistory

        info = dict(self.info)
        extra = info.pop("tables", {}) or {}
        ints = set(info.pop("int_columns", []) or [])
        info.pop("kind", None)
        tables: dict[str, dict] = {t: {} for t in _TABLES}
        for name, values in self.curves.items():
            table, _, key = name.partition("/")
            if table not in tables or not key:
                continue
            tables[table][key] = _column(values, name in ints)
        for table, cols in extra.items():
            if table in tables and isinstance(cols, dict):
                tables[table].update(cols)
        return RunHistory.from_dict({**info, **tables}, copy=False)     # every list here is new


_TABLES = ("batch", "epoch", "gradients")


def _column(values: np.ndarray, integers: bool) -> list:
    """A curve as RunHistory's column: Python numbers, None where not finite (vectorised:
    a million-point curve in milliseconds, not seconds)."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    column = (np.where(finite, values, 0).astype(np.int64) if integers else values).astype(object)
    column[~finite] = None
    return column.tolist()


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
    recipe: Any = None                      # visualnet.data.Recipe, UnreadRecipe (kept as written) or None
    training: dict = field(default_factory=dict)
    weights: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    optimizer: OptimizerState | None = None
    runs: list[Run] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)  # app_version, saved_at, format_version (as read); KEPT

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
                    _dataset(g, name, np.asarray(value, dtype=np.float32))
            if project.optimizer is not None:
                og = f.create_group("optimizer")
                _text(og, "config", _dumps(project.optimizer.config, "optimizer config"))
                _text(og, "rng", json.dumps(project.optimizer.rng))
                sg = og.create_group("state")
                for k, v in project.optimizer.arrays.items():
                    _dataset(sg, k, np.asarray(v))
            rg = f.create_group("runs")
            for i, run in enumerate(project.runs):
                g = rg.create_group(f"{i:04d}")
                _text(g, "info", _dumps(run.info, f"run {i} info"))
                cg = g.create_group("curves")
                for k, v in run.curves.items():
                    _dataset(cg, _curve_key(k), np.asarray(v, dtype=np.float64).reshape(-1))
            _write_kept(f, project.metadata.get(KEPT) or {})
            _seal(f)

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
    _dataset(group, name, _fixed(text))


# ====================================================================== checksums
# A SHA-256 attribute per dataset rather than HDF5's Fletcher-32 filter: Fletcher-32 needs
# chunked storage, which scalar datasets (every text, the optimizer's iteration count) cannot
# have; it covers only the raw bytes, not the header that says how to read them (a flipped
# byte-order, size or shape bit changes the values it passes); and it is not keyed to the
# dataset's name. The digest is of the values as read, so whatever changes them is found.
def _digest(path: str, value) -> str:
    h = hashlib.sha256()
    h.update(path.encode("utf-8", "surrogatepass") + b"\0")
    if isinstance(value, bytes):
        h.update(b"bytes\0" + bytes(value))
    elif isinstance(value, str):
        h.update(b"str\0" + value.encode("utf-8", "surrogatepass"))
    else:
        a = np.asarray(value)
        if a.dtype.kind not in "biufc":
            raise ProjectFileError(f"'{path}' holds {a.dtype}, not numbers or text.")
        a = np.ascontiguousarray(a.astype(a.dtype.newbyteorder("<"), copy=False))
        h.update(f"{a.dtype.str}{a.shape}\0".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _dataset(group, name: str, value) -> None:
    ds = group.create_dataset(name, data=value)
    ds.attrs[DIGEST] = np.bytes_(_digest(ds.name, value).encode())


def _attr_canon(key: str, value) -> bytes:
    if isinstance(value, bytes):
        body = b"b" + bytes(value)
    elif isinstance(value, (np.ndarray, np.generic)):
        a = np.asarray(value)
        body = f"a{a.dtype.str}{a.shape}".encode() + (a.tobytes() if a.dtype.kind != "O" else repr(a).encode())
    else:
        body = repr(value).encode("utf-8", "surrogatepass")
    return hashlib.sha256(key.encode("utf-8", "surrogatepass") + b"\0" + body).digest()


def _attrs_digest(f) -> str:
    return hashlib.sha256(b"".join(sorted(_attr_canon(k, f.attrs[k]) for k in f.attrs if k != CHECKSUMS))).hexdigest()


def _parts_digest(parts) -> str:
    return hashlib.sha256("\n".join(sorted(f"{p}\0{d}" for p, d in parts)).encode("utf-8", "surrogatepass")).hexdigest()


def _seal(f) -> None:
    """The root attribute that marks a checksummed file: root attributes and list of parts."""
    parts = []
    f.visititems(lambda name, obj: parts.append((obj.name, obj.attrs[DIGEST].decode()))
                 if isinstance(obj, h5py.Dataset) else None)
    f.attrs[CHECKSUMS] = np.bytes_(f"sha256 {_attrs_digest(f)} {_parts_digest(parts)}".encode())


class _Verifier:
    """Checks each dataset the reader uses against its digest, then the root attributes and
    that the datasets read are exactly those written."""

    def __init__(self, f):
        words = _attr_value(f.attrs[CHECKSUMS])
        words = words.split() if isinstance(words, str) else []
        if len(words) != 3 or words[0] != "sha256":
            raise ProjectFileError("the project's checksums are damaged (its 'checksums' attribute is unreadable).")
        self.attrs, self.parts = words[1], words[2]
        self.seen: dict[str, str] = {}
        if _attrs_digest(f) != self.attrs:
            raise ProjectFileError("the project's header attributes are damaged (checksum mismatch).")

    def check(self, ds, value, damaged: str, part: str | None = None) -> None:
        where = f" in '{part}'" if part else ""
        stored = ds.attrs.get(DIGEST)
        if not isinstance(stored, bytes):
            raise ProjectFileError(f"{damaged} (no checksum{where}).")
        digest = _digest(ds.name, value)
        if bytes(stored) != digest.encode():
            raise ProjectFileError(f"{damaged} (checksum mismatch{where}).")
        self.seen[ds.name] = digest

    def finish(self) -> None:
        if _parts_digest(self.seen.items()) != self.parts:
            raise ProjectFileError("the project's list of parts is damaged (checksum mismatch): a part is missing "
                                   "or was renamed.")


_VERIFIER: contextvars.ContextVar[_Verifier | None] = contextvars.ContextVar("visualnet_project_verifier",
                                                                               default=None)


def _verify(ds, value, damaged: str, part: str | None = None) -> None:
    verifier = _VERIFIER.get()
    if verifier is not None:
        verifier.check(ds, value, damaged, part)


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
    except UnsafeHDF5Error as exc:
        raise ProjectFileError(f"'{path.name}' was not opened: {exc}") from None
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
        with open_hdf5(path) as f:
            return {k: _attr_value(v) for k, v in f.attrs.items()
                    if k != CHECKSUMS and f.attrs.get_id(k).get_storage_size() <= MAX_INFO_ATTR}
    except (OSError, UnsafeHDF5Error, KeyError, ValueError, TypeError, RuntimeError) as exc:
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
    _verify(ds, value, f"the {what} is damaged")
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
            check_finite_weight(v, project.graph.nodes[nid].name, k, ProjectFileError,
                                " (training diverged); retrain or leave the weights out")
    if project.optimizer is not None:
        n = _trainable_size(expected)
        for k, v in project.optimizer.arrays.items():
            v = np.asarray(v)
            if v.ndim == 1 and v.shape != (n,):
                raise ProjectFileError(f"optimizer state '{k}' holds {v.size} values but the model has {n} "
                                       "trainable weights (the model changed since training); leave it out.")
            if not np.all(np.isfinite(v)):
                raise ProjectFileError(f"optimizer state '{k}' holds NaN or infinite values.")


def check_finite_weight(value, layer: str, weight: str, error=ProjectFileError, advice: str = "") -> None:
    """Refuses a weight holding NaN or infinities, naming the layer and the weight: the one
    check for projects (saving) and Keras files (reading)."""
    value = np.asarray(value)
    if value.size and not np.all(np.isfinite(value)):
        raise error(f"weight '{weight}' of layer '{layer}' holds NaN or infinite values{advice}.")


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
    """Version 1 reader: returns {"project": Project}, every part checked (and verified
    against its checksum when the file has them)."""
    verifier = _Verifier(f) if CHECKSUMS in f.attrs else None
    if verifier is None and isinstance(f.get("graph"), h5py.Dataset) and DIGEST in f["graph"].attrs:
        raise ProjectFileError("the project's checksums are damaged (its parts have checksums but the "
                               "'checksums' attribute is missing).")
    token = _VERIFIER.set(verifier)
    try:
        raw = _read_v1_parts(f)
        if verifier is not None:
            verifier.finish()
        return raw
    finally:
        _VERIFIER.reset(token)


def _read_v1_parts(f: h5py.File) -> dict:
    from ..data import DataError, Recipe, UnreadRecipe

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
            recipe = UnreadRecipe(recipe_data, f"the data recipe is invalid: {exc}")   # kept; the rest opens
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
        weights[nid] = {k: _array(g, k, want[k], f"weight '{k}' of layer '{node.name}'", np.float32,
                                  damaged=(f"the weights of layer '{node.name}' are damaged", k))
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
    kept = _read_kept(f)
    if kept:
        metadata[KEPT] = kept
    project = Project(graph, recipe, training, weights, optimizer, runs, metadata)
    return {"project": project}


def _read_kept(f: h5py.File) -> dict:
    """The root parts this version does not know: path -> value (numbers, or a text as
    bytes; None for an empty group), each verified against its checksum."""
    kept: dict = {}
    total = 0

    def keep(obj) -> None:
        nonlocal total
        if isinstance(obj, h5py.Group):
            if len(obj) == 0:
                kept[obj.name] = None
            return
        if not isinstance(obj, h5py.Dataset) or obj.dtype.kind not in "biuf" + ("S" if obj.shape == () else ""):
            if _VERIFIER.get() is None:       # a file without checksums: ignored, as before
                return
            raise ProjectFileError(f"the part '{obj.name}', unknown to this version, holds neither numbers nor a "
                                   "text; it cannot be kept.")
        total += obj.dtype.itemsize * (obj.size or 1)
        if total > MAX_KEPT:
            raise ProjectFileError(f"the parts unknown to this version hold more than {MAX_KEPT} bytes.")
        value = obj[()]
        _verify(obj, value, f"the part '{obj.name}' is damaged")
        kept[obj.name] = value

    for name in f:
        if name in KNOWN_PARTS:
            continue
        obj = f.get(name)
        if obj is None:                       # a dangling link
            continue
        keep(obj)
        if isinstance(obj, h5py.Group):
            obj.visititems(lambda _n, o: keep(o))
    return kept


def _write_kept(f: h5py.File, kept: dict) -> None:
    """Write back the parts `_read_kept` kept (never over a part this version writes)."""
    for path, value in kept.items():
        parent, _, name = str(path).rpartition("/")
        if not name or str(path).strip("/").split("/")[0] in KNOWN_PARTS or str(path) in f:
            continue
        if value is None:
            f.require_group(path)
        else:
            _dataset(f.require_group(parent or "/"), name, value)


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


def _array(group, name: str, shape: tuple, what: str, dtype, damaged: tuple | None = None) -> np.ndarray:
    ds = group.get(name)
    if not isinstance(ds, h5py.Dataset):
        raise ProjectFileError(f"the {what} is missing or not an array.")
    if tuple(ds.shape) != tuple(shape):
        raise ProjectFileError(f"the {what} has shape {tuple(ds.shape)}; expected {tuple(shape)}.")
    if ds.dtype.kind not in "fiu":
        raise ProjectFileError(f"the {what} holds {ds.dtype}, not numbers.")
    raw = ds[()]
    _verify(ds, raw, *(damaged or (f"the {what} is damaged",)))
    value = np.asarray(raw, dtype=dtype)
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
