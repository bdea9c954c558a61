"""Code export: a runnable Keras 3 script and a runnable PyTorch (`torch.nn`) script that
rebuild a model and its training set-up, optionally with the trained weights.

    export_keras_script(model, "train_keras.py", weights="npz")   # weights in train_keras_weights.npz
    export_torch_script(model, "train_torch.py", weights="embed")  # weights inside the script

Each script runs on its own (no VisualNet needed):
    python train_keras.py                      # prints a summary
    python train_keras.py --predict x.npy y.npy   # predictions (x.npz with one array per input name)
    python train_keras.py --train data.npz     # fits on arrays x (or the input names) and y
Weights travel as an .npz of plain arrays keyed "<layer name>/<index>" in Keras's order
(np.load without object arrays). The PyTorch model keeps Keras's channels-last layout so that
Flatten, Concatenate and the weights mean the same thing in both.
"""

from __future__ import annotations

import base64
import io
import json
import keyword
import re
import textwrap
from pathlib import Path

import numpy as np

from ..graph import Graph, infer_shapes, keras_order
from .atomic import write_atomic

_TORCH_ACTIVATIONS = {
    "linear": "x", "relu": "torch.relu(x)", "sigmoid": "torch.sigmoid(x)", "tanh": "torch.tanh(x)",
    "softmax": "torch.softmax(x, dim=-1)", "leaky_relu": "F.leaky_relu(x, 0.2)", "elu": "F.elu(x)",
    "selu": "F.selu(x)", "softplus": "F.softplus(x)", "softsign": "F.softsign(x)", "gelu": "F.gelu(x)",
    "swish": "F.silu(x)", "silu": "F.silu(x)", "exponential": "torch.exp(x)",
    "hard_sigmoid": "torch.clamp(x / 6 + 0.5, 0.0, 1.0)",
}


# names the generated scripts define or use: layer variables never take them
_RESERVED = {"x", "a", "model", "torch", "np", "F", "nn", "keras", "layers", "self", "inputs", "io", "os", "base64",
             "argparse", "functools", "sum", "len", "conv2d", "max_pool2d", "avg_pool2d", "pad_nchw", "same_padding",
             "activation", "BatchNormalization", "Model", "main", "predict", "train", "build_model", "load_weights",
             "weight_arrays", "keras_loss", "make_optimizer", "compile_model", "null", "true", "false"}


# ---------------------------------------------------------------------- shared
def _parts(model, training: dict | None):
    from .keras_config import loss_identifier

    graph = model._graph
    out_id = model._output_id
    order = keras_order(graph, [out_id])
    settings = dict(training or {})
    c = getattr(model, "compiled", None)
    if c is not None:
        from ..engine.optimizers import serialize

        settings.setdefault("optimizer", serialize(c.optimizer))
        settings.setdefault("loss", loss_identifier(model))
        settings.setdefault("metrics", [m for m in c.metric_ids if isinstance(m, str)])
    return graph, order, out_id, settings


def _weights_npz(model, order) -> bytes:
    arrays = {}
    for nid in order:
        layer = model._layers_by_id[nid]
        for i, w in enumerate(layer.get_weights()):
            arrays[f"{layer.name}/{i}"] = np.asarray(w, dtype=np.float32)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _idents(graph: Graph, order) -> dict[str, str]:
    out, used = {}, set()
    for nid in order:
        base = re.sub(r"\W", "_", graph.nodes[nid].name) or "layer"
        if base[0].isdigit() or keyword.iskeyword(base) or base in _RESERVED:
            base = "l_" + base
        name, i = base, 1
        while name in used:
            name, i = f"{base}_{i}", i + 1
        used.add(name)
        out[nid] = name
    return out


def _weights_block(weights: str, npz: bytes | None, npz_name: str) -> str:
    if weights == "embed":
        b64 = base64.b64encode(npz).decode("ascii")
        lines = "\n".join(f"    \"{b64[i:i + 100]}\"" for i in range(0, len(b64), 100))
        return (f"WEIGHTS_B64 = (\n{lines}\n)\n\n\ndef weight_arrays():\n"
                "    return np.load(io.BytesIO(base64.b64decode(WEIGHTS_B64)))\n")
    if weights == "npz":
        return (f"WEIGHTS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), {npz_name!r})\n\n\n"
                "def weight_arrays():\n"
                "    return np.load(WEIGHTS_FILE) if os.path.exists(WEIGHTS_FILE) else None\n")
    return "def weight_arrays():\n    return None  # exported without trained weights\n"


