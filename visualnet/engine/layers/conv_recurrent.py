"""ConvLSTM1D and ConvLSTM2D (Keras 3's maths, weight layout and gate order i, f, c, o).

Every step's input convolution runs at once: the steps folded into the batch, (time * batch,
rows, cols, channels), through the engine's 2-D convolution kernels (kernels/conv.py; the
dilated kernels of kernels/conv_general.py with a dilation_rate), the bias added there. Each
step then convolves the state h with the recurrent kernel ('same', stride 1, no bias: Keras's
`recurrent_conv`) on a workspace of its own and applies the gates:
    i, f, o = recurrent_activation(.), g = activation(.)
    c_t = f c_(t-1) + i g,  h_t = o activation(c_t).
Backward is backpropagation through time: each step's recurrent convolution's backward gives
the gradient of h_(t-1) and adds that step's share of the recurrent kernel's gradient; the
input convolution's backward runs once over all steps. The gates of a step and their backward
run in one compiled, GIL-free pass each (kernels/conv_recurrent.py) where the activations are
ones it computes (linear, tanh, sigmoid, plain relu, hard_sigmoid); otherwise, or with
`_ConvLSTM.kernels` off, in NumPy, storing the same arrays.

ConvLSTM1D runs the same code on one-row images: (batch, time, steps, channels) is viewed as
(batch, time, 1, steps, channels) and its kernels (k, in, out) as (1, k, in, out), so the
weights keep Keras's ConvLSTM1D layout.

Masks (Keras's, (batch, time)): at a masked step both states and the output stay the previous
ones; backward carries the states' gradients through it unchanged. A (batch, time, *spatial)
mask (Masking on frames) applies position by position, as Keras's does, where its spatial size
is the output's. The mask passes on with return_sequences. With return_state the outputs are
[output, h, c]; backward takes a list of their gradients (None: no gradient). Everything stays
in the weights' dtype (float32; float64 in the gradient tests). Not training, only one step's
gates are kept. Keras's `initial_state`, dropout and recurrent_dropout are not supported.
"""

from __future__ import annotations

import numpy as np

from .. import activations
from ..kernels import conv_recurrent as compiled
from ..kernels import recurrent as recurrent_kernels
from ..kernels.conv import Conv2DKernel, conv2d_backward
from ..tensor import KerasTensor
from ..variables import as_tensor
from .base import Layer
from .conv import conv_kernel

_NO_MASK = np.zeros((1, 0), bool)


