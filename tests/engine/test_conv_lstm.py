"""ConvLSTM1D and ConvLSTM2D (issue 23): backpropagation through time against central finite
differences (float64; return_state and masks included), the declaration's shapes, weights and
messages, and real Keras 3 (the oracle) on identical weights: predictions within 1e-5 (single
layers, return_state, masks) and one epoch of training within 2e-3 per weight for
ConvLSTM2D(return_sequences=True) -> ConvLSTM2D -> GlobalAveragePooling2D -> Dense and for
Keras's next-frame video prediction model."""

from __future__ import annotations

import numpy as np
import pytest

import visualnet
from visualnet import layers as vl
from visualnet import models as vm
from visualnet.graph import ShapeError, get_spec

from visualnet.engine.layers.conv_recurrent import _ConvLSTM

from .gradcheck import numeric_grad as numeric_grad_f32
from .layer_harness import check_layer, numeric_grad

ORDERS = [dict(return_sequences=s, go_backwards=b) for s in (False, True) for b in (False, True)]


@pytest.fixture(params=[True, False], ids=["compiled", "numpy"])
def gates(request, monkeypatch):
    """Both paths of the gates: kernels/conv_recurrent.py's, and the layer's NumPy steps."""
    monkeypatch.setattr(_ConvLSTM, "kernels", request.param)
    return request.param


# ---------------------------------------------------------------------- gradients through time
@pytest.mark.parametrize("order", ORDERS, ids=lambda o: f"seq{int(o['return_sequences'])}-back{int(o['go_backwards'])}")
def test_bptt_matches_finite_differences(order, gates):
    check_layer("ConvLSTM2D", dict(filters=2, kernel_size=3, padding="same", **order), (2, 3, 4, 4, 2), seed=1)


@pytest.mark.parametrize("layer_type,kwargs,shape", [
    ("ConvLSTM2D", dict(filters=2, kernel_size=(2, 3), strides=2), (2, 3, 5, 6, 2)),
    ("ConvLSTM2D", dict(filters=2, kernel_size=2, padding="same", dilation_rate=(2, 1), return_sequences=True,
                        activation="relu", recurrent_activation="hard_sigmoid"), (2, 3, 4, 5, 1)),
    ("ConvLSTM2D", dict(filters=3, kernel_size=(1, 3), use_bias=False, go_backwards=True), (2, 2, 3, 4, 2)),
    ("ConvLSTM1D", dict(filters=2, kernel_size=3, padding="same", return_sequences=True), (2, 3, 5, 2)),
    ("ConvLSTM1D", dict(filters=2, kernel_size=2, strides=2, activation="softsign"), (2, 4, 7, 3)),
])
def test_bptt_options(layer_type, kwargs, shape, gates):
    check_layer(layer_type, kwargs, shape, seed=2)


def _float64_layer(layer, rng):
    for w in layer.weight_specs:
        layer.values[w.name] = rng.normal(0, 0.5, w.shape)
        layer.grads[w.name] = np.zeros(w.shape)


@pytest.mark.parametrize("return_sequences", [False, True])
def test_bptt_with_final_states_and_a_mask(return_sequences, gates):
    """With return_state the gradients of [output, h, c] all reach the input and the kernels;
    at masked steps the states (and their gradients) pass through unchanged."""
    rng = np.random.default_rng(3)
    layer = vl.ConvLSTM2D(2, 3, padding="same", return_sequences=return_sequences, return_state=True)
    layer.build([(None, 4, 3, 4, 2)])
    _float64_layer(layer, rng)
    x = rng.normal(size=(2, 4, 3, 4, 2))
    mask = np.array([[True, False, True, True], [True, True, True, False]])
    if return_sequences:   # position by position (Masking on frames)
        mask = rng.random((2, 4, 3, 4)) < 0.7
    rs = [rng.normal(size=y.shape) for y in layer.forward([x], True, mask=mask)]

    def loss():
        return sum(float(np.sum(y * r)) for y, r in zip(layer.forward([x], True, mask=mask), rs))

    loss()
    (dx,) = layer.backward([r.copy() for r in rs])
    np.testing.assert_allclose(dx, numeric_grad(loss, x), atol=1e-6, rtol=1e-4)
    for name in ("kernel", "recurrent_kernel", "bias"):
        analytic = layer.grads[name].copy()
        np.testing.assert_allclose(analytic, numeric_grad(loss, layer.values[name]), atol=1e-6, rtol=1e-4,
                                   err_msg=name)


