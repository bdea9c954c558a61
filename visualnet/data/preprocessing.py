"""Preprocessing steps: fitted on the training split only, then applied unchanged.

Each step has `fit(x)` (learns statistics, if any, from training data), `transform(x)`,
`output_shape(sample_shape)` and `get_config()`/`from_config()` whose dict holds the
constructor arguments and, once fitted, the statistics as plain lists of floats (Python's
float repr round-trips exactly through JSON). `Pipeline` chains them; `OneHot` is the one
step that applies to the targets. A registry maps step names to classes: nothing that
runs code is ever deserialized.
"""

import numpy as np

from .errors import DataError
from .memory import check_fits
from .text_vectorizer import OUTPUT_MODES, SPLIT, STANDARDIZE, TextVectorizer

LUMA = np.array([0.299, 0.587, 0.114])   # ITU-R 601, as Pillow's convert('L')
SCOPES = ("feature", "channel", "global")


def _shape_error(step, expected, got):
    return DataError(f"{step} was fitted on samples of shape {tuple(expected)} but received samples of "
                     f"shape {tuple(got)}")


class Step:
    """Base class: a transform of whole batches (axis 0 is the sample axis)."""
    name = ""
    target = "x"        # 'x' or 'y'
    stats_keys = ()

    def __init__(self):
        self.stats = None

    @property
    def fitted(self) -> bool:
        return not self.stats_keys or self.stats is not None

    def fit(self, x: np.ndarray) -> "Step":
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def output_shape(self, shape: tuple) -> tuple:
        return tuple(shape)

    def params(self) -> dict:
        return {}

    def get_config(self) -> dict:
        config = {"step": self.name, **self.params()}
        if self.stats is not None:
            config["stats"] = {k: _to_json(v) for k, v in self.stats.items()}
        return config

    @classmethod
    def from_config(cls, config: dict) -> "Step":
        config = dict(config)
        name = config.pop("step", None)
        if name not in STEPS:
            raise DataError(f"unknown preprocessing step {name!r}; known: {', '.join(STEPS)}")
        klass = STEPS[name]
        stats = config.pop("stats", None)
        try:
            step = klass(**config)
        except TypeError as e:
            raise DataError(f"bad settings for preprocessing step {name!r}: {e}") from None
        if stats is not None:
            missing = set(klass.stats_keys) - set(stats)
            if missing:
                raise DataError(f"preprocessing step {name!r} lacks statistics {sorted(missing)}")
            step.load_stats(stats)
        return step

    def load_stats(self, stats: dict) -> None:
        """Take the statistics of a stored config (lists of numbers here)."""
        self.stats = {k: np.asarray(stats[k], dtype=np.float64) for k in self.stats_keys}

    def _require_fitted(self):
        if not self.fitted:
            raise RuntimeError(f"the {self.name!r} step must be fitted on training data before it is applied")

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"


def _to_json(value):
    value = np.asarray(value, dtype=np.float64)
    return value.tolist() if value.ndim else float(value)


def _reduce_axes(x: np.ndarray, scope: str) -> tuple:
    if scope == "feature":
        return (0,)
    if scope == "channel":
        return tuple(range(x.ndim - 1))
    return tuple(range(x.ndim))


class _FittedScaler(Step):
    def __init__(self, scope: str = "feature"):
        super().__init__()
        if scope not in SCOPES:
            raise ValueError(f"scope must be one of {SCOPES}; received: scope={scope!r}")
        self.scope = scope

    def _check(self, x):
        self._require_fitted()
        stat = next(iter(self.stats.values()))
        if self.scope == "feature" and stat.shape != x.shape[1:]:
            raise _shape_error(self.name, stat.shape, x.shape[1:])
        if self.scope == "channel" and stat.shape != x.shape[-1:]:
            raise _shape_error(self.name, stat.shape, x.shape[-1:])


