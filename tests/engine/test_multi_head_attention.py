"""MultiHeadAttention: gradients by finite differences (2 or 3 inputs, causal, masks, no bias,
output_shape, dropout's softmax path), against Keras on identical weights (layer and models,
masks from Embedding's mask_zero, one epoch of training), dropout while training, weights in
Keras's order and shapes, its errors, and tf-keras's way of writing its inputs in .h5 files."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

import visualnet
from visualnet import layers as vl, models as vm

from .layer_harness import check_layer, numeric_grad

RNG = np.random.default_rng(0)
Q, V, K = (RNG.normal(size=s).astype("float32") for s in ((2, 3, 4), (2, 5, 2), (2, 5, 6)))
QM = np.array([[True, True, False], [True, False, True]])
VM = np.array([[True, True, True, False, False], [False, True, True, True, True]])
KM = np.array([[True, False, True, True, True], [True, True, True, True, False]])

VARIANTS = [{}, {"use_bias": False}, {"value_dim": 3, "output_shape": (2, 3)}, {"num_heads": 3, "key_dim": 1},
            {"dropout": 0.2}]  # dropout > 0: Keras's own softmax path (checked at predict time)


def _layer(**kwargs):
    return vl.MultiHeadAttention(**{"num_heads": 2, "key_dim": 3, **kwargs})


# ---------------------------------------------------------------------- VisualNet alone
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("kwargs", VARIANTS)
def test_gradients(kwargs, n, causal):
    shapes = [(2, 3, 4), (2, 5, 4)] if n == 2 else [(2, 3, 4), (2, 5, 2), (2, 5, 6)]
    check_layer("MultiHeadAttention", {"num_heads": 2, "key_dim": 3, "use_causal_mask": causal, **kwargs}, shapes,
                training="dropout" not in kwargs)


@pytest.mark.parametrize("kwargs", [{}, {"dropout": 0.2}], ids=["dot_product_attention", "softmax"])
def test_gradients_with_masks(kwargs):
    """Query, value and key masks and the causal mask; the query's hides whole rows."""
    layer = _layer(use_causal_mask=True, **kwargs)
    xs = [Q.astype(np.float64), V.astype(np.float64), K.astype(np.float64)]
    layer.build([(None, *x.shape[1:]) for x in xs])
    for w in layer.weight_specs:  # float64, so that finite differences are exact
        layer.values[w.name] = RNG.normal(0, 0.5, w.shape)
        layer.grads[w.name] = np.zeros(w.shape)
    r = RNG.normal(size=(2, 3, 4))

    def loss():
        return float((layer.forward(xs, False, mask=[QM, VM, KM]) * r).sum())

    layer.forward(xs, False, mask=[QM, VM, KM])
    dxs = layer.backward(r.copy())
    for x, dx in zip(xs, dxs):
        np.testing.assert_allclose(dx, numeric_grad(loss, x), atol=1e-6, rtol=1e-4)
    for w in layer.weight_specs:
        np.testing.assert_allclose(layer.grads[w.name], numeric_grad(loss, layer.values[w.name]), atol=1e-6,
                                   rtol=1e-4, err_msg=w.name)


@pytest.mark.parametrize("axes", [None, (1,), (2,), (1, 2)])
def test_gradients_of_higher_rank_inputs(axes):
    """(batch, 3, 4, features) inputs: the axes not attended over act as batch axes."""
    value = (2, 3, 6, 2) if axes == (2,) else (2, 5, 4, 2) if axes == (1,) else (2, 3, 4, 2)
    check_layer("MultiHeadAttention", {"num_heads": 2, "key_dim": 3, "attention_axes": axes, "output_shape": (2, 3)},
                [(2, 3, 4, 5), value])


