"""The convolution family of issue 24: Conv1D/Conv2D/Conv3D with dilation_rate and groups,
the transposed, depthwise and separable convolutions, the 3-D poolings. Each case is checked against finite
differences (check_layer) and against real Keras on the same weights, forward and the
gradients of the input and weights; the odd cases are uneven 'same' padding, strides 2,
dilation 2, groups 2 and output_padding. Then the argument checks, training on the
executor, and the kernels' NumPy fallback (no AVX-512 tiles) giving the same results."""

import os

import numpy as np
import pytest

from visualnet import layers, models, optimizers
from visualnet.engine.kernels import gemm
from visualnet.engine.layers import LAYER_CLASSES

from .layer_harness import check_layer

os.environ.setdefault("KERAS_BACKEND", "torch")

CASES = [
    ("Conv2D", {"filters": 4, "kernel_size": 3, "dilation_rate": 2, "padding": "same"}, (7, 6, 2)),
    ("Conv2D", {"filters": 4, "kernel_size": (3, 2), "dilation_rate": (1, 2), "padding": "valid"}, (6, 7, 3)),
    ("Conv2D", {"filters": 4, "kernel_size": (3, 2), "strides": 2, "groups": 2, "padding": "same"}, (7, 6, 4)),
    ("Conv2D", {"filters": 6, "kernel_size": 2, "groups": 3, "dilation_rate": 2, "padding": "same",
                "activation": "relu"}, (5, 6, 3)),
    ("Conv1D", {"filters": 4, "kernel_size": 3, "dilation_rate": 2, "padding": "causal", "groups": 2}, (9, 2)),
    ("Conv1D", {"filters": 4, "kernel_size": 2, "dilation_rate": 3, "padding": "same"}, (8, 3)),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}, (4, 3, 2)),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": (3, 2), "strides": (2, 3), "padding": "valid",
                         "output_padding": (1, 2)}, (4, 3, 2)),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": (4, 3), "strides": 2, "padding": "same",
                         "output_padding": 1, "activation": "relu"}, (3, 4, 2)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "dilation_rate": 2, "padding": "same"}, (4, 3, 3)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 2, "strides": 3, "padding": "valid"}, (3, 2, 2)),
    ("Conv1DTranspose", {"filters": 3, "kernel_size": 4, "strides": 3, "padding": "same", "output_padding": 1},
     (5, 2)),
    ("Conv1DTranspose", {"filters": 3, "kernel_size": 3, "dilation_rate": 2, "padding": "valid",
                         "activation": "tanh"}, (5, 2)),
    ("DepthwiseConv2D", {"kernel_size": 3, "strides": 2, "padding": "same", "depth_multiplier": 2}, (7, 6, 3)),
    ("DepthwiseConv2D", {"kernel_size": (2, 3), "dilation_rate": 2, "padding": "same"}, (6, 7, 3)),
    ("DepthwiseConv2D", {"kernel_size": 3, "strides": 2, "dilation_rate": 2, "padding": "valid",
                         "use_bias": False}, (9, 8, 2)),
    ("DepthwiseConv2D", {"kernel_size": 2, "strides": 2, "dilation_rate": 2, "padding": "same"}, (8, 7, 2)),
    ("DepthwiseConv1D", {"kernel_size": 4, "strides": 2, "padding": "same", "depth_multiplier": 3,
                         "activation": "relu"}, (9, 2)),
    ("SeparableConv2D", {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same", "depth_multiplier": 2,
                         "activation": "tanh"}, (7, 6, 3)),
    ("SeparableConv2D", {"filters": 5, "kernel_size": 2, "dilation_rate": 2, "padding": "same"}, (6, 5, 2)),
    ("SeparableConv1D", {"filters": 4, "kernel_size": 3, "dilation_rate": 2, "padding": "same",
                         "use_bias": False}, (9, 3)),
    ("SeparableConv1D", {"filters": 3, "kernel_size": 2, "strides": 2, "padding": "valid"}, (7, 2)),
    ("Conv3D", {"filters": 3, "kernel_size": (3, 2, 3), "strides": (2, 1, 2), "padding": "same"}, (5, 4, 6, 2)),
    ("Conv3D", {"filters": 4, "kernel_size": 2, "dilation_rate": (2, 1, 2), "groups": 2, "padding": "same",
                "activation": "relu"}, (5, 4, 5, 4)),
    ("Conv3D", {"filters": 2, "kernel_size": (2, 3, 3), "strides": (3, 1, 1)}, (7, 5, 5, 3)),
    ("MaxPooling3D", {"pool_size": (2, 3, 2), "strides": (1, 2, 2), "padding": "same"}, (5, 5, 4, 2)),
    ("MaxPooling3D", {"pool_size": 2}, (5, 4, 5, 2)),
    ("AveragePooling3D", {"pool_size": (3, 2, 2), "strides": (2, 1, 2)}, (7, 4, 5, 2)),
    ("GlobalAveragePooling3D", {"keepdims": True}, (3, 4, 2, 3)),
    ("GlobalMaxPooling3D", {}, (3, 4, 2, 3)),
]
IDS = [f"{t}-{'-'.join(f'{k}={v}' for k, v in kw.items() if k not in ('filters',))}" for t, kw, _ in CASES]
by_case = pytest.mark.parametrize("layer_type,kwargs,shape", CASES, ids=IDS)
TOL = 2e-5