class MinMaxScale(_FittedScaler):
    """Map each feature's training range [min, max] onto `feature_range` (constant features map to its low end)."""
    name = "min_max"
    stats_keys = ("data_min", "data_max")

    def __init__(self, feature_range=(0.0, 1.0), scope: str = "feature"):
        super().__init__(scope)
        low, high = (float(v) for v in feature_range)
        if not low < high:
            raise ValueError(f"feature_range must be (low, high) with low < high; received: {feature_range!r}")
        self.feature_range = (low, high)

    def params(self):
        return {"feature_range": list(self.feature_range), "scope": self.scope}

    def fit(self, x):
        x = np.asarray(x, dtype=np.float64)
        axes = _reduce_axes(x, self.scope)
        self.stats = {"data_min": x.min(axis=axes), "data_max": x.max(axis=axes)}
        return self

    def transform(self, x):
        x = np.asarray(x, dtype=np.float64)
        self._check(x)
        lo, hi = self.stats["data_min"], self.stats["data_max"]
        span = np.where(hi > lo, hi - lo, 1.0)
        low, high = self.feature_range
        return (x - lo) / span * (high - low) + low


class Standardize(_FittedScaler):
    """Subtract the training mean and divide by the training standard deviation (1 where it is 0)."""
    name = "standardize"
    stats_keys = ("mean", "std")

    def params(self):
        return {"scope": self.scope}

    def fit(self, x):
        x = np.asarray(x, dtype=np.float64)
        axes = _reduce_axes(x, self.scope)
        self.stats = {"mean": x.mean(axis=axes), "std": x.std(axis=axes)}
        return self

    def transform(self, x):
        x = np.asarray(x, dtype=np.float64)
        self._check(x)
        std = self.stats["std"]
        return (x - self.stats["mean"]) / np.where(std > 0, std, 1.0)


class Rescale(Step):
    """x * scale + offset, with fixed numbers (e.g. 1/255 for 8-bit images); nothing to fit."""
    name = "rescale"

    def __init__(self, scale: float = 1.0 / 255.0, offset: float = 0.0):
        super().__init__()
        self.scale, self.offset = float(scale), float(offset)

    def params(self):
        return {"scale": self.scale, "offset": self.offset}

    def transform(self, x):
        return np.asarray(x, dtype=np.float64) * self.scale + self.offset


class Flatten(Step):
    """(n, ...) -> (n, features), as Keras's Flatten."""
    name = "flatten"

    def transform(self, x):
        x = np.asarray(x)
        return x.reshape(len(x), int(np.prod(x.shape[1:], dtype=np.int64)))

    def output_shape(self, shape):
        return (int(np.prod(shape, dtype=np.int64)),)


class Reshape(Step):
    """(n, ...) -> (n, *target_shape); the number of values per sample must not change."""
    name = "reshape"

    def __init__(self, target_shape):
        super().__init__()
        target_shape = tuple(int(d) for d in target_shape)
        if not target_shape or any(d < 1 for d in target_shape):
            raise ValueError(f"target_shape must be positive sizes; received: target_shape={target_shape!r}")
        self.target_shape = target_shape

    def params(self):
        return {"target_shape": list(self.target_shape)}

    def output_shape(self, shape):
        if int(np.prod(shape, dtype=np.int64)) != int(np.prod(self.target_shape, dtype=np.int64)):
            raise DataError(f"cannot reshape samples of shape {tuple(shape)} to {self.target_shape}: "
                            f"{int(np.prod(shape))} values versus {int(np.prod(self.target_shape))}")
        return self.target_shape

    def transform(self, x):
        x = np.asarray(x)
        self.output_shape(x.shape[1:])
        return x.reshape(len(x), *self.target_shape)