def test_each_backward_pass_writes_fresh_weight_gradients():
    layer = _layer()
    layer(Q, V, K)
    r = RNG.normal(size=(2, 3, 4)).astype("float32")
    layer.forward([Q, V, K], True)
    layer.backward(r)
    first = {k: g.copy() for k, g in layer.grads.items()}
    layer.forward([Q, V, K], True)
    layer.backward(r)
    for name, g in layer.grads.items():
        np.testing.assert_array_equal(g, first[name], err_msg=name)
    layer.forward([Q, V, K], True)
    assert layer.backward(r, need_dx=False) == [None, None, None]  # the weights' gradients only
    for name, g in layer.grads.items():
        np.testing.assert_array_equal(g, first[name], err_msg=name)


def test_weights_in_keras_order_and_shapes():
    layer = _layer(value_dim=5, output_shape=7)
    layer(Q, V, K)
    assert [(w.name, w.shape) for w in layer.weights] == [
        ("query/kernel", (4, 2, 3)), ("query/bias", (2, 3)), ("key/kernel", (6, 2, 3)), ("key/bias", (2, 3)),
        ("value/kernel", (2, 2, 5)), ("value/bias", (2, 5)), ("attention_output/kernel", (2, 5, 7)),
        ("attention_output/bias", (7,))]
    assert [w.name for w in _layer(use_bias=False).weight_specs] == []  # not built yet
    assert layer.count_params() == 4 * 6 + 6 + 6 * 6 + 6 + 2 * 10 + 10 + 70 + 7


def test_config_as_keras_writes_it():
    layer = _layer()
    assert layer.get_config()["value_dim"] == 3  # Keras stores key_dim for an unset value_dim
    layer(Q, V)
    assert layer.get_config()["attention_axes"] == [1]  # resolved at build, as Keras does
    again = vl.MultiHeadAttention.from_config(json.loads(json.dumps(layer.get_config())))
    assert again.get_config() == layer.get_config()


def test_dropout_while_training():
    layer = _layer(dropout=0.5, seed=3)
    ys = [np.asarray(layer(Q, V, K, training=True)) for _ in range(2)]
    again = _layer(dropout=0.5, seed=3)
    again(Q, V, K)  # built (no dropout at predict time)
    again.set_weights(layer.get_weights())
    assert np.array_equal(np.asarray(again(Q, V, K, training=True)), ys[0]) and not np.array_equal(*ys)
    assert not np.allclose(ys[0], np.asarray(layer(Q, V, K)))
    many = [np.repeat(x[:1], 3000, 0) for x in (Q, V, K)]
    mean = np.asarray(layer(*many, training=True)).mean(0)  # dropped weights are scaled up: same expectation
    np.testing.assert_allclose(mean, np.asarray(layer(Q[:1], V[:1], K[:1]))[0], atol=0.05)


def test_masked_query_steps_pass_their_mask_on():
    ids = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]], "float32")
    i = vl.Input((5,))
    e = vl.Embedding(9, 4, mask_zero=True)(i)
    model = vm.Model(i, vl.GlobalAveragePooling1D()(_layer(name="mha")(e, e)))
    pooled = model.predict(ids, verbose=0)
    again = model.predict(np.where(ids > 0, ids, 0), verbose=0)  # padding ids do not matter
    np.testing.assert_allclose(pooled, again)
    assert np.isfinite(pooled).all()


def test_one_tensor_wired_to_query_and_value_on_the_canvas():
    """Self-attention is one node wired twice into the layer; other layers still refuse a second wire."""
    from visualnet.graph import Graph, GraphError, infer_shapes, validate

    g = Graph()
    x = g.add_node("Input", {"shape": (6, 4)})
    mha = g.add_node("MultiHeadAttention", {"num_heads": 2, "key_dim": 3, "use_causal_mask": True})
    g.connect(x.id, mha.id)
    g.connect(x.id, mha.id)
    assert g.inputs_of(mha.id) == [x.id, x.id] and not validate(g)
    info = infer_shapes(g)[mha.id]
    # 4 kernels of 4x2x3 (the output's 2x3x4), 3 biases of 2x3, the output's of 4
    assert info.shape == (None, 6, 4) and info.params == 4 * 24 + 3 * 6 + 4
    add = g.add_node("Add")
    g.connect(x.id, add.id)
    with pytest.raises(GraphError, match="already wired"):
        g.connect(x.id, add.id)


