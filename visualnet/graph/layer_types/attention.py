"""Attention (Luong's dot-product or concat scores), AdditiveAttention (Bahdanau's) and
MultiHeadAttention on [query, value] or [query, value, key] sequences (batch, steps,
features); the key is the value when not given. `use_causal_mask` is a call argument in Keras:
its files keep it in the call's kwargs, not in the layer's config (`KerasForm.call_args`).
MultiHeadAttention is called with separate inputs, layer(query, value, key)
(`KerasForm.call_inputs`), and Keras 3 keeps its four projections' weights in sub-objects
(`KerasForm.groups`)."""

from __future__ import annotations

from ..costs import attention_cost, multi_head_cost
from ..keras_form import Fixed, KerasForm
from ..params import Param
from ..registry import LayerSpec, ShapeError, WeightSpec, register
from ..torch_form import TorchForm
from ._common import fmt, initializer


def attention_shape(layer: str):
    def rule(p, shapes):
        q, v = shapes[0], shapes[1]
        k = shapes[2] if len(shapes) > 2 else v
        names = ("query", "value", "key")
        for i, s in enumerate(shapes):
            if len(s) != 3:
                raise ShapeError(f"{layer} expects 3-D sequences (batch, steps, features); its {names[i]} is "
                                 f"{fmt(s)}.", port=i)
        if k[1] != v[1]:
            raise ShapeError(f"{layer}'s key and value need the same number of steps; they are {fmt(k)} and "
                             f"{fmt(v)}.", port=2)
        if q[2] != k[2]:
            raise ShapeError(f"{layer}'s query and key need the same number of features; they are {fmt(q)} and "
                             f"{fmt(k)}.", port=2 if len(shapes) > 2 else 1)
        return (None, q[1], v[2])
    return rule


DROPOUT = Param("dropout", "float", 0.0, "Fraction of the attention weights dropped while training, in [0, 1).",
                min=0.0, max=1.0, max_inclusive=False)
SEED = Param("seed", "int", None, "Seed of the dropout (unset: random).", optional=True, min=0)
CAUSAL = Param("use_causal_mask", "bool", False,
               "Each query step attends only to value steps at or before it (a call argument in Keras).")
CALL_ARGS = ("use_causal_mask",)


def _torch(p, s, xs, m) -> str:
    key = xs[2] if len(xs) > 2 else xs[1]
    scale = f"{m}.scale" if p["use_scale"] else "None"
    concat = f"{m}.concat_score_weight" if p.get("score_mode") == "concat" else "None"
    mode = "additive" if "score_mode" not in p else p["score_mode"]
    return (f"attention({xs[0]}, {xs[1]}, {key}, {mode!r}, {scale}, {concat}, {p['use_causal_mask']}, "
            f"{p['dropout']!r} if self.training else 0.0)")


def _attention_weights(p, shapes):
    w = []
    if p["use_scale"]:
        w.append(WeightSpec("scale", (), True, "ones"))
    if p["score_mode"] == "concat":
        w.append(WeightSpec("concat_score_weight", (), True, "ones"))
    return w


def _torch_module(names_shapes):
    def module(p, s):
        params = ", ".join(f"'{n}': nn.Parameter(torch.ones({shape(s)}))" for n, shape, on in names_shapes if on(p))
        return f"nn.ParameterDict({{{params}}})" if params else None
    return module


register(LayerSpec(
    "Attention", "merging",
    "Dot-product attention: each query step takes the softmax-weighted mean of the value steps, weighted by "
    "query-key scores.",
    (Param("use_scale", "bool", False, "Learn a scalar that multiplies the scores (the softmax's temperature)."),
     Param("score_mode", "choice", "dot", "How scores are computed: 'dot' (query . key) or 'concat' "
                                          "(sum of tanh(query + key)).", choices=("dot", "concat")),
     DROPOUT, SEED, CAUSAL),
    2, 3, attention_shape("Attention"), _attention_weights, key_params=("score_mode", "use_causal_mask"),
    keras=KerasForm(call_args=CALL_ARGS), cost_rule=attention_cost,
    torch=TorchForm(_torch, _torch_module((("scale", lambda s: "()", lambda p: p["use_scale"]),
                                           ("concat_score_weight", lambda s: "()",
                                            lambda p: p["score_mode"] == "concat"))),
                    {"scale": ("scale", ""), "concat_score_weight": ("concat_score_weight", "")},
                    helpers=("attention",)),
    keywords=("transformer", "query key value", "sequence", "luong"),
))


