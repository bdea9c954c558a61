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

Here: Project, saving and opening. The HDF5 building blocks (limits, texts, checksums, kept
parts) are in project_hdf5.py, the checks of the parts in project_checks.py, Run and
OptimizerState in project_runs.py.
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

from ..data.hdf5_guard import ExternalDataError, UnsafeHDF5Error, open_hdf5
from ..graph import Graph, GraphFormatError, from_dict, to_dict
from .atomic import write_atomic
from .errors import ProjectFileError
from .metric_settings import metric_settings
from .project_checks import (_check_optimizer, _check_saved_parts, _check_training, _check_weights,
                             _expected_weights, _trainable_size, check_finite_weight)
from .project_hdf5 import (CHECKSUMS, DIGEST, EXTENSION, FORMAT, FORMAT_VERSION, KEPT, MAX_CURVE, MAX_INFO_ATTR,
                           MAX_NODES, MAX_RUNS, MAX_WEIGHTS, _VERIFIER, _array, _attr_value, _dataset, _dumps,
                           _fixed, _group, _read_json, _read_kept, _seal, _text, _Verifier, _write_kept)
from .project_runs import OptimizerState, Run, _curve_key, _curve_name

__all__ = ["EXTENSION", "FORMAT_VERSION", "KEPT", "CHECKSUMS", "MIGRATIONS", "OptimizerState", "Project", "Run",
           "ProjectFileError", "check_finite_weight", "open_project", "read_project_info", "save_project"]


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
            settings.setdefault("metrics", metric_settings(c.metric_ids))
            if c.loss_weights is not None:
                settings.setdefault("loss_weights", c.loss_weights)
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
                model.compile(optimizer=opt, loss=self.training["loss"], metrics=self.training.get("metrics") or [],
                              loss_weights=self.training.get("loss_weights"))   # by output (issue 23)
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

# parts returned by the readers). Version 1 is the first format: nothing to migrate yet.
_READERS: dict[int, Callable[[h5py.File], dict]] = {1: _read_v1}
MIGRATIONS: dict[int, Callable[[dict], dict]] = {}