def test_symbolic_scores_have_a_shape_but_feed_no_model():
    target, source = vl.Input((8, 16)), vl.Input((4, 16))
    out, scores = _layer(name="mha")(target, source, return_attention_scores=True)
    assert out.shape == (None, 8, 16) and scores.shape == (None, 2, 8, 4)
    assert vm.Model([target, source], out).count_params() == 3 * (96 + 6) + 96 + 16  # kernels 16x2x3, 2x3x16
    with pytest.raises(ValueError, match="attention scores of 'mha'.*cannot be a model's tensor"):
        vm.Model([target, source], scores)


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="MultiHeadAttention takes between 2 and 3 inputs; it has 1"):
        _layer()([vl.Input((3, 4))])
    with pytest.raises(ValueError, match="key and value need the same dimensions but the last"):
        _layer()(vl.Input((3, 4)), vl.Input((5, 2)), vl.Input((4, 2)))
    with pytest.raises(ValueError, match=r"inputs need one rank; its query is \(None, 3, 4\) and its value "
                                         r"\(None, 5, 2, 2\)"):
        _layer()(vl.Input((3, 4)), vl.Input((5, 2, 2)))
    with pytest.raises(ValueError, match=r"inner axes of its inputs, in 1..1. Received: attention_axes=\(2,\)"):
        _layer(attention_axes=2)(Q, V)
    with pytest.raises(ValueError, match=r"use_causal_mask needs 3-D inputs"):
        _layer(use_causal_mask=True)(vl.Input((3, 4, 2)), vl.Input((3, 4, 2)))
    with pytest.raises(ValueError, match=r"same sizes along the axes not attended over \(1\)"):
        _layer(attention_axes=2)(vl.Input((3, 4, 2)), vl.Input((5, 4, 2)))
    with pytest.raises(ValueError, match=r"num_heads.*Received: num_heads=0"):
        vl.MultiHeadAttention(num_heads=0, key_dim=2)
    with pytest.raises(TypeError, match="missing the required argument 'key_dim'"):
        vl.MultiHeadAttention(num_heads=2)
    with pytest.raises(ValueError, match="supports only use_gate=False"):
        _layer(use_gate=True)


def test_use_causal_mask_is_a_call_argument_in_files(tmp_path):
    x = vl.Input((4, 3))
    model = vm.Model(x, _layer(name="mha")(x, x, use_causal_mask=True))
    for ext in (".keras", ".h5"):
        model.save(tmp_path / f"m{ext}")
        back = vm.load_model(tmp_path / f"m{ext}")
        assert back.get_layer("mha").use_causal_mask is True
        np.testing.assert_array_equal(back.predict(Q[:, :, :3].repeat(2, 1)[:, :4], verbose=0),
                                      model.predict(Q[:, :, :3].repeat(2, 1)[:, :4], verbose=0))


def test_reads_tf_keras_inbound_nodes(tmp_path):
    """tf-keras writes the query as the node's tensor and the value and key in its kwargs."""
    q, v, k = vl.Input((3, 4), name="q"), vl.Input((5, 2), name="v"), vl.Input((5, 6), name="k")
    model = vm.Model([q, v, k], _layer(name="mha")(q, v, k, use_causal_mask=True))
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "r+") as f:
        config = json.loads(f.attrs["model_config"])
        layer = next(entry for entry in config["config"]["layers"] if entry["name"] == "mha")
        layer["inbound_nodes"] = [[["q", 0, 0, {"value": ["v", 0, 0], "key": ["k", 0, 0], "use_causal_mask": True}]]]
        f.attrs["model_config"] = np.bytes_(json.dumps(config).encode())
    back = vm.load_model(path)
    assert back.get_layer("mha").use_causal_mask is True
    np.testing.assert_array_equal(back.predict([Q, V, K], verbose=0), model.predict([Q, V, K], verbose=0))


