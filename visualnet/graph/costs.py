"""Multiply-adds: what one sample costs a layer at inference (Neural Network Console shows
it per layer; people ask for FLOPs: about twice this). Counted: the products with weights
and attention's scores and weighted sums; element-wise work (activations, normalization,
merges) counts 0. None when a length the count depends on is not known (a sequence of any
length).

A declaration's `cost_rule(params, input_shapes, output_shape, weights)` gives its count;
without one, `kernel_cost` applies (every weight named like a kernel, at every output
position), which is right for dense, convolution, depthwise and separable layers and for
TimeDistributed around them."""

from __future__ import annotations

from math import prod


def _known(*dims) -> bool:
    return all(d is not None for d in dims)


def _kernels(weights) -> int:
    return sum(w.size for w in weights if w.name.endswith("kernel"))


def _at(kernels: int, positions) -> int | None:
    return kernels * prod(positions) if _known(*positions) else None


def kernel_cost(params: dict, input_shapes: list, output_shape: tuple, weights: list) -> int | None:
    """The kernels applied at every position of the output (channels last)."""
    kernels = _kernels(weights)
    return _at(kernels, output_shape[1:-1]) if kernels else 0


def transposed_cost(params: dict, input_shapes: list, output_shape: tuple, weights: list) -> int | None:
    """A transposed convolution's kernel, applied at every position of its input."""
    return _at(_kernels(weights), input_shapes[0][1:-1])


def recurrent_cost(params: dict, input_shapes: list, output_shape: tuple, weights: list) -> int | None:
    """The input and recurrent kernels (both directions' for Bidirectional) at every step."""
    return _at(_kernels(weights), input_shapes[0][1:2])


def attention_cost(params: dict, input_shapes: list, output_shape: tuple, weights: list) -> int | None:
    """Scores (query steps x value steps x features) and the weighted sum of the values."""
    (_, tq, dim), (_, tv, dv) = input_shapes[0], input_shapes[1]
    return tq * tv * (dim + dv) if _known(tq, tv, dim, dv) else None


def multi_head_cost(params: dict, input_shapes: list, output_shape: tuple, weights: list) -> int | None:
    """The four projections at their steps, and each head's scores and weighted sum."""
    tq, tv = input_shapes[0][1], input_shapes[1][1]
    if not _known(tq, tv):
        return None
    sizes = {w.name: w.size for w in weights}
    heads, key_dim = int(params["num_heads"]), int(params["key_dim"])
    value_dim = int(params.get("value_dim") or key_dim)
    projections = (sizes["query/kernel"] + sizes["attention_output/kernel"]) * tq + \
        (sizes["key/kernel"] + sizes["value/kernel"]) * tv
    return projections + heads * tq * tv * (key_dim + value_dim)


def dot_cost(params: dict, input_shapes: list, output_shape: tuple, weights: list) -> int | None:
    """Every output value is a sum of products along the contracted axis."""
    axis = params["axes"][0] if isinstance(params["axes"], (list, tuple)) else params["axes"]
    shape = input_shapes[0]
    length = shape[axis % len(shape)]
    return prod(output_shape[1:]) * length if _known(length, *output_shape[1:]) else None


def multiply_adds(spec, params: dict, input_shapes: list, output_shape: tuple, weights: list) -> int | None:
    """Multiply-adds of one sample through a layer of declaration `spec`."""
    return (spec.cost_rule or kernel_cost)(params, input_shapes, output_shape, weights)
