"""Regularizers (issue 24) against real Keras 3: the penalties, their gradients, and
training with them (the loss fit and evaluate report, one epoch's weights), through each
step strategy; and the engine objects' names and configs."""

import numpy as np
import pytest

import visualnet as vn
from visualnet import layers as vl
from visualnet import regularizers
from visualnet.engine import penalties
from visualnet.engine.steps import FusedStep, PythonStep, choose_step

from .gradcheck import numeric_grad

keras = pytest.importorskip("keras")


# ---------------------------------------------------------------------- the objects
@pytest.mark.parametrize("identifier, cls, config", [
    ("l1", regularizers.L1, {"l1": 0.01}),
    ("l2", regularizers.L2, {"l2": 0.01}),
    ("l1l2", regularizers.L1L2, {"l1": 0.0, "l2": 0.0}),
    ("l1_l2", regularizers.L1L2, {"l1": 0.01, "l2": 0.01}),
    ("L2", regularizers.L2, {"l2": 0.01}),
    ({"class_name": "L2", "config": {"l2": 0.001}}, regularizers.L2, {"l2": 0.001}),
    ({"module": "keras.regularizers", "class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.2},
      "registered_name": None}, regularizers.L1L2, {"l1": 0.1, "l2": 0.2}),
    ({"class_name": "OrthogonalRegularizer", "config": {"factor": 0.5, "mode": "columns"}},
     regularizers.OrthogonalRegularizer, {"factor": 0.5, "mode": "columns"}),
])
def test_get_reads_keras_identifiers(identifier, cls, config):
    reg = regularizers.get(identifier)
    assert type(reg) is cls and reg.get_config() == config
    assert regularizers.deserialize(regularizers.serialize(reg)) == reg


@pytest.mark.parametrize("bad, words", [
    ("l3", "l3"), ({"class_name": "L2", "config": {"l2": -0.1}}, "non-negative"),
    ({"class_name": "L2", "config": {"l1": 0.1}}, "takes l2"), (lambda w: 0.0, "functions are not accepted"),
    ({"class_name": "Custom", "config": {}}, "Custom"),
])
def test_get_refuses_what_it_cannot_keep(bad, words):
    with pytest.raises(ValueError, match=words):
        regularizers.get(bad)


def test_keras_names_give_keras_configs():
    for name in ("l1", "l2", "l1l2", "orthogonal_regularizer"):
        theirs = keras.regularizers.get(name)   # Keras keeps L1's factor in float32: 0.009999999776
        mine = regularizers.serialize(regularizers.get(name))
        assert mine["class_name"] == type(theirs).__name__
        for key, value in theirs.get_config().items():
            assert mine["config"][key] == (value if isinstance(value, str) else pytest.approx(value, rel=1e-6))


@pytest.mark.parametrize("reg", [regularizers.L1(0.3), regularizers.L2(0.2), regularizers.L1L2(0.1, 0.4),
                                 regularizers.OrthogonalRegularizer(0.7),
                                 regularizers.OrthogonalRegularizer(0.2, "columns")])
def test_penalty_and_gradient_match_keras(reg):
    x = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    theirs = keras.regularizers.deserialize(regularizers.serialize(reg))
    assert reg(x) == pytest.approx(float(theirs(keras.ops.convert_to_tensor(x))), rel=1e-5)
    np.testing.assert_allclose(reg.gradient(x), numeric_grad(reg, x, eps=1e-3), rtol=1e-3, atol=1e-4)


