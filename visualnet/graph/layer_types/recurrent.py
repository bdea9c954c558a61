"""Embedding and the recurrent family (Keras's RNN layers): SimpleRNN, LSTM and GRU.

The recurrent layers take (batch, timesteps, features) and keep Keras's weight layout:
kernel (features, k*units), recurrent_kernel (units, k*units) and bias, the k gate blocks
in Keras's order (LSTM i, f, c, o; GRU z, r, h; GRU's bias is (2, 3*units) with
reset_after=True, Keras 3's default). Masks flow as in Keras 3 (Embedding's mask_zero; the
recurrent layers keep the state at masked steps). With return_state a layer has several
outputs (ports): the output, then the final states (LSTM h and c; GRU and SimpleRNN h), each
(batch, units); the initial states (Keras's `initial_state`) are further inputs after the
sequence, in the same order and shapes (zeros when not wired). Not supported yet, so refused
in Keras files at any other value: stateful, unroll, recurrent_dropout. The exported PyTorch code uses
nn.RNN/nn.LSTM/nn.GRU (batch_first); it refuses what they cannot compute the same way
(activations other than Keras's defaults, GRU reset_after=False, dropout during training);
with a mask they run on packed sequences (right padding) or step by step (io/torch_masks.py).
"""

from __future__ import annotations

from ..costs import recurrent_cost
from ..keras_form import NO_LORA, Fixed, KerasForm
from ..params import Param
from ..registry import LayerSpec, ShapeError, WeightSpec, register
from ..torch_form import TorchForm
from ._common import activation, fmt, initializer, penalties

# ---------------------------------------------------------------------- Embedding


def _embedding_shape(p, shapes):
    (s,) = shapes
    if len(s) < 1:
        raise ShapeError(f"Embedding needs ids, e.g. (timesteps,) per sample; it receives {fmt(s)}.")
    return (*s, p["output_dim"])     # one id per sample (batch,) too, as Keras: (batch, output_dim)


register(LayerSpec(
    "Embedding", "core",
    "Looks up a learned vector for each integer id: (batch, ...) ids in 0..input_dim-1 -> (batch, ..., output_dim).",
    (Param("input_dim", "int", 1000, "Number of distinct ids (vocabulary size); ids run from 0 to input_dim - 1.",
           min=1, required=True),
     Param("output_dim", "int", 16, "Length of each id's vector.", min=1, required=True),
     initializer("embeddings_initializer", "random_uniform", "embedding table"),
     *penalties(("embeddings", "embeddings"), activity=False),
     Param("mask_zero", "bool", False, "Treat id 0 as padding: the next layers (recurrent ones, "
                                       "GlobalAveragePooling1D, the loss) skip those steps."),
     *(p for p in penalties() if p.name == "activity_regularizer")),
    1, 1, _embedding_shape,
    lambda p, s: [WeightSpec("embeddings", (p["input_dim"], p["output_dim"]), True, "embeddings_initializer")],
    key_params=("input_dim", "output_dim"),
    keras=KerasForm(fixed={"weights": Fixed(None, write=False), "lora_alpha": Fixed(None, write=False), **NO_LORA},
                    declares=("activity_regularizer",),
                    ignored=("input_length",)),   # Keras 2's; deprecated and unused in Keras 3
    torch=TorchForm(lambda p, s, xs, m: f"{m}({xs[0]}.long())",
                    lambda p, s: f"nn.Embedding({p['input_dim']}, {p['output_dim']})",
                    {"embeddings": ("weight", "")}),
    keywords=("token", "word", "lookup", "vocabulary", "text", "sequence"),
))

# ---------------------------------------------------------------------- SimpleRNN, LSTM, GRU

GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}
TORCH_CLASS = {"SimpleRNN": "nn.RNN", "LSTM": "nn.LSTM", "GRU": "nn.GRU"}
DOCS = {
    "SimpleRNN": "Fully connected recurrent layer: h_t = activation(x_t · kernel + h_(t-1) · recurrent_kernel + bias).",
    "LSTM": "Long short-term memory layer (Hochreiter 1997), Keras's gates i, f, c, o.",
    "GRU": "Gated recurrent unit (Cho et al. 2014), Keras's gates z, r, h; reset_after=True is Keras 3's "
           "(and cuDNN's and PyTorch's) formula.",
}

RNN_FIXED = {
    "recurrent_dropout": Fixed(0.0),
    "stateful": Fixed(False),
    "unroll": Fixed(False),
    "time_major": Fixed(False, write=False),    # Keras 2's
}
# these change nothing: Keras 2's implementation choice, the dropout seed, Keras 3's cuDNN switch
RNN_IGNORED = ("implementation", "seed", "use_cudnn")


