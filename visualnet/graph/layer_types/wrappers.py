"""The wrapper layers: Bidirectional (a recurrent layer run both ways) and TimeDistributed
(a Dense layer applied to every step).

In Keras a wrapper takes a layer object, and its config nests that layer's config under
'layer'. Here the wrapped layer's type (`wrapped`) and parameters are the wrapper's own
parameters, so the canvas edits them like any other; the Keras form (`Wrapper`) nests and
un-nests them for Keras files and scripts. Weights keep Keras's order: Bidirectional's are
the forward layer's then the backward layer's ('forward_lstm/kernel', ...).
"""

from __future__ import annotations

from ..keras_form import Fixed, KerasForm, Wrapper
from ..params import Param
from ..registry import LayerSpec, ShapeError, WeightSpec, get_spec, register, snake_case
from ..torch_form import TorchForm
from ._common import fmt
from .recurrent import rnn_shape, rnn_weights, torch_module, torch_weights

# ---------------------------------------------------------------------- Bidirectional

RNNS = ("LSTM", "GRU", "SimpleRNN")
MERGE_MODES = ("concat", "sum", "mul", "ave")
# the wrapped layer's parameters Bidirectional sets itself: Keras runs the backward copy with
# go_backwards=True and forces zero_output_for_mask = return_sequences on both
_SET_BY_WRAPPER = ("go_backwards", "zero_output_for_mask")


def _rnn_params() -> tuple[Param, ...]:
    """The union of the recurrent layers' parameters (each type reads the ones it has)."""
    seen: dict[str, Param] = {}
    for name in RNNS:
        for p in get_spec(name).params:
            if p.name not in _SET_BY_WRAPPER:
                seen.setdefault(p.name, p)
    return tuple(seen.values())


def bidirectional_inner(p: dict, backward: bool = False) -> tuple[str, dict]:
    """(recurrent type, its parameters) of the forward (or backward) layer."""
    name = p["wrapped"]
    spec = get_spec(name)
    inner = {k: p[k] for k in spec.param_names if k not in _SET_BY_WRAPPER}
    return name, {**inner, "go_backwards": backward, "zero_output_for_mask": p["return_sequences"]}


def _bidirectional_outer(name: str, inner: dict) -> dict:
    if name not in RNNS:
        raise ValueError(f"it wraps a {name}; VisualNet's Bidirectional wraps {', '.join(RNNS)}")
    if inner.get("go_backwards"):
        raise ValueError("its wrapped layer has go_backwards=True (only False is supported)")
    return {"wrapped": name, **{k: v for k, v in inner.items() if k not in _SET_BY_WRAPPER}}


def direction_prefixes(p: dict) -> tuple[str, str]:
    """The weight-name prefixes of the two directions: 'forward_lstm/', 'backward_lstm/'."""
    stem = snake_case(p["wrapped"])
    return f"forward_{stem}/", f"backward_{stem}/"


def _bidirectional_shape(p, shapes):
    name, inner = bidirectional_inner(p)
    s = rnn_shape(f"Bidirectional({name})")(inner, shapes)
    return (*s[:-1], 2 * s[-1]) if p["merge_mode"] == "concat" else s


def _bidirectional_weights(p, shapes):
    name, inner = bidirectional_inner(p)
    one = rnn_weights(name)(inner, shapes)
    return [WeightSpec(prefix + w.name, w.shape, w.trainable, w.initializer)
            for prefix in direction_prefixes(p) for w in one]


_MERGE_TORCH = {"concat": "", "sum": ".sum({axis})", "mul": ".prod({axis})", "ave": ".mean({axis})"}


def _bidirectional_torch_module(p, s):
    name, inner = bidirectional_inner(p)
    return torch_module(name)(inner, s).replace("batch_first=True", "batch_first=True, bidirectional=True")


def _bidirectional_torch_forward(p, s, xs, m):
    """With return_sequences, PyTorch's output (batch, steps, 2*units) holds both directions
    step by step, as Keras's concatenation does; without, the final states h_n (2, batch,
    units) are Keras's two last outputs (the backward one after reading the whole sequence)."""
    u = p["units"]
    if p["return_sequences"]:
        out = f"{m}({xs[0]})[0]"
        return out if p["merge_mode"] == "concat" else out + f".unflatten(-1, (2, {u}))" + \
            _MERGE_TORCH[p["merge_mode"]].format(axis=-2)
    h_n = f"{m}({xs[0]})[1]" + ("[0]" if p["wrapped"] == "LSTM" else "")
    merged = _MERGE_TORCH[p["merge_mode"]].format(axis=0)
    return f"{h_n}{merged}" if merged else f"{h_n}.permute(1, 0, 2).flatten(1)"


