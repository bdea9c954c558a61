"""The wrapper layers: Bidirectional (a recurrent layer run both ways) and TimeDistributed
(a layer applied to every step).

In Keras a wrapper takes a layer object, and its config nests that layer's config under
'layer'. Here the wrapped layer's type (`wrapped`) and parameters are the wrapper's own
parameters, so the canvas edits them like any other; the Keras form (`Wrapper`) nests and
un-nests them for Keras files and scripts. Weights keep Keras's order: Bidirectional's are
the forward layer's then the backward layer's ('forward_lstm/kernel', ...). Bidirectional
takes Keras's `initial_state` as inputs after the sequence: the forward layer's states, then
the backward layer's (LSTM: forward h, c, backward h, c), each (batch, units).
"""

from __future__ import annotations

from dataclasses import replace

from ..costs import recurrent_cost
from ..keras_form import Fixed, KerasForm, Wrapper
from ..params import Param
from ..registry import LayerSpec, ShapeError, WeightSpec, get_spec, register, snake_case
from ..torch_form import TorchForm
from ._common import fmt
from .recurrent import STATES, rnn_shape, rnn_weights, torch_module, torch_weights

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


def state_names(name: str) -> list[str]:
    """Bidirectional(`name`)'s initial states in Keras's order: ['forward_h', 'forward_c',
    'backward_h', 'backward_c'] for LSTM (the forward layer's, then the backward layer's)."""
    return [f"{d}_{s.split('_')[1]}" for d in ("forward", "backward") for s in STATES[name]]


def _check_initial_states(name: str, units: int, shapes) -> None:
    """The initial states wired after the sequence: none, or both directions' (the forward
    layer's, then the backward layer's), each (batch, units)."""
    names = state_names(name)
    given = shapes[1:]
    if given and len(given) != len(names):
        raise ShapeError(f"Bidirectional({name})'s initial_state is {len(names)} tensors ({', '.join(names)}): the "
                         f"forward layer's states, then the backward layer's; it receives {len(given)}.",
                         port=len(shapes) - 1)
    for i, (state, shape) in enumerate(zip(names, given), start=1):
        if len(shape) != 2 or shape[1] != units:
            raise ShapeError(f"Bidirectional({name})'s initial state {state} (input {i}) must be (batch, units) = "
                             f"(None, {units}); it receives {fmt(shape)}.", port=i)


def _bidirectional_shape(p, shapes):
    """Keras's outputs: the merged output (merge_mode=None: the forward and the backward
    outputs), then with return_state the forward layer's states and the backward layer's."""
    name, inner = bidirectional_inner(p)
    out = rnn_shape(f"Bidirectional({name})", states=False)(inner, shapes[:1])
    _check_initial_states(name, p["units"], shapes)
    s, states = (out[0], out[1:]) if isinstance(out, list) else (out, [])
    mode = p["merge_mode"]
    outs = [s, s] if mode is None else [(*s[:-1], 2 * s[-1]) if mode == "concat" else s]
    outs += states * 2
    return outs if len(outs) > 1 else outs[0]