# the states of each type, in Keras's order (the `initial_state` inputs and return_state outputs)
STATES = {"SimpleRNN": ("state_h",), "LSTM": ("state_h", "state_c"), "GRU": ("state_h",)}


def _type_of(name: str) -> str:
    """'Bidirectional(LSTM)' -> 'LSTM'."""
    return name.split("(")[-1].rstrip(")")


def rnn_shape(name: str, states: bool = True):
    """The shape rule of recurrent type `name`: the output, then (with return_state) each final
    state; with `states` (not inside Bidirectional) it also checks the initial states wired
    after the sequence, each (batch, units)."""
    kind = _type_of(name)

    def rule(p, shapes):
        s = shapes[0]
        if len(s) != 3:
            raise ShapeError(f"{name} needs (timesteps, features) per sample; it receives {fmt(s)}. "
                             "Add an Embedding or a Reshape before it.", port=0)
        if s[-1] is None:
            raise ShapeError(f"{name} needs a known number of features per step; it receives {fmt(s)}.", port=0)
        u = p["units"]
        names = STATES[kind]
        if states and len(shapes) > 1:
            if len(shapes) != 1 + len(names):
                raise ShapeError(f"{name}'s initial_state is {len(names)} tensor(s) ({', '.join(names)}); "
                                 f"it receives {len(shapes) - 1}.", port=len(shapes) - 1)
            for i, (state, shape) in enumerate(zip(names, shapes[1:]), start=1):
                if len(shape) != 2 or shape[1] != u:
                    raise ShapeError(f"{name}'s initial state {state} (input {i}) must be (batch, units) = "
                                     f"(None, {u}); it receives {fmt(shape)}.", port=i)
        out = (None, s[1], u) if p["return_sequences"] else (None, u)
        if not p.get("return_state"):
            return out
        return [out, *[(None, u)] * len(names)]
    return rule


def output_names(layer_type: str, p: dict) -> list[str]:
    """Names of a recurrent layer's (or Bidirectional's) outputs, for ports and labels:
    ['output', 'state_h', 'state_c']; Bidirectional merge_mode=None: 'forward', 'backward',
    and with return_state 'forward_h', ..., 'backward_c'."""
    if layer_type == "Bidirectional":
        outs = ["forward", "backward"] if p.get("merge_mode") is None else ["output"]
        states = [s.replace("state", d) for d in ("forward", "backward") for s in STATES[p["wrapped"]]]
        return outs + (states if p.get("return_state") else [])
    return ["output", *(STATES[layer_type] if p.get("return_state") else ())]


def rnn_outputs(name: str):
    """How many outputs a recurrent layer of type `name` has: 1, or 1 + its states."""
    return lambda p: 1 + len(STATES[name]) if p.get("return_state") else 1


def rnn_weights(name: str):
    k = GATES[name]

    def rule(p, shapes):
        u = p["units"]
        w = [WeightSpec("kernel", (shapes[0][-1], k * u), True, "kernel_initializer"),
             WeightSpec("recurrent_kernel", (u, k * u), True, "recurrent_initializer")]
        if p["use_bias"]:
            shape = (2, k * u) if name == "GRU" and p["reset_after"] else (k * u,)
            w.append(WeightSpec("bias", shape, True, "bias_initializer"))
        return w
    return rule


# Keras (in, k*units) blocks -> PyTorch (k*units, in) blocks: the order of Keras's blocks in PyTorch's
TORCH_ORDER = {"SimpleRNN": (0,), "LSTM": (0, 1, 2, 3), "GRU": (1, 0, 2)}


def _blocks(name: str, p) -> str:
    """A NumPy suffix reordering the gate blocks along the first axis ('' when already in order)."""
    order = TORCH_ORDER[name]
    if order == tuple(range(len(order))):
        return ""
    u = p["units"]
    return "[np.r_[" + ", ".join(f"{i * u}:{(i + 1) * u}" for i in order) + "]]"


def torch_module(name: str):
    def module(p, s):
        problems = []
        if name == "SimpleRNN":
            if p["activation"] not in ("tanh", "relu"):
                problems.append(f"activation={p['activation']!r} (nn.RNN has 'tanh' and 'relu' only)")
        else:
            if p["activation"] != "tanh" or p["recurrent_activation"] != "sigmoid":
                problems.append(f"activation={p['activation']!r}, recurrent_activation="
                                f"{p['recurrent_activation']!r} ({TORCH_CLASS[name]} has tanh and sigmoid only)")
        if name == "GRU" and not p["reset_after"]:
            problems.append("reset_after=False (nn.GRU applies the reset gate after the recurrent product)")
        if p["dropout"]:
            problems.append(f"dropout={p['dropout']} (Keras drops the same inputs at every step; "
                            f"{TORCH_CLASS[name]}'s dropout is between stacked layers)")
        if problems:
            raise ValueError(f"{name} cannot be exported to PyTorch faithfully: {'; '.join(problems)}.")
        extra = ", nonlinearity='relu'" if name == "SimpleRNN" and p["activation"] == "relu" else ""
        return f"{TORCH_CLASS[name]}({s[0][-1]}, {p['units']}, bias={p['use_bias']}, batch_first=True{extra})"
    return module


