"""Keras-compatible ops namespace: `from visualnet import ops` as `from keras import ops`.

NumPy arrays in; inside a custom layer, loss or model being trained, each op also records
its gradient rule on the engine's tape (visualnet.engine.tape). On the functional API's
symbolic tensors an op becomes a node of the model, as in Keras (visualnet.engine.symbolic_ops)."""

from .engine.tensor_ops import (  # noqa: F401
    all, any, broadcast_to, cumsum, elu, expm1, flip, gelu, leaky_relu, ndim, pad, repeat, silu, tile,
    abs, absolute, add, amax, amin, arange, argmax, argmin, cast, ceil, clip, concatenate, convert_to_numpy,
    convert_to_tensor, cos, divide, dot, einsum, equal, exp, expand_dims, eye, floor, full, gather, get_item,
    greater, greater_equal, less, less_equal, log, log1p, log_softmax, logical_and, logical_not, logical_or,
    logsumexp, matmul, max, maximum, mean, min, minimum, multiply, negative, not_equal, one_hot, ones, ones_like,
    power, prod, reciprocal, relu, reshape, round, rsqrt, shape, sigmoid, sign, sin, size, softmax, softplus, split,
    sqrt, square, squeeze, stack, std, stop_gradient, subtract, sum, swapaxes, take, take_along_axis, tanh,
    tensordot, transpose, true_divide, var, where, zeros, zeros_like,
)


def _symbolic_namespace() -> None:
    """Each op also takes the functional API's symbolic tensors (engine/symbolic_ops.py)."""
    from .engine.symbolic_ops import symbolic

    for _name, _fn in list(globals().items()):
        if callable(_fn) and not _name.startswith("_") and str(getattr(_fn, "__module__", "")).startswith(
                "visualnet.engine"):
            globals()[_name] = symbolic(_fn, _name)


_symbolic_namespace()