# ---------------------------------------------------------------------- layers and models
def _pair(layers_of, input_shape, loss, seed=0, x_int=None):
    """(VisualNet model, Keras model) built from `layers_of(namespace)`, on the same weights."""
    rng = np.random.default_rng(seed)
    ours = vn.Sequential([vl.Input(input_shape), *layers_of(vn)])
    theirs = keras.Sequential([keras.Input(input_shape), *layers_of(keras)])
    weights = [rng.normal(0, 0.5, w.shape).astype("float32") for w in theirs.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    ours.compile(optimizer=vn.optimizers.SGD(0.05), loss=loss)
    theirs.compile(optimizer=keras.optimizers.SGD(0.05), loss=loss)
    return ours, theirs


def _dense(ns):
    return [ns.layers.Dense(6, activation="relu", kernel_regularizer=ns.regularizers.L2(0.01),
                            bias_regularizer=ns.regularizers.L1(0.02),
                            activity_regularizer=ns.regularizers.L1L2(0.001, 0.002)),
            ns.layers.Dense(3, activation="softmax", kernel_regularizer="l1")]


def _conv(ns):
    return [ns.layers.Conv2D(3, 3, activation="relu", kernel_regularizer=ns.regularizers.L1L2(0.01, 0.02),
                             activity_regularizer=ns.regularizers.L2(0.001)),
            ns.layers.Flatten(), ns.layers.Dense(3, activation="softmax", bias_regularizer=ns.regularizers.L2(0.1))]


def _lstm(ns):
    return [ns.layers.Embedding(7, 4, embeddings_regularizer=ns.regularizers.L2(0.01)),
            ns.layers.LSTM(5, kernel_regularizer=ns.regularizers.L2(0.01),
                           recurrent_regularizer=ns.regularizers.L1(0.001),
                           bias_regularizer=ns.regularizers.L2(0.1)),
            ns.layers.Dense(1, activation="sigmoid", kernel_regularizer=ns.regularizers.OrthogonalRegularizer(0.1))]


CASES = {
    "dense": (_dense, (5,), "sparse_categorical_crossentropy",
              lambda r, n: (r.normal(size=(n, 5)), r.integers(0, 3, n))),
    "conv2d": (_conv, (6, 6, 2), "sparse_categorical_crossentropy",
               lambda r, n: (r.normal(size=(n, 6, 6, 2)), r.integers(0, 3, n))),
    "lstm": (_lstm, (6,), "binary_crossentropy", lambda r, n: (r.integers(0, 7, (n, 6)), r.integers(0, 2, (n, 1)))),
}


def _data(case, n=24, seed=1):
    rng = np.random.default_rng(seed)
    x, y = CASES[case][3](rng, n)
    return x.astype("float32"), y.astype("float32")


@pytest.mark.parametrize("case", sorted(CASES))
def test_evaluate_loss_includes_the_penalties_as_keras(case):
    layers_of, shape, loss, _ = CASES[case]
    ours, theirs = _pair(layers_of, shape, loss)
    x, y = _data(case)
    mine = ours.evaluate(x, y, batch_size=8, verbose=0)
    keras_loss = theirs.evaluate(x, y, batch_size=8, verbose=0)
    assert mine == pytest.approx(keras_loss, rel=1e-4)
    assert penalties.weight_penalty(ours) > 0.01 * mine  # the penalties count in the figure compared


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_epoch_matches_keras(case):
    layers_of, shape, loss, _ = CASES[case]
    ours, theirs = _pair(layers_of, shape, loss)
    x, y = _data(case)
    h_ours = ours.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    h_theirs = theirs.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    assert h_ours.history["loss"][0] == pytest.approx(h_theirs.history["loss"][0], rel=1e-4)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-3)


def _dense_weights_only(ns):
    return [ns.layers.Dense(16, activation="relu", kernel_regularizer=ns.regularizers.L2(0.02),
                            bias_regularizer=ns.regularizers.L1(0.01)),
            ns.layers.Dense(3, activation="softmax", kernel_regularizer=ns.regularizers.L1L2(0.01, 0.01))]


@pytest.mark.parametrize("batch_size", [4, 64])
def test_weight_penalties_train_in_the_fused_step_as_keras(batch_size):
    """Without activity penalties the fused step runs (from Python: the compiled Dense
    program adds no penalties) and adds the weight penalties' values and gradients."""
    ours, theirs = _pair(_dense_weights_only, (10,), "sparse_categorical_crossentropy")
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(128, 10)).astype("float32"), rng.integers(0, 3, 128).astype("float32")
    small = [w * 0.5 for w in ours.get_weights()]   # no saturated softmax (Keras clips its probabilities)
    ours.set_weights(small)
    theirs.set_weights(small)
    ours.compiled.resolve_metrics(y)
    ours.compiled.ensure_optimizer()
    step = choose_step(ours, [x], y, None, batch_size)
    assert isinstance(step, FusedStep) and step.program is None and step.penalized
    h1 = ours.fit(x, y, batch_size=batch_size, shuffle=False, verbose=0).history["loss"][0]
    h2 = theirs.fit(x, y, batch_size=batch_size, shuffle=False, verbose=0).history["loss"][0]
    assert h1 == pytest.approx(h2, rel=1e-4)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-4)


