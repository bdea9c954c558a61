"""Keras programs that stopped or differed (issue 23), each run in real Keras 3 (torch
backend) and in VisualNet with the same code and weights: model outputs taken from a layer
with several outputs (the lstm_seq2seq inference models), the public `compute_mask`, the
order of log keys, dict outputs, `model.layers` without the ops on symbolic tensors, and
`clone_model` with a Lambda."""

import json

import numpy as np
import pytest

import visualnet as vn
from visualnet import layers as vl
from visualnet.io.code_export import keras_script

keras = pytest.importorskip("keras")
pytestmark = pytest.mark.oracle

RNG = np.random.default_rng(23)


def _same_weights(k, v, scale=0.3):
    weights = [RNG.normal(0, scale, w.shape).astype("float32") for w in k.get_weights()]
    k.set_weights(weights)
    v.set_weights(weights)


def _close(a, b, tol=1e-5):
    a = a if isinstance(a, (list, tuple)) else [a]
    b = b if isinstance(b, (list, tuple)) else [b]
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(np.asarray(x), keras.ops.convert_to_numpy(y), rtol=tol, atol=tol)


# ---------------------------------------------------------------------- 1. outputs of a layer with several
def seq2seq(lib, latent=8, enc_tokens=5, dec_tokens=6):
    """keras.io's lstm_seq2seq: the training model and its three layers."""
    L = lib.layers
    encoder_inputs = lib.Input(shape=(None, enc_tokens))
    _, state_h, state_c = L.LSTM(latent, return_state=True)(encoder_inputs)
    decoder_inputs = lib.Input(shape=(None, dec_tokens))
    decoder_lstm = L.LSTM(latent, return_sequences=True, return_state=True)
    decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=[state_h, state_c])
    decoder_dense = L.Dense(dec_tokens, activation="softmax")
    model = lib.Model([encoder_inputs, decoder_inputs], decoder_dense(decoder_outputs))
    return model


def inference_models(lib, model, latent=8):
    """The example's sampling models, made from the trained model's layers."""
    encoder_inputs = model.input[0]
    _, state_h_enc, state_c_enc = model.layers[2].output
    encoder_model = lib.Model(encoder_inputs, [state_h_enc, state_c_enc])
    decoder_inputs = model.input[1]
    states_in = [lib.Input(shape=(latent,)), lib.Input(shape=(latent,))]
    out, h, c = model.layers[3](decoder_inputs, initial_state=states_in)
    out = model.layers[4](out)
    return encoder_model, lib.Model([decoder_inputs] + states_in, [out, h, c])


def decode(encoder_model, decoder_model, seq, tokens=6, steps=5):
    states = encoder_model.predict(seq, verbose=0)
    target = np.zeros((1, 1, tokens), "float32")
    target[0, 0, 0] = 1.0
    picked, probabilities = [], []
    for _ in range(steps):
        out, h, c = decoder_model.predict([target] + [np.asarray(keras.ops.convert_to_numpy(s)) for s in states],
                                          verbose=0)
        out = keras.ops.convert_to_numpy(out)
        k = int(np.argmax(out[0, -1]))
        picked.append(k)
        probabilities.append(out[0, -1].copy())
        target = np.zeros((1, 1, tokens), "float32")
        target[0, 0, k] = 1.0
        states = [h, c]
    return picked, np.stack(probabilities)


def _seq2seq_data(n=40):
    enc = np.eye(5, dtype="float32")[RNG.integers(0, 5, (n, 4))]
    dec = np.eye(6, dtype="float32")[RNG.integers(0, 6, (n, 5))]
    target = np.eye(6, dtype="float32")[RNG.integers(0, 6, (n, 5))]
    return enc, dec, target


