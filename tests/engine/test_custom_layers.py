"""User-written layers (keras.layers.Layer subclasses): the same classes written against
real Keras and VisualNet give the same weights order, predictions and training."""

import numpy as np
import pytest

import visualnet

keras = pytest.importorskip("keras")


def make_classes(k):
    """The custom layers of the tests, written against `k` (keras or visualnet)."""

    class Linear(k.layers.Layer):
        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal",
                                     trainable=True, name="kernel")
            self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True, name="bias")

        def call(self, inputs):
            return k.ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    class Block(k.layers.Layer):
        """Sublayers as attributes (a custom one and a built-in one), a non-trainable weight,
        an activity penalty through add_loss and a training flag."""

        def __init__(self, units=6, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.inner = Linear(units)
            self.dense = k.layers.Dense(units, activation="tanh")

        def build(self, input_shape):
            self.scale = self.add_weight(shape=(self.units,), initializer="ones", name="scale")
            self.offset = self.add_weight(shape=(), initializer="zeros", trainable=False, name="offset")

        def call(self, inputs, training=None):
            h = k.ops.relu(self.inner(inputs)) * self.scale
            h = self.dense(h) + self.dense(h * 0.5)       # one layer called twice
            self.add_loss(0.01 * k.ops.mean(k.ops.square(h)))
            if training:
                h = h * 0.9
            return k.ops.concatenate([h, k.ops.sigmoid(h[:, :2])], axis=-1) + self.offset

    return Linear, Block


def _same_weights(model, seed):
    rng = np.random.default_rng(seed)
    return [rng.normal(0, 0.3, w.shape).astype(np.float32) for w in model.get_weights()]


def _models(build, x, y, epochs=1, loss="mse", optimizer=lambda k: k.optimizers.SGD(0.05), batch_size=16):
    """(keras model, visualnet model) built by `build(k, classes)`, given the same weights,
    compiled alike."""
    out = []
    weights = None
    for k in (keras, visualnet):
        m = build(k, make_classes(k))
        weights = weights or _same_weights(m, 0)
        m.set_weights(weights)
        m.compile(optimizer=optimizer(k), loss=loss)
        out.append(m)
    return out


def _data(n=48, d=5, out=3, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)).astype(np.float32), rng.normal(size=(n, out)).astype(np.float32)


def _sequential(k, classes):
    Linear, _ = classes
    return k.Sequential([k.layers.Input((5,)), Linear(7), k.layers.Activation("relu"), Linear(3)])


def _functional(k, classes):
    Linear, Block = classes
    inp = k.layers.Input((5,))
    h = Block(6, name="block")(inp)
    out = k.layers.Dense(3)(k.layers.Concatenate()([Linear(4)(inp), h]))
    return k.Model(inp, out)


@pytest.mark.parametrize("build", [_sequential, _functional], ids=["sequential", "functional"])
def test_predictions_and_one_epoch_match_keras(build):
    x, y = _data()
    km, vm = _models(build, x, y)
    assert [w.shape for w in vm.get_weights()] == [tuple(w.shape) for w in km.get_weights()]
    np.testing.assert_allclose(vm.predict(x, verbose=0), km.predict(x, verbose=0), atol=1e-5)
    kh = km.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    vh = vm.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(vm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-3)
    assert vh.history["loss"][0] == pytest.approx(kh.history["loss"][0], rel=1e-3)
    assert vm.evaluate(x, y, verbose=0) == pytest.approx(km.evaluate(x, y, verbose=0), rel=1e-3)