def _bidirectional_outputs(p) -> int:
    states = len(STATES[p["wrapped"]]) if p.get("return_state") else 0
    return (2 if p["merge_mode"] is None else 1) + 2 * states


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
    if p["merge_mode"] is None or p["return_state"] or len(xs) > 1:   # several outputs, or initial states
        return (f"birnn_call({m}, {xs[0]}, {u}, {p['return_sequences']}, {p['merge_mode']!r}, "
                f"{p['return_state']}, [{', '.join(xs[1:])}])")
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
     Param("merge_mode", "choice", "concat", "How the two directions' outputs are combined (None: not "
                                             "combined; the layer outputs both).",
           choices=MERGE_MODES, optional=True),
     *_rnn_params()),
    1, 1 + 2 * max(len(s) for s in STATES.values()), _bidirectional_shape, _bidirectional_weights,
    key_params=("wrapped", "units", "merge_mode"),
    keras=KerasForm(fixed={"backward_layer": Fixed(None, write=False), "weights": Fixed(None, write=False)},
                    read=_bidirectional_read, declares=("activity_regularizer",),   # the wrapped layer's
                    wrapper=Wrapper(("merge_mode",), bidirectional_inner, _bidirectional_outer,
                                    lambda p, n: [("forward_layer/cell", n // 2), ("backward_layer/cell", n // 2)])),
    torch=TorchForm(_bidirectional_torch_forward, _bidirectional_torch_module, _bidirectional_torch_weights,
                    helpers=("birnn_call",)),
    cost_rule=recurrent_cost,
    output_count=_bidirectional_outputs,
    keywords=("recurrent", "sequence", "both directions", "wrapper", "rnn"),
))

# ---------------------------------------------------------------------- TimeDistributed

# the types TimeDistributed runs on every step: those whose per-step shape rule holds and that
# read one step at a time (no masks but BatchNormalization's, no state across steps)
TIME_DISTRIBUTED = ("Dense", "Conv1D", "Conv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D",
                    "AveragePooling2D", "GlobalAveragePooling1D", "GlobalMaxPooling1D", "GlobalAveragePooling2D",
                    "GlobalMaxPooling2D", "Flatten", "Dropout", "BatchNormalization")


def _union_params(types) -> tuple[tuple[Param, ...], frozenset]:
    """The parameters of `types`, each name once, and the names declared differently by two
    types (kernel_size of Conv1D and Conv2D): those become optional with default None, which
    means the wrapped type's own default (tuples of different lengths: a tuple of any length,
    one value broadcast to every axis); a choice takes every type's choices."""
    seen: dict[str, list[Param]] = {}
    for name in types:
        for p in get_spec(name).params:
            seen.setdefault(p.name, []).append(p)
    out, loose = [], set()
    for name, ps in seen.items():
        first = ps[0]
        if len({(p.kind, p.default, p.length, p.choices, p.optional) for p in ps}) == 1:
            out.append(first)
            continue
        if len({p.kind for p in ps}) > 1:
            raise TypeError(f"TimeDistributed: parameter {name!r} has different kinds in the wrapped types")
        choices = tuple(dict.fromkeys(c for p in ps for c in p.choices))
        if len({p.default for p in ps}) == 1 and len({p.length for p in ps}) == 1:
            out.append(replace(first, choices=choices, optional=any(p.optional for p in ps)))
            continue
        loose.add(name)
        lengths = {p.length for p in ps}
        kind = "shape" if first.kind == "ints" and len(lengths) > 1 else first.kind  # typed as '3, 2': any length
        out.append(replace(first, kind=kind, default=None, optional=True, choices=choices,
                           length=None if len(lengths) > 1 else first.length,
                           doc=f"{first.doc} One value for every axis, or one per axis; None: the wrapped "
                               "layer's default."))
    # a value the wrapped type requires (Dense's units) has the palette's default when not given
    return tuple(replace(p, required=False) for p in out), frozenset(loose)


_TD_PARAMS, _TD_LOOSE = _union_params(TIME_DISTRIBUTED)


def time_distributed_value(name: str, value):
    """A value for TimeDistributed's parameter `name` as Keras takes it for the wrapped layer:
    an int where the types differ in tuple length (kernel_size=3) is the one-value tuple."""
    if name in _TD_LOOSE and isinstance(value, int) and not isinstance(value, bool):
        return (value,)
    return value


def time_distributed_inner(p: dict) -> tuple[str, dict]:
    """(wrapped type, its parameters in canonical form) from TimeDistributed's flat ones;
    ParamError names a value the wrapped type does not take (padding='causal' on a Conv2D)."""
    name = p.get("wrapped", "Dense")
    spec = get_spec(name)
    inner = {}
    for param in spec.params:
        value = p.get(param.name, param.default)
        if value is None and param.name in _TD_LOOSE:
            value = param.default
        elif param.kind == "ints" and isinstance(value, (tuple, list)) and len(value) == 1 and (param.length or 1) > 1:
            value = value[0]  # one value for every axis, as Keras broadcasts an int
        inner[param.name] = param.coerce(value)
    return name, inner


def _time_distributed_outer(name: str, inner: dict) -> dict:
    if name not in TIME_DISTRIBUTED:
        raise ValueError(f"it wraps a {name}; VisualNet's TimeDistributed wraps {', '.join(TIME_DISTRIBUTED)}")
    return {"wrapped": name, **inner}


def _step_shape(s) -> tuple:
    if len(s) < 3:
        raise ShapeError(f"TimeDistributed needs (timesteps, ...) per sample; it receives {fmt(s)}.")
    return (None, *s[2:])


def _time_distributed_shape(p, shapes):
    (s,) = shapes
    name, inner = time_distributed_inner(p)
    try:
        out = get_spec(name).output_shape(inner, [_step_shape(s)])
    except ShapeError as exc:
        raise ShapeError(f"TimeDistributed({name}) on each step {fmt(_step_shape(s))}: {exc}") from None
    return (None, s[1], *out[1:])


def _time_distributed_weights(p, shapes):
    name, inner = time_distributed_inner(p)
    return get_spec(name).weights(inner, [_step_shape(shapes[0])])


def _time_distributed_torch_forward(p, s, xs, m):
    """The wrapped layer on (batch * timesteps, ...), then (batch, timesteps, ...) again; Dense
    and Dropout take the steps as they are; BatchNormalization runs step by step, as Keras's
    (in training each step's own moments, the moving averages updated once per step)."""
    name, inner = time_distributed_inner(p)
    form, step = get_spec(name).torch, [_step_shape(s[0])]
    if name in ("Dense", "Dropout"):
        return form.forward(inner, step, xs, m)
    x = xs[0]
    if name == "BatchNormalization":
        return f"torch.stack([{form.forward(inner, step, [f'{x}[:, t]'], m)} for t in range({x}.shape[1])], dim=1)"
    return f"({form.forward(inner, step, [f'{x}.flatten(0, 1)'], m)}).unflatten(0, ({x}.shape[0], {x}.shape[1]))"


def _time_distributed_torch_module(p, s):
    name, inner = time_distributed_inner(p)
    module = get_spec(name).torch.module
    return None if module is None else module(inner, [_step_shape(s[0])])


def _time_distributed_torch_weights(p, s):
    name, inner = time_distributed_inner(p)
    weights = get_spec(name).torch.weights
    return weights(inner, [_step_shape(s[0])]) if callable(weights) else weights


register(LayerSpec(
    "TimeDistributed", "recurrent",
    "Applies a layer to every step of the sequence, with the same weights: (batch, timesteps, ...) -> "
    "(batch, timesteps, what the layer makes of one step). Dense, Conv1D, Conv2D, pooling, Flatten, Dropout "
    "or BatchNormalization (in training, each step's own batch statistics, as Keras).",
    (Param("wrapped", "choice", "Dense", "The layer type applied to every step.", choices=TIME_DISTRIBUTED),
     *_TD_PARAMS),
    1, 1, _time_distributed_shape, _time_distributed_weights,
    key_params=("wrapped", "units", "filters", "activation"),
    keras=KerasForm(wrapper=Wrapper((), time_distributed_inner, _time_distributed_outer,
                                    lambda p, n: [("layer", n)]),
                    declares=("activity_regularizer",)),   # the wrapped layer's
    torch=TorchForm(_time_distributed_torch_forward, _time_distributed_torch_module,
                    _time_distributed_torch_weights,
                    helpers=tuple(dict.fromkeys(h for t in TIME_DISTRIBUTED for h in get_spec(t).torch.helpers))),
    keywords=("sequence", "per step", "wrapper"),
))
