"""TimeDistributed of layers other than Dense (issue 22) against real Keras 3 on identical
weights: predictions within 1e-5, one epoch of training (shuffle=False) within 2e-3 per weight
(BatchNormalization's moving statistics included): Conv2D and pooling over the frames of a
clip, Conv1D and 1-D global pooling over sub-sequences, and BatchNormalization step by step
with the mask of a Masking layer; the files of both Keras dialects opened both ways."""

from __future__ import annotations

import numpy as np
import pytest

import visualnet
from visualnet import models as vm

from .test_masks import _max_diff, _padded


def frames(lib):
    L = lib.layers
    i = L.Input((4, 6, 6, 2))
    x = L.TimeDistributed(L.Conv2D(3, 3, activation="relu"))(i)
    x = L.TimeDistributed(L.MaxPooling2D())(x)
    x = L.TimeDistributed(L.Flatten())(x)
    return lib.models.Model(i, L.Dense(2)(L.LSTM(4)(x)))


def sub_sequences(lib):
    L = lib.layers
    i = L.Input((4, 8, 2))
    x = L.TimeDistributed(L.Conv1D(3, 3, padding="same", activation="tanh"))(i)
    x = L.TimeDistributed(L.GlobalAveragePooling1D())(x)
    x = L.TimeDistributed(L.Dropout(0.0))(x)
    return lib.models.Model(i, L.Dense(2)(L.GRU(3)(x)))


def masked_batch_normalization(lib):
    """Keras gives each step's call the step's mask: the moments skip the masked samples."""
    L = lib.layers
    i = L.Input((6, 3))
    x = L.TimeDistributed(L.BatchNormalization(momentum=0.7))(L.Masking()(i))
    return lib.models.Model(i, L.Dense(2)(L.LSTM(3)(x)))


def _same_start(k, v, rng):
    weights = []
    for w in k.weights:
        value = rng.normal(0, 0.5, w.shape).astype("float32")
        weights.append(np.abs(value) + 0.5 if "variance" in w.path else value)
    k.set_weights(weights)
    v.set_weights(weights)


def _samples(build, rng, n=32):
    if build is masked_batch_normalization:
        return _padded(rng, n)
    shape = (4, 6, 6, 2) if build is frames else (4, 8, 2)
    return rng.normal(0, 1, (n, *shape)).astype("float32")


MODELS = [frames, sub_sequences, masked_batch_normalization]


@pytest.mark.oracle
@pytest.mark.parametrize("build", MODELS, ids=[b.__name__ for b in MODELS])
def test_time_distributed_predicts_and_trains_like_keras(build):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(5)
    k, v = build(keras), build(visualnet)
    _same_start(k, v, rng)
    x = _samples(build, rng)
    y = rng.normal(0, 1, (len(x), 2)).astype("float32")
    np.testing.assert_allclose(v.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-5, rtol=0)
    k.compile(keras.optimizers.SGD(learning_rate=0.1), "mse")
    v.compile(visualnet.optimizers.SGD(learning_rate=0.1), "mse")
    hk = k.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    hv = v.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    assert _max_diff(k.get_weights(), v.get_weights()) <= 2e-3
    assert hv.history["loss"][0] == pytest.approx(hk.history["loss"][0], rel=1e-4)


@pytest.mark.oracle
@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_keras_files_open_both_ways(tmp_path, ext):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(3)
    for build in MODELS:
        k, v = build(keras), build(visualnet)
        _same_start(k, v, rng)
        x = _samples(build, rng, 8)
        k.save(tmp_path / f"keras{ext}")
        v.save(tmp_path / f"visualnet{ext}")
        expected = k.predict(x, verbose=0)
        np.testing.assert_allclose(vm.load_model(tmp_path / f"keras{ext}").predict(x, verbose=0), expected,
                                   atol=1e-5, rtol=0)
        back = keras.saving.load_model(tmp_path / f"visualnet{ext}")
        np.testing.assert_allclose(back.predict(x, verbose=0), expected, atol=1e-5, rtol=0)


def frames_normalized(lib):
    L = lib.layers
    i = L.Input((3, 4, 4, 2))
    x = L.TimeDistributed(L.BatchNormalization())(i)
    x = L.TimeDistributed(L.AveragePooling2D(2))(x)
    x = L.TimeDistributed(L.GlobalMaxPooling2D())(x)
    return lib.models.Model(i, L.TimeDistributed(L.Dense(2))(x))


@pytest.mark.oracle
@pytest.mark.parametrize("build", [frames, sub_sequences, frames_normalized],
                         ids=["frames", "sub_sequences", "frames_normalized"])