# ---------------------------------------------------------------------- against Keras
@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def _random_weights(layer, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.normal(0, 0.5, w.shape).astype("float32") for w in layer.weight_specs]


@pytest.mark.oracle
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("kwargs", VARIANTS)
def test_as_keras(keras, kwargs, n, causal):
    xs = [Q, V, K] if n == 3 else [Q, V[:, :, :2]]
    ours = _layer(**kwargs)
    theirs = keras.layers.MultiHeadAttention(**{"num_heads": 2, "key_dim": 3, **kwargs})
    ours(*xs)
    theirs(*xs)
    assert [tuple(w.shape) for w in theirs.weights] == [w.shape for w in ours.weights]
    assert [w.path.split("/", 1)[1] for w in theirs.weights] == [w.name for w in ours.weight_specs]
    weights = _random_weights(ours)
    ours.set_weights(weights)
    theirs.set_weights(weights)
    y = np.asarray(ours(*xs, use_causal_mask=causal))
    np.testing.assert_allclose(y, keras.ops.convert_to_numpy(theirs(*xs, use_causal_mask=causal)), atol=1e-5)
    masks = dict(query_mask=QM, value_mask=VM, key_mask=KM if n == 3 else None)
    y, scores = ours(*xs, use_causal_mask=causal, return_attention_scores=True, **masks)
    ky, kscores = theirs(*xs, use_causal_mask=causal, return_attention_scores=True, **masks)
    np.testing.assert_allclose(np.asarray(y), keras.ops.convert_to_numpy(ky), atol=1e-5)
    np.testing.assert_allclose(np.asarray(scores), keras.ops.convert_to_numpy(kscores), atol=1e-6)
    am = np.random.default_rng(5).random((2, 3, 5)) > 0.3
    np.testing.assert_allclose(np.asarray(ours(*xs, attention_mask=am, use_causal_mask=causal)),
                               keras.ops.convert_to_numpy(theirs(*xs, attention_mask=am, use_causal_mask=causal)),
                               atol=1e-5)


@pytest.mark.oracle
@pytest.mark.parametrize("axes", [None, (1,), (2,), (1, 2)])
def test_higher_rank_inputs_as_keras(keras, axes):
    """Outputs, and the scores in Keras's layout (batch, free axes, heads, query's, key's attended axes)."""
    q = RNG.normal(size=(2, 3, 4, 5)).astype("float32")
    v = RNG.normal(size=(2, 3, 6, 2) if axes == (2,) else (2, 5, 4, 2) if axes == (1,) else (2, 3, 4, 2))
    v = v.astype("float32")
    ours, theirs = _layer(attention_axes=axes), keras.layers.MultiHeadAttention(2, 3, attention_axes=axes)
    ours(q, v)
    theirs(q, v)
    weights = _random_weights(ours)
    ours.set_weights(weights)
    theirs.set_weights(weights)
    y, scores = ours(q, v, return_attention_scores=True)
    ky, kscores = theirs(q, v, return_attention_scores=True)
    np.testing.assert_allclose(np.asarray(y), keras.ops.convert_to_numpy(ky), atol=1e-5)
    np.testing.assert_allclose(np.asarray(scores), keras.ops.convert_to_numpy(kscores), atol=1e-6)
    assert ours.get_config()["attention_axes"] == list(theirs.get_config()["attention_axes"])


