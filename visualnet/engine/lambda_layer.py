"""Keras's `Lambda` layer: a Python function as a layer of the Python API (custom_layer.py),
run on the tape so a model trains through it.

Keras 3 saves a Lambda by writing its function's Python bytecode; VisualNet never writes
or runs code from a file, so a model with a Lambda cannot be saved (the error says to write a
`Layer` subclass with `get_config`, which saves), and a Keras file holding one is refused.
"""

from __future__ import annotations

import inspect

from .custom_layer import Layer


class Lambda(Layer):
    """Wraps a function of the input tensor(s) as a layer: `Lambda(lambda x: x ** 2)`.

    `output_shape`: a tuple (without the batch axis) or a function of the input shape; by
    default the function is run on sample inputs. `mask`: None, a function
    `(inputs, mask) -> mask` or a constant mask. `arguments`: keyword arguments passed to
    the function."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda's function must be callable. Received: function={function!r}")
        if output_shape is not None and not callable(output_shape) and not isinstance(output_shape, (tuple, list)):
            raise TypeError(f"Lambda's output_shape must be a tuple or a function of the input shape. "
                            f"Received: output_shape={output_shape!r}")
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError(f"Lambda's arguments must be a dict of keyword arguments. "
                            f"Received: arguments={arguments!r}")
        self.arguments = dict(arguments or {})
        self.function = function
        self.mask = mask
        self.supports_masking = mask is not None
        self._lambda_output_shape = output_shape
        try:
            names = inspect.signature(function).parameters
        except (TypeError, ValueError):   # a builtin without a signature
            names = {}
        self._fn_mask, self._fn_training = "mask" in names, "training" in names

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_mask:
            kwargs["mask"] = mask
        if self._fn_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        shape = self._lambda_output_shape
        if shape is None:
            return super().compute_output_shape(input_shape)
        if callable(shape):
            return tuple(shape(input_shape))
        first = input_shape[0] if isinstance(input_shape, list) else input_shape
        return (first[0], *tuple(shape))

    def compute_mask(self, inputs, previous_mask=None):
        if callable(self.mask):
            return self.mask(inputs, previous_mask)
        return self.mask

    def get_config(self) -> dict:
        raise ValueError(
            f"Layer '{self.name}' is a Lambda: its config would be its function's Python code, and VisualNet never "
            "writes or runs code in model files. Write the function as a keras.layers.Layer subclass with "
            "get_config() (it saves, and loads with custom_objects={...}).")
