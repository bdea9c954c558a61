"""Keras-compatible layers namespace: `from visualnet import layers` as `from keras import layers`."""

from .data.text_vectorization import TextVectorization  # noqa: F401  (a Python-API node, not a canvas type)
from .data.category_layers import CategoryEncoding, Discretization, Hashing  # noqa: F401  (Python-API nodes)
from .data.lookup_layers import IntegerLookup, StringLookup  # noqa: F401  (Python-API nodes, as TextVectorization)
from .engine.custom_layer import Layer  # noqa: F401  (the base of user layers; isinstance holds for all)
from .engine.lambda_layer import Lambda  # noqa: F401  (a Python-API layer; never saved: it is code)
from .engine.rnn_cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells  # noqa: F401  (issue 23)
from .engine.layers import LAYER_CLASSES, InputLayer  # noqa: F401
from .engine.tensor import KerasTensor
from .engine.tracing import input_tensor
from .graph import all_specs

# every declared layer type under its Keras class name and Keras's aliases (MaxPool2D, ...)
for _spec in all_specs():
    for _name in (_spec.keras_class, *_spec.keras.aliases):
        globals()[_name] = LAYER_CLASSES[_spec.type]
del _spec, _name
from .engine.rnn_layer import RNN  # noqa: E402,F401  (issue 23: RNN(cell); lowered to SimpleRNN/LSTM/GRU nodes)


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None, tensor=None,
          optional=False) -> KerasTensor:
    """A symbolic input of the functional API: `Input(shape=(784,))`."""
    if batch_shape is not None:
        shape = tuple(batch_shape)[1:]
    if shape is None:
        raise ValueError("Input needs a shape, e.g. Input(shape=(784,)); received shape=None.")
    if isinstance(shape, int):
        shape = (shape,)
    if sparse or tensor is not None or optional:
        raise ValueError("sparse, tensor and optional inputs are not supported by VisualNet.")
    return input_tensor(shape, name, dtype)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