def _torch_forward(p, s, xs, m):
    x = f"{xs[0]}.flip(1)" if p["go_backwards"] else xs[0]
    if len(xs) > 1 or p["return_state"]:   # states in or out: nn.LSTM's (h0, c0) and (h_n, c_n)
        return f"rnn_call({m}, {x}, [{', '.join(xs[1:])}], {p['return_sequences']}, {p['return_state']})"
    return f"{m}({x})[0]" + ("" if p["return_sequences"] else "[:, -1]")


def torch_weights(name: str, p) -> dict:
    blocks = _blocks(name, p)
    if name == "GRU" and p["reset_after"]:   # (2, 3u): input bias, recurrent bias
        bias = (("bias_ih_l0", f"[0]{blocks}"), ("bias_hh_l0", f"[1]{blocks}"))
    else:                                    # one bias: PyTorch's second one is zero
        bias = (("bias_ih_l0", blocks), ("bias_hh_l0", f"{blocks} * 0"))
    return {"kernel": ("weight_ih_l0", f".T{blocks}"), "recurrent_kernel": ("weight_hh_l0", f".T{blocks}"),
            "bias": bias}


def declare_rnn(name: str) -> None:
    gated = name != "SimpleRNN"
    params = [Param("units", "int", 32, "Number of units (the size of the state and of each output).", min=1,
                    required=True),
              Param("activation", "activation", "tanh",
                    "Activation of the state candidate ('linear' when unset)." if gated else
                    "Activation of the state ('linear' when unset).", choices=activation().choices, optional=True)]
    if gated:
        params.append(Param("recurrent_activation", "activation", "sigmoid", "Activation of the gates.",
                            choices=activation().choices, optional=True))
    params += [Param("use_bias", "bool", True, "Add learned biases."),
               initializer("kernel_initializer", "glorot_uniform", "input kernel"),
               initializer("recurrent_initializer", "orthogonal", "recurrent kernel"),
               initializer("bias_initializer", "zeros", "bias")]
    if name == "LSTM":
        params.append(Param("unit_forget_bias", "bool", True,
                            "Start the forget gate's bias at 1 (and the others at bias_initializer)."))
    if name == "GRU":
        params.append(Param("reset_after", "bool", True,
                            "Apply the reset gate after the recurrent product (Keras 3's and PyTorch's GRU; "
                            "two biases per gate) rather than before it (Keras 1's)."))
    params += penalties(("kernel", "kernel"), ("recurrent", "recurrent_kernel"), ("bias", "bias"))
    params += [Param("dropout", "float", 0.0, "Fraction of the input features dropped while training (one mask "
                                              "per sequence, the same at every step).", min=0, max=1,
                     max_inclusive=False),
               Param("return_sequences", "bool", False, "Output the state at every step (batch, timesteps, units) "
                                                        "instead of the last one (batch, units)."),
               Param("return_state", "bool", False, "Also output the final state(s) (LSTM: h and c; GRU, "
                                                    "SimpleRNN: h), each (batch, units), after the output."),
               Param("go_backwards", "bool", False, "Read the sequence from its end (the outputs come in the "
                                                    "order they are computed, last step first)."),
               Param("zero_output_for_mask", "bool", False, "At masked steps output zeros instead of the "
                                                            "previous output (the state is kept either way).")]
    register(LayerSpec(
        name, "recurrent", DOCS[name], tuple(params), 1, 1 + len(STATES[name]), rnn_shape(name), rnn_weights(name),
        key_params=("units", "return_sequences"),
        keras=KerasForm(fixed=RNN_FIXED, ignored=RNN_IGNORED, weights_group="cell", declares=("activity_regularizer",)),
        # the weight map depends on units (the gate blocks' order): a function of the parameters
        torch=TorchForm(_torch_forward, torch_module(name), lambda p, s: torch_weights(name, p),
                        helpers=("rnn_call",)),
        cost_rule=recurrent_cost,
        output_count=rnn_outputs(name),
        keywords=("recurrent", "sequence", "time series", "text", "rnn") + (("memory",) if name == "LSTM" else ()),
    ))


for _name in ("SimpleRNN", "LSTM", "GRU"):
    declare_rnn(_name)
