"""Every engine layer through the shared harness."""

import numpy as np
import pytest

from visualnet.engine.layers import LAYER_CLASSES
from visualnet.graph import all_specs

from .layer_harness import check_layer

CASES = [
    ("Dense", {"units": 4}, (3, 5)),
    ("Dense", {"units": 3, "activation": "tanh", "use_bias": False}, (2, 4)),
    ("Dense", {"units": 2, "activation": "sigmoid"}, (2, 3, 4)),
    ("Flatten", {}, (2, 3, 2, 2)),
    ("Reshape", {"target_shape": (-1, 2)}, (2, 6)),
    ("Conv1D", {"filters": 3, "kernel_size": 3}, (2, 6, 2)),
    ("Conv1D", {"filters": 2, "kernel_size": 2, "strides": 2, "padding": "same", "activation": "relu"}, (2, 7, 3)),
    ("Conv1D", {"filters": 2, "kernel_size": 3, "activation": "tanh", "use_bias": False}, (3, 5, 1)),
    ("Conv1D", {"filters": 3, "kernel_size": 1}, (2, 4, 2)),  # pointwise: x itself is the GEMM's operand
    ("Conv1D", {"filters": 2, "kernel_size": 3, "padding": "causal"}, (2, 5, 2)),
    ("Conv1D", {"filters": 2, "kernel_size": 2, "strides": 2, "padding": "causal", "activation": "relu"}, (2, 5, 2)),
    ("Conv1D", {"filters": 2, "kernel_size": 1, "padding": "causal"}, (2, 3, 2)),
    ("Conv2D", {"filters": 3, "kernel_size": 3}, (2, 5, 6, 2)),
    ("Conv2D", {"filters": 2, "kernel_size": (2, 3), "strides": 2, "padding": "same", "activation": "relu"},
     (2, 5, 7, 3)),
    ("MaxPooling1D", {}, (2, 6, 3)),
    ("MaxPooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 6, 2)),
    ("MaxPooling2D", {}, (2, 4, 6, 3)),
    ("MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (1, 5, 5, 2)),
    ("AveragePooling1D", {}, (2, 5, 2)),
    ("AveragePooling1D", {"pool_size": 3, "strides": 1, "padding": "same"}, (2, 5, 2)),
    ("AveragePooling2D", {}, (2, 4, 4, 2)),
    ("AveragePooling2D", {"pool_size": 3, "strides": 1, "padding": "same"}, (1, 4, 5, 2)),
    ("GlobalAveragePooling1D", {}, (2, 4, 3)),
    ("GlobalAveragePooling1D", {"keepdims": True}, (2, 4, 3)),
    ("GlobalMaxPooling1D", {}, (2, 5, 3)),
    ("GlobalMaxPooling1D", {"keepdims": True}, (2, 5, 3)),
    ("GlobalAveragePooling2D", {}, (2, 3, 4, 5)),
    ("GlobalAveragePooling2D", {"keepdims": True}, (2, 3, 3, 2)),
    ("GlobalMaxPooling2D", {}, (2, 3, 4, 5)),
    ("UpSampling1D", {"size": 3}, (2, 4, 3)),
    ("UpSampling2D", {"size": (2, 3)}, (2, 3, 2, 2)),
    ("UpSampling3D", {}, (1, 2, 3, 2, 2)),
    ("ZeroPadding1D", {}, (2, 3, 2)),
    ("ZeroPadding1D", {"padding": (0, 2)}, (2, 3, 2)),
    ("ZeroPadding2D", {"padding": ((1, 0), (2, 1))}, (2, 2, 3, 2)),
    ("ZeroPadding3D", {"padding": (1, 0, (0, 2))}, (1, 2, 2, 3, 2)),
    ("Cropping1D", {}, (2, 4, 2)),
    ("Cropping1D", {"cropping": (0, 2)}, (2, 4, 2)),
    ("Cropping2D", {"cropping": ((1, 0), (2, 1))}, (2, 3, 5, 2)),
    ("Cropping3D", {"cropping": (1, 0, (0, 2))}, (1, 4, 2, 3, 2)),
    ("BatchNormalization", {}, (6, 4)),
    ("BatchNormalization", {"center": False}, (3, 2, 2, 3)),
    ("Dropout", {"rate": 0.0}, (3, 4)),
    ("Activation", {"activation": "softmax"}, (3, 5)),
    ("Activation", {"activation": "gelu"}, (3, 5)),
    ("Activation", {"activation": "selu"}, (3, 5)),
    ("LeakyReLU", {}, (3, 5)),
    ("Softmax", {}, (3, 5)),
    ("Concatenate", {}, [(2, 3), (2, 4)]),
    ("Concatenate", {"axis": 1}, [(2, 3, 2), (2, 1, 2), (2, 2, 2)]),
    ("Add", {}, [(2, 3), (2, 3), (2, 3)]),
    ("Subtract", {}, [(2, 3), (2, 3)]),
    ("Multiply", {}, [(2, 3), (2, 3)]),
    ("Average", {}, [(2, 3), (2, 3)]),
]


@pytest.mark.parametrize("layer_type,kwargs,shape", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_layer(layer_type, kwargs, shape):
    check_layer(layer_type, kwargs, shape)


def test_every_registry_type_has_an_engine_class():
    """(Every type's own gradient case is tests/layer_cases.py's, checked by
    tests/test_layer_completeness.py; CASES here adds variants.)"""
    assert {s.type for s in all_specs()} == set(LAYER_CLASSES)


def test_dropout_scales_kept_units_and_is_identity_when_predicting():
    layer = LAYER_CLASSES["Dropout"](rate=0.25, seed=3)
    layer.build([(None, 1000)])
    x = np.ones((4, 1000), np.float32)
    y = layer.forward([x], training=True)
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.03
    np.testing.assert_array_equal(layer.backward(np.ones_like(y))[0], y)
    assert layer.forward([x], training=False) is x


def test_batchnorm_moving_statistics_follow_keras():
    bn = LAYER_CLASSES["BatchNormalization"](momentum=0.9)
    bn.build([(None, 2)])
    x = np.array([[1.0, 2.0], [3.0, 6.0]], np.float32)
    bn.forward([x], training=True)
    np.testing.assert_allclose(bn.values["moving_mean"], 0.1 * x.mean(0), rtol=1e-6)
    np.testing.assert_allclose(bn.values["moving_variance"], 0.9 + 0.1 * x.var(0), rtol=1e-6)


@pytest.mark.parametrize("kwargs,fragment", [
    ({"units": 0}, "Received: units=0"),
    ({"units": 3, "activation": "nope"}, "must be one of"),
    ({"units": 3, "kernel_regularizer": "l3"}, "'kernel_regularizer' must be None or a regularizer"),
    ({"units": 3, "lora_rank": 2}, "supports only lora_rank=None"),
    ({"units": 3, "colour": 1}, "Unrecognized keyword argument"),
])
def test_constructor_errors_name_the_argument(kwargs, fragment):
    with pytest.raises((ValueError, TypeError), match=fragment):
        LAYER_CLASSES["Dense"](**kwargs)


def test_missing_required_argument():
    with pytest.raises(TypeError, match="missing the required argument 'units'"):
        LAYER_CLASSES["Dense"]()
