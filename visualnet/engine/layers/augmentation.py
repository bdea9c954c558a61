"""RandomFlip, RandomCrop, RandomTranslation, RandomZoom, RandomRotation, RandomContrast and
RandomBrightness (channels-last images).

Each draws its transform from its own generator when seeded (else the engine's) with
`draw(x, rng)`, only while training; tests pin the transform by replacing `draw`. As in Keras 3, a
layer called directly on images (`layer(images)`, `data_augmentation(images)`, `model(x)` without
`training`) augments them (its `training` defaults to True); `model(x, training=False)`,
`predict` and `evaluate` leave the images unchanged. Translation,
zoom and rotation sample the input at the transformed coordinates as Keras's `affine_transform`
(`map_coordinates`: bilinear or nearest, reflect/wrap/nearest/constant fill); the gradient
flows back through the same sampling weights."""

from __future__ import annotations

import contextlib
from contextvars import ContextVar

import numpy as np

from ...graph.layer_types.augmentation import bounds, fixed_window
from ..rng import global_rng
from .base import Layer
from ..tape import active_tape
from ..variables import as_tensor
from .preprocessing import interpolation_matrix

# True while a model runs called without `training` (`model(x)`): its augmentation layers then
# augment, its Dropout and BatchNormalization layers run as when predicting (Keras's defaults)
_CALLED_WITHOUT_TRAINING: ContextVar[bool] = ContextVar("called_without_training", default=False)


@contextlib.contextmanager
def called_without_training(active: bool):
    """Within it (`active`), augmentation layers augment in a forward pass not in training."""
    token = _CALLED_WITHOUT_TRAINING.set(bool(active))
    try:
        yield
    finally:
        _CALLED_WITHOUT_TRAINING.reset(token)


def _augmenting(training) -> bool:
    return bool(training) or _CALLED_WITHOUT_TRAINING.get()


class _Augment(Layer):
    """The identity when predicting; `augment(x, transform)` while training and when called
    directly (`training` left out)."""

    def on_build(self):
        seed = self.config["seed"]
        self._rng = None if seed is None else np.random.default_rng(seed)

    def __call__(self, inputs, training=None):
        """Keras's `training` default for preprocessing layers: True when called on arrays (in
        a custom layer's call, on the tape, the caller's `training` as before). One image
        (height, width, channels) is taken as a batch of one, as Keras takes it."""
        if training is None and active_tape() is None:
            training = True
        if isinstance(inputs, (np.ndarray, list)) and np.ndim(inputs) == 3:
            return as_tensor(np.asarray(super().__call__(np.asarray(inputs)[None], bool(training)))[0])
        return super().__call__(inputs, bool(training))

    def forward(self, inputs, training):
        x = inputs[0]
        self._backward = None
        if not _augmenting(training):
            return x
        return self.augment(x, self.draw(x, self._rng or global_rng()))

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [dy if self._backward is None else self._backward(dy)]


class RandomFlip(_Augment):
    """Keras's: one draw per image (flip when uniform <= 0.5), for both axes in
    'horizontal_and_vertical' (so such an image turns by 180 degrees)."""

    layer_type = "RandomFlip"

    def draw(self, x, rng):
        return rng.random(x.shape[0]) <= 0.5

    def augment(self, x, flips):
        axes = {"horizontal": (2,), "vertical": (1,), "horizontal_and_vertical": (1, 2)}[self.config["mode"]]
        which = flips.reshape(-1, 1, 1, 1)

        def flip(a):
            return np.where(which, np.flip(a, axes), a)

        self._backward = flip
        return flip(x)


