"""Masks in user-written layers, as Keras 3 propagates them (keras/src/layers/layer.py):
`call(inputs, mask=None)` receives the mask of Embedding(mask_zero=True) or Masking,
`supports_masking = True` passes it on, an overridden `compute_mask` makes or changes it, and
a layer that supports nothing drops it. Checked against real Keras on the same weights."""

import numpy as np
import pytest

import visualnet

keras = pytest.importorskip("keras")


def make_classes(k):
    class Scale(k.layers.Layer):
        """Element-wise weight; passes its input's mask on."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, inputs):
            return inputs * self.w

    class DropFirstStep(k.layers.Layer):
        """Masks out the first timestep as well (an overridden compute_mask)."""

        def call(self, inputs):
            return inputs

        def compute_mask(self, inputs, mask=None):
            first = k.ops.arange(k.ops.shape(inputs)[1]) > 0
            return k.ops.logical_and(mask, first[None, :])

    class MaskedMean(k.layers.Layer):
        """The mean over the unmasked timesteps (the guide's masked pooling)."""

        def call(self, inputs, mask=None):
            if mask is None:
                return k.ops.mean(inputs, axis=1)
            m = k.ops.expand_dims(k.ops.cast(mask, "float32"), -1)
            return k.ops.sum(inputs * m, axis=1) / k.ops.maximum(k.ops.sum(m, axis=1), 1.0)

    return Scale, DropFirstStep, MaskedMean


def build(k, drop_first):
    Scale, DropFirstStep, MaskedMean = make_classes(k)
    inputs = k.Input(shape=(6,), dtype="int32")
    h = k.layers.Embedding(10, 4, mask_zero=True)(inputs)
    h = Scale()(h)
    if drop_first:
        h = DropFirstStep()(h)
    h = MaskedMean()(h)
    return k.Model(inputs, k.layers.Dense(1, activation="sigmoid")(h))


def data(n=32):
    rng = np.random.default_rng(0)
    x = rng.integers(1, 10, size=(n, 6))
    lengths = rng.integers(1, 7, size=n)
    x[np.arange(6)[None, :] >= lengths[:, None]] = 0      # zero padding at the end
    return x.astype("int32"), rng.integers(0, 2, size=(n, 1)).astype("float32")


@pytest.mark.parametrize("drop_first", [False, True])
def test_mask_reaches_user_layers_as_in_keras(drop_first):
    x, y = data()
    models = []
    for k in (keras, visualnet):
        model = build(k, drop_first)
        if models:
            model.set_weights(models[0].get_weights())
        model.compile(optimizer=k.optimizers.SGD(0.5), loss="binary_crossentropy")
        models.append(model)
    km, vm = models
    np.testing.assert_allclose(vm.predict(x, verbose=0), km.predict(x, verbose=0), atol=1e-5)
    km.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    vm.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(vm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-4)


def test_a_layer_without_masking_drops_the_mask():
    Scale, _, MaskedMean = make_classes(visualnet)

    class Plain(visualnet.layers.Layer):
        def call(self, inputs):
            return inputs

    seen = []

    class Probe(MaskedMean):
        def call(self, inputs, mask=None):
            seen.append(mask)
            return super().call(inputs, mask)

    inputs = visualnet.Input(shape=(6,), dtype="int32")
    h = visualnet.layers.Embedding(10, 4, mask_zero=True)(inputs)
    for layer in (Scale(), Plain()):
        seen.clear()
        model = visualnet.Model(inputs, Probe()(layer(h)))
        x, _ = data(4)
        model.predict(x, verbose=0)
        if isinstance(layer, Plain):
            assert seen[-1] is None
        else:
            np.testing.assert_array_equal(np.asarray(seen[-1]), x != 0)


def test_supports_masking_follows_keras_rules():
    Scale, DropFirstStep, MaskedMean = make_classes(visualnet)
    assert Scale().supports_masking and DropFirstStep().supports_masking
    assert not MaskedMean().supports_masking
    assert MaskedMean().takes_mask and not Scale().takes_mask