def test_layer_called_on_arrays_and_its_weights():
    Linear, Block = make_classes(visualnet)
    layer = Linear(4)
    assert not layer.built
    out = layer(np.ones((2, 3), np.float32))
    assert out.shape == (2, 4) and layer.built
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    np.testing.assert_allclose(out.numpy(), np.ones((2, 3)) @ layer.w.numpy(), rtol=1e-6)
    block = Block(6)
    block(np.ones((2, 3), np.float32))
    # Keras's order: own trainable, own non-trainable, then the sublayers' (in attribute order)
    assert [w.path.split("/")[-1] for w in block.weights] == ["scale", "offset", "kernel", "bias", "kernel", "bias"]
    assert len(block.trainable_weights) == 5 and [w.name for w in block.non_trainable_weights] == ["offset"]
    assert len(block.losses) == 1
    block.trainable = False
    assert block.trainable_weights == [] and not block.dense.trainable
    assert isinstance(visualnet.layers.Dense(2), visualnet.layers.Layer)


def test_layer_weights_match_keras_layer_by_layer():
    x, _ = _data(8)
    outs = []
    for k in (keras, visualnet):
        _, Block = make_classes(k)
        b = Block(6)
        b(x)
        if k is keras:
            weights = _same_weights(b, 3)
        b.set_weights(weights)
        outs.append(np.asarray(k.ops.convert_to_numpy(b(x))))
    np.testing.assert_allclose(outs[1], outs[0], atol=1e-5)


def test_config_round_trip_and_automatic_config():
    Linear, _ = make_classes(visualnet)
    layer = Linear(5, name="lin")
    again = Linear.from_config(layer.get_config())
    assert again.units == 5 and again.name == "lin"

    class Scale(visualnet.layers.Layer):   # no get_config: Keras makes it from the arguments
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

    cfg = Scale(3.0, name="s").get_config()
    assert cfg["factor"] == 3.0 and cfg["name"] == "s"
    assert Scale.from_config(cfg).factor == 3.0


def test_unknown_keyword_is_refused():
    Linear, _ = make_classes(visualnet)
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to Linear"):
        Linear(3, unit=4)


def test_model_with_custom_layer_has_no_project_form():
    Linear, _ = make_classes(visualnet)
    model = visualnet.Sequential([visualnet.layers.Input((3,)), Linear(2, name="my_linear")])
    with pytest.raises(ValueError, match="my_linear"):
        model.to_graph()


def test_summary_lists_custom_layers():
    model = _functional(visualnet, make_classes(visualnet))
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "block (Block)" in text and f"Total params: {model.count_params():,}" in text


def test_training_flag_reaches_call():
    _, Block = make_classes(visualnet)
    x, _ = _data(4)
    b = Block(6)
    assert not np.allclose(b(x, training=True), b(x, training=False))


def test_weight_regularizer_written_with_ops_joins_the_loss():
    x, y = _data(16)

    class Reg(visualnet.layers.Layer):
        def build(self, shape):
            self.w = self.add_weight(shape=(shape[-1], 3), initializer="ones",
                                     regularizer=lambda w: 0.5 * visualnet.ops.sum(w * w))

        def call(self, x):
            return visualnet.ops.matmul(x, self.w)

    model = visualnet.Sequential([visualnet.layers.Input((5,)), Reg()])
    model.compile(visualnet.optimizers.SGD(0.0), "mse")
    loss = model.evaluate(x, y, verbose=0)
    plain = float(np.mean((x @ np.ones((5, 3)) - y) ** 2))
    trained = model.fit(x, y, epochs=1, batch_size=16, verbose=0).history["loss"][0]
    assert trained == pytest.approx(plain + 0.5 * 15, rel=1e-4)
    assert loss >= plain