def test_seq2seq_inference_models_decode_as_keras():
    k, v = seq2seq(keras), seq2seq(vn)
    _same_weights(k, v)
    enc, dec, target = _seq2seq_data()
    for m in (k, v):
        m.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    hk = k.fit([enc, dec], target, batch_size=8, epochs=2, shuffle=False, verbose=0)
    hv = v.fit([enc, dec], target, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert list(hv.history) == list(hk.history)
    for key in hk.history:
        np.testing.assert_allclose(hv.history[key], hk.history[key], rtol=1e-4, atol=1e-5)
    (ke, kd), (ve, vd) = inference_models(keras, k), inference_models(vn, v)
    _close(ve.predict(enc[:3], verbose=0), ke.predict(enc[:3], verbose=0))
    assert [tuple(t.shape) for t in vd.outputs] == [tuple(t.shape) for t in kd.outputs]
    for i in range(3):
        picked_v, probs_v = decode(ve, vd, enc[i:i + 1])
        picked_k, probs_k = decode(ke, kd, enc[i:i + 1])
        assert picked_v == picked_k
        np.testing.assert_allclose(probs_v, probs_k, rtol=1e-5, atol=1e-5)


def _states_model(lib):
    x = lib.Input((None, 3))
    out, h, c = lib.layers.LSTM(4, return_state=True)(x)
    return lib.Model(x, [out, h, c])


def test_state_outputs_in_summary_config_and_training_as_keras():
    k, v = _states_model(keras), _states_model(vn)
    _same_weights(k, v)
    kc, vc = k.get_config(), v.get_config()
    assert [o[1:] for o in vc["output_layers"]] == [o[1:] for o in kc["output_layers"]] == [[0, 0], [0, 1], [0, 2]]
    assert {o[0] for o in vc["output_layers"]} == {v.layers[1].name}
    assert v.output_names == [v.layers[1].name] * 3
    lines = []
    v.summary(print_fn=lines.append)
    assert "[(None, 4), (None, 4)," in "\n".join(lines) and "Total params: 128" in "\n".join(lines)
    x = RNG.normal(size=(6, 5, 3)).astype("float32")
    ys = [RNG.normal(size=(6, 4)).astype("float32") for _ in range(3)]
    for m in (k, v):
        m.compile(optimizer="sgd", loss=["mse", "mse", "mae"])
    hk = k.fit(x, ys, batch_size=3, epochs=2, shuffle=False, verbose=0)
    hv = v.fit(x, ys, batch_size=3, epochs=2, shuffle=False, verbose=0)
    # the three outputs' names collide, as in Keras: loss and one "<lstm>_loss"
    assert list(hv.history) == ["loss", f"{v.layers[1].name}_loss"]
    assert list(hk.history) == ["loss", f"{k.layers[1].name}_loss"]
    np.testing.assert_allclose(hv.history["loss"], hk.history["loss"], rtol=1e-5)
    _close(v.predict(x, verbose=0), k.predict(x, verbose=0))
    again = vn.Model.from_config(json.loads(json.dumps(vc)))
    assert again.output_shape == [(None, 4)] * 3


def test_state_outputs_in_keras_files_and_the_keras_script(tmp_path):
    v = _states_model(vn)
    x = RNG.normal(size=(2, 5, 3)).astype("float32")
    v.save(tmp_path / "states.keras")
    back = vn.models.load_model(tmp_path / "states.keras")
    theirs = keras.models.load_model(tmp_path / "states.keras")
    for other in (back.predict(x, verbose=0), theirs.predict(x, verbose=0)):
        _close(v.predict(x, verbose=0), other)
    text, npz = keras_script(v)
    lstm = v.layers[1].name
    assert f", [{lstm}, {lstm}_out1, {lstm}_out2], name=" in text
    (tmp_path / "model_weights.npz").write_bytes(npz)
    scope = {"__name__": "exported", "__file__": str(tmp_path / "exported.py")}
    exec(compile(text, "exported.py", "exec"), scope)   # the exported script, run in real Keras
    rebuilt = scope["build_model"]()
    scope["load_weights"](rebuilt)
    _close(v.predict(x, verbose=0), rebuilt.predict(x, verbose=0))


# ---------------------------------------------------------------------- 2. compute_mask
MASK = np.array([[True, True, False, False], [True, False, False, False]])


@pytest.mark.parametrize("make, args", [
    (lambda L: L.Embedding(10, 3, mask_zero=True), (np.array([[1, 2, 0, 0], [3, 0, 0, 0]]),)),
    (lambda L: L.Embedding(10, 3, mask_zero=True), ([[1, 2, 0, 0], [3, 0, 0, 0]],)),
    (lambda L: L.Embedding(10, 3), (np.array([[1, 2, 0, 0], [3, 0, 0, 0]]),)),
    (lambda L: L.Masking(0.0), ("x",)),
    (lambda L: L.Masking(0.5), ("x",)),
    (lambda L: L.Dense(3), ("x", MASK)),
    (lambda L: L.Dropout(0.2), ("x", MASK)),
    (lambda L: L.Conv1D(2, 2), ("x", MASK)),
    (lambda L: L.GlobalAveragePooling1D(), ("x", MASK)),
    (lambda L: L.LSTM(2), ("x", MASK)),
    (lambda L: L.LSTM(2, return_sequences=True), ("x", MASK)),
    (lambda L: L.Bidirectional(L.GRU(2, return_sequences=True)), ("x", MASK)),
    (lambda L: L.TimeDistributed(L.Dense(2)), ("x", MASK)),
    (lambda L: L.Add(), (["x", "x"], [MASK, MASK[:, ::-1]])),
    (lambda L: L.Add(), (["x", "x"], [None, None])),
    (lambda L: L.Concatenate(), (["x", "x"], [MASK, None])),
])
def test_compute_mask_as_keras(make, args):
    x = RNG.random((2, 4, 3)).astype("float32")
    x[0, 2:] = 0.0
    x[1, 1] = 0.5
    def real(a):
        if isinstance(a, str):
            return x
        return [real(b) for b in a] if isinstance(a, list) and any(isinstance(b, str) for b in a) else a
    real = [real(a) for a in args]
    theirs = make(keras.layers).compute_mask(*real)
    ours = make(vl).compute_mask(*real)
    if theirs is None:
        assert ours is None
    else:
        np.testing.assert_array_equal(np.asarray(ours, bool), keras.ops.convert_to_numpy(theirs).astype(bool))


# ---------------------------------------------------------------------- 3. the order of log keys
class _Keys:
    def make(self, lib):
        keys = {}

        class Spy(lib.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                keys.setdefault("batch", list(logs))

            def on_test_batch_end(self, batch, logs=None):
                keys.setdefault("test_batch", list(logs))

            def on_epoch_end(self, epoch, logs=None):
                keys.setdefault("epoch", list(logs))

        return keys, Spy()


def _fit_keys(lib, multi: bool):
    L = lib.layers
    inp = L.Input((4,))
    if multi:
        outs = [L.Dense(1, activation="sigmoid", name="zeta")(inp), L.Dense(2, name="alpha")(inp)]
        model = lib.Model(inp, outs)
        model.compile("adam", ["binary_crossentropy", "mse"], metrics=[["accuracy"], ["mae"]])
    else:
        model = lib.Model(inp, L.Dense(1, activation="sigmoid")(inp))
        model.compile("adam", "binary_crossentropy", metrics=["mse", lib.metrics.AUC(name="zz"), "accuracy"])
    x = np.random.default_rng(0).random((32, 4)).astype("float32")
    y = (x[:, 0] > 0.5).astype("float32")
    ys = [y, np.zeros((32, 2), "float32")] if multi else y
    keys, spy = _Keys().make(lib)
    history = model.fit(x, ys, epochs=1, verbose=0, validation_split=0.25,
                        callbacks=[spy, lib.callbacks.ReduceLROnPlateau(), lib.callbacks.LearningRateScheduler(
                            lambda e, lr: lr)])
    keys["history"] = list(history.history)
    keys["evaluate"] = list(model.evaluate(x, ys, verbose=0, return_dict=True))
    keys["train_on_batch"] = list(model.train_on_batch(x, ys, return_dict=True))
    listed = model.evaluate(x, ys, verbose=0)
    as_dict = model.evaluate(x, ys, verbose=0, return_dict=True)
    return keys, listed, as_dict


@pytest.mark.parametrize("multi", [False, True], ids=["metrics", "outputs"])
def test_log_keys_are_sorted_as_keras(multi):
    ours, listed_v, dict_v = _fit_keys(vn, multi)
    theirs, listed_k, dict_k = _fit_keys(keras, multi)
    assert ours == theirs
    assert "learning_rate" == ours["history"][-1]   # added by the callback after Keras sorted the logs
    # evaluate's list keeps Keras's order (loss first, then the compiled metrics), not the sorted one
    np.testing.assert_allclose(listed_v, [dict_v[k] for k in _listed_order(vn, multi, dict_v)], rtol=1e-6)
    assert len(listed_v) == len(listed_k)


def _listed_order(lib, multi, logs):
    if multi:
        return ["loss", "zeta_loss", "alpha_loss", "alpha_mae", "zeta_accuracy"]
    return ["loss", "mse", "zz", "accuracy"]


# ---------------------------------------------------------------------- 4. dict outputs
def _dict_model(lib):
    L = lib.layers
    inp = L.Input((4,), name="x")
    return lib.Model(inp, {"b": L.Dense(1, name="db")(inp), "a": L.Dense(2, name="da")(inp)})


def test_dict_outputs_config_files_and_history_as_keras(tmp_path):
    k, v = _dict_model(keras), _dict_model(vn)
    _same_weights(k, v)
    assert v.get_config()["output_layers"] == k.get_config()["output_layers"] == \
        {"b": ["db", 0, 0], "a": ["da", 0, 0]}
    x = RNG.random((16, 4)).astype("float32")
    y = {"a": RNG.random((16, 2)).astype("float32"), "b": RNG.random((16, 1)).astype("float32")}
    for m in (k, v):
        m.compile("sgd", loss={"a": "mse", "b": "mae"}, metrics={"a": ["mae"]})
    hk = k.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    hv = v.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert list(hv.history) == list(hk.history)
    for key in hk.history:
        np.testing.assert_allclose(hv.history[key], hk.history[key], rtol=1e-5)
    again = vn.Model.from_config(v.get_config())
    again.set_weights(v.get_weights())
    assert isinstance(again.output, dict) and list(again.output) == ["b", "a"]
    v.save(tmp_path / "dict.keras")
    for loaded in (vn.models.load_model(tmp_path / "dict.keras"), keras.models.load_model(tmp_path / "dict.keras"),
                   again):
        got = loaded.predict(x, verbose=0)
        assert sorted(got) == ["a", "b"]
        for key in got:
            _close(v.predict(x, verbose=0)[key], got[key])


@pytest.mark.parametrize("compile_args", [
    {"loss": {"da": "mse"}}, {"loss": ["mse"]}, {"loss": {"da": "mse"}, "metrics": {"da": ["mae"]}},
    {"loss": "mse", "loss_weights": [1.0]},
])
def test_one_output_takes_a_loss_dict_by_its_name_as_keras(compile_args):
    histories = []
    for lib in (keras, vn):
        inp = lib.layers.Input((4,))
        model = lib.Model(inp, lib.layers.Dense(2, name="da", kernel_initializer="ones")(inp))
        model.compile("sgd", **compile_args)
        x = np.linspace(0, 1, 32 * 4, dtype="float32").reshape(32, 4)
        histories.append(model.fit(x, np.zeros((32, 2), "float32"), batch_size=8, shuffle=False, verbose=0).history)
    assert list(histories[1]) == list(histories[0])
    for key in histories[0]:
        np.testing.assert_allclose(histories[1][key], histories[0][key], rtol=1e-5)


def test_a_loss_dict_naming_another_output_is_refused_as_keras():
    inp = vl.Input((4,))
    model = vn.Model(inp, vl.Dense(2, name="da")(inp))
    with pytest.raises(ValueError, match=r"Expected keys \['da'\] in loss dict, but found loss.keys\(\)=\['db'\]"):
        model.compile("sgd", loss={"db": "mse"})


# ---------------------------------------------------------------------- 5. model.layers and ops
def _ops_model(lib):
    L, ops = lib.layers, lib.ops
    inp = L.Input((4,))
    a = inp * 2
    b = ops.concatenate([a, inp], axis=-1)
    h = L.Dense(3, name="hidden")(b)
    return lib.Model(inp, L.Dense(1, name="out")(ops.relu(h) + 1.0))


def test_model_layers_leave_out_ops_as_keras():
    k, v = _ops_model(keras), _ops_model(vn)
    assert [type(l).__name__ for l in v.layers] == [type(l).__name__ for l in k.layers] == \
        ["InputLayer", "Dense", "Dense"]
    assert len(v.layers) == len(k.layers)
    assert v.layers[1].name == k.layers[1].name == "hidden"
    assert v.get_layer(index=2).name == "out"
    assert len(v.operations) == len(k.operations)
    lines = []
    v.summary(print_fn=lines.append)
    assert "concatenate" in "\n".join(lines)   # summary lists the ops, as Keras's
    _same_weights(k, v)
    x = RNG.random((3, 4)).astype("float32")
    _close(v.predict(x, verbose=0), k.predict(x, verbose=0))


# ---------------------------------------------------------------------- 6. clone_model with a Lambda
def _lambda_model(lib, fn):
    inp = lib.layers.Input((4,))
    h = lib.layers.Lambda(fn)(inp)
    return lib.Model(inp, lib.layers.Dense(2)(h))


def test_clone_model_with_a_lambda_as_keras():
    from keras.src.saving.serialization_lib import SafeModeScope

    with SafeModeScope(False):   # Keras's enable_unsafe_deserialization(), for this test only: a Lambda's
        _clone_lambda_models()   # config is code. VisualNet clones it from its function in memory.


def _clone_lambda_models():
    x = RNG.random((3, 4)).astype("float32")
    for fn in (lambda t: t * 2.0 + 1.0, lambda t: t * t):
        k, v = _lambda_model(keras, fn), _lambda_model(vn, fn)
        _same_weights(k, v)
        ck, cv = keras.models.clone_model(k), vn.models.clone_model(v)
        assert [type(l).__name__ for l in cv.layers] == [type(l).__name__ for l in ck.layers]
        assert cv.layers[1] is not v.layers[1] and cv.layers[1].function is fn
        cv.set_weights(v.get_weights())
        ck.set_weights(k.get_weights())
        _close(cv.predict(x, verbose=0), ck.predict(x, verbose=0))
        same_k = keras.models.clone_model(k, clone_function=lambda layer: layer)
        same_v = vn.models.clone_model(v, clone_function=lambda layer: layer)
        assert same_v.layers[2] is v.layers[2] and same_k.layers[2] is k.layers[2]
        _close(same_v.predict(x, verbose=0), same_k.predict(x, verbose=0))
    seq = vn.Sequential([vn.Input((4,)), vl.Lambda(lambda t: t - 1.0), vl.Dense(1)])
    assert [type(l).__name__ for l in vn.models.clone_model(seq).layers] == ["Lambda", "Dense"]


def test_clone_model_keeps_state_outputs_and_dict_outputs():
    enc_in, dec_in = vl.Input((None, 3)), vl.Input((None, 2))
    _, h, c = vl.LSTM(5, return_state=True)(enc_in)
    seq, dh, _ = vl.LSTM(5, return_sequences=True, return_state=True)(dec_in, initial_state=[h, c])
    model = vn.Model([enc_in, dec_in], {"seq": vl.Dense(2)(seq), "h": dh})
    clone = vn.models.clone_model(model)
    assert isinstance(clone.output, dict) and clone.output_shape == model.output_shape
    clone.set_weights(model.get_weights())
    x = [RNG.random((2, 3, 3)).astype("float32"), RNG.random((2, 4, 2)).astype("float32")]
    a, b = model.predict(x, verbose=0), clone.predict(x, verbose=0)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
