"""Embedding, SimpleRNN, LSTM and GRU (Keras 3's maths, weight layout and gate order).

The recurrent layers project every step's input at once (one (batch*steps, features) x
(features, k*units) product), then run the steps with one (batch, units) x (units, k*units)
product each; backward is backpropagation through time, the same products transposed.
Everything stays in the weights' dtype (float32; float64 in the gradient tests).

`dropout` is Keras's: while training, one mask per sequence of the batch, (batch, features),
drops the same input features at every step (scaled by 1 / (1 - rate)).
`go_backwards` reads the sequence from its end; as in Keras, the outputs come in the order
they are computed (with return_sequences, the first output belongs to the last step).

States: the steps start from zeros, or from the initial states wired after the sequence
(Keras's `layer(x, initial_state=[h, c])`), each (batch, units); with return_state the layer
has several outputs, [output, h(, c)], the final states (the last kept ones under a mask).
Backward takes a list of the outputs' gradients (None: no gradient) and returns the initial
states' gradients after the sequence's.

Masks (Keras 3's): at a masked step the state (h, and LSTM's c) stays the previous one and
so does the output, or the output is zero with `zero_output_for_mask`; backward carries the
state's gradient through masked steps unchanged. The mask passes on with return_sequences.

The steps and their backward run in one compiled, GIL-free call each (kernels/recurrent.py)
where the activations are ones it computes (linear, tanh, sigmoid, plain relu, hard_sigmoid);
otherwise, or with `_Recurrent.kernels` off, in the NumPy loops below, storing the same arrays.
Not training (predict, evaluate), the steps run in the fused forward-only kernels instead
(recurrent_inference.py: nothing stored, rows over the cores); with those switched off, a
compiled forward stores one step's gates and states, not every step's (see `_compile`).
The products over all steps run in gemm's register tiles where they apply.
LSTM's training forward and backward run instead in batch-major row blocks over the cores,
each step's products fused in (recurrent_training.py; `ROWS` off: the path above). GRU
lives in recurrent_gru.py.
"""

from __future__ import annotations

import numpy as np

from .. import activations
from ..kernels import gemm
from ..kernels import recurrent as compiled
from ..rng import global_rng
from ...graph import ShapeError
from .base import Layer
from . import recurrent_training as training_rows
from .recurrent_inference import forward_only, note_embedding

_NO_MASK = np.zeros((0, 0), bool)


def _matmul(a, b, out=None):
    """out = a @ b (2-D; a may be a transpose) in gemm's register tiles where they apply, else
    NumPy's: the products over all steps at once (OpenBLAS is slow on a transposed, long a)."""
    if out is None:
        out = np.empty((a.shape[0], b.shape[1]), np.result_type(a, b))
    return gemm.matmul_2d(a, np.ascontiguousarray(b), out)


