"""`trainable` set after a model is built behaves as in Keras 3 (the oracle, PyTorch
backend): the weight lists, summary(), a frozen BatchNormalization, and the fine-tuning
pattern (base frozen, head trained, base unfrozen and re-compiled with a low learning
rate) giving Keras's weights in every step strategy."""

import numpy as np
import pytest

from visualnet import layers as vl
from visualnet import models as vm
from visualnet import optimizers as vo
from visualnet.engine import loop as loop_mod
from visualnet.engine.runtime import program
from visualnet.engine.steps import PythonStep

keras = pytest.importorskip("keras")

TOL = 2e-3

# name: (input shape, [(layer, kwargs)], how many layers form the frozen base, loss, classes, step, batch)
MODELS = {
    "dense-program": ((96,), [("Dense", {"units": 160, "activation": "relu"}),
                              ("Dense", {"units": 64, "activation": "relu"}),
                              ("Dense", {"units": 10, "activation": "softmax"})],
                      2, "categorical_crossentropy", 10, "program", 128),
    "cnn": ((10, 10, 2), [("Conv2D", {"filters": 6, "kernel_size": 3, "activation": "relu"}),
                          ("MaxPooling2D", {}),
                          ("BatchNormalization", {}),
                          ("Flatten", {}),
                          ("Dense", {"units": 4, "activation": "softmax"})],
            3, "categorical_crossentropy", 4, "fused", 32),
    "python-step": ((8,), [("Dense", {"units": 16, "activation": "tanh"}),
                           ("BatchNormalization", {}),
                           ("Dense", {"units": 3, "activation": "sigmoid"})],
                    2, "binary_focal_crossentropy", 3, "python", 32),   # a loss no fused step computes
}


def _pair(shape, spec, seed=0):
    """The same model in VisualNet and Keras, with VisualNet's initial weights in both."""
    v = vm.Sequential([vl.Input(shape), *[getattr(vl, n)(name=f"l{i}", **kw) for i, (n, kw) in enumerate(spec)]])
    k = keras.Sequential([keras.Input(shape),
                          *[getattr(keras.layers, n)(name=f"l{i}", **kw) for i, (n, kw) in enumerate(spec)]])
    rng = np.random.default_rng(seed)
    weights = [w + rng.normal(0, 0.05, w.shape).astype(np.float32) for w in v.get_weights()]
    weights = [np.abs(w) + 0.5 if "variance" in kw.path else w for w, kw in zip(weights, k.weights)]
    v.set_weights(weights)
    k.set_weights(weights)
    return v, k


def _data(shape, classes, loss, n=300, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, *shape)).astype(np.float32)
    if loss == "binary_focal_crossentropy":
        return x, rng.integers(0, 2, size=(n, classes)).astype(np.float32)
    return x, np.eye(classes, dtype=np.float32)[rng.integers(0, classes, n)]


def _close(v, k, what):
    for i, (a, b) in enumerate(zip(v.get_weights(), k.get_weights())):
        err = float(np.max(np.abs(a - np.asarray(b)))) if a.size else 0.0
        assert err <= TOL, f"{what}: weight {i} ({k.weights[i].path}) differs from Keras by {err:.2e}"


def _set_base(models, count, trainable):
    for m in models:
        for layer in m.layers[:count]:
            layer.trainable = trainable


@pytest.fixture
def steps_taken(monkeypatch):
    """The step strategies fit() chose, and how many compiled programs ran."""
    taken = {"steps": [], "programs": 0}
    real_choose, real_run = loop_mod.choose_step, program.Runner.run

    def choose(*args):
        step = real_choose(*args)
        kind = "python" if isinstance(step, PythonStep) else "program" if step.program is not None else "fused"
        taken["steps"].append(kind)
        return step

    def run(self, table, keep=False):
        taken["programs"] += 1
        return real_run(self, table, keep)

    monkeypatch.setattr(loop_mod, "choose_step", choose)
    monkeypatch.setattr(program.Runner, "run", run)
    return taken


@pytest.mark.oracle
@pytest.mark.parametrize("name", list(MODELS))
def test_fine_tuning_matches_keras(name, steps_taken):
    shape, spec, base, loss, classes, step, batch = MODELS[name]
    v, k = _pair(shape, spec)
    x, y = _data(shape, classes, loss)
    # phase 1: the base frozen, the head trained
    _set_base((v, k), base, False)
    v.compile(vo.Adam(1e-2), loss)
    k.compile(keras.optimizers.Adam(1e-2), loss)
    frozen = [w.copy() for w in v.get_weights()[:sum(len(l.weights) for l in v.layers[:base])]]
    v.fit(x, y, batch_size=batch, epochs=2, shuffle=False, verbose=0)
    k.fit(x, y, batch_size=batch, epochs=2, shuffle=False, verbose=0)
    _close(v, k, "after training the head")
    for before, after in zip(frozen, v.get_weights()):
        np.testing.assert_array_equal(before, after)  # moving statistics included: BN ran in inference mode
    assert v.optimizer.iterations == int(k.optimizer.iterations)
    assert (steps_taken["programs"] > 0) == (step == "program")  # frozen layers stay on the fast paths
    first = v.layers[0].node_id
    assert not v._executor.grad_flows[first]  # nothing back-propagates into the frozen first layer
    # phase 2: the base unfrozen, re-compiled with a low learning rate
    _set_base((v, k), base, True)
    v.compile(vo.Adam(1e-4), loss)
    k.compile(keras.optimizers.Adam(1e-4), loss)
    v.fit(x, y, batch_size=batch, epochs=2, shuffle=False, verbose=0)
    k.fit(x, y, batch_size=batch, epochs=2, shuffle=False, verbose=0)
    _close(v, k, "after fine-tuning")
    assert steps_taken["steps"] == [step, step]
    assert v._executor.grad_flows[first]