@by_case
def test_gradients_match_finite_differences(layer_type, kwargs, shape):
    check_layer(layer_type, kwargs, (2, *shape), seed=1)


def _pair(layer_type, kwargs, shape, seed=0):
    """(VisualNet layer, Keras layer, x) with the same random weights."""
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(seed)
    ours = LAYER_CLASSES[layer_type](**kwargs)
    ours.build([(None, *shape)])
    ours.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in ours.weight_specs])
    theirs = getattr(keras.layers, layer_type)(**kwargs)
    theirs.build((None, *shape))
    theirs.set_weights(ours.get_weights())
    return ours, theirs, rng.normal(0, 1, (3, *shape)).astype(np.float32)


@pytest.mark.oracle
@by_case
def test_same_as_keras_forward_and_gradients(layer_type, kwargs, shape):
    ours, theirs, x = _pair(layer_type, kwargs, shape)
    torch = pytest.importorskip("torch")
    xt = torch.tensor(x, requires_grad=True)
    yt = theirs(xt)
    y = ours.forward([x], training=True)
    assert y.shape == tuple(yt.shape) and y.shape[1:] == ours.output_shape[1:]
    np.testing.assert_allclose(y, yt.detach().numpy(), atol=TOL, rtol=0)
    r = np.random.default_rng(5).normal(0, 1, y.shape).astype(np.float32)
    (yt * torch.tensor(r)).sum().backward()
    (dx,) = ours.backward(r.copy())
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=TOL, rtol=0)
    for spec, variable in zip(ours.weight_specs, theirs.weights):
        np.testing.assert_allclose(ours.grads[spec.name], variable.value.grad.numpy(), atol=1e-4, rtol=0,
                                   err_msg=spec.name)