class Embedding(Layer):
    """Row `id` of the table for each id. Inputs arrive as floats holding integer ids (the
    engine feeds float32); they are truncated to integers as Keras casts them, and ids
    outside 0..input_dim-1 raise ValueError naming the sample, the position and the id.
    No gradient flows to the ids (zeros when one is asked for)."""

    layer_type = "Embedding"
    positional = ("input_dim", "output_dim", "embeddings_initializer")  # Keras's 4th is a regularizer

    # Keras's short names for the table's initializer; the registry keeps the class's name
    _INIT_SPELLINGS = {"uniform": "random_uniform", "normal": "random_normal"}

    def __init__(self, *args, **kwargs):
        if len(args) < 3 and isinstance(kwargs.get("embeddings_initializer"), str):
            init = kwargs["embeddings_initializer"]
            kwargs["embeddings_initializer"] = self._INIT_SPELLINGS.get(init, init)
        elif len(args) >= 3 and isinstance(args[2], str):
            args = (*args[:2], self._INIT_SPELLINGS.get(args[2], args[2]), *args[3:])
        kwargs.pop("input_length", None)  # Keras 2's; Keras 3 drops it too (with a warning)
        super().__init__(*args, **kwargs)

    supports_masking = True

    @property
    def makes_mask(self) -> bool:
        return self.config["mask_zero"]

    def build(self, input_shapes) -> None:
        """As Keras's, ids of any shape once built (`Embedding(...)(inputs[:, 0])` on a batch
        after a first call on fewer rows): the table does not depend on it (issue 23)."""
        if self.input_shapes is None:
            super().build(input_shapes)
            return
        shapes = [tuple(s) for s in ([input_shapes] if input_shapes and not isinstance(input_shapes[0], (list, tuple))
                                     else input_shapes)]
        if shapes != self.input_shapes:   # `build((1,))` before a call on (None, 20): the call's shape counts
            self.output_shape = self.spec.output_shape(self.config, shapes)
            self.input_shapes = shapes

    def compute_mask(self, inputs, masks):
        """With mask_zero, id 0 is padding: the mask is False there."""
        return np.asarray(inputs[0]) != 0 if self.config["mask_zero"] else None

    def _ids(self, x: np.ndarray) -> np.ndarray:
        n = self.config["input_dim"]
        bad = ~np.isfinite(x) | (x <= -1) | (x >= n)  # truncation maps (-1, 0) to 0, as a cast does
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            value = x[where]
            shown = int(value) if np.isfinite(value) and float(value).is_integer() else value
            position = where[1] if len(where) == 2 else where[1:]
            raise ValueError(f"Embedding '{self.name}': sample {where[0]}, position {position} holds id {shown}, "
                             f"outside 0..{n - 1} (input_dim={n}).")
        return x.astype(np.int64)

    def forward(self, inputs, training):
        ids = self._ids(np.asarray(inputs[0]))
        self._shape_in = ids.shape
        self._flat = ids.reshape(-1)
        table = self.values["embeddings"]
        y = table[ids]
        if not training:  # a recurrent layer reading y may read the projected table instead
            note_embedding(table, ids, y)
        return y

    def backward(self, dy, need_dx=True, skip_activation=False):
        grad = self.grads["embeddings"]
        compiled.embedding_grad(self._flat, np.ascontiguousarray(dy, grad.dtype).reshape(-1, grad.shape[1]), grad)
        if not need_dx:
            return [None]
        return [np.zeros(self._shape_in, dy.dtype)]


