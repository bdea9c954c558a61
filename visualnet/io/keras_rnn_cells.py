"""Keras's `RNN(cell)` layers in Keras files (issue 23), read as the recurrent layers that
compute the same: `RNN(LSTMCell(...))` becomes an LSTM layer of the same name (GRUCell a GRU,
SimpleRNNCell a SimpleRNN), and `RNN(StackedRNNCells([...]))` (or a list of cells) one such
layer per cell, chained: every one but the last returns its sequences, the first reads
backwards when the RNN does, the last keeps the RNN's name and zero_output_for_mask; the
RNN's final states (return_state) are those of its cells' layers, and references to them
are rewired. The weights stay where Keras wrote them: `lowered_weight_groups` says which
group of the file holds each layer's ('layers/rnn/cell', 'layers/rnn_1/cell/cells/gru_cell').

VisualNet writes these models back as the equivalent LSTM (GRU, SimpleRNN) layers, which real
Keras reads and computes the same way. A cell written in Python is a custom layer: its
file needs custom_objects (keras_custom.py).

Refused: a stacked RNN with go_backwards in a model that makes masks (Embedding(mask_zero=True),
Masking). Its later cells read the first one's outputs in reverse step order, so their mask must
be reversed too; the Python API's RNN does that (rnn_layer.py), the plain layers read from a
file would not, and would compute other numbers than Keras.
"""

from __future__ import annotations

import copy

from ..graph.registry import snake_case
from .errors import KerasFileError

CELL_TYPES = {"SimpleRNNCell": "SimpleRNN", "LSTMCell": "LSTM", "GRUCell": "GRU"}
STATES = {"SimpleRNN": 1, "LSTM": 2, "GRU": 1}
_RNN_ARGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll", "zero_output_for_mask")
_CELL_ONLY = ("name", "trainable", "dtype", "seed")


def _is_keras_rnn(layer) -> bool:
    return (isinstance(layer, dict) and layer.get("class_name") == "RNN" and isinstance(layer.get("config"), dict)
            and layer.get("registered_name") in (None, "RNN")
            and str(layer.get("module") or "keras").startswith("keras"))


def _cells(cell) -> list | None:
    """The built-in cells of an RNN's 'cell' entry, in order; None when it holds another kind."""
    if isinstance(cell, list):
        entries = cell
    elif isinstance(cell, dict) and cell.get("class_name") == "StackedRNNCells":
        entries = (cell.get("config") or {}).get("cells")
    else:
        entries = [cell]
    if not isinstance(entries, list) or not entries:
        return None
    for entry in entries:
        if not (isinstance(entry, dict) and entry.get("class_name") in CELL_TYPES
                and isinstance(entry.get("config", {}), dict)):
            return None
    return entries


def _cell_names(cell: dict) -> str:
    """'MinimalRNNCell', or 'StackedRNNCells(MinimalRNNCell, LSTMCell)'."""
    inner = (cell.get("config") or {}).get("cells") if cell["class_name"] == "StackedRNNCells" else None
    if not isinstance(inner, list):
        return cell["class_name"]
    names = [str(c.get("class_name")) if isinstance(c, dict) else "?" for c in inner]
    return f"StackedRNNCells({', '.join(names)})"


def _ref(name: str, port: int) -> dict:
    return {"class_name": "__keras_tensor__", "config": {"keras_history": [name, 0, port]}}


def _refs(obj) -> list:
    """The tensor references in a Keras 3 call's arguments, in order."""
    if isinstance(obj, dict) and obj.get("class_name") == "__keras_tensor__":
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [r for o in obj for r in _refs(o)]
    if isinstance(obj, dict):
        return [r for o in obj.values() for r in _refs(o)]
    return []


def _rewire(obj, ports: dict) -> None:
    """Point every reference to a lowered RNN's output at the layer now holding it."""
    if isinstance(obj, dict):
        hist = obj.get("config", {}).get("keras_history") if obj.get("class_name") == "__keras_tensor__" else None
        if isinstance(hist, list) and len(hist) == 3 and (hist[0], hist[2]) in ports:
            obj["config"]["keras_history"] = [ports[(hist[0], hist[2])][0], hist[1], ports[(hist[0], hist[2])][1]]
            return
        for value in obj.values():
            _rewire(value, ports)
    elif isinstance(obj, list):
        if len(obj) >= 3 and isinstance(obj[0], str) and (obj[0], obj[2]) in ports and isinstance(obj[1], int):
            obj[0], obj[2] = ports[(obj[0], obj[2])]   # Keras 3's output_layers entries, Keras 2's refs
            return
        for value in obj:
            _rewire(value, ports)


def _entry(kind: str, cell: dict, rnn: dict, name: str, **changes) -> dict:
    cfg = {k: v for k, v in (cell.get("config") or {}).items() if k not in _CELL_ONLY}
    cfg.update({k: rnn[k] for k in _RNN_ARGS if k in rnn}, **changes)
    cfg.pop("unroll", None)   # Keras's implementation choice: the same numbers either way
    cfg.update(name=name, trainable=rnn.get("trainable", True))
    if "dtype" in rnn:
        cfg["dtype"] = rnn["dtype"]
    return {"module": "keras.layers", "class_name": kind, "config": cfg, "registered_name": None, "name": name}