def _additive_weights(p, shapes):
    return [WeightSpec("scale", (shapes[0][2],), True, "glorot_uniform")] if p["use_scale"] else []


register(LayerSpec(
    "AdditiveAttention", "merging",
    "Additive (Bahdanau) attention: scores are sum(scale * tanh(query + key)); each query step takes the "
    "softmax-weighted mean of the value steps.",
    (Param("use_scale", "bool", True, "Learn one scale per feature for the scores."), DROPOUT, SEED, CAUSAL),
    2, 3, attention_shape("AdditiveAttention"), _additive_weights, key_params=("use_causal_mask",),
    keras=KerasForm(call_args=CALL_ARGS), cost_rule=attention_cost,
    torch=TorchForm(_torch, _torch_module((("scale", lambda s: f"{s[0][2]}", lambda p: p["use_scale"]),)),
                    {"scale": ("scale", "")}, helpers=("attention",)),
    keywords=("transformer", "query key value", "sequence"),
))


# ---------------------------------------------------------------------- MultiHeadAttention
_MHA_INPUTS = ("query", "value", "key")
_MHA_PROJECTIONS = ("query", "key", "value", "attention_output")
# Keras applies each to all four projections; VisualNet takes none
_MHA_NO_PENALTIES = {k: Fixed(None) for k in ("kernel_regularizer", "bias_regularizer", "kernel_constraint",
                                               "bias_constraint")}


def _mha_shape(p, shapes):
    rank = len(shapes[0])
    for i, s in enumerate(shapes):
        if len(s) < 3 or s[-1] is None:
            raise ShapeError(f"MultiHeadAttention expects sequences (batch, steps, features) or inputs of higher "
                             f"rank with known features; its {_MHA_INPUTS[i]} is {fmt(s)}.", port=i)
        if len(s) != rank:
            raise ShapeError(f"MultiHeadAttention's inputs need one rank; its query is {fmt(shapes[0])} and its "
                             f"{_MHA_INPUTS[i]} {fmt(s)}.", port=i)
    q, v = shapes[0], shapes[1]
    k = shapes[2] if len(shapes) > 2 else v
    if k[1:-1] != v[1:-1]:
        raise ShapeError(f"MultiHeadAttention's key and value need the same dimensions but the last; they are "
                         f"{fmt(k)} and {fmt(v)}.", port=2)
    axes = p["attention_axes"] or tuple(range(1, rank - 1))
    if any(a > rank - 2 for a in axes) or len(set(axes)) != len(axes):
        raise ShapeError(f"MultiHeadAttention's attention_axes must be distinct inner axes of its inputs, in "
                         f"1..{rank - 2}. Received: attention_axes={p['attention_axes']}")
    free = [a for a in range(1, rank - 1) if a not in axes]
    if any(q[a] != v[a] for a in free):
        raise ShapeError(f"MultiHeadAttention's query and value need the same sizes along the axes not attended "
                         f"over ({', '.join(map(str, free))}); they are {fmt(q)} and {fmt(v)}.", port=1)
    if rank > 3 and p["use_causal_mask"]:
        raise ShapeError(f"MultiHeadAttention's use_causal_mask needs 3-D inputs (batch, steps, features); its "
                         f"query is {fmt(q)}.")
    return (None, *q[1:-1], *(p["output_shape"] or (q[-1],)))


