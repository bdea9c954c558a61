"""Text for shapes, parameter values and counts, as the canvas and panels show them."""

from __future__ import annotations


def shape_text(shape) -> str:
    """Keras's form, batch included: (None, 26, 26, 32)."""
    if shape is None:
        return "?"
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def sample_shape_text(shape) -> str:
    """One sample's shape, batch left out: 26×26×32, or 10 for a vector."""
    if shape is None:
        return "?"
    dims = ["?" if d is None else str(d) for d in shape[1:]]
    return "×".join(dims) if dims else "scalar"


def value_text(param, value) -> str:
    """A parameter value in a few characters: 3×3, relu, 0.2, yes."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if getattr(param, "kind", None) == "pairs":  # (before, after) per axis: 1+2×0+3
        rows = (value,) if param.length == 1 else value
        if isinstance(rows, (tuple, list)) and all(isinstance(r, (tuple, list)) and len(r) == 2 for r in rows):
            return "×".join(f"{a}+{b}" for a, b in rows)
    if isinstance(value, (tuple, list)):
        return "×".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def key_params_text(spec, params: dict) -> str:
    """The node's one-line summary: required or non-default key parameters, e.g.
    '32 filters · 3×3 · relu' is written 'filters 32 · kernel_size 3×3 · relu'."""
    parts = []
    for name in spec.key_params:
        try:
            p = spec.param(name)
        except KeyError:
            continue
        value = params.get(name, p.default)
        if value is None or (not p.required and value == p.default):
            continue
        text = value_text(p, value)
        parts.append(text if p.kind in ("activation", "choice") else f"{_short(name)} {text}")
    return " · ".join(parts)


_SHORT = {"kernel_size": "kernel", "pool_size": "pool", "target_shape": "to", "negative_slope": "slope"}


def _short(name: str) -> str:
    return _SHORT.get(name, name)


def count_text(n: int) -> str:
    return f"{n:,}"


def compact_count(n: int) -> str:
    """1,234 → '1.2K'; 1,199,882 → '1.2M'; small counts in full."""
    if n < 10_000:
        return f"{n:,}"
    for unit, size in (("M", 1_000_000), ("K", 1_000)):
        if n >= size:
            return f"{n / size:.1f}{unit}" if n < 100 * size else f"{n // size}{unit}"
    return str(n)


def memory_text(n_params: int, bytes_per_param: int = 4) -> str:
    """Keras's summary size: 136.04 KB (float32 by default, 1024-based units)."""
    size = float(n_params * bytes_per_param)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} GB"
