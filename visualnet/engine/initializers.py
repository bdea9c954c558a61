"""Keras 3 weight initializers: `init(shape, dtype="float32") -> float32 array`.

Random ones draw from `rng.make_rng(seed)`: a seeded initializer returns the same
values on every call (as Keras 3 does with an integer seed), an unseeded one
draws from the engine's global generator.
"""

import math

import numpy as np

from visualnet.engine.rng import make_rng

__all__ = [
    "Initializer", "Constant", "Zeros", "Ones", "RandomNormal", "RandomUniform",
    "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeNormal",
    "HeUniform", "LecunNormal", "LecunUniform", "Orthogonal", "Identity", "compute_fans", "get", "serialize",
    "deserialize",
]

_F = np.float32


def compute_fans(shape, input_axes=None, output_axes=None):
    """Keras's (fan_in, fan_out); a conv kernel (..., in, out) multiplies both by
    the receptive field size."""
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return (int(np.prod([shape[a] for a in input_axes])),
                int(np.prod([shape[a] for a in output_axes])))
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


def _shape_dtype(shape, dtype):
    if dtype is not None and np.dtype(dtype) != _F:
        raise ValueError(f"VisualNet weights are float32. Received: dtype={dtype!r}")
    return (int(shape),) if np.ndim(shape) == 0 else tuple(int(d) for d in shape)


def _truncated_normal(rng, shape, mean, stddev):
    """Normal(mean, stddev) with draws beyond 2 stddev redrawn."""
    x = rng.standard_normal(shape, dtype=_F)
    bad = np.abs(x) > 2
    while bad.any():
        x[bad] = rng.standard_normal(int(bad.sum()), dtype=_F)
        bad = np.abs(x) > 2
    return x * _F(stddev) + _F(mean)


class Initializer:
    """Base class: `__call__(shape, dtype)` and `get_config()`."""

    def __call__(self, shape, dtype="float32"):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} {self.get_config()}>"


class Constant(Initializer):
    """Every value set to `value`: a number, or an array (nested lists too) that broadcasts
    to the shape asked for, as Keras 3 computes `cast(value) * ones(shape)` (Keras 2's
    `Embedding(..., embeddings_initializer=Constant(embedding_matrix))`)."""

    def __init__(self, value=0.0):
        if isinstance(value, dict) and value.get("class_name") in ("__numpy__", "__tensor__"):
            value = value.get("config", {}).get("value")   # Keras's serialized array (from_config)
        self.value = value

    def __call__(self, shape, dtype="float32"):
        shape = _shape_dtype(shape, dtype)
        if isinstance(self.value, (int, float, np.number)):
            return np.full(shape, self.value, dtype=_F)
        value = np.asarray(self.value, dtype=_F)
        try:
            return np.array(np.broadcast_to(value, shape))
        except ValueError:
            raise ValueError(f"Constant's value of shape {value.shape} does not broadcast to the weight's shape "
                             f"{shape}.") from None

    def get_config(self):
        value = self.value
        if isinstance(value, np.ndarray):   # JSON-safe: a 0-d array as its number, else nested lists
            value = value.tolist()
        elif isinstance(value, np.generic):
            value = value.item()
        return {"value": value}


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype="float32"):
        return np.zeros(_shape_dtype(shape, dtype), dtype=_F)


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype="float32"):
        return np.ones(_shape_dtype(shape, dtype), dtype=_F)


class _Random(Initializer):
    def __init__(self, seed=None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(f"`seed` argument should be an integer. Received: seed={seed!r}")
        self.seed = seed

    def get_config(self):
        return {"seed": self.seed}


class RandomNormal(_Random):
    """Normal(mean, stddev)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype="float32"):
        x = make_rng(self.seed).standard_normal(_shape_dtype(shape, dtype), dtype=_F)
        return x * _F(self.stddev) + _F(self.mean)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomNormal):
    """Normal(mean, stddev) with values beyond 2 stddev redrawn."""

    def __call__(self, shape, dtype="float32"):
        return _truncated_normal(make_rng(self.seed), _shape_dtype(shape, dtype),
                                 self.mean, self.stddev)


class RandomUniform(_Random):
    """Uniform on [minval, maxval)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype="float32"):
        u = make_rng(self.seed).random(_shape_dtype(shape, dtype), dtype=_F)
        return u * _F(self.maxval - self.minval) + _F(self.minval)

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