def _bidirectional_torch_weights(p, s):
    name, inner = bidirectional_inner(p)
    one = torch_weights(name, inner)
    out = {}
    for prefix, suffix in zip(direction_prefixes(p), ("", "_reverse")):
        for key, entry in one.items():
            pairs = entry if isinstance(entry[0], tuple) else (entry,)
            out[prefix + key] = tuple((torch_name + suffix, numpy_suffix) for torch_name, numpy_suffix in pairs)
    return out


_NOT_COMPARED = ("name", "go_backwards", "zero_output_for_mask", "shared_object_id", "build_config")


def _comparable(value):
    """A config without what a backward copy may change or Keras adds per object."""
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items() if k not in _NOT_COMPARED}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value


def _mirrors(forward, backward) -> bool:
    """Whether Keras's backward_layer config is the forward layer's, run backwards (the
    only one VisualNet makes)."""
    return (isinstance(forward, dict) and isinstance(backward, dict)
            and isinstance(backward.get("config"), dict) and backward["config"].get("go_backwards") is True
            and _comparable(forward) == _comparable(backward))


def _bidirectional_read(cfg: dict) -> dict:
    """A backward_layer that mirrors the forward one (what Keras writes) says nothing more."""
    if "backward_layer" in cfg and _mirrors(cfg.get("layer"), cfg["backward_layer"]):
        cfg = {k: v for k, v in cfg.items() if k != "backward_layer"}
    return cfg


register(LayerSpec(
    "Bidirectional", "recurrent",
    "Runs a recurrent layer over the sequence forwards and a copy of it backwards, and merges their "
    "outputs (with return_sequences, step by step).",
    (Param("wrapped", "choice", "LSTM", "The recurrent layer type run in both directions.", choices=RNNS),
     Param("merge_mode", "choice", "concat", "How the two directions' outputs are combined.",
           choices=MERGE_MODES),
     *_rnn_params()),
    1, 1, _bidirectional_shape, _bidirectional_weights,
    key_params=("wrapped", "units", "merge_mode"),
    keras=KerasForm(fixed={"backward_layer": Fixed(None, write=False), "weights": Fixed(None, write=False)},
                    read=_bidirectional_read,
                    wrapper=Wrapper(("merge_mode",), bidirectional_inner, _bidirectional_outer,
                                    lambda p, n: [("forward_layer/cell", n // 2), ("backward_layer/cell", n // 2)])),
    torch=TorchForm(_bidirectional_torch_forward, _bidirectional_torch_module, _bidirectional_torch_weights),
))

# ---------------------------------------------------------------------- TimeDistributed

_DENSE = get_spec("Dense")


def time_distributed_inner(p: dict) -> tuple[str, dict]:
    """('Dense', its parameters): TimeDistributed's parameters are Dense's."""
    return "Dense", {k: p[k] for k in _DENSE.param_names}


def _time_distributed_outer(name: str, inner: dict) -> dict:
    if name != "Dense":
        raise ValueError(f"it wraps a {name}; VisualNet's TimeDistributed wraps Dense only")
    return dict(inner)


def _time_distributed_shape(p, shapes):
    (s,) = shapes
    if len(s) < 3:
        raise ShapeError(f"TimeDistributed needs (timesteps, ...) per sample; it receives {fmt(s)}.")
    inner = _DENSE.output_shape(time_distributed_inner(p)[1], [(None, *s[2:])])
    return (None, s[1], *inner[1:])


register(LayerSpec(
    "TimeDistributed", "recurrent",
    "Applies a Dense layer to every step of the sequence, with the same weights: (batch, timesteps, ...) -> "
    "(batch, timesteps, ..., units).",
    _DENSE.params, 1, 1, _time_distributed_shape,
    lambda p, s: _DENSE.weights(time_distributed_inner(p)[1], [(None, *s[0][2:])]),
    key_params=("units", "activation"),
    keras=KerasForm(wrapper=Wrapper((), time_distributed_inner, _time_distributed_outer,
                                    lambda p, n: [("layer", n)])),
    torch=TorchForm(_DENSE.torch.forward, _DENSE.torch.module, _DENSE.torch.weights),
))