@pytest.mark.oracle
def test_higher_rank_model_in_files_and_scripts(keras, tmp_path):
    """Attention along the second inner axis of (4, 5, 3) inputs: real Keras opens both files and the
    exported Keras and PyTorch scripts predict the same."""
    pytest.importorskip("torch")
    import importlib.util

    from visualnet.io.code_export import export_keras_script, export_torch_script

    x = vl.Input((4, 5, 3))
    model = vm.Model(x, _layer(name="mha", attention_axes=(2,), output_shape=(2, 2))(x, x))
    data = RNG.normal(size=(3, 4, 5, 3)).astype("float32")
    expected = model.predict(data, verbose=0)
    for ext in (".keras", ".h5"):
        model.save(tmp_path / f"m{ext}")
        np.testing.assert_allclose(keras.saving.load_model(tmp_path / f"m{ext}").predict(data, verbose=0), expected,
                                   atol=1e-5, err_msg=ext)
        np.testing.assert_allclose(vm.load_model(tmp_path / f"m{ext}").predict(data, verbose=0), expected, atol=1e-6)
    for name, export in (("keras", export_keras_script), ("torch", export_torch_script)):
        path = tmp_path / f"export_{name}.py"
        export(model, path, weights="npz")
        spec = importlib.util.spec_from_file_location(f"mha4_{name}", path)
        script = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(script)
        built = script.build_model()
        script.load_weights(built)
        np.testing.assert_allclose(script.predict(built, data), expected, atol=1e-5, err_msg=name)


def _text_model(lib, dropout=0.0, causal=False):
    """Token ids (0: padding) -> Embedding(mask_zero) -> self-attention -> masked average -> Dense."""
    L = lib.layers
    i = lib.Input((6,))
    e = L.Embedding(12, 4, mask_zero=True, name="embed")(i)
    a = L.MultiHeadAttention(num_heads=2, key_dim=3, dropout=dropout, name="mha")(e, e, use_causal_mask=causal)
    return lib.Model(i, L.Dense(1, activation="sigmoid", name="out")(L.GlobalAveragePooling1D()(a)))


def _ids(rng, n=32):
    lengths = rng.integers(1, 7, n)
    ids = rng.integers(1, 12, (n, 6))
    return np.where(np.arange(6) < lengths[:, None], ids, 0).astype("float32")


@pytest.mark.oracle
@pytest.mark.parametrize("dropout", [0.0, 0.3], ids=["dot_product_attention", "softmax"])
@pytest.mark.parametrize("causal", [False, True])
def test_masked_model_predicts_and_trains_like_keras(keras, causal, dropout):
    """Predictions within 1e-5 (padded query steps included: Keras's two paths treat a fully
    hidden row differently), then one epoch of SGD with shuffle=False within 2e-3 per weight
    (without dropout, whose random draws differ)."""
    rng = np.random.default_rng(4)
    ours, theirs = _text_model(visualnet, dropout, causal), _text_model(keras, dropout, causal)
    theirs.set_weights(ours.get_weights())
    x = _ids(rng)
    y = (rng.random((len(x), 1)) > 0.5).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), atol=1e-5)
    seq_ours = vm.Model(ours.input, ours.get_layer("mha").output)
    seq_theirs = keras.Model(theirs.input, theirs.get_layer("mha").output)
    np.testing.assert_allclose(seq_ours.predict(x, verbose=0), seq_theirs.predict(x, verbose=0), atol=1e-5)
    if dropout:
        return
    # SGD: the key's bias gets only rounding noise as gradient (a constant per query step), which
    # Adam would blow up to full steps of its own in both libraries
    theirs.compile(keras.optimizers.SGD(learning_rate=0.5), "binary_crossentropy")
    ours.compile(visualnet.optimizers.SGD(learning_rate=0.5), "binary_crossentropy")
    hk = theirs.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    hv = ours.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        assert np.abs(a - b).max() <= 2e-3
    assert hv.history["loss"][0] == pytest.approx(hk.history["loss"][0], rel=1e-4)