_MAIN = '''

def _inputs(path, names):
    if path.endswith(".npz"):
        data = np.load(path)
        return [data[n] for n in names] if len(names) > 1 else data[names[0] if names[0] in data else "x"]
    return np.load(path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--predict", nargs=2, metavar=("INPUT", "OUTPUT"),
                        help="predict on INPUT (.npy, or .npz with one array per input) into OUTPUT.npy")
    parser.add_argument("--train", metavar="DATA.npz", help="fit on arrays 'x' (or the input names) and 'y'")
    parser.add_argument("--no-weights", action="store_true", help="start from fresh weights")
    args = parser.parse_args(argv)
    model = build_model()
    if not args.no_weights:
        load_weights(model)
    if args.predict:
        np.save(args.predict[1], predict(model, _inputs(args.predict[0], INPUT_NAMES)))
    elif args.train:
        data = np.load(args.train)
        train(model, _inputs(args.train, INPUT_NAMES), data["y"])
    else:
        print(model)


if __name__ == "__main__":
    main()
'''


def _recipe_comment(recipe) -> str:
    if recipe is None:
        return ""
    text = json.dumps(recipe.to_dict() if hasattr(recipe, "to_dict") else recipe, indent=1)
    return "# VisualNet prepared the training data with this recipe:\n" + textwrap.indent(text, "#   ") + "\n"


