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
import builtins
import io
import json
import keyword
import re
import textwrap
from pathlib import Path

import numpy as np

from ..engine.executor import layers_using_masks
from ..graph import Graph, get_spec, infer_shapes, keras_order
from .atomic import write_atomic
from .torch_helpers import HELPERS, helper_source
from . import torch_optimizers, torch_weight_rules
from . import torch_losses

# names the generated scripts define or use: layer variables never take them
_RESERVED = {"x", "model", "torch", "np", "F", "nn", "keras", "layers", "self", "inputs", "io", "os", "base64",
             "argparse", "data", "state", "Model", "main", "predict", "train", "build_model", "load_weights",
             "weight_arrays", "keras_loss", "make_optimizer", "compile_model", "null", "true", "false", *HELPERS,
             "regularize", "weight_penalty", "activity_regularize", "apply_constraints", "REGULARIZED", "CONSTRAINED",
             "state_from", "keras_arrays", "save_weights", "distributed_context", "end_distributed", "batch_correct",
             "train_distributed", "KERAS_SHAPES", "TRAINED_FILE",
             *dir(builtins)}


# ---------------------------------------------------------------------- shared
def _parts(model, training: dict | None):
    from .keras_config import loss_identifier

    graph = model.to_graph()
    out_id = graph.output_nodes()[0].id
    order = keras_order(graph, [out_id])
    settings = dict(training or {})
    c = getattr(model, "compiled", None)
    if c is not None:
        from ..engine.optimizers import serialize

        settings.setdefault("optimizer", serialize(c.optimizer))
        settings.setdefault("loss", loss_identifier(model))
        settings.setdefault("metrics", [m for m in c.metric_ids if isinstance(m, str)])
    return graph, order, out_id, settings


def _weights_npz(model, graph, order) -> bytes:
    arrays = {}
    for nid in order:
        if graph.nodes[nid].type == "Input":   # a Sequential model's layers do not include its input
            continue
        layer = model.get_layer(graph.nodes[nid].name)
        for i, w in enumerate(layer.get_weights()):
            arrays[f"{layer.name}/{i}"] = np.asarray(w, dtype=np.float32)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _keras_shapes(model, graph, order) -> dict[str, list]:
    """{"<layer name>/<index>": shape} of the weights, in Keras's order (the .npz's keys)."""
    out = {}
    for nid in order:
        if graph.nodes[nid].type == "Input":
            continue
        layer = model.get_layer(graph.nodes[nid].name)
        for i, w in enumerate(layer.get_weights()):
            out[f"{layer.name}/{i}"] = list(np.shape(w))
    return out


def _outputs(node) -> int:
    """How many outputs a node has (LSTM with return_state: 3)."""
    return node.spec.outputs(node.params)


def _port_names(graph: Graph, ids: dict, nid: str) -> list[str]:
    """The Keras script's variable of each output of `nid`: its own name, then name_out1, ..."""
    return [ids[nid]] + [f"{ids[nid]}_out{k}" for k in range(1, _outputs(graph.nodes[nid]))]


def _keras_refs(graph: Graph, ids: dict, nid: str) -> list[str]:
    """The Keras script's variables wired into `nid`, each its source's output port."""
    return [_port_names(graph, ids, e.src)[e.src_port] for e in graph.in_edges(nid)]


def _torch_refs(graph: Graph, ids: dict, nid: str) -> list[str]:
    """The PyTorch forward's values wired into `nid`: a list's item for a source with several outputs."""
    return [f"{ids[e.src]}[{e.src_port}]" if _outputs(graph.nodes[e.src]) > 1 else ids[e.src]
            for e in graph.in_edges(nid)]


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

TRAINED_FILE = os.path.splitext(os.path.abspath(__file__))[0] + "_trained.npz"


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
    parser.add_argument("--save-weights", metavar="OUT.npz", default=TRAINED_FILE,
                        help="where --train writes the trained weights (default: %(default)s)")
    args = parser.parse_args(argv)
    model = build_model()
    if not args.no_weights:
        load_weights(model)
    if args.train:
        data = np.load(args.train)
        train(model, _inputs(args.train, INPUT_NAMES), data["y"])
        save_weights(model, args.save_weights)
        print(f"saved the trained weights to {args.save_weights}")
    if args.predict:  # after --train: the trained model's predictions
        np.save(args.predict[1], predict(model, _inputs(args.predict[0], INPUT_NAMES)))
    if not (args.train or args.predict):
        print(model)


