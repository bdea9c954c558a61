"""Activation layers: Activation, LeakyReLU, Softmax."""

from __future__ import annotations

from ..keras_form import KerasForm
from ..params import Param
from ..registry import LayerSpec, register
from ..torch_form import TorchForm, activate, unary
from ._common import activation, same_shape

register(LayerSpec(
    "Activation", "activation", "Applies an activation function to its input.",
    (activation("relu", required=True),),
    1, 1, same_shape, key_params=("activation",),
    torch=TorchForm(lambda p, s, xs, m: activate(p["activation"], xs[0])),
    keywords=("relu", "sigmoid", "tanh", "nonlinearity"),
))

register(LayerSpec(
    "LeakyReLU", "activation", "Leaky ReLU: x if x > 0 else negative_slope * x.",
    (Param("negative_slope", "float", 0.3, "Slope for negative inputs (the Keras 3 layer's default, 0.3).",
           min=0.0),),
    1, 1, same_shape, key_params=("negative_slope",),
    keras=KerasForm(renamed={"negative_slope": {"keras2": "alpha"}}),
    torch=unary("F.leaky_relu({x}, {negative_slope!r})"),
    keywords=("activation", "nonlinearity"),
))

register(LayerSpec(
    "Softmax", "activation", "Softmax along an axis: outputs sum to 1.",
    (Param("axis", "int", -1, "Axis along which the softmax is taken."),),
    1, 1, same_shape, torch=unary("torch.softmax({x}, dim={axis})"),
    keywords=("activation", "probabilities", "classifier output"),
))
