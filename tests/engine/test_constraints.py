"""Weight constraints (issue 24) against real Keras 3: each constraint's projection, and
training with constraints applied after every optimizer step, through each step strategy
(the Python step, the fused step; the compiled Dense program steps aside)."""

import numpy as np
import pytest

import visualnet as vn
from visualnet import constraints
from visualnet import layers as vl
from visualnet.engine.steps import FusedStep, PythonStep, choose_step
from visualnet.engine.steps.dense_program import DenseProgram

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("identifier, cls, config", [
    ("max_norm", constraints.MaxNorm, {"max_value": 2, "axis": 0}),
    ("non_neg", constraints.NonNeg, {}),
    ("unit_norm", constraints.UnitNorm, {"axis": 0}),
    ("min_max_norm", constraints.MinMaxNorm, {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}),
    ({"module": "keras.constraints", "class_name": "MaxNorm", "config": {"max_value": 3, "axis": [0, 1, 2]},
      "registered_name": None}, constraints.MaxNorm, {"max_value": 3, "axis": [0, 1, 2]}),
])
def test_get_reads_keras_identifiers(identifier, cls, config):
    con = constraints.get(identifier)
    assert type(con) is cls and con.get_config() == config
    assert constraints.serialize(con) == {"class_name": cls.__name__, "config": config}
    theirs = keras.constraints.get(identifier)
    assert type(theirs).__name__ == cls.__name__ and theirs.get_config() == config


@pytest.mark.parametrize("bad, words", [
    ("max_nrom", "max_nrom"), ({"class_name": "MinMaxNorm", "config": {"min_value": 2.0, "max_value": 1.0}}, "<="),
    ({"class_name": "MaxNorm", "config": {"axis": "rows"}}, "axis"), (abs, "functions are not accepted"),
])
def test_get_refuses_what_it_cannot_keep(bad, words):
    with pytest.raises(ValueError, match=words):
        constraints.get(bad)


@pytest.mark.parametrize("con", [constraints.MaxNorm(1.5), constraints.MaxNorm(0.5, axis=[0, 1, 2]),
                                 constraints.MinMaxNorm(0.5, 1.2, rate=0.7), constraints.NonNeg(),
                                 constraints.UnitNorm(axis=1)])
def test_projection_matches_keras(con):
    w = np.random.default_rng(0).normal(size=(3, 3, 2, 4)).astype(np.float32)
    theirs = keras.constraints.deserialize(constraints.serialize(con))
    np.testing.assert_allclose(con(w), keras.ops.convert_to_numpy(theirs(keras.ops.convert_to_tensor(w))),
                               rtol=1e-6, atol=1e-7)


def _pair(layers_of, input_shape, loss, optimizer="sgd"):
    rng = np.random.default_rng(0)
    ours = vn.Sequential([vl.Input(input_shape), *layers_of(vn)])
    theirs = keras.Sequential([keras.Input(input_shape), *layers_of(keras)])
    # small weights: no saturated softmax (Keras clips its probabilities, which stops their gradient)
    weights = [rng.normal(0, 0.3, w.shape).astype("float32") for w in theirs.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    make = {"sgd": lambda ns: ns.optimizers.SGD(0.1), "adam": lambda ns: ns.optimizers.Adam(0.01)}[optimizer]
    ours.compile(optimizer=make(vn), loss=loss)
    theirs.compile(optimizer=make(keras), loss=loss)
    return ours, theirs


def _dense_chain(ns):
    return [ns.layers.Dense(16, activation="relu", kernel_constraint=ns.constraints.MaxNorm(0.8),
                            bias_constraint=ns.constraints.NonNeg()),
            ns.layers.Dense(3, activation="softmax", kernel_constraint=ns.constraints.UnitNorm())]


def _conv(ns):
    return [ns.layers.Conv2D(3, 3, activation="relu", kernel_constraint=ns.constraints.MaxNorm(0.8, axis=[0, 1, 2])),
            ns.layers.Flatten(),
            ns.layers.Dense(2, kernel_constraint=ns.constraints.MinMaxNorm(0.2, 0.6, rate=0.5))]


def _lstm(ns):
    return [ns.layers.Embedding(9, 4, embeddings_constraint=ns.constraints.UnitNorm(axis=1)),
            ns.layers.LSTM(5, kernel_constraint=ns.constraints.MaxNorm(1.0),
                           recurrent_constraint=ns.constraints.NonNeg()),
            ns.layers.Dense(1, activation="sigmoid")]


def _fit_both(ours, theirs, x, y, batch_size):
    h1 = ours.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    h2 = theirs.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    assert h1.history["loss"][0] == pytest.approx(h2.history["loss"][0], rel=1e-4)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-3)