class Channels(Step):
    """Image channel handling for (n, h, w[, c]) batches.

    color: None keeps the channels; 'grayscale' makes 1 channel (RGB by ITU-R 601 luma,
    alpha dropped); 'rgb' makes 3 (gray repeated, alpha dropped).
    layout: 'channels_last' (n, h, w, c) or 'channels_first' (n, c, h, w).
    """
    name = "channels"

    def __init__(self, color: "str | None" = None, layout: str = "channels_last"):
        super().__init__()
        if color not in (None, "grayscale", "rgb"):
            raise ValueError(f"color must be None, 'grayscale' or 'rgb'; received: color={color!r}")
        if layout not in ("channels_last", "channels_first"):
            raise ValueError(f"layout must be 'channels_last' or 'channels_first'; received: layout={layout!r}")
        self.color, self.layout = color, layout

    def params(self):
        return {"color": self.color, "layout": self.layout}

    def output_shape(self, shape):
        shape = tuple(shape)
        if len(shape) == 2:
            shape = shape + (1,)
        if len(shape) != 3 or shape[-1] not in (1, 2, 3, 4):
            raise DataError(f"image channel handling needs samples of shape (height, width[, channels]) with "
                            f"1 to 4 channels; received {shape}")
        c = {None: shape[-1], "grayscale": 1, "rgb": 3}[self.color]
        h, w = shape[:2]
        return (h, w, c) if self.layout == "channels_last" else (c, h, w)

    def transform(self, x):
        x = np.asarray(x)
        self.output_shape(x.shape[1:])
        if x.ndim == 3:
            x = x[..., np.newaxis]
        c = x.shape[-1]
        if self.color == "grayscale" and c != 1:
            x = x[..., :3] @ LUMA if c >= 3 else x[..., :1]
            x = x[..., np.newaxis]
        elif self.color == "rgb" and c != 3:
            x = np.repeat(x[..., :1], 3, axis=-1) if c < 3 else x[..., :3]
        if self.layout == "channels_first":
            x = np.moveaxis(x, -1, 1)
        return x


class OneHot(Step):
    """Class indices -> one-hot rows (applies to the targets)."""
    name = "one_hot"
    target = "y"

    def __init__(self, num_classes: "int | None" = None):
        super().__init__()
        if num_classes is not None and (isinstance(num_classes, bool) or int(num_classes) < 2):
            raise ValueError(f"num_classes must be at least 2; received: num_classes={num_classes!r}")
        self.num_classes = None if num_classes is None else int(num_classes)

    @property
    def fitted(self):
        return self.num_classes is not None

    def params(self):
        return {"num_classes": self.num_classes}

    def fit(self, y, num_classes: "int | None" = None):
        if self.num_classes is None:
            self.num_classes = int(num_classes) if num_classes is not None else int(np.max(y)) + 1
        return self

    def transform(self, y):
        self._require_fitted()
        y = np.asarray(y)
        if y.ndim != 1:
            raise DataError(f"one-hot encoding needs one class index per sample; received shape {y.shape}")
        bad = np.flatnonzero((y < 0) | (y >= self.num_classes))
        if len(bad):
            raise DataError(f"label {y[bad[0]]} at sample {bad[0] + 1} is outside 0..{self.num_classes - 1}")
        out = np.zeros((len(y), self.num_classes), dtype=np.float64)
        out[np.arange(len(y)), y.astype(np.int64)] = 1.0
        return out


