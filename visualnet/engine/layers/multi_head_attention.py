"""MultiHeadAttention (Keras 3's) on (batch, steps, features) sequences: query, value and
an optional key (the value when not given), each projected per head, scaled dot-product
attention over the steps, the heads projected back to `output_shape` (the query's features).
Inputs of higher rank attend over `attention_axes`, laid out as sequences (see the class).

The maths follow keras/src/layers/attention/multi_head_attention.py: the projected query is
scaled by 1/sqrt(key_dim); hidden scores become -1e9 before the softmax; with `dropout` > 0
Keras computes the softmax itself, zeroes the hidden weights and drops weights while
training (and when returning the scores); otherwise it calls the backend's dot-product
attention, which keeps a row whose every step is hidden (a masked query step) as a uniform
average. Both are kept.
The mask combines the query's, value's and key's masks (Embedding's mask_zero), the causal
mask and, in an eager call, `attention_mask`; the query's mask is passed on. Masks and the
causal mask are taken on 3-D inputs only."""

from __future__ import annotations

import math

import numpy as np

from ..rng import global_rng
from ..tensor import KerasTensor
from ..variables import as_tensor
from .base import Layer

_HIDDEN = -1e9  # the score of a hidden step (Keras's Softmax and dot_product_attention)


def _as_shape(value):
    return (value,) if isinstance(value, int) and not isinstance(value, bool) else value


