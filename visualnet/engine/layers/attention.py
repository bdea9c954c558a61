"""Attention and AdditiveAttention on [query, value] or [query, value, key] (the key is the
value when not given), with Keras's masks: the value's mask and the causal mask hide value
steps (their scores lowered by 1e9), the query's mask zeroes output steps and is passed on."""

from __future__ import annotations

import numpy as np

from ..rng import global_rng
from .base import Layer


class _Attention(Layer):
    supports_masking = True
    takes_mask = True
    takes_all_masks = True  # the executor passes every input's mask, not only the first's

    def on_build(self):
        seed = self.config["seed"]
        self._rng = None if seed is None else np.random.default_rng(seed)

    def __call__(self, inputs, training: bool = False, mask=None, use_causal_mask=None):
        """Keras's call: `use_causal_mask` sets the parameter; `mask` ([query mask, value mask])
        applies to an eager call."""
        if use_causal_mask is not None:
            self.config["use_causal_mask"] = bool(use_causal_mask)
        if mask is None:
            return super().__call__(inputs, training)
        self._call_masks = mask
        try:
            return super().__call__(inputs, training)
        finally:
            self._call_masks = None

    def forward(self, inputs, training, mask=None):
        mask = mask if mask is not None else self.__dict__.get("_call_masks")
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask, v_mask = (list(mask) + [None, None])[:2] if mask is not None else (None, None)
        self._q, self._k, self._v, self._nk = q, k, v, len(inputs)
        scores = self.scores(q, k)
        hide = self._hidden(scores.shape, v_mask)
        if hide is not None:
            scores = np.where(hide, scores - 1e9, scores)
        scores = scores - scores.max(-1, keepdims=True)
        w = np.exp(scores)
        w /= w.sum(-1, keepdims=True)
        self._w, self._drop = w, None
        rate = self.config["dropout"]
        if training and rate > 0:
            keep = (self._rng or global_rng()).random(w.shape) >= rate
            self._drop = (keep / (1.0 - rate)).astype(w.dtype)
            w = w * self._drop
        self._wd = w
        y = w @ v
        self._q_mask = None if q_mask is None else np.asarray(q_mask, bool)[..., None]
        return y if self._q_mask is None else np.where(self._q_mask, y, 0).astype(y.dtype)

    def _hidden(self, shape, v_mask):
        """Where the scores are hidden: (batch or 1, Tq, Tv) booleans, or None."""
        hide = None
        if v_mask is not None:
            hide = ~np.asarray(v_mask, bool)[:, None, :]
        if self.config["use_causal_mask"]:
            causal = np.triu(np.ones(shape[-2:], bool), 1)[None]
            hide = causal if hide is None else hide | causal
        return hide

    def backward(self, dy, need_dx=True, skip_activation=False):
        if self._q_mask is not None:
            dy = np.where(self._q_mask, dy, 0).astype(dy.dtype)
        dv = np.swapaxes(self._wd, -1, -2) @ dy
        dw = dy @ np.swapaxes(self._v, -1, -2)
        if self._drop is not None:
            dw = dw * self._drop
        w = self._w
        ds = w * (dw - (dw * w).sum(-1, keepdims=True))
        dq, dk = self.scores_backward(ds)
        if self._nk == 2:
            return [dq, (dv + dk).astype(dy.dtype)]
        return [dq, dv.astype(dy.dtype), dk]


class Attention(_Attention):
    """Scores q . k (times `scale`), or, with score_mode 'concat', c * sum(tanh(scale * (q + k)))."""

    layer_type = "Attention"

    def scores(self, q, k):
        c = self.config
        scale = self.values["scale"].astype(q.dtype) if c["use_scale"] else None
        if c["score_mode"] == "dot":
            self._raw = q @ np.swapaxes(k, -1, -2)
            return self._raw if scale is None else self._raw * scale
        self._u = q[:, :, None, :] + k[:, None, :, :]
        self._t = np.tanh(self._u if scale is None else scale * self._u)
        self._tsum = self._t.sum(-1)
        return self.values["concat_score_weight"].astype(q.dtype) * self._tsum

    def scores_backward(self, ds):
        c, q, k = self.config, self._q, self._k
        s = self.values["scale"].astype(ds.dtype) if c["use_scale"] else 1.0
        if c["score_mode"] == "dot":
            if c["use_scale"]:
                self.grads["scale"][...] = (ds * self._raw).sum()
            return (ds @ k) * s, (np.swapaxes(ds, -1, -2) @ q) * s
        cw = self.values["concat_score_weight"].astype(ds.dtype)
        self.grads["concat_score_weight"][...] = (ds * self._tsum).sum()
        du = (cw * ds)[..., None] * (1 - self._t ** 2)
        if c["use_scale"]:
            self.grads["scale"][...] = (du * self._u).sum()
        du = du * s
        return du.sum(2), du.sum(1)


class AdditiveAttention(_Attention):
    """Scores sum(scale * tanh(q + k)) over the features (scale: one per feature, or 1)."""

    layer_type = "AdditiveAttention"

    def scores(self, q, k):
        self._t = np.tanh(q[:, :, None, :] + k[:, None, :, :])
        scale = self.values["scale"].astype(q.dtype) if self.config["use_scale"] else 1.0
        return (self._t * scale).sum(-1)

    def scores_backward(self, ds):
        if self.config["use_scale"]:
            self.grads["scale"][...] = (ds[..., None] * self._t).sum((0, 1, 2))
        scale = self.values["scale"].astype(ds.dtype) if self.config["use_scale"] else 1.0
        du = ds[..., None] * scale * (1 - self._t ** 2)
        return du.sum(2), du.sum(1)
