"""`keras.random.SeedGenerator` and `seed=` (issue 23), with Keras 3's semantics: an integer
seed gives the same numbers every call, a SeedGenerator new ones each call (its state
advances) and the same sequence for the same seed."""

import numpy as np
import pytest

import visualnet as keras
from visualnet import layers, ops


def test_a_generator_advances_and_repeats_for_the_same_seed():
    g, twin = keras.random.SeedGenerator(7), keras.random.SeedGenerator(7)
    first, second = keras.random.normal((5,), seed=g), keras.random.normal((5,), seed=g)
    assert not np.allclose(first, second)
    np.testing.assert_array_equal(keras.random.normal((5,), seed=twin), first)
    np.testing.assert_array_equal(keras.random.normal((5,), seed=twin), second)
    assert g.state.tolist() == [7, 2]   # Keras's [seed, counter]
    assert g.get_config()["seed"] == 7
    again = keras.random.SeedGenerator.from_config(g.get_config())
    np.testing.assert_array_equal(keras.random.normal((5,), seed=again), first)


def test_an_integer_seed_gives_the_same_numbers_every_call():
    for fn in (lambda s: keras.random.uniform((4,), seed=s), lambda s: keras.random.truncated_normal((4,), seed=s),
               lambda s: keras.random.randint((4,), 0, 100, seed=s)):
        np.testing.assert_array_equal(fn(3), fn(3))


def test_each_function_takes_a_generator():
    g = keras.random.SeedGenerator(1)
    draws = [keras.random.uniform((3,), seed=g), keras.random.truncated_normal((3,), seed=g),
             keras.random.randint((3,), 0, 9, seed=g), keras.random.shuffle(np.arange(6), seed=g),
             keras.random.categorical(np.zeros((2, 3)), 4, seed=g), keras.random.dropout(np.ones((2, 3)), 0.5, seed=g)]
    assert g.state.tolist() == [1, len(draws)]
    assert np.all(np.abs(np.asarray(draws[1])) <= 2.0)
    assert sorted(np.asarray(draws[3]).tolist()) == list(range(6))
    assert set(np.unique(draws[5])) <= {0.0, 2.0}


def test_unseeded_generators_follow_set_random_seed():
    keras.utils.set_random_seed(11)
    a = keras.random.normal((3,), seed=keras.random.SeedGenerator())
    keras.utils.set_random_seed(11)
    np.testing.assert_array_equal(keras.random.normal((3,), seed=keras.random.SeedGenerator()), a)


def test_bad_seeds_are_refused_as_keras_does():
    with pytest.raises(ValueError, match="seed=1.5"):
        keras.random.SeedGenerator(1.5)
    with pytest.raises(ValueError, match="seed='x'"):
        keras.random.normal((2,), seed="x")
    with pytest.raises(ValueError, match="seed"):   # Keras's layers take an integer seed only
        layers.Dropout(0.5, seed=keras.random.SeedGenerator(1))


class NoisyDense(layers.Layer):
    """The keras.io pattern: a layer holding a SeedGenerator, drawing in call()."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(units)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, x, training=False):
        y = self.dense(x)
        return keras.random.dropout(y, 0.5, seed=self.seed_generator) if training else y


def test_a_custom_layer_with_a_generator_trains_through_dropout():
    model = keras.Sequential([keras.Input((4,)), NoisyDense(3), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    before = [w.copy() for w in model.get_weights()]
    model.fit(x, x[:, :1], epochs=1, batch_size=8, verbose=0)
    assert not np.allclose(model.get_weights()[0], before[0])    # gradients reach the kernel through dropout
    state = model.layers[0].seed_generator.state[1]
    model.fit(x, x[:, :1], epochs=1, batch_size=8, verbose=0)
    assert model.layers[0].seed_generator.state[1] == state + 2  # one draw per batch
    np.testing.assert_array_equal(model.predict(x[:2], verbose=0), model.predict(x[:2], verbose=0))


@pytest.mark.parametrize("make", [lambda: layers.Dropout(0.5, seed=5), lambda: layers.GaussianNoise(0.5, seed=5),
                                  lambda: layers.GaussianDropout(0.3, seed=5), lambda: layers.RandomFlip(seed=5),
                                  lambda: layers.RandomRotation(0.3, seed=5)])
def test_layers_with_the_same_seed_repeat_their_draws_and_advance(make):
    x = np.random.default_rng(0).random((4, 6, 6, 3)).astype("float32")
    a, b = make(), make()
    first = np.asarray(a(x, training=True))
    np.testing.assert_array_equal(np.asarray(b(x, training=True)), first)
    assert not np.array_equal(np.asarray(a(x, training=True)), first)   # its generator advanced
    assert ops.sum(first).shape == ()