@pytest.mark.oracle
def test_freezing_without_recompiling_matches_keras(steps_taken):
    """As on Keras 3's PyTorch backend: the change applies at the next fit, the optimizer
    keeps its iterations and each weight's slots (the unfrozen layer resumes its own)."""
    shape, spec, _, loss, classes, _, batch = MODELS["dense-program"]
    v, k = _pair(shape, spec)
    x, y = _data(shape, classes, loss)
    v.compile(vo.Adam(1e-3), loss)
    k.compile(keras.optimizers.Adam(1e-3), loss)
    for trainable in (True, False, True):
        _set_base((v, k), 1, trainable)
        v.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
        k.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
        _close(v, k, f"an epoch with the first layer trainable={trainable}")
        assert v.optimizer.iterations == int(k.optimizer.iterations)
        _set_base((v, k), 2, False)  # frozen after training: the optimizer keeps their slots (and counts them)
        assert _param_lines(v) == _param_lines(k)
        _set_base((v, k), 2, True)
    assert steps_taken["programs"] > 0


def _param_lines(model):
    """The summary's 'params:' lines (total, trainable, non-trainable, optimizer)."""
    out = []
    model.summary(print_fn=lambda text, *args, **kwargs: out.append(text))
    return [line.strip() for line in "\n".join(out).splitlines() if "params:" in line]


@pytest.mark.oracle
def test_weight_lists_and_summary_match_keras():
    shape, spec = MODELS["cnn"][:2]
    v, k = _pair(shape, spec)
    v.compile("adam", "categorical_crossentropy")
    k.compile("adam", "categorical_crossentropy")
    for freeze in ("l0", "l2"):
        v.get_layer(freeze).trainable = k.get_layer(freeze).trainable = False
        assert [w.shape for w in v.trainable_weights] == [tuple(w.shape) for w in k.trainable_weights]
        assert [w.shape for w in v.non_trainable_weights] == [tuple(w.shape) for w in k.non_trainable_weights]
        layer = v.get_layer(freeze)
        assert len(layer.trainable_weights) == len(k.get_layer(freeze).trainable_weights) == 0
        assert len(layer.non_trainable_weights) == len(k.get_layer(freeze).non_trainable_weights)
    lines = []
    v.summary(print_fn=lines.append)
    trainable = sum(int(np.prod(w.shape)) for w in k.trainable_weights)
    non_trainable = sum(int(np.prod(w.shape)) for w in k.non_trainable_weights)
    assert f"Trainable params: {trainable:,} (" in lines[0]
    assert f"Non-trainable params: {non_trainable:,} (" in lines[0]


def test_model_trainable_freezes_every_layer():
    shape, spec, _, loss, classes, _, batch = MODELS["python-step"]
    v, _ = _pair(shape, spec)
    x, y = _data(shape, classes, loss)
    v.compile("sgd", loss)
    v.trainable = False
    assert not v.trainable and not any(layer.trainable for layer in v.layers)
    assert v.trainable_weights == [] and len(v.non_trainable_weights) == len(v.weights)
    before = v.get_weights()
    with pytest.warns(UserWarning, match="does not have any trainable weights"):
        v.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(before, v.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert v.optimizer.iterations == 0  # Keras applies no step without trainable weights
    v.get_layer("l2").trainable = True   # the model's own flag still freezes it (as in Keras)
    assert v.trainable_weights == []
    v.trainable = True
    assert len(v.trainable_weights) == 6
    v.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
    assert v.optimizer.iterations == 10
    assert not np.array_equal(before[0], v.get_weights()[0])


def test_sequential_trainable_argument():
    m = vm.Sequential([vl.Input((3,)), vl.Dense(2)], trainable=False)
    assert not m.trainable and m.trainable_weights == [] and len(m.non_trainable_weights) == 2


def test_freezing_a_model_freezes_its_nested_models_flags_too():
    """Keras sets `trainable` recursively: the nested model's own flag as well as its layers'."""
    import visualnet as keras

    inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, activation="relu")])
    outer = keras.Sequential([keras.Input((3,)), inner, keras.layers.Dense(2)])
    outer.trainable = False
    assert inner.trainable is False and inner.layers[0].trainable is False
    outer.trainable = True
    assert inner.trainable is True and inner.layers[0].trainable is True