@pytest.mark.parametrize("layer_type,kwargs,message", [
    ("Conv2D", {"filters": 4, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, "strides=(2, 2) and dilation_rate"),
    ("Conv2D", {"filters": 3, "kernel_size": 3, "groups": 2}, "Received: groups=2, filters=3"),
    ("Conv2D", {"filters": 4, "kernel_size": 3, "groups": 4}, "input channels=6"),
    ("Conv2DTranspose", {"filters": 4, "kernel_size": 3, "strides": 2, "output_padding": 2},
     "Received: output_padding=(2, 2), strides=(2, 2)"),
    ("Conv1DTranspose", {"filters": 4, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, "dilation_rate=(2,)"),
])
def test_keras_argument_rules_name_the_layer_and_values(layer_type, kwargs, message):
    with pytest.raises(ValueError, match=layer_type) as info:
        LAYER_CLASSES[layer_type](**kwargs).build([(None, 8, 8, 6)[:4 if "2D" in layer_type else 3]])
    assert message in str(info.value)


def test_depthwise_and_separable_take_strides_with_dilation_as_keras_does():
    assert layers.DepthwiseConv2D(3, strides=2, dilation_rate=2)(layers.Input((9, 9, 2))).shape == (None, 3, 3, 2)
    assert layers.SeparableConv1D(4, 3, strides=2, dilation_rate=2)(layers.Input((9, 2))).shape == (None, 3, 4)


def test_weights_in_keras_order_and_layout():
    sep = layers.SeparableConv2D(5, 3, depth_multiplier=2)
    sep.build([(None, 8, 8, 3)])
    assert [(w.name, w.shape) for w in sep.weight_specs] == [
        ("depthwise_kernel", (3, 3, 3, 2)), ("pointwise_kernel", (1, 1, 6, 5)), ("bias", (5,))]
    dw = layers.DepthwiseConv1D(3, depth_multiplier=2)
    dw.build([(None, 8, 3)])
    assert [(w.name, w.shape) for w in dw.weight_specs] == [("kernel", (3, 3, 2)), ("bias", (6,))]
    tr = layers.Conv2DTranspose(5, 3)
    tr.build([(None, 8, 8, 3)])
    assert [w.shape for w in tr.weight_specs] == [(3, 3, 5, 3), (5,)]  # (*window, filters, in)
    grouped = layers.Conv2D(6, 3, groups=3)
    grouped.build([(None, 8, 8, 3)])
    assert grouped.weight_specs[0].shape == (3, 3, 1, 6)


def test_a_model_of_the_family_trains():
    from visualnet.utils import set_random_seed

    set_random_seed(0)   # the weights and the shuffling: one seed that trains (the check is about halving)
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (64, 8, 8, 2)).astype(np.float32)
    y = (x[..., 0].mean(axis=(1, 2)) > 0).astype(np.float32)
    model = models.Sequential([
        layers.Input((8, 8, 2)), layers.SeparableConv2D(8, 3, padding="same", activation="relu"),
        layers.Conv2D(8, 3, dilation_rate=2, groups=2, padding="same", activation="relu"),
        layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2),
        layers.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu"),
        layers.GlobalAveragePooling2D(), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizers.Adam(0.01), loss="binary_crossentropy")
    history = model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


@pytest.mark.parametrize("layer_type,kwargs,shape", [
    ("Conv2D", {"filters": 32, "kernel_size": 3, "dilation_rate": 2, "groups": 2, "padding": "same"}, (9, 8, 16)),
    ("Conv2DTranspose", {"filters": 32, "kernel_size": 3, "strides": 2, "padding": "same"}, (5, 6, 16)),
    ("SeparableConv2D", {"filters": 32, "kernel_size": 3, "padding": "same"}, (7, 6, 16)),
])
def test_register_tiles_and_numpy_fallback_agree(monkeypatch, layer_type, kwargs, shape):
    """Multiples of 16 channels take gemm's AVX-512 tiles where the machine has them; the
    NumPy path (what runs without AVX-512) must give the same values and gradients."""
    rng = np.random.default_rng(3)
    x = rng.normal(0, 1, (4, *shape)).astype(np.float32)
    results = []
    for tiles in (gemm.AVAILABLE, False):
        monkeypatch.setattr(gemm, "AVAILABLE", tiles)
        layer = LAYER_CLASSES[layer_type](**kwargs)
        layer.build([(None, *shape)])
        layer.set_weights([np.random.default_rng(4).normal(0, 0.2, w.shape) for w in layer.weight_specs])
        y = layer.forward([x], training=True).copy()
        (dx,) = layer.backward(np.ones_like(y))
        results.append((y, dx.copy(), *(g.copy() for g in layer.grads.values())))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("kwargs,shape", [
    ({"filters": 3, "kernel_size": 3, "padding": "same"}, (5, 6, 2)),
    ({"filters": 16, "kernel_size": 3, "padding": "same"}, (6, 5, 16)),  # Winograd's channels
    ({"filters": 3, "kernel_size": (2, 4), "padding": "same"}, (5, 6, 2)),  # even kernels: padded unevenly
    ({"filters": 3, "kernel_size": (3, 2), "padding": "valid"}, (4, 3, 2)),
])
def test_stride_one_transpose_as_a_convolution_equals_col2im(monkeypatch, kwargs, shape):
    from visualnet.engine.kernels.conv_transpose import ConvTransposeKernel

    rng = np.random.default_rng(6)
    x = rng.normal(0, 1, (3, *shape))
    results = []
    for via_convolution in (True, False):
        monkeypatch.setattr(ConvTransposeKernel, "via_convolution", via_convolution)
        layer = layers.Conv2DTranspose(**kwargs)
        layer.build([(None, *shape)])
        layer.set_weights([np.random.default_rng(7).normal(0, 0.5, w.shape) for w in layer.weight_specs])
        layer.values = {k: v.astype(np.float64) for k, v in layer.values.items()}
        y = layer.forward([x], training=True).copy()
        (dx,) = layer.backward(np.cos(y))
        results.append((y, dx.copy(), *(g.copy() for g in layer.grads.values())))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, atol=1e-10)