class VectorizeText(Step):
    """Texts -> numbers, as Keras's TextVectorization (see text_vectorizer): token ids
    (n, output_sequence_length) in "int" mode, else (n, vocabulary size or max_tokens)
    multi-hot, count or tf-idf rows. The vocabulary (and the idf weights) learned from the
    training texts are the statistics, stored as plain lists of strings (and floats).
    Samples are strings, shape (n,) or (n, 1); this step comes first.
    """
    name = "vectorize_text"
    stats_keys = ("vocabulary",)

    def __init__(self, max_tokens: "int | None" = 20000, output_sequence_length: "int | None" = 200,
                 output_mode: str = "int", standardize: "str | None" = "lower_and_strip_punctuation",
                 split: "str | None" = "whitespace", ngrams=None, pad_to_max_tokens: bool = False):
        super().__init__()
        if output_mode not in OUTPUT_MODES:
            raise ValueError(f"output_mode must be one of {OUTPUT_MODES}; received: output_mode={output_mode!r}")
        if standardize not in (*STANDARDIZE, None):
            raise ValueError(f"standardize must be one of {STANDARDIZE} or None; received: standardize={standardize!r}")
        if split not in (*SPLIT, None):
            raise ValueError(f"split must be one of {SPLIT} or None; received: split={split!r}")
        if max_tokens is not None and (isinstance(max_tokens, bool) or int(max_tokens) <= 1):
            raise ValueError(f"max_tokens must be greater than 1 or None; received: max_tokens={max_tokens!r}")
        if output_mode == "int" and (output_sequence_length is None or int(output_sequence_length) < 1):
            raise ValueError("in 'int' mode every text needs the same number of ids: output_sequence_length must be "
                             f"1 or more; received: output_sequence_length={output_sequence_length!r}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError("pad_to_max_tokens needs max_tokens")
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)
        if not (ngrams is None or isinstance(ngrams, int) and ngrams >= 1
                or isinstance(ngrams, tuple) and ngrams and all(isinstance(n, int) and n >= 1 for n in ngrams)):
            raise ValueError(f"ngrams must be None, a width of 1 or more, or a list of widths; received: "
                             f"ngrams={ngrams!r}")
        self.max_tokens = None if max_tokens is None else int(max_tokens)
        self.output_sequence_length = int(output_sequence_length) if output_mode == "int" else None
        self.output_mode, self.standardize, self.split = output_mode, standardize, split
        self.ngrams, self.pad_to_max_tokens = ngrams, bool(pad_to_max_tokens)

    def params(self):
        return {"max_tokens": self.max_tokens, "output_sequence_length": self.output_sequence_length,
                "output_mode": self.output_mode, "standardize": self.standardize, "split": self.split,
                "ngrams": list(self.ngrams) if isinstance(self.ngrams, tuple) else self.ngrams,
                "pad_to_max_tokens": self.pad_to_max_tokens}

    def vectorizer(self) -> TextVectorizer:
        """The maths, with the fitted vocabulary when there is one."""
        v = TextVectorizer(self.max_tokens, self.standardize, self.split, self.ngrams, self.output_mode,
                           self.output_sequence_length, self.pad_to_max_tokens)
        if self.stats is not None:
            v.set_tokens(self.stats["vocabulary"][v.token_start:])
            if self.output_mode == "tf_idf":
                v.idf_weights = np.asarray(self.stats["idf_weights"], dtype=np.float32)
        return v

    @staticmethod
    def _texts(x) -> list:
        x = np.asarray(x)
        if x.ndim == 2 and x.shape[1] == 1:
            x = x[:, 0]
        if x.ndim != 1 or x.dtype.kind not in "OUS":
            raise DataError(f"vectorize_text needs one text per sample (shape (n,) or (n, 1)); received an array of "
                            f"shape {x.shape} and dtype {x.dtype}: put this step first, on a text source")
        bad = next((i for i, t in enumerate(x.tolist()) if not isinstance(t, str)), None)
        if bad is not None:
            raise DataError(f"vectorize_text needs texts; sample {bad + 1} holds {type(x[bad]).__name__} {x[bad]!r}")
        return x.tolist()

    def fit(self, x):
        v = TextVectorizer(self.max_tokens, self.standardize, self.split, self.ngrams, self.output_mode,
                           self.output_sequence_length, self.pad_to_max_tokens)
        v.count([v.tokenize(t) for t in self._texts(x)])
        if not v.finalize():
            raise DataError("the training texts hold no tokens: nothing to build a vocabulary from")
        self.stats = {"vocabulary": v.vocabulary()}
        if self.output_mode == "tf_idf":
            self.stats["idf_weights"] = v.idf_weights
        return self

    def load_stats(self, stats):
        vocabulary = stats["vocabulary"]
        special = self.vectorizer().vocabulary()
        if not isinstance(vocabulary, list) or not all(isinstance(t, str) for t in vocabulary) \
                or vocabulary[:len(special)] != special:
            raise DataError(f"the vectorize_text vocabulary must be a list of strings starting with {special}")
        self.stats = {"vocabulary": list(vocabulary)}
        if self.output_mode == "tf_idf":
            if "idf_weights" not in stats:
                raise DataError("preprocessing step 'vectorize_text' lacks statistics ['idf_weights']")
            idf = np.asarray(stats["idf_weights"], dtype=np.float32)
            columns = self.max_tokens if self.pad_to_max_tokens else len(vocabulary)
            if idf.shape != (columns,):
                raise DataError(f"the vectorize_text idf weights hold {idf.size} values for {columns} columns")
            self.stats["idf_weights"] = idf

    def get_config(self):
        config = {"step": self.name, **self.params()}
        if self.stats is not None:
            config["stats"] = {"vocabulary": list(self.stats["vocabulary"])}
            if "idf_weights" in self.stats:
                config["stats"]["idf_weights"] = _to_json(self.stats["idf_weights"])
        return config

    def depth(self) -> int:
        if self.pad_to_max_tokens:
            return self.max_tokens
        self._require_fitted()
        return len(self.stats["vocabulary"])

    def output_shape(self, shape):
        return (self.output_sequence_length,) if self.output_mode == "int" else (self.depth(),)

    def transform(self, x):
        self._require_fitted()
        v = self.vectorizer()
        rows = [v.tokenize(t) for t in self._texts(x)]
        if self.output_mode == "int":
            return v.encode_ids(rows, self.output_sequence_length)
        return v.encode_bags(rows, self.depth())


