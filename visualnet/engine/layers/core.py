"""Core layers: Input, Dense, Flatten, Reshape, Dropout and the activation layers."""

from __future__ import annotations

import numpy as np

from .. import activations
from ..activation_fused import column_sums
from ..kernels import dense as dense_ops
from ..kernels import gemm
from ..rng import global_rng
from .base import Layer

_NO_BIAS = np.zeros(0, np.float32)


class InputLayer(Layer):
    """The graph's entry point; the functional API's `Input()` creates one."""

    layer_type = "Input"

    def forward(self, inputs, training):
        return inputs[0]

    def backward(self, dy, need_dx=True, skip_activation=False):
        return []


class _Activated(Layer):
    """A layer whose last step is an activation the loss may fuse with.

    Outputs and gradients go to buffers the layer owns (reused batch after batch); the
    pre-activation `_z` and output `_y` are kept for backward."""

    def on_build(self):
        self.act = activations.get(self.config.get("activation"))

    @property
    def output_activation(self):
        return self.config.get("activation") or "linear"

    def _activate(self, z, owned=False):
        """y = activation(z); in place when this layer owns z and the activation allows
        (plain ReLU: half the memory and one pass less over it)."""
        self._z = z
        if self.act.is_linear:
            self._y = z
        elif owned and self.act.in_place:
            self._y = self.act.forward_into(z, z)
        else:
            self._y = self.act.forward_into(z, self._buffer("y", z.shape, z.dtype))
        return self._y

    def _activation_grad(self, dy, skip_activation):
        if skip_activation or self.act.is_linear:
            return dy
        return self.act.backward_into(self._z, self._y, dy, self._buffer("dz", self._z.shape, dy.dtype))


class Dense(_Activated):
    layer_type = "Dense"
    supports_masking = True

    @property
    def splits_batch(self):
        """Whether its products run as parallel parts (kernels/dense.py): with kernels.gemm's tiles
        and a kernel large enough to split at a batch of 64 (W1: 106,000 -> 138,000 samples/s).
        Tiny models skip layer_parallel's set-up; NumPy's BLAS is faster on its own threads."""
        kernel = self.values.get("kernel")
        return gemm.AVAILABLE and kernel is not None and dense_ops.splits(64, *kernel.shape)

    def forward(self, inputs, training):
        x = inputs[0]
        x2 = self._x2 = x.reshape(-1, x.shape[-1])
        kernel = self.values["kernel"]
        rows, units = x2.shape[0], kernel.shape[1]
        dtype = kernel.dtype if x2.dtype == kernel.dtype else np.result_type(x2.dtype, kernel.dtype)
        z = self._z = self._buffer("z", (rows, units), dtype)
        use_bias = self.config["use_bias"]
        act = self.act
        if dense_ops.is_small(rows, x2.shape[1], units):  # compiled loops, bias included
            dense_ops.dense_forward(x2, kernel, self.values["bias"] if use_bias else _NO_BIAS, use_bias, z)
            y = z if act.is_linear else act.forward_into(z, z if act.in_place else self._buffer("y", z.shape, dtype))
        else:
            n = dense_ops.partial_sums(rows, x2.shape[1], units)
            dense_ops.matmul(x2, kernel, z, self._buffer("partials", (n, rows, units), dtype) if n else None)
            bias = self.values["bias"] if use_bias else None
            if act.is_linear:
                if bias is not None:
                    z += bias
                y = z
            else:  # bias and activation in one pass
                y = act.bias_forward_into(z, bias, z if act.in_place else self._buffer("y", z.shape, dtype))
        self._y = y
        return y if x.ndim == 2 else y.reshape(*x.shape[:-1], units)

    overwrites_dy = True

    def backward(self, dy, need_dx=True, skip_activation=False, dy_scratch=False):
        """`dy_scratch`: the activation's gradient may be written over dy. A ReLU does, so
        W1's step writes one 256 KB buffer fewer (2-core Zen 4, three in-process A/B runs of
        38 alternating epochs: training 0.7-7.8% faster, median; 5.9-6.9%, mean)."""
        dy2 = dy.reshape(-1, dy.shape[-1])
        use_bias = self.config["use_bias"]
        dbias = self.grads["bias"] if use_bias else None
        kernel = self.values["kernel"]
        x2 = self._x2
        linear = skip_activation or self.act.is_linear
        if dense_ops.is_small(x2.shape[0], x2.shape[1], kernel.shape[1]):
            dz = dy2 if linear else self.act.backward_into(self._z, self._y, dy2,
                                                          self._buffer("dz", dy2.shape, dy2.dtype))
            dx = self._buffer("dx", (dz.shape[0], kernel.shape[0]), dz.dtype) if need_dx else None
            dense_ops.dense_backward(x2, kernel, dz, self.grads["kernel"], _NO_BIAS if dbias is None else dbias,
                                     use_bias, dx if need_dx else self._buffer("nodx", (0, 0), dz.dtype), need_dx)
        else:
            if linear:
                dz = dy2
                if dbias is not None:
                    column_sums(dz, dbias)
            else:  # activation gradient and bias gradient in one pass
                over = dy_scratch and self.act.overwrites_dy and dy2.flags.c_contiguous
                dz = self.act.bias_backward_into(self._z, self._y, dy2,
                                                 dy2 if over else self._buffer("dz", dy2.shape, dy2.dtype), dbias)
            dense_ops.matmul_tn(x2, dz, self.grads["kernel"])
            if not need_dx:
                return [None]
            dx = self._buffer("dx", (dz.shape[0], kernel.shape[0]), dz.dtype)
            dense_ops.matmul(dz, kernel.T, dx)
        if not need_dx:
            return [None]
        return [dx if dy.ndim == 2 else dx.reshape(*dy.shape[:-1], dx.shape[-1])]


