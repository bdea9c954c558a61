"""`layers.Lambda` (issue 23): runs its function in Sequential and functional models and
eagerly, trains through it as Keras does, and is never written to or read from a file."""

import numpy as np
import pytest

import visualnet

keras = pytest.importorskip("keras")


def build(k):
    ops = k.ops
    return k.Sequential([
        k.Input((4,)), k.layers.Dense(3),
        k.layers.Lambda(lambda t: ops.tanh(t) * 2.0),
        k.layers.Lambda(lambda t, scale: ops.concatenate([t, t * scale], axis=-1), arguments={"scale": 0.5}),
        k.layers.Dense(1),
    ])


def test_sequential_with_lambdas_trains_as_keras():
    km = build(keras)
    vm = build(visualnet)
    vm.set_weights(km.get_weights())
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 4)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")
    assert vm.layers[2].output.shape == (None, 6)
    for m, k in ((km, keras), (vm, visualnet)):
        m.compile(optimizer=k.optimizers.SGD(0.1), loss="mse")
        m.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(vm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_functional_eager_and_output_shape_argument():
    layers, ops = visualnet.layers, visualnet.ops
    i = visualnet.Input((3,))
    declared = layers.Lambda(lambda t: ops.concatenate([t, t], axis=-1), output_shape=(6,))(i)
    as_function = layers.Lambda(lambda t: t[:, :2], output_shape=lambda s: (s[0], 2))(i)
    inferred = layers.Lambda(lambda t: ops.expand_dims(t, 1))(i)
    assert (declared.shape, as_function.shape, inferred.shape) == ((None, 6), (None, 2), (None, 1, 3))
    model = visualnet.Model(i, [declared, as_function])
    x = np.arange(6, dtype="float32").reshape(2, 3)
    out = model.predict(x, verbose=0)
    np.testing.assert_array_equal(out[1], x[:, :2])
    np.testing.assert_array_equal(layers.Lambda(lambda t: t + 1)(x), x + 1)


def test_bad_arguments_are_refused_naming_them():
    with pytest.raises(TypeError, match="function=3"):
        visualnet.layers.Lambda(3)
    with pytest.raises(TypeError, match="arguments="):
        visualnet.layers.Lambda(lambda t: t, arguments=[1])


def test_saving_a_lambda_says_why_and_what_to_do(tmp_path):
    model = build(visualnet)
    with pytest.raises(ValueError, match="Lambda.*Python code.*Layer subclass with get_config"):
        model.save(tmp_path / "lambda.keras")
    assert not (tmp_path / "lambda.keras").exists()


def test_keras_file_with_a_lambda_is_refused_naming_it(tmp_path):
    i = keras.Input((3,))
    keras.Model(i, keras.layers.Lambda(lambda t: t * 2, name="doubler")(i)).save(tmp_path / "k.keras")
    with pytest.raises(ValueError, match="doubler.*Lambda.*Python code"):
        visualnet.models.load_model(tmp_path / "k.keras")