def test_float32_gradients_match_finite_differences():
    """The float32 path (the one training runs) against tests/engine/gradcheck.py's differences."""
    rng = np.random.default_rng(4)
    layer = vl.ConvLSTM2D(2, 3, padding="same", return_sequences=True)
    layer.build([(None, 3, 4, 4, 2)])
    x = rng.normal(size=(2, 3, 4, 4, 2)).astype(np.float32)
    r = rng.normal(size=(2, 3, 4, 4, 2)).astype(np.float32)
    layer.forward([x], True)
    (dx,) = layer.backward(r.copy())
    np.testing.assert_allclose(dx, numeric_grad_f32(lambda v: np.sum(layer.forward([v], True) * r, dtype=np.float64),
                                                    x), atol=2e-3, rtol=2e-2)


def test_a_masked_step_keeps_the_states(gates):
    rng = np.random.default_rng(5)
    layer = vl.ConvLSTM2D(3, 3, padding="same", return_sequences=True, return_state=True)
    x = rng.normal(size=(2, 4, 5, 5, 2)).astype(np.float32)
    layer.build([(None, 4, 5, 5, 2)])
    mask = np.array([[True, True, False, True], [True, True, True, True]])
    seq, h, c = layer.forward([x], False, mask=mask)
    np.testing.assert_array_equal(seq[0, 2], seq[0, 1])   # the output stays the previous one
    dropped = layer.forward([np.delete(x[:1], 2, axis=1)], False)
    np.testing.assert_allclose(h[:1], dropped[1], atol=1e-6)   # as if the step were not there
    np.testing.assert_allclose(c[:1], dropped[2], atol=1e-6)
    with pytest.raises(ValueError, match=r"takes a mask of shape \(batch, time\) = \(2, 4\)"):
        layer.forward([x], False, mask=np.ones((2, 3), bool))


def test_compiled_gates_compute_what_the_numpy_steps_do(monkeypatch):
    rng = np.random.default_rng(11)
    layer = vl.ConvLSTM2D(16, 3, padding="same", return_sequences=True, return_state=True)
    x = rng.normal(size=(3, 5, 6, 7, 4)).astype(np.float32)
    layer.build([(None, 5, 6, 7, 4)])
    mask = rng.random((3, 5)) < 0.8
    dys = [rng.normal(size=s).astype(np.float32) for s in [(3, 5, 6, 7, 16), (3, 6, 7, 16), (3, 6, 7, 16)]]
    runs = []
    for compiled in (True, False):
        monkeypatch.setattr(_ConvLSTM, "kernels", compiled)
        outputs = layer.forward([x], True, mask=mask)
        dx = layer.backward([d.copy() for d in dys])
        runs.append([*outputs, *dx, *(layer.grads[w].copy() for w in ("kernel", "recurrent_kernel", "bias"))])
    for a, b in zip(*runs):   # the compiled exp and tanh are within 1.2e-7 of NumPy's, relative
        assert a.shape == b.shape and float(np.abs(a - b).max()) <= 2e-6 * max(1.0, float(np.abs(b).max()))