if __name__ == "__main__":
    main()
'''

# the PyTorch script's main: under torchrun, only the first process (rank 0) writes files
_TORCH_MAIN = _MAIN.replace('''    if not args.no_weights:
        load_weights(model)
''', '''    if not args.no_weights:
        load_weights(model)
    rank, _, _ = distributed_context() if args.train else (0, 1, None)
''').replace('''        save_weights(model, args.save_weights)
        print(f"saved the trained weights to {args.save_weights}")
''', '''        if rank == 0:  # every process holds the same weights: one writes them
            save_weights(model, args.save_weights)
            print(f"saved the trained weights to {args.save_weights}")
''').replace('''    if args.predict:  # after --train: the trained model's predictions
''', '''    if args.predict and rank == 0:  # after --train: the trained model's predictions
''').replace('''    if not (args.train or args.predict):
        print(model)
''', '''    if not (args.train or args.predict):
        print(model)
    end_distributed()
''')
assert _TORCH_MAIN.count("rank") == 3 and "end_distributed()" in _TORCH_MAIN


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
def _keras_args(spec, p: dict, name: str | None) -> str:
    """The constructor's arguments, every one (Keras's defaults differ between versions); a
    wrapper's first argument is the layer it wraps."""
    values = spec.keras.written(p)
    args = {k: v for k, v in values.items() if not (v is None and spec.param(k).kind == "activation")
            and k not in spec.keras.call_args}
    wrapper, inner = spec.keras.wrapper, ""
    if wrapper:
        inner_type, inner_params = wrapper.inner(p)
        inner_spec = get_spec(inner_type)
        inner_args = _keras_args(inner_spec, inner_spec.normalize(inner_params), None)
        inner = f"layers.{inner_spec.keras_class}({inner_args}), "
        args = {k: v for k, v in args.items() if k in wrapper.own}
    if name is not None:
        args["name"] = name
    return inner + ", ".join(f"{k}={_keras_value(spec, k, v)}" for k, v in args.items())


def _keras_value(spec, key: str, value) -> str:
    """A constructor argument as Python source: regularizers and constraints as Keras's
    objects (`keras.regularizers.L2(l2=0.01)`), everything else as its repr."""
    kind = spec.param(key).kind if key in spec.param_names else None
    if kind in ("regularizer", "constraint") and value is not None:
        args = ", ".join(f"{k}={v!r}" for k, v in value["config"].items())
        return f"keras.{kind}s.{value['class_name']}({args})"
    if kind == "initializer" and isinstance(value, dict):   # keras.initializers.Constant(value=0.1)
        args = ", ".join(f"{k}={v!r}" for k, v in value["config"].items())
        return f"keras.initializers.{value['class_name']}({args})"
    return repr(value)


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
            dtype = node.params.get("dtype", "float32")
            body.append(f"    {ids[nid]} = keras.Input(shape={tuple(node.params['shape'])!r}, name={node.name!r}"
                        + (f", dtype={dtype!r})" if dtype != "float32" else ")"))
            continue
        srcs = _keras_refs(graph, ids, nid)
        arg = srcs[0] if node.spec.max_inputs == 1 else "[" + ", ".join(srcs) + "]"
        arg = ", ".join(srcs) if node.spec.keras.call_inputs else arg  # layer(query, value, key)
        if node.type in ("SimpleRNN", "LSTM", "GRU"):   # layer(x, initial_state=[h, c])
            arg = srcs[0] + (f", initial_state=[{', '.join(srcs[1:])}]" if len(srcs) > 1 else "")
        args = _keras_args(node.spec, node.params, node.name)
        call = "".join(f", {a}={node.params[a]!r}" for a in node.spec.keras.call_args)
        body.append(f"    {', '.join(_port_names(graph, ids, nid))} = layers.{node.spec.keras_class}({args})"
                    f"({arg}{call})")
    ins = ids[inputs[0]] if len(inputs) == 1 else "[" + ", ".join(ids[i] for i in inputs) + "]"
    body.append(f"    return keras.Model({ins}, {ids[out_id]}, name={model.name!r})")
    npz = _weights_npz(model, graph, order) if weights else None
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


def save_weights(model, path):
    """The weights as plain Keras-ordered arrays "<layer name>/<index>" (what VisualNet's
    model.load_weights and its import-weights command read)."""
    np.savez(path, **{{f"{{layer.name}}/{{i}}": np.asarray(w, dtype=np.float32)
                       for layer in model.layers for i, w in enumerate(layer.get_weights())}})


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
_TORCH_LOSSES = torch_losses.SOURCE  # keras_loss(name, config): every loss of the engine's LOSSES


_TORCH_SAVE = '''