def test_models_with_activity_penalties_take_the_python_step():
    ours, _ = _pair(_dense, (5,), "sparse_categorical_crossentropy")
    x, y = _data("dense")
    ours.compiled.resolve_metrics(y)
    assert isinstance(choose_step(ours, [x], y, None, 8), PythonStep)
    plain = vn.Sequential([vl.Input((5,)), vl.Dense(3, activation="softmax")])
    plain.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    plain.compiled.resolve_metrics(y)
    assert isinstance(choose_step(plain, [x], y, None, 8), FusedStep)


def test_penalty_gradients_reach_the_weights():
    """The training step's weight gradients are those of (loss + penalties), checked
    against finite differences of the whole objective."""
    model = vn.Sequential([vl.Input((4,)),
                           vl.Dense(3, activation="tanh", kernel_regularizer=regularizers.L1L2(0.1, 0.3),
                                    activity_regularizer=regularizers.L2(0.2)),
                           vl.Dense(2, bias_regularizer=regularizers.L2(0.5))])
    model.compile(optimizer=vn.optimizers.SGD(0.0), loss="mse")
    rng = np.random.default_rng(3)
    model.set_weights([rng.normal(size=w.shape).astype(np.float32) for w in model.get_weights()])
    x, y = rng.normal(size=(6, 4)).astype(np.float32), rng.normal(size=(6, 2)).astype(np.float32)

    def objective_of(layer, name):
        def objective(value):
            kept = layer.values[name].copy()
            layer.values[name][...] = value
            pred = model._executor.forward([x], training=True)
            out = float(np.mean(np.square(pred.astype(np.float64) - y))) + penalties.penalty_of_pass(model)
            layer.values[name][...] = kept
            return out
        return objective

    model.train_on_batch(x, y)   # learning rate 0: the weights stay, the gradients remain in the store
    grads = [g.copy() for g in (model.layers[0].grads["kernel"], model.layers[1].grads["bias"])]
    for layer, name, g in ((model.layers[0], "kernel", grads[0]), (model.layers[1], "bias", grads[1])):
        numeric = numeric_grad(objective_of(layer, name), layer.values[name], eps=1e-3)
        np.testing.assert_allclose(g, numeric, rtol=2e-2, atol=2e-3)


def test_activity_regularization_layer_counts_in_evaluate_and_fit_as_keras():
    def layers_of(ns):
        return [ns.layers.Dense(4, activation="relu"), ns.layers.ActivityRegularization(l1=0.01, l2=0.05),
                ns.layers.Dense(2)]
    ours, theirs = _pair(layers_of, (3,), "mse")
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(10, 3)).astype("float32"), rng.normal(size=(10, 2)).astype("float32")
    assert ours.evaluate(x, y, batch_size=4, verbose=0) == pytest.approx(theirs.evaluate(x, y, batch_size=4, verbose=0),
                                                                         rel=1e-5)
    ours.fit(x, y, batch_size=4, shuffle=False, verbose=0)
    theirs.fit(x, y, batch_size=4, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-4)


def test_layer_attribute_is_the_object_and_config_the_keras_dict():
    layer = vl.Dense(3, kernel_regularizer=regularizers.L2(0.001))
    assert layer.kernel_regularizer == regularizers.L2(0.001)
    assert layer.get_config()["kernel_regularizer"] == {"class_name": "L2", "config": {"l2": 0.001}}
    assert vl.Dense.from_config(layer.get_config()).kernel_regularizer == regularizers.L2(0.001)
    with pytest.raises(ValueError, match="kernel_regularizer"):
        vl.Dense(3, kernel_regularizer=lambda w: 0.0)