def test_training_and_inference_compute_the_same():
    rng = np.random.default_rng(6)
    layer = vl.ConvLSTM2D(4, 3, strides=2, return_state=True)
    x = rng.normal(size=(3, 4, 9, 8, 2)).astype(np.float32)
    layer.build([(None, 4, 9, 8, 2)])
    for a, b in zip(layer.forward([x], True), layer.forward([x], False)):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(RuntimeError, match="backward needs a forward with training=True"):
        layer.backward(np.zeros((3, 4, 3, 4), np.float32))


# ---------------------------------------------------------------------- declarations and messages
def test_forget_bias_starts_at_one_and_weights_follow_keras():
    layer = vl.ConvLSTM2D(2, (3, 2))
    layer.build([(None, 5, 6, 7, 3)])
    np.testing.assert_array_equal(layer.values["bias"], [0, 0, 1, 1, 0, 0, 0, 0])
    assert [w.shape for w in layer.weight_specs] == [(3, 2, 3, 8), (3, 2, 2, 8), (8,)]
    spec = get_spec("ConvLSTM1D")
    p = spec.normalize({"filters": 4, "kernel_size": (3,), "use_bias": False})
    assert [w.shape for w in spec.weights(p, [(None, None, 9, 2)])] == [(3, 2, 16), (3, 4, 16)]


def test_output_shapes():
    spec = get_spec("ConvLSTM2D")
    p = spec.normalize({"filters": 5, "kernel_size": (3, 3), "strides": (2, 2), "return_state": True})
    assert spec.output_shapes(p, [(None, 7, 9, 8, 2)]) == [(None, 4, 3, 5)] * 3
    p = spec.normalize({"filters": 5, "kernel_size": (3, 3), "padding": "same", "return_sequences": True})
    assert spec.output_shapes(p, [(None, None, 9, 8, 2)]) == [(None, None, 9, 8, 5)]


def test_shape_errors_say_what_is_wrong():
    spec = get_spec("ConvLSTM2D")
    p = spec.normalize({"filters": 2, "kernel_size": (3, 3)})
    with pytest.raises(ShapeError, match=r"ConvLSTM2D expects a 5-D input \(batch, time, rows, cols, channels\); "
                                         r"it receives \(None, 8, 8, 3\)"):
        spec.output_shape(p, [(None, 8, 8, 3)])
    with pytest.raises(ShapeError, match="needs known spatial sizes"):
        spec.output_shape(p, [(None, 4, None, 8, 3)])
    with pytest.raises(ShapeError, match="does not fit the 2x8 input with padding 'valid'"):
        spec.output_shape(p, [(None, 4, 2, 8, 3)])
    with pytest.raises(ValueError, match="strides > 1 or dilation_rate > 1, not both"):
        spec.output_shape(spec.normalize({"filters": 2, "kernel_size": (3, 3), "strides": (2, 2),
                                          "dilation_rate": (2, 2)}), [(None, 4, 9, 9, 3)])


@pytest.mark.parametrize("kwargs", [dict(dropout=0.2), dict(recurrent_dropout=0.1), dict(stateful=True),
                                    dict(data_format="channels_first"), dict(unroll=True)])
def test_options_not_supported_are_refused(kwargs):
    key = next(iter(kwargs))
    with pytest.raises(ValueError, match=f"ConvLSTM2D supports only {key}="):
        vl.ConvLSTM2D(3, 3, **kwargs)


# ---------------------------------------------------------------------- against real Keras
def _same_start(k, v, rng, scale=0.5):
    weights = [rng.normal(0, scale, w.shape).astype("float32") for w in k.get_weights()]
    k.set_weights(weights)
    v.set_weights(weights)
    assert [w.shape for w in v.get_weights()] == [w.shape for w in k.get_weights()]


def _max_diff(a, b) -> float:
    return max(float(np.abs(x - y).max()) for x, y in zip(a, b))


