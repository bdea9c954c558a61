"""Bidirectional and TimeDistributed (issue 22): Keras's constructor (a wrapped layer object),
the flat parameters the canvas edits, backward against finite differences for every wrapped
type and merge mode, what is refused and why, and the PyTorch export of each direction layout
(the Keras oracle on masked models is in test_masks.py; TimeDistributed of layers other than
Dense against Keras in test_time_distributed.py)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from visualnet import layers as vl
from visualnet import models as vm
from visualnet.io.errors import UnsupportedLayersError

from .layer_harness import check_layer

RNNS = ("SimpleRNN", "LSTM", "GRU")
MERGE_MODES = ("concat", "sum", "mul", "ave")


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("merge_mode", MERGE_MODES)
@pytest.mark.parametrize("wrapped", RNNS)
def test_bidirectional_matches_finite_differences(wrapped, merge_mode, return_sequences):
    check_layer("Bidirectional", dict(wrapped=wrapped, units=2, merge_mode=merge_mode,
                                      return_sequences=return_sequences), (2, 4, 3), seed=3)


def test_time_distributed_matches_finite_differences():
    check_layer("TimeDistributed", dict(units=3, activation="sigmoid"), (2, 4, 3), seed=4)
    check_layer("TimeDistributed", dict(units=2, use_bias=False), (2, 3, 2, 4), seed=5)  # Dense on the last axis


STEP_CASES = [  # (wrapped type, its parameters, input shape with batch and steps)
    ("Conv2D", dict(filters=2, kernel_size=(2, 2), padding="same", activation="tanh"), (2, 3, 4, 4, 2)),
    ("Conv1D", dict(filters=2, kernel_size=(2,), padding="causal", dilation_rate=(2,)), (2, 3, 5, 2)),
    ("MaxPooling2D", dict(pool_size=(2, 2)), (2, 3, 4, 4, 2)),
    ("AveragePooling1D", dict(pool_size=(2,), strides=(1,)), (2, 3, 5, 2)),
    ("GlobalAveragePooling2D", dict(), (2, 3, 3, 2, 2)),
    ("GlobalMaxPooling1D", dict(keepdims=True), (2, 3, 5, 2)),
    ("Flatten", dict(), (2, 3, 2, 2, 2)),
    ("BatchNormalization", dict(momentum=0.5), (3, 4, 2)),  # training: each step's own moments
    ("Dropout", dict(rate=0.0), (2, 3, 4)),
]


@pytest.mark.parametrize("wrapped,kwargs,shape", STEP_CASES, ids=[c[0] for c in STEP_CASES])
def test_time_distributed_of_any_step_layer_matches_finite_differences(wrapped, kwargs, shape):
    check_layer("TimeDistributed", dict(wrapped=wrapped, **kwargs), shape, seed=1)


def test_time_distributed_batch_normalization_at_predict_time_matches_finite_differences():
    """The moving statistics: every step at once, as for the other layers."""
    check_layer("TimeDistributed", dict(wrapped="BatchNormalization", center=False), (3, 4, 2), seed=2,
                training=False)


def test_time_distributed_takes_the_wrapped_layer_s_values_and_defaults():
    td = vl.TimeDistributed(vl.Conv2D(4, 3, strides=2))
    assert (td.config["wrapped"], td.config["kernel_size"], td.config["strides"]) == ("Conv2D", (3, 3), (2, 2))
    assert type(td).from_config(td.get_config()).get_config() == td.get_config()
    # as the canvas makes it: parameters declared differently by two types (kernel_size of
    # Conv1D and Conv2D) are None until set, meaning the wrapped type's default
    i = vl.Input((5, 6, 6, 3))
    model = vm.Model(i, vl.TimeDistributed(wrapped="Conv2D", filters=4)(i))
    assert model.output_shape == (None, 5, 4, 4, 4)
    assert model.layers[-1].inner.config["kernel_size"] == (3, 3)
    model = vm.Model(i, vl.TimeDistributed(wrapped="MaxPooling2D", pool_size=3)(i))  # one value, every axis
    assert model.output_shape == (None, 5, 2, 2, 3)
    with pytest.raises(ValueError, match="padding"):
        vm.Model(i, vl.TimeDistributed(wrapped="Conv2D", padding="causal")(i))


def test_keras_constructor_takes_the_wrapped_layer():
    layer = vl.Bidirectional(vl.GRU(3, return_sequences=True, reset_after=False), merge_mode="mul")
    assert layer.config["wrapped"] == "GRU" and layer.config["units"] == 3
    assert layer.config["reset_after"] is False and layer.config["merge_mode"] == "mul"
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()
    td = vl.TimeDistributed(layer=vl.Dense(4, activation="relu"))
    assert (td.config["units"], td.config["activation"]) == (4, "relu")


def test_bidirectional_weights_are_forward_then_backward():
    i = vl.Input((5, 2))
    model = vm.Model(i, vl.Bidirectional(vl.LSTM(3))(i))
    layer = model.layers[-1]
    assert [w.name for w in layer.weight_specs] == [
        f"{d}_lstm/{n}" for d in ("forward", "backward") for n in ("kernel", "recurrent_kernel", "bias")]
    for prefix in ("forward_lstm/", "backward_lstm/"):  # LSTM's forget-gate bias starts at 1
        np.testing.assert_array_equal(layer.values[prefix + "bias"], np.r_[np.zeros(3), np.ones(3), np.zeros(6)])
    assert model.output_shape == (None, 6)


@pytest.mark.parametrize("make,match", [
    (lambda: vl.Bidirectional(vl.LSTM(3, go_backwards=True)), "go_backwards=False"),
    (lambda: vl.Bidirectional(vl.LSTM(3), backward_layer=vl.LSTM(3, go_backwards=True)), "backward_layer=None"),
    (lambda: vl.TimeDistributed(vl.LSTM(2)), "TimeDistributed wraps Dense, Conv1D, .*; received a LSTM"),
    (lambda: vl.Bidirectional(vl.LSTM(3), vl.LSTM(2)), "only positional argument"),
])
def test_unsupported_forms_are_refused(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


@pytest.mark.oracle
@pytest.mark.parametrize("make,match", [
    (lambda L: L.TimeDistributed(L.SimpleRNN(2)), "wraps a SimpleRNN; VisualNet's TimeDistributed wraps Dense, "),
    (lambda L: L.Bidirectional(L.LSTM(3), backward_layer=L.LSTM(2, go_backwards=True)), "backward_layer"),
])
def test_keras_files_with_unsupported_wrappers_are_refused(tmp_path, make, match):
    keras = pytest.importorskip("keras")
    i = keras.Input((4, 3, 2) if "SimpleRNN" in match else (4, 3))
    out = make(keras.layers)(i)
    keras.Model(i, out[0] if isinstance(out, list) else out).save(tmp_path / "m.keras")
    with pytest.raises(UnsupportedLayersError, match=match):
        vm.load_model(tmp_path / "m.keras")


@pytest.mark.oracle
@pytest.mark.parametrize("wrapped,merge_mode,return_sequences", [
    ("LSTM", "concat", False), ("GRU", "ave", False), ("SimpleRNN", "mul", True), ("LSTM", "concat", True),
])
def test_torch_export_lines_up_both_directions(tmp_path, wrapped, merge_mode, return_sequences):
    pytest.importorskip("torch")
    from visualnet.io.code_export import export_torch_script

    i = vl.Input((5, 3))
    layer = getattr(vl, wrapped)(3, return_sequences=return_sequences)
    model = vm.Model(i, vl.Bidirectional(layer, merge_mode=merge_mode)(i))
    rng = np.random.default_rng(6)
    model.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in model.get_weights()])
    x = rng.normal(0, 1, (4, 5, 3)).astype("float32")
    export_torch_script(model, tmp_path / "m.py", weights="npz")
    spec = importlib.util.spec_from_file_location("bidirectional_export", tmp_path / "m.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    torch_model = script.build_model()
    script.load_weights(torch_model)
    np.testing.assert_allclose(script.predict(torch_model, x), model.predict(x, verbose=0), atol=1e-5)


def test_torch_export_of_masks(tmp_path):
    """The PyTorch script computes the masks and its recurrent layers use them (the former
    refusal); a mask nothing uses exports as before. Details: tests/io/test_torch_export_masked_models.py."""
    from visualnet.io.code_export import export_torch_script

    i = vl.Input((4,))
    model = vm.Model(i, vl.LSTM(2, name="lstm")(vl.Embedding(5, 3, mask_zero=True)(i)))
    export_torch_script(model, tmp_path / "m.py", weights="npz")
    assert "masked_rnn(self.lstm, embedding" in (tmp_path / "m.py").read_text()
    i = vl.Input((4, 3))
    x = vl.Dense(2, name="d")(vl.Masking()(i))
    export_torch_script(vm.Model(i, vl.Flatten()(x)), tmp_path / "m.py", weights="npz")
    assert "masked_" not in (tmp_path / "m.py").read_text()
    model = vm.Model(i, vl.GRU(2, name="g")(x))
    export_torch_script(model, tmp_path / "m.py", weights="npz")
    assert "masked_rnn(self.g, d, " in (tmp_path / "m.py").read_text()