class RandomCrop(_Augment):
    """A random height x width window of the whole batch while training (when the input is
    larger along both axes); otherwise Keras's fixed window (`fixed_window`), resized (bilinear)
    to height x width."""

    layer_type = "RandomCrop"

    def on_build(self):
        super().on_build()
        c = self.config
        _, h, w, _ = self.input_shapes[0]
        self._box = fixed_window(c, h, w)
        self._rh = interpolation_matrix(self._box[2], c["height"], "bilinear")
        self._rw = interpolation_matrix(self._box[3], c["width"], "bilinear")

    def forward(self, inputs, training):
        x = inputs[0]
        self._shape = x.shape
        c = self.config
        if _augmenting(training) and x.shape[1] > c["height"] and x.shape[2] > c["width"]:
            rng = self._rng or global_rng()
            self._crop = self.draw(x, rng)
            top, left = self._crop
            return np.ascontiguousarray(x[:, top:top + c["height"], left:left + c["width"]])
        self._crop = None
        top, left, h, w = self._box
        rh, rw = self._rh.astype(x.dtype), self._rw.astype(x.dtype)
        return np.einsum("ip,bpqc,jq->bijc", rh, x[:, top:top + h, left:left + w], rw, optimize=True)

    def draw(self, x, rng):
        c = self.config
        return int(rng.integers(0, x.shape[1] - c["height"] + 1)), int(rng.integers(0, x.shape[2] - c["width"] + 1))

    def backward(self, dy, need_dx=True, skip_activation=False):
        dx = np.zeros(self._shape, dy.dtype)
        if self._crop is not None:
            top, left = self._crop
            dx[:, top:top + dy.shape[1], left:left + dy.shape[2]] = dy
            return [dx]
        top, left, h, w = self._box
        rh, rw = self._rh.astype(dy.dtype), self._rw.astype(dy.dtype)
        dx[:, top:top + h, left:left + w] = np.einsum("ip,bijc,jq->bpqc", rh, dy, rw, optimize=True)
        return [dx]


def _mirror(index, n):
    s = n - 1
    return np.abs((index + s) % (2 * s) - s)