keras_cases = [
    ("ConvLSTM2D", dict(filters=3, kernel_size=3, padding="same", return_sequences=True), (4, 6, 5, 2)),
    ("ConvLSTM2D", dict(filters=4, kernel_size=3, strides=2), (3, 9, 8, 2)),
    ("ConvLSTM2D", dict(filters=3, kernel_size=(2, 3), padding="same", go_backwards=True, use_bias=False),
     (4, 6, 5, 3)),
    ("ConvLSTM2D", dict(filters=2, kernel_size=3, padding="same", dilation_rate=2, activation="relu",
                        recurrent_activation="hard_sigmoid", unit_forget_bias=False), (3, 7, 6, 2)),
    ("ConvLSTM2D", dict(filters=3, kernel_size=3, padding="same", return_state=True), (3, 5, 5, 2)),
    ("ConvLSTM1D", dict(filters=3, kernel_size=3, padding="same", return_sequences=True, go_backwards=True),
     (4, 7, 2)),
    ("ConvLSTM1D", dict(filters=4, kernel_size=2, strides=2, return_state=True), (3, 8, 3)),
]


@pytest.mark.oracle
@pytest.mark.parametrize("layer_type,kwargs,shape", keras_cases,
                         ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(keras_cases)])
def test_layer_predicts_like_keras(layer_type, kwargs, shape):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(7)
    k_in, v_in = keras.Input(shape), vl.Input(shape)
    k = keras.Model(k_in, getattr(keras.layers, layer_type)(**kwargs)(k_in))
    v = vm.Model(v_in, getattr(vl, layer_type)(**kwargs)(v_in))
    _same_start(k, v, rng)
    x = rng.normal(0, 1, (3, *shape)).astype("float32")
    ours, theirs = v.predict(x, verbose=0), k.predict(x, verbose=0)
    ours, theirs = (ours, theirs) if isinstance(theirs, list) else ([ours], [theirs])
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=0)
    assert v.count_params() == k.count_params()


@pytest.mark.oracle
@pytest.mark.parametrize("mask_shape", ["steps", "positions"])
def test_masks_as_keras(mask_shape):
    """Keras's mask: whole steps (batch, time), or (Masking on frames) each position's."""
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(8)
    kl = keras.layers.ConvLSTM2D(3, 3, padding="same", return_sequences=True)
    x = rng.normal(size=(2, 4, 5, 5, 2)).astype("float32")
    kl.build((None, 4, 5, 5, 2))
    vl_ = vl.ConvLSTM2D(3, 3, padding="same", return_sequences=True)
    vl_.build([(None, 4, 5, 5, 2)])
    weights = [rng.normal(0, 0.5, w.shape).astype("float32") for w in kl.get_weights()]
    kl.set_weights(weights)
    vl_.set_weights(weights)
    if mask_shape == "steps":
        mask = np.array([[True, False, True, True], [True, True, True, False]])
    else:
        mask = rng.random((2, 4, 5, 5)) < 0.7
    theirs = keras.ops.convert_to_numpy(kl(x, mask=keras.ops.convert_to_tensor(mask)))
    np.testing.assert_allclose(vl_(x, mask=mask), theirs, atol=1e-5, rtol=0)


@pytest.mark.oracle
@pytest.mark.filterwarnings("ignore:Layer 'global_average_pooling3d'")  # Keras: the pooling drops the mask
def test_masking_model_predicts_like_keras():
    """Masking on frames -> ConvLSTM2D: the model's masks reach the layer as in Keras."""
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(9)

    def build(lib):
        L = lib.layers
        i = L.Input((4, 5, 5, 2))
        x = L.ConvLSTM2D(3, 3, padding="same", return_sequences=True)(L.Masking()(i))
        return lib.models.Model(i, L.GlobalAveragePooling3D()(x))

    k, v = build(keras), build(visualnet)
    _same_start(k, v, rng)
    x = rng.normal(size=(3, 4, 5, 5, 2)).astype("float32")
    x[0, 2] = 0   # a whole frame masked
    x[1, 1, :2] = 0   # some positions of a frame
    np.testing.assert_allclose(v.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-5, rtol=0)