class Activation(_Activated):
    layer_type = "Activation"
    supports_masking = True

    def forward(self, inputs, training):
        return self._activate(inputs[0])

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [self._activation_grad(dy, skip_activation)]


class Softmax(Layer):
    layer_type = "Softmax"

    @property
    def output_activation(self):
        return "softmax" if self.config["axis"] == -1 else None

    supports_masking = True
    takes_mask = True

    def forward(self, inputs, training, mask=None):
        x = inputs[0]
        self._keep = None
        if mask is not None:  # Keras: masked entries become -1e9 before the softmax
            if mask.ndim > x.ndim or any(m not in (1, d) for m, d in zip(mask.shape[::-1], x.shape[::-1])):
                raise ValueError(f"Softmax '{self.name}': its input's mask of shape {mask.shape} does not "
                                 f"broadcast to the input's shape {x.shape} (aligned from the last axis).")
            self._keep = mask
            x = np.where(mask, x, x.dtype.type(-1e9))
        self._y = activations.softmax(x, axis=self.config["axis"])
        return self._y

    def backward(self, dy, need_dx=True, skip_activation=False):
        if skip_activation:
            dx = dy
        else:
            y = self._y
            dx = y * (dy - np.sum(dy * y, axis=self.config["axis"], keepdims=True))
        return [dx if self._keep is None else np.where(self._keep, dx, dx.dtype.type(0))]


class LeakyReLU(Layer):
    layer_type = "LeakyReLU"
    supports_masking = True

    def forward(self, inputs, training):
        self._x = inputs[0]
        return np.where(self._x > 0, self._x, self._x * self.config["negative_slope"]).astype(self._x.dtype)

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [np.where(self._x > 0, dy, dy * self.config["negative_slope"]).astype(dy.dtype)]


class Flatten(Layer):
    layer_type = "Flatten"

    def forward(self, inputs, training):
        x = inputs[0]
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [dy.reshape(self._shape)]


class Reshape(Layer):
    layer_type = "Reshape"

    def forward(self, inputs, training):
        x = inputs[0]
        self._shape = x.shape
        return x.reshape(x.shape[0], *self.output_shape[1:])

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [dy.reshape(self._shape)]


class Dropout(Layer):
    layer_type = "Dropout"
    supports_masking = True

    def on_build(self):
        seed = self.config["seed"]
        self._rng = None if seed is None else np.random.default_rng(seed)

    def forward(self, inputs, training):
        x = inputs[0]
        rate = self.config["rate"]
        if not training or rate == 0:
            self._mask = None
            return x
        keep = 1.0 - rate
        rng = self._rng or global_rng()
        self._mask = (rng.random(x.shape, dtype=np.float32) < keep).astype(x.dtype) * x.dtype.type(1 / keep)
        return x * self._mask

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [dy if self._mask is None else dy * self._mask]
