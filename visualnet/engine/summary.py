"""`model.summary()`: Keras 3's table, drawn with the same box characters."""

from __future__ import annotations

import shutil

from .nesting import calls_of, is_model, top_level


def _fmt_shape(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"   # Keras 3: (None) for rank 1


def _fmt_size(n_params: int) -> str:
    size = n_params * 4.0
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{n_params:,} ({size:.2f} {unit})"
        size /= 1024


def _wrap(text: str, width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= width:
            current = candidate
        else:
            if current:
                lines.append(current)
            current = word if len(word) <= width else word[: width - 1] + "…"
    return lines + [current] if current or not lines else lines


def _row(cells, widths, aligns, left="│", mid="│", right="│") -> list[str]:
    wrapped = []
    for c, w in zip(cells, widths):
        parts = []
        for piece in c.split("\n"):
            parts += _wrap(piece, w)
        wrapped.append(parts)
    height = max(len(w) for w in wrapped)
    out = []
    for i in range(height):
        texts = []
        for parts, w, a in zip(wrapped, widths, aligns):
            t = parts[i] if i < len(parts) else ""
            texts.append(t.rjust(w) if a == "r" else t.ljust(w))
        out.append(left + " " + f" {mid} ".join(texts) + " " + right)
    return out


def _rule(widths, left, mid, right, fill) -> str:
    return left + mid.join(fill * (w + 2) for w in widths) + right


def column_widths(line_length: int, positions) -> list[int]:
    """The cells' text widths in Keras's table: `positions` cut `line_length` into columns, then
    (as rich draws Keras's table `line_length` wide) the borders and the cells' padding are taken
    back from the columns evenly, in rich's `ratio_reduce` order and rounding."""
    widths, current = [], 0
    for pos in positions:
        width = int(pos * line_length) - current
        if width < 4:
            raise ValueError(f"Insufficient console width to print summary. Received: line_length={line_length}")
        widths.append(width + 2)  # with the padding
        current += width
    excess, share = sum(widths) - (line_length - len(widths) - 1), len(widths)
    for i, width in enumerate(widths):
        if excess <= 0:
            break
        cut = min(width, round(excess / share))
        widths[i], excess, share = width - cut, excess - cut, share - 1
    return [max(1, w - 2) for w in widths]


def _chain(model, groups) -> bool:
    """Whether a functional model is a plain chain (each layer called once, on the one output of
    the layer before): Keras draws those as it draws a Sequential, without 'Connected to'."""
    graph = model._graph
    owner = {n: i for i, (_, nids) in enumerate(groups) for n in nids}
    fed: set[int] = set()
    sources = 0
    for i, (item, nids) in enumerate(groups):
        parents = [p for n in nids for p in graph.inputs_of(n) if owner.get(p) != i]
        sources += not parents
        if len(calls_of(model, item, nids)) > 1 or len(parents) > 1 or (parents and owner.get(parents[0]) in fed):
            return False
        fed.update(owner.get(p) for p in parents)
    return sources <= 1


def summary_text(model, line_length: int | None = None) -> str:
    """The summary as text (what `summary()` prints)."""
    groups = top_level(model)
    sequential = type(model).__name__ == "Sequential" or _chain(model, groups)
    if sequential:
        headers, positions, aligns = ["Layer (type)", "Output Shape", "Param #"], [0.45, 0.80, 1.0], "llr"
    else:
        headers, positions = ["Layer (type)", "Output Shape", "Param #", "Connected to"], [0.3, 0.56, 0.74, 1.0]
        aligns = "llrl"
    widths = column_widths(line_length or min(88 if sequential else 108, shutil.get_terminal_size().columns - 4),
                           positions)
    graph = model._graph
    lines = [f'Model: "{model.name}"',
             _rule(widths, "┏", "┳", "┓", "━"),
             *_row(headers, widths, aligns, "┃", "┃", "┃"),
             _rule(widths, "┡", "╇", "┩", "━")]
    layers = model.layers if "Sequential" in {c.__name__ for c in type(model).__mro__} \
        else model.operations   # a functional model's ops on symbolic tensors too, as Keras shows them
    nodes = {id(item): nids for item, nids in groups}  # id(layer or nested model) -> its node ids
    ref = {n: f"{item.name}[{c}][0]" for item, nids in groups  # node id -> "name[call][0]", as Keras shows it
           for c, call in enumerate(calls_of(model, item, nids)) for n in call}
    for i, layer in enumerate(layers):
        kind = type(layer).__name__
        if is_model(layer) and "Sequential" not in {c.__name__ for c in type(layer).__mro__}:
            kind = "Functional"
        several = not is_model(layer) and getattr(layer, "output_count", 1) > 1   # "[(None, 8), (None, 8)]"
        shape = "[" + ", ".join(map(_fmt_shape, layer.output_shapes)) + "]" if several else \
            _fmt_shape(layer.output_shape)
        cells = [f"{layer.name} ({kind})", shape, f"{layer.count_params():,}"]
        if not sequential:
            own = set(nodes[id(layer)])
            parents = list(dict.fromkeys(ref[e.src][:-2] + f"{e.src_port}]" for n in nodes[id(layer)]
                                         for e in graph.in_edges(n) if e.src not in own))
            cells.append(",\n".join(parents) if parents else "-")
        lines += _row(cells, widths, aligns)
        lines.append(_rule(widths, "├", "┼", "┤", "─") if i < len(layers) - 1 else _rule(widths, "└", "┴", "┘", "─"))
    trainable = sum(a.size for a in model.trainable_weights)
    non_trainable = sum(a.size for a in model.non_trainable_weights)
    n_opt = _optimizer_params(model)
    lines += [f" Total params: {_fmt_size(trainable + non_trainable + n_opt)}",
              f" Trainable params: {_fmt_size(trainable)}",
              f" Non-trainable params: {_fmt_size(non_trainable)}"]
    if n_opt:
        lines.append(f" Optimizer params: {_fmt_size(n_opt)}")
    return "\n".join(lines)


def _optimizer_params(model) -> int:
    """Values in Keras 3's `optimizer.variables` once the optimizer is built (0 before):
    iterations, the learning rate and the slots, those of weights frozen since included."""
    c = model.compiled
    if c is None or not c.optimizer_built:
        return 0
    shapes = [w.shape for layer, w, t in model._store.entries if t]
    parked = sum(v.size for slots in c.parked_slots.values() for v in slots.values())
    return sum(v.size for v in c.optimizer.keras_variables(shapes)) + parked
