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
from .engine.ops_activations import *  # noqa: F401,F403,E402  (issue 23: the rest of keras.ops, by kind)
from .engine.ops_arrays import *  # noqa: F401,F403,E402
from .engine.ops_control import *  # noqa: F401,F403,E402
from .engine.ops_elementwise import *  # noqa: F401,F403,E402
from .engine.ops_linalg import *  # noqa: F401,F403,E402
from .engine.ops_nn import *  # noqa: F401,F403,E402
from .engine.ops_reductions import *  # noqa: F401,F403,E402


def _symbolic_namespace() -> None:
    """Each op also takes the functional API's symbolic tensors (engine/symbolic_ops.py)."""
    from .engine.symbolic_ops import symbolic

    for _name, _fn in list(globals().items()):
        if callable(_fn) and not _name.startswith("_") and _name not in _PLAIN and str(getattr(_fn, "__module__", "")).startswith(
                "visualnet.engine"):
            globals()[_name] = symbolic(_fn, _name)


_PLAIN = ("is_tensor", "dtype", "custom_gradient")   # about tensors, not ops on them
_symbolic_namespace()


def _namespace(names, doc: str):
    import types

    space = types.SimpleNamespace(**{name: globals()[name] for name in names})
    space.__doc__ = doc
    return space


def _image_namespace():
    import types

    from .engine import ops_image
    from .engine.symbolic_ops import symbolic

    space = types.SimpleNamespace(**{name: symbolic(getattr(ops_image, name), name) for name in ops_image.__all__})
    space.__doc__ = "`ops.image.resize(...)`: Keras's image ops on channels_last images (engine/ops_image.py)."
    return space


nn = _namespace(
    ("average_pool", "batch_normalization", "binary_crossentropy", "categorical_crossentropy", "celu", "conv",
     "conv_transpose", "ctc_loss", "depth_to_space", "depthwise_conv", "dot_product_attention", "elu", "gelu", "glu", "hard_shrink",
     "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh", "layer_normalization", "leaky_relu", "log_sigmoid",
     "log_softmax", "max_pool", "moments", "multi_hot", "normalize", "one_hot", "psnr", "relu", "relu6",
     "rms_normalization", "selu", "separable_conv", "sigmoid", "silu", "soft_shrink", "softmax", "softplus",
     "softsign", "space_to_depth", "sparse_categorical_crossentropy", "sparse_plus", "sparse_sigmoid", "squareplus", "swish",
     "tanh_shrink", "threshold"),
    "`ops.nn.sigmoid(x)`: the neural-network ops Keras also groups under `keras.ops.nn` (issue 23), the same "
    "functions as at the top level.")
linalg = _namespace(
    ("cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "lstsq", "matrix_rank", "norm", "pinv", "qr",
     "solve", "solve_triangular", "svd"),
    "`ops.linalg.inv(x)`: Keras's `keras.ops.linalg`, the same functions as at the top level.")
image = _image_namespace()