def stacked(lib, padding: str, strides: int):
    L = lib.layers
    i = L.Input((4, 11, 11, 2))
    x = L.ConvLSTM2D(4, 3, padding=padding, strides=strides, return_sequences=True)(i)
    x = L.ConvLSTM2D(3, 3, padding=padding, strides=strides)(x)
    x = L.GlobalAveragePooling2D()(x)
    return lib.models.Model(i, L.Dense(2)(x))


@pytest.mark.oracle
@pytest.mark.parametrize("padding,strides,optimizer", [("same", 1, "sgd"), ("valid", 2, "sgd"), ("same", 1, "adam")])
def test_stacked_model_predicts_and_trains_like_keras(padding, strides, optimizer):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(10)
    k, v = stacked(keras, padding, strides), stacked(visualnet, padding, strides)
    assert [type(layer).__name__ for layer in v.layers] == [type(layer).__name__ for layer in k.layers]
    _same_start(k, v, rng, scale=0.3)
    x = rng.normal(0, 1, (24, 4, 11, 11, 2)).astype("float32")
    y = rng.normal(0, 1, (24, 2)).astype("float32")
    np.testing.assert_allclose(v.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-5, rtol=0)

    def make(mod):
        return mod.SGD(learning_rate=0.1) if optimizer == "sgd" else mod.Adam(learning_rate=0.01)

    k.compile(make(keras.optimizers), "mse")
    v.compile(make(visualnet.optimizers), "mse")
    hk = k.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    hv = v.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    assert _max_diff(k.get_weights(), v.get_weights()) <= 2e-3
    assert hv.history["loss"][0] == pytest.approx(hk.history["loss"][0], rel=1e-4)
    np.testing.assert_allclose(v.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-4, rtol=0)


def next_frame(lib):
    """Keras's "Next-frame video prediction with ConvLSTM" model, small: frames of any number,
    ConvLSTM2D with relu and BatchNormalization between, Conv3D's sigmoid frames out."""
    L = lib.layers
    i = L.Input((None, 8, 8, 1))
    x = L.ConvLSTM2D(4, (5, 5), padding="same", return_sequences=True, activation="relu")(i)
    x = L.BatchNormalization()(x)
    x = L.ConvLSTM2D(4, (3, 3), padding="same", return_sequences=True, activation="relu")(x)
    x = L.BatchNormalization()(x)
    x = L.ConvLSTM2D(4, (1, 1), padding="same", return_sequences=True, activation="relu")(x)
    return lib.models.Model(i, L.Conv3D(1, (3, 3, 3), activation="sigmoid", padding="same")(x))


@pytest.mark.oracle
def test_the_next_frame_example_predicts_and_trains_like_keras():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(13)
    k, v = next_frame(keras), next_frame(visualnet)
    weights = [rng.normal(0, 0.3, w.shape).astype("float32") for w in k.get_weights()]
    for i, w in enumerate(k.weights):
        if "variance" in w.path:
            weights[i] = np.abs(weights[i]) + 0.5
    k.set_weights(weights)
    v.set_weights(weights)
    x = (rng.random((6, 5, 8, 8, 1)) > 0.7).astype("float32")
    y = np.roll(x, -1, axis=1)   # the next frame
    np.testing.assert_allclose(v.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-5, rtol=0)
    k.compile(keras.optimizers.Adam(learning_rate=1e-3), "binary_crossentropy")
    v.compile(visualnet.optimizers.Adam(learning_rate=1e-3), "binary_crossentropy")
    hk = k.fit(x, y, epochs=1, batch_size=3, shuffle=False, verbose=0)
    hv = v.fit(x, y, epochs=1, batch_size=3, shuffle=False, verbose=0)
    assert _max_diff(k.get_weights(), v.get_weights()) <= 2e-3
    assert hv.history["loss"][0] == pytest.approx(hk.history["loss"][0], rel=1e-4)