STEPS = {c.name: c for c in (MinMaxScale, Standardize, Rescale, Flatten, Reshape, Channels, OneHot, VectorizeText)}


class Pipeline:
    """Steps applied in order; x steps to the features, y steps to the targets."""

    def __init__(self, steps=()):
        self.steps = [s if isinstance(s, Step) else Step.from_config(s) for s in steps]

    @property
    def fitted(self) -> bool:
        return all(s.fitted for s in self.steps)

    def fit(self, x, y=None, num_classes: "int | None" = None) -> "Pipeline":
        """Fit every step in turn on the training data (each sees the previous steps' output)."""
        x = np.asarray(x)
        for step in self.steps:
            if step.target == "x":
                step.fit(x)
                x = step.transform(x)
            elif y is not None:
                step.fit(y, num_classes=num_classes)
                y = step.transform(y)
        return self

    def transform_x(self, x, dtype="float32") -> np.ndarray:
        x = np.asarray(x)
        check_fits(x.size * np.dtype(dtype).itemsize, f"the {len(x):,} samples as {dtype}",
                   advice="Use fewer samples, smaller images or a smaller feature set.")
        for step in self.steps:
            if step.target == "x":
                x = step.transform(x)
        return np.asarray(x, dtype=dtype)

    def transform_y(self, y) -> np.ndarray:
        for step in self.steps:
            if step.target == "y":
                y = step.transform(y)
        return y

    def output_shape(self, shape: tuple) -> tuple:
        for step in self.steps:
            if step.target == "x":
                shape = step.output_shape(shape)
        return tuple(shape)

    def one_hot(self) -> bool:
        return any(isinstance(s, OneHot) for s in self.steps)

    def get_config(self) -> list:
        return [s.get_config() for s in self.steps]

    @classmethod
    def from_config(cls, configs: list) -> "Pipeline":
        return cls(Step.from_config(c) for c in configs)