class MultiHeadAttention(Layer):
    """Keras's MultiHeadAttention. Inputs of rank > 3 (batch, d1, ..., features) attend over
    `attention_axes` (None: all inner axes), the other inner axes acting as batch axes: they
    are laid out as (batch x free axes, attended positions, features) sequences."""

    layer_type = "MultiHeadAttention"
    supports_masking = True
    takes_mask = True
    takes_all_masks = True  # the executor passes every input's mask: [query, value, key]
    # an eager call's extras (see __call__)
    _call_masks = None
    _attention_mask = None
    _scores_wanted = False

    def __init__(self, *args, **kwargs):
        for key in ("output_shape", "attention_axes"):  # Keras takes an int for a 1-tuple
            if key in kwargs:
                kwargs[key] = _as_shape(kwargs[key])
        super().__init__(*args, **kwargs)
        if self.config["value_dim"] is None:  # Keras stores value_dim=key_dim when not given
            self.config["value_dim"] = self.config["key_dim"]

    def on_build(self):
        seed = self.config["seed"]
        self._rng = None if seed is None else np.random.default_rng(seed)
        if self.config["attention_axes"] is None:  # Keras's build resolves None to every inner axis
            self.config["attention_axes"] = tuple(range(1, len(self.input_shapes[0]) - 1))

    # ------------------------------------------------------------------ calling
    def __call__(self, query, value=None, key=None, query_mask=None, value_mask=None, key_mask=None,
                 attention_mask=None, return_attention_scores=False, training=None, use_causal_mask=None):
        """Keras's call: `layer(query, value, key=None, ...)`; a list [query, value(, key)]
        is taken too. `use_causal_mask` sets the parameter; `value_mask`, `key_mask`,
        `attention_mask` and `return_attention_scores` apply to an eager call (on arrays)."""
        if isinstance(query, (list, tuple)):
            if value is not None:
                raise TypeError("MultiHeadAttention takes either a list [query, value(, key)] or separate "
                                "query, value(, key) arguments, not both.")
            items = list(query)
        else:
            if value is None:
                raise TypeError("MultiHeadAttention needs a value: call it as layer(query, value) "
                                "(the same tensor twice for self-attention).")
            items = [query, value] + ([] if key is None else [key])
        if use_causal_mask is not None:
            self.config["use_causal_mask"] = bool(use_causal_mask)
        # Keras 3 reads the query's mask from the tensor only (a model's mask): its query_mask
        # argument is overwritten, so an eager call ignores it here too
        masks = [None, value_mask, key_mask][:len(items)]
        extra = attention_mask is not None or return_attention_scores or any(m is not None for m in masks)
        if extra and any(isinstance(t, KerasTensor) for t in items):
            if attention_mask is not None or any(m is not None for m in masks):
                raise ValueError("MultiHeadAttention in a model takes its masks from the layers that make them "
                                 "(Embedding's mask_zero, Masking); attention_mask and explicit masks apply to "
                                 "eager calls only.")
            out = super().__call__(items, bool(training))
            return out, KerasTensor(self._scores_shape([t.shape for t in items]), _Scores(self), [])
        if not extra:
            return super().__call__(items, bool(training))
        self._call_masks = masks if any(m is not None for m in masks) else None
        self._attention_mask = None if attention_mask is None else np.asarray(attention_mask, bool)
        self._scores_wanted = bool(return_attention_scores)
        try:
            y = super().__call__(items, bool(training))
        finally:
            self._call_masks, self._attention_mask, self._scores_wanted = None, None, False
        if return_attention_scores:
            return y, as_tensor(self._scores_out())
        return y

    # ------------------------------------------------------------------ maths
    def _heads(self, x, kernel, bias, cols):
        """x (B, L, D) through a (D, N, cols) kernel: (B, N, L, cols)."""
        b, steps, _ = x.shape
        n = self.config["num_heads"]
        y = x.reshape(b * steps, -1) @ kernel.reshape(kernel.shape[0], -1).astype(x.dtype, copy=False)
        if bias is not None:
            y += bias.reshape(-1).astype(x.dtype, copy=False)
        return y.reshape(b, steps, n, cols).transpose(0, 2, 1, 3)

    def _visible(self, tq, ts, masks):
        """(B or 1, Tq, S) booleans of the steps each query step may see, or None for all."""
        q_mask, v_mask, k_mask = (list(masks or []) + [None, None, None])[:3]
        vis = None

        def both(a, b):
            return b if a is None else a & b

        if q_mask is not None:
            vis = both(vis, np.asarray(q_mask, bool)[:, :, None])
        if v_mask is not None:
            vis = both(vis, np.asarray(v_mask, bool)[:, None, :])
        if k_mask is not None:
            vis = both(vis, np.asarray(k_mask, bool)[:, None, :])
        if self.config["use_causal_mask"]:
            vis = both(vis, np.tril(np.ones((tq, ts), bool))[None])
        if self._attention_mask is not None:
            am = self._attention_mask
            vis = am if vis is None else am & vis
        if vis is not None and vis.ndim == 3:
            vis = vis[:, None]  # one mask for every head
        return vis

    # ------------------------------------------------------------------ other ranks
    def _layout(self, shape):
        """(free axes, attention axes) of an input of `shape` (batch first, features last)."""
        axes = tuple(self.config["attention_axes"] or range(1, len(shape) - 1))
        return tuple(a for a in range(1, len(shape) - 1) if a not in axes), axes

    def _to_sequences(self, x):
        """x (B, d1, ..., F) as (B * free sizes, attended sizes, F) sequences."""
        free, axes = self._layout(x.shape)
        x = x.transpose(0, *free, *axes, x.ndim - 1)
        return x.reshape(-1, math.prod(x.shape[1 + len(free):-1]), x.shape[-1])

    def _from_sequences(self, y, like, tail):
        """The inverse of `_to_sequences` for an array shaped like `like` up to its features,
        which `tail` (the output's or the input's feature axes) replaces."""
        free, axes = self._layout(like.shape)
        y = y.reshape(like.shape[0], *(like.shape[a] for a in (*free, *axes)), *tail)
        order = (0, *free, *axes)
        back = [order.index(i) for i in range(len(order))]
        return y.transpose(*back, *range(len(order), y.ndim))

    def _scores_out(self):
        p = self._p
        if self._shapes is None:
            return p.copy()
        (qs, vs), (free, axes) = self._shapes, self._layout(self._shapes[0])
        shape = (qs[0], *(qs[a] for a in free), p.shape[1], *(qs[a] for a in axes), *(vs[a] for a in axes))
        return p.reshape(shape).copy()  # Keras's (batch, free axes, heads, query's, key's attended axes)

    _shapes = None  # the query's and value's shapes when they are not 3-D

    def _scores_shape(self, shapes):
        """The shape of the attention scores for input `shapes` (batch None)."""
        q, v = shapes[0], shapes[1]
        free, axes = self._layout(q)
        return (None, *(q[a] for a in free), self.config["num_heads"], *(q[a] for a in axes), *(v[a] for a in axes))

    def forward(self, inputs, training, mask=None):
        mask = mask if mask is not None else self._call_masks
        if inputs[0].ndim == 3:
            self._shapes = None
            return self._forward3(inputs, training, mask)
        if mask is not None and any(m is not None for m in mask) or self._attention_mask is not None \
                or self.config["use_causal_mask"]:
            raise ValueError(f"Layer '{self.name}': masks and use_causal_mask need 3-D inputs (batch, steps, "
                             f"features); the query is {inputs[0].shape}.")
        self._shapes = (inputs[0].shape, inputs[1].shape)
        self._like = inputs
        y = self._forward3([self._to_sequences(x) for x in inputs], training, None)
        return self._from_sequences(y, inputs[0], y.shape[2:])

    def backward(self, dy, need_dx=True, skip_activation=False):
        if self._shapes is None:
            return self._backward3(dy, need_dx)
        q = self._like[0]
        free, axes = self._layout(q.shape)
        out_axes = dy.ndim - (q.ndim - 1)  # the output's feature axes
        dy = dy.transpose(0, *free, *axes, *range(q.ndim - 1, dy.ndim))
        dy = dy.reshape(-1, math.prod(q.shape[a] for a in axes), *dy.shape[dy.ndim - out_axes:])
        dxs = self._backward3(dy, need_dx)
        return [None if d is None else self._from_sequences(d, x, x.shape[-1:]) for d, x in zip(dxs, self._like)]

    def _forward3(self, inputs, training, mask):
        c, w = self.config, self.values
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        n, h, hv = c["num_heads"], c["key_dim"], c["value_dim"]
        bias = c["use_bias"]
        self._x = (q, v, k)
        self._nk = len(inputs)
        scale = 1.0 / math.sqrt(float(h))
        qh = self._heads(q, w["query/kernel"], w["query/bias"] if bias else None, h) * q.dtype.type(scale)
        kh = self._heads(k, w["key/kernel"], w["key/bias"] if bias else None, h)
        vh = self._heads(v, w["value/kernel"], w["value/bias"] if bias else None, hv)
        s = np.matmul(qh, kh.transpose(0, 1, 3, 2),                                # (B, N, T, S)
                      out=self._buffer("scores", (q.shape[0], n, q.shape[1], v.shape[1]), qh.dtype))
        vis = self._visible(q.shape[1], v.shape[1], mask)
        hidden = None if vis is None else np.broadcast_to(~vis, s.shape)
        if hidden is not None:
            np.copyto(s, s.dtype.type(_HIDDEN), where=hidden)
        s -= s.max(-1, keepdims=True)
        p = np.exp(s, out=s)
        p /= p.sum(-1, keepdims=True)
        # Keras's own softmax (with dropout, or returning the scores) zeroes hidden weights
        zero_hidden = hidden is not None and (c["dropout"] > 0 or self._scores_wanted)
        if zero_hidden:
            np.copyto(p, 0, where=hidden)
        self._p, self._hidden, self._zero_hidden = p, hidden, zero_hidden
        self._drop = None
        pd = p
        if training and c["dropout"] > 0:
            keep = (self._rng or global_rng()).random(p.shape, dtype=np.float32) >= c["dropout"]
            self._drop = keep.astype(p.dtype)
            self._drop *= p.dtype.type(1.0 / (1.0 - c["dropout"]))
            pd = p * self._drop
        self._pd = pd
        o = pd @ vh                                                               # (B, N, T, Hv)
        o = o.transpose(0, 2, 1, 3).reshape(q.shape[0] * q.shape[1], n * hv)
        self._qh, self._kh, self._vh, self._o = qh, kh, vh, o
        wo = w["attention_output/kernel"]
        y = o @ wo.reshape(n * hv, -1).astype(o.dtype, copy=False)
        if bias:
            y += w["attention_output/bias"].reshape(-1).astype(o.dtype, copy=False)
        return y.reshape(q.shape[0], q.shape[1], *wo.shape[2:])

    def _project_back(self, x, d, kernel_name, bias_name, need_dx):
        """Gradients of one input projection from d (B, N, L, cols): weights into grads, returns
        dx (None when not `need_dx`)."""
        b, n, steps, cols = d.shape
        d2 = d.transpose(0, 2, 1, 3).reshape(b * steps, n * cols)
        kernel = self.values[kernel_name]
        self.grads[kernel_name][...] = (x.reshape(b * steps, -1).T @ d2).reshape(kernel.shape)
        if self.config["use_bias"]:
            self.grads[bias_name][...] = d2.sum(0).reshape(self.grads[bias_name].shape)
        if not need_dx:
            return None
        return (d2 @ kernel.reshape(kernel.shape[0], -1).astype(d2.dtype, copy=False).T).reshape(x.shape)

    def _backward3(self, dy, need_dx):
        c, w = self.config, self.values
        q, v, k = self._x
        n, h, hv = c["num_heads"], c["key_dim"], c["value_dim"]
        b, t = q.shape[0], q.shape[1]
        dy2 = dy.reshape(b * t, -1)
        wo = w["attention_output/kernel"]
        self.grads["attention_output/kernel"][...] = (self._o.T @ dy2).reshape(wo.shape)
        if c["use_bias"]:
            self.grads["attention_output/bias"][...] = dy2.sum(0).reshape(wo.shape[2:])
        do = (dy2 @ wo.reshape(n * hv, -1).astype(dy2.dtype, copy=False).T).reshape(b, t, n, hv)
        do = do.transpose(0, 2, 1, 3)                                             # (B, N, T, Hv)
        dvh = self._pd.transpose(0, 1, 3, 2) @ do
        dp = np.matmul(do, self._vh.transpose(0, 1, 3, 2), out=self._buffer("d_scores", self._p.shape, do.dtype))
        if self._drop is not None:
            dp *= self._drop
        if self._zero_hidden:
            np.copyto(dp, 0, where=self._hidden)
        p = self._p
        dp -= np.einsum("...j,...j->...", dp, p)[..., None]  # each row's dot product, without a temporary
        ds = dp
        ds *= p                                                                   # the softmax's gradient
        if self._hidden is not None:
            np.copyto(ds, 0, where=self._hidden)
        ds = ds.astype(dy.dtype, copy=False)
        dqh = (ds @ self._kh) * dy.dtype.type(1.0 / math.sqrt(float(h)))
        dkh = ds.transpose(0, 1, 3, 2) @ self._qh
        dq = self._project_back(q, dqh, "query/kernel", "query/bias", need_dx)
        dk = self._project_back(k, dkh, "key/kernel", "key/bias", need_dx)
        dv = self._project_back(v, dvh.astype(dy.dtype, copy=False), "value/kernel", "value/bias", need_dx)
        if not need_dx:
            return [None] * self._nk
        if self._nk == 2:
            return [dq, dv + dk]
        return [dq, dv, dk]


class _Scores:
    """The layer of a symbolic call's attention scores (return_attention_scores=True): their
    shape is known, but a model cannot compute them (VisualNet's layers have one output)."""

    def __init__(self, layer):
        self.name = f"{layer.name}_scores"
        self._of = layer.name

    def __getattr__(self, item):
        if item.startswith("__"):
            raise AttributeError(item)
        raise ValueError(f"The attention scores of '{self._of}' (return_attention_scores=True) cannot be a "
                         "model's tensor: VisualNet's layers have one output. Get them from an eager call on "
                         "arrays: layer(query, value, return_attention_scores=True).")
