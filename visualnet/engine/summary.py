"""`model.summary()`: Keras 3's table, drawn with the same box characters."""

from __future__ import annotations

from .nesting import calls_of, is_model, top_level


def _fmt_shape(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


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


def summary_text(model, line_length: int | None = None) -> str:
    """The summary as text (what `summary()` prints)."""
    sequential = type(model).__name__ == "Sequential"
    line_length = line_length or 77
    if sequential:
        headers, fractions, aligns = ["Layer (type)", "Output Shape", "Param #"], [0.45, 0.32, 0.23], "llr"
    else:
        headers, fractions = ["Layer (type)", "Output Shape", "Param #", "Connected to"], [0.29, 0.26, 0.18, 0.27]
        aligns = "llrl"
    inner = line_length - 1 - 3 * len(headers)
    widths = [max(6, int(inner * f)) for f in fractions]
    widths[-1] += inner - sum(widths)
    graph = model._graph
    lines = [f'Model: "{model.name}"',
             _rule(widths, "┏", "┳", "┓", "━"),
             *_row(headers, widths, aligns, "┃", "┃", "┃"),
             _rule(widths, "┡", "╇", "┩", "━")]
    layers = model.layers
    groups = top_level(model)
    nodes = {id(item): nids for item, nids in groups}  # id(layer or nested model) -> its node ids
    ref = {n: f"{item.name}[{c}][0]" for item, nids in groups  # node id -> "name[call][0]", as Keras shows it
           for c, call in enumerate(calls_of(model, item, nids)) for n in call}
    for i, layer in enumerate(layers):
        kind = type(layer).__name__
        if is_model(layer) and "Sequential" not in {c.__name__ for c in type(layer).__mro__}:
            kind = "Functional"
        cells = [f"{layer.name} ({kind})", _fmt_shape(layer.output_shape), f"{layer.count_params():,}"]
        if not sequential:
            own = set(nodes[id(layer)])
            parents = list(dict.fromkeys(ref[p] for n in nodes[id(layer)] for p in graph.inputs_of(n) if p not in own))
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
