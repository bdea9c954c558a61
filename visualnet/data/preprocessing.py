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
            step.stats = {k: np.asarray(stats[k], dtype=np.float64) for k in klass.stats_keys}
        return step

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


STEPS = {c.name: c for c in (MinMaxScale, Standardize, Rescale, Flatten, Reshape, Channels, OneHot)}


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
