"""The data recipe: source, split and preprocessing steps, in a small JSON object.

A project file stores the recipe; `prepare(recipe)` reproduces the prepared arrays
exactly: it reloads the source, splits it with the recipe's seed, and applies the
steps. The first `prepare` fits the steps on the training split only and returns a
fitted recipe holding the statistics (and the column encoding and class names), which
later `prepare` calls and `transform_for_prediction` apply unchanged. A fingerprint of
the loaded data tells when the source file changed since the recipe was fitted.

JSON layout (version 1):
    {"version": 1,
     "source": {"type": "builtin", "name": "iris", "params": {}}     # see sources.py for the others
               {"type": "csv", "path": "data.csv", "options": {"target": "label", ...}},
     "split": {"validation": 0.0, "test": 0.2, "seed": 0, "shuffle": true, "stratify": false},
     "steps": [{"step": "standardize", "scope": "feature", "stats": {"mean": [...], "std": [...]}}],
     "dtype": "float32",
     "target": "input",                                              # only when not "labels"
     "mapping": {"inputs": {...}, "outputs": {...}},                 # a table's columns by node (table_mapping.py)
     "fitted": {... task, class_names, columns, input_shape, output_shape, fingerprint ...} or null}

"target" says what the model learns to output: the source's labels (the default), or
"input": the prepared sample itself (an autoencoder; y = x after the steps, a regression of
every value; the labels, if any, are not used).

"mapping" (tables only, optional) maps column groups to a model's several Inputs and target
columns to its Outputs, by node name (see table_mapping.py); the prepared x and y are then
dicts by those names, as `fit` takes them. A recipe without one prepares one x and one y.
"""

import copy
import hashlib
import json
import warnings
from dataclasses import dataclass, field

import numpy as np

from .. import VisualNetWarning
from .csv_import import encode_rows
from .dataset import Dataset
from .errors import DataError
from .preprocessing import Pipeline
from .progress import Monitor
from .sources import SOURCE_TYPES, guess_source_type, load_source, resolve
from .split import SplitSpec, split_indices
from .table_mapping import check_mapping, fit_mapping, mapped_arrays, stratify_labels, transform_mapped

RECIPE_VERSION = 1
DTYPES = ("float32", "float64")
TARGETS = ("labels", "input")


class DataChangedWarning(VisualNetWarning):
    """The source data differ from the data the recipe was fitted on."""