def test_dilated_grouped_conv2d_under_the_relu_pooling_fusion_predicts_as_its_layers():
    """The executor fuses Conv2D(relu) -> MaxPooling2D by type, whatever its dilation or groups:
    the general kernel then applies the ReLU or pools its own output as the plain one does."""
    kwargs = {"filters": 4, "kernel_size": 3, "dilation_rate": 2, "groups": 2, "activation": "relu",
              "padding": "same"}
    model = models.Sequential([layers.Input((9, 8, 4)), layers.Conv2D(**kwargs), layers.MaxPooling2D()])
    conv, pool = layers.Conv2D(**kwargs), layers.MaxPooling2D()  # the same layers, called one by one
    conv.build([(None, 9, 8, 4)])
    x = np.random.default_rng(8).normal(0, 1, (5, 9, 8, 4)).astype(np.float32)
    for _ in range(2):
        conv.set_weights(model.layers[0].get_weights())
        np.testing.assert_allclose(model.predict(x, verbose=0), pool(conv(x)), atol=1e-6)
        model.compile(optimizer="sgd", loss="mse")
        model.fit(x, np.ones((5, 4, 4, 4), np.float32), epochs=1, verbose=0)  # the deferred ReLU's gradient


@pytest.mark.parametrize("layer_type,kwargs", [
    ("Conv2D", {"filters": 4, "kernel_size": 3, "dilation_rate": 2, "groups": 2}),
    ("Conv2DTranspose", {"filters": 4, "kernel_size": 3, "strides": 2}),
    ("DepthwiseConv2D", {"kernel_size": 3, "padding": "same"}),
])
def test_a_second_backward_rebuilds_what_the_first_overwrote(layer_type, kwargs):
    layer = LAYER_CLASSES[layer_type](**kwargs)
    layer.build([(None, 9, 8, 4)])
    x = np.random.default_rng(9).normal(0, 1, (3, 9, 8, 4)).astype(np.float32)
    y = layer.forward([x], training=True)
    first = [layer.backward(np.ones_like(y))[0].copy(), *(g.copy() for g in layer.grads.values())]
    again = [layer.backward(np.ones_like(y))[0], *layer.grads.values()]
    for a, b in zip(first, again):
        np.testing.assert_allclose(a, b, atol=1e-6)