def keras_arrays(model):
    """The model's weights as Keras-ordered arrays: `state_from` traced backwards (each Keras
    element gets a unique number; where it lands in the state says where the value comes from)."""
    ids, start = {}, 1
    for key, shape in KERAS_SHAPES.items():
        size = int(np.prod(shape))
        ids[key] = np.arange(start, start + size, dtype=np.float64).reshape(shape)
        start += size
    flat = np.zeros(start - 1, dtype=np.float32)
    seen = np.zeros(start - 1, dtype=bool)
    state = {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}
    traced = {k: np.asarray(v, dtype=np.float64) for k, v in state_from(ids).items()}
    for name, where in traced.items():
        if where.any() or not state[name].any():
            continue
        # a PyTorch part Keras does not have (the exported value was 0) that training changed
        if "bias_hh" not in name or name.replace("bias_hh", "bias_ih") not in traced:
            raise RuntimeError(f"{name} has no counterpart in Keras's weights; cannot save them in Keras's order")
        # the recurrent layers' second bias: b_ih and b_hh are added together, Keras keeps their sum
        state[name.replace("bias_hh", "bias_ih")] += state[name]
    for name, where in traced.items():
        where = where.ravel()
        hit = where > 0
        positions = where[hit].astype(np.int64) - 1
        flat[positions] = state[name].ravel()[hit]
        seen[positions] = True
    if not seen.all():
        raise RuntimeError("some Keras weights have no PyTorch counterpart; cannot save them in Keras's order")
    out, start = {}, 0
    for key, shape in KERAS_SHAPES.items():
        size = int(np.prod(shape))
        out[key] = flat[start:start + size].reshape(shape)
        start += size
    return out


def save_weights(model, path):
    """The weights as plain Keras-ordered arrays "<layer name>/<index>" (np.savez: no pickles),
    which VisualNet reads back (model.load_weights, its import-weights command)."""
    np.savez(path, **keras_arrays(model))
'''


_TORCH_RUN = '''

def distributed_context():
    """(rank, world size, device). Under `torchrun --nproc_per_node N` (which sets WORLD_SIZE),
    joins the process group: NCCL when CUDA is there, gloo on CPUs. Plain `python`: (0, 1, cpu)."""
    import torch.distributed as dist

    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return 0, 1, torch.device("cpu")
    if not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    device = torch.device("cpu")
    if torch.cuda.is_available():
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    return dist.get_rank(), dist.get_world_size(), device


def end_distributed():
    """Leave the process group together: after a barrier (rank 0 may still be saving or
    predicting) and after the DDP objects are collected, which otherwise die with the
    interpreter, after the group, and abort the process ("terminate called ...")."""
    import gc

    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        gc.collect()
        dist.destroy_process_group()