class VarianceScaling(_Random):
    """Variance `scale / fan` (fan_in, fan_out or their mean), drawn from a
    truncated normal, a normal or a uniform distribution."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal",
                 seed=None, input_axes=None, output_axes=None):
        super().__init__(seed)
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode!r}. "
                             "Please use one of fan_in, fan_out, fan_avg")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError(f"Invalid `distribution` argument: {distribution!r}. Please use "
                             "one of uniform, truncated_normal, untruncated_normal")
        self.scale, self.mode, self.distribution = scale, mode, distribution
        self.input_axes, self.output_axes = input_axes, output_axes

    def __call__(self, shape, dtype="float32"):
        shape = _shape_dtype(shape, dtype)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        fan = {"fan_in": fan_in, "fan_out": fan_out,
               "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, fan)
        rng = make_rng(self.seed)
        if self.distribution == "truncated_normal":
            return _truncated_normal(rng, shape, 0.0, math.sqrt(scale) / .87962566103423978)
        if self.distribution == "untruncated_normal":
            return rng.standard_normal(shape, dtype=_F) * _F(math.sqrt(scale))
        limit = math.sqrt(3.0 * scale)
        return rng.random(shape, dtype=_F) * _F(2 * limit) - _F(limit)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


def _preset(name, scale, mode, distribution, doc):
    def __init__(self, seed=None, input_axes=None, output_axes=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed, input_axes,
                                 output_axes)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes,
                "output_axes": self.output_axes}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                           "__doc__": doc, "__module__": __name__})


GlorotUniform = _preset("GlorotUniform", 1.0, "fan_avg", "uniform",
                        "Uniform within sqrt(6 / (fan_in + fan_out)); Keras's default kernel.")
GlorotNormal = _preset("GlorotNormal", 1.0, "fan_avg", "truncated_normal",
                       "Truncated normal, stddev sqrt(2 / (fan_in + fan_out)).")
HeNormal = _preset("HeNormal", 2.0, "fan_in", "truncated_normal",
                   "Truncated normal, stddev sqrt(2 / fan_in).")
HeUniform = _preset("HeUniform", 2.0, "fan_in", "uniform",
                    "Uniform within sqrt(6 / fan_in).")
LecunNormal = _preset("LecunNormal", 1.0, "fan_in", "truncated_normal",
                      "Truncated normal, stddev sqrt(1 / fan_in).")
LecunUniform = _preset("LecunUniform", 1.0, "fan_in", "uniform",
                       "Uniform within sqrt(3 / fan_in).")


class Orthogonal(_Random):
    """An orthogonal matrix (of the 2-D view (prod(shape[:-1]), shape[-1])) times `gain`,
    from the QR decomposition of a normal matrix, signs fixed as Keras does; the default
    recurrent kernel of Keras's RNN layers."""

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype="float32"):
        shape = _shape_dtype(shape, dtype)
        if len(shape) < 2:
            raise ValueError(f"The Orthogonal initializer needs a shape of rank >= 2; received shape={shape}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = make_rng(self.seed).standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q).reshape(shape).astype(_F)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}


class Identity(Initializer):
    """The identity matrix times `gain` (2-D shapes only; a non-square one has ones on
    its diagonal), as Keras's."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype="float32"):
        shape = _shape_dtype(shape, dtype)
        if len(shape) != 2:
            raise ValueError(f"Identity matrix initializer can only be used for 2D square matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        return (_F(self.gain) * np.eye(*shape, dtype=_F)).astype(_F)

    def get_config(self):
        return {"gain": self.gain}


_CLASSES = {c.__name__: c for c in (
    Constant, Zeros, Ones, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling,
    GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal, LecunUniform, Orthogonal, Identity)}
_SNAKE = {"constant": Constant, "zeros": Zeros, "ones": Ones, "random_normal": RandomNormal,
          "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal,
          "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
          "glorot_normal": GlorotNormal, "he_normal": HeNormal, "he_uniform": HeUniform,
          "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform,
          "normal": RandomNormal, "uniform": RandomUniform, "zero": Zeros, "one": Ones,
          "orthogonal": Orthogonal, "identity": Identity}


def get(identifier):
    """An initializer from a name ('glorot_uniform', 'HeNormal', ...), a config
    dict, an `Initializer` or a callable `(shape, dtype)` (returned as is)."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _SNAKE.get(identifier) or _CLASSES.get(identifier)
        if cls is None:
            raise ValueError(f"Could not interpret initializer identifier: {identifier!r}. "
                             f"Known: {', '.join(_SNAKE)}")
        return cls()
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")


def serialize(initializer):
    """`{"class_name": ..., "config": ...}` (JSON-safe)."""
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}


def deserialize(config):
    """Inverse of `serialize`; also reads Keras's initializer configs."""
    name = config.get("class_name")
    cls = _CLASSES.get(name) or _SNAKE.get(name)
    if cls is None:
        raise ValueError(f"Could not interpret initializer identifier: {name!r}. "
                         f"Known: {', '.join(_CLASSES)}")
    return cls.from_config(config.get("config", {}))