class _Recurrent(Layer):
    """What SimpleRNN, LSTM and GRU share: the input projection, dropout, go_backwards,
    return_sequences and the kernels' gradients. Subclasses run the steps (`_steps`) and
    their backward (`_bptt`, giving the pre-activations' gradients) on xw = x · kernel (+ the
    input bias), kept time-major: (steps, batch, k*units)."""

    gates = 1
    positional = ("units",)
    supports_masking = True
    takes_mask = True
    kernels = True  # whether the steps may run in kernels/recurrent.py (off: the NumPy loops)
    _rows = None  # what the training row kernels stored (recurrent_training.py), or None
    splits_rows_predicting = True  # predict's loop runs in layer_parallel: see recurrent_inference.py

    def compute_mask(self, inputs, masks):
        return masks[0] if self.config["return_sequences"] else None

    states = 1  # how many states (h; LSTM: h and c)

    def __call__(self, inputs, initial_state=None, training=False, mask=None):
        """Keras's call: `initial_state` (a tensor or a list, one per state) becomes the
        inputs after the sequence."""
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            if len(states) != self.states:
                raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) takes {self.states} initial state "
                                 f"tensor(s); received initial_state with {len(states)}.")
            items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
            inputs = [*items, *states]
        return super().__call__(inputs, training)

    def build(self, input_shapes):
        """As Layer.build; a built layer takes its sequence with or without initial states."""
        if self.built and input_shapes and isinstance(input_shapes[0], (list, tuple)) \
                and tuple(input_shapes[0])[1:] == tuple(self.input_shapes[0])[1:]:
            try:
                self.spec.output_shapes(self.config, [tuple(s) for s in input_shapes])
            except ShapeError as exc:
                raise ValueError(f"Layer '{self.name}' ({type(self).__name__}): {exc}") from None
            return
        super().build(input_shapes)

    def on_build(self):
        self.act = activations.get(self.config["activation"])
        self.rec_act = activations.get(self.config.get("recurrent_activation"))

    def _input_bias(self):
        return self.values["bias"] if self.config["use_bias"] else None

    def forward(self, inputs, training, mask=None):
        x = inputs[0]
        n, steps, features = x.shape
        kernel = self.values["kernel"]
        dtype = kernel.dtype
        u = self.config["units"]
        self._given_states = len(inputs) > 1
        given = inputs[1:] or [np.zeros((n, u), dtype)] * self.states
        self._h0 = np.ascontiguousarray(given[0], dtype=dtype)
        self._c0 = np.ascontiguousarray(given[-1], dtype=dtype)  # LSTM's; h0 for the others
        if not training:  # predict, evaluate: the fused forward-only kernels, rows over the cores
            out = forward_only(self, x, mask, [self._h0, self._c0][:self.states])
            if out is not None:
                return out
        rate = self.config["dropout"]
        self._mask = None
        if training and rate > 0:
            keep = 1.0 - rate
            self._mask = (global_rng().random((n, features), dtype=np.float32) < keep).astype(dtype) \
                * dtype.type(1 / keep)
            x = x * self._mask[:, None, :]
        self._rows = None
        if training and training_rows.applies(self):  # batch-major row blocks over the cores
            return training_rows.forward(self, x, mask)
        # the mask, time-major (steps, batch, 1), in the order the steps run; None without one
        self._keep = None if mask is None else np.ascontiguousarray(mask.T[:, :, None], dtype=bool)
        if self.config["go_backwards"]:
            x = x[:, ::-1]
            if self._keep is not None:
                self._keep = self._keep[::-1]
        # time-major inside (steps, batch, ...): each step's slice is contiguous for the products
        x2 = self._x2 = np.ascontiguousarray(x.transpose(1, 0, 2), dtype=dtype).reshape(steps * n, features)
        xw = _matmul(x2, kernel).reshape(steps, n, -1)
        bias = self._input_bias()
        if bias is not None:
            xw += bias
        hs = self._steps(xw, training)  # (steps, n, units): the states (1 step: see `_compile`)
        states = self._final_states() if self.config["return_state"] else None
        if self._zero_output():
            hs = np.where(self._keep, hs, dtype.type(0))
        out = np.ascontiguousarray(hs.transpose(1, 0, 2)) if self.config["return_sequences"] else hs[-1]
        return out if states is None else [out, *states]

    def _final_states(self) -> list:
        """The states after the last step (copies): h, and LSTM's c."""
        return [self._hs[-1].copy()]

    def _compile(self, xw, training) -> bool:
        """Decide (in forward) whether this pass's steps and backward run compiled; if so keep
        their arguments: activation codes, the time-major mask, whether the tiles apply.
        `_slots`: the steps the stored arrays hold, and the outputs; compiled and not
        training, one (each step overwrites the last; outputs all with return_sequences),
        and backward then refuses to run."""
        steps = xw.shape[0]
        act = compiled.activation_code(self.act)
        rec = compiled.activation_code(self.rec_act)
        if not self.kernels or act < 0 or rec < 0:
            self._kargs, self._slots, self._backward_ready = None, (steps, steps), True
            return False
        self._slots = (steps if training else 1, steps if training or self.config["return_sequences"] else 1)
        self._backward_ready = training
        keep = _NO_MASK if self._keep is None else np.ascontiguousarray(self._keep[..., 0])
        units = xw.shape[2] // self.gates
        self._kargs = (act, rec, keep, self._keep is not None, compiled.tiles_apply(xw.dtype, units))
        return True

    def _zero_output(self) -> bool:
        return self._keep is not None and self.config["zero_output_for_mask"]

    def backward(self, dy, need_dx=True, skip_activation=False):
        if not self._backward_ready:
            raise RuntimeError(f"{self.name}: backward needs a forward with training=True")
        dys = list(dy) if isinstance(dy, (list, tuple)) else [dy]  # the output's, then the final states'
        dys += [None] * (1 + self.states - len(dys))
        if self._rows is not None:
            dx = training_rows.backward(self, dys, need_dx)
            return self._input_grads(dx, need_dx, reversed_=False)
        steps, n, units = self._hs.shape
        dtype = self._hs.dtype
        dhs = np.zeros((steps, n, units), dtype)
        if dys[0] is not None:
            if self.config["return_sequences"]:
                dhs[...] = dys[0].transpose(1, 0, 2)
            else:
                dhs[-1] = dys[0]
            if self._zero_output():
                dhs[~self._keep[..., 0]] = 0
        if dys[1] is not None:
            dhs[-1] += dys[1]
        # on entry the last cell state's gradient (LSTM's return_state); after _bptt the initial one's
        self._dc = np.zeros((n, units), dtype) if dys[-1] is None or self.states == 1 else \
            np.array(dys[-1], dtype=dtype)
        self._dh0 = np.zeros((n, units), dtype)
        dxw = self._bptt(dhs)  # (steps, n, k*units)
        dxw2 = dxw.reshape(steps * n, -1)
        # the recurrent kernel's gradient: every step's product at once, h_(t-1) against dz_t
        h_prev = np.empty_like(self._hs)
        h_prev[0] = self._h0
        h_prev[1:] = self._hs[:-1]
        self._recurrent_grad(h_prev.reshape(steps * n, units), dxw2)
        _matmul(self._x2.T, dxw2, self.grads["kernel"])
        if self.config["use_bias"]:
            self._input_bias_grad()[...] = dxw2.sum(axis=0)
        if not need_dx:
            return [None]
        dx = _matmul(dxw2, self.values["kernel"].T).reshape(steps, n, -1).transpose(1, 0, 2)
        return self._input_grads(dx, need_dx, reversed_=self.config["go_backwards"])

    def _input_grads(self, dx, need_dx, reversed_):
        """backward's result from the input's gradient dx (batch-major; in the steps' order
        if `reversed_`): dropout's mask applied, then the initial states' gradients."""
        if not need_dx:
            return [None]
        if self._mask is not None:
            dx = dx * self._mask[:, None, :]
        if reversed_:
            dx = dx[:, ::-1]
        if not self._given_states:
            return [np.ascontiguousarray(dx)]
        return [np.ascontiguousarray(dx), self._dh0, *([self._dc] if self.states == 2 else [])]

    def _recurrent_grad(self, h_prev, dz):
        """recurrent_kernel's gradient from h_(t-1) and the pre-activations' gradients, all steps."""
        _matmul(h_prev.T, dz, self.grads["recurrent_kernel"])

    def _input_bias_grad(self):
        return self.grads["bias"]

    def _steps(self, xw, training):
        raise NotImplementedError

    def _bptt(self, dhs):
        raise NotImplementedError