def batch_correct(p, y):
    """How many of the batch's predictions are right, as Keras's "accuracy" reads the loss."""
    if LOSS_NAME == "binary_crossentropy":
        return float(((p > 0.5).float() == y).float().mean(dim=-1).sum())
    if LOSS_NAME == "sparse_categorical_crossentropy":
        return float((p.argmax(dim=-1) == y.reshape(-1).long()).float().sum())
    if LOSS_NAME == "categorical_crossentropy":
        return float((p.argmax(dim=-1) == y.argmax(dim=-1)).float().sum())
    return None


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
    loss_fn = keras_loss(LOSS_NAME)
    rank, world, device = distributed_context()
    if world > 1:
        return train_distributed(model, xs, y, loss_fn, rank, world, device)
    optimizer = make_optimizer(model)
    n = len(y)
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(n) if SHUFFLE else torch.arange(n)
        total = 0.0
        for i in range(0, n, BATCH_SIZE):
            idx = order[i:i + BATCH_SIZE]
            optimizer.zero_grad()
            model.penalty = 0.0  # what the activity regularizers (and ActivityRegularization) add to the loss
            loss = loss_fn(model(*[v[idx] for v in xs]), y[idx]) + model.penalty + weight_penalty(model)
            loss.backward()
            optimizer.step()
            apply_constraints(model)  # Keras applies the weights' constraints after each update
            total += float(loss.detach()) * len(idx)
        print(f"epoch {epoch + 1}/{EPOCHS} - loss: {total / n:.4f}")
    return model


def train_distributed(model, xs, y, loss_fn, rank, world, device, seed=0):
    """DistributedDataParallel: each of the `world` processes trains on its shard of the data
    (a DistributedSampler, reshuffled each epoch) with BATCH_SIZE samples per step, the gradients
    averaged across processes; the epoch's loss and accuracy are summed over all processes."""
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel
    from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

    model.to(device)
    ddp = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None,
                                  gradient_as_bucket_view=True)
    optimizer = make_optimizer(model)
    data = TensorDataset(*xs, y)
    sampler = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=SHUFFLE, seed=seed)
    batches = DataLoader(data, batch_size=BATCH_SIZE, sampler=sampler)
    for epoch in range(EPOCHS):
        sampler.set_epoch(epoch)
        model.train()
        sums = torch.zeros(3, dtype=torch.float64, device=device)  # loss x samples, correct, samples
        for *bx, by in batches:
            bx, by = [v.to(device) for v in bx], by.to(device)
            optimizer.zero_grad()
            model.penalty = 0.0
            p = ddp(*bx)
            loss = loss_fn(p, by) + model.penalty + weight_penalty(model)
            loss.backward()
            optimizer.step()
            apply_constraints(model)
            correct = batch_correct(p.detach(), by)
            sums += torch.tensor([float(loss.detach()) * len(by), correct or 0.0, len(by)], dtype=torch.float64,
                                 device=device)
        dist.all_reduce(sums)
        if rank == 0:
            accuracy = f" - accuracy: {float(sums[1] / sums[2]):.4f}" if correct is not None else ""
            print(f"epoch {epoch + 1}/{EPOCHS} - loss: {float(sums[0] / sums[2]):.4f}{accuracy} "
                  f"({world} processes)", flush=True)
    del ddp  # its reducer holds the process group; end_distributed collects what is left
    model.to("cpu")
    return model
