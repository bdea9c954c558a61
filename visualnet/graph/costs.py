"""Multiply-adds: what one sample costs a layer at inference, from its declaration's weights
and its input and output shapes (Neural Network Console shows it per layer; people ask for
FLOPs: about twice this). Counted: the products with weights (a kernel applied at every
output position, a recurrent layer's kernels at every step) and attention's scores and
weighted sums; element-wise work (activations, normalization, merges) counts 0. None when a
length the count depends on is not known (a sequence of any length)."""

from __future__ import annotations

from math import prod

_RECURRENT = ("SimpleRNN", "LSTM", "GRU", "Bidirectional")


def _known(*dims) -> bool:
    return all(d is not None for d in dims)


def _attention(input_shapes: list) -> int | None:
    (_, tq, dim), (_, tv, dv) = input_shapes[0], input_shapes[1]
    return tq * tv * (dim + dv) if _known(tq, tv, dim, dv) else None


def multiply_adds(layer_type: str, params: dict, input_shapes: list, output_shape: tuple, weights: list) -> int | None:
    """Multiply-adds of one sample through the layer (see the module docstring)."""
    sizes = {w.name: w.size for w in weights}
    if layer_type in _RECURRENT:
        steps = input_shapes[0][1]
        kernels = sum(n for name, n in sizes.items() if name.endswith("kernel"))
        return kernels * steps if steps is not None else None
    if layer_type in ("Attention", "AdditiveAttention"):
        return _attention(input_shapes)
    if layer_type == "MultiHeadAttention":
        tq, tv = input_shapes[0][1], input_shapes[1][1]
        heads, key_dim = int(params["num_heads"]), int(params["key_dim"])
        value_dim = int(params.get("value_dim") or key_dim)
        if not _known(tq, tv):
            return None
        projections = (sizes["query/kernel"] + sizes["attention_output/kernel"]) * tq + \
            (sizes["key/kernel"] + sizes["value/kernel"]) * tv
        return projections + heads * tq * tv * (key_dim + value_dim)
    if layer_type == "Dot":
        return prod(input_shapes[0][1:]) if _known(*input_shapes[0][1:]) else None
    kernels = sum(n for name, n in sizes.items() if name.endswith("kernel"))
    if not kernels:
        return 0
    # a kernel is applied at every position of the output (of the input for a transposed convolution)
    where = input_shapes[0] if layer_type.endswith("Transpose") else output_shape
    positions = where[1:-1]
    return kernels * prod(positions) if _known(*positions) else None