@pytest.mark.parametrize("batch_size", [4, 64])
def test_dense_chain_takes_the_fused_step_without_its_program_and_matches_keras(batch_size):
    ours, theirs = _pair(_dense_chain, (10,), "sparse_categorical_crossentropy", "adam")
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(128, 10)).astype("float32"), rng.integers(0, 3, 128).astype("float32")
    ours.compiled.resolve_metrics(y)
    ours.compiled.ensure_optimizer()
    step = choose_step(ours, [x], y, None, batch_size)
    assert isinstance(step, FusedStep) and step.program is None
    _fit_both(ours, theirs, x, y, batch_size)
    assert ours.get_weights()[1].min() >= 0   # NonNeg on the bias held
    np.testing.assert_allclose(np.linalg.norm(ours.get_weights()[2], axis=0), 1.0, rtol=1e-5)


def test_without_constraints_the_same_chain_may_run_as_a_program():
    model = vn.Sequential([vl.Input((10,)), vl.Dense(16, activation="relu"), vl.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x, y = np.zeros((64, 10), np.float32), np.zeros(64, np.float32)
    model.compiled.resolve_metrics(y)
    model.compiled.ensure_optimizer()
    step = choose_step(model, [x], y, None, 64)
    constrained, _ = _pair(_dense_chain, (10,), "sparse_categorical_crossentropy", "adam")
    constrained.compiled.resolve_metrics(y)
    constrained.compiled.ensure_optimizer()
    assert DenseProgram.build(choose_step(constrained, [x], y, None, 64)) is None
    assert isinstance(step, FusedStep)   # whether a program applies also depends on the machine


def test_conv_with_python_step_matches_keras():
    ours, theirs = _pair(_conv, (6, 6, 2), "mse")
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(20, 6, 6, 2)).astype("float32"), rng.normal(size=(20, 2)).astype("float32")
    ours.compiled.resolve_metrics(y)
    assert isinstance(choose_step(ours, [x], y, None, 5), (PythonStep, FusedStep))
    _fit_both(ours, theirs, x, y, 5)


def test_embedding_lstm_matches_keras():
    ours, theirs = _pair(_lstm, (6,), "binary_crossentropy")
    rng = np.random.default_rng(3)
    x, y = rng.integers(0, 9, (16, 6)).astype("float32"), rng.integers(0, 2, (16, 1)).astype("float32")
    _fit_both(ours, theirs, x, y, 4)


def test_frozen_layers_are_not_constrained():
    """Keras constrains trainable variables only."""
    model = vn.Sequential([vl.Input((3,)), vl.Dense(2, kernel_constraint=constraints.NonNeg()), vl.Dense(1)])
    model.layers[0].trainable = False
    model.compile(optimizer="sgd", loss="mse")
    model.set_weights([-np.ones((3, 2), np.float32), np.zeros(2, np.float32), np.ones((2, 1), np.float32),
                       np.zeros(1, np.float32)])
    model.fit(np.ones((4, 3), np.float32), np.ones((4, 1), np.float32), verbose=0)
    assert (model.get_weights()[0] == -1).all()