'''


def _loss_name(loss) -> str | None:
    """The engine's name of the compiled loss, which the PyTorch script's `keras_loss` takes."""
    from ..engine.losses import canonical_name

    return None if loss is None else canonical_name(loss)


def _refuse_masks(model) -> None:
    """torch.nn layers take no masks: refuse a model whose masks reach a layer that uses one."""
    users = layers_using_masks(model)
    if users:
        raise ValueError(f"The model cannot be exported to PyTorch faithfully: masks reach {', '.join(users)} "
                         "(torch.nn layers take no masks).")


def _torch_weight_map(node, shapes) -> dict:
    form = node.spec.torch
    return form.weights(node.params, shapes) if callable(form.weights) else form.weights


def _torch_parts(graph, order, ids, info, activity=None):
    """(submodule lines, forward lines, state_dict lines, helper names) of the model;
    `activity`: {node id: (class, config)} of the activity regularizers to apply."""
    init, fwd, state, helpers = [], [], [], []
    for nid in order:
        node = graph.nodes[nid]
        if node.type == "Input":
            continue
        form, shapes = node.spec.torch, info[nid].input_shapes
        if form is None:
            raise ValueError(f"Layer type {node.type} has no PyTorch export rule.")
        helpers += form.helpers
        m = f"self.{ids[nid]}"
        if form.module is not None:
            init.append(f"        {m} = {form.module(node.params, shapes)}")
        xs = _torch_refs(graph, ids, nid)
        expr = form.forward(node.params, shapes, xs, m)
        if activity and nid in activity:
            cls, config = activity[nid]
            expr = f"activity_regularize(self, {expr}, {cls!r}, {config!r})"
        fwd.append(f"        {ids[nid]} = {expr}")
        weights = _torch_weight_map(node, shapes)
        for i, w in enumerate(node.spec.weights(node.params, shapes)):
            entry = weights[w.name]
            for name, suffix in (entry if isinstance(entry[0], tuple) else (entry,)):
                state.append(f"        \"{ids[nid]}.{name}\": data[{f'{node.name}/{i}'!r}]{suffix},")
    return init, fwd, state, helpers


def torch_script(model, weights: str | None = "npz", training: dict | None = None, recipe=None,
                 npz_name: str = "model_weights.npz") -> tuple[str, bytes | None]:
    """The PyTorch script's text and the weights .npz bytes (None without weights)."""
    _check_weights_option(weights)
    _refuse_masks(model)
    graph, order, out_id, settings = _parts(model, training)
    ids = _idents(graph, order)
    inputs = [nid for nid in order if graph.nodes[nid].type == "Input"]
    info = infer_shapes(graph)
    regularized, constrained, activity = torch_weight_rules.tables(graph, order, ids, info, _torch_weight_map)
    init, fwd, state, helpers = _torch_parts(graph, order, ids, info, activity)
    fwd.append(f"        return {ids[out_id]}")
    npz = _weights_npz(model, graph, order) if weights else None
    opt, loss = settings.get("optimizer"), settings.get("loss")
    text = f'''"""Rebuilds the VisualNet model {model.name!r} in PyTorch (torch.nn), with its training set-up.

Exported by VisualNet. Tensors stay channels-last (batch, height, width, channels) as in Keras.
Run `python {{this file}} --help`.
"""

import argparse
import base64
import io
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

INPUT_NAMES = {[graph.nodes[i].name for i in inputs]!r}
OPTIMIZER = {json.dumps(opt) if opt is not None else "None"}
LOSS = {json.dumps(loss) if loss is not None else "None"}
LOSS_NAME = {_loss_name(loss)!r}
METRICS = {json.dumps(settings.get("metrics") or [])}
EPOCHS = {int(settings.get("epochs", 10))!r}
BATCH_SIZE = {int(settings.get("batch_size", 32))!r}
SHUFFLE = {bool(settings.get("shuffle", True))!r}
REGULARIZED = {json.dumps(regularized)}
CONSTRAINED = {json.dumps(constrained)}
{_recipe_comment(recipe)}{helper_source(helpers)}{_TORCH_LOSSES}{torch_optimizers.source(opt)}{torch_weight_rules.SOURCE}

class Model(nn.Module):
    def __init__(self):
        super().__init__()
{chr(10).join(init) if init else "        pass"}

    def forward(self, {", ".join(ids[i] for i in inputs)}):
{chr(10).join(fwd)}


def build_model():
    return Model()


{_weights_block(weights, npz, npz_name)}

def state_from(data):
    """The model's state_dict entries from the Keras-ordered arrays `data` (kernels in PyTorch's layout)."""
    return {{
{chr(10).join(state)}
    }}


def load_weights(model):
    """The Keras-ordered arrays as the model's state_dict."""
    data = weight_arrays()
    if data is None:
        return
    model.load_state_dict({{k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state_from(data).items()}})


KERAS_SHAPES = {{{"".join(f"{chr(10)}    {k!r}: {v!r}," for k, v in _keras_shapes(model, graph, order).items())}
}}
{_TORCH_SAVE}{_TORCH_RUN}''' + _TORCH_MAIN
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
