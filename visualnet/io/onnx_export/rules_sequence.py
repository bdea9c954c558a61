"""ONNX rules of the recurrent layers (ONNX's RNN, GRU and LSTM operators, whose gate
orders and biases differ from Keras's), Bidirectional and the dot-product attentions."""

from __future__ import annotations

import numpy as np

from .builder import Builder
from .context import Layer, f32, rule

_ACTS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu"}
_OP = {"SimpleRNN": "RNN", "GRU": "GRU", "LSTM": "LSTM"}


def _act(L: Layer, name: str | None) -> str:
    if name not in _ACTS:
        L.refuse(f"the recurrent activation {name!r} has no ONNX form here (sigmoid, tanh and relu have)")
    return _ACTS[name]


def _direction(kind: str, p: dict, kernel, recurrent, bias) -> tuple:
    """ONNX's W, R, B of one direction from Keras's kernel, recurrent kernel and bias."""
    k, r = np.asarray(kernel), np.asarray(recurrent)
    units = r.shape[0]
    blocks = {"LSTM": [0, 3, 1, 2], "GRU": [0, 1, 2], "SimpleRNN": [0]}[kind]   # Keras ifco -> ONNX iofc
    gates = len(blocks)

    def reorder(m):   # (in, gates*units) -> (gates*units, in), blocks in ONNX's order
        return np.concatenate([m[:, g * units:(g + 1) * units].T for g in blocks], axis=0)

    wb = rb = np.zeros(gates * units, np.float32)
    if bias is not None:
        bias = np.asarray(bias)
        if kind == "GRU" and p.get("reset_after", True):
            wb, rb = bias[0], bias[1]
        else:
            wb = bias
        wb = np.concatenate([wb[g * units:(g + 1) * units] for g in blocks])
        rb = np.concatenate([rb[g * units:(g + 1) * units] for g in blocks])
    return reorder(k), reorder(r), np.concatenate([wb, rb])


def recurrent(b: Builder, L: Layer, kind: str, p: dict, weights: list, directions: int) -> tuple[str, str]:
    """(Y, Y_h) of ONNX's operator over the channels-last sequence `L.x`: Y is
    (seq, directions, batch, units), Y_h (directions, batch, units)."""
    if p.get("return_state"):
        L.refuse("return_state has no ONNX form here yet")
    per = 3 if p.get("use_bias", True) else 2
    parts = [_direction(kind, p, *(list(weights[d * per:(d + 1) * per]) + [None])[:3]) for d in range(directions)]
    units = parts[0][1].shape[1]
    x = b.transpose(L.x, [1, 0, 2], L.name)                       # (seq, batch, features)
    if p.get("go_backwards") and directions == 1:
        x = b.reverse(x, 0, L.name)      # Keras returns the outputs in the order it read the steps
    ins = [x, b.const(np.stack([w for w, _, _ in parts]), f"{L.name}/W"),
           b.const(np.stack([r for _, r, _ in parts]), f"{L.name}/R"),
           b.const(np.stack([bb for _, _, bb in parts]), f"{L.name}/B")]
    recurrent_act, act = _act(L, p.get("recurrent_activation", "sigmoid")), _act(L, p.get("activation", "tanh"))
    acts = {"SimpleRNN": [act], "GRU": [recurrent_act, act], "LSTM": [recurrent_act, act, act]}[kind] * directions
    attrs = {"hidden_size": units, "activations": acts,
             "direction": "bidirectional" if directions == 2 else "forward"}
    if kind == "GRU":
        attrs["linear_before_reset"] = int(bool(p.get("reset_after", True)))
    y, y_h = b.ops(_OP[kind], ins, L.name, 2, **attrs)
    return y, y_h


@rule("SimpleRNN", "GRU", "LSTM")
def _rnn(b, L):
    y, y_h = recurrent(b, L, L.type, L.params, L.weights, 1)
    if L.params.get("return_sequences"):
        return b.transpose(b.squeeze(y, [1], L.name), [1, 0, 2], L.name)
    return b.squeeze(y_h, [0], L.name)


@rule("Bidirectional")
def _bidirectional(b, L):
    p = L.params
    if p.get("go_backwards"):
        L.refuse("a Bidirectional of a layer that goes backwards")
    y, y_h = recurrent(b, L, p["wrapped"], p, L.weights, 2)
    units = np.asarray(L.weights[1]).shape[0]
    if p.get("return_sequences"):
        both = b.transpose(y, [2, 0, 1, 3], L.name)               # (batch, seq, 2, units)
        forward, backward = (b.squeeze(b.slice(both, [d], [d + 1], [2], L.name), [2], L.name) for d in (0, 1))
        concat_shape = [0, 0, 2 * units]
    else:
        both = b.transpose(y_h, [1, 0, 2], L.name)                # (batch, 2, units)
        forward, backward = (b.squeeze(b.slice(both, [d], [d + 1], [1], L.name), [1], L.name) for d in (0, 1))
        concat_shape = [0, 2 * units]
    mode = p["merge_mode"]
    if mode == "concat":
        return b.op("Reshape", [both, b.ints(concat_shape)], L.name)
    if mode == "sum":
        return b.op("Add", [forward, backward], L.name)
    if mode == "mul":
        return b.op("Mul", [forward, backward], L.name)
    if mode == "ave":
        return b.op("Mul", [b.op("Add", [forward, backward], L.name), b.scalar(0.5)], L.name)
    L.refuse(f"merge_mode={mode!r} has no ONNX form here")