def test_exported_scripts_predict_the_same(tmp_path, build):
    """The PyTorch script runs the wrapped module on (batch * steps, ...); the Keras script
    nests the wrapped layer."""
    pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    import importlib.util

    from visualnet.io.code_export import export_keras_script, export_torch_script

    rng = np.random.default_rng(8)
    k, v = build(keras), build(visualnet)
    _same_start(k, v, rng)
    x = rng.normal(0, 1, (5, *v.input_shape[1:])).astype("float32")
    expected = v.predict(x, verbose=0)
    np.testing.assert_allclose(k.predict(x, verbose=0), expected, atol=1e-5, rtol=0)
    for export, name in ((export_torch_script, "t"), (export_keras_script, "k")):
        export(v, tmp_path / f"{name}.py", weights="npz")
        spec = importlib.util.spec_from_file_location(f"td_export_{name}", tmp_path / f"{name}.py")
        script = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(script)
        model = script.build_model()
        script.load_weights(model)
        got = script.predict(model, x) if hasattr(script, "predict") else model.predict(x, verbose=0)
        np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0, err_msg=name)



def test_only_a_wrapped_layer_that_uses_masks_takes_them():
    """The mask passes on through every TimeDistributed; only BatchNormalization's reads it
    (so a PyTorch export stays possible where nothing uses the mask)."""
    from visualnet import layers as vl

    assert vl.TimeDistributed(vl.BatchNormalization()).takes_mask
    assert not vl.TimeDistributed(vl.Dense(2)).takes_mask
    i = vl.Input((5, 3))
    x = vl.TimeDistributed(vl.Dense(2), name="td")(vl.Masking(name="m")(i))
    model = vm.Model(i, vl.GlobalAveragePooling1D()(x))
    x = np.ones((2, 5, 3), "float32")
    x[0, 3:] = 0
    model._executor.forward([x], training=False)
    masks = {model._executor.graph.nodes[n].name: m for n, m in model._executor.masks.items()}
    np.testing.assert_array_equal(masks["td"], [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])


@pytest.mark.oracle
def test_exported_torch_batch_normalization_trains_step_by_step_as_keras(tmp_path):
    """In training mode the exported module normalizes each step by its own batch moments and
    moves the averages once per step, as Keras's TimeDistributed(BatchNormalization)."""
    torch = pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    import importlib.util

    from visualnet.io.code_export import export_torch_script

    def build(lib):
        L = lib.layers
        i = L.Input((4, 3))
        return lib.models.Model(i, L.Dense(2)(L.TimeDistributed(L.BatchNormalization(momentum=0.6))(i)))

    rng = np.random.default_rng(9)
    k, v = build(keras), build(visualnet)
    _same_start(k, v, rng)
    export_torch_script(v, tmp_path / "bn.py", weights="npz")
    spec = importlib.util.spec_from_file_location("td_bn_export", tmp_path / "bn.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    model = script.build_model()
    script.load_weights(model)
    x = (rng.normal(0, 1, (6, 4, 3)) * np.array([1.0, 2.0, 3.0]) + np.arange(4)[:, None]).astype("float32")
    model.train()
    got = model(torch.as_tensor(x)).detach().numpy()
    expected = keras.ops.convert_to_numpy(k(x, training=True))
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)
    for name in ("moving_mean", "moving_variance"):  # four updates, one per step
        (buffer,) = [b.detach().numpy() for n, b in model.named_buffers() if n.endswith(name)]
        (weight,) = [keras.ops.convert_to_numpy(w) for w in k.weights if w.path.endswith(name)]
        np.testing.assert_allclose(buffer, weight, atol=1e-5, err_msg=name)


@pytest.mark.oracle
def test_the_wrapped_layer_s_activity_regularizer_is_not_applied_as_in_keras():
    """Keras's TimeDistributed calls the wrapped layer's `call`, which skips that penalty."""
    keras = pytest.importorskip("keras")
    from visualnet import layers as vl

    i = vl.Input((3, 4))
    model = vm.Model(i, vl.TimeDistributed(vl.Dense(2, activity_regularizer="l2"))(i))
    ki = keras.Input((3, 4))
    k = keras.Model(ki, keras.layers.TimeDistributed(keras.layers.Dense(2, activity_regularizer="l2"))(ki))
    k.set_weights(model.get_weights())
    x, y = np.ones((2, 3, 4), "float32"), np.zeros((2, 3, 2), "float32")
    model.compile("sgd", "mse")
    k.compile("sgd", "mse")
    assert model.evaluate(x, y, verbose=0) == pytest.approx(k.evaluate(x, y, verbose=0), rel=1e-5)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(float(np.mean(model.predict(x, verbose=0) ** 2)))
    model.fit(x, y, epochs=2, shuffle=False, verbose=0)
    k.fit(x, y, epochs=2, shuffle=False, verbose=0)
    assert _max_diff(k.get_weights(), model.get_weights()) <= 1e-6  # no penalty's gradient either