def _write(path, text: str, npz: bytes | None, weights: str) -> Path | None:
    path = Path(path)
    npz_path = None
    if weights == "npz":
        npz_path = path.with_name(path.stem + "_weights.npz")
        write_atomic(npz_path, lambda tmp: Path(tmp).write_bytes(npz), keep_backup=False)
    write_atomic(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"), keep_backup=False)
    return npz_path


def _check_weights_option(weights):
    if weights not in ("npz", "embed", None):
        raise ValueError(f"weights must be 'npz', 'embed' or None. Received: weights={weights!r}")


# ---------------------------------------------------------------------- Keras
def _keras_args(node) -> str:
    p, t = node.params, node.type
    args: dict = {}
    if t == "Dense":
        args = {"units": p["units"], "activation": p["activation"], "use_bias": p["use_bias"],
                "kernel_initializer": p["kernel_initializer"], "bias_initializer": p["bias_initializer"]}
    elif t == "Conv2D":
        args = {"filters": p["filters"], "kernel_size": p["kernel_size"], "strides": p["strides"],
                "padding": p["padding"], "activation": p["activation"], "use_bias": p["use_bias"],
                "kernel_initializer": p["kernel_initializer"], "bias_initializer": p["bias_initializer"]}
    elif t in ("MaxPooling2D", "AveragePooling2D"):
        args = {"pool_size": p["pool_size"], "strides": p["strides"] or p["pool_size"], "padding": p["padding"]}
    else:
        args = dict(p)
    args = {k: v for k, v in args.items() if not (k == "activation" and v is None)}
    args["name"] = node.name
    return ", ".join(f"{k}={v!r}" for k, v in args.items())


def keras_script(model, weights: str | None = "npz", training: dict | None = None, recipe=None,
                 npz_name: str = "model_weights.npz") -> tuple[str, bytes | None]:
    """The Keras script's text and the weights .npz bytes (None without weights)."""
    _check_weights_option(weights)
    graph, order, out_id, settings = _parts(model, training)
    ids = _idents(graph, order)
    inputs = [nid for nid in order if graph.nodes[nid].type == "Input"]
    body = []
    for nid in order:
        node = graph.nodes[nid]
        if node.type == "Input":
            body.append(f"    {ids[nid]} = keras.Input(shape={tuple(node.params['shape'])!r}, name={node.name!r})")
            continue
        srcs = [ids[s] for s in graph.inputs_of(nid)]
        arg = srcs[0] if node.spec.max_inputs == 1 else "[" + ", ".join(srcs) + "]"
        body.append(f"    {ids[nid]} = layers.{node.type}({_keras_args(node)})({arg})")
    ins = ids[inputs[0]] if len(inputs) == 1 else "[" + ", ".join(ids[i] for i in inputs) + "]"
    body.append(f"    return keras.Model({ins}, {ids[out_id]}, name={model.name!r})")
    npz = _weights_npz(model, order) if weights else None
    opt = settings.get("optimizer")
    loss = settings.get("loss")
    text = f'''"""Rebuilds the VisualNet model {model.name!r} in Keras 3 (any backend), with its training set-up.

Exported by VisualNet. Run `python {{this file}} --help`.
"""

import argparse
import base64
import io
import os

import numpy as np
import keras
from keras import layers

INPUT_NAMES = {[graph.nodes[i].name for i in inputs]!r}
OPTIMIZER = {json.dumps(opt) if opt is not None else "None"}
LOSS = {json.dumps(loss) if loss is not None else "None"}
METRICS = {json.dumps(settings.get("metrics") or [])}
EPOCHS = {int(settings.get("epochs", 10))!r}
BATCH_SIZE = {int(settings.get("batch_size", 32))!r}
VALIDATION_SPLIT = {float(settings.get("validation_split", 0.0))!r}
SHUFFLE = {bool(settings.get("shuffle", True))!r}
{_recipe_comment(recipe)}

def build_model():
{chr(10).join(body)}


def compile_model(model):
    if LOSS is None:
        return
    optimizer = keras.optimizers.deserialize(OPTIMIZER) if isinstance(OPTIMIZER, dict) else (OPTIMIZER or "rmsprop")
    loss = keras.losses.deserialize(LOSS) if isinstance(LOSS, dict) else LOSS
    model.compile(optimizer=optimizer, loss=loss, metrics=METRICS)


{_weights_block(weights, npz, npz_name)}

def load_weights(model):
    data = weight_arrays()
    if data is None:
        return
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([data[f"{{layer.name}}/{{i}}"] for i in range(len(layer.weights))])


def predict(model, x):
    return model.predict(x, batch_size=256, verbose=0)


def train(model, x, y):
    compile_model(model)
    return model.fit(x, y, epochs=EPOCHS, batch_size=BATCH_SIZE, validation_split=VALIDATION_SPLIT,
                     shuffle=SHUFFLE)
''' + _MAIN
    return _py_literals(text), npz


def export_keras_script(model, path, weights: str | None = "npz", training: dict | None = None,
                        recipe=None) -> Path | None:
    """Write the Keras script (and `<stem>_weights.npz` beside it for weights='npz');
    returns the .npz path, if any."""
    path = Path(path)
    text, npz = keras_script(model, weights, training, recipe, path.stem + "_weights.npz")
    return _write(path, text, npz, weights)


# ---------------------------------------------------------------------- PyTorch
_TORCH_HELPERS = '''

def same_padding(size, kernel, stride):
    """Keras's 'same' padding: (before, after), the extra cell after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def pad_nchw(x, kernel, stride, value=0.0):
    top, bottom = same_padding(x.shape[2], kernel[0], stride[0])
    left, right = same_padding(x.shape[3], kernel[1], stride[1])
    return F.pad(x, (left, right, top, bottom), value=value)


def conv2d(x, conv, padding):
    x = x.permute(0, 3, 1, 2)
    if padding == "same":
        x = pad_nchw(x, conv.kernel_size, conv.stride)
    return conv(x).permute(0, 2, 3, 1)


def max_pool2d(x, pool, stride, padding):
    x = x.permute(0, 3, 1, 2)
    if padding == "same":
        x = pad_nchw(x, pool, stride, value=float("-inf"))
    return F.max_pool2d(x, pool, stride).permute(0, 2, 3, 1)


def avg_pool2d(x, pool, stride, padding):
    x = x.permute(0, 3, 1, 2)
    if padding == "same":  # divide by the number of real (unpadded) cells, as Keras does
        ones = pad_nchw(torch.ones_like(x[:1, :1]), pool, stride)
        x = pad_nchw(x, pool, stride)
        y = F.avg_pool2d(x, pool, stride) / F.avg_pool2d(ones, pool, stride)
    else:
        y = F.avg_pool2d(x, pool, stride)
    return y.permute(0, 2, 3, 1)


class BatchNormalization(nn.Module):
    """Keras's BatchNormalization over the last axis (biased batch variance, Keras's momentum)."""

    def __init__(self, channels, momentum=0.99, epsilon=1e-3, center=True, scale=True):
        super().__init__()
        self.momentum, self.epsilon = momentum, epsilon
        self.gamma = nn.Parameter(torch.ones(channels)) if scale else None
        self.beta = nn.Parameter(torch.zeros(channels)) if center else None
        self.register_buffer("moving_mean", torch.zeros(channels))
        self.register_buffer("moving_variance", torch.ones(channels))

    def forward(self, x):
        if self.training:
            dims = tuple(range(x.dim() - 1))
            mean, var = x.mean(dim=dims), x.var(dim=dims, unbiased=False)
            with torch.no_grad():
                self.moving_mean.mul_(self.momentum).add_(mean.detach() * (1 - self.momentum))
                self.moving_variance.mul_(self.momentum).add_(var.detach() * (1 - self.momentum))
        else:
            mean, var = self.moving_mean, self.moving_variance
        y = (x - mean) * torch.rsqrt(var + self.epsilon)
        if self.gamma is not None:
            y = y * self.gamma
        if self.beta is not None:
            y = y + self.beta
        return y


def activation(name, x):
    return ACTIVATIONS[name](x)


ACTIVATIONS = {
''' + "".join(f"    {k!r}: lambda x: {v},\n" for k, v in _TORCH_ACTIVATIONS.items()) + "}\n"

_TORCH_LOSSES = '''

EPSILON = 1e-7


def keras_loss(name):
    """Keras's loss on probabilities (clipped as Keras clips them), averaged over the batch."""
    name = {"CategoricalCrossentropy": "categorical_crossentropy",
            "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
            "BinaryCrossentropy": "binary_crossentropy", "MeanSquaredError": "mean_squared_error",
            "MeanAbsoluteError": "mean_absolute_error", "mse": "mean_squared_error",
            "mae": "mean_absolute_error"}.get(name, name)

    def categorical(p, y):
        p = p / p.sum(dim=-1, keepdim=True)
        return -(y * torch.log(p.clamp(EPSILON, 1 - EPSILON))).sum(dim=-1).mean()

    def sparse(p, y):
        p = p / p.sum(dim=-1, keepdim=True)
        return -torch.log(p.clamp(EPSILON, 1 - EPSILON)).gather(-1, y.long().reshape(-1, 1)).mean()

    def binary(p, y):
        p = p.clamp(EPSILON, 1 - EPSILON)
        return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean(dim=-1).mean()

    table = {"categorical_crossentropy": categorical, "sparse_categorical_crossentropy": sparse,
             "binary_crossentropy": binary,
             "mean_squared_error": lambda p, y: ((p - y) ** 2).mean(dim=-1).mean(),
             "mean_absolute_error": lambda p, y: (p - y).abs().mean(dim=-1).mean()}
    return table[name]


def make_optimizer(model):
    """The closest torch.optim optimizer to the Keras one (see the notes on each)."""
    kind = (OPTIMIZER or {}).get("class_name", "RMSprop")
    c = dict((OPTIMIZER or {}).get("config", {}))
    lr = c.get("learning_rate", 0.001)
    if isinstance(lr, dict):  # a schedule: start from its initial rate
        lr = lr.get("config", {}).get("initial_learning_rate", 0.001)
    wd = c.get("weight_decay") or 0.0
    params = model.parameters()
    if kind == "SGD":  # Keras's momentum update equals torch's for a constant rate
        return torch.optim.SGD(params, lr=lr, momentum=c.get("momentum", 0.0), nesterov=c.get("nesterov", False),
                               weight_decay=wd)
    if kind == "Adam":  # torch adds epsilon after the bias correction; Keras before (tiny difference)
        cls = torch.optim.AdamW if wd else torch.optim.Adam
        return cls(params, lr=lr, betas=(c.get("beta_1", 0.9), c.get("beta_2", 0.999)), eps=c.get("epsilon", 1e-7),
                   amsgrad=c.get("amsgrad", False), weight_decay=wd)
    if kind == "Adagrad":
        return torch.optim.Adagrad(params, lr=lr, initial_accumulator_value=c.get("initial_accumulator_value", 0.1),
                                   eps=c.get("epsilon", 1e-7), weight_decay=wd)
    # RMSprop: torch adds epsilon outside the square root, Keras inside
    return torch.optim.RMSprop(params, lr=lr, alpha=c.get("rho", 0.9), eps=c.get("epsilon", 1e-7),
                               momentum=c.get("momentum", 0.0), centered=c.get("centered", False), weight_decay=wd)
'''


def _torch_layer(node, ins: list[tuple]) -> tuple[str | None, str]:
    """(constructor line or None, forward expression with `a` = the inputs) for one node."""
    p, t = node.params, node.type
    act = p.get("activation") or "linear"
    if t == "Dense":
        return (f"nn.Linear({ins[0][-1]}, {p['units']}, bias={p['use_bias']})",
                f"activation({act!r}, self.{{m}}(a[0]))")
    if t == "Conv2D":
        return (f"nn.Conv2d({ins[0][3]}, {p['filters']}, {tuple(p['kernel_size'])}, stride={tuple(p['strides'])}, "
                f"bias={p['use_bias']})",
                f"activation({act!r}, conv2d(a[0], self.{{m}}, {p['padding']!r}))")
    if t in ("MaxPooling2D", "AveragePooling2D"):
        fn = "max_pool2d" if t == "MaxPooling2D" else "avg_pool2d"
        stride = tuple(p["strides"] or p["pool_size"])
        return None, f"{fn}(a[0], {tuple(p['pool_size'])}, {stride}, {p['padding']!r})"
    if t in ("GlobalAveragePooling2D", "GlobalMaxPooling2D"):
        fn = "mean" if t == "GlobalAveragePooling2D" else "amax"
        return None, f"a[0].{fn}(dim=(1, 2), keepdim={p['keepdims']})"
    if t == "BatchNormalization":
        return (f"BatchNormalization({ins[0][-1]}, momentum={p['momentum']!r}, epsilon={p['epsilon']!r}, "
                f"center={p['center']}, scale={p['scale']})", "self.{m}(a[0])")
    if t == "Dropout":
        return f"nn.Dropout({p['rate']!r})", "self.{m}(a[0])"
    if t == "Flatten":
        return None, "a[0].reshape(a[0].shape[0], -1)"
    if t == "Reshape":
        return None, f"a[0].reshape(a[0].shape[0], *{tuple(p['target_shape'])!r})"
    if t == "Activation":
        return None, f"activation({p['activation']!r}, a[0])"
    if t == "LeakyReLU":
        return None, f"F.leaky_relu(a[0], {p['negative_slope']!r})"
    if t == "Softmax":
        return None, f"torch.softmax(a[0], dim={p['axis']})"
    if t == "Concatenate":
        return None, f"torch.cat(a, dim={p['axis']})"
    if t == "Add":
        return None, "sum(a[1:], a[0])"
    if t == "Subtract":
        return None, "a[0] - a[1]"
    if t == "Multiply":
        return None, "functools.reduce(lambda u, v: u * v, a)"
    if t == "Average":
        return None, "sum(a[1:], a[0]) / len(a)"
    raise ValueError(f"Layer type {t} has no PyTorch export rule.")


_TORCH_LOAD = '''

def load_weights(model):
    """Keras-ordered arrays into the torch modules (Dense kernels transposed, Conv2D kernels
    from (kh, kw, in, out) to (out, in, kh, kw))."""
    data = weight_arrays()
    if data is None:
        return
    with torch.no_grad():
        for name, attr, kind in LAYERS:
            module = getattr(model, attr)
            w = [torch.from_numpy(np.asarray(data[f"{name}/{i}"])) for i in range(WEIGHT_COUNTS[name])]
            if kind == "Dense":
                module.weight.copy_(w[0].T)
                if module.bias is not None:
                    module.bias.copy_(w[1])
            elif kind == "Conv2D":
                module.weight.copy_(w[0].permute(3, 2, 0, 1))
                if module.bias is not None:
                    module.bias.copy_(w[1])
            elif kind == "BatchNormalization":
                params = [p for p in (module.gamma, module.beta) if p is not None]
                for p, v in zip(params + [module.moving_mean, module.moving_variance], w):
                    p.copy_(v)


def predict(model, x, batch_size=256):
    model.train(False)
    xs = x if isinstance(x, (list, tuple)) else [x]
    out = []
    with torch.no_grad():
        for i in range(0, len(xs[0]), batch_size):
            out.append(model(*[torch.as_tensor(np.asarray(v[i:i + batch_size], dtype=np.float32)) for v in xs]))
    return torch.cat(out).numpy()


def train(model, x, y):
    xs = [torch.as_tensor(np.asarray(v, dtype=np.float32)) for v in (x if isinstance(x, (list, tuple)) else [x])]
    y = torch.as_tensor(np.asarray(y, dtype=np.float32))
    loss_fn = keras_loss(LOSS if isinstance(LOSS, str) else (LOSS or {}).get("class_name"))
    optimizer = make_optimizer(model)
    n = len(y)
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(n) if SHUFFLE else torch.arange(n)
        total = 0.0
        for i in range(0, n, BATCH_SIZE):
            idx = order[i:i + BATCH_SIZE]
            optimizer.zero_grad()
            loss = loss_fn(model(*[v[idx] for v in xs]), y[idx])
            loss.backward()
            optimizer.step()
            total += float(loss) * len(idx)
        print(f"epoch {epoch + 1}/{EPOCHS} - loss: {total / n:.4f}")
    return model
'''


def torch_script(model, weights: str | None = "npz", training: dict | None = None, recipe=None,
                 npz_name: str = "model_weights.npz") -> tuple[str, bytes | None]:
    """The PyTorch script's text and the weights .npz bytes (None without weights)."""
    _check_weights_option(weights)
    graph, order, out_id, settings = _parts(model, training)
    ids = _idents(graph, order)
    info = infer_shapes(graph)
    inputs = [nid for nid in order if graph.nodes[nid].type == "Input"]
    init, fwd, layers_with_weights, counts = [], [], [], {}
    for nid in order:
        node = graph.nodes[nid]
        if node.type == "Input":
            continue
        ctor, expr = _torch_layer(node, info[nid].input_shapes)
        if ctor:
            init.append(f"        self.{ids[nid]} = {ctor}")
        n_weights = len(model._layers_by_id[nid].weight_specs)
        if n_weights:
            layers_with_weights.append((node.name, ids[nid], node.type))
            counts[node.name] = n_weights
        srcs = ", ".join(ids[s] for s in graph.inputs_of(nid))
        fwd.append(f"        a = [{srcs}]")
        fwd.append(f"        {ids[nid]} = {expr.format(m=ids[nid])}")
    fwd.append(f"        return {ids[out_id]}")
    npz = _weights_npz(model, order) if weights else None
    opt, loss = settings.get("optimizer"), settings.get("loss")
    text = f'''"""Rebuilds the VisualNet model {model.name!r} in PyTorch (torch.nn), with its training set-up.

Exported by VisualNet. Tensors stay channels-last (batch, height, width, channels) as in Keras.
Run `python {{this file}} --help`.
"""

import argparse
import base64
import functools
import io
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

INPUT_NAMES = {[graph.nodes[i].name for i in inputs]!r}
LAYERS = {layers_with_weights!r}
WEIGHT_COUNTS = {counts!r}
OPTIMIZER = {json.dumps(opt) if opt is not None else "None"}
LOSS = {json.dumps(loss) if loss is not None else "None"}
METRICS = {json.dumps(settings.get("metrics") or [])}
EPOCHS = {int(settings.get("epochs", 10))!r}
BATCH_SIZE = {int(settings.get("batch_size", 32))!r}
SHUFFLE = {bool(settings.get("shuffle", True))!r}
{_recipe_comment(recipe)}{_TORCH_HELPERS}{_TORCH_LOSSES}

class Model(nn.Module):
    def __init__(self):
        super().__init__()
{chr(10).join(init) if init else "        pass"}

    def forward(self, {", ".join(ids[i] for i in inputs)}):
{chr(10).join(fwd)}


def build_model():
    return Model()


{_weights_block(weights, npz, npz_name)}{_TORCH_LOAD}''' + _MAIN
    return _py_literals(text), npz


def _py_literals(text: str) -> str:
    """JSON constants written above are valid Python once null/true/false are defined."""
    return text.replace("\nINPUT_NAMES = ", "\nnull, true, false = None, True, False\nINPUT_NAMES = ", 1)


def export_torch_script(model, path, weights: str | None = "npz", training: dict | None = None,
                        recipe=None) -> Path | None:
    """Write the PyTorch script (and `<stem>_weights.npz` beside it for weights='npz');
    returns the .npz path, if any."""
    path = Path(path)
    text, npz = torch_script(model, weights, training, recipe, path.stem + "_weights.npz")
    return _write(path, text, npz, weights)