_FIX = {"constant": lambda i, n: np.clip(i, 0, n - 1), "nearest": lambda i, n: np.clip(i, 0, n - 1),
        "wrap": lambda i, n: i % n, "reflect": lambda i, n: (_mirror(2 * i + 1, 2 * n + 1) - 1) // 2}


def _nodes(coord, interpolation):
    """[(integer index, weight)] of each sample coordinate along one axis."""
    if interpolation == "nearest":
        return [(np.round(coord).astype(np.int64), 1.0)]
    lower = np.floor(coord)
    upper_weight = coord - lower
    lower = lower.astype(np.int64)
    return [(lower, 1.0 - upper_weight), (lower + 1, upper_weight)]


def affine_sample(x, rows, cols, interpolation, fill_mode, fill_value):
    """x (batch, h, w, c) read at the input coordinates rows, cols (batch, h, w) as Keras's
    map_coordinates; returns the output and its backward (dy -> dx)."""
    b, h, w, c = x.shape
    flat = x.reshape(-1, c)
    base = (np.arange(b) * h * w).reshape(-1, 1, 1)
    out = np.zeros(x.shape, np.float64)
    corners = []
    for ri, rw in _nodes(rows, interpolation):
        for ci, cw in _nodes(cols, interpolation):
            weight = np.broadcast_to(rw * cw, rows.shape)
            valid = ((ri >= 0) & (ri < h) & (ci >= 0) & (ci < w)) if fill_mode == "constant" else True
            idx = base + _FIX[fill_mode](ri, h) * w + _FIX[fill_mode](ci, w)
            kept = weight * valid
            out += kept[..., None] * flat[idx]
            if fill_mode == "constant":
                out += (weight * ~valid)[..., None] * fill_value
            corners.append((idx.reshape(-1), kept.reshape(-1)))

    def backward(dy):
        dx = np.zeros((b * h * w, c), dy.dtype)
        d = dy.reshape(-1, c)
        for idx, kept in corners:
            np.add.at(dx, idx, kept[:, None].astype(dy.dtype) * d)
        return dx.reshape(x.shape)

    return out.astype(x.dtype), backward


class _Affine(_Augment):
    """Samples the input at coordinates(transform, h, w) -> (rows, cols)."""

    def augment(self, x, transform):
        b, h, w, _ = x.shape
        rows, cols = self.coordinates(transform, h, w)
        c = self.config
        y, self._backward = affine_sample(x, rows, cols, c["interpolation"], c["fill_mode"], c["fill_value"])
        return y

    @staticmethod
    def grid(h, w):
        """Row and column indices; the coordinates are float32 as Keras computes them, so that
        nearest rounding and the cells of bilinear agree with Keras's at the edges."""
        return np.arange(h, dtype=np.float32).reshape(1, -1, 1), np.arange(w, dtype=np.float32).reshape(1, 1, -1)


class RandomTranslation(_Affine):
    """Keras's: shifts (dy, dx) = uniform fractions times the height and width, per image;
    the output pixel (i, j) reads the input at (i - dy, j - dx)."""

    layer_type = "RandomTranslation"

    def draw(self, x, rng):
        b, h, w, _ = x.shape
        c = self.config
        return (rng.uniform(*bounds(c["height_factor"]), b).astype(np.float32) * np.float32(h),
                rng.uniform(*bounds(c["width_factor"]), b).astype(np.float32) * np.float32(w))

    def coordinates(self, transform, h, w):
        dy, dx = (np.asarray(d, np.float32) for d in transform)
        i, j = self.grid(h, w)
        return np.broadcast_to(i - dy.reshape(-1, 1, 1), (len(dy), h, w)), \
            np.broadcast_to(j - dx.reshape(-1, 1, 1), (len(dx), h, w))


class RandomZoom(_Affine):
    """Keras's: scales (zy, zx) uniform in 1 + [-factor, factor] per image (zx = zy without
    width_factor); the output pixel (i, j) reads the input at zy * i + (h - 1) / 2 * (1 - zy),
    zx * j + (w - 1) / 2 * (1 - zx)."""

    layer_type = "RandomZoom"

    def draw(self, x, rng):
        b = x.shape[0]
        c = self.config
        zy = 1.0 + rng.uniform(*bounds(c["height_factor"]), b)
        zx = zy if c["width_factor"] is None else 1.0 + rng.uniform(*bounds(c["width_factor"]), b)
        return zy, zx

    def coordinates(self, transform, h, w):
        zy, zx = (np.asarray(z, np.float32).reshape(-1, 1, 1) for z in transform)
        i, j = self.grid(h, w)
        n, one = len(zy), np.float32(1)
        return (np.broadcast_to(zy * i + np.float32((h - 1) / 2) * (one - zy), (n, h, w)),
                np.broadcast_to(zx * j + np.float32((w - 1) / 2) * (one - zx), (n, h, w)))


class RandomRotation(_Affine):
    """Keras's: angles uniform in factor * 360 degrees per image, about the centre
    ((h - 1) / 2, (w - 1) / 2); the output pixel (i, j) reads the input at
    (sin * j + cos * i + b2, cos * j - sin * i + a2), in float32 as Keras."""

    layer_type = "RandomRotation"

    def draw(self, x, rng):
        lower, upper = self.config["factor"]
        return rng.uniform(lower * 360.0, upper * 360.0, x.shape[0]).astype(np.float32)

    def coordinates(self, angles, h, w):
        theta = np.asarray(angles, np.float32).reshape(-1, 1, 1) * np.float32(np.pi / 180.0)
        cos, sin = np.cos(theta), np.sin(theta)
        cx, cy = np.float32(0.5 * (w - 1)), np.float32(0.5 * (h - 1))
        a2 = cx - cx * cos - cy * -sin
        b2 = cy - cx * sin - cy * cos
        i, j = self.grid(h, w)
        return i * cos + j * sin + b2, i * -sin + j * cos + a2


class _Clipped(_Augment):
    """y = clip(change(x), value_range); the gradient is zero where clipped."""

    def augment(self, x, factor):
        lo, hi = self.config["value_range"]
        y = self.change(x, factor)
        inside = (y >= lo) & (y <= hi)
        self._backward = lambda dy: self.change_grad(dy * inside, factor)
        return np.clip(y, lo, hi).astype(x.dtype)


class RandomContrast(_Clipped):
    """Keras's: per image a factor uniform in [1 - lower, 1 + upper]; y = (x - mean) * factor
    + mean, the mean over the height and width of each channel."""

    layer_type = "RandomContrast"

    def draw(self, x, rng):
        lower, upper = self.config["factor"]
        return rng.uniform(1.0 - lower, 1.0 + upper, (x.shape[0], 1, 1, 1)).astype(np.float32)

    def change(self, x, factor):
        mean = x.mean(axis=(1, 2), keepdims=True)
        return (x - mean) * factor.astype(x.dtype) + mean

    def change_grad(self, g, factor):
        factor = factor.astype(g.dtype)
        return g * factor + g.mean(axis=(1, 2), keepdims=True) * (1 - factor)


class RandomBrightness(_Clipped):
    """Keras's: per image adds uniform(lower, upper) times the width of value_range."""

    layer_type = "RandomBrightness"

    def draw(self, x, rng):
        (lower, upper), (lo, hi) = self.config["factor"], self.config["value_range"]
        return (rng.uniform(lower, upper, (x.shape[0], 1, 1, 1)) * (hi - lo)).astype(np.float32)

    def change(self, x, delta):
        return x + delta.astype(x.dtype)

    def change_grad(self, g, delta):
        return g