class _ConvLSTM(Layer):
    """What ConvLSTM1D and ConvLSTM2D share; `rank` is the spatial rank of one step."""

    rank = 2
    positional = ("filters", "kernel_size", "strides", "padding")
    supports_masking = True
    takes_mask = True
    kernels = True  # whether the gates may run in kernels/conv_recurrent.py (off: the NumPy steps)

    def compute_mask(self, inputs, masks):
        return masks[0] if self.config["return_sequences"] else None

    def __call__(self, inputs, initial_state=None, training=False, mask=None):
        """Keras's call: on arrays with a `mask` (batch, time) as Keras takes it; `initial_state`
        is refused (the steps start from zeros). In a model the masks come from the layers
        that make them (Masking, Embedding)."""
        if initial_state is not None:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}): VisualNet's ConvLSTM layers start from "
                             "zero states; initial_state is not supported.")
        if mask is None or isinstance(inputs, KerasTensor):
            return super().__call__(inputs, training)
        x = np.asarray(inputs, dtype=np.float32)
        self.build([(None, *x.shape[1:])])
        y = self.forward([x], bool(training), mask=np.asarray(mask, bool))
        return [as_tensor(a) for a in y] if isinstance(y, list) else as_tensor(y)

    def build(self, input_shapes):
        """As Layer.build; unit_forget_bias starts the forget gate's bias at 1 (once, when the
        weights are made)."""
        fresh = not self.built
        super().build(input_shapes)
        if fresh and self.config["use_bias"] and self.config["unit_forget_bias"]:
            f = self.config["filters"]
            self.values["bias"][f:2 * f] = 1.0

    def on_build(self):
        self.act = activations.get(self.config["activation"])
        self.rec_act = activations.get(self.config["recurrent_activation"])
        lift = (1,) * (2 - self.rank)
        self._strides = lift + tuple(self.config["strides"])
        self._input_work = conv_kernel({"dilation_rate": self.config["dilation_rate"], "groups": 1}, self.rank)
        self._recurrent_work = Conv2DKernel()   # its own buffers: the input convolution's stay for backward

    # ------------------------------------------------------------------ layout
    def _kernel2d(self, name: str) -> np.ndarray:
        """A kernel as the 2-D convolutions take it: (kh, kw, in, 4*filters)."""
        k = self.values[name]
        return k if self.rank == 2 else k.reshape(1, *k.shape)

    def _lift(self, x):
        """(batch, time, *spatial, channels) -> (batch, time, rows, cols, channels)."""
        return x if self.rank == 2 else x.reshape(x.shape[0], x.shape[1], 1, *x.shape[2:])

    def _drop(self, a, lead: int):
        """The inverse of `_lift` for an array with `lead` axes before the spatial ones."""
        return a if self.rank == 2 else a.reshape(*a.shape[:lead], *a.shape[lead + 1:])

    def _time_major_mask(self, mask, shape):
        """The mask as (time, batch, rows, cols, 1): a (batch, time) mask for whole steps, or
        as Keras also takes one (Masking on frames) a (batch, time, *spatial) mask of the
        output's spatial size, position by position."""
        n, steps = shape[:2]
        out = self.output_shape[-self.rank - 1:-1]
        if mask.shape == (n, steps):
            return mask.T.reshape(steps, n, 1, 1, 1)
        if mask.shape == (n, steps, *out):
            return np.moveaxis(mask, 1, 0).reshape(steps, n, *((1,) * (2 - self.rank)), *out, 1)
        raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) takes a mask of shape (batch, time) = "
                         f"{(n, steps)} or (batch, time, *output spatial) = {(n, steps, *out)}; it receives "
                         f"{mask.shape}.")

    # ------------------------------------------------------------------ forward
    def forward(self, inputs, training, mask=None):
        cfg = self.config
        kernel = self._kernel2d("kernel")
        dtype = kernel.dtype
        x = self._lift(np.asarray(inputs[0]))
        n, steps, rows, cols, channels = x.shape
        keep = None if mask is None else self._time_major_mask(np.asarray(mask, bool), x.shape)
        if cfg["go_backwards"]:
            x = x[:, ::-1]
            keep = None if keep is None else keep[::-1]
        self._keep, self._training = keep, training
        # the input convolution of every step at once, time-major: step t is rows t*n .. (t+1)*n
        xt = np.ascontiguousarray(x.transpose(1, 0, 2, 3, 4), dtype=dtype).reshape(steps * n, rows, cols, channels)
        bias = self.values["bias"] if cfg["use_bias"] else None
        xw, self._input_ctx = self._input_work.forward(xt, kernel, bias, self._strides, cfg["padding"],
                                                       keep_cols=training)
        xw = xw.reshape(steps, n, *xw.shape[1:])
        f = cfg["filters"]
        state_shape = (n, *xw.shape[2:4], f)
        self._x_shape = x.shape
        h = self._h0 = np.zeros(state_shape, dtype)
        c = self._c0 = np.zeros(state_shape, dtype)
        all_steps = training or cfg["return_sequences"]
        slots = steps if training else 1
        hs = self._hs = np.empty((steps if all_steps else 1, *state_shape), dtype)
        self._cs = np.empty((slots, *state_shape), dtype)
        self._zs = np.empty((slots, *xw.shape[1:]), dtype)   # pre-activations, i f g o
        self._gs = np.empty((slots, *xw.shape[1:]), dtype)   # gates
        self._tcs = np.empty((slots, *state_shape), dtype)   # activation(c)
        self._ctxs = []
        rk = self._kernel2d("recurrent_kernel")
        self._compiled = self._codes(keep, state_shape)
        for t in range(steps):
            s = t if training else 0
            hr, ctx = self._recurrent_work.forward(h, rk, None, (1, 1), "same", keep_cols=training)
            if training:
                self._ctxs.append(ctx)
            h_out, c_out = hs[t if all_steps else 0], self._cs[s]
            if self._compiled is not None:
                act, rec, keep_rows = self._compiled
                compiled.cell_forward(_rows(xw[t]), _rows(hr), _rows(h), _rows(c), keep_rows[t % len(keep_rows)],
                                      keep is not None, act, rec, _rows(self._zs[s]), _rows(self._gs[s]),
                                      _rows(h_out), _rows(c_out), _rows(self._tcs[s]))
            else:
                self._step(xw[t], hr, h, c, None if keep is None else keep[t], s, h_out, c_out)
            h, c = h_out, c_out
        out = np.ascontiguousarray(hs.transpose(1, 0, 2, 3, 4)) if cfg["return_sequences"] else hs[-1].copy()
        out = self._drop(out, 2 if cfg["return_sequences"] else 1)
        if not cfg["return_state"]:
            return out
        return [out, self._drop(h.copy(), 1), self._drop(c.copy(), 1)]

    def _codes(self, keep, state_shape):
        """(activation codes, the mask's kept positions per step) when the gates run compiled
        (kernels/conv_recurrent.py: the activations it computes, `kernels` on), else None."""
        act, rec = recurrent_kernels.activation_code(self.act), recurrent_kernels.activation_code(self.rec_act)
        if not self.kernels or act < 0 or rec < 0:
            return None
        if keep is None:
            return act, rec, _NO_MASK
        rows = np.broadcast_to(keep, (keep.shape[0], *state_shape[:-1], 1))
        return act, rec, np.ascontiguousarray(rows).reshape(keep.shape[0], -1)

    def _step(self, xw, hr, h, c, keep, s, h_out, c_out):
        """One step's gates in NumPy (activations the compiled pass does not compute)."""
        f, act, ra = self.config["filters"], self.act, self.rec_act
        z = self._zs[s]
        np.add(xw, hr, out=z)
        g = self._gs[s]
        g[..., :2 * f] = ra.forward(z[..., :2 * f])
        g[..., 2 * f:3 * f] = act.forward(z[..., 2 * f:3 * f])
        g[..., 3 * f:] = ra.forward(z[..., 3 * f:])
        c_new = g[..., f:2 * f] * c + g[..., :f] * g[..., 2 * f:3 * f]
        tc = self._tcs[s] = act.forward(c_new)
        h_new = g[..., 3 * f:] * tc
        if keep is not None:
            c_new, h_new = np.where(keep, c_new, c), np.where(keep, h_new, h)
        c_out[...] = c_new
        h_out[...] = h_new

    # ------------------------------------------------------------------ backward
    def backward(self, dy, need_dx=True, skip_activation=False):
        if not self._training:
            raise RuntimeError(f"{self.name}: backward needs a forward with training=True")
        cfg = self.config
        hs, cs, zs, gs, tcs = self._hs, self._cs, self._zs, self._gs, self._tcs
        steps, dtype, keep = hs.shape[0], hs.dtype, self._keep
        dys = list(dy) if isinstance(dy, (list, tuple)) else [dy]   # the output's, then h's and c's
        dys += [None] * (3 - len(dys))
        dhs = np.zeros(hs.shape, dtype)
        if dys[0] is not None:
            d = self._lift(np.asarray(dys[0], dtype)) if cfg["return_sequences"] else \
                np.asarray(dys[0], dtype).reshape(hs.shape[1:])
            if cfg["return_sequences"]:
                dhs[...] = d.transpose(1, 0, 2, 3, 4)
            else:
                dhs[-1] = d
        if dys[1] is not None:
            dhs[-1] += np.asarray(dys[1], dtype).reshape(hs.shape[1:])
        dc_next = np.zeros(hs.shape[1:], dtype) if dys[2] is None else \
            np.array(dys[2], dtype=dtype).reshape(hs.shape[1:])
        dh_next = np.zeros(hs.shape[1:], dtype)
        dzs = np.empty(zs.shape, dtype)
        drk = np.zeros(self._kernel2d("recurrent_kernel").shape, dtype)
        carry = np.zeros(hs.shape[1:], dtype)
        for t in range(steps - 1, -1, -1):
            c_prev = cs[t - 1] if t else self._c0
            if self._compiled is not None:
                act, rec, keep_rows = self._compiled
                compiled.cell_backward(_rows(dhs[t]), _rows(dh_next), _rows(zs[t]), _rows(gs[t]), _rows(cs[t]),
                                       _rows(tcs[t]), _rows(c_prev), keep_rows[t % len(keep_rows)],
                                       keep is not None, act, rec, _rows(dc_next), _rows(dzs[t]), _rows(carry))
            else:
                dc_next = self._step_back(t, dhs[t] + dh_next, dc_next, c_prev, dzs[t], carry)
            dh_next, dk, _ = conv2d_backward(dzs[t], self._ctxs[t], need_dx=True)
            drk += dk
            if keep is not None:
                dh_next += carry
        self.grads["recurrent_kernel"][...] = drk.reshape(self.grads["recurrent_kernel"].shape)
        dx, dkernel, dbias = conv2d_backward(dzs.reshape(steps * dzs.shape[1], *dzs.shape[2:]), self._input_ctx,
                                             need_dx=need_dx)
        self.grads["kernel"][...] = dkernel.reshape(self.grads["kernel"].shape)
        if cfg["use_bias"]:
            self.grads["bias"][...] = dbias
        if not need_dx:
            return [None]
        dx = dx.reshape(steps, self._x_shape[0], *self._x_shape[2:]).transpose(1, 0, 2, 3, 4)
        if cfg["go_backwards"]:
            dx = dx[:, ::-1]
        return [self._drop(np.ascontiguousarray(dx), 2)]


    def _step_back(self, t, dh, dc_next, c_prev, dz, carry):
        """One step of backward in NumPy: fills dz, returns the previous cell state's gradient
        (and in `carry` the state h's gradient that masked positions pass on)."""
        f, act, ra, keep = self.config["filters"], self.act, self.rec_act, self._keep
        z, g, c, tc = self._zs[t], self._gs[t], self._cs[t], self._tcs[t]
        i, fg, gg, o = g[..., :f], g[..., f:2 * f], g[..., 2 * f:3 * f], g[..., 3 * f:]
        carry_c = 0
        if keep is not None:   # a masked position passes both states' gradients to the step before
            carry[...], dh = np.where(keep[t], 0, dh), np.where(keep[t], dh, 0)
            carry_c, dc_next = np.where(keep[t], 0, dc_next), np.where(keep[t], dc_next, 0)
        dc = dc_next + act.backward(c, tc, dh * o)
        dz[..., :f] = ra.backward(z[..., :f], i, dc * gg)
        dz[..., f:2 * f] = ra.backward(z[..., f:2 * f], fg, dc * c_prev)
        dz[..., 2 * f:3 * f] = act.backward(z[..., 2 * f:3 * f], gg, dc * i)
        dz[..., 3 * f:] = ra.backward(z[..., 3 * f:], o, dh * tc)
        return dc * fg + carry_c


def _rows(a):
    """A step's array (batch, rows, cols, channels) as (positions, channels), without copying."""
    return a.reshape(-1, a.shape[-1])


class ConvLSTM1D(_ConvLSTM):
    layer_type = "ConvLSTM1D"
    rank = 1


class ConvLSTM2D(_ConvLSTM):
    layer_type = "ConvLSTM2D"
    rank = 2