def test_a_model_with_two_outputs_counts_the_penalties_as_keras():
    def build(ns):
        inp = ns.Input((4,))
        h = ns.layers.Dense(5, activation="tanh", kernel_regularizer=ns.regularizers.L2(0.05),
                            activity_regularizer=ns.regularizers.L1(0.01))(inp)
        a = ns.layers.Dense(2, name="a", bias_regularizer=ns.regularizers.L1(0.1))(h)
        b = ns.layers.Dense(1, name="b", activation="sigmoid")(h)
        return ns.Model(inp, [a, b])
    ours, theirs = build(vn), build(keras)
    rng = np.random.default_rng(4)
    weights = [rng.normal(0, 0.5, w.shape).astype("float32") for w in theirs.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    for m, ns in ((ours, vn), (theirs, keras)):
        m.compile(optimizer=ns.optimizers.SGD(0.1), loss=["mse", "binary_crossentropy"])
    x = rng.normal(size=(12, 4)).astype("float32")
    ys = [rng.normal(size=(12, 2)).astype("float32"), rng.integers(0, 2, (12, 1)).astype("float32")]
    assert ours.evaluate(x, ys, batch_size=4, verbose=0)[0] == pytest.approx(
        theirs.evaluate(x, ys, batch_size=4, verbose=0)[0], rel=1e-5)
    h1 = ours.fit(x, ys, batch_size=4, shuffle=False, verbose=0).history["loss"][0]
    h2 = theirs.fit(x, ys, batch_size=4, shuffle=False, verbose=0).history["loss"][0]
    assert h1 == pytest.approx(h2, rel=1e-4)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-4)


def test_layer_losses_as_keras_lists_them():
    """Keras's docstring example: kernel L1(0.01) on ones(5, 5) weights is 0.25, the activity
    L2(0.01) on outputs of 2 * 5 = 10 per unit is 5.0 after dividing by the batch of 5."""
    layer = vl.Dense(5, kernel_initializer="ones", kernel_regularizer=regularizers.L1(0.01),
                     activity_regularizer=regularizers.L2(0.01))
    assert layer.losses == []
    layer(np.ones((5, 5), np.float32) * 2.0)
    assert layer.losses == [pytest.approx(5.0), pytest.approx(0.25)]


def test_wrapped_layers_carry_their_penalties_as_keras():
    """TimeDistributed's Dense applies its activity penalty to all steps at once (divided by
    batch * steps, as Keras runs it); Bidirectional's regularizers and constraints reach both
    directions' weights."""
    def build(ns):
        inp = ns.Input((4, 3))
        x = ns.layers.TimeDistributed(ns.layers.Dense(5, activation="tanh", kernel_regularizer=ns.regularizers.L2(0.05),
                                                      activity_regularizer=ns.regularizers.L1(0.02)))(inp)
        x = ns.layers.Bidirectional(ns.layers.LSTM(3, kernel_regularizer=ns.regularizers.L2(0.05),
                                                   recurrent_constraint=ns.constraints.NonNeg()))(x)
        return ns.Model(inp, ns.layers.Dense(1)(x))
    ours, theirs = build(vn), build(keras)
    rng = np.random.default_rng(0)
    weights = [rng.normal(0, 0.5, w.shape).astype("float32") for w in theirs.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    for m, ns in ((ours, vn), (theirs, keras)):
        m.compile(optimizer=ns.optimizers.SGD(0.1), loss="mse")
    x, y = rng.normal(size=(8, 4, 3)).astype("float32"), rng.normal(size=(8, 1)).astype("float32")
    assert ours.evaluate(x, y, verbose=0) == pytest.approx(theirs.evaluate(x, y, verbose=0), rel=1e-5)
    h1 = ours.fit(x, y, batch_size=4, shuffle=False, verbose=0).history["loss"][0]
    assert h1 == pytest.approx(theirs.fit(x, y, batch_size=4, shuffle=False, verbose=0).history["loss"][0], rel=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)
    with pytest.raises(ValueError, match="Bidirectional does not support an activity_regularizer"):
        vn.layers.Bidirectional(vn.layers.LSTM(3, activity_regularizer="l2"))
