"""Attention (Luong's dot-product or concat scores) and AdditiveAttention (Bahdanau's) on
[query, value] or [query, value, key] sequences (batch, steps, features); the key is the value
when not given. `use_causal_mask` is a call argument in Keras: its files keep it in the call's
kwargs, not in the layer's config (`KerasForm.call_args`)."""

from __future__ import annotations

from ..keras_form import KerasForm
from ..params import Param
from ..registry import LayerSpec, ShapeError, WeightSpec, register
from ..torch_form import TorchForm
from ._common import fmt


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
    keras=KerasForm(call_args=CALL_ARGS),
    torch=TorchForm(_torch, _torch_module((("scale", lambda s: "()", lambda p: p["use_scale"]),
                                           ("concat_score_weight", lambda s: "()",
                                            lambda p: p["score_mode"] == "concat"))),
                    {"scale": ("scale", ""), "concat_score_weight": ("concat_score_weight", "")},
                    helpers=("attention",)),
))


def _additive_weights(p, shapes):
    return [WeightSpec("scale", (shapes[0][2],), True, "glorot_uniform")] if p["use_scale"] else []


register(LayerSpec(
    "AdditiveAttention", "merging",
    "Additive (Bahdanau) attention: scores are sum(scale * tanh(query + key)); each query step takes the "
    "softmax-weighted mean of the value steps.",
    (Param("use_scale", "bool", True, "Learn one scale per feature for the scores."), DROPOUT, SEED, CAUSAL),
    2, 3, attention_shape("AdditiveAttention"), _additive_weights, key_params=("use_causal_mask",),
    keras=KerasForm(call_args=CALL_ARGS),
    torch=TorchForm(_torch, _torch_module((("scale", lambda s: f"{s[0][2]}", lambda p: p["use_scale"]),)),
                    {"scale": ("scale", "")}, helpers=("attention",)),
))
