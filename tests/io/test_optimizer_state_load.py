"""load_model restores the optimizer state a `.keras` or `.h5` file holds (iterations and
every slot, in Keras 3's variable order), so training continues where it stopped: from
files real Keras wrote (the oracle, PyTorch backend) and from VisualNet's own."""

import warnings

import h5py
import numpy as np
import pytest

from visualnet import VisualNetWarning
from visualnet import layers as vl
from visualnet import models as vm
from visualnet import optimizers as vo

keras = pytest.importorskip("keras")

TOL = 2e-3

# name: (VisualNet optimizer, Keras optimizer), the same settings
OPTIMIZERS = {
    "adam": (lambda: vo.Adam(1e-2), lambda: keras.optimizers.Adam(1e-2)),
    "adam-amsgrad": (lambda: vo.Adam(1e-2, amsgrad=True), lambda: keras.optimizers.Adam(1e-2, amsgrad=True)),
    "sgd-nesterov": (lambda: vo.SGD(0.05, momentum=0.9, nesterov=True),
                     lambda: keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True)),
    "rmsprop-centered": (lambda: vo.RMSprop(1e-2, momentum=0.5, centered=True),
                         lambda: keras.optimizers.RMSprop(1e-2, momentum=0.5, centered=True)),
    "adagrad": (lambda: vo.Adagrad(0.05), lambda: keras.optimizers.Adagrad(0.05)),
}


def _layers(module):
    return [module.Dense(12, activation="relu", name="hidden"), module.BatchNormalization(name="bn"),
            module.Dense(3, activation="softmax", name="out")]


def _data(n=96):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 6)).astype(np.float32)
    return x, np.eye(3, dtype=np.float32)[rng.integers(0, 3, n)]


def _close(v, k, what):
    for i, (a, b) in enumerate(zip(v.get_weights(), k.get_weights())):
        err = float(np.max(np.abs(a - np.asarray(b))))
        assert err <= TOL, f"{what}: weight {i} differs from Keras by {err:.2e}"


def _fit(model, epochs=1):
    x, y = _data()
    model.fit(x, y, batch_size=16, epochs=epochs, shuffle=False, verbose=0)


def _keras_model(opt, frozen=()):
    k = keras.Sequential([keras.Input((6,)), *_layers(keras.layers)])
    rng = np.random.default_rng(1)
    k.set_weights([np.abs(a) + 0.5 if "variance" in w.path else a
                   for w, a in ((w, rng.normal(0, 0.3, w.shape).astype(np.float32)) for w in k.weights)])
    for name in frozen:
        k.get_layer(name).trainable = False
    k.compile(opt, "categorical_crossentropy")
    return k


@pytest.mark.oracle
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_continues_from_a_keras_file_as_keras_does(tmp_path, name, suffix):
    k = _keras_model(OPTIMIZERS[name][1]())
    _fit(k)
    path = str(tmp_path / f"m{suffix}")
    k.save(path)
    v = vm.load_model(path)
    assert v.optimizer.iterations == int(k.optimizer.iterations) == 6
    _fit(k)
    _fit(v)
    _close(v, k, f"{name}, one more epoch after loading {suffix}")
    assert v.optimizer.iterations == int(k.optimizer.iterations) == 12


def _visualnet_model(opt, frozen=()):
    m = vm.Sequential([vl.Input((6,)), *_layers(vl)])
    rng = np.random.default_rng(1)
    m.set_weights([np.abs(a) + 0.5 if "variance" in w.name else a
                   for w, a in ((w, rng.normal(0, 0.3, w.shape).astype(np.float32))
                                for layer in m.layers for w in layer.weight_specs)])
    for name in frozen:
        m.get_layer(name).trainable = False
    m.compile(opt, "categorical_crossentropy")
    return m


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_save_load_continue_equals_uninterrupted(tmp_path, name, suffix):
    whole, part = _visualnet_model(OPTIMIZERS[name][0]()), _visualnet_model(OPTIMIZERS[name][0]())
    _fit(whole, epochs=2)
    _fit(part)
    part.save(tmp_path / f"m{suffix}")
    loaded = vm.load_model(tmp_path / f"m{suffix}")
    assert loaded.optimizer.iterations == 6
    _fit(loaded)
    assert loaded.optimizer.iterations == whole.optimizer.iterations == 12
    for a, b in zip(whole.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


@pytest.mark.oracle
def test_keras_continues_from_a_visualnet_file(tmp_path):
    """(Keras 3.15 cannot continue from a legacy .h5, its own included: it builds the loaded
    optimizer for no variables; so only the .keras file is compared here.)"""
    v = _visualnet_model(vo.Adam(1e-2))
    _fit(v)
    v.save(tmp_path / "m.keras")
    k = keras.models.load_model(tmp_path / "m.keras")
    assert int(k.optimizer.iterations) == v.optimizer.iterations == 6
    _fit(k)
    _fit(v)
    _close(v, k, "Keras continuing from VisualNet's .keras")


@pytest.mark.oracle
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_frozen_layers_round_trip_with_their_optimizer_state(tmp_path, suffix):
    """A layer saved with trainable=False stays frozen, so the optimizer's variables (for the
    trainable weights only) fit."""
    k = _keras_model(keras.optimizers.Adam(1e-2), frozen=("hidden",))
    _fit(k)
    k.save(tmp_path / f"k{suffix}")
    v = vm.load_model(tmp_path / f"k{suffix}")
    assert not v.get_layer("hidden").trainable and v.get_layer("bn").trainable
    assert v.optimizer.iterations == 6
    _fit(k)
    _fit(v)
    _close(v, k, "continuing with a frozen layer")
    v.save(tmp_path / f"v{suffix}")
    back = keras.models.load_model(tmp_path / f"v{suffix}")
    assert not back.get_layer("hidden").trainable and back.get_layer("bn").trainable
    if suffix == ".keras":
        assert int(back.optimizer.iterations) == 12


def test_state_that_does_not_fit_warns_and_starts_fresh(tmp_path):
    m = _visualnet_model(vo.Adam(1e-2))
    _fit(m)
    m.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "a") as f:
        del f["optimizer_weights/adam/2"]
        f["optimizer_weights/adam/2"] = np.zeros((5, 5), np.float32)
    with pytest.warns(VisualNetWarning, match=r"'m.h5' was not restored .*variable 2 has shape \(6, 12\)"):
        loaded = vm.load_model(tmp_path / "m.h5")
    assert loaded.optimizer.iterations == 0
    _fit(loaded)  # trains from a fresh optimizer


def test_include_optimizer_false_leaves_it_out(tmp_path):
    m = _visualnet_model(vo.SGD(0.1, momentum=0.9))
    _fit(m)
    m.save(tmp_path / "m.h5", include_optimizer=False)
    with h5py.File(tmp_path / "m.h5") as f:
        assert "optimizer_weights" not in f
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = vm.load_model(tmp_path / "m.h5")
    assert loaded.optimizer.iterations == 0


def test_optimizer_state_larger_than_the_model_allows_is_refused_unread(tmp_path):
    from visualnet.io import KerasFileError

    m = _visualnet_model(vo.Adam(1e-2))
    _fit(m)
    m.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "a") as f:
        del f["optimizer_weights/adam/2"]
        f.create_dataset("optimizer_weights/adam/2", shape=(1 << 30,), dtype="f4", chunks=(1 << 16,))
    with pytest.raises(KerasFileError, match="more values than an optimizer keeps for this model"):
        vm.load_model(tmp_path / "m.h5")