# ---------------------------------------------------------------------- the transformer template
def test_transformer_template_is_an_encoder_block_on_the_embedding():
    from visualnet.graph import keras_order, validate
    from visualnet.graph.templates import load_template

    graph = load_template("transformer_text_classifier")
    assert not validate(graph)
    assert [graph.nodes[n].type for n in keras_order(graph)] == [
        "Input", "Embedding", "MultiHeadAttention", "Dropout", "Add", "LayerNormalization", "TimeDistributed",
        "TimeDistributed", "Dropout", "Add", "LayerNormalization", "GlobalAveragePooling1D", "Dropout", "Dense"]
    mha = next(n for n in graph.nodes.values() if n.type == "MultiHeadAttention")
    embedding = next(n for n in graph.nodes.values() if n.type == "Embedding")
    assert graph.inputs_of(mha.id) == [embedding.id, embedding.id]  # self-attention: query and value
    assert embedding.params["mask_zero"] is True


def test_transformer_template_learns_the_reviews():
    """The template with smaller widths on the reviews' last 100 words: held-out accuracy
    clearly above chance (0.5) after 2 epochs (0.73 measured)."""
    from visualnet import data, optimizers, utils
    from visualnet.graph.templates import load_template

    graph = load_template("transformer_text_classifier")
    node = {n.name: n.id for n in graph.nodes.values()}
    graph.set_params(node["input_layer"], shape=(100,))
    graph.set_params(node["embedding"], output_dim=16)
    graph.set_params(node["multi_head_attention"], key_dim=8)
    graph.set_params(node["time_distributed"], units=16)
    graph.set_params(node["time_distributed_1"], units=16)
    prepared = data.prepare(data.Recipe.builtin("movie_reviews"))
    (x, y), (xt, yt) = prepared.train, prepared.test
    utils.set_random_seed(0)
    model = vm.Model.from_graph(graph)
    model.compile(optimizer=optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x[:, -100:], y, epochs=2, batch_size=32, verbose=0)
    _, accuracy = model.evaluate(xt[:, -100:], yt, verbose=0)
    assert accuracy > 0.65


@pytest.mark.oracle
@pytest.mark.parametrize("ext", [".keras", pytest.param(".h5", marks=pytest.mark.slow)])
def test_transformer_template_opens_in_keras(keras, tmp_path, ext):
    """Self-attention on one tensor, masks from mask_zero, TimeDistributed Dense: real Keras
    opens the file, counts the same parameters and predicts the same reviews."""
    from visualnet.graph.templates import load_template

    model = vm.Model.from_graph(load_template("transformer_text_classifier"))
    ids = np.random.default_rng(0).integers(1, 10000, (4, 200)).astype("float32")
    ids[:2, :150] = 0  # padding in front, as the reviews have it
    model.save(tmp_path / f"t{ext}")
    theirs = keras.saving.load_model(tmp_path / f"t{ext}")
    assert theirs.count_params() == model.count_params() == 330_689
    np.testing.assert_allclose(theirs.predict(ids, verbose=0), model.predict(ids, verbose=0), atol=1e-5)


@pytest.mark.oracle
def test_exported_scripts_of_self_attention_without_biases(tmp_path):
    """One tensor as query and value, no biases, 3 heads: the Keras and PyTorch scripts predict the same."""
    pytest.importorskip("torch")
    pytest.importorskip("keras")
    import importlib.util

    from visualnet.io.code_export import export_keras_script, export_torch_script

    x = vl.Input((5, 4))
    a = vl.MultiHeadAttention(num_heads=3, key_dim=2, use_bias=False, dropout=0.1, name="mha")(x, x)
    model = vm.Model(x, vl.Dense(2, name="out")(vl.GlobalAveragePooling1D()(a)))
    data = np.random.default_rng(3).normal(size=(6, 5, 4)).astype("float32")
    expected = model.predict(data, verbose=0)
    for name, export in (("keras", export_keras_script), ("torch", export_torch_script)):
        path = tmp_path / f"export_{name}.py"
        export(model, path, weights="npz")
        spec = importlib.util.spec_from_file_location(f"mha_{name}", path)
        script = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(script)
        built = script.build_model()
        script.load_weights(built)
        np.testing.assert_allclose(script.predict(built, data), expected, atol=1e-5, err_msg=name)