@pytest.mark.parametrize("build", [_sequential, _functional], ids=["sequential", "functional"])
def test_keras_file_round_trip_between_libraries(build, tmp_path):
    """Ours read by Keras and Keras's read by us: the same predictions; the class comes from
    custom_objects."""
    x, y = _data()
    km, vm = _models(build, x, y)
    vm.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    vm.save(tmp_path / "ours.keras")
    k_classes = dict(zip(("Linear", "Block"), make_classes(keras)))
    v_classes = dict(zip(("Linear", "Block"), make_classes(visualnet)))
    theirs = keras.models.load_model(tmp_path / "ours.keras", custom_objects=k_classes)
    np.testing.assert_allclose(theirs.predict(x, verbose=0), vm.predict(x, verbose=0), atol=1e-5)
    again = visualnet.models.load_model(tmp_path / "ours.keras", custom_objects=v_classes)
    np.testing.assert_allclose(again.predict(x, verbose=0), vm.predict(x, verbose=0), atol=1e-6)
    assert again.compiled is not None
    km.save(tmp_path / "keras.keras")
    ours = visualnet.models.load_model(tmp_path / "keras.keras", custom_objects=v_classes)
    np.testing.assert_allclose(ours.predict(x, verbose=0), km.predict(x, verbose=0), atol=1e-5)


def test_loading_without_the_class_names_it(tmp_path):
    model = _sequential(visualnet, make_classes(visualnet))
    model.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="Linear"):
        visualnet.models.load_model(tmp_path / "m.keras")


def test_weights_file_round_trip_with_keras(tmp_path):
    x, _ = _data(8)
    km, vm = _models(_functional, x, None)
    vm.set_weights(_same_weights(vm, 7))
    vm.save_weights(tmp_path / "ours.weights.h5")
    km.load_weights(tmp_path / "ours.weights.h5")
    np.testing.assert_allclose(km.predict(x, verbose=0), vm.predict(x, verbose=0), atol=1e-5)
    other = _functional(visualnet, make_classes(visualnet))
    other.load_weights(tmp_path / "ours.weights.h5")
    np.testing.assert_allclose(other.predict(x, verbose=0), vm.predict(x, verbose=0), atol=1e-6)