def _mha_weights(p, shapes):
    q, v = shapes[0], shapes[1]
    k = shapes[2] if len(shapes) > 2 else v
    n, h = p["num_heads"], p["key_dim"]
    hv = p["value_dim"] or h
    out = tuple(p["output_shape"] or (q[-1],))
    kernels = {"query": (q[-1], n, h), "key": (k[-1], n, h), "value": (v[-1], n, hv),
               "attention_output": (n, hv, *out)}
    biases = {"query": (n, h), "key": (n, h), "value": (n, hv), "attention_output": out}
    w = []
    for name in _MHA_PROJECTIONS:
        w.append(WeightSpec(f"{name}/kernel", kernels[name], True, "kernel_initializer"))
        if p["use_bias"]:
            w.append(WeightSpec(f"{name}/bias", biases[name], True, "bias_initializer"))
    return w


def _mha_torch(p, s, xs, m) -> str:
    key = xs[2] if len(xs) > 2 else xs[1]
    axes = tuple(p["attention_axes"] or range(1, len(s[0]) - 1))
    return (f"multi_head_attention({xs[0]}, {xs[1]}, {key}, {m}, {p['key_dim']}, {p['use_bias']}, "
            f"{p['use_causal_mask']}, {p['dropout']!r} if self.training else 0.0, {axes!r})")


def _mha_torch_module(p, s):
    shapes = {w.name: w.shape for w in _mha_weights(p, s)}
    params = ", ".join(f"'{n.replace('/', '_')}': nn.Parameter(torch.zeros({shape}))" for n, shape in shapes.items())
    return f"nn.ParameterDict({{{params}}})"


def _mha_groups(p, count):
    """Keras 3's weights file keeps each projection's kernel (and bias) in its own group."""
    per = 2 if p["use_bias"] else 1
    return [(f"{name}_dense", per) for name in ("query", "key", "value", "output")]


register(LayerSpec(
    "MultiHeadAttention", "merging",
    "Multi-head attention (Vaswani et al.): query, value and optional key projected per head, scaled "
    "dot-product attention over the steps (or attention_axes), the heads projected back. Self-attention: "
    "wire one tensor to the query and the value.",
    (Param("num_heads", "int", 2, "Number of attention heads.", min=1, required=True),
     Param("key_dim", "int", 16, "Size of each head's query and key projections.", min=1, required=True),
     Param("value_dim", "int", None, "Size of each head's value projection (unset: key_dim).", optional=True, min=1),
     Param("dropout", "float", 0.0, "Fraction of the attention weights dropped while training, in [0, 1).",
           min=0.0, max=1.0, max_inclusive=False),
     Param("use_bias", "bool", True, "Whether the projections add biases."),
     Param("output_shape", "shape", None, "Features of the output per step (unset: the query's features).",
           optional=True),
     Param("attention_axes", "shape", None, "Axes attended over, counted from 1 after the batch axis (unset: "
                                            "every axis but the batch and the features; the others act as batch "
                                            "axes).", optional=True),
     initializer("kernel_initializer", "glorot_uniform", "projections' kernels"),
     initializer("bias_initializer", "zeros", "projections' biases"),
     SEED,
     Param("use_causal_mask", "bool", False, "Each query step attends only to value steps at or before it "
                                             "(a call argument in Keras: layer(query, value, "
                                             "use_causal_mask=True)).")),
    2, 3, _mha_shape, _mha_weights, key_params=("num_heads", "key_dim", "use_causal_mask"),
    keras=KerasForm(call_args=CALL_ARGS, call_inputs=_MHA_INPUTS, groups=_mha_groups,
                    fixed={**_MHA_NO_PENALTIES, "use_gate": Fixed(False, write=False),
                           "sliding_window": Fixed(None, write=False),
                           "flash_attention": Fixed(None, also=(False,), write=False)},
                    ignored=("query_shape", "key_shape", "value_shape")),
    torch=TorchForm(_mha_torch, _mha_torch_module,
                    {n: (n.replace("/", "_"), "") for n in (f"{a}/{b}" for a in _MHA_PROJECTIONS
                                                            for b in ("kernel", "bias"))},
                    helpers=("multi_head_attention",)),
    cost_rule=multi_head_cost,
    keywords=("transformer", "self-attention", "query key value", "sequence", "heads"),
))