class SimpleRNN(_Recurrent):
    """h_t = activation(x_t · kernel + h_(t-1) · recurrent_kernel + bias)."""

    layer_type = "SimpleRNN"

    def _steps(self, xw, training):
        steps, n, u = xw.shape
        rk = self.values["recurrent_kernel"]
        fast = self._compile(xw, training)
        self._z = np.empty((self._slots[0], n, u), xw.dtype)
        hs = self._hs = np.empty((self._slots[1], n, u), xw.dtype)
        if fast:
            act, _, keep, masked, tiles = self._kargs
            compiled.simple_forward(xw, np.ascontiguousarray(rk), self._h0, keep, masked, act, tiles, self._z, hs)
            return hs
        h = self._h0
        keep = self._keep
        for t in range(steps):
            z = self._z[t] = xw[t] + h @ rk
            h_new = self.act.forward(z)
            h = hs[t] = h_new if keep is None else np.where(keep[t], h_new, h)
        return hs

    def _bptt(self, dhs):
        steps, n, u = self._hs.shape
        rk = self.values["recurrent_kernel"]
        dxw = np.empty_like(self._z)
        if self._kargs is not None:
            act, _, keep, masked, tiles = self._kargs
            compiled.simple_backward(self._z, self._hs, dhs, keep, masked, act, np.ascontiguousarray(rk.T), tiles,
                                     dxw, self._dh0)
            return dxw
        dh_next = np.zeros((n, u), self._hs.dtype)
        keep = self._keep
        for t in range(steps - 1, -1, -1):
            dh = dhs[t] + dh_next
            if keep is not None:   # a masked step passes the state's gradient to the step before
                carry, dh = np.where(keep[t], 0, dh), np.where(keep[t], dh, 0)
            dz = dxw[t] = self.act.backward(self._z[t], self._hs[t], dh)
            dh_next = dz @ rk.T
            if keep is not None:
                dh_next += carry
        self._dh0[...] = dh_next
        return dxw