def _shared_and_nested(k, classes):
    """A custom layer called twice (shared weights) and one holding a Sequential block."""
    Linear, _ = classes

    class WithBlock(k.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.block = k.Sequential([k.layers.Dense(4, activation="relu"), k.layers.Dense(3)])

        def call(self, x):
            return self.block(x) * 2.0

    shared = Linear(5, name="shared")
    a, b = k.layers.Input((5,)), k.layers.Input((5,))
    h = k.layers.Add()([shared(a), shared(b)])
    return k.Model([a, b], WithBlock(name="with_block")(h))


def test_shared_custom_layer_and_nested_model_train_as_in_keras():
    rng = np.random.default_rng(6)
    xa, xb = rng.normal(size=(32, 5)).astype(np.float32), rng.normal(size=(32, 5)).astype(np.float32)
    y = rng.normal(size=(32, 3)).astype(np.float32)
    results, weights = [], None
    for k in (keras, visualnet):
        m = _shared_and_nested(k, make_classes(k))
        if k is keras:
            m([xa[:1], xb[:1]])
        weights = weights or _same_weights(m, 2)
        m.set_weights(weights)
        m.compile(optimizer=k.optimizers.SGD(0.05), loss="mse")
        before = m.predict([xa, xb], verbose=0)
        m.fit([xa, xb], y, batch_size=8, epochs=1, shuffle=False, verbose=0)
        results.append((before, m.get_weights()))
    np.testing.assert_allclose(results[1][0], results[0][0], atol=1e-5)
    for a, b in zip(results[1][1], results[0][1]):
        np.testing.assert_allclose(a, b, atol=2e-3)


def _transformer(k):
    """keras.io's TransformerBlock and TokenAndPositionEmbedding (dropout left out): registry
    layers (MultiHeadAttention, LayerNormalization, Embedding on positions without a batch
    axis) and a nested Sequential inside custom layers."""
    L = k.layers

    class TransformerBlock(L.Layer):
        def __init__(self, embed_dim, num_heads, ff_dim):
            super().__init__()
            self.att = L.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
            self.ffn = k.Sequential([L.Dense(ff_dim, activation="relu"), L.Dense(embed_dim)])
            self.layernorm1 = L.LayerNormalization(epsilon=1e-6)
            self.layernorm2 = L.LayerNormalization(epsilon=1e-6)

        def call(self, inputs):
            out1 = self.layernorm1(inputs + self.att(inputs, inputs))
            return self.layernorm2(out1 + self.ffn(out1))

    class TokenAndPositionEmbedding(L.Layer):
        def __init__(self, maxlen, vocab_size, embed_dim):
            super().__init__()
            self.token_emb = L.Embedding(input_dim=vocab_size, output_dim=embed_dim)
            self.pos_emb = L.Embedding(input_dim=maxlen, output_dim=embed_dim)

        def call(self, x):
            positions = self.pos_emb(k.ops.arange(start=0, stop=k.ops.shape(x)[-1], step=1))
            return self.token_emb(x) + positions

    inp = L.Input((6,))
    x = TransformerBlock(8, 2, 8)(TokenAndPositionEmbedding(6, 20, 8)(inp))
    return k.Model(inp, L.Dense(2, activation="softmax")(L.GlobalAveragePooling1D()(x)))


def test_transformer_blocks_train_as_in_keras():
    pytest.importorskip("visualnet.engine.layers.multi_head_attention")
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 20, (32, 6)).astype(np.float32), rng.integers(0, 2, 32)
    results, weights = [], None
    for k in (keras, visualnet):
        m = _transformer(k)
        if k is keras:
            m(x[:1])
        weights = weights or _same_weights(m, 1)
        m.set_weights(weights)
        m.compile(optimizer=k.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
        before = m.predict(x, verbose=0)
        m.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
        results.append((before, m.get_weights()))
    np.testing.assert_allclose(results[1][0], results[0][0], atol=1e-5)
    for a, b, w in zip(results[1][1], results[0][1], weights):
        assert np.abs(b - w).max() > 0 or np.abs(a - w).max() == 0   # the same weights moved
        np.testing.assert_allclose(a, b, atol=2e-3)


def test_config_json_round_trip_takes_the_class_from_custom_objects():
    classes = make_classes(visualnet)
    model = _functional(visualnet, classes)
    text = model.to_json()
    assert '"class_name": "Block"' in text
    again = visualnet.models.model_from_json(text, custom_objects=dict(zip(("Linear", "Block"), classes)))
    assert [type(l).__name__ for l in again.layers] == [type(l).__name__ for l in model.layers]
    assert [w.shape for w in again.get_weights()] == [w.shape for w in model.get_weights()]
    with pytest.raises(ValueError, match="Block"):
        visualnet.models.model_from_json(text)


def test_project_of_a_model_with_custom_layers_is_refused_naming_it():
    from visualnet.io.project import Project

    Linear, _ = make_classes(visualnet)
    model = visualnet.Sequential([visualnet.layers.Input((3,)), Linear(2, name="my_linear")])
    with pytest.raises(ValueError, match="'my_linear' \\(Linear\\)"):
        Project.from_model(model)


def test_sequential_without_input_is_built_by_fit():
    Linear, _ = make_classes(visualnet)
    model = visualnet.Sequential([Linear(4), visualnet.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = _data(16, out=1)
    model.fit(x, y, epochs=1, verbose=0)
    assert model.built and model.layers[0].built and len(model.get_weights()) == 4


def test_frozen_custom_layer_keeps_its_weights():
    classes = make_classes(visualnet)
    model = _functional(visualnet, classes)
    block = model.get_layer("block")
    block.trainable = False
    model.compile(visualnet.optimizers.SGD(0.1), "mse")
    before = [w.numpy() for w in block.weights]
    head = model.layers[-1].get_weights()[0].copy()
    x, y = _data(16)
    model.fit(x, y, epochs=1, verbose=0)
    for a, b in zip(before, block.weights):
        np.testing.assert_array_equal(a, b.numpy())
    assert not np.array_equal(head, model.layers[-1].get_weights()[0])
    assert len(model.trainable_weights) == len(model.weights) - len(block.weights)