def _causal(b: Builder, L: Layer, scores: str) -> str:
    """`scores` with the future steps pushed to -1e9 when the layer's causal mask is on."""
    if not L.params.get("use_causal_mask"):
        return scores
    tq, tv = L.in_shapes[0][1], L.in_shapes[1][1]
    if tq is None or tv is None:
        L.refuse("a causal mask over sequences of unknown length has no ONNX form here")
    future = np.triu(np.ones((tq, tv), np.float32), k=1) * 1e9
    return b.op("Sub", [scores, b.const(future, f"causal_{L.name}")], L.name)


def _attend(b: Builder, L: Layer, scores: str, value: str) -> str:
    scores = _causal(b, L, scores)
    weights = b.op("Softmax", [scores], L.name, axis=-1)
    return b.op("MatMul", [weights, value], L.name)


@rule("Attention")
def _attention(b, L):
    query, value = L.xs[0], L.xs[1]
    key = L.xs[2] if len(L.xs) > 2 else value
    w = list(L.weights)
    scale = w.pop(0) if L.params["use_scale"] else None
    if L.params["score_mode"] == "dot":
        scores = b.op("MatMul", [query, b.transpose(key, [0, 2, 1], L.name)], L.name)
        if scale is not None:
            scores = b.op("Mul", [scores, b.const(f32(scale), f"{L.name}/scale")], L.name)
    else:
        total = b.op("Add", [b.unsqueeze(query, [2], L.name), b.unsqueeze(key, [1], L.name)], L.name)
        if scale is not None:
            total = b.op("Mul", [total, b.const(f32(scale), f"{L.name}/scale")], L.name)
        scores = b.op("ReduceSum", [b.op("Tanh", [total], L.name), b.ints([-1])], L.name, keepdims=0)
        scores = b.op("Mul", [scores, b.const(f32(w.pop(0)), f"{L.name}/concat_score_weight")], L.name)
    return _attend(b, L, scores, value)


@rule("AdditiveAttention")
def _additive(b, L):
    query, value = L.xs[0], L.xs[1]
    key = L.xs[2] if len(L.xs) > 2 else value
    total = b.op("Tanh", [b.op("Add", [b.unsqueeze(query, [2], L.name), b.unsqueeze(key, [1], L.name)], L.name)],
                 L.name)
    if L.params["use_scale"]:
        total = b.op("Mul", [total, b.const(f32(L.weights[0]), f"{L.name}/scale")], L.name)
    scores = b.op("ReduceSum", [total, b.ints([-1])], L.name, keepdims=0)
    return _attend(b, L, scores, value)


@rule("MultiHeadAttention")
def _multi_head(b, L):
    """Keras's per-head projections as matrix products, scaled dot-product attention per
    head (the causal mask subtracted before the softmax), and the output projection."""
    p = L.params
    if p.get("attention_axes") not in (None, (), [], (1,), [1]):
        L.refuse("attention over other axes than the sequence has no ONNX form here")
    heads, key_dim = int(p["num_heads"]), int(p["key_dim"])
    w = list(L.weights)
    take = lambda: w.pop(0)      # noqa: E731 - the weights in Keras's order, one at a time
    query, value = L.xs[0], L.xs[1]
    key = L.xs[2] if len(L.xs) > 2 else value

    def project(x, what, dim, order):
        kernel = take()
        y = b.op("MatMul", [x, b.const(kernel.reshape(kernel.shape[0], -1), f"{L.name}/{what}/kernel")], L.name)
        if p["use_bias"]:
            y = b.op("Add", [y, b.const(take().reshape(-1), f"{L.name}/{what}/bias")], L.name)
        y = b.op("Reshape", [y, b.ints([0, 0, heads, dim])], L.name)
        return b.transpose(y, order, L.name)

    value_dim = int(p["value_dim"] or key_dim)
    q = project(query, "query", key_dim, [0, 2, 1, 3])                       # (b, h, t, k)
    k = project(key, "key", key_dim, [0, 2, 3, 1])                           # (b, h, k, s)
    v = project(value, "value", value_dim, [0, 2, 1, 3])                     # (b, h, s, v)
    q = b.op("Mul", [q, b.scalar(1.0 / np.sqrt(key_dim))], L.name)
    scores = b.op("MatMul", [q, k], L.name)
    scores = _causal(b, L, scores)
    heads_out = b.op("MatMul", [b.op("Softmax", [scores], L.name, axis=-1), v], L.name)       # (b, h, t, v)
    merged = b.op("Reshape", [b.transpose(heads_out, [0, 2, 1, 3], L.name), b.ints([0, 0, heads * value_dim])],
                  L.name)
    kernel = take()                                                          # (h, v, *out)
    out_dims = list(kernel.shape[2:])
    y = b.op("MatMul", [merged, b.const(kernel.reshape(heads * value_dim, -1), f"{L.name}/attention_output/kernel")],
             L.name)
    if p["use_bias"]:
        y = b.op("Add", [y, b.const(take().reshape(-1), f"{L.name}/attention_output/bias")], L.name)
    if len(out_dims) > 1:
        y = b.op("Reshape", [y, b.ints([0, 0, *out_dims])], L.name)
    return y