@dataclass
class Recipe:
    """Everything needed to rebuild the model's data (see the module docstring)."""
    source: dict
    split: SplitSpec = field(default_factory=SplitSpec)
    steps: list = field(default_factory=list)      # step configs (dicts)
    dtype: str = "float32"
    fitted: "dict | None" = None
    version: int = RECIPE_VERSION
    target: str = "labels"         # or "input": the prepared sample is its own target (an autoencoder)
    mapping: "dict | None" = None  # a table's columns by Input and Output node (table_mapping.py)

    def __post_init__(self):
        kind = self.source.get("type") if isinstance(self.source, dict) else None
        if kind not in SOURCE_TYPES:
            raise DataError(f"the recipe's source type must be one of {SOURCE_TYPES}; received: {kind!r}")
        if isinstance(self.split, dict):
            self.split = SplitSpec.from_dict(self.split)
        self.steps = Pipeline(self.steps).get_config()      # validates and normalizes
        if self.dtype not in DTYPES:
            raise DataError(f"dtype must be one of {DTYPES}; received: {self.dtype!r}")
        if self.target not in TARGETS:
            raise DataError(f"the recipe's target must be one of {TARGETS}; received: target={self.target!r}")
        if self.mapping is not None:
            self.mapping = check_mapping(self.mapping)
            if self.target != "labels":
                raise DataError(f"a column mapping gives each output its own target; target={self.target!r} "
                                "cannot be combined with it")

    @classmethod
    def builtin(cls, name: str, *, params: "dict | None" = None, **kwargs) -> "Recipe":
        from .builtin import builtin_info
        info = builtin_info(name)
        kwargs.setdefault("split", info.split)
        return cls({"type": "builtin", "name": name, "params": dict(params or {})}, **kwargs)

    @classmethod
    def from_file(cls, kind: "str | None", path, options: "dict | None" = None, *, base_dir=None,
                  **kwargs) -> "Recipe":
        """A recipe for the user's file or folder; `kind` None guesses it from the file (a
        relative `path` is kept as given and read relative to `base_dir`); `options` are the
        importer's keyword arguments."""
        kind = kind or guess_source_type(resolve(path, base_dir))
        source = {"type": kind, "path": str(path), "options": dict(options or {})}
        return cls(source, **kwargs)

    def pipeline(self) -> Pipeline:
        return Pipeline(self.steps)

    @property
    def is_fitted(self) -> bool:
        if self.mapping is not None:
            return self.fitted is not None and self.fitted.get("mapping") is not None
        return self.fitted is not None and self.pipeline().fitted

    def to_dict(self) -> dict:
        d = {"version": self.version, "source": copy.deepcopy(self.source), "split": self.split.to_dict(),
             "steps": copy.deepcopy(self.steps), "dtype": self.dtype, "fitted": copy.deepcopy(self.fitted)}
        if self.target != "labels":
            d["target"] = self.target
        if self.mapping is not None:
            d["mapping"] = copy.deepcopy(self.mapping)
        return d

    def to_json(self, indent: "int | None" = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_dict(cls, d: dict) -> "Recipe":
        if not isinstance(d, dict):
            raise DataError(f"a data recipe is a JSON object; received: {type(d).__name__}")
        version = d.get("version")
        if not isinstance(version, int) or version < 1:
            raise DataError(f"the data recipe has no valid version number: {version!r}")
        if version > RECIPE_VERSION:
            raise DataError(f"the data recipe has version {version}, newer than this VisualNet reads "
                            f"({RECIPE_VERSION}); update VisualNet")
        d = _migrate(dict(d))
        unknown = set(d) - {"version", "source", "split", "steps", "dtype", "fitted", "target", "mapping"}
        if unknown:
            raise DataError(f"unknown data recipe fields: {', '.join(sorted(unknown))}")
        return cls(source=d["source"], split=SplitSpec.from_dict(d.get("split", {})), steps=d.get("steps", []),
                   dtype=d.get("dtype", "float32"), fitted=d.get("fitted"), version=RECIPE_VERSION,
                   target=d.get("target", "labels"), mapping=d.get("mapping"))

    @classmethod
    def from_json(cls, text: str) -> "Recipe":
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as e:
            raise DataError(f"the data recipe is not valid JSON: {e}") from None


@dataclass(frozen=True)
class UnreadRecipe:
    """A project's data recipe this version cannot read (a newer version's option, a hand
    edit), kept as written: saving the project writes it back unchanged. `problem` says why
    it was not read; nothing can be prepared from it."""
    data: object
    problem: str

    def to_dict(self):
        return copy.deepcopy(self.data)

    def to_json(self, indent: "int | None" = 2) -> str:
        return json.dumps(self.data, indent=indent, allow_nan=False)


def _migrate(d: dict) -> dict:
    """Bring an older recipe dict up to RECIPE_VERSION (nothing to do yet: version 1 is the first)."""
    return d


@dataclass
class Subset:
    """One split: prepared arrays and the indices of its samples in the source dataset."""
    x: np.ndarray
    y: "np.ndarray | None"
    indices: np.ndarray

    def __iter__(self):
        return iter((self.x, self.y))

    def __len__(self):
        return len(self.indices)

    def head(self, n: int) -> "Subset":
        """The first `n` samples (x and y dicts by name cut alike)."""
        def cut(a):
            return None if a is None else {k: v[:n] for k, v in a.items()} if isinstance(a, dict) else a[:n]
        return Subset(cut(self.x), cut(self.y), self.indices[:n])


@dataclass
class PreparedData:
    train: Subset
    validation: Subset
    test: Subset
    recipe: Recipe          # fitted
    dataset: Dataset        # the source data before preprocessing


def fingerprint(dataset: Dataset) -> str:
    """sha256 of the samples and targets (shape, dtype and bytes; texts as UTF-8, each after its length)."""
    h = hashlib.sha256()
    for a in (dataset.x, dataset.y):
        if a is None:
            h.update(b"none")
            continue
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        if a.dtype == object:
            for text in a.reshape(-1).tolist():
                data = str(text).encode("utf-8", "surrogatepass")
                h.update(len(data).to_bytes(8, "little"))
                h.update(data)
        else:
            h.update(memoryview(a.reshape(-1).view(np.uint8)))
    return h.hexdigest()


def prepare(recipe: Recipe, *, dataset: "Dataset | None" = None, base_dir=None, refit: bool = False,
            progress=None, cancel=None) -> PreparedData:
    """Load, split and preprocess the data as `recipe` says.

    If the recipe is not fitted yet (or `refit`), the steps are fitted on the training
    split only; the returned `PreparedData.recipe` is the fitted recipe (the argument is
    not modified). `dataset` skips loading the source (it must be the source's data).
    """
    from .series_recipe import is_series_source, prepare_series     # a series is split by time first
    if is_series_source(recipe.source):
        if recipe.target != "labels":
            raise DataError(f"a time series' targets are the values after each window; target={recipe.target!r} "
                            "is for samples such as images")
        return prepare_series(recipe, base_dir=base_dir, refit=refit, progress=progress, cancel=cancel)
    mon = Monitor(progress, cancel)
    if dataset is None:
        dataset = load_source(recipe.source, base_dir=base_dir, progress=lambda f: mon.report(0.8 * f),
                              cancel=cancel)
    mon.check()
    recipe = Recipe.from_dict(recipe.to_dict())
    fp = fingerprint(dataset)
    if recipe.fitted is not None and not refit and recipe.fitted.get("fingerprint") != fp:
        warnings.warn(DataChangedWarning(
            "the data differ from the data this recipe was fitted on (the source file changed?); the stored "
            "statistics are applied unchanged - refit the recipe to update them"), stacklevel=2)
    stratify = recipe.split.stratify
    if recipe.target == "input" and dataset.x.dtype == object:
        raise DataError("target='input' needs numeric samples (an image, a row of numbers); these are texts")
    if recipe.mapping is not None:
        return _prepare_mapped(recipe, dataset, fp, refit, mon)
    if stratify and dataset.task == "regression":
        raise DataError("a stratified split needs class labels; this dataset is a regression task")
    idx = split_indices(len(dataset), recipe.split, dataset.y if stratify else None)
    pipeline = recipe.pipeline()
    if refit or not recipe.is_fitted:
        pipeline = Pipeline(_unfitted(recipe.steps))
        y_train = dataset.y[idx.train] if dataset.y is not None else None
        pipeline.fit(dataset.x[idx.train], y_train, num_classes=dataset.num_classes or None)
        recipe.steps = pipeline.get_config()
        labels = recipe.target == "labels"          # else the samples themselves: a regression of every value
        recipe.fitted = {
            "task": dataset.task if labels else "regression", "kind": dataset.kind, "name": dataset.name,
            "class_names": list(dataset.class_names) if labels else [], "feature_names": list(dataset.feature_names),
            "columns": copy.deepcopy(dataset.columns), "input_shape": list(dataset.input_shape),
            "output_shape": list(pipeline.output_shape(dataset.input_shape)),
            "n_samples": len(dataset), "fingerprint": fp}
    mon.report(0.9)

    def subset(indices):
        x = pipeline.transform_x(dataset.x[indices], dtype=recipe.dtype)
        if recipe.target == "input":
            return Subset(x, x.copy(), indices)
        y = None
        if dataset.y is not None:
            y = pipeline.transform_y(dataset.y[indices])
            if dataset.task == "regression" or pipeline.one_hot():
                y = np.asarray(y, dtype=recipe.dtype)
        return Subset(x, y, indices)

    result = PreparedData(subset(idx.train), subset(idx.validation), subset(idx.test), recipe, dataset)
    mon.report(1.0)
    return result


def _prepare_mapped(recipe: Recipe, dataset: Dataset, fp: str, refit: bool, mon: Monitor) -> PreparedData:
    """`prepare` for a recipe with a column mapping: x and y dicts by node name."""
    labels = stratify_labels(recipe.mapping, dataset) if recipe.split.stratify else None
    idx = split_indices(len(dataset), recipe.split, labels)
    fitted = (recipe.fitted or {}).get("mapping") or {}
    stale = any(list(recipe.mapping[k]) != list(fitted.get(k) or {}) for k in ("inputs", "outputs"))
    if refit or not recipe.is_fitted or stale:      # stale: fitted for other nodes (a hand-edited mapping)
        pipeline = recipe.pipeline()
        features = [c for c, s in zip(recipe.steps, pipeline.steps) if s.target == "x"]
        mapped = fit_mapping(recipe.mapping, dataset, idx.train, features, pipeline.one_hot())
        first_in = next(iter(mapped["inputs"].values()), None)
        first_out = next(iter(mapped["outputs"].values()), {"task": "regression", "class_names": []})
        recipe.fitted = {   # the first input and output stand for the data where one is asked for
            "task": first_out["task"], "kind": dataset.kind, "name": dataset.name,
            "class_names": list(first_out["class_names"]),
            "feature_names": list(first_in["feature_names"]) if first_in else [],
            "columns": None, "table_columns": copy.deepcopy(dataset.columns),
            "input_shape": list(first_in["input_shape"]) if first_in else [0],
            "output_shape": list(first_in["output_shape"]) if first_in else [0],
            "n_samples": len(dataset), "fingerprint": fp, "mapping": mapped, "dtype": recipe.dtype}
    mon.report(0.9)

    def subset(indices):
        xs, ys = mapped_arrays(recipe.mapping, recipe.fitted["mapping"], dataset, indices, recipe.dtype)
        return Subset(xs, ys, indices)

    result = PreparedData(subset(idx.train), subset(idx.validation), subset(idx.test), recipe, dataset)
    mon.report(1.0)
    return result


def _unfitted(step_configs: list) -> list:
    out = []
    for c in step_configs:
        c = {k: v for k, v in c.items() if k != "stats"}
        if c.get("step") == "one_hot":
            c["num_classes"] = None
        out.append(c)
    return out


def transform_for_prediction(recipe: Recipe, x, *, raw: "bool | None" = None) -> np.ndarray:
    """Apply a fitted recipe's steps to new inputs, ready for `model.predict`.

    x: samples shaped like the source data (e.g. (n, 28, 28, 1) images or (n, features)
    encoded table rows), or, for imported tables, raw rows of cells in the file's column
    order without the target (text categories are then one-hot encoded as at import).
    `raw`: force the raw-rows reading (True) or the array reading (False); by default
    rows holding text are raw. Flat rows of a series window's values (as typed in a form)
    take the window's shape. For a text source, x is a string or a list of strings.
    """
    if not recipe.is_fitted:
        raise DataError("the data recipe is not fitted yet: prepare() the training data first")
    from .series_recipe import is_series_source, series_input
    if is_series_source(recipe.source):
        return series_input(recipe, x)
    fitted = recipe.fitted
    if recipe.mapping is not None:
        return transform_mapped(fitted, x)
    if any(step.get("step") == "vectorize_text" for step in recipe.steps):
        texts = np.asarray([x] if isinstance(x, str) else x, dtype=object)
        return recipe.pipeline().transform_x(texts.reshape(-1, 1), dtype=recipe.dtype)
    columns = fitted.get("columns")
    if raw is None:
        arr = np.asarray(x, dtype=object) if not isinstance(x, np.ndarray) else x
        raw = columns is not None and (arr.dtype.kind in "OUS")
    if raw:
        if columns is None:
            raise DataError("raw rows can only be encoded for data imported from a table (CSV)")
        x = encode_rows(columns, x)
    x = np.asarray(x)
    shape = tuple(fitted["input_shape"])
    if x.shape[1:] != shape:
        if fitted.get("kind") == "timeseries" and x.ndim == 2 and x.shape[1] == int(np.prod(shape)):
            x = x.reshape(len(x), *shape)          # typed rows of a series window: (n, steps) -> (n, steps, 1)
        elif x.shape == shape:
            x = x[np.newaxis]
        else:
            raise DataError(f"the model's data have samples of shape {shape}; received an array of shape "
                            f"{x.shape}")
    return recipe.pipeline().transform_x(x, dtype=recipe.dtype)


def predicted_labels(recipe: Recipe, y_pred) -> list:
    """Class names for a model's outputs (probabilities), or the values for regression."""
    if recipe.fitted is None:
        raise DataError("the data recipe is not fitted yet")
    task, names = recipe.fitted["task"], recipe.fitted["class_names"]
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if task == "regression":
        return y_pred.reshape(len(y_pred), -1)[:, 0].tolist()
    if task == "binary" and (y_pred.ndim == 1 or y_pred.shape[1] == 1):
        return [names[int(p >= 0.5)] for p in y_pred.reshape(-1)]
    return [names[int(k)] for k in np.argmax(y_pred, axis=1)]