def _makes_masks(layers: list) -> bool:
    for layer in layers:
        cfg = layer.get("config") if isinstance(layer, dict) else None
        if isinstance(cfg, dict) and (layer.get("class_name") == "Masking" or cfg.get("mask_zero") is True):
            return True
    return False


def lower_rnn_layers(config: dict) -> tuple[dict, dict]:
    """(the model config with each RNN over built-in cells replaced by its recurrent layers,
    {layer name: (group under 'layers/' in Keras 3's weights file, sub-path of its weights,
    the RNN's name in a legacy .h5 file, the index of its first weight there)})."""
    inner = config.get("config") if isinstance(config, dict) else None
    layers = inner.get("layers") if isinstance(inner, dict) else None
    if not isinstance(layers, list) or not any(_is_keras_rnn(layer) for layer in layers):
        return config, {}
    config = copy.deepcopy(config)
    layers = config["config"]["layers"]
    taken = {layer.get("name", (layer.get("config") or {}).get("name")) for layer in layers if isinstance(layer, dict)}
    seen: dict[str, int] = {}     # Keras 3's weight groups: snake-case class name, numbered in order
    groups, out, ports = {}, [], {}
    for layer in layers:
        base = snake_case(layer.get("class_name", "")) if isinstance(layer, dict) else ""
        group = base if base not in seen else f"{base}_{seen[base]}"
        seen[base] = seen.get(base, 0) + 1
        cells = _cells(layer["config"].get("cell")) if _is_keras_rnn(layer) else None
        if cells is None:
            cell = layer["config"].get("cell") if _is_keras_rnn(layer) else None
            if isinstance(cell, dict) and isinstance(cell.get("class_name"), str):   # a cell written in Python:
                kind = _cell_names(cell)                                               # the error names it
                layer = {**layer, "class_name": f"RNN({kind})", "registered_name": kind}
            out.append(layer)
            continue
        rnn = layer["config"]
        name = layer.get("name", rnn.get("name"))
        if len(cells) == 1 and not (isinstance(rnn["cell"], dict) and rnn["cell"].get("class_name") ==
                                    "StackedRNNCells"):
            lowered = _entry(CELL_TYPES[cells[0]["class_name"]], cells[0], rnn, name)
            lowered["inbound_nodes"] = layer.get("inbound_nodes", [])
            out.append(lowered)
            groups[name] = (group, "cell", name, 0)
            continue
        if rnn.get("go_backwards") and _makes_masks(layers):
            raise KerasFileError(f"The layer '{name}' is an RNN of {len(cells)} stacked cells reading backwards in a "
                                 "model with masks (Embedding mask_zero or Masking); VisualNet cannot read it "
                                 "faithfully from a file. Build it in Python with layers.RNN instead.")
        nodes = layer.get("inbound_nodes", [])
        sequential = config.get("class_name") == "Sequential"
        if not sequential and not (isinstance(nodes, list) and len(nodes) == 1 and isinstance(nodes[0], dict)):
            out.append(layer)    # not Keras 3's form: reported as unsupported
            continue
        refs = [] if sequential else _refs(nodes[0].get("args", [])) + _refs(
            {k: v for k, v in (nodes[0].get("kwargs") or {}).items() if k != "mask"})
        x, states = refs[:1], refs[1:]
        used: dict[str, int] = {}
        last = len(cells) - 1
        port, first_weight = 1, 0
        for i, cell in enumerate(cells):
            kind = CELL_TYPES[cell["class_name"]]
            cell_base = snake_case(cell["class_name"])
            cell_group = cell_base if cell_base not in used else f"{cell_base}_{used[cell_base]}"
            used[cell_base] = used.get(cell_base, 0) + 1
            sub = name
            if i < last:
                sub = f"{name}_{(cell.get('config') or {}).get('name') or cell_group}"
                while sub in taken:
                    sub += "_"
                taken.add(sub)
            entry = _entry(kind, cell, rnn, sub, return_sequences=rnn.get("return_sequences", False) if i == last
                           else True, go_backwards=bool(rnn.get("go_backwards")) and i == 0,
                           zero_output_for_mask=bool(rnn.get("zero_output_for_mask")) and i == last)
            k = STATES[kind]
            given = states[(port - 1):(port - 1) + k] if states else []
            if not sequential:
                entry["inbound_nodes"] = [{"args": [*x, *given], "kwargs": {}}]
            out.append(entry)
            groups[sub] = (group, f"cell/cells/{cell_group}", name, first_weight)
            first_weight += 3 if (cell.get("config") or {}).get("use_bias", True) else 2
            for j in range(k):
                ports[(name, port + j)] = (sub, 1 + j)
            port += k
            x = [_ref(sub, 0)]
    for layer in out:
        if isinstance(layer, dict):
            _rewire(layer.get("inbound_nodes"), ports)
    for key in ("output_layers", "input_layers"):
        _rewire(config["config"].get(key), ports)
    config["config"]["layers"] = out
    return config, groups
