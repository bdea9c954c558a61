"""The layer library of issue 24 against real Keras, beyond tests/test_layer_completeness.py:
every activation name (values and gradients), the random layers while training
(statistically), ActivityRegularization's penalty in training, and options the
completeness cases leave at their defaults."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from visualnet import layers as vl, models as vm
from visualnet.engine import activations

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")
# rms_scaling: deprecated in Keras 3, still taken
pytestmark = [pytest.mark.oracle, pytest.mark.filterwarnings("ignore:You passed `rms_scaling=True`")]


def _x(shape, seed=0, scale=2.0):
    return np.random.default_rng(seed).normal(0, scale, shape).astype("float32")


@pytest.mark.parametrize("name", activations.NAMES)
def test_activation_matches_keras(name):
    x = _x((6, 7))
    x[0, :6] = [-3, 3, 0.5, -0.5, 1, -1]  # the kinks of the piecewise ones
    dy = _x((6, 7), seed=1, scale=1.0)
    act = activations.get(name)
    y = act.forward(x)
    t = torch.tensor(x, requires_grad=True)
    expected = keras.activations.get(name)(t)
    expected.backward(torch.tensor(dy))
    np.testing.assert_allclose(y, expected.detach().numpy(), atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(act.backward(x, y, dy), t.grad.numpy(), atol=1e-5, rtol=1e-5)


def _one_layer(make, layer_type, shape, **kwargs):
    inputs = make.Input(shape)
    return make.Model(inputs, getattr(make.layers, layer_type)(**kwargs)(inputs))


class _Keras:
    Input, Model, layers = keras.Input, keras.Model, keras.layers


class _VisualNet:
    Input, Model, layers = vl.Input, vm.Model, vl


@pytest.mark.parametrize("layer_type, kwargs, shape", [
    ("LayerNormalization", {"rms_scaling": True, "epsilon": 0.01}, (3, 4)),
    ("LayerNormalization", {"center": False}, (3, 4)),
    ("GroupNormalization", {"groups": -1}, (3, 3, 4)),
    ("Dot", None, None),
    ("Resizing", {"height": 5, "width": 2, "interpolation": "nearest"}, (3, 7, 2)),
    ("Resizing", {"height": 2, "width": 3}, (5, 7, 1)),   # bilinear, down along both axes
    ("Resizing", {"height": 4, "width": 3, "crop_to_aspect_ratio": True}, (5, 7, 1)),
    ("PReLU", {}, (3, 2)),
    ("ReLU", {"max_value": 6.0}, (5,)),
])
def test_options_match_keras(layer_type, kwargs, shape):
    if layer_type == "Dot":    # a vector against each step of a sequence
        def build(make):
            a, b = make.Input((4,)), make.Input((3, 4))
            return make.Model([a, b], make.layers.Dot(axes=(1, 2))([a, b]))
        x = [_x((4, 4)), _x((4, 3, 4), seed=1)]
    else:
        def build(make):
            return _one_layer(make, layer_type, shape, **kwargs)
        x = _x((4, *shape))
    ours, theirs = build(_VisualNet), build(_Keras)
    weights = [_x(w.shape, seed=2, scale=0.5) for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    expected = theirs.predict(x, verbose=0)
    assert np.abs(ours.predict(x, verbose=0) - expected).max() <= 1e-5


RANDOM = [("SpatialDropout1D", {"rate": 0.3}, (40, 50)), ("SpatialDropout2D", {"rate": 0.3}, (6, 6, 50)),
          ("GaussianNoise", {"stddev": 0.5}, (2000,)), ("GaussianDropout", {"rate": 0.3}, (2000,)),
          ("AlphaDropout", {"rate": 0.3}, (2000,))]


@pytest.mark.parametrize("layer_type, kwargs, shape", RANDOM)
def test_random_layers_match_keras_in_distribution(layer_type, kwargs, shape):
    """While training: the output's mean and variance as Keras's (same input, 64 samples);
    when predicting: the input itself, as Keras."""
    x = np.abs(_x((64, *shape), scale=1.0)) + 0.5
    ours = getattr(vl, layer_type)(seed=1, **kwargs)
    theirs = getattr(keras.layers, layer_type)(seed=1, **kwargs)
    y = ours(x, training=True)
    expected = keras.ops.convert_to_numpy(theirs(x, training=True))
    assert abs(y.mean() - expected.mean()) < 0.02 * abs(expected.mean()) + 0.01
    assert abs(y.var() - expected.var()) < 0.05 * expected.var()
    if layer_type.startswith("Spatial"):   # whole channels dropped: each (sample, channel) all kept or all zero
        kept = (y != 0).reshape(64, -1, shape[-1])
        assert np.all(kept.all(axis=1) | ~kept.any(axis=1))
    np.testing.assert_array_equal(ours(x, training=False), x)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(theirs(x, training=False)), x)


def _regularized(make):
    inputs = make.Input((5,))
    x = make.layers.Dense(4, activation="tanh", name="d1")(inputs)
    x = make.layers.ActivityRegularization(l1=0.05, l2=0.1, name="reg")(x)
    return make.Model(inputs, make.layers.Dense(2, name="d2")(x))


def test_activity_regularization_trains_as_keras():
    """Keras adds the penalty (divided by the batch size) to the loss: one epoch of SGD gives the
    same losses and weights (2e-3)."""
    ours, theirs = _regularized(_VisualNet), _regularized(_Keras)
    weights = [_x(w.shape, seed=3, scale=0.5) for w in ours.get_weights()]
    x, y = _x((32, 5), seed=4), _x((32, 2), seed=5)
    for model in (ours, theirs):
        model.set_weights(weights)
        model.compile(optimizer="sgd", loss="mse")
    ours_history = ours.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0).history
    theirs_history = theirs.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0).history
    assert abs(ours_history["loss"][0] - theirs_history["loss"][0]) <= 2e-3
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-3)


TRAINED = ["LayerNormalization", "GroupNormalization", "UnitNormalization", "ReLU", "ELU", "PReLU", "Identity",
           "Permute", "Maximum", "Minimum", "Dot", "ActivityRegularization", "Rescaling", "CenterCrop", "Resizing"]


@pytest.mark.parametrize("layer_type", TRAINED)
def test_one_epoch_of_training_matches_keras(layer_type):
    """Each deterministic type's completeness case, after a Dense on each input (so that every
    gradient reaches a weight), trained for one epoch of SGD on MSE: the same loss and weights as
    Keras (2e-3)."""
    from tests.io.helpers import randomize
    from tests.layer_cases import CASES, build

    case = CASES[layer_type]
    case = dataclasses.replace(case, before=case.before or (("Dense", {"units": case.shapes[0][-1]}),))
    ours = build(case, layer_type, lambda t, **kw: getattr(vl, t)(**kw), vl.Input, vm.Model)
    theirs = build(case, layer_type, lambda t, **kw: getattr(keras.layers, t)(**kw), keras.Input, keras.Model)
    randomize(ours, seed=3)
    theirs.set_weights(ours.get_weights())
    xs = [_x((8, *shape), seed=i, scale=1.0) for i, shape in enumerate(case.shapes)]
    x = xs[0] if len(xs) == 1 else xs
    y = _x((8, *ours.output_shape[1:]), seed=9, scale=1.0)
    histories = []
    for model in (ours, theirs):
        model.compile(optimizer="sgd", loss="mse")
        histories.append(model.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0).history["loss"][0])
    assert abs(histories[0] - histories[1]) <= 2e-3
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-3)