class LSTM(_Recurrent):
    """Keras's LSTM: gates i, f, c, o; c_t = f c_(t-1) + i activation(z_c);
    h_t = o activation(c_t). unit_forget_bias starts the forget gate's bias at 1."""

    layer_type = "LSTM"
    gates = 4
    states = 2

    def _final_states(self):
        return [self._hs[-1].copy(), self._cs[-1].copy()]

    def build(self, input_shapes):
        fresh = not self.built
        super().build(input_shapes)
        if fresh and self.config["use_bias"] and self.config["unit_forget_bias"]:
            u = self.config["units"]
            self.values["bias"][u:2 * u] = 1.0

    def _steps(self, xw, training):
        steps, n, k = xw.shape
        u = k // 4
        rk = self.values["recurrent_kernel"]
        dtype = xw.dtype
        fast = self._compile(xw, training)
        slots = self._slots[0]
        self._zs = np.empty((slots, n, k), dtype)          # pre-activations
        self._gs = np.empty((slots, n, k), dtype)          # i, f, g, o
        self._cs = np.empty((slots, n, u), dtype)
        self._tcs = np.empty((slots, n, u), dtype)  # activation(c)
        hs = self._hs = np.empty((self._slots[1], n, u), dtype)
        if fast:
            act, rec, keep, masked, tiles = self._kargs
            compiled.lstm_forward(xw, np.ascontiguousarray(rk), self._h0, self._c0, keep, masked, act, rec, tiles,
                                  self._zs, self._gs,
                                  self._cs, self._tcs, hs)
            return hs
        h, c = self._h0, self._c0
        ra, act = self.rec_act, self.act
        keep = self._keep
        for t in range(steps):
            z = self._zs[t] = xw[t] + h @ rk
            g = self._gs[t]
            g[:, :2 * u] = ra.forward(z[:, :2 * u])
            g[:, 2 * u:3 * u] = act.forward(z[:, 2 * u:3 * u])
            g[:, 3 * u:] = ra.forward(z[:, 3 * u:])
            c_new = g[:, u:2 * u] * c + g[:, :u] * g[:, 2 * u:3 * u]
            tc = self._tcs[t] = act.forward(c_new)
            if keep is None:
                c = self._cs[t] = c_new
                h = hs[t] = g[:, 3 * u:] * tc
            else:
                c = self._cs[t] = np.where(keep[t], c_new, c)
                h = hs[t] = np.where(keep[t], g[:, 3 * u:] * tc, h)
        return hs

    def _bptt(self, dhs):
        steps, n, u = self._hs.shape
        rk = self.values["recurrent_kernel"]
        ra, act = self.rec_act, self.act
        dxw = np.empty_like(self._zs)
        if self._kargs is not None:
            act, rec, keep, masked, tiles = self._kargs
            compiled.lstm_backward(self._zs, self._gs, self._cs, self._tcs, self._c0, dhs, keep, masked, act, rec,
                                   np.ascontiguousarray(rk.T), tiles, dxw, self._dh0, self._dc)
            return dxw
        dh_next = np.zeros((n, u), self._hs.dtype)
        dc_next = self._dc.copy()
        keep = self._keep
        for t in range(steps - 1, -1, -1):
            z, g = self._zs[t], self._gs[t]
            i, f, gg, o = g[:, :u], g[:, u:2 * u], g[:, 2 * u:3 * u], g[:, 3 * u:]
            c, tc = self._cs[t], self._tcs[t]
            c_prev = self._cs[t - 1] if t else self._c0
            dh = dhs[t] + dh_next
            if keep is not None:   # a masked step passes both states' gradients to the step before
                carry_h, dh = np.where(keep[t], 0, dh), np.where(keep[t], dh, 0)
                carry_c, dc_next = np.where(keep[t], 0, dc_next), np.where(keep[t], dc_next, 0)
            dc = dc_next + act.backward(c, tc, dh * o)
            dz = dxw[t]
            dz[:, :u] = ra.backward(z[:, :u], i, dc * gg)
            dz[:, u:2 * u] = ra.backward(z[:, u:2 * u], f, dc * c_prev)
            dz[:, 2 * u:3 * u] = act.backward(z[:, 2 * u:3 * u], gg, dc * i)
            dz[:, 3 * u:] = ra.backward(z[:, 3 * u:], o, dh * tc)
            dc_next = dc * f
            dh_next = dz @ rk.T
            if keep is not None:
                dc_next += carry_c
                dh_next += carry_h
        self._dh0[...] = dh_next
        self._dc[...] = dc_next
        return dxw


from .recurrent_gru import GRU  # noqa: E402,F401  (GRU builds on _Recurrent, above)
