"""What the exported Keras and PyTorch scripts share (code_export.py): the model's graph,
order and training settings, the scripts' variable names, the weights as an .npz of
Keras-ordered arrays (embedded or beside the script), the command-line `main` and writing
the files."""

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

from ..graph import Graph, keras_order
from .atomic import write_atomic
from .torch_helpers import HELPERS

_RESERVED = {"x", "model", "torch", "np", "F", "nn", "keras", "layers", "self", "inputs", "io", "os", "base64",
             "argparse", "data", "state", "Model", "main", "predict", "train", "build_model", "load_weights",
             "weight_arrays", "keras_loss", "make_optimizer", "compile_model", "null", "true", "false", *HELPERS,
             "regularize", "weight_penalty", "activity_regularize", "apply_constraints", "REGULARIZED", "CONSTRAINED",
             "state_from", "keras_arrays", "save_weights", "distributed_context", "end_distributed", "batch_correct",
             "train_distributed", "KERAS_SHAPES", "TRAINED_FILE", "run_packed", "reduced_loss",
             *dir(builtins)}


def _parts(model, training: dict | None):
    from .keras_config import loss_identifier

    graph = model.to_graph()
    out_id = graph.output_nodes()[0].id
    order = keras_order(graph, list(dict.fromkeys(getattr(model, "output_node_ids", None) or [out_id])))
    settings = dict(training or {})
    c = getattr(model, "compiled", None)
    if c is not None:
        from ..engine.optimizers import serialize

        settings.setdefault("optimizer", serialize(c.optimizer))
        settings.setdefault("loss", loss_identifier(model))
        from .metric_settings import metric_settings

        settings.setdefault("metrics", metric_settings(c.metric_ids))   # names, built-in metrics' configs
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


def _keras_outputs(model, graph: Graph, ids: dict, out_id: str) -> str:
    """The Keras script's model outputs: one variable, a list, or a dict as the model was built
    (`Model(x, [out, h, c])` reads outputs 1 and 2 of the LSTM: issue 23)."""
    from ..engine.model_structure import given_keys, output_refs

    pairs = output_refs(model) if hasattr(model, "output_node_ids") else [(out_id, 0)]
    refs = [_port_names(graph, ids, n)[k] for n, k in pairs]
    keys = given_keys(model, "outputs") if hasattr(model, "output_node_ids") else None
    if keys:
        by_key = dict(zip(sorted(keys), refs))
        return "{" + ", ".join(f"{k!r}: {by_key[k]}" for k in keys) + "}"
    return refs[0] if len(refs) == 1 else "[" + ", ".join(refs) + "]"


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


def _py_literals(text: str) -> str:
    """JSON constants written above are valid Python once null/true/false are defined."""
    return text.replace("\nINPUT_NAMES = ", "\nnull, true, false = None, True, False\nINPUT_NAMES = ", 1)
